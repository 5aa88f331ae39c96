//! The tempo map: exact conversion between musical time ([`Ticks`]) and [`Nanos`], and bar:beat
//! positions across tempo and time-signature changes.
//!
//! # Arithmetic and rounding
//! A tempo is stored exactly as given: as microseconds per quarter note (Standard MIDI Files,
//! Rock Band), as thousandths of a BPM (pocket charts, Clone Hero charts), or as an exact
//! fraction of a BPM (a decimal BPM such as DTXMania's `133.3333`). Each is a rational number of
//! nanoseconds per quarter note, so the length of `d` ticks inside one tempo segment is
//! the exact rational `d · ns_per_quarter / ppq`, computed in 128-bit integers and rounded to the
//! nearest nanosecond, halves rounded up (toward +∞). Each segment starts at the rounded end of the
//! previous one, so the error against real-number arithmetic is below 0.5 ns inside a segment and
//! grows by at most 0.5 ns per tempo change. Nanoseconds convert back to the nearest tick the same
//! way. Because a tick always lasts more than 1 ns (tempos are limited to 1..=1000 BPM and PPQ to
//! 1..=32767, so a tick lasts at least 1.8 ns), tick -> ns -> tick is the identity.
//!
//! Times before tick 0 extend the first tempo and the first time signature backwards.
//!
//! # Bars and beats
//! Bars and beats are counted from 1. A beat is the time signature's denominator unit (an eighth
//! note in 6/8). A chart may start with a pickup (anacrusis): bar 0, shorter than a full bar, whose
//! beats are numbered as the last beats of a full bar (a one-beat pickup in 4/4 is `0:4`). A time
//! signature change that falls inside a bar (possible in MIDI files) cuts that bar short and starts
//! a new bar.

use crate::time::{Nanos, Ticks};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Slowest tempo accepted, in BPM.
pub const MIN_BPM: f64 = 1.0;
/// Fastest tempo accepted, in BPM.
pub const MAX_BPM: f64 = 1000.0;
/// Largest resolution accepted, in ticks per quarter note (the SMF limit).
pub const MAX_PPQ: u32 = 32767;

/// A tempo, stored exactly as the source file gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tempo {
    /// Microseconds per quarter note (the SMF `Set Tempo` meta event).
    MicrosPerQuarter(u32),
    /// Thousandths of a beat per minute, a quarter note being the beat (e.g. 114000 = 114 BPM).
    MilliBpm(u32),
    /// Quarter notes per minute as an exact fraction `num / den` in lowest terms, for tempos
    /// that neither of the other forms holds (a decimal BPM with more than three places, such
    /// as DTXMania's `133.3333`). Build it with [`Tempo::from_bpm_fraction`], which picks
    /// [`Tempo::MilliBpm`] whenever that is exact, so each tempo has one form.
    BpmFraction {
        /// Numerator (> 0).
        num: u64,
        /// Denominator (> 0).
        den: u64,
    },
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

impl Tempo {
    /// A tempo from BPM given as a float, kept to 0.001 BPM.
    pub fn from_bpm(bpm: f64) -> Tempo {
        Tempo::MilliBpm((bpm * 1000.0).round().clamp(0.0, u32::MAX as f64) as u32)
    }

    /// The tempo of exactly `num / den` quarter notes per minute: [`Tempo::MilliBpm`] when that
    /// is a whole number of thousandths of a BPM, else [`Tempo::BpmFraction`] in lowest terms.
    /// A zero numerator gives `MilliBpm(0)` (which a tempo map refuses as tempo 0); a zero
    /// denominator gives `None`.
    pub fn from_bpm_fraction(num: u64, den: u64) -> Option<Tempo> {
        if den == 0 {
            return None;
        }
        if num == 0 {
            return Some(Tempo::MilliBpm(0));
        }
        let g = gcd(num, den);
        let (num, den) = (num / g, den / g);
        if 1000 % den == 0 {
            if let Some(m) = num
                .checked_mul(1000 / den)
                .and_then(|m| u32::try_from(m).ok())
            {
                return Some(Tempo::MilliBpm(m));
            }
        }
        Some(Tempo::BpmFraction { num, den })
    }

    /// Nanoseconds per quarter note as an exact fraction `(numerator, denominator)`.
    pub fn ns_per_quarter(self) -> (i128, i128) {
        match self {
            Tempo::MicrosPerQuarter(us) => (us as i128 * 1000, 1),
            Tempo::MilliBpm(m) => (60_000_000_000_000, m.max(1) as i128),
            Tempo::BpmFraction { num, den } => (60_000_000_000 * den as i128, num.max(1) as i128),
        }
    }

    /// Quarter notes per minute.
    pub fn bpm(self) -> f64 {
        match self {
            Tempo::MicrosPerQuarter(us) => 60_000_000.0 / us.max(1) as f64,
            Tempo::MilliBpm(m) => m as f64 / 1000.0,
            Tempo::BpmFraction { num, den } => num as f64 / den.max(1) as f64,
        }
    }

    /// Whether the tempo is 0 (which no tempo map accepts).
    pub fn is_zero(self) -> bool {
        matches!(
            self,
            Tempo::MicrosPerQuarter(0) | Tempo::MilliBpm(0) | Tempo::BpmFraction { num: 0, .. }
        )
    }

    /// Microseconds per quarter, rounded to the nearest integer (for writing SMF).
    pub fn micros_per_quarter(self) -> u32 {
        match self {
            Tempo::MicrosPerQuarter(us) => us,
            _ => {
                let (num, den) = self.ns_per_quarter();
                let den = den * 1000;
                ((2 * num + den) / (2 * den)).clamp(0, u32::MAX as i128) as u32
            }
        }
    }
}

/// A time signature: `numerator` beats of 1/`denominator` notes per bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct TimeSignature {
    /// Beats per bar (1..=255).
    pub numerator: u8,
    /// The beat unit: 1, 2, 4, 8, 16, 32 or 64.
    pub denominator: u8,
}

impl TimeSignature {
    /// 4/4.
    pub const COMMON: TimeSignature = TimeSignature {
        numerator: 4,
        denominator: 4,
    };
}

impl fmt::Display for TimeSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.numerator, self.denominator)
    }
}

impl std::str::FromStr for TimeSignature {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (n, d) = s
            .split_once('/')
            .ok_or_else(|| format!("time signature {s:?} is not of the form N/D, e.g. 4/4"))?;
        let numerator: u8 = n
            .trim()
            .parse()
            .map_err(|_| format!("time signature {s:?}: numerator must be 1..=255"))?;
        let denominator: u8 = d
            .trim()
            .parse()
            .map_err(|_| format!("time signature {s:?}: denominator must be 1..=64"))?;
        Ok(TimeSignature {
            numerator,
            denominator,
        })
    }
}

/// What is wrong with a tempo map. Readers add the file and place.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TempoMapError {
    /// Resolution 0 or above 32767.
    #[error("resolution {0} ticks per quarter note is out of range (1..=32767)")]
    BadPpq(u32),
    /// A tempo of 0.
    #[error("tempo 0 at tick {0}: a tempo must be between 1 and 1000 BPM")]
    TempoZero(i64),
    /// A tempo outside 1..=1000 BPM.
    #[error("absurd tempo {bpm:.3} BPM at tick {tick}: pocket accepts 1 to 1000 BPM")]
    AbsurdTempo {
        /// Where the tempo starts.
        tick: i64,
        /// The tempo given.
        bpm: f64,
    },
    /// Tempo changes out of order or before tick 0.
    #[error(
        "tempo change at tick {0} is out of order: tempo changes must be at increasing ticks >= 0"
    )]
    TempoOrder(i64),
    /// A time signature with numerator 0 or a denominator that is not a power of two up to 64.
    #[error(
        "time signature {0} is invalid: numerator 1..=255, denominator 1, 2, 4, 8, 16, 32 or 64"
    )]
    BadSignature(String),
    /// A bar length that is not a whole number of ticks.
    #[error("time signature {sig} does not divide into whole ticks at {ppq} PPQ")]
    FractionalBar {
        /// The signature.
        sig: String,
        /// The resolution.
        ppq: u32,
    },
    /// Time-signature changes out of order.
    #[error("time signature change at {0} is out of order: changes must be at increasing positions after the first bar")]
    SignatureOrder(String),
    /// A pickup that is not shorter than a bar or not a whole number of beats... (only length is checked).
    #[error("pickup of {0} ticks must be shorter than one bar of the first time signature")]
    BadPickup(i64),
    /// A bar:beat position that does not exist.
    #[error("position {0} does not exist in this chart: {1}")]
    BadPosition(String, String),
}

#[derive(Debug, Clone, PartialEq)]
struct Segment {
    tick: i64,
    tempo: Tempo,
    /// Time at `tick`, in ns.
    ns: i64,
    /// ns per quarter as an exact fraction.
    num: i128,
    den: i128,
}

/// One time-signature region: bar `bar` starts at tick `anchor` and bars of `sig` follow from
/// `start` (which equals `anchor` except for a pickup bar).
#[derive(Debug, Clone, PartialEq)]
struct Meter {
    start: i64,
    anchor: i64,
    bar: i64,
    sig: TimeSignature,
    bar_ticks: i64,
    beat_ticks: i64,
}

/// A bar:beat:tick position. Bars and beats count from 1 (bar 0 is a pickup or lies before the
/// chart); `tick` is ticks into the beat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Bar number (1 = first full bar).
    pub bar: i64,
    /// Beat in the bar, from 1.
    pub beat: u32,
    /// Ticks after the beat.
    pub tick: i64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.bar, self.beat, self.tick)
    }
}

/// A tempo change as stored in a map: where it starts and the tempo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TempoChange {
    /// Where the tempo starts.
    pub tick: Ticks,
    /// When the tempo starts.
    pub time: Nanos,
    /// The tempo.
    pub tempo: Tempo,
}

/// A time-signature change as stored in a map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignatureChange {
    /// Where the signature starts (the start of `bar`, or tick 0 for a pickup).
    pub tick: Ticks,
    /// The first bar in this signature.
    pub bar: i64,
    /// The signature.
    pub signature: TimeSignature,
}

/// Exact tick <-> time conversion with bar:beat positions. See the module docs for the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct TempoMap {
    ppq: u32,
    segments: Vec<Segment>,
    meters: Vec<Meter>,
    pickup: i64,
}

/// `round(a / b)` with halves toward +∞, for b > 0.
fn div_round(a: i128, b: i128) -> i128 {
    (2 * a + b).div_euclid(2 * b)
}

fn clamp_i64(v: i128) -> i64 {
    v.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

impl TempoMap {
    /// A map with one tempo and one time signature from tick 0 and no pickup.
    pub fn constant(ppq: u32, tempo: Tempo, sig: TimeSignature) -> Result<TempoMap, TempoMapError> {
        TempoMap::new(ppq, &[(Ticks(0), tempo)], sig, Ticks(0))
    }

    /// A map from tempo changes (sorted by tick; if the first is after tick 0, 120 BPM applies
    /// before it, as in MIDI files), the first time signature, and the length of a pickup bar
    /// (0 for none). Further signatures are added with [`TempoMap::add_signature_at_tick`] or
    /// [`TempoMap::add_signature_at_bar`].
    pub fn new(
        ppq: u32,
        tempos: &[(Ticks, Tempo)],
        first_signature: TimeSignature,
        pickup: Ticks,
    ) -> Result<TempoMap, TempoMapError> {
        if ppq == 0 || ppq > MAX_PPQ {
            return Err(TempoMapError::BadPpq(ppq));
        }
        let mut segments: Vec<Segment> = Vec::with_capacity(tempos.len() + 1);
        let default = Tempo::MicrosPerQuarter(500_000);
        let mut list: Vec<(i64, Tempo)> = Vec::with_capacity(tempos.len() + 1);
        if tempos.first().map(|t| t.0 .0 > 0).unwrap_or(true) {
            list.push((0, default));
        }
        list.extend(tempos.iter().map(|(t, tempo)| (t.0, *tempo)));
        for (tick, tempo) in list {
            let bpm = tempo.bpm();
            match tempo {
                _ if tempo.is_zero() => return Err(TempoMapError::TempoZero(tick)),
                _ if !(MIN_BPM..=MAX_BPM).contains(&bpm) => {
                    return Err(TempoMapError::AbsurdTempo { tick, bpm })
                }
                _ => {}
            }
            let (num, den) = tempo.ns_per_quarter();
            match segments.last_mut() {
                None => {
                    if tick != 0 {
                        return Err(TempoMapError::TempoOrder(tick));
                    }
                    segments.push(Segment {
                        tick,
                        tempo,
                        ns: 0,
                        num,
                        den,
                    });
                }
                Some(prev) if tick == prev.tick => {
                    // A later tempo at the same tick replaces the earlier one (MIDI semantics).
                    prev.tempo = tempo;
                    prev.num = num;
                    prev.den = den;
                }
                Some(prev) if tick < prev.tick => return Err(TempoMapError::TempoOrder(tick)),
                Some(prev) => {
                    let len = div_round(
                        (tick - prev.tick) as i128 * prev.num,
                        prev.den * ppq as i128,
                    );
                    let ns = clamp_i64(prev.ns as i128 + len);
                    segments.push(Segment {
                        tick,
                        tempo,
                        ns,
                        num,
                        den,
                    });
                }
            }
        }
        let mut map = TempoMap {
            ppq,
            segments,
            meters: Vec::new(),
            pickup: pickup.0,
        };
        let (bar_ticks, beat_ticks) = map.measure(first_signature)?;
        if pickup.0 < 0 || pickup.0 >= bar_ticks {
            return Err(TempoMapError::BadPickup(pickup.0));
        }
        let (anchor, bar) = if pickup.0 > 0 {
            (pickup.0 - bar_ticks, 0)
        } else {
            (0, 1)
        };
        map.meters.push(Meter {
            start: 0,
            anchor,
            bar,
            sig: first_signature,
            bar_ticks,
            beat_ticks,
        });
        Ok(map)
    }

    fn measure(&self, sig: TimeSignature) -> Result<(i64, i64), TempoMapError> {
        if sig.numerator == 0 || !matches!(sig.denominator, 1 | 2 | 4 | 8 | 16 | 32 | 64) {
            return Err(TempoMapError::BadSignature(sig.to_string()));
        }
        let whole = 4 * self.ppq as i64;
        if whole % sig.denominator as i64 != 0 {
            return Err(TempoMapError::FractionalBar {
                sig: sig.to_string(),
                ppq: self.ppq,
            });
        }
        let beat = whole / sig.denominator as i64;
        Ok((beat * sig.numerator as i64, beat))
    }

    /// Adds a time-signature change at `tick` (as MIDI files give them). If `tick` falls inside a
    /// bar, that bar ends early and the new signature starts the next bar number. A change at the
    /// same tick as the previous one replaces it.
    pub fn add_signature_at_tick(
        &mut self,
        tick: Ticks,
        sig: TimeSignature,
    ) -> Result<(), TempoMapError> {
        let (bar_ticks, beat_ticks) = self.measure(sig)?;
        let last = self.meters.last().expect("a map always has a meter");
        if tick.0 < last.start {
            return Err(TempoMapError::SignatureOrder(tick.to_string()));
        }
        if tick.0 == last.start || (tick.0 == 0 && self.meters.len() == 1) {
            let last = self.meters.last_mut().expect("a map always has a meter");
            if last.start == 0 && self.pickup > 0 {
                // Keep the pickup's length, re-anchor to the new bar length.
                last.anchor = self.pickup - bar_ticks;
            }
            last.sig = sig;
            last.bar_ticks = bar_ticks;
            last.beat_ticks = beat_ticks;
            return Ok(());
        }
        let pos = self.position(tick);
        let bar = if pos.beat == 1 && pos.tick == 0 {
            pos.bar
        } else {
            pos.bar + 1
        };
        self.meters.push(Meter {
            start: tick.0,
            anchor: tick.0,
            bar,
            sig,
            bar_ticks,
            beat_ticks,
        });
        Ok(())
    }

    /// Adds a time-signature change at the start of `bar` (as pocket charts give them). Bars must
    /// increase and come after the first bar.
    pub fn add_signature_at_bar(
        &mut self,
        bar: i64,
        sig: TimeSignature,
    ) -> Result<(), TempoMapError> {
        let last = self.meters.last().expect("a map always has a meter");
        if bar <= last.bar && !(self.meters.len() == 1 && bar == last.bar) {
            return Err(TempoMapError::SignatureOrder(format!("bar {bar}")));
        }
        let tick = self.bar_start(bar);
        self.add_signature_at_tick(tick, sig)
    }

    /// Resolution in ticks per quarter note.
    pub fn ppq(&self) -> u32 {
        self.ppq
    }

    /// Length of the pickup bar in ticks (0 if none).
    pub fn pickup(&self) -> Ticks {
        Ticks(self.pickup)
    }

    /// The tempo changes, the first at tick 0.
    pub fn tempos(&self) -> impl Iterator<Item = TempoChange> + '_ {
        self.segments.iter().map(|s| TempoChange {
            tick: Ticks(s.tick),
            time: Nanos(s.ns),
            tempo: s.tempo,
        })
    }

    /// The time-signature changes, the first at tick 0.
    pub fn signatures(&self) -> impl Iterator<Item = SignatureChange> + '_ {
        self.meters.iter().map(|m| SignatureChange {
            tick: Ticks(m.start),
            bar: m.bar,
            signature: m.sig,
        })
    }

    fn segment_for_tick(&self, tick: i64) -> &Segment {
        let i = self.segments.partition_point(|s| s.tick <= tick);
        &self.segments[i.saturating_sub(1)]
    }

    fn segment_for_time(&self, ns: i64) -> &Segment {
        let i = self.segments.partition_point(|s| s.ns <= ns);
        &self.segments[i.saturating_sub(1)]
    }

    /// The time of a tick.
    pub fn time(&self, tick: Ticks) -> Nanos {
        let s = self.segment_for_tick(tick.0);
        let off = div_round((tick.0 - s.tick) as i128 * s.num, s.den * self.ppq as i128);
        Nanos(clamp_i64(s.ns as i128 + off))
    }

    /// The tick nearest to a time (halves toward +∞).
    pub fn tick(&self, time: Nanos) -> Ticks {
        let s = self.segment_for_time(time.0);
        let off = div_round((time.0 - s.ns) as i128 * s.den * self.ppq as i128, s.num);
        Ticks(clamp_i64(s.tick as i128 + off))
    }

    /// The tempo in force at a tick.
    pub fn tempo_at(&self, tick: Ticks) -> Tempo {
        self.segment_for_tick(tick.0).tempo
    }

    fn meter_for_tick(&self, tick: i64) -> &Meter {
        let i = self.meters.partition_point(|m| m.start <= tick);
        &self.meters[i.saturating_sub(1)]
    }

    /// The time signature in force at a tick.
    pub fn signature_at(&self, tick: Ticks) -> TimeSignature {
        self.meter_for_tick(tick.0).sig
    }

    /// The bar:beat:tick position of a tick.
    pub fn position(&self, tick: Ticks) -> Position {
        let m = self.meter_for_tick(tick.0);
        let rel = tick.0 - m.anchor;
        let k = rel.div_euclid(m.bar_ticks);
        let in_bar = rel.rem_euclid(m.bar_ticks);
        Position {
            bar: m.bar + k,
            beat: (in_bar / m.beat_ticks) as u32 + 1,
            tick: in_bar % m.beat_ticks,
        }
    }

    /// The bar of a tick, as [`TempoMap::position`] gives it, and the ticks around it that are
    /// all in that bar (`start..end`, within one time signature): a caller going through ticks
    /// in order finds the bar of the next one by a comparison.
    pub fn bar_ticks(&self, tick: Ticks) -> (i64, std::ops::Range<i64>) {
        let i = self.meters.partition_point(|m| m.start <= tick.0);
        let j = i.saturating_sub(1);
        let m = &self.meters[j];
        let k = (tick.0 - m.anchor).div_euclid(m.bar_ticks);
        // The ticks `position` reads with this signature: from its start (every tick before
        // the first one) to the next one's start.
        let from = if j == 0 { i64::MIN } else { m.start };
        let until = self.meters.get(j + 1).map_or(i64::MAX, |next| next.start);
        let start = m.anchor as i128 + k as i128 * m.bar_ticks as i128;
        let end = start + m.bar_ticks as i128;
        (
            m.bar + k,
            clamp_i64(start).max(from)..clamp_i64(end).min(until),
        )
    }

    /// The bar:beat:tick position of a time (at the nearest tick).
    pub fn position_at(&self, time: Nanos) -> Position {
        self.position(self.tick(time))
    }

    /// The tick where `bar` starts. Bar 0 of a chart with a pickup starts at tick 0.
    pub fn bar_start(&self, bar: i64) -> Ticks {
        let i = self.meters.partition_point(|m| m.bar <= bar);
        let m = &self.meters[i.saturating_sub(1)];
        let t = m.anchor + (bar - m.bar) * m.bar_ticks;
        if bar == 0 && self.pickup > 0 {
            Ticks(0)
        } else {
            Ticks(t)
        }
    }

    /// The tick of a bar:beat:tick position, checking that it exists (beat within the bar,
    /// tick within the beat, beats of a pickup bar that are actually in it).
    pub fn tick_of(&self, pos: Position) -> Result<Ticks, TempoMapError> {
        let bad = |why: String| TempoMapError::BadPosition(pos.to_string(), why);
        let i = self.meters.partition_point(|m| m.bar <= pos.bar);
        let m = &self.meters[i.saturating_sub(1)];
        if pos.beat == 0 || pos.beat > m.sig.numerator as u32 {
            return Err(bad(format!(
                "beats in {} count from 1 to {}",
                m.sig, m.sig.numerator
            )));
        }
        if pos.tick < 0 || pos.tick >= m.beat_ticks {
            return Err(bad(format!(
                "ticks into a beat run from 0 to {} at {} PPQ in {}",
                m.beat_ticks - 1,
                self.ppq,
                m.sig
            )));
        }
        let t = m.anchor
            + (pos.bar - m.bar) * m.bar_ticks
            + (pos.beat as i64 - 1) * m.beat_ticks
            + pos.tick;
        // A bar cut short by a later signature change.
        if let Some(next) = self.meters.get(i) {
            if t >= next.start {
                return Err(bad(format!(
                    "bar {} is cut short by the {} change",
                    pos.bar, next.sig
                )));
            }
        }
        if pos.bar <= 0 && t < 0 {
            return Err(bad(if self.pickup > 0 {
                "that beat is before the pickup bar starts".to_string()
            } else {
                "the chart starts at 1:1".to_string()
            }));
        }
        Ok(Ticks(t))
    }

    /// Length of one beat (the signature's denominator unit) in ticks at a tick.
    pub fn beat_ticks_at(&self, tick: Ticks) -> i64 {
        self.meter_for_tick(tick.0).beat_ticks
    }

    /// Length of one bar in ticks at a tick (a full bar of the signature in force).
    pub fn bar_ticks_at(&self, tick: Ticks) -> i64 {
        self.meter_for_tick(tick.0).bar_ticks
    }

    /// The bar that contains a time.
    pub fn bar_at(&self, time: Nanos) -> i64 {
        self.position_at(time).bar
    }

    /// The time span `[start, end)` of a bar.
    pub fn bar_span(&self, bar: i64) -> (Nanos, Nanos) {
        let start = self.bar_start(bar);
        let end = self.bar_start(bar + 1);
        (self.time(start), self.time(end))
    }
}

impl std::str::FromStr for Position {
    type Err = String;
    /// Parses `bar:beat` or `bar:beat:tick`.
    fn from_str(s: &str) -> Result<Position, String> {
        let mut parts = s.split(':');
        let bad = || {
            format!("position {s:?} is not bar:beat or bar:beat:tick (e.g. \"5:2\" or \"5:2:240\")")
        };
        let bar = parts
            .next()
            .and_then(|p| p.trim().parse().ok())
            .ok_or_else(bad)?;
        let beat = parts
            .next()
            .and_then(|p| p.trim().parse().ok())
            .ok_or_else(bad)?;
        let tick = match parts.next() {
            Some(p) => p.trim().parse().map_err(|_| bad())?,
            None => 0,
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Position { bar, beat, tick })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn map_120() -> TempoMap {
        TempoMap::constant(480, Tempo::MicrosPerQuarter(500_000), TimeSignature::COMMON).unwrap()
    }

    #[test]
    fn constant_tempo_converts_exactly() {
        let m = map_120();
        assert_eq!(m.time(Ticks(480)), Nanos(500_000_000));
        assert_eq!(m.time(Ticks(1)), Nanos(1_041_667)); // 1_041_666.67 rounds up
        assert_eq!(m.tick(Nanos(500_000_000)), Ticks(480));
        assert_eq!(m.time(Ticks(-480)), Nanos(-500_000_000));
    }

    #[test]
    fn bpm_tempos_are_exact_rationals() {
        // 114 BPM: a quarter lasts 526_315_789.47 ns; 114 quarters last exactly 60 s.
        let m = TempoMap::constant(480, Tempo::from_bpm(114.0), TimeSignature::COMMON).unwrap();
        assert_eq!(m.time(Ticks(114 * 480)), Nanos(60_000_000_000));
        assert_eq!(m.time(Ticks(480)), Nanos(526_315_789));
    }

    #[test]
    fn tempo_changes_accumulate() {
        let m = TempoMap::new(
            96,
            &[
                (Ticks(0), Tempo::MicrosPerQuarter(500_000)),
                (Ticks(96 * 4), Tempo::MicrosPerQuarter(250_000)),
            ],
            TimeSignature::COMMON,
            Ticks(0),
        )
        .unwrap();
        assert_eq!(m.time(Ticks(96 * 4)), Nanos(2_000_000_000));
        assert_eq!(m.time(Ticks(96 * 8)), Nanos(3_000_000_000));
        assert_eq!(m.tick(Nanos(2_500_000_000)), Ticks(96 * 6));
        assert_eq!(m.tempo_at(Ticks(96 * 5)), Tempo::MicrosPerQuarter(250_000));
    }

    #[test]
    fn a_late_first_tempo_gets_120_bpm_before_it() {
        let m = TempoMap::new(
            480,
            &[(Ticks(480), Tempo::MicrosPerQuarter(1_000_000))],
            TimeSignature::COMMON,
            Ticks(0),
        )
        .unwrap();
        assert_eq!(m.time(Ticks(480)), Nanos(500_000_000));
        assert_eq!(m.time(Ticks(960)), Nanos(1_500_000_000));
    }

    #[test]
    fn refuses_zero_and_absurd_tempos() {
        let sig = TimeSignature::COMMON;
        assert_eq!(
            TempoMap::constant(480, Tempo::MicrosPerQuarter(0), sig),
            Err(TempoMapError::TempoZero(0))
        );
        assert!(matches!(
            TempoMap::constant(480, Tempo::MicrosPerQuarter(10), sig),
            Err(TempoMapError::AbsurdTempo { .. })
        ));
        assert!(matches!(
            TempoMap::constant(0, Tempo::MicrosPerQuarter(500_000), sig),
            Err(TempoMapError::BadPpq(0))
        ));
        assert!(matches!(
            TempoMap::constant(
                480,
                Tempo::MicrosPerQuarter(500_000),
                TimeSignature {
                    numerator: 4,
                    denominator: 3
                }
            ),
            Err(TempoMapError::BadSignature(_))
        ));
    }

    #[test]
    fn positions_count_bars_and_beats_from_one() {
        let m = map_120();
        assert_eq!(
            m.position(Ticks(0)),
            Position {
                bar: 1,
                beat: 1,
                tick: 0
            }
        );
        assert_eq!(m.position(Ticks(480 * 5 + 7)).to_string(), "2:2:7");
        assert_eq!(m.tick_of("2:2:7".parse().unwrap()), Ok(Ticks(480 * 5 + 7)));
    }

    #[test]
    fn six_eight_beats_are_eighth_notes() {
        let m = TempoMap::constant(
            480,
            Tempo::MicrosPerQuarter(500_000),
            TimeSignature {
                numerator: 6,
                denominator: 8,
            },
        )
        .unwrap();
        assert_eq!(m.position(Ticks(240 * 5)).to_string(), "1:6:0");
        assert_eq!(m.position(Ticks(240 * 6)).to_string(), "2:1:0");
    }

    #[test]
    fn pickup_bar_is_bar_zero_with_trailing_beats() {
        let m = TempoMap::new(
            480,
            &[(Ticks(0), Tempo::MicrosPerQuarter(500_000))],
            TimeSignature::COMMON,
            Ticks(480),
        )
        .unwrap();
        assert_eq!(m.position(Ticks(0)).to_string(), "0:4:0");
        assert_eq!(m.position(Ticks(480)).to_string(), "1:1:0");
        assert_eq!(m.bar_start(0), Ticks(0));
        assert_eq!(m.bar_start(1), Ticks(480));
        assert_eq!(m.tick_of("0:4:0".parse().unwrap()), Ok(Ticks(0)));
        assert!(m.tick_of("0:3:0".parse().unwrap()).is_err());
    }

    #[test]
    fn signature_changes_renumber_bars() {
        let mut m = map_120();
        m.add_signature_at_bar(3, "3/4".parse().unwrap()).unwrap();
        assert_eq!(m.bar_start(3), Ticks(480 * 8));
        assert_eq!(m.bar_start(4), Ticks(480 * 11));
        assert_eq!(m.position(Ticks(480 * 11)).to_string(), "4:1:0");
        assert!(m.tick_of("3:4:0".parse().unwrap()).is_err());
        // A change in mid-bar (MIDI files) cuts the bar short.
        let mut m = map_120();
        m.add_signature_at_tick(Ticks(480 * 6), "2/4".parse().unwrap())
            .unwrap();
        assert_eq!(m.position(Ticks(480 * 6)).to_string(), "3:1:0");
        assert!(m.tick_of("2:3:0".parse().unwrap()).is_err());
    }

    #[test]
    fn bar_ticks_hold_the_ticks_of_the_positions_bar() {
        let pickup = TempoMap::new(
            480,
            &[(Ticks(0), Tempo::MicrosPerQuarter(500_000))],
            TimeSignature::COMMON,
            Ticks(480),
        )
        .unwrap();
        let mut renumbered = map_120();
        renumbered
            .add_signature_at_bar(3, "3/4".parse().unwrap())
            .unwrap();
        let mut cut = map_120();
        cut.add_signature_at_tick(Ticks(480 * 6), "2/4".parse().unwrap())
            .unwrap();
        cut.add_signature_at_tick(Ticks(480 * 9 + 120), "7/8".parse().unwrap())
            .unwrap();
        for m in [map_120(), pickup, renumbered, cut] {
            for t in (-3000..12_000).step_by(13) {
                let (bar, ticks) = m.bar_ticks(Ticks(t));
                assert_eq!(bar, m.position(Ticks(t)).bar, "tick {t}");
                assert!(ticks.contains(&t), "tick {t} outside {ticks:?}");
                assert!(ticks.end - ticks.start <= 480 * 4, "{ticks:?}");
                for u in ticks.clone() {
                    assert_eq!(m.position(Ticks(u)).bar, bar, "tick {u} of {ticks:?}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn tick_time_tick_round_trips(
            ppq in prop_oneof![Just(96u32), Just(120), Just(192), Just(480), Just(960), 1u32..=32767],
            changes in proptest::collection::vec((1i64..100_000, 60_000u32..=60_000_000, any::<bool>()), 0..20),
            ticks in proptest::collection::vec(-1_000_000i64..10_000_000, 1..50),
        ) {
            let mut at = 0i64;
            let mut tempos = vec![(Ticks(0), Tempo::MicrosPerQuarter(500_000))];
            for (gap, us, as_bpm) in changes {
                at += gap;
                let tempo = if as_bpm {
                    Tempo::MilliBpm((60_000_000_000u64 / us as u64).clamp(1000, 1_000_000) as u32)
                } else {
                    Tempo::MicrosPerQuarter(us)
                };
                tempos.push((Ticks(at), tempo));
            }
            let m = TempoMap::new(ppq, &tempos, TimeSignature::COMMON, Ticks(0)).unwrap();
            let mut last = None;
            let mut sorted = ticks.clone();
            sorted.sort();
            for t in sorted {
                let ns = m.time(Ticks(t));
                prop_assert_eq!(m.tick(ns), Ticks(t), "tick {} -> {:?}", t, ns);
                if let Some((lt, lns)) = last {
                    if t > lt { prop_assert!(ns > lns, "time must increase with ticks"); }
                }
                last = Some((t, ns));
            }
        }
    }
}
