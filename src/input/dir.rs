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
use super::HEAD_BYTES;

/// Read buffer per file: the first bytes that decide whether a file is
/// read on (sniffing, then `HEAD_BYTES`), in one read. Larger, it read
/// most of every log passed over (a 28 KB log whole, for a 64 KiB buffer);
/// a file that is read on goes straight into its entry past this.
const FILE_BUFFER: usize = HEAD_BYTES;

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
        let rel = if dir.rel.is_empty() { name.into_owned() } else { format!("{}/{}", dir.rel, name) };
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
                Ok(names) => stack.push(Pending { full, rel, names: names.into_iter() }),
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
    let mut names =
        fs::read_dir(dir)?.map(|entry| entry.map(|e| e.file_name())).collect::<io::Result<Vec<_>>>()?;
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

// The tests build links and FIFOs with Unix APIs.
#[cfg(all(test, unix))]
mod tests {
    use std::ops::ControlFlow;
    use std::os::unix::fs::symlink;
    use std::sync::mpsc;
    use std::time::Duration;

    use super::super::testutil::{entries, gzip, show, tar};
    use super::super::{read, read_while, Item, Limits, Source, HEAD_BYTES};
    use super::*;

    fn read_dir(root: &Path, limits: &Limits) -> Vec<Item> {
        let mut items = Vec::new();
        read(&Source::Path(root.to_path_buf()), limits, &mut |i| items.push(i)).unwrap();
        items
    }

    fn write(root: &Path, rel: &str, data: &[u8]) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, data).unwrap();
    }

    #[test]
    fn walks_in_name_order_with_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for rel in ["b.json", "a/2.yaml", "a/1.yaml", "a/sub/x.txt", "c.txt", "A.txt"] {
            write(root, rel, rel.as_bytes());
        }
        fs::create_dir(root.join("empty")).unwrap();
        let items = read_dir(root, &Limits::default());
        assert_eq!(
            entries(&items),
            vec![
                ("A.txt", &b"A.txt"[..]),
                ("a/1.yaml", b"a/1.yaml"),
                ("a/2.yaml", b"a/2.yaml"),
                ("a/sub/x.txt", b"a/sub/x.txt"),
                ("b.json", b"b.json"),
                ("c.txt", b"c.txt"),
            ]
        );
        assert_eq!(items.len(), 6, "directories are not items");
    }

    #[test]
    fn names_that_are_not_utf8_are_shown_lossily() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let name = std::ffi::OsStr::from_bytes(b"bad-\xff.json");
        if fs::write(dir.path().join(name), b"{}").is_err() {
            eprintln!("skipping names_that_are_not_utf8_are_shown_lossily: the filesystem refuses the name");
            return;
        }
        assert_eq!(show(&read_dir(dir.path(), &Limits::default())), vec!["E bad-\u{fffd}.json (2 bytes)"]);
    }

    #[test]
    fn symbolic_links_are_ignored_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "secret.json", b"{}");
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "a.json", b"{}");
        symlink(outside.path().join("secret.json"), root.join("out-file")).unwrap();
        symlink(outside.path(), root.join("out-dir")).unwrap();
        symlink("a.json", root.join("in")).unwrap();
        symlink("loop", root.join("loop")).unwrap();
        fs::create_dir(root.join("sub")).unwrap();
        symlink("..", root.join("sub/up")).unwrap();
        symlink("missing", root.join("dangling")).unwrap();
        assert_eq!(
            show(&read_dir(root, &Limits::default())),
            vec![
                "E a.json (2 bytes)",
                "I dangling: symbolic link",
                "I in: symbolic link",
                "I loop: symbolic link",
                "I out-dir: symbolic link",
                "I out-file: symbolic link",
                "I sub/up: symbolic link",
            ]
        );
    }

    #[test]
    fn a_fifo_is_ignored_without_opening_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        write(&root, "a.json", b"{}");
        let made = std::process::Command::new("mkfifo").arg(root.join("pipe")).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("skipping a_fifo_is_ignored_without_opening_it: mkfifo is unavailable");
            return;
        }
        // Opening a FIFO with no writer blocks forever, so a regression
        // would hang: run the walk on a thread and give up after a while.
        let (tx, rx) = mpsc::channel();
        let walk_root = root.clone();
        std::thread::spawn(move || {
            let _ = tx.send(show(&read_dir(&walk_root, &Limits::default())));
        });
        let shown = rx.recv_timeout(Duration::from_secs(20)).expect("the walk hung on the FIFO");
        assert_eq!(shown, vec!["E a.json (2 bytes)", "I pipe: named pipe (FIFO)"]);
    }

    #[test]
    fn archives_in_a_directory_are_opened() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let must_gather = gzip(&tar(&[("mg/ns/core/events.yaml", b"kind: EventList\n")]));
        write(root, "case/must-gather.tar.gz", &must_gather);
        write(root, "case/inner.tar", &tar(&[("x.json", b"{}")]));
        write(root, "logs/x.log.gz", &gzip(b"line\n"));
        write(root, "logs/events.json", &gzip(b"[]"));
        assert_eq!(
            show(&read_dir(root, &Limits::default())),
            vec![
                "E case/inner.tar/x.json (2 bytes)",
                "E case/must-gather.tar.gz/mg/ns/core/events.yaml (16 bytes)",
                "E logs/events.json (2 bytes)",
                "E logs/x.log (5 bytes)",
            ]
        );
    }

    #[test]
    fn a_directory_reads_like_the_same_tree_as_a_tar_gz() {
        let files: [(&str, &[u8]); 3] = [
            ("b/cluster-resources/events/default.json", b"{\"items\":[]}"),
            ("b/cluster-resources/pods/default.json", b"{\"items\":[]}"),
            ("b/version.yaml", b"kind: SupportBundle\n"),
        ];
        let dir = tempfile::tempdir().unwrap();
        for (rel, data) in files {
            write(dir.path(), rel, data);
        }
        let from_dir = read_dir(dir.path(), &Limits::default());
        let from_tar = super::super::testutil::read_bytes("b.tgz", &gzip(&tar(&files)), &Limits::default());
        assert_eq!(from_dir, from_tar);
    }

    #[test]
    fn big_files_are_unreadable_and_the_walk_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.log", &[b'a'; 200]);
        write(dir.path(), "b.log", &[b'b'; 100]);
        let limits = Limits { max_entry_bytes: 100, ..Limits::default() };
        assert_eq!(
            show(&read_dir(dir.path(), &limits)),
            vec!["U a.log: 200 bytes exceeds the per-entry limit of 100 bytes", "E b.log (100 bytes)",]
        );
    }

    /// A file passed over by its first bytes is not read on: a directory's
    /// logs cost no I/O past their head, and do not count against the
    /// total limit.
    #[test]
    fn files_passed_over_are_not_read_past_their_head() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.log", &vec![b'a'; 4 * HEAD_BYTES]);
        write(dir.path(), "b.json", b"[]");
        let limits = Limits { max_total_bytes: 2 * HEAD_BYTES as u64, ..Limits::default() };
        let mut items = Vec::new();
        let wanted = |path: &str, _: &[u8]| path.ends_with(".json");
        read_while(&Source::Path(dir.path().to_path_buf()), &limits, &wanted, &mut |item| {
            items.push(item);
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(show(&items), ["N a.log", "E b.json (2 bytes)"]);
    }

    #[test]
    fn the_total_limit_spans_all_files_of_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a", "b", "c", "d"] {
            write(dir.path(), name, &[b'x'; 400]);
        }
        let limits = Limits { max_total_bytes: 1000, ..Limits::default() };
        let shown = show(&read_dir(dir.path(), &limits));
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert_eq!(shown[..2], ["E a (400 bytes)", "E b (400 bytes)"]);
        assert!(
            shown[2].starts_with("U c: not read: the bundle holds more than the total limit of 1000 bytes")
        );
    }
}
