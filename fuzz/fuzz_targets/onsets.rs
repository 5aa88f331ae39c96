//! Onset lists, then as a chart and as a take.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pocket::formats::onsets::{to_chart, to_take};
use pocket::internals::readers::onsets::parse_onsets;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.txt");
    if let Ok(list) = parse_onsets(path, data) {
        if let Ok(chart) = to_chart(path, &list) {
            pocket_fuzz::exercise_chart(&chart);
        }
        pocket_fuzz::exercise_take(&to_take("fuzz", &list));
    }
});
