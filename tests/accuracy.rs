//! Strict accuracy of the built-in corpus on real messages copied from
//! public issue threads, docs and real bundles (`tests/labelled/*.jsonl`,
//! each line with its source URL). Fails when accuracy drops below 95%,
//! overall or for image pulls alone, or when a built-in runbook has no
//! labelled message at all. A line's `id` may be `(none)` for a message that
//! must match no runbook (e.g. `skip schedule deleting pod`). Shapes: `event`
//! (an event's reason and message), `waiting` (a container's waiting reason and
//! message), `state` (another state with a reason and message: a terminated
//! container, a pod's status, a pod or node condition), `runtime` (a bare
//! runtime pull error, wrapped the way kubelet reports it).

use std::collections::BTreeMap;

use bundle_scan::classify::Matcher;
use bundle_scan::runbook::Corpus;
use serde::Deserialize;

#[derive(Deserialize)]
struct Labelled {
    id: String,
    #[serde(rename = "as")]
    shape: String,
    #[serde(default)]
    reason: String,
    message: String,
    source: String,
}

fn load(prefix: &str) -> Vec<(String, Labelled)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/labelled");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("tests/labelled exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(prefix)))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let item: Labelled =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{}:{}: {e}", file.display(), n + 1));
            assert!(item.source.starts_with("http"), "{}:{}: no source URL", file.display(), n + 1);
            assert!(
                matches!(item.shape.as_str(), "event" | "waiting" | "state" | "runtime"),
                "{}:{}: unknown shape `{}`",
                file.display(),
                n + 1,
                item.shape
            );
            out.push((format!("{}:{}", file.file_name().unwrap().to_string_lossy(), n + 1), item));
        }
    }
    out
}

/// Classifies a labelled message the way it would reach the classifier in a bundle.
fn classify(matcher: &Matcher, corpus: &Corpus, item: &Labelled) -> String {
    let wrapped;
    let parts: [&str; 2] = match item.shape.as_str() {
        // A bare runtime error reaches a bundle wrapped by the kubelet.
        "runtime" => {
            wrapped = format!("Failed to pull image \"registry.example.com/app:1\": {}", item.message);
            ["Failed", &wrapped]
        }
        _ => [&item.reason, &item.message],
    };
    matcher.classify(&parts).map(|v| corpus.get(v.runbook).id.clone()).unwrap_or_else(|| "(none)".into())
}

/// Prints per-id right/total and the misses, asserts the accuracy, and
/// returns the ids that have labelled messages.
fn check(prefix: &str, minimum_messages: usize) -> Vec<String> {
    let corpus = Corpus::builtin().expect("built-in corpus");
    let matcher = Matcher::new(&corpus);
    let items = load(prefix);
    assert!(items.len() >= minimum_messages, "only {} labelled messages", items.len());
    let mut per_id: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for (at, item) in &items {
        let got = classify(&matcher, &corpus, item);
        let tally = per_id.entry(&item.id).or_default();
        tally.1 += 1;
        if got == item.id {
            tally.0 += 1;
        } else {
            misses.push(format!("  {at}: want {} got {got}: {}", item.id, item.message));
        }
    }
    let right: usize = per_id.values().map(|t| t.0).sum();
    let accuracy = right as f64 / items.len() as f64;
    println!("strict accuracy {right}/{} = {:.1}%", items.len(), accuracy * 100.0);
    for (id, (ok, n)) in &per_id {
        println!("  {id:36} {ok:3}/{n:<3}");
    }
    println!("misses:\n{}", misses.join("\n"));
    assert!(accuracy >= 0.95, "strict accuracy {:.1}% is below 95%", accuracy * 100.0);
    per_id.keys().map(|id| id.to_string()).collect()
}

#[test]
fn image_pull_accuracy_at_least_95_percent() {
    check("image-pull", 120);
}

#[test]
fn overall_accuracy_at_least_95_percent_and_every_runbook_labelled() {
    let labelled = check("", 250);
    let corpus = Corpus::builtin().expect("built-in corpus");
    let missing: Vec<&str> = corpus
        .runbooks()
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| !labelled.iter().any(|l| l == id))
        .collect();
    assert_eq!(corpus.runbooks().len(), 32, "built-in runbooks");
    assert!(missing.is_empty(), "built-in runbooks without a labelled message: {missing:?}");
}
