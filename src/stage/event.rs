//! The stage's event stream as a wire format: what `GET /events` sends, one JSON object per
//! Server-Sent Event (docs/stage.md is the contract, docs/stage.schema.json its schema).
//!
//! Times are on the chart's clock in milliseconds (0 = chart time zero, negative during the
//! count-in). Offsets are hit time minus note time after the player's latency offsets, in ms,
//! positive = late, as in the report.

use crate::lane::Lane;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version of the event format; bumped when a field changes meaning or goes away.
pub const STAGE_SCHEMA_VERSION: u32 = 1;

/// One event of the stream. `type` names the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The first event: the players and the chart the highways draw.
    Session(SessionEvent),
    /// A hit was judged (one per hit the final report counts).
    Hit(HitEvent),
    /// A chart note passed its window unplayed (provisional, as live hits are).
    Miss(MissEvent),
    /// The current section changed.
    Section(SectionEvent),
    /// Who is ahead over the last bars.
    Sync(SyncEvent),
    /// Stage events were lost because the stage fell behind the capture; the `end` event
    /// carries every counted hit's final judgement, so nothing is lost for good.
    Behind(BehindEvent),
    /// The session ended: the final judgements; `/report.json` and `/report.html` are ready.
    End(EndEvent),
    /// The chart time now (not stored: sent on connecting and as a keep-alive, without an id).
    Clock(ClockEvent),
}

/// The session: players and chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionEvent {
    /// Event format version ([`STAGE_SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Song title (empty without a chart).
    pub title: String,
    /// Player names; hit and miss events name a player by index into this list.
    pub players: Vec<String>,
    /// Replay speed (1 = real time): chart time advances this fast against the wall clock.
    pub speed: f64,
    /// Largest |offset| judged perfect, great and good, and the matching window, ms.
    pub tier_edges_ms: [f64; 4],
    /// The chart's notes, in chart order (empty without a chart).
    pub notes: Vec<ChartNote>,
    /// The chart's sections.
    pub sections: Vec<SectionMark>,
    /// Start times of the chart's bars, ms, from bar 1 to one bar past the last note.
    pub bars_ms: Vec<f64>,
}

/// One chart note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartNote {
    /// Note time, ms.
    pub t_ms: f64,
    /// Lane.
    pub lane: Lane,
}

/// Where a section starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionMark {
    /// The name as written in the chart.
    pub name: String,
    /// Start time, ms.
    pub t_ms: f64,
}

/// How a hit was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HitTier {
    /// Within the perfect edge.
    Perfect,
    /// Within the great edge.
    Great,
    /// Within the good edge.
    Good,
    /// Within the window.
    Poor,
    /// Matched no note.
    Extra,
}

/// One judged hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HitEvent {
    /// Index of the player in the session event's `players`.
    pub player: usize,
    /// The hit's id: 0, 1, 2, … per player, in the order sent; each id comes once.
    pub hit: usize,
    /// Lane played.
    pub lane: Lane,
    /// Hit time on the chart's clock after latency offsets, ms.
    pub t_ms: f64,
    /// Hit time minus note time, ms (`null` for an extra).
    pub offset_ms: Option<f64>,
    /// The tier (`extra`: matched no note).
    pub tier: HitTier,
    /// Index of the matched chart note (`null` for an extra).
    pub note: Option<usize>,
    /// `true` for a live judgement (the online judge's; the `end` event has the final one),
    /// `false` for a hit first sent with the final judgement.
    pub provisional: bool,
}

/// A chart note nobody played within its window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MissEvent {
    /// Index of the player.
    pub player: usize,
    /// Index of the chart note.
    pub note: usize,
    /// Lane of the note.
    pub lane: Lane,
    /// Note time, ms.
    pub t_ms: f64,
}

/// The section now playing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionEvent {
    /// Index into the session event's `sections`.
    pub index: usize,
    /// Its name.
    pub name: String,
    /// Start time, ms.
    pub t_ms: f64,
}

/// The two players' asynchrony over the last bars, on notes both played.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncEvent {
    /// Mean of (offset of player 0 − offset of player 1), ms: positive means player 1 is
    /// ahead (earlier).
    pub mean_ms: f64,
    /// Notes both played in the window.
    pub notes: usize,
    /// Index of the player ahead, `null` when |mean| < 1 ms.
    pub ahead: Option<usize>,
    /// The window: this many bars up to the last note both played.
    pub bars: u32,
}

/// Stage events lost on the way from the capture to the stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BehindEvent {
    /// Live judgements lost so far (in total).
    pub lost: u64,
}

/// The end of the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndEvent {
    /// Why the capture ended (the capture log's `end` reason: `chart_end`, `duration`,
    /// `stopped`, `replay_end`), or `failed`.
    pub reason: String,
    /// Whether `/report.json` and `/report.html` are served.
    pub report: bool,
    /// The final judgement per player (empty without a report).
    pub players: Vec<FinalPlayer>,
}

/// One player's final judgements, from the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FinalPlayer {
    /// Player name.
    pub name: String,
    /// Counted hits (the report's `players[].hits`).
    pub hits: usize,
    /// Notes matched.
    pub matched: usize,
    /// Notes missed.
    pub misses: usize,
    /// 100 × matched / notes (`null` without notes).
    pub accuracy_pct: Option<f64>,
    /// Every counted hit's final judgement, by hit id.
    pub judged: Vec<FinalHit>,
    /// Ids of hits sent live that the report does not count (the live kit filter, working
    /// as the hits arrive, let through what the filter over the whole take found to be
    /// crosstalk or a double trigger). Normally empty.
    pub retracted: Vec<usize>,
}

/// One counted hit's final judgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FinalHit {
    /// The hit id (as in hit events).
    pub hit: usize,
    /// Index of the hit in the player's take (the report's `detail.notes[].hit` and
    /// `detail.extras[].hit`).
    pub take_hit: usize,
    /// Final tier.
    pub tier: HitTier,
    /// Final offset, ms (`null` for an extra).
    pub offset_ms: Option<f64>,
    /// The chart note it matched (`null` for an extra).
    pub note: Option<usize>,
}

/// The chart time now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockEvent {
    /// Chart time now, ms (`null` before chart time zero is known).
    pub t_ms: Option<f64>,
    /// Replay speed.
    pub speed: f64,
}

impl Event {
    /// The event as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The JSON Schema of the event format (kept in docs/stage.schema.json).
    pub fn json_schema() -> String {
        let schema = schemars::schema_for!(Event);
        let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_is_one_json_object_tagged_hit() {
        let e = Event::Hit(HitEvent {
            player: 1,
            hit: 7,
            lane: Lane::Snare,
            t_ms: 1500.25,
            offset_ms: Some(-3.5),
            tier: HitTier::Great,
            note: Some(4),
            provisional: true,
        });
        let json = e.to_json();
        assert!(
            json.starts_with(r#"{"type":"hit","player":1,"hit":7,"lane":"snare""#),
            "{json}"
        );
        assert!(!json.contains('\n'), "one line: {json}");
        let back: Event = serde_json::from_str(&json).expect("decodes");
        assert_eq!(back, e);
    }
}
