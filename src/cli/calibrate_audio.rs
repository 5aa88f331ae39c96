//! `pocket calibrate --audio`: an audio output's offset measured from taps against clicks
//! played through it ([`pocket::calibrate_audio`]), printed and saved per output device in the
//! latency profiles file, where `pocket live`/`record --backing` find it.

use super::args::{split_named, REPLAY};
use super::usage::usage;
use anyhow::{Context, Result};
use pocket::calibrate_audio::{self, AudioTaps};
use pocket::latency::{AudioOffsetProfile, LatencyError, LatencyProfiles};
use pocket::live::session::{self, PlayerSource};
use pocket::matching::Offsets;
use pocket::time::Nanos;
use std::path::PathBuf;

/// What `calibrate --audio` reads from the command line.
pub struct AudioCalibrateArgs {
    pub port: Option<String>,
    pub replay: Option<String>,
    pub audio_out: Option<String>,
    pub latency_profile: Option<String>,
    pub bpm: f64,
    pub bars: u32,
    pub output: Option<PathBuf>,
}

/// The latency profiles file, or none when there is no config directory.
fn store() -> Result<Option<LatencyProfiles>> {
    match LatencyProfiles::open_default() {
        Ok(s) => Ok(Some(s)),
        Err(LatencyError::NoConfigDir) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The kit's input latency to take off the taps, and where it came from.
fn kit_latency(
    args: &AudioCalibrateArgs,
    source: &PlayerSource,
    kit: Option<&pocket::kit::KitMap>,
) -> Result<(Offsets, String)> {
    let store = store()?;
    if let Some(name) = &args.latency_profile {
        let store = store.ok_or(LatencyError::NoConfigDir)?;
        let (key, p) = store.get(name)?;
        return Ok((p.offsets(), format!("latency profile {key:?}")));
    }
    match source {
        PlayerSource::Port { query, .. } => {
            let port = pocket::live::ports::find_input(query)?;
            if let Some((key, p)) = store
                .as_ref()
                .and_then(|s| s.for_ports(std::slice::from_ref(&port.name)))
            {
                return Ok((p.offsets(), format!("latency profile {key:?}")));
            }
        }
        PlayerSource::Replay { spec } => {
            if let Some((hands, feet)) = pocket::formats::load_take(spec, kit)?.offsets {
                return Ok((Offsets { hands, feet }, format!("the capture log {spec}")));
            }
        }
        // An audio input has no saved kit latency: taken as 0, as printed.
        PlayerSource::Audio { .. } => {}
    }
    Ok((
        Offsets::default(),
        "none saved for this kit: taken as 0 (calibrate the kit first: pocket calibrate --port)"
            .into(),
    ))
}

/// Runs the audio calibration and saves the output's offset.
pub fn calibrate_audio(args: &AudioCalibrateArgs, kit: Option<pocket::kit::KitMap>) -> Result<()> {
    if !cfg!(any(feature = "midi-io", feature = "jack")) {
        return Err(pocket::live::LiveError::NotBuilt.into());
    }
    let (name, source) = match (&args.port, &args.replay) {
        (Some(port), None) => (
            "kit".to_string(),
            PlayerSource::Port {
                query: port.clone(),
                channel: None,
            },
        ),
        (None, Some(r)) => {
            split_named(REPLAY, r)?;
            session::parse_player(r, true).map_err(|e| usage(format!("--replay {e}")))?
        }
        _ => {
            return Err(usage(
                "--audio needs the kit to tap on: --port PORT (or --replay NAME=CAPTURE)",
            ))
        }
    };
    if !(args.bpm.is_finite() && (30.0..=300.0).contains(&args.bpm)) {
        return Err(usage("--bpm must be between 30 and 300"));
    }
    if args.bars == 0 || args.bars > 64 {
        return Err(usage("--bars must be between 1 and 64"));
    }
    let (kit_latency, latency_from) = kit_latency(args, &source, kit.as_ref())?;
    let out_dir = args.output.clone().unwrap_or_else(|| {
        pocket::live::stamped_dir("calibration-audio", std::time::SystemTime::now())
    });
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    session::stop_on_signals(&stop).context("cannot install the Ctrl-C handler")?;
    if args.port.is_some() {
        println!(
            "Listen for {} bars of clicks from the audio output, then tap quarter notes with them \
             on any pad for {} bars. Ctrl-C stops.",
            pocket::calibrate::TAP_LEAD_BARS,
            args.bars
        );
    }
    let outcome = calibrate_audio::audio_tap_calibration(AudioTaps {
        name: name.clone(),
        source,
        kit,
        kit_latency,
        bpm: args.bpm,
        bars: args.bars,
        audio_out: args.audio_out.clone(),
        out_dir: out_dir.clone(),
        stop,
    })?;
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    println!(
        "audio calibration of output {:?} (reported latency {:.1} ms) by {name}: {} clicks at {} BPM, {} taps (capture in {})",
        outcome.device,
        outcome.reported_latency.as_millis_f64(),
        outcome.clicks,
        args.bpm,
        outcome.taps,
        out_dir.display()
    );
    let Some(m) = outcome.measure else {
        anyhow::bail!(
            "no audio offset can be measured: fewer than {} taps were near the clicks; tap quarter notes with the clicks and try again",
            pocket::calibrate::MIN_PAIRS
        );
    };
    let ms = Nanos::as_millis_f64;
    println!(
        "  median tap offset {:+.1} ms ({} taps used, {} dropped, spread ±{:.1} ms)",
        ms(m.median_tap),
        m.used,
        m.dropped,
        ms(m.spread)
    );
    println!(
        "  kit input latency {:+.1} ms (hands {:+.1}, feet {:+.1}; from {latency_from})",
        ms(m.kit_latency),
        ms(kit_latency.hands),
        ms(kit_latency.feet)
    );
    println!(
        "  audio offset {:+.1} ms = median tap offset − kit latency",
        ms(m.offset)
    );
    println!("Note: {}", pocket::calibrate::KIT_PLUS_PLAYER);
    let mut store = LatencyProfiles::open_default()?;
    let measured = format!(
        "median tap {:+.3} ms - kit latency {:+.3} ms ({latency_from}), {} taps at {} BPM ({})",
        ms(m.median_tap),
        ms(m.kit_latency),
        m.used,
        args.bpm,
        outcome.capture.display()
    );
    store.insert_audio(
        &outcome.device,
        AudioOffsetProfile {
            measured: Some(measured),
            saved: Some(pocket::formats::capture_log::format_rfc3339_utc(
                std::time::SystemTime::now(),
            )),
            ..AudioOffsetProfile::from_offset(m.offset)
        },
    )?;
    store.save()?;
    println!(
        "saved the audio offset of output {:?} in {}: live and record with --backing on this output use it unless --audio-offset-ms is given",
        outcome.device,
        store.path.display()
    );
    Ok(())
}
