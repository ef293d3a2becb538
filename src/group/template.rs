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
        // Names with digits and separators: pods, nodes, hashes.
        (r"\b[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*[-.](?:[A-Za-z0-9]*\d[A-Za-z0-9]*)\b", "<name>"),
        (r"\b\d+\b", "<n>"),
    ]
    .into_iter()
    .map(|(re, with)| (Regex::new(re).expect("template pattern compiles"), with))
    .collect()
});

/// The template of `message`.
pub fn template(message: &str) -> String {
    let mut text = message.trim().to_string();
    for (re, with) in RULES.iter() {
        if re.is_match(&text) {
            text = re.replace_all(&text, *with).into_owned();
        }
    }
    text
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
    }
}
