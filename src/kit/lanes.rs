//! Lane equivalence: merging lanes a kit (or a player) does not tell apart, and swapping two
//! lanes whose pads sit where the chart expects the other.
//!
//! Two kinds of rule, written as short strings on the command line and in kit files:
//!
//! - `merge:crash,crash2,splash,china` makes every listed lane count as the first one. Merges are
//!   meant for both the chart and the take ([`LaneMap::apply_chart`] and [`LaneMap::apply`]).
//! - `swap:ride,crash` exchanges two lanes. Swaps describe the player's kit, so they apply to the
//!   take only ([`LaneMap::apply`]), before the merges.
//!
//! Several rules may be given at once, separated by `;` or white space. A lane may appear in at
//! most one merge and at most one swap, so the result never depends on the order of the rules.

use crate::lane::{Lane, UnknownLane};
use std::fmt;
use std::str::FromStr;

/// One lane rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LaneRule {
    /// Every lane of the list counts as the first one (at least two lanes).
    Merge(Vec<Lane>),
    /// The two lanes exchange places (take only).
    Swap(Lane, Lane),
}

impl fmt::Display for LaneRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LaneRule::Merge(lanes) => {
                let names: Vec<_> = lanes.iter().map(|l| l.name()).collect();
                write!(f, "merge:{}", names.join(","))
            }
            LaneRule::Swap(a, b) => write!(f, "swap:{a},{b}"),
        }
    }
}

/// A lane rule that cannot be used; the message says how to write it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaneMapError {
    /// The text is neither `merge:` nor `swap:`.
    #[error("{0:?} is not a lane rule; write merge:LANE,LANE[,LANE...] or swap:LANE,LANE")]
    UnknownRule(String),
    /// A lane name that does not exist.
    #[error(transparent)]
    UnknownLane(#[from] UnknownLane),
    /// A merge with fewer than two lanes.
    #[error("{0:?} merges fewer than two lanes; list at least two, e.g. merge:tom3,tom4")]
    MergeTooShort(String),
    /// A swap that does not name exactly two different lanes.
    #[error("{0:?} must name exactly two different lanes, e.g. swap:ride,crash")]
    BadSwap(String),
    /// The `any` lane cannot take part in a rule.
    #[error("{0:?} uses the lane `any`, which cannot be merged or swapped")]
    AnyLane(String),
    /// A lane named by two rules of the same kind.
    #[error("lane {lane} is in both {first} and {second}; a lane may be in one merge and one swap at most")]
    Conflict {
        /// The lane.
        lane: Lane,
        /// The rule that named it first.
        first: String,
        /// The rule that named it again.
        second: String,
    },
}

/// A set of lane rules, resolved into lookup tables.
///
/// The default map changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneMap {
    rules: Vec<LaneRule>,
    /// Swap table, indexed by [`Lane::index`].
    swapped: [Lane; Lane::ALL.len()],
    /// Merge table, indexed by [`Lane::index`].
    merged: [Lane; Lane::ALL.len()],
}

impl Default for LaneMap {
    fn default() -> LaneMap {
        LaneMap {
            rules: Vec::new(),
            swapped: Lane::ALL,
            merged: Lane::ALL,
        }
    }
}

impl LaneMap {
    /// The map that changes nothing.
    pub fn new() -> LaneMap {
        LaneMap::default()
    }

    /// Parses rules separated by `;` or white space (`"merge:tom3,tom4 swap:ride,crash"`).
    /// An empty text is the identity map.
    pub fn parse(text: &str) -> Result<LaneMap, LaneMapError> {
        let mut map = LaneMap::new();
        for part in text.split(|c: char| c == ';' || c.is_whitespace()) {
            if !part.is_empty() {
                map.add_str(part)?;
            }
        }
        Ok(map)
    }

    /// Adds one rule written as text (`merge:a,b,...` or `swap:a,b`).
    pub fn add_str(&mut self, text: &str) -> Result<(), LaneMapError> {
        let rule = parse_rule(text)?;
        self.add(rule)
    }

    /// Adds one rule; fails when it names a lane that another rule of the same kind already names.
    pub fn add(&mut self, rule: LaneRule) -> Result<(), LaneMapError> {
        let text = rule.to_string();
        match &rule {
            LaneRule::Merge(lanes) => {
                if lanes.len() < 2 {
                    return Err(LaneMapError::MergeTooShort(text));
                }
                if lanes.contains(&Lane::Any) {
                    return Err(LaneMapError::AnyLane(text));
                }
                for (i, lane) in lanes.iter().enumerate() {
                    if lanes[..i].contains(lane) {
                        return Err(LaneMapError::Conflict {
                            lane: *lane,
                            first: text.clone(),
                            second: text,
                        });
                    }
                    if let Some(first) = self.merge_naming(*lane) {
                        return Err(LaneMapError::Conflict {
                            lane: *lane,
                            first: first.to_string(),
                            second: text,
                        });
                    }
                }
                let target = lanes[0];
                for lane in lanes {
                    self.merged[lane.index()] = target;
                }
            }
            LaneRule::Swap(a, b) => {
                if a == b {
                    return Err(LaneMapError::BadSwap(text));
                }
                if *a == Lane::Any || *b == Lane::Any {
                    return Err(LaneMapError::AnyLane(text));
                }
                for lane in [a, b] {
                    if let Some(first) = self.swap_naming(*lane) {
                        return Err(LaneMapError::Conflict {
                            lane: *lane,
                            first: first.to_string(),
                            second: text,
                        });
                    }
                }
                self.swapped[a.index()] = *b;
                self.swapped[b.index()] = *a;
            }
        }
        self.rules.push(rule);
        Ok(())
    }

    /// Adds every rule of `other` (for a profile's rules plus the command line's).
    pub fn extend(&mut self, other: &LaneMap) -> Result<(), LaneMapError> {
        for rule in &other.rules {
            self.add(rule.clone())?;
        }
        Ok(())
    }

    fn merge_naming(&self, lane: Lane) -> Option<&LaneRule> {
        self.rules
            .iter()
            .find(|r| matches!(r, LaneRule::Merge(ls) if ls.contains(&lane)))
    }

    fn swap_naming(&self, lane: Lane) -> Option<&LaneRule> {
        self.rules
            .iter()
            .find(|r| matches!(r, LaneRule::Swap(a, b) if *a == lane || *b == lane))
    }

    /// The rules, in the order they were added.
    pub fn rules(&self) -> &[LaneRule] {
        &self.rules
    }

    /// The merge rules of this map alone (swaps describe one kit, merges a lane equivalence).
    pub fn merges_only(&self) -> LaneMap {
        let mut map = LaneMap::new();
        for rule in &self.rules {
            if matches!(rule, LaneRule::Merge(_)) {
                // Rules of one valid map never conflict with each other.
                let _ = map.add(rule.clone());
            }
        }
        map
    }

    /// This map plus the merge rules of `other` that it does not have yet: the merges a chart
    /// needs so that hits merged by a kit's own rules find their notes.
    pub fn with_merges_of(&self, other: &LaneMap) -> Result<LaneMap, LaneMapError> {
        let mut map = self.clone();
        for rule in &other.rules {
            if matches!(rule, LaneRule::Merge(_)) && !map.rules.contains(rule) {
                map.add(rule.clone())?;
            }
        }
        Ok(map)
    }

    /// Whether the map changes no lane.
    pub fn is_identity(&self) -> bool {
        self.rules.is_empty()
    }

    /// The lane a hit of the take counts as: swaps first, then merges.
    pub fn apply(&self, lane: Lane) -> Lane {
        self.merged[self.swapped[lane.index()].index()]
    }

    /// The lane a chart note counts as: merges only (swaps describe the player's kit).
    pub fn apply_chart(&self, lane: Lane) -> Lane {
        self.merged[lane.index()]
    }
}

impl FromStr for LaneMap {
    type Err = LaneMapError;
    fn from_str(s: &str) -> Result<LaneMap, LaneMapError> {
        LaneMap::parse(s)
    }
}

impl fmt::Display for LaneMap {
    /// The rules in the syntax [`LaneMap::parse`] reads, separated by spaces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, rule) in self.rules.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{rule}")?;
        }
        Ok(())
    }
}

/// Parses one rule: `merge:a,b[,c...]` or `swap:a,b`.
pub fn parse_rule(text: &str) -> Result<LaneRule, LaneMapError> {
    let text = text.trim();
    let (kind, list) = text
        .split_once(':')
        .ok_or_else(|| LaneMapError::UnknownRule(text.to_string()))?;
    let lanes = list
        .split(',')
        .map(|s| s.trim().parse::<Lane>())
        .collect::<Result<Vec<Lane>, UnknownLane>>()?;
    let rule = match kind.trim() {
        "merge" => LaneRule::Merge(lanes),
        "swap" => match lanes[..] {
            [a, b] => LaneRule::Swap(a, b),
            _ => return Err(LaneMapError::BadSwap(text.to_string())),
        },
        _ => return Err(LaneMapError::UnknownRule(text.to_string())),
    };
    // A rule that is wrong on its own (too short, `any`, a lane twice) is refused here already.
    LaneMap::new().add(rule.clone())?;
    Ok(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_maps_every_listed_lane_to_the_first_on_both_sides() {
        let map = LaneMap::parse("merge:crash,crash2,splash,china").unwrap();
        for lane in [Lane::Crash, Lane::Crash2, Lane::Splash, Lane::China] {
            assert_eq!(map.apply(lane), Lane::Crash, "take side of {lane}");
            assert_eq!(map.apply_chart(lane), Lane::Crash, "chart side of {lane}");
        }
        assert_eq!(map.apply(Lane::Ride), Lane::Ride);
        assert_eq!(map.apply(Lane::Snare), Lane::Snare);
    }

    #[test]
    fn swap_applies_to_the_take_only() {
        let map = LaneMap::parse("swap:ride,crash").unwrap();
        assert_eq!(map.apply(Lane::Ride), Lane::Crash);
        assert_eq!(map.apply(Lane::Crash), Lane::Ride);
        assert_eq!(map.apply_chart(Lane::Ride), Lane::Ride);
        assert_eq!(map.apply_chart(Lane::Crash), Lane::Crash);
    }

    #[test]
    fn swaps_happen_before_merges() {
        // The ride pad plays the chart's crash part, and all crashes count as one.
        let map = LaneMap::parse("swap:ride,crash; merge:crash,crash2  merge:tom3,tom4").unwrap();
        assert_eq!(map.apply(Lane::Ride), Lane::Crash);
        assert_eq!(map.apply(Lane::Crash2), Lane::Crash);
        assert_eq!(map.apply(Lane::Crash), Lane::Ride);
        assert_eq!(map.apply(Lane::Tom4), Lane::Tom3);
        assert_eq!(map.rules().len(), 3);
        assert_eq!(
            map.to_string(),
            "swap:ride,crash merge:crash,crash2 merge:tom3,tom4"
        );
        assert_eq!(map.to_string().parse::<LaneMap>().unwrap(), map);
    }

    #[test]
    fn empty_text_is_identity() {
        let map = LaneMap::parse("  ").unwrap();
        assert!(map.is_identity());
        for lane in Lane::ALL {
            assert_eq!(map.apply(lane), lane);
        }
    }

    #[test]
    fn bad_rules_say_how_to_write_them() {
        let err = LaneMap::parse("join:crash,ride").unwrap_err().to_string();
        assert!(err.contains("merge:LANE,LANE"), "{err}");
        let err = LaneMap::parse("merge:crash,cowbell")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cowbell") && err.contains("valid lanes"),
            "{err}"
        );
        assert!(matches!(
            LaneMap::parse("merge:crash"),
            Err(LaneMapError::MergeTooShort(_))
        ));
        assert!(matches!(
            LaneMap::parse("swap:ride,crash,china"),
            Err(LaneMapError::BadSwap(_))
        ));
        assert!(matches!(
            LaneMap::parse("swap:ride,ride"),
            Err(LaneMapError::BadSwap(_))
        ));
        assert!(matches!(
            LaneMap::parse("merge:any,kick"),
            Err(LaneMapError::AnyLane(_))
        ));
    }

    #[test]
    fn a_lane_in_two_merges_is_refused() {
        let err = LaneMap::parse("merge:tom2,tom3 merge:tom3,tom4").unwrap_err();
        assert_eq!(
            err,
            LaneMapError::Conflict {
                lane: Lane::Tom3,
                first: "merge:tom2,tom3".into(),
                second: "merge:tom3,tom4".into()
            }
        );
        assert!(LaneMap::parse("swap:ride,crash swap:crash,china").is_err());
        // One merge and one swap on the same lane is fine.
        assert!(LaneMap::parse("swap:ride,crash merge:crash,china").is_ok());
    }

    #[test]
    fn extend_combines_profile_and_command_line_rules() {
        let mut map = LaneMap::parse("merge:tom3,tom4").unwrap();
        map.extend(&LaneMap::parse("swap:ride,crash").unwrap())
            .unwrap();
        assert_eq!(map.apply(Lane::Tom4), Lane::Tom3);
        assert_eq!(map.apply(Lane::Ride), Lane::Crash);
        assert!(map
            .extend(&LaneMap::parse("merge:tom4,tom1").unwrap())
            .is_err());
    }
}
