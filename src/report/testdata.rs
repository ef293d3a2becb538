//! A hand-built [`Report`] shared by the renderer tests: several findings,
//! pods in two workloads plus a bare pod, long images and messages, hostile
//! bundle text (escape sequences, pipes, backticks, leading `#`), and a
//! warning.

use super::*;

fn pod(
    ns: &str,
    owner: Option<(&str, &str)>,
    name: &str,
    container: &str,
    image: &str,
    node: &str,
) -> AffectedPod {
    AffectedPod {
        namespace: ns.into(),
        owner: owner.map(|(kind, name)| OwnerRef { kind: kind.into(), name: name.into() }),
        name: name.into(),
        container: container.into(),
        image: image.into(),
        node: node.into(),
        state: "waiting: ImagePullBackOff".into(),
    }
}

pub(crate) const RATE_LIMIT_FIX: &str = "\
## Fix

Docker Hub limits anonymous pulls per source IP.

1. Authenticate pulls: create a pull secret and reference it from the pod's service account:

   ```sh
   kubectl create secret docker-registry regcred --docker-server=https://index.docker.io/v1/ --docker-username=USER --docker-password=TOKEN
   ```

2. Mirror the images into your own registry and point the workloads at the mirror.
3. Wait for the limit window to reset (6 hours) if neither is possible right now.

### Why

The limit is counted per source IP, so every node behind one NAT gateway shares it.
A second paragraph that the terminal preview never reaches.
";

pub(crate) fn report() -> Report {
    Report {
        schema_version: SCHEMA_VERSION,
        findings: vec![
            Finding {
                id: "image-pull/rate-limit".into(),
                title: "Registry rate limit reached".into(),
                severity: Severity::Critical,
                pods: vec![
                    pod(
                        "default",
                        Some(("Deployment", "web")),
                        "web-7d9f8b6c5d-x2k4p",
                        "app",
                        "docker.io/library/nginx:1.25.1",
                        "ip-10-0-1-23.eu-west-1.compute.internal",
                    ),
                    pod(
                        "default",
                        Some(("Deployment", "web")),
                        "web-7d9f8b6c5d-zz9q1",
                        "app",
                        "docker.io/library/nginx:1.25.1",
                        "ip-10-0-2-41.eu-west-1.compute.internal",
                    ),
                    pod(
                        "payments",
                        Some(("StatefulSet", "ledger-db-with-a-rather-long-name")),
                        "ledger-db-with-a-rather-long-name-0",
                        "postgres-with-an-unusually-long-container-name",
                        "registry.internal.example.com:5000/platform/databases/postgresql-ha-with-extensions:15.3.0-debian-11-r7@sha256:4f1d2c9b8e7a6d5c4b3a29180f7e6d5c4b3a2918",
                        "ip-10-0-3-17.eu-west-1.compute.internal",
                    ),
                ],
                objects: vec![],
                events: 412,
                first_seen: Some("2023-07-11T05:34:12Z".into()),
                last_seen: Some("2023-07-11T06:10:55Z".into()),
                sample: "Failed to pull image \"docker.io/library/nginx:1.25.1\": rpc error: code = Unknown desc = \
                         failed to pull and unpack image \"docker.io/library/nginx:1.25.1\": failed to copy: httpReadSeeker: \
                         failed open: unexpected status code https://registry-1.docker.io/v2/library/nginx/manifests/sha256:abc: \
                         429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit."
                    .into(),
                evidence: vec![
                    "no imagePullSecrets on 2 of 2 service accounts used by these pods, so every pull is anonymous".into(),
                ],
                fix: RATE_LIMIT_FIX.into(),
                runbook_source: "built-in".into(),
            },
            Finding {
                id: "image-pull/missing-pull-secret".into(),
                title: "Referenced imagePullSecret does not exist".into(),
                severity: Severity::High,
                pods: vec![pod(
                    "batch",
                    None,
                    "debug-shell",
                    "shell",
                    "ghcr.io/acme/toolbox:latest",
                    "node-a",
                )],
                objects: vec![],
                events: 7,
                first_seen: Some("2023-07-11T06:00:00Z".into()),
                last_seen: Some("2023-07-11T06:00:30Z".into()),
                sample: "# Secret `regcred` | not found \x1b[2J <script>alert(1)</script>".into(),
                evidence: vec!["secret batch/regcred does not exist".into(), "# heading-looking evidence | with pipe".into()],
                fix: "Create the secret:\n\n```\nkubectl -n batch create secret docker-registry regcred ...\n```\n".into(),
                runbook_source: "/etc/bundle-scan/runbooks/missing-pull-secret.md".into(),
            },
            Finding {
                id: "node/not-ready".into(),
                title: "Node not ready".into(),
                severity: Severity::Medium,
                pods: vec![],
                objects: vec!["Node//node-b".into()],
                events: 3,
                first_seen: None,
                last_seen: Some("2023-07-11T07:00:00+02:00".into()),
                sample: "Node node-b status is now: NodeNotReady".into(),
                evidence: vec![],
                fix: "# Node not ready\n\nCheck the kubelet on the node.\n".into(),
                runbook_source: "built-in".into(),
            },
        ],
        unclassified: vec![
            Unclassified {
                template: "Readiness probe failed: HTTP probe failed with statuscode: <n> \x1b[31m| body: <text> and a lot more text that goes on and on past any reasonable terminal width".into(),
                count: 1234,
                reasons: vec!["Unhealthy".into()],
                objects: 12,
                example: "Readiness probe failed: HTTP probe failed with statuscode: 503 \x1b[31m| body: oops".into(),
            },
            Unclassified {
                template: "Back-off restarting failed container <name> in pod <name>".into(),
                count: 15,
                reasons: vec!["BackOff".into(), "FailedSync".into(), "SomethingElseWithAVeryLongReasonName".into()],
                objects: 3,
                example: "Back-off restarting failed container app in pod web-1".into(),
            },
        ],
        summary: Summary {
            input: "support-bundle-2023-07-11T06-30-00.tar.gz".into(),
            entries: 120,
            entries_with_objects: 38,
            entries_skipped: 80,
            entries_failed: 2,
            entries_ignored: 0,
            events: 3400,
            warning_events: 1700,
            pods: 40,
            nodes: 3,
            pods_affected: 4,
            runbooks: 34,
        },
        warnings: vec![Warning {
            entry: "cluster-resources/pods/kube-system.json".into(),
            message: "could not parse: EOF while parsing a list at line 1 column 40960 \x1b]0;pwned\x07".into(),
        }],
    }
}

/// A report of a healthy bundle: nothing found, nothing unclassified.
pub(crate) fn empty_report() -> Report {
    Report {
        schema_version: SCHEMA_VERSION,
        summary: Summary {
            input: "healthy.tar.gz".into(),
            entries: 10,
            entries_with_objects: 4,
            pods: 12,
            events: 57,
            ..Summary::default()
        },
        ..Report::default()
    }
}
