//! The stems of a song summed into one stereo stream, each delayed so that all of them line
//! up (stems at different rates have resamplers with different delays).

use super::error::BackingError;
use super::stream::Frames;

/// One stem in the mix: its stream and the silence put before it.
pub struct Stem {
    /// The stem's frames at the output rate.
    pub frames: Box<dyn Frames>,
    /// Frames of silence before them.
    pub pad: usize,
}

/// The sum of the stems: as long as the longest.
pub struct Mix {
    stems: Vec<(Stem, bool)>,
    scratch: [Vec<f32>; 2],
}

impl Mix {
    /// Mixes `stems`.
    pub fn new(stems: Vec<Stem>) -> Mix {
        Mix {
            stems: stems.into_iter().map(|s| (s, false)).collect(),
            scratch: [Vec::new(), Vec::new()],
        }
    }
}

impl Frames for Mix {
    fn pull(
        &mut self,
        left: &mut Vec<f32>,
        right: &mut Vec<f32>,
        want: usize,
    ) -> Result<usize, BackingError> {
        let start = left.len();
        let mut longest = 0usize;
        for (stem, ended) in &mut self.stems {
            if *ended {
                continue;
            }
            let [l, r] = &mut self.scratch;
            l.clear();
            r.clear();
            let pad = stem.pad.min(want);
            l.resize(pad, 0.0);
            r.resize(pad, 0.0);
            stem.pad -= pad;
            while l.len() < want {
                let need = want - l.len();
                if stem.frames.pull(l, r, need)? == 0 {
                    *ended = true;
                    break;
                }
            }
            let n = l.len();
            longest = longest.max(n);
            if left.len() < start + n {
                left.resize(start + n, 0.0);
                right.resize(start + n, 0.0);
            }
            for i in 0..n {
                left[start + i] += l[i];
                right[start + i] += r[i];
            }
        }
        Ok(longest)
    }
}
