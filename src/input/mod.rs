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

mod archive;
mod budget;
mod dir;
mod sniff;
mod stream;

use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use budget::Budget;
use stream::{Layer, Origin, Session};

/// Read buffer on the top-level file or stdin.
const SOURCE_BUFFER: usize = 256 * 1024;

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
        Limits { max_entry_bytes: 1 << 30, max_total_bytes: 64 << 30, max_depth: 4 }
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
pub fn read(source: &Source, limits: &Limits, sink: &mut dyn FnMut(Item)) -> Result<(), InputError> {
    match source {
        Source::Stdin => {
            read_reader("-", io::stdin().lock(), limits, sink);
            Ok(())
        }
        Source::Path(path) => read_path(path, limits, sink),
    }
}

/// Reads one stream — an archive or a single file — the way [`read`] reads a
/// file or stdin. `name` names the single entry if the stream is not an
/// archive (`.gz` stripped if it was gzipped), and names the archive in
/// messages if it is.
///
/// Nothing can fail here that is not about part of the stream, so every
/// problem goes to `sink` as an [`Item::Unreadable`].
pub fn read_reader(name: &str, reader: impl Read, limits: &Limits, sink: &mut dyn FnMut(Item)) {
    let budget = Budget::new(limits.max_total_bytes);
    let mut session = Session::new(limits, &budget, sink);
    let mut reader = BufReader::with_capacity(SOURCE_BUFFER, reader);
    session.read_stream(&Origin::top(name), &mut reader, Layer::Raw);
}

fn read_path(path: &Path, limits: &Limits, sink: &mut dyn FnMut(Item)) -> Result<(), InputError> {
    let shown = || path.display().to_string();
    // `metadata`, not `symlink_metadata`: the user named this path, so a
    // link to the bundle is what they mean. Only links *inside* it are not
    // followed.
    let meta = fs::metadata(path).map_err(|e| open_error(shown(), e))?;
    if meta.is_dir() {
        let budget = Budget::new(limits.max_total_bytes);
        let mut session = Session::new(limits, &budget, sink);
        return dir::walk(path, &mut session).map_err(|e| open_error(shown(), e));
    }
    // Anything else is opened and streamed, FIFOs included: that is how
    // `bundle-scan <(curl …)` hands us a bundle.
    let file = File::open(path).map_err(|e| open_error(shown(), e))?;
    let name = path.file_name().map_or_else(shown, |n| n.to_string_lossy().into_owned());
    read_reader(&name, file, limits, sink);
    Ok(())
}

fn open_error(path: String, source: io::Error) -> InputError {
    if source.kind() == io::ErrorKind::NotFound {
        InputError::NotFound { path }
    } else {
        InputError::Io { path, source }
    }
}
