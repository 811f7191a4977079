//! Structured logging: human-readable by default, JSON lines with `--log-json`; the level comes
//! from `GAUNTLET_LOG` (e.g. `info`, `gauntlet=debug`).

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Installs the global subscriber; safe to call more than once (later calls do nothing).
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_env("GAUNTLET_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,tower_sessions=warn,sqlx=warn"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = if json {
        registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_writer(std::io::stderr),
            )
            .try_init()
    } else {
        registry
            .with(fmt::layer().with_target(false).with_writer(std::io::stderr))
            .try_init()
    };
    drop(result);
}
