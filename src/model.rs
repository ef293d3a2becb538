//! The normalised Kubernetes objects that every stage after `decode` works
//! on. Whatever shape a bundle stored them in (core/v1 or events.k8s.io/v1
//! events, Lists, bare arrays, PascalCase internal types, YAML), `decode`
//! turns them into these plain structs, so `classify`, `group` and `report`
//! never see JSON or YAML.
//!
//! Only the fields the analysis needs are kept; Secret *data* never is.

use std::hash::{BuildHasher, Hash};
use std::num::NonZeroU64;

use serde::{Deserialize, Serialize};

/// A string of a kept object. Most of them (namespaces, kinds, reasons,
/// node names, timestamps, container names) fit in 24 bytes and are then
/// held inline, without an allocation of their own: a bundle keeps tens
/// of thousands of objects to the end of the scan.
pub type Text = compact_str::CompactString;

/// A 64-bit hash, the same for equal values on every thread and every run
/// (foldhash's quality variant with a fixed seed: a third of SipHash's
/// time on these short keys). Two of the hundreds of thousands of keys in
/// a bundle collide with a chance of about one in 10^8: a count off by
/// one, a healthy pod unpacked for nothing, or an earlier pod's event
/// taken for the current pod's, at worst.
pub fn fingerprint<T: Hash + ?Sized>(value: &T) -> u64 {
    const SEED: u64 = 0x6275_6e64_6c65_2d73; // "bundle-s"
    foldhash::quality::FixedState::with_seed(SEED).hash_one(value)
}

/// An identifier that is only ever compared, never shown (an event's key,
/// the uid of the object it is about, a pod's uid), held as its
/// [`fingerprint`]: 8 bytes where a uid's string takes about 70, in each
/// of the tens of thousands of events and pods a scan keeps to its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Id(NonZeroU64);

impl Id {
    /// The id of `text`; none for an empty one.
    pub fn of(text: &str) -> Option<Id> {
        (!text.is_empty()).then(|| Id(NonZeroU64::new(fingerprint(text)).unwrap_or(NonZeroU64::MIN)))
    }
}

/// A reference to the object an event is about (`involvedObject` / `regarding`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: Text,
    pub namespace: Text,
    pub name: Text,
    pub uid: Option<Id>,
    /// `spec.containers{NAME}` or `spec.initContainers{NAME}` for kubelet events.
    pub field_path: Text,
}

impl ObjectRef {
    /// The container named by `field_path`, if any.
    pub fn container(&self) -> Option<&str> {
        let rest = self
            .field_path
            .strip_prefix("spec.containers{")
            .or_else(|| self.field_path.strip_prefix("spec.initContainers{"))
            .or_else(|| self.field_path.strip_prefix("spec.ephemeralContainers{"))?;
        rest.strip_suffix('}')
    }
}

/// One Event object, whichever API version wrote it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// `metadata.uid`, else `namespace/name` of the event object: the same
    /// event stored twice in a bundle (a list and a per-object file) counts once.
    pub key: Option<Id>,
    /// The namespace of the event object itself (falls back to the subject's).
    pub namespace: Text,
    pub subject: ObjectRef,
    pub reason: Text,
    pub message: Text,
    /// `Warning` or `Normal` (empty when the format does not say).
    pub event_type: Text,
    /// How many times it happened: `count`, `series.count` or `deprecatedCount`; at least 1.
    pub count: u64,
    /// Earliest time we know of (`firstTimestamp` → `eventTime` → `creationTimestamp`).
    pub first_seen: Option<Text>,
    /// Latest time (`series.lastObservedTime` → `lastTimestamp` → `eventTime` → `creationTimestamp`).
    pub last_seen: Option<Text>,
    /// `source.host` / `deprecatedSource.host` / `reportingInstance`: the node for kubelet events.
    pub host: Text,
}

impl Event {
    pub fn is_warning(&self) -> bool {
        is_warning_type(&self.event_type)
    }

    /// The namespace of the object the event is about: its own, else the event's.
    pub fn subject_namespace(&self) -> &str {
        if self.subject.namespace.is_empty() {
            &self.namespace
        } else {
            &self.subject.namespace
        }
    }
}

/// Whether an event's `type` is `Warning`.
pub fn is_warning_type(event_type: &str) -> bool {
    event_type.eq_ignore_ascii_case("warning")
}

/// The state of one container as the pod status recorded it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerStatus {
    pub name: Text,
    pub image: Text,
    pub init: bool,
    pub ready: bool,
    pub restart_count: u64,
    pub waiting_reason: Text,
    pub waiting_message: Text,
    pub terminated_reason: Text,
    pub terminated_exit_code: Option<i64>,
    pub last_terminated_reason: Text,
    pub last_terminated_exit_code: Option<i64>,
}

/// The controller that owns an object (`ownerReferences` with `controller: true`,
/// or the first reference).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OwnerRef {
    pub kind: Text,
    pub name: Text,
}

/// One container as declared in the pod spec.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerSpec {
    pub name: Text,
    pub image: Text,
    pub init: bool,
    /// `resources.requests` (or `limits` where no request is set, as the API
    /// server defaults it), as written: `("cpu", "500m")`, `("nvidia.com/gpu", "1")`.
    pub requests: Vec<(Text, Text)>,
}

/// The labels that name a pod's workload when it has no owner references.
pub const WORKLOAD_LABELS: &[&str] = &[
    "job-name",
    "batch.kubernetes.io/job-name",
    "pod-template-hash",
    "statefulset.kubernetes.io/pod-name",
    "controller-revision-hash",
    "pod-template-generation",
];

/// One Pod.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pod {
    pub namespace: Text,
    pub name: Text,
    pub uid: Option<Id>,
    pub node: Text,
    pub phase: Text,
    /// `status.reason`: `Evicted`, `OutOfcpu`, `NodeAffinity`… when the kubelet rejected or evicted the pod.
    pub reason: Text,
    /// `status.message`: the kubelet's words for `reason`.
    pub message: Text,
    pub owner: Option<OwnerRef>,
    /// The [`WORKLOAD_LABELS`] the pod has: used to resolve the workload
    /// when there are no owner references. Other labels are not kept.
    pub labels: Vec<(Text, Text)>,
    pub containers: Vec<ContainerSpec>,
    pub statuses: Vec<ContainerStatus>,
    pub image_pull_secrets: Vec<Text>,
    pub service_account: Text,
    pub created: Option<Text>,
    /// `PodScheduled=False`, the only condition the analysis reads (and
    /// any condition whose message a collector masked).
    pub conditions: Vec<Condition>,
}

impl Pod {
    /// The `PodScheduled=False` condition of a pod the scheduler could not place.
    pub fn unscheduled(&self) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.kind == "PodScheduled" && c.status.eq_ignore_ascii_case("false"))
    }
}

/// A status condition (`PodScheduled=False`, `DiskPressure=True`, …).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub kind: Text,
    pub status: Text,
    pub reason: Text,
    pub message: Text,
}

/// A Node: the parts that explain pod failures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Node {
    pub name: Text,
    pub architecture: Text,
    pub os: Text,
    pub conditions: Vec<Condition>,
    /// `status.allocatable` as written: what the scheduler may place on the node.
    pub allocatable: Vec<(Text, Text)>,
    /// `spec.unschedulable` (cordoned).
    pub unschedulable: bool,
}

/// A workload controller (ReplicaSet, Deployment, Job, …) and its own owner, for
/// walking a pod's ownership up to the top-level workload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Workload {
    pub kind: Text,
    pub namespace: Text,
    pub name: Text,
    pub owner: Option<OwnerRef>,
}

/// A ServiceAccount: only which pull secrets it hands to its pods.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceAccount {
    pub namespace: Text,
    pub name: Text,
    pub image_pull_secrets: Vec<Text>,
}

/// That a Secret exists. Its data is never read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretName {
    pub namespace: Text,
    pub name: Text,
    pub secret_type: Text,
}

/// Something the bundle's collector says it could not gather
/// (troubleshoot's `<kind>-errors.json`: `pods is forbidden: …`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NotCollected {
    /// The entry that says so.
    pub entry: Text,
    pub message: Text,
}

/// Everything one entry (or a whole bundle, once merged) holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Objects {
    pub events: Vec<Event>,
    pub pods: Vec<Pod>,
    pub nodes: Vec<Node>,
    pub workloads: Vec<Workload>,
    pub service_accounts: Vec<ServiceAccount>,
    pub secrets: Vec<SecretName>,
    pub not_collected: Vec<NotCollected>,
}

impl Objects {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.pods.is_empty()
            && self.nodes.is_empty()
            && self.workloads.is_empty()
            && self.service_accounts.is_empty()
            && self.secrets.is_empty()
            && self.not_collected.is_empty()
    }

    /// Gives back the spare room of every list: an entry's objects are
    /// kept until the end of the scan, and lists grown by doubling hold up
    /// to twice what they use.
    pub fn shrink_to_fit(&mut self) {
        self.events.shrink_to_fit();
        self.pods.shrink_to_fit();
        self.nodes.shrink_to_fit();
        self.workloads.shrink_to_fit();
        self.service_accounts.shrink_to_fit();
        self.secrets.shrink_to_fit();
        self.not_collected.shrink_to_fit();
    }

    pub fn append(&mut self, mut other: Objects) {
        self.events.append(&mut other.events);
        self.pods.append(&mut other.pods);
        self.nodes.append(&mut other.nodes);
        self.workloads.append(&mut other.workloads);
        self.service_accounts.append(&mut other.service_accounts);
        self.secrets.append(&mut other.secrets);
        self.not_collected.append(&mut other.not_collected);
    }
}
