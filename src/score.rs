//! Judgement: a player's take aligned to the chart, lane by lane, and every per-player metric.
//!
//! The rules (docs/scoring.md):
//! - Hit times are first corrected by the player's latency offset (hands or feet) and, with
//!   auto-align, by one estimated global offset.
//! - On each lane, [`crate::matching`] pairs hits with notes: the most matches possible, then the
//!   smallest total |offset|, ties to the earlier note.
//! - Matched notes get a tier; unmatched notes are misses; unmatched hits are extras, classified
//!   as `wrong_lane` (an unplayed note on another lane within the window) or `overhit`.

use crate::chart::Chart;
use crate::lane::{Articulation, Dynamic, Lane};
use crate::matching;
// Transitional re-exports: these types now live in the stages that own them.
pub use crate::matching::{Alignment, Offsets};
pub use crate::report::Tier;
use crate::report::{
    ms, secs, ArticulationCounts, DynamicsCounts, ExtraDetail, ExtraKind, ExtrasByKind,
    FilteredDetail, LaneReport, NoteDetail, NoteTier, OffsetStats, PlayerDetail, PlayerReport,
    Points, SpanReport, TierCounts, TierEdges, TimingName,
};
use crate::stats;
use crate::take::Take;
use crate::time::Nanos;
use std::collections::BTreeMap;
use std::fmt;

/// A named timing preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimingPreset {
    /// ±70 ms window (YARG's default hit window) with tiers 20/40/55/70 ms.
    Strict,
    /// DTXMania's Perfect/Great/Good/Poor edges, 34/67/84/117 ms; window 117 ms.
    #[default]
    Standard,
    /// Drum Game's Lax edges 50/100/150 ms with its 200 ms outer edge as the window.
    Lax,
}

impl std::str::FromStr for TimingPreset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "strict" => Ok(TimingPreset::Strict),
            "standard" => Ok(TimingPreset::Standard),
            "lax" => Ok(TimingPreset::Lax),
            _ => Err(format!(
                "unknown timing preset {s:?}; use strict, standard or lax"
            )),
        }
    }
}

impl fmt::Display for TimingPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimingPreset::Strict => "strict",
            TimingPreset::Standard => "standard",
            TimingPreset::Lax => "lax",
        })
    }
}

/// The matching window and tier edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// `strict`/`standard`/`lax`, or `None` for custom edges.
    pub preset: Option<TimingPreset>,
    /// Largest |offset| that still matches (closed interval).
    pub window: Nanos,
    /// Largest |offset| for perfect, great and good; poor reaches to the window.
    pub edges: [Nanos; 3],
}

/// Why a timing setting is invalid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TimingError {
    /// Window not positive or absurdly wide.
    #[error("the matching window must be greater than 0 ms and at most 2000 ms")]
    BadWindow,
    /// Tier edges not ascending or beyond the window.
    #[error("tier edges must be ascending, greater than 0, and not wider than the window ({window_ms} ms)")]
    BadTiers {
        /// The window, ms.
        window_ms: f64,
    },
}

impl Timing {
    /// The edges of a preset.
    pub fn preset(p: TimingPreset) -> Timing {
        let ms = Nanos::from_millis;
        let (edges, window) = match p {
            TimingPreset::Strict => ([ms(20), ms(40), ms(55)], ms(70)),
            TimingPreset::Standard => ([ms(34), ms(67), ms(84)], ms(117)),
            TimingPreset::Lax => ([ms(50), ms(100), ms(150)], ms(200)),
        };
        Timing {
            preset: Some(p),
            window,
            edges,
        }
    }

    /// Custom timing from a preset, overriding the window and/or the tier edges. A window
    /// without edges scales the preset's edges proportionally.
    pub fn custom(
        base: TimingPreset,
        window: Option<Nanos>,
        edges: Option<[Nanos; 3]>,
    ) -> Result<Timing, TimingError> {
        let mut t = Timing::preset(base);
        if window.is_none() && edges.is_none() {
            return Ok(t);
        }
        t.preset = None;
        if let Some(w) = window {
            if w <= Nanos::ZERO || w > Nanos::from_millis(2000) {
                return Err(TimingError::BadWindow);
            }
            if edges.is_none() {
                let scale =
                    |e: Nanos| Nanos((e.0 as i128 * w.0 as i128 / t.window.0 as i128) as i64);
                t.edges = t.edges.map(scale);
            }
            t.window = w;
        }
        if let Some(e) = edges {
            t.edges = e;
        }
        let [a, b, c] = t.edges;
        if !(Nanos::ZERO < a && a <= b && b <= c && c <= t.window) {
            return Err(TimingError::BadTiers {
                window_ms: t.window.as_millis_f64(),
            });
        }
        Ok(t)
    }

    /// The tier of an offset inside the window.
    pub fn tier(&self, offset: Nanos) -> Tier {
        let a = offset.abs();
        if a <= self.edges[0] {
            Tier::Perfect
        } else if a <= self.edges[1] {
            Tier::Great
        } else if a <= self.edges[2] {
            Tier::Good
        } else {
            Tier::Poor
        }
    }

    /// The name reported in settings.
    pub fn name(&self) -> TimingName {
        match self.preset {
            Some(TimingPreset::Strict) => TimingName::Strict,
            Some(TimingPreset::Standard) => TimingName::Standard,
            Some(TimingPreset::Lax) => TimingName::Lax,
            None => TimingName::Custom,
        }
    }

    /// Tier edges in ms for the report.
    pub fn edges_ms(&self) -> TierEdges {
        TierEdges {
            perfect: self.edges[0].as_millis_f64(),
            great: self.edges[1].as_millis_f64(),
            good: self.edges[2].as_millis_f64(),
            poor: self.window.as_millis_f64(),
        }
    }
}

impl Default for Timing {
    fn default() -> Timing {
        Timing::preset(TimingPreset::Standard)
    }
}

/// How to score (shared by all players).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreOptions {
    /// Window and tiers.
    pub timing: Timing,
    /// Articulation mismatches become misses (the hit an extra of kind `wrong_articulation`).
    pub strict_articulation: bool,
    /// Accent threshold as a ratio to the player's median velocity on the lane.
    pub accent_ratio: f64,
    /// Ghost threshold as a ratio to the player's median velocity on the lane.
    pub ghost_ratio: f64,
    /// Lane mapping applied to chart notes and hits (merges), indexed by [`Lane::index`].
    pub lane_merge: [Lane; Lane::ALL.len()],
    /// Merges as written, for the report.
    pub lane_merge_text: Vec<String>,
    /// Include per-note detail.
    pub detail: bool,
}

impl Default for ScoreOptions {
    fn default() -> ScoreOptions {
        ScoreOptions {
            timing: Timing::default(),
            strict_articulation: false,
            accent_ratio: 1.2,
            ghost_ratio: 0.75,
            lane_merge: Lane::ALL,
            lane_merge_text: Vec::new(),
            detail: false,
        }
    }
}

impl ScoreOptions {
    /// These options with the chart-side lane rules of `map`: its merges apply to the chart
    /// (and again, harmlessly, to the hits), its swaps only describe kits. Every rule is listed
    /// in the report's settings.
    pub fn with_lane_map(mut self, map: &crate::kit::LaneMap) -> ScoreOptions {
        self.lane_merge = Lane::ALL.map(|l| map.apply_chart(l));
        self.lane_merge_text = map.rules().iter().map(|r| r.to_string()).collect();
        self
    }
}

/// One player to score.
#[derive(Debug, Clone)]
pub struct PlayerInput<'a> {
    /// Name as given with `--player`.
    pub name: String,
    /// The take.
    pub take: &'a Take,
    /// Kit profile name (for the report).
    pub kit: String,
    /// Latency offsets.
    pub offsets: Offsets,
    /// Lane swaps applied to this player's hits only, indexed by [`Lane::index`].
    pub lane_swap: [Lane; Lane::ALL.len()],
    /// Estimate a global offset (within ±2 s) and apply it on top of `offsets`.
    pub auto_align: bool,
}

impl<'a> PlayerInput<'a> {
    /// A player with no offsets, swaps or auto-align.
    pub fn new(name: impl Into<String>, take: &'a Take) -> PlayerInput<'a> {
        PlayerInput {
            name: name.into(),
            take,
            kit: String::new(),
            offsets: Offsets::default(),
            lane_swap: Lane::ALL,
            auto_align: false,
        }
    }
}

/// Estimates the global offset of a take against a chart: the shift (within ±2 s) that puts the
/// most same-lane hit-note pairs inside the window, refined to the median difference of those
/// pairs. Robust to outliers and to offsets larger than the note spacing. `None` without pairs.
pub fn estimate_offset(
    notes_by_lane: &[Vec<Nanos>],
    hits_by_lane: &[Vec<Nanos>],
    window: Nanos,
) -> Option<Nanos> {
    const SEARCH: Nanos = Nanos::from_millis(2000);
    const MAX_PAIRS: usize = 4_000_000;
    let total_hits: usize = hits_by_lane.iter().map(Vec::len).sum();
    let step = (total_hits / 20_000).max(1);
    let mut diffs: Vec<i64> = Vec::new();
    for (notes, hits) in notes_by_lane.iter().zip(hits_by_lane) {
        for &h in hits.iter().step_by(step) {
            let lo = notes.partition_point(|&n| n < h - SEARCH);
            for &n in &notes[lo..] {
                if n > h + SEARCH {
                    break;
                }
                diffs.push((h - n).0);
                if diffs.len() >= MAX_PAIRS {
                    break;
                }
            }
        }
    }
    if diffs.is_empty() {
        return None;
    }
    diffs.sort_unstable();
    // Densest interval of width 2·window.
    let (mut best, mut best_lo, mut j) = (0usize, 0usize, 0usize);
    for i in 0..diffs.len() {
        while diffs[i] - diffs[j] > 2 * window.0 {
            j += 1;
        }
        if i + 1 - j > best {
            best = i + 1 - j;
            best_lo = j;
        }
    }
    // Re-centre: the densest interval may sit off-centre on the cluster and cut one tail, so take
    // the median of the differences within ±window of the current estimate until it settles.
    let mut center = diffs[best_lo + best / 2];
    for _ in 0..8 {
        let lo = diffs.partition_point(|&d| d < center - window.0);
        let hi = diffs.partition_point(|&d| d <= center + window.0);
        if lo >= hi {
            break;
        }
        let next = diffs[lo + (hi - lo) / 2];
        if next == center {
            break;
        }
        center = next;
    }
    Some(Nanos(center))
}

/// Offset statistics over offsets in ms.
pub fn offset_stats(offsets_ms: &[f64]) -> OffsetStats {
    let mut sorted = offsets_ms.to_vec();
    // Values equal under total_cmp have the same bits, so an unstable sort gives the same order.
    sorted.sort_unstable_by(f64::total_cmp);
    offset_stats_sorted(&sorted)
}

/// Offset statistics over offsets in ms already sorted by `f64::total_cmp`.
fn offset_stats_sorted(sorted: &[f64]) -> OffsetStats {
    let r = |x: Option<f64>| x.map(|v| stats::round_to(v, 4));
    OffsetStats {
        mean: r(stats::mean(sorted)),
        median: r(stats::percentile_sorted(sorted, 50.0)),
        sd: r(stats::sd(sorted)),
        mae: r(stats::mean_abs(sorted)),
        p05: r(stats::percentile_sorted(sorted, 5.0)),
        p95: r(stats::percentile_sorted(sorted, 95.0)),
    }
}

fn pct(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| stats::round_to(100.0 * part as f64 / whole as f64, 6))
}

/// A matched note for the per-bar and per-section tables: (bar index, section index, offset ms,
/// (chart time s, hit time s)); `u32::MAX` for no bar or section.
type MatchedNote = (u32, u32, f64, (f64, f64));

/// Counts of one bar or section.
#[derive(Debug, Default, Clone, Copy)]
struct SpanCounts {
    notes: usize,
    matched: usize,
    extras: usize,
}

/// The matched notes' offsets (ms) and (chart time s, hit time s) pairs grouped by span (bar or
/// section), each span's in note order: span `i` owns `starts[i]..starts[i + 1]`. One pair of
/// flat vectors for all spans instead of two vectors per span.
struct SpanValues {
    starts: Vec<usize>,
    offsets_ms: Vec<f64>,
    pairs: Vec<(f64, f64)>,
}

impl SpanValues {
    /// Groups `(span, offset ms, pair)` entries (in note order) by span with a counting sort,
    /// which keeps the note order within each span. Entries with a span of `n_spans` or more
    /// are dropped.
    fn group(n_spans: usize, entries: &[MatchedNote], key: fn(&MatchedNote) -> u32) -> SpanValues {
        let mut starts = vec![0usize; n_spans + 1];
        for e in entries {
            let k = key(e) as usize;
            if k < n_spans {
                starts[k + 1] += 1;
            }
        }
        for i in 0..n_spans {
            starts[i + 1] += starts[i];
        }
        let total = starts[n_spans];
        let mut next = starts.clone();
        let mut offsets_ms = vec![0.0; total];
        let mut pairs = vec![(0.0, 0.0); total];
        for e in entries {
            let k = key(e) as usize;
            if k < n_spans {
                offsets_ms[next[k]] = e.2;
                pairs[next[k]] = e.3;
                next[k] += 1;
            }
        }
        SpanValues {
            starts,
            offsets_ms,
            pairs,
        }
    }

    /// Span `i`'s offsets and pairs.
    fn span(&self, i: usize) -> (&[f64], &[(f64, f64)]) {
        let r = self.starts[i]..self.starts[i + 1];
        (&self.offsets_ms[r.clone()], &self.pairs[r])
    }
}

/// The most bars a player's per-bar table lists (about 24 days at 120 BPM in 4/4).
const MAX_REPORT_BARS: usize = 1 << 20;

/// Scores one player against a chart. Returns the report entry and the alignment.
pub fn score_player(
    chart: &Chart,
    player: &PlayerInput<'_>,
    options: &ScoreOptions,
) -> (PlayerReport, Alignment) {
    let take = player.take;
    let window = options.timing.window;
    let merge = |l: Lane| options.lane_merge[l.index()];
    let n_lanes = Lane::ALL.len();

    // Chart notes per (merged) lane.
    let note_lane: Vec<Lane> = chart.notes.iter().map(|n| merge(n.lane)).collect();
    let mut notes_by_lane: Vec<Vec<usize>> = vec![Vec::new(); n_lanes];
    for (i, l) in note_lane.iter().enumerate() {
        notes_by_lane[l.index()].push(i);
    }
    let chart_has_pedal = !notes_by_lane[Lane::HihatPedal.index()].is_empty();

    // Hits per lane, corrected for latency.
    let hit_lane: Vec<Lane> = take
        .hits
        .iter()
        .map(|h| merge(player.lane_swap[h.lane.index()]))
        .collect();
    let mut hit_time: Vec<Option<Nanos>> = take
        .hits
        .iter()
        .zip(&hit_lane)
        .map(|(h, &l)| {
            if l == Lane::HihatPedal && !chart_has_pedal {
                None
            } else {
                Some(h.time.saturating_sub(player.offsets.for_lane(l)))
            }
        })
        .collect();
    let ignored_pedal_hits = hit_time.iter().filter(|t| t.is_none()).count();

    let note_times_by_lane: Vec<Vec<Nanos>> = notes_by_lane
        .iter()
        .map(|v| v.iter().map(|&i| chart.notes[i].time).collect())
        .collect();
    let collect_hits = |hit_time: &[Option<Nanos>]| {
        let mut by_lane: Vec<Vec<(Nanos, usize)>> = vec![Vec::new(); n_lanes];
        for (i, t) in hit_time.iter().enumerate() {
            if let Some(t) = t {
                by_lane[hit_lane[i].index()].push((*t, i));
            }
        }
        for v in &mut by_lane {
            v.sort();
        }
        by_lane
    };
    let mut hits_by_lane = collect_hits(&hit_time);

    let auto_offset = if player.auto_align {
        let times: Vec<Vec<Nanos>> = hits_by_lane
            .iter()
            .map(|v| v.iter().map(|p| p.0).collect())
            .collect();
        estimate_offset(&note_times_by_lane, &times, window)
    } else {
        None
    };
    if let Some(a) = auto_offset {
        for t in hit_time.iter_mut().flatten() {
            *t = t.saturating_sub(a);
        }
        hits_by_lane = collect_hits(&hit_time);
    }

    // Match lane by lane.
    let mut note_hit: Vec<Option<usize>> = vec![None; chart.notes.len()];
    let mut hit_note: Vec<Option<usize>> = vec![None; take.hits.len()];
    let mut hit_times_buf: Vec<Nanos> = Vec::new();
    for lane in 0..n_lanes {
        let notes = &note_times_by_lane[lane];
        let hits = &hits_by_lane[lane];
        if notes.is_empty() || hits.is_empty() {
            continue;
        }
        hit_times_buf.clear();
        hit_times_buf.extend(hits.iter().map(|p| p.0));
        for (ni, hi) in matching::match_sorted(notes, &hit_times_buf, window) {
            let note = notes_by_lane[lane][ni];
            let hit = hits[hi].1;
            note_hit[note] = Some(hit);
            hit_note[hit] = Some(note);
        }
    }

    // Articulation.
    let mut articulation = ArticulationCounts::default();
    let mut extra_kind: Vec<Option<ExtraKind>> = vec![None; take.hits.len()];
    for (ni, note) in chart.notes.iter().enumerate() {
        let Some(hi) = note_hit[ni] else { continue };
        if let (Some(want), Some(got)) = (note.articulation, take.hits[hi].articulation) {
            articulation.judged += 1;
            if !articulation_matches(want, got) {
                articulation.mismatched += 1;
                if options.strict_articulation {
                    note_hit[ni] = None;
                    hit_note[hi] = None;
                    extra_kind[hi] = Some(ExtraKind::WrongArticulation);
                }
            }
        }
    }

    // Classify the other extras: an unplayed note on another lane within the window?
    let mut unplayed_by_lane: Vec<Vec<Nanos>> = vec![Vec::new(); n_lanes];
    for (ni, n) in chart.notes.iter().enumerate() {
        if note_hit[ni].is_none() {
            unplayed_by_lane[note_lane[ni].index()].push(n.time);
        }
    }
    for (hi, t) in hit_time.iter().enumerate() {
        let Some(t) = *t else { continue };
        if hit_note[hi].is_some() || extra_kind[hi].is_some() {
            continue;
        }
        let own = hit_lane[hi].index();
        let wrong = unplayed_by_lane.iter().enumerate().any(|(l, v)| {
            if l == own {
                return false;
            }
            let i = v.partition_point(|&n| n < t - window);
            v.get(i).is_some_and(|&n| n <= t + window)
        });
        extra_kind[hi] = Some(if wrong {
            ExtraKind::WrongLane
        } else {
            ExtraKind::Overhit
        });
    }

    // Offsets and tiers.
    let offset_of = |ni: usize| -> Option<Nanos> {
        let hi = note_hit[ni]?;
        Some(hit_time[hi]? - chart.notes[ni].time)
    };
    let mut tiers = TierCounts::default();
    let mut matched = 0;
    let (mut early, mut late) = (0, 0);
    let mut drift_points = Vec::new();
    for ni in 0..chart.notes.len() {
        let Some(off) = offset_of(ni) else { continue };
        match options.timing.tier(off) {
            Tier::Perfect => tiers.perfect += 1,
            Tier::Great => tiers.great += 1,
            Tier::Good => tiers.good += 1,
            Tier::Poor => tiers.poor += 1,
        }
        if off < Nanos::ZERO {
            early += 1;
        } else if off > Nanos::ZERO {
            late += 1;
        }
        matched += 1;
        drift_points.push((
            chart.notes[ni].time.as_secs_f64() / 60.0,
            off.as_millis_f64(),
        ));
    }
    let notes = chart.notes.len();
    let extras_list: Vec<usize> = (0..take.hits.len())
        .filter(|&h| extra_kind[h].is_some())
        .collect();
    let mut extras_by_kind = ExtrasByKind::default();
    for &h in &extras_list {
        match extra_kind[h] {
            Some(ExtraKind::WrongLane) => extras_by_kind.wrong_lane += 1,
            Some(ExtraKind::Overhit) => extras_by_kind.overhit += 1,
            Some(ExtraKind::WrongArticulation) => extras_by_kind.wrong_articulation += 1,
            None => {}
        }
    }
    let extras = extras_list.len();
    let hits = matched + extras;
    let precision = (hits > 0).then(|| matched as f64 / hits as f64);
    let recall = (notes > 0).then(|| matched as f64 / notes as f64);
    let f_measure = match (precision, recall) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    };
    let score = tiers.perfect * 3 + tiers.great * 2 + tiers.good;
    let points = Points {
        score,
        max: 3 * notes,
        pct: pct(score, 3 * notes),
    };

    // Streak: notes and extras in time order.
    let mut timeline: Vec<(Nanos, bool)> = chart
        .notes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.time, note_hit[i].is_some()))
        .collect();
    timeline.extend(
        extras_list
            .iter()
            .filter_map(|&h| Some((hit_time[h]?, false))),
    );
    timeline.sort_by_key(|e| e.0);
    let (mut streak, mut longest_streak) = (0usize, 0usize);
    for (_, ok) in timeline {
        streak = if ok { streak + 1 } else { 0 };
        longest_streak = longest_streak.max(streak);
    }

    // Dynamics: relative to the player's median velocity per lane.
    let mut dynamics = DynamicsCounts::default();
    let mut normal_vel: Vec<Vec<f64>> = vec![Vec::new(); n_lanes];
    let mut all_vel: Vec<Vec<f64>> = vec![Vec::new(); n_lanes];
    for (ni, n) in chart.notes.iter().enumerate() {
        if let Some(hi) = note_hit[ni] {
            let v = take.hits[hi].velocity as f64;
            all_vel[note_lane[ni].index()].push(v);
            if n.dynamic == Dynamic::Normal {
                normal_vel[note_lane[ni].index()].push(v);
            }
        }
    }
    let medians: Vec<Option<f64>> = (0..n_lanes)
        .map(|l| stats::median(&normal_vel[l]).or_else(|| stats::median(&all_vel[l])))
        .collect();
    for (ni, n) in chart.notes.iter().enumerate() {
        let (Some(hi), Some(med)) = (note_hit[ni], medians[note_lane[ni].index()]) else {
            continue;
        };
        let v = take.hits[hi].velocity as f64;
        match n.dynamic {
            Dynamic::Accent => {
                dynamics.accents.notes += 1;
                if v >= options.accent_ratio * med {
                    dynamics.accents.played += 1;
                }
            }
            Dynamic::Ghost => {
                dynamics.ghosts.notes += 1;
                if v <= options.ghost_ratio * med {
                    dynamics.ghosts.played += 1;
                }
            }
            Dynamic::Normal => {}
        }
    }

    // Per lane. Every matched note is on exactly one lane, so the player's offsets, sorted,
    // are the lanes' sorted offsets merged.
    let mut lanes = BTreeMap::new();
    let mut all_offsets_ms: Vec<f64> = Vec::with_capacity(matched);
    for lane in Lane::ALL {
        let l = lane.index();
        let lane_notes = &notes_by_lane[l];
        let lane_hits = hits_by_lane[l].len();
        if lane_notes.is_empty() && lane_hits == 0 {
            continue;
        }
        // Sorted as integer nanoseconds: converting to ms keeps the order (and equal values
        // equal), so this is the order `offset_stats` would sort them into.
        let mut offs_ns: Vec<Nanos> = lane_notes.iter().filter_map(|&ni| offset_of(ni)).collect();
        offs_ns.sort_unstable();
        let offs: Vec<f64> = offs_ns.iter().map(|o| o.as_millis_f64()).collect();
        drop(offs_ns);
        all_offsets_ms.extend_from_slice(&offs);
        let lane_extras = extras_list.iter().filter(|&&h| hit_lane[h] == lane).count();
        lanes.insert(
            lane,
            LaneReport {
                notes: lane_notes.len(),
                hits: offs.len() + lane_extras,
                matched: offs.len(),
                misses: lane_notes.len() - offs.len(),
                extras: lane_extras,
                accuracy_pct: pct(offs.len(), lane_notes.len()),
                offset_ms: offset_stats_sorted(&offs),
            },
        );
    }

    // A stable sort finds the lanes' sorted runs and merges them.
    all_offsets_ms.sort_by(f64::total_cmp);

    // Per section and per bar.
    let map = &chart.tempo_map;
    let span_report = |name: String,
                       bar: i64,
                       start: Nanos,
                       acc: &SpanCounts,
                       (offsets, pairs): (&[f64], &[(f64, f64)])| {
        let start_tick = map.tick(start);
        let chart_bpm = stats::round_to(map.tempo_at(start_tick).bpm(), 4);
        let played_bpm = stats::slope(pairs)
            .filter(|s| *s > 0.0)
            .map(|s| stats::round_to(chart_bpm / s, 4));
        SpanReport {
            name,
            bar,
            start_s: secs(start),
            notes: acc.notes,
            matched: acc.matched,
            misses: acc.notes - acc.matched,
            extras: acc.extras,
            accuracy_pct: pct(acc.matched, acc.notes),
            offset_mean_ms: stats::mean(offsets).map(|v| stats::round_to(v, 4)),
            offset_sd_ms: stats::sd(offsets).map(|v| stats::round_to(v, 4)),
            chart_bpm,
            played_bpm,
        }
    };
    let mut bars = Vec::new();
    let mut sections = Vec::new();
    if let (Some(first), Some(last)) = (chart.notes.first(), chart.notes.last()) {
        let first_bar = map.position(first.tick).bar;
        let last_bar = map.position(last.tick).bar;
        let nb = (last_bar - first_bar + 1).max(0) as usize;
        // A chart spanning an absurd number of bars (damaged times) gets no per-bar table
        // rather than one allocated per bar.
        let nb = if nb > MAX_REPORT_BARS { 0 } else { nb };
        let mut bar_acc = vec![SpanCounts::default(); nb];
        let n_sec = chart.sections.len();
        let mut sec_acc = vec![SpanCounts::default(); n_sec];
        let sec_index = |t: Nanos| {
            chart
                .sections
                .partition_point(|s| s.time <= t)
                .checked_sub(1)
        };
        // The same as `sec_index`, trying the previous answer first (notes come in time order).
        let mut sec_cursor: Option<usize> = None;
        let mut sec_index_from_cursor = |t: Nanos| {
            let still = |i: usize| {
                chart.sections[i].time <= t
                    && chart.sections.get(i + 1).map_or(true, |next| next.time > t)
            };
            let s = match sec_cursor {
                Some(i) if still(i) => Some(i),
                _ => sec_index(t),
            };
            sec_cursor = s;
            s
        };
        let bar_index = |t: Nanos| {
            let b = map.bar_at(t) - first_bar;
            (0..nb as i64).contains(&b).then_some(b as usize)
        };
        // Matched notes: (bar, section, offset ms, (chart s, hit s)); u32::MAX for none.
        let mut matched_notes: Vec<MatchedNote> = Vec::with_capacity(matched);
        for (ni, n) in chart.notes.iter().enumerate() {
            let off = offset_of(ni);
            let hit = note_hit[ni].and_then(|h| hit_time[h]);
            let b = (map.position(n.tick).bar - first_bar) as usize;
            let s = sec_index_from_cursor(n.time);
            let b = (b < nb).then_some(b);
            let s = s.filter(|&s| s < n_sec);
            let matched = matches!((off, hit), (Some(_), Some(_)));
            for acc in [b.map(|b| &mut bar_acc[b]), s.map(|s| &mut sec_acc[s])]
                .into_iter()
                .flatten()
            {
                acc.notes += 1;
                if matched {
                    acc.matched += 1;
                }
            }
            if let (Some(o), Some(h), true) = (off, hit, b.is_some() || s.is_some()) {
                let key = |i: Option<usize>| i.map_or(u32::MAX, |i| i as u32);
                matched_notes.push((
                    key(b),
                    key(s),
                    o.as_millis_f64(),
                    (n.time.as_secs_f64(), h.as_secs_f64()),
                ));
            }
        }
        for &h in &extras_list {
            let Some(t) = hit_time[h] else { continue };
            if let Some(b) = bar_index(t) {
                bar_acc[b].extras += 1;
            }
            if let Some(s) = sec_index(t) {
                sec_acc[s].extras += 1;
            }
        }
        let bar_values = SpanValues::group(nb, &matched_notes, |e| e.0);
        let sec_values = SpanValues::group(n_sec, &matched_notes, |e| e.1);
        drop(matched_notes);
        for (i, acc) in bar_acc.iter().enumerate() {
            let bar = first_bar + i as i64;
            let start = map.time(map.bar_start(bar));
            bars.push(span_report(
                bar.to_string(),
                bar,
                start,
                acc,
                bar_values.span(i),
            ));
        }
        for (i, (s, acc)) in chart.sections.iter().zip(&sec_acc).enumerate() {
            let bar = map.position(s.tick).bar;
            sections.push(span_report(
                s.name.clone(),
                bar,
                s.time,
                acc,
                sec_values.span(i),
            ));
        }
    }

    let mut filtered = BTreeMap::new();
    for f in &take.filtered {
        *filtered.entry(f.reason.name().to_string()).or_insert(0) += 1;
    }

    let detail = options.detail.then(|| PlayerDetail {
        notes: chart
            .notes
            .iter()
            .enumerate()
            .map(|(ni, n)| {
                let hi = note_hit[ni];
                let off = offset_of(ni);
                NoteDetail {
                    time_s: secs(n.time),
                    position: map.position(n.tick).to_string(),
                    lane: n.lane,
                    articulation: n.articulation,
                    dynamic: n.dynamic,
                    hit: hi,
                    hit_time_s: hi.map(|h| secs(take.hits[h].time)),
                    offset_ms: off.map(ms),
                    tier: NoteTier::from(off.map(|o| options.timing.tier(o))),
                    velocity: hi.map(|h| take.hits[h].velocity),
                    hit_articulation: hi.and_then(|h| take.hits[h].articulation),
                }
            })
            .collect(),
        extras: extras_list
            .iter()
            .map(|&h| ExtraDetail {
                hit: h,
                time_s: secs(take.hits[h].time),
                lane: take.hits[h].lane,
                velocity: take.hits[h].velocity,
                kind: extra_kind[h].unwrap_or(ExtraKind::Overhit),
            })
            .collect(),
        filtered: take
            .filtered
            .iter()
            .map(|f| FilteredDetail {
                time_s: secs(f.time),
                lane: f.lane,
                note: f.source.note,
                velocity: f.velocity,
                reason: f.reason.name().into(),
            })
            .collect(),
    });

    let report = PlayerReport {
        name: player.name.clone(),
        notes,
        hits,
        matched,
        misses: notes - matched,
        extras,
        extras_by_kind,
        ignored_pedal_hits,
        filtered,
        precision,
        recall,
        f_measure,
        accuracy_pct: pct(matched, notes),
        tiers,
        points,
        longest_streak,
        early,
        late,
        offset_ms: offset_stats_sorted(&all_offsets_ms),
        drift_ms_per_min: stats::slope(&drift_points).map(|s| stats::round_to(s, 4)),
        articulation,
        dynamics,
        lanes,
        sections,
        bars,
        detail,
    };
    let alignment = Alignment {
        note_hit,
        hit_time,
        auto_offset,
    };
    (report, alignment)
}

/// Whether a played articulation satisfies the charted one. Half-open hi-hat satisfies neither
/// open nor closed; a cymbal edge satisfies bow and vice versa only when equal.
fn articulation_matches(want: Articulation, got: Articulation) -> bool {
    want == got
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{ChartInfo, Note, Section};
    use crate::report::DynamicCount;
    use crate::tempo::{Tempo, TempoMap, TimeSignature};
    use crate::time::Ticks;

    /// A 120 BPM 4/4 chart at 480 PPQ from (tick, lane) pairs.
    fn chart(notes: &[(i64, Lane)]) -> Chart {
        let map = TempoMap::constant(480, Tempo::MicrosPerQuarter(500_000), TimeSignature::COMMON)
            .unwrap();
        let notes = notes
            .iter()
            .map(|&(t, lane)| Note {
                time: map.time(Ticks(t)),
                tick: Ticks(t),
                lane,
                articulation: None,
                dynamic: Dynamic::Normal,
            })
            .collect();
        let sections = vec![Section {
            name: "all".into(),
            tick: Ticks(0),
            time: Nanos::ZERO,
        }];
        Chart::new(ChartInfo::default(), map, sections, notes).unwrap()
    }

    fn take(hits: &[(f64, Lane)]) -> Take {
        crate::testdata::take_ms(hits, 100)
    }

    fn score(chart: &Chart, take: &Take, f: impl FnOnce(&mut PlayerInput)) -> PlayerReport {
        let mut p = PlayerInput::new("a", take);
        f(&mut p);
        score_player(chart, &p, &ScoreOptions::default()).0
    }

    #[test]
    fn perfect_take_scores_everything() {
        let c = chart(&[(0, Lane::Kick), (480, Lane::Snare), (960, Lane::Kick)]);
        let t = take(&[
            (0.0, Lane::Kick),
            (500.0, Lane::Snare),
            (1000.0, Lane::Kick),
        ]);
        let r = score(&c, &t, |_| {});
        assert_eq!(
            (r.notes, r.hits, r.matched, r.misses, r.extras),
            (3, 3, 3, 0, 0)
        );
        assert_eq!(r.precision, Some(1.0));
        assert_eq!(r.f_measure, Some(1.0));
        assert_eq!(r.accuracy_pct, Some(100.0));
        assert_eq!(r.tiers.perfect, 3);
        assert_eq!(r.points.pct, Some(100.0));
        assert_eq!(r.longest_streak, 3);
        assert_eq!(r.offset_ms.mean, Some(0.0));
        assert_eq!(r.lanes[&Lane::Kick].matched, 2);
    }

    #[test]
    fn offsets_tiers_and_signs() {
        let c = chart(&[
            (0, Lane::Snare),
            (480, Lane::Snare),
            (960, Lane::Snare),
            (1440, Lane::Snare),
        ]);
        // -10 ms (perfect), +50 (great), +80 (good), -100 (poor).
        let t = take(&[
            (-10.0, Lane::Snare),
            (550.0, Lane::Snare),
            (1080.0, Lane::Snare),
            (1400.0, Lane::Snare),
        ]);
        let r = score(&c, &t, |_| {});
        assert_eq!(
            r.tiers,
            TierCounts {
                perfect: 1,
                great: 1,
                good: 1,
                poor: 1
            }
        );
        assert_eq!((r.early, r.late), (2, 2));
        assert_eq!(r.offset_ms.mean, Some(5.0));
        assert_eq!(r.offset_ms.mae, Some(60.0));
        assert_eq!(r.points.score, 3 + 2 + 1);
    }

    #[test]
    fn misses_extras_and_wrong_lane() {
        let c = chart(&[(0, Lane::Snare), (480, Lane::Tom1), (960, Lane::Snare)]);
        // tom1 note played on the snare (wrong lane), and a stray kick far away.
        let t = take(&[
            (0.0, Lane::Snare),
            (505.0, Lane::Snare),
            (1000.0, Lane::Snare),
            (1800.0, Lane::Kick),
        ]);
        let r = score(&c, &t, |_| {});
        assert_eq!((r.matched, r.misses, r.extras), (2, 1, 2));
        assert_eq!(r.extras_by_kind.wrong_lane, 1);
        assert_eq!(r.extras_by_kind.overhit, 1);
        assert_eq!(r.precision, Some(0.5));
        assert_eq!(r.longest_streak, 1);
    }

    #[test]
    fn latency_offset_is_subtracted_per_limb() {
        let c = chart(&[(0, Lane::Kick), (480, Lane::Snare)]);
        let t = take(&[(30.0, Lane::Kick), (520.0, Lane::Snare)]);
        let r = score(&c, &t, |p| {
            p.offsets = Offsets {
                hands: Nanos::from_millis(20),
                feet: Nanos::from_millis(30),
            }
        });
        assert_eq!(r.offset_ms.mean, Some(0.0));
        assert_eq!(r.offset_ms.sd, Some(0.0));
    }

    #[test]
    fn auto_align_finds_a_large_global_offset() {
        // 8th notes at 250 ms; the player is 300 ms late, more than the note spacing.
        let notes: Vec<(i64, Lane)> = (0..32).map(|i| (i * 240, Lane::Hihat)).collect();
        let c = chart(&notes);
        let hits: Vec<(f64, Lane)> = (0..32)
            .map(|i| (i as f64 * 250.0 + 300.0 + (i % 3) as f64, Lane::Hihat))
            .collect();
        let t = take(&hits);
        let plain = score(&c, &t, |_| {});
        let aligned = score(&c, &t, |p| p.auto_align = true);
        assert_eq!(aligned.matched, 32);
        assert!(
            aligned.offset_ms.mae.unwrap() < 2.0,
            "{:?}",
            aligned.offset_ms
        );
        assert!(plain.offset_ms.mae.unwrap() > 40.0);
    }

    #[test]
    fn foot_chicks_are_ignored_without_pedal_notes() {
        let c = chart(&[(0, Lane::Kick)]);
        let t = take(&[(0.0, Lane::Kick), (300.0, Lane::HihatPedal)]);
        let r = score(&c, &t, |_| {});
        assert_eq!((r.extras, r.ignored_pedal_hits, r.hits), (0, 1, 1));
    }

    #[test]
    fn empty_take_gives_nulls_not_nan() {
        let c = chart(&[(0, Lane::Kick)]);
        let r = score(&c, &take(&[]), |_| {});
        assert_eq!(r.precision, None);
        assert_eq!(r.recall, Some(0.0));
        assert_eq!(r.f_measure, None);
        assert_eq!(r.offset_ms.mean, None);
        assert_eq!(r.drift_ms_per_min, None);
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("NaN"));
    }

    #[test]
    fn strict_articulation_turns_mismatches_into_misses() {
        let mut c = chart(&[(0, Lane::Hihat)]);
        c.notes[0].articulation = Some(Articulation::Open);
        let mut t = take(&[(0.0, Lane::Hihat)]);
        t.hits[0].articulation = Some(Articulation::Closed);
        let lenient = score(&c, &t, |_| {});
        assert_eq!((lenient.matched, lenient.articulation.mismatched), (1, 1));
        let mut p = PlayerInput::new("a", &t);
        p.auto_align = false;
        let opts = ScoreOptions {
            strict_articulation: true,
            ..ScoreOptions::default()
        };
        let strict = score_player(&c, &p, &opts).0;
        assert_eq!(
            (strict.matched, strict.extras_by_kind.wrong_articulation),
            (0, 1)
        );
    }

    #[test]
    fn dynamics_are_relative_to_the_players_median() {
        let mut c = chart(&[
            (0, Lane::Snare),
            (480, Lane::Snare),
            (960, Lane::Snare),
            (1440, Lane::Snare),
        ]);
        c.notes[1].dynamic = Dynamic::Ghost;
        c.notes[3].dynamic = Dynamic::Accent;
        // A quiet kit: normal strokes at 50, ghost at 30, accent at 70.
        let mut t = take(&[
            (0.0, Lane::Snare),
            (500.0, Lane::Snare),
            (1000.0, Lane::Snare),
            (1500.0, Lane::Snare),
        ]);
        for (h, v) in t.hits.iter_mut().zip([50, 30, 50, 70]) {
            h.velocity = v;
        }
        let r = score(&c, &t, |_| {});
        assert_eq!(
            r.dynamics.ghosts,
            DynamicCount {
                notes: 1,
                played: 1
            }
        );
        assert_eq!(
            r.dynamics.accents,
            DynamicCount {
                notes: 1,
                played: 1
            }
        );
    }

    #[test]
    fn drift_and_played_tempo_follow_a_dragging_player() {
        // 4 bars of quarter notes; the player stretches time by 2 %.
        let notes: Vec<(i64, Lane)> = (0..16).map(|i| (i * 480, Lane::Snare)).collect();
        let c = chart(&notes);
        let hits: Vec<(f64, Lane)> = (0..16)
            .map(|i| (i as f64 * 500.0 * 1.02, Lane::Snare))
            .collect();
        let r = score(&c, &take(&hits), |_| {});
        // Offset grows 10 ms per 500 ms note: 1200 ms per minute.
        assert!((r.drift_ms_per_min.unwrap() - 1200.0).abs() < 1e-6);
        let bpm = r.bars[0].played_bpm.unwrap();
        assert!((bpm - 120.0 / 1.02).abs() < 1e-3, "{bpm}");
        assert_eq!(r.bars.len(), 4);
        assert_eq!(r.sections[0].notes, 16);
    }

    #[test]
    fn a_kits_lane_merges_reach_the_chart() {
        // The kit merged crash2 into crash on the take; the chart still says crash2.
        let c = chart(&[(0, Lane::Crash2), (480, Lane::Crash)]);
        let t = take(&[(0.0, Lane::Crash), (500.0, Lane::Crash)]);
        let plain = score(&c, &t, |_| {});
        assert_eq!(plain.matched, 1);
        let kit = crate::kit::LaneMap::parse("merge:crash,crash2 swap:ride,china").unwrap();
        let map = crate::kit::LaneMap::new()
            .with_merges_of(&kit.merges_only())
            .unwrap();
        let opts = ScoreOptions::default().with_lane_map(&map);
        let merged = score_player(&c, &PlayerInput::new("a", &t), &opts).0;
        assert_eq!(merged.matched, 2);
        assert_eq!(merged.lanes[&Lane::Crash].notes, 2);
        assert_eq!(map.rules().len(), 1, "the kit's swap stays with the kit");
    }

    #[test]
    fn custom_timing_validates() {
        let t = Timing::custom(TimingPreset::Standard, Some(Nanos::from_millis(50)), None).unwrap();
        assert_eq!(t.window, Nanos::from_millis(50));
        assert!(t.edges[2] <= t.window);
        assert!(Timing::custom(TimingPreset::Standard, Some(Nanos::ZERO), None).is_err());
        let bad = [
            Nanos::from_millis(30),
            Nanos::from_millis(20),
            Nanos::from_millis(40),
        ];
        assert!(Timing::custom(TimingPreset::Standard, None, Some(bad)).is_err());
    }
}
