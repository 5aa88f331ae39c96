//! The kit map: which MIDI note of a kit is which lane and articulation, with the kit's
//! channel, pedal controller, crosstalk neighbours and options.

use crate::lane::{Articulation, Lane};

use super::options::{KitOptions, VelocityFloors};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A note map for one kit, with what else the kit stage needs to know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct KitMap {
    /// Profile name (`gm`, `roland-td`, ...) or the name given in a kit file.
    pub name: String,
    /// One line saying what kit this is for.
    pub description: String,
    /// Note number -> lane and articulation.
    pub notes: BTreeMap<u8, (Lane, Option<Articulation>)>,
    /// Note number -> the pad's name on the module (`"HH closed edge"`), for `pocket kits show`.
    /// Notes without a label show none.
    pub labels: BTreeMap<u8, String>,
    /// The MIDI channel the kit sends on, 1..=16, or `None` to take every channel ("omni").
    pub channel: Option<u8>,
    /// The controller number carrying the hi-hat pedal position (4 on most kits; a TD-27 can be
    /// set to 19), or `None` when the kit sends none.
    pub pedal_cc: Option<u8>,
    /// Pairs of neighbouring pads (by kit lane) whose quiet hits may be crosstalk from each other.
    /// Order inside a pair does not matter.
    pub neighbours: Vec<(Lane, Lane)>,
    /// The kit's own settings: hi-hat thresholds, filters, lane rules.
    pub options: KitOptions,
}

impl KitMap {
    /// A map that turns every Note On of every channel into an onset on lane `any`, with no
    /// pedal, neighbours or velocity floor above 1. For instruments that are not drum kits (a
    /// keyboard in a duet) and for `pocket sync --lanes all`.
    pub fn all_notes() -> KitMap {
        let options = KitOptions {
            velocity_floors: VelocityFloors::uniform(1),
            ..KitOptions::default()
        };
        KitMap {
            name: "all-notes".into(),
            description: "every note of every channel as one onset stream (lane any)".into(),
            notes: (0u8..=127).map(|n| (n, (Lane::Any, None))).collect(),
            labels: BTreeMap::new(),
            channel: None,
            pedal_cc: None,
            neighbours: Vec::new(),
            options,
        }
    }

    /// Lane and articulation of a note number, if mapped.
    pub fn lookup(&self, note: u8) -> Option<(Lane, Option<Articulation>)> {
        self.notes.get(&note).copied()
    }

    /// Whether two kit lanes are declared neighbours (in either order).
    pub fn are_neighbours(&self, a: Lane, b: Lane) -> bool {
        self.neighbours
            .iter()
            .any(|&(x, y)| (x == a && y == b) || (x == b && y == a))
    }

    /// A human-readable description: name, channel, pedal, the note table, neighbours and lane
    /// rules. This is what `pocket kits show NAME` prints.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}: {}", self.name, self.description);
        let channel = match self.channel {
            Some(c) => format!("channel {c}"),
            None => "any channel (omni)".to_string(),
        };
        let pedal = match self.pedal_cc {
            Some(cc) => format!("hi-hat pedal position on CC{cc}"),
            None => "no hi-hat pedal controller".to_string(),
        };
        let _ = writeln!(out, "{channel}; {pedal}");
        let _ = writeln!(out);
        let _ = writeln!(out, "note  lane         articulation  pad");
        for (note, (lane, art)) in &self.notes {
            let art = art.map(|a| a.name()).unwrap_or("-");
            let label = self.labels.get(note).map(String::as_str).unwrap_or("");
            let line = format!("{note:>4}  {:<12} {art:<13} {label}", lane.name());
            let _ = writeln!(out, "{}", line.trim_end());
        }
        let _ = writeln!(out);
        if self.neighbours.is_empty() {
            let _ = writeln!(out, "crosstalk neighbours: none");
        } else {
            let pairs: Vec<_> = self
                .neighbours
                .iter()
                .map(|(a, b)| format!("{a}-{b}"))
                .collect();
            let _ = writeln!(out, "crosstalk neighbours: {}", pairs.join(", "));
        }
        if !self.options.lanes.is_identity() {
            let _ = writeln!(out, "lane rules: {}", self.options.lanes);
        }
        out
    }
}
