//! Onset lists: plain text, one `seconds [lane]` per line, as used by mir_eval and most onset
//! detectors. An onset list can stand in for a chart ([`to_chart`]) or for a take ([`to_take`]).
//!
//! Format:
//!
//! ```text
//! # comment lines start with '#'; blank lines are skipped
//! 0.5
//! 1.25 snare
//! 1.000000001 kick
//! ```
//!
//! Fields are separated by any run of whitespace (mir_eval's `\s+`). The time is decimal seconds
//! (exponent notation allowed) and is read exactly to the nanosecond, never through floating
//! point. The lane is optional; without one the onset is on [`Lane::Any`], which only matches
//! `any`. Lines may come in any order: the reader sorts them by time (stable, so equal times keep
//! the file's order). mir_eval refuses unsorted lists; pocket's matching does not depend on the
//! order, so it accepts them.

use crate::chart::{Chart, ChartError, ChartInfo, Note};
use crate::error::{InputError, InputErrorKind, Place};
use crate::lane::{Dynamic, Lane};
use crate::take::{Hit, Source, Take};
use crate::tempo::{Tempo, TempoMap, TimeSignature};
use crate::time::{format_seconds, parse_seconds, Nanos};
use std::io::Write;
use std::path::Path;

/// The largest onset list pocket reads (64 MiB, about four million lines).
pub const MAX_ONSET_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Resolution of the tempo map given to charts made from onset lists (ticks per quarter note).
pub const ONSET_CHART_PPQ: u32 = 480;

/// Tempo of charts made from onset lists: 120 BPM, so one beat is 0.5 s.
pub const ONSET_CHART_MICROS_PER_QUARTER: u32 = 500_000;

/// Velocity given to hits made from onset lists, which carry none.
pub const ONSET_TAKE_VELOCITY: u8 = 100;

/// One line of an onset list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Onset {
    /// The time, exactly as written (rounded to the nanosecond).
    pub time: Nanos,
    /// The lane, [`Lane::Any`] when the line has none.
    pub lane: Lane,
    /// The line of the file it came from, from 1.
    pub line: usize,
}

/// Reads an onset list, sorted by time. Errors name the file and line.
pub fn read_onsets(path: impl AsRef<Path>) -> Result<Vec<Onset>, InputError> {
    read_onsets_limited(path.as_ref(), MAX_ONSET_FILE_BYTES)
}

fn read_onsets_limited(path: &Path, limit: u64) -> Result<Vec<Onset>, InputError> {
    let bytes = super::read::read_capped(path, limit)?;
    parse_onsets(path, &bytes)
}

/// Parses the bytes of an onset list (`path` is only used in errors), sorted by time.
pub(crate) fn parse_onsets(path: &Path, bytes: &[u8]) -> Result<Vec<Onset>, InputError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        InputError::at_line(path, line, InputErrorKind::NotUtf8)
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut onsets = Vec::with_capacity(text.len() / 12);
    // One pass over the bytes: a line that is plain ASCII `seconds [lane]` is read without
    // allocating; any other line (and every error) goes through `read_line`.
    for (index, line) in text.as_bytes().split(|&b| b == b'\n').enumerate() {
        let line_no = index + 1;
        match plain_line(line) {
            Some(Plain::Skip) => {}
            Some(Plain::Onset(time, lane)) => onsets.push(Onset {
                time,
                lane,
                line: line_no,
            }),
            None => {
                // The split is at b'\n' of valid UTF-8, so the line is valid UTF-8 too.
                let line = std::str::from_utf8(line).unwrap_or_default();
                let line = line.strip_suffix('\r').unwrap_or(line);
                if let Some(onset) = read_line(path, line, line_no)? {
                    onsets.push(onset);
                }
            }
        }
    }
    onsets.sort_by_key(|o| o.time);
    Ok(onsets)
}

/// Reads an onset list as [`read_onsets`] does, straight into one item per onset (`make` of
/// its time and lane), sorted by time (stable): the file is read in blocks, so neither its bytes
/// nor an [`Onset`] per line are held. `None` when the list cannot be read this way (any error,
/// a line that is not UTF-8, a file over `limit`): [`read_onsets`] then reads it, or names
/// the error exactly.
fn read_blocks<T>(
    path: &Path,
    limit: u64,
    time_of: impl Fn(&T) -> Nanos,
    mut make: impl FnMut(Nanos, Lane) -> T,
) -> Option<Vec<T>> {
    use std::io::Read;
    const BLOCK: usize = 256 * 1024;
    let mut file = super::read::open_capped(path, limit).ok()?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0).min(limit);
    let mut items = Vec::with_capacity(size as usize / 12);
    let mut buf = vec![0u8; BLOCK];
    let mut prefault = crate::prefault::Prefault::new();
    let (mut filled, mut total, mut first_line) = (0usize, 0u64, true);
    // One line read as `read_onsets` reads it: `None` for an error (or a comment that is not
    // UTF-8), `Some(None)` for a blank or comment line.
    let line_of = |line: &[u8], first: bool| -> Option<Option<(Nanos, Lane)>> {
        let line = match line.strip_prefix("\u{feff}".as_bytes()) {
            Some(rest) if first => rest,
            _ => line,
        };
        match plain_line(line) {
            Some(Plain::Skip) => {
                // A comment may hold any bytes, but they must be UTF-8.
                if !line.is_ascii() {
                    std::str::from_utf8(line).ok()?;
                }
                Some(None)
            }
            Some(Plain::Onset(time, lane)) => Some(Some((time, lane))),
            None => {
                let line = std::str::from_utf8(line).ok()?;
                let line = line.strip_suffix('\r').unwrap_or(line);
                Some(read_line(path, line, 0).ok()?.map(|o| (o.time, o.lane)))
            }
        }
    };
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = file.read(&mut buf[filled..]).ok()?;
        total += n as u64;
        if total > limit {
            return None;
        }
        if n == 0 {
            if let Some((time, lane)) = line_of(&buf[..filled], first_line)? {
                items.push(make(time, lane));
            }
            break;
        }
        filled += n;
        let Some(end) = buf[..filled].iter().rposition(|&b| b == b'\n') else {
            continue;
        };
        // Map in the pages these lines will fill in one call rather than a fault per page
        // (a line takes at least two bytes, commonly 12 or more: 8 is ample).
        prefault.ahead(&items, (end + 1) / 8);
        // The complete lines, each with its line break. A bare decimal (the commonest line)
        // is read where it stands, as `plain_line` would read it; any other line is found
        // whole and read by `line_of`.
        let lines = &buf[..=end];
        let mut at = 0;
        while at < lines.len() {
            if !first_line {
                if let Some((time, len)) = crate::time::parse_bare_seconds_line(&lines[at..]) {
                    items.push(make(time, Lane::Any));
                    at += len + 1;
                    continue;
                }
            }
            let len = lines[at..]
                .iter()
                .position(|&b| b == b'\n')
                .unwrap_or(lines.len() - at);
            if let Some((time, lane)) = line_of(&lines[at..at + len], first_line)? {
                items.push(make(time, lane));
            }
            first_line = false;
            at += len + 1;
        }
        buf.copy_within(end + 1..filled, 0);
        filled -= end + 1;
    }
    if !items.is_sorted_by_key(&time_of) {
        items.sort_by_key(&time_of);
    }
    Some(items)
}

/// The tick of a time on [`onset_tempo_map`] (120 BPM, 480 PPQ: 24 ticks per 25 ms), nearest,
/// halves toward +∞, as [`TempoMap::tick`] gives it, for times from 0 to the longest chart
/// (where the product cannot overflow).
fn onset_tick(time: Nanos) -> crate::time::Ticks {
    crate::time::Ticks((time.0 * 24 + 12_500_000).div_euclid(25_000_000))
}

/// Reads an onset list as a chart ([`read_onsets`], then [`to_chart`]), in one pass over the
/// file without holding its bytes or its lines; errors as those two give them.
pub fn read_chart(path: &Path) -> Result<Chart, InputError> {
    let limit = Nanos(super::smf::MAX_TIME_SECS * 1_000_000_000);
    let notes = read_blocks(
        path,
        MAX_ONSET_FILE_BYTES,
        |n: &Note| n.time,
        |time, lane| Note {
            time,
            tick: onset_tick(time),
            lane,
            articulation: None,
            dynamic: Dynamic::Normal,
        },
    );
    match notes {
        // Out-of-range times are refused by `to_chart`, naming their line.
        Some(notes)
            if notes
                .iter()
                .all(|n| (Nanos::ZERO..=limit).contains(&n.time)) =>
        {
            match Chart::new(chart_info(path), onset_tempo_map(), Vec::new(), notes) {
                Ok(chart) => Ok(chart),
                Err(_) => to_chart(path, &read_onsets(path)?),
            }
        }
        _ => to_chart(path, &read_onsets(path)?),
    }
}

/// Reads an onset list as a take ([`read_onsets`], then [`to_take`]), in one pass over the file
/// without holding its bytes or its lines; errors as [`read_onsets`] gives them.
pub fn read_take(path: &Path, source: &str) -> Result<Take, InputError> {
    match read_blocks(path, MAX_ONSET_FILE_BYTES, |h: &Hit| h.time, onset_hit) {
        Some(hits) => Ok(Take {
            source: source.to_string(),
            ports: vec!["file".to_string()],
            hits,
            ..Take::default()
        }),
        None => Ok(to_take(source, &read_onsets(path)?)),
    }
}

/// The hit an onset becomes in a take.
fn onset_hit(time: Nanos, lane: Lane) -> Hit {
    Hit {
        time,
        lane,
        articulation: None,
        velocity: ONSET_TAKE_VELOCITY,
        source: Source {
            note: 0,
            channel: 10,
            port: 0,
        },
    }
}

/// The chart information of a chart made from the onset list at `path`.
fn chart_info(path: &Path) -> ChartInfo {
    ChartInfo {
        title: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        source: path.display().to_string(),
        ..ChartInfo::default()
    }
}

/// What [`plain_line`] made of a line.
enum Plain {
    /// Blank or a comment.
    Skip,
    /// One onset.
    Onset(Nanos, Lane),
}

/// Whether `byte` is ASCII whitespace as `char::is_whitespace` sees it.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

/// Reads a line of plain ASCII (`seconds` or `seconds lane`, times as
/// [`crate::time::parse_plain_seconds`] takes them) straight from the bytes. `None` for any other
/// line, which [`read_line`] then reads or refuses; whatever this returns, `read_line` returns
/// the same for the line.
fn plain_line(line: &[u8]) -> Option<Plain> {
    if let Some(time) = crate::time::parse_bare_seconds(line) {
        return Some(Plain::Onset(time, Lane::Any));
    }
    let mut i = 0;
    while i < line.len() && is_space(line[i]) {
        i += 1;
    }
    let Some(&first) = line.get(i) else {
        return Some(Plain::Skip);
    };
    if first == b'#' {
        return Some(Plain::Skip);
    }
    let field = |from: usize| {
        let mut end = from;
        while end < line.len() && !is_space(line[end]) {
            if line[end] >= 0x80 {
                return None;
            }
            end += 1;
        }
        Some(end)
    };
    let time_end = field(i)?;
    let time = crate::time::parse_plain_seconds(&line[i..time_end])?;
    let mut j = time_end;
    while j < line.len() && is_space(line[j]) {
        j += 1;
    }
    if j == line.len() {
        return Some(Plain::Onset(time, Lane::Any));
    }
    let lane_end = field(j)?;
    if line[lane_end..].iter().any(|&b| !is_space(b)) {
        return None;
    }
    let name = std::str::from_utf8(&line[j..lane_end]).ok()?;
    Some(Plain::Onset(time, name.parse::<Lane>().ok()?))
}

/// Reads one line of an onset list (without its line break): `None` for a blank or comment
/// line. Errors name the file, line and column.
fn read_line(path: &Path, line: &str, line_no: usize) -> Result<Option<Onset>, InputError> {
    let content = line.trim();
    if content.is_empty() || content.starts_with('#') {
        return Ok(None);
    }
    let at = |field: &str, kind| {
        // Column of the field, in characters from 1.
        let offset = field.as_ptr() as usize - line.as_ptr() as usize;
        let column = line[..offset].chars().count() + 1;
        InputError::new(
            path,
            Place::Line {
                line: line_no,
                column: Some(column),
            },
            kind,
        )
    };
    let mut fields = content.split_whitespace();
    let (Some(time_text), lane_text, extra) = (fields.next(), fields.next(), fields.next()) else {
        return Ok(None);
    };
    if let Some(extra) = extra {
        let count = content.split_whitespace().count();
        return Err(at(
            extra,
            InputErrorKind::Malformed(format!(
                "expected `seconds [lane]`, found {count} fields; remove the extra fields"
            )),
        ));
    }
    let time = parse_seconds(time_text)
        .ok_or_else(|| at(time_text, InputErrorKind::BadTime(time_text.to_string())))?;
    let lane = match lane_text {
        Some(name) => name
            .parse::<Lane>()
            .map_err(|e| at(name, InputErrorKind::UnknownLane(e)))?,
        None => Lane::Any,
    };
    Ok(Some(Onset {
        time,
        lane,
        line: line_no,
    }))
}

/// The tempo map of charts made from onset lists: 120 BPM, 480 PPQ, 4/4, no pickup.
pub fn onset_tempo_map() -> TempoMap {
    match TempoMap::constant(
        ONSET_CHART_PPQ,
        Tempo::MicrosPerQuarter(ONSET_CHART_MICROS_PER_QUARTER),
        TimeSignature::COMMON,
    ) {
        Ok(map) => map,
        // The arguments are constants that the tempo module accepts (tested below).
        Err(e) => unreachable!("constant onset tempo map refused: {e}"),
    }
}

/// Turns an onset list (sorted, as [`read_onsets`] returns it) into a chart. Note times stay
/// exactly as read; ticks come from [`onset_tempo_map`]. `path` names the file in the chart's
/// source and in errors (a chart refuses negative times).
pub fn to_chart(path: &Path, onsets: &[Onset]) -> Result<Chart, InputError> {
    let limit = Nanos(super::smf::MAX_TIME_SECS * 1_000_000_000);
    if let Some(o) = onsets.iter().find(|o| o.time > limit) {
        return Err(InputError::at_line(
            path,
            o.line,
            InputErrorKind::Malformed(format!(
                "{:.0} s is beyond the {} s a chart may last; is the time in seconds?",
                o.time.as_secs_f64(),
                super::smf::MAX_TIME_SECS
            )),
        ));
    }
    let tempo_map = onset_tempo_map();
    let notes = onsets
        .iter()
        .map(|o| Note {
            time: o.time,
            tick: tempo_map.tick(o.time),
            lane: o.lane,
            articulation: None,
            dynamic: Dynamic::Normal,
        })
        .collect();
    Chart::new(chart_info(path), tempo_map, Vec::new(), notes).map_err(|e| {
        let index = match e {
            ChartError::NegativeTime { index, .. }
            | ChartError::Unsorted { index, .. }
            | ChartError::BadArticulation { index, .. } => index,
        };
        match onsets.get(index) {
            Some(o) => InputError::at_line(path, o.line, InputErrorKind::Chart(e)),
            None => InputError::new(path, Place::File, InputErrorKind::Chart(e)),
        }
    })
}

/// Turns an onset list into a take: one hit per onset, velocity [`ONSET_TAKE_VELOCITY`], raw note
/// 0 on channel 10, port 0 (`"file"`). `source` names where it came from.
pub fn to_take(source: &str, onsets: &[Onset]) -> Take {
    let mut take = Take {
        source: source.to_string(),
        ports: vec!["file".to_string()],
        hits: onsets.iter().map(|o| onset_hit(o.time, o.lane)).collect(),
        ..Take::default()
    };
    take.sort();
    take
}

/// Writes an onset list: one `seconds [lane]` line per onset, times exact to the nanosecond, the
/// lane left out for [`Lane::Any`]. Reading the output back gives the same onsets.
pub fn write_onsets<W: Write>(mut out: W, onsets: &[(Nanos, Lane)]) -> std::io::Result<()> {
    for &(time, lane) in onsets {
        match lane {
            Lane::Any => writeln!(out, "{}", format_seconds(time))?,
            _ => writeln!(out, "{} {}", format_seconds(time), lane)?,
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::crate_path;

    fn parse(text: &str) -> Result<Vec<Onset>, InputError> {
        parse_onsets(Path::new("test.txt"), text.as_bytes())
    }

    fn ms(v: i64) -> Nanos {
        Nanos::from_millis(v)
    }

    #[test]
    fn plain_lines_read_as_the_general_reader_reads_them() {
        let lines = [
            "0.5",
            " 1.25\tsnare  ",
            "1e-3 kick",
            "# c",
            "",
            "  ",
            "\r",
            "2 snare extra",
            "0.5\r1.0",
            "3 nolane",
            "-1.5",
            "+2.000000001 hihat",
            "1.0123456789",
            "\u{a0}1",
            "1\u{a0}kick",
            "4 kick\u{a0}",
            "x",
            ".",
            "5.",
            ".5 any",
            "\x0b6\x0ckick\x0b",
            "99999999999999999999",
            "#1",
            "7 #",
            "8\tride\t\t",
        ];
        let path = Path::new("t.txt");
        let mut plain = 0;
        for line in lines {
            let general = read_line(path, line, 3);
            match plain_line(line.as_bytes()) {
                None => {}
                Some(Plain::Skip) => {
                    assert_eq!(general.expect("general reads it"), None, "{line:?}");
                    plain += 1;
                }
                Some(Plain::Onset(time, lane)) => {
                    let onset = general.expect("general reads it").expect("an onset");
                    assert_eq!((onset.time, onset.lane), (time, lane), "{line:?}");
                    plain += 1;
                }
            }
        }
        assert!(plain >= 12, "only {plain} lines took the plain path");
    }

    /// `read_chart` and `read_take` against `read_onsets` with `to_chart` and `to_take`, on
    /// the same file: the same chart, take or error. Whether the block reader read it itself.
    fn same_as_the_general_reader(text: &[u8]) -> bool {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("list.txt");
        std::fs::write(&path, text).expect("write the list");
        let general = read_onsets(&path);
        let chart = read_chart(&path);
        let take = read_take(&path, "src");
        match general {
            Ok(list) => {
                assert_eq!(take.expect("a take"), to_take("src", &list));
                match to_chart(&path, &list) {
                    Ok(want) => assert_eq!(chart.expect("a chart"), want),
                    Err(e) => assert_eq!(chart.expect_err("refused").to_string(), e.to_string()),
                }
            }
            Err(e) => {
                assert_eq!(chart.expect_err("refused").to_string(), e.to_string());
                assert_eq!(take.expect_err("refused").to_string(), e.to_string());
            }
        }
        read_blocks(&path, MAX_ONSET_FILE_BYTES, |t: &Nanos| *t, |t, _| t).is_some()
    }

    #[test]
    fn block_reader_reads_what_the_general_reader_reads() {
        let mut long = String::from("\u{feff}# a list\r\n");
        // Enough lines to fill several blocks, unsorted in places, some odd forms.
        for i in 0..120_000u64 {
            let t = (i * 7_919) % 300_000;
            match i % 7 {
                0 => long.push_str(&format!(
                    "{}.{:09} kick\n",
                    t / 1000,
                    (t % 1000) * 1_000_000
                )),
                1 => long.push_str(&format!("  {}e-3\tsnare \r\n", t)),
                2 => long.push_str(&format!("{}.5\n", t / 1000)),
                3 => long.push_str("# comment, caf\u{e9}\n\n"),
                _ => long.push_str(&format!("{}.{:03}\n", t / 1000, t % 1000)),
            }
        }
        long.push_str("1.25 hihat");
        assert!(same_as_the_general_reader(long.as_bytes()));
        assert!(same_as_the_general_reader(b""));
        assert!(same_as_the_general_reader(b"0.5\n0.5 kick\n0.25\n"));
        same_as_the_general_reader(b"1\n-0.5 kick\n-0.5\n");
        same_as_the_general_reader(b"1\n2000000.5\n1500000\n");
        same_as_the_general_reader(b"1\n2 cowbell\n");
        assert!(!same_as_the_general_reader(b"1\n# caf\xe9\n"));
        same_as_the_general_reader(b"1 2 3\n");
        same_as_the_general_reader(b"nan\n");
    }

    #[test]
    fn onset_ticks_are_the_tempo_maps() {
        let map = onset_tempo_map();
        let mut x = 1u64;
        let times = (0..20_000).map(|i| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            match i % 4 {
                // Exact halves and their neighbours.
                0 => (x >> 20) as i64 % 1_000_000 * 1_041_667 / 2,
                1 => (x >> 11) as i64 % (super::super::smf::MAX_TIME_SECS * 1_000_000_000),
                2 => 520_833 + (i as i64 % 3) - 1,
                _ => (x >> 40) as i64,
            }
        });
        for t in times.chain([0, 1, super::super::smf::MAX_TIME_SECS * 1_000_000_000]) {
            assert_eq!(onset_tick(Nanos(t)), map.tick(Nanos(t)), "{t} ns");
        }
    }

    #[test]
    fn reads_times_lanes_comments_and_blank_lines() {
        let onsets =
            parse("# header\n\n0.5\n  1.25\tsnare  \n\r\n1e-3 kick\n   # indented comment\n")
                .expect("valid list");
        let got: Vec<_> = onsets.iter().map(|o| (o.time, o.lane, o.line)).collect();
        assert_eq!(
            got,
            vec![
                (ms(1), Lane::Kick, 6),
                (ms(500), Lane::Any, 3),
                (ms(1250), Lane::Snare, 4),
            ]
        );
    }

    #[test]
    fn times_are_exact_decimal() {
        let onsets = parse("0.1\n1.000000001\n2.5000000004\n").expect("valid list");
        let times: Vec<_> = onsets.iter().map(|o| o.time.0).collect();
        assert_eq!(times, vec![100_000_000, 1_000_000_001, 2_500_000_000]);
    }

    #[test]
    fn unsorted_lists_are_sorted_stably() {
        let onsets = parse("2 kick\n1 snare\n1 kick\n").expect("valid list");
        let got: Vec<_> = onsets.iter().map(|o| (o.time, o.lane, o.line)).collect();
        assert_eq!(
            got,
            vec![
                (ms(1000), Lane::Snare, 2),
                (ms(1000), Lane::Kick, 3),
                (ms(2000), Lane::Kick, 1)
            ]
        );
    }

    #[test]
    fn empty_file_is_an_empty_list() {
        assert_eq!(parse("").expect("empty is fine"), vec![]);
        assert_eq!(parse("# only a comment\n").expect("comments only"), vec![]);
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let onsets = parse("\u{feff}0.5\n").expect("BOM is fine");
        assert_eq!(onsets[0].time, ms(500));
    }

    #[test]
    fn write_then_read_round_trips() {
        let list = vec![
            (Nanos(0), Lane::Any),
            (Nanos(1), Lane::Kick),
            (Nanos(1_500_000_000), Lane::HihatPedal),
            (Nanos(-250_000_000), Lane::Any),
            (Nanos(123_456_789_012), Lane::Crash2),
        ];
        let mut buf = Vec::new();
        write_onsets(&mut buf, &list).expect("write to memory");
        let text = String::from_utf8(buf.clone()).expect("utf-8");
        assert!(
            text.starts_with("0\n0.000000001 kick\n1.5 hihat_pedal\n"),
            "{text}"
        );
        let back = parse_onsets(Path::new("mem.txt"), &buf).expect("reads back");
        let mut want = list.clone();
        want.sort_by_key(|o| o.0);
        let got: Vec<_> = back.iter().map(|o| (o.time, o.lane)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn onset_tempo_map_is_120_bpm_480_ppq() {
        let map = onset_tempo_map();
        assert_eq!(map.ppq(), 480);
        assert_eq!(map.time(crate::time::Ticks(480)), ms(500));
    }

    #[test]
    fn to_chart_keeps_exact_times_and_puts_ticks_on_the_120_bpm_grid() {
        let onsets = parse("0.5 snare\n0.2500000001\n1 kick\n").expect("valid list");
        let chart = to_chart(Path::new("dir/groove.txt"), &onsets).expect("valid chart");
        let got: Vec<_> = chart
            .notes
            .iter()
            .map(|n| (n.time, n.tick.0, n.lane))
            .collect();
        assert_eq!(
            got,
            vec![
                (Nanos(250_000_000), 240, Lane::Any),
                (ms(500), 480, Lane::Snare),
                (ms(1000), 960, Lane::Kick),
            ]
        );
        assert_eq!(chart.info.title, "groove");
        assert_eq!(chart.info.source, "dir/groove.txt");
    }

    #[test]
    fn to_chart_refuses_negative_times_naming_the_line() {
        let onsets = parse("1\n-0.5 kick\n").expect("a take may be negative");
        let err = to_chart(Path::new("neg.txt"), &onsets).expect_err("charts start at zero");
        assert_eq!(
            err.place,
            Place::Line {
                line: 2,
                column: None
            }
        );
        let msg = err.to_string();
        assert!(msg.starts_with("neg.txt: line 2: "), "{msg}");
        assert!(msg.contains("negative time"), "{msg}");
    }

    #[test]
    fn to_take_makes_velocity_100_hits() {
        let onsets = parse("0.5 snare\n-0.01\n").expect("valid list");
        let take = to_take("player.txt", &onsets);
        assert_eq!(take.source, "player.txt");
        assert_eq!(take.hits.len(), 2);
        assert_eq!(take.hits[0].time, ms(-10));
        assert_eq!(take.hits[0].lane, Lane::Any);
        assert_eq!(take.hits[1].lane, Lane::Snare);
        assert!(take
            .hits
            .iter()
            .all(|h| h.velocity == 100 && h.source.note == 0));
    }

    #[test]
    fn good_fixtures_read() {
        let onsets = read_onsets(crate_path(
            "fixtures/onsets/kick-snare-hihat-one-bar-120bpm.txt",
        ))
        .expect("fixture reads");
        assert_eq!(onsets.len(), 12);
        assert_eq!(onsets[0].time, Nanos(0));
        assert_eq!(onsets.last().map(|o| o.time), Some(ms(1750)));
        let chart = to_chart(Path::new("x"), &onsets).expect("valid chart");
        assert_eq!(
            chart.notes_per_lane(),
            vec![(Lane::Kick, 2), (Lane::Snare, 2), (Lane::Hihat, 8)]
        );

        let plain = read_onsets(crate_path("fixtures/onsets/no-lanes-comment-unsorted.txt"))
            .expect("fixture reads");
        let times: Vec<_> = plain.iter().map(|o| o.time).collect();
        assert_eq!(
            times,
            vec![Nanos(100_000_000), Nanos(350_000_001), ms(1200)]
        );
        assert!(plain.iter().all(|o| o.lane == Lane::Any));
    }

    /// Reads a bad fixture and returns the error's message, checking it names the file and line.
    fn bad(name: &str, line: usize) -> InputError {
        let path = crate_path(&format!("fixtures/bad/{name}"));
        let err = read_onsets(&path).expect_err("bad fixture must be refused");
        let msg = err.to_string();
        assert!(msg.contains(name), "error should name the file: {msg}");
        assert!(
            msg.contains(&format!("line {line}")),
            "error should name line {line}: {msg}"
        );
        err
    }

    #[test]
    fn bad_nan_time() {
        let err = bad("onsets-nan-time.txt", 3);
        assert_eq!(err.kind, InputErrorKind::BadTime("nan".into()));
    }

    #[test]
    fn bad_infinite_time() {
        let err = bad("onsets-infinite-time.txt", 2);
        assert_eq!(err.kind, InputErrorKind::BadTime("inf".into()));
    }

    #[test]
    fn bad_garbage_time() {
        let err = bad("onsets-garbage-time.txt", 2);
        assert_eq!(err.kind, InputErrorKind::BadTime("1,5".into()));
        assert!(err.to_string().contains("finite decimal number"), "{err}");
    }

    #[test]
    fn bad_unknown_lane() {
        let err = bad("onsets-unknown-lane.txt", 2);
        let msg = err.to_string();
        assert!(msg.contains("\"cowbell\""), "{msg}");
        assert!(
            msg.contains("kick, snare, hihat"),
            "lists valid lanes: {msg}"
        );
        assert!(msg.contains("line 2, column 6"), "{msg}");
    }

    #[test]
    fn bad_too_many_fields() {
        let err = bad("onsets-too-many-fields.txt", 2);
        assert!(err.to_string().contains("found 3 fields"), "{err}");
    }

    #[test]
    fn bad_not_utf8() {
        let err = bad("onsets-not-utf8.txt", 2);
        assert_eq!(err.kind, InputErrorKind::NotUtf8);
    }

    #[test]
    fn too_large_is_refused_before_parsing() {
        let path = crate_path("fixtures/onsets/kick-snare-hihat-one-bar-120bpm.txt");
        let err = read_onsets_limited(&path, 16).expect_err("over the limit");
        assert!(
            matches!(err.kind, InputErrorKind::TooLarge { limit: 16, .. }),
            "{err}"
        );
        assert_eq!(err.place, Place::File);
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = read_onsets("fixtures/onsets/does-not-exist.txt").expect_err("missing");
        assert!(err.to_string().contains("does-not-exist.txt"), "{err}");
    }

    /// The not-UTF-8 fixture is binary, so its bytes live here; this test checks the file in the
    /// tree is exactly these bytes (`POCKET_BLESS=1` rewrites it).
    const NOT_UTF8_FIXTURE: &[u8] = b"0.5 kick\n1.0 sn\xe9re\n";

    #[test]
    fn not_utf8_fixture_matches_its_generator() {
        crate::testdata::check_golden("fixtures/bad/onsets-not-utf8.txt", NOT_UTF8_FIXTURE);
    }
}
