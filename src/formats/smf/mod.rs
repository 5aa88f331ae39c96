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
mod test_files;
mod write;

pub use super::take_spec::TakeSelector;
pub use chart::read_chart_bytes;
pub(crate) use chart::section_name;
pub(crate) use container::walk_ppq_events;
pub use take::read_events_bytes;
pub use write::{write_chart, write_take};

use crate::chart::Chart;
use crate::error::InputError;
use crate::event::RawEvent;
use crate::kit::KitMap;
use crate::lane::Dynamic;
use crate::tempo::TempoMap;
use crate::time::Nanos;
use std::fmt;
use std::path::Path;

/// Largest SMF pocket reads, in bytes (64 MiB). Drum takes and charts are a few hundred KiB.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Latest event time pocket accepts, in seconds (about 11.6 days). Anything later comes from
/// corrupt delta times.
pub const MAX_TIME_SECS: i64 = 1_000_000;

/// Which MIDI channels a chart's drum notes are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelFilter {
    /// One channel, 1..=16 as musicians count them (General MIDI drums: 10).
    Only(u8),
    /// Every channel.
    All,
}

impl ChannelFilter {
    fn accepts(self, channel_1: u8) -> bool {
        match self {
            ChannelFilter::Only(c) => c == channel_1,
            ChannelFilter::All => true,
        }
    }
}

impl fmt::Display for ChannelFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelFilter::Only(c) => write!(f, "channel {c}"),
            ChannelFilter::All => f.write_str("any channel"),
        }
    }
}

/// How a Standard MIDI File is read as a chart.
#[derive(Debug, Clone)]
pub struct SmfChartOptions {
    /// Channels holding the drum notes (default: channel 10, the General MIDI drum channel).
    pub channels: ChannelFilter,
    /// Note map (default, `None`: the built-in `gm` map).
    pub kit: Option<KitMap>,
    /// Velocities up to this are ghost notes (default 40).
    pub ghost_max_velocity: u8,
    /// Velocities from this up are accents (default 110).
    pub accent_min_velocity: u8,
}

impl Default for SmfChartOptions {
    fn default() -> Self {
        SmfChartOptions {
            channels: ChannelFilter::Only(10),
            kit: None,
            ghost_max_velocity: 40,
            accent_min_velocity: 110,
        }
    }
}

impl SmfChartOptions {
    /// The dynamic of a note from its Note On velocity (1..=127): `<= ghost_max_velocity` is a
    /// ghost note, `>= accent_min_velocity` an accent, anything between normal.
    pub fn dynamic(&self, velocity: u8) -> Dynamic {
        if velocity <= self.ghost_max_velocity {
            Dynamic::Ghost
        } else if velocity >= self.accent_min_velocity {
            Dynamic::Accent
        } else {
            Dynamic::Normal
        }
    }
}

/// How a Standard MIDI File is read as a take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmfTakeOptions {
    /// Which track and/or channel is the player.
    pub selector: TakeSelector,
    /// The port index written into every event (0 for a take read from one file).
    pub port: u16,
}

/// The time division in an SMF header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Division {
    /// Ticks per quarter note; times follow the tempo map.
    Ppq(u16),
    /// SMPTE: ticks per frame at a frame rate; times do not depend on tempo.
    Smpte {
        /// 24, 25, 29 (29.97 drop-frame, timed at 30000/1001 frames per second) or 30.
        frames_per_second: u8,
        /// Ticks per frame (1..=255).
        ticks_per_frame: u8,
    },
}

impl Division {
    /// Nanoseconds of a tick count under SMPTE division, exact to the nearest ns; `None` for PPQ.
    fn smpte_time(self, tick: i64) -> Option<Nanos> {
        let Division::Smpte {
            frames_per_second,
            ticks_per_frame,
        } = self
        else {
            return None;
        };
        // Frames per second as num/den.
        let (num, den): (i128, i128) = match frames_per_second {
            29 => (30_000, 1_001),
            f => (f as i128, 1),
        };
        let a = tick as i128 * 1_000_000_000 * den;
        let b = num * ticks_per_frame as i128;
        let ns = (2 * a + b).div_euclid(2 * b);
        Some(Nanos(ns.clamp(i64::MIN as i128, i64::MAX as i128) as i64))
    }
}

/// One player's channel messages from an SMF, with exact times.
#[derive(Debug, Clone, PartialEq)]
pub struct SmfEvents {
    /// Channel messages (note on/off, control change, aftertouch, program change, pitch bend)
    /// with their bytes as stored (Note On velocity 0 stays a Note On), in time order; events at
    /// the same time keep track order, then file order.
    pub events: Vec<RawEvent>,
    /// The file's time division.
    pub division: Division,
    /// The tempo map under PPQ division (its time signature is always 4/4: takes ignore them).
    pub tempo_map: Option<TempoMap>,
    /// Number of track chunks in the file.
    pub tracks: usize,
    /// Channels (1..=16) of the file holding Note Ons with velocity > 0, whatever the selector.
    pub channels_with_notes: Vec<u8>,
}

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

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::Path;

    use crate::error::InputErrorKind;

    use crate::formats::smf::test_files::*;

    use proptest::prelude::*;

    #[test]
    fn bad_file_too_large() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.mid");
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap(); // sparse: nothing is written
        let e = read_chart(&path, &chart_opts()).unwrap_err();
        assert!(matches!(e.kind, InputErrorKind::TooLarge { .. }), "{e}");
        let e = read_events(&path, &take_opts("")).unwrap_err();
        assert!(matches!(e.kind, InputErrorKind::TooLarge { .. }), "{e}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = read_chart_bytes(Path::new("r.mid"), &bytes, &chart_opts());
            let _ = read_events_bytes(Path::new("r.mid"), &bytes, &take_opts(""));
            let mut with_header = b"MThd".to_vec();
            with_header.extend(&bytes);
            let _ = read_chart_bytes(Path::new("r.mid"), &with_header, &chart_opts());
            let _ = read_events_bytes(Path::new("r.mid"), &with_header, &take_opts("track=1"));
        }

        #[test]
        fn mutated_files_never_panic(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in any::<prop::sample::Index>(),
            which in 0usize..3,
        ) {
            let mut bytes = match which {
                0 => type1_tempo_change(),
                1 => type0_running_status(),
                _ => duo_by_channel(),
            };
            for (i, b) in &edits {
                let i = i.index(bytes.len());
                bytes[i] = *b;
            }
            if edits.len() % 3 == 0 {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            let _ = read_chart_bytes(Path::new("m.mid"), &bytes, &chart_opts());
            let _ = read_events_bytes(Path::new("m.mid"), &bytes, &take_opts("channel=10"));
        }
    }
}
