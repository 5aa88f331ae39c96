//! A rhythm-game drum chart as read, before it is a [`Chart`]: the Rock Band / Clone Hero
//! `.mid`, Clone Hero `.chart` and DTXMania `.dtx` readers each fill a [`Draft`] in the file's
//! own ticks, and [`Draft::build`] does what they share: the audio offset (a lead-in so that
//! pocket's time zero is the start of the audio), the tempo map, and the checks, with errors
//! that name the place each tempo, signature or offset came from.

use crate::chart::{Chart, ChartInfo, Note, Section};
use crate::error::{InputError, InputErrorKind, Place};
use crate::lane::{Articulation, Dynamic, Lane};
use crate::tempo::{Tempo, TempoMap, TempoMapError, TimeSignature, MAX_BPM, MIN_BPM};
use crate::time::{Nanos, Ticks};
use std::path::{Path, PathBuf};

/// A chart as read, in the file's own ticks, before the audio offset and checks.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    pub ppq: u32,
    /// Tempo changes with the place that gave them (any order).
    pub tempos: Vec<(i64, Tempo, Place)>,
    /// Time signature changes with their place (any order).
    pub signatures: Vec<(i64, TimeSignature, Place)>,
    pub sections: Vec<(i64, String)>,
    pub notes: Vec<(i64, Lane, Option<Articulation>, Dynamic)>,
    pub info: ChartInfo,
    /// Positive: the notes sound this much later than the chart's tick 0 (after the start of
    /// the audio).
    pub audio_offset: Nanos,
    /// Where the offset came from, for errors.
    pub offset_origin: Option<(PathBuf, Place)>,
}

fn tempo_error(path: &Path, place: &Place, e: TempoMapError) -> InputError {
    InputError::new(path, place.clone(), InputErrorKind::Tempo(e))
}

impl Draft {
    /// Applies the audio offset, builds the tempo map and checks everything.
    pub fn build(mut self, path: &Path) -> Result<Chart, InputError> {
        if self.ppq == 0 || self.ppq > crate::tempo::MAX_PPQ {
            return Err(tempo_error(
                path,
                &Place::File,
                TempoMapError::BadPpq(self.ppq),
            ));
        }
        self.tempos.sort_by_key(|t| t.0);
        self.signatures.sort_by_key(|s| s.0);
        for (tick, tempo, place) in &self.tempos {
            let bpm = tempo.bpm();
            if tempo.is_zero() {
                return Err(tempo_error(path, place, TempoMapError::TempoZero(*tick)));
            }
            if !(MIN_BPM..=MAX_BPM).contains(&bpm) {
                return Err(tempo_error(
                    path,
                    place,
                    TempoMapError::AbsurdTempo { tick: *tick, bpm },
                ));
            }
        }
        for (_, sig, place) in &self.signatures {
            if sig.numerator == 0 || !matches!(sig.denominator, 1 | 2 | 4 | 8 | 16 | 32 | 64) {
                return Err(tempo_error(
                    path,
                    place,
                    TempoMapError::BadSignature(sig.to_string()),
                ));
            }
        }
        let first_sig = self
            .signatures
            .iter()
            .take_while(|s| s.0 == 0)
            .last()
            .map(|s| s.1)
            .unwrap_or(TimeSignature::COMMON);
        let first_sig_place = self
            .signatures
            .first()
            .map(|s| s.2.clone())
            .unwrap_or(Place::File);
        let mut tempos: Vec<(Ticks, Tempo)> =
            self.tempos.iter().map(|t| (Ticks(t.0), t.1)).collect();
        if tempos.first().map(|t| t.0 .0 > 0).unwrap_or(true) {
            tempos.insert(0, (Ticks(0), Tempo::MicrosPerQuarter(500_000)));
        }
        let (origin_path, origin_place) = self
            .offset_origin
            .clone()
            .unwrap_or_else(|| (path.to_path_buf(), Place::File));
        let offset_err = |msg: String| {
            InputError::new(
                &origin_path,
                origin_place.clone(),
                InputErrorKind::Malformed(msg),
            )
        };
        let ppq = self.ppq as i128;
        let mut shift = 0i64;
        let mut pickup = 0i64;
        let offset = self.audio_offset.0 as i128;
        if offset > 0 {
            let whole = 4 * ppq;
            let bar = whole / first_sig.denominator.max(1) as i128 * first_sig.numerator as i128;
            // A lead-in of `len` ticks lasting exactly `offset`: us per quarter = offset·ppq/(len·1000).
            let upq = |len: i128| -> (i128, bool) {
                let num = offset * ppq;
                let den = len * 1000;
                ((2 * num + den).div_euclid(2 * den), num % den == 0)
            };
            let in_range = |u: i128| (60_000..=60_000_000).contains(&u);
            let mut choice = None;
            let mut candidates: Vec<i128> = Vec::new();
            if ppq < bar {
                candidates.push(ppq);
            }
            candidates.extend((1..bar).rev());
            for &len in &candidates {
                let (u, exact) = upq(len);
                if exact && in_range(u) {
                    choice = Some((len, u));
                    break;
                }
            }
            if choice.is_none() {
                choice = candidates
                    .iter()
                    .map(|&len| (len, upq(len).0))
                    .find(|(_, u)| in_range(*u));
            }
            let Some((len, u)) = choice else {
                return Err(offset_err(format!(
                    "an audio offset of {:.3} s is longer than pocket can place before the first bar ({} ticks at 1 BPM); check the delay",
                    self.audio_offset.as_secs_f64(),
                    bar - 1
                )));
            };
            shift = len as i64;
            pickup = len as i64;
            for t in tempos.iter_mut() {
                t.0 = Ticks(t.0 .0 + shift);
            }
            tempos.insert(0, (Ticks(0), Tempo::MicrosPerQuarter(u as u32)));
        } else if offset < 0 {
            let first_note = self.notes.iter().map(|n| n.0).min().unwrap_or(0);
            let first_change = tempos.iter().map(|t| t.0 .0).find(|t| *t > 0);
            let x = first_change.map_or(first_note, |c| c.min(first_note)) as i128;
            let (num, den) = tempos[0].1.ns_per_quarter();
            let lead = if x > 0 {
                (2 * x * num + den * ppq).div_euclid(2 * den * ppq)
            } else {
                0
            };
            let remaining = lead + offset;
            if x == 0 || remaining <= 0 {
                return Err(offset_err(format!(
                    "the audio offset of {:.3} s puts the first note before the start of the audio; pocket charts start at the audio's start",
                    self.audio_offset.as_secs_f64()
                )));
            }
            let den2 = x * 1000;
            let u = (2 * remaining * ppq + den2).div_euclid(2 * den2);
            if !(60_000..=60_000_000).contains(&u) {
                return Err(offset_err(format!(
                    "the audio offset of {:.3} s leaves {:.3} s before the first note, which pocket cannot time; check the delay",
                    self.audio_offset.as_secs_f64(),
                    remaining as f64 / 1e9
                )));
            }
            let original = tempos[0].1;
            tempos[0].1 = Tempo::MicrosPerQuarter(u as u32);
            if !tempos.iter().any(|t| t.0 .0 == x as i64) {
                let at = tempos.partition_point(|t| t.0 .0 < x as i64);
                tempos.insert(at, (Ticks(x as i64), original));
            }
        }
        let mut map = TempoMap::new(self.ppq, &tempos, first_sig, Ticks(pickup))
            .map_err(|e| tempo_error(path, &first_sig_place, e))?;
        for (tick, sig, place) in self.signatures.iter().filter(|s| s.0 > 0) {
            map.add_signature_at_tick(Ticks(tick + shift), *sig)
                .map_err(|e| tempo_error(path, place, e))?;
        }
        let limit = Nanos(super::smf::MAX_TIME_SECS * 1_000_000_000);
        let time_of = |tick: i64| -> Result<Nanos, InputError> {
            let t = map.time(Ticks(tick));
            if t > limit {
                Err(InputError::new(
                    path,
                    Place::Item(format!("tick {tick}")),
                    InputErrorKind::Malformed(format!(
                        "an event at tick {tick} falls at {:.0} s, beyond the {} s limit; the positions are damaged",
                        t.as_secs_f64(),
                        super::smf::MAX_TIME_SECS
                    )),
                ))
            } else {
                Ok(t)
            }
        };
        self.notes.sort_by_key(|n| (n.0, n.1));
        self.notes.dedup_by_key(|n| (n.0, n.1));
        let mut notes = Vec::with_capacity(self.notes.len());
        for (tick, lane, articulation, dynamic) in &self.notes {
            let tick = tick + shift;
            notes.push(Note {
                time: time_of(tick)?,
                tick: Ticks(tick),
                lane: *lane,
                articulation: *articulation,
                dynamic: *dynamic,
            });
        }
        self.sections.sort_by_key(|s| s.0);
        self.sections.dedup();
        let mut sections = Vec::with_capacity(self.sections.len());
        for (tick, name) in &self.sections {
            let tick = tick + shift;
            sections.push(Section {
                name: name.clone(),
                tick: Ticks(tick),
                time: time_of(tick)?,
            });
        }
        Chart::new(self.info, map, sections, notes)
            .map_err(|e| InputError::new(path, Place::File, InputErrorKind::Chart(e)))
    }
}
