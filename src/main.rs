//! `gauntlet`: parse the command line and hand over to the library.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    gauntlet::cli::run(gauntlet::cli::Cli::parse()).await
}
