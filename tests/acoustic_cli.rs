//! Audio takes end to end through the binary: a stereo render of two takes (one kit per
//! channel) scored against the chart, `take show` / `take convert`, `kit learn --audio`, and
//! the messages for audio the build cannot read; compressed takes (FLAC, Ogg Vorbis, MP3) against
//! the WAV they were encoded from. The audio is made here by pocket's own synthesized voices
//! (`pocket render`), so these need no system package but the encoders of the compressed
//! formats (skipped without them).

use assert_cmd::Command;
use pocket::audio::Voice;
use pocket::lane::Lane;
use pocket::transcribe::{transcribe_file, AudioKit, ChannelChoice, Settings, Transcription};
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
    render_duo(d);
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

// ---------------------------------------------------------------------------------------------
// Compressed audio takes (FLAC, Ogg Vorbis, MP3) read through the backing decoder: the stereo
// render is encoded by the reference encoders (`flac`, `oggenc`, `lame`; Debian packages flac,
// vorbis-tools, lame) and transcribed like the WAV. FLAC is lossless: its hits must equal the
// WAV's exactly. The lossy codecs must give 95 % of the same hits (same lane, within 1 ms),
// each way. Without an encoder the format is skipped with a `SKIPPED` line, unless
// `POCKET_REQUIRE_AUDIO=1` (set in CI). Bad input (not audio, truncated) needs no encoder.

/// A stereo 16-bit WAV at 44.1 kHz, `duo.wav`: Lee's groove 20 ms late on channel 1, Sanae's
/// 10 ms early on channel 2.
fn render_duo(d: &Path) {
    std::fs::write(d.join("chart.txt"), groove(0.0)).unwrap();
    std::fs::write(d.join("lee.txt"), groove(20.0)).unwrap();
    std::fs::write(d.join("sanae.txt"), groove(-10.0)).unwrap();
    pocket(d)
        .args(["render", "--chart", "chart.txt", "--player", "Lee=lee.txt"])
        .args(["--player", "Sanae=sanae.txt", "-o", "duo.wav"])
        .args(["--sample-rate", "44100"])
        .assert()
        .success();
}

fn transcribe(path: &Path, channel: u16) -> Transcription {
    transcribe_file(
        path,
        ChannelChoice::Channel(channel),
        Settings::default(),
        &AudioKit::builtin(),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs an encoder; `false` (after a `SKIPPED` line) when it is not installed.
fn encode(program: &str, args: &[&str], dir: &Path) -> bool {
    match std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
    {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{program} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            true
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            pocket::testdata::skip(&format!("{program} is not installed: {e}"));
            assert!(
                std::env::var("POCKET_REQUIRE_AUDIO").as_deref() != Ok("1"),
                "POCKET_REQUIRE_AUDIO=1 but {program} is not installed"
            );
            false
        }
        Err(e) => panic!("cannot run {program}: {e}"),
    }
}

/// (sample, lane) of every hit.
fn hits(tr: &Transcription) -> Vec<(u64, pocket::lane::Lane)> {
    tr.hits.iter().map(|h| (h.sample, h.lane)).collect()
}

#[test]
fn flac_ogg_and_mp3_takes_give_the_hits_of_the_wav_on_each_channel() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    render_duo(d);
    let encoders: [(&str, &str, &[&str]); 3] = [
        (
            "duo.flac",
            "flac",
            &["--silent", "-o", "duo.flac", "duo.wav"],
        ),
        (
            "duo.ogg",
            "oggenc",
            &["--quiet", "-q", "8", "-o", "duo.ogg", "duo.wav"],
        ),
        (
            "duo.mp3",
            "lame",
            &["--quiet", "-b", "320", "duo.wav", "duo.mp3"],
        ),
    ];
    for channel in [1u16, 2] {
        let wav = transcribe(&d.join("duo.wav"), channel);
        // The detector's accuracy is measured elsewhere; here the strokes only need to be heard.
        assert!(
            wav.hits.len() >= 48,
            "{} hits on channel {channel}",
            wav.hits.len()
        );
        for (file, program, args) in encoders {
            if !d.join(file).exists() && !encode(program, args, d) {
                continue;
            }
            let tr = transcribe(&d.join(file), channel);
            assert_eq!(tr.sample_rate, wav.sample_rate, "{file}");
            assert_eq!(tr.channels, 2, "{file}");
            assert!(
                tr.describe().contains(&format!("channel {channel} of 2")),
                "{}",
                tr.describe()
            );
            if file.ends_with(".flac") {
                assert_eq!(tr.frames, wav.frames, "{file}: lossless, every frame");
                assert_eq!(hits(&tr), hits(&wav), "{file}: lossless, the same hits");
                assert!(tr.describe().contains("flac"), "{}", tr.describe());
                continue;
            }
            // Lossy: the same strokes, in the same lanes, within 1 ms. The codec's noise may
            // tip a stroke that sits on the edge of the classifier's threshold (a second
            // template's share near `relative_activation`), so 95 % of the hits must agree each
            // way.
            let agree = |a: &Transcription, b: &Transcription| {
                a.hits
                    .iter()
                    .filter(|x| {
                        b.hits
                            .iter()
                            .any(|y| y.lane == x.lane && (y.time.0 - x.time.0).abs() <= 1_000_000)
                    })
                    .count() as f64
                    / a.hits.len() as f64
            };
            let (found, kept) = (agree(&wav, &tr), agree(&tr, &wav));
            eprintln!("{file} channel {channel}: {found:.3} of the WAV's hits found, {kept:.3} of its own in the WAV");
            assert!(
                found >= 0.95 && kept >= 0.95,
                "{file} channel {channel}: {found} {kept}"
            );
        }
    }
    if d.join("duo.flac").exists() {
        // Through the binary: the report of the FLAC equals the WAV's but for the file's name
        // and its encoding in the kit line.
        let score = |file: &str, out: &str| {
            pocket(d)
                .args(["score", "--chart", "chart.txt"])
                .args(["--player", &format!("Lee={file}#audio-channel=1")])
                .args(["--player", &format!("Sanae={file}#audio-channel=2")])
                .args(["-o", out])
                .assert()
                .success();
            let v: serde_json::Value =
                serde_json::from_slice(&std::fs::read(d.join(out)).unwrap()).unwrap();
            for p in v["settings"]["players"]
                .as_array()
                .expect("player settings")
            {
                let kit = p["kit"].as_str().unwrap_or_default();
                assert!(kit.contains("transcribed from audio"), "{kit}");
            }
            serde_json::to_string(&v["players"])
                .unwrap()
                .replace(file, "FILE")
        };
        let from_wav = score("duo.wav", "wav.json");
        let from_flac = score("duo.flac", "flac.json");
        assert_eq!(from_flac, from_wav, "the FLAC's report is the WAV's");
        let players: serde_json::Value = serde_json::from_str(&from_flac).unwrap();
        let lee = players[0]["offset_ms"]["mean"]
            .as_f64()
            .expect("Lee's mean offset");
        assert!((lee - 20.0).abs() < 2.0, "Lee 20 ms late: {lee}");
    }
}

#[test]
fn compressed_audio_that_cannot_be_read_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let settings = Settings::default();
    let kit = AudioKit::builtin();
    let err = |file: &str| -> String {
        transcribe_file(&d.join(file), ChannelChoice::Mix, settings, &kit)
            .expect_err(file)
            .to_string()
    };
    std::fs::write(d.join("lee.flac"), b"fLaC\0\0\0\x22").unwrap();
    let e = err("lee.flac");
    assert!(
        e.contains("lee.flac") && e.contains("not audio pocket can decode"),
        "{e}"
    );
    std::fs::write(d.join("noise.mp3"), vec![0x5Au8; 5000]).unwrap();
    let e = err("noise.mp3");
    assert!(
        e.contains("noise.mp3") && e.contains("not audio pocket can decode"),
        "{e}"
    );
    std::fs::write(d.join("empty.ogg"), b"").unwrap();
    let e = err("empty.ogg");
    assert!(e.contains("empty.ogg") && e.contains("empty"), "{e}");
    let e = err("missing.flac");
    assert!(
        e.contains("missing.flac") && e.contains("cannot read"),
        "{e}"
    );
}

#[test]
fn a_truncated_flac_is_transcribed_up_to_the_cut_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    render_duo(d);
    if !encode("flac", &["--silent", "-o", "duo.flac", "duo.wav"], d) {
        return;
    }
    let whole = std::fs::read(d.join("duo.flac")).unwrap();
    std::fs::write(d.join("cut.flac"), &whole[..whole.len() / 2]).unwrap();
    let full = transcribe(&d.join("duo.flac"), 1);
    let cut = transcribe(&d.join("cut.flac"), 1);
    let warning = cut.warnings.join("\n");
    assert!(
        warning.contains("cut.flac") && warning.contains("truncated"),
        "{warning:?}"
    );
    assert!(cut.frames < full.frames && cut.frames > full.frames / 4);
    // Every hit well before the cut is the full file's hit.
    let before = |tr: &Transcription| -> Vec<(u64, pocket::lane::Lane)> {
        let edge = cut.frames.saturating_sub(cut.sample_rate as u64);
        hits(tr).into_iter().filter(|h| h.0 < edge).collect()
    };
    assert!(!before(&cut).is_empty());
    assert_eq!(before(&cut), before(&full));
}
