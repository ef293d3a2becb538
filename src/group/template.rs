//! Message templates: the variable parts of a message (quoted names, URLs,
//! digests, IPs, durations, generated names, numbers) replaced by
//! placeholders, so that the same failure on a hundred pods is one line.

use std::sync::LazyLock;

use regex::Regex;

static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r#""[^"]*""#, "\"<*>\""),
        (r"\b[a-z][a-z0-9+.-]*://[^\s\x22']+", "<url>"),
        (r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "<uid>"),
        (r"(?i)\bsha256:[0-9a-f]{6,}", "<digest>"),
        (r"(?i)\b[0-9a-f]{12,}\b", "<hex>"),
        (r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b", "<ip>"),
        (r"\[[0-9a-fA-F:]*:[0-9a-fA-F:]+\](?::\d+)?", "<ip>"),
        (r"\b\d{4}-\d{2}-\d{2}[T ][0-9:.]+Z?\b", "<time>"),
        (r"\b(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|h|m|s))+\b", "<duration>"),
        // key=value fields name one object: `container=web pod=web-1_shop(uid)`.
        (r"\b([A-Za-z_][A-Za-z0-9_]*)=[^\s,;]+", "${1}=<*>"),
    ]
    .into_iter()
    .map(|(re, with)| (Regex::new(re).expect("template pattern compiles"), with))
    .collect()
});

/// Dotted or dashed words: object names when they hold a digit anywhere
/// (`web-5d4b8c9f6-x2jkz`, `ip-10-0-1-2.ec2.internal`), plain words otherwise
/// (`MountVolume.SetUp`, `kube-api-access`).
static COMPOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Za-z0-9_]+(?:[-.][A-Za-z0-9_]+)+\b").expect("compound pattern compiles")
});

static NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b\d+\b").expect("number pattern compiles"));

/// The template of `message`.
pub fn template(message: &str) -> String {
    let mut text = message.trim().to_string();
    for (re, with) in RULES.iter() {
        if re.is_match(&text) {
            text = re.replace_all(&text, *with).into_owned();
        }
    }
    let text = COMPOUND.replace_all(&text, |caps: &regex::Captures<'_>| {
        let word = &caps[0];
        if word.bytes().any(|b| b.is_ascii_digit()) && !word.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            "<name>".to_string()
        } else {
            word.to_string()
        }
    });
    NUMBER.replace_all(&text, "<n>").into_owned()
}

#[cfg(test)]
mod tests {
    use super::template;

    #[test]
    fn same_failure_on_different_objects_shares_a_template() {
        let a = template("0/3 nodes are available: 3 Insufficient cpu.");
        assert_eq!(a, "<n>/<n> nodes are available: <n> Insufficient cpu.");
        assert_eq!(
            template(
                r#"MountVolume.SetUp failed for volume "data" : hostPath type check failed: /mnt/a is not a directory"#
            ),
            template(
                r#"MountVolume.SetUp failed for volume "logs" : hostPath type check failed: /mnt/a is not a directory"#
            ),
        );
        assert_eq!(
            template("Liveness probe failed: Get http://10.1.2.3:8080/healthz: dial tcp 10.1.2.3:8080: connect: connection refused"),
            "Liveness probe failed: Get <url> dial tcp <ip>: connect: connection refused"
        );
        assert_eq!(
            template("Readiness probe failed on node ip-10-0-1-2.ec2.internal after 5m0s"),
            template("Readiness probe failed on node ip-10-0-9-7.ec2.internal after 10s"),
        );
        assert_eq!(
            template("skip schedule deleting pod: default/pending-pod-resources-5fddcf7688-wzvfz"),
            "skip schedule deleting pod: default/<name>"
        );
        assert_eq!(template("Insufficient nvidia.com/gpu"), "Insufficient nvidia.com/gpu");
        assert_eq!(
            template("back-off 5m0s restarting failed container=autoscaler pod=coredns-autoscaler-5bd7c6759b-spnq4_kube-system(4b1d)"),
            template("back-off 2m40s restarting failed container=kubernetes-dashboard pod=kubernetes-dashboard-7f7676f7b5-65j6w_kube-system(9f2e)"),
        );
    }
}
