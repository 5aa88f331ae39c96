//! pocket chart JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(chart) =
        pocket::internals::readers::chart_json::read_chart_bytes(Path::new("fuzz.json"), data)
    {
        pocket_fuzz::exercise_chart(&chart);
        // What pocket writes it must read back.
        let text = pocket::formats::chart_json::write_chart(&chart);
        let again =
            pocket::internals::readers::chart_json::read_chart_str(Path::new("again.json"), &text)
                .expect("a chart pocket wrote reads back");
        assert_eq!(again.notes, chart.notes);
    }
});
