//! How charts are read: the General MIDI options for plain `.mid` charts, and the difficulty
//! and double-kick choice for rhythm-game charts. Every chart reader takes these.

use super::smf;
use std::fmt;
use std::str::FromStr;

/// How charts are read: the SMF options for General MIDI files, and the difficulty and
/// double-kick choice for rhythm-game charts.
#[derive(Debug, Clone, Default)]
pub struct ChartLoadOptions {
    /// Options for General MIDI (`.mid` without a drum part track) charts.
    pub smf: smf::SmfChartOptions,
    /// Difficulty of a rhythm-game chart (default expert).
    pub difficulty: Difficulty,
    /// Read Expert+ double-kick gems as kicks (off by default: they are opt-in).
    pub double_kick: bool,
}

impl From<smf::SmfChartOptions> for ChartLoadOptions {
    fn from(smf: smf::SmfChartOptions) -> ChartLoadOptions {
        ChartLoadOptions {
            smf,
            ..ChartLoadOptions::default()
        }
    }
}

impl From<&smf::SmfChartOptions> for ChartLoadOptions {
    fn from(smf: &smf::SmfChartOptions) -> ChartLoadOptions {
        ChartLoadOptions::from(smf.clone())
    }
}

impl From<&ChartLoadOptions> for ChartLoadOptions {
    fn from(o: &ChartLoadOptions) -> ChartLoadOptions {
        o.clone()
    }
}

/// A difficulty of a rhythm-game chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum Difficulty {
    /// Expert (the default: the full part).
    #[default]
    Expert,
    /// Hard.
    Hard,
    /// Medium.
    Medium,
    /// Easy.
    Easy,
}

impl Difficulty {
    /// Every difficulty, hardest first.
    pub const ALL: [Difficulty; 4] = [
        Difficulty::Expert,
        Difficulty::Hard,
        Difficulty::Medium,
        Difficulty::Easy,
    ];

    /// Lower-case name, as given to `--difficulty`.
    pub fn name(self) -> &'static str {
        match self {
            Difficulty::Expert => "expert",
            Difficulty::Hard => "hard",
            Difficulty::Medium => "medium",
            Difficulty::Easy => "easy",
        }
    }

    /// The MIDI note of this difficulty's kick gem in `.mid`; the pads follow it (96 for Expert,
    /// 84 Hard, 72 Medium, 60 Easy).
    pub fn midi_kick_note(self) -> u8 {
        match self {
            Difficulty::Expert => 96,
            Difficulty::Hard => 84,
            Difficulty::Medium => 72,
            Difficulty::Easy => 60,
        }
    }

    /// The number written in `[mix <d> drums<n>]` events: 3 for Expert down to 0 for Easy.
    pub fn mix_index(self) -> u8 {
        match self {
            Difficulty::Expert => 3,
            Difficulty::Hard => 2,
            Difficulty::Medium => 1,
            Difficulty::Easy => 0,
        }
    }

    /// The `.chart` section holding this difficulty's drums, e.g. `ExpertDrums`.
    pub fn chart_section(self) -> &'static str {
        match self {
            Difficulty::Expert => "ExpertDrums",
            Difficulty::Hard => "HardDrums",
            Difficulty::Medium => "MediumDrums",
            Difficulty::Easy => "EasyDrums",
        }
    }
}

impl fmt::Display for Difficulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Difficulty {
    type Err = String;
    fn from_str(s: &str) -> Result<Difficulty, String> {
        Difficulty::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown difficulty {s:?}; use expert, hard, medium or easy"))
    }
}
