//! One player judged against the chart: the take's hits aligned to the notes lane by lane, and
//! every figure of the player's report, each computed by a step named by what it produces.

use crate::chart::Chart;
use crate::lane::{Articulation, Dynamic, Lane};
use crate::matching::{self, Alignment};
use crate::report::{
    ms, secs, ArticulationCounts, DynamicsCounts, ExtraDetail, ExtraKind, ExtrasByKind,
    FilteredDetail, LaneReport, NoteDetail, NoteTier, PlayerDetail, PlayerReport, Points, Tier,
    TierCounts,
};
use crate::stats;
use crate::take::Take;
use crate::time::Nanos;
use std::collections::BTreeMap;

use super::auto_align::estimate_offset;
use super::figures::{offset_stats_sorted, pct};
use super::options::{PlayerInput, ScoreOptions};
use super::spans::{span_reports, SpanInput};
use super::timing::Timing;

const N_LANES: usize = Lane::ALL.len();

/// Scores one player against a chart. Returns the report entry and the alignment.
pub fn score_player(
    chart: &Chart,
    player: &PlayerInput<'_>,
    options: &ScoreOptions,
) -> (PlayerReport, Alignment) {
    let take = player.take;
    let window = options.timing.window;
    let lanes = ChartLanes::new(chart, &options.lane_merge);
    let hits = CorrectedHits::new(take, player, &lanes, &options.lane_merge, window);
    let mut matches = Matches::new(&lanes, &hits, chart.notes.len(), take.hits.len(), window);
    let mut extra_kind: Vec<Option<ExtraKind>> = vec![None; take.hits.len()];
    let articulation = judge_articulation(
        chart,
        take,
        &mut matches,
        options.strict_articulation,
        &mut extra_kind,
    );
    classify_extras(chart, &lanes, &hits, &matches, window, &mut extra_kind);
    let extras_list: Vec<usize> = (0..take.hits.len())
        .filter(|&h| extra_kind[h].is_some())
        .collect();
    // Each note's signed offset after latency offsets and auto-align, `None` for a miss.
    let note_offset: Vec<Option<Nanos>> = (0..chart.notes.len())
        .map(|ni| Some(hits.time[matches.note_hit[ni]?]? - chart.notes[ni].time))
        .collect();

    let tally = Tally::new(chart, &note_offset, &options.timing);
    let notes = chart.notes.len();
    let extras_by_kind = extras_by_kind(&extras_list, &extra_kind);
    let extras = extras_list.len();
    let hits_counted = tally.matched + extras;
    let precision = (hits_counted > 0).then(|| tally.matched as f64 / hits_counted as f64);
    let recall = (notes > 0).then(|| tally.matched as f64 / notes as f64);
    let f_measure = match (precision, recall) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    };
    let t = &tally.tiers;
    let score = t.perfect * Tier::Perfect.points()
        + t.great * Tier::Great.points()
        + t.good * Tier::Good.points()
        + t.poor * Tier::Poor.points();
    let points = Points {
        score,
        max: 3 * notes,
        pct: pct(score, 3 * notes),
    };
    let (lane_reports, all_offsets_ms) =
        lane_reports(&lanes, &hits, &note_offset, &extras_list, tally.matched);
    let (sections, bars) = span_reports(&SpanInput {
        chart,
        note_offset: &note_offset,
        note_hit: &matches.note_hit,
        hit_time: &hits.time,
        extras: &extras_list,
        matched: tally.matched,
    });
    let mut filtered = BTreeMap::new();
    for f in &take.filtered {
        *filtered.entry(f.reason.name().to_string()).or_insert(0) += 1;
    }
    let detail = options.detail.then(|| {
        detail(
            chart,
            take,
            &matches.note_hit,
            &note_offset,
            &options.timing,
            &extras_list,
            &extra_kind,
        )
    });

    let report = PlayerReport {
        name: player.name.clone(),
        notes,
        hits: hits_counted,
        matched: tally.matched,
        misses: notes - tally.matched,
        extras,
        extras_by_kind,
        ignored_pedal_hits: hits.ignored_pedal_hits,
        filtered,
        precision,
        recall,
        f_measure,
        accuracy_pct: pct(tally.matched, notes),
        tiers: tally.tiers,
        points,
        longest_streak: longest_streak(chart, &matches.note_hit, &extras_list, &hits.time),
        early: tally.early,
        late: tally.late,
        offset_ms: offset_stats_sorted(&all_offsets_ms),
        drift_ms_per_min: stats::slope(&tally.drift_points).map(|s| stats::round_to(s, 4)),
        articulation,
        dynamics: dynamics(chart, take, &lanes, &matches.note_hit, options),
        lanes: lane_reports,
        sections,
        bars,
        detail,
    };
    let alignment = Alignment {
        note_hit: matches.note_hit,
        hit_time: hits.time,
        auto_offset: hits.auto_offset,
    };
    (report, alignment)
}

/// The chart's notes by (merged) lane.
struct ChartLanes {
    /// Each note's lane after merges.
    note_lane: Vec<Lane>,
    /// Note indices per lane, in chart order.
    notes: Vec<Vec<usize>>,
    /// Note times per lane, in chart order.
    times: Vec<Vec<Nanos>>,
}

impl ChartLanes {
    fn new(chart: &Chart, merge: &[Lane; N_LANES]) -> ChartLanes {
        let note_lane: Vec<Lane> = chart.notes.iter().map(|n| merge[n.lane.index()]).collect();
        let mut notes: Vec<Vec<usize>> = vec![Vec::new(); N_LANES];
        for (i, l) in note_lane.iter().enumerate() {
            notes[l.index()].push(i);
        }
        let times = notes
            .iter()
            .map(|v| v.iter().map(|&i| chart.notes[i].time).collect())
            .collect();
        ChartLanes {
            note_lane,
            notes,
            times,
        }
    }

    fn has(&self, lane: Lane) -> bool {
        !self.notes[lane.index()].is_empty()
    }
}

/// The take's hits on the chart's lanes, corrected for latency and auto-align.
struct CorrectedHits {
    /// Each hit's lane after the player's swaps and the merges.
    lane: Vec<Lane>,
    /// Each hit's corrected time, `None` for a foot chick ignored because the chart has no
    /// hi-hat pedal notes.
    time: Vec<Option<Nanos>>,
    /// (corrected time, hit index) per lane, sorted.
    by_lane: Vec<Vec<(Nanos, usize)>>,
    /// Foot chicks listed but not counted.
    ignored_pedal_hits: usize,
    /// The global offset auto-align found (already applied to `time`).
    auto_offset: Option<Nanos>,
}

impl CorrectedHits {
    fn new(
        take: &Take,
        player: &PlayerInput<'_>,
        chart: &ChartLanes,
        merge: &[Lane; N_LANES],
        window: Nanos,
    ) -> CorrectedHits {
        let chart_has_pedal = chart.has(Lane::HihatPedal);
        let lane: Vec<Lane> = take
            .hits
            .iter()
            .map(|h| merge[player.lane_swap[h.lane.index()].index()])
            .collect();
        let mut time: Vec<Option<Nanos>> = take
            .hits
            .iter()
            .zip(&lane)
            .map(|(h, &l)| {
                if l == Lane::HihatPedal && !chart_has_pedal {
                    None
                } else {
                    Some(h.time.saturating_sub(player.offsets.for_lane(l)))
                }
            })
            .collect();
        let ignored_pedal_hits = time.iter().filter(|t| t.is_none()).count();
        let mut by_lane = Self::sorted_by_lane(&lane, &time);
        let auto_offset = if player.auto_align {
            let times: Vec<Vec<Nanos>> = by_lane
                .iter()
                .map(|v| v.iter().map(|p| p.0).collect())
                .collect();
            estimate_offset(&chart.times, &times, window)
        } else {
            None
        };
        if let Some(a) = auto_offset {
            for t in time.iter_mut().flatten() {
                *t = t.saturating_sub(a);
            }
            by_lane = Self::sorted_by_lane(&lane, &time);
        }
        CorrectedHits {
            lane,
            time,
            by_lane,
            ignored_pedal_hits,
            auto_offset,
        }
    }

    fn sorted_by_lane(lane: &[Lane], time: &[Option<Nanos>]) -> Vec<Vec<(Nanos, usize)>> {
        let mut by_lane: Vec<Vec<(Nanos, usize)>> = vec![Vec::new(); N_LANES];
        for (i, t) in time.iter().enumerate() {
            if let Some(t) = t {
                by_lane[lane[i].index()].push((*t, i));
            }
        }
        for v in &mut by_lane {
            v.sort();
        }
        by_lane
    }
}

/// Which hit each note got, and which note each hit got.
struct Matches {
    note_hit: Vec<Option<usize>>,
    hit_note: Vec<Option<usize>>,
}

impl Matches {
    /// The optimal matching ([`matching::match_sorted`]) lane by lane.
    fn new(
        chart: &ChartLanes,
        hits: &CorrectedHits,
        n_notes: usize,
        n_hits: usize,
        window: Nanos,
    ) -> Matches {
        let mut note_hit: Vec<Option<usize>> = vec![None; n_notes];
        let mut hit_note: Vec<Option<usize>> = vec![None; n_hits];
        let mut hit_times: Vec<Nanos> = Vec::new();
        for lane in 0..N_LANES {
            let notes = &chart.times[lane];
            let lane_hits = &hits.by_lane[lane];
            if notes.is_empty() || lane_hits.is_empty() {
                continue;
            }
            hit_times.clear();
            hit_times.extend(lane_hits.iter().map(|p| p.0));
            for (ni, hi) in matching::match_sorted(notes, &hit_times, window) {
                let note = chart.notes[lane][ni];
                let hit = lane_hits[hi].1;
                note_hit[note] = Some(hit);
                hit_note[hit] = Some(note);
            }
        }
        Matches { note_hit, hit_note }
    }
}

/// Articulation judgement of the matched notes. With strict articulation a mismatch unmatches
/// the pair and makes the hit an extra of kind `wrong_articulation`.
fn judge_articulation(
    chart: &Chart,
    take: &Take,
    matches: &mut Matches,
    strict: bool,
    extra_kind: &mut [Option<ExtraKind>],
) -> ArticulationCounts {
    let mut counts = ArticulationCounts::default();
    for (ni, note) in chart.notes.iter().enumerate() {
        let Some(hi) = matches.note_hit[ni] else {
            continue;
        };
        if let (Some(want), Some(got)) = (note.articulation, take.hits[hi].articulation) {
            counts.judged += 1;
            if !articulation_matches(want, got) {
                counts.mismatched += 1;
                if strict {
                    matches.note_hit[ni] = None;
                    matches.hit_note[hi] = None;
                    extra_kind[hi] = Some(ExtraKind::WrongArticulation);
                }
            }
        }
    }
    counts
}

/// Whether a played articulation satisfies the charted one. Half-open hi-hat satisfies neither
/// open nor closed; a cymbal edge satisfies bow and vice versa only when equal.
fn articulation_matches(want: Articulation, got: Articulation) -> bool {
    want == got
}

/// The kind of every other unmatched hit: `wrong_lane` when a note on another lane within the
/// window went unplayed, else `overhit`.
fn classify_extras(
    chart: &Chart,
    lanes: &ChartLanes,
    hits: &CorrectedHits,
    matches: &Matches,
    window: Nanos,
    extra_kind: &mut [Option<ExtraKind>],
) {
    let mut unplayed_by_lane: Vec<Vec<Nanos>> = vec![Vec::new(); N_LANES];
    for (ni, n) in chart.notes.iter().enumerate() {
        if matches.note_hit[ni].is_none() {
            unplayed_by_lane[lanes.note_lane[ni].index()].push(n.time);
        }
    }
    for (hi, t) in hits.time.iter().enumerate() {
        let Some(t) = *t else { continue };
        if matches.hit_note[hi].is_some() || extra_kind[hi].is_some() {
            continue;
        }
        let own = hits.lane[hi].index();
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
}

/// Counts over the matched notes: tiers, early and late, and the points for drift.
struct Tally {
    tiers: TierCounts,
    matched: usize,
    early: usize,
    late: usize,
    /// (chart time in minutes, offset in ms) per matched note.
    drift_points: Vec<(f64, f64)>,
}

impl Tally {
    fn new(chart: &Chart, note_offset: &[Option<Nanos>], timing: &Timing) -> Tally {
        let mut t = Tally {
            tiers: TierCounts::default(),
            matched: 0,
            early: 0,
            late: 0,
            drift_points: Vec::new(),
        };
        for (note, off) in chart.notes.iter().zip(note_offset) {
            let Some(off) = *off else { continue };
            match timing.tier(off) {
                Tier::Perfect => t.tiers.perfect += 1,
                Tier::Great => t.tiers.great += 1,
                Tier::Good => t.tiers.good += 1,
                Tier::Poor => t.tiers.poor += 1,
            }
            if off < Nanos::ZERO {
                t.early += 1;
            } else if off > Nanos::ZERO {
                t.late += 1;
            }
            t.matched += 1;
            t.drift_points
                .push((note.time.as_secs_f64() / 60.0, off.as_millis_f64()));
        }
        t
    }
}

fn extras_by_kind(extras: &[usize], extra_kind: &[Option<ExtraKind>]) -> ExtrasByKind {
    let mut by_kind = ExtrasByKind::default();
    for &h in extras {
        match extra_kind[h] {
            Some(ExtraKind::WrongLane) => by_kind.wrong_lane += 1,
            Some(ExtraKind::Overhit) => by_kind.overhit += 1,
            Some(ExtraKind::WrongArticulation) => by_kind.wrong_articulation += 1,
            None => {}
        }
    }
    by_kind
}

/// The longest run of consecutive notes matched with no extra hit between them (notes and
/// extras in time order).
fn longest_streak(
    chart: &Chart,
    note_hit: &[Option<usize>],
    extras: &[usize],
    hit_time: &[Option<Nanos>],
) -> usize {
    let mut timeline: Vec<(Nanos, bool)> = chart
        .notes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.time, note_hit[i].is_some()))
        .collect();
    timeline.extend(extras.iter().filter_map(|&h| Some((hit_time[h]?, false))));
    timeline.sort_by_key(|e| e.0);
    let (mut streak, mut longest) = (0usize, 0usize);
    for (_, ok) in timeline {
        streak = if ok { streak + 1 } else { 0 };
        longest = longest.max(streak);
    }
    longest
}

/// Accents and ghost notes, judged against the player's median velocity per lane (over the
/// normal notes, or all matched notes when the lane has no normal ones).
fn dynamics(
    chart: &Chart,
    take: &Take,
    lanes: &ChartLanes,
    note_hit: &[Option<usize>],
    options: &ScoreOptions,
) -> DynamicsCounts {
    let mut dynamics = DynamicsCounts::default();
    let mut normal_vel: Vec<Vec<f64>> = vec![Vec::new(); N_LANES];
    let mut all_vel: Vec<Vec<f64>> = vec![Vec::new(); N_LANES];
    for (ni, n) in chart.notes.iter().enumerate() {
        if let Some(hi) = note_hit[ni] {
            let v = take.hits[hi].velocity as f64;
            all_vel[lanes.note_lane[ni].index()].push(v);
            if n.dynamic == Dynamic::Normal {
                normal_vel[lanes.note_lane[ni].index()].push(v);
            }
        }
    }
    let medians: Vec<Option<f64>> = (0..N_LANES)
        .map(|l| stats::median(&normal_vel[l]).or_else(|| stats::median(&all_vel[l])))
        .collect();
    for (ni, n) in chart.notes.iter().enumerate() {
        let (Some(hi), Some(med)) = (note_hit[ni], medians[lanes.note_lane[ni].index()]) else {
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
    dynamics
}

/// The per-lane table (lanes with notes or hits), and every matched offset in ms, sorted.
fn lane_reports(
    lanes: &ChartLanes,
    hits: &CorrectedHits,
    note_offset: &[Option<Nanos>],
    extras: &[usize],
    matched: usize,
) -> (BTreeMap<Lane, LaneReport>, Vec<f64>) {
    // Every matched note is on exactly one lane, so the player's offsets, sorted, are the
    // lanes' sorted offsets merged.
    let mut reports = BTreeMap::new();
    let mut all_offsets_ms: Vec<f64> = Vec::with_capacity(matched);
    for lane in Lane::ALL {
        let l = lane.index();
        let lane_notes = &lanes.notes[l];
        let lane_hits = hits.by_lane[l].len();
        if lane_notes.is_empty() && lane_hits == 0 {
            continue;
        }
        // Sorted as integer nanoseconds: converting to ms keeps the order (and equal values
        // equal), so this is the order `offset_stats` would sort them into.
        let mut offs_ns: Vec<Nanos> = lane_notes
            .iter()
            .filter_map(|&ni| note_offset[ni])
            .collect();
        offs_ns.sort_unstable();
        let offs: Vec<f64> = offs_ns.iter().map(|o| o.as_millis_f64()).collect();
        drop(offs_ns);
        all_offsets_ms.extend_from_slice(&offs);
        let lane_extras = extras.iter().filter(|&&h| hits.lane[h] == lane).count();
        reports.insert(
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
    (reports, all_offsets_ms)
}

/// Per-note, per-extra and per-filtered-event detail.
fn detail(
    chart: &Chart,
    take: &Take,
    note_hit: &[Option<usize>],
    note_offset: &[Option<Nanos>],
    timing: &Timing,
    extras: &[usize],
    extra_kind: &[Option<ExtraKind>],
) -> PlayerDetail {
    let map = &chart.tempo_map;
    PlayerDetail {
        notes: chart
            .notes
            .iter()
            .enumerate()
            .map(|(ni, n)| {
                let hi = note_hit[ni];
                let off = note_offset[ni];
                NoteDetail {
                    time_s: secs(n.time),
                    position: map.position(n.tick).to_string(),
                    lane: n.lane,
                    articulation: n.articulation,
                    dynamic: n.dynamic,
                    hit: hi,
                    hit_time_s: hi.map(|h| secs(take.hits[h].time)),
                    offset_ms: off.map(ms),
                    tier: NoteTier::from(off.map(|o| timing.tier(o))),
                    velocity: hi.map(|h| take.hits[h].velocity),
                    hit_articulation: hi.and_then(|h| take.hits[h].articulation),
                }
            })
            .collect(),
        extras: extras
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{ChartInfo, Note, Section};
    use crate::matching::Offsets;
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
}
