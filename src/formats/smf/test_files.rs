//! Test support: SMF bytes built by hand, fixtures and the assertions the reader and writer
//! tests share.

use super::*;
use crate::chart::Chart;
use crate::error::{InputError, Place};
use crate::lane::Lane;
use crate::testdata::crate_path;
use crate::time::Nanos;
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
