//! The chart: what should be played, with exact times, lanes, articulations and dynamics.

use crate::lane::{Articulation, Dynamic, Lane};
use crate::tempo::TempoMap;
use crate::time::{Nanos, Span, Ticks};

/// One note of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Note {
    /// When the note should sound, from the chart's time zero.
    pub time: Nanos,
    /// Where the note sits in musical time (for bar/beat reporting and writing back).
    pub tick: Ticks,
    /// Which drum.
    pub lane: Lane,
    /// How it should be struck, when the chart says.
    pub articulation: Option<Articulation>,
    /// How loud.
    pub dynamic: Dynamic,
}

/// A named part of a chart ("verse", "chorus", "fill").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The name as written in the chart.
    pub name: String,
    /// Where the section starts.
    pub tick: Ticks,
    /// When the section starts.
    pub time: Nanos,
}

/// Descriptive fields of a chart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChartInfo {
    /// Song title.
    pub title: String,
    /// Who wrote the song.
    pub artist: String,
    /// Who wrote the chart.
    pub charter: String,
    /// Where the chart came from (file path, or a note such as "original composition").
    pub source: String,
}

/// A validated chart: notes sorted by time (then lane), no negative times, every lane known.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Title, artist, charter, source.
    pub info: ChartInfo,
    /// Tempo and time signatures.
    pub tempo_map: TempoMap,
    /// Sections in time order.
    pub sections: Vec<Section>,
    /// Notes in time order.
    pub notes: Vec<Note>,
    /// What the reader recovered from (undecodable text, ...), each naming the file and what
    /// was done; empty for a clean file. Reports list them in `warnings`.
    pub warnings: Vec<String>,
}

/// Why a chart is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChartError {
    /// A note before time zero.
    #[error("note {index} ({lane}) is at a negative time {time}: charts start at time zero")]
    NegativeTime {
        /// Index of the note in the list.
        index: usize,
        /// Its lane.
        lane: Lane,
        /// Its time.
        time: Nanos,
    },
    /// Notes out of order.
    #[error(
        "note {index} at {time} comes before the note ahead of it: notes must be sorted by time"
    )]
    Unsorted {
        /// Index of the note in the list.
        index: usize,
        /// Its time.
        time: Nanos,
    },
    /// An articulation that does not fit the lane.
    #[error("note {index}: articulation {articulation} cannot be played on {lane}")]
    BadArticulation {
        /// Index of the note in the list.
        index: usize,
        /// Its lane.
        lane: Lane,
        /// The articulation given.
        articulation: Articulation,
    },
}

impl Chart {
    /// Builds a chart, checking that notes are sorted and non-negative and that articulations fit
    /// their lanes. Notes at the same time are put in lane order so that equal charts compare
    /// equal. Sections are sorted by time.
    pub fn new(
        info: ChartInfo,
        tempo_map: TempoMap,
        mut sections: Vec<Section>,
        mut notes: Vec<Note>,
    ) -> Result<Chart, ChartError> {
        for (index, n) in notes.iter().enumerate() {
            if n.time < Nanos::ZERO {
                return Err(ChartError::NegativeTime {
                    index,
                    lane: n.lane,
                    time: n.time,
                });
            }
            if index > 0 && n.time < notes[index - 1].time {
                return Err(ChartError::Unsorted {
                    index,
                    time: n.time,
                });
            }
            if let Some(a) = n.articulation {
                if !n.lane.allows(a) {
                    return Err(ChartError::BadArticulation {
                        index,
                        lane: n.lane,
                        articulation: a,
                    });
                }
            }
        }
        notes.sort_by_key(|n| (n.time, n.lane));
        sections.sort_by_key(|s| s.time);
        Ok(Chart {
            info,
            tempo_map,
            sections,
            notes,
            warnings: Vec::new(),
        })
    }

    /// Time of the last note (zero for an empty chart).
    pub fn last_note_time(&self) -> Nanos {
        self.notes.last().map(|n| n.time).unwrap_or(Nanos::ZERO)
    }

    /// Length of the chart: to the end of the bar holding the last note.
    pub fn duration(&self) -> Nanos {
        let last = self.notes.last().map(|n| n.tick).unwrap_or(Ticks(0));
        let bar = self.tempo_map.position(last).bar;
        self.tempo_map.time(self.tempo_map.bar_start(bar + 1))
    }

    /// The chart as played over `span`: the notes due in it (sections and the tempo map stay,
    /// so bars and sections keep their numbers and names).
    pub fn within(&self, span: Span) -> Chart {
        Chart {
            info: self.info.clone(),
            tempo_map: self.tempo_map.clone(),
            sections: self.sections.clone(),
            notes: self
                .notes
                .iter()
                .filter(|n| span.contains(n.time))
                .copied()
                .collect(),
            warnings: self.warnings.clone(),
        }
    }

    /// Number of notes per lane, for lanes that have any, in lane order.
    pub fn notes_per_lane(&self) -> Vec<(Lane, usize)> {
        let mut counts = [0usize; Lane::ALL.len()];
        for n in &self.notes {
            counts[n.lane.index()] += 1;
        }
        Lane::ALL
            .iter()
            .filter(|l| counts[l.index()] > 0)
            .map(|l| (*l, counts[l.index()]))
            .collect()
    }

    /// The section in force at a time (`None` before the first section).
    pub fn section_at(&self, time: Nanos) -> Option<&Section> {
        let i = self.sections.partition_point(|s| s.time <= time);
        i.checked_sub(1).map(|i| &self.sections[i])
    }
}
