//! Regenerates the demo takes in fixtures/demo/ from charts/disco-pop-114.json with two seeded
//! simulated drummers playing as a duet (see `pocket::simulate`). Run from the repository root:
//!
//! ```sh
//! cargo run --example make_demo_takes
//! ```
//!
//! The files are capture logs, exactly what `pocket live` records: Lee on a Roland TD kit, Sanae
//! on an Alesis Nitro, Sanae a little behind Lee.

use pocket::formats::capture_log::{
    CaptureHeader, CaptureWriter, ChartRef, PlayerInfo, PortInfo, StartMode,
};
use pocket::formats::chart_json;
use pocket::kit::KitMap;
use pocket::simulate::perform_duet;
use pocket::time::Nanos;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let chart = chart_json::read_chart(Path::new(pocket::demo::CHART_PATH))?;
    let players = pocket::demo::players();
    let kits: Vec<KitMap> = players
        .iter()
        .map(|p| KitMap::builtin(p.1).ok_or("missing kit"))
        .collect::<Result<_, _>>()?;
    let perfs = perform_duet(
        &chart,
        [&kits[0], &kits[1]],
        [&players[0].4, &players[1].4],
        pocket::demo::coupling(),
        pocket::demo::DUET_SEED,
    );
    for ((name, kit_name, port, file, _), perf) in players.into_iter().zip(perfs) {
        let path = Path::new(file);
        if path.exists() {
            std::fs::remove_file(path)?;
        }
        let mut header = CaptureHeader::new(StartMode::CountIn);
        header.started_at = "2026-11-27T20:00:00.000Z".into();
        header.time_zero = Some(Nanos::ZERO);
        header.chart = Some(ChartRef {
            path: "charts/disco-pop-114.json".into(),
            title: Some(chart.info.title.clone()),
        });
        header.ports = vec![PortInfo {
            index: 0,
            name: port.into(),
            audio_file: None,
        }];
        header.players = vec![PlayerInfo {
            name: name.into(),
            port: 0,
            channel: None,
            kit: kit_name.into(),
            kit_file: None,
            offset_hands: Nanos::ZERO,
            offset_feet: Nanos::ZERO,
        }];
        let mut w = CaptureWriter::create(path, &header)?;
        for e in &perf.events {
            w.write_midi(e.time, 0, e.message())?;
        }
        let end = perf.events.last().map(|e| e.time).unwrap_or_default();
        w.finish(end + Nanos::from_millis(500), "chart_end")?;
        let missed = perf
            .intents
            .iter()
            .filter(|i| matches!(i, pocket::simulate::Intent::Missed))
            .count();
        println!(
            "{file}: {} events, {missed} notes left out, {} crosstalk, {} overhits",
            perf.events.len(),
            perf.crosstalk.len(),
            perf.overhits.len()
        );
    }
    Ok(())
}
