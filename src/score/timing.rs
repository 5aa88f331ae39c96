//! Timing: the matching window and the tier edges, named presets and custom edges.

use crate::report::{Tier, TierEdges, TimingName};
use crate::time::Nanos;
use std::fmt;

/// A named timing preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimingPreset {
    /// ±70 ms window (YARG's default hit window) with tiers 20/40/55/70 ms.
    Strict,
    /// DTXMania's Perfect/Great/Good/Poor edges, 34/67/84/117 ms; window 117 ms.
    #[default]
    Standard,
    /// Drum Game's Lax edges 50/100/150 ms with its 200 ms outer edge as the window.
    Lax,
}

impl std::str::FromStr for TimingPreset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "strict" => Ok(TimingPreset::Strict),
            "standard" => Ok(TimingPreset::Standard),
            "lax" => Ok(TimingPreset::Lax),
            _ => Err(format!(
                "unknown timing preset {s:?}; use strict, standard or lax"
            )),
        }
    }
}

impl fmt::Display for TimingPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimingPreset::Strict => "strict",
            TimingPreset::Standard => "standard",
            TimingPreset::Lax => "lax",
        })
    }
}

/// The matching window and tier edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// `strict`/`standard`/`lax`, or `None` for custom edges.
    pub preset: Option<TimingPreset>,
    /// Largest |offset| that still matches (closed interval).
    pub window: Nanos,
    /// Largest |offset| for perfect, great and good; poor reaches to the window.
    pub edges: [Nanos; 3],
}

/// Why a timing setting is invalid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TimingError {
    /// Window not positive or absurdly wide.
    #[error("the matching window must be greater than 0 ms and at most 2000 ms")]
    BadWindow,
    /// Tier edges not ascending or beyond the window.
    #[error("tier edges must be ascending, greater than 0, and not wider than the window ({window_ms} ms)")]
    BadTiers {
        /// The window, ms.
        window_ms: f64,
    },
}

impl Timing {
    /// The edges of a preset.
    pub fn preset(p: TimingPreset) -> Timing {
        let ms = Nanos::from_millis;
        let (edges, window) = match p {
            TimingPreset::Strict => ([ms(20), ms(40), ms(55)], ms(70)),
            TimingPreset::Standard => ([ms(34), ms(67), ms(84)], ms(117)),
            TimingPreset::Lax => ([ms(50), ms(100), ms(150)], ms(200)),
        };
        Timing {
            preset: Some(p),
            window,
            edges,
        }
    }

    /// Custom timing from a preset, overriding the window and/or the tier edges. A window
    /// without edges scales the preset's edges proportionally.
    pub fn custom(
        base: TimingPreset,
        window: Option<Nanos>,
        edges: Option<[Nanos; 3]>,
    ) -> Result<Timing, TimingError> {
        let mut t = Timing::preset(base);
        if window.is_none() && edges.is_none() {
            return Ok(t);
        }
        t.preset = None;
        if let Some(w) = window {
            if w <= Nanos::ZERO || w > Nanos::from_millis(2000) {
                return Err(TimingError::BadWindow);
            }
            if edges.is_none() {
                let scale =
                    |e: Nanos| Nanos((e.0 as i128 * w.0 as i128 / t.window.0 as i128) as i64);
                t.edges = t.edges.map(scale);
            }
            t.window = w;
        }
        if let Some(e) = edges {
            t.edges = e;
        }
        let [a, b, c] = t.edges;
        if !(Nanos::ZERO < a && a <= b && b <= c && c <= t.window) {
            return Err(TimingError::BadTiers {
                window_ms: t.window.as_millis_f64(),
            });
        }
        Ok(t)
    }

    /// The tier of an offset inside the window.
    pub fn tier(&self, offset: Nanos) -> Tier {
        let a = offset.abs();
        if a <= self.edges[0] {
            Tier::Perfect
        } else if a <= self.edges[1] {
            Tier::Great
        } else if a <= self.edges[2] {
            Tier::Good
        } else {
            Tier::Poor
        }
    }

    /// The name reported in settings.
    pub fn name(&self) -> TimingName {
        match self.preset {
            Some(TimingPreset::Strict) => TimingName::Strict,
            Some(TimingPreset::Standard) => TimingName::Standard,
            Some(TimingPreset::Lax) => TimingName::Lax,
            None => TimingName::Custom,
        }
    }

    /// Tier edges in ms for the report.
    pub fn edges_ms(&self) -> TierEdges {
        TierEdges {
            perfect: self.edges[0].as_millis_f64(),
            great: self.edges[1].as_millis_f64(),
            good: self.edges[2].as_millis_f64(),
            poor: self.window.as_millis_f64(),
        }
    }
}

impl Default for Timing {
    fn default() -> Timing {
        Timing::preset(TimingPreset::Standard)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_timing_validates() {
        let t = Timing::custom(TimingPreset::Standard, Some(Nanos::from_millis(50)), None).unwrap();
        assert_eq!(t.window, Nanos::from_millis(50));
        assert!(t.edges[2] <= t.window);
        assert!(Timing::custom(TimingPreset::Standard, Some(Nanos::ZERO), None).is_err());
        let bad = [
            Nanos::from_millis(30),
            Nanos::from_millis(20),
            Nanos::from_millis(40),
        ];
        assert!(Timing::custom(TimingPreset::Standard, None, Some(bad)).is_err());
    }
}
