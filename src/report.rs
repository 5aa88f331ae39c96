//! The report: what pocket tells people and programs about a performance.
//!
//! These structs are a wire format (docs/report-format.md, docs/report.schema.json). Field order
//! is the JSON key order; maps keyed by lane follow lane order. Times are in seconds (`_s`),
//! offsets in milliseconds (`_ms`); ms figures are rounded to 0.0001 ms. A statistic with no
//! data is `null`. Negative offsets are early.

use crate::lane::{Articulation, Dynamic, Lane};
use crate::stats::round_to;
use crate::time::Nanos;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Version of the report format. Bumped on any incompatible change; fields may be added within
/// a version.
pub const SCHEMA_VERSION: u32 = 1;

/// A complete scoring report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Report format version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The program that wrote the report.
    pub generator: Generator,
    /// The chart played (`null` for chart-free sync).
    pub chart: Option<ChartSummary>,
    /// Everything that influenced the numbers.
    pub settings: Settings,
    /// One entry per player, in command-line order (the first is player a).
    pub players: Vec<PlayerReport>,
    /// How together two players were (two players only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncReport>,
    /// What the readers recovered from while reading the takes (a capture log cut off without
    /// its `end` line, a lost port, ...), one sentence each, as printed on stderr. Absent when
    /// there is nothing to say.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The program that wrote a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Generator {
    /// Always `"pocket"`.
    pub name: String,
    /// pocket's version.
    pub version: String,
}

impl Generator {
    /// This build of pocket.
    pub fn this() -> Generator {
        Generator {
            name: "pocket".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// The chart a report is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartSummary {
    /// Song title.
    pub title: String,
    /// Song artist.
    pub artist: String,
    /// Who wrote the chart.
    pub charter: String,
    /// The chart file as given on the command line (or `"demo"`).
    pub path: String,
    /// Length of the chart, to the end of the last bar with a note, in seconds.
    pub duration_s: f64,
    /// Number of notes in the chart.
    pub notes: usize,
    /// Notes per lane (lanes with no notes are left out).
    pub lanes: BTreeMap<Lane, usize>,
    /// SHA-256 (hex) of the song's normalised notes, each note's lane and time rounded to the
    /// millisecond (docs/history.md), so the same song read from another file or format has
    /// the same hash: of the whole chart, not only a span scored; for a practice chart, of the
    /// chart it was made from. Absent in reports written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes_sha256: Option<String>,
    /// SHA-256 (hex) of the chart file's bytes (a song folder's notes file), as `sha256sum`
    /// prints it; for a practice chart, of the file it was made from. Absent for the bundled
    /// demo and in reports written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_sha256: Option<String>,
    /// What part of the song was practised and how fast, when a live session played a
    /// practice chart (a section, loops, another tempo). Absent for the chart as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practice: Option<PracticeSummary>,
}

/// How a practice chart was made from a song (`pocket live --section`, `--loops`, `--tempo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticeSummary {
    /// The title of the song the practice chart was made from.
    pub song_title: String,
    /// The section practised (`null`: the whole song).
    pub section: Option<String>,
    /// Times through.
    pub loops: u32,
    /// Tempo relative to the song's, percent (100: as written).
    pub tempo_pct: f64,
}

/// The name of the timing used (`settings.timing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimingName {
    /// The strict preset.
    Strict,
    /// The standard preset.
    Standard,
    /// The lax preset.
    Lax,
    /// Edges or a window given by hand.
    Custom,
    /// A chart-free sync report: no notes were judged.
    Sync,
}

/// A judgement tier of a matched note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Within the perfect edge.
    Perfect,
    /// Within the great edge.
    Great,
    /// Within the good edge.
    Good,
    /// Within the window.
    Poor,
}

impl Tier {
    /// Points: 3, 2, 1, 0.
    pub fn points(self) -> usize {
        match self {
            Tier::Perfect => 3,
            Tier::Great => 2,
            Tier::Good => 1,
            Tier::Poor => 0,
        }
    }
}

/// What became of one chart note: its tier, or a miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoteTier {
    /// Within the perfect edge.
    Perfect,
    /// Within the great edge.
    Great,
    /// Within the good edge.
    Good,
    /// Within the window.
    Poor,
    /// Not matched.
    Miss,
}

impl From<Option<Tier>> for NoteTier {
    fn from(t: Option<Tier>) -> NoteTier {
        match t {
            Some(Tier::Perfect) => NoteTier::Perfect,
            Some(Tier::Great) => NoteTier::Great,
            Some(Tier::Good) => NoteTier::Good,
            Some(Tier::Poor) => NoteTier::Poor,
            None => NoteTier::Miss,
        }
    }
}

/// Why a hit is an extra (matched no note).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExtraKind {
    /// A note on another lane within the window went unplayed: the wrong drum.
    WrongLane,
    /// Nothing to play nearby.
    Overhit,
    /// Right drum and time, wrong articulation (only with strict articulation).
    WrongArticulation,
}

/// The verdict on who leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// One player leads: the other corrects toward them more.
    Leads,
    /// Both correct toward each other alike.
    Mutual,
    /// The data cannot tell.
    Undetermined,
}

/// `name()` (the JSON value) and `Display` for a wire enum.
macro_rules! wire_names {
    ($t:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $t {
            /// The value written in reports.
            pub fn name(self) -> &'static str {
                match self {
                    $($t::$variant => $name),*
                }
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

wire_names!(TimingName { Strict => "strict", Standard => "standard", Lax => "lax", Custom => "custom", Sync => "sync" });
wire_names!(Tier { Perfect => "perfect", Great => "great", Good => "good", Poor => "poor" });
wire_names!(NoteTier { Perfect => "perfect", Great => "great", Good => "good", Poor => "poor", Miss => "miss" });
wire_names!(ExtraKind { WrongLane => "wrong_lane", Overhit => "overhit", WrongArticulation => "wrong_articulation" });
wire_names!(Verdict { Leads => "leads", Mutual => "mutual", Undetermined => "undetermined" });
wire_names!(PairingMode { Chart => "chart", SameLane => "same_lane", AllLanes => "all_lanes" });

/// Settings that influenced the numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The timing preset, `custom` edges, or `sync` for a chart-free sync report.
    pub timing: TimingName,
    /// Matching window: a hit may match a note when |hit − note − offset| ≤ this, in ms.
    pub window_ms: f64,
    /// Tier edges in ms: a matched note gets the first tier whose edge its |offset| does not
    /// exceed; `poor` always reaches to the window.
    pub tiers_ms: TierEdges,
    /// Whether articulation mismatches count as misses.
    pub strict_articulation: bool,
    /// An accent is played when its velocity ≥ this × the player's median on that lane.
    pub accent_ratio: f64,
    /// A ghost note is played when its velocity ≤ this × the player's median on that lane.
    pub ghost_ratio: f64,
    /// Lane merges applied to chart and takes (e.g. `crash=crash2`), empty if none.
    pub lane_merges: Vec<String>,
    /// Whether per-note detail is included.
    pub detail: bool,
    /// Start of the span scored, seconds on the chart's clock: only notes due from then on
    /// were scored, against the hits played from then on (`pocket score --from`). Absent when
    /// scoring started at the beginning of the chart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub played_from_s: Option<f64>,
    /// End of the span played, seconds on the chart's clock: the session stopped early (its
    /// duration ran out, it was stopped, the last kit was lost, or its capture log ends without
    /// an `end` line), or `pocket score --until` was given. Only the notes due up to then were
    /// scored, against the hits played up to then. Absent when the whole chart was played.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub played_until_s: Option<f64>,
    /// How the takes' hits were time-stamped, when they were captured live (capture logs):
    /// the error bar of every time in the report. Absent for other takes (MIDI files, onset
    /// lists), whose times are what the file says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<CaptureSettings>,
    /// Per-player settings, in player order.
    pub players: Vec<PlayerSettings>,
    /// The backing audio played along with (`pocket live --backing`), absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioSettings>,
    /// Parts of the report left out to keep it short (`pocket score --summary-only`), as paths:
    /// [`LEFT_OUT_SUMMARY_ONLY`]. Their arrays are empty and their objects absent. Absent when
    /// nothing was left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<String>,
}

/// The backing audio of a live session and how its sound was placed on the kits' clock
/// (docs/play-along.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AudioSettings {
    /// The audio files mixed.
    pub files: Vec<String>,
    /// The output device.
    pub output: String,
    /// The output latency the audio API reported (buffer to DAC), ms.
    pub reported_latency_ms: f64,
    /// The audio offset added for what no API reports (speakers, headphones, air), ms.
    pub audio_offset_ms: f64,
    /// Where the audio offset came from: `saved` (measured by `pocket calibrate --audio` for
    /// this output), `flag` (`--audio-offset-ms`) or `none` (no offset: 0). Absent in reports
    /// of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_offset_source: Option<AudioOffsetSource>,
    /// Error bar of the mapping from the output's frames to the kits' clock: the spread of the
    /// output callbacks' estimates, ms.
    pub mapping_spread_ms: f64,
    /// Practice tempo the audio was stretched to (1 = the song's own).
    pub tempo: f64,
}

/// Where a session's audio offset came from (`settings.audio.audio_offset_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AudioOffsetSource {
    /// The offset saved for the output device by `pocket calibrate --audio`.
    Saved,
    /// The offset given on the command line (`--audio-offset-ms`).
    Flag,
    /// No offset known: 0.
    None,
}

/// The parts `pocket score --summary-only` leaves out of a report: every player's per-bar
/// table and per-note detail, and the per-bar table of the sync section.
pub const LEFT_OUT_SUMMARY_ONLY: [&str; 3] = ["players[].bars", "players[].detail", "sync.bars"];

/// What [`Report::leave_out_bars_and_detail`] took out, to put back with
/// [`Report::put_back`].
#[derive(Debug, Default)]
pub struct LeftOut {
    players: Vec<(Vec<SpanReport>, Option<PlayerDetail>)>,
    sync_bars: Vec<SyncBar>,
}

/// How the hits of live-captured takes were time-stamped (`settings.capture`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureSettings {
    /// The MIDI backend that stamped the hits: `jack` (pocket's own JACK client: each hit at
    /// its frame), `alsa`, `coremidi`, `winmm`, `replay` (a recorded take fed through the live
    /// path), or several joined by `+` when the takes differ.
    pub backend: String,
    /// The frame clock's rate in frames per second (JACK).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<u32>,
    /// Frames per JACK process cycle (period) when the capture started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_frames: Option<u32>,
    /// The finest step of the time stamps, in ms (one frame under JACK: 1000 / rate; 0.001
    /// for ALSA and CoreMIDI, whose stamps midir gives in µs; 1 for WinMM; 0 for replays).
    /// The largest of the takes' when they differ.
    pub stamp_resolution_ms: f64,
    /// xruns (missed server cycles) reported during the captures.
    pub xruns: usize,
    /// Jumps of the frame clock during the captures.
    pub clock_jumps: usize,
}

impl CaptureSettings {
    /// The settings of several takes' captures together: backends joined, the coarsest
    /// resolution, incidents summed; rate and period only when every take agrees.
    pub fn combine<'a>(takes: impl IntoIterator<Item = &'a CaptureSettings>) -> Option<Self> {
        let mut out: Option<CaptureSettings> = None;
        for c in takes {
            out = Some(match out {
                None => c.clone(),
                Some(mut o) => {
                    for b in c.backend.split('+') {
                        if !o.backend.split('+').any(|x| x == b) {
                            o.backend = format!("{}+{b}", o.backend);
                        }
                    }
                    if o.sample_rate != c.sample_rate {
                        o.sample_rate = None;
                    }
                    if o.period_frames != c.period_frames {
                        o.period_frames = None;
                    }
                    o.stamp_resolution_ms = o.stamp_resolution_ms.max(c.stamp_resolution_ms);
                    o.xruns += c.xruns;
                    o.clock_jumps += c.clock_jumps;
                    o
                }
            });
        }
        out
    }
}

/// Tier edges in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierEdges {
    /// Largest |offset| judged perfect.
    pub perfect: f64,
    /// Largest |offset| judged great.
    pub great: f64,
    /// Largest |offset| judged good.
    pub good: f64,
    /// Largest |offset| judged poor (the window).
    pub poor: f64,
}

/// Settings of one player.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlayerSettings {
    /// Player name.
    pub name: String,
    /// Where the take came from.
    pub take: String,
    /// Kit profile used to read it.
    pub kit: String,
    /// Latency offset subtracted from hand hits, ms (positive: that kit or player is late).
    pub offset_hands_ms: f64,
    /// Latency offset subtracted from foot hits (kick, hi-hat pedal), ms.
    pub offset_feet_ms: f64,
    /// The extra global offset found by `--auto-align`, ms (`null` when not used or not found).
    pub auto_align_ms: Option<f64>,
    /// The latency profile the offsets came from (absent when they were given with
    /// `--offset-ms`, read from a capture log, or zero).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_profile: Option<String>,
}

/// Counts per judgement tier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierCounts {
    /// Matched within the perfect edge.
    pub perfect: usize,
    /// Matched within the great edge.
    pub great: usize,
    /// Matched within the good edge.
    pub good: usize,
    /// Matched within the window but outside good.
    pub poor: usize,
}

/// Extra hits by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtrasByKind {
    /// A note on another lane within the window went unplayed: the wrong drum.
    pub wrong_lane: usize,
    /// Nothing to play nearby.
    pub overhit: usize,
    /// Right drum and time, wrong articulation (only with strict articulation).
    pub wrong_articulation: usize,
}

/// Summary of signed offsets (hit − note − latency offset), in ms. Negative is early.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OffsetStats {
    /// Mean signed offset.
    pub mean: Option<f64>,
    /// Median signed offset.
    pub median: Option<f64>,
    /// Sample standard deviation (n − 1).
    pub sd: Option<f64>,
    /// Mean absolute offset.
    pub mae: Option<f64>,
    /// 5th percentile (linear interpolation).
    pub p05: Option<f64>,
    /// 95th percentile (linear interpolation).
    pub p95: Option<f64>,
}

/// The points score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Points {
    /// 3 per perfect, 2 per great, 1 per good, 0 per poor.
    pub score: usize,
    /// 3 per chart note.
    pub max: usize,
    /// 100 × score / max (`null` for an empty chart).
    pub pct: Option<f64>,
}

/// Articulation judgement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticulationCounts {
    /// Matched notes where both the chart and the kit give an articulation.
    pub judged: usize,
    /// Of those, how many differ (with strict articulation these became misses).
    pub mismatched: usize,
}

/// How notes of one dynamic were played.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DynamicCount {
    /// Matched notes of this dynamic.
    pub notes: usize,
    /// How many of them were played with the dynamic (see the ratios in settings).
    pub played: usize,
}

/// Accents and ghost notes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DynamicsCounts {
    /// Accented notes.
    pub accents: DynamicCount,
    /// Ghost notes.
    pub ghosts: DynamicCount,
}

/// Figures for one lane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LaneReport {
    /// Chart notes on this lane.
    pub notes: usize,
    /// Counted hits on this lane.
    pub hits: usize,
    /// Notes matched.
    pub matched: usize,
    /// Notes not matched.
    pub misses: usize,
    /// Hits on this lane that matched no note.
    pub extras: usize,
    /// 100 × matched / notes (`null` without notes).
    pub accuracy_pct: Option<f64>,
    /// Offsets of matched notes.
    pub offset_ms: OffsetStats,
}

/// Figures for one section or bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpanReport {
    /// Section name, or the bar number as text.
    pub name: String,
    /// Bar where it starts.
    pub bar: i64,
    /// Start time in seconds.
    pub start_s: f64,
    /// Chart notes in it.
    pub notes: usize,
    /// Notes matched.
    pub matched: usize,
    /// Notes missed.
    pub misses: usize,
    /// Extra hits in it (by the hit's time).
    pub extras: usize,
    /// 100 × matched / notes (`null` without notes).
    pub accuracy_pct: Option<f64>,
    /// Mean signed offset of matched notes, ms.
    pub offset_mean_ms: Option<f64>,
    /// SD of offsets of matched notes, ms.
    pub offset_sd_ms: Option<f64>,
    /// The chart's tempo at the start, BPM (quarter notes per minute).
    pub chart_bpm: f64,
    /// The player's effective tempo: chart BPM ÷ the least-squares slope of hit times against
    /// note times over the matched notes in it (`null` with fewer than two distinct note times).
    pub played_bpm: Option<f64>,
}

/// One player's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlayerReport {
    /// Player name.
    pub name: String,
    /// Chart notes.
    pub notes: usize,
    /// Counted hits (hits on lanes the chart has, plus extras; foot chicks ignored when the
    /// chart has no hi-hat pedal notes are not counted).
    pub hits: usize,
    /// Notes matched to a hit.
    pub matched: usize,
    /// Notes not matched.
    pub misses: usize,
    /// Hits that matched no note.
    pub extras: usize,
    /// Extras by kind.
    pub extras_by_kind: ExtrasByKind,
    /// Foot chicks listed but not counted (the chart has no hi-hat pedal notes).
    pub ignored_pedal_hits: usize,
    /// Events filtered out by the kit stage (never errors), by reason.
    pub filtered: BTreeMap<String, usize>,
    /// matched / hits (information-retrieval sense, as mir_eval), `null` without hits.
    pub precision: Option<f64>,
    /// matched / notes, `null` without notes.
    pub recall: Option<f64>,
    /// 2·P·R / (P + R); 0 when either is 0; `null` when either is undefined.
    pub f_measure: Option<f64>,
    /// 100 × matched / notes, `null` without notes.
    pub accuracy_pct: Option<f64>,
    /// Matched notes per tier.
    pub tiers: TierCounts,
    /// The points score.
    pub points: Points,
    /// Longest run of consecutive notes matched with no extra hit between them.
    pub longest_streak: usize,
    /// Matched notes played early (offset < 0).
    pub early: usize,
    /// Matched notes played late (offset > 0).
    pub late: usize,
    /// Offsets of all matched notes.
    pub offset_ms: OffsetStats,
    /// Least-squares slope of offset against chart time, ms per minute (positive: dragging,
    /// negative: rushing); `null` with fewer than two matched notes.
    pub drift_ms_per_min: Option<f64>,
    /// Articulation judgement.
    pub articulation: ArticulationCounts,
    /// Accent and ghost-note judgement.
    pub dynamics: DynamicsCounts,
    /// Per lane (lanes with notes or hits).
    pub lanes: BTreeMap<Lane, LaneReport>,
    /// Per chart section, in order.
    pub sections: Vec<SpanReport>,
    /// Per bar, from the first to the last bar with a note.
    pub bars: Vec<SpanReport>,
    /// Per-note detail (with `--detail`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<PlayerDetail>,
}

/// Per-note and per-hit detail for one player.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlayerDetail {
    /// Every chart note, in chart order.
    pub notes: Vec<NoteDetail>,
    /// Every extra hit.
    pub extras: Vec<ExtraDetail>,
    /// Every filtered event.
    pub filtered: Vec<FilteredDetail>,
}

/// What happened to one chart note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteDetail {
    /// Note time in seconds.
    pub time_s: f64,
    /// Position as bar:beat:tick.
    pub position: String,
    /// Lane.
    pub lane: Lane,
    /// Articulation asked for.
    pub articulation: Option<Articulation>,
    /// Dynamic asked for.
    pub dynamic: Dynamic,
    /// Index of the matched hit in the take, `null` for a miss.
    pub hit: Option<usize>,
    /// Time of the matched hit in seconds, as played (before offsets).
    pub hit_time_s: Option<f64>,
    /// Signed offset in ms after latency offsets.
    pub offset_ms: Option<f64>,
    /// The tier of the matched hit, or `miss`.
    pub tier: NoteTier,
    /// Velocity of the matched hit.
    pub velocity: Option<u8>,
    /// Articulation of the matched hit, when the kit gave one.
    pub hit_articulation: Option<Articulation>,
}

/// One extra hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraDetail {
    /// Index of the hit in the take.
    pub hit: usize,
    /// Time as played, seconds.
    pub time_s: f64,
    /// Lane played.
    pub lane: Lane,
    /// Velocity.
    pub velocity: u8,
    /// Why the hit is an extra.
    pub kind: ExtraKind,
}

/// One filtered event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilteredDetail {
    /// Time as played, seconds.
    pub time_s: f64,
    /// Lane it would have been.
    pub lane: Option<Lane>,
    /// MIDI note.
    pub note: u8,
    /// Velocity.
    pub velocity: u8,
    /// Why it was filtered.
    pub reason: String,
}

// ---------------------------------------------------------------------------------------------
// The sync section (docs/sync.md).

/// How pairs were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PairingMode {
    /// Notes of a chart that both players matched.
    Chart,
    /// The players' hits matched to each other lane by lane, without a chart.
    SameLane,
    /// Every hit of each player pooled into one onset stream, then matched.
    AllLanes,
}

/// Asynchrony statistics in ms, to 0.1 ms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AsynchronyStats {
    /// Mean of A = t_a − t_b: positive means b is ahead of a.
    pub mean: Option<f64>,
    /// Median of A.
    pub median: Option<f64>,
    /// Sample SD of A (n − 1).
    pub sd: Option<f64>,
    /// Root mean square of A.
    pub rms: Option<f64>,
    /// Mean |A|.
    pub mae: Option<f64>,
}

/// Fractions (0..1) of pairs with |A| within a bound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Within {
    /// |A| ≤ 10 ms.
    pub ms10: Option<f64>,
    /// |A| ≤ 20 ms.
    pub ms20: Option<f64>,
    /// |A| ≤ 50 ms.
    pub ms50: Option<f64>,
}

/// Fractions (0..1) of pairs per perceptual band.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    /// |A| ≤ 20 ms: heard as one stroke.
    pub together: Option<f64>,
    /// 20 < |A| ≤ 50 ms: a flam, loose but tolerable.
    pub loose: Option<f64>,
    /// |A| > 50 ms: heard as two strokes.
    pub apart: Option<f64>,
}

/// Who is ahead in phase (sign of the mean asynchrony; not causal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ahead {
    /// The player ahead on average, `null` when |mean| < 1 ms or no pairs.
    pub player: Option<String>,
    /// How far ahead, ms (≥ 0).
    pub by_ms: Option<f64>,
}

/// Cross-correlations of inter-onset intervals (Pearson).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IoiCorrelation {
    /// Intervals used.
    pub intervals: usize,
    /// corr(r_a(n), r_b(n)).
    pub lag0: Option<f64>,
    /// corr(r_a(n), r_b(n+1)): high when b follows a.
    pub b_follows_a: Option<f64>,
    /// corr(r_b(n), r_a(n+1)): high when a follows b.
    pub a_follows_b: Option<f64>,
}

/// One player's linear phase-correction estimate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhaseStats {
    /// Fraction of the last asynchrony corrected on the next onset.
    pub alpha: Option<f64>,
    /// 95 % bootstrap interval of alpha, low end.
    pub alpha_ci_low: Option<f64>,
    /// 95 % bootstrap interval of alpha, high end.
    pub alpha_ci_high: Option<f64>,
    /// Motor noise SD, ms.
    pub sd_motor_ms: Option<f64>,
    /// Timekeeper noise SD, ms.
    pub sd_timekeeper_ms: Option<f64>,
}

/// The verdict on who leads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Leader {
    /// Whether one player leads.
    pub verdict: Verdict,
    /// The leader for `leads`, else `null`.
    pub player: Option<String>,
    /// α_b − α_a.
    pub alpha_diff: Option<f64>,
    /// 95 % bootstrap interval of α_b − α_a, low end.
    pub ci_low: Option<f64>,
    /// 95 % bootstrap interval of α_b − α_a, high end.
    pub ci_high: Option<f64>,
    /// Onset events the estimate used.
    pub events: usize,
    /// Bootstrap draws.
    pub bootstrap: usize,
    /// Bootstrap seed.
    pub seed: u64,
    /// One sentence saying why.
    pub reason: String,
}

/// Sync figures for one lane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncLane {
    /// Pairs on this lane.
    pub pairs: usize,
    /// Mean asynchrony, ms.
    pub mean_ms: Option<f64>,
    /// SD of asynchrony, ms.
    pub sd_ms: Option<f64>,
    /// Fraction within 20 ms.
    pub within_ms20: Option<f64>,
}

/// Sync figures for one bar (or fixed time window without a chart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncBar {
    /// Bar number (or window number from 1).
    pub bar: i64,
    /// Start, seconds.
    pub start_s: f64,
    /// Pairs in it.
    pub pairs: usize,
    /// Onsets only a played.
    pub only_a: usize,
    /// Onsets only b played.
    pub only_b: usize,
    /// Mean asynchrony, ms.
    pub mean_ms: Option<f64>,
    /// SD of asynchrony, ms.
    pub sd_ms: Option<f64>,
    /// Fraction within 20 ms.
    pub within_ms20: Option<f64>,
    /// Player a's effective tempo, BPM (with a chart).
    pub bpm_a: Option<f64>,
    /// Player b's effective tempo, BPM (with a chart).
    pub bpm_b: Option<f64>,
    /// b's tempo relative to a's (1 = same): bpm_b / bpm_a with a chart, else the
    /// least-squares slope of a's onsets against b's over the pairs in the window.
    pub tempo_ratio: Option<f64>,
}

/// How far the two tempos diverged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TempoDivergence {
    /// Bars (windows) where both tempos were measured.
    pub bars_compared: usize,
    /// Mean |bpm_a − bpm_b| over those bars (with a chart).
    pub mean_abs_bpm_diff: Option<f64>,
    /// Largest |bpm_a − bpm_b| (with a chart).
    pub max_abs_bpm_diff: Option<f64>,
    /// Mean |tempo_ratio − 1| in percent.
    pub mean_abs_ratio_pct: Option<f64>,
}

/// The sync section of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncReport {
    /// How pairs were found.
    pub mode: PairingMode,
    /// Player a (first `--player`) and player b.
    pub players: Vec<String>,
    /// Pairing window, ms.
    pub window_ms: f64,
    /// Number of pairs (notes or onsets both played).
    pub pairs: usize,
    /// Notes (onsets) only player a played.
    pub only_a: usize,
    /// Notes (onsets) only player b played.
    pub only_b: usize,
    /// Asynchrony A = t_a − t_b over the pairs, ms.
    pub asynchrony_ms: AsynchronyStats,
    /// Fractions within 10, 20, 50 ms.
    pub within: Within,
    /// Perceptual bands.
    pub bands: Bands,
    /// 0-100: 100 × Σ max(0, 1 − |A|/50 ms) over pairs ÷ (pairs + only_a + only_b).
    pub score: Option<f64>,
    /// Who is ahead in phase.
    pub ahead: Ahead,
    /// Interval cross-correlations.
    pub ioi_correlation: IoiCorrelation,
    /// Phase-correction estimates, keyed by player name.
    pub phase_correction: BTreeMap<String, PhaseStats>,
    /// The verdict on who leads.
    pub leader: Leader,
    /// Per lane.
    pub lanes: BTreeMap<Lane, SyncLane>,
    /// Per bar (with a chart) or per fixed window (without).
    pub bars: Vec<SyncBar>,
    /// Tempo divergence.
    pub tempo: TempoDivergence,
}

impl Report {
    /// Takes out the per-bar tables and per-note detail ([`LEFT_OUT_SUMMARY_ONLY`]) and says
    /// so in `settings.left_out`. Returns them, to put back with [`Report::put_back`].
    pub fn leave_out_bars_and_detail(&mut self) -> LeftOut {
        self.settings.left_out = LEFT_OUT_SUMMARY_ONLY.map(str::to_string).to_vec();
        LeftOut {
            players: self
                .players
                .iter_mut()
                .map(|p| (std::mem::take(&mut p.bars), p.detail.take()))
                .collect(),
            sync_bars: self
                .sync
                .as_mut()
                .map(|s| std::mem::take(&mut s.bars))
                .unwrap_or_default(),
        }
    }

    /// Puts back what [`Report::leave_out_bars_and_detail`] took out; `settings.left_out` is
    /// emptied.
    pub fn put_back(&mut self, left_out: LeftOut) {
        self.settings.left_out.clear();
        for (p, (bars, detail)) in self.players.iter_mut().zip(left_out.players) {
            p.bars = bars;
            p.detail = detail;
        }
        if let Some(s) = self.sync.as_mut() {
            s.bars = left_out.sync_bars;
        }
    }

    /// Writes the report as pretty JSON with a trailing newline, streaming (no whole-report
    /// text in memory). Key order is the struct order, so the output is byte-for-byte
    /// reproducible.
    pub fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        // serde_json writes many small pieces (punctuation, indentation, keys); collecting them
        // in a buffer written inline keeps each one a copy rather than a call through `out`.
        let mut chunks = Chunks {
            out,
            buf: Vec::with_capacity(Chunks::SIZE + 4096),
        };
        crate::json_pretty::write_pretty(&mut chunks, self).map_err(std::io::Error::from)?;
        chunks.buf.push(b'\n');
        chunks.out.write_all(&chunks.buf)
    }

    /// The report as pretty-printed JSON ending in a line break; [`Report::write_json`] writes
    /// the same bytes without building the text.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| {
            // Serialising plain structs of numbers and strings cannot fail; keep a trace if it does.
            format!("{{\"error\": \"report serialisation failed: {e}\"}}")
        });
        s.push('\n');
        s
    }

    /// A report of chart-free sync: no chart, no per-player scores, the sync section.
    pub fn sync_only(sync: SyncReport, players: Vec<PlayerSettings>) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            generator: Generator::this(),
            chart: None,
            settings: Settings {
                timing: TimingName::Sync,
                window_ms: sync.window_ms,
                tiers_ms: TierEdges {
                    perfect: 10.0,
                    great: 20.0,
                    good: 50.0,
                    poor: sync.window_ms,
                },
                strict_articulation: false,
                accent_ratio: 0.0,
                ghost_ratio: 0.0,
                lane_merges: Vec::new(),
                detail: false,
                played_from_s: None,
                played_until_s: None,
                capture: None,
                audio: None,
                players,
                left_out: Vec::new(),
            },
            players: Vec::new(),
            sync: Some(sync),
            warnings: Vec::new(),
        }
    }

    /// Reads a report back from JSON.
    pub fn from_json(text: &str) -> Result<Report, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The JSON Schema of the report format (kept in docs/report.schema.json).
    pub fn json_schema() -> String {
        let schema = schemars::schema_for!(Report);
        let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// A writer that collects small writes in a buffer and hands `out` about 64 KiB at a time.
struct Chunks<'a> {
    out: &'a mut dyn std::io::Write,
    buf: Vec<u8>,
}

impl Chunks<'_> {
    /// How much is collected before it is handed on.
    const SIZE: usize = 64 * 1024;
}

impl std::io::Write for Chunks<'_> {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= Self::SIZE {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()
    }
}

/// A duration as a report writes it in milliseconds: rounded to 0.0001 ms.
pub fn ms(n: Nanos) -> f64 {
    round_to(n.as_millis_f64(), 4)
}

/// A time as a report writes it in seconds: rounded to the nanosecond.
pub fn secs(n: Nanos) -> f64 {
    round_to(n.as_secs_f64(), 9)
}
