//! Judgement: a player's take aligned to the chart, lane by lane, and every per-player metric.
//!
//! The rules (docs/scoring.md):
//! - Hit times are first corrected by the player's latency offset (hands or feet) and, with
//!   auto-align, by one estimated global offset.
//! - On each lane, [`crate::matching`] pairs hits with notes: the most matches possible, then the
//!   smallest total |offset|, ties to the earlier note.
//! - Matched notes get a tier; unmatched notes are misses; unmatched hits are extras, classified
//!   as `wrong_lane` (an unplayed note on another lane within the window) or `overhit`.
//!
//! One file per part: [`timing`](Timing) (window and tiers), the options and each player's
//! input, auto-align, the player's judgement, and the per-bar and per-section tables.

mod auto_align;
mod figures;
mod options;
mod player;
mod spans;
mod timing;

pub use auto_align::estimate_offset;
pub use figures::offset_stats;
pub use options::{PlayerInput, ScoreOptions};
pub use player::{score_player, score_player_report};
pub use timing::{Timing, TimingError, TimingPreset};
