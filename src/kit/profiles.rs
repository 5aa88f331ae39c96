//! The built-in kit profiles: factory note maps of common modules, and General MIDI.
//!
//! The tables here are the single source for `pocket kits show` and docs/kits.md.

use super::map::KitMap;
use super::options::KitOptions;
use crate::lane::{Articulation, Lane};

use Articulation::*;
use Lane::*;

/// One row of a profile table: note, lane, articulation, pad label.
type Row = (u8, Lane, Option<Articulation>, &'static str);

/// Built-in profile names with a one-line description, in the order `pocket kits` lists them.
pub const PROFILES: &[(&str, &str)] = &[
    (
        "gm",
        "General MIDI drum map (channel 10), for files and kits set to GM",
    ),
    (
        "roland-td",
        "Roland V-Drums TD-11/TD-17/TD-27 factory note map, with edges, rims, bell and aux pads",
    ),
    (
        "alesis-nitro",
        "Alesis Nitro / Nitro Mesh module factory note map",
    ),
    (
        "yamaha-dtx",
        "Yamaha DTX502 preset kits 1-49 note map (hi-hat edge and cup, crash cup)",
    ),
];

/// Neighbouring pads that pick up each other's vibration, for every built-in profile: adjacent
/// toms, and the crash and ride with the tom they usually share a rack bar with. Kick and snare
/// are deliberately not neighbours: a ghost snare on a loud kick is music.
pub(super) const DEFAULT_NEIGHBOURS: &[(Lane, Lane)] = &[
    (Tom1, Tom2),
    (Tom2, Tom3),
    (Tom3, Tom4),
    (Crash, Tom1),
    (Ride, Tom2),
];

const GM: &[Row] = &[
    (35, Kick, None, "acoustic bass drum"),
    (36, Kick, None, "bass drum 1"),
    (37, Snare, Some(CrossStick), "side stick"),
    (38, Snare, Some(Head), "acoustic snare"),
    (40, Snare, Some(Rim), "electric snare (rim on most kits)"),
    (41, Tom3, None, "low floor tom"),
    (42, Hihat, Some(Closed), "closed hi-hat"),
    (43, Tom3, None, "high floor tom"),
    (44, HihatPedal, None, "pedal hi-hat"),
    (45, Tom2, None, "low tom"),
    (46, Hihat, Some(Open), "open hi-hat"),
    (47, Tom2, None, "low-mid tom"),
    (48, Tom1, None, "hi-mid tom"),
    (49, Crash, None, "crash cymbal 1"),
    (50, Tom1, None, "high tom"),
    (51, Ride, Some(Bow), "ride cymbal 1"),
    (52, China, None, "chinese cymbal"),
    (53, Ride, Some(Bell), "ride bell"),
    (55, Splash, None, "splash cymbal"),
    (57, Crash2, None, "crash cymbal 2"),
    (59, Ride, Some(Bow), "ride cymbal 2"),
];

const ROLAND_TD: &[Row] = &[
    (22, Hihat, Some(Closed), "HH closed edge"),
    (26, Hihat, Some(Open), "HH open edge"),
    (27, Splash, Some(Bow), "AUX1 head"),
    (28, Splash, Some(Edge), "AUX1 rim"),
    (29, China, Some(Bow), "AUX2 head"),
    (30, China, Some(Edge), "AUX2 rim"),
    (36, Kick, None, "kick"),
    (37, Snare, Some(CrossStick), "snare cross-stick"),
    (38, Snare, Some(Head), "snare head"),
    (39, Tom4, Some(Rim), "tom 4 rim"),
    (40, Snare, Some(Rim), "snare rim"),
    (41, Tom4, Some(Head), "tom 4 head"),
    (42, Hihat, Some(Closed), "HH closed bow"),
    (43, Tom3, Some(Head), "tom 3 head"),
    (44, HihatPedal, None, "HH pedal (foot close)"),
    (45, Tom2, Some(Head), "tom 2 head"),
    (46, Hihat, Some(Open), "HH open bow"),
    (47, Tom2, Some(Rim), "tom 2 rim"),
    (48, Tom1, Some(Head), "tom 1 head"),
    (49, Crash, Some(Bow), "crash 1 bow"),
    (50, Tom1, Some(Rim), "tom 1 rim"),
    (51, Ride, Some(Bow), "ride bow"),
    (52, Crash2, Some(Edge), "crash 2 edge"),
    (53, Ride, Some(Bell), "ride bell"),
    (55, Crash, Some(Edge), "crash 1 edge"),
    (57, Crash2, Some(Bow), "crash 2 bow"),
    (58, Tom3, Some(Rim), "tom 3 rim"),
    (59, Ride, Some(Edge), "ride edge"),
];

const ALESIS_NITRO: &[Row] = &[
    (21, Splash, None, "splash"),
    (23, Hihat, Some(HalfOpen), "hi-hat half-open"),
    (36, Kick, None, "kick"),
    (38, Snare, Some(Head), "snare"),
    (39, Tom4, Some(Rim), "tom 4 rim"),
    (40, Snare, Some(Rim), "snare rim"),
    (41, Tom4, Some(Head), "tom 4"),
    (42, Hihat, Some(Closed), "hi-hat closed"),
    (43, Tom3, Some(Head), "tom 3"),
    (44, HihatPedal, None, "hi-hat pedal"),
    (45, Tom2, Some(Head), "tom 2"),
    (46, Hihat, Some(Open), "hi-hat open"),
    (47, Tom2, Some(Rim), "tom 2 rim"),
    (48, Tom1, Some(Head), "tom 1"),
    (49, Crash, None, "crash 1"),
    (50, Tom1, Some(Rim), "tom 1 rim"),
    (51, Ride, None, "ride"),
    (57, Crash2, None, "crash 2"),
    (58, Tom3, Some(Rim), "tom 3 rim"),
];

const YAMAHA_DTX: &[Row] = &[
    (27, Snare, Some(CrossStick), "snare (snares off) closed rim"),
    (31, Snare, Some(Head), "snare (snares off) head"),
    (34, Snare, Some(Rim), "snare (snares off) open rim"),
    (35, Kick, None, "kick 2"),
    (36, Kick, None, "kick"),
    (37, Snare, Some(CrossStick), "snare closed rim"),
    (38, Snare, Some(Head), "snare head"),
    (40, Snare, Some(Rim), "snare open rim"),
    (42, Hihat, Some(Closed), "hi-hat closed"),
    (43, Tom3, Some(Head), "tom 3"),
    (44, HihatPedal, None, "hi-hat foot close"),
    (46, Hihat, Some(Open), "hi-hat open"),
    (47, Tom2, Some(Head), "tom 2"),
    (48, Tom1, Some(Head), "tom 1"),
    (49, Crash, Some(Edge), "crash edge"),
    (51, Ride, Some(Bow), "ride bow"),
    (52, Ride, Some(Edge), "ride edge"),
    (53, Ride, Some(Bell), "ride cup"),
    (55, Crash, None, "crash cup"),
    (57, Crash2, None, "pad 9 (extra cymbal)"),
    (59, Crash, Some(Bow), "crash bow"),
    (78, Hihat, Some(Open), "hi-hat open edge"),
    (79, Hihat, Some(Closed), "hi-hat closed edge"),
    (83, HihatPedal, None, "hi-hat foot splash"),
    (85, Hihat, Some(Open), "hi-hat open cup"),
    (86, Hihat, Some(Closed), "hi-hat closed cup"),
];

fn table(name: &str) -> Option<&'static [Row]> {
    match name {
        "gm" => Some(GM),
        "roland-td" => Some(ROLAND_TD),
        "alesis-nitro" => Some(ALESIS_NITRO),
        "yamaha-dtx" => Some(YAMAHA_DTX),
        _ => None,
    }
}

impl KitMap {
    /// A built-in profile by name (see [`PROFILES`]).
    pub fn builtin(name: &str) -> Option<KitMap> {
        builtin(name)
    }
}

/// Builds a built-in profile.
fn builtin(name: &str) -> Option<KitMap> {
    let rows = table(name)?;
    let description = PROFILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| d.to_string())
        .unwrap_or_default();
    Some(KitMap {
        name: name.to_string(),
        description,
        notes: rows.iter().map(|&(n, l, a, _)| (n, (l, a))).collect(),
        labels: rows
            .iter()
            .map(|&(n, _, _, label)| (n, label.to_string()))
            .collect(),
        channel: Some(10),
        pedal_cc: Some(4),
        neighbours: DEFAULT_NEIGHBOURS.to_vec(),
        options: KitOptions::default(),
    })
}

/// The built-in profile that fits a MIDI port name, if one does: Roland TD modules and V-Drums
/// (`"TD-17 MIDI 1"`), Yamaha DTX modules, Alesis Nitro modules.
pub fn suggest_profile(port_name: &str) -> Option<&'static str> {
    let name = port_name.to_ascii_lowercase();
    let bytes = name.as_bytes();
    // "td" starting a word and followed by '-' or a digit: TD-17, TD27, "Roland TD-50X".
    let roland_td = name.match_indices("td").any(|(i, _)| {
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let next = bytes.get(i + 2).copied();
        starts_word && matches!(next, Some(b'-') | Some(b'0'..=b'9'))
    });
    if roland_td || name.contains("v-drums") || name.contains("vdrums") {
        Some("roland-td")
    } else if name.contains("dtx") {
        Some("yamaha-dtx")
    } else if name.contains("nitro") {
        Some("alesis-nitro")
    } else {
        None
    }
}

/// The built-in profile that maps the most of `notes` (note number, count), weighted by count,
/// with how many it maps; of equal ones the first in [`PROFILES`]. `None` when none maps any.
pub fn profile_for_notes(notes: &[(u8, usize)]) -> Option<(&'static str, usize)> {
    PROFILES
        .iter()
        .filter_map(|(name, _)| {
            let rows = table(name)?;
            let mapped = notes
                .iter()
                .filter(|(note, _)| rows.iter().any(|r| r.0 == *note))
                .map(|(_, n)| n)
                .sum::<usize>();
            Some((*name, mapped))
        })
        .filter(|(_, mapped)| *mapped > 0)
        .fold(None, |best: Option<(&'static str, usize)>, p| match best {
            Some(b) if b.1 >= p.1 => Some(b),
            _ => Some(p),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_profile_builds_and_only_those() {
        for (name, description) in PROFILES {
            let kit = builtin(name).unwrap_or_else(|| panic!("profile {name} missing"));
            assert_eq!(kit.name, *name);
            assert_eq!(kit.description, *description);
            assert_eq!(
                kit.labels.len(),
                kit.notes.len(),
                "{name}: a label per note"
            );
        }
        assert!(builtin("td-17").is_none());
    }

    #[test]
    fn articulations_fit_their_lanes_and_notes_are_unique() {
        for (name, _) in PROFILES {
            let rows = table(name).unwrap();
            for (i, &(note, lane, art, label)) in rows.iter().enumerate() {
                if let Some(a) = art {
                    assert!(lane.allows(a), "{name}: note {note} ({label}): {lane} {a}");
                }
                assert!(
                    rows[..i].iter().all(|r| r.0 != note),
                    "{name}: note {note} listed twice"
                );
                assert!(note < 128);
            }
        }
    }

    #[test]
    fn roland_td_groups_like_the_groove_midi_dataset() {
        // The 22 TD-11 pitches, grouped by drum, with the foot chick on its own lane.
        let kit = builtin("roland-td").unwrap();
        let lane_of = |n: u8| kit.lookup(n).map(|(l, _)| l);
        let groups: &[(&[u8], Lane)] = &[
            (&[36], Kick),
            (&[38, 40, 37], Snare),
            (&[42, 22, 46, 26], Hihat),
            (&[44], HihatPedal),
            (&[43, 58], Tom3),
            (&[45, 47], Tom2),
            (&[48, 50], Tom1),
            (&[49, 55], Crash),
            (&[57, 52], Crash2),
            (&[51, 59, 53], Ride),
        ];
        let mut count = 0;
        for (notes, lane) in groups {
            for n in *notes {
                assert_eq!(lane_of(*n), Some(*lane), "note {n}");
                count += 1;
            }
        }
        assert_eq!(count, 22);
        assert_eq!(kit.lookup(22), Some((Hihat, Some(Closed))));
        assert_eq!(kit.lookup(26), Some((Hihat, Some(Open))));
        assert_eq!(kit.lookup(53), Some((Ride, Some(Bell))));
        assert_eq!(kit.lookup(59), Some((Ride, Some(Edge))));
        assert_eq!(kit.lookup(58), Some((Tom3, Some(Rim))));
    }

    #[test]
    fn kick_and_snare_are_never_neighbours() {
        for (name, _) in PROFILES {
            let kit = builtin(name).unwrap();
            assert!(
                !kit.are_neighbours(Kick, Snare),
                "{name} makes kick and snare neighbours"
            );
            assert!(!kit.are_neighbours(Hihat, Snare), "{name}");
            assert!(
                kit.are_neighbours(Tom2, Tom1),
                "{name}: pairs work both ways"
            );
        }
    }

    #[test]
    fn port_names_suggest_profiles() {
        assert_eq!(suggest_profile("TD-17 MIDI 1"), Some("roland-td"));
        assert_eq!(
            suggest_profile("TD-27:TD-27 MIDI 1 28:0"),
            Some("roland-td")
        );
        assert_eq!(suggest_profile("Roland TD17"), Some("roland-td"));
        assert_eq!(suggest_profile("V-Drums"), Some("roland-td"));
        assert_eq!(suggest_profile("DTX502"), Some("yamaha-dtx"));
        assert_eq!(suggest_profile("Yamaha DTX-PRO"), Some("yamaha-dtx"));
        assert_eq!(suggest_profile("Nitro Mesh Kit"), Some("alesis-nitro"));
        assert_eq!(suggest_profile("Alesis Nitro MIDI 1"), Some("alesis-nitro"));
        assert_eq!(suggest_profile("Midi Through Port-0"), None);
        assert_eq!(suggest_profile("USB Standard MIDI"), None, "'std' is no TD");
        assert_eq!(suggest_profile(""), None);
    }
}
