//! Tests of the capture log reader and writer: the golden capture they share, then the tests
//! of each side and of round trips. They run through the folder's public functions, so the
//! reader and the writer need not import each other.

use crate::error::InputError;
use crate::formats::capture_log::*;
use crate::testdata::crate_path;
use crate::time::Nanos;
use std::io::Cursor;
use std::path::Path;

pub(super) const GOLDEN: &str = "fixtures/capture/two-kits-gap-and-overflow.jsonl";

pub(super) fn two_kit_header() -> CaptureHeader {
    CaptureHeader {
        started_at: "2025-01-02T03:04:05.678Z".into(),
        time_zero: None,
        start_mode: StartMode::CountIn,
        chart: Some(ChartRef {
            path: "charts/funk-groove.mid".into(),
            title: Some("Funk Groove".into()),
        }),
        section: Some("Chorus".into()),
        looped: true,
        tempo_scale: Some(0.8),
        capture: None,
        audio: Some(BackingAudio {
            files: vec!["/songs/funk-groove/song.ogg".into()],
            output: "USB Audio CODEC".into(),
            reported_latency: Nanos(21_333_333),
            audio_offset: Nanos(12_500_000),
            audio_offset_source: crate::report::AudioOffsetSource::Saved,
            mapping_spread: Nanos(1_234_567),
            tempo: 0.8,
            sample_zero: Nanos(2_000 * MS),
        }),
        ports: vec![
            PortInfo {
                index: 0,
                name: "TD-17 MIDI 1".into(),
                audio_file: None,
            },
            PortInfo {
                index: 1,
                name: "Alesis Nitro MIDI 1".into(),
                audio_file: None,
            },
        ],
        players: vec![
            PlayerInfo {
                name: "Ana".into(),
                port: 0,
                channel: Some(10),
                kit: "roland-td".into(),
                kit_file: None,
                offset_hands: Nanos::from_micros(3_500),
                offset_feet: Nanos::from_millis(5),
            },
            PlayerInfo {
                name: "Ben".into(),
                port: 1,
                channel: None,
                kit: "gm".into(),
                kit_file: None,
                offset_hands: Nanos::from_millis(-2),
                offset_feet: Nanos::ZERO,
            },
        ],
    }
}

pub(super) const MS: i64 = 1_000_000;

/// Writes the golden capture: a count-in, two kits, a SysEx, a clock byte, a lost port
/// and a ring overflow, then a clean stop.
pub(super) fn write_two_kit_capture(path: &Path) {
    let mut w = CaptureWriter::create(path, &two_kit_header()).expect("create");
    for beat in 0..4 {
        w.write_click(Nanos(beat * 500 * MS), beat == 0).unwrap();
    }
    w.write_time_zero(Nanos(2_000 * MS)).unwrap();
    w.write_midi(Nanos(1_990 * MS), 0, &[0xF0, 0x41, 0x10, 0x00, 0xF7])
        .unwrap();
    w.write_midi(Nanos(2_000 * MS + 1_234), 0, &[0x99, 36, 110])
        .unwrap();
    // Port 1 arrives slightly earlier than port 0's last event: allowed across ports.
    w.write_midi(Nanos(2_000 * MS - 500), 1, &[0x99, 36, 96])
        .unwrap();
    w.write_midi(Nanos(2_001 * MS), 0, &[0x89, 36, 0]).unwrap();
    w.write_midi(Nanos(2_100 * MS), 0, &[0xB9, 4, 127]).unwrap();
    w.write_midi(Nanos(2_200 * MS), 0, &[0xF8]).unwrap();
    w.write_midi(Nanos(2_250 * MS), 0, &[0x98, 38, 64]).unwrap(); // channel 9: not Ana's
    w.write_gap(1, Nanos(2_300 * MS), Nanos(2_700 * MS))
        .unwrap();
    w.write_overflow(0, 3, Nanos(2_400 * MS)).unwrap();
    w.write_midi(Nanos(2_500 * MS), 0, &[0x99, 38, 127])
        .unwrap();
    w.write_midi(Nanos(2_800 * MS), 1, &[0x99, 38, 80]).unwrap();
    w.finish(Nanos(3_000 * MS), "stopped").expect("finish");
}

pub(super) fn read_bytes(bytes: &[u8]) -> Result<Capture, InputError> {
    read_capture_from(Cursor::new(bytes), Path::new("test.jsonl"))
}

pub(super) fn golden_bytes() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("take.jsonl");
    write_two_kit_capture(&path);
    std::fs::read(&path).unwrap()
}

pub(super) fn bad_fixture(name: &str) -> InputError {
    read_capture(crate_path(&format!("fixtures/bad/{name}")))
        .expect_err("a bad fixture must not read")
}

pub(super) fn golden_bytes_cached() -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(golden_bytes)
}

mod read {
    use super::*;

    use crate::time::Nanos;

    use crate::error::{InputErrorKind, Place};
    use crate::testdata::crate_path;

    #[test]
    fn events_for_player_filters_port_and_channel_and_shifts_to_time_zero() {
        let cap = read_capture(crate_path(GOLDEN)).unwrap();
        let ana: Vec<(i64, Vec<u8>)> = cap
            .events_for_player(0)
            .iter()
            .map(|e| (e.time.0, e.message().to_vec()))
            .collect();
        assert_eq!(
            ana,
            vec![
                (1_234, vec![0x99, 36, 110]),
                (MS, vec![0x89, 36, 0]),
                (100 * MS, vec![0xB9, 4, 127]),
                (500 * MS, vec![0x99, 38, 127]),
            ],
            "port 0, channel 10 only (the channel 9 note is not Ana's)"
        );
        let ben: Vec<i64> = cap.events_for_player(1).iter().map(|e| e.time.0).collect();
        assert_eq!(
            ben,
            vec![-500, 800 * MS],
            "every channel of port 1; before zero is negative"
        );
        assert!(cap.events_for_player(2).is_empty(), "no third player");
    }

    #[test]
    fn without_time_zero_the_first_event_of_any_port_is_zero() {
        let mut header = two_kit_header();
        header.start_mode = StartMode::FirstHit;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("free.jsonl");
        let mut w = CaptureWriter::create(&path, &header).unwrap();
        w.write_midi(Nanos(7_000), 1, &[0x99, 36, 100]).unwrap();
        w.write_midi(Nanos(9_000), 0, &[0x99, 38, 100]).unwrap();
        drop(w); // unfinished: a crash after the last flush
        let cap = read_capture(&path).unwrap();
        assert_eq!(cap.time_zero, None);
        assert_eq!(cap.effective_time_zero(), Nanos(7_000));
        assert_eq!(cap.events_for_player(0)[0].time, Nanos(2_000));
        assert_eq!(cap.end, None);
        assert!(
            cap.warnings()[0].contains("no end line"),
            "{:?}",
            cap.warnings()
        );
    }

    #[test]
    fn every_cut_after_the_header_reads() {
        let bytes = golden_bytes();
        let header_end = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
        let last_start = bytes[..bytes.len() - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .unwrap()
            + 1;
        for cut in header_end..=bytes.len() {
            let prefix = &bytes[..cut];
            let cap = read_bytes(prefix).unwrap_or_else(|e| panic!("cut at byte {cut}: {e}"));
            let mid_line =
                prefix.last() != Some(&b'\n') && !prefix.ends_with(b"}") && cut != header_end;
            assert_eq!(cap.truncated_last_line, mid_line, "cut at byte {cut}");
            if cut >= last_start {
                // Cuts inside the end line: it is there only when complete.
                let complete = cut >= bytes.len() - 1;
                assert_eq!(cap.end.is_some(), complete, "cut at byte {cut}");
                assert_eq!(cap.events.len(), 7, "cut at byte {cut}");
            }
        }
    }

    #[test]
    fn an_unterminated_last_line_that_is_complete_json_is_still_checked() {
        let text = String::from_utf8(golden_bytes()).unwrap();
        let after_end = format!("{text}{{\"t\":1,\"p\":0,\"m\":[153,1,1]}}");
        let err = read_bytes(after_end.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("after the end line"), "{err}");

        let lines: Vec<&str> = text.lines().collect();
        let missing_bytes = format!(
            "{}\n{{\"t\":1,\"p\":0}}",
            lines[..lines.len() - 1].join("\n")
        );
        let err = read_bytes(missing_bytes.as_bytes()).unwrap_err();
        assert_eq!(
            err.place,
            Place::Line {
                line: lines.len(),
                column: None
            }
        );
        assert!(err.to_string().contains("\"m\" (bytes)"), "{err}");
    }

    #[test]
    fn a_tail_of_zero_bytes_after_a_power_cut_counts_as_a_cut_line() {
        let text = String::from_utf8(golden_bytes()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut bytes = lines[..lines.len() - 1].join("\n").into_bytes();
        bytes.extend_from_slice(b"\n{\"t\":29\0\0\0\0\0\0");
        let cap = read_bytes(&bytes).expect("a zero-filled tail is a crash, not damage");
        assert!(cap.truncated_last_line);
        assert_eq!(cap.events.len(), 7);
        assert_eq!(cap.end, None);
    }

    #[test]
    fn cut_header_is_a_truncation_error_at_line_1() {
        let bytes = golden_bytes();
        let err = read_bytes(&bytes[..40]).unwrap_err();
        assert_eq!(
            err.place,
            Place::Line {
                line: 1,
                column: None
            }
        );
        assert!(matches!(err.kind, InputErrorKind::Truncated(_)), "{err}");
    }

    #[test]
    fn corrupt_middle_line_names_the_line() {
        let mut text = String::from_utf8(golden_bytes()).unwrap();
        text = text.replacen("\"m\":[153,36,110]", "\"m\":[153,36,1", 1);
        let err = read_bytes(text.as_bytes()).unwrap_err();
        let line = text.lines().position(|l| l.contains("[153,36,1}")).unwrap() + 1;
        assert!(
            matches!(err.place, Place::Line { line: l, column: Some(_) } if l == line),
            "{err}"
        );
        let msg = err.to_string();
        assert!(msg.starts_with("test.jsonl: line "), "{msg}");
        assert!(msg.contains("repair or delete this line"), "{msg}");
    }

    #[test]
    fn empty_file_is_refused() {
        for bytes in [&b""[..], b"\n\n  \n"] {
            let err = read_bytes(bytes).unwrap_err();
            assert!(matches!(err.kind, InputErrorKind::Empty(_)), "{err}");
            assert_eq!(err.place, Place::File);
        }
    }

    #[test]
    fn non_utf8_lines_are_refused_with_their_line() {
        let mut bytes = golden_bytes();
        let second_line = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
        bytes[second_line + 2] = 0xFF;
        let err = read_bytes(&bytes).unwrap_err();
        assert_eq!(err.kind, InputErrorKind::NotUtf8);
        assert_eq!(
            err.place,
            Place::Line {
                line: 2,
                column: None
            }
        );

        let err = read_bytes(b"{\"format\":\"pocket-capture/1\xFF\"}\n").unwrap_err();
        assert_eq!(err.kind, InputErrorKind::NotUtf8);
        assert_eq!(
            err.place,
            Place::Line {
                line: 1,
                column: None
            }
        );
    }

    #[test]
    fn not_a_capture_log_says_so_at_line_1() {
        for text in [
            "hello\n",
            "{\"format\":\"pocket-chart/1\"}\n",
            "[1,2,3]\n",
            "{\"t\":1,\"p\":0,\"m\":[144]}\n",
        ] {
            let err = read_bytes(text.as_bytes()).unwrap_err();
            assert_eq!(
                err.place,
                Place::Line {
                    line: 1,
                    column: None
                },
                "{text}"
            );
            assert!(
                err.to_string().contains("not a pocket capture log"),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn a_later_major_version_is_refused() {
        let err = read_bytes(b"{\"format\":\"pocket-capture/2\",\"minor\":0}\n").unwrap_err();
        assert_eq!(
            err.kind,
            InputErrorKind::UnsupportedFormat {
                found: "pocket-capture/2".into(),
                expected: FORMAT.into()
            }
        );
        assert_eq!(
            err.place,
            Place::Line {
                line: 1,
                column: None
            }
        );
    }

    #[test]
    fn a_later_minor_version_skips_unknown_kinds_and_fields() {
        let text = concat!(
            "{\"format\":\"pocket-capture/1\",\"minor\":3,\"started_at\":\"2025-01-02T03:04:05.678Z\",",
            "\"time_zero_ns\":null,\"start_mode\":\"now\",\"ports\":[{\"index\":0,\"name\":\"kit\",\"serial\":\"x\"}],",
            "\"players\":[],\"venue\":\"garage\"}\n",
            "{\"k\":\"tempo\",\"t\":5,\"bpm\":120}\n",
            "{\"k\":\"marker\",\"t\":\"not a number\"}\n",
            "{\"t\":10,\"p\":0,\"m\":[144,38,90],\"v\":\"new field\"}\n",
            "{\"k\":\"tempo\",\"t\":6,\"bpm\":121}\n",
        );
        let cap = read_bytes(text.as_bytes()).unwrap();
        assert_eq!(cap.minor_version, 3);
        assert_eq!(cap.skipped_unknown, 3);
        assert_eq!(
            cap.unknown_kinds,
            vec!["tempo".to_string(), "marker".to_string()]
        );
        assert_eq!(cap.events.len(), 1);
        assert!(
            cap.warnings().iter().any(|w| w.contains("skipped 3 lines")),
            "{:?}",
            cap.warnings()
        );
    }

    #[test]
    fn odd_messages_are_counted_not_returned() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("odd.jsonl");
        let mut header = two_kit_header();
        header.players.clear();
        let mut w = CaptureWriter::create(&path, &header).unwrap();
        let sysex: Vec<u8> = std::iter::once(0xF0)
            .chain((0..1000).map(|i| (i % 128) as u8))
            .chain([0xF7])
            .collect();
        w.write_midi(Nanos(1), 0, &sysex).unwrap();
        w.write_midi(Nanos(2), 0, &[0xFE]).unwrap(); // active sensing
        w.write_midi(Nanos(3), 0, &[0x26, 100]).unwrap(); // data byte first
        w.write_midi(Nanos(4), 0, &[0x99, 38]).unwrap(); // note on missing its velocity
        w.write_midi(Nanos(5), 1, &[0xC9, 5]).unwrap(); // program change: 2 bytes
        w.finish(Nanos(6), "stopped").unwrap();
        let cap = read_capture(&path).unwrap();
        assert_eq!(cap.sysex_messages, 1);
        assert_eq!(cap.system_messages, 1);
        assert_eq!(cap.malformed_messages, 2);
        assert_eq!(cap.events.len(), 1);
        assert_eq!(cap.events[0].message(), &[0xC9, 5]);
    }

    #[test]
    fn out_of_order_events_within_a_port_are_counted_and_sorted() {
        let text = concat!(
            "{\"format\":\"pocket-capture/1\",\"minor\":0,\"started_at\":\"x\",\"time_zero_ns\":0,",
            "\"start_mode\":\"now\",\"ports\":[{\"index\":4,\"name\":\"kit\"}],\"players\":[]}\n",
            "{\"t\":30,\"p\":4,\"m\":[153,38,1]}\n",
            "{\"t\":10,\"p\":4,\"m\":[153,38,2]}\n",
            "{\"t\":20,\"p\":4,\"m\":[153,38,3]}\n",
            "{\"t\":20,\"p\":4,\"m\":[153,38,4]}\n",
        );
        let cap = read_bytes(text.as_bytes()).unwrap();
        assert_eq!(cap.out_of_order_events, 3);
        let velocities: Vec<u8> = cap.events.iter().map(|e| e.bytes[2]).collect();
        assert_eq!(
            velocities,
            vec![2, 3, 4, 1],
            "sorted by time, equal times in file order"
        );
    }

    #[test]
    fn overlong_lines_are_refused() {
        let mut text = String::from("{\"format\":\"pocket-capture/1\",\"minor\":0,\"started_at\":\"x\",\"time_zero_ns\":null,\"start_mode\":\"none\",\"ports\":[],\"players\":[]}\n");
        text.push_str(&" ".repeat(MAX_LINE_BYTES + 10));
        text.push('\n');
        let err = read_bytes(text.as_bytes()).unwrap_err();
        assert_eq!(
            err.place,
            Place::Line {
                line: 2,
                column: None
            }
        );
        assert!(err.to_string().contains("longer than"), "{err}");
    }

    #[test]
    fn bad_fixture_corrupt_middle_line() {
        let err = bad_fixture("capture-corrupt-middle-line.jsonl");
        assert!(matches!(err.place, Place::Line { line: 3, .. }), "{err}");
    }

    #[test]
    fn bad_fixture_wrong_version() {
        let err = bad_fixture("capture-wrong-version.jsonl");
        assert!(
            matches!(err.kind, InputErrorKind::UnsupportedFormat { .. }),
            "{err}"
        );
        assert_eq!(
            err.place,
            Place::Line {
                line: 1,
                column: None
            }
        );
    }

    #[test]
    fn bad_fixture_player_on_unknown_port() {
        let err = bad_fixture("capture-player-on-unknown-port.jsonl");
        assert_eq!(
            err.place,
            Place::Line {
                line: 1,
                column: None
            }
        );
        assert!(
            err.to_string()
                .contains("port 3, which is not in \"ports\""),
            "{err}"
        );
    }

    #[test]
    fn bad_fixture_event_on_unknown_port() {
        let err = bad_fixture("capture-event-on-unknown-port.jsonl");
        assert_eq!(
            err.place,
            Place::Line {
                line: 3,
                column: None
            }
        );
        assert!(
            err.to_string().contains("port 7 is not in the header"),
            "{err}"
        );
    }

    #[test]
    fn bad_fixture_line_after_end() {
        let err = bad_fixture("capture-line-after-end.jsonl");
        assert_eq!(
            err.place,
            Place::Line {
                line: 4,
                column: None
            }
        );
        assert!(
            err.to_string().contains("after the end line (line 3)"),
            "{err}"
        );
    }

    #[test]
    fn bad_fixture_midi_line_missing_bytes() {
        let err = bad_fixture("capture-midi-line-missing-bytes.jsonl");
        assert_eq!(
            err.place,
            Place::Line {
                line: 2,
                column: None
            }
        );
        assert!(err.to_string().contains("\"m\" (bytes)"), "{err}");
    }

    #[test]
    fn bad_fixture_two_logs_joined() {
        let err = bad_fixture("capture-two-logs-joined.jsonl");
        assert_eq!(
            err.place,
            Place::Line {
                line: 3,
                column: None
            }
        );
        assert!(err.to_string().contains("second header"), "{err}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        #[test]
        fn random_mutations_never_panic(
            edits in proptest::collection::vec((0usize..4096, 0u8..3, proptest::prelude::any::<u8>()), 1..8)
        ) {
            let mut bytes = golden_bytes_cached().to_vec();
            for (pos, op, byte) in edits {
                let pos = pos % (bytes.len() + 1);
                match op {
                    0 if pos < bytes.len() => bytes[pos] = byte,
                    1 => bytes.insert(pos, byte),
                    _ if pos < bytes.len() => { bytes.remove(pos); }
                    _ => {}
                }
            }
            if let Ok(cap) = read_bytes(&bytes) {
                proptest::prop_assert!(cap.events.windows(2).all(|w| w[0].time <= w[1].time));
                for i in 0..cap.header.players.len() {
                    let _ = cap.events_for_player(i);
                }
                let _ = cap.warnings();
            }
        }
    }
}

mod write {
    use super::*;

    use crate::time::Nanos;

    #[test]
    fn golden_fixture_matches_the_writer() {
        // When it differs, the writer's output changed.
        crate::testdata::check_golden(GOLDEN, golden_bytes());
    }

    #[test]
    fn midi_lines_are_compact() {
        let text = String::from_utf8(golden_bytes()).unwrap();
        assert!(
            text.starts_with(&format!(
                "{{\"format\":\"pocket-capture/1\",\"minor\":{MINOR_VERSION},"
            )),
            "{text}"
        );
        assert!(
            text.contains("\n{\"t\":2000001234,\"p\":0,\"m\":[153,36,110]}\n"),
            "{text}"
        );
        assert!(
            text.contains("\n{\"t\":1999999500,\"p\":1,\"m\":[153,36,96]}\n"),
            "{text}"
        );
        assert!(
            text.ends_with("{\"k\":\"end\",\"t\":3000000000,\"reason\":\"stopped\"}\n"),
            "{text}"
        );
    }

    #[test]
    fn writer_refuses_what_the_reader_would_refuse() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.jsonl");
        let mut bad = two_kit_header();
        bad.players[0].channel = Some(17);
        let err = CaptureWriter::create(&path, &bad).unwrap_err();
        assert!(err.to_string().contains("channel 17"), "{err}");
        assert!(!path.exists(), "no file for a refused header");

        let mut w = CaptureWriter::create(&path, &two_kit_header()).unwrap();
        assert!(w
            .write_midi(Nanos(0), 9, &[0x99, 1, 1])
            .unwrap_err()
            .to_string()
            .contains("port 9"));
        assert!(w.write_midi(Nanos(0), 0, &[]).is_err());
        assert!(w
            .write_midi(Nanos(0), 0, &vec![0xF0; MAX_MESSAGE_BYTES + 1])
            .is_err());
        assert!(w.write_gap(0, Nanos(5), Nanos(4)).is_err());
        let mut longest = vec![0x7F; MAX_MESSAGE_BYTES];
        longest[0] = 0xF0;
        longest[MAX_MESSAGE_BYTES - 1] = 0xF7;
        w.write_midi(Nanos(0), 0, &longest).unwrap();
        w.finish(Nanos(1), "stopped").unwrap();
        let cap = read_capture(&path).unwrap();
        assert_eq!(
            cap.sysex_messages, 1,
            "the longest message fits on one line"
        );

        let err = CaptureWriter::create(&path, &two_kit_header()).unwrap_err();
        assert!(
            err.to_string().contains("already exists"),
            "never overwrite a take: {err}"
        );
    }
}

mod round_trip {
    use super::*;

    use crate::time::Nanos;

    use crate::testdata::crate_path;

    #[test]
    fn round_trip_keeps_every_line_kind() {
        let cap = read_capture(crate_path(GOLDEN)).expect("golden fixture reads");
        assert_eq!(cap.header, two_kit_header());
        assert_eq!(cap.minor_version, MINOR_VERSION);
        assert_eq!(cap.time_zero, Some(Nanos(2_000 * MS)));
        let times: Vec<(i64, u16)> = cap.events.iter().map(|e| (e.time.0, e.port)).collect();
        assert_eq!(
            times,
            vec![
                (2_000 * MS - 500, 1),
                (2_000 * MS + 1_234, 0),
                (2_001 * MS, 0),
                (2_100 * MS, 0),
                (2_250 * MS, 0),
                (2_500 * MS, 0),
                (2_800 * MS, 1),
            ],
            "channel messages, sorted by time across ports"
        );
        assert_eq!(cap.events[1].message(), &[0x99, 36, 110]);
        assert_eq!(cap.sysex_messages, 1);
        assert_eq!(cap.system_messages, 1, "the clock byte");
        assert_eq!(cap.malformed_messages, 0);
        assert_eq!(
            cap.out_of_order_events, 0,
            "per port, times never went back"
        );
        assert_eq!(
            cap.gaps,
            vec![Gap {
                port: 1,
                from: Nanos(2_300 * MS),
                to: Nanos(2_700 * MS)
            }]
        );
        assert_eq!(
            cap.overflows,
            vec![Overflow {
                port: 0,
                lost: 3,
                time: Nanos(2_400 * MS)
            }]
        );
        assert_eq!(cap.clicks.len(), 4);
        assert_eq!(
            cap.clicks[0],
            Click {
                time: Nanos::ZERO,
                accent: true
            }
        );
        assert!(!cap.clicks[1].accent);
        assert_eq!(
            cap.end,
            Some(End {
                time: Nanos(3_000 * MS),
                reason: "stopped".into()
            })
        );
        assert!(!cap.truncated_last_line);
        assert_eq!(cap.skipped_unknown, 0);
        let warnings = cap.warnings();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].contains("Alesis Nitro") && warnings[0].contains("0.400 s"),
            "{warnings:?}"
        );
        assert!(warnings[1].contains("3 events were lost"), "{warnings:?}");
    }
}

mod frames {
    use super::*;
    use crate::formats::capture_log::{ClockJump, StampSource};
    use crate::time::Nanos;

    #[test]
    fn a_jack_capture_keeps_its_frames_clock_xruns_and_jumps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jack.jsonl");
        let mut header = two_kit_header();
        header.capture = Some(StampSource {
            backend: "jack".into(),
            sample_rate: Some(48_000),
            period_frames: Some(1024),
            stamp_resolution_ms: 1000.0 / 48_000.0,
        });
        let mut w = CaptureWriter::create(&path, &header).expect("create");
        w.write_click_at_frame(Nanos(0), 0, true).unwrap();
        w.write_midi_at_frame(Nanos(7_000_000), 336, 0, &[0x99, 36, 100])
            .unwrap();
        w.write_midi_at_frame(Nanos(-20_833), -1, 1, &[0x99, 38, 90])
            .unwrap();
        w.write_xrun(Nanos(50 * MS)).unwrap();
        w.write_clock_jump(Nanos(60 * MS), 3_072, 2_048).unwrap();
        w.finish(Nanos(100 * MS), "stopped").expect("finish");

        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(r#"{"t":7000000,"f":336,"p":0,"m":[153,36,100]}"#),
            "{text}"
        );
        assert!(
            text.contains(r#"{"k":"click","t":0,"f":0,"accent":true}"#),
            "{text}"
        );
        assert!(
            text.contains(
                r#""capture":{"backend":"jack","sample_rate":48000,"period_frames":1024"#
            ),
            "{text}"
        );
        let cap = read_capture(&path).expect("reads");
        assert_eq!(cap.header.capture, header.capture);
        let times: Vec<i64> = cap.events.iter().map(|e| e.time.0).collect();
        assert_eq!(times, [-20_833, 7_000_000]);
        assert_eq!(cap.xruns, [Nanos(50 * MS)]);
        assert_eq!(
            cap.clock_jumps,
            [ClockJump {
                time: Nanos(60 * MS),
                expected_frame: 2_048,
                frame: 3_072
            }]
        );
        assert_eq!(cap.clicks.len(), 1);
        let warnings = cap.warnings().join("\n");
        assert!(warnings.contains("1 xrun"), "{warnings}");
        assert!(warnings.contains("jumped by 1024 frames"), "{warnings}");
        // The fast reader and the full one agree on lines with a frame.
        let slow =
            read_bytes(text.replace(r#","f":336"#, r#", "f": 336"#).as_bytes()).expect("reads");
        assert_eq!(slow.events, cap.events);
    }
}
