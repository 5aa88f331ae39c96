//! Live capture end to end: replays through the real-time path, what a crash or a signal
//! leaves on disk, no allocation in pocket's part of the MIDI callback, and (feature `jack`)
//! a real JACK server: two kits played into it, a kit unplugged and plugged back in, and the
//! count-in click.

use assert_cmd::cargo::CommandCargoExt;
use pocket::formats::capture_log::read_capture;
use pocket::internals::live::{ring, set_callback_probe};
use pocket::live::session::{self, PlayerSource, PlayerSpec, SessionOptions};
use pocket::live::LiveError;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// A counting allocator, armed by a thread-local flag only inside pocket's part of the callback.

struct Counting;

static ALLOCATIONS_IN_CALLBACK: AtomicU64 = AtomicU64::new(0);
static CALLBACKS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ARMED.try_with(Cell::get).unwrap_or(false) {
            ALLOCATIONS_IN_CALLBACK.fetch_add(1, Ordering::SeqCst);
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.try_with(Cell::get).unwrap_or(false) {
            ALLOCATIONS_IN_CALLBACK.fetch_add(1, Ordering::SeqCst);
        }
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if ARMED.try_with(Cell::get).unwrap_or(false) {
            ALLOCATIONS_IN_CALLBACK.fetch_add(1, Ordering::SeqCst);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn probe(entering: bool) {
    if entering {
        CALLBACKS.fetch_add(1, Ordering::Relaxed);
    }
    let _ = ARMED.try_with(|a| a.set(entering));
}

// ---------------------------------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn chart() -> String {
    root()
        .join("charts/disco-pop-114.json")
        .display()
        .to_string()
}

fn lee() -> String {
    root()
        .join("fixtures/demo/lee-roland-td.jsonl")
        .display()
        .to_string()
}

fn sanae() -> String {
    root()
        .join("fixtures/demo/sanae-alesis-nitro.jsonl")
        .display()
        .to_string()
}

fn pocket() -> Command {
    Command::cargo_bin("pocket").expect("the pocket binary is built")
}

fn score_command(dir: &Path, names: &[&str]) -> Command {
    let mut cmd = pocket();
    cmd.arg("score").arg("--chart").arg(chart());
    let capture = dir.join("capture.jsonl");
    for n in names {
        cmd.arg("--player")
            .arg(format!("{n}={}#player={n}", capture.display()));
    }
    cmd
}

fn replay_options(dir: &Path, speed: f64) -> SessionOptions {
    let mut o = SessionOptions::new(dir);
    o.chart = Some(PathBuf::from(chart()));
    o.count_in_bars = 1;
    o.speed = speed;
    for (name, take) in [("Lee", lee()), ("Sanae", sanae())] {
        o.players.push(PlayerSpec {
            name: name.into(),
            source: PlayerSource::Replay { spec: take },
            kit: None,
            offsets: Default::default(),
        });
    }
    o
}

#[test]
fn the_live_report_equals_pocket_score_on_the_capture_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("session");
    let run = pocket()
        .args([
            "live",
            "--chart",
            &chart(),
            "--count-in-bars",
            "1",
            "--speed",
            "16",
        ])
        .args(["--duration", "40", "--quiet", "-o"])
        .arg(&out)
        .arg("--replay")
        .arg(format!("Lee={}", lee()))
        .arg("--replay")
        .arg(format!("Sanae={}", sanae()))
        .output()
        .expect("pocket live runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let live_report = std::fs::read(out.join("report.json")).expect("the session wrote a report");
    let scored = score_command(&out, &["Lee", "Sanae"])
        .arg("-o")
        .arg(dir.path().join("offline.json"))
        .output()
        .expect("pocket score runs");
    assert!(
        scored.status.success(),
        "{}",
        String::from_utf8_lossy(&scored.stderr)
    );
    let offline = std::fs::read(dir.path().join("offline.json")).expect("offline report");
    assert_eq!(
        String::from_utf8_lossy(&live_report),
        String::from_utf8_lossy(&offline),
        "the session's report is pocket score's report on its capture log"
    );
    for take in ["take-Lee.mid", "take-Sanae.mid"] {
        let bytes = std::fs::read(out.join(take)).expect("an SMF take per player");
        assert!(bytes.starts_with(b"MThd"));
    }
    let cap = read_capture(out.join("capture.jsonl")).expect("readable capture");
    assert_eq!(
        cap.end.as_ref().map(|e| e.reason.as_str()),
        Some("duration")
    );
    assert!(cap.events.len() > 100, "{} events", cap.events.len());
    let report: serde_json::Value = serde_json::from_slice(&live_report).expect("JSON");
    assert!(report["players"][0]["matched"].as_u64().unwrap_or(0) > 50);
}

#[test]
fn the_screen_says_when_the_kit_map_reads_few_of_a_players_notes() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Lee's Roland kit sends on channel 10; this kit map listens on channel 2.
    let kit = dir.path().join("td-on-2.json");
    std::fs::write(
        &kit,
        r#"{"name": "td-on-2", "base": "roland-td", "channel": 2}"#,
    )
    .expect("kit file");
    let run = pocket()
        .args(["live", "--chart", &chart(), "--count-in-bars", "1"])
        .args(["--speed", "8", "--duration", "4", "-o"])
        .arg(dir.path().join("session"))
        .arg("--replay")
        .arg(format!("Lee={}", lee()))
        .arg("--kit")
        .arg(format!("Lee={}", kit.display()))
        .output()
        .expect("pocket live runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("Lee  ! "))
        .unwrap_or_else(|| panic!("no warning on screen:\n{stdout}"));
    assert!(
        lines[at].contains("notes came on channel 10, but the td-on-2 kit listens on channel 2"),
        "{}",
        lines[at]
    );
    // Within the first few notes (a few seconds of playing), not only misses.
    let misses_before = lines[..at].iter().filter(|l| l.contains(" miss ")).count();
    assert!(
        misses_before <= 10,
        "{misses_before} misses before the warning:\n{stdout}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("Lee  ! ")).count(),
        1,
        "said once"
    );
}

#[test]
fn a_replay_through_the_live_path_keeps_every_event() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut o = replay_options(dir.path(), 20.0);
    o.duration = Some(pocket::Nanos::from_millis(30_000));
    let outcome = session::run(o).expect("the session runs");
    assert_eq!(outcome.summary.lost, 0);
    let cap = read_capture(&outcome.capture).expect("readable");
    let original = read_capture(lee()).expect("the demo take");
    let zero = cap.effective_time_zero();
    let sent: Vec<_> = original
        .events
        .iter()
        .filter(|e| e.time < pocket::Nanos::from_millis(25_000))
        .collect();
    let got: Vec<_> = cap.events.iter().filter(|e| e.port == 0).collect();
    assert!(
        got.len() >= sent.len(),
        "{} of {} events",
        got.len(),
        sent.len()
    );
    for (s, g) in sent.iter().zip(&got) {
        assert_eq!(s.message(), g.message(), "bytes intact and in order");
        let dt = (g.time - zero - s.time).as_millis_f64();
        // At 20x speed a millisecond of scheduling is 20 ms of capture clock; the clock rule
        // keeps the take's own spacing, so only the first events' delivery shows. The bound
        // allows 25 ms of late wake-up on a loaded machine (parallel tests on two cores) and
        // still catches a schedule in the wrong unit or at the wrong speed.
        assert!(dt.abs() < 500.0, "event moved by {dt} ms");
    }
}

#[test]
fn a_session_stopped_early_is_scored_over_the_span_it_played() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut o = replay_options(dir.path(), 10.0);
    o.players.truncate(1);
    o.duration = Some(pocket::Nanos::from_millis(30_000));
    let outcome = session::run(o).expect("the session runs");
    let cap = read_capture(&outcome.capture).expect("readable");
    assert_eq!(
        cap.end.as_ref().map(|e| e.reason.as_str()),
        Some("duration")
    );
    let report = outcome.report.expect("a report");
    let until = report
        .settings
        .played_until_s
        .expect("the report says where the session stopped");
    let stopped =
        cap.end.as_ref().map(|e| e.time).expect("an end line") - cap.effective_time_zero();
    assert!(
        (until - stopped.as_secs_f64()).abs() < 1e-6,
        "played until {until} s; the capture stopped {} s after time zero",
        stopped.as_secs_f64()
    );
    let chart_notes = report.chart.as_ref().expect("a chart").notes;
    let lee = &report.players[0];
    assert!(
        lee.notes * 2 < chart_notes,
        "{} of the chart's {chart_notes} notes scored",
        lee.notes
    );
    assert!(
        lee.misses * 10 <= lee.notes,
        "the notes after the stop are not misses: {} misses of {}",
        lee.misses,
        lee.notes
    );
    let text = pocket::summary::render(&report, false);
    assert!(text.contains("Played until"), "{text}");
}

#[test]
fn a_take_recorded_from_a_replay_keeps_the_source_time_base() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Lee's take from 20 s to 50 s: a source whose first hit is far from its time zero.
    let full = std::fs::read_to_string(lee()).expect("the demo take");
    let mut lines = full.lines();
    let mut text = format!("{}\n", lines.next().expect("a header"));
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let t = v["t"].as_i64().expect("a time");
        if v.get("k").is_some() || (20_000_000_000..50_000_000_000).contains(&t) {
            text.push_str(line);
            text.push('\n');
        }
    }
    let source = dir.path().join("lee-20-50.jsonl");
    std::fs::write(&source, text).expect("write the source");

    let mut o = SessionOptions::new(dir.path().join("rec"));
    o.speed = 10.0;
    o.players.push(PlayerSpec {
        name: "Lee".into(),
        source: PlayerSource::Replay {
            spec: source.display().to_string(),
        },
        kit: None,
        offsets: Default::default(),
    });
    let outcome = session::run(o).expect("the recording runs");
    let cap = read_capture(&outcome.capture).expect("readable");
    assert!(
        cap.header.time_zero.is_some(),
        "the capture records the source's time zero"
    );
    let written = &outcome.takes[0];
    let bytes = std::fs::read(written).expect("the written take");
    assert!(
        bytes
            .windows(b"time zero: the replayed take's time zero".len())
            .any(|w| w == b"time zero: the replayed take's time zero"),
        "the take says what its time zero is"
    );

    let chart = pocket::formats::load_chart(
        Path::new(&chart()),
        pocket::formats::ChartLoadOptions::default(),
    )
    .expect("the demo chart");
    let kit = pocket::kit::KitMap::builtin("roland-td").expect("a built-in kit");
    let score = |spec: &str| {
        let loaded = pocket::formats::load_take(spec, Some(&kit)).expect("a take");
        let (report, _) = pocket::session::score_session(
            &chart,
            "chart",
            &[pocket::score::PlayerInput::new("Lee", &loaded.take)],
            &pocket::score::ScoreOptions::default(),
            &pocket::sync::SyncOptions::default(),
        );
        report.players.into_iter().next().expect("a player")
    };
    let a = score(&source.display().to_string());
    let b = score(&written.display().to_string());
    assert!(a.matched > 50, "{} matched", a.matched);
    assert_eq!(
        (a.matched, a.extras),
        (b.matched, b.extras),
        "the written take matches the same notes"
    );
    let (ma, mb) = (
        a.offset_ms.mean.expect("a mean"),
        b.offset_ms.mean.expect("a mean"),
    );
    // At 10x speed a replay event delivered 0.1 ms late is 1 ms late on the capture clock.
    assert!(
        (ma - mb).abs() < 3.0,
        "mean offset {mb:.2} ms from the written take, {ma:.2} ms from the source"
    );
}

#[test]
fn practice_settings_are_recorded_and_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut o = replay_options(dir.path(), 10.0);
    o.players.truncate(1);
    o.practice = session::Practice {
        section: Some("Chorus 1".into()),
        loops: 2,
        tempo_scale: 0.8,
    };
    o.duration = Some(pocket::Nanos::from_millis(6_000));
    let outcome = match session::run(o) {
        Ok(x) => x,
        Err(LiveError::Settings(m)) if m.contains("no section") => {
            panic!("the demo chart should have a chorus: {m}")
        }
        Err(e) => panic!("{e}"),
    };
    let cap = read_capture(&outcome.capture).expect("readable");
    assert_eq!(cap.header.section.as_deref(), Some("Chorus 1"));
    assert!(cap.header.looped);
    assert_eq!(cap.header.tempo_scale, Some(0.8));
    let report = outcome.report.expect("a report");
    let title = &report.chart.as_ref().expect("chart").title;
    assert!(
        title.contains("practice") && title.contains("80%"),
        "{title}"
    );
    assert!(dir.path().join("chart.json").exists());
}

#[test]
fn a_panic_in_the_consumer_leaves_the_capture_on_disk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut o = replay_options(dir.path(), 20.0);
    o.fail_after_events = Some(60);
    let err = session::run(o).expect_err("the consumer panics");
    assert!(matches!(err, LiveError::Crashed(_)), "{err}");
    assert!(err.to_string().contains("pocket score"), "{err}");
    let cap = read_capture(dir.path().join("capture.jsonl")).expect("readable after the crash");
    assert_eq!(
        cap.events.len(),
        60,
        "every event taken before the panic is on disk"
    );
    assert!(cap.end.is_none());
}

#[cfg(unix)]
#[test]
fn kill_9_mid_session_loses_nothing_already_flushed_and_pocket_score_rebuilds_the_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("session");
    let mut child = pocket()
        .args([
            "live",
            "--chart",
            &chart(),
            "--count-in-bars",
            "1",
            "--speed",
            "4",
            "--quiet",
            "-o",
        ])
        .arg(&out)
        .arg("--replay")
        .arg(format!("Lee={}", lee()))
        .arg("--replay")
        .arg(format!("Sanae={}", sanae()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pocket live starts");
    let capture = out.join("capture.jsonl");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let lines = std::fs::read_to_string(&capture)
            .map(|s| s.lines().count())
            .unwrap_or(0);
        if lines > 400 {
            break;
        }
        assert!(Instant::now() < deadline, "the capture did not grow");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert!(!out.join("report.json").exists(), "killed before the end");
    let cap = read_capture(&capture).expect("a killed capture is readable");
    assert!(cap.end.is_none());
    assert!(cap.events.len() >= 400);
    let scored = score_command(&out, &["Lee", "Sanae"])
        .arg("-o")
        .arg(dir.path().join("rebuilt.json"))
        .output()
        .expect("pocket score runs");
    assert!(
        scored.status.success(),
        "{}",
        String::from_utf8_lossy(&scored.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("rebuilt.json")).expect("report"))
            .expect("JSON");
    assert!(report["players"][1]["matched"].as_u64().unwrap_or(0) > 20);
}

#[cfg(unix)]
#[test]
fn sigterm_stops_cleanly_with_report_and_takes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("session");
    let child = pocket()
        .args([
            "live",
            "--chart",
            &chart(),
            "--count-in-bars",
            "1",
            "--speed",
            "4",
            "--quiet",
            "-o",
        ])
        .arg(&out)
        .arg("--replay")
        .arg(format!("Lee={}", lee()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pocket live starts");
    let capture = out.join("capture.jsonl");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&capture)
        .map(|s| s.lines().count())
        .unwrap_or(0)
        < 100
    {
        assert!(Instant::now() < deadline, "the capture did not grow");
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let done = child.wait_with_output().expect("pocket exits");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let cap = read_capture(&capture).expect("readable");
    assert_eq!(cap.end.as_ref().map(|e| e.reason.as_str()), Some("stopped"));
    assert!(out.join("report.json").exists());
    assert!(out.join("take-Lee.mid").exists());
}

#[test]
fn pockets_part_of_the_callback_allocates_nothing() {
    set_callback_probe(Some(probe));
    // Directly: normal pushes, a SysEx, a full ring and the wrap-around.
    let clock = pocket::internals::live::CaptureClock::start();
    let (mut tx, mut rx) = ring(256, clock);
    let mut buf = vec![0u8; 20_000];
    let sysex = [0xF0, 0x41, 0x10, 0x00, 0xF7];
    for i in 0..10_000u64 {
        tx.push(i, &[0x99, (i % 128) as u8, 100]);
        tx.push(i, &sysex);
        if i % 7 == 0 {
            while rx.pop(&mut buf).is_some() {}
        }
    }
    tx.push(0, &[]);
    tx.push(0, &vec![0u8; 20_000]);
    // And on replay threads, through the whole session.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut o = replay_options(dir.path(), 20.0);
    o.duration = Some(pocket::Nanos::from_millis(10_000));
    session::run(o).expect("the session runs");
    set_callback_probe(None);
    assert!(
        CALLBACKS.load(Ordering::Relaxed) > 20_000,
        "the probe saw the callbacks"
    );
    assert_eq!(
        ALLOCATIONS_IN_CALLBACK.load(Ordering::SeqCst),
        0,
        "pocket's part of the MIDI callback must not allocate"
    );
}

#[test]
fn live_without_a_port_says_how_to_get_midi_or_names_the_ports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = pocket()
        .args([
            "live",
            "--chart",
            &chart(),
            "--player",
            "Lee=no-such-kit-anywhere",
            "-o",
        ])
        .arg(dir.path().join("s"))
        .output()
        .expect("runs");
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("midi-io")
            || err.contains("no MIDI input matches")
            || err.contains("/dev/snd/seq")
            || err.contains("JACK"),
        "{err}"
    );
}

#[cfg(feature = "jack")]
mod jack {
    //! Kits played into a real JACK server (`jackd -d dummy`): the periods of the server
    //! (POCKET_JACK_RATE, POCKET_JACK_PERIOD, defaults 48000 and 256) and pocket's port-poll
    //! interval set the tolerances. Without a server the tests skip, unless
    //! POCKET_REQUIRE_JACK=1.

    use super::*;
    use midir::os::unix::{VirtualInput, VirtualOutput};
    use midir::MidiOutput;

    fn env_u64(name: &str, default: u64) -> u64 {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    struct Sent {
        player: usize,
        at_ns: i64,
        bytes: Vec<u8>,
    }

    /// The JACK tests share one server: run them one at a time so that one test's client
    /// (de)activations and load do not eat into another's timing tolerances.
    fn jack_serial() -> std::sync::MutexGuard<'static, ()> {
        static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
        SERIAL
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    #[test]
    fn two_kits_through_jack_are_captured_whole_and_on_time() {
        let _serial = jack_serial();
        let lee_out = match MidiOutput::new("pocket-test-lee") {
            Ok(o) => o,
            Err(e) => {
                if std::env::var("POCKET_REQUIRE_JACK").is_ok_and(|v| v == "1") {
                    panic!("POCKET_REQUIRE_JACK=1 but no JACK server answers: {e}");
                }
                pocket::testdata::skip(&format!(
                    "no JACK server is running ({e}); start `jackd -d dummy` to run this test \
                     (POCKET_REQUIRE_JACK=1 fails instead)"
                ));
                return;
            }
        };
        let sanae_out = MidiOutput::new("pocket-test-sanae").expect("second JACK client");
        let mut lee_conn = lee_out.create_virtual("kit").expect("JACK output port");
        let sanae_conn = sanae_out.create_virtual("kit").expect("JACK output port");
        let mut sanae_conn = Some(sanae_conn);

        let rate = env_u64("POCKET_JACK_RATE", 48_000) as f64;
        let period = env_u64("POCKET_JACK_PERIOD", 256) as f64;
        let frames = |ns: f64| ns * rate / 1e9;

        // A 15 s excerpt of the two demo takes; Sanae's sender closes at 10 s.
        let excerpt_ns = 15_000_000_000i64;
        let close_sanae_ns = 10_000_000_000i64;
        let mut events: Vec<(usize, pocket::Nanos, Vec<u8>)> = Vec::new();
        for (i, take) in [lee(), sanae()].iter().enumerate() {
            let cap = read_capture(take).expect("demo take");
            for e in cap
                .events
                .iter()
                .filter(|e| e.time.0 >= 0 && e.time.0 < excerpt_ns)
            {
                events.push((i, e.time, e.message().to_vec()));
            }
        }
        events.sort_by_key(|e| e.1);

        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("session");
        let mut child = pocket()
            .args([
                "live",
                "--chart",
                &chart(),
                "--start",
                "first-hit",
                "--duration",
                "25",
                "--quiet",
            ])
            .args([
                "--player",
                "Lee=pocket-test-lee",
                "--player",
                "Sanae=pocket-test-sanae",
            ])
            .args([
                "--kit",
                "Lee=roland-td",
                "--kit",
                "Sanae=alesis-nitro",
                "-o",
            ])
            .arg(&out)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pocket live starts");
        let capture = out.join("capture.jsonl");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !capture.exists() {
            assert!(Instant::now() < deadline, "pocket live did not start");
            if let Ok(Some(status)) = child.try_wait() {
                let o = child.wait_with_output().expect("output");
                panic!(
                    "pocket live exited {status}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(1500));

        let t0 = Instant::now() + Duration::from_millis(200);
        let mut sent: Vec<Sent> = Vec::new();
        for (player, t, bytes) in &events {
            if *player == 1 && t.0 >= close_sanae_ns {
                if sanae_conn.is_some() {
                    // Let JACK send what is queued, then close Sanae's port mid-song.
                    std::thread::sleep(Duration::from_secs_f64(4.0 * period / rate));
                    sanae_conn = None;
                }
                continue;
            }
            let due = t0 + Duration::from_nanos(t.0 as u64);
            while Instant::now() < due {
                std::thread::sleep(
                    due.saturating_duration_since(Instant::now())
                        .min(Duration::from_millis(2)),
                );
            }
            let at_ns = Instant::now().duration_since(t0).as_nanos() as i64;
            let conn = if *player == 0 {
                Some(&mut lee_conn)
            } else {
                sanae_conn.as_mut()
            };
            if let Some(c) = conn {
                c.send(bytes).expect("JACK send");
                sent.push(Sent {
                    player: *player,
                    at_ns,
                    bytes: bytes.clone(),
                });
            }
        }
        drop(sanae_conn);
        std::thread::sleep(Duration::from_millis(500));
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let done = child.wait_with_output().expect("pocket exits");
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
        drop(lee_conn);

        let cap = read_capture(&capture).expect("readable capture");
        let port_of = |player: usize| cap.header.players[player].port;
        let mut diffs: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        for (player, diff) in diffs.iter_mut().enumerate() {
            let mine: Vec<&Sent> = sent.iter().filter(|s| s.player == player).collect();
            let got: Vec<_> = cap
                .events
                .iter()
                .filter(|e| e.port == port_of(player))
                .collect();
            if got.len() != mine.len() {
                let first = mine
                    .iter()
                    .zip(&got)
                    .position(|(s, g)| g.message() != &s.bytes[..])
                    .map(|i| (i, mine[i].at_ns, mine[i].bytes.clone()));
                panic!(
                    "player {player}: {} of {} events arrived; first difference {first:?}",
                    got.len(),
                    mine.len()
                );
            }
            for (s, g) in mine.iter().zip(&got) {
                assert_eq!(g.message(), &s.bytes[..], "note, lane and velocity intact");
                diff.push((g.time.0 - s.at_ns) as f64);
            }
        }
        assert!(!diffs[1].is_empty() && diffs[0].len() > diffs[1].len());
        // One unknown constant links the two clocks; everything else is transport delay.
        let base = diffs
            .iter()
            .flatten()
            .cloned()
            .fold(f64::INFINITY, f64::min);
        for (player, d) in diffs.iter().enumerate() {
            for x in d {
                let late = frames(x - base);
                assert!(
                    late <= 2.0 * period,
                    "player {player}: captured {late:.0} frames after the send (two periods = {})",
                    2.0 * period
                );
            }
        }
        let mean = |d: &Vec<f64>| d.iter().sum::<f64>() / d.len() as f64;
        let asym = frames((mean(&diffs[0]) - mean(&diffs[1])).abs());
        assert!(
            asym <= period,
            "the asynchrony between players moved by {asym:.0} frames on average"
        );
        assert!(
            cap.gaps.iter().any(|g| g.port == port_of(1)),
            "Sanae's closed port is marked as a gap: {:?}",
            cap.gaps
        );

        // The final report equals offline scoring of the capture.
        let scored = score_command(&out, &["Lee", "Sanae"])
            .args(["--kit", "Lee=roland-td", "--kit", "Sanae=alesis-nitro"])
            .arg("-o")
            .arg(dir.path().join("offline.json"))
            .output()
            .expect("pocket score runs");
        assert!(
            scored.status.success(),
            "{}",
            String::from_utf8_lossy(&scored.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(out.join("report.json")).expect("live report"),
            std::fs::read_to_string(dir.path().join("offline.json")).expect("offline report")
        );
    }

    /// A JACK client, or `None` (the test skips) when no server answers, unless
    /// POCKET_REQUIRE_JACK=1.
    fn jack_output_or_skip(name: &str) -> Option<MidiOutput> {
        match MidiOutput::new(name) {
            Ok(o) => Some(o),
            Err(e) => {
                if std::env::var("POCKET_REQUIRE_JACK").is_ok_and(|v| v == "1") {
                    panic!("POCKET_REQUIRE_JACK=1 but no JACK server answers: {e}");
                }
                pocket::testdata::skip(&format!(
                    "no JACK server is running ({e}); start `jackd -d dummy` to run this test \
                     (POCKET_REQUIRE_JACK=1 fails instead)"
                ));
                None
            }
        }
    }

    /// The server's sample rate and period (frames), from POCKET_JACK_RATE and
    /// POCKET_JACK_PERIOD.
    fn rate_and_period() -> (f64, f64) {
        (
            env_u64("POCKET_JACK_RATE", 48_000) as f64,
            env_u64("POCKET_JACK_PERIOD", 256) as f64,
        )
    }

    fn sleep_until(due: Instant) {
        while Instant::now() < due {
            std::thread::sleep(
                due.saturating_duration_since(Instant::now())
                    .min(Duration::from_millis(2)),
            );
        }
    }

    /// Waits for `pocket live` to create its capture log (it has opened its ports by then).
    fn wait_for_capture(child: &mut std::process::Child, capture: &Path) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !capture.exists() {
            assert!(Instant::now() < deadline, "pocket live did not start");
            if let Ok(Some(status)) = child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
                }
                panic!("pocket live exited {status}: {stderr}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop_pocket(child: std::process::Child) {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let done = child.wait_with_output().expect("pocket exits");
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
    }

    enum Step {
        Send(usize, Vec<u8>),
        /// Sanae's port is unregistered (her kit is unplugged).
        Leave,
        /// Sanae's port is registered again under the same name (plugged back in).
        Return,
    }

    #[test]
    fn a_kit_that_disappears_and_returns_is_reconnected_and_nothing_after_is_lost() {
        let _serial = jack_serial();
        let Some(lee_out) = jack_output_or_skip("pocket-rc-lee") else {
            return;
        };
        let sanae_out = MidiOutput::new("pocket-rc-sanae").expect("second JACK client");
        let mut lee_conn = lee_out.create_virtual("kit").expect("JACK output port");
        let mut sanae_conn = Some(sanae_out.create_virtual("kit").expect("JACK output port"));
        let mut sanae_client: Option<MidiOutput> = None;

        let (rate, period) = rate_and_period();
        let frames = |ns: f64| ns * rate / 1e9;
        let period_ns = period * 1e9 / rate;
        // pocket polls the port list this often: a lost or returning port is noticed within
        // one interval; a second one absorbs the scheduling noise of a loaded machine.
        let poll_ns = pocket::live::ports::POLL_EVERY.as_nanos() as f64;
        let notice_ns = 2.0 * poll_ns;

        // Sanae's kit leaves at 4 s and returns after several poll intervals (at least 3 s),
        // then both play on for 6 s more.
        let leave_ns = 4_000_000_000i64;
        let away_ns = (4.0 * poll_ns).max(3e9) as i64;
        let back_ns = leave_ns + away_ns;
        let excerpt_ns = back_ns + 6_000_000_000;
        let mut steps: Vec<(i64, Step)> = vec![(leave_ns, Step::Leave), (back_ns, Step::Return)];
        for (i, take) in [lee(), sanae()].iter().enumerate() {
            let cap = read_capture(take).expect("demo take");
            for e in cap
                .events
                .iter()
                .filter(|e| e.time.0 >= 0 && e.time.0 < excerpt_ns)
            {
                steps.push((e.time.0, Step::Send(i, e.message().to_vec())));
            }
        }
        // Stable: at equal times the port changes come first.
        steps.sort_by_key(|s| s.0);

        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("session");
        let mut child = pocket()
            .args(["live", "--chart", &chart(), "--start", "now"])
            .args(["--duration", &(excerpt_ns / 1_000_000_000 + 30).to_string()])
            .args(["--quiet", "--player", "Lee=pocket-rc-lee"])
            .args(["--player", "Sanae=pocket-rc-sanae"])
            .args([
                "--kit",
                "Lee=roland-td",
                "--kit",
                "Sanae=alesis-nitro",
                "-o",
            ])
            .arg(&out)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pocket live starts");
        let capture = out.join("capture.jsonl");
        wait_for_capture(&mut child, &capture);
        std::thread::sleep(Duration::from_millis(1500));

        let t0 = Instant::now() + Duration::from_millis(200);
        let since_t0 = || Instant::now().duration_since(t0).as_nanos() as i64;
        let mut sent: Vec<Sent> = Vec::new();
        let (mut left_at_ns, mut back_at_ns) = (None, None);
        for (t, step) in steps {
            sleep_until(t0 + Duration::from_nanos(t as u64));
            match step {
                Step::Leave => {
                    // Let JACK deliver what is queued, then unregister the port.
                    std::thread::sleep(Duration::from_secs_f64(4.0 * period / rate));
                    let conn = sanae_conn.take().expect("Sanae's port is open");
                    sanae_client = Some(conn.close());
                    left_at_ns = Some(since_t0());
                }
                Step::Return => {
                    let client = sanae_client.take().expect("Sanae's client");
                    sanae_conn = Some(
                        client
                            .create_virtual("kit")
                            .expect("the port comes back under its name"),
                    );
                    back_at_ns = Some(since_t0());
                }
                Step::Send(player, bytes) => {
                    let conn = if player == 0 {
                        Some(&mut lee_conn)
                    } else {
                        sanae_conn.as_mut()
                    };
                    // While Sanae's kit is unplugged she has nothing to send on.
                    if let Some(c) = conn {
                        let at_ns = since_t0();
                        c.send(&bytes).expect("JACK send");
                        sent.push(Sent {
                            player,
                            at_ns,
                            bytes,
                        });
                    }
                }
            }
        }
        std::thread::sleep(Duration::from_millis(500));
        stop_pocket(child);
        drop(sanae_conn);
        drop(lee_conn);
        let left_ns = left_at_ns.expect("the port left") as f64;
        let back_ns = back_at_ns.expect("the port returned") as f64;

        let cap = read_capture(&capture).expect("readable capture");
        assert_eq!(cap.end.as_ref().map(|e| e.reason.as_str()), Some("stopped"));
        assert!(cap.overflows.is_empty(), "{:?}", cap.overflows);
        let port_of = |player: usize| cap.header.players[player].port;
        let got_of = |player: usize| -> Vec<&pocket::event::RawEvent> {
            cap.events
                .iter()
                .filter(|e| e.port == port_of(player))
                .collect()
        };
        let sent_of =
            |player: usize| -> Vec<&Sent> { sent.iter().filter(|s| s.player == player).collect() };

        // One gap for Sanae's port, closed when it came back; none for Lee's.
        let gaps: Vec<_> = cap.gaps.iter().filter(|g| g.port == port_of(1)).collect();
        assert_eq!(gaps.len(), 1, "one gap for Sanae's port: {:?}", cap.gaps);
        assert!(
            cap.gaps.iter().all(|g| g.port != port_of(0)),
            "Lee's port never left: {:?}",
            cap.gaps
        );
        let gap = gaps[0];

        // Lee: whole throughout, bytes intact and in order.
        let (lee_sent, lee_got) = (sent_of(0), got_of(0));
        assert_eq!(
            lee_got.len(),
            lee_sent.len(),
            "Lee: {} of {} events arrived",
            lee_got.len(),
            lee_sent.len()
        );
        let mut pairs: Vec<(&Sent, &pocket::event::RawEvent)> = Vec::new();
        for (s, g) in lee_sent.iter().zip(&lee_got) {
            assert_eq!(g.message(), &s.bytes[..], "Lee's bytes intact and in order");
            pairs.push((s, g));
        }

        // Sanae before she left: every event.
        let sanae_sent = sent_of(1);
        let (before, after): (Vec<&Sent>, Vec<&Sent>) =
            sanae_sent.iter().partition(|s| (s.at_ns as f64) < left_ns);
        let sanae_got = got_of(1);
        let (got_before, got_after): (
            Vec<&pocket::event::RawEvent>,
            Vec<&pocket::event::RawEvent>,
        ) = sanae_got.iter().partition(|g| g.time < gap.from);
        assert_eq!(
            got_before.len(),
            before.len(),
            "Sanae before the gap: {} of {} events arrived",
            got_before.len(),
            before.len()
        );
        for (s, g) in before.iter().zip(&got_before) {
            assert_eq!(
                g.message(),
                &s.bytes[..],
                "Sanae's bytes intact and in order"
            );
            pairs.push((s, g));
        }
        // After she returned: what pocket captured is exactly the tail of what she sent (the
        // events sent before pocket reconnected are lost inside the gap, checked below).
        assert!(
            got_after.len() <= after.len(),
            "Sanae after the gap: {} captured, {} sent",
            got_after.len(),
            after.len()
        );
        let missed = after.len() - got_after.len();
        for (s, g) in after[missed..].iter().zip(&got_after) {
            assert_eq!(
                g.message(),
                &s.bytes[..],
                "Sanae's bytes after the return intact and in order"
            );
            pairs.push((s, g));
        }

        // One unknown constant links the two clocks (the smallest delay); every captured event
        // is at most two periods later than its send, before and after the reconnection.
        let base = pairs
            .iter()
            .map(|(s, g)| (g.time.0 - s.at_ns) as f64)
            .fold(f64::INFINITY, f64::min);
        for (s, g) in &pairs {
            let late = frames((g.time.0 - s.at_ns) as f64 - base);
            assert!(
                late <= 2.0 * period,
                "player {}: captured {late:.0} frames after the send (two periods = {})",
                s.player,
                2.0 * period
            );
        }
        let capture_time = |test_ns: f64| test_ns + base;

        // The gap starts when the port was noticed missing and ends when it was reconnected,
        // each within the poll tolerance.
        let from = gap.from.0 as f64;
        let to = gap.to.0 as f64;
        let left = capture_time(left_ns);
        let back = capture_time(back_ns);
        assert!(
            from >= left - 2.0 * period_ns && from <= left + notice_ns,
            "the gap starts {:.0} ms after the port left (poll interval {:.0} ms)",
            (from - left) / 1e6,
            poll_ns / 1e6
        );
        assert!(
            to >= back - 2.0 * period_ns && to <= back + notice_ns,
            "the gap ends {:.0} ms after the port returned (poll interval {:.0} ms)",
            (to - back) / 1e6,
            poll_ns / 1e6
        );
        // Only events sent before the reconnection may be missing.
        for s in &after[..missed] {
            let at = capture_time(s.at_ns as f64);
            assert!(
                at <= to + 2.0 * period_ns,
                "an event sent {:.0} ms after the reconnection was lost",
                (at - to) / 1e6
            );
        }
        assert!(
            got_after.len() >= 20,
            "Sanae played on after her return: {} events captured",
            got_after.len()
        );
        eprintln!(
            "gap noticed {:.0} ms after the port left, closed {:.0} ms after it returned; \
             {missed} events sent before the reconnection, {} after",
            (from - left) / 1e6,
            (to - back) / 1e6,
            got_after.len()
        );
    }

    #[test]
    fn the_count_in_clicks_arrive_accented_and_on_the_beat() {
        let _serial = jack_serial();
        // Skip like the other JACK tests when no server answers.
        if jack_output_or_skip("pocket-test-click-probe").is_none() {
            return;
        }
        let (rate, period) = rate_and_period();
        let period_ns = period * 1e9 / rate;

        // A chart in 3/4 at 150 bpm, so the click count follows the first time signature and
        // the spacing the chart's tempo (not a 4/4 or 120 bpm default).
        let dir = tempfile::tempdir().expect("temp dir");
        let chart_path = dir.path().join("waltz-150.json");
        std::fs::write(
            &chart_path,
            r#"{
  "format": "pocket-chart/1",
  "title": "Waltz",
  "ppq": 480,
  "tempos": [{"at": "1:1", "bpm": 150}],
  "time_signatures": [{"bar": 1, "signature": "3/4"}],
  "notes": [
    {"at": "1:1", "lane": "kick"},
    {"at": "1:2", "lane": "snare"},
    {"at": "1:3", "lane": "snare"},
    {"at": "2:1", "lane": "kick"}
  ]
}
"#,
        )
        .expect("write the chart");
        let chart =
            pocket::formats::load_chart(&chart_path, pocket::formats::ChartLoadOptions::default())
                .expect("the chart loads");
        let sig = chart.tempo_map.signature_at(pocket::Ticks(0));
        let beats = u64::from(sig.numerator);
        assert_eq!(beats, 3);
        let beat_ns = 60e9 / chart.tempo_map.tempo_at(pocket::Ticks(0)).bpm();
        let bars = 2u64;

        // The click port: a JACK MIDI input that stamps what it receives with JACK's clock.
        type Received = Vec<(u64, Vec<u8>)>;
        let received = std::sync::Arc::new(std::sync::Mutex::new(Received::new()));
        let sink = std::sync::Arc::clone(&received);
        let click_in = midir::MidiInput::new("pocket-test-click").expect("JACK client");
        let click_conn = click_in
            .create_virtual(
                "in",
                move |stamp_us, message, sink: &mut std::sync::Arc<std::sync::Mutex<Received>>| {
                    if let Ok(mut r) = sink.lock() {
                        r.push((stamp_us, message.to_vec()));
                    }
                },
                sink,
            )
            .expect("JACK input port");

        let out = dir.path().join("session");
        let run = pocket()
            .args(["live", "--chart"])
            .arg(&chart_path)
            .args(["--start", "count-in", "--count-in-bars", &bars.to_string()])
            .args(["--click-port", "pocket-test-click"])
            .args(["--duration", "4", "--quiet", "-o"])
            .arg(&out)
            .arg("--replay")
            .arg(format!("Lee={}", lee()))
            .output()
            .expect("pocket live runs");
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        std::thread::sleep(Duration::from_secs_f64(4.0 * period / rate));
        drop(click_conn);
        let received = received.lock().expect("the callback did not panic").clone();

        let expected = (bars * beats) as usize;
        let on: Vec<&(u64, Vec<u8>)> = received
            .iter()
            .filter(|(_, m)| m.len() == 3 && m[0] == 0x99 && m[2] > 0)
            .collect();
        let off = received
            .iter()
            .filter(|(_, m)| m.len() == 3 && (m[0] == 0x89 || (m[0] == 0x99 && m[2] == 0)))
            .count();
        assert_eq!(
            on.len(),
            expected,
            "{bars} bars of {beats} clicks: {received:?}"
        );
        assert_eq!(off, expected, "every click note is released: {received:?}");
        assert_eq!(
            received.len(),
            2 * expected,
            "nothing else is sent: {received:?}"
        );

        // Downbeats: a different note, louder.
        let accents: Vec<bool> = (0..expected)
            .map(|i| (i as u64).is_multiple_of(beats))
            .collect();
        let (accent_note, accent_velocity) = (on[0].1[1], on[0].1[2]);
        let (beat_note, beat_velocity) = (on[1].1[1], on[1].1[2]);
        assert!(
            accent_note != beat_note && accent_velocity > beat_velocity,
            "the downbeat is told apart: {:?} vs {:?}",
            on[0].1,
            on[1].1
        );
        for (i, (_, m)) in on.iter().enumerate() {
            let want = if accents[i] {
                [0x99, accent_note, accent_velocity]
            } else {
                [0x99, beat_note, beat_velocity]
            };
            assert_eq!(&m[..], &want[..], "click {i}");
        }

        // Evenly spaced at the chart's tempo, within two periods, on JACK's clock.
        let tolerance_ns = 2.0 * period_ns;
        for w in on.windows(2) {
            let step_ns = (w[1].0 as f64 - w[0].0 as f64) * 1e3;
            assert!(
                (step_ns - beat_ns).abs() <= tolerance_ns,
                "clicks {:.1} ms apart, the beat is {:.1} ms (two periods = {:.1} ms)",
                step_ns / 1e6,
                beat_ns / 1e6,
                tolerance_ns / 1e6
            );
        }
        let span_ns = (on[expected - 1].0 as f64 - on[0].0 as f64) * 1e3;
        assert!(
            (span_ns - (expected - 1) as f64 * beat_ns).abs() <= tolerance_ns,
            "the count-in lasted {:.1} ms",
            span_ns / 1e6
        );

        // The capture log records each click, accented as sent, on the beat before time zero.
        let cap = read_capture(out.join("capture.jsonl")).expect("readable capture");
        assert_eq!(
            cap.clicks.iter().map(|c| c.accent).collect::<Vec<_>>(),
            accents,
            "{:?}",
            cap.clicks
        );
        let zero = cap.effective_time_zero();
        for (i, c) in cap.clicks.iter().enumerate() {
            let before_zero_ns = (zero - c.time).0 as f64;
            let want_ns = (expected - i) as f64 * beat_ns;
            assert!(
                (before_zero_ns - want_ns).abs() <= tolerance_ns,
                "click {i} logged {:.1} ms before time zero, expected {:.1} ms",
                before_zero_ns / 1e6,
                want_ns / 1e6
            );
        }
    }
}
