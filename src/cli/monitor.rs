//! `pocket monitor`: each incoming MIDI message of a port (or a replayed take) with what the kit
//! map makes of it, printed by [`pocket::live::monitor`].

use super::usage::usage;
use anyhow::{Context, Result};
use clap::Args;
use pocket::live::monitor::{self, MonitorOptions};
use pocket::live::session::{self, PlayerSource};
use pocket::time::Nanos;
use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// The kit's MIDI input: part of the port name (case-insensitive; `pocket devices` lists
    /// them), PORT#channel=N to take one channel as the kit's.
    #[arg(
        long,
        value_name = "PORT",
        required_unless_present = "replay",
        conflicts_with = "replay"
    )]
    port: Option<String>,
    /// A recorded take replayed in place of a port: NAME=TAKE (capture log FILE or
    /// FILE#player=NAME, or a MIDI file), e.g. Lee=capture.jsonl#player=Lee. Needs no MIDI
    /// support.
    #[arg(long, value_name = "NAME=TAKE")]
    replay: Option<String>,
    /// Kit profile or kit map file (default: suggested from the port name, a replayed capture
    /// log's kit, else gm).
    #[arg(long, value_name = "PROFILE")]
    kit: Option<String>,
    /// Stop after this many seconds (default: Ctrl-C, or the end of a replay).
    #[arg(long, value_name = "SECONDS")]
    duration: Option<f64>,
    /// Replay speed (with --replay): 2 plays twice as fast.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
}

/// Prints every Note On and control change of the source until it ends or Ctrl-C.
pub fn monitor(args: MonitorArgs) -> Result<()> {
    let source = match (&args.port, &args.replay) {
        (Some(port), _) => {
            let (_, source) = session::parse_player(&format!("kit={port}"), false)
                .map_err(|e| usage(format!("--port {port:?}: {e}")))?;
            source
        }
        (None, Some(replay)) => {
            let (_, source) = session::parse_player(replay, true).map_err(|_| {
                usage(format!(
                    "--replay {replay:?}: expected NAME=TAKE, e.g. Lee=capture.jsonl#player=Lee"
                ))
            })?;
            source
        }
        (None, None) => return Err(usage("give --port PORT (or --replay NAME=TAKE)")),
    };
    if let PlayerSource::Replay { spec } = &source {
        super::args::check_player_selector(spec)?;
    }
    if !(args.speed.is_finite() && args.speed > 0.0) {
        return Err(usage("--speed must be a positive number"));
    }
    if args.speed != 1.0 && args.port.is_some() {
        return Err(usage(
            "--speed only applies to --replay; a kit plays in real time",
        ));
    }
    let duration = match args.duration {
        Some(d) => Some(
            Nanos::from_secs_f64(d)
                .filter(|d| *d > Nanos::ZERO)
                .ok_or_else(|| usage("--duration must be a positive number of seconds"))?,
        ),
        None => None,
    };
    let kit = args
        .kit
        .as_deref()
        .map(pocket::formats::load_kit)
        .transpose()?;
    let stop = Arc::new(AtomicBool::new(false));
    session::stop_on_signals(&stop).context("cannot install the Ctrl-C handler")?;
    let opts = MonitorOptions {
        source,
        kit,
        speed: args.speed,
        duration,
        stop,
    };
    let stdout = std::io::stdout();
    let shown = monitor::run(
        &opts,
        |start| {
            let channel = start
                .kit
                .channel
                .map_or("every channel".to_string(), |c| format!("channel {c}"));
            println!(
                "{}: kit {} ({channel}); Ctrl-C stops",
                start.source, start.kit.name
            );
        },
        |line| {
            let mut out = stdout.lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        },
    )?;
    eprintln!("{shown} messages");
    Ok(())
}
