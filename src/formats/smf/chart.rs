//! An SMF read as a drum chart: General MIDI drum channel, kit map, dynamics from velocity,
//! sections from markers. SMPTE time division is refused: a chart needs a beat grid.

use super::container::{
    chart_ppq, check_tempo, check_time, describe_channels, layout, tempo_map, walk, At,
};
use crate::chart::{Chart, ChartInfo, Note, Section};
use crate::error::{InputError, InputErrorKind, Place};
use crate::kit::KitMap;
use crate::lane::Dynamic;
use crate::tempo::{Tempo, TempoMapError, TimeSignature};
use crate::time::Ticks;
use midly::{MetaMessage, MidiMessage, TrackEventKind};
use std::fmt;
use std::path::Path;

/// Which MIDI channels a chart's drum notes are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelFilter {
    /// One channel, 1..=16 as musicians count them (General MIDI drums: 10).
    Only(u8),
    /// Every channel.
    All,
}

impl ChannelFilter {
    fn accepts(self, channel_1: u8) -> bool {
        match self {
            ChannelFilter::Only(c) => c == channel_1,
            ChannelFilter::All => true,
        }
    }
}

impl fmt::Display for ChannelFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelFilter::Only(c) => write!(f, "channel {c}"),
            ChannelFilter::All => f.write_str("any channel"),
        }
    }
}

/// How a Standard MIDI File is read as a chart.
#[derive(Debug, Clone)]
pub struct SmfChartOptions {
    /// Channels holding the drum notes (default: channel 10, the General MIDI drum channel).
    pub channels: ChannelFilter,
    /// Note map (default, `None`: the built-in `gm` map).
    pub kit: Option<KitMap>,
    /// Velocities up to this are ghost notes (default 40).
    pub ghost_max_velocity: u8,
    /// Velocities from this up are accents (default 110).
    pub accent_min_velocity: u8,
}

impl Default for SmfChartOptions {
    fn default() -> Self {
        SmfChartOptions {
            channels: ChannelFilter::Only(10),
            kit: None,
            ghost_max_velocity: 40,
            accent_min_velocity: 110,
        }
    }
}

impl SmfChartOptions {
    /// The dynamic of a note from its Note On velocity (1..=127): `<= ghost_max_velocity` is a
    /// ghost note, `>= accent_min_velocity` an accent, anything between normal.
    pub fn dynamic(&self, velocity: u8) -> Dynamic {
        if velocity <= self.ghost_max_velocity {
            Dynamic::Ghost
        } else if velocity >= self.accent_min_velocity {
            Dynamic::Accent
        } else {
            Dynamic::Normal
        }
    }
}

/// Reads SMF bytes as a chart; `path` is used in errors and as the chart's source.
pub fn read_chart_bytes(
    path: &Path,
    bytes: &[u8],
    opts: &SmfChartOptions,
) -> Result<Chart, InputError> {
    let layout = layout(path, bytes)?;
    let ppq = chart_ppq(path, &layout)?;
    let gm;
    let kit = match &opts.kit {
        Some(k) => k,
        None => {
            gm = KitMap::builtin("gm").ok_or_else(|| {
                InputError::new(
                    path,
                    Place::File,
                    InputErrorKind::Empty("no built-in gm kit map; give a kit map".into()),
                )
            })?;
            &gm
        }
    };

    let mut tempos: Vec<(Ticks, Tempo)> = Vec::new();
    let mut signatures: Vec<(At, TimeSignature)> = Vec::new();
    let mut title: Option<String> = None;
    let mut sections: Vec<(At, String)> = Vec::new();
    // (place, note, velocity) of Note Ons on the drum channels.
    let mut hits: Vec<(At, u8, u8)> = Vec::new();
    let mut per_channel = [0usize; 16];
    walk(path, &layout, |at, kind| {
        match kind {
            TrackEventKind::Midi {
                channel,
                message: MidiMessage::NoteOn { key, vel },
            } if u8::from(vel) > 0 => {
                let ch = u8::from(channel);
                per_channel[ch as usize] += 1;
                if opts.channels.accepts(ch + 1) {
                    hits.push((at, key.into(), vel.into()));
                }
            }
            TrackEventKind::Meta(MetaMessage::Tempo(us)) => {
                tempos.push((Ticks(at.tick), check_tempo(path, at, us.into())?));
            }
            TrackEventKind::Meta(MetaMessage::TimeSignature(n, pow, _, _)) => {
                let denominator = if pow <= 6 { 1u8 << pow } else { 0 };
                let sig = TimeSignature {
                    numerator: n,
                    denominator,
                };
                if n == 0 || denominator == 0 {
                    let shown = if pow <= 6 {
                        format!("{n}/{denominator}")
                    } else {
                        format!("{n}/2^{pow}")
                    };
                    return Err(InputError::new(
                        path,
                        at.place(),
                        InputErrorKind::Tempo(TempoMapError::BadSignature(shown)),
                    ));
                }
                signatures.push((at, sig));
            }
            TrackEventKind::Meta(MetaMessage::TrackName(name))
                if at.track == 0 && title.is_none() =>
            {
                title = Some(String::from_utf8_lossy(name).trim().to_string());
            }
            TrackEventKind::Meta(MetaMessage::Marker(text)) => {
                let name = String::from_utf8_lossy(text).trim().to_string();
                if !name.is_empty() {
                    sections.push((at, name));
                }
            }
            TrackEventKind::Meta(MetaMessage::Text(text)) => {
                if let Some(name) = section_name(&String::from_utf8_lossy(text)) {
                    sections.push((at, name));
                }
            }
            _ => {}
        }
        Ok(())
    })?;

    signatures.sort_by_key(|(at, _)| at.tick);
    let first_signature = signatures
        .iter()
        .take_while(|(at, _)| at.tick == 0)
        .last()
        .map(|(_, s)| *s)
        .unwrap_or(TimeSignature::COMMON);
    let mut map = tempo_map(path, ppq, &mut tempos, first_signature).map_err(|mut e| {
        // A signature that does not fit the resolution: name the event.
        if let (InputErrorKind::Tempo(TempoMapError::FractionalBar { .. }), Some((at, _))) =
            (&e.kind, signatures.first())
        {
            e.place = at.place();
        }
        e
    })?;
    for (at, sig) in signatures.iter().filter(|(at, _)| at.tick > 0) {
        map.add_signature_at_tick(Ticks(at.tick), *sig)
            .map_err(|e| InputError::new(path, at.place(), InputErrorKind::Tempo(e)))?;
    }

    let mut notes: Vec<Note> = Vec::with_capacity(hits.len());
    let mut unmapped: Vec<u8> = Vec::new();
    for (at, key, vel) in &hits {
        let Some((lane, articulation)) = kit.lookup(*key) else {
            if !unmapped.contains(key) {
                unmapped.push(*key);
            }
            continue;
        };
        let time = check_time(path, *at, map.time(Ticks(at.tick)))?;
        notes.push(Note {
            time,
            tick: Ticks(at.tick),
            lane,
            articulation,
            dynamic: opts.dynamic(*vel),
        });
    }
    if notes.is_empty() {
        let why = if hits.is_empty() {
            format!(
                "no drum notes on {}: {}; choose the drum channel (or all channels)",
                opts.channels,
                describe_channels(&per_channel)
            )
        } else {
            unmapped.sort_unstable();
            format!(
                "{} notes on {} but none is in the {} drum map (notes used: {:?}); choose a kit map that covers them",
                hits.len(),
                opts.channels,
                kit.name,
                unmapped
            )
        };
        return Err(InputError::new(
            path,
            Place::File,
            InputErrorKind::Empty(why),
        ));
    }
    // Sort by tick then lane (stable: file order breaks ties), keep one note per lane and tick.
    notes.sort_by_key(|n| (n.tick, n.lane));
    notes.dedup_by_key(|n| (n.tick, n.lane));

    sections.sort_by_key(|(at, _)| at.tick);
    sections.dedup_by(|a, b| a.0.tick == b.0.tick && a.1 == b.1);
    let sections = sections
        .into_iter()
        .map(|(at, name)| {
            Ok(Section {
                name,
                tick: Ticks(at.tick),
                time: check_time(path, at, map.time(Ticks(at.tick)))?,
            })
        })
        .collect::<Result<Vec<_>, InputError>>()?;

    let info = ChartInfo {
        title: title.unwrap_or_default(),
        source: path.display().to_string(),
        ..ChartInfo::default()
    };
    Chart::new(info, map, sections, notes)
        .map_err(|e| InputError::new(path, Place::File, InputErrorKind::Chart(e)))
}

/// A section name from a text event written `[section NAME]` or `[prc_NAME]` (the Rock Band
/// convention); other text events are not sections.
pub(crate) fn section_name(text: &str) -> Option<String> {
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?;
    let name = inner
        .strip_prefix("section ")
        .or_else(|| inner.strip_prefix("section_"))
        .or_else(|| inner.strip_prefix("prc_"))?
        .trim();
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::smf::*;

    use std::path::Path;

    use crate::lane::{Articulation, Dynamic, Lane};

    use crate::formats::smf::test_files::*;
    use crate::time::Nanos;

    #[test]
    fn type0_with_running_status_and_velocity_zero_note_offs() {
        let path = fixture(
            "fixtures/smf/type0-ppq480-running-status-vel0-noteoff.mid",
            &type0_running_status(),
        );
        let chart = read_chart(&path, &chart_opts()).unwrap();
        assert_eq!(
            lanes(&chart),
            vec![
                (ms(0), Lane::Kick),
                (ms(0), Lane::Hihat),
                (ms(500), Lane::Snare),
                (ms(1000), Lane::Hihat)
            ],
            "velocity-0 Note Ons must not become notes"
        );
        let ev = read_events(&path, &take_opts("")).unwrap();
        assert_eq!(ev.events.len(), 8, "every channel message is returned");
        assert_eq!(note_ons(&ev).len(), 4);
        // Running status resolved; velocity 0 kept as stored, decoded by wmidi as Note Off.
        let e = ev.events[2];
        assert_eq!(e.message(), &[0x99, 36, 0]);
        assert!(matches!(e.decode(), Some(wmidi::MidiMessage::NoteOff(..))));
        assert_eq!(ev.events[5].message(), &[0x89, 38, 64]);
        assert_eq!(ev.division, Division::Ppq(480));
    }

    #[test]
    fn any_resolution_gives_the_same_times() {
        for ppq in [96u16, 192, 480, 960] {
            let q = ppq as u32;
            let t = Trk::default()
                .tempo(0, 600_000) // 100 BPM
                .hit(0, 10, 36, 100)
                .hit(q - 1, 10, 38, 100) // beat 2
                .hit(q / 2 - 1, 10, 42, 100) // beat 2 and a half
                .hit(q * 2 + q / 2 - 1, 10, 49, 100) // bar 2
                .end();
            let chart =
                read_chart_bytes(Path::new("ppq.mid"), &smf(0, ppq, &[t]), &chart_opts()).unwrap();
            assert_eq!(
                lanes(&chart),
                vec![
                    (ms(0), Lane::Kick),
                    (ms(600), Lane::Snare),
                    (ms(900), Lane::Hihat),
                    (ms(2400), Lane::Crash)
                ],
                "at {ppq} PPQ"
            );
            assert_eq!(chart.tempo_map.ppq(), ppq as u32);
            let pos = chart.tempo_map.position(chart.notes[3].tick);
            assert_eq!((pos.bar, pos.beat, pos.tick), (2, 1, 0), "at {ppq} PPQ");
        }
    }

    #[test]
    fn tempo_and_signature_changes_give_exact_times_and_positions() {
        let path = fixture(
            "fixtures/smf/type1-ppq96-tempo-change-3-4.mid",
            &type1_tempo_change(),
        );
        let chart = read_chart(&path, &chart_opts()).unwrap();
        let got: Vec<(i64, String)> = chart
            .notes
            .iter()
            .map(|n| {
                let p = chart.tempo_map.position(n.tick);
                (n.time.0, format!("{}:{}", p.bar, p.beat))
            })
            .collect();
        let want: Vec<(i64, String)> = [
            (0, "1:1"),
            (2_000_000_000, "2:1"),
            (3_000_000_000, "2:2"),
            (6_000_000_000, "3:1"),
            (7_000_000_000, "3:2"),
            (9_000_000_000, "4:1"),
        ]
        .iter()
        .map(|(t, p)| (*t, p.to_string()))
        .collect();
        assert_eq!(got, want);
        assert_eq!(chart.info.title, "Tempo Test");
        let sections: Vec<(&str, Nanos)> = chart
            .sections
            .iter()
            .map(|s| (s.name.as_str(), s.time))
            .collect();
        assert_eq!(sections, vec![("Verse", ms(2000)), ("chorus", ms(6000))]);
    }

    #[test]
    fn dynamics_follow_velocity() {
        let t = Trk::default()
            .hit(0, 10, 38, 40)
            .hit(99, 10, 38, 41)
            .hit(99, 10, 38, 109)
            .hit(99, 10, 38, 110)
            .end();
        let chart =
            read_chart_bytes(Path::new("d.mid"), &smf(0, 100, &[t]), &chart_opts()).unwrap();
        let dyns: Vec<Dynamic> = chart.notes.iter().map(|n| n.dynamic).collect();
        use Dynamic::*;
        assert_eq!(dyns, vec![Ghost, Normal, Normal, Accent]);
    }

    #[test]
    fn duplicate_notes_on_a_lane_and_tick_are_kept_once() {
        let t = Trk::default()
            .ev(0, &[0x99, 38, 100])
            .ev(0, &[0x99, 38, 80])
            .ev(0, &[0x99, 40, 80]) // snare rim: same lane, same tick
            .ev(0, &[0x99, 36, 80])
            .end();
        let chart =
            read_chart_bytes(Path::new("dup.mid"), &smf(0, 480, &[t]), &chart_opts()).unwrap();
        assert_eq!(
            lanes(&chart),
            vec![(ms(0), Lane::Kick), (ms(0), Lane::Snare)]
        );
        assert_eq!(
            chart.notes[1].articulation,
            Some(Articulation::Head),
            "the first in file order is kept"
        );
    }

    #[test]
    fn drum_channel_is_selectable() {
        let t = Trk::default()
            .hit(0, 10, 36, 100)
            .hit(99, 1, 38, 100)
            .hit(99, 2, 42, 100)
            .end();
        let bytes = smf(0, 100, &[t]);
        let read = |channels| {
            let opts = SmfChartOptions {
                channels,
                ..chart_opts()
            };
            read_chart_bytes(Path::new("ch.mid"), &bytes, &opts)
                .unwrap()
                .notes
                .iter()
                .map(|n| n.lane)
                .collect::<Vec<_>>()
        };
        assert_eq!(read(ChannelFilter::Only(10)), vec![Lane::Kick]);
        assert_eq!(read(ChannelFilter::Only(1)), vec![Lane::Snare]);
        assert_eq!(
            read(ChannelFilter::All),
            vec![Lane::Kick, Lane::Snare, Lane::Hihat]
        );
    }

    #[test]
    fn bad_no_notes_on_the_drum_channel() {
        let t = Trk::default()
            .hit(0, 1, 60, 100)
            .hit(0, 3, 62, 100)
            .hit(0, 3, 64, 100)
            .end();
        let (_, e) = bad("smf-no-drum-channel-notes.mid", &smf(0, 480, &[t]));
        let msg = e.to_string();
        assert!(msg.contains("no drum notes on channel 10"), "{msg}");
        assert!(
            msg.contains("channel 1 (1 notes), channel 3 (2 notes)"),
            "{msg}"
        );
    }
}
