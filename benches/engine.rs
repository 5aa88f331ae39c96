//! Benchmarks of the engine on fixed, seeded inputs. Results and commands: docs/performance.md.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pocket::matching::Matcher;
use pocket::Nanos;
use std::time::Duration;

/// A human-like lane: notes on a 16th-note grid at 120 BPM (125 ms apart); the player misses 5 %
/// of them, hits the rest with a triangular jitter of ±30 ms around a 5 ms drag, and adds 5 %
/// stray hits. Returns (notes, hits), both sorted, with about `hits` hits.
fn human_like(hits: usize, seed: u64) -> (Vec<Nanos>, Vec<Nanos>) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let grid_ns = 125_000_000i64;
    let notes: Vec<Nanos> = (0..hits as i64).map(|i| Nanos(i * grid_ns)).collect();
    let mut played = Vec::with_capacity(hits + hits / 16);
    for &n in &notes {
        if rng.u32(0..100) < 5 {
            continue;
        }
        let jitter = rng.i64(-15_000_000..=15_000_000) + rng.i64(-15_000_000..=15_000_000);
        played.push(Nanos(n.0 + 5_000_000 + jitter));
        if rng.u32(0..100) < 5 {
            played.push(Nanos(n.0 + rng.i64(0..grid_ns)));
        }
    }
    played.sort_unstable();
    (notes, played)
}

fn matcher(c: &mut Criterion) {
    let mut group = c.benchmark_group("match_sorted");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for size in [1_000usize, 10_000, 100_000, 1_000_000] {
        let (notes, hits) = human_like(size, 7);
        let mut m = Matcher::new();
        let mut pairs = Vec::with_capacity(size);
        group.throughput(Throughput::Elements(hits.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, _| {
            b.iter(|| {
                m.match_into(
                    black_box(&notes),
                    black_box(&hits),
                    Nanos::from_millis(50),
                    &mut pairs,
                );
                pairs.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, matcher);
criterion_main!(benches);
