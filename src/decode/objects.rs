//! Turns parsed JSON/YAML documents into model objects: finds the items of
//! lists and arrays, decides each item's kind (from `kind`, the list's kind,
//! or the item's shape) and reads the fields we use.

use std::borrow::Cow;

use super::tree::Node as Tree;

use super::fields::{
    any, array, boolean, borrowed, get, labels, meta, names, namespace_and_name, number, opt_text, owner,
    pairs, path, signed, text,
};
use crate::model::{
    Condition, ContainerSpec, ContainerStatus, Event, Id, Node, ObjectRef, Objects, Pod, SecretName,
    ServiceAccount, Text, Workload, WORKLOAD_LABELS,
};
use crate::text::is_masked;

/// Nesting of lists inside lists we follow (a `List` of `PodList`s…).
const MAX_LIST_DEPTH: usize = 4;

/// The event fields that decide whether an event is worth building (see
/// [`super::decode_sifted`]), borrowed from the document where it can be.
#[derive(Debug)]
pub struct EventGist<'a> {
    /// What [`Event::key`] will be.
    pub key: Cow<'a, str>,
    /// What [`Event::namespace`] will be.
    pub namespace: Cow<'a, str>,
    pub subject_kind: Cow<'a, str>,
    /// What [`Event::subject_namespace`] will say.
    pub subject_namespace: Cow<'a, str>,
    pub subject_name: Cow<'a, str>,
    pub reason: Cow<'a, str>,
    pub message: Cow<'a, str>,
    pub event_type: Cow<'a, str>,
}

/// Asked about each event before it is built: true to build and keep it.
pub type Sift<'s> = &'s mut dyn FnMut(&EventGist) -> bool;

/// Adds every object of interest in `document` to `out`, the events that
/// `sift` keeps.
pub fn collect(document: &Tree, out: &mut Objects, sift: Sift) {
    visit(document, None, 0, out, sift);
}

fn visit(value: &Tree, hint: Option<&str>, depth: usize, out: &mut Objects, sift: Sift) {
    if depth > MAX_LIST_DEPTH {
        return;
    }
    match value {
        Tree::Array(items) => items.iter().for_each(|item| visit(item, hint, depth + 1, out, sift)),
        Tree::Object(_) => {
            let kind = borrowed(get(value, "kind"));
            let items = get(value, "items");
            let is_list = kind.ends_with("List")
                || (kind.is_empty() && items.is_some_and(|v| v.is_array() || v.is_null()));
            if is_list {
                // `EventList` → items are `Event`s; a plain `List` says nothing.
                let item_hint = kind.strip_suffix("List").filter(|k| !k.is_empty());
                for item in array(items) {
                    visit(item, item_hint.or(hint), depth + 1, out, sift);
                }
            } else {
                item(value, if kind.is_empty() { hint } else { Some(&kind) }, out, sift);
            }
        }
        _ => {}
    }
}

fn item(value: &Tree, kind: Option<&str>, out: &mut Objects, sift: Sift) {
    let kind = kind.unwrap_or_else(|| infer_kind(value));
    match kind {
        "Event" => {
            let gist = event_gist(value);
            if sift(&gist) {
                out.events.push(event(value, gist));
            }
        }
        "Pod" => out.pods.push(pod(value)),
        "Node" => out.nodes.push(node(value)),
        "ServiceAccount" => out.service_accounts.push(service_account(value)),
        "Secret" => out.secrets.push(secret(value)),
        "ReplicaSet"
        | "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "CronJob"
        | "ReplicationController" => out.workloads.push(workload(value, kind)),
        _ => {}
    }
}

/// Objects without `kind` (bare arrays, kind-less lists, the Insights
/// compact format) are recognised by the fields only their kind has.
fn infer_kind(value: &Tree) -> &'static str {
    if any(value, &["involvedObject", "regarding"]).is_some() {
        return "Event";
    }
    if path(value, &["spec", "containers"]).is_some() {
        return "Pod";
    }
    if path(value, &["status", "nodeInfo"]).is_some() {
        return "Node";
    }
    let has = |k| get(value, k).is_some();
    if has("reason")
        && (has("message") || has("note"))
        && (has("type") || has("lastTimestamp") || has("eventTime"))
    {
        return "Event";
    }
    ""
}

fn event_gist<'a>(value: &'a Tree) -> EventGist<'a> {
    let subject = any(value, &["involvedObject", "regarding"]);
    let subject_field = |key: &str| borrowed(subject.and_then(|s| get(s, key)));
    let (subject_kind, subject_own_namespace, subject_name) =
        (subject_field("kind"), subject_field("namespace"), subject_field("name"));
    let own_namespace = borrowed(meta(value, "namespace"));
    let name = borrowed(meta(value, "name"));
    let namespace = if !own_namespace.is_empty() {
        own_namespace
    } else {
        // The Insights compact format keeps the namespace at top level.
        Some(borrowed(get(value, "namespace")))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| subject_own_namespace.clone())
    };
    let uid = borrowed(meta(value, "uid"));
    let key = if !uid.is_empty() {
        uid
    } else if !name.is_empty() {
        Cow::Owned(format!("{namespace}/{name}"))
    } else {
        Cow::Borrowed("")
    };
    let subject_namespace =
        if subject_own_namespace.is_empty() { namespace.clone() } else { subject_own_namespace };
    EventGist {
        key,
        namespace,
        subject_kind,
        subject_namespace,
        subject_name,
        reason: borrowed(get(value, "reason")),
        message: borrowed(any(value, &["message", "note"])),
        event_type: borrowed(get(value, "type")),
    }
}

/// The event `value`, whose gist is `gist`.
fn event(value: &Tree, gist: EventGist) -> Event {
    let subject = any(value, &["involvedObject", "regarding"]).map(object_ref).unwrap_or_default();
    let count = number(get(value, "count"))
        .or_else(|| number(path(value, &["series", "count"])))
        .or_else(|| number(get(value, "deprecatedCount")))
        .unwrap_or(1)
        .max(1);
    let created = opt_text(meta(value, "creationTimestamp"));
    let event_time = opt_text(get(value, "eventTime"));
    let last_seen = opt_text(path(value, &["series", "lastObservedTime"]))
        .or_else(|| opt_text(any(value, &["lastTimestamp", "deprecatedLastTimestamp"])))
        .or_else(|| event_time.clone())
        .or_else(|| created.clone());
    let first_seen = opt_text(any(value, &["firstTimestamp", "deprecatedFirstTimestamp"]))
        .or(event_time)
        .or(created)
        .or_else(|| last_seen.clone());
    // events.k8s.io/v1 kubelet events name the node only as the reporting
    // instance; other controllers put a pod or process name there.
    let reported_by_kubelet =
        text(any(value, &["reportingController", "reportingComponent"])).contains("kubelet");
    let host = opt_text(path(value, &["source", "host"]))
        .or_else(|| opt_text(path(value, &["deprecatedSource", "host"])))
        .or_else(|| opt_text(get(value, "reportingInstance")).filter(|_| reported_by_kubelet))
        .unwrap_or_default();
    Event {
        key: Id::of(&gist.key),
        namespace: gist.namespace.into(),
        subject,
        reason: gist.reason.into(),
        message: gist.message.into(),
        event_type: gist.event_type.into(),
        count,
        first_seen,
        last_seen,
        host,
    }
}

fn object_ref(value: &Tree) -> ObjectRef {
    ObjectRef {
        kind: text(get(value, "kind")),
        namespace: text(get(value, "namespace")),
        name: text(get(value, "name")),
        uid: Id::of(&borrowed(get(value, "uid"))),
        field_path: text(get(value, "fieldPath")),
    }
}

fn pod(value: &Tree) -> Pod {
    let (namespace, name) = namespace_and_name(value);
    let spec = get(value, "spec");
    let spec_field = |key: &str| spec.and_then(|s| get(s, key));
    let containers = exact(
        [("initContainers", true), ("containers", false)]
            .into_iter()
            .flat_map(|(key, init)| array(spec_field(key)).iter().map(move |c| (c, init)))
            .map(|(c, init)| ContainerSpec {
                name: text(get(c, "name")),
                image: text(get(c, "image")),
                init,
                requests: requests(get(c, "resources")),
            }),
    );
    let status = get(value, "status");
    let status_field = |key: &str| status.and_then(|s| get(s, key));
    let statuses = exact(
        [("initContainerStatuses", true), ("containerStatuses", false)]
            .into_iter()
            .flat_map(|(key, init)| array(status_field(key)).iter().map(move |s| container_status(s, init))),
    );
    Pod {
        namespace,
        name,
        uid: Id::of(&borrowed(meta(value, "uid"))),
        node: text(spec_field("nodeName")),
        phase: text(status_field("phase")),
        reason: text(status_field("reason")),
        message: text(status_field("message")),
        owner: owner(value),
        labels: exact(labels(value).into_iter().filter(|(k, _)| WORKLOAD_LABELS.contains(&k.as_str()))),
        containers,
        statuses,
        image_pull_secrets: exact(names(spec_field("imagePullSecrets")).into_iter()),
        service_account: opt_text(spec_field("serviceAccountName"))
            .or_else(|| opt_text(spec_field("serviceAccount")))
            .unwrap_or_default(),
        created: opt_text(meta(value, "creationTimestamp")),
        // Only a failed scheduling condition is read (and any text a
        // collector masked, which the coverage warnings count); the rest,
        // four or five per pod, would only take memory.
        conditions: exact(conditions(status_field("conditions")).into_iter().filter(|c| {
            (c.kind == "PodScheduled" && c.status.eq_ignore_ascii_case("false")) || is_masked(&c.message)
        })),
    }
}

/// The items collected without spare room: a kept pod's vectors stay in
/// memory for the whole scan (a filtered `collect` would keep the capacity
/// of everything it was filtered from).
fn exact<T>(items: impl Iterator<Item = T>) -> Vec<T> {
    items.collect::<Box<[T]>>().into_vec()
}

/// Requests, with limits standing in for the resources that have none: the
/// API server defaults a missing request to the limit.
fn requests(resources: Option<&Tree>) -> Vec<(Text, Text)> {
    let field = |key| resources.and_then(|r| get(r, key));
    let mut requests = pairs(field("requests"));
    for (name, quantity) in pairs(field("limits")) {
        if !requests.iter().any(|(n, _)| *n == name) {
            requests.push((name, quantity));
        }
    }
    exact(requests.into_iter())
}

fn container_status(value: &Tree, init: bool) -> ContainerStatus {
    let state = get(value, "state");
    let waiting = state.and_then(|s| get(s, "waiting"));
    let terminated = state.and_then(|s| get(s, "terminated"));
    let last = any(value, &["lastState", "lastTerminationState"]).and_then(|s| get(s, "terminated"));
    ContainerStatus {
        name: text(get(value, "name")),
        image: text(get(value, "image")),
        init,
        ready: boolean(get(value, "ready")),
        restart_count: number(get(value, "restartCount")).unwrap_or(0),
        waiting_reason: text(waiting.and_then(|w| get(w, "reason"))),
        waiting_message: text(waiting.and_then(|w| get(w, "message"))),
        terminated_reason: text(terminated.and_then(|t| get(t, "reason"))),
        terminated_exit_code: signed(terminated.and_then(|t| get(t, "exitCode"))),
        last_terminated_reason: text(last.and_then(|t| get(t, "reason"))),
        last_terminated_exit_code: signed(last.and_then(|t| get(t, "exitCode"))),
    }
}

fn conditions(value: Option<&Tree>) -> Vec<Condition> {
    array(value)
        .iter()
        .map(|c| Condition {
            kind: text(get(c, "type")),
            status: text(get(c, "status")),
            reason: text(get(c, "reason")),
            message: text(get(c, "message")),
        })
        .collect()
}

fn node(value: &Tree) -> Node {
    let info = path(value, &["status", "nodeInfo"]);
    let label = |key: &str| labels(value).into_iter().find(|(k, _)| k == key).map(|(_, v)| v);
    Node {
        name: text(meta(value, "name")),
        architecture: opt_text(info.and_then(|i| get(i, "architecture")))
            .or_else(|| label("kubernetes.io/arch"))
            .unwrap_or_default(),
        os: opt_text(info.and_then(|i| get(i, "operatingSystem")))
            .or_else(|| label("kubernetes.io/os"))
            .unwrap_or_default(),
        conditions: conditions(path(value, &["status", "conditions"])),
        allocatable: pairs(path(value, &["status", "allocatable"])),
        unschedulable: boolean(path(value, &["spec", "unschedulable"])),
    }
}

fn workload(value: &Tree, kind: &str) -> Workload {
    let (namespace, name) = namespace_and_name(value);
    Workload { kind: kind.into(), namespace, name, owner: owner(value) }
}

fn service_account(value: &Tree) -> ServiceAccount {
    let (namespace, name) = namespace_and_name(value);
    ServiceAccount { namespace, name, image_pull_secrets: names(get(value, "imagePullSecrets")) }
}

/// Only the name and type: a Secret's data never leaves the decoder.
fn secret(value: &Tree) -> SecretName {
    let (namespace, name) = namespace_and_name(value);
    SecretName { namespace, name, secret_type: text(get(value, "type")) }
}
