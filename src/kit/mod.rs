//! Kit maps: which MIDI note is which lane and articulation, and the filters that keep
//! crosstalk and pedal artefacts out of a take.
//!
//! This module owns the step from raw MIDI events to a [`Take`](crate::take::Take):
//!
//! - [`KitMap`]: a note map (built-in profiles in [`PROFILES`], or a user JSON file read by
//!   `formats::read_kit_map`) plus the kit's channel, hi-hat pedal controller, neighbouring
//!   pads and its own [`KitOptions`];
//! - [`LaneMap`]: lane merges and swaps (`merge:crash,crash2`, `swap:ride,crash`);
//! - [`build_take`]: the single entry point that turns events into hits, pedal readings, chokes
//!   and filtered events (with their reasons; nothing is dropped silently).
//!
//! docs/kits.md is the user-facing description of all of it.

mod build;
mod filter;
mod gm;
mod json;
mod lanes;
mod options;
mod profiles;

pub use build::build_take;
pub use filter::{KitEvent, KitFilter};
pub use gm::{gm_note, velocity_for, ACCENT_VELOCITY, GHOST_VELOCITY, NORMAL_VELOCITY};
pub use json::MAX_KIT_FILE_BYTES;
pub use lanes::{parse_rule, LaneMap, LaneMapError, LaneRule};
pub use options::{
    CrosstalkOptions, HihatThresholds, KitOptions, PedalStompOptions, VelocityFloors,
};
pub use profiles::{suggest_profile, PROFILES};

use crate::lane::{Articulation, Lane};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A note map for one kit, with what else the kit stage needs to know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct KitMap {
    /// Profile name (`gm`, `roland-td`, ...) or the name given in a kit file.
    pub name: String,
    /// One line saying what kit this is for.
    pub description: String,
    /// Note number -> lane and articulation.
    pub notes: BTreeMap<u8, (Lane, Option<Articulation>)>,
    /// Note number -> the pad's name on the module (`"HH closed edge"`), for `pocket kits show`.
    /// Notes without a label show none.
    pub labels: BTreeMap<u8, String>,
    /// The MIDI channel the kit sends on, 1..=16, or `None` to take every channel ("omni").
    pub channel: Option<u8>,
    /// The controller number carrying the hi-hat pedal position (4 on most kits; a TD-27 can be
    /// set to 19), or `None` when the kit sends none.
    pub pedal_cc: Option<u8>,
    /// Pairs of neighbouring pads (by kit lane) whose quiet hits may be crosstalk from each other.
    /// Order inside a pair does not matter.
    pub neighbours: Vec<(Lane, Lane)>,
    /// The kit's own settings: hi-hat thresholds, filters, lane rules.
    pub options: KitOptions,
}

impl KitMap {
    /// A built-in profile by name (see [`PROFILES`]).
    pub fn builtin(name: &str) -> Option<KitMap> {
        profiles::builtin(name)
    }

    /// A map that turns every Note On of every channel into an onset on lane `any`, with no
    /// pedal, neighbours or velocity floor above 1. For instruments that are not drum kits (a
    /// keyboard in a duet) and for `pocket sync --lanes all`.
    pub fn all_notes() -> KitMap {
        let options = KitOptions {
            velocity_floors: VelocityFloors::uniform(1),
            ..KitOptions::default()
        };
        KitMap {
            name: "all-notes".into(),
            description: "every note of every channel as one onset stream (lane any)".into(),
            notes: (0u8..=127).map(|n| (n, (Lane::Any, None))).collect(),
            labels: BTreeMap::new(),
            channel: None,
            pedal_cc: None,
            neighbours: Vec::new(),
            options,
        }
    }

    /// Lane and articulation of a note number, if mapped.
    pub fn lookup(&self, note: u8) -> Option<(Lane, Option<Articulation>)> {
        self.notes.get(&note).copied()
    }

    /// Whether two kit lanes are declared neighbours (in either order).
    pub fn are_neighbours(&self, a: Lane, b: Lane) -> bool {
        self.neighbours
            .iter()
            .any(|&(x, y)| (x == a && y == b) || (x == b && y == a))
    }

    /// A human-readable description: name, channel, pedal, the note table, neighbours and lane
    /// rules. This is what `pocket kits show NAME` prints.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}: {}", self.name, self.description);
        let channel = match self.channel {
            Some(c) => format!("channel {c}"),
            None => "any channel (omni)".to_string(),
        };
        let pedal = match self.pedal_cc {
            Some(cc) => format!("hi-hat pedal position on CC{cc}"),
            None => "no hi-hat pedal controller".to_string(),
        };
        let _ = writeln!(out, "{channel}; {pedal}");
        let _ = writeln!(out);
        let _ = writeln!(out, "note  lane         articulation  pad");
        for (note, (lane, art)) in &self.notes {
            let art = art.map(|a| a.name()).unwrap_or("-");
            let label = self.labels.get(note).map(String::as_str).unwrap_or("");
            let line = format!("{note:>4}  {:<12} {art:<13} {label}", lane.name());
            let _ = writeln!(out, "{}", line.trim_end());
        }
        let _ = writeln!(out);
        if self.neighbours.is_empty() {
            let _ = writeln!(out, "crosstalk neighbours: none");
        } else {
            let pairs: Vec<_> = self
                .neighbours
                .iter()
                .map(|(a, b)| format!("{a}-{b}"))
                .collect();
            let _ = writeln!(out, "crosstalk neighbours: {}", pairs.join(", "));
        }
        if !self.options.lanes.is_identity() {
            let _ = writeln!(out, "lane rules: {}", self.options.lanes);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_lists_every_note_with_lane_and_articulation() {
        let kit = KitMap::builtin("roland-td").unwrap();
        let text = kit.describe();
        assert!(text.starts_with("roland-td: Roland V-Drums"), "{text}");
        assert!(
            text.contains("channel 10; hi-hat pedal position on CC4"),
            "{text}"
        );
        assert!(
            text.contains("  22  hihat        closed        HH closed edge"),
            "{text}"
        );
        assert!(
            text.contains("  44  hihat_pedal  -             HH pedal"),
            "{text}"
        );
        assert!(
            text.contains("  53  ride         bell          ride bell"),
            "{text}"
        );
        assert!(text.contains("crosstalk neighbours: tom1-tom2"), "{text}");
        let table_rows = text.lines().filter(|l| l.starts_with("  ")).count();
        assert_eq!(table_rows, kit.notes.len(), "{text}");
    }

    #[test]
    fn docs_note_tables_match_the_profiles() {
        let docs = std::fs::read_to_string(crate::testdata::crate_path("docs/kits.md")).unwrap();
        for (name, _) in PROFILES {
            let kit = KitMap::builtin(name).unwrap();
            assert!(
                docs.contains(&format!("### `{name}`")),
                "docs/kits.md lacks {name}"
            );
            for (note, (lane, art)) in &kit.notes {
                let row = format!(
                    "| {note} | {lane} | {} | {} |",
                    art.map(|a| a.name()).unwrap_or("-"),
                    kit.labels[note]
                );
                assert!(docs.contains(&row), "docs/kits.md lacks {name} row {row}");
            }
        }
    }

    #[test]
    fn gm_keeps_the_general_midi_layout() {
        let kit = KitMap::builtin("gm").unwrap();
        assert_eq!(kit.lookup(35), Some((Lane::Kick, None)));
        assert_eq!(kit.lookup(44), Some((Lane::HihatPedal, None)));
        assert_eq!(
            kit.lookup(46),
            Some((Lane::Hihat, Some(Articulation::Open)))
        );
        assert_eq!(kit.lookup(53), Some((Lane::Ride, Some(Articulation::Bell))));
        assert_eq!(kit.lookup(52), Some((Lane::China, None)));
        assert_eq!(kit.lookup(56), None, "cowbell is no lane");
    }
}

#[cfg(test)]
mod fixture_tests {
    //! Every built-in profile against a hand-written note table in fixtures/kits/: each note is
    //! played once, in order, and must land on the listed lane and articulation.

    use super::*;
    use crate::event::RawEvent;
    use crate::testdata::crate_path;
    use crate::time::Nanos;

    fn check_profile(profile: &str, fixture: &str) {
        let path = crate_path(&format!("fixtures/kits/{fixture}"));
        let text = std::fs::read_to_string(&path).unwrap();
        let mut expected = Vec::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let fields: Vec<_> = line.split_whitespace().collect();
            let note: u8 = fields[0].parse().unwrap();
            let lane: Lane = fields[1].parse().unwrap();
            let art = match fields[2] {
                "-" => None,
                a => Some(a.parse::<Articulation>().unwrap()),
            };
            expected.push((note, lane, art));
        }
        // One stroke every 200 ms on channel 10: far apart, so no filter applies.
        let events: Vec<RawEvent> = expected
            .iter()
            .enumerate()
            .map(|(i, (note, _, _))| {
                RawEvent::new(Nanos::from_millis(200 * i as i64), 0, &[0x99, *note, 100])
            })
            .collect();
        let kit = KitMap::builtin(profile).unwrap();
        let take = build_take(
            &events,
            &kit,
            &kit.options,
            fixture.into(),
            vec!["file".into()],
        );
        assert!(take.filtered.is_empty(), "{profile}: {:?}", take.filtered);
        assert_eq!(take.hits.len(), expected.len(), "{profile}");
        for (hit, (note, lane, art)) in take.hits.iter().zip(&expected) {
            assert_eq!(hit.source.note, *note);
            assert_eq!(
                (hit.lane, hit.articulation),
                (*lane, *art),
                "{profile}: note {note}"
            );
        }
        assert_eq!(
            expected.len(),
            kit.notes.len(),
            "{profile}: every mapped note is in {fixture}"
        );
    }

    #[test]
    fn roland_td_factory_notes() {
        check_profile("roland-td", "roland-td-factory-notes.txt");
    }

    #[test]
    fn gm_drum_notes() {
        check_profile("gm", "gm-drum-notes.txt");
    }

    #[test]
    fn alesis_nitro_factory_notes() {
        check_profile("alesis-nitro", "alesis-nitro-factory-notes.txt");
    }

    #[test]
    fn yamaha_dtx502_preset_notes() {
        check_profile("yamaha-dtx", "yamaha-dtx502-preset-notes.txt");
    }
}

#[cfg(test)]
mod real_data_tests {
    //! The Groove MIDI Dataset was played on a Roland TD-11: real playing, with pedal CC4. The
    //! filters must leave it almost untouched.

    use super::*;
    use crate::event::RawEvent;
    use crate::testdata::data_dir;
    use crate::time::Nanos;

    /// Raw events of a type 0 file with one tempo (as the GMD files are).
    fn events_of(path: &std::path::Path) -> Vec<RawEvent> {
        let bytes = std::fs::read(path).unwrap();
        let smf = midly::Smf::parse(&bytes).unwrap();
        let midly::Timing::Metrical(ppq) = smf.header.timing else {
            panic!("{}: not metrical", path.display())
        };
        let ppq = i128::from(ppq.as_int());
        let mut us_per_quarter = 500_000i128;
        let mut ticks = 0i128;
        let mut out = Vec::new();
        for ev in &smf.tracks[0] {
            ticks += i128::from(ev.delta.as_int());
            let time = Nanos((ticks * us_per_quarter * 1000 / ppq) as i64);
            match ev.kind {
                midly::TrackEventKind::Meta(midly::MetaMessage::Tempo(t)) => {
                    assert_eq!(ticks, 0, "one tempo at the start");
                    us_per_quarter = i128::from(t.as_int());
                }
                midly::TrackEventKind::Midi { channel, message } => {
                    let mut buf = Vec::new();
                    let live = midly::live::LiveEvent::Midi { channel, message };
                    live.write_std(&mut buf).unwrap();
                    out.push(RawEvent::new(time, 0, &buf));
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn groove_midi_dataset_takes_pass_the_filters_almost_untouched() {
        let Some(dir) = data_dir() else { return };
        let kit = KitMap::builtin("roland-td").unwrap();
        let mut files = 0;
        let (mut notes, mut hits, mut pedal, mut half_open) = (0, 0, 0, 0);
        let mut filtered = std::collections::BTreeMap::<&str, usize>::new();
        for drummer in ["drummer1", "drummer5", "drummer7", "drummer8"] {
            let session = dir.join("gmd").join(drummer).join("eval_session");
            let Ok(entries) = std::fs::read_dir(&session) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.extension().map_or(true, |e| e != "mid") {
                    continue;
                }
                files += 1;
                let events = events_of(&path);
                notes += events
                    .iter()
                    .filter(|e| matches!(e.decode(), Some(wmidi::MidiMessage::NoteOn(..))))
                    .count();
                let ccs = events
                    .iter()
                    .filter(|e| {
                        matches!(e.decode(), Some(wmidi::MidiMessage::ControlChange(_, cc, _))
                            if u8::from(cc) == 4)
                    })
                    .count();
                let take = build_take(
                    &events,
                    &kit,
                    &kit.options,
                    path.display().to_string(),
                    vec!["file".into()],
                );
                assert_eq!(
                    take.pedal.len(),
                    ccs,
                    "{}: every CC4 is a pedal sample",
                    path.display()
                );
                hits += take.hits.len();
                pedal += take.pedal.len();
                half_open += take
                    .hits
                    .iter()
                    .filter(|h| h.articulation == Some(Articulation::HalfOpen))
                    .count();
                for f in &take.filtered {
                    *filtered.entry(f.reason.name()).or_default() += 1;
                }
            }
        }
        assert_eq!(files, 20, "the four drummers' five grooves");
        let lost: usize = filtered.values().sum();
        eprintln!("GMD: {notes} notes, {hits} hits, {pedal} pedal samples, {half_open} half-open, filtered {filtered:?}");
        assert_eq!(hits + lost, notes);
        assert!(!filtered.contains_key("unmapped_note"), "{filtered:?}");
        assert!(!filtered.contains_key("other_channel"), "{filtered:?}");
        assert!(
            lost * 200 <= notes,
            "at most 0.5 % filtered: {filtered:?} of {notes}"
        );
        assert!(
            pedal > 0 && half_open > 0,
            "the pedal sets hi-hat articulations"
        );
    }
}
