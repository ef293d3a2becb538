//! The bundle-wide byte budget behind [`Limits::max_total_bytes`].
//!
//! Owns counting every byte of content the input stage produces: the output
//! of each gzip layer, and the raw bytes of sources that are not compressed
//! (files on disk, stdin). Members of a tar are slices of a stream that is
//! already counted, so they are not counted again. Counting happens in a
//! [`Metered`] reader *below* the tar parser, so the bytes tar skips over
//! (oversized members, padding) are paid for too — that is what stops a
//! small gzip that inflates to terabytes of zeros.
//!
//! [`Limits::max_total_bytes`]: super::Limits::max_total_bytes

use std::cell::Cell;
use std::fmt;
use std::io::{self, Read};

/// Bytes produced so far against the limit. Shared by reference between the
/// readers of one [`super::read`] call; a `Cell` suffices because the whole
/// read runs on one thread.
#[derive(Debug)]
pub(super) struct Budget {
    limit: u64,
    used: Cell<u64>,
    exceeded: Cell<bool>,
}

impl Budget {
    pub(super) fn new(limit: u64) -> Budget {
        Budget { limit, used: Cell::new(0), exceeded: Cell::new(false) }
    }

    pub(super) fn limit(&self) -> u64 {
        self.limit
    }

    /// Whether some reader has already hit the limit. Readers above a
    /// [`Metered`] only see an I/O error; this tells it apart from a real one.
    pub(super) fn exceeded(&self) -> bool {
        self.exceeded.get()
    }

    fn charge(&self, n: usize) -> io::Result<()> {
        let used = self.used.get().saturating_add(n as u64);
        self.used.set(used);
        if used > self.limit {
            self.exceeded.set(true);
        }
        if self.exceeded.get() {
            return Err(io::Error::other(OverBudget(self.limit)));
        }
        Ok(())
    }
}

/// The error a [`Metered`] reader returns once the budget is spent.
#[derive(Debug)]
struct OverBudget(u64);

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "over the total limit of {} bytes", self.0)
    }
}

impl std::error::Error for OverBudget {}

/// A reader that charges every byte it yields to a [`Budget`] and fails once
/// the budget is spent (and keeps failing, so no layer above can carry on).
pub(super) struct Metered<'b, R> {
    inner: R,
    budget: &'b Budget,
}

impl<'b, R: Read> Metered<'b, R> {
    pub(super) fn new(inner: R, budget: &'b Budget) -> Self {
        Metered { inner, budget }
    }
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.budget.exceeded() {
            return Err(io::Error::other(OverBudget(self.budget.limit)));
        }
        let n = self.inner.read(buf)?;
        self.budget.charge(n)?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_the_limit_is_fine() {
        let budget = Budget::new(10);
        let mut out = Vec::new();
        Metered::new(&[1u8; 10][..], &budget).read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), 10);
        assert!(!budget.exceeded());
    }

    #[test]
    fn one_byte_over_fails_and_stays_failed() {
        let budget = Budget::new(10);
        let mut out = Vec::new();
        let err = Metered::new(&[1u8; 11][..], &budget).read_to_end(&mut out).unwrap_err();
        assert!(err.to_string().contains("total limit of 10 bytes"));
        assert!(budget.exceeded());
        // Another reader on the same budget refuses straight away.
        let mut other = Metered::new(&[1u8; 1][..], &budget);
        assert!(other.read(&mut [0; 1]).is_err());
    }
}
