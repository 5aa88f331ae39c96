//! The backing audio in the capture log: `pocket score` on the capture of a session played
//! along with audio writes the same `settings.audio` as the session's own report, from the
//! header's `audio` field alone (docs/capture-log.md).

use pocket::formats::capture_log::{
    BackingAudio, CaptureHeader, CaptureWriter, ChartRef, PlayerInfo, PortInfo, StartMode,
};
use pocket::report::AudioOffsetSource;
use pocket::time::Nanos;
use std::path::Path;
use std::process::Command;

/// A capture of Lee playing four kicks of disco-pop-114 along with a backing file, whose
/// header carries `audio`.
fn capture_with_audio(path: &Path, audio: Option<BackingAudio>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut header = CaptureHeader::new(StartMode::Now);
    header.time_zero = Some(Nanos(2_000_000_000));
    header.chart = Some(ChartRef {
        path: root.join("charts/disco-pop-114.json").display().to_string(),
        title: None,
    });
    header.audio = audio;
    header.ports = vec![PortInfo {
        index: 0,
        name: "replay".into(),
        audio_file: None,
    }];
    header.players = vec![PlayerInfo {
        name: "Lee".into(),
        port: 0,
        channel: None,
        kit: "gm".into(),
        kit_file: None,
        offset_hands: Nanos::ZERO,
        offset_feet: Nanos::ZERO,
    }];
    let mut w = CaptureWriter::create(path, &header).unwrap();
    for k in 0..4i64 {
        let t = Nanos(2_000_000_000 + k * 526_315_789);
        w.write_midi(t, 0, &[0x99, 36, 100]).unwrap();
    }
    w.finish(Nanos(5_000_000_000), "stopped").unwrap();
}

/// pocket in the crate's folder, with no saved latency and the test history.
fn pocket(config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pocket"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("POCKET_CONFIG_DIR", config)
        .env(
            pocket::testdata::HISTORY_VAR,
            pocket::testdata::test_history(),
        );
    c
}

fn score(capture: &Path, out: &Path) -> serde_json::Value {
    let empty = tempfile::tempdir().unwrap();
    let run = pocket(empty.path())
        .args(["score", "--chart", "charts/disco-pop-114.json", "--player"])
        .arg(format!("Lee={}#player=Lee", capture.display()))
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "pocket score failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

#[test]
fn score_on_a_capture_with_backing_audio_writes_its_settings_audio() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("capture.jsonl");
    let audio = BackingAudio {
        files: vec![
            "/songs/disco/song.ogg".into(),
            "/songs/disco/bass.ogg".into(),
        ],
        output: "USB Audio CODEC".into(),
        reported_latency: Nanos(21_333_333),
        audio_offset: Nanos(-3_250_000),
        audio_offset_source: AudioOffsetSource::Saved,
        mapping_spread: Nanos(1_234_567),
        tempo: 0.8,
        sample_zero: Nanos(2_000_000_000),
    };
    capture_with_audio(&cap, Some(audio.clone()));
    let report = score(&cap, &dir.path().join("report.json"));
    let got = &report["settings"]["audio"];
    // The numbers written in the header, in the report's units (ms).
    let want = serde_json::json!({
        "files": ["/songs/disco/song.ogg", "/songs/disco/bass.ogg"],
        "output": "USB Audio CODEC",
        "reported_latency_ms": 21.333333,
        "audio_offset_ms": -3.25,
        "audio_offset_source": "saved",
        "mapping_spread_ms": 1.234567,
        "tempo": 0.8,
    });
    assert_eq!(got, &want, "{got}");
    // What a live session writes in its own report is `BackingAudio::settings` of the header
    // it logged: the same object.
    assert_eq!(got, &serde_json::to_value(audio.settings()).unwrap());

    // `pocket score --takes` on a folder holding the capture: its report says the same.
    let takes = dir.path().join("takes");
    std::fs::create_dir(&takes).unwrap();
    std::fs::copy(&cap, takes.join("lee.jsonl")).unwrap();
    let out = dir.path().join("batch");
    let empty = tempfile::tempdir().unwrap();
    let run = pocket(empty.path())
        .args(["score", "--chart", "charts/disco-pop-114.json", "--takes"])
        .arg(&takes)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "pocket score --takes failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let batch: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("lee.json")).unwrap()).unwrap();
    assert_eq!(&batch["settings"]["audio"], &want);

    // A capture without backing audio (and one of an older minor version) has none.
    let plain = dir.path().join("plain.jsonl");
    capture_with_audio(&plain, None);
    let report = score(&plain, &dir.path().join("plain.json"));
    assert!(report["settings"].get("audio").is_none(), "{report}");
}
