//! The binary on every folder of `../shared/fixtures/real/` (real bundles
//! captured by other people; see its SOURCES.md). Each test skips with a
//! note when the shared fixtures are not beside the repository.

use crate::util::{comparable, finding, findings, ids, pods, real, report};

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
    // The GPU scheduling failure is not an image problem: it has its own group.
    assert_eq!(
        pods(&r, "scheduling/insufficient-resources"),
        ["message-image-pull-fail/pending-pod-resources-5fddcf7688-djjfc"]
    );
    let gpu = finding(&r, "scheduling/insufficient-resources");
    assert!(gpu["sample"].as_str().unwrap().contains("Insufficient nvidia.com/gpu"), "{}", gpu["sample"]);
    // `series.count` 3 of the scheduler's events.events.k8s.io/v1 event.
    assert_eq!(gpu["events"], 3);
    // The OOM-killed Job pod has no OOM message, only `Successfully assigned
    // default/oom-kill-job3-…`: a pod name is not evidence.
    assert!(!ids(&r).contains(&"container/oom-killed".to_string()), "{:?}", ids(&r));
    assert_eq!(unclassified_templates(&r), ["Job has reached the specified backoff limit"]);
}

/// The seven single-pod PodLists of troubleshoot's analyzer tests: the
/// pods' recorded states alone name the cause (no events in this folder).
#[test]
fn troubleshoot_pod_states_name_their_causes() {
    let Some(path) = real("troubleshoot/pkg/analyze/files/pods") else { return };
    let r = report(&path);
    let expected = [
        ("container/oom-killed", "message-oomkill-pod/oom-kill-job3-gbb89"),
        ("container/start-failed", "message-pod-crashloop-backoff/init-demo"),
        ("container/start-failed", "message-pod-init-crashloop-backoff/init-demo2"),
        ("image-pull/tls", "message-image-pull-fail/no-image-deployment-849c4c4958-rxqmt"),
        ("scheduling/constraints", "message-pending-node-affinity/kotsadm-b6cb54c8f-zgzrn"),
        (
            "scheduling/insufficient-resources",
            "message-pending-pod-resources/pending-pod-resources-5fddcf7688-djjfc",
        ),
    ];
    for (id, pod) in expected {
        assert!(pods(&r, id).contains(&pod.to_string()), "{pod} under {id}: {:?}", ids(&r));
    }
    // The crash loop (waiting CrashLoopBackOff, last ContainerCannotRun exit
    // 127) is one finding: the start failure, the loop named in evidence.
    assert!(!ids(&r).contains(&"container/crashloop".to_string()), "{:?}", ids(&r));
    let start = finding(&r, "container/start-failed");
    assert!(
        start["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "also recorded on these containers: container/crashloop (in their recorded state)"),
        "{:#}",
        start["evidence"]
    );
    let oom = &finding(&r, "container/oom-killed")["pods"][0];
    assert_eq!(
        (oom["container"].as_str(), oom["state"].as_str()),
        (Some("memory-eater"), Some("terminated: OOMKilled (exit 137)"))
    );
    let gpu = finding(&r, "scheduling/insufficient-resources");
    assert_eq!(
        gpu["evidence"][0],
        "the pod requests nvidia.com/gpu 5; the bundle holds no Node objects to compare with"
    );
    assert_eq!(r["unclassified"], serde_json::json!([]));
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
    // The hostPath type check is a mount failure (counts 178 + 109).
    assert_eq!(pods(&r, "volume/mount-failed"), [format!("{ns}/troubleshoot-copyfromhost-4m79m-psdjm")]);
    let mount = finding(&r, "volume/mount-failed");
    assert_eq!(mount["events"], 287);
    // The more frequent of the two messages is the sample: the kubelet's timeout.
    assert!(
        mount["sample"].as_str().unwrap().starts_with("Unable to attach or mount volumes"),
        "{}",
        mount["sample"]
    );
    assert!(unclassified_templates(&r).iter().all(|t| !t.contains("hostPath")));
    assert_eq!(pods(&r, "probe/liveness-failed"), [format!("{ns}/failing-liveness-pod")]);
    // The init container's crash loop (count 1464).
    assert_eq!(pods(&r, "container/crashloop"), [format!("{ns}/init-demo2")]);
    assert_eq!(finding(&r, "container/crashloop")["events"], 1464);
    // Both pending replicas wait for resources.
    assert_eq!(pods(&r, "scheduling/insufficient-resources").len(), 2);
    let backoff_warning = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["message"].as_str().unwrap().starts_with("3 pods show only an image-pull back-off"));
    assert!(backoff_warning, "{:#}", r["warnings"]);
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
    // `static-hi` has events and logs but no pod object: its crash loop still counts.
    assert_eq!(pods(&r, "container/crashloop"), ["default/static-hi"]);
}

/// 2025 CI bundle of a healthy k3s cluster: the only failure on record is
/// metrics-server's readiness probe at start-up, over by capture time.
#[test]
fn troubleshoot_healthy_baseline_shows_only_recovered_history() {
    let Some(path) = real("troubleshoot/test/baselines/supportbundle/baseline.tar.gz") else { return };
    let r = report(&path);
    assert_eq!(ids(&r), ["probe/readiness-failed"]);
    let readiness = finding(&r, "probe/readiness-failed");
    assert_eq!(readiness["pods"][0]["state"], "running");
    assert_eq!(
        readiness["evidence"][0],
        "the affected container was running when the bundle was taken: the failure may be over"
    );
    assert!(r["summary"]["events"].as_u64().unwrap() > 0);
    // The collector's own errors are passed on, naming their entries.
    let not_collected: Vec<&str> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["message"].as_str().unwrap().starts_with("not collected: "))
        .map(|w| w["entry"].as_str().unwrap())
        .collect();
    assert_eq!(not_collected, ["supportbundle/helm/errors.json", "supportbundle/metrics/errors.json"]);
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
    let evidence = &finding(&r, "image-pull/rate-limit")["evidence"];
    assert_eq!(
        evidence[0],
        "all 2 affected containers were running when the bundle was taken: the failure may be over"
    );
    assert_eq!(r["summary"]["entries_failed"], 0, "{:#}", r["warnings"]);
    // The default gather holds no application namespace: the report says so.
    assert!(
        r["warnings"].as_array().unwrap().iter().any(|w| w["entry"] == ""
            && w["message"]
                .as_str()
                .unwrap()
                .starts_with("this must-gather holds only platform namespaces (58 ")),
        "{:#}",
        r["warnings"]
    );
    // Non-image history: crash loops (BackOff Warning events), probe and
    // mount failures, all with their pods running again at capture time.
    for id in ["container/crashloop", "probe/readiness-failed", "volume/mount-failed"] {
        assert!(ids(&r).contains(&id.to_string()), "{id}: {:?}", ids(&r));
    }
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
    assert_eq!(ids(&r), ["container/crashloop"]);
    assert!(r["summary"]["pods"].as_u64().unwrap() > 10);
    let crashloop = finding(&r, "container/crashloop");
    // BackOff Warning events: 94 + 2 + 2, on the live pod and two earlier replicas.
    assert_eq!(crashloop["events"], 98);
    let live = crashloop["pods"].as_array().unwrap().iter().find(|p| p["name"] == "velero-6996dd565b-xl44t");
    assert_eq!(live.unwrap()["state"], "waiting: CrashLoopBackOff, 3 restarts, last Error (exit 1)");
    assert_eq!(live.unwrap()["owner"], serde_json::json!({"kind": "Deployment", "name": "velero"}));
}

/// Sonobuoy 0.10 (k8s 1.8): events and pods are bare JSON arrays.
#[test]
fn sonobuoy_bare_arrays() {
    let Some(path) = real("sonobuoy") else { return };
    let r = report(&path);
    assert!(r["summary"]["events"].as_u64().unwrap() > 10, "{:#}", r["summary"]);
    assert!(r["summary"]["pods"].as_u64().unwrap() > 5, "{:#}", r["summary"]);
    // The k8s 1.8 scheduler wording: `No nodes are available that match all
    // of the predicates: Insufficient cpu (1), …`.
    assert_eq!(pods(&r, "scheduling/insufficient-resources"), ["kube-system/kube-dns-545bc4bfd4-t4lzx"]);
    let cpu = finding(&r, "scheduling/insufficient-resources");
    assert!(cpu["sample"]
        .as_str()
        .unwrap()
        .starts_with("No nodes are available that match all of the predicates"));
    assert!(
        cpu["evidence"][0]
            .as_str()
            .unwrap()
            .starts_with("the pod requests cpu 260m; the most any of the 3 nodes can allocate is "),
        "{:#}",
        cpu["evidence"]
    );
    assert!(unclassified_templates(&r).iter().all(|t| !t.starts_with("No nodes are available")));
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
    // The dashboard's crash loop keeps its count...
    assert_eq!(pods(&r, "container/crashloop"), ["kube-system/kubernetes-dashboard-7f7676f7b5-65j6w"]);
    assert_eq!(finding(&r, "container/crashloop")["events"], 70944);
    // ...and the autoscaler's, explained by its failing liveness probe, is
    // counted under that cause: both loops, no event lost.
    let liveness = finding(&r, "probe/liveness-failed");
    assert!(pods(&r, "probe/liveness-failed")
        .contains(&"kube-system/coredns-autoscaler-6d7bd69669-nmpz2".to_string()));
    assert!(
        liveness["evidence"].as_array().unwrap().iter().any(|e| e
            .as_str()
            .unwrap()
            .starts_with("also recorded on these containers: container/crashloop (19149 events")),
        "{:#}",
        liveness["evidence"]
    );
}

/// minikube 1.13 dump in PascalCase internal types. `secret "pgpassword"
/// not found` is a config error, not an image that was not found.
#[test]
fn minikube_pascal_case_dump() {
    let Some(path) = real("cluster-info-dump-minikube-multi-k8s") else { return };
    let r = report(&path);
    assert_eq!(r["summary"]["events"], 430 + 59, "{:#}", r["summary"]);
    assert_eq!(image_pull_ids(&r), Vec::<String>::new());
    // `Error: secret "pgpassword" not found` (count 8): an env reference
    // to a missing Secret, not an image that was not found.
    assert_eq!(pods(&r, "container/config-error"), ["default/server-deployment-54b9cd5f98-m7csj"]);
    let config = finding(&r, "container/config-error");
    assert_eq!(
        (config["events"].as_u64(), config["sample"].as_str()),
        (Some(8), Some("Error: secret \"pgpassword\" not found"))
    );
    // Kubelet admission `OutOfcpu` (100 events) and the scheduler's
    // `Insufficient cpu` are one cause: not enough CPU.
    let cpu = finding(&r, "scheduling/insufficient-resources");
    assert!(cpu["events"].as_u64().unwrap() >= 100 + 100, "{}", cpu["events"]);
    // `skip schedule deleting pod` is not a failure.
    let templates = unclassified_templates(&r);
    assert!(templates.iter().all(|t| !t.contains("skip schedule")), "{templates:?}");
    assert!(templates.iter().all(|t| !t.contains("enough resource")), "{templates:?}");
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
