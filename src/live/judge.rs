//! Online judging: each hit judged as it arrives, for the live display.
//!
//! The judge follows the kit stage ([`crate::kit::build_take`]) event by event: channel, note
//! map, velocity floor, the hi-hat pedal's articulation, and the crosstalk filter. A quiet hit
//! may be crosstalk from a louder neighbouring pad stamped up to
//! [`CrosstalkOptions::before`](crate::kit::CrosstalkOptions::before) later (5 ms by default),
//! so every hit waits out that short pre-mask before it is judged. It is then matched to the
//! nearest unplayed chart note of its lane within the timing window. A note is missed once its
//! window has passed.
//!
//! These judgements feed the display only. The session's report is computed afterwards from
//! the capture log by the offline engine ([`crate::score`]), whose optimal matching may pair a
//! few hits differently.

use crate::chart::Chart;
use crate::event::RawEvent;
use crate::kit::KitMap;
use crate::lane::Lane;
use crate::score::{Offsets, Tier, Timing};
use crate::time::Nanos;
use std::collections::VecDeque;

/// What became of a hit or a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A hit matched a note: its tier and offset (positive = late).
    Hit {
        /// The tier.
        tier: Tier,
        /// Hit time minus note time, after the latency offset.
        offset: Nanos,
        /// Index of the note in the chart.
        note: usize,
    },
    /// A hit that matched no note.
    Extra,
    /// A note nobody played in its window.
    Miss {
        /// Index of the note in the chart.
        note: usize,
    },
}

/// One judgement, on chart time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judgement {
    /// Chart time of the hit (or of the missed note).
    pub time: Nanos,
    /// The lane.
    pub lane: Lane,
    /// What happened.
    pub outcome: Outcome,
}

/// Running figures for the display.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunningStats {
    /// Notes matched so far.
    pub matched: u32,
    /// Notes whose fate is known (matched, or missed because their window passed).
    pub notes_so_far: u32,
    /// Hits that matched no note.
    pub extras: u32,
    /// Sum of matched offsets, ns (for the mean).
    pub offset_sum_ns: i64,
    /// Matched notes in a row without a miss.
    pub streak: u32,
    /// The longest streak.
    pub best_streak: u32,
}

impl RunningStats {
    /// Matched / notes so far, 0..=1 (1 before any note).
    pub fn hit_rate(&self) -> f64 {
        if self.notes_so_far == 0 {
            1.0
        } else {
            f64::from(self.matched) / f64::from(self.notes_so_far)
        }
    }

    /// Mean offset of matched hits in ms (positive = late).
    pub fn mean_offset_ms(&self) -> f64 {
        if self.matched == 0 {
            0.0
        } else {
            self.offset_sum_ns as f64 / f64::from(self.matched) / 1e6
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    /// Capture time.
    time: Nanos,
    /// Kit lane (before lane rules), for the crosstalk pairs.
    kit_lane: Lane,
    velocity: u8,
    crosstalk: bool,
}

/// The online judge of one player.
#[derive(Debug, Clone)]
pub struct OnlineJudge {
    kit: KitMap,
    offsets: Offsets,
    timing: Timing,
    /// Chart notes: (time, lane after the kit's lane rules).
    notes: Vec<(Nanos, Lane)>,
    played: Vec<bool>,
    /// First note whose miss has not been decided.
    next_miss: usize,
    pedal: Option<u8>,
    /// Hits waiting out the crosstalk pre-mask, in arrival order.
    pending: VecDeque<Pending>,
    /// Recent judged hits, for crosstalk against later quiet hits.
    recent: VecDeque<Pending>,
    stats: RunningStats,
}

impl OnlineJudge {
    /// A judge for a player with `kit` and latency `offsets`, against `chart` (or none:
    /// free play, where every hit is an extra).
    pub fn new(
        kit: KitMap,
        offsets: Offsets,
        timing: Timing,
        chart: Option<&Chart>,
    ) -> OnlineJudge {
        let notes: Vec<(Nanos, Lane)> = chart
            .map(|c| {
                c.notes
                    .iter()
                    .map(|n| (n.time, kit.options.lanes.apply_chart(n.lane)))
                    .collect()
            })
            .unwrap_or_default();
        OnlineJudge {
            played: vec![false; notes.len()],
            notes,
            kit,
            offsets,
            timing,
            next_miss: 0,
            pedal: None,
            pending: VecDeque::with_capacity(64),
            recent: VecDeque::with_capacity(64),
            stats: RunningStats::default(),
        }
    }

    /// The running figures.
    pub fn stats(&self) -> &RunningStats {
        &self.stats
    }

    /// Number of chart notes.
    pub fn note_count(&self) -> usize {
        self.notes.len()
    }

    /// Whether an event is a hit for this player's kit (a mapped Note On on the kit's channel,
    /// at or above the velocity floor): what `--start first-hit` waits for.
    pub fn counts_as_hit(&self, ev: &RawEvent) -> bool {
        match *ev.message() {
            [s, note, vel] if s & 0xF0 == 0x90 && note < 0x80 && (1..0x80).contains(&vel) => {
                let channel = (s & 0x0F) + 1;
                !self.kit.channel.is_some_and(|c| c != channel)
                    && self
                        .kit
                        .lookup(note)
                        .is_some_and(|(lane, _)| vel >= self.kit.options.velocity_floors.get(lane))
            }
            _ => false,
        }
    }

    /// Takes one raw event of this player (capture time).
    pub fn on_event(&mut self, ev: &RawEvent) {
        let [status, data1, data2] = match *ev.message() {
            [s, d1, d2] if s & 0x80 != 0 && d1 < 0x80 && d2 < 0x80 => [s, d1, d2],
            _ => return,
        };
        let channel = (status & 0x0F) + 1;
        if self.kit.channel.is_some_and(|c| c != channel) {
            return;
        }
        match status & 0xF0 {
            0xB0 if self.kit.pedal_cc == Some(data1) => self.pedal = Some(data2),
            0x90 if data2 > 0 => {
                let Some((lane, _)) = self.kit.lookup(data1) else {
                    return;
                };
                if data2 < self.kit.options.velocity_floors.get(lane) {
                    return;
                }
                let mut hit = Pending {
                    time: ev.time,
                    kit_lane: lane,
                    velocity: data2,
                    crosstalk: false,
                };
                let xt = self.kit.options.crosstalk;
                if xt.enabled {
                    let quiet = |q: u8, loud: u8| {
                        u32::from(q) * 100 <= u32::from(xt.max_percent) * u32::from(loud)
                    };
                    // A louder neighbour just before: this one is its echo.
                    hit.crosstalk = self.recent.iter().chain(self.pending.iter()).any(|r| {
                        !r.crosstalk
                            && ev.time.saturating_sub(r.time) <= xt.after
                            && r.time <= ev.time
                            && self.kit.are_neighbours(r.kit_lane, lane)
                            && quiet(data2, r.velocity)
                    });
                    // Quiet neighbours stamped just before this one: they are its echo.
                    for p in self.pending.iter_mut() {
                        if ev.time.saturating_sub(p.time) <= xt.before
                            && self.kit.are_neighbours(p.kit_lane, lane)
                            && quiet(p.velocity, data2)
                        {
                            p.crosstalk = true;
                        }
                    }
                }
                self.pending.push_back(hit);
            }
            _ => {}
        }
    }

    /// Judges what can be judged at capture time `now`, with chart time zero at capture time
    /// `zero` (`None` while unknown: nothing is judged yet). Calls `out` for each judgement.
    pub fn advance(&mut self, now: Nanos, zero: Option<Nanos>, mut out: impl FnMut(Judgement)) {
        let Some(zero) = zero else { return };
        let before = self.kit.options.crosstalk.before;
        while let Some(p) = self.pending.front().copied() {
            if now.saturating_sub(p.time) < before {
                break;
            }
            self.pending.pop_front();
            self.recent.push_back(p);
            if p.crosstalk {
                continue;
            }
            let lane = self.kit.options.lanes.apply(p.kit_lane);
            let t = p
                .time
                .saturating_sub(zero)
                .saturating_sub(self.offsets.for_lane(lane));
            out(self.judge_hit(t, lane));
        }
        let keep = self.kit.options.crosstalk.after;
        while self
            .recent
            .front()
            .is_some_and(|r| now.saturating_sub(r.time) > keep)
        {
            self.recent.pop_front();
        }
        // Misses: notes whose window has passed (leave room for hits still in the pre-mask).
        let chart_now = now.saturating_sub(zero).saturating_sub(before);
        while self.next_miss < self.notes.len() {
            let (time, lane) = self.notes[self.next_miss];
            if time.saturating_add(self.timing.window) >= chart_now {
                break;
            }
            if !self.played[self.next_miss] {
                self.stats.notes_so_far += 1;
                self.stats.streak = 0;
                out(Judgement {
                    time,
                    lane,
                    outcome: Outcome::Miss {
                        note: self.next_miss,
                    },
                });
            }
            self.next_miss += 1;
        }
    }

    fn judge_hit(&mut self, t: Nanos, lane: Lane) -> Judgement {
        let window = self.timing.window;
        let lo = self
            .notes
            .partition_point(|n| n.0 < t.saturating_sub(window));
        let best = self.notes[lo..]
            .iter()
            .enumerate()
            .take_while(|(_, n)| n.0 <= t.saturating_add(window))
            .filter(|(i, n)| n.1 == lane && !self.played[lo + i])
            .min_by_key(|(_, n)| (t - n.0).abs())
            .map(|(i, n)| (lo + i, n.0));
        let outcome = match best {
            Some((note, time)) => {
                self.played[note] = true;
                let offset = t - time;
                let s = &mut self.stats;
                s.matched += 1;
                s.notes_so_far += 1;
                s.offset_sum_ns += offset.0;
                s.streak += 1;
                s.best_streak = s.best_streak.max(s.streak);
                Outcome::Hit {
                    tier: self.timing.tier(offset),
                    offset,
                    note,
                }
            }
            None => {
                self.stats.extras += 1;
                Outcome::Extra
            }
        };
        Judgement {
            time: t,
            lane,
            outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{ChartInfo, Note};
    use crate::lane::Dynamic;
    use crate::tempo::{Tempo, TempoMap, TimeSignature};

    fn chart(notes: &[(i64, Lane)]) -> Chart {
        let map = TempoMap::constant(480, Tempo::from_bpm(120.0), TimeSignature::COMMON)
            .expect("valid map");
        let notes = notes
            .iter()
            .map(|&(ms, lane)| Note {
                time: Nanos::from_millis(ms),
                tick: map.tick(Nanos::from_millis(ms)),
                lane,
                articulation: None,
                dynamic: Dynamic::Normal,
            })
            .collect();
        Chart::new(ChartInfo::default(), map, Vec::new(), notes).expect("valid chart")
    }

    fn gm() -> KitMap {
        KitMap::builtin("gm").expect("gm is built in")
    }

    fn on(ms: i64, note: u8, vel: u8) -> RawEvent {
        RawEvent::new(Nanos::from_millis(ms), 0, &[0x99, note, vel])
    }

    #[test]
    fn a_hit_is_judged_after_the_pre_mask_and_a_late_note_is_missed() {
        let c = chart(&[(1000, Lane::Kick), (1500, Lane::Snare)]);
        let mut j = OnlineJudge::new(gm(), Offsets::default(), Timing::default(), Some(&c));
        let zero = Some(Nanos::ZERO);
        j.on_event(&on(1010, 36, 100));
        let mut got = Vec::new();
        j.advance(Nanos::from_millis(1012), zero, |x| got.push(x));
        assert!(got.is_empty(), "still inside the crosstalk pre-mask");
        j.advance(Nanos::from_millis(1020), zero, |x| got.push(x));
        assert_eq!(got.len(), 1);
        assert!(
            matches!(got[0].outcome, Outcome::Hit { offset, note: 0, .. } if offset == Nanos::from_millis(10))
        );
        j.advance(Nanos::from_millis(2000), zero, |x| got.push(x));
        assert!(matches!(got[1].outcome, Outcome::Miss { note: 1 }));
        assert_eq!(j.stats().matched, 1);
        assert_eq!(j.stats().notes_so_far, 2);
        assert!((j.stats().hit_rate() - 0.5).abs() < 1e-9);
    }

    #[test]
    fn nothing_is_judged_before_time_zero_is_known() {
        let c = chart(&[(0, Lane::Kick)]);
        let mut j = OnlineJudge::new(gm(), Offsets::default(), Timing::default(), Some(&c));
        j.on_event(&on(5000, 36, 100));
        let mut n = 0;
        j.advance(Nanos::from_millis(6000), None, |_| n += 1);
        assert_eq!(n, 0);
        j.advance(
            Nanos::from_millis(6000),
            Some(Nanos::from_millis(5000)),
            |_| n += 1,
        );
        assert_eq!(n, 1);
        assert_eq!(j.stats().matched, 1);
    }

    #[test]
    fn a_wrong_lane_is_an_extra() {
        let c = chart(&[(100, Lane::Kick)]);
        let mut j = OnlineJudge::new(gm(), Offsets::default(), Timing::default(), Some(&c));
        j.on_event(&on(100, 38, 100));
        let mut got = Vec::new();
        j.advance(Nanos::from_millis(110), Some(Nanos::ZERO), |x| got.push(x));
        assert_eq!(got[0].outcome, Outcome::Extra);
    }
}
