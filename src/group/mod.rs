//! Stage 4 — group: classified records → root causes.
//!
//! Owns deciding the *one* cause of each broken container and gathering
//! containers by cause, then by workload. For every pod container it
//! collects the evidence the classifier produced — events about the pod and
//! the container's own state — and picks, per failure family (the runbook's
//! `issue_type`, e.g. all image-pull causes are one family):
//!
//! 1. a cause over a symptom ("Back-off pulling image" only marks the pod);
//! 2. evidence from events over the container state (the kubelet's
//!    `Failed to pull image` event carries the registry's answer; the waiting
//!    message only sometimes does);
//! 3. the more specific runbook (`priority`), then the most recent, then the
//!    most frequent.
//!
//! Everything else about the container (symptoms, older causes) is counted
//! in the chosen finding, so no occurrence is dropped. Warnings that no
//! runbook explains are clustered into message templates ([`template`]).

mod template;
mod workload;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

pub use template::template;
pub use workload::Workloads;

use crate::classify::Verdict;
use crate::model::{Objects, OwnerRef, Pod};
use crate::report::{AffectedPod, Finding, Unclassified};
use crate::runbook::Corpus;
use crate::text;

/// What the classifier said about each record of a bundle.
pub struct Classified<'a> {
    pub objects: &'a Objects,
    /// One per `objects.events`.
    pub events: &'a [Option<Verdict>],
    /// One list per `objects.pods`, one entry per container status.
    pub statuses: &'a [Vec<Option<Verdict>>],
}

/// Findings, unclassified templates, and how many distinct pods are affected.
#[derive(Debug, Default)]
pub struct Grouped {
    pub findings: Vec<Finding>,
    pub unclassified: Vec<Unclassified>,
    pub pods_affected: u64,
}

/// Container waiting reasons that are normal steps of a pod's start, not failures.
const BENIGN_WAITING: &[&str] = &["", "ContainerCreating", "PodInitializing"];

/// Where a piece of evidence came from; the later variant is the stronger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    ContainerState,
    Event,
}

#[derive(Clone)]
struct Evidence<'a> {
    /// Index of the event it came from, so an event attached to several
    /// containers is still counted once.
    event: Option<usize>,
    verdict: &'a Verdict,
    tier: Tier,
    count: u64,
    first_seen: Option<&'a str>,
    last_seen: Option<&'a str>,
    message: &'a str,
}

/// One container of one pod (container may be empty when no record names it).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Target {
    namespace: String,
    pod: String,
    container: String,
}

#[derive(Default)]
struct FindingAcc<'a> {
    pods: BTreeSet<AffectedPod>,
    objects: BTreeSet<String>,
    events: u64,
    first_seen: Option<&'a str>,
    last_seen: Option<&'a str>,
    /// (is a cause, tier, count, message) of the best sample so far.
    sample: Option<(bool, Tier, u64, &'a str)>,
}

impl<'a> FindingAcc<'a> {
    fn add_occurrence(&mut self, e: &Evidence<'a>) {
        if e.tier == Tier::Event {
            self.events += e.count;
        }
        self.first_seen = min_time(self.first_seen, e.first_seen);
        self.last_seen = max_time(self.last_seen, e.last_seen);
    }

    fn offer_sample(&mut self, e: &Evidence<'a>) {
        let candidate = (!e.verdict.symptom, e.tier, e.count, e.message);
        if self.sample.is_none_or(|best| (candidate.0, candidate.1, candidate.2) > (best.0, best.1, best.2)) {
            self.sample = Some(candidate);
        }
    }
}

fn min_time<'a>(a: Option<&'a str>, b: Option<&'a str>) -> Option<&'a str> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if time_key(b) < time_key(a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

fn max_time<'a>(a: Option<&'a str>, b: Option<&'a str>) -> Option<&'a str> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if time_key(b) > time_key(a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// RFC 3339 times compare as strings once the fractional seconds are
/// dropped ("05:34:44.76Z" would otherwise sort before "05:34:44Z").
fn time_key(t: &str) -> &str {
    t.get(..19).unwrap_or(t)
}

/// The image a kubelet message names: `… image "X"…`.
fn image_in_message(message: &str) -> Option<&str> {
    let start = message.find("image \"")? + "image \"".len();
    let len = message[start..].find('"')?;
    Some(&message[start..start + len])
}

/// Groups the classified records of a bundle into findings.
pub fn group(corpus: &Corpus, classified: &Classified<'_>) -> Grouped {
    let objects = classified.objects;
    let pods: HashMap<(&str, &str), &Pod> =
        objects.pods.iter().map(|p| ((p.namespace.as_str(), p.name.as_str()), p)).collect();
    let workloads = Workloads::new(&objects.workloads);
    let family = |runbook: usize| {
        let rb = corpus.get(runbook);
        if rb.issue_type.is_empty() {
            rb.id.split('/').next().unwrap_or(&rb.id).to_string()
        } else {
            rb.issue_type.clone()
        }
    };

    let mut targets: Targets<'_> = BTreeMap::new();
    let mut hosts: HashMap<Target, &str> = HashMap::new();
    // Containers whose evidence is about the pod object in the bundle, and
    // those only known from events of an earlier pod of the same name.
    let mut current: HashSet<Target> = HashSet::new();
    let mut stale: HashSet<Target> = HashSet::new();
    let mut images: HashMap<Target, &str> = HashMap::new();
    let mut non_pod: BTreeMap<usize, FindingAcc<'_>> = BTreeMap::new();
    let mut unclassified = Unclassifier::default();

    for (index, (event, verdict)) in objects.events.iter().zip(classified.events).enumerate() {
        let Some(verdict) = verdict else {
            if event.is_warning() {
                let subject = format!("{}/{}/{}", event.subject.kind, event.namespace, event.subject.name);
                unclassified.add(&event.reason, &event.message, event.count, subject);
            }
            continue;
        };
        let evidence = Evidence {
            event: Some(index),
            verdict,
            tier: Tier::Event,
            count: event.count,
            first_seen: event.first_seen.as_deref(),
            last_seen: event.last_seen.as_deref(),
            message: &event.message,
        };
        if event.subject.kind != "Pod" || event.subject.name.is_empty() {
            let acc = non_pod.entry(verdict.runbook).or_default();
            acc.objects.insert(describe_object(&event.subject.kind, &event.namespace, &event.subject.name));
            acc.add_occurrence(&evidence);
            acc.offer_sample(&evidence);
            continue;
        }
        let namespace =
            if event.subject.namespace.is_empty() { &event.namespace } else { &event.subject.namespace };
        let same_name = pods.get(&(namespace.as_str(), event.subject.name.as_str()));
        // A pod re-created under the same name is another pod.
        let pod = same_name
            .filter(|p| event.subject.uid.is_empty() || p.uid.is_empty() || p.uid == event.subject.uid);
        let image = image_in_message(&event.message);
        let container = event
            .subject
            .container()
            .map(str::to_string)
            .or_else(|| pod.and_then(|p| container_for(p, image)))
            .unwrap_or_default();
        let target = Target { namespace: namespace.clone(), pod: event.subject.name.clone(), container };
        if !event.host.is_empty() {
            hosts.entry(target.clone()).or_insert(&event.host);
        }
        if pod.is_some() {
            current.insert(target.clone());
        } else if same_name.is_some() {
            stale.insert(target.clone());
        }
        if let Some(image) = image {
            images.entry(target.clone()).or_insert(image);
        }
        targets.entry((family(verdict.runbook), target)).or_default().push(evidence);
    }

    for (pod, verdicts) in objects.pods.iter().zip(classified.statuses) {
        for (status, verdict) in pod.statuses.iter().zip(verdicts) {
            let Some(verdict) = verdict else {
                if !BENIGN_WAITING.contains(&status.waiting_reason.as_str()) {
                    let subject = format!("Pod/{}/{}", pod.namespace, pod.name);
                    unclassified.add(&status.waiting_reason, &status.waiting_message, 1, subject);
                }
                continue;
            };
            let target = Target {
                namespace: pod.namespace.clone(),
                pod: pod.name.clone(),
                container: status.name.clone(),
            };
            current.insert(target.clone());
            let evidence = Evidence {
                event: None,
                verdict,
                tier: Tier::ContainerState,
                count: 1,
                first_seen: None,
                last_seen: None,
                message: if status.waiting_message.is_empty() {
                    &status.waiting_reason
                } else {
                    &status.waiting_message
                },
            };
            targets.entry((family(verdict.runbook), target)).or_default().push(evidence);
        }
    }

    attach_podwide_evidence(&mut targets);
    let mut accs: BTreeMap<usize, FindingAcc<'_>> = BTreeMap::new();
    let mut counted: HashSet<usize> = HashSet::new();
    for ((_, target), evidence) in &targets {
        let Some(chosen) = evidence.iter().max_by(|a, b| rank(corpus, a).cmp(&rank(corpus, b))) else {
            continue;
        };
        let acc = accs.entry(chosen.verdict.runbook).or_default();
        for e in evidence {
            if e.event.is_none_or(|i| counted.insert(i)) {
                acc.add_occurrence(e);
            }
        }
        acc.offer_sample(chosen);
        let pod = pods
            .get(&(target.namespace.as_str(), target.pod.as_str()))
            .copied()
            .filter(|_| current.contains(target) || !stale.contains(target));
        acc.pods.insert(affected_pod(
            target,
            pod,
            &workloads,
            hosts.get(target).copied(),
            images.get(target).copied(),
        ));
    }
    for (runbook, acc) in non_pod {
        let merged = accs.entry(runbook).or_default();
        merged.objects.extend(acc.objects);
        merged.events += acc.events;
        merged.first_seen = min_time(merged.first_seen, acc.first_seen);
        merged.last_seen = max_time(merged.last_seen, acc.last_seen);
        if merged.sample.is_none() {
            merged.sample = acc.sample;
        }
    }

    let pods_affected: HashSet<(&str, &str)> =
        accs.values().flat_map(|a| a.pods.iter().map(|p| (p.namespace.as_str(), p.name.as_str()))).collect();
    let pods_affected = pods_affected.len() as u64;
    let mut findings: Vec<Finding> = accs
        .into_iter()
        .map(|(runbook, acc)| {
            let rb = corpus.get(runbook);
            Finding {
                id: rb.id.clone(),
                title: rb.title.clone(),
                severity: rb.severity,
                pods: acc.pods.into_iter().collect(),
                objects: acc.objects.into_iter().collect(),
                events: acc.events,
                first_seen: acc.first_seen.map(str::to_string),
                last_seen: acc.last_seen.map(str::to_string),
                sample: acc.sample.map(|s| text::clean(s.3)).unwrap_or_default(),
                evidence: Vec::new(),
                fix: rb.fix().to_string(),
                runbook_source: rb.source.clone(),
            }
        })
        .collect();
    findings.sort_by(|a, b| {
        (b.severity, b.pods.len(), b.events, &a.id).cmp(&(a.severity, a.pods.len(), a.events, &b.id))
    });
    Grouped { findings, unclassified: unclassified.finish(), pods_affected }
}

type Targets<'a> = BTreeMap<(String, Target), Vec<Evidence<'a>>>;

/// Evidence about a pod that names no container (the kubelet's
/// `FailedToRetrieveImagePullSecret` warning is pod-wide) belongs with the
/// containers of that pod that have evidence of the same family: without
/// this, one pod would show up under two causes. It takes part in ranking
/// for each of them; its count is still added only once.
fn attach_podwide_evidence(targets: &mut Targets<'_>) {
    let podwide: Vec<(String, Target)> =
        targets.keys().filter(|(_, t)| t.container.is_empty()).cloned().collect();
    for key in podwide {
        let (family, target) = &key;
        let siblings: Vec<(String, Target)> = targets
            .range((family.clone(), target.clone())..)
            .skip(1)
            .map(|(k, _)| k)
            .take_while(|(f, t)| f == family && t.namespace == target.namespace && t.pod == target.pod)
            .cloned()
            .collect();
        if siblings.is_empty() {
            continue;
        }
        let shared = targets.remove(&key).unwrap_or_default();
        for sibling in siblings {
            targets.entry(sibling).or_default().extend(shared.iter().cloned());
        }
    }
}

/// Orders the evidence for one container: cause over symptom, event over
/// container state, specific over generic, recent over old, frequent over rare.
fn rank<'e>(corpus: &Corpus, e: &'e Evidence<'_>) -> (bool, Tier, i32, Option<&'e str>, u64) {
    (!e.verdict.symptom, e.tier, corpus.get(e.verdict.runbook).priority, e.last_seen.map(time_key), e.count)
}

/// The container of `pod` that runs `image`, or its only container.
fn container_for(pod: &Pod, image: Option<&str>) -> Option<String> {
    if let Some(image) = image {
        let by_image = pod.containers.iter().find(|c| c.image == image).map(|c| c.name.clone());
        if by_image.is_some() {
            return by_image;
        }
    }
    match pod.containers.as_slice() {
        [only] => Some(only.name.clone()),
        _ => None,
    }
}

fn describe_object(kind: &str, namespace: &str, name: &str) -> String {
    let kind = if kind.is_empty() { "object" } else { kind };
    match (namespace.is_empty(), name.is_empty()) {
        (_, true) if namespace.is_empty() => format!("{kind} (unnamed)"),
        (_, true) => format!("{kind} in {namespace} (unnamed)"),
        (true, false) => format!("{kind}/{name}"),
        (false, false) => format!("{kind}/{namespace}/{name}"),
    }
}

fn affected_pod(
    target: &Target,
    pod: Option<&Pod>,
    workloads: &Workloads<'_>,
    host: Option<&str>,
    event_image: Option<&str>,
) -> AffectedPod {
    let status_image = pod
        .and_then(|p| p.statuses.iter().find(|s| s.name == target.container))
        .map(|s| s.image.as_str())
        .filter(|i| !i.is_empty());
    let spec_image =
        pod.and_then(|p| p.containers.iter().find(|c| c.name == target.container)).map(|c| c.image.as_str());
    let owner: Option<OwnerRef> = match pod {
        Some(p) => workloads.top_owner(p),
        // Known only from events: resolve by naming convention.
        None => workloads.top_owner(&Pod {
            namespace: target.namespace.clone(),
            name: target.pod.clone(),
            ..Pod::default()
        }),
    };
    AffectedPod {
        namespace: text::clean(&target.namespace),
        owner: owner.map(|o| OwnerRef { kind: text::clean(&o.kind), name: text::clean(&o.name) }),
        name: text::clean(&target.pod),
        container: text::clean(&target.container),
        image: text::clean(spec_image.or(status_image).or(event_image).unwrap_or_default()),
        node: text::clean(
            pod.map(|p| p.node.as_str()).filter(|n| !n.is_empty()).or(host).unwrap_or_default(),
        ),
    }
}

/// Clusters unexplained warnings by template.
#[derive(Default)]
struct Unclassifier {
    by_template: HashMap<String, (u64, BTreeSet<String>, HashSet<String>, String)>,
}

impl Unclassifier {
    fn add(&mut self, reason: &str, message: &str, count: u64, subject: String) {
        let line = if message.is_empty() { reason.to_string() } else { message.to_string() };
        let key = text::clean(&template(&line));
        let entry = self
            .by_template
            .entry(key)
            .or_insert_with(|| (0, BTreeSet::new(), HashSet::new(), text::clean(&line)));
        entry.0 += count;
        if !reason.is_empty() {
            entry.1.insert(text::clean(reason));
        }
        entry.2.insert(subject);
    }

    fn finish(self) -> Vec<Unclassified> {
        let mut out: Vec<Unclassified> = self
            .by_template
            .into_iter()
            .map(|(template, (count, reasons, objects, example))| Unclassified {
                template,
                count,
                reasons: reasons.into_iter().collect(),
                objects: objects.len() as u64,
                example,
            })
            .collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.template.cmp(&b.template)));
        out
    }
}

#[cfg(test)]
mod tests;
