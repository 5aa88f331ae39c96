//! Small figures shared by the player and span tables: offset statistics and percentages.

use crate::prefault;
use crate::report::OffsetStats;
use crate::stats;
use crate::time::Nanos;

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
    let (mean, sd, mae) = mean_sd_mae(sorted);
    OffsetStats {
        mean: r(mean),
        median: r(stats::percentile_sorted(sorted, 50.0)),
        sd: r(sd),
        mae: r(mae),
        p05: r(stats::percentile_sorted(sorted, 5.0)),
        p95: r(stats::percentile_sorted(sorted, 95.0)),
    }
}

/// Offsets in ns, sorted, in ms: the values and the order of `sort_unstable` followed by
/// [`Nanos::as_millis_f64`] (equal offsets are equal, so the order is the only one).
///
/// Offsets of matched notes lie within the timing window, so their span is small: below
/// 2^32 ns (4.3 s) they are sorted by their distance from the smallest, a least significant
/// digit first radix sort of 11-bit digits (three passes at most, each reading and writing
/// the offsets once; histograms for all of them in one pass). A million offsets sort in about
/// a third of the comparison sort's time (docs/performance.md, sixth round). A wider span, or
/// a short list, takes the comparison sort.
pub(crate) fn sorted_millis(mut offs: Vec<Nanos>) -> Vec<f64> {
    const BITS: u32 = 11;
    const RADIX: usize = 1 << BITS;
    const MASK: u32 = RADIX as u32 - 1;
    let (Some(&lo), Some(&hi)) = (offs.iter().min(), offs.iter().max()) else {
        return Vec::new();
    };
    let span = hi.0.abs_diff(lo.0);
    if offs.len() < 1024 || span > u64::from(u32::MAX) {
        offs.sort_unstable();
        return offs.into_iter().map(Nanos::as_millis_f64).collect();
    }
    // Digits the span needs: 1 to 3 (32 bits).
    let passes = (u64::BITS - span.leading_zeros()).div_ceil(BITS).max(1) as usize;
    let mut counts = [[0u32; RADIX]; 3];
    let mut keys: Vec<u32> = prefault::with_capacity(offs.len());
    keys.extend(offs.iter().map(|o| {
        // In 0..=span, so it fits.
        let k = o.0.abs_diff(lo.0) as u32;
        for (d, c) in counts.iter_mut().enumerate().take(passes) {
            c[((k >> (BITS * d as u32)) & MASK) as usize] += 1;
        }
        k
    }));
    drop(offs);
    let mut other: Vec<u32> = prefault::with_capacity(keys.len());
    other.resize(keys.len(), 0);
    for (d, count) in counts.iter().enumerate().take(passes) {
        let shift = BITS * d as u32;
        let mut at = [0u32; RADIX];
        let mut sum = 0;
        for (a, &c) in at.iter_mut().zip(count) {
            *a = sum;
            sum += c;
        }
        for &k in &keys {
            let digit = ((k >> shift) & MASK) as usize;
            other[at[digit] as usize] = k;
            at[digit] += 1;
        }
        std::mem::swap(&mut keys, &mut other);
    }
    drop(other);
    keys.iter()
        .map(|&k| Nanos(lo.0 + i64::from(k)).as_millis_f64())
        .collect()
}

/// [`stats::mean`], [`stats::sd`] and [`stats::mean_abs`] of `xs`, bit for bit, in two passes
/// instead of four.
fn mean_sd_mae(xs: &[f64]) -> (Option<f64>, Option<f64>, Option<f64>) {
    let n = xs.len();
    if n == 0 {
        return (None, None, None);
    }
    let nf = n as f64;
    let z = zero_sum();
    let (s, sa) = xs.iter().fold((z, z), |(s, sa), &x| (s + x, sa + x.abs()));
    let mean = s / nf;
    let sd = (n >= 2).then(|| {
        let ss = xs.iter().fold(z, |ss, &x| ss + (x - mean) * (x - mean));
        (ss / (n - 1) as f64).sqrt()
    });
    (Some(mean), sd, Some(sa / nf))
}

pub(crate) fn pct(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| stats::round_to(100.0 * part as f64 / whole as f64, 6))
}

/// What `Iterator::sum` of `f64`s starts from (the sum of nothing), so that a sum folded by
/// hand alongside others is the same, bit for bit, signed zeros included.
fn zero_sum() -> f64 {
    std::iter::empty::<f64>().sum()
}

/// [`stats::slope`] of `n` points that `points` yields (called twice), bit for bit: the two
/// means are summed in one pass and the two sums of products in another, each in the order
/// [`stats::slope`] sums it.
pub(crate) fn slope_of<I: Iterator<Item = (f64, f64)>>(
    points: impl Fn() -> I,
    n: usize,
) -> Option<f64> {
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let z = zero_sum();
    let (sx, sy) = points().fold((z, z), |(sx, sy), p| (sx + p.0, sy + p.1));
    let (mx, my) = (sx / nf, sy / nf);
    let (sxx, sxy) = points().fold((z, z), |(sxx, sxy), p| {
        (sxx + (p.0 - mx) * (p.0 - mx), sxy + (p.0 - mx) * (p.1 - my))
    });
    slope_from(sxx, sxy, mx, nf)
}

/// The slope from its sums, as [`stats::slope`] ends.
fn slope_from(sxx: f64, sxy: f64, mx: f64, nf: f64) -> Option<f64> {
    if sxx <= f64::EPSILON * nf * (mx.abs() + 1.0) {
        return None;
    }
    Some(sxy / sxx)
}

/// The mean and SD of the first values and the slope of the (x, y) pairs, over `n` items that
/// `items` yields (called at most twice): the same, bit for bit, as [`stats::mean`] and [`stats::sd`]
/// of the first values and [`stats::slope`] of the pairs, in two passes instead of seven.
pub(crate) fn mean_sd_slope_of<I: Iterator<Item = (f64, (f64, f64))>>(
    items: impl Fn() -> I,
    n: usize,
) -> (Option<f64>, Option<f64>, Option<f64>) {
    if n == 0 {
        return (None, None, None);
    }
    let nf = n as f64;
    let z = zero_sum();
    let (s, sx, sy) = items().fold((z, z, z), |(s, sx, sy), (v, p)| (s + v, sx + p.0, sy + p.1));
    let mean = s / nf;
    if n < 2 {
        return (Some(mean), None, None);
    }
    let (mx, my) = (sx / nf, sy / nf);
    let (ss, sxx, sxy) = items().fold((z, z, z), |(ss, sxx, sxy), (v, p)| {
        (
            ss + (v - mean) * (v - mean),
            sxx + (p.0 - mx) * (p.0 - mx),
            sxy + (p.0 - mx) * (p.1 - my),
        )
    });
    let sd = (ss / (n - 1) as f64).sqrt();
    (Some(mean), Some(sd), slope_from(sxx, sxy, mx, nf))
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

    #[test]
    fn the_radix_sort_gives_the_comparison_sort() {
        use proptest::prelude::*;
        let reference = |v: &[Nanos]| {
            let mut s = v.to_vec();
            s.sort_unstable();
            s.into_iter().map(Nanos::as_millis_f64).collect::<Vec<_>>()
        };
        // Spans that take one, two and three digits, and the comparison sort beyond.
        let spans = [
            1i64,
            2_000,
            1 << 11,
            3_000_000,
            50_000_000,
            (1 << 32) - 1,
            1 << 32,
            i64::MAX / 2,
        ];
        proptest!(ProptestConfig::with_cases(64), |(seed in any::<u64>(), n in 0usize..5000, which in 0usize..8)| {
            let span = spans[which];
            let mut x = seed;
            let v: Vec<Nanos> = (0..n)
                .map(|_| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    Nanos((x >> 1) as i64 % (span + 1) - span / 2)
                })
                .collect();
            let got = sorted_millis(v.clone());
            let want = reference(&v);
            prop_assert_eq!(got.len(), want.len());
            prop_assert!(got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()));
        });
        // The extremes of a span of exactly 2^32 - 1.
        let v = vec![Nanos(-5), Nanos(u32::MAX as i64 - 5), Nanos(0)];
        let v: Vec<Nanos> = v.into_iter().cycle().take(3000).collect();
        assert_eq!(sorted_millis(v.clone()), reference(&v));
    }

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
                bits(slope_of(|| pts.iter().copied(), n)),
                bits(stats::slope(&pts))
            );
            let flat: Vec<(f64, f64)> = xs.iter().map(|&x| (1.5, x)).collect();
            assert_eq!(slope_of(|| flat.iter().copied(), n), stats::slope(&flat));
            let (mean, sd, mae) = mean_sd_mae(&xs);
            assert_eq!(bits(mean), bits(stats::mean(&xs)));
            assert_eq!(bits(sd), bits(stats::sd(&xs)));
            assert_eq!(bits(mae), bits(stats::mean_abs(&xs)));
            for pts in [&pts, &flat] {
                let items = || xs.iter().copied().zip(pts.iter().copied());
                let (mean, sd, slope) = mean_sd_slope_of(items, n);
                assert_eq!(bits(mean), bits(stats::mean(&xs)));
                assert_eq!(bits(sd), bits(stats::sd(&xs)));
                assert_eq!(bits(slope), bits(stats::slope(pts)));
            }
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
