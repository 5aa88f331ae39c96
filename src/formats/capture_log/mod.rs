//! The capture log: pocket's own raw take format, written while drummers play.
//!
//! A capture log is JSON Lines: a header line, then one line per raw MIDI event or capture
//! incident (a lost port, a buffer overflow, a click, the stop). Every line stands alone, so a
//! crash loses at most the line being written: the reader accepts a file whose last line was
//! cut off and says so in [`Capture::truncated_last_line`]. The format is specified for other
//! tools in `docs/capture-log.md`.
//!
//! [`CaptureWriter`] writes it (a MIDI line costs no allocation once the writer runs), and
//! [`read_capture`] reads it back into [`crate::event::RawEvent`]s for the kit stage.
//!
//! `header` holds the header line and the limits both sides keep; `write` holds the writer and
//! `read` the reader, as hound splits WAV files.

mod header;
mod read;
#[cfg(test)]
mod test_files;
mod write;

pub use header::{
    format_rfc3339_utc, CaptureHeader, ChartRef, PlayerInfo, PortInfo, StartMode, FORMAT,
    MAX_FILE_BYTES, MAX_LINE_BYTES, MAX_MESSAGE_BYTES, MAX_OFFSET_MS, MINOR_VERSION,
};
pub use read::{read_capture, read_capture_from, Capture, Click, End, Gap, Overflow};
pub use write::{CaptureWriteError, CaptureWriter};

#[cfg(test)]
mod tests {
    use super::*;

    use crate::formats::capture_log::test_files::*;
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
