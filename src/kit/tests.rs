//! Tests of the kit stage as a whole: the profiles' descriptions, every built-in profile against
//! its note table, and the filters on real playing.

mod describe {

    use crate::kit::map::KitMap;
    use crate::kit::profiles::PROFILES;
    use crate::lane::{Articulation, Lane};

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

mod fixtures {
    //! Every built-in profile against a hand-written note table in fixtures/kits/: each note is
    //! played once, in order, and must land on the listed lane and articulation.

    use crate::kit::build::build_take;
    use crate::kit::map::KitMap;

    use crate::event::RawEvent;
    use crate::lane::{Articulation, Lane};
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

mod real_data {
    //! The Groove MIDI Dataset was played on a Roland TD-11: real playing, with pedal CC4. The
    //! filters must leave it almost untouched.

    use crate::kit::build::build_take;
    use crate::kit::map::KitMap;

    use crate::event::RawEvent;
    use crate::lane::Articulation;
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
                if path.extension().is_none_or(|e| e != "mid") {
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
