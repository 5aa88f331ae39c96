//! Backing audio: the feed thread's cost per second of audio (decode + resample + mix, and
//! with the practice-tempo stretch), and the audio callback's `Reader::fill` time per period
//! (median, p99.9). Results and commands: docs/performance.md ("Backing audio").

use pocket::backing::{self, Plan, Settings};
use std::path::Path;
use std::time::{Duration, Instant};

/// Writes `seconds` of a two-tone mono WAV at 44.1 kHz (a stand-in for a stem).
fn stem(path: &Path, seconds: u32, hz: f64) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("wav");
    for i in 0..44_100 * seconds {
        let t = f64::from(i) / 44_100.0;
        let v = (0.2 * (std::f64::consts::TAU * hz * t).sin() * 32767.0) as i16;
        w.write_sample(v).expect("sample");
        w.write_sample(v).expect("sample");
    }
    w.finalize().expect("finalize");
}

/// Pulls the whole chain; returns the time per second of audio.
fn chain_cost(plan: &Plan, tempo: f64, seconds: u32) -> Duration {
    let mut settings = Settings::new(48_000);
    settings.tempo = tempo;
    let start = Instant::now();
    let (mut frames, _) = backing::chain(plan, &settings).expect("chain");
    let (mut l, mut r) = (Vec::with_capacity(4096), Vec::with_capacity(4096));
    loop {
        l.clear();
        r.clear();
        if frames.pull(&mut l, &mut r, 4096).expect("pull") == 0 {
            break;
        }
    }
    start.elapsed() / seconds
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let seconds = 60;
    let stems: Vec<_> = [
        ("song.wav", 220.0),
        ("guitar.wav", 330.0),
        ("bass.wav", 110.0),
    ]
    .iter()
    .map(|(name, hz)| {
        let p = dir.path().join(name);
        stem(&p, seconds, *hz);
        p
    })
    .collect();
    let one = Plan::file(&stems[0]);
    let mut three = Plan::file(&stems[0]);
    three.stems = stems.clone();
    for (label, plan, tempo) in [
        ("1 stem, 44.1 -> 48 kHz", &one, 1.0),
        ("3 stems, 44.1 -> 48 kHz", &three, 1.0),
        ("3 stems, 44.1 -> 48 kHz, tempo 80 %", &three, 0.8),
    ] {
        let per_s = chain_cost(plan, tempo, seconds);
        println!(
            "backing/feed {label}: {:.2} ms per second of audio ({:.0}x real time)",
            per_s.as_secs_f64() * 1e3,
            1.0 / per_s.as_secs_f64()
        );
    }

    // Reader::fill per 256-frame period, the feed thread running beside it.
    let mut settings = Settings::new(48_000);
    settings.ring_frames = 48_000;
    let (mut reader, feed) = backing::start(&three, &settings).expect("start");
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    let mut times = Vec::with_capacity(100_000);
    while !reader.is_finished() && times.len() < 100_000 {
        if reader.ready_frames() < 256 && !feed.is_done() {
            std::thread::yield_now();
            continue;
        }
        let start = Instant::now();
        reader.fill(&mut l, &mut r);
        times.push(start.elapsed());
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "backing/fill 256 frames, {} periods: median {:?}, p99 {:?}, p99.9 {:?}, max {:?}",
        times.len(),
        at(0.5),
        at(0.99),
        at(0.999),
        at(1.0)
    );
    let _ = feed.stop();
}
