//! The count-in before chart time zero: one click per beat of the chart's first time signature,
//! for a whole number of bars, ending one beat before zero. `pocket live` sends it to a MIDI
//! click port, renders it into the backing audio (`audio::count_in_samples`), and `pocket
//! render`'s click track starts with it; all three take it from here.

use crate::chart::Chart;
use crate::time::{Nanos, Ticks};

/// The count-in clicks before time zero: (time relative to zero, accent on a bar's first beat).
pub fn count_in_clicks(chart: &Chart, bars: u32) -> Vec<(Nanos, bool)> {
    let map = &chart.tempo_map;
    let beats = i64::from(map.signature_at(Ticks(0)).numerator);
    let beat_ticks = map.beat_ticks_at(Ticks(0)).max(1);
    let total = i64::from(bars) * beats;
    (0..total)
        .map(|i| {
            let tick = Ticks(-(total - i) * beat_ticks);
            (map.time(tick), i % beats == 0)
        })
        .collect()
}
