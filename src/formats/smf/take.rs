//! An SMF read as one player's raw events, with exact times, for [`crate::kit`] to turn into a
//! take. SMPTE time division is accepted. One file may hold two players split by track or
//! channel: see [`TakeSelector`].

use super::container::{
    channel_bytes, channel_list, check_tempo, check_time, describe_channels, layout, tempo_map,
    walk, At, Division,
};
use crate::error::{InputError, InputErrorKind, Place};
use crate::event::RawEvent;
use crate::formats::take_spec::TakeSelector;
use crate::tempo::TempoMap;
use crate::tempo::{Tempo, TimeSignature};
use crate::time::{Nanos, Ticks};
use midly::{MetaMessage, MidiMessage, TrackEventKind};
use std::path::Path;

/// How a Standard MIDI File is read as a take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmfTakeOptions {
    /// Which track and/or channel is the player.
    pub selector: TakeSelector,
    /// The port index written into every event (0 for a take read from one file).
    pub port: u16,
}

/// One player's channel messages from an SMF, with exact times.
#[derive(Debug, Clone, PartialEq)]
pub struct SmfEvents {
    /// Channel messages (note on/off, control change, aftertouch, program change, pitch bend)
    /// with their bytes as stored (Note On velocity 0 stays a Note On), in time order; events at
    /// the same time keep track order, then file order.
    pub events: Vec<RawEvent>,
    /// The file's time division.
    pub division: Division,
    /// The tempo map under PPQ division (its time signature is always 4/4: takes ignore them).
    pub tempo_map: Option<TempoMap>,
    /// Number of track chunks in the file.
    pub tracks: usize,
    /// Channels (1..=16) of the file holding Note Ons with velocity > 0, whatever the selector.
    pub channels_with_notes: Vec<u8>,
}

/// Reads SMF bytes as one player's events; `path` is used in errors.
pub fn read_events_bytes(
    path: &Path,
    bytes: &[u8],
    opts: &SmfTakeOptions,
) -> Result<SmfEvents, InputError> {
    let layout = layout(path, bytes)?;
    let sel = opts.selector;
    if let Some(t) = sel.track {
        if t >= layout.tracks.len() {
            return Err(InputError::new(
                path,
                Place::Item(format!("#track={t}")),
                InputErrorKind::Empty(format!(
                    "track {t} does not exist: the file has {} tracks, numbered from 0 to {}",
                    layout.tracks.len(),
                    layout.tracks.len() - 1
                )),
            ));
        }
    }
    let mut tempos: Vec<(Ticks, Tempo)> = Vec::new();
    let mut picked: Vec<(At, [u8; 3], usize)> = Vec::new();
    let mut per_channel = [0usize; 16];
    let mut per_channel_in_track = [0usize; 16];
    let mut picked_note_ons = 0usize;
    walk(path, &layout, |at, kind| {
        match kind {
            TrackEventKind::Midi { channel, message } => {
                let ch = u8::from(channel);
                let note_on =
                    matches!(message, MidiMessage::NoteOn { vel, .. } if u8::from(vel) > 0);
                let in_track = sel.track.map_or(true, |t| t == at.track);
                if note_on {
                    per_channel[ch as usize] += 1;
                    if in_track {
                        per_channel_in_track[ch as usize] += 1;
                    }
                }
                if in_track && sel.channel.map_or(true, |c| c == ch + 1) {
                    picked_note_ons += note_on as usize;
                    let (b, n) = channel_bytes(channel, message);
                    picked.push((at, b, n));
                }
            }
            TrackEventKind::Meta(MetaMessage::Tempo(us)) => {
                if matches!(layout.division, Division::Ppq(_)) {
                    tempos.push((Ticks(at.tick), check_tempo(path, at, us.into())?));
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    if picked_note_ons == 0 {
        let place = if sel.is_all() {
            Place::File
        } else {
            Place::Item(format!("#{sel}"))
        };
        let scope = match sel.track {
            Some(t) => format!("in track {t}, "),
            None => String::new(),
        };
        return Err(InputError::new(
            path,
            place,
            InputErrorKind::Empty(format!(
                "no notes for this player: {scope}{}; choose another track or channel",
                describe_channels(&per_channel_in_track)
            )),
        ));
    }
    let tempo_map = match layout.division {
        Division::Ppq(ppq) => Some(tempo_map(path, ppq, &mut tempos, TimeSignature::COMMON)?),
        Division::Smpte { .. } => None,
    };
    let mut events = Vec::with_capacity(picked.len());
    for (at, b, n) in picked {
        let time = match &tempo_map {
            Some(m) => m.time(Ticks(at.tick)),
            None => layout.division.smpte_time(at.tick).unwrap_or(Nanos::MAX),
        };
        let time = check_time(path, at, time)?;
        events.push(RawEvent::new(time, opts.port, &b[..n]));
    }
    // Tracks were walked one after another: a stable sort merges them.
    events.sort_by_key(|e| e.time);
    Ok(SmfEvents {
        events,
        division: layout.division,
        tempo_map,
        tracks: layout.tracks.len(),
        channels_with_notes: channel_list(&per_channel),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::smf::*;

    use crate::formats::smf::test_files::*;
    use crate::time::Nanos;

    use crate::testdata::data_dir;

    #[test]
    fn one_file_two_players_split_by_channel() {
        let path = fixture(
            "fixtures/smf/duo-type0-channels-10-11.mid",
            &duo_by_channel(),
        );
        let a = read_events(&path, &take_opts("channel=10")).unwrap();
        let b = read_events(&path, &take_opts("channel=11")).unwrap();
        // At 480 PPQ and 120 BPM a tick lasts 1_041_666.67 ns.
        assert_eq!(
            note_ons(&a),
            vec![(ms(0), 10, 36, 100), (Nanos(510_416_667), 10, 38, 70)]
        );
        assert_eq!(
            note_ons(&b),
            vec![(Nanos(1_041_667), 11, 36, 90), (ms(500), 11, 38, 80)]
        );
        assert!(
            b.events.iter().any(|e| e.message() == [0xBA, 4, 127]),
            "CC4 kept for player B"
        );
        assert_eq!(a.channels_with_notes, vec![10, 11]);
        let err = read_events(&path, &take_opts("channel=3")).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("channel 10 (2 notes)") && msg.contains("channel 11 (2 notes)"),
            "{msg}"
        );
        assert!(msg.contains("#channel=3"), "{msg}");
    }

    #[test]
    fn one_file_two_players_split_by_track() {
        let tempo = Trk::default().tempo(0, 1_000_000).end();
        let a = Trk::default()
            .hit(0, 10, 36, 100)
            .hit(99, 10, 38, 100)
            .end();
        let b = Trk::default().hit(50, 10, 36, 90).end();
        let path = fixture(
            "fixtures/smf/duo-type1-tracks-1-2-same-channel.mid",
            &smf(1, 100, &[tempo, a, b]),
        );
        let pa = read_events(&path, &take_opts("track=1")).unwrap();
        let pb = read_events(&path, &take_opts("track=2")).unwrap();
        let both = read_events(&path, &take_opts("")).unwrap();
        assert_eq!(
            note_ons(&pa),
            vec![(ms(0), 10, 36, 100), (ms(1000), 10, 38, 100)]
        );
        assert_eq!(note_ons(&pb), vec![(ms(500), 10, 36, 90)]);
        assert_eq!(note_ons(&both).len(), 3);
        assert_eq!(note_ons(&both)[1].0, ms(500), "tracks merged in time order");
        let err = read_events(&path, &take_opts("track=3")).unwrap_err();
        assert!(err.to_string().contains("numbered from 0 to 2"), "{err}");
        let err = read_events(&path, &take_opts("track=0")).unwrap_err();
        assert!(err.to_string().contains("in track 0"), "{err}");
    }

    #[test]
    fn smpte_division_times_takes_without_tempo() {
        // 25 fps x 40 ticks per frame = 1 ms per tick; the tempo event does not matter.
        let t = Trk::default()
            .tempo(0, 250_000)
            .hit(0, 10, 36, 100)
            .hit(1233, 10, 38, 100)
            .end();
        let division = (((-25i8) as u8 as u16) << 8) | 40;
        let path = fixture(
            "fixtures/smf/smpte-25fps-40tpf-take.mid",
            &smf(0, division, &[t]),
        );
        let ev = read_events(&path, &take_opts("")).unwrap();
        assert_eq!(
            ev.division,
            Division::Smpte {
                frames_per_second: 25,
                ticks_per_frame: 40
            }
        );
        assert!(ev.tempo_map.is_none());
        assert_eq!(
            note_ons(&ev),
            vec![(ms(0), 10, 36, 100), (ms(1234), 10, 38, 100)]
        );
        // 29.97 drop-frame: 30000/1001 frames per second.
        let d = Division::Smpte {
            frames_per_second: 29,
            ticks_per_frame: 100,
        };
        assert_eq!(d.smpte_time(3000), Some(Nanos(1_001_000_000)));
    }

    #[test]
    fn groove_midi_dataset_files_keep_every_note_on() {
        let Some(dir) = data_dir() else { return };
        let mut files = 0;
        for drummer in std::fs::read_dir(dir.join("gmd")).unwrap() {
            let session = drummer.unwrap().path().join("eval_session");
            let Ok(list) = std::fs::read_dir(&session) else {
                continue;
            };
            for f in list {
                let path = f.unwrap().path();
                if path.extension().and_then(|e| e.to_str()) != Some("mid") {
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                // Independent count with midly's own parser.
                let smf = midly::Smf::parse(&bytes).unwrap();
                let expected = smf
                    .tracks
                    .iter()
                    .flatten()
                    .filter(|e| {
                        matches!(e.kind, TrackEventKind::Midi { message: MidiMessage::NoteOn { vel, .. }, .. } if u8::from(vel) > 0)
                    })
                    .count();
                let ev = read_events(&path, &take_opts("")).unwrap();
                assert_eq!(note_ons(&ev).len(), expected, "{}", path.display());
                assert!(expected > 100, "{}", path.display());
                assert!(ev.events.windows(2).all(|w| w[0].time <= w[1].time));
                let chart = read_chart(&path, &chart_opts()).unwrap();
                assert!(!chart.notes.is_empty());
                files += 1;
            }
        }
        assert_eq!(files, 20, "the 20 GMD eval-session files");
    }
}
