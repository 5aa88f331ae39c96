//! Exact time units: [`Nanos`] for wall-clock/chart time and [`Ticks`] for musical time.
//!
//! Every time inside pocket is an integer. Onset lists written with nanosecond precision keep it,
//! and comparisons against a window are exact (no floating-point edge cases). Floating point is
//! only used when a statistic is reported (milliseconds, to 0.1 ms or finer).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

/// A signed time or duration in nanoseconds.
///
/// Zero is the chart's time zero (the first tick of the tempo map) or, for a take, the moment the
/// take's clock started. Negative values are allowed for hits played before time zero.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Nanos(pub i64);

impl Nanos {
    /// Zero.
    pub const ZERO: Nanos = Nanos(0);
    /// The largest representable time (about 292 years).
    pub const MAX: Nanos = Nanos(i64::MAX);

    /// From whole microseconds.
    pub const fn from_micros(us: i64) -> Nanos {
        Nanos(us * 1_000)
    }

    /// From whole milliseconds.
    pub const fn from_millis(ms: i64) -> Nanos {
        Nanos(ms * 1_000_000)
    }

    /// From seconds, rounded to the nearest nanosecond. Returns `None` for NaN, infinities and
    /// values outside ±9.2e9 s.
    pub fn from_secs_f64(s: f64) -> Option<Nanos> {
        let ns = (s * 1e9).round();
        if ns.is_finite() && ns.abs() < 9.2e18 {
            Some(Nanos(ns as i64))
        } else {
            None
        }
    }

    /// From milliseconds as a float, rounded to the nearest nanosecond (`None` if not finite or
    /// out of range).
    pub fn from_millis_f64(ms: f64) -> Option<Nanos> {
        Self::from_secs_f64(ms / 1e3)
    }

    /// The value in milliseconds (for reporting).
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// The value in seconds (for reporting).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// The value in whole microseconds, rounded toward negative infinity.
    pub fn as_micros_floor(self) -> i64 {
        self.0.div_euclid(1_000)
    }

    /// Absolute value.
    pub fn abs(self) -> Nanos {
        Nanos(self.0.saturating_abs())
    }

    /// Addition that saturates at the numeric bounds instead of overflowing.
    pub fn saturating_add(self, other: Nanos) -> Nanos {
        Nanos(self.0.saturating_add(other.0))
    }

    /// Subtraction that saturates at the numeric bounds instead of overflowing.
    pub fn saturating_sub(self, other: Nanos) -> Nanos {
        Nanos(self.0.saturating_sub(other.0))
    }
}

impl Add for Nanos {
    type Output = Nanos;
    fn add(self, rhs: Nanos) -> Nanos {
        Nanos(self.0 + rhs.0)
    }
}
impl Sub for Nanos {
    type Output = Nanos;
    fn sub(self, rhs: Nanos) -> Nanos {
        Nanos(self.0 - rhs.0)
    }
}
impl AddAssign for Nanos {
    fn add_assign(&mut self, rhs: Nanos) {
        self.0 += rhs.0;
    }
}
impl SubAssign for Nanos {
    fn sub_assign(&mut self, rhs: Nanos) {
        self.0 -= rhs.0;
    }
}
impl Neg for Nanos {
    type Output = Nanos;
    fn neg(self) -> Nanos {
        Nanos(-self.0)
    }
}

impl fmt::Display for Nanos {
    /// Seconds with millisecond precision, e.g. `12.345 s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3} s", self.as_secs_f64())
    }
}

/// A position in musical time: ticks from the start of the chart at the chart's resolution
/// (pulses per quarter note, PPQ).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Ticks(pub i64);

impl fmt::Display for Ticks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tick {}", self.0)
    }
}

/// A stretch of chart time that was played: from `from` (inclusive; `None` is the start) up to
/// `until` (inclusive; `None` is the end). A session stopped early is scored over the span it
/// played ([`crate::chart::Chart::within`], [`crate::take::Take::within`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    /// Start of the span, on the chart's clock.
    pub from: Option<Nanos>,
    /// End of the span, on the chart's clock.
    pub until: Option<Nanos>,
}

impl Span {
    /// The whole chart.
    pub const WHOLE: Span = Span {
        from: None,
        until: None,
    };

    /// Whether this is the whole chart.
    pub fn is_whole(&self) -> bool {
        self.from.is_none() && self.until.is_none()
    }

    /// Whether `t` lies in the span.
    pub fn contains(&self, t: Nanos) -> bool {
        self.from.is_none_or(|f| t >= f) && self.until.is_none_or(|u| t <= u)
    }

    /// The span ending at the earlier of this span's end and `until`.
    pub fn until_at_most(self, until: Option<Nanos>) -> Span {
        let until = match (self.until, until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Span { until, ..self }
    }
}

/// Parses a decimal number of seconds (`"1.2345"`, `"-0.5"`, `"3"`, `"1e-3"`) into exact
/// nanoseconds, without going through floating point when the text is plain decimal.
///
/// Digits beyond the ninth decimal place are rounded half away from zero. Exponent notation is
/// accepted and handled exactly as long as the result has at most nine decimals. Returns `None` for
/// anything that is not a finite number in range (including `nan` and `inf`).
pub fn parse_seconds(text: &str) -> Option<Nanos> {
    let s = text.trim();
    parse_plain_seconds(s.as_bytes()).or_else(|| parse_general_seconds(s))
}

/// [`parse_seconds`] of trimmed text by the general path: exponents, rounding, 128-bit digits.
fn parse_general_seconds(s: &str) -> Option<Nanos> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], body[i + 1..].parse::<i32>().ok()?),
        None => (body, 0),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    // All digits as one integer with a decimal exponent: value = digits * 10^(scale).
    let digits: String = int_part.chars().chain(frac_part.chars()).collect();
    let digits = digits.trim_start_matches('0');
    // Nanoseconds = digits * 10^(9 + exp - frac_len).
    let shift = 9i64 + exp as i64 - frac_part.len() as i64;
    if digits.is_empty() {
        return Some(Nanos(0));
    }
    if digits.len() > 30 {
        return None;
    }
    let value: i128 = digits.parse().ok()?;
    let ns: i128 = if shift >= 0 {
        if shift > 20 {
            return None;
        }
        value.checked_mul(10i128.checked_pow(shift as u32)?)?
    } else {
        let div_pow = (-shift) as u32;
        if div_pow > 38 {
            0
        } else {
            let div = 10i128.pow(div_pow);
            let q = value / div;
            let r = value % div;
            if r * 2 >= div {
                q + 1
            } else {
                q
            }
        }
    };
    let ns = if neg { -ns } else { ns };
    i64::try_from(ns).ok().map(Nanos)
}

/// The largest whole number of seconds [`parse_plain_seconds`] takes: with nine decimals of
/// 9s added it still fits in an `i64` of nanoseconds.
const PLAIN_MAX_WHOLE_SECONDS: u64 = (i64::MAX as u64) / 1_000_000_000 - 1;

/// Powers of ten that scale a fraction of `len` digits (`len` <= 9) to nanoseconds.
const FRACTION_SCALE: [u64; 10] = [
    1_000_000_000,
    100_000_000,
    10_000_000,
    1_000_000,
    100_000,
    10_000,
    1_000,
    100,
    10,
    1,
];

/// The common case of [`parse_seconds`] in one pass over the bytes, without allocating or 128-bit
/// arithmetic: an optional sign, at most 18 digits before the point and at most 9 after it (so
/// the value is exact), no exponent, no surrounding whitespace. Returns `None` for anything else,
/// including text that [`parse_seconds`] reads by its general path; whatever it returns,
/// [`parse_seconds`] returns the same.
pub fn parse_plain_seconds(bytes: &[u8]) -> Option<Nanos> {
    let (neg, body) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        b'+' => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let (whole, int_len) = leading_digits(body)?;
    let mut i = int_len;
    let mut frac: u64 = 0;
    let mut frac_len = 0;
    if body.get(i) == Some(&b'.') {
        i += 1;
        while let Some(&b) = body.get(i) {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            if frac_len == 9 {
                return None;
            }
            frac = frac * 10 + u64::from(d);
            frac_len += 1;
            i += 1;
        }
    }
    if i != body.len() || int_len + frac_len == 0 || whole > PLAIN_MAX_WHOLE_SECONDS {
        return None;
    }
    // Both fit: whole <= i64::MAX / 1e9 - 1 and the fraction is below 1e9.
    let ns = (whole * 1_000_000_000 + frac * FRACTION_SCALE[frac_len]) as i64;
    Some(Nanos(if neg { -ns } else { ns }))
}

/// The ASCII digits `bytes` starts with, as a number, and how many there are (none: 0, 0);
/// `None` for more than 18.
#[inline(always)]
fn leading_digits(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if i == 18 {
            return None;
        }
        value = value * 10 + u64::from(d);
        i += 1;
    }
    Some((value, i))
}

/// The commonest line of an onset list, read in one pass over its bytes: 1 to 18 digits, then
/// optionally a point and at most 9 digits, and nothing else (no sign, no space). `None` for
/// any other text; whatever it returns, [`parse_plain_seconds`] returns the same.
#[inline]
pub fn parse_bare_seconds(bytes: &[u8]) -> Option<Nanos> {
    let (whole, i) = leading_digits(bytes)?;
    if i == 0 || whole > PLAIN_MAX_WHOLE_SECONDS {
        return None;
    }
    if i == bytes.len() {
        return Some(Nanos((whole * 1_000_000_000) as i64));
    }
    if bytes[i] != b'.' || bytes.len() - i - 1 > 9 {
        return None;
    }
    let digits = &bytes[i + 1..];
    let (frac, frac_len) = leading_digits(digits)?;
    if frac_len != digits.len() {
        return None;
    }
    // Both fit: whole <= i64::MAX / 1e9 - 1 and the fraction is below 1e9.
    Some(Nanos(
        (whole * 1_000_000_000 + frac * FRACTION_SCALE[digits.len()]) as i64,
    ))
}

/// [`parse_bare_seconds`] of the line `bytes` starts with, and the line's length: the line ends
/// at the first `\n`, which must be there (`None` otherwise, and for any line
/// [`parse_bare_seconds`] does not read). For a reader going through a block of lines without
/// first splitting it at the line breaks; eight decimals are read at once.
#[inline]
pub fn parse_bare_seconds_line(bytes: &[u8]) -> Option<(Nanos, usize)> {
    let (whole, i) = leading_digits(bytes)?;
    if i == 0 || whole > PLAIN_MAX_WHOLE_SECONDS {
        return None;
    }
    match bytes.get(i)? {
        b'\n' => return Some((Nanos((whole * 1_000_000_000) as i64), i)),
        b'.' => {}
        _ => return None,
    }
    let digits = &bytes[i + 1..];
    let (frac, frac_len) = match eight_digits(digits) {
        Some(first) => match digits.get(8) {
            Some(&b) if b.is_ascii_digit() => (first * 10 + u64::from(b - b'0'), 9),
            _ => (first, 8),
        },
        // Fewer than eight digits (a non-digit among the next eight bytes, or the end).
        None => leading_digits(digits)?,
    };
    if digits.get(frac_len) != Some(&b'\n') {
        return None;
    }
    // Both fit: whole <= i64::MAX / 1e9 - 1 and the fraction is below 1e9.
    Some((
        Nanos((whole * 1_000_000_000 + frac * FRACTION_SCALE[frac_len]) as i64),
        i + 1 + frac_len,
    ))
}

/// The value of the eight ASCII digits `bytes` starts with, read at once (SWAR); `None` when
/// there are fewer than eight bytes or any of them is not a digit.
#[inline(always)]
fn eight_digits(bytes: &[u8]) -> Option<u64> {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    let chunk = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
    // Each byte a digit: its high half 3, and still 3 after adding 6 (0x30..=0x39). No carry
    // crosses bytes once every high half is 3.
    let halves = (chunk & HIGH) | ((chunk.wrapping_add(0x0606_0606_0606_0606) & HIGH) >> 4);
    if halves != 0x3333_3333_3333_3333 {
        return None;
    }
    // The first digit is the lowest byte: pairs, then fours, then all eight.
    let v = chunk - 0x3030_3030_3030_3030;
    let v = v.wrapping_mul(10) + (v >> 8);
    let v = ((v & 0x0000_00FF_0000_00FF).wrapping_mul(100 + (1_000_000 << 32)))
        .wrapping_add(((v >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32)))
        >> 32;
    Some(v)
}

/// Formats nanoseconds as decimal seconds with no loss (`1.5` -> `"1.5"`, trailing zeros removed).
pub fn format_seconds(t: Nanos) -> String {
    let neg = t.0 < 0;
    let abs = t.0.unsigned_abs();
    let int = abs / 1_000_000_000;
    let frac = abs % 1_000_000_000;
    let mut s = if neg {
        String::from("-")
    } else {
        String::new()
    };
    s.push_str(&int.to_string());
    if frac != 0 {
        let f = format!("{frac:09}");
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimal_seconds_exactly() {
        assert_eq!(parse_seconds("1.5"), Some(Nanos(1_500_000_000)));
        assert_eq!(parse_seconds("0.000000001"), Some(Nanos(1)));
        assert_eq!(parse_seconds("-0.25"), Some(Nanos(-250_000_000)));
        assert_eq!(parse_seconds("3"), Some(Nanos(3_000_000_000)));
        assert_eq!(parse_seconds(".5"), Some(Nanos(500_000_000)));
        assert_eq!(parse_seconds("5."), Some(Nanos(5_000_000_000)));
        assert_eq!(parse_seconds("1e-3"), Some(Nanos(1_000_000)));
        assert_eq!(parse_seconds("2.5E2"), Some(Nanos(250_000_000_000)));
        // 0.1 is not representable in binary, but is exact here.
        assert_eq!(parse_seconds("0.1"), Some(Nanos(100_000_000)));
        // Tenth decimal rounds half away from zero.
        assert_eq!(parse_seconds("0.0000000005"), Some(Nanos(1)));
        assert_eq!(parse_seconds("-0.0000000005"), Some(Nanos(-1)));
        assert_eq!(parse_seconds("0.0000000004"), Some(Nanos(0)));
    }

    /// 200,000 pseudo-random strings of up to 23 characters from an ASCII `alphabet`.
    fn random_texts(seed: u64, alphabet: &[u8]) -> impl Iterator<Item = String> + '_ {
        let mut state = seed;
        (0..200_000).map(move |_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 24) as usize;
            (0..len)
                .map(|k| {
                    alphabet[((state >> (k * 2 % 60)) as usize + k * 7) % alphabet.len()] as char
                })
                .collect()
        })
    }

    #[test]
    fn plain_path_agrees_with_the_general_one() {
        // Every string the fast path reads must read the same by the general path.
        let mut read = 0;
        for text in random_texts(0x2545_f491_4f6c_dd1d, b"0123456789..-+e 9") {
            if let Some(t) = parse_plain_seconds(text.as_bytes()) {
                assert_eq!(Some(t), parse_general_seconds(&text), "{text:?}");
                read += 1;
            }
        }
        for text in [
            "0",
            "-0",
            "+0.5",
            "1.",
            ".5",
            "123456789012345678",
            "9223372035.999999999",
            "0.000000001",
            "000000000000000001.1",
            "-12.345",
        ] {
            assert_eq!(
                parse_plain_seconds(text.as_bytes()),
                parse_general_seconds(text),
                "{text:?}"
            );
        }
        // Beyond the fast path's range: left to the general path.
        assert_eq!(parse_plain_seconds(b"9223372036"), None);
        assert!(read > 1000, "the fast path read only {read} strings");
        assert_eq!(parse_plain_seconds(b"0.1234567891"), None);
        assert_eq!(parse_plain_seconds(b"1e3"), None);
        assert_eq!(parse_plain_seconds(b"."), None);
    }

    #[test]
    fn bare_path_agrees_with_the_plain_one() {
        // Whatever the one-pass reader of a bare decimal reads, the plain path reads the same.
        let mut read = 0;
        for text in random_texts(0x9e37_79b9_7f4a_7c15, b"0123456789.-+ e\r9") {
            if let Some(t) = parse_bare_seconds(text.as_bytes()) {
                assert_eq!(Some(t), parse_plain_seconds(text.as_bytes()), "{text:?}");
                read += 1;
            }
        }
        assert!(read > 1000, "the bare path read only {read} strings");
        for text in [
            "0",
            "1.",
            "0.005898204",
            "9223372035.999999999",
            "000000000000000001.1",
        ] {
            let t = parse_bare_seconds(text.as_bytes());
            assert!(t.is_some(), "{text:?}");
            assert_eq!(t, parse_plain_seconds(text.as_bytes()), "{text:?}");
        }
        for text in [
            "",
            ".5",
            "-1",
            "+1",
            " 1",
            "1 ",
            "1\r",
            "1.0123456789",
            "9223372036",
            "1e3",
            "1.2.3",
            "123456789012345678",
            "1234567890123456789",
        ] {
            assert_eq!(parse_bare_seconds(text.as_bytes()), None, "{text:?}");
        }
    }

    #[test]
    fn line_path_agrees_with_the_bare_one() {
        let mut read = 0;
        let long = random_texts(0x51_7cc1_b727_220a, b"0123456789012345678901234567.");
        let short = random_texts(0x9e37_79b9_7f4a_7c15, b"0123456789.-+ e\r9\n");
        for text in long.chain(short).chain(
            [
                "0.12345678",
                "0.123456789",
                "12.98765432",
                "1.00000000",
                "99.99999999",
                "1.1234567a",
                "1.123456789",
                "1.12345678/",
                "1.:2345678",
            ]
            .map(String::from),
        ) {
            let line = text.split('\n').next().unwrap_or_default();
            let want = parse_bare_seconds(line.as_bytes()).map(|t| (t, line.len()));
            let with_break = format!("{text}\n1");
            assert_eq!(
                parse_bare_seconds_line(with_break.as_bytes()),
                want,
                "{text:?}"
            );
            read += usize::from(want.is_some());
            if !text.contains('\n') {
                // No line break, no line.
                assert_eq!(parse_bare_seconds_line(text.as_bytes()), None, "{text:?}");
            }
        }
        assert!(read > 1000, "the line path read only {read} strings");
    }

    #[test]
    fn refuses_non_numbers() {
        for bad in [
            "", "-", ".", "nan", "NaN", "inf", "-inf", "1.2.3", "1e", "abc", "1e400", "0x10",
        ] {
            assert_eq!(parse_seconds(bad), None, "{bad:?} should be refused");
        }
    }

    #[test]
    fn formats_without_loss() {
        for ns in [0i64, 1, -1, 1_500_000_000, 123_456_789_012, -250_000_000] {
            let s = format_seconds(Nanos(ns));
            assert_eq!(parse_seconds(&s), Some(Nanos(ns)), "round trip of {s}");
        }
        assert_eq!(format_seconds(Nanos(1_500_000_000)), "1.5");
    }
}
