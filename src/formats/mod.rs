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
//! | `.wav` (`.flac`, `.ogg`, `.mp3`: not yet in this build) | `RIFF....WAVE` | - | audio recording, transcribed ([`crate::transcribe`]) |
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
mod write;

pub use chart_options::{ChartLoadOptions, Difficulty};
pub use take_spec::{TakeSelector, TakeSpec, TakeSpecError};
pub use write::{write_whole, write_whole_with};

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
    /// An audio recording of an acoustic kit, transcribed into hits.
    Audio,
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
            Format::Audio => "audio recording",
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
        _ if crate::transcribe::is_audio_path(path) => return plain(Format::Audio),
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
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        return plain(Format::Audio);
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
        (Format::Onsets, _) => onsets::read_chart(path).map(plain),
        (Format::CaptureLog, _) => Err(InputError::new(
            path,
            Place::File,
            InputErrorKind::WrongChoice {
                message: "this is a capture log (a take), not a chart; give it as a player's take"
                    .into(),
                remedy: Remedy::GiveAsTake,
            },
        )),
        (Format::Audio, _) => Err(InputError::new(
            path,
            Place::File,
            InputErrorKind::WrongChoice {
                message: "this is an audio recording (a take), not a chart; give it as a \
                          player's take"
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
    /// The last moment a hit could have been captured, on the take's clock (capture logs:
    /// [`capture_log::Capture::played_until`]); `None` when the file does not say.
    pub played_until: Option<Nanos>,
    /// What the reader recovered from (a capture log cut off, a lost port, ...), each naming
    /// the file.
    pub warnings: Vec<String>,
    /// How the hits were time-stamped (capture logs that say so).
    pub capture: Option<crate::report::CaptureSettings>,
    /// The backing audio the take was played along with (capture logs of `live`/`record
    /// --backing`, minor 2), as the report's `settings.audio`.
    pub audio: Option<crate::report::AudioSettings>,
}

/// The report's `settings.audio` for these takes: the first take's backing audio (the takes of
/// one session share it), `None` when no take was played along with audio.
pub fn backing_audio<'a>(
    takes: impl IntoIterator<Item = &'a LoadedTake>,
) -> Option<crate::report::AudioSettings> {
    takes.into_iter().find_map(|t| t.audio.clone())
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

/// Where the takes stopped being captured, on their clock: the earliest
/// [`LoadedTake::played_until`] (`None` when no take says), so every player is scored over the
/// same notes.
pub fn stopped_at<'a>(takes: impl IntoIterator<Item = &'a LoadedTake>) -> Option<Nanos> {
    takes.into_iter().filter_map(|t| t.played_until).min()
}

/// The readers' warnings about the takes, each once (two players read from one capture log
/// share its warnings), in order.
pub fn take_warnings<'a>(takes: impl IntoIterator<Item = &'a LoadedTake>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in takes.into_iter().flat_map(|t| &t.warnings) {
        if !out.contains(w) {
            out.push(w.clone());
        }
    }
    out
}

/// How audio takes are transcribed.
#[derive(Debug, Clone, Default)]
pub struct AudioTakeOptions {
    /// The audio kit (templates); the built-in one when `None`.
    pub kit: Option<crate::transcribe::AudioKit>,
    /// The detector's settings.
    pub settings: crate::transcribe::Settings,
}

/// Reads a take: `path`, or `path#selector` where the selector picks one player of a file that
/// holds two (`#channel=N`, `#track=N` for SMF, `#player=NAME` for capture logs). `kit` is the
/// kit map to use; `None` uses the capture log's recorded kit or else `gm`. Audio recordings
/// are transcribed with the built-in audio kit ([`load_take_with`] chooses another).
pub fn load_take(spec: &str, kit: Option<&KitMap>) -> Result<LoadedTake, InputError> {
    load_take_with(spec, kit, &AudioTakeOptions::default())
}

/// [`load_take`], transcribing audio takes with `audio`.
pub fn load_take_with(
    spec: &str,
    kit: Option<&KitMap>,
    audio: &AudioTakeOptions,
) -> Result<LoadedTake, InputError> {
    let parsed = parse_take_spec(spec)?;
    let path = parsed.path.as_path();
    if !path.exists() {
        if let Some(e) = parsed.misspelt_selector() {
            return Err(InputError::new(
                spec,
                Place::File,
                InputErrorKind::Malformed(e.to_string()),
            ));
        }
    }
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
                played_until: None,
                warnings: Vec::new(),
                capture: None,
                audio: None,
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
                    let names: Vec<String> = players
                        .iter()
                        .map(|p| format!("#player={}", p.name))
                        .collect();
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
                played_until: Some(cap.played_until()),
                capture: cap
                    .header
                    .capture
                    .as_ref()
                    .map(|c| crate::report::CaptureSettings {
                        backend: c.backend.clone(),
                        sample_rate: c.sample_rate,
                        period_frames: c.period_frames,
                        stamp_resolution_ms: c.stamp_resolution_ms,
                        xruns: cap.xruns.len(),
                        clock_jumps: cap.clock_jumps.len(),
                    }),
                audio: cap
                    .header
                    .audio
                    .as_ref()
                    .map(capture_log::BackingAudio::settings),
                warnings: cap
                    .warnings()
                    .into_iter()
                    .map(|w| format!("{}: {w}", path.display()))
                    .collect(),
            })
        }
        Format::Onsets => Ok(LoadedTake {
            take: onsets::read_take(path, &source)?,
            kit: "onsets".into(),
            offsets: None,
            format,
            kit_merges: crate::kit::LaneMap::new(),
            played_until: None,
            warnings: Vec::new(),
            capture: None,
            audio: None,
        }),
        Format::Audio => audio_take(path, &parsed, source, audio),
        Format::ChartJson
        | Format::RockBand
        | Format::CloneHero
        | Format::Dtx
        | Format::SongFolder => Err(not_a_take(path, format)),
    }
}

/// An audio take: the recording transcribed into hits. The kit name says that the take was
/// transcribed, with the detector's settings, so the report says it too.
fn audio_take(
    path: &Path,
    spec: &TakeSpec,
    source: String,
    audio: &AudioTakeOptions,
) -> Result<LoadedTake, InputError> {
    use crate::transcribe::{transcribe_file, AudioKit, ChannelChoice};
    let builtin;
    let kit = match &audio.kit {
        Some(k) => k,
        None => {
            builtin = AudioKit::builtin();
            &builtin
        }
    };
    let channel = spec
        .audio_channel
        .map_or(ChannelChoice::Mix, ChannelChoice::Channel);
    let mut tr = transcribe_file(path, channel, audio.settings, kit)?;
    let mut description = tr.describe();
    if spec.sync_first {
        match crate::transcribe::sync_on_first_onset(&mut tr) {
            Some(at) => description.push_str(&format!(
                "; aligned by the rule sync=first: time zero is its first onset after its first \
                 {} ms (the shared clap or count-in) at {:.4} s, which is not counted as a hit",
                crate::transcribe::SYNC_SKIP_S * 1000.0,
                at.as_secs_f64()
            )),
            None => {
                return Err(InputError::new(
                    path,
                    Place::File,
                    InputErrorKind::Empty(
                        "#sync=first asks for the recording's first onset, but no onset was \
                         heard in it after its first 50 ms"
                            .into(),
                    ),
                ))
            }
        }
    }
    if let Some(zero) = spec.audio_zero {
        for h in &mut tr.hits {
            h.time = h.time.saturating_sub(zero);
        }
        description.push_str(&format!(
            "; time zero at {} s of the recording (#zero=)",
            crate::time::format_seconds(zero)
        ));
    }
    Ok(LoadedTake {
        take: tr.to_take(&source),
        kit: format!("audio ({description})"),
        offsets: None,
        format: Format::Audio,
        kit_merges: crate::kit::LaneMap::new(),
        played_until: None,
        warnings: tr.warnings,
        capture: None,
        audio: None,
    })
}

/// What a file given as a take is instead, for a file whose format holds no take: a chart, a
/// song folder, a folder of takes, a pocket report.
fn not_a_take(path: &Path, format: Format) -> InputError {
    const TAKES: &str = "takes are .mid, .jsonl capture logs or .txt onset lists";
    let as_chart = |what: &str| {
        InputError::new(
            path,
            Place::File,
            InputErrorKind::WrongChoice {
                message: format!("this is {what}, not a take ({TAKES}); give it as the chart"),
                remedy: Remedy::GiveAsChart,
            },
        )
    };
    match format {
        Format::SongFolder if rockband::song_folder_chart(path).is_ok() => {
            as_chart("a song folder (a chart)")
        }
        Format::SongFolder => InputError::new(
            path,
            Place::File,
            InputErrorKind::WrongChoice {
                message: format!(
                    "this is a folder, not a take ({TAKES}); name one take in it, or score \
                     every take in it as a folder of takes"
                ),
                remedy: Remedy::ScoreFolder,
            },
        ),
        Format::ChartJson => {
            let mut head = [0u8; 256];
            let n = read::read_head(path, &mut head).unwrap_or(0);
            let head = String::from_utf8_lossy(&head[..n]);
            if head.contains("\"schema_version\"") {
                InputError::new(
                    path,
                    Place::File,
                    InputErrorKind::Malformed(format!(
                        "this is a pocket report, not a take ({TAKES}); give the take the \
                         report was made from"
                    )),
                )
            } else if head.contains("pocket-chart") {
                as_chart("a chart")
            } else {
                InputError::new(
                    path,
                    Place::File,
                    InputErrorKind::Malformed(format!(
                        "this JSON file is not a take ({TAKES}); a pocket chart JSON goes in \
                         as the chart"
                    )),
                )
            }
        }
        _ => as_chart("a chart"),
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

/// The largest JSON report pocket reads back (a million-hit report with per-note detail is about
/// 100 MB).
pub const MAX_REPORT_BYTES: u64 = 1 << 30;

/// The bytes of a JSON report file, read through the one capped read (files over
/// [`MAX_REPORT_BYTES`] are refused with an error naming the file).
pub fn read_report_bytes(path: &Path) -> Result<Vec<u8>, InputError> {
    read::read_capped(path, MAX_REPORT_BYTES)
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

/// Reads an audio-kit file (JSON, written by `pocket kit learn --audio`).
pub fn read_audio_kit(path: &Path) -> Result<crate::transcribe::AudioKit, InputError> {
    let bytes = read::read_capped(path, crate::transcribe::MAX_AUDIO_KIT_BYTES)?;
    crate::transcribe::AudioKit::from_json_bytes(&bytes, path)
}

/// Reads a user kit map file (JSON, format in docs/kits.md). Errors name the file and the line.
pub fn read_kit_map(path: &Path) -> Result<KitMap, InputError> {
    let bytes = read::read_capped(path, crate::kit::MAX_KIT_FILE_BYTES)?;
    KitMap::from_json_bytes(&bytes, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{Chart, ChartInfo, Note};
    use crate::lane::{Dynamic, Lane};
    use crate::tempo::{Tempo, TempoMap, TimeSignature};
    use crate::testdata::{check_golden, crate_path};
    use crate::time::{Nanos, Ticks};

    /// A kick at tick 0 and one 1440 quarters (12 minutes at 120 BPM) later, at 500001 µs per
    /// quarter: 0.001 BPM short of 120, so a tempo kept to 0.001 BPM puts the last kick 1.4 ms
    /// early.
    fn smf_500001us_12_minutes() -> Vec<u8> {
        let map = TempoMap::constant(480, Tempo::MicrosPerQuarter(500_001), TimeSignature::COMMON)
            .expect("a valid map");
        let kick = |t: i64| Note {
            time: map.time(Ticks(t)),
            tick: Ticks(t),
            lane: Lane::Kick,
            articulation: None,
            dynamic: Dynamic::Normal,
        };
        let notes = vec![kick(0), kick(480 * 1440)];
        let info = ChartInfo {
            title: "500001 us per quarter".into(),
            ..ChartInfo::default()
        };
        let chart = Chart::new(info, map, vec![], notes).expect("a valid chart");
        smf::write_chart(&chart, None)
    }

    /// Generated fixtures of the lossless chart JSON tests.
    fn lossless_fixtures() -> Vec<(&'static str, Vec<u8>)> {
        vec![
            (
                "fixtures/smf/tempo-500001us-kick-at-12-minutes-ppq480.mid",
                smf_500001us_12_minutes(),
            ),
            (
                "fixtures/onsets/sub-tick-times-to-the-nanosecond.txt",
                b"# times no tick of a 480 PPQ, 120 BPM grid holds\n\
0.25\n\
0.250000001\n\
0.2503 kick\n\
1.000000001 snare\n\
719.999999999 kick\n"
                    .to_vec(),
            ),
        ]
    }

    #[test]
    fn every_format_round_trips_through_chart_json_with_the_same_note_times() {
        for (rel, bytes) in lossless_fixtures() {
            check_golden(rel, bytes);
        }
        for (r, bytes) in rockband::tests::fixtures() {
            rockband::tests::check_fixture(r, &bytes);
        }
        for rel in [
            "fixtures/smf/tempo-500001us-kick-at-12-minutes-ppq480.mid",
            "fixtures/smf/type1-ppq96-tempo-change-3-4.mid",
            "fixtures/smf/written-chart-type1-ppq480-7-8.mid",
            "fixtures/rockband/pro-drums-song-ppq192",
            "fixtures/rockband/tom-markers-across-channels-ppq192.mid",
            "fixtures/clone-hero/pro-cymbals-flip-res960-offset.chart",
            "fixtures/clone-hero/five-lane-res192.chart",
            "fixtures/dtx/bar-lengths-0.75-1.1-bpm-changes-all-drum-channels.dtx",
            "fixtures/dtx/bpm-133.3333333-kick-at-12-minutes.dtx",
            "fixtures/onsets/sub-tick-times-to-the-nanosecond.txt",
            "fixtures/onsets/no-lanes-comment-unsorted.txt",
        ] {
            let path = crate_path(rel);
            let chart = load_chart(&path, ChartLoadOptions::default())
                .unwrap_or_else(|e| panic!("{rel}: {e}"));
            let text = chart_json::write_chart(&chart);
            let back = chart_json::read_chart_str(Path::new("converted.json"), &text)
                .unwrap_or_else(|e| panic!("{rel}: {e}\n{text}"));
            assert_eq!(back.notes.len(), chart.notes.len(), "{rel}");
            for (a, b) in chart.notes.iter().zip(&back.notes) {
                assert_eq!(
                    (a.tick, a.lane, a.dynamic, a.articulation),
                    (b.tick, b.lane, b.dynamic, b.articulation),
                    "{rel}"
                );
                // Within 1 µs is the promise; the tempos are kept exactly, so it is 0.
                assert_eq!(a.time, b.time, "{rel}: {a:?} came back as {b:?}");
            }
            assert_eq!(back.tempo_map, chart.tempo_map, "{rel}");
        }
        // The 12-minute file's last kick lands where its tempo puts it.
        let smf = load_chart(
            &crate_path("fixtures/smf/tempo-500001us-kick-at-12-minutes-ppq480.mid"),
            ChartLoadOptions::default(),
        )
        .unwrap();
        assert_eq!(smf.notes[1].time, Nanos(1440 * 500_001_000));
    }

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
