//! Sample-rate conversion to the output's rate with rubato's synchronous FFT resampler (fixed
//! ratio, the quality of its best sinc resampler at a fraction of the cost).
//!
//! The resampler delays its output by [`Resample::delay_frames`] output frames (rubato's
//! `output_delay`: half an FFT frame); pocket keeps that delay in the stream, so input frame
//! `i` comes out at output frame `delay + i · out_rate / in_rate`, and adds it to the frame
//! at which chart zero sounds. At the end of the input the resampler is flushed with silence
//! until every input frame has come out.

use super::error::BackingError;
use super::stream::{Frames, Pending};
use rubato::audioadapter_buffers::direct::SequentialSliceOfVecs;
use rubato::{Fft, FixedSync, Indexing, Resampler};
use std::path::PathBuf;

/// Input frames per resampler call.
const CHUNK: usize = 1024;

/// A stage that resamples the stage before it (or passes it through when the rates match).
pub struct Resample<S: Frames> {
    source: S,
    /// `None` when the rates match.
    fft: Option<Fft<f32>>,
    input: Vec<Vec<f32>>,
    output: Vec<Vec<f32>>,
    /// Resampled frames not yet pulled, and the first of them.
    pending: Pending,
    delay: usize,
    in_rate: u32,
    out_rate: u32,
    taken_in: u64,
    given_out: u64,
    source_done: bool,
}

impl<S: Frames> Resample<S> {
    /// Resamples `source` (of `path`, for errors) from `in_rate` to `out_rate`.
    pub fn new(
        source: S,
        path: PathBuf,
        in_rate: u32,
        out_rate: u32,
    ) -> Result<Resample<S>, BackingError> {
        let fft = if in_rate == out_rate {
            None
        } else {
            Some(
                Fft::<f32>::new(
                    in_rate as usize,
                    out_rate as usize,
                    CHUNK,
                    2,
                    FixedSync::Input,
                )
                .map_err(|e| BackingError::Resample {
                    path,
                    from: in_rate,
                    to: out_rate,
                    reason: e.to_string(),
                })?,
            )
        };
        let (delay, in_max, out_max) = fft.as_ref().map_or((0, 0, 0), |f| {
            (
                f.output_delay(),
                f.input_frames_max(),
                f.output_frames_max(),
            )
        });
        Ok(Resample {
            source,
            fft,
            input: vec![Vec::with_capacity(in_max), Vec::with_capacity(in_max)],
            output: vec![vec![0.0; out_max], vec![0.0; out_max]],
            pending: Pending::default(),
            delay,
            in_rate,
            out_rate,
            taken_in: 0,
            given_out: 0,
            source_done: false,
        })
    }

    /// Output frames by which the resampler delays its input (0 when the rates match).
    pub fn delay_frames(&self) -> usize {
        self.delay
    }

    /// Output frames the whole input makes, the delay included.
    fn total_out(&self) -> u64 {
        total_out(self.delay, self.taken_in, self.out_rate, self.in_rate)
    }

    /// Runs one resampler call into `pending`; returns false when everything has come out.
    fn step(&mut self) -> Result<bool, BackingError> {
        if self.fft.is_none() || (self.source_done && self.given_out >= self.total_out()) {
            return Ok(false);
        }
        let need = self.fft.as_ref().map_or(0, |f| f.input_frames_next());
        let [l, r] = &mut self.input[..] else {
            unreachable!("two channels")
        };
        l.clear();
        r.clear();
        while !self.source_done && l.len() < need {
            let want = need - l.len();
            if self.source.pull(l, r, want)? == 0 {
                self.source_done = true;
            }
        }
        let got = l.len();
        self.taken_in += got as u64;
        l.resize(need, 0.0);
        r.resize(need, 0.0);
        let input = SequentialSliceOfVecs::new(&self.input, 2, need)
            .map_err(|e| BackingError::Settings(format!("resampler input: {e}")))?;
        let frames_out = self.output[0].len();
        let mut output = SequentialSliceOfVecs::new_mut(&mut self.output, 2, frames_out)
            .map_err(|e| BackingError::Settings(format!("resampler output: {e}")))?;
        let indexing = Indexing::new().partial_len(got);
        let Some(fft) = self.fft.as_mut() else {
            return Ok(false);
        };
        let (_, produced) = fft
            .process_into_buffer(&input, &mut output, Some(&indexing))
            .map_err(|e| BackingError::Settings(format!("resampler: {e}")))?;
        let mut keep = produced as u64;
        if self.source_done {
            let total = total_out(self.delay, self.taken_in, self.out_rate, self.in_rate);
            keep = keep.min(total.saturating_sub(self.given_out));
        }
        self.pending.push(
            &self.output[0][..keep as usize],
            &self.output[1][..keep as usize],
        );
        self.given_out += keep;
        Ok(true)
    }
}

impl<S: Frames> Frames for Resample<S> {
    fn pull(
        &mut self,
        left: &mut Vec<f32>,
        right: &mut Vec<f32>,
        want: usize,
    ) -> Result<usize, BackingError> {
        if self.fft.is_none() {
            return self.source.pull(left, right, want);
        }
        while self.pending.waiting() < want {
            if !self.step()? {
                break;
            }
        }
        let n = self.pending.take(left, right, want);
        Ok(n)
    }
}

/// Output frames that `taken_in` input frames make, `delay` included.
fn total_out(delay: usize, taken_in: u64, out_rate: u32, in_rate: u32) -> u64 {
    delay as u64 + (taken_in * u64::from(out_rate)).div_ceil(u64::from(in_rate))
}
