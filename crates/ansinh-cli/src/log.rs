//! Logging: a `tracing_subscriber` fmt subscriber on standard error, filtered by `ANSINH_LOG` (the
//! `EnvFilter` syntax: `info`, `ansinh_web=debug`, …). Default `warn`, so a command's ordinary output is
//! unchanged; `ansinh serve` defaults to `info` for the web's request events. One span per command (the
//! subcommand's name) with, at its end, an event with the exit status and the elapsed ms. Standard
//! output is never written to here.

use std::process::ExitCode;
use std::time::Instant;

use tracing_subscriber::EnvFilter;

/// The variable that sets the filter.
pub const ENV: &str = "ANSINH_LOG";

/// The filter without `ANSINH_LOG`: warnings only; a server also logs its requests (and logins).
fn default_filter(command: &str) -> &'static str {
    if command == "serve" {
        "warn,ansinh_web=info,ansinh=info"
    } else {
        "warn"
    }
}

/// Installs the subscriber for `command` (an `ANSINH_LOG` that does not parse falls back to the
/// default and says so on standard error).
pub fn init(command: &str) {
    let filter = match std::env::var(ENV) {
        Ok(v) if !v.trim().is_empty() => EnvFilter::try_new(&v).unwrap_or_else(|e| {
            eprintln!("{ENV}: {e}; using `{}`", default_filter(command));
            EnvFilter::new(default_filter(command))
        }),
        _ => EnvFilter::new(default_filter(command)),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs `f` inside the command's span and logs its exit status (0 success, 1 failure) and duration.
pub fn command(
    name: &str,
    f: impl FnOnce() -> anyhow::Result<ExitCode>,
) -> anyhow::Result<ExitCode> {
    let span = tracing::info_span!("command", name);
    let _entered = span.enter();
    let start = Instant::now();
    let r = f();
    let status = match &r {
        Ok(c) if *c == ExitCode::SUCCESS => 0,
        _ => 1,
    };
    let ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    tracing::info!(status, ms, "exit");
    r
}
