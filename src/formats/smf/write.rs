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

    let mut track = TrackOut::new();
    track.push(0, 0, TrackEventKind::Meta(MetaMessage::TrackName(b"take")));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{Chart, ChartInfo, Note, Section};
    use crate::formats::smf::*;

    use std::path::Path;

    use crate::formats::smf::test_files::*;
    use crate::lane::{Articulation, Dynamic, Lane};
    use crate::take::Take;
    use crate::take::{Hit, PedalSample, Source};
    use crate::tempo::{Tempo, TempoMap, TimeSignature};
    use crate::time::{Nanos, Ticks};

    fn sample_chart() -> Chart {
        let mut map = TempoMap::new(
            480,
            &[
                (Ticks(0), Tempo::MicrosPerQuarter(500_000)),
                (Ticks(1920), Tempo::MicrosPerQuarter(400_000)),
            ],
            TimeSignature::COMMON,
            Ticks(0),
        )
        .unwrap();
        map.add_signature_at_tick(
            Ticks(3840),
            TimeSignature {
                numerator: 7,
                denominator: 8,
            },
        )
        .unwrap();
        let spec: &[(i64, Lane, Option<Articulation>, Dynamic)] = &[
            (0, Lane::Kick, None, Dynamic::Normal),
            (0, Lane::Crash, None, Dynamic::Accent),
            (240, Lane::Hihat, Some(Articulation::Closed), Dynamic::Ghost),
            (480, Lane::Snare, Some(Articulation::Head), Dynamic::Normal),
            (480, Lane::Hihat, Some(Articulation::Open), Dynamic::Normal),
            (
                720,
                Lane::Snare,
                Some(Articulation::CrossStick),
                Dynamic::Ghost,
            ),
            (1920, Lane::Ride, Some(Articulation::Bell), Dynamic::Normal),
            (1921, Lane::Tom1, None, Dynamic::Normal),
            (2000, Lane::Tom2, None, Dynamic::Normal),
            (2100, Lane::Tom3, None, Dynamic::Normal),
            (3840, Lane::HihatPedal, None, Dynamic::Normal),
            (3840, Lane::Snare, Some(Articulation::Rim), Dynamic::Accent),
            (4080, Lane::China, None, Dynamic::Normal),
            (4080, Lane::Splash, None, Dynamic::Normal),
        ];
        let notes = spec
            .iter()
            .map(|&(t, lane, articulation, dynamic)| Note {
                time: map.time(Ticks(t)),
                tick: Ticks(t),
                lane,
                articulation,
                dynamic,
            })
            .collect();
        let sections = vec![
            Section {
                name: "intro".into(),
                tick: Ticks(0),
                time: Nanos(0),
            },
            Section {
                name: "odd bar".into(),
                tick: Ticks(3840),
                time: map.time(Ticks(3840)),
            },
        ];
        let info = ChartInfo {
            title: "Round Trip".into(),
            ..ChartInfo::default()
        };
        Chart::new(info, map, sections, notes).unwrap()
    }

    #[test]
    fn written_chart_reads_back_the_same() {
        let chart = sample_chart();
        let bytes = write_chart(&chart, None);
        let path = fixture("fixtures/smf/written-chart-type1-ppq480-7-8.mid", &bytes);
        let back = read_chart(&path, &chart_opts()).unwrap();
        assert_eq!(back.notes, chart.notes);
        assert_eq!(back.sections, chart.sections);
        assert_eq!(back.info.title, "Round Trip");
        assert_eq!(back.tempo_map, chart.tempo_map);

        // At twice the resolution, ticks double and times stay exact.
        let back = read_chart_bytes(
            Path::new("x.mid"),
            &write_chart(&chart, Some(960)),
            &chart_opts(),
        )
        .unwrap();
        let times = |c: &Chart| c.notes.iter().map(|n| (n.time, n.lane)).collect::<Vec<_>>();
        assert_eq!(times(&back), times(&chart));
        assert_eq!(back.notes[2].tick, Ticks(480));
        assert_eq!(
            back.tempo_map
                .position(back.notes.last().unwrap().tick)
                .to_string(),
            chart
                .tempo_map
                .position(chart.notes.last().unwrap().tick)
                .to_string()
        );
    }

    #[test]
    fn written_chart_keeps_a_pickup_as_a_short_bar() {
        let map = TempoMap::new(
            480,
            &[(Ticks(0), Tempo::from_bpm(90.0))],
            TimeSignature::COMMON,
            Ticks(480),
        )
        .unwrap();
        let note = |t: i64| Note {
            time: map.time(Ticks(t)),
            tick: Ticks(t),
            lane: Lane::Kick,
            articulation: None,
            dynamic: Dynamic::Normal,
        };
        let chart = Chart::new(
            ChartInfo::default(),
            map.clone(),
            vec![],
            vec![note(0), note(480)],
        )
        .unwrap();
        let back = read_chart_bytes(
            Path::new("p.mid"),
            &write_chart(&chart, None),
            &chart_opts(),
        )
        .unwrap();
        // 90 BPM is 666_666.67 µs per quarter, written as 666_667: times within 1 µs.
        for (a, b) in back.notes.iter().zip(&chart.notes) {
            assert!((a.time - b.time).abs() <= Nanos(1_000), "{a:?} vs {b:?}");
        }
        let sigs: Vec<String> = back
            .tempo_map
            .signatures()
            .map(|s| s.signature.to_string())
            .collect();
        assert_eq!(sigs, vec!["1/4", "4/4"]);
    }

    #[test]
    fn written_take_reads_back_the_same() {
        let hit = |us: i64, note: u8, channel: u8, velocity: u8| Hit {
            time: Nanos::from_micros(us),
            lane: Lane::Snare,
            articulation: None,
            velocity,
            source: Source {
                note,
                channel,
                port: 0,
            },
        };
        let take = Take {
            source: "live".into(),
            ports: vec!["file".into()],
            hits: vec![
                hit(0, 36, 10, 100),
                hit(2, 38, 10, 1),
                hit(1_000_002, 38, 10, 127),
                hit(1_004_000, 38, 10, 64), // sooner than the 10 ms note length
                hit(61_234_568, 22, 10, 77),
            ],
            pedal: vec![PedalSample {
                time: Nanos::from_micros(500_000),
                value: 90,
            }],
            ..Take::default()
        };
        let bytes = write_take(&take, None);
        let path = fixture("fixtures/smf/written-take-2us-grid.mid", &bytes);
        let ev = read_events(&path, &take_opts("")).unwrap();
        let want: Vec<_> = take
            .hits
            .iter()
            .map(|h| (h.time, h.source.channel, h.source.note, h.velocity))
            .collect();
        assert_eq!(note_ons(&ev), want);
        assert!(ev
            .events
            .iter()
            .any(|e| e.time == ms(500) && e.message() == [0xB9, 4, 90]));

        // On a chart's grid times are rounded to the nearest tick.
        let grid = TempoMap::constant(480, Tempo::MicrosPerQuarter(500_000), TimeSignature::COMMON)
            .unwrap();
        let ev = read_events_bytes(
            Path::new("g.mid"),
            &write_take(&take, Some(&grid)),
            &take_opts(""),
        )
        .unwrap();
        let times: Vec<Nanos> = note_ons(&ev).iter().map(|n| n.0).collect();
        assert_eq!(
            times[2],
            grid.time(grid.tick(Nanos::from_micros(1_000_002)))
        );
    }
}
