//! `pocket kits`: the built-in kit profiles, or one kit map.

use anyhow::Result;
use clap::Subcommand;
use pocket::formats;

#[derive(Debug, Subcommand)]
pub enum KitsCommand {
    /// Print a kit profile's note map.
    Show {
        /// Profile name or kit map JSON file (a file is checked and printed).
        name: String,
    },
}

/// Lists the profiles, or prints one kit map.
pub fn kits(command: Option<KitsCommand>) -> Result<()> {
    match command {
        None => {
            for (name, desc) in pocket::kit::PROFILES {
                println!("{name:<14} {desc}");
            }
        }
        Some(KitsCommand::Show { name }) => {
            let kit = formats::load_kit(&name)?;
            print!("{}", kit.describe());
        }
    }
    Ok(())
}

/// Prints, under `heading`, the events a kit stage filtered (of a take, or of a chart), by
/// reason, with each unmapped note, the channels they came on, and the built-in profile that
/// would map the most of them (given to `kit_flag`).
pub fn print_filtered(
    heading: &str,
    filtered: &[pocket::take::Filtered],
    kit: &str,
    kit_flag: &str,
) {
    use pocket::kit::FilteredSummary;
    if filtered.is_empty() {
        return;
    }
    let summary = FilteredSummary::of(filtered);
    println!("{heading}");
    if !summary.unmapped.is_empty() {
        println!("  {:<22} {}", "unmapped_note", summary.unmapped_count());
        for u in &summary.unmapped {
            let channels: Vec<String> = u.channels.iter().map(u8::to_string).collect();
            println!(
                "    note {:>3}  {:>5}x  channel {}",
                u.note,
                u.count,
                channels.join(", ")
            );
        }
        match summary.suggest_profile() {
            Some((profile, n)) => println!(
                "    not in the {kit} kit map; the built-in {profile} kit maps {n} of them \
                 ({kit_flag} {profile})"
            ),
            None => println!(
                "    not in the {kit} kit map, nor in any built-in kit; a kit map file can \
                 name them (docs/kits.md)"
            ),
        }
    }
    if !summary.other_channels.is_empty() {
        println!(
            "  {:<22} {}",
            "other_channel",
            summary.other_channel_count()
        );
        for (channel, n) in &summary.other_channels {
            println!("    channel {channel:>2}  {n:>5}x");
        }
        println!(
            "    the {kit} kit listens on another channel; a kit map file with \"channel\" set \
             to the drums' channel (or \"omni\") reads them (docs/kits.md)"
        );
    }
    for (reason, n) in &summary.other_reasons {
        println!("  {reason:<22} {n}");
    }
}
