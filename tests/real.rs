//! The binary on every folder of `../shared/fixtures/real/` (real bundles
//! captured by other people; see its SOURCES.md). Each test skips with a
//! note when the shared fixtures are not beside the repository.

use crate::util::{comparable, findings, ids, pods, real, report};

fn image_pull_ids(r: &serde_json::Value) -> Vec<String> {
    ids(r).into_iter().filter(|id| id.starts_with("image-pull/")).collect()
}

fn unclassified_templates(r: &serde_json::Value) -> Vec<String> {
    r["unclassified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["template"].as_str().unwrap().to_string())
        .collect()
}

/// minikube 2023: the x509 failure of `noimage.com` is a TLS problem; the
/// back-off and `Error: …` events only count towards it.
#[test]
fn troubleshoot_image_pull_fail_is_tls() {
    let Some(path) = real("troubleshoot/pkg/analyze/files/events/message-image-pull-fail.json") else {
        return;
    };
    let r = report(&path);
    assert_eq!(image_pull_ids(&r), ["image-pull/tls"]);
    assert_eq!(pods(&r, "image-pull/tls"), ["message-image-pull-fail/no-image-deployment-849c4c4958-rxqmt"]);
    let tls = &findings(&r)[0];
    let pod = &tls["pods"][0];
    assert_eq!(pod["container"], "demo-deployment-container");
    assert_eq!(pod["image"], "noimage.com/no-such-image");
    assert_eq!(pod["owner"]["kind"], "Deployment");
    assert_eq!(pod["owner"]["name"], "no-image-deployment");
    // Failed 4 + Error: ErrImagePull 4 + Back-off 5 + Error: ImagePullBackOff 5.
    assert_eq!(tls["events"], 18);
    assert!(tls["sample"].as_str().unwrap().contains("x509"), "{}", tls["sample"]);
    // The GPU scheduling failure is not an image problem: it stays visible.
    assert!(
        unclassified_templates(&r).iter().any(|t| t.contains("Insufficient nvidia.com/gpu")),
        "{:#}",
        r["unclassified"]
    );
}

/// Three replicas have their x509/TLS errors on record; three others only
/// have "Back-off pulling image" left (their Failed events expired).
#[test]
fn troubleshoot_failed_mount_splits_tls_and_backoff() {
    let Some(path) =
        real("troubleshoot/pkg/analyze/files/events/message-container-creating-failed-mount.json")
    else {
        return;
    };
    let r = report(&path);
    assert_eq!(image_pull_ids(&r), ["image-pull/tls", "image-pull/backoff"]);
    let ns = "message-container-creating-failed-mount";
    let with = |suffixes: &[&str]| {
        suffixes.iter().map(|s| format!("{ns}/no-image-deployment-849c4c4958-{s}")).collect::<Vec<_>>()
    };
    assert_eq!(pods(&r, "image-pull/tls"), with(&["7fp5q", "l595s", "lm8qp"]));
    assert_eq!(pods(&r, "image-pull/backoff"), with(&["47b9z", "bz5zn", "fnzhh"]));
    let templates = unclassified_templates(&r);
    assert!(templates.iter().any(|t| t.contains("hostPath type check failed")), "{templates:?}");
}

/// k3s 2022 support bundle: crash loops only, no image-pull failure; the
/// tarball holds symlinks (all-logs/…) that must not be followed.
#[test]
fn troubleshoot_support_bundle_tarball() {
    let Some(path) = real("troubleshoot/testdata/supportbundle/support-bundle.tar.gz") else { return };
    let r = report(&path);
    assert_eq!(image_pull_ids(&r), Vec::<String>::new());
    assert!(r["summary"]["entries_ignored"].as_u64().unwrap() > 0, "symlinks counted: {:#}", r["summary"]);
    assert!(r["summary"]["pods"].as_u64().unwrap() >= 8, "{:#}", r["summary"]);
    // coredns logs start with `[INFO]`: logs, not broken JSON.
    assert_eq!(r["summary"]["entries_failed"], 0, "{:#}", r["warnings"]);
    assert!(unclassified_templates(&r).iter().any(|t| t.contains("Back-off restarting failed container")));
}

/// 2025 CI bundle of a healthy k3s cluster: nothing to report.
#[test]
fn troubleshoot_healthy_baseline_has_no_findings() {
    let Some(path) = real("troubleshoot/test/baselines/supportbundle/baseline.tar.gz") else { return };
    let r = report(&path);
    assert_eq!(ids(&r), Vec::<String>::new());
    assert!(r["summary"]["events"].as_u64().unwrap() > 0);
}

/// OpenShift 4.9 CI must-gather: both image-pull failures are registry
/// throttling (`pull QPS exceeded`, `too many requests to registry`).
#[test]
fn must_gather_rate_limit() {
    let Some(path) = real("must-gather-clean/test/files/must-gather-metal.trimmed.tar.gz") else { return };
    let r = report(&path);
    assert_eq!(image_pull_ids(&r), ["image-pull/rate-limit"]);
    assert_eq!(
        pods(&r, "image-pull/rate-limit"),
        ["openshift-marketplace/certified-operators-tqzlc", "openshift-sdn/sdn-controller-z7sjl"]
    );
    assert!(r["summary"]["pods"].as_u64().unwrap() >= 200, "{:#}", r["summary"]);
    // Both pods were Running at capture time: the throttling is history.
    let evidence = &crate::util::finding(&r, "image-pull/rate-limit")["evidence"];
    assert_eq!(
        evidence[0],
        "all 2 affected containers were running when the bundle was taken: the failure may be over"
    );
    assert_eq!(r["summary"]["entries_failed"], 0, "{:#}", r["warnings"]);
}

/// The same must-gather data as a directory (three namespaces of it).
#[test]
fn must_gather_directory_subset() {
    let Some(path) = real("must-gather-clean/must-gather-metal-subset") else { return };
    let r = report(&path);
    assert_eq!(
        pods(&r, "image-pull/rate-limit"),
        ["openshift-marketplace/certified-operators-tqzlc", "openshift-sdn/sdn-controller-z7sjl"]
    );
}

/// kURL support bundle: a crash-looping velero, no image-pull problem.
#[test]
fn sbctl_bundle() {
    let Some(path) = real("sbctl/tests/support-bundle") else { return };
    let r = report(&path);
    assert_eq!(image_pull_ids(&r), Vec::<String>::new());
    assert!(r["summary"]["pods"].as_u64().unwrap() > 10);
    let backoff = r["unclassified"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["template"] == "Back-off restarting failed container");
    assert_eq!(backoff.map(|u| u["count"].as_u64().unwrap()), Some(98), "{:#}", r["unclassified"]);
}

/// Sonobuoy 0.10 (k8s 1.8): events and pods are bare JSON arrays.
#[test]
fn sonobuoy_bare_arrays() {
    let Some(path) = real("sonobuoy") else { return };
    let r = report(&path);
    assert!(r["summary"]["events"].as_u64().unwrap() > 10, "{:#}", r["summary"]);
    assert!(r["summary"]["pods"].as_u64().unwrap() > 5, "{:#}", r["summary"]);
    assert!(unclassified_templates(&r)
        .iter()
        .any(|t| t.starts_with("No nodes are available that match all of the predicates")));
}

/// Insights archive: bare Pod objects, one per file, and compact events.
#[test]
fn insights_operator_single_pods_and_compact_events() {
    let Some(path) = real("insights-operator") else { return };
    let r = report(&path);
    assert_eq!(r["summary"]["pods"], 35, "{:#}", r["summary"]);
    assert!(unclassified_templates(&r).len() >= 2, "{:#}", r["unclassified"]);
    let reasons: Vec<&str> = r["unclassified"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| u["reasons"].as_array().unwrap())
        .filter_map(|v| v.as_str())
        .collect();
    assert!(reasons.contains(&"FailedUpdate"), "{reasons:?}");
}

/// AKS cluster-info dump: a crash loop with count 70944 must keep its count.
#[test]
fn aks_cluster_info_dump_keeps_large_counts() {
    let Some(path) = real("cluster-info-dump-aks-k8s-arena") else { return };
    let r = report(&path);
    assert_eq!(image_pull_ids(&r), Vec::<String>::new());
    let backoff = r["unclassified"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["template"] == "Back-off restarting failed container");
    assert_eq!(backoff.map(|u| u["count"].as_u64().unwrap()), Some(70944 + 19149), "{:#}", r["unclassified"]);
}

/// minikube 1.13 dump in PascalCase internal types. `secret "pgpassword"
/// not found` is a config error, not an image that was not found.
#[test]
fn minikube_pascal_case_dump() {
    let Some(path) = real("cluster-info-dump-minikube-multi-k8s") else { return };
    let r = report(&path);
    assert_eq!(r["summary"]["events"], 430 + 59, "{:#}", r["summary"]);
    assert_eq!(image_pull_ids(&r), Vec::<String>::new());
    let templates = unclassified_templates(&r);
    assert!(templates.iter().any(|t| t.contains("Error: secret \"<*>\" not found")), "{templates:?}");
    assert!(templates.iter().any(|t| t.contains("Node didn't have enough resource: cpu")), "{templates:?}");
}

/// Reading with one thread or with all cores gives the same report.
#[test]
fn one_thread_and_all_cores_agree() {
    let Some(path) = real("must-gather-clean/test/files/must-gather-metal.trimmed.tar.gz") else { return };
    let input = path.to_str().unwrap();
    let one = crate::util::run(&["-f", "json", "-j", "1", input]);
    let all = crate::util::run(&["-f", "json", input]);
    assert_eq!(one.status, 0, "{}", one.stderr);
    let parse = |s: &str| comparable(serde_json::from_str(s).unwrap());
    assert_eq!(parse(&one.stdout), parse(&all.stdout));
}
