//! The take: what one player actually played, after the kit map and filters.

use crate::lane::{Articulation, Lane};
use crate::time::{Nanos, Span};
use serde::Serialize;

/// Where a hit came from: the raw MIDI note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Source {
    /// MIDI note number (0..=127).
    pub note: u8,
    /// MIDI channel, 1..=16 as musicians count them.
    pub channel: u8,
    /// Index into the take's port list (0 for files).
    pub port: u16,
}

/// One drum hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// When it was played, on the take's clock (before any latency offset).
    pub time: Nanos,
    /// Which drum.
    pub lane: Lane,
    /// How it was struck, when the kit tells.
    pub articulation: Option<Articulation>,
    /// Note On velocity, 1..=127.
    pub velocity: u8,
    /// The raw note it came from.
    pub source: Source,
}

/// A hi-hat pedal position reading (CC4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PedalSample {
    /// When it arrived.
    pub time: Nanos,
    /// 0 = fully open .. 127 = fully closed (Roland convention).
    pub value: u8,
}

/// A cymbal choke (polyphonic aftertouch on a cymbal note).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choke {
    /// When it arrived.
    pub time: Nanos,
    /// The cymbal choked.
    pub lane: Lane,
    /// The raw note it came from.
    pub source: Source,
}

/// Why an event was not turned into a hit. Filtered events are kept and reported, never
/// counted as errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum FilterReason {
    /// The note number is not in the kit map.
    UnmappedNote,
    /// The event was on a channel the kit map does not listen to.
    OtherChannel,
    /// Velocity below the lane's floor.
    BelowVelocityFloor {
        /// The floor in force.
        floor: u8,
    },
    /// A quiet hit close in time to a much louder hit on a neighbouring pad.
    Crosstalk {
        /// The lane of the louder hit that caused it.
        from: Lane,
        /// Time of the louder hit minus time of this one, in ns (positive: this one came first).
        gap_ns: i64,
    },
    /// A hi-hat note fired by the pedal closing, not by a stick.
    PedalStomp,
}

impl FilterReason {
    /// Short snake_case name for summaries.
    pub fn name(&self) -> &'static str {
        match self {
            FilterReason::UnmappedNote => "unmapped_note",
            FilterReason::OtherChannel => "other_channel",
            FilterReason::BelowVelocityFloor { .. } => "below_velocity_floor",
            FilterReason::Crosstalk { .. } => "crosstalk",
            FilterReason::PedalStomp => "pedal_stomp",
        }
    }
}

/// An event the kit stage filtered out, with its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filtered {
    /// When it arrived.
    pub time: Nanos,
    /// The lane it would have been, if the note was mapped.
    pub lane: Option<Lane>,
    /// Note On velocity.
    pub velocity: u8,
    /// The raw note.
    pub source: Source,
    /// Why it was filtered.
    pub reason: FilterReason,
}

/// One player's performance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Take {
    /// Where it was read from (path or port names).
    pub source: String,
    /// Port names, indexed by [`Source::port`] (one entry `"file"` for files).
    pub ports: Vec<String>,
    /// Hits in time order.
    pub hits: Vec<Hit>,
    /// Hi-hat pedal readings in time order.
    pub pedal: Vec<PedalSample>,
    /// Cymbal chokes in time order.
    pub chokes: Vec<Choke>,
    /// Events filtered out, in time order.
    pub filtered: Vec<Filtered>,
}

impl Take {
    /// Time of the first and last hit, if any.
    pub fn span(&self) -> Option<(Nanos, Nanos)> {
        Some((self.hits.first()?.time, self.hits.last()?.time))
    }

    /// Number of hits per lane, for lanes that have any, in lane order.
    pub fn hits_per_lane(&self) -> Vec<(Lane, usize)> {
        let mut counts = [0usize; Lane::ALL.len()];
        for h in &self.hits {
            counts[h.lane.index()] += 1;
        }
        Lane::ALL
            .iter()
            .filter(|l| counts[l.index()] > 0)
            .map(|l| (*l, counts[l.index()]))
            .collect()
    }

    /// Sorts every list by time (stable, so simultaneous events keep their arrival order).
    pub fn sort(&mut self) {
        self.hits.sort_by_key(|h| h.time);
        self.pedal.sort_by_key(|p| p.time);
        self.chokes.sort_by_key(|c| c.time);
        self.filtered.sort_by_key(|f| f.time);
    }

    /// The part of the take played within `span`: hits, chokes and filtered events in it, and
    /// the pedal readings up to its end (the pedal's state at the span's start comes from
    /// readings before it). Times are unchanged.
    pub fn within(&self, span: Span) -> Take {
        let before_end = |t: Nanos| span.until.is_none_or(|u| t <= u);
        Take {
            source: self.source.clone(),
            ports: self.ports.clone(),
            hits: self
                .hits
                .iter()
                .filter(|h| span.contains(h.time))
                .copied()
                .collect(),
            pedal: self
                .pedal
                .iter()
                .filter(|p| before_end(p.time))
                .copied()
                .collect(),
            chokes: self
                .chokes
                .iter()
                .filter(|c| span.contains(c.time))
                .copied()
                .collect(),
            filtered: self
                .filtered
                .iter()
                .filter(|f| span.contains(f.time))
                .copied()
                .collect(),
        }
    }
}
