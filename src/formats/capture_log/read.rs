//! Reading a capture log back into [`RawEvent`]s for the kit stage, line by line, tolerating
//! a last line cut off by a crash.

use super::header::{
    CaptureHeader, FORMAT, MAX_FILE_BYTES, MAX_LINE_BYTES, MAX_MESSAGE_BYTES, MINOR_VERSION,
};
use crate::error::{InputError, InputErrorKind, Place};
use crate::event::{Message, RawEvent};
use crate::time::Nanos;
use serde::Deserialize;
use std::borrow::Cow;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

/// How many distinct unknown line kinds are remembered for the warning.
const MAX_UNKNOWN_KINDS_KEPT: usize = 8;

/// A port was lost and regained during the capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    /// The port ([`super::PortInfo::index`]).
    pub port: u16,
    /// Capture-clock time the port was lost.
    pub from: Nanos,
    /// Capture-clock time it came back (or the capture stopped).
    pub to: Nanos,
}

/// Events dropped because the capture's ring buffer was full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow {
    /// The port ([`super::PortInfo::index`]).
    pub port: u16,
    /// How many events were lost.
    pub lost: u64,
    /// Capture-clock time the loss was noticed.
    pub time: Nanos,
}

/// A metronome click sent during the capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Click {
    /// Capture-clock time it was sent.
    pub time: Nanos,
    /// Accented (first beat of a bar).
    pub accent: bool,
}

/// A jump of the frame clock: a process cycle did not start where the previous one ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockJump {
    /// Capture-clock time of the cycle that started off the expected frame.
    pub time: Nanos,
    /// The frame it should have started at (from the capture's zero).
    pub expected_frame: i64,
    /// The frame it started at.
    pub frame: i64,
}

/// The clean stop of a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct End {
    /// Capture-clock time of the stop.
    pub time: Nanos,
    /// Why it stopped (`stopped`, `chart_end`, ... ; free text from newer writers).
    pub reason: String,
}

/// A capture log as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    /// The header line.
    pub header: CaptureHeader,
    /// The header's minor version (greater than [`MINOR_VERSION`] = written by a newer pocket).
    pub minor_version: u32,
    /// Chart time zero on the capture clock: the last `zero` line, else the header's value.
    pub time_zero: Option<Nanos>,
    /// Channel messages (2-3 bytes), on the capture clock, sorted stably by time.
    pub events: Vec<RawEvent>,
    /// Lost ports, sorted stably by start.
    pub gaps: Vec<Gap>,
    /// Ring overflows, sorted stably by time.
    pub overflows: Vec<Overflow>,
    /// Clicks, sorted stably by time.
    pub clicks: Vec<Click>,
    /// Times the audio/MIDI server reported an xrun (a missed cycle), sorted.
    pub xruns: Vec<Nanos>,
    /// Jumps of the frame clock, sorted by time.
    pub clock_jumps: Vec<ClockJump>,
    /// The `end` line, or `None` when the capture did not stop cleanly.
    pub end: Option<End>,
    /// The last line was cut off (a crash while writing) and was ignored.
    pub truncated_last_line: bool,
    /// Lines of kinds this version does not know (from a newer minor version), skipped.
    pub skipped_unknown: usize,
    /// The distinct unknown kinds seen (the first few).
    pub unknown_kinds: Vec<String>,
    /// SysEx messages seen (recorded in the log, not returned as events).
    pub sysex_messages: usize,
    /// System common and real-time messages seen (clock, active sensing, ...; not returned).
    pub system_messages: usize,
    /// Messages that are not valid MIDI (wrong length, data byte first, ...; not returned).
    pub malformed_messages: usize,
    /// Events earlier than the previous event of the same port in the file (the reader sorted
    /// them into place).
    pub out_of_order_events: usize,
}

impl Capture {
    /// The capture-clock time taken as time zero: [`Capture::time_zero`] when known, else the
    /// first MIDI event of the capture (any port, so players stay comparable), else zero.
    pub fn effective_time_zero(&self) -> Nanos {
        self.time_zero
            .or_else(|| self.events.first().map(|e| e.time))
            .unwrap_or(Nanos::ZERO)
    }

    /// The events of player `player_index` (by port, and channel when the player has one),
    /// with times shifted so [`Capture::effective_time_zero`] becomes `Nanos(0)`. Calibration
    /// offsets are not applied (the kit stage knows hands from feet). Empty when there is no
    /// such player.
    pub fn events_for_player(&self, player_index: usize) -> Vec<RawEvent> {
        let Some(player) = self.header.players.get(player_index) else {
            return Vec::new();
        };
        let zero = self.effective_time_zero();
        self.events
            .iter()
            .filter(|e| e.port == player.port)
            .filter(|e| match player.channel {
                Some(ch) => (e.bytes[0] & 0x0F) + 1 == ch,
                None => true,
            })
            .map(|e| RawEvent {
                time: e.time.saturating_sub(zero),
                ..*e
            })
            .collect()
    }

    /// The last moment a hit could have been captured, on the take's clock (time zero at
    /// [`Capture::effective_time_zero`]): the `end` line's time, or without one (a capture cut
    /// off) the latest time recorded; earlier when every player's port was lost before then
    /// and never came back (the last kit gone), at the moment the last of them was lost.
    pub fn played_until(&self) -> Nanos {
        let recorded = self
            .events
            .iter()
            .map(|e| e.time)
            .chain(self.gaps.iter().map(|g| g.to))
            .chain(self.overflows.iter().map(|o| o.time))
            .chain(self.clicks.iter().map(|c| c.time))
            .chain(self.time_zero)
            .max();
        let last = match (&self.end, recorded) {
            (Some(end), _) => end.time,
            (None, Some(t)) => t,
            (None, None) => Nanos::ZERO,
        };
        // Each player's port was connected until the gap that reaches the end, if any.
        let connected_until = |port: u16| {
            self.gaps
                .iter()
                .filter(|g| g.port == port && g.to >= last)
                .map(|g| g.from)
                .min()
                .unwrap_or(last)
        };
        let until = self
            .header
            .players
            .iter()
            .map(|p| connected_until(p.port))
            .max()
            .unwrap_or(last);
        until.saturating_sub(self.effective_time_zero())
    }

    /// Human-readable warnings about the capture (unclean stop, lost ports, overflows,
    /// skipped lines), for the terminal.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let scored_to = || {
            format!(
                "a chart is scored only up to the last record, {:.3} s after time zero",
                self.played_until().as_secs_f64()
            )
        };
        if self.truncated_last_line {
            out.push(format!(
                "the last line was cut off: the capture did not stop cleanly; everything before it was read, and {}",
                scored_to()
            ));
        } else if self.end.is_none() {
            out.push(format!(
                "there is no end line: the capture did not stop cleanly; everything recorded was read, and {}",
                scored_to()
            ));
        }
        let port_name = |index: u16| {
            self.header
                .ports
                .iter()
                .find(|p| p.index == index)
                .map_or_else(
                    || format!("port {index}"),
                    |p| format!("port {index} ({:?})", p.name),
                )
        };
        for gap in &self.gaps {
            out.push(format!(
                "{} was lost for {:.3} s (capture clock {} to {} ns); no hits were recorded from it then",
                port_name(gap.port),
                gap.to.saturating_sub(gap.from).as_secs_f64(),
                gap.from.0,
                gap.to.0
            ));
        }
        for o in &self.overflows {
            out.push(format!(
                "{}: {} events were lost because the capture buffer overflowed (capture clock {} ns)",
                port_name(o.port),
                o.lost,
                o.time.0
            ));
        }
        if !self.xruns.is_empty() {
            out.push(format!(
                "the JACK server reported {} xrun{} (missed cycles; first at capture clock {} ns): events sent during one may be late or lost",
                self.xruns.len(),
                if self.xruns.len() == 1 { "" } else { "s" },
                self.xruns[0].0
            ));
        }
        for j in &self.clock_jumps {
            out.push(format!(
                "the frame clock jumped by {} frames at capture clock {} ns (a cycle started at frame {} instead of {}): times after it are on the jumped clock",
                j.frame - j.expected_frame,
                j.time.0,
                j.frame,
                j.expected_frame
            ));
        }
        if self.skipped_unknown > 0 {
            out.push(format!(
                "skipped {} lines of kinds this version of pocket does not know ({}); the log is format minor version {}, this pocket writes {}",
                self.skipped_unknown,
                self.unknown_kinds.join(", "),
                self.minor_version,
                MINOR_VERSION
            ));
        }
        if self.malformed_messages > 0 {
            out.push(format!(
                "{} recorded messages were not valid MIDI and were ignored",
                self.malformed_messages
            ));
        }
        out
    }
}

/// Reads a capture log.
///
/// Tolerates a cut-off last line (see [`Capture::truncated_last_line`]); any other damage is an
/// error naming the line.
pub fn read_capture(path: impl AsRef<Path>) -> Result<Capture, InputError> {
    let path = path.as_ref();
    // Refused by its size first; the line reader stops at the limit if the file grows.
    let file = crate::formats::read::open_capped(path, MAX_FILE_BYTES)?;
    read_capture_from(BufReader::with_capacity(64 * 1024, file), path)
}

/// Reads a capture log from any buffered reader; `path` names it in errors.
pub(crate) fn read_capture_from<R: BufRead>(
    mut reader: R,
    path: &Path,
) -> Result<Capture, InputError> {
    let mut lines = LineReader {
        buf: Vec::with_capacity(256),
        bytes_read: 0,
        number: 0,
    };

    // Line 1: the header.
    let (header, minor_version) = loop {
        let terminated = match lines.next(&mut reader, path)? {
            None => {
                return Err(InputError::new(
                    path,
                    Place::File,
                    InputErrorKind::Empty(
                        "the file is empty; a capture log starts with a header line".into(),
                    ),
                ))
            }
            Some(t) => t,
        };
        if is_blank(&lines.buf) {
            continue;
        }
        match parse_header(&lines.buf) {
            Ok(h) => break h,
            Err(_) if !terminated && lines.cut_looks_like_crash() => {
                return Err(InputError::at_line(
                    path,
                    lines.number,
                    InputErrorKind::Truncated(
                        "the header line is cut off: the capture stopped before anything was recorded"
                            .into(),
                    ),
                ))
            }
            Err(kind) => return Err(InputError::at_line(path, lines.number, kind)),
        }
    };

    let mut cap = Capture {
        time_zero: header.time_zero,
        minor_version,
        events: Vec::new(),
        gaps: Vec::new(),
        overflows: Vec::new(),
        clicks: Vec::new(),
        xruns: Vec::new(),
        clock_jumps: Vec::new(),
        end: None,
        truncated_last_line: false,
        skipped_unknown: 0,
        unknown_kinds: Vec::new(),
        sysex_messages: 0,
        system_messages: 0,
        malformed_messages: 0,
        out_of_order_events: 0,
        header,
    };
    // Last event time per header port (same order as header.ports).
    let mut last_time: Vec<Option<Nanos>> = vec![None; cap.header.ports.len()];
    let mut end_line = 0usize;

    while let Some(terminated) = lines.next(&mut reader, path)? {
        if is_blank(&lines.buf) {
            continue;
        }
        let line_no = lines.number;
        let parsed = match parse_midi_fast(&lines.buf) {
            Some(line) => Ok(line),
            None => match std::str::from_utf8(&lines.buf) {
                Ok(text) => parse_line(text),
                Err(_) => Err(LineError {
                    kind: InputErrorKind::NotUtf8,
                    column: None,
                    not_json: true,
                }),
            },
        };
        let line = match parsed {
            Ok(line) => line,
            Err(e) if e.not_json && !terminated => {
                // The file ends inside this line: a crash cut it off (a cut line is never valid
                // JSON, as an object is only complete at its closing brace).
                cap.truncated_last_line = true;
                break;
            }
            Err(e) => {
                let kind = match e.kind {
                    InputErrorKind::Malformed(msg) => InputErrorKind::Malformed(format!(
                        "{msg}; a crash can only cut off the last line, so this file was damaged or edited: repair or delete this line"
                    )),
                    other => other,
                };
                let place = Place::Line {
                    line: line_no,
                    column: e.column,
                };
                return Err(InputError::new(path, place, kind));
            }
        };
        if end_line > 0 {
            return Err(InputError::at_line(
                path,
                line_no,
                InputErrorKind::Malformed(format!(
                    "this line comes after the end line (line {end_line}); a capture log stops at its end line: delete the lines after it"
                )),
            ));
        }
        let bad = |msg: String| InputError::at_line(path, line_no, InputErrorKind::Malformed(msg));
        let port_slot = |port: u16| {
            cap.header.ports.iter().position(|p| p.index == port).ok_or_else(|| {
                bad(format!(
                    "port {port} is not in the header's \"ports\"; the line does not belong to this capture"
                ))
            })
        };
        match line {
            Line::Midi { t, port, bytes } => {
                let slot = port_slot(port)?;
                if let Some(prev) = last_time[slot] {
                    if t < prev {
                        cap.out_of_order_events += 1;
                    }
                }
                last_time[slot] = Some(last_time[slot].map_or(t, |prev| prev.max(t)));
                // One line holds what one callback delivered: usually one message, but a
                // backend may deliver a packet of several (read as the live path reads it).
                for m in crate::event::split_messages(&bytes) {
                    match m {
                        Message::Channel { .. } => {
                            let b = m.channel_bytes().unwrap_or_default();
                            cap.events.push(RawEvent::new(t, port, b));
                        }
                        Message::SysEx => cap.sysex_messages += 1,
                        Message::System => cap.system_messages += 1,
                        Message::Malformed => cap.malformed_messages += 1,
                    }
                }
            }
            Line::Gap { port, from, to } => {
                port_slot(port)?;
                if to < from {
                    return Err(bad(format!(
                        "the gap ends (\"to\": {}) before it starts (\"from\": {})",
                        to.0, from.0
                    )));
                }
                cap.gaps.push(Gap { port, from, to });
            }
            Line::Overflow { port, lost, t } => {
                port_slot(port)?;
                cap.overflows.push(Overflow {
                    port,
                    lost,
                    time: t,
                });
            }
            Line::Click { t, accent } => cap.clicks.push(Click { time: t, accent }),
            Line::Xrun { t } => cap.xruns.push(t),
            Line::ClockJump {
                t,
                frame,
                expected_frame,
            } => cap.clock_jumps.push(ClockJump {
                time: t,
                expected_frame,
                frame,
            }),
            Line::Zero { t } => cap.time_zero = Some(t),
            Line::End { t, reason } => {
                cap.end = Some(End { time: t, reason });
                end_line = line_no;
            }
            Line::Unknown(kind) => {
                cap.skipped_unknown += 1;
                if cap.unknown_kinds.len() < MAX_UNKNOWN_KINDS_KEPT
                    && !cap.unknown_kinds.contains(&kind)
                {
                    cap.unknown_kinds.push(kind);
                }
            }
        }
        if !terminated {
            break;
        }
    }

    // Stable sorts: ports may interleave slightly out of order; equal times keep file order.
    if cap.events.windows(2).any(|w| w[1].time < w[0].time) {
        cap.events.sort_by_key(|e| e.time);
    }
    cap.gaps.sort_by_key(|g| g.from);
    cap.overflows.sort_by_key(|o| o.time);
    cap.clicks.sort_by_key(|c| c.time);
    cap.xruns.sort();
    cap.clock_jumps.sort_by_key(|j| j.time);
    Ok(cap)
}

/// Reads lines with a length limit, counting them and the bytes read.
struct LineReader {
    buf: Vec<u8>,
    bytes_read: u64,
    /// Number of the line in `buf`, from 1.
    number: usize,
}

impl LineReader {
    /// Reads the next line into `buf` (without its newline). `None` at end of file, else
    /// whether the line ended with a newline (`false` = the file ends inside it).
    fn next<R: BufRead>(
        &mut self,
        reader: &mut R,
        path: &Path,
    ) -> Result<Option<bool>, InputError> {
        self.buf.clear();
        self.number += 1;
        loop {
            let available = match reader.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(InputError::io(path, e)),
            };
            if available.is_empty() {
                return Ok(if self.buf.is_empty() {
                    None
                } else {
                    Some(false)
                });
            }
            let (taken, done) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            let content = if done {
                &available[..taken - 1]
            } else {
                available
            };
            self.buf.extend_from_slice(content);
            reader.consume(taken);
            self.bytes_read += taken as u64;
            if self.bytes_read > MAX_FILE_BYTES {
                return Err(crate::formats::read::too_large(
                    path,
                    self.bytes_read,
                    MAX_FILE_BYTES,
                ));
            }
            if self.buf.len() > MAX_LINE_BYTES {
                return Err(InputError::at_line(
                    path,
                    self.number,
                    InputErrorKind::Malformed(format!(
                        "the line is longer than {MAX_LINE_BYTES} bytes; capture log lines are short, so this is not a capture log or it is damaged"
                    )),
                ));
            }
            if done {
                return Ok(Some(true));
            }
        }
    }

    /// Whether an unterminated line looks like the start of a line rather than something else
    /// (a header cut by a crash starts with `{`).
    fn cut_looks_like_crash(&self) -> bool {
        self.buf.trim_ascii_start().first() == Some(&b'{')
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| b.is_ascii_whitespace())
}

/// The header line's version fields, read before the rest for a clear message.
#[derive(Deserialize)]
struct VersionProbe {
    format: Option<String>,
    #[serde(default)]
    minor: u32,
}

fn parse_header(line: &[u8]) -> Result<(CaptureHeader, u32), InputErrorKind> {
    let text = std::str::from_utf8(line).map_err(|_| InputErrorKind::NotUtf8)?;
    let not_capture = |why: String| {
        InputErrorKind::Malformed(format!(
            "{why}: this is not a pocket capture log (its first line must be a header such as {{\"format\":\"{FORMAT}\", ...}})"
        ))
    };
    let probe: VersionProbe = serde_json::from_str(text)
        .map_err(|e| not_capture(format!("the first line is not a JSON object ({e})")))?;
    match probe.format.as_deref() {
        Some(FORMAT) => {}
        Some(other) if other.starts_with("pocket-capture/") => {
            return Err(InputErrorKind::UnsupportedFormat {
                found: other.to_string(),
                expected: FORMAT.to_string(),
            })
        }
        Some(other) => return Err(not_capture(format!("the format is {other:?}"))),
        None => return Err(not_capture("the first line has no \"format\"".into())),
    }
    let header: CaptureHeader = serde_json::from_str(text).map_err(|e| {
        InputErrorKind::Malformed(format!(
            "the header is not valid: {e}; see docs/capture-log.md for its fields"
        ))
    })?;
    header
        .validate()
        .map_err(|why| InputErrorKind::Malformed(format!("the header is not valid: {why}")))?;
    Ok((header, probe.minor))
}

/// One parsed line after the header.
#[derive(Debug)]
enum Line {
    Midi {
        t: Nanos,
        port: u16,
        bytes: MidiBytes,
    },
    Gap {
        port: u16,
        from: Nanos,
        to: Nanos,
    },
    Overflow {
        port: u16,
        lost: u64,
        t: Nanos,
    },
    Click {
        t: Nanos,
        accent: bool,
    },
    Zero {
        t: Nanos,
    },
    Xrun {
        t: Nanos,
    },
    ClockJump {
        t: Nanos,
        frame: i64,
        expected_frame: i64,
    },
    End {
        t: Nanos,
        reason: String,
    },
    Unknown(String),
}

/// The bytes of a MIDI line: up to three kept inline (every channel message), more on the heap.
#[derive(Debug)]
enum MidiBytes {
    Inline([u8; 3], usize),
    Heap(Vec<u8>),
}

impl std::ops::Deref for MidiBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            MidiBytes::Inline(b, n) => &b[..*n],
            MidiBytes::Heap(v) => v,
        }
    }
}

/// Reads the exact form [`CaptureWriter::write_midi`] writes for a message of one to three
/// bytes, `{"t":T,"p":P,"m":[B,B,B]}` without spaces, straight from the bytes. `None` for any
/// other line (other kinds, spaces, other field orders, longer messages, numbers out of range
/// or with leading zeros): [`parse_line`] reads those, and gives the same result for the lines
/// accepted here.
fn parse_midi_fast(line: &[u8]) -> Option<Line> {
    let rest = line.strip_prefix(b"{\"t\":")?;
    let (negative, rest) = match rest.strip_prefix(b"-") {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let (magnitude, rest) = fast_uint(rest, i64::MAX as u64)?;
    if negative && magnitude == 0 {
        return None; // serde_json reads -0 as a float, which is no time
    }
    let t = if negative {
        -(magnitude as i64)
    } else {
        magnitude as i64
    };
    // A frame stamp (pocket's JACK client) is checked, not kept: `t` is derived from it.
    let rest = match rest.strip_prefix(b",\"f\":") {
        Some(r) => fast_uint(r.strip_prefix(b"-").unwrap_or(r), i64::MAX as u64)?.1,
        None => rest,
    };
    let rest = rest.strip_prefix(b",\"p\":")?;
    let (port, mut rest) = fast_uint(rest, u64::from(u16::MAX))?;
    rest = rest.strip_prefix(b",\"m\":[")?;
    let mut bytes = [0u8; 3];
    let mut n = 0;
    loop {
        let (b, r) = fast_uint(rest, u64::from(u8::MAX))?;
        if n == bytes.len() {
            return None;
        }
        bytes[n] = b as u8;
        n += 1;
        match r.split_first()? {
            (b',', r) => rest = r,
            (b']', r) if r == b"}" => break,
            _ => return None,
        }
    }
    Some(Line::Midi {
        t: Nanos(t),
        port: port as u16,
        bytes: MidiBytes::Inline(bytes, n),
    })
}

/// A JSON unsigned integer (no sign, no leading zero, no fraction or exponent) of at most `max`
/// at the start of `s`, and what follows it.
fn fast_uint(s: &[u8], max: u64) -> Option<(u64, &[u8])> {
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 19 || (digits > 1 && s[0] == b'0') {
        return None;
    }
    let mut v = 0u64;
    for &d in &s[..digits] {
        v = v * 10 + u64::from(d - b'0');
    }
    let rest = &s[digits..];
    if v > max || matches!(rest.first(), Some(b'.' | b'e' | b'E')) {
        return None;
    }
    Some((v, rest))
}

/// Every field any known line kind uses; serde ignores the others (newer minor versions may
/// add fields).
#[derive(Deserialize)]
struct LineFields<'a> {
    #[serde(borrow, default)]
    k: Option<Cow<'a, str>>,
    #[serde(default)]
    format: Option<serde::de::IgnoredAny>,
    t: Option<Nanos>,
    p: Option<u16>,
    m: Option<Vec<u8>>,
    from: Option<Nanos>,
    to: Option<Nanos>,
    lost: Option<u64>,
    accent: Option<bool>,
    reason: Option<String>,
    f: Option<i64>,
    expected_f: Option<i64>,
}

/// Only the kind, for lines of unknown kinds whose fields may not fit [`LineFields`].
#[derive(Deserialize)]
struct KindProbe<'a> {
    #[serde(borrow, default)]
    k: Option<Cow<'a, str>>,
}

/// Why a line after the header could not be parsed.
struct LineError {
    kind: InputErrorKind,
    /// Column of a JSON error, from 1.
    column: Option<usize>,
    /// The text is not valid JSON (or not UTF-8), as a cut-off line is.
    not_json: bool,
}

fn line_error(message: String) -> LineError {
    LineError {
        kind: InputErrorKind::Malformed(message),
        column: None,
        not_json: false,
    }
}

/// Parses a line after the header.
fn parse_line(text: &str) -> Result<Line, LineError> {
    let f: LineFields = match serde_json::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            // A newer kind may use known field names with other types: skip it all the same.
            if let Ok(KindProbe { k: Some(kind) }) = serde_json::from_str::<KindProbe>(text) {
                if !is_known_kind(&kind) {
                    return Ok(Line::Unknown(kind.into_owned()));
                }
            }
            return Err(LineError {
                kind: InputErrorKind::Malformed(format!(
                    "the line is not a valid capture log line ({e})"
                )),
                column: (e.column() > 0).then_some(e.column()),
                not_json: true,
            });
        }
    };
    let need = |what: &str, fields: &str| format!("a {what} line needs {fields}");
    let kind = f.k.as_deref().unwrap_or("midi");
    match kind {
        "midi" => {
            if f.format.is_some() {
                return Err(line_error(
                    "a second header line: two capture logs were joined into one file; split them"
                        .into(),
                ));
            }
            match (f.t, f.p, f.m) {
                (Some(t), Some(port), Some(bytes)) => {
                    if bytes.is_empty() || bytes.len() > MAX_MESSAGE_BYTES {
                        return Err(line_error(format!(
                            "\"m\" must hold 1 to {MAX_MESSAGE_BYTES} bytes, not {}",
                            bytes.len()
                        )));
                    }
                    Ok(Line::Midi {
                        t,
                        port,
                        bytes: MidiBytes::Heap(bytes),
                    })
                }
                _ => Err(line_error(need(
                    "MIDI",
                    "\"t\" (ns), \"p\" (port) and \"m\" (bytes)",
                ))),
            }
        }
        "gap" => match (f.p, f.from, f.to) {
            (Some(port), Some(from), Some(to)) => Ok(Line::Gap { port, from, to }),
            _ => Err(line_error(need("gap", "\"p\", \"from\" and \"to\""))),
        },
        "overflow" => match (f.p, f.lost, f.t) {
            (Some(port), Some(lost), Some(t)) => Ok(Line::Overflow { port, lost, t }),
            _ => Err(line_error(need("overflow", "\"p\", \"lost\" and \"t\""))),
        },
        "click" => match (f.t, f.accent) {
            (Some(t), Some(accent)) => Ok(Line::Click { t, accent }),
            _ => Err(line_error(need("click", "\"t\" and \"accent\""))),
        },
        "zero" => match f.t {
            Some(t) => Ok(Line::Zero { t }),
            None => Err(line_error(need("zero", "\"t\""))),
        },
        "xrun" => match f.t {
            Some(t) => Ok(Line::Xrun { t }),
            None => Err(line_error(need("xrun", "\"t\""))),
        },
        "clock_jump" => match (f.t, f.f, f.expected_f) {
            (Some(t), Some(frame), Some(expected_frame)) => Ok(Line::ClockJump {
                t,
                frame,
                expected_frame,
            }),
            _ => Err(line_error(need(
                "clock_jump",
                "\"t\", \"f\" and \"expected_f\"",
            ))),
        },
        "end" => match (f.t, f.reason) {
            (Some(t), Some(reason)) => Ok(Line::End { t, reason }),
            _ => Err(line_error(need("end", "\"t\" and \"reason\""))),
        },
        other => Ok(Line::Unknown(other.to_string())),
    }
}

fn is_known_kind(kind: &str) -> bool {
    matches!(
        kind,
        "midi" | "gap" | "overflow" | "click" | "zero" | "xrun" | "clock_jump" | "end"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn midi_parts(line: &Line) -> Option<(Nanos, u16, Vec<u8>)> {
        match line {
            Line::Midi { t, port, bytes } => Some((*t, *port, bytes.to_vec())),
            _ => None,
        }
    }

    #[test]
    fn fast_midi_lines_read_as_the_full_parser_reads_them() {
        for line in [
            r#"{"t":0,"p":0,"m":[144,60,100]}"#,
            r#"{"t":-2487453,"p":3,"m":[185,4]}"#,
            r#"{"t":0,"p":0,"m":[0]}"#,
            r#"{"t":9223372036854775807,"p":65535,"m":[255,255,255]}"#,
            r#"{"t":-9223372036854775807,"p":1,"m":[128,1,2]}"#,
        ] {
            let fast = parse_midi_fast(line.as_bytes()).expect(line);
            let full = parse_line(line).ok().expect(line);
            assert_eq!(midi_parts(&fast), midi_parts(&full), "{line}");
            assert!(midi_parts(&fast).is_some());
        }
        // Everything else is left to the full parser.
        for line in [
            r#"{"t":01,"p":0,"m":[144,60,100]}"#,
            r#"{"t":-0,"p":0,"m":[144,60,100]}"#,
            r#"{"t":1.5,"p":0,"m":[144,60,100]}"#,
            r#"{"t":1e3,"p":0,"m":[144,60,100]}"#,
            r#"{"t": 1,"p":0,"m":[144,60,100]}"#,
            r#"{"t":9223372036854775808,"p":0,"m":[144]}"#,
            r#"{"t":-9223372036854775808,"p":0,"m":[144]}"#,
            r#"{"t":1,"p":65536,"m":[144,60,100]}"#,
            r#"{"t":1,"p":-0,"m":[144,60,100]}"#,
            r#"{"t":1,"p":0,"m":[256,60,100]}"#,
            r#"{"t":1,"p":0,"m":[]}"#,
            r#"{"t":1,"p":0,"m":[240,1,2,247]}"#,
            r#"{"t":1,"p":0,"m":[144,60,100]} "#,
            r#"{"t":1,"p":0,"m":[144,60,100]}}"#,
            r#"{"t":1,"p":0,"m":[144,60,100],"x":1}"#,
            r#"{"p":0,"t":1,"m":[144,60,100]}"#,
            r#"{"t":1,"p":0,"m":[144,60,100"#,
            r#"{"k":"gap","p":0,"from":1,"to":2}"#,
        ] {
            assert!(parse_midi_fast(line.as_bytes()).is_none(), "{line}");
        }
    }
}
