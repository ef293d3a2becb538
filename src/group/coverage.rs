//! Coverage warnings: what the engineer must know about the bundle itself
//! before trusting the findings — events that expired, namespaces that were
//! never gathered, lists the collector was not allowed to read, text that
//! was masked at collection time.

use std::collections::BTreeSet;

use foldhash::{HashSet, HashSetExt};

use super::{Classified, Grouped, Totals};
use crate::model::Pod;
use crate::report::{plural, Warning};
use crate::text::{is_masked, REDACTION_MARKER};

/// How many pods a warning names before it says "and N more".
const MAX_NAMED: usize = 3;

/// Warnings about the bundle as a whole (empty `entry`) and about the
/// entries that record what could not be collected. `scope` has seen every
/// entry's path, `events` tallies every event of the bundle (`classified`
/// holds only those grouping reads).
pub fn coverage(
    scope: &Scope,
    classified: &Classified<'_>,
    events: &Totals,
    grouped: &Grouped,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let bundle = |message: String| Warning { entry: String::new(), message };
    let mut seen = HashSet::new();
    for nc in &classified.objects.not_collected {
        if seen.insert((&nc.entry, &nc.message)) {
            let message = format!("not collected: {}", crate::text::redact(&nc.message));
            warnings.push(Warning { entry: crate::text::redact(&nc.entry).into_owned(), message });
        }
    }
    if let Some(backoff) = grouped.findings.iter().find(|f| f.id == "image-pull/backoff") {
        warnings.push(bundle(format!(
            "{} only an image-pull back-off: the event that named the cause has probably expired \
             (events are kept about an hour); see image-pull/backoff",
            pods_show(backoff.pod_count())
        )));
    }
    if let Some(line) = pods_without_events(events, grouped) {
        warnings.push(bundle(line));
    }
    if let Some(line) = scope.platform_only_must_gather() {
        warnings.push(bundle(line));
    }
    let masked = masked_messages(classified);
    if masked > 0 {
        warnings.push(bundle(format!(
            "{} {REDACTION_MARKER}: values were masked when the bundle was collected, so a registry, \
             host or credential that names the cause may be hidden",
            if masked == 1 { "1 message holds".to_string() } else { format!("{masked} messages hold") }
        )));
    }
    warnings
}

fn pods_show(n: usize) -> String {
    if n == 1 {
        "1 pod shows".to_string()
    } else {
        format!("{n} pods show")
    }
}

/// Affected pods that no event in the bundle is about: their events expired
/// or were not gathered, so only their recorded state speaks for them.
fn pods_without_events(events: &Totals, grouped: &Grouped) -> Option<String> {
    if events.events == 0 {
        return None; // a pod dump alone: there is nothing to miss
    }
    let affected: BTreeSet<(&str, &str)> = grouped
        .findings
        .iter()
        .flat_map(|f| f.pods.iter().map(|p| (p.namespace.as_str(), p.name.as_str())))
        .collect();
    let silent: Vec<String> = affected
        .iter()
        .filter(|(namespace, name)| !events.has_events(namespace, name))
        .map(|(ns, name)| format!("{ns}/{name}"))
        .collect();
    if silent.is_empty() {
        return None;
    }
    let named = silent.iter().take(MAX_NAMED).cloned().collect::<Vec<_>>().join(", ");
    let more = silent.len().saturating_sub(MAX_NAMED);
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    Some(format!(
        "no event in the bundle is about {} of the {} ({named}{more}): their events expired or \
         were not gathered, so only the pod status speaks for them",
        silent.len(),
        plural(affected.len() as u64, "affected pod"),
    ))
}

/// What the entries' paths say about what a must-gather covers, gathered
/// path by path so that the paths of entries passed over need not be kept.
#[derive(Debug, Default)]
pub struct Scope {
    must_gather: bool,
    namespaces: BTreeSet<String>,
}

impl Scope {
    pub fn add(&mut self, path: &str) {
        let parts: Vec<&str> = path.split('/').collect();
        self.must_gather |= parts.contains(&"cluster-scoped-resources");
        if let Some(at) = parts.iter().position(|p| *p == "namespaces") {
            // `namespaces/<ns>/core/events.yaml` or `namespaces/<ns>/<ns>.yaml`
            if let Some(ns) = parts.get(at + 1).filter(|_| parts.len() > at + 2) {
                self.must_gather |= parts.get(at + 2) == Some(&"core");
                if !self.namespaces.contains(*ns) {
                    self.namespaces.insert(ns.to_string());
                }
            }
        }
    }

    /// A must-gather whose namespaces are all the platform's: the default
    /// OpenShift gather skips application namespaces.
    fn platform_only_must_gather(&self) -> Option<String> {
        let platform = |ns: &String| {
            ns.starts_with("openshift")
                || ns.starts_with("kube-")
                || matches!(ns.as_str(), "default" | "kube-system")
        };
        if !self.must_gather || self.namespaces.is_empty() || !self.namespaces.iter().all(platform) {
            return None;
        }
        Some(format!(
            "this must-gather holds only platform namespaces ({} openshift-*, kube-* and default): application \
             pods are not in it; gather an application namespace with `oc adm inspect ns/<namespace>`",
            self.namespaces.len()
        ))
    }
}

/// Messages in which a collector masked something.
fn masked_messages(classified: &Classified<'_>) -> usize {
    let events = classified.events.iter().filter(|(e, _)| is_masked(&e.message)).count();
    events + classified.pods.iter().map(|(p, _)| masked_in_pod(p)).sum::<usize>()
}

/// Messages of `pod` in which a collector masked something.
pub(super) fn masked_in_pod(pod: &Pod) -> usize {
    std::iter::once(pod.message.as_str())
        .chain(pod.statuses.iter().map(|s| s.waiting_message.as_str()))
        .chain(pod.conditions.iter().map(|c| c.message.as_str()))
        .filter(|m| is_masked(m))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform_only_must_gather<'p>(paths: impl IntoIterator<Item = &'p str>) -> Option<String> {
        let mut scope = Scope::default();
        paths.into_iter().for_each(|path| scope.add(path));
        scope.platform_only_must_gather()
    }

    #[test]
    fn platform_only_must_gathers_are_flagged() {
        let mg = [
            "mg/quay-io-sha/cluster-scoped-resources/core/nodes/n1.yaml",
            "mg/quay-io-sha/namespaces/openshift-etcd/core/events.yaml",
            "mg/quay-io-sha/namespaces/kube-system/core/pods.yaml",
            "mg/quay-io-sha/namespaces/default/default.yaml",
        ];
        let line = platform_only_must_gather(mg.iter().copied()).expect("flagged");
        assert!(line.contains("only platform namespaces (3 "), "{line}");
        let with_app = mg.iter().copied().chain(["mg/quay-io-sha/namespaces/shop/core/pods.yaml"]);
        assert_eq!(platform_only_must_gather(with_app), None);
        // A troubleshoot bundle is not a must-gather.
        assert_eq!(platform_only_must_gather(["b/cluster-resources/pods/kube-system.json"]), None);
    }
}
