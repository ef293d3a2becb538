//! `--format markdown`: the report as a Markdown section to paste into a
//! ticket (GitHub, GitLab and other CommonMark/GFM renderers).
//!
//! Bundle text is untrusted, so it cannot be allowed to restructure the
//! ticket: control characters go through [`for_terminal`], and in prose and
//! table cells every character Markdown could act on (`|`, backticks,
//! emphasis, `<`, `#`, `@`, …) is backslash-escaped. Code spans use a fence
//! longer than any backtick run inside them, so nothing breaks out. Table
//! cells never hold code spans: GFM splits rows on `|` before it parses code.
//! The runbook's fix is trusted Markdown and goes in verbatim, its headings
//! demoted to nest under `#### Fix`.

use std::io::{self, Write};

use super::{plural, short_time, Finding, Report, Summary, Unclassified};
use crate::text::for_terminal;

/// Rows of the unclassified table; a ticket wants the gist, JSON has the rest.
const MAX_UNCLASSIFIED_ROWS: usize = 25;
/// The fix's headings are demoted to at least this level (under `#### Fix`).
const FIX_HEADING_LEVEL: usize = 5;

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    writeln!(out, "## bundle-scan report")?;
    writeln!(out)?;
    writeln!(out, "{}", summary_line(s))?;
    writeln!(out)?;
    if report.findings.is_empty() {
        writeln!(
            out,
            "No known root cause found in {} / {}.",
            plural(s.pods, "pod"),
            plural(s.events, "event")
        )?;
        writeln!(out)?;
    } else {
        overview(report, out)?;
        for finding in &report.findings {
            self::finding(finding, out)?;
        }
    }
    unclassified(&report.unclassified, out)?;
    if !report.warnings.is_empty() {
        writeln!(out, "### Warnings")?;
        writeln!(out)?;
        for w in &report.warnings {
            if w.entry.is_empty() {
                writeln!(out, "- {}", inline(&w.message))?;
            } else {
                writeln!(out, "- {}: {}", code(&w.entry), inline(&w.message))?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

fn summary_line(s: &Summary) -> String {
    let mut line = format!(
        "**Input:** {} · {} · {} ({} warnings) · entries: {} read, {} skipped, {} failed",
        code(&s.input),
        plural(s.pods, "pod"),
        plural(s.events, "event"),
        s.warning_events,
        s.entries,
        s.entries_skipped,
        s.entries_failed
    );
    if s.entries_ignored > 0 {
        line.push_str(&format!(", {} ignored", s.entries_ignored));
    }
    line
}

fn overview(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "**{}**, {}.",
        plural(report.findings.len() as u64, "root cause"),
        report.summary.affected_phrase()
    )?;
    writeln!(out)?;
    writeln!(out, "| Severity | Cause | Pods | Events | Last seen |")?;
    writeln!(out, "|---|---|--:|--:|---|")?;
    for f in &report.findings {
        writeln!(
            out,
            "| {} | {} ({}) | {} | {} | {} |",
            f.severity,
            inline(&f.title),
            inline(&f.id),
            f.pod_count(),
            f.events,
            f.last_seen.as_deref().map_or_else(|| "—".to_owned(), |t| inline(&short_time(t)))
        )?;
    }
    writeln!(out)
}

fn finding(f: &Finding, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### {} ({})", inline(&f.title), code(&f.id))?;
    writeln!(out)?;
    let mut facts = vec![format!("**Severity:** {}", f.severity)];
    if !f.pods.is_empty() || f.objects.is_empty() {
        facts.push(format!("**Pods:** {}", f.pod_count()));
    }
    if !f.objects.is_empty() {
        facts.push(format!("**Other objects:** {}", f.objects.len()));
    }
    facts.push(format!("**Events:** {}", f.events));
    if let Some(range) = f.time_range() {
        facts.push(format!("**Seen:** {}", inline(&range)));
    }
    writeln!(out, "{}", facts.join(" · "))?;
    writeln!(out)?;

    if !f.pods.is_empty() {
        writeln!(out, "| Namespace | Workload | Pod | Container | Image | Node | State |")?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for group in f.workloads() {
            let workload =
                group.owner.map_or_else(|| "—".to_owned(), |o| inline(&format!("{}/{}", o.kind, o.name)));
            for p in group.pods {
                writeln!(
                    out,
                    "| {} | {workload} | {} | {} | {} | {} | {} |",
                    inline(&p.namespace),
                    inline(&p.name),
                    inline(&p.container),
                    inline(&p.image),
                    inline(&p.node),
                    inline(&p.state)
                )?;
            }
        }
        writeln!(out)?;
    }
    if !f.objects.is_empty() {
        let objects: Vec<String> = f.objects.iter().map(|o| code(o)).collect();
        writeln!(out, "**Other objects:** {}", objects.join(", "))?;
        writeln!(out)?;
    }
    if !f.sample.trim().is_empty() {
        writeln!(out, "**Sample:** {}", code(&f.sample))?;
        writeln!(out)?;
    }
    if !f.evidence.is_empty() {
        writeln!(out, "**Evidence:**")?;
        writeln!(out)?;
        for e in &f.evidence {
            writeln!(out, "- {}", inline(e))?;
        }
        writeln!(out)?;
    }
    if !f.fix.trim().is_empty() {
        writeln!(out, "#### Fix")?;
        writeln!(out)?;
        for line in demote_headings(&f.fix) {
            writeln!(out, "{line}")?;
        }
        writeln!(out)?;
    }
    writeln!(out, "*Runbook:* {}", inline(&f.runbook_source))?;
    writeln!(out)
}

fn unclassified(items: &[Unclassified], out: &mut dyn Write) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(out, "### Unclassified warnings")?;
    writeln!(out)?;
    writeln!(out, "Warning messages no runbook matched, most frequent first.")?;
    writeln!(out)?;
    writeln!(out, "| Count | Objects | Reasons | Template |")?;
    writeln!(out, "|--:|--:|---|---|")?;
    for u in items.iter().take(MAX_UNCLASSIFIED_ROWS) {
        let reasons: Vec<String> = u.reasons.iter().map(|r| inline(r)).collect();
        writeln!(out, "| {} | {} | {} | {} |", u.count, u.objects, reasons.join(", "), inline(&u.template))?;
    }
    writeln!(out)?;
    let more = items.len().saturating_sub(MAX_UNCLASSIFIED_ROWS);
    if more > 0 {
        writeln!(out, "… and {} (see `--format json`).", plural(more as u64, "more template"))?;
        writeln!(out)?;
    }
    Ok(())
}

/// The fix Markdown line by line, control characters neutralised, ATX
/// headings shifted so the shallowest becomes `#####`, and an unclosed code
/// fence closed so it cannot swallow the rest of the report.
fn demote_headings(fix: &str) -> Vec<String> {
    let lines: Vec<String> = fix.lines().map(|l| for_terminal(l).into_owned()).collect();
    let mut fence: Option<String> = None;
    let mut levels = Vec::with_capacity(lines.len());
    for line in &lines {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(open) = &fence {
            if trimmed.starts_with(open.as_str())
                && trimmed.trim_end().chars().all(|c| c == open.as_bytes()[0] as char)
            {
                fence = None;
            }
            levels.push(None);
            continue;
        }
        if indent < 4 {
            if let Some(marker) = fence_marker(trimmed) {
                fence = Some(marker);
                levels.push(None);
                continue;
            }
        }
        levels.push(if indent < 4 { heading_level(trimmed) } else { None });
    }
    let shift = levels.iter().flatten().min().map_or(0, |&min| FIX_HEADING_LEVEL.saturating_sub(min));
    let mut out: Vec<String> = lines
        .into_iter()
        .zip(levels)
        .map(|(line, level)| match level {
            Some(level) if shift > 0 => {
                let text = line.trim_start()[level..].trim_start();
                let hashes = "#".repeat((level + shift).min(6));
                if text.is_empty() {
                    hashes
                } else {
                    format!("{hashes} {text}")
                }
            }
            _ => line,
        })
        .collect();
    if let Some(open) = fence {
        out.push(open);
    }
    // Trailing blank lines would only pile up before the next section.
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    out
}

/// The fence that opens a code block (three or more backticks or tildes).
fn fence_marker(line: &str) -> Option<String> {
    for c in ['`', '~'] {
        let run = line.len() - line.trim_start_matches(c).len();
        if run >= 3 {
            return Some(c.to_string().repeat(run));
        }
    }
    None
}

/// The level of an ATX heading (`## Title`), if the line is one.
fn heading_level(line: &str) -> Option<usize> {
    let hashes = line.len() - line.trim_start_matches('#').len();
    let rest = &line[hashes..];
    ((1..=6).contains(&hashes) && (rest.is_empty() || rest.starts_with([' ', '\t']))).then_some(hashes)
}

/// Bundle text for prose or a table cell: one line, with every character
/// that Markdown, GFM tables, HTML or mentions could act on escaped.
fn inline(text: &str) -> String {
    let text = for_terminal(text);
    let text = text.trim();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&' | '@' | '!' => {
                out.push('\\');
                out.push(c);
            }
            // A list marker or numbered-list dot at the start of a cell or bullet.
            '-' | '+' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if text[..i].chars().all(|d| d.is_ascii_digit()) && i > 0 => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Bundle text as an inline code span, fenced with one backtick more than
/// the longest run inside it so it cannot be closed early. Only for prose,
/// never table cells.
fn code(text: &str) -> String {
    let text = for_terminal(text);
    let text = text.trim();
    if text.is_empty() {
        return "—".to_owned();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A space keeps a backtick at either end from merging with the fence;
    // CommonMark strips one space each side again.
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::super::testdata;
    use super::*;

    fn render_to_string(report: &Report) -> String {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn structure_of_a_report() {
        let out = render_to_string(&testdata::report());
        assert!(
            out.starts_with(
                "## bundle-scan report\n\n**Input:** `support-bundle-2023-07-11T06-30-00.tar.gz` · 40 pods"
            ),
            "{out}"
        );
        assert!(
            out.contains("| Severity | Cause | Pods | Events | Last seen |\n|---|---|--:|--:|---|\n"),
            "{out}"
        );
        assert!(out.contains("| critical | Registry rate limit reached (image-pull/rate-limit) | 3 | 412 | 2023-07-11 06:10 |"), "{out}");
        assert!(out.contains("### Registry rate limit reached (`image-pull/rate-limit`)\n"), "{out}");
        assert!(out.contains("**Severity:** critical · **Pods:** 3 · **Events:** 412 · **Seen:** 2023-07-11 05:34 → 2023-07-11 06:10"), "{out}");
        assert!(out.contains("| Namespace | Workload | Pod | Container | Image | Node | State |"), "{out}");
        assert!(
            out.contains(
                "| default | Deployment/web | web-7d9f8b6c5d-x2k4p | app | docker.io/library/nginx:1.25.1 |"
            ),
            "{out}"
        );
        assert!(out.contains("| batch | — | debug-shell |"), "{out}");
        assert!(out.contains("**Sample:** `Failed to pull image"), "{out}");
        assert!(out.contains("**Evidence:**\n\n- no imagePullSecrets"), "{out}");
        assert!(out.contains("**Other objects:** `Node//node-b`"), "{out}");
        assert!(out.contains("**Severity:** medium · **Other objects:** 1 · **Events:** 3 ·"), "{out}");
        assert!(out.contains("### Unclassified warnings"), "{out}");
        assert!(
            out.contains("### Warnings\n\n- `cluster-resources/pods/kube-system.json`: could not parse"),
            "{out}"
        );
    }

    #[test]
    fn fix_goes_in_verbatim_with_headings_nested() {
        let out = render_to_string(&testdata::report());
        assert!(out.contains("#### Fix\n\n##### Fix\n\nDocker Hub limits"), "{out}");
        assert!(out.contains("###### Why\n"), "{out}");
        assert!(out.contains("   ```sh\n   kubectl create secret docker-registry regcred"), "{out}");
        assert!(out.contains("2. Mirror the images"), "{out}");
        // A runbook whose only heading is `#` still nests.
        assert!(out.contains("#### Fix\n\n##### Node not ready\n\nCheck the kubelet"), "{out}");
    }

    #[test]
    fn bundle_text_cannot_break_the_ticket() {
        let out = render_to_string(&testdata::report());
        assert!(!out.contains('\x1b'), "{out}");
        assert!(!out.contains('\x07'), "{out}");
        // Pipes in table cells are escaped, so every unclassified row keeps four cells.
        let row = out.lines().find(|l| l.starts_with("| 1234 |")).expect("unclassified row");
        assert!(row.contains("\\\\u{1b}\\[31m\\| body: \\<text\\>"), "{row}");
        let unescaped = row.match_indices('|').filter(|(i, _)| !row[..*i].ends_with('\\')).count();
        assert_eq!(unescaped, 5, "{row}");
        // A sample with backticks, `#`, `|` and HTML stays inside its code span.
        assert!(
            out.contains(
                "**Sample:** ``# Secret `regcred` | not found \\u{1b}[2J <script>alert(1)</script>``"
            ),
            "{out}"
        );
        // Evidence starting with `#` is not a heading.
        assert!(out.contains("- \\# heading-looking evidence \\| with pipe"), "{out}");
        assert!(!out.contains("<script>alert(1)</script>\n"), "{out}");
    }

    #[test]
    fn empty_report_says_nothing_was_found() {
        let out = render_to_string(&testdata::empty_report());
        assert!(out.contains("No known root cause found in 12 pods / 57 events."), "{out}");
        assert!(!out.contains("| Severity"), "{out}");
        assert!(!out.contains("###"), "{out}");
    }

    #[test]
    fn escaping_helpers() {
        assert_eq!(inline("a|b"), "a\\|b");
        assert_eq!(inline("# x"), "\\# x");
        assert_eq!(inline("<img src=x>"), "\\<img src=x\\>");
        assert_eq!(inline("- item"), "\\- item");
        assert_eq!(inline("12. step"), "12\\. step");
        assert_eq!(inline("a\\|b"), "a\\\\\\|b");
        assert_eq!(inline("ping @admins"), "ping \\@admins");
        assert_eq!(code("plain"), "`plain`");
        assert_eq!(code("a ` b"), "``a ` b``");
        assert_eq!(code("`x``"), "``` `x`` ```");
        assert_eq!(code(""), "—");
    }

    #[test]
    fn unclosed_fence_in_a_fix_is_closed() {
        let lines = demote_headings("# Title\n\n```\n# not a heading\n");
        assert_eq!(lines, ["##### Title", "", "```", "# not a heading", "```"]);
    }
}
