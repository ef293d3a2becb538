//! The runbook corpus: the rules the classifier is built from.
//!
//! A runbook is a Markdown file with a YAML frontmatter in the format of the
//! seed TSGs (`id, title, issue_type, component, phase, severity,
//! k8s_version, signals, related_tsgs, keywords`) plus three optional
//! extensions (`priority`, `requires_any`, `symptom`; see `corpus/README.md`).
//! This module parses and validates files into [`Runbook`]s (errors name the
//! file and line) and assembles the [`Corpus`]: the built-in runbooks
//! embedded from `corpus/`, overridden or extended by `--runbooks DIR`.
//! Only a validated `Corpus` reaches the classifier.

mod frontmatter;

use std::fmt;
use std::path::{Path, PathBuf};

pub use frontmatter::parse;

use crate::report::Severity;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_corpus.rs"));
}

/// One validated runbook.
#[derive(Clone, Debug, PartialEq)]
pub struct Runbook {
    pub id: String,
    pub title: String,
    pub issue_type: String,
    pub component: String,
    pub phase: String,
    pub severity: Severity,
    pub k8s_version: String,
    pub signals: Vec<String>,
    pub related_tsgs: Vec<String>,
    /// Literal fragments whose presence in a message points to this cause.
    pub keywords: Vec<String>,
    /// Extension: higher wins when several runbooks match one message.
    pub priority: i32,
    /// Extension: the runbook only applies when one of these also occurs.
    pub requires_any: Vec<String>,
    /// Extension: a symptom marks a pod affected but never outranks a cause.
    pub symptom: bool,
    /// Extension: ids of causes this one is the root of when both are
    /// recorded for a container (a missing pull secret explains a 401).
    pub explains: Vec<String>,
    /// The Markdown body after the frontmatter.
    pub body: String,
    /// `built-in` or the file it was loaded from.
    pub source: String,
}

impl Runbook {
    /// The section the report prints beside a group: `## Fix` (or
    /// `Resolution`/`Remediation`/`Solution`), else `## Summary`, else the body.
    pub fn fix(&self) -> &str {
        const FIX: &[&str] = &["fix", "resolution", "remediation", "solution", "how to fix"];
        section(&self.body, |h| FIX.iter().any(|f| h.starts_with(f)))
            .or_else(|| section(&self.body, |h| h.starts_with("summary")))
            .unwrap_or(self.body.trim())
    }
}

/// The body of the first `#`/`##`/`###` section whose lower-cased heading
/// satisfies `wanted`, up to the next heading of the same or higher level.
fn section(body: &str, wanted: impl Fn(&str) -> bool) -> Option<&str> {
    let mut start = None;
    let mut level = 0;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_end();
        let hashes = trimmed.chars().take_while(|&c| c == '#').count();
        let is_heading = hashes > 0 && trimmed[hashes..].starts_with(' ');
        if let Some(begin) = start {
            if is_heading && hashes <= level {
                return Some(body[begin..offset].trim());
            }
        } else if is_heading && wanted(&trimmed[hashes..].trim().to_lowercase()) {
            start = Some(offset + line.len());
            level = hashes;
        }
        offset += line.len();
    }
    start.map(|begin| body[begin..].trim())
}

/// A runbook file that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunbookError {
    pub file: String,
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for RunbookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for RunbookError {}

/// The validated set of runbooks, ids unique, in a stable order.
#[derive(Clone, Debug, PartialEq)]
pub struct Corpus {
    runbooks: Vec<Runbook>,
}

impl Corpus {
    /// The runbooks compiled into the binary from `corpus/`.
    pub fn builtin() -> Result<Corpus, RunbookError> {
        let mut runbooks = Vec::new();
        for (path, text) in builtin::BUILTIN {
            let runbook = parse(&format!("corpus/{path}"), text, "built-in")?;
            let expected = path.trim_end_matches(".md");
            if runbook.id != expected {
                return Err(RunbookError {
                    file: format!("corpus/{path}"),
                    line: None,
                    message: format!(
                        "id `{}` does not match the file name (expected `{expected}`)",
                        runbook.id
                    ),
                });
            }
            runbooks.push(runbook);
        }
        Corpus::new(runbooks)
    }

    /// Validates a set of runbooks: ids must be unique.
    pub fn new(mut runbooks: Vec<Runbook>) -> Result<Corpus, RunbookError> {
        runbooks.sort_by(|a, b| a.id.cmp(&b.id));
        for pair in runbooks.windows(2) {
            if pair[0].id == pair[1].id {
                return Err(RunbookError {
                    file: pair[1].source.clone(),
                    line: None,
                    message: format!("duplicate runbook id `{}` (also in {})", pair[1].id, pair[0].source),
                });
            }
        }
        Ok(Corpus { runbooks })
    }

    /// Adds the runbooks of every `*.md` file below `dir` (except README.md)
    /// and every `*.txt` file that starts with a frontmatter block; one with
    /// the id of an existing runbook replaces it.
    pub fn extend_from_dir(self, dir: &Path) -> Result<Corpus, RunbookError> {
        let mut files = Vec::new();
        collect_markdown(dir, &mut files).map_err(|e| RunbookError {
            file: dir.display().to_string(),
            line: None,
            message: e.to_string(),
        })?;
        let mut added = Vec::new();
        for file in files {
            let name = file.display().to_string();
            let text = std::fs::read_to_string(&file).map_err(|e| RunbookError {
                file: name.clone(),
                line: None,
                message: e.to_string(),
            })?;
            // A .txt file is a runbook only if it opens a frontmatter block
            // (seed TSGs are kept as .txt); other text files are notes.
            let is_txt = file.extension().is_some_and(|e| e == "txt");
            if is_txt && !text.trim_start_matches('\u{feff}').starts_with("---") {
                continue;
            }
            added.push(parse(&name, &text, &name)?);
        }
        if added.is_empty() {
            return Err(RunbookError {
                file: dir.display().to_string(),
                line: None,
                message: "no runbooks found (*.md, or *.txt starting with `---`)".to_string(),
            });
        }
        // Two user files with one id is a mistake; a user file replacing a
        // built-in one is the documented way to customise.
        let added = Corpus::new(added)?;
        let mut runbooks = self.runbooks;
        runbooks.retain(|r| !added.runbooks.iter().any(|a| a.id == r.id));
        runbooks.extend(added.runbooks);
        Corpus::new(runbooks)
    }

    pub fn runbooks(&self) -> &[Runbook] {
        &self.runbooks
    }

    pub fn get(&self, index: usize) -> &Runbook {
        &self.runbooks[index]
    }

    pub fn find(&self, id: &str) -> Option<&Runbook> {
        self.runbooks.iter().find(|r| r.id == id)
    }

    /// The index of the runbook with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.runbooks.iter().position(|r| r.id == id)
    }

    pub fn len(&self) -> usize {
        self.runbooks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.runbooks.is_empty()
    }
}

fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect_markdown(&path, out)?;
        } else if kind.is_file()
            && path.extension().is_some_and(|e| e == "md" || e == "txt")
            && path.file_name().is_some_and(|n| !n.eq_ignore_ascii_case("README.md"))
        {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_corpus_is_valid_and_ids_match_files() {
        let corpus = Corpus::builtin().expect("built-in corpus loads");
        assert!(corpus.len() >= 15, "only {} built-in runbooks", corpus.len());
        for runbook in corpus.runbooks() {
            assert!(!runbook.keywords.is_empty(), "{} has no keywords", runbook.id);
            assert!(!runbook.fix().is_empty(), "{} has no fix", runbook.id);
        }
    }

    #[test]
    fn fix_section_is_found_and_stops_at_next_heading() {
        let body = "## Summary\nshort\n\n## Fix\n1. do this\n### Detail\nmore\n## Prevention\nlater\n";
        let section = section(body, |h| h.starts_with("fix")).unwrap();
        assert_eq!(section, "1. do this\n### Detail\nmore");
        assert_eq!(super::section(body, |h| h == "nothing"), None);
    }
}
