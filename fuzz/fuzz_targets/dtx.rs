//! DTXMania `.dtx` drum charts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(chart) =
        pocket::internals::readers::dtx::read_chart_bytes(Path::new("fuzz.dtx"), data)
    {
        pocket_fuzz::exercise_chart(&chart);
    }
});
