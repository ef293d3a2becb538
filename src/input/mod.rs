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
//!
//! Inside: `sniff` tells gzip, tar and plain content apart by their first
//! bytes; `stream` runs every stream through that one rule (inflating gzip
//! with `gzip`, loading plain content under the per-entry cap, enforcing the
//! depth limit); `archive` walks tar members; `dir` walks a directory;
//! `budget` counts inflated bytes against [`Limits::max_total_bytes`];
//! `readahead` reads a file or stdin ahead on a helper thread.

mod archive;
mod budget;
mod dir;
mod gzip;
mod readahead;
mod sniff;
mod stream;
#[cfg(test)]
mod testutil;

use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use budget::Budget;
use readahead::ReadAhead;
use stream::{Origin, Session};

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
    /// 256 MiB per entry, 64 GiB in total, 4 levels. An entry of unknown
    /// size (a gzip layer, stdin) is held in memory up to the per-entry cap
    /// before it is known to be over it, so that cap is what a gzip bomb
    /// costs in memory: 256 MiB keeps a scan of one well under 1 GiB while
    /// leaving room for the largest real event and pod dumps.
    fn default() -> Self {
        Limits { max_entry_bytes: 256 << 20, max_total_bytes: 64 << 30, max_depth: 4 }
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
    /// Plain content that the caller's [`Wanted`] turned down by its first
    /// bytes (a container log): passed over in the stream, never loaded.
    NotLoaded {
        path: String,
    },
}

/// Which plain entries are worth loading, told from an entry's path and its
/// first [`HEAD_BYTES`] (all of it if shorter). An entry turned down is
/// reported as [`Item::NotLoaded`] without its bytes being copied out of the
/// stream: most of a bundle's bytes are logs nothing reads.
pub type Wanted<'w> = &'w (dyn Fn(&str, &[u8]) -> bool + Sync);

/// How many first bytes a [`Wanted`] is shown.
pub const HEAD_BYTES: usize = 8 * 1024;

/// Loads every entry.
pub fn all(_path: &str, _head: &[u8]) -> bool {
    true
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
    read_while(source, limits, &all, &mut |item| {
        sink(item);
        ControlFlow::Continue(())
    })
}

/// [`read`] loading only the entries `wanted` accepts, with a sink that can
/// stop the read: once it returns [`ControlFlow::Break`], no further byte of
/// the source is read or inflated and no further item is emitted (a
/// consumer that gave up must not leave the reader inflating the rest of a
/// huge archive for nothing).
pub fn read_while(
    source: &Source,
    limits: &Limits,
    wanted: Wanted<'_>,
    sink: &mut dyn FnMut(Item) -> ControlFlow<()>,
) -> Result<(), InputError> {
    match source {
        Source::Stdin => {
            let mut stdin = ReadAhead::spawn(io::stdin()).map_err(|e| open_error("<stdin>".into(), e))?;
            read_stream_while("-", &mut stdin, limits, wanted, sink);
            Ok(())
        }
        Source::Path(path) => read_path(path, limits, wanted, sink),
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
    read_reader_while(name, reader, limits, &all, &mut |item| {
        sink(item);
        ControlFlow::Continue(())
    });
}

/// [`read_reader`] with a sink that can stop the read, as in [`read_while`].
pub fn read_reader_while(
    name: &str,
    reader: impl Read,
    limits: &Limits,
    wanted: Wanted<'_>,
    sink: &mut dyn FnMut(Item) -> ControlFlow<()>,
) {
    read_stream_while(name, &mut BufReader::with_capacity(SOURCE_BUFFER, reader), limits, wanted, sink);
}

/// [`read_reader_while`] on a reader that needs no buffer on top.
fn read_stream_while(
    name: &str,
    reader: &mut dyn Read,
    limits: &Limits,
    wanted: Wanted<'_>,
    sink: &mut dyn FnMut(Item) -> ControlFlow<()>,
) {
    let budget = Budget::new(limits.max_total_bytes);
    let mut session = Session::new(limits, &budget, wanted, sink);
    session.read_source(&Origin::top(name), reader);
}

fn read_path(
    path: &Path,
    limits: &Limits,
    wanted: Wanted<'_>,
    sink: &mut dyn FnMut(Item) -> ControlFlow<()>,
) -> Result<(), InputError> {
    let shown = || path.display().to_string();
    // `metadata`, not `symlink_metadata`: the user named this path, so a
    // link to the bundle is what they mean. Only links *inside* it are not
    // followed.
    let meta = fs::metadata(path).map_err(|e| open_error(shown(), e))?;
    if meta.is_dir() {
        let budget = Budget::new(limits.max_total_bytes);
        let mut session = Session::new(limits, &budget, wanted, sink);
        return dir::walk(path, &mut session).map_err(|e| open_error(shown(), e));
    }
    // Anything else is opened and streamed, FIFOs included: that is how
    // `bundle-scan <(curl …)` hands us a bundle.
    let file = File::open(path).map_err(|e| open_error(shown(), e))?;
    let mut file = ReadAhead::spawn(file).map_err(|e| open_error(shown(), e))?;
    let name = path.file_name().map_or_else(shown, |n| n.to_string_lossy().into_owned());
    read_stream_while(&name, &mut file, limits, wanted, sink);
    Ok(())
}

fn open_error(path: String, source: io::Error) -> InputError {
    if source.kind() == io::ErrorKind::NotFound {
        InputError::NotFound { path }
    } else {
        InputError::Io { path, source }
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::{
        entries, gzip, noise, read_bytes, read_bytes_wanted, show, tar, unreadable, TarBuilder,
    };
    use super::*;

    const EVENTS: &[u8] = br#"{"kind":"EventList","items":[]}"#;
    const PODS: &[u8] = br#"{"kind":"PodList","items":[]}"#;

    fn small_bundle() -> Vec<u8> {
        tar(&[
            ("bundle/cluster-resources/events/default.json", EVENTS),
            ("bundle/cluster-resources/pods/default.json", PODS),
            ("bundle/version.yaml", b"kind: SupportBundle\n"),
        ])
    }

    fn limits(entry: u64, total: u64, depth: usize) -> Limits {
        Limits { max_entry_bytes: entry, max_total_bytes: total, max_depth: depth }
    }

    #[test]
    fn tar_gz_and_plain_tar_give_the_same_entries() {
        let plain = read_bytes("b.tar", &small_bundle(), &Limits::default());
        let gzipped = read_bytes("b.tar.gz", &gzip(&small_bundle()), &Limits::default());
        assert_eq!(plain, gzipped);
        assert_eq!(
            entries(&plain),
            vec![
                ("bundle/cluster-resources/events/default.json", EVENTS),
                ("bundle/cluster-resources/pods/default.json", PODS),
                ("bundle/version.yaml", &b"kind: SupportBundle\n"[..]),
            ]
        );
    }

    #[test]
    fn formats_are_found_by_magic_not_name() {
        // A gzipped JSON file that kept its `.json` name.
        let items = read_bytes("events.json", &gzip(EVENTS), &Limits::default());
        assert_eq!(entries(&items), vec![("events.json", EVENTS)]);
        // A tar.gz called `.json`, and a plain tar called `.gz`.
        let items = read_bytes("bundle.json", &gzip(&small_bundle()), &Limits::default());
        assert_eq!(entries(&items).len(), 3);
        let items = read_bytes("bundle.gz", &small_bundle(), &Limits::default());
        assert_eq!(entries(&items).len(), 3);
    }

    #[test]
    fn a_gzipped_single_file_loses_its_gz_suffix() {
        let items = read_bytes("x.log.gz", &gzip(b"line\n"), &Limits::default());
        assert_eq!(entries(&items), vec![("x.log", &b"line\n"[..])]);
        // Stdin has no suffix to strip.
        let items = read_bytes("-", &gzip(EVENTS), &Limits::default());
        assert_eq!(entries(&items), vec![("-", EVENTS)]);
        // Inside an archive too, and layer by layer.
        let inner =
            tar(&[("rotated/x.log.gz", &gzip(b"old\n")), ("events.json.gz.gz", &gzip(&gzip(EVENTS)))]);
        let items = read_bytes("b.tgz", &gzip(&inner), &Limits::default());
        assert_eq!(entries(&items), vec![("rotated/x.log", &b"old\n"[..]), ("events.json", EVENTS)]);
    }

    #[test]
    fn nested_archives_are_opened_and_named_after_their_member() {
        let must_gather =
            gzip(&tar(&[("must-gather.local.1/namespaces/default/core/events.yaml", b"kind: EventList\n")]));
        let plain_inner = tar(&[("a.json", EVENTS)]);
        let outer = gzip(&tar(&[
            ("case-123/must-gather.tar.gz", &must_gather),
            ("case-123/notes.txt", b"hi"),
            ("case-123/inner.tar", &plain_inner),
        ]));
        let items = read_bytes("case.tar.gz", &outer, &Limits::default());
        assert_eq!(
            show(&items),
            vec![
                "E case-123/must-gather.tar.gz/must-gather.local.1/namespaces/default/core/events.yaml (16 bytes)",
                "E case-123/notes.txt (2 bytes)",
                "E case-123/inner.tar/a.json (31 bytes)",
            ]
        );
    }

    /// Entries the caller does not want, told by their first bytes, are
    /// passed over unloaded; what follows them is still read, and a cut
    /// inside one is still a cut.
    #[test]
    fn entries_turned_down_by_their_head_are_passed_over() {
        let log = noise(HEAD_BYTES * 3, 7); // starts with '#'
        let not_logs = |_: &str, head: &[u8]| !head.starts_with(b"#");
        let files: [(&str, &[u8]); 3] =
            [("b/a.log", &log), ("b/short.log", b"#hi"), ("b/events.json", EVENTS)];
        let items = read_bytes_wanted("b.tar.gz", &gzip(&tar(&files)), &not_logs);
        assert_eq!(show(&items), ["N b/a.log", "N b/short.log", "E b/events.json (31 bytes)"]);
        let whole = tar(&files);
        // Cut past the head of a.log (what is skipped), then inside it.
        for cut in [512 + HEAD_BYTES + 100, 512 + 100] {
            let items = read_bytes_wanted("b.tar", &whole[..cut], &not_logs);
            let bad = unreadable(&items);
            assert!(
                bad.iter().any(|(_, reason)| reason.starts_with("truncated or corrupt archive")),
                "cut at {cut}: {:?}",
                show(&items)
            );
            assert!(entries(&items).is_empty(), "cut at {cut}: {:?}", show(&items));
        }
    }

    /// A tar cut inside a member's padding (its data whole) is still cut:
    /// the member is kept, the cut reported, whether the padding is passed
    /// over or was all there was.
    #[test]
    fn a_cut_inside_padding_is_reported() {
        let whole = tar(&[("b/events.json", EVENTS), ("b/x.log", b"#log")]);
        let padding_cut = 512 + EVENTS.len() + 10;
        let items = read_bytes("b.tar", &whole[..padding_cut], &Limits::default());
        assert_eq!(entries(&items), [("b/events.json", EVENTS)]);
        let bad = unreadable(&items);
        assert_eq!(bad.len(), 1, "{:?}", show(&items));
        assert!(bad[0].1.starts_with("truncated or corrupt archive after 1 entries"), "{:?}", show(&items));
    }

    #[test]
    fn a_truncated_tar_gz_keeps_the_entries_before_the_cut() {
        let files: Vec<(String, Vec<u8>)> =
            (0..10).map(|i| (format!("b/f{i}.log"), noise(4096, i))).collect();
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
        let whole = gzip(&tar(&refs));
        let cut = &whole[..whole.len() * 6 / 10];
        let items = read_bytes("b.tar.gz", cut, &Limits::default());
        let got = entries(&items);
        assert!((3..10).contains(&got.len()), "{:?}", show(&items));
        // Every entry that is emitted is whole and in order.
        assert_eq!(got, refs[..got.len()].to_vec());
        let bad = unreadable(&items);
        let (path, reason) = bad.last().copied().unwrap();
        assert_eq!(path, "b.tar.gz");
        assert!(
            reason.starts_with(&format!("truncated or corrupt archive after {} entries: ", got.len())),
            "{reason}"
        );
        assert!(matches!(items.last(), Some(Item::Unreadable { .. })));
    }

    #[test]
    fn a_truncated_plain_tar_is_reported_wherever_it_is_cut() {
        let bundle = small_bundle();
        // Mid-way through the second member's data: 512 (header 1) + 512
        // (data 1, padded) + 512 (header 2) + a few bytes.
        let items = read_bytes("b.tar", &bundle[..1536 + 10], &Limits::default());
        assert_eq!(entries(&items).len(), 1);
        assert_eq!(
            unreadable(&items),
            vec![(
                "b.tar",
                "truncated or corrupt archive after 1 entries: \
                 bundle/cluster-resources/pods/default.json: ends after 10 of its 29 bytes"
            )]
        );
        // Exactly between two members, where the tar crate alone would see a
        // clean end.
        let items = read_bytes("b.tar", &bundle[..2048], &Limits::default());
        assert_eq!(entries(&items).len(), 2);
        assert_eq!(
            unreadable(&items),
            vec![(
                "b.tar",
                "truncated or corrupt archive after 2 entries: it ends without an end-of-archive marker"
            )]
        );
    }

    #[test]
    fn garbage_behind_a_gzip_header_is_unreadable_not_an_error() {
        let mut data = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        data.extend(noise(300, 7));
        let items = read_bytes("b.tar.gz", &data, &Limits::default());
        assert_eq!(items.len(), 1, "{:?}", show(&items));
        let (path, reason) = unreadable(&items)[0];
        assert_eq!(path, "b.tar.gz");
        assert!(reason.starts_with("truncated or corrupt archive after 0 entries: "), "{reason}");
    }

    #[test]
    fn anything_else_is_one_entry() {
        let data = noise(4096, 1);
        let items = read_bytes("noise.bin", &data, &Limits::default());
        assert_eq!(entries(&items), vec![("noise.bin", data.as_slice())]);
        let items = read_bytes("empty.json", b"", &Limits::default());
        assert_eq!(entries(&items), vec![("empty.json", &b""[..])]);
    }

    #[test]
    fn a_corrupt_nested_archive_spoils_only_itself() {
        let mut broken = gzip(&tar(&[("x.json", EVENTS)]));
        broken.truncate(broken.len() / 2);
        let mut garbage = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        garbage.extend(noise(100, 3));
        let files: Vec<(String, Vec<u8>)> = (0..4).map(|i| (format!("big{i}"), noise(2048, i))).collect();
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
        let mut cut_inner = gzip(&tar(&refs));
        cut_inner.truncate(cut_inner.len() * 7 / 10);
        let outer = tar(&[
            ("a.json", EVENTS),
            ("garbage.tar.gz", &garbage),
            ("half.tar.gz", &broken),
            ("cut.tar.gz", &cut_inner),
            ("z.json", PODS),
        ]);
        let items = read_bytes("b.tar", &outer, &Limits::default());
        let got: Vec<&str> = entries(&items).iter().map(|(p, _)| *p).collect();
        assert_eq!(got.first(), Some(&"a.json"));
        assert_eq!(got.last(), Some(&"z.json"));
        assert!(got.contains(&"cut.tar.gz/big0"), "{got:?}");
        let bad: Vec<&str> = unreadable(&items).iter().map(|(p, _)| *p).collect();
        assert_eq!(bad, vec!["garbage.tar.gz", "half.tar.gz", "cut.tar.gz"], "{:?}", show(&items));
    }

    #[test]
    fn the_per_entry_limit_skips_big_entries_and_goes_on() {
        let lim = limits(100, u64::MAX, 4);
        let bundle = gzip(&tar(&[
            ("small", &[b'a'; 50]),
            ("big", &[b'b'; 200]),
            ("exact", &[b'c'; 100]),
            ("big.log.gz", &gzip(&[b'd'; 200])),
            ("after", b"x"),
        ]));
        assert_eq!(
            show(&read_bytes("b.tgz", &bundle, &lim)),
            vec![
                "E small (50 bytes)",
                "U big: 200 bytes exceeds the per-entry limit of 100 bytes",
                "E exact (100 bytes)",
                "U big.log: more than 100 bytes: exceeds the per-entry limit of 100 bytes",
                "E after (1 bytes)",
            ]
        );
        // A top-level stream of unknown size.
        assert_eq!(
            show(&read_bytes("-", &[b'e'; 101], &lim)),
            vec!["U -: more than 100 bytes: exceeds the per-entry limit of 100 bytes"]
        );
    }

    #[test]
    fn the_total_limit_stops_the_read_with_one_item() {
        let files: Vec<(String, Vec<u8>)> = (0..5).map(|i| (format!("f{i}"), noise(3000, i))).collect();
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
        let lim = limits(u64::MAX, 10_000, 4);
        for data in [tar(&refs), gzip(&tar(&refs))] {
            let items = read_bytes("b.tar.gz", &data, &lim);
            let got = entries(&items);
            assert!((1..5).contains(&got.len()), "{:?}", show(&items));
            assert_eq!(got, refs[..got.len()].to_vec());
            let bad = unreadable(&items);
            assert_eq!(bad.len(), 1, "{:?}", show(&items));
            assert!(bad[0].1.contains("total limit of 10000 bytes"), "{}", bad[0].1);
            assert!(matches!(items.last(), Some(Item::Unreadable { .. })));
        }
    }

    #[test]
    fn skipped_bytes_count_against_the_total_limit() {
        // A member far over the per-entry cap is skipped, not loaded, but
        // inflating it to skip it still costs: a gzip bomb stops here.
        let huge = 4u64 << 20;
        let bomb = TarBuilder::new()
            .stream("zeros", huge, std::io::repeat(0).take(huge))
            .file("after", b"x")
            .finish();
        let lim = limits(1 << 10, 1 << 20, 4);
        let items = read_bytes("bomb.tar.gz", &gzip(&bomb), &lim);
        let shown = show(&items);
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert_eq!(shown[0], "U zeros: 4194304 bytes exceeds the per-entry limit of 1024 bytes");
        assert!(shown[1].contains("total limit of 1048576 bytes"), "{}", shown[1]);
    }

    #[test]
    fn archives_nest_only_to_max_depth() {
        let level2 = gzip(&tar(&[("deep.txt", b"2")]));
        let level1 = gzip(&tar(&[("l2.tar.gz", &level2), ("l1.txt", b"1")]));
        let top = gzip(&tar(&[("l1.tar.gz", &level1), ("top.txt", b"0")]));
        assert_eq!(
            show(&read_bytes("t.tgz", &top, &limits(u64::MAX, u64::MAX, 1))),
            vec![
                "U l1.tar.gz/l2.tar.gz: nested too deep: more than 1 levels of archives within archives",
                "E l1.tar.gz/l1.txt (1 bytes)",
                "E top.txt (1 bytes)",
            ]
        );
        let items = read_bytes("t.tgz", &top, &limits(u64::MAX, u64::MAX, 2));
        assert_eq!(entries(&items).len(), 3);
        assert!(unreadable(&items).is_empty());
        // Gzip layers count as levels, so a gzip of a gzip of … ends too.
        let mut onion = b"core".to_vec();
        for _ in 0..10 {
            onion = gzip(&onion);
        }
        let items = read_bytes("onion.gz", &onion, &Limits::default());
        assert_eq!(unreadable(&items).len(), 1, "{:?}", show(&items));
        assert!(entries(&items).is_empty());
    }

    #[test]
    fn links_are_ignored_and_hostile_names_are_tamed() {
        let bundle = TarBuilder::new()
            .dir("b/")
            .file("./b/a.json", EVENTS)
            .symlink("b/all-logs/x.log", "../../cluster-resources/x.log")
            .hardlink("b/hard.json", "b/a.json")
            .file("../../etc/passwd", b"root:x:0:0")
            .file("/etc/shadow", b"root:!:1")
            .raw(b"b/fifo", tar::EntryType::Fifo, b"")
            .raw(b"b/tty", tar::EntryType::Char, b"")
            .raw(b"b/bad-\xff.json", tar::EntryType::Regular, EVENTS)
            .finish();
        let items = read_bytes("b.tar", &gzip(&bundle), &Limits::default());
        assert_eq!(
            show(&items),
            vec![
                "E b/a.json (31 bytes)",
                "I b/all-logs/x.log: link to ../../cluster-resources/x.log",
                "I b/hard.json: link to b/a.json",
                "E etc/passwd (10 bytes)",
                "E etc/shadow (8 bytes)",
                "I b/fifo: named pipe (FIFO)",
                "I b/tty: character device",
                "E b/bad-\u{fffd}.json (31 bytes)",
            ]
        );
    }

    #[test]
    fn a_sink_that_breaks_stops_the_read() {
        // A counting reader shows how much of the source was consumed.
        struct Counting<'a>(&'a [u8], &'a std::cell::Cell<usize>);
        impl Read for Counting<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.read(buf)?;
                self.1.set(self.1.get() + n);
                Ok(n)
            }
        }
        let files: Vec<(String, Vec<u8>)> = (0..64).map(|i| (format!("f{i}"), noise(64 << 10, i))).collect();
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
        for data in [tar(&refs), gzip(&tar(&refs))] {
            let consumed = std::cell::Cell::new(0);
            let mut items = Vec::new();
            read_reader_while("b.tgz", Counting(&data, &consumed), &Limits::default(), &all, &mut |item| {
                items.push(item);
                if items.len() == 2 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            });
            assert_eq!(entries(&items), refs[..2].to_vec());
            assert!(consumed.get() < data.len() / 4, "read {} of {} bytes", consumed.get(), data.len());
        }
    }

    #[test]
    fn concatenated_gzip_members_are_one_stream() {
        let mut data = gzip(b"first\n");
        data.extend(gzip(b"second\n"));
        let items = read_bytes("x.log.gz", &data, &Limits::default());
        assert_eq!(entries(&items), vec![("x.log", &b"first\nsecond\n"[..])]);
    }

    #[test]
    fn damaged_archives_never_panic() {
        let bundle = TarBuilder::new()
            .file("a.json", EVENTS)
            .symlink("l", "a.json")
            .file("b/c.yaml", b"x: 1\n")
            .finish();
        let nested = tar(&[("n.tar.gz", &gzip(&bundle)), ("z", b"z")]);
        for data in [bundle.clone(), gzip(&bundle), nested.clone(), gzip(&nested)] {
            let cuts = (0..data.len()).step_by(7).map(|cut| data[..cut].to_vec());
            let flips = (0..data.len()).step_by(3).map(|pos| {
                let mut d = data.clone();
                d[pos] ^= 0x5a;
                d
            });
            for damaged in cuts.chain(flips) {
                for item in read_bytes("x", &damaged, &Limits::default()) {
                    if let Item::Entry(e) = item {
                        assert!(!e.path.starts_with('/') && !e.path.split('/').any(|c| c == ".."));
                    }
                }
            }
        }
    }

    #[test]
    fn old_v7_tars_are_read() {
        let mut h = tar::Header::new_old();
        h.as_old_mut().name[..7].copy_from_slice(b"old.txt");
        h.set_size(3);
        h.set_mode(0o644);
        h.set_cksum();
        let mut b = tar::Builder::new(Vec::new());
        b.append(&h, &b"abc"[..]).unwrap();
        let items = read_bytes("old.tar", &b.into_inner().unwrap(), &Limits::default());
        assert_eq!(entries(&items), vec![("old.txt", &b"abc"[..])]);
    }

    #[test]
    fn a_missing_path_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.tar.gz");
        let err = read(&Source::Path(missing.clone()), &Limits::default(), &mut |_| {}).unwrap_err();
        assert!(matches!(&err, InputError::NotFound { path } if *path == missing.display().to_string()));
        assert!(err.to_string().ends_with("nope.tar.gz: no such file or directory"));
    }

    #[test]
    fn a_file_source_is_named_by_its_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("events.json");
        fs::write(&json, EVENTS).unwrap();
        let bundle = dir.path().join("b.tgz");
        fs::write(&bundle, gzip(&small_bundle())).unwrap();
        let mut items = Vec::new();
        read(&Source::Path(json), &Limits::default(), &mut |i| items.push(i)).unwrap();
        read(&Source::Path(bundle), &Limits::default(), &mut |i| items.push(i)).unwrap();
        let got: Vec<&str> = entries(&items).iter().map(|(p, _)| *p).collect();
        assert_eq!(
            got,
            vec![
                "events.json",
                "bundle/cluster-resources/events/default.json",
                "bundle/cluster-resources/pods/default.json",
                "bundle/version.yaml",
            ]
        );
    }

    /// Real bundles from `/work/shared/fixtures/real` (see its SOURCES.md).
    #[test]
    fn real_bundles() {
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/real"));
        if !root.is_dir() {
            eprintln!("skipping real_bundles: {} is absent", root.display());
            return;
        }
        let read_all = |rel: &str| {
            let mut items = Vec::new();
            read(&Source::Path(root.join(rel)), &Limits::default(), &mut |i| items.push(i)).unwrap();
            items
        };

        let items = read_all("troubleshoot/testdata/supportbundle/support-bundle.tar.gz");
        assert!(unreadable(&items).is_empty(), "{:?}", unreadable(&items));
        let paths: Vec<&str> = entries(&items).iter().map(|(p, _)| *p).collect();
        for want in [
            "support-bundle/cluster-resources/events/default.json",
            "support-bundle/cluster-resources/pods/kube-system.json",
            "support-bundle/analysis.json",
        ] {
            assert!(paths.contains(&want), "{want} missing");
        }
        let events = entries(&items)
            .into_iter()
            .find(|(p, _)| *p == "support-bundle/cluster-resources/events/default.json")
            .map(|(_, d)| d)
            .unwrap_or_default();
        assert!(events.windows(7).any(|w| w == b"BackOff"));
        let links: Vec<(&String, &String)> = items
            .iter()
            .filter_map(|i| match i {
                Item::Ignored { path, reason } => Some((path, reason)),
                _ => None,
            })
            .collect();
        assert_eq!(links.len(), 19);
        assert!(links.iter().all(|(p, r)| p.starts_with("support-bundle/")
            && r.starts_with("link to ")
            && r.contains("cluster-resources/pods/logs/")));

        let items = read_all("must-gather-clean/test/files/must-gather-metal.trimmed.tar.gz");
        assert!(unreadable(&items).is_empty(), "{:?}", unreadable(&items));
        assert_eq!(entries(&items).len(), 487);
        assert_eq!(items.len(), 487, "directories are skipped silently");
        assert!(entries(&items).iter().any(|(p, _)| p.starts_with("must-gather-metal/quay-io-")
            && p.ends_with("/namespaces/openshift-dns/core/events.yaml")));

        // The same must-gather, extracted: a directory source.
        let items = read_all("must-gather-clean/must-gather-metal-subset");
        let paths: Vec<&str> = entries(&items).iter().map(|(p, _)| *p).collect();
        assert!(!paths.is_empty());
        assert!(paths.iter().all(|p| !p.starts_with('/')));
        assert!(paths.iter().any(|p| p.ends_with("namespaces/openshift-sdn/core/events.yaml")), "{paths:?}");
    }
}
