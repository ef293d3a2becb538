//! Stage 5 — report: presentation only.
//!
//! Owns the [`Report`] data model (built by `group`, serialised as the JSON
//! contract) and its three renderings: a terminal table, JSON and Markdown.
//! Renderers take `&Report` and a writer and compute nothing; everything they
//! print was decided by the earlier stages. Text that came from the bundle
//! is passed through [`crate::text::for_terminal`] before it reaches a
//! terminal or a ticket, so control characters never get out raw.

use serde::Serialize;

/// Version of the JSON document; bump on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Runbook severity, lowest first, so `>=` means "at least as bad".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

/// The whole result of a scan.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    /// One entry per root cause, most severe first, then by pods affected.
    pub findings: Vec<Finding>,
    /// Warning messages no runbook matched, clustered into templates, most frequent first.
    pub unclassified: Vec<Unclassified>,
    pub summary: Summary,
    /// Entries that could not be read or decoded, and other caveats.
    pub warnings: Vec<Warning>,
}

/// One root cause and everything it affects.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The runbook id, e.g. `image-pull/manifest-unknown`.
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// Affected pod containers, sorted by namespace, workload, pod, container.
    pub pods: Vec<AffectedPod>,
    /// Objects other than pods that the matching events were about (kind/namespace/name).
    pub objects: Vec<String>,
    /// Number of occurrences, honouring each event's `count`.
    pub events: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// One representative message, credentials redacted.
    pub sample: String,
    /// Extra facts the bundle's own objects add (e.g. "secret regcred does not exist").
    pub evidence: Vec<String>,
    /// The runbook's fix section (Markdown).
    pub fix: String,
    /// Where the runbook came from: `built-in` or the file path.
    pub runbook_source: String,
}

/// One broken container of one pod.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AffectedPod {
    pub namespace: String,
    /// Top-level workload (Deployment, StatefulSet, DaemonSet, Job, CronJob), if known.
    pub owner: Option<crate::model::OwnerRef>,
    pub name: String,
    pub container: String,
    pub image: String,
    pub node: String,
}

/// A cluster of unmatched warnings sharing one message template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unclassified {
    /// The message with variable parts replaced by placeholders such as `<name>` and `<n>`.
    pub template: String,
    /// Occurrences, honouring `count`.
    pub count: u64,
    /// Event reasons (or container state reasons) seen with this template.
    pub reasons: Vec<String>,
    /// How many distinct objects it was reported on.
    pub objects: u64,
    /// One real message, credentials redacted.
    pub example: String,
}

/// What was read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub input: String,
    /// Regular files read from the bundle.
    pub entries: u64,
    /// Entries that held Kubernetes objects we use.
    pub entries_with_objects: u64,
    /// Entries that held nothing we use (logs, other kinds): skipped.
    pub entries_skipped: u64,
    /// Entries that could not be read or parsed (see warnings).
    pub entries_failed: u64,
    /// Links and special files not followed.
    pub entries_ignored: u64,
    pub events: u64,
    pub warning_events: u64,
    pub pods: u64,
    pub nodes: u64,
    /// Distinct pods that appear in at least one finding.
    pub pods_affected: u64,
    pub runbooks: u64,
}

/// A problem with part of the input; the rest was still analysed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Warning {
    /// The entry it concerns (bundle-relative path), or empty for the whole bundle.
    pub entry: String,
    pub message: String,
}

/// Output format chosen by `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Markdown,
}

/// How the table may decorate its output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    /// Terminal width in columns (80 when unknown).
    pub width: u16,
}

/// Writes `report` in `format` to `out`.
pub fn render(
    report: &Report,
    format: Format,
    style: Style,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let _ = (report, format, style, out);
    unimplemented!("report::render is being written")
}

/// Writes the list of loaded runbooks (for `--list-runbooks`).
pub fn render_runbooks(
    corpus: &crate::runbook::Corpus,
    format: Format,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    catalog::render(corpus, format, out)
}

mod catalog;
