//! Walking an extracted bundle on disk.
//!
//! Owns turning a directory into a deterministic sequence of files: names
//! are sorted at every level (so two runs on the same tree agree), paths are
//! relative to the root and `/`-separated, and each regular file goes through
//! [`Session::read_stream`] exactly like an archive member, so a `.tar.gz`
//! lying in the tree is opened too. Nothing is followed: entries are examined
//! with `symlink_metadata`, symbolic links are reported as ignored (which
//! also makes link loops impossible), and FIFOs, sockets and devices are
//! ignored without being opened — opening a FIFO with no writer blocks
//! forever.

use std::ffi::OsString;
use std::fs::{self, File, FileType};
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};

use super::stream::{Origin, Session};

/// Read buffer per file. Small, because bundles hold thousands of small
/// JSON files; large reads bypass it anyway.
const FILE_BUFFER: usize = 64 * 1024;

/// A directory being listed: where it is, its bundle path, and the names
/// still to visit.
struct Pending {
    full: PathBuf,
    rel: String,
    names: std::vec::IntoIter<OsString>,
}

/// Walks `root`. Fails only if `root` itself cannot be listed; problems
/// further down are reported through the session.
pub(super) fn walk(root: &Path, session: &mut Session<'_>) -> io::Result<()> {
    // An explicit stack instead of recursion: a hostile tree can be
    // thousands of levels deep.
    let mut stack = vec![Pending {
        full: root.to_path_buf(),
        rel: String::new(),
        names: sorted_names(root)?.into_iter(),
    }];
    while let Some(dir) = stack.last_mut() {
        if session.stopped() {
            break;
        }
        let Some(name) = dir.names.next() else {
            stack.pop();
            continue;
        };
        let full = dir.full.join(&name);
        let name = name.to_string_lossy();
        let rel = if dir.rel.is_empty() {
            name.into_owned()
        } else {
            format!("{}/{}", dir.rel, name)
        };
        let meta = match fs::symlink_metadata(&full) {
            Ok(meta) => meta,
            Err(e) => {
                session.unreadable(rel, format!("cannot inspect: {e}"));
                continue;
            }
        };
        let kind = meta.file_type();
        if kind.is_symlink() {
            session.ignored(rel, "symbolic link");
        } else if kind.is_dir() {
            match sorted_names(&full) {
                Ok(names) => stack.push(Pending {
                    full,
                    rel,
                    names: names.into_iter(),
                }),
                Err(e) => session.unreadable(rel, format!("cannot list directory: {e}")),
            }
        } else if kind.is_file() {
            match File::open(&full) {
                Ok(file) => {
                    let mut reader = BufReader::with_capacity(FILE_BUFFER, file);
                    session.read_source(&Origin::dir_file(rel, meta.len()), &mut reader);
                }
                Err(e) => session.unreadable(rel, format!("cannot open: {e}")),
            }
        } else {
            session.ignored(rel, describe(&kind));
        }
    }
    Ok(())
}

/// The names in `dir`, sorted bytewise so the walk order never depends on
/// the filesystem.
fn sorted_names(dir: &Path) -> io::Result<Vec<OsString>> {
    let mut names = fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.file_name()))
        .collect::<io::Result<Vec<_>>>()?;
    names.sort();
    Ok(names)
}

/// Why a special file is not read.
fn describe(kind: &FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "named pipe (FIFO)";
        }
        if kind.is_socket() {
            return "socket";
        }
        if kind.is_char_device() {
            return "character device";
        }
        if kind.is_block_device() {
            return "block device";
        }
    }
    let _ = kind;
    "not a regular file"
}
