//! Cross-checks of the bundle's own objects: what the Secrets, ServiceAccounts,
//! Nodes and pod specs in the bundle say about a finding, beyond the words
//! of its messages. Each check only speaks when the bundle holds the
//! objects it needs; it never guesses from their absence alone.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::{HashMap, HashMapExt};

use crate::model::{Node, Objects, Pod, ServiceAccount};
use crate::report::plural;

/// The finding whose pods' requests are compared with the nodes' allocatable.
pub(super) const INSUFFICIENT_RESOURCES: &str = "scheduling/insufficient-resources";

/// The bundle's objects, indexed for the checks.
pub(super) struct Facts<'a> {
    nodes: BTreeMap<&'a str, &'a Node>,
    /// Secret names per namespace; a namespace is here only when the bundle
    /// lists at least one of its Secrets, so a name missing from it is known
    /// to be missing.
    secrets: HashMap<&'a str, BTreeSet<&'a str>>,
    service_accounts: HashMap<(&'a str, &'a str), &'a ServiceAccount>,
}

/// How many lines one check adds to a finding at most.
const MAX_LINES: usize = 4;

impl<'a> Facts<'a> {
    pub fn new(objects: &'a Objects) -> Facts<'a> {
        let mut secrets: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for s in &objects.secrets {
            secrets.entry(&s.namespace).or_default().insert(&s.name);
        }
        Facts {
            nodes: objects.nodes.iter().map(|n| (n.name.as_str(), n)).collect(),
            secrets,
            service_accounts: objects
                .service_accounts
                .iter()
                .map(|sa| ((sa.namespace.as_str(), sa.name.as_str()), sa))
                .collect(),
        }
    }

    /// The pull secrets `pod` names (in its spec, or else through its
    /// ServiceAccount) that its namespace does not have, one line each.
    pub fn missing_pull_secrets(&self, pod: &Pod) -> Vec<String> {
        let Some(known) = self.secrets.get(pod.namespace.as_str()) else { return Vec::new() };
        let account = if pod.service_account.is_empty() { "default" } else { &pod.service_account };
        let (names, via) = if pod.image_pull_secrets.is_empty() {
            match self.service_accounts.get(&(pod.namespace.as_str(), account)) {
                Some(sa) => (&sa.image_pull_secrets, format!("ServiceAccount {account}")),
                None => return Vec::new(),
            }
        } else {
            (&pod.image_pull_secrets, "the pod spec".to_string())
        };
        names
            .iter()
            .filter(|name| !known.contains(name.as_str()))
            .map(|name| {
                format!(
                    "imagePullSecrets in {via} names Secret \"{name}\", which is not among the {} the bundle lists in namespace {}",
                    plural(known.len() as u64, "Secret"),
                    pod.namespace
                )
            })
            .collect()
    }

    /// What the nodes of a finding's pods say: their architecture for a
    /// platform mismatch, disk pressure for any pull failure, and a node
    /// that was not Ready for every finding.
    pub fn node_notes(&self, id: &str, nodes: &BTreeSet<&str>) -> Vec<String> {
        let known: Vec<&Node> = nodes.iter().filter_map(|n| self.nodes.get(n).copied()).collect();
        let mut lines = Vec::new();
        if id == "image-pull/platform-mismatch" {
            let platforms: Vec<String> = known
                .iter()
                .filter(|n| !n.architecture.is_empty())
                .map(|n| format!("{} ({}/{})", n.name, or_unknown(&n.os), n.architecture))
                .collect();
            if !platforms.is_empty() {
                lines.push(format!(
                    "the pods ran on {}: the image has no variant for that platform",
                    list(&platforms)
                ));
            }
        }
        if id.starts_with("image-pull/") {
            for node in &known {
                if let Some(c) =
                    node.conditions.iter().find(|c| c.kind == "DiskPressure" && is_true(&c.status))
                {
                    lines.push(format!(
                        "node {} reports DiskPressure=True{}: pulls there can fail for lack of space and images get garbage-collected",
                        node.name,
                        detail(&c.message)
                    ));
                }
            }
        }
        for node in &known {
            if let Some(c) = node.conditions.iter().find(|c| c.kind == "Ready" && !is_true(&c.status)) {
                lines.push(format!(
                    "node {} was not Ready (Ready={}{})",
                    node.name,
                    c.status,
                    detail(&c.message)
                ));
            }
        }
        lines.truncate(MAX_LINES);
        lines
    }

    /// For pods the scheduler or kubelet could not fit: what they request of
    /// each short resource against the most any node in the bundle offers.
    pub fn resource_notes(&self, id: &str, pods: &[&Pod], short: &BTreeSet<String>) -> Vec<String> {
        if id != INSUFFICIENT_RESOURCES || pods.is_empty() {
            return Vec::new();
        }
        let resources: BTreeSet<&str> = if short.is_empty() {
            pods.iter()
                .flat_map(|p| p.containers.iter().flat_map(|c| c.requests.iter().map(|(r, _)| r.as_str())))
                .collect()
        } else {
            short.iter().map(String::as_str).collect()
        };
        let mut lines = Vec::new();
        for resource in resources {
            let requests: BTreeSet<String> = pods
                .iter()
                .filter_map(|p| pod_request(p, resource))
                .map(|q| format_quantity(resource, q))
                .collect();
            let askers = pods.iter().filter(|p| pod_request(p, resource).is_some()).count();
            let asked = match (requests.len(), askers) {
                (0, _) => format!("the affected pods request no {resource} themselves"),
                (_, 1) => {
                    format!("the pod requests {resource} {}", list(&requests.into_iter().collect::<Vec<_>>()))
                }
                _ => format!(
                    "{askers} pods request {resource} {}",
                    list(&requests.into_iter().collect::<Vec<_>>())
                ),
            };
            let offered = self
                .nodes
                .values()
                .filter_map(|n| {
                    let (_, q) = n.allocatable.iter().find(|(r, _)| r == resource)?;
                    Some((parse_quantity(q)?, n.name.as_str()))
                })
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let supply = match (offered, self.nodes.len()) {
                (_, 0) => "the bundle holds no Node objects to compare with".to_string(),
                (None, n) => format!("none of the {} in the bundle has {resource} allocatable", plural(n as u64, "node")),
                (Some((q, node)), n) => format!(
                    "the most any of the {} can allocate is {} (node {node}), before what other pods already use",
                    plural(n as u64, "node"),
                    format_quantity(resource, q)
                ),
            };
            lines.push(format!("{asked}; {supply}"));
        }
        lines.truncate(MAX_LINES);
        lines
    }
}

/// The resources a scheduling or admission message says are short:
/// `0/3 nodes are available: 3 Insufficient nvidia.com/gpu.`,
/// `Insufficient cpu (2)`, `Node didn't have enough resource: cpu, requested: …`.
pub(super) fn resources_named(message: &str) -> Vec<String> {
    let mut found = Vec::new();
    for marker in ["Insufficient ", "enough resource: "] {
        let mut rest = message;
        while let Some(at) = rest.find(marker) {
            rest = &rest[at + marker.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-' | '_'))
                .collect();
            let name = name.trim_end_matches('.').to_string();
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

/// What a pod asks of one resource: the largest init container or the sum
/// of the app containers, whichever is more (as the scheduler counts).
fn pod_request(pod: &Pod, resource: &str) -> Option<f64> {
    let request = |c: &crate::model::ContainerSpec| {
        c.requests.iter().find(|(r, _)| r == resource).and_then(|(_, q)| parse_quantity(q))
    };
    let init = pod.containers.iter().filter(|c| c.init).filter_map(request).reduce(f64::max);
    let app: Vec<f64> = pod.containers.iter().filter(|c| !c.init).filter_map(request).collect();
    let app = (!app.is_empty()).then(|| app.iter().sum::<f64>());
    match (init, app) {
        (Some(i), Some(a)) => Some(i.max(a)),
        (i, a) => i.or(a),
    }
}

/// A Kubernetes quantity (`500m`, `2`, `1.5Gi`, `128974848`, `1e3`, `12k`) as a number.
pub(super) fn parse_quantity(quantity: &str) -> Option<f64> {
    let quantity = quantity.trim();
    let split = quantity
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | 'e' | 'E')))
        .unwrap_or(quantity.len());
    // `e`/`E` is an exponent only when digits follow; `1E` is an exa suffix.
    let (number, suffix) = match quantity[..split].rfind(['e', 'E']) {
        Some(at) if !quantity[at + 1..split].chars().any(|c| c.is_ascii_digit()) => quantity.split_at(at),
        _ => quantity.split_at(split),
    };
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    let value: f64 = number.parse().ok()?;
    value.is_finite().then_some(value * scale)
}

/// A quantity written back the way people read it: CPU in cores or
/// millicores, memory and storage in binary units, counts as numbers.
fn format_quantity(resource: &str, value: f64) -> String {
    let trim = |v: f64| {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    if resource == "cpu" {
        // Whole cores as written by people (`2`), the rest in millicores (`3800m`).
        return if value.fract() == 0.0 { trim(value) } else { format!("{}m", (value * 1000.0).round()) };
    }
    if resource == "memory" || resource.contains("storage") || resource.starts_with("hugepages") {
        for (unit, size) in
            [("Ti", 1024f64.powi(4)), ("Gi", 1024f64.powi(3)), ("Mi", 1024f64.powi(2)), ("Ki", 1024.0)]
        {
            if value >= size {
                return format!("{}{unit}", trim(value / size));
            }
        }
    }
    trim(value)
}

fn is_true(status: &str) -> bool {
    status.eq_ignore_ascii_case("true")
}

fn detail(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

fn or_unknown(s: &str) -> &str {
    if s.is_empty() {
        "?"
    } else {
        s
    }
}

/// `a`, `a and b`, `a, b and 3 more`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        let cases = [
            ("500m", 0.5),
            ("2", 2.0),
            ("1.5Gi", 1.5 * 1024f64.powi(3)),
            ("128974848", 128974848.0),
            ("1e3", 1000.0),
            ("12k", 12000.0),
            ("1E", 1e18),
            ("64Mi", 64.0 * 1024.0 * 1024.0),
        ];
        for (text, want) in cases {
            assert_eq!(parse_quantity(text), Some(want), "{text}");
        }
        for bad in ["", "abc", "5x", "Gi", "1.2.3"] {
            assert_eq!(parse_quantity(bad), None, "{bad}");
        }
        assert_eq!(format_quantity("cpu", 0.5), "500m");
        assert_eq!(format_quantity("cpu", 3.8), "3800m");
        assert_eq!(format_quantity("cpu", 2.0), "2");
        assert_eq!(format_quantity("memory", 14.0 * 1024f64.powi(3)), "14Gi");
        assert_eq!(format_quantity("nvidia.com/gpu", 1.0), "1");
    }

    #[test]
    fn short_resources_in_real_wordings() {
        let cases: [(&str, &[&str]); 4] = [
            ("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.", &["nvidia.com/gpu"]),
            ("No nodes are available that match all of the predicates: Insufficient cpu (2), PodToleratesNodeTaints (1).", &["cpu"]),
            ("0/5 nodes are available: 2 Insufficient memory, 3 Insufficient cpu. preemption: 0/5 nodes are available", &["memory", "cpu"]),
            ("Node didn't have enough resource: cpu, requested: 500, used: 1775, capacity: 2000", &["cpu"]),
        ];
        for (message, want) in cases {
            assert_eq!(resources_named(message), want, "{message}");
        }
    }

    fn gpu_pod(init_cpu: &str, cpus: &[&str]) -> Pod {
        let spec = |name: &str, init: bool, requests: &[(&str, &str)]| crate::model::ContainerSpec {
            name: name.into(),
            init,
            requests: requests.iter().map(|&(r, q)| (r.into(), q.into())).collect(),
            ..Default::default()
        };
        let mut containers = vec![spec("setup", true, &[("cpu", init_cpu)])];
        for (i, cpu) in cpus.iter().enumerate() {
            containers.push(spec(&format!("c{i}"), false, &[("cpu", cpu), ("nvidia.com/gpu", "1")]));
        }
        Pod { namespace: "ml".into(), name: "train-0".into(), containers, ..Pod::default() }
    }

    fn facts_with_nodes(allocatable: &[(&str, &[(&str, &str)])]) -> Objects {
        Objects {
            nodes: allocatable
                .iter()
                .map(|&(name, pairs)| Node {
                    name: name.into(),
                    allocatable: pairs.iter().map(|&(r, q)| (r.into(), q.into())).collect(),
                    ..Node::default()
                })
                .collect(),
            ..Objects::default()
        }
    }

    #[test]
    fn requests_are_compared_with_the_largest_allocatable() {
        let objects = facts_with_nodes(&[("n1", &[("cpu", "3800m")]), ("n2", &[("cpu", "7500m")])]);
        let facts = Facts::new(&objects);
        let pod = gpu_pod("500m", &["2", "6500m"]);
        let short: BTreeSet<String> = ["cpu".to_string(), "nvidia.com/gpu".to_string()].into();
        let lines = facts.resource_notes("scheduling/insufficient-resources", &[&pod], &short);
        assert_eq!(
            lines,
            [
                "the pod requests cpu 8500m; the most any of the 2 nodes can allocate is 7500m (node n2), before what other pods already use",
                "the pod requests nvidia.com/gpu 2; none of the 2 nodes in the bundle has nvidia.com/gpu allocatable",
            ]
        );
        // The init container counts when it asks for more than the app containers together.
        let greedy_init = gpu_pod("16", &["1"]);
        let lines = facts.resource_notes("scheduling/insufficient-resources", &[&greedy_init], &short);
        assert!(lines[0].starts_with("the pod requests cpu 16;"), "{lines:?}");
        // Other findings get no such line; no nodes means nothing to compare with.
        assert!(facts.resource_notes("image-pull/auth", &[&pod], &short).is_empty());
        let empty = Objects::default();
        let lines = Facts::new(&empty).resource_notes("scheduling/insufficient-resources", &[&pod], &short);
        assert!(lines[0].ends_with("the bundle holds no Node objects to compare with"), "{lines:?}");
    }
}
