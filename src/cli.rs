//! Command-line interface of the `pocket` binary (not part of the library): argument types and
//! one function per command. Data goes to stdout, diagnostics to stderr.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use pocket::formats::{self, smf::SmfChartOptions, LoadedTake};
use pocket::kit::{KitMap, LaneMap};
use pocket::lane::Lane;
use pocket::report::Report;
use pocket::score::{self, Offsets, PlayerInput, ScoreOptions, Timing, TimingPreset};
use pocket::time::Nanos;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Every chart format pocket reads, for the help of the `--chart` flags.
macro_rules! chart_formats {
    () => {
        "pocket chart JSON, Standard MIDI File, Rock Band/Clone Hero/YARG .mid or song folder, \
         Clone Hero .chart, DTXMania .dtx, or onset list"
    };
}

/// A mistake in the command line (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// Scores drummers on electronic kits: against a chart, and against each other.
#[derive(Debug, Parser)]
#[command(name = "pocket", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Score the bundled two-player demo and write demo-report.json and demo-report.html.
    Demo {
        /// Directory to write demo-report.json and demo-report.html into.
        #[arg(short, long, default_value = ".")]
        output: PathBuf,
        /// Also write the HTML page here.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// Turn a JSON report made with --detail into a self-contained HTML page.
    Report {
        /// The JSON report (`-` for stdin).
        report: PathBuf,
        /// The HTML file to write (`-` for stdout).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Score one or two players' takes against a chart.
    Score(ScoreArgs),
    /// How together two players were: with a chart (shared notes) or without (hits paired
    /// with each other).
    Sync(SyncArgs),
    /// Inspect charts.
    Chart {
        #[command(subcommand)]
        command: ChartCommand,
    },
    /// Inspect takes.
    Take {
        #[command(subcommand)]
        command: TakeCommand,
    },
    /// List kit profiles, or show one.
    Kits {
        #[command(subcommand)]
        command: Option<KitsCommand>,
    },
    /// List MIDI inputs (kits) and outputs by stable name, with a suggested kit profile.
    Devices {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Play live against a chart: capture one or two kits, judge each hit as it lands, and
    /// write the capture log, the report and the takes to a session directory.
    Live(LiveArgs),
    /// Capture one or more kits without a chart (for chart-free sync or later scoring).
    Record(RecordArgs),
    /// Measure a kit's latency (with its player in it) and suggest offsets: from a take played
    /// against a chart, or from quarter notes tapped with a click; save them as a latency
    /// profile.
    Calibrate(CalibrateArgs),
    /// Write a click track (WAV) that follows a chart's tempo map and time signatures.
    Click(ClickArgs),
    /// Render one or two players' takes as a stereo WAV: the first on the left, the second on
    /// the right, the chart optionally in the centre.
    Render(RenderArgs),
}

#[derive(Debug, Subcommand)]
enum ChartCommand {
    /// Title, duration, tempo changes, sections and notes per lane of a chart in any format.
    Show {
        /// Chart file (.json, .mid, .chart, .dtx, .txt) or song folder.
        file: PathBuf,
        /// MIDI channel of the drums in an SMF chart (1-16), or `all`.
        #[arg(long, default_value = "10")]
        channel: String,
        #[command(flatten)]
        game: GameChartArgs,
    },
    /// Convert a chart in any format to pocket chart JSON (.json) or a General MIDI file (.mid).
    Convert {
        /// Chart file (.json, .mid, .chart, .dtx, .txt) or song folder.
        file: PathBuf,
        /// Output file: .json for pocket chart JSON, .mid for a Standard MIDI File (`-`: JSON
        /// on stdout).
        #[arg(short, long)]
        output: PathBuf,
        /// MIDI channel of the drums in an SMF chart (1-16), or `all`.
        #[arg(long, default_value = "10")]
        channel: String,
        #[command(flatten)]
        game: GameChartArgs,
    },
}

/// Options for rhythm-game charts (Rock Band / Clone Hero / YARG .mid and .chart).
#[derive(Debug, Clone, Args)]
struct GameChartArgs {
    /// Difficulty of a rhythm-game chart: expert, hard, medium or easy.
    #[arg(long, default_value = "expert")]
    difficulty: formats::Difficulty,
    /// Read Expert+ double-kick gems (note 95, N 32) as kicks.
    #[arg(long)]
    double_kick: bool,
}

impl GameChartArgs {
    fn options(&self, smf: SmfChartOptions) -> formats::ChartLoadOptions {
        formats::ChartLoadOptions {
            smf,
            difficulty: self.difficulty,
            double_kick: self.double_kick,
        }
    }
}

#[derive(Debug, Subcommand)]
enum TakeCommand {
    /// Duration, hits per lane, velocity range and filtered events of a take in any format.
    Show {
        /// Take file (.mid, .jsonl capture log, .txt onset list), optionally FILE#channel=N,
        /// FILE#track=N or FILE#player=NAME.
        file: String,
        /// Kit profile name or kit map JSON file.
        #[arg(long)]
        kit: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum KitsCommand {
    /// Print a kit profile's note map.
    Show {
        /// Profile name or kit map JSON file (a file is checked and printed).
        name: String,
    },
}

/// Per-player kit and latency flags, shared by every command that reads players' takes.
#[derive(Debug, Args)]
struct PlayerTuning {
    /// Kit profile or kit map file for every player (PROFILE), or for one (NAME=PROFILE).
    #[arg(long = "kit", value_name = "[NAME=]PROFILE")]
    kits: Vec<String>,
    /// Latency offset in ms subtracted from a player's hits: NAME=MS, or NAME=HANDS,FEET.
    /// Positive means that kit or player is late; it overrides any latency profile.
    #[arg(
        long = "offset-ms",
        value_name = "NAME=MS[,FEET_MS]",
        allow_hyphen_values = true
    )]
    offsets: Vec<String>,
    /// Latency profile (saved by `pocket calibrate`) for every player (PROFILE) or for one
    /// (NAME=PROFILE). Without it, a take or port whose kit has a saved profile gets it.
    #[arg(long = "latency-profile", value_name = "[NAME=]PROFILE")]
    latency_profiles: Vec<String>,
}

#[derive(Debug, Args)]
struct ScoreArgs {
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
    #[arg(long)]
    window_ms: Option<f64>,
    /// Custom tier edges in ms: PERFECT,GREAT,GOOD (poor reaches to the window).
    #[arg(long, value_name = "P,G,G")]
    tiers_ms: Option<String>,
    /// Count articulation mismatches (open vs closed hi-hat, rim vs head) as misses.
    #[arg(long)]
    strict_articulation: bool,
    /// Lane rules for kits that do not match the chart, e.g. `merge:crash,crash2,splash,china`
    /// or `swap:ride,crash` (swaps apply to the takes only).
    #[arg(long = "lanes", value_name = "RULE")]
    lanes: Vec<String>,
    /// Include every note -> hit pairing, tier and offset in the report.
    #[arg(long)]
    detail: bool,
    /// Bootstrap draws for the "who leads" verdict of two players (0 turns it off).
    #[arg(long, default_value_t = pocket::sync::DEFAULT_BOOTSTRAP)]
    bootstrap: usize,
    /// Write the JSON report here (`-` for stdout).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Also write the HTML page here (turns --detail on).
    #[arg(long, value_name = "FILE", conflicts_with = "takes")]
    html: Option<PathBuf>,
    /// MIDI channel of the drums in an SMF chart (1-16), or `all`.
    #[arg(long, default_value = "10")]
    chart_channel: String,
    #[command(flatten)]
    game: GameChartArgs,
}

#[derive(Debug, Args)]
struct SyncArgs {
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
    #[arg(long)]
    window_ms: Option<f64>,
    /// Onsets of one player closer than this (ms) are one onset with `--lanes all`.
    #[arg(long, default_value = "15")]
    collapse_ms: f64,
    /// Length in seconds of the windows used for per-"bar" figures without a chart.
    #[arg(long, default_value = "4")]
    window_s: f64,
    /// Bootstrap draws for the leader verdict.
    #[arg(long, default_value_t = pocket::sync::DEFAULT_BOOTSTRAP)]
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

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Demo { output, html } => demo(&output, html.as_deref()),
        Command::Report { report, output } => report_cmd(&report, &output),
        Command::Score(args) => score_cmd(args),
        Command::Sync(args) => sync_cmd(args),
        Command::Chart {
            command:
                ChartCommand::Show {
                    file,
                    channel,
                    game,
                },
        } => chart_show(&file, &channel, &game),
        Command::Chart {
            command:
                ChartCommand::Convert {
                    file,
                    output,
                    channel,
                    game,
                },
        } => chart_convert(&file, &output, &channel, &game),
        Command::Take {
            command: TakeCommand::Show { file, kit },
        } => take_show(&file, kit.as_deref()),
        Command::Kits { command: None } => {
            for (name, desc) in pocket::kit::PROFILES {
                println!("{name:<14} {desc}");
            }
            Ok(())
        }
        Command::Kits {
            command: Some(KitsCommand::Show { name }),
        } => {
            let kit = formats::load_kit(&name)?;
            print!("{}", kit.describe());
            Ok(())
        }
        Command::Devices { json } => live_cli::devices(json),
        Command::Live(args) => live_cli::live(args),
        Command::Record(args) => live_cli::record(args),
        Command::Calibrate(args) => audio_cli::calibrate(args),
        Command::Click(args) => audio_cli::click(args),
        Command::Render(args) => audio_cli::render(args),
    }
}

fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").map_or(true, |v| v.is_empty())
}

fn smf_chart_options(flag: &str, channel: &str) -> Result<SmfChartOptions> {
    use pocket::formats::smf::ChannelFilter;
    let channels = if channel == "all" {
        ChannelFilter::All
    } else {
        match channel.parse::<u8>() {
            Ok(c @ 1..=16) => ChannelFilter::Only(c),
            _ => return Err(usage(format!("{flag} {channel:?}: use 1-16 or all"))),
        }
    };
    Ok(SmfChartOptions {
        channels,
        ..SmfChartOptions::default()
    })
}

fn split_named<'a>(flag: &str, text: &'a str) -> Result<(&'a str, &'a str)> {
    text.split_once('=')
        .filter(|(n, v)| !n.is_empty() && !v.is_empty())
        .ok_or_else(|| usage(format!("{flag} {text:?}: expected NAME=VALUE")))
}

fn parse_ms(flag: &str, s: &str) -> Result<Nanos> {
    s.trim()
        .parse::<f64>()
        .ok()
        .and_then(Nanos::from_millis_f64)
        .ok_or_else(|| usage(format!("{flag}: {s:?} is not a number of milliseconds")))
}

fn score_cmd(args: ScoreArgs) -> Result<()> {
    if args.players.len() > 2 {
        return Err(usage("give --player once or twice"));
    }
    let chart = formats::load_chart(
        &args.chart,
        args.game
            .options(smf_chart_options("--chart-channel", &args.chart_channel)?),
    )?;

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
        sync: pocket::sync::SyncOptions {
            bootstrap: args.bootstrap,
            ..pocket::sync::SyncOptions::default()
        },
        ..ScoreOptions::default()
    }
    .with_lane_map(&lane_map);
    if let Some(dir) = &args.takes {
        return score_batch(&args, dir, &chart, &lane_map, &options);
    }
    let r = roster(&args.players, &args.tuning.kits, &args.tuning.offsets)?;

    let mut loaded: Vec<LoadedTake> = Vec::new();
    for (i, spec) in r.specs.iter().enumerate() {
        loaded.push(load_take(spec, r.kits[i].as_ref())?);
    }
    let options = options.with_lane_map(&chart_lanes(&lane_map, &r.names, &loaded)?);
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
        })
        .collect();
    let (mut report, _) =
        score::score_session(&chart, &args.chart.display().to_string(), &inputs, &options);
    audio_cli::note_profiles(&mut report, &lat);
    emit_with_html(&report, args.output.as_deref(), args.html.as_deref())
}

/// The lane rules for the chart: those given with `--lanes`, plus every merge of the players'
/// kit maps (a kit's merges were applied to its take; merged hits must find merged notes).
fn chart_lanes(cli: &LaneMap, names: &[&str], loaded: &[LoadedTake]) -> Result<LaneMap> {
    formats::chart_lane_map(cli, loaded).map_err(|(i, e)| {
        usage(format!(
            "{}'s kit ({}) merges lanes in a way that conflicts with --lanes: {e}",
            names.get(i).copied().unwrap_or("a player"),
            loaded[i].kit
        ))
    })
}

/// [`emit`], then the HTML page when asked, saying so on stdout (stderr when stdout carries
/// the JSON).
fn emit_with_html(report: &Report, json: Option<&Path>, html: Option<&Path>) -> Result<()> {
    if html == Some(Path::new("-")) {
        return Err(usage(
            "--html needs a file name (the summary goes to stdout); `pocket report REPORT.json -o -` prints a page",
        ));
    }
    // Files first: if stdout's reader goes away while the summary prints, nothing is lost.
    if let Some(path) = html {
        write_html(report, path)?;
    }
    emit(report, json)?;
    if let Some(path) = html {
        if json == Some(Path::new("-")) {
            eprintln!("HTML report written to {}", path.display());
        } else {
            println!("HTML report written to {}", path.display());
        }
    }
    Ok(())
}

/// A take file `score --takes` picks up.
fn is_take_file(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    path.is_file() && matches!(ext.as_deref(), Some("mid" | "midi" | "jsonl" | "txt"))
}

/// `score --takes DIR -o OUTDIR`: every take in DIR scored alone, one report per take and a
/// summary table (printed and written as OUTDIR/summary.csv).
fn score_batch(
    args: &ScoreArgs,
    dir: &Path,
    chart: &pocket::Chart,
    lane_map: &LaneMap,
    options: &ScoreOptions,
) -> Result<()> {
    let out_dir = args
        .output
        .as_deref()
        .filter(|p| *p != Path::new("-"))
        .ok_or_else(|| usage("--takes needs -o OUTDIR: the folder for one report per take"))?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the folder {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_take_file(p))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!(
            "{}: no take files (.mid, .midi, .jsonl, .txt) in this folder",
            dir.display()
        );
    }
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let progress = std::io::stderr().is_terminal();
    let mut rows: Vec<BatchRow> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    for (k, file) in files.iter().enumerate() {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if progress {
            progress_bar(k, files.len(), &stem);
        }
        match score_one_take(args, file, &stem, chart, lane_map, options) {
            Ok(report) => {
                let path = out_dir.join(format!("{stem}.json"));
                write_file(&path, report.to_json().as_bytes())?;
                if let Some(p) = report.players.first() {
                    rows.push(BatchRow::of(p, &path));
                }
            }
            Err(e) => {
                if progress {
                    eprint!("\r\x1b[2K");
                }
                let msg = format!("{e:#}");
                if msg.contains(&file.display().to_string()) {
                    eprintln!("pocket: {msg}");
                } else {
                    eprintln!("pocket: {}: {msg}", file.display());
                }
                failed.push(file.display().to_string());
            }
        }
    }
    if progress {
        eprint!("\r\x1b[2K");
    }
    let csv = out_dir.join("summary.csv");
    write_file(&csv, batch_csv(&rows).as_bytes())?;
    print!("{}", batch_table(&rows));
    println!(
        "\n{} reports and summary.csv written to {}",
        rows.len(),
        out_dir.display()
    );
    if !failed.is_empty() {
        bail!(
            "{} of {} takes could not be scored (see above)",
            failed.len(),
            files.len()
        );
    }
    Ok(())
}

fn score_one_take(
    args: &ScoreArgs,
    file: &Path,
    stem: &str,
    chart: &pocket::Chart,
    lane_map: &LaneMap,
    options: &ScoreOptions,
) -> Result<Report> {
    // Kits and offsets: those for everyone, and those named after this take's stem.
    let kits: Vec<String> = args
        .tuning
        .kits
        .iter()
        .filter(|k| k.split_once('=').map_or(true, |(n, _)| n == stem))
        .cloned()
        .collect();
    let offsets: Vec<String> = args
        .tuning
        .offsets
        .iter()
        .filter(|o| o.split_once('=').is_some_and(|(n, _)| n == stem))
        .cloned()
        .collect();
    let spec = [format!("{stem}={}", file.display())];
    let r = roster(&spec, &kits, &offsets)?;
    let loaded = load_take(r.specs[0], r.kits[0].as_ref())?;
    let profiles: Vec<String> = args
        .tuning
        .latency_profiles
        .iter()
        .filter(|p| p.split_once('=').map_or(true, |(n, _)| n == stem))
        .cloned()
        .collect();
    let lat = latencies(&r.names, &r.offsets, &profiles, &[&loaded])?;
    let input = PlayerInput {
        name: stem.to_string(),
        take: &loaded.take,
        kit: loaded.kit.clone(),
        offsets: lat[0].offsets,
        lane_swap: Lane::ALL.map(|lane| lane_map.apply(lane)),
        auto_align: args.auto_align,
    };
    let options = options.clone().with_lane_map(&chart_lanes(
        lane_map,
        &[stem],
        std::slice::from_ref(&loaded),
    )?);
    let (mut report, _) = score::score_session(
        chart,
        &args.chart.display().to_string(),
        std::slice::from_ref(&input),
        &options,
    );
    audio_cli::note_profiles(&mut report, &lat);
    Ok(report)
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

/// One line of the batch summary.
struct BatchRow {
    name: String,
    notes: usize,
    matched: usize,
    misses: usize,
    extras: usize,
    accuracy_pct: Option<f64>,
    f_measure: Option<f64>,
    mean_ms: Option<f64>,
    sd_ms: Option<f64>,
    points_pct: Option<f64>,
    report: String,
}

impl BatchRow {
    fn of(p: &pocket::report::PlayerReport, path: &Path) -> BatchRow {
        BatchRow {
            name: p.name.clone(),
            notes: p.notes,
            matched: p.matched,
            misses: p.misses,
            extras: p.extras,
            accuracy_pct: p.accuracy_pct,
            f_measure: p.f_measure,
            mean_ms: p.offset_ms.mean,
            sd_ms: p.offset_ms.sd,
            points_pct: p.points.pct,
            report: path.display().to_string(),
        }
    }
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.filter(|v| v.is_finite())
        .map(|v| format!("{v:.decimals$}"))
        .unwrap_or_else(|| "-".into())
}

fn batch_table(rows: &[BatchRow]) -> String {
    let w = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut s = format!(
        "{:<w$}  {:>6} {:>8} {:>7} {:>6} {:>9} {:>9} {:>16} {:>8}\n",
        "take",
        "notes",
        "matched",
        "missed",
        "extra",
        "accuracy",
        "F-measure",
        "offset (ms)",
        "points"
    );
    for r in rows {
        let offset = match (r.mean_ms, r.sd_ms) {
            (Some(m), Some(sd)) => format!("{m:+.1} ± {sd:.1}"),
            (Some(m), None) => format!("{m:+.1}"),
            _ => "-".into(),
        };
        s.push_str(&format!(
            "{:<w$}  {:>6} {:>8} {:>7} {:>6} {:>9} {:>9} {:>16} {:>8}\n",
            r.name,
            r.notes,
            r.matched,
            r.misses,
            r.extras,
            format!("{} %", opt(r.accuracy_pct, 1)),
            opt(r.f_measure, 3),
            offset,
            format!("{} %", opt(r.points_pct, 1))
        ));
    }
    s
}

/// The batch summary as CSV (RFC 4180 quoting; empty cells for missing figures).
fn batch_csv(rows: &[BatchRow]) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let cell = |v: Option<f64>| {
        v.filter(|v| v.is_finite())
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    let mut s = String::from(
        "take,notes,matched,misses,extras,accuracy_pct,f_measure,offset_mean_ms,offset_sd_ms,points_pct,report\n",
    );
    for r in rows {
        s.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{}\n",
            quote(&r.name),
            r.notes,
            r.matched,
            r.misses,
            r.extras,
            cell(r.accuracy_pct),
            cell(r.f_measure),
            cell(r.mean_ms),
            cell(r.sd_ms),
            cell(r.points_pct),
            quote(&r.report)
        ));
    }
    s
}

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

/// A [`score::TimingError`] as a usage error that names its flag once.
fn timing_usage(e: score::TimingError) -> anyhow::Error {
    match e {
        // The message starts with the flag already.
        score::TimingError::BadWindow => usage(e.to_string()),
        score::TimingError::BadTiers { .. } => usage(format!("--tiers-ms: {e}")),
    }
}

/// `--window-ms` of `sync`, checked like that of `score`: greater than 0, at most 2000 ms.
fn window_ms(ms: f64) -> Result<Nanos> {
    let w = parse_ms("--window-ms", &ms.to_string())?;
    if w <= Nanos::ZERO || w > Nanos::from_millis(2000) {
        return Err(timing_usage(score::TimingError::BadWindow));
    }
    Ok(w)
}

/// [`formats::load_take`], refusing `#player=` on a take that is not a capture log (where it
/// would pick nothing and be ignored).
fn load_take(spec: &str, kit: Option<&KitMap>) -> Result<LoadedTake> {
    check_player_selector(spec)?;
    Ok(formats::load_take(spec, kit)?)
}

/// `#player=NAME` picks a player of a capture log; a MIDI file or onset list has no names.
fn check_player_selector(spec: &str) -> Result<()> {
    use pocket::error::{InputError, InputErrorKind, Place};
    let Ok(formats::TakeSpec {
        path,
        player: Some(_),
        ..
    }) = formats::TakeSpec::parse(spec)
    else {
        return Ok(());
    };
    let format = formats::detect(&path)?;
    if format == formats::Format::CaptureLog {
        return Ok(());
    }
    Err(InputError::new(
        &path,
        Place::File,
        InputErrorKind::Malformed(format!(
            "#player=NAME picks a player of a capture log, but this is a {}; pick a player of a \
             MIDI file with #channel=N or #track=N",
            format.name()
        )),
    )
    .into())
}

/// Prints the summary to stdout (or stderr when the JSON goes to stdout) and writes the JSON.
fn emit(report: &Report, output: Option<&Path>) -> Result<()> {
    let json = report.to_json();
    match output {
        Some(p) if p == Path::new("-") => {
            eprint!("{}", pocket::summary::render(report, false));
            std::io::stdout().write_all(json.as_bytes())?;
        }
        Some(p) => {
            // The file first: if stdout's reader goes away while the summary prints, nothing is lost.
            write_file(p, json.as_bytes())?;
            print!("{}", pocket::summary::render(report, color_stdout()));
            println!("\nreport written to {}", p.display());
        }
        None => print!("{}", pocket::summary::render(report, color_stdout())),
    }
    Ok(())
}

/// Writes a file through a temporary sibling and a rename, so a crash never leaves half a report.
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn demo(output: &Path, html: Option<&Path>) -> Result<()> {
    let demo = pocket::demo::Demo::load()?;
    let inputs = demo.players();
    // Scored once with detail for the page; the JSON is the same report without detail.
    let options = ScoreOptions {
        detail: true,
        ..ScoreOptions::default()
    };
    let (detailed, _) = score::score_session(&demo.chart, "demo", &inputs, &options);
    let mut report = detailed.clone();
    report.settings.detail = false;
    for p in &mut report.players {
        p.detail = None;
    }
    if !output.is_dir() {
        std::fs::create_dir_all(output)
            .with_context(|| format!("cannot create {}", output.display()))?;
    }
    // Files first: if stdout's reader goes away while the summary prints, nothing is lost.
    let path = output.join("demo-report.json");
    write_file(&path, report.to_json().as_bytes())?;
    let page = output.join("demo-report.html");
    let pages: Vec<&Path> = std::iter::once(page.as_path()).chain(html).collect();
    for p in &pages {
        write_html(&detailed, p)?;
    }
    print!("{}", pocket::summary::render(&report, color_stdout()));
    println!("\nreport written to {}", path.display());
    for p in pages {
        println!("HTML report written to {}", p.display());
    }
    Ok(())
}

/// Writes the HTML page of a report made with detail.
fn write_html(report: &Report, path: &Path) -> Result<()> {
    if path == Path::new("-") {
        return Err(usage(
            "--html needs a file name (the summary goes to stdout); `pocket report REPORT.json -o -` prints a page",
        ));
    }
    let page = pocket::html::render(report)?;
    write_file(path, page.as_bytes())
}

fn report_cmd(input: &Path, output: &Path) -> Result<()> {
    let text = if input == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("cannot read the report from stdin")?
    } else {
        std::fs::read_to_string(input)
            .with_context(|| format!("cannot read {}", input.display()))?
    };
    let report = Report::from_json(&text).with_context(|| {
        format!(
            "{}: not a pocket JSON report (made by `pocket score`, `sync` or `demo` with -o)",
            input.display()
        )
    })?;
    let page = pocket::html::render(&report).map_err(|e| match e {
        pocket::html::HtmlError::NoDetail { players } => anyhow::anyhow!(
            "{}: the report has no per-note detail for {}: the HTML page plots every note; make \
             the report again with `pocket score --detail` (or `score --html FILE`), or with \
             `pocket sync --chart ... --html FILE`",
            input.display(),
            players.join(", ")
        ),
        e => anyhow::Error::new(e).context(input.display().to_string()),
    })?;
    if output == Path::new("-") {
        std::io::stdout().write_all(page.as_bytes())?;
    } else {
        write_file(output, page.as_bytes())?;
        println!("HTML report written to {}", output.display());
    }
    Ok(())
}

fn chart_convert(file: &Path, output: &Path, channel: &str, game: &GameChartArgs) -> Result<()> {
    let chart = formats::load_chart(file, game.options(smf_chart_options("--channel", channel)?))?;
    let ext = output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let bytes = match ext.as_deref() {
        _ if output == Path::new("-") => {
            print!("{}", formats::chart_json::write_chart(&chart));
            return Ok(());
        }
        Some("json") => formats::chart_json::write_chart(&chart).into_bytes(),
        Some("mid" | "midi") => formats::smf::write_chart(&chart, None),
        _ => {
            return Err(usage(format!(
                "-o {}: the output must end in .json (pocket chart) or .mid (Standard MIDI File)",
                output.display()
            )))
        }
    };
    write_file(output, &bytes)?;
    eprintln!(
        "{}: {} notes written to {}",
        file.display(),
        chart.notes.len(),
        output.display()
    );
    Ok(())
}

fn chart_show(file: &Path, channel: &str, game: &GameChartArgs) -> Result<()> {
    let chart = formats::load_chart(file, game.options(smf_chart_options("--channel", channel)?))?;
    let map = &chart.tempo_map;
    let i = &chart.info;
    println!(
        "{}",
        if i.title.is_empty() {
            "(untitled)"
        } else {
            &i.title
        }
    );
    for (k, v) in [
        ("artist", &i.artist),
        ("charter", &i.charter),
        ("source", &i.source),
    ] {
        if !v.is_empty() {
            println!("  {k:<9} {v}");
        }
    }
    let d = chart.duration().as_secs_f64();
    let bars = chart
        .notes
        .last()
        .map(|n| map.position(n.tick).bar)
        .unwrap_or(0);
    let notes = chart.notes.len();
    println!(
        "  duration  {}:{:05.2} ({bars} bar{}, {notes} note{}, resolution {} PPQ)",
        (d / 60.0).floor(),
        d % 60.0,
        if bars == 1 { "" } else { "s" },
        if notes == 1 { "" } else { "s" },
        map.ppq()
    );
    println!("tempo");
    for t in map.tempos() {
        println!(
            "  {:>10}  {:>8.3} BPM  at {}",
            map.position(t.tick).to_string(),
            t.tempo.bpm(),
            t.time
        );
    }
    println!("time signatures");
    for s in map.signatures() {
        println!("  bar {:>4}  {}", s.bar, s.signature);
    }
    if !chart.sections.is_empty() {
        println!("sections");
        for s in &chart.sections {
            println!(
                "  {:>10}  {:>9}  {}",
                map.position(s.tick).to_string(),
                s.time.to_string(),
                s.name
            );
        }
    }
    println!("notes per lane");
    for (lane, n) in chart.notes_per_lane() {
        println!("  {:<12} {n}", lane.name());
    }
    Ok(())
}

fn take_show(spec: &str, kit: Option<&str>) -> Result<()> {
    let kit = kit.map(formats::load_kit).transpose()?;
    let loaded = load_take(spec, kit.as_ref())?;
    let t = &loaded.take;
    println!("{} ({}, kit {})", spec, loaded.format.name(), loaded.kit);
    match t.span() {
        Some((a, b)) => println!(
            "  {} hits from {} to {} ({:.1} s)",
            t.hits.len(),
            a,
            b,
            (b - a).as_secs_f64()
        ),
        None => println!("  no hits"),
    }
    if let (Some(lo), Some(hi)) = (
        t.hits.iter().map(|h| h.velocity).min(),
        t.hits.iter().map(|h| h.velocity).max(),
    ) {
        println!("  velocity {lo}..{hi}");
    }
    println!("hits per lane");
    for (lane, n) in t.hits_per_lane() {
        println!("  {:<12} {n}", lane.name());
    }
    if !t.pedal.is_empty() || !t.chokes.is_empty() {
        println!(
            "  hi-hat pedal readings {}, cymbal chokes {}",
            t.pedal.len(),
            t.chokes.len()
        );
    }
    if !t.filtered.is_empty() {
        println!("filtered (not counted as errors)");
        let mut by: std::collections::BTreeMap<&str, usize> = Default::default();
        for f in &t.filtered {
            *by.entry(f.reason.name()).or_default() += 1;
        }
        for (reason, n) in by {
            println!("  {reason:<22} {n}");
        }
    }
    if t.hits.is_empty() && t.filtered.is_empty() {
        bail!("{spec}: the take holds no drum hits; check --kit and the file's channel");
    }
    Ok(())
}

/// Players named on the command line with their kits and offsets.
struct Roster<'a> {
    names: Vec<&'a str>,
    specs: Vec<&'a str>,
    kits: Vec<Option<KitMap>>,
    offsets: Vec<Option<Offsets>>,
}

fn roster<'a>(players: &'a [String], kits: &[String], offsets: &[String]) -> Result<Roster<'a>> {
    let mut names = Vec::new();
    let mut specs = Vec::new();
    for p in players {
        let (name, take) = split_named("--player", p)?;
        if names.contains(&name) {
            return Err(usage(format!(
                "--player {name:?} is given twice; player names must differ"
            )));
        }
        names.push(name);
        specs.push(take);
    }
    let mut kit_all: Option<KitMap> = None;
    let mut kit_for: Vec<Option<KitMap>> = vec![None; names.len()];
    for k in kits {
        match k.split_once('=') {
            Some((name, profile)) => {
                let i = names
                    .iter()
                    .position(|n| *n == name)
                    .ok_or_else(|| usage(format!("--kit {k:?}: no player named {name:?}")))?;
                kit_for[i] = Some(formats::load_kit(profile)?);
            }
            None => kit_all = Some(formats::load_kit(k)?),
        }
    }
    for k in kit_for.iter_mut() {
        if k.is_none() {
            k.clone_from(&kit_all);
        }
    }
    let mut offs: Vec<Option<Offsets>> = vec![None; names.len()];
    for o in offsets {
        let (name, value) = split_named("--offset-ms", o)?;
        let i = names
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| usage(format!("--offset-ms {o:?}: no player named {name:?}")))?;
        let (hands, feet) = match value.split_once(',') {
            Some((h, f)) => (parse_ms("--offset-ms", h)?, parse_ms("--offset-ms", f)?),
            None => {
                let v = parse_ms("--offset-ms", value)?;
                (v, v)
            }
        };
        offs[i] = Some(Offsets { hands, feet });
    }
    Ok(Roster {
        names,
        specs,
        kits: kit_for,
        offsets: offs,
    })
}

fn sync_cmd(args: SyncArgs) -> Result<()> {
    if args.players.len() != 2 {
        return Err(usage("sync needs exactly two --player NAME=TAKE"));
    }
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
    let mut report = if let Some(chart_path) = &args.chart {
        let chart = formats::load_chart(chart_path, args.game.options(SmfChartOptions::default()))?;
        let timing = Timing::custom(TimingPreset::Standard, window, None).map_err(timing_usage)?;
        let inputs: Vec<PlayerInput> = loaded
            .iter()
            .enumerate()
            .map(|(i, l)| PlayerInput {
                kit: l.kit.clone(),
                offsets: offsets[i],
                ..PlayerInput::new(r.names[i], &l.take)
            })
            .collect();
        let options = ScoreOptions {
            timing,
            sync: sync_options,
            detail: args.html.is_some(),
            ..ScoreOptions::default()
        }
        .with_lane_map(&chart_lanes(&LaneMap::new(), &r.names, &loaded)?);
        score::score_session(&chart, &chart_path.display().to_string(), &inputs, &options).0
    } else {
        let collapse = parse_ms("--collapse-ms", &args.collapse_ms.to_string())?;
        let pairing = pocket::sync::pair_free(
            &loaded[0].take,
            &offsets[0],
            &loaded[1].take,
            &offsets[1],
            all,
            window,
            collapse,
        );
        let sync = pocket::sync::analyse(
            &pairing,
            [r.names[0], r.names[1]],
            None,
            None,
            &sync_options,
        );
        pocket::report::Report::sync_only(
            sync,
            loaded
                .iter()
                .enumerate()
                .map(|(i, l)| pocket::report::PlayerSettings {
                    name: r.names[i].to_string(),
                    take: l.take.source.clone(),
                    kit: l.kit.clone(),
                    offset_hands_ms: offsets[i].hands.as_millis_f64(),
                    offset_feet_ms: offsets[i].feet.as_millis_f64(),
                    auto_align_ms: None,
                    latency_profile: None,
                })
                .collect(),
        )
    };
    audio_cli::note_profiles(&mut report, &lat);
    emit_with_html(&report, args.output.as_deref(), args.html.as_deref())
}

use live_cli::{LiveArgs, RecordArgs};

/// `pocket devices`, `pocket live`, `pocket record`.
mod live_cli {
    use super::{check_player_selector, roster, usage, GameChartArgs, PlayerTuning, Result};
    use anyhow::Context;
    use clap::Args;
    use pocket::formats::smf::SmfChartOptions;
    use pocket::live::session::{self, PlayerSpec, Practice, SessionOptions, Start};
    use pocket::score::{Timing, TimingPreset};
    use pocket::time::Nanos;
    use std::collections::BTreeMap;
    use std::io::IsTerminal;
    use std::path::PathBuf;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;

    /// Where players come from, shared by `live` and `record`.
    #[derive(Debug, Args)]
    pub struct Sources {
        /// A player and their kit's MIDI input: NAME=PORT, PORT being part of the port name
        /// (case-insensitive; `pocket devices` lists them). Two players on one port:
        /// NAME=PORT#channel=N.
        #[arg(long = "player", value_name = "NAME=PORT")]
        players: Vec<String>,
        /// A player replayed from a recorded take in place of a port: NAME=TAKE (capture log
        /// FILE or FILE#player=NAME, or a MIDI file). Needs no MIDI support.
        #[arg(long = "replay", value_name = "NAME=TAKE")]
        replays: Vec<String>,
        #[command(flatten)]
        tuning: PlayerTuning,
        /// Stop after this many seconds.
        #[arg(long, value_name = "SECONDS")]
        duration: Option<f64>,
        /// Replay speed (with --replay): 2 plays twice as fast.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Session directory for the capture log and takes, and for `live` the report
        /// (default: session-DATE-TIME).
        #[arg(short, long)]
        output: Option<PathBuf>,
    }

    #[derive(Debug, Args)]
    pub struct LiveArgs {
        #[arg(long, help = concat!("The chart: ", chart_formats!(), "."))]
        chart: PathBuf,
        #[command(flatten)]
        sources: Sources,
        /// How chart time zero is set: count-in (clicks at the chart's tempo), first-hit (the
        /// first hit of either player lands on the first note), now.
        #[arg(long, default_value = "count-in", value_parser = ["count-in", "first-hit", "now"])]
        start: String,
        /// Bars of count-in (1 or more; --start now or first-hit plays none).
        #[arg(long, default_value_t = 2, value_parser = at_least_one)]
        count_in_bars: u32,
        /// MIDI output for the count-in click (part of its name).
        #[arg(long, value_name = "PORT")]
        click_port: Option<String>,
        /// Play only this section of the chart (its name, case-insensitive; `pocket chart show`
        /// lists them).
        #[arg(long)]
        section: Option<String>,
        /// Play the section (or chart) this many times (1 or more).
        #[arg(long = "loop", value_name = "N", default_value_t = 1,
              value_parser = at_least_one)]
        loops: u32,
        /// Tempo relative to the chart, 10% to 400%, e.g. 80%; a bare number is a factor (0.8).
        #[arg(long, value_name = "PERCENT")]
        tempo: Option<String>,
        /// Timing preset for the live judgements: strict, standard, lax.
        #[arg(long, default_value = "standard")]
        timing: TimingPreset,
        /// Show no judgements while playing (the summary and the files are still printed at
        /// the end).
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        game: GameChartArgs,
    }

    #[derive(Debug, Args)]
    pub struct RecordArgs {
        #[command(flatten)]
        sources: Sources,
        /// Print nothing while capturing (the files written are still listed at the end).
        #[arg(long)]
        quiet: bool,
    }

    pub fn devices(json: bool) -> Result<()> {
        let d = match pocket::live::ports::devices() {
            Err(pocket::live::LiveError::NotBuilt) => anyhow::bail!(
                "this pocket was built without MIDI support, so it cannot list MIDI ports; \
                 rebuild it with `cargo install pocket --features midi-io` (Linux needs \
                 libasound2-dev), or `--features jack` for JACK"
            ),
            d => d?,
        };
        if json {
            println!("{}", serde_json::to_string_pretty(&d)?);
            return Ok(());
        }
        println!("MIDI inputs ({})", d.backend);
        if d.inputs.is_empty() {
            println!("  (none)");
        }
        for p in &d.inputs {
            let kit = p
                .suggested_kit
                .map(|k| format!("  kit {k}"))
                .unwrap_or_default();
            println!("  {}{kit}", p.name);
        }
        println!("MIDI outputs");
        if d.outputs.is_empty() {
            println!("  (none)");
        }
        for p in &d.outputs {
            println!("  {}", p.name);
        }
        Ok(())
    }

    fn options(s: &Sources, quiet: bool) -> Result<SessionOptions> {
        let all: Vec<String> = s.players.iter().chain(&s.replays).cloned().collect();
        if all.is_empty() {
            return Err(usage(
                "name a player: --player NAME=PORT (or --replay NAME=TAKE)",
            ));
        }
        let r = roster(&all, &s.tuning.kits, &s.tuning.offsets)?;
        let out_dir = match &s.output {
            Some(o) => o.clone(),
            None => {
                let stamp =
                    pocket::formats::capture_log::format_rfc3339_utc(std::time::SystemTime::now());
                let compact: String = stamp
                    .chars()
                    .take(19)
                    .filter(|c| c.is_ascii_digit() || *c == 'T')
                    .map(|c| if c == 'T' { '-' } else { c })
                    .collect();
                PathBuf::from(format!("session-{compact}"))
            }
        };
        let mut opts = SessionOptions::new(out_dir);
        opts.kit_files = kit_files(&r.names, &s.tuning.kits);
        for (i, text) in all.iter().enumerate() {
            let replay = i >= s.players.len();
            let (name, source) =
                session::parse_player(text, replay).map_err(|e| usage(e.to_string()))?;
            if let session::PlayerSource::Replay { spec } = &source {
                check_player_selector(spec)?;
            }
            // Without --offset-ms: the calibration profile saved for the kit's port, if any.
            let offsets = match r.offsets[i] {
                Some(o) => o,
                None => super::audio_cli::live_offsets(
                    &name,
                    &source,
                    &s.tuning.latency_profiles,
                    &r.names,
                )?,
            };
            opts.players.push(PlayerSpec {
                name,
                source,
                kit: r.kits[i].clone(),
                offsets,
            });
        }
        if let Some(d) = s.duration {
            opts.duration = Some(
                Nanos::from_secs_f64(d)
                    .filter(|d| *d > Nanos::ZERO)
                    .ok_or_else(|| usage("--duration must be a positive number of seconds"))?,
            );
        }
        if !(s.speed.is_finite() && s.speed > 0.0) {
            return Err(usage("--speed must be a positive number"));
        }
        if s.speed != 1.0 && !s.players.is_empty() {
            return Err(usage(
                "--speed only applies to --replay; live kits play in real time",
            ));
        }
        opts.speed = s.speed;
        opts.show = !quiet;
        opts.tty = std::io::stdout().is_terminal();
        let stop = Arc::new(AtomicBool::new(false));
        session::stop_on_signals(&stop).context("cannot install the Ctrl-C handler")?;
        opts.stop = stop;
        Ok(opts)
    }

    /// A count that must be 1 or more (`--count-in-bars`, `--loop`).
    fn at_least_one(text: &str) -> std::result::Result<u32, String> {
        match text.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err("use a whole number, 1 or more".into()),
        }
    }

    /// The kit map files (not built-in profiles) given with `--kit [NAME=]FILE`, by player.
    fn kit_files(names: &[&str], kits: &[String]) -> BTreeMap<String, String> {
        let mut all: Option<&str> = None;
        let mut each: BTreeMap<&str, &str> = BTreeMap::new();
        for k in kits {
            match k.split_once('=') {
                Some((name, file)) => {
                    each.insert(name, file);
                }
                None => all = Some(k),
            }
        }
        names
            .iter()
            .filter_map(|n| {
                let file = each.get(n).copied().or(all)?;
                pocket::kit::KitMap::builtin(file)
                    .is_none()
                    .then(|| (n.to_string(), file.to_string()))
            })
            .collect()
    }

    /// `--tempo`: `80%`, or a factor such as `0.8`; 10 % to 400 %.
    fn parse_tempo(text: &str) -> Result<f64> {
        let t = text.trim();
        let bad = || {
            usage(format!(
                "--tempo {text:?}: give a percentage of the chart's tempo from 10% to 400%, such \
                 as 80% (or a factor such as 0.8)"
            ))
        };
        let v = match t.strip_suffix('%') {
            Some(p) => p.trim().parse::<f64>().map_err(|_| bad())? / 100.0,
            None => {
                let f = t.parse::<f64>().map_err(|_| bad())?;
                if f.is_finite() && f > 4.0 {
                    return Err(usage(format!(
                        "--tempo {text:?}: a bare number is a factor of the chart's tempo \
                         (0.8 plays at 80%); for {t} percent write {t}%"
                    )));
                }
                f
            }
        };
        if !(v.is_finite() && (0.1..=4.0).contains(&v)) {
            return Err(bad());
        }
        Ok(v)
    }

    /// `--section NAME` must name a section of the chart (case-insensitive).
    fn check_section(chart: &pocket::Chart, name: &str) -> Result<()> {
        let q = name.to_lowercase();
        if chart.sections.iter().any(|s| s.name.to_lowercase() == q) {
            return Ok(());
        }
        let names: Vec<&str> = chart.sections.iter().map(|s| s.name.as_str()).collect();
        Err(usage(if names.is_empty() {
            format!("--section {name:?}: the chart has no sections; leave --section out to play the whole chart")
        } else {
            format!(
                "--section {name:?}: the chart has no such section; its sections are: {}",
                names.join(", ")
            )
        }))
    }

    pub fn live(args: LiveArgs) -> Result<()> {
        let tempo_scale = args
            .tempo
            .as_deref()
            .map(parse_tempo)
            .transpose()?
            .unwrap_or(1.0);
        let chart_options = args.game.options(SmfChartOptions::default());
        if let Some(section) = &args.section {
            let chart = pocket::formats::load_chart(&args.chart, &chart_options)?;
            check_section(&chart, section)?;
        }
        let mut opts = options(&args.sources, args.quiet)?;
        if opts.players.len() > 2 {
            return Err(usage("pocket live takes one or two players"));
        }
        opts.chart = Some(args.chart.clone());
        opts.chart_options = chart_options;
        opts.start = match args.start.as_str() {
            "first-hit" => Start::FirstHit,
            "now" => Start::Now,
            _ => Start::CountIn,
        };
        opts.count_in_bars = args.count_in_bars;
        opts.click_port = args.click_port.clone();
        opts.timing = Timing::preset(args.timing);
        opts.practice = Practice {
            section: args.section.clone(),
            loops: args.loops,
            tempo_scale,
        };
        if opts.start == Start::CountIn
            && opts.click_port.is_none()
            && !opts
                .players
                .iter()
                .all(|p| matches!(p.source, session::PlayerSource::Replay { .. }))
        {
            eprintln!(
                "no --click-port: the count-in is silent; time zero is {} bars after the start",
                opts.count_in_bars
            );
        }
        finish(session::run(opts)?)
    }

    pub fn record(args: RecordArgs) -> Result<()> {
        let opts = options(&args.sources, args.quiet)?;
        finish(session::run(opts)?)
    }

    fn finish(o: session::SessionOutcome) -> Result<()> {
        for w in &o.warnings {
            eprintln!("warning: {w}");
        }
        if o.summary.lost > 0 {
            eprintln!(
                "warning: {} events were lost to buffer overflows (recorded in the capture log)",
                o.summary.lost
            );
        }
        if let Some(report) = &o.report {
            print!("{}", pocket::summary::render(report, super::color_stdout()));
        }
        println!();
        println!("capture log  {}", o.capture.display());
        if let Some(p) = &o.report_path {
            println!("report       {}", p.display());
        }
        for t in &o.takes {
            println!("take         {}", t.display());
        }
        if let Some(cmd) = &o.score_command {
            println!("same report: {cmd}");
        }
        Ok(())
    }
}

use audio_cli::{latencies, CalibrateArgs, ClickArgs, RenderArgs};

/// `pocket calibrate`, `pocket click`, `pocket render`, and the latency offsets every scoring
/// command applies.
mod audio_cli {
    use super::{load_take, roster, split_named, usage, GameChartArgs, PlayerTuning, Result};
    use anyhow::Context;
    use clap::Args;
    use pocket::audio::{self, ClickOptions, Render, RenderPlayer};
    use pocket::calibrate::{self, LatencyProfile, LatencyProfiles, Suggestion};
    use pocket::formats::{self, smf::SmfChartOptions, LoadedTake};
    use pocket::score::Offsets;
    use pocket::time::Nanos;
    use std::io::{IsTerminal, Write};
    use std::path::{Path, PathBuf};

    /// A player's latency offsets and the profile they came from.
    #[derive(Debug, Clone, Default)]
    pub struct Latency {
        pub offsets: Offsets,
        pub profile: Option<String>,
    }

    /// The profile named for each player by `--latency-profile [NAME=]PROFILE`.
    fn named_profiles(names: &[&str], flags: &[String]) -> Vec<Option<String>> {
        let mut all: Option<String> = None;
        let mut each: Vec<Option<String>> = vec![None; names.len()];
        for f in flags {
            match f.split_once('=') {
                Some((n, p)) if names.contains(&n) && !p.is_empty() => {
                    if let Some(i) = names.iter().position(|x| *x == n) {
                        each[i] = Some(p.to_string());
                    }
                }
                _ => all = Some(f.clone()),
            }
        }
        each.into_iter()
            .map(|e| e.or_else(|| all.clone()))
            .collect()
    }

    /// The profiles file, for an explicit `--latency-profile` (errors are errors) or for an
    /// automatic look-up (a broken file is a warning).
    fn profiles(explicit: bool) -> Result<Option<LatencyProfiles>> {
        match LatencyProfiles::open_default() {
            Ok(p) => Ok(Some(p)),
            Err(e) if explicit => Err(e.into()),
            Err(calibrate::LatencyError::NoConfigDir) => Ok(None),
            Err(e) => {
                eprintln!("warning: latency profiles not applied: {e}");
                Ok(None)
            }
        }
    }

    /// Each player's latency offsets, in order of precedence: `--offset-ms`, `--latency-profile`,
    /// the profile saved for the take's port (capture logs of live kits record the port), the
    /// offsets a capture log recorded, zero.
    pub fn latencies(
        names: &[&str],
        given: &[Option<Offsets>],
        profile_flags: &[String],
        loaded: &[&LoadedTake],
    ) -> Result<Vec<Latency>> {
        let named = named_profiles(names, profile_flags);
        let store = if named.iter().any(Option::is_some) {
            profiles(true)?
        } else if given.iter().all(Option::is_some) {
            None
        } else {
            profiles(false)?
        };
        let mut out = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let l = if let Some(o) = given.get(i).copied().flatten() {
                Latency {
                    offsets: o,
                    profile: None,
                }
            } else if let (Some(p), Some(s)) = (&named[i], &store) {
                let (key, prof) = s.get(p)?;
                announce(name, key, prof, "");
                Latency {
                    offsets: prof.offsets(),
                    profile: Some(key.to_string()),
                }
            } else if let Some((key, prof)) = store
                .as_ref()
                .zip(loaded.get(i))
                .and_then(|(s, l)| s.for_ports(&l.take.ports))
            {
                announce(name, key, prof, " (saved for its port)");
                Latency {
                    offsets: prof.offsets(),
                    profile: Some(key.to_string()),
                }
            } else {
                Latency {
                    offsets: loaded
                        .get(i)
                        .and_then(|l| l.offsets)
                        .map(|(hands, feet)| Offsets { hands, feet })
                        .unwrap_or_default(),
                    profile: None,
                }
            };
            out.push(l);
        }
        Ok(out)
    }

    fn announce(player: &str, key: &str, p: &LatencyProfile, why: &str) {
        eprintln!(
            "latency profile {key:?}{why} for {player}: hands {:+.1} ms, feet {:+.1} ms",
            p.hands_ms, p.feet_ms
        );
    }

    /// Records the profiles in a report's settings.
    pub fn note_profiles(report: &mut pocket::report::Report, lat: &[Latency]) {
        for (s, l) in report.settings.players.iter_mut().zip(lat) {
            s.latency_profile.clone_from(&l.profile);
        }
    }

    /// The stable name of a live kit's port (`None` in a build without MIDI support).
    pub fn port_name(query: &str) -> Option<String> {
        #[cfg(feature = "midi-io")]
        {
            pocket::live::ports::find_input(query).ok()
        }
        #[cfg(not(feature = "midi-io"))]
        {
            let _ = query;
            None
        }
    }

    /// Offsets for a live player without `--offset-ms`: the named profile, else the one saved
    /// for its port (a kit) or for the replayed take's port.
    pub fn live_offsets(
        name: &str,
        source: &pocket::live::session::PlayerSource,
        profile_flags: &[String],
        names: &[&str],
    ) -> Result<Offsets> {
        use pocket::live::session::PlayerSource;
        let named = named_profiles(names, profile_flags);
        let i = names.iter().position(|n| *n == name).unwrap_or(0);
        if let Some(p) = named.get(i).cloned().flatten() {
            let Some(store) = profiles(true)? else {
                return Ok(Offsets::default());
            };
            let (key, prof) = store.get(&p)?;
            announce(name, key, prof, "");
            return Ok(prof.offsets());
        }
        let ports: Vec<String> = match source {
            PlayerSource::Port { query, .. } => port_name(query).into_iter().collect(),
            PlayerSource::Replay { spec } => formats::load_take(spec, None)
                .map(|l| l.take.ports)
                .unwrap_or_default(),
        };
        if ports.is_empty() {
            return Ok(Offsets::default());
        }
        let Some(store) = profiles(false)? else {
            return Ok(Offsets::default());
        };
        Ok(match store.for_ports(&ports) {
            Some((key, prof)) => {
                announce(name, key, prof, " (saved for its port)");
                prof.offsets()
            }
            None => Offsets::default(),
        })
    }

    #[derive(Debug, Args)]
    pub struct CalibrateArgs {
        #[arg(long, requires = "player", help = concat!(
            "Measure from a take played against this chart (with --player): ",
            chart_formats!(),
            "."
        ))]
        chart: Option<PathBuf>,
        /// The player and their take: NAME=TAKE (with --chart).
        #[arg(long, value_name = "NAME=TAKE", requires = "chart")]
        player: Option<String>,
        /// Tap calibration on this live kit's MIDI input (part of its name; feature midi-io):
        /// a click for a few bars, quarter notes on hands and feet.
        #[arg(long, value_name = "PORT", conflicts_with_all = ["chart", "replay"])]
        port: Option<String>,
        /// Tap calibration replayed from a capture log of an earlier one: NAME=CAPTURE.
        #[arg(long, value_name = "NAME=TAKE", conflicts_with = "chart")]
        replay: Option<String>,
        /// MIDI output for the click of a tap calibration (part of its name).
        #[arg(long, value_name = "PORT")]
        click_port: Option<String>,
        /// Kit profile or kit map file for reading the take or the kit.
        #[arg(long, value_name = "PROFILE")]
        kit: Option<String>,
        /// Save the suggestion as this latency profile (a tap calibration on a port saves under
        /// the port's stable name unless given).
        #[arg(long, value_name = "NAME")]
        save_latency: Option<String>,
        /// Tempo of the tap calibration's click.
        #[arg(long, default_value_t = calibrate::TAP_BPM)]
        bpm: f64,
        /// Bars of tapping (after two bars of listening).
        #[arg(long, default_value_t = 8)]
        bars: u32,
        /// Replay speed (with --replay).
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Session directory for the tap calibration's capture (default: calibration-DATE-TIME).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// List the saved latency profiles and where they are kept.
        #[arg(long, conflicts_with_all = ["chart", "port", "replay"])]
        list: bool,
        #[command(flatten)]
        game: GameChartArgs,
    }

    /// Bars of listening before the tapping.
    const LEAD_BARS: u32 = 2;

    pub fn calibrate(args: CalibrateArgs) -> Result<()> {
        if args.list {
            return list_profiles();
        }
        let kit = args.kit.as_deref().map(formats::load_kit).transpose()?;
        if let (Some(chart_path), Some(player)) = (&args.chart, &args.player) {
            let (name, spec) = split_named("--player", player)?;
            let chart =
                formats::load_chart(chart_path, args.game.options(SmfChartOptions::default()))?;
            let loaded = load_take(spec, kit.as_ref())?;
            if loaded.take.hits.is_empty() {
                anyhow::bail!(
                    "{spec}: the take holds no drum hits; check --kit and the file's channel"
                );
            }
            let s = calibrate::suggest_from_take(&chart, &loaded.take, pocket::lane::Lane::ALL);
            println!(
                "calibration of {name} from {spec} against {} ({} notes)",
                chart_path.display(),
                chart.notes.len()
            );
            let measured = format!("take {spec} against {}", chart_path.display());
            return conclude(name, &s, &loaded, args.save_latency.as_deref(), &measured);
        }
        taps(&args, kit)
    }

    fn list_profiles() -> Result<()> {
        let store = LatencyProfiles::open_default()?;
        println!("latency profiles in {}", store.path.display());
        if store.profiles.is_empty() {
            println!("  (none)");
        }
        for (name, p) in &store.profiles {
            let how = p
                .measured
                .as_deref()
                .map(|m| format!("  ({m})"))
                .unwrap_or_default();
            println!(
                "  {name:<32} hands {:+7.1} ms  feet {:+7.1} ms{how}",
                p.hands_ms, p.feet_ms
            );
        }
        Ok(())
    }

    /// Tap calibration through the live path: the chart's count-in is the click.
    fn taps(args: &CalibrateArgs, kit: Option<pocket::kit::KitMap>) -> Result<()> {
        use pocket::live::session::{self, PlayerSource, PlayerSpec, SessionOptions, Start};
        let (name, source) = match (&args.port, &args.replay) {
            (Some(port), None) => {
                // Fail before the session directory is created.
                if !cfg!(feature = "midi-io") {
                    return Err(pocket::live::LiveError::NotBuilt.into());
                }
                if args.click_port.is_none() {
                    return Err(usage(
                        "--port needs --click-port OUT: the player taps along with the click (`pocket devices` lists outputs)",
                    ));
                }
                ("kit".to_string(), PlayerSource::Port { query: port.clone(), channel: None })
            }
            (None, Some(r)) => session::parse_player(r, true).map_err(|e| usage(e.to_string()))?,
            _ => {
                return Err(usage(
                    "give --chart CHART --player NAME=TAKE, or --port PORT --click-port OUT, or --replay NAME=CAPTURE (or --list)",
                ))
            }
        };
        if !(args.bpm.is_finite() && (30.0..=300.0).contains(&args.bpm)) {
            return Err(usage("--bpm must be between 30 and 300"));
        }
        if args.bars == 0 || args.bars > 64 {
            return Err(usage("--bars must be between 1 and 64"));
        }
        if !(args.speed.is_finite() && args.speed > 0.0) {
            return Err(usage("--speed must be a positive number"));
        }
        if args.speed != 1.0 && args.port.is_some() {
            return Err(usage("--speed only applies to --replay"));
        }
        let chart = calibrate::tap_chart(args.bpm)?;
        let out_dir = args.output.clone().unwrap_or_else(|| {
            let stamp =
                pocket::formats::capture_log::format_rfc3339_utc(std::time::SystemTime::now());
            let compact: String = stamp
                .chars()
                .take(19)
                .filter(|c| c.is_ascii_digit() || *c == 'T')
                .map(|c| if c == 'T' { '-' } else { c })
                .collect();
            PathBuf::from(format!("calibration-{compact}"))
        });
        std::fs::create_dir_all(&out_dir)
            .with_context(|| format!("cannot create {}", out_dir.display()))?;
        let chart_path = out_dir.join("calibration-chart.json");
        super::write_file(
            &chart_path,
            formats::chart_json::write_chart(&chart).as_bytes(),
        )?;

        let bars = LEAD_BARS + args.bars;
        let scheduled: Vec<Nanos> = session::count_in_clicks(&chart, bars)
            .into_iter()
            .map(|c| c.0)
            .collect();
        let span = -scheduled.first().copied().unwrap_or(Nanos::ZERO);
        let beat = Nanos::from_secs_f64(60.0 / args.bpm).unwrap_or(Nanos::ZERO);
        let mut opts = SessionOptions::new(&out_dir);
        opts.chart = Some(chart_path);
        opts.players.push(PlayerSpec {
            name: name.clone(),
            source,
            kit: kit.clone(),
            offsets: Offsets::default(),
        });
        opts.start = Start::CountIn;
        opts.count_in_bars = bars;
        opts.click_port = args.click_port.clone();
        // The session starts its clicks half a second in; stop a beat after the last one.
        opts.duration = Some(Nanos::from_millis(500) + span + beat);
        opts.speed = args.speed;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        session::stop_on_signals(&stop).context("cannot install the Ctrl-C handler")?;
        opts.stop = stop;
        if args.port.is_some() {
            println!(
                "Listen for {LEAD_BARS} bars, then play quarter notes with the click for {} bars: \
                 hands and feet together (snare and kick), or take turns. Ctrl-C stops.",
                args.bars
            );
        }
        let outcome = session::run(opts)?;
        for w in &outcome.warnings {
            eprintln!("warning: {w}");
        }
        let cap = formats::capture_log::read_capture(&outcome.capture)?;
        let zero = cap.effective_time_zero();
        let clicks: Vec<Nanos> = if cap.clicks.is_empty() {
            scheduled
        } else {
            cap.clicks.iter().map(|c| c.time - zero).collect()
        };
        let spec = format!("{}#player={name}", outcome.capture.display());
        let loaded = formats::load_take(&spec, kit.as_ref())?;
        let s = calibrate::suggest_from_taps(&loaded.take, &clicks);
        println!(
            "tap calibration of {name}: {} clicks at {} BPM, {} hits (capture in {})",
            clicks.len(),
            args.bpm,
            loaded.take.hits.len(),
            out_dir.display()
        );
        // A kit's profile is saved under its port's stable name unless named.
        let port = cap
            .header
            .players
            .first()
            .and_then(|p| cap.header.ports.iter().find(|q| q.index == p.port))
            .map(|q| q.name.clone());
        let save = match (&args.save_latency, &args.port, &port) {
            (Some(n), _, _) => Some(n.clone()),
            (None, Some(_), Some(p)) => Some(p.clone()),
            _ => None,
        };
        let measured = format!("taps at {} BPM ({})", args.bpm, outcome.capture.display());
        conclude(&name, &s, &loaded, save.as_deref(), &measured)
    }

    fn limb_line(group: &str, m: &calibrate::LimbMeasure) -> String {
        match m.median {
            Some(med) => {
                let ms = med.as_millis_f64();
                let side = if ms > 0.0 {
                    "late"
                } else if ms < 0.0 {
                    "early"
                } else {
                    "on time"
                };
                format!(
                    "  {group:<6} median {ms:+.1} ms ({side}), {} hits used, {} dropped, spread ±{:.1} ms",
                    m.used,
                    m.dropped,
                    m.spread.map_or(0.0, Nanos::as_millis_f64)
                )
            }
            None => format!(
                "  {group:<6} not enough hits to measure ({} used, {} dropped; at least {} needed)",
                m.used,
                m.dropped,
                calibrate::MIN_PAIRS
            ),
        }
    }

    /// Prints the measurement and the advice, and saves the profile when asked.
    fn conclude(
        name: &str,
        s: &Suggestion,
        loaded: &LoadedTake,
        save: Option<&str>,
        measured: &str,
    ) -> Result<()> {
        println!("{}", limb_line("hands", &s.hands));
        println!("{}", limb_line("feet", &s.feet));
        if !s.is_usable() {
            anyhow::bail!(
                "no offsets can be suggested: too few hits were near the notes or clicks; play the chart (or quarter notes with the click) and try again"
            );
        }
        // What is in force now: the profile being updated, the take's port profile, the
        // capture's recorded offsets.
        let store = LatencyProfiles::open_default().ok();
        let (current, from) = match store.as_ref().and_then(|st| {
            save.and_then(|n| st.get(n).ok())
                .or_else(|| st.for_ports(&loaded.take.ports))
        }) {
            Some((key, p)) => (p.offsets(), format!("latency profile {key:?}")),
            None => match loaded.offsets {
                Some((hands, feet)) => (Offsets { hands, feet }, "the capture log".to_string()),
                None => (Offsets::default(), "none".to_string()),
            },
        };
        let new = s.offsets(current);
        println!(
            "suggested offsets: hands {:+.1} ms, feet {:+.1} ms (in force now: {from})",
            new.hands.as_millis_f64(),
            new.feet.as_millis_f64()
        );
        if s.hands.median.is_some() {
            println!("  {}", calibrate::advice("hands", current.hands, new.hands));
        }
        if s.feet.median.is_some() {
            println!("  {}", calibrate::advice("feet", current.feet, new.feet));
        }
        println!(
            "  as a flag: --offset-ms {name}={:.1},{:.1}",
            new.hands.as_millis_f64(),
            new.feet.as_millis_f64()
        );
        println!("Note: {}", calibrate::KIT_PLUS_PLAYER);
        if let Some(profile) = save {
            let mut store = LatencyProfiles::open_default()?;
            store.insert(
                profile,
                LatencyProfile {
                    measured: Some(measured.to_string()),
                    saved: Some(pocket::formats::capture_log::format_rfc3339_utc(
                        std::time::SystemTime::now(),
                    )),
                    ..LatencyProfile::from_offsets(new)
                },
            )?;
            store.save()?;
            println!(
                "saved latency profile {profile:?} in {} (use --latency-profile {profile:?})",
                store.path.display()
            );
        }
        Ok(())
    }

    #[derive(Debug, Args)]
    pub struct ClickArgs {
        #[arg(long, help = concat!(
            "The chart whose tempo map and time signatures the click follows: ",
            chart_formats!(),
            "."
        ))]
        chart: PathBuf,
        /// The WAV file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Bars of count-in before the chart starts.
        #[arg(long, value_name = "BARS", default_value_t = 0)]
        count_in: u32,
        /// Samples per second, 8000 to 192000.
        #[arg(long, default_value_t = audio::DEFAULT_SAMPLE_RATE, value_parser = sample_rate)]
        sample_rate: u32,
        /// Mix in the chart played by synthesized drum voices.
        #[arg(long)]
        guide: bool,
        /// MIDI channel of the drums in an SMF chart (1-16), or `all`.
        #[arg(long, default_value = "10")]
        chart_channel: String,
    }

    pub fn click(args: ClickArgs) -> Result<()> {
        let chart = formats::load_chart(
            &args.chart,
            super::smf_chart_options("--chart-channel", &args.chart_channel)?,
        )?;
        let render = Render::click_track(
            &chart,
            &ClickOptions {
                sample_rate: args.sample_rate,
                count_in_bars: args.count_in,
                guide: args.guide,
            },
        )?;
        let clicks = audio::clicks(&chart, args.count_in).len();
        write(&render, &args.output)?;
        println!(
            "{} clicks{} written to {} ({:.1} s at {} Hz); chart time zero is at {:.3} s",
            clicks,
            if args.guide {
                " and the chart's notes"
            } else {
                ""
            },
            args.output.display(),
            render.frames() as f64 / f64::from(render.sample_rate()),
            render.sample_rate(),
            (-render.origin()).as_secs_f64()
        );
        Ok(())
    }

    #[derive(Debug, Args)]
    pub struct RenderArgs {
        #[arg(long, help = concat!(
            "The chart (for --guide, and the length of the render): ",
            chart_formats!(),
            "."
        ))]
        chart: Option<PathBuf>,
        /// A player and their take: NAME=TAKE, once or twice. The first is on the left, the
        /// second on the right.
        #[arg(long = "player", value_name = "NAME=TAKE", required = true)]
        players: Vec<String>,
        #[command(flatten)]
        tuning: PlayerTuning,
        /// The WAV file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Mix in the chart, in the centre, played by synthesized voices (needs --chart).
        #[arg(long, requires = "chart")]
        guide: bool,
        /// Samples per second, 8000 to 192000.
        #[arg(long, default_value_t = audio::DEFAULT_SAMPLE_RATE, value_parser = sample_rate)]
        sample_rate: u32,
        #[command(flatten)]
        game: GameChartArgs,
    }

    /// `--sample-rate`: a whole number of Hz that [`Render`] accepts.
    fn sample_rate(text: &str) -> std::result::Result<u32, String> {
        let range = audio::MIN_SAMPLE_RATE..=audio::MAX_SAMPLE_RATE;
        text.trim()
            .parse::<u32>()
            .ok()
            .filter(|r| range.contains(r))
            .ok_or_else(|| {
                format!(
                    "use {} to {} Hz (48000 or 44100 are usual)",
                    range.start(),
                    range.end()
                )
            })
    }

    pub fn render(args: RenderArgs) -> Result<()> {
        if args.players.len() > 2 {
            return Err(usage("give --player once or twice"));
        }
        let chart = args
            .chart
            .as_ref()
            .map(|p| formats::load_chart(p, args.game.options(SmfChartOptions::default())))
            .transpose()?;
        let r = roster(&args.players, &args.tuning.kits, &args.tuning.offsets)?;
        let mut loaded = Vec::new();
        for (i, spec) in r.specs.iter().enumerate() {
            loaded.push(load_take(spec, r.kits[i].as_ref())?);
        }
        let refs: Vec<&LoadedTake> = loaded.iter().collect();
        let lat = latencies(&r.names, &r.offsets, &args.tuning.latency_profiles, &refs)?;
        let players: Vec<RenderPlayer> = loaded
            .iter()
            .zip(&lat)
            .map(|(l, lat)| RenderPlayer {
                take: &l.take,
                offsets: lat.offsets,
            })
            .collect();
        let guide = if args.guide { chart.as_ref() } else { None };
        let render = Render::duo(&players, guide, args.sample_rate)?;
        write(&render, &args.output)?;
        let sides = ["left", "right"];
        for (i, n) in r.names.iter().enumerate() {
            println!("{n:<12} {} ({} hits)", sides[i], loaded[i].take.hits.len());
        }
        if guide.is_some() {
            println!("{:<12} centre", "chart");
        }
        println!(
            "written to {} ({:.1} s at {} Hz); chart time zero is at {:.3} s",
            args.output.display(),
            render.frames() as f64 / f64::from(render.sample_rate()),
            render.sample_rate(),
            (-render.origin()).as_secs_f64()
        );
        Ok(())
    }

    /// Writes a render, with a progress line on a terminal for long ones.
    fn write(render: &Render, path: &Path) -> Result<()> {
        if path == Path::new("-") {
            return Err(usage(
                "-o needs a file name: a WAV file cannot be written to stdout",
            ));
        }
        let long = render.frames() > i64::from(render.sample_rate()) * 120;
        if long && std::io::stderr().is_terminal() {
            let mut last = -1i64;
            let mut show = |done: i64, total: i64| {
                let pct = done * 100 / total.max(1);
                if pct != last {
                    last = pct;
                    eprint!("\rrendering {pct:>3} %");
                    let _ = std::io::stderr().flush();
                }
            };
            let r = render.write_wav(path, Some(&mut show));
            eprint!("\r\x1b[2K");
            r?;
        } else {
            render.write_wav(path, None)?;
        }
        Ok(())
    }
}
