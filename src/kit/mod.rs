//! Kit maps: which MIDI note is which lane and articulation, and the filters that keep
//! crosstalk and pedal artefacts out of a take.
//!
//! PLACEHOLDER: the full kit stage (profiles, hi-hat pedal, chokes, filters) replaces this file.

use crate::lane::{Articulation, Lane};
use std::collections::BTreeMap;

/// A note map for one kit.
#[derive(Debug, Clone, PartialEq)]
pub struct KitMap {
    /// Profile name (`gm`, `roland-td`, ...).
    pub name: String,
    /// Note number -> lane and articulation.
    pub notes: BTreeMap<u8, (Lane, Option<Articulation>)>,
}

impl KitMap {
    /// A built-in profile by name.
    pub fn builtin(name: &str) -> Option<KitMap> {
        match name {
            "gm" => Some(KitMap {
                name: "gm".into(),
                notes: [
                    (35, Lane::Kick, None),
                    (36, Lane::Kick, None),
                    (37, Lane::Snare, Some(Articulation::CrossStick)),
                    (38, Lane::Snare, Some(Articulation::Head)),
                    (40, Lane::Snare, Some(Articulation::Rim)),
                    (42, Lane::Hihat, Some(Articulation::Closed)),
                    (44, Lane::HihatPedal, None),
                    (46, Lane::Hihat, Some(Articulation::Open)),
                    (41, Lane::Tom3, None),
                    (43, Lane::Tom3, None),
                    (45, Lane::Tom2, None),
                    (47, Lane::Tom2, None),
                    (48, Lane::Tom1, None),
                    (50, Lane::Tom1, None),
                    (49, Lane::Crash, None),
                    (57, Lane::Crash2, None),
                    (51, Lane::Ride, Some(Articulation::Bow)),
                    (59, Lane::Ride, Some(Articulation::Bow)),
                    (53, Lane::Ride, Some(Articulation::Bell)),
                    (52, Lane::China, None),
                    (55, Lane::Splash, None),
                ]
                .into_iter()
                .map(|(n, l, a)| (n, (l, a)))
                .collect(),
            }),
            _ => None,
        }
    }

    /// Lane and articulation of a note number, if mapped.
    pub fn lookup(&self, note: u8) -> Option<(Lane, Option<Articulation>)> {
        self.notes.get(&note).copied()
    }
}
