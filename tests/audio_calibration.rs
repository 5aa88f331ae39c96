//! `pocket calibrate --audio` end to end: clicks play through cpal's ALSA output (into the JACK
//! server CI runs, through alsa-lib's JACK PCM plugin), a replayed tapper taps a known time
//! after each click as the output reports it heard, on a kit whose latency is known, and the
//! saved audio offset is the median tap offset minus the kit's latency.
#![cfg(feature = "midi-io")]

use pocket::formats::capture_log::{CaptureHeader, CaptureWriter, PlayerInfo, PortInfo, StartMode};
use pocket::time::Nanos;
use std::path::Path;
use std::process::Command;

/// The beat at 200 BPM, ms.
const BEAT_MS: i64 = 300;

/// A capture of taps on the snare, `late_ms` after clicks 8 to 15 (the two bars after two of
/// listening, at 200 BPM, counted from the click track's first sample), by a kit that reports
/// hand hits `kit_ms` late.
fn tapper(path: &Path, late_ms: i64, kit_ms: f64) {
    let mut header = CaptureHeader::new(StartMode::Now);
    header.time_zero = Some(Nanos::ZERO);
    header.ports = vec![PortInfo {
        index: 0,
        name: "tapper".into(),
        audio_file: None,
    }];
    header.players = vec![PlayerInfo {
        name: "Lee".into(),
        port: 0,
        channel: None,
        kit: "gm".into(),
        kit_file: None,
        offset_hands: Nanos::from_millis_f64(kit_ms).unwrap(),
        offset_feet: Nanos::from_millis(9),
    }];
    let mut w = CaptureWriter::create(path, &header).unwrap();
    // Small steady jitter around the offset, as a drummer's taps.
    let jitter = [0, 1, -1, 2, 0, -2, 1, -1];
    for (i, k) in (8..16).enumerate() {
        let t = Nanos::from_millis(k * BEAT_MS + late_ms + jitter[i]);
        w.write_midi(t, 0, &[0x99, 38, 100]).unwrap();
        w.write_midi(t + Nanos::from_millis(50), 0, &[0x89, 38, 0])
            .unwrap();
    }
    w.finish(Nanos::from_millis(16 * BEAT_MS), "stopped")
        .unwrap();
}

#[test]
fn the_saved_audio_offset_is_the_median_tap_minus_the_kit_latency() {
    if !pocket::testdata::alsa_into_jack() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    pocket::testdata::write_alsa_jack_rc(home.path());
    // pocket with the ALSA setup and the config directory in `home`.
    let pocket = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pocket"));
        c.env(
            pocket::testdata::HISTORY_VAR,
            pocket::testdata::test_history(),
        )
        .env("HOME", home.path())
        .env("POCKET_CONFIG_DIR", home.path());
        c
    };
    // Taps 40 ms after the reported clicks, the kit 6.5 ms late: the output's offset is 33.5.
    let taps = home.path().join("taps.jsonl");
    tapper(&taps, 40, 6.5);
    let run = pocket()
        // cpal's default output (into JACK through alsa-lib's plugin), also in a JACK build.
        .args(["calibrate", "--audio", "--audio-out", "default"])
        .args(["--bpm", "200", "--bars", "2"])
        .arg("--replay")
        .arg(format!("Lee={}", taps.display()))
        .arg("-o")
        .arg(home.path().join("session"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "pocket calibrate --audio failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("8 taps used"), "{stdout}");
    assert!(stdout.contains("kit input latency +6.5 ms"), "{stdout}");
    let store: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(home.path().join("latency.json")).unwrap())
            .unwrap();
    let saved = &store["audio_outputs"]["default"];
    let offset = saved["offset_ms"].as_f64().unwrap();
    // The replay is placed on the capture clock from its schedule (the earliest delivery), so
    // the taps land where they were written to within a fraction of a millisecond.
    assert!(
        (offset - 33.5).abs() < 1.0,
        "saved offset {offset} ms, expected 40 − 6.5 = 33.5 ms: {saved}"
    );
    assert!(
        saved["measured"]
            .as_str()
            .unwrap()
            .contains("kit latency +6.500 ms"),
        "{saved}"
    );

    // A session on that output now uses it: record with the click track as its backing.
    let out = home.path().join("record");
    let run = pocket()
        .args(["record", "--duration", "1", "--audio-out", "default"])
        .arg("--replay")
        .arg(format!("Lee={}", taps.display()))
        .arg("--backing")
        .arg(home.path().join("session/calibration-clicks.wav"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "pocket record failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let header: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(out.join("capture.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["audio"]["audio_offset_source"], "saved", "{header}");
    assert_eq!(
        header["audio"]["audio_offset_ns"].as_i64().unwrap(),
        (offset * 1e6).round() as i64
    );
}
