//! Splits a runbook file into its YAML frontmatter and Markdown body and
//! validates the frontmatter into a [`Runbook`]. Every error carries the
//! file and, where the YAML parser knows it, the line in the file.

use serde::Deserialize;

use super::{Runbook, RunbookError};
use crate::report::Severity;

/// The frontmatter as written. Unknown keys are allowed so that runbooks
/// written for other tools (like the seed TSGs) still load.
#[derive(Deserialize)]
struct RawFrontmatter {
    id: Option<String>,
    title: Option<String>,
    #[serde(default)]
    issue_type: String,
    #[serde(default)]
    component: String,
    #[serde(default)]
    phase: String,
    severity: Option<String>,
    #[serde(default)]
    k8s_version: String,
    #[serde(default)]
    signals: Vec<String>,
    #[serde(default)]
    related_tsgs: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    priority: i32,
    #[serde(default)]
    requires_any: Vec<String>,
    #[serde(default)]
    symptom: bool,
    #[serde(default)]
    explains: Vec<String>,
}

/// Parses one runbook file. `file` names it in errors; `source` is recorded
/// on the runbook (`built-in` or the path).
pub fn parse(file: &str, text: &str, source: &str) -> Result<Runbook, RunbookError> {
    let error = |line: Option<usize>, message: String| RunbookError { file: file.to_string(), line, message };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err(error(
            Some(1),
            "a runbook must start with a `---` line opening its YAML frontmatter".into(),
        ));
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    let mut yaml_end = None;
    for line in lines {
        if line.trim_end() == "---" {
            yaml_end = Some(offset);
            offset += line.len();
            break;
        }
        offset += line.len();
    }
    let Some(yaml_end) = yaml_end else {
        return Err(error(
            Some(1),
            "the frontmatter opened on line 1 is never closed by a `---` line".into(),
        ));
    };
    let yaml = &text[yaml_start..yaml_end];
    let body = text[offset..].to_string();

    let raw: RawFrontmatter = serde_yaml::from_str(yaml).map_err(|e| {
        // The YAML starts on line 2 of the file.
        let line = e.location().map(|l| l.line() + 1);
        error(line, format!("invalid frontmatter: {e}"))
    })?;
    let line_of =
        |key: &str| yaml.lines().position(|l| l.starts_with(&format!("{key}:"))).map(|i| i + 2).or(Some(1));

    let id = raw
        .id
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| error(Some(1), "missing required key `id`".into()))?;
    let title = raw
        .title
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| error(Some(1), "missing required key `title`".into()))?;
    let severity = match raw.severity.as_deref().map(str::trim) {
        None => return Err(error(Some(1), "missing required key `severity`".into())),
        Some(s) => parse_severity(s).ok_or_else(|| {
            error(
                line_of("severity"),
                format!("unknown severity `{s}` (expected info, low, medium, high or critical)"),
            )
        })?,
    };
    let keywords: Vec<String> =
        raw.keywords.into_iter().map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect();
    if keywords.is_empty() {
        return Err(error(line_of("keywords"), "`keywords` must list at least one non-empty keyword".into()));
    }
    let requires_any =
        raw.requires_any.into_iter().map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect();

    Ok(Runbook {
        id: id.trim().to_string(),
        title: title.trim().to_string(),
        issue_type: raw.issue_type,
        component: raw.component,
        phase: raw.phase,
        severity,
        k8s_version: raw.k8s_version,
        signals: raw.signals,
        related_tsgs: raw.related_tsgs,
        keywords,
        priority: raw.priority,
        requires_any,
        symptom: raw.symptom,
        explains: raw
            .explains
            .into_iter()
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty())
            .collect(),
        body,
        source: source.to_string(),
    })
}

/// Accepts our five levels plus the common synonyms other runbooks use.
fn parse_severity(text: &str) -> Option<Severity> {
    Some(match text.to_ascii_lowercase().as_str() {
        "info" | "informational" | "none" => Severity::Info,
        "low" | "minor" => Severity::Low,
        "medium" | "moderate" | "warning" | "warn" => Severity::Medium,
        "high" | "major" | "error" => Severity::High,
        "critical" | "blocker" | "fatal" => Severity::Critical,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seed 004 verbatim in shape: a file of exactly this form must load.
    const SEED_SHAPED: &str = r#"---
id: TSG-POD-IMAGEPULL-001
title: Pod ImagePullBackOff Diagnosis
issue_type: ImagePullBackOff
component: pod
phase: diagnosis
severity: critical
k8s_version: ">=1.24"
signals:
  - kube_pod_container_status_waiting_reason=ImagePullBackOff
  - kube_pod_container_status_waiting_reason=ErrImagePull
related_tsgs:
  - TSG-POD-CRASHLOOP-001
  - TSG-POD-IMAGEPULL-002
keywords: ["ImagePullBackOff", "ErrImagePull", "pull access denied", "manifest unknown", "401 Unauthorized", "DNS", "timeout"]
---

## Summary
Diagnose pods failing to start due to image pull errors from the container registry.

## Escalation
If unresolved:
- Collect the Pod events
"#;

    #[test]
    fn seed_shaped_file_loads() {
        let rb = parse("004.txt", SEED_SHAPED, "004.txt").expect("loads");
        assert_eq!(rb.id, "TSG-POD-IMAGEPULL-001");
        assert_eq!(rb.severity, Severity::Critical);
        assert_eq!(rb.keywords.len(), 7);
        assert_eq!(rb.priority, 0);
        assert!(!rb.symptom);
        assert_eq!(rb.related_tsgs, ["TSG-POD-CRASHLOOP-001", "TSG-POD-IMAGEPULL-002"]);
        // No fix section: the summary is shown instead.
        assert_eq!(
            rb.fix(),
            "Diagnose pods failing to start due to image pull errors from the container registry."
        );
    }

    #[test]
    fn yaml_error_names_file_and_line() {
        let text = "---\nid: x\ntitle: t\nseverity: high\nkeywords: [\"a\", \n  bad: : :\n---\nbody\n";
        let err = parse("corpus/x.md", text, "x").unwrap_err();
        assert_eq!(err.file, "corpus/x.md");
        let line = err.line.expect("line known");
        assert!((5..=7).contains(&line), "line {line}: {err}");
        assert!(err.to_string().starts_with("corpus/x.md:"), "{err}");
    }

    #[test]
    fn missing_pieces_are_clear_errors() {
        let no_open = parse("a.md", "id: x\n", "a").unwrap_err();
        assert!(no_open.message.contains("must start with"), "{no_open}");
        let unclosed = parse("a.md", "---\nid: x\n", "a").unwrap_err();
        assert!(unclosed.message.contains("never closed"), "{unclosed}");
        let no_kw =
            parse("a.md", "---\nid: x\ntitle: t\nseverity: high\nkeywords: []\n---\n", "a").unwrap_err();
        assert_eq!(no_kw.line, Some(5), "{no_kw}");
        let bad_sev =
            parse("a.md", "---\nid: x\ntitle: t\nseverity: awful\nkeywords: [a]\n---\n", "a").unwrap_err();
        assert_eq!(bad_sev.line, Some(4), "{bad_sev}");
        assert!(bad_sev.message.contains("awful"));
    }
}
