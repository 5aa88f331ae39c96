//! Audio takes end to end through the binary: a stereo render of two takes (one kit per
//! channel) scored against the chart, `take show` / `take convert`, `kit learn --audio`, and
//! the messages for audio the build cannot read. The audio is made here by pocket's own
//! synthesized voices (`pocket render`), so these need no system package.

use assert_cmd::Command;
use pocket::audio::Voice;
use pocket::lane::Lane;
use std::path::Path;

fn pocket(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("pocket").expect("the pocket binary");
    c.current_dir(dir)
        .env("POCKET_CONFIG_DIR", dir.join("config"))
        .env("NO_COLOR", "1")
        .env(
            pocket::testdata::HISTORY_VAR,
            pocket::testdata::test_history(),
        );
    c
}

/// Eight bars at 120 BPM: kick on 1 and 3, snare on 2 and 4, hi-hat on every 8th, as onset
/// lines `seconds lane`, every time shifted by `shift_ms`.
fn groove(shift_ms: f64) -> String {
    let mut out = String::new();
    for bar in 0..8 {
        for eighth in 0..8 {
            let t = 1.0 + bar as f64 * 2.0 + eighth as f64 * 0.25 + shift_ms / 1000.0;
            out.push_str(&format!("{t:.6} hihat\n"));
            match eighth {
                0 | 4 => out.push_str(&format!("{t:.6} kick\n")),
                2 | 6 => out.push_str(&format!("{t:.6} snare\n")),
                _ => {}
            }
        }
    }
    out
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("report")).expect("report JSON")
}

#[test]
fn a_stereo_recording_of_two_kits_is_scored_with_the_offsets_put_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("chart.txt"), groove(0.0)).unwrap();
    std::fs::write(d.join("lee.txt"), groove(20.0)).unwrap();
    std::fs::write(d.join("sanae.txt"), groove(-10.0)).unwrap();
    pocket(d)
        .args(["render", "--chart", "chart.txt", "--player", "Lee=lee.txt"])
        .args([
            "--player",
            "Sanae=sanae.txt",
            "-o",
            "duo.wav",
            "--sample-rate",
            "44100",
        ])
        .assert()
        .success();
    pocket(d)
        .args(["score", "--chart", "chart.txt"])
        .args(["--player", "Lee=duo.wav#audio-channel=1"])
        .args([
            "--player",
            "Sanae=duo.wav#audio-channel=2",
            "-o",
            "report.json",
        ])
        .assert()
        .success();
    let report = json(&d.join("report.json"));
    let text = report.to_string();
    assert!(text.contains("transcribed from audio"), "{text}");
    assert!(text.contains("channel 1 of 2") && text.contains("channel 2 of 2"));
    let players = report["players"].as_array().expect("players");
    let mean = |i: usize| -> f64 {
        let p = &players[i];
        p["offset_ms"]["mean"]
            .as_f64()
            .unwrap_or_else(|| panic!("no mean offset in {p}"))
    };
    let (lee, sanae) = (mean(0), mean(1));
    eprintln!("Lee {lee:.2} ms, Sanae {sanae:.2} ms");
    assert!((lee - sanae - 30.0).abs() < 2.0, "Lee {lee}, Sanae {sanae}");
    assert!(
        (lee - 20.0).abs() < 6.0 && (sanae + 10.0).abs() < 6.0,
        "Lee {lee}, Sanae {sanae}"
    );

    // take show and take convert on one channel.
    let show = pocket(d)
        .args(["take", "show", "duo.wav#audio-channel=1"])
        .assert()
        .success();
    let out = String::from_utf8_lossy(&show.get_output().stdout).to_string();
    assert!(
        out.contains("audio recording") && out.contains("kick"),
        "{out}"
    );
    for file in ["lee.mid", "lee-back.txt"] {
        pocket(d)
            .args(["take", "convert", "duo.wav#audio-channel=1", "-o", file])
            .assert()
            .success();
        pocket(d).args(["take", "show", file]).assert().success();
    }
    let listed = std::fs::read_to_string(d.join("lee-back.txt")).unwrap();
    assert!(
        listed.lines().filter(|l| l.contains("kick")).count() >= 12,
        "{listed}"
    );
}

fn write_strokes(path: &Path, lane: Lane) {
    let rate = 44_100;
    let v = Voice::of(lane, None).synthesize(rate);
    let mut audio = vec![0.0f32; rate as usize * 3];
    for k in 0..5 {
        for (i, s) in v.iter().enumerate() {
            if let Some(o) = audio.get_mut(k * rate as usize / 2 + 3000 + i) {
                *o += 0.5 * s;
            }
        }
    }
    pocket::testdata::write_mono_wav16(path, rate, &audio);
}

#[test]
fn a_kit_learned_from_recordings_is_used_with_audio_kit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_strokes(&d.join("kick.wav"), Lane::Kick);
    write_strokes(&d.join("snare.wav"), Lane::Snare);
    pocket(d)
        .args([
            "kit",
            "learn",
            "--audio",
            "kick=kick.wav",
            "--audio",
            "snare=snare.wav",
        ])
        .args(["-o", "mykit.json"])
        .assert()
        .success();
    let kit = std::fs::read_to_string(d.join("mykit.json")).unwrap();
    assert!(
        kit.contains("pocket-audio-kit/1") && kit.contains("\"snare\""),
        "{kit}"
    );
    let show = pocket(d)
        .args(["take", "show", "snare.wav", "--audio-kit", "mykit.json"])
        .assert()
        .success();
    let out = String::from_utf8_lossy(&show.get_output().stdout).to_string();
    assert!(
        out.contains("audio kit mykit") && out.contains("snare"),
        "{out}"
    );
    // A lane pocket does not know is a usage error.
    pocket(d)
        .args([
            "kit",
            "learn",
            "--audio",
            "cowbell=kick.wav",
            "-o",
            "x.json",
        ])
        .assert()
        .code(2);
}

#[test]
fn audio_the_build_cannot_read_is_named_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("chart.txt"), groove(0.0)).unwrap();
    std::fs::write(d.join("lee.flac"), b"fLaC\0\0\0\x22").unwrap();
    let out = pocket(d)
        .args(["score", "--chart", "chart.txt", "--player", "Lee=lee.flac"])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("lee.flac") && err.contains("not audio pocket can decode"),
        "{err}"
    );
    write_strokes(&d.join("mono.wav"), Lane::Kick);
    let out = pocket(d)
        .args(["take", "show", "mono.wav#audio-channel=2"])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("mono.wav") && err.contains("1 channel"),
        "{err}"
    );
    assert!(err.contains("#audio-channel=N"), "{err}");
}
