//! Stage 5 — report: presentation only.
//!
//! Owns the [`Report`] data model (built by `group`, serialised as the JSON
//! contract) and its three renderings: a terminal table, JSON and Markdown.
//! Renderers take `&Report` and a writer and compute nothing; everything they
//! print was decided by the earlier stages. Text that came from the bundle
//! is passed through [`crate::text::for_terminal`] before it reaches a
//! terminal or a ticket, so control characters never get out raw.

use std::fmt;
use std::io;
use std::str::FromStr;

use serde::Serialize;

use crate::model::OwnerRef;

mod catalog;
mod json;
mod markdown;
mod table;

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
    /// The container's state when the bundle was taken: `running`,
    /// `waiting: <reason>`, `terminated: <reason>`, or empty when the bundle
    /// has no status for it (a pod known only from its events).
    pub state: String,
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

impl Summary {
    /// "4 pods affected (the bundle lists 40 pods)". Not "4 of 40": pods
    /// known only from their events are affected without being listed.
    pub fn affected_phrase(&self) -> String {
        let affected = format!("{} affected", plural(self.pods_affected, "pod"));
        if self.pods == 0 {
            affected
        } else {
            format!("{affected} (the bundle lists {})", plural(self.pods, "pod"))
        }
    }
}

/// `1 pod`, `3 pods`: for the renderers' counts.
pub(crate) fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
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
///
/// `style` only matters for the table; JSON and Markdown are the same on any
/// terminal.
pub fn render(report: &Report, format: Format, style: Style, out: &mut dyn io::Write) -> io::Result<()> {
    match format {
        Format::Table => table::render(report, style, out),
        Format::Json => json::render(report, out),
        Format::Markdown => markdown::render(report, out),
    }
}

/// Writes the list of loaded runbooks (for `--list-runbooks`).
pub fn render_runbooks(
    corpus: &crate::runbook::Corpus,
    format: Format,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    catalog::render(corpus, format, out)
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] =
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    /// The lowercase name used in runbooks, on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A severity name that is not one of `info|low|medium|high|critical`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseSeverityError(String);

impl fmt::Display for ParseSeverityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown severity {:?} (expected info, low, medium, high or critical)", self.0)
    }
}

impl std::error::Error for ParseSeverityError {}

impl FromStr for Severity {
    type Err = ParseSeverityError;

    /// Case-insensitive, so runbooks may write `High` or `HIGH`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseSeverityError(s.to_owned()))
    }
}

impl Finding {
    /// Distinct pods (namespace and name) among the affected containers.
    pub fn pod_count(&self) -> usize {
        let mut pods: Vec<(&str, &str)> =
            self.pods.iter().map(|p| (p.namespace.as_str(), p.name.as_str())).collect();
        pods.sort_unstable();
        pods.dedup();
        pods.len()
    }

    /// `first → last` in the short form renderers show, or one time when
    /// both are the same minute; `None` when the bundle recorded no time.
    pub fn time_range(&self) -> Option<String> {
        let first = self.first_seen.as_deref().map(short_time);
        let last = self.last_seen.as_deref().map(short_time);
        match (first, last) {
            (Some(a), Some(b)) if a == b => Some(a),
            (Some(a), Some(b)) => Some(format!("{a} → {b}")),
            (Some(t), None) | (None, Some(t)) => Some(t),
            (None, None) => None,
        }
    }

    /// Runs of consecutive pods that share a namespace and workload. `pods`
    /// is sorted by namespace then workload, so each workload is one run.
    pub fn workloads(&self) -> Vec<WorkloadPods<'_>> {
        self.pods
            .chunk_by(|a, b| a.namespace == b.namespace && a.owner == b.owner)
            .map(|pods| WorkloadPods { namespace: &pods[0].namespace, owner: pods[0].owner.as_ref(), pods })
            .collect()
    }
}

/// The affected containers of one workload, for grouped display.
#[derive(Clone, Copy, Debug)]
pub struct WorkloadPods<'a> {
    pub namespace: &'a str,
    pub owner: Option<&'a OwnerRef>,
    pub pods: &'a [AffectedPod],
}

impl WorkloadPods<'_> {
    /// `Deployment default/web`, or `default (no workload)` for bare pods.
    pub fn label(&self) -> String {
        match self.owner {
            Some(o) => format!("{} {}/{}", o.kind, self.namespace, o.name),
            None => format!("{} (no workload)", self.namespace),
        }
    }
}

/// `2023-07-11T05:34:12Z` → `2023-07-11 05:34`. Anything else (another
/// zone, another shape) is kept as it is, so no time is shown misleadingly.
pub(crate) fn short_time(ts: &str) -> String {
    // Digits where digits belong: the shortened form is printed as it is,
    // so `2024-\x1b[2J1T10:00:00Z` must not pass for a timestamp.
    const SHAPE: &[u8; 16] = b"dddd-dd-ddTdd:dd";
    let b = ts.as_bytes();
    let rfc3339_utc = b.len() >= 17
        && b.iter().zip(SHAPE).all(|(&c, &want)| if want == b'd' { c.is_ascii_digit() } else { c == want })
        && ts.ends_with('Z');
    if rfc3339_utc {
        format!("{} {}", &ts[..10], &ts[11..16])
    } else {
        crate::text::for_terminal(ts).into_owned()
    }
}

#[cfg(test)]
pub(crate) mod testdata;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_round_trips_through_its_name() {
        for sev in Severity::ALL {
            assert_eq!(sev.to_string().parse::<Severity>(), Ok(sev));
        }
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
        assert_eq!(format!("{:<8}|", Severity::Low), "low     |");
    }

    #[test]
    fn short_time_only_shortens_utc_timestamps() {
        assert_eq!(short_time("2023-07-11T05:34:12Z"), "2023-07-11 05:34");
        assert_eq!(short_time("2023-07-11T05:34:12.123456Z"), "2023-07-11 05:34");
        assert_eq!(short_time("2023-07-11T05:34:12+02:00"), "2023-07-11T05:34:12+02:00");
        assert_eq!(short_time("yesterday"), "yesterday");
        // Found by the `scan` fuzz target: control characters in the
        // timestamp's digits went out raw.
        assert_eq!(short_time("2024-05-\x7f1T10:00:00Z"), "2024-05-\\u{7f}1T10:00:00Z");
        assert_eq!(short_time("2024-\x1b[2J1T10:00:00Z"), "2024-\\u{1b}[2J1T10:00:00Z");
    }

    #[test]
    fn findings_group_pods_by_workload() {
        let report = testdata::report();
        let f = &report.findings[0];
        let groups = f.workloads();
        let labels: Vec<String> = groups.iter().map(WorkloadPods::label).collect();
        assert_eq!(
            labels,
            ["Deployment default/web", "StatefulSet payments/ledger-db-with-a-rather-long-name"]
        );
        assert_eq!(f.pod_count(), 3);
        assert_eq!(f.time_range().as_deref(), Some("2023-07-11 05:34 → 2023-07-11 06:10"));
    }
}
