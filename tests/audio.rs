//! `pocket click`, `pocket render` and `pocket calibrate` end to end: WAV files read back with
//! hound and their onsets checked against the times they stand for, latency profiles saved in a
//! private config directory (POCKET_CONFIG_DIR) and applied by `pocket score`.

use assert_cmd::Command;
use pocket::chart::{Chart, ChartInfo, Note};
use pocket::formats::chart_json;
use pocket::lane::{Dynamic, Lane};
use pocket::tempo::{Tempo, TempoMap, TimeSignature};
use pocket::time::{Nanos, Ticks};
use std::path::{Path, PathBuf};

fn pocket(config: &Path) -> Command {
    let mut c = Command::cargo_bin("pocket").expect("the pocket binary");
    c.env("POCKET_CONFIG_DIR", config).env("NO_COLOR", "1").env(
        pocket::testdata::HISTORY_VAR,
        pocket::testdata::test_history(),
    );
    c
}

/// 133 BPM in 4/4, 97.5 BPM in 7/8 from bar 3: beat times that fall between samples.
fn odd_chart() -> Chart {
    let mut map = TempoMap::new(
        480,
        &[
            (Ticks(0), Tempo::from_bpm(133.0)),
            (Ticks(480 * 8), Tempo::from_bpm(97.5)),
        ],
        TimeSignature::COMMON,
        Ticks(0),
    )
    .expect("tempo map");
    map.add_signature_at_bar(
        3,
        TimeSignature {
            numerator: 7,
            denominator: 8,
        },
    )
    .expect("7/8");
    let notes = [(0, Lane::Kick), (480 * 9 + 240, Lane::Snare)]
        .iter()
        .map(|&(t, lane)| Note {
            time: map.time(Ticks(t)),
            tick: Ticks(t),
            lane,
            articulation: None,
            dynamic: Dynamic::Normal,
        })
        .collect();
    Chart::new(ChartInfo::default(), map, Vec::new(), notes).expect("chart")
}

fn write_chart(dir: &Path, chart: &Chart) -> PathBuf {
    let path = dir.join("chart.json");
    std::fs::write(&path, chart_json::write_chart(chart)).expect("write chart");
    // The chart as the CLI will read it.
    path
}

/// Samples of one channel.
fn read_channel(path: &Path, channel: usize) -> (hound::WavSpec, Vec<i16>) {
    let mut r = hound::WavReader::open(path).expect("a WAV file");
    let spec = r.spec();
    let all: Vec<i16> = r.samples::<i16>().map(|s| s.expect("sample")).collect();
    let ch = usize::from(spec.channels);
    (
        spec,
        all.iter().skip(channel).step_by(ch).copied().collect(),
    )
}

/// Onsets: the first non-zero sample after at least `gap` silent samples (or the start).
fn onsets(samples: &[i16], gap: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut silent = gap;
    for (i, s) in samples.iter().enumerate() {
        if *s == 0 {
            silent += 1;
        } else {
            if silent >= gap {
                out.push(i);
            }
            silent = 0;
        }
    }
    out
}

/// round((t - origin) × rate / 1e9), computed independently of the library.
fn expected_sample(t: Nanos, origin: Nanos, rate: u32) -> i64 {
    let x = (t.0 - origin.0) as f64 * f64::from(rate) / 1e9;
    x.round() as i64
}

fn peak(samples: &[i16], from: usize, len: usize) -> i32 {
    samples[from..(from + len).min(samples.len())]
        .iter()
        .map(|s| i32::from(*s).abs())
        .max()
        .unwrap_or(0)
}

#[test]
fn every_click_starts_within_one_sample_of_its_tempo_map_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let chart = odd_chart();
    let chart_path = write_chart(dir.path(), &chart);
    let chart = pocket::formats::load_chart(
        &chart_path,
        pocket::formats::smf::SmfChartOptions::default(),
    )
    .expect("chart reads back");
    let wav = dir.path().join("click.wav");
    pocket(dir.path())
        .args(["click", "--chart"])
        .arg(&chart_path)
        .arg("-o")
        .arg(&wav)
        .args(["--count-in", "1", "--sample-rate", "44100"])
        .assert()
        .success();
    let (spec, s) = read_channel(&wav, 0);
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (1, 44_100, 16)
    );
    let clicks = pocket::audio::clicks(&chart, 1);
    let origin = clicks[0].time;
    // Count-in 4 + bars 1-2 in 4/4 (8) + bar 3 in 7/8 (holds the snare at tick 4560).
    assert_eq!(clicks.len(), 4 + 8 + 7);
    let found = onsets(&s, 400);
    assert_eq!(found.len(), clicks.len(), "one onset per click: {found:?}");
    for (c, at) in clicks.iter().zip(&found) {
        let want = expected_sample(c.time, origin, 44_100);
        assert!(
            (*at as i64 - want).abs() <= 1,
            "click at {} ns: onset at sample {at}, tempo map says {want}",
            c.time.0
        );
    }
    // Downbeats are accented (louder).
    let accent = peak(&s, found[4], 200);
    let other = peak(&s, found[5], 200);
    assert!(accent > other, "downbeat {accent} vs beat {other}");
}

#[test]
fn the_guide_plays_the_chart_between_the_clicks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let chart = odd_chart();
    let chart_path = write_chart(dir.path(), &chart);
    let wav = dir.path().join("guide.wav");
    pocket(dir.path())
        .args(["click", "--chart"])
        .arg(&chart_path)
        .arg("-o")
        .arg(&wav)
        .arg("--guide")
        .assert()
        .success();
    let (_, s) = read_channel(&wav, 0);
    // The snare on the "and" of a beat at 97.5 BPM, 308 ms from the clicks either side.
    let snare = chart.notes[1].time;
    let want = expected_sample(snare, Nanos::ZERO, 48_000) as usize;
    let found = onsets(&s, 400);
    assert!(
        found.iter().any(|&f| (f as i64 - want as i64).abs() <= 1),
        "no onset at sample {want}: {found:?}"
    );
    // Same input, same file.
    let again = dir.path().join("guide2.wav");
    pocket(dir.path())
        .args(["click", "--chart"])
        .arg(&chart_path)
        .arg("-o")
        .arg(&again)
        .arg("--guide")
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&wav).expect("first"),
        std::fs::read(&again).expect("second"),
        "renders are deterministic"
    );
}

/// A capture log of one player on `port`, hits as (ns from time zero, note, velocity).
fn capture(path: &Path, port: &str, hits: &[(i64, u8, u8)]) {
    let mut text = format!(
        "{{\"format\":\"pocket-capture/1\",\"minor\":0,\"started_at\":\"2026-01-01T00:00:00.000Z\",\"time_zero_ns\":10000000000,\"start_mode\":\"count_in\",\"ports\":[{{\"index\":0,\"name\":\"{port}\"}}],\"players\":[{{\"name\":\"P\",\"port\":0,\"kit\":\"gm\",\"offset_hands_ms\":0.0,\"offset_feet_ms\":0.0}}]}}\n"
    );
    let mut sorted = hits.to_vec();
    sorted.sort();
    for (t, note, vel) in sorted {
        let at = 10_000_000_000 + t;
        text.push_str(&format!(
            "{{\"t\":{at},\"p\":0,\"m\":[153,{note},{vel}]}}\n"
        ));
        text.push_str(&format!(
            "{{\"t\":{},\"p\":0,\"m\":[137,{note},0]}}\n",
            at + 20_000_000
        ));
    }
    std::fs::write(path, text).expect("write capture");
}

#[test]
fn a_duo_render_puts_each_player_on_a_side_at_the_right_samples() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a_hits = [
        (500_000_123, 38, 120),
        (2_000_000_000, 36, 100),
        (3_500_010_417, 42, 40),
    ];
    let b_hits = [(1_000_000_000, 38, 60), (2_700_020_833, 36, 127)];
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    capture(&a, "Kit A", &a_hits);
    capture(&b, "Kit B", &b_hits);
    let wav = dir.path().join("duo.wav");
    pocket(dir.path())
        .args(["render", "--player"])
        .arg(format!("A={}", a.display()))
        .arg("--player")
        .arg(format!("B={}", b.display()))
        .args(["--offset-ms", "B=0,10"])
        .arg("-o")
        .arg(&wav)
        .assert()
        .success();
    let (spec, left) = read_channel(&wav, 0);
    let (_, right) = read_channel(&wav, 1);
    assert_eq!((spec.channels, spec.sample_rate), (2, 48_000));
    let want = |hits: &[(i64, u8, u8)], feet_ms: i64| -> Vec<i64> {
        hits.iter()
            .map(|&(t, note, _)| {
                let off = if note == 36 { feet_ms * 1_000_000 } else { 0 };
                expected_sample(Nanos(t - off), Nanos::ZERO, 48_000)
            })
            .collect()
    };
    for (name, got, want) in [
        ("left", onsets(&left, 400), want(&a_hits, 0)),
        ("right", onsets(&right, 400), want(&b_hits, 10)),
    ] {
        assert_eq!(got.len(), want.len(), "{name}: {got:?} vs {want:?}");
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (*g as i64 - w).abs() <= 1,
                "{name}: onset {g}, expected {w}"
            );
        }
    }
    // Velocity is gain: B's kick at 127 is louder than A's kick at 100, the quiet hat quietest.
    let (lo, ro) = (onsets(&left, 400), onsets(&right, 400));
    let a_kick = peak(&left, lo[1], 2000);
    let b_kick = peak(&right, ro[1], 2000);
    assert!(b_kick > a_kick, "kick at 127 {b_kick} vs at 100 {a_kick}");
    let ratio = f64::from(a_kick) / f64::from(b_kick);
    assert!((ratio - 100.0 / 127.0).abs() < 0.02, "gain ratio {ratio}");
    let hat = peak(&left, lo[2], 2000);
    assert!(hat < a_kick, "hat at 40 {hat}");
}

/// Quarter notes at 120 BPM, snare and kick together.
fn quarters_chart() -> Chart {
    let map = TempoMap::constant(480, Tempo::from_bpm(120.0), TimeSignature::COMMON).expect("map");
    let mut notes = Vec::new();
    for k in 0..24 {
        for lane in [Lane::Snare, Lane::Kick] {
            notes.push(Note {
                time: map.time(Ticks(k * 480)),
                tick: Ticks(k * 480),
                lane,
                articulation: None,
                dynamic: Dynamic::Normal,
            });
        }
    }
    Chart::new(ChartInfo::default(), map, Vec::new(), notes).expect("chart")
}

#[test]
fn calibrate_from_a_take_saves_a_profile_that_score_applies() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config");
    let chart_path = write_chart(dir.path(), &quarters_chart());
    let mut hits = Vec::new();
    for k in 0..24i64 {
        let jitter = [0, 2_000_000, -2_000_000][(k % 3) as usize];
        // Snare 12 ms late with one wild hit; kick 6 ms early.
        let hand = if k == 5 {
            150_000_000
        } else {
            12_000_000 + jitter
        };
        hits.push((k * 500_000_000 + hand, 38, 100));
        hits.push((k * 500_000_000 - 6_000_000 + jitter, 36, 100));
    }
    let take = dir.path().join("take.jsonl");
    capture(&take, "Some Kit MIDI 1", &hits);
    let out = pocket(&config)
        .args(["calibrate", "--chart"])
        .arg(&chart_path)
        .arg("--player")
        .arg(format!("Lee={}", take.display()))
        .args(["--save-latency", "Some Kit MIDI 1"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("add 12.0 ms to the hands offset"), "{text}");
    assert!(
        text.contains("subtract 6.0 ms from the feet offset"),
        "{text}"
    );
    assert!(text.contains("kit plus the player"), "{text}");
    let saved = std::fs::read_to_string(config.join("latency.json")).expect("profile saved");
    assert!(
        saved.contains("\"hands_ms\": 12.0") && saved.contains("\"feet_ms\": -6.0"),
        "{saved}"
    );

    // The take's port has a profile now: score applies it and says so in the settings.
    let report = dir.path().join("r.json");
    let done = pocket(&config)
        .args(["score", "--chart"])
        .arg(&chart_path)
        .arg("--player")
        .arg(format!("Lee={}", take.display()))
        .arg("-o")
        .arg(&report)
        .assert()
        .success();
    let err = String::from_utf8_lossy(&done.get_output().stderr).into_owned();
    assert!(err.contains("latency profile \"Some Kit MIDI 1\""), "{err}");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("json");
    let s = &r["settings"]["players"][0];
    assert_eq!(s["latency_profile"], "Some Kit MIDI 1");
    assert_eq!(
        (s["offset_hands_ms"].as_f64(), s["offset_feet_ms"].as_f64()),
        (Some(12.0), Some(-6.0))
    );
    assert!(r["players"][0]["offset_ms"]["median"]
        .as_f64()
        .is_some_and(|m| m.abs() < 1.0));

    // --offset-ms overrides the profile.
    pocket(&config)
        .args(["score", "--chart"])
        .arg(&chart_path)
        .arg("--player")
        .arg(format!("Lee={}", take.display()))
        .args(["--offset-ms", "Lee=1", "-o"])
        .arg(&report)
        .assert()
        .success();
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("json");
    let s = &r["settings"]["players"][0];
    assert!(s.get("latency_profile").is_none(), "{s}");
    assert_eq!(s["offset_feet_ms"].as_f64(), Some(1.0));

    // An unknown profile is an error that lists the saved ones.
    let done = pocket(&config)
        .args(["score", "--chart"])
        .arg(&chart_path)
        .arg("--player")
        .arg(format!("Lee={}", take.display()))
        .args(["--latency-profile", "Nitro"])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&done.get_output().stderr).into_owned();
    assert!(err.contains("Some Kit MIDI 1"), "{err}");
}

#[test]
fn tap_calibration_through_the_live_path_with_a_replay() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config");
    // 240 BPM, 2 bars of listening and 2 of tapping: clicks every 250 ms from -4 s to -0.25 s.
    let beat = 250_000_000i64;
    let mut hits = Vec::new();
    for k in 8..16i64 {
        let click = -4_000_000_000 + k * beat;
        hits.push((click + 9_000_000, 38, 100));
        hits.push((click + 15_000_000, 36, 100));
    }
    // Off the grid by more than a quarter beat: dropped.
    hits.push((-4_000_000_000 + 10 * beat + 110_000_000, 38, 100));
    let cap = dir.path().join("taps.jsonl");
    capture(&cap, "TD-17 MIDI 1", &hits);
    let session = dir.path().join("session");
    let out = pocket(&config)
        .args(["calibrate", "--replay"])
        .arg(format!("Lee={}", cap.display()))
        .args([
            "--bpm",
            "240",
            "--bars",
            "2",
            "--save-latency",
            "td17",
            "-o",
        ])
        .arg(&session)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("16 clicks"), "{text}");
    assert!(text.contains("8 hits used, 1 dropped"), "{text}");
    let store = pocket::latency::LatencyProfiles::open(config.join("latency.json")).expect("saved");
    let (_, p) = store.get("td17").expect("the profile");
    // The replay runs in real time through the capture clock: allow its scheduling jitter.
    assert!((p.hands_ms - 9.0).abs() < 2.0, "hands {}", p.hands_ms);
    assert!((p.feet_ms - 15.0).abs() < 2.0, "feet {}", p.feet_ms);
    assert!(
        session.join("capture.jsonl").exists(),
        "the capture is kept"
    );
}
