//! Online judging: each hit judged as it arrives, for the live display.
//!
//! The judge runs every event through the kit stage's own filter ([`KitFilter`], the one
//! [`crate::kit::build_take`] uses): channel, note map, velocity floor, the hi-hat pedal, the
//! pedal-stomp and crosstalk filters. A quiet hit may be crosstalk from a louder neighbouring pad
//! stamped up to [`CrosstalkOptions::before`](crate::kit::CrosstalkOptions::before) later (5 ms
//! by default), so every hit waits out the filter's [`horizon`](KitFilter::horizon) before it is
//! judged. It is then matched to the nearest unplayed chart note of its lane within the timing
//! window. A note is missed once its window has passed.
//!
//! The judge also counts the Note Ons its kit map cannot read (unmapped notes, other channels):
//! when most of a player's notes are such, [`OnlineJudge::kit_warning`] says so once, so the
//! screen shows that the kit map does not fit rather than only misses.
//!
//! These judgements feed the display only. The session's report is computed afterwards from
//! the capture log by the offline engine ([`crate::score`]), whose optimal matching may pair a
//! few hits differently; the hits themselves are the same.

use crate::chart::Chart;
use crate::event::RawEvent;
use crate::kit::{KitEvent, KitFilter, KitMap};
use crate::lane::Lane;
use crate::matching::Offsets;
use crate::report::Tier;
use crate::score::Timing;
use crate::take::{FilterReason, Hit};
use crate::time::Nanos;
use std::collections::VecDeque;

/// Note Ons a player plays before the judge may say that their kit map does not fit (a couple
/// of seconds of playing).
pub const KIT_CHECK_NOTES: u32 = 8;

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

/// The online judge of one player.
#[derive(Debug, Clone)]
pub struct OnlineJudge {
    /// The kit stage, event by event.
    filter: KitFilter,
    offsets: Offsets,
    timing: Timing,
    /// Chart notes: (time, lane after the kit's lane rules).
    notes: Vec<(Nanos, Lane)>,
    played: Vec<bool>,
    /// First note whose miss has not been decided.
    next_miss: usize,
    /// Hits the filter has let through, waiting for time zero to be known.
    ready: VecDeque<Hit>,
    stats: RunningStats,
    /// What the kit map could not read.
    fit: KitFit,
}

/// Counts of the Note Ons a kit map could not read, without allocating per event.
#[derive(Debug, Clone)]
struct KitFit {
    kit: String,
    channel: Option<u8>,
    note_ons: u32,
    unmapped: u32,
    other_channel: u32,
    by_note: [u32; 128],
    by_channel: [u32; 16],
    warned: bool,
}

impl KitFit {
    fn new(kit: &KitMap) -> KitFit {
        KitFit {
            kit: kit.name.clone(),
            channel: kit.channel,
            note_ons: 0,
            unmapped: 0,
            other_channel: 0,
            by_note: [0; 128],
            by_channel: [0; 16],
            warned: false,
        }
    }

    fn count(&mut self, event: &KitEvent) {
        match event {
            KitEvent::Hit(_) => self.note_ons += 1,
            KitEvent::Filtered(f) => {
                self.note_ons += 1;
                match f.reason {
                    FilterReason::UnmappedNote => {
                        self.unmapped += 1;
                        self.by_note[usize::from(f.source.note & 0x7F)] += 1;
                    }
                    FilterReason::OtherChannel => {
                        self.other_channel += 1;
                        let channel = usize::from(f.source.channel.clamp(1, 16)) - 1;
                        self.by_channel[channel] += 1;
                    }
                    _ => {}
                }
            }
            KitEvent::Pedal(_) | KitEvent::Choke(_) => {}
        }
    }

    /// The warning, once most Note Ons (of at least [`KIT_CHECK_NOTES`]) were unreadable.
    fn warning(&mut self) -> Option<String> {
        let unread = self.unmapped + self.other_channel;
        if self.warned || self.note_ons < KIT_CHECK_NOTES || 2 * unread <= self.note_ons {
            return None;
        }
        self.warned = true;
        let (n, kit) = (self.note_ons, &self.kit);
        if self.unmapped >= self.other_channel {
            let notes: Vec<(u8, usize)> = (0u8..128)
                .filter(|&k| self.by_note[usize::from(k)] > 0)
                .map(|k| (k, self.by_note[usize::from(k)] as usize))
                .collect();
            let list: Vec<String> = notes.iter().map(|(k, _)| k.to_string()).collect();
            let mut text = format!(
                "{} of {n} notes are not in the {kit} kit map (notes {})",
                self.unmapped,
                list.join(", ")
            );
            match crate::kit::profile_for_notes(&notes) {
                Some((profile, m)) => text.push_str(&format!(
                    ": the built-in {profile} kit maps {m} of them; choose it as this player's kit"
                )),
                None => text.push_str(": choose a kit map that names them"),
            }
            Some(text)
        } else {
            let channels: Vec<String> = (0..16)
                .filter(|&c| self.by_channel[c] > 0)
                .map(|c| (c + 1).to_string())
                .collect();
            let listens = self
                .channel
                .map_or("every channel".to_string(), |c| format!("channel {c}"));
            Some(format!(
                "{} of {n} notes came on channel {}, but the {kit} kit listens on {listens}: set the \
                 kit to send on {listens}, or choose a kit map on the channel it sends on",
                self.other_channel,
                channels.join(", ")
            ))
        }
    }
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
            filter: KitFilter::new(&kit, &kit.options),
            offsets,
            timing,
            next_miss: 0,
            ready: VecDeque::with_capacity(64),
            stats: RunningStats::default(),
            fit: KitFit::new(&kit),
        }
    }

    /// Once most of this player's Note Ons (of at least [`KIT_CHECK_NOTES`]) are notes the kit
    /// map does not know or come on a channel it does not listen to, says so (and the built-in
    /// kit that would read them); `None` before that and ever after the one warning.
    pub fn kit_warning(&mut self) -> Option<String> {
        self.fit.warning()
    }

    /// The running figures.
    #[cfg_attr(not(any(test, feature = "testing")), allow(dead_code))]
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
        self.filter.counts_as_hit(ev)
    }

    /// Takes one raw event of this player (capture time).
    pub fn on_event(&mut self, ev: &RawEvent) {
        let (ready, fit) = (&mut self.ready, &mut self.fit);
        self.filter.push(ev, |event| keep_hit(ready, fit, event));
    }

    /// Judges what can be judged at capture time `now`, with chart time zero at capture time
    /// `zero` (`None` while unknown: nothing is judged yet). Calls `out` for each judgement.
    #[cfg_attr(not(any(test, feature = "testing")), allow(dead_code))]
    pub fn advance(&mut self, now: Nanos, zero: Option<Nanos>, mut out: impl FnMut(Judgement)) {
        self.advance_with_stats(now, zero, |j, _| out(j));
    }

    /// As [`advance`](Self::advance), with the running figures just after each judgement (a
    /// display line per judgement shows the figures as they were then).
    pub fn advance_with_stats(
        &mut self,
        now: Nanos,
        zero: Option<Nanos>,
        mut out: impl FnMut(Judgement, RunningStats),
    ) {
        let (ready, fit) = (&mut self.ready, &mut self.fit);
        self.filter
            .advance(now, |event| keep_hit(ready, fit, event));
        let Some(zero) = zero else { return };
        while let Some(hit) = self.ready.pop_front() {
            let t = hit
                .time
                .saturating_sub(zero)
                .saturating_sub(self.offsets.for_lane(hit.lane));
            let j = self.judge_hit(t, hit.lane);
            out(j, self.stats);
        }
        // Misses: notes whose window has passed (leave room for hits the filter still holds).
        let chart_now = now
            .saturating_sub(zero)
            .saturating_sub(self.filter.horizon());
        while self.next_miss < self.notes.len() {
            let (time, lane) = self.notes[self.next_miss];
            if time.saturating_add(self.timing.window) >= chart_now {
                break;
            }
            if !self.played[self.next_miss] {
                self.stats.notes_so_far += 1;
                self.stats.streak = 0;
                let miss = Judgement {
                    time,
                    lane,
                    outcome: Outcome::Miss {
                        note: self.next_miss,
                    },
                };
                out(miss, self.stats);
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

/// Keeps the hits among what the filter decided, counting what the kit map could not read; the
/// rest (filtered events, pedal readings, chokes) is for the report, which comes from the
/// capture log.
fn keep_hit(ready: &mut VecDeque<Hit>, fit: &mut KitFit, event: KitEvent) {
    fit.count(&event);
    if let KitEvent::Hit(hit) = event {
        ready.push_back(hit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{ChartInfo, Note};
    use crate::lane::Dynamic;
    use crate::take::FilterReason;
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

    #[test]
    fn a_kit_map_that_reads_few_of_the_notes_is_named_once_after_a_few_notes() {
        let c = chart(&[(0, Lane::Hihat)]);
        // A Roland kit's hi-hat edges (22) read with the General MIDI map.
        let mut j = OnlineJudge::new(gm(), Offsets::default(), Timing::default(), Some(&c));
        for i in 0..KIT_CHECK_NOTES - 1 {
            j.on_event(&on(
                i64::from(i) * 100,
                if i % 4 == 0 { 36 } else { 22 },
                90,
            ));
            assert_eq!(j.kit_warning(), None, "not before {KIT_CHECK_NOTES} notes");
        }
        j.on_event(&on(800, 22, 90));
        let text = j.kit_warning().expect("a warning at the 8th note");
        assert_eq!(
            text,
            "6 of 8 notes are not in the gm kit map (notes 22): the built-in roland-td kit \
             maps 6 of them; choose it as this player's kit"
        );
        assert!(!text.contains("--"), "the library names no flag: {text}");
        j.on_event(&on(900, 22, 90));
        assert_eq!(j.kit_warning(), None, "said once");

        // Notes on another channel than the kit's.
        let mut j = OnlineJudge::new(gm(), Offsets::default(), Timing::default(), Some(&c));
        for i in 0..KIT_CHECK_NOTES {
            j.on_event(&RawEvent::new(
                Nanos::from_millis(i64::from(i) * 100),
                0,
                &[0x90, 38, 90],
            ));
        }
        let text = j.kit_warning().expect("a warning");
        assert!(
            text.starts_with(
                "8 of 8 notes came on channel 1, but the gm kit listens on channel 10"
            ),
            "{text}"
        );

        // A kit that reads most notes says nothing.
        let mut j = OnlineJudge::new(gm(), Offsets::default(), Timing::default(), Some(&c));
        for i in 0..40 {
            j.on_event(&on(i * 100, if i % 3 == 0 { 22 } else { 42 }, 90));
            assert_eq!(j.kit_warning(), None);
        }
    }

    /// Every event through the judge with the clock running to each event as it arrives, then
    /// far past the end: the hits it judged, as (time, lane).
    fn judged_hits(kit: &KitMap, events: &[RawEvent]) -> Vec<(Nanos, Lane)> {
        let mut j = OnlineJudge::new(kit.clone(), Offsets::default(), Timing::default(), None);
        let mut got = Vec::new();
        let mut keep = |x: Judgement| {
            if x.outcome == Outcome::Extra {
                got.push((x.time, x.lane));
            }
        };
        for ev in events {
            j.on_event(ev);
            j.advance(ev.time, Some(Nanos::ZERO), &mut keep);
        }
        j.advance(Nanos(i64::MAX), Some(Nanos::ZERO), &mut keep);
        got
    }

    #[test]
    fn the_judge_hits_exactly_the_takes_hits() {
        let demo_chart = crate::formats::load_chart(
            &crate::testdata::crate_path(crate::demo::CHART_PATH),
            crate::formats::smf::SmfChartOptions::default(),
        )
        .expect("demo chart");
        let drummer = crate::simulate::Drummer {
            crosstalk_rate: 0.5,
            overhit_rate: 0.05,
            ..crate::simulate::Drummer::default()
        };
        let takes = [
            ("fixtures/demo/lee-roland-td.jsonl", "roland-td"),
            ("fixtures/demo/sanae-alesis-nitro.jsonl", "alesis-nitro"),
        ];
        let mut cases: Vec<(String, KitMap, Vec<RawEvent>)> = takes
            .iter()
            .map(|&(file, kit)| {
                let capture =
                    crate::formats::capture_log::read_capture(crate::testdata::crate_path(file))
                        .expect("demo capture");
                let kit = KitMap::builtin(kit).expect("built in");
                (file.to_string(), kit, capture.events)
            })
            .collect();
        let td = KitMap::builtin("roland-td").expect("built in");
        let played = crate::simulate::perform(&demo_chart, &td, &drummer);
        cases.push(("simulated crosstalk".into(), td, played.events));

        let mut filtered = 0;
        for (what, kit, events) in &cases {
            let take = crate::kit::build_take(events, kit, &kit.options, String::new(), vec![]);
            filtered += take
                .filtered
                .iter()
                .filter(|f| matches!(f.reason, FilterReason::Crosstalk { .. }))
                .count();
            let expected: Vec<_> = take.hits.iter().map(|h| (h.time, h.lane)).collect();
            assert_eq!(judged_hits(kit, events), expected, "{what}");
        }
        assert!(filtered > 10, "crosstalk was filtered: {filtered}");
    }
}
