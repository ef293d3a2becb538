//! The one integration-test binary: each module drives the real executable
//! (or the library) against fixtures; `util` is the shared harness.

mod accuracy;
mod cli;
mod crosscheck;
mod decode;
mod hostile;
mod joins;
mod json;
mod layouts;
mod real;
mod util;
