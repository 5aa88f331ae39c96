//! `--serve [ADDR]` and `--linger SECONDS` (`live`, `record`, `demo`): the stage server started
//! before the session and closed after it.

use super::usage::usage;
use anyhow::Result;
use clap::Args;
use pocket::stage::Server;
use std::time::Duration;

/// The stage's flags.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Show the session live in a browser: serve the stage on ADDR (HOST:PORT or PORT;
    /// default 127.0.0.1:8471, this machine only). The URL is printed at the start.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:8471")]
    serve: Option<String>,
    /// With --serve: keep serving the report this many seconds after the session ends
    /// (default 0: stop once the connected browsers have the end).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    linger: f64,
}

impl ServeArgs {
    /// Whether `--serve` was given.
    pub fn serving(&self) -> bool {
        self.serve.is_some()
    }

    /// Starts the server when asked and prints its URL.
    pub fn start(&self) -> Result<Option<Server>> {
        if !(self.linger.is_finite() && self.linger >= 0.0) {
            return Err(usage("--linger must be 0 or more seconds"));
        }
        let Some(text) = &self.serve else {
            return Ok(None);
        };
        let addr = pocket::stage::parse_addr(text).ok_or_else(|| {
            usage(format!(
                "--serve {text:?}: give HOST:PORT (such as 127.0.0.1:8471) or a port"
            ))
        })?;
        let server = Server::bind(addr)?;
        if !server.addr().ip().is_loopback() {
            eprintln!(
                "the stage is served on {}: anyone who can reach this address can watch",
                server.addr()
            );
        }
        eprintln!("stage: {}", server.url());
        Ok(Some(server))
    }

    /// Closes the server: the browsers get the end, then it lingers.
    pub fn close(&self, server: Option<Server>) {
        let Some(server) = server else { return };
        if self.linger > 0.0 {
            eprintln!(
                "serving the report at {} for {} s",
                server.url(),
                self.linger
            );
        }
        server.close(Duration::from_secs_f64(self.linger));
    }
}
