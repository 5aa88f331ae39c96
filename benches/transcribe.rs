//! Transcription speed: seconds of audio transcribed per second of one core.
//!
//! 30 s of a two-kit groove (pocket's synthesized voices, 44.1 kHz mono) through the
//! streaming transcriber in 4096-sample blocks. Criterion's throughput is in samples per second;
//! divided by 44 100 it is the real-time factor (docs/performance.md).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pocket::audio::Voice;
use pocket::lane::{Articulation, Lane};
use pocket::transcribe::{AudioKit, Settings, Streaming};

const RATE: u32 = 44_100;

/// Kick and hi-hat, hi-hat, snare and hi-hat, hi-hat: 8th notes at 120 BPM.
fn groove(seconds: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; seconds * RATE as usize];
    let kick = Voice::of(Lane::Kick, None).synthesize(RATE);
    let snare = Voice::of(Lane::Snare, None).synthesize(RATE);
    let hat = Voice::of(Lane::Hihat, Some(Articulation::Closed)).synthesize(RATE);
    let step = RATE as usize / 4;
    for (i, at) in (0..out.len()).step_by(step).enumerate() {
        let mut voices = vec![&hat];
        match i % 4 {
            0 => voices.push(&kick),
            2 => voices.push(&snare),
            _ => {}
        }
        for v in voices {
            for (k, s) in v.iter().enumerate() {
                if let Some(o) = out.get_mut(at + k) {
                    *o += 0.4 * s;
                }
            }
        }
    }
    out
}

fn transcription(c: &mut Criterion) {
    let audio = groove(30);
    let kit = AudioKit::builtin();
    let mut group = c.benchmark_group("transcribe");
    group.throughput(Throughput::Elements(audio.len() as u64));
    group.sample_size(10);
    group.bench_function("30 s at 44.1 kHz", |b| {
        b.iter(|| {
            let mut s = Streaming::new(RATE, Settings::default(), &kit);
            let mut hits = Vec::new();
            for block in audio.chunks(4096) {
                s.push_into(block, &mut hits);
            }
            hits.extend(s.finish());
            hits.len()
        })
    });
    group.finish();
}

criterion_group!(benches, transcription);
criterion_main!(benches);
