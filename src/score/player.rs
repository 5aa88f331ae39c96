//! One player judged against the chart: the take's hits aligned to the notes lane by lane, and
//! every figure of the player's report, each computed by a step named by what it produces.
//!
//! Memory: the working tables hold about 14 bytes per note and 15 per hit (indices as `u32`,
//! times as plain `Nanos`), each dropped once its last step has run; per-note figures (offsets,
//! drift, the bar and section tables) are computed from the matching as they are needed rather
//! than stored. Every figure is the same, bit for bit, as computed from collected vectors.

use crate::chart::Chart;
use crate::lane::{Articulation, Dynamic, Lane};
use crate::matching::{Alignment, Matcher};
use crate::prefault::{self, Prefault};
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
use super::figures::{median_of_counts, offset_stats_sorted, pct, slope_of, sorted_millis};
use super::options::{PlayerInput, ScoreOptions};
use super::spans::{span_reports, Judged, NO_HIT};
use super::timing::Timing;

const N_LANES: usize = Lane::ALL.len();

/// Scores one player against a chart. Returns the report entry and the alignment.
///
/// Notes and hits are indexed with `u32`: every reader caps its input far below four billion
/// events.
pub fn score_player(
    chart: &Chart,
    player: &PlayerInput<'_>,
    options: &ScoreOptions,
) -> (PlayerReport, Alignment) {
    let (report, _, alignment) = score_player_with(chart, player, options, true);
    let alignment = alignment.unwrap_or_else(|| unreachable!("an alignment was asked for"));
    (report, alignment)
}

/// [`score_player`] for a caller that needs only the report and the offset auto-align found
/// (the settings' `auto_align_ms`): no [`Alignment`] is built (16 bytes per note and per hit).
pub fn score_player_report(
    chart: &Chart,
    player: &PlayerInput<'_>,
    options: &ScoreOptions,
) -> (PlayerReport, Option<Nanos>) {
    let (report, auto_offset, _) = score_player_with(chart, player, options, false);
    (report, auto_offset)
}

/// Scores one player: the report, the offset auto-align found and, with `alignment`, the
/// [`Alignment`].
fn score_player_with(
    chart: &Chart,
    player: &PlayerInput<'_>,
    options: &ScoreOptions,
    alignment: bool,
) -> (PlayerReport, Option<Nanos>, Option<Alignment>) {
    let take = player.take;
    let window = options.timing.window;
    let lanes = ChartLanes::new(chart, &options.lane_merge);
    let hits = CorrectedHits::new(chart, take, player, &lanes, &options.lane_merge, window);
    let mut matches = Matches::new(chart, &lanes, &hits, window);
    let mut extra_kind: Vec<Option<ExtraKind>> = prefault::with_capacity(take.hits.len());
    extra_kind.resize(take.hits.len(), None);
    let articulation = judge_articulation(
        chart,
        take,
        &mut matches,
        options.strict_articulation,
        &mut extra_kind,
    );
    classify_extras(chart, &lanes, &hits, &matches, window, &mut extra_kind);
    let extras_list: Vec<u32> = (0..take.hits.len())
        .filter(|&h| extra_kind[h].is_some())
        .map(|h| h as u32)
        .collect();
    let Matches {
        note_hit,
        hit_matched,
    } = matches;
    drop(hit_matched);
    let judged = Judged {
        chart,
        note_hit: &note_hit,
        hit_time: &hits.time,
    };

    let tally = Tally::new(&judged, &options.timing);
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
    let (lane_reports, all_offsets_ms) = lane_reports(&lanes, &hits, &judged, &extras_list);
    let offset_ms = offset_stats_sorted(&all_offsets_ms);
    drop(all_offsets_ms);
    let (sections, bars) = span_reports(&judged, &extras_list);
    let mut filtered = BTreeMap::new();
    for f in &take.filtered {
        *filtered.entry(f.reason.name().to_string()).or_insert(0) += 1;
    }
    let detail = options
        .detail
        .then(|| detail(&judged, take, &options.timing, &extras_list, &extra_kind));
    let longest_streak = longest_streak(&judged, &extras_list);
    let dynamics = dynamics(&judged, take, &lanes, options);

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
        longest_streak,
        early: tally.early,
        late: tally.late,
        offset_ms,
        drift_ms_per_min: tally.drift.map(|s| stats::round_to(s, 4)),
        articulation,
        dynamics,
        lanes: lane_reports,
        sections,
        bars,
        detail,
    };
    drop((lanes, extra_kind, extras_list));
    if !alignment {
        return (report, hits.auto_offset, None);
    }
    let CorrectedHits {
        time,
        counted,
        auto_offset,
        ..
    } = hits;
    let hit_time: Vec<Option<Nanos>> = time
        .into_iter()
        .zip(counted)
        .map(|(t, c)| c.then_some(t))
        .collect();
    let note_hit: Vec<Option<usize>> = note_hit
        .into_iter()
        .map(|h| (h != NO_HIT).then_some(h as usize))
        .collect();
    let alignment = Alignment {
        note_hit,
        hit_time,
        auto_offset,
    };
    (report, auto_offset, Some(alignment))
}

/// Indices of one lane's notes or hits: every index `0..n` in order (when one lane holds all
/// of them, in order), or a list.
enum Indices {
    /// `0..n`.
    All(usize),
    /// These indices.
    List(Vec<u32>),
}

impl Indices {
    fn len(&self) -> usize {
        match self {
            Indices::All(n) => *n,
            Indices::List(v) => v.len(),
        }
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get(&self, i: usize) -> usize {
        match self {
            Indices::All(_) => i,
            Indices::List(v) => v[i] as usize,
        }
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// Per-lane indices of `n` items of which item `i` is on lane `lane_of(i)` (or on none), in
/// index order; [`Indices::All`] when every item is on one lane.
fn by_lane(n: usize, lane_of: impl Fn(usize) -> Option<Lane>) -> Vec<Indices> {
    let first = (n > 0).then(|| lane_of(0)).flatten();
    if let Some(first) = first {
        if (1..n).all(|i| lane_of(i) == Some(first)) {
            return Lane::ALL
                .iter()
                .map(|&l| Indices::All(if l == first { n } else { 0 }))
                .collect();
        }
    }
    let mut lists: Vec<Vec<u32>> = vec![Vec::new(); N_LANES];
    for i in 0..n {
        if let Some(l) = lane_of(i) {
            lists[l.index()].push(i as u32);
        }
    }
    lists.into_iter().map(Indices::List).collect()
}

/// The chart's notes by (merged) lane.
struct ChartLanes {
    /// Each note's lane after merges.
    note_lane: Vec<Lane>,
    /// Note indices per lane, in chart order.
    notes: Vec<Indices>,
}

impl ChartLanes {
    fn new(chart: &Chart, merge: &[Lane; N_LANES]) -> ChartLanes {
        let mut note_lane: Vec<Lane> = prefault::with_capacity(chart.notes.len());
        note_lane.extend(chart.notes.iter().map(|n| merge[n.lane.index()]));
        let notes = by_lane(note_lane.len(), |i| Some(note_lane[i]));
        ChartLanes { note_lane, notes }
    }

    fn has(&self, lane: Lane) -> bool {
        !self.notes[lane.index()].is_empty()
    }

    /// The note times of one lane, in chart order, into `out`.
    fn times_into(&self, chart: &Chart, lane: usize, out: &mut Vec<Nanos>) {
        out.clear();
        out.reserve(self.notes[lane].len());
        Prefault::new().ahead(out, self.notes[lane].len());
        out.extend(self.notes[lane].iter().map(|i| chart.notes[i].time));
    }
}

/// The take's hits on the chart's lanes, corrected for latency and auto-align.
struct CorrectedHits {
    /// Each hit's lane after the player's swaps and the merges.
    lane: Vec<Lane>,
    /// Each hit's corrected time (meaningless where `counted` is false).
    time: Vec<Nanos>,
    /// False for a foot chick ignored because the chart has no hi-hat pedal notes.
    counted: Vec<bool>,
    /// Counted hit indices per lane, sorted by (corrected time, index).
    by_lane: Vec<Indices>,
    /// Foot chicks listed but not counted.
    ignored_pedal_hits: usize,
    /// The global offset auto-align found (already applied to `time`).
    auto_offset: Option<Nanos>,
}

impl CorrectedHits {
    fn new(
        chart: &Chart,
        take: &Take,
        player: &PlayerInput<'_>,
        lanes: &ChartLanes,
        merge: &[Lane; N_LANES],
        window: Nanos,
    ) -> CorrectedHits {
        let chart_has_pedal = lanes.has(Lane::HihatPedal);
        let n = take.hits.len();
        let mut lane: Vec<Lane> = prefault::with_capacity(n);
        lane.extend(
            take.hits
                .iter()
                .map(|h| merge[player.lane_swap[h.lane.index()].index()]),
        );
        let mut counted: Vec<bool> = prefault::with_capacity(n);
        counted.extend(
            lane.iter()
                .map(|&l| chart_has_pedal || l != Lane::HihatPedal),
        );
        let mut time: Vec<Nanos> = prefault::with_capacity(n);
        time.extend(
            take.hits
                .iter()
                .zip(&lane)
                .map(|(h, &l)| h.time.saturating_sub(player.offsets.for_lane(l))),
        );
        let ignored_pedal_hits = counted.iter().filter(|&&c| !c).count();
        let mut by_lane = Self::sorted_by_lane(&lane, &time, &counted);
        let auto_offset = if player.auto_align {
            let mut note_times = vec![Vec::new(); N_LANES];
            for (l, out) in note_times.iter_mut().enumerate() {
                lanes.times_into(chart, l, out);
            }
            let times: Vec<Vec<Nanos>> = by_lane
                .iter()
                .map(|v| v.iter().map(|i| time[i]).collect())
                .collect();
            estimate_offset(&note_times, &times, window)
        } else {
            None
        };
        if let Some(a) = auto_offset {
            for (t, _) in time.iter_mut().zip(&counted).filter(|(_, &c)| c) {
                *t = t.saturating_sub(a);
            }
            by_lane = Self::sorted_by_lane(&lane, &time, &counted);
        }
        CorrectedHits {
            lane,
            time,
            counted,
            by_lane,
            ignored_pedal_hits,
            auto_offset,
        }
    }

    fn sorted_by_lane(lane: &[Lane], time: &[Nanos], counted: &[bool]) -> Vec<Indices> {
        let mut by_lane = by_lane(lane.len(), |i| counted[i].then_some(lane[i]));
        let key = |i: usize| (time[i], i);
        for v in &mut by_lane {
            match v {
                Indices::All(n) => {
                    if !(1..*n).all(|i| key(i - 1) <= key(i)) {
                        let mut list: Vec<u32> = (0..*n as u32).collect();
                        list.sort_unstable_by_key(|&i| key(i as usize));
                        *v = Indices::List(list);
                    }
                }
                Indices::List(list) => {
                    if !list
                        .windows(2)
                        .all(|w| key(w[0] as usize) <= key(w[1] as usize))
                    {
                        // The keys are distinct, so an unstable sort gives the one order.
                        list.sort_unstable_by_key(|&i| key(i as usize));
                    }
                }
            }
        }
        by_lane
    }
}

/// Which hit each note got ([`NO_HIT`] for none), and whether each hit got a note.
struct Matches {
    note_hit: Vec<u32>,
    hit_matched: Vec<bool>,
}

impl Matches {
    /// The optimal matching ([`crate::matching::match_sorted`]) lane by lane.
    fn new(chart: &Chart, lanes: &ChartLanes, hits: &CorrectedHits, window: Nanos) -> Matches {
        let mut note_hit: Vec<u32> = prefault::with_capacity(chart.notes.len());
        note_hit.resize(chart.notes.len(), NO_HIT);
        let mut hit_matched: Vec<bool> = prefault::with_capacity(hits.time.len());
        hit_matched.resize(hits.time.len(), false);
        let mut matcher = Matcher::new();
        let mut note_times: Vec<Nanos> = Vec::new();
        let mut hit_times: Vec<Nanos> = Vec::new();
        for lane in 0..N_LANES {
            let lane_notes = &lanes.notes[lane];
            let lane_hits = &hits.by_lane[lane];
            if lane_notes.is_empty() || lane_hits.is_empty() {
                continue;
            }
            lanes.times_into(chart, lane, &mut note_times);
            let hit_slice: &[Nanos] = match lane_hits {
                Indices::All(n) => &hits.time[..*n],
                Indices::List(list) => {
                    hit_times.clear();
                    hit_times.extend(list.iter().map(|&i| hits.time[i as usize]));
                    &hit_times
                }
            };
            matcher.match_each(&note_times, hit_slice, window, |ni, hi| {
                let note = lane_notes.get(ni);
                let hit = lane_hits.get(hi);
                note_hit[note] = hit as u32;
                hit_matched[hit] = true;
            });
        }
        Matches {
            note_hit,
            hit_matched,
        }
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
        let hi = matches.note_hit[ni];
        if hi == NO_HIT {
            continue;
        }
        let hi = hi as usize;
        if let (Some(want), Some(got)) = (note.articulation, take.hits[hi].articulation) {
            counts.judged += 1;
            if !articulation_matches(want, got) {
                counts.mismatched += 1;
                if strict {
                    matches.note_hit[ni] = NO_HIT;
                    matches.hit_matched[hi] = false;
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
        if matches.note_hit[ni] == NO_HIT {
            unplayed_by_lane[lanes.note_lane[ni].index()].push(n.time);
        }
    }
    for (hi, &t) in hits.time.iter().enumerate() {
        if !hits.counted[hi] || matches.hit_matched[hi] || extra_kind[hi].is_some() {
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

/// Counts over the matched notes: tiers, early and late, and the drift slope.
struct Tally {
    tiers: TierCounts,
    matched: usize,
    early: usize,
    late: usize,
    /// Least-squares slope of offset (ms) against chart time (minutes) over the matched notes.
    drift: Option<f64>,
}

impl Tally {
    fn new(judged: &Judged<'_>, timing: &Timing) -> Tally {
        let mut t = Tally {
            tiers: TierCounts::default(),
            matched: 0,
            early: 0,
            late: 0,
            drift: None,
        };
        for ni in 0..judged.chart.notes.len() {
            let Some(off) = judged.offset(ni) else {
                continue;
            };
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
        }
        let points = || {
            judged
                .chart
                .notes
                .iter()
                .enumerate()
                .filter_map(|(ni, note)| {
                    let off = judged.offset(ni)?;
                    Some((note.time.as_secs_f64() / 60.0, off.as_millis_f64()))
                })
        };
        t.drift = slope_of(points, t.matched);
        t
    }
}

fn extras_by_kind(extras: &[u32], extra_kind: &[Option<ExtraKind>]) -> ExtrasByKind {
    let mut by_kind = ExtrasByKind::default();
    for &h in extras {
        match extra_kind[h as usize] {
            Some(ExtraKind::WrongLane) => by_kind.wrong_lane += 1,
            Some(ExtraKind::Overhit) => by_kind.overhit += 1,
            Some(ExtraKind::WrongArticulation) => by_kind.wrong_articulation += 1,
            None => {}
        }
    }
    by_kind
}

/// The longest run of consecutive notes matched with no extra hit between them (notes and
/// extras in time order; at equal times notes come first, then extras in hit order).
fn longest_streak(judged: &Judged<'_>, extras: &[u32]) -> usize {
    let notes = &judged.chart.notes;
    let mut extra_times: Vec<Nanos> = extras
        .iter()
        .map(|&h| judged.hit_time[h as usize])
        .collect();
    // Stable, as the timeline's sort was; extras all break a streak, so their order among
    // equal times does not matter anyway.
    extra_times.sort();
    let (mut streak, mut longest) = (0usize, 0usize);
    let mut e = 0;
    if notes.windows(2).all(|w| w[0].time <= w[1].time) {
        for (ni, n) in notes.iter().enumerate() {
            while e < extra_times.len() && extra_times[e] < n.time {
                streak = 0;
                e += 1;
            }
            streak = if judged.note_hit[ni] != NO_HIT {
                streak + 1
            } else {
                0
            };
            longest = longest.max(streak);
        }
        return longest;
    }
    // Notes out of time order: sort the whole timeline.
    let mut timeline: Vec<(Nanos, bool)> = notes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.time, judged.note_hit[i] != NO_HIT))
        .collect();
    timeline.extend(extra_times.iter().map(|&t| (t, false)));
    timeline.sort_by_key(|e| e.0);
    for (_, ok) in timeline {
        streak = if ok { streak + 1 } else { 0 };
        longest = longest.max(streak);
    }
    longest
}

/// Accents and ghost notes, judged against the player's median velocity per lane (over the
/// normal notes, or all matched notes when the lane has no normal ones).
fn dynamics(
    judged: &Judged<'_>,
    take: &Take,
    lanes: &ChartLanes,
    options: &ScoreOptions,
) -> DynamicsCounts {
    let chart = judged.chart;
    let mut dynamics = DynamicsCounts::default();
    // Velocities are bytes: their medians come from a count per value.
    let mut normal_vel = vec![[0usize; 256]; N_LANES];
    let mut all_vel = vec![[0usize; 256]; N_LANES];
    for (ni, n) in chart.notes.iter().enumerate() {
        if let Some(hi) = judged.hit(ni) {
            let v = take.hits[hi].velocity as usize;
            all_vel[lanes.note_lane[ni].index()][v] += 1;
            if n.dynamic == Dynamic::Normal {
                normal_vel[lanes.note_lane[ni].index()][v] += 1;
            }
        }
    }
    let medians: Vec<Option<f64>> = (0..N_LANES)
        .map(|l| median_of_counts(&normal_vel[l]).or_else(|| median_of_counts(&all_vel[l])))
        .collect();
    for (ni, n) in chart.notes.iter().enumerate() {
        let (Some(hi), Some(med)) = (judged.hit(ni), medians[lanes.note_lane[ni].index()]) else {
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
    judged: &Judged<'_>,
    extras: &[u32],
) -> (BTreeMap<Lane, LaneReport>, Vec<f64>) {
    // Every matched note is on exactly one lane, so the player's offsets, sorted, are the
    // lanes' sorted offsets merged.
    let mut reports = BTreeMap::new();
    let mut all_offsets_ms: Vec<f64> = Vec::new();
    let mut lanes_with_offsets = 0;
    let mut extras_per_lane = [0usize; N_LANES];
    for &h in extras {
        extras_per_lane[hits.lane[h as usize].index()] += 1;
    }
    for lane in Lane::ALL {
        let l = lane.index();
        let lane_notes = &lanes.notes[l];
        let lane_hits = hits.by_lane[l].len();
        if lane_notes.is_empty() && lane_hits == 0 {
            continue;
        }
        // Sorted as integer nanoseconds: converting to ms keeps the order (and equal values
        // equal), so this is the order `offset_stats` would sort them into.
        // Sized once (at most one offset per note) rather than grown by doubling.
        let mut offs_ns: Vec<Nanos> = Vec::with_capacity(lane_notes.len());
        offs_ns.extend(lane_notes.iter().filter_map(|ni| judged.offset(ni)));
        let offs = sorted_millis(offs_ns);
        let lane_extras = extras_per_lane[l];
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
        if offs.is_empty() {
            continue;
        }
        lanes_with_offsets += 1;
        if all_offsets_ms.is_empty() {
            all_offsets_ms = offs;
        } else {
            all_offsets_ms.extend_from_slice(&offs);
        }
    }
    if lanes_with_offsets > 1 {
        // Values equal under total_cmp have the same bits, so any sorted order is the order.
        all_offsets_ms.sort_unstable_by(f64::total_cmp);
    }
    (reports, all_offsets_ms)
}

/// Per-note, per-extra and per-filtered-event detail.
fn detail(
    judged: &Judged<'_>,
    take: &Take,
    timing: &Timing,
    extras: &[u32],
    extra_kind: &[Option<ExtraKind>],
) -> PlayerDetail {
    let chart = judged.chart;
    let map = &chart.tempo_map;
    PlayerDetail {
        notes: chart
            .notes
            .iter()
            .enumerate()
            .map(|(ni, n)| {
                let hi = judged.hit(ni);
                let off = judged.offset(ni);
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
            .map(|&h| {
                let h = h as usize;
                ExtraDetail {
                    hit: h,
                    time_s: secs(take.hits[h].time),
                    lane: take.hits[h].lane,
                    velocity: take.hits[h].velocity,
                    kind: extra_kind[h].unwrap_or(ExtraKind::Overhit),
                }
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
