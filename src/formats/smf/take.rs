//! An SMF read as one player's raw events, with exact times, for [`crate::kit`] to turn into a
//! take. SMPTE time division is accepted. One file may hold two players split by track or
//! channel: see [`TakeSelector`].

use super::container::{
    channel_bytes, channel_list, check_tempo, check_time, describe_channels, layout, tempo_map,
    walk, At, Division,
};
use crate::error::{InputError, InputErrorKind, Place};
use crate::event::RawEvent;
use crate::formats::take_spec::TakeSelector;
use crate::tempo::TempoMap;
use crate::tempo::{Tempo, TimeSignature};
use crate::time::{Nanos, Ticks};
use midly::{MetaMessage, MidiMessage, TrackEventKind};
use std::path::Path;

/// How a Standard MIDI File is read as a take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmfTakeOptions {
    /// Which track and/or channel is the player.
    pub selector: TakeSelector,
    /// The port index written into every event (0 for a take read from one file).
    pub port: u16,
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

/// Reads SMF bytes as one player's events; `path` is used in errors.
pub(crate) fn read_events_bytes(
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
                let in_track = sel.track.is_none_or(|t| t == at.track);
                if note_on {
                    per_channel[ch as usize] += 1;
                    if in_track {
                        per_channel_in_track[ch as usize] += 1;
                    }
                }
                if in_track && sel.channel.is_none_or(|c| c == ch + 1) {
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
