//! Throughput of bundle-scan on a generated support bundle (DESIGN.md §8).
//!
//! A troubleshoot-layout bundle (per-namespace `EventList`s and `PodList`s,
//! Deployments, ReplicaSets, and container logs making up ~40% of the bytes;
//! see `common/mod.rs`) is generated deterministically from a fixed seed,
//! then written once as an extracted directory and once as a `.tar.gz`.
//! Every benchmark reports MB/s of **uncompressed** input:
//!
//! * `bundle/read/tar.gz` — stage 1 alone (`input::read`: inflate + untar),
//!   the floor the whole pipeline is measured against;
//! * `bundle/decode` — `decode::decode` over every entry, from memory;
//! * `bundle/classify` — `Matcher::classify` over every event's reason and
//!   message (throughput counts the bytes of those texts only);
//! * `bundle/end_to_end/{tar.gz,dir}/{1-thread,all-cores}` — `scan::analyze`
//!   with the built-in corpus and default limits, as the CLI runs it.
//!
//! Before timing, the bundle's sizes are printed, each end-to-end
//! configuration is run once and checked to find the causes the generator
//! planted (so a broken pipeline cannot post a fast number), and a one-shot
//! breakdown of decode time by kind of entry (event lists, pod lists, logs)
//! is printed.
//!
//! `BUNDLE_SCAN_BENCH_LAYOUT=yaml` runs the same on the must-gather layout
//! (go-yaml YAML lists). `benches/compare.sh` runs bundle-scan side by side
//! with gzip, ripgrep and jq on bigger bundles.
//!
//! Run:
//!
//! ```text
//! cargo bench --bench scan                          # ~20 MB bundle
//! BUNDLE_SCAN_BENCH_MB=200 cargo bench --bench scan # bigger bundle
//! cargo bench --bench scan -- end_to_end            # only matching benchmarks
//! cargo bench --bench scan -- --warm-up-time 1 --measurement-time 3
//! ```

mod common;

use std::collections::BTreeSet;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use bundle_scan::classify::Matcher;
use bundle_scan::decode::decode;
use bundle_scan::input::{self, Entry, Limits, Source};
use bundle_scan::runbook::Corpus;
use bundle_scan::scan::analyze;
use criterion::{Criterion, Throughput};

use common::{Bundle, Layout, EXPECTED_FINDINGS};

const DEFAULT_MB: f64 = 20.0;
const SEED: u64 = 0x5eed_b0d1_e5ca_4e11;

fn target_bytes() -> u64 {
    let mb = match std::env::var("BUNDLE_SCAN_BENCH_MB") {
        Ok(v) => v.trim().parse::<f64>().ok().filter(|mb| *mb > 0.0).unwrap_or_else(|| {
            panic!("BUNDLE_SCAN_BENCH_MB must be a positive number of megabytes, got {v:?}")
        }),
        Err(_) => DEFAULT_MB,
    };
    (mb * 1e6) as u64
}

/// `BUNDLE_SCAN_BENCH_LAYOUT=yaml` benchmarks the must-gather layout.
fn layout() -> Layout {
    match std::env::var("BUNDLE_SCAN_BENCH_LAYOUT").as_deref() {
        Ok("yaml") | Ok("must-gather") => Layout::MustGather,
        _ => Layout::Troubleshoot,
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// Runs one end-to-end configuration and checks that it found what was planted.
fn check(name: &str, source: &Source, corpus: &Corpus, threads: usize, bundle: &Bundle) {
    let started = Instant::now();
    let report = analyze(source, corpus, &Limits::default(), threads)
        .unwrap_or_else(|e| panic!("{name}: analyze failed: {e:#}"));
    let elapsed = started.elapsed();
    let ids: BTreeSet<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
    let missing: Vec<&str> = EXPECTED_FINDINGS.iter().copied().filter(|id| !ids.contains(id)).collect();
    assert!(missing.is_empty(), "{name}: expected findings {missing:?} missing; got {ids:?}");
    let s = &report.summary;
    assert_eq!(s.events, bundle.events as u64, "{name}: events read");
    assert_eq!(s.pods, bundle.pods as u64, "{name}: pods read");
    assert_eq!(s.entries, bundle.files.len() as u64, "{name}: entries read");
    assert_eq!(s.entries_failed, 0, "{name}: failed entries: {:?}", report.warnings);
    println!(
        "  check {name:<22} ok in {:>6.0} ms: findings {ids:?}, {} unclassified templates, {} pods affected",
        elapsed.as_secs_f64() * 1e3,
        report.unclassified.len(),
        s.pods_affected,
    );
}

/// Which part of the bundle an entry belongs to, for the decode breakdown.
fn category(entry: &Entry) -> &'static str {
    let path = entry.path.as_str();
    if path.contains("/pods/logs/") || path.ends_with(".log") {
        if entry.data.first() == Some(&b'{') {
            "logs (JSON lines)"
        } else {
            "logs (text)"
        }
    } else if path.contains("/events/") || path.ends_with("/events.yaml") {
        "event lists"
    } else if path.contains("/pods/") || path.ends_with("/pods.yaml") {
        "pod lists"
    } else {
        "other"
    }
}

/// One-shot (best of three) decode time per kind of entry, to show where
/// decoding time goes. Not a criterion measurement: indicative only.
fn decode_breakdown(entries: &[Entry]) {
    let mut rows: Vec<(&str, u64, f64)> = Vec::new();
    for entry in entries {
        let name = category(entry);
        let best = (0..3)
            .map(|_| {
                let started = Instant::now();
                black_box(decode(black_box(entry)));
                started.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        match rows.iter_mut().find(|(n, _, _)| *n == name) {
            Some(row) => {
                row.1 += entry.data.len() as u64;
                row.2 += best;
            }
            None => rows.push((name, entry.data.len() as u64, best)),
        }
    }
    let total: f64 = rows.iter().map(|r| r.2).sum();
    println!("decode breakdown (one-shot, best of 3 per entry):");
    for (name, bytes, secs) in rows {
        println!(
            "  {name:<18} {:>6.1} MB {:>6.1} ms {:>4.0}% of decode time  {:>6.0} MB/s",
            mb(bytes),
            secs * 1e3,
            100.0 * secs / total,
            mb(bytes) / secs
        );
    }
}

fn benches(c: &mut Criterion) {
    let started = Instant::now();
    let mut bundle = common::generate_as(target_bytes(), SEED, layout());
    let dir = bundle.write_dir();
    let tar_gz = bundle.write_tar_gz(dir.path());
    let uncompressed = bundle.uncompressed_len();
    let compressed = std::fs::metadata(&tar_gz).expect("stat tar.gz").len();
    println!(
        "generated in {:.1} s: {:.1} MB uncompressed ({:.0}% logs), {:.1} MB as tar.gz (ratio {:.1}x); \
         {} files, {} namespaces, {} events ({} Warning, {:.1}%), {} pods",
        started.elapsed().as_secs_f64(),
        mb(uncompressed),
        100.0 * bundle.log_bytes as f64 / uncompressed as f64,
        mb(compressed),
        uncompressed as f64 / compressed as f64,
        bundle.files.len(),
        bundle.namespaces,
        bundle.events,
        bundle.warning_events,
        100.0 * bundle.warning_events as f64 / bundle.events as f64,
        bundle.pods,
    );

    let corpus = Corpus::builtin().expect("built-in corpus");
    let tar_source = Source::Path(tar_gz);
    let root = bundle.layout.root();
    let dir_source = Source::Path(PathBuf::from(dir.path()).join(root));
    check("tar.gz/1-thread", &tar_source, &corpus, 1, &bundle);
    check("tar.gz/all-cores", &tar_source, &corpus, 0, &bundle);
    check("dir/all-cores", &dir_source, &corpus, 0, &bundle);

    // The files move into entries: one in-memory copy of the bundle, not two.
    let entries: Vec<Entry> = std::mem::take(&mut bundle.files)
        .into_iter()
        .map(|(path, data)| Entry { path: format!("{root}/{path}"), data })
        .collect();
    decode_breakdown(&entries);
    let texts: Vec<(String, String)> = entries
        .iter()
        .filter(|e| category(e) == "event lists")
        .flat_map(|e| decode(e).objects.events)
        .map(|e| (e.reason.into(), e.message.into()))
        .collect();
    assert_eq!(texts.len(), bundle.events, "events decoded from the event lists");
    let text_bytes: u64 = texts.iter().map(|(r, m)| (r.len() + m.len()) as u64).sum();
    let matcher = Matcher::new(&corpus);
    let classified = texts.iter().filter(|(r, m)| matcher.classify(&[r, m]).is_some()).count();
    println!(
        "classify input: {} records, {:.2} MB of reason+message text, {classified} classified",
        texts.len(),
        mb(text_bytes)
    );

    let mut group = c.benchmark_group("bundle");
    group.sample_size(10);

    group.throughput(Throughput::BytesDecimal(uncompressed));
    group.bench_function("read/tar.gz", |b| {
        b.iter(|| {
            let mut bytes = 0usize;
            input::read(&tar_source, &Limits::default(), &mut |item| {
                if let input::Item::Entry(entry) = item {
                    bytes += black_box(entry).data.len();
                }
            })
            .expect("read tar.gz");
            assert_eq!(bytes as u64, uncompressed);
        })
    });

    group.bench_function("decode", |b| {
        b.iter(|| {
            let mut objects = 0usize;
            for entry in &entries {
                let decoded = decode(black_box(entry));
                objects += decoded.objects.events.len() + decoded.objects.pods.len();
            }
            black_box(objects)
        })
    });

    group.throughput(Throughput::BytesDecimal(text_bytes));
    group.bench_function("classify", |b| {
        b.iter(|| texts.iter().filter(|(r, m)| matcher.classify(black_box(&[r, m])).is_some()).count())
    });

    group.throughput(Throughput::BytesDecimal(uncompressed));
    for (name, source, threads) in [
        ("end_to_end/tar.gz/1-thread", &tar_source, 1),
        ("end_to_end/tar.gz/all-cores", &tar_source, 0),
        ("end_to_end/dir/all-cores", &dir_source, 0),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| analyze(source, &corpus, &Limits::default(), threads).expect("analyze"))
        });
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
}
