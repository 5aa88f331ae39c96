//! Test support: the golden capture the reader and writer tests share.

use super::*;
use crate::error::InputError;
use crate::testdata::crate_path;
use crate::time::Nanos;
use std::io::Cursor;
use std::path::Path;

pub(super) const GOLDEN: &str = "fixtures/capture/two-kits-gap-and-overflow.jsonl";

pub(super) fn two_kit_header() -> CaptureHeader {
    CaptureHeader {
        started_at: "2025-01-02T03:04:05.678Z".into(),
        time_zero: None,
        start_mode: StartMode::CountIn,
        chart: Some(ChartRef {
            path: "charts/funk-groove.mid".into(),
            title: Some("Funk Groove".into()),
        }),
        section: Some("Chorus".into()),
        looped: true,
        tempo_scale: Some(0.8),
        ports: vec![
            PortInfo {
                index: 0,
                name: "TD-17 MIDI 1".into(),
            },
            PortInfo {
                index: 1,
                name: "Alesis Nitro MIDI 1".into(),
            },
        ],
        players: vec![
            PlayerInfo {
                name: "Ana".into(),
                port: 0,
                channel: Some(10),
                kit: "roland-td".into(),
                kit_file: None,
                offset_hands: Nanos::from_micros(3_500),
                offset_feet: Nanos::from_millis(5),
            },
            PlayerInfo {
                name: "Ben".into(),
                port: 1,
                channel: None,
                kit: "gm".into(),
                kit_file: None,
                offset_hands: Nanos::from_millis(-2),
                offset_feet: Nanos::ZERO,
            },
        ],
    }
}

pub(super) const MS: i64 = 1_000_000;

/// Writes the golden capture: a count-in, two kits, a SysEx, a clock byte, a lost port
/// and a ring overflow, then a clean stop.
pub(super) fn write_two_kit_capture(path: &Path) {
    let mut w = CaptureWriter::create(path, &two_kit_header()).expect("create");
    for beat in 0..4 {
        w.write_click(Nanos(beat * 500 * MS), beat == 0).unwrap();
    }
    w.write_time_zero(Nanos(2_000 * MS)).unwrap();
    w.write_midi(Nanos(1_990 * MS), 0, &[0xF0, 0x41, 0x10, 0x00, 0xF7])
        .unwrap();
    w.write_midi(Nanos(2_000 * MS + 1_234), 0, &[0x99, 36, 110])
        .unwrap();
    // Port 1 arrives slightly earlier than port 0's last event: allowed across ports.
    w.write_midi(Nanos(2_000 * MS - 500), 1, &[0x99, 36, 96])
        .unwrap();
    w.write_midi(Nanos(2_001 * MS), 0, &[0x89, 36, 0]).unwrap();
    w.write_midi(Nanos(2_100 * MS), 0, &[0xB9, 4, 127]).unwrap();
    w.write_midi(Nanos(2_200 * MS), 0, &[0xF8]).unwrap();
    w.write_midi(Nanos(2_250 * MS), 0, &[0x98, 38, 64]).unwrap(); // channel 9: not Ana's
    w.write_gap(1, Nanos(2_300 * MS), Nanos(2_700 * MS))
        .unwrap();
    w.write_overflow(0, 3, Nanos(2_400 * MS)).unwrap();
    w.write_midi(Nanos(2_500 * MS), 0, &[0x99, 38, 127])
        .unwrap();
    w.write_midi(Nanos(2_800 * MS), 1, &[0x99, 38, 80]).unwrap();
    w.finish(Nanos(3_000 * MS), "stopped").expect("finish");
}

pub(super) fn read_bytes(bytes: &[u8]) -> Result<Capture, InputError> {
    read_capture_from(Cursor::new(bytes), Path::new("test.jsonl"))
}

pub(super) fn golden_bytes() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("take.jsonl");
    write_two_kit_capture(&path);
    std::fs::read(&path).unwrap()
}

pub(super) fn bad_fixture(name: &str) -> InputError {
    read_capture(crate_path(&format!("fixtures/bad/{name}")))
        .expect_err("a bad fixture must not read")
}

pub(super) fn golden_bytes_cached() -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(golden_bytes)
}
