//! Content sniffing: what a byte stream is, judged from its first bytes.
//!
//! Owns the one rule the input stage applies everywhere — the top-level
//! source, every file of a directory, every member of an archive: look at the
//! first [`HEAD_LEN`] bytes and call the stream gzip, tar or plain content.
//! File names are never consulted, because bundles are renamed, re-gzipped
//! and mislabelled (`events.json` that is really gzip) all the time.

use std::io::{self, Read};

/// How many bytes we look at: one tar header block, which is also plenty for
/// the two-byte gzip magic.
pub(super) const HEAD_LEN: usize = 512;

/// What a stream holds, as far as the input stage cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Gzip,
    Tar,
    /// Anything else: one entry, for `decode` to make sense of.
    Plain,
}

/// Classifies a stream from its first bytes (fewer than [`HEAD_LEN`] only if
/// the stream is that short).
pub(super) fn kind(head: &[u8]) -> Kind {
    if head.starts_with(&[0x1f, 0x8b]) {
        Kind::Gzip
    } else if is_tar_header(head) {
        Kind::Tar
    } else {
        Kind::Plain
    }
}

/// Reads up to [`HEAD_LEN`] bytes, fewer only at end of stream.
///
/// A single `read` may return less than asked (pipes, decompressors), so we
/// loop: a short first read must not make a tar look like plain content.
pub(super) fn peek(reader: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut head = vec![0; HEAD_LEN];
    let filled = super::stream::read_full(reader, &mut head)?;
    head.truncate(filled);
    Ok(head)
}

/// Whether `head` starts with a tar header: POSIX/GNU `ustar` magic at offset
/// 257, or — for pre-POSIX (v7) archives, which have no magic — a header
/// block whose checksum adds up.
fn is_tar_header(head: &[u8]) -> bool {
    if head.get(257..262) == Some(b"ustar".as_slice()) {
        return true;
    }
    let Some(block) = head.get(..HEAD_LEN) else {
        return false;
    };
    let Some(stored) = parse_checksum(&block[148..156]) else {
        return false;
    };
    // The checksum is computed with its own field read as eight spaces. Some
    // old writers summed signed bytes, so accept either sum, as GNU tar does.
    let field = 148..156;
    let (mut unsigned, mut signed) = (0u64, 0i64);
    for (i, &b) in block.iter().enumerate() {
        let b = if field.contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    // A block of zeros (or spaces) sums to exactly the eight spaces; real
    // headers always carry a name, so insist on more than that.
    let blank = unsigned <= 8 * u64::from(b' ');
    !blank && (stored == unsigned || i64::try_from(stored) == Ok(signed))
}

/// Parses the checksum field: optional leading spaces, octal digits, then
/// only NULs or spaces. `None` when there are no digits or junk follows.
fn parse_checksum(field: &[u8]) -> Option<u64> {
    let start = field.iter().position(|&b| b != b' ')?;
    let digits = &field[start..];
    let end = digits.iter().position(|b| !(b'0'..=b'7').contains(b)).unwrap_or(digits.len());
    if end == 0 || !digits[end..].iter().all(|&b| b == 0 || b == b' ') {
        return None;
    }
    digits[..end].iter().try_fold(0u64, |acc, &d| acc.checked_mul(8)?.checked_add(u64::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v7_header(name: &[u8]) -> Vec<u8> {
        let mut h = tar::Header::new_old();
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.set_size(0);
        h.set_mode(0o644);
        h.set_cksum();
        h.as_bytes().to_vec()
    }

    #[test]
    fn gzip_magic() {
        assert_eq!(kind(&[0x1f, 0x8b, 8, 0]), Kind::Gzip);
        assert_eq!(kind(&[0x1f]), Kind::Plain);
    }

    #[test]
    fn ustar_and_v7_headers_are_tar() {
        let mut ustar = tar::Header::new_ustar();
        ustar.set_path("a.json").unwrap();
        ustar.set_cksum();
        assert_eq!(kind(ustar.as_bytes()), Kind::Tar);
        let mut gnu = tar::Header::new_gnu();
        gnu.set_path("a.json").unwrap();
        gnu.set_cksum();
        assert_eq!(kind(gnu.as_bytes()), Kind::Tar);
        assert_eq!(kind(&v7_header(b"old.txt")), Kind::Tar);
    }

    #[test]
    fn near_misses_are_plain() {
        let mut bad = v7_header(b"old.txt");
        bad[0] ^= 1;
        assert_eq!(kind(&bad), Kind::Plain);
        assert_eq!(kind(&[0u8; 512]), Kind::Plain);
        assert_eq!(kind(&[b' '; 512]), Kind::Plain);
        assert_eq!(kind(br#"{"kind":"EventList","items":[]}"#), Kind::Plain);
        assert_eq!(kind(b""), Kind::Plain);
    }

    #[test]
    fn checksum_field_parsing() {
        assert_eq!(parse_checksum(b"0012345\0"), Some(0o12345));
        assert_eq!(parse_checksum(b"  12345 "), Some(0o12345));
        assert_eq!(parse_checksum(b"\0\0\0\0\0\0\0\0"), None);
        assert_eq!(parse_checksum(b"        "), None);
        assert_eq!(parse_checksum(b"0012x45\0"), None);
        assert_eq!(parse_checksum(b"0012845\0"), None);
    }

    #[test]
    fn peek_fills_across_short_reads() {
        struct Dribble(Vec<u8>);
        impl Read for Dribble {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() || buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0.remove(0);
                Ok(1)
            }
        }
        let mut r = Dribble(vec![7; 600]);
        assert_eq!(peek(&mut r).unwrap().len(), HEAD_LEN);
        let mut r = Dribble(vec![7; 10]);
        assert_eq!(peek(&mut r).unwrap(), vec![7; 10]);
    }
}
