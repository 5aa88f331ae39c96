//! Two drummers together: pairs of onsets, one from each player, and how close they were.
//!
//! Pairs come from a chart (a note both players matched: one pair per note) or, without a chart,
//! from the optimal matcher run between the two players' hits (same lane, or all lanes pooled into
//! one onset stream). From the pairs: the asynchrony A = t_a − t_b in ms (a is the first player;
//! positive means b is ahead), its statistics per lane and per bar, the sync score, each player's
//! tempo, and who leads ([`crate::phase`]). Definitions: docs/sync.md.

use crate::chart::Chart;
use crate::lane::Lane;
use crate::matching;
use crate::matching::{Alignment, Offsets};
use crate::phase;
use crate::report::{
    Ahead, AsynchronyStats, Bands, IoiCorrelation, Leader, PairingMode, PhaseStats, SyncBar,
    SyncLane, SyncReport, TempoDivergence, Verdict, Within,
};
use crate::stats;
use crate::take::Take;
use crate::time::Nanos;
use std::collections::BTreeMap;

/// A leader is named only when the 95 % interval of α_b − α_a is at most this wide.
pub const MAX_DIFF_CI_WIDTH: f64 = 1.0;

/// Default bootstrap draws for the leader verdict.
pub const DEFAULT_BOOTSTRAP: usize = 400;
/// Default bootstrap seed (fixed, so reports are reproducible).
pub const DEFAULT_SEED: u64 = 0x706f636b6574;

/// One pair of onsets judged to be the same musical event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncPair {
    /// Player a's onset (after latency offsets).
    pub time_a: Nanos,
    /// Player b's onset (after latency offsets).
    pub time_b: Nanos,
    /// The lane (`any` when pooled).
    pub lane: Lane,
    /// The chart note's time, or without a chart the midpoint of the two onsets.
    pub reference: Nanos,
}

impl SyncPair {
    /// The asynchrony t_a − t_b.
    pub fn asynchrony(&self) -> Nanos {
        self.time_a - self.time_b
    }
}

/// The pairs of a duet, with the onsets only one player played.
#[derive(Debug, Clone, PartialEq)]
pub struct Pairing {
    /// How the pairs were found.
    pub mode: PairingMode,
    /// Pairs in reference-time order.
    pub pairs: Vec<SyncPair>,
    /// Reference times of notes (or onsets) only player a played.
    pub only_a: Vec<Nanos>,
    /// Reference times of notes (or onsets) only player b played.
    pub only_b: Vec<Nanos>,
    /// The pairing window (chart-free modes), or the scoring window.
    pub window: Nanos,
}

/// Pairs from a chart: every note both players matched. Times are after each player's latency
/// offsets but never after auto-align (which would erase who is ahead).
pub fn pair_on_chart(
    chart: &Chart,
    align_a: &Alignment,
    align_b: &Alignment,
    window: Nanos,
) -> Pairing {
    let time = |al: &Alignment, note: usize| -> Option<Nanos> {
        let h = al.note_hit.get(note).copied().flatten()?;
        let t = al.hit_time.get(h).copied().flatten()?;
        Some(t + al.auto_offset.unwrap_or(Nanos::ZERO))
    };
    let mut pairs = Vec::new();
    let mut only_a = Vec::new();
    let mut only_b = Vec::new();
    for (i, n) in chart.notes.iter().enumerate() {
        match (time(align_a, i), time(align_b, i)) {
            (Some(a), Some(b)) => pairs.push(SyncPair {
                time_a: a,
                time_b: b,
                lane: n.lane,
                reference: n.time,
            }),
            (Some(_), None) => only_a.push(n.time),
            (None, Some(_)) => only_b.push(n.time),
            (None, None) => {}
        }
    }
    Pairing {
        mode: PairingMode::Chart,
        pairs,
        only_a,
        only_b,
        window,
    }
}

/// Collapses sorted onsets closer than `within` to the previous kept onset into it (a flam or a
/// chord becomes one onset at its first stroke).
pub fn collapse_onsets(sorted: &[Nanos], within: Nanos) -> Vec<Nanos> {
    let mut out: Vec<Nanos> = Vec::with_capacity(sorted.len());
    for &t in sorted {
        match out.last() {
            Some(&last) if t - last <= within => {}
            _ => out.push(t),
        }
    }
    out
}

/// The chart-free default window: half the smaller of the two players' median inter-onset
/// intervals (each player's hits on all lanes, collapsed within `collapse`), clamped to
/// 10..=250 ms. 100 ms when neither player has two onsets.
pub fn default_window(a: &[Nanos], b: &[Nanos], collapse: Nanos) -> Nanos {
    let median_ioi = |times: &[Nanos]| -> Option<f64> {
        let mut v = times.to_vec();
        v.sort();
        let c = collapse_onsets(&v, collapse);
        let iois: Vec<f64> = c
            .windows(2)
            .map(|w| (w[1] - w[0]).as_millis_f64())
            .collect();
        stats::median(&iois)
    };
    let m = match (median_ioi(a), median_ioi(b)) {
        (Some(x), Some(y)) => x.min(y),
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => 200.0,
    };
    Nanos::from_millis_f64((m / 2.0).clamp(10.0, 250.0)).unwrap_or(Nanos::from_millis(100))
}

/// Pairs without a chart: each lane's hits of a matched to b's with the optimal matcher
/// (`all_lanes`: every hit pooled and collapsed within `collapse` first). Hits are shifted by
/// the given offsets (positive: that player is late).
pub fn pair_free(
    take_a: &Take,
    offsets_a: &Offsets,
    take_b: &Take,
    offsets_b: &Offsets,
    all_lanes: bool,
    window: Option<Nanos>,
    collapse: Nanos,
) -> Pairing {
    let times = |take: &Take, off: &Offsets| -> Vec<(Lane, Nanos)> {
        take.hits
            .iter()
            .map(|h| {
                let lane = if all_lanes { Lane::Any } else { h.lane };
                (lane, h.time - off.for_lane(h.lane))
            })
            .collect()
    };
    let a = times(take_a, offsets_a);
    let b = times(take_b, offsets_b);
    let all_a: Vec<Nanos> = a.iter().map(|p| p.1).collect();
    let all_b: Vec<Nanos> = b.iter().map(|p| p.1).collect();
    let window = window.unwrap_or_else(|| default_window(&all_a, &all_b, collapse));
    let mut pairs = Vec::new();
    let mut only_a = Vec::new();
    let mut only_b = Vec::new();
    let mut matcher = matching::Matcher::new();
    let mut found = Vec::new();
    for lane in Lane::ALL {
        let mut la: Vec<Nanos> = a.iter().filter(|p| p.0 == lane).map(|p| p.1).collect();
        let mut lb: Vec<Nanos> = b.iter().filter(|p| p.0 == lane).map(|p| p.1).collect();
        la.sort();
        lb.sort();
        if all_lanes {
            la = collapse_onsets(&la, collapse);
            lb = collapse_onsets(&lb, collapse);
        }
        found.clear();
        matcher.match_into(&la, &lb, window, &mut found);
        let mut used_a = vec![false; la.len()];
        let mut used_b = vec![false; lb.len()];
        for &(i, j) in &found {
            used_a[i] = true;
            used_b[j] = true;
            pairs.push(SyncPair {
                time_a: la[i],
                time_b: lb[j],
                lane,
                reference: Nanos((la[i].0 + lb[j].0).div_euclid(2)),
            });
        }
        only_a.extend(la.iter().zip(&used_a).filter(|p| !p.1).map(|p| *p.0));
        only_b.extend(lb.iter().zip(&used_b).filter(|p| !p.1).map(|p| *p.0));
    }
    pairs.sort_by_key(|p| (p.reference, p.lane));
    only_a.sort();
    only_b.sort();
    Pairing {
        mode: if all_lanes {
            PairingMode::AllLanes
        } else {
            PairingMode::SameLane
        },
        pairs,
        only_a,
        only_b,
        window,
    }
}

/// How to analyse a pairing.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncOptions {
    /// Bootstrap draws for the leader verdict.
    pub bootstrap: usize,
    /// Bootstrap seed.
    pub seed: u64,
    /// Window length for per-window figures without a chart.
    pub window_length: Nanos,
}

impl Default for SyncOptions {
    fn default() -> SyncOptions {
        SyncOptions {
            bootstrap: DEFAULT_BOOTSTRAP,
            seed: DEFAULT_SEED,
            window_length: Nanos::from_millis(4000),
        }
    }
}

fn r1(x: Option<f64>) -> Option<f64> {
    x.map(|v| stats::round_to(v, 1))
}

fn r4(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite()).map(|v| stats::round_to(v, 4))
}

fn frac(count: usize, total: usize) -> Option<f64> {
    (total > 0).then(|| stats::round_to(count as f64 / total as f64, 6))
}

fn asynchrony_stats(a: &[f64]) -> AsynchronyStats {
    AsynchronyStats {
        mean: r1(stats::mean(a)),
        median: r1(stats::median(a)),
        sd: r1(stats::sd(a)),
        rms: r1(stats::rms(a)),
        mae: r1(stats::mean_abs(a)),
    }
}

/// One onset event per reference time for the phase model: pairs whose reference times are
/// within `tolerance` of the event's first pair (a chord, or near-simultaneous strokes on two
/// lanes) are averaged into one event. Returns (reference, t_a, t_b) in ms.
fn events_for_phase(pairs: &[SyncPair], tolerance: Nanos) -> Vec<(f64, f64, f64)> {
    let mut out: Vec<(f64, f64, f64)> = Vec::new();
    let mut i = 0;
    while i < pairs.len() {
        let r = pairs[i].reference;
        let mut j = i;
        let (mut sa, mut sb) = (0.0, 0.0);
        while j < pairs.len() && pairs[j].reference - r <= tolerance {
            sa += pairs[j].time_a.as_millis_f64();
            sb += pairs[j].time_b.as_millis_f64();
            j += 1;
        }
        let n = (j - i) as f64;
        out.push((r.as_millis_f64(), sa / n, sb / n));
        i = j;
    }
    out
}

/// The onset series the phase model is fitted to, with the mask of consecutive events.
///
/// With a chart, each player's mean offset per lane is first removed (a constant habit such as
/// an early kick is not a phase error and would blur the asynchrony series), then events are the
/// distinct chart times both players played; event `n` follows
/// event `n − 1` only when no chart time lies between them (a note either player missed breaks
/// the series). Each onset is re-expressed on an even grid, `t'(n) = t(n) − c(n) + k(n)·500 ms`
/// (`c` the chart time, `k` its index among the chart's distinct times), so the model's
/// intervals are the chart's intervals plus the player's deviations whatever the rhythm, and the
/// asynchrony is unchanged. Without a chart the onsets are used as played, and every event
/// follows the previous one (intervals longer than 4 × the median are dropped by the model).
fn phase_series(
    pairing: &Pairing,
    chart: Option<&Chart>,
) -> (Vec<f64>, Vec<f64>, Option<Vec<bool>>) {
    const GRID_MS: f64 = 500.0;
    match chart {
        Some(c) => {
            // A constant per-lane habit (kick a little early) is not a phase error: remove each
            // player's mean offset per lane before averaging a chord into one event.
            let mut sum = [[0i128; 2]; Lane::ALL.len()];
            let mut count = [0i128; Lane::ALL.len()];
            for p in &pairing.pairs {
                let l = p.lane.index();
                sum[l][0] += (p.time_a - p.reference).0 as i128;
                sum[l][1] += (p.time_b - p.reference).0 as i128;
                count[l] += 1;
            }
            let debiased: Vec<SyncPair> = pairing
                .pairs
                .iter()
                .map(|p| {
                    let l = p.lane.index();
                    let mean = |k: usize| Nanos((sum[l][k] / count[l].max(1)) as i64);
                    SyncPair {
                        time_a: p.time_a - mean(0),
                        time_b: p.time_b - mean(1),
                        ..*p
                    }
                })
                .collect();
            let events = events_for_phase(&debiased, Nanos::ZERO);
            let mut times: Vec<Nanos> = c.notes.iter().map(|n| n.time).collect();
            times.dedup();
            let mut ta = Vec::with_capacity(events.len());
            let mut tb = Vec::with_capacity(events.len());
            let mut consecutive = Vec::with_capacity(events.len());
            let mut last: Option<usize> = None;
            for (r, a, b) in events {
                let at = Nanos::from_millis_f64(r).unwrap_or(Nanos::ZERO);
                let k = times.partition_point(|&t| t < at);
                let grid = k as f64 * GRID_MS;
                ta.push(a - r + grid);
                tb.push(b - r + grid);
                consecutive.push(last.is_some_and(|l| k == l + 1));
                last = Some(k);
            }
            (ta, tb, Some(consecutive))
        }
        None => {
            // Without a chart the metric position of an onset is unknown, so a player's
            // systematic feel (swung 16ths on the hi-hat against a straight partner) would look
            // like correction. The backbeat carries the pulse: with lanes, only kick and snare
            // pairs feed the model; pooled onsets (`any`) all do.
            let beat_lanes: Vec<SyncPair> = pairing
                .pairs
                .iter()
                .filter(|p| matches!(p.lane, Lane::Kick | Lane::Snare | Lane::Any))
                .copied()
                .collect();
            let events = events_for_phase(&beat_lanes, Nanos::from_millis(15));
            let ta = events.iter().map(|e| e.1).collect();
            let tb = events.iter().map(|e| e.2).collect();
            (ta, tb, None)
        }
    }
}

/// Each player's effective tempo per bar with a chart: bar number → BPM (the scoring stage's
/// `played_bpm`; bars where it is unknown are left out).
pub type PlayedTempo = BTreeMap<i64, f64>;

/// Analyses a pairing. With a chart, `chart` gives the bars and `played` each player's tempo
/// per bar.
pub fn analyse(
    pairing: &Pairing,
    names: [&str; 2],
    chart: Option<&Chart>,
    played: Option<[&PlayedTempo; 2]>,
    options: &SyncOptions,
) -> SyncReport {
    let asyn: Vec<f64> = pairing
        .pairs
        .iter()
        .map(|p| p.asynchrony().as_millis_f64())
        .collect();
    let n = asyn.len();
    let count = |f: &dyn Fn(f64) -> bool| asyn.iter().filter(|a| f(a.abs())).count();
    let within = Within {
        ms10: frac(count(&|a| a <= 10.0), n),
        ms20: frac(count(&|a| a <= 20.0), n),
        ms50: frac(count(&|a| a <= 50.0), n),
    };
    let bands = Bands {
        together: within.ms20,
        loose: frac(count(&|a| a > 20.0 && a <= 50.0), n),
        apart: frac(count(&|a| a > 50.0), n),
    };
    let denom = n + pairing.only_a.len() + pairing.only_b.len();
    let credit: f64 = asyn.iter().map(|a| (1.0 - a.abs() / 50.0).max(0.0)).sum();
    let score = (denom > 0).then(|| stats::round_to(100.0 * credit / denom as f64, 2));
    let mean = stats::mean(&asyn);
    let ahead = match mean {
        Some(m) if m.abs() >= 1.0 => Ahead {
            // A = t_a − t_b > 0: b played first.
            player: Some(if m > 0.0 { names[1] } else { names[0] }.to_string()),
            by_ms: Some(stats::round_to(m.abs(), 1)),
        },
        Some(m) => Ahead {
            player: None,
            by_ms: Some(stats::round_to(m.abs(), 1)),
        },
        None => Ahead {
            player: None,
            by_ms: None,
        },
    };

    // Who leads: interval correlations and phase correction on one event per reference time.
    let (ta, tb, consecutive) = phase_series(pairing, chart);
    let (ioi_correlation, phase_correction, leader) =
        leadership(&ta, &tb, consecutive.as_deref(), names, options);

    // Per lane.
    let mut lanes = BTreeMap::new();
    for lane in Lane::ALL {
        let v: Vec<f64> = pairing
            .pairs
            .iter()
            .filter(|p| p.lane == lane)
            .map(|p| p.asynchrony().as_millis_f64())
            .collect();
        if v.is_empty() {
            continue;
        }
        let w20 = v.iter().filter(|a| a.abs() <= 20.0).count();
        lanes.insert(
            lane,
            SyncLane {
                pairs: v.len(),
                mean_ms: r1(stats::mean(&v)),
                sd_ms: r1(stats::sd(&v)),
                within_ms20: frac(w20, v.len()),
            },
        );
    }

    let bars = bars(pairing, chart, played, options);
    let compared: Vec<&SyncBar> = bars.iter().filter(|b| b.tempo_ratio.is_some()).collect();
    let diffs: Vec<f64> = compared
        .iter()
        .filter_map(|b| Some((b.bpm_a? - b.bpm_b?).abs()))
        .collect();
    let ratios: Vec<f64> = compared
        .iter()
        .filter_map(|b| Some((b.tempo_ratio? - 1.0).abs() * 100.0))
        .collect();
    let tempo = TempoDivergence {
        bars_compared: compared.len(),
        mean_abs_bpm_diff: r4(stats::mean(&diffs)),
        max_abs_bpm_diff: r4(diffs.iter().copied().reduce(f64::max)),
        mean_abs_ratio_pct: r4(stats::mean(&ratios)),
    };

    SyncReport {
        mode: pairing.mode,
        players: names.iter().map(|s| s.to_string()).collect(),
        window_ms: stats::round_to(pairing.window.as_millis_f64(), 4),
        pairs: n,
        only_a: pairing.only_a.len(),
        only_b: pairing.only_b.len(),
        asynchrony_ms: asynchrony_stats(&asyn),
        within,
        bands,
        score,
        ahead,
        ioi_correlation,
        phase_correction,
        leader,
        lanes,
        bars,
        tempo,
    }
}

/// The most bars without onsets [`bars`] fills in between the first and last bar with onsets.
const MAX_FILLED_BARS: i64 = 1 << 20;

fn bars(
    pairing: &Pairing,
    chart: Option<&Chart>,
    played: Option<[&PlayedTempo; 2]>,
    options: &SyncOptions,
) -> Vec<SyncBar> {
    let win = options.window_length.0.max(1);
    let bar_of = |t: Nanos| -> i64 {
        match chart {
            Some(c) => c.tempo_map.bar_at(t),
            None => t.0.div_euclid(win) + 1,
        }
    };
    let start_of = |bar: i64| -> Nanos {
        match chart {
            Some(c) => c.tempo_map.time(c.tempo_map.bar_start(bar)),
            None => Nanos((bar - 1) * win),
        }
    };
    let mut by_bar: BTreeMap<i64, (Vec<&SyncPair>, usize, usize)> = BTreeMap::new();
    for p in &pairing.pairs {
        by_bar.entry(bar_of(p.reference)).or_default().0.push(p);
    }
    for &t in &pairing.only_a {
        by_bar.entry(bar_of(t)).or_default().1 += 1;
    }
    for &t in &pairing.only_b {
        by_bar.entry(bar_of(t)).or_default().2 += 1;
    }
    if let (Some(first), Some(last)) = (
        by_bar.keys().next().copied(),
        by_bar.keys().next_back().copied(),
    ) {
        // Bars without pairs between the first and last are listed too, unless the span is
        // absurd (damaged times): then only bars with onsets are.
        if last.saturating_sub(first) <= MAX_FILLED_BARS {
            for b in first..=last {
                by_bar.entry(b).or_default();
            }
        }
    }
    let played = |who: usize, bar: i64| played.and_then(|p| p[who].get(&bar).copied());
    by_bar
        .into_iter()
        .map(|(bar, (pairs, oa, ob))| {
            let v: Vec<f64> = pairs
                .iter()
                .map(|p| p.asynchrony().as_millis_f64())
                .collect();
            let w20 = v.iter().filter(|a| a.abs() <= 20.0).count();
            let (bpm_a, bpm_b) = (played(0, bar), played(1, bar));
            let tempo_ratio = match (bpm_a, bpm_b, chart) {
                (Some(a), Some(b), _) if a > 0.0 => Some(b / a),
                (_, _, Some(_)) => None,
                (_, _, None) => {
                    let pts: Vec<(f64, f64)> = pairs
                        .iter()
                        .map(|p| (p.time_b.as_secs_f64(), p.time_a.as_secs_f64()))
                        .collect();
                    stats::slope(&pts)
                }
            };
            SyncBar {
                bar,
                start_s: stats::round_to(start_of(bar).as_secs_f64(), 9),
                pairs: v.len(),
                only_a: oa,
                only_b: ob,
                mean_ms: r1(stats::mean(&v)),
                sd_ms: r1(stats::sd(&v)),
                within_ms20: frac(w20, v.len()),
                bpm_a,
                bpm_b,
                tempo_ratio: r4(tempo_ratio),
            }
        })
        .collect()
}

fn leadership(
    ta: &[f64],
    tb: &[f64],
    consecutive: Option<&[bool]>,
    names: [&str; 2],
    options: &SyncOptions,
) -> (IoiCorrelation, BTreeMap<String, PhaseStats>, Leader) {
    let phase_options = phase::PhaseOptions {
        bootstrap_draws: options.bootstrap,
        seed: options.seed,
        block_len: None,
    };
    let fitted = phase::estimate_with(ta, tb, consecutive, &phase_options);
    // A fit carries the same correlations (same rows); only compute them again without one.
    let corr = match &fitted {
        Some(fit) => fit.correlation.clone(),
        None => phase::interval_correlation(ta, tb, consecutive),
    };
    let intervals = match consecutive {
        Some(c) => c.iter().skip(1).filter(|&&x| x).count(),
        None => ta.len().saturating_sub(1),
    };
    let ioi = IoiCorrelation {
        intervals,
        lag0: r4(corr.lag0),
        b_follows_a: r4(corr.b_follows_a),
        a_follows_b: r4(corr.a_follows_b),
    };
    let mut pc = BTreeMap::new();
    let Some(fit) = fitted else {
        for n in names {
            pc.insert(n.to_string(), PhaseStats::default());
        }
        let leader = Leader {
            verdict: Verdict::Undetermined,
            player: None,
            alpha_diff: None,
            ci_low: None,
            ci_high: None,
            events: ta.len(),
            bootstrap: options.bootstrap,
            seed: options.seed,
            reason: format!(
                "too few consecutive shared onsets to fit phase correction (need {})",
                phase::MIN_INTERVALS + 1
            ),
        };
        return (ioi, pc, leader);
    };
    for (name, f) in [(names[0], &fit.a), (names[1], &fit.b)] {
        pc.insert(
            name.to_string(),
            PhaseStats {
                alpha: r4(Some(f.alpha)),
                alpha_ci_low: r4(f.alpha_ci95.map(|c| c.low)),
                alpha_ci_high: r4(f.alpha_ci95.map(|c| c.high)),
                sd_motor_ms: r4(Some(f.sd_motor_ms)),
                sd_timekeeper_ms: r4(Some(f.sd_timekeeper_ms)),
            },
        );
    }
    let ci = fit.alpha_diff_ci95;
    // The model only describes players who correct between 0 (ignore the partner) and 1 (fully
    // realign). A gain whose whole interval lies outside that range means the takes do not
    // follow the model (e.g. two separate takes each locked to its own click): name no leader.
    let implausible = [(names[0], &fit.a), (names[1], &fit.b)]
        .into_iter()
        .find(|(_, f)| f.alpha_ci95.is_some_and(|c| c.high < 0.0 || c.low > 1.0));
    // An interval on α_b − α_a wider than 1 cannot tell gains in 0..1 apart.
    let imprecise = ci.is_some_and(|c| c.high - c.low > MAX_DIFF_CI_WIDTH);
    let verdict = match (implausible, imprecise) {
        (None, false) => fit.verdict,
        _ => phase::Verdict::Undetermined,
    };
    let (verdict, player, reason) = match verdict {
        phase::Verdict::Leads { player } => {
            let (leader, other) = match player {
                phase::Player::A => (names[0], names[1]),
                phase::Player::B => (names[1], names[0]),
            };
            (
                Verdict::Leads,
                Some(leader.to_string()),
                format!(
                    "{other} corrects clearly more of each gap than {leader} (95% interval of the difference excludes 0)"
                ),
            )
        }
        phase::Verdict::Mutual => (
            Verdict::Mutual,
            None,
            format!(
                "both correct clearly and by about the same amount (difference within ±{})",
                phase::MUTUAL_MAX_DIFF
            ),
        ),
        phase::Verdict::Undetermined => (
            Verdict::Undetermined,
            None,
            match implausible {
                Some((name, f)) => format!(
                    "the phase-correction model does not fit: {name}'s correction gain {:.2} lies clearly outside 0..1",
                    f.alpha
                ),
                None if imprecise => format!(
                    "the estimate is too uncertain: the 95% interval of the difference is wider than {MAX_DIFF_CI_WIDTH}"
                ),
                None => "no player clearly corrects more, or neither clearly corrects at all"
                    .to_string(),
            },
        ),
    };
    let leader = Leader {
        verdict,
        player,
        alpha_diff: r4(Some(fit.alpha_diff)),
        ci_low: r4(ci.map(|c| c.low)),
        ci_high: r4(ci.map(|c| c.high)),
        events: ta.len(),
        bootstrap: fit.bootstrap_draws,
        seed: options.seed,
        reason,
    };
    (ioi, pc, leader)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(hits: &[(f64, Lane)]) -> Take {
        crate::testdata::take_ms(hits, 90)
    }

    fn free(a: &Take, b: &Take, all: bool) -> SyncReport {
        let none = Offsets::default();
        let p = pair_free(a, &none, b, &none, all, None, Nanos::from_millis(15));
        analyse(&p, ["a", "b"], None, None, &SyncOptions::default())
    }

    #[test]
    fn asynchrony_is_a_minus_b_and_b_ahead_is_named() {
        let a = take(&[
            (0.0, Lane::Snare),
            (500.0, Lane::Snare),
            (1000.0, Lane::Snare),
        ]);
        let b = take(&[
            (-8.0, Lane::Snare),
            (488.0, Lane::Snare),
            (992.0, Lane::Snare),
        ]);
        let r = free(&a, &b, false);
        assert_eq!(r.pairs, 3);
        assert_eq!(r.asynchrony_ms.mean, Some(9.3));
        assert_eq!(r.ahead.player.as_deref(), Some("b"));
        assert_eq!(r.within.ms10, Some(0.666667));
        assert_eq!(r.within.ms20, Some(1.0));
        assert_eq!(r.bands.together, Some(1.0));
        assert_eq!(r.lanes[&Lane::Snare].pairs, 3);
    }

    #[test]
    fn swapping_players_negates_the_mean_and_swaps_the_unpaired() {
        let a = take(&[
            (0.0, Lane::Kick),
            (500.0, Lane::Kick),
            (900.0, Lane::Snare),
            (5000.0, Lane::Kick),
        ]);
        let b = take(&[
            (12.0, Lane::Kick),
            (530.0, Lane::Kick),
            (905.0, Lane::Snare),
        ]);
        let ab = free(&a, &b, false);
        let ba = free(&b, &a, false);
        assert_eq!(ab.pairs, ba.pairs);
        assert_eq!(ab.asynchrony_ms.mean, ba.asynchrony_ms.mean.map(|m| -m));
        assert_eq!((ab.only_a, ab.only_b), (ba.only_b, ba.only_a));
        assert_eq!(ab.only_a, 1);
        assert_eq!(ab.score, ba.score);
    }

    #[test]
    fn lanes_never_pair_across_unless_pooled() {
        let a = take(&[(0.0, Lane::Kick), (0.0, Lane::Crash), (500.0, Lane::Snare)]);
        let b = take(&[(5.0, Lane::Any), (505.0, Lane::Any)]);
        assert_eq!(free(&a, &b, false).pairs, 0);
        let pooled = free(&a, &b, true);
        // The kick+crash chord collapses to one onset.
        assert_eq!((pooled.pairs, pooled.only_a, pooled.only_b), (2, 0, 0));
        assert_eq!(pooled.mode, PairingMode::AllLanes);
        assert_eq!(pooled.asynchrony_ms.mean, Some(-5.0));
    }

    #[test]
    fn offsets_move_a_player_before_pairing() {
        let a = take(&[(20.0, Lane::Snare), (520.0, Lane::Snare)]);
        let b = take(&[(0.0, Lane::Snare), (500.0, Lane::Snare)]);
        let p = pair_free(
            &a,
            &Offsets::both(Nanos::from_millis(20)),
            &b,
            &Offsets::default(),
            false,
            None,
            Nanos::from_millis(15),
        );
        let r = analyse(&p, ["a", "b"], None, None, &SyncOptions::default());
        assert_eq!(r.asynchrony_ms.mean, Some(0.0));
        assert_eq!(r.ahead.player, None);
        assert_eq!(r.score, Some(100.0));
    }

    #[test]
    fn default_window_is_half_the_median_interval() {
        let a: Vec<Nanos> = (0..20).map(|i| Nanos::from_millis(i * 250)).collect();
        let b: Vec<Nanos> = (0..20).map(|i| Nanos::from_millis(i * 125)).collect();
        assert_eq!(
            default_window(&a, &b, Nanos::from_millis(15)),
            Nanos::from_millis(62) + Nanos::from_micros(500)
        );
        let slow: Vec<Nanos> = (0..20).map(|i| Nanos::from_millis(i * 1000)).collect();
        assert_eq!(
            default_window(&slow, &slow, Nanos::ZERO),
            Nanos::from_millis(250)
        );
        assert_eq!(
            default_window(&[], &[], Nanos::ZERO),
            Nanos::from_millis(100)
        );
    }

    #[test]
    fn no_pairs_gives_nulls() {
        let r = free(&take(&[]), &take(&[(0.0, Lane::Kick)]), false);
        assert_eq!(r.pairs, 0);
        assert_eq!(r.asynchrony_ms.mean, None);
        assert_eq!(r.within.ms20, None);
        assert_eq!(r.score, Some(0.0));
        assert!(!serde_json::to_string(&r).unwrap().contains("NaN"));
    }

    #[test]
    fn collapse_keeps_the_first_stroke() {
        let t = |ms: i64| Nanos::from_millis(ms);
        assert_eq!(
            collapse_onsets(&[t(0), t(5), t(15), t(16), t(40)], t(15)),
            vec![t(0), t(16), t(40)]
        );
    }
}
