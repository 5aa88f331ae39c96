//! What the kit stage left out of a take or a chart, counted: each unmapped note with the
//! channels it came on, the channels other than the kit's, and the built-in profile that would
//! map the most of the unmapped notes.

use super::profiles::profile_for_notes;
use crate::take::{FilterReason, Filtered};
use std::collections::BTreeMap;

/// A note number the kit map does not know, with how often and where it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmappedNote {
    /// MIDI note number.
    pub note: u8,
    /// How many Note Ons of it were left out.
    pub count: usize,
    /// The channels (1..=16) it came on, in order.
    pub channels: Vec<u8>,
}

/// The filtered events of a take or a chart, counted by what would bring them back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilteredSummary {
    /// Notes the kit map does not know, by note number.
    pub unmapped: Vec<UnmappedNote>,
    /// Channels (1..=16) other than the kit's that Note Ons came on, with their counts, by
    /// channel.
    pub other_channels: Vec<(u8, usize)>,
    /// Every other reason (velocity floor, crosstalk, pedal stomp) by its
    /// [`FilterReason::name`], with its count.
    pub other_reasons: Vec<(&'static str, usize)>,
}

impl FilteredSummary {
    /// Counts `filtered`.
    pub fn of(filtered: &[Filtered]) -> FilteredSummary {
        let mut unmapped: BTreeMap<u8, UnmappedNote> = BTreeMap::new();
        let mut channels: BTreeMap<u8, usize> = BTreeMap::new();
        let mut reasons: BTreeMap<&'static str, usize> = BTreeMap::new();
        for f in filtered {
            match f.reason {
                FilterReason::UnmappedNote => {
                    let entry = unmapped.entry(f.source.note).or_insert(UnmappedNote {
                        note: f.source.note,
                        count: 0,
                        channels: Vec::new(),
                    });
                    entry.count += 1;
                    if let Err(i) = entry.channels.binary_search(&f.source.channel) {
                        entry.channels.insert(i, f.source.channel);
                    }
                }
                FilterReason::OtherChannel => *channels.entry(f.source.channel).or_default() += 1,
                other => *reasons.entry(other.name()).or_default() += 1,
            }
        }
        FilteredSummary {
            unmapped: unmapped.into_values().collect(),
            other_channels: channels.into_iter().collect(),
            other_reasons: reasons.into_iter().collect(),
        }
    }

    /// Number of Note Ons of unmapped notes.
    pub fn unmapped_count(&self) -> usize {
        self.unmapped.iter().map(|u| u.count).sum()
    }

    /// Number of Note Ons on channels other than the kit's.
    pub fn other_channel_count(&self) -> usize {
        self.other_channels.iter().map(|(_, n)| n).sum()
    }

    /// Whether nothing was filtered.
    pub fn is_empty(&self) -> bool {
        self.unmapped.is_empty() && self.other_channels.is_empty() && self.other_reasons.is_empty()
    }

    /// The built-in profile that maps the most of the unmapped Note Ons, with how many of them
    /// it maps; `None` when no profile maps any.
    pub fn suggest_profile(&self) -> Option<(&'static str, usize)> {
        let counts: Vec<(u8, usize)> = self.unmapped.iter().map(|u| (u.note, u.count)).collect();
        profile_for_notes(&counts)
    }

    /// The unmapped notes in one line: `22 (55 times), 26 (15 times)`.
    pub fn unmapped_list(&self) -> String {
        self.unmapped
            .iter()
            .map(|u| match u.count {
                1 => format!("{} (once)", u.note),
                n => format!("{} ({n} times)", u.note),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lane::Lane;
    use crate::take::Source;
    use crate::time::Nanos;

    fn filtered(note: u8, channel: u8, reason: FilterReason) -> Filtered {
        Filtered {
            time: Nanos::ZERO,
            lane: None,
            velocity: 90,
            source: Source {
                note,
                channel,
                port: 0,
            },
            reason,
        }
    }

    #[test]
    fn counts_each_unmapped_note_with_its_channels_and_suggests_the_profile_mapping_most() {
        use FilterReason::{Crosstalk, OtherChannel};
        let unmapped = FilterReason::UnmappedNote;
        let mut list = vec![filtered(26, 10, unmapped), filtered(38, 1, OtherChannel)];
        list.extend((0..3).map(|_| filtered(22, 10, unmapped)));
        list.push(filtered(22, 2, unmapped));
        list.push(filtered(
            38,
            1,
            Crosstalk {
                from: Lane::Kick,
                gap_ns: 0,
            },
        ));
        let s = FilteredSummary::of(&list);
        assert_eq!(
            s.unmapped,
            vec![
                UnmappedNote {
                    note: 22,
                    count: 4,
                    channels: vec![2, 10]
                },
                UnmappedNote {
                    note: 26,
                    count: 1,
                    channels: vec![10]
                },
            ]
        );
        assert_eq!(s.unmapped_count(), 5);
        assert_eq!(s.other_channels, vec![(1, 1)]);
        assert_eq!(s.other_channel_count(), 1);
        assert_eq!(s.other_reasons, vec![("crosstalk", 1)]);
        assert_eq!(s.unmapped_list(), "22 (4 times), 26 (once)");
        assert_eq!(s.suggest_profile(), Some(("roland-td", 5)));
        assert_eq!(FilteredSummary::of(&[]).suggest_profile(), None);
        let yamaha = FilteredSummary::of(&[filtered(79, 10, unmapped)]);
        assert_eq!(yamaha.suggest_profile(), Some(("yamaha-dtx", 1)));
        let nothing = FilteredSummary::of(&[filtered(120, 10, unmapped)]);
        assert_eq!(nothing.suggest_profile(), None);
    }
}
