//! Resolves a pod to its top-level workload (Deployment, StatefulSet,
//! DaemonSet, Job, CronJob): through owner references and the bundle's
//! ReplicaSets/Jobs when it has them, else through the naming conventions
//! controllers use (`<deployment>-<pod-template-hash>-<suffix>`,
//! `<statefulset>-<ordinal>`, `<cronjob>-<scheduled minute>`).

use foldhash::HashMap;

use crate::model::{OwnerRef, Pod, Workload};

/// The characters Kubernetes uses for generated name suffixes and hashes
/// (`k8s.io/apimachinery/pkg/util/rand`: no vowels, no 0/1/3).
const SAFE_ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";

fn is_generated(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.chars().all(|c| SAFE_ALPHABET.contains(c))
}

/// Workloads of the bundle indexed by (namespace, kind, name).
pub struct Workloads<'a> {
    by_key: HashMap<(&'a str, &'a str, &'a str), &'a Workload>,
}

impl<'a> Workloads<'a> {
    pub fn new(workloads: &'a [Workload]) -> Self {
        let by_key =
            workloads.iter().map(|w| ((w.namespace.as_str(), w.kind.as_str(), w.name.as_str()), w)).collect();
        Workloads { by_key }
    }

    /// The top-level workload of `pod`, or `None` for a bare pod.
    pub fn top_owner(&self, pod: &Pod) -> Option<OwnerRef> {
        let label = |key: &str| {
            debug_assert!(crate::model::WORKLOAD_LABELS.contains(&key), "decode drops the label {key}");
            pod.labels.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
        };
        let direct = match &pod.owner {
            Some(owner) if owner.kind == "Node" => return None, // a static (mirror) pod
            Some(owner) => owner.clone(),
            None => owner_from_labels(&pod.name, &label)?,
        };
        Some(self.climb(&pod.namespace, direct))
    }

    /// Whether the bundle holding `workload` can change what a climb finds:
    /// whether its owner differs from what the naming conventions guess
    /// without it. A ReplicaSet owned by the Deployment its name gives, a
    /// Deployment owned by nothing, add nothing; a 1 GiB bundle holds
    /// thousands of them.
    pub fn may_redirect(workload: &Workload) -> bool {
        workload.owner != conventional_owner(&workload.kind, &workload.name)
    }

    /// Follows owners up from `owner` (a ReplicaSet to its Deployment, a Job
    /// to its CronJob), by the bundle's objects or by naming convention.
    fn climb(&self, namespace: &str, mut owner: OwnerRef) -> OwnerRef {
        for _ in 0..4 {
            let next = match self.by_key.get(&(namespace, owner.kind.as_str(), owner.name.as_str())) {
                Some(w) => w.owner.clone(),
                None => conventional_owner(&owner.kind, &owner.name),
            };
            match next {
                Some(next) => owner = next,
                None => return owner,
            }
        }
        owner
    }
}

/// The owner a workload's name gives: `<deployment>-<pod-template-hash>`
/// for a ReplicaSet, `<cronjob>-<scheduled minute>` for a Job.
fn conventional_owner(kind: &str, name: &str) -> Option<OwnerRef> {
    let (prefix, suffix) = name.rsplit_once('-')?;
    let kind = match kind {
        "ReplicaSet" if is_generated(suffix, 5, 10) => "Deployment",
        // CronJob jobs are named after the scheduled time in minutes.
        "Job" if suffix.len() >= 8 && suffix.bytes().all(|b| b.is_ascii_digit()) => "CronJob",
        _ => return None,
    };
    Some(OwnerRef { kind: kind.into(), name: prefix.into() })
}

/// The direct owner of a pod that has no owner references, from the labels
/// controllers put on their pods, or from the name alone.
fn owner_from_labels<'l>(name: &str, label: &impl Fn(&str) -> Option<&'l str>) -> Option<OwnerRef> {
    let owner = |kind: &str, name: &str| Some(OwnerRef { kind: kind.into(), name: name.into() });
    if let Some(job) = label("job-name").or_else(|| label("batch.kubernetes.io/job-name")) {
        return owner("Job", job);
    }
    if let Some(hash) = label("pod-template-hash") {
        if let Some(prefix) =
            name.rsplit_once('-').and_then(|(rest, _)| rest.strip_suffix(&format!("-{hash}")))
        {
            return owner("ReplicaSet", &format!("{prefix}-{hash}"));
        }
    }
    if label("statefulset.kubernetes.io/pod-name").is_some() {
        return owner("StatefulSet", name.rsplit_once('-')?.0);
    }
    if label("controller-revision-hash").is_some() && label("pod-template-generation").is_some() {
        return owner("DaemonSet", name.rsplit_once('-')?.0);
    }
    // No labels at all (a pod known only from its events): the
    // Deployment pattern is distinctive enough to trust.
    let (rest, suffix) = name.rsplit_once('-')?;
    let (deployment, hash) = rest.rsplit_once('-')?;
    (is_generated(suffix, 5, 5) && is_generated(hash, 6, 10))
        .then(|| OwnerRef { kind: "ReplicaSet".into(), name: format!("{deployment}-{hash}").into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, owner: Option<(&str, &str)>, labels: &[(&str, &str)]) -> Pod {
        Pod {
            namespace: "ns".into(),
            name: name.into(),
            owner: owner.map(|(k, n)| OwnerRef { kind: k.into(), name: n.into() }),
            labels: labels.iter().map(|&(k, v)| (k.into(), v.into())).collect(),
            ..Pod::default()
        }
    }

    fn top(workloads: &[Workload], pod: &Pod) -> Option<(String, String)> {
        Workloads::new(workloads).top_owner(pod).map(|o| (o.kind.into(), o.name.into()))
    }

    fn pair(kind: &str, name: &str) -> Option<(String, String)> {
        Some((kind.into(), name.into()))
    }

    #[test]
    fn replica_set_resolved_through_bundle_objects() {
        let rs = Workload {
            kind: "ReplicaSet".into(),
            namespace: "ns".into(),
            name: "api-abc".into(),
            owner: Some(OwnerRef { kind: "Deployment".into(), name: "api".into() }),
        };
        assert_eq!(
            top(&[rs], &pod("api-abc-xyz", Some(("ReplicaSet", "api-abc")), &[])),
            pair("Deployment", "api")
        );
    }

    #[test]
    fn conventions_without_workload_objects() {
        let p = pod("web-5d4b8c9f6-x2jkz", Some(("ReplicaSet", "web-5d4b8c9f6")), &[]);
        assert_eq!(top(&[], &p), pair("Deployment", "web"));
        let p = pod("backup-28391040-abcde", Some(("Job", "backup-28391040")), &[]);
        assert_eq!(top(&[], &p), pair("CronJob", "backup"));
        let p = pod(
            "db-0",
            None,
            &[("statefulset.kubernetes.io/pod-name", "db-0"), ("controller-revision-hash", "db-7")],
        );
        assert_eq!(top(&[], &p), pair("StatefulSet", "db"));
        let p = pod("client-deployment-6c68fd7497-828dw", None, &[]);
        assert_eq!(top(&[], &p), pair("Deployment", "client-deployment"));
        let p = pod("web", None, &[("pod-template-hash", "6c68fd7497")]);
        assert_eq!(top(&[], &p), None);
        assert_eq!(top(&[], &pod("etcd-master", Some(("Node", "master")), &[])), None);
        assert_eq!(top(&[], &pod("standalone", None, &[])), None);
    }

    /// Dropping what `may_redirect` turns down changes no climb: every pod
    /// of a small bundle resolves to the same owner with all its workloads
    /// and with the ones kept.
    #[test]
    fn workloads_dropped_change_no_owner() {
        let w = |kind: &str, name: &str, owner: Option<(&str, &str)>| Workload {
            kind: kind.into(),
            namespace: "ns".into(),
            name: name.into(),
            owner: owner.map(|(k, n)| OwnerRef { kind: k.into(), name: n.into() }),
        };
        let all = [
            w("Deployment", "web", None),
            w("ReplicaSet", "web-5d4b8c9f6", Some(("Deployment", "web"))),
            // Owned by an operator's resource: the climb goes past the Deployment.
            w("Deployment", "db", Some(("Cluster", "main"))),
            w("ReplicaSet", "db-7f8b9c6d5", Some(("Deployment", "db"))),
            // A bare ReplicaSet whose name looks generated: no Deployment is guessed.
            w("ReplicaSet", "batch-5d4b8c9f6", None),
            // Owned by a Deployment its name does not give.
            w("ReplicaSet", "api-7c9d8b6f5", Some(("Deployment", "api-v2"))),
            w("Job", "backup-28391040", None),
            w("Job", "report-28391040", Some(("CronJob", "report"))),
            w("StatefulSet", "cache", None),
            w("CronJob", "report", None),
        ];
        let kept: Vec<Workload> = all.iter().filter(|w| Workloads::may_redirect(w)).cloned().collect();
        let kept_names: Vec<&str> = kept.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(kept_names, ["db", "batch-5d4b8c9f6", "api-7c9d8b6f5", "backup-28391040"]);
        let pods = [
            pod("web-5d4b8c9f6-x2jkz", Some(("ReplicaSet", "web-5d4b8c9f6")), &[]),
            pod("db-7f8b9c6d5-abcde", Some(("ReplicaSet", "db-7f8b9c6d5")), &[]),
            pod("batch-5d4b8c9f6-q7wzx", Some(("ReplicaSet", "batch-5d4b8c9f6")), &[]),
            pod("api-7c9d8b6f5-mnbvc", Some(("ReplicaSet", "api-7c9d8b6f5")), &[]),
            pod("backup-28391040-abcde", Some(("Job", "backup-28391040")), &[]),
            pod("cache-0", Some(("StatefulSet", "cache")), &[]),
            pod("report-28391040-vwxyz", Some(("Job", "report-28391040")), &[]),
        ];
        for p in &pods {
            assert_eq!(top(&all, p), top(&kept, p), "{}", p.name);
        }
        // The ReplicaSet is gone, but the Deployment its name gives is there.
        assert_eq!(top(&kept, &pods[1]), pair("Cluster", "main"));
        assert_eq!(top(&kept, &pods[2]), pair("ReplicaSet", "batch-5d4b8c9f6"));
        assert_eq!(top(&kept, &pods[3]), pair("Deployment", "api-v2"));
        assert_eq!(top(&kept, &pods[6]), pair("CronJob", "report"));
    }
}
