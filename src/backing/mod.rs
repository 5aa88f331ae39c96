//! Backing audio for playing along: the song a chart belongs to (a song folder's stems, a DTX
//! chart's background music, or any audio file), decoded, resampled to the output's rate,
//! mixed, stretched for practice tempos and fed to an audio callback through a real-time-safe
//! ring, with the exact output frame at which chart time zero sounds.
//!
//! | file | owns |
//! |---|---|
//! | `plan` | which files play and where the audio sits on the chart's clock ([`Plan`]) |
//! | `decode` | streaming decode of one file (symphonia: WAV, FLAC, Ogg Vorbis, MP3) |
//! | `opus` | Ogg Opus, feature `opus` (opus-pure), plugged into `decode` |
//! | `stream` | the stage interface ([`Frames`]) and a stem cut to the slice being played |
//! | `resample` | rubato's FFT resampler to the output rate, its delay counted |
//! | `mix` | the stems summed, lined up |
//! | `stretch` | WSOLA time-stretch: practice tempos keep their pitch |
//! | `feed` | the feed thread, the ring, the callback's [`Reader`] and the [`Timing`] |
//! | `error` | [`BackingError`] |
//!
//! docs/play-along.md states the rules; docs/performance.md the costs.

mod decode;
mod error;
mod feed;
mod mix;
#[cfg(feature = "opus")]
mod opus;
mod plan;
mod resample;
mod stream;
mod stretch;

pub use decode::Decoder;
pub use error::BackingError;
pub use feed::{
    chain, start, Feed, FeedStats, Reader, Settings, Slice, Timing, DEFAULT_RING_FRAMES,
};
pub use plan::{Plan, DRUM_STEMS, EXTENSIONS, STEMS};
pub use stream::Frames;
pub use stretch::{GRAIN_HALF_S, TEMPO_RANGE, TOLERANCE_S};

#[cfg(test)]
mod tests;
