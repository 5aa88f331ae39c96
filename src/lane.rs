//! Lanes (which drum), articulations (how it was struck) and dynamics (how loud it should be).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A drum or cymbal of the kit. Hits are only ever matched to notes on the same lane.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    /// Bass drum (any kick pedal).
    Kick,
    /// Snare drum (head, rim and cross-stick).
    Snare,
    /// Hi-hat struck with a stick (closed, half-open or open).
    Hihat,
    /// Hi-hat played with the foot alone (a "chick").
    HihatPedal,
    /// Highest rack tom.
    Tom1,
    /// Second tom.
    Tom2,
    /// Third tom (the floor tom on a five-piece kit).
    Tom3,
    /// Fourth tom (second floor tom).
    Tom4,
    /// Main crash cymbal.
    Crash,
    /// Second crash cymbal.
    Crash2,
    /// Ride cymbal.
    Ride,
    /// Splash cymbal.
    Splash,
    /// China cymbal.
    China,
    /// The lane of onset-list entries that carry no lane. `any` matches only `any`.
    Any,
}

impl Lane {
    /// Every lane, in report order.
    pub const ALL: [Lane; 14] = [
        Lane::Kick,
        Lane::Snare,
        Lane::Hihat,
        Lane::HihatPedal,
        Lane::Tom1,
        Lane::Tom2,
        Lane::Tom3,
        Lane::Tom4,
        Lane::Crash,
        Lane::Crash2,
        Lane::Ride,
        Lane::Splash,
        Lane::China,
        Lane::Any,
    ];

    /// The snake_case name used in every file format.
    pub fn name(self) -> &'static str {
        match self {
            Lane::Kick => "kick",
            Lane::Snare => "snare",
            Lane::Hihat => "hihat",
            Lane::HihatPedal => "hihat_pedal",
            Lane::Tom1 => "tom1",
            Lane::Tom2 => "tom2",
            Lane::Tom3 => "tom3",
            Lane::Tom4 => "tom4",
            Lane::Crash => "crash",
            Lane::Crash2 => "crash2",
            Lane::Ride => "ride",
            Lane::Splash => "splash",
            Lane::China => "china",
            Lane::Any => "any",
        }
    }

    /// The comma-separated list of valid lane names, for error messages.
    pub fn valid_names() -> String {
        Lane::ALL
            .iter()
            .map(|l| l.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether this lane is played with a foot (kick and hi-hat pedal). Latency offsets can be
    /// given separately for feet and hands.
    pub fn is_foot(self) -> bool {
        matches!(self, Lane::Kick | Lane::HihatPedal)
    }

    /// Whether this lane is a cymbal other than the hi-hat (crash, crash2, ride, splash, china).
    pub fn is_cymbal(self) -> bool {
        matches!(
            self,
            Lane::Crash | Lane::Crash2 | Lane::Ride | Lane::Splash | Lane::China
        )
    }

    /// Dense index (0..14) for per-lane arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether `art` is an articulation that can be played on this lane.
    pub fn allows(self, art: Articulation) -> bool {
        use Articulation::*;
        match self {
            Lane::Snare => matches!(art, Head | Rim | CrossStick),
            Lane::Hihat => matches!(art, Closed | HalfOpen | Open),
            Lane::Ride => matches!(art, Bow | Bell | Edge),
            Lane::Crash | Lane::Crash2 | Lane::Splash | Lane::China => {
                matches!(art, Bow | Edge | Choke)
            }
            Lane::Tom1 | Lane::Tom2 | Lane::Tom3 | Lane::Tom4 => matches!(art, Head | Rim),
            Lane::Kick | Lane::HihatPedal | Lane::Any => false,
        }
    }
}

impl fmt::Display for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown lane name; the message lists the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown lane {found:?}; valid lanes are: {valid}", valid = Lane::valid_names())]
pub struct UnknownLane {
    /// The text that was not a lane.
    pub found: String,
}

impl FromStr for Lane {
    type Err = UnknownLane;
    fn from_str(s: &str) -> Result<Lane, UnknownLane> {
        Lane::ALL
            .iter()
            .copied()
            .find(|l| l.name() == s)
            .ok_or_else(|| UnknownLane {
                found: s.to_string(),
            })
    }
}

/// How a drum or cymbal was struck. Which ones apply to which lane: [`Lane::allows`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Articulation {
    /// Drum head (snare, toms).
    Head,
    /// Rim shot (snare, toms).
    Rim,
    /// Cross-stick (snare).
    CrossStick,
    /// Hi-hat closed.
    Closed,
    /// Hi-hat half open.
    HalfOpen,
    /// Hi-hat open.
    Open,
    /// Cymbal bow (ride, crashes).
    Bow,
    /// Ride bell.
    Bell,
    /// Cymbal edge.
    Edge,
    /// Cymbal choked (grabbed) after the hit.
    Choke,
}

impl Articulation {
    /// Every articulation.
    pub const ALL: [Articulation; 10] = [
        Articulation::Head,
        Articulation::Rim,
        Articulation::CrossStick,
        Articulation::Closed,
        Articulation::HalfOpen,
        Articulation::Open,
        Articulation::Bow,
        Articulation::Bell,
        Articulation::Edge,
        Articulation::Choke,
    ];

    /// The snake_case name used in every file format.
    pub fn name(self) -> &'static str {
        match self {
            Articulation::Head => "head",
            Articulation::Rim => "rim",
            Articulation::CrossStick => "cross_stick",
            Articulation::Closed => "closed",
            Articulation::HalfOpen => "half_open",
            Articulation::Open => "open",
            Articulation::Bow => "bow",
            Articulation::Bell => "bell",
            Articulation::Edge => "edge",
            Articulation::Choke => "choke",
        }
    }
}

impl fmt::Display for Articulation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Articulation {
    type Err = String;
    fn from_str(s: &str) -> Result<Articulation, String> {
        Articulation::ALL
            .iter()
            .copied()
            .find(|a| a.name() == s)
            .ok_or_else(|| {
                let valid: Vec<_> = Articulation::ALL.iter().map(|a| a.name()).collect();
                format!(
                    "unknown articulation {s:?}; valid articulations are: {}",
                    valid.join(", ")
                )
            })
    }
}

/// How loud a chart note is meant to be played.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Dynamic {
    /// A ghost note: clearly quieter than the player's normal stroke on that lane.
    Ghost,
    /// A normal stroke.
    #[default]
    Normal,
    /// An accent: clearly louder than the player's normal stroke on that lane.
    Accent,
}

impl Dynamic {
    /// The snake_case name used in every file format.
    pub fn name(self) -> &'static str {
        match self {
            Dynamic::Ghost => "ghost",
            Dynamic::Normal => "normal",
            Dynamic::Accent => "accent",
        }
    }
}

impl fmt::Display for Dynamic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_names_round_trip_and_match_serde() {
        for lane in Lane::ALL {
            assert_eq!(lane.name().parse::<Lane>(), Ok(lane));
            let json = serde_json::to_string(&lane).unwrap();
            assert_eq!(json, format!("\"{}\"", lane.name()));
            assert_eq!(Lane::ALL[lane.index()], lane);
        }
    }

    #[test]
    fn unknown_lane_lists_valid_ones() {
        let err = "cowbell".parse::<Lane>().unwrap_err().to_string();
        assert!(err.contains("\"cowbell\""), "{err}");
        assert!(err.contains("kick, snare, hihat"), "{err}");
    }

    #[test]
    fn articulation_names_round_trip() {
        for art in Articulation::ALL {
            assert_eq!(art.name().parse::<Articulation>(), Ok(art));
            assert_eq!(
                serde_json::to_string(&art).unwrap(),
                format!("\"{}\"", art.name())
            );
        }
        assert!(Lane::Hihat.allows(Articulation::Open));
        assert!(!Lane::Kick.allows(Articulation::Open));
        assert!(Lane::Ride.allows(Articulation::Bell));
        assert!(Lane::Crash.allows(Articulation::Choke));
    }
}
