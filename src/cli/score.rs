//! `pocket score`: one or two players' takes against a chart, or every take in a folder
//! (`--takes`, see [`pocket::batch`]).

use super::args::{
    bootstrap_draws, chart_lanes, lane_conflict, load_take, parse_ms, roster, timing_usage,
    GameChartArgs, PlayerTuning,
};
use super::history::{remember, HistoryFlags};
use super::latency::latencies;
use super::output::{emit_with_html, warn_all};
use super::usage::usage;
use anyhow::{bail, Result};
use clap::Args;
use pocket::batch::{self, BatchError, BatchEvent, BatchSettings, BatchTake};
use pocket::formats::{self, LoadedTake};
use pocket::kit::LaneMap;
use pocket::lane::Lane;
use pocket::report::Report;
use pocket::score::{PlayerInput, ScoreOptions, Timing, TimingPreset};
use pocket::session;
use pocket::sync::SyncOptions;
use pocket::time::{format_seconds, parse_seconds, Nanos, Span};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ScoreArgs {
    #[arg(long, help = concat!("The chart: ", chart_formats!(), "."))]
    chart: PathBuf,
    /// A player and their take: NAME=TAKE. Give it once or twice; the first is player a.
    #[arg(
        long = "player",
        value_name = "NAME=TAKE",
        required_unless_present = "takes",
        conflicts_with = "takes"
    )]
    players: Vec<String>,
    /// Score every take in this folder (.mid, .midi, .jsonl, .txt) as one player each, named
    /// by the file stem; -o names the folder for one report per take and summary.csv.
    #[arg(long, value_name = "DIR")]
    takes: Option<PathBuf>,
    #[command(flatten)]
    tuning: PlayerTuning,
    /// Estimate one global offset per player (within ±2 s) and apply it.
    #[arg(long)]
    auto_align: bool,
    /// Timing preset: strict (±70 ms), standard (±117 ms), lax (±200 ms).
    #[arg(long, default_value = "standard")]
    timing: TimingPreset,
    /// Custom matching window in ms (tier edges scale with it unless --tiers-ms is given).
    #[arg(long, allow_negative_numbers = true)]
    window_ms: Option<f64>,
    /// Custom tier edges in ms: PERFECT,GREAT,GOOD (poor reaches to the window).
    #[arg(long, value_name = "P,G,G", allow_hyphen_values = true)]
    tiers_ms: Option<String>,
    /// Count articulation mismatches (open vs closed hi-hat, rim vs head) as misses.
    #[arg(long)]
    strict_articulation: bool,
    /// Lane rules for kits that do not match the chart, e.g. `merge:crash,crash2,splash,china`
    /// or `swap:ride,crash` (swaps apply to the takes only).
    #[arg(long = "lanes", value_name = "RULE")]
    lanes: Vec<String>,
    /// Score only the notes due from this many seconds into the chart on, against the hits
    /// played from then on.
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true)]
    from: Option<String>,
    /// Score only the notes due up to this many seconds into the chart, against the hits
    /// played up to then (a capture log that stopped early is scored up to its stop anyway).
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true)]
    until: Option<String>,
    /// Include every note -> hit pairing, tier and offset in the report.
    #[arg(long)]
    detail: bool,
    /// Leave the per-bar tables and per-note detail out of the JSON report (for batches);
    /// the report lists what it left out in settings.left_out.
    #[arg(long, conflicts_with_all = ["detail", "html"])]
    summary_only: bool,
    /// Bootstrap draws for the "who leads" verdict of two players (0 turns it off).
    #[arg(long, default_value_t = pocket::sync::DEFAULT_BOOTSTRAP, value_parser = bootstrap_draws)]
    bootstrap: usize,
    /// Write the JSON report here (`-` for stdout).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Also write the HTML page here (turns --detail on).
    #[arg(long, value_name = "FILE", conflicts_with = "takes")]
    html: Option<PathBuf>,
    /// MIDI channel of the drums in an SMF chart (1-16), or `all` [default: 10, or the
    /// --chart-kit's channel].
    #[arg(long)]
    chart_channel: Option<String>,
    #[command(flatten)]
    game: GameChartArgs,
    #[command(flatten)]
    history: HistoryFlags,
}

/// Scores the players (or the folder of takes) and writes the report.
pub fn score(args: ScoreArgs) -> Result<()> {
    if args.players.len() > 2 {
        return Err(usage("give --player once or twice"));
    }
    let channel = args
        .chart_channel
        .as_deref()
        .map(|c| ("--chart-channel", c));
    let database = args.history.database()?;
    let chart = formats::load_chart(&args.chart, args.game.options(channel)?)?;
    warn_all(&chart.warnings);

    let mut lane_map = LaneMap::new();
    for rule in &args.lanes {
        lane_map
            .add_str(rule)
            .map_err(|e| usage(format!("--lanes {rule:?}: {e}")))?;
    }

    let timing = custom_timing(&args)?;
    let options = ScoreOptions {
        timing,
        strict_articulation: args.strict_articulation,
        detail: args.detail || args.html.is_some(),
        span: given_span(&args)?,
        ..ScoreOptions::default()
    }
    .with_lane_map(&lane_map);
    let sync_options = SyncOptions {
        bootstrap: args.bootstrap,
        ..SyncOptions::default()
    };
    if let Some(dir) = &args.takes {
        return score_batch(&args, dir, &chart, &lane_map, &options, database.as_deref());
    }
    args.tuning.use_audio_kit()?;
    reuse_freed_blocks();
    let r = roster(&args.players, &args.tuning.kits, &args.tuning.offsets)?;

    let mut loaded: Vec<LoadedTake> = Vec::new();
    for (i, spec) in r.specs.iter().enumerate() {
        loaded.push(load_take(spec, r.kits[i].as_ref())?);
    }
    let mut options = options.with_lane_map(&chart_lanes(&lane_map, &r.names, &loaded)?);
    options.span = session::played_span(
        &chart,
        options.span,
        formats::stopped_at(&loaded),
        options.timing.window,
    );
    let warnings = formats::take_warnings(&loaded);
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let refs: Vec<&LoadedTake> = loaded.iter().collect();
    let lat = latencies(&r.names, &r.offsets, &args.tuning.latency_profiles, &refs)?;
    let inputs: Vec<PlayerInput> = loaded
        .iter()
        .enumerate()
        .map(|(i, l)| PlayerInput {
            name: r.names[i].to_string(),
            take: &l.take,
            kit: l.kit.clone(),
            offsets: lat[i].offsets,
            lane_swap: Lane::ALL.map(|lane| lane_map.apply(lane)),
            auto_align: args.auto_align,
            latency_profile: lat[i].profile().map(str::to_string),
            capture: l.capture.clone(),
        })
        .collect();
    let mut report = session::score_session_report(
        &chart,
        &args.chart.display().to_string(),
        &inputs,
        &options,
        &sync_options,
    );
    report.warnings.extend(warnings);
    report.settings.audio = formats::backing_audio(&loaded);
    pocket::identity::note_file(report.chart.as_mut(), &args.chart);
    let left_out = args
        .summary_only
        .then(|| report.leave_out_bars_and_detail());
    emit_with_html(&report, args.output.as_deref(), args.html.as_deref())?;
    if let Some(left_out) = left_out {
        // The practice history reads the whole report (its chart tempo comes from the bars).
        report.put_back(left_out);
    }
    if let Some(file) = args.output.as_deref().filter(|p| *p != Path::new("-")) {
        remember(database.as_deref(), &[(&report, file)]);
    }
    Ok(())
}

/// Has glibc's allocator keep freed memory for the next blocks instead of giving it back to
/// the system: a block of up to 32 MiB (its largest setting) comes from the heap rather than
/// from a mapping of its own, and the heap is not trimmed. Every page the system hands out is
/// zeroed and faulted in on first touch (about 2.5 µs a page here), and a million-onset run
/// frees tables (the matcher's note times, the hit tables) that later ones (the sorted
/// offsets, the per-bar rows) can reuse: 20 % fewer page faults, the same peak
/// (docs/performance.md, fifth round).
fn reuse_freed_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters, under the allocator's own lock.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 * 1024 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
    }
}

/// `score --takes DIR -o OUTDIR`: every take in DIR scored alone, one report per take and a
/// summary table (printed and written as OUTDIR/summary.csv).
fn score_batch(
    args: &ScoreArgs,
    dir: &Path,
    chart: &pocket::Chart,
    lane_map: &LaneMap,
    options: &ScoreOptions,
    database: Option<&Path>,
) -> Result<()> {
    let out_dir = args
        .output
        .as_deref()
        .filter(|p| *p != Path::new("-"))
        .ok_or_else(|| usage("--takes needs -o OUTDIR: the folder for one report per take"))?;
    let files = batch::take_files(dir)?;
    let chart_source = args.chart.display().to_string();
    let settings = BatchSettings {
        chart,
        chart_source: &chart_source,
        lane_map,
        options,
        auto_align: args.auto_align,
    };
    let progress = std::io::stderr().is_terminal();
    let chart_file = pocket::identity::file_sha256(&args.chart).ok();
    let mut scored: Vec<Report> = Vec::new();
    let outcome = batch::score_folder(
        &files,
        out_dir,
        args.summary_only,
        |file, name| {
            let mut report = score_one_take(&args.tuning, &settings, file, name)?;
            if let Some(c) = report.chart.as_mut() {
                c.file_sha256.clone_from(&chart_file);
            }
            Ok::<_, anyhow::Error>(report)
        },
        |event| match event {
            BatchEvent::Scoring { index, total, name } if progress => {
                progress_bar(index, total, name)
            }
            BatchEvent::Scoring { .. } => {}
            BatchEvent::Written { report, .. } => scored.push(report.clone()),
            BatchEvent::Failed(failure) => {
                if progress {
                    eprint!("\r\x1b[2K");
                }
                eprintln!("pocket: {failure}");
            }
        },
    )?;
    if progress {
        eprint!("\r\x1b[2K");
    }
    // One row per report written, in order: the whole batch in one transaction.
    let written: Vec<(&Report, &Path)> = scored
        .iter()
        .zip(&outcome.rows)
        .map(|(r, row)| (r, Path::new(&row.report)))
        .collect();
    remember(database, &written);
    print!("{}", batch::table(&outcome.rows));
    println!(
        "\n{} reports and {} written to {}",
        outcome.rows.len(),
        batch::SUMMARY_CSV,
        out_dir.display()
    );
    if !outcome.failed.is_empty() {
        bail!(
            "{} of {} takes could not be scored (see above)",
            outcome.failed.len(),
            files.len()
        );
    }
    Ok(())
}

/// One take of a batch, read with the kit, offsets and latency profile given for every take
/// or for this take's name (its file stem), then scored.
fn score_one_take(
    tuning: &PlayerTuning,
    settings: &BatchSettings,
    file: &Path,
    name: &str,
) -> Result<Report> {
    let for_take = |flags: &[String], all: bool| -> Vec<String> {
        flags
            .iter()
            .filter(|f| f.split_once('=').map_or(all, |(n, _)| n == name))
            .cloned()
            .collect()
    };
    let kits = for_take(&tuning.kits, true);
    let offsets = for_take(&tuning.offsets, false);
    let spec = [format!("{name}={}", file.display())];
    let r = roster(&spec, &kits, &offsets)?;
    let loaded = load_take(r.specs[0], r.kits[0].as_ref())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let profiles = for_take(&tuning.latency_profiles, true);
    let lat = latencies(&r.names, &r.offsets, &profiles, &[&loaded])?;
    let take = BatchTake {
        name,
        loaded: &loaded,
        offsets: lat[0].offsets,
        latency_profile: lat[0].profile(),
    };
    batch::score_take(settings, &take).map_err(|e| match e {
        BatchError::LaneRules {
            player,
            kit,
            source,
        } => lane_conflict(&player, &kit, &source),
        e => e.into(),
    })
}

/// A hand-drawn progress bar on stderr: `[#####.....] 3/10 name`.
fn progress_bar(done: usize, total: usize, name: &str) {
    const WIDTH: usize = 28;
    let filled = (done * WIDTH) / total.max(1);
    let name: String = name.chars().take(40).collect();
    eprint!(
        "\r\x1b[2K[{}{}] {}/{} {name}",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        done + 1,
        total
    );
    let _ = std::io::stderr().flush();
}

/// The span given with `--from` and `--until`, in seconds from the chart's start.
fn given_span(args: &ScoreArgs) -> Result<Span> {
    let secs = |flag: &str, text: &Option<String>| -> Result<Option<Nanos>> {
        let Some(text) = text else { return Ok(None) };
        match parse_seconds(text.trim()) {
            Some(t) if t >= Nanos::ZERO => Ok(Some(t)),
            _ => Err(usage(format!(
                "{flag} {text:?}: give seconds from the chart's start, 0 or more (e.g. {flag} 20)"
            ))),
        }
    };
    let span = Span {
        from: secs("--from", &args.from)?,
        until: secs("--until", &args.until)?,
    };
    if let (Some(f), Some(u)) = (span.from, span.until) {
        if f >= u {
            return Err(usage(format!(
                "--from {} is not before --until {}: the span would hold no notes",
                format_seconds(f),
                format_seconds(u)
            )));
        }
    }
    Ok(span)
}

/// The matching window and tier edges: a preset, or `--window-ms` and `--tiers-ms`.
fn custom_timing(args: &ScoreArgs) -> Result<Timing> {
    let window = args
        .window_ms
        .map(|w| parse_ms("--window-ms", &w.to_string()))
        .transpose()?;
    let edges = match &args.tiers_ms {
        Some(text) => {
            let v: Vec<Nanos> = text
                .split(',')
                .map(|s| parse_ms("--tiers-ms", s))
                .collect::<Result<_>>()?;
            let arr: [Nanos; 3] = v.try_into().map_err(|_| {
                usage("--tiers-ms takes three edges: PERFECT,GREAT,GOOD (e.g. 34,67,84)")
            })?;
            Some(arr)
        }
        None => None,
    };
    Timing::custom(args.timing, window, edges).map_err(timing_usage)
}
