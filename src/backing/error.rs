//! What can go wrong with a backing track: each error names the file (or folder) and says what
//! to do.

use std::path::PathBuf;

/// The formats this build decodes, for messages.
const PLAYS: &str = if cfg!(feature = "opus") {
    "WAV, FLAC, Ogg Vorbis, MP3 and Ogg Opus"
} else {
    "WAV, FLAC, Ogg Vorbis and MP3"
};

/// Why a backing track cannot be played.
#[derive(Debug, thiserror::Error)]
pub enum BackingError {
    /// The file could not be opened or read.
    #[error("{}: cannot read the audio file: {io}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error (its kind is kept).
        io: std::io::Error,
    },
    /// The file holds no bytes.
    #[error("{}: the audio file is empty", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// Not a format pocket decodes, or damaged beyond its headers.
    #[error(
        "{}: not audio pocket can decode ({reason}); pocket plays {PLAYS}",
        path.display()
    )]
    Undecodable {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// An Opus file in a build without the `opus` feature.
    #[error(
        "{}: Opus audio needs a pocket built with the `opus` feature (in pocket's source \
         folder: `cargo install --path . --features opus`), or convert the file to Ogg Vorbis \
         or FLAC (for example `ffmpeg -i song.opus song.ogg`)",
        path.display()
    )]
    OpusUnsupported {
        /// The file.
        path: PathBuf,
    },
    /// The audio stops before the length its header declares.
    #[error(
        "{}: the audio file is truncated: it ends at {decoded_s:.3} s but its header declares \
         {declared_s:.3} s",
        path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Seconds decoded before the end.
        decoded_s: f64,
        /// Seconds the header declares.
        declared_s: f64,
    },
    /// Damaged audio in the middle of the file.
    #[error("{}: damaged audio at {at_s:.3} s: {reason}", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// Where, in seconds from the start of the file.
        at_s: f64,
        /// What the decoder said.
        reason: String,
    },
    /// A song folder with no audio stem to play.
    #[error(
        "{}: the song folder has no audio to play (looked for {looked_for}{drums})",
        folder.display(),
        drums = if *drums_left_out { "; its drum stems are left out: the players are the drums" } else { "" }
    )]
    NoAudio {
        /// The folder.
        folder: PathBuf,
        /// The names looked for.
        looked_for: String,
        /// Whether drum stems were there but left out.
        drums_left_out: bool,
    },
    /// The chart could not be read for its audio.
    #[error(transparent)]
    Input(#[from] crate::error::InputError),
    /// The chart names a background track that is not there.
    #[error("{}: {what}", chart.display())]
    Chart {
        /// The chart file.
        chart: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// Settings pocket cannot play with (a tempo out of range, an empty slice, a device rate
    /// of zero...).
    #[error("backing track: {0}")]
    Settings(String),
    /// The resampler refused the rates.
    #[error("{}: cannot resample from {from} Hz to {to} Hz: {reason}", path.display())]
    Resample {
        /// The file.
        path: PathBuf,
        /// Its sample rate.
        from: u32,
        /// The output's sample rate.
        to: u32,
        /// What the resampler said.
        reason: String,
    },
}
