//! Playing along on a real JACK server (`jackd -d dummy`, CI: 256 frames at 48 kHz): pocket
//! plays a backing track on its own JACK client's audio outputs; a test client (not pocket's)
//! listens to them and finds each click of the track; another test client plays a note into
//! pocket's kit port a fixed 20 ms after each click heard. pocket must judge those notes 20 ms
//! late to within 0.5 ms, every click must arrive intact and at its spacing, and a song
//! folder's drum stem must never be heard.
//!
//! The listener and the player are two clients: the player runs before pocket in the graph
//! (it plays into pocket) and the listener after it (it hears pocket), so a note planned from
//! a click heard in one cycle goes out in a later cycle. That needs the delay to be longer than
//! a period: at periods over 20 ms the test skips. Without a server it skips, unless
//! POCKET_REQUIRE_JACK=1.

use super::jack_server::{client, client_or_skip, frames_of, jack_serial, kit, Plan};
use super::*;
use jack::{AsyncClient, AudioIn, Port, ProcessHandler, ProcessScope};
use pocket::live::play_along::BackingRequest;
use pocket::live::session::Start;
use pocket::Nanos;
use std::sync::{Arc, Mutex};

/// The backing's clicks: a 2 ms rectangular pulse at this level, at 44.1 kHz.
const CLICK_LEVEL: f32 = 0.8;
const FILE_RATE: u32 = 44_100;
const CLICK_SAMPLES: usize = 88;
/// A sample at least this loud is part of a sound.
const SOUND: f32 = 0.3;
/// Quiet samples that end a sound (10 ms at 48 kHz).
const QUIET_RUN: u32 = 480;
/// The player's delay after each click heard.
const LATE: Nanos = Nanos(20_000_000);
/// The chart: 120 bpm in 4/4, a kick on every beat of bars 2 to 4 (chart times 2.0 s to
/// 7.5 s), and the backing has a click at each of them.
const BPM: f64 = 120.0;
const NOTES: usize = 12;

fn note_time_s(k: usize) -> f64 {
    2.0 + k as f64 * 60.0 / BPM
}

/// One sound the listener heard.
#[derive(Debug, Clone, Copy)]
struct Sound {
    /// JACK frame of its first sample at or above [`SOUND`].
    onset: u32,
    /// Samples at or above [`SOUND`].
    loud: u32,
    /// Largest magnitude.
    peak: f32,
}

/// What the listener heard.
#[derive(Debug, Default)]
struct Heard {
    sounds: Vec<Sound>,
    /// Loudest sample outside the sounds.
    stray: f32,
    /// Largest difference between left and right.
    stereo_difference: f32,
    in_sound: bool,
    quiet: u32,
}

/// The test listener: two audio inputs; at each sound's onset after the first `skip` (the
/// count-in) it asks the player to play a kick [`LATE`] after it.
struct Ear {
    ports: [Port<AudioIn>; 2],
    heard: Arc<Mutex<Heard>>,
    play: Plan,
    late: u32,
    skip: usize,
}

impl ProcessHandler for Ear {
    fn process(&mut self, _: &jack::Client, ps: &ProcessScope) -> jack::Control {
        let start = ps.last_frame_time();
        let (l, r) = (self.ports[0].as_slice(ps), self.ports[1].as_slice(ps));
        let Ok(mut h) = self.heard.lock() else {
            return jack::Control::Continue;
        };
        for (i, (&x, &y)) in l.iter().zip(r).enumerate() {
            h.stereo_difference = h.stereo_difference.max((x - y).abs());
            let a = x.abs();
            if h.in_sound {
                if let Some(s) = h.sounds.last_mut() {
                    s.peak = s.peak.max(a);
                    if a >= SOUND {
                        s.loud += 1;
                    }
                }
                h.quiet = if a >= SOUND { 0 } else { h.quiet + 1 };
                if h.quiet >= QUIET_RUN {
                    h.in_sound = false;
                }
            } else if a >= SOUND {
                let onset = start.wrapping_add(i as u32);
                h.sounds.push(Sound {
                    onset,
                    loud: 1,
                    peak: a,
                });
                h.in_sound = true;
                h.quiet = 0;
                if h.sounds.len() > self.skip {
                    if let Ok(mut p) = self.play.lock() {
                        p.push((onset.wrapping_add(self.late), [0x99, 36, 100]));
                    }
                }
                if h.sounds.len() == self.skip + 1 {
                    // Only the song is checked for stray sound (the count-in's tails ring).
                    h.stray = 0.0;
                }
            } else {
                h.stray = h.stray.max(a);
            }
        }
        jack::Control::Continue
    }
}

fn ear(
    name: &str,
    play: Plan,
    late: u32,
    skip: usize,
) -> (AsyncClient<(), Ear>, Arc<Mutex<Heard>>) {
    let c = client(name);
    let ports = [
        c.register_port("in-L", AudioIn::default()).expect("port"),
        c.register_port("in-R", AudioIn::default()).expect("port"),
    ];
    let heard = Arc::new(Mutex::new(Heard::default()));
    let e = Ear {
        ports,
        heard: Arc::clone(&heard),
        play,
        late,
        skip,
    };
    (c.activate_async((), e).expect("active"), heard)
}

/// Mono samples of `seconds` at 44.1 kHz with a click at each note's chart time.
fn clicks_track(seconds: f64) -> Vec<f32> {
    let mut x = vec![0.0f32; (seconds * f64::from(FILE_RATE)) as usize];
    for k in 0..NOTES {
        let at = (note_time_s(k) * f64::from(FILE_RATE)).round() as usize;
        x[at..at + CLICK_SAMPLES].fill(CLICK_LEVEL);
    }
    x
}

/// The chart as pocket chart JSON.
fn chart_json() -> String {
    let notes: Vec<String> = (0..NOTES)
        .map(|k| format!(r#"{{"at": "{}:{}", "lane": "kick"}}"#, 2 + k / 4, 1 + k % 4))
        .collect();
    format!(
        r#"{{"format": "pocket-chart/1", "title": "Clicks", "ppq": 480,
  "tempos": [{{"at": "1:1", "bpm": {BPM}}}],
  "time_signatures": [{{"bar": 1, "signature": "4/4"}}],
  "notes": [{}]}}"#,
        notes.join(", ")
    )
}

/// The same chart as a Clone Hero `.chart` (resolution 192, kicks on lane 0).
fn chart_clone_hero() -> String {
    let notes: String = (0..NOTES)
        .map(|k| format!("  {} = N 0 0\n", 768 + 192 * k))
        .collect();
    format!(
        "[Song]\n{{\n  Resolution = 192\n}}\n[SyncTrack]\n{{\n  0 = TS 4\n  0 = B 120000\n}}\n\
         [ExpertDrums]\n{{\n{notes}}}\n"
    )
}

/// Runs a session through the library (pocket's callback watched by the allocation probe)
/// with the listener on pocket's outputs and the player on its kit port, and checks what the
/// listener heard and how pocket judged the player. With `count_in_bars`, the session starts
/// with a count-in, which the listener must hear in the audio, ending a beat before the song's
/// chart zero.
fn play_along(
    chart: &Path,
    backing: BackingRequest,
    tag: &str,
    count_in_bars: u32,
) -> Option<Heard> {
    let _serial = jack_serial();
    let probe = client_or_skip(&format!("pocket-pa-probe-{tag}"))?;
    let rate = probe.sample_rate();
    let period = probe.buffer_size();
    let late = frames_of(rate, LATE);
    if period > late {
        pocket::testdata::skip(&format!(
            "a period of {period} frames is longer than the player's 20 ms delay; run this test \
             at 256 frames"
        ));
        return None;
    }
    let plan: Plan = Default::default();
    let ear_name = format!("pocket-pa-ear-{tag}");
    let drummer_name = format!("pocket-pa-drummer-{tag}");
    let count_in = 4 * count_in_bars as usize;
    let (ear_client, heard) = ear(&ear_name, Arc::clone(&plan), late, count_in);
    let (drummer, sent) = kit(&drummer_name, plan);

    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("session");
    let mut o = SessionOptions::new(&out);
    o.chart = Some(chart.to_path_buf());
    o.players.push(PlayerSpec {
        name: "Drummer".into(),
        source: PlayerSource::Port {
            query: drummer_name.clone(),
            channel: None,
        },
        kit: None,
        offsets: Default::default(),
    });
    o.start = if count_in_bars > 0 {
        o.count_in_bars = count_in_bars;
        Start::CountIn
    } else {
        Start::Now
    };
    o.backing = Some(BackingRequest {
        audio_out: Some(ear_name.clone()),
        ..backing
    });
    let allocations = ALLOCATIONS_IN_CALLBACK.load(Ordering::SeqCst);
    let callbacks = CALLBACKS.load(Ordering::Relaxed);
    let session = std::thread::spawn(move || {
        set_callback_probe(Some(probe_fn));
        let r = session::run(o);
        set_callback_probe(None);
        r
    });
    let outcome = session.join().expect("no panic").expect("the session runs");
    drop((ear_client, drummer, probe));
    assert!(CALLBACKS.load(Ordering::Relaxed) > callbacks);
    assert_eq!(
        ALLOCATIONS_IN_CALLBACK.load(Ordering::SeqCst),
        allocations,
        "pocket's JACK callback (MIDI and audio) must not allocate"
    );
    assert!(
        outcome.warnings.iter().all(|w| !w.contains("backing")),
        "{:?}",
        outcome.warnings
    );

    let mut heard = std::mem::take(&mut *heard.lock().expect("heard"));
    let sent = sent.lock().expect("sent").clone();
    let beat = f64::from(rate) * 60.0 / BPM;
    // The count-in, heard: one click a beat (the click voices start within a few frames of
    // their sample), and chart zero exactly a bar after the last bar's accent.
    assert!(heard.sounds.len() > count_in, "{:?}", heard.sounds);
    let song: Vec<Sound> = heard.sounds.split_off(count_in);
    for (k, s) in heard.sounds.iter().enumerate() {
        let at = f64::from(s.onset.wrapping_sub(heard.sounds[0].onset));
        assert!(
            (at - k as f64 * beat).abs() <= 3.0,
            "count-in click {k} heard {at} frames after the first"
        );
    }
    if let Some(accent) = heard.sounds.get(count_in.saturating_sub(4)) {
        // The last downbeat is a bar before chart zero; the song's first click is at its chart
        // time after zero.
        let apart = f64::from(song[0].onset.wrapping_sub(accent.onset));
        let due = 4.0 * beat + note_time_s(0) * f64::from(rate);
        assert!(
            (apart - due).abs() <= 1.0,
            "the song's first click comes {apart} frames after the count-in's last downbeat, \
             due {due}"
        );
    }
    heard.sounds = song;
    // Every click heard, intact (as loud and as long as written: 2 ms is 96 frames at
    // 48 kHz), in both channels, exactly one beat apart, and nothing else.
    let expected_loud = CLICK_SAMPLES as f64 * f64::from(rate) / f64::from(FILE_RATE);
    assert_eq!(heard.sounds.len(), NOTES, "{:?}", heard.sounds);
    for (k, s) in heard.sounds.iter().enumerate() {
        let at = f64::from(s.onset.wrapping_sub(heard.sounds[0].onset));
        assert!(
            (at - k as f64 * beat).abs() <= 1.0,
            "click {k} heard {at} frames after the first, due {}",
            k as f64 * beat
        );
        assert!(
            (f64::from(s.loud) - expected_loud).abs() <= 3.0,
            "click {k}: {} loud frames, written {expected_loud}",
            s.loud
        );
        assert!(
            (CLICK_LEVEL - 0.05..CLICK_LEVEL + 0.12).contains(&s.peak),
            "click {k}: peak {}",
            s.peak
        );
    }
    assert!(
        heard.stray < 0.15,
        "heard {} outside the clicks",
        heard.stray
    );
    assert!(heard.stereo_difference < 1e-6);
    assert_eq!(sent.len(), NOTES, "the player played once per click");

    // pocket's judgement: each note 20 ms after its chart time, to within 0.5 ms, from the
    // capture log (hit time − time zero − the note's chart time) and in the report.
    let cap = read_capture(&outcome.capture).expect("capture");
    let zero = cap.header.time_zero.expect("time zero");
    let hits: Vec<i64> = cap
        .events
        .iter()
        .filter(|e| e.message()[0] == 0x99 && e.port == 0)
        .map(|e| e.time.0)
        .collect();
    assert_eq!(hits.len(), NOTES);
    let offsets_ms: Vec<f64> = hits
        .iter()
        .enumerate()
        .map(|(k, t)| ((t - zero.0) as f64 / 1e9 - note_time_s(k)) * 1e3)
        .collect();
    eprintln!(
        "period {period}: a player 20 ms after each click heard judged at {offsets_ms:.4?} ms"
    );
    for (k, o) in offsets_ms.iter().enumerate() {
        assert!((o - 20.0).abs() < 0.5, "note {k} judged {o} ms late");
    }
    let report = outcome.report.expect("a report");
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).expect("JSON");
    let p = &json["players"][0];
    assert_eq!(p["matched"], NOTES, "{p}");
    let mean = p["offset_ms"]["mean"].as_f64().expect("mean");
    assert!((mean - 20.0).abs() < 0.5, "judged {mean} ms late");
    let audio = &json["settings"]["audio"];
    assert!(
        audio["output"]
            .as_str()
            .is_some_and(|o| o.contains(&format!("{ear_name}:in-L"))),
        "{audio}"
    );
    assert_eq!(
        audio["reported_latency_ms"], 0.0,
        "into another client: {audio}"
    );
    Some(heard)
}

/// The chart as JSON and the clicks as a 44.1 kHz WAV given with `--backing`.
fn chart_and_file(tag: &str, count_in_bars: u32) {
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("clicks-44k1.wav");
    pocket::testdata::write_mono_wav16(&wav, FILE_RATE, &clicks_track(9.0));
    let chart = dir.path().join("clicks.json");
    std::fs::write(&chart, chart_json()).expect("chart");
    play_along(
        &chart,
        BackingRequest {
            file: Some(wav),
            ..BackingRequest::default()
        },
        tag,
        count_in_bars,
    );
}

#[test]
fn a_player_twenty_ms_after_each_click_heard_from_pockets_jack_output_is_judged_twenty_ms_late() {
    chart_and_file("file", 0);
}

#[test]
fn the_count_in_is_heard_in_the_backing_and_the_song_starts_on_the_downbeat_after_it() {
    chart_and_file("count-in", 2);
}

#[test]
fn a_song_folders_drum_stem_is_never_heard_and_its_other_stems_are_judged_against() {
    let dir = tempfile::tempdir().expect("temp dir");
    let song = dir.path().join("Clicks - Test");
    std::fs::create_dir(&song).expect("folder");
    std::fs::write(song.join("song.ini"), "[song]\nname = Clicks\ndelay = 0\n").expect("ini");
    std::fs::write(song.join("notes.chart"), chart_clone_hero()).expect("chart");
    pocket::testdata::write_mono_wav16(&song.join("song.wav"), FILE_RATE, &clicks_track(9.0));
    // The drum stem: a loud 200 Hz burst of 50 ms between every two clicks.
    let mut drums = vec![0.0f32; 9 * FILE_RATE as usize];
    for k in 0..NOTES {
        let at = ((note_time_s(k) + 0.25) * f64::from(FILE_RATE)) as usize;
        for i in 0..(FILE_RATE as usize / 20) {
            let t = i as f64 / f64::from(FILE_RATE);
            drums[at + i] = (0.9 * (std::f64::consts::TAU * 200.0 * t).sin()) as f32;
        }
    }
    pocket::testdata::write_mono_wav16(&song.join("drums.wav"), FILE_RATE, &drums);
    play_along(
        &song.join("notes.chart"),
        BackingRequest::default(),
        "folder",
        0,
    );
}

#[test]
fn an_output_that_disappears_mid_song_is_reported_and_every_hit_before_it_is_kept() {
    let _serial = jack_serial();
    let Some(probe) = client_or_skip("pocket-pa-probe-gone") else {
        return;
    };
    let (rate, period) = (probe.sample_rate(), probe.buffer_size());
    let late = frames_of(rate, LATE);
    if period > late {
        pocket::testdata::skip("run this test at 256 frames");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("clicks-44k1.wav");
    pocket::testdata::write_mono_wav16(&wav, FILE_RATE, &clicks_track(9.0));
    let chart = dir.path().join("clicks.json");
    std::fs::write(&chart, chart_json()).expect("chart");
    let plan: Plan = Default::default();
    let ear_name = "pocket-pa-ear-gone";
    let (ear_client, _) = ear(ear_name, Arc::clone(&plan), late, 0);
    let (drummer, sent) = kit("pocket-pa-drummer-gone", plan);

    let mut o = SessionOptions::new(dir.path().join("session"));
    o.chart = Some(chart);
    o.players.push(PlayerSpec {
        name: "Drummer".into(),
        source: PlayerSource::Port {
            query: "pocket-pa-drummer-gone".into(),
            channel: None,
        },
        kit: None,
        offsets: Default::default(),
    });
    o.start = Start::Now;
    o.backing = Some(BackingRequest {
        file: Some(wav),
        audio_out: Some(ear_name.into()),
        ..BackingRequest::default()
    });
    let session = std::thread::spawn(move || session::run(o));
    // Chart zero is heard about a second after the session opens and the clicks are half a
    // second apart from 2 s: the listener leaves in the middle of the song.
    std::thread::sleep(std::time::Duration::from_millis(5_500));
    drop(ear_client);
    let outcome = session.join().expect("no panic").expect("the session runs");
    drop((drummer, probe));

    let played = sent
        .lock()
        .expect("sent")
        .iter()
        .filter(|(_, m)| m[0] & 0xF0 == 0x90 && m[2] > 0)
        .count();
    assert!((1..NOTES).contains(&played), "{played} notes played");
    assert!(
        outcome
            .warnings
            .iter()
            .any(|w| w.contains(&format!("{ear_name}:in-L")) && w.contains("disappeared")),
        "{:?}",
        outcome.warnings
    );
    // Every note played before the output vanished is captured and judged 20 ms late.
    let report = outcome.report.expect("a report");
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).expect("JSON");
    let p = &json["players"][0];
    assert_eq!(p["matched"], played, "{p}");
    let mean = p["offset_ms"]["mean"].as_f64().expect("mean");
    assert!((mean - 20.0).abs() < 0.5, "judged {mean} ms late");
}
