//! Rock Band / Clone Hero / YARG drum charts in MIDI: `notes.mid` with a `PART DRUMS` track,
//! usually in a song folder beside a `song.ini`.
//!
//! This module also owns what the rhythm-game formats share (the `.chart` reader in
//! [`super::clone_hero`] uses it):
//! - [`Pad`], the gems of the 4-lane pro and 5-lane layouts, and [`Pad::lane`], the one table
//!   from a game pad to a pocket lane;
//! - [`SongIni`], the song folder's metadata (`name`, `artist`, `charter`, `delay`).
//!
//! The difficulty to read is a [`Difficulty`]. The audio offset (a chart whose audio is
//! offset by song.ini `delay` or `.chart` `Offset` gets a lead-in, so that pocket's time zero
//! is the start of the audio) is applied by `formats::game_draft`, which builds the chart that
//! the `.mid`, `.chart` and `.dtx` readers draft.
//!
//! The rules, with their sources, are in `docs/chart-formats.md`.

use super::chart_options::{ChartLoadOptions, Difficulty};
use super::game_draft::Draft;
use crate::chart::Chart;
use crate::error::{InputError, InputErrorKind, Place, Remedy};
use crate::lane::{Dynamic, Lane};
use crate::tempo::{Tempo, TimeSignature};
use crate::time::Nanos;
use midly::{MetaMessage, MidiMessage, TrackEventKind};
use std::path::{Path, PathBuf};

/// Names of the MIDI tracks that hold a drum chart, in order of preference.
pub const DRUM_TRACK_NAMES: [&str; 3] = ["PART DRUMS", "PART DRUM", "PART REAL_DRUMS_PS"];

/// The MIDI note of the Expert+ (double-kick) kick gem.
pub const DOUBLE_KICK_NOTE: u8 = 95;
/// The flam marker note. A flammed gem stays one note (see `docs/chart-formats.md`).
pub const FLAM_MARKER_NOTE: u8 = 109;
/// Tom markers for yellow, blue and green: gems of that colour under the marker are toms.
pub const TOM_MARKER_NOTES: [u8; 3] = [110, 111, 112];

/// A gem of a rhythm-game drum chart once its cymbal/tom status is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pad {
    /// Kick (including Expert+ double kick when enabled).
    Kick,
    /// Red: always the snare.
    Red,
    /// 4-lane pro yellow cymbal.
    YellowCymbal,
    /// 4-lane pro yellow tom.
    YellowTom,
    /// 4-lane pro blue cymbal.
    BlueCymbal,
    /// 4-lane pro blue tom.
    BlueTom,
    /// 4-lane pro green cymbal.
    GreenCymbal,
    /// 4-lane pro green tom.
    GreenTom,
    /// 5-lane yellow (a cymbal).
    FiveYellow,
    /// 5-lane blue (a tom).
    FiveBlue,
    /// 5-lane orange (a cymbal).
    FiveOrange,
    /// 5-lane green (a tom).
    FiveGreen,
}

impl Pad {
    /// The pocket lane of a pad: the table in `docs/chart-formats.md`. 5-lane pads follow the
    /// usual 5-lane -> 4-lane pro conversion (yellow -> yellow cymbal, blue -> blue tom,
    /// orange -> green cymbal, green -> green tom).
    pub fn lane(self) -> Lane {
        match self {
            Pad::Kick => Lane::Kick,
            Pad::Red => Lane::Snare,
            Pad::YellowCymbal | Pad::FiveYellow => Lane::Hihat,
            Pad::YellowTom => Lane::Tom1,
            Pad::BlueCymbal => Lane::Ride,
            Pad::BlueTom | Pad::FiveBlue => Lane::Tom2,
            Pad::GreenCymbal | Pad::FiveOrange => Lane::Crash,
            Pad::GreenTom | Pad::FiveGreen => Lane::Tom3,
        }
    }

    /// A 4-lane pad from its colour (1 red, 2 yellow, 3 blue, 4 green), whether it is a cymbal,
    /// and whether disco flip is on (red and yellow swapped: red becomes the yellow cymbal, any
    /// yellow gem becomes red).
    pub fn four_lane(colour: u8, cymbal: bool, disco_flip: bool) -> Pad {
        match (colour, cymbal, disco_flip) {
            (1, _, true) => Pad::YellowCymbal,
            (2, _, true) => Pad::Red,
            (1, _, false) => Pad::Red,
            (2, true, _) => Pad::YellowCymbal,
            (2, false, _) => Pad::YellowTom,
            (3, true, _) => Pad::BlueCymbal,
            (3, false, _) => Pad::BlueTom,
            (_, true, _) => Pad::GreenCymbal,
            (_, false, _) => Pad::GreenTom,
        }
    }

    /// A 5-lane pad from its position (1 red, 2 yellow, 3 blue, 4 orange, 5 green).
    pub fn five_lane(position: u8) -> Pad {
        match position {
            1 => Pad::Red,
            2 => Pad::FiveYellow,
            3 => Pad::FiveBlue,
            4 => Pad::FiveOrange,
            _ => Pad::FiveGreen,
        }
    }
}

/// Which drum layout a chart is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrumLayout {
    /// Four pads (red, yellow, blue, green) with cymbal/tom marking.
    FourLane,
    /// Five pads (red, yellow, blue, orange, green): yellow and orange are cymbals.
    FiveLane,
}

/// A `[mix <d> drums<n><flag>]` event: the difficulty index (0 Easy .. 3 Expert) and whether
/// the flag turns disco flip on (`d`; `dnoflip`, `easy`, no flag... turn it off). Brackets,
/// spaces and underscores are all accepted.
pub(crate) fn parse_mix_event(text: &str) -> Option<(u8, bool)> {
    let t = text.trim();
    let t = t.strip_prefix('[').unwrap_or(t);
    let t = t.strip_suffix(']').unwrap_or(t);
    let t = t.replace('_', " ");
    let mut words = t.split_whitespace();
    if words.next()? != "mix" {
        return None;
    }
    let diff: u8 = words.next()?.parse().ok().filter(|d| *d <= 3)?;
    let rest: String = words.collect();
    let config = rest.strip_prefix("drums")?;
    let flag = config.trim_start_matches(|c: char| c.is_ascii_digit());
    Some((diff, flag == "d"))
}

/// Whether a text event switches chart dynamics (accent/ghost velocities) on.
pub(crate) fn is_enable_dynamics(text: &str) -> bool {
    matches!(
        text.trim(),
        "[ENABLE_CHART_DYNAMICS]" | "ENABLE_CHART_DYNAMICS"
    )
}

// ---------------------------------------------------------------------------------------------
// song.ini

/// What pocket uses from a song folder's `song.ini`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SongIni {
    /// The file read (for error messages).
    pub path: PathBuf,
    /// `name`: song title.
    pub name: Option<String>,
    /// `artist`.
    pub artist: Option<String>,
    /// `charter` (or the older `frets`).
    pub charter: Option<String>,
    /// `delay`: chart offset in milliseconds; higher means later notes. Can be negative.
    pub delay_ms: Option<i64>,
    /// Line of the `delay` entry.
    pub delay_line: usize,
    /// `pro_drums`: forces the 4-lane pro layout.
    pub pro_drums: Option<bool>,
    /// `five_lane_drums`: forces the 5-lane layout.
    pub five_lane_drums: Option<bool>,
    /// What reading it recovered from (text that is not UTF-8); the chart lists them.
    pub warnings: Vec<String>,
}

impl SongIni {
    /// The layout the tags force, if any (`pro_drums = true` wins over `five_lane_drums`).
    pub fn forced_layout(&self) -> Option<DrumLayout> {
        match (self.pro_drums, self.five_lane_drums) {
            (Some(true), _) => Some(DrumLayout::FourLane),
            (_, Some(true)) => Some(DrumLayout::FiveLane),
            _ => None,
        }
    }
}

/// Reads a `song.ini`.
pub fn read_song_ini(path: &Path) -> Result<SongIni, InputError> {
    let bytes = super::read::read_capped(path, super::smf::MAX_FILE_BYTES)?;
    let (text, warning) = super::read::text_lossy(path, &bytes);
    let mut ini = parse_song_ini(path, &text)?;
    ini.warnings.extend(warning);
    Ok(ini)
}

/// Parses `song.ini` text: `key = value` lines, keys case-insensitive, in the `[song]` section
/// (or before any section); `;`, `#` and `//` start comment lines.
pub fn parse_song_ini(path: &Path, text: &str) -> Result<SongIni, InputError> {
    let mut ini = SongIni {
        path: path.to_path_buf(),
        ..SongIni::default()
    };
    let mut in_song = true;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty()
            || line.starts_with(';')
            || line.starts_with('#')
            || line.starts_with("//")
        {
            continue;
        }
        if line.starts_with('[') {
            in_song = line.eq_ignore_ascii_case("[song]");
            continue;
        }
        if !in_song {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue; // stray text: song.ini readers ignore it
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        let bool_value = || -> Result<bool, InputError> {
            match value.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" | "" => Ok(false),
                _ => Err(InputError::at_line(
                    path,
                    line_no,
                    InputErrorKind::Malformed(format!(
                        "{key} = {value:?} is not a boolean; write true or false"
                    )),
                )),
            }
        };
        match key.as_str() {
            "name" => ini.name = Some(value.to_string()),
            "artist" => ini.artist = Some(value.to_string()),
            "charter" => ini.charter = Some(value.to_string()),
            "frets" if ini.charter.is_none() => ini.charter = Some(value.to_string()),
            "delay" => {
                if value.is_empty() {
                    continue;
                }
                let ms = value
                    .parse::<i64>()
                    .ok()
                    .or_else(|| {
                        value
                            .parse::<f64>()
                            .ok()
                            .filter(|v| v.is_finite() && v.abs() < 1e12)
                            .map(|v| v.round() as i64)
                    })
                    .ok_or_else(|| {
                        InputError::at_line(
                            path,
                            line_no,
                            InputErrorKind::Malformed(format!(
                                "delay = {value:?} is not a number of milliseconds"
                            )),
                        )
                    })?;
                ini.delay_ms = Some(ms);
                ini.delay_line = line_no;
            }
            "pro_drums" | "pro_drum" => ini.pro_drums = Some(bool_value()?),
            "five_lane_drums" => ini.five_lane_drums = Some(bool_value()?),
            _ => {}
        }
    }
    Ok(ini)
}

/// The `song.ini` in the same folder as `chart` (matched without regard to case), if any.
pub fn song_ini_beside(chart: &Path) -> Result<Option<SongIni>, InputError> {
    let dir = match chart.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(None);
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().eq_ignore_ascii_case("song.ini") && entry.path().is_file() {
            return read_song_ini(&entry.path()).map(Some);
        }
    }
    Ok(None)
}

/// The chart file of a song folder: `notes.mid` if present, else `notes.chart` (names matched
/// without regard to case).
pub fn song_folder_chart(dir: &Path) -> Result<PathBuf, InputError> {
    let entries = std::fs::read_dir(dir).map_err(|e| InputError::io(dir, e))?;
    let mut mid = None;
    let mut chart = None;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
        if name == "notes.mid" {
            mid = Some(entry.path());
        } else if name == "notes.chart" {
            chart = Some(entry.path());
        }
    }
    mid.or(chart).ok_or_else(|| {
        InputError::new(
            dir,
            Place::File,
            InputErrorKind::Empty(
                "this folder holds no notes.mid or notes.chart; point pocket at a song folder or a chart file".into(),
            ),
        )
    })
}

/// Fills title, artist, charter and the audio offset from a song.ini.
pub(crate) fn apply_song_ini(draft: &mut Draft, ini: &SongIni) {
    if let Some(n) = ini.name.as_ref().filter(|n| !n.is_empty()) {
        draft.info.title = n.clone();
    }
    if let Some(a) = ini.artist.as_ref().filter(|a| !a.is_empty()) {
        draft.info.artist = a.clone();
    }
    if let Some(c) = ini.charter.as_ref().filter(|c| !c.is_empty()) {
        draft.info.charter = c.clone();
    }
    if let Some(ms) = ini.delay_ms {
        draft.audio_offset = Nanos(ms.saturating_mul(1_000_000));
        draft.offset_origin = Some((
            ini.path.clone(),
            Place::Line {
                line: ini.delay_line,
                column: None,
            },
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// The .mid reader.

/// Whether SMF bytes hold a track named like a rhythm-game drum part ([`DRUM_TRACK_NAMES`]):
/// looks for the Track Name meta event itself, without parsing the file.
pub fn is_rockband_midi(bytes: &[u8]) -> bool {
    // A track's name is its first event, so only the start of each track chunk is searched:
    // detection costs the same for a file of a thousand notes or a million.
    const NAME_SPAN: usize = 64;
    let starts_named = |data: &[u8]| {
        let head = &data[..data.len().min(NAME_SPAN)];
        DRUM_TRACK_NAMES.iter().any(|name| {
            let mut pattern = vec![0xFF, 0x03, name.len() as u8];
            pattern.extend_from_slice(name.as_bytes());
            head.windows(pattern.len()).any(|w| w == pattern.as_slice())
        })
    };
    let mut at = 0usize;
    while let Some(header) = bytes.get(at..at + 8) {
        let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let data = &bytes[at + 8..bytes.len().min((at + 8).saturating_add(len))];
        if &header[..4] == b"MTrk" && starts_named(data) {
            return true;
        }
        at = match (at + 8).checked_add(len) {
            Some(next) => next,
            None => break,
        };
    }
    false
}

/// One event of a track, as this reader needs it.
#[derive(Debug, Clone)]
enum Ev {
    /// Note On: channel (0-15), key, velocity.
    On(u8, u8, u8),
    /// Note Off (or Note On with velocity 0): channel (0-15), key.
    Off(u8, u8),
    Text(String),
}

#[derive(Debug, Default)]
struct Track {
    name: Option<String>,
    events: Vec<(i64, Ev)>,
}

/// Reads a Rock Band / Clone Hero / YARG `.mid` drum chart, with the `song.ini` beside it.
pub fn read_chart(path: &Path, options: &ChartLoadOptions) -> Result<Chart, InputError> {
    let bytes = super::read::read_capped(path, super::smf::MAX_FILE_BYTES)?;
    let ini = song_ini_beside(path)?;
    read_chart_bytes(path, &bytes, ini.as_ref(), options)
}

/// Reads `.mid` bytes as a drum chart; `ini` is the song folder's metadata, if any.
pub(crate) fn read_chart_bytes(
    path: &Path,
    bytes: &[u8],
    ini: Option<&SongIni>,
    options: &ChartLoadOptions,
) -> Result<Chart, InputError> {
    let mut tracks: Vec<Track> = Vec::new();
    let mut tempos: Vec<(i64, Tempo, Place)> = Vec::new();
    let mut signatures: Vec<(i64, TimeSignature, Place)> = Vec::new();
    let mut dynamics = false;
    // The first text event that is not UTF-8, for the warning (its place).
    let mut bad_text: Option<Place> = None;
    let ppq = super::smf::walk_ppq_events(path, bytes, |track, offset, tick, kind| {
        let place = Place::Byte {
            track: Some(track),
            offset,
        };
        while tracks.len() <= track {
            tracks.push(Track::default());
        }
        let t = &mut tracks[track];
        match kind {
            TrackEventKind::Midi { channel, message } => match message {
                MidiMessage::NoteOn { key, vel } if u8::from(vel) > 0 => t
                    .events
                    .push((tick, Ev::On(channel.into(), key.into(), vel.into()))),
                MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                    t.events.push((tick, Ev::Off(channel.into(), key.into())))
                }
                _ => {}
            },
            TrackEventKind::Meta(MetaMessage::TrackName(name)) if t.name.is_none() => {
                if std::str::from_utf8(name).is_err() {
                    bad_text.get_or_insert(place.clone());
                }
                t.name = Some(String::from_utf8_lossy(name).trim().to_string());
            }
            TrackEventKind::Meta(MetaMessage::Text(text) | MetaMessage::Marker(text)) => {
                if std::str::from_utf8(text).is_err() {
                    bad_text.get_or_insert(place.clone());
                }
                let text = String::from_utf8_lossy(text).to_string();
                dynamics |= is_enable_dynamics(&text);
                t.events.push((tick, Ev::Text(text)));
            }
            TrackEventKind::Meta(MetaMessage::Tempo(us)) => {
                tempos.push((tick, Tempo::MicrosPerQuarter(us.into()), place));
            }
            TrackEventKind::Meta(MetaMessage::TimeSignature(n, pow, _, _)) => {
                let denominator = if pow <= 6 { 1u8 << pow } else { 0 };
                signatures.push((
                    tick,
                    TimeSignature {
                        numerator: n,
                        denominator,
                    },
                    place,
                ));
            }
            _ => {}
        }
        Ok(())
    })?;

    let names: Vec<String> = tracks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            t.name
                .clone()
                .unwrap_or_else(|| format!("(track {i} unnamed)"))
        })
        .collect();
    let drum_index = DRUM_TRACK_NAMES
        .iter()
        .find_map(|want| {
            tracks
                .iter()
                .position(|t| t.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(want)))
        })
        .ok_or_else(|| {
            InputError::new(
                path,
                Place::File,
                InputErrorKind::Empty(format!(
                    "no drum track: expected a track named PART DRUMS, PART DRUM or PART REAL_DRUMS_PS; the tracks are: {}",
                    names.join(", ")
                )),
            )
        })?;
    let drums = &tracks[drum_index];

    // Tom markers per colour (yellow, blue, green) as [start, end) tick ranges; disco flip
    // changes per difficulty index; which difficulties have gems; 5-lane green seen.
    // A marker is a MIDI note, so a Note Off ends the marker of the same key on the same
    // channel (as YARG.Core pairs them), and a second Note On of a marker already open on that
    // channel changes nothing: `open` holds the start per colour and channel.
    let mut toms: [Vec<(i64, i64)>; 3] = Default::default();
    let mut open: [[Option<i64>; 16]; 3] = [[None; 16]; 3];
    let mut mixes: Vec<(i64, u8, bool)> = Vec::new();
    let mut with_notes: Vec<Difficulty> = Vec::new();
    let mut five_lane_green = false;
    for (tick, ev) in &drums.events {
        match ev {
            Ev::On(channel, key, _) => {
                if let Some(c) = TOM_MARKER_NOTES.iter().position(|k| k == key) {
                    let start = &mut open[c][usize::from(*channel)];
                    if start.is_none() {
                        *start = Some(*tick);
                    }
                }
                for d in Difficulty::ALL {
                    let base = d.midi_kick_note();
                    if (base..=base + 5).contains(key) && !with_notes.contains(&d) {
                        with_notes.push(d);
                    }
                    if *key == base + 5 {
                        five_lane_green = true;
                    }
                }
            }
            Ev::Off(channel, key) => {
                if let Some(c) = TOM_MARKER_NOTES.iter().position(|k| k == key) {
                    if let Some(start) = open[c][usize::from(*channel)].take() {
                        // A marker with no length still covers the gems at its own tick.
                        toms[c].push((start, (*tick).max(start + 1)));
                    }
                }
            }
            Ev::Text(text) => {
                if let Some((d, flip)) = parse_mix_event(text) {
                    mixes.push((*tick, d, flip));
                }
            }
        }
    }
    for (c, starts) in open.iter().enumerate() {
        for s in starts.iter().flatten() {
            toms[c].push((*s, i64::MAX));
        }
    }
    let any_tom_marker = toms.iter().any(|t| !t.is_empty());
    let layout =
        ini.and_then(SongIni::forced_layout)
            .unwrap_or(if five_lane_green && !any_tom_marker {
                DrumLayout::FiveLane
            } else {
                DrumLayout::FourLane
            });

    let difficulty = options.difficulty;
    let base = difficulty.midi_kick_note();
    let mix_index = difficulty.mix_index();
    let is_tom =
        |colour: usize, tick: i64| toms[colour].iter().any(|(a, b)| *a <= tick && tick < *b);
    let flip_at = |tick: i64| {
        mixes
            .iter()
            .rfind(|(t, d, _)| *d == mix_index && *t <= tick)
            .is_some_and(|m| m.2)
    };
    let mut draft = Draft {
        ppq: ppq as u32,
        tempos,
        signatures,
        ..Draft::default()
    };
    for (tick, ev) in &drums.events {
        let Ev::On(_, key, vel) = ev else { continue };
        let pad = if *key == DOUBLE_KICK_NOTE && difficulty == Difficulty::Expert {
            if !options.double_kick {
                continue;
            }
            Pad::Kick
        } else if (base..=base + 5).contains(key) {
            let position = key - base;
            match (position, layout) {
                (0, _) => Pad::Kick,
                (p, DrumLayout::FiveLane) => Pad::five_lane(p),
                (1, DrumLayout::FourLane) => Pad::four_lane(1, false, flip_at(*tick)),
                (p, DrumLayout::FourLane) => {
                    let colour = p.min(4);
                    let cymbal = !is_tom(colour as usize - 2, *tick);
                    Pad::four_lane(colour, cymbal, flip_at(*tick))
                }
            }
        } else {
            continue; // animation notes, markers, other difficulties
        };
        let dynamic = match (dynamics && pad != Pad::Kick, *vel) {
            (true, 127) => Dynamic::Accent,
            (true, 1) => Dynamic::Ghost,
            _ => Dynamic::Normal,
        };
        draft.notes.push((*tick, pad.lane(), None, dynamic));
    }
    if draft.notes.is_empty() {
        let have: Vec<&str> = Difficulty::ALL
            .iter()
            .filter(|d| with_notes.contains(d))
            .map(|d| d.name())
            .collect();
        return Err(InputError::new(
            path,
            Place::Item(format!("track {drum_index} ({})", names[drum_index])),
            if have.is_empty() {
                InputErrorKind::Empty("the drum track holds no gems at any difficulty".into())
            } else {
                InputErrorKind::WrongChoice {
                    message: format!(
                        "the drum track has no {difficulty} gems; it has gems for: {}; choose one of those difficulties",
                        have.join(", ")
                    ),
                    remedy: Remedy::ChooseDifficulty,
                }
            },
        ));
    }
    if let Some(events) = tracks.iter().find(|t| t.name.as_deref() == Some("EVENTS")) {
        for (tick, ev) in &events.events {
            if let Ev::Text(text) = ev {
                if let Some(name) = super::smf::section_name(text) {
                    draft.sections.push((*tick, name));
                }
            }
        }
    }
    if let Some(name) = tracks.first().and_then(|t| t.name.clone()) {
        if !DRUM_TRACK_NAMES
            .iter()
            .any(|d| name.eq_ignore_ascii_case(d))
        {
            draft.info.title = name;
        }
    }
    draft.info.source = path.display().to_string();
    if let Some(ini) = ini {
        apply_song_ini(&mut draft, ini);
    }
    let mut chart = draft.build(path)?;
    chart
        .warnings
        .extend(ini.iter().flat_map(|i| i.warnings.iter().cloned()));
    if let Some(place) = bad_text {
        chart.warnings.push(format!(
            "{}: the text event at {place} is not UTF-8; its undecodable bytes were replaced, so \
             track names, sections or events may be garbled",
            path.display()
        ));
    }
    Ok(chart)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::formats::chart_options::ChartLoadOptions;
    use crate::formats::smf::tests::vlq;
    use crate::time::Ticks;
    use std::path::PathBuf;

    // ---- A tiny SMF writer for generated fixtures. ------------------------------------------

    pub(crate) fn on(key: u8, vel: u8) -> Vec<u8> {
        vec![0x90, key, vel]
    }
    pub(crate) fn off(key: u8) -> Vec<u8> {
        vec![0x80, key, 0]
    }
    /// Note On and Note Off on a channel (0-15).
    fn on_ch(channel: u8, key: u8, vel: u8) -> Vec<u8> {
        vec![0x90 | channel, key, vel]
    }
    fn off_ch(channel: u8, key: u8) -> Vec<u8> {
        vec![0x80 | channel, key, 0]
    }
    pub(crate) fn meta(kind: u8, data: &[u8]) -> Vec<u8> {
        let mut v = vec![0xFF, kind];
        v.extend(vlq(data.len() as u32));
        v.extend_from_slice(data);
        v
    }
    pub(crate) fn text(s: &str) -> Vec<u8> {
        meta(0x01, s.as_bytes())
    }
    pub(crate) fn tempo(us: u32) -> Vec<u8> {
        meta(0x51, &us.to_be_bytes()[1..])
    }
    pub(crate) fn ts(n: u8, pow: u8) -> Vec<u8> {
        meta(0x58, &[n, pow, 24, 8])
    }

    /// A track chunk: name, then events sorted by tick (stable), then End of Track.
    pub(crate) fn track(name: &str, events: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let mut evs: Vec<(u32, Vec<u8>)> = vec![(0, meta(0x03, name.as_bytes()))];
        let mut rest = events.to_vec();
        rest.sort_by_key(|e| e.0);
        evs.extend(rest);
        let mut data = Vec::new();
        let mut last = 0;
        for (t, bytes) in evs {
            data.extend(vlq(t - last));
            data.extend(bytes);
            last = t;
        }
        data.extend([0x00, 0xFF, 0x2F, 0x00]);
        let mut chunk = b"MTrk".to_vec();
        chunk.extend((data.len() as u32).to_be_bytes());
        chunk.extend(data);
        chunk
    }

    pub(crate) fn smf(ppq: u16, tracks: &[Vec<u8>]) -> Vec<u8> {
        let mut out = b"MThd".to_vec();
        out.extend(6u32.to_be_bytes());
        out.extend(1u16.to_be_bytes());
        out.extend((tracks.len() as u16).to_be_bytes());
        out.extend(ppq.to_be_bytes());
        for t in tracks {
            out.extend(t);
        }
        out
    }

    /// A gem: Note On at `t`, Note Off a 16th later (ppq 192).
    fn gem(evs: &mut Vec<(u32, Vec<u8>)>, t: u32, key: u8, vel: u8) {
        evs.push((t, on(key, vel)));
        evs.push((t + 48, off(key)));
    }
    fn marker(evs: &mut Vec<(u32, Vec<u8>)>, from: u32, to: u32, key: u8) {
        evs.push((from, on(key, 100)));
        evs.push((to, off(key)));
    }

    /// The pro-drums song: every .mid rule at 192 PPQ with a tempo and a time-signature change.
    fn pro_song_mid() -> Vec<u8> {
        let tempo_track = track(
            "Pro Drums Test",
            &[
                (0, tempo(500_000)),
                (0, ts(4, 2)),
                (1536, tempo(625_000)),
                (2304, ts(3, 2)),
            ],
        );
        let events = track(
            "EVENTS",
            &[
                (0, text("[crowd_normal]")),
                (0, text("[section intro]")),
                (768, text("[prc_verse]")),
                (2304, text("[section outro]")),
            ],
        );
        let mut d: Vec<(u32, Vec<u8>)> = vec![(0, text("[ENABLE_CHART_DYNAMICS]"))];
        // Phrase markers (ignored): star power, solo.
        marker(&mut d, 0, 768, 116);
        marker(&mut d, 0, 768, 103);
        // Bar 1: cymbals by default, tom markers, dynamics, double kick, flam, animations.
        gem(&mut d, 0, 96, 100);
        gem(&mut d, 0, 98, 127);
        gem(&mut d, 96, 98, 1);
        gem(&mut d, 192, 97, 100);
        gem(&mut d, 192, 98, 100);
        gem(&mut d, 288, 95, 100);
        gem(&mut d, 288, 98, 100);
        marker(&mut d, 384, 480, 110);
        gem(&mut d, 384, 98, 100);
        gem(&mut d, 384, 99, 100);
        marker(&mut d, 480, 576, 111);
        gem(&mut d, 480, 99, 100);
        gem(&mut d, 480, 100, 100);
        marker(&mut d, 576, 672, 112);
        marker(&mut d, 576, 600, 109);
        gem(&mut d, 576, 100, 127);
        gem(&mut d, 672, 96, 127);
        gem(&mut d, 672, 26, 100);
        gem(&mut d, 672, 51, 100);
        // Bar 2: disco flip on Expert from 768 to 1152.
        d.push((768, text("[mix 3 drums0d]")));
        gem(&mut d, 768, 97, 100);
        gem(&mut d, 864, 98, 100);
        marker(&mut d, 960, 1056, 110);
        gem(&mut d, 960, 98, 100);
        d.push((1152, text("[mix 3 drums0]")));
        gem(&mut d, 1152, 97, 100);
        gem(&mut d, 1248, 98, 100);
        // Bar 3 at 96 BPM, bar 4 in 3/4.
        gem(&mut d, 1536, 96, 100);
        gem(&mut d, 1536, 100, 100);
        gem(&mut d, 1920, 97, 100);
        gem(&mut d, 2304, 96, 100);
        gem(&mut d, 2496, 97, 100);
        // Hard, Medium, Easy.
        gem(&mut d, 0, 84, 100);
        gem(&mut d, 192, 85, 100);
        gem(&mut d, 384, 86, 100);
        gem(&mut d, 768, 85, 100);
        gem(&mut d, 0, 72, 100);
        gem(&mut d, 192, 73, 100);
        gem(&mut d, 0, 60, 100);
        let drums = track("PART DRUMS", &d);
        let vocals = track("PART VOCALS", &[(0, on(60, 100)), (96, off(60))]);
        smf(192, &[tempo_track, events, drums, vocals])
    }

    const PRO_SONG_INI: &str = "[song]\nname = Pro Drums Test Song\nartist = Pocket Fixtures\ncharter = make-fixtures\ndelay = 250\npro_drums = True\n";

    /// Velocities 127 and 1 without `[ENABLE_CHART_DYNAMICS]`, at 480 PPQ.
    fn no_dynamics_mid() -> Vec<u8> {
        let mut d = Vec::new();
        for (t, key, vel) in [
            (0u32, 96u8, 127u8),
            (0, 97, 127),
            (480, 97, 1),
            (960, 98, 127),
        ] {
            d.push((t, on(key, vel)));
            d.push((t + 120, off(key)));
        }
        smf(
            480,
            &[
                track("No Dynamics", &[(0, tempo(500_000))]),
                track("PART DRUMS", &d),
            ],
        )
    }

    fn five_lane_mid() -> Vec<u8> {
        let mut d = Vec::new();
        for (i, key) in [96u8, 97, 98, 99, 100, 101].into_iter().enumerate() {
            gem(&mut d, i as u32 * 96, key, 100);
        }
        smf(
            192,
            &[
                track("Five Lane", &[(0, tempo(500_000))]),
                track("PART DRUMS", &d),
            ],
        )
    }

    /// Tom markers whose Note On and Note Off come on several channels: a yellow marker on
    /// channel 1 from 0 to 384 with a second one on channel 2 from 96 to 192 inside it; a blue
    /// marker on channel 1 from 480 to 672 with a stray Note Off of 111 on channel 4 at 528; a
    /// green marker on channel 3 from 768 to 864. Gems on the marker's end tick are cymbals.
    fn tom_markers_across_channels_mid() -> Vec<u8> {
        let mut d: Vec<(u32, Vec<u8>)> = vec![
            (0, on_ch(0, 110, 100)),
            (96, on_ch(1, 110, 100)),
            (192, off_ch(1, 110)),
            (384, off_ch(0, 110)),
            (480, on_ch(0, 111, 100)),
            (528, off_ch(3, 111)),
            (672, off_ch(0, 111)),
            (768, on_ch(2, 112, 100)),
            (864, off_ch(2, 112)),
        ];
        for t in [0, 96, 192, 288, 384] {
            gem(&mut d, t, 98, 100);
        }
        for t in [480, 576, 672] {
            gem(&mut d, t, 99, 100);
        }
        for t in [768, 864] {
            gem(&mut d, t, 100, 100);
        }
        smf(
            192,
            &[
                track("Tom Markers Across Channels", &[(0, tempo(500_000))]),
                track("PART DRUMS", &d),
            ],
        )
    }

    fn bad_truncated_mid() -> Vec<u8> {
        let good = track("PART DRUMS", &[(0, on(96, 100))]);
        // Keep the header and the note's first two bytes: the chunk ends inside the Note On.
        let name_len = 4 + "PART DRUMS".len();
        let data: Vec<u8> = good[8..8 + name_len + 3].to_vec();
        let mut chunk = b"MTrk".to_vec();
        chunk.extend((data.len() as u32).to_be_bytes());
        chunk.extend(data);
        smf(192, &[track("Tempo", &[(0, tempo(500_000))]), chunk])
    }

    fn bad_hard_only_mid() -> Vec<u8> {
        let mut d = Vec::new();
        gem(&mut d, 0, 84, 100);
        gem(&mut d, 0, 85, 100);
        smf(192, &[track("Hard Only", &[]), track("PART DRUMS", &d)])
    }

    pub(crate) fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// Checks that a generated fixture in the tree is exactly what the generator makes
    /// (`POCKET_BLESS=1` rewrites it; a missing one is a failure).
    pub(crate) fn check_fixture(rel: &str, bytes: &[u8]) {
        crate::testdata::check_golden(rel, bytes);
    }

    pub(crate) fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
        vec![
            (
                "fixtures/rockband/pro-drums-song-ppq192/notes.mid",
                pro_song_mid(),
            ),
            (
                "fixtures/rockband/pro-drums-song-ppq192/song.ini",
                PRO_SONG_INI.as_bytes().to_vec(),
            ),
            (
                "fixtures/rockband/velocity-127-and-1-without-dynamics-event-ppq480.mid",
                no_dynamics_mid(),
            ),
            (
                "fixtures/rockband/five-lane-song/notes.mid",
                five_lane_mid(),
            ),
            (
                "fixtures/rockband/five-lane-song/song.ini",
                b"[song]\nname = Five Lane\nfive_lane_drums = True\n".to_vec(),
            ),
            (
                "fixtures/rockband/tom-markers-across-channels-ppq192.mid",
                tom_markers_across_channels_mid(),
            ),
            (
                "fixtures/bad/rb-drum-track-ends-inside-note.mid",
                bad_truncated_mid(),
            ),
            ("fixtures/bad/rb-no-expert-gems.mid", bad_hard_only_mid()),
        ]
    }

    #[test]
    fn fixtures_match_their_generator() {
        for (rel, bytes) in fixtures() {
            check_fixture(rel, &bytes);
        }
    }

    fn load(rel: &str, opts: ChartLoadOptions) -> Result<Chart, InputError> {
        // Make sure the files exist even when this test runs first.
        for (r, bytes) in fixtures() {
            check_fixture(r, &bytes);
        }
        read_path(&root().join(rel), opts)
    }

    /// A `.mid` chart, or the chart of a song folder, read as `formats::load_chart` reads it.
    fn read_path(path: &Path, opts: ChartLoadOptions) -> Result<Chart, InputError> {
        let chart = if path.is_dir() {
            song_folder_chart(path)?
        } else {
            path.to_path_buf()
        };
        read_chart(&chart, &opts)
    }

    fn opts(difficulty: Difficulty, double_kick: bool) -> ChartLoadOptions {
        ChartLoadOptions {
            difficulty,
            double_kick,
            ..ChartLoadOptions::default()
        }
    }

    /// The time of a tick of the pro song before the lead-in: 120 BPM to tick 1536, then
    /// 96 BPM (625000 µs per quarter), at 192 PPQ; the song.ini delay adds 250 ms.
    fn pro_time(t: i64) -> Nanos {
        let ns = if t <= 1536 {
            t * 500_000_000 / 192
        } else {
            let rest = (t - 1536) as i128 * 625_000_000;
            4_000_000_000 + ((2 * rest + 192) / 384) as i64
        };
        Nanos(ns + 250_000_000)
    }

    type Expected = Vec<(i64, Lane, Dynamic)>;

    /// Checks notes one by one, then the same after a round trip through pocket chart JSON.
    fn assert_notes(chart: &Chart, shift: i64, time: impl Fn(i64) -> Nanos, expected: &Expected) {
        let mut want: Vec<(i64, Lane, Dynamic, Nanos)> = expected
            .iter()
            .map(|(t, l, d)| (t + shift, *l, *d, time(*t)))
            .collect();
        want.sort_by_key(|w| (w.0, w.1));
        let got: Vec<(i64, Lane, Dynamic, Nanos)> = chart
            .notes
            .iter()
            .map(|n| (n.tick.0, n.lane, n.dynamic, n.time))
            .collect();
        assert_eq!(got, want, "notes differ");
        let json = crate::formats::chart_json::write_chart(chart);
        let back = crate::formats::chart_json::read_chart_str(Path::new("converted.json"), &json)
            .expect("converted JSON reads back");
        let again: Vec<(i64, Lane, Dynamic, Nanos)> = back
            .notes
            .iter()
            .map(|n| (n.tick.0, n.lane, n.dynamic, n.time))
            .collect();
        assert_eq!(
            again, want,
            "notes differ after conversion to pocket chart JSON"
        );
    }

    fn expert_expected(double_kick: bool) -> Expected {
        use Dynamic::*;
        use Lane::*;
        let mut e = vec![
            (0, Kick, Normal),
            (0, Hihat, Accent),
            (96, Hihat, Ghost),
            (192, Snare, Normal),
            (192, Hihat, Normal),
            (288, Hihat, Normal),
            (384, Tom1, Normal),
            (384, Ride, Normal),
            (480, Tom2, Normal),
            (480, Crash, Normal),
            (576, Tom3, Accent),
            (672, Kick, Normal), // kicks take no dynamics
            (768, Hihat, Normal),
            (864, Snare, Normal),
            (960, Snare, Normal),
            (1152, Snare, Normal),
            (1248, Hihat, Normal),
            (1536, Kick, Normal),
            (1536, Crash, Normal),
            (1920, Snare, Normal),
            (2304, Kick, Normal),
            (2496, Snare, Normal),
        ];
        if double_kick {
            e.push((288, Kick, Normal));
        }
        e
    }

    pub(crate) const SONG: &str = "fixtures/rockband/pro-drums-song-ppq192";

    #[test]
    fn pro_song_expert_follows_every_rule() {
        let chart = load(SONG, opts(Difficulty::Expert, false)).unwrap();
        // The 250 ms delay is a one-beat lead-in (pickup bar 0) at 240 BPM.
        assert_eq!(chart.tempo_map.pickup(), Ticks(192));
        assert_notes(&chart, 192, pro_time, &expert_expected(false));
        assert_eq!(chart.info.title, "Pro Drums Test Song");
        assert_eq!(chart.info.artist, "Pocket Fixtures");
        assert_eq!(chart.info.charter, "make-fixtures");
        let sections: Vec<(&str, i64)> = chart
            .sections
            .iter()
            .map(|s| (s.name.as_str(), s.tick.0))
            .collect();
        assert_eq!(sections, [("intro", 192), ("verse", 960), ("outro", 2496)]);
        assert_eq!(chart.sections[0].time, Nanos::from_millis(250));
        // Bar 1 starts after the lead-in; bar 4 is in 3/4.
        assert_eq!(chart.tempo_map.position(Ticks(192)).bar, 1);
        assert_eq!(chart.tempo_map.signature_at(Ticks(2304 + 192)).numerator, 3);
        assert_eq!(chart.tempo_map.position(Ticks(2496 + 192)).beat, 2);
    }

    #[test]
    fn double_kick_only_when_asked() {
        let chart = load(SONG, opts(Difficulty::Expert, true)).unwrap();
        assert_notes(&chart, 192, pro_time, &expert_expected(true));
    }

    #[test]
    fn every_difficulty_reads_its_own_gems() {
        use Dynamic::Normal;
        use Lane::*;
        let cases: [(Difficulty, Expected); 3] = [
            (
                Difficulty::Hard,
                // Tom markers cover every difficulty; the Expert disco flip does not.
                vec![
                    (0, Kick, Normal),
                    (192, Snare, Normal),
                    (384, Tom1, Normal),
                    (768, Snare, Normal),
                ],
            ),
            (
                Difficulty::Medium,
                vec![(0, Kick, Normal), (192, Snare, Normal)],
            ),
            (Difficulty::Easy, vec![(0, Kick, Normal)]),
        ];
        for (d, expected) in cases {
            let chart = load(SONG, opts(d, true)).unwrap();
            assert_notes(&chart, 192, pro_time, &expected);
        }
    }

    #[test]
    fn velocities_are_plain_without_the_dynamics_event() {
        let chart = load(
            "fixtures/rockband/velocity-127-and-1-without-dynamics-event-ppq480.mid",
            opts(Difficulty::Expert, false),
        )
        .unwrap();
        use Dynamic::Normal;
        use Lane::*;
        let time = |t: i64| Nanos(t * 500_000_000 / 480);
        assert_notes(
            &chart,
            0,
            time,
            &vec![
                (0, Kick, Normal),
                (0, Snare, Normal),
                (480, Snare, Normal),
                (960, Hihat, Normal),
            ],
        );
        assert_eq!(chart.info.title, "No Dynamics");
    }

    #[test]
    fn five_lane_follows_the_documented_mapping() {
        let chart = load(
            "fixtures/rockband/five-lane-song",
            opts(Difficulty::Expert, false),
        )
        .unwrap();
        use Dynamic::Normal;
        use Lane::*;
        let time = |t: i64| Nanos(t * 500_000_000 / 192);
        assert_notes(
            &chart,
            0,
            time,
            &vec![
                (0, Kick, Normal),
                (96, Snare, Normal),
                (192, Hihat, Normal),
                (288, Tom2, Normal),
                (384, Crash, Normal),
                (480, Tom3, Normal),
            ],
        );
    }

    #[test]
    fn tom_markers_pair_note_off_by_channel() {
        let chart = load(
            "fixtures/rockband/tom-markers-across-channels-ppq192.mid",
            opts(Difficulty::Expert, false),
        )
        .unwrap();
        use Dynamic::Normal;
        use Lane::*;
        let time = |t: i64| Nanos(t * 500_000_000 / 192);
        assert_notes(
            &chart,
            0,
            time,
            &vec![
                // The channel-2 Note Off at 192 ends the channel-2 marker, not the
                // channel-1 one, which goes on to 384 (its end tick excluded).
                (0, Tom1, Normal),
                (96, Tom1, Normal),
                (192, Tom1, Normal),
                (288, Tom1, Normal),
                (384, Hihat, Normal),
                // A Note Off on a channel with no marker open ends nothing.
                (480, Tom2, Normal),
                (576, Tom2, Normal),
                (672, Ride, Normal),
                (768, Tom3, Normal),
                (864, Crash, Normal),
            ],
        );
    }

    #[test]
    fn a_truncated_drum_track_names_track_and_byte() {
        let err = load(
            "fixtures/bad/rb-drum-track-ends-inside-note.mid",
            opts(Difficulty::Expert, false),
        )
        .unwrap_err();
        assert!(
            matches!(err.place, Place::Byte { track: Some(1), .. }),
            "{err}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("rb-drum-track-ends-inside-note.mid: track 1, byte"),
            "{msg}"
        );
    }

    #[test]
    fn a_missing_difficulty_lists_the_ones_present() {
        let err = load(
            "fixtures/bad/rb-no-expert-gems.mid",
            opts(Difficulty::Expert, false),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("no expert gems") && msg.contains("hard"),
            "{msg}"
        );
        assert!(msg.contains("PART DRUMS"), "{msg}");
    }

    #[test]
    fn a_text_event_that_is_not_utf8_is_read_with_a_warning() {
        let mut d = Vec::new();
        gem(&mut d, 0, 96, 100);
        d.push((0, meta(0x01, b"[section caf\xe9]")));
        let bytes = smf(192, &[track("T", &[]), track("PART DRUMS", &d)]);
        let chart = read_chart_bytes(
            Path::new("latin1.mid"),
            &bytes,
            None,
            &opts(Difficulty::Expert, false),
        )
        .unwrap();
        assert_eq!(chart.notes.len(), 1);
        assert_eq!(chart.warnings.len(), 1, "{:?}", chart.warnings);
        assert!(
            chart.warnings[0].starts_with("latin1.mid: the text event at track 1, byte "),
            "{}",
            chart.warnings[0]
        );
    }

    #[test]
    fn a_song_ini_that_is_not_utf8_is_read_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = Vec::new();
        gem(&mut d, 0, 96, 100);
        std::fs::write(
            dir.path().join("notes.mid"),
            smf(192, &[track("T", &[]), track("PART DRUMS", &d)]),
        )
        .unwrap();
        std::fs::write(dir.path().join("song.ini"), b"[song]\nname = Caf\xe9\n").unwrap();
        let chart = read_path(dir.path(), opts(Difficulty::Expert, false)).unwrap();
        assert_eq!(chart.notes.len(), 1);
        assert_eq!(chart.warnings.len(), 1, "{:?}", chart.warnings);
        assert!(
            chart.warnings[0].contains("song.ini: the text is not valid UTF-8 (first at byte 17)"),
            "{}",
            chart.warnings[0]
        );
    }

    #[test]
    fn mix_events_in_every_spelling() {
        assert_eq!(parse_mix_event("[mix 3 drums0d]"), Some((3, true)));
        assert_eq!(parse_mix_event("mix_2_drums4d"), Some((2, true)));
        assert_eq!(parse_mix_event("[mix 3 drums0dnoflip]"), Some((3, false)));
        assert_eq!(parse_mix_event("[mix 0 drums1]"), Some((0, false)));
        assert_eq!(parse_mix_event("[mix 0 drums1easy]"), Some((0, false)));
        assert_eq!(parse_mix_event("[section mix]"), None);
        assert_eq!(parse_mix_event("[mix 7 drums0d]"), None);
    }

    #[test]
    fn negative_delay_moves_notes_earlier() {
        let err_dir = tempfile::tempdir().unwrap();
        let mut d = Vec::new();
        gem(&mut d, 192, 96, 100);
        std::fs::write(
            err_dir.path().join("notes.mid"),
            smf(
                192,
                &[track("T", &[(0, tempo(500_000))]), track("PART DRUMS", &d)],
            ),
        )
        .unwrap();
        std::fs::write(err_dir.path().join("song.ini"), "[song]\ndelay = -100\n").unwrap();
        let moved = read_path(err_dir.path(), opts(Difficulty::Expert, false)).unwrap();
        assert_eq!(
            moved.notes[0].time,
            Nanos::from_millis(400),
            "one quarter at 120 BPM, 100 ms earlier"
        );
        assert_eq!(moved.notes[0].tick, Ticks(192));
    }

    #[test]
    fn a_delay_before_the_audio_is_an_error_naming_song_ini() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = Vec::new();
        gem(&mut d, 0, 96, 100);
        std::fs::write(
            dir.path().join("notes.mid"),
            smf(192, &[track("T", &[]), track("PART DRUMS", &d)]),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("song.ini"),
            "[song]\nname = x\ndelay = -100\n",
        )
        .unwrap();
        let err = read_path(dir.path(), opts(Difficulty::Expert, false)).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("song.ini: line 3"), "{msg}");
    }

    #[test]
    fn a_generated_song_folder_scores_sanely() {
        use crate::score::{score_player, PlayerInput, ScoreOptions};
        use crate::simulate::{perform, Drummer};
        let chart = load(SONG, opts(Difficulty::Expert, false)).unwrap();
        let kit = crate::kit::KitMap::builtin("gm").unwrap();
        let drummer = Drummer {
            miss_rate: 0.0,
            wrong_drum_rate: 0.0,
            overhit_rate: 0.0,
            crosstalk_rate: 0.0,
            jitter_sd_ms: 5.0,
            ..Drummer::default()
        };
        let perf = perform(&chart, &kit, &drummer);
        let take =
            crate::kit::build_take(&perf.events, &kit, &kit.options, "simulated".into(), vec![]);
        let player = PlayerInput::new("sim", &take);
        let (p, _) = score_player(&chart, &player, &ScoreOptions::default());
        assert_eq!(p.notes, chart.notes.len());
        assert!(p.recall.unwrap() > 0.95, "recall {:?}", p.recall);
        assert!(p.precision.unwrap() > 0.95, "precision {:?}", p.precision);
        assert_eq!(chart.info.title, "Pro Drums Test Song");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, ..Default::default() })]
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let mut with_header = smf(192, &[]);
            with_header.extend(&bytes);
            let _ = read_chart_bytes(Path::new("x.mid"), &bytes, None, &ChartLoadOptions::default());
            let _ = read_chart_bytes(Path::new("x.mid"), &with_header, None, &ChartLoadOptions::default());
        }

        #[test]
        fn mutated_fixture_never_panics(edits in proptest::collection::vec((0usize..4000, proptest::prelude::any::<u8>()), 1..8), cut in 0usize..5000) {
            let mut bytes = pro_song_mid();
            for (at, b) in edits {
                let n = bytes.len();
                bytes[at % n] = b;
            }
            bytes.truncate(cut.max(14));
            let ini = SongIni { delay_ms: Some(250), ..SongIni::default() };
            for d in Difficulty::ALL {
                let o = ChartLoadOptions { difficulty: d, double_kick: true, ..ChartLoadOptions::default() };
                let _ = read_chart_bytes(Path::new("x.mid"), &bytes, Some(&ini), &o);
            }
        }
    }
}
