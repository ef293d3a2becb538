//! The whole scan on a small archive: input → decode → classify → group →
//! every report format, in memory (the same stages `scan::analyze` runs, on
//! one thread). Checks that no report format ever carries a raw control
//! character from the bundle.
#![no_main]

use std::sync::OnceLock;

use bundle_scan::classify::Matcher;
use bundle_scan::decode::decode;
use bundle_scan::group::{group, Classified};
use bundle_scan::input::{read_reader, Item, Limits};
use bundle_scan::model::Objects;
use bundle_scan::report::{render, Format, Report, Style};
use bundle_scan::runbook::Corpus;
use libfuzzer_sys::fuzz_target;

fn corpus() -> &'static (Corpus, Matcher) {
    static CORPUS: OnceLock<(Corpus, Matcher)> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let corpus = Corpus::builtin().expect("built-in corpus");
        let matcher = Matcher::new(&corpus);
        (corpus, matcher)
    })
}

fuzz_target!(|data: &[u8]| {
    let (corpus, matcher) = corpus();
    let limits = Limits { max_entry_bytes: 1 << 20, max_total_bytes: 8 << 20, max_depth: 4 };
    let mut objects = Objects::default();
    read_reader("fuzz.tar.gz", data, &limits, &mut |item| {
        if let Item::Entry(entry) = item {
            objects.append(decode(&entry).objects);
        }
    });
    let events: Vec<_> = objects.events.iter().map(|e| matcher.classify_event(e)).collect();
    let pods: Vec<_> = objects.pods.iter().map(|p| matcher.classify_pod(p)).collect();
    let grouped = group(corpus, &Classified::of(&objects, &events, &pods));
    if grouped.findings.is_empty() && grouped.unclassified.is_empty() {
        return; // Nothing from the bundle to render; saves most of the time per run.
    }
    let report =
        Report { findings: grouped.findings, unclassified: grouped.unclassified, ..Report::default() };
    for format in [Format::Table, Format::Markdown, Format::Json] {
        let mut out = Vec::new();
        render(&report, format, Style { color: false, width: 80 }, &mut out).expect("render to memory");
        let text = String::from_utf8(out).expect("reports are UTF-8");
        // Table and Markdown defuse control characters, JSON escapes them.
        let raw = text.chars().find(|&c| c.is_control() && c != '\n');
        assert!(raw.is_none(), "raw control character {raw:?} in {format:?}:\n{text}");
    }
});
