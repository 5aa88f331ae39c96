//! Auto-align: one global offset between a take and the chart, estimated from the data.

use crate::time::Nanos;

/// Estimates the global offset of a take against a chart: the shift (within ±2 s) that puts the
/// most same-lane hit-note pairs inside the window, refined to the median difference of those
/// pairs. Robust to outliers and to offsets larger than the note spacing. `None` without pairs.
pub fn estimate_offset(
    notes_by_lane: &[Vec<Nanos>],
    hits_by_lane: &[Vec<Nanos>],
    window: Nanos,
) -> Option<Nanos> {
    const SEARCH: Nanos = Nanos::from_millis(2000);
    const MAX_PAIRS: usize = 4_000_000;
    let total_hits: usize = hits_by_lane.iter().map(Vec::len).sum();
    let step = (total_hits / 20_000).max(1);
    let mut diffs: Vec<i64> = Vec::new();
    for (notes, hits) in notes_by_lane.iter().zip(hits_by_lane) {
        for &h in hits.iter().step_by(step) {
            let lo = notes.partition_point(|&n| n < h - SEARCH);
            for &n in &notes[lo..] {
                if n > h + SEARCH {
                    break;
                }
                diffs.push((h - n).0);
                if diffs.len() >= MAX_PAIRS {
                    break;
                }
            }
        }
    }
    if diffs.is_empty() {
        return None;
    }
    diffs.sort_unstable();
    // Densest interval of width 2·window.
    let (mut best, mut best_lo, mut j) = (0usize, 0usize, 0usize);
    for i in 0..diffs.len() {
        while diffs[i] - diffs[j] > 2 * window.0 {
            j += 1;
        }
        if i + 1 - j > best {
            best = i + 1 - j;
            best_lo = j;
        }
    }
    // Re-centre: the densest interval may sit off-centre on the cluster and cut one tail, so take
    // the median of the differences within ±window of the current estimate until it settles.
    let mut center = diffs[best_lo + best / 2];
    for _ in 0..8 {
        let lo = diffs.partition_point(|&d| d < center - window.0);
        let hi = diffs.partition_point(|&d| d <= center + window.0);
        if lo >= hi {
            break;
        }
        let next = diffs[lo + (hi - lo) / 2];
        if next == center {
            break;
        }
        center = next;
    }
    Some(Nanos(center))
}
