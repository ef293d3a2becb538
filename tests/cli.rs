//! Command-line behaviour: exit statuses, runbook listing and loading, and
//! errors that name what went wrong.

use crate::util::{run, temp_file};

#[test]
fn missing_input_is_exit_2_naming_the_path() {
    let r = run(&["/nonexistent/bundle.tar.gz"]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("/nonexistent/bundle.tar.gz"), "{}", r.stderr);
}

#[test]
fn usage_error_is_exit_2() {
    assert_eq!(run(&["--format", "xml", "x"]).status, 2);
    assert_eq!(run(&[]).status, 2);
}

#[test]
fn random_bytes_are_exit_2() {
    let (_dir, path) = temp_file("junk.bin", &[0x00, 0x9f, 0x13, 0x37, 0xff, 0x00, 0x42]);
    let r = run(&[path.to_str().unwrap()]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("no Kubernetes data"), "{}", r.stderr);
}

#[test]
fn list_runbooks_shows_every_builtin_image_pull_cause() {
    let r = run(&["--list-runbooks", "--format", "json"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let list: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let ids: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    for id in [
        "image-pull/not-found",
        "image-pull/manifest-unknown",
        "image-pull/auth",
        "image-pull/auth-or-missing",
        "image-pull/missing-pull-secret",
        "image-pull/rate-limit",
        "image-pull/dns",
        "image-pull/network",
        "image-pull/tls",
        "image-pull/registry-unavailable",
        "image-pull/platform-mismatch",
        "image-pull/invalid-reference",
        "image-pull/never-pull",
        "image-pull/disk-pressure",
        "image-pull/backoff",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let table = run(&["--list-runbooks"]);
    assert!(table.stdout.contains("image-pull/rate-limit"), "{}", table.stdout);
}

/// A user runbook in the seed TSG format (the seed file itself is loaded
/// by `seed_runbooks_load_and_lose_to_specific_ones`).
const USER_RUNBOOK: &str = "---
id: TSG-POD-IMAGEPULL-001
title: Pod ImagePullBackOff Diagnosis
issue_type: ImagePullBackOff
severity: critical
keywords: [\"ImagePullBackOff\", \"pull access denied\"]
---
## Summary
Diagnose pods failing to start due to image pull errors.
";

/// A user runbook loads with --runbooks and is listed;
/// a broken one is an error naming its file and line.
#[test]
fn user_runbooks_load_and_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tsg.md"), USER_RUNBOOK).unwrap();
    let r = run(&["--list-runbooks", "--runbooks", dir.path().to_str().unwrap()]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(r.stdout.contains("TSG-POD-IMAGEPULL-001"), "{}", r.stdout);

    std::fs::write(dir.path().join("broken.md"), "---\nid: x\ntitle: t\nseverity: [\n---\n").unwrap();
    let r = run(&["--list-runbooks", "--runbooks", dir.path().to_str().unwrap()]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("broken.md:"), "{}", r.stderr);
}

/// A user runbook with a built-in id replaces the built-in one.
#[test]
fn user_runbook_overrides_builtin_by_id() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rate.md"),
        "---\nid: image-pull/rate-limit\ntitle: Our mirror is throttling\nseverity: low\nkeywords: [toomanyrequests]\n---\n## Fix\nCall the platform team.\n",
    )
    .unwrap();
    let events = r#"{"kind":"EventList","items":[{"metadata":{"name":"a","namespace":"ns"},"involvedObject":{"kind":"Pod","namespace":"ns","name":"api-0"},"reason":"Failed","type":"Warning","message":"Failed to pull image \"nginx\": toomanyrequests: You have reached your pull rate limit"}]}"#;
    let (_tmp, path) = temp_file("events.json", events.as_bytes());
    let r = run(&["-f", "json", "--runbooks", dir.path().to_str().unwrap(), path.to_str().unwrap()]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let finding = &report["findings"][0];
    assert_eq!(finding["id"], "image-pull/rate-limit");
    assert_eq!(finding["title"], "Our mirror is throttling");
    assert_eq!(finding["fix"], "Call the platform team.");
}

/// The seed runbooks themselves: `004_….txt` has the runbook format and
/// loads; the other seeds are prose and are passed over. The broad seed
/// runbook must not take a TLS failure away from the specific runbook.
#[test]
fn seed_runbooks_load_and_lose_to_specific_ones() {
    let Some(seeds) = crate::util::shared("seeds") else { return };
    let seeds = seeds.to_str().unwrap();
    let r = run(&["--list-runbooks", "--format", "json", "--runbooks", seeds]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let list: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let seed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "TSG-POD-IMAGEPULL-001")
        .expect("seed 004 loaded");
    assert_eq!(seed["severity"], "critical");
    let builtin = bundle_scan::runbook::Corpus::builtin().unwrap().len();
    assert_eq!(builtin, 32, "DESIGN §6 names 32 root causes");
    assert_eq!(list.as_array().unwrap().len(), builtin + 1, "the built-in runbooks + seed 004");

    let Some(events) =
        crate::util::real("troubleshoot/pkg/analyze/files/events/message-image-pull-fail.json")
    else {
        return;
    };
    let r = run(&["-f", "json", "--runbooks", seeds, events.to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    // The broad seed loses to the specific runbooks, and claims nothing else.
    assert_eq!(crate::util::ids(&report), ["image-pull/tls", "scheduling/insufficient-resources"]);
}

/// A bundle cut short (an upload limit) still reports what was read before
/// the cut, and says which archive was damaged.
#[test]
fn truncated_bundle_reports_what_it_read() {
    let archive = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/acme-support-bundle.tar.gz");
    let bytes = std::fs::read(archive).unwrap();
    let (_dir, path) = temp_file("cut.tar.gz", &bytes[..bytes.len() * 2 / 3]);
    let r = run(&["-f", "json", path.to_str().unwrap()]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let warnings = report["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w["entry"].as_str().unwrap().contains("cut.tar.gz")
            && w["message"].as_str().unwrap().contains("truncated")),
        "{warnings:?}"
    );
    assert!(report["summary"]["entries"].as_u64().unwrap() > 5, "{:#}", report["summary"]);
    assert!(report["summary"]["events"].as_u64().unwrap() > 0, "{:#}", report["summary"]);
}

/// One broken file in a directory is a warning naming it; the others are
/// still analysed.
#[test]
fn broken_entry_is_a_warning_and_the_rest_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let good = r#"{"kind":"EventList","items":[{"metadata":{"name":"a","namespace":"ns"},"involvedObject":{"kind":"Pod","namespace":"ns","name":"api-0","fieldPath":"spec.containers{api}"},"reason":"Failed","type":"Warning","message":"Failed to pull image \"r.io/api:1\": dial tcp: lookup r.io on 10.96.0.10:53: no such host"}]}"#;
    std::fs::write(dir.path().join("events.json"), good).unwrap();
    std::fs::write(dir.path().join("pods.json"), r#"{"kind":"PodList","items":[{"metadata":"#).unwrap();
    let r = run(&["-f", "json", dir.path().to_str().unwrap()]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(crate::util::ids(&report), ["image-pull/dns"]);
    assert_eq!(report["warnings"][0]["entry"], "pods.json");
    assert!(report["warnings"][0]["message"].as_str().unwrap().contains("invalid JSON"));
    assert_eq!(report["summary"]["entries_failed"], 1);
}

/// Credentials in messages are redacted and escape sequences neutralised in
/// every format.
#[test]
fn credentials_and_escapes_are_neutralised_in_every_format() {
    let events = "{\"kind\":\"EventList\",\"items\":[{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\"},\"involvedObject\":{\"kind\":\"Pod\",\"namespace\":\"ns\",\"name\":\"api-0\"},\"reason\":\"Failed\",\"type\":\"Warning\",\"message\":\"Failed to pull image \\\"r.io/api:1\\\": Get \\\"https://bob:hunter2@r.io/v2/\\\": 401 Unauthorized \\u001b]0;owned\\u0007\\u001b[2J\"},{\"metadata\":{\"name\":\"b\",\"namespace\":\"ns\"},\"involvedObject\":{\"kind\":\"Pod\",\"namespace\":\"ns\",\"name\":\"db-0\"},\"reason\":\"Odd\",\"type\":\"Warning\",\"message\":\"token=abcdef123456 \\u001b[31mred\"}]}";
    let (_dir, path) = temp_file("events.json", events.as_bytes());
    for format in ["table", "markdown", "json"] {
        let r = run(&["-f", format, "--color", "never", path.to_str().unwrap()]);
        assert_eq!(r.status, 0, "{format}: {}", r.stderr);
        assert!(
            !r.stdout.contains("hunter2") && !r.stdout.contains("abcdef123456"),
            "{format}:\n{}",
            r.stdout
        );
        assert!(!r.stdout.contains('\x1b') && !r.stdout.contains('\x07'), "{format}:\n{}", r.stdout);
        assert!(r.stdout.contains("image-pull/auth"), "{format}:\n{}", r.stdout);
    }
}

/// troubleshoot writes tar members in Go map order (random): the report
/// must not depend on it. The sample is packed twice, members in opposite
/// orders.
#[test]
fn member_order_does_not_change_the_report() {
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/acme-support-bundle");
    let mut members = Vec::new();
    files(&root, &mut members);
    members.sort();
    let pack = |members: &[std::path::PathBuf]| {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        for path in members {
            let name = path.strip_prefix(&root).unwrap();
            tar.append_path_with_name(path, name).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap()
    };
    let forward = pack(&members);
    members.reverse();
    let backward = pack(&members);
    let report = |bytes: &[u8]| {
        let (_dir, path) = temp_file("bundle.tgz", bytes);
        let r = run(&["-f", "json", path.to_str().unwrap()]);
        assert_eq!(r.status, 0, "{}", r.stderr);
        crate::util::comparable(serde_json::from_str(&r.stdout).unwrap())
    };
    let (a, b) = (report(&forward), report(&backward));
    assert_eq!(crate::util::ids(&a).len(), 12, "guard: the sample's findings are all there");
    assert_eq!(a, b);
}
