//! Orchestration: input → decode → classify → group → report.
//!
//! Each entry is decoded, classified and cut down to what grouping reads
//! ([`retain`]: the failures, the quiet pods packed, the rest only
//! counted) by the same task, so all of that overlaps with reading and a
//! bundle is never held whole. Entries that hold nothing (logs) are only
//! counted (`Collected`). At the end the entries' short lists are merged,
//! the packed pods some kept event names are unpacked, and the events and
//! pods are deduplicated by reference (in path order) for grouping.
//!
//! The only module that uses rayon or runs any work on threads (`input`
//! has a helper thread that only reads the source file ahead of the
//! inflater, whatever `threads` says). With more than one thread, one rayon
//! worker is the producer: it reads and inflates the bundle (or walks the
//! directory) and spawns a decode task per entry for the other workers, so
//! decompression and parsing overlap. The entries waiting for a worker are
//! bounded in bytes (`QUEUE_BYTES`); when the queue is full the producer
//! decodes the entry in hand itself instead of waiting, so every core stays
//! busy whichever stage is the slower and memory stays bounded by the queue
//! plus the entries being decoded, not by the bundle.
//! With one thread, [`analyze`] runs the same steps in order on the calling
//! thread, only the source file's read-ahead aside (the sequential twin,
//! and the reference for determinism tests).
//! Results are sorted by entry path before they are merged, so the report
//! never depends on archive member order or thread timing.

use std::io::Write;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use anyhow::{bail, Context};
// The sets that merge the entries hold a few hundred thousand short keys:
// foldhash (randomly seeded) hashes them in a third of SipHash's time.
use foldhash::HashSet;

use crate::classify::{Matcher, PodVerdicts, Verdict};
use crate::config::Config;
use crate::decode::{decode_sifted, may_hold_objects};
use crate::group::{
    group, pod_name_key, retain, Classified, PackedPods, Scope, Sieve, Tallies, Tally, Totals,
};
use crate::input::{self, Item, Limits, Source};
use crate::model::{Objects, Pod};
use crate::report::{self, Report, Summary, Warning, SCHEMA_VERSION};
use crate::runbook::Corpus;

/// How a completed run should exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The scan ran (findings or not).
    Scanned,
    /// The scan ran and found something at or above `--fail-on`.
    FailOn,
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Scanned => 0,
            Outcome::FailOn => 1,
        }
    }
}

/// Bytes of entries read but not yet taken by a decoder. Enough for the
/// workers never to run dry between two entries of a bundle; small next to
/// what the entries being decoded hold.
const QUEUE_BYTES: usize = 4 << 20;

// The input stage must show `may_hold_objects` all the bytes it needs.
const _: () = assert!(input::HEAD_BYTES >= crate::decode::HEAD_BYTES);

/// Runs the command described by `config`, writing the report to `out`.
pub fn run(config: &Config, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let mut corpus = Corpus::builtin().context("the built-in runbook corpus is invalid")?;
    for dir in &config.runbook_dirs {
        corpus = corpus.extend_from_dir(dir).context("cannot load runbooks")?;
    }
    if config.list_runbooks {
        report::render_runbooks(&corpus, config.format, out)?;
        return Ok(Outcome::Scanned);
    }
    let Some(source) = &config.source else { bail!("no input given") };
    let report = analyze(source, &corpus, &config.limits, config.threads)?;
    report::render(&report, config.format, config.style, out)?;
    let failing = config.fail_on.is_some_and(|level| report.findings.iter().any(|f| f.severity >= level));
    Ok(if failing { Outcome::FailOn } else { Outcome::Scanned })
}

/// The matcher, built by the first entry that needs it. With more than one
/// thread that is a decode task on a worker, while the reader goes on
/// inflating: building the automaton takes about 6 ms, otherwise the whole
/// of a scan's start, with the second core idle.
struct LazyMatcher<'c> {
    corpus: &'c Corpus,
    built: OnceLock<Matcher>,
}

impl LazyMatcher<'_> {
    fn get(&self) -> &Matcher {
        self.built.get_or_init(|| Matcher::new(self.corpus))
    }
}

/// What became of one input item.
struct EntryResult {
    path: String,
    /// Position in the input stream: the tie-break that keeps two members
    /// with the same path (a tar may hold both) in a fixed order.
    seq: usize,
    outcome: EntryOutcome,
}

/// What is kept of an entry that held objects.
struct Kept {
    /// The objects grouping reads, with their verdicts.
    objects: Objects,
    verdicts: Verdicts,
    /// The pods that say nothing, packed: unpacked if an event names them.
    quiet_pods: PackedPods,
    tally: Tally,
    /// Problems reading the entry.
    errors: Vec<String>,
}

enum EntryOutcome {
    Objects(Box<Kept>),
    /// Structured data holding nothing we use, or not structured at all.
    Skipped {
        recognised: bool,
    },
    Failed(Vec<String>),
    Unreadable(String),
    Ignored,
}

/// What the scan keeps of the items read: in full, every entry with
/// something to report; of the rest (logs, files holding nothing we read,
/// links), only how many there were. Every path goes past the coverage
/// [`Scope`] first, and every entry's tally into the bundle's [`Tallies`].
#[derive(Default)]
struct Collected {
    entries: Vec<EntryResult>,
    tallies: Tallies,
    skipped: u64,
    /// Skipped entries that were JSON or YAML all the same.
    skipped_structured: u64,
    ignored: u64,
    scope: Scope,
}

impl Extend<EntryResult> for Collected {
    fn extend<I: IntoIterator<Item = EntryResult>>(&mut self, results: I) {
        for mut result in results {
            self.scope.add(&result.path);
            match &mut result.outcome {
                EntryOutcome::Skipped { recognised } => {
                    self.skipped += 1;
                    self.skipped_structured += u64::from(*recognised);
                }
                EntryOutcome::Ignored => self.ignored += 1,
                EntryOutcome::Objects(kept) => {
                    self.tallies.absorb(std::mem::take(&mut kept.tally));
                    self.entries.push(result);
                }
                _ => self.entries.push(result),
            }
        }
    }
}

/// Decodes and classifies one input item: the work a decode task does.
fn process(matcher: &LazyMatcher, (seq, item): (usize, Item)) -> EntryResult {
    match item {
        Item::Entry(entry) => {
            let matcher = matcher.get();
            // What grouping keeps is decided here, on the worker, event by
            // event as they are decoded: a bundle is never held whole.
            let mut sieve = Sieve::new(matcher);
            let decoded = decode_sifted(&entry, &mut |event| sieve.sift(event));
            let outcome = if !decoded.objects.is_empty() || sieve.saw_events() {
                let mut objects = decoded.objects;
                let mut pods = objects.pods.iter().map(|p| matcher.classify_pod(p)).collect();
                let (events, tally, quiet_pods) = retain(&mut objects, sieve, &mut pods);
                let errors = decoded.errors;
                EntryOutcome::Objects(Box::new(Kept {
                    objects,
                    verdicts: (events, pods),
                    quiet_pods,
                    tally,
                    errors,
                }))
            } else if !decoded.errors.is_empty() {
                EntryOutcome::Failed(decoded.errors)
            } else {
                EntryOutcome::Skipped { recognised: decoded.recognised }
            };
            EntryResult { path: entry.path, seq, outcome }
        }
        Item::Unreadable { path, reason } => {
            EntryResult { path, seq, outcome: EntryOutcome::Unreadable(reason) }
        }
        Item::Ignored { path, .. } => EntryResult { path, seq, outcome: EntryOutcome::Ignored },
        // What decode would have found nothing in (see `may_hold_objects`).
        Item::NotLoaded { path } => {
            EntryResult { path, seq, outcome: EntryOutcome::Skipped { recognised: false } }
        }
    }
}

/// Reads, decodes, classifies and groups a bundle. `threads` 0 means one per
/// core; 1 runs everything but the file's read-ahead on the calling thread.
pub fn analyze(source: &Source, corpus: &Corpus, limits: &Limits, threads: usize) -> anyhow::Result<Report> {
    let matcher = LazyMatcher { corpus, built: OnceLock::new() };
    let mut collected = if threads == 1 {
        let mut collected = Collected::default();
        let mut seq = 0;
        input::read_while(source, limits, &may_hold_objects, &mut |item| {
            collected.extend([process(&matcher, (seq, item))]);
            seq += 1;
            ControlFlow::Continue(())
        })?;
        collected
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .context("cannot start worker threads")?;
        read_parallel(source, limits, &matcher, &pool)?
    };
    // The automaton (a few MB) is done with: grouping, when a scan's memory
    // peaks, can have its room.
    drop(matcher);
    let totals = std::mem::take(&mut collected.tallies).total();
    let results = &mut collected.entries;
    results.sort_by(|a, b| (&a.path, a.seq).cmp(&(&b.path, b.seq)));
    let context = merge_context(results);
    let unpacked = unpack_named(results);
    let kept: Vec<&Kept> = collected
        .entries
        .iter()
        .filter_map(|r| match &r.outcome {
            EntryOutcome::Objects(kept) => Some(&**kept),
            _ => None,
        })
        .collect();
    let classified = merge(&kept, &unpacked, &context);
    let report = finish(source, corpus, &collected, &classified, &totals);
    drop((classified, kept));
    if threads != 1 {
        // Freeing what the entries kept (tens of thousands of small
        // objects) takes a while at the end of a large scan: another
        // thread does it while this one renders the report.
        std::thread::spawn(move || drop((collected, unpacked, context)));
    }
    report
}

/// Reads `source` on one worker of `pool` and decodes its entries on all
/// of them (see the module doc). The results come back in no set order.
fn read_parallel(
    source: &Source,
    limits: &Limits,
    matcher: &LazyMatcher,
    pool: &rayon::ThreadPool,
) -> Result<Collected, input::InputError> {
    let mut seq = 0;
    let size = |job: &(usize, Item)| match &job.1 {
        Item::Entry(entry) => entry.data.len(),
        _ => 0,
    };
    spread(
        pool,
        size,
        |sink| {
            input::read_while(source, limits, &may_hold_objects, &mut |item| {
                seq += 1;
                sink((seq - 1, item))
            })
        },
        |job| process(matcher, job),
    )
}

/// Feeds the items `feed` produces to `work` on the workers of `pool`,
/// keeping at most `QUEUE_BYTES` (by `size`) waiting: past that, the feeding
/// thread does the work itself instead of waiting for room. Items of size 0
/// (entries passed over unread: most of a bundle's files are logs) are
/// worked on by the feeding thread too: waking a worker for each would cost
/// more than the work. If a `work` call panics, feeding stops (reading on
/// would only inflate the rest of the bundle for nothing) and the panic
/// propagates once the pool is done. The results are gathered into a `C`,
/// in no set order.
fn spread<T: Send, R: Send, E: Send, C: Default + Extend<R> + Send>(
    pool: &rayon::ThreadPool,
    size: impl Fn(&T) -> usize + Sync,
    feed: impl FnOnce(&mut dyn FnMut(T) -> ControlFlow<()>) -> Result<(), E> + Send,
    work: impl Fn(T) -> R + Sync,
) -> Result<C, E> {
    /// Raises the flag if dropped while its thread unwinds.
    struct OnPanic<'a>(&'a AtomicBool);
    impl Drop for OnPanic<'_> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                self.0.store(true, Ordering::Relaxed);
            }
        }
    }
    let results = Mutex::new(C::default());
    let queued = AtomicUsize::new(0);
    let panicked = AtomicBool::new(false);
    let save = |result: R| results.lock().unwrap_or_else(PoisonError::into_inner).extend([result]);
    let guarded = |item: T| {
        let _guard = OnPanic(&panicked);
        save(work(item));
    };
    pool.scope(|scope| {
        feed(&mut |item| {
            if panicked.load(Ordering::Relaxed) {
                return ControlFlow::Break(());
            }
            let bytes = size(&item);
            let waiting = queued.load(Ordering::Acquire);
            if bytes == 0 || (waiting > 0 && waiting + bytes > QUEUE_BYTES) {
                // Nothing to decode, or the workers are behind: do this one
                // here rather than wait.
                guarded(item);
                return ControlFlow::Continue(());
            }
            queued.fetch_add(bytes, Ordering::AcqRel);
            let (guarded, queued) = (&guarded, &queued);
            scope.spawn(move |_| {
                queued.fetch_sub(bytes, Ordering::AcqRel);
                guarded(item);
            });
            ControlFlow::Continue(())
        })
    })?;
    Ok(results.into_inner().unwrap_or_else(PoisonError::into_inner))
}

/// An entry's verdicts: one per event kept, one per pod kept.
type Verdicts = (Vec<Option<Verdict>>, Vec<PodVerdicts>);

/// Moves the short lists of every entry (nodes, workloads, service
/// accounts, secrets, what was not collected) into one `Objects`, each
/// object once, the first copy in path order. `results` must be in path
/// order.
fn merge_context(results: &mut [EntryResult]) -> Objects {
    let mut merged = Objects::default();
    for result in results.iter_mut() {
        if let EntryOutcome::Objects(kept) = &mut result.outcome {
            let objects = &mut kept.objects;
            // Taken, not appended: `append` would leave each entry's
            // emptied list holding its room until the end of the scan.
            merged.nodes.extend(std::mem::take(&mut objects.nodes));
            merged.workloads.extend(std::mem::take(&mut objects.workloads));
            merged.service_accounts.extend(std::mem::take(&mut objects.service_accounts));
            merged.secrets.extend(std::mem::take(&mut objects.secrets));
            merged.not_collected.extend(std::mem::take(&mut objects.not_collected));
        }
    }
    dedup_by(&mut merged.nodes, |n| (&n.name, "", ""));
    dedup_by(&mut merged.workloads, |w| (&w.namespace, &w.kind, &w.name));
    dedup_by(&mut merged.service_accounts, |s| (&s.namespace, &s.name, ""));
    dedup_by(&mut merged.secrets, |s| (&s.namespace, &s.name, ""));
    merged.shrink_to_fit();
    merged
}

/// The packed quiet pods of each entry that grouping could read: those a
/// kept event is about, and those that share a name with a kept pod (so
/// that the copy kept of a pod stays the first in path order). The packed
/// pods are dropped. One list per entry with objects, in `results` order.
fn unpack_named(results: &mut [EntryResult]) -> Vec<Vec<(Pod, PodVerdicts)>> {
    let mut kept: Vec<&mut Kept> = results
        .iter_mut()
        .filter_map(|r| match &mut r.outcome {
            EntryOutcome::Objects(kept) => Some(&mut **kept),
            _ => None,
        })
        .collect();
    let mut named = HashSet::default();
    for entry in &kept {
        let events = entry.objects.events.iter().filter(|e| e.subject.kind == "Pod");
        named.extend(events.map(|e| pod_name_key(e.subject_namespace(), &e.subject.name)));
        named.extend(entry.objects.pods.iter().map(|p| pod_name_key(&p.namespace, &p.name)));
    }
    kept.iter_mut()
        .map(|entry| {
            let packed = std::mem::take(&mut entry.quiet_pods);
            packed.unpack(|key| named.contains(&key))
        })
        .collect()
}

/// The events and pods of all entries (`kept`, in path order, with the
/// pods unpacked from each in `unpacked`), each once: the first copy in
/// path order of an object stored twice (a must-gather has every pod in
/// `core/pods.yaml` and again in `pods/<pod>/<pod>.yaml`). They stay where
/// their entries hold them.
fn merge<'a>(
    kept: &[&'a Kept],
    unpacked: &'a [Vec<(Pod, PodVerdicts)>],
    context: &'a Objects,
) -> Classified<'a> {
    let mut classified = Classified { events: Vec::new(), pods: Vec::new(), objects: context };
    let mut events_seen = HashSet::default();
    let mut pods_seen = HashSet::default();
    for (entry, unpacked) in kept.iter().zip(unpacked) {
        let (objects, (event_verdicts, pod_verdicts)) = (&entry.objects, &entry.verdicts);
        for (event, verdict) in objects.events.iter().zip(event_verdicts) {
            // Events without a key (compact formats) cannot be told apart: all kept.
            if event.key.is_none_or(|key| events_seen.insert(key)) {
                classified.events.push((event, verdict.as_ref()));
            }
        }
        let pods = objects.pods.iter().zip(pod_verdicts).chain(unpacked.iter().map(|(p, v)| (p, v)));
        for (pod, verdicts) in pods {
            if pods_seen.insert((pod.namespace.as_str(), pod.name.as_str(), pod.uid)) {
                classified.pods.push((pod, verdicts));
            }
        }
    }
    classified
}

/// Keeps the first item of each key (up to three of its fields). The keys
/// borrow from the items, so the items to keep are picked before any moves.
fn dedup_by<T>(items: &mut Vec<T>, key: impl Fn(&T) -> (&str, &str, &str)) {
    let mut seen = HashSet::default();
    let keep: Vec<bool> = items.iter().map(|item| seen.insert(key(item))).collect();
    let mut keep = keep.into_iter();
    items.retain(|_| keep.next().unwrap_or(true));
}

fn finish(
    source: &Source,
    corpus: &Corpus,
    collected: &Collected,
    classified: &Classified<'_>,
    totals: &Totals,
) -> anyhow::Result<Report> {
    let mut summary =
        Summary { input: crate::text::redact(&source.display_name()).into_owned(), ..Summary::default() };
    let mut warnings = Vec::new();
    summary.entries_skipped = collected.skipped;
    summary.entries_ignored = collected.ignored;
    summary.entries = collected.skipped;
    let mut recognised = collected.skipped_structured;
    for result in &collected.entries {
        let mut warn = |message: String| {
            warnings.push(Warning {
                entry: crate::text::redact(&result.path).into_owned(),
                message: crate::text::redact(&message).into_owned(),
            })
        };
        match &result.outcome {
            EntryOutcome::Objects(kept) => {
                summary.entries += 1;
                summary.entries_with_objects += 1;
                recognised += 1;
                for error in &kept.errors {
                    warn(format!("partly read: {error}"));
                }
            }
            EntryOutcome::Failed(errors) => {
                summary.entries += 1;
                summary.entries_failed += 1;
                for error in errors {
                    warn(error.clone());
                }
            }
            EntryOutcome::Unreadable(reason) => {
                summary.entries_failed += 1;
                warn(reason.clone());
            }
            // Counted as they came in (see `Collected`), not kept.
            EntryOutcome::Skipped { .. } | EntryOutcome::Ignored => {}
        }
    }
    if recognised == 0 {
        let detail = match warnings.first() {
            Some(w) => format!(": {}: {}", w.entry, w.message),
            None => format!(" ({} entries read, none of them JSON or YAML)", summary.entries),
        };
        bail!("no Kubernetes data found in {}{detail}", source.display_name());
    }
    summary.events = totals.events;
    // Every warning is kept, so the kept events count them all.
    summary.warning_events = classified.events.iter().filter(|(e, _)| e.is_warning()).count() as u64;
    summary.pods = totals.pods;
    summary.nodes = classified.objects.nodes.len() as u64;
    summary.runbooks = corpus.len() as u64;
    let grouped = group(corpus, classified);
    summary.pods_affected = grouped.pods_affected;
    warnings.extend(crate::group::coverage(&collected.scope, classified, totals, &grouped));
    warnings.sort();
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        findings: grouped.findings,
        unclassified: grouped.unclassified,
        summary,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A worker that panics stops the producer: it does not go on feeding
    /// (and, in a scan, inflating) the rest of the input for nothing.
    #[test]
    fn a_panicking_worker_stops_the_producer() {
        const ENDLESS: u32 = 5_000_000;
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let mut sent = 0usize;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            spread(
                &pool,
                |_: &u32| 1,
                |sink| {
                    for i in 0..ENDLESS {
                        if sink(i).is_break() {
                            break;
                        }
                        sent += 1;
                    }
                    Ok::<(), ()>(())
                },
                |i| assert_ne!(i, 5, "worker fails"),
            )
            .map(|done: Vec<()>| done.len())
        }));
        assert!(outcome.is_err(), "the panic propagates");
        assert!(sent < ENDLESS as usize, "the producer sent all {sent} items after the failure");
    }
}
