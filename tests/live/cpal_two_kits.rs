//! Two acoustic kits on one audio interface, one kit per input channel (feature `midi-io`):
//! two test JACK clients play two different grooves, which reach pocket as channels 1 and 2 of
//! one ALSA capture device (alsa-lib's JACK PCM plugin), and two players take one channel each
//! (`audio:default#audio-channel=1` and `=2`). Checked: pocket opened the device once (one
//! cpal stream for both: the plugin's JACK client connects to the drummers once) and each
//! player's recording holds its own groove, bit for bit, at the
//! same frames (one clock); each player's hits lie within 2 ms of its own strokes, every
//! stroke heard, none near the other's; the live hits are each recording's transcribed
//! offline; the live report equals `pocket score` on the capture log and on the two
//! recordings; pocket's callback allocates nothing. And a channel the device lacks is an error
//! naming the player, the device, the channel and how many it has; a JACK port given a channel
//! is an error saying to pick the port. Without a JACK server or the plugin the tests skip,
//! unless POCKET_REQUIRE_JACK=1.

use super::cpal_audio_in::{AlsaConfig, Xruns};
use super::jack_audio_in::{
    drums, groove, groove_session, groove_with, hits_at_strokes, offline_hits, play_groove,
    read_recording, Drums,
};
use super::jack_server::{client_or_skip, jack_serial};
use super::*;
use std::sync::atomic::AtomicU32;
use std::sync::Arc;

/// The notes of capture port `port`: (capture time in ns, note).
fn hits_of(cap: &pocket::formats::capture_log::Capture, port: u16) -> Vec<(i64, u8)> {
    cap.events
        .iter()
        .filter(|e| e.port == port)
        .map(|e| (e.time.0, e.message()[1]))
        .collect()
}

/// Lee's drums on capture channel 1, Sanae's on channel 2, as ALSA's default device.
const TWO_KITS_PCM: &str = "pcm.!default { type jack\n\
     capture_ports { 0 pocket-test-cpal-lee:out 1 pocket-test-cpal-sanae:out }\n\
     playback_ports { 0 system:playback_1 1 system:playback_2 } }\n";

/// A probe client of the JACK server, if there is one and ALSA's JACK plugin (else the test
/// skips).
fn ready() -> Option<jack::Client> {
    let probe = client_or_skip("pocket-test-probe")?;
    pocket::testdata::alsa_into_jack().then_some(probe)
}

/// Lee's and Sanae's drummers, started together, behind ALSA's default device.
struct TwoDrummers {
    lee: jack::AsyncClient<Xruns, Drums>,
    sanae: jack::AsyncClient<(), Drums>,
    /// The JACK frame both start at (0: not yet).
    start: Arc<AtomicU32>,
    /// The server's xruns.
    xruns: Arc<AtomicU32>,
    dir: tempfile::TempDir,
    _alsa: AlsaConfig,
}

/// Starts the drummers playing `lee` and `sanae` and makes them ALSA's default device
/// ([`TWO_KITS_PCM`]) for this process.
fn two_drummers(lee: &Arc<Vec<f32>>, sanae: &Arc<Vec<f32>>) -> TwoDrummers {
    let start = Arc::new(AtomicU32::new(0));
    let xruns = Arc::new(AtomicU32::new(0));
    let lee = drums(
        "pocket-test-cpal-lee",
        Xruns(Arc::clone(&xruns)),
        lee,
        &start,
    );
    let sanae = drums("pocket-test-cpal-sanae", (), sanae, &start);
    let dir = tempfile::tempdir().expect("temp dir");
    let rc = dir.path().join("asoundrc");
    std::fs::write(&rc, TWO_KITS_PCM).expect("asoundrc");
    let _alsa = AlsaConfig::with(&rc);
    TwoDrummers {
        lee,
        sanae,
        start,
        xruns,
        dir,
        _alsa,
    }
}

/// Watches how many ports read Lee's drummer while a session runs.
struct Watch {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<usize>,
}

impl Watch {
    /// The most connections seen at once.
    fn stop(self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the watcher")
    }
}

/// Starts a thread that counts, every 20 ms, the connections of `pocket-test-cpal-lee:out`.
fn watch_connections() -> Watch {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let thread = std::thread::spawn(move || {
        let c = super::jack_server::client("pocket-test-watch");
        let mut most = 0;
        while !flag.load(Ordering::Relaxed) {
            if let Some(p) = c.port_by_name("pocket-test-cpal-lee:out") {
                most = most.max(p.get_connections().len());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        most
    });
    Watch { stop, thread }
}

/// The two players of a session on ALSA's default device: Lee on `lee`, Sanae on `sanae`.
fn two_players(o: &mut SessionOptions, lee: Option<u16>, sanae: Option<u16>) {
    o.players.clear();
    for (name, channel) in [("Lee", lee), ("Sanae", sanae)] {
        o.players.push(PlayerSpec {
            name: name.into(),
            source: PlayerSource::Audio {
                query: "default".into(),
                channel,
            },
            kit: None,
            offsets: Default::default(),
        });
    }
}

#[test]
fn two_kits_on_two_channels_of_one_cpal_device_are_two_players_on_one_clock() {
    let _serial = jack_serial();
    let Some(probe) = ready() else {
        return;
    };
    let rate = probe.sample_rate();
    let (lee_strokes, lee_audio) = groove(rate);
    // Sanae's groove, unlike Lee's: a sixteenth late (no stroke within 100 ms of one of
    // Lee's), snare on 1 and 3, kick on 2 and 4.
    let (sanae_strokes, sanae_audio) = groove_with(rate, rate as usize / 8, 2, 0);
    let (lee_audio, sanae_audio) = (Arc::new(lee_audio), Arc::new(sanae_audio));
    let d = two_drummers(&lee_audio, &sanae_audio);
    let (start, xruns) = (&d.start, &d.xruns);

    // As in the one-kit test, a server that falls behind real time delivers the strokes late
    // (pocket rightly follows): the grooves are then played again, three times at most.
    let mut attempt = 0;
    let (outcome, chart_path, out, timing) = loop {
        attempt += 1;
        let here = d.dir.path().join(format!("try-{attempt}"));
        std::fs::create_dir_all(&here).expect("folder");
        let (mut o, chart_path, out) = groove_session(&here, lee_strokes.len(), "default");
        two_players(&mut o, Some(1), Some(2));
        let callbacks_before = CALLBACKS.load(Ordering::Relaxed);
        let allocations_before = ALLOCATIONS_IN_CALLBACK.load(Ordering::SeqCst);
        start.store(0, Ordering::Release);
        xruns.store(0, Ordering::Release);
        let watch = watch_connections();
        let outcome = play_groove(&probe, start, o, &out, Duration::from_millis(500));
        // alsa-lib's JACK plugin connects a client of its own to the drummers at each open of
        // the device: one stream for both players, one connection.
        let connections = watch.stop();
        assert_eq!(
            connections, 1,
            "the device was opened once, for both players"
        );
        assert!(CALLBACKS.load(Ordering::Relaxed) > callbacks_before);
        assert_eq!(
            ALLOCATIONS_IN_CALLBACK.load(Ordering::SeqCst),
            allocations_before,
            "pocket's cpal callback must not allocate"
        );
        eprintln!("warnings: {:?}", outcome.warnings);
        let seen = xruns.load(Ordering::Acquire);
        if seen == 0 || attempt == 3 {
            break (outcome, chart_path, out, seen == 0);
        }
        eprintln!("the server fell behind real time {seen} times: playing the grooves again");
    };
    drop((d.lee, d.sanae));
    if !timing {
        eprintln!("the server never kept time: the timing checks are left out");
    }

    // One cpal device, two ports (one per channel), two recordings.
    let cap = read_capture(&outcome.capture).expect("readable capture");
    assert_eq!(cap.header.capture.as_ref().expect("stamps").backend, "cpal");
    let names: Vec<&str> = cap.header.ports.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "audio default#audio-channel=1",
            "audio default#audio-channel=2"
        ]
    );
    let files: Vec<Option<&str>> = cap
        .header
        .ports
        .iter()
        .map(|p| p.audio_file.as_deref())
        .collect();
    assert_eq!(files, [Some("audio-Lee.wav"), Some("audio-Sanae.wav")]);

    // Each recording holds its own channel, bit for bit, and both start the grooves at the
    // same frame: the one stream's frames and heard time, placed alike.
    let onset = |x: &[f32]| x.iter().position(|s| s.abs() > 1e-3).expect("sound");
    let lee_wav = out.join("audio-Lee.wav");
    let sanae_wav = out.join("audio-Sanae.wav");
    let lee_rec = read_recording(&lee_wav, rate);
    let sanae_rec = read_recording(&sanae_wav, rate);
    assert_eq!(lee_rec.len(), sanae_rec.len(), "one stream, one length");
    let lee_first = onset(&lee_rec) - onset(&lee_audio);
    let sanae_first = onset(&sanae_rec) - onset(&sanae_audio);
    assert_eq!(lee_first, sanae_first, "the two kits on one clock");
    if timing {
        assert_eq!(
            &lee_rec[lee_first..lee_first + lee_audio.len()],
            &lee_audio[..],
            "Lee's recording holds channel 1 as played, and nothing of channel 2"
        );
        assert_eq!(
            &sanae_rec[sanae_first..sanae_first + sanae_audio.len()],
            &sanae_audio[..],
            "Sanae's recording holds channel 2 as played, and nothing of channel 1"
        );
    }

    // Each player's hits at its own strokes, every stroke heard, none at the other's.
    let ns = |f: usize| (f as f64 * 1e9 / f64::from(rate)).round() as i64;
    let lee_at: Vec<i64> = lee_strokes.iter().map(|s| ns(lee_first + s)).collect();
    let sanae_at: Vec<i64> = sanae_strokes.iter().map(|s| ns(sanae_first + s)).collect();
    let lee_hits = hits_of(&cap, 0);
    let sanae_hits = hits_of(&cap, 1);
    if timing {
        hits_at_strokes(&lee_hits, &lee_at, rate);
        hits_at_strokes(&sanae_hits, &sanae_at, rate);
    }
    let near = |hits: &[(i64, u8)], at: &[i64]| {
        hits.iter()
            .filter(|(t, _)| at.iter().any(|a| (t - a).abs() <= 20_000_000))
            .count()
    };
    assert_eq!(near(&lee_hits, &sanae_at), 0, "none of Sanae's in Lee's");
    assert_eq!(near(&sanae_hits, &lee_at), 0, "none of Lee's in Sanae's");
    assert_eq!(near(&sanae_hits, &sanae_at), sanae_hits.len());

    // Offline: each recording gives its player's live hits.
    for (hits, wav) in [(&lee_hits, &lee_wav), (&sanae_hits, &sanae_wav)] {
        let mut live = hits.clone();
        live.sort();
        assert_eq!(live, offline_hits(wav), "the live hits are {wav:?}'s");
    }

    // The live report is `pocket score`'s on the capture log, and on the two recordings with
    // the capture's time zero (the command the session prints).
    let live_report = outcome.report.as_ref().expect("a report");
    // (The chart is Lee's groove: Sanae's strokes, a sixteenth off, match none of it.)
    assert_eq!(live_report.players.len(), 2);
    assert!(live_report.players[0].matched > 0);
    let live_json: serde_json::Value = serde_json::from_str(&live_report.to_json()).expect("JSON");
    let score = |players: [String; 2], file: &str| -> serde_json::Value {
        let report = out.join(file);
        let mut cmd = pocket();
        cmd.arg("score").arg("--chart").arg(&chart_path);
        for p in players {
            cmd.arg("--player").arg(p);
        }
        let run = cmd.arg("-o").arg(&report).output().expect("pocket score");
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("JSON")
    };
    let log = outcome.capture.display().to_string();
    let again = score(
        [
            format!("Lee={log}#player=Lee"),
            format!("Sanae={log}#player=Sanae"),
        ],
        "rescored.json",
    );
    assert_eq!(again["players"], live_json["players"]);
    assert_eq!(again["sync"], live_json["sync"]);
    let zero = pocket::time::format_seconds(cap.time_zero.expect("time zero"));
    let specs = [
        format!("Lee={}#zero={zero}", lee_wav.display()),
        format!("Sanae={}#zero={zero}", sanae_wav.display()),
    ];
    let command = outcome.audio_score_command.as_ref().expect("the command");
    assert!(
        specs.iter().all(|s| command.contains(s.as_str())),
        "{command}"
    );
    let from_wavs = score(specs, "from-wavs.json");
    assert_eq!(from_wavs["players"], live_json["players"]);
}

#[test]
fn a_channel_the_device_lacks_and_a_channel_of_a_jack_port_are_clear_errors() {
    let _serial = jack_serial();
    let Some(_probe) = ready() else {
        return;
    };
    let silent = Arc::new(Vec::new());
    let TwoDrummers {
        lee,
        sanae,
        dir,
        _alsa,
        ..
    } = two_drummers(&silent, &silent);

    // `pocket devices` says how many channels there are to pick from.
    let listed = pocket::live::ports::devices().expect("devices");
    let default = listed
        .audio_inputs
        .iter()
        .find(|p| p.backend == "cpal" && p.name == "default")
        .unwrap_or_else(|| panic!("{:?}", listed.audio_inputs));
    assert_eq!(default.channels, Some(2));
    assert!(listed
        .audio_inputs
        .iter()
        .all(|p| p.backend == "cpal" || p.channels.is_none()));

    // Channel 3 of a two-channel device.
    let (mut o, _, _) = groove_session(dir.path(), 16, "default");
    two_players(&mut o, Some(1), Some(3));
    o.stop.store(true, Ordering::Relaxed);
    let err = session::run(o).map(|_| ()).expect_err("no channel 3");
    assert!(
        matches!(
            &err,
            LiveError::NoSuchAudioChannel {
                player,
                channel: 3,
                channels: 2,
                ..
            } if player == "Sanae"
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("player Sanae")
            && text.contains("\"default\"")
            && text.contains("has 2 channels")
            && text.contains("no channel 3"),
        "{text}"
    );

    // A JACK port is one channel: the message says to pick the port.
    let jack_dir = dir.path().join("jack");
    std::fs::create_dir_all(&jack_dir).expect("folder");
    let (mut o, _, _) = groove_session(&jack_dir, 16, "default");
    o.players[0].source = PlayerSource::Audio {
        query: "pocket-test-cpal-lee:out".into(),
        channel: Some(2),
    };
    o.stop.store(true, Ordering::Relaxed);
    let text = session::run(o)
        .map(|_| ())
        .expect_err("no channels of a JACK port")
        .to_string();
    assert!(
        text.contains("player Lee")
            && text.contains("a JACK port is one channel")
            && text.contains("name the port of that channel"),
        "{text}"
    );
    drop((lee, sanae));
}
