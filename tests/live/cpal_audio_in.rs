//! An acoustic kit heard through cpal's audio input (feature `midi-io`): a test JACK client
//! plays a rendered drum groove, which reaches pocket through ALSA's capture device, made here
//! by alsa-lib's JACK PCM plugin (libasound2-plugins) reading the test client's output on two
//! channels. pocket reads the ALSA device through cpal, as it would a sound card, so its
//! hits are placed on the session's clock from cpal's timestamps, not from JACK frames.
//! Checked: pocket took the cpal path; the recording holds what was played (both channels
//! mixed, in order, none lost); every hit lies within 2 ms of a stroke in the recording and
//! every stroke has one; the intervals between the hi-hat hits on the capture clock are the
//! intervals between the strokes as played (JACK frames) to 2 ms; the live hits are the
//! recording's transcribed offline; the live report equals `pocket score` on the capture log
//! and on the recording; and pocket's callback allocates nothing. A dummy server that falls
//! behind real time (an xrun, on a loaded machine) delivers the strokes after it late, which
//! pocket rightly follows: the groove is then played again (three times at most; if the
//! server never keeps time, the timing checks are left out and say so). And `pocket live`
//! stopped by Ctrl-C (SIGINT) mid-groove leaves a whole WAV of what was played up to then; a
//! device whose JACK server dies mid-session is reported, and what came before kept.
//! Without a JACK server or the plugin the tests skip, unless POCKET_REQUIRE_JACK=1.

use super::jack_audio_in::{
    drums, groove, groove_session, hits_at_strokes, offline_hits, play_groove, port_hits,
    read_recording, rescored_alike,
};
use super::jack_server::{client_or_skip, finish, jack_serial, spawn, wait_for_capture};
use super::*;
use std::sync::atomic::AtomicU32;
use std::sync::Arc;

/// Sets `ALSA_CONFIG_PATH` to alsa-lib's own configuration followed by `rc` for as long as it
/// lives: alsa-lib compares the list of files at each open and reads them again when it
/// changed, so this process's next ALSA device sees `rc` (a `.asoundrc` would be read only by a
/// process that had not used ALSA yet).
pub(super) struct AlsaConfig {
    old: Option<std::ffi::OsString>,
}

impl AlsaConfig {
    pub(super) fn with(rc: &Path) -> AlsaConfig {
        let dir = std::env::var("ALSA_CONFIG_DIR").unwrap_or_else(|_| "/usr/share/alsa".into());
        let old = std::env::var_os("ALSA_CONFIG_PATH");
        std::env::set_var(
            "ALSA_CONFIG_PATH",
            format!("{dir}/alsa.conf:{}", rc.display()),
        );
        AlsaConfig { old }
    }
}

impl Drop for AlsaConfig {
    fn drop(&mut self) {
        match self.old.take() {
            Some(v) => std::env::set_var("ALSA_CONFIG_PATH", v),
            None => std::env::remove_var("ALSA_CONFIG_PATH"),
        }
    }
}

/// The drums' output on two channels as the ALSA device `pcm.NAME`.
fn drums_pcm(name: &str) -> String {
    format!(
        "pcm.{name} {{ type jack\n\
         capture_ports {{ 0 pocket-test-cpal-drums:out 1 pocket-test-cpal-drums:out }}\n\
         playback_ports {{ 0 system:playback_1 1 system:playback_2 }} }}\n"
    )
}

#[test]
fn an_acoustic_kit_on_a_cpal_input_lands_on_the_session_clock_and_is_recorded() {
    // ALSA's default device is the drums' JACK PCM itself: cpal reads 32-bit float stereo at
    // the server's rate, so the recording must hold the samples played exactly.
    groove_through_cpal(&drums_pcm("!default"), Format::Exact);
}

#[test]
fn a_cpal_input_of_16_bit_samples_is_converted_in_the_callback() {
    // 16-bit integer samples: alsa-lib's lfloat plugin turns the server's floats into
    // integers, and of those cpal takes i16.
    let rc = drums_pcm("pocketdrums")
        + "pcm.!default { type lfloat slave { pcm \"pocketdrums\" format FLOAT_LE } }\n";
    groove_through_cpal(&rc, Format::Integer);
}

/// Counts the server's xruns: a dummy server on a loaded machine that falls behind real time
/// delivers the drums late, and pocket rightly moves the recording to follow.
pub(super) struct Xruns(pub(super) Arc<AtomicU32>);

impl jack::NotificationHandler for Xruns {
    fn xrun(&mut self, _: &jack::Client) -> jack::Control {
        self.0.fetch_add(1, Ordering::Relaxed);
        jack::Control::Continue
    }
}

/// What the device delivers to pocket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// The server's samples, f32 at its rate.
    Exact,
    /// 16-bit integers at the server's rate.
    Integer,
}

/// A test's drummer behind ALSA's default capture device.
struct Rig {
    probe: jack::Client,
    rate: u32,
    strokes: Vec<usize>,
    audio: Arc<Vec<f32>>,
    /// The JACK frame the drummer starts at (0: not yet).
    start: Arc<AtomicU32>,
    /// The server's xruns.
    xruns: Arc<AtomicU32>,
    drums: jack::AsyncClient<Xruns, super::jack_audio_in::Drums>,
    dir: tempfile::TempDir,
    _alsa: AlsaConfig,
}

/// The groove's drummer, and ALSA's configuration `rc` for this process (and the processes it
/// starts) in a temporary folder; `None` (the test skips) without a JACK server or the plugin.
fn rig(rc: &str) -> Option<Rig> {
    let probe = client_or_skip("pocket-test-probe")?;
    if !pocket::testdata::alsa_into_jack() {
        return None;
    }
    let rate = probe.sample_rate();
    let (strokes, audio) = groove(rate);
    let audio = Arc::new(audio);
    let start = Arc::new(AtomicU32::new(0));
    let xruns = Arc::new(AtomicU32::new(0));
    let drums = drums(
        "pocket-test-cpal-drums",
        Xruns(Arc::clone(&xruns)),
        &audio,
        &start,
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let rc_path = dir.path().join("asoundrc");
    std::fs::write(&rc_path, rc).expect("asoundrc");
    let _alsa = AlsaConfig::with(&rc_path);
    Some(Rig {
        probe,
        rate,
        strokes,
        audio,
        start,
        xruns,
        drums,
        dir,
        _alsa,
    })
}

/// Plays the groove into ALSA's default capture device as `rc` defines it and checks what pocket made of it (see the module docs).
fn groove_through_cpal(rc: &str, format: Format) {
    let _serial = jack_serial();
    let Some(r) = rig(rc) else {
        return;
    };
    let Rig {
        probe,
        rate,
        strokes,
        audio,
        start,
        xruns,
        drums,
        dir,
        _alsa,
    } = r;

    // A dummy server on a loaded machine can fall behind real time (an xrun): the strokes
    // after it really reach the device late, and pocket rightly places them late, so the
    // groove is played again, up to three times, until the server keeps time. If it never
    // does, the timing checks are left out and only what holds whatever the timing is checked.
    let mut attempt = 0;
    let (outcome, chart_path, out, xruns_seen) = loop {
        attempt += 1;
        let here = dir.path().join(format!("try-{attempt}"));
        std::fs::create_dir_all(&here).expect("folder");
        // `default` names no JACK port, so pocket takes cpal's device of that name.
        let (o, chart_path, out) = groove_session(&here, strokes.len(), "default");
        let callbacks_before = CALLBACKS.load(Ordering::Relaxed);
        let allocations_before = ALLOCATIONS_IN_CALLBACK.load(Ordering::SeqCst);
        start.store(0, Ordering::Release);
        xruns.store(0, Ordering::Release);
        let outcome = play_groove(&probe, &start, o, &out, Duration::from_millis(500));
        assert!(
            CALLBACKS.load(Ordering::Relaxed) > callbacks_before,
            "the probe saw pocket's callback"
        );
        assert_eq!(
            ALLOCATIONS_IN_CALLBACK.load(Ordering::SeqCst),
            allocations_before,
            "pocket's cpal callback must not allocate"
        );
        eprintln!("warnings: {:?}", outcome.warnings);
        let xruns_seen = xruns.load(Ordering::Acquire);
        if xruns_seen == 0 || attempt == 3 {
            break (outcome, chart_path, out, xruns_seen);
        }
        eprintln!("the server fell behind real time {xruns_seen} times: playing the groove again");
    };
    drop(drums);
    let timing = xruns_seen == 0;
    if !timing {
        eprintln!("the server never kept time: the timing checks are left out");
    }

    // The cpal path was taken, and the capture log names the recording.
    let cap = read_capture(&outcome.capture).expect("readable capture");
    let stamps = cap.header.capture.as_ref().expect("the stamp source");
    assert_eq!(stamps.backend, "cpal", "{stamps:?}");
    assert_eq!(cap.header.ports[0].name, "audio default");
    assert_eq!(
        cap.header.ports[0].audio_file.as_deref(),
        Some("audio-Lee.wav")
    );

    // The recording holds each stroke as played, each sample exactly (f32) or to a 16-bit
    // step (integers): the stroke's first 64 samples are found near where the groove's onset
    // and the stroke before put it.
    let wav = out.join("audio-Lee.wav");
    let recorded = read_recording(&wav, rate);
    let tolerance = match format {
        Format::Exact => 0.0,
        Format::Integer => 1.0 / 32768.0,
    };
    let same = |r: &[f32], a: &[f32]| r.iter().zip(a).all(|(r, a)| (r - a).abs() <= tolerance);
    let onset = |x: &[f32]| x.iter().position(|s| s.abs() > 1e-3).expect("sound");
    let mut shift = onset(&recorded) as i64 - onset(&audio) as i64;
    let mut located = Vec::new();
    for &s in &strokes {
        let guess = s as i64 + shift;
        let reach = i64::from(rate) / 10;
        let found = (guess - reach..=guess + reach)
            .filter(|p| *p >= 0 && (*p as usize) + 64 <= recorded.len())
            .filter(|p| same(&recorded[*p as usize..*p as usize + 64], &audio[s..s + 64]))
            .min_by_key(|p| (p - guess).abs());
        match found {
            Some(at) => {
                shift = at - s as i64;
                located.push(at as usize);
            }
            // The recording moved inside the stroke's first samples (a server behind time).
            None if !timing => eprintln!("the stroke at frame {s} was moved in the recording"),
            None => panic!("the stroke at frame {s} of the groove is in the recording"),
        }
    }
    if timing {
        let first = located[0] - strokes[0];
        assert!(
            same(&recorded[first..first + audio.len()], &audio),
            "the recording holds the groove as played, in order, none lost"
        );
    }

    // Every hit within 2 ms of a stroke in the recording, every stroke heard.
    let hits = port_hits(&cap);
    let to_ns = |frames: usize| frames as f64 * 1e9 / f64::from(rate);
    let expected: Vec<i64> = located.iter().map(|f| to_ns(*f).round() as i64).collect();
    if timing {
        hits_at_strokes(&hits, &expected, rate);
    }

    // The intervals between the hits on the capture clock are the intervals between the
    // strokes as played (JACK frames), to 2 ms. Each stroke's hit is the earliest near it
    // (kick or snare with the hi-hat). A server that fell behind real time (an xrun) played
    // the strokes after it late, so then they are not checked.
    let heard: Vec<i64> = expected
        .iter()
        .filter(|_| timing)
        .map(|&at| {
            hits.iter()
                .map(|(t, _)| *t)
                .filter(|t| (t - at).abs() <= 2_000_000)
                .min()
                .expect("a hit at each stroke")
        })
        .collect();
    let mut worst_interval: f64 = 0.0;
    for (k, s) in strokes.iter().enumerate().take(heard.len()) {
        let interval = (heard[k] - heard[0]) as f64;
        let played = to_ns(*s) - to_ns(strokes[0]);
        worst_interval = worst_interval.max((interval - played).abs() / 1e6);
    }
    eprintln!(
        "intervals between hits within {worst_interval:.3} ms of the strokes' intervals \
         ({xruns_seen} xruns of the server)"
    );
    assert!(worst_interval <= 2.0, "{worst_interval} ms");

    // Offline: the recording gives the live hits, and the same report.
    let mut live = hits.clone();
    live.sort();
    assert_eq!(
        live,
        offline_hits(&wav),
        "the live hits are the recording's"
    );
    rescored_alike(&outcome, &cap, &chart_path, &out, &wav);
}

#[cfg(unix)]
#[test]
fn ctrl_c_mid_groove_on_a_cpal_input_leaves_a_whole_recording_of_what_was_played() {
    let _serial = jack_serial();
    // `pocket live` inherits the ALSA configuration.
    let Some(r) = rig(&drums_pcm("!default")) else {
        return;
    };
    let rate = r.rate;
    let (_, chart_path, out) = groove_session(r.dir.path(), r.strokes.len(), "default");
    let mut child = spawn(
        pocket()
            .args(["live", "--quiet", "--start", "first-hit", "--chart"])
            .arg(&chart_path)
            .args(["--player", "Lee=audio:default", "-o"])
            .arg(&out),
    );
    wait_for_capture(&mut child, &out.join("capture.jsonl"));
    std::thread::sleep(Duration::from_millis(500));
    r.start.store(
        r.probe.frame_time().wrapping_add(rate / 2).max(1),
        Ordering::Release,
    );
    // Half a second of lead, then about eight of the sixteen strokes.
    std::thread::sleep(Duration::from_millis(2_500));
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let done = finish(child);
    drop(r.drums);
    let stdout = String::from_utf8_lossy(&done.stdout);

    // A whole WAV (its header's lengths are the data's), holding the first strokes as played.
    let wav = out.join("audio-Lee.wav");
    let recorded = read_recording(&wav, rate);
    let onset = |x: &[f32]| x.iter().position(|s| s.abs() > 1e-3).expect("sound");
    let first = onset(&recorded) - onset(&r.audio);
    let played = (recorded.len() - first).min(r.audio.len());
    assert!(
        played > r.strokes[6] && played < r.strokes[15],
        "stopped mid-groove: {played} frames of it recorded"
    );
    // (A server that fell behind real time delivered part of it late: see the tests above.)
    if r.xruns.load(Ordering::Acquire) == 0 {
        assert_eq!(
            &recorded[first..first + played],
            &r.audio[..played],
            "the recording holds what was played up to the stop"
        );
    }
    // The capture's hits are the recording's (the recording may hold a few more: those
    // decided after the session stopped).
    let cap = read_capture(out.join("capture.jsonl")).expect("readable capture");
    let live = port_hits(&cap);
    let offline = offline_hits(&wav);
    assert!(live.len() >= 8, "{stdout}");
    for h in &live {
        assert!(offline.contains(h), "the live hit {h:?} is the recording's");
    }
    assert!(out.join("report.json").exists(), "{stdout}");
}

#[cfg(unix)]
#[test]
fn a_cpal_input_whose_server_dies_mid_session_is_reported_and_what_came_before_kept() {
    // A JACK server of the test's own, behind ALSA's default device, killed two seconds into
    // a five-second `pocket record`: the device stops delivering without an error.
    let _serial = jack_serial();
    if client_or_skip("pocket-test-probe").is_none() || !pocket::testdata::alsa_into_jack() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    // One fixed name: a server killed this way leaves its entry in JACK's shared registry
    // (at most eight servers), and only a server of the same name takes a stale entry back.
    let name = "pocket-test-gone".to_string();
    let mut server = Command::new("jackd")
        .args([
            "-n",
            &name,
            "-S",
            "--no-realtime",
            "-d",
            "dummy",
            "-r",
            "48000",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("jackd starts");
    let waited = Command::new("jack_wait")
        .args(["-w", "-t", "20"])
        .env("JACK_DEFAULT_SERVER", &name)
        .output()
        .expect("jack_wait runs");
    assert!(waited.status.success(), "the test's own server started");
    let rc = dir.path().join("asoundrc");
    std::fs::write(
        &rc,
        "pcm.!default { type jack capture_ports { 0 system:capture_1 } }\n",
    )
    .expect("asoundrc");
    let alsa_dir = std::env::var("ALSA_CONFIG_DIR").unwrap_or_else(|_| "/usr/share/alsa".into());
    let out = dir.path().join("session");
    let child = spawn(
        pocket()
            .env("JACK_DEFAULT_SERVER", &name)
            .env(
                "ALSA_CONFIG_PATH",
                format!("{alsa_dir}/alsa.conf:{}", rc.display()),
            )
            .args(["record", "--duration", "5", "--player", "Lee=audio:default"])
            .arg("-o")
            .arg(&out),
    );
    let capture = out.join("capture.jsonl");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !capture.exists() {
        assert!(Instant::now() < deadline, "pocket record did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_secs(2));
    server.kill().expect("the server is killed");
    let _ = server.wait();
    let done = finish(child);
    let said =
        String::from_utf8_lossy(&done.stdout).to_string() + &String::from_utf8_lossy(&done.stderr);
    assert!(
        said.contains("audio input \"default\" delivered nothing for the last")
            && said.contains("the recording and the hits up to then are kept"),
        "{said}"
    );
    // The recording: a whole WAV of the two seconds before.
    let recorded = read_recording(&out.join("audio-Lee.wav"), 48_000);
    let seconds = recorded.len() as f64 / 48_000.0;
    assert!((1.5..4.0).contains(&seconds), "{seconds} s recorded");
}
