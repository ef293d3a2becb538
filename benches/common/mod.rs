//! Deterministic generator of a troubleshoot-layout support bundle.
//!
//! The bundle looks like what `kubectl support-bundle` writes: per namespace
//! an `EventList` (`cluster-resources/events/<ns>.json`), a `PodList`
//! (`cluster-resources/pods/<ns>.json`), the Deployments and ReplicaSets the
//! pods belong to, and the container logs
//! (`cluster-resources/pods/logs/<ns>/<pod>/<container>.log`), which make up
//! about 40% of the bytes (none in [`generate_shaped`] without logs). Most pods are healthy (Normal
//! Scheduled/Pulling/Pulled/Created/Started events, plus the rollout noise of
//! earlier ReplicaSets); some fail with the wording real kubelets and
//! registries use: missing tags, Docker Hub rate limits, DNS failures,
//! untrusted certificates, crash loops, unschedulable pods, failing readiness
//! probes, exec errors.
//!
//! The same bundle can be laid out as an OpenShift must-gather instead
//! ([`Layout::MustGather`]): the same objects as go-yaml-written YAML lists
//! (`namespaces/<ns>/core/events.yaml`, `…/core/pods.yaml`,
//! `…/apps/deployments.yaml`), the same logs under
//! `namespaces/<ns>/pods/<pod>/<container>/<container>/logs/current.log`.
//!
//! Everything comes from one hand-written xorshift PRNG with a fixed seed,
//! so the same size knob always gives byte-identical bundles.

pub mod goyaml;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// The directory every bundle member lives under, as in a real bundle.
pub const ROOT: &str = "support-bundle-2024-05-14T10_21_33";

/// The same, for a must-gather.
pub const MUST_GATHER_ROOT: &str =
    "must-gather.local.5081462923/quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-3c3b7f5e";

/// How the bundle's files are named and written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `kubectl support-bundle`: JSON lists under `cluster-resources/`.
    Troubleshoot,
    /// `oc adm must-gather`: go-yaml lists under `namespaces/<ns>/`.
    MustGather,
}

impl Layout {
    pub fn root(self) -> &'static str {
        match self {
            Layout::Troubleshoot => ROOT,
            Layout::MustGather => MUST_GATHER_ROOT,
        }
    }

    /// A file of the troubleshoot layout (`path`, holding `value` written
    /// as `json`) as this layout names and writes it.
    fn file(self, path: String, value: Option<&Value>, json: Vec<u8>) -> (String, Vec<u8>) {
        if self == Layout::Troubleshoot {
            return (path, json);
        }
        let data = value.map_or(json, goyaml::to_yaml);
        let parts: Vec<&str> = path.split('/').collect();
        let path = match parts.as_slice() {
            ["version.yaml"] => "version".to_string(),
            ["cluster-resources", "nodes.json"] => "cluster-scoped-resources/core/nodes.yaml".to_string(),
            ["cluster-resources", "pods", "logs", ns, pod, file] => {
                let (container, which) = match file.strip_suffix("-previous.log") {
                    Some(container) => (container, "previous"),
                    None => (file.strip_suffix(".log").unwrap_or(file), "current"),
                };
                format!("namespaces/{ns}/pods/{pod}/{container}/{container}/logs/{which}.log")
            }
            ["cluster-resources", kind, file] => {
                let ns = file.strip_suffix(".json").unwrap_or(file);
                let group = if matches!(*kind, "events" | "pods") { "core" } else { "apps" };
                format!("namespaces/{ns}/{group}/{kind}.yaml")
            }
            _ => path,
        };
        (path, data)
    }
}

/// Finding ids the generated failures must produce.
pub const EXPECTED_FINDINGS: &[&str] =
    &["image-pull/dns", "image-pull/manifest-unknown", "image-pull/rate-limit", "image-pull/tls"];

/// A generated bundle, held in memory.
pub struct Bundle {
    pub layout: Layout,
    /// Bundle-relative paths (under the layout's root) and contents, in write order.
    pub files: Vec<(String, Vec<u8>)>,
    pub namespaces: usize,
    pub events: usize,
    pub warning_events: usize,
    pub pods: usize,
    pub log_bytes: usize,
}

impl Bundle {
    /// Sum of all file sizes: the uncompressed input the scanner reads.
    pub fn uncompressed_len(&self) -> u64 {
        self.files.iter().map(|(_, data)| data.len() as u64).sum()
    }

    /// Writes the bundle as an extracted directory; the bundle root is
    /// `<returned dir>/<layout root>`.
    #[allow(dead_code)] // not every user of this module writes directories
    pub fn write_dir(&self) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("create temp dir");
        self.write_dir_at(dir.path());
        dir
    }

    /// Writes the bundle as an extracted directory under `dir`.
    pub fn write_dir_at(&self, dir: &Path) {
        for (path, data) in &self.files {
            let full = dir.join(self.layout.root()).join(path);
            fs::create_dir_all(full.parent().expect("member has a parent")).expect("create dir");
            fs::write(&full, data).expect("write bundle member");
        }
    }

    /// Writes the bundle as `<dir>/bundle.tar.gz` (flate2 default compression).
    pub fn write_tar_gz(&self, dir: &Path) -> PathBuf {
        self.write_tar_gz_as(&dir.join("bundle.tar.gz"))
    }

    /// Writes the bundle as the `.tar.gz` file `path`.
    pub fn write_tar_gz_as(&self, path: &Path) -> PathBuf {
        let path = path.to_path_buf();
        let root = self.layout.root();
        let file = fs::File::create(&path).expect("create tar.gz");
        let gz = flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        for (name, data) in &self.files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(1_715_682_093);
            header.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut header, format!("{root}/{name}"), data.as_slice()).expect("append member");
        }
        let gz = tar.into_inner().expect("finish tar");
        gz.finish().expect("finish gzip").flush().expect("flush tar.gz");
        path
    }
}

/// xorshift64* — small, fast, and good enough to vary test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `permille / 1000`.
    pub fn chance(&mut self, permille: usize) -> bool {
        self.below(1000) < permille
    }

    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }

    /// `n` characters from the alphabet Kubernetes uses for generated names.
    pub fn safe(&mut self, n: usize) -> String {
        const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..n).map(|_| SAFE[self.below(SAFE.len())] as char).collect()
    }

    pub fn hex(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from_digit(self.below(16) as u32, 16).expect("digit")).collect()
    }

    pub fn uid(&mut self) -> String {
        format!("{}-{}-4{}-{}-{}", self.hex(8), self.hex(4), self.hex(3), self.hex(4), self.hex(12))
    }
}

/// Seconds after 2024-05-14T00:00:00Z, formatted as RFC 3339 (same day).
fn ts(seconds: usize) -> String {
    let s = seconds % 86_400;
    format!("2024-05-14T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

const NODES: usize = 12;

const TEAMS: &[&str] = &[
    "payments",
    "checkout",
    "catalog",
    "search",
    "identity",
    "billing",
    "shipping",
    "inventory",
    "reviews",
    "notifications",
    "analytics",
    "gateway",
    "media",
    "recommendations",
    "ledger",
    "fraud",
];

const APPS: &[&str] = &[
    "api",
    "web",
    "worker",
    "scheduler",
    "consumer",
    "frontend",
    "backend",
    "cache-warmer",
    "indexer",
    "exporter",
    "auth-proxy",
    "sync",
    "reporter",
    "admin",
];

const SIDECARS: &[(&str, &str)] = &[
    ("envoy", "docker.io/envoyproxy/envoy:v1.29.4"),
    ("fluent-bit", "cr.fluentbit.io/fluent/fluent-bit:3.0.3"),
    ("istio-proxy", "docker.io/istio/proxyv2:1.21.2"),
    (
        "otel-collector",
        "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector:0.100.0",
    ),
];

/// Why a pod is unhealthy, if it is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    ManifestUnknown,
    RateLimit,
    Dns,
    Tls,
    CrashLoop,
    Unschedulable,
    Readiness,
    ExecNotFound,
}

/// Failure modes, cycled through in the first namespace so every one occurs
/// whatever the size, then drawn at random.
const FAULTS: &[Fault] = &[
    Fault::ManifestUnknown,
    Fault::RateLimit,
    Fault::Dns,
    Fault::Tls,
    Fault::CrashLoop,
    Fault::Unschedulable,
    Fault::Readiness,
    Fault::ExecNotFound,
];

struct Container {
    name: String,
    image: String,
}

struct Gen {
    rng: Rng,
    events: Vec<Value>,
    warnings: usize,
}

/// Generates a troubleshoot bundle of roughly `target_bytes` uncompressed bytes.
#[allow(dead_code)] // not every user of this module needs the default layout
pub fn generate(target_bytes: u64, seed: u64) -> Bundle {
    generate_as(target_bytes, seed, Layout::Troubleshoot)
}

/// Generates a bundle of roughly `target_bytes` uncompressed bytes (counted
/// in the troubleshoot layout: the logs and objects are the same in both).
pub fn generate_as(target_bytes: u64, seed: u64, layout: Layout) -> Bundle {
    generate_shaped(target_bytes, seed, layout, true)
}

/// [`generate_as`], with or without container logs. Without them the
/// bundle is all objects, events about 60% of its bytes: the shape of the
/// 1.08 GB bundle (400k events, no logs to speak of) issue 4 measured its
/// targets on.
pub fn generate_shaped(target_bytes: u64, seed: u64, layout: Layout, with_logs: bool) -> Bundle {
    let mut bundle = Bundle {
        layout,
        files: Vec::new(),
        namespaces: 0,
        events: 0,
        warning_events: 0,
        pods: 0,
        log_bytes: 0,
    };
    let mut json_len = 0u64;
    let mut g = Gen { rng: Rng::new(seed), events: Vec::new(), warnings: 0 };
    let version =
        b"apiVersion: troubleshoot.sh/v1beta2\nkind: SupportBundleVersion\nspec:\n  versionNumber: 0.92.1\n";
    bundle.files.push(layout.file("version.yaml".into(), None, version.to_vec()));
    let nodes = nodes(&mut g.rng);
    bundle.files.push(layout.file("cluster-resources/nodes.json".into(), Some(&nodes), pretty(&nodes)));
    let mut forced = FAULTS.iter().copied();
    while json_len < target_bytes {
        let ns = match bundle.namespaces {
            n if n < TEAMS.len() => TEAMS[n].to_string(),
            n => format!("{}-{}", TEAMS[n % TEAMS.len()], n / TEAMS.len() + 1),
        };
        bundle.namespaces += 1;
        json_len += namespace(&mut g, &mut bundle, &ns, &mut forced, with_logs);
    }
    bundle
}

fn pretty(value: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("serialise");
    out.push(b'\n');
    out
}

fn list(kind: &str, api_version: &str, items: Vec<Value>) -> Value {
    json!({"kind": kind, "apiVersion": api_version, "metadata": {"resourceVersion": "48213377"}, "items": items})
}

fn nodes(rng: &mut Rng) -> Value {
    let items = (0..NODES)
        .map(|i| {
            json!({
                "metadata": {"name": format!("node-{i}"), "uid": rng.uid(),
                    "labels": {"kubernetes.io/hostname": format!("node-{i}"), "kubernetes.io/os": "linux",
                        "node.kubernetes.io/instance-type": "m5.xlarge"}},
                "spec": {"podCIDR": format!("10.244.{i}.0/24"), "providerID": format!("aws:///us-east-1a/i-0{}", rng.hex(16))},
                "status": {
                    "capacity": {"cpu": "4", "memory": "15896988Ki", "pods": "58"},
                    "allocatable": {"cpu": "3920m", "memory": "14879132Ki", "pods": "58"},
                    "conditions": [
                        {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory",
                            "message": "kubelet has sufficient memory available"},
                        {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure",
                            "message": "kubelet has no disk pressure"},
                        {"type": "Ready", "status": "True", "reason": "KubeletReady",
                            "message": "kubelet is posting ready status"}
                    ],
                    "nodeInfo": {"kubeletVersion": "v1.29.3", "containerRuntimeVersion": "containerd://1.7.11",
                        "osImage": "Amazon Linux 2", "architecture": "amd64", "operatingSystem": "linux"}
                }
            })
        })
        .collect();
    list("NodeList", "v1", items)
}

/// The object an event is about.
struct Subject<'a> {
    ns: &'a str,
    kind: &'a str,
    name: &'a str,
    uid: &'a str,
    /// Fills `involvedObject.fieldPath` for events about one container.
    container: Option<&'a str>,
}

impl<'a> Subject<'a> {
    fn container(&self, name: &'a str) -> Subject<'a> {
        Subject { container: Some(name), ..*self }
    }
}

impl Gen {
    fn normal(&mut self, s: &Subject, reason: &str, message: String, count: usize, start: usize) {
        self.event(s, "Normal", reason, message, count, start);
    }

    fn warning(&mut self, s: &Subject, reason: &str, message: String, count: usize, start: usize) {
        self.warnings += 1;
        self.event(s, "Warning", reason, message, count, start);
    }

    /// Adds one core/v1 event as the API server returns it.
    fn event(&mut self, s: &Subject, kind: &str, reason: &str, message: String, count: usize, start: usize) {
        let rng = &mut self.rng;
        let last = start + if count > 1 { rng.range(count * 10, count * 60) } else { 0 };
        let (component, host) = match s.kind {
            "Pod" if reason == "Scheduled" || reason == "FailedScheduling" => {
                ("default-scheduler", String::new())
            }
            "Pod" => ("kubelet", format!("node-{}", rng.below(NODES))),
            "ReplicaSet" => ("replicaset-controller", String::new()),
            _ => ("deployment-controller", String::new()),
        };
        let api_version = if s.kind == "Pod" { "v1" } else { "apps/v1" };
        let mut involved = json!({"kind": s.kind, "namespace": s.ns, "name": s.name, "uid": s.uid,
            "apiVersion": api_version, "resourceVersion": rng.range(1_000_000, 49_000_000).to_string()});
        if let Some(c) = s.container {
            involved["fieldPath"] = json!(format!("spec.containers{{{c}}}"));
        }
        let source = match host.as_str() {
            "" => json!({"component": component}),
            host => json!({"component": component, "host": host}),
        };
        self.events.push(json!({
            "metadata": {"name": format!("{}.{}", s.name, rng.hex(16)), "namespace": s.ns, "uid": rng.uid(),
                "resourceVersion": rng.range(1_000_000, 49_000_000).to_string(), "creationTimestamp": ts(start),
                "managedFields": [{"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": component,
                    "operation": "Update", "time": ts(last),
                    "fieldsV1": {"f:count": {}, "f:firstTimestamp": {}, "f:involvedObject": {}, "f:lastTimestamp": {},
                        "f:message": {}, "f:reason": {}, "f:reportingComponent": {}, "f:reportingInstance": {},
                        "f:source": {"f:component": {}, "f:host": {}}, "f:type": {}}}]},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": ts(start),
            "lastTimestamp": ts(last),
            "count": count,
            "type": kind,
            "eventTime": null,
            "reportingComponent": component,
            "reportingInstance": host
        }));
    }
}

fn pull_error(fault: Fault, image: &str, rng: &mut Rng) -> String {
    let (host, repo) = image.split_once('/').unwrap_or(("docker.io", image));
    let (repo, tag) = repo.rsplit_once(':').unwrap_or((repo, "latest"));
    let prefix = format!(
        "Failed to pull image \"{image}\": rpc error: code = Unknown desc = failed to pull and unpack image \
         \"{image}\""
    );
    let head = format!(
        "{prefix}: failed to resolve reference \"{image}\": failed to do request: Head \
         \"https://{host}/v2/{repo}/manifests/{tag}\""
    );
    match fault {
        Fault::ManifestUnknown => {
            format!("{prefix}: failed to resolve reference \"{image}\": {image}: not found")
        }
        Fault::RateLimit => format!(
            "{prefix}: failed to copy: httpReadSeeker: failed open: unexpected status code \
             https://registry-1.docker.io/v2/{repo}/manifests/sha256:{}: 429 Too Many Requests - Server message: \
             toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating \
             and upgrading: https://www.docker.com/increase-rate-limit",
            rng.hex(64)
        ),
        Fault::Dns => format!("{head}: dial tcp: lookup {host} on 10.96.0.10:53: no such host"),
        _ => format!("{head}: tls: failed to verify certificate: x509: certificate signed by unknown authority"),
    }
}

fn unschedulable() -> String {
    format!(
        "0/{NODES} nodes are available: {NODES} Insufficient memory. preemption: 0/{NODES} nodes are \
         available: {NODES} No preemption victims found for incoming pod."
    )
}

fn is_pull_fault(fault: Fault) -> bool {
    matches!(fault, Fault::ManifestUnknown | Fault::RateLimit | Fault::Dns | Fault::Tls)
}

/// Adds a namespace's files; returns their size in the troubleshoot layout.
fn namespace(
    g: &mut Gen,
    bundle: &mut Bundle,
    ns: &str,
    forced: &mut impl Iterator<Item = Fault>,
    with_logs: bool,
) -> u64 {
    let mut pods = Vec::new();
    let mut deployments = Vec::new();
    let mut replicasets = Vec::new();
    // (pod, container, previous instance, log style)
    let mut logs: Vec<(String, String, bool, usize)> = Vec::new();
    let apps = g.rng.range(3, 7);
    let mut clock = g.rng.range(0, 3600);
    for a in 0..apps {
        let app = format!("{}-{}", APPS[(a + ns.len()) % APPS.len()], ns.split('-').next().unwrap_or(ns));
        let dep_uid = g.rng.uid();
        let rs = format!("{app}-{}", g.rng.safe(10));
        let old_rs = format!("{app}-{}", g.rng.safe(9));
        let rs_uid = g.rng.uid();
        let old_rs_uid = g.rng.uid();
        let replicas = g.rng.range(2, 9);
        let registry = match g.rng.below(4) {
            0 => "docker.io/library".to_string(),
            1 => format!("ghcr.io/example-corp/{ns}"),
            2 => format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/{ns}"),
            _ => format!("registry.example.com/{ns}"),
        };
        let version = format!("v{}.{}.{}", g.rng.range(1, 4), g.rng.below(30), g.rng.below(10));
        let mut containers =
            vec![Container { name: "app".into(), image: format!("{registry}/{app}:{version}") }];
        if g.rng.chance(550) {
            let (name, image) = SIDECARS[g.rng.below(SIDECARS.len())];
            containers.push(Container { name: name.into(), image: image.into() });
        }
        let style = g.rng.below(3); // 0 plain text, 1 JSON lines, 2 access log
        deployments.push(json!({
            "metadata": {"name": app, "namespace": ns, "uid": dep_uid, "generation": 7,
                "labels": {"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": ns}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app}},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}},
            "status": {"replicas": replicas, "readyReplicas": replicas, "observedGeneration": 7}
        }));
        for (name, uid, current) in [(&rs, &rs_uid, true), (&old_rs, &old_rs_uid, false)] {
            let n = if current { replicas } else { 0 };
            replicasets.push(json!({
                "metadata": {"name": name, "namespace": ns, "uid": uid,
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": app, "uid": dep_uid,
                        "controller": true, "blockOwnerDeletion": true}]},
                "spec": {"replicas": n},
                "status": {"replicas": n}
            }));
        }
        // Rollout noise: the previous ReplicaSet's pods, stopped and deleted.
        let deployment = Subject { ns, kind: "Deployment", name: &app, uid: &dep_uid, container: None };
        g.normal(
            &deployment,
            "ScalingReplicaSet",
            format!("Scaled up replica set {rs} to {replicas}"),
            1,
            clock,
        );
        let down = format!("Scaled down replica set {old_rs} to 0 from {replicas}");
        g.normal(&deployment, "ScalingReplicaSet", down, 1, clock + 40);
        let old_set = Subject { ns, kind: "ReplicaSet", name: &old_rs, uid: &old_rs_uid, container: None };
        for _ in 0..replicas {
            let old_pod = format!("{old_rs}-{}", g.rng.safe(5));
            let old_uid = g.rng.uid();
            let subject = Subject { ns, kind: "Pod", name: &old_pod, uid: &old_uid, container: None };
            for c in &containers {
                let message = format!("Stopping container {}", c.name);
                g.normal(&subject.container(&c.name), "Killing", message, 1, clock + 45);
            }
            g.normal(&old_set, "SuccessfulDelete", format!("Deleted pod: {old_pod}"), 1, clock + 44);
        }
        let set = Subject { ns, kind: "ReplicaSet", name: &rs, uid: &rs_uid, container: None };
        for _ in 0..replicas {
            let fault = match forced.next() {
                Some(f) => f,
                None if g.rng.chance(300) => FAULTS[g.rng.below(FAULTS.len())],
                None => Fault::None,
            };
            let pod = format!("{rs}-{}", g.rng.safe(5));
            let pod_uid = g.rng.uid();
            let start = clock + g.rng.range(1, 30);
            g.normal(&set, "SuccessfulCreate", format!("Created pod: {pod}"), 1, start);
            let subject = Subject { ns, kind: "Pod", name: &pod, uid: &pod_uid, container: None };
            let owner = (rs.as_str(), rs_uid.as_str(), app.as_str());
            pods.push(pod_json(&mut g.rng, &subject, owner, &containers, fault, start));
            pod_events(g, &subject, &containers, fault, start);
            if fault == Fault::Unschedulable {
                continue;
            }
            for (i, c) in containers.iter().enumerate() {
                let failed = i == 0 && (is_pull_fault(fault) || fault == Fault::ExecNotFound);
                if failed {
                    continue;
                }
                let style = if i == 0 { style } else { 0 };
                logs.push((pod.clone(), c.name.clone(), false, style));
                if fault == Fault::CrashLoop && i == 0 {
                    logs.push((pod.clone(), c.name.clone(), true, style));
                }
            }
        }
        clock += g.rng.range(60, 2400);
    }

    bundle.pods += pods.len();
    let events = std::mem::take(&mut g.events);
    bundle.events += events.len();
    bundle.warning_events += std::mem::take(&mut g.warnings);
    let mut json_bytes = 0;
    for (dir, value) in [
        ("events", list("EventList", "v1", events)),
        ("pods", list("PodList", "v1", pods)),
        ("deployments", list("DeploymentList", "apps/v1", deployments)),
        ("replicasets", list("ReplicaSetList", "apps/v1", replicasets)),
    ] {
        let data = pretty(&value);
        json_bytes += data.len();
        bundle.files.push(bundle.layout.file(
            format!("cluster-resources/{dir}/{ns}.json"),
            Some(&value),
            data,
        ));
    }
    if !with_logs {
        return json_bytes as u64;
    }
    // Logs get 2/3 of the JSON's size, i.e. 40% of the namespace's bytes,
    // shared unevenly between containers.
    let budget = json_bytes * 2 / 3;
    let mut log_bytes = 0;
    let weights: Vec<usize> = logs.iter().map(|_| 1 + g.rng.below(5) * g.rng.below(5)).collect();
    let total: usize = weights.iter().sum::<usize>().max(1);
    for ((pod, container, previous, style), weight) in logs.iter().zip(&weights) {
        let data = log(&mut g.rng, budget * weight / total, *style, *previous);
        bundle.log_bytes += data.len();
        let suffix = if *previous { "-previous" } else { "" };
        let path = format!("cluster-resources/pods/logs/{ns}/{pod}/{container}{suffix}.log");
        log_bytes += data.len();
        bundle.files.push(bundle.layout.file(path, None, data));
    }
    (json_bytes + log_bytes) as u64
}

/// The events a pod's life (and its failure, if any) leaves behind.
fn pod_events(g: &mut Gen, pod: &Subject, containers: &[Container], fault: Fault, start: usize) {
    if fault == Fault::Unschedulable {
        let n = g.rng.range(3, 40);
        g.warning(pod, "FailedScheduling", unschedulable(), n, start);
        return;
    }
    let node = g.rng.below(NODES);
    let assigned = format!("Successfully assigned {}/{} to node-{node}", pod.ns, pod.name);
    g.normal(pod, "Scheduled", assigned, 1, start);
    for (i, c) in containers.iter().enumerate() {
        let (name, image) = (c.name.as_str(), c.image.as_str());
        let s = pod.container(name);
        let t = start + 1 + i;
        let failing = i == 0;
        if failing && is_pull_fault(fault) {
            let n = g.rng.range(2, 30);
            let m = g.rng.range(n, 4 * n);
            let cause = pull_error(fault, image, &mut g.rng);
            g.normal(&s, "Pulling", format!("Pulling image \"{image}\""), n, t);
            g.warning(&s, "Failed", cause, n, t + 2);
            g.warning(&s, "Failed", "Error: ErrImagePull".into(), n, t + 2);
            g.normal(&s, "BackOff", format!("Back-off pulling image \"{image}\""), m, t + 3);
            g.warning(&s, "Failed", "Error: ImagePullBackOff".into(), m, t + 3);
            continue;
        }
        let restarts = if failing && fault == Fault::CrashLoop { g.rng.range(5, 80) } else { 1 };
        if g.rng.chance(300) {
            let message = format!("Container image \"{image}\" already present on machine");
            g.normal(&s, "Pulled", message, restarts, t);
        } else {
            g.normal(&s, "Pulling", format!("Pulling image \"{image}\""), 1, t);
            let ms = g.rng.range(300, 25_000);
            let size = g.rng.range(5_000_000, 400_000_000);
            let message = format!(
                "Successfully pulled image \"{image}\" in {}.{:03}s ({}.{:03}s including waiting). Image size: \
                 {size} bytes.",
                ms / 1000,
                ms % 1000,
                ms / 1000,
                ms % 1000 + 7,
            );
            g.normal(&s, "Pulled", message, 1, t + 2);
        }
        g.normal(&s, "Created", format!("Created container {name}"), restarts, t + 3);
        let back_off = format!(
            "Back-off restarting failed container {name} in pod {}_{}({})",
            pod.name, pod.ns, pod.uid
        );
        if failing && fault == Fault::ExecNotFound {
            let message = "Error: failed to create containerd task: failed to create shim task: OCI runtime create \
                           failed: runc create failed: unable to start container process: exec: \"/app/server\": \
                           stat /app/server: no such file or directory: unknown";
            g.warning(&s, "Failed", message.into(), restarts + 4, t + 4);
            g.warning(&s, "BackOff", back_off, restarts + 9, t + 5);
            continue;
        }
        g.normal(&s, "Started", format!("Started container {name}"), restarts, t + 4);
        if failing && fault == Fault::CrashLoop {
            g.warning(&s, "BackOff", back_off, restarts * 4, t + 30);
        }
        if failing && fault == Fault::Readiness {
            let message = "Readiness probe failed: HTTP probe failed with statuscode: 503";
            let n = g.rng.range(20, 900);
            g.warning(&s, "Unhealthy", message.into(), n, t + 15);
        }
    }
}

/// A pod as `kubectl get pods -o json` shows it. `owner` is (ReplicaSet, its uid, app label).
fn pod_json(
    rng: &mut Rng,
    pod: &Subject,
    owner: (&str, &str, &str),
    containers: &[Container],
    fault: Fault,
    start: usize,
) -> Value {
    let (ns, uid, pod) = (pod.ns, pod.uid, pod.name);
    let (rs, rs_uid, app) = owner;
    let node = format!("node-{}", rng.below(NODES));
    let scheduled = fault != Fault::Unschedulable;
    let specs: Vec<Value> = containers
        .iter()
        .map(|c| {
            json!({
                "name": c.name, "image": c.image, "imagePullPolicy": "IfNotPresent",
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "env": [{"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
                        {"name": "LOG_LEVEL", "value": "info"},
                        {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": format!("{app}-db"), "key": "url"}}}],
                "resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "250m", "memory": "512Mi"}},
                "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 10,
                    "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
                "volumeMounts": [{"name": "kube-api-access", "readOnly": true, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"
            })
        })
        .collect();
    let statuses: Vec<Value> = containers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let failing = i == 0;
            let id = format!("containerd://{}", rng.hex(64));
            let repo = c.image.rsplit_once(':').map_or(c.image.as_str(), |(r, _)| r);
            let image_id = format!("{repo}@sha256:{}", rng.hex(64));
            let running = json!({"running": {"startedAt": ts(start + 5)}});
            let crash_loop = json!({"waiting": {"reason": "CrashLoopBackOff",
                "message": format!("back-off 5m0s restarting failed container={} pod={pod}_{ns}({uid})", c.name)}});
            let (state, ready, restarts, last) = match fault {
                _ if !failing => (running, true, 0, json!({})),
                Fault::ManifestUnknown | Fault::RateLimit | Fault::Dns | Fault::Tls => {
                    let waiting = if rng.chance(500) {
                        let message = format!("Back-off pulling image \"{}\"", c.image);
                        json!({"reason": "ImagePullBackOff", "message": message})
                    } else {
                        json!({"reason": "ErrImagePull", "message": pull_error(fault, &c.image, rng)})
                    };
                    (json!({"waiting": waiting}), false, 0, json!({}))
                }
                Fault::CrashLoop => {
                    let last = json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": ts(start + 60),
                        "finishedAt": ts(start + 64), "containerID": id}});
                    (crash_loop, false, rng.range(5, 80), last)
                }
                Fault::ExecNotFound => {
                    let last = json!({"terminated": {"exitCode": 128, "reason": "StartError",
                        "message": "failed to create containerd task: failed to create shim task: OCI runtime \
                                    create failed: runc create failed: unable to start container process: exec: \
                                    \"/app/server\": stat /app/server: no such file or directory: unknown",
                        "startedAt": "1970-01-01T00:00:00Z", "finishedAt": ts(start + 64), "containerID": id}});
                    (crash_loop, false, rng.range(5, 80), last)
                }
                Fault::Readiness => (running, false, 0, json!({})),
                _ => (running, true, 0, json!({})),
            };
            json!({"name": c.name, "state": state, "lastState": last, "ready": ready, "restartCount": restarts,
                "image": c.image, "imageID": image_id, "containerID": id, "started": ready})
        })
        .collect();
    let ready = if statuses.iter().all(|s| s["ready"] == json!(true)) { "True" } else { "False" };
    let mut status = json!({
        "phase": if scheduled { "Running" } else { "Pending" },
        "conditions": [
            {"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": ts(start)},
        ],
        "qosClass": "Burstable",
        "startTime": ts(start),
    });
    if scheduled {
        let conditions = status["conditions"].as_array_mut().expect("array");
        for kind in ["Initialized", "Ready", "ContainersReady"] {
            let s = if kind == "Initialized" { "True" } else { ready };
            conditions.push(json!({"type": kind, "status": s, "lastProbeTime": null, "lastTransitionTime": ts(start + 6)}));
        }
        status["hostIP"] = json!(format!("10.0.{}.{}", rng.below(4), rng.range(2, 250)));
        status["podIP"] = json!(format!("10.244.{}.{}", rng.below(NODES), rng.range(2, 250)));
        status["containerStatuses"] = json!(statuses);
    } else {
        status["conditions"] = json!([{"type": "PodScheduled", "status": "False", "lastProbeTime": null,
            "lastTransitionTime": ts(start), "reason": "Unschedulable",
            "message": unschedulable()}]);
    }
    let mut spec = json!({
        "containers": specs,
        "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default", "serviceAccount": "default",
        "securityContext": {"runAsNonRoot": true, "fsGroup": 2000},
        "schedulerName": "default-scheduler",
        "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
        "volumes": [{"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]}}],
        "priority": 0, "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority"
    });
    if scheduled {
        spec["nodeName"] = json!(node);
    }
    json!({
        "metadata": {
            "name": pod, "generateName": format!("{rs}-"), "namespace": ns, "uid": uid,
            "resourceVersion": rng.range(1_000_000, 49_000_000).to_string(), "creationTimestamp": ts(start),
            "labels": {"app": app, "pod-template-hash": rs.rsplit_once('-').map_or("", |(_, h)| h)},
            "annotations": {"kubectl.kubernetes.io/restartedAt": "2024-05-13T22:04:11Z"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs, "uid": rs_uid,
                "controller": true, "blockOwnerDeletion": true}],
            "managedFields": managed_fields(containers, start)
        },
        "spec": spec,
        "status": status
    })
}

/// What the API server records of who set which fields of a pod, as
/// `kubectl get -o json` shows it: a large share of a real pod's bytes.
fn managed_fields(containers: &[Container], start: usize) -> Value {
    let spec: serde_json::Map<String, Value> = containers
        .iter()
        .map(|c| {
            (
                format!("k:{{\"name\":\"{}\"}}", c.name),
                json!({".": {}, "f:env": {".": {}, "k:{\"name\":\"LOG_LEVEL\"}": {".": {}, "f:name": {}, "f:value": {}},
                    "k:{\"name\":\"POD_NAMESPACE\"}": {".": {}, "f:name": {}, "f:valueFrom": {".": {}, "f:fieldRef": {}}}},
                    "f:image": {}, "f:imagePullPolicy": {}, "f:name": {},
                    "f:ports": {".": {}, "k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:name": {}, "f:protocol": {}}},
                    "f:readinessProbe": {".": {}, "f:failureThreshold": {}, "f:httpGet": {".": {}, "f:path": {}, "f:port": {}, "f:scheme": {}},
                        "f:periodSeconds": {}, "f:successThreshold": {}, "f:timeoutSeconds": {}},
                    "f:resources": {".": {}, "f:limits": {".": {}, "f:cpu": {}, "f:memory": {}}, "f:requests": {".": {}, "f:cpu": {}, "f:memory": {}}},
                    "f:terminationMessagePath": {}, "f:terminationMessagePolicy": {}}),
            )
        })
        .collect();
    let statuses: serde_json::Map<String, Value> = containers
        .iter()
        .map(|c| {
            (
                format!("k:{{\"type\":\"{}\"}}", c.name),
                json!({".": {}, "f:lastProbeTime": {}, "f:status": {}, "f:type": {}}),
            )
        })
        .collect();
    json!([
        {"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kube-controller-manager", "operation": "Update", "time": ts(start),
         "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}},
            "f:ownerReferences": {".": {}, "k:{\"uid\":\"x\"}": {}}},
            "f:spec": {"f:containers": spec, "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:restartPolicy": {},
                "f:schedulerName": {}, "f:securityContext": {".": {}, "f:fsGroup": {}, "f:runAsNonRoot": {}},
                "f:terminationGracePeriodSeconds": {}}}},
        {"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kubelet", "operation": "Update", "subresource": "status",
         "time": ts(start + 6),
         "fieldsV1": {"f:status": {"f:conditions": statuses, "f:containerStatuses": {}, "f:hostIP": {}, "f:phase": {},
            "f:podIP": {}, "f:podIPs": {".": {}, "k:{\"ip\":\"10.244.0.1\"}": {".": {}, "f:ip": {}}}, "f:startTime": {}}}}
    ])
}

const PATHS: &[&str] = &[
    "/api/v1/orders",
    "/api/v1/items",
    "/api/v1/users",
    "/api/v2/search",
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/v1/carts",
    "/graphql",
];
const METHODS: &[&str] = &["GET", "GET", "GET", "POST", "PUT", "DELETE"];
const MESSAGES: &[&str] = &[
    "request completed",
    "cache miss, loading from database",
    "connected to upstream",
    "flushed batch to kafka",
    "slow query detected",
    "retrying request after error: connection reset by peer",
    "upstream returned 503 Service Unavailable",
    "context deadline exceeded while calling inventory-api",
    "token refreshed",
    "processed message from queue",
];

/// About `bytes` bytes of container log in one of three common shapes.
fn log(rng: &mut Rng, bytes: usize, style: usize, previous: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes + 256);
    let mut t = rng.range(0, 40_000) * 1000;
    if previous {
        out.extend_from_slice(b"panic: runtime error: invalid memory address or nil pointer dereference\n");
    }
    while out.len() < bytes {
        t += rng.range(1, 4000);
        let stamp = format!("{}.{:03}Z", &ts(t / 1000)[..19], t % 1000);
        let path = format!("{}/{}", rng.pick(PATHS), rng.range(1, 99_999));
        let method = rng.pick(METHODS);
        let status = *rng.pick(&[&200, &200, &200, &201, &204, &404, &500, &503]);
        let level = if status >= 500 {
            "error"
        } else if rng.chance(80) {
            "warn"
        } else {
            "info"
        };
        let msg = if status >= 500 || level == "warn" { rng.pick(MESSAGES) } else { "request completed" };
        let ms = rng.range(1, 3000);
        let line = match style {
            1 => format!(
                "{{\"level\":\"{level}\",\"ts\":\"{stamp}\",\"caller\":\"server/handler.go:{}\",\"msg\":\"{msg}\",\
                 \"method\":\"{method}\",\"path\":\"{path}\",\"status\":{status},\"duration_ms\":{}.{:02},\
                 \"trace_id\":\"{}\"}}\n",
                rng.range(40, 400),
                ms / 100,
                ms % 100,
                rng.hex(32)
            ),
            2 => format!(
                "10.244.{}.{} - - [14/May/2024:{} +0000] \"{method} {path} HTTP/1.1\" {status} {} \"-\" \
                 \"Go-http-client/1.1\" {}.{:03} {}\n",
                rng.below(NODES),
                rng.range(2, 250),
                &stamp[11..19],
                rng.range(2, 40_000),
                ms / 1000,
                ms % 1000,
                rng.hex(32)
            ),
            _ => format!(
                "{stamp}\t{}\tserver/handler.go:{}\t{msg}\t{{\"method\": \"{method}\", \"path\": \"{path}\", \
                 \"status\": {status}, \"duration\": \"{}.{:03}ms\"}}\n",
                level.to_uppercase(),
                rng.range(40, 400),
                ms,
                rng.below(1000)
            ),
        };
        out.extend_from_slice(line.as_bytes());
    }
    out
}
