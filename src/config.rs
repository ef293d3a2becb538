//! What the program needs to run, validated from the command line by
//! [`crate::cli::Args::into_config`]. The stages see this, never clap types.

use std::path::PathBuf;

use crate::input::{Limits, Source};
use crate::report::{Format, Severity, Style};

#[derive(Clone, Debug)]
pub struct Config {
    /// The bundle; `None` only with `list_runbooks`.
    pub source: Option<Source>,
    pub format: Format,
    /// Directories of user runbooks, applied in order over the built-in corpus.
    pub runbook_dirs: Vec<PathBuf>,
    /// Print the corpus instead of scanning.
    pub list_runbooks: bool,
    /// Findings at or above this severity make the exit status 1.
    pub fail_on: Option<Severity>,
    /// Worker threads; 0 means one per core, 1 runs everything on this thread.
    pub threads: usize,
    pub limits: Limits,
    pub style: Style,
}
