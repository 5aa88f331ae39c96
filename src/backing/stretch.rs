//! Pitch-preserving time-stretch for practice tempos: WSOLA (waveform-similarity overlap-add;
//! Verhelst & Roelands, ICASSP 1993), in pure Rust.
//!
//! The output is built from grains of `2·H` frames (`H` = [`GRAIN_HALF_S`] of the rate), Hann
//! windowed, laid every `H` output frames (the windows sum to 1). Grain `k` sits at output
//! frame `k·H` and is read from the input around frame `k·H·tempo + δₖ`, where the shift
//! `δₖ ∈ [−Δ, Δ]` (Δ = [`TOLERANCE_S`] of the rate) is the one whose first half best
//! matches (cross-correlation, on the left+right sum) the input that follows the previous
//! grain: the waveform continues across the seam, so the pitch is kept, and the output is
//! `1 / tempo` times as long.
//!
//! Latency: none in the time map. Output frame `n` plays input frame `n · tempo` (input frame
//! `i` sounds at output frame `i / tempo`), to within the tolerance Δ (5 ms) that WSOLA
//! trades for a seamless waveform, with no drift: grain centres are placed from `k · H ·
//! tempo` directly, never by adding rounded steps. The stretcher needs `H + Δ` frames of
//! input ahead of its output; the feed thread reads ahead, so this costs no delay at the
//! output.

use super::error::BackingError;
use super::stream::{Frames, Pending};

/// Half a grain, seconds (grains are 40 ms).
pub const GRAIN_HALF_S: f64 = 0.020;
/// Largest shift of a grain from its place, seconds.
pub const TOLERANCE_S: f64 = 0.005;
/// Every how many frames the cross-correlation looks (a cost/precision trade-off).
const CORRELATION_STRIDE: usize = 2;

/// Practice tempos the stretcher accepts (as a factor of the original).
pub const TEMPO_RANGE: std::ops::RangeInclusive<f64> = 0.25..=4.0;

/// The WSOLA time-stretcher, a stage over the stage before it.
pub struct Stretch<S: Frames> {
    source: S,
    tempo: f64,
    half: usize,
    tolerance: usize,
    window: Vec<f32>,
    /// Input frames from absolute frame `base` on (left, right, and their sum).
    input: [Vec<f32>; 3],
    base: u64,
    source_done: bool,
    /// Input frames the source gave in all.
    input_total: u64,
    /// Next grain index.
    grain: u64,
    /// Where the previous grain was read (its centre in the input), if any.
    previous_centre: Option<i64>,
    /// Overlap-add accumulator of `2·half` frames from output frame `(grain−1)·half`.
    acc: [Vec<f32>; 2],
    /// Finished output not yet pulled.
    ready: Pending,
    /// Output frames produced (negative-time frames of grain 0 excluded).
    produced: u64,
}

impl<S: Frames> Stretch<S> {
    /// Stretches `source` (at `rate` Hz) to play at `tempo` times its speed.
    pub fn new(source: S, rate: u32, tempo: f64) -> Result<Stretch<S>, BackingError> {
        if !(tempo.is_finite() && TEMPO_RANGE.contains(&tempo)) {
            return Err(BackingError::Settings(format!(
                "a tempo of {:.0} % cannot be played; the range is {:.0} % to {:.0} %",
                tempo * 100.0,
                TEMPO_RANGE.start() * 100.0,
                TEMPO_RANGE.end() * 100.0
            )));
        }
        let half = ((f64::from(rate) * GRAIN_HALF_S).round() as usize).max(8);
        let tolerance = (f64::from(rate) * TOLERANCE_S).round() as usize;
        let window = (0..2 * half)
            .map(|i| {
                (0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / (2 * half) as f64).cos()) as f32
            })
            .collect();
        Ok(Stretch {
            source,
            tempo,
            half,
            tolerance,
            window,
            input: [Vec::new(), Vec::new(), Vec::new()],
            base: 0,
            source_done: false,
            input_total: 0,
            grain: 0,
            previous_centre: None,
            acc: [vec![0.0; 2 * half], vec![0.0; 2 * half]],
            ready: Pending::default(),
            produced: 0,
        })
    }

    /// The largest time-map error, in frames (Δ).
    pub fn tolerance_frames(&self) -> usize {
        self.tolerance
    }

    /// Output frames the whole input makes: `input / tempo`, rounded.
    fn total_out(&self) -> u64 {
        (self.input_total as f64 / self.tempo).round() as u64
    }

    /// Input sample `i` (absolute) of channel `c`; zero outside what is held.
    fn at(&self, c: usize, i: i64) -> f32 {
        let j = i - self.base as i64;
        if j < 0 {
            0.0
        } else {
            self.input[c].get(j as usize).copied().unwrap_or(0.0)
        }
    }

    /// Makes sure input up to absolute frame `end` (exclusive) is held, or the source is done.
    fn fill_to(&mut self, end: i64) -> Result<(), BackingError> {
        while !self.source_done && (self.base + self.input[0].len() as u64) < end.max(0) as u64 {
            let [l, r, _] = &mut self.input;
            let before = l.len();
            let n = self.source.pull(l, r, 4096)?;
            if n == 0 {
                self.source_done = true;
            }
            self.input_total += n as u64;
            let sum: Vec<f32> = (before..before + n).map(|i| l[i] + r[i]).collect();
            self.input[2].extend_from_slice(&sum);
        }
        Ok(())
    }

    /// The shift in `[−Δ, Δ]` that best continues the previous grain's waveform.
    fn best_shift(&self, centre: i64) -> i64 {
        let Some(prev) = self.previous_centre else {
            return 0;
        };
        let h = self.half as i64;
        let d = self.tolerance as i64;
        // The previous grain's input after its centre is what the seam should continue.
        let reference: Vec<f32> = (0..h)
            .step_by(CORRELATION_STRIDE)
            .map(|i| self.at(2, prev + i))
            .collect();
        let mut best = (f32::NEG_INFINITY, 0i64);
        for delta in -d..=d {
            let start = centre - h + delta;
            let mut dot = 0.0f32;
            for (k, i) in (0..h).step_by(CORRELATION_STRIDE).enumerate() {
                dot += reference[k] * self.at(2, start + i);
            }
            // Ties go to the smallest shift, so silence keeps grains in place.
            if dot > best.0 || (dot == best.0 && delta.abs() < best.1.abs()) {
                best = (dot, delta);
            }
        }
        best.1
    }

    /// Lays the next grain; returns false when the output is complete.
    fn step(&mut self) -> Result<bool, BackingError> {
        let h = self.half as i64;
        let nominal = (self.grain as f64 * h as f64 * self.tempo).round() as i64;
        self.fill_to(nominal + h + self.tolerance as i64 + 1)?;
        if self.source_done && self.produced >= self.total_out() {
            return Ok(false);
        }
        let centre = nominal + self.best_shift(nominal);
        for c in 0..2 {
            for i in 0..2 * h {
                let x = self.at(c, centre - h + i);
                self.acc[c][i as usize] += x * self.window[i as usize];
            }
        }
        self.previous_centre = Some(centre);
        // Output frames [(grain−1)·h, grain·h) are complete: grain 0's first half lies before
        // time zero and is dropped.
        let mut keep = if self.grain == 0 { 0 } else { h as usize };
        if self.source_done {
            keep = keep.min(self.total_out().saturating_sub(self.produced) as usize);
        }
        self.ready.push(&self.acc[0][..keep], &self.acc[1][..keep]);
        for c in 0..2 {
            self.acc[c].copy_within(h as usize.., 0);
            for v in &mut self.acc[c][h as usize..] {
                *v = 0.0;
            }
        }
        self.produced += keep as u64;
        self.grain += 1;
        // Forget input no later grain can reach.
        let next_lowest = (self.grain as f64 * h as f64 * self.tempo).round() as i64
            - h
            - self.tolerance as i64
            - 1;
        let lowest = next_lowest.min(centre).max(0) as u64;
        if lowest > self.base + (1 << 15) {
            let drop = (lowest - self.base) as usize;
            let drop = drop.min(self.input[0].len());
            for ch in &mut self.input {
                ch.drain(..drop);
            }
            self.base += drop as u64;
        }
        Ok(true)
    }
}

impl<S: Frames> Frames for Stretch<S> {
    fn pull(
        &mut self,
        left: &mut Vec<f32>,
        right: &mut Vec<f32>,
        want: usize,
    ) -> Result<usize, BackingError> {
        if self.tempo == 1.0 {
            return self.source.pull(left, right, want);
        }
        while self.ready.waiting() < want {
            if !self.step()? {
                break;
            }
        }
        let n = self.ready.take(left, right, want);
        Ok(n)
    }
}
