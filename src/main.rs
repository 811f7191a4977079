//! `gauntlet`: parse the command line and hand over to the library.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than the system allocator: it hands freed memory back to the system (each
/// password hash takes 19 MiB for a moment) and is quicker with the many small allocations a
/// request makes. See docs/performance.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    gauntlet::cli::run(gauntlet::cli::Cli::parse()).await
}
