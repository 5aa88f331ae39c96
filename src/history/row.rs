//! One row of the history: one player's take, with the figures taken from its JSON report.
//! [`rows_from_report`] is the only way rows are made, whether a command has just written the
//! report or `pocket history import` reads it back, so both give the same rows.

use super::calendar::rfc3339_utc;
use crate::lane::Lane;
use crate::report::{ExtrasByKind, PlayerReport, Report, Verdict};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// One player's take as the history keeps it (`pocket history --json`, docs/history.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TakeRow {
    /// When the take was played: the report file's modification time, RFC 3339 in UTC.
    pub played_at: String,
    /// The same time, seconds since 1970-01-01 UTC.
    pub played_at_unix_s: i64,
    /// `played_at` in the machine's time zone, `YYYY-MM-DD HH:MM`.
    pub played_at_local: String,
    /// The local calendar day of `played_at` (YYYY-MM-DD, the machine's time zone), the day
    /// practice minutes count toward.
    pub day: String,
    /// The JSON report the figures come from (an absolute path): the source of truth.
    pub report: String,
    /// The song: the chart's title, artist and identity.
    pub chart: ChartIdentity,
    /// Player name.
    pub player: String,
    /// The player's place in the report (0: player a, 1: player b).
    pub player_index: u32,
    /// The other player of a pair (`null` when playing alone).
    pub partner: Option<String>,
    /// The kit profile the take was read with.
    pub kit: String,
    /// Chart notes scored.
    pub notes: u32,
    /// Notes matched to a hit.
    pub matched: u32,
    /// Notes not matched.
    pub misses: u32,
    /// Hits that matched no note.
    pub extras: u32,
    /// Extras by kind.
    pub extras_by_kind: ExtrasByKind,
    /// 100 × matched / notes, percent (`null` without notes).
    pub accuracy_pct: Option<f64>,
    /// F-measure of hits against notes, 0..1 (`null` when undefined).
    pub f_measure: Option<f64>,
    /// Mean signed offset of the matched notes, ms (negative: early).
    pub offset_mean_ms: Option<f64>,
    /// Sample SD of the offsets, ms.
    pub offset_sd_ms: Option<f64>,
    /// What part of the song, how fast, how long.
    pub practice: PracticeRow,
    /// The pair's sync figures (`null` when playing alone).
    pub sync: Option<SyncRow>,
    /// Per lane with notes or hits, in lane order.
    pub lanes: BTreeMap<Lane, LaneRow>,
}

/// The song a take was played against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartIdentity {
    /// What the history groups takes by: `notes:` and the notes hash, else `file:` and the
    /// file hash, else `title:` and the title (reports written before the hashes existed).
    pub song: String,
    /// Song title (for a practice chart, the song's own title).
    pub title: String,
    /// Song artist.
    pub artist: String,
    /// The chart file as the report names it.
    pub path: String,
    /// SHA-256 of the song's normalised notes (see `pocket::identity`).
    pub notes_sha256: Option<String>,
    /// SHA-256 of the chart file.
    pub file_sha256: Option<String>,
}

/// What part of the song was played, how fast, and for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticeRow {
    /// Start of the span scored, seconds on the chart's clock (`null`: from the start).
    pub from_s: Option<f64>,
    /// End of the span scored (`null`: to the end).
    pub until_s: Option<f64>,
    /// Length of the span played, seconds: until (or the chart's length) − from (or 0). The
    /// practice minutes of a day add these up.
    pub played_s: f64,
    /// The section of a practice chart (`null`: no section chosen).
    pub section: Option<String>,
    /// Times through a practice chart (1: once).
    pub loops: u32,
    /// Tempo relative to the song, percent (100: as written).
    pub tempo_pct: f64,
    /// The chart's tempo at the first bar scored, BPM (practice tempo included).
    pub chart_bpm: Option<f64>,
}

/// Sync figures of a pair, the same in both players' rows (docs/sync.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncRow {
    /// Sync score, 0-100.
    pub score: Option<f64>,
    /// Mean asynchrony t_a − t_b, ms (positive: b ahead).
    pub asynchrony_mean_ms: Option<f64>,
    /// SD of the asynchrony, ms.
    pub asynchrony_sd_ms: Option<f64>,
    /// Fraction (0..1) of pairs within 20 ms.
    pub within_20ms: Option<f64>,
    /// The player who leads, when the verdict is that one does.
    pub leader: Option<String>,
}

/// One lane of a take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LaneRow {
    /// Chart notes on the lane.
    pub notes: u32,
    /// Notes matched.
    pub matched: u32,
    /// Extra hits on the lane.
    pub extras: u32,
    /// 100 × matched / notes, percent.
    pub accuracy_pct: Option<f64>,
    /// Mean signed offset, ms.
    pub offset_mean_ms: Option<f64>,
    /// SD of the offsets, ms.
    pub offset_sd_ms: Option<f64>,
}

/// The rows of a report: one per player; none for a report without a chart (chart-free sync)
/// or without players. `report_path` is stored as given (callers pass an absolute path);
/// `played_at_unix_s` is the report file's modification time.
pub fn rows_from_report(
    report: &Report,
    report_path: &Path,
    played_at_unix_s: i64,
) -> Vec<TakeRow> {
    let Some(chart) = &report.chart else {
        return Vec::new();
    };
    let title = chart
        .practice
        .as_ref()
        .map_or(&chart.title, |p| &p.song_title)
        .clone();
    let song = match (&chart.notes_sha256, &chart.file_sha256) {
        (Some(n), _) => format!("notes:{n}"),
        (None, Some(f)) => format!("file:{f}"),
        (None, None) => format!("title:{title}"),
    };
    let identity = ChartIdentity {
        song,
        title,
        artist: chart.artist.clone(),
        path: chart.path.clone(),
        notes_sha256: chart.notes_sha256.clone(),
        file_sha256: chart.file_sha256.clone(),
    };
    let s = &report.settings;
    let from = s.played_from_s;
    let until = s.played_until_s;
    let played_s = (until.unwrap_or(chart.duration_s) - from.unwrap_or(0.0)).max(0.0);
    let sync = report.sync.as_ref().map(|y| SyncRow {
        score: y.score,
        asynchrony_mean_ms: y.asynchrony_ms.mean,
        asynchrony_sd_ms: y.asynchrony_ms.sd,
        within_20ms: y.within.ms20,
        leader: match y.leader.verdict {
            Verdict::Leads => y.leader.player.clone(),
            _ => None,
        },
    });
    let names: Vec<&str> = report.players.iter().map(|p| p.name.as_str()).collect();
    report
        .players
        .iter()
        .enumerate()
        .map(|(i, p)| TakeRow {
            played_at: rfc3339_utc(played_at_unix_s),
            played_at_unix_s,
            played_at_local: rfc3339_utc(played_at_unix_s)[..16].replace('T', " "),
            day: rfc3339_utc(played_at_unix_s)[..10].to_string(),
            report: report_path.display().to_string(),
            chart: identity.clone(),
            player: p.name.clone(),
            player_index: i as u32,
            partner: match names.as_slice() {
                [a, b] => Some(if i == 0 { b } else { a }.to_string()),
                _ => None,
            },
            kit: s
                .players
                .get(i)
                .map(|ps| ps.kit.clone())
                .unwrap_or_default(),
            notes: p.notes as u32,
            matched: p.matched as u32,
            misses: p.misses as u32,
            extras: p.extras as u32,
            extras_by_kind: p.extras_by_kind,
            accuracy_pct: p.accuracy_pct,
            f_measure: p.f_measure,
            offset_mean_ms: p.offset_ms.mean,
            offset_sd_ms: p.offset_ms.sd,
            practice: PracticeRow {
                from_s: from,
                until_s: until,
                played_s,
                section: chart.practice.as_ref().and_then(|p| p.section.clone()),
                loops: chart.practice.as_ref().map_or(1, |p| p.loops),
                tempo_pct: chart.practice.as_ref().map_or(100.0, |p| p.tempo_pct),
                chart_bpm: p.bars.first().map(|b| b.chart_bpm),
            },
            sync: if names.len() == 2 { sync.clone() } else { None },
            lanes: lanes(p),
        })
        .collect()
}

fn lanes(p: &PlayerReport) -> BTreeMap<Lane, LaneRow> {
    p.lanes
        .iter()
        .map(|(lane, l)| {
            (
                *lane,
                LaneRow {
                    notes: l.notes as u32,
                    matched: l.matched as u32,
                    extras: l.extras as u32,
                    accuracy_pct: l.accuracy_pct,
                    offset_mean_ms: l.offset_ms.mean,
                    offset_sd_ms: l.offset_ms.sd,
                },
            )
        })
        .collect()
}
