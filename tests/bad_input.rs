//! Hostile and broken input: every case of docs/bad-input.md, with the exact message pocket
//! gives, and a replay of every file in fixtures/bad/ and in the fuzz corpora (the seeds kept
//! in fuzz/corpus/, plus whatever a local fuzzer run added) through every reader: each must
//! return `Ok` or a clean `Err`, never panic.
//!
//! When a message changes on purpose, update docs/bad-input.md with it: the test prints the
//! message it got next to the one it expected.

use assert_cmd::Command;
use pocket::formats::{self, onsets, smf};
use pocket::kit::KitMap;
use pocket::score::{score_player, PlayerInput, ScoreOptions};
use pocket::testdata::{check_golden, test_history, HISTORY_VAR};
use pocket::{InputError, Nanos};
use std::fs::File;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// Helpers

/// A path inside the crate.
fn crate_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Checks that the generated fixture `rel` (inside the crate) holds exactly `bytes`
/// (`POCKET_BLESS=1` writes it); returns the relative path, so that messages name it as a user
/// would type it.
fn fixture(rel: &str, bytes: &[u8]) -> PathBuf {
    check_golden(rel, bytes);
    PathBuf::from(rel)
}

/// Runs a test from the crate root so that relative paths in messages read as in the docs.
fn in_crate() {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).expect("cd to the crate");
}

/// The message of an error, with `tmp` (a temporary folder) shown as `$TMP`.
fn message<T: std::fmt::Debug>(r: Result<T, InputError>, tmp: Option<&Path>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got Ok({v:?})"),
        Err(e) => {
            let text = e.to_string();
            match tmp {
                Some(t) => text.replace(&t.display().to_string(), "$TMP"),
                None => text,
            }
        }
    }
}

/// Asserts the exact message, printing both so the catalogue can be updated.
#[track_caller]
fn expect_message(got: String, want: &str) {
    assert_eq!(got, want, "\n got: {got}\nwant: {want}");
}

fn chart_err(rel: &str) -> String {
    in_crate();
    message(
        formats::load_chart(Path::new(rel), smf::SmfChartOptions::default()),
        None,
    )
}

fn take_err(spec: &str) -> String {
    in_crate();
    message(
        formats::load_take(spec, None).map(|t| t.take.hits.len()),
        None,
    )
}

// Small SMF builders.

fn be32(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}

fn header(format: u16, tracks: u16, division: u16) -> Vec<u8> {
    let mut v = b"MThd".to_vec();
    v.extend(be32(6));
    v.extend(format.to_be_bytes());
    v.extend(tracks.to_be_bytes());
    v.extend(division.to_be_bytes());
    v
}

fn track(body: &[u8]) -> Vec<u8> {
    let mut v = b"MTrk".to_vec();
    v.extend(be32(body.len() as u32));
    v.extend_from_slice(body);
    v
}

/// One drum track: a snare note at tick 0, the end of track.
fn snare_track() -> Vec<u8> {
    track(&[
        0x00, 0x99, 38, 100, 0x60, 0x89, 38, 0, 0x00, 0xFF, 0x2F, 0x00,
    ])
}

fn smf(format: u16, division: u16, tracks: &[Vec<u8>]) -> Vec<u8> {
    let mut v = header(format, tracks.len() as u16, division);
    for t in tracks {
        v.extend_from_slice(t);
    }
    v
}

/// A sparse file of `size` bytes (no disk blocks written), starting with `head`.
fn sparse(dir: &Path, name: &str, head: &[u8], size: u64) -> PathBuf {
    use std::io::Write;
    let path = dir.join(name);
    let mut f = File::create(&path).expect("create sparse file");
    f.write_all(head).expect("write head");
    f.set_len(size).expect("set_len");
    path
}

// ---------------------------------------------------------------------------------------------
// Standard MIDI Files

#[test]
fn smf_truncated_header() {
    expect_message(
        chart_err("fixtures/bad/smf-truncated-header.mid"),
        "fixtures/bad/smf-truncated-header.mid: byte 11: the file is truncated: the MThd header needs 14 bytes but the file holds 11; the file was cut short",
    );
}

#[test]
fn smf_truncated_track_event() {
    expect_message(
        chart_err("fixtures/bad/smf-truncated-track-event.mid"),
        "fixtures/bad/smf-truncated-track-event.mid: track 0, byte 30: the file is truncated: the track chunk ends inside a channel message (status 0x99); the track was cut short",
    );
}

#[test]
fn smf_chunk_length_past_end() {
    expect_message(chart_err("fixtures/bad/smf-chunk-length-past-eof.mid"), "fixtures/bad/smf-chunk-length-past-eof.mid: track 1, byte 34: the file is truncated: chunk \"MTrk\" declares 12 bytes but only 9 remain; the file was cut short or its chunk length is damaged");
}

#[test]
fn smf_track_chunk_cut_inside_its_header() {
    let mut bytes = smf(0, 96, &[]);
    bytes[11] = 1; // claims one track
    bytes.extend_from_slice(b"MTr");
    let p = fixture("fixtures/bad/smf-track-header-cut-short.mid", &bytes);
    expect_message(chart_err(p.to_str().expect("utf-8 path")), "fixtures/bad/smf-track-header-cut-short.mid: byte 14: the file is truncated: 3 stray bytes after the last chunk, too few for a chunk header (8 bytes); the file was cut short");
}

#[test]
fn smf_zero_division() {
    expect_message(chart_err("fixtures/bad/smf-zero-division.mid"), "fixtures/bad/smf-zero-division.mid: byte 12: time division is 0 ticks per quarter note, which cannot be timed; the header is damaged (typical values are 96 to 960)");
}

#[test]
fn smf_smpte_division_refused_for_a_chart() {
    expect_message(chart_err("fixtures/bad/smf-smpte-chart.mid"), "fixtures/bad/smf-smpte-chart.mid: byte 12: the file uses SMPTE time division (frames per second), which has no beat grid; a chart needs ticks per quarter note (a take may use SMPTE)");
}

#[test]
fn smf_smpte_division_accepted_for_a_take() {
    in_crate();
    let t = formats::load_take("fixtures/smf/smpte-25fps-40tpf-take.mid", None)
        .expect("SMPTE takes are read: their times do not depend on tempo");
    assert!(!t.take.hits.is_empty());
}

#[test]
fn smf_tempo_zero() {
    expect_message(chart_err("fixtures/bad/smf-tempo-zero.mid"), "fixtures/bad/smf-tempo-zero.mid: track 0, byte 30: tempo 0 at tick 6: a tempo must be between 1 and 1000 BPM");
}

#[test]
fn smf_absurd_tempo() {
    expect_message(chart_err("fixtures/bad/smf-absurd-tempo-60000bpm.mid"), "fixtures/bad/smf-absurd-tempo-60000bpm.mid: track 0, byte 22: absurd tempo 60000.000 BPM at tick 0: pocket accepts 1 to 1000 BPM");
}

#[test]
fn smf_huge_delta_time() {
    expect_message(chart_err("fixtures/bad/smf-huge-delta-time.mid"), "fixtures/bad/smf-huge-delta-time.mid: track 0, byte 30: event at tick 268435456 falls at 1398101 s, beyond the 1000000 s limit; the delta times are damaged");
}

#[test]
fn smf_header_claims_65535_tracks() {
    expect_message(chart_err("fixtures/bad/smf-header-claims-65535-tracks.mid"), "fixtures/bad/smf-header-claims-65535-tracks.mid: byte 10: the file is truncated: the header declares 65535 tracks but the file holds 1 track chunks; the file was cut short or its header is damaged");
}

#[test]
fn smf_not_midi() {
    expect_message(chart_err("fixtures/bad/smf-not-midi.mid"), "fixtures/bad/smf-not-midi.mid: not a Standard MIDI File: it does not start with \"MThd\"; check that this is a .mid file");
}

#[test]
fn smf_chart_without_drum_channel_notes() {
    expect_message(chart_err("fixtures/bad/smf-no-drum-channel-notes.mid"), "fixtures/bad/smf-no-drum-channel-notes.mid: no drum notes on channel 10: notes are on channel 1 (1 notes), channel 3 (2 notes); choose the drum channel (or all channels)");
}

#[test]
fn smf_empty_file() {
    let p = fixture("fixtures/bad/smf-empty-file.mid", b"");
    expect_message(
        chart_err(p.to_str().expect("utf-8 path")),
        "fixtures/bad/smf-empty-file.mid: the file is empty; expected a Standard MIDI File",
    );
}

#[test]
fn smf_take_selects_a_track_that_is_not_there() {
    let p = fixture(
        "fixtures/bad/smf-one-track-take.mid",
        &smf(1, 96, &[snare_track()]),
    );
    expect_message(take_err(&format!("{}#track=5", p.display())), "fixtures/bad/smf-one-track-take.mid: #track=5: track 5 does not exist: the file has 1 tracks, numbered from 0 to 0");
}

#[test]
fn smf_chart_of_notes_the_general_midi_map_does_not_know() {
    // A Roland kit's hi-hat edges (22 closed, 26 open), which General MIDI leaves unmapped.
    let p = fixture(
        "fixtures/bad/smf-roland-hihat-edges-only.mid",
        &smf(
            0,
            96,
            &[track(&[
                0x00, 0x99, 22, 90, 0x30, 0x99, 22, 90, 0x30, 0x99, 26, 100, 0x00, 0xFF, 0x2F, 0x00,
            ])],
        ),
    );
    let err = formats::load_chart(&p, smf::SmfChartOptions::default()).unwrap_err();
    assert_eq!(err.remedy(), Some(pocket::error::Remedy::ChooseChartKit));
    expect_message(chart_err(p.to_str().expect("utf-8 path")), "fixtures/bad/smf-roland-hihat-edges-only.mid: 3 notes on channel 10 but none is in the gm drum map (notes used: 22, 26); the built-in roland-td kit maps 3 of them; read the chart with it or with a kit map file that covers them");
    // Read with that kit, the same file is a chart of three hi-hat notes.
    let kit = KitMap::builtin("roland-td").expect("built-in roland-td");
    let chart = formats::load_chart(&p, smf::SmfChartOptions::with_kit(kit)).expect("read");
    assert_eq!(chart.notes.len(), 3);
}

#[test]
fn a_chart_kit_given_for_a_chart_that_names_its_lanes() {
    in_crate();
    let kit = KitMap::builtin("roland-td").expect("built-in roland-td");
    let err = formats::load_chart(
        Path::new("charts/disco-pop-114.json"),
        smf::SmfChartOptions::with_kit(kit),
    );
    expect_message(message(err, None), "charts/disco-pop-114.json: a kit map (roland-td) reads the notes of a General MIDI file; this is a pocket chart JSON, whose lanes are named by the format itself: read it without a kit map");
}

// ---------------------------------------------------------------------------------------------
// pocket chart JSON

#[test]
fn chart_negative_time() {
    let text = r#"{
  "format": "pocket-chart/1",
  "tempos": [{"at": "1:1", "bpm": 120}],
  "notes": [
    {"at": "0:4", "lane": "snare"}
  ]
}
"#;
    let p = fixture("fixtures/bad/chart-negative-time.json", text.as_bytes());
    expect_message(chart_err(p.to_str().expect("utf-8 path")), "fixtures/bad/chart-negative-time.json: line 5, column 12: position 0:4:0 does not exist in this chart: the chart starts at 1:1");
}

#[test]
fn chart_unsorted_times() {
    let text = r#"{
  "format": "pocket-chart/1",
  "tempos": [{"at": "1:1", "bpm": 120}],
  "notes": [
    {"at": "2:1", "lane": "snare"},
    {"at": "1:3", "lane": "kick"}
  ]
}
"#;
    let p = fixture("fixtures/bad/chart-unsorted-times.json", text.as_bytes());
    in_crate();
    let r = formats::load_chart(&p, smf::SmfChartOptions::default());
    match r {
        Ok(chart) => {
            // Documented: notes given out of order are sorted (the file is a list, not a
            // timeline); the chart pocket scores against is always in time order.
            let times: Vec<Nanos> = chart.notes.iter().map(|n| n.time).collect();
            assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
            assert_eq!(chart.notes.len(), 2);
        }
        Err(e) => panic!("notes in any order are sorted, not refused: {e}"),
    }
}

#[test]
fn chart_unknown_lane() {
    expect_message(chart_err("fixtures/bad/chart-unknown-lane.json"), "fixtures/bad/chart-unknown-lane.json: line 6, column 27: unknown lane \"cowbell\"; valid lanes are: kick, snare, hihat, hihat_pedal, tom1, tom2, tom3, tom4, crash, crash2, ride, splash, china, any");
}

#[test]
fn chart_empty() {
    // A chart with no notes is read; scoring against it makes every hit an extra and leaves
    // accuracy undefined (null in the report, "-" in the summary). Exit 0.
    let text = "{\n  \"format\": \"pocket-chart/1\",\n  \"tempos\": [{\"at\": \"1:1\", \"bpm\": 120}],\n  \"notes\": []\n}\n";
    let p = fixture("fixtures/bad/chart-no-notes.json", text.as_bytes());
    in_crate();
    let chart =
        formats::load_chart(&p, smf::SmfChartOptions::default()).expect("empty chart reads");
    assert!(chart.notes.is_empty());
    let out = Command::cargo_bin("pocket")
        .expect("binary")
        .env(HISTORY_VAR, test_history())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["score", "--chart", "fixtures/bad/chart-no-notes.json"])
        .args([
            "--player",
            "Lee=fixtures/demo/lee-roland-td.jsonl",
            "-o",
            "-",
        ])
        .output()
        .expect("run pocket");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let pl = &report["players"][0];
    assert_eq!(pl["notes"], 0);
    assert_eq!(pl["matched"], 0);
    assert_eq!(pl["extras"], pl["hits"]);
    assert!(pl["accuracy_pct"].is_null());
}

#[test]
fn chart_empty_file() {
    let p = fixture("fixtures/bad/chart-empty-file.json", b"");
    expect_message(chart_err(p.to_str().expect("utf-8 path")), "fixtures/bad/chart-empty-file.json: the file is empty; a pocket chart is a JSON object that starts with {\"format\": \"pocket-chart/1\"");
}

#[test]
fn chart_tempo_zero() {
    expect_message(chart_err("fixtures/bad/chart-tempo-zero.json"), "fixtures/bad/chart-tempo-zero.json: line 4, column 26: tempo 0 at tick 0: a tempo must be between 1 and 1000 BPM");
}

#[test]
fn chart_bpm_and_us_per_quarter() {
    expect_message(chart_err("fixtures/bad/chart-bpm-and-us-per-quarter.json"), "fixtures/bad/chart-bpm-and-us-per-quarter.json: line 4, column 5: a tempo needs either \"bpm\" or \"us_per_quarter\", not both");
}

#[test]
fn chart_time_s_far_from_its_tick() {
    expect_message(chart_err("fixtures/bad/chart-time-s-far-from-its-tick.json"), "fixtures/bad/chart-time-s-far-from-its-tick.json: line 7, column 29: time_s 0.25 s is nearest to tick 240 (1:1:240), not to the note's tick 480 (1:2:0): give the position nearest to the time");
}

#[test]
fn chart_tempo_negative() {
    expect_message(chart_err("fixtures/bad/chart-tempo-negative.json"), "fixtures/bad/chart-tempo-negative.json: line 5, column 26: absurd tempo -90.000 BPM at tick 7680: pocket accepts 1 to 1000 BPM");
}

#[test]
fn chart_tempo_absurd() {
    expect_message(chart_err("fixtures/bad/chart-tempo-absurd.json"), "fixtures/bad/chart-tempo-absurd.json: line 4, column 26: absurd tempo 12000.000 BPM at tick 0: pocket accepts 1 to 1000 BPM");
}

#[test]
fn chart_tempos_out_of_order() {
    expect_message(chart_err("fixtures/bad/chart-tempos-out-of-order.json"), "fixtures/bad/chart-tempos-out-of-order.json: line 6, column 12: tempo change at tick 7680 is out of order: tempo changes must be at increasing ticks >= 0");
}

#[test]
fn chart_not_utf8() {
    expect_message(chart_err("fixtures/bad/chart-not-utf8.json"), "fixtures/bad/chart-not-utf8.json: line 3: the text is not valid UTF-8; save the file as UTF-8");
}

#[test]
fn chart_truncated_json() {
    expect_message(chart_err("fixtures/bad/chart-truncated.json"), "fixtures/bad/chart-truncated.json: line 6, column 1: the file is truncated: EOF while parsing a value; the JSON ends before every { and [ is closed");
}

#[test]
fn chart_not_json() {
    expect_message(chart_err("fixtures/bad/chart-not-json.json"), "fixtures/bad/chart-not-json.json: line 1, column 1: the file is not valid JSON: expected value");
}

#[test]
fn chart_unknown_field() {
    expect_message(chart_err("fixtures/bad/chart-unknown-field.json"), "fixtures/bad/chart-unknown-field.json: line 5, column 44: unknown field `velocity`, expected one of `at`, `lane`, `lanes`, `articulation`, `dynamic`, `time_s`; remove the field or check its spelling");
}

#[test]
fn chart_format_version_2() {
    expect_message(chart_err("fixtures/bad/chart-format-version-2.json"), "fixtures/bad/chart-format-version-2.json: line 2, column 13: unsupported format \"pocket-chart/2\"; this version of pocket reads \"pocket-chart/1\"");
}

#[test]
fn chart_missing_format() {
    expect_message(chart_err("fixtures/bad/chart-missing-format.json"), "fixtures/bad/chart-missing-format.json: line 1: unsupported format \"(no format field)\"; this version of pocket reads \"pocket-chart/1\"");
}

#[test]
fn chart_duplicate_note() {
    expect_message(chart_err("fixtures/bad/chart-duplicate-note.json"), "fixtures/bad/chart-duplicate-note.json: line 7, column 5: notes[2]: kick at 1:1:0 is already at notes[0]: a lane is struck once at a time; remove one of them");
}

#[test]
fn chart_articulation_on_kick() {
    expect_message(chart_err("fixtures/bad/chart-articulation-on-kick.json"), "fixtures/bad/chart-articulation-on-kick.json: line 6, column 63: note 1: articulation open cannot be played on kick");
}

#[test]
fn chart_beat_5_in_4_4() {
    expect_message(chart_err("fixtures/bad/chart-beat-5-in-4-4.json"), "fixtures/bad/chart-beat-5-in-4-4.json: line 7, column 12: position 2:5:0 does not exist in this chart: beats in 4/4 count from 1 to 4");
}

// ---------------------------------------------------------------------------------------------
// Onset lists

#[test]
fn onsets_nan_time() {
    expect_message(take_err("fixtures/bad/onsets-nan-time.txt"), "fixtures/bad/onsets-nan-time.txt: line 3, column 1: \"nan\" is not a time in seconds (expected a finite decimal number such as 1.25)");
}

#[test]
fn onsets_infinite_time() {
    expect_message(take_err("fixtures/bad/onsets-infinite-time.txt"), "fixtures/bad/onsets-infinite-time.txt: line 2, column 1: \"inf\" is not a time in seconds (expected a finite decimal number such as 1.25)");
}

#[test]
fn onsets_garbage_time() {
    expect_message(take_err("fixtures/bad/onsets-garbage-time.txt"), "fixtures/bad/onsets-garbage-time.txt: line 2, column 1: \"1,5\" is not a time in seconds (expected a finite decimal number such as 1.25)");
}

#[test]
fn onsets_unknown_lane() {
    expect_message(take_err("fixtures/bad/onsets-unknown-lane.txt"), "fixtures/bad/onsets-unknown-lane.txt: line 2, column 6: unknown lane \"cowbell\"; valid lanes are: kick, snare, hihat, hihat_pedal, tom1, tom2, tom3, tom4, crash, crash2, ride, splash, china, any");
}

#[test]
fn onsets_too_many_fields() {
    expect_message(take_err("fixtures/bad/onsets-too-many-fields.txt"), "fixtures/bad/onsets-too-many-fields.txt: line 2, column 11: expected `seconds [lane]`, found 3 fields; remove the extra fields");
}

#[test]
fn onsets_not_utf8() {
    expect_message(take_err("fixtures/bad/onsets-not-utf8.txt"), "fixtures/bad/onsets-not-utf8.txt: line 2: the text is not valid UTF-8; save the file as UTF-8");
}

#[test]
fn onsets_negative_time_as_chart() {
    let p = fixture(
        "fixtures/bad/onsets-negative-time.txt",
        b"0.0 kick\n-0.25 snare\n",
    );
    expect_message(chart_err(p.to_str().expect("utf-8 path")), "fixtures/bad/onsets-negative-time.txt: line 2: note 0 (snare) is at a negative time -0.250 s: charts start at time zero");
}

#[test]
fn onsets_empty_take() {
    // An empty take is read (it is a take of nothing); scoring it gives every note a miss.
    let p = fixture("fixtures/bad/onsets-empty-take.txt", b"# nothing played\n");
    in_crate();
    let t = formats::load_take(p.to_str().expect("utf-8 path"), None).expect("empty take reads");
    assert!(t.take.hits.is_empty());
    let chart = formats::load_chart(
        Path::new("charts/exercise-rock-8ths.json"),
        smf::SmfChartOptions::default(),
    )
    .expect("chart");
    let (r, _) = score_player(
        &chart,
        &PlayerInput::new("nobody", &t.take),
        &ScoreOptions::default(),
    );
    assert_eq!(r.matched, 0);
    assert_eq!(r.misses, chart.notes.len());
    assert_eq!(r.extras, 0);
    assert_eq!(r.recall, Some(0.0));
}

#[test]
fn onsets_empty_chart() {
    // An empty onset list read as a chart is an empty chart (as an empty pocket chart is).
    let p = fixture("fixtures/bad/onsets-empty-chart.txt", b"");
    in_crate();
    let chart = formats::load_chart(&p, smf::SmfChartOptions::default()).expect("reads");
    assert!(chart.notes.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Capture logs

#[test]
fn capture_wrong_version() {
    expect_message(take_err("fixtures/bad/capture-wrong-version.jsonl"), "fixtures/bad/capture-wrong-version.jsonl: line 1: unsupported format \"pocket-capture/2\"; this version of pocket reads \"pocket-capture/1\"");
}

#[test]
fn capture_corrupt_middle_line() {
    expect_message(take_err("fixtures/bad/capture-corrupt-middle-line.jsonl"), "fixtures/bad/capture-corrupt-middle-line.jsonl: line 3, column 27: the line is not a valid capture log line (EOF while parsing a list at line 1 column 27); a crash can only cut off the last line, so this file was damaged or edited: repair or delete this line");
}

#[test]
fn capture_line_after_end() {
    expect_message(take_err("fixtures/bad/capture-line-after-end.jsonl"), "fixtures/bad/capture-line-after-end.jsonl: line 4: this line comes after the end line (line 3); a capture log stops at its end line: delete the lines after it");
}

/// A capture log of two hits (0 s and 0.5 s) without its end line, and `tail` after them.
fn capture_without_end(rel: &str, tail: &str) -> PathBuf {
    let text = format!(
        "{}\n{}\n{}\n{tail}",
        r#"{"format":"pocket-capture/1","minor":0,"started_at":"2026-11-27T20:00:00.000Z","time_zero_ns":0,"start_mode":"now","ports":[{"index":0,"name":"TD-17 MIDI 1"}],"players":[{"name":"Lee","port":0,"kit":"gm","offset_hands_ms":0.0,"offset_feet_ms":0.0}]}"#,
        r#"{"t":0,"p":0,"m":[153,36,100]}"#,
        r#"{"t":500000000,"p":0,"m":[153,38,100]}"#,
    );
    fixture(rel, text.as_bytes())
}

#[test]
fn capture_no_end_line() {
    let p = capture_without_end("fixtures/bad/capture-no-end-line.jsonl", "");
    in_crate();
    let t = formats::load_take(p.to_str().expect("utf-8 path"), None).expect("read");
    assert_eq!(t.take.hits.len(), 2);
    assert_eq!(t.played_until, Some(Nanos::from_millis(500)));
    assert_eq!(t.warnings, ["fixtures/bad/capture-no-end-line.jsonl: there is no end line: the capture did not stop cleanly; everything recorded was read, and a chart is scored only up to the last record, 0.500 s after time zero"]);
}

#[test]
fn capture_last_line_cut_off() {
    let p = capture_without_end("fixtures/bad/capture-last-line-cut-off.jsonl", "{\"t\":7");
    in_crate();
    let t = formats::load_take(p.to_str().expect("utf-8 path"), None).expect("read");
    assert_eq!(t.take.hits.len(), 2);
    assert_eq!(t.played_until, Some(Nanos::from_millis(500)));
    assert_eq!(t.warnings, ["fixtures/bad/capture-last-line-cut-off.jsonl: the last line was cut off: the capture did not stop cleanly; everything before it was read, and a chart is scored only up to the last record, 0.500 s after time zero"]);
}

#[test]
fn capture_two_logs_joined() {
    expect_message(take_err("fixtures/bad/capture-two-logs-joined.jsonl"), "fixtures/bad/capture-two-logs-joined.jsonl: line 3: a second header line: two capture logs were joined into one file; split them; a crash can only cut off the last line, so this file was damaged or edited: repair or delete this line");
}

#[test]
fn capture_midi_line_missing_bytes() {
    expect_message(take_err("fixtures/bad/capture-midi-line-missing-bytes.jsonl"), "fixtures/bad/capture-midi-line-missing-bytes.jsonl: line 2: a MIDI line needs \"t\" (ns), \"p\" (port) and \"m\" (bytes); a crash can only cut off the last line, so this file was damaged or edited: repair or delete this line");
}

#[test]
fn capture_event_on_unknown_port() {
    expect_message(take_err("fixtures/bad/capture-event-on-unknown-port.jsonl"), "fixtures/bad/capture-event-on-unknown-port.jsonl: line 3: port 7 is not in the header's \"ports\"; the line does not belong to this capture");
}

#[test]
fn capture_empty_file() {
    let p = fixture("fixtures/bad/capture-empty-file.jsonl", b"");
    expect_message(take_err(p.to_str().expect("utf-8 path")), "fixtures/bad/capture-empty-file.jsonl: the file is empty; a capture log starts with a header line");
}

// ---------------------------------------------------------------------------------------------
// Rhythm-game charts

#[test]
fn clone_hero_resolution_zero() {
    expect_message(chart_err("fixtures/bad/chart-ch-resolution-zero.chart"), "fixtures/bad/chart-ch-resolution-zero.chart: line 3: Resolution = \"0\": must be a whole number of ticks per quarter note from 1 to 32767");
}

#[test]
fn clone_hero_tempo_zero() {
    expect_message(chart_err("fixtures/bad/chart-ch-tempo-zero.chart"), "fixtures/bad/chart-ch-tempo-zero.chart: line 8: tempo 0 at tick 768: a tempo must be between 1 and 1000 BPM");
}

#[test]
fn clone_hero_tick_not_a_number() {
    expect_message(chart_err("fixtures/bad/chart-ch-tick-not-a-number.chart"), "fixtures/bad/chart-ch-tick-not-a-number.chart: line 8: \"x96\" is not a tick position (a whole number >= 0)");
}

#[test]
fn clone_hero_section_never_closed() {
    expect_message(chart_err("fixtures/bad/chart-ch-section-never-closed.chart"), "fixtures/bad/chart-ch-section-never-closed.chart: line 5: the file is truncated: section [ExpertDrums] is never closed with }; the file was cut short");
}

#[test]
fn clone_hero_not_utf8_text() {
    // .chart text that is not UTF-8: the bad bytes are replaced, the rest is read.
    let mut bytes = b"[Song]\n{\n  Name = \"".to_vec();
    bytes.extend_from_slice(&[0xC3, 0x28, 0xFF]);
    bytes.extend_from_slice(b"\"\n  Resolution = 192\n}\n[ExpertDrums]\n{\n  0 = N 0 0\n}\n");
    let p = fixture("fixtures/bad/chart-ch-title-not-utf8.chart", &bytes);
    in_crate();
    let chart =
        formats::load_chart(&p, smf::SmfChartOptions::default()).expect("lossy text still reads");
    assert_eq!(chart.notes.len(), 1);
    // ... and says what it recovered from, on stderr and in the report.
    assert_eq!(chart.warnings.len(), 1, "{:?}", chart.warnings);
    expect_message(chart.warnings[0].clone(), "fixtures/bad/chart-ch-title-not-utf8.chart: the text is not valid UTF-8 (first at byte 19); undecodable bytes were replaced, so titles, names and sections may be garbled (save the file as UTF-8)");
    let out = Command::cargo_bin("pocket")
        .expect("the pocket binary")
        .env(HISTORY_VAR, test_history())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "score",
            "--chart",
            "fixtures/bad/chart-ch-title-not-utf8.chart",
        ])
        .args(["--player", "a=fixtures/demo/lee-roland-td.jsonl", "-o", "-"])
        .output()
        .expect("pocket runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "warning: fixtures/bad/chart-ch-title-not-utf8.chart: the text is not valid UTF-8"
        ),
        "{stderr}"
    );
    let report =
        pocket::report::Report::from_json(&String::from_utf8_lossy(&out.stdout)).expect("a report");
    assert_eq!(
        report.warnings, chart.warnings,
        "the report lists the reader's warning"
    );
}

#[test]
fn dtx_shift_jis_title() {
    // A Shift_JIS title (common in older .dtx files): read, with a warning naming the byte.
    let mut bytes = b"#TITLE: ".to_vec();
    bytes.extend_from_slice(&[0x83, 0x65, 0x83, 0x58, 0x83, 0x67]); // "テスト" in Shift_JIS
    bytes.extend_from_slice(b"\n#BPM: 120\n#00113: 01\n");
    let p = fixture("fixtures/bad/dtx-title-shift-jis.dtx", &bytes);
    in_crate();
    let chart = formats::load_chart(&p, smf::SmfChartOptions::default()).expect("reads");
    assert_eq!(chart.notes.len(), 1);
    expect_message(chart.warnings.join("\n"), "fixtures/bad/dtx-title-shift-jis.dtx: the text is not valid UTF-8 (first at byte 8); undecodable bytes were replaced, so titles, names and sections may be garbled (save the file as UTF-8)");
}

#[test]
fn dtx_bar_length_zero() {
    expect_message(chart_err("fixtures/bad/dtx-bar-length-zero.dtx"), "fixtures/bad/dtx-bar-length-zero.dtx: line 3: bar length \"0\" is not a positive decimal number such as 0.75");
}

#[test]
fn dtx_undefined_bpm_reference() {
    expect_message(chart_err("fixtures/bad/dtx-undefined-bpm-reference.dtx"), "fixtures/bad/dtx-undefined-bpm-reference.dtx: line 4: tempo change refers to #BPM02, which the file does not define");
}

#[test]
fn dtx_odd_object_data() {
    expect_message(chart_err("fixtures/bad/dtx-odd-object-data.dtx"), "fixtures/bad/dtx-odd-object-data.dtx: line 3: object data \"010\" has an odd number of characters; each object is two characters");
}

#[test]
fn dtx_no_drum_objects() {
    expect_message(chart_err("fixtures/bad/dtx-no-drum-objects.dtx"), "fixtures/bad/dtx-no-drum-objects.dtx: no drum objects: channels 11 to 1C hold nothing; is this a drum chart (not guitar or bass)?");
}

#[test]
fn rockband_track_ends_inside_note() {
    expect_message(chart_err("fixtures/bad/rb-drum-track-ends-inside-note.mid"), "fixtures/bad/rb-drum-track-ends-inside-note.mid: track 1, byte 64: the file is truncated: the track chunk ends inside a channel message (status 0x90); the track was cut short");
}

#[test]
fn rockband_no_expert_gems() {
    expect_message(chart_err("fixtures/bad/rb-no-expert-gems.mid"), "fixtures/bad/rb-no-expert-gems.mid: track 1 (PART DRUMS): the drum track has no expert gems; it has gems for: hard; choose one of those difficulties");
}

// ---------------------------------------------------------------------------------------------
// Kit maps

#[test]
fn kit_channel_17() {
    in_crate();
    expect_message(
        message(formats::load_kit("fixtures/bad/kit-channel-17.json"), None),
        "fixtures/bad/kit-channel-17.json: line 3, column 15: channel 17 does not exist; expected a MIDI channel from 1 to 16, or \"omni\" for every channel",
    );
}

#[test]
fn kit_not_json() {
    in_crate();
    expect_message(
        message(formats::load_kit("fixtures/bad/kit-not-json.json"), None),
        "fixtures/bad/kit-not-json.json: line 3, column 29: key must be a string; a kit map is a JSON object, see docs/kits.md",
    );
}

#[test]
fn kit_unknown_profile_name() {
    in_crate();
    expect_message(message(formats::load_kit("td-99"), None), "td-99: no built-in kit profile of that name and no such file; built-in profiles: gm, roland-td, alesis-nitro, yamaha-dtx");
}

// ---------------------------------------------------------------------------------------------
// Files too large for memory: refused from their size, before anything is read.

#[test]
fn huge_midi_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = sparse(dir.path(), "huge.mid", &header(0, 1, 96), 3 << 30);
    expect_message(
        message(
            formats::load_chart(&p, smf::SmfChartOptions::default()),
            Some(dir.path()),
        ),
        "$TMP/huge.mid: the file is 3221225472 bytes, more than the 67108864-byte limit for this kind of file; is it the right file?",
    );
}

#[test]
fn huge_chart_json_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = sparse(dir.path(), "huge.json", b"{", 1 << 31);
    expect_message(
        message(
            formats::load_chart(&p, smf::SmfChartOptions::default()),
            Some(dir.path()),
        ),
        "$TMP/huge.json: the file is 2147483648 bytes, more than the 33554432-byte limit for this kind of file; is it the right file?",
    );
}

#[test]
fn huge_capture_log_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = sparse(
        dir.path(),
        "huge.jsonl",
        b"{\"format\":\"pocket-capture/1\"}\n",
        5 << 30,
    );
    expect_message(
        message(
            formats::load_take(p.to_str().expect("utf-8"), None).map(|t| t.take.hits.len()),
            Some(dir.path()),
        ),
        "$TMP/huge.jsonl: the file is 5368709120 bytes, more than the 1073741824-byte limit for this kind of file; is it the right file?",
    );
}

#[test]
fn huge_onset_list_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = sparse(dir.path(), "huge.txt", b"0.5 kick\n", 1 << 32);
    expect_message(
        message(
            formats::load_take(p.to_str().expect("utf-8"), None).map(|t| t.take.hits.len()),
            Some(dir.path()),
        ),
        "$TMP/huge.txt: the file is 4294967296 bytes, more than the 67108864-byte limit for this kind of file; is it the right file?",
    );
}

#[test]
fn huge_dtx_and_chart_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = sparse(dir.path(), "huge.dtx", b"#BPM 120\n", 1 << 31);
    let b = sparse(dir.path(), "huge.chart", b"[Song]\n", 1 << 31);
    let opts = smf::SmfChartOptions::default();
    expect_message(
        message(formats::load_chart(&a, &opts), Some(dir.path())),
        "$TMP/huge.dtx: the file is 2147483648 bytes, more than the 67108864-byte limit for this kind of file; is it the right file?",
    );
    expect_message(
        message(formats::load_chart(&b, &opts), Some(dir.path())),
        "$TMP/huge.chart: the file is 2147483648 bytes, more than the 67108864-byte limit for this kind of file; is it the right file?",
    );
}

#[test]
fn huge_kit_map_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = sparse(dir.path(), "huge-kit.json", b"{", 1 << 30);
    expect_message(
        message(
            formats::read_kit_map(&p).map(|k| k.name),
            Some(dir.path()),
        ),
        "$TMP/huge-kit.json: the file is 1073741824 bytes, more than the 1048576-byte limit for this kind of file; is it the right file?",
    );
}

// ---------------------------------------------------------------------------------------------
// Sessions as a whole (the command line)

#[test]
fn cli_duplicate_player_names_exit_2() {
    let out = Command::cargo_bin("pocket")
        .expect("binary")
        .env(HISTORY_VAR, test_history())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "score",
            "--chart",
            "charts/disco-pop-114.json",
            "--player",
            "Lee=fixtures/demo/lee-roland-td.jsonl",
            "--player",
            "Lee=fixtures/demo/sanae-alesis-nitro.jsonl",
        ])
        .output()
        .expect("run pocket");
    assert_eq!(out.status.code(), Some(2));
    expect_message(
        String::from_utf8_lossy(&out.stderr).trim_end().to_string(),
        "pocket: --player \"Lee\" is given twice; player names must differ",
    );
}

#[test]
fn cli_take_far_longer_than_the_chart() {
    // A take ten times longer than the chart: scored; every hit past the chart is an extra.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::new();
    for i in 0..400 {
        // Eighth notes at 120 BPM for 100 s, on the kick.
        text.push_str(&format!("{}.{:02} kick\n", i / 4, (i % 4) * 25));
    }
    let take = dir.path().join("long-take.txt");
    std::fs::write(&take, text).expect("write take");
    let chart = dir.path().join("short-chart.txt");
    std::fs::write(&chart, "0.0 kick\n0.25 kick\n0.5 kick\n0.75 kick\n").expect("write chart");
    let out = Command::cargo_bin("pocket")
        .expect("binary")
        .env(HISTORY_VAR, test_history())
        .args(["score", "--chart"])
        .arg(&chart)
        .arg("--player")
        .arg(format!("Long={}", take.display()))
        .args(["-o", "-"])
        .output()
        .expect("run pocket");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let p = &report["players"][0];
    assert_eq!(p["notes"], 4);
    assert_eq!(p["hits"], 400);
    assert_eq!(p["matched"], 4);
    assert_eq!(p["extras"], 396);
    assert_eq!(p["misses"], 0);
}

#[test]
fn cli_unreadable_chart_exit_1() {
    let out = Command::cargo_bin("pocket")
        .expect("binary")
        .env(HISTORY_VAR, test_history())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "score",
            "--chart",
            "fixtures/bad/smf-header-claims-65535-tracks.mid",
            "--player",
            "Lee=fixtures/demo/lee-roland-td.jsonl",
        ])
        .output()
        .expect("run pocket");
    assert_eq!(out.status.code(), Some(1));
    expect_message(String::from_utf8_lossy(&out.stderr).trim_end().to_string(), "pocket: fixtures/bad/smf-header-claims-65535-tracks.mid: byte 10: the file is truncated: the header declares 65535 tracks but the file holds 1 track chunks; the file was cut short or its header is damaged");
}

/// Runs `pocket` in the crate folder; returns the exit code and stderr's text (the temporary
/// folder `tmp`, if any, shown as `$TMP`).
fn cli(args: &[&str], tmp: Option<&Path>) -> (Option<i32>, String) {
    let out = Command::cargo_bin("pocket")
        .expect("binary")
        .env(HISTORY_VAR, test_history())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run pocket");
    let text = String::from_utf8_lossy(&out.stderr).trim_end().to_string();
    let text = match tmp {
        Some(t) => text.replace(&t.display().to_string(), "$TMP"),
        None => text,
    };
    (out.status.code(), text)
}

/// `pocket score` of the demo chart with `args` after it: exit code 2 and exactly `want`.
#[track_caller]
fn score_usage(args: &[&str], want: &str) {
    let mut all = vec!["score", "--chart", "charts/disco-pop-114.json"];
    all.extend_from_slice(args);
    let (code, got) = cli(&all, None);
    assert_eq!(code, Some(2), "{got}");
    expect_message(got, want);
}

#[test]
fn cli_replay_named_twice_names_the_replay_flag() {
    let (code, got) = cli(
        &[
            "live",
            "--chart",
            "charts/disco-pop-114.json",
            "--replay",
            "Lee=fixtures/demo/lee-roland-td.jsonl",
            "--replay",
            "Lee=fixtures/demo/sanae-alesis-nitro.jsonl",
        ],
        None,
    );
    assert_eq!(code, Some(2), "{got}");
    expect_message(
        got,
        "pocket: --replay \"Lee\" is given twice; player names must differ",
    );
}

#[test]
fn cli_replay_without_a_name() {
    let (code, got) = cli(
        &["record", "--replay", "fixtures/demo/lee-roland-td.jsonl"],
        None,
    );
    assert_eq!(code, Some(2), "{got}");
    expect_message(
        got,
        "pocket: --replay \"fixtures/demo/lee-roland-td.jsonl\": expected NAME=TAKE, such as --replay Lee=session.jsonl",
    );
}

#[test]
fn cli_player_without_a_name() {
    score_usage(
        &["--player", "fixtures/demo/lee-roland-td.jsonl"],
        "pocket: --player \"fixtures/demo/lee-roland-td.jsonl\": expected NAME=TAKE, such as --player Lee=take.mid",
    );
}

#[test]
fn cli_output_folder_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("missing-dir/x.json");
    let (code, got) = cli(
        &[
            "score",
            "--chart",
            "charts/disco-pop-114.json",
            "--player",
            "Lee=fixtures/demo/lee-roland-td.jsonl",
            "-o",
            out.to_str().expect("utf-8 path"),
        ],
        Some(dir.path()),
    );
    assert_eq!(code, Some(1), "{got}");
    expect_message(
        got,
        "pocket: cannot write $TMP/missing-dir/x.json: the folder $TMP/missing-dir does not exist; create it first",
    );
}

#[test]
fn cli_folder_given_as_a_take() {
    let (code, got) = cli(
        &[
            "score",
            "--chart",
            "charts/disco-pop-114.json",
            "--player",
            "Lee=fixtures/demo",
        ],
        None,
    );
    assert_eq!(code, Some(1), "{got}");
    expect_message(
        got,
        "pocket: fixtures/demo: this is a folder, not a take (takes are .mid, .jsonl capture logs or .txt onset lists); name one take in it, or score every take in it as a folder of takes (pocket score --takes DIR)",
    );
}

#[test]
fn cli_report_given_as_a_take() {
    let (code, got) = cli(
        &[
            "score",
            "--chart",
            "charts/disco-pop-114.json",
            "--player",
            "Lee=fixtures/golden/demo-two-players-standard.json",
        ],
        None,
    );
    assert_eq!(code, Some(1), "{got}");
    expect_message(
        got,
        "pocket: fixtures/golden/demo-two-players-standard.json: this is a pocket report, not a take (takes are .mid, .jsonl capture logs or .txt onset lists); give the take the report was made from",
    );
}

#[test]
fn cli_misspelt_take_selector() {
    let (code, got) = cli(
        &[
            "score",
            "--chart",
            "charts/disco-pop-114.json",
            "--player",
            "Lee=fixtures/smf/duo-type0-channels-10-11.mid#chanel=10",
        ],
        None,
    );
    assert_eq!(code, Some(1), "{got}");
    expect_message(
        got,
        "pocket: fixtures/smf/duo-type0-channels-10-11.mid#chanel=10: unknown take selector \"chanel\"; the selectors are #channel=N (1 to 16), #track=N (from 0) and #player=NAME (a player of a capture log)",
    );
}

#[test]
fn cli_take_selector_channel_17() {
    let (code, got) = cli(
        &[
            "score",
            "--chart",
            "charts/disco-pop-114.json",
            "--player",
            "Lee=fixtures/smf/duo-type0-channels-10-11.mid#channel=17",
        ],
        None,
    );
    assert_eq!(code, Some(1), "{got}");
    expect_message(
        got,
        "pocket: fixtures/smf/duo-type0-channels-10-11.mid#channel=17: channel \"17\" in take selector: channels are 1 to 16",
    );
}

#[test]
fn cli_negative_window() {
    score_usage(
        &[
            "--player",
            "Lee=fixtures/demo/lee-roland-td.jsonl",
            "--window-ms",
            "-5",
        ],
        "pocket: --window-ms: the matching window must be greater than 0 ms and at most 2000 ms",
    );
}

#[test]
fn cli_offset_out_of_range() {
    score_usage(
        &[
            "--player",
            "Lee=fixtures/demo/lee-roland-td.jsonl",
            "--offset-ms",
            "Lee=1e9",
        ],
        "pocket: --offset-ms: \"1e9\" is out of range; a latency offset is from -1000 to 1000 ms (a take that starts seconds off: score --auto-align)",
    );
}

#[test]
fn cli_bootstrap_out_of_range() {
    let (code, got) = cli(
        &[
            "score",
            "--chart",
            "charts/disco-pop-114.json",
            "--player",
            "Lee=fixtures/demo/lee-roland-td.jsonl",
            "--bootstrap",
            "100000000",
        ],
        None,
    );
    assert_eq!(code, Some(2), "{got}");
    let first = got.lines().next().unwrap_or_default().to_string();
    expect_message(
        first,
        "error: invalid value '100000000' for '--bootstrap <BOOTSTRAP>': use a whole number of draws from 0 (off) to 10000; the default is 400",
    );
}

// ---------------------------------------------------------------------------------------------
// Replays: every file in fixtures/bad/ and in the fuzz corpora through every reader.

/// Feeds `bytes` to every reader; none may panic. With `score`, every chart a reader accepts
/// is also scored with two players. Returns how many readers accepted it.
fn through_every_reader(bytes: &[u8], score: bool) -> usize {
    let path = Path::new("replay");
    let gm = KitMap::builtin("gm").expect("gm kit");
    let chart_opts = formats::ChartLoadOptions::default();
    let all_channels = smf::SmfChartOptions {
        channels: smf::ChannelFilter::All,
        ..smf::SmfChartOptions::default()
    };
    let mut ok = 0;
    let mut charts = Vec::new();
    let mut keep = |r: Result<pocket::Chart, InputError>| match r {
        Ok(c) => {
            charts.push(c);
            1
        }
        Err(_) => 0,
    };
    ok += keep(pocket::internals::readers::smf::read_chart_bytes(
        path,
        bytes,
        &smf::SmfChartOptions::default(),
    ));
    ok += usize::from(
        pocket::internals::readers::smf::read_chart_bytes(path, bytes, &all_channels).is_ok(),
    );
    if let Ok(ev) = pocket::internals::readers::smf::read_events_bytes(
        path,
        bytes,
        &smf::SmfTakeOptions {
            selector: smf::TakeSelector::default(),
            port: 0,
        },
    ) {
        ok += 1;
        let _ = pocket::internals::build_take(&ev.events, &gm, &gm.options, String::new(), vec![]);
    }
    ok += keep(pocket::internals::readers::chart_json::read_chart_bytes(
        path, bytes,
    ));
    if let Ok(list) = pocket::internals::readers::onsets::parse_onsets(path, bytes) {
        ok += 1;
        let _ = onsets::to_chart(path, &list);
    }
    ok += keep(pocket::internals::readers::rockband::read_chart_bytes(
        path,
        bytes,
        None,
        &chart_opts,
    ));
    ok += keep(pocket::internals::readers::clone_hero::read_chart_bytes(
        path,
        bytes,
        None,
        &chart_opts,
    ));
    ok += keep(pocket::internals::readers::dtx::read_chart_bytes(
        path, bytes,
    ));
    if let Ok(cap) = pocket::internals::readers::capture_log::read_capture_from(bytes, path) {
        ok += 1;
        for i in 0..cap.header.players.len() {
            let ev = cap.events_for_player(i);
            let _ = pocket::internals::build_take(&ev, &gm, &gm.options, String::new(), vec![]);
        }
    }
    ok += usize::from(KitMap::from_json_str(&String::from_utf8_lossy(bytes), path).is_ok());
    if score {
        for chart in &charts {
            score_two_players(chart);
        }
    }
    ok
}

/// Scores two players who play `chart` exactly and 7 ms late, as the fuzz targets do with every
/// chart a reader accepts: scoring and sync must cope with whatever a reader lets through.
fn score_two_players(chart: &pocket::Chart) {
    let hits: Vec<pocket::Hit> = chart
        .notes
        .iter()
        .map(|n| pocket::Hit {
            time: n.time,
            lane: n.lane,
            articulation: n.articulation,
            velocity: 100,
            source: pocket::take::Source {
                note: 38,
                channel: 10,
                port: 0,
            },
        })
        .collect();
    let exact = pocket::Take {
        hits: hits.clone(),
        ..pocket::Take::default()
    };
    let late = pocket::Take {
        hits: hits
            .into_iter()
            .map(|mut h| {
                h.time = h.time.saturating_add(Nanos::from_millis(7));
                h
            })
            .collect(),
        ..pocket::Take::default()
    };
    let mut a = PlayerInput::new("a", &exact);
    a.auto_align = true;
    let b = PlayerInput::new("b", &late);
    let _ = pocket::session::score_session(
        chart,
        "replay",
        &[a, b],
        &ScoreOptions::default(),
        &pocket::sync::SyncOptions::default(),
    );
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_in(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn every_bad_fixture_through_every_reader() {
    let files = files_in(&crate_path("fixtures/bad"));
    assert!(files.len() >= 60, "only {} bad fixtures", files.len());
    for f in files {
        let bytes = std::fs::read(&f).expect("read fixture");
        eprintln!(
            "{}: accepted by {} readers",
            f.display(),
            through_every_reader(&bytes, true)
        );
    }
}

#[test]
fn every_bad_fixture_through_the_loaders() {
    // The loaders pick the reader from the name; each file must load or fail cleanly as a
    // chart and as a take.
    in_crate();
    for f in files_in(Path::new("fixtures/bad")) {
        let _ = formats::load_chart(&f, smf::SmfChartOptions::default());
        let _ = formats::load_take(f.to_str().expect("utf-8 path"), None);
    }
}

/// The fuzz targets: one file per target in fuzz/fuzz_targets/.
fn fuzz_targets() -> Vec<String> {
    files_in(&crate_path("fuzz/fuzz_targets"))
        .iter()
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
        .collect()
}

#[test]
fn fuzz_corpora_through_every_reader() {
    // fuzz/corpus/<target>/seed-* is the seed corpus kept in the repository (written by
    // fuzz/seed-corpora.sh; it holds every past finding); whatever a local fuzzer run added
    // beside it, and fuzz/artifacts, are replayed too. Everything must read cleanly.
    let targets = fuzz_targets();
    assert!(
        targets.len() >= 9,
        "only {} fuzz targets in fuzz/fuzz_targets",
        targets.len()
    );
    for target in &targets {
        let seeds = files_in(&crate_path(&format!("fuzz/corpus/{target}")));
        assert!(
            !seeds.is_empty(),
            "fuzz/corpus/{target}/ holds no files; run fuzz/seed-corpora.sh and commit the seeds"
        );
    }
    let mut n = 0;
    for dir in ["fuzz/corpus", "fuzz/artifacts"] {
        for f in files_in(&crate_path(dir)) {
            let bytes = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            // Readers only: the fuzz targets score what they accept already, and the
            // corpora grow large.
            through_every_reader(&bytes, false);
            n += 1;
        }
    }
    eprintln!("replayed {n} fuzz corpus files");
    assert!(n > 0, "no fuzz corpus files were replayed");
}

#[test]
fn every_fuzz_finding_is_in_a_seed_corpus() {
    // A finding kept in fixtures/bad/ (named fuzz-*) is also a seed of some target, so that
    // the fuzzers start from it.
    let seeds: Vec<Vec<u8>> = files_in(&crate_path("fuzz/corpus"))
        .iter()
        .map(|f| std::fs::read(f).expect("read seed"))
        .collect();
    let findings: Vec<PathBuf> = files_in(&crate_path("fixtures/bad"))
        .into_iter()
        .filter(|f| {
            f.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("fuzz-"))
        })
        .collect();
    assert!(!findings.is_empty(), "no fuzz findings in fixtures/bad/");
    for f in findings {
        let bytes = std::fs::read(&f).expect("read finding");
        assert!(
            seeds.contains(&bytes),
            "{} is in no fuzz/corpus/<target>/; add it in fuzz/seed-corpora.sh and rerun it",
            f.display()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Fuzz findings, kept as fixtures (see docs/fuzzing.md).

#[test]
fn chart_of_a_hundred_million_bars_scores_in_bounded_memory() {
    // 1000 BPM in 1/32 (bars of 7.5 ms) and two notes 838,000 s apart: 112 million bars, inside
    // every reader limit. The per-bar tables are left out rather than allocated per bar.
    let mut body = vec![0x00, 0xFF, 0x51, 0x03, 0x00, 0xEA, 0x60]; // 60,000 µs per quarter
    body.extend([0x00, 0xFF, 0x58, 0x04, 0x01, 0x05, 0x18, 0x08]); // 1/32
    body.extend([0x00, 0x99, 38, 100, 0x60, 0x89, 38, 0]);
    for _ in 0..5 {
        body.extend([0xFF, 0xFF, 0xFF, 0x7F, 0x89, 38, 0]); // the largest delta time
    }
    body.extend([
        0x00, 0x99, 36, 100, 0x60, 0x89, 36, 0, 0x00, 0xFF, 0x2F, 0x00,
    ]);
    let bytes = smf(0, 96, &[track(&body)]);
    let p = fixture(
        "fixtures/bad/smf-1000bpm-1-32-two-notes-112-million-bars-apart.mid",
        &bytes,
    );
    in_crate();
    let chart = formats::load_chart(&p, smf::SmfChartOptions::default()).expect("reads");
    assert_eq!(chart.notes.len(), 2);
    let take = pocket::Take::default();
    let (r, _) = score_player(
        &chart,
        &PlayerInput::new("p", &take),
        &ScoreOptions::default(),
    );
    assert_eq!(r.misses, 2);
    assert!(r.bars.is_empty(), "{} bars", r.bars.len());
    score_two_players(&chart);
}

#[test]
fn fuzz_onsets_40_days_into_the_song() {
    // An onset list whose last onset is 3,500,002 s (40 days) in: as a chart it is refused
    // (the per-bar tables would need 1.75 million bars); as a take it is read.
    expect_message(
        chart_err("fixtures/bad/fuzz-onsets-40-days-into-the-song.txt"),
        "fixtures/bad/fuzz-onsets-40-days-into-the-song.txt: line 6: 3500002 s is beyond the 1000000 s a chart may last; is the time in seconds?",
    );
    in_crate();
    let t = formats::load_take("fixtures/bad/fuzz-onsets-40-days-into-the-song.txt", None)
        .expect("as a take it reads");
    assert_eq!(t.take.hits.len(), 6);
}

#[test]
fn fuzz_two_notes_ten_days_apart_score_in_linear_time() {
    // A chart whose two notes are 873,813 s apart (about 455,000 bars): the sync section's
    // per-bar table once looked each bar up by scanning every bar, which took hours.
    let bytes = std::fs::read(crate_path(
        "fixtures/bad/fuzz-smf-two-notes-ten-days-apart.mid",
    ))
    .expect("fixture");
    let chart = pocket::internals::readers::smf::read_chart_bytes(
        Path::new("fuzz-smf-two-notes-ten-days-apart.mid"),
        &bytes,
        &smf::SmfChartOptions::default(),
    )
    .expect("the reader accepts it: every time is inside its limits");
    assert_eq!(chart.notes.len(), 2);
    let started = std::time::Instant::now();
    score_two_players(&chart);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(120),
        "scoring took {:?}",
        started.elapsed()
    );
}
