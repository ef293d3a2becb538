//! Orchestration.
pub struct Outcome;
pub fn run() {}
