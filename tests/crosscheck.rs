//! Cross-checks and coverage warnings end to end: small troubleshoot-style
//! bundles written here, with and without the objects each check needs,
//! read by the real binary in every output format.

use std::path::Path;

use serde_json::{json, Value};

use crate::util::{finding, ids, report, run};

/// A troubleshoot-style bundle: `files` are (path, JSON) pairs.
fn bundle(files: &[(&str, Value)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, value) in files {
        let path = dir.path().join("support-bundle").join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    }
    dir
}

fn pod_list(pods: Vec<Value>) -> Value {
    json!({"kind": "PodList", "apiVersion": "v1", "items": pods})
}

/// `web-1` naming pull secret `regcred`, waiting in ImagePullBackOff on `node-1`.
fn web_pod() -> Value {
    json!({
        "metadata": {"name": "web-1", "namespace": "shop", "uid": "u-web-1"},
        "spec": {"nodeName": "node-1", "imagePullSecrets": [{"name": "regcred"}],
                 "containers": [{"name": "web", "image": "registry.example.com/shop/web:2"}]},
        "status": {"phase": "Pending", "containerStatuses": [{
            "name": "web", "image": "registry.example.com/shop/web:2", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"registry.example.com/shop/web:2\""}}}]}
    })
}

fn event(pod: &str, reason: &str, message: &str) -> Value {
    json!({
        "kind": "Event", "apiVersion": "v1",
        "metadata": {"name": format!("{pod}.{reason}"), "namespace": "shop", "uid": format!("{pod}-{reason}")},
        "involvedObject": {"kind": "Pod", "namespace": "shop", "name": pod, "uid": format!("u-{pod}"),
                           "fieldPath": "spec.containers{web}"},
        "reason": reason, "message": message, "type": "Warning", "count": 3,
        "lastTimestamp": "2026-11-20T10:00:00Z", "source": {"component": "kubelet", "host": "node-1"}
    })
}

fn events(items: Vec<Value>) -> Value {
    json!({"kind": "EventList", "apiVersion": "v1", "items": items})
}

fn nodes(arch: &str, disk_pressure: &str) -> Value {
    json!({"kind": "NodeList", "apiVersion": "v1", "items": [{
        "metadata": {"name": "node-1", "labels": {"kubernetes.io/arch": arch}},
        "status": {"nodeInfo": {"architecture": arch, "operatingSystem": "linux"},
                   "allocatable": {"cpu": "3800m", "memory": "15Gi"},
                   "conditions": [{"type": "DiskPressure", "status": disk_pressure, "message": "kubelet has disk pressure"},
                                  {"type": "Ready", "status": "True"}]}}]})
}

const UNAUTHORIZED: &str = "Failed to pull image \"registry.example.com/shop/web:2\": rpc error: code = Unknown desc = failed to pull and unpack image \"registry.example.com/shop/web:2\": failed to resolve reference \"registry.example.com/shop/web:2\": pulling from host registry.example.com failed with status code [manifests 2]: 401 Unauthorized";

fn all_formats(dir: &Path) -> [String; 2] {
    let input = dir.to_str().unwrap();
    ["table", "markdown"].map(|format| {
        let run = run(&["--format", format, "--color", "never", input]);
        assert_eq!(run.status, 0, "{}", run.stderr);
        run.stdout
    })
}

#[test]
fn the_missing_pull_secret_is_found_from_the_collected_pull_secrets() {
    let files = |with_secret: bool| {
        let mut files = vec![
            ("cluster-resources/pods/shop.json", pod_list(vec![web_pod()])),
            ("cluster-resources/events/shop.json", events(vec![event("web-1", "Failed", UNAUTHORIZED)])),
            (
                "cluster-resources/image-pull-secrets/shop/gitlab.json",
                json!({"registry.gitlab.com": "deploy"}),
            ),
        ];
        if with_secret {
            files.push((
                "cluster-resources/image-pull-secrets/shop/regcred.json",
                json!({"registry.example.com": "ci"}),
            ));
        }
        bundle(&files)
    };
    let lacking = files(false);
    let r = report(lacking.path());
    assert_eq!(ids(&r), ["image-pull/missing-pull-secret"]);
    let line = "imagePullSecrets in the pod spec names Secret \"regcred\", which is not among the 1 Secret the bundle lists in namespace shop";
    assert_eq!(finding(&r, "image-pull/missing-pull-secret")["evidence"][0], line);
    for output in all_formats(lacking.path()) {
        // Tables wrap long lines: compare words, not line breaks.
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words(&output).contains("not among the 1 Secret the bundle lists"), "{output}");
    }
    let holding = files(true);
    assert_eq!(ids(&report(holding.path())), ["image-pull/auth"]);
}

#[test]
fn node_facts_are_named_beside_pull_failures() {
    let platform = "Failed to pull image \"registry.example.com/shop/web:2\": rpc error: code = NotFound desc = failed to pull and unpack image \"registry.example.com/shop/web:2\": no match for platform in manifest: not found";
    let files = |arch: &str, pressure: &str| {
        bundle(&[
            ("cluster-resources/pods/shop.json", pod_list(vec![web_pod()])),
            ("cluster-resources/events/shop.json", events(vec![event("web-1", "Failed", platform)])),
            ("cluster-resources/nodes.json", nodes(arch, pressure)),
        ])
    };
    let arm = files("arm64", "True");
    let r = report(arm.path());
    let evidence = &finding(&r, "image-pull/platform-mismatch")["evidence"];
    assert_eq!(
        evidence[0],
        "the pods ran on node-1 (linux/arm64): the image has no variant for that platform"
    );
    assert!(evidence[1].as_str().unwrap().starts_with("node node-1 reports DiskPressure=True"), "{evidence}");
    let amd = files("amd64", "False");
    let r = report(amd.path());
    let evidence = &finding(&r, "image-pull/platform-mismatch")["evidence"];
    assert_eq!(
        evidence[0],
        "the pods ran on node-1 (linux/amd64): the image has no variant for that platform"
    );
    assert!(evidence.as_array().unwrap().iter().all(|l| !l.as_str().unwrap().contains("DiskPressure")));
}

#[test]
fn coverage_warnings_say_what_the_bundle_cannot_show() {
    let masked = "Failed to pull image \"***HIDDEN***/shop/web:2\": rpc error: code = Unknown desc = failed to pull and unpack image: 401 Unauthorized";
    let mut other = web_pod();
    other["metadata"]["name"] = json!("web-2");
    let dir = bundle(&[
        ("cluster-resources/pods/shop.json", pod_list(vec![web_pod(), other])),
        ("cluster-resources/events/shop.json", events(vec![event("web-1", "Failed", masked)])),
        (
            "cluster-resources/events-errors.json",
            json!(["failed to list events in namespace billing: events is forbidden: User \"system:serviceaccount:default:troubleshoot\" cannot list resource \"events\" in API group \"\" in the namespace \"billing\""]),
        ),
    ]);
    let r = report(dir.path());
    let warnings: Vec<(String, String)> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["entry"].as_str().unwrap().to_string(), w["message"].as_str().unwrap().to_string()))
        .collect();
    let has = |entry: &str, start: &str| warnings.iter().any(|(e, m)| e == entry && m.starts_with(start));
    assert!(has("", "1 pod shows only an image-pull back-off"), "{warnings:?}");
    assert!(has("", "no event in the bundle is about 1 of the 2 affected pods (shop/web-2)"), "{warnings:?}");
    assert!(has("", "1 message holds ***HIDDEN***"), "{warnings:?}");
    assert!(
        has(
            "support-bundle/cluster-resources/events-errors.json",
            "not collected: failed to list events in namespace billing"
        ),
        "{warnings:?}"
    );
}
