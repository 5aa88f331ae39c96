//! Backing audio through its public door: the committed FLAC, Ogg Vorbis and MP3 fixtures
//! (fixtures/audio/README.md says how they were made), the real-time Reader on a simulated
//! output clock, no allocation in `Reader::fill`, and underruns counted.

use pocket::backing::{self, Decoder, Plan, Settings};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

// A counting allocator, armed by a thread-local flag only around `Reader::fill`.
struct Counting;

static ALLOCATIONS_IN_FILL: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ARMED.try_with(Cell::get).unwrap_or(false) {
            ALLOCATIONS_IN_FILL.fetch_add(1, Ordering::SeqCst);
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.try_with(Cell::get).unwrap_or(false) {
            ALLOCATIONS_IN_FILL.fetch_add(1, Ordering::SeqCst);
        }
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if ARMED.try_with(Cell::get).unwrap_or(false) {
            ALLOCATIONS_IN_FILL.fetch_add(1, Ordering::SeqCst);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/audio")
        .join(name)
}

/// Mono 16-bit WAV at `rate` with a one-sample click at each second in `clicks`.
fn click_wav(path: &Path, rate: u32, seconds: u32, clicks: &[u32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..rate * seconds {
        let click = clicks.iter().any(|c| c * rate == i);
        w.write_sample(if click { 30_000i16 } else { 0 }).unwrap();
    }
    w.finalize().unwrap();
}

fn decode_all(path: &Path) -> (u32, Vec<f32>) {
    let mut d = Decoder::open(path).unwrap();
    let (mut l, mut r) = (Vec::new(), Vec::new());
    while d.read(&mut l, &mut r, 1000).unwrap() > 0 {}
    (d.rate(), l)
}

/// The frame where the energy in 1 ms windows peaks.
fn loudest_ms(x: &[f32], rate: u32) -> usize {
    let w = (rate / 1000) as usize;
    (0..x.len().saturating_sub(w))
        .step_by(4)
        .max_by(|a, b| {
            let e = |s: usize| x[s..s + w].iter().map(|v| v * v).sum::<f32>();
            e(*a).total_cmp(&e(*b))
        })
        .unwrap()
}

#[test]
fn flac_ogg_and_mp3_decode_with_the_click_in_place() {
    // 0.5 s at 44.1 kHz, a 32-sample click from frame 11025 over a quarter-scale sine.
    for (name, frames_tolerance, click_tolerance) in [
        ("sine440-click250ms-44100Hz-mono.flac", 0usize, 44usize),
        ("sine440-click250ms-44100Hz-mono.ogg", 0, 88),
        ("sine440-click250ms-44100Hz-mono.mp3", 1152, 88),
    ] {
        let (rate, x) = decode_all(&fixture(name));
        assert_eq!(rate, 44_100, "{name}");
        assert!(
            (x.len() as i64 - 22_050).unsigned_abs() as usize <= frames_tolerance,
            "{name}: {} frames, expected 22050",
            x.len()
        );
        let at = loudest_ms(&x, rate);
        assert!(
            (at as i64 - 11_025).unsigned_abs() as usize <= click_tolerance,
            "{name}: click at frame {at}, expected 11025"
        );
    }
    // FLAC is lossless: the sine is there sample for sample.
    let (_, x) = decode_all(&fixture("sine440-click250ms-44100Hz-mono.flac"));
    let expected = (0.25 * (std::f64::consts::TAU * 440.0 * 100.0 / 44_100.0).sin()) as f32;
    assert!((x[100] - expected).abs() < 1e-4, "{} vs {expected}", x[100]);
}

#[test]
fn the_reader_plays_every_click_at_its_frame_on_a_simulated_output_clock() {
    let dir = tempfile::tempdir().unwrap();
    let song = dir.path().join("song.wav");
    let clicks: Vec<u32> = (1..20).collect();
    click_wav(&song, 44_100, 20, &clicks);
    let (mut reader, feed) = backing::start(&Plan::file(&song), &Settings::new(48_000)).unwrap();
    let timing = reader.timing();
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    let mut out = Vec::new();
    while !reader.is_finished() {
        // The output clock waits for the feed only in this test: a real one never does.
        if reader.ready_frames() < 256 && !feed.is_done() {
            std::thread::sleep(Duration::from_millis(1));
            continue;
        }
        reader.fill(&mut l, &mut r);
        out.extend_from_slice(&l);
    }
    assert_eq!(reader.underruns(), 0);
    for c in clicks {
        let expected = timing.frame_of(pocket::Nanos(i64::from(c) * 1_000_000_000));
        let e = expected.round() as usize;
        let found = (e - 3..=e + 3)
            .max_by(|a, b| out[*a].abs().total_cmp(&out[*b].abs()))
            .unwrap();
        assert!(
            (found as f64 - expected).abs() <= 1.0,
            "click {c}: frame {found}, expected {expected:.2}"
        );
    }
    let stats = feed.stop().unwrap();
    assert_eq!(stats.underruns, 0);
}

#[test]
fn fill_never_allocates_and_a_dry_ring_is_counted_as_an_underrun() {
    let dir = tempfile::tempdir().unwrap();
    let song = dir.path().join("song.wav");
    click_wav(&song, 48_000, 30, &[1, 2]);
    let mut settings = Settings::new(48_000);
    settings.ring_frames = 2048;
    let (mut reader, feed) = backing::start(&Plan::file(&song), &settings).unwrap();
    let mut big = (vec![1.0f32; 10_000], vec![1.0f32; 10_000]);
    let mut small = (vec![0.0f32; 128], vec![0.0f32; 128]);

    ARMED.with(|a| a.set(true));
    // More than the ring holds, before the song's end: an underrun, silence after the ring's
    // frames, and nothing allocated.
    reader.fill(&mut big.0, &mut big.1);
    ARMED.with(|a| a.set(false));
    assert_eq!(reader.underruns(), 1);
    assert!(reader.underrun_frames() >= 10_000 - 2048);
    assert!(
        big.0[9_999] == 0.0 && big.1[9_999] == 0.0,
        "missing frames are silence"
    );
    assert_eq!(feed.underruns().underruns, 1, "the handle sees it too");

    // Then at the pace of the output: no more underruns, and still no allocation.
    let mut periods = 0u64;
    while !reader.is_finished() {
        if reader.ready_frames() < 128 && !feed.is_done() {
            std::thread::sleep(Duration::from_micros(200));
            continue;
        }
        ARMED.with(|a| a.set(true));
        reader.fill(&mut small.0, &mut small.1);
        ARMED.with(|a| a.set(false));
        periods += 1;
    }
    assert!(periods > 10_000, "{periods} periods");
    assert_eq!(reader.underruns(), 1, "none while the feed kept up");
    // After the end, silence is not an underrun.
    reader.fill(&mut small.0, &mut small.1);
    assert_eq!(reader.underruns(), 1);
    assert_eq!(
        ALLOCATIONS_IN_FILL.load(Ordering::SeqCst),
        0,
        "Reader::fill allocated"
    );
    feed.stop().unwrap();
}

#[test]
fn a_bad_file_is_reported_before_anything_plays() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.ogg");
    std::fs::write(&bad, b"OggS not really").unwrap();
    let err = backing::start(&Plan::file(&bad), &Settings::new(48_000)).unwrap_err();
    assert!(err.to_string().contains("bad.ogg"), "{err}");
    let err = Plan::song_folder(dir.path().join("nowhere").as_path(), false).unwrap_err();
    assert!(err.to_string().contains("nowhere"), "{err}");
}

/// cpal's ALSA output, through alsa-lib's JACK PCM plugin (libasound2-plugins) into the JACK
/// server CI runs with the dummy driver: a live session plays a backing file to the default
/// ALSA output and records how its sound was placed on the kits' clock. Skipped without a JACK
/// server or the plugin, unless POCKET_REQUIRE_JACK is set.
#[cfg(feature = "midi-io")]
#[test]
fn a_live_session_plays_its_backing_through_alsa_into_jack() {
    use std::process::Command;
    if !pocket::testdata::alsa_into_jack() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    pocket::testdata::write_alsa_jack_rc(home.path());
    let song = home.path().join("clicks.wav");
    click_wav(&song, 44_100, 8, &[1, 2, 3, 4, 5, 6, 7]);
    let out = home.path().join("session");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // pocket in the crate's folder, with the ALSA setup and the config directory in `home`.
    let pocket = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pocket"));
        c.env(
            pocket::testdata::HISTORY_VAR,
            pocket::testdata::test_history(),
        )
        .current_dir(root)
        .env("HOME", home.path())
        .env("POCKET_CONFIG_DIR", home.path());
        c
    };
    let run = pocket()
        .args(["live", "--chart", "charts/disco-pop-114.json"])
        .args(["--replay", "Lee=fixtures/demo/lee-roland-td.jsonl"])
        // ALSA's default device (JACK ports are searched first and none is named so).
        .args(["--audio-out", "default"])
        .args([
            "--start",
            "now",
            "--duration",
            "4",
            "--quiet",
            "--audio-offset-ms",
            "12.5",
        ])
        .arg("--backing")
        .arg(&song)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "pocket live failed:\n{stderr}");
    assert!(!stderr.contains("underrun"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let audio = &report["settings"]["audio"];
    assert_eq!(audio["output"], "default", "{audio}");
    assert_eq!(audio["audio_offset_ms"], 12.5);
    assert_eq!(audio["tempo"], 1.0);
    assert!(audio["files"][0].as_str().unwrap().ends_with("clicks.wav"));
    let latency = audio["reported_latency_ms"].as_f64().unwrap();
    assert!(
        (0.0..1000.0).contains(&latency),
        "reported latency {latency} ms"
    );
    let spread = audio["mapping_spread_ms"].as_f64().unwrap();
    assert!((0.0..200.0).contains(&spread), "mapping spread {spread} ms");
    // The capture log's time zero is the backing's first sample as heard.
    let header: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(out.join("capture.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert!(header["time_zero_ns"].as_i64().unwrap() > 0, "{header}");
    assert_eq!(audio["audio_offset_source"], "flag", "{audio}");
    assert_eq!(
        header["audio"]["sample_zero_ns"], header["time_zero_ns"],
        "{header}"
    );
    // `pocket score` on the capture log rebuilds the same settings.audio.
    let rescored = out.join("rescored.json");
    let run = pocket()
        .args(["score", "--chart", "charts/disco-pop-114.json", "--player"])
        .arg(format!(
            "Lee={}#player=Lee",
            out.join("capture.jsonl").display()
        ))
        .arg("-o")
        .arg(&rescored)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "pocket score failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let rescored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&rescored).unwrap()).unwrap();
    assert_eq!(&rescored["settings"]["audio"], audio);

    // Without the flag, the offset saved for the output by `pocket calibrate --audio`.
    std::fs::write(
        home.path().join("latency.json"),
        r#"{"format": "pocket-latency/1", "audio_outputs": {"default": {"offset_ms": 7.25}}}"#,
    )
    .unwrap();

    // A section, looped, at a practice tempo: the slice of the audio plays.
    let out = home.path().join("section");
    let run = pocket()
        .args(["live", "--chart", "charts/disco-pop-114.json"])
        .args(["--replay", "Lee=fixtures/demo/lee-roland-td.jsonl"])
        // ALSA's default device (JACK ports are searched first and none is named so).
        .args(["--audio-out", "default"])
        .args(["--start", "now", "--duration", "3", "--quiet"])
        .args(["--section", "intro", "--loop", "2", "--tempo", "80%"])
        .arg("--backing")
        .arg(&song)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "pocket live --section failed:\n{stderr}"
    );
    assert!(!stderr.contains("underrun"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["settings"]["audio"]["tempo"], 0.8);
    assert_eq!(report["settings"]["audio"]["audio_offset_ms"], 7.25);
    assert_eq!(report["settings"]["audio"]["audio_offset_source"], "saved");
}

/// Writes `pcm` (mono, 48 kHz) as a gapless Ogg Opus file with opus-pure's encoder: the
/// encoder's delay flushed and the final granule stating the end (RFC 7845 §4.4).
#[cfg(feature = "opus")]
fn write_opus(path: &Path, pcm: &[f32]) {
    use opus_pure::{Application, OggOpusWriter, OpusEncoder, OpusHead, MAX_PACKET_BYTES};
    let rate = 48_000usize;
    let frame = rate / 50;
    let mut encoder = OpusEncoder::new(rate as i32, 1, Application::Audio).unwrap();
    encoder.bitrate_bps = 128_000;
    let head = OpusHead::for_encoder(&encoder, rate as u32);
    let frames = (pcm.len() + usize::from(head.pre_skip)).div_ceil(frame);
    let final_granule = u64::from(head.pre_skip) + pcm.len() as u64;
    let file = std::fs::File::create(path).unwrap();
    let mut writer = OggOpusWriter::new(std::io::BufWriter::new(file), head).unwrap();
    let mut packet = vec![0u8; MAX_PACKET_BYTES];
    let mut block = vec![0.0f32; frame];
    for i in 0..frames {
        let start = (i * frame).min(pcm.len());
        let end = (start + frame).min(pcm.len());
        block[..end - start].copy_from_slice(&pcm[start..end]);
        block[end - start..].fill(0.0);
        let n = encoder.encode(&block, frame, &mut packet).unwrap();
        if i + 1 == frames {
            let duration = final_granule - writer.granule() as u64;
            writer
                .write_packet_with_duration(&packet[..n], duration as u32)
                .unwrap();
        } else {
            writer.write_packet(&packet[..n]).unwrap();
        }
    }
    writer.finish().unwrap();
}

/// Ogg Opus (feature `opus`): a file encoded here decodes at 48 kHz to exactly its length,
/// with each click in place; resampled to a 44.1 kHz output through the backing chain, the
/// click is at its time there too; a damaged file is named.
#[cfg(feature = "opus")]
#[test]
fn ogg_opus_decodes_gapless_with_the_clicks_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("song.opus");
    // 1.2 s: a quiet 220 Hz tone with a 48-sample burst at 0.3, 0.6 and 0.9 s.
    let rate = 48_000usize;
    let mut pcm: Vec<f32> = (0..rate * 6 / 5)
        .map(|i| 0.05 * (i as f32 * 220.0 * std::f32::consts::TAU / rate as f32).sin())
        .collect();
    let clicks_s = [0.3, 0.6, 0.9];
    for c in clicks_s {
        let at = (c * rate as f64) as usize;
        for (k, s) in pcm[at..at + 48].iter_mut().enumerate() {
            *s = if k % 2 == 0 { 0.9 } else { -0.9 };
        }
    }
    write_opus(&path, &pcm);

    let (file_rate, left) = decode_all(&path);
    assert_eq!(file_rate, 48_000);
    assert_eq!(
        left.len(),
        pcm.len(),
        "pre-skip and end-trim applied: gapless"
    );
    for c in clicks_s {
        let at = (c * rate as f64) as usize;
        let window = &left[at - rate / 20..at + rate / 20];
        let found = at - rate / 20 + loudest_ms(window, 48_000);
        assert!(
            found.abs_diff(at) <= 48,
            "the click at {c} s decodes at frame {found}, not within 1 ms of {at}"
        );
    }

    // Through the chain to a 44.1 kHz output: the first click at 0.3 s of the output.
    let (mut frames, timing) = backing::chain(&Plan::file(&path), &Settings::new(44_100)).unwrap();
    let (mut l, mut r) = (Vec::new(), Vec::new());
    while frames.pull(&mut l, &mut r, 4096).unwrap() > 0 {}
    let predicted = timing.frame_of(pocket::time::Nanos::from_millis(300));
    let window = &l[..(0.45 * 44_100.0) as usize];
    let found = loudest_ms(window, 44_100) as f64;
    assert!(
        (found - predicted).abs() <= 44.1,
        "resampled click at frame {found}, predicted {predicted}"
    );

    // A file cut in the middle of a page: an error naming it, never a panic.
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.opus");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let err = match Decoder::open(&cut) {
        Err(e) => e,
        Ok(mut d) => {
            let (mut l, mut r) = (Vec::new(), Vec::new());
            loop {
                match d.read(&mut l, &mut r, 4096) {
                    Ok(0) => panic!("a cut Opus file ends without an error ({} frames)", l.len()),
                    Ok(_) => {}
                    Err(e) => break e,
                }
            }
        }
    };
    assert!(err.to_string().contains("cut.opus"), "{err}");
}
