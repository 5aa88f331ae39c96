//! The inside of the pipeline, for pocket's own fuzz targets, benches and integration tests:
//! the one door to what is not part of the library's API (cargo feature `testing`). Nothing here
//! is stable; names change without notice. Library users read files with
//! [`crate::formats::load_chart`] and [`crate::formats::load_take`] and run live sessions with
//! [`crate::live::session`].

use crate::chart::Chart;
use crate::error::InputError;
use crate::event::RawEvent;
use crate::formats::capture_log::Capture;
use crate::formats::onsets::Onset;
use crate::formats::rockband::SongIni;
use crate::formats::smf::{SmfChartOptions, SmfEvents, SmfTakeOptions};
use crate::formats::ChartLoadOptions;
use crate::kit::{KitMap, KitOptions};
use crate::take::Take;
use std::io::BufRead;
use std::path::Path;

/// The kit stage on raw events: hits, pedal readings, chokes and filtered events.
pub fn build_take(
    events: &[RawEvent],
    kit: &KitMap,
    options: &KitOptions,
    source: String,
    ports: Vec<String>,
) -> Take {
    crate::kit::build_take(events, kit, options, source, ports)
}

/// The live path's parts: the callback's ring, the capture clock, the consumer's pacing and the
/// online judge.
pub mod live {
    pub use crate::live::clock::{CaptureClock, ConnectionClock};
    pub use crate::live::consumer::IDLE_SLEEP;
    pub use crate::live::cycle::{Cycle, Schedule, Scheduled};
    pub use crate::live::judge::{OnlineJudge, Outcome};
    pub use crate::live::ring::{ring, set_callback_probe, EventReceiver, EventSender, Stamp};
}

/// The readers on bytes in memory, below the file-level entry points.
pub mod readers {
    use super::*;

    /// Capture logs.
    pub mod capture_log {
        use super::*;
        /// A capture log from any reader (`path` names it in errors).
        pub fn read_capture_from<R: BufRead>(
            reader: R,
            path: &Path,
        ) -> Result<Capture, InputError> {
            crate::formats::capture_log::read_capture_from(reader, path)
        }
    }

    /// pocket chart JSON.
    pub mod chart_json {
        use super::*;
        /// A chart from JSON bytes.
        pub fn read_chart_bytes(path: &Path, bytes: &[u8]) -> Result<Chart, InputError> {
            crate::formats::chart_json::read_chart_bytes(path, bytes)
        }
        /// A chart from JSON text.
        pub fn read_chart_str(path: &Path, text: &str) -> Result<Chart, InputError> {
            crate::formats::chart_json::read_chart_str(path, text)
        }
    }

    /// Clone Hero `.chart`.
    pub mod clone_hero {
        use super::*;
        /// A chart from `.chart` bytes.
        pub fn read_chart_bytes(
            path: &Path,
            bytes: &[u8],
            ini: Option<&SongIni>,
            options: &ChartLoadOptions,
        ) -> Result<Chart, InputError> {
            crate::formats::clone_hero::read_chart_bytes(path, bytes, ini, options)
        }
    }

    /// DTXMania `.dtx`.
    pub mod dtx {
        use super::*;
        /// A chart from `.dtx` bytes.
        pub fn read_chart_bytes(path: &Path, bytes: &[u8]) -> Result<Chart, InputError> {
            crate::formats::dtx::read_chart_bytes(path, bytes)
        }
    }

    /// Onset lists.
    pub mod onsets {
        use super::*;
        /// Onsets from the bytes of an onset list.
        pub fn parse_onsets(path: &Path, bytes: &[u8]) -> Result<Vec<Onset>, InputError> {
            crate::formats::onsets::parse_onsets(path, bytes)
        }
    }

    /// Rock Band-style `.mid`.
    pub mod rockband {
        use super::*;
        /// A chart from `.mid` bytes.
        pub fn read_chart_bytes(
            path: &Path,
            bytes: &[u8],
            ini: Option<&SongIni>,
            options: &ChartLoadOptions,
        ) -> Result<Chart, InputError> {
            crate::formats::rockband::read_chart_bytes(path, bytes, ini, options)
        }
    }

    /// Standard MIDI Files.
    pub mod smf {
        use super::*;
        /// A General MIDI chart from SMF bytes.
        pub fn read_chart_bytes(
            path: &Path,
            bytes: &[u8],
            opts: &SmfChartOptions,
        ) -> Result<Chart, InputError> {
            crate::formats::smf::read_chart_bytes(path, bytes, opts)
        }
        /// A take's raw events from SMF bytes.
        pub fn read_events_bytes(
            path: &Path,
            bytes: &[u8],
            opts: &SmfTakeOptions,
        ) -> Result<SmfEvents, InputError> {
            crate::formats::smf::read_events_bytes(path, bytes, opts)
        }
    }
}
