//! The practice history: every take pocket scores, remembered in a SQLite database, and the
//! progress shown from it (docs/history.md).
//!
//! `pocket score` and `pocket live` add one row per take and player once the JSON report is
//! written, with figures taken from the report itself ([`rows_from_report`]), so that
//! `pocket history import DIR` rebuilds the same rows from a folder of reports: the reports
//! stay the source of truth. The database is SQLite (bundled, no system library) in WAL mode
//! with a busy timeout, so several pocket processes can write at once; its schema is versioned
//! (`PRAGMA user_version`) and migrated forward on open.
//!
//! | file | owns |
//! |---|---|
//! | `location` | where the database lives (`$POCKET_HISTORY`, the data directory) |
//! | `schema` | the migrations and the schema version |
//! | `store` | opening, adding reports in one transaction, reading rows |
//! | `row` | a row, made from a report |
//! | `import` | rows from a folder of reports |
//! | `progress` | trends, practice minutes, streaks, pair sync over time |
//! | `table`, `json` | the terminal table and the JSON contract |
//! | `calendar` | Unix times to days and back |
//! | `error` | [`HistoryError`] |

mod calendar;
mod error;
mod import;
mod json;
mod location;
mod progress;
mod row;
pub mod schema;
mod store;
mod table;
#[cfg(test)]
mod tests;

pub use calendar::{format_day, parse_day};
pub use error::{HistoryError, BUSY_TIMEOUT_MS};
pub use import::{import_folder, report_file_key, ImportOutcome};
pub use json::{HistoryJson, HISTORY_FORMAT};
pub use location::{default_path, default_path_for, named_by_env, HISTORY_ENV, HISTORY_FILE};
pub use progress::{
    PairProgress, PlayerPractice, PlayerSeries, Progress, SongProgress, Streak, TakePoint,
};
pub use row::{rows_from_report, ChartIdentity, LaneRow, PracticeRow, SyncRow, TakeRow};
pub use store::{ChartMatch, Filter, History};
pub use table::{table, RECENT_TAKES};
