//! An SMF read as a drum chart: General MIDI drum channel, kit map, dynamics from velocity,
//! sections from markers. SMPTE time division is refused: a chart needs a beat grid.

use super::container::{
    chart_ppq, check_tempo, check_time, describe_channels, layout, tempo_map, walk, At,
};
use crate::chart::{Chart, ChartInfo, Note, Section};
use crate::error::{InputError, InputErrorKind, Place};
use crate::kit::KitMap;
use crate::lane::Dynamic;
use crate::tempo::{Tempo, TempoMapError, TimeSignature};
use crate::time::Ticks;
use midly::{MetaMessage, MidiMessage, TrackEventKind};
use std::fmt;
use std::path::Path;

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

/// Reads SMF bytes as a chart; `path` is used in errors and as the chart's source.
pub(crate) fn read_chart_bytes(
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
                if let Some(name) = section_name(&String::from_utf8_lossy(text)) {
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

    let title = match title {
        Some(t) if !is_generic_track_name(&t) => t,
        // A sequencer's default track name says nothing about the song: the file name does.
        _ => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let info = ChartInfo {
        title,
        source: path.display().to_string(),
        ..ChartInfo::default()
    };
    Chart::new(info, map, sections, notes)
        .map_err(|e| InputError::new(path, Place::File, InputErrorKind::Chart(e)))
}

/// A section name from a text event written `[section NAME]` or `[prc_NAME]` (the Rock Band
/// convention); other text events are not sections.
pub(crate) fn section_name(text: &str) -> Option<String> {
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?;
    let name = inner
        .strip_prefix("section ")
        .or_else(|| inner.strip_prefix("section_"))
        .or_else(|| inner.strip_prefix("prc_"))?
        .trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// Whether a track name is one a sequencer or exporter gives any track (`MIDI`, `Base Midi`,
/// `Midi Drums`, `Track 1`, `Drums`, `Tempo Track`), rather than the song's title: every word
/// is one of those defaults' words or a number.
pub(crate) fn is_generic_track_name(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "midi",
        "base",
        "drum",
        "drums",
        "drumkit",
        "kit",
        "track",
        "tempo",
        "conductor",
        "untitled",
        "sequence",
        "percussion",
        "standard",
        "file",
        "new",
        "channel",
        "part",
        "ch",
        "trk",
        "seq",
        "smf",
        "mid",
    ];
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .all(|w| {
            let w = w.to_lowercase();
            w.chars().all(|c| c.is_ascii_digit()) || WORDS.contains(&w.as_str())
        })
}
