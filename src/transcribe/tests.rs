//! The folder as a whole: streaming equals offline, bad input, channels and sync, learning.

use super::kit::{group, AudioKit};
use super::read::ChannelChoice;
use super::settings::{AudioHit, Settings};
use super::{learn, sync_on_first_onset, transcribe_file, Streaming};
use crate::audio::Voice;
use crate::error::InputErrorKind;
use crate::lane::{Articulation, Lane};
use crate::time::Nanos;
use std::path::{Path, PathBuf};

/// pocket's own synthesized voices placed at known samples: kick and hi-hat together, snare,
/// hi-hat, every 250 ms, at `rate`.
fn groove(rate: u32, seconds: f64) -> (Vec<f32>, Vec<u64>) {
    let mut out = vec![0.0f32; (seconds * f64::from(rate)) as usize];
    let kick = Voice::of(Lane::Kick, None).synthesize(rate);
    let snare = Voice::of(Lane::Snare, None).synthesize(rate);
    let hat = Voice::of(Lane::Hihat, Some(Articulation::Closed)).synthesize(rate);
    let mut starts = Vec::new();
    let step = rate as usize / 4;
    let mut at = rate as usize / 10;
    let mut i = 0;
    while at + rate as usize / 2 < out.len() {
        let voices: Vec<&Vec<f32>> = match i % 4 {
            0 => vec![&kick, &hat],
            2 => vec![&snare, &hat],
            _ => vec![&hat],
        };
        for v in voices {
            for (k, s) in v.iter().enumerate() {
                if let Some(o) = out.get_mut(at + k) {
                    *o += 0.4 * s;
                }
            }
        }
        starts.push(at as u64);
        at += step;
        i += 1;
    }
    (out, starts)
}

fn write_wav(path: &Path, rate: u32, channels: u16, bits: u16, float: bool, frames: &[f32]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for s in frames {
        if float {
            w.write_sample(*s).expect("write");
        } else {
            let max = ((1i64 << (bits - 1)) - 1) as f32;
            w.write_sample((s.clamp(-1.0, 1.0) * max).round() as i32)
                .expect("write");
        }
    }
    w.finalize().expect("finalize");
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pocket-transcribe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn offline(samples: &[f32], rate: u32, block: usize) -> Vec<AudioHit> {
    let mut s = Streaming::new(rate, Settings::default(), &AudioKit::builtin());
    let mut out = Vec::new();
    for b in samples.chunks(block) {
        s.push_into(b, &mut out);
    }
    out.extend(s.finish());
    out
}

#[test]
fn streaming_in_any_block_size_gives_the_same_hits_as_one_push() {
    let (audio, _) = groove(44_100, 4.0);
    let whole = offline(&audio, 44_100, audio.len());
    assert!(whole.len() >= 12, "{} hits", whole.len());
    for block in [1, 64, 441, 1000, 4096] {
        assert_eq!(offline(&audio, 44_100, block), whole, "block {block}");
    }
}

#[test]
fn every_stroke_is_found_within_a_millisecond_of_the_others() {
    // The voices start at their first sample: onsets are the placements, up to one constant
    // bias per lane.
    let (audio, starts) = groove(48_000, 4.0);
    let hits = offline(&audio, 48_000, 512);
    let mut errs: Vec<f64> = Vec::new();
    for s in &starts {
        let near = hits
            .iter()
            .map(|h| h.sample as f64 - *s as f64)
            .filter(|d| d.abs() < 0.02 * 48_000.0)
            .fold(f64::NAN, |m, d| {
                if m.is_nan() || d.abs() < m.abs() {
                    d
                } else {
                    m
                }
            });
        assert!(!near.is_nan(), "no hit near sample {s}: {:?}", &hits[..4]);
        errs.push(near / 48.0);
    }
    errs.sort_by(f64::total_cmp);
    let median = errs[errs.len() / 2];
    let spread = errs.iter().map(|e| (e - median).abs()).fold(0.0, f64::max);
    assert!(spread < 1.0, "errors spread over {spread:.3} ms: {errs:?}");
    // Kick and hi-hat together are two hits.
    let first: Vec<Lane> = hits
        .iter()
        .filter(|h| h.sample < starts[0] + 480)
        .map(|h| h.lane)
        .collect();
    assert!(first.len() >= 2, "{first:?}");
}

/// The distinct stroke times among `hits` (hits within 5 ms of the first of a stroke are one).
fn strokes(hits: &[AudioHit]) -> Vec<u64> {
    let mut at: Vec<u64> = hits.iter().map(|h| h.sample).collect();
    at.sort_unstable();
    at.dedup_by(|later, first| *later - *first < 220);
    at
}

#[test]
fn every_wav_encoding_and_rate_reads_the_same_strokes() {
    let (audio, starts) = groove(44_100, 3.0);
    let reference = offline(&audio, 44_100, 8192);
    for (name, bits, float) in [
        ("i16", 16, false),
        ("i24", 24, false),
        ("f32", 32, true),
        ("i8", 8, false),
    ] {
        let path = tmp(&format!("groove-{name}.wav"));
        write_wav(&path, 44_100, 1, bits, float, &audio);
        let tr = transcribe_mix(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The same strokes; which drums a stroke holds besides its strongest may differ (an
        // 8-bit file's quantisation noise is noise the classifier weighs).
        let (found, expected) = (strokes(&tr.hits), strokes(&reference));
        assert!(
            found.len().abs_diff(expected.len()) <= expected.len() / 10,
            "{name}: {found:?}, {expected:?} in memory",
        );
        assert!(
            tr.describe().contains("transcribed from audio"),
            "{}",
            tr.describe()
        );
    }
    // 8 kHz: the bands above 4 kHz are left out; strokes are still found.
    let (low, starts8) = groove(8_000, 3.0);
    let path = tmp("groove-8k.wav");
    write_wav(&path, 8_000, 1, 16, false, &low);
    let tr = transcribe_mix(&path).expect("8 kHz");
    assert!(
        tr.hits.len() >= starts8.len() / 2,
        "{} hits for {} strokes",
        tr.hits.len(),
        starts8.len()
    );
    assert!(!starts.is_empty());
}

#[test]
fn a_channel_of_a_stereo_file_is_one_kit() {
    let (left, _) = groove(44_100, 3.0);
    let frames: Vec<f32> = left.iter().flat_map(|s| [*s, 0.0]).collect();
    let path = tmp("left-only.wav");
    write_wav(&path, 44_100, 2, 16, false, &frames);
    let kit = AudioKit::builtin();
    let l = transcribe_file(&path, ChannelChoice::Channel(1), Settings::default(), &kit).unwrap();
    let r = transcribe_file(&path, ChannelChoice::Channel(2), Settings::default(), &kit).unwrap();
    assert!(
        l.hits.len() >= 12 && r.hits.is_empty(),
        "{} / {}",
        l.hits.len(),
        r.hits.len()
    );
    let err =
        transcribe_file(&path, ChannelChoice::Channel(3), Settings::default(), &kit).unwrap_err();
    assert!(err.to_string().contains("left-only.wav"), "{err}");
    assert!(err.to_string().contains("2 channels"), "{err}");
}

#[test]
fn bad_audio_gets_a_message_naming_the_file_or_a_sensible_result() {
    let kit = AudioKit::builtin();
    let s = Settings::default();
    // Silence: no hits.
    let path = tmp("silence.wav");
    write_wav(&path, 44_100, 1, 16, false, &vec![0.0; 44_100 * 2]);
    assert!(transcribe_file(&path, ChannelChoice::Mix, s, &kit)
        .unwrap()
        .hits
        .is_empty());
    // Clipping: strokes still found, no panic.
    let (audio, _) = groove(44_100, 3.0);
    let hot: Vec<f32> = audio.iter().map(|x| (x * 20.0).clamp(-1.0, 1.0)).collect();
    let path = tmp("clipped.wav");
    write_wav(&path, 44_100, 1, 16, false, &hot);
    assert!(
        transcribe_file(&path, ChannelChoice::Mix, s, &kit)
            .unwrap()
            .hits
            .len()
            >= 8
    );
    // Truncated: what is there is transcribed, with a warning naming the file.
    let path = tmp("truncated.wav");
    write_wav(&path, 44_100, 1, 16, false, &audio);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2 + 1]).unwrap();
    let tr = transcribe_file(&path, ChannelChoice::Mix, s, &kit).unwrap();
    assert!(
        tr.warnings
            .iter()
            .any(|w| w.contains("truncated.wav") && w.contains("truncated")),
        "{:?}",
        tr.warnings
    );
    assert!(!tr.hits.is_empty());
    // Not audio.
    let path = tmp("notes.wav");
    std::fs::write(&path, "kick 0.5\n").unwrap();
    let err = transcribe_file(&path, ChannelChoice::Mix, s, &kit).unwrap_err();
    assert!(
        err.to_string().contains("notes.wav") && err.to_string().contains("not a WAV"),
        "{err}"
    );
    // A header cut short.
    let path = tmp("header.wav");
    std::fs::write(&path, &bytes[..20]).unwrap();
    let err = transcribe_file(&path, ChannelChoice::Mix, s, &kit).unwrap_err();
    assert!(err.to_string().contains("header.wav"), "{err}");
    // A FLAC that holds only its marker: refused by the decoder, naming the file.
    let path = tmp("take.flac");
    std::fs::write(&path, b"fLaC").unwrap();
    let err = transcribe_file(&path, ChannelChoice::Mix, s, &kit).unwrap_err();
    assert!(matches!(err.kind, InputErrorKind::Malformed(_)), "{err}");
    assert!(
        err.to_string().contains("take.flac")
            && err.to_string().contains("not audio pocket can decode"),
        "{err}"
    );
}

#[test]
fn sync_first_makes_the_clap_time_zero_and_drops_it() {
    let (audio, starts) = groove(44_100, 3.0);
    let mut padded = vec![0.0f32; 22_050];
    padded.extend(&audio);
    let path = tmp("late.wav");
    write_wav(&path, 44_100, 1, 16, false, &padded);
    let mut tr = transcribe_mix(&path).unwrap();
    let before = tr.hits.len();
    let first_after = tr
        .hits
        .iter()
        .map(|h| h.sample)
        .filter(|s| *s > 22_050 + starts[0] + 1000)
        .min()
        .unwrap();
    let at = sync_on_first_onset(&mut tr).expect("an onset");
    assert!(
        (at.as_secs_f64() - (22_050 + starts[0]) as f64 / 44_100.0).abs() < 0.002,
        "{at}"
    );
    assert!(tr.hits.len() < before);
    let first_sample = (at.as_secs_f64() * 44_100.0).round() as u64;
    assert_eq!(tr.hits[0].sample, first_after - first_sample);
}

/// Room noise as a microphone hears it, from the first sample: white noise through a 1 kHz
/// one-pole low-pass plus a quieter white floor, `rms_db` dBFS RMS.
fn room_noise(rate: u32, samples: usize, rms_db: f64, seed: u64) -> Vec<f32> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let a = 1.0 - (-std::f32::consts::TAU * 1000.0 / rate as f32).exp();
    let amp = 10f64.powf(rms_db / 20.0) as f32;
    let mut lp = 0.0f32;
    (0..samples)
        .map(|_| {
            let w = rng.f32() * 2.0 - 1.0;
            lp += a * (w - lp);
            amp * (6.0 * lp + 0.3 * w)
        })
        .collect()
}

#[test]
fn a_recording_that_starts_in_room_noise_has_no_hit_there_and_syncs_on_its_clap() {
    let rate = 44_100;
    let (groove, starts) = groove(rate, 3.0);
    let lead = rate as usize / 2;
    for db in [-60.0, -50.0, -40.0] {
        let mut audio = room_noise(rate, lead + groove.len(), db, 3);
        for (o, g) in audio[lead..].iter_mut().zip(&groove) {
            *o += g;
        }
        let path = tmp(&format!("noisy-start{db}.wav"));
        write_wav(&path, rate, 1, 16, false, &audio);
        let mut tr = transcribe_mix(&path).unwrap();
        let clap = lead as u64 + starts[0];
        // Nothing where the noise starts, nor anywhere before the clap.
        let early: Vec<&AudioHit> = tr.hits.iter().filter(|h| h.sample + 1000 < clap).collect();
        assert!(early.is_empty(), "{db} dBFS: {early:?}");
        let at = sync_on_first_onset(&mut tr).expect("an onset");
        let clap_s = clap as f64 / f64::from(rate);
        assert!(
            (at.as_secs_f64() - clap_s).abs() < 0.002,
            "{db} dBFS: synced at {at}"
        );
        assert!(tr.hits.iter().all(|h| h.sample > 1000), "{:?}", tr.hits);
    }
    // A stroke at the first sample, in the same noise, is heard: it falls from its peak.
    let snare = Voice::of(Lane::Snare, None).synthesize(rate);
    let mut audio = room_noise(rate, rate as usize, -50.0, 4);
    for (o, s) in audio.iter_mut().zip(&snare) {
        *o += 0.3 * s;
    }
    let hits = stream_all(rate, &audio);
    assert!(
        hits.iter().any(|h| h.lane == Lane::Snare && h.sample < 100),
        "{hits:?}"
    );
}

#[test]
fn a_learned_kit_names_each_recorded_drum() {
    let rate = 44_100;
    let mut recs = Vec::new();
    for (lane, art) in [
        (Lane::Kick, None),
        (Lane::Snare, None),
        (Lane::Hihat, Some(Articulation::Closed)),
    ] {
        let mut v = Voice::of(lane, art).synthesize(rate);
        // A drum dies away: the voice is cut at a few percent of its peak, so its last 10 ms
        // fade out rather than end in a click (a click is a stroke of its own).
        let fade = (rate as usize / 100).min(v.len());
        let len = v.len();
        for (i, x) in v[len - fade..].iter_mut().enumerate() {
            *x *= 1.0 - i as f32 / fade as f32;
        }
        let mut audio = vec![0.0f32; rate as usize * 3];
        for k in 0..5 {
            for (i, s) in v.iter().enumerate() {
                if let Some(o) = audio.get_mut(k * rate as usize / 2 + 2000 + i) {
                    *o += 0.5 * s;
                }
            }
        }
        let path = tmp(&format!("learn-{}.wav", lane.name()));
        write_wav(&path, rate, 1, 16, false, &audio);
        recs.push((lane, art, path));
    }
    let refs: Vec<(Lane, Option<Articulation>, &Path)> =
        recs.iter().map(|(l, a, p)| (*l, *a, p.as_path())).collect();
    let kit = learn("synth", &refs, Settings::default()).expect("learned");
    assert_eq!(kit.templates.len(), 3);
    assert!(kit.templates.iter().all(|t| t.strokes >= 4), "{kit:?}");
    let back = AudioKit::from_json_bytes(kit.to_json().as_bytes(), Path::new("k.json")).unwrap();
    assert_eq!(back, kit);
    // Each recording, transcribed with the learned kit, is its own drum.
    for (lane, _, path) in &recs {
        let tr = transcribe_file(path, ChannelChoice::Mix, Settings::default(), &kit).unwrap();
        let right = tr.hits.iter().filter(|h| h.lane == *lane).count();
        assert!(
            right >= 4 && right * 10 >= tr.hits.len() * 8,
            "{lane:?}: {:?}",
            tr.hits
        );
    }
    // A recording of nothing teaches nothing.
    let silent = tmp("learn-silent.wav");
    write_wav(&silent, rate, 1, 16, false, &vec![0.0; 44_100]);
    let err = learn(
        "x",
        &[(Lane::Ride, None, silent.as_path())],
        Settings::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("learn-silent.wav"), "{err}");
}

#[test]
fn a_hit_comes_out_within_the_documented_latency_of_its_stroke() {
    let rate = 44_100;
    let (audio, _) = groove(rate, 4.0);
    let mut s = Streaming::new(rate, Settings::default(), &AudioKit::builtin());
    let samples = |t: Nanos| (t.as_secs_f64() * f64::from(rate)).round() as u64;
    let (latency, hold) = (samples(s.latency()), samples(s.start_hold()));
    let block = 64;
    let mut pushed = 0u64;
    let mut worst = 0u64;
    let mut n = 0;
    for b in audio.chunks(block) {
        pushed += b.len() as u64;
        for h in s.push(b) {
            // The stream's first strokes may wait for start_hold(); the groove's first comes
            // 100 ms in.
            let due = (h.sample + latency).max(hold);
            assert!(
                pushed <= due + block as u64,
                "the hit at {} came out at {pushed}; latency() {latency}, start_hold() {hold}",
                h.sample
            );
            if h.sample > hold {
                worst = worst.max(pushed - h.sample);
            }
            n += 1;
        }
    }
    assert!(n >= 12, "{n} hits");
    eprintln!(
        "worst delay after the start {:.1} ms",
        worst as f64 * 1000.0 / f64::from(rate)
    );
}

/// A file's channels mixed, transcribed with the default settings and the built-in kit.
fn transcribe_mix(path: &Path) -> Result<super::Transcription, crate::error::InputError> {
    transcribe_file(
        path,
        ChannelChoice::Mix,
        Settings::default(),
        &AudioKit::builtin(),
    )
}

/// Adds `voice` times `gain` into `audio` from sample `at` on.
fn mix_in(audio: &mut [f32], voice: &[f32], at: usize, gain: f32) {
    for (o, s) in audio[at..at + voice.len()].iter_mut().zip(voice) {
        *o += gain * s;
    }
}

/// Hits of `audio` through the streaming transcriber with the built-in kit.
fn stream_all(rate: u32, audio: &[f32]) -> Vec<AudioHit> {
    let mut s = Streaming::new(rate, Settings::default(), &AudioKit::builtin());
    let mut hits = s.push(audio);
    hits.extend(s.finish());
    hits
}

#[test]
fn a_quiet_hat_under_a_loud_kick_is_a_hit_of_its_own_and_a_kick_alone_is_not() {
    let rate = 44_100;
    let kick = Voice::of(Lane::Kick, None).synthesize(rate);
    let hat = Voice::of(Lane::Hihat, Some(Articulation::HalfOpen)).synthesize(rate);
    // Room noise (white, about -55 dBFS RMS), half-open hats in eighths at 120 BPM (the
    // synthesized closed hat is gone in 15 ms; a real one rings longer), every other one (from
    // the second on) struck with a kick 30 dB louder than the hat.
    let mut rng = fastrand::Rng::with_seed(7);
    let mut noise =
        |n: usize| -> Vec<f32> { (0..n).map(|_| (rng.f32() * 2.0 - 1.0) * 0.003).collect() };
    let mut audio = noise(rate as usize * 4);
    let mut kicks = Vec::new();
    let step = rate as usize / 4;
    for (i, at) in (rate as usize / 10..audio.len() - rate as usize / 2)
        .step_by(step)
        .enumerate()
    {
        mix_in(&mut audio, &hat, at, 0.025);
        if i % 2 == 1 {
            mix_in(&mut audio, &kick, at, 0.8);
            kicks.push(at as u64);
        }
    }
    let hits = stream_all(rate, &audio);
    let near = |lane: Lane, at: u64| {
        hits.iter()
            .any(|h| h.lane == lane && h.sample.abs_diff(at) < rate as u64 / 200)
    };
    for &at in &kicks {
        assert!(near(Lane::Kick, at), "no kick at {at}: {hits:?}");
        assert!(
            near(Lane::Hihat, at),
            "no hat under the kick at {at}: {hits:?}"
        );
    }
    // The same kick alone, in the same room noise and in digital silence: a kick only. Its
    // start is a step, whose click lifts the high bands as far as a hat does, but not for
    // 50 ms.
    for mut alone in [noise(rate as usize * 2), vec![0.0f32; rate as usize * 2]] {
        mix_in(&mut alone, &kick, rate as usize / 2, 0.8);
        let hits = stream_all(rate, &alone);
        let at = rate as u64 / 2;
        let lanes_near: Vec<Lane> = hits
            .iter()
            .filter(|h| h.sample.abs_diff(at) < rate as u64 / 20)
            .map(|h| h.lane)
            .collect();
        assert!(lanes_near.contains(&Lane::Kick), "{hits:?}");
        assert!(
            !lanes_near.iter().any(|l| group(*l) == group(Lane::Hihat)),
            "{hits:?}"
        );
    }
}

#[test]
fn a_quiet_kick_in_a_crash_ring_is_heard_and_the_ring_alone_adds_nothing() {
    let rate = 44_100;
    let crash = Voice::of(Lane::Crash, None).synthesize(rate);
    let kick = Voice::of(Lane::Kick, None).synthesize(rate);
    let at = |ms: usize| rate as usize / 2 + rate as usize * ms / 1000;
    let ring = || {
        let mut audio = room_noise(rate, rate as usize * 3, -60.0, 3);
        mix_in(&mut audio, &crash, at(0), 0.5);
        audio
    };
    // The crash alone: its wobble as it decays is no stroke.
    let alone = stream_all(rate, &ring());
    assert!(
        alone.iter().all(|h| h.sample < at(50) as u64),
        "the crash's ring was heard as a stroke: {alone:?}"
    );
    // A kick 30 dB under the crash, 120 ms into its ring: its flux peak stands under the full
    // threshold, and its bands stay up (the quiet path of step 3).
    let mut audio = ring();
    mix_in(&mut audio, &kick, at(120), 0.5 * 10f32.powf(-30.0 / 20.0));
    let hits = stream_all(rate, &audio);
    let later: Vec<_> = hits.iter().filter(|h| h.sample > at(50) as u64).collect();
    assert_eq!(later.len(), 1, "{hits:?}");
    assert_eq!(later[0].lane, Lane::Kick);
    assert!(
        later[0].sample.abs_diff(at(120) as u64) < rate as u64 / 500,
        "{hits:?}"
    );
}

#[test]
fn a_hat_struck_just_after_a_kick_is_found_and_timed_on_itself() {
    let rate = 44_100;
    let kick = Voice::of(Lane::Kick, None).synthesize(rate);
    let hat = Voice::of(Lane::Hihat, Some(Articulation::HalfOpen)).synthesize(rate);
    let ms = |x: usize| rate as usize * x / 1000;
    // A hat alone, then a kick with a hat struck 16 to 28 ms after it (a drummer's
    // "together", one onset to the detector), the kick 10 dB louder and its click lifting
    // the hat's bands more than the hat does, in -60 dBFS room noise. Closer than about
    // 15 ms, the frames no longer part them and the hat is timed with the kick.
    let mut audio = room_noise(rate, rate as usize * 6, -60.0, 11);
    let mut pairs = Vec::new();
    for (i, lag) in [16, 20, 24, 28, 16, 20, 24, 28].into_iter().enumerate() {
        let at = ms(500) + ms(500) * i;
        mix_in(&mut audio, &hat, at - ms(250), 0.05);
        mix_in(&mut audio, &kick, at, 0.5);
        mix_in(&mut audio, &hat, at + ms(lag), 0.15);
        pairs.push((at as u64, (at + ms(lag)) as u64));
    }
    let hits = stream_all(rate, &audio);
    for (k, h) in pairs {
        let near = |lane: Lane, at: u64| {
            hits.iter()
                .any(|x| x.lane == lane && x.sample.abs_diff(at) < rate as u64 / 500)
        };
        assert!(near(Lane::Kick, k), "no kick at {k}: {hits:?}");
        assert!(
            near(Lane::Hihat, h),
            "no hat within 2 ms of {h} (kick at {k}): {hits:?}"
        );
    }
}

#[test]
fn a_quiet_recording_gives_the_strokes_a_loud_one_does() {
    let rate = 44_100;
    let kick = Voice::of(Lane::Kick, None).synthesize(rate);
    let snare = Voice::of(Lane::Snare, None).synthesize(rate);
    let hat = Voice::of(Lane::Hihat, Some(Articulation::HalfOpen)).synthesize(rate);
    // A groove with dynamics: kick and backbeat loud, hats 12 dB under them, a ghost snare
    // 30 dB under the backbeat between, in -75 dBFS room noise; then the whole recording
    // (noise too) 18 and 30 dB quieter, as a recorder set low would give it.
    let ms = |x: usize| rate as usize * x / 1000;
    let mut audio = room_noise(rate, rate as usize * 5, -75.0, 5);
    let mut add =
        |v: &[f32], at: usize, db: f32| mix_in(&mut audio, v, at, 0.5 * 10f32.powf(db / 20.0));
    let mut played = Vec::new();
    for bar in 0..4 {
        let at = ms(200) + ms(1000) * bar;
        add(&kick, at, 0.0);
        add(&snare, at + ms(500), 0.0);
        add(&snare, at + ms(875), -30.0);
        played.extend([at, at + ms(500), at + ms(875)].map(|x| x as u64));
        for h in [250, 750] {
            add(&hat, at + ms(h), -12.0);
            played.push((at + ms(h)) as u64);
        }
    }
    played.sort_unstable();
    played.dedup();
    let found = |gain_db: f32| {
        let g = 10f32.powf(gain_db / 20.0);
        let quiet: Vec<f32> = audio.iter().map(|x| x * g).collect();
        strokes(&stream_all(rate, &quiet))
    };
    let loud = found(0.0);
    for at in &played {
        assert!(
            loud.iter().any(|s| s.abs_diff(*at) < rate as u64 / 1000),
            "stroke at {at} not found at full level: {loud:?}"
        );
    }
    for gain_db in [-18.0, -30.0] {
        let quiet = found(gain_db);
        assert_eq!(
            quiet.len(),
            loud.len(),
            "at {gain_db} dB: {quiet:?} against {loud:?}"
        );
        for (q, l) in quiet.iter().zip(&loud) {
            assert!(
                q.abs_diff(*l) < rate as u64 / 1000,
                "at {gain_db} dB: {q} against {l}"
            );
        }
    }
}
