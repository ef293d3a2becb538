//! Stage 4 — group: classified records → root causes.
//!
//! Owns deciding the *one* cause of each broken container and gathering
//! containers by cause, then by workload. For every pod container it
//! collects the evidence the classifier produced — events about the pod and
//! the container's own state — and picks, per failure family (the part of
//! the runbook id before `/`: all `image-pull/*` causes are one family):
//!
//! 1. a cause over a symptom ("Back-off pulling image" only marks the pod);
//! 2. the kubelet's `Failed to pull image` events over other events, and
//!    events over the container's own state (the registry's answer is in
//!    the pull failure; the waiting message only sometimes keeps it);
//! 3. the most recent (an old, fixed failure does not hide the current one),
//!    then the more specific runbook (`priority`), then the most frequent.
//!
//! A runbook may declare that it `explains` other causes (a missing pull
//! secret explains a 401): when both are recorded for a container, the
//! explaining one is the root cause. Everything else recorded for the
//! container in that family (symptoms, older or explained causes) is
//! counted in the chosen finding and named in its evidence, so no
//! occurrence is dropped. Warnings that no runbook explains are clustered
//! into message templates ([`template`]).

mod coverage;
mod crosscheck;
mod retain;
mod template;
mod workload;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

// Grouping looks up tens of thousands of short borrowed keys; nothing
// iterates its hash maps in an order that reaches the report.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

pub use coverage::{coverage, Scope};
pub use retain::{pod_name_key, retain, PackedPods, Sieve, Tallies, Tally, Totals};
pub use template::template;
pub use workload::Workloads;

use crosscheck::Facts;

use crate::classify::{ContainerVerdicts, PodVerdicts, Verdict};
use crate::model::{ContainerStatus, Event, Objects, OwnerRef, Pod};
use crate::report::{AffectedPod, Finding, Unclassified};
use crate::runbook::Corpus;
use crate::text;

/// The records of a bundle, each once, with what the classifier said.
pub struct Classified<'a> {
    pub events: Vec<(&'a Event, Option<&'a Verdict>)>,
    pub pods: Vec<(&'a Pod, &'a PodVerdicts)>,
    /// The other kinds: nodes, workloads, service accounts, secrets, what
    /// was not collected. Its `events` and `pods` are not read.
    pub objects: &'a Objects,
}

impl<'a> Classified<'a> {
    /// `objects` with its verdicts (`events` and `pods` hold one per
    /// event and pod), as one entry or a test has them.
    pub fn of(objects: &'a Objects, events: &'a [Option<Verdict>], pods: &'a [PodVerdicts]) -> Self {
        Classified {
            events: objects.events.iter().zip(events).map(|(e, v)| (e, v.as_ref())).collect(),
            pods: objects.pods.iter().zip(pods).collect(),
            objects,
        }
    }
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

/// Warning events that report no failure: the scheduler says it skipped a
/// pod that is being deleted. They stay counted in the summary's warnings.
const NOT_FAILURES: &[&str] = &["skip schedule deleting pod"];

/// The runbook that cross-checks of pull secrets file under.
const MISSING_PULL_SECRET: &str = "image-pull/missing-pull-secret";

/// How a container ended that is not a failure.
const BENIGN_TERMINATED: &[&str] = &["", "Completed"];

/// Where a piece of evidence came from; a later variant is stronger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    /// A container's or pod's recorded state (or a cross-check of the bundle's objects).
    Status,
    Event,
    /// The kubelet's `Failed to pull image "…": <the registry's answer>`.
    PullFailure,
}

/// One record that names a cause for a container. A bundle's evidence is
/// all held at once while grouping, when a scan's memory peaks, so what an
/// event says (message, count, times) is read from the event, not copied.
#[derive(Clone)]
struct Evidence<'a> {
    record: Record<'a>,
    runbook: usize,
    symptom: bool,
    tier: Tier,
    /// The record is what a cross-check of the bundle's objects found,
    /// shown in the finding's evidence.
    checked: bool,
}

// Half of what it was when it copied an event's message, count and times.
const _: () = assert!(std::mem::size_of::<Evidence>() <= 40);

/// What a piece of [`Evidence`] came from.
#[derive(Clone)]
enum Record<'a> {
    /// An event. An event attached to several containers is counted once,
    /// told apart from others by its address.
    Event(&'a Event),
    /// A container's or pod's recorded state, or a cross-check's finding, in words.
    State(Cow<'a, str>),
}

impl<'a> Evidence<'a> {
    /// Evidence from a container's or pod's recorded state.
    fn status(verdict: &Verdict, line: Cow<'a, str>) -> Evidence<'a> {
        Evidence {
            record: Record::State(line),
            runbook: verdict.runbook,
            symptom: verdict.symptom,
            tier: Tier::Status,
            checked: false,
        }
    }

    /// What a cross-check of the bundle's objects found: it names the cause.
    fn check(runbook: usize, note: String) -> Evidence<'a> {
        Evidence {
            record: Record::State(Cow::Owned(note)),
            runbook,
            symptom: false,
            tier: Tier::Status,
            checked: true,
        }
    }

    fn event(&self) -> Option<&'a Event> {
        match self.record {
            Record::Event(event) => Some(event),
            Record::State(_) => None,
        }
    }

    fn message(&self) -> &str {
        match &self.record {
            Record::Event(event) => &event.message,
            Record::State(line) => line,
        }
    }

    /// The message as a finding's sample, borrowed where the record is.
    fn sample(&self) -> Cow<'a, str> {
        match &self.record {
            Record::Event(event) => Cow::Borrowed(&event.message),
            Record::State(line) => line.clone(),
        }
    }

    /// How many times it happened: a recorded state once.
    fn count(&self) -> u64 {
        self.event().map_or(1, |event| event.count)
    }

    fn first_seen(&self) -> Option<&'a str> {
        self.event().and_then(|event| event.first_seen.as_deref())
    }

    fn last_seen(&self) -> Option<&'a str> {
        self.event().and_then(|event| event.last_seen.as_deref())
    }
}

/// One container of one pod (container may be empty when no record names it).
/// Borrowed from the records, as every key of the grouping is: a bundle
/// has tens of thousands of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Target<'a> {
    namespace: &'a str,
    pod: &'a str,
    /// The evidence is about an earlier pod of this name (its uid differs
    /// from the pod in the bundle): kept apart so the two never mix.
    earlier: bool,
    container: &'a str,
}

/// Evidence by failure family, then container.
type Targets<'a> = BTreeMap<(&'a str, Target<'a>), Vec<Evidence<'a>>>;

/// A container, all its evidence in one family, and the evidence chosen
/// as its cause there.
type Choice<'t, 'a> = (&'t Target<'a>, &'t [Evidence<'a>], &'t Evidence<'a>);

/// [`Targets`] while the evidence is gathered: one lookup per event and
/// container state, cheaper by hash than by comparing strings down a
/// B-tree. Sorted into [`Targets`] once every piece is in.
type Gathering<'a> = HashMap<(&'a str, Target<'a>), Vec<Evidence<'a>>>;

#[derive(Default)]
struct FindingAcc<'a> {
    pods: BTreeSet<AffectedPod>,
    objects: BTreeSet<String>,
    events: u64,
    first_seen: Option<&'a str>,
    last_seen: Option<&'a str>,
    /// (is a cause, tier, count, message) of the best sample so far.
    sample: Option<(bool, Tier, u64, Cow<'a, str>)>,
    /// Other runbooks recorded for the same containers: runbook → events.
    also: BTreeMap<usize, u64>,
    /// Lines from cross-checks of the bundle's own objects.
    notes: BTreeSet<String>,
    /// The affected pods the bundle holds, for cross-checks.
    live: BTreeMap<(&'a str, &'a str), &'a Pod>,
    /// The nodes the affected pods ran on.
    nodes: BTreeSet<&'a str>,
    /// Resources the scheduler or kubelet said were short (`Insufficient cpu`).
    resources: BTreeSet<String>,
}

impl<'a> FindingAcc<'a> {
    fn add_occurrence(&mut self, e: &Evidence<'a>) {
        if e.tier != Tier::Status {
            self.events += e.count();
        }
        if e.checked {
            self.notes.insert(e.message().to_string());
        }
        self.first_seen = min_time(self.first_seen, e.first_seen());
        self.last_seen = max_time(self.last_seen, e.last_seen());
    }

    fn offer_sample(&mut self, e: &Evidence<'a>) {
        let better = |best: &(bool, Tier, u64, Cow<'a, str>)| {
            (!e.symptom, e.tier, e.count()) > (best.0, best.1, best.2)
        };
        if self.sample.as_ref().is_none_or(better) {
            self.sample = Some((!e.symptom, e.tier, e.count(), e.sample()));
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

/// The failure family of each runbook: the part of its id before `/`. A
/// user runbook whose id has no `/` (a TSG like `TSG-POD-IMAGEPULL-001`)
/// joins the family of the built-in runbooks sharing its `issue_type`, so a
/// broad TSG and a specific runbook never both claim one container.
fn families(corpus: &Corpus) -> Vec<String> {
    let mut by_issue_type: HashMap<&str, &str> = HashMap::new();
    for rb in corpus.runbooks() {
        if let Some((prefix, _)) = rb.id.split_once('/') {
            if !rb.issue_type.is_empty() {
                by_issue_type.entry(&rb.issue_type).or_insert(prefix);
            }
        }
    }
    corpus
        .runbooks()
        .iter()
        .map(|rb| match rb.id.split_once('/') {
            Some((prefix, _)) => prefix.to_string(),
            None => {
                by_issue_type.get(rb.issue_type.as_str()).map_or_else(|| rb.id.clone(), |p| p.to_string())
            }
        })
        .collect()
}

/// What events said of a container besides its failure.
#[derive(Clone, Copy, Default)]
struct Seen<'a> {
    host: Option<&'a str>,
    image: Option<&'a str>,
}

/// Everything the grouping loop gathers before choosing causes.
struct Gathered<'a> {
    targets: Gathering<'a>,
    /// The first node (an event's `source.host`) and image (named in an
    /// event's message) seen for each container: one map, so an event
    /// costs one lookup for both.
    seen: HashMap<Target<'a>, Seen<'a>>,
    non_pod: BTreeMap<usize, FindingAcc<'a>>,
    unclassified: Unclassifier,
}

/// Groups the classified records of a bundle into findings.
pub fn group(corpus: &Corpus, classified: &Classified<'_>) -> Grouped {
    let objects = classified.objects;
    let pods: HashMap<(&str, &str), &Pod> =
        classified.pods.iter().map(|(p, _)| ((p.namespace.as_str(), p.name.as_str()), *p)).collect();
    let workloads = Workloads::new(&objects.workloads);
    let facts = Facts::new(objects);
    let families = families(corpus);
    let mut g = Gathered {
        targets: HashMap::new(),
        seen: HashMap::new(),
        non_pod: BTreeMap::new(),
        unclassified: Unclassifier::default(),
    };
    for &(event, verdict) in &classified.events {
        gather_event(&mut g, &pods, &families, event, verdict);
    }
    for &(pod, verdicts) in &classified.pods {
        gather_pod(&mut g, &families, pod, verdicts);
    }
    if let Some(runbook) = corpus.position(MISSING_PULL_SECRET) {
        gather_missing_pull_secrets(&mut g.targets, &facts, &pods, &families, runbook);
    }
    let mut targets: Targets = std::mem::take(&mut g.targets).into_iter().collect();
    attach_podwide_evidence(&mut targets);

    // Each container's cause, as a position in its evidence, and the
    // finding it is filed under: positions, not references, so that the
    // evidence can be let go container by container below, as the findings
    // fill up (the end of a scan is when its memory peaks).
    let picks: Vec<Option<(usize, usize)>> = {
        let chosen: Vec<Option<usize>> = targets.values().map(|evidence| choose(corpus, evidence)).collect();
        let choices: Vec<Choice> = targets
            .iter()
            .zip(&chosen)
            .filter_map(|(((_, target), evidence), chosen)| {
                Some((target, evidence.as_slice(), &evidence[(*chosen)?]))
            })
            .collect();
        let mut filed_under = file_under_explaining(corpus, &choices).into_iter();
        chosen.into_iter().map(|chosen| Some((chosen?, filed_under.next()?))).collect()
    };
    // Only the insufficient-resources check reads which resources were short.
    let insufficient = corpus.position(crosscheck::INSUFFICIENT_RESOURCES);
    let mut accs: BTreeMap<usize, FindingAcc<'_>> = BTreeMap::new();
    let mut counted: HashSet<*const Event> = HashSet::new();
    for (((_, target), evidence), pick) in targets.into_iter().zip(picks) {
        let Some((chosen, runbook)) = pick else { continue };
        let (target, chosen) = (&target, &evidence[chosen]);
        let acc = accs.entry(runbook).or_default();
        for e in &evidence {
            if e.event().is_none_or(|event| counted.insert(std::ptr::from_ref(event))) {
                acc.add_occurrence(e);
                if e.runbook != runbook {
                    // A recorded state is not an event: it names the cause, counts nothing.
                    *acc.also.entry(e.runbook).or_default() +=
                        if e.tier == Tier::Status { 0 } else { e.count() };
                }
            }
            if e.runbook == runbook && Some(runbook) == insufficient {
                acc.resources.extend(crosscheck::resources_named(e.message()));
            }
        }
        if !chosen.checked {
            acc.offer_sample(chosen);
        } else {
            // A cross-check named the cause; the sample stays a message the
            // cluster wrote (the registry's 401), the check is in the evidence.
            evidence.iter().filter(|e| !e.checked).for_each(|e| acc.offer_sample(e));
        }
        // Evidence about an earlier pod of this name describes that pod, not
        // the one in the bundle; only its workload is shared.
        let same_name = pods.get(&(target.namespace, target.pod)).copied();
        let pod = same_name.filter(|_| !target.earlier);
        let owner = match same_name {
            Some(p) => workloads.top_owner(p),
            None => workloads.top_owner(&Pod {
                namespace: target.namespace.into(),
                name: target.pod.into(),
                ..Pod::default()
            }),
        };
        let Seen { host, image } = g.seen.get(target).copied().unwrap_or_default();
        let affected = affected_pod(target, pod, owner, host, image);
        if let Some(pod) = pod {
            acc.live.insert((&pod.namespace, &pod.name), pod);
        }
        if let Some(node) = pod.map(|p| p.node.as_str()).filter(|n| !n.is_empty()).or(host) {
            acc.nodes.insert(node);
        }
        acc.pods.insert(affected);
    }
    for (runbook, acc) in std::mem::take(&mut g.non_pod) {
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
    let mut findings: Vec<Finding> =
        accs.into_iter().map(|(runbook, acc)| finding(corpus, &facts, runbook, acc)).collect();
    findings.sort_by(|a, b| {
        (b.severity, b.pod_count(), b.events, &a.id).cmp(&(a.severity, a.pod_count(), a.events, &b.id))
    });
    Grouped { findings, unclassified: g.unclassified.finish(), pods_affected }
}

fn gather_event<'a>(
    g: &mut Gathered<'a>,
    pods: &HashMap<(&str, &str), &'a Pod>,
    families: &'a [String],
    event: &'a Event,
    verdict: Option<&'a Verdict>,
) {
    let Some(verdict) = verdict else {
        if event.is_warning() && !NOT_FAILURES.iter().any(|m| event.message.starts_with(m)) {
            let subject = format!("{}/{}/{}", event.subject.kind, event.namespace, event.subject.name);
            g.unclassified.add(&event.reason, &event.message, event.count, subject);
        }
        return;
    };
    let tier =
        if event.message.starts_with("Failed to pull image") { Tier::PullFailure } else { Tier::Event };
    let evidence = Evidence {
        record: Record::Event(event),
        runbook: verdict.runbook,
        symptom: verdict.symptom,
        tier,
        checked: false,
    };
    if event.subject.kind != "Pod" || event.subject.name.is_empty() {
        let acc = g.non_pod.entry(verdict.runbook).or_default();
        acc.objects.insert(describe_object(&event.subject.kind, &event.namespace, &event.subject.name));
        acc.add_occurrence(&evidence);
        acc.offer_sample(&evidence);
        return;
    }
    let namespace = event.subject_namespace();
    let same_name = pods.get(&(namespace, event.subject.name.as_str())).copied();
    // A pod re-created under the same name is another pod.
    let earlier = match (same_name.and_then(|p| p.uid), event.subject.uid) {
        (Some(pod), Some(subject)) => pod != subject,
        _ => false,
    };
    let pod = same_name.filter(|_| !earlier);
    let image = image_in_message(&event.message);
    let container =
        event.subject.container().or_else(|| pod.and_then(|p| container_for(p, image))).unwrap_or_default();
    let target = Target { namespace, pod: &event.subject.name, earlier, container };
    let host = Some(event.host.as_str()).filter(|h| !h.is_empty());
    if host.is_some() || image.is_some() {
        let seen = g.seen.entry(target).or_default();
        seen.host = seen.host.or(host);
        seen.image = seen.image.or(image);
    }
    g.targets.entry((&families[verdict.runbook], target)).or_default().push(evidence);
}

/// The pod's own status and scheduling condition (pod-wide evidence), then
/// each container's waiting, terminated and last-terminated state.
fn gather_pod<'a>(g: &mut Gathered<'a>, families: &'a [String], pod: &'a Pod, verdicts: &'a PodVerdicts) {
    let subject = || format!("Pod/{}/{}", pod.namespace, pod.name);
    let target =
        |container: &'a str| Target { namespace: &pod.namespace, pod: &pod.name, earlier: false, container };
    let podwide = [
        (&verdicts.status, (pod.reason.as_str(), pod.message.as_str())),
        (&verdicts.scheduling, pod.unscheduled().map_or(("", ""), |c| (&c.reason, &c.message))),
    ];
    for (verdict, (reason, message)) in podwide {
        match verdict {
            Some(v) => {
                let line = if message.is_empty() { reason } else { message };
                let evidence = Evidence::status(v, Cow::Borrowed(line));
                g.targets.entry((&families[v.runbook], target(""))).or_default().push(evidence);
            }
            None if !reason.is_empty() || !message.is_empty() => {
                g.unclassified.add(reason, message, 1, subject())
            }
            None => {}
        }
    }
    for (status, verdicts) in pod.statuses.iter().zip(&verdicts.containers) {
        let states = container_states(status, verdicts);
        if states.iter().all(|(verdict, _, _)| verdict.is_none()) {
            // Listed, not dropped: a failure no runbook explains yet.
            for (_, reason, line) in states {
                g.unclassified.add(reason, &line, 1, subject());
            }
            continue;
        }
        // Once one state is explained, the others are the same story
        // (a crash loop's last exit): they stay in the container's state line.
        for (verdict, _, line) in states {
            if let Some(v) = verdict {
                let evidence = Evidence::status(v, Cow::Owned(line));
                g.targets.entry((&families[v.runbook], target(&status.name))).or_default().push(evidence);
            }
        }
    }
}

/// Whether [`gather_pod`] has nothing to take from `pod`: no verdict, no
/// state to report or template, no masked text. Such a pod enters a
/// finding only through an event about it.
fn says_nothing(pod: &Pod, verdicts: &PodVerdicts) -> bool {
    verdicts.status.is_none()
        && verdicts.scheduling.is_none()
        && pod.reason.is_empty()
        && pod.message.is_empty()
        && pod.unscheduled().is_none()
        && coverage::masked_in_pod(pod) == 0
        && pod.statuses.len() == verdicts.containers.len()
        && pod.statuses.iter().zip(&verdicts.containers).all(|(s, v)| container_states(s, v).is_empty())
}

/// The failing states of a container worth reporting, each with its
/// verdict, its reason and the line shown for it.
fn container_states<'a>(
    status: &'a ContainerStatus,
    verdicts: &'a ContainerVerdicts,
) -> Vec<(Option<&'a Verdict>, &'a str, String)> {
    let mut states = Vec::new();
    if !BENIGN_WAITING.contains(&status.waiting_reason.as_str()) {
        let line =
            if status.waiting_message.is_empty() { &status.waiting_reason } else { &status.waiting_message };
        states.push((verdicts.waiting.as_ref(), status.waiting_reason.as_str(), line.to_string()));
    }
    if !BENIGN_TERMINATED.contains(&status.terminated_reason.as_str()) || verdicts.terminated.is_some() {
        let line = exit_line("terminated", &status.terminated_reason, status.terminated_exit_code);
        states.push((verdicts.terminated.as_ref(), status.terminated_reason.as_str(), line));
    }
    let restarted = status.restart_count > 0;
    if restarted
        && (!BENIGN_TERMINATED.contains(&status.last_terminated_reason.as_str())
            || verdicts.last_terminated.is_some())
    {
        let line =
            exit_line("last terminated", &status.last_terminated_reason, status.last_terminated_exit_code);
        states.push((verdicts.last_terminated.as_ref(), status.last_terminated_reason.as_str(), line));
    }
    states
}

/// `container terminated: OOMKilled (exit code 137)`, the line a container
/// state is shown (or templated) as.
fn exit_line(what: &str, reason: &str, exit_code: Option<i64>) -> String {
    let reason = if reason.is_empty() { "no reason recorded" } else { reason };
    match exit_code {
        Some(code) => format!("container {what}: {reason} (exit code {code})"),
        None => format!("container {what}: {reason}"),
    }
}

/// Pull secrets a pod names that the bundle shows do not exist: pod-wide
/// evidence for `image-pull/missing-pull-secret`, added only to pods that
/// have an image-pull failure (a stale reference on a running pod is harmless).
fn gather_missing_pull_secrets<'a>(
    targets: &mut Gathering<'a>,
    facts: &Facts<'_>,
    pods: &HashMap<(&str, &str), &'a Pod>,
    families: &'a [String],
    runbook: usize,
) {
    let family = families[runbook].as_str();
    let failing: BTreeSet<(&str, &str)> = targets
        .keys()
        .filter(|(f, t)| *f == family && !t.earlier)
        .map(|(_, t)| (t.namespace, t.pod))
        .collect();
    for (namespace, name) in failing {
        let Some(pod) = pods.get(&(namespace, name)) else { continue };
        for note in facts.missing_pull_secrets(pod) {
            let target = Target { namespace: &pod.namespace, pod: &pod.name, earlier: false, container: "" };
            targets.entry((family, target)).or_default().push(Evidence::check(runbook, note));
        }
    }
}

/// Which piece of a container's evidence names its root cause, or `None`
/// when there is none. Cause over symptom, pull failure over other events
/// over the container state, recent over old, specific over generic,
/// frequent over rare; then a recorded cause that `explains` the chosen one
/// wins.
fn choose<'a>(corpus: &Corpus, evidence: &[Evidence<'a>]) -> Option<usize> {
    let rank = |e: &Evidence<'a>| {
        (!e.symptom, e.tier, e.last_seen().map(time_key), corpus.get(e.runbook).priority, e.count())
    };
    let by_rank = |a: &(usize, &Evidence<'a>), b: &(usize, &Evidence<'a>)| rank(a.1).cmp(&rank(b.1));
    let (chosen, cause) = evidence.iter().enumerate().max_by(by_rank)?;
    let chosen_id = &corpus.get(cause.runbook).id;
    let explaining = evidence
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.symptom && corpus.get(e.runbook).explains.contains(chosen_id))
        .max_by(by_rank);
    Some(explaining.map_or(chosen, |(at, _)| at))
}

/// The runbook each choice is filed under. Causes are chosen per family, but
/// `explains` crosses families: a container whose liveness probe failed and
/// which then crash-looped is one liveness finding, the crash loop named
/// in its evidence. A pod-wide cause (an eviction) explains the causes of
/// its containers too.
fn file_under_explaining(corpus: &Corpus, choices: &[Choice]) -> Vec<usize> {
    let mut causes_by_target: HashMap<&Target, Vec<usize>> = HashMap::new();
    for (target, _, chosen) in choices {
        if !chosen.symptom {
            causes_by_target.entry(target).or_default().push(chosen.runbook);
        }
    }
    choices
        .iter()
        .map(|(target, _, chosen)| {
            let id = &corpus.get(chosen.runbook).id;
            let podwide = Target { container: "", ..**target };
            let candidates = causes_by_target.get(target).into_iter().chain(causes_by_target.get(&podwide));
            candidates
                .flatten()
                .copied()
                .find(|&other| other != chosen.runbook && corpus.get(other).explains.contains(id))
                .unwrap_or(chosen.runbook)
        })
        .collect()
}

/// Evidence about a pod that names no container (the kubelet's
/// `FailedToRetrieveImagePullSecret` warning is pod-wide) belongs with the
/// containers of that pod that have evidence of the same family: without
/// this, one pod would show up under two causes. It takes part in ranking
/// for each of them; its count is still added only once.
fn attach_podwide_evidence(targets: &mut Targets<'_>) {
    let podwide: Vec<(&str, Target)> =
        targets.keys().filter(|(_, t)| t.container.is_empty()).copied().collect();
    for key in podwide {
        let (family, target) = &key;
        let siblings: Vec<(&str, Target)> = targets
            .range(key..)
            .skip(1)
            .map(|(k, _)| k)
            .take_while(|(f, t)| {
                f == family
                    && t.namespace == target.namespace
                    && t.pod == target.pod
                    && t.earlier == target.earlier
            })
            .copied()
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

fn finding(corpus: &Corpus, facts: &Facts<'_>, runbook: usize, acc: FindingAcc<'_>) -> Finding {
    let rb = corpus.get(runbook);
    let live: Vec<&Pod> = acc.live.values().copied().collect();
    let checks = acc
        .notes
        .iter()
        .cloned()
        .chain(facts.node_notes(&rb.id, &acc.nodes))
        .chain(facts.resource_notes(&rb.id, &live, &acc.resources));
    // Other causes seen on the same containers; symptoms are expected and
    // only counted.
    let also = acc
        .also
        .iter()
        .map(|(other, events)| (corpus.get(*other), events))
        .filter(|(other, _)| !other.symptom)
        .map(|(other, events)| match events {
            0 => format!("also recorded on these containers: {} (in their recorded state)", other.id),
            _ => format!(
                "also recorded on these containers: {} ({})",
                other.id,
                crate::report::plural(*events, "event")
            ),
        });
    let evidence =
        checks.chain(also).chain(recovery_note(&acc.pods)).map(|l| text::redact(&l).into_owned()).collect();
    Finding {
        id: rb.id.clone(),
        title: rb.title.clone(),
        severity: rb.severity,
        pods: without_redundant_podwide_rows(acc.pods),
        objects: acc.objects.into_iter().collect(),
        events: acc.events,
        first_seen: acc.first_seen.map(str::to_string),
        last_seen: acc.last_seen.map(str::to_string),
        sample: acc.sample.map(|s| text::redact(&s.3).into_owned()).unwrap_or_default(),
        evidence,
        fix: rb.fix().to_string(),
        runbook_source: rb.source.clone(),
    }
}

/// A pod listed with its containers needs no extra row for the pod as a
/// whole (an eviction that also explains its containers' exits).
/// The rows are picked before any moves, so the names need no copies, and
/// the list is sized once: a finding can have thousands of rows, built at
/// the end of a scan, when its memory peaks.
fn without_redundant_podwide_rows(pods: BTreeSet<AffectedPod>) -> Vec<AffectedPod> {
    let with_containers: HashSet<(&str, &str)> = pods
        .iter()
        .filter(|p| !p.container.is_empty())
        .map(|p| (p.namespace.as_str(), p.name.as_str()))
        .collect();
    let keep: Vec<bool> = pods
        .iter()
        .map(|p| {
            !p.container.is_empty() || !with_containers.contains(&(p.namespace.as_str(), p.name.as_str()))
        })
        .collect();
    drop(with_containers);
    let mut rows = Vec::with_capacity(keep.iter().filter(|k| **k).count());
    rows.extend(pods.into_iter().zip(keep).filter_map(|(pod, keep)| keep.then_some(pod)));
    rows
}

/// The container of `pod` that runs `image`, or its only container.
fn container_for<'p>(pod: &'p Pod, image: Option<&str>) -> Option<&'p str> {
    if let Some(image) = image {
        let by_image = pod.containers.iter().find(|c| c.image == image).map(|c| c.name.as_str());
        if by_image.is_some() {
            return by_image;
        }
    }
    match pod.containers.as_slice() {
        [only] => Some(&only.name),
        _ => None,
    }
}

fn describe_object(kind: &str, namespace: &str, name: &str) -> String {
    let kind = if kind.is_empty() { "object" } else { kind };
    match (namespace.is_empty(), name.is_empty()) {
        (true, true) => format!("{kind} (unnamed)"),
        (false, true) => format!("{kind} in {namespace} (unnamed)"),
        (true, false) => format!("{kind}/{name}"),
        (false, false) => format!("{kind}/{namespace}/{name}"),
    }
}

fn affected_pod(
    target: &Target,
    pod: Option<&Pod>,
    owner: Option<OwnerRef>,
    host: Option<&str>,
    event_image: Option<&str>,
) -> AffectedPod {
    let status = pod.and_then(|p| p.statuses.iter().find(|s| s.name == target.container));
    let status_image = status.map(|s| s.image.as_str()).filter(|i| !i.is_empty());
    let spec_image =
        pod.and_then(|p| p.containers.iter().find(|c| c.name == target.container)).map(|c| c.image.as_str());
    let redact = |s: &str| text::redact(s).into_owned();
    let state = status.map(container_state);
    AffectedPod {
        namespace: redact(target.namespace),
        owner: owner
            .map(|o| OwnerRef { kind: text::redact(&o.kind).into(), name: text::redact(&o.name).into() }),
        name: redact(target.pod),
        container: redact(target.container),
        image: redact(spec_image.or(status_image).or(event_image).unwrap_or_default()),
        node: redact(pod.map(|p| p.node.as_str()).filter(|n| !n.is_empty()).or(host).unwrap_or_default()),
        state: state.map(|s| redact(&s)).unwrap_or_default(),
    }
}

/// A running container that fails its readiness probe.
const NOT_READY: &str = "not ready";

/// `running`, `running, not ready`, `waiting: ImagePullBackOff`, `terminated: Error (exit 1)`,
/// `waiting: CrashLoopBackOff, 12 restarts, last OOMKilled (exit 137)`.
fn container_state(status: &ContainerStatus) -> String {
    let exit = |reason: &str, code: Option<i64>| match code {
        Some(code) if reason.is_empty() => format!("exit {code}"),
        Some(code) => format!("{reason} (exit {code})"),
        None => reason.to_string(),
    };
    let mut state = if !status.waiting_reason.is_empty() {
        format!("waiting: {}", status.waiting_reason)
    } else if !status.terminated_reason.is_empty() || status.terminated_exit_code.is_some() {
        format!("terminated: {}", exit(&status.terminated_reason, status.terminated_exit_code))
    } else if status.ready {
        "running".to_string()
    } else {
        format!("running, {NOT_READY}")
    };
    if status.restart_count > 0 {
        state.push_str(&format!(", {}", crate::report::plural(status.restart_count, "restart")));
        let last = exit(&status.last_terminated_reason, status.last_terminated_exit_code);
        if !last.is_empty() {
            state.push_str(&format!(", last {last}"));
        }
    }
    state
}

/// When the pods of a finding are running again at capture time, the
/// events describe history: say so, since it changes what to do next.
fn recovery_note(pods: &BTreeSet<AffectedPod>) -> Option<String> {
    let known: Vec<&AffectedPod> = pods.iter().filter(|p| !p.state.is_empty()).collect();
    let running =
        known.iter().filter(|p| p.state.starts_with("running") && !p.state.contains(NOT_READY)).count();
    match (running, known.len()) {
        (0, _) => None,
        (1, 1) if pods.len() == 1 => Some(
            "the affected container was running when the bundle was taken: the failure may be over".into(),
        ),
        (r, k) if r == k && r == pods.len() => Some(format!(
            "all {r} affected containers were running when the bundle was taken: the failure may be over"
        )),
        (r, k) => Some(format!(
            "{r} of the {k} affected containers with a recorded state were running when the bundle was taken"
        )),
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
        let key = text::redact(&template(&line)).into_owned();
        let entry = self
            .by_template
            .entry(key)
            .or_insert_with(|| (0, BTreeSet::new(), HashSet::new(), text::redact(&line).into_owned()));
        entry.0 += count;
        if !reason.is_empty() {
            entry.1.insert(text::redact(reason).into_owned());
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
