//! Clone Hero `.chart` drum charts (the bytes path, which also covers the text path).
#![no_main]
use libfuzzer_sys::fuzz_target;
use pocket::formats::ChartLoadOptions;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("notes.chart");
    if let Ok(chart) = pocket::internals::readers::clone_hero::read_chart_bytes(
        path,
        data,
        None,
        &ChartLoadOptions::default(),
    ) {
        pocket_fuzz::exercise_chart(&chart);
    }
});
