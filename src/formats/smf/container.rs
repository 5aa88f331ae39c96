//! The SMF container: the `MThd` header and `MTrk` chunks (inside a RIFF `RMID` wrapper when
//! there is one: midly's own RIFF handling is private), and the walk over every event of every
//! track with its tick. Walking is done here rather than by midly's parser so that every error
//! names the track and byte offset; events themselves are decoded by `midly`.

use crate::error::{InputError, InputErrorKind, Place};
use crate::tempo::{Tempo, TempoMap, TempoMapError, TimeSignature, MAX_BPM};
use crate::time::{Nanos, Ticks};
use midly::num::u4;
use midly::{EventIter, MetaMessage, MidiMessage, TrackEventKind};
use std::path::Path;

/// Latest event time pocket accepts, in seconds (about 11.6 days). Anything later comes from
/// corrupt delta times.
pub const MAX_TIME_SECS: i64 = 1_000_000;

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
    pub(super) fn smpte_time(self, tick: i64) -> Option<Nanos> {
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

/// Ticks beyond this are refused while walking a track: even at the finest possible resolution
/// (32767 PPQ at 1000 BPM, 1.83 µs per tick) they lie beyond [`MAX_TIME_SECS`].
pub(super) const MAX_TICK: i64 = 1 << 40;

/// One `MTrk` chunk: its data and where the data starts in the file.
pub(super) struct TrackChunk<'a> {
    pub(super) data_offset: usize,
    pub(super) data: &'a [u8],
}

/// The parsed container.
pub(super) struct Layout<'a> {
    pub(super) division: Division,
    /// Where the division field is in the file.
    pub(super) division_offset: usize,
    pub(super) tracks: Vec<TrackChunk<'a>>,
}

/// Offset of the division field from the start of the SMF.
pub(crate) const DIVISION_OFFSET: usize = 12;

pub(super) fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

pub(super) fn be_u16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

/// Finds the SMF inside a RIFF `RMID` file: returns the offset and length of its `data` chunk.
pub(super) fn riff_smf(path: &Path, bytes: &[u8]) -> Result<(usize, usize), InputError> {
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

pub(super) fn layout<'a>(path: &Path, file: &'a [u8]) -> Result<Layout<'a>, InputError> {
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
pub(super) struct At {
    pub(super) track: usize,
    pub(super) offset: usize,
    pub(super) tick: i64,
}

impl At {
    pub(super) fn place(self) -> Place {
        Place::Byte {
            track: Some(self.track),
            offset: self.offset,
        }
    }
}

/// Says why midly could not read the event starting at `rest`.
pub(super) fn diagnose(rest: &[u8], running: Option<u8>) -> InputErrorKind {
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
pub(super) fn walk<'a>(
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
pub(super) fn channel_bytes(channel: u4, message: MidiMessage) -> ([u8; 3], usize) {
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
pub(super) fn check_tempo(path: &Path, at: At, us: u32) -> Result<Tempo, InputError> {
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
pub(super) fn tempo_map(
    path: &Path,
    ppq: u16,
    tempos: &mut [(Ticks, Tempo)],
    first_signature: TimeSignature,
) -> Result<TempoMap, InputError> {
    tempos.sort_by_key(|t| t.0);
    TempoMap::new(ppq as u32, tempos, first_signature, Ticks(0))
        .map_err(|e| InputError::new(path, Place::File, InputErrorKind::Tempo(e)))
}

pub(super) fn time_limit_error(path: &Path, at: At, time: Nanos) -> InputError {
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

pub(super) fn check_time(path: &Path, at: At, time: Nanos) -> Result<Nanos, InputError> {
    if time > Nanos(MAX_TIME_SECS * 1_000_000_000) {
        Err(time_limit_error(path, at, time))
    } else {
        Ok(time)
    }
}

pub(super) fn channel_list(counts: &[usize; 16]) -> Vec<u8> {
    (0..16u8)
        .filter(|c| counts[*c as usize] > 0)
        .map(|c| c + 1)
        .collect()
}

pub(super) fn describe_channels(counts: &[usize; 16]) -> String {
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

/// The resolution of a file read as a chart: SMPTE division has no beat grid and is refused,
/// naming the division's byte.
pub(super) fn chart_ppq(path: &Path, layout: &Layout) -> Result<u16, InputError> {
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
