//! Audio kits: one spectral template per drum sound (the rise of its band spectrum at the
//! stroke), the built-in one and the ones `pocket kit learn --audio` makes from recordings.

use super::settings::BANDS;
use crate::error::{InputError, InputErrorKind, Place};
use crate::lane::{Articulation, Lane};
use serde::{Deserialize, Serialize};

/// The format tag of an audio-kit file.
pub const AUDIO_KIT_FORMAT: &str = "pocket-audio-kit/1";

/// The largest audio-kit file pocket reads.
pub const MAX_AUDIO_KIT_BYTES: u64 = 1 << 20;

/// One drum sound's template: the rise of its band amplitudes at a stroke, scaled to unit length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// The lane a stroke matching it becomes.
    pub lane: Lane,
    /// Its articulation (closed or open hi-hat), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub articulation: Option<Articulation>,
    /// Band amplitude rise, one value per analysis band (low to high), unit length.
    pub spectrum: Vec<f64>,
    /// Band amplitude 50 ms after the stroke less the floor before it (and the band's wobble
    /// there, frame to frame), on the same scale as
    /// `spectrum` (how the drum decays; empty in kits learned before it was kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tail: Vec<f64>,
    /// Strokes it was learned from.
    pub strokes: usize,
}

/// A set of templates: the kit the classifier knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioKit {
    /// Always [`AUDIO_KIT_FORMAT`].
    pub format: String,
    /// A name for reports (the built-in one is `gm-render`).
    pub name: String,
    /// Where the templates came from, in words.
    pub origin: String,
    /// The templates.
    pub templates: Vec<Template>,
}

/// Drums the classifier treats as one instrument: at most one stroke per group per onset (a
/// drummer does not open and close the hi-hat at once), the template with the largest share
/// naming the lane.
pub fn group(lane: Lane) -> usize {
    match lane {
        Lane::Kick => 0,
        Lane::Snare => 1,
        Lane::Hihat | Lane::HihatPedal => 2,
        Lane::Tom1 | Lane::Tom2 | Lane::Tom3 | Lane::Tom4 => 3,
        Lane::Crash | Lane::Crash2 | Lane::Splash | Lane::China | Lane::Any => 4,
        Lane::Ride => 5,
    }
}

/// Number of groups [`group`] returns.
pub const GROUPS: usize = 6;

/// The first of the groups [`group`] gives toms and cymbals (the rest are kick, snare and
/// hi-hat).
pub const TOMS_AND_CYMBALS: usize = 3;

impl AudioKit {
    /// Reads an audio-kit JSON file; errors name the file and the place.
    pub fn from_json_bytes(bytes: &[u8], path: &std::path::Path) -> Result<AudioKit, InputError> {
        let kit: AudioKit = serde_json::from_slice(bytes).map_err(|e| {
            InputError::new(
                path,
                Place::Line {
                    line: e.line(),
                    column: Some(e.column()),
                },
                InputErrorKind::Malformed(format!("not an audio-kit file: {e}")),
            )
        })?;
        if kit.format != AUDIO_KIT_FORMAT {
            return Err(InputError::new(
                path,
                Place::Item("format".into()),
                InputErrorKind::UnsupportedFormat {
                    found: kit.format,
                    expected: AUDIO_KIT_FORMAT.into(),
                },
            ));
        }
        if kit.templates.is_empty() {
            return Err(InputError::new(
                path,
                Place::Item("templates".into()),
                InputErrorKind::Empty("the audio kit has no templates".into()),
            ));
        }
        for (i, t) in kit.templates.iter().enumerate() {
            let ok = t.spectrum.len() == BANDS
                && t.spectrum.iter().all(|v| v.is_finite() && *v >= 0.0)
                && t.spectrum.iter().any(|v| *v > 0.0);
            if !ok {
                return Err(InputError::new(
                    path,
                    Place::Item(format!("templates[{i}].spectrum")),
                    InputErrorKind::Malformed(format!(
                        "a template spectrum is {BANDS} non-negative numbers, not all zero"
                    )),
                ));
            }
            let tail_ok = t.tail.is_empty()
                || (t.tail.len() == BANDS && t.tail.iter().all(|v| v.is_finite() && *v >= 0.0));
            if !tail_ok {
                return Err(InputError::new(
                    path,
                    Place::Item(format!("templates[{i}].tail")),
                    InputErrorKind::Malformed(format!(
                        "a template tail is {BANDS} non-negative numbers (or left out)"
                    )),
                ));
            }
        }
        Ok(kit)
    }

    /// The kit as pretty JSON.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// Scales a vector to unit Euclidean length (an all-zero vector stays zero).
pub fn unit(v: &mut [f64]) {
    let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

/// How much of its share a group keeps before the decision: cymbals and toms are played far
/// less often than kick, snare and hi-hat, and their spectra overlap the hi-hat's and snare's,
/// so a stroke must fit them clearly better to be called one.
pub const GROUP_PRIOR: [f64; GROUPS] = [1.0, 1.0, 1.0, 0.5, 0.4, 0.4];

/// A group is found in an onset when its share is at least `relative_activation` times this
/// factor of the largest group's. The hi-hat's is far lower: a quiet hat stroke played with a
/// loud kick or snare holds a small share of the onset's rise, yet is a stroke of its own; the
/// snare's is lower too (a snare struck with the kick shares the onset with its loud low end).
pub const GROUP_RELATIVE: [f64; GROUPS] = [1.0, 0.6, 0.1, 1.0, 1.0, 1.0];
