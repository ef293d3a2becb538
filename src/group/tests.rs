//! Grouping decisions on small hand-built bundles, classified by the real
//! built-in corpus.

use super::*;
use crate::classify::Matcher;
use crate::model::{ContainerSpec, ContainerStatus, Event, Id, ObjectRef};

fn pull_event(
    pod: &str,
    container: Option<&str>,
    reason: &str,
    message: &str,
    count: u64,
    last: &str,
) -> Event {
    Event {
        key: Id::of(&format!("{pod}.{message}")),
        namespace: "shop".into(),
        subject: ObjectRef {
            kind: "Pod".into(),
            namespace: "shop".into(),
            name: pod.into(),
            uid: Default::default(),
            field_path: container.map(|c| format!("spec.containers{{{c}}}").into()).unwrap_or_default(),
        },
        reason: reason.into(),
        message: message.into(),
        event_type: "Warning".into(),
        count,
        first_seen: Some(last.into()),
        last_seen: Some(last.into()),
        host: "node-a".into(),
    }
}

fn pod(name: &str, containers: &[(&str, &str)]) -> Pod {
    Pod {
        namespace: "shop".into(),
        name: name.into(),
        uid: Id::of(&format!("uid-{name}")),
        node: "node-b".into(),
        containers: containers
            .iter()
            .map(|&(n, i)| ContainerSpec { name: n.into(), image: i.into(), ..Default::default() })
            .collect(),
        ..Pod::default()
    }
}

/// Classifies every event and pod, and groups.
fn run(objects: &Objects) -> (Corpus, Grouped) {
    let corpus = Corpus::builtin().unwrap();
    let matcher = Matcher::new(&corpus);
    let events: Vec<_> = objects.events.iter().map(|e| matcher.classify_event(e)).collect();
    let pods: Vec<_> = objects.pods.iter().map(|p| matcher.classify_pod(p)).collect();
    let grouped = group(&corpus, &Classified::of(objects, &events, &pods));
    (corpus, grouped)
}

fn summary(grouped: &Grouped) -> Vec<(String, Vec<String>, u64)> {
    grouped
        .findings
        .iter()
        .map(|f| {
            (f.id.clone(), f.pods.iter().map(|p| format!("{}/{}", p.name, p.container)).collect(), f.events)
        })
        .collect()
}

const NOT_FOUND: &str = r#"Failed to pull image "r.io/shop/web:9": rpc error: code = NotFound desc = failed to pull and unpack image "r.io/shop/web:9": failed to resolve reference "r.io/shop/web:9": r.io/shop/web:9: not found"#;
const BACKOFF: &str = r#"Back-off pulling image "r.io/shop/web:9""#;

#[test]
fn cause_beats_symptom_and_symptoms_still_count() {
    let objects = Objects {
        events: vec![
            pull_event("web-1", Some("web"), "Failed", NOT_FOUND, 3, "2026-01-01T10:00:00Z"),
            pull_event("web-1", Some("web"), "BackOff", BACKOFF, 40, "2026-01-01T11:00:00Z"),
            pull_event("web-1", Some("web"), "Failed", "Error: ImagePullBackOff", 40, "2026-01-01T11:00:00Z"),
        ],
        ..Objects::default()
    };
    let (_, grouped) = run(&objects);
    assert_eq!(
        summary(&grouped),
        [("image-pull/manifest-unknown".to_string(), vec!["web-1/web".to_string()], 83)]
    );
    let finding = &grouped.findings[0];
    assert_eq!(finding.sample, NOT_FOUND, "the sample is the cause, not the back-off");
    assert_eq!(finding.last_seen.as_deref(), Some("2026-01-01T11:00:00Z"));
    assert_eq!(finding.pods[0].image, "r.io/shop/web:9", "image from the message when no pod object");
    assert_eq!(finding.pods[0].node, "node-a", "node from the kubelet's host");
}

#[test]
fn only_a_backoff_left_is_the_backoff_finding() {
    let objects = Objects {
        events: vec![pull_event("web-2", Some("web"), "BackOff", BACKOFF, 7, "2026-01-01T11:00:00Z")],
        ..Objects::default()
    };
    let (_, grouped) = run(&objects);
    assert_eq!(summary(&grouped), [("image-pull/backoff".to_string(), vec!["web-2/web".to_string()], 7)]);
}

#[test]
fn event_evidence_beats_the_waiting_message() {
    let mut p = pod("api-1", &[("api", "r.io/api:1")]);
    p.statuses.push(ContainerStatus {
        name: "api".into(),
        image: "r.io/api:1".into(),
        waiting_reason: "ErrImagePull".into(),
        waiting_message: "rpc error: code = Unknown desc = dial tcp 10.0.0.1:443: i/o timeout".into(),
        ..ContainerStatus::default()
    });
    let event = pull_event(
        "api-1",
        Some("api"),
        "Failed",
        r#"Failed to pull image "r.io/api:1": 401 Unauthorized"#,
        2,
        "2026-01-01T10:00:00Z",
    );
    let objects = Objects { events: vec![event], pods: vec![p], ..Objects::default() };
    let (_, grouped) = run(&objects);
    assert_eq!(summary(&grouped), [("image-pull/auth".to_string(), vec!["api-1/api".to_string()], 2)]);
    assert_eq!(grouped.findings[0].pods[0].node, "node-b", "node from the pod object");
}

#[test]
fn waiting_reason_alone_is_evidence() {
    let mut p = pod("bad-1", &[("app", "r.io/Bad:1")]);
    p.statuses.push(ContainerStatus {
        name: "app".into(),
        image: "r.io/Bad:1".into(),
        waiting_reason: "InvalidImageName".into(),
        ..ContainerStatus::default()
    });
    let (_, grouped) = run(&Objects { pods: vec![p], ..Objects::default() });
    assert_eq!(
        summary(&grouped),
        [("image-pull/invalid-reference".to_string(), vec!["bad-1/app".to_string()], 0)]
    );
}

/// A pod-wide warning (no fieldPath) joins the pod's containers instead of
/// making the pod appear under a second cause, and is counted once.
#[test]
fn podwide_evidence_joins_each_container_once() {
    let p = pod("etl-1", &[("etl", "r.io/etl:1"), ("sidecar", "r.io/side:1")]);
    let secret =
        "Unable to retrieve some image pull secrets (regcred); attempting to pull the image may not succeed.";
    let denied = r#"Failed to pull image "r.io/etl:1": 401 Unauthorized"#;
    let denied_side = r#"Failed to pull image "r.io/side:1": 401 Unauthorized"#;
    let objects = Objects {
        events: vec![
            pull_event("etl-1", None, "FailedToRetrieveImagePullSecret", secret, 5, "2026-01-01T10:00:00Z"),
            pull_event("etl-1", Some("etl"), "Failed", denied, 10, "2026-01-01T10:01:00Z"),
            pull_event("etl-1", Some("sidecar"), "Failed", denied_side, 20, "2026-01-01T10:01:00Z"),
        ],
        pods: vec![p],
        ..Objects::default()
    };
    let (_, grouped) = run(&objects);
    assert_eq!(
        summary(&grouped),
        [(
            "image-pull/missing-pull-secret".to_string(),
            vec!["etl-1/etl".to_string(), "etl-1/sidecar".to_string()],
            35
        )]
    );
    assert_eq!(grouped.pods_affected, 1);
}

/// An event about an earlier pod of the same name (a StatefulSet pod that was
/// re-created) is kept apart from the pod in the bundle: it neither takes the
/// new pod's node nor decides the new pod's cause.
#[test]
fn earlier_pod_of_the_same_name_is_kept_apart() {
    let mut p = pod("db-0", &[("db", "private.io/postgres:16")]);
    p.labels = vec![
        ("statefulset.kubernetes.io/pod-name".into(), "db-0".into()),
        ("controller-revision-hash".into(), "db-5d8".into()),
    ];
    p.statuses.push(ContainerStatus {
        name: "db".into(),
        image: "private.io/postgres:16".into(),
        waiting_reason: "ErrImagePull".into(),
        waiting_message: "pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed".into(),
        ..ContainerStatus::default()
    });
    let mut old = pull_event("db-0", Some("db"), "Failed", NOT_FOUND, 4, "2026-01-01T10:00:00Z");
    old.subject.uid = Id::of("uid-of-the-old-pod");
    old.host = Default::default();
    let (_, grouped) = run(&Objects { events: vec![old], pods: vec![p], ..Objects::default() });
    assert_eq!(
        summary(&grouped),
        [
            ("image-pull/manifest-unknown".to_string(), vec!["db-0/db".to_string()], 4),
            ("image-pull/auth-or-missing".to_string(), vec!["db-0/db".to_string()], 0),
        ]
    );
    let current = &grouped.findings[1].pods[0];
    assert_eq!((current.node.as_str(), current.image.as_str()), ("node-b", "private.io/postgres:16"));
    let earlier = &grouped.findings[0].pods[0];
    assert_eq!((earlier.node.as_str(), earlier.image.as_str()), ("", "r.io/shop/web:9"));
    // Both incarnations belong to the same StatefulSet.
    assert_eq!(
        earlier.owner.as_ref().map(|o| (o.kind.as_str(), o.name.as_str())),
        Some(("StatefulSet", "db"))
    );
    assert_eq!(grouped.pods_affected, 1);
}

#[test]
fn unexplained_warnings_and_failing_states_are_templated() {
    let mut p = pod("job-1", &[("run", "r.io/run:1")]);
    p.statuses.push(ContainerStatus {
        name: "run".into(),
        terminated_reason: "Error".into(),
        terminated_exit_code: Some(2),
        ..ContainerStatus::default()
    });
    p.statuses.push(ContainerStatus {
        name: "init".into(),
        waiting_reason: "PodInitializing".into(),
        ..ContainerStatus::default()
    });
    let hook = |pod: &str, count| {
        let mut e = pull_event(
            pod,
            None,
            "FailedPreStopHook",
            "PreStopHook failed: command 'sh -c sleep 20' exited with 137",
            count,
            "2026-01-01T10:00:00Z",
        );
        e.key = Id::of(&format!("hook-{pod}"));
        e
    };
    let mut normal = hook("web-3", 100);
    normal.event_type = "Normal".into();
    normal.key = Id::of("normal");
    let objects = Objects {
        events: vec![hook("web-1", 4), hook("web-2", 6), normal],
        pods: vec![p],
        ..Objects::default()
    };
    let (_, grouped) = run(&objects);
    assert!(grouped.findings.is_empty(), "{:?}", summary(&grouped));
    let u = &grouped.unclassified;
    assert_eq!(u.len(), 2, "{u:?}");
    assert_eq!(
        (u[0].count, u[0].objects, u[0].reasons.as_slice()),
        (10, 2, ["FailedPreStopHook".to_string()].as_slice())
    );
    assert_eq!(u[0].template, "PreStopHook failed: command 'sh -c sleep <n>' exited with <n>");
    assert_eq!(
        (u[1].reasons.as_slice(), u[1].example.as_str()),
        (["Error".to_string()].as_slice(), "container terminated: Error (exit code 2)")
    );
}

#[test]
fn events_about_other_objects_are_listed_as_objects() {
    let mut event = pull_event("x", None, "Failed", NOT_FOUND, 2, "2026-01-01T10:00:00Z");
    event.subject.kind = "Node".into();
    event.subject.name = "node-z".into();
    event.subject.namespace = Default::default();
    event.namespace = Default::default();
    let (_, grouped) = run(&Objects { events: vec![event], ..Objects::default() });
    let f = &grouped.findings[0];
    assert_eq!(
        (f.id.as_str(), f.pods.len(), f.objects.as_slice(), f.events),
        ("image-pull/manifest-unknown", 0, ["Node/node-z".to_string()].as_slice(), 2)
    );
}

/// Credentials are redacted here; control characters are kept in the data
/// (JSON escapes them) and neutralised by the table and Markdown renderers.
#[test]
fn credentials_never_reach_the_report() {
    let message =
        "Failed to pull image \"r.io/a:1\": Get \"https://bob:hunter2@r.io/v2/\": 401 Unauthorized \x1b[2J";
    let (_, grouped) = run(&Objects {
        events: vec![pull_event("a-1", Some("a"), "Failed", message, 1, "2026-01-01T10:00:00Z")],
        ..Objects::default()
    });
    let sample = &grouped.findings[0].sample;
    assert!(!sample.contains("hunter2"), "{sample}");
    assert!(sample.contains("401 Unauthorized"), "{sample}");
}

/// The current failure wins over an older, different one; the older one is
/// still counted and named in the evidence.
#[test]
fn the_most_recent_cause_wins() {
    let dns =
        r#"Failed to pull image "r.io/shop/web:9": dial tcp: lookup r.io on 10.96.0.10:53: no such host"#;
    let objects = Objects {
        events: vec![
            pull_event("web-1", Some("web"), "Failed", dns, 3, "2026-01-01T00:05:00Z"),
            pull_event("web-1", Some("web"), "Failed", NOT_FOUND, 7, "2026-01-01T02:00:00Z"),
        ],
        ..Objects::default()
    };
    let (_, grouped) = run(&objects);
    assert_eq!(
        summary(&grouped),
        [("image-pull/manifest-unknown".to_string(), vec!["web-1/web".to_string()], 10)]
    );
    assert_eq!(
        grouped.findings[0].evidence,
        ["also recorded on these containers: image-pull/dns (3 events)"]
    );
}

/// The registry's answer in the pull failure beats a pod-wide warning: a
/// missing pull secret does not explain a tag that does not exist.
#[test]
fn pull_failure_beats_an_unrelated_missing_secret_warning() {
    let secret =
        "Unable to retrieve some image pull secrets (regcred); attempting to pull the image may not succeed.";
    let objects = Objects {
        events: vec![
            pull_event("web-1", None, "FailedToRetrieveImagePullSecret", secret, 9, "2026-01-01T02:00:00Z"),
            pull_event("web-1", Some("web"), "Failed", NOT_FOUND, 7, "2026-01-01T02:00:00Z"),
        ],
        ..Objects::default()
    };
    let (_, grouped) = run(&objects);
    assert_eq!(
        summary(&grouped),
        [("image-pull/manifest-unknown".to_string(), vec!["web-1/web".to_string()], 16)]
    );
    assert_eq!(
        grouped.findings[0].evidence,
        ["also recorded on these containers: image-pull/missing-pull-secret (9 events)"]
    );
}

/// Pods that were running again when the bundle was taken are flagged: the
/// events describe a failure that may be over.
#[test]
fn recovered_pods_are_noted() {
    let mut p = pod("web-1", &[("web", "r.io/shop/web:9")]);
    p.statuses.push(ContainerStatus {
        name: "web".into(),
        image: "r.io/shop/web:9".into(),
        ready: true,
        ..ContainerStatus::default()
    });
    let objects = Objects {
        events: vec![pull_event("web-1", Some("web"), "Failed", NOT_FOUND, 3, "2026-01-01T10:00:00Z")],
        pods: vec![p],
        ..Objects::default()
    };
    let (_, grouped) = run(&objects);
    let f = &grouped.findings[0];
    assert_eq!(f.pods[0].state, "running");
    assert_eq!(
        f.evidence,
        ["the affected container was running when the bundle was taken: the failure may be over"]
    );
}

const UNAUTHORIZED: &str = r#"Failed to pull image "r.io/shop/web:9": rpc error: code = Unknown desc = failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized"#;

fn secret(namespace: &str, name: &str) -> crate::model::SecretName {
    crate::model::SecretName {
        namespace: namespace.into(),
        name: name.into(),
        secret_type: Default::default(),
    }
}

fn node(name: &str, arch: &str, conditions: &[(&str, &str, &str)]) -> crate::model::Node {
    crate::model::Node {
        name: name.into(),
        architecture: arch.into(),
        os: "linux".into(),
        conditions: conditions
            .iter()
            .map(|&(kind, status, message)| crate::model::Condition {
                kind: kind.into(),
                status: status.into(),
                reason: Default::default(),
                message: message.into(),
            })
            .collect(),
        ..Default::default()
    }
}

/// A pod naming `regcred` whose pull is refused with a 401.
fn pod_with_pull_secret() -> Objects {
    let mut p = pod("web-1", &[("web", "r.io/shop/web:9")]);
    p.image_pull_secrets = vec!["regcred".into()];
    Objects {
        events: vec![pull_event("web-1", Some("web"), "Failed", UNAUTHORIZED, 4, "2026-01-01T10:00:00Z")],
        pods: vec![p],
        ..Objects::default()
    }
}

#[test]
fn a_pull_secret_the_namespace_lacks_is_the_cause_of_a_401() {
    let mut objects = pod_with_pull_secret();
    objects.secrets =
        vec![secret("shop", "default-token-x"), secret("shop", "db"), secret("other", "regcred")];
    let (_, grouped) = run(&objects);
    assert_eq!(
        summary(&grouped),
        [("image-pull/missing-pull-secret".to_string(), vec!["web-1/web".to_string()], 4)]
    );
    let evidence = &grouped.findings[0].evidence;
    assert!(
        evidence.iter().any(|l| l.contains("Secret \"regcred\"")
            && l.contains("not among the 2 Secrets the bundle lists in namespace shop")),
        "{evidence:?}"
    );
    assert!(evidence.iter().any(|l| l.contains("image-pull/auth (4 events)")), "{evidence:?}");
}

#[test]
fn a_pull_secret_that_exists_or_cannot_be_checked_changes_nothing() {
    // The secret is there: the 401 is about the credentials it holds.
    let mut present = pod_with_pull_secret();
    present.secrets = vec![secret("shop", "regcred")];
    // No Secret of the namespace in the bundle: nothing is known.
    let unknown = pod_with_pull_secret();
    for objects in [present, unknown] {
        let (_, grouped) = run(&objects);
        assert_eq!(summary(&grouped), [("image-pull/auth".to_string(), vec!["web-1/web".to_string()], 4)]);
        assert!(grouped.findings[0].evidence.iter().all(|l| !l.contains("regcred")));
    }
}

#[test]
fn the_service_accounts_pull_secret_is_checked_when_the_pod_names_none() {
    let mut objects = pod_with_pull_secret();
    objects.pods[0].image_pull_secrets.clear();
    objects.pods[0].service_account = "builder".into();
    objects.service_accounts = vec![crate::model::ServiceAccount {
        namespace: "shop".into(),
        name: "builder".into(),
        image_pull_secrets: vec!["ghcr".into()],
    }];
    objects.secrets = vec![secret("shop", "db")];
    let (_, grouped) = run(&objects);
    assert_eq!(grouped.findings[0].id, "image-pull/missing-pull-secret");
    assert!(grouped.findings[0].evidence[0].contains("ServiceAccount builder names Secret \"ghcr\""));
}

#[test]
fn a_missing_pull_secret_on_a_healthy_pod_is_not_a_finding() {
    let mut objects = pod_with_pull_secret();
    objects.events.clear();
    objects.secrets = vec![secret("shop", "db")];
    let (_, grouped) = run(&objects);
    assert!(grouped.findings.is_empty(), "{:?}", summary(&grouped));
}

#[test]
fn platform_mismatch_names_the_nodes_platform() {
    let message = r#"Failed to pull image "r.io/tool:2": rpc error: code = NotFound desc = failed to pull and unpack image "r.io/tool:2": no match for platform in manifest: not found"#;
    let mut objects = Objects {
        events: vec![pull_event("tool-1", Some("tool"), "Failed", message, 2, "2026-01-01T10:00:00Z")],
        pods: vec![pod("tool-1", &[("tool", "r.io/tool:2")])],
        ..Objects::default()
    };
    let (_, without_nodes) = run(&objects);
    assert_eq!(without_nodes.findings[0].id, "image-pull/platform-mismatch");
    assert!(without_nodes.findings[0].evidence.iter().all(|l| !l.contains("ran on")));
    objects.nodes = vec![node("node-b", "arm64", &[("Ready", "True", "")]), node("node-c", "amd64", &[])];
    let (_, grouped) = run(&objects);
    assert_eq!(
        grouped.findings[0].evidence[0],
        "the pods ran on node-b (linux/arm64): the image has no variant for that platform"
    );
}

#[test]
fn pull_failures_on_a_node_under_disk_pressure_say_so() {
    let mut objects = Objects {
        events: vec![pull_event("web-1", Some("web"), "BackOff", BACKOFF, 5, "2026-01-01T10:00:00Z")],
        pods: vec![pod("web-1", &[("web", "r.io/shop/web:9")])],
        nodes: vec![node("node-b", "amd64", &[("DiskPressure", "False", ""), ("Ready", "True", "")])],
        ..Objects::default()
    };
    let (_, healthy) = run(&objects);
    assert!(healthy.findings[0].evidence.iter().all(|l| !l.contains("DiskPressure")));
    objects.nodes = vec![node(
        "node-b",
        "amd64",
        &[("DiskPressure", "True", "kubelet has disk pressure"), ("Ready", "False", "PLEG is not healthy")],
    )];
    let (_, grouped) = run(&objects);
    let evidence = &grouped.findings[0].evidence;
    assert!(
        evidence[0].starts_with("node node-b reports DiskPressure=True: kubelet has disk pressure"),
        "{evidence:?}"
    );
    assert_eq!(evidence[1], "node node-b was not Ready (Ready=False: PLEG is not healthy)");
}

const CRASH_BACKOFF: &str = "Back-off restarting failed container app in pod app-1_shop(uid-app-1)";

fn crash_looping(last_reason: &str, last_exit: i64) -> Pod {
    let mut p = pod("app-1", &[("app", "r.io/app:1")]);
    p.statuses.push(ContainerStatus {
        name: "app".into(),
        image: "r.io/app:1".into(),
        restart_count: 12,
        waiting_reason: "CrashLoopBackOff".into(),
        waiting_message: "back-off 5m0s restarting failed container=app pod=app-1_shop(uid-app-1)".into(),
        last_terminated_reason: last_reason.into(),
        last_terminated_exit_code: Some(last_exit),
        ..ContainerStatus::default()
    });
    p
}

#[test]
fn an_oom_killed_crash_loop_is_one_finding_under_the_oom_kill() {
    let objects = Objects {
        events: vec![pull_event("app-1", Some("app"), "BackOff", CRASH_BACKOFF, 90, "2026-01-01T11:00:00Z")],
        pods: vec![crash_looping("OOMKilled", 137)],
        ..Objects::default()
    };
    let (_, grouped) = run(&objects);
    assert_eq!(summary(&grouped), [("container/oom-killed".to_string(), vec!["app-1/app".to_string()], 90)]);
    let f = &grouped.findings[0];
    assert_eq!(f.evidence, ["also recorded on these containers: container/crashloop (90 events)"]);
    assert_eq!(f.pods[0].state, "waiting: CrashLoopBackOff, 12 restarts, last OOMKilled (exit 137)");
    assert!(grouped.unclassified.is_empty(), "{:?}", grouped.unclassified);
    // The same loop with an ordinary exit is the crash loop itself.
    let objects = Objects { pods: vec![crash_looping("Error", 1)], ..objects };
    let (_, grouped) = run(&objects);
    assert_eq!(summary(&grouped), [("container/crashloop".to_string(), vec!["app-1/app".to_string()], 90)]);
}

#[test]
fn back_off_is_a_crash_loop_or_an_image_pull_by_its_words() {
    let mut crash = pull_event("app-1", Some("app"), "BackOff", CRASH_BACKOFF, 5, "2026-01-01T11:00:00Z");
    crash.key = Id::of("crash");
    let mut pull = pull_event("web-1", Some("web"), "BackOff", BACKOFF, 7, "2026-01-01T11:00:00Z");
    pull.event_type = "Normal".into();
    let (_, grouped) = run(&Objects { events: vec![crash, pull], ..Objects::default() });
    let mut got = summary(&grouped);
    got.sort();
    assert_eq!(
        got,
        [
            ("container/crashloop".to_string(), vec!["app-1/app".to_string()], 5),
            ("image-pull/backoff".to_string(), vec!["web-1/web".to_string()], 7),
        ]
    );
}

#[test]
fn a_pending_pod_without_events_speaks_through_its_condition() {
    let mut p = pod("train-0", &[("train", "r.io/train:1")]);
    p.node.clear();
    p.phase = "Pending".into();
    p.conditions.push(crate::model::Condition {
        kind: "PodScheduled".into(),
        status: "False".into(),
        reason: "Unschedulable".into(),
        message: "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.".into(),
    });
    let (_, grouped) = run(&Objects { pods: vec![p], ..Objects::default() });
    assert_eq!(
        summary(&grouped),
        [("scheduling/insufficient-resources".to_string(), vec!["train-0/".to_string()], 0)]
    );
}

#[test]
fn an_evicted_pod_is_an_eviction_and_kubelet_rejections_are_resources() {
    let mut evicted = pod("web-9", &[("web", "r.io/web:1")]);
    evicted.phase = "Failed".into();
    evicted.reason = "Evicted".into();
    evicted.message = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi. Container web was using 1Gi, request is 256Mi, has larger consumption of memory.".into();
    let mut rejected = pod("job-2", &[("run", "r.io/run:1")]);
    rejected.phase = "Failed".into();
    rejected.reason = "OutOfcpu".into();
    rejected.message =
        "Pod Node didn't have enough resource: cpu, requested: 500, used: 1775, capacity: 2000".into();
    let (_, grouped) = run(&Objects { pods: vec![evicted, rejected], ..Objects::default() });
    let mut got = summary(&grouped);
    got.sort();
    assert_eq!(
        got,
        [
            ("node/eviction".to_string(), vec!["web-9/".to_string()], 0),
            ("scheduling/insufficient-resources".to_string(), vec!["job-2/".to_string()], 0),
        ]
    );
}
