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
