//! One byte stream in, items out: the dispatcher every source goes through.
//!
//! Owns [`Session`] (the limits, the byte budget and the sink of one
//! [`super::read`] call) and [`Session::read_stream`], which sniffs a stream
//! and sends it on: gzip is inflated and sniffed again, a tar goes to
//! [`super::archive`], anything else is loaded as one [`Entry`] under the
//! per-entry cap. The top-level source, each file of a directory
//! ([`super::dir`]) and each tar member come through here, which is how
//! archives nest to any depth with one rule — and why the depth limit and the
//! "what went wrong, where" wording live here too.

use std::io::{self, BufReader, Cursor, Read};
use std::ops::ControlFlow;

use super::budget::{Budget, Metered};
use super::gzip::MultiGz;
use super::sniff::{self, Kind};
use super::{Entry, Item, Limits, Wanted, HEAD_BYTES};

/// Buffer on each gzip layer's output. The tar parser reads 512-byte headers;
/// without a buffer every one of them would be a separate call into inflate.
/// Inflating 256 KiB at a time rather than 64 takes 6% less time.
const INFLATED_BUFFER: usize = 256 * 1024;

/// Buffer on each gzip layer's input, as flate2's own gzip reader has.
const COMPRESSED_BUFFER: usize = 32 * 1024;

/// The state of one `read` call, shared by every nesting level.
pub(super) struct Session<'s> {
    limits: &'s Limits,
    budget: &'s Budget,
    wanted: Wanted<'s>,
    sink: &'s mut dyn FnMut(Item) -> ControlFlow<()>,
    /// Set once the total byte budget is spent, or the sink asked to stop:
    /// nothing more is read.
    stopped: bool,
    /// Where each entry's first bytes are read, and the rest of an entry
    /// passed over: allocated (and zeroed) once, not once per entry.
    scratch: Vec<u8>,
}

/// Size of [`Session::scratch`].
const SCRATCH_BYTES: usize = 64 * 1024;
const _: () = assert!(SCRATCH_BYTES >= HEAD_BYTES);

/// The most a stream's claimed size makes us allocate before its bytes
/// have arrived: a tar header's size is only a claim.
const CLAIM_STEP: usize = 8 << 20;

/// Where a stream sits in the bundle, which decides how it and anything
/// inside it are named and how deep it is nested.
#[derive(Clone, Debug)]
pub(super) struct Origin {
    /// The stream's own path: names it in messages about the stream (corrupt
    /// archive, nested too deep) and prefixes its members if it is an archive.
    pub(super) path: String,
    /// The entry name if the stream turns out to be plain content: `path`
    /// minus one `.gz` per gzip layer, so `x.log.gz` yields `x.log`.
    pub(super) name: String,
    /// False only for the top-level source: the members of `bundle.tar.gz`
    /// are `dir/file`, not `bundle.tar.gz/dir/file`.
    pub(super) prefix_members: bool,
    /// How many archive layers enclose this stream.
    pub(super) depth: usize,
    /// Content size if known in advance (file metadata, tar header).
    pub(super) size: Option<u64>,
    /// `size` is what the container promises; fewer bytes means it was cut.
    pub(super) exact_size: bool,
}

impl Origin {
    /// The user's argument (file or stdin) itself.
    pub(super) fn top(name: &str) -> Origin {
        Origin {
            path: name.to_string(),
            name: name.to_string(),
            prefix_members: false,
            depth: 0,
            size: None,
            exact_size: false,
        }
    }

    /// A regular file of a directory source. Its size can change while we
    /// read (a live log), so it is only a hint.
    pub(super) fn dir_file(rel: String, size: u64) -> Origin {
        Origin {
            name: rel.clone(),
            path: rel,
            prefix_members: true,
            depth: 0,
            size: Some(size),
            exact_size: false,
        }
    }

    /// A file of its own (a directory's), not a window on a stream: its
    /// size is known up front and nothing follows it, so what is passed
    /// over of it need not be read.
    fn is_whole_file(&self) -> bool {
        self.size.is_some() && !self.exact_size
    }

    /// A member of this stream, which is an archive.
    pub(super) fn member(&self, member: &str, depth: usize, size: u64) -> Origin {
        let path = self.member_path(member);
        Origin { name: path.clone(), path, prefix_members: true, depth, size: Some(size), exact_size: true }
    }

    pub(super) fn member_path(&self, member: &str) -> String {
        let member = if member.is_empty() { "(unnamed)" } else { member };
        if self.prefix_members {
            format!("{}/{}", self.path, member)
        } else {
            member.to_string()
        }
    }
}

/// How the bytes of a stream reach us, which decides whether they still
/// need counting against the budget and what a read failure means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Layer {
    /// Straight from disk or stdin, not counted yet.
    Raw,
    /// A tar member: a slice of an archive stream that is already counted.
    Member,
    /// The output of a gzip layer (counted as it is inflated).
    Inflated,
}

impl<'s> Session<'s> {
    pub(super) fn new(
        limits: &'s Limits,
        budget: &'s Budget,
        wanted: Wanted<'s>,
        sink: &'s mut dyn FnMut(Item) -> ControlFlow<()>,
    ) -> Self {
        Session { limits, budget, wanted, sink, stopped: false, scratch: Vec::new() }
    }

    /// Whether the budget is spent or the sink wants no more, and the caller
    /// should stop walking.
    pub(super) fn stopped(&self) -> bool {
        self.stopped
    }

    /// Hands `item` to the sink; a sink that breaks stops the session.
    fn emit(&mut self, item: Item) {
        if (self.sink)(item).is_break() {
            self.stopped = true;
        }
    }

    pub(super) fn ignored(&mut self, path: String, reason: impl Into<String>) {
        self.emit(Item::Ignored { path, reason: reason.into() });
    }

    pub(super) fn unreadable(&mut self, path: String, reason: impl Into<String>) {
        self.emit(Item::Unreadable { path, reason: reason.into() });
    }

    /// Reports that reading `path` failed with `err`: as `what: err`, or —
    /// if the failure is the byte budget running out — as the one item that
    /// says the rest of the bundle was skipped.
    pub(super) fn failed(&mut self, path: &str, what: &str, err: &io::Error) {
        if !self.over_budget(path) {
            self.unreadable(path.to_string(), format!("{what}: {err}"));
        }
    }

    /// If the byte budget is spent, stops the session — reporting that once,
    /// on `path` — and returns true. A spent budget shows up as an I/O error
    /// in whichever reader was above the meter; this tells the two apart.
    pub(super) fn over_budget(&mut self, path: &str) -> bool {
        if !self.budget.exceeded() {
            return false;
        }
        if !self.stopped {
            self.stopped = true;
            let limit = self.budget.limit();
            self.unreadable(
                path.to_string(),
                format!(
                    "not read: the bundle holds more than the total limit of {limit} bytes \
                     (after decompression); this entry and the rest of the bundle were skipped"
                ),
            );
        }
        true
    }

    /// Reads a stream straight from disk or stdin: the top-level source or a
    /// file of a directory. A failure to read it is reported on its path.
    pub(super) fn read_source(&mut self, origin: &Origin, reader: &mut dyn Read) {
        if let Err(e) = self.read_stream(origin, reader, Layer::Raw) {
            self.failed(&origin.path, "read failed", &e);
        }
    }

    /// Sniffs `reader` and hands it to the gzip layer, the tar reader or the
    /// entry loader. Problems *inside* the stream (a corrupt nested archive,
    /// an entry over the cap) become items here. `Err` means reading the
    /// stream itself failed, or it ended before its promised size; only the
    /// caller knows what that means — a read error for a file, a cut archive
    /// for a tar member or a gzip layer — so the caller reports it.
    pub(super) fn read_stream(
        &mut self,
        origin: &Origin,
        reader: &mut dyn Read,
        layer: Layer,
    ) -> io::Result<()> {
        if self.stopped {
            return Ok(());
        }
        let head = sniff::peek(reader)?;
        let kind = sniff::kind(&head);
        // Put the sniffed bytes back in front of the rest of the stream.
        let mut whole = Cursor::new(head).chain(reader);
        if kind == Kind::Gzip {
            // Compressed bytes are not counted; what they inflate to is.
            self.open_gzip(origin, &mut whole);
            return Ok(());
        }
        let budget = self.budget;
        let mut metered;
        let reader: &mut dyn Read = if layer == Layer::Raw {
            metered = Metered::new(whole, budget);
            &mut metered
        } else {
            &mut whole
        };
        if kind == Kind::Plain {
            return self.load(origin, reader);
        }
        // A tar straight inside a gzip is one archive (`.tar.gz`): it rides on
        // the level the gzip layer already took.
        let depth = if layer == Layer::Inflated {
            origin.depth
        } else if self.too_deep(origin) {
            return Ok(());
        } else {
            origin.depth + 1
        };
        self.read_tar(origin, depth, reader);
        Ok(())
    }

    /// Emits "nested too deep" and returns true if `origin` may not be opened
    /// as an archive. Each archive layer counts, so `.gz.gz.gz…` and an
    /// archive that contains itself (gzip quines exist) both end here.
    fn too_deep(&mut self, origin: &Origin) -> bool {
        let max = self.limits.max_depth;
        if origin.depth <= max {
            return false;
        }
        self.unreadable(
            origin.path.clone(),
            format!("nested too deep: more than {max} levels of archives within archives"),
        );
        true
    }

    fn open_gzip(&mut self, origin: &Origin, compressed: &mut dyn Read) {
        if self.too_deep(origin) {
            return;
        }
        let inner = Origin {
            name: strip_gz(&origin.name),
            depth: origin.depth + 1,
            size: None,
            exact_size: false,
            ..origin.clone()
        };
        // The meter sits above the buffer so that bytes inflated into it are
        // not charged before they are used.
        let compressed = BufReader::with_capacity(COMPRESSED_BUFFER, compressed);
        let decoder = BufReader::with_capacity(INFLATED_BUFFER, MultiGz::new(compressed));
        let mut inflated = Metered::new(decoder, self.budget);
        if let Err(e) = self.read_stream(&inner, &mut inflated, Layer::Inflated) {
            self.failed(&origin.path, "truncated or corrupt archive after 0 entries", &e);
        }
    }

    /// Reads plain content into one entry, within the per-entry cap.
    fn load(&mut self, origin: &Origin, reader: &mut dyn Read) -> io::Result<()> {
        let cap = self.limits.max_entry_bytes;
        if let Some(size) = origin.size.filter(|&size| size > cap) {
            // Not read at all; a tar parser skips the bytes for us.
            self.unreadable(
                origin.name.clone(),
                format!("{size} bytes exceeds the per-entry limit of {cap} bytes"),
            );
            return Ok(());
        }
        // One byte past the cap tells "exactly at the cap" from "over it"
        // for streams of unknown size (gzip, stdin, a growing file).
        let limit = cap.saturating_add(1);
        // The first bytes decide whether the rest is worth holding. A log
        // in a stream is passed over: still read through (to the same cap),
        // so that a cut or an oversized entry is reported on it, but never
        // kept.
        if self.scratch.is_empty() {
            self.scratch = vec![0; SCRATCH_BYTES];
        }
        let head_len = read_full(reader, &mut self.scratch[..limit.min(HEAD_BYTES as u64) as usize])?;
        let head = &self.scratch[..head_len];
        let data = if (self.wanted)(&origin.name, head) {
            // Up to the size the container claims, then whatever follows
            // (a file that grew, a stream of unknown size).
            let claimed = usize::try_from(origin.size.unwrap_or(0).min(cap)).unwrap_or(0);
            let mut data = Vec::with_capacity(claimed.clamp(head_len, CLAIM_STEP));
            data.extend_from_slice(head);
            fill(reader, &mut data, claimed)?;
            reader.take(limit - data.len() as u64).read_to_end(&mut data)?;
            Some(data)
        } else {
            None
        };
        let len = match &data {
            Some(data) => data.len() as u64,
            // A directory's file passed over is not read on: its size was
            // checked against the cap above, and reading its logs would be
            // I/O for nothing.
            None if origin.is_whole_file() => head_len as u64,
            None => head_len as u64 + drain(&mut reader.take(limit - head_len as u64), &mut self.scratch)?,
        };
        if len > cap {
            self.unreadable(
                origin.name.clone(),
                format!("more than {cap} bytes: exceeds the per-entry limit of {cap} bytes"),
            );
            return Ok(());
        }
        if let Some(size) = origin.size.filter(|&size| origin.exact_size && len < size) {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("ends after {len} of its {size} bytes"),
            ));
        }
        self.emit(match data {
            Some(data) => Item::Entry(Entry { path: origin.name.clone(), data }),
            None => Item::NotLoaded { path: origin.name.clone() },
        });
        Ok(())
    }
}

/// Reads into `buf` until it is full or the stream ends (a single `read`
/// may return less than asked: pipes, decompressors). Returns how many
/// bytes were read.
pub(super) fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Appends bytes of `reader` to `data` until it holds `len` bytes or the
/// stream ends. The vector grows at most [`CLAIM_STEP`] ahead of the bytes
/// read, and each byte is zeroed once: `read_to_end` zeroes all of its
/// spare capacity again on each read (3% of a large scan in `memset`).
fn fill(reader: &mut dyn Read, data: &mut Vec<u8>, len: usize) -> io::Result<()> {
    while data.len() < len {
        let start = data.len();
        data.resize(start + (len - start).min(CLAIM_STEP), 0);
        let read = read_full(reader, &mut data[start..]);
        let filled = start + read.as_ref().copied().unwrap_or(0);
        let ended = filled < data.len();
        data.truncate(filled);
        read?;
        if ended {
            break;
        }
    }
    Ok(())
}

/// Reads `reader` to its end through `scratch`, keeping nothing. Returns
/// how many bytes it held.
pub(super) fn drain(reader: &mut dyn Read, scratch: &mut [u8]) -> io::Result<u64> {
    let mut len = 0;
    loop {
        let read = read_full(reader, scratch)?;
        len += read as u64;
        if read < scratch.len() {
            return Ok(len);
        }
    }
}

/// `x.log.gz` → `x.log`. Only the literal suffix goes; a name without it (a
/// gzip called `events.json`, or stdin's `-`) stays as it is.
fn strip_gz(name: &str) -> String {
    let cut = name.len().saturating_sub(3);
    match (name.get(..cut), name.get(cut..)) {
        (Some(stem), Some(ext))
            if ext.eq_ignore_ascii_case(".gz") && !stem.is_empty() && !stem.ends_with('/') =>
        {
            stem.to_string()
        }
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_gz_only_strips_the_suffix() {
        assert_eq!(strip_gz("rotated/x.log.gz"), "rotated/x.log");
        assert_eq!(strip_gz("X.LOG.GZ"), "X.LOG");
        assert_eq!(strip_gz("events.json"), "events.json");
        assert_eq!(strip_gz("-"), "-");
        assert_eq!(strip_gz(".gz"), ".gz");
        assert_eq!(strip_gz("dir/.gz"), "dir/.gz");
        assert_eq!(strip_gz("é.gz"), "é");
    }

    #[test]
    fn member_paths() {
        let top = Origin::top("bundle.tgz");
        assert_eq!(top.member_path("a/b.json"), "a/b.json");
        let nested = top.member("case/mg.tar.gz", 1, 10);
        assert_eq!(nested.member_path("x.yaml"), "case/mg.tar.gz/x.yaml");
        assert_eq!(nested.member_path(""), "case/mg.tar.gz/(unnamed)");
    }
}
