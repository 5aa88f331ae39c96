//! An SMF read as a drum chart: General MIDI drum channel, kit map, dynamics from velocity,
//! sections from markers. SMPTE time division is refused: a chart needs a beat grid.
//!
//! Without a kit the notes go through the General MIDI note map alone. With a kit they go
//! through that kit's whole stage (note map, channel, hi-hat pedal, velocity floors, crosstalk
//! and pedal-stomp filters, lane rules), exactly as a take recorded on it is read, so that a
//! recording and a chart made from it are read alike.

use super::container::channel_bytes;
use super::container::{
    chart_ppq, check_tempo, check_time, describe_channels, layout, tempo_map, walk, At,
};
use crate::chart::{Chart, ChartInfo, Note, Section};
use crate::error::{InputError, InputErrorKind, Place, Remedy};
use crate::event::RawEvent;
use crate::kit::{FilteredSummary, KitMap};
use crate::lane::Dynamic;
use crate::take::{FilterReason, Filtered, Source};
use crate::tempo::{Tempo, TempoMap, TempoMapError, TimeSignature};
use crate::time::{Nanos, Ticks};
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
    /// The kit the chart is read with (default, `None`: the built-in `gm` note map alone). A
    /// kit runs its whole stage, as for a take: note map, its own channel (after `channels`),
    /// hi-hat pedal, velocity floors, crosstalk and pedal-stomp filters and lane rules. See
    /// [`SmfChartOptions::with_kit`].
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
    /// Options that read the chart with `kit`, on the kit's own channel (every channel for an
    /// omni kit), as a take recorded on that kit is read.
    pub fn with_kit(kit: KitMap) -> SmfChartOptions {
        SmfChartOptions {
            channels: kit.channel.map_or(ChannelFilter::All, ChannelFilter::Only),
            kit: Some(kit),
            ..SmfChartOptions::default()
        }
    }

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
    read_chart_bytes_filtered(path, bytes, opts).map(|(chart, _)| chart)
}

/// [`read_chart_bytes`], with the Note Ons on the drum channels that did not become notes
/// (unmapped notes; with a kit, everything its stage filtered).
pub(crate) fn read_chart_bytes_filtered(
    path: &Path,
    bytes: &[u8],
    opts: &SmfChartOptions,
) -> Result<(Chart, Vec<Filtered>), InputError> {
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
    // With a kit, every channel message on the drum channels, for the kit stage.
    let mut messages: Vec<(At, [u8; 3], usize)> = Vec::new();

    let mut tempos: Vec<(Ticks, Tempo)> = Vec::new();
    let mut signatures: Vec<(At, TimeSignature)> = Vec::new();
    let mut title: Option<String> = None;
    // The first text event that is not UTF-8, for the warning (its place).
    let mut bad_text: Option<At> = None;
    let mut sections: Vec<(At, String)> = Vec::new();
    // (place, note, velocity, channel 1..=16) of Note Ons on the drum channels.
    let mut hits: Vec<(At, u8, u8, u8)> = Vec::new();
    let mut per_channel = [0usize; 16];
    walk(path, &layout, |at, kind| {
        match kind {
            TrackEventKind::Midi { channel, message } => {
                let ch = u8::from(channel);
                let accepted = opts.channels.accepts(ch + 1);
                if let MidiMessage::NoteOn { key, vel } = message {
                    if u8::from(vel) > 0 {
                        per_channel[ch as usize] += 1;
                        if accepted {
                            hits.push((at, key.into(), vel.into(), ch + 1));
                        }
                    }
                }
                if accepted && opts.kit.is_some() {
                    let (b, n) = channel_bytes(channel, message);
                    messages.push((at, b, n));
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
                if std::str::from_utf8(name).is_err() {
                    bad_text.get_or_insert(at);
                }
                title = Some(String::from_utf8_lossy(name).trim().to_string());
            }
            TrackEventKind::Meta(MetaMessage::Marker(text)) => {
                if std::str::from_utf8(text).is_err() {
                    bad_text.get_or_insert(at);
                }
                let name = String::from_utf8_lossy(text).trim().to_string();
                if !name.is_empty() {
                    sections.push((at, name));
                }
            }
            TrackEventKind::Meta(MetaMessage::Text(text)) => {
                if std::str::from_utf8(text).is_err() {
                    bad_text.get_or_insert(at);
                }
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

    let (mut notes, filtered) = if opts.kit.is_some() {
        kit_notes(path, &map, opts, kit, &messages)?
    } else {
        gm_notes(path, &map, opts, kit, &hits)?
    };
    if notes.is_empty() {
        return Err(no_notes(
            path,
            opts,
            kit,
            hits.len(),
            &per_channel,
            &filtered,
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
    let mut chart = Chart::new(info, map, sections, notes)
        .map_err(|e| InputError::new(path, Place::File, InputErrorKind::Chart(e)))?;
    if let Some(at) = bad_text {
        chart.warnings.push(format!(
            "{}: the text event at {} is not UTF-8; its undecodable bytes were replaced, so \
             the title or section names may be garbled",
            path.display(),
            at.place()
        ));
    }
    Ok((chart, filtered))
}

/// The notes through the note map alone, and the Note Ons of notes it does not map.
fn gm_notes(
    path: &Path,
    map: &TempoMap,
    opts: &SmfChartOptions,
    kit: &KitMap,
    hits: &[(At, u8, u8, u8)],
) -> Result<(Vec<Note>, Vec<Filtered>), InputError> {
    let mut notes: Vec<Note> = Vec::with_capacity(hits.len());
    let mut filtered: Vec<Filtered> = Vec::new();
    for &(at, key, velocity, channel) in hits {
        let time = check_time(path, at, map.time(Ticks(at.tick)))?;
        let Some((lane, articulation)) = kit.lookup(key) else {
            filtered.push(Filtered {
                time,
                lane: None,
                velocity,
                source: Source {
                    note: key,
                    channel,
                    port: 0,
                },
                reason: FilterReason::UnmappedNote,
            });
            continue;
        };
        notes.push(Note {
            time,
            tick: Ticks(at.tick),
            lane,
            articulation,
            dynamic: opts.dynamic(velocity),
        });
    }
    filtered.sort_by_key(|f| f.time);
    Ok((notes, filtered))
}

/// The notes through the kit's whole stage, as a take recorded on that kit is read, and what
/// the stage filtered.
fn kit_notes(
    path: &Path,
    map: &TempoMap,
    opts: &SmfChartOptions,
    kit: &KitMap,
    messages: &[(At, [u8; 3], usize)],
) -> Result<(Vec<Note>, Vec<Filtered>), InputError> {
    // (time, tick) of every message, in time order (stable: tracks were walked one after
    // another). Times grow strictly with ticks, so a hit's time names its tick.
    let mut timed: Vec<(Nanos, Ticks, RawEvent)> = Vec::with_capacity(messages.len());
    for &(at, b, n) in messages {
        let time = check_time(path, at, map.time(Ticks(at.tick)))?;
        timed.push((time, Ticks(at.tick), RawEvent::new(time, 0, &b[..n])));
    }
    timed.sort_by_key(|t| t.0);
    let events: Vec<RawEvent> = timed.iter().map(|t| t.2).collect();
    let take = crate::kit::build_take(
        &events,
        kit,
        &kit.options,
        path.display().to_string(),
        vec![path.display().to_string()],
    );
    let tick_of = |time: Nanos| {
        let i = timed.partition_point(|t| t.0 < time);
        timed.get(i).filter(|t| t.0 == time).map(|t| t.1)
    };
    let mut notes = Vec::with_capacity(take.hits.len());
    for hit in &take.hits {
        let tick = tick_of(hit.time).unwrap_or_else(|| map.tick(hit.time));
        notes.push(Note {
            time: hit.time,
            tick,
            lane: hit.lane,
            articulation: hit.articulation.filter(|a| hit.lane.allows(*a)),
            dynamic: opts.dynamic(hit.velocity),
        });
    }
    Ok((notes, take.filtered))
}

/// Why a chart has no notes: no Note Ons on the drum channels, or none that the note map (or
/// the kit's stage) turned into a note.
fn no_notes(
    path: &Path,
    opts: &SmfChartOptions,
    kit: &KitMap,
    note_ons: usize,
    per_channel: &[usize; 16],
    filtered: &[Filtered],
) -> InputError {
    if note_ons == 0 {
        let why = format!(
            "no drum notes on {}: {}; choose the drum channel (or all channels)",
            opts.channels,
            describe_channels(per_channel)
        );
        return InputError::new(path, Place::File, InputErrorKind::Empty(why));
    }
    let summary = FilteredSummary::of(filtered);
    let mut why = if summary.unmapped_count() == note_ons {
        let notes: Vec<String> = summary
            .unmapped
            .iter()
            .map(|u| u.note.to_string())
            .collect();
        format!(
            "{note_ons} notes on {} but none is in the {} drum map (notes used: {})",
            opts.channels,
            kit.name,
            notes.join(", ")
        )
    } else {
        let mut reasons: Vec<String> = Vec::new();
        if summary.unmapped_count() > 0 {
            reasons.push(format!("{} unmapped", summary.unmapped_count()));
        }
        if summary.other_channel_count() > 0 {
            let channels: Vec<String> = summary
                .other_channels
                .iter()
                .map(|(c, _)| c.to_string())
                .collect();
            reasons.push(format!(
                "{} on channel {}, not the kit's",
                summary.other_channel_count(),
                channels.join(", ")
            ));
        }
        reasons.extend(
            summary
                .other_reasons
                .iter()
                .map(|(r, n)| format!("{n} {r}")),
        );
        format!(
            "{note_ons} notes on {} but the {} kit reads none of them as a hit ({})",
            opts.channels,
            kit.name,
            reasons.join(", ")
        )
    };
    match summary.suggest_profile() {
        Some((name, n)) if name != kit.name => {
            why.push_str(&format!(
                "; the built-in {name} kit maps {n} of them; read the chart with it or with a kit map file that covers them"
            ))
        }
        _ => why.push_str("; read the chart with a kit map that covers them"),
    }
    InputError::new(
        path,
        Place::File,
        InputErrorKind::WrongChoice {
            message: why,
            remedy: Remedy::ChooseChartKit,
        },
    )
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
