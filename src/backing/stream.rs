//! The stages of the backing track pull stereo frames from the stage before them; this file
//! holds the interface they share and the first stage, a stem's audio cut to the slice being
//! played (with silence before the audio starts and after it ends) and repeated for loops.

use super::decode::Decoder;
use super::error::BackingError;
use std::path::PathBuf;

/// A stage that produces stereo frames on demand.
pub trait Frames: Send {
    /// Appends up to `want` frames to `left` and `right` and returns how many; 0 only at the
    /// end of the stream.
    fn pull(
        &mut self,
        left: &mut Vec<f32>,
        right: &mut Vec<f32>,
        want: usize,
    ) -> Result<usize, BackingError>;
}

/// Frames a block-wise stage (the resampler, the stretcher) has made but not yet handed on.
#[derive(Debug, Default)]
pub struct Pending {
    frames: [Vec<f32>; 2],
    at: usize,
}

impl Pending {
    /// Frames waiting.
    pub fn waiting(&self) -> usize {
        self.frames[0].len() - self.at
    }

    /// Queues frames.
    pub fn push(&mut self, left: &[f32], right: &[f32]) {
        self.frames[0].extend_from_slice(left);
        self.frames[1].extend_from_slice(right);
    }

    /// Moves up to `want` waiting frames to `left` and `right`; returns how many.
    pub fn take(&mut self, left: &mut Vec<f32>, right: &mut Vec<f32>, want: usize) -> usize {
        let n = self.waiting().min(want);
        left.extend_from_slice(&self.frames[0][self.at..self.at + n]);
        right.extend_from_slice(&self.frames[1][self.at..self.at + n]);
        self.at += n;
        if self.at > 1 << 14 {
            for f in &mut self.frames {
                f.drain(..self.at);
            }
            self.at = 0;
        }
        n
    }
}

/// Where one pass over the audio starts, in frames of the file's rate: `lead` frames of
/// silence, then the audio from file frame `skip`, for `length` frames in all (silence after
/// the file's end fills the rest); `None` plays to the end of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Silence before the audio, frames.
    pub lead: u64,
    /// File frames skipped at the start.
    pub skip: u64,
    /// Frames of the whole pass (lead included); `None`: to the end of the file.
    pub length: Option<u64>,
}

impl Pass {
    /// The pass that plays chart time `start..end` (seconds) of a file whose frame 0 sounds
    /// at chart time `audio_start` (seconds), at `rate` Hz.
    pub fn of(start_s: f64, end_s: Option<f64>, audio_start_s: f64, rate: u32) -> Pass {
        let r = f64::from(rate);
        let (lead, skip) = if start_s < audio_start_s {
            (((audio_start_s - start_s) * r).round() as u64, 0)
        } else {
            (0, ((start_s - audio_start_s) * r).round() as u64)
        };
        Pass {
            lead,
            skip,
            length: end_s.map(|e| ((e - start_s).max(0.0) * r).round() as u64),
        }
    }
}

/// A stem's audio for `passes` passes of one [`Pass`].
pub struct Sliced {
    path: PathBuf,
    decoder: Option<Decoder>,
    pass: Pass,
    passes: u32,
    /// Passes finished.
    done: u32,
    /// Frames produced in the current pass.
    at: u64,
    /// The file has ended in this pass.
    file_ended: bool,
}

impl Sliced {
    /// Opens `path` (the first pass's decoder) and checks it decodes.
    pub fn open(path: &std::path::Path, pass: Pass, passes: u32) -> Result<Sliced, BackingError> {
        let mut decoder = Decoder::open(path)?;
        decoder.skip(pass.skip)?;
        Ok(Sliced {
            path: path.to_path_buf(),
            decoder: Some(decoder),
            pass,
            passes: passes.max(1),
            done: 0,
            at: 0,
            file_ended: false,
        })
    }
}

impl Frames for Sliced {
    fn pull(
        &mut self,
        left: &mut Vec<f32>,
        right: &mut Vec<f32>,
        want: usize,
    ) -> Result<usize, BackingError> {
        let mut got = 0usize;
        while got < want && self.done < self.passes {
            let room = (want - got) as u64;
            let pass_left = self.pass.length.map_or(u64::MAX, |l| l - self.at.min(l));
            if pass_left == 0 || (self.pass.length.is_none() && self.file_ended) {
                // Next pass: a new decoder from the top of the slice.
                self.done += 1;
                self.at = 0;
                self.file_ended = false;
                if self.done < self.passes {
                    let mut d = Decoder::open(&self.path)?;
                    d.skip(self.pass.skip)?;
                    self.decoder = Some(d);
                }
                continue;
            }
            let n = if self.at < self.pass.lead {
                let n = (self.pass.lead - self.at).min(room).min(pass_left);
                left.extend(std::iter::repeat_n(0.0, n as usize));
                right.extend(std::iter::repeat_n(0.0, n as usize));
                n
            } else if self.file_ended {
                let n = room.min(pass_left);
                left.extend(std::iter::repeat_n(0.0, n as usize));
                right.extend(std::iter::repeat_n(0.0, n as usize));
                n
            } else {
                let decoder = self.decoder.as_mut().ok_or_else(|| {
                    BackingError::Settings("a stem was read after its end".into())
                })?;
                let n = decoder.read(left, right, room.min(pass_left) as usize)? as u64;
                if n == 0 {
                    self.file_ended = true;
                }
                n
            };
            self.at += n;
            got += n as usize;
        }
        Ok(got)
    }
}
