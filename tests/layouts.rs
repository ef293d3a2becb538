//! One fixture per bundle layout and event-dump format (`tests/fixtures/`),
//! plus the README's demo bundle (`samples/acme-support-bundle`): each test
//! pins the exact set of root causes, the pods behind the main ones, how they
//! resolve to their workload, and that repeated events are counted by their
//! `count` (or `series.count` / `deprecatedCount`), not by object.
//!
//! The expected numbers are sums over the fixture files: for an image-pull
//! finding, every kubelet event of its pods' containers whose reason is
//! `Failed` or `BackOff` (the registry's error, `Error: ErrImagePull`,
//! `Back-off pulling image`, `Error: ImagePullBackOff`), each weighted by
//! its count. `Pulling`/`Scheduled` are normal steps and are not counted.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::util::{
    comparable, finding, findings, fixture, ids, pods, report, run, run_with_stdin, tar_gz_of_dir,
    tar_gz_with, temp_file,
};

// ------------------------------------------------------------------ helpers

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/acme-support-bundle")
}

fn sample_tar_gz() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/acme-support-bundle.tar.gz")
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Finding ids, sorted (the report orders them by severity and size).
fn sorted_ids(r: &Value) -> Vec<String> {
    let mut v = ids(r);
    v.sort();
    v
}

/// `namespace/name` of the pods of finding `id`, sorted and deduplicated.
fn pod_names(r: &Value, id: &str) -> Vec<String> {
    let mut v = pods(r, id);
    v.sort();
    v.dedup();
    v
}

/// The affected-pod entry `name` of finding `id`.
fn pod_of<'a>(r: &'a Value, id: &str, name: &str) -> &'a Value {
    finding(r, id)["pods"]
        .as_array()
        .expect("pods array")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in {id}: {}", finding(r, id)["pods"]))
}

fn events_of(r: &Value, id: &str) -> u64 {
    finding(r, id)["events"].as_u64().unwrap_or_else(|| panic!("{id}: events is not a number"))
}

fn summary(r: &Value, key: &str) -> u64 {
    r["summary"][key].as_u64().unwrap_or_else(|| panic!("summary.{key} missing: {}", r["summary"]))
}

fn unclassified(r: &Value) -> &Vec<Value> {
    r["unclassified"].as_array().expect("unclassified array")
}

/// No image-pull record may be left unexplained where a runbook covers it.
fn assert_no_pull_message_unclassified(r: &Value) {
    for u in unclassified(r) {
        let text = format!("{} {}", u["template"], u["example"]).to_lowercase();
        assert!(
            !text.contains("pull") && !text.contains("image"),
            "an image-pull record was left unclassified: {u}"
        );
    }
}

/// Every entry was read: the only warnings are about the bundle as a whole.
fn assert_clean_read(r: &Value) {
    assert_eq!(summary(r, "entries_failed"), 0, "warnings: {}", r["warnings"]);
    let about_entries: Vec<&Value> =
        r["warnings"].as_array().unwrap().iter().filter(|w| w["entry"] != "").collect();
    assert!(about_entries.is_empty(), "nothing in this fixture is unreadable: {about_entries:?}");
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// ------------------------------------------------------------------ the README demo bundle

#[test]
fn sample_bundle_groups_pods_by_root_cause() {
    let r = report(&sample_dir());
    assert_eq!(r["schema_version"], 1);
    assert_eq!(
        sorted_ids(&r),
        strings(&[
            "container/crashloop",
            "container/oom-killed",
            "image-pull/backoff",
            "image-pull/dns",
            "image-pull/invalid-reference",
            "image-pull/manifest-unknown",
            "image-pull/missing-pull-secret",
            "image-pull/platform-mismatch",
            "image-pull/rate-limit",
            "image-pull/tls",
            "probe/readiness-failed",
            "scheduling/insufficient-resources",
        ])
    );

    // The bad tag: one Deployment, three replicas, one finding.
    assert_eq!(
        pod_names(&r, "image-pull/manifest-unknown"),
        strings(&["shop/web-7c9d8f6b5-m4nzt", "shop/web-7c9d8f6b5-r8wvh", "shop/web-7c9d8f6b5-x2kqp"])
    );
    let web = pod_of(&r, "image-pull/manifest-unknown", "web-7c9d8f6b5-x2kqp");
    assert_eq!(web["owner"], json!({"kind": "Deployment", "name": "web"}), "pod → ReplicaSet → Deployment");
    assert_eq!(web["container"], "web");
    assert_eq!(web["image"], "registry.acme.io/shop/web:2.14.1");
    assert_eq!(web["node"], "acme-prod-w1");
    // 3 pods × (Failed to pull 24/23/24 + ErrImagePull 24/23/24
    //           + Back-off 517/509/521 + ImagePullBackOff 514/506/518)
    assert_eq!(events_of(&r, "image-pull/manifest-unknown"), 3227);
    let mu = finding(&r, "image-pull/manifest-unknown");
    assert_eq!(mu["first_seen"], "2026-11-20T12:05:03Z");
    assert_eq!(mu["last_seen"], "2026-11-20T14:02:55Z");
    assert!(mu["sample"].as_str().unwrap().contains("manifest unknown"), "sample: {}", mu["sample"]);

    // Docker Hub's pull limit hit two Deployments in two namespaces.
    assert_eq!(
        pod_names(&r, "image-pull/rate-limit"),
        strings(&["monitoring/grafana-6d8f7b9c54-w2lxn", "shop/cart-cache-5f7b9c8d46-tq9zl"])
    );
    assert_eq!(
        pod_of(&r, "image-pull/rate-limit", "grafana-6d8f7b9c54-w2lxn")["owner"],
        json!({"kind": "Deployment", "name": "grafana"})
    );
    assert_eq!(events_of(&r, "image-pull/rate-limit"), 1650);

    // The registry says 401; the bundle shows why: the pull secret the pod
    // names is not among the namespace's pull secrets.
    assert_eq!(
        pod_names(&r, "image-pull/missing-pull-secret"),
        strings(&["payments/ledger-58d7c9f6b4-zr5tx"])
    );
    let secret = finding(&r, "image-pull/missing-pull-secret");
    assert!(secret["sample"].as_str().unwrap().contains("unauthorized"), "{}", secret["sample"]);
    assert_eq!(
        secret["evidence"],
        json!([
            "imagePullSecrets in the pod spec names Secret \"quay-payments\", which is not among the 1 Secret the bundle lists in namespace payments",
            "also recorded on these containers: image-pull/auth (21 events)"
        ])
    );
    assert_eq!(pod_names(&r, "image-pull/dns"), strings(&["shop/checkout-84c6f7d9b-wz5hk"]));
    assert!(finding(&r, "image-pull/dns")["sample"].as_str().unwrap().contains("regsitry.acme.io"));
    assert_eq!(pod_names(&r, "image-pull/tls"), strings(&["payments/fraud-scorer-7b5d8c9f6-hx2mn"]));
    assert_eq!(
        pod_names(&r, "image-pull/platform-mismatch"),
        strings(&["shop/search-indexer-6d5c8b7f9-pl2xv"])
    );
    assert_eq!(
        pod_of(&r, "image-pull/platform-mismatch", "search-indexer-6d5c8b7f9-pl2xv")["node"],
        "acme-prod-arm1",
        "the arm64 node"
    );

    // Only the back-off is left for this pod: no cause, but still reported.
    assert_eq!(pod_names(&r, "image-pull/backoff"), strings(&["shop/recommendations-7f6d9c5b8-hq4nr"]));
    assert_eq!(events_of(&r, "image-pull/backoff"), 1184 + 1181);
    assert_eq!(finding(&r, "image-pull/backoff")["first_seen"], "2026-11-20T09:15:02Z");

    // Known only from the pod status (waiting reason InvalidImageName), no events.
    assert_eq!(
        pod_names(&r, "image-pull/invalid-reference"),
        strings(&["payments/settlement-worker-6c8d7f9b5-jv4wq"])
    );
    let bad = pod_of(&r, "image-pull/invalid-reference", "settlement-worker-6c8d7f9b5-jv4wq");
    assert_eq!(bad["container"], "worker");
    assert_eq!(bad["image"], "registry.acme.io/payments/Settlement-Worker:2.0");
    assert_eq!(events_of(&r, "image-pull/invalid-reference"), 0);

    // Every finding carries its runbook's severity and fix.
    for f in findings(&r) {
        assert!(
            ["info", "low", "medium", "high", "critical"].contains(&f["severity"].as_str().unwrap_or("")),
            "{}: severity {}",
            f["id"],
            f["severity"]
        );
        assert!(!f["fix"].as_str().unwrap_or("").trim().is_empty(), "{}: no fix", f["id"]);
    }

    // 11 pods with image problems, 2 crash loops, a failing readiness probe
    // and an unschedulable pod.
    assert_eq!(summary(&r, "pods"), 27);
    assert_eq!(summary(&r, "nodes"), 4);
    assert_eq!(summary(&r, "events"), 83);
    assert_eq!(summary(&r, "warning_events"), 32);
    assert_eq!(summary(&r, "pods_affected"), 15);
    assert_eq!(summary(&r, "entries"), 27);
    assert_clean_read(&r);
}

#[test]
fn sample_bundle_names_the_non_image_causes() {
    let r = report(&sample_dir());
    // "Back-off restarting failed container" is a BackOff Warning, not an image pull.
    assert_eq!(pod_names(&r, "container/crashloop"), strings(&["monitoring/alertmanager-6f5c8d7b9-q2wkv"]));
    assert_eq!(events_of(&r, "container/crashloop"), 601);
    assert_eq!(
        pod_of(&r, "container/crashloop", "alertmanager-6f5c8d7b9-q2wkv")["state"],
        "waiting: CrashLoopBackOff, 27 restarts, last Error (exit 1)"
    );
    // A crash loop whose last exit was OOMKilled is one finding, under the OOM kill.
    assert_eq!(
        pod_names(&r, "container/oom-killed"),
        strings(&["payments/invoice-renderer-5b8d7c6f9-w7qkp"])
    );
    assert_eq!(
        finding(&r, "container/oom-killed")["evidence"],
        json!(["also recorded on these containers: container/crashloop (412 events)"])
    );
    // The probe timeout says "context deadline exceeded" but is no pull.
    assert_eq!(pod_names(&r, "probe/readiness-failed"), strings(&["payments/payments-api-6f9c7d8b5-tn7vq"]));
    assert_eq!(events_of(&r, "probe/readiness-failed"), 37);
    // series.count of the scheduler's event and count of the older one; the
    // PodScheduled=False condition says the same and adds no event.
    let memory = finding(&r, "scheduling/insufficient-resources");
    assert_eq!(events_of(&r, "scheduling/insufficient-resources"), 23);
    assert_eq!(
        memory["evidence"][0],
        "the pod requests memory 24Gi; the most any of the 4 nodes can allocate is 15.33Gi (node acme-prod-w3), before what other pods already use"
    );
    assert_eq!(r["unclassified"], json!([]));
    assert_no_pull_message_unclassified(&r);
}

#[test]
fn sample_directory_and_archive_give_the_same_report() {
    let dir = comparable(report(&sample_dir()));
    let tgz = comparable(report(&sample_tar_gz()));
    assert_eq!(dir["findings"].as_array().map(Vec::len), Some(12), "guard: the sample has findings");
    assert_eq!(dir, tgz);
}

#[test]
fn sample_nested_in_another_archive_gives_the_same_report() {
    let inner = tar_gz_of_dir(&sample_dir().join("support-bundle-2026-11-20T14_03_11"));
    let outer = tar_gz_with("case-4711/bundle.tar.gz", &inner);
    let (_dir, path) = temp_file("case-4711.tar.gz", &outer);
    let nested = comparable(report(&path));
    let plain = comparable(report(&sample_dir()));
    assert_eq!(plain["findings"].as_array().map(Vec::len), Some(12));
    assert_eq!(nested, plain);
}

#[test]
fn sample_renders_as_markdown_and_table() {
    let r = report(&sample_dir());
    let expected = ids(&r);
    assert_eq!(expected.len(), 12);
    for format in [&["--format", "markdown"][..], &[][..]] {
        let mut args: Vec<&str> = format.to_vec();
        let dir = sample_dir();
        args.push(arg(&dir));
        let out = run(&args);
        assert_eq!(out.status, 0, "{args:?}: {}", out.stderr);
        for id in &expected {
            assert!(out.stdout.contains(id.as_str()), "{args:?} does not mention {id}:\n{}", out.stdout);
        }
    }
}

#[test]
fn sample_fail_on_follows_the_severities_present() {
    let r = report(&sample_dir());
    let severities: BTreeSet<String> =
        findings(&r).iter().map(|f| f["severity"].as_str().unwrap_or("").to_string()).collect();
    assert!(severities.contains("high"), "the sample has high findings: {severities:?}");
    let dir = sample_dir();
    assert_eq!(run(&["--fail-on", "high", "-f", "json", arg(&dir)]).status, 1);
    assert_eq!(run(&["--fail-on", "medium", arg(&dir)]).status, 1);
    let critical = run(&["--fail-on", "critical", "-f", "json", arg(&dir)]);
    let want = if severities.contains("critical") { 1 } else { 0 };
    assert_eq!(critical.status, want, "severities {severities:?}; stderr: {}", critical.stderr);
    // Without --fail-on, findings never change the exit status.
    assert_eq!(run(&["-f", "json", arg(&dir)]).status, 0);
}

// ------------------------------------------------------------------ bundle layouts

#[test]
fn must_gather_directory() {
    let r = report(&fixture("must-gather"));
    assert_eq!(sorted_ids(&r), strings(&["image-pull/manifest-unknown", "image-pull/rate-limit"]));

    // kubelet's own throttle (registryPullQPS), on an OLM catalog pod
    assert_eq!(
        pod_names(&r, "image-pull/rate-limit"),
        strings(&["openshift-marketplace/certified-operators-8kfzr"])
    );
    let catalog = pod_of(&r, "image-pull/rate-limit", "certified-operators-8kfzr");
    assert_eq!(catalog["owner"], json!({"kind": "CatalogSource", "name": "certified-operators"}));
    assert_eq!(catalog["node"], "ocp-prod-4x7kq-master-0");
    assert_eq!(events_of(&r, "image-pull/rate-limit"), 23);
    assert!(finding(&r, "image-pull/rate-limit")["sample"].as_str().unwrap().contains("pull QPS exceeded"));

    // CRI-O's "reading manifest 1.2 in quay.io/acme/api: manifest unknown";
    // acme-orders/core/pods.yaml is empty, so these pods come only from
    // namespaces/acme-orders/pods/<pod>/<pod>.yaml.
    assert_eq!(
        pod_names(&r, "image-pull/manifest-unknown"),
        strings(&["acme-orders/api-6d9f7c8b5-2xkqw", "acme-orders/api-6d9f7c8b5-v7nbm"])
    );
    let api = pod_of(&r, "image-pull/manifest-unknown", "api-6d9f7c8b5-v7nbm");
    assert_eq!(api["owner"], json!({"kind": "Deployment", "name": "api"}));
    assert_eq!(api["image"], "quay.io/acme/api:1.2");
    assert_eq!(api["node"], "ocp-prod-4x7kq-worker-b-q9wtl");
    assert_eq!(events_of(&r, "image-pull/manifest-unknown"), 1972);
    assert_eq!(finding(&r, "image-pull/manifest-unknown")["first_seen"], "2026-11-19T07:51:42Z");
    assert_eq!(finding(&r, "image-pull/manifest-unknown")["last_seen"], "2026-11-19T09:41:02Z");

    // 3 marketplace pods (core/pods.yaml and pods/<pod>/<pod>.yaml: counted
    // once) + 3 acme-orders pods (only in pods/<pod>/<pod>.yaml).
    assert_eq!(summary(&r, "pods"), 6);
    assert_eq!(summary(&r, "nodes"), 3);
    assert_eq!(summary(&r, "events"), 28);
    assert_eq!(summary(&r, "warning_events"), 9);
    assert_eq!(summary(&r, "pods_affected"), 3);
    // The one restarted container (last terminated with exit code 1) is
    // listed, not dropped; nothing else is unexplained.
    let templates: Vec<&str> =
        r["unclassified"].as_array().unwrap().iter().map(|u| u["template"].as_str().unwrap()).collect();
    assert_eq!(templates, ["container last terminated: Error (exit code <n>)"]);
    // must-gather.logs starts with "[must-gather      ] OUT": a log, not broken JSON.
    assert_clean_read(&r);
}

#[test]
fn troubleshoot_legacy_bare_arrays() {
    let r = report(&fixture("troubleshoot-legacy"));
    assert_eq!(
        sorted_ids(&r),
        strings(&["image-pull/auth-or-missing", "image-pull/network", "image-pull/registry-unavailable"])
    );
    assert_eq!(
        pod_names(&r, "image-pull/auth-or-missing"),
        strings(&["default/billing-worker-5d7c9b8f6-gk2zx"])
    );
    assert_eq!(pod_names(&r, "image-pull/network"), strings(&["default/cron-runner-27295320-x8k2p"]));
    assert_eq!(
        pod_names(&r, "image-pull/registry-unavailable"),
        strings(&["default/docs-site-6b9f7d8c5-2vhqz"])
    );

    let worker = pod_of(&r, "image-pull/auth-or-missing", "billing-worker-5d7c9b8f6-gk2zx");
    assert_eq!(worker["owner"], json!({"kind": "Deployment", "name": "billing-worker"}));
    assert_eq!(worker["node"], "ip-10-0-1-37.ec2.internal");
    assert_eq!(worker["image"], "acme/billing-worker:2.3");
    // Job cron-runner-27295320 (no Job object in the bundle) → its CronJob
    assert_eq!(
        pod_of(&r, "image-pull/network", "cron-runner-27295320-x8k2p")["owner"],
        json!({"kind": "CronJob", "name": "cron-runner"})
    );
    assert_eq!(events_of(&r, "image-pull/auth-or-missing"), 1171);
    assert_eq!(events_of(&r, "image-pull/network"), 1463);
    assert_eq!(events_of(&r, "image-pull/registry-unavailable"), 627);

    assert_eq!(summary(&r, "pods"), 10);
    assert_eq!(summary(&r, "nodes"), 2);
    assert_eq!(summary(&r, "events"), 18);
    assert_eq!(summary(&r, "warning_events"), 9);
    assert_eq!(r["unclassified"], json!([]));
    assert_clean_read(&r);
}

#[test]
fn cluster_info_dump_directory() {
    let r = report(&fixture("cluster-info-dump"));
    assert_eq!(
        sorted_ids(&r),
        strings(&["image-pull/disk-pressure", "image-pull/network", "image-pull/registry-unavailable"])
    );
    assert_eq!(
        pod_names(&r, "image-pull/registry-unavailable"),
        strings(&["default/invoice-api-7d8b9c6f5-k2xwz", "default/invoice-api-7d8b9c6f5-q8fml"])
    );
    assert_eq!(
        pod_of(&r, "image-pull/registry-unavailable", "invoice-api-7d8b9c6f5-q8fml")["owner"],
        json!({"kind": "Deployment", "name": "invoice-api"})
    );
    assert_eq!(events_of(&r, "image-pull/registry-unavailable"), 1502);
    assert_eq!(pod_names(&r, "image-pull/network"), strings(&["default/mailer-5c9f8d7b6-tq4vz"]));
    assert_eq!(events_of(&r, "image-pull/network"), 523);

    assert_eq!(pod_names(&r, "image-pull/disk-pressure"), strings(&["kube-system/fluent-bit-x7k2p"]));
    let fb = pod_of(&r, "image-pull/disk-pressure", "fluent-bit-x7k2p");
    assert_eq!(fb["owner"], json!({"kind": "DaemonSet", "name": "fluent-bit"}));
    assert_eq!(fb["node"], "k8s-w2");
    assert_eq!(finding(&r, "image-pull/disk-pressure")["severity"], "critical");
    assert_eq!(events_of(&r, "image-pull/disk-pressure"), 389);
    assert_eq!(finding(&r, "image-pull/disk-pressure")["first_seen"], "2026-03-09T15:08:36Z");

    assert_eq!(summary(&r, "pods"), 11);
    assert_eq!(summary(&r, "nodes"), 3);
    assert_eq!(summary(&r, "events"), 23);
    assert_eq!(summary(&r, "warning_events"), 12);
    assert_eq!(summary(&r, "pods_affected"), 4);
    assert_eq!(r["unclassified"], json!([]));
    // logs.txt (==== START logs for container ... ====) is read and skipped
    assert_clean_read(&r);
}

#[test]
fn cluster_info_dump_pascal_case_internal_types() {
    let r = report(&fixture("cluster-info-dump-pascal"));
    assert_eq!(sorted_ids(&r), strings(&["image-pull/auth", "scheduling/insufficient-resources"]));
    assert_eq!(
        pod_names(&r, "image-pull/auth"),
        strings(&["default/api-6c8f7d9b54-2mxqz", "default/api-6c8f7d9b54-w7kbn"])
    );
    let api = pod_of(&r, "image-pull/auth", "api-6c8f7d9b54-w7kbn");
    assert_eq!(api["owner"], json!({"kind": "Deployment", "name": "api"}));
    assert_eq!(api["container"], "api");
    assert_eq!(api["image"], "registry.gitlab.com/acme/shop/api:1.13.0");
    assert_eq!(api["node"], "minikube");
    // `Count`, not `count`
    assert_eq!(events_of(&r, "image-pull/auth"), 544);
    assert_eq!(finding(&r, "image-pull/auth")["last_seen"], "2019-03-12T10:40:51Z");
    // The pending pod: 14 FailedScheduling events and its PodScheduled=False condition.
    assert_eq!(events_of(&r, "scheduling/insufficient-resources"), 14);
    assert_eq!(r["unclassified"], json!([]));

    assert_eq!(summary(&r, "pods"), 8);
    assert_eq!(summary(&r, "nodes"), 1);
    assert_eq!(summary(&r, "events"), 15);
    assert_eq!(summary(&r, "warning_events"), 7);
    assert_clean_read(&r);
}

#[test]
fn healthy_bundle_has_no_findings() {
    let r = report(&fixture("healthy"));
    assert_eq!(r["findings"], json!([]));
    assert_eq!(r["unclassified"], json!([]));
    assert_eq!(summary(&r, "pods"), 9);
    assert_eq!(summary(&r, "nodes"), 2);
    assert_eq!(summary(&r, "events"), 16, "the Normal events were read");
    assert_eq!(summary(&r, "warning_events"), 0);
    assert_eq!(summary(&r, "pods_affected"), 0);
    assert_clean_read(&r);
    let dir = fixture("healthy");
    assert_eq!(run(&["--fail-on", "info", arg(&dir)]).status, 0);
}

// ------------------------------------------------------------------ event dumps

#[test]
fn get_events_json_list() {
    let r = report(&fixture("events/get-events.json"));
    assert!(ids(&r).iter().any(|id| id == "image-pull/missing-pull-secret"), "{:?}", ids(&r));
    assert_eq!(
        pod_names(&r, "image-pull/missing-pull-secret"),
        strings(&["team-a/etl-runner-6f8d9c7b5-h2kzv"])
    );
    // Known only from events: the workload comes from the pod-name convention.
    assert_eq!(
        pod_of(&r, "image-pull/missing-pull-secret", "etl-runner-6f8d9c7b5-h2kzv")["owner"],
        json!({"kind": "Deployment", "name": "etl-runner"})
    );
    assert_eq!(pod_names(&r, "image-pull/tls"), strings(&["team-b/metrics-relay-7b9d6c8f5-x4tqm"]));
    let relay = pod_of(&r, "image-pull/tls", "metrics-relay-7b9d6c8f5-x4tqm");
    assert_eq!(relay["image"], "10.0.40.5:5000/team-b/metrics-relay:1.1.0");
    assert_eq!(relay["node"], "pool-general-2");
    assert_eq!(relay["container"], "relay");
    assert_eq!(events_of(&r, "image-pull/tls"), 191);
    // configmap "etl-config" not found is a volume problem, not a missing image
    assert_eq!(pod_names(&r, "volume/mount-failed"), strings(&["team-a/etl-runner-6f8d9c7b5-h2kzv"]));
    assert_eq!(events_of(&r, "volume/mount-failed"), 9);
    assert_eq!(r["unclassified"], json!([]));
    assert_eq!(summary(&r, "events"), 18);
    assert_eq!(summary(&r, "warning_events"), 8);
}

/// kubelet reports `FailedToRetrieveImagePullSecret` on the pod (no
/// `fieldPath`), and the 401 that follows on the container
/// (`spec.containers{etl}`). Both are one broken pod with one root cause:
/// the missing secret, with the 401 counted in it.
#[test]
fn pod_level_secret_event_and_container_401_are_one_cause() {
    let r = report(&fixture("events/get-events.json"));
    // (The pod's FailedMount of a missing ConfigMap is a separate, volume, cause.)
    assert_eq!(
        sorted_ids(&r),
        strings(&["image-pull/missing-pull-secret", "image-pull/tls", "volume/mount-failed"])
    );
    // FailedToRetrieveImagePullSecret 14 + Failed to pull 7 + ErrImagePull 7
    // + Back-off 141 + ImagePullBackOff 138
    assert_eq!(events_of(&r, "image-pull/missing-pull-secret"), 307);
    assert_eq!(summary(&r, "pods_affected"), 2);
}

#[test]
fn get_events_yaml_list() {
    let r = report(&fixture("events/get-events.yaml"));
    assert_eq!(sorted_ids(&r), strings(&["image-pull/never-pull", "image-pull/not-found"]));
    assert_eq!(pod_names(&r, "image-pull/not-found"), strings(&["tools/pgbouncer-5d8c9b7f6-m2xkq"]));
    assert_eq!(events_of(&r, "image-pull/not-found"), 691);
    assert_eq!(pod_names(&r, "image-pull/never-pull"), strings(&["tools/report-builder-6c9f8d7b5-v4nzk"]));
    assert_eq!(events_of(&r, "image-pull/never-pull"), 66);
    assert_eq!(r["unclassified"], json!([]));
}

#[test]
fn get_events_yaml_from_stdin_matches_the_file() {
    let path = fixture("events/get-events.yaml");
    let from_file = sorted_ids(&report(&path));
    let bytes = std::fs::read(&path).expect("fixture readable");
    let out = run_with_stdin(&["-f", "json", "-"], Some(&bytes));
    assert_eq!(out.status, 0, "{}", out.stderr);
    let from_stdin: Value = serde_json::from_str(&out.stdout).expect("JSON report");
    assert_eq!(sorted_ids(&from_stdin), from_file);
    assert_eq!(from_file, strings(&["image-pull/never-pull", "image-pull/not-found"]));
    assert_eq!(events_of(&from_stdin, "image-pull/not-found"), 691);
}

#[test]
fn kubectl_events_json_event_list() {
    let r = report(&fixture("events/kubectl-events.json"));
    assert_eq!(sorted_ids(&r), strings(&["image-pull/auth", "image-pull/invalid-reference"]));
    assert_eq!(pod_names(&r, "image-pull/auth"), strings(&["billing/invoice-worker-7c6d9b8f5-zt2xk"]));
    assert_eq!(events_of(&r, "image-pull/auth"), 427);
    assert_eq!(
        pod_names(&r, "image-pull/invalid-reference"),
        strings(&["billing/pdf-render-5b8d7c9f6-kq4lm"])
    );
    // InspectFailed + Error: InvalidImageName, 58 each
    assert_eq!(events_of(&r, "image-pull/invalid-reference"), 116);
    assert_eq!(
        pod_of(&r, "image-pull/invalid-reference", "pdf-render-5b8d7c9f6-kq4lm")["container"],
        "render"
    );
    assert_eq!(r["unclassified"], json!([]));
}

#[test]
fn events_k8s_io_v1_regarding_and_note() {
    let r = report(&fixture("events/events-k8s-io-v1.json"));
    assert_eq!(
        sorted_ids(&r),
        strings(&["image-pull/dns", "image-pull/rate-limit", "scheduling/constraints"])
    );
    assert_eq!(pod_names(&r, "image-pull/dns"), strings(&["edge/gateway-6b8f9d7c5-r4xzn"]));
    // deprecatedCount, deprecatedSource.host, deprecated*Timestamp
    assert_eq!(events_of(&r, "image-pull/dns"), 493);
    let gw = pod_of(&r, "image-pull/dns", "gateway-6b8f9d7c5-r4xzn");
    assert_eq!(gw["node"], "edge-node-07");
    assert_eq!(gw["container"], "gateway");
    assert_eq!(finding(&r, "image-pull/dns")["first_seen"], "2026-09-08T03:01:18Z");
    assert!(finding(&r, "image-pull/dns")["sample"].as_str().unwrap().contains("server misbehaving"));
    assert_eq!(pod_names(&r, "image-pull/rate-limit"), strings(&["edge/geoip-updater-29302140-m8v2k"]));
    assert_eq!(events_of(&r, "image-pull/rate-limit"), 523);
    // series.count of the scheduler's event (taint + anti-affinity: placement rules)
    assert_eq!(events_of(&r, "scheduling/constraints"), 19);
    assert_eq!(r["unclassified"], json!([]));
}

#[test]
fn bare_json_array_of_events() {
    let r = report(&fixture("events/bare-array.json"));
    assert_eq!(sorted_ids(&r), strings(&["image-pull/auth-or-missing"]));
    let name = "runner-zq2kx-project-42-concurrent-0-8h3kd0wq";
    assert_eq!(pod_names(&r, "image-pull/auth-or-missing"), vec![format!("ci/{name}")]);
    // A bare CI runner pod: no workload to attribute it to.
    assert_eq!(pod_of(&r, "image-pull/auth-or-missing", name)["owner"], Value::Null);
    assert_eq!(events_of(&r, "image-pull/auth-or-missing"), 47);
    assert_eq!(summary(&r, "events"), 5);
}

#[test]
fn ndjson_events() {
    let r = report(&fixture("events/events.ndjson"));
    assert_eq!(sorted_ids(&r), strings(&["image-pull/disk-pressure", "image-pull/network"]));
    assert_eq!(pod_names(&r, "image-pull/disk-pressure"), strings(&["ml/triton-7d8c9b6f5-k2wxz"]));
    assert_eq!(events_of(&r, "image-pull/disk-pressure"), 163);
    assert_eq!(pod_names(&r, "image-pull/network"), strings(&["ml/feature-store-84c7d9b6f-tm5vx"]));
    assert_eq!(events_of(&r, "image-pull/network"), 301);
    assert_eq!(summary(&r, "events"), 10);
}

#[test]
fn multi_document_yaml_events() {
    let r = report(&fixture("events/multi-doc.yaml"));
    assert_eq!(sorted_ids(&r), strings(&["image-pull/manifest-unknown", "image-pull/platform-mismatch"]));
    assert_eq!(pod_names(&r, "image-pull/manifest-unknown"), strings(&["docs/docs-builder-5f9c8d7b6-hx4qv"]));
    assert_eq!(events_of(&r, "image-pull/manifest-unknown"), 207);
    assert_eq!(pod_names(&r, "image-pull/platform-mismatch"), strings(&["docs/pdf-export-7c5d9f8b6-q2wzr"]));
    assert_eq!(events_of(&r, "image-pull/platform-mismatch"), 203);
    assert_eq!(summary(&r, "events"), 10, "every --- document is read");
}

/// containerd reports a missing tag as `<ref>: not found` (with gRPC code
/// NotFound); per the runbook taxonomy a tag that does not exist is
/// `manifest-unknown`, a repository that does not exist `not-found`.
#[test]
fn containerd_missing_tag_is_manifest_unknown() {
    let r = report(&fixture("events/containerd-tag-not-found.json"));
    assert_eq!(sorted_ids(&r), strings(&["image-pull/manifest-unknown"]));
    assert_eq!(pod_names(&r, "image-pull/manifest-unknown"), strings(&["default/web-5d7f8c9b6-n4kxq"]));
    assert_eq!(events_of(&r, "image-pull/manifest-unknown"), 185);
}
