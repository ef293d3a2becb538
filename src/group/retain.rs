//! What grouping keeps of each entry, decided as soon as the entry is
//! classified, so that a bundle of any size is held in memory as little
//! more than its failures.
//!
//! * An event no runbook matched and that is not a warning (the
//!   `Scheduled`/`Pulled`/`Started` noise that is 90% of a bundle) reaches
//!   no finding and no unclassified template. It is dropped but counted:
//!   its key goes into the [`Tally`], so the summary's event count stays
//!   the number of distinct events, and so does the pod it is about, so the
//!   coverage check knows that pod has events.
//! * A pod whose own records say nothing (running, or finished cleanly) is
//!   needed only if an event turns out to be about it, which may be in an
//!   entry not read yet. It is packed into a few hundred bytes
//!   ([`PackedPods`]) and unpacked at merge time only if some kept event or
//!   kept pod names it.
//! * A workload is kept only if it can change which owner a pod resolves
//!   to ([`super::Workloads::may_redirect`]).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Range;

use crate::classify::{ContainerVerdicts, PodVerdicts, Verdict};
use crate::model::{Event, Objects, Pod};
use crate::text::REDACTION_MARKER;

/// Fingerprints of every event and pod of one entry, or of a bundle once
/// merged: what the summary counts and the coverage check asks.
#[derive(Debug, Default)]
pub struct Tally {
    /// One per event with a key: two copies of an event share it.
    event_keys: Vec<u64>,
    /// Events without a key (compact formats): each counts.
    keyless_events: u64,
    /// The pods (namespace, name) that events are about.
    pods_with_events: Vec<u64>,
    /// One per pod (namespace, name, uid), as the merge tells copies apart.
    pod_keys: Vec<u64>,
}

impl Tally {
    pub fn absorb(&mut self, mut other: Tally) {
        self.event_keys.append(&mut other.event_keys);
        self.keyless_events += other.keyless_events;
        self.pods_with_events.append(&mut other.pods_with_events);
        self.pod_keys.append(&mut other.pod_keys);
    }

    /// Sorts and drops repeats.
    fn settle(&mut self) {
        for list in [&mut self.event_keys, &mut self.pods_with_events, &mut self.pod_keys] {
            list.sort_unstable();
            list.dedup();
            list.shrink_to_fit();
        }
    }

    /// What the summary and the coverage check ask of a bundle's merged
    /// tally; the fingerprints of its events and pods are let go.
    pub fn total(mut self) -> Totals {
        self.settle();
        Totals {
            events: self.event_keys.len() as u64 + self.keyless_events,
            pods: self.pod_keys.len() as u64,
            pods_with_events: self.pods_with_events,
        }
    }
}

/// A bundle's [`Tally`] once every entry is in.
#[derive(Debug, Default)]
pub struct Totals {
    /// Distinct events (keyless ones each count).
    pub events: u64,
    /// Distinct pods.
    pub pods: u64,
    /// Sorted, without repeats.
    pods_with_events: Vec<u64>,
}

impl Totals {
    /// Whether any event is about the pod.
    pub fn has_events(&self, namespace: &str, name: &str) -> bool {
        self.pods_with_events.binary_search(&pod_name_key(namespace, name)).is_ok()
    }
}

/// Pods packed one after another in one buffer, each findable by name.
#[derive(Debug, Default)]
pub struct PackedPods {
    bytes: Vec<u8>,
    /// [`pod_name_key`] of each pod and where it lies in `bytes`.
    index: Vec<(u64, Range<usize>)>,
}

impl PackedPods {
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Packs a copy of `pod`; false if it could not be.
    fn pack(&mut self, pod: &Pod) -> bool {
        let start = self.bytes.len();
        if postcard::to_extend(pod, Append(&mut self.bytes)).is_err() {
            self.bytes.truncate(start); // the pods packed before stay intact
            return false;
        }
        self.index.push((pod_name_key(&pod.namespace, &pod.name), start..self.bytes.len()));
        true
    }

    /// The pods whose [`pod_name_key`] `wanted` accepts, unpacked, with
    /// their verdicts (a packed pod has none: that is why it was packed).
    pub fn unpack<'s>(
        &'s self,
        wanted: impl Fn(u64) -> bool + 's,
    ) -> impl Iterator<Item = (Pod, PodVerdicts)> + 's {
        self.index.iter().filter(move |(key, _)| wanted(*key)).filter_map(|(_, range)| {
            let pod: Result<Pod, _> = postcard::from_bytes(&self.bytes[range.clone()]);
            // Bytes `pack` wrote always read back; a failure would be a bug.
            debug_assert!(pod.is_ok(), "a packed pod does not unpack");
            let pod = pod.ok()?;
            let verdicts = PodVerdicts {
                status: None,
                scheduling: None,
                containers: vec![ContainerVerdicts::default(); pod.statuses.len()],
            };
            Some((pod, verdicts))
        })
    }
}

/// Lets postcard append to a buffer it does not own.
struct Append<'b>(&'b mut Vec<u8>);

impl Extend<u8> for Append<'_> {
    fn extend<I: IntoIterator<Item = u8>>(&mut self, bytes: I) {
        self.0.extend(bytes);
    }
}

/// Keeps the events and pods of `objects` that grouping reads, with their
/// verdicts (one per event in `events`, one per pod in `pods`), packs the
/// pods that say nothing, and tallies everything.
pub fn retain(
    objects: &mut Objects,
    events: &mut Vec<Option<Verdict>>,
    pods: &mut Vec<PodVerdicts>,
) -> (Tally, PackedPods) {
    let mut tally = Tally::default();
    for event in &objects.events {
        if event.key.is_empty() {
            tally.keyless_events += 1;
        } else {
            tally.event_keys.push(fingerprint(&event.key));
        }
        if event.subject.kind == "Pod" {
            tally.pods_with_events.push(pod_name_key(event.subject_namespace(), &event.subject.name));
        }
    }
    tally.pod_keys = objects.pods.iter().map(|p| fingerprint(&(&p.namespace, &p.name, &p.uid))).collect();
    tally.settle();

    let keep: Vec<bool> = objects.events.iter().zip(events.iter()).map(|(e, v)| needed(e, v)).collect();
    keep_marked(&mut objects.events, &keep);
    keep_marked(events, &keep);

    let mut packed = PackedPods::default();
    let mut kept = (Vec::new(), Vec::new());
    for (pod, verdicts) in std::mem::take(&mut objects.pods).into_iter().zip(std::mem::take(pods)) {
        if !(super::says_nothing(&pod, &verdicts) && packed.pack(&pod)) {
            kept.0.push(pod);
            kept.1.push(verdicts);
        }
    }
    (objects.pods, *pods) = kept;
    objects.workloads.retain(super::workload::Workloads::may_redirect);
    // The room of what was dropped would otherwise stay held to the end.
    objects.shrink_to_fit();
    events.shrink_to_fit();
    pods.shrink_to_fit();
    packed.bytes.shrink_to_fit();
    packed.index.shrink_to_fit();
    (tally, packed)
}

fn keep_marked<T>(items: &mut Vec<T>, keep: &[bool]) {
    let mut kept = keep.iter();
    items.retain(|_| kept.next().copied().unwrap_or(true));
}

/// An event grouping or the coverage warnings read: one a runbook matched,
/// a warning (matched or templated as unclassified, and counted), or one
/// whose text the collector masked.
fn needed(event: &Event, verdict: &Option<Verdict>) -> bool {
    verdict.is_some() || event.is_warning() || event.message.contains(REDACTION_MARKER)
}

/// The fingerprint a pod is found by in [`PackedPods`] and [`Tally`].
pub fn pod_name_key(namespace: &str, name: &str) -> u64 {
    fingerprint(&(namespace, name))
}

/// A 64-bit hash, the same for equal values on every thread of one run.
/// Two of the hundreds of thousands of keys in a bundle collide with a
/// chance of about one in 10^8: a count off by one, or a healthy pod
/// unpacked for nothing, at worst.
fn fingerprint(value: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Condition, ContainerSpec, ContainerStatus, ObjectRef, OwnerRef};

    fn event(key: &str, kind: &str, pod: &str, event_type: &str, message: &str) -> Event {
        Event {
            key: key.into(),
            namespace: "shop".into(),
            subject: ObjectRef { kind: kind.into(), name: pod.into(), ..ObjectRef::default() },
            event_type: event_type.into(),
            message: message.into(),
            ..Event::default()
        }
    }

    fn running(name: &str) -> Pod {
        Pod {
            namespace: "shop".into(),
            name: name.into(),
            uid: format!("uid-{name}"),
            node: "n1".into(),
            phase: "Running".into(),
            owner: Some(OwnerRef { kind: "ReplicaSet".into(), name: "web-7d4b9".into() }),
            labels: vec![("pod-template-hash".into(), "7d4b9".into())],
            containers: vec![ContainerSpec {
                name: "web".into(),
                image: "nginx:1.25".into(),
                init: false,
                requests: vec![("cpu".into(), "250m".into())],
            }],
            statuses: vec![ContainerStatus {
                name: "web".into(),
                image: "nginx:1.25".into(),
                ready: true,
                restart_count: 0,
                last_terminated_exit_code: Some(-1),
                ..ContainerStatus::default()
            }],
            image_pull_secrets: vec!["regcred".into()],
            service_account: "web".into(),
            created: Some("2024-05-14T10:00:00Z".into()),
            conditions: vec![Condition {
                kind: "PodScheduled".into(),
                status: "True".into(),
                ..Condition::default()
            }],
            ..Pod::default()
        }
    }

    fn quiet(pod: &Pod) -> PodVerdicts {
        PodVerdicts {
            containers: vec![ContainerVerdicts::default(); pod.statuses.len()],
            ..PodVerdicts::default()
        }
    }

    #[test]
    fn keeps_what_grouping_reads_and_tallies_everything() {
        let verdict = Verdict { runbook: 0, symptom: false, keyword: String::new() };
        let mut objects = Objects {
            events: vec![
                event("a", "Pod", "web-1", "Normal", "Started container web"),
                event("b", "Pod", "web-2", "Normal", "Pulling image"),
                event("c", "Pod", "web-3", "Warning", "something odd"),
                event("", "Node", "n1", "Normal", "user ***HIDDEN*** logged in"),
                event("a", "Pod", "web-1", "Normal", "Started container web"),
            ],
            ..Objects::default()
        };
        let mut verdicts = vec![None, Some(verdict.clone()), None, None, None];
        let (tally, _) = retain(&mut objects, &mut verdicts, &mut Vec::new());
        let kept: Vec<&str> = objects.events.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(kept, ["b", "c", ""], "matched, warning and masked events are kept");
        assert_eq!(verdicts, [Some(verdict), None, None]);
        let tally = tally.total();
        assert_eq!(tally.events, 4, "a, b, c and the keyless one");
        assert!(tally.has_events("shop", "web-1"), "a dropped event still says its pod has events");
        assert!(!tally.has_events("shop", "n1"), "a node is not a pod");
        assert!(!tally.has_events("other", "web-1"));
    }

    #[test]
    fn tallies_merge_across_entries() {
        let mut whole = Tally::default();
        for key in ["x", "y", "x"] {
            let mut objects = Objects {
                events: vec![event(key, "Pod", "p", "Normal", "")],
                pods: vec![running("p")],
                ..Objects::default()
            };
            let mut pods = vec![quiet(&objects.pods[0])];
            whole.absorb(retain(&mut objects, &mut vec![None], &mut pods).0);
        }
        let whole = whole.total();
        assert_eq!(whole.events, 2, "the same event in two entries counts once");
        assert_eq!(whole.pods, 1, "and so does the same pod");
    }

    #[test]
    fn quiet_pods_are_packed_and_unpack_whole() {
        let mut failing = running("web-2");
        failing.statuses[0].waiting_reason = "ImagePullBackOff".into();
        let pods = vec![running("web-1"), failing.clone(), running("web-3")];
        let mut verdicts: Vec<PodVerdicts> = pods.iter().map(quiet).collect();
        verdicts[1].containers[0].waiting =
            Some(Verdict { runbook: 3, symptom: true, keyword: String::new() });
        let mut objects = Objects { pods: pods.clone(), ..Objects::default() };
        let (tally, packed) = retain(&mut objects, &mut Vec::new(), &mut verdicts);
        assert_eq!(objects.pods, [failing], "a pod with something to say stays whole");
        assert_eq!(verdicts.len(), 1);
        assert_eq!(packed.len(), 2);
        assert_eq!(tally.total().pods, 3);
        let wanted = pod_name_key("shop", "web-3");
        let unpacked: Vec<(Pod, PodVerdicts)> = packed.unpack(|key| key == wanted).collect();
        assert_eq!(unpacked, [(pods[2].clone(), quiet(&pods[2]))], "every field comes back");
    }
}
