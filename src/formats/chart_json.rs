//! The pocket chart format: a JSON file, versioned `"format": "pocket-chart/1"`, meant to be
//! written by hand as well as by tools. The specification is docs/chart-format.md; the JSON Schema
//! is docs/chart.schema.json, generated from the file-format structs below.
//!
//! This module owns the file-format structs (what the JSON looks like), the reader that turns them
//! into a validated [`Chart`] with every error placed at a line and column, and the canonical
//! writer. Reading a written chart gives the same [`Chart`] back, and writing it again gives the
//! same text.
//!
//! Decisions a hand-writer needs to know (all documented in docs/chart-format.md):
//! - notes and sections may be listed in any order; the reader sorts them. The same lane twice at
//!   the same tick is an error.
//! - tempos and time signatures must be listed in order, the first at the start of the chart.
//! - a note may name several lanes played together (`"lanes": ["kick", "crash"]`).
//! - a tempo is kept as its source states it: BPM (to 0.001 as a JSON number, exactly as a
//!   string), or microseconds per quarter note (`us_per_quarter`, as MIDI files state it); a
//!   note no tick holds exactly (from an onset list) keeps its exact time in `time_s`. So a
//!   chart converted from any format reads back with the same note times.

use crate::chart::{Chart, ChartInfo, Note, Section};
use crate::error::{InputError, InputErrorKind, Place};
use crate::lane::{Articulation, Dynamic, Lane};
use crate::tempo::{Position, Tempo, TempoMap, TempoMapError, TimeSignature, MAX_BPM, MIN_BPM};
use crate::time::{format_seconds, parse_seconds, Nanos, Ticks};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::path::Path;

/// The value of the `format` field this version reads and writes.
pub const FORMAT: &str = "pocket-chart/1";

/// Resolution used when a chart does not give `ppq`, in ticks per quarter note.
pub const DEFAULT_PPQ: u32 = 480;

/// Largest chart file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// A pocket chart file (`"format": "pocket-chart/1"`). See docs/chart-format.md.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "pocket chart")]
pub struct ChartFile {
    /// Always "pocket-chart/1".
    #[schemars(extend("const" = "pocket-chart/1"))]
    pub format: String,
    /// Song title.
    #[serde(default)]
    pub title: String,
    /// Who wrote the song.
    #[serde(default)]
    pub artist: String,
    /// Who wrote the chart.
    #[serde(default)]
    pub charter: String,
    /// Where the chart came from (e.g. "original composition").
    #[serde(default)]
    pub source: String,
    /// Resolution in ticks per quarter note (1..=32767), default 480.
    #[serde(default = "default_ppq")]
    #[schemars(range(min = 1, max = 32767))]
    pub ppq: u32,
    /// Length of a pickup (anacrusis) bar before bar 1, in beats of the first time signature plus
    /// ticks. Absent or zero: no pickup.
    #[serde(default)]
    pub pickup: Option<PickupEntry>,
    /// Tempo changes in increasing order, the first at the start of the chart.
    pub tempos: Vec<TempoEntry>,
    /// Time-signature changes in increasing order, the first at bar 1 (or 0). Default: 4/4.
    #[serde(default)]
    pub time_signatures: Vec<SignatureEntry>,
    /// Named sections, in any order.
    #[serde(default)]
    pub sections: Vec<SectionEntry>,
    /// The notes, in any order.
    #[serde(default)]
    pub notes: Vec<NoteEntry>,
}

fn default_ppq() -> u32 {
    DEFAULT_PPQ
}

/// The length of a pickup bar: `beats` of the first time signature plus `ticks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PickupEntry {
    /// Whole beats (the first time signature's beat unit).
    #[serde(default)]
    pub beats: u32,
    /// Extra ticks.
    #[serde(default)]
    pub ticks: u32,
}

/// A tempo change: `bpm` or `us_per_quarter`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{"required": ["bpm"]}, {"required": ["us_per_quarter"]}]))]
pub struct TempoEntry {
    /// Where the tempo starts.
    pub at: At,
    /// Quarter notes per minute, 1 to 1000 (give `bpm` or `us_per_quarter`, not both).
    #[serde(default)]
    pub bpm: Option<Bpm>,
    /// Microseconds per quarter note, as MIDI files state a tempo: 60000 (1000 BPM) to
    /// 60000000 (1 BPM).
    #[serde(default)]
    #[schemars(range(min = 60000, max = 60000000))]
    pub us_per_quarter: Option<u32>,
}

/// A tempo in BPM: a JSON number, kept to 0.001 BPM, or a string holding the exact value as a
/// decimal (`"133.3333333"`) or a fraction (`"400/3"`).
#[derive(Debug, Clone, PartialEq)]
pub enum Bpm {
    /// A JSON number, kept to a thousandth of a BPM.
    Number(f64),
    /// A string: an exact decimal or fraction, as written.
    Exact(String),
}

impl<'de> Deserialize<'de> for Bpm {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Bpm, D::Error> {
        struct BpmVisitor;
        impl Visitor<'_> for BpmVisitor {
            type Value = Bpm;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a number of BPM, or a string with the exact BPM as a decimal (\"133.3333\") or a fraction (\"400/3\")",
                )
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Bpm, E> {
                Ok(Bpm::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bpm, E> {
                Ok(Bpm::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bpm, E> {
                Ok(Bpm::Number(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bpm, E> {
                Ok(Bpm::Exact(v.to_string()))
            }
        }
        d.deserialize_any(BpmVisitor)
    }
}

impl JsonSchema for Bpm {
    fn schema_name() -> Cow<'static, str> {
        "Bpm".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "description": "Quarter notes per minute, 1 to 1000: a number, kept to 0.001 BPM, or a string holding the exact value as a decimal (\"133.3333333\") or a fraction (\"400/3\").",
            "oneOf": [
                { "type": "number", "minimum": 1, "maximum": 1000 },
                { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$|^[0-9]+/[0-9]+$" }
            ]
        })
    }
}

/// An exact BPM string (`"133.3333333"`, `"400/3"`) as a tempo; `None` if it is neither.
fn exact_bpm(text: &str) -> Option<Tempo> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let t = text.trim();
    let (num, den) = match t.split_once('/') {
        Some((n, d)) if digits(n) && digits(d) => (n.parse::<u64>().ok()?, d.parse::<u64>().ok()?),
        Some(_) => return None,
        None => {
            let (int, frac) = t.split_once('.').unwrap_or((t, ""));
            if !digits(int) || !(frac.is_empty() || digits(frac)) || frac.len() > 18 {
                return None;
            }
            let den = 10u64.pow(frac.len() as u32);
            let num = format!("{int}{frac}").parse::<u64>().ok()?;
            (num, den)
        }
    };
    Tempo::from_bpm_fraction(num, den)
}

/// A time in seconds, exact to the nanosecond: a JSON number whose shortest decimal form is
/// read exactly, never rounded through binary floating point arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(pub Nanos);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Seconds, D::Error> {
        struct SecondsVisitor;
        impl Visitor<'_> for SecondsVisitor {
            type Value = Seconds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a time in seconds (a number)")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Seconds, E> {
                // `{}` prints the shortest decimal that reads back as the same f64: for a time
                // of up to 15 significant digits (any nanosecond below 10^6 s) that is the
                // decimal as written.
                parse_seconds(&format!("{v}"))
                    .map(Seconds)
                    .ok_or_else(|| E::custom(format!("{v} s is not a time pocket can hold")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Seconds, E> {
                v.checked_mul(1_000_000_000)
                    .map(|ns| Seconds(Nanos(ns)))
                    .ok_or_else(|| E::custom(format!("{v} s is not a time pocket can hold")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Seconds, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(|v| v.checked_mul(1_000_000_000))
                    .map(|ns| Seconds(Nanos(ns)))
                    .ok_or_else(|| E::custom(format!("{v} s is not a time pocket can hold")))
            }
        }
        d.deserialize_any(SecondsVisitor)
    }
}

impl JsonSchema for Seconds {
    fn schema_name() -> Cow<'static, str> {
        "Seconds".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "description": "A time in seconds from the chart's time zero, read exactly to the nanosecond.",
            "type": "number",
            "minimum": 0
        })
    }
}

/// A time-signature change, at the start of a bar or (for irregular bars) at a tick.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{"required": ["bar"]}, {"required": ["tick"]}]))]
pub struct SignatureEntry {
    /// The bar it starts (give `bar` or `tick`, not both).
    #[serde(default)]
    pub bar: Option<i64>,
    /// The tick it starts at; a change inside a bar cuts that bar short.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub tick: Option<i64>,
    /// "N/D", e.g. "4/4", "6/8"; D is 1, 2, 4, 8, 16, 32 or 64.
    #[schemars(regex(pattern = r"^[0-9]+/[0-9]+$"))]
    pub signature: String,
}

/// A named section.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionEntry {
    /// Where the section starts.
    pub at: At,
    /// Its name ("verse", "chorus").
    pub name: String,
}

/// One note, or several lanes struck together.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{"required": ["lane"]}, {"required": ["lanes"]}]))]
pub struct NoteEntry {
    /// Where the note is.
    pub at: At,
    /// The lane (give `lane` or `lanes`, not both).
    #[serde(default)]
    #[schemars(with = "Option<Lane>")]
    pub lane: Option<String>,
    /// Several lanes struck at the same time, each a note with this articulation and dynamic.
    #[serde(default)]
    #[schemars(with = "Option<Vec<Lane>>")]
    pub lanes: Option<Vec<String>>,
    /// How it is struck; must fit the lane (e.g. hihat: closed, half_open, open).
    #[serde(default)]
    pub articulation: Option<Articulation>,
    /// How loud; default normal.
    #[serde(default)]
    pub dynamic: Option<Dynamic>,
    /// When the note sounds, in seconds, exact to the nanosecond, for a note no tick holds
    /// exactly (a chart made from an onset list). `at` must be the tick nearest to it. Absent:
    /// the time of `at`.
    #[serde(default)]
    pub time_s: Option<Seconds>,
}

/// A place in musical time: `"bar:beat"`, `"bar:beat:tick"`, or a number of ticks from the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum At {
    /// A bar:beat or bar:beat:tick string, as written.
    Position(String),
    /// Ticks from the start of the chart.
    Tick(i64),
}

impl<'de> Deserialize<'de> for At {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<At, D::Error> {
        struct AtVisitor;
        impl Visitor<'_> for AtVisitor {
            type Value = At;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a position such as \"5:2\" or \"5:2:240\", or a whole number of ticks")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<At, E> {
                Ok(At::Position(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<At, E> {
                Ok(At::Tick(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<At, E> {
                i64::try_from(v)
                    .map(At::Tick)
                    .map_err(|_| E::custom(format!("tick {v} is too large")))
            }
        }
        d.deserialize_any(AtVisitor)
    }
}

impl JsonSchema for At {
    fn schema_name() -> Cow<'static, str> {
        "Position".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "description": "A place in musical time: \"bar:beat\" or \"bar:beat:tick\" (bars and beats count from 1; bar 0 is a pickup), or a whole number of ticks from the start of the chart.",
            "oneOf": [
                { "type": "string", "pattern": "^-?[0-9]+:[0-9]+(:[0-9]+)?$" },
                { "type": "integer", "minimum": 0 }
            ]
        })
    }
}

/// Reads a pocket chart file.
pub fn read_chart(path: &Path) -> Result<Chart, InputError> {
    let bytes = super::read::read_capped(path, MAX_FILE_BYTES)?;
    read_chart_bytes(path, &bytes)
}

/// Reads a pocket chart from bytes that should be UTF-8 text; `path` is only used in errors.
pub(crate) fn read_chart_bytes(path: &Path, bytes: &[u8]) -> Result<Chart, InputError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => read_chart_str(path, text),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = 1 + valid.iter().filter(|b| **b == b'\n').count();
            Err(InputError::at_line(path, line, InputErrorKind::NotUtf8))
        }
    }
}

/// Reads a pocket chart from text; `path` is only used in errors.
pub(crate) fn read_chart_str(path: &Path, text: &str) -> Result<Chart, InputError> {
    // A byte-order mark is tolerated (some editors add one).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let file = parse_file(path, text)?;
    Reader { path, text }.build(file)
}

/// Parses the text into the file-format structs, checking JSON syntax, the `format` field,
/// unknown fields and value types.
pub fn parse_file(path: &Path, text: &str) -> Result<ChartFile, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(InputError::new(
            path,
            Place::File,
            InputErrorKind::Empty(format!(
                "the file is empty; a pocket chart is a JSON object that starts with {{\"format\": \"{FORMAT}\""
            )),
        ));
    }
    // Fast path: a valid chart parses straight into the structs. Anything else (including a
    // valid file of another format) takes the checked path below, which gives the errors.
    if text.trim_start().starts_with('{') {
        if let Ok(file) = serde_json::from_str::<ChartFile>(text) {
            if file.format == FORMAT {
                return Ok(file);
            }
        }
    }
    // A first pass over the generic value: syntax errors, then the format, before any field
    // errors (a file of another format or version would otherwise report unknown fields).
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| json_error(path, &e, "the file is not valid JSON"))?;
    let Some(object) = value.as_object() else {
        return Err(InputError::at_line(
            path,
            1,
            InputErrorKind::Malformed(format!(
                "a pocket chart is a JSON object {{\"format\": \"{FORMAT}\", ...}}, not a JSON {}",
                json_kind(&value)
            )),
        ));
    };
    match object.get("format") {
        Some(serde_json::Value::String(f)) if f == FORMAT => {}
        other => {
            let found = match other {
                None => "(no format field)".to_string(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            };
            let place = if other.is_some() {
                locate_place(text, &[Seg::Key("format")])
            } else {
                Place::Line {
                    line: 1,
                    column: None,
                }
            };
            return Err(InputError::new(
                path,
                place,
                InputErrorKind::UnsupportedFormat {
                    found,
                    expected: FORMAT.to_string(),
                },
            ));
        }
    }
    serde_json::from_str(text)
        .map_err(|e| json_error(path, &e, "the chart does not follow pocket-chart/1"))
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Turns a serde_json error into an [`InputError`] at its line and column.
fn json_error(path: &Path, e: &serde_json::Error, what: &str) -> InputError {
    let mut msg = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    if let Some(stripped) = msg.strip_suffix(&suffix) {
        msg = stripped.to_string();
    }
    let place = if e.line() == 0 {
        Place::File
    } else {
        Place::Line {
            line: e.line(),
            column: Some(e.column().max(1)),
        }
    };
    let kind = match e.classify() {
        serde_json::error::Category::Eof => InputErrorKind::Truncated(format!(
            "{msg}; the JSON ends before every {{ and [ is closed"
        )),
        serde_json::error::Category::Syntax => InputErrorKind::Malformed(format!("{what}: {msg}")),
        serde_json::error::Category::Data if msg.starts_with("unknown field") => {
            InputErrorKind::Malformed(format!("{msg}; remove the field or check its spelling"))
        }
        _ => InputErrorKind::Malformed(format!("{what}: {msg}")),
    };
    InputError::new(path, place, kind)
}

/// A step of a path into a JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// Where a value sits in the text, found by a small scan of (already valid) JSON. Used only on
/// the error path, so the reader keeps no positions for valid files.
fn locate_place(text: &str, path: &[Seg<'_>]) -> Place {
    let mut loc = Locator {
        b: text.as_bytes(),
        i: 0,
    };
    match loc.find(path) {
        Some(offset) => {
            let before = &text[..offset];
            let line = 1 + before.matches('\n').count();
            let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
            let column = 1 + before[line_start..].chars().count();
            Place::Line {
                line,
                column: Some(column),
            }
        }
        None => Place::Item(path_string(path)),
    }
}

fn path_string(path: &[Seg<'_>]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if s.is_empty() => s.push_str(k),
            Seg::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Seg::Index(i) => {
                let _ = write!(s, "[{i}]");
            }
        }
    }
    s
}

struct Locator<'a> {
    b: &'a [u8],
    i: usize,
}

impl Locator<'_> {
    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Byte offset of the value at `path` below the value at the cursor.
    fn find(&mut self, path: &[Seg<'_>]) -> Option<usize> {
        self.ws();
        let Some((first, rest)) = path.split_first() else {
            return Some(self.i);
        };
        match (*self.b.get(self.i)?, first) {
            (b'{', Seg::Key(want)) => {
                self.i += 1;
                if self.eat(b'}') {
                    return None;
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    if !self.eat(b':') {
                        return None;
                    }
                    if key == *want {
                        return self.find(rest);
                    }
                    self.skip()?;
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            (b'[', Seg::Index(want)) => {
                self.i += 1;
                if self.eat(b']') {
                    return None;
                }
                let mut index = 0;
                loop {
                    if index == *want {
                        return self.find(rest);
                    }
                    self.skip()?;
                    if !self.eat(b',') {
                        return None;
                    }
                    index += 1;
                }
            }
            _ => None,
        }
    }

    /// Reads a string at the cursor, decoding escapes.
    fn string(&mut self) -> Option<String> {
        let start = self.i;
        self.skip_string()?;
        let raw = std::str::from_utf8(&self.b[start..self.i]).ok()?;
        serde_json::from_str(raw).ok()
    }

    fn skip_string(&mut self) -> Option<()> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        loop {
            match *self.b.get(self.i)? {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                _ => self.i += 1,
            }
        }
    }

    /// Skips one value at the cursor.
    fn skip(&mut self) -> Option<()> {
        self.ws();
        match *self.b.get(self.i)? {
            b'"' => self.skip_string(),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match *self.b.get(self.i)? {
                        b'"' => {
                            self.skip_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
            }
            _ => {
                while !matches!(
                    self.b.get(self.i),
                    None | Some(b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r')
                ) {
                    self.i += 1;
                }
                Some(())
            }
        }
    }
}

/// Turns file-format structs into a validated chart, placing each error in the text.
struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
}

/// One note resolved from the file, before sorting.
struct Resolved {
    tick: i64,
    /// `time_s` if given, else the time of `tick`.
    time: Nanos,
    lane: Lane,
    articulation: Option<Articulation>,
    dynamic: Dynamic,
    /// Index in the file's `notes` list.
    index: usize,
}

impl Reader<'_> {
    fn err(&self, path: &[Seg<'_>], kind: InputErrorKind) -> InputError {
        InputError::new(self.path, locate_place(self.text, path), kind)
    }

    /// The tick of an `at`, checked against the map's bars and beats.
    fn tick_of(&self, map: &TempoMap, at: &At, path: &[Seg<'_>]) -> Result<i64, InputError> {
        match at {
            At::Tick(t) if *t < 0 => Err(self.err(
                path,
                InputErrorKind::Malformed(format!(
                    "tick {t} is before the start of the chart: ticks count from 0"
                )),
            )),
            At::Tick(t) => Ok(*t),
            At::Position(s) => {
                let pos: Position = s
                    .parse()
                    .map_err(|e: String| self.err(path, InputErrorKind::Malformed(e)))?;
                let tick = map
                    .tick_of(pos)
                    .map_err(|e| self.err(path, InputErrorKind::Tempo(e)))?;
                Ok(tick.0)
            }
        }
    }

    fn build(&self, file: ChartFile) -> Result<Chart, InputError> {
        let ppq = file.ppq;
        let sigs = self.signatures(&file.time_signatures)?;
        let first_sig = sigs.first().map(|s| s.1).unwrap_or(TimeSignature::COMMON);
        let placeholder = [(Ticks(0), Tempo::MilliBpm(120_000))];

        // The pickup is given in beats of the first signature.
        let pickup = match file.pickup {
            None => 0,
            Some(p) => {
                let plain = TempoMap::new(ppq, &placeholder, first_sig, Ticks(0))
                    .map_err(|e| self.tempo_err(&sigs, e))?;
                let beat = plain.beat_ticks_at(Ticks(0));
                p.beats as i64 * beat + p.ticks as i64
            }
        };
        let with_sigs = |tempos: &[(Ticks, Tempo)]| -> Result<TempoMap, InputError> {
            let mut map =
                TempoMap::new(ppq, tempos, first_sig, Ticks(pickup)).map_err(|e| match e {
                    TempoMapError::BadPickup(_) => {
                        self.err(&[Seg::Key("pickup")], InputErrorKind::Tempo(e))
                    }
                    _ => self.tempo_err(&sigs, e),
                })?;
            for (i, (place, sig)) in sigs.iter().enumerate().skip(1) {
                let added = match place {
                    SigPlace::Bar(bar) => map.add_signature_at_bar(*bar, *sig),
                    SigPlace::Tick(tick) => {
                        let last = map.signatures().last().map(|s| s.tick.0).unwrap_or(0);
                        if *tick <= last {
                            Err(TempoMapError::SignatureOrder(format!("tick {tick}")))
                        } else {
                            map.add_signature_at_tick(Ticks(*tick), *sig)
                        }
                    }
                };
                added.map_err(|e| {
                    self.err(
                        &[Seg::Key("time_signatures"), Seg::Index(i)],
                        InputErrorKind::Tempo(e),
                    )
                })?;
            }
            Ok(map)
        };
        let grid = with_sigs(&placeholder)?;
        let tempos = self.tempos(&grid, &file.tempos)?;
        let map = with_sigs(&tempos)?;

        let mut sections = Vec::with_capacity(file.sections.len());
        for (i, s) in file.sections.iter().enumerate() {
            let path = [Seg::Key("sections"), Seg::Index(i), Seg::Key("at")];
            let tick = self.tick_of(&map, &s.at, &path)?;
            sections.push(Section {
                name: s.name.clone(),
                tick: Ticks(tick),
                time: map.time(Ticks(tick)),
            });
        }

        let mut resolved = self.notes(&map, &file.notes)?;
        // Sorted by tick; notes with a `time_s` of their own may differ in order by time.
        resolved.sort_by_key(|r| (r.time, r.lane));
        let notes = resolved
            .iter()
            .map(|r| Note {
                time: r.time,
                tick: Ticks(r.tick),
                lane: r.lane,
                articulation: r.articulation,
                dynamic: r.dynamic,
            })
            .collect();
        let info = ChartInfo {
            title: file.title,
            artist: file.artist,
            charter: file.charter,
            source: file.source,
        };
        Chart::new(info, map, sections, notes)
            .map_err(|e| self.err(&[Seg::Key("notes")], InputErrorKind::Chart(e)))
    }

    /// Places a map error that is not about one entry: at the ppq or the first signature.
    fn tempo_err(&self, sigs: &[(SigPlace, TimeSignature)], e: TempoMapError) -> InputError {
        let path: &[Seg<'_>] = match e {
            TempoMapError::BadPpq(_) => &[Seg::Key("ppq")],
            _ if !sigs.is_empty() => &[Seg::Key("time_signatures"), Seg::Index(0)],
            _ => &[Seg::Key("ppq")],
        };
        self.err(path, InputErrorKind::Tempo(e))
    }

    fn signatures(
        &self,
        entries: &[SignatureEntry],
    ) -> Result<Vec<(SigPlace, TimeSignature)>, InputError> {
        let mut out = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let item = [Seg::Key("time_signatures"), Seg::Index(i)];
            let sig: TimeSignature = e.signature.parse().map_err(|m: String| {
                self.err(
                    &[item[0], item[1], Seg::Key("signature")],
                    InputErrorKind::Malformed(m),
                )
            })?;
            let place = match (e.bar, e.tick) {
                (Some(bar), None) => SigPlace::Bar(bar),
                (None, Some(tick)) if tick >= 0 => SigPlace::Tick(tick),
                (None, Some(tick)) => {
                    return Err(self.err(
                        &[item[0], item[1], Seg::Key("tick")],
                        InputErrorKind::Malformed(format!(
                            "tick {tick} is before the start of the chart: ticks count from 0"
                        )),
                    ))
                }
                _ => {
                    return Err(self.err(
                        &item,
                        InputErrorKind::Malformed(
                            "a time signature needs either \"bar\" (where a bar starts) or \"tick\", not both"
                                .to_string(),
                        ),
                    ))
                }
            };
            if i == 0 && !matches!(place, SigPlace::Bar(0 | 1) | SigPlace::Tick(0)) {
                return Err(self.err(
                    &item,
                    InputErrorKind::Malformed(
                        "the first time signature must be at bar 1 (it also sets the pickup bar); list changes in order"
                            .to_string(),
                    ),
                ));
            }
            out.push((place, sig));
        }
        Ok(out)
    }

    fn tempos(
        &self,
        grid: &TempoMap,
        entries: &[TempoEntry],
    ) -> Result<Vec<(Ticks, Tempo)>, InputError> {
        if entries.is_empty() {
            return Err(self.err(
                &[Seg::Key("tempos")],
                InputErrorKind::Empty(
                    "the chart has no tempo: add one at the start, e.g. \"tempos\": [{\"at\": \"1:1\", \"bpm\": 120}]"
                        .to_string(),
                ),
            ));
        }
        let mut out: Vec<(Ticks, Tempo)> = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let at = [Seg::Key("tempos"), Seg::Index(i), Seg::Key("at")];
            let bpm_path = [Seg::Key("tempos"), Seg::Index(i), Seg::Key("bpm")];
            let us_path = [
                Seg::Key("tempos"),
                Seg::Index(i),
                Seg::Key("us_per_quarter"),
            ];
            let tick = self.tick_of(grid, &e.at, &at)?;
            if i == 0 && tick != 0 {
                let start = grid.position(Ticks(0));
                return Err(self.err(
                    &at,
                    InputErrorKind::Malformed(format!(
                        "the first tempo must be at the start of the chart ({}:{}), not at tick {tick}",
                        start.bar, start.beat
                    )),
                ));
            }
            if let Some(prev) = out.last() {
                if tick <= prev.0 .0 {
                    return Err(
                        self.err(&at, InputErrorKind::Tempo(TempoMapError::TempoOrder(tick)))
                    );
                }
            }
            // The tempo, the BPM to show in errors, where it is, and whether it is 0.
            let (tempo, given_bpm, path, zero) = match (&e.bpm, e.us_per_quarter) {
                // A number kept to 0.001 BPM: 0.0004 is an absurd tempo, not tempo 0.
                (Some(Bpm::Number(bpm)), None) => {
                    (Tempo::from_bpm(*bpm), *bpm, &bpm_path, *bpm == 0.0)
                }
                (Some(Bpm::Exact(text)), None) => {
                    let tempo = exact_bpm(text).ok_or_else(|| {
                        self.err(
                            &bpm_path,
                            InputErrorKind::Malformed(format!(
                                "bpm {text:?} is not an exact decimal (\"133.3333\") or fraction (\"400/3\") of whole numbers"
                            )),
                        )
                    })?;
                    (tempo, tempo.bpm(), &bpm_path, tempo.is_zero())
                }
                (None, Some(us)) => {
                    let tempo = Tempo::MicrosPerQuarter(us);
                    (tempo, tempo.bpm(), &us_path, tempo.is_zero())
                }
                _ => {
                    return Err(self.err(
                        &[Seg::Key("tempos"), Seg::Index(i)],
                        InputErrorKind::Malformed(
                            "a tempo needs either \"bpm\" or \"us_per_quarter\", not both"
                                .to_string(),
                        ),
                    ))
                }
            };
            if zero {
                return Err(self.err(path, InputErrorKind::Tempo(TempoMapError::TempoZero(tick))));
            }
            if given_bpm < 0.0 || !(MIN_BPM..=MAX_BPM).contains(&tempo.bpm()) {
                return Err(self.err(
                    path,
                    InputErrorKind::Tempo(TempoMapError::AbsurdTempo {
                        tick,
                        bpm: given_bpm,
                    }),
                ));
            }
            out.push((Ticks(tick), tempo));
        }
        Ok(out)
    }

    fn notes(&self, map: &TempoMap, entries: &[NoteEntry]) -> Result<Vec<Resolved>, InputError> {
        let mut out = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let item = |k: &'static str| [Seg::Key("notes"), Seg::Index(i), Seg::Key(k)];
            let tick = self.tick_of(map, &e.at, &item("at"))?;
            let time = match e.time_s {
                None => map.time(Ticks(tick)),
                Some(Seconds(t)) if t < Nanos::ZERO => {
                    return Err(self.err(
                        &item("time_s"),
                        InputErrorKind::Malformed(format!(
                            "time_s {} is before the start of the chart: charts start at time zero",
                            format_seconds(t)
                        )),
                    ))
                }
                Some(Seconds(t)) => {
                    let nearest = map.tick(t);
                    if nearest != Ticks(tick) {
                        return Err(self.err(
                            &item("time_s"),
                            InputErrorKind::Malformed(format!(
                                "time_s {} s is nearest to tick {} ({}), not to the note's tick {tick} ({}): give the position nearest to the time",
                                format_seconds(t),
                                nearest.0,
                                map.position(nearest),
                                map.position(Ticks(tick))
                            )),
                        ));
                    }
                    t
                }
            };
            // Each lane with its place: `lane`, or `lanes[j]`.
            let (single, list): (Option<&str>, &[String]) = match (&e.lane, &e.lanes) {
                (Some(l), None) => (Some(l.as_str()), &[]),
                (None, Some(ls)) if !ls.is_empty() => (None, ls.as_slice()),
                _ => {
                    return Err(self.err(
                        &[Seg::Key("notes"), Seg::Index(i)],
                        InputErrorKind::Malformed(
                            "a note needs either \"lane\" (one lane) or \"lanes\" (a non-empty list), not both"
                                .to_string(),
                        ),
                    ))
                }
            };
            let names = single
                .map(|l| (l, None))
                .into_iter()
                .chain(list.iter().enumerate().map(|(j, l)| (l.as_str(), Some(j))));
            for (name, j) in names {
                let lane: Lane = name.parse().map_err(|err| {
                    let kind = InputErrorKind::UnknownLane(err);
                    match j {
                        None => self.err(&item("lane"), kind),
                        Some(j) => self.err(
                            &[
                                Seg::Key("notes"),
                                Seg::Index(i),
                                Seg::Key("lanes"),
                                Seg::Index(j),
                            ],
                            kind,
                        ),
                    }
                })?;
                if let Some(a) = e.articulation {
                    if !lane.allows(a) {
                        return Err(self.err(
                            &item("articulation"),
                            InputErrorKind::Chart(crate::chart::ChartError::BadArticulation {
                                index: i,
                                lane,
                                articulation: a,
                            }),
                        ));
                    }
                }
                out.push(Resolved {
                    tick,
                    time,
                    lane,
                    articulation: e.articulation,
                    dynamic: e.dynamic.unwrap_or_default(),
                    index: i,
                });
            }
        }
        out.sort_by_key(|r| (r.tick, r.lane, r.time, r.index));
        for w in out.windows(2) {
            // Two notes of a lane at one tick are distinct only when `time_s` sets them apart.
            if w[0].tick == w[1].tick && w[0].lane == w[1].lane && w[0].time == w[1].time {
                let (first, second) = (w[0].index.min(w[1].index), w[0].index.max(w[1].index));
                let pos = map.position(Ticks(w[0].tick));
                let kind = InputErrorKind::Malformed(if first == second {
                    format!(
                        "notes[{first}] lists {} twice at {pos}: a lane is struck once at a time; remove one",
                        w[0].lane
                    )
                } else {
                    format!(
                        "notes[{second}]: {} at {pos} is already at notes[{first}]: a lane is struck once at a time; remove one of them",
                        w[0].lane
                    )
                });
                return Err(self.err(&[Seg::Key("notes"), Seg::Index(second)], kind));
            }
        }
        Ok(out)
    }
}

/// Where a time signature starts, as written.
#[derive(Debug, Clone, Copy)]
enum SigPlace {
    Bar(i64),
    Tick(i64),
}

/// Writes a chart in the canonical pocket-chart/1 form: fixed field order, one tempo, signature,
/// section or note per line, positions as `"bar:beat"` or `"bar:beat:tick"`, notes sorted by tick
/// then lane. Each tempo is written in the form its source gave: thousandths of a BPM as a
/// `bpm` number, microseconds per quarter as `us_per_quarter`, any other exact BPM as a `bpm`
/// string; a note whose time is not the time of its tick gets `time_s`. Reading the text back
/// gives the same chart.
pub fn write_chart(chart: &Chart) -> String {
    let map = &chart.tempo_map;
    let mut out = String::with_capacity(64 * chart.notes.len() + 1024);
    let s = |v: &str| serde_json::Value::String(v.to_string()).to_string();
    out.push_str("{\n");
    let _ = writeln!(out, "  \"format\": {},", s(FORMAT));
    let _ = writeln!(out, "  \"title\": {},", s(&chart.info.title));
    let _ = writeln!(out, "  \"artist\": {},", s(&chart.info.artist));
    let _ = writeln!(out, "  \"charter\": {},", s(&chart.info.charter));
    let _ = writeln!(out, "  \"source\": {},", s(&chart.info.source));
    let _ = writeln!(out, "  \"ppq\": {},", map.ppq());
    let signatures: Vec<_> = map.signatures().collect();
    let pickup = map.pickup().0;
    if pickup > 0 {
        let beat = map.beat_ticks_at(Ticks(0)).max(1);
        let (beats, ticks) = (pickup / beat, pickup % beat);
        let body = match (beats, ticks) {
            (b, 0) => format!("\"beats\": {b}"),
            (0, t) => format!("\"ticks\": {t}"),
            (b, t) => format!("\"beats\": {b}, \"ticks\": {t}"),
        };
        let _ = writeln!(out, "  \"pickup\": {{{body}}},");
    }

    let tempos: Vec<String> = map
        .tempos()
        .map(|t| {
            format!(
                "{{\"at\": {}, {}}}",
                at_text(map, t.tick),
                tempo_text(t.tempo)
            )
        })
        .collect();
    write_list(&mut out, "tempos", &tempos, true);

    // Signatures at a bar where full bars lead up to them are written by bar; changes inside a
    // bar (from MIDI files) by tick.
    let mut sig_lines = Vec::with_capacity(signatures.len());
    let mut scratch = signatures.first().and_then(|first| {
        TempoMap::new(
            map.ppq(),
            &[(Ticks(0), Tempo::MilliBpm(120_000))],
            first.signature,
            Ticks(pickup),
        )
        .ok()
    });
    for (i, sc) in signatures.iter().enumerate() {
        let sig = s(&sc.signature.to_string());
        if i == 0 {
            sig_lines.push(format!("{{\"bar\": 1, \"signature\": {sig}}}"));
            continue;
        }
        let by_bar = scratch.as_mut().is_some_and(|m| {
            let last_bar = m.signatures().last().map(|l| l.bar).unwrap_or(1);
            sc.bar > last_bar
                && m.bar_start(sc.bar) == sc.tick
                && m.add_signature_at_bar(sc.bar, sc.signature).is_ok()
        });
        if by_bar {
            sig_lines.push(format!("{{\"bar\": {}, \"signature\": {sig}}}", sc.bar));
        } else {
            if let Some(m) = scratch.as_mut() {
                if m.add_signature_at_tick(sc.tick, sc.signature).is_err() {
                    scratch = None;
                }
            }
            sig_lines.push(format!("{{\"tick\": {}, \"signature\": {sig}}}", sc.tick.0));
        }
    }
    write_list(&mut out, "time_signatures", &sig_lines, true);

    let sections: Vec<String> = chart
        .sections
        .iter()
        .map(|sec| {
            format!(
                "{{\"at\": {}, \"name\": {}}}",
                at_text(map, sec.tick),
                s(&sec.name)
            )
        })
        .collect();
    write_list(&mut out, "sections", &sections, true);

    let notes: Vec<String> = chart
        .notes
        .iter()
        .map(|n| {
            let mut line = format!("{{\"at\": {}", at_text(map, n.tick));
            if map.time(n.tick) != n.time {
                let _ = write!(line, ", \"time_s\": {}", format_seconds(n.time));
            }
            let _ = write!(line, ", \"lane\": \"{}\"", n.lane.name());
            if let Some(a) = n.articulation {
                let _ = write!(line, ", \"articulation\": \"{}\"", a.name());
            }
            if n.dynamic != Dynamic::Normal {
                let _ = write!(line, ", \"dynamic\": \"{}\"", n.dynamic.name());
            }
            line.push('}');
            line
        })
        .collect();
    write_list(&mut out, "notes", &notes, false);
    out.push_str("}\n");
    out
}

fn write_list(out: &mut String, key: &str, items: &[String], comma_after: bool) {
    let end = if comma_after { "," } else { "" };
    if items.is_empty() {
        let _ = writeln!(out, "  \"{key}\": []{end}");
        return;
    }
    let _ = writeln!(out, "  \"{key}\": [");
    for (i, item) in items.iter().enumerate() {
        let sep = if i + 1 < items.len() { "," } else { "" };
        let _ = writeln!(out, "    {item}{sep}");
    }
    let _ = writeln!(out, "  ]{end}");
}

/// A tick as `"bar:beat"` / `"bar:beat:tick"`, or as a number when no position names it.
fn at_text(map: &TempoMap, tick: Ticks) -> String {
    let pos = map.position(tick);
    if tick.0 >= 0 && map.tick_of(pos) == Ok(tick) {
        if pos.tick == 0 {
            format!("\"{}:{}\"", pos.bar, pos.beat)
        } else {
            format!("\"{}:{}:{}\"", pos.bar, pos.beat, pos.tick)
        }
    } else {
        tick.0.to_string()
    }
}

/// A tempo's field as its source stated it: `"bpm": 114.5` (thousandths of a BPM),
/// `"us_per_quarter": 500100`, or `"bpm": "133.3333333"` / `"bpm": "400/3"` (an exact BPM).
fn tempo_text(tempo: Tempo) -> String {
    match tempo {
        Tempo::MilliBpm(milli) => {
            let (whole, frac) = (milli / 1000, milli % 1000);
            if frac == 0 {
                format!("\"bpm\": {whole}")
            } else {
                let f = format!("{frac:03}");
                format!("\"bpm\": {whole}.{}", f.trim_end_matches('0'))
            }
        }
        Tempo::MicrosPerQuarter(us) => format!("\"us_per_quarter\": {us}"),
        Tempo::BpmFraction { num, den } => format!("\"bpm\": \"{}\"", exact_text(num, den)),
    }
}

/// `num / den` as an exact decimal when one of at most 18 places exists, else as `"num/den"`.
fn exact_text(num: u64, den: u64) -> String {
    let den = den.max(1);
    let places = (0..=18u32).find(|k| 10u128.pow(*k) % den as u128 == 0);
    match places {
        Some(k) => {
            let scaled = num as u128 * (10u128.pow(k) / den as u128);
            let unit = 10u128.pow(k);
            let (whole, frac) = (scaled / unit, scaled % unit);
            if frac == 0 {
                whole.to_string()
            } else {
                let f = format!("{frac:0width$}", width = k as usize);
                format!("{whole}.{}", f.trim_end_matches('0'))
            }
        }
        None => format!("{num}/{den}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::crate_path;
    use crate::time::Nanos;
    use proptest::prelude::*;
    use std::path::PathBuf;

    fn read(text: &str) -> Result<Chart, InputError> {
        read_chart_str(Path::new("test.json"), text)
    }

    const SMALL: &str = r#"{
  "format": "pocket-chart/1",
  "title": "Small",
  "ppq": 480,
  "pickup": {"beats": 1},
  "tempos": [{"at": "0:4", "bpm": 100}, {"at": "3:1", "bpm": 120.5}],
  "time_signatures": [{"bar": 1, "signature": "4/4"}, {"bar": 3, "signature": "6/8"}],
  "sections": [{"at": "1:1", "name": "verse"}, {"at": "0:4", "name": "count-in"}],
  "notes": [
    {"at": "1:1", "lanes": ["kick", "crash"]},
    {"at": "0:4", "lane": "snare", "dynamic": "accent"},
    {"at": "1:2:240", "lane": "hihat", "articulation": "open"},
    {"at": 1920, "lane": "ride", "articulation": "bell", "dynamic": "ghost"},
    {"at": "3:6", "lane": "tom3"}
  ]
}"#;

    #[test]
    fn reads_a_hand_written_chart() {
        let c = read(SMALL).unwrap();
        assert_eq!(c.info.title, "Small");
        assert_eq!(c.tempo_map.pickup(), Ticks(480));
        let lanes: Vec<_> = c.notes.iter().map(|n| (n.tick.0, n.lane)).collect();
        assert_eq!(
            lanes,
            vec![
                (0, Lane::Snare),
                (480, Lane::Kick),
                (480, Lane::Crash),
                (480 + 480 + 240, Lane::Hihat),
                (1920, Lane::Ride),
                (480 + 8 * 480 + 5 * 240, Lane::Tom3),
            ],
            "notes are sorted by tick then lane, the lanes list gives one note per lane"
        );
        // One beat of 100 BPM = 0.6 s before bar 1.
        assert_eq!(c.notes[1].time, Nanos(600_000_000));
        assert_eq!(c.notes[0].dynamic, Dynamic::Accent);
        assert_eq!(c.notes[3].articulation, Some(Articulation::Open));
        assert_eq!(
            c.sections[0].name, "count-in",
            "sections are sorted by time"
        );
        assert_eq!(
            c.tempo_map.tempo_at(Ticks(480 * 9)),
            Tempo::MilliBpm(120_500)
        );
    }

    #[test]
    fn defaults_apply_when_fields_are_absent() {
        let c = read(r#"{"format": "pocket-chart/1", "tempos": [{"at": 0, "bpm": 90}]}"#).unwrap();
        assert_eq!(c.tempo_map.ppq(), DEFAULT_PPQ);
        assert_eq!(c.tempo_map.signature_at(Ticks(0)), TimeSignature::COMMON);
        assert!(c.notes.is_empty() && c.sections.is_empty());
    }

    #[test]
    fn write_is_canonical_and_round_trips() {
        let c = read(SMALL).unwrap();
        let text = write_chart(&c);
        assert!(
            text.contains(
                "    {\"at\": \"1:2:240\", \"lane\": \"hihat\", \"articulation\": \"open\"},\n"
            ),
            "one note per line:\n{text}"
        );
        assert!(text.contains("\"pickup\": {\"beats\": 1},"), "{text}");
        assert!(text.contains("{\"at\": \"3:1\", \"bpm\": 120.5}"), "{text}");
        let again = read(&text).unwrap();
        assert_eq!(again, c);
        assert_eq!(write_chart(&again), text);
    }

    #[test]
    fn microsecond_tempos_are_written_as_microseconds_per_quarter() {
        let map = TempoMap::constant(96, Tempo::MicrosPerQuarter(500_100), TimeSignature::COMMON)
            .unwrap();
        let chart = Chart::new(ChartInfo::default(), map, vec![], vec![]).unwrap();
        let text = write_chart(&chart);
        assert!(
            text.contains("{\"at\": \"1:1\", \"us_per_quarter\": 500100}"),
            "{text}"
        );
        let back = read(&text).unwrap();
        assert_eq!(
            back.tempo_map.tempo_at(Ticks(0)),
            Tempo::MicrosPerQuarter(500_100)
        );
        assert_eq!(back, chart);
        assert_eq!(write_chart(&back), text);
    }

    #[test]
    fn a_tempo_is_kept_in_the_form_its_source_gave() {
        let tempo = |entry: &str| {
            let text =
                format!(r#"{{"format": "pocket-chart/1", "tempos": [{{"at": 0, {entry}}}]}}"#);
            read(&text)
                .map(|c| c.tempo_map.tempo_at(Ticks(0)))
                .map_err(|e| e.to_string())
        };
        // A number is kept to 0.001 BPM, as pocket-chart/1 always read it.
        assert_eq!(tempo(r#""bpm": 133.3333333"#), Ok(Tempo::MilliBpm(133_333)));
        // A string is exact: a decimal or a fraction.
        assert_eq!(
            tempo(r#""bpm": "133.3333333""#),
            Ok(Tempo::BpmFraction {
                num: 1_333_333_333,
                den: 10_000_000
            })
        );
        assert_eq!(
            tempo(r#""bpm": "400/3""#),
            Ok(Tempo::BpmFraction { num: 400, den: 3 })
        );
        assert_eq!(tempo(r#""bpm": "120.5""#), Ok(Tempo::MilliBpm(120_500)));
        assert_eq!(tempo(r#""bpm": "241/2""#), Ok(Tempo::MilliBpm(120_500)));
        assert_eq!(
            tempo(r#""us_per_quarter": 500001"#),
            Ok(Tempo::MicrosPerQuarter(500_001))
        );
        // Each form writes back as it was read.
        for entry in [
            r#""bpm": 120.5"#,
            r#""bpm": "133.3333333""#,
            r#""bpm": "400/3""#,
            r#""us_per_quarter": 500001"#,
        ] {
            let text =
                format!(r#"{{"format": "pocket-chart/1", "tempos": [{{"at": 0, {entry}}}]}}"#);
            let written = write_chart(&read(&text).unwrap());
            assert!(
                written.contains(&format!("{{\"at\": \"1:1\", {entry}}}")),
                "{written}"
            );
        }
        let msg = |entry: &str| tempo(entry).unwrap_err();
        assert!(
            msg(r#""bpm": "1,5""#).contains("is not an exact decimal"),
            "{}",
            msg(r#""bpm": "1,5""#)
        );
        assert!(msg(r#""bpm": 120, "us_per_quarter": 500000"#).contains("not both"));
        assert!(msg(r#""us_per_quarter": 0"#).contains("tempo 0"));
        assert!(msg(r#""bpm": "0/7""#).contains("tempo 0 at tick 0"));
        assert!(msg(r#""us_per_quarter": 10"#).contains("absurd tempo 6000000.000 BPM"));
        assert!(msg(r#""bpm": "2001/2""#).contains("absurd tempo 1000.500 BPM"));
        let err = tempo(r#""bpm": "7/0""#).unwrap_err();
        assert!(err.contains("line 1, column"), "{err}");
    }

    #[test]
    fn exact_times_of_notes_no_tick_holds_read_back_exactly() {
        // 120 BPM at 480 PPQ: a tick lasts 1.041666 ms, so 0.2500000001 s is not a tick's time.
        let map = crate::formats::onsets::onset_tempo_map();
        let note = |ns: i64, lane: Lane| Note {
            time: Nanos(ns),
            tick: map.tick(Nanos(ns)),
            lane,
            articulation: None,
            dynamic: Dynamic::Normal,
        };
        let notes = vec![
            note(250_000_000, Lane::Any),
            note(250_000_001, Lane::Any),
            note(250_300_000, Lane::Kick),
            note(500_000_000, Lane::Snare),
            note(719_999_999_999, Lane::Kick),
        ];
        let chart = Chart::new(ChartInfo::default(), map, vec![], notes).unwrap();
        let text = write_chart(&chart);
        assert!(
            text.contains("{\"at\": \"1:1:240\", \"time_s\": 0.250000001, \"lane\": \"any\"}"),
            "{text}"
        );
        assert!(
            text.contains("{\"at\": \"1:2\", \"lane\": \"snare\"}"),
            "a note on its tick's time needs no time_s:\n{text}"
        );
        assert!(text.contains("\"time_s\": 719.999999999,"), "{text}");
        let back = read(&text).unwrap();
        assert_eq!(back, chart);
        assert_eq!(write_chart(&back), text);

        let base = r#"{"format": "pocket-chart/1", "tempos": [{"at": 0, "bpm": 120}], "notes": ["#;
        let msg = |notes: &str| read(&format!("{base}{notes}]}}")).unwrap_err().to_string();
        let m = msg(r#"{"at": 0, "time_s": 0.01, "lane": "kick"}"#);
        assert!(
            m.contains(
                "time_s 0.01 s is nearest to tick 10 (1:1:10), not to the note's tick 0 (1:1:0)"
            ),
            "{m}"
        );
        let m = msg(r#"{"at": 0, "time_s": -0.0001, "lane": "kick"}"#);
        assert!(m.contains("before the start of the chart"), "{m}");
        let m = msg(
            r#"{"at": 0, "time_s": 0.0001, "lane": "kick"}, {"at": 0, "time_s": 0.0001, "lane": "kick"}"#,
        );
        assert!(m.contains("is already at notes[0]"), "{m}");
    }

    #[test]
    fn signature_changes_inside_a_bar_are_written_by_tick() {
        let mut map =
            TempoMap::constant(480, Tempo::MilliBpm(120_000), TimeSignature::COMMON).unwrap();
        map.add_signature_at_tick(Ticks(480 * 6), "2/4".parse().unwrap())
            .unwrap();
        map.add_signature_at_bar(6, "4/4".parse().unwrap()).unwrap();
        let chart = Chart::new(ChartInfo::default(), map, vec![], vec![]).unwrap();
        let text = write_chart(&chart);
        assert!(
            text.contains("{\"tick\": 2880, \"signature\": \"2/4\"}"),
            "{text}"
        );
        assert!(
            text.contains("{\"bar\": 6, \"signature\": \"4/4\"}"),
            "{text}"
        );
        assert_eq!(read(&text).unwrap(), chart);
    }

    #[test]
    fn a_byte_order_mark_is_tolerated_and_errors_still_have_lines() {
        let err = read(&format!(
            "\u{feff}{}",
            SMALL.replace("\"tom3\"", "\"tom9\"")
        ))
        .unwrap_err();
        assert!(matches!(err.place, Place::Line { line: 14, .. }), "{err}");
    }

    #[test]
    fn escapes_strings() {
        let text = SMALL.replace("\"Small\"", "\"Quote \\\" and \\u00e9\"");
        let c = read(&text).unwrap();
        assert_eq!(c.info.title, "Quote \" and é");
        assert_eq!(read(&write_chart(&c)).unwrap(), c);
    }

    #[test]
    fn the_example_in_the_spec_reads_as_described() {
        let doc = std::fs::read_to_string(crate_path("docs/chart-format.md")).unwrap();
        let start = doc.find("```json\n").expect("an example") + 8;
        let len = doc[start..].find("```").unwrap();
        let c = read(&doc[start..start + len]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.notes.len(), 12);
        let first_of_bar_1 = c.notes.iter().find(|n| n.tick == Ticks(480)).unwrap();
        assert_eq!(
            first_of_bar_1.time,
            Nanos(625_000_000),
            "one beat at 96 BPM"
        );
        assert_eq!(
            c.tempo_map.tempo_at(Ticks(480 * 5)),
            Tempo::MilliBpm(98_500)
        );
    }

    /// Reads a fixture under fixtures/bad and checks the error names the file and the line.
    fn bad(name: &str, line: usize) -> InputError {
        let path = crate_path("fixtures/bad").join(name);
        let err = read_chart(&path).expect_err(name);
        assert_eq!(err.path, path, "the error names the file");
        match err.place {
            Place::Line { line: l, .. } => assert_eq!(l, line, "{name}: {err}"),
            ref other => panic!("{name}: expected line {line}, got {other:?}: {err}"),
        }
        let shown = err.to_string();
        assert!(shown.starts_with(&path.display().to_string()), "{shown}");
        assert!(shown.contains(&format!("line {line}")), "{shown}");
        err
    }

    #[test]
    fn bad_unknown_lane_names_line_column_and_valid_lanes() {
        let err = bad("chart-unknown-lane.json", 6);
        assert_eq!(
            err.place,
            Place::Line {
                line: 6,
                column: Some(27)
            }
        );
        assert!(matches!(err.kind, InputErrorKind::UnknownLane(_)));
        let msg = err.to_string();
        assert!(
            msg.contains("\"cowbell\"") && msg.contains("kick, snare, hihat"),
            "{msg}"
        );
    }

    #[test]
    fn bad_beat_5_in_4_4() {
        let err = bad("chart-beat-5-in-4-4.json", 7);
        assert!(matches!(
            err.kind,
            InputErrorKind::Tempo(TempoMapError::BadPosition(..))
        ));
        assert!(
            err.to_string().contains("beats in 4/4 count from 1 to 4"),
            "{err}"
        );
    }

    #[test]
    fn bad_tempo_zero() {
        let err = bad("chart-tempo-zero.json", 4);
        assert_eq!(err.kind, InputErrorKind::Tempo(TempoMapError::TempoZero(0)));
    }

    #[test]
    fn bad_tempo_negative() {
        let err = bad("chart-tempo-negative.json", 5);
        assert!(
            err.to_string().contains("absurd tempo -90.000 BPM"),
            "{err}"
        );
    }

    #[test]
    fn bad_tempo_absurd() {
        let err = bad("chart-tempo-absurd.json", 4);
        assert!(
            err.to_string().contains("absurd tempo 12000.000 BPM"),
            "{err}"
        );
    }

    #[test]
    fn bad_tempos_out_of_order() {
        let err = bad("chart-tempos-out-of-order.json", 6);
        assert!(
            matches!(
                err.kind,
                InputErrorKind::Tempo(TempoMapError::TempoOrder(7680))
            ),
            "{err}"
        );
    }

    #[test]
    fn bad_duplicate_note() {
        let err = bad("chart-duplicate-note.json", 7);
        let msg = err.to_string();
        assert!(
            msg.contains("notes[2]: kick at 1:1:0 is already at notes[0]"),
            "{msg}"
        );
    }

    #[test]
    fn notes_may_be_listed_in_any_order() {
        let shuffled = r#"{"format": "pocket-chart/1", "tempos": [{"at": "1:1", "bpm": 120}],
            "notes": [{"at": "2:1", "lane": "snare"}, {"at": "1:1", "lane": "kick"}, {"at": "1:1", "lane": "hihat"}]}"#;
        let c = read(shuffled).unwrap();
        let got: Vec<_> = c.notes.iter().map(|n| (n.tick.0, n.lane)).collect();
        assert_eq!(
            got,
            vec![(0, Lane::Kick), (0, Lane::Hihat), (1920, Lane::Snare)]
        );
    }

    #[test]
    fn bad_missing_format() {
        let err = bad("chart-missing-format.json", 1);
        assert!(matches!(err.kind, InputErrorKind::UnsupportedFormat { .. }));
        assert!(
            err.to_string().contains("reads \"pocket-chart/1\""),
            "{err}"
        );
    }

    #[test]
    fn bad_format_version_2() {
        let err = bad("chart-format-version-2.json", 2);
        assert_eq!(
            err.kind,
            InputErrorKind::UnsupportedFormat {
                found: "pocket-chart/2".into(),
                expected: FORMAT.into()
            }
        );
    }

    #[test]
    fn bad_truncated() {
        let err = bad("chart-truncated.json", 6);
        assert!(matches!(err.kind, InputErrorKind::Truncated(_)), "{err}");
    }

    #[test]
    fn bad_not_json() {
        let err = bad("chart-not-json.json", 1);
        assert!(err.to_string().contains("not valid JSON"), "{err}");
    }

    #[test]
    fn bad_unknown_field() {
        let err = bad("chart-unknown-field.json", 5);
        let msg = err.to_string();
        assert!(
            msg.contains("unknown field `velocity`") && msg.contains("remove the field"),
            "{msg}"
        );
    }

    #[test]
    fn bad_articulation_that_does_not_fit_the_lane() {
        let err = bad("chart-articulation-on-kick.json", 6);
        assert!(
            err.to_string()
                .contains("articulation open cannot be played on kick"),
            "{err}"
        );
    }

    /// Not-UTF-8 bytes cannot be hand-written: the fixture is generated here (and rewritten with
    /// POCKET_BLESS=1).
    #[test]
    fn bad_not_utf8() {
        let bytes: &[u8] =
            b"{\n  \"format\": \"pocket-chart/1\",\n  \"title\": \"Caf\xe9\",\n  \"tempos\": []\n}\n";
        crate::testdata::check_golden("fixtures/bad/chart-not-utf8.json", bytes);
        let err = bad("chart-not-utf8.json", 3);
        assert_eq!(err.kind, InputErrorKind::NotUtf8);
    }

    #[test]
    fn other_errors_are_placed_and_explained() {
        let cases: &[(&str, &str)] = &[
            (r#"{"format": "pocket-chart/1", "tempos": []}"#, "no tempo"),
            (r#"[1, 2]"#, "not a JSON array"),
            (
                r#"{"format": "pocket-chart/1", "tempos": [{"at": "2:1", "bpm": 90}]}"#,
                "first tempo must be at the start",
            ),
            (
                r#"{"format": "pocket-chart/1", "ppq": 0, "tempos": [{"at": 0, "bpm": 90}]}"#,
                "resolution 0",
            ),
            (
                r#"{"format": "pocket-chart/1", "tempos": [{"at": "1", "bpm": 90}]}"#,
                "not bar:beat",
            ),
            (
                r#"{"format": "pocket-chart/1", "tempos": [{"at": true, "bpm": 90}]}"#,
                "a position such as",
            ),
            (
                r#"{"format": "pocket-chart/1", "tempos": [{"at": 0, "bpm": 90}], "notes": [{"at": -5, "lane": "kick"}]}"#,
                "before the start",
            ),
            (
                r#"{"format": "pocket-chart/1", "tempos": [{"at": 0, "bpm": 90}], "notes": [{"at": 0}]}"#,
                "either \"lane\"",
            ),
            (
                r#"{"format": "pocket-chart/1", "tempos": [{"at": 0, "bpm": 90}], "notes": [{"at": 0, "lanes": ["kick", "kick"]}]}"#,
                "lists kick twice",
            ),
            (
                r#"{"format": "pocket-chart/1", "tempos": [{"at": 0, "bpm": 90}], "time_signatures": [{"bar": 1, "signature": "4/3"}]}"#,
                "time signature 4/3 is invalid",
            ),
            (
                r#"{"format": "pocket-chart/1", "tempos": [{"at": 0, "bpm": 90}], "time_signatures": [{"bar": 2, "signature": "4/4"}]}"#,
                "first time signature must be at bar 1",
            ),
            (
                r#"{"format": "pocket-chart/1", "pickup": {"beats": 4}, "tempos": [{"at": 0, "bpm": 90}]}"#,
                "pickup of 1920 ticks",
            ),
            (
                r#"{"format": "pocket-chart/1", "tempos": [{"at": 0, "bpm": 1e999}]}"#,
                "number out of range",
            ),
            ("", "the file is empty"),
        ];
        for (text, want) in cases {
            let err = read(text).expect_err(text);
            let msg = err.to_string();
            assert!(msg.contains(want), "{text}\n-> {msg}\n(expected {want:?})");
            assert!(msg.starts_with("test.json: "), "{msg}");
        }
    }

    #[test]
    fn locator_finds_nested_values() {
        let text = "{\"a\": [1, {\"b\": \"x]\"}, {\"c\": 2}],\n \"d\": {\"e\": [[], 7]}}";
        assert_eq!(
            locate_place(text, &[Seg::Key("a"), Seg::Index(2), Seg::Key("c")]),
            Place::Line {
                line: 1,
                column: Some(30)
            }
        );
        assert_eq!(
            locate_place(text, &[Seg::Key("d"), Seg::Key("e"), Seg::Index(1)]),
            Place::Line {
                line: 2,
                column: Some(18)
            }
        );
        assert_eq!(
            locate_place(text, &[Seg::Key("zz"), Seg::Index(3)]),
            Place::Item("zz[3]".into())
        );
    }

    /// The committed schema is the one the structs generate; `POCKET_BLESS=1` rewrites it.
    #[test]
    fn json_schema_is_in_sync() {
        let schema = schemars::schema_for!(ChartFile);
        let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        crate::testdata::check_golden("docs/chart.schema.json", text);
    }

    fn chart_paths() -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(crate_path("charts"))
            .expect("charts/ exists")
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        paths
    }

    #[test]
    fn every_bundled_chart_deserialises_and_is_canonical() {
        let paths = chart_paths();
        assert!(paths.len() >= 4, "{paths:?}");
        for p in paths {
            let text = std::fs::read_to_string(&p).unwrap();
            parse_file(&p, &text).unwrap();
            let c = read_chart(&p).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                write_chart(&c) == text,
                "{} is not in canonical form: regenerate with cargo run --example compose_charts",
                p.display()
            );
        }
    }

    /// (file, main BPM, shortest and longest duration in s, sections that must be there)
    const BUNDLED: &[(&str, f64, f64, f64, &[&str])] = &[
        (
            "disco-pop-114.json",
            114.0,
            120.0,
            180.0,
            &[
                "intro",
                "verse 1",
                "pre-chorus",
                "chorus 1",
                "bridge",
                "outro",
            ],
        ),
        (
            "anthem-123.json",
            123.0,
            120.0,
            180.0,
            &[
                "intro",
                "verse 1",
                "pre-chorus",
                "chorus 1",
                "bridge",
                "break",
                "outro",
            ],
        ),
        ("exercise-rock-8ths.json", 100.0, 30.0, 60.0, &["A", "B"]),
        ("exercise-16th-hats-ghosts.json", 90.0, 30.0, 90.0, &["A"]),
    ];

    #[test]
    fn bundled_charts_have_sections_durations_and_tempos() {
        for (name, bpm, min_s, max_s, sections) in BUNDLED {
            let c = read_chart(&crate_path("charts").join(name)).unwrap_or_else(|e| panic!("{e}"));
            let secs = c.duration().as_secs_f64();
            assert!((*min_s..=*max_s).contains(&secs), "{name}: {secs} s");
            assert_eq!(c.tempo_map.tempo_at(Ticks(0)).bpm(), *bpm, "{name}");
            for s in *sections {
                assert!(
                    c.sections.iter().any(|x| x.name == *s),
                    "{name}: no section {s:?}"
                );
            }
            assert!(c.notes.len() > 100, "{name}");
            assert!(c.info.source.contains("original"), "{name}");
            for lane in [Lane::Kick, Lane::Snare, Lane::Hihat] {
                assert!(c.notes.iter().any(|n| n.lane == lane), "{name}: no {lane}");
            }
        }
    }

    #[test]
    fn disco_pop_has_four_on_the_floor_and_open_hats_off_the_beat() {
        let c = read_chart(&crate_path("charts/disco-pop-114.json")).unwrap();
        let map = &c.tempo_map;
        let chorus = c.sections.iter().find(|s| s.name == "chorus 1").unwrap();
        let bar = map.position(chorus.tick).bar + 1;
        let at = |beat: u32, tick: i64| map.tick_of(Position { bar, beat, tick }).unwrap();
        let has = |t: Ticks, lane: Lane, art: Option<Articulation>| {
            c.notes
                .iter()
                .any(|n| n.tick == t && n.lane == lane && (art.is_none() || n.articulation == art))
        };
        for beat in 1..=4 {
            assert!(has(at(beat, 0), Lane::Kick, None), "kick on beat {beat}");
            assert!(
                has(at(beat, 240), Lane::Hihat, Some(Articulation::Open)),
                "open hat after {beat}"
            );
        }
        assert!(has(at(2, 0), Lane::Snare, None) && has(at(4, 0), Lane::Snare, None));
        assert!(
            has(chorus.tick, Lane::Crash, None),
            "crash on the chorus downbeat"
        );
    }

    #[test]
    fn ghost_exercise_uses_dynamics() {
        let c = read_chart(&crate_path("charts/exercise-16th-hats-ghosts.json")).unwrap();
        let count = |d: Dynamic, lane: Lane| {
            c.notes
                .iter()
                .filter(|n| n.dynamic == d && n.lane == lane)
                .count()
        };
        assert!(count(Dynamic::Ghost, Lane::Snare) >= 32);
        assert!(count(Dynamic::Accent, Lane::Hihat) >= 32);
        assert!(count(Dynamic::Accent, Lane::Snare) >= 16);
    }

    /// A random valid chart: tempo map with pickup, signature changes (by bar and in mid-bar),
    /// tempo changes in thousandths of a BPM (or, when `exact`, also in µs per quarter and in
    /// BPM fractions), and random notes (when `exact`, some at times between ticks).
    fn random_chart(seed: u64, exact: bool) -> Chart {
        let mut rng = fastrand::Rng::with_seed(seed);
        let ppq = [96u32, 120, 192, 480, 960][rng.usize(0..5)];
        let sigs = ["4/4", "3/4", "6/8", "7/8", "5/4", "2/2", "12/16"];
        let first: TimeSignature = sigs[rng.usize(0..sigs.len())].parse().unwrap();
        let probe = TempoMap::constant(ppq, Tempo::MilliBpm(120_000), first).unwrap();
        let bar = probe.bar_ticks_at(Ticks(0));
        let pickup = if rng.bool() { rng.i64(0..bar) } else { 0 };
        let mut tempos = vec![];
        let mut at = 0;
        for i in 0..rng.usize(1..6) {
            if i > 0 {
                at += rng.i64(1..20_000);
            }
            let tempo = match (exact, rng.u8(0..3)) {
                (true, 0) => Tempo::MicrosPerQuarter(rng.u32(60_000..=60_000_000)),
                (true, 1) => {
                    let den = rng.u64(1..=1_000_000_000);
                    Tempo::from_bpm_fraction(rng.u64(den..=den * 1000), den).unwrap()
                }
                _ => Tempo::MilliBpm(rng.u32(1_000..=1_000_000)),
            };
            tempos.push((Ticks(at), tempo));
        }
        let mut map = TempoMap::new(ppq, &tempos, first, Ticks(pickup)).unwrap();
        let mut bar_no = 1;
        for _ in 0..rng.usize(0..4) {
            let sig = sigs[rng.usize(0..sigs.len())].parse().unwrap();
            if rng.bool() {
                bar_no += rng.i64(1..10);
                map.add_signature_at_bar(bar_no, sig).unwrap();
            } else {
                let last = map.signatures().last().unwrap().tick.0;
                let tick = last + rng.i64(1..10_000);
                map.add_signature_at_tick(Ticks(tick), sig).unwrap();
                bar_no = map.position(Ticks(tick)).bar;
            }
        }
        let mut notes = vec![];
        let span = 50_000;
        for _ in 0..rng.usize(0..60) {
            let tick = Ticks(rng.i64(0..span));
            let lane = Lane::ALL[rng.usize(0..Lane::ALL.len())];
            let arts: Vec<_> = Articulation::ALL
                .iter()
                .copied()
                .filter(|a| lane.allows(*a))
                .collect();
            let articulation = if arts.is_empty() || rng.bool() {
                None
            } else {
                Some(arts[rng.usize(0..arts.len())])
            };
            let dynamic = [Dynamic::Ghost, Dynamic::Normal, Dynamic::Accent][rng.usize(0..3)];
            // A time between ticks, as onset lists give them, that still rounds to `tick`.
            let time = if exact && rng.bool() {
                let off = Nanos(rng.i64(-400..=400));
                let t = map.time(tick) + off;
                if t >= Nanos::ZERO && map.tick(t) == tick {
                    t
                } else {
                    map.time(tick)
                }
            } else {
                map.time(tick)
            };
            notes.push(Note {
                time,
                tick,
                lane,
                articulation,
                dynamic,
            });
        }
        notes.sort_by_key(|n| (n.tick, n.lane));
        notes.dedup_by_key(|n| (n.tick, n.lane));
        notes.sort_by_key(|n| (n.time, n.lane));
        let sections = (0..rng.usize(0..5))
            .map(|i| {
                let tick = Ticks(rng.i64(0..span));
                Section {
                    name: format!("part {i} \"é\\"),
                    tick,
                    time: map.time(tick),
                }
            })
            .collect();
        let info = ChartInfo {
            title: "random".into(),
            artist: String::new(),
            charter: "proptest".into(),
            source: format!("seed {seed}"),
        };
        Chart::new(info, map, sections, notes).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn write_read_round_trips_exactly(seed in any::<u64>()) {
            let chart = random_chart(seed, false);
            let text = write_chart(&chart);
            let back = read(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(&back, &chart, "{}", text);
            prop_assert_eq!(write_chart(&back), text);
        }

        #[test]
        fn every_tempo_form_and_exact_time_round_trips(seed in any::<u64>()) {
            let chart = random_chart(seed, true);
            let text = write_chart(&chart);
            let back = read(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(&back, &chart, "{}", text);
            prop_assert_eq!(write_chart(&back), text);
        }
    }
}
