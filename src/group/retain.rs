//! What grouping keeps of each entry, decided as soon as the entry is
//! classified, so that a bundle of any size is held in memory only as its
//! failures: the events that could become evidence, every pod (a failing
//! event can name any of them), and a tally of the rest.
//!
//! An event no runbook matched and that is not a warning (the
//! `Scheduled`/`Pulled`/`Started` noise that is 90% of a bundle) reaches no
//! finding and no unclassified template. It is still counted: its key goes
//! into [`EventTally`], so the summary's event count stays the number of
//! distinct events, and the pod it is about is noted, so the coverage check
//! knows that pod has events.

use std::hash::{DefaultHasher, Hash, Hasher};

use crate::classify::Verdict;
use crate::model::{Event, Objects};
use crate::text::REDACTION_MARKER;

/// Fingerprints of every event of one entry, or of a bundle once merged.
#[derive(Debug, Default)]
pub struct EventTally {
    /// One per event with a key: two copies of an event share it.
    keys: Vec<u64>,
    /// Events without a key (compact formats): each counts.
    keyless: u64,
    /// The pods (namespace, name) that events are about.
    pods: Vec<u64>,
}

impl EventTally {
    pub fn absorb(&mut self, mut other: EventTally) {
        self.keys.append(&mut other.keys);
        self.keyless += other.keyless;
        self.pods.append(&mut other.pods);
    }

    /// Sorts and drops repeats, so that [`distinct_events`](Self::distinct_events)
    /// and [`has_events`](Self::has_events) can be asked.
    pub fn settle(&mut self) {
        for list in [&mut self.keys, &mut self.pods] {
            list.sort_unstable();
            list.dedup();
        }
    }

    /// How many distinct events were tallied (after [`settle`](Self::settle)).
    pub fn distinct_events(&self) -> u64 {
        self.keys.len() as u64 + self.keyless
    }

    /// Whether any event is about the pod (after [`settle`](Self::settle)).
    pub fn has_events(&self, namespace: &str, name: &str) -> bool {
        self.pods.binary_search(&fingerprint(&(namespace, name))).is_ok()
    }
}

/// Keeps the events of `objects` that grouping can use, with their
/// verdicts (`verdicts` holds one per event), and tallies all of them.
pub fn retain(objects: &mut Objects, verdicts: &mut Vec<Option<Verdict>>) -> EventTally {
    let mut tally = EventTally::default();
    for event in &objects.events {
        if event.key.is_empty() {
            tally.keyless += 1;
        } else {
            tally.keys.push(fingerprint(&event.key));
        }
        if event.subject.kind == "Pod" {
            tally.pods.push(fingerprint(&(subject_namespace(event), event.subject.name.as_str())));
        }
    }
    tally.settle();
    let keep: Vec<bool> = objects.events.iter().zip(verdicts.iter()).map(|(e, v)| needed(e, v)).collect();
    let mut kept = keep.iter();
    objects.events.retain(|_| kept.next().copied().unwrap_or(true));
    let mut kept = keep.iter();
    verdicts.retain(|_| kept.next().copied().unwrap_or(true));
    // The room the dropped events took would otherwise stay held.
    objects.shrink_to_fit();
    verdicts.shrink_to_fit();
    tally
}

/// An event grouping or the coverage warnings read: one a runbook matched,
/// a warning (matched or templated as unclassified, and counted), or one
/// whose text the collector masked.
fn needed(event: &Event, verdict: &Option<Verdict>) -> bool {
    verdict.is_some() || event.is_warning() || event.message.contains(REDACTION_MARKER)
}

/// The namespace of the pod an event is about: its own, else the event's.
pub(crate) fn subject_namespace(event: &Event) -> &str {
    if event.subject.namespace.is_empty() {
        &event.namespace
    } else {
        &event.subject.namespace
    }
}

/// A 64-bit hash, the same for equal values on every thread of one run.
/// Two of the hundreds of thousands of keys in a bundle collide with a
/// chance of about one in 10^8: a count off by one, at worst.
fn fingerprint(value: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ObjectRef;

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
        let mut tally = retain(&mut objects, &mut verdicts);
        let kept: Vec<&str> = objects.events.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(kept, ["b", "c", ""], "matched, warning and masked events are kept");
        assert_eq!(verdicts, [Some(verdict), None, None]);
        tally.settle();
        assert_eq!(tally.distinct_events(), 4, "a, b, c and the keyless one");
        assert!(tally.has_events("shop", "web-1"), "a dropped event still says its pod has events");
        assert!(!tally.has_events("shop", "n1"), "a node is not a pod");
        assert!(!tally.has_events("other", "web-1"));
    }

    #[test]
    fn tallies_merge_across_entries() {
        let mut whole = EventTally::default();
        for key in ["x", "y"] {
            let mut objects =
                Objects { events: vec![event(key, "Pod", "p", "Normal", "")], ..Objects::default() };
            let mut verdicts = vec![None];
            whole.absorb(retain(&mut objects, &mut verdicts));
            let mut again =
                Objects { events: vec![event(key, "Pod", "p", "Normal", "")], ..Objects::default() };
            whole.absorb(retain(&mut again, &mut vec![None]));
        }
        whole.settle();
        assert_eq!(whole.distinct_events(), 2, "the same event in two entries counts once");
    }
}
