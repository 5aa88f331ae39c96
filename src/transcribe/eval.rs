//! Measuring a transcription against the truth: F-measure per drum class matched the way
//! mir_eval's `onset.f_measure` matches (through [`crate::matching`], checked against
//! mir_eval's own fixtures), and the timing error of the matched pairs.

use super::settings::AudioHit;
use crate::lane::Lane;
use crate::matching::{match_sorted, MatchCounts};
use crate::time::Nanos;

/// The drum classes of drum-transcription evaluations (MDB Drums' class annotations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DrumClass {
    /// Bass drum (KD).
    Kick,
    /// Snare drum (SD).
    Snare,
    /// Hi-hat, open, closed or pedal (HH).
    Hihat,
    /// Toms (TT).
    Toms,
    /// Crash, ride, splash and china (CY).
    Cymbals,
}

impl DrumClass {
    /// Every class, in table order.
    pub const ALL: [DrumClass; 5] = [
        DrumClass::Kick,
        DrumClass::Snare,
        DrumClass::Hihat,
        DrumClass::Toms,
        DrumClass::Cymbals,
    ];

    /// The class of a lane (`None` for `any`).
    pub fn of(lane: Lane) -> Option<DrumClass> {
        Some(match lane {
            Lane::Kick => DrumClass::Kick,
            Lane::Snare => DrumClass::Snare,
            Lane::Hihat | Lane::HihatPedal => DrumClass::Hihat,
            Lane::Tom1 | Lane::Tom2 | Lane::Tom3 | Lane::Tom4 => DrumClass::Toms,
            Lane::Crash | Lane::Crash2 | Lane::Ride | Lane::Splash | Lane::China => {
                DrumClass::Cymbals
            }
            Lane::Any => return None,
        })
    }

    /// The class of an MDB Drums class label (`KD`, `SD`, `HH`, `TT`, `CY`; `None` for `OT`).
    pub fn from_mdb(label: &str) -> Option<DrumClass> {
        Some(match label {
            "KD" => DrumClass::Kick,
            "SD" => DrumClass::Snare,
            "HH" => DrumClass::Hihat,
            "TT" => DrumClass::Toms,
            "CY" => DrumClass::Cymbals,
            _ => return None,
        })
    }

    /// The MDB label.
    pub fn label(self) -> &'static str {
        match self {
            DrumClass::Kick => "KD",
            DrumClass::Snare => "SD",
            DrumClass::Hihat => "HH",
            DrumClass::Toms => "TT",
            DrumClass::Cymbals => "CY",
        }
    }
}

/// The sorted times of one class.
fn times_of<T: Copy + Eq>(events: &[(Nanos, T)], class: T) -> Vec<Nanos> {
    let mut t: Vec<Nanos> = events
        .iter()
        .filter(|(_, c)| *c == class)
        .map(|(t, _)| *t)
        .collect();
    t.sort();
    t
}

/// Match counts of one class at `window`: reference onsets against estimated ones, paired the
/// way mir_eval pairs them (the most pairs within the window, each onset used once).
pub fn class_counts<T: Copy + Eq>(
    reference: &[(Nanos, T)],
    estimate: &[(Nanos, T)],
    class: T,
    window: Nanos,
) -> MatchCounts {
    MatchCounts::of(
        &times_of(reference, class),
        &times_of(estimate, class),
        window,
    )
}

/// The timing of one class's matched pairs: the bias (median of estimate − reference) and the
/// median absolute error once the bias is taken off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimingError {
    /// Pairs measured.
    pub pairs: usize,
    /// Median signed error, estimate − reference, in ms.
    pub bias_ms: f64,
    /// Median of |error − bias|, in ms.
    pub median_abs_ms: f64,
}

/// The signed errors (estimate − reference, ms) of one class's pairs at `window`.
pub fn class_errors<T: Copy + Eq>(
    reference: &[(Nanos, T)],
    estimate: &[(Nanos, T)],
    class: T,
    window: Nanos,
) -> Vec<f64> {
    let r = times_of(reference, class);
    let e = times_of(estimate, class);
    match_sorted(&r, &e, window)
        .iter()
        .map(|&(n, h)| (e[h].0 - r[n].0) as f64 / 1e6)
        .collect()
}

/// The timing error of one class's pairs at `window`.
pub fn class_timing<T: Copy + Eq>(
    reference: &[(Nanos, T)],
    estimate: &[(Nanos, T)],
    class: T,
    window: Nanos,
) -> Option<TimingError> {
    let mut errs = class_errors(reference, estimate, class, window);
    if errs.is_empty() {
        return None;
    }
    let bias = median(&mut errs);
    let mut abs: Vec<f64> = errs.iter().map(|x| (x - bias).abs()).collect();
    Some(TimingError {
        pairs: errs.len(),
        bias_ms: bias,
        median_abs_ms: median(&mut abs),
    })
}

/// The median (mean of the two middle values for an even count).
pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The MDB Drums tracks measured in docs/acoustic.md.
pub const MDB_TRACKS: [&str; 4] = ["Rock", "Punk", "Reggae", "Hendrix"];

/// An MDB Drums class annotation (`seconds<TAB>label` per line) as (time, class); lines of
/// other classes (`OT`) or that do not parse are left out.
pub fn mdb_classes(text: &str) -> Vec<(Nanos, DrumClass)> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let t: f64 = f.next()?.parse().ok()?;
            Some((Nanos::from_secs_f64(t)?, DrumClass::from_mdb(f.next()?)?))
        })
        .collect()
}

/// Transcribed hits as (time, class).
pub fn hit_classes(hits: &[AudioHit]) -> Vec<(Nanos, DrumClass)> {
    hits.iter()
        .filter_map(|h| Some((h.time, DrumClass::of(h.lane)?)))
        .collect()
}
