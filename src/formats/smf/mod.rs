//! Standard MIDI Files (`.mid`): read as a chart or as one player's raw events, and written back.
//!
//! This module owns the SMF container: the `MThd`/`MTrk` chunk walk (done here, so that every
//! error can name the track and byte offset), tempo and time-signature meta events, and the
//! time of each event. Events themselves are decoded by `midly`.
//!
//! - [`read_chart`]: a drum chart (General MIDI drum channel, kit map, dynamics from velocity,
//!   sections from markers). SMPTE time division is refused: a chart needs a beat grid.
//! - [`read_events`]: every channel message of one player, with exact times, for
//!   [`crate::kit`] to turn into a take. SMPTE time division is accepted. One file may hold two
//!   players split by track or channel: see [`TakeSelector`] and [`super::TakeSpec`].
//! - [`write_chart`], [`write_take`]: type 1 files that read back to the same notes.
//!
//! The user-facing rules are in `docs/take-formats.md`.
//!
//! The work is split by job: `container` walks the `MThd`/`MTrk` chunks (and unwraps RIFF
//! `RMID` files) with byte-level diagnostics, `chart` and `take` read what the walk yields, and
//! `write` writes files back.

mod chart;
mod container;
mod take;
#[cfg(test)]
pub(crate) mod tests;
mod write;

pub use super::take_spec::TakeSelector;
pub(crate) use chart::section_name;
pub(crate) use chart::{read_chart_bytes, read_chart_bytes_filtered};
pub use chart::{ChannelFilter, SmfChartOptions};
pub(crate) use container::walk_ppq_events;
pub use container::{Division, MAX_TIME_SECS};
pub(crate) use take::read_events_bytes;
pub use take::{SmfEvents, SmfTakeOptions};
pub use write::{write_chart, write_take, write_take_noting_zero};

use crate::chart::Chart;
use crate::error::InputError;
use std::path::Path;

/// Largest SMF pocket reads, in bytes (64 MiB). Drum takes and charts are a few hundred KiB.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a Standard MIDI File as a chart. See the module docs and `docs/take-formats.md`.
pub fn read_chart(path: &Path, opts: &SmfChartOptions) -> Result<Chart, InputError> {
    let bytes = super::read::read_capped(path, MAX_FILE_BYTES)?;
    read_chart_bytes(path, &bytes, opts)
}

/// Reads a Standard MIDI File as one player's take events.
pub fn read_events(path: &Path, opts: &SmfTakeOptions) -> Result<SmfEvents, InputError> {
    let bytes = super::read::read_capped(path, MAX_FILE_BYTES)?;
    read_events_bytes(path, &bytes, opts)
}
