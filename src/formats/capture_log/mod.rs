//! The capture log: pocket's own raw take format, written while drummers play.
//!
//! A capture log is JSON Lines: a header line, then one line per raw MIDI event or capture
//! incident (a lost port, a buffer overflow, a click, the stop). Every line stands alone, so a
//! crash loses at most the line being written: the reader accepts a file whose last line was
//! cut off and says so in [`Capture::truncated_last_line`]. The format is specified for other
//! tools in `docs/capture-log.md`.
//!
//! [`CaptureWriter`] writes it (a MIDI line costs no allocation once the writer runs), and
//! [`read_capture`] reads it back into [`crate::event::RawEvent`]s for the kit stage.
//!
//! `header` holds the header line and the limits both sides keep; `write` holds the writer and
//! `read` the reader, as hound splits WAV files.

mod header;
mod read;
#[cfg(test)]
mod tests;
mod write;

pub use header::{
    format_rfc3339_utc, BackingAudio, CaptureHeader, ChartRef, PlayerInfo, PortInfo, StampSource,
    StartMode, FORMAT, MAX_FILE_BYTES, MAX_LINE_BYTES, MAX_MESSAGE_BYTES, MAX_OFFSET_MS,
    MINOR_VERSION,
};
pub(crate) use read::read_capture_from;
pub use read::{read_capture, Capture, Click, ClockJump, End, Gap, Overflow};
pub use write::{CaptureWriteError, CaptureWriter};
