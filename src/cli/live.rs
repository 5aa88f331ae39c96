//! `pocket devices`, `pocket live` and `pocket record`: MIDI ports listed, and live sessions
//! set up from flags and run by [`pocket::live::session`].

use super::args::{
    check_player_selector, roster_of, GameChartArgs, PlayerTuning, PLAYER_PORT, REPLAY,
};
use super::history::{remember, HistoryFlags};
use super::latency::live_offsets;
use super::output::color_stdout;
use super::usage::usage;
use anyhow::{Context, Result};
use clap::Args;
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
    /// NAME=PORT#channel=N. An acoustic kit heard through an audio input (JACK):
    /// NAME=audio:DEVICE, transcribed live and recorded to audio-NAME.wav.
    #[arg(long = "player", value_name = "NAME=PORT")]
    players: Vec<String>,
    /// A player replayed from a recorded take in place of a port: NAME=TAKE (capture log
    /// FILE or FILE#player=NAME, or a MIDI file). Needs no MIDI support.
    #[arg(long = "replay", value_name = "NAME=TAKE")]
    replays: Vec<String>,
    #[command(flatten)]
    tuning: PlayerTuning,
    /// Stop after this many seconds.
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    duration: Option<f64>,
    /// Replay speed (with --replay): 2 plays twice as fast.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    speed: f64,
    /// Session directory for the capture log and takes, and for `live` the report
    /// (default: session-DATE-TIME).
    #[arg(short, long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    serve: super::stage::ServeArgs,
}

/// Backing audio to play along with, shared by `live` and `record` (docs/play-along.md).
#[derive(Debug, Args)]
pub struct AudioArgs {
    /// Play along with audio: FILE (WAV, FLAC, Ogg Vorbis, MP3) or a song folder; alone, the
    /// chart's own audio (a song folder's stems, a DTX chart's background music). Its
    /// chart-zero sample, as heard, is time zero. Needs a build with audio output
    /// (--features midi-io).
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "")]
    backing: Option<String>,
    /// Mix a song folder's drum stems in too (on, off; default off: the players are the
    /// drums).
    #[arg(long, value_name = "on|off", value_parser = ["on", "off"])]
    drum_stem: Option<String>,
    /// Audio output for the backing: part of its name (`pocket devices` lists them; default:
    /// the system's default output).
    #[arg(long, value_name = "PORT")]
    audio_out: Option<String>,
    /// How much later than the audio API reports the sound reaches the players (speakers,
    /// headphones, Bluetooth), in ms (default: the offset `pocket calibrate --audio` saved
    /// for the output, else 0).
    #[arg(long, value_name = "MS", allow_negative_numbers = true)]
    audio_offset_ms: Option<f64>,
}

impl AudioArgs {
    /// The play-along request, if any audio flag was given.
    fn request(&self) -> Result<Option<pocket::live::play_along::BackingRequest>> {
        if self.backing.is_none() && self.audio_out.is_none() && self.drum_stem.is_none() {
            return Ok(None);
        }
        let audio_offset = match self.audio_offset_ms {
            Some(ms) => Some(
                Nanos::from_secs_f64(ms / 1000.0)
                    .ok_or_else(|| usage("--audio-offset-ms must be a number of milliseconds"))?,
            ),
            None => None,
        };
        // Without the flag, the offset `pocket calibrate --audio` saved for the output.
        let saved_offsets = match audio_offset {
            Some(_) => Default::default(),
            None => pocket::latency::LatencyProfiles::open_default()
                .map(|s| s.audio_offsets())
                .or_else(|e| match e {
                    pocket::latency::LatencyError::NoConfigDir => Ok(Default::default()),
                    e => Err(e),
                })?,
        };
        Ok(Some(pocket::live::play_along::BackingRequest {
            file: self
                .backing
                .as_deref()
                .filter(|p| !p.is_empty())
                .map(PathBuf::from),
            drum_stem: self.drum_stem.as_deref() == Some("on"),
            audio_out: self.audio_out.clone(),
            audio_offset,
            saved_offsets,
        }))
    }
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
    #[command(flatten)]
    history: HistoryFlags,
    #[command(flatten)]
    audio: AudioArgs,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    #[command(flatten)]
    sources: Sources,
    /// Print nothing while capturing (the files written are still listed at the end).
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    audio: AudioArgs,
}

/// Lists the MIDI inputs and outputs.
pub fn devices(json: bool) -> Result<()> {
    let d = match pocket::live::ports::devices() {
        Err(pocket::live::LiveError::NotBuilt) => anyhow::bail!(
            "this pocket was built without MIDI support, so it cannot list MIDI ports; \
             rebuild it in pocket's source folder with `cargo install --path . --features midi-io` \
             (Linux needs \
             libasound2-dev), or `--features jack` for JACK"
        ),
        d => d?,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&d)?);
        return Ok(());
    }
    // With two backends each port is marked with its own; ports are searched in this order.
    let several = d.backends.len() > 1;
    for b in &d.backends {
        if let Some(reason) = &b.reason {
            println!("{} not available: {reason}", b.name);
        }
    }
    let mark = |backend: &str| {
        if several {
            format!("  [{backend}]")
        } else {
            String::new()
        }
    };
    let names: Vec<&str> = d.backends.iter().map(|b| b.name).collect();
    println!("MIDI inputs ({})", names.join(", "));
    if d.inputs.is_empty() {
        println!("  (none)");
    }
    for p in &d.inputs {
        let kit = p
            .suggested_kit
            .map(|k| format!("  kit {k}"))
            .unwrap_or_default();
        println!("  {}{kit}{}", p.name, mark(p.backend));
    }
    println!("MIDI outputs");
    if d.outputs.is_empty() {
        println!("  (none)");
    }
    for p in &d.outputs {
        println!("  {}{}", p.name, mark(p.backend));
    }
    if !d.audio_inputs.is_empty() {
        println!("Audio inputs (--player NAME=audio:DEVICE)");
        for p in &d.audio_inputs {
            let channels = match p.channels {
                Some(1) => "  (1 channel)".to_string(),
                Some(n) => format!("  ({n} channels: #audio-channel=1..{n})"),
                None => String::new(),
            };
            println!("  {}{channels}{}", p.name, mark(p.backend));
        }
    }
    audio_outputs();
    Ok(())
}

/// Lists the audio outputs (for --audio-out): JACK's input ports first (searched first), then
/// cpal's devices.
fn audio_outputs() {
    #[cfg(feature = "jack")]
    print_outputs("jack", pocket::live::jack_audio::list_outputs());
    #[cfg(feature = "midi-io")]
    print_outputs("cpal", pocket::live::audio_out::list_outputs());
}

#[cfg(any(feature = "jack", feature = "midi-io"))]
fn print_outputs(backend: &str, outputs: Result<Vec<(String, bool)>, pocket::live::LiveError>) {
    println!("Audio outputs ({backend})");
    match outputs {
        Ok(outs) if outs.is_empty() => println!("  (none)"),
        Ok(outs) => {
            for (name, default) in outs {
                println!("  {name}{}", if default { "  (default)" } else { "" });
            }
        }
        Err(e) => println!("  (cannot list them: {e})"),
    }
}

/// The session options common to `live` and `record`, from the flags.
fn options(s: &Sources, quiet: bool) -> Result<SessionOptions> {
    let all: Vec<String> = s.players.iter().chain(&s.replays).cloned().collect();
    if all.is_empty() {
        return Err(usage(
            "name a player: --player NAME=PORT (or --replay NAME=TAKE)",
        ));
    }
    let tagged: Vec<_> = (s.players.iter().map(|p| (PLAYER_PORT, p.as_str())))
        .chain(s.replays.iter().map(|p| (REPLAY, p.as_str())))
        .collect();
    let r = roster_of(&tagged, &s.tuning.kits, &s.tuning.offsets)?;
    let out_dir = match &s.output {
        Some(o) => o.clone(),
        None => pocket::live::stamped_dir("session", std::time::SystemTime::now()),
    };
    let mut opts = SessionOptions::new(out_dir);
    opts.kit_files = kit_files(&r.names, &s.tuning.kits);
    for (i, text) in all.iter().enumerate() {
        let replay = i >= s.players.len();
        let flag = if replay { "--replay" } else { "--player" };
        let (name, source) =
            session::parse_player(text, replay).map_err(|e| usage(format!("{flag} {e}")))?;
        if let session::PlayerSource::Replay { spec } = &source {
            check_player_selector(spec)?;
        }
        // Without --offset-ms: the calibration profile saved for the kit's port, if any.
        let offsets = match r.offsets[i] {
            Some(o) => o,
            None => live_offsets(&name, &source, &s.tuning.latency_profiles, &r.names)?,
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

/// Plays a live session against a chart.
pub fn live(args: LiveArgs) -> Result<()> {
    let database = args.history.database()?;
    let tempo_scale = args
        .tempo
        .as_deref()
        .map(parse_tempo)
        .transpose()?
        .unwrap_or(1.0);
    let chart_options = args.game.options(None)?;
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
    opts.chart_kit = args.game.chart_kit().map(str::to_string);
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
    opts.backing = args.audio.request()?;
    run_serving(opts, &args.sources.serve, |o| {
        if let (Some(report), Some(file)) = (&o.report, &o.report_path) {
            remember(database.as_deref(), &[(report, file)]);
        }
    })
}

/// Captures kits without a chart.
pub fn record(args: RecordArgs) -> Result<()> {
    let mut opts = options(&args.sources, args.quiet)?;
    opts.backing = args.audio.request()?;
    if opts.backing.as_ref().is_some_and(|b| b.file.is_none()) {
        return Err(usage(
            "record has no chart: give the audio to play with --backing FILE",
        ));
    }
    run_serving(opts, &args.sources.serve, |_| {})
}

/// Runs the session, on the stage when `--serve` asks, and prints what it left behind.
fn run_serving(
    opts: SessionOptions,
    serve: &super::stage::ServeArgs,
    after: impl FnOnce(&session::SessionOutcome),
) -> Result<()> {
    let server = serve.start()?;
    run_on_stage(opts, server, serve, after)
}

/// Runs the session on a stage already started (or none), calls `after` with what it left
/// (the practice history's row), prints it, then closes the stage.
pub(super) fn run_on_stage(
    mut opts: SessionOptions,
    server: Option<pocket::stage::Server>,
    serve: &super::stage::ServeArgs,
    after: impl FnOnce(&session::SessionOutcome),
) -> Result<()> {
    opts.stage = server.as_ref().map(pocket::stage::Server::stage);
    let done = session::run(opts)
        .map_err(anyhow::Error::from)
        .and_then(|o| {
            after(&o);
            finish(o)
        });
    serve.close(server);
    done
}

/// Prints what a session left behind.
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
        print!("{}", pocket::summary::render(report, color_stdout()));
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
    if let Some(cmd) = &o.audio_score_command {
        println!("from the audio recordings: {cmd}");
    }
    Ok(())
}
