//! Live capture: one or two kits played into pocket in real time, judged as the hits land, and
//! recorded so that nothing played is lost.
//!
//! The path of an event, one file per step:
//!
//! | step | file | thread |
//! |---|---|---|
//! | audio input -> callback (copy with the block's frame, or with the device's frame and when it was heard) -> transcriber thread (WAV beside the capture log, hits as notes into the port's ring) | `audio_in`; the callbacks: `jack_io` (feature `jack`), `cpal_in` (feature `midi-io`) | the backend's, then one per audio input |
//! | MIDI port -> callback (stamp, copy, return) | [`ports`] (finding ports), `jack_io` (pocket's JACK client, feature `jack`: frames, clicks at their frame, `cycle`), `midir_io` (ALSA, CoreMIDI, WinMM, feature `midi-io`), `ring` | the backend's |
//! | recorded take -> the same callback | [`replay`] | one per replayed player |
//! | ring -> capture clock (`clock`) -> capture log, online judge (`judge`) | `consumer` | the consumer |
//! | judgements -> terminal | `display` | the display |
//! | one source's messages -> what the kit makes of them (`pocket monitor`) | [`monitor`] | the caller's |
//! | setting up and finishing a session (report, takes) | [`session`] | the caller's |
//! | backing audio -> an output (cpal, feature `midi-io`), mapped onto the capture clock | `audio_out`; a session's backing: [`play_along`] | cpal's |
//!
//! docs/live.md is the user-facing description. The ring, clock, consumer, judge and display are
//! the session's inside (`pub(crate)`); pocket's own tests and benches reach them through
//! `internals` (feature `testing`).

pub mod audio_cycle;
#[cfg_attr(not(any(feature = "jack", feature = "midi-io")), allow(dead_code))]
pub mod audio_in;
#[cfg(feature = "midi-io")]
pub mod audio_out;
pub(crate) mod clock;
pub(crate) mod consumer;
#[cfg(feature = "midi-io")]
pub mod cpal_in;
#[cfg(any(feature = "jack", feature = "testing"))]
pub(crate) mod cycle;
pub(crate) mod display;
#[cfg(feature = "jack")]
pub mod jack_audio;
#[cfg(feature = "jack")]
pub mod jack_io;
pub(crate) mod judge;
#[cfg(feature = "midi-io")]
pub mod midir_io;
pub mod monitor;
pub(crate) mod names;
pub mod play_along;
pub mod ports;
pub mod replay;
pub(crate) mod ring;
pub mod session;

use crate::error::InputError;
use crate::formats::capture_log::{format_rfc3339_utc, CaptureWriteError};
use std::path::PathBuf;
use std::time::SystemTime;

/// The default folder of a session started at `at`: `PREFIX-YYYYMMDD-HHMMSS` (UTC), e.g.
/// `session-20250102-030405` or `calibration-20250102-030405`.
pub fn stamped_dir(prefix: &str, at: SystemTime) -> PathBuf {
    // `2025-01-02T03:04:05.678Z` -> `20250102-030405`.
    let compact: String = format_rfc3339_utc(at)
        .chars()
        .take(19)
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .map(|c| if c == 'T' { '-' } else { c })
        .collect();
    PathBuf::from(format!("{prefix}-{compact}"))
}

/// Why a live session could not start or finish. The message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// This build has no MIDI support.
    #[error("this pocket was built without MIDI support; rebuild it in pocket's source folder with `cargo install --path . --features midi-io` (Linux needs libasound2-dev), or replay a recorded take")]
    NotBuilt,
    /// The MIDI system cannot be opened.
    #[error("{0}")]
    NoMidiSystem(String),
    /// No port matches.
    #[error("no {what} matches {query:?}; the ports are: {}", list(available))]
    NoSuchPort {
        /// Input or output.
        what: String,
        /// What was asked for.
        query: String,
        /// The ports there are.
        available: Vec<String>,
    },
    /// Several ports match.
    #[error(
        "{query:?} matches several {what}s: {}; give more of the name",
        list(matches)
    )]
    AmbiguousPort {
        /// Input or output.
        what: String,
        /// What was asked for.
        query: String,
        /// The ports it matches.
        matches: Vec<String>,
    },
    /// The port exists but cannot be opened.
    #[error(
        "port {name:?} cannot be opened ({reason}); it may be busy: close other programs using it"
    )]
    PortBusy {
        /// The port.
        name: String,
        /// What the system said.
        reason: String,
    },
    /// A file could not be read.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The capture log could not be written.
    #[error(transparent)]
    Capture(#[from] CaptureWriteError),
    /// A session file could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The session's settings do not fit together.
    #[error("{0}")]
    Settings(String),
    /// A player's audio input channel (`#audio-channel=N`) that the device does not have.
    #[error(
        "player {player}: audio input {device:?} has {channels} channel{}, so it has no \
         channel {channel}; its channels are 1 to {channels}",
        if *channels == 1 { "" } else { "s" }
    )]
    NoSuchAudioChannel {
        /// The player.
        player: String,
        /// The device, by its full name.
        device: String,
        /// The channel asked for, from 1.
        channel: u16,
        /// How many channels the device has.
        channels: u16,
    },
    /// The backing audio cannot be played.
    #[error(transparent)]
    Backing(#[from] crate::backing::BackingError),
    /// The consumer thread panicked; the capture log holds everything up to then.
    #[error("the capture stopped unexpectedly ({0}); everything captured until then is in the capture log: score it with `pocket score`")]
    Crashed(String),
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "(none)".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn a_stamped_dir_names_the_utc_date_and_time_to_the_second() {
        // 2025-01-02T03:04:05.678Z
        let at = UNIX_EPOCH + Duration::from_millis(1_735_787_045_678);
        assert_eq!(
            stamped_dir("session", at),
            PathBuf::from("session-20250102-030405")
        );
    }
}
