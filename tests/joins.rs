//! Joins across entries. Each entry is reduced on its worker to what
//! grouping reads (`group::retain`): events nothing matched are dropped and
//! pods whose records say nothing are packed. An event in one file must
//! still find the pod it is about in another, whichever is read first, and
//! the summary must still count what was dropped.

use std::path::Path;

use serde_json::{json, Value};

use crate::util::{comparable, finding, run};

fn event(uid: &str, kind: &str, pod: &str, event_type: &str, reason: &str, message: &str) -> Value {
    json!({
        "metadata": {"name": format!("{pod}.{uid}"), "namespace": "shop", "uid": uid},
        "involvedObject": {"kind": kind, "namespace": "shop", "name": pod, "fieldPath": "spec.containers{web}"},
        "type": event_type, "reason": reason, "message": message, "count": 3,
        "lastTimestamp": "2024-05-14T10:20:00Z",
        "source": {"component": "kubelet", "host": "node-a"}
    })
}

/// A running, ready pod: nothing in its own records says it failed.
fn running_pod(name: &str, image: &str) -> Value {
    json!({
        "metadata": {
            "name": name, "namespace": "shop", "uid": format!("uid-{name}"),
            "labels": {"app": "web", "pod-template-hash": "5d9c7b8f6"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d9c7b8f6", "controller": true}]
        },
        "spec": {"nodeName": "node-a", "containers": [{"name": "web", "image": image}]},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
            "containerStatuses": [{
                "name": "web", "image": image, "ready": true, "restartCount": 0,
                "state": {"running": {"startedAt": "2024-05-14T10:21:00Z"}}
            }]
        }
    })
}

fn list(kind: &str, items: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({"kind": kind, "apiVersion": "v1", "items": items})).unwrap()
}

fn write(root: &Path, path: &str, data: &[u8]) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

/// Writes the bundle with the pod list at `pods_at`, which sorts before or
/// after the events, and returns the JSON report read with `threads`.
fn report(pods_at: &str, threads: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let missing_tag = r#"Failed to pull image "reg.example.com/web:2.0": rpc error: code = NotFound desc = failed to pull and unpack image "reg.example.com/web:2.0": failed to resolve reference "reg.example.com/web:2.0": reg.example.com/web:2.0: not found"#;
    let events = vec![
        event("e1", "Pod", "web-1", "Warning", "Failed", missing_tag),
        event("e2", "Pod", "api-1", "Normal", "Started", "Started container web"),
        event("e3", "Pod", "api-1", "Normal", "Pulled", "Successfully pulled image \"nginx:1.25\""),
    ];
    write(root, "cluster-resources/events/shop.json", &list("EventList", events.clone()));
    // The same events again, as a second collector's copy: counted once.
    write(root, "cluster-resources/events/shop-again.json", &list("EventList", events));
    let pods = vec![
        running_pod("web-1", "reg.example.com/web:2.0"),
        running_pod("api-1", "nginx:1.25"),
        running_pod("quiet-1", "nginx:1.25"),
    ];
    write(root, pods_at, &list("PodList", pods));
    let run = run(&["--format", "json", "-j", threads, root.to_str().unwrap()]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn an_event_finds_its_quiet_pod_in_another_entry_either_way_round() {
    // `cluster-resources/events/` sorts before `cluster-resources/pods/`,
    // and after `cluster-resources/a-pods/`.
    for pods_at in ["cluster-resources/pods/shop.json", "cluster-resources/a-pods/shop.json"] {
        let report = report(pods_at, "2");
        let found = finding(&report, "image-pull/manifest-unknown");
        let pods = found["pods"].as_array().unwrap();
        assert_eq!(pods.len(), 1, "{pods_at}: {pods:?}");
        let pod = &pods[0];
        assert_eq!(pod["name"], "web-1");
        assert_eq!(pod["container"], "web");
        // All of these come from the pod, which said nothing itself and was
        // packed on its worker until the event named it.
        assert_eq!(pod["state"], "running", "{pods_at}");
        assert_eq!(pod["owner"]["kind"], "Deployment", "{pods_at}");
        assert_eq!(pod["owner"]["name"], "web", "{pods_at}");
        assert_eq!(pod["node"], "node-a");
        assert!(
            found["evidence"].as_array().unwrap().iter().any(|e| e.as_str().unwrap().contains("was running")),
            "{pods_at}: the recovery note needs the pod's state: {found}"
        );
        let summary = &report["summary"];
        assert_eq!(summary["events"], 3, "{pods_at}: three distinct events, each stored twice");
        assert_eq!(summary["warning_events"], 1, "{pods_at}");
        assert_eq!(summary["pods"], 3, "{pods_at}: the packed pods are counted");
        assert_eq!(summary["pods_affected"], 1, "{pods_at}");
        let warnings = report["warnings"].as_array().unwrap();
        assert!(
            warnings.iter().all(|w| !w["message"].as_str().unwrap().contains("no event in the bundle")),
            "{pods_at}: web-1 has events: {warnings:?}"
        );
    }
}

#[test]
fn one_thread_and_all_cores_join_alike() {
    for pods_at in ["cluster-resources/pods/shop.json", "cluster-resources/a-pods/shop.json"] {
        assert_eq!(comparable(report(pods_at, "1")), comparable(report(pods_at, "2")), "{pods_at}");
    }
}
