//! Kits played into a real JACK server (`jackd -d dummy`) by test clients that write notes at
//! exact frames, and listen to pocket's click at the frames it arrives. Run at several periods
//! (CI: 1024 and 2048 frames); every check is in frames or to 0.1 ms, whatever the period.
//! Without a server the tests skip, unless POCKET_REQUIRE_JACK=1.
//!
//! The test clients are not pocket's: each is its own JACK client. A client that plays into
//! pocket runs before pocket in the graph; one that listens runs after it. No client both
//! listens to pocket and plays into it (that would be a feedback loop, delayed by a period):
//! the drummer that follows the click hears it with one client and plays with another.

use super::*;
use jack::{
    AsyncClient, Client, ClientOptions, MidiIn, MidiOut, Port, ProcessHandler, ProcessScope,
    RawMidi,
};
use pocket::formats::capture_log::Capture;
use pocket::Nanos;
use std::sync::{Arc, Mutex};

/// The JACK tests share one server: one at a time, so one test's clients do not load another's.
pub(super) fn jack_serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// A client of the server, or `None` (the test skips) when no server answers, unless
/// POCKET_REQUIRE_JACK=1.
pub(super) fn client_or_skip(name: &str) -> Option<Client> {
    match Client::new(name, ClientOptions::NO_START_SERVER) {
        Ok((c, _)) => Some(c),
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

pub(super) fn client(name: &str) -> Client {
    Client::new(name, ClientOptions::NO_START_SERVER)
        .map(|(c, _)| c)
        .expect("a JACK client")
}

/// Notes to play, at JACK frame times, shared with the test thread (which may add more); also
/// the notes a kit wrote.
pub(super) type Plan = Arc<Mutex<Vec<(u32, [u8; 3])>>>;
/// Messages a listener heard, at JACK frame times.
type Heard = Arc<Mutex<Vec<(u32, Vec<u8>)>>>;

/// A test kit: one MIDI output port that writes each planned note at its exact frame.
pub(super) struct Player {
    port: Port<MidiOut>,
    plan: Plan,
    /// Notes written: (frame, message).
    sent: Plan,
}

impl ProcessHandler for Player {
    fn process(&mut self, _: &Client, ps: &ProcessScope) -> jack::Control {
        let start = ps.last_frame_time();
        let n = ps.n_frames();
        let mut w = self.port.writer(ps);
        if let (Ok(mut plan), Ok(mut sent)) = (self.plan.try_lock(), self.sent.try_lock()) {
            plan.sort_by_key(|(f, _)| f.wrapping_sub(start) as i32);
            while let Some(&(f, m)) = plan.first() {
                let offset = f.wrapping_sub(start) as i32;
                if offset >= n as i32 {
                    break;
                }
                // A note whose frame has passed (the server skipped cycles: an xrun) goes out
                // first thing, and is recorded at the frame it really went out.
                let offset = offset.max(0) as u32;
                w.write(&RawMidi {
                    time: offset,
                    bytes: &m,
                })
                .expect("room in the port buffer");
                sent.push((start.wrapping_add(offset), m));
                plan.remove(0);
            }
        }
        jack::Control::Continue
    }
}

pub(super) type Kit = AsyncClient<(), Player>;

/// Starts a test kit named `name` (its port is `NAME:kit`).
pub(super) fn kit(name: &str, plan: Plan) -> (Kit, Plan) {
    let c = client(name);
    let port = c.register_port("kit", MidiOut::default()).expect("port");
    let sent = Arc::new(Mutex::new(Vec::new()));
    let player = Player {
        port,
        plan,
        sent: Arc::clone(&sent),
    };
    (c.activate_async((), player).expect("active"), sent)
}

/// A test listener: one MIDI input port recording each message with its frame.
struct Listener {
    port: Port<MidiIn>,
    heard: Heard,
}

impl ProcessHandler for Listener {
    fn process(&mut self, _: &Client, ps: &ProcessScope) -> jack::Control {
        let start = ps.last_frame_time();
        if let Ok(mut heard) = self.heard.lock() {
            for ev in self.port.iter(ps) {
                heard.push((start.wrapping_add(ev.time), ev.bytes.to_vec()));
            }
        }
        jack::Control::Continue
    }
}

fn listener(name: &str) -> (AsyncClient<(), Listener>, Heard) {
    let c = client(name);
    let port = c.register_port("in", MidiIn::default()).expect("port");
    let heard = Arc::new(Mutex::new(Vec::new()));
    let l = Listener {
        port,
        heard: Arc::clone(&heard),
    };
    (c.activate_async((), l).expect("active"), heard)
}

/// Runs a session in this process with the callback probe armed (the counting allocator sees
/// pocket's callback), and waits until it has created its capture log in `out`.
pub(super) fn start_probed_session(
    o: SessionOptions,
    out: &Path,
) -> std::thread::JoinHandle<Result<session::SessionOutcome, LiveError>> {
    let session = std::thread::spawn(move || {
        set_callback_probe(Some(probe_fn));
        let r = session::run(o);
        set_callback_probe(None);
        r
    });
    let capture = out.join("capture.jsonl");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !capture.exists() {
        assert!(Instant::now() < deadline, "the session did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    session
}

/// Waits for `pocket live` to create its capture log (its JACK client runs by then).
pub(super) fn wait_for_capture(child: &mut std::process::Child, capture: &Path) {
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

pub(super) fn finish(child: std::process::Child) -> std::process::Output {
    let done = child.wait_with_output().expect("pocket exits");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    done
}

fn stop(child: std::process::Child) -> std::process::Output {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    finish(child)
}

pub(super) fn spawn(cmd: &mut Command) -> std::process::Child {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pocket starts")
}

/// Mean and standard deviation.
fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n;
    (m, v.sqrt())
}

/// Frames of a duration at the server's rate.
pub(super) fn frames_of(rate: u32, t: Nanos) -> u32 {
    (t.0 as f64 * f64::from(rate) / 1e9).round() as u32
}

/// The capture's events of one port, times in ns.
fn port_times(cap: &Capture, port: u16) -> Vec<(i64, Vec<u8>)> {
    cap.events
        .iter()
        .filter(|e| e.port == port)
        .map(|e| (e.time.0, e.message().to_vec()))
        .collect()
}

#[test]
fn two_kits_seven_ms_apart_are_captured_seven_ms_apart_to_the_frame() {
    let _serial = jack_serial();
    let Some(probe) = client_or_skip("pocket-test-probe") else {
        return;
    };
    let rate = probe.sample_rate();
    let period = probe.buffer_size();
    let apart = frames_of(rate, Nanos::from_millis(7));
    let (lee_plan, ana_plan): (Plan, Plan) = Default::default();
    let (lee, lee_sent) = kit("pocket-test-lee", Arc::clone(&lee_plan));
    let (ana, ana_sent) = kit("pocket-test-ana", Arc::clone(&ana_plan));

    // pocket's own process: the callback's allocations are counted (see the probe above).
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("session");
    let mut o = SessionOptions::new(&out);
    for (name, port) in [("Lee", "pocket-test-lee"), ("Ana", "pocket-test-ana")] {
        o.players.push(PlayerSpec {
            name: name.into(),
            source: PlayerSource::Port {
                query: port.into(),
                channel: None,
            },
            kit: None,
            offsets: Default::default(),
        });
    }
    o.duration = Some(Nanos::from_millis(9_000));
    o.show = false;
    let session = start_probed_session(o, &out);
    std::thread::sleep(Duration::from_millis(500));

    // Every 250 ms plus a little more (so the offsets inside the period vary), Lee hits and
    // Ana hits 7 ms later; 24 hits each, at frames on JACK's clock.
    let start = probe.frame_time().wrapping_add(rate / 2);
    let step = rate / 4 + 37;
    for i in 0..24u32 {
        let f = start.wrapping_add(i * step);
        let note = [0x99, 38, 40 + (i as u8)];
        lee_plan.lock().expect("plan").push((f, note));
        ana_plan
            .lock()
            .expect("plan")
            .push((f.wrapping_add(apart), note));
    }
    let outcome = session.join().expect("no panic").expect("the session runs");
    let callbacks = CALLBACKS.load(Ordering::Relaxed);
    drop((lee, ana));

    assert!(callbacks > 0, "the probe saw pocket's JACK callback");
    assert_eq!(
        ALLOCATIONS_IN_CALLBACK.load(Ordering::SeqCst),
        0,
        "pocket's JACK callback must not allocate"
    );
    let cap = read_capture(&outcome.capture).expect("readable capture");
    let stamps = cap
        .header
        .capture
        .clone()
        .expect("the header says how events were stamped");
    assert_eq!(stamps.backend, "jack");
    assert_eq!(stamps.sample_rate, Some(rate));
    assert_eq!(stamps.period_frames, Some(period));
    assert!((stamps.stamp_resolution_ms - 1000.0 / f64::from(rate)).abs() < 1e-9);

    let sent = [
        lee_sent.lock().expect("sent").clone(),
        ana_sent.lock().expect("sent").clone(),
    ];
    let got = [port_times(&cap, 0), port_times(&cap, 1)];
    for p in 0..2 {
        assert_eq!(got[p].len(), 24, "player {p}: every hit captured");
        assert_eq!(sent[p].len(), 24);
        for (i, ((_, m), (f, s))) in got[p].iter().zip(&sent[p]).enumerate() {
            assert_eq!(&m[..], &s[..], "player {p} hit {i}: bytes intact");
            // The spacing between hits is exactly the frames between their sends.
            let frames = f.wrapping_sub(sent[p][0].0);
            let expected = (f64::from(frames) * 1e9 / f64::from(rate)).round() as i64;
            assert!(
                (got[p][i].0 - got[p][0].0 - expected).abs() <= 1,
                "player {p} hit {i}: {} ns after the first, sent {expected} ns after",
                got[p][i].0 - got[p][0].0
            );
        }
    }
    // The asynchrony pocket reports, against the truth: the frames between the two sends
    // (7 ms, unless the server skipped cycles and a note went out late).
    let truth: Vec<f64> = sent[1]
        .iter()
        .zip(&sent[0])
        .map(|(a, l)| f64::from(a.0.wrapping_sub(l.0) as i32) * 1e3 / f64::from(rate))
        .collect();
    let asynchrony: Vec<f64> = got[1]
        .iter()
        .zip(&got[0])
        .map(|(a, l)| (a.0 - l.0) as f64 / 1e6)
        .collect();
    let error: Vec<f64> = asynchrony.iter().zip(&truth).map(|(a, t)| a - t).collect();
    let on_time = truth.iter().filter(|t| (**t - 7.0).abs() < 0.01).count();
    let (mean, sd) = mean_sd(&asynchrony);
    let (error_mean, error_sd) = mean_sd(&error);
    eprintln!(
        "period {period}: two kits 7.0 ms apart measured {mean:.4} ms apart, sd {sd:.4} ms; \
         error against the frames sent {error_mean:.4} ± {error_sd:.4} ms; \
         {on_time} of 24 pairs sent exactly 7 ms apart"
    );
    for (i, e) in error.iter().enumerate() {
        assert!(e.abs() < 0.1, "pair {i}: asynchrony off by {e} ms");
    }
    if on_time == truth.len() {
        assert!((mean - 7.0).abs() < 0.1, "mean asynchrony {mean} ms");
        assert!(sd < 0.1, "asynchrony spread {sd} ms");
    }
    assert!(
        on_time * 4 >= truth.len() * 3,
        "the server skipped too many cycles to test ({on_time} of 24 pairs on time)"
    );
}

#[test]
fn count_in_clicks_leave_at_their_exact_frames_and_a_drummer_following_them_is_judged_to_the_frame()
{
    let _serial = jack_serial();
    let Some(probe) = client_or_skip("pocket-test-probe") else {
        return;
    };
    let rate = probe.sample_rate();
    let period = probe.buffer_size();

    // A chart in 3/4 at 150 bpm (the click count and spacing follow the chart), all kicks.
    let dir = tempfile::tempdir().expect("temp dir");
    let chart_path = dir.path().join("waltz-150.json");
    let mut notes = String::new();
    for bar in 1..=4 {
        for beat in 1..=3 {
            if !notes.is_empty() {
                notes.push_str(",\n");
            }
            notes.push_str(&format!(r#"    {{"at": "{bar}:{beat}", "lane": "kick"}}"#));
        }
    }
    std::fs::write(
        &chart_path,
        format!(
            r#"{{
  "format": "pocket-chart/1",
  "title": "Waltz",
  "ppq": 480,
  "tempos": [{{"at": "1:1", "bpm": 150}}],
  "time_signatures": [{{"bar": 1, "signature": "3/4"}}],
  "notes": [
{notes}
  ]
}}
"#
        ),
    )
    .expect("write the chart");
    let chart =
        pocket::formats::load_chart(&chart_path, pocket::formats::ChartLoadOptions::default())
            .expect("chart");
    let beat_frames = f64::from(rate) * 60.0 / 150.0;
    let bars = 2usize;
    let clicks = bars * 3;

    // The drummer: one client hears the click, another plays, 20 ms after each beat of the
    // grid learned from the clicks heard.
    let (ear, heard) = listener("pocket-test-ear");
    let plan: Plan = Default::default();
    let (drummer, _) = kit("pocket-test-drummer", Arc::clone(&plan));
    let late = frames_of(rate, Nanos::from_millis(20));

    let out = dir.path().join("session");
    let mut child = spawn(
        pocket()
            .args(["live", "--chart"])
            .arg(&chart_path)
            .args(["--count-in-bars", &bars.to_string(), "--quiet"])
            .args(["--click-port", "pocket-test-ear:in"])
            .args(["--player", "Drummer=pocket-test-drummer", "-o"])
            .arg(&out),
    );
    wait_for_capture(&mut child, &out.join("capture.jsonl"));
    // Learn the grid from the first two clicks, then plan every note of the chart.
    let deadline = Instant::now() + Duration::from_secs(20);
    let (first, spacing) = loop {
        assert!(Instant::now() < deadline, "no clicks heard");
        let h = heard.lock().expect("heard").clone();
        let ons: Vec<u32> = h
            .iter()
            .filter(|(_, m)| m[0] == 0x99)
            .map(|(f, _)| *f)
            .collect();
        if ons.len() >= 2 {
            break (ons[0], ons[1].wrapping_sub(ons[0]));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let zero = first.wrapping_add(spacing * clicks as u32);
    for n in &chart.notes {
        let beats = n.time.0 as f64 * 150.0 / 60e9;
        let f = zero.wrapping_add((beats * f64::from(spacing)).round() as u32 + late);
        plan.lock().expect("plan").push((f, [0x99, 36, 100]));
    }
    let done = finish(child);
    drop((ear, drummer));
    let _ = done;

    // Every click left at its exact frame: accented on each bar's first beat, spaced exactly
    // one beat (to the frame), and recorded in the capture log at the frame it was written.
    let h = heard.lock().expect("heard").clone();
    let ons: Vec<(u32, u8)> = h
        .iter()
        .filter(|(_, m)| m[0] == 0x99)
        .map(|(f, m)| (*f, m[1]))
        .collect();
    assert_eq!(ons.len(), clicks, "every click heard: {ons:?}");
    for (i, (f, note)) in ons.iter().enumerate() {
        let expected = (i as f64 * beat_frames).round() as u32;
        let got = f.wrapping_sub(ons[0].0);
        assert!(
            got.abs_diff(expected) <= 1,
            "click {i} at frame {got}, due at {expected} (period {period})"
        );
        assert_eq!(*note, if i % 3 == 0 { 76 } else { 77 }, "click {i} accent");
    }
    let cap = read_capture(out.join("capture.jsonl")).expect("capture");
    assert_eq!(cap.clicks.len(), clicks);
    for (i, c) in cap.clicks.iter().enumerate() {
        let heard_ns = f64::from(ons[i].0.wrapping_sub(ons[0].0)) * 1e9 / f64::from(rate);
        let logged_ns = (c.time.0 - cap.clicks[0].time.0) as f64;
        assert!(
            (heard_ns - logged_ns).abs() < 25_000.0,
            "click {i} logged {logged_ns} ns after the first, heard {heard_ns} ns after"
        );
        assert_eq!(c.accent, i % 3 == 0);
    }

    // The drummer is judged at the time they played: 20 ms late on every note.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("report"))
            .expect("report JSON");
    let p = &report["players"][0];
    assert_eq!(p["matched"], chart.notes.len(), "{p}");
    let mean = p["offset_ms"]["mean"].as_f64().expect("mean");
    let sd = p["offset_ms"]["sd"].as_f64().expect("sd");
    eprintln!("period {period}: a drummer 20 ms after each click-grid beat judged {mean:.4} ms late, sd {sd:.4} ms");
    assert!((mean - 20.0).abs() < 0.1, "judged {mean} ms late");
    assert!(sd < 0.1, "spread {sd} ms");
    assert_eq!(
        report["settings"]["capture"]["backend"], "jack",
        "{}",
        report["settings"]
    );

    // Live equals offline on the capture log.
    let offline = dir.path().join("offline.json");
    let scored = pocket()
        .args(["score", "--chart"])
        .arg(&chart_path)
        .arg("--player")
        .arg(format!(
            "Drummer={}#player=Drummer",
            out.join("capture.jsonl").display()
        ))
        .arg("-o")
        .arg(&offline)
        .output()
        .expect("pocket score runs");
    assert!(
        scored.status.success(),
        "{}",
        String::from_utf8_lossy(&scored.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(out.join("report.json")).expect("live report"),
        std::fs::read_to_string(&offline).expect("offline report")
    );
}

#[test]
fn a_kit_that_disappears_and_returns_is_reconnected_and_nothing_after_is_lost() {
    let _serial = jack_serial();
    let Some(probe) = client_or_skip("pocket-test-probe") else {
        return;
    };
    let rate = probe.sample_rate();
    let (lee_plan, ana_plan): (Plan, Plan) = Default::default();
    let (lee, _) = kit("pocket-rc-lee", Arc::clone(&lee_plan));
    let (ana, _) = kit("pocket-rc-ana", Arc::clone(&ana_plan));

    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("session");
    let mut child = spawn(
        pocket()
            .args(["record", "--quiet", "--duration", "30"])
            .args([
                "--player",
                "Lee=pocket-rc-lee",
                "--player",
                "Ana=pocket-rc-ana",
                "-o",
            ])
            .arg(&out),
    );
    let capture = out.join("capture.jsonl");
    wait_for_capture(&mut child, &capture);
    std::thread::sleep(Duration::from_millis(300));

    let hit = |plan: &Plan, at: u32, velocity: u8| {
        plan.lock().expect("plan").push((at, [0x99, 38, velocity]));
    };
    // Both play 4 hits; Ana's kit is unplugged (its client closes) for 2 s and comes back
    // under the same name; both play 4 more.
    let now = probe.frame_time().wrapping_add(rate / 4);
    for i in 0..4u32 {
        hit(&lee_plan, now.wrapping_add(i * rate / 10), 10 + i as u8);
        hit(&ana_plan, now.wrapping_add(i * rate / 10 + 7), 20 + i as u8);
    }
    std::thread::sleep(Duration::from_millis(1_000));
    drop(ana);
    std::thread::sleep(Duration::from_millis(2_000));
    let ana_plan: Plan = Default::default();
    let (ana, _) = kit("pocket-rc-ana", Arc::clone(&ana_plan));
    // pocket notices within a poll (0.5 s) and connects it again.
    std::thread::sleep(Duration::from_millis(1_500));
    let now = probe.frame_time().wrapping_add(rate / 4);
    for i in 0..4u32 {
        hit(&lee_plan, now.wrapping_add(i * rate / 10), 30 + i as u8);
        hit(&ana_plan, now.wrapping_add(i * rate / 10 + 7), 40 + i as u8);
    }
    std::thread::sleep(Duration::from_millis(1_000));
    stop(child);
    drop((lee, ana));

    let cap = read_capture(&capture).expect("capture");
    let velocities = |port: u16| -> Vec<u8> {
        cap.events
            .iter()
            .filter(|e| e.port == port)
            .map(|e| e.message()[2])
            .collect()
    };
    assert_eq!(velocities(0), [10, 11, 12, 13, 30, 31, 32, 33]);
    assert_eq!(velocities(1), [20, 21, 22, 23, 40, 41, 42, 43]);
    assert_eq!(cap.gaps.len(), 1, "{:?}", cap.gaps);
    let gap = cap.gaps[0];
    assert_eq!(gap.port, 1);
    let length = gap.to.saturating_sub(gap.from).as_secs_f64();
    assert!(
        (1.0..=3.5).contains(&length),
        "the gap lasts about the 2 s unplugged (within the port poll): {length} s"
    );
}
