//! Rock Band / Clone Hero / YARG `.mid` drum charts, expert and with double kick.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pocket::formats::{rockband, ChartLoadOptions};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("notes.mid");
    let _ = rockband::is_rockband_midi(data);
    if let Ok(chart) = pocket::internals::readers::rockband::read_chart_bytes(
        path,
        data,
        None,
        &ChartLoadOptions::default(),
    ) {
        pocket_fuzz::exercise_chart(&chart);
    }
    let opts = ChartLoadOptions {
        double_kick: true,
        ..ChartLoadOptions::default()
    };
    let _ = pocket::internals::readers::rockband::read_chart_bytes(path, data, None, &opts);
});
