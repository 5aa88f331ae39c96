//! What to score with: the options shared by all players, and each player's input.

use crate::kit::LaneMap;
use crate::lane::Lane;
use crate::matching::Offsets;
use crate::take::Take;
use crate::time::Span;

use super::timing::Timing;

/// How to score (shared by all players).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreOptions {
    /// Window and tiers.
    pub timing: Timing,
    /// Articulation mismatches become misses (the hit an extra of kind `wrong_articulation`).
    pub strict_articulation: bool,
    /// Accent threshold as a ratio to the player's median velocity on the lane.
    pub accent_ratio: f64,
    /// Ghost threshold as a ratio to the player's median velocity on the lane.
    pub ghost_ratio: f64,
    /// Lane mapping applied to chart notes and hits (merges), indexed by [`Lane::index`].
    pub lane_merge: [Lane; Lane::ALL.len()],
    /// Merges as written, for the report.
    pub lane_merge_text: Vec<String>,
    /// Include per-note detail.
    pub detail: bool,
    /// The span played: [`crate::session::score_session`] scores the chart's notes due in it
    /// against the hits played in it and records it in the report; [`super::score_player`]
    /// takes chart and take as given.
    pub span: Span,
}

impl Default for ScoreOptions {
    fn default() -> ScoreOptions {
        ScoreOptions {
            timing: Timing::default(),
            strict_articulation: false,
            accent_ratio: 1.2,
            ghost_ratio: 0.75,
            lane_merge: Lane::ALL,
            lane_merge_text: Vec::new(),
            detail: false,
            span: Span::WHOLE,
        }
    }
}

impl ScoreOptions {
    /// These options with the chart-side lane rules of `map`: its merges apply to the chart
    /// (and again, harmlessly, to the hits), its swaps only describe kits. Every rule is listed
    /// in the report's settings.
    pub fn with_lane_map(mut self, map: &LaneMap) -> ScoreOptions {
        self.lane_merge = Lane::ALL.map(|l| map.apply_chart(l));
        self.lane_merge_text = map.rules().iter().map(|r| r.to_string()).collect();
        self
    }
}

/// One player to score.
#[derive(Debug, Clone)]
pub struct PlayerInput<'a> {
    /// Name as given with `--player`.
    pub name: String,
    /// The take.
    pub take: &'a Take,
    /// Kit profile name (for the report).
    pub kit: String,
    /// Latency offsets.
    pub offsets: Offsets,
    /// Lane swaps applied to this player's hits only, indexed by [`Lane::index`].
    pub lane_swap: [Lane; Lane::ALL.len()],
    /// Estimate a global offset (within ±2 s) and apply it on top of `offsets`.
    pub auto_align: bool,
    /// The latency profile `offsets` came from, for the report.
    pub latency_profile: Option<String>,
    /// How the take's hits were time-stamped (live captures), for the report.
    pub capture: Option<crate::report::CaptureSettings>,
}

impl<'a> PlayerInput<'a> {
    /// A player with no offsets, swaps or auto-align.
    pub fn new(name: impl Into<String>, take: &'a Take) -> PlayerInput<'a> {
        PlayerInput {
            name: name.into(),
            take,
            kit: String::new(),
            offsets: Offsets::default(),
            lane_swap: Lane::ALL,
            auto_align: false,
            latency_profile: None,
            capture: None,
        }
    }
}
