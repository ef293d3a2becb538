//! Stage 1 — input: bytes from wherever the bundle lives.
//!
//! Owns opening the user's argument (a `.tar.gz`/`.tgz`/`.tar` file — gzip
//! recognised by its magic bytes, not its name —, an extracted directory, a
//! single JSON/YAML file, or `-` for stdin), walking it, and handing every
//! regular file to a sink as an [`Entry`] (bundle-relative path + bytes).
//! Archives found inside the bundle are opened recursively up to
//! [`Limits::max_depth`]. Nothing is ever written to disk, links are never
//! followed out of the bundle, and what could not be read becomes an
//! [`Item::Unreadable`] naming the entry, so the caller can warn and go on.
//!
//! The next stage, `decode`, decides from the bytes what an entry holds.

use std::path::PathBuf;

/// What the user asked us to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `-`: the bundle (archive or single file) arrives on standard input.
    Stdin,
    Path(PathBuf),
}

impl Source {
    pub fn from_arg(arg: &str) -> Source {
        if arg == "-" {
            Source::Stdin
        } else {
            Source::Path(PathBuf::from(arg))
        }
    }

    /// How to name the source in messages.
    pub fn display_name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::Path(p) => p.display().to_string(),
        }
    }
}

/// Caps that keep a hostile or huge bundle from exhausting memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest single entry we load into memory (after decompression).
    pub max_entry_bytes: u64,
    /// Most bytes we inflate over the whole bundle, nested archives included.
    pub max_total_bytes: u64,
    /// How deep archives may nest inside archives.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entry_bytes: 1 << 30,
            max_total_bytes: 64 << 30,
            max_depth: 4,
        }
    }
}

/// One regular file of the bundle, fully read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Path inside the bundle, `/`-separated; members of a nested archive are
    /// named `outer/path/inner.tar.gz/member/path`.
    pub path: String,
    pub data: Vec<u8>,
}

/// What the input stage hands to its sink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Entry(Entry),
    /// Something that should have been readable was not (truncated archive,
    /// I/O error, over a size limit). The rest of the bundle is still read.
    Unreadable {
        path: String,
        reason: String,
    },
    /// Deliberately not read: links, devices, FIFOs, … Counted in the summary.
    Ignored {
        path: String,
        reason: String,
    },
}

/// The source could not be read at all (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: no such file or directory")]
    NotFound { path: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Reads every entry of `source`, in this thread, calling `sink` for each.
///
/// Returns `Err` only when the source itself cannot be opened; problems
/// with parts of it are reported through the sink as [`Item::Unreadable`].
pub fn read(
    source: &Source,
    limits: &Limits,
    sink: &mut dyn FnMut(Item),
) -> Result<(), InputError> {
    let _ = (source, limits, sink);
    unimplemented!("input::read is being written")
}
