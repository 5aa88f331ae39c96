//! `pocket take show`: what a take holds, read through its kit map; `pocket take convert`:
//! a take (an audio recording above all) written as MIDI or as an onset list.

use super::args::{load_take, set_audio_kit};
use super::kits::print_filtered;
use super::output::write_file;
use anyhow::{bail, Result};
use clap::Subcommand;
use pocket::formats;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum TakeCommand {
    /// Duration, hits per lane, velocity range and filtered events of a take in any format.
    Show {
        /// Take file (.mid, .jsonl capture log, .txt onset list), optionally FILE#channel=N,
        /// FILE#track=N or FILE#player=NAME.
        file: String,
        /// Kit profile name or kit map JSON file.
        #[arg(long)]
        kit: Option<String>,
        /// Audio kit file (from `pocket kit learn --audio`) for an audio take.
        #[arg(long = "audio-kit", value_name = "FILE")]
        audio_kit: Option<PathBuf>,
    },
    /// Write a take's hits as a Standard MIDI File (.mid: General MIDI notes on channel 10) or
    /// an onset list (.txt: `seconds lane` per line), e.g. an audio recording transcribed.
    Convert {
        /// Take file (.wav, .mid, .jsonl capture log, .txt onset list), with its selectors.
        file: String,
        /// The file to write: .mid or .txt.
        #[arg(short, long)]
        output: PathBuf,
        /// Kit profile name or kit map JSON file.
        #[arg(long)]
        kit: Option<String>,
        /// Audio kit file (from `pocket kit learn --audio`) for an audio take.
        #[arg(long = "audio-kit", value_name = "FILE")]
        audio_kit: Option<PathBuf>,
    },
}

/// Runs `take show` or `take convert`.
pub fn take(command: TakeCommand) -> Result<()> {
    match command {
        TakeCommand::Show {
            file,
            kit,
            audio_kit,
        } => {
            set_audio_kit(audio_kit.as_deref())?;
            show(&file, kit.as_deref())
        }
        TakeCommand::Convert {
            file,
            output,
            kit,
            audio_kit,
        } => {
            set_audio_kit(audio_kit.as_deref())?;
            convert(&file, &output, kit.as_deref())
        }
    }
}

/// Writes the take `spec` to `output`, as MIDI or an onset list by its extension.
fn convert(spec: &str, output: &std::path::Path, kit: Option<&str>) -> Result<()> {
    let ext = output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(ext.as_deref(), Some("mid" | "midi" | "txt")) {
        bail!(
            "{}: write a .mid (Standard MIDI File) or a .txt (onset list)",
            output.display()
        );
    }
    let kit = kit.map(formats::load_kit).transpose()?;
    let loaded = load_take(spec, kit.as_ref())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let t = &loaded.take;
    let bytes = if ext.as_deref() == Some("txt") {
        let onsets: Vec<_> = t.hits.iter().map(|h| (h.time, h.lane)).collect();
        let mut out = Vec::new();
        formats::onsets::write_onsets(&mut out, &onsets)?;
        out
    } else {
        formats::smf::write_take(t, None)
    };
    write_file(output, &bytes)?;
    println!(
        "{} hits of {spec} ({}) written to {}",
        t.hits.len(),
        loaded.format.name(),
        output.display()
    );
    Ok(())
}

/// Prints what the take `spec` holds.
fn show(spec: &str, kit: Option<&str>) -> Result<()> {
    let kit = kit.map(formats::load_kit).transpose()?;
    let loaded = load_take(spec, kit.as_ref())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let t = &loaded.take;
    println!("{} ({}, kit {})", spec, loaded.format.name(), loaded.kit);
    match t.span() {
        Some((a, b)) => println!(
            "  {} hits from {} to {} ({:.1} s)",
            t.hits.len(),
            a,
            b,
            (b - a).as_secs_f64()
        ),
        None => println!("  no hits"),
    }
    if let (Some(lo), Some(hi)) = (
        t.hits.iter().map(|h| h.velocity).min(),
        t.hits.iter().map(|h| h.velocity).max(),
    ) {
        println!("  velocity {lo}..{hi}");
    }
    println!("hits per lane");
    for (lane, n) in t.hits_per_lane() {
        println!("  {:<12} {n}", lane.name());
    }
    if !t.pedal.is_empty() || !t.chokes.is_empty() {
        println!(
            "  hi-hat pedal readings {}, cymbal chokes {}",
            t.pedal.len(),
            t.chokes.len()
        );
    }
    print_filtered(
        "filtered (not counted as errors)",
        &t.filtered,
        &loaded.kit,
        "--kit",
    );
    if t.hits.is_empty() && t.filtered.is_empty() {
        bail!("{spec}: the take holds no drum hits; check --kit and the file's channel");
    }
    Ok(())
}
