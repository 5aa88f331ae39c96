//! The detector's settings and what it produces: the parts of transcription every other file of
//! the folder shares.

use crate::lane::{Articulation, Lane};
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

/// Lower edge of the lowest analysis band, in Hz.
pub const BAND_LOW_HZ: f64 = 30.0;
/// Upper edge of the highest analysis band, in Hz.
pub const BAND_HIGH_HZ: f64 = 16_000.0;
/// Number of analysis bands (log-spaced between [`BAND_LOW_HZ`] and [`BAND_HIGH_HZ`]).
pub const BANDS: usize = 24;

/// The band edges in Hz (`BANDS + 1` values, log-spaced).
pub fn band_edges() -> [f64; BANDS + 1] {
    let mut e = [0.0; BANDS + 1];
    for (i, slot) in e.iter_mut().enumerate() {
        *slot = BAND_LOW_HZ * (BAND_HIGH_HZ / BAND_LOW_HZ).powf(i as f64 / BANDS as f64);
    }
    e
}

/// How the onset detector and classifier work. The defaults are what pocket ships; every
/// value is reported with a transcribed take (docs/acoustic.md explains each).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Settings {
    /// Analysis window length in seconds (rounded to the nearest power of two of samples).
    pub window_s: f64,
    /// Hop between analysis frames in seconds (rounded to whole samples).
    pub hop_s: f64,
    /// Frames between the two spectra the flux compares.
    pub flux_lag_frames: usize,
    /// An onset is a flux peak that no frame this many frames before it exceeds.
    pub pre_max_frames: usize,
    /// ... nor this many frames after it (the detector's lookahead).
    pub post_max_frames: usize,
    /// Frames before the peak over which the adaptive threshold's mean is taken.
    pub pre_avg_frames: usize,
    /// The flux must exceed its local mean by this much (natural-log units summed over bands).
    pub delta: f64,
    /// Shortest time between two onsets, in seconds.
    pub min_gap_s: f64,
    /// Frames quieter than this (dB full scale, whole band) never start an onset; in a quiet
    /// recording the gate moves down as far as the onset function's floor does
    /// (docs/acoustic.md, method step 2).
    pub silence_dbfs: f64,
    /// A drum is found in an onset when its share of the explained spectrum rise is at least
    /// this fraction of the largest drum's.
    pub relative_activation: f64,
    /// The waveform onset is where the lane-filtered envelope first rises past this fraction of
    /// the way from its floor to its peak.
    pub refine_fraction: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            window_s: 0.046,
            hop_s: 0.005,
            flux_lag_frames: 2,
            pre_max_frames: 3,
            post_max_frames: 2,
            pre_avg_frames: 20,
            delta: 3.0,
            min_gap_s: 0.025,
            silence_dbfs: -60.0,
            relative_activation: 0.3,
            refine_fraction: 0.1,
        }
    }
}

/// One drum stroke heard in the audio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AudioHit {
    /// When it starts, refined on the waveform, from the first sample of the stream.
    pub time: Nanos,
    /// The same moment as a sample index.
    pub sample: u64,
    /// Which drum.
    pub lane: Lane,
    /// How it was struck, when the templates tell (closed or open hi-hat).
    pub articulation: Option<Articulation>,
    /// Loudness mapped to 1..=127: the lane-filtered peak, 127 at 0 dBFS, 1 at -48 dBFS.
    pub velocity: u8,
    /// The drum's share of the onset's explained spectrum rise (0..1).
    pub confidence: f64,
}

/// The time of sample `sample` at `rate` Hz, to the nanosecond (rounded).
pub fn sample_time(sample: u64, rate: u32) -> Nanos {
    let rate = u128::from(rate.max(1));
    let ns = (u128::from(sample) * 1_000_000_000 + rate / 2) / rate;
    Nanos(i64::try_from(ns).unwrap_or(i64::MAX))
}
