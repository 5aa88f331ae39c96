//! Reports people look at, through the `pocket` binary: the HTML page (`demo`, `report`,
//! `--html`), batch scoring, the page rendered in a real browser, and the practice history's
//! progress page (`pocket history --html`) rendered there too.
//!
//! The browser test runs Debian's headless Chromium (`apt-get install -y chromium`). Without it
//! the test is skipped with a message, unless `POCKET_REQUIRE_CHROMIUM=1`, which makes a missing
//! browser a failure (CI sets it). `POCKET_CHROMIUM` names another browser binary.

use pocket::report::Report;
use std::path::{Path, PathBuf};
use std::process::Command;

const CHART: &str = "charts/disco-pop-114.json";
const LEE: &str = "Lee=fixtures/demo/lee-roland-td.jsonl";
const SANAE: &str = "Sanae=fixtures/demo/sanae-alesis-nitro.jsonl";

/// Runs the binary in the crate directory: (exit code, stdout, stderr).
fn pocket(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pocket"))
        .args(args)
        .env(
            pocket::testdata::HISTORY_VAR,
            pocket::testdata::test_history(),
        )
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run pocket");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = pocket(args);
    assert_eq!(code, 0, "`pocket {}` failed:\n{stderr}", args.join(" "));
    stdout
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// The `<svg id="{id}" ...>...</svg>` element of a page.
fn svg<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<svg id=\"{id}\""))
        .unwrap_or_else(|| panic!("the page has no plot #{id}"));
    let len = page[start..].find("</svg>").expect("svg closed");
    &page[start..start + len]
}

/// `pocket demo` into a fresh folder: (folder guard, JSON path, HTML path).
fn demo() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let stdout = ok(&["demo", "-o", s(dir.path())]);
    let json = dir.path().join("demo-report.json");
    let html = dir.path().join("demo-report.html");
    assert!(
        stdout.contains(&format!("HTML report written to {}", html.display())),
        "{stdout}"
    );
    (dir, json, html)
}

// ---------------------------------------------------------------------------------------------
// The page

#[test]
fn demo_writes_a_page_with_a_point_per_matched_note_beside_its_json() {
    let (_dir, json, html) = demo();
    let report =
        Report::from_json(&std::fs::read_to_string(&json).expect("json")).expect("decodes");
    assert!(
        report.settings.detail && report.players.iter().all(|p| p.detail.is_some()),
        "demo-report.json carries the detail its page was made from"
    );
    let page = std::fs::read_to_string(&html).expect("html written");
    for (i, p) in report.players.iter().enumerate() {
        let plot = svg(&page, &format!("offsets-{i}"));
        assert_eq!(
            plot.matches("<circle").count(),
            p.matched,
            "{}: one point per matched note",
            p.name
        );
        assert!(plot.contains("class=\"axis-title\""), "axes labelled");
    }
    for id in ["lanes", "sync", "tempo", "histogram-0", "histogram-1"] {
        svg(&page, id);
    }
    assert!(!page.contains("NaN") && !page.contains("inf"));
    assert!(!page.contains("<script"), "no scripts");
}

#[test]
fn report_turns_a_detailed_json_report_into_the_same_page_as_html() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("r.json");
    let direct = dir.path().join("direct.html");
    let later = dir.path().join("later.html");
    let stdout = ok(&[
        "score",
        "--chart",
        CHART,
        "--player",
        LEE,
        "--player",
        SANAE,
        "-o",
        s(&json),
        "--html",
        s(&direct),
    ]);
    assert!(stdout.contains("HTML report written to"), "{stdout}");
    let report =
        Report::from_json(&std::fs::read_to_string(&json).expect("json")).expect("decodes");
    assert!(report.settings.detail, "--html turns detail on");
    ok(&["report", s(&json), "-o", s(&later)]);
    assert_eq!(
        std::fs::read_to_string(&direct).expect("direct page"),
        std::fs::read_to_string(&later).expect("later page"),
        "the page is made from the JSON report alone"
    );
    let to_stdout = ok(&["report", s(&json), "-o", "-"]);
    assert!(to_stdout.starts_with("<!DOCTYPE html>") && to_stdout.ends_with("</html>\n"));
}

#[test]
fn report_of_the_demo_json_is_the_demo_page() {
    let (dir, json, html) = demo();
    let first = std::fs::read_to_string(&html).expect("demo page");
    std::fs::remove_file(&html).expect("remove the page");
    // No -o: the page goes beside the report, named after it.
    let stdout = ok(&["report", s(&json)]);
    assert!(
        stdout.contains(&format!("HTML report written to {}", html.display())),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(&html).expect("page remade"),
        first,
        "`pocket report demo-report.json` makes the demo's page"
    );
    drop(dir);
}

#[test]
fn report_refuses_a_report_without_detail_and_says_how_to_fix_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("plain-report.json");
    ok(&["score", "--chart", CHART, "--player", LEE, "-o", s(&json)]);
    let out = dir.path().join("no.html");
    let (code, _, stderr) = pocket(&["report", s(&json), "-o", s(&out)]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("no per-note detail") && stderr.contains("--detail"),
        "{stderr}"
    );
    assert!(
        stderr.contains("plain-report.json"),
        "names the file: {stderr}"
    );
    assert!(!out.exists(), "no page written");

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{\"not\": \"a report\"}").expect("write");
    let (code, _, stderr) = pocket(&["report", s(&garbage), "-o", s(&out)]);
    assert_eq!(code, 1);
    assert!(stderr.contains("not a pocket JSON report"), "{stderr}");
}

#[test]
fn sync_html_works_with_and_without_a_chart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let free = dir.path().join("free.html");
    ok(&[
        "sync",
        "--player",
        LEE,
        "--player",
        SANAE,
        "--html",
        s(&free),
    ]);
    let page = std::fs::read_to_string(&free).expect("page");
    assert!(page.contains("Free play (no chart)") && page.contains("id=\"sync\""));
    // Without a chart the x axis is time, with even m:ss ticks, not window numbers.
    let sync = svg(&page, "sync");
    assert!(sync.contains(">time (m:ss)<"), "{sync}");
    assert!(!sync.contains(">window<"), "{sync}");
    // No plot of the page counts windows (without a chart there is no tempo per window to
    // plot, so the tempo plot is left out).
    assert!(!page.contains(">window<"), "an axis labelled window");
    assert!(sync.contains(">0:30<") || sync.contains(">1:00<"), "{sync}");
    let charted = dir.path().join("chart.html");
    ok(&[
        "sync",
        "--chart",
        CHART,
        "--player",
        LEE,
        "--player",
        SANAE,
        "--html",
        s(&charted),
    ]);
    let page = std::fs::read_to_string(&charted).expect("page");
    assert!(page.contains("id=\"offsets-1\"") && page.contains("class=\"verdict\""));
}

#[test]
fn html_to_stdout_is_a_usage_error_on_score() {
    let (code, _, stderr) = pocket(&["score", "--chart", CHART, "--player", LEE, "--html", "-"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--html needs a file name"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Batch scoring

#[test]
fn score_takes_scores_every_take_in_a_folder_as_its_own_player() {
    let dir = tempfile::tempdir().expect("temp dir");
    let takes = dir.path().join("takes");
    std::fs::create_dir(&takes).expect("mkdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for f in ["lee-roland-td.jsonl", "sanae-alesis-nitro.jsonl"] {
        std::fs::copy(root.join("fixtures/demo").join(f), takes.join(f)).expect("copy");
    }
    std::fs::write(takes.join("notes.md"), "not a take").expect("write");
    let out = dir.path().join("out");
    let stdout = ok(&[
        "score",
        "--chart",
        CHART,
        "--takes",
        s(&takes),
        "-o",
        s(&out),
    ]);
    assert!(
        stdout.contains("lee-roland-td") && stdout.contains("sanae-alesis-nitro"),
        "{stdout}"
    );
    for stem in ["lee-roland-td", "sanae-alesis-nitro"] {
        let r = Report::from_json(
            &std::fs::read_to_string(out.join(format!("{stem}.json"))).expect("a report per take"),
        )
        .expect("decodes");
        assert_eq!(r.players.len(), 1);
        assert_eq!(r.players[0].name, stem, "player named by the file stem");
    }
    let csv = std::fs::read_to_string(out.join("summary.csv")).expect("summary.csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "header and one row per take:\n{csv}");
    assert!(lines[0].starts_with("take,notes,matched"));
    assert!(lines[1].starts_with("lee-roland-td,1194,"), "{csv}");

    std::fs::write(takes.join("broken.mid"), "garbage").expect("write");
    let (code, _, stderr) = pocket(&[
        "score",
        "--chart",
        CHART,
        "--takes",
        s(&takes),
        "-o",
        s(&out),
    ]);
    assert_eq!(code, 1, "a take that cannot be read fails the run");
    assert!(
        stderr.contains("broken.mid") && stderr.contains("1 of 3 takes"),
        "{stderr}"
    );
    let csv = std::fs::read_to_string(out.join("summary.csv")).expect("summary.csv");
    assert_eq!(
        csv.lines().count(),
        3,
        "the readable takes are still scored"
    );
}

#[test]
fn score_takes_needs_an_output_folder() {
    let (code, _, stderr) = pocket(&["score", "--chart", CHART, "--takes", "fixtures/demo"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("-o OUTDIR"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// In a browser

/// Runs headless Chromium on a page with extra arguments: (stdout, stderr).
fn run_chromium(browser: &Path, extra: &[&str], page: &Path) -> (Vec<u8>, String) {
    let profile = tempfile::tempdir().expect("profile dir");
    let out = Command::new(browser)
        .args(pocket::testdata::CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() > 24, "PNG too short: {} bytes", bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR", "PNG without IHDR first");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// Screenshots a page at 1280×2400 and fails on console messages; returns the PNG.
fn screenshot(browser: &Path, page: &Path, png: &Path) -> Vec<u8> {
    let shot = format!("--screenshot={}", png.display());
    let (_, log) = run_chromium(browser, &[&shot, "--window-size=1280,2400"], page);
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(
        console.is_empty(),
        "console messages on {}:\n{}",
        page.display(),
        console.join("\n")
    );
    std::fs::read(png).expect("screenshot written")
}

/// Screenshots a page at 1280×2400 (in `dir`) and checks that it is not blank: a blank page of
/// the same size compresses to almost nothing; a page with text and coloured plots cannot. This
/// tells an empty or single-colour render apart without decoding pixels. Returns the PNG.
fn screenshot_not_blank(browser: &Path, page: &Path, dir: &Path) -> Vec<u8> {
    let png = screenshot(browser, page, &dir.join("page.png"));
    assert_eq!(png_size(&png), (1280, 2400));
    let blank = dir.join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><html><body></body></html>").expect("write");
    let empty = screenshot(browser, &blank, &dir.join("blank.png"));
    assert_eq!(png_size(&empty), (1280, 2400));
    assert!(
        png.len() > 8 * empty.len(),
        "the screenshot of {} ({} bytes) is hardly bigger than a blank page's ({} bytes)",
        page.display(),
        png.len(),
        empty.len()
    );
    png
}

#[test]
fn the_demo_page_renders_in_chromium_without_errors() {
    let Some(browser) = pocket::testdata::chromium() else {
        return;
    };
    let (dir, _, html) = demo();

    let (dom, _) = run_chromium(&browser, &["--dump-dom"], &html);
    let dom = String::from_utf8_lossy(&dom);
    assert!(
        dom.contains("<h1>Mirrorball Monday</h1>"),
        "the DOM holds the page"
    );
    assert!(
        dom.matches("<circle").count() > 2000,
        "the DOM holds the plots"
    );

    let png = screenshot_not_blank(&browser, &html, dir.path());

    if let Some(keep) = std::env::var_os("POCKET_SCREENSHOT") {
        std::fs::write(keep, &png).expect("keep screenshot");
    }
}

#[test]
fn the_progress_page_renders_in_chromium_without_errors() {
    // A history of three takes of the pair on three days (a wider window each day, so the
    // lines move), built from reports dated by their files, as `pocket history import` reads
    // them.
    let dir = tempfile::tempdir().expect("temp dir");
    let reports = dir.path().join("reports");
    std::fs::create_dir_all(&reports).expect("mkdir");
    let day = std::time::Duration::from_secs(86_400);
    let first = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_796_256_000);
    for (k, window) in ["25", "40", "117"].into_iter().enumerate() {
        let report = reports.join(format!("take-{k}.json"));
        let args = [
            "score",
            "--chart",
            CHART,
            "--player",
            LEE,
            "--player",
            SANAE,
            "--window-ms",
            window,
            "--bootstrap",
            "0",
            "--no-history",
            "-o",
            s(&report),
        ];
        ok(&args);
        let file = std::fs::File::options()
            .write(true)
            .open(&report)
            .expect("open");
        file.set_modified(first + day * [0, 1, 3][k])
            .expect("date the report");
    }
    let db = dir.path().join("history.sqlite");
    ok(&["history", "--history", s(&db), "import", s(&reports)]);
    let page = dir.path().join("progress.html");
    ok(&["history", "--history", s(&db), "--html", s(&page)]);
    let html = std::fs::read_to_string(&page).expect("page written");
    assert!(
        !html.contains("<script") && !html.contains("src=") && !html.contains("href="),
        "self-contained: no scripts, nothing fetched"
    );

    let Some(browser) = pocket::testdata::chromium() else {
        return;
    };
    let (dom, _) = run_chromium(&browser, &["--dump-dom"], &page);
    let dom = String::from_utf8_lossy(&dom);
    assert!(
        dom.contains("<h1>Practice progress</h1>"),
        "the DOM holds the page"
    );
    for id in [
        "minutes",
        "song0-accuracy",
        "song0-offset",
        "song0-lanes0",
        "song0-lanes1",
        "pair0",
    ] {
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "plot {id} in the DOM"
        );
    }
    // One point per take and player in the accuracy plot: 3 takes × 2 players.
    let accuracy = dom
        .split("id=\"song0-accuracy\"")
        .nth(1)
        .and_then(|rest| rest.split("</svg>").next())
        .expect("the accuracy plot");
    assert_eq!(accuracy.matches("<circle").count(), 6);
    assert!(
        dom.contains("2 days (2026-12-03 – 2026-12-04)"),
        "the longest streak"
    );

    let png = screenshot_not_blank(&browser, &page, dir.path());
    if let Some(keep) = std::env::var_os("POCKET_PROGRESS_SCREENSHOT") {
        std::fs::write(keep, &png).expect("keep screenshot");
    }
}
