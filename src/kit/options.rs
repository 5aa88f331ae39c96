//! Settings of the kit stage: hi-hat pedal thresholds, filters and lane rules.
//!
//! Every default here is documented in docs/kits.md; keep the two in step.

use super::lanes::LaneMap;
use crate::lane::{Articulation, Lane};
use crate::time::Nanos;

/// Where the hi-hat pedal position (0 = open .. 127 = closed) turns into an articulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HihatThresholds {
    /// Pedal values at or above this are `closed` (default 90).
    pub closed_min: u8,
    /// Pedal values at or above this (and below `closed_min`) are `half_open` (default 40);
    /// below it the hi-hat is `open`.
    pub half_open_min: u8,
}

impl Default for HihatThresholds {
    fn default() -> HihatThresholds {
        HihatThresholds {
            closed_min: 90,
            half_open_min: 40,
        }
    }
}

impl HihatThresholds {
    /// The articulation of a hi-hat stroke played with the pedal at `position`
    /// (0 = open .. 127 = closed).
    pub fn articulation(&self, position: u8) -> Articulation {
        if position >= self.closed_min {
            Articulation::Closed
        } else if position >= self.half_open_min {
            Articulation::HalfOpen
        } else {
            Articulation::Open
        }
    }
}

/// The lowest Note On velocity accepted as a hit, per lane (as the kit map names the pad,
/// before lane merges and swaps). A floor of 0 or 1 accepts everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VelocityFloors {
    floors: [u8; Lane::ALL.len()],
}

impl VelocityFloors {
    /// The default floor of every lane: velocities 1 and 2 are taken for sensor noise, while
    /// ghost notes on real kits go down to about 4.
    pub const DEFAULT: u8 = 3;

    /// The same floor on every lane.
    pub fn uniform(floor: u8) -> VelocityFloors {
        VelocityFloors {
            floors: [floor; Lane::ALL.len()],
        }
    }

    /// The floor of a lane.
    pub fn get(&self, lane: Lane) -> u8 {
        self.floors[lane.index()]
    }

    /// Sets the floor of a lane.
    pub fn set(&mut self, lane: Lane, floor: u8) {
        self.floors[lane.index()] = floor;
    }
}

impl Default for VelocityFloors {
    fn default() -> VelocityFloors {
        VelocityFloors::uniform(VelocityFloors::DEFAULT)
    }
}

/// Crosstalk filter: a quiet hit close to a much louder hit on a neighbouring pad (pairs declared
/// by the kit map) is taken for vibration picked up by the wrong pad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrosstalkOptions {
    /// Whether the filter runs (default true).
    pub enabled: bool,
    /// How long before the loud hit a quiet one may arrive and still be crosstalk (default 5 ms:
    /// pads are scanned one after another, so the echo can be stamped first).
    pub before: Nanos,
    /// How long after the loud hit a quiet one may arrive and still be crosstalk (default 20 ms).
    pub after: Nanos,
    /// The quiet hit's velocity is at most this percentage of the loud one's (default 40).
    pub max_percent: u8,
}

impl Default for CrosstalkOptions {
    fn default() -> CrosstalkOptions {
        CrosstalkOptions {
            enabled: true,
            before: Nanos::from_millis(5),
            after: Nanos::from_millis(20),
            max_percent: 40,
        }
    }
}

/// Pedal-stomp filter: a quiet hi-hat stroke within a few ms of a foot close (the hi-hat pedal
/// note) is taken for the pad shaking as the pedal slams shut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PedalStompOptions {
    /// Whether the filter runs (default true).
    pub enabled: bool,
    /// How long before the foot close the stroke may arrive (default 5 ms).
    pub before: Nanos,
    /// How long after the foot close the stroke may arrive (default 30 ms).
    pub after: Nanos,
    /// Strokes louder than this are real playing (default 30).
    pub max_velocity: u8,
}

impl Default for PedalStompOptions {
    fn default() -> PedalStompOptions {
        PedalStompOptions {
            enabled: true,
            before: Nanos::from_millis(5),
            after: Nanos::from_millis(30),
            max_velocity: 30,
        }
    }
}

/// Everything that tunes how raw events become a take. A kit map carries its own
/// ([`super::KitMap::options`]); the command line starts from those and changes what it is told.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KitOptions {
    /// Hi-hat pedal position thresholds.
    pub hihat: HihatThresholds,
    /// Per-lane velocity floors.
    pub velocity_floors: VelocityFloors,
    /// Crosstalk filter settings.
    pub crosstalk: CrosstalkOptions,
    /// Pedal-stomp filter settings.
    pub pedal_stomp: PedalStompOptions,
    /// Lane merges and swaps applied to the take's hits (apply the merges to the chart too, with
    /// [`LaneMap::apply_chart`]).
    pub lanes: LaneMap,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_hihat_thresholds_follow_the_roland_convention() {
        let t = HihatThresholds::default();
        assert_eq!(t.articulation(127), Articulation::Closed);
        assert_eq!(t.articulation(90), Articulation::Closed);
        assert_eq!(t.articulation(89), Articulation::HalfOpen);
        assert_eq!(t.articulation(40), Articulation::HalfOpen);
        assert_eq!(t.articulation(39), Articulation::Open);
        assert_eq!(t.articulation(0), Articulation::Open);
    }

    #[test]
    fn floors_are_per_lane() {
        let mut f = VelocityFloors::default();
        assert_eq!(f.get(Lane::Snare), VelocityFloors::DEFAULT);
        f.set(Lane::Hihat, 20);
        assert_eq!(f.get(Lane::Hihat), 20);
        assert_eq!(f.get(Lane::Snare), VelocityFloors::DEFAULT);
    }
}
