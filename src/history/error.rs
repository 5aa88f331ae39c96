//! Why the practice history could not be opened, read or written. Every message names the
//! database file and says what to do; none names a command-line flag.

use std::path::PathBuf;

/// How long a writer waits for another pocket process to finish its write, ms.
pub const BUSY_TIMEOUT_MS: u64 = 10_000;

/// Why the practice history could not be used.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// No data directory to keep the database in.
    #[error(
        "cannot find your data directory for the practice history: set POCKET_HISTORY to a \
         database file (or set HOME)"
    )]
    NoDataDir,
    /// The folder for the database cannot be made.
    #[error("cannot create the folder {} for the practice history", path.display())]
    CreateFolder {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a SQLite database, or a damaged one.
    #[error(
        "the practice history {} is not a usable database ({sqlite}): move it aside and \
         pocket starts a new one, which can be rebuilt from the JSON reports",
        path.display()
    )]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What SQLite said (in the message, not as a cause: SQLite's error repeats itself).
        sqlite: rusqlite::Error,
    },
    /// Another program held the database locked for longer than [`BUSY_TIMEOUT_MS`].
    #[error(
        "the practice history {} stayed locked by another program for {} s: close that \
         program and try again",
        path.display(),
        BUSY_TIMEOUT_MS / 1000
    )]
    Locked {
        /// The database file.
        path: PathBuf,
    },
    /// The database was made by a newer pocket, whose schema this one does not know.
    #[error(
        "the practice history {} has schema version {found}, newer than this pocket knows \
         ({known}): update pocket, or use another database file",
        path.display()
    )]
    Newer {
        /// The database file.
        path: PathBuf,
        /// Its version (`PRAGMA user_version`).
        found: u32,
        /// The newest version this build knows.
        known: u32,
    },
    /// Any other SQLite failure (a full disk, a read-only file, ...).
    #[error("the practice history {}: {sqlite}", path.display())]
    Sql {
        /// The database file.
        path: PathBuf,
        /// What SQLite said (in the message, not as a cause: SQLite's error repeats itself).
        sqlite: rusqlite::Error,
    },
    /// A folder of reports to import cannot be listed.
    #[error("cannot read the folder {}", path.display())]
    ReadFolder {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl HistoryError {
    /// Classifies a SQLite error on the database at `path`.
    pub fn sql(path: &std::path::Path, sqlite: rusqlite::Error) -> HistoryError {
        use rusqlite::ErrorCode;
        let path = path.to_path_buf();
        match sqlite.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                HistoryError::Locked { path }
            }
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                HistoryError::Corrupt { path, sqlite }
            }
            _ => HistoryError::Sql { path, sqlite },
        }
    }

    /// Whether starting a new database (and importing the reports again) is the remedy.
    pub fn is_corrupt(&self) -> bool {
        matches!(self, HistoryError::Corrupt { .. })
    }
}
