//! Reading the source file (or stdin) ahead, on a helper thread.
//!
//! Owns [`ReadAhead`]. Inflating is the one stage of a `.tar.gz` that runs
//! on a single thread, and it used to do its own reads: when the bundle is
//! not in the page cache (just copied in, or pushed out by anything big
//! since), each read waited for the disk, with the kernel reading only
//! 128 KiB ahead, and every wait stalled the whole pipeline. A helper thread
//! now reads a few chunks ahead of the inflater, so the waits fall on a
//! thread that has nothing else to do: the 1 GiB bench bundle takes 0.73 s
//! from a cold cache instead of 0.77 s (medians of 25; 0.72 s warm). The
//! helper only reads: it parses and decides nothing, so the analysis stays
//! where `scan` puts it.

use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread;

/// Size of each chunk read ahead.
const CHUNK_BYTES: usize = 256 * 1024;

/// Chunks read but not yet taken by the reader: with the one being read
/// and the one being filled, at most 1.25 MiB of the source is held.
const CHUNKS_AHEAD: usize = 3;

/// What the helper thread sends.
enum Message {
    /// A chunk, filled up to `.1` bytes (its buffer is reused, not cleared).
    Data(Vec<u8>, usize),
    /// The source ended cleanly.
    End,
    /// Reading failed; nothing follows.
    Failed(io::Error),
}

/// A [`Read`] over `source`, which a helper thread reads ahead of it.
pub(super) struct ReadAhead {
    chunks: Receiver<Message>,
    /// Buffers handed back to the helper to be filled again.
    spare: SyncSender<Vec<u8>>,
    chunk: Vec<u8>,
    len: usize,
    at: usize,
    ended: bool,
}

impl ReadAhead {
    /// Starts the helper thread on `source`. Fails only if the thread
    /// cannot be started.
    pub(super) fn spawn(mut source: impl Read + Send + 'static) -> io::Result<ReadAhead> {
        let (send, chunks) = mpsc::sync_channel(CHUNKS_AHEAD);
        let (spare, spares) = mpsc::sync_channel(CHUNKS_AHEAD + 2);
        thread::Builder::new()
            .name("read-ahead".into())
            .spawn(move || read_chunks(&mut source, &send, &spares))?;
        Ok(ReadAhead { chunks, spare, chunk: Vec::new(), len: 0, at: 0, ended: false })
    }

    /// Takes the next chunk; false at the end of the source.
    fn next_chunk(&mut self) -> io::Result<bool> {
        if self.ended {
            return Ok(false);
        }
        let done = std::mem::take(&mut self.chunk);
        if !done.is_empty() {
            // A full return queue only means the helper has buffers enough.
            let _ = self.spare.try_send(done);
        }
        match self.chunks.recv() {
            Ok(Message::Data(chunk, len)) => {
                (self.chunk, self.len, self.at) = (chunk, len, 0);
                Ok(true)
            }
            Ok(Message::End) => {
                self.ended = true;
                Ok(false)
            }
            Ok(Message::Failed(e)) => {
                self.ended = true;
                Err(e)
            }
            // Never without `End` or `Failed` first, unless the helper died:
            // an error, not a quiet end that would pass for a short bundle.
            Err(mpsc::RecvError) => {
                self.ended = true;
                Err(io::Error::other("the read-ahead thread stopped before the end of the input"))
            }
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.at == self.len && !self.next_chunk()? {
            return Ok(0);
        }
        let n = out.len().min(self.len - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The helper thread: reads `source` chunk by chunk into `send` until it
/// ends, fails, or the reader is gone (then a send fails and it stops).
fn read_chunks(source: &mut dyn Read, send: &SyncSender<Message>, spares: &Receiver<Vec<u8>>) {
    loop {
        // Buffers come back at their full length, zeroed once when first
        // made, so a chunk is never zeroed again.
        let mut chunk = spares.try_recv().unwrap_or_else(|_| vec![0; CHUNK_BYTES]);
        let mut len = 0;
        let last = loop {
            match source.read(&mut chunk[len..]) {
                Ok(0) => break Some(Message::End),
                Ok(n) => {
                    len += n;
                    if len == chunk.len() {
                        break None;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Some(Message::Failed(e)),
            }
        };
        // The bytes read before an end or a failure go first.
        if len > 0 && send.send(Message::Data(chunk, len)).is_err() {
            return;
        }
        if let Some(last) = last {
            let _ = send.send(last);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its bytes a few at a time, then fails if told to.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        fail_at_end: bool,
    }

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.at == self.data.len() && self.fail_at_end {
                return Err(io::Error::other("disk on fire"));
            }
            let n = out.len().min(self.data.len() - self.at).min(1000);
            out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn bytes(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn every_byte_arrives_in_order() {
        for len in [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, 3 * CHUNK_BYTES + 17, 20 * CHUNK_BYTES] {
            let data = bytes(len);
            let source = Trickle { data: data.clone(), at: 0, fail_at_end: false };
            let mut read = Vec::new();
            ReadAhead::spawn(source).unwrap().read_to_end(&mut read).unwrap();
            assert_eq!(read, data, "{len} bytes");
        }
    }

    #[test]
    fn a_read_error_arrives_after_the_bytes_before_it() {
        let data = bytes(2 * CHUNK_BYTES + 5);
        let source = Trickle { data: data.clone(), at: 0, fail_at_end: true };
        let mut reader = ReadAhead::spawn(source).unwrap();
        let mut read = vec![0; data.len()];
        reader.read_exact(&mut read).unwrap();
        assert_eq!(read, data);
        assert_eq!(reader.read(&mut [0; 10]).unwrap_err().to_string(), "disk on fire");
        assert_eq!(reader.read(&mut [0; 10]).unwrap(), 0);
    }

    #[test]
    fn a_reader_that_gives_up_early_stops_the_helper() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        use std::time::{Duration, Instant};

        /// An endless source that raises a flag when the helper lets go of it.
        struct Endless(Arc<AtomicBool>);
        impl Read for Endless {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                out.fill(7);
                Ok(out.len())
            }
        }
        impl Drop for Endless {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }

        let dropped = Arc::new(AtomicBool::new(false));
        let mut reader = ReadAhead::spawn(Endless(dropped.clone())).unwrap();
        let mut some = [0; 100];
        reader.read_exact(&mut some).unwrap();
        assert_eq!(some, [7; 100]);
        drop(reader);
        let start = Instant::now();
        while !dropped.load(Ordering::SeqCst) {
            assert!(start.elapsed() < Duration::from_secs(30), "the helper still reads");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
