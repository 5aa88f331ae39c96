//! What a backing track plays: the audio files (a song folder's stems, or one file) and where
//! the audio sits on the chart's clock.
//!
//! The rules (docs/play-along.md says them for players):
//! - **One file** (`--backing FILE`): its first sample sounds at chart time zero.
//! - **Clone Hero / YARG / Rock Band song folders**: every stem in [`STEMS`] that the folder
//!   holds (`.ogg`, `.opus`, `.mp3`, `.wav` or `.flac`) is mixed; the drum stems
//!   ([`DRUM_STEMS`]) are left out unless asked for (the players are the drums). pocket's
//!   reader of these charts already folds `song.ini`'s `delay` and the `.chart` `[Song]`
//!   `Offset` into the chart (a lead-in before the notes), so chart time zero *is* the audio's
//!   first sample.
//! - **DTXMania**: the `#BGMWAV` sample (or the first channel-01 chip's) plays from the time of
//!   its first chip on channel 01; chart time zero is the start of measure 000.

use super::error::BackingError;
use crate::formats::dtx;
use crate::time::Nanos;
use std::path::{Path, PathBuf};

/// Stem names of a song folder, in mixing order (the file name without its extension).
pub const STEMS: [&str; 9] = [
    "song", "guitar", "bass", "rhythm", "keys", "vocals", "vocals_1", "vocals_2", "crowd",
];
/// Drum stem names: left out unless asked for.
pub const DRUM_STEMS: [&str; 5] = ["drums", "drums_1", "drums_2", "drums_3", "drums_4"];
/// Audio extensions of song-folder stems, in order of preference when a stem has two.
pub const EXTENSIONS: [&str; 5] = ["ogg", "opus", "mp3", "wav", "flac"];

/// What to play.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The audio files, mixed.
    pub stems: Vec<PathBuf>,
    /// Drum stems present but left out.
    pub left_out: Vec<PathBuf>,
    /// The chart time at which the files' first sample sounds.
    pub audio_start: Nanos,
    /// Which rule placed the audio (for the report and messages).
    pub rule: String,
}

impl Plan {
    /// One audio file whose first sample sounds at chart time zero.
    pub fn file(path: &Path) -> Plan {
        Plan {
            stems: vec![path.to_path_buf()],
            left_out: Vec::new(),
            audio_start: Nanos(0),
            rule: "one file: its first sample is chart time zero".into(),
        }
    }

    /// The stems of a Clone Hero / YARG / Rock Band song folder (`drums`: keep drum stems).
    pub fn song_folder(folder: &Path, drums: bool) -> Result<Plan, BackingError> {
        let entries = std::fs::read_dir(folder).map_err(|io| BackingError::Read {
            path: folder.to_path_buf(),
            io,
        })?;
        // (lower-case stem name, extension rank, path)
        let mut found: Vec<(String, usize, PathBuf)> = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let (Some(stem), Some(ext)) = (
                path.file_stem().and_then(|s| s.to_str()),
                path.extension().and_then(|e| e.to_str()),
            ) else {
                continue;
            };
            let ext = ext.to_ascii_lowercase();
            let Some(rank) = EXTENSIONS.iter().position(|e| *e == ext) else {
                continue;
            };
            if path.is_file() {
                found.push((stem.to_ascii_lowercase(), rank, path));
            }
        }
        let pick = |name: &str| {
            found
                .iter()
                .filter(|(s, _, _)| s == name)
                .min_by_key(|(_, rank, _)| *rank)
                .map(|(_, _, p)| p.clone())
        };
        let mut stems: Vec<PathBuf> = STEMS.iter().filter_map(|n| pick(n)).collect();
        let drum_files: Vec<PathBuf> = DRUM_STEMS.iter().filter_map(|n| pick(n)).collect();
        let left_out = if drums {
            stems.extend(drum_files);
            Vec::new()
        } else {
            drum_files
        };
        if stems.is_empty() {
            return Err(BackingError::NoAudio {
                folder: folder.to_path_buf(),
                looked_for: format!("{}.{{{}}}", STEMS.join(", "), EXTENSIONS.join(",")),
                drums_left_out: !left_out.is_empty(),
            });
        }
        Ok(Plan {
            stems,
            left_out,
            audio_start: Nanos(0),
            rule: "song folder: song.ini delay and .chart Offset are in the chart; chart time \
                   zero is the stems' first sample"
                .into(),
        })
    }

    /// The background music of a DTXMania chart.
    pub fn dtx(chart: &Path) -> Result<Plan, BackingError> {
        let bgm = dtx::read_bgm(chart)?.ok_or_else(|| BackingError::Chart {
            chart: chart.to_path_buf(),
            what: "the chart places no background music (no chip on channel 01)".into(),
        })?;
        Ok(Plan {
            stems: vec![bgm.file],
            left_out: Vec::new(),
            audio_start: bgm.start,
            rule: format!(
                "DTX: the background music starts at its first channel-01 chip (line {}), {:.3} s \
                 after measure 000",
                bgm.line,
                bgm.start.as_secs_f64()
            ),
        })
    }

    /// The audio that belongs with a chart: a song folder's stems (the folder itself, or the
    /// folder of a `notes.chart` / `notes.mid` with a `song.ini` beside it), a DTX chart's
    /// background music; `None` for charts that carry no audio.
    pub fn for_chart(chart: &Path, drums: bool) -> Result<Option<Plan>, BackingError> {
        if chart.is_dir() {
            return Plan::song_folder(chart, drums).map(Some);
        }
        let ext = chart
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("dtx") => Plan::dtx(chart).map(Some),
            Some("chart" | "mid" | "midi") => {
                let folder = chart.parent().unwrap_or(Path::new("."));
                if folder.join("song.ini").is_file() {
                    Plan::song_folder(folder, drums).map(Some)
                } else {
                    Ok(None)
                }
            }
            _ => Ok(None),
        }
    }
}
