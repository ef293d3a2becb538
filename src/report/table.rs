//! The default output: a report for a human at a terminal.
//!
//! Laid out to read well at 80 columns: every line is fitted to
//! [`Style::width`] by wrapping prose and truncating table cells with `…`
//! (images keep their name and tag, pod names their hash suffix). Colour is
//! written only when [`Style::color`] says so; otherwise the output holds
//! no escape byte at all. Every string from the bundle or a runbook goes
//! through [`for_terminal`] first.

use std::borrow::Cow;
use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, CellAlignment, ContentArrangement, Table};

use super::{plural, Finding, Report, Severity, Style, Summary};
use crate::text::for_terminal;

/// Narrower than this and the layout stops trying; lines then overflow.
const MIN_WIDTH: usize = 40;
/// Width of the `evidence: ` label column that sample, evidence and fix share.
const LABEL_WIDTH: usize = 10;
const MAX_SAMPLE_LINES: usize = 3;
const MAX_ITEM_LINES: usize = 2;
const MAX_FIX_LINES: usize = 8;
const MAX_UNCLASSIFIED_ROWS: usize = 15;
const MAX_WARNINGS: usize = 20;
const MAX_WARNING_LINES: usize = 3;
const FIX_MORE: &str = "… (full runbook: bundle-scan --list-runbooks / --format markdown)";

/// Containers shown per workload before "… and N more".
const MAX_PODS_PER_WORKLOAD: usize = 10;
/// Container names rarely need more; pod names and nodes get the rest.
const MAX_CONTAINER_WIDTH: usize = 20;
/// Narrower than this, an image or node column is not worth showing.
const MIN_COLUMN_WIDTH: usize = 8;

const RESET: &str = "\x1b[0m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";

pub(super) fn render(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let mut p = Printer { out, width: usize::from(style.width).max(MIN_WIDTH), color: style.color };
    p.header(&report.summary)?;
    if report.findings.is_empty() {
        let s = &report.summary;
        let line = format!(
            "No known root cause found in {} / {}.",
            plural(s.pods, "pod"),
            plural(s.events, "event")
        );
        p.prose(&line, "", "", usize::MAX)?;
    }
    for finding in &report.findings {
        writeln!(p.out)?;
        p.finding(finding)?;
    }
    p.unclassified(report)?;
    p.warnings(report)?;
    if !report.findings.is_empty() {
        writeln!(p.out)?;
        let s = &report.summary;
        let line = format!(
            "{} · {} affected · {} · {}",
            plural(report.findings.len() as u64, "root cause"),
            // The header already says how many pods the bundle lists.
            plural(s.pods_affected, "pod"),
            plural(report.unclassified.len() as u64, "unclassified template"),
            plural(report.warnings.len() as u64, "warning"),
        );
        p.prose(&line, "", "  ", usize::MAX)?;
    }
    Ok(())
}

struct Printer<'a> {
    out: &'a mut dyn Write,
    width: usize,
    color: bool,
}

impl Printer<'_> {
    fn header(&mut self, s: &Summary) -> io::Result<()> {
        let title = format!("bundle-scan report · {}", clean(&s.input));
        self.heading(&ellipsize(&title, self.width, self.width / 2))?;
        let mut entries = format!(
            "entries: {} read, {} skipped, {} failed",
            s.entries, s.entries_skipped, s.entries_failed
        );
        if s.entries_ignored > 0 {
            entries.push_str(&format!(", {} ignored", s.entries_ignored));
        }
        let counts = format!(
            "{}, {} ({}) · {entries}",
            plural(s.pods, "pod"),
            plural(s.events, "event"),
            plural(s.warning_events, "warning")
        );
        self.prose(&counts, "", "  ", usize::MAX)?;
        writeln!(self.out, "{}", "─".repeat(self.width))
    }

    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        // `● CRITICAL  ` is 12 columns whatever the severity, so titles align.
        let sev = f.severity.to_string().to_uppercase();
        let mark_width = 12;
        let mark = format!(
            "{}{}",
            self.paint(severity_color(f.severity), &format!("● {sev}")),
            " ".repeat(mark_width - 2 - sev.len())
        );
        let title = format!("{} — {}", clean(&f.id), clean(&f.title));
        let mut stats = Vec::new();
        if !f.pods.is_empty() {
            stats.push(plural(f.pod_count() as u64, "pod"));
        }
        if !f.objects.is_empty() {
            stats.push(plural(f.objects.len() as u64, "other object"));
        }
        stats.push(plural(f.events, "event"));
        if let Some(range) = f.time_range() {
            stats.push(range);
        }
        let stats = stats.join(", ");
        let room = self.width - mark_width;
        // `title  (stats)`
        if len(&title) + len(&stats) + 4 <= room {
            writeln!(self.out, "{mark}{title}  ({stats})")?;
        } else {
            writeln!(self.out, "{mark}{}", ellipsize(&title, room, 0))?;
            writeln!(self.out, "{}{}", " ".repeat(mark_width), ellipsize(&stats, room, 0))?;
        }

        if !f.pods.is_empty() {
            self.pods_listing(f)?;
        }
        if !f.sample.trim().is_empty() {
            // The registry's answer is at the end of a kubelet message, after
            // the image and runtime boilerplate: cut the middle, not the end.
            // (The slack leaves room for word wrapping.)
            let full = clean(&f.sample);
            let rest = " ".repeat(LABEL_WIDTH);
            let first = format!("{:<LABEL_WIDTH$}", "sample:");
            let mut room = (self.width - LABEL_WIDTH) * MAX_SAMPLE_LINES;
            let mut sample = full.to_string();
            // Word wrapping wastes a little of each line; shrink until the
            // cut message fits, so its end is never lost to the line limit.
            while room > 20 && wrap(&sample, self.width, &first, &rest).len() > MAX_SAMPLE_LINES {
                room -= 8;
                sample = ellipsize(&full, room, room * 3 / 5);
            }
            self.labelled("sample:", &[Cow::Owned(sample)], MAX_SAMPLE_LINES)?;
        }
        let evidence: Vec<_> = f.evidence.iter().map(|e| clean(e)).collect();
        self.labelled("evidence:", &evidence, MAX_ITEM_LINES)?;
        if !f.objects.is_empty() {
            let objects = f.objects.iter().map(|o| clean(o)).collect::<Vec<_>>().join(", ");
            self.labelled("objects:", &[Cow::Owned(objects)], MAX_ITEM_LINES)?;
        }
        if f.runbook_source != "built-in" && !f.runbook_source.is_empty() {
            self.labelled("runbook:", &[clean(&f.runbook_source)], MAX_ITEM_LINES)?;
        }
        self.fix(&f.fix)
    }

    /// Pods listed under their workload, borderless and aligned like
    /// `kubectl get`, so names can be copied whole: pod names are never cut
    /// (unless one is wider than the terminal), an image shared by the whole
    /// workload is shown once on its own line, and nodes give way first.
    fn pods_listing(&mut self, f: &Finding) -> io::Result<()> {
        const INDENT: &str = "    ";
        const GAP: &str = "  ";
        let groups = f.workloads();
        let all_pods = groups.iter().flat_map(|g| g.pods.iter());
        let shared = |pods: &[super::AffectedPod]| pods.iter().all(|p| p.image == pods[0].image);
        let show_image_column = groups.iter().any(|g| !shared(g.pods));
        let mut name_w = len("POD");
        let mut container_w = len("CONTAINER");
        for p in all_pods.clone() {
            name_w = name_w.max(len(&p.name));
            container_w = container_w.max(len(&p.container));
        }
        let room = self.width - INDENT.len();
        name_w = name_w.min(room);
        container_w = container_w.min(MAX_CONTAINER_WIDTH).min(room.saturating_sub(name_w + GAP.len()));
        let rest = room.saturating_sub(name_w + container_w + 2 * GAP.len());
        // What is left goes to the image (when it differs between pods of
        // a workload) and the node; too little room and the node is dropped.
        let (image_w, node_w) = match (show_image_column, rest) {
            (_, r) if r < MIN_COLUMN_WIDTH => (0, 0),
            (true, r) if r >= 2 * MIN_COLUMN_WIDTH + GAP.len() => {
                let image = (r - GAP.len()) * 3 / 5;
                (image, r - GAP.len() - image)
            }
            (true, r) => (r, 0),
            (false, r) => (0, r),
        };
        let row = |name: &str, container: &str, image: &str, node: &str| {
            let mut line =
                format!("{INDENT}{:<name_w$}", ellipsize(name, name_w, name_w.saturating_sub(1) / 2));
            if container_w > 0 {
                line.push_str(&format!("{GAP}{:<container_w$}", ellipsize(container, container_w, 0)));
            }
            if image_w > 0 {
                line.push_str(&format!("{GAP}{:<image_w$}", shorten_image(image, image_w)));
            }
            if node_w > 0 {
                line.push_str(&format!("{GAP}{}", shorten_node(node, node_w)));
            }
            line.trim_end().to_string()
        };
        let header = row("POD", "CONTAINER", if image_w > 0 { "IMAGE" } else { "" }, "NODE");
        writeln!(self.out, "{}", self.paint(DIM, &header))?;
        for group in &groups {
            let mut names: Vec<&str> = group.pods.iter().map(|p| p.name.as_str()).collect();
            names.dedup();
            let count = format!("  ({})", plural(names.len() as u64, "pod"));
            let room_for_label = (self.width - 2).saturating_sub(len(&count));
            let label = group.label();
            let label = format!("{}{count}", ellipsize(&clean(&label), room_for_label, room_for_label / 2));
            writeln!(self.out, "  {}", self.paint(BOLD, &label))?;
            if !show_image_column && !group.pods[0].image.is_empty() {
                let image = shorten_image(&clean(&group.pods[0].image), room.saturating_sub(len("image ")));
                writeln!(self.out, "{INDENT}image {image}")?;
            }
            for p in group.pods.iter().take(MAX_PODS_PER_WORKLOAD) {
                let line = row(&clean(&p.name), &clean(&p.container), &clean(&p.image), &clean(&p.node));
                writeln!(self.out, "{line}")?;
            }
            let more = group.pods.len().saturating_sub(MAX_PODS_PER_WORKLOAD);
            if more > 0 {
                writeln!(
                    self.out,
                    "{INDENT}… and {} (see --format json)",
                    plural(more as u64, "more container")
                )?;
            }
        }
        Ok(())
    }

    fn unclassified(&mut self, report: &Report) -> io::Result<()> {
        if report.unclassified.is_empty() {
            return Ok(());
        }
        writeln!(self.out)?;
        let heading = format!(
            "Unclassified warnings: {} no runbook matched",
            plural(report.unclassified.len() as u64, "message template")
        );
        self.heading(&heading)?;
        const HEADER: [&str; 3] = ["count", "reasons", "template"];
        let shown = &report.unclassified[..report.unclassified.len().min(MAX_UNCLASSIFIED_ROWS)];
        let rows: Vec<[String; 3]> = shown
            .iter()
            .map(|u| {
                let reasons = u.reasons.iter().map(|r| clean(r)).collect::<Vec<_>>().join(", ");
                [u.count.to_string(), reasons, clean(&u.template).into_owned()]
            })
            .collect();
        let mut natural = HEADER.map(len);
        for row in &rows {
            for (n, cell) in natural.iter_mut().zip(row) {
                *n = (*n).max(len(cell));
            }
        }
        let widths = fit_columns(&natural, &natural, &[1, 2, 4], self.width);
        let mut table = self.table(&HEADER);
        if let Some(column) = table.column_mut(0) {
            column.set_cell_alignment(CellAlignment::Right);
        }
        for [count, reasons, template] in &rows {
            table.add_row(vec![
                count.clone(),
                ellipsize(reasons, widths[1], 0),
                ellipsize(template, widths[2], 0),
            ]);
        }
        self.write_table(&table)?;
        let more = report.unclassified.len() - shown.len();
        if more > 0 {
            writeln!(self.out, "… and {} (see --format json)", plural(more as u64, "more template"))?;
        }
        Ok(())
    }

    fn warnings(&mut self, report: &Report) -> io::Result<()> {
        if report.warnings.is_empty() {
            return Ok(());
        }
        writeln!(self.out)?;
        self.heading(&format!("Warnings ({})", report.warnings.len()))?;
        for w in report.warnings.iter().take(MAX_WARNINGS) {
            let line = if w.entry.is_empty() {
                clean(&w.message).into_owned()
            } else {
                format!("{}: {}", clean(&w.entry), clean(&w.message))
            };
            self.prose(&line, "  ", "    ", MAX_WARNING_LINES)?;
        }
        let more = report.warnings.len().saturating_sub(MAX_WARNINGS);
        if more > 0 {
            writeln!(self.out, "  … and {} (see --format json)", plural(more as u64, "more warning"))?;
        }
        Ok(())
    }

    /// `label` in the label column, then each item wrapped beside it; several
    /// items get a bullet each so their wrapped lines stay apart.
    fn labelled(&mut self, label: &str, items: &[Cow<'_, str>], max_lines: usize) -> io::Result<()> {
        let bullet = if items.len() > 1 { "• " } else { "" };
        for (i, item) in items.iter().enumerate() {
            let first = format!("{:<LABEL_WIDTH$}{bullet}", if i == 0 { label } else { "" });
            let rest = " ".repeat(LABEL_WIDTH + len(bullet));
            self.prose(item, &first, &rest, max_lines)?;
        }
        Ok(())
    }

    /// The start of the runbook's fix: its first meaningful lines, heading
    /// markers stripped, list markers and code kept.
    fn fix(&mut self, fix: &str) -> io::Result<()> {
        let indent = " ".repeat(LABEL_WIDTH);
        let mut lines: Vec<String> = Vec::new();
        let mut cut = false;
        let mut items = fix_items(fix).into_iter().peekable();
        while let Some(item) = items.next() {
            let label = if lines.is_empty() { "fix:" } else { "" };
            let first = format!("{label:<LABEL_WIDTH$}{}", item.marker);
            let rest = " ".repeat(LABEL_WIDTH + len(&item.marker));
            let wrapped = if item.code {
                vec![ellipsize(&format!("{first}{}", item.text), self.width, 0)]
            } else {
                wrap(&item.text, self.width, &first, &rest)
            };
            let room = MAX_FIX_LINES - lines.len();
            if wrapped.len() > room {
                lines.extend(limit(wrapped, room, self.width));
                cut = true;
                break;
            }
            lines.extend(wrapped);
            if lines.len() == MAX_FIX_LINES {
                cut = items.peek().is_some();
                break;
            }
        }
        for line in &lines {
            writeln!(self.out, "{line}")?;
        }
        if cut {
            writeln!(self.out, "{indent}{}", ellipsize(FIX_MORE, self.width - LABEL_WIDTH, 0))?;
        }
        Ok(())
    }

    fn heading(&mut self, text: &str) -> io::Result<()> {
        for line in wrap(text, self.width, "", "") {
            let line = self.paint(BOLD, &line);
            writeln!(self.out, "{line}")?;
        }
        Ok(())
    }

    /// Word-wraps `text` to the width, at most `max_lines` lines.
    fn prose(&mut self, text: &str, first: &str, rest: &str, max_lines: usize) -> io::Result<()> {
        for line in limit(wrap(text, self.width, first, rest), max_lines, self.width) {
            writeln!(self.out, "{line}")?;
        }
        Ok(())
    }

    fn table(&self, header: &[&str]) -> Table {
        let mut table = Table::new();
        table
            .load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(u16::try_from(self.width).unwrap_or(u16::MAX))
            // Never probe the real stdout: colour is the caller's decision.
            .force_no_tty();
        if self.color {
            table.enforce_styling();
        }
        table.set_header(header.iter().map(|h| {
            let cell = Cell::new(h);
            if self.color {
                cell.add_attribute(Attribute::Bold)
            } else {
                cell
            }
        }));
        table
    }

    fn write_table(&mut self, table: &Table) -> io::Result<()> {
        for line in table.lines() {
            writeln!(self.out, "{line}")?;
        }
        Ok(())
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }
}

fn severity_color(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "\x1b[1;31m",
        Severity::High => "\x1b[31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low | Severity::Info => "\x1b[36m",
    }
}

/// One line of a fix's Markdown as the preview shows it.
#[derive(Debug, PartialEq)]
struct FixItem {
    /// `• `, `1. ` or empty.
    marker: String,
    text: String,
    /// A line of a fenced code block: truncated, never wrapped.
    code: bool,
}

fn fix_items(fix: &str) -> Vec<FixItem> {
    let mut items: Vec<FixItem> = Vec::new();
    let mut fence: Option<(usize, &str)> = None;
    // Whether the next plain line continues the last item (Markdown's lazy
    // continuation: a hard-wrapped list item or paragraph is one item).
    let mut continues = false;
    for raw in fix.lines() {
        let line = clean(raw);
        let trimmed = line.trim();
        // Indentation in ASCII spaces only: it is used to slice the line,
        // and other Unicode whitespace is several bytes wide.
        let indent = line.len() - line.trim_start_matches(' ').len();
        let fence_marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, fence_marker) {
            (None, Some(m)) => {
                fence = Some((indent, m));
                continues = false;
                continue;
            }
            (Some((_, open)), Some(m)) if m == open => {
                fence = None;
                continue;
            }
            (Some((fence_indent, _)), _) => {
                if !trimmed.is_empty() {
                    // Keep the code's own indentation relative to its fence.
                    let cut = indent.min(fence_indent);
                    items.push(FixItem {
                        marker: " ".repeat(fence_indent.max(2)),
                        text: line[cut..].trim_end().to_owned(),
                        code: true,
                    });
                }
                continue;
            }
            (None, None) => {}
        }
        if trimmed.is_empty() || trimmed.starts_with("<!--") || is_rule(trimmed) {
            continues = false;
            continue;
        }
        let text = trimmed.replace("**", "");
        if let Some(heading) = heading_text(&text) {
            if !heading.eq_ignore_ascii_case("fix") && !heading.is_empty() {
                items.push(FixItem { marker: String::new(), text: heading.to_owned(), code: false });
            }
            continues = false;
            continue;
        }
        let (marker, text) = list_marker(&text);
        match items.last_mut() {
            Some(last) if continues && marker.is_empty() => {
                last.text.push(' ');
                last.text.push_str(text);
            }
            _ => items.push(FixItem { marker, text: text.to_owned(), code: false }),
        }
        continues = true;
    }
    items
}

fn heading_text(line: &str) -> Option<&str> {
    let hashes = line.len() - line.trim_start_matches('#').len();
    let rest = &line[hashes..];
    if (1..=6).contains(&hashes) && (rest.is_empty() || rest.starts_with(' ')) {
        Some(rest.trim().trim_end_matches('#').trim_end())
    } else {
        None
    }
}

fn is_rule(line: &str) -> bool {
    let chars: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    chars.len() >= 3 && ["-", "*", "_"].iter().any(|c| chars.chars().all(|x| x.to_string() == *c))
}

/// `- step` → (`• `, `step`); `2. step` → (`2. `, `step`).
fn list_marker(line: &str) -> (String, &str) {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return ("• ".into(), rest.trim_start());
        }
    }
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if (1..=3).contains(&digits) {
        let rest = &line[digits..];
        if let Some(text) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return (format!("{}. ", &line[..digits]), text.trim_start());
        }
    }
    (String::new(), line)
}

fn clean(text: &str) -> Cow<'_, str> {
    for_terminal(text)
}

fn len(text: &str) -> usize {
    text.chars().count()
}

/// Splits a table's width among its columns. `natural` is each column's
/// widest content; if that fits, it is the answer. Otherwise every column
/// first gets its `compact` demand (what it can make do with) as far as
/// its weighted share allows, and what is left goes, by weight again, to
/// columns still short of their natural width. The borders of a full
/// table take `3n + 1`.
fn fit_columns(natural: &[usize], compact: &[usize], weights: &[usize], width: usize) -> Vec<usize> {
    const MIN_COLUMN: usize = 4;
    let budget = width.saturating_sub(3 * natural.len() + 1);
    if natural.iter().sum::<usize>() <= budget {
        return natural.to_vec();
    }
    let mut widths = share(compact, weights, budget);
    for w in &mut widths {
        *w = (*w).max(MIN_COLUMN);
    }
    let left = budget.saturating_sub(widths.iter().sum());
    let wanting: Vec<usize> = natural.iter().zip(&widths).map(|(n, w)| n.saturating_sub(*w)).collect();
    for (w, extra) in widths.iter_mut().zip(share(&wanting, weights, left)) {
        *w += extra;
    }
    widths
}

/// Water-filling: `budget` shared in proportion to `weights`, no column
/// getting more than its `demand`; what a modest column leaves over goes to
/// the others.
fn share(demand: &[usize], weights: &[usize], budget: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..demand.len()).collect();
    // Least demanding first, relative to its weight.
    order.sort_by(|&a, &b| (demand[a] * weights[b]).cmp(&(demand[b] * weights[a])));
    let mut left = budget;
    let mut weight_left: usize = weights.iter().sum();
    let mut out = vec![0; demand.len()];
    for &i in &order {
        let w = demand[i].min(left * weights[i] / weight_left.max(1));
        out[i] = w;
        left -= w;
        weight_left -= weights[i];
    }
    out
}

/// A node name cut to `width`: the host part before the first dot names
/// it, the domain is the same on every node.
fn shorten_node(node: &str, width: usize) -> String {
    if len(node) <= width {
        return node.to_owned();
    }
    match node.split_once('.') {
        Some((host, _)) if len(host) < width => format!("{host}…"),
        _ => ellipsize(node, width, 0),
    }
}

/// Fits `text` into `width` chars with one `…`, keeping up to `tail` chars
/// of the end (0: cut the end; `width - 1`: cut the start).
fn ellipsize(text: &str, width: usize, tail: usize) -> String {
    let n = len(text);
    if n <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let tail = tail.min(width - 1);
    let head = width - 1 - tail;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(n - tail));
    out
}

/// An image reference cut to `width`: what tells images apart is the last
/// path segment (name and tag), so the registry and path give way first,
/// and a digest is dropped when a tag is there. If even the name and tag
/// do not fit, they keep the start of the name and the end of the tag.
fn shorten_image(image: &str, width: usize) -> String {
    if len(image) <= width {
        return image.to_owned();
    }
    let mut image = Cow::Borrowed(image);
    if let Some((name, _digest)) = image.split_once('@') {
        let tagged = name.rsplit('/').next().is_some_and(|last| last.contains(':'));
        if tagged {
            let short = format!("{name}@…");
            if len(&short) <= width {
                return short;
            }
            image = Cow::Owned(name.to_owned());
        }
    }
    let (path, leaf) = image.rsplit_once('/').unwrap_or(("", &image));
    let room = width.saturating_sub(1);
    if !path.is_empty() && len(leaf) < room {
        // `docker.io/…/nginx:1.25`, or `…/nginx:1.25` when the head would be tiny.
        return if room - (len(leaf) + 1) >= 4 {
            ellipsize(&image, width, len(leaf) + 1)
        } else {
            format!("…/{leaf}")
        };
    }
    let tag = leaf.rfind(':').map_or(0, |i| len(&leaf[i..]));
    ellipsize(leaf, width, tag.min(room / 2))
}

/// Word-wraps `text` into lines of at most `width` chars, the first
/// starting with `first`, the others with `rest`. A word longer than a line
/// is split.
fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_owned();
    let mut line_len = len(first);
    let mut empty = true;
    for word in text.split_whitespace() {
        let mut word = word;
        loop {
            let word_len = len(word);
            let sep = usize::from(!empty);
            if line_len + sep + word_len <= width {
                if !empty {
                    line.push(' ');
                }
                line.push_str(word);
                line_len += sep + word_len;
                empty = false;
                break;
            }
            if !empty {
                lines.push(std::mem::replace(&mut line, rest.to_owned()));
                line_len = len(rest);
                empty = true;
                continue;
            }
            let room = width.saturating_sub(line_len).max(1);
            let split = word.char_indices().nth(room).map_or(word.len(), |(i, _)| i);
            line.push_str(&word[..split]);
            word = &word[split..];
            lines.push(std::mem::replace(&mut line, rest.to_owned()));
            line_len = len(rest);
            if word.is_empty() {
                break;
            }
        }
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Keeps at most `max` lines, ending the last kept one with `…` when some
/// were dropped.
fn limit(mut lines: Vec<String>, max: usize, width: usize) -> Vec<String> {
    if lines.len() > max && max > 0 {
        lines.truncate(max);
        let last = lines.last_mut().expect("max > 0");
        if len(last) >= width {
            *last = last.chars().take(width.saturating_sub(1)).collect();
        }
        last.push('…');
    } else if max == 0 {
        lines.clear();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::super::{testdata, AffectedPod};
    use super::*;

    fn render_to_string(report: &Report, color: bool, width: u16) -> String {
        let mut out = Vec::new();
        render(report, Style { color, width }, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn no_escape_byte_without_colour() {
        let out = render_to_string(&testdata::report(), false, 80);
        assert!(!out.contains('\x1b'), "{out}");
        assert!(!out.contains('\x07'), "{out}");
        // The hostile sequences are shown, neutralised.
        assert!(out.contains("\\u{1b}[2J"), "{out}");
        assert!(out.contains("\\u{1b}]0;pwned\\u{7}"), "{out}");
    }

    #[test]
    fn colour_marks_severities_when_asked() {
        let out = render_to_string(&testdata::report(), true, 80);
        assert!(out.contains("\x1b[1;31m● CRITICAL\x1b[0m"), "{out}");
        assert!(out.contains("\x1b[31m● HIGH\x1b[0m"), "{out}");
        assert!(out.contains("\x1b[33m● MEDIUM\x1b[0m"), "{out}");
        // Bundle text still cannot smuggle its own escapes in.
        assert!(!out.contains("\x1b[31m|"), "{out}");
        assert!(!out.contains("\x1b]0;"), "{out}");
    }

    #[test]
    fn every_line_fits_80_columns() {
        for color in [false, true] {
            let out = render_to_string(&testdata::report(), color, 80);
            let plain = strip_ansi(&out);
            for line in plain.lines() {
                assert!(len(line) <= 80, "{} chars: {line}\n{plain}", len(line));
            }
        }
    }

    #[test]
    fn narrow_and_wide_terminals_fit_too() {
        for width in [40, 60, 100, 160] {
            let out = render_to_string(&testdata::report(), false, width);
            for line in out.lines() {
                assert!(len(line) <= usize::from(width), "{width}: {line}\n{out}");
            }
        }
    }

    #[test]
    fn finding_block_shows_what_matters() {
        let out = render_to_string(&testdata::report(), false, 80);
        assert!(out.contains("● CRITICAL  image-pull/rate-limit — Registry rate limit reached"), "{out}");
        assert!(out.contains("3 pods, 412 events, 2023-07-11 05:34 → 2023-07-11 06:10"), "{out}");
        // Pods listed under their workload, names whole, a shared image once.
        assert!(out.contains("\n  Deployment default/web  (2 pods)\n"), "{out}");
        assert!(out.contains("\n    image docker.io/library/nginx:1.25.1\n"), "{out}");
        assert!(out.contains("\n    web-7d9f8b6c5d-x2k4p "), "{out}");
        assert!(
            out.contains("\n  StatefulSet payments/ledger-db-with-a-rather-long-name  (1 pod)\n"),
            "{out}"
        );
        assert!(out.contains("\n    ledger-db-with-a-rather-long-name-0  postgres-with-an-un…"), "{out}");
        // Nodes give way first: the host part is kept.
        assert!(out.contains("ip-10-0-1-23…"), "{out}");
        assert!(out.contains("\n  batch (no workload)  (1 pod)\n"), "{out}");
        assert!(out.contains("sample:   Failed to pull image"), "{out}");
        assert!(out.contains("evidence: no imagePullSecrets"), "{out}");
        assert!(out.contains("fix:      Docker Hub limits anonymous pulls"), "{out}");
        assert!(out.contains("          1. Authenticate pulls"), "{out}");
        assert!(out.contains("kubectl create secret docker-registry"), "{out}");
        assert!(out.contains(FIX_MORE), "{out}");
        assert!(!out.contains("## Fix"), "{out}");
        assert!(!out.contains("never reaches"), "{out}");
        // Long images keep the start of their name and the end of their tag.
        assert!(
            out.contains("image registry.internal.e…/postgresql-ha-with-extensions:15.3.0-debian-11-r7"),
            "{out}"
        );
        // A finding about nodes, not pods.
        assert!(out.contains("objects:  Node//node-b"), "{out}");
        assert!(out.contains("runbook:  /etc/bundle-scan/runbooks/missing-pull-secret.md"), "{out}");
    }

    /// Pods of one workload running different images (a sidecar, a rollout
    /// in progress) get an image column instead of one shared image line.
    #[test]
    fn mixed_images_get_a_column() {
        let mut report = testdata::report();
        report.findings.truncate(1);
        report.findings[0].pods[1].image = "docker.io/library/nginx:1.27.0".into();
        let out = render_to_string(&report, false, 80);
        assert!(out.contains("    POD "), "{out}");
        assert!(out.contains("  IMAGE"), "{out}");
        assert!(!out.contains("\n    image "), "{out}");
        assert!(out.contains("nginx:1.27.0"), "{out}");
        for line in out.lines() {
            assert!(len(line) <= 80, "{line}\n{out}");
        }
    }

    /// The registry's answer sits at the end of a kubelet message: a long
    /// sample is cut in the middle, never at the end.
    #[test]
    fn long_samples_keep_their_end() {
        let mut report = testdata::report();
        report.findings.truncate(1);
        report.findings[0].sample = format!(
            "Failed to pull image \"harbor.acme.internal/payments/fraud-scorer:0.9.3\": {} x509: certificate signed by unknown authority",
            "rpc error: code = Unknown desc = pinging container registry harbor.acme.internal: ".repeat(4)
        );
        let out = render_to_string(&report, false, 80);
        let sample: Vec<&str> = out.lines().skip_while(|l| !l.starts_with("sample:")).take(3).collect();
        assert!(sample[0].starts_with("sample:   Failed to pull image"), "{out}");
        let joined = sample.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
        assert!(joined.ends_with("x509: certificate signed by unknown authority"), "{out}");
        assert!(joined.contains('…'), "{out}");
    }

    #[test]
    fn long_workloads_are_capped() {
        let mut report = testdata::report();
        report.findings.truncate(1);
        let template = report.findings[0].pods[0].clone();
        report.findings[0].pods = (0..25)
            .map(|i| AffectedPod { name: format!("web-7d9f8b6c5d-{i:05}"), ..template.clone() })
            .collect();
        let out = render_to_string(&report, false, 80);
        assert!(out.contains("Deployment default/web  (25 pods)"), "{out}");
        assert!(out.contains("web-7d9f8b6c5d-00009"), "{out}");
        assert!(!out.contains("web-7d9f8b6c5d-00010"), "{out}");
        assert!(out.contains("… and 15 more containers (see --format json)"), "{out}");
    }

    /// A runbook is user input too: indentation in Unicode whitespace
    /// (an ideographic space) inside a code block must not panic.
    #[test]
    fn unicode_indentation_in_a_fix_does_not_panic() {
        let items = fix_items("Run:\n  ```\n \u{3000}kubectl get pods\n  ```\n");
        assert!(items.iter().any(|i| i.code && i.text.contains("kubectl get pods")));
    }

    #[test]
    fn sections_after_the_findings() {
        let out = render_to_string(&testdata::report(), false, 80);
        assert!(out.starts_with("bundle-scan report · support-bundle-2023-07-11T06-30-00.tar.gz\n"), "{out}");
        assert!(
            out.contains("40 pods, 3400 events (1700 warnings) · entries: 120 read, 80 skipped, 2 failed"),
            "{out}"
        );
        assert!(out.contains("Unclassified warnings: 2 message templates no runbook matched"), "{out}");
        assert!(out.contains("│  1234 ┆ Unhealthy"), "{out}");
        assert!(out.contains("Warnings (1)"), "{out}");
        assert!(out.contains("  cluster-resources/pods/kube-system.json: could not parse"), "{out}");
        let last = out.lines().last().unwrap();
        assert_eq!(last, "3 root causes · 4 pods affected · 2 unclassified templates · 1 warning");
    }

    #[test]
    fn unclassified_rows_are_capped() {
        let mut report = testdata::report();
        let one = report.unclassified[1].clone();
        report.unclassified = vec![one; 20];
        let out = render_to_string(&report, false, 80);
        assert_eq!(out.matches("Back-off restarting").count(), MAX_UNCLASSIFIED_ROWS, "{out}");
        assert!(out.contains("… and 5 more templates (see --format json)"), "{out}");
    }

    #[test]
    fn empty_report_says_nothing_was_found() {
        let out = render_to_string(&testdata::empty_report(), false, 80);
        assert!(out.contains("No known root cause found in 12 pods / 57 events."), "{out}");
        assert!(!out.contains("Unclassified"), "{out}");
        assert!(!out.contains("Warnings"), "{out}");
        assert!(!out.contains('\x1b'));
    }

    #[test]
    fn fix_preview_reads_markdown() {
        let items = fix_items("# Fix\n\n- one\n2) two\n```yaml\n  a: b\n```\n---\n### More\n");
        let shown: Vec<(&str, &str, bool)> =
            items.iter().map(|i| (i.marker.as_str(), i.text.as_str(), i.code)).collect();
        assert_eq!(
            shown,
            [("• ", "one", false), ("2. ", "two", false), ("  ", "  a: b", true), ("", "More", false)]
        );
    }

    #[test]
    fn short_fix_has_no_pointer_to_the_runbook() {
        let mut report = testdata::report();
        report.findings.truncate(1);
        report.findings[0].fix = "Wait an hour.".into();
        let out = render_to_string(&report, false, 80);
        assert!(out.contains("fix:      Wait an hour.\n"), "{out}");
        assert!(!out.contains("full runbook"), "{out}");
    }

    #[test]
    fn text_helpers() {
        assert_eq!(ellipsize("abcdefghij", 5, 0), "abcd…");
        assert_eq!(ellipsize("abcdefghij", 5, 2), "ab…ij");
        assert_eq!(ellipsize("abc", 5, 2), "abc");
        assert_eq!(
            shorten_image("registry.example.com/team/app:1.2.3@sha256:0123456789abcdef", 40),
            "registry.example.com/team/app:1.2.3@…"
        );
        assert_eq!(shorten_image("registry.example.com/team/app:1.2.3", 20), "registry.…/app:1.2.3");
        assert_eq!(shorten_node("ip-10-0-3-17.eu-west-1.compute.internal", 16), "ip-10-0-3-17…");
        assert_eq!(shorten_node("a-very-long-node-name", 10), "a-very-lo…");
        assert_eq!(shorten_image("docker.io/library/nginx:1.25.1", 24), "docker.io/…/nginx:1.25.1");
        assert_eq!(shorten_image("docker.io/library/nginx:1.25.1", 15), "…/nginx:1.25.1");
        assert_eq!(
            shorten_image("r.io/postgresql-ha-with-extensions:15.3.0-debian-11-r7", 27),
            "postgresql-ha…-debian-11-r7"
        );
        assert_eq!(
            wrap("aaa bbb ccc dddddddddd", 10, "> ", "  "),
            ["> aaa bbb", "  ccc", "  dddddddd", "  dd"]
        );
        assert_eq!(limit(vec!["a".into(), "b".into(), "c".into()], 2, 10), ["a", "b…"]);
        assert_eq!(limit(vec!["abcd".into(), "efgh".into(), "c".into()], 2, 4), ["abcd", "efg…"]);
        assert_eq!(fit_columns(&[5, 20, 100], &[5, 20, 100], &[1, 1, 1], 80), [5, 20, 45]);
        assert_eq!(fit_columns(&[50, 50], &[50, 50], &[1, 3], 47), [10, 30]);
        assert_eq!(fit_columns(&[5, 20, 30], &[5, 10, 30], &[1, 1, 1], 80), [5, 20, 30]);
        assert_eq!(fit_columns(&[5, 20, 100], &[5, 10, 100], &[1, 1, 1], 80), [5, 10, 55]);
        // Compact demands met, the rest goes to who still wants it.
        assert_eq!(fit_columns(&[10, 40, 40], &[10, 10, 10], &[1, 1, 1], 60), [10, 20, 20]);
    }

    fn strip_ansi(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}
