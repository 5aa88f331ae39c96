//! Live capture end to end: replays through the real-time path, what a crash or a signal
//! leaves on disk, no allocation in pocket's part of the MIDI callback nor in the audio
//! transcriber after warm-up, and (feature `jack`) a real JACK server: two kits played into
//! it, a kit unplugged and plugged back in, and the count-in click.

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
    probe_fn(entering)
}

fn probe_fn(entering: bool) {
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
    let mut c = Command::cargo_bin("pocket").expect("the pocket binary is built");
    // No test touches its user's practice history.
    c.env(
        pocket::testdata::HISTORY_VAR,
        pocket::testdata::test_history(),
    );
    c
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
fn the_audio_transcriber_allocates_nothing_but_its_hits_after_warm_up() {
    use pocket::audio::Voice;
    use pocket::transcribe::{AudioKit, Settings, Streaming};
    use pocket::{Articulation, Lane};
    // Twelve seconds of pocket's synthesized voices, a stroke every 125 ms: kick and hi-hat,
    // hi-hat, snare and hi-hat, hi-hat. Every onset goes through the classifier and the
    // waveform refinement.
    let rate = 48_000;
    let kick = Voice::of(Lane::Kick, None).synthesize(rate);
    let snare = Voice::of(Lane::Snare, None).synthesize(rate);
    let hat = Voice::of(Lane::Hihat, Some(Articulation::Closed)).synthesize(rate);
    let mut audio = vec![0.0f32; 12 * rate as usize];
    let step = rate as usize / 8;
    for (i, at) in (rate as usize / 10..audio.len()).step_by(step).enumerate() {
        let voices: &[&Vec<f32>] = match i % 4 {
            0 => &[&kick, &hat],
            2 => &[&snare, &hat],
            _ => &[&hat],
        };
        for v in voices {
            for (o, s) in audio[at..].iter_mut().zip(v.iter()) {
                *o += 0.4 * s;
            }
        }
    }
    let mut engine = Streaming::new(rate, Settings::default(), &AudioKit::builtin());
    let mut hits = Vec::with_capacity(4096);
    let (warm, rest) = audio.split_at(2 * rate as usize);
    for block in warm.chunks(256) {
        engine.push_into(block, &mut hits);
    }
    let warmed = hits.len();
    let before = ALLOCATIONS_IN_CALLBACK.load(Ordering::SeqCst);
    ARMED.with(|a| a.set(true));
    for block in rest.chunks(256) {
        engine.push_into(block, &mut hits);
    }
    ARMED.with(|a| a.set(false));
    let allocations = ALLOCATIONS_IN_CALLBACK.load(Ordering::SeqCst) - before;
    let found = &hits[warmed..];
    for lane in [Lane::Kick, Lane::Snare, Lane::Hihat] {
        let n = found.iter().filter(|h| h.lane == lane).count();
        assert!(n > 10, "{n} {lane:?} hits in ten seconds: {found:?}");
    }
    assert!(hits.capacity() == 4096, "the hits fit the vector given");
    assert_eq!(
        allocations,
        0,
        "after warm-up, the transcriber must not allocate ({} hits)",
        found.len()
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

#[test]
fn an_audio_input_that_cannot_be_had_is_named_with_what_to_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let live = |player: &str| {
        let run = pocket()
            .args(["live", "--chart", &chart(), "--player", player, "-o"])
            .arg(dir.path().join("s"))
            .output()
            .expect("runs");
        assert!(!run.status.success());
        assert!(!dir.path().join("s").exists(), "no session folder is left");
        (
            run.status.code(),
            String::from_utf8_lossy(&run.stderr).to_string(),
        )
    };
    let (code, err) = live("Lee=audio:");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("name the audio input after audio:"), "{err}");
    // Without JACK in the build, without a server, or with no such port: each says so.
    let (code, err) = live("Lee=audio:no-such-input-anywhere");
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("built without audio input support")
            || err.contains("JACK server")
            || err.contains("no audio input matches \"no-such-input-anywhere\""),
        "{err}"
    );
}

#[cfg(feature = "jack")]
#[path = "live/jack_server.rs"]
mod jack_server;

#[cfg(feature = "jack")]
#[path = "live/jack_play_along.rs"]
mod jack_play_along;

#[cfg(feature = "jack")]
#[path = "live/jack_audio_in.rs"]
mod jack_audio_in;

#[cfg(all(feature = "jack", feature = "midi-io"))]
#[path = "live/cpal_audio_in.rs"]
mod cpal_audio_in;

#[cfg(all(feature = "jack", feature = "midi-io"))]
#[path = "live/cpal_two_kits.rs"]
mod cpal_two_kits;
