//! `pocket history --json`: the rows as a documented wire format (docs/history.md,
//! docs/history.schema.json), like the report's.

use super::row::TakeRow;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Format name of `pocket history --json`. Its number is bumped on any incompatible change;
/// fields may be added within it.
pub const HISTORY_FORMAT: &str = "pocket-history/1";

/// The practice history as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryJson {
    /// Always [`HISTORY_FORMAT`].
    pub format: String,
    /// The database file read.
    pub database: String,
    /// The takes asked for, one per take and player, oldest first.
    pub takes: Vec<TakeRow>,
}

impl HistoryJson {
    /// The rows as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"history serialisation failed: {e}\"}}"));
        s.push('\n');
        s
    }

    /// The JSON Schema of the format (kept in docs/history.schema.json).
    pub fn json_schema() -> String {
        let schema = schemars::schema_for!(HistoryJson);
        let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
        s.push('\n');
        s
    }
}
