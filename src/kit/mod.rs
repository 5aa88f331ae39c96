//! Kit maps: which MIDI note is which lane and articulation, and the filters that keep
//! crosstalk and pedal artefacts out of a take.
//!
//! This module owns the step from raw MIDI events to a [`Take`](crate::take::Take):
//!
//! - [`KitMap`]: a note map (built-in profiles in [`PROFILES`], or a user JSON file read by
//!   `formats::read_kit_map`) plus the kit's channel, hi-hat pedal controller, neighbouring
//!   pads and its own [`KitOptions`];
//! - [`LaneMap`]: lane merges and swaps (`merge:crash,crash2`, `swap:ride,crash`);
//! - `build_take`: the single entry point that turns events into hits, pedal readings, chokes
//!   and filtered events (with their reasons; nothing is dropped silently); library users reach
//!   it through [`crate::formats::load_take`] (and, for charts read with a kit, through
//!   [`crate::formats::load_chart`]);
//! - [`FilteredSummary`]: what the stage left out, counted, with the built-in profile that would
//!   map the most of the unmapped notes.
//!
//! docs/kits.md is the user-facing description of all of it.

mod build;
mod filter;
mod gm;
mod json;
mod lanes;
mod map;
mod options;
mod profiles;
mod summary;
#[cfg(test)]
mod tests;

pub(crate) use build::build_take;
pub use filter::{KitEvent, KitFilter};
pub use gm::{gm_note, velocity_for, ACCENT_VELOCITY, GHOST_VELOCITY, NORMAL_VELOCITY};
pub use json::MAX_KIT_FILE_BYTES;
pub use lanes::{parse_rule, LaneMap, LaneMapError, LaneRule};
pub use map::KitMap;
pub use options::{
    CrosstalkOptions, HihatThresholds, KitOptions, PedalStompOptions, VelocityFloors,
};
pub use profiles::{profile_for_notes, suggest_profile, PROFILES};
pub use summary::{FilteredSummary, UnmappedNote};
