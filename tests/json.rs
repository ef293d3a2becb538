//! The JSON report is a contract (schema_version 1): these structs mirror it
//! with `deny_unknown_fields`, so adding, renaming or dropping a field fails
//! here first and forces a deliberate schema change.

#![allow(dead_code)]

use serde::Deserialize;

use crate::util::{run, temp_file};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    schema_version: u32,
    findings: Vec<Finding>,
    unclassified: Vec<Unclassified>,
    summary: Summary,
    warnings: Vec<Warning>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Finding {
    id: String,
    title: String,
    severity: String,
    pods: Vec<Pod>,
    objects: Vec<String>,
    events: u64,
    first_seen: Option<String>,
    last_seen: Option<String>,
    sample: String,
    evidence: Vec<String>,
    fix: String,
    runbook_source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Pod {
    namespace: String,
    owner: Option<Owner>,
    name: String,
    container: String,
    image: String,
    node: String,
    state: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Owner {
    kind: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Unclassified {
    template: String,
    count: u64,
    reasons: Vec<String>,
    objects: u64,
    example: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Summary {
    input: String,
    entries: u64,
    entries_with_objects: u64,
    entries_skipped: u64,
    entries_failed: u64,
    entries_ignored: u64,
    events: u64,
    warning_events: u64,
    pods: u64,
    nodes: u64,
    pods_affected: u64,
    runbooks: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Warning {
    entry: String,
    message: String,
}

const EVENTS: &str = r#"{"kind":"EventList","apiVersion":"v1","items":[
 {"metadata":{"name":"web-6d4cf56db6-4xkzq.1","namespace":"shop","uid":"e1"},
  "involvedObject":{"kind":"Pod","namespace":"shop","name":"web-6d4cf56db6-4xkzq","fieldPath":"spec.containers{web}"},
  "reason":"Failed","type":"Warning","count":3,
  "firstTimestamp":"2026-11-20T12:00:00Z","lastTimestamp":"2026-11-20T12:30:00Z","source":{"component":"kubelet","host":"node-a"},
  "message":"Failed to pull image \"registry.acme.io/shop/web:2.4.1\": rpc error: code = NotFound desc = failed to pull and unpack image \"registry.acme.io/shop/web:2.4.1\": failed to resolve reference \"registry.acme.io/shop/web:2.4.1\": registry.acme.io/shop/web:2.4.1: not found"},
 {"metadata":{"name":"db.2","namespace":"shop","uid":"e2"},
  "involvedObject":{"kind":"Pod","namespace":"shop","name":"db-0"},
  "reason":"FailedPreStopHook","type":"Warning","count":7,"message":"PreStopHook failed: command 'sh -c sleep 20' exited with 137"}
]}"#;

#[test]
fn report_matches_schema_version_1() {
    let (_dir, path) = temp_file("events.json", EVENTS.as_bytes());
    let r = run(&["--format", "json", path.to_str().unwrap()]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let report: Report = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{}", r.stdout));
    assert_eq!(report.schema_version, 1);
    let f = &report.findings[0];
    assert_eq!((f.id.as_str(), f.severity.as_str(), f.events), ("image-pull/manifest-unknown", "high", 3));
    assert_eq!(f.first_seen.as_deref(), Some("2026-11-20T12:00:00Z"));
    let owner = f.pods[0].owner.as_ref().expect("owner from the name convention");
    assert_eq!((owner.kind.as_str(), owner.name.as_str()), ("Deployment", "web"));
    assert_eq!(
        (f.pods[0].image.as_str(), f.pods[0].node.as_str()),
        ("registry.acme.io/shop/web:2.4.1", "node-a")
    );
    assert_eq!(report.unclassified[0].count, 7);
    assert_eq!(report.summary.events, 2);
}
