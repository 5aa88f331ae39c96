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
    /// Score the bundled two-player demo and write demo-report.json.
    Demo {
        /// Directory to write demo-report.json into.
        #[arg(short, long, default_value = ".")]
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
}

#[derive(Debug, Subcommand)]
enum ChartCommand {
    /// Title, duration, tempo changes, sections and notes per lane of a chart in any format.
    Show {
        /// Chart file (.json, .mid, .txt).
        file: PathBuf,
        /// MIDI channel of the drums in an SMF chart (1-16), or `all`.
        #[arg(long, default_value = "10")]
        channel: String,
    },
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
        /// Profile name.
        name: String,
    },
}

#[derive(Debug, Args)]
struct ScoreArgs {
    /// The chart: pocket chart JSON, Standard MIDI File or onset list.
    #[arg(long)]
    chart: PathBuf,
    /// A player and their take: NAME=TAKE. Give it once or twice; the first is player a.
    #[arg(long = "player", value_name = "NAME=TAKE", required = true)]
    players: Vec<String>,
    /// Kit profile or kit map file for every player (PROFILE), or for one (NAME=PROFILE).
    #[arg(long = "kit", value_name = "[NAME=]PROFILE")]
    kits: Vec<String>,
    /// Latency offset in ms subtracted from a player's hits: NAME=MS, or NAME=HANDS,FEET.
    /// Positive means that kit or player is late.
    #[arg(long = "offset-ms", value_name = "NAME=MS[,FEET_MS]", allow_hyphen_values = true)]
    offsets: Vec<String>,
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
    /// Write the JSON report here (`-` for stdout).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// MIDI channel of the drums in an SMF chart (1-16), or `all`.
    #[arg(long, default_value = "10")]
    chart_channel: String,
}

#[derive(Debug, Args)]
struct SyncArgs {
    /// Two players and their takes: NAME=TAKE (the first is player a).
    #[arg(long = "player", value_name = "NAME=TAKE", required = true)]
    players: Vec<String>,
    /// Score both against this chart and pair the notes both played.
    #[arg(long)]
    chart: Option<PathBuf>,
    /// Kit profile or kit map file for every player (PROFILE), or for one (NAME=PROFILE).
    #[arg(long = "kit", value_name = "[NAME=]PROFILE")]
    kits: Vec<String>,
    /// Latency offset in ms: NAME=MS, or NAME=HANDS,FEET (positive: late).
    #[arg(long = "offset-ms", value_name = "NAME=MS[,FEET_MS]", allow_hyphen_values = true)]
    offsets: Vec<String>,
    /// `same` pairs hits lane by lane; `all` pools every hit of a player into one onset stream
    /// (for players whose instruments share no lane, e.g. drums and keys). Every note of any
    /// channel counts with `all`.
    #[arg(long, default_value = "same", value_parser = ["same", "all"])]
    lanes: String,
    /// Pairing window in ms without a chart (default: half the median inter-onset interval,
    /// 10 to 250 ms).
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
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Demo { output } => demo(&output),
        Command::Score(args) => score_cmd(args),
        Command::Sync(args) => sync_cmd(args),
        Command::Chart {
            command: ChartCommand::Show { file, channel },
        } => chart_show(&file, &channel),
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
    }
}

fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
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
    let chart = formats::load_chart(&args.chart, &smf_chart_options("--chart-channel", &args.chart_channel)?)?;

    let r = roster(&args.players, &args.kits, &args.offsets)?;
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
        lane_merge: Lane::ALL.map(|l| lane_map.apply_chart(l)),
        lane_merge_text: lane_map.rules().iter().map(|r| r.to_string()).collect(),
        detail: args.detail,
        ..ScoreOptions::default()
    };

    let mut loaded: Vec<LoadedTake> = Vec::new();
    for (i, spec) in r.specs.iter().enumerate() {
        loaded.push(formats::load_take(spec, r.kits[i].as_ref())?);
    }
    let inputs: Vec<PlayerInput> = loaded
        .iter()
        .enumerate()
        .map(|(i, l)| PlayerInput {
            name: r.names[i].to_string(),
            take: &l.take,
            kit: l.kit.clone(),
            offsets: r.offsets[i]
                .or(l.offsets.map(|(hands, feet)| Offsets { hands, feet }))
                .unwrap_or_default(),
            lane_swap: Lane::ALL.map(|lane| lane_map.apply(lane)),
            auto_align: args.auto_align,
        })
        .collect();
    let (report, _) = score::score_session(
        &chart,
        &args.chart.display().to_string(),
        &inputs,
        &options,
    );
    emit(&report, args.output.as_deref())
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
    Timing::custom(args.timing, window, edges).map_err(|e| {
        let flag = match e {
            score::TimingError::BadWindow => "--window-ms",
            score::TimingError::BadTiers { .. } => "--tiers-ms",
        };
        usage(format!("{flag}: {e}"))
    })
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
            print!("{}", pocket::summary::render(report, color_stdout()));
            write_file(p, json.as_bytes())?;
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

fn demo(output: &Path) -> Result<()> {
    let demo = pocket::demo::Demo::load()?;
    let inputs = demo.players();
    let options = ScoreOptions::default();
    let (report, _) = score::score_session(&demo.chart, "demo", &inputs, &options);
    if !output.is_dir() {
        std::fs::create_dir_all(output)
            .with_context(|| format!("cannot create {}", output.display()))?;
    }
    let path = output.join("demo-report.json");
    print!("{}", pocket::summary::render(&report, color_stdout()));
    write_file(&path, report.to_json().as_bytes())?;
    println!("\nreport written to {}", path.display());
    Ok(())
}

fn chart_show(file: &Path, channel: &str) -> Result<()> {
    let chart = formats::load_chart(file, &smf_chart_options("--channel", channel)?)?;
    let map = &chart.tempo_map;
    let i = &chart.info;
    println!("{}", if i.title.is_empty() { "(untitled)" } else { &i.title });
    for (k, v) in [("artist", &i.artist), ("charter", &i.charter), ("source", &i.source)] {
        if !v.is_empty() {
            println!("  {k:<9} {v}");
        }
    }
    let d = chart.duration().as_secs_f64();
    println!(
        "  duration  {}:{:05.2} ({} bars, {} notes, resolution {} PPQ)",
        (d / 60.0).floor(),
        d % 60.0,
        chart
            .notes
            .last()
            .map(|n| map.position(n.tick).bar)
            .unwrap_or(0),
        chart.notes.len(),
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
    let loaded = formats::load_take(spec, kit.as_ref())?;
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
    let r = roster(&args.players, &args.kits, &args.offsets)?;
    let all = args.lanes == "all";
    let mut loaded = Vec::new();
    for (i, spec) in r.specs.iter().enumerate() {
        let kit = match (&r.kits[i], all) {
            (Some(k), _) => Some(k.clone()),
            (None, true) => Some(pocket::kit::KitMap::all_notes()),
            (None, false) => None,
        };
        loaded.push(formats::load_take(spec, kit.as_ref())?);
    }
    let offsets: Vec<Offsets> = loaded
        .iter()
        .enumerate()
        .map(|(i, l)| {
            r.offsets[i]
                .or(l.offsets.map(|(hands, feet)| Offsets { hands, feet }))
                .unwrap_or_default()
        })
        .collect();
    let sync_options = pocket::sync::SyncOptions {
        bootstrap: args.bootstrap,
        window_length: Nanos::from_millis_f64(args.window_s * 1000.0)
            .filter(|w| *w > Nanos::ZERO)
            .ok_or_else(|| usage("--window-s must be a positive number of seconds"))?,
        ..pocket::sync::SyncOptions::default()
    };
    let report = if let Some(chart_path) = &args.chart {
        let chart = formats::load_chart(chart_path, &SmfChartOptions::default())?;
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
            sync: sync_options,
            ..ScoreOptions::default()
        };
        score::score_session(&chart, &chart_path.display().to_string(), &inputs, &options).0
    } else {
        let window = args
            .window_ms
            .map(|w| parse_ms("--window-ms", &w.to_string()))
            .transpose()?;
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
                })
                .collect(),
        )
    };
    emit(&report, args.output.as_deref())
}
