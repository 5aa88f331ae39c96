//! Small figures shared by the player and span tables: offset statistics and percentages.

use crate::report::OffsetStats;
use crate::stats;

/// Offset statistics over offsets in ms.
pub fn offset_stats(offsets_ms: &[f64]) -> OffsetStats {
    let mut sorted = offsets_ms.to_vec();
    // Values equal under total_cmp have the same bits, so an unstable sort gives the same order.
    sorted.sort_unstable_by(f64::total_cmp);
    offset_stats_sorted(&sorted)
}

/// Offset statistics over offsets in ms already sorted by `f64::total_cmp`.
pub(crate) fn offset_stats_sorted(sorted: &[f64]) -> OffsetStats {
    let r = |x: Option<f64>| x.map(|v| stats::round_to(v, 4));
    OffsetStats {
        mean: r(stats::mean(sorted)),
        median: r(stats::percentile_sorted(sorted, 50.0)),
        sd: r(stats::sd(sorted)),
        mae: r(stats::mean_abs(sorted)),
        p05: r(stats::percentile_sorted(sorted, 5.0)),
        p95: r(stats::percentile_sorted(sorted, 95.0)),
    }
}

pub(crate) fn pct(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| stats::round_to(100.0 * part as f64 / whole as f64, 6))
}
