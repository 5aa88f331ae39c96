//! `pocket calibrate`: a kit's latency measured from a take played against a chart, or from
//! quarter notes tapped with a click ([`pocket::calibrate`]), printed with advice and saved as a
//! latency profile; and the list of saved profiles.

use super::args::{load_take, split_named, GameChartArgs, PLAYER_TAKE, REPLAY};
use super::usage::usage;
use anyhow::{Context, Result};
use clap::Args;
use pocket::calibrate::{self, Suggestion, Taps};
use pocket::formats::{self, LoadedTake};
use pocket::latency::{LatencyProfile, LatencyProfiles};
use pocket::live::session::{self, PlayerSource};
use pocket::matching::Offsets;
use pocket::time::Nanos;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    #[arg(long, requires = "player", help = concat!(
        "Measure from a take played against this chart (with --player): ",
        chart_formats!(),
        "."
    ))]
    chart: Option<PathBuf>,
    /// The player and their take: NAME=TAKE (with --chart).
    #[arg(long, value_name = "NAME=TAKE", requires = "chart")]
    player: Option<String>,
    /// Tap calibration on this live kit's MIDI input (part of its name; feature midi-io):
    /// a click for a few bars, quarter notes on hands and feet.
    #[arg(long, value_name = "PORT", conflicts_with_all = ["chart", "replay"])]
    port: Option<String>,
    /// Tap calibration replayed from a capture log of an earlier one: NAME=CAPTURE.
    #[arg(long, value_name = "NAME=TAKE", conflicts_with = "chart")]
    replay: Option<String>,
    /// MIDI output for the click of a tap calibration (part of its name).
    #[arg(long, value_name = "PORT")]
    click_port: Option<String>,
    /// Kit profile or kit map file for reading the take or the kit.
    #[arg(long, value_name = "PROFILE")]
    kit: Option<String>,
    /// Save the suggestion as this latency profile (a tap calibration on a port saves under
    /// the port's stable name unless given).
    #[arg(long, value_name = "NAME")]
    save_latency: Option<String>,
    /// Tempo of the tap calibration's click.
    #[arg(long, default_value_t = calibrate::TAP_BPM, allow_negative_numbers = true)]
    bpm: f64,
    /// Bars of tapping (after two bars of listening).
    #[arg(long, default_value_t = 8)]
    bars: u32,
    /// Replay speed (with --replay).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    speed: f64,
    /// Session directory for the tap calibration's capture (default: calibration-DATE-TIME).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// List the saved latency profiles and where they are kept.
    #[arg(long, conflicts_with_all = ["chart", "port", "replay"])]
    list: bool,
    /// Calibrate an audio output (with --port or --replay): clicks play through it, the player
    /// taps along on any pad, and the output's audio offset is saved (feature midi-io).
    #[arg(long, conflicts_with_all = ["chart", "list", "click_port", "save_latency"])]
    audio: bool,
    /// The audio output to calibrate (with --audio): part of its name (`pocket devices` lists
    /// them; default: the system's default output).
    #[arg(long, value_name = "PORT", requires = "audio")]
    audio_out: Option<String>,
    /// The kit's latency profile to take off the taps (with --audio; default: the profile
    /// saved under the kit port's name, or a replayed capture's offsets).
    #[arg(long, value_name = "NAME", requires = "audio")]
    latency_profile: Option<String>,
    #[command(flatten)]
    game: GameChartArgs,
}

/// Lists the profiles, or measures from a take or from taps.
pub fn calibrate(args: CalibrateArgs) -> Result<()> {
    if args.list {
        return list_profiles();
    }
    let kit = args.kit.as_deref().map(formats::load_kit).transpose()?;
    if args.audio {
        return super::calibrate_audio::calibrate_audio(&args.audio_args(), kit);
    }
    if let (Some(chart_path), Some(player)) = (&args.chart, &args.player) {
        let (name, spec) = split_named(PLAYER_TAKE, player)?;
        let chart = formats::load_chart(chart_path, args.game.options(None)?)?;
        let loaded = load_take(spec, kit.as_ref())?;
        if loaded.take.hits.is_empty() {
            anyhow::bail!(
                "{spec}: the take holds no drum hits; check --kit and the file's channel"
            );
        }
        let s = calibrate::suggest_from_take(&chart, &loaded.take, pocket::lane::Lane::ALL);
        println!(
            "calibration of {name} from {spec} against {} ({} notes)",
            chart_path.display(),
            chart.notes.len()
        );
        let measured = format!("take {spec} against {}", chart_path.display());
        return conclude(name, &s, &loaded, args.save_latency.as_deref(), &measured);
    }
    taps(&args, kit)
}

impl CalibrateArgs {
    /// What `calibrate --audio` reads.
    fn audio_args(&self) -> super::calibrate_audio::AudioCalibrateArgs {
        super::calibrate_audio::AudioCalibrateArgs {
            port: self.port.clone(),
            replay: self.replay.clone(),
            audio_out: self.audio_out.clone(),
            latency_profile: self.latency_profile.clone(),
            bpm: self.bpm,
            bars: self.bars,
            output: self.output.clone(),
        }
    }
}

/// Prints the saved latency profiles.
fn list_profiles() -> Result<()> {
    let store = LatencyProfiles::open_default()?;
    println!("latency profiles in {}", store.path.display());
    if store.profiles.is_empty() {
        println!("  (none)");
    }
    for (name, p) in &store.profiles {
        let how = p
            .measured
            .as_deref()
            .map(|m| format!("  ({m})"))
            .unwrap_or_default();
        println!(
            "  {name:<32} hands {:+7.1} ms  feet {:+7.1} ms{how}",
            p.hands_ms, p.feet_ms
        );
    }
    if !store.audio.is_empty() {
        println!("audio offsets of outputs (pocket calibrate --audio)");
    }
    for (name, p) in &store.audio {
        let how = p
            .measured
            .as_deref()
            .map(|m| format!("  ({m})"))
            .unwrap_or_default();
        println!("  {name:<32} {:+7.1} ms{how}", p.offset_ms);
    }
    Ok(())
}

/// Tap calibration through the live path: the chart's count-in is the click.
fn taps(args: &CalibrateArgs, kit: Option<pocket::kit::KitMap>) -> Result<()> {
    let (name, source) = match (&args.port, &args.replay) {
        (Some(port), None) => {
            // Fail before the session directory is created.
            if !cfg!(feature = "midi-io") {
                return Err(pocket::live::LiveError::NotBuilt.into());
            }
            if args.click_port.is_none() {
                return Err(usage(
                    "--port needs --click-port OUT: the player taps along with the click (`pocket devices` lists outputs)",
                ));
            }
            ("kit".to_string(), PlayerSource::Port { query: port.clone(), channel: None })
        }
        (None, Some(r)) => {
            split_named(REPLAY, r)?;
            session::parse_player(r, true).map_err(|e| usage(format!("--replay {e}")))?
        }
        _ => {
            return Err(usage(
                "give --chart CHART --player NAME=TAKE, or --port PORT --click-port OUT, or --replay NAME=CAPTURE (or --list)",
            ))
        }
    };
    if !(args.bpm.is_finite() && (30.0..=300.0).contains(&args.bpm)) {
        return Err(usage("--bpm must be between 30 and 300"));
    }
    if args.bars == 0 || args.bars > 64 {
        return Err(usage("--bars must be between 1 and 64"));
    }
    if !(args.speed.is_finite() && args.speed > 0.0) {
        return Err(usage("--speed must be a positive number"));
    }
    if args.speed != 1.0 && args.port.is_some() {
        return Err(usage("--speed only applies to --replay"));
    }
    let out_dir = args
        .output
        .clone()
        .unwrap_or_else(|| pocket::live::stamped_dir("calibration", std::time::SystemTime::now()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    session::stop_on_signals(&stop).context("cannot install the Ctrl-C handler")?;
    if args.port.is_some() {
        println!(
            "Listen for {} bars, then play quarter notes with the click for {} bars: \
             hands and feet together (snare and kick), or take turns. Ctrl-C stops.",
            calibrate::TAP_LEAD_BARS,
            args.bars
        );
    }
    let tap = calibrate::tap_calibration(Taps {
        name: name.clone(),
        source,
        kit,
        bpm: args.bpm,
        bars: args.bars,
        click_port: args.click_port.clone(),
        speed: args.speed,
        out_dir: out_dir.clone(),
        stop,
    })?;
    for w in &tap.warnings {
        eprintln!("warning: {w}");
    }
    println!(
        "tap calibration of {name}: {} clicks at {} BPM, {} hits (capture in {})",
        tap.clicks,
        args.bpm,
        tap.take.take.hits.len(),
        out_dir.display()
    );
    // A kit's profile is saved under its port's stable name unless named.
    let save = match (&args.save_latency, &args.port, &tap.port) {
        (Some(n), _, _) => Some(n.clone()),
        (None, Some(_), Some(p)) => Some(p.clone()),
        _ => None,
    };
    let measured = format!("taps at {} BPM ({})", args.bpm, tap.capture.display());
    conclude(
        &name,
        &tap.suggestion,
        &tap.take,
        save.as_deref(),
        &measured,
    )
}

/// One limb group's measurement, as a line.
fn limb_line(group: &str, m: &calibrate::LimbMeasure) -> String {
    match m.median {
        Some(med) => {
            let ms = med.as_millis_f64();
            let side = if ms > 0.0 {
                "late"
            } else if ms < 0.0 {
                "early"
            } else {
                "on time"
            };
            format!(
                "  {group:<6} median {ms:+.1} ms ({side}), {} hits used, {} dropped, spread ±{:.1} ms",
                m.used,
                m.dropped,
                m.spread.map_or(0.0, Nanos::as_millis_f64)
            )
        }
        None => format!(
            "  {group:<6} not enough hits to measure ({} used, {} dropped; at least {} needed)",
            m.used,
            m.dropped,
            calibrate::MIN_PAIRS
        ),
    }
}

/// Prints the measurement and the advice, and saves the profile when asked.
fn conclude(
    name: &str,
    s: &Suggestion,
    loaded: &LoadedTake,
    save: Option<&str>,
    measured: &str,
) -> Result<()> {
    println!("{}", limb_line("hands", &s.hands));
    println!("{}", limb_line("feet", &s.feet));
    if !s.is_usable() {
        anyhow::bail!(
            "no offsets can be suggested: too few hits were near the notes or clicks; play the chart (or quarter notes with the click) and try again"
        );
    }
    // What is in force now: the profile being updated, the take's port profile, the
    // capture's recorded offsets.
    let store = LatencyProfiles::open_default().ok();
    let (current, from) = match store.as_ref().and_then(|st| {
        save.and_then(|n| st.get(n).ok())
            .or_else(|| st.for_ports(&loaded.take.ports))
    }) {
        Some((key, p)) => (p.offsets(), format!("latency profile {key:?}")),
        None => match loaded.offsets {
            Some((hands, feet)) => (Offsets { hands, feet }, "the capture log".to_string()),
            None => (Offsets::default(), "none".to_string()),
        },
    };
    let new = s.offsets(current);
    println!(
        "suggested offsets: hands {:+.1} ms, feet {:+.1} ms (in force now: {from})",
        new.hands.as_millis_f64(),
        new.feet.as_millis_f64()
    );
    if s.hands.median.is_some() {
        println!("  {}", calibrate::advice("hands", current.hands, new.hands));
    }
    if s.feet.median.is_some() {
        println!("  {}", calibrate::advice("feet", current.feet, new.feet));
    }
    println!(
        "  as a flag: --offset-ms {name}={:.1},{:.1}",
        new.hands.as_millis_f64(),
        new.feet.as_millis_f64()
    );
    println!("Note: {}", calibrate::KIT_PLUS_PLAYER);
    if let Some(profile) = save {
        let mut store = LatencyProfiles::open_default()?;
        store.insert(
            profile,
            LatencyProfile {
                measured: Some(measured.to_string()),
                saved: Some(pocket::formats::capture_log::format_rfc3339_utc(
                    std::time::SystemTime::now(),
                )),
                ..LatencyProfile::from_offsets(new)
            },
        )?;
        store.save()?;
        println!(
            "saved latency profile {profile:?} in {} (use --latency-profile {profile:?})",
            store.path.display()
        );
    }
    Ok(())
}
