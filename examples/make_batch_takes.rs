//! Writes a chart and a folder of simulated takes for measuring `pocket score --takes`
//! (docs/performance.md, "A batch of takes"). Run from the repository root:
//!
//! ```sh
//! cargo run --release --example make_batch_takes -- [TAKES] [MINUTES] [DIR]
//! ```
//!
//! Defaults: 1000 takes of 4 minutes into `target/batch-takes`. The chart (`DIR/chart.json`) is
//! 16 hits per second at 120 BPM in 4/4: 16th-note hi-hats, a kick on every 8th and a snare on
//! every 16th between. Each take (`DIR/takes/take-NNNN.jsonl`) is a capture log of a seeded
//! simulated drummer (`pocket::simulate`, seed = take number, the `gm` kit), so the files are
//! the same on every run. Score them with
//! `pocket score --chart DIR/chart.json --takes DIR/takes -o DIR/reports`.

#[allow(dead_code)]
#[path = "make_big_take.rs"]
mod big;

use pocket::chart::{Chart, ChartInfo, Note};
use pocket::kit::KitMap;
use pocket::simulate::{perform, Drummer};
use pocket::{Dynamic, Lane, Tempo, TempoMap, Ticks, TimeSignature};
use std::error::Error;
use std::path::PathBuf;

/// Ticks per quarter note.
const PPQ: i64 = 480;

/// The chart: `minutes` of 16th-note hi-hats, kicks on the 8ths and snares on the 16ths
/// between, at 120 BPM (16 notes per second).
fn chart(minutes: u32) -> Result<Chart, Box<dyn Error>> {
    let tempo_map = TempoMap::constant(
        PPQ as u32,
        Tempo::MicrosPerQuarter(500_000),
        TimeSignature::COMMON,
    )?;
    let sixteenths = i64::from(minutes) * 60 * 8;
    let mut notes = Vec::new();
    for k in 0..sixteenths {
        let tick = Ticks(k * PPQ / 4);
        let second = if k % 2 == 0 { Lane::Kick } else { Lane::Snare };
        for lane in [second, Lane::Hihat] {
            notes.push(Note {
                time: tempo_map.time(tick),
                tick,
                lane,
                articulation: None,
                dynamic: Dynamic::Normal,
            });
        }
    }
    let info = ChartInfo {
        title: format!("{minutes} minutes at 16 hits per second"),
        ..ChartInfo::default()
    };
    Ok(Chart::new(info, tempo_map, Vec::new(), notes)?)
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let takes: u64 = args.next().map_or(Ok(1000), |a| a.parse())?;
    let minutes: u32 = args.next().map_or(Ok(4), |a| a.parse())?;
    let dir = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/batch-takes"));
    let started = std::time::Instant::now();
    let chart = chart(minutes)?;
    std::fs::create_dir_all(dir.join("takes"))?;
    std::fs::write(
        dir.join("chart.json"),
        pocket::formats::chart_json::write_chart(&chart),
    )?;
    let kit = KitMap::builtin("gm").ok_or("the gm kit is built in")?;
    let mut events = 0;
    for k in 0..takes {
        let drummer = Drummer {
            seed: k + 1,
            ..Drummer::default()
        };
        let perf = perform(&chart, &kit, &drummer);
        let path = dir.join("takes").join(format!("take-{k:04}.jsonl"));
        big::write_capture_log(&path, &format!("take-{k:04}"), &perf.events)?;
        events += perf.events.len();
    }
    println!(
        "{}: {} notes; {takes} takes, {events} raw events in all; written in {:.1} s",
        dir.display(),
        chart.notes.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
