//! Test helpers for the input stage: tars and gzips built in memory, hostile
//! members included, and a compact view of what the stage emitted.

use std::io::{Read, Write};

use flate2::write::GzEncoder;
use flate2::Compression;
use tar::{EntryType, Header};

use super::{read_reader, read_reader_while, Item, Limits, Wanted};

/// Builds a tar in memory. Goes through raw headers where `tar::Builder`
/// would refuse the input (`..`, absolute paths, bad UTF-8) — exactly the
/// members a hostile bundle would hold.
pub(super) struct TarBuilder {
    inner: tar::Builder<Vec<u8>>,
}

impl TarBuilder {
    pub(super) fn new() -> Self {
        TarBuilder { inner: tar::Builder::new(Vec::new()) }
    }

    pub(super) fn file(self, name: &str, data: &[u8]) -> Self {
        self.raw(name.as_bytes(), EntryType::Regular, data)
    }

    pub(super) fn dir(self, name: &str) -> Self {
        self.raw(name.as_bytes(), EntryType::Directory, b"")
    }

    pub(super) fn symlink(self, name: &str, target: &str) -> Self {
        self.link(name, EntryType::Symlink, target)
    }

    pub(super) fn hardlink(self, name: &str, target: &str) -> Self {
        self.link(name, EntryType::Link, target)
    }

    /// A member of any type with a name written byte for byte.
    pub(super) fn raw(mut self, name: &[u8], kind: EntryType, data: &[u8]) -> Self {
        let header = header(name, kind, data.len() as u64, None);
        self.inner.append(&header, data).unwrap();
        self
    }

    /// A member whose data is streamed, so tests can make large ones cheaply.
    pub(super) fn stream(mut self, name: &str, size: u64, data: impl Read) -> Self {
        let header = header(name.as_bytes(), EntryType::Regular, size, None);
        self.inner.append(&header, data).unwrap();
        self
    }

    fn link(mut self, name: &str, kind: EntryType, target: &str) -> Self {
        let header = header(name.as_bytes(), kind, 0, Some(target.as_bytes()));
        self.inner.append(&header, &b""[..]).unwrap();
        self
    }

    /// The archive, with its end-of-archive marker.
    pub(super) fn finish(self) -> Vec<u8> {
        self.inner.into_inner().unwrap()
    }
}

fn header(name: &[u8], kind: EntryType, size: u64, link: Option<&[u8]>) -> Header {
    let mut h = Header::new_gnu();
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    if let Some(link) = link {
        h.as_old_mut().linkname[..link.len()].copy_from_slice(link);
    }
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o600);
    h.set_cksum();
    h
}

pub(super) fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    files.iter().fold(TarBuilder::new(), |b, (name, data)| b.file(name, data)).finish()
}

pub(super) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// Deterministic bytes that do not compress, so a cut in a gzip lands where
/// the test expects. Never starts like a gzip or a tar.
pub(super) fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut out: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    if let Some(first) = out.first_mut() {
        *first = b'#';
    }
    out
}

pub(super) fn read_bytes(name: &str, data: &[u8], limits: &Limits) -> Vec<Item> {
    let mut items = Vec::new();
    read_reader(name, data, limits, &mut |item| items.push(item));
    items
}

/// [`read_bytes`] loading only what `wanted` accepts.
pub(super) fn read_bytes_wanted(name: &str, data: &[u8], wanted: Wanted<'_>) -> Vec<Item> {
    let mut items = Vec::new();
    read_reader_while(name, data, &Limits::default(), wanted, &mut |item| {
        items.push(item);
        std::ops::ControlFlow::Continue(())
    });
    items
}

/// One line per item: `E path (n bytes)`, `U path: reason`, `I path: reason`,
/// `N path` (not loaded).
pub(super) fn show(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|item| match item {
            Item::Entry(e) => format!("E {} ({} bytes)", e.path, e.data.len()),
            Item::Unreadable { path, reason } => format!("U {path}: {reason}"),
            Item::Ignored { path, reason } => format!("I {path}: {reason}"),
            Item::NotLoaded { path } => format!("N {path}"),
        })
        .collect()
}

/// The entries only, as (path, data).
pub(super) fn entries(items: &[Item]) -> Vec<(&str, &[u8])> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Entry(e) => Some((e.path.as_str(), e.data.as_slice())),
            _ => None,
        })
        .collect()
}

pub(super) fn unreadable(items: &[Item]) -> Vec<(&str, &str)> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Unreadable { path, reason } => Some((path.as_str(), reason.as_str())),
            _ => None,
        })
        .collect()
}
