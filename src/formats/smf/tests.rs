//! Tests of the SMF reader and writer: SMF bytes built by hand and the fixtures and assertions
//! they share, then the tests of each part (container, chart, take, writer, whole files). They
//! run through the folder's public functions, so they live here rather than in the files they
//! test (those files do not import one another's tests).

use crate::chart::Chart;
use crate::error::{InputError, Place};
use crate::formats::smf::container::DIVISION_OFFSET;
use crate::formats::smf::*;
use crate::lane::Lane;
use crate::tempo::TempoMapError;
use crate::testdata::crate_path;
use crate::time::Nanos;
use midly::{MidiMessage, TrackEventKind};
use std::path::PathBuf;

/// A MIDI variable-length quantity.
pub(crate) fn vlq(mut n: u32) -> Vec<u8> {
    let mut out = vec![(n & 0x7F) as u8];
    n >>= 7;
    while n > 0 {
        out.insert(0, 0x80 | (n & 0x7F) as u8);
        n >>= 7;
    }
    out
}

/// Track data (without the chunk header).
#[derive(Default, Clone)]
pub(super) struct Trk(pub(super) Vec<u8>);

impl Trk {
    pub(super) fn ev(mut self, delta: u32, bytes: &[u8]) -> Trk {
        self.0.extend(vlq(delta));
        self.0.extend_from_slice(bytes);
        self
    }
    pub(super) fn meta(self, delta: u32, kind: u8, data: &[u8]) -> Trk {
        let mut b = vec![0xFF, kind];
        b.extend(vlq(data.len() as u32));
        b.extend_from_slice(data);
        self.ev(delta, &b)
    }
    pub(super) fn tempo(self, delta: u32, us: u32) -> Trk {
        self.meta(delta, 0x51, &us.to_be_bytes()[1..])
    }
    pub(super) fn sig(self, delta: u32, n: u8, pow: u8) -> Trk {
        self.meta(delta, 0x58, &[n, pow, 24, 8])
    }
    pub(super) fn name(self, delta: u32, s: &str) -> Trk {
        self.meta(delta, 0x03, s.as_bytes())
    }
    /// Note On then Note Off (as velocity 0) one tick later, full status bytes.
    pub(super) fn hit(self, delta: u32, ch: u8, key: u8, vel: u8) -> Trk {
        self.ev(delta, &[0x90 | (ch - 1), key, vel])
            .ev(1, &[0x90 | (ch - 1), key, 0])
    }
    pub(super) fn end(self) -> Vec<u8> {
        self.meta(0, 0x2F, &[]).0
    }
}

pub(super) fn chunk(id: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = id.to_vec();
    out.extend((data.len() as u32).to_be_bytes());
    out.extend_from_slice(data);
    out
}

pub(super) fn smf(format: u16, division: u16, tracks: &[Vec<u8>]) -> Vec<u8> {
    smf_declaring(format, tracks.len() as u16, division, tracks)
}

pub(super) fn smf_declaring(format: u16, ntrks: u16, division: u16, tracks: &[Vec<u8>]) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend(format.to_be_bytes());
    h.extend(ntrks.to_be_bytes());
    h.extend(division.to_be_bytes());
    let mut out = chunk(b"MThd", &h);
    for t in tracks {
        out.extend(chunk(b"MTrk", t));
    }
    out
}

/// Writes a fixture (only when its content changed) and returns its path.
pub(super) fn fixture(rel: &str, bytes: &[u8]) -> PathBuf {
    let path = crate_path(rel);
    if std::fs::read(&path).ok().as_deref() != Some(bytes) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
    path
}

pub(super) fn chart_opts() -> SmfChartOptions {
    SmfChartOptions::default()
}

pub(super) fn take_opts(sel: &str) -> SmfTakeOptions {
    SmfTakeOptions {
        selector: sel.parse().unwrap(),
        port: 0,
    }
}

pub(super) fn ms(v: i64) -> Nanos {
    Nanos::from_millis(v)
}

/// The bytes of every Note On with velocity > 0, with times.
pub(super) fn note_ons(ev: &SmfEvents) -> Vec<(Nanos, u8, u8, u8)> {
    ev.events
        .iter()
        .filter_map(|e| match e.decode()? {
            wmidi::MidiMessage::NoteOn(ch, note, vel) => {
                Some((e.time, ch.number(), u8::from(note), u8::from(vel)))
            }
            _ => None,
        })
        .collect()
}

pub(super) fn lanes(chart: &Chart) -> Vec<(Nanos, Lane)> {
    chart.notes.iter().map(|n| (n.time, n.lane)).collect()
}

pub(super) fn byte_place(e: &InputError) -> (Option<usize>, usize) {
    match e.place {
        Place::Byte { track, offset } => (track, offset),
        ref p => panic!("expected a byte place, got {p:?} in {e}"),
    }
}

/// Type 0, 480 PPQ, 120 BPM; kick, snare and hi-hat written with running status and
/// Note On velocity 0 as note-off.
pub(super) fn type0_running_status() -> Vec<u8> {
    let t = Trk::default()
        .tempo(0, 500_000)
        .ev(0, &[0x99, 36, 100]) // kick, status byte
        .ev(0, &[42, 90]) // hi-hat, running status
        .ev(10, &[36, 0]) // kick off as velocity 0, running status
        .ev(0, &[42, 0])
        .ev(470, &[38, 100]) // snare at beat 2 (tick 480)
        .ev(10, &[0x89, 38, 64]) // a real Note Off
        .ev(470, &[0x99, 42, 90]) // hi-hat at tick 960
        .ev(10, &[42, 0])
        .end();
    smf(0, 480, &[t])
}

/// Type 1, 96 PPQ: 120 BPM, 60 BPM from bar 2, 3/4 from bar 3; notes in track 1.
pub(super) fn type1_tempo_change() -> Vec<u8> {
    let tempo = Trk::default()
        .name(0, "Tempo Test")
        .sig(0, 4, 2)
        .tempo(0, 500_000)
        .meta(384, 0x06, b"Verse")
        .tempo(0, 1_000_000)
        .sig(384, 3, 2)
        .meta(0, 0x01, b"[section chorus]")
        .meta(0, 0x01, b"just a comment")
        .end();
    let drums = Trk::default()
        .name(0, "drums")
        .hit(0, 10, 36, 100) // 1:1, 0 s
        .hit(383, 10, 38, 100) // 2:1, tick 384, 2 s
        .hit(95, 10, 42, 100) // 2:2, tick 480, 3 s
        .hit(287, 10, 49, 100) // 3:1, tick 768, 6 s
        .hit(95, 10, 51, 100) // 3:2, tick 864, 7 s
        .hit(191, 10, 36, 100) // 4:1, tick 1056, 9 s
        .end();
    smf(1, 96, &[tempo, drums])
}

/// Two players in one type 0 file: player A on channel 10, player B on channel 11.
pub(super) fn duo_by_channel() -> Vec<u8> {
    let t = Trk::default()
        .hit(0, 10, 36, 100)
        .hit(0, 11, 36, 90) // B, same time
        .hit(478, 11, 38, 80) // B at tick 480 (delta counts the two note-offs)
        .hit(9, 10, 38, 70) // A at tick 490
        .ev(0, &[0xBA, 4, 127]) // B's hi-hat pedal
        .end();
    smf(0, 480, &[t])
}

pub(super) fn bad(name: &str, bytes: &[u8]) -> (PathBuf, InputError) {
    let path = fixture(&format!("fixtures/bad/{name}"), bytes);
    let err = read_chart(&path, &chart_opts()).expect_err(name);
    let shown = err.to_string();
    assert!(shown.starts_with(&path.display().to_string()), "{shown}");
    (path, err)
}

pub(super) fn simple_track() -> Vec<u8> {
    Trk::default().hit(0, 10, 36, 100).end()
}

mod chart {

    #[test]
    fn a_text_event_that_is_not_utf8_is_read_with_a_warning_naming_it() {
        // A Latin-1 track name ("Café"): the title is read lossily and the chart says so.
        let t = Trk::default()
            .meta(0, 0x03, b"Caf\xe9")
            .hit(0, 10, 36, 100)
            .end();
        let chart =
            read_chart_bytes(Path::new("latin1.mid"), &smf(0, 480, &[t]), &chart_opts()).unwrap();
        assert_eq!(chart.notes.len(), 1);
        assert_eq!(chart.warnings.len(), 1, "{:?}", chart.warnings);
        let w = &chart.warnings[0];
        assert!(
            w.starts_with("latin1.mid: the text event at track 0, byte 22 is not UTF-8"),
            "{w}"
        );
        let clean = Trk::default()
            .meta(0, 0x03, b"Cafe")
            .hit(0, 10, 36, 100)
            .end();
        let chart = read_chart_bytes(
            Path::new("ascii.mid"),
            &smf(0, 480, &[clean]),
            &chart_opts(),
        )
        .unwrap();
        assert!(chart.warnings.is_empty(), "{:?}", chart.warnings);
    }
    use super::*;

    use std::path::Path;

    use crate::lane::{Articulation, Dynamic, Lane};

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
    fn a_generic_track_name_gives_way_to_the_file_name_as_title() {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, title) in [
            ("MIDI", "1_funk_80_beat_4-4"),
            ("Base Midi", "1_funk_80_beat_4-4"),
            ("Midi Drums", "1_funk_80_beat_4-4"),
            ("Track 1", "1_funk_80_beat_4-4"),
            ("", "1_funk_80_beat_4-4"),
            ("Superstition", "Superstition"),
            ("Drum Solo 2", "Drum Solo 2"),
        ] {
            let track = Trk::default().name(0, name).hit(0, 10, 36, 100).end();
            let path = dir.path().join("1_funk_80_beat_4-4.mid");
            std::fs::write(&path, smf(0, 480, &[track])).expect("write");
            let chart = read_chart(&path, &chart_opts()).expect("valid chart");
            assert_eq!(chart.info.title, title, "track named {name:?}");
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

    /// A Roland recording: pedal open, hi-hat edge 22, crash 2 edge 52, a quiet tom 2 stroke
    /// right after a loud tom 1 (crosstalk), a velocity-2 snare (sensor noise), note 60.
    fn roland_recording() -> Vec<u8> {
        let t = Trk::default()
            .tempo(0, 500_000)
            .ev(0, &[0xB9, 4, 0])
            .hit(0, 10, 22, 90)
            .hit(99, 10, 52, 100)
            .hit(99, 10, 48, 120)
            .hit(0, 10, 45, 20)
            .hit(99, 10, 38, 2)
            .hit(99, 10, 60, 100)
            .end();
        smf(0, 480, &[t])
    }

    #[test]
    fn a_kit_reads_the_chart_through_its_whole_stage() {
        use crate::kit::KitMap;
        use crate::take::FilterReason;
        let bytes = roland_recording();
        let path = Path::new("roland.mid");
        let kit = KitMap::builtin("roland-td").unwrap();
        let opts = SmfChartOptions::with_kit(kit.clone());
        assert_eq!(opts.channels, ChannelFilter::Only(10), "the kit's channel");
        let (chart, filtered) = read_chart_bytes_filtered(path, &bytes, &opts).unwrap();
        let got: Vec<(i64, Lane, Option<Articulation>)> = chart
            .notes
            .iter()
            .map(|n| (n.tick.0, n.lane, n.articulation))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, Lane::Hihat, Some(Articulation::Open)),
                (100, Lane::Crash2, Some(Articulation::Edge)),
                (200, Lane::Tom1, Some(Articulation::Head)),
            ],
            "edge note 22 is a hi-hat opened by the pedal, 52 is crash 2"
        );
        assert_eq!(chart.notes[1].time, Nanos(104_166_667));
        let reasons: Vec<(u8, &str)> = filtered
            .iter()
            .map(|f| (f.source.note, f.reason.name()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (45, "crosstalk"),
                (38, "below_velocity_floor"),
                (60, "unmapped_note")
            ]
        );
        assert_eq!(filtered[2].reason, FilterReason::UnmappedNote);

        // The same events through the kit as a take: the same hits.
        let ev = read_events_bytes(path, &bytes, &take_opts("")).unwrap();
        let take = crate::kit::build_take(&ev.events, &kit, &kit.options, String::new(), vec![]);
        let hits: Vec<(Nanos, Lane, Option<Articulation>)> = take
            .hits
            .iter()
            .map(|h| (h.time, h.lane, h.articulation))
            .collect();
        let notes: Vec<(Nanos, Lane, Option<Articulation>)> = chart
            .notes
            .iter()
            .map(|n| (n.time, n.lane, n.articulation))
            .collect();
        assert_eq!(notes, hits);
        assert_eq!(take.filtered, filtered);
    }

    #[test]
    fn general_midi_charts_list_the_notes_they_cannot_map() {
        let (chart, filtered) =
            read_chart_bytes_filtered(Path::new("r.mid"), &roland_recording(), &chart_opts())
                .unwrap();
        let got: Vec<Lane> = chart.notes.iter().map(|n| n.lane).collect();
        assert_eq!(
            got,
            vec![Lane::China, Lane::Tom1, Lane::Tom2, Lane::Snare],
            "the note map alone: 52 is a china, no filters"
        );
        let unmapped: Vec<(u8, u8)> = filtered
            .iter()
            .map(|f| (f.source.note, f.source.channel))
            .collect();
        assert_eq!(unmapped, vec![(22, 10), (60, 10)]);
    }

    #[test]
    fn a_chart_none_of_whose_notes_the_map_knows_names_a_kit_that_does() {
        use crate::error::Remedy;
        let t = Trk::default().hit(0, 10, 22, 90).hit(99, 10, 26, 90).end();
        let e = read_chart_bytes(Path::new("edges.mid"), &smf(0, 480, &[t]), &chart_opts())
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("none is in the gm drum map (notes used: 22, 26)"),
            "{msg}"
        );
        assert!(
            msg.contains("the built-in roland-td kit maps 2 of them"),
            "{msg}"
        );
        assert!(!msg.contains("--"), "{msg}");
        assert_eq!(e.remedy(), Some(Remedy::ChooseChartKit));
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

mod container {
    use super::*;

    use std::path::Path;

    use crate::error::InputErrorKind;
    use crate::lane::Lane;

    #[test]
    fn bad_truncated_header() {
        let full = smf(0, 480, &[simple_track()]);
        let (_, e) = bad("smf-truncated-header.mid", &full[..11]);
        assert!(matches!(e.kind, InputErrorKind::Truncated(_)), "{e}");
        assert!(e.to_string().contains("14 bytes"), "{e}");
    }

    #[test]
    fn bad_truncated_track() {
        // The track chunk's length is honest, but its last event is cut after the status byte.
        let t = Trk::default().hit(0, 10, 36, 100).ev(10, &[0x99, 38]).0;
        let (_, e) = bad("smf-truncated-track-event.mid", &smf(0, 480, &[t]));
        assert!(matches!(e.kind, InputErrorKind::Truncated(_)), "{e}");
        // Header 14 + chunk header 8 + two 4-byte events = offset 30.
        assert_eq!(byte_place(&e), (Some(0), 30), "{e}");
        assert!(e.to_string().contains("track 0, byte 30"), "{e}");
    }

    #[test]
    fn bad_chunk_length_past_end_of_file() {
        let full = smf(1, 480, &[simple_track(), simple_track()]);
        let cut = &full[..full.len() - 3];
        let (_, e) = bad("smf-chunk-length-past-eof.mid", cut);
        assert!(matches!(e.kind, InputErrorKind::Truncated(_)), "{e}");
        let second = 14 + 8 + simple_track().len();
        assert_eq!(byte_place(&e), (Some(1), second), "{e}");
        assert!(e.to_string().contains("cut short"), "{e}");
    }

    #[test]
    fn bad_zero_division() {
        let (_, e) = bad("smf-zero-division.mid", &smf(0, 0, &[simple_track()]));
        assert_eq!(byte_place(&e), (None, 12), "{e}");
        assert!(e.to_string().contains("0 ticks per quarter"), "{e}");
    }

    #[test]
    fn bad_smpte_division_in_a_chart() {
        let division = (((-30i8) as u8 as u16) << 8) | 80;
        let bytes = smf(0, division, &[simple_track()]);
        let (path, e) = bad("smf-smpte-chart.mid", &bytes);
        assert_eq!(e.kind, InputErrorKind::SmpteChart);
        assert_eq!(byte_place(&e), (None, 12));
        // The same file is a valid take.
        assert!(read_events(&path, &take_opts("")).is_ok());
    }

    #[test]
    fn bad_tempo_zero() {
        let t = Trk::default()
            .hit(0, 10, 36, 100)
            .tempo(5, 0)
            .hit(0, 10, 38, 1)
            .end();
        let (_, e) = bad("smf-tempo-zero.mid", &smf(0, 480, &[t]));
        assert!(
            matches!(e.kind, InputErrorKind::Tempo(TempoMapError::TempoZero(6))),
            "{e}"
        );
        assert_eq!(byte_place(&e), (Some(0), 14 + 8 + 8));
        assert!(read_events_bytes(
            Path::new("t"),
            &smf(0, 480, &[Trk::default().tempo(0, 0).end()]),
            &take_opts("")
        )
        .is_err());
    }

    #[test]
    fn bad_absurd_tempo() {
        let t = Trk::default().tempo(0, 1_000).hit(0, 10, 36, 100).end();
        let (_, e) = bad("smf-absurd-tempo-60000bpm.mid", &smf(0, 480, &[t]));
        assert!(
            matches!(
                e.kind,
                InputErrorKind::Tempo(TempoMapError::AbsurdTempo { .. })
            ),
            "{e}"
        );
        assert!(e.to_string().contains("1 to 1000 BPM"), "{e}");
        assert_eq!(byte_place(&e), (Some(0), 22));
    }

    #[test]
    fn bad_huge_delta_times() {
        // A maximal delta (2^28 - 1 ticks) at 96 PPQ, 120 BPM puts the second note at 1.4e6 s.
        let t = Trk::default()
            .hit(0, 10, 36, 100)
            .hit(0x0FFF_FFFF, 10, 38, 100);
        let (_, e) = bad("smf-huge-delta-time.mid", &smf(0, 96, &[t.end()]));
        assert!(e.to_string().contains("1000000 s"), "{e}");
        assert_eq!(byte_place(&e), (Some(0), 14 + 8 + 8));
        // Deltas that add up beyond any tempo are refused while walking.
        let mut t = Trk::default();
        for _ in 0..5000 {
            t = t.ev(0x0FFF_FFFF, &[0xFF, 0x01, 0]);
        }
        let e = read_chart_bytes(Path::new("h.mid"), &smf(0, 96, &[t.end()]), &chart_opts())
            .unwrap_err();
        assert!(e.to_string().contains("delta times are damaged"), "{e}");
    }

    #[test]
    fn bad_header_claims_65535_tracks() {
        let bytes = smf_declaring(1, 65535, 480, &[simple_track()]);
        let (_, e) = bad("smf-header-claims-65535-tracks.mid", &bytes);
        assert!(
            e.to_string()
                .contains("declares 65535 tracks but the file holds 1"),
            "{e}"
        );
        assert_eq!(byte_place(&e), (None, 10));
    }

    #[test]
    fn unknown_chunks_are_skipped() {
        let mut bytes = smf(0, 480, &[]);
        bytes[11] = 1; // one track
        bytes.extend(chunk(b"XFIH", b"vendor data \xFF\x00"));
        bytes.extend(chunk(b"MTrk", &simple_track()));
        bytes.extend(chunk(b"junk", &[]));
        let path = fixture("fixtures/smf/unknown-chunks-skipped.mid", &bytes);
        let chart = read_chart(&path, &chart_opts()).unwrap();
        assert_eq!(lanes(&chart), vec![(ms(0), Lane::Kick)]);
    }

    #[test]
    fn bad_not_a_midi_file() {
        let (_, e) = bad("smf-not-midi.mid", b"time,lane\n0.5,snare\n");
        assert!(
            e.to_string().contains("does not start with \"MThd\""),
            "{e}"
        );
    }

    #[test]
    fn riff_wrapped_files_are_unwrapped() {
        let inner = type0_running_status();
        let mut data = b"data".to_vec();
        data.extend((inner.len() as u32).to_le_bytes());
        data.extend(&inner);
        let mut riff = b"RIFF".to_vec();
        riff.extend(((data.len() + 4) as u32).to_le_bytes());
        riff.extend(b"RMID");
        riff.extend(&data);
        let chart = read_chart_bytes(Path::new("w.rmi"), &riff, &chart_opts()).unwrap();
        assert_eq!(chart.notes.len(), 4);
        // Offsets stay offsets into the whole file.
        let mut broken = riff.clone();
        let at = 20 + DIVISION_OFFSET;
        broken[at] = 0;
        broken[at + 1] = 0;
        let e = read_chart_bytes(Path::new("w.rmi"), &broken, &chart_opts()).unwrap_err();
        assert_eq!(byte_place(&e), (None, at));
    }

    #[test]
    fn bad_event_bytes_are_located() {
        // A data byte with no running status in force.
        let t = Trk::default()
            .meta(0, 0x03, b"x")
            .ev(0, &[0x40, 0x40])
            .end();
        let e =
            read_chart_bytes(Path::new("r.mid"), &smf(0, 480, &[t]), &chart_opts()).unwrap_err();
        assert!(e.to_string().contains("no running status"), "{e}");
        assert_eq!(byte_place(&e), (Some(0), 14 + 8 + 5));
    }
}

mod take {
    use super::*;

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

    #[test]
    fn groove_midi_dataset_charts_read_with_their_kit_hold_every_hit_of_the_take() {
        use crate::kit::KitMap;
        use crate::lane::{Articulation, Dynamic};
        let Some(dir) = data_dir() else { return };
        let kit = KitMap::builtin("roland-td").unwrap();
        let opts = SmfChartOptions::with_kit(kit.clone());
        let mut files = 0;
        for drummer in ["drummer1", "drummer5", "drummer7", "drummer8"] {
            let session = dir.join("gmd").join(drummer).join("eval_session");
            let Ok(list) = std::fs::read_dir(&session) else {
                continue;
            };
            for f in list {
                let path = f.unwrap().path();
                if path.extension().and_then(|e| e.to_str()) != Some("mid") {
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                let (chart, filtered) = read_chart_bytes_filtered(&path, &bytes, &opts).unwrap();
                let ev = read_events_bytes(&path, &bytes, &take_opts("")).unwrap();
                let take =
                    crate::kit::build_take(&ev.events, &kit, &kit.options, String::new(), vec![]);
                type Row = (Nanos, Lane, Option<Articulation>, Dynamic);
                let notes: Vec<Row> = chart
                    .notes
                    .iter()
                    .map(|n| (n.time, n.lane, n.articulation, n.dynamic))
                    .collect();
                let mut hits: Vec<Row> = take
                    .hits
                    .iter()
                    .map(|h| (h.time, h.lane, h.articulation, opts.dynamic(h.velocity)))
                    .collect();
                // Charts put the notes of one moment in lane order.
                hits.sort_by_key(|h| (h.0, h.1));
                assert_eq!(notes, hits, "{}: a note for every hit", path.display());
                assert_eq!(filtered, take.filtered, "{}", path.display());
                for n in &chart.notes {
                    assert_eq!(chart.tempo_map.time(n.tick), n.time, "{}", path.display());
                }
                files += 1;
            }
        }
        assert_eq!(files, 20, "the 20 GMD eval-session files");

        // Read with the General MIDI map, the Roland hi-hat edges are lost and note 52 is a
        // china: the take read with its kit does not fit that chart.
        let funk = dir.join("gmd/drummer1/eval_session/2_funk-groove2_105_beat_4-4.mid");
        let bytes = std::fs::read(&funk).unwrap();
        let (gm, lost) = read_chart_bytes_filtered(&funk, &bytes, &chart_opts()).unwrap();
        let (with_kit, _) = read_chart_bytes_filtered(&funk, &bytes, &opts).unwrap();
        assert_eq!((gm.notes.len(), with_kit.notes.len()), (254, 324));
        let summary = crate::kit::FilteredSummary::of(&lost);
        let unmapped: Vec<(u8, usize)> =
            summary.unmapped.iter().map(|u| (u.note, u.count)).collect();
        assert_eq!(unmapped, vec![(22, 55), (26, 15)]);
        assert_eq!(summary.suggest_profile(), Some(("roland-td", 70)));
        assert!(gm.notes.iter().any(|n| n.lane == Lane::China));
        assert!(with_kit.notes.iter().any(|n| n.lane == Lane::Crash2));
    }
}

mod write {
    use super::*;
    use crate::chart::{Chart, ChartInfo, Note, Section};

    use std::path::Path;

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

mod files {
    use super::*;

    use std::path::Path;

    use crate::error::InputErrorKind;

    use proptest::prelude::*;

    #[test]
    fn bad_file_too_large() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.mid");
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap(); // sparse: nothing is written
        let e = read_chart(&path, &chart_opts()).unwrap_err();
        assert!(matches!(e.kind, InputErrorKind::TooLarge { .. }), "{e}");
        let e = read_events(&path, &take_opts("")).unwrap_err();
        assert!(matches!(e.kind, InputErrorKind::TooLarge { .. }), "{e}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = read_chart_bytes(Path::new("r.mid"), &bytes, &chart_opts());
            let _ = read_events_bytes(Path::new("r.mid"), &bytes, &take_opts(""));
            let mut with_header = b"MThd".to_vec();
            with_header.extend(&bytes);
            let _ = read_chart_bytes(Path::new("r.mid"), &with_header, &chart_opts());
            let _ = read_events_bytes(Path::new("r.mid"), &with_header, &take_opts("track=1"));
        }

        #[test]
        fn mutated_files_never_panic(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in any::<prop::sample::Index>(),
            which in 0usize..3,
        ) {
            let mut bytes = match which {
                0 => type1_tempo_change(),
                1 => type0_running_status(),
                _ => duo_by_channel(),
            };
            for (i, b) in &edits {
                let i = i.index(bytes.len());
                bytes[i] = *b;
            }
            if edits.len() % 3 == 0 {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            let _ = read_chart_bytes(Path::new("m.mid"), &bytes, &chart_opts());
            let _ = read_events_bytes(Path::new("m.mid"), &bytes, &take_opts("channel=10"));
        }
    }
}
