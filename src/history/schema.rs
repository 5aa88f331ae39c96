//! The database schema and its migrations. The version is SQLite's `PRAGMA user_version`:
//! 0 for a new file, then the number of migrations applied. Each migration is one step from
//! the version before it; a database is brought up to [`SCHEMA_VERSION`] when opened, inside
//! one write transaction, so two processes opening a new file at once migrate it once.

use rusqlite::{Connection, TransactionBehavior};

/// Every migration, in order: `MIGRATIONS[i]` takes a database from version `i` to `i + 1`.
/// Never edit a migration once released; add one.
pub const MIGRATIONS: &[&str] = &[
    // 1: one row per take and player.
    "CREATE TABLE takes (
        id INTEGER PRIMARY KEY,
        played_at_unix_s INTEGER NOT NULL,
        report TEXT NOT NULL,
        chart_title TEXT NOT NULL,
        chart_artist TEXT NOT NULL,
        chart_path TEXT NOT NULL,
        chart_notes_sha256 TEXT,
        chart_file_sha256 TEXT,
        song TEXT NOT NULL,
        player TEXT NOT NULL,
        player_index INTEGER NOT NULL,
        partner TEXT,
        kit TEXT NOT NULL,
        notes INTEGER NOT NULL,
        matched INTEGER NOT NULL,
        misses INTEGER NOT NULL,
        extras INTEGER NOT NULL,
        extras_wrong_lane INTEGER NOT NULL,
        extras_overhit INTEGER NOT NULL,
        extras_wrong_articulation INTEGER NOT NULL,
        accuracy_pct REAL,
        f_measure REAL,
        offset_mean_ms REAL,
        offset_sd_ms REAL,
        played_from_s REAL,
        played_until_s REAL,
        played_s REAL NOT NULL,
        practice_section TEXT,
        practice_loops INTEGER NOT NULL,
        tempo_pct REAL NOT NULL,
        chart_bpm REAL,
        sync_score REAL,
        sync_mean_ms REAL,
        sync_sd_ms REAL,
        sync_within_20ms REAL,
        sync_leader TEXT,
        UNIQUE (report, player)
    );
    CREATE INDEX takes_by_time ON takes (played_at_unix_s);",
    // 2: per-lane figures of each row, and lookups by song and player.
    "CREATE TABLE take_lanes (
        take_id INTEGER NOT NULL REFERENCES takes (id) ON DELETE CASCADE,
        lane TEXT NOT NULL,
        notes INTEGER NOT NULL,
        matched INTEGER NOT NULL,
        extras INTEGER NOT NULL,
        accuracy_pct REAL,
        offset_mean_ms REAL,
        offset_sd_ms REAL,
        PRIMARY KEY (take_id, lane)
    );
    CREATE INDEX takes_by_song ON takes (song, player);",
];

/// The version this build writes: the number of migrations.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// What [`migrate_to`] found wrong.
#[derive(Debug)]
pub enum MigrateError {
    /// The database is newer than this build.
    Newer(u32),
    /// SQLite failed.
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> MigrateError {
        MigrateError::Sql(e)
    }
}

/// The database's schema version.
pub fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Brings the database up to `target` (at most [`SCHEMA_VERSION`]; tests stop earlier to make
/// old databases), applying the missing migrations in one write transaction. Returns the
/// version it found.
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<u32, MigrateError> {
    // A cheap read first: most opens find the database current and take no write lock.
    let found = version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(MigrateError::Newer(found));
    }
    if found >= target {
        return Ok(found);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Read again under the write lock: another process may have migrated meanwhile.
    let now = version(&tx)?;
    if now > SCHEMA_VERSION {
        return Err(MigrateError::Newer(now));
    }
    for (i, step) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(now as usize)
    {
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", i as u32 + 1)?;
    }
    tx.commit()?;
    Ok(found)
}
