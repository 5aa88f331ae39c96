//! Where the practice history lives: `$POCKET_HISTORY` when set, else `history.sqlite` in the
//! user's data directory.

use std::ffi::OsString;
use std::path::PathBuf;

/// Environment variable naming the database file, overriding the data directory's.
pub const HISTORY_ENV: &str = "POCKET_HISTORY";
/// File name of the database in the data directory.
pub const HISTORY_FILE: &str = "history.sqlite";

/// The database file: `$POCKET_HISTORY` when set and not empty; else `history.sqlite` in
/// pocket's data directory: on Linux and other Unix systems `$XDG_DATA_HOME/pocket` (when
/// absolute) or `~/.local/share/pocket`, on macOS `~/Library/Application Support/pocket`, on
/// Windows `%APPDATA%\pocket`. `None` when the environment names no home.
pub fn default_path() -> Option<PathBuf> {
    default_path_for(&|k| std::env::var_os(k), std::env::consts::OS)
}

/// Whether `$POCKET_HISTORY` names a database file.
pub fn named_by_env() -> bool {
    std::env::var_os(HISTORY_ENV).is_some_and(|v| !v.is_empty())
}

/// [`default_path`] for an environment lookup and an OS name (as `std::env::consts::OS`).
pub fn default_path_for(env: &dyn Fn(&str) -> Option<OsString>, os: &str) -> Option<PathBuf> {
    let get = |k: &str| env(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(file) = get(HISTORY_ENV) {
        return Some(file);
    }
    let dir = match os {
        "windows" => get("APPDATA").map(|d| d.join("pocket")),
        "macos" => get("HOME").map(|h| h.join("Library/Application Support/pocket")),
        _ => get("XDG_DATA_HOME")
            .filter(|d| d.is_absolute())
            .map(|d| d.join("pocket"))
            .or_else(|| get("HOME").map(|h| h.join(".local/share/pocket"))),
    };
    dir.map(|d| d.join(HISTORY_FILE))
}
