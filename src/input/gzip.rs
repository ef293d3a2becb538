//! Gzip (RFC 1952): a stream of members, each a header, a deflate body and
//! a trailer holding the body's CRC-32 and length.
//!
//! Owns [`MultiGz`], the reader [`super::stream`] inflates every gzip layer
//! with. flate2's `MultiGzDecoder` does the same job, but with the zlib-rs
//! backend it checks the CRC with zlib-rs's 128-bit PCLMULQDQ fold, which
//! took 6% of a whole scan's CPU; crc32fast picks its 512-bit VPCLMULQDQ
//! fold at run time where the CPU has one, about 4× faster. So the framing
//! is read here and only the deflate body goes to flate2 (zlib-rs). The
//! checks are gzip's own: magic, method, reserved flags, the optional
//! header CRC, and each member's CRC-32 and length.

use std::io::{self, BufRead, Read};

use flate2::{Decompress, FlushDecompress, Status};

const MAGIC: [u8; 2] = [0x1f, 0x8b];
const DEFLATE: u8 = 8;
const FHCRC: u8 = 1 << 1;
const FEXTRA: u8 = 1 << 2;
const FNAME: u8 = 1 << 3;
const FCOMMENT: u8 = 1 << 4;
const RESERVED: u8 = 0xe0;

/// Inflates every member of a gzip stream, one after another: `cat a.gz
/// b.gz` is a valid gzip file, and some log rotators write exactly that.
pub(super) struct MultiGz<R> {
    input: R,
    inflate: Decompress,
    /// CRC-32 and length (mod 2³²) of the current member's output so far.
    crc: crc32fast::Hasher,
    len: u32,
    state: State,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// A member header is due (the stream's first, or one after a trailer).
    Header,
    Body,
    Done,
}

impl<R: BufRead> MultiGz<R> {
    pub(super) fn new(input: R) -> Self {
        MultiGz {
            input,
            inflate: Decompress::new(false),
            crc: crc32fast::Hasher::new(),
            len: 0,
            state: State::Header,
        }
    }

    /// Inflates into `out` until something came out or the member ended.
    fn body(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            let input = self.input.fill_buf()?;
            let ended = input.is_empty();
            let (in_before, out_before) = (self.inflate.total_in(), self.inflate.total_out());
            let status = self
                .inflate
                .decompress(input, out, FlushDecompress::None)
                .map_err(|_| corrupt("corrupt deflate stream"))?;
            let used = (self.inflate.total_in() - in_before) as usize;
            let made = (self.inflate.total_out() - out_before) as usize;
            self.input.consume(used);
            self.crc.update(&out[..made]);
            self.len = self.len.wrapping_add(made as u32);
            if status == Status::StreamEnd {
                self.trailer()?;
                self.state = if self.input.fill_buf()?.is_empty() { State::Done } else { State::Header };
                return Ok(made);
            }
            if made > 0 {
                return Ok(made);
            }
            if ended {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "gzip stream ends in the middle"));
            }
            if used == 0 {
                // Input and room to write, yet no progress: never happens
                // with a well-behaved inflater; not worth looping forever on.
                return Err(corrupt("corrupt deflate stream"));
            }
        }
    }

    /// Reads a member header and readies the inflater for its body.
    fn header(&mut self) -> io::Result<()> {
        let mut header = Checked { input: &mut self.input, crc: crc32fast::Hasher::new() };
        let mut fixed = [0; 10];
        header.read_exact(&mut fixed)?;
        if fixed[..2] != MAGIC {
            return Err(corrupt("invalid gzip header: not a gzip member"));
        }
        if fixed[2] != DEFLATE {
            return Err(corrupt("invalid gzip header: compression method is not deflate"));
        }
        let flags = fixed[3];
        if flags & RESERVED != 0 {
            return Err(corrupt("invalid gzip header: reserved flags set"));
        }
        if flags & FEXTRA != 0 {
            let mut len = [0; 2];
            header.read_exact(&mut len)?;
            header.skip(u16::from_le_bytes(len).into())?;
        }
        if flags & FNAME != 0 {
            header.skip_past_nul()?;
        }
        if flags & FCOMMENT != 0 {
            header.skip_past_nul()?;
        }
        if flags & FHCRC != 0 {
            let expected = header.crc.clone().finalize() as u16;
            let mut stored = [0; 2];
            self.input.read_exact(&mut stored)?;
            if u16::from_le_bytes(stored) != expected {
                return Err(corrupt("invalid gzip header: header checksum mismatch"));
            }
        }
        self.inflate.reset(false);
        self.crc.reset();
        self.len = 0;
        self.state = State::Body;
        Ok(())
    }

    /// Reads a member trailer and checks it against what was inflated.
    fn trailer(&mut self) -> io::Result<()> {
        let mut trailer = [0; 8];
        self.input.read_exact(&mut trailer)?;
        let [c0, c1, c2, c3, l0, l1, l2, l3] = trailer;
        if u32::from_le_bytes([c0, c1, c2, c3]) != self.crc.clone().finalize() {
            return Err(corrupt("gzip CRC-32 mismatch: the data is corrupt"));
        }
        if u32::from_le_bytes([l0, l1, l2, l3]) != self.len {
            return Err(corrupt("gzip length mismatch: the data is corrupt"));
        }
        Ok(())
    }
}

impl<R: BufRead> Read for MultiGz<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            match self.state {
                State::Header => self.header()?,
                State::Body => {
                    let made = self.body(out)?;
                    // A member may end without output (an empty one); the
                    // next member's bytes are still to come.
                    if made > 0 || self.state == State::Done {
                        return Ok(made);
                    }
                }
                State::Done => return Ok(0),
            }
        }
    }
}

/// A header being read: everything read goes into its CRC, for `FHCRC`.
struct Checked<'a, R> {
    input: &'a mut R,
    crc: crc32fast::Hasher,
}

impl<R: BufRead> Checked<'_, R> {
    fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        self.input.read_exact(buf)?;
        self.crc.update(buf);
        Ok(())
    }

    /// Passes over `len` bytes (an extra field) without holding them.
    fn skip(&mut self, mut len: usize) -> io::Result<()> {
        while len > 0 {
            let available = more_header(self.input)?;
            let take = available.len().min(len);
            self.crc.update(&available[..take]);
            self.input.consume(take);
            len -= take;
        }
        Ok(())
    }

    /// Passes over a zero-terminated string (file name, comment), however
    /// long, without holding it.
    fn skip_past_nul(&mut self) -> io::Result<()> {
        loop {
            let available = more_header(self.input)?;
            let (take, found) = match memchr::memchr(0, available) {
                Some(at) => (at + 1, true),
                None => (available.len(), false),
            };
            self.crc.update(&available[..take]);
            self.input.consume(take);
            if found {
                return Ok(());
            }
        }
    }
}

/// The next buffered bytes of a header, which may not end here.
fn more_header<R: BufRead>(input: &mut R) -> io::Result<&[u8]> {
    let available = input.fill_buf()?;
    if available.is_empty() {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "gzip header ends in the middle"));
    }
    Ok(available)
}

fn corrupt(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;
    use flate2::{Compression, GzBuilder};

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(data).unwrap();
        gz.finish().unwrap()
    }

    fn inflate(gz: &[u8]) -> io::Result<Vec<u8>> {
        // A small input buffer, so that headers and trailers straddle refills.
        let mut out = Vec::new();
        MultiGz::new(io::BufReader::with_capacity(7, gz)).read_to_end(&mut out)?;
        Ok(out)
    }

    fn text(len: usize) -> Vec<u8> {
        (0..len).map(|i| b"kubelet pulled image \n"[i % 22] ^ (i / 997) as u8).collect()
    }

    #[test]
    fn inflates_what_flate2_deflates() {
        for len in [0, 1, 100, 70_000, 1 << 20] {
            let data = text(len);
            assert_eq!(inflate(&gzip(&data)).unwrap(), data, "{len} bytes");
        }
    }

    #[test]
    fn inflates_every_member_in_turn() {
        let (a, b) = (text(5000), text(300));
        let mut both = gzip(&a);
        both.extend(gzip(b""));
        both.extend(gzip(&b));
        assert_eq!(inflate(&both).unwrap(), [a, b].concat());
    }

    #[test]
    fn passes_over_every_optional_header_field() {
        let data = text(2000);
        let mut gz = GzBuilder::new()
            .extra(vec![7; 300])
            .filename("events.json")
            .comment("written by a test")
            .write(Vec::new(), Compression::fast());
        gz.write_all(&data).unwrap();
        let mut gz = gz.finish().unwrap();
        assert_eq!(inflate(&gz).unwrap(), data);

        // FHCRC: flate2 does not write one, so add it by hand.
        let header_end = gz.len() - (gzip(&data).len() - 10);
        gz[3] |= FHCRC;
        let crc = crc32fast::hash(&gz[..header_end]) as u16;
        gz.splice(header_end..header_end, crc.to_le_bytes());
        assert_eq!(inflate(&gz).unwrap(), data);
        gz[header_end] ^= 1;
        assert!(inflate(&gz).unwrap_err().to_string().contains("header checksum"));
    }

    #[test]
    fn a_damaged_member_is_an_error_not_wrong_bytes() {
        let good = gzip(&text(50_000));
        let trailer = good.len() - 8;
        // Each damage gets the offset of the trailer.
        type Damage = fn(&mut Vec<u8>, usize);
        let cases: [(&str, Damage); 7] = [
            ("not a gzip member", |gz, _| gz[1] = 0x8c),
            ("not deflate", |gz, _| gz[2] = 7),
            ("reserved flags", |gz, _| gz[3] = 0x20),
            ("CRC-32 mismatch", |gz, trailer| gz[trailer] ^= 1),
            ("length mismatch", |gz, trailer| gz[trailer + 4] ^= 1),
            ("ends in the middle", |gz, _| gz.truncate(gz.len() / 2)),
            ("not a gzip member", |gz, _| gz.extend(b"trailing junk")),
        ];
        for (wanted, damage) in cases {
            let mut gz = good.clone();
            damage(&mut gz, trailer);
            let err = inflate(&gz).unwrap_err().to_string();
            assert!(err.contains(wanted), "{wanted}: {err}");
        }
        // The trailer itself cut short, and the header.
        for cut in [good.len() - 3, 5] {
            let err = inflate(&good[..cut]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "cut at {cut}: {err}");
        }
    }

    #[test]
    fn flipped_body_bits_never_pass_unnoticed() {
        let data = text(20_000);
        let good = gzip(&data);
        for pos in (10..good.len() - 8).step_by(13) {
            let mut gz = good.clone();
            gz[pos] ^= 0x10;
            // Either an error or, where the flip falls on bits deflate does
            // not use, the very same bytes.
            if let Ok(out) = inflate(&gz) {
                assert_eq!(out, data, "flip at {pos}");
            }
        }
    }
}
