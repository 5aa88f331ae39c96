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

/// [`stats::mean`] of `n` values that `values` yields (called once): the same sum in the same
/// order, so the same bits, without collecting the values.
pub(crate) fn mean_of<I: Iterator<Item = f64>>(values: impl Fn() -> I, n: usize) -> Option<f64> {
    (n > 0).then(|| values().sum::<f64>() / n as f64)
}

/// [`stats::sd`] of `n` values that `values` yields (called twice), bit for bit.
pub(crate) fn sd_of<I: Iterator<Item = f64>>(values: impl Fn() -> I, n: usize) -> Option<f64> {
    if n < 2 {
        return None;
    }
    let m = mean_of(&values, n)?;
    let ss: f64 = values().map(|x| (x - m) * (x - m)).sum();
    Some((ss / (n - 1) as f64).sqrt())
}

/// [`stats::slope`] of `n` points that `points` yields (called four times), bit for bit.
pub(crate) fn slope_of<I: Iterator<Item = (f64, f64)>>(
    points: impl Fn() -> I,
    n: usize,
) -> Option<f64> {
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mx = points().map(|p| p.0).sum::<f64>() / nf;
    let my = points().map(|p| p.1).sum::<f64>() / nf;
    let sxx: f64 = points().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let sxy: f64 = points().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx <= f64::EPSILON * nf * (mx.abs() + 1.0) {
        return None;
    }
    Some(sxy / sxx)
}

/// [`stats::median`] of byte values given as a count per value (`counts[v]` values equal to
/// `v`), bit for bit: the same interpolation between the same two middle values.
pub(crate) fn median_of_counts(counts: &[usize; 256]) -> Option<f64> {
    let len: usize = counts.iter().sum();
    if len == 0 {
        return None;
    }
    // The value at rank `k` (from 0) of the sorted values.
    let at = |k: usize| {
        let mut seen = 0;
        for (v, &c) in counts.iter().enumerate() {
            seen += c;
            if k < seen {
                return v as f64;
            }
        }
        255.0
    };
    let rank = 0.5 * (len - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    let frac = rank - lo as f64;
    let (a, b) = (at(lo), at(hi));
    Some(a + (b - a) * frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded values with repeats, negatives and a wide spread.
    fn values(n: usize, seed: u64) -> Vec<f64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((x >> 33) % 20_001) as f64 / 7.0 - 1400.0
            })
            .collect()
    }

    #[test]
    fn streamed_figures_equal_the_slice_figures_bit_for_bit() {
        for n in [0, 1, 2, 3, 17, 1000] {
            let xs = values(n, n as u64 + 1);
            let ys = values(n, n as u64 + 99);
            let pts: Vec<(f64, f64)> = xs.iter().copied().zip(ys.iter().copied()).collect();
            let bits = |v: Option<f64>| v.map(f64::to_bits);
            assert_eq!(
                bits(mean_of(|| xs.iter().copied(), n)),
                bits(stats::mean(&xs))
            );
            assert_eq!(bits(sd_of(|| xs.iter().copied(), n)), bits(stats::sd(&xs)));
            assert_eq!(
                bits(slope_of(|| pts.iter().copied(), n)),
                bits(stats::slope(&pts))
            );
            let flat: Vec<(f64, f64)> = xs.iter().map(|&x| (1.5, x)).collect();
            assert_eq!(slope_of(|| flat.iter().copied(), n), stats::slope(&flat));
        }
    }

    #[test]
    fn median_of_counts_is_the_median_of_the_values() {
        for n in [0usize, 1, 2, 3, 4, 9, 10, 255, 1000] {
            let bytes: Vec<u8> = values(n, 7 + n as u64)
                .iter()
                .map(|v| (v.abs() as u64 % 128) as u8)
                .collect();
            let mut counts = [0usize; 256];
            for &b in &bytes {
                counts[b as usize] += 1;
            }
            let as_f64: Vec<f64> = bytes.iter().map(|&b| b as f64).collect();
            assert_eq!(
                median_of_counts(&counts).map(f64::to_bits),
                stats::median(&as_f64).map(f64::to_bits),
                "{n} values"
            );
        }
    }
}
