//! Sorting the matched offsets of a player (a million of them in a long take) by a radix sort:
//! a few passes over the values instead of a comparison sort's twenty-odd.

/// Items fewer than this are sorted with `sort_unstable_by_key` (the passes' tables would cost
/// more than they save).
const SMALL: usize = 1 << 12;

/// Bits sorted per pass: a 2,048-entry count table stays in the first-level cache.
const DIGIT_BITS: u32 = 11;

/// Sorts `items` by `key`, ascending. Items of equal keys must be interchangeable (equal, as
/// integers of equal value are): their order is not specified. Takes a buffer as large as
/// `items` for the passes.
pub(crate) fn sort_by_u64_key<T: Copy>(items: &mut [T], key: impl Fn(&T) -> u64) {
    let n = items.len();
    if n < SMALL {
        items.sort_unstable_by_key(&key);
        return;
    }
    let (mut lo, mut hi) = (u64::MAX, 0u64);
    let mut sorted = true;
    let mut prev = 0u64;
    for item in items.iter() {
        let k = key(item);
        lo = lo.min(k);
        hi = hi.max(k);
        sorted &= prev <= k;
        prev = k;
    }
    if sorted {
        return;
    }
    // Only the bits in which the keys differ from the smallest are sorted on.
    let bits = u64::BITS - (hi - lo).leading_zeros();
    let digit = |k: u64, shift: u32| ((k - lo) >> shift) as usize & ((1 << DIGIT_BITS) - 1);
    let mut buf: Vec<T> = items.to_vec();
    let mut counts = vec![0usize; 1 << DIGIT_BITS];
    // Each pass moves the items from `src` to `dst`, stably by one digit.
    let mut in_items = true;
    let mut shift = 0;
    while shift < bits {
        let (src, dst): (&[T], &mut [T]) = if in_items {
            (&*items, &mut buf)
        } else {
            (&buf, &mut *items)
        };
        counts.fill(0);
        for item in src {
            counts[digit(key(item), shift)] += 1;
        }
        let mut at = 0;
        for c in counts.iter_mut() {
            let here = *c;
            *c = at;
            at += here;
        }
        for item in src {
            let d = digit(key(item), shift);
            dst[counts[d]] = *item;
            counts[d] += 1;
        }
        in_items = !in_items;
        shift += DIGIT_BITS;
    }
    if !in_items {
        items.copy_from_slice(&buf);
    }
}

/// The key of an `f64` whose order is [`f64::total_cmp`]'s.
pub(crate) fn total_order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    // Negative values: every bit flipped (larger magnitudes first); others: the sign bit set.
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// The key of an `i64` whose order is the integers'.
pub(crate) fn signed_key(x: i64) -> u64 {
    (x as u64) ^ (1 << 63)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded values in `-spread..spread`, with repeats.
    fn values(n: usize, spread: i64, seed: u64) -> Vec<i64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 17) as i64 % spread
            })
            .collect()
    }

    #[test]
    fn integers_sort_as_sort_unstable_sorts_them() {
        for (n, spread) in [
            (0, 10),
            (5, 10),
            (5000, 3),
            (10_000, 50_000_000),
            (70_000, i64::MAX),
            (9_000, 1 << 40),
        ] {
            let v = values(n, spread, n as u64 + 5);
            let mut want = v.clone();
            want.sort_unstable();
            let mut got = v.clone();
            sort_by_u64_key(&mut got, |&x| signed_key(x));
            assert_eq!(got, want, "{n} values in ±{spread}");
            // Already sorted, and extremes.
            sort_by_u64_key(&mut got, |&x| signed_key(x));
            assert_eq!(got, want);
        }
        let mut ends: Vec<i64> = (0..5000)
            .map(|i| {
                if i % 2 == 0 {
                    i64::MIN + i
                } else {
                    i64::MAX - i
                }
            })
            .collect();
        let mut want = ends.clone();
        want.sort_unstable();
        sort_by_u64_key(&mut ends, |&x| signed_key(x));
        assert_eq!(ends, want);
    }

    #[test]
    fn floats_sort_as_total_cmp_sorts_them() {
        let mut v: Vec<f64> = values(20_000, 1 << 50, 3)
            .iter()
            .map(|&x| x as f64 / 7e6)
            .collect();
        v.extend([
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            -1e-300,
        ]);
        v.extend([f64::NAN, -f64::NAN, 1.5, 1.5, -1.5]);
        let mut want = v.clone();
        want.sort_unstable_by(f64::total_cmp);
        sort_by_u64_key(&mut v, |&x| total_order_key(x));
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&v), bits(&want));
    }
}
