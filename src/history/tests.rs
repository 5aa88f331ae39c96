//! The history as a whole: migrations from every earlier version, rows made from reports and
//! read back, writers in parallel, a damaged file, where the database lives, and progress.

use super::schema::{self, MIGRATIONS, SCHEMA_VERSION};
use super::*;
use crate::report::Report;
use std::path::{Path, PathBuf};

fn demo_report() -> Report {
    let demo = crate::demo::Demo::load().expect("the bundled demo");
    let mut report = demo.report(false);
    // As `pocket score` would record it, with a file hash.
    if let Some(c) = report.chart.as_mut() {
        c.file_sha256 = Some("ab".repeat(32));
    }
    report
}

fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sub").join("history.sqlite");
    (dir, path)
}

#[test]
fn a_new_database_is_at_the_latest_version_in_wal_mode() {
    let (_dir, path) = temp_db();
    let h = History::open(&path).expect("opens, making its folder");
    let conn = h.connection();
    assert_eq!(schema::version(conn).expect("version"), SCHEMA_VERSION);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    assert_eq!(SCHEMA_VERSION as usize, MIGRATIONS.len());
}

/// One row as a database of `version` holds it, written with that version's columns only.
fn insert_old_row(conn: &rusqlite::Connection, version: u32) {
    if version >= 1 {
        conn.execute(
            "INSERT INTO takes (played_at_unix_s, report, chart_title, chart_artist, chart_path, \
             chart_notes_sha256, chart_file_sha256, song, player, player_index, partner, kit, \
             notes, matched, misses, extras, extras_wrong_lane, extras_overhit, \
             extras_wrong_articulation, accuracy_pct, f_measure, offset_mean_ms, offset_sd_ms, \
             played_from_s, played_until_s, played_s, practice_section, practice_loops, \
             tempo_pct, chart_bpm) VALUES (86400, '/r/old.json', 'Old Song', 'A', 'old.mid', \
             'n1', NULL, 'notes:n1', 'Ana', 0, NULL, 'gm', 10, 8, 2, 1, 1, 0, 0, 80.0, 0.84, \
             -3.5, 9.0, NULL, NULL, 60.0, NULL, 1, 100.0, 120.0)",
            [],
        )
        .expect("a row as the old schema takes it");
    }
    if version >= 2 {
        conn.execute(
            "INSERT INTO take_lanes VALUES (last_insert_rowid(), 'snare', 10, 8, 1, 80.0, -3.5, 9.0)",
            [],
        )
        .expect("a lane row");
    }
}

#[test]
fn every_earlier_version_is_migrated_keeping_its_rows() {
    for old in 0..SCHEMA_VERSION {
        let (_dir, path) = temp_db();
        {
            let h = History::open_at_version(&path, old).expect("an old database");
            assert_eq!(schema::version(h.connection()).expect("version"), old);
            insert_old_row(h.connection(), old);
        }
        let h = History::open(&path).expect("migrates");
        assert_eq!(
            schema::version(h.connection()).expect("version"),
            SCHEMA_VERSION,
            "from version {old}"
        );
        let rows = h.takes(&Filter::default()).expect("reads");
        if old == 0 {
            assert!(rows.is_empty());
            continue;
        }
        assert_eq!(rows.len(), 1, "from version {old}: the row is kept");
        let r = &rows[0];
        assert_eq!(
            (r.player.as_str(), r.matched, r.accuracy_pct),
            ("Ana", 8, Some(80.0))
        );
        assert_eq!(r.played_at, "1970-01-02T00:00:00Z");
        // A version-1 row has no lanes (they came with version 2); later ones keep theirs.
        assert_eq!(r.lanes.len(), usize::from(old >= 2), "from version {old}");
        // The migrated database takes new rows too.
        let mut h = h;
        let report = demo_report();
        h.add_reports(&[(&report, Path::new("/r/new.json"), 172_800)])
            .expect("adds");
        assert_eq!(h.count().expect("count"), 3);
    }
}

#[test]
fn a_database_from_a_newer_pocket_is_refused_untouched() {
    let (_dir, path) = temp_db();
    {
        let h = History::open(&path).expect("opens");
        h.connection()
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("set");
    }
    let err = History::open(&path).expect_err("newer");
    let text = err.to_string();
    assert!(matches!(err, HistoryError::Newer { found, .. } if found == SCHEMA_VERSION + 1));
    assert!(
        text.contains("history.sqlite") && text.contains("update pocket"),
        "{text}"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_reported_as_corrupt() {
    let (dir, _) = temp_db();
    let path = dir.path().join("history.sqlite");
    std::fs::write(
        &path,
        "this is not SQLite, just text that happens to be here\n".repeat(100),
    )
    .expect("write");
    let err = History::open(&path).expect_err("not a database");
    assert!(err.is_corrupt(), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&path.display().to_string()) && text.contains("move it aside"),
        "{text}"
    );
}

#[test]
fn rows_hold_the_reports_figures() {
    let report = demo_report();
    let rows = rows_from_report(&report, Path::new("/x/report.json"), 1_796_303_554);
    assert_eq!(rows.len(), 2, "one row per player");
    let chart = report.chart.as_ref().expect("chart");
    let sync = report.sync.as_ref().expect("a pair");
    for (i, (row, p)) in rows.iter().zip(&report.players).enumerate() {
        assert_eq!(row.player, p.name);
        assert_eq!(row.player_index as usize, i);
        assert_eq!(
            row.partner.as_deref(),
            Some(report.players[1 - i].name.as_str())
        );
        assert_eq!(row.kit, report.settings.players[i].kit);
        assert_eq!(row.played_at, "2026-12-03T13:12:34Z");
        // Accuracy recomputed from the counts (an oracle independent of the scorer's field).
        let acc = 100.0 * p.matched as f64 / p.notes as f64;
        assert!((row.accuracy_pct.expect("accuracy") - acc).abs() < 1e-4);
        assert_eq!(row.matched as usize + row.misses as usize, p.notes);
        let e = row.extras_by_kind;
        assert_eq!(e.wrong_lane + e.overhit + e.wrong_articulation, p.extras);
        assert_eq!(row.offset_mean_ms, p.offset_ms.mean);
        assert_eq!(row.chart.notes_sha256, chart.notes_sha256);
        assert_eq!(
            row.chart.song,
            format!("notes:{}", chart.notes_sha256.clone().expect("hash"))
        );
        assert_eq!(row.practice.played_s, chart.duration_s);
        assert_eq!(row.practice.chart_bpm, Some(114.0));
        assert_eq!(row.sync.as_ref().and_then(|s| s.score), sync.score);
        let lanes: usize = row.lanes.values().map(|l| l.notes as usize).sum();
        assert_eq!(lanes, chart.notes, "every note on some lane");
    }
    // A chart-free report adds nothing.
    let mut free = report.clone();
    free.chart = None;
    assert!(rows_from_report(&free, Path::new("/x/free.json"), 0).is_empty());
}

#[test]
fn rows_read_back_as_written_and_a_report_added_again_replaces_its_rows() {
    let (_dir, path) = temp_db();
    let mut h = History::open(&path).expect("opens");
    let report = demo_report();
    let file = Path::new("/x/report.json");
    assert_eq!(
        h.add_reports(&[(&report, file, 1_000_000)]).expect("adds"),
        2
    );
    assert_eq!(
        h.add_reports(&[(&report, file, 1_000_000)]).expect("again"),
        2
    );
    assert_eq!(h.count().expect("count"), 2, "replaced, not doubled");
    let read = h.takes(&Filter::default()).expect("reads");
    let mut made = rows_from_report(&report, file, 1_000_000);
    // The day is the local one when read back; everything else is as made.
    for (m, r) in made.iter_mut().zip(&read) {
        m.day.clone_from(&r.day);
        m.played_at_local.clone_from(&r.played_at_local);
    }
    assert_eq!(read, made);
    let only_lee = Filter {
        player: Some("Lee".into()),
        ..Filter::default()
    };
    assert_eq!(h.takes(&only_lee).expect("reads").len(), 1);
    let other_song = Filter {
        chart: Some(ChartMatch {
            notes_sha256: "0".repeat(64),
            file_sha256: None,
        }),
        ..Filter::default()
    };
    assert!(h.takes(&other_song).expect("reads").is_empty());
}

#[test]
fn writers_in_parallel_lose_nothing() {
    let (_dir, path) = temp_db();
    History::open(&path).expect("creates");
    let report = demo_report();
    std::thread::scope(|s| {
        for t in 0..8 {
            let (path, report) = (&path, &report);
            s.spawn(move || {
                let mut h = History::open(path).expect("opens");
                for k in 0..10 {
                    let file = PathBuf::from(format!("/x/{t}/{k}.json"));
                    h.add_reports(&[(report, &file, k)])
                        .expect("adds while others write");
                }
            });
        }
    });
    assert_eq!(
        History::open(&path).expect("opens").count().expect("count"),
        8 * 10 * 2
    );
}

#[test]
fn the_database_lives_in_the_data_directory() {
    use std::ffi::OsString;
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| OsString::from(v))
        }
    };
    let at = |pairs: &'static [(&'static str, &'static str)], os: &str| {
        default_path_for(&env(pairs), os).map(|p| p.display().to_string())
    };
    assert_eq!(
        at(&[("HOME", "/home/a")], "linux").as_deref(),
        Some("/home/a/.local/share/pocket/history.sqlite")
    );
    assert_eq!(
        at(&[("HOME", "/home/a"), ("XDG_DATA_HOME", "/data")], "linux").as_deref(),
        Some("/data/pocket/history.sqlite")
    );
    // A relative XDG_DATA_HOME is ignored, as the XDG spec says.
    assert_eq!(
        at(&[("HOME", "/home/a"), ("XDG_DATA_HOME", "rel")], "linux").as_deref(),
        Some("/home/a/.local/share/pocket/history.sqlite")
    );
    assert_eq!(
        at(&[("HOME", "/Users/a")], "macos").as_deref(),
        Some("/Users/a/Library/Application Support/pocket/history.sqlite")
    );
    assert_eq!(
        at(
            &[("HOME", "/h"), ("POCKET_HISTORY", "/elsewhere/h.db")],
            "linux"
        )
        .as_deref(),
        Some("/elsewhere/h.db")
    );
    assert_eq!(at(&[], "linux"), None);
}

#[test]
fn progress_adds_minutes_per_day_and_follows_each_song() {
    let report = demo_report();
    let day = 86_400;
    let mut rows = Vec::new();
    for (k, at) in [0, day, day + 3600, 3 * day].into_iter().enumerate() {
        let file = PathBuf::from(format!("/x/{k}.json"));
        rows.extend(rows_from_report(&report, &file, 1_796_256_000 + at));
    }
    let p = Progress::from_rows(&rows);
    assert_eq!(p.songs.len(), 1);
    assert_eq!(p.songs[0].players.len(), 2);
    assert_eq!(p.songs[0].players[0].takes.len(), 4);
    assert_eq!(p.pairs.len(), 1);
    assert_eq!(
        p.pairs[0].scores.len(),
        4,
        "one sync point per take of the pair"
    );
    let lee = &p.practice[0];
    assert_eq!(lee.player, "Lee");
    let minutes = report.chart.as_ref().expect("chart").duration_s / 60.0;
    let days: Vec<(&str, f64)> = lee
        .minutes_per_day
        .iter()
        .map(|(d, m)| (d.as_str(), (m / minutes).round()))
        .collect();
    assert_eq!(
        days,
        [
            ("2026-12-03", 1.0),
            ("2026-12-04", 2.0),
            ("2026-12-06", 1.0)
        ],
        "takes added up per day"
    );
    assert_eq!(lee.longest_streak.days, 2);
    assert_eq!(lee.latest_streak.days, 1);
}
