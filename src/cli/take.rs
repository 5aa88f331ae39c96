//! `pocket take show`: what a take holds, read through its kit map.

use super::args::load_take;
use super::kits::print_filtered;
use anyhow::{bail, Result};
use clap::Subcommand;
use pocket::formats;

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
    },
}

/// Runs `take show`.
pub fn take(command: TakeCommand) -> Result<()> {
    let TakeCommand::Show { file, kit } = command;
    show(&file, kit.as_deref())
}

/// Prints what the take `spec` holds.
fn show(spec: &str, kit: Option<&str>) -> Result<()> {
    let kit = kit.map(formats::load_kit).transpose()?;
    let loaded = load_take(spec, kit.as_ref())?;
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
