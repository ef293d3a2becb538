//! Benchmark data and per-stage figures for `benches/compare.sh`.
//!
//! ```text
//! bench-bundle gen DIR MB [no-logs] # DIR/json.tar.gz, DIR/yaml.tar.gz, DIR/json/ (extracted),
//!                                  # DIR/events.json (all events, for jq), DIR/keywords,
//!                                  # DIR/sizes (uncompressed bytes of each bundle's files);
//!                                  # `no-logs`: objects only, no container logs
//! bench-bundle stages PATH [RUNS]  # MB/s and peak RSS per stage on a bundle (dir or .tar.gz)
//! ```
//!
//! The bundles come from the generator the criterion bench uses
//! (`benches/common`): the same objects and logs once as a troubleshoot
//! bundle (JSON) and once as a must-gather (go-yaml YAML).
//!
//! `stages` times, best of RUNS: reading alone (inflate + untar), decoding
//! only and matching only (entries already in memory, 1 thread and all
//! cores), and `scan::analyze` end to end (1 thread and all cores). Peak RSS
//! is the process's high-water mark, reset before each stage through
//! `/proc/self/clear_refs`, so each figure is that stage's own.

#[allow(dead_code)] // the criterion bench uses the rest
#[path = "../benches/common/mod.rs"]
mod common;

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use bundle_scan::classify::Matcher;
use bundle_scan::decode::{decode, decode_reference};
use bundle_scan::input::{self, Entry, Item, Limits, Source};
use bundle_scan::runbook::Corpus;
use bundle_scan::scan::analyze;
use common::Layout;
use rayon::prelude::*;

const SEED: u64 = 0x5eed_b0d1_e5ca_4e11;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["gen", dir, mb] => generate(Path::new(dir), mb.parse().expect("MB is a number"), true),
        ["gen", dir, mb, "no-logs"] => generate(Path::new(dir), mb.parse().expect("MB is a number"), false),
        ["stages", path] => stages(Path::new(path), 3),
        ["stages", path, runs] => stages(Path::new(path), runs.parse().expect("RUNS is a number")),
        _ => {
            eprintln!("usage: bench-bundle gen DIR MB [no-logs] | bench-bundle stages PATH [RUNS]");
            std::process::exit(2);
        }
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn generate(dir: &Path, megabytes: f64, with_logs: bool) {
    fs::create_dir_all(dir).expect("create output dir");
    let _ = fs::remove_file(dir.join("sizes"));
    let target = (megabytes * 1e6) as u64;
    for layout in [Layout::Troubleshoot, Layout::MustGather] {
        let started = Instant::now();
        let bundle = common::generate_shaped(target, SEED, layout, with_logs);
        let name = if layout == Layout::Troubleshoot { "json" } else { "yaml" };
        let tar_gz = bundle.write_tar_gz_as(&dir.join(format!("{name}.tar.gz")));
        if layout == Layout::Troubleshoot {
            bundle.write_dir_at(&dir.join(name));
            write_events(&bundle, &dir.join("events.json"));
        }
        let sizes = dir.join("sizes");
        let mut record = fs::read_to_string(&sizes).unwrap_or_default();
        record.push_str(&format!("{name} {}\n", bundle.uncompressed_len()));
        fs::write(&sizes, record).expect("write sizes");
        eprintln!(
            "{name}: {:.1} MB uncompressed, {:.1} MB gzipped, {} files, {} events ({} Warning), {} pods, in {:.1} s",
            mb(bundle.uncompressed_len()),
            mb(fs::metadata(&tar_gz).expect("stat").len()),
            bundle.files.len(),
            bundle.events,
            bundle.warning_events,
            bundle.pods,
            started.elapsed().as_secs_f64()
        );
    }
    let corpus = Corpus::builtin().expect("built-in corpus");
    let mut keywords: Vec<&str> =
        corpus.runbooks().iter().flat_map(|r| r.keywords.iter().map(String::as_str)).collect();
    keywords.sort_unstable();
    keywords.dedup();
    fs::write(dir.join("keywords"), keywords.join("\n") + "\n").expect("write keywords");
}

/// Every event of the bundle in one `EventList`, as `kubectl get events -A -o json` writes it.
fn write_events(bundle: &common::Bundle, path: &Path) {
    let mut items = Vec::new();
    for (name, data) in &bundle.files {
        if name.starts_with("cluster-resources/events/") {
            let list: serde_json::Value = serde_json::from_slice(data).expect("generated JSON");
            items.extend(list["items"].as_array().cloned().unwrap_or_default());
        }
    }
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
    fs::write(path, serde_json::to_vec_pretty(&list).expect("serialise")).expect("write events.json");
}

/// Resets the peak RSS so that the next reading is one stage's own.
fn reset_peak() {
    let _ = fs::write("/proc/self/clear_refs", "5");
}

/// Peak RSS since the last reset, in MiB (0 where /proc is missing).
fn peak_mib() -> f64 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// Runs `stage` `runs` times; prints its best time as MB/s of `bytes` and the peak RSS.
fn measure<T>(name: &str, bytes: u64, runs: usize, mut stage: impl FnMut() -> T) {
    let mut best = f64::INFINITY;
    let mut peak: f64 = 0.0;
    for _ in 0..runs.max(1) {
        reset_peak();
        let started = Instant::now();
        black_box(stage());
        best = best.min(started.elapsed().as_secs_f64());
        peak = peak.max(peak_mib());
    }
    println!("{name:<28} {:>8.3} s {:>8.0} MB/s   peak RSS {:>7.0} MiB", best, mb(bytes) / best, peak);
}

fn stages(path: &Path, runs: usize) {
    let source = Source::Path(PathBuf::from(path));
    let limits = Limits::default();
    let corpus = Corpus::builtin().expect("built-in corpus");
    let mut entries: Vec<Entry> = Vec::new();
    input::read(&source, &limits, &mut |item| {
        if let Item::Entry(entry) = item {
            entries.push(entry);
        }
    })
    .expect("read bundle");
    let bytes: u64 = entries.iter().map(|e| e.data.len() as u64).sum();
    let largest = entries.iter().map(|e| e.data.len()).max().unwrap_or(0);
    println!(
        "{}: {:.1} MB uncompressed in {} entries, largest {:.1} MB",
        path.display(),
        mb(bytes),
        entries.len(),
        mb(largest as u64)
    );
    measure("read (inflate+untar / files)", bytes, runs, || {
        let mut n = 0usize;
        input::read(&source, &limits, &mut |item| {
            if let Item::Entry(entry) = item {
                n += black_box(entry).data.len();
            }
        })
        .expect("read");
        n
    });
    let texts: Vec<(String, String)> = entries
        .iter()
        .flat_map(|e| decode(e).objects.events)
        .map(|e| (e.reason.into(), e.message.into()))
        .collect();
    measure("decode, 1 thread", bytes, runs, || {
        entries.iter().map(|e| decode(e).objects.events.len()).sum::<usize>()
    });
    measure("decode, all cores", bytes, runs, || {
        entries.par_iter().map(|e| decode(e).objects.events.len()).sum::<usize>()
    });
    let yaml: Vec<&Entry> = entries.iter().filter(|e| e.path.ends_with(".yaml")).collect();
    if !yaml.is_empty() {
        let yaml_bytes: u64 = yaml.iter().map(|e| e.data.len() as u64).sum();
        println!("YAML entries: {} files, {:.1} MB", yaml.len(), mb(yaml_bytes));
        measure("YAML decode, go-yaml reader", yaml_bytes, runs, || {
            yaml.iter().map(|e| decode(e).objects.events.len()).sum::<usize>()
        });
        measure("YAML decode, serde_yaml", yaml_bytes, 1, || {
            yaml.iter().map(|e| decode_reference(e).objects.events.len()).sum::<usize>()
        });
    }
    let matcher = Matcher::new(&corpus);
    let text_bytes: u64 = texts.iter().map(|(r, m)| (r.len() + m.len()) as u64).sum();
    println!("match input: {} events, {:.1} MB of reason+message", texts.len(), mb(text_bytes));
    measure("match, 1 thread (text MB/s)", text_bytes, runs, || {
        texts.iter().filter(|(r, m)| matcher.classify(&[r, m]).is_some()).count()
    });
    measure("match, all cores (text MB/s)", text_bytes, runs, || {
        texts.par_iter().filter(|(r, m)| matcher.classify(&[r, m]).is_some()).count()
    });
    drop(texts);
    drop(entries);
    for (name, threads) in [("end to end, 1 thread", 1), ("end to end, all cores", 0)] {
        measure(name, bytes, runs, || analyze(&source, &corpus, &limits, threads).expect("analyze"));
    }
}
