//! Acoustic drums: audio recordings transcribed into hits (time, lane, velocity), so that a
//! recording of an acoustic kit is scored like a MIDI take.
//!
//! - [`read`]: the one door to audio files ([`open_audio`]), streaming block by block;
//! - [`Streaming`]: the transcriber (onsets, which drums, waveform-refined times), fed by the
//!   offline path ([`transcribe_file`]) and, later, by a live input, with the same results;
//! - [`AudioKit`]: the templates the classifier knows, built in or learned ([`learn`]).
//!
//! The chart is never consulted: a wrong drum stays a wrong drum. docs/acoustic.md has the
//! method and the measured accuracy.

mod engine;
pub mod eval;
mod kit;
mod learn;
pub mod read;
#[cfg(any(test, feature = "testing"))]
pub mod render;
mod settings;
mod templates;

pub use engine::Streaming;
pub use kit::{group, AudioKit, Template, AUDIO_KIT_FORMAT, MAX_AUDIO_KIT_BYTES};
pub use learn::{learn, rises_of, LearnError};
pub use read::{is_audio_path, open_audio, stream_channel, AudioSource, ChannelChoice};
pub use settings::{band_edges, sample_time, AudioHit, Settings, BANDS, BAND_HIGH_HZ, BAND_LOW_HZ};

use crate::error::InputError;
use crate::kit::gm_note;
use crate::take::{Hit, Source, Take};
use crate::time::Nanos;
use std::path::Path;

/// A recording as transcribed.
#[derive(Debug, Clone)]
pub struct Transcription {
    /// The hits, in time order.
    pub hits: Vec<AudioHit>,
    /// Sample rate of the file.
    pub sample_rate: u32,
    /// Channels in the file.
    pub channels: u16,
    /// The channel transcribed.
    pub channel: ChannelChoice,
    /// Frames read.
    pub frames: u64,
    /// The encoding (`24-bit integer PCM`).
    pub encoding: String,
    /// The settings used.
    pub settings: Settings,
    /// The audio kit's name.
    pub kit: String,
    /// Analysis window and hop in samples.
    pub frame_sizes: (usize, usize),
    /// What the reader recovered from, naming the file.
    pub warnings: Vec<String>,
}

impl Transcription {
    /// Length of the audio read.
    pub fn duration(&self) -> Nanos {
        sample_time(self.frames, self.sample_rate)
    }

    /// One line for reports: that the take was transcribed from audio, and how.
    pub fn describe(&self) -> String {
        let s = &self.settings;
        let channel = match self.channel {
            ChannelChoice::Mix if self.channels > 1 => {
                format!("all {} channels mixed", self.channels)
            }
            ChannelChoice::Mix => "mono".to_string(),
            ChannelChoice::Channel(c) => format!("channel {c} of {}", self.channels),
        };
        format!(
            "transcribed from audio ({} Hz, {}, {channel}, {:.1} s): audio kit {}, window {} \
             samples, hop {} samples, flux lag {}, peak -{}/+{} frames, delta {}, min gap {} ms, \
             silence {} dBFS, relative activation {}, refine fraction {}",
            self.sample_rate,
            self.encoding,
            self.duration().as_secs_f64(),
            self.kit,
            self.frame_sizes.0,
            self.frame_sizes.1,
            s.flux_lag_frames,
            s.pre_max_frames,
            s.post_max_frames,
            s.delta,
            s.min_gap_s * 1000.0,
            s.silence_dbfs,
            s.relative_activation,
            s.refine_fraction
        )
    }

    /// The hits as a take: each hit's source note is the General MIDI note of its lane on
    /// channel 10, so that the take can be written as MIDI.
    pub fn to_take(&self, source: &str) -> Take {
        let mut take = Take {
            source: source.to_string(),
            ports: vec!["audio".to_string()],
            ..Take::default()
        };
        take.hits = self
            .hits
            .iter()
            .map(|h| Hit {
                time: h.time,
                lane: h.lane,
                articulation: h.articulation,
                velocity: h.velocity,
                source: Source {
                    note: gm_note(h.lane, h.articulation),
                    channel: 10,
                    port: 0,
                },
            })
            .collect();
        take.sort();
        take
    }
}

/// Transcribes an audio file: streams it (memory stays bounded whatever its length) through a
/// [`Streaming`] transcriber.
pub fn transcribe_file(
    path: &Path,
    channel: ChannelChoice,
    settings: Settings,
    kit: &AudioKit,
) -> Result<Transcription, InputError> {
    let mut source = open_audio(path)?;
    let rate = source.sample_rate();
    let mut engine = Streaming::new(rate, settings, kit);
    let mut hits = Vec::new();
    let frames = stream_channel(path, source.as_mut(), channel, |block| {
        engine.push_into(block, &mut hits)
    })?;
    hits.extend(engine.finish());
    hits.sort_by_key(|h| (h.sample, h.lane));
    let mut warnings: Vec<String> = source.warning().into_iter().collect();
    if frames == 0 {
        warnings.push(format!("{}: the audio holds no samples", path.display()));
    }
    Ok(Transcription {
        hits,
        sample_rate: rate,
        channels: source.channels(),
        channel,
        frames,
        encoding: source.encoding(),
        settings,
        kit: kit.name.clone(),
        frame_sizes: engine.frame_sizes(),
        warnings,
    })
}

/// A recording's first this many seconds hold no clap [`sync_on_first_onset`] looks for: an
/// onset there is where the recording starts (a trimmed file's first stroke, or the room noise
/// beginning where the detector's rule for the stream's start is fooled), not a clap two
/// players were asked to make.
pub const SYNC_SKIP_S: f64 = 0.050;

/// Moves a transcription's clock so that its first onset after [`SYNC_SKIP_S`] (a clap or
/// count-in that every player's recording hears) is time zero, and drops the hits of that
/// onset and before it (those up to 30 ms after it). Returns the onset's time on the file's
/// own clock, or `None` without hits after [`SYNC_SKIP_S`].
pub fn sync_on_first_onset(tr: &mut Transcription) -> Option<Nanos> {
    let skip_start = (SYNC_SKIP_S * f64::from(tr.sample_rate)) as u64;
    let first = tr
        .hits
        .iter()
        .map(|h| h.sample)
        .filter(|&s| s >= skip_start)
        .min()?;
    let at = sample_time(first, tr.sample_rate);
    let skip = first + (0.030 * f64::from(tr.sample_rate)) as u64;
    tr.hits.retain(|h| h.sample > skip);
    for h in &mut tr.hits {
        h.sample -= first;
        h.time = sample_time(h.sample, tr.sample_rate);
    }
    Some(at)
}
#[cfg(test)]
mod tests;
