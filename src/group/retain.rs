//! What grouping keeps of each entry, decided as soon as the entry is
//! classified, so that a bundle of any size is held in memory as little
//! more than its failures.
//!
//! * An event no runbook matched and that is not a warning (the
//!   `Scheduled`/`Pulled`/`Started` noise that is 90% of a bundle) reaches
//!   no finding and no unclassified template. The [`Sieve`] decides that
//!   while the entry is decoded, from the event's gist, so such an event is
//!   never built; it is only counted: its key goes into the [`Tally`], so
//!   the summary's event count stays the number of distinct events, and so
//!   does the pod it is about, so the coverage check knows that pod has
//!   events.
//! * A pod whose own records say nothing (running, or finished cleanly) is
//!   needed only if an event turns out to be about it, which may be in an
//!   entry not read yet. It is packed into a few hundred bytes, the pods
//!   of an entry are compressed together ([`PackedPods`]), and a pod is
//!   unpacked at merge time only if some kept event or kept pod names it.
//! * A workload is kept only if it can change which owner a pod resolves
//!   to ([`super::Workloads::may_redirect`]).

use std::ops::Range;

// The fingerprints are hashes already: hashing them again is wasted work.
use nohash_hasher::IntSet as FingerprintSet;

use crate::classify::{ContainerVerdicts, Matcher, PodVerdicts, Verdict};
use crate::decode::EventGist;
use crate::model::{fingerprint, is_warning_type, Objects, Pod};
use crate::text::is_masked;

/// Fingerprints of every event and pod of one entry: what the summary
/// counts and the coverage check asks, once merged into [`Tallies`].
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

/// The [`Tally`] of a bundle, merged entry by entry as the entries are
/// decoded. Sets, not sorted lists: merging then happens while the bundle is
/// read, on whichever worker finished the entry, instead of sorting a few
/// hundred thousand fingerprints on one core once reading is done.
#[derive(Debug, Default)]
pub struct Tallies {
    event_keys: FingerprintSet<u64>,
    keyless_events: u64,
    pods_with_events: FingerprintSet<u64>,
    pod_keys: FingerprintSet<u64>,
}

impl Tallies {
    pub fn absorb(&mut self, tally: Tally) {
        self.event_keys.extend(tally.event_keys);
        self.keyless_events += tally.keyless_events;
        self.pods_with_events.extend(tally.pods_with_events);
        self.pod_keys.extend(tally.pod_keys);
    }

    /// What the summary and the coverage check ask of the bundle once every
    /// entry is in. The sets of events and pods are let go before grouping
    /// starts allocating (the end of a scan is when its memory peaks).
    pub fn total(self) -> Totals {
        Totals {
            events: self.event_keys.len() as u64 + self.keyless_events,
            pods: self.pod_keys.len() as u64,
            pods_with_events: self.pods_with_events,
        }
    }
}

/// A bundle's [`Tallies`] once every entry is in.
#[derive(Debug)]
pub struct Totals {
    /// Distinct events (keyless ones each count).
    pub events: u64,
    /// Distinct pods.
    pub pods: u64,
    pods_with_events: FingerprintSet<u64>,
}

impl Totals {
    /// Whether any event is about the pod.
    pub fn has_events(&self, namespace: &str, name: &str) -> bool {
        self.pods_with_events.contains(&pod_name_key(namespace, name))
    }
}

/// Pods packed one after another and compressed as one block, each
/// findable by name. They are most of a bundle's pods (every pod running
/// or finished cleanly), held to the end in case some event names one.
/// Packed, a pod takes a few hundred bytes; the pods of one entry repeat
/// each other's namespace, owner, images and requests, so the block
/// compresses several times over. LZ4, because it is fast enough not to
/// show in a scan's time.
#[derive(Debug, Default)]
pub struct PackedPods {
    compressed: Vec<u8>,
    /// The size of the block before compression.
    packed_len: usize,
    /// [`pod_name_key`] of each pod and where it lies in the block.
    index: Vec<(u64, Range<usize>)>,
}

impl PackedPods {
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The pods whose [`pod_name_key`] `wanted` accepts, unpacked, with
    /// their verdicts (a packed pod has none: that is why it was packed).
    pub fn unpack(&self, wanted: impl Fn(u64) -> bool) -> Vec<(Pod, PodVerdicts)> {
        if !self.index.iter().any(|(key, _)| wanted(*key)) {
            return Vec::new(); // most blocks: not worth decompressing
        }
        let block = lz4_flex::block::decompress(&self.compressed, self.packed_len);
        // Bytes `Packer` wrote always read back; a failure would be a bug.
        debug_assert!(block.is_ok(), "a block of packed pods does not decompress");
        let Ok(block) = block else { return Vec::new() };
        self.index
            .iter()
            .filter(|(key, _)| wanted(*key))
            .filter_map(|(_, range)| {
                let pod: Result<Pod, _> = postcard::from_bytes(block.get(range.clone())?);
                debug_assert!(pod.is_ok(), "a packed pod does not unpack");
                let pod = pod.ok()?;
                let verdicts = PodVerdicts {
                    status: None,
                    scheduling: None,
                    containers: vec![ContainerVerdicts::default(); pod.statuses.len()],
                };
                Some((pod, verdicts))
            })
            .collect()
    }
}

/// Packs the pods of one entry into a [`PackedPods`].
#[derive(Default)]
struct Packer {
    bytes: Vec<u8>,
    index: Vec<(u64, Range<usize>)>,
}

impl Packer {
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

    fn finish(mut self) -> PackedPods {
        self.index.shrink_to_fit();
        let compressed =
            if self.bytes.is_empty() { Vec::new() } else { lz4_flex::block::compress(&self.bytes) };
        PackedPods { compressed, packed_len: self.bytes.len(), index: self.index }
    }
}

/// Lets postcard append to a buffer it does not own.
struct Append<'b>(&'b mut Vec<u8>);

impl Extend<u8> for Append<'_> {
    fn extend<I: IntoIterator<Item = u8>>(&mut self, bytes: I) {
        self.0.extend(bytes);
    }
}

/// Classifies each event of an entry from its gist as the entry is
/// decoded (see [`crate::decode::decode_sifted`]), tallies it, and keeps
/// it only if grouping or the coverage warnings read it: a runbook
/// matched it, it is a warning (matched or templated as unclassified), or
/// the collector masked its text.
pub struct Sieve<'m> {
    matcher: &'m Matcher,
    tally: Tally,
    /// One per event kept, in order.
    verdicts: Vec<Option<Verdict>>,
    /// The verdicts given so far, by event text ([`text_key`]). A verdict
    /// depends on the reason and message alone, and the events of a
    /// namespace repeat them pod after pod (`Created container app`): about
    /// half of them are classified once for several events.
    known: foldhash::HashMap<Vec<u8>, Option<Verdict>>,
    /// The key being looked up, reused from event to event.
    key: Vec<u8>,
}

/// Distinct event texts a [`Sieve`] remembers: enough for the repeats of
/// one entry. At worst it holds a copy of the texts of the entry's first
/// 4,096 events, a fraction of the entry itself.
const KNOWN_TEXTS: usize = 4096;

impl<'m> Sieve<'m> {
    pub fn new(matcher: &'m Matcher) -> Self {
        Sieve {
            matcher,
            tally: Tally::default(),
            verdicts: Vec::new(),
            known: foldhash::HashMap::default(),
            key: Vec::new(),
        }
    }

    /// What [`Matcher::classify_event_text`] says of the text, asked once
    /// per distinct text.
    fn classify(&mut self, reason: &str, message: &str) -> Option<Verdict> {
        text_key(&mut self.key, reason, message);
        if let Some(verdict) = self.known.get(&self.key) {
            return verdict.clone();
        }
        let verdict = self.matcher.classify_event_text(reason, message);
        if self.known.len() < KNOWN_TEXTS {
            self.known.insert(self.key.clone(), verdict.clone());
        }
        verdict
    }

    /// Whether the event is to be built and kept.
    pub fn sift(&mut self, event: &EventGist) -> bool {
        if event.key.is_empty() {
            self.tally.keyless_events += 1;
        } else {
            self.tally.event_keys.push(fingerprint(&event.key));
        }
        if event.subject_kind == "Pod" {
            self.tally.pods_with_events.push(pod_name_key(&event.subject_namespace, &event.subject_name));
        }
        let verdict = self.classify(&event.reason, &event.message);
        let keep = verdict.is_some() || is_warning_type(&event.event_type) || is_masked(&event.message);
        if keep {
            self.verdicts.push(verdict);
        }
        keep
    }

    /// Whether the entry held any event, kept or not.
    pub fn saw_events(&self) -> bool {
        self.tally.keyless_events > 0 || !self.tally.event_keys.is_empty()
    }
}

/// Writes into `key` the reason and message of an event, unambiguously:
/// the reason's length first, so no two pairs share a key.
fn text_key(key: &mut Vec<u8>, reason: &str, message: &str) {
    key.clear();
    key.extend_from_slice(&(reason.len() as u64).to_le_bytes());
    key.extend_from_slice(reason.as_bytes());
    key.extend_from_slice(message.as_bytes());
}

/// Finishes an entry whose events went through `sieve` (`objects.events`
/// are those it kept): packs the pods that say nothing (`pods` holds one
/// verdict per pod), drops the workloads no owner lookup needs, and
/// tallies the pods. Returns the kept events' verdicts, the tally and the
/// packed pods.
pub fn retain(
    objects: &mut Objects,
    sieve: Sieve,
    pods: &mut Vec<PodVerdicts>,
) -> (Vec<Option<Verdict>>, Tally, PackedPods) {
    let Sieve { mut tally, mut verdicts, .. } = sieve;
    debug_assert_eq!(objects.events.len(), verdicts.len(), "the events decoded are those the sieve kept");
    tally.pod_keys = objects.pods.iter().map(|p| fingerprint(&(&p.namespace, &p.name, p.uid))).collect();

    let mut packer = Packer::default();
    let mut kept = (Vec::new(), Vec::new());
    for (pod, verdicts) in std::mem::take(&mut objects.pods).into_iter().zip(std::mem::take(pods)) {
        if !(super::says_nothing(&pod, &verdicts) && packer.pack(&pod)) {
            kept.0.push(pod);
            kept.1.push(verdicts);
        }
    }
    (objects.pods, *pods) = kept;
    objects.workloads.retain(super::workload::Workloads::may_redirect);
    // The room of what was dropped would otherwise stay held to the end.
    objects.shrink_to_fit();
    verdicts.shrink_to_fit();
    pods.shrink_to_fit();
    (verdicts, tally, packer.finish())
}

/// The fingerprint a pod is found by in [`PackedPods`] and [`Tally`].
pub fn pod_name_key(namespace: &str, name: &str) -> u64 {
    fingerprint(&(namespace, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Condition, ContainerSpec, ContainerStatus, Event, Id, OwnerRef};

    fn total(tally: Tally) -> Totals {
        let mut tallies = Tallies::default();
        tallies.absorb(tally);
        tallies.total()
    }

    fn gist<'a>(
        key: &'a str,
        kind: &'a str,
        pod: &'a str,
        event_type: &'a str,
        message: &'a str,
    ) -> EventGist<'a> {
        EventGist {
            key: key.into(),
            namespace: "shop".into(),
            subject_kind: kind.into(),
            subject_namespace: "shop".into(),
            subject_name: pod.into(),
            reason: "".into(),
            message: message.into(),
            event_type: event_type.into(),
        }
    }

    fn running(name: &str) -> Pod {
        Pod {
            namespace: "shop".into(),
            name: name.into(),
            uid: Id::of(&format!("uid-{name}")),
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

    fn matcher() -> Matcher {
        Matcher::new(&crate::runbook::Corpus::builtin().unwrap())
    }

    fn quiet(pod: &Pod) -> PodVerdicts {
        PodVerdicts {
            containers: vec![ContainerVerdicts::default(); pod.statuses.len()],
            ..PodVerdicts::default()
        }
    }

    #[test]
    fn the_sieve_keeps_what_grouping_reads_and_tallies_everything() {
        let matcher = matcher();
        let mut sieve = Sieve::new(&matcher);
        let pull = r#"Failed to pull image "x:1": rpc error: code = NotFound desc = failed to pull and unpack image "x:1": not found"#;
        let kept: Vec<bool> = [
            gist("a", "Pod", "web-1", "Normal", "Started container web"),
            gist("b", "Pod", "web-2", "Normal", pull),
            gist("c", "Pod", "web-3", "Warning", "something odd"),
            gist("", "Node", "n1", "Normal", "user ***HIDDEN*** logged in"),
            gist("a", "Pod", "web-1", "Normal", "Started container web"),
        ]
        .iter()
        .map(|g| sieve.sift(g))
        .collect();
        assert_eq!(kept, [false, true, true, true, false], "matched, warning and masked events are kept");
        assert!(sieve.saw_events());
        // The entry as decode builds it: the three events kept.
        let mut objects = Objects { events: vec![Event::default(); 3], ..Objects::default() };
        let (verdicts, tally, _) = retain(&mut objects, sieve, &mut Vec::new());
        let matched: Vec<bool> = verdicts.iter().map(Option::is_some).collect();
        assert_eq!(matched, [true, false, false]);
        let tally = total(tally);
        assert_eq!(tally.events, 4, "a, b, c and the keyless one");
        assert!(tally.has_events("shop", "web-1"), "a dropped event still says its pod has events");
        assert!(!tally.has_events("shop", "n1"), "a node is not a pod");
        assert!(!tally.has_events("other", "web-1"));
        assert!(!Sieve::new(&matcher).saw_events());
    }

    /// The sieve classifies each distinct text once; what it remembers is
    /// the matcher's verdict, and a text split differently between reason
    /// and message is another text (keywords never span the two).
    #[test]
    fn remembered_verdicts_are_the_matchers() {
        let matcher = matcher();
        let mut sieve = Sieve::new(&matcher);
        let (whole, split) = (("ErrImagePull", ""), ("Err", "ImagePull"));
        assert_ne!(
            matcher.classify_event_text(whole.0, whole.1),
            matcher.classify_event_text(split.0, split.1),
            "the test needs two splits of one text that the matcher tells apart"
        );
        let pull = r#"Failed to pull image "x:1": rpc error: code = NotFound desc = manifest unknown"#;
        let mut texts = vec![whole, split, ("Failed", pull), ("Started", "Started container web")];
        let filler: Vec<String> = (0..KNOWN_TEXTS + 10).map(|i| format!("Started container c{i}")).collect();
        texts.extend(filler.iter().map(|m| ("Started", m.as_str())));
        // Each text twice, the second time past the bound for the filler.
        for (reason, message) in texts.iter().chain(&texts) {
            assert_eq!(
                sieve.classify(reason, message),
                matcher.classify_event_text(reason, message),
                "{reason:?} {message:?}"
            );
        }
        assert_eq!(sieve.known.len(), KNOWN_TEXTS, "the memory is bounded");
    }

    #[test]
    fn tallies_merge_across_entries() {
        let matcher = matcher();
        let mut whole = Tallies::default();
        for key in ["x", "y", "x"] {
            let mut sieve = Sieve::new(&matcher);
            sieve.sift(&gist(key, "Pod", "p", "Normal", ""));
            let mut objects = Objects { pods: vec![running("p")], ..Objects::default() };
            let mut pods = vec![quiet(&objects.pods[0])];
            whole.absorb(retain(&mut objects, sieve, &mut pods).1);
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
            Some(Verdict { runbook: 3, symptom: true, keyword: Default::default() });
        let mut objects = Objects { pods: pods.clone(), ..Objects::default() };
        let matcher = matcher();
        let (_, tally, packed) = retain(&mut objects, Sieve::new(&matcher), &mut verdicts);
        assert_eq!(objects.pods, [failing], "a pod with something to say stays whole");
        assert_eq!(verdicts.len(), 1);
        assert_eq!(packed.len(), 2);
        assert_eq!(total(tally).pods, 3);
        let wanted = pod_name_key("shop", "web-3");
        let unpacked: Vec<(Pod, PodVerdicts)> = packed.unpack(|key| key == wanted);
        assert_eq!(unpacked, [(pods[2].clone(), quiet(&pods[2]))], "every field comes back");
    }

    /// The pods of a workload repeat each other: packed, a few hundred of
    /// them take a fraction of their size, and any of them comes back whole.
    #[test]
    fn a_block_of_similar_pods_compresses_and_each_unpacks() {
        let pods: Vec<Pod> = (0..300).map(|i| running(&format!("web-7d4b9-{i:05}"))).collect();
        let mut verdicts: Vec<PodVerdicts> = pods.iter().map(quiet).collect();
        let mut objects = Objects { pods: pods.clone(), ..Objects::default() };
        let matcher = matcher();
        let (_, _, packed) = retain(&mut objects, Sieve::new(&matcher), &mut verdicts);
        assert!(objects.pods.is_empty());
        assert_eq!(packed.len(), 300);
        assert!(
            packed.compressed.len() * 3 < packed.packed_len,
            "{} bytes compressed to {}",
            packed.packed_len,
            packed.compressed.len()
        );
        let wanted = [pod_name_key("shop", "web-7d4b9-00000"), pod_name_key("shop", "web-7d4b9-00299")];
        let unpacked: Vec<Pod> =
            packed.unpack(|key| wanted.contains(&key)).into_iter().map(|(p, _)| p).collect();
        assert_eq!(unpacked, [pods[0].clone(), pods[299].clone()]);
        assert!(packed.unpack(|key| key == pod_name_key("shop", "web-7d4b9-00300")).is_empty());
    }
}
