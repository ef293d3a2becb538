//! The `bundle-scan` binary: parse the command line, run the library, turn
//! the outcome into an exit status. Everything else lives in the library.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

/// See Cargo.toml: faster than the system allocator for a scan's millions
/// of short-lived strings.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let config = bundle_scan::cli::Args::parse().into_config();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = bundle_scan::run(&config, &mut out).and_then(|outcome| Ok(out.flush().map(|()| outcome)?));
    match result {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        // `bundle-scan … | head` closing the pipe early is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Errors can quote the bundle (an entry name, a parser message),
            // and stderr is usually a terminal: no raw control characters.
            let message = format!("{e:#}");
            #[allow(clippy::print_stderr)]
            {
                eprintln!("bundle-scan: error: {}", bundle_scan::text::for_terminal(&message));
            }
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
