//! Streaming tar reader: one member at a time, nothing written to disk.
//!
//! Owns walking a tar stream with [`tar::Archive::entries`] and deciding what
//! each member becomes: regular files go back through
//! [`Session::read_stream`] (so a member may itself be an archive), links are
//! reported as ignored and never resolved — which is why a link can never
//! lead out of the bundle —, directories are skipped. Member names are turned
//! into bundle-relative display paths; since nothing is extracted, a hostile
//! `../../etc/passwd` is only a name, but we still never produce one that
//! climbs or starts with `/`. A cut or corrupt archive keeps every member read
//! before the damage and reports the rest as one unreadable item.

use std::io::{self, Read, Seek, SeekFrom};

use tar::EntryType;

use super::stream::{drain, Layer, Origin, Session};

impl Session<'_> {
    /// Reads the tar in `reader`; its members are named after `archive` and
    /// sit at nesting level `depth`.
    pub(super) fn read_tar(&mut self, archive: &Origin, depth: usize, reader: &mut dyn Read) {
        let mut tar = tar::Archive::new(Forward { inner: reader, position: 0, scratch: Vec::new() });
        let mut read = 0usize;
        let entries = match tar.entries_with_seek() {
            Ok(entries) => entries,
            Err(e) => return self.corrupt(archive, read, &e),
        };
        for next in entries {
            if self.stopped() {
                return;
            }
            let mut entry = match next {
                Ok(entry) => entry,
                Err(e) => return self.corrupt(archive, read, &e),
            };
            let raw_name = entry.path_bytes();
            // Pre-POSIX archives mark directories only by a trailing slash.
            let slash_dir = raw_name.ends_with(b"/");
            let member = bundle_path(&String::from_utf8_lossy(&raw_name));
            let path = archive.member_path(&member);
            let kind = entry.header().entry_type();
            match kind {
                EntryType::Directory => continue,
                // Metadata records; the tar crate folds the per-file ones into
                // the next member, and a global one has nothing for us.
                EntryType::XGlobalHeader
                | EntryType::XHeader
                | EntryType::GNULongName
                | EntryType::GNULongLink => continue,
                EntryType::Regular | EntryType::Continuous if slash_dir => continue,
                EntryType::Symlink | EntryType::Link => {
                    let target = entry
                        .link_name_bytes()
                        .map(|t| String::from_utf8_lossy(&t).into_owned())
                        .unwrap_or_default();
                    self.ignored(path, format!("link to {target}"));
                }
                EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                    let origin = archive.member(&member, depth, entry.size());
                    // A member is a window on the archive stream: if reading
                    // it fails, the archive is what is broken, and the member
                    // it broke in is named so the user knows what is missing.
                    if let Err(e) = self.read_stream(&origin, &mut entry, Layer::Member) {
                        if !self.over_budget(&origin.path) {
                            let what =
                                format!("truncated or corrupt archive after {read} entries: {}", origin.name);
                            self.failed(&archive.path, &what, &e);
                        }
                        return;
                    }
                }
                other => self.ignored(path, describe(other)),
            }
            read += 1;
        }
        if self.stopped() {
            return;
        }
        // The tar crate treats end of stream like the end-of-archive marker
        // (a zero block), so an archive cut exactly between two members would
        // look complete. Writers put a second zero block (and usually
        // padding) after the first; no byte after the marker means there was
        // no marker.
        let mut after = [0u8; 1];
        match tar.into_inner().inner.read(&mut after) {
            Ok(0) => self.unreadable(
                archive.path.clone(),
                format!("truncated or corrupt archive after {read} entries: it ends without an end-of-archive marker"),
            ),
            Ok(_) => {}
            Err(e) => self.corrupt(archive, read, &e),
        }
    }

    fn corrupt(&mut self, archive: &Origin, read: usize, err: &io::Error) {
        self.failed(&archive.path, &format!("truncated or corrupt archive after {read} entries"), err);
    }
}

/// The archive stream as the tar crate's seekable reader, seeking only
/// forward, by reading. Given a plain reader, the tar crate skips each
/// member's padding through a 32 KiB buffer it zeroes on every call (28,000
/// calls in a large bundle, 1% of a scan); this skips through one small
/// buffer zeroed once.
struct Forward<'r> {
    inner: &'r mut dyn Read,
    /// Bytes read or skipped so far: what a seek returns.
    position: u64,
    scratch: Vec<u8>,
}

impl Read for Forward<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for Forward<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let ahead = match to {
            SeekFrom::Current(ahead) => u64::try_from(ahead).ok(),
            _ => None,
        };
        let Some(ahead) = ahead else {
            return Err(io::Error::new(io::ErrorKind::Unsupported, "an archive stream only seeks forward"));
        };
        if self.scratch.is_empty() {
            self.scratch = vec![0; 4096];
        }
        let skipped = drain(&mut (&mut *self.inner).take(ahead), &mut self.scratch)?;
        self.position += skipped;
        if skipped < ahead {
            // The tar crate's own wording for the same failure.
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "unexpected EOF during skip"));
        }
        Ok(self.position)
    }
}

/// A member name as a display path inside the bundle: no leading `/`, no `.`
/// or `..` components, no empty components. `./a//b` → `a/b`,
/// `../../etc/passwd` → `etc/passwd`, `/abs/x` → `abs/x`.
fn bundle_path(name: &str) -> String {
    name.split('/').filter(|c| !matches!(*c, "" | "." | "..")).collect::<Vec<_>>().join("/")
}

/// Why a member of another type is not read.
fn describe(kind: EntryType) -> String {
    match kind {
        EntryType::Char => "character device".to_string(),
        EntryType::Block => "block device".to_string(),
        EntryType::Fifo => "named pipe (FIFO)".to_string(),
        other => format!("unsupported tar entry type {:?}", char::from(other.as_byte())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_paths() {
        assert_eq!(bundle_path("./a/b.json"), "a/b.json");
        assert_eq!(bundle_path("../../etc/passwd"), "etc/passwd");
        assert_eq!(bundle_path("/etc/shadow"), "etc/shadow");
        assert_eq!(bundle_path("a/./b//c/../d"), "a/b/c/d");
        assert_eq!(bundle_path("dir/"), "dir");
        assert_eq!(bundle_path(".."), "");
    }

    #[test]
    fn forward_seeks_by_reading_and_only_forward() {
        let mut data: &[u8] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        let mut forward = Forward { inner: &mut data, position: 0, scratch: Vec::new() };
        let mut two = [0; 2];
        forward.read_exact(&mut two).unwrap();
        assert_eq!(forward.seek(SeekFrom::Current(3)).unwrap(), 5);
        forward.read_exact(&mut two).unwrap();
        assert_eq!(two, [6, 7]);
        assert!(forward.seek(SeekFrom::Current(-1)).is_err());
        assert!(forward.seek(SeekFrom::Start(0)).is_err());
        let cut = forward.seek(SeekFrom::Current(4)).unwrap_err();
        assert_eq!(
            (cut.kind(), cut.to_string()),
            (io::ErrorKind::UnexpectedEof, "unexpected EOF during skip".into())
        );
    }

    #[test]
    fn descriptions() {
        assert_eq!(describe(EntryType::Fifo), "named pipe (FIFO)");
        assert_eq!(describe(EntryType::new(b'V')), "unsupported tar entry type 'V'");
    }
}
