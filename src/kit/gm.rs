//! General MIDI drums as pocket writes them: the note for each lane and articulation, and the
//! velocity for each dynamic. Written files (charts, takes, demo performances) use these; the
//! `gm` profile in [`super::PROFILES`] is the map they read back through.

use super::map::KitMap;
use crate::lane::{Articulation, Dynamic, Lane};

/// Velocity written for ghost notes in a written chart.
pub const GHOST_VELOCITY: u8 = 30;
/// Velocity written for normal notes in a written chart.
pub const NORMAL_VELOCITY: u8 = 96;
/// Velocity written for accents in a written chart.
pub const ACCENT_VELOCITY: u8 = 120;

/// The General MIDI note written for a lane and articulation: the first note that the `gm` kit
/// map reads back as exactly this lane and articulation, else as this lane, else a fixed
/// General MIDI note. Notes on lane `any` are written as acoustic snare (38).
pub fn gm_note(lane: Lane, articulation: Option<Articulation>) -> u8 {
    let preferred: &[u8] = match lane {
        Lane::Kick => &[36, 35],
        Lane::Snare => &[38, 40, 37],
        Lane::Hihat => &[42, 46],
        Lane::HihatPedal => &[44],
        Lane::Tom1 => &[48, 50],
        Lane::Tom2 => &[47, 45],
        Lane::Tom3 => &[43, 41],
        Lane::Tom4 => &[41, 43],
        Lane::Crash => &[49],
        Lane::Crash2 => &[57],
        Lane::Ride => &[51, 53, 59],
        Lane::Splash => &[55],
        Lane::China => &[52],
        Lane::Any => return 38,
    };
    if let Some(kit) = KitMap::builtin("gm") {
        let candidates = preferred.iter().copied().chain(0..128u8);
        if let Some(n) = candidates
            .clone()
            .find(|n| kit.lookup(*n) == Some((lane, articulation)))
        {
            return n;
        }
        if let Some(n) = candidates
            .clone()
            .find(|n| kit.lookup(*n).map(|(l, _)| l) == Some(lane))
        {
            return n;
        }
    }
    preferred[0]
}

/// The velocity a written chart gives a dynamic.
pub fn velocity_for(dynamic: Dynamic) -> u8 {
    match dynamic {
        Dynamic::Ghost => GHOST_VELOCITY,
        Dynamic::Normal => NORMAL_VELOCITY,
        Dynamic::Accent => ACCENT_VELOCITY,
    }
}
