//! The backing folder as a whole, on small audio the tests write themselves.

use super::decode::Decoder;
use super::feed::{chain, Settings, Slice};
use super::plan::Plan;
use super::resample::Resample;
use super::stream::Frames;
use super::stretch::Stretch;
use super::BackingError;
use crate::time::Nanos;
use std::path::PathBuf;

use crate::testdata::write_mono_wav16 as wav;

/// `seconds` of silence at `rate` with a one-sample click at each of `clicks_s`.
fn clicks(rate: u32, seconds: f64, clicks_s: &[f64]) -> Vec<f32> {
    let mut v = vec![0.0f32; (seconds * f64::from(rate)) as usize];
    for c in clicks_s {
        v[(c * f64::from(rate)).round() as usize] = 0.9;
    }
    v
}

/// Pulls everything from a stage.
fn drain(frames: &mut dyn Frames) -> (Vec<f32>, Vec<f32>) {
    let (mut l, mut r) = (Vec::new(), Vec::new());
    while frames.pull(&mut l, &mut r, 4096).unwrap() > 0 {}
    (l, r)
}

/// The peak (largest |x|) within `radius` frames of `around`, as a fractional frame
/// (parabolic interpolation around the largest sample).
fn peak_near(x: &[f32], around: f64, radius: usize) -> f64 {
    let c = around.round() as usize;
    let lo = c.saturating_sub(radius);
    let hi = (c + radius).min(x.len() - 1);
    let i = (lo..=hi)
        .max_by(|a, b| x[*a].abs().total_cmp(&x[*b].abs()))
        .unwrap();
    if i == 0 || i + 1 >= x.len() {
        return i as f64;
    }
    let (a, b, c) = (x[i - 1].abs(), x[i].abs(), x[i + 1].abs());
    let den = a - 2.0 * b + c;
    let shift = if den.abs() > 1e-12 {
        0.5 * (a - c) / den
    } else {
        0.0
    };
    i as f64 + f64::from(shift)
}

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn a_wav_decodes_frame_for_frame() {
    let d = dir();
    let p = d.path().join("ramp.wav");
    let samples: Vec<f32> = (0..5000).map(|i| (i % 100) as f32 / 200.0).collect();
    wav(&p, 22_050, &samples);
    let mut dec = Decoder::open(&p).unwrap();
    assert_eq!(dec.rate(), 22_050);
    let (mut l, mut r) = (Vec::new(), Vec::new());
    while dec.read(&mut l, &mut r, 777).unwrap() > 0 {}
    assert_eq!(l.len(), 5000, "every frame, no more");
    assert_eq!(l, r, "mono plays on both sides");
    for (i, (got, want)) in l.iter().zip(&samples).enumerate() {
        assert!(
            (got - want).abs() < 1.0 / 16_000.0,
            "frame {i}: {got} vs {want}"
        );
    }
}

#[test]
fn resampling_44k1_to_48k_keeps_each_click_within_a_sample() {
    let d = dir();
    let p = d.path().join("clicks.wav");
    let at = [0.25, 1.0, 1.7371];
    wav(&p, 44_100, &clicks(44_100, 2.5, &at));
    let plan = Plan::file(&p);
    let (mut frames, timing) = chain(&plan, &Settings::new(48_000)).unwrap();
    assert!(
        timing.resampler_delay_frames > 0,
        "44.1 to 48 kHz has a delay"
    );
    let (l, _) = drain(frames.as_mut());
    let expected_len = timing.resampler_delay_frames + (2.5f64 * 48_000.0).ceil() as usize;
    assert!(
        (l.len() as i64 - expected_len as i64).abs() <= 1,
        "{} frames, expected {expected_len}",
        l.len()
    );
    for c in at {
        // The click as written: its frame at 44.1 kHz, moved to 48 kHz.
        let written = (c * 44_100.0f64).round() / 44_100.0;
        let expected = timing.frame_of(Nanos((written * 1e9) as i64));
        let found = peak_near(&l, expected, 200);
        assert!(
            (found - expected).abs() < 1.0,
            "click at {c} s: found at frame {found:.2}, expected {expected:.2}"
        );
    }
}

#[test]
fn the_same_rate_passes_through_untouched() {
    let d = dir();
    let p = d.path().join("clicks.wav");
    wav(&p, 48_000, &clicks(48_000, 1.0, &[0.5]));
    let (mut frames, timing) = chain(&Plan::file(&p), &Settings::new(48_000)).unwrap();
    assert_eq!(timing.chart_zero_frame, 0.0);
    assert_eq!(timing.resampler_delay_frames, 0);
    let (l, _) = drain(frames.as_mut());
    assert_eq!(l.len(), 48_000);
    assert!(l[24_000] > 0.89 && l[23_999] == 0.0 && l[24_001] == 0.0);
}

#[test]
fn song_folder_stems_leave_the_drums_out_unless_asked() {
    let d = dir();
    for name in [
        "song.ogg",
        "guitar.OGG",
        "bass.mp3",
        "drums.ogg",
        "drums_2.ogg",
        "crowd.wav",
        "preview.ogg",
        "notes.chart",
        "song.opus",
        "album.png",
    ] {
        std::fs::write(d.path().join(name), b"x").unwrap();
    }
    let names = |plan: &Plan| -> Vec<String> {
        plan.stems
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    let plan = Plan::song_folder(d.path(), false).unwrap();
    assert_eq!(
        names(&plan),
        ["song.ogg", "guitar.OGG", "bass.mp3", "crowd.wav"],
        "every stem once (song.ogg preferred to song.opus), no preview, no drums"
    );
    assert_eq!(plan.left_out.len(), 2);
    assert_eq!(plan.audio_start, Nanos(0));
    let with_drums = Plan::song_folder(d.path(), true).unwrap();
    assert_eq!(
        names(&with_drums),
        [
            "song.ogg",
            "guitar.OGG",
            "bass.mp3",
            "crowd.wav",
            "drums.ogg",
            "drums_2.ogg"
        ]
    );
    // A chart file inside a folder with song.ini names the folder's stems.
    std::fs::write(d.path().join("song.ini"), "[song]\ndelay = 250\n").unwrap();
    let from_chart = Plan::for_chart(&d.path().join("notes.chart"), false)
        .unwrap()
        .unwrap();
    assert_eq!(names(&from_chart), names(&plan));
}

#[test]
fn a_folder_of_only_drums_says_they_were_left_out() {
    let d = dir();
    std::fs::write(d.path().join("drums.ogg"), b"x").unwrap();
    let err = Plan::song_folder(d.path(), false).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            BackingError::NoAudio {
                drums_left_out: true,
                ..
            }
        ),
        "{msg}"
    );
    assert!(
        msg.contains("no audio to play") && msg.contains("drum stems are left out"),
        "{msg}"
    );
    assert!(msg.contains(&d.path().display().to_string()), "{msg}");
}

#[test]
fn dtx_background_music_starts_at_its_channel_01_chip() {
    let d = dir();
    // 120 BPM: a 4/4 measure is 2 s. The BGM chip is the second of four in measure 001:
    // 2 s + 0.5 s. A sound chip (#WAV02) on channel 01 earlier is not the BGM.
    let dtx = "#TITLE: t\n#BPM: 120\n#WAV01: bgm song.ogg\n#WAV02: hh.wav\n#BGMWAV: 01\n\
               #00001: 02\n#00101: 00010000\n#00011: 01010101\n";
    let chart = d.path().join("song.dtx");
    std::fs::write(&chart, dtx).unwrap();
    let plan = Plan::dtx(&chart).unwrap();
    assert_eq!(plan.audio_start, Nanos(2_500_000_000));
    assert_eq!(plan.stems, vec![d.path().join("bgm song.ogg")]);
    // Without #BGMWAV the first channel-01 chip is the music.
    std::fs::write(&chart, dtx.replace("#BGMWAV: 01\n", "")).unwrap();
    let plan = Plan::dtx(&chart).unwrap();
    assert_eq!(plan.audio_start, Nanos(0));
    assert_eq!(plan.stems, vec![d.path().join("hh.wav")]);
    // The chart itself is unchanged by its channel 01.
    let with = crate::formats::dtx::read_chart(&chart).unwrap();
    std::fs::write(&chart, "#TITLE: t\n#BPM: 120\n#00011: 01010101\n").unwrap();
    let without = crate::formats::dtx::read_chart(&chart).unwrap();
    assert_eq!(with.notes, without.notes);
}

#[test]
fn a_dtx_chip_without_its_sample_names_the_line() {
    let d = dir();
    let chart = d.path().join("song.dtx");
    std::fs::write(&chart, "#BPM: 120\n#00011: 01\n#00101: 07\n").unwrap();
    let msg = Plan::dtx(&chart).unwrap_err().to_string();
    assert!(
        msg.contains("song.dtx") && msg.contains("line 3") && msg.contains("#WAV07"),
        "{msg}"
    );
    assert_eq!(
        msg.matches("song.dtx").count(),
        1,
        "the file is named once: {msg}"
    );
}

#[test]
fn audio_that_starts_after_chart_zero_is_placed_there() {
    let d = dir();
    let p = d.path().join("bgm.wav");
    wav(&p, 48_000, &clicks(48_000, 1.0, &[0.0, 0.5]));
    let mut plan = Plan::file(&p);
    plan.audio_start = Nanos(250_000_000);
    let (mut frames, timing) = chain(&plan, &Settings::new(48_000)).unwrap();
    let (l, _) = drain(frames.as_mut());
    // The file's first sample sounds at chart time 0.25 s.
    assert_eq!(timing.frame_of(Nanos(250_000_000)), 12_000.0);
    assert!(l[12_000] > 0.89 && l[36_000] > 0.89);
    assert_eq!(l.len(), 12_000 + 48_000);
}

#[test]
fn a_slice_plays_its_part_and_loops_exactly() {
    let d = dir();
    let p = d.path().join("clicks.wav");
    wav(&p, 44_100, &clicks(44_100, 4.0, &[1.0, 1.5, 2.0, 3.0]));
    let mut settings = Settings::new(48_000);
    settings.slice = Some(Slice {
        start: Nanos(1_000_000_000),
        end: Some(Nanos(2_000_000_000)),
        passes: 3,
    });
    let (mut frames, timing) = chain(&Plan::file(&p), &settings).unwrap();
    let pass = timing.pass_frames.expect("a loop has a period");
    assert!((pass - 48_000.0).abs() < 1e-9, "{pass}");
    let (l, _) = drain(frames.as_mut());
    for k in 0..3 {
        for c in [1.0, 1.5] {
            let expected = timing.frame_of(Nanos((c * 1e9) as i64)) + k as f64 * pass;
            let found = peak_near(&l, expected, 100);
            assert!(
                (found - expected).abs() < 1.0,
                "pass {k}, click {c}: {found} vs {expected}"
            );
        }
        // The click at 2.0 s is the end of the slice: not played.
        let after = timing.frame_of(Nanos(1_800_000_000)) + k as f64 * pass;
        assert!(l[after as usize..after as usize + 4000]
            .iter()
            .all(|x| x.abs() < 0.05));
    }
}

/// A synthetic source: a stereo sine of `hz` with a click every `every` frames.
struct Synth {
    rate: u32,
    hz: f64,
    every: u64,
    at: u64,
    len: u64,
}

impl Frames for Synth {
    fn pull(
        &mut self,
        left: &mut Vec<f32>,
        right: &mut Vec<f32>,
        want: usize,
    ) -> Result<usize, BackingError> {
        let n = (want as u64).min(self.len - self.at);
        for i in self.at..self.at + n {
            let t = i as f64 / f64::from(self.rate);
            let mut v = if self.hz > 0.0 {
                0.3 * (std::f64::consts::TAU * self.hz * t).sin()
            } else {
                0.0
            };
            if self.every > 0 && i % self.every == 0 {
                v = 0.9;
            }
            left.push(v as f32);
            right.push(v as f32);
        }
        self.at += n;
        Ok(n as usize)
    }
}

/// Positive-going zero crossings per second over `x`.
fn frequency(x: &[f32], rate: u32) -> f64 {
    let crossings = x.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
    crossings as f64 * f64::from(rate) / x.len() as f64
}

#[test]
fn a_practice_tempo_keeps_the_pitch_and_scales_the_duration() {
    let rate = 48_000;
    for tempo in [0.8, 0.5, 1.25] {
        let src = Synth {
            rate,
            hz: 440.0,
            every: 0,
            at: 0,
            len: 2 * 48_000,
        };
        let mut s = Stretch::new(src, rate, tempo).unwrap();
        let (l, _) = drain(&mut s);
        let expected = (96_000.0 / tempo).round() as usize;
        assert_eq!(
            l.len(),
            expected,
            "tempo {tempo}: the duration scales by 1/tempo"
        );
        let mid = &l[l.len() / 4..3 * l.len() / 4];
        let f = frequency(mid, rate);
        assert!(
            (f - 440.0).abs() < 440.0 * 0.01,
            "tempo {tempo}: pitch {f:.1} Hz, not 440"
        );
    }
}

#[test]
fn a_stretched_click_lands_at_its_scaled_time_within_the_tolerance() {
    let rate = 48_000;
    let tempo = 0.8;
    let src = Synth {
        rate,
        hz: 0.0,
        every: 24_000,
        at: 0,
        len: 10 * 48_000,
    };
    let mut s = Stretch::new(src, rate, tempo).unwrap();
    let tol = s.tolerance_frames() as f64;
    let (l, _) = drain(&mut s);
    for k in 1..20u64 {
        let expected = (k * 24_000) as f64 / tempo;
        let found = peak_near(&l, expected, 2 * tol as usize + 100);
        assert!(
            (found - expected).abs() <= tol + 1.0,
            "click {k}: at {found}, expected {expected} ± {tol}"
        );
        assert!(l[found.round() as usize].abs() > 0.3, "click {k} is heard");
    }
}

#[test]
fn no_drift_over_a_ten_minute_song() {
    // 10 minutes of clicks, one a second, resampled by 160/147 (44.1 -> 48 kHz; at a tenth
    // of those rates, so that the test runs in seconds unoptimised): the last click sits
    // where the first one says, to within half a sample.
    let (rate_in, rate_out) = (4_410u64, 4_800u64);
    let len = 600 * rate_in + rate_in / 2;
    let src = Synth {
        rate: rate_in as u32,
        hz: 0.0,
        every: rate_in,
        at: 0,
        len,
    };
    let mut r =
        Resample::new(src, PathBuf::from("synth"), rate_in as u32, rate_out as u32).unwrap();
    let delay = r.delay_frames() as f64;
    let (mut l, mut right) = (Vec::new(), Vec::new());
    // A simulated output clock of 256-frame periods; only the last few thousand frames are
    // kept (from absolute frame `base`), so memory stays small.
    let mut window: Vec<f32> = Vec::new();
    let mut base = 0u64;
    let mut frames_seen = 0u64;
    let mut checked = 0;
    let mut pending: Vec<u64> = vec![1, 60, 300, 599, 600];
    loop {
        l.clear();
        right.clear();
        let n = r.pull(&mut l, &mut right, 256).unwrap();
        if n == 0 {
            break;
        }
        frames_seen += n as u64;
        window.extend_from_slice(&l);
        pending.retain(|&k| {
            let expected = delay + (k * rate_out) as f64;
            let e = expected.round() as u64;
            if e + 4 >= frames_seen {
                return true;
            }
            let found = base as f64 + peak_near(&window, (e - base) as f64, 2);
            assert!(
                (found - expected).abs() < 0.5,
                "click at {k} s: frame {found:.3}, expected {expected}"
            );
            checked += 1;
            false
        });
        if window.len() > 8192 {
            let drop = window.len() - 4096;
            window.drain(..drop);
            base += drop as u64;
        }
    }
    assert_eq!(checked, 5, "every checked click was found");
    assert_eq!(
        frames_seen,
        delay as u64 + (len * rate_out).div_ceil(rate_in)
    );
}

#[test]
fn bad_files_are_errors_naming_them() {
    let d = dir();
    let missing = d.path().join("missing.ogg");
    let msg = Decoder::open(&missing).unwrap_err().to_string();
    assert!(
        msg.contains("missing.ogg") && msg.contains("cannot read"),
        "{msg}"
    );

    let empty = d.path().join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    let msg = Decoder::open(&empty).unwrap_err().to_string();
    assert!(msg.contains("empty.wav") && msg.contains("empty"), "{msg}");

    let garbage = d.path().join("noise.mp3");
    std::fs::write(&garbage, vec![0x5Au8; 5000]).unwrap();
    let msg = Decoder::open(&garbage).unwrap_err().to_string();
    assert!(
        msg.contains("noise.mp3") && msg.contains("not audio pocket can decode"),
        "{msg}"
    );

    let opus = d.path().join("song.opus");
    std::fs::write(&opus, b"OggS\0\x02garbage-not-really-opus").unwrap();
    let msg = Decoder::open(&opus).unwrap_err().to_string();
    assert!(msg.contains("song.opus") && msg.contains("Opus"), "{msg}");
    if !cfg!(feature = "opus") {
        assert!(msg.contains("`opus` feature"), "names the feature: {msg}");
    }

    // A WAV cut short: it reads up to the cut and then says so.
    let whole = d.path().join("whole.wav");
    wav(&whole, 48_000, &clicks(48_000, 1.0, &[0.5]));
    let bytes = std::fs::read(&whole).unwrap();
    let cut = d.path().join("cut.wav");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let (mut frames, _) = chain(&Plan::file(&cut), &Settings::new(48_000)).unwrap();
    let (mut l, mut r) = (Vec::new(), Vec::new());
    let err = loop {
        match frames.pull(&mut l, &mut r, 4096) {
            Ok(0) => panic!("a truncated file ends without an error"),
            Ok(_) => {}
            Err(e) => break e,
        }
    };
    let msg = err.to_string();
    assert!(
        msg.contains("cut.wav") && msg.contains("truncated"),
        "{msg}"
    );
}

#[test]
fn the_count_in_ends_where_chart_zero_is_heard_after_the_resamplers_delay() {
    let d = dir();
    let p = d.path().join("clicks.wav");
    wav(&p, 44_100, &clicks(44_100, 2.0, &[0.0, 1.0]));
    // Two beats of count-in at 48 kHz (beats of 24 000 frames): impulses 2 and 1 beats
    // before the lead-in's end.
    let mut settings = Settings::new(48_000);
    settings.lead_in = vec![0.0; 48_000];
    settings.lead_in[0] = -0.5;
    settings.lead_in[24_000] = -0.5;
    let (mut frames, timing) = chain(&Plan::file(&p), &settings).unwrap();
    assert!(timing.resampler_delay_frames > 0);
    let (l, r) = drain(frames.as_mut());
    assert_eq!(l, r);
    let zero = timing.frame_of(Nanos::ZERO);
    assert!(
        (zero - 48_000.0 - timing.resampler_delay_frames as f64).abs() < 1.0,
        "chart zero at {zero}"
    );
    // Each count-in click sits a whole number of beats before chart zero as heard, to the
    // rounded frame, and the song's click at 0 s is at chart zero.
    for beats in [2.0, 1.0] {
        let at = (zero - beats * 24_000.0).round() as usize;
        assert_eq!(
            l[at], -0.5,
            "the click {beats} beats before zero, at frame {at}"
        );
    }
    let song = peak_near(&l, zero, 100);
    assert!(
        (song - zero).abs() < 1.0,
        "song click at {song}, zero {zero}"
    );
    assert!(
        l[..(zero - 24_000.0) as usize - 10]
            .iter()
            .filter(|x| **x != 0.0)
            .count()
            == 1
    );
}
