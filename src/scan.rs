//! Orchestration: input → decode → classify → group → report.
//!
//! The only module that uses threads. With more than one thread, one
//! producer thread reads and inflates the bundle and hands entries through
//! a bounded queue to rayon workers that decode them, so decompression and
//! parsing overlap and memory stays bounded by the queue, not the bundle.
//! With one thread, [`analyze`] runs the same steps in order on the calling
//! thread (the sequential twin, and the reference for determinism tests).
//! Results are sorted by entry path before they are merged, so the report
//! never depends on archive member order or thread timing.

use std::collections::HashSet;
use std::io::Write;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use anyhow::{bail, Context};
use rayon::prelude::*;

use crate::classify::{Matcher, PodVerdicts, Verdict};
use crate::config::Config;
use crate::decode::decode;
use crate::group::{group, Classified};
use crate::input::{self, Item, Limits, Source};
use crate::model::Objects;
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

/// Entries queued between the reading thread and the decoders. Entries are
/// whole files, so memory is bounded by this many entries plus one per
/// worker, each at most `--max-entry-size`.
const QUEUE_DEPTH: usize = 8;

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

/// What became of one input item.
struct EntryResult {
    path: String,
    /// Position in the input stream: the tie-break that keeps two members
    /// with the same path (a tar may hold both) in a fixed order.
    seq: usize,
    outcome: EntryOutcome,
}

enum EntryOutcome {
    Objects(Objects, Vec<String>),
    /// Structured data holding nothing we use, or not structured at all.
    Skipped {
        recognised: bool,
    },
    Failed(Vec<String>),
    Unreadable(String),
    Ignored,
}

fn process((seq, item): (usize, Item)) -> EntryResult {
    match item {
        Item::Entry(entry) => {
            let decoded = decode(&entry);
            let outcome = if !decoded.objects.is_empty() {
                EntryOutcome::Objects(decoded.objects, decoded.errors)
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
    }
}

/// Reads, decodes, classifies and groups a bundle. `threads` 0 means one per
/// core; 1 runs everything on the calling thread.
pub fn analyze(source: &Source, corpus: &Corpus, limits: &Limits, threads: usize) -> anyhow::Result<Report> {
    let matcher = Matcher::new(corpus);
    let mut results = Vec::new();
    if threads == 1 {
        let mut seq = 0;
        input::read(source, limits, &mut |item| {
            results.push(process((seq, item)));
            seq += 1;
        })?;
        let objects = merge(&mut results);
        let (events, pods) = classify_sequential(&matcher, &objects);
        return finish(source, corpus, results, objects, &events, &pods);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start worker threads")?;
    let read_result = std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::sync_channel::<(usize, Item)>(QUEUE_DEPTH);
        let producer = scope.spawn(move || {
            let mut seq = 0;
            input::read_while(source, limits, &mut |item| {
                seq += 1;
                // The receiver only goes away if the workers stopped early
                // (a panic, reported by the join below): then reading on
                // would only inflate the rest of the bundle for nothing.
                match sender.send((seq - 1, item)) {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(_) => ControlFlow::Break(()),
                }
            })
        });
        results = pool.install(|| drain(receiver, process));
        producer.join()
    });
    match read_result {
        Ok(result) => result?,
        Err(panic) => std::panic::resume_unwind(panic),
    }
    let objects = merge(&mut results);
    let (events, pods) = pool.install(|| classify_parallel(&matcher, &objects));
    finish(source, corpus, results, objects, &events, &pods)
}

/// Runs `work` on every item of `receiver` on the current rayon pool. If a
/// call panics, the other workers take no further item (rayon would let them
/// drain the queue to the end), so the receiver is dropped, the producer's
/// next send fails and it stops reading; then the panic propagates.
fn drain<T: Send, R: Send>(receiver: mpsc::Receiver<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    /// Raises the flag if dropped while its thread unwinds.
    struct OnPanic<'a>(&'a AtomicBool);
    impl Drop for OnPanic<'_> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                self.0.store(true, Ordering::Relaxed);
            }
        }
    }
    let panicked = AtomicBool::new(false);
    receiver
        .into_iter()
        .take_while(|_| !panicked.load(Ordering::Relaxed))
        .par_bridge()
        .map(|item| {
            let _guard = OnPanic(&panicked);
            work(item)
        })
        .collect()
}

pub(crate) type Verdicts = (Vec<Option<Verdict>>, Vec<PodVerdicts>);

/// Classifies every event and pod on this thread.
pub(crate) fn classify_sequential(matcher: &Matcher, objects: &Objects) -> Verdicts {
    (
        objects.events.iter().map(|e| matcher.classify_event(e)).collect(),
        objects.pods.iter().map(|p| matcher.classify_pod(p)).collect(),
    )
}

fn classify_parallel(matcher: &Matcher, objects: &Objects) -> Verdicts {
    (
        objects.events.par_iter().map(|e| matcher.classify_event(e)).collect(),
        objects.pods.par_iter().map(|p| matcher.classify_pod(p)).collect(),
    )
}

/// Merges the objects of all entries in path order, dropping copies of the
/// same object stored twice (a must-gather has every pod in `core/pods.yaml`
/// and again in `pods/<pod>/<pod>.yaml`).
fn merge(results: &mut [EntryResult]) -> Objects {
    results.sort_by(|a, b| (&a.path, a.seq).cmp(&(&b.path, b.seq)));
    let mut merged = Objects::default();
    for result in results.iter_mut() {
        if let EntryOutcome::Objects(objects, _) = &mut result.outcome {
            merged.append(std::mem::take(objects));
        }
    }
    // Events without a key (compact formats) cannot be told apart: all kept.
    dedup_by(&mut merged.events, |e| (!e.key.is_empty()).then(|| e.key.clone()));
    dedup_by(&mut merged.pods, |p| Some((p.namespace.clone(), p.name.clone(), p.uid.clone())));
    dedup_by(&mut merged.nodes, |n| Some(n.name.clone()));
    dedup_by(&mut merged.workloads, |w| Some((w.namespace.clone(), w.kind.clone(), w.name.clone())));
    dedup_by(&mut merged.service_accounts, |s| Some((s.namespace.clone(), s.name.clone())));
    dedup_by(&mut merged.secrets, |s| Some((s.namespace.clone(), s.name.clone())));
    merged
}

/// Keeps the first item of each key; items whose key is `None` are all kept.
fn dedup_by<T, K: std::hash::Hash + Eq>(items: &mut Vec<T>, key: impl Fn(&T) -> Option<K>) {
    let mut seen = HashSet::new();
    items.retain(|item| key(item).is_none_or(|k| seen.insert(k)));
}

fn finish(
    source: &Source,
    corpus: &Corpus,
    results: Vec<EntryResult>,
    objects: Objects,
    events: &[Option<Verdict>],
    pods: &[PodVerdicts],
) -> anyhow::Result<Report> {
    let mut summary =
        Summary { input: crate::text::redact(&source.display_name()).into_owned(), ..Summary::default() };
    let mut warnings = Vec::new();
    let mut recognised = 0u64;
    for result in &results {
        let mut warn = |message: String| {
            warnings.push(Warning {
                entry: crate::text::redact(&result.path).into_owned(),
                message: crate::text::redact(&message).into_owned(),
            })
        };
        match &result.outcome {
            EntryOutcome::Objects(_, errors) => {
                summary.entries += 1;
                summary.entries_with_objects += 1;
                recognised += 1;
                for error in errors {
                    warn(format!("partly read: {error}"));
                }
            }
            EntryOutcome::Skipped { recognised: structured } => {
                summary.entries += 1;
                summary.entries_skipped += 1;
                recognised += u64::from(*structured);
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
            EntryOutcome::Ignored => summary.entries_ignored += 1,
        }
    }
    if recognised == 0 {
        let detail = match warnings.first() {
            Some(w) => format!(": {}: {}", w.entry, w.message),
            None => format!(" ({} entries read, none of them JSON or YAML)", summary.entries),
        };
        bail!("no Kubernetes data found in {}{detail}", source.display_name());
    }
    summary.events = objects.events.len() as u64;
    summary.warning_events = objects.events.iter().filter(|e| e.is_warning()).count() as u64;
    summary.pods = objects.pods.len() as u64;
    summary.nodes = objects.nodes.len() as u64;
    summary.runbooks = corpus.len() as u64;
    let grouped = group(corpus, &Classified { objects: &objects, events, pods });
    summary.pods_affected = grouped.pods_affected;
    warnings.extend(crate::group::coverage(results.iter().map(|r| r.path.as_str()), &objects, &grouped));
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
        struct SlowUnwind;
        impl Drop for SlowUnwind {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    std::thread::sleep(std::time::Duration::from_millis(300));
                }
            }
        }
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let sent = std::thread::scope(|scope| {
            let (sender, receiver) = mpsc::sync_channel::<u32>(QUEUE_DEPTH);
            let producer = scope.spawn(move || (0..ENDLESS).take_while(|&i| sender.send(i).is_ok()).count());
            let drained = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                pool.install(|| {
                    drain(receiver, |i| {
                        // A slow unwind (like a panic hook capturing a
                        // backtrace) gives the other worker time to drain.
                        let _slow = SlowUnwind;
                        assert_ne!(i, 5, "worker fails");
                        i
                    })
                })
            }));
            assert!(drained.is_err());
            producer.join().unwrap()
        });
        // The other worker goes on while the panic hook prints (and maybe
        // captures a backtrace), so some items still pass; not all of them.
        assert!(sent < ENDLESS as usize, "the producer sent all {sent} items after the failure");
    }
}
