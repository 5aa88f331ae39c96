//! The practice history through the `pocket` binary: rows added by `score` (one player, a
//! pair, a `--takes` batch) once the report is written, none by `demo` or `--no-history`,
//! eight processes writing at once, a damaged or locked database that costs no report, a
//! history rebuilt from a folder of reports, the `--json` contract and its schema, and the
//! test build's refusal to run without a private database.
//!
//! The JSON is decoded into structs written here by hand from docs/history.md (not taken from
//! `pocket::history`), denying unknown fields, so a rename in the library breaks this test.

use pocket::history::HistoryJson;
use pocket::testdata::{check_golden, HISTORY_VAR};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

const CHART: &str = "charts/disco-pop-114.json";
const LEE: &str = "Lee=fixtures/demo/lee-roland-td.jsonl";
const SANAE: &str = "Sanae=fixtures/demo/sanae-alesis-nitro.jsonl";

/// `pocket` in the crate directory with its practice history at `db` (`None`: no
/// `POCKET_HISTORY` at all, to see the test build refuse).
fn pocket(args: &[&str], db: Option<&Path>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pocket"));
    c.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env_remove(HISTORY_VAR);
    if let Some(db) = db {
        c.env(HISTORY_VAR, db);
    }
    let out = c.output().expect("the pocket binary runs");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "pocket {} panicked: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn ok(args: &[&str], db: Option<&Path>) -> String {
    let out = pocket(args, db);
    assert!(
        out.status.success(),
        "pocket {} failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

// ---------------------------------------------------------------------------------------------
// The contract, as docs/history.md writes it

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct ContractHistory {
    format: String,
    database: String,
    takes: Vec<ContractTake>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct ContractTake {
    played_at: String,
    played_at_unix_s: i64,
    played_at_local: String,
    day: String,
    report: String,
    chart: ContractChart,
    player: String,
    player_index: u32,
    partner: Option<String>,
    kit: String,
    notes: u64,
    matched: u64,
    misses: u64,
    extras: u64,
    extras_by_kind: BTreeMap<String, u64>,
    accuracy_pct: Option<f64>,
    f_measure: Option<f64>,
    offset_mean_ms: Option<f64>,
    offset_sd_ms: Option<f64>,
    practice: ContractPractice,
    sync: Option<ContractSync>,
    lanes: BTreeMap<String, ContractLane>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct ContractChart {
    song: String,
    title: String,
    artist: String,
    path: String,
    notes_sha256: Option<String>,
    file_sha256: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct ContractPractice {
    from_s: Option<f64>,
    until_s: Option<f64>,
    played_s: f64,
    section: Option<String>,
    loops: u32,
    tempo_pct: f64,
    chart_bpm: Option<f64>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct ContractSync {
    score: Option<f64>,
    asynchrony_mean_ms: Option<f64>,
    asynchrony_sd_ms: Option<f64>,
    within_20ms: Option<f64>,
    leader: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct ContractLane {
    notes: u64,
    matched: u64,
    extras: u64,
    accuracy_pct: Option<f64>,
    offset_mean_ms: Option<f64>,
    offset_sd_ms: Option<f64>,
}

/// `pocket history --json` of `db`, with extra flags, decoded by the contract.
fn history_json(db: &Path, extra: &[&str]) -> ContractHistory {
    let mut args = vec!["history", "--json"];
    args.extend_from_slice(extra);
    let text = ok(&args, Some(db));
    // The library's own model reads it too, and denies unknown fields.
    serde_json::from_str::<HistoryJson>(&text).expect("the library model reads it");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not the documented JSON: {e}\n{text}"))
}

fn score_to(report: &Path, players: &[&str], extra: &[&str], db: &Path) -> String {
    let mut args = vec!["score", "--chart", CHART];
    for p in players {
        args.extend_from_slice(&["--player", p]);
    }
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-o", s(report)]);
    let out = pocket(&args, Some(db));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn a_test_build_refuses_to_run_without_a_private_history() {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("r.json");
    let out = pocket(
        &["score", "--chart", CHART, "--player", LEE, "-o", s(&report)],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "a usage error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("POCKET_HISTORY") && err.contains("--no-history"),
        "{err}"
    );
    assert!(!report.exists(), "refused before scoring");
    let out = pocket(&["history"], None);
    assert_eq!(out.status.code(), Some(2));
    // --no-history is enough, and adds nothing anywhere.
    ok(
        &[
            "score",
            "--chart",
            CHART,
            "--player",
            LEE,
            "--no-history",
            "-o",
            s(&report),
        ],
        None,
    );
    assert!(report.exists());
}

#[test]
fn score_adds_one_row_per_player_with_the_reports_figures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("h.sqlite");
    let report = dir.path().join("pair.json");
    score_to(&report, &[LEE, SANAE], &[], &db);
    let r = pocket::report::Report::from_json(&std::fs::read_to_string(&report).expect("report"))
        .expect("a report");
    let h = history_json(&db, &[]);
    assert_eq!(h.format, "pocket-history/1");
    assert_eq!(h.takes.len(), 2, "one row per player");
    let abs = std::fs::canonicalize(&report).expect("canonical");
    let chart = r.chart.as_ref().expect("chart");
    let sync = r.sync.as_ref().expect("sync");
    for (i, t) in h.takes.iter().enumerate() {
        let p = &r.players[i];
        assert_eq!(t.report, abs.display().to_string(), "links the report");
        assert_eq!(
            (t.player.as_str(), t.player_index),
            (p.name.as_str(), i as u32)
        );
        assert_eq!(t.partner.as_deref(), Some(r.players[1 - i].name.as_str()));
        assert_eq!(
            (t.notes, t.matched, t.extras),
            (p.notes as u64, p.matched as u64, p.extras as u64)
        );
        assert_eq!(t.accuracy_pct, p.accuracy_pct);
        assert_eq!(t.f_measure, p.f_measure);
        assert_eq!(
            (t.offset_mean_ms, t.offset_sd_ms),
            (p.offset_ms.mean, p.offset_ms.sd)
        );
        assert_eq!(
            t.extras_by_kind["wrong_lane"],
            p.extras_by_kind.wrong_lane as u64
        );
        assert_eq!(t.chart.notes_sha256, chart.notes_sha256);
        assert_eq!(t.chart.file_sha256, chart.file_sha256);
        assert!(chart.file_sha256.is_some(), "score records the file's hash");
        assert_eq!(t.chart.title, "Mirrorball Monday");
        let s = t.sync.as_ref().expect("a pair's sync");
        assert_eq!((s.score, s.within_20ms), (sync.score, sync.within.ms20));
        assert_eq!(
            t.lanes["snare"].notes,
            p.lanes[&pocket::Lane::Snare].notes as u64
        );
        assert!(t.played_at.ends_with('Z') && t.day.len() == 10);
    }
    // The table names the song and both players.
    let table = ok(&["history"], Some(&db));
    assert!(
        table.contains("Mirrorball Monday") && table.contains("Lee") && table.contains("Sanae"),
        "{table}"
    );
    // Filters: a player; the song, also read from another file; another song.
    assert_eq!(history_json(&db, &["--player", "Sanae"]).takes.len(), 1);
    let mid = dir.path().join("same-song.mid");
    ok(&["chart", "convert", CHART, "-o", s(&mid)], Some(&db));
    assert_eq!(
        history_json(&db, &["--chart", s(&mid)]).takes.len(),
        2,
        "the same notes"
    );
    let other = history_json(&db, &["--chart", "charts/exercise-rock-8ths.json"]);
    assert!(other.takes.is_empty());
}

#[test]
fn reports_not_written_to_a_file_demo_and_no_history_add_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("h.sqlite");
    ok(&["demo", "-o", s(dir.path())], Some(&db));
    ok(
        &["score", "--chart", CHART, "--player", LEE, "-o", "-"],
        Some(&db),
    );
    let r = dir.path().join("r.json");
    ok(
        &[
            "score",
            "--chart",
            CHART,
            "--player",
            LEE,
            "--no-history",
            "-o",
            s(&r),
        ],
        Some(&db),
    );
    assert!(!db.exists(), "nothing opened the database");
    assert!(history_json(&db, &[]).takes.is_empty());
}

#[test]
fn a_batch_of_takes_is_added_in_one_go() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("h.sqlite");
    let out = dir.path().join("out");
    ok(
        &[
            "score",
            "--chart",
            CHART,
            "--takes",
            "fixtures/demo",
            "-o",
            s(&out),
        ],
        Some(&db),
    );
    let h = history_json(&db, &[]);
    let mut players: Vec<&str> = h.takes.iter().map(|t| t.player.as_str()).collect();
    players.sort();
    assert_eq!(players, ["lee-roland-td", "sanae-alesis-nitro"]);
    assert!(h
        .takes
        .iter()
        .all(|t| t.partner.is_none() && t.sync.is_none()));
    assert!(h.takes.iter().all(|t| t.chart.file_sha256.is_some()));
}

#[test]
fn eight_processes_writing_at_once_lose_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("h.sqlite");
    let children: Vec<_> = (0..8)
        .map(|k| {
            let report = dir.path().join(format!("take-{k}.json"));
            Command::new(env!("CARGO_BIN_EXE_pocket"))
                .args([
                    "score", "--chart", CHART, "--player", LEE, "--player", SANAE,
                ])
                .args(["--bootstrap", "0", "-o"])
                .arg(&report)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env(HISTORY_VAR, &db)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn pocket")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("pocket finishes");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        assert!(!err.contains("history"), "a writer gave up: {err}");
    }
    let h = history_json(&db, &[]);
    assert_eq!(h.takes.len(), 16, "8 takes of two players");
    let reports: std::collections::BTreeSet<&str> =
        h.takes.iter().map(|t| t.report.as_str()).collect();
    assert_eq!(reports.len(), 8);
}

#[test]
fn a_corrupt_database_costs_no_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("h.sqlite");
    let junk = "not a database, a text file written over it\n".repeat(200);
    std::fs::write(&db, &junk).expect("write");
    let report = dir.path().join("r.json");
    let err = score_to(&report, &[LEE], &[], &db);
    let written = std::fs::read_to_string(&report).expect("the report is written");
    pocket::report::Report::from_json(&written).expect("a whole report");
    assert!(
        err.contains(&format!(
            "warning: the practice history was not updated (the report is written): the \
             practice history {} is not a usable database (file is not a database): move it \
             aside and pocket starts a new one, which can be rebuilt from the JSON reports \
             (pocket history import DIR)",
            db.display()
        )),
        "the warning names the database and what to do: {err}"
    );
    assert_eq!(
        std::fs::read_to_string(&db).expect("db"),
        junk,
        "left as it was"
    );
    // Reading it is an error that says the same.
    let out = pocket(&["history"], Some(&db));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("move it aside"));
}

#[test]
fn a_locked_database_costs_no_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("h.sqlite");
    // Another program holds the database with an exclusive lock for longer than pocket waits.
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute_batch("PRAGMA journal_mode = DELETE; CREATE TABLE other (x); BEGIN EXCLUSIVE; INSERT INTO other VALUES (1);")
        .expect("lock");
    let report = dir.path().join("r.json");
    let err = score_to(&report, &[LEE], &[], &db);
    assert!(report.exists(), "the report is written");
    assert!(
        err.contains(&format!(
            "warning: the practice history was not updated (the report is written): the \
             practice history {} stayed locked by another program for 10 s: close that program \
             and try again",
            db.display()
        )),
        "{err}"
    );
    conn.execute_batch("COMMIT").expect("unlock");
}

#[test]
fn import_rebuilds_the_same_rows_from_a_folder_of_reports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let reports = dir.path().join("reports");
    std::fs::create_dir_all(reports.join("session-1")).expect("mkdir");
    let db = dir.path().join("as-played.sqlite");
    score_to(&reports.join("pair.json"), &[LEE, SANAE], &[], &db);
    score_to(
        &reports.join("lee-slice.json"),
        &[LEE],
        &["--from", "20", "--until", "60"],
        &db,
    );
    score_to(
        &reports.join("session-1/report.json"),
        &[SANAE],
        &["--timing", "strict"],
        &db,
    );
    // Beside them, JSON that is not a report (a chart) and a damaged report.
    std::fs::copy(CHART, reports.join("song.json")).expect("copy");
    std::fs::write(
        reports.join("broken.json"),
        "{\"schema_version\": 1, \"players\": [",
    )
    .expect("write");

    let rebuilt = dir.path().join("rebuilt.sqlite");
    let out = pocket(&["history", "import", s(&reports)], Some(&rebuilt));
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("4 rows from 3 reports"), "{said}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.json") && !err.contains("song.json"),
        "{err}"
    );

    let (a, b) = (history_json(&db, &[]), history_json(&rebuilt, &[]));
    assert_eq!(a.takes, b.takes, "the same rows");
    let slice = a
        .takes
        .iter()
        .find(|t| t.report.ends_with("lee-slice.json"))
        .expect("slice");
    assert_eq!(
        (slice.practice.from_s, slice.practice.until_s),
        (Some(20.0), Some(60.0))
    );
    assert!((slice.practice.played_s - 40.0).abs() < 1e-9);

    // Importing again replaces, never doubles.
    ok(&["history", "import", s(&reports)], Some(&rebuilt));
    assert_eq!(history_json(&rebuilt, &[]).takes.len(), 4);
}

#[test]
fn the_history_schema_is_the_documented_one() {
    check_golden("docs/history.schema.json", HistoryJson::json_schema());
}

#[test]
fn live_adds_its_takes_and_practice_groups_with_the_song() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("h.sqlite");
    // The song as written, replayed fast through the live path, and then a practice of its
    // intro at 80 % (Lee's take does not fit that tempo; the row is what matters here).
    let whole = dir.path().join("whole");
    ok(
        &[
            "live",
            "--chart",
            CHART,
            "--count-in-bars",
            "1",
            "--speed",
            "16",
            "--duration",
            "20",
            "--quiet",
            "--replay",
            LEE,
            "-o",
            s(&whole),
        ],
        Some(&db),
    );
    let practice = dir.path().join("practice");
    ok(
        &[
            "live",
            "--chart",
            CHART,
            "--section",
            "intro",
            "--tempo",
            "80%",
            "--count-in-bars",
            "1",
            "--speed",
            "16",
            "--quiet",
            "--replay",
            LEE,
            "-o",
            s(&practice),
        ],
        Some(&db),
    );
    // record has no chart: nothing.
    ok(
        &[
            "record",
            "--speed",
            "16",
            "--duration",
            "2",
            "--quiet",
            "--replay",
            LEE,
            "-o",
            s(&dir.path().join("rec")),
        ],
        Some(&db),
    );
    let h = history_json(&db, &[]);
    assert_eq!(h.takes.len(), 2, "one row per live session with a chart");
    let (a, b) = (&h.takes[0], &h.takes[1]);
    let (w, p) = if a.report.contains("whole") {
        (a, b)
    } else {
        (b, a)
    };
    assert!(w.report.ends_with("whole/report.json"), "{}", w.report);
    assert_eq!(w.practice.tempo_pct, 100.0);
    assert!(
        w.practice.until_s.is_some(),
        "stopped after 20 s of the song"
    );
    assert_eq!(p.practice.section.as_deref(), Some("intro"));
    assert_eq!(p.practice.tempo_pct, 80.0);
    assert_eq!(
        p.chart.title, "Mirrorball Monday",
        "the song's title, not the practice chart's"
    );
    assert_eq!(
        p.chart.song, w.chart.song,
        "a practice groups with its song"
    );
    assert_eq!(p.chart.file_sha256, w.chart.file_sha256);
    let bpm = p.practice.chart_bpm.expect("tempo");
    assert!(
        (bpm - 114.0 * 0.8).abs() < 0.01,
        "the practice tempo: {bpm}"
    );
}
