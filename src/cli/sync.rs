//! `pocket sync`: how together two players were, with a chart (shared notes) or without (hits
//! paired with each other).

use super::args::{
    bootstrap_draws, chart_lanes, load_take, parse_ms, roster, timing_usage, GameChartArgs,
    PlayerTuning,
};
use super::latency::latencies;
use super::output::{emit_with_html, warn_all};
use super::usage::usage;
use anyhow::Result;
use clap::Args;
use pocket::formats::{self, LoadedTake};
use pocket::kit::LaneMap;
use pocket::matching::Offsets;
use pocket::score::{self, PlayerInput, ScoreOptions, Timing, TimingPreset};
use pocket::session;
use pocket::time::Nanos;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Two players and their takes: NAME=TAKE (the first is player a).
    #[arg(long = "player", value_name = "NAME=TAKE", required = true)]
    players: Vec<String>,
    #[arg(long, help = concat!(
        "Score both against this chart and pair the notes both played: ",
        chart_formats!(),
        "."
    ))]
    chart: Option<PathBuf>,
    #[command(flatten)]
    tuning: PlayerTuning,
    /// `same` pairs hits lane by lane; `all` pools every hit of a player into one onset stream
    /// (for players whose instruments share no lane, e.g. drums and keys). Every note of any
    /// channel counts with `all`.
    #[arg(long, default_value = "same", value_parser = ["same", "all"])]
    lanes: String,
    /// Pairing window in ms, greater than 0 and at most 2000. Without a chart, default: half the
    /// median inter-onset interval, 10 to 250 ms; with a chart, the matching window as for
    /// `score --window-ms` (default: the standard preset's 117 ms).
    #[arg(long, allow_negative_numbers = true)]
    window_ms: Option<f64>,
    /// Onsets of one player closer than this (ms) are one onset with `--lanes all`.
    #[arg(long, default_value = "15", allow_negative_numbers = true)]
    collapse_ms: f64,
    /// Length in seconds of the windows used for per-"bar" figures without a chart.
    #[arg(long, default_value = "4", allow_negative_numbers = true)]
    window_s: f64,
    /// Bootstrap draws for the leader verdict.
    #[arg(long, default_value_t = pocket::sync::DEFAULT_BOOTSTRAP, value_parser = bootstrap_draws)]
    bootstrap: usize,
    /// Write the JSON report here (`-` for stdout).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Also write the HTML page here (turns per-note detail on when there is a chart).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    #[command(flatten)]
    game: GameChartArgs,
}

/// Pairs the two players' hits (or notes) and writes the report.
pub fn sync(args: SyncArgs) -> Result<()> {
    if args.players.len() != 2 {
        return Err(usage("sync needs exactly two --player NAME=TAKE"));
    }
    args.tuning.use_audio_kit()?;
    let r = roster(&args.players, &args.tuning.kits, &args.tuning.offsets)?;
    let all = args.lanes == "all";
    let mut loaded = Vec::new();
    for (i, spec) in r.specs.iter().enumerate() {
        let kit = match (&r.kits[i], all) {
            (Some(k), _) => Some(k.clone()),
            (None, true) => Some(pocket::kit::KitMap::all_notes()),
            (None, false) => None,
        };
        loaded.push(load_take(spec, kit.as_ref())?);
    }
    let refs: Vec<&LoadedTake> = loaded.iter().collect();
    let lat = latencies(&r.names, &r.offsets, &args.tuning.latency_profiles, &refs)?;
    let offsets: Vec<Offsets> = lat.iter().map(|l| l.offsets).collect();
    let sync_options = pocket::sync::SyncOptions {
        bootstrap: args.bootstrap,
        window_length: Nanos::from_millis_f64(args.window_s * 1000.0)
            .filter(|w| *w > Nanos::ZERO)
            .ok_or_else(|| usage("--window-s must be a positive number of seconds"))?,
        ..pocket::sync::SyncOptions::default()
    };
    let window = args.window_ms.map(window_ms).transpose()?;
    let report = if let Some(chart_path) = &args.chart {
        let chart = formats::load_chart(chart_path, args.game.options(None)?)?;
        warn_all(&chart.warnings);
        let timing = Timing::custom(TimingPreset::Standard, window, None).map_err(timing_usage)?;
        let inputs: Vec<PlayerInput> = loaded
            .iter()
            .enumerate()
            .map(|(i, l)| PlayerInput {
                kit: l.kit.clone(),
                offsets: offsets[i],
                latency_profile: lat[i].profile().map(str::to_string),
                capture: l.capture.clone(),
                ..PlayerInput::new(r.names[i], &l.take)
            })
            .collect();
        let options = ScoreOptions {
            timing,
            detail: args.html.is_some(),
            ..ScoreOptions::default()
        }
        .with_lane_map(&chart_lanes(&LaneMap::new(), &r.names, &loaded)?);
        session::score_session(
            &chart,
            &chart_path.display().to_string(),
            &inputs,
            &options,
            &sync_options,
        )
        .0
    } else {
        let collapse = parse_ms("--collapse-ms", &args.collapse_ms.to_string())?;
        let player = |i: usize| session::SyncPlayer {
            name: r.names[i],
            take: &loaded[i].take,
            kit: &loaded[i].kit,
            offsets: offsets[i],
            latency_profile: lat[i].profile(),
        };
        let pairing = session::FreePairing {
            all_lanes: all,
            window,
            collapse,
        };
        let report = session::sync_without_chart([player(0), player(1)], &pairing, &sync_options);
        if !all && report.sync.as_ref().is_some_and(|s| s.pairs == 0) {
            eprintln!("{}", no_shared_lane_hint(&r.names, &loaded));
        }
        report
    };
    emit_with_html(&report, args.output.as_deref(), args.html.as_deref())
}

/// `--window-ms` of `sync`, checked like that of `score`: greater than 0, at most 2000 ms.
fn window_ms(ms: f64) -> Result<Nanos> {
    let w = parse_ms("--window-ms", &ms.to_string())?;
    if w <= Nanos::ZERO || w > Nanos::from_millis(2000) {
        return Err(timing_usage(score::TimingError::BadWindow));
    }
    Ok(w)
}

/// Why lane-by-lane pairing found nothing, and the flag for players whose instruments share
/// no lane (drums and keys).
fn no_shared_lane_hint(names: &[&str], loaded: &[LoadedTake]) -> String {
    let played: Vec<String> = names
        .iter()
        .zip(loaded)
        .map(|(name, l)| {
            let lanes: std::collections::BTreeSet<&str> =
                l.take.hits.iter().map(|h| h.lane.name()).collect();
            if lanes.is_empty() {
                format!("{name}: no drum hits (kit {})", l.kit)
            } else {
                format!(
                    "{name}: {}",
                    lanes.into_iter().collect::<Vec<_>>().join(", ")
                )
            }
        })
        .collect();
    format!(
        "hint: no onsets paired lane by lane ({}); for players whose instruments share no lane \
         (drums and keys), pool every note of each player with --lanes all",
        played.join("; ")
    )
}
