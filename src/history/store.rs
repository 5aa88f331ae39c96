//! The database: opening (WAL mode, a busy timeout, migrations), adding the rows of reports in
//! one transaction, and reading rows back.

use super::calendar::rfc3339_utc;
use super::error::{HistoryError, BUSY_TIMEOUT_MS};
use super::row::{ChartIdentity, LaneRow, PracticeRow, SyncRow, TakeRow};
use super::schema::{self, MigrateError, SCHEMA_VERSION};
use crate::lane::Lane;
use crate::report::{ExtrasByKind, Report};
use rusqlite::{params, Connection, Row, TransactionBehavior};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The practice history database, open.
#[derive(Debug)]
pub struct History {
    conn: Connection,
    path: PathBuf,
}

/// Which rows to read.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this player's rows.
    pub player: Option<String>,
    /// Only rows of a song with one of these `song` keys (see [`ChartIdentity::song`]), or of a
    /// chart file with this hash.
    pub chart: Option<ChartMatch>,
    /// At most this many rows, the most recent (`None`: all).
    pub limit: Option<usize>,
}

/// A chart to match rows against: the same notes, or the same file.
#[derive(Debug, Clone)]
pub struct ChartMatch {
    /// SHA-256 of the chart's normalised notes.
    pub notes_sha256: String,
    /// SHA-256 of the chart file.
    pub file_sha256: Option<String>,
}

impl History {
    /// Opens the database at `path`, creating it (and its folder) when missing, in WAL mode
    /// with a busy timeout of [`BUSY_TIMEOUT_MS`] so that several pocket processes can write
    /// at once, and migrates it to [`SCHEMA_VERSION`].
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        History::open_at_version(path, SCHEMA_VERSION)
    }

    /// [`History::open`], migrating only up to `version` (for tests that make databases as
    /// older pockets left them).
    #[doc(hidden)]
    pub fn open_at_version(path: &Path, version: u32) -> Result<History, HistoryError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| HistoryError::CreateFolder {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let err = |e| HistoryError::sql(path, e);
        let mut conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(Duration::from_millis(BUSY_TIMEOUT_MS))
            .map_err(err)?;
        // WAL lets readers go on while one process writes; the mode is kept in the file.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            log_mode(path, &mode);
        }
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(err)?;
        match schema::migrate_to(&mut conn, version) {
            Ok(_) => {}
            Err(MigrateError::Newer(found)) => {
                return Err(HistoryError::Newer {
                    path: path.to_path_buf(),
                    found,
                    known: SCHEMA_VERSION,
                })
            }
            Err(MigrateError::Sql(e)) => return Err(err(e)),
        }
        Ok(History {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The SQLite connection, for tests and tools that query it directly.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Adds the rows of these reports (each with the absolute path of its JSON file and the
    /// file's modification time, Unix seconds) in one transaction. A report already in the
    /// history (the same file and player) has its rows replaced. Returns the rows added.
    pub fn add_reports(
        &mut self,
        reports: &[(&Report, &Path, i64)],
    ) -> Result<usize, HistoryError> {
        let path = self.path.clone();
        let err = |e| HistoryError::sql(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut added = 0;
        for (report, file, at) in reports {
            for row in super::row::rows_from_report(report, file, *at) {
                insert(&tx, &row).map_err(err)?;
                added += 1;
            }
        }
        tx.commit().map_err(err)?;
        Ok(added)
    }

    /// The rows matching `filter`, oldest first (with a limit: the most recent ones).
    pub fn takes(&self, filter: &Filter) -> Result<Vec<TakeRow>, HistoryError> {
        let err = |e| HistoryError::sql(&self.path, e);
        let mut sql = format!("SELECT {COLUMNS} FROM takes WHERE 1 = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(p) = &filter.player {
            sql.push_str(" AND player = ?");
            args.push(p.clone().into());
        }
        if let Some(c) = &filter.chart {
            sql.push_str(" AND (chart_notes_sha256 = ? OR chart_file_sha256 = ?)");
            args.push(c.notes_sha256.clone().into());
            args.push(c.file_sha256.clone().unwrap_or_default().into());
        }
        sql.push_str(" ORDER BY played_at_unix_s DESC, report DESC, player_index DESC");
        if let Some(n) = filter.limit {
            sql.push_str(&format!(" LIMIT {n}"));
        }
        let mut stmt = self.conn.prepare(&sql).map_err(err)?;
        let mut rows: Vec<(i64, TakeRow)> = stmt
            .query_map(rusqlite::params_from_iter(args), read_row)
            .map_err(err)?
            .collect::<Result<_, _>>()
            .map_err(err)?;
        rows.reverse();
        let mut lanes = self
            .conn
            .prepare(
                "SELECT lane, notes, matched, extras, accuracy_pct, offset_mean_ms, offset_sd_ms \
                 FROM take_lanes WHERE take_id = ?",
            )
            .map_err(err)?;
        for (id, row) in &mut rows {
            let found: Vec<(String, LaneRow)> = lanes
                .query_map([*id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        LaneRow {
                            notes: r.get(1)?,
                            matched: r.get(2)?,
                            extras: r.get(3)?,
                            accuracy_pct: r.get(4)?,
                            offset_mean_ms: r.get(5)?,
                            offset_sd_ms: r.get(6)?,
                        },
                    ))
                })
                .map_err(err)?
                .collect::<Result<_, _>>()
                .map_err(err)?;
            row.lanes = found
                .into_iter()
                .filter_map(|(name, l)| Some((name.parse::<Lane>().ok()?, l)))
                .collect::<BTreeMap<_, _>>();
        }
        Ok(rows.into_iter().map(|(_, r)| r).collect())
    }

    /// How many rows the history holds.
    pub fn count(&self) -> Result<usize, HistoryError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM takes", [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(|e| HistoryError::sql(&self.path, e))
    }
}

/// A journal mode other than WAL (a file system without shared memory): writes still work,
/// one at a time.
fn log_mode(path: &Path, mode: &str) {
    eprintln!(
        "warning: the practice history {} runs in {mode} journal mode, not WAL: its file \
         system may not support shared memory; writes wait for each other",
        path.display()
    );
}

const COLUMNS: &str = "id, played_at_unix_s, strftime('%Y-%m-%d %H:%M', played_at_unix_s, 'unixepoch', 'localtime'), \
     report, chart_title, chart_artist, chart_path, chart_notes_sha256, chart_file_sha256, song, \
     player, player_index, partner, kit, notes, matched, misses, extras, extras_wrong_lane, \
     extras_overhit, extras_wrong_articulation, accuracy_pct, f_measure, offset_mean_ms, \
     offset_sd_ms, played_from_s, played_until_s, played_s, practice_section, practice_loops, \
     tempo_pct, chart_bpm, sync_score, sync_mean_ms, sync_sd_ms, sync_within_20ms, sync_leader";

fn read_row(r: &Row<'_>) -> rusqlite::Result<(i64, TakeRow)> {
    let at: i64 = r.get(1)?;
    let local: String = r.get(2)?;
    let sync_score: Option<f64> = r.get(32)?;
    let partner: Option<String> = r.get(12)?;
    let row = TakeRow {
        played_at: rfc3339_utc(at),
        played_at_unix_s: at,
        played_at_local: local.clone(),
        day: local.get(..10).unwrap_or_default().to_string(),
        report: r.get(3)?,
        chart: ChartIdentity {
            title: r.get(4)?,
            artist: r.get(5)?,
            path: r.get(6)?,
            notes_sha256: r.get(7)?,
            file_sha256: r.get(8)?,
            song: r.get(9)?,
        },
        player: r.get(10)?,
        player_index: r.get(11)?,
        kit: r.get(13)?,
        notes: r.get(14)?,
        matched: r.get(15)?,
        misses: r.get(16)?,
        extras: r.get(17)?,
        extras_by_kind: ExtrasByKind {
            wrong_lane: r.get::<_, i64>(18)? as usize,
            overhit: r.get::<_, i64>(19)? as usize,
            wrong_articulation: r.get::<_, i64>(20)? as usize,
        },
        accuracy_pct: r.get(21)?,
        f_measure: r.get(22)?,
        offset_mean_ms: r.get(23)?,
        offset_sd_ms: r.get(24)?,
        practice: PracticeRow {
            from_s: r.get(25)?,
            until_s: r.get(26)?,
            played_s: r.get(27)?,
            section: r.get(28)?,
            loops: r.get(29)?,
            tempo_pct: r.get(30)?,
            chart_bpm: r.get(31)?,
        },
        sync: match partner.is_some() {
            true => Some(SyncRow {
                score: sync_score,
                asynchrony_mean_ms: r.get(33)?,
                asynchrony_sd_ms: r.get(34)?,
                within_20ms: r.get(35)?,
                leader: r.get(36)?,
            }),
            false => None,
        },
        partner,
        lanes: BTreeMap::new(),
    };
    Ok((r.get(0)?, row))
}

fn insert(conn: &Connection, row: &TakeRow) -> rusqlite::Result<()> {
    // A report scored again replaces its rows (the lanes go with them: ON DELETE CASCADE).
    conn.execute(
        "DELETE FROM takes WHERE report = ?1 AND player = ?2",
        params![row.report, row.player],
    )?;
    let sync = row.sync.as_ref();
    let p = &row.practice;
    let e = &row.extras_by_kind;
    conn.execute(
        "INSERT INTO takes (played_at_unix_s, report, chart_title, chart_artist, chart_path, \
         chart_notes_sha256, chart_file_sha256, song, player, player_index, partner, kit, notes, \
         matched, misses, extras, extras_wrong_lane, extras_overhit, extras_wrong_articulation, \
         accuracy_pct, f_measure, offset_mean_ms, offset_sd_ms, played_from_s, played_until_s, \
         played_s, practice_section, practice_loops, tempo_pct, chart_bpm, sync_score, \
         sync_mean_ms, sync_sd_ms, sync_within_20ms, sync_leader) VALUES (?1, ?2, ?3, ?4, ?5, \
         ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, \
         ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35)",
        params![
            row.played_at_unix_s,
            row.report,
            row.chart.title,
            row.chart.artist,
            row.chart.path,
            row.chart.notes_sha256,
            row.chart.file_sha256,
            row.chart.song,
            row.player,
            row.player_index,
            row.partner,
            row.kit,
            row.notes,
            row.matched,
            row.misses,
            row.extras,
            e.wrong_lane as i64,
            e.overhit as i64,
            e.wrong_articulation as i64,
            row.accuracy_pct,
            row.f_measure,
            row.offset_mean_ms,
            row.offset_sd_ms,
            p.from_s,
            p.until_s,
            p.played_s,
            p.section,
            p.loops,
            p.tempo_pct,
            p.chart_bpm,
            sync.and_then(|s| s.score),
            sync.and_then(|s| s.asynchrony_mean_ms),
            sync.and_then(|s| s.asynchrony_sd_ms),
            sync.and_then(|s| s.within_20ms),
            sync.and_then(|s| s.leader.clone()),
        ],
    )?;
    let id = conn.last_insert_rowid();
    let mut stmt = conn.prepare_cached(
        "INSERT INTO take_lanes (take_id, lane, notes, matched, extras, accuracy_pct, \
         offset_mean_ms, offset_sd_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (lane, l) in &row.lanes {
        stmt.execute(params![
            id,
            lane.name(),
            l.notes,
            l.matched,
            l.extras,
            l.accuracy_pct,
            l.offset_mean_ms,
            l.offset_sd_ms
        ])?;
    }
    Ok(())
}
