//! End-to-end benchmarks of `pocket score`: each stage of the pipeline on its own, then the
//! whole pipeline as the command line runs it, for takes of 1e4, 1e5 and 1e6 hits per player.
//! Results and commands: docs/performance.md, "End to end".
//!
//! The inputs are written once per size into a temporary directory by the generator of
//! `examples/make_big_take.rs` (a long chart and two seeded simulated players).
//!
//! ```sh
//! cargo bench --bench score                 # everything (a few minutes)
//! cargo bench --bench score -- pipeline     # one group
//! POCKET_BENCH_SIZES=1000000 cargo bench --bench score
//! POCKET_BENCH_BOOTSTRAP=0 cargo bench --bench score   # like `pocket score --bootstrap 0`
//! ```

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pocket::formats::{self, capture_log, chart_json, smf, LoadedTake};
use pocket::kit::KitMap;
use pocket::report::Report;
use pocket::score::{self, PlayerInput, ScoreOptions};
use pocket::session;
use pocket::sync::SyncOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[allow(dead_code)]
#[path = "../examples/make_big_take.rs"]
mod big_take;

/// Hits per player of each benchmarked size.
fn sizes() -> Vec<usize> {
    match std::env::var("POCKET_BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .filter_map(|s| s.trim().replace('_', "").parse().ok())
            .collect(),
        Err(_) => vec![10_000, 100_000, 1_000_000],
    }
}

/// The sync options `pocket score` uses by default; `POCKET_BENCH_BOOTSTRAP` sets the bootstrap
/// draws of the two-player sync verdict (`--bootstrap`).
fn sync_options() -> SyncOptions {
    let mut options = SyncOptions::default();
    if let Some(n) = std::env::var("POCKET_BENCH_BOOTSTRAP")
        .ok()
        .and_then(|v| v.trim().parse().ok())
    {
        options.bootstrap = n;
    }
    options
}

/// One size's files, with the temporary directory that holds them.
struct Input {
    hits: usize,
    big: big_take::BigTake,
    _dir: tempfile::TempDir,
}

impl Input {
    fn new(hits: usize) -> Input {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let big = big_take::write_big_take(dir.path(), hits).expect("the inputs are written");
        Input {
            hits,
            big,
            _dir: dir,
        }
    }

    fn smf(&self, player: usize) -> &Path {
        &self.big.players[player].1
    }

    fn capture(&self, player: usize) -> &Path {
        &self.big.players[player].2
    }

    fn chart_path(&self) -> String {
        self.big.chart.display().to_string()
    }
}

fn inputs() -> Vec<Input> {
    sizes().into_iter().map(Input::new).collect()
}

/// Sample count and times kept low: the biggest size takes about a second per iteration.
fn configure(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
}

fn players<'a>(loaded: &'a [LoadedTake], names: &[&str]) -> Vec<PlayerInput<'a>> {
    loaded
        .iter()
        .zip(names)
        .map(|(l, name)| PlayerInput {
            kit: l.kit.clone(),
            capture: l.capture.clone(),
            ..PlayerInput::new(name.to_string(), &l.take)
        })
        .collect()
}

/// What `pocket score --chart C --player a=A --player b=B -o OUT` does: read everything, score,
/// render the summary and write the JSON report.
fn pipeline(chart: &Path, takes: [&Path; 2], out: &Path) -> usize {
    let chart_data =
        formats::load_chart(chart, smf::SmfChartOptions::default()).expect("chart reads");
    let loaded: Vec<LoadedTake> = takes
        .iter()
        .map(|t| formats::load_take(&t.display().to_string(), None).expect("take reads"))
        .collect();
    let inputs = players(&loaded, &["a", "b"]);
    let (report, _) = session::score_session(
        &chart_data,
        &chart.display().to_string(),
        &inputs,
        &ScoreOptions::default(),
        &sync_options(),
    );
    let summary = pocket::summary::render(&report, false);
    let json = report.to_json();
    std::fs::write(out, json.as_bytes()).expect("report written");
    summary.len() + json.len()
}

fn stages(c: &mut Criterion) {
    let inputs = inputs();
    let gm = KitMap::builtin("gm").expect("gm kit");

    let mut group = c.benchmark_group("chart_read");
    configure(&mut group);
    for input in &inputs {
        group.throughput(Throughput::Elements(input.big.notes as u64));
        group.bench_function(BenchmarkId::from_parameter(input.hits), |b| {
            b.iter(|| chart_json::read_chart(black_box(&input.big.chart)).expect("reads"))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("take_read_smf");
    configure(&mut group);
    for input in &inputs {
        group.throughput(Throughput::Elements(input.big.players[0].3 as u64));
        group.bench_function(BenchmarkId::from_parameter(input.hits), |b| {
            b.iter(|| {
                smf::read_events(black_box(input.smf(0)), &smf::SmfTakeOptions::default())
                    .expect("reads")
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("take_read_capture");
    configure(&mut group);
    for input in &inputs {
        group.throughput(Throughput::Elements(input.big.players[0].3 as u64));
        group.bench_function(BenchmarkId::from_parameter(input.hits), |b| {
            b.iter(|| {
                let cap = capture_log::read_capture(black_box(input.capture(0))).expect("reads");
                cap.events_for_player(0)
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("kit_build_take");
    configure(&mut group);
    for input in &inputs {
        let events = smf::read_events(input.smf(0), &smf::SmfTakeOptions::default())
            .expect("reads")
            .events;
        group.throughput(Throughput::Elements(input.big.players[0].3 as u64));
        group.bench_function(BenchmarkId::from_parameter(input.hits), |b| {
            b.iter(|| {
                pocket::internals::build_take(
                    black_box(&events),
                    &gm,
                    &gm.options,
                    "a".into(),
                    vec!["file".into()],
                )
            })
        });
    }
    group.finish();

    // Scoring and the report, on takes read once.
    let mut scored = Vec::new();
    for input in &inputs {
        let chart = chart_json::read_chart(&input.big.chart).expect("reads");
        let loaded: Vec<LoadedTake> = (0..2)
            .map(|p| formats::load_take(&input.smf(p).display().to_string(), None).expect("reads"))
            .collect();
        scored.push((input, chart, loaded));
    }
    let options = ScoreOptions::default();
    let sync = sync_options();

    let mut group = c.benchmark_group("score_player");
    configure(&mut group);
    for (input, chart, loaded) in &scored {
        let inputs = players(loaded, &["a", "b"]);
        group.throughput(Throughput::Elements(loaded[0].take.hits.len() as u64));
        group.bench_function(BenchmarkId::from_parameter(input.hits), |b| {
            b.iter(|| score::score_player(black_box(chart), &inputs[0], &options))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("score_session");
    configure(&mut group);
    for (input, chart, loaded) in &scored {
        let inputs = players(loaded, &["a", "b"]);
        let hits: usize = loaded.iter().map(|l| l.take.hits.len()).sum();
        group.throughput(Throughput::Elements(hits as u64));
        group.bench_function(BenchmarkId::from_parameter(input.hits), |b| {
            b.iter(|| {
                session::score_session(
                    black_box(chart),
                    &input.chart_path(),
                    &inputs,
                    &options,
                    &sync,
                )
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("report_to_json");
    configure(&mut group);
    for (input, chart, loaded) in &scored {
        let inputs = players(loaded, &["a", "b"]);
        let (report, _): (Report, _) =
            session::score_session(chart, &input.chart_path(), &inputs, &options, &sync);
        let hits: usize = loaded.iter().map(|l| l.take.hits.len()).sum();
        group.throughput(Throughput::Elements(hits as u64));
        group.bench_function(BenchmarkId::from_parameter(input.hits), |b| {
            b.iter(|| black_box(&report).to_json())
        });
    }
    group.finish();
    drop(scored);

    for (name, take_of) in [
        ("pipeline_smf", Input::smf as fn(&Input, usize) -> &Path),
        ("pipeline_capture", Input::capture),
    ] {
        let mut group = c.benchmark_group(name);
        configure(&mut group);
        for input in &inputs {
            let out: PathBuf = input.big.chart.with_file_name("report.json");
            let hits: usize = input.big.players.iter().map(|p| p.3).sum();
            group.throughput(Throughput::Elements(hits as u64));
            group.bench_function(BenchmarkId::from_parameter(input.hits), |b| {
                b.iter(|| {
                    pipeline(
                        &input.big.chart,
                        [take_of(input, 0), take_of(input, 1)],
                        &out,
                    )
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
