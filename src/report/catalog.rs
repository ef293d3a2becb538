//! `--list-runbooks`: the loaded corpus as a table, JSON or Markdown.

use std::io::{self, Write};

use serde::Serialize;

use super::Format;
use crate::runbook::Corpus;

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    severity: super::Severity,
    priority: i32,
    symptom: bool,
    title: &'a str,
    keywords: &'a [String],
    source: &'a str,
}

pub fn render(corpus: &Corpus, format: Format, out: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<Row<'_>> = corpus
        .runbooks()
        .iter()
        .map(|r| Row {
            id: &r.id,
            severity: r.severity,
            priority: r.priority,
            symptom: r.symptom,
            title: &r.title,
            keywords: &r.keywords,
            source: &r.source,
        })
        .collect();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)
        }
        Format::Markdown => {
            writeln!(out, "| id | severity | priority | title | source |")?;
            writeln!(out, "|---|---|---|---|---|")?;
            for r in &rows {
                let title = crate::text::for_terminal(r.title).replace('|', "\\|");
                writeln!(
                    out,
                    "| `{}` | {:?} | {} | {} | {} |",
                    r.id, r.severity, r.priority, title, r.source
                )?;
            }
            Ok(())
        }
        Format::Table => {
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::NOTHING);
            table.set_header(["ID", "SEVERITY", "PRIO", "TITLE", "SOURCE"]);
            for r in &rows {
                table.add_row([
                    r.id.to_string(),
                    format!("{:?}", r.severity).to_lowercase(),
                    r.priority.to_string(),
                    crate::text::for_terminal(r.title).into_owned(),
                    crate::text::for_terminal(r.source).into_owned(),
                ]);
            }
            writeln!(out, "{table}")?;
            writeln!(out, "{} runbooks", rows.len())
        }
    }
}
