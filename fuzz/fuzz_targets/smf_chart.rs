//! The General MIDI SMF chart reader, on drum channel 10 and on every channel.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pocket::formats::smf::{ChannelFilter, SmfChartOptions};
use pocket::internals::readers::smf::read_chart_bytes;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.mid");
    if let Ok(chart) = read_chart_bytes(path, data, &SmfChartOptions::default()) {
        pocket_fuzz::exercise_chart(&chart);
    }
    let all = SmfChartOptions {
        channels: ChannelFilter::All,
        ..SmfChartOptions::default()
    };
    let _ = read_chart_bytes(path, data, &all);
});
