//! Hostile and broken bundles (issue 5): truncated, corrupt, gigantic or
//! crafted input never panics, never hangs, never leaks a secret, never
//! escapes the bundle, and never loses the good part.
//!
//! Every input is generated here, small. Each bundle holds one good events
//! file (a `Failed to pull image … manifest unknown` event, so
//! `image-pull/manifest-unknown`) beside the hostile part, and each test
//! asserts the exit status, the warning, and that the good finding is still
//! there. The sizes are small and the limits lowered to match: the limit
//! logic is the same at any size (the multi-GiB bomb and its peak memory are
//! measured by hand, see the README's "Limits" section).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::Value;

use crate::util::{ids, run, run_with_stdin, temp_file, Run};

const GOOD_PATH: &str = "bundle/cluster-resources/events/shop.json";
const CAUSE: &str = "image-pull/manifest-unknown";

/// One event, as the kubelet writes it, with `message` in place.
fn event(uid: &str, pod: &str, message: &str) -> Value {
    serde_json::json!({
        "kind": "Event",
        "metadata": {"name": format!("{pod}.17a"), "namespace": "shop", "uid": uid},
        "involvedObject": {"kind": "Pod", "namespace": "shop", "name": pod,
                           "fieldPath": "spec.containers{web}"},
        "reason": "Failed",
        "message": message,
        "type": "Warning",
        "count": 3,
        "source": {"component": "kubelet", "host": "node-a"},
        "firstTimestamp": "2024-05-01T10:00:00Z",
        "lastTimestamp": "2024-05-01T10:05:00Z"
    })
}

const PULL_FAILED: &str = "Failed to pull image \"reg.io/shop/web:9.9\": rpc error: code = NotFound \
    desc = failed to pull and unpack image \"reg.io/shop/web:9.9\": failed to resolve reference \
    \"reg.io/shop/web:9.9\": reg.io/shop/web:9.9: not found: manifest unknown";

fn event_list(events: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"kind": "EventList", "apiVersion": "v1", "items": events}))
        .unwrap()
}

/// The good entry every bundle carries.
fn good_events() -> Vec<u8> {
    event_list(&[event("e1", "web-1", PULL_FAILED)])
}

enum Member<'a> {
    File(&'a str, &'a [u8]),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
}

/// A tar with raw headers, so names `tar::Builder` would refuse (`..`,
/// absolute, control characters) go in as written.
fn tar(members: &[Member<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for member in members {
        let mut header = tar::Header::new_gnu();
        let (name, kind, data, link): (&str, _, &[u8], Option<&str>) = match member {
            Member::File(name, data) => (name, tar::EntryType::Regular, data, None),
            Member::Symlink(name, to) => (name, tar::EntryType::Symlink, b"", Some(to)),
            Member::Hardlink(name, to) => (name, tar::EntryType::Link, b"", Some(to)),
        };
        let field = &mut header.as_old_mut().name;
        field[..name.len()].copy_from_slice(name.as_bytes());
        if let Some(to) = link {
            header.as_old_mut().linkname[..to.len()].copy_from_slice(to.as_bytes());
        }
        header.set_entry_type(kind);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append(&header, data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// The good events file plus `hostile`, as a `.tar.gz`.
fn bundle_with(hostile: &[Member<'_>]) -> Vec<u8> {
    let good = good_events();
    let mut members = vec![Member::File(GOOD_PATH, &good)];
    members.extend(hostile.iter().map(|m| match m {
        Member::File(n, d) => Member::File(n, d),
        Member::Symlink(n, t) => Member::Symlink(n, t),
        Member::Hardlink(n, t) => Member::Hardlink(n, t),
    }));
    gzip(&tar(&members))
}

/// Bytes that do not compress, deterministic.
fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// Scans `path` with `args` and the JSON format; exit status 0 asserted.
fn scan_json(path: &Path, args: &[&str]) -> Value {
    let path = path.to_str().unwrap();
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    all.push(path);
    let r = run(&all);
    assert_eq!(r.status, 0, "exit {} for {path}:\n{}", r.status, r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}):\n{}", r.stdout))
}

fn scan_bytes(name: &str, data: &[u8], args: &[&str]) -> Value {
    let (_dir, path) = temp_file(name, data);
    scan_json(&path, args)
}

/// The warnings as `entry: message` lines.
fn warnings(report: &Value) -> Vec<String> {
    report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| format!("{}: {}", w["entry"].as_str().unwrap(), w["message"].as_str().unwrap()))
        .collect()
}

fn the_good_finding_is_there(report: &Value) {
    assert!(ids(report).contains(&CAUSE.to_string()), "{CAUSE} missing: {:?}", ids(report));
}

/// Exactly one warning, on `entry`, containing `text`.
fn one_warning(report: &Value, entry: &str, text: &str) {
    let all = warnings(report);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(all[0].starts_with(&format!("{entry}: ")) && all[0].contains(text), "{all:#?}");
}

fn summary(report: &Value, key: &str) -> u64 {
    report["summary"][key].as_u64().unwrap_or_else(|| panic!("summary.{key}: {}", report["summary"]))
}

// 1. Broken input.

#[test]
fn a_truncated_tar_gz_keeps_what_came_before_the_cut() {
    let filler = noise(200_000, 1);
    let whole = bundle_with(&[Member::File("bundle/host/journal.log", &filler)]);
    let cut = &whole[..whole.len() - 60_000];
    let report = scan_bytes("cut.tar.gz", cut, &[]);
    the_good_finding_is_there(&report);
    one_warning(
        &report,
        "cut.tar.gz",
        "truncated or corrupt archive after 1 entries: bundle/host/journal.log: ",
    );
}

#[test]
fn a_truncated_plain_tar_names_the_member_it_ends_in() {
    let good = good_events();
    let second = noise(5000, 2);
    let whole = tar(&[Member::File(GOOD_PATH, &good), Member::File("bundle/pods/web.log", &second)]);
    // Past the first member (header + padded data) and the second header.
    let cut = 512 + good.len().div_ceil(512) * 512 + 512 + 100;
    let report = scan_bytes("cut.tar", &whole[..cut], &[]);
    the_good_finding_is_there(&report);
    one_warning(&report, "cut.tar", "bundle/pods/web.log: ends after 100 of its 5000 bytes");
}

#[test]
fn random_bytes_are_a_clear_error() {
    for (name, data) in [("junk.tar.gz", noise(10_000, 3)), ("junk.bin", noise(10_000, 4))] {
        let (_dir, path) = temp_file(name, &data);
        let r = run(&[path.to_str().unwrap()]);
        assert_eq!(r.status, 2, "{name}: {}", r.stdout);
        assert!(r.stderr.contains("no Kubernetes data found in") && r.stderr.contains(name), "{}", r.stderr);
        assert!(r.stdout.is_empty());
    }
    // Random bytes *behind a gzip header* name the broken archive.
    let mut fake = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    fake.extend(noise(2000, 5));
    let (_dir, path) = temp_file("fake.tar.gz", &fake);
    let r = run(&[path.to_str().unwrap()]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("fake.tar.gz: truncated or corrupt archive after 0 entries"), "{}", r.stderr);
}

#[test]
fn bit_flips_in_a_nested_archive_spoil_only_it() {
    let inner = gzip(&tar(&[Member::File("ns/events.json", &good_events())]));
    let mut flipped = inner.clone();
    for pos in (20..flipped.len()).step_by(11) {
        flipped[pos] ^= 0x5a;
    }
    let report = scan_bytes("b.tar.gz", &bundle_with(&[Member::File("case/mg.tar.gz", &flipped)]), &[]);
    the_good_finding_is_there(&report);
    one_warning(&report, "case/mg.tar.gz", "truncated or corrupt archive");
}

/// Every single-bit flip and every cut of a small bundle, through the input
/// and decode stages in-process (a binary per case would be slow): nothing
/// panics, and nothing read ever names a path outside the bundle.
#[test]
fn every_flip_and_cut_of_a_small_bundle_is_survived() {
    use bundle_scan::input::{read_reader, Item, Limits};
    let yaml = b"kind: EventList\nitems:\n- reason: Failed\n  message: x\n  involvedObject: {name: p}\n";
    let bundle = bundle_with(&[
        Member::File("bundle/ns/core/events.yaml", yaml),
        Member::Symlink("bundle/link", "../../../etc/passwd"),
    ]);
    let limits = Limits { max_entry_bytes: 1 << 20, max_total_bytes: 8 << 20, max_depth: 4 };
    let cuts = (0..bundle.len()).map(|cut| bundle[..cut].to_vec());
    let flips = (0..bundle.len() * 8).step_by(5).map(|bit| {
        let mut damaged = bundle.clone();
        damaged[bit / 8] ^= 1 << (bit % 8);
        damaged
    });
    for damaged in cuts.chain(flips) {
        read_reader("b.tar.gz", &damaged[..], &limits, &mut |item| {
            if let Item::Entry(entry) = &item {
                assert!(!entry.path.starts_with('/') && !entry.path.split('/').any(|c| c == ".."));
                let _ = bundle_scan::decode::decode(entry);
            }
        });
    }
}

#[test]
fn json_cut_mid_document_is_a_warning_naming_it() {
    let full = event_list(&[event("e2", "api-1", PULL_FAILED)]);
    let half = &full[..full.len() / 2];
    let report = scan_bytes("b.tar.gz", &bundle_with(&[Member::File("bundle/events/cut.json", half)]), &[]);
    the_good_finding_is_there(&report);
    one_warning(&report, "bundle/events/cut.json", "invalid JSON: EOF while parsing");
}

#[test]
fn empty_files_are_skipped_quietly_and_an_empty_input_is_an_error() {
    let report = scan_bytes(
        "b.tar.gz",
        &bundle_with(&[
            Member::File("bundle/events/empty.json", b""),
            Member::File("bundle/ns/empty.yaml", b""),
            Member::File("bundle/blank.yaml", b"\n \n"),
            Member::File("bundle/empty.log.gz", &gzip(b"")),
        ]),
        &[],
    );
    the_good_finding_is_there(&report);
    assert_eq!(warnings(&report), Vec::<String>::new());
    assert_eq!(summary(&report, "entries"), 5);
    for (name, data) in [("empty.json", Vec::new()), ("empty.tar.gz", gzip(&tar(&[])))] {
        let (_dir, path) = temp_file(name, &data);
        let r = run(&[path.to_str().unwrap()]);
        assert_eq!(r.status, 2, "{name}");
        assert!(r.stderr.contains("no Kubernetes data found"), "{}", r.stderr);
    }
}

#[test]
fn invalid_utf8_in_a_message_is_replaced_and_the_event_kept() {
    let json = event_list(&[event("e1", "web-1", PULL_FAILED)]);
    let text = String::from_utf8(json).unwrap().replace("manifest unknown", "manifest unknown \u{1}BAD\u{1}");
    let broken: Vec<u8> = text.replace('\u{1}', "\u{ff}").into_bytes();
    // `\u{ff}` is two UTF-8 bytes; make each a lone continuation byte.
    let broken: Vec<u8> = broken.iter().map(|&b| if b == 0xc3 { 0xff } else { b }).collect();
    assert!(std::str::from_utf8(&broken).is_err());
    let report = scan_bytes("events.json", &broken, &[]);
    the_good_finding_is_there(&report);
    assert_eq!(warnings(&report), Vec::<String>::new());
    let sample = report["findings"][0]["sample"].as_str().unwrap();
    assert!(sample.contains("manifest unknown \u{fffd}"), "{sample}");
}

#[test]
fn a_missing_path_is_exit_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-bundle.tar.gz");
    let r = run(&[missing.to_str().unwrap()]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains(&format!("{}: no such file or directory", missing.display())), "{}", r.stderr);
}

// 2. Resource attacks.

/// A gzip member that inflates to far more than the per-entry cap: skipped
/// with a warning, the rest read. Its size is unknown until it is inflated,
/// so this is the case that costs memory (up to the cap, never more).
#[test]
fn a_gzip_bomb_member_is_capped_per_entry() {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(&vec![0u8; 8 << 20]).unwrap();
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < 16 << 10, "{} bytes", bomb.len());
    let report = scan_bytes(
        "b.tar.gz",
        &bundle_with(&[Member::File("bundle/host/kubelet.log.gz", &bomb)]),
        &["--max-entry-size", "1M"],
    );
    the_good_finding_is_there(&report);
    one_warning(
        &report,
        "bundle/host/kubelet.log",
        "more than 1048576 bytes: exceeds the per-entry limit of 1048576 bytes",
    );
}

/// Inflating what is skipped still counts: the total cap stops a bomb made
/// of many members each under the per-entry cap, and says so once.
#[test]
fn a_gzip_bomb_is_capped_in_total() {
    let zeros = vec![0u8; 1 << 20];
    let names: Vec<String> = (0..12).map(|i| format!("bundle/zz/{i:02}.log")).collect();
    let members: Vec<Member<'_>> = names.iter().map(|n| Member::File(n, &zeros)).collect();
    let report = scan_bytes("b.tar.gz", &bundle_with(&members), &["--max-total-size", "4M"]);
    the_good_finding_is_there(&report);
    let all = warnings(&report);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(all[0].contains("more than the total limit of 4194304 bytes"), "{all:#?}");
    assert!(all[0].contains("this entry and the rest of the bundle were skipped"), "{all:#?}");
}

#[test]
fn a_yaml_alias_bomb_is_rejected() {
    let mut laughs = String::from("kind: EventList\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let mut previous = 'a';
    for name in 'b'..='j' {
        let refs = vec![format!("*{previous}"); 9].join(", ");
        laughs.push_str(&format!("{name}: &{name} [{refs}]\n"));
        previous = name;
    }
    // Under a key the decoder reads: aliases under keys it skips are never expanded.
    laughs.push_str("items: *j\n");
    let report = scan_bytes(
        "b.tar.gz",
        &bundle_with(&[Member::File("bundle/ns/core/events.yaml", laughs.as_bytes())]),
        &[],
    );
    the_good_finding_is_there(&report);
    one_warning(&report, "bundle/ns/core/events.yaml", "invalid YAML: repetition limit exceeded");
}

#[test]
fn absurd_nesting_is_rejected_without_overflowing_the_stack() {
    let deep_json = "[".repeat(500_000);
    let deep_object = "{\"a\":".repeat(100_000);
    let deep_yaml: String = (0..300).map(|i| format!("{}- \n", " ".repeat(i))).collect();
    // Without the guard in front of the YAML parser, this megabyte (a
    // kilobyte gzipped) kept libyaml busy for many minutes.
    let deep_flow = format!("kind: List\nitems: &x !!seq {}\n", "[".repeat(1_000_000));
    let report = scan_bytes(
        "b.tar.gz",
        &bundle_with(&[
            Member::File("bundle/deep/array.json", deep_json.as_bytes()),
            Member::File("bundle/deep/object.json", deep_object.as_bytes()),
            Member::File("bundle/deep/block.yaml", deep_yaml.as_bytes()),
            Member::File("bundle/deep/flow.yaml", deep_flow.as_bytes()),
        ]),
        &[],
    );
    the_good_finding_is_there(&report);
    let all = warnings(&report);
    assert_eq!(all.len(), 4, "{all:#?}");
    assert!(all[0].starts_with("bundle/deep/array.json: invalid JSON: recursion limit exceeded"), "{all:#?}");
    assert!(all[1].starts_with("bundle/deep/block.yaml: invalid YAML: recursion limit exceeded"), "{all:#?}");
    assert_eq!(all[2], "bundle/deep/flow.yaml: invalid YAML: collections nested more than 1000 levels deep");
    // The decoder skips what it does not read without recursing: it meets the end first.
    assert!(all[3].starts_with("bundle/deep/object.json: invalid JSON: "), "{all:#?}");
}

#[test]
fn fifty_thousand_tiny_entries_go_through() {
    let names: Vec<String> = (0..50_000).map(|i| format!("b/e/{i:05}.json")).collect();
    let good = good_events();
    let mut members = vec![Member::File(GOOD_PATH, &good)];
    members.extend(names.iter().map(|n| Member::File(n, b"{}")));
    let report = scan_bytes("many.tar", &tar(&members), &[]);
    the_good_finding_is_there(&report);
    assert_eq!(summary(&report, "entries"), 50_001);
    assert_eq!(warnings(&report), Vec::<String>::new());
}

/// Runs the binary on `args`, killing it if it has not finished in `limit`
/// (a hang would otherwise hang the test run).
fn run_within(args: &[&str], limit: Duration) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bundle-scan"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("bundle-scan {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[cfg(unix)]
#[test]
fn special_files_and_link_loops_in_a_directory_neither_hang_nor_loop() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("bundle");
    std::fs::create_dir_all(root.join("events")).unwrap();
    std::fs::write(root.join("events/shop.json"), good_events()).unwrap();
    let mut special = 0;
    // A FIFO nobody writes to: opening it would block forever.
    if Command::new("mkfifo").arg(root.join("pipe")).status().is_ok_and(|s| s.success()) {
        special += 1;
    }
    // A socket, and a device node when we may make one (root in a container).
    let _listener = std::os::unix::net::UnixListener::bind(root.join("sock")).unwrap();
    special += 1;
    if Command::new("mknod")
        .arg(root.join("null"))
        .args(["c", "1", "3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        special += 1;
    }
    symlink("loop-b", root.join("loop-a")).unwrap();
    symlink("loop-a", root.join("loop-b")).unwrap();
    symlink("..", root.join("events/up")).unwrap();
    symlink(".", root.join("self")).unwrap();
    let r = run_within(&["--format", "json", root.to_str().unwrap()], Duration::from_secs(60));
    assert_eq!(r.status, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    the_good_finding_is_there(&report);
    assert_eq!(summary(&report, "entries"), 1);
    assert_eq!(summary(&report, "entries_ignored"), special + 4);
    assert_eq!(warnings(&report), Vec::<String>::new());
}

// 3. Containment.

/// Runs the binary in an empty working directory with an empty TMPDIR and
/// checks both are still empty afterwards.
fn run_writing_nothing(args: &[&str]) -> Run {
    let cwd = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bundle-scan"))
        .args(args)
        .current_dir(cwd.path())
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    for dir in [cwd.path(), tmp.path()] {
        let left: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        assert!(left.is_empty(), "bundle-scan wrote {left:?}");
    }
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn climbing_names_and_outside_links_never_leave_the_bundle() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("victim.json");
    let other = event_list(&[event("e9", "db-1", "Back-off restarting failed container db")]);
    let bundle = bundle_with(&[
        Member::File("../../../../tmp/evil.json", b"{}"),
        Member::File("/etc/cron.d/evil", b"* * * * * root true\n"),
        Member::Symlink("bundle/to-outside", target.to_str().unwrap()),
        Member::Symlink("bundle/up", "../../../../../../etc/passwd"),
        Member::Hardlink("bundle/hard", "../../etc/shadow"),
        Member::Symlink("bundle/inside", GOOD_PATH),
    ]);
    std::fs::write(&target, &other).unwrap();
    let (_dir, path) = temp_file("b.tar.gz", &bundle);
    let r = run_writing_nothing(&["--format", "json", path.to_str().unwrap()]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(ids(&report), vec![CAUSE.to_string()], "the link target was read");
    assert_eq!(summary(&report, "entries_ignored"), 4, "links are skipped and counted");
    // The climbing names were read as names inside the bundle, nothing more.
    assert_eq!(summary(&report, "entries"), 3);
    assert_eq!(warnings(&report), Vec::<String>::new());
    assert_eq!(std::fs::read(&target).unwrap(), other);
}

#[cfg(unix)]
#[test]
fn a_directory_link_pointing_outside_is_not_followed() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir(outside.path().join("events")).unwrap();
    let other = event_list(&[event("e9", "db-1", "Back-off restarting failed container db")]);
    std::fs::write(outside.path().join("events/db.json"), &other).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("shop.json"), good_events()).unwrap();
    symlink(outside.path(), root.join("outside-dir")).unwrap();
    symlink(outside.path().join("events/db.json"), root.join("outside.json")).unwrap();
    let r = run_writing_nothing(&["--format", "json", root.to_str().unwrap()]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(ids(&report), vec![CAUSE.to_string()]);
    assert_eq!(summary(&report, "events"), 1);
    assert_eq!(summary(&report, "entries_ignored"), 2);
}

// 4. Terminal and ticket safety.

/// Escape sequences in a message, in an unmatched message, in a workload
/// name and in an entry name: table and Markdown show them defused, JSON
/// escapes them, and stderr (which quotes entry names) never carries them.
#[test]
fn escape_sequences_never_reach_the_terminal_raw() {
    let evil = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31m\u{9b}31m\u{7f}\u{202e}";
    let mut matched = event("e1", "web-1", &format!("{PULL_FAILED} {evil}"));
    // Shaped like a UTC timestamp, which the reports shorten (found by fuzzing).
    matched["firstTimestamp"] = Value::from("2024-\u{1b}[2J1T10:00:00Z");
    let mut unmatched = event("e2", &format!("api{evil}-1"), &format!("odd failure {evil} here"));
    unmatched["reason"] = Value::from(format!("Weird{evil}"));
    let events = event_list(&[matched, unmatched]);
    // A failing pod whose every name carries the sequence too.
    let pod = serde_json::json!({
        "kind": "Pod",
        "metadata": {"name": format!("db{evil}-0"), "namespace": format!("ns{evil}"), "uid": "p9",
                     "ownerReferences": [{"kind": "StatefulSet", "name": format!("db{evil}"), "controller": true}]},
        "spec": {"nodeName": format!("node{evil}"),
                 "containers": [{"name": format!("c{evil}"), "image": format!("reg.io/db{evil}:1")}]},
        "status": {"containerStatuses": [{"name": format!("c{evil}"), "image": format!("reg.io/db{evil}:1"),
            "state": {"waiting": {"reason": "ErrImagePull", "message": format!("{PULL_FAILED} {evil}")}}}]}
    });
    let pod = serde_json::to_vec(&pod).unwrap();
    let bad_name = format!("bundle/bad{evil}.json");
    let bundle = gzip(&tar(&[
        Member::File(GOOD_PATH, &events),
        Member::File("bundle/pods/db.json", &pod),
        Member::File(&bad_name, b"{oops"),
    ]));
    let (_dir, path) = temp_file("b.tar.gz", &bundle);
    let path = path.to_str().unwrap();
    for format in ["table", "markdown", "json"] {
        let r = run(&["--format", format, "--color", "never", path]);
        assert_eq!(r.status, 0, "{}", r.stderr);
        let raw: Vec<char> =
            r.stdout.chars().filter(|&c| c != '\n' && (c.is_control() || c == '\u{202e}')).collect();
        assert!(raw.is_empty(), "{format} printed raw {raw:?}:\n{}", r.stdout);
        assert!(r.stdout.contains("pwned"), "{format} dropped the text instead of defusing it");
        assert!(r.stdout.contains(CAUSE));
        assert!(r.stdout.matches("pwned").count() >= 6, "the pod's names are not shown:\n{}", r.stdout);
    }
    let json = run(&["--format", "json", path]);
    assert!(json.stdout.contains("\\u001b]0;pwned\\u0007"), "JSON escapes, it does not rewrite");
    // An error message quoting a hostile entry name.
    let (_dir, only_bad) = temp_file("x.tar.gz", &gzip(&tar(&[Member::File(&bad_name, b"{oops")])));
    let r = run(&[only_bad.to_str().unwrap()]);
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.contains("pwned") && !r.stderr.contains('\u{1b}') && !r.stderr.contains('\u{7}'),
        "{:?}",
        r.stderr
    );
}

#[test]
fn credentials_are_redacted_in_every_format() {
    let leaks =
        "Get \"https://bob:hunter2@reg.io/v2/\": Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.c2VjcmV0 \
                 {\"auths\":{\"reg.io\":{\"auth\":\"Ym9iOmh1bnRlcjI=\"}}} carol:s3cr3tpw@reg.example.com/x";
    let matched = event("e1", "web-1", &format!("{PULL_FAILED} {leaks}"));
    let unmatched = event("e2", "api-1", &format!("odd failure {leaks}"));
    let pod = serde_json::json!({
        "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "shop", "uid": "p1"},
        "spec": {"containers": [{"name": "web", "image": "reg.io/shop/web:9.9"}]},
        "status": {"containerStatuses": [{"name": "web", "state": {"waiting": {
            "reason": "ErrImagePull", "message": format!("pull failed: {leaks}")}}}]}
    });
    let bundle = gzip(&tar(&[
        Member::File(GOOD_PATH, &event_list(&[matched, unmatched])),
        Member::File("bundle/pods/shop.json", &serde_json::to_vec(&pod).unwrap()),
    ]));
    let (_dir, path) = temp_file("b.tar.gz", &bundle);
    for format in ["table", "markdown", "json"] {
        let r = run(&["--format", format, "--color", "never", path.to_str().unwrap()]);
        assert_eq!(r.status, 0, "{}", r.stderr);
        for secret in ["hunter2", "eyJhbGciOiJSUzI1NiJ9", "c2VjcmV0", "Ym9iOmh1bnRlcjI", "s3cr3tpw"] {
            assert!(!r.stdout.contains(secret), "{format} leaks {secret}:\n{}", r.stdout);
        }
        assert!(r.stdout.contains(CAUSE));
    }
    let report = scan_json(&path, &[]);
    let unclassified = report["unclassified"].to_string();
    assert!(unclassified.contains("odd failure") && unclassified.contains("redacted"), "{unclassified}");
}

#[test]
fn secret_data_never_reaches_a_report() {
    let secret = serde_json::json!({
        "kind": "SecretList",
        "items": [{
            "kind": "Secret",
            "metadata": {"name": "regcred", "namespace": "shop"},
            "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": "eyJhdXRocyI6eyJyZWcuaW8iOnsiYXV0aCI6IllXSmpPbVJsWmc9PSJ9fX0="},
            "stringData": {"password": "PLAINTEXT-SECRET-VALUE"}
        }]
    });
    let bundle = bundle_with(&[Member::File(
        "bundle/cluster-resources/secrets/shop.json",
        &serde_json::to_vec(&secret).unwrap(),
    )]);
    let (_dir, path) = temp_file("b.tar.gz", &bundle);
    for format in ["table", "markdown", "json"] {
        let r = run(&["--format", format, path.to_str().unwrap()]);
        assert_eq!(r.status, 0, "{}", r.stderr);
        assert!(r.stdout.contains(CAUSE));
        assert!(
            !r.stdout.contains("PLAINTEXT-SECRET-VALUE") && !r.stdout.contains("eyJhdXRocyI6"),
            "{format}"
        );
    }
}

/// Stdin is a source like any other: a truncated bundle piped in keeps its
/// good part too.
#[test]
fn a_truncated_bundle_on_stdin_keeps_its_good_part() {
    let filler = noise(100_000, 6);
    let whole = bundle_with(&[Member::File("bundle/z.log", &filler)]);
    let r = run_with_stdin(&["--format", "json", "-"], Some(&whole[..whole.len() - 30_000]));
    assert_eq!(r.status, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    the_good_finding_is_there(&report);
    one_warning(&report, "-", "bundle/z.log: ");
}

// 5. Fuzzing: every input that ever crashed a fuzz target, and the seeds,
// replayed through the functions the targets call (the `scan` ones through
// the binary, in every format).

fn files_below(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(files_below(&path));
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn fuzz_regressions_and_seeds_replay() {
    use bundle_scan::decode::{decode, may_hold_objects};
    use bundle_scan::input::{read_reader_while, Entry, Item, Limits};
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let limits = Limits { max_entry_bytes: 1 << 20, max_total_bytes: 8 << 20, max_depth: 4 };
    let mut replayed = 0;
    for kind in ["regressions", "seeds"] {
        for target in ["archive", "scan", "decode_json", "decode_yaml", "runbook"] {
            for file in files_below(&fuzz.join(kind).join(target)) {
                let data = std::fs::read(&file).unwrap();
                match target {
                    "archive" => {
                        read_reader_while("fuzz.tar.gz", &data[..], &limits, &may_hold_objects, &mut |item| {
                            if let Item::Entry(entry) = item {
                                let _ = decode(&entry);
                            }
                            std::ops::ControlFlow::Continue(())
                        })
                    }
                    // The whole scan, as the binary runs it, in every format:
                    // what the `scan` target checks is the report's text.
                    "scan" => {
                        for format in ["table", "markdown", "json"] {
                            let r = run(&["--format", format, "--color", "never", file.to_str().unwrap()]);
                            assert!(r.status == 0 || r.status == 2, "{}: {}", file.display(), r.stderr);
                            let raw = r.stdout.chars().find(|&c| c.is_control() && c != '\n');
                            assert!(raw.is_none(), "{}: raw {raw:?} in {format}", file.display());
                        }
                    }
                    "runbook" => {
                        let _ = bundle_scan::runbook::parse(
                            "fuzz.md",
                            &String::from_utf8_lossy(&data),
                            "fuzz.md",
                        );
                    }
                    _ => {
                        for path in [
                            "x.json",
                            "x.yaml",
                            "-",
                            "x",
                            "b/pods-errors.json",
                            "b/image-pull-secrets/n/s.json",
                        ] {
                            let _ = decode(&Entry { path: path.to_string(), data: data.clone() });
                        }
                    }
                }
                replayed += 1;
            }
        }
    }
    assert!(replayed > 10, "only {replayed} fuzz inputs found below {}", fuzz.display());
}
