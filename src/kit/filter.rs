//! The kit stage's one filter, fed one event at a time: by `build_take` for
//! files and by the live judge ([`crate::live::judge`]) for ports, so the two cannot drift apart.
//!
//! Every event is decoded by wmidi. A Note On either becomes a candidate hit or is filtered at
//! once (unmapped note, other channel, below the velocity floor); pedal readings set the hi-hat
//! articulation and aftertouch on a cymbal becomes a choke. A candidate can be explained away by
//! a hit stamped shortly after it (crosstalk stamped before its loud hit, a pedal stomp before
//! its foot close), so it is decided only once [`KitFilter::horizon`] has passed: it then becomes
//! a hit or is filtered as a pedal stomp or as crosstalk.
//!
//! Recent candidates are kept per port and lane as sliding-window maxima, so an event costs
//! amortised O(1) however dense the playing is, and once the buffers have grown to the densest
//! stretch seen, nothing is allocated per event (the live path relies on that).

use super::map::KitMap;
use super::options::KitOptions;
use crate::event::RawEvent;
use crate::lane::{Articulation, Lane};
use crate::take::{Choke, FilterReason, Filtered, Hit, PedalSample, Source};
use crate::time::Nanos;
use std::collections::VecDeque;
use wmidi::{Channel, MidiMessage};

/// Number of lanes; lane sets are bit masks over [`Lane::index`].
const LANES: usize = Lane::ALL.len();
const _: () = assert!(LANES <= 16, "lane sets are u16 bit masks");

/// What the filter made of the events it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KitEvent {
    /// A hit that passed every filter (lane and articulation after the lane rules).
    Hit(Hit),
    /// A Note On that did not become a hit, with the reason.
    Filtered(Filtered),
    /// A hi-hat pedal position reading.
    Pedal(PedalSample),
    /// A cymbal choke.
    Choke(Choke),
}

/// A Note On that passed the first rules (mapped, on the kit's channel, above its floor), waiting
/// for the pedal-stomp and crosstalk filters.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    time: Nanos,
    /// The lane as the kit map names the pad (before lane rules).
    lane: Lane,
    articulation: Option<Articulation>,
    velocity: u8,
    source: Source,
}

/// A candidate as a crosstalk window keeps it.
#[derive(Debug, Clone, Copy)]
struct Member {
    time: Nanos,
    velocity: u8,
}

/// Sliding-window maximum over the candidates of one lane of one port, queried with windows
/// whose both ends never move back.
#[derive(Debug, Clone, Default)]
struct LaneWindow {
    /// Members not yet inside the window, in time order.
    ahead: VecDeque<Member>,
    /// Members inside the window, in time order, velocities strictly decreasing from the front.
    window: VecDeque<Member>,
}

impl LaneWindow {
    /// Adds a member, forgetting those before `keep_from` (no later query reaches them).
    fn push(&mut self, member: Member, keep_from: Nanos) {
        while self.ahead.front().is_some_and(|m| m.time < keep_from) {
            self.ahead.pop_front();
        }
        while self.window.front().is_some_and(|m| m.time < keep_from) {
            self.window.pop_front();
        }
        self.ahead.push_back(member);
    }

    /// The loudest member with time in `[from, to]` (of equal ones the latest). Calls must not
    /// decrease `from` or `to`.
    fn loudest(&mut self, from: Nanos, to: Nanos) -> Option<Member> {
        while let Some(&m) = self.ahead.front() {
            if m.time > to {
                break;
            }
            while self.window.back().is_some_and(|b| b.velocity <= m.velocity) {
                self.window.pop_back();
            }
            self.window.push_back(m);
            self.ahead.pop_front();
        }
        while self.window.front().is_some_and(|f| f.time < from) {
            self.window.pop_front();
        }
        self.window.front().copied()
    }
}

/// What the filter remembers about one port (one kit).
#[derive(Debug, Clone, Default)]
struct PortState {
    port: u16,
    /// Latest pedal position (0 = open .. 127 = closed).
    pedal: Option<u8>,
    /// Cymbal lanes that have sent a choke and not been released or hit since.
    choked: u16,
    /// Recent foot closes (hi-hat pedal candidates), in time order.
    closes: VecDeque<Nanos>,
    /// Recent candidates per lane that has neighbours.
    windows: [LaneWindow; LANES],
}

/// The kit stage as a stream: raw events in, hits, filtered events, pedal readings and chokes
/// out. Feed it with [`push`](KitFilter::push) in time order (equal times in arrival order), then
/// call [`finish`](KitFilter::finish) (a file) or [`advance`](KitFilter::advance) as time
/// passes (a live port).
///
/// Pedal readings, chokes and Note Ons filtered by the first rules come out of the `push` that
/// gave them; every other Note On comes out as a hit or a filtered event once the filter has seen
/// past its [`horizon`](KitFilter::horizon), in the order the Note Ons came in.
#[derive(Debug, Clone)]
pub struct KitFilter {
    /// Note number -> kit lane and articulation.
    notes: [Option<(Lane, Option<Articulation>)>; 128],
    channel: Option<u8>,
    pedal_cc: Option<u8>,
    /// Neighbour lanes of each lane.
    neighbours: [u16; LANES],
    options: KitOptions,
    horizon: Nanos,
    /// Candidates not decided yet, in arrival order.
    pending: VecDeque<Candidate>,
    /// Sorted by port.
    ports: Vec<PortState>,
}

fn bit(lane: Lane) -> u16 {
    1 << lane.index()
}

impl KitFilter {
    /// A filter reading events through `kit` with `options` (which may differ from the kit's
    /// own [`KitMap::options`]).
    pub fn new(kit: &KitMap, options: &KitOptions) -> KitFilter {
        let mut notes = [None; 128];
        for (&note, &mapping) in &kit.notes {
            if let Some(slot) = notes.get_mut(usize::from(note)) {
                *slot = Some(mapping);
            }
        }
        let mut neighbours = [0u16; LANES];
        for &(a, b) in &kit.neighbours {
            if a != b {
                neighbours[a.index()] |= bit(b);
                neighbours[b.index()] |= bit(a);
            }
        }
        let crosstalk = options.crosstalk;
        let stomp = options.pedal_stomp;
        let horizon = [
            (crosstalk.enabled, crosstalk.before),
            (stomp.enabled, stomp.before),
        ]
        .iter()
        .filter(|(enabled, _)| *enabled)
        .map(|&(_, before)| before)
        .fold(Nanos::ZERO, Nanos::max);
        KitFilter {
            notes,
            channel: kit.channel,
            pedal_cc: kit.pedal_cc,
            neighbours,
            options: options.clone(),
            horizon,
            pending: VecDeque::with_capacity(64),
            ports: Vec::new(),
        }
    }

    /// How long after a Note On the filter may still learn something that filters it (the
    /// longest `before` window of the enabled filters): a hit is decided once events this much
    /// later have been seen.
    pub fn horizon(&self) -> Nanos {
        self.horizon
    }

    /// Whether an event passes the first rules of a hit: a Note On of a mapped note on the kit's
    /// channel, at or above its lane's velocity floor. (It may still turn out to be crosstalk or
    /// a pedal stomp.)
    pub fn counts_as_hit(&self, ev: &RawEvent) -> bool {
        match ev.decode() {
            Some(MidiMessage::NoteOn(channel, note, velocity)) => self
                .admit(channel, u8::from(note), u8::from(velocity))
                .is_ok(),
            _ => false,
        }
    }

    /// Takes the next event (time order) and calls `out` with everything that became final.
    /// Messages that are not Note On, pedal controller or cymbal aftertouch, or not complete
    /// MIDI messages, are ignored.
    pub fn push(&mut self, ev: &RawEvent, mut out: impl FnMut(KitEvent)) {
        // Every event up to a candidate's horizon has arrived once a later one does.
        while let Some(c) = self.pending.front().copied() {
            if c.time.saturating_add(self.horizon) >= ev.time {
                break;
            }
            self.pending.pop_front();
            out(self.decide(c));
        }
        let Some(message) = ev.decode() else {
            return;
        };
        match message {
            MidiMessage::NoteOn(channel, note, velocity) => {
                self.note_on(ev, channel, u8::from(note), u8::from(velocity), &mut out);
            }
            MidiMessage::ControlChange(channel, controller, value)
                if self.on_channel(channel) && self.pedal_cc == Some(u8::from(controller)) =>
            {
                let value = u8::from(value);
                port_state(&mut self.ports, ev.port).pedal = Some(value);
                out(KitEvent::Pedal(PedalSample {
                    time: ev.time,
                    value,
                }));
            }
            MidiMessage::PolyphonicKeyPressure(channel, note, value)
                if self.on_channel(channel) =>
            {
                let note = u8::from(note);
                let Some((lane, _)) = self.lookup(note) else {
                    return;
                };
                if !lane.is_cymbal() {
                    return;
                }
                let port = port_state(&mut self.ports, ev.port);
                if u8::from(value) == 0 {
                    port.choked &= !bit(lane);
                } else if port.choked & bit(lane) == 0 {
                    port.choked |= bit(lane);
                    out(KitEvent::Choke(Choke {
                        time: ev.time,
                        lane: self.options.lanes.apply(lane),
                        source: Source {
                            note,
                            channel: channel.number(),
                            port: ev.port,
                        },
                    }));
                }
            }
            _ => {}
        }
    }

    /// Decides every waiting Note On whose horizon has passed at `now`: the caller has given
    /// every event stamped up to `now`.
    pub fn advance(&mut self, now: Nanos, mut out: impl FnMut(KitEvent)) {
        while let Some(c) = self.pending.front().copied() {
            if c.time.saturating_add(self.horizon) > now {
                break;
            }
            self.pending.pop_front();
            out(self.decide(c));
        }
    }

    /// Decides every waiting Note On: no more events will come.
    pub fn finish(&mut self, mut out: impl FnMut(KitEvent)) {
        while let Some(c) = self.pending.pop_front() {
            out(self.decide(c));
        }
    }

    fn lookup(&self, note: u8) -> Option<(Lane, Option<Articulation>)> {
        self.notes.get(usize::from(note)).copied().flatten()
    }

    fn on_channel(&self, channel: Channel) -> bool {
        self.channel.is_none_or(|c| c == channel.number())
    }

    /// The first rules of a Note On (velocity > 0): the note map, the channel, the velocity
    /// floor. The kit lane and the note's articulation, or the filtered lane (after lane rules)
    /// and reason.
    fn admit(
        &self,
        channel: Channel,
        note: u8,
        velocity: u8,
    ) -> Result<(Lane, Option<Articulation>), (Option<Lane>, FilterReason)> {
        let Some((lane, articulation)) = self.lookup(note) else {
            return Err((None, FilterReason::UnmappedNote));
        };
        let mapped = Some(self.options.lanes.apply(lane));
        if !self.on_channel(channel) {
            return Err((mapped, FilterReason::OtherChannel));
        }
        let floor = self.options.velocity_floors.get(lane);
        if velocity < floor {
            return Err((mapped, FilterReason::BelowVelocityFloor { floor }));
        }
        Ok((lane, articulation))
    }

    fn note_on(
        &mut self,
        ev: &RawEvent,
        channel: Channel,
        note: u8,
        velocity: u8,
        out: &mut impl FnMut(KitEvent),
    ) {
        let source = Source {
            note,
            channel: channel.number(),
            port: ev.port,
        };
        let (lane, note_art) = match self.admit(channel, note, velocity) {
            Ok(admitted) => admitted,
            Err((lane, reason)) => {
                out(KitEvent::Filtered(Filtered {
                    time: ev.time,
                    lane,
                    velocity,
                    source,
                    reason,
                }));
                return;
            }
        };
        let (crosstalk, stomp) = (self.options.crosstalk, self.options.pedal_stomp);
        let hihat = self.options.hihat;
        let has_neighbours = self.neighbours[lane.index()] != 0;
        // No query reaches back further than this: every candidate still to be decided is
        // stamped at or after `ev.time - horizon`.
        let undecided_from = ev.time.saturating_sub(self.horizon);
        let port = port_state(&mut self.ports, ev.port);
        let articulation = match port.pedal {
            Some(position) if lane == Lane::Hihat => Some(hihat.articulation(position)),
            _ => note_art,
        };
        if lane.is_cymbal() {
            port.choked &= !bit(lane);
        }
        if stomp.enabled && lane == Lane::HihatPedal {
            let keep_from = undecided_from.saturating_sub(stomp.after);
            while port.closes.front().is_some_and(|&t| t < keep_from) {
                port.closes.pop_front();
            }
            port.closes.push_back(ev.time);
        }
        if crosstalk.enabled && has_neighbours {
            let member = Member {
                time: ev.time,
                velocity,
            };
            port.windows[lane.index()].push(member, undecided_from.saturating_sub(crosstalk.after));
        }
        self.pending.push_back(Candidate {
            time: ev.time,
            lane,
            articulation,
            velocity,
            source,
        });
    }

    /// A candidate's fate, once every event up to its horizon is in. Candidates are decided in
    /// time order.
    fn decide(&mut self, c: Candidate) -> KitEvent {
        let lanes = &self.options.lanes;
        let mapped = lanes.apply(c.lane);
        let reason = match self.ports.binary_search_by_key(&c.source.port, |p| p.port) {
            Ok(i) => {
                let port = &mut self.ports[i];
                stomp_reason(&c, port, &self.options)
                    .or_else(|| crosstalk_reason(&c, port, self.neighbours, &self.options))
            }
            Err(_) => None,
        };
        match reason {
            Some(reason) => KitEvent::Filtered(Filtered {
                time: c.time,
                lane: Some(mapped),
                velocity: c.velocity,
                source: c.source,
                reason,
            }),
            None => KitEvent::Hit(Hit {
                time: c.time,
                lane: mapped,
                // An articulation the new lane cannot have is dropped.
                articulation: c.articulation.filter(|a| mapped.allows(*a)),
                velocity: c.velocity,
                source: c.source,
            }),
        }
    }
}

/// The state of `port`, created on first use.
fn port_state(ports: &mut Vec<PortState>, port: u16) -> &mut PortState {
    let i = match ports.binary_search_by_key(&port, |p| p.port) {
        Ok(i) => i,
        Err(i) => {
            ports.insert(
                i,
                PortState {
                    port,
                    ..PortState::default()
                },
            );
            i
        }
    };
    &mut ports[i]
}

/// A quiet hi-hat stroke within the stomp window of a foot close on the same port.
fn stomp_reason(c: &Candidate, port: &mut PortState, options: &KitOptions) -> Option<FilterReason> {
    let stomp = options.pedal_stomp;
    if !stomp.enabled || c.lane != Lane::Hihat || c.velocity > stomp.max_velocity {
        return None;
    }
    // The close must lie in [t - after, t + before].
    let from = c.time.saturating_sub(stomp.after);
    let to = c.time.saturating_add(stomp.before);
    while port.closes.front().is_some_and(|&t| t < from) {
        port.closes.pop_front();
    }
    port.closes
        .front()
        .filter(|&&t| t <= to)
        .map(|_| FilterReason::PedalStomp)
}

/// A hit at most `max_percent` as loud as a hit on a neighbouring pad of the same port, within
/// `before` ahead of it or `after` behind it.
fn crosstalk_reason(
    c: &Candidate,
    port: &mut PortState,
    neighbours: [u16; LANES],
    options: &KitOptions,
) -> Option<FilterReason> {
    let crosstalk = options.crosstalk;
    let mask = neighbours[c.lane.index()];
    if !crosstalk.enabled || mask == 0 {
        return None;
    }
    // The loud hit must lie in [t - after, t + before].
    let from = c.time.saturating_sub(crosstalk.after);
    let to = c.time.saturating_add(crosstalk.before);
    let mut loudest: Option<(Lane, Member)> = None;
    for lane in Lane::ALL {
        if mask & bit(lane) == 0 {
            continue;
        }
        if let Some(m) = port.windows[lane.index()].loudest(from, to) {
            if loudest.is_none_or(|(_, l)| m.velocity > l.velocity) {
                loudest = Some((lane, m));
            }
        }
    }
    let (lane, loud) = loudest?;
    let quiet_enough =
        u32::from(c.velocity) * 100 <= u32::from(loud.velocity) * u32::from(crosstalk.max_percent);
    quiet_enough.then(|| FilterReason::Crosstalk {
        from: options.lanes.apply(lane),
        gap_ns: (loud.time - c.time).0,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn ms(t: i64) -> Nanos {
        Nanos::from_millis(t)
    }
    fn on(t_ms: i64, note: u8, velocity: u8) -> RawEvent {
        RawEvent::new(ms(t_ms), 0, &[0x99, note, velocity])
    }
    fn td() -> KitMap {
        KitMap::builtin("roland-td").expect("built in")
    }
    fn filter() -> KitFilter {
        let kit = td();
        KitFilter::new(&kit, &kit.options)
    }

    /// Pushes `ev`, returning what came out.
    fn push(f: &mut KitFilter, ev: RawEvent) -> Vec<KitEvent> {
        let mut out = Vec::new();
        f.push(&ev, |e| out.push(e));
        out
    }

    #[test]
    fn a_note_on_is_decided_once_a_later_event_passes_its_horizon() {
        let mut f = filter();
        assert_eq!(
            f.horizon(),
            ms(5),
            "crosstalk and stomp both look 5 ms ahead"
        );
        assert!(push(&mut f, on(100, 38, 90)).is_empty());
        assert!(
            push(&mut f, on(105, 36, 90)).is_empty(),
            "105 is still inside"
        );
        let out = push(&mut f, on(106, 36, 90));
        assert!(
            matches!(out[..], [KitEvent::Hit(Hit { time, lane: Lane::Snare, .. })] if time == ms(100)),
            "{out:?}"
        );
        let mut out = Vec::new();
        f.advance(ms(110), |e| out.push(e));
        assert_eq!(out.len(), 1, "the kick at 105 is decided at 110");
        f.finish(|e| out.push(e));
        assert_eq!(out.len(), 2, "finish decides the rest");
    }

    #[test]
    fn what_needs_no_waiting_comes_out_at_once() {
        let mut f = filter();
        let out = push(&mut f, on(0, 60, 100));
        assert!(matches!(
            out[..],
            [KitEvent::Filtered(Filtered {
                reason: FilterReason::UnmappedNote,
                ..
            })]
        ));
        let out = push(&mut f, RawEvent::new(ms(1), 0, &[0xB9, 4, 127]));
        assert!(matches!(
            out[..],
            [KitEvent::Pedal(PedalSample { value: 127, .. })]
        ));
        push(&mut f, on(2, 49, 100));
        let out = push(&mut f, RawEvent::new(ms(3), 0, &[0xA9, 49, 127]));
        assert!(matches!(out[..], [KitEvent::Choke(_)]), "{out:?}");
    }

    #[test]
    fn crosstalk_stamped_before_its_loud_hit_waits_for_it() {
        let mut f = filter();
        assert!(push(&mut f, on(997, 45, 30)).is_empty());
        assert!(push(&mut f, on(1000, 48, 120)).is_empty());
        let mut out = Vec::new();
        f.advance(ms(1010), |e| out.push(e));
        assert!(
            matches!(
                out[..],
                [
                    KitEvent::Filtered(Filtered {
                        reason: FilterReason::Crosstalk {
                            from: Lane::Tom1,
                            gap_ns: 3_000_000
                        },
                        ..
                    }),
                    KitEvent::Hit(Hit {
                        lane: Lane::Tom1,
                        ..
                    })
                ]
            ),
            "{out:?}"
        );
    }

    #[test]
    fn counts_as_hit_applies_the_first_rules() {
        let f = filter();
        assert!(f.counts_as_hit(&on(0, 38, 3)));
        assert!(!f.counts_as_hit(&on(0, 38, 2)), "below the floor");
        assert!(!f.counts_as_hit(&on(0, 38, 0)), "velocity 0 is a Note Off");
        assert!(!f.counts_as_hit(&on(0, 60, 100)), "unmapped");
        assert!(
            !f.counts_as_hit(&RawEvent::new(ms(0), 0, &[0x90, 38, 100])),
            "channel 1"
        );
        assert!(
            !f.counts_as_hit(&RawEvent::new(ms(0), 0, &[0x99, 38])),
            "cut short"
        );
    }

    /// Random playing on the TD kit: dense enough for both filters to fire, in time order.
    pub(crate) fn random_events(rng: &mut fastrand::Rng, n: usize) -> Vec<RawEvent> {
        let kit = crate::kit::map::KitMap::builtin("roland-td").unwrap();
        let notes: Vec<u8> = kit.notes.keys().copied().collect();
        let mut t = 0;
        (0..n)
            .map(|_| {
                t += rng.i64(0..4_000);
                let bytes = match rng.u8(0..10) {
                    0 => [0xB9, 4, rng.u8(0..128)],
                    1 => [0xA9, notes[rng.usize(..notes.len())], rng.u8(0..2) * 127],
                    _ => [0x99, notes[rng.usize(..notes.len())], rng.u8(1..128)],
                };
                RawEvent::new(Nanos::from_micros(t), rng.u16(0..2), &bytes)
            })
            .collect()
    }

    #[test]
    fn steady_playing_stops_growing_the_buffers() {
        fn capacity(f: &KitFilter) -> usize {
            f.pending.capacity()
                + f.ports.capacity()
                + f.ports
                    .iter()
                    .map(|p| {
                        p.closes.capacity()
                            + p.windows
                                .iter()
                                .map(|w| w.ahead.capacity() + w.window.capacity())
                                .sum::<usize>()
                    })
                    .sum::<usize>()
        }
        let mut f = filter();
        let mut rng = fastrand::Rng::with_seed(5);
        // The same stretch of playing again and again: once it has been through, nothing grows.
        let pattern = random_events(&mut rng, 5_000);
        let lap = pattern.last().map_or(Nanos::ZERO, |e| e.time) + ms(100);
        let play = |f: &mut KitFilter, n: i64| {
            for ev in &pattern {
                let mut ev = *ev;
                ev.time += Nanos(lap.0 * n);
                f.push(&ev, |_| {});
            }
        };
        play(&mut f, 0);
        play(&mut f, 1);
        let grown = capacity(&f);
        for n in 2..6 {
            play(&mut f, n);
        }
        assert_eq!(
            capacity(&f),
            grown,
            "memory is bounded by the densest stretch"
        );
    }
}
