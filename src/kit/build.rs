//! From raw events to a take: sorts the events into time order and runs them through the kit
//! stage's filter ([`KitFilter`]), the same one the live judge uses.

use super::filter::{KitEvent, KitFilter};
use super::map::KitMap;
use super::options::KitOptions;
use crate::event::RawEvent;
use crate::take::Take;

/// Turns raw MIDI events (in arrival order) into a take through `kit`, with `options`.
///
/// - Note On (velocity > 0) on a mapped note and the kit's channel becomes a [`Hit`](crate::take::Hit),
///   keeping its velocity and source note, channel (1..=16) and port. Hi-hat strokes take their
///   articulation from the latest pedal reading of their port when the kit has sent one;
///   otherwise the note's.
/// - Pedal readings (controller [`KitMap::pedal_cc`]) all go to [`Take::pedal`].
/// - Polyphonic aftertouch on a cymbal note becomes a [`Choke`](crate::take::Choke) (once per
///   grab: a new choke needs a release (value 0) or a new hit on that cymbal first).
/// - Unmapped notes, other channels, hits below the velocity floor, pedal stomps and crosstalk
///   go to [`Take::filtered`] with their reason.
/// - Note Offs, clock, active sensing, other controllers and anything else are ignored.
///
/// Lanes in the take are after `options.lanes` (swaps, then merges). Every list of the take is
/// sorted by time; events with equal times keep their arrival order. The whole stage is
/// O(n log n) however dense the events are.
pub(crate) fn build_take(
    events: &[RawEvent],
    kit: &KitMap,
    options: &KitOptions,
    source: String,
    ports: Vec<String>,
) -> Take {
    let mut take = Take {
        source,
        ports,
        ..Take::default()
    };
    take.hits.reserve(events.len());
    let mut filter = KitFilter::new(kit, options);
    let mut keep = |event: KitEvent| match event {
        KitEvent::Hit(hit) => take.hits.push(hit),
        KitEvent::Filtered(filtered) => take.filtered.push(filtered),
        KitEvent::Pedal(sample) => take.pedal.push(sample),
        KitEvent::Choke(choke) => take.chokes.push(choke),
    };
    match time_order(events) {
        Some(order) => order
            .iter()
            .for_each(|&i| filter.push(&events[i], &mut keep)),
        None => events.iter().for_each(|ev| filter.push(ev, &mut keep)),
    }
    filter.finish(&mut keep);
    take.sort();
    take
}

/// Indices of `events` in time order (stable), or `None` when they already are.
fn time_order(events: &[RawEvent]) -> Option<Vec<usize>> {
    if events.windows(2).all(|w| w[0].time <= w[1].time) {
        return None;
    }
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| events[i].time);
    Some(order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::filter::tests::random_events;
    use crate::kit::filter::{KitEvent, KitFilter};
    use crate::kit::lanes::LaneMap;
    use crate::kit::options::HihatThresholds;
    use crate::lane::{Articulation, Lane};
    use crate::take::Take;
    use crate::take::{FilterReason, Source};
    use crate::time::Nanos;
    use Articulation::*;

    const CH10: u8 = 9;

    fn ms(t: i64) -> Nanos {
        Nanos::from_millis(t)
    }
    fn on(t_ms: i64, note: u8, velocity: u8) -> RawEvent {
        RawEvent::new(ms(t_ms), 0, &[0x90 | CH10, note, velocity])
    }
    fn on_port(t_ms: i64, port: u16, note: u8, velocity: u8) -> RawEvent {
        RawEvent::new(ms(t_ms), port, &[0x90 | CH10, note, velocity])
    }
    fn cc(t_ms: i64, controller: u8, value: u8) -> RawEvent {
        RawEvent::new(ms(t_ms), 0, &[0xB0 | CH10, controller, value])
    }
    fn touch(t_ms: i64, note: u8, value: u8) -> RawEvent {
        RawEvent::new(ms(t_ms), 0, &[0xA0 | CH10, note, value])
    }
    fn td() -> KitMap {
        KitMap::builtin("roland-td").unwrap()
    }
    fn run(events: &[RawEvent]) -> Take {
        let kit = td();
        build_take(
            events,
            &kit,
            &kit.options,
            "test".into(),
            vec!["file".into()],
        )
    }
    fn run_with(events: &[RawEvent], options: &KitOptions) -> Take {
        build_take(events, &td(), options, "test".into(), vec!["file".into()])
    }
    fn lanes(take: &Take) -> Vec<Lane> {
        take.hits.iter().map(|h| h.lane).collect()
    }
    fn reasons(take: &Take) -> Vec<(u8, FilterReason)> {
        take.filtered
            .iter()
            .map(|f| (f.source.note, f.reason))
            .collect()
    }

    #[test]
    fn hits_keep_velocity_and_source_and_come_out_sorted() {
        let events = [
            RawEvent::new(ms(20), 1, &[0x99, 38, 90]),
            on(10, 36, 100),
            RawEvent::new(ms(15), 0, &[0x99, 42, 64]),
        ];
        let take = build_take(
            &events,
            &td(),
            &KitOptions::default(),
            "two ports".into(),
            vec!["a".into(), "b".into()],
        );
        assert_eq!(take.source, "two ports");
        assert_eq!(take.ports, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(lanes(&take), vec![Lane::Kick, Lane::Hihat, Lane::Snare]);
        let snare = take.hits[2];
        assert_eq!(snare.time, ms(20));
        assert_eq!(snare.velocity, 90);
        assert_eq!(snare.articulation, Some(Head));
        assert_eq!(
            snare.source,
            Source {
                note: 38,
                channel: 10,
                port: 1
            }
        );
        assert!(take.filtered.is_empty());
    }

    #[test]
    fn note_offs_clock_and_other_controllers_are_ignored() {
        let events = [
            RawEvent::new(ms(0), 0, &[0xF8]),
            RawEvent::new(ms(1), 0, &[0xFE]),
            RawEvent::new(ms(2), 0, &[0x89, 38, 64]),
            RawEvent::new(ms(3), 0, &[0x99, 38, 0]),
            cc(4, 7, 100),
            cc(5, 88, 20),
            RawEvent::new(ms(6), 0, &[0xC9, 3]),
            RawEvent::new(ms(7), 0, &[0xE9, 0, 64]),
            RawEvent::new(ms(8), 0, &[0x99, 38]),
            RawEvent::new(ms(9), 0, &[0x99, 0x80, 64]),
        ];
        let take = run(&events);
        assert!(take.hits.is_empty(), "{:?}", take.hits);
        assert!(take.filtered.is_empty(), "{:?}", take.filtered);
        assert!(take.pedal.is_empty());
        assert!(take.chokes.is_empty());
    }

    #[test]
    fn unmapped_notes_and_other_channels_are_filtered_not_dropped() {
        let events = [
            on(0, 60, 100),
            RawEvent::new(ms(1), 0, &[0x90, 38, 100]),
            on(2, 38, 100),
        ];
        let take = run(&events);
        assert_eq!(lanes(&take), vec![Lane::Snare]);
        assert_eq!(
            reasons(&take),
            vec![
                (60, FilterReason::UnmappedNote),
                (38, FilterReason::OtherChannel)
            ]
        );
        assert_eq!(take.filtered[0].lane, None);
        assert_eq!(take.filtered[1].lane, Some(Lane::Snare));
        assert_eq!(take.filtered[1].source.channel, 1);

        let mut omni = td();
        omni.channel = None;
        let take = build_take(&events, &omni, &omni.options, String::new(), vec![]);
        assert_eq!(lanes(&take), vec![Lane::Snare, Lane::Snare]);
    }

    #[test]
    fn velocity_floor_is_per_lane() {
        let mut options = KitOptions::default();
        options.velocity_floors.set(Lane::Hihat, 20);
        let events = [
            on(0, 42, 19),
            on(100, 42, 20),
            on(200, 38, 4),
            on(300, 38, 2),
        ];
        let take = run_with(&events, &options);
        assert_eq!(lanes(&take), vec![Lane::Hihat, Lane::Snare]);
        assert_eq!(take.hits[1].velocity, 4, "a velocity-4 ghost note is music");
        assert_eq!(
            reasons(&take),
            vec![
                (42, FilterReason::BelowVelocityFloor { floor: 20 }),
                (38, FilterReason::BelowVelocityFloor { floor: 3 })
            ]
        );
    }

    #[test]
    fn hihat_articulation_follows_the_latest_pedal_reading() {
        let events = [
            on(0, 46, 80), // open note, no pedal reading yet: keeps "open"
            on(100, 22, 80),
            cc(190, 4, 127),
            on(200, 46, 80), // open note but pedal closed: closed
            cc(290, 4, 64),
            on(300, 42, 80),
            cc(390, 4, 10),
            on(400, 26, 80),
            on(500, 44, 60),                            // foot chick: no articulation
            RawEvent::new(ms(550), 0, &[0xB0, 4, 127]), // pedal on another channel: ignored
            on(600, 42, 80),
        ];
        let take = run(&events);
        let arts: Vec<_> = take.hits.iter().map(|h| (h.lane, h.articulation)).collect();
        assert_eq!(
            arts,
            vec![
                (Lane::Hihat, Some(Open)),
                (Lane::Hihat, Some(Closed)),
                (Lane::Hihat, Some(Closed)),
                (Lane::Hihat, Some(HalfOpen)),
                (Lane::Hihat, Some(Open)),
                (Lane::HihatPedal, None),
                (Lane::Hihat, Some(Open)),
            ]
        );
        let pedal: Vec<_> = take.pedal.iter().map(|p| (p.time, p.value)).collect();
        assert_eq!(pedal, vec![(ms(190), 127), (ms(290), 64), (ms(390), 10)]);
    }

    #[test]
    fn pedal_reading_at_the_same_instant_counts_when_it_arrived_first() {
        // TD modules send the pedal position just before the hi-hat note, often in the same
        // millisecond.
        let take = run(&[cc(100, 4, 50), on(100, 42, 80)]);
        assert_eq!(take.hits[0].articulation, Some(HalfOpen));
    }

    #[test]
    fn pedal_state_is_per_port_and_thresholds_are_configurable() {
        let events = [
            cc(0, 4, 100),
            on_port(10, 1, 42, 80), // port 1 has seen no pedal: keeps closed
            on_port(20, 1, 46, 80),
            on(30, 46, 80),
        ];
        let options = KitOptions {
            hihat: HihatThresholds {
                closed_min: 110,
                half_open_min: 60,
            },
            ..KitOptions::default()
        };
        let take = run_with(&events, &options);
        let arts: Vec<_> = take.hits.iter().map(|h| h.articulation).collect();
        assert_eq!(arts, vec![Some(Closed), Some(Open), Some(HalfOpen)]);

        let mut kit = td();
        kit.pedal_cc = Some(19);
        let take = build_take(
            &[cc(0, 4, 0), cc(1, 19, 127), on(2, 46, 80)],
            &kit,
            &kit.options,
            String::new(),
            vec![],
        );
        assert_eq!(take.pedal.len(), 1);
        assert_eq!(take.hits[0].articulation, Some(Closed));
    }

    #[test]
    fn cymbal_aftertouch_is_a_choke_once_per_grab() {
        let events = [
            on(0, 49, 100),
            touch(300, 49, 127),
            touch(310, 49, 127), // still held
            touch(400, 49, 0),   // released
            touch(500, 55, 127), // edge note of the same cymbal, grabbed again
            on(600, 57, 100),
            touch(700, 57, 127),
            on(800, 57, 100), // a new hit re-arms
            touch(900, 57, 127),
            touch(950, 38, 127), // snare aftertouch: not a choke
            touch(960, 61, 127), // unmapped: ignored
        ];
        let take = run(&events);
        let chokes: Vec<_> = take
            .chokes
            .iter()
            .map(|c| (c.time, c.lane, c.source.note))
            .collect();
        assert_eq!(
            chokes,
            vec![
                (ms(300), Lane::Crash, 49),
                (ms(500), Lane::Crash, 55),
                (ms(700), Lane::Crash2, 57),
                (ms(900), Lane::Crash2, 57),
            ]
        );
        assert_eq!(take.hits.len(), 3, "chokes are not hits");
        assert!(take.filtered.is_empty());
    }

    #[test]
    fn crosstalk_after_the_loud_hit_is_filtered() {
        let take = run(&[on(1000, 48, 120), on(1012, 45, 30)]);
        assert_eq!(lanes(&take), vec![Lane::Tom1]);
        assert_eq!(
            reasons(&take),
            vec![(
                45,
                FilterReason::Crosstalk {
                    from: Lane::Tom1,
                    gap_ns: -12_000_000
                }
            )]
        );
    }

    #[test]
    fn crosstalk_before_the_loud_hit_is_filtered() {
        // The echo on tom 2 is stamped 3 ms before the real hit on tom 1.
        let take = run(&[on(997, 45, 30), on(1000, 48, 120)]);
        assert_eq!(lanes(&take), vec![Lane::Tom1]);
        assert_eq!(
            reasons(&take),
            vec![(
                45,
                FilterReason::Crosstalk {
                    from: Lane::Tom1,
                    gap_ns: 3_000_000
                }
            )]
        );
    }

    #[test]
    fn real_playing_survives_the_crosstalk_filter() {
        let cases: &[(&str, &[RawEvent])] = &[
            (
                "ghost snare with a loud kick",
                &[on(0, 36, 127), on(2, 38, 8)],
            ),
            (
                "ghost snare with a loud hi-hat",
                &[on(0, 42, 127), on(1, 38, 8)],
            ),
            (
                "tom echo outside the window after",
                &[on(0, 48, 120), on(21, 45, 30)],
            ),
            (
                "tom echo outside the window before",
                &[on(0, 45, 30), on(6, 48, 120)],
            ),
            (
                "second tom not quiet enough",
                &[on(0, 48, 100), on(5, 45, 41)],
            ),
            (
                "tom rim and head of the same drum",
                &[on(0, 48, 120), on(1, 50, 10)],
            ),
        ];
        for (what, events) in cases {
            let take = run(events);
            assert_eq!(take.hits.len(), 2, "{what}: {:?}", take.filtered);
        }
        // Other ports are other kits.
        let take = run(&[on_port(0, 0, 48, 120), on_port(5, 1, 45, 20)]);
        assert_eq!(take.hits.len(), 2);
        // And the filter can be turned off.
        let mut options = KitOptions::default();
        options.crosstalk.enabled = false;
        let take = run_with(&[on(0, 48, 120), on(5, 45, 20)], &options);
        assert_eq!(take.hits.len(), 2);
    }

    #[test]
    fn crosstalk_blames_the_loudest_neighbour() {
        // Tom 2 neighbours tom 1, tom 3 and the ride.
        let take = run(&[on(0, 48, 90), on(2, 51, 127), on(4, 45, 20), on(6, 43, 60)]);
        assert_eq!(lanes(&take), vec![Lane::Tom1, Lane::Ride, Lane::Tom3]);
        assert_eq!(
            reasons(&take),
            vec![(
                45,
                FilterReason::Crosstalk {
                    from: Lane::Ride,
                    gap_ns: -2_000_000
                }
            )]
        );
    }

    #[test]
    fn pedal_stomp_fires_a_quiet_hihat_note() {
        let take = run(&[
            on(1000, 44, 100),
            on(1008, 42, 12),
            on(2000, 44, 100),
            on(1997, 42, 20),
        ]);
        assert_eq!(lanes(&take), vec![Lane::HihatPedal, Lane::HihatPedal]);
        assert_eq!(
            reasons(&take),
            vec![
                (42, FilterReason::PedalStomp),
                (42, FilterReason::PedalStomp)
            ]
        );
    }

    #[test]
    fn real_hihat_strokes_survive_the_stomp_filter() {
        let cases: &[(&str, &[RawEvent])] = &[
            ("stick and foot together", &[on(0, 44, 100), on(2, 42, 90)]),
            (
                "quiet stroke well after the close",
                &[on(0, 44, 100), on(31, 42, 12)],
            ),
            (
                "quiet stroke well before the close",
                &[on(0, 42, 12), on(6, 44, 100)],
            ),
            (
                "quiet stroke without a close",
                &[on(0, 42, 12), on(50, 42, 12)],
            ),
        ];
        for (what, events) in cases {
            let take = run(events);
            assert_eq!(take.hits.len(), 2, "{what}: {:?}", take.filtered);
        }
        let mut options = KitOptions::default();
        options.pedal_stomp.enabled = false;
        let take = run_with(&[on(0, 44, 100), on(5, 42, 10)], &options);
        assert_eq!(take.hits.len(), 2);
    }

    #[test]
    fn lane_rules_apply_to_hits_chokes_and_filtered_events() {
        let options = KitOptions {
            lanes: LaneMap::parse(
                "swap:ride,crash merge:crash,crash2,splash,china merge:tom3,tom4",
            )
            .unwrap(),
            ..KitOptions::default()
        };
        let events = [
            on(0, 51, 100),   // ride pad -> crash (bow kept)
            on(100, 53, 100), // ride bell -> crash, bell dropped
            on(200, 49, 100), // crash pad -> ride
            on(300, 57, 100), // crash 2 -> crash
            on(400, 41, 100), // tom 4 -> tom 3
            touch(500, 51, 127),
            on(600, 48, 120),
            on(610, 45, 10),
        ];
        let take = run_with(&events, &options);
        let got: Vec<_> = take.hits.iter().map(|h| (h.lane, h.articulation)).collect();
        assert_eq!(
            got,
            vec![
                (Lane::Crash, Some(Bow)),
                (Lane::Crash, None),
                (Lane::Ride, Some(Bow)),
                (Lane::Crash, Some(Bow)),
                (Lane::Tom3, Some(Head)),
                (Lane::Tom1, Some(Head)),
            ]
        );
        assert_eq!(take.chokes[0].lane, Lane::Crash);
        assert_eq!(take.filtered[0].lane, Some(Lane::Tom2));
    }

    /// The filters' decision by brute force: every pair of candidates.
    fn oracle(events: &[RawEvent], kit: &KitMap, options: &KitOptions) -> Vec<bool> {
        let mut sorted: Vec<&RawEvent> = events.iter().collect();
        sorted.sort_by_key(|e| e.time);
        let hits: Vec<(Nanos, u16, Lane, u8)> = sorted
            .iter()
            .filter_map(|e| {
                let (lane, _) = kit.lookup(e.bytes[1])?;
                (e.bytes[2] >= options.velocity_floors.get(lane))
                    .then_some((e.time, e.port, lane, e.bytes[2]))
            })
            .collect();
        hits.iter()
            .map(|&(t, port, lane, v)| {
                let stomp = lane == Lane::Hihat
                    && v <= options.pedal_stomp.max_velocity
                    && hits.iter().any(|&(t2, p2, l2, _)| {
                        p2 == port
                            && l2 == Lane::HihatPedal
                            && t2 >= t - options.pedal_stomp.after
                            && t2 <= t + options.pedal_stomp.before
                    });
                let crosstalk = hits.iter().any(|&(t2, p2, l2, v2)| {
                    p2 == port
                        && kit.are_neighbours(lane, l2)
                        && t2 >= t - options.crosstalk.after
                        && t2 <= t + options.crosstalk.before
                        && u32::from(v) * 100
                            <= u32::from(v2) * u32::from(options.crosstalk.max_percent)
                });
                !(stomp || crosstalk)
            })
            .collect()
    }

    #[test]
    fn filters_agree_with_a_brute_force_oracle_on_random_takes() {
        let kit = td();
        let notes: Vec<u8> = kit.notes.keys().copied().collect();
        let mut rng = fastrand::Rng::with_seed(7);
        let (mut crosstalk, mut stomps) = (0, 0);
        for round in 0..200 {
            let n = rng.usize(1..80);
            let events: Vec<RawEvent> = (0..n)
                .map(|_| {
                    let note = notes[rng.usize(..notes.len())];
                    RawEvent::new(
                        Nanos::from_micros(rng.i64(0..300_000)),
                        rng.u16(0..2),
                        &[0x99, note, rng.u8(1..128)],
                    )
                })
                .collect();
            let take = build_take(&events, &kit, &kit.options, String::new(), vec![]);
            let expected = oracle(&events, &kit, &kit.options);
            let kept = expected.iter().filter(|k| **k).count();
            assert_eq!(take.hits.len(), kept, "round {round}");
            assert_eq!(
                take.hits.len() + take.filtered.len(),
                n,
                "round {round}: nothing lost"
            );
            for f in &take.filtered {
                match f.reason {
                    FilterReason::Crosstalk { .. } => crosstalk += 1,
                    FilterReason::PedalStomp => stomps += 1,
                    _ => {}
                }
            }
        }
        assert!(
            crosstalk > 50 && stomps > 5,
            "the oracle saw both filters work: {crosstalk} {stomps}"
        );
    }

    #[test]
    fn dense_unsorted_takes_are_handled_in_n_log_n() {
        // Dense and unsorted: the stage must stay O(n log n) (this runs in well under a second
        // in release builds; in debug it only checks that nothing is quadratic).
        let kit = td();
        let notes: Vec<u8> = kit.notes.keys().copied().collect();
        let mut rng = fastrand::Rng::with_seed(1);
        let events: Vec<RawEvent> = (0..200_000)
            .map(|i| {
                let note = notes[rng.usize(..notes.len())];
                let t = Nanos::from_micros(i * 100 + rng.i64(-2_000..2_000));
                RawEvent::new(t, 0, &[0x99, note, rng.u8(1..128)])
            })
            .collect();
        let take = build_take(&events, &kit, &kit.options, String::new(), vec![]);
        assert_eq!(take.hits.len() + take.filtered.len(), events.len());
        assert!(take.hits.windows(2).all(|w| w[0].time <= w[1].time));
        assert!(take.filtered.windows(2).all(|w| w[0].time <= w[1].time));
    }

    #[test]
    fn a_clock_driven_filter_gives_the_take_of_the_file() {
        let kit = crate::kit::map::KitMap::builtin("roland-td").unwrap();
        let mut rng = fastrand::Rng::with_seed(3);
        let mut filtered = 0;
        for round in 0..100 {
            let events = random_events(&mut rng, 200);
            let expected = build_take(&events, &kit, &kit.options, String::new(), vec![]);
            filtered += expected.filtered.len();
            let mut got = Take::default();
            let mut keep = |e: KitEvent| match e {
                KitEvent::Hit(h) => got.hits.push(h),
                KitEvent::Filtered(f) => got.filtered.push(f),
                KitEvent::Pedal(p) => got.pedal.push(p),
                KitEvent::Choke(c) => got.chokes.push(c),
            };
            let mut f = KitFilter::new(&kit, &kit.options);
            for (i, ev) in events.iter().enumerate() {
                f.push(ev, &mut keep);
                // The clock runs up to (never past) the next event, as on a live port.
                let next = events.get(i + 1).map_or(ev.time, |e| e.time);
                let now = ev.time + Nanos(rng.i64(0..=(next - ev.time).0));
                f.advance(now, &mut keep);
            }
            f.finish(&mut keep);
            got.sort();
            assert_eq!(got, expected, "round {round}");
        }
        assert!(filtered > 100, "the filters fired: {filtered}");
    }
}
