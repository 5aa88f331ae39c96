//! File readers and writers, one file per format, and the two entry points that pick the right
//! one: [`load_chart`] and [`load_take`]. Each reader returns [`crate::InputError`]s that name
//! the file and the place.
//!
//! Formats are chosen by extension, then by content:
//!
//! | extension | content starts with | chart | take |
//! |---|---|---|---|
//! | `.json` | `{` | pocket chart JSON | - |
//! | `.mid`, `.midi`, `.smf` | `MThd` | SMF chart (GM drums, channel 10, or through a kit map) | SMF take through a kit map |
//! | `.jsonl`, `.capture` | `{"format":"pocket-capture/` | - | capture log through a kit map |
//! | `.mid` with a `PART DRUMS` track | `MThd` | Rock Band / Clone Hero / YARG drums | - |
//! | `.chart` | `[Song]` | Clone Hero drums | - |
//! | `.dtx` | `#TITLE`, `#BPM` | DTXMania drums | - |
//! | a folder | `notes.mid` or `notes.chart` inside | song folder (with `song.ini`) | - |
//! | `.txt` and anything else | text | onset list | onset list |
//!
//! The rhythm-game formats are described in `docs/chart-formats.md`.

pub mod capture_log;
pub mod chart_json;
mod chart_options;
pub mod clone_hero;
pub mod dtx;
mod game_draft;
pub mod onsets;
pub(crate) mod read;
pub mod rockband;
pub mod smf;
mod take_spec;

pub use chart_options::{ChartLoadOptions, Difficulty};
pub use take_spec::{TakeSelector, TakeSpec, TakeSpecError};

use crate::chart::Chart;
use crate::error::{InputError, InputErrorKind, Place, Remedy};
use crate::event::RawEvent;
use crate::kit::KitMap;
use crate::take::Take;
use crate::time::Nanos;
use std::path::Path;

/// A file format pocket reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// pocket chart JSON.
    ChartJson,
    /// Standard MIDI File.
    Smf,
    /// pocket capture log (JSON Lines).
    CaptureLog,
    /// Onset list text.
    Onsets,
    /// Rock Band / Clone Hero / YARG `.mid` with a `PART DRUMS` track.
    RockBand,
    /// Clone Hero `.chart`.
    CloneHero,
    /// DTXMania `.dtx`.
    Dtx,
    /// A song folder holding `notes.mid` or `notes.chart` (and usually `song.ini`).
    SongFolder,
}

impl Format {
    /// Name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::ChartJson => "pocket chart JSON",
            Format::Smf => "Standard MIDI File",
            Format::CaptureLog => "pocket capture log",
            Format::Onsets => "onset list",
            Format::RockBand => "Rock Band / Clone Hero MIDI chart",
            Format::CloneHero => "Clone Hero .chart",
            Format::Dtx => "DTXMania .dtx",
            Format::SongFolder => "song folder",
        }
    }
}

/// Detects a file's format from its extension, then its first bytes. A MIDI file is read whole
/// (within [`smf::MAX_FILE_BYTES`]) to tell a rhythm-game chart from a plain SMF, so a MIDI file
/// that cannot be read is an error here.
pub fn detect(path: &Path) -> Result<Format, InputError> {
    detect_keeping_midi(path).map(|(format, _)| format)
}

/// [`detect`], also handing back the bytes of a MIDI file it had to read to tell a Rock
/// Band-style chart from a plain SMF, so that the reader need not read it again.
fn detect_keeping_midi(path: &Path) -> Result<(Format, Option<Vec<u8>>), InputError> {
    let plain = |format: Format| Ok((format, None));
    if path.is_dir() {
        return plain(Format::SongFolder);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("json") => return plain(Format::ChartJson),
        Some("mid" | "midi" | "smf") => return midi_kind(path),
        Some("chart") => return plain(Format::CloneHero),
        Some("dtx") => return plain(Format::Dtx),
        Some("jsonl" | "capture") => return plain(Format::CaptureLog),
        Some("txt") => return plain(Format::Onsets),
        _ => {}
    }
    let mut head = [0u8; 64];
    let n = read::read_head(path, &mut head)?;
    let head = &head[..n];
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start();
    if head.starts_with(b"MThd") {
        return midi_kind(path);
    }
    plain(
        if trimmed.starts_with("[Song]") || trimmed.starts_with("[SyncTrack]") {
            Format::CloneHero
        } else if text.contains("#TITLE") || text.contains("#BPM") {
            Format::Dtx
        } else if trimmed.starts_with('{') && trimmed.contains("pocket-capture") {
            Format::CaptureLog
        } else if trimmed.starts_with('{') {
            Format::ChartJson
        } else {
            Format::Onsets
        },
    )
}

/// A MIDI file is a Rock Band-style chart when it has a drum part track, otherwise a plain SMF.
/// Also returns the file's bytes, so that the file is read once.
fn midi_kind(path: &Path) -> Result<(Format, Option<Vec<u8>>), InputError> {
    let bytes = read::read_capped(path, smf::MAX_FILE_BYTES)?;
    let format = if rockband::is_rockband_midi(&bytes) {
        Format::RockBand
    } else {
        Format::Smf
    };
    Ok((format, Some(bytes)))
}

/// Reads a chart in any format pocket knows (see the module docs). `options` is a
/// [`ChartLoadOptions`] or, for General MIDI options only, an [`smf::SmfChartOptions`].
pub fn load_chart(path: &Path, options: impl Into<ChartLoadOptions>) -> Result<Chart, InputError> {
    load_chart_detailed(path, options).map(|loaded| loaded.chart)
}

/// A chart as loaded, with what its reader left out.
#[derive(Debug, Clone)]
pub struct LoadedChart {
    /// The chart.
    pub chart: Chart,
    /// The format read.
    pub format: Format,
    /// The kit map a Standard MIDI File chart was read with (`gm` unless one was given); `None`
    /// for formats that name their lanes themselves.
    pub kit: Option<String>,
    /// Note Ons of a Standard MIDI File chart's drum channels that did not become notes: notes
    /// the kit map does not know and, with a kit given, whatever else its stage filtered (see
    /// [`crate::kit::FilteredSummary`]). Empty for other formats.
    pub filtered: Vec<crate::take::Filtered>,
}

/// [`load_chart`], also saying which kit map read the notes and what it left out. A kit given
/// in the options reads Standard MIDI File charts only: any other format names its lanes itself,
/// and is refused with the kit rather than read as if the kit had been used.
pub fn load_chart_detailed(
    path: &Path,
    options: impl Into<ChartLoadOptions>,
) -> Result<LoadedChart, InputError> {
    let options: ChartLoadOptions = options.into();
    let smf = &options.smf;
    let (format, bytes) = detect_keeping_midi(path)?;
    if let (Some(kit), false) = (&smf.kit, matches!(format, Format::Smf | Format::CaptureLog)) {
        return Err(InputError::new(
            path,
            Place::File,
            InputErrorKind::WrongChoice {
                message: format!(
                    "a kit map ({}) reads the notes of a General MIDI file; this is a {}, whose \
                     lanes are named by the format itself: read it without a kit map",
                    kit.name,
                    format.name()
                ),
                remedy: Remedy::NoChartKit,
            },
        ));
    }
    let plain = |chart: Chart| LoadedChart {
        chart,
        format,
        kit: None,
        filtered: Vec::new(),
    };
    match (format, bytes) {
        (Format::Smf, bytes) => {
            let bytes = match bytes {
                Some(bytes) => bytes,
                None => read::read_capped(path, smf::MAX_FILE_BYTES)?,
            };
            let (chart, filtered) = smf::read_chart_bytes_filtered(path, &bytes, smf)?;
            Ok(LoadedChart {
                chart,
                format,
                kit: Some(smf.kit.as_ref().map_or("gm", |k| &k.name).to_string()),
                filtered,
            })
        }
        (Format::ChartJson, _) => chart_json::read_chart(path).map(plain),
        (Format::RockBand, bytes) => rock_band_chart(path, bytes, &options).map(plain),
        (Format::CloneHero, _) => clone_hero::read_chart(path, &options).map(plain),
        (Format::Dtx, _) => dtx::read_chart(path).map(plain),
        (Format::SongFolder, _) => {
            let chart = rockband::song_folder_chart(path)?;
            match detect_keeping_midi(&chart)? {
                (Format::CloneHero, _) => clone_hero::read_chart(&chart, &options),
                (_, bytes) => rock_band_chart(&chart, bytes, &options),
            }
            .map(plain)
        }
        (Format::Onsets, _) => {
            let list = onsets::read_onsets(path)?;
            onsets::to_chart(path, &list).map(plain)
        }
        (Format::CaptureLog, _) => Err(InputError::new(
            path,
            Place::File,
            InputErrorKind::WrongChoice {
                message: "this is a capture log (a take), not a chart; give it as a player's take"
                    .into(),
                remedy: Remedy::GiveAsTake,
            },
        )),
    }
}

/// A Rock Band-style `.mid` chart, from the bytes detection read when it has them, with the
/// `song.ini` beside it.
fn rock_band_chart(
    path: &Path,
    bytes: Option<Vec<u8>>,
    options: &ChartLoadOptions,
) -> Result<Chart, InputError> {
    match bytes {
        Some(bytes) => {
            let ini = rockband::song_ini_beside(path)?;
            rockband::read_chart_bytes(path, &bytes, ini.as_ref(), options)
        }
        None => rockband::read_chart(path, options),
    }
}

/// A take as loaded, with what the file itself says about its player.
#[derive(Debug, Clone)]
pub struct LoadedTake {
    /// The take.
    pub take: Take,
    /// Name of the kit map used.
    pub kit: String,
    /// Latency offsets recorded in the file (capture logs), hands then feet.
    pub offsets: Option<(Nanos, Nanos)>,
    /// The format read.
    pub format: Format,
    /// Lane merges of the kit map used (applied to the take already; the chart needs them too,
    /// see [`crate::kit::LaneMap::with_merges_of`]).
    pub kit_merges: crate::kit::LaneMap,
}

/// The lane rules a chart needs when it is scored against these takes: `base` plus every merge
/// of the kit maps they were read with (a kit's merges were applied to its take, so merged hits
/// must find merged notes). On a conflict, the index of the take whose kit conflicts.
pub fn chart_lane_map(
    base: &crate::kit::LaneMap,
    takes: &[LoadedTake],
) -> Result<crate::kit::LaneMap, (usize, crate::kit::LaneMapError)> {
    let mut map = base.clone();
    for (i, t) in takes.iter().enumerate() {
        map = map.with_merges_of(&t.kit_merges).map_err(|e| (i, e))?;
    }
    Ok(map)
}

/// Reads a take: `path`, or `path#selector` where the selector picks one player of a file that
/// holds two (`#channel=N`, `#track=N` for SMF, `#player=NAME` for capture logs). `kit` is the
/// kit map to use; `None` uses the capture log's recorded kit or else `gm`.
pub fn load_take(spec: &str, kit: Option<&KitMap>) -> Result<LoadedTake, InputError> {
    let parsed = parse_take_spec(spec)?;
    let path = parsed.path.as_path();
    let player_sel = parsed.player.as_deref();
    let source = spec.to_string();
    let (format, midi_bytes) = detect_keeping_midi(path)?;
    let gm = || KitMap::builtin("gm").ok_or_else(|| internal(path, "built-in gm kit missing"));
    match format {
        Format::Smf => {
            let kit = match kit {
                Some(k) => k.clone(),
                None => gm()?,
            };
            let opts = smf::SmfTakeOptions {
                selector: parsed.selector,
                port: 0,
            };
            // The bytes detection already read.
            let ev = match &midi_bytes {
                Some(bytes) => smf::read_events_bytes(path, bytes, &opts)?,
                None => smf::read_events(path, &opts)?,
            };
            let take = crate::kit::build_take(
                &ev.events,
                &kit,
                &kit.options,
                source,
                vec![path.display().to_string()],
            );
            Ok(LoadedTake {
                take,
                kit_merges: kit.options.lanes.merges_only(),
                kit: kit.name,
                offsets: None,
                format,
            })
        }
        Format::CaptureLog => {
            let cap = capture_log::read_capture(path)?;
            let players = &cap.header.players;
            let index = match player_sel {
                Some(name) => players.iter().position(|p| p.name == name).ok_or_else(|| {
                    let names: Vec<&str> = players.iter().map(|p| p.name.as_str()).collect();
                    InputError::new(
                        path,
                        Place::Item(format!("player {name:?}")),
                        InputErrorKind::Malformed(format!(
                            "no such player in this capture; it holds: {}",
                            names.join(", ")
                        )),
                    )
                })?,
                None if players.len() == 1 => 0,
                None => {
                    let names: Vec<String> =
                        players.iter().map(|p| format!("#player={}", p.name)).collect();
                    return Err(InputError::new(
                        path,
                        Place::Line {
                            line: 1,
                            column: None,
                        },
                        InputErrorKind::Malformed(format!(
                            "this capture holds {} players; pick one by adding {} to the file name",
                            players.len(),
                            names.join(" or ")
                        )),
                    ));
                }
            };
            let info = &players[index];
            // The kit: as given, else the kit map file the capture was made with (when it can
            // still be opened), else the recorded profile, else gm.
            let recorded_file = info
                .kit_file
                .as_deref()
                .map(Path::new)
                .filter(|f| f.is_file());
            let kit = match (kit, recorded_file) {
                (Some(k), _) => k.clone(),
                (None, Some(file)) => read_kit_map(file)?,
                (None, None) => KitMap::builtin(&info.kit).map_or_else(gm, Ok)?,
            };
            let events: Vec<RawEvent> = cap.events_for_player(index);
            let ports = cap.header.ports.iter().map(|p| p.name.clone()).collect();
            let take = crate::kit::build_take(&events, &kit, &kit.options, source, ports);
            Ok(LoadedTake {
                take,
                kit_merges: kit.options.lanes.merges_only(),
                kit: kit.name,
                offsets: Some((info.offset_hands, info.offset_feet)),
                format,
            })
        }
        Format::Onsets => {
            let list = onsets::read_onsets(path)?;
            Ok(LoadedTake {
                take: onsets::to_take(&source, &list),
                kit: "onsets".into(),
                offsets: None,
                format,
                kit_merges: crate::kit::LaneMap::new(),
            })
        }
        Format::ChartJson
        | Format::RockBand
        | Format::CloneHero
        | Format::Dtx
        | Format::SongFolder => Err(InputError::new(
            path,
            Place::File,
            InputErrorKind::WrongChoice {
                message: "this is a chart, not a take (takes are .mid, .jsonl capture logs or .txt onset lists); give it as the chart".into(),
                remedy: Remedy::GiveAsChart,
            },
        )),
    }
}

/// [`TakeSpec::parse`], as an [`InputError`] naming the spec.
pub fn parse_take_spec(spec: &str) -> Result<TakeSpec, InputError> {
    TakeSpec::parse(spec)
        .map_err(|e| InputError::new(spec, Place::File, InputErrorKind::Malformed(e.to_string())))
}

fn internal(path: &Path, what: &str) -> InputError {
    InputError::new(path, Place::File, InputErrorKind::Malformed(what.into()))
}

/// Resolves a kit given on the command line: a built-in profile name or a kit map JSON file.
pub fn load_kit(name_or_path: &str) -> Result<KitMap, InputError> {
    if let Some(k) = KitMap::builtin(name_or_path) {
        return Ok(k);
    }
    let path = Path::new(name_or_path);
    if path.exists() {
        return read_kit_map(path);
    }
    let names: Vec<&str> = crate::kit::PROFILES.iter().map(|p| p.0).collect();
    Err(InputError::new(
        path,
        Place::File,
        InputErrorKind::Malformed(format!(
            "no built-in kit profile of that name and no such file; built-in profiles: {}",
            names.join(", ")
        )),
    ))
}

/// Reads a user kit map file (JSON, format in docs/kits.md). Errors name the file and the line.
pub fn read_kit_map(path: &Path) -> Result<KitMap, InputError> {
    let bytes = read::read_capped(path, crate::kit::MAX_KIT_FILE_BYTES)?;
    KitMap::from_json_bytes(&bytes, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_kit_map_is_an_io_error_naming_it() {
        let err = read_kit_map(Path::new("fixtures/kits/no-such-kit.json")).unwrap_err();
        assert_eq!(err.io_error_kind(), Some(std::io::ErrorKind::NotFound));
        assert!(err
            .to_string()
            .starts_with("fixtures/kits/no-such-kit.json: cannot read"));
    }

    #[test]
    fn a_take_given_as_a_chart_and_back_name_the_choice_not_a_flag() {
        let root = crate::testdata::crate_path("");
        let capture = root.join("fixtures/demo/lee-roland-td.jsonl");
        let err = load_chart(&capture, ChartLoadOptions::default()).unwrap_err();
        assert_eq!(err.remedy(), Some(Remedy::GiveAsTake), "{err}");
        assert!(!err.to_string().contains("--"), "{err}");
        let chart = root.join("fixtures/bad/rb-no-expert-gems.mid");
        let err = load_chart(&chart, ChartLoadOptions::default()).unwrap_err();
        assert_eq!(err.remedy(), Some(Remedy::ChooseDifficulty), "{err}");
        assert!(!err.to_string().contains("--"), "{err}");
    }

    #[test]
    fn detection_tells_rock_band_from_general_midi() {
        for (r, bytes) in rockband::tests::fixtures() {
            rockband::tests::check_fixture(r, &bytes);
        }
        let mid = rockband::tests::root()
            .join(rockband::tests::SONG)
            .join("notes.mid");
        assert_eq!(detect(&mid).unwrap(), Format::RockBand);
        assert_eq!(
            detect(&rockband::tests::root().join(rockband::tests::SONG)).unwrap(),
            Format::SongFolder
        );
        let gm = rockband::tests::root().join("fixtures/smf/type1-ppq96-tempo-change-3-4.mid");
        assert_eq!(detect(&gm).unwrap(), Format::Smf);
    }
}
