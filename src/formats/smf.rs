//! Standard MIDI Files (`.mid`): read as a chart or as one player's raw events, and written back.
//!
//! This module owns the SMF container: the `MThd`/`MTrk` chunk walk (done here, so that every
//! error can name the track and byte offset), tempo and time-signature meta events, and the
//! time of each event. Events themselves are decoded by `midly`.
//!
//! - [`read_chart`]: a drum chart (General MIDI drum channel, kit map, dynamics from velocity,
//!   sections from markers). SMPTE time division is refused: a chart needs a beat grid.
//! - [`read_events`]: every channel message of one player, with exact times, for
//!   [`crate::kit`] to turn into a take. SMPTE time division is accepted. One file may hold two
//!   players split by track or channel: see [`TakeSelector`] and [`super::TakeSpec`].
//! - [`write_chart`], [`write_take`]: type 1 files that read back to the same notes.
//!
//! The user-facing rules are in `docs/take-formats.md`.

use crate::chart::{Chart, ChartInfo, Note, Section};
use crate::error::{InputError, InputErrorKind, Place};
use crate::event::RawEvent;
use crate::kit::{gm_note, velocity_for, KitMap};
use crate::lane::{Articulation, Dynamic, Lane};
use crate::take::Take;
use crate::tempo::{Tempo, TempoMap, TempoMapError, TimeSignature, MAX_BPM};
use crate::time::{Nanos, Ticks};
use midly::num::{u15, u24, u28, u4, u7};
use midly::{EventIter, MetaMessage, MidiMessage, TrackEvent, TrackEventKind};
use std::fmt;
use std::path::Path;

/// Largest SMF pocket reads, in bytes (64 MiB). Drum takes and charts are a few hundred KiB.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Latest event time pocket accepts, in seconds (about 11.6 days). Anything later comes from
/// corrupt delta times.
pub const MAX_TIME_SECS: i64 = 1_000_000;

/// Ticks beyond this are refused while walking a track: even at the finest possible resolution
/// (32767 PPQ at 1000 BPM, 1.83 µs per tick) they lie beyond [`MAX_TIME_SECS`].
const MAX_TICK: i64 = 1 << 40;

/// Which MIDI channels a chart's drum notes are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelFilter {
    /// One channel, 1..=16 as musicians count them (General MIDI drums: 10).
    Only(u8),
    /// Every channel.
    All,
}

impl ChannelFilter {
    fn accepts(self, channel_1: u8) -> bool {
        match self {
            ChannelFilter::Only(c) => c == channel_1,
            ChannelFilter::All => true,
        }
    }
}

impl fmt::Display for ChannelFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelFilter::Only(c) => write!(f, "channel {c}"),
            ChannelFilter::All => f.write_str("any channel"),
        }
    }
}

/// How a Standard MIDI File is read as a chart.
#[derive(Debug, Clone)]
pub struct SmfChartOptions {
    /// Channels holding the drum notes (default: channel 10, the General MIDI drum channel).
    pub channels: ChannelFilter,
    /// Note map (default, `None`: the built-in `gm` map).
    pub kit: Option<KitMap>,
    /// Velocities up to this are ghost notes (default 40).
    pub ghost_max_velocity: u8,
    /// Velocities from this up are accents (default 110).
    pub accent_min_velocity: u8,
}

impl Default for SmfChartOptions {
    fn default() -> Self {
        SmfChartOptions {
            channels: ChannelFilter::Only(10),
            kit: None,
            ghost_max_velocity: 40,
            accent_min_velocity: 110,
        }
    }
}

impl SmfChartOptions {
    /// The dynamic of a note from its Note On velocity (1..=127): `<= ghost_max_velocity` is a
    /// ghost note, `>= accent_min_velocity` an accent, anything between normal.
    pub fn dynamic(&self, velocity: u8) -> Dynamic {
        if velocity <= self.ghost_max_velocity {
            Dynamic::Ghost
        } else if velocity >= self.accent_min_velocity {
            Dynamic::Accent
        } else {
            Dynamic::Normal
        }
    }
}

pub use super::take_spec::TakeSelector;

/// How a Standard MIDI File is read as a take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmfTakeOptions {
    /// Which track and/or channel is the player.
    pub selector: TakeSelector,
    /// The port index written into every event (0 for a take read from one file).
    pub port: u16,
}

/// The time division in an SMF header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Division {
    /// Ticks per quarter note; times follow the tempo map.
    Ppq(u16),
    /// SMPTE: ticks per frame at a frame rate; times do not depend on tempo.
    Smpte {
        /// 24, 25, 29 (29.97 drop-frame, timed at 30000/1001 frames per second) or 30.
        frames_per_second: u8,
        /// Ticks per frame (1..=255).
        ticks_per_frame: u8,
    },
}

impl Division {
    /// Nanoseconds of a tick count under SMPTE division, exact to the nearest ns; `None` for PPQ.
    fn smpte_time(self, tick: i64) -> Option<Nanos> {
        let Division::Smpte {
            frames_per_second,
            ticks_per_frame,
        } = self
        else {
            return None;
        };
        // Frames per second as num/den.
        let (num, den): (i128, i128) = match frames_per_second {
            29 => (30_000, 1_001),
            f => (f as i128, 1),
        };
        let a = tick as i128 * 1_000_000_000 * den;
        let b = num * ticks_per_frame as i128;
        let ns = (2 * a + b).div_euclid(2 * b);
        Some(Nanos(ns.clamp(i64::MIN as i128, i64::MAX as i128) as i64))
    }
}

/// One player's channel messages from an SMF, with exact times.
#[derive(Debug, Clone, PartialEq)]
pub struct SmfEvents {
    /// Channel messages (note on/off, control change, aftertouch, program change, pitch bend)
    /// with their bytes as stored (Note On velocity 0 stays a Note On), in time order; events at
    /// the same time keep track order, then file order.
    pub events: Vec<RawEvent>,
    /// The file's time division.
    pub division: Division,
    /// The tempo map under PPQ division (its time signature is always 4/4: takes ignore them).
    pub tempo_map: Option<TempoMap>,
    /// Number of track chunks in the file.
    pub tracks: usize,
    /// Channels (1..=16) of the file holding Note Ons with velocity > 0, whatever the selector.
    pub channels_with_notes: Vec<u8>,
}

/// Reads a Standard MIDI File as a chart. See the module docs and `docs/take-formats.md`.
pub fn read_chart(path: &Path, opts: &SmfChartOptions) -> Result<Chart, InputError> {
    let bytes = super::read::read_capped(path, MAX_FILE_BYTES)?;
    read_chart_bytes(path, &bytes, opts)
}

/// Reads a Standard MIDI File as one player's take events.
pub fn read_events(path: &Path, opts: &SmfTakeOptions) -> Result<SmfEvents, InputError> {
    let bytes = super::read::read_capped(path, MAX_FILE_BYTES)?;
    read_events_bytes(path, &bytes, opts)
}

// ---------------------------------------------------------------------------------------------
// Container: header and chunks.

/// One `MTrk` chunk: its data and where the data starts in the file.
struct TrackChunk<'a> {
    data_offset: usize,
    data: &'a [u8],
}

/// The parsed container.
struct Layout<'a> {
    division: Division,
    /// Where the division field is in the file.
    division_offset: usize,
    tracks: Vec<TrackChunk<'a>>,
}

/// Offset of the division field from the start of the SMF.
const DIVISION_OFFSET: usize = 12;

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn be_u16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

/// Finds the SMF inside a RIFF `RMID` file: returns the offset and length of its `data` chunk.
fn riff_smf(path: &Path, bytes: &[u8]) -> Result<(usize, usize), InputError> {
    let bad = |offset: usize, what: &str| {
        InputError::new(
            path,
            Place::Byte {
                track: None,
                offset,
            },
            InputErrorKind::Malformed(format!(
                "RIFF MIDI file: {what}; save the song as a Standard MIDI File (.mid)"
            )),
        )
    };
    if bytes.get(8..12) != Some(b"RMID") {
        return Err(bad(8, "the RIFF form is not RMID"));
    }
    let mut pos = 12usize;
    while let Some(id) = bytes.get(pos..pos + 4) {
        let len = bytes
            .get(pos + 4..pos + 8)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
            .ok_or_else(|| bad(pos, "a chunk header is cut short"))?;
        let start = pos + 8;
        let end = start
            .checked_add(len)
            .filter(|e| *e <= bytes.len())
            .ok_or_else(|| bad(pos, "a chunk runs past the end of the file"))?;
        if id == b"data" {
            return Ok((start, end - start));
        }
        pos = end + (len & 1);
    }
    Err(bad(12, "no data chunk holding the MIDI data"))
}

fn layout<'a>(path: &Path, file: &'a [u8]) -> Result<Layout<'a>, InputError> {
    let at = |offset: usize, kind: InputErrorKind| {
        InputError::new(
            path,
            Place::Byte {
                track: None,
                offset,
            },
            kind,
        )
    };
    if file.is_empty() {
        return Err(InputError::new(
            path,
            Place::File,
            InputErrorKind::Empty("the file is empty; expected a Standard MIDI File".into()),
        ));
    }
    let (base, len) = if file.starts_with(b"RIFF") {
        riff_smf(path, file)?
    } else {
        (0, file.len())
    };
    let bytes = &file[base..base + len];
    if !bytes.starts_with(b"MThd") {
        if b"MThd".starts_with(bytes) {
            return Err(at(
                base + bytes.len(),
                InputErrorKind::Truncated("the file ends inside the MThd header".into()),
            ));
        }
        return Err(InputError::new(
            path,
            Place::File,
            InputErrorKind::Malformed(
                "not a Standard MIDI File: it does not start with \"MThd\"; check that this is a .mid file"
                    .into(),
            ),
        ));
    }
    let truncated_header = || {
        at(
            base + bytes.len(),
            InputErrorKind::Truncated(format!(
                "the MThd header needs 14 bytes but the file holds {}; the file was cut short",
                bytes.len()
            )),
        )
    };
    let hlen = be_u32(bytes, 4).ok_or_else(truncated_header)? as usize;
    if hlen < 6 {
        return Err(at(
            base + 4,
            InputErrorKind::Malformed(format!(
                "the MThd header declares {hlen} bytes, fewer than the 6 it must hold; the header is damaged"
            )),
        ));
    }
    let format = be_u16(bytes, 8).ok_or_else(truncated_header)?;
    let declared_tracks = be_u16(bytes, 10).ok_or_else(truncated_header)?;
    let raw_division = be_u16(bytes, DIVISION_OFFSET).ok_or_else(truncated_header)?;
    let header_end = 8usize.saturating_add(hlen);
    if header_end > bytes.len() {
        return Err(truncated_header());
    }
    match format {
        0 | 1 => {}
        2 => {
            return Err(at(
                base + 8,
                InputErrorKind::UnsupportedFormat {
                    found: "SMF format 2 (independent sequences)".into(),
                    expected: "SMF format 0 or 1; save the song as type 0 or type 1".into(),
                },
            ))
        }
        f => {
            return Err(at(
                base + 8,
                InputErrorKind::Malformed(format!(
                    "SMF format {f} does not exist (0, 1 or 2); the header is damaged"
                )),
            ))
        }
    }
    let division = if raw_division & 0x8000 != 0 {
        let fps = ((raw_division >> 8) as u8 as i8).unsigned_abs();
        let ticks_per_frame = (raw_division & 0xFF) as u8;
        if !matches!(fps, 24 | 25 | 29 | 30) {
            return Err(at(
                base + DIVISION_OFFSET,
                InputErrorKind::Malformed(format!(
                    "SMPTE time division with {fps} frames per second; only 24, 25, 29 and 30 exist, so the header is damaged"
                )),
            ));
        }
        if ticks_per_frame == 0 {
            return Err(at(
                base + DIVISION_OFFSET,
                InputErrorKind::Malformed(
                    "SMPTE time division with 0 ticks per frame; the header is damaged".into(),
                ),
            ));
        }
        Division::Smpte {
            frames_per_second: fps,
            ticks_per_frame,
        }
    } else if raw_division == 0 {
        return Err(at(
            base + DIVISION_OFFSET,
            InputErrorKind::Malformed(
                "time division is 0 ticks per quarter note, which cannot be timed; the header is damaged (typical values are 96 to 960)"
                    .into(),
            ),
        ));
    } else {
        Division::Ppq(raw_division)
    };

    // Walk the chunks. Nothing is allocated from the declared track count.
    let mut tracks = Vec::new();
    let mut pos = header_end;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        if rest.len() < 8 {
            if rest.iter().all(|b| *b == 0) {
                break; // zero padding after the last chunk
            }
            return Err(at(
                base + pos,
                InputErrorKind::Truncated(format!(
                    "{} stray bytes after the last chunk, too few for a chunk header (8 bytes); the file was cut short",
                    rest.len()
                )),
            ));
        }
        let id = &rest[..4];
        let clen = be_u32(rest, 4).unwrap_or(0) as usize;
        let start = pos + 8;
        let is_track = id == b"MTrk";
        let end = start.checked_add(clen).filter(|e| *e <= bytes.len());
        let Some(end) = end else {
            let name = String::from_utf8_lossy(id).escape_debug().to_string();
            return Err(InputError::new(
                path,
                Place::Byte {
                    track: is_track.then_some(tracks.len()),
                    offset: base + pos,
                },
                InputErrorKind::Truncated(format!(
                    "chunk \"{name}\" declares {clen} bytes but only {} remain; the file was cut short or its chunk length is damaged",
                    bytes.len() - start
                )),
            ));
        };
        if is_track {
            tracks.push(TrackChunk {
                data_offset: base + start,
                data: &bytes[start..end],
            });
        }
        // Any other chunk type is skipped, as the SMF specification asks.
        pos = end;
    }
    if tracks.len() < declared_tracks as usize {
        return Err(at(
            base + 10,
            InputErrorKind::Truncated(format!(
                "the header declares {declared_tracks} tracks but the file holds {} track chunks; the file was cut short or its header is damaged",
                tracks.len()
            )),
        ));
    }
    if tracks.is_empty() {
        return Err(InputError::new(
            path,
            Place::File,
            InputErrorKind::Empty("the file has no track chunks (MTrk), so no notes".into()),
        ));
    }
    Ok(Layout {
        division,
        division_offset: base + DIVISION_OFFSET,
        tracks,
    })
}

// ---------------------------------------------------------------------------------------------
// Events.

/// Where an event is.
#[derive(Debug, Clone, Copy)]
struct At {
    track: usize,
    offset: usize,
    tick: i64,
}

impl At {
    fn place(self) -> Place {
        Place::Byte {
            track: Some(self.track),
            offset: self.offset,
        }
    }
}

/// Says why midly could not read the event starting at `rest`.
fn diagnose(rest: &[u8], running: Option<u8>) -> InputErrorKind {
    let cut = |what: &str| {
        InputErrorKind::Truncated(format!(
            "the track chunk ends inside {what}; the track was cut short"
        ))
    };
    let mut i = 0;
    loop {
        match rest.get(i) {
            None => return cut("a delta time"),
            Some(b) => {
                i += 1;
                if b & 0x80 == 0 {
                    break;
                }
                if i == 4 {
                    return InputErrorKind::Malformed(
                        "a delta time longer than 4 bytes; the track is damaged".into(),
                    );
                }
            }
        }
    }
    let Some(&first) = rest.get(i) else {
        return cut("an event (after its delta time)");
    };
    let (status, data_at) = if first < 0x80 {
        match running {
            Some(s) => (s, i),
            None => {
                return InputErrorKind::Malformed(format!(
                    "data byte 0x{first:02X} where an event should start, with no running status in force; the track is damaged"
                ))
            }
        }
    } else {
        (first, i + 1)
    };
    match status {
        0x80..=0xEF => {
            let need = if matches!(status >> 4, 0xC | 0xD) { 1 } else { 2 };
            for k in 0..need {
                match rest.get(data_at + k) {
                    None => return cut(&format!("a channel message (status 0x{status:02X})")),
                    Some(b) if *b >= 0x80 => {
                        return InputErrorKind::Malformed(format!(
                            "channel message 0x{status:02X} is missing a data byte (found 0x{b:02X}); the track is damaged"
                        ))
                    }
                    Some(_) => {}
                }
            }
            InputErrorKind::Malformed(format!(
                "channel message 0x{status:02X} cannot be read; the track is damaged"
            ))
        }
        0xFF => match rest.get(data_at) {
            None => cut("a meta event"),
            Some(t) => InputErrorKind::Malformed(format!(
                "meta event 0x{t:02X} runs past the end of the track chunk or holds the wrong number of bytes; the track is damaged"
            )),
        },
        0xF0 | 0xF7 => cut("a SysEx event (its length runs past the end of the track chunk)"),
        s => InputErrorKind::Malformed(format!(
            "status byte 0x{s:02X} is a system message, which a MIDI file cannot hold; the track is damaged"
        )),
    }
}

/// Calls `f` for every event of every track, in track order, with its place and absolute tick.
/// Stops at End of Track. Malformed events are errors naming the track and byte offset.
fn walk<'a>(
    path: &Path,
    layout: &Layout<'a>,
    mut f: impl FnMut(At, TrackEventKind<'a>) -> Result<(), InputError>,
) -> Result<(), InputError> {
    for (track, chunk) in layout.tracks.iter().enumerate() {
        let mut it = EventIter::new(chunk.data);
        let mut tick: i64 = 0;
        loop {
            let rest = it.unread();
            if rest.is_empty() {
                break; // a missing End of Track is tolerated
            }
            let at = At {
                track,
                offset: chunk.data_offset + (chunk.data.len() - rest.len()),
                tick,
            };
            let running = it.running_status();
            let ev = match it.next() {
                Some(Ok(ev)) => ev,
                _ => return Err(InputError::new(path, at.place(), diagnose(rest, running))),
            };
            tick += u32::from(ev.delta) as i64;
            if tick > MAX_TICK {
                return Err(InputError::new(
                    path,
                    at.place(),
                    InputErrorKind::Malformed(format!(
                        "delta times add up to tick {tick}, far beyond {MAX_TIME_SECS} s at any tempo; the delta times are damaged"
                    )),
                ));
            }
            let at = At { tick, ..at };
            if let TrackEventKind::Meta(MetaMessage::EndOfTrack) = ev.kind {
                break;
            }
            f(at, ev.kind)?;
        }
    }
    Ok(())
}

/// The status and data bytes of a channel message (running status resolved).
fn channel_bytes(channel: u4, message: MidiMessage) -> ([u8; 3], usize) {
    let ch = u8::from(channel);
    match message {
        MidiMessage::NoteOff { key, vel } => ([0x80 | ch, key.into(), vel.into()], 3),
        MidiMessage::NoteOn { key, vel } => ([0x90 | ch, key.into(), vel.into()], 3),
        MidiMessage::Aftertouch { key, vel } => ([0xA0 | ch, key.into(), vel.into()], 3),
        MidiMessage::Controller { controller, value } => {
            ([0xB0 | ch, controller.into(), value.into()], 3)
        }
        MidiMessage::ProgramChange { program } => ([0xC0 | ch, program.into(), 0], 2),
        MidiMessage::ChannelAftertouch { vel } => ([0xD0 | ch, vel.into(), 0], 2),
        MidiMessage::PitchBend { bend } => {
            let v = u16::from(bend.0);
            ([0xE0 | ch, (v & 0x7F) as u8, (v >> 7) as u8], 3)
        }
    }
}

/// Tempo meta events, checked where they stand.
fn check_tempo(path: &Path, at: At, us: u32) -> Result<Tempo, InputError> {
    let tempo = Tempo::MicrosPerQuarter(us);
    let err = if us == 0 {
        TempoMapError::TempoZero(at.tick)
    } else if tempo.bpm() > MAX_BPM {
        TempoMapError::AbsurdTempo {
            tick: at.tick,
            bpm: tempo.bpm(),
        }
    } else {
        return Ok(tempo);
    };
    Err(InputError::new(
        path,
        at.place(),
        InputErrorKind::Tempo(err),
    ))
}

/// The tempo map of a PPQ file from its checked tempo events (any track, sorted by tick;
/// a later event at the same tick wins).
fn tempo_map(
    path: &Path,
    ppq: u16,
    tempos: &mut [(Ticks, Tempo)],
    first_signature: TimeSignature,
) -> Result<TempoMap, InputError> {
    tempos.sort_by_key(|t| t.0);
    TempoMap::new(ppq as u32, tempos, first_signature, Ticks(0))
        .map_err(|e| InputError::new(path, Place::File, InputErrorKind::Tempo(e)))
}

fn time_limit_error(path: &Path, at: At, time: Nanos) -> InputError {
    InputError::new(
        path,
        at.place(),
        InputErrorKind::Malformed(format!(
            "event at tick {} falls at {:.0} s, beyond the {MAX_TIME_SECS} s limit; the delta times are damaged",
            at.tick,
            time.as_secs_f64()
        )),
    )
}

fn check_time(path: &Path, at: At, time: Nanos) -> Result<Nanos, InputError> {
    if time > Nanos(MAX_TIME_SECS * 1_000_000_000) {
        Err(time_limit_error(path, at, time))
    } else {
        Ok(time)
    }
}

fn channel_list(counts: &[usize; 16]) -> Vec<u8> {
    (0..16u8)
        .filter(|c| counts[*c as usize] > 0)
        .map(|c| c + 1)
        .collect()
}

fn describe_channels(counts: &[usize; 16]) -> String {
    let list: Vec<String> = (0..16)
        .filter(|c| counts[*c] > 0)
        .map(|c| format!("channel {} ({} notes)", c + 1, counts[c]))
        .collect();
    if list.is_empty() {
        "the file has no notes at all".into()
    } else {
        format!("notes are on {}", list.join(", "))
    }
}

// ---------------------------------------------------------------------------------------------
// Charts.

/// Reads SMF bytes as a chart; `path` is used in errors and as the chart's source.
pub fn read_chart_bytes(
    path: &Path,
    bytes: &[u8],
    opts: &SmfChartOptions,
) -> Result<Chart, InputError> {
    let layout = layout(path, bytes)?;
    let ppq = chart_ppq(path, &layout)?;
    let gm;
    let kit = match &opts.kit {
        Some(k) => k,
        None => {
            gm = KitMap::builtin("gm").ok_or_else(|| {
                InputError::new(
                    path,
                    Place::File,
                    InputErrorKind::Empty("no built-in gm kit map; give a kit map".into()),
                )
            })?;
            &gm
        }
    };

    let mut tempos: Vec<(Ticks, Tempo)> = Vec::new();
    let mut signatures: Vec<(At, TimeSignature)> = Vec::new();
    let mut title: Option<String> = None;
    let mut sections: Vec<(At, String)> = Vec::new();
    // (place, note, velocity) of Note Ons on the drum channels.
    let mut hits: Vec<(At, u8, u8)> = Vec::new();
    let mut per_channel = [0usize; 16];
    walk(path, &layout, |at, kind| {
        match kind {
            TrackEventKind::Midi {
                channel,
                message: MidiMessage::NoteOn { key, vel },
            } if u8::from(vel) > 0 => {
                let ch = u8::from(channel);
                per_channel[ch as usize] += 1;
                if opts.channels.accepts(ch + 1) {
                    hits.push((at, key.into(), vel.into()));
                }
            }
            TrackEventKind::Meta(MetaMessage::Tempo(us)) => {
                tempos.push((Ticks(at.tick), check_tempo(path, at, us.into())?));
            }
            TrackEventKind::Meta(MetaMessage::TimeSignature(n, pow, _, _)) => {
                let denominator = if pow <= 6 { 1u8 << pow } else { 0 };
                let sig = TimeSignature {
                    numerator: n,
                    denominator,
                };
                if n == 0 || denominator == 0 {
                    let shown = if pow <= 6 {
                        format!("{n}/{denominator}")
                    } else {
                        format!("{n}/2^{pow}")
                    };
                    return Err(InputError::new(
                        path,
                        at.place(),
                        InputErrorKind::Tempo(TempoMapError::BadSignature(shown)),
                    ));
                }
                signatures.push((at, sig));
            }
            TrackEventKind::Meta(MetaMessage::TrackName(name))
                if at.track == 0 && title.is_none() =>
            {
                title = Some(String::from_utf8_lossy(name).trim().to_string());
            }
            TrackEventKind::Meta(MetaMessage::Marker(text)) => {
                let name = String::from_utf8_lossy(text).trim().to_string();
                if !name.is_empty() {
                    sections.push((at, name));
                }
            }
            TrackEventKind::Meta(MetaMessage::Text(text)) => {
                if let Some(name) = section_from_text(&String::from_utf8_lossy(text)) {
                    sections.push((at, name));
                }
            }
            _ => {}
        }
        Ok(())
    })?;

    signatures.sort_by_key(|(at, _)| at.tick);
    let first_signature = signatures
        .iter()
        .take_while(|(at, _)| at.tick == 0)
        .last()
        .map(|(_, s)| *s)
        .unwrap_or(TimeSignature::COMMON);
    let mut map = tempo_map(path, ppq, &mut tempos, first_signature).map_err(|mut e| {
        // A signature that does not fit the resolution: name the event.
        if let (InputErrorKind::Tempo(TempoMapError::FractionalBar { .. }), Some((at, _))) =
            (&e.kind, signatures.first())
        {
            e.place = at.place();
        }
        e
    })?;
    for (at, sig) in signatures.iter().filter(|(at, _)| at.tick > 0) {
        map.add_signature_at_tick(Ticks(at.tick), *sig)
            .map_err(|e| InputError::new(path, at.place(), InputErrorKind::Tempo(e)))?;
    }

    let mut notes: Vec<Note> = Vec::with_capacity(hits.len());
    let mut unmapped: Vec<u8> = Vec::new();
    for (at, key, vel) in &hits {
        let Some((lane, articulation)) = kit.lookup(*key) else {
            if !unmapped.contains(key) {
                unmapped.push(*key);
            }
            continue;
        };
        let time = check_time(path, *at, map.time(Ticks(at.tick)))?;
        notes.push(Note {
            time,
            tick: Ticks(at.tick),
            lane,
            articulation,
            dynamic: opts.dynamic(*vel),
        });
    }
    if notes.is_empty() {
        let why = if hits.is_empty() {
            format!(
                "no drum notes on {}: {}; choose the drum channel (or all channels)",
                opts.channels,
                describe_channels(&per_channel)
            )
        } else {
            unmapped.sort_unstable();
            format!(
                "{} notes on {} but none is in the {} drum map (notes used: {:?}); choose a kit map that covers them",
                hits.len(),
                opts.channels,
                kit.name,
                unmapped
            )
        };
        return Err(InputError::new(
            path,
            Place::File,
            InputErrorKind::Empty(why),
        ));
    }
    // Sort by tick then lane (stable: file order breaks ties), keep one note per lane and tick.
    notes.sort_by_key(|n| (n.tick, n.lane));
    notes.dedup_by_key(|n| (n.tick, n.lane));

    sections.sort_by_key(|(at, _)| at.tick);
    sections.dedup_by(|a, b| a.0.tick == b.0.tick && a.1 == b.1);
    let sections = sections
        .into_iter()
        .map(|(at, name)| {
            Ok(Section {
                name,
                tick: Ticks(at.tick),
                time: check_time(path, at, map.time(Ticks(at.tick)))?,
            })
        })
        .collect::<Result<Vec<_>, InputError>>()?;

    let info = ChartInfo {
        title: title.unwrap_or_default(),
        source: path.display().to_string(),
        ..ChartInfo::default()
    };
    Chart::new(info, map, sections, notes)
        .map_err(|e| InputError::new(path, Place::File, InputErrorKind::Chart(e)))
}

/// A section name from a text event written `[section NAME]` or `[prc_NAME]` (the Rock Band
/// convention); other text events are not sections.
fn section_from_text(text: &str) -> Option<String> {
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?;
    let name = inner
        .strip_prefix("section ")
        .or_else(|| inner.strip_prefix("section_"))
        .or_else(|| inner.strip_prefix("prc_"))?
        .trim();
    (!name.is_empty()).then(|| name.to_string())
}

// ---------------------------------------------------------------------------------------------
// Helpers for the other MIDI-based chart reader (`formats::rockband`), which needs the same
// container walk and error places.

/// The resolution of a file read as a chart: SMPTE division has no beat grid and is refused,
/// naming the division's byte.
fn chart_ppq(path: &Path, layout: &Layout) -> Result<u16, InputError> {
    match layout.division {
        Division::Ppq(p) => Ok(p),
        Division::Smpte { .. } => Err(InputError::new(
            path,
            Place::Byte {
                track: None,
                offset: layout.division_offset,
            },
            InputErrorKind::SmpteChart,
        )),
    }
}

/// Walks every event of every track of a PPQ-timed file, calling
/// `f(track, byte offset, tick, event)`; SMPTE time division is refused as for charts. Returns
/// the resolution in ticks per quarter note.
pub(crate) fn walk_ppq_events<'a>(
    path: &Path,
    bytes: &'a [u8],
    mut f: impl FnMut(usize, usize, i64, TrackEventKind<'a>) -> Result<(), InputError>,
) -> Result<u16, InputError> {
    let layout = layout(path, bytes)?;
    let ppq = chart_ppq(path, &layout)?;
    walk(path, &layout, |at, kind| {
        f(at.track, at.offset, at.tick, kind)
    })?;
    Ok(ppq)
}

/// [`section_from_text`] for other readers.
pub(crate) fn section_name(text: &str) -> Option<String> {
    section_from_text(text)
}

// ---------------------------------------------------------------------------------------------
// Takes.

/// Reads SMF bytes as one player's events; `path` is used in errors.
pub fn read_events_bytes(
    path: &Path,
    bytes: &[u8],
    opts: &SmfTakeOptions,
) -> Result<SmfEvents, InputError> {
    let layout = layout(path, bytes)?;
    let sel = opts.selector;
    if let Some(t) = sel.track {
        if t >= layout.tracks.len() {
            return Err(InputError::new(
                path,
                Place::Item(format!("#track={t}")),
                InputErrorKind::Empty(format!(
                    "track {t} does not exist: the file has {} tracks, numbered from 0 to {}",
                    layout.tracks.len(),
                    layout.tracks.len() - 1
                )),
            ));
        }
    }
    let mut tempos: Vec<(Ticks, Tempo)> = Vec::new();
    let mut picked: Vec<(At, [u8; 3], usize)> = Vec::new();
    let mut per_channel = [0usize; 16];
    let mut per_channel_in_track = [0usize; 16];
    let mut picked_note_ons = 0usize;
    walk(path, &layout, |at, kind| {
        match kind {
            TrackEventKind::Midi { channel, message } => {
                let ch = u8::from(channel);
                let note_on =
                    matches!(message, MidiMessage::NoteOn { vel, .. } if u8::from(vel) > 0);
                let in_track = sel.track.map_or(true, |t| t == at.track);
                if note_on {
                    per_channel[ch as usize] += 1;
                    if in_track {
                        per_channel_in_track[ch as usize] += 1;
                    }
                }
                if in_track && sel.channel.map_or(true, |c| c == ch + 1) {
                    picked_note_ons += note_on as usize;
                    let (b, n) = channel_bytes(channel, message);
                    picked.push((at, b, n));
                }
            }
            TrackEventKind::Meta(MetaMessage::Tempo(us)) => {
                if matches!(layout.division, Division::Ppq(_)) {
                    tempos.push((Ticks(at.tick), check_tempo(path, at, us.into())?));
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    if picked_note_ons == 0 {
        let place = if sel.is_all() {
            Place::File
        } else {
            Place::Item(format!("#{sel}"))
        };
        let scope = match sel.track {
            Some(t) => format!("in track {t}, "),
            None => String::new(),
        };
        return Err(InputError::new(
            path,
            place,
            InputErrorKind::Empty(format!(
                "no notes for this player: {scope}{}; choose another track or channel",
                describe_channels(&per_channel_in_track)
            )),
        ));
    }
    let tempo_map = match layout.division {
        Division::Ppq(ppq) => Some(tempo_map(path, ppq, &mut tempos, TimeSignature::COMMON)?),
        Division::Smpte { .. } => None,
    };
    let mut events = Vec::with_capacity(picked.len());
    for (at, b, n) in picked {
        let time = match &tempo_map {
            Some(m) => m.time(Ticks(at.tick)),
            None => layout.division.smpte_time(at.tick).unwrap_or(Nanos::MAX),
        };
        let time = check_time(path, at, time)?;
        events.push(RawEvent::new(time, opts.port, &b[..n]));
    }
    // Tracks were walked one after another: a stable sort merges them.
    events.sort_by_key(|e| e.time);
    Ok(SmfEvents {
        events,
        division: layout.division,
        tempo_map,
        tracks: layout.tracks.len(),
        channels_with_notes: channel_list(&per_channel),
    })
}

// ---------------------------------------------------------------------------------------------
// Writers.

/// Events of one track being written, at absolute ticks.
struct TrackOut<'a> {
    /// (tick, order rank at the same tick, sequence, event)
    events: Vec<(i64, u8, usize, TrackEventKind<'a>)>,
}

impl<'a> TrackOut<'a> {
    fn new() -> Self {
        TrackOut { events: Vec::new() }
    }

    fn push(&mut self, tick: i64, rank: u8, kind: TrackEventKind<'a>) {
        let seq = self.events.len();
        self.events.push((tick.max(0), rank, seq, kind));
    }

    /// Sorted events with delta times; deltas too long for SMF (2^28 - 1 ticks) are bridged
    /// with empty text events.
    fn finish(mut self) -> Vec<TrackEvent<'a>> {
        self.events.sort_by_key(|e| (e.0, e.1, e.2));
        let mut out = Vec::with_capacity(self.events.len() + 1);
        let mut last = 0i64;
        let max = u32::from(u28::max_value()) as i64;
        for (tick, _, _, kind) in self.events {
            let mut delta = tick - last;
            while delta > max {
                out.push(TrackEvent {
                    delta: u28::max_value(),
                    kind: TrackEventKind::Meta(MetaMessage::Text(b"")),
                });
                delta -= max;
            }
            out.push(TrackEvent {
                delta: u28::new(delta as u32),
                kind,
            });
            last = tick;
        }
        out.push(TrackEvent {
            delta: u28::new(0),
            kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
        });
        out
    }
}

fn midi(channel_1: u8, message: MidiMessage) -> TrackEventKind<'static> {
    TrackEventKind::Midi {
        channel: u4::new(channel_1.saturating_sub(1)),
        message,
    }
}

/// The tempo track: name, time signatures (scaled to `scale`), tempos, and extra events.
fn tempo_track<'a>(map: &TempoMap, name: &'a [u8], scale: &impl Fn(i64) -> i64) -> TrackOut<'a> {
    let mut t = TrackOut::new();
    if !name.is_empty() {
        t.push(0, 0, TrackEventKind::Meta(MetaMessage::TrackName(name)));
    }
    let ppq = map.ppq() as i64;
    for (i, s) in map.signatures().enumerate() {
        let sig = s.signature;
        if i == 0 && map.pickup().0 > 0 {
            // MIDI has no pickup bar: write it as a short bar of its own.
            if let Some(short) = pickup_signature(map.pickup().0, ppq, sig) {
                t.push(0, 1, ts_event(short));
                t.push(scale(map.pickup().0), 1, ts_event(sig));
                continue;
            }
        }
        t.push(scale(s.tick.0), 1, ts_event(sig));
    }
    for c in map.tempos() {
        let us = c
            .tempo
            .micros_per_quarter()
            .clamp(1, u32::from(u24::max_value()));
        t.push(
            scale(c.tick.0),
            2,
            TrackEventKind::Meta(MetaMessage::Tempo(u24::new(us))),
        );
    }
    t
}

/// A signature whose bar is exactly `pickup` ticks long, if one exists.
fn pickup_signature(pickup: i64, ppq: i64, sig: TimeSignature) -> Option<TimeSignature> {
    [sig.denominator, 4, 8, 16, 32, 64].iter().find_map(|&d| {
        let whole = 4 * ppq;
        let n = pickup * d as i64;
        (d > 0 && n % whole == 0 && (1..=255).contains(&(n / whole))).then(|| TimeSignature {
            numerator: (n / whole) as u8,
            denominator: d,
        })
    })
}

fn ts_event(sig: TimeSignature) -> TrackEventKind<'static> {
    let pow = sig.denominator.max(1).trailing_zeros() as u8;
    let clocks = (96 / sig.denominator.max(1) as u32).max(1) as u8;
    TrackEventKind::Meta(MetaMessage::TimeSignature(sig.numerator, pow, clocks, 8))
}

fn write_smf(ppq: u16, tracks: Vec<Vec<TrackEvent<'_>>>) -> Vec<u8> {
    let header = midly::Header::new(
        midly::Format::Parallel,
        midly::Timing::Metrical(u15::new(ppq.clamp(1, 32767))),
    );
    let mut out = Vec::new();
    // Writing to memory only fails past SMF size limits (events of 256 MB), which the callers
    // cannot reach; such a file is left empty.
    if midly::write_std(&header, tracks.iter(), &mut out).is_err() {
        out.clear();
    }
    out
}

/// Writes a chart as a type 1 SMF at `ppq` ticks per quarter (default: the chart's own).
///
/// Track 0 holds the title as track name, the time signatures, the tempos (as microseconds per
/// quarter, rounded for BPM tempos) and one marker per section. Track 1 (`drums`) holds the notes
/// on channel 10, General MIDI notes by [`gm_note`], velocity by [`velocity_for`], each a 32nd
/// note long (shorter if the same note comes again sooner). A pickup bar is written as a short
/// bar of its own. Ticks are rescaled to `ppq`, exactly when it is a multiple of the chart's.
pub fn write_chart(chart: &Chart, ppq: Option<u16>) -> Vec<u8> {
    let map = &chart.tempo_map;
    let src = map.ppq().max(1) as i128;
    let dst = ppq.unwrap_or(map.ppq() as u16).clamp(1, 32767);
    let scale = |t: i64| -> i64 {
        let a = t as i128 * dst as i128;
        (2 * a + src).div_euclid(2 * src) as i64
    };
    let title = chart.info.title.as_bytes();
    let title = &title[..title.len().min(1024)];
    let mut tempo = tempo_track(map, title, &scale);
    for s in &chart.sections {
        let name = s.name.as_bytes();
        tempo.push(
            scale(s.tick.0),
            3,
            TrackEventKind::Meta(MetaMessage::Marker(&name[..name.len().min(1024)])),
        );
    }

    let mut drums = TrackOut::new();
    drums.push(0, 0, TrackEventKind::Meta(MetaMessage::TrackName(b"drums")));
    let mut note_of: std::collections::HashMap<(Lane, Option<Articulation>), u8> =
        Default::default();
    let notes: Vec<(i64, u8, u8)> = chart
        .notes
        .iter()
        .map(|n| {
            let key = *note_of
                .entry((n.lane, n.articulation))
                .or_insert_with(|| gm_note(n.lane, n.articulation));
            (scale(n.tick.0), key, velocity_for(n.dynamic))
        })
        .collect();
    let length = (dst as i64 / 8).max(1);
    let mut last_on: std::collections::HashMap<u8, i64> = Default::default();
    for (i, &(tick, key, vel)) in notes.iter().enumerate() {
        if last_on.get(&key) == Some(&tick) {
            continue; // two lanes written as one note at the same tick
        }
        last_on.insert(key, tick);
        let next = notes[i + 1..]
            .iter()
            .find(|(t, k, _)| *k == key && *t > tick)
            .map(|(t, _, _)| *t - tick)
            .unwrap_or(length);
        let off = tick + length.min(next).max(1);
        drums.push(
            tick,
            2,
            midi(
                10,
                MidiMessage::NoteOn {
                    key: u7::new(key),
                    vel: u7::new(vel),
                },
            ),
        );
        drums.push(
            off,
            1,
            midi(
                10,
                MidiMessage::NoteOff {
                    key: u7::new(key),
                    vel: u7::new(64),
                },
            ),
        );
    }
    write_smf(dst, vec![tempo.finish(), drums.finish()])
}

/// Resolution of [`write_take`] files without a grid: 30000 PPQ at 1000 BPM, 2 µs per tick.
const TAKE_PPQ: u32 = 30_000;
const TAKE_TEMPO_US: u32 = 60_000;

/// Writes a take as a type 1 SMF: track 0 holds the tempo map and the take's source as track
/// name; track 1 holds a Note On per hit (its source note and channel, original velocity) with a
/// Note Off 10 ms later (sooner if the same note comes again), the hi-hat pedal as CC4 on the
/// channel of the first hit, and chokes as polyphonic aftertouch 127.
///
/// `grid` places ticks on a chart's tempo map (times rounded to the nearest tick); without it the
/// file uses 30000 PPQ at 1000 BPM, so every time is kept to 2 µs. Events before time zero are
/// written at tick 0.
pub fn write_take(take: &Take, grid: Option<&TempoMap>) -> Vec<u8> {
    let own;
    let map = match grid {
        Some(m) => m,
        None => match TempoMap::constant(
            TAKE_PPQ,
            Tempo::MicrosPerQuarter(TAKE_TEMPO_US),
            TimeSignature::COMMON,
        ) {
            Ok(m) => {
                own = m;
                &own
            }
            Err(_) => return Vec::new(),
        },
    };
    let tick = |t: Nanos| map.tick(t).0.max(0);
    let name = take.source.as_bytes();
    let tempo = tempo_track(map, &name[..name.len().min(1024)], &|t| t);

    let mut track = TrackOut::new();
    track.push(0, 0, TrackEventKind::Meta(MetaMessage::TrackName(b"take")));
    let off_after = Nanos::from_millis(10);
    for (i, h) in take.hits.iter().enumerate() {
        let ch = h.source.channel.clamp(1, 16);
        let key = u7::new(h.source.note);
        let on = tick(h.time);
        let next = take.hits[i + 1..]
            .iter()
            .find(|n| {
                n.source.note == h.source.note
                    && n.source.channel == h.source.channel
                    && n.time > h.time
            })
            .map(|n| tick(n.time));
        let mut off = tick(h.time.saturating_add(off_after));
        if let Some(n) = next {
            off = off.min(n);
        }
        track.push(
            on,
            3,
            midi(
                ch,
                MidiMessage::NoteOn {
                    key,
                    vel: u7::new(h.velocity.max(1)),
                },
            ),
        );
        track.push(
            off.max(on + 1),
            1,
            midi(
                ch,
                MidiMessage::NoteOff {
                    key,
                    vel: u7::new(64),
                },
            ),
        );
    }
    let pedal_channel = take
        .hits
        .first()
        .map(|h| h.source.channel.clamp(1, 16))
        .unwrap_or(10);
    for p in &take.pedal {
        track.push(
            tick(p.time),
            2,
            midi(
                pedal_channel,
                MidiMessage::Controller {
                    controller: u7::new(4),
                    value: u7::new(p.value),
                },
            ),
        );
    }
    for c in &take.chokes {
        track.push(
            tick(c.time),
            4,
            midi(
                c.source.channel.clamp(1, 16),
                MidiMessage::Aftertouch {
                    key: u7::new(c.source.note),
                    vel: u7::new(127),
                },
            ),
        );
    }
    write_smf(map.ppq() as u16, vec![tempo.finish(), track.finish()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::take::{Hit, PedalSample, Source};
    use crate::testdata::{crate_path, data_dir};
    use proptest::prelude::*;
    use std::path::PathBuf;

    // --- Building SMF bytes by hand --------------------------------------------------------

    fn vlq(mut n: u32) -> Vec<u8> {
        let mut out = vec![(n & 0x7F) as u8];
        n >>= 7;
        while n > 0 {
            out.insert(0, 0x80 | (n & 0x7F) as u8);
            n >>= 7;
        }
        out
    }

    /// Track data (without the chunk header).
    #[derive(Default, Clone)]
    struct Trk(Vec<u8>);

    impl Trk {
        fn ev(mut self, delta: u32, bytes: &[u8]) -> Trk {
            self.0.extend(vlq(delta));
            self.0.extend_from_slice(bytes);
            self
        }
        fn meta(self, delta: u32, kind: u8, data: &[u8]) -> Trk {
            let mut b = vec![0xFF, kind];
            b.extend(vlq(data.len() as u32));
            b.extend_from_slice(data);
            self.ev(delta, &b)
        }
        fn tempo(self, delta: u32, us: u32) -> Trk {
            self.meta(delta, 0x51, &us.to_be_bytes()[1..])
        }
        fn sig(self, delta: u32, n: u8, pow: u8) -> Trk {
            self.meta(delta, 0x58, &[n, pow, 24, 8])
        }
        fn name(self, delta: u32, s: &str) -> Trk {
            self.meta(delta, 0x03, s.as_bytes())
        }
        /// Note On then Note Off (as velocity 0) one tick later, full status bytes.
        fn hit(self, delta: u32, ch: u8, key: u8, vel: u8) -> Trk {
            self.ev(delta, &[0x90 | (ch - 1), key, vel])
                .ev(1, &[0x90 | (ch - 1), key, 0])
        }
        fn end(self) -> Vec<u8> {
            self.meta(0, 0x2F, &[]).0
        }
    }

    fn chunk(id: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = id.to_vec();
        out.extend((data.len() as u32).to_be_bytes());
        out.extend_from_slice(data);
        out
    }

    fn smf(format: u16, division: u16, tracks: &[Vec<u8>]) -> Vec<u8> {
        smf_declaring(format, tracks.len() as u16, division, tracks)
    }

    fn smf_declaring(format: u16, ntrks: u16, division: u16, tracks: &[Vec<u8>]) -> Vec<u8> {
        let mut h = Vec::new();
        h.extend(format.to_be_bytes());
        h.extend(ntrks.to_be_bytes());
        h.extend(division.to_be_bytes());
        let mut out = chunk(b"MThd", &h);
        for t in tracks {
            out.extend(chunk(b"MTrk", t));
        }
        out
    }

    /// Writes a fixture (only when its content changed) and returns its path.
    fn fixture(rel: &str, bytes: &[u8]) -> PathBuf {
        let path = crate_path(rel);
        if std::fs::read(&path).ok().as_deref() != Some(bytes) {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
        }
        path
    }

    fn chart_opts() -> SmfChartOptions {
        SmfChartOptions::default()
    }

    fn take_opts(sel: &str) -> SmfTakeOptions {
        SmfTakeOptions {
            selector: sel.parse().unwrap(),
            port: 0,
        }
    }

    fn ms(v: i64) -> Nanos {
        Nanos::from_millis(v)
    }

    /// The bytes of every Note On with velocity > 0, with times.
    fn note_ons(ev: &SmfEvents) -> Vec<(Nanos, u8, u8, u8)> {
        ev.events
            .iter()
            .filter_map(|e| match e.decode()? {
                wmidi::MidiMessage::NoteOn(ch, note, vel) => {
                    Some((e.time, ch.number(), u8::from(note), u8::from(vel)))
                }
                _ => None,
            })
            .collect()
    }

    fn lanes(chart: &Chart) -> Vec<(Nanos, Lane)> {
        chart.notes.iter().map(|n| (n.time, n.lane)).collect()
    }

    fn byte_place(e: &InputError) -> (Option<usize>, usize) {
        match e.place {
            Place::Byte { track, offset } => (track, offset),
            ref p => panic!("expected a byte place, got {p:?} in {e}"),
        }
    }

    // --- Charts ------------------------------------------------------------------------------

    /// Type 0, 480 PPQ, 120 BPM; kick, snare and hi-hat written with running status and
    /// Note On velocity 0 as note-off.
    fn type0_running_status() -> Vec<u8> {
        let t = Trk::default()
            .tempo(0, 500_000)
            .ev(0, &[0x99, 36, 100]) // kick, status byte
            .ev(0, &[42, 90]) // hi-hat, running status
            .ev(10, &[36, 0]) // kick off as velocity 0, running status
            .ev(0, &[42, 0])
            .ev(470, &[38, 100]) // snare at beat 2 (tick 480)
            .ev(10, &[0x89, 38, 64]) // a real Note Off
            .ev(470, &[0x99, 42, 90]) // hi-hat at tick 960
            .ev(10, &[42, 0])
            .end();
        smf(0, 480, &[t])
    }

    #[test]
    fn type0_with_running_status_and_velocity_zero_note_offs() {
        let path = fixture(
            "fixtures/smf/type0-ppq480-running-status-vel0-noteoff.mid",
            &type0_running_status(),
        );
        let chart = read_chart(&path, &chart_opts()).unwrap();
        assert_eq!(
            lanes(&chart),
            vec![
                (ms(0), Lane::Kick),
                (ms(0), Lane::Hihat),
                (ms(500), Lane::Snare),
                (ms(1000), Lane::Hihat)
            ],
            "velocity-0 Note Ons must not become notes"
        );
        let ev = read_events(&path, &take_opts("")).unwrap();
        assert_eq!(ev.events.len(), 8, "every channel message is returned");
        assert_eq!(note_ons(&ev).len(), 4);
        // Running status resolved; velocity 0 kept as stored, decoded by wmidi as Note Off.
        let e = ev.events[2];
        assert_eq!(e.message(), &[0x99, 36, 0]);
        assert!(matches!(e.decode(), Some(wmidi::MidiMessage::NoteOff(..))));
        assert_eq!(ev.events[5].message(), &[0x89, 38, 64]);
        assert_eq!(ev.division, Division::Ppq(480));
    }

    #[test]
    fn any_resolution_gives_the_same_times() {
        for ppq in [96u16, 192, 480, 960] {
            let q = ppq as u32;
            let t = Trk::default()
                .tempo(0, 600_000) // 100 BPM
                .hit(0, 10, 36, 100)
                .hit(q - 1, 10, 38, 100) // beat 2
                .hit(q / 2 - 1, 10, 42, 100) // beat 2 and a half
                .hit(q * 2 + q / 2 - 1, 10, 49, 100) // bar 2
                .end();
            let chart =
                read_chart_bytes(Path::new("ppq.mid"), &smf(0, ppq, &[t]), &chart_opts()).unwrap();
            assert_eq!(
                lanes(&chart),
                vec![
                    (ms(0), Lane::Kick),
                    (ms(600), Lane::Snare),
                    (ms(900), Lane::Hihat),
                    (ms(2400), Lane::Crash)
                ],
                "at {ppq} PPQ"
            );
            assert_eq!(chart.tempo_map.ppq(), ppq as u32);
            let pos = chart.tempo_map.position(chart.notes[3].tick);
            assert_eq!((pos.bar, pos.beat, pos.tick), (2, 1, 0), "at {ppq} PPQ");
        }
    }

    /// Type 1, 96 PPQ: 120 BPM, 60 BPM from bar 2, 3/4 from bar 3; notes in track 1.
    fn type1_tempo_change() -> Vec<u8> {
        let tempo = Trk::default()
            .name(0, "Tempo Test")
            .sig(0, 4, 2)
            .tempo(0, 500_000)
            .meta(384, 0x06, b"Verse")
            .tempo(0, 1_000_000)
            .sig(384, 3, 2)
            .meta(0, 0x01, b"[section chorus]")
            .meta(0, 0x01, b"just a comment")
            .end();
        let drums = Trk::default()
            .name(0, "drums")
            .hit(0, 10, 36, 100) // 1:1, 0 s
            .hit(383, 10, 38, 100) // 2:1, tick 384, 2 s
            .hit(95, 10, 42, 100) // 2:2, tick 480, 3 s
            .hit(287, 10, 49, 100) // 3:1, tick 768, 6 s
            .hit(95, 10, 51, 100) // 3:2, tick 864, 7 s
            .hit(191, 10, 36, 100) // 4:1, tick 1056, 9 s
            .end();
        smf(1, 96, &[tempo, drums])
    }

    #[test]
    fn tempo_and_signature_changes_give_exact_times_and_positions() {
        let path = fixture(
            "fixtures/smf/type1-ppq96-tempo-change-3-4.mid",
            &type1_tempo_change(),
        );
        let chart = read_chart(&path, &chart_opts()).unwrap();
        let got: Vec<(i64, String)> = chart
            .notes
            .iter()
            .map(|n| {
                let p = chart.tempo_map.position(n.tick);
                (n.time.0, format!("{}:{}", p.bar, p.beat))
            })
            .collect();
        let want: Vec<(i64, String)> = [
            (0, "1:1"),
            (2_000_000_000, "2:1"),
            (3_000_000_000, "2:2"),
            (6_000_000_000, "3:1"),
            (7_000_000_000, "3:2"),
            (9_000_000_000, "4:1"),
        ]
        .iter()
        .map(|(t, p)| (*t, p.to_string()))
        .collect();
        assert_eq!(got, want);
        assert_eq!(chart.info.title, "Tempo Test");
        let sections: Vec<(&str, Nanos)> = chart
            .sections
            .iter()
            .map(|s| (s.name.as_str(), s.time))
            .collect();
        assert_eq!(sections, vec![("Verse", ms(2000)), ("chorus", ms(6000))]);
    }

    #[test]
    fn dynamics_follow_velocity() {
        let t = Trk::default()
            .hit(0, 10, 38, 40)
            .hit(99, 10, 38, 41)
            .hit(99, 10, 38, 109)
            .hit(99, 10, 38, 110)
            .end();
        let chart =
            read_chart_bytes(Path::new("d.mid"), &smf(0, 100, &[t]), &chart_opts()).unwrap();
        let dyns: Vec<Dynamic> = chart.notes.iter().map(|n| n.dynamic).collect();
        use Dynamic::*;
        assert_eq!(dyns, vec![Ghost, Normal, Normal, Accent]);
    }

    #[test]
    fn duplicate_notes_on_a_lane_and_tick_are_kept_once() {
        let t = Trk::default()
            .ev(0, &[0x99, 38, 100])
            .ev(0, &[0x99, 38, 80])
            .ev(0, &[0x99, 40, 80]) // snare rim: same lane, same tick
            .ev(0, &[0x99, 36, 80])
            .end();
        let chart =
            read_chart_bytes(Path::new("dup.mid"), &smf(0, 480, &[t]), &chart_opts()).unwrap();
        assert_eq!(
            lanes(&chart),
            vec![(ms(0), Lane::Kick), (ms(0), Lane::Snare)]
        );
        assert_eq!(
            chart.notes[1].articulation,
            Some(Articulation::Head),
            "the first in file order is kept"
        );
    }

    #[test]
    fn drum_channel_is_selectable() {
        let t = Trk::default()
            .hit(0, 10, 36, 100)
            .hit(99, 1, 38, 100)
            .hit(99, 2, 42, 100)
            .end();
        let bytes = smf(0, 100, &[t]);
        let read = |channels| {
            let opts = SmfChartOptions {
                channels,
                ..chart_opts()
            };
            read_chart_bytes(Path::new("ch.mid"), &bytes, &opts)
                .unwrap()
                .notes
                .iter()
                .map(|n| n.lane)
                .collect::<Vec<_>>()
        };
        assert_eq!(read(ChannelFilter::Only(10)), vec![Lane::Kick]);
        assert_eq!(read(ChannelFilter::Only(1)), vec![Lane::Snare]);
        assert_eq!(
            read(ChannelFilter::All),
            vec![Lane::Kick, Lane::Snare, Lane::Hihat]
        );
    }

    // --- Takes -------------------------------------------------------------------------------

    /// Two players in one type 0 file: player A on channel 10, player B on channel 11.
    fn duo_by_channel() -> Vec<u8> {
        let t = Trk::default()
            .hit(0, 10, 36, 100)
            .hit(0, 11, 36, 90) // B, same time
            .hit(478, 11, 38, 80) // B at tick 480 (delta counts the two note-offs)
            .hit(9, 10, 38, 70) // A at tick 490
            .ev(0, &[0xBA, 4, 127]) // B's hi-hat pedal
            .end();
        smf(0, 480, &[t])
    }

    #[test]
    fn one_file_two_players_split_by_channel() {
        let path = fixture(
            "fixtures/smf/duo-type0-channels-10-11.mid",
            &duo_by_channel(),
        );
        let a = read_events(&path, &take_opts("channel=10")).unwrap();
        let b = read_events(&path, &take_opts("channel=11")).unwrap();
        // At 480 PPQ and 120 BPM a tick lasts 1_041_666.67 ns.
        assert_eq!(
            note_ons(&a),
            vec![(ms(0), 10, 36, 100), (Nanos(510_416_667), 10, 38, 70)]
        );
        assert_eq!(
            note_ons(&b),
            vec![(Nanos(1_041_667), 11, 36, 90), (ms(500), 11, 38, 80)]
        );
        assert!(
            b.events.iter().any(|e| e.message() == [0xBA, 4, 127]),
            "CC4 kept for player B"
        );
        assert_eq!(a.channels_with_notes, vec![10, 11]);
        let err = read_events(&path, &take_opts("channel=3")).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("channel 10 (2 notes)") && msg.contains("channel 11 (2 notes)"),
            "{msg}"
        );
        assert!(msg.contains("#channel=3"), "{msg}");
    }

    #[test]
    fn one_file_two_players_split_by_track() {
        let tempo = Trk::default().tempo(0, 1_000_000).end();
        let a = Trk::default()
            .hit(0, 10, 36, 100)
            .hit(99, 10, 38, 100)
            .end();
        let b = Trk::default().hit(50, 10, 36, 90).end();
        let path = fixture(
            "fixtures/smf/duo-type1-tracks-1-2-same-channel.mid",
            &smf(1, 100, &[tempo, a, b]),
        );
        let pa = read_events(&path, &take_opts("track=1")).unwrap();
        let pb = read_events(&path, &take_opts("track=2")).unwrap();
        let both = read_events(&path, &take_opts("")).unwrap();
        assert_eq!(
            note_ons(&pa),
            vec![(ms(0), 10, 36, 100), (ms(1000), 10, 38, 100)]
        );
        assert_eq!(note_ons(&pb), vec![(ms(500), 10, 36, 90)]);
        assert_eq!(note_ons(&both).len(), 3);
        assert_eq!(note_ons(&both)[1].0, ms(500), "tracks merged in time order");
        let err = read_events(&path, &take_opts("track=3")).unwrap_err();
        assert!(err.to_string().contains("numbered from 0 to 2"), "{err}");
        let err = read_events(&path, &take_opts("track=0")).unwrap_err();
        assert!(err.to_string().contains("in track 0"), "{err}");
    }

    #[test]
    fn smpte_division_times_takes_without_tempo() {
        // 25 fps x 40 ticks per frame = 1 ms per tick; the tempo event does not matter.
        let t = Trk::default()
            .tempo(0, 250_000)
            .hit(0, 10, 36, 100)
            .hit(1233, 10, 38, 100)
            .end();
        let division = (((-25i8) as u8 as u16) << 8) | 40;
        let path = fixture(
            "fixtures/smf/smpte-25fps-40tpf-take.mid",
            &smf(0, division, &[t]),
        );
        let ev = read_events(&path, &take_opts("")).unwrap();
        assert_eq!(
            ev.division,
            Division::Smpte {
                frames_per_second: 25,
                ticks_per_frame: 40
            }
        );
        assert!(ev.tempo_map.is_none());
        assert_eq!(
            note_ons(&ev),
            vec![(ms(0), 10, 36, 100), (ms(1234), 10, 38, 100)]
        );
        // 29.97 drop-frame: 30000/1001 frames per second.
        let d = Division::Smpte {
            frames_per_second: 29,
            ticks_per_frame: 100,
        };
        assert_eq!(d.smpte_time(3000), Some(Nanos(1_001_000_000)));
    }

    #[test]
    fn groove_midi_dataset_files_keep_every_note_on() {
        let Some(dir) = data_dir() else { return };
        let mut files = 0;
        for drummer in std::fs::read_dir(dir.join("gmd")).unwrap() {
            let session = drummer.unwrap().path().join("eval_session");
            let Ok(list) = std::fs::read_dir(&session) else {
                continue;
            };
            for f in list {
                let path = f.unwrap().path();
                if path.extension().and_then(|e| e.to_str()) != Some("mid") {
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                // Independent count with midly's own parser.
                let smf = midly::Smf::parse(&bytes).unwrap();
                let expected = smf
                    .tracks
                    .iter()
                    .flatten()
                    .filter(|e| {
                        matches!(e.kind, TrackEventKind::Midi { message: MidiMessage::NoteOn { vel, .. }, .. } if u8::from(vel) > 0)
                    })
                    .count();
                let ev = read_events(&path, &take_opts("")).unwrap();
                assert_eq!(note_ons(&ev).len(), expected, "{}", path.display());
                assert!(expected > 100, "{}", path.display());
                assert!(ev.events.windows(2).all(|w| w[0].time <= w[1].time));
                let chart = read_chart(&path, &chart_opts()).unwrap();
                assert!(!chart.notes.is_empty());
                files += 1;
            }
        }
        assert_eq!(files, 20, "the 20 GMD eval-session files");
    }

    // --- Writers -----------------------------------------------------------------------------

    fn sample_chart() -> Chart {
        let mut map = TempoMap::new(
            480,
            &[
                (Ticks(0), Tempo::MicrosPerQuarter(500_000)),
                (Ticks(1920), Tempo::MicrosPerQuarter(400_000)),
            ],
            TimeSignature::COMMON,
            Ticks(0),
        )
        .unwrap();
        map.add_signature_at_tick(
            Ticks(3840),
            TimeSignature {
                numerator: 7,
                denominator: 8,
            },
        )
        .unwrap();
        let spec: &[(i64, Lane, Option<Articulation>, Dynamic)] = &[
            (0, Lane::Kick, None, Dynamic::Normal),
            (0, Lane::Crash, None, Dynamic::Accent),
            (240, Lane::Hihat, Some(Articulation::Closed), Dynamic::Ghost),
            (480, Lane::Snare, Some(Articulation::Head), Dynamic::Normal),
            (480, Lane::Hihat, Some(Articulation::Open), Dynamic::Normal),
            (
                720,
                Lane::Snare,
                Some(Articulation::CrossStick),
                Dynamic::Ghost,
            ),
            (1920, Lane::Ride, Some(Articulation::Bell), Dynamic::Normal),
            (1921, Lane::Tom1, None, Dynamic::Normal),
            (2000, Lane::Tom2, None, Dynamic::Normal),
            (2100, Lane::Tom3, None, Dynamic::Normal),
            (3840, Lane::HihatPedal, None, Dynamic::Normal),
            (3840, Lane::Snare, Some(Articulation::Rim), Dynamic::Accent),
            (4080, Lane::China, None, Dynamic::Normal),
            (4080, Lane::Splash, None, Dynamic::Normal),
        ];
        let notes = spec
            .iter()
            .map(|&(t, lane, articulation, dynamic)| Note {
                time: map.time(Ticks(t)),
                tick: Ticks(t),
                lane,
                articulation,
                dynamic,
            })
            .collect();
        let sections = vec![
            Section {
                name: "intro".into(),
                tick: Ticks(0),
                time: Nanos(0),
            },
            Section {
                name: "odd bar".into(),
                tick: Ticks(3840),
                time: map.time(Ticks(3840)),
            },
        ];
        let info = ChartInfo {
            title: "Round Trip".into(),
            ..ChartInfo::default()
        };
        Chart::new(info, map, sections, notes).unwrap()
    }

    #[test]
    fn written_chart_reads_back_the_same() {
        let chart = sample_chart();
        let bytes = write_chart(&chart, None);
        let path = fixture("fixtures/smf/written-chart-type1-ppq480-7-8.mid", &bytes);
        let back = read_chart(&path, &chart_opts()).unwrap();
        assert_eq!(back.notes, chart.notes);
        assert_eq!(back.sections, chart.sections);
        assert_eq!(back.info.title, "Round Trip");
        assert_eq!(back.tempo_map, chart.tempo_map);

        // At twice the resolution, ticks double and times stay exact.
        let back = read_chart_bytes(
            Path::new("x.mid"),
            &write_chart(&chart, Some(960)),
            &chart_opts(),
        )
        .unwrap();
        let times = |c: &Chart| c.notes.iter().map(|n| (n.time, n.lane)).collect::<Vec<_>>();
        assert_eq!(times(&back), times(&chart));
        assert_eq!(back.notes[2].tick, Ticks(480));
        assert_eq!(
            back.tempo_map
                .position(back.notes.last().unwrap().tick)
                .to_string(),
            chart
                .tempo_map
                .position(chart.notes.last().unwrap().tick)
                .to_string()
        );
    }

    #[test]
    fn written_chart_keeps_a_pickup_as_a_short_bar() {
        let map = TempoMap::new(
            480,
            &[(Ticks(0), Tempo::from_bpm(90.0))],
            TimeSignature::COMMON,
            Ticks(480),
        )
        .unwrap();
        let note = |t: i64| Note {
            time: map.time(Ticks(t)),
            tick: Ticks(t),
            lane: Lane::Kick,
            articulation: None,
            dynamic: Dynamic::Normal,
        };
        let chart = Chart::new(
            ChartInfo::default(),
            map.clone(),
            vec![],
            vec![note(0), note(480)],
        )
        .unwrap();
        let back = read_chart_bytes(
            Path::new("p.mid"),
            &write_chart(&chart, None),
            &chart_opts(),
        )
        .unwrap();
        // 90 BPM is 666_666.67 µs per quarter, written as 666_667: times within 1 µs.
        for (a, b) in back.notes.iter().zip(&chart.notes) {
            assert!((a.time - b.time).abs() <= Nanos(1_000), "{a:?} vs {b:?}");
        }
        let sigs: Vec<String> = back
            .tempo_map
            .signatures()
            .map(|s| s.signature.to_string())
            .collect();
        assert_eq!(sigs, vec!["1/4", "4/4"]);
    }

    #[test]
    fn written_take_reads_back_the_same() {
        let hit = |us: i64, note: u8, channel: u8, velocity: u8| Hit {
            time: Nanos::from_micros(us),
            lane: Lane::Snare,
            articulation: None,
            velocity,
            source: Source {
                note,
                channel,
                port: 0,
            },
        };
        let take = Take {
            source: "live".into(),
            ports: vec!["file".into()],
            hits: vec![
                hit(0, 36, 10, 100),
                hit(2, 38, 10, 1),
                hit(1_000_002, 38, 10, 127),
                hit(1_004_000, 38, 10, 64), // sooner than the 10 ms note length
                hit(61_234_568, 22, 10, 77),
            ],
            pedal: vec![PedalSample {
                time: Nanos::from_micros(500_000),
                value: 90,
            }],
            ..Take::default()
        };
        let bytes = write_take(&take, None);
        let path = fixture("fixtures/smf/written-take-2us-grid.mid", &bytes);
        let ev = read_events(&path, &take_opts("")).unwrap();
        let want: Vec<_> = take
            .hits
            .iter()
            .map(|h| (h.time, h.source.channel, h.source.note, h.velocity))
            .collect();
        assert_eq!(note_ons(&ev), want);
        assert!(ev
            .events
            .iter()
            .any(|e| e.time == ms(500) && e.message() == [0xB9, 4, 90]));

        // On a chart's grid times are rounded to the nearest tick.
        let grid = TempoMap::constant(480, Tempo::MicrosPerQuarter(500_000), TimeSignature::COMMON)
            .unwrap();
        let ev = read_events_bytes(
            Path::new("g.mid"),
            &write_take(&take, Some(&grid)),
            &take_opts(""),
        )
        .unwrap();
        let times: Vec<Nanos> = note_ons(&ev).iter().map(|n| n.0).collect();
        assert_eq!(
            times[2],
            grid.time(grid.tick(Nanos::from_micros(1_000_002)))
        );
    }

    // --- Bad input: one fixture and one test per case -------------------------------------------

    fn bad(name: &str, bytes: &[u8]) -> (PathBuf, InputError) {
        let path = fixture(&format!("fixtures/bad/{name}"), bytes);
        let err = read_chart(&path, &chart_opts()).expect_err(name);
        let shown = err.to_string();
        assert!(shown.starts_with(&path.display().to_string()), "{shown}");
        (path, err)
    }

    fn simple_track() -> Vec<u8> {
        Trk::default().hit(0, 10, 36, 100).end()
    }

    #[test]
    fn bad_truncated_header() {
        let full = smf(0, 480, &[simple_track()]);
        let (_, e) = bad("smf-truncated-header.mid", &full[..11]);
        assert!(matches!(e.kind, InputErrorKind::Truncated(_)), "{e}");
        assert!(e.to_string().contains("14 bytes"), "{e}");
    }

    #[test]
    fn bad_truncated_track() {
        // The track chunk's length is honest, but its last event is cut after the status byte.
        let t = Trk::default().hit(0, 10, 36, 100).ev(10, &[0x99, 38]).0;
        let (_, e) = bad("smf-truncated-track-event.mid", &smf(0, 480, &[t]));
        assert!(matches!(e.kind, InputErrorKind::Truncated(_)), "{e}");
        // Header 14 + chunk header 8 + two 4-byte events = offset 30.
        assert_eq!(byte_place(&e), (Some(0), 30), "{e}");
        assert!(e.to_string().contains("track 0, byte 30"), "{e}");
    }

    #[test]
    fn bad_chunk_length_past_end_of_file() {
        let full = smf(1, 480, &[simple_track(), simple_track()]);
        let cut = &full[..full.len() - 3];
        let (_, e) = bad("smf-chunk-length-past-eof.mid", cut);
        assert!(matches!(e.kind, InputErrorKind::Truncated(_)), "{e}");
        let second = 14 + 8 + simple_track().len();
        assert_eq!(byte_place(&e), (Some(1), second), "{e}");
        assert!(e.to_string().contains("cut short"), "{e}");
    }

    #[test]
    fn bad_zero_division() {
        let (_, e) = bad("smf-zero-division.mid", &smf(0, 0, &[simple_track()]));
        assert_eq!(byte_place(&e), (None, 12), "{e}");
        assert!(e.to_string().contains("0 ticks per quarter"), "{e}");
    }

    #[test]
    fn bad_smpte_division_in_a_chart() {
        let division = (((-30i8) as u8 as u16) << 8) | 80;
        let bytes = smf(0, division, &[simple_track()]);
        let (path, e) = bad("smf-smpte-chart.mid", &bytes);
        assert_eq!(e.kind, InputErrorKind::SmpteChart);
        assert_eq!(byte_place(&e), (None, 12));
        // The same file is a valid take.
        assert!(read_events(&path, &take_opts("")).is_ok());
    }

    #[test]
    fn bad_tempo_zero() {
        let t = Trk::default()
            .hit(0, 10, 36, 100)
            .tempo(5, 0)
            .hit(0, 10, 38, 1)
            .end();
        let (_, e) = bad("smf-tempo-zero.mid", &smf(0, 480, &[t]));
        assert!(
            matches!(e.kind, InputErrorKind::Tempo(TempoMapError::TempoZero(6))),
            "{e}"
        );
        assert_eq!(byte_place(&e), (Some(0), 14 + 8 + 8));
        assert!(read_events_bytes(
            Path::new("t"),
            &smf(0, 480, &[Trk::default().tempo(0, 0).end()]),
            &take_opts("")
        )
        .is_err());
    }

    #[test]
    fn bad_absurd_tempo() {
        let t = Trk::default().tempo(0, 1_000).hit(0, 10, 36, 100).end();
        let (_, e) = bad("smf-absurd-tempo-60000bpm.mid", &smf(0, 480, &[t]));
        assert!(
            matches!(
                e.kind,
                InputErrorKind::Tempo(TempoMapError::AbsurdTempo { .. })
            ),
            "{e}"
        );
        assert!(e.to_string().contains("1 to 1000 BPM"), "{e}");
        assert_eq!(byte_place(&e), (Some(0), 22));
    }

    #[test]
    fn bad_huge_delta_times() {
        // A maximal delta (2^28 - 1 ticks) at 96 PPQ, 120 BPM puts the second note at 1.4e6 s.
        let t = Trk::default()
            .hit(0, 10, 36, 100)
            .hit(0x0FFF_FFFF, 10, 38, 100);
        let (_, e) = bad("smf-huge-delta-time.mid", &smf(0, 96, &[t.end()]));
        assert!(e.to_string().contains("1000000 s"), "{e}");
        assert_eq!(byte_place(&e), (Some(0), 14 + 8 + 8));
        // Deltas that add up beyond any tempo are refused while walking.
        let mut t = Trk::default();
        for _ in 0..5000 {
            t = t.ev(0x0FFF_FFFF, &[0xFF, 0x01, 0]);
        }
        let e = read_chart_bytes(Path::new("h.mid"), &smf(0, 96, &[t.end()]), &chart_opts())
            .unwrap_err();
        assert!(e.to_string().contains("delta times are damaged"), "{e}");
    }

    #[test]
    fn bad_header_claims_65535_tracks() {
        let bytes = smf_declaring(1, 65535, 480, &[simple_track()]);
        let (_, e) = bad("smf-header-claims-65535-tracks.mid", &bytes);
        assert!(
            e.to_string()
                .contains("declares 65535 tracks but the file holds 1"),
            "{e}"
        );
        assert_eq!(byte_place(&e), (None, 10));
    }

    #[test]
    fn unknown_chunks_are_skipped() {
        let mut bytes = smf(0, 480, &[]);
        bytes[11] = 1; // one track
        bytes.extend(chunk(b"XFIH", b"vendor data \xFF\x00"));
        bytes.extend(chunk(b"MTrk", &simple_track()));
        bytes.extend(chunk(b"junk", &[]));
        let path = fixture("fixtures/smf/unknown-chunks-skipped.mid", &bytes);
        let chart = read_chart(&path, &chart_opts()).unwrap();
        assert_eq!(lanes(&chart), vec![(ms(0), Lane::Kick)]);
    }

    #[test]
    fn bad_no_notes_on_the_drum_channel() {
        let t = Trk::default()
            .hit(0, 1, 60, 100)
            .hit(0, 3, 62, 100)
            .hit(0, 3, 64, 100)
            .end();
        let (_, e) = bad("smf-no-drum-channel-notes.mid", &smf(0, 480, &[t]));
        let msg = e.to_string();
        assert!(msg.contains("no drum notes on channel 10"), "{msg}");
        assert!(
            msg.contains("channel 1 (1 notes), channel 3 (2 notes)"),
            "{msg}"
        );
    }

    #[test]
    fn bad_not_a_midi_file() {
        let (_, e) = bad("smf-not-midi.mid", b"time,lane\n0.5,snare\n");
        assert!(
            e.to_string().contains("does not start with \"MThd\""),
            "{e}"
        );
    }

    #[test]
    fn bad_file_too_large() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.mid");
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap(); // sparse: nothing is written
        let e = read_chart(&path, &chart_opts()).unwrap_err();
        assert!(matches!(e.kind, InputErrorKind::TooLarge { .. }), "{e}");
        let e = read_events(&path, &take_opts("")).unwrap_err();
        assert!(matches!(e.kind, InputErrorKind::TooLarge { .. }), "{e}");
    }

    #[test]
    fn riff_wrapped_files_are_unwrapped() {
        let inner = type0_running_status();
        let mut data = b"data".to_vec();
        data.extend((inner.len() as u32).to_le_bytes());
        data.extend(&inner);
        let mut riff = b"RIFF".to_vec();
        riff.extend(((data.len() + 4) as u32).to_le_bytes());
        riff.extend(b"RMID");
        riff.extend(&data);
        let chart = read_chart_bytes(Path::new("w.rmi"), &riff, &chart_opts()).unwrap();
        assert_eq!(chart.notes.len(), 4);
        // Offsets stay offsets into the whole file.
        let mut broken = riff.clone();
        let at = 20 + DIVISION_OFFSET;
        broken[at] = 0;
        broken[at + 1] = 0;
        let e = read_chart_bytes(Path::new("w.rmi"), &broken, &chart_opts()).unwrap_err();
        assert_eq!(byte_place(&e), (None, at));
    }

    #[test]
    fn bad_event_bytes_are_located() {
        // A data byte with no running status in force.
        let t = Trk::default()
            .meta(0, 0x03, b"x")
            .ev(0, &[0x40, 0x40])
            .end();
        let e =
            read_chart_bytes(Path::new("r.mid"), &smf(0, 480, &[t]), &chart_opts()).unwrap_err();
        assert!(e.to_string().contains("no running status"), "{e}");
        assert_eq!(byte_place(&e), (Some(0), 14 + 8 + 5));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = read_chart_bytes(Path::new("r.mid"), &bytes, &chart_opts());
            let _ = read_events_bytes(Path::new("r.mid"), &bytes, &take_opts(""));
            let mut with_header = b"MThd".to_vec();
            with_header.extend(&bytes);
            let _ = read_chart_bytes(Path::new("r.mid"), &with_header, &chart_opts());
            let _ = read_events_bytes(Path::new("r.mid"), &with_header, &take_opts("track=1"));
        }

        #[test]
        fn mutated_files_never_panic(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in any::<prop::sample::Index>(),
            which in 0usize..3,
        ) {
            let mut bytes = match which {
                0 => type1_tempo_change(),
                1 => type0_running_status(),
                _ => duo_by_channel(),
            };
            for (i, b) in &edits {
                let i = i.index(bytes.len());
                bytes[i] = *b;
            }
            if edits.len() % 3 == 0 {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            let _ = read_chart_bytes(Path::new("m.mid"), &bytes, &chart_opts());
            let _ = read_events_bytes(Path::new("m.mid"), &bytes, &take_opts("channel=10"));
        }
    }
}
