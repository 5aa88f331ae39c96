//! An acoustic kit heard through an audio input of pocket's JACK client: a test client plays a
//! rendered drum groove (pocket's synthesized voices, placed at known frames) into
//! `pocket:audio-in-1`. Checked: the recording beside the capture log holds the samples played,
//! bit for bit, at their frames; every hit of the live capture lies within 2 ms of a stroke and
//! every stroke has one; the live report equals `pocket score` on the capture log; the recording
//! transcribed offline gives exactly the capture's hits; and pocket's callback allocates
//! nothing. Without a server the test skips, unless POCKET_REQUIRE_JACK=1.

use super::jack_server::{client, client_or_skip, jack_serial, start_probed_session};
use super::*;
use jack::{AsyncClient, AudioOut, Client, Port, ProcessHandler, ProcessScope};
use pocket::audio::Voice;
use pocket::lane::Lane;
use pocket::transcribe::{transcribe_file, AudioKit, ChannelChoice, Settings};
use std::sync::atomic::AtomicU32;
use std::sync::Arc;

/// A test drummer: one audio output that plays `audio` from JACK frame `start` on (silence
/// before and after).
pub(super) struct Drums {
    port: Port<AudioOut>,
    audio: Arc<Vec<f32>>,
    start: Arc<AtomicU32>,
}

impl ProcessHandler for Drums {
    fn process(&mut self, _: &Client, ps: &ProcessScope) -> jack::Control {
        let first = ps.last_frame_time();
        let start = self.start.load(Ordering::Acquire);
        let out = self.port.as_mut_slice(ps);
        for (i, o) in out.iter_mut().enumerate() {
            // Frames from the start, on JACK's wrapping 32-bit clock; 0 = not yet started.
            let k = first.wrapping_add(i as u32).wrapping_sub(start) as i32;
            *o = if start != 0 && k >= 0 {
                self.audio.get(k as usize).copied().unwrap_or(0.0)
            } else {
                0.0
            };
        }
        jack::Control::Continue
    }
}

/// Starts the test drummer `NAME:out` playing `audio` from the frame in `start` on, with
/// `notifications` for the server's notifications.
pub(super) fn drums<N: jack::NotificationHandler + Send + Sync + 'static>(
    name: &str,
    notifications: N,
    audio: &Arc<Vec<f32>>,
    start: &Arc<AtomicU32>,
) -> AsyncClient<N, Drums> {
    let c = client(name);
    let port = c.register_port("out", AudioOut::default()).expect("port");
    c.activate_async(
        notifications,
        Drums {
            port,
            audio: Arc::clone(audio),
            start: Arc::clone(start),
        },
    )
    .expect("active")
}

/// Runs the session `o` (into `out`) with the callback probe armed, `lead` later tells the
/// drummer to start half a second of frames ahead, and waits for the session to end: two bars
/// after the chart (stopped after 30 s at most).
pub(super) fn play_groove(
    probe: &Client,
    start: &AtomicU32,
    o: SessionOptions,
    out: &Path,
    lead: Duration,
) -> session::SessionOutcome {
    let stop = Arc::clone(&o.stop);
    let session = start_probed_session(o, out);
    std::thread::sleep(lead);
    let rate = probe.sample_rate();
    start.store(
        probe.frame_time().wrapping_add(rate / 2).max(1),
        Ordering::Release,
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !session.is_finished() {
        if Instant::now() > deadline {
            stop.store(true, Ordering::Relaxed);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    session.join().expect("no panic").expect("the session runs")
}

/// Two bars at 120 bpm: hi-hat on every eighth, kick on 1 and 3, snare on 2 and 4; the
/// strokes' frames (from the first) and the audio.
pub(super) fn groove(rate: u32) -> (Vec<usize>, Vec<f32>) {
    groove_with(rate, 0, 0, 2)
}

/// Two bars at 120 bpm, `delay` frames late: hi-hat on every eighth, kick with the eighths
/// `kick` mod 4 (0: beats 1 and 3), snare with those `snare` mod 4; the strokes' frames and the
/// audio.
pub(super) fn groove_with(
    rate: u32,
    delay: usize,
    kick: usize,
    snare: usize,
) -> (Vec<usize>, Vec<f32>) {
    let eighth = rate as usize / 4;
    let mut strokes = Vec::new();
    let voices: Vec<(Lane, Vec<f32>)> = [Lane::Kick, Lane::Snare, Lane::Hihat]
        .into_iter()
        .map(|l| (l, Voice::of(l, None).synthesize(rate)))
        .collect();
    let mut audio = vec![0.0f32; delay + eighth * 16 + rate as usize];
    for e in 0..16 {
        let at = delay + e * eighth;
        strokes.push(at);
        for (lane, v) in &voices {
            let play = match lane {
                Lane::Kick => e % 4 == kick,
                Lane::Snare => e % 4 == snare,
                _ => true,
            };
            if play {
                for (i, s) in v.iter().enumerate() {
                    audio[at + i] += 0.4 * s;
                }
            }
        }
    }
    (strokes, audio)
}

#[test]
fn an_acoustic_kit_on_an_audio_input_is_transcribed_live_at_its_frames_and_recorded() {
    let _serial = jack_serial();
    let Some(probe) = client_or_skip("pocket-test-probe") else {
        return;
    };
    let rate = probe.sample_rate();
    let (strokes, audio) = groove(rate);
    let audio = Arc::new(audio);
    let start = Arc::new(AtomicU32::new(0));
    let drums = drums("pocket-test-drums", (), &audio, &start);

    let dir = tempfile::tempdir().expect("temp dir");
    let (o, chart_path, out) = groove_session(dir.path(), strokes.len(), "pocket-test-drums:out");
    let outcome = play_groove(&probe, &start, o, &out, Duration::from_millis(300));
    drop(drums);
    assert!(
        CALLBACKS.load(Ordering::Relaxed) > 0,
        "the probe saw pocket's callback"
    );
    assert_eq!(
        ALLOCATIONS_IN_CALLBACK.load(Ordering::SeqCst),
        0,
        "pocket's JACK callback must not allocate"
    );

    // The capture log names the recording; the recording holds the groove, bit for bit.
    let cap = read_capture(&outcome.capture).expect("readable capture");
    let port = &cap.header.ports[0];
    assert_eq!(port.audio_file.as_deref(), Some("audio-Lee.wav"));
    let wav = out.join("audio-Lee.wav");
    let recorded = read_recording(&wav, rate);
    let first = recorded
        .iter()
        .position(|s| *s != 0.0)
        .expect("the groove was recorded");
    assert_eq!(
        &recorded[first..first + audio.len()],
        &audio[..],
        "the recording holds the samples played, in order, none lost"
    );

    // Every hit within 2 ms of a stroke, every stroke heard.
    let hits = port_hits(&cap);
    let frame_ns = |f: usize| (f as f64 * 1e9 / f64::from(rate)).round() as i64;
    let expected: Vec<i64> = strokes.iter().map(|s| frame_ns(first + s)).collect();
    hits_at_strokes(&hits, &expected, rate);

    assert_eq!(
        hits_sorted(&hits),
        offline_hits(&wav),
        "the live hits are the recording's"
    );

    rescored_alike(&outcome, &cap, &chart_path, dir.path(), &wav);
}

/// The groove's chart (time zero is the first stroke: `--start first-hit`) in `dir`, and a
/// session of one player, Lee, on the audio input `query`, into `dir`/session.
pub(super) fn groove_session(
    dir: &Path,
    strokes: usize,
    query: &str,
) -> (SessionOptions, PathBuf, PathBuf) {
    let chart_path = dir.join("groove.txt");
    let mut chart = String::new();
    for e in 0..strokes {
        let t = e as f64 * 0.25;
        chart.push_str(&format!("{t:.3} hihat\n"));
        match e % 4 {
            0 => chart.push_str(&format!("{t:.3} kick\n")),
            2 => chart.push_str(&format!("{t:.3} snare\n")),
            _ => {}
        }
    }
    std::fs::write(&chart_path, chart).expect("chart");
    let out = dir.join("session");
    let mut o = SessionOptions::new(&out);
    o.chart = Some(chart_path.clone());
    o.start = session::Start::FirstHit;
    o.players.push(PlayerSpec {
        name: "Lee".into(),
        source: PlayerSource::Audio {
            query: query.into(),
            channel: None,
        },
        kit: None,
        offsets: Default::default(),
    });
    (o, chart_path, out)
}

/// The recording, mono at `rate`, whole and readable.
pub(super) fn read_recording(wav: &Path, rate: u32) -> Vec<f32> {
    let mut source = pocket::transcribe::open_audio(wav).expect("the recording");
    assert_eq!((source.sample_rate(), source.channels()), (rate, 1));
    let mut recorded = Vec::new();
    let mut block = vec![0.0f32; 8192];
    loop {
        let n = source.read_frames(&mut block).expect("readable");
        if n == 0 {
            break;
        }
        recorded.extend_from_slice(&block[..n]);
    }
    assert!(source.warning().is_none(), "{:?}", source.warning());
    recorded
}

/// Checks that every hit lies within 2 ms of a stroke (`expected`: where the strokes are in
/// the recording, ns; the hits on the capture clock) and every stroke has one; `rate` is the
/// recording's.
pub(super) fn hits_at_strokes(hits: &[(i64, u8)], expected: &[i64], rate: u32) {
    assert!(!hits.is_empty(), "hits were captured");
    let mut worst: f64 = 0.0;
    for (t, note) in hits {
        let d = expected.iter().map(|e| (t - e).abs()).min().unwrap() as f64 / 1e6;
        worst = worst.max(d);
        assert!(d <= 2.0, "a hit (note {note}) {d} ms from every stroke");
    }
    for e in expected {
        assert!(
            hits.iter().any(|(t, _)| (t - e).abs() <= 2_000_000),
            "the stroke at {e} ns was heard"
        );
    }
    let latency = pocket::live::audio_in::detection_latency(rate);
    eprintln!(
        "{} hits for {} strokes, each within {worst:.3} ms of its stroke; detection latency {:.1} ms",
        hits.len(),
        expected.len(),
        latency.as_millis_f64()
    );
}

/// The notes of port 0 of a capture: (capture time in ns, note).
pub(super) fn port_hits(cap: &pocket::formats::capture_log::Capture) -> Vec<(i64, u8)> {
    cap.events
        .iter()
        .filter(|e| e.port == 0)
        .map(|e| (e.time.0, e.message()[1]))
        .collect()
}

fn hits_sorted(hits: &[(i64, u8)]) -> Vec<(i64, u8)> {
    let mut v = hits.to_vec();
    v.sort();
    v
}

/// The recording transcribed offline (its sample 0 is capture time 0): (time in ns, note),
/// sorted.
pub(super) fn offline_hits(wav: &Path) -> Vec<(i64, u8)> {
    let tr = transcribe_file(
        wav,
        ChannelChoice::Mix,
        Settings::default(),
        &AudioKit::builtin(),
    )
    .expect("the recording transcribes");
    let offline: Vec<(i64, u8)> = tr
        .to_take("offline")
        .hits
        .iter()
        .map(|h| (h.time.0, h.source.note))
        .collect();
    hits_sorted(&offline)
}

/// The live report equals `pocket score` on the capture log, and on the recording with the
/// capture's time zero (the command the session prints).
pub(super) fn rescored_alike(
    outcome: &session::SessionOutcome,
    cap: &pocket::formats::capture_log::Capture,
    chart_path: &Path,
    dir: &Path,
    wav: &Path,
) {
    let live_report = outcome.report.as_ref().expect("a report");
    assert!(
        live_report.players[0].matched > 0,
        "{:?}",
        live_report.players[0]
    );
    let live_json: serde_json::Value = serde_json::from_str(&live_report.to_json()).expect("JSON");
    let score = |player: &str, file: &str| -> serde_json::Value {
        let report = dir.join(file);
        let run = pocket()
            .arg("score")
            .arg("--chart")
            .arg(chart_path)
            .arg("--player")
            .arg(player)
            .arg("-o")
            .arg(&report)
            .output()
            .expect("pocket score runs");
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("JSON")
    };
    let again = score(
        &format!("Lee={}#player=Lee", outcome.capture.display()),
        "rescored.json",
    );
    assert_eq!(again["players"], live_json["players"]);
    assert_eq!(again["sync"], live_json["sync"]);

    // And `pocket score` on the recording, its time zero the capture's (the command the
    // session prints): the same report.
    let command = outcome
        .audio_score_command
        .as_ref()
        .expect("the command that scores the recording");
    let zero = cap.time_zero.expect("time zero was set by the first hit");
    let spec = format!(
        "Lee={}#zero={}",
        wav.display(),
        pocket::time::format_seconds(zero)
    );
    assert!(command.contains(&spec), "{command}");
    let wav_report = score(&spec, "from-wav.json");
    assert_eq!(wav_report["players"], live_json["players"]);
    let kit = wav_report["settings"]["players"][0]["kit"].to_string();
    assert!(
        kit.contains("transcribed from audio") && kit.contains("#zero="),
        "{kit}"
    );
}
