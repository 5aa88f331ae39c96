//! A live session from start to finish: the practice chart, the capture log header, the
//! sources (ports or replays), the count-in, the consumer, and afterwards the report and the
//! takes, computed from the capture log by the same engine as `pocket score`.

use super::clock::CaptureClock;
use super::consumer::{self, ConsumerConfig, ConsumerPlayer, ConsumerSummary, Control};
use super::display::{Display, DisplayEvent};
use super::judge::OnlineJudge;
use super::ports::{self, OpenPorts, PortRef};
use super::replay::{self, ReplayThread};
use super::ring::{ring, DEFAULT_RING_BYTES};
use super::LiveError;
use crate::chart::{Chart, ChartInfo, Note, Section};
pub use crate::count_in::count_in_clicks;
use crate::formats::capture_log::{
    self, CaptureHeader, CaptureWriter, ChartRef, PlayerInfo, PortInfo, StampSource, StartMode,
};
use crate::formats::{self, chart_json, smf, LoadedTake};
use crate::kit::KitMap;
use crate::matching::Offsets;
use crate::report::Report;
use crate::score::{PlayerInput, ScoreOptions, Timing};
use crate::tempo::{Tempo, TempoMap};
use crate::time::{Nanos, Ticks};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::channel;
use std::sync::Arc;

/// Where a player's events come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlayerSource {
    /// A MIDI input port, by case-insensitive name substring, optionally one channel of it.
    Port {
        /// Name or part of it.
        query: String,
        /// Only this channel (1..=16).
        channel: Option<u8>,
    },
    /// An acoustic kit heard through an audio input (`NAME=audio:DEVICE`), transcribed live:
    /// the input is the JACK audio port whose name contains `query` (case-insensitive), or
    /// when none does (feature `midi-io`), the cpal input device whose name does.
    Audio {
        /// Name or part of it.
        query: String,
        /// Only this input channel of a cpal device, from 1 (`audio:DEVICE#audio-channel=N`,
        /// the take-spec selector): one kit per channel of one interface. All channels mixed
        /// when `None`.
        channel: Option<u16>,
    },
    /// A recorded take replayed in real time.
    Replay {
        /// The take: `FILE`, `FILE#player=NAME`, `FILE#channel=N`.
        spec: String,
    },
}

/// A player of a session.
#[derive(Debug, Clone)]
pub struct PlayerSpec {
    /// Name, unique in the session.
    pub name: String,
    /// Where their hits come from.
    pub source: PlayerSource,
    /// Kit map; `None` suggests one from the port name (or takes the replayed capture's), else
    /// `gm`.
    pub kit: Option<KitMap>,
    /// Latency offsets (recorded in the capture log header).
    pub offsets: Offsets,
}

/// How chart time zero is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Count-in clicks at the chart's tempo; time zero is the downbeat after them.
    CountIn,
    /// Time zero is set so that the first hit of either player lands on the first chart note.
    FirstHit,
    /// Time zero is the start of the capture.
    Now,
}

/// What part of the chart is played, how often and how fast.
#[derive(Debug, Clone, PartialEq)]
pub struct Practice {
    /// Only this section (case-insensitive name).
    pub section: Option<String>,
    /// Times through (1 = once).
    pub loops: u32,
    /// Tempo relative to the chart (0.8 = 80 %).
    pub tempo_scale: f64,
}

impl Default for Practice {
    fn default() -> Practice {
        Practice {
            section: None,
            loops: 1,
            tempo_scale: 1.0,
        }
    }
}

impl Practice {
    /// Whether this plays the chart as written.
    pub fn is_whole_chart(&self) -> bool {
        self.section.is_none() && self.loops <= 1 && self.tempo_scale == 1.0
    }
}

/// Everything a session needs.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// The chart file (`None`: record without a chart).
    pub chart: Option<PathBuf>,
    /// The players (one or two with a chart).
    pub players: Vec<PlayerSpec>,
    /// The session directory (created when the capture starts, so a start that fails leaves
    /// none behind; must not hold a capture already).
    pub out_dir: PathBuf,
    /// How time zero is fixed.
    pub start: Start,
    /// Bars of count-in.
    pub count_in_bars: u32,
    /// MIDI output for the click (`--click-port`).
    pub click_port: Option<String>,
    /// Section, loops, tempo.
    pub practice: Practice,
    /// Stop after this long (capture clock).
    pub duration: Option<Nanos>,
    /// Replay speed (1 = real time).
    pub speed: f64,
    /// Timing windows for judging.
    pub timing: Timing,
    /// Set to stop the session (signals).
    pub stop: Arc<AtomicBool>,
    /// Show judgements on stdout.
    pub show: bool,
    /// Redraw in place (a terminal) rather than plain lines.
    pub tty: bool,
    /// How the chart is read: SMF channel, rhythm-game difficulty and double kicks.
    pub chart_options: formats::ChartLoadOptions,
    /// Kit map files given by path, by player name. The printed `pocket score` command passes
    /// them as `--kit NAME=FILE`, so re-scoring reads the takes with the same kit.
    pub kit_files: std::collections::BTreeMap<String, String>,
    /// The chart's kit (`chart_options.smf.kit`) as the user named it, a profile or a kit map
    /// file, for the printed `pocket score` command (default: the kit's name).
    pub chart_kit: Option<String>,
    /// For tests of the crash path: the consumer panics after this many events.
    #[doc(hidden)]
    pub fail_after_events: Option<u64>,
    /// The stage (`--serve`): fed every live judgement, ended with the report.
    pub stage: Option<crate::stage::Stage>,
    /// Backing audio to play along with (`None`: none); its chart-zero sound is time zero.
    pub backing: Option<super::play_along::BackingRequest>,
}

impl SessionOptions {
    /// Defaults: no chart, count-in of two bars, real speed, standard timing, quiet.
    pub fn new(out_dir: impl Into<PathBuf>) -> SessionOptions {
        SessionOptions {
            chart: None,
            players: Vec::new(),
            out_dir: out_dir.into(),
            start: Start::CountIn,
            count_in_bars: 2,
            click_port: None,
            practice: Practice::default(),
            duration: None,
            speed: 1.0,
            timing: Timing::default(),
            stop: Arc::new(AtomicBool::new(false)),
            show: false,
            tty: false,
            chart_options: formats::ChartLoadOptions::default(),
            kit_files: std::collections::BTreeMap::new(),
            chart_kit: None,
            backing: None,
            fail_after_events: None,
            stage: None,
        }
    }
}

/// What a finished session left behind.
#[derive(Debug)]
pub struct SessionOutcome {
    /// The capture log.
    pub capture: PathBuf,
    /// The chart the session was judged against as written to the session directory (a
    /// practice chart), or the chart file given.
    pub chart_path: Option<String>,
    /// The report (with a chart).
    pub report: Option<Report>,
    /// Where it was written.
    pub report_path: Option<PathBuf>,
    /// One SMF per player.
    pub takes: Vec<PathBuf>,
    /// How the capture ended.
    pub summary: ConsumerSummary,
    /// Warnings about the capture (lost ports, overflows).
    pub warnings: Vec<String>,
    /// The `pocket score` command that gives the same report.
    pub score_command: Option<String>,
    /// With audio inputs: the `pocket score` command that scores their recordings instead of
    /// the capture log (each `audio-NAME.wav#zero=T`, T the capture's time zero in seconds).
    pub audio_score_command: Option<String>,
}

/// Name of the capture log in a session directory.
pub const CAPTURE_FILE: &str = "capture.jsonl";
/// Name of the report in a session directory.
pub const REPORT_FILE: &str = "report.json";
/// The recording of an audio player's input in a session directory: `audio-NAME.wav`.
pub fn audio_file_name(player: &str) -> String {
    format!("audio-{}.wav", file_safe(player))
}

/// How long the live judge of an audio player waits behind the capture clock until its
/// transcriber says how far it has decided (then the judge follows that, see
/// the consumer's `ConsumerPlayer::delay`): the transcriber's
/// detection latency (78 ms at 44.1 kHz, less at 48 kHz: `Streaming::latency`) plus room for
/// the period (up to 2048 frames, 43 ms at 48 kHz) and for a stroke refined before its onset
/// frame (30 ms).
pub const AUDIO_JUDGE_DELAY: Nanos = Nanos(160_000_000);

/// Name of the practice chart in a session directory.
pub const PRACTICE_CHART_FILE: &str = "chart.json";

/// Parses `NAME=PORT[#channel=N]` (or with `replay`, `NAME=TAKE`).
pub fn parse_player(text: &str, replay: bool) -> Result<(String, PlayerSource), LiveError> {
    let (name, rest) = text
        .split_once('=')
        .filter(|(n, v)| !n.trim().is_empty() && !v.trim().is_empty())
        .ok_or_else(|| {
            let form = if replay { "NAME=TAKE" } else { "NAME=PORT" };
            LiveError::Settings(format!("{text:?}: expected {form}"))
        })?;
    if replay {
        return Ok((
            name.to_string(),
            PlayerSource::Replay {
                spec: rest.to_string(),
            },
        ));
    }
    if let Some(device) = rest.strip_prefix("audio:") {
        // The take-spec grammar's audio selector: `DEVICE#audio-channel=N`.
        let spec = formats::TakeSpec::parse(device)
            .map_err(|e| LiveError::Settings(format!("{text:?}: {e}")))?;
        if spec.sync_first || spec.audio_zero.is_some() || spec.player.is_some() {
            return Err(LiveError::Settings(format!(
                "{text:?}: an audio input takes one selector, #audio-channel=N (one input \
                 channel of the device, from 1)"
            )));
        }
        let query = spec.path.to_string_lossy().into_owned();
        if query.trim().is_empty() || !spec.selector.is_all() {
            return Err(LiveError::Settings(format!(
                "{text:?}: name the audio input after audio: (part of a port name that \
                 `pocket devices` lists under audio inputs), then optionally \
                 #audio-channel=N"
            )));
        }
        return Ok((
            name.to_string(),
            PlayerSource::Audio {
                query,
                channel: spec.audio_channel,
            },
        ));
    }
    let (query, channel) = match rest.rsplit_once("#channel=") {
        Some((q, ch)) => match ch.parse::<u8>() {
            Ok(c @ 1..=16) => (q, Some(c)),
            _ => {
                return Err(LiveError::Settings(format!(
                    "{text:?}: the channel must be 1 to 16"
                )))
            }
        },
        None => (rest, None),
    };
    Ok((
        name.to_string(),
        PlayerSource::Port {
            query: query.to_string(),
            channel,
        },
    ))
}

/// The ticks a practice plays of `chart`: `section` (its start to the next section's, or to the
/// bar after the last note) or the whole chart, and the section's name.
pub fn practice_span(
    chart: &Chart,
    section: Option<&str>,
) -> Result<(Ticks, Ticks, Option<String>), LiveError> {
    let bad = |m: String| LiveError::Settings(m);
    let map = &chart.tempo_map;
    let chart_end = {
        let last = chart.notes.last().map_or(Ticks(0), |n| n.tick);
        map.bar_start(map.position(last).bar + 1)
    };
    Ok(match section {
        Some(name) => {
            let q = name.to_lowercase();
            let i = chart
                .sections
                .iter()
                .position(|s| s.name.to_lowercase() == q)
                .ok_or_else(|| {
                    let names: Vec<&str> = chart.sections.iter().map(|s| s.name.as_str()).collect();
                    bad(format!(
                        "the chart has no section {name:?}; its sections are: {}",
                        if names.is_empty() {
                            "(none)".to_string()
                        } else {
                            names.join(", ")
                        }
                    ))
                })?;
            let s = &chart.sections[i];
            let end = chart
                .sections
                .get(i + 1)
                .map_or(chart_end, |n| n.tick)
                .max(s.tick);
            (s.tick, end, Some(s.name.clone()))
        }
        None => (Ticks(0), chart_end, None),
    })
}

/// The chart as practised: only `section` (bar-aligned ticks from its start to the next
/// section or the end of the chart), repeated `loops` times, every tempo scaled by
/// `tempo_scale`. The title says what was played.
pub fn practice_chart(chart: &Chart, practice: &Practice) -> Result<Chart, LiveError> {
    if practice.is_whole_chart() {
        return Ok(chart.clone());
    }
    let bad = |m: String| LiveError::Settings(m);
    if !(practice.tempo_scale.is_finite() && (0.1..=4.0).contains(&practice.tempo_scale)) {
        return Err(bad(format!(
            "a tempo of {}% is out of range; use 10% to 400%",
            practice.tempo_scale * 100.0
        )));
    }
    let loops = practice.loops.max(1);
    let map = &chart.tempo_map;
    let (start, end, label) = practice_span(chart, practice.section.as_deref())?;
    let len = end.0 - start.0;
    if len <= 0 {
        return Err(bad("the section is empty".into()));
    }
    let scale = |t: Tempo| {
        if practice.tempo_scale == 1.0 {
            t
        } else {
            Tempo::from_bpm(t.bpm() * practice.tempo_scale)
        }
    };
    let mut tempos: Vec<(Ticks, Tempo)> = Vec::new();
    for k in 0..i64::from(loops) {
        let base = k * len;
        tempos.push((Ticks(base), scale(map.tempo_at(start))));
        for t in map.tempos() {
            if t.tick > start && t.tick < end {
                tempos.push((Ticks(base + t.tick.0 - start.0), scale(t.tempo)));
            }
        }
    }
    let pickup = if start.0 == 0 && loops == 1 {
        map.pickup()
    } else {
        Ticks(0)
    };
    let mut new_map = TempoMap::new(map.ppq(), &tempos, map.signature_at(start), pickup)
        .map_err(|e| bad(format!("the practice chart's tempo map: {e}")))?;
    for k in 0..i64::from(loops) {
        let base = k * len;
        if k > 0 {
            new_map
                .add_signature_at_tick(Ticks(base), map.signature_at(start))
                .map_err(|e| bad(format!("the practice chart's time signatures: {e}")))?;
        }
        for s in map.signatures() {
            if s.tick > start && s.tick < end {
                new_map
                    .add_signature_at_tick(Ticks(base + s.tick.0 - start.0), s.signature)
                    .map_err(|e| bad(format!("the practice chart's time signatures: {e}")))?;
            }
        }
    }
    let mut notes = Vec::new();
    let mut sections = Vec::new();
    for k in 0..i64::from(loops) {
        let base = k * len;
        for s in &chart.sections {
            if s.tick >= start && s.tick < end {
                let tick = Ticks(base + s.tick.0 - start.0);
                let name = if loops > 1 {
                    format!("{} ({}/{loops})", s.name, k + 1)
                } else {
                    s.name.clone()
                };
                sections.push(Section {
                    name,
                    tick,
                    time: new_map.time(tick),
                });
            }
        }
        for n in &chart.notes {
            if n.tick >= start && n.tick < end {
                let tick = Ticks(base + n.tick.0 - start.0);
                notes.push(Note {
                    tick,
                    time: new_map.time(tick),
                    ..*n
                });
            }
        }
    }
    let mut what = Vec::new();
    if let Some(l) = &label {
        what.push(format!("section {l}"));
    }
    if loops > 1 {
        what.push(format!("{loops} times"));
    }
    if practice.tempo_scale != 1.0 {
        what.push(format!(
            "at {}% tempo",
            (practice.tempo_scale * 100.0).round()
        ));
    }
    let info = ChartInfo {
        title: format!("{} (practice: {})", chart.info.title, what.join(", ")),
        ..chart.info.clone()
    };
    Chart::new(info, new_map, sections, notes)
        .map_err(|e| bad(format!("the practice chart is not valid: {e}")))
}

/// Capture-clock length from time zero to the chart's end plus two bars.
pub fn chart_stop_after(chart: &Chart) -> Nanos {
    let map = &chart.tempo_map;
    let last = chart.notes.last().map_or(Ticks(0), |n| n.tick);
    map.time(map.bar_start(map.position(last).bar + 3))
}

/// Scores the capture log against `chart` exactly as `pocket score --chart CHART_PATH --player
/// NAME=CAPTURE#player=NAME ...` does with default options (and `--detail` with `detail`).
pub fn report_from_capture(
    chart: &Chart,
    chart_path: &str,
    capture: &Path,
    kits: &[Option<KitMap>],
    detail: bool,
) -> Result<(Report, Vec<LoadedTake>), LiveError> {
    let cap = capture_log::read_capture(capture)?;
    let mut loaded = Vec::new();
    for (i, p) in cap.header.players.iter().enumerate() {
        let spec = format!("{}#player={}", capture.display(), p.name);
        loaded.push(formats::load_take(
            &spec,
            kits.get(i).and_then(Option::as_ref),
        )?);
    }
    let inputs: Vec<PlayerInput> = loaded
        .iter()
        .zip(&cap.header.players)
        .map(|(l, p)| PlayerInput {
            kit: l.kit.clone(),
            offsets: l
                .offsets
                .map(|(hands, feet)| Offsets { hands, feet })
                .unwrap_or_default(),
            capture: l.capture.clone(),
            ..PlayerInput::new(p.name.clone(), &l.take)
        })
        .collect();
    // A kit map's own merges were applied to its take; the chart needs them too, as in
    // `pocket score`, so that the two reports agree.
    let lanes =
        formats::chart_lane_map(&crate::kit::LaneMap::new(), &loaded).map_err(|(_, e)| {
            LiveError::Settings(format!(
                "the players' kits merge lanes in conflicting ways: {e}"
            ))
        })?;
    let mut options = ScoreOptions::default().with_lane_map(&lanes);
    options.detail = detail;
    options.span = crate::session::played_span(
        chart,
        options.span,
        formats::stopped_at(&loaded),
        options.timing.window,
    );
    let (mut report, _) = crate::session::score_session(
        chart,
        chart_path,
        &inputs,
        &options,
        &crate::sync::SyncOptions::default(),
    );
    report.warnings.extend(formats::take_warnings(&loaded));
    report.settings.audio = formats::backing_audio(&loaded);
    Ok((report, loaded))
}

fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> LiveError + '_ {
    move |source| LiveError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates the session directory, writes the practice chart (if any) and opens the capture log.
/// If one of these fails, what it wrote is removed, and the directory too when this made it and
/// it is empty: a start that fails leaves no empty session behind, and never deletes data.
fn start_capture(
    dir: &Path,
    practice: Option<(&Path, &str)>,
    capture_path: &Path,
    header: &CaptureHeader,
) -> Result<CaptureWriter, LiveError> {
    let made = !dir.exists();
    let result = (|| {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        if let Some((path, text)) = practice {
            std::fs::write(path, text).map_err(io_err(path))?;
        }
        Ok(CaptureWriter::create(capture_path, header)?)
    })();
    if result.is_err() && made {
        if let Some((path, _)) = practice {
            let _ = std::fs::remove_file(path);
        }
        // `remove_dir` removes only an empty directory.
        let _ = std::fs::remove_dir(dir);
    }
    result
}

/// Runs a session: capture until a stop condition, then write the report and the takes.
pub fn run(opts: SessionOptions) -> Result<SessionOutcome, LiveError> {
    if opts.players.is_empty() {
        return Err(LiveError::Settings("name at least one player".into()));
    }
    if opts.chart.is_some() && opts.players.len() > 2 {
        return Err(LiveError::Settings(
            "a chart session takes one or two players".into(),
        ));
    }
    for (i, p) in opts.players.iter().enumerate() {
        if opts.players[..i].iter().any(|q| q.name == p.name) {
            return Err(LiveError::Settings(format!(
                "two players are named {:?}; names must differ",
                p.name
            )));
        }
    }
    // The session directory is made only once everything has opened (start_capture), so a
    // start that fails leaves nothing behind.
    let capture_path = opts.out_dir.join(CAPTURE_FILE);
    if capture_path.exists() {
        return Err(LiveError::Settings(format!(
            "{} already holds a capture; choose another session directory with -o",
            opts.out_dir.display()
        )));
    }

    // The chart as played.
    let mut chart_path_text = None;
    let mut practice_file: Option<(PathBuf, String)> = None;
    let mut song = None;
    // The part of the original chart a section or a loop plays, for the backing audio.
    let mut practice_slice: Option<crate::backing::Slice> = None;
    let chart = match &opts.chart {
        Some(path) => {
            let original = formats::load_chart(path, &opts.chart_options)?;
            song = Some(crate::identity::Song::of(&original, path));
            if opts.practice.is_whole_chart() {
                chart_path_text = Some(path.display().to_string());
                Some(original)
            } else {
                if opts.practice.section.is_some() || opts.practice.loops > 1 {
                    let (a, b, _) = practice_span(&original, opts.practice.section.as_deref())?;
                    practice_slice = Some(crate::backing::Slice {
                        start: original.tempo_map.time(a),
                        end: Some(original.tempo_map.time(b)),
                        passes: opts.practice.loops.max(1),
                    });
                }
                let practised = practice_chart(&original, &opts.practice)?;
                let out = opts.out_dir.join(PRACTICE_CHART_FILE);
                let text = chart_json::write_chart(&practised);
                // Judge against the chart exactly as `pocket score` will read it back.
                let reread = chart_json::read_chart_str(&out, &text)?;
                chart_path_text = Some(out.display().to_string());
                practice_file = Some((out, text));
                Some(reread)
            }
        }
        None => None,
    };

    // Sources: ports (stable names, shared by players on one port) and replays.
    let clock = CaptureClock::with_speed(opts.speed);
    let mut port_names: Vec<String> = Vec::new();
    let mut live_ports: Vec<(u16, PortRef)> = Vec::new();
    let mut player_ports: Vec<(u16, Option<u8>)> = Vec::new();
    let mut replays: Vec<(usize, Vec<crate::event::RawEvent>)> = Vec::new();
    let mut kits: Vec<KitMap> = Vec::new();
    let mut audio_inputs: Vec<(super::audio_in::AudioInput, ports::Backend)> = Vec::new();
    for p in &opts.players {
        let (port, channel, suggested) = match &p.source {
            PlayerSource::Audio { query, channel } => {
                let device = ports::find_audio_input(query)?;
                if let (Some(c), ports::Backend::Jack) = (channel, device.backend) {
                    return Err(LiveError::Settings(format!(
                        "player {}: audio:{query}#audio-channel={c} found the JACK port {:?}, \
                         and a JACK port is one channel: name the port of that channel \
                         instead (such as audio:system:capture_{c}), without #audio-channel",
                        p.name, device.name
                    )));
                }
                port_names.push(match channel {
                    Some(c) => format!("audio {}#audio-channel={c}", device.name),
                    None => format!("audio {}", device.name),
                });
                let index = port_names.len() - 1;
                audio_inputs.push((
                    super::audio_in::AudioInput {
                        port: index as u16,
                        device: device.name,
                        wav: opts.out_dir.join(audio_file_name(&p.name)),
                        player: p.name.clone(),
                        channel: *channel,
                    },
                    device.backend,
                ));
                // The transcriber writes each hit as the General MIDI note of its lane.
                (index, None, KitMap::builtin("gm"))
            }
            PlayerSource::Port { query, channel } => {
                let port = ports::find_input(query)?;
                let stable = port.name.clone();
                let index = match port_names.iter().position(|n| *n == stable) {
                    Some(i) => i,
                    None => {
                        port_names.push(stable.clone());
                        live_ports.push(((port_names.len() - 1) as u16, port));
                        port_names.len() - 1
                    }
                };
                let kit = crate::kit::suggest_profile(&stable).and_then(KitMap::builtin);
                (index, *channel, kit)
            }
            PlayerSource::Replay { spec } => {
                let events = replay::load_events(spec)?;
                port_names.push(format!("replay {}", spec));
                replays.push((port_names.len() - 1, events));
                let kit = recorded_kit(spec);
                (port_names.len() - 1, None, kit)
            }
        };
        player_ports.push((port as u16, channel));
        let kit = p
            .kit
            .clone()
            .or(suggested)
            .or_else(|| KitMap::builtin("gm"))
            .ok_or_else(|| LiveError::Settings("the built-in gm kit is missing".into()))?;
        kits.push(kit);
    }

    // Time zero and stop.
    let lead = Nanos::from_millis(500);
    let clicks = match (&chart, opts.start) {
        (Some(c), Start::CountIn) => count_in_clicks(c, opts.count_in_bars.max(1)),
        _ => Vec::new(),
    };
    // Replays are scheduled so that their first event comes `lead` after the start; without a
    // chart, their own time zero is the session's, so the takes written keep the source's time
    // base (with a chart, chart time zero is, as `live` replays it).
    let replay_zero = (!replays.is_empty()).then(|| {
        let first = replays
            .iter()
            .map(|(_, e)| replay::first_time(e))
            .min()
            .unwrap_or(Nanos::ZERO);
        lead.saturating_sub(first)
    });
    // Backing audio: started before the capture (after the count-in's clicks); the instant
    // its chart-zero sample is heard is time zero.
    let mut play_along = super::play_along::for_session(
        opts.backing.as_ref(),
        opts.chart.as_deref(),
        practice_slice,
        opts.practice.tempo_scale,
        opts.speed,
        &clicks,
        clock,
    )?;
    let (start_mode, time_zero) = match (&chart, opts.start) {
        (None, _) => (StartMode::None, replay_zero),
        (Some(_), Start::Now) => (StartMode::Now, Some(Nanos::ZERO)),
        (Some(_), Start::FirstHit) => (StartMode::FirstHit, None),
        (Some(_), Start::CountIn) => {
            let first = clicks.first().map_or(Nanos::ZERO, |c| c.0);
            (StartMode::CountIn, Some(lead.saturating_sub(first)))
        }
    };

    let time_zero = play_along.as_ref().map_or(time_zero, |p| Some(p.time_zero));

    // The capture log header.
    let mut header = CaptureHeader::new(start_mode);
    header.time_zero = time_zero;
    header.audio = play_along.as_ref().map(|p| p.capture_header());
    if let (Some(path), Some(c)) = (&chart_path_text, &chart) {
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| PathBuf::from(path));
        header.chart = Some(ChartRef {
            path: abs.display().to_string(),
            title: (!c.info.title.is_empty()).then(|| c.info.title.clone()),
        });
    }
    header.section = opts.practice.section.clone();
    header.looped = opts.practice.loops > 1;
    header.tempo_scale = (opts.practice.tempo_scale != 1.0).then_some(opts.practice.tempo_scale);
    header.ports = port_names
        .iter()
        .enumerate()
        .map(|(i, n)| PortInfo {
            index: i as u16,
            name: n.clone(),
            audio_file: audio_inputs
                .iter()
                .map(|(a, _)| a)
                .find(|a| usize::from(a.port) == i)
                .and_then(|a| a.wav.file_name())
                .map(|f| f.to_string_lossy().into_owned()),
        })
        .collect();
    header.players = opts
        .players
        .iter()
        .zip(&player_ports)
        .zip(&kits)
        .map(|((p, &(port, channel)), kit)| PlayerInfo {
            name: p.name.clone(),
            port,
            channel,
            kit: kit.name.clone(),
            kit_file: opts.kit_files.get(&p.name).cloned(),
            offset_hands: p.offsets.hands,
            offset_feet: p.offsets.feet,
        })
        .collect();

    // The click destination before anything starts, so a missing port fails early; the
    // clicks at their capture-clock times.
    let click_port = opts
        .click_port
        .as_deref()
        .map(ports::find_output)
        .transpose()?;
    let click_times: Vec<(Nanos, bool)> = match time_zero {
        Some(zero) => clicks
            .iter()
            .map(|&(t, accent)| (zero.saturating_add(t), accent))
            .collect(),
        None => Vec::new(),
    };
    let click = click_port
        .as_ref()
        .filter(|_| !click_times.is_empty())
        .map(|p| (p, click_times.as_slice()));

    let (control_tx, control_rx) = channel::<Control>();

    // Live ports, and how their events are stamped.
    let inputs = OpenPorts::open(
        &live_ports,
        &audio_inputs,
        click,
        play_along.as_mut().and_then(|p| p.take_jack()),
        clock,
        control_tx.clone(),
        Arc::clone(&opts.stop),
    )?;
    // On JACK the backing's time zero is exact once its ports are connected.
    if let (Some(p), Some(started)) = (play_along.as_mut(), inputs.backing_started()) {
        p.jack_started(started);
    }
    let time_zero = play_along.as_ref().map_or(time_zero, |p| Some(p.time_zero));
    header.time_zero = time_zero;
    header.capture = match inputs.stamps() {
        Some(s) => Some(s.clone()),
        None if !replays.is_empty() => Some(StampSource {
            backend: "replay".into(),
            sample_rate: None,
            period_frames: None,
            stamp_resolution_ms: 0.0,
        }),
        None => None,
    };

    // Capture starts: the session directory, the practice chart and the capture log.
    let writer = start_capture(
        &opts.out_dir,
        practice_file
            .as_ref()
            .map(|(p, t)| (p.as_path(), t.as_str())),
        &capture_path,
        &header,
    )?;

    // Replays.
    let replay_stop = Arc::new(AtomicBool::new(false));
    let mut replay_threads = Vec::new();
    let origin = time_zero.or(replay_zero).unwrap_or(Nanos::ZERO);
    let replay_count = replays.len();
    for (port, events) in replays {
        let (tx, rx) = ring(DEFAULT_RING_BYTES, clock);
        let _ = control_tx.send(Control::Ring {
            port: port as u16,
            receiver: rx,
        });
        let name = header
            .players
            .iter()
            .find(|p| usize::from(p.port) == port)
            .map_or("x", |p| p.name.as_str())
            .to_string();
        let t = ReplayThread::spawn(&name, events, origin, tx, Arc::clone(&replay_stop))
            .map_err(io_err(&capture_path))?;
        replay_threads.push(t);
    }

    // The consumer, on its own thread so a panic there is caught and reported.
    let players: Vec<ConsumerPlayer> = kits
        .iter()
        .zip(&opts.players)
        .zip(&player_ports)
        .map(|((kit, p), &(port, channel))| ConsumerPlayer {
            port,
            channel,
            judge: OnlineJudge::new(kit.clone(), p.offsets, opts.timing, chart.as_ref()),
            delay: match p.source {
                PlayerSource::Audio { .. } => AUDIO_JUDGE_DELAY,
                _ => Nanos::ZERO,
            },
        })
        .collect();
    let config = ConsumerConfig {
        ports: port_names.len(),
        players,
        clock,
        time_zero,
        first_hit_note: match (opts.start, &chart) {
            (Start::FirstHit, Some(c)) => Some(c.notes.first().map_or(Nanos::ZERO, |n| n.time)),
            _ => None,
        },
        stop_after_zero: chart.as_ref().map(chart_stop_after),
        stop_at: opts.duration,
        end_when_sources_done: live_ports.is_empty() && audio_inputs.is_empty() && chart.is_none(),
        stop: Arc::clone(&opts.stop),
        fail_after_events: opts.fail_after_events,
        stage: opts.stage.as_ref().map(|stage| {
            let names: Vec<String> = opts.players.iter().map(|p| p.name.clone()).collect();
            let t = &opts.timing;
            stage.begin(crate::stage::StageStart {
                chart: chart.as_ref(),
                players: &names,
                speed: opts.speed,
                edges: [t.edges[0], t.edges[1], t.edges[2], t.window],
                zero_at: time_zero.map(|z| clock.instant_of(z)),
            })
        }),
    };
    let names: Vec<String> = opts.players.iter().map(|p| p.name.clone()).collect();
    let show = opts.show;
    let tty = opts.tty;
    let free_play = chart.is_none();
    let consumer_thread = std::thread::Builder::new()
        .name("pocket-consumer".into())
        .spawn(move || {
            let mut display = if show {
                Display::spawn(names, tty, free_play, Box::new(std::io::stdout()))
            } else {
                Display::none()
            };
            if show {
                display.send(DisplayEvent::Status("capturing: Ctrl-C stops".into()));
            }
            let r = consumer::run(writer, config, control_rx, &mut display);
            display.finish();
            r
        })
        .map_err(|e| {
            // Release the replay and click threads, which wait for the session to end.
            replay_stop.store(true, Ordering::Relaxed);
            opts.stop.store(true, Ordering::Relaxed);
            io_err(&capture_path)(e)
        })?;

    // Tell the consumer when every replay is done; stop the replays when it ends.
    let mut done_sent = replay_count == 0;
    while !consumer_thread.is_finished() {
        if !done_sent && replay_threads.iter().all(ReplayThread::is_finished) {
            let _ = control_tx.send(Control::SourcesDone);
            done_sent = true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let result = consumer_thread.join();
    replay_stop.store(true, Ordering::Relaxed);
    opts.stop.store(true, Ordering::Relaxed);
    for t in replay_threads {
        t.join();
    }
    let audio_warnings = inputs.close();
    let summary = match result {
        Ok(r) => r?,
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic".into());
            return Err(LiveError::Crashed(what));
        }
    };

    // Afterwards: the report and the takes, from the capture log.
    let cap = capture_log::read_capture(&capture_path)?;
    let mut warnings = cap.warnings();
    warnings.extend(audio_warnings);
    let backing_zero = play_along.is_some();
    let audio_settings = play_along.as_ref().map(|p| p.report_settings());
    warnings.extend(play_along.map(|p| p.finish()).unwrap_or_default());
    let file_kits: Vec<Option<KitMap>> = opts
        .players
        .iter()
        .zip(&kits)
        .map(|(_, k)| KitMap::builtin(&k.name).is_none().then(|| k.clone()))
        .collect();
    let mut outcome = SessionOutcome {
        capture: capture_path.clone(),
        chart_path: chart_path_text.clone(),
        report: None,
        report_path: None,
        takes: Vec::new(),
        summary,
        warnings,
        score_command: None,
        audio_score_command: None,
    };
    let loaded: Vec<LoadedTake> = match (&chart, &chart_path_text) {
        (Some(c), Some(path)) => {
            let (mut report, loaded) =
                report_from_capture(c, path, &capture_path, &file_kits, false)?;
            // The song the chart was made from, so that the practice history groups practice
            // charts with it.
            if let Some(song) = &song {
                let p = &opts.practice;
                let practice =
                    (!p.is_whole_chart()).then(|| (p.section.clone(), p.loops, p.tempo_scale));
                song.stamp(report.chart.as_mut(), practice);
            }
            report.settings.audio = audio_settings;
            let rp = opts.out_dir.join(REPORT_FILE);
            std::fs::write(&rp, report.to_json()).map_err(io_err(&rp))?;
            let mut args: Vec<String> = opts
                .players
                .iter()
                .map(|p| {
                    format!(
                        "--player '{}={}#player={}'",
                        p.name,
                        capture_path.display(),
                        p.name
                    )
                })
                .collect();
            // Kit map files by path: the capture log records only the kit's name.
            for (p, file_kit) in opts.players.iter().zip(&file_kits) {
                if let (Some(_), Some(file)) = (file_kit, opts.kit_files.get(&p.name)) {
                    args.push(format!("--kit '{}={file}'", p.name));
                }
            }
            // A practice chart is written as pocket chart JSON; only the original needs these.
            if opts.practice.is_whole_chart() {
                let o = &opts.chart_options;
                if o.difficulty != formats::Difficulty::default() {
                    args.push(format!("--difficulty {}", o.difficulty.name()));
                }
                if o.double_kick {
                    args.push("--double-kick".into());
                }
                if let Some(kit) = &o.smf.kit {
                    let named = opts.chart_kit.as_deref().unwrap_or(&kit.name);
                    args.push(format!("--chart-kit '{named}'"));
                }
            }
            outcome.score_command =
                Some(format!("pocket score --chart '{path}' {}", args.join(" ")));
            if let (false, Some(zero)) = (audio_inputs.is_empty(), cap.time_zero) {
                let players: Vec<String> = opts
                    .players
                    .iter()
                    .zip(&args)
                    .map(|(p, arg)| match p.source {
                        PlayerSource::Audio { .. } => format!(
                            "--player '{}={}#zero={}'",
                            p.name,
                            opts.out_dir.join(audio_file_name(&p.name)).display(),
                            crate::time::format_seconds(zero)
                        ),
                        _ => arg.clone(),
                    })
                    .collect();
                outcome.audio_score_command = Some(format!(
                    "pocket score --chart '{path}' {}",
                    players.join(" ")
                ));
            }
            outcome.report = Some(report);
            outcome.report_path = Some(rp);
            loaded
        }
        _ => {
            let mut v = Vec::new();
            for (i, p) in opts.players.iter().enumerate() {
                let spec = format!("{}#player={}", capture_path.display(), p.name);
                v.push(formats::load_take(&spec, file_kits[i].as_ref())?);
            }
            v
        }
    };
    if let Some(stage) = &opts.stage {
        let detailed = match (&chart, &chart_path_text) {
            (Some(c), Some(path)) => {
                Some(report_from_capture(c, path, &capture_path, &file_kits, true)?.0)
            }
            _ => None,
        };
        stage.end(
            outcome.summary.reason,
            outcome.report.as_ref(),
            detailed.as_ref(),
        );
    }
    // A take without a chart says what its time zero is.
    let zero = match (&chart, time_zero) {
        (Some(_), _) => None,
        (None, Some(_)) if backing_zero => Some("the backing audio's first sample, as heard"),
        (None, Some(_)) => Some("the replayed take's time zero"),
        (None, None) => Some("the first MIDI event of the session"),
    };
    for (p, l) in opts.players.iter().zip(&loaded) {
        let path = opts
            .out_dir
            .join(format!("take-{}.mid", file_safe(&p.name)));
        let bytes =
            smf::write_take_noting_zero(&l.take, chart.as_ref().map(|c| &c.tempo_map), zero);
        std::fs::write(&path, bytes).map_err(io_err(&path))?;
        outcome.takes.push(path);
    }
    Ok(outcome)
}

/// The kit recorded in a replayed capture log, if it is a built-in profile.
pub(super) fn recorded_kit(spec: &str) -> Option<KitMap> {
    let spec = formats::TakeSpec::parse(spec).ok()?;
    let path = spec.path.as_path();
    if formats::detect(path).ok()? != formats::Format::CaptureLog {
        return None;
    }
    let cap = capture_log::read_capture(path).ok()?;
    let p = match spec.player.as_deref() {
        Some(n) => cap.header.players.iter().find(|p| p.name == n)?,
        None => cap.header.players.first()?,
    };
    KitMap::builtin(&p.kit)
}

/// Sets `flag` on SIGINT and SIGTERM (a second Ctrl-C exits at once).
pub fn stop_on_signals(flag: &Arc<AtomicBool>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    for sig in [SIGINT, SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(flag))?;
        signal_hook::flag::register(sig, Arc::clone(flag))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo_chart() -> Chart {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::demo::CHART_PATH);
        formats::load_chart(&path, smf::SmfChartOptions::default()).expect("demo chart")
    }

    #[test]
    fn players_parse_with_a_channel() {
        let (name, src) = parse_player("Lee=TD-17#channel=10", false).expect("valid");
        assert_eq!(name, "Lee");
        assert_eq!(
            src,
            PlayerSource::Port {
                query: "TD-17".into(),
                channel: Some(10)
            }
        );
        assert!(parse_player("Lee=TD-17#channel=17", false).is_err());
        assert!(parse_player("Lee", false).is_err());
    }

    #[test]
    fn an_audio_player_takes_one_input_channel_with_the_take_spec_selector() {
        let audio = |t: &str| parse_player(t, false).map(|(_, s)| s);
        assert_eq!(
            audio("Lee=audio:USB Audio#audio-channel=2").expect("valid"),
            PlayerSource::Audio {
                query: "USB Audio".into(),
                channel: Some(2)
            }
        );
        assert_eq!(
            audio("Lee=audio:USB Audio").expect("valid"),
            PlayerSource::Audio {
                query: "USB Audio".into(),
                channel: None
            }
        );
        let err = |t: &str| audio(t).expect_err(t).to_string();
        assert!(
            err("Lee=audio:USB#audio-channel=0").contains("audio channels are counted from 1"),
            "{}",
            err("Lee=audio:USB#audio-channel=0")
        );
        for bad in ["Lee=audio:USB#zero=1", "Lee=audio:USB#sync=first"] {
            assert!(
                err(bad).contains("one selector, #audio-channel=N"),
                "{}",
                err(bad)
            );
        }
        assert!(err("Lee=audio:USB#channel=2").contains("#audio-channel=N"));
        assert!(err("Lee=audio:#audio-channel=2").contains("name the audio input"));
    }

    #[test]
    fn a_section_looped_at_80_percent() {
        let chart = demo_chart();
        let Some(section) = chart.sections.get(1).cloned() else {
            panic!("the demo chart has sections");
        };
        let next = chart.sections.get(2).map_or(i64::MAX, |s| s.tick.0);
        let in_section = chart
            .notes
            .iter()
            .filter(|n| n.tick >= section.tick && n.tick.0 < next)
            .count();
        let p = Practice {
            section: Some(section.name.to_uppercase()),
            loops: 2,
            tempo_scale: 0.8,
        };
        let c = practice_chart(&chart, &p).expect("valid practice");
        assert_eq!(c.notes.len(), 2 * in_section);
        assert!(
            c.info.title.contains("2 times") && c.info.title.contains("80%"),
            "{}",
            c.info.title
        );
        let bpm = c.tempo_map.tempo_at(Ticks(0)).bpm();
        let orig = chart.tempo_map.tempo_at(section.tick).bpm();
        assert!((bpm - orig * 0.8).abs() < 0.01, "{bpm} vs {orig}");
        // The first note of the section sits at the same offset from the section start.
        let first = chart
            .notes
            .iter()
            .find(|n| n.tick >= section.tick)
            .map(|n| n.tick.0 - section.tick.0);
        assert_eq!(c.notes.first().map(|n| n.tick.0), first);
    }

    #[test]
    fn an_unknown_section_lists_the_sections() {
        let chart = demo_chart();
        let p = Practice {
            section: Some("bridge-that-is-not-there".into()),
            ..Practice::default()
        };
        let err = practice_chart(&chart, &p).expect_err("no such section");
        assert!(err.to_string().contains(&chart.sections[0].name), "{err}");
    }

    #[test]
    fn the_count_in_ends_one_beat_before_zero() {
        let chart = demo_chart();
        let clicks = count_in_clicks(&chart, 1);
        assert_eq!(clicks.len(), 4);
        assert!(clicks[0].1 && !clicks[1].1);
        let beat = chart
            .tempo_map
            .time(Ticks(chart.tempo_map.beat_ticks_at(Ticks(0))));
        assert_eq!(clicks[3].0, Nanos(-beat.0));
    }
}
