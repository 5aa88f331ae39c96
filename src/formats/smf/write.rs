//! Writing charts and takes as type 1 SMF files that read back to the same notes.

use crate::chart::Chart;
use crate::kit::{gm_note, velocity_for};
use crate::lane::{Articulation, Lane};
use crate::take::Take;
use crate::tempo::{Tempo, TempoMap, TimeSignature};
use crate::time::Nanos;
use midly::num::{u15, u24, u28, u4, u7};
use midly::{MetaMessage, MidiMessage, TrackEvent, TrackEventKind};

/// Events of one track being written, at absolute ticks.
struct TrackOut<'a> {
    /// (tick, order rank at the same tick, sequence, event)
    events: Vec<(i64, u8, usize, TrackEventKind<'a>)>,
}

impl<'a> TrackOut<'a> {
    fn new() -> Self {
        TrackOut { events: Vec::new() }
    }

    fn push(&mut self, tick: i64, rank: u8, kind: TrackEventKind<'a>) {
        let seq = self.events.len();
        self.events.push((tick.max(0), rank, seq, kind));
    }

    /// Sorted events with delta times; deltas too long for SMF (2^28 - 1 ticks) are bridged
    /// with empty text events.
    fn finish(mut self) -> Vec<TrackEvent<'a>> {
        self.events.sort_by_key(|e| (e.0, e.1, e.2));
        let mut out = Vec::with_capacity(self.events.len() + 1);
        let mut last = 0i64;
        let max = u32::from(u28::max_value()) as i64;
        for (tick, _, _, kind) in self.events {
            let mut delta = tick - last;
            while delta > max {
                out.push(TrackEvent {
                    delta: u28::max_value(),
                    kind: TrackEventKind::Meta(MetaMessage::Text(b"")),
                });
                delta -= max;
            }
            out.push(TrackEvent {
                delta: u28::new(delta as u32),
                kind,
            });
            last = tick;
        }
        out.push(TrackEvent {
            delta: u28::new(0),
            kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
        });
        out
    }
}

fn midi(channel_1: u8, message: MidiMessage) -> TrackEventKind<'static> {
    TrackEventKind::Midi {
        channel: u4::new(channel_1.saturating_sub(1)),
        message,
    }
}

/// The tempo track: name, time signatures (scaled to `scale`), tempos, and extra events.
fn tempo_track<'a>(map: &TempoMap, name: &'a [u8], scale: &impl Fn(i64) -> i64) -> TrackOut<'a> {
    let mut t = TrackOut::new();
    if !name.is_empty() {
        t.push(0, 0, TrackEventKind::Meta(MetaMessage::TrackName(name)));
    }
    let ppq = map.ppq() as i64;
    for (i, s) in map.signatures().enumerate() {
        let sig = s.signature;
        if i == 0 && map.pickup().0 > 0 {
            // MIDI has no pickup bar: write it as a short bar of its own.
            if let Some(short) = pickup_signature(map.pickup().0, ppq, sig) {
                t.push(0, 1, ts_event(short));
                t.push(scale(map.pickup().0), 1, ts_event(sig));
                continue;
            }
        }
        t.push(scale(s.tick.0), 1, ts_event(sig));
    }
    for c in map.tempos() {
        let us = c
            .tempo
            .micros_per_quarter()
            .clamp(1, u32::from(u24::max_value()));
        t.push(
            scale(c.tick.0),
            2,
            TrackEventKind::Meta(MetaMessage::Tempo(u24::new(us))),
        );
    }
    t
}

/// A signature whose bar is exactly `pickup` ticks long, if one exists.
fn pickup_signature(pickup: i64, ppq: i64, sig: TimeSignature) -> Option<TimeSignature> {
    [sig.denominator, 4, 8, 16, 32, 64].iter().find_map(|&d| {
        let whole = 4 * ppq;
        let n = pickup * d as i64;
        (d > 0 && n % whole == 0 && (1..=255).contains(&(n / whole))).then(|| TimeSignature {
            numerator: (n / whole) as u8,
            denominator: d,
        })
    })
}

fn ts_event(sig: TimeSignature) -> TrackEventKind<'static> {
    let pow = sig.denominator.max(1).trailing_zeros() as u8;
    let clocks = (96 / sig.denominator.max(1) as u32).max(1) as u8;
    TrackEventKind::Meta(MetaMessage::TimeSignature(sig.numerator, pow, clocks, 8))
}

fn write_smf(ppq: u16, tracks: Vec<Vec<TrackEvent<'_>>>) -> Vec<u8> {
    let header = midly::Header::new(
        midly::Format::Parallel,
        midly::Timing::Metrical(u15::new(ppq.clamp(1, 32767))),
    );
    let mut out = Vec::new();
    // Writing to memory only fails past SMF size limits (events of 256 MB), which the callers
    // cannot reach; such a file is left empty.
    if midly::write_std(&header, tracks.iter(), &mut out).is_err() {
        out.clear();
    }
    out
}

/// Writes a chart as a type 1 SMF at `ppq` ticks per quarter (default: the chart's own).
///
/// Track 0 holds the title as track name, the time signatures, the tempos (as microseconds per
/// quarter, rounded for BPM tempos) and one marker per section. Track 1 (`drums`) holds the notes
/// on channel 10, General MIDI notes by [`gm_note`], velocity by [`velocity_for`], each a 32nd
/// note long (shorter if the same note comes again sooner). A pickup bar is written as a short
/// bar of its own. Ticks are rescaled to `ppq`, exactly when it is a multiple of the chart's.
pub fn write_chart(chart: &Chart, ppq: Option<u16>) -> Vec<u8> {
    let map = &chart.tempo_map;
    let src = map.ppq().max(1) as i128;
    let dst = ppq.unwrap_or(map.ppq() as u16).clamp(1, 32767);
    let scale = |t: i64| -> i64 {
        let a = t as i128 * dst as i128;
        (2 * a + src).div_euclid(2 * src) as i64
    };
    let title = chart.info.title.as_bytes();
    let title = &title[..title.len().min(1024)];
    let mut tempo = tempo_track(map, title, &scale);
    for s in &chart.sections {
        let name = s.name.as_bytes();
        tempo.push(
            scale(s.tick.0),
            3,
            TrackEventKind::Meta(MetaMessage::Marker(&name[..name.len().min(1024)])),
        );
    }

    let mut drums = TrackOut::new();
    drums.push(0, 0, TrackEventKind::Meta(MetaMessage::TrackName(b"drums")));
    let mut note_of: std::collections::HashMap<(Lane, Option<Articulation>), u8> =
        Default::default();
    let notes: Vec<(i64, u8, u8)> = chart
        .notes
        .iter()
        .map(|n| {
            let key = *note_of
                .entry((n.lane, n.articulation))
                .or_insert_with(|| gm_note(n.lane, n.articulation));
            (scale(n.tick.0), key, velocity_for(n.dynamic))
        })
        .collect();
    let length = (dst as i64 / 8).max(1);
    let mut last_on: std::collections::HashMap<u8, i64> = Default::default();
    for (i, &(tick, key, vel)) in notes.iter().enumerate() {
        if last_on.get(&key) == Some(&tick) {
            continue; // two lanes written as one note at the same tick
        }
        last_on.insert(key, tick);
        let next = notes[i + 1..]
            .iter()
            .find(|(t, k, _)| *k == key && *t > tick)
            .map(|(t, _, _)| *t - tick)
            .unwrap_or(length);
        let off = tick + length.min(next).max(1);
        drums.push(
            tick,
            2,
            midi(
                10,
                MidiMessage::NoteOn {
                    key: u7::new(key),
                    vel: u7::new(vel),
                },
            ),
        );
        drums.push(
            off,
            1,
            midi(
                10,
                MidiMessage::NoteOff {
                    key: u7::new(key),
                    vel: u7::new(64),
                },
            ),
        );
    }
    write_smf(dst, vec![tempo.finish(), drums.finish()])
}

/// Resolution of [`write_take`] files without a grid: 30000 PPQ at 1000 BPM, 2 µs per tick.
const TAKE_PPQ: u32 = 30_000;
const TAKE_TEMPO_US: u32 = 60_000;

/// Writes a take as a type 1 SMF: track 0 holds the tempo map and the take's source as track
/// name; track 1 holds a Note On per hit (its source note and channel, original velocity) with a
/// Note Off 10 ms later (sooner if the same note comes again), the hi-hat pedal as CC4 on the
/// channel of the first hit, and chokes as polyphonic aftertouch 127.
///
/// `grid` places ticks on a chart's tempo map (times rounded to the nearest tick); without it the
/// file uses 30000 PPQ at 1000 BPM, so every time is kept to 2 µs. Events before time zero are
/// written at tick 0.
pub fn write_take(take: &Take, grid: Option<&TempoMap>) -> Vec<u8> {
    write_take_noting_zero(take, grid, None)
}

/// [`write_take`], and a text event at the start of the take's track, `time zero: ZERO`, that
/// says what the file's time zero is (a take written without a chart has no chart to say it).
pub fn write_take_noting_zero(take: &Take, grid: Option<&TempoMap>, zero: Option<&str>) -> Vec<u8> {
    let own;
    let map = match grid {
        Some(m) => m,
        None => match TempoMap::constant(
            TAKE_PPQ,
            Tempo::MicrosPerQuarter(TAKE_TEMPO_US),
            TimeSignature::COMMON,
        ) {
            Ok(m) => {
                own = m;
                &own
            }
            Err(_) => return Vec::new(),
        },
    };
    let tick = |t: Nanos| map.tick(t).0.max(0);
    let name = take.source.as_bytes();
    let tempo = tempo_track(map, &name[..name.len().min(1024)], &|t| t);

    let zero_text = zero.map(|z| format!("time zero: {z}"));
    let mut track = TrackOut::new();
    track.push(0, 0, TrackEventKind::Meta(MetaMessage::TrackName(b"take")));
    if let Some(text) = &zero_text {
        track.push(
            0,
            0,
            TrackEventKind::Meta(MetaMessage::Text(text.as_bytes())),
        );
    }
    let off_after = Nanos::from_millis(10);
    for (i, h) in take.hits.iter().enumerate() {
        let ch = h.source.channel.clamp(1, 16);
        let key = u7::new(h.source.note);
        let on = tick(h.time);
        let next = take.hits[i + 1..]
            .iter()
            .find(|n| {
                n.source.note == h.source.note
                    && n.source.channel == h.source.channel
                    && n.time > h.time
            })
            .map(|n| tick(n.time));
        let mut off = tick(h.time.saturating_add(off_after));
        if let Some(n) = next {
            off = off.min(n);
        }
        track.push(
            on,
            3,
            midi(
                ch,
                MidiMessage::NoteOn {
                    key,
                    vel: u7::new(h.velocity.max(1)),
                },
            ),
        );
        track.push(
            off.max(on + 1),
            1,
            midi(
                ch,
                MidiMessage::NoteOff {
                    key,
                    vel: u7::new(64),
                },
            ),
        );
    }
    let pedal_channel = take
        .hits
        .first()
        .map(|h| h.source.channel.clamp(1, 16))
        .unwrap_or(10);
    for p in &take.pedal {
        track.push(
            tick(p.time),
            2,
            midi(
                pedal_channel,
                MidiMessage::Controller {
                    controller: u7::new(4),
                    value: u7::new(p.value),
                },
            ),
        );
    }
    for c in &take.chokes {
        track.push(
            tick(c.time),
            4,
            midi(
                c.source.channel.clamp(1, 16),
                MidiMessage::Aftertouch {
                    key: u7::new(c.source.note),
                    vel: u7::new(127),
                },
            ),
        );
    }
    write_smf(map.ppq() as u16, vec![tempo.finish(), track.finish()])
}
