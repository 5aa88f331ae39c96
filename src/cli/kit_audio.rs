//! `pocket kit learn --audio LANE=FILE ...`: an audio kit learned from recordings of each drum.

use super::output::write_file;
use super::usage::usage;
use anyhow::Result;
use clap::Subcommand;
use pocket::lane::{Articulation, Lane};
use pocket::transcribe::{learn, Settings};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum KitCommand {
    /// Learn an audio kit (one spectral template per drum) from a short recording of each drum
    /// struck a few times, with a pause between strokes; use it with --audio-kit FILE.
    Learn {
        /// A drum and its recording: LANE=FILE.wav, once per drum (lanes: kick, snare, hihat,
        /// hihat_open, hihat_pedal, tom1..tom4, crash, crash2, ride, splash, china).
        #[arg(long = "audio", value_name = "LANE=FILE", required = true)]
        audio: Vec<String>,
        /// The audio-kit file to write (JSON).
        #[arg(short, long)]
        output: PathBuf,
        /// A name for reports (default: the output file's stem).
        #[arg(long)]
        name: Option<String>,
    },
}

/// Runs `kit learn`.
pub fn kit(command: KitCommand) -> Result<()> {
    let KitCommand::Learn {
        audio,
        output,
        name,
    } = command;
    let mut recordings: Vec<(Lane, Option<Articulation>, PathBuf)> = Vec::new();
    for item in &audio {
        let (lane, file) = item.split_once('=').ok_or_else(|| {
            usage(format!(
                "--audio {item:?}: write LANE=FILE, e.g. --audio kick=kick.wav"
            ))
        })?;
        let (lane, art) = match lane.trim() {
            "hihat_open" => (Lane::Hihat, Some(Articulation::Open)),
            "hihat" | "hihat_closed" => (Lane::Hihat, Some(Articulation::Closed)),
            other => (
                other
                    .parse::<Lane>()
                    .map_err(|e| usage(format!("--audio {item:?}: {e}")))?,
                None,
            ),
        };
        recordings.push((lane, art, PathBuf::from(file)));
    }
    let name = name.unwrap_or_else(|| {
        output
            .file_stem()
            .map_or("audio-kit".into(), |s| s.to_string_lossy().into_owned())
    });
    let refs: Vec<(Lane, Option<Articulation>, &Path)> = recordings
        .iter()
        .map(|(l, a, p)| (*l, *a, p.as_path()))
        .collect();
    let kit = learn(&name, &refs, Settings::default())?;
    write_file(&output, kit.to_json().as_bytes())?;
    for t in &kit.templates {
        println!(
            "  {:<12} {} strokes",
            match t.articulation {
                Some(Articulation::Open) => "hihat_open",
                _ => t.lane.name(),
            },
            t.strokes
        );
    }
    println!("audio kit {name} written to {}", output.display());
    Ok(())
}
