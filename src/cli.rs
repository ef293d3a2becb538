//! What the user types: the clap definition of the command line, help text
//! only. [`Args::into_config`] turns it into the [`Config`] the library
//! works from; nothing past this module sees clap types.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use crate::config::Config;
use crate::input::{Limits, Source};
use crate::report::{Format, Severity, Style};

/// Find the broken pods in a Kubernetes support bundle, why they broke, and how to fix them.
///
/// Reads a must-gather, a troubleshoot support bundle, a `kubectl cluster-info
/// dump` or a `kubectl get events -o json|yaml` file (as .tar.gz/.tgz/.tar,
/// a directory, a single JSON/YAML file, or - for stdin), matches every event
/// and container status against the runbook corpus, and reports the affected
/// pods grouped by root cause with the runbook's fix beside each group.
#[derive(Debug, Parser)]
#[command(
    name = "bundle-scan",
    version,
    about,
    long_about,
    max_term_width = 100,
    after_help = "Exit status: 0 the scan completed (findings or not); 1 a finding at or above --fail-on;\n2 a usage error, or an input that could not be read at all."
)]
pub struct Args {
    /// The bundle: an archive, a directory, a JSON/YAML file, or - for stdin.
    #[arg(value_name = "INPUT", required_unless_present = "list_runbooks")]
    pub input: Option<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,

    /// Add the runbooks of this directory (*.md, and *.txt starting with `---`); one with the id of a built-in runbook replaces it. Repeatable.
    #[arg(long, value_name = "DIR")]
    pub runbooks: Vec<PathBuf>,

    /// List the loaded runbooks (built-in plus --runbooks) and exit.
    #[arg(long)]
    pub list_runbooks: bool,

    /// Exit with status 1 when a finding is at least this severe (for CI).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,

    /// Worker threads (0 = one per core).
    #[arg(short = 'j', long, default_value_t = 0, value_name = "N")]
    pub threads: usize,

    /// When to colour the table: auto colours only a terminal, and never when NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,

    /// Largest single entry to load, after decompression (e.g. 512M, 2G); a bigger one is skipped with a warning.
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    pub max_entry_size: u64,

    /// Most bytes to decompress over the whole bundle (e.g. 64G); the rest is skipped with a warning.
    #[arg(long, value_name = "SIZE", default_value = "64G", value_parser = parse_size)]
    pub max_total_size: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// `1024`, `64K`, `512M`, `2G` (binary units).
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, shift) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (&text[..i], 10),
        Some((i, 'm' | 'M')) => (&text[..i], 20),
        Some((i, 'g' | 'G')) => (&text[..i], 30),
        Some((i, 't' | 'T')) => (&text[..i], 40),
        _ => (text, 0),
    };
    let value: u64 = digits.trim().parse().map_err(|_| format!("`{text}` is not a size like 512M or 2G"))?;
    value.checked_mul(1 << shift).ok_or_else(|| format!("`{text}` is too large"))
}

impl Args {
    /// The configuration the library runs from. Colour is on only for a
    /// terminal (or `--color always`), and never when `NO_COLOR` is set.
    pub fn into_config(self) -> Config {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let tty = std::io::stdout().is_terminal();
        let color = !no_color
            && match self.color {
                ColorArg::Always => true,
                ColorArg::Never => false,
                ColorArg::Auto => tty,
            };
        let width =
            std::env::var("COLUMNS").ok().and_then(|c| c.parse::<u16>().ok()).unwrap_or(80).clamp(60, 250);
        Config {
            source: self.input.as_deref().map(Source::from_arg),
            format: match self.format {
                FormatArg::Table => Format::Table,
                FormatArg::Json => Format::Json,
                FormatArg::Markdown => Format::Markdown,
            },
            runbook_dirs: self.runbooks,
            list_runbooks: self.list_runbooks,
            fail_on: self.fail_on.map(|s| match s {
                SeverityArg::Info => Severity::Info,
                SeverityArg::Low => Severity::Low,
                SeverityArg::Medium => Severity::Medium,
                SeverityArg::High => Severity::High,
                SeverityArg::Critical => Severity::Critical,
            }),
            threads: self.threads,
            limits: Limits {
                max_entry_bytes: self.max_entry_size,
                max_total_bytes: self.max_total_size,
                ..Limits::default()
            },
            style: Style { color, width },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999T").is_err());
    }

    #[test]
    fn input_required_unless_listing() {
        assert!(Args::try_parse_from(["bundle-scan"]).is_err());
        assert!(Args::try_parse_from(["bundle-scan", "--list-runbooks"]).is_ok());
        let args = Args::try_parse_from(["bundle-scan", "-f", "json", "--fail-on", "high", "b.tgz"]).unwrap();
        let config = args.into_config();
        assert_eq!(config.format, Format::Json);
        assert_eq!(config.fail_on, Some(Severity::High));
    }

    #[test]
    fn never_colour_when_asked_not_to() {
        let args = Args::try_parse_from(["bundle-scan", "--color", "never", "x"]).unwrap();
        assert!(!args.into_config().style.color);
    }
}
