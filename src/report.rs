//! The report: what pocket tells people and programs about a performance.
//!
//! These structs are a wire format (docs/report-format.md, docs/report.schema.json). Field order
//! is the JSON key order; maps keyed by lane follow lane order. Times are in seconds (`_s`),
//! offsets in milliseconds (`_ms`); ms figures are rounded to 0.0001 ms. A statistic with no
//! data is `null`. Negative offsets are early.

use crate::lane::{Articulation, Dynamic, Lane};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    pub sync: Option<crate::sync::SyncReport>,
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
}

/// Settings that influenced the numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `strict`, `standard`, `lax`, or `custom`.
    pub timing: String,
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
    /// Per-player settings, in player order.
    pub players: Vec<PlayerSettings>,
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
    /// `perfect`, `great`, `good`, `poor`, or `miss`.
    pub tier: String,
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
    /// `wrong_lane`, `overhit` or `wrong_articulation`.
    pub kind: String,
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

impl Report {
    /// The report as pretty JSON with a trailing newline. Key order is the struct order, so the
    /// output is byte-for-byte reproducible.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| {
            // Serialising plain structs of numbers and strings cannot fail; keep a trace if it does.
            format!("{{\"error\": \"report serialisation failed: {e}\"}}")
        });
        s.push('\n');
        s
    }

    /// A report of chart-free sync: no chart, no per-player scores, the sync section.
    pub fn sync_only(sync: crate::sync::SyncReport, players: Vec<PlayerSettings>) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            generator: Generator::this(),
            chart: None,
            settings: Settings {
                timing: "sync".into(),
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
                players,
            },
            players: Vec::new(),
            sync: Some(sync),
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
