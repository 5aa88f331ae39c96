//! The `pocket` binary as a user runs it: exit codes, what goes to stdout and stderr, the JSON
//! report each flag produces, golden reports, and real third-party MIDI files.
//!
//! Golden reports live in fixtures/golden/ and are compared byte for byte by
//! `pocket::testdata::check_golden`; `POCKET_BLESS=1` rewrites them. Tests that read the Groove MIDI Dataset find it through `$POCKET_DATA_DIR`
//! (default `../shared/data` next to the crate) and are skipped when it is absent, unless
//! `POCKET_REQUIRE_DATA=1`.

use pocket::report::{PlayerReport, Report};
use std::path::{Path, PathBuf};
use std::process::Output;

const CHART: &str = "charts/disco-pop-114.json";
const LEE: &str = "Lee=fixtures/demo/lee-roland-td.jsonl";
const SANAE: &str = "Sanae=fixtures/demo/sanae-alesis-nitro.jsonl";

// ---------------------------------------------------------------------------------------------
// Helpers

/// A path inside the crate.
fn crate_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

use pocket::testdata::{check_golden, data_dir, test_history, HISTORY_VAR};

/// What one run of the binary did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    args: String,
}

impl Run {
    /// Asserts the exit code, showing both streams when it differs.
    fn expect_code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "`pocket {}` exited {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.args, self.code, self.stdout, self.stderr
        );
        self
    }

    fn ok(self) -> Run {
        self.expect_code(0)
    }

    /// The JSON report on stdout.
    fn report(&self) -> Report {
        Report::from_json(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "`pocket {}` did not print a report on stdout: {e}\n{}",
                self.args,
                &self.stdout[..self.stdout.len().min(2000)]
            )
        })
    }
}

/// An empty configuration directory shared by the runs of this test binary.
fn empty_config_dir() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
        .path()
}

/// Runs `pocket` with `args` in the crate directory (so relative fixture paths work and reports
/// name them the same on every machine), without colour. Every run checks that nothing panicked.
fn pocket(args: &[&str]) -> Run {
    let out: Output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_pocket"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        // No latency profile saved on this machine may change the reports.
        .env("POCKET_CONFIG_DIR", empty_config_dir())
        // Nor may a test touch its user's practice history.
        .env(HISTORY_VAR, test_history())
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the pocket binary runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        args: args.join(" "),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "`pocket {}` panicked:\n{}",
        run.args,
        run.stderr
    );
    assert!(
        !run.stdout.contains('\x1b'),
        "`pocket {}` wrote terminal escapes with NO_COLOR set",
        run.args
    );
    run
}

/// `pocket score` on the demo chart with both demo players and the report on stdout, plus
/// `extra` flags.
fn score(extra: &[&str]) -> Report {
    let mut args = vec![
        "score", "--chart", CHART, "--player", LEE, "--player", SANAE,
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-o", "-"]);
    pocket(&args).ok().report()
}

fn player<'a>(report: &'a Report, name: &str) -> &'a PlayerReport {
    report
        .players
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no player {name} in the report"))
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

// ---------------------------------------------------------------------------------------------
// pocket demo

#[test]
fn demo_prints_both_players_and_writes_a_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("nested/out");
    let run = pocket(&["demo", "-o", out.to_str().expect("utf-8 temp path")]).ok();
    for needle in [
        "Mirrorball Monday",
        "▸ Lee",
        "▸ Sanae",
        "accuracy",
        "F-measure",
    ] {
        assert!(
            run.stdout.contains(needle),
            "demo summary lacks {needle:?}:\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("report written to"), "{}", run.stdout);
    assert!(
        run.stderr.is_empty(),
        "demo wrote to stderr: {}",
        run.stderr
    );

    let json = std::fs::read_to_string(out.join("demo-report.json")).expect("demo-report.json");
    let report = Report::from_json(&json).expect("demo-report.json decodes as a Report");
    let names: Vec<&str> = report.players.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Lee", "Sanae"]);
    let chart = report.chart.as_ref().expect("the demo report has a chart");
    assert_eq!(chart.path, "demo");
    assert_eq!(chart.notes, 1194);
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .expect("the output folder")
        .map(|e| e.expect("an entry").file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files are renamed away: {leftovers:?}"
    );
}

#[test]
fn demo_report_is_golden_and_deterministic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut outputs = Vec::new();
    for i in 0..2 {
        let out = dir.path().join(format!("run{i}"));
        pocket(&["demo", "-o", out.to_str().expect("utf-8 temp path")]).ok();
        outputs.push(std::fs::read_to_string(out.join("demo-report.json")).expect("report"));
    }
    assert!(
        outputs[0] == outputs[1],
        "two demo runs wrote different reports"
    );
    // The demo's report carries per-note detail (so `pocket report` can make its page); the
    // golden is the report without it, as `pocket score` writes it without --detail. The
    // detail itself is pinned by the strict golden below.
    let mut report = Report::from_json(&outputs[0]).expect("the demo report decodes");
    assert!(
        report.settings.detail && report.players.iter().all(|p| p.detail.is_some()),
        "the demo's JSON report carries per-note detail"
    );
    report.settings.detail = false;
    for p in &mut report.players {
        p.detail = None;
    }
    check_golden(
        "fixtures/golden/demo-two-players-standard.json",
        report.to_json(),
    );
}

// ---------------------------------------------------------------------------------------------
// pocket score

#[test]
fn score_gives_the_demo_numbers() {
    let dir = tempfile::tempdir().expect("temp dir");
    pocket(&["demo", "-o", dir.path().to_str().expect("utf-8 temp path")]).ok();
    let demo = Report::from_json(
        &std::fs::read_to_string(dir.path().join("demo-report.json")).expect("demo report"),
    )
    .expect("demo report decodes");
    let scored = score(&["--detail"]);
    assert_eq!(
        scored.players, demo.players,
        "score with the demo files must give the demo's numbers"
    );
    assert_eq!(scored.settings, demo.settings);
    let (s, d) = (
        scored.chart.as_ref().expect("chart"),
        demo.chart.as_ref().expect("chart"),
    );
    assert_eq!(s.path, CHART);
    assert_eq!((s.notes, &s.lanes), (d.notes, &d.lanes));
    assert_eq!(scored.sync, demo.sync);
}

#[test]
fn score_json_to_stdout_sends_the_summary_to_stderr() {
    let run = pocket(&[
        "score", "--chart", CHART, "--player", LEE, "--player", SANAE, "-o", "-",
    ])
    .ok();
    let report = run.report();
    assert_eq!(report.players.len(), 2);
    assert!(run.stdout.starts_with('{') && run.stdout.ends_with("}\n"));
    assert!(run.stderr.contains("▸ Lee") && run.stderr.contains("▸ Sanae"));
    assert!(!run.stderr.contains("report written"), "{}", run.stderr);
}

#[test]
fn score_without_output_prints_only_the_summary() {
    let run = pocket(&["score", "--chart", CHART, "--player", LEE]).ok();
    assert!(run.stdout.contains("▸ Lee"), "{}", run.stdout);
    assert!(!run.stdout.contains("Sanae"));
    assert!(!run.stdout.contains('{'), "no JSON without -o");
}

#[test]
fn score_writes_the_report_to_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("lee.json");
    let run = pocket(&[
        "score",
        "--chart",
        CHART,
        "--player",
        LEE,
        "-o",
        path.to_str().expect("utf-8 temp path"),
    ])
    .ok();
    assert!(run.stdout.contains("report written to"), "{}", run.stdout);
    let report = Report::from_json(&std::fs::read_to_string(&path).expect("report file"))
        .expect("report decodes");
    assert_eq!(report.players.len(), 1);
    assert_eq!(report.players[0].name, "Lee");
}

#[test]
fn detail_adds_every_note_and_extra() {
    let plain = score(&[]);
    assert!(!plain.settings.detail);
    assert!(plain.players.iter().all(|p| p.detail.is_none()));

    let r = score(&["--detail"]);
    assert!(r.settings.detail);
    for p in &r.players {
        let d = p.detail.as_ref().expect("detail with --detail");
        assert_eq!(
            d.notes.len(),
            p.notes,
            "{}: one entry per chart note",
            p.name
        );
        assert_eq!(
            d.extras.len(),
            p.extras,
            "{}: one entry per extra hit",
            p.name
        );
        let missed = d.notes.iter().filter(|n| n.tier.name() == "miss").count();
        assert_eq!(missed, p.misses, "{}: misses in detail", p.name);
        assert!(d
            .notes
            .iter()
            .all(|n| (n.tier.name() == "miss") == n.hit.is_none()
                && n.offset_ms.is_some() == n.hit.is_some()));
        assert_eq!(
            d.notes
                .iter()
                .filter(|n| n.tier.name() == "perfect")
                .count(),
            p.tiers.perfect
        );
        let kinds = |k: &str| d.extras.iter().filter(|e| e.kind.name() == k).count();
        assert_eq!(kinds("wrong_lane"), p.extras_by_kind.wrong_lane);
        assert_eq!(kinds("overhit"), p.extras_by_kind.overhit);
    }
    // The summary numbers do not change.
    for (a, b) in plain.players.iter().zip(&r.players) {
        assert_eq!(
            (a.matched, a.misses, a.extras),
            (b.matched, b.misses, b.extras)
        );
    }
}

#[test]
fn offset_ms_shifts_a_players_offsets() {
    let base = score(&[]);
    let r = score(&["--offset-ms", "Lee=10"]);
    let s = &r.settings.players[0];
    assert_eq!((s.offset_hands_ms, s.offset_feet_ms), (10.0, 10.0));
    let (b, l) = (player(&base, "Lee"), player(&r, "Lee"));
    let mean = |p: &PlayerReport| p.offset_ms.mean.expect("mean offset");
    assert!(
        close(mean(l), mean(b) - 10.0, 0.001),
        "a +10 ms latency offset moves Lee's mean from {} to {}",
        mean(b),
        mean(l)
    );
    assert_eq!(
        player(&r, "Sanae"),
        player(&base, "Sanae"),
        "Sanae untouched"
    );

    // HANDS,FEET: feet (kick) and hands (snare) move separately.
    let r = score(&["--offset-ms", "Lee=5,-5"]);
    let s = &r.settings.players[0];
    assert_eq!((s.offset_hands_ms, s.offset_feet_ms), (5.0, -5.0));
    let lane_mean = |p: &PlayerReport, lane: &str| {
        p.lanes
            .iter()
            .find(|(l, _)| l.name() == lane)
            .and_then(|(_, r)| r.offset_ms.mean)
            .expect("lane mean")
    };
    let (b, l) = (player(&base, "Lee"), player(&r, "Lee"));
    assert!(close(
        lane_mean(l, "kick"),
        lane_mean(b, "kick") + 5.0,
        0.001
    ));
    assert!(close(
        lane_mean(l, "snare"),
        lane_mean(b, "snare") - 5.0,
        0.001
    ));

    // Negative values are not taken for flags.
    let r = score(&["--offset-ms", "Sanae=-20"]);
    assert_eq!(r.settings.players[1].offset_hands_ms, -20.0);
}

#[test]
fn auto_align_recovers_a_wrong_latency_offset() {
    let off = score(&["--offset-ms", "Sanae=500"]);
    let fixed = score(&["--offset-ms", "Sanae=500", "--auto-align"]);
    assert_eq!(off.settings.players[1].auto_align_ms, None);
    let found = fixed.settings.players[1]
        .auto_align_ms
        .expect("auto-align finds an offset");
    assert!(
        (-500.0..=-470.0).contains(&found),
        "Sanae plays about 14 ms late, so undoing +500 needs about -486 ms, found {found}"
    );
    let acc = |r: &Report| player(r, "Sanae").accuracy_pct.expect("accuracy");
    assert!(
        acc(&off) < 80.0,
        "a 500 ms error wrecks the score: {}",
        acc(&off)
    );
    assert!(
        acc(&fixed) > 94.0,
        "auto-align restores it: {}",
        acc(&fixed)
    );
    assert!(
        fixed.settings.players[0].auto_align_ms.is_some(),
        "applies to every player"
    );
}

#[test]
fn timing_presets_set_window_and_tiers() {
    let standard = score(&[]);
    let strict = score(&["--timing", "strict"]);
    let lax = score(&["--timing", "lax"]);
    for (r, name, edges) in [
        (&standard, "standard", [34.0, 67.0, 84.0, 117.0]),
        (&strict, "strict", [20.0, 40.0, 55.0, 70.0]),
        (&lax, "lax", [50.0, 100.0, 150.0, 200.0]),
    ] {
        let t = &r.settings.tiers_ms;
        assert_eq!(r.settings.timing.name(), name);
        assert_eq!([t.perfect, t.great, t.good, t.poor], edges, "{name}");
        assert_eq!(r.settings.window_ms, edges[3], "{name}");
    }
    let s = |r: &Report| player(r, "Sanae").tiers;
    assert!(s(&strict).perfect < s(&standard).perfect);
    assert!(s(&lax).perfect > s(&standard).perfect);
    let late_tiers = |r: &Report| s(r).good + s(r).poor;
    assert!(
        late_tiers(&strict) > late_tiers(&lax),
        "strict tiers judge more of Sanae's notes good or poor than lax ones"
    );
    for r in [&standard, &strict, &lax] {
        for p in &r.players {
            let t = p.tiers;
            assert_eq!(t.perfect + t.great + t.good + t.poor, p.matched);
        }
    }
}

#[test]
fn window_ms_scales_the_tier_edges() {
    let r = score(&["--window-ms", "50"]);
    assert_eq!(r.settings.timing.name(), "custom");
    assert_eq!(r.settings.window_ms, 50.0);
    let t = &r.settings.tiers_ms;
    assert!(close(t.perfect, 34.0 * 50.0 / 117.0, 0.001), "{t:?}");
    assert!(close(t.good, 84.0 * 50.0 / 117.0, 0.001), "{t:?}");
    assert_eq!(t.poor, 50.0);
    let base = score(&[]);
    assert!(
        player(&r, "Sanae").matched < player(&base, "Sanae").matched,
        "a narrower window matches fewer of Sanae's notes"
    );
}

#[test]
fn tiers_ms_sets_the_edges() {
    let r = score(&["--tiers-ms", "10,20,30"]);
    let t = &r.settings.tiers_ms;
    assert_eq!(r.settings.timing.name(), "custom");
    assert_eq!(
        [t.perfect, t.great, t.good, t.poor],
        [10.0, 20.0, 30.0, 117.0]
    );
    let base = score(&[]);
    let (a, b) = (player(&r, "Lee"), player(&base, "Lee"));
    assert_eq!(a.matched, b.matched, "tiers do not change matching");
    assert!(a.tiers.perfect < b.tiers.perfect);
    assert!(a.points.score < b.points.score);
}

#[test]
fn strict_articulation_turns_mismatches_into_misses() {
    let base = score(&[]);
    let r = score(&["--strict-articulation"]);
    assert!(r.settings.strict_articulation && !base.settings.strict_articulation);
    let (b, s) = (player(&base, "Sanae"), player(&r, "Sanae"));
    let mismatched = b.articulation.mismatched;
    assert!(mismatched > 0, "Sanae's take has articulation mismatches");
    assert_eq!(b.extras_by_kind.wrong_articulation, 0);
    assert_eq!(s.extras_by_kind.wrong_articulation, mismatched);
    assert_eq!(s.misses, b.misses + mismatched);
    assert_eq!(s.extras, b.extras + mismatched);
}

#[test]
fn lanes_merge_and_swap() {
    let r = score(&["--lanes", "merge:crash,ride"]);
    assert_eq!(r.settings.lane_merges, ["merge:crash,ride"]);
    let lanes: Vec<&str> = player(&r, "Lee").lanes.keys().map(|l| l.name()).collect();
    assert!(
        lanes.contains(&"crash") && !lanes.contains(&"ride"),
        "{lanes:?}"
    );
    let base = score(&[]);
    let lane_notes = |r: &Report, lane: &str| {
        player(r, "Lee")
            .lanes
            .iter()
            .find(|(l, _)| l.name() == lane)
            .map_or(0, |(_, x)| x.notes)
    };
    assert_eq!(
        lane_notes(&r, "crash"),
        lane_notes(&base, "crash") + lane_notes(&base, "ride")
    );

    // A swap applies to the takes only: ride played as crash no longer matches.
    let r = score(&["--lanes", "swap:ride,crash"]);
    assert!(player(&r, "Lee").misses > player(&base, "Lee").misses + 40);
    assert_eq!(r.chart, base.chart, "swaps leave the chart alone");
}

#[test]
fn kit_for_one_player_changes_only_that_player() {
    let base = score(&[]);
    let r = score(&["--kit", "Sanae=roland-td"]);
    let kits: Vec<&str> = r.settings.players.iter().map(|p| p.kit.as_str()).collect();
    assert_eq!(kits, ["roland-td", "roland-td"]);
    assert_eq!(player(&r, "Lee"), player(&base, "Lee"));
    assert_ne!(
        player(&r, "Sanae").articulation,
        player(&base, "Sanae").articulation,
        "Sanae's Alesis notes read through the Roland map give other articulations"
    );

    let r = score(&["--kit", "gm"]);
    let kits: Vec<&str> = r.settings.players.iter().map(|p| p.kit.as_str()).collect();
    assert_eq!(kits, ["gm", "gm"], "a bare profile applies to every player");
}

#[test]
fn score_detail_strict_report_is_golden_and_deterministic() {
    let args = [
        "score", "--chart", CHART, "--player", LEE, "--player", SANAE, "--detail", "--timing",
        "strict", "-o", "-",
    ];
    let a = pocket(&args).ok();
    let b = pocket(&args).ok();
    assert!(a.stdout == b.stdout, "two runs printed different reports");
    let report = a.report();
    assert_eq!(report.settings.timing.name(), "strict");
    assert!(report.players.iter().all(|p| p.detail.is_some()));
    check_golden(
        "fixtures/golden/demo-two-players-detail-strict.json",
        &a.stdout,
    );
}

#[test]
fn score_with_onset_lists_and_smf() {
    // A chart from an onset list, played perfectly by the same onset list.
    let onsets = "fixtures/onsets/kick-snare-hihat-one-bar-120bpm.txt";
    let take = format!("Me={onsets}");
    let r = pocket(&["score", "--chart", onsets, "--player", &take, "-o", "-"])
        .ok()
        .report();
    let p = &r.players[0];
    assert_eq!((p.notes, p.matched, p.extras), (12, 12, 0));
    assert_eq!(p.offset_ms.mae, Some(0.0));
    assert_eq!(r.settings.players[0].kit, "onsets");

    // An SMF chart written by pocket, scored against itself as a take.
    let dir = tempfile::tempdir().expect("temp dir");
    let mid = write_smf_chart(dir.path(), "charts/exercise-rock-8ths.json");
    let mid = mid.to_str().expect("utf-8 temp path");
    let take = format!("Me={mid}");
    let r = pocket(&["score", "--chart", mid, "--player", &take, "-o", "-"])
        .ok()
        .report();
    let p = &r.players[0];
    assert_eq!(p.notes, 210);
    assert_eq!((p.matched, p.extras), (210, 0), "a chart played exactly");
}

// ---------------------------------------------------------------------------------------------
// pocket sync

#[test]
fn score_has_a_sync_section_only_with_two_players() {
    let two = score(&[]);
    let sync = two.sync.as_ref().expect("two players: sync section");
    assert_eq!(sync.players, ["Lee", "Sanae"]);
    let one = pocket(&["score", "--chart", CHART, "--player", LEE, "-o", "-"])
        .ok()
        .report();
    assert!(one.sync.is_none(), "one player: no sync section");
    assert!(
        !pocket(&["score", "--chart", CHART, "--player", LEE, "-o", "-"])
            .stdout
            .contains("\"sync\"")
    );
}

#[test]
fn sync_without_a_chart_pairs_the_takes() {
    let run = pocket(&["sync", "--player", LEE, "--player", SANAE, "-o", "-"]).ok();
    let report = run.report();
    assert!(report.chart.is_none(), "no chart: chart is null");
    assert!(run.stdout.contains("\"chart\": null"));
    assert!(report.players.is_empty(), "no chart: no per-player scores");
    let names: Vec<&str> = report
        .settings
        .players
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["Lee", "Sanae"]);
    let sync = report.sync.expect("sync section");
    assert_eq!(sync.players, ["Lee", "Sanae"]);
    assert!(
        sync.pairs > 1000,
        "the demo players share most onsets: {}",
        sync.pairs
    );
    assert!(
        run.stderr.contains("Lee") && run.stderr.contains("Sanae"),
        "{}",
        run.stderr
    );

    let again = pocket(&["sync", "--player", LEE, "--player", SANAE, "-o", "-"]).ok();
    assert!(again.stdout == run.stdout, "sync reports are reproducible");
}

#[test]
fn sync_with_a_chart_matches_score() {
    let synced = pocket(&[
        "sync", "--chart", CHART, "--player", LEE, "--player", SANAE, "-o", "-",
    ])
    .ok()
    .report();
    let scored = score(&[]);
    assert_eq!(synced.sync, scored.sync, "sync --chart and score agree");
    assert!(synced.chart.is_some());
}

#[test]
fn sync_needs_exactly_two_players() {
    let run = pocket(&["sync", "--player", LEE]).expect_code(2);
    assert!(run.stderr.contains("--player"), "{}", run.stderr);
    let run = pocket(&[
        "sync", "--player", LEE, "--player", SANAE, "--player", "C=x.txt",
    ])
    .expect_code(2);
    assert!(run.stderr.contains("--player"), "{}", run.stderr);
    let run = pocket(&[
        "sync", "--player", LEE, "--player", SANAE, "--lanes", "some",
    ])
    .expect_code(2);
    assert!(run.stderr.contains("--lanes"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// pocket chart show / take show / kits

/// Writes `chart` (a chart JSON in the crate) as an SMF into `dir` and returns its path.
fn write_smf_chart(dir: &Path, chart: &str) -> PathBuf {
    let c = pocket::formats::chart_json::read_chart(&crate_path(chart)).expect("chart reads");
    let path = dir.join("chart.mid");
    std::fs::write(&path, pocket::formats::smf::write_chart(&c, None)).expect("write SMF");
    path
}

/// Notes per lane from the `notes per lane` block of `chart show`/`hits per lane` of `take show`.
fn per_lane(stdout: &str, heading: &str) -> Vec<(String, usize)> {
    stdout
        .lines()
        .skip_while(|l| *l != heading)
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some((f.next()?.to_string(), f.next()?.parse().ok()?))
        })
        .collect()
}

#[test]
fn chart_show_reads_every_bundled_chart() {
    let mut n = 0;
    for entry in std::fs::read_dir(crate_path("charts")).expect("charts/") {
        let path = entry.expect("dir entry").path();
        let rel = format!(
            "charts/{}",
            path.file_name()
                .and_then(|f| f.to_str())
                .expect("file name")
        );
        let run = pocket(&["chart", "show", &rel]).ok();
        let chart = pocket::formats::chart_json::read_chart(&path).expect("chart reads");
        assert!(
            run.stdout.starts_with(&chart.info.title),
            "{rel}:\n{}",
            run.stdout
        );
        for heading in ["tempo", "time signatures", "notes per lane"] {
            assert!(
                run.stdout.lines().any(|l| l == heading),
                "{rel}: no {heading}"
            );
        }
        let lanes = per_lane(&run.stdout, "notes per lane");
        let total: usize = lanes.iter().map(|l| l.1).sum();
        assert_eq!(total, chart.notes.len(), "{rel}: notes per lane add up");
        assert!(
            run.stdout.contains(&format!("{} notes", chart.notes.len())),
            "{rel}: {}",
            run.stdout
        );
        n += 1;
    }
    assert!(n >= 4, "charts/ holds the bundled charts");
}

#[test]
fn chart_show_reads_smf_and_onset_charts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mid = write_smf_chart(dir.path(), "charts/exercise-16th-hats-ghosts.json");
    let run = pocket(&["chart", "show", mid.to_str().expect("utf-8 temp path")]).ok();
    assert!(run.stdout.contains("420 notes"), "{}", run.stdout);
    let json = pocket(&["chart", "show", "charts/exercise-16th-hats-ghosts.json"]).ok();
    assert_eq!(
        per_lane(&run.stdout, "notes per lane"),
        per_lane(&json.stdout, "notes per lane"),
        "the SMF copy has the same notes per lane"
    );

    let run = pocket(&[
        "chart",
        "show",
        "fixtures/smf/written-chart-type1-ppq480-7-8.mid",
    ])
    .ok();
    assert!(run.stdout.contains("7/8"), "{}", run.stdout);
    assert!(run.stdout.contains("150.000 BPM"), "{}", run.stdout);
    assert!(run.stdout.contains("odd bar"), "sections: {}", run.stdout);

    let run = pocket(&[
        "chart",
        "show",
        "fixtures/onsets/kick-snare-hihat-one-bar-120bpm.txt",
    ])
    .ok();
    assert_eq!(
        per_lane(&run.stdout, "notes per lane"),
        [("kick".into(), 2), ("snare".into(), 2), ("hihat".into(), 8)]
    );
    assert!(run.stdout.contains("120.000 BPM"));

    // Channel selection for SMF charts.
    let all = pocket(&[
        "chart",
        "show",
        "fixtures/smf/written-chart-type1-ppq480-7-8.mid",
        "--channel",
        "all",
    ])
    .ok();
    assert!(all.stdout.contains("notes per lane"));
}

#[test]
fn chart_convert_writes_onset_lists_and_keeps_times_through_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    let src = "fixtures/onsets/sub-tick-times-to-the-nanosecond.txt";
    pocket(&["chart", "convert", src, "-o", &out("notes.json")]).ok();
    let run = pocket(&[
        "chart",
        "convert",
        &out("notes.json"),
        "-o",
        &out("notes.txt"),
    ])
    .ok();
    assert!(run.stderr.contains("notes written to"), "{}", run.stderr);
    let read = |p: &str| {
        let onsets = pocket::formats::onsets::read_onsets(p).expect("an onset list");
        onsets.iter().map(|o| (o.time, o.lane)).collect::<Vec<_>>()
    };
    assert_eq!(
        read(&out("notes.txt")),
        read(&crate_path(src).to_string_lossy()),
        "onset list -> chart JSON -> onset list keeps every time to the nanosecond"
    );
    let text = std::fs::read_to_string(out("notes.txt")).expect("written");
    assert!(
        text.contains("0.250000001\n"),
        "a note without a drum has no lane: {text}"
    );
    assert!(text.contains(" kick\n"), "{text}");

    let run = pocket(&["chart", "convert", CHART, "-o", &out("x.csv")]).expect_code(2);
    assert!(run.stderr.contains(".txt (onset list)"), "{}", run.stderr);
}

#[test]
fn take_show_reads_capture_logs_smf_and_onsets() {
    let lee_path = crate_path("fixtures/demo/lee-roland-td.jsonl");
    let lee = pocket::formats::load_take(lee_path.to_str().expect("utf-8 path"), None);
    let hits = lee.expect("Lee's take loads").take.hits.len();
    let run = pocket(&["take", "show", "fixtures/demo/lee-roland-td.jsonl"]).ok();
    assert!(
        run.stdout.contains("pocket capture log, kit roland-td"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("  {hits} hits from")),
        "{}",
        run.stdout
    );
    let lanes = per_lane(&run.stdout, "hits per lane");
    assert_eq!(
        lanes.iter().map(|l| l.1).sum::<usize>(),
        hits,
        "hits per lane add up"
    );
    assert!(
        run.stdout.contains("hi-hat pedal readings"),
        "{}",
        run.stdout
    );
    let run = pocket(&["take", "show", "fixtures/demo/sanae-alesis-nitro.jsonl"]).ok();
    assert!(run.stdout.contains("kit alesis-nitro"), "{}", run.stdout);

    let run = pocket(&[
        "take",
        "show",
        "fixtures/smf/type0-ppq480-running-status-vel0-noteoff.mid",
        "--kit",
        "roland-td",
    ])
    .ok();
    assert!(
        run.stdout.contains("Standard MIDI File, kit roland-td"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("4 hits"), "{}", run.stdout);

    let run = pocket(&[
        "take",
        "show",
        "fixtures/onsets/kick-snare-hihat-one-bar-120bpm.txt",
    ])
    .ok();
    assert!(run.stdout.contains("onset list"), "{}", run.stdout);
    assert_eq!(
        per_lane(&run.stdout, "hits per lane"),
        [("kick".into(), 2), ("snare".into(), 2), ("hihat".into(), 8)]
    );
}

#[test]
fn take_show_picks_one_player_of_a_two_player_file() {
    let a = pocket(&[
        "take",
        "show",
        "fixtures/smf/duo-type0-channels-10-11.mid#channel=10",
    ])
    .ok();
    let b = pocket(&[
        "take",
        "show",
        "fixtures/smf/duo-type0-channels-10-11.mid#channel=11",
    ])
    .ok();
    assert!(a.stdout.contains("#channel=10"));
    assert_ne!(
        per_lane(&a.stdout, "hits per lane"),
        per_lane(&b.stdout, "hits per lane")
    );
    let t = pocket(&[
        "take",
        "show",
        "fixtures/smf/duo-type1-tracks-1-2-same-channel.mid#track=1",
    ]);
    t.ok();
    // A capture log with two players needs #player=NAME.
    let run = pocket(&[
        "take",
        "show",
        "fixtures/capture/two-kits-gap-and-overflow.jsonl",
    ])
    .expect_code(1);
    assert!(run.stderr.contains("#player="), "{}", run.stderr);
}

#[test]
fn kits_lists_profiles_and_shows_one() {
    let run = pocket(&["kits"]).ok();
    for name in ["gm", "roland-td", "alesis-nitro", "yamaha-dtx"] {
        assert!(
            run.stdout.lines().any(|l| l.starts_with(name)),
            "kits lists {name}:\n{}",
            run.stdout
        );
    }
    let run = pocket(&["kits", "show", "roland-td"]).ok();
    assert!(run.stdout.starts_with("roland-td"), "{}", run.stdout);
    assert!(run.stdout.contains("hihat_pedal"), "{}", run.stdout);
    assert!(run.stdout.contains("HH closed edge"), "{}", run.stdout);

    let run = pocket(&[
        "kits",
        "show",
        "fixtures/kits/td17-aux-as-tom4-merged-cymbals.json",
    ])
    .ok();
    assert!(
        run.stdout.contains("tom4"),
        "a kit map file is shown too: {}",
        run.stdout
    );

    let run = pocket(&["kits", "show", "no-such-kit"]).expect_code(1);
    assert!(run.stderr.contains("no-such-kit"), "{}", run.stderr);
    assert!(
        run.stderr.contains("roland-td"),
        "lists the profiles: {}",
        run.stderr
    );
}

#[test]
fn version_and_help() {
    let run = pocket(&["--version"]).ok();
    assert!(run.stdout.starts_with("pocket "), "{}", run.stdout);
    let run = pocket(&["score", "--help"]).ok();
    for flag in [
        "--chart",
        "--player",
        "--kit",
        "--offset-ms",
        "--auto-align",
        "--timing",
        "--window-ms",
        "--tiers-ms",
        "--strict-articulation",
        "--lanes",
        "--detail",
        "--output",
        "--chart-channel",
    ] {
        assert!(run.stdout.contains(flag), "score --help lacks {flag}");
    }
}

// ---------------------------------------------------------------------------------------------
// Errors: usage (exit 2) and input (exit 1)

/// Runs `score` with `extra` after the chart and Lee's take, expects exit 2 and an error naming
/// `needle`.
fn usage_error(extra: &[&str], needle: &str) {
    let mut args = vec!["score", "--chart", CHART, "--player", LEE];
    args.extend_from_slice(extra);
    let run = pocket(&args).expect_code(2);
    assert!(
        run.stderr.contains(needle),
        "`pocket {}`: stderr should name {needle:?}:\n{}",
        run.args,
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "no output on a usage error: {}",
        run.stdout
    );
}

#[test]
fn bad_usage_exits_2_naming_the_flag() {
    usage_error(
        &["--player", "Lee=fixtures/demo/sanae-alesis-nitro.jsonl"],
        "--player \"Lee\"",
    );
    usage_error(&["--player", SANAE, "--player", "Third=x.txt"], "--player");
    usage_error(&["--offset-ms", "Lee=abc"], "--offset-ms");
    usage_error(&["--offset-ms", "Lee=nan"], "--offset-ms");
    usage_error(&["--offset-ms", "Lee"], "--offset-ms");
    usage_error(&["--offset-ms", "Bob=3"], "no player named \"Bob\"");
    usage_error(&["--kit", "Bob=gm"], "--kit");
    usage_error(&["--tiers-ms", "10,20"], "--tiers-ms");
    usage_error(&["--tiers-ms", "10,x,30"], "--tiers-ms");
    usage_error(&["--window-ms", "0"], "--window-ms");
    usage_error(&["--window-ms", "5000"], "--window-ms");
    usage_error(&["--timing", "sloppy"], "--timing");
    usage_error(&["--lanes", "merge:crash,cowbell"], "--lanes");
    let run = pocket(&["score", "--chart", CHART]).expect_code(2);
    assert!(run.stderr.contains("--player"), "{}", run.stderr);
    let run = pocket(&["frobnicate"]).expect_code(2);
    assert!(run.stderr.contains("frobnicate"), "{}", run.stderr);
    let run = pocket(&["chart", "show", CHART, "--channel", "17"]).expect_code(2);
    assert!(run.stderr.contains("--channel"), "{}", run.stderr);
}

#[test]
fn unordered_tiers_name_the_flag() {
    usage_error(&["--tiers-ms", "50,40,30"], "--tiers-ms");
}

#[test]
fn bad_chart_channel_names_the_flag() {
    usage_error(&["--chart-channel", "17"], "--chart-channel");
}

/// Expects `args` to fail with exit 1 and an error naming `file` and `place`.
fn input_error(args: &[&str], file: &str, place: &str) {
    let run = pocket(args).expect_code(1);
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("pocket: ") && first.contains(file) && first.contains(place),
        "`pocket {}`: expected an error naming {file} and {place:?}, got:\n{}",
        run.args,
        run.stderr
    );
}

#[test]
fn bad_input_files_exit_1_naming_file_and_place() {
    let f = "fixtures/bad/chart-unknown-lane.json";
    input_error(&["chart", "show", f], f, "line 6, column 27");
    let f = "fixtures/bad/chart-truncated.json";
    input_error(&["score", "--chart", f, "--player", LEE], f, "line 6");
    let f = "fixtures/bad/smf-truncated-track-event.mid";
    input_error(&["take", "show", f], f, "track 0, byte 30");
    let f = "fixtures/bad/smf-zero-division.mid";
    input_error(&["chart", "show", f], f, "byte 12");
    let f = "fixtures/bad/capture-corrupt-middle-line.jsonl";
    let spec = format!("Lee={f}");
    input_error(&["score", "--chart", CHART, "--player", &spec], f, "line 3");
    let f = "fixtures/bad/onsets-nan-time.txt";
    input_error(&["take", "show", f], f, "line 3");
    let f = "fixtures/bad/kit-channel-17.json";
    input_error(
        &["score", "--chart", CHART, "--player", LEE, "--kit", f],
        f,
        "line 3",
    );
    let f = "fixtures/no-such-file.json";
    input_error(&["chart", "show", f], f, "");
    // A take given as a chart and a chart given as a take say so.
    let run = pocket(&["chart", "show", "fixtures/demo/lee-roland-td.jsonl"]).expect_code(1);
    assert!(run.stderr.contains("not a chart"), "{}", run.stderr);
    assert!(
        run.stderr.contains("(--player NAME=TAKE)"),
        "{}",
        run.stderr
    );
    let run = pocket(&["take", "show", CHART]).expect_code(1);
    assert!(run.stderr.contains("not a take"), "{}", run.stderr);
    assert!(run.stderr.contains("(--chart FILE)"), "{}", run.stderr);
    // The library says what to choose; the CLI names the flag that chooses it.
    let f = "fixtures/bad/rb-no-expert-gems.mid";
    let run = pocket(&["chart", "show", f]).expect_code(1);
    assert!(
        run.stderr
            .contains("gems for: hard; choose one of those difficulties (--difficulty)"),
        "{}",
        run.stderr
    );
}

#[test]
fn no_bad_fixture_panics_any_reader() {
    let mut files: Vec<String> = std::fs::read_dir(crate_path("fixtures/bad"))
        .expect("fixtures/bad")
        .map(|e| {
            format!(
                "fixtures/bad/{}",
                e.expect("dir entry").file_name().to_string_lossy()
            )
        })
        .collect();
    files.sort();
    assert!(files.len() > 20);
    for f in &files {
        // Every bad file through every command that reads files; `pocket()` checks for panics.
        for args in [
            vec!["chart", "show", f.as_str()],
            vec!["take", "show", f.as_str(), "--kit", "roland-td"],
            vec!["kits", "show", f.as_str()],
        ] {
            let run = pocket(&args);
            assert!(
                run.code == 0 || run.code == 1,
                "`pocket {}` exited {}: {}",
                run.args,
                run.code,
                run.stderr
            );
            if run.code == 1 {
                assert!(
                    run.stderr.contains(f.as_str()),
                    "`pocket {}`: {}",
                    run.args,
                    run.stderr
                );
            }
        }
    }
}

#[test]
fn closed_stdout_does_not_panic() {
    use std::process::{Command, Stdio};
    // A detailed report on stdout is far larger than a pipe's buffer, so the write must fail.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pocket"))
        .env(HISTORY_VAR, test_history())
        .args([
            "score",
            "--chart",
            CHART,
            "--player",
            "Lee=fixtures/demo/lee-roland-td.jsonl",
        ])
        .args(["--detail", "-o", "-"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pocket runs");
    drop(child.stdout.take()); // the reader goes away, as `| head -1` does
    let out = child.wait_with_output().expect("pocket finishes");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Real data: the Groove MIDI Dataset

/// Note Ons with velocity > 0 in an SMF, counted with midly alone.
fn count_note_ons(bytes: &[u8]) -> usize {
    use midly::{MidiMessage, TrackEventKind};
    let smf = midly::Smf::parse(bytes).expect("midly parses the file");
    smf.tracks
        .iter()
        .flatten()
        .filter(|e| {
            matches!(
                e.kind,
                TrackEventKind::Midi {
                    message: MidiMessage::NoteOn { vel, .. },
                    ..
                } if vel.as_int() > 0
            )
        })
        .count()
}

fn gmd_eval_files() -> Option<Vec<PathBuf>> {
    let gmd = data_dir()?.join("gmd");
    let mut files = Vec::new();
    for drummer in std::fs::read_dir(&gmd).expect("gmd/ in the data directory") {
        let drummer = drummer.expect("dir entry").path();
        let is_drummer = drummer
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("drummer"));
        let session = drummer.join("eval_session");
        if !is_drummer || !session.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&session).expect("eval_session/") {
            let f = f.expect("dir entry").path();
            if f.extension().is_some_and(|e| e == "mid") {
                files.push(f);
            }
        }
    }
    files.sort();
    Some(files)
}

#[test]
fn gmd_takes_account_for_every_note_on() {
    let Some(files) = gmd_eval_files() else {
        return;
    };
    assert!(
        !files.is_empty(),
        "no gmd/drummer*/eval_session/*.mid files"
    );
    let kit = pocket::kit::KitMap::builtin("roland-td").expect("roland-td is built in");
    for path in &files {
        let bytes = std::fs::read(path).expect("read GMD file");
        let note_ons = count_note_ons(&bytes);
        let spec = path.to_str().expect("utf-8 data path");
        let loaded = pocket::formats::load_take(spec, Some(&kit))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let take = &loaded.take;
        assert_eq!(loaded.kit, "roland-td");
        assert!(!take.hits.is_empty(), "{}: no hits", path.display());
        assert_eq!(
            take.hits.len() + take.filtered.len(),
            note_ons,
            "{}: {} hits + {} filtered must account for every Note On",
            path.display(),
            take.hits.len(),
            take.filtered.len()
        );
        assert!(
            take.hits.windows(2).all(|w| w[0].time <= w[1].time),
            "{}: hits in time order",
            path.display()
        );
    }
}

#[test]
fn gmd_take_show_with_roland_kit() {
    let Some(files) = gmd_eval_files() else {
        return;
    };
    let file = files.first().expect("a GMD file");
    let f = file.to_str().expect("utf-8 data path");
    let run = pocket(&["take", "show", f, "--kit", "roland-td"]).ok();
    assert!(
        run.stdout.contains("Standard MIDI File, kit roland-td"),
        "{}",
        run.stdout
    );
    let total: usize = per_lane(&run.stdout, "hits per lane")
        .iter()
        .map(|l| l.1)
        .sum();
    assert!(total > 100, "a GMD groove has many hits: {}", run.stdout);
}

#[test]
fn take_show_lists_each_unmapped_note_the_channels_and_the_kit_that_would_map_them() {
    // A Roland kit's hi-hat edges read with the General MIDI map.
    let run = pocket(&[
        "take",
        "show",
        "fixtures/bad/smf-roland-hihat-edges-only.mid",
    ])
    .ok();
    for line in [
        "filtered (not counted as errors)",
        "  unmapped_note          3",
        "    note  22      2x  channel 10",
        "    note  26      1x  channel 10",
        "    not in the gm kit map; the built-in roland-td kit maps 3 of them (--kit roland-td)",
    ] {
        assert!(run.stdout.contains(line), "{line:?} in\n{}", run.stdout);
    }
    // Notes on a channel the kit does not listen to.
    let run = pocket(&[
        "take",
        "show",
        "fixtures/smf/duo-type0-channels-10-11.mid",
        "--kit",
        "roland-td",
    ])
    .ok();
    for line in [
        "  other_channel          2",
        "    channel 11      2x",
        "    the roland-td kit listens on another channel; a kit map file with \"channel\" set to the drums' channel (or \"omni\") reads them",
    ] {
        assert!(run.stdout.contains(line), "{line:?} in\n{}", run.stdout);
    }
}

/// A Roland TD-11 recording of the Groove MIDI Dataset with hi-hat edge notes (22, 26) and
/// crash 2 edge (52).
fn gmd_roland_recording() -> Option<String> {
    let f = data_dir()?.join("gmd/drummer1/eval_session/2_funk-groove2_105_beat_4-4.mid");
    Some(f.to_str().expect("utf-8 data path").to_string())
}

#[test]
fn a_recording_scored_against_its_own_chart_read_with_its_kit_is_perfect() {
    let Some(f) = gmd_roland_recording() else {
        return;
    };
    let player = format!("Lee={f}");
    let score = |chart: &str, chart_kit: Option<&str>| {
        let mut args = vec!["score", "--chart", chart, "--player", &player];
        args.extend(["--kit", "roland-td", "--strict-articulation", "-o", "-"]);
        if let Some(kit) = chart_kit {
            args.extend(["--chart-kit", kit]);
        }
        let report = pocket(&args).ok().report();
        let p = &report.players[0];
        (
            p.notes,
            p.hits,
            p.matched,
            p.misses,
            p.extras,
            p.accuracy_pct,
        )
    };
    // Read with the General MIDI map, the chart loses the 70 hi-hat edge notes and calls 52 a
    // china while the take calls it crash 2.
    let (notes, hits, _, misses, extras, _) = score(&f, None);
    assert_eq!((notes, hits, misses, extras), (254, 324, 1, 71));
    // Read with the recording's kit: every note matched, no extras, hits = notes.
    let perfect = (324, 324, 324, 0, 0, Some(100.0));
    assert_eq!(score(&f, Some("roland-td")), perfect);
    // The same through a chart made from it.
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("funk.json");
    let json = json.to_str().expect("utf-8 temp path");
    pocket(&[
        "chart",
        "convert",
        &f,
        "--chart-kit",
        "roland-td",
        "-o",
        json,
    ])
    .ok();
    assert_eq!(score(json, None), perfect);
    // A chart that names its lanes itself is not read with a kit.
    let run = pocket(&["chart", "show", json, "--chart-kit", "roland-td"]).expect_code(1);
    assert!(
        run.stderr
            .contains("read it without a kit map (leave out --chart-kit)"),
        "{}",
        run.stderr
    );
}

#[test]
fn chart_show_lists_the_notes_it_could_not_map_and_the_kit_that_would() {
    let Some(f) = gmd_roland_recording() else {
        return;
    };
    let run = pocket(&["chart", "show", &f]).ok();
    for line in [
        "  unmapped_note          70",
        "    note  22     55x  channel 10",
        "    note  26     15x  channel 10",
        "the built-in roland-td kit maps 70 of them (--chart-kit roland-td)",
    ] {
        assert!(run.stdout.contains(line), "{line:?} in\n{}", run.stdout);
    }
    let run = pocket(&["chart", "show", &f, "--chart-kit", "roland-td"]).ok();
    assert!(run.stdout.contains("324 notes"), "{}", run.stdout);
    assert!(!run.stdout.contains("unmapped"), "{}", run.stdout);
    // chart convert says on stderr what it left out.
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("gm.json");
    let run = pocket(&["chart", "convert", &f, "-o", out.to_str().expect("utf-8")]).ok();
    assert!(
        run.stderr
            .contains("70 notes of the file are not in the chart (not in the gm kit map: 22 (55 times), 26 (15 times))"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Flag checks and messages found by reviewing docs/cli.md against the binary

const ROCKBAND_SONG: &str = "fixtures/rockband/pro-drums-song-ppq192";
const KIT_FILE: &str = "fixtures/kits/td17-aux-as-tom4-merged-cymbals.json";

#[test]
fn sample_rate_out_of_range_exits_2_naming_the_flag_and_range() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("x.wav");
    let wav = wav.to_str().expect("utf-8 path");
    for args in [
        vec![
            "click",
            "--chart",
            CHART,
            "-o",
            wav,
            "--sample-rate",
            "1000",
        ],
        vec![
            "render",
            "--player",
            LEE,
            "-o",
            wav,
            "--sample-rate",
            "1000",
        ],
    ] {
        let run = pocket(&args).expect_code(2);
        assert!(
            run.stderr.contains("--sample-rate") && run.stderr.contains("8000 to 192000"),
            "{}",
            run.stderr
        );
    }
    assert!(!Path::new(wav).exists(), "nothing written on a usage error");
}

/// `pocket live` on the demo chart, replaying Lee, into a directory that must not be created.
fn live_usage_error(extra: &[&str], needles: &[&str]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("session");
    let out = out.to_str().expect("utf-8 path");
    let mut args = vec!["live", "--chart", CHART, "--replay", LEE, "-o", out];
    args.extend_from_slice(extra);
    let run = pocket(&args).expect_code(2);
    for n in needles {
        assert!(run.stderr.contains(n), "{n:?} in: {}", run.stderr);
    }
    assert!(
        !Path::new(out).exists(),
        "`pocket {}` created the session directory before failing",
        run.args
    );
}

#[test]
fn live_practice_flags_exit_2_naming_the_flag() {
    live_usage_error(&["--tempo", "80"], &["--tempo", "80%"]);
    live_usage_error(&["--tempo", "1000%"], &["--tempo", "10% to 400%"]);
    live_usage_error(&["--section", "Z"], &["--section", "intro", "chorus 1"]);
    live_usage_error(&["--count-in-bars", "0"], &["--count-in-bars", "1 or more"]);
    live_usage_error(&["--loop", "0"], &["--loop", "1 or more"]);
}

#[test]
fn a_live_or_record_start_that_fails_leaves_no_session_folder_and_keeps_one_with_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = "Lee=fixtures/no-such-take.mid";
    let starts: [&[&str]; 3] = [
        &["record", "--replay", missing],
        &["live", "--chart", CHART, "--replay", missing],
        // A practice chart is written only once the capture starts.
        &[
            "live",
            "--chart",
            CHART,
            "--section",
            "intro",
            "--replay",
            missing,
        ],
    ];
    for (i, start) in starts.iter().enumerate() {
        let out = dir.path().join(format!("session-{i}"));
        let out = out.to_str().expect("utf-8 path");
        let mut args = start.to_vec();
        args.extend_from_slice(&["-o", out]);
        let run = pocket(&args);
        assert_ne!(run.code, 0, "`pocket {}` should fail", run.args);
        assert!(
            !Path::new(out).exists(),
            "`pocket {}` left a session folder behind",
            run.args
        );
    }
    // A folder that was there already, holding data, is left as it was.
    let kept = dir.path().join("kept");
    std::fs::create_dir(&kept).expect("mkdir");
    std::fs::write(kept.join("notes.txt"), "mine").expect("write");
    let run = pocket(&[
        "record",
        "--replay",
        missing,
        "-o",
        kept.to_str().expect("utf-8 path"),
    ]);
    assert_ne!(run.code, 0);
    assert_eq!(
        std::fs::read_to_string(kept.join("notes.txt"))
            .ok()
            .as_deref(),
        Some("mine")
    );
    assert_eq!(std::fs::read_dir(&kept).expect("still there").count(), 1);
}

#[test]
fn window_ms_error_names_the_flag_once() {
    for args in [
        vec![
            "score",
            "--chart",
            CHART,
            "--player",
            LEE,
            "--window-ms",
            "3000",
        ],
        vec![
            "sync",
            "--player",
            LEE,
            "--player",
            SANAE,
            "--window-ms",
            "3000",
        ],
        vec![
            "sync",
            "--chart",
            CHART,
            "--player",
            LEE,
            "--player",
            SANAE,
            "--window-ms",
            "0",
        ],
    ] {
        let run = pocket(&args).expect_code(2);
        assert_eq!(
            run.stderr.matches("--window-ms").count(),
            1,
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("at most 2000 ms"), "{}", run.stderr);
    }
}

#[test]
fn sync_window_ms_applies_with_a_chart() {
    let r = pocket(&[
        "sync",
        "--chart",
        CHART,
        "--player",
        LEE,
        "--player",
        SANAE,
        "--window-ms",
        "50",
        "-o",
        "-",
    ])
    .ok()
    .report();
    assert_eq!(r.settings.timing.name(), "custom");
    assert!(
        close(r.settings.window_ms, 50.0, 1e-9),
        "{}",
        r.settings.window_ms
    );
    let scored = score(&["--window-ms", "50"]);
    assert_eq!(
        r.sync, scored.sync,
        "sync --chart --window-ms agrees with score"
    );
}

#[test]
fn report_without_detail_says_how_sync_adds_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("sync.json");
    let json = json.to_str().expect("utf-8 path");
    pocket(&[
        "sync", "--chart", CHART, "--player", LEE, "--player", SANAE, "-o", json,
    ])
    .ok();
    let page = dir.path().join("sync.html");
    let run = pocket(&["report", json, "-o", page.to_str().expect("utf-8 path")]).expect_code(1);
    assert!(
        run.stderr.contains("sync --chart") && run.stderr.contains("--html"),
        "{}",
        run.stderr
    );
}

#[cfg(not(feature = "midi-io"))]
#[test]
fn without_midi_support_devices_and_calibrate_say_so_and_write_nothing() {
    let run = pocket(&["devices"]).expect_code(1);
    assert!(run.stderr.contains("midi-io"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("--replay"),
        "devices has no --replay: {}",
        run.stderr
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("calibration");
    let out = out.to_str().expect("utf-8 path");
    let run = pocket(&[
        "calibrate",
        "--port",
        "TD-17",
        "--click-port",
        "x",
        "-o",
        out,
    ])
    .expect_code(1);
    assert!(run.stderr.contains("MIDI support"), "{}", run.stderr);
    assert!(
        !Path::new(out).exists(),
        "no session directory without MIDI support"
    );
    // Nor for an audio calibration, which needs the audio output of the same build.
    let run = pocket(&[
        "calibrate",
        "--audio",
        "--replay",
        "Lee=fixtures/demo/lee-roland-td.jsonl",
        "-o",
        out,
    ])
    .expect_code(1);
    assert!(run.stderr.contains("midi-io"), "{}", run.stderr);
    assert!(!Path::new(out).exists(), "no session directory");
}

#[test]
fn player_selector_on_a_midi_take_is_refused() {
    let take = "fixtures/smf/duo-type0-channels-10-11.mid";
    let spec = format!("{take}#player=Ana");
    for args in [
        vec!["take", "show", spec.as_str()],
        vec![
            "score",
            "--chart",
            CHART,
            "--player",
            &*format!("Ana={spec}"),
        ],
    ] {
        let run = pocket(&args).expect_code(1);
        assert!(
            run.stderr.contains(take)
                && run.stderr.contains("capture log")
                && run.stderr.contains("#channel="),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn custom_tier_edges_are_rounded_in_the_summary() {
    let run = pocket(&[
        "score",
        "--chart",
        CHART,
        "--player",
        LEE,
        "--window-ms",
        "60",
    ])
    .ok();
    assert!(
        run.stdout
            .contains("window ±60 ms; perfect ≤17.4, great ≤34.4, good ≤43.1"),
        "{}",
        run.stdout
    );
    let r = score(&["--window-ms", "60"]);
    assert!(
        r.settings.tiers_ms.perfect > 17.43 && r.settings.tiers_ms.perfect < 17.44,
        "the JSON keeps the exact edge: {}",
        r.settings.tiers_ms.perfect
    );
}

#[test]
fn chart_show_says_1_bar() {
    let run = pocket(&["chart", "show", ROCKBAND_SONG, "--difficulty", "easy"]).ok();
    assert!(run.stdout.contains("(1 bar, 1 note,"), "{}", run.stdout);
}

#[test]
fn live_same_report_command_keeps_the_kit_file_and_difficulty() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("s");
    let out = out.to_str().expect("utf-8 path");
    let kit = format!("Lee={KIT_FILE}");
    let run = pocket(&[
        "live",
        "--chart",
        ROCKBAND_SONG,
        "--replay",
        LEE,
        "--kit",
        &kit,
        "--difficulty",
        "hard",
        "--double-kick",
        "--speed",
        "64",
        "--quiet",
        "-o",
        out,
    ])
    .ok();
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("same report: "))
        .unwrap_or_else(|| panic!("no same-report command in:\n{}", run.stdout));
    assert!(line.contains(&format!("--kit '{kit}'")), "{line}");
    assert!(line.contains("--difficulty hard --double-kick"), "{line}");
    let hard = pocket(&[
        "chart",
        "show",
        ROCKBAND_SONG,
        "--difficulty",
        "hard",
        "--double-kick",
    ])
    .ok();
    let report: Report = Report::from_json(
        &std::fs::read_to_string(Path::new(out).join("report.json")).expect("report.json"),
    )
    .expect("a report");
    let notes = report.chart.expect("a chart").notes;
    assert!(
        hard.stdout.contains(&format!(" {notes} note")),
        "live read the chart at --difficulty hard ({notes} notes):\n{}",
        hard.stdout
    );
}

#[test]
fn difficulty_and_double_kick_reach_every_command_that_reads_a_chart() {
    for cmd in ["sync", "render", "calibrate", "live"] {
        let help = pocket(&[cmd, "--help"]).ok();
        assert!(
            help.stdout.contains("--difficulty") && help.stdout.contains("--double-kick"),
            "{cmd} --help:\n{}",
            help.stdout
        );
    }
    let notes = |difficulty: &str| {
        pocket(&[
            "sync",
            "--chart",
            ROCKBAND_SONG,
            "--difficulty",
            difficulty,
            "--player",
            LEE,
            "--player",
            SANAE,
            "-o",
            "-",
        ])
        .ok()
        .report()
        .chart
        .expect("a chart")
        .notes
    };
    assert_eq!(notes("easy"), 1, "sync reads the easy part");
    assert!(notes("expert") > 1);
}

#[test]
fn help_texts_say_what_is_accepted() {
    for cmd in [["score", "--help"], ["live", "--help"], ["sync", "--help"]] {
        let help = pocket(&cmd).ok().stdout;
        for format in [
            "Standard MIDI File",
            "Clone Hero .chart",
            "DTXMania .dtx",
            "onset list",
        ] {
            assert!(help.contains(format), "{cmd:?} names {format}:\n{help}");
        }
    }
    let help = pocket(&["kits", "show", "--help"]).ok().stdout;
    assert!(help.contains("kit map JSON file"), "{help}");
    let help = pocket(&["record", "--help"]).ok().stdout;
    assert!(help.contains("one or more kits"), "{help}");
    assert!(
        !help.contains("judgement"),
        "record makes no judgements:\n{help}"
    );
}

#[test]
fn record_shows_each_players_hits_as_they_arrive() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("jam");
    let out = out.to_str().expect("utf-8 path");
    let run = pocket(&[
        "record", "--replay", LEE, "--replay", SANAE, "--speed", "64", "-o", out,
    ])
    .ok();
    // Off a terminal: one line per hit, `NAME  LANE  hits N`, N counting that player's hits.
    for name in ["Lee", "Sanae"] {
        let counts: Vec<u64> = run
            .stdout
            .lines()
            .filter(|l| l.split_whitespace().next() == Some(name))
            .map(|l| {
                let n = l.rsplit_once("hits ").map(|(_, n)| n.trim());
                n.and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("{l:?} ends in `hits N`"))
            })
            .collect();
        assert!(
            counts.len() > 1000,
            "{name}: {} hit lines:\n{}",
            counts.len(),
            run.stdout
        );
        assert!(
            counts.iter().enumerate().all(|(i, &n)| n == i as u64 + 1),
            "{name}'s count goes up by one per hit"
        );
    }
    assert!(!run.stdout.contains("rate"), "no hit rate without a chart");
}

#[test]
fn monitor_shows_each_message_with_its_channel_and_lane_or_unmapped() {
    let run = pocket(&["monitor", "--replay", LEE, "--speed", "64"]).ok();
    let mut lines = run.stdout.lines();
    let head = lines.next().expect("a heading");
    assert!(head.contains("kit roland-td (channel 10)"), "{head}");
    let lines: Vec<&str> = lines.collect();
    // One line per Note On and control change of the take, in order.
    let cap =
        pocket::formats::capture_log::read_capture(crate_path("fixtures/demo/lee-roland-td.jsonl"))
            .expect("the demo capture");
    let expected: Vec<String> = cap
        .events_for_player(0)
        .iter()
        .filter_map(|e| match *e.message() {
            [s, n, v] if s & 0xF0 == 0x90 && v > 0 => Some(format!("note {n:>3}  vel {v:>3}  ")),
            [s, c, v] if s & 0xF0 == 0xB0 => Some(format!("cc  {c:>3}  val {v:>3}  ")),
            _ => None,
        })
        .collect();
    assert_eq!(lines.len(), expected.len(), "a line per message");
    for (line, want) in lines.iter().zip(&expected) {
        assert!(
            line.contains("  ch 10  ") && line.contains(want.as_str()),
            "{line:?}, want {want:?}"
        );
    }
    assert!(
        lines[0].ends_with("note  36  vel  84  kick"),
        "{}",
        lines[0]
    );
    assert!(
        !run.stdout.contains("unmapped"),
        "roland-td maps every note of a TD take"
    );
    // With a kit that lacks some of the take's notes, those (and only those) are unmapped.
    let nitro = pocket::kit::KitMap::builtin("alesis-nitro").expect("built in");
    let run = pocket(&[
        "monitor",
        "--replay",
        LEE,
        "--speed",
        "64",
        "--kit",
        "alesis-nitro",
    ])
    .ok();
    let unmapped: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.ends_with("unmapped"))
        .collect();
    assert!(!unmapped.is_empty());
    for line in unmapped {
        let note: u8 = line
            .split("note")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("a note number in {line:?}"));
        assert!(
            nitro.lookup(note).is_none(),
            "note {note} is mapped by alesis-nitro"
        );
    }
}

#[test]
fn a_live_capture_remembers_its_kit_file_for_rescoring() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("s");
    let out = out.to_str().expect("utf-8 path");
    let kit = format!("Lee={KIT_FILE}");
    pocket(&[
        "live", "--chart", CHART, "--replay", LEE, "--kit", &kit, "--speed", "64", "--quiet", "-o",
        out,
    ])
    .ok();
    let capture = Path::new(out).join("capture.jsonl");
    let header = std::fs::read_to_string(&capture).expect("capture log");
    let first = header.lines().next().expect("a header line");
    assert!(
        first.contains(&format!("\"kit_file\":\"{KIT_FILE}\"")),
        "{first}"
    );
    // Re-scored without --kit, the capture's own kit file is used: the same report.
    let spec = format!("Lee={}#player=Lee", capture.display());
    let rescored = pocket(&["score", "--chart", CHART, "--player", &spec, "-o", "-"]).ok();
    let live: Report = Report::from_json(
        &std::fs::read_to_string(Path::new(out).join("report.json")).expect("report.json"),
    )
    .expect("a report");
    let offline = Report::from_json(&rescored.stdout).expect("a report");
    assert_eq!(live.players, offline.players);
}

// ---------------------------------------------------------------------------------------------
// What a new user reads: hints and the commands they name

#[test]
fn sync_of_instruments_sharing_no_lane_hints_at_lanes_all() {
    let dir = tempfile::tempdir().expect("temp dir");
    let drums = dir.path().join("drums.txt");
    let keys = dir.path().join("keys.txt");
    std::fs::write(&drums, "0.5 kick\n1.0 kick\n1.5 kick\n").expect("write");
    std::fs::write(&keys, "0.51 snare\n1.01 snare\n1.49 snare\n").expect("write");
    let a = format!("Lee={}", drums.display());
    let b = format!("Kim={}", keys.display());
    let run = pocket(&["sync", "--player", &a, "--player", &b]).ok();
    assert!(run.stdout.contains("no paired onsets"), "{}", run.stdout);
    assert!(
        run.stderr.contains("Lee: kick; Kim: snare") && run.stderr.contains("--lanes all"),
        "the hint names each player's lanes and the flag:\n{}",
        run.stderr
    );
    let run = pocket(&["sync", "--player", &a, "--player", &b, "--lanes", "all"]).ok();
    assert!(!run.stderr.contains("--lanes all"), "{}", run.stderr);
    assert!(!run.stdout.contains("no paired onsets"), "{}", run.stdout);
}

#[test]
fn the_rebuild_hint_is_the_readme_command() {
    const INSTALL: &str = "cargo install --path . --features midi-io";
    let readme = std::fs::read_to_string(crate_path("README.md")).expect("README");
    assert!(readme.contains(INSTALL), "the README shows {INSTALL:?}");
    let message = pocket::live::LiveError::NotBuilt.to_string();
    assert!(message.contains(INSTALL), "{message}");
    if !cfg!(any(feature = "midi-io", feature = "jack")) {
        let run = pocket(&["devices"]).expect_code(1);
        assert!(run.stderr.contains(INSTALL), "{}", run.stderr);
        assert!(!run.stderr.contains("install pocket"), "{}", run.stderr);
    }
}

#[test]
fn replay_errors_name_the_replay_flag() {
    let run = pocket(&["live", "--chart", CHART, "--replay", LEE, "--replay", LEE]).expect_code(2);
    assert!(
        run.stderr.contains("--replay \"Lee\" is given twice"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("--player"), "{}", run.stderr);
    let run = pocket(&["record", "--player", "Lee=TD-17", "--replay", LEE]).expect_code(2);
    assert!(
        run.stderr
            .contains("\"Lee\" names two players (--player and --replay)"),
        "{}",
        run.stderr
    );
    let run =
        pocket(&["calibrate", "--replay", "fixtures/demo/lee-roland-td.jsonl"]).expect_code(2);
    assert!(
        run.stderr
            .contains("--replay \"fixtures/demo/lee-roland-td.jsonl\": expected NAME=TAKE"),
        "{}",
        run.stderr
    );
}

#[test]
fn numbers_out_of_range_are_refused_with_the_range() {
    usage_error(&["--offset-ms", "Lee=1e9"], "from -1000 to 1000 ms");
    usage_error(&["--offset-ms", "Lee=3,-1500"], "from -1000 to 1000 ms");
    usage_error(&["--bootstrap", "100000000"], "from 0 (off) to 10000");
    usage_error(&["--window-ms", "-5"], "greater than 0 ms");
    usage_error(&["--window-ms=-5"], "greater than 0 ms");
    live_usage_error(
        &["--duration", "-5"],
        &["--duration must be a positive number"],
    );
    live_usage_error(&["--speed", "-2"], &["--speed must be a positive number"]);
    let run = pocket(&[
        "sync",
        "--player",
        LEE,
        "--player",
        SANAE,
        "--window-ms",
        "-5",
    ])
    .expect_code(2);
    assert!(run.stderr.contains("greater than 0 ms"), "{}", run.stderr);
    // The edges of the range are accepted.
    let r = score(&["--offset-ms", "Lee=-1000", "--bootstrap", "0"]);
    assert_eq!(r.settings.players[0].offset_hands_ms, -1000.0);
}

#[test]
fn readme_says_how_to_get_the_pocket_it_calls() {
    let readme = std::fs::read_to_string(crate_path("README.md")).expect("README");
    let using = readme
        .split("## Using it")
        .nth(1)
        .expect("README has a Using it section");
    let before_first_call = &using[..using.find("pocket score").expect("calls pocket score")];
    for needle in ["cargo install --path .", "cargo run --release --"] {
        assert!(
            before_first_call.contains(needle),
            "\"Using it\" says {needle:?} before it calls `pocket`"
        );
    }
}

#[test]
fn an_oversized_report_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("big-report.json");
    // A sparse file one byte over the limit: nothing is written to disk.
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(pocket::formats::MAX_REPORT_BYTES + 1))
        .expect("sparse file");
    let out = dir.path().join("page.html");
    let run =
        pocket(&["report", big.to_str().unwrap(), "-o", out.to_str().unwrap()]).expect_code(1);
    assert!(
        run.stderr.contains("big-report.json") && run.stderr.contains("limit"),
        "{}",
        run.stderr
    );
    assert!(!out.exists(), "no page is written");
}

// ---------------------------------------------------------------------------------------------
// The span played: sessions stopped early, --from and --until, capture logs cut off

/// The demo chart's notes due in [from, until] seconds.
fn demo_notes_between(from: f64, until: f64) -> usize {
    let chart = pocket::formats::load_chart(
        &crate_path(CHART),
        pocket::formats::ChartLoadOptions::default(),
    )
    .expect("the demo chart");
    chart
        .notes
        .iter()
        .filter(|n| (from..=until).contains(&n.time.as_secs_f64()))
        .count()
}

#[test]
fn score_until_and_from_score_only_the_notes_of_that_span() {
    let whole = pocket(&["score", "--chart", CHART, "--player", LEE, "-o", "-"])
        .ok()
        .report();
    assert_eq!(whole.settings.played_until_s, None);
    assert!(
        !pocket(&["score", "--chart", CHART, "--player", LEE, "-o", "-"])
            .ok()
            .stdout
            .contains("played_until_s")
    );

    let run = pocket(&[
        "score", "--chart", CHART, "--player", LEE, "--until", "20", "-o", "-",
    ])
    .ok();
    let r = run.report();
    assert_eq!(r.settings.played_until_s, Some(20.0));
    let lee = player(&r, "Lee");
    assert_eq!(lee.notes, demo_notes_between(0.0, 20.0));
    assert!(
        lee.misses * 10 <= lee.notes,
        "the notes after 20 s are not misses: {} of {}",
        lee.misses,
        lee.notes
    );

    let r = pocket(&[
        "score", "--chart", CHART, "--player", LEE, "--from", "10", "--until", "20", "-o", "-",
    ])
    .ok()
    .report();
    assert_eq!(r.settings.played_from_s, Some(10.0));
    assert_eq!(player(&r, "Lee").notes, demo_notes_between(10.0, 20.0));

    let summary = pocket(&["score", "--chart", CHART, "--player", LEE, "--until", "20"]).ok();
    assert!(
        summary
            .stdout
            .contains("Played until 20.0 s: only the notes due by then are scored"),
        "{}",
        summary.stdout
    );
}

#[test]
fn score_refuses_a_span_that_holds_nothing() {
    usage_error(
        &["--from", "30", "--until", "20"],
        "--from 30 is not before --until 20",
    );
    usage_error(
        &["--until", "-4"],
        "give seconds from the chart's start, 0 or more",
    );
    usage_error(&["--from", "soon"], "--from \"soon\"");
}

#[test]
fn a_capture_log_cut_off_is_scored_up_to_its_last_record_with_a_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    let full = std::fs::read_to_string(crate_path("fixtures/demo/lee-roland-td.jsonl"))
        .expect("the demo capture");
    // The first 600 lines: no end line, and a last line cut off mid-record.
    let kept: Vec<&str> = full.lines().take(600).collect();
    let last_t: i64 = {
        let v: serde_json::Value = serde_json::from_str(kept[599]).expect("a JSON line");
        v["t"].as_i64().expect("a time")
    };
    for (name, text) in [
        ("no-end.jsonl", format!("{}\n", kept.join("\n"))),
        ("cut.jsonl", format!("{}\n{{\"t\":99", kept.join("\n"))),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write the cut capture");
        let spec = format!("Lee={}", path.display());
        let run = pocket(&["score", "--chart", CHART, "--player", &spec, "-o", "-"]).ok();
        let r = run.report();
        let expect = if name == "cut.jsonl" {
            "the last line was cut off"
        } else {
            "there is no end line"
        };
        assert!(
            run.stderr.contains("warning: ") && run.stderr.contains(expect),
            "{}",
            run.stderr
        );
        assert!(
            r.warnings.iter().any(|w| w.contains(expect)
                && w.contains("a chart is scored only up to the last record")),
            "{:?}",
            r.warnings
        );
        let until = r
            .settings
            .played_until_s
            .expect("scored over the span recorded");
        assert!(
            (until - last_t as f64 / 1e9).abs() < 1e-6,
            "{until} s, last record at {last_t} ns"
        );
        let lee = player(&r, "Lee");
        assert_eq!(lee.notes, demo_notes_between(0.0, until));
        assert!(
            lee.misses * 10 <= lee.notes,
            "{} of {}",
            lee.misses,
            lee.notes
        );
    }
}

#[test]
fn live_backing_audio_that_cannot_play_is_named_and_leaves_no_session_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("session");
    let out = out.to_str().expect("utf-8 path");
    let missing = dir.path().join("missing.ogg");
    let missing = missing.to_str().expect("utf-8 path");
    let ogg = "fixtures/audio/sine440-click250ms-44100Hz-mono.ogg";
    let mut cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec!["--backing"],
            vec!["no audio to play", "not a song folder"],
        ),
        (
            vec!["--backing", missing],
            vec!["missing.ogg", "cannot read the audio file"],
        ),
    ];
    if !cfg!(feature = "midi-io") {
        cases.push((
            vec!["--backing", ogg],
            vec!["without audio output", "midi-io"],
        ));
    }
    for (extra, needles) in cases {
        let mut args = vec!["live", "--chart", CHART, "--replay", LEE, "-o", out];
        args.extend_from_slice(&extra);
        let run = pocket(&args).expect_code(1);
        for n in needles {
            assert!(run.stderr.contains(n), "{n:?} in: {}", run.stderr);
        }
        assert!(
            !Path::new(out).exists(),
            "`pocket {}` made the session folder",
            run.args
        );
    }
    let run = pocket(&["record", "--replay", LEE, "-o", out, "--backing"]).expect_code(2);
    assert!(run.stderr.contains("--backing FILE"), "{}", run.stderr);
}

#[test]
fn demo_play_without_audio_output_says_how_to_get_it() {
    if cfg!(feature = "midi-io") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8 path");
    let run = pocket(&["demo", "-o", out, "--play"]).expect_code(1);
    assert!(
        run.stderr.contains("without audio output")
            && run
                .stderr
                .contains("cargo install --path . --features midi-io"),
        "{}",
        run.stderr
    );
    assert!(
        dir.path().join("demo-report.json").exists(),
        "the demo still scores"
    );
}

#[test]
fn summary_only_leaves_out_bars_and_detail_and_says_so() {
    let mut full = score(&[]);
    assert!(full.players.iter().all(|p| !p.bars.is_empty()));
    assert!(!full.sync.as_ref().expect("two players").bars.is_empty());
    assert!(full.settings.left_out.is_empty());
    let short = score(&["--summary-only"]);
    assert_eq!(
        short.settings.left_out,
        pocket::report::LEFT_OUT_SUMMARY_ONLY.map(str::to_string)
    );
    assert!(short
        .players
        .iter()
        .all(|p| p.bars.is_empty() && p.detail.is_none()));
    assert!(short.sync.as_ref().expect("two players").bars.is_empty());
    // Everything else is the full report's.
    full.leave_out_bars_and_detail();
    assert_eq!(short, full);
    let refused = pocket(&[
        "score",
        "--chart",
        CHART,
        "--player",
        LEE,
        "--summary-only",
        "--detail",
        "-o",
        "-",
    ]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
}

/// Every file under `dir` (one level), by name.
fn files_in(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("the folder")
        .map(|e| {
            let path = e.expect("an entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("a file"))
        })
        .collect()
}

#[test]
fn a_parallel_batch_writes_what_one_thread_writes() {
    // 2 × 33 takes (more than one parallel chunk of 64) and one that fails.
    let dir = tempfile::tempdir().expect("temp dir");
    let takes = dir.path().join("takes");
    std::fs::create_dir(&takes).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for k in 0..33 {
        for (who, file) in [
            ("lee", "lee-roland-td.jsonl"),
            ("sanae", "sanae-alesis-nitro.jsonl"),
        ] {
            std::fs::copy(
                root.join("fixtures/demo").join(file),
                takes.join(format!("{who}-{k:02}.jsonl")),
            )
            .unwrap();
        }
    }
    std::fs::write(takes.join("m-broken.txt"), "0.5\nnot-a-time\n").unwrap();
    let chart = root.join(CHART);
    let run = |threads: &str, extra: &[&str]| {
        let out = dir.path().join("out");
        let _ = std::fs::remove_dir_all(&out);
        let history = dir.path().join(format!("history-{threads}.sqlite"));
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_pocket"))
            .args(["score", "--chart"])
            .arg(&chart)
            .args(["--takes", "takes", "-o", "out"])
            .args(extra)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env("POCKET_CONFIG_DIR", empty_config_dir())
            .env(HISTORY_VAR, &history)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .expect("pocket runs");
        assert_eq!(output.status.code(), Some(1), "one take fails");
        (output.stdout, output.stderr, files_in(&out))
    };
    for extra in [&[][..], &["--summary-only"][..]] {
        let one = run("1", extra);
        let four = run("4", extra);
        assert_eq!(one.2.len(), 67, "66 reports and summary.csv");
        assert!(one.0 == four.0, "stdout differs");
        assert!(one.1 == four.1, "stderr differs");
        for (name, bytes) in &one.2 {
            assert!(four.2.get(name) == Some(bytes), "{name} differs");
        }
    }
}
