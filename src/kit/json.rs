//! User kit maps in JSON (format in docs/kits.md).
//!
//! Values are checked while serde_json reads them (custom `TryFrom` types), so every mistake,
//! a bad lane name included, is reported with its line and column.

use super::lanes::{parse_rule, LaneRule};
use super::map::KitMap;
use super::options::{HihatThresholds, KitOptions};
use super::profiles::{DEFAULT_NEIGHBOURS, PROFILES};
use crate::error::{InputError, InputErrorKind, Place};
use crate::lane::{Articulation, Lane};
use crate::time::Nanos;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Kit files larger than this are refused (a full map is a few kilobytes).
pub const MAX_KIT_FILE_BYTES: u64 = 1 << 20;

/// The whole file, as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KitFile {
    name: Option<String>,
    description: Option<String>,
    /// Free text for the author; ignored.
    #[allow(dead_code)]
    comment: Option<de::IgnoredAny>,
    base: Option<BaseProfile>,
    channel: Option<ChannelSpec>,
    pedal_cc: Option<Controller>,
    notes: Option<BTreeMap<NoteNumber, Option<NoteTarget>>>,
    neighbours: Option<Vec<[LaneName; 2]>>,
    lanes: Option<Vec<RuleText>>,
    hihat: Option<HihatFile>,
    velocity_floors: Option<BTreeMap<FloorKey, Velocity>>,
    crosstalk: Option<CrosstalkFile>,
    pedal_stomp: Option<PedalStompFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HihatFile {
    closed_min: Option<Velocity>,
    half_open_min: Option<Velocity>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CrosstalkFile {
    enabled: Option<bool>,
    before_ms: Option<Millis>,
    after_ms: Option<Millis>,
    max_percent: Option<Percent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PedalStompFile {
    enabled: Option<bool>,
    before_ms: Option<Millis>,
    after_ms: Option<Millis>,
    max_velocity: Option<Velocity>,
}

/// Implements `Deserialize` for a type read from a JSON string through `TryFrom<String>`. The
/// conversion runs inside the visitor, so serde_json reports its error at the value's own line
/// (serde's `try_from` attribute converts after the fact, and the error lands at the end of the
/// enclosing object).
macro_rules! deserialize_from_str {
    ($t:ty, $expecting:literal) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $t;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$t, E> {
                        <$t>::try_from(v.to_string()).map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

/// Like [`deserialize_from_str`], for types read from a whole JSON number through `TryFrom<u64>`.
macro_rules! deserialize_from_u64 {
    ($t:ty, $expecting:literal) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $t;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$t, E> {
                        <$t>::try_from(v).map_err(E::custom)
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$t, E> {
                        Err(E::custom(format!(
                            "{v} is negative; expected {}",
                            $expecting
                        )))
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$t, E> {
                        Err(E::custom(format!(
                            "{v} is not a whole number; expected {}",
                            $expecting
                        )))
                    }
                }
                d.deserialize_u64(V)
            }
        }
    };
}

/// A built-in profile name.
struct BaseProfile(String);

impl TryFrom<String> for BaseProfile {
    type Error = String;
    fn try_from(s: String) -> Result<BaseProfile, String> {
        if PROFILES.iter().any(|(name, _)| *name == s) {
            Ok(BaseProfile(s))
        } else {
            let names: Vec<_> = PROFILES.iter().map(|(n, _)| *n).collect();
            Err(format!(
                "unknown base profile {s:?}; built-in profiles are: {}",
                names.join(", ")
            ))
        }
    }
}

/// A note number written as an object key ("36").
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct NoteNumber(u8);

impl TryFrom<String> for NoteNumber {
    type Error = String;
    fn try_from(s: String) -> Result<NoteNumber, String> {
        match s.trim().parse::<u8>() {
            Ok(n) if n < 128 => Ok(NoteNumber(n)),
            _ => Err(format!(
                "{s:?} is not a MIDI note number; keys of \"notes\" are numbers from 0 to 127, e.g. \"38\""
            )),
        }
    }
}

/// `"lane"` or `"lane:articulation"`.
struct NoteTarget(Lane, Option<Articulation>);

impl TryFrom<String> for NoteTarget {
    type Error = String;
    fn try_from(s: String) -> Result<NoteTarget, String> {
        let (lane, art) = match s.split_once(':') {
            Some((l, a)) => (l.trim(), Some(a.trim())),
            None => (s.trim(), None),
        };
        let lane: Lane = lane
            .parse()
            .map_err(|e: crate::lane::UnknownLane| e.to_string())?;
        let art = match art {
            None => None,
            Some(a) => {
                let art: Articulation = a.parse()?;
                if !lane.allows(art) {
                    return Err(format!(
                        "the articulation {art} cannot be played on {lane}; see docs/kits.md for the articulations of each lane"
                    ));
                }
                Some(art)
            }
        };
        Ok(NoteTarget(lane, art))
    }
}

/// A lane name.
#[derive(Clone, Copy)]
struct LaneName(Lane);

impl TryFrom<String> for LaneName {
    type Error = String;
    fn try_from(s: String) -> Result<LaneName, String> {
        s.parse()
            .map(LaneName)
            .map_err(|e: crate::lane::UnknownLane| e.to_string())
    }
}

/// A lane rule (`merge:...` or `swap:...`).
struct RuleText(LaneRule);

impl TryFrom<String> for RuleText {
    type Error = String;
    fn try_from(s: String) -> Result<RuleText, String> {
        parse_rule(&s).map(RuleText).map_err(|e| e.to_string())
    }
}

/// A key of `velocity_floors`: a lane name or `"default"` (every lane).
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum FloorKey {
    Default,
    Lane(Lane),
}

impl TryFrom<String> for FloorKey {
    type Error = String;
    fn try_from(s: String) -> Result<FloorKey, String> {
        if s == "default" {
            return Ok(FloorKey::Default);
        }
        s.parse()
            .map(FloorKey::Lane)
            .map_err(|e: crate::lane::UnknownLane| format!("{e} (or \"default\" for every lane)"))
    }
}

/// A velocity or controller value, 0..=127.
#[derive(Clone, Copy)]
struct Velocity(u8);

impl TryFrom<u64> for Velocity {
    type Error = String;
    fn try_from(v: u64) -> Result<Velocity, String> {
        u8::try_from(v)
            .ok()
            .filter(|v| *v < 128)
            .map(Velocity)
            .ok_or_else(|| format!("{v} is not a MIDI value; use a whole number from 0 to 127"))
    }
}

/// A controller number, 0..=119 (120 and up are channel mode messages).
#[derive(Clone, Copy)]
struct Controller(u8);

impl TryFrom<u64> for Controller {
    type Error = String;
    fn try_from(v: u64) -> Result<Controller, String> {
        u8::try_from(v)
            .ok()
            .filter(|v| *v < 120)
            .map(Controller)
            .ok_or_else(|| {
                format!(
                    "{v} is not a controller number; use 0 to 119 (4 is the usual hi-hat pedal)"
                )
            })
    }
}

/// A percentage, 0..=100.
#[derive(Clone, Copy)]
struct Percent(u8);

impl TryFrom<u64> for Percent {
    type Error = String;
    fn try_from(v: u64) -> Result<Percent, String> {
        u8::try_from(v)
            .ok()
            .filter(|v| *v <= 100)
            .map(Percent)
            .ok_or_else(|| format!("{v} is not a percentage; use a whole number from 0 to 100"))
    }
}

/// A duration in milliseconds, 0..=1000, fractions allowed.
#[derive(Clone, Copy)]
struct Millis(Nanos);

impl TryFrom<f64> for Millis {
    type Error = String;
    fn try_from(ms: f64) -> Result<Millis, String> {
        if !(0.0..=1000.0).contains(&ms) {
            return Err(format!(
                "{ms} ms is out of range; windows are from 0 to 1000 ms"
            ));
        }
        Ok(Millis(Nanos((ms * 1e6).round() as i64)))
    }
}

deserialize_from_str!(BaseProfile, "the name of a built-in profile");
deserialize_from_str!(NoteNumber, "a MIDI note number as an object key");
deserialize_from_str!(NoteTarget, "\"lane\" or \"lane:articulation\"");
deserialize_from_str!(LaneName, "a lane name");
deserialize_from_str!(RuleText, "a lane rule such as \"merge:tom3,tom4\"");
deserialize_from_str!(FloorKey, "a lane name or \"default\"");
deserialize_from_u64!(Velocity, "a whole number from 0 to 127");
deserialize_from_u64!(Controller, "a controller number from 0 to 119");
deserialize_from_u64!(Percent, "a whole number from 0 to 100");

impl<'de> Deserialize<'de> for Millis {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Millis, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Millis;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number of milliseconds from 0 to 1000")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Millis, E> {
                Millis::try_from(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Millis, E> {
                Millis::try_from(v as f64).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Millis, E> {
                Millis::try_from(v as f64).map_err(E::custom)
            }
        }
        d.deserialize_f64(V)
    }
}

/// `1`..`16` or `"omni"`.
struct ChannelSpec(Option<u8>);

impl<'de> Deserialize<'de> for ChannelSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ChannelSpec, D::Error> {
        struct V;
        const EXPECTED: &str = "a MIDI channel from 1 to 16, or \"omni\" for every channel";
        impl Visitor<'_> for V {
            type Value = ChannelSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ChannelSpec, E> {
                match v {
                    1..=16 => Ok(ChannelSpec(Some(v as u8))),
                    _ => Err(E::custom(format!(
                        "channel {v} does not exist; expected {EXPECTED}"
                    ))),
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ChannelSpec, E> {
                Err(E::custom(format!(
                    "channel {v} does not exist; expected {EXPECTED}"
                )))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ChannelSpec, E> {
                match v {
                    "omni" => Ok(ChannelSpec(None)),
                    _ => Err(E::custom(format!(
                        "{v:?} is not a channel; expected {EXPECTED}"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// The line (from 1) of the first occurrence of `"key"` in `text`, for checks made after parsing.
fn line_of_key(text: &str, key: &str) -> Place {
    let quoted = format!("\"{key}\"");
    match text.find(&quoted) {
        Some(at) => Place::Line {
            line: text[..at].matches('\n').count() + 1,
            column: None,
        },
        None => Place::File,
    }
}

/// A serde_json error as an input error at its line and column.
fn json_error(path: &Path, err: &serde_json::Error) -> InputError {
    let line = err.line();
    let column = err.column();
    let mut msg = err.to_string();
    let suffix = format!(" at line {line} column {column}");
    if let Some(stripped) = msg.strip_suffix(&suffix) {
        msg = stripped.to_string();
    }
    if err.is_syntax() || err.is_eof() {
        msg = format!("{msg}; a kit map is a JSON object, see docs/kits.md");
    }
    if line == 0 {
        return InputError::new(path, Place::File, InputErrorKind::Malformed(msg));
    }
    InputError::new(
        path,
        Place::Line {
            line,
            column: Some(column),
        },
        InputErrorKind::Malformed(msg),
    )
}

impl KitMap {
    /// Reads a user kit map (JSON, format in docs/kits.md) from the bytes of its file; `path`
    /// names it in errors (and gives the default name). Errors name the file and the line.
    /// Files are read by `formats::read_kit_map`.
    pub fn from_json_bytes(bytes: &[u8], path: impl AsRef<Path>) -> Result<KitMap, InputError> {
        let path = path.as_ref();
        let text = std::str::from_utf8(bytes)
            .map_err(|_| InputError::new(path, Place::File, InputErrorKind::NotUtf8))?;
        KitMap::from_json_str(text, path)
    }

    /// Reads a user kit map from JSON text; `path` names it in errors (and gives the default name).
    pub fn from_json_str(text: &str, path: impl AsRef<Path>) -> Result<KitMap, InputError> {
        let path = path.as_ref();
        let file: KitFile = serde_json::from_str(text).map_err(|e| json_error(path, &e))?;
        let malformed = |place: Place, msg: String| {
            InputError::new(path, place, InputErrorKind::Malformed(msg))
        };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "kit".to_string());

        let mut kit = match &file.base {
            Some(BaseProfile(base)) => {
                let mut kit = KitMap::builtin(base).ok_or_else(|| {
                    malformed(
                        line_of_key(text, "base"),
                        format!("unknown base profile {base:?}"),
                    )
                })?;
                kit.description = format!("{base} with changes from {}", path.display());
                kit
            }
            None => KitMap {
                name: String::new(),
                description: format!("kit map from {}", path.display()),
                notes: BTreeMap::new(),
                labels: BTreeMap::new(),
                channel: Some(10),
                pedal_cc: Some(4),
                neighbours: DEFAULT_NEIGHBOURS.to_vec(),
                options: KitOptions::default(),
            },
        };
        kit.name = file.name.unwrap_or(stem);
        if let Some(d) = file.description {
            kit.description = d;
        }
        if let Some(ChannelSpec(c)) = file.channel {
            kit.channel = c;
        }
        if let Some(Controller(cc)) = file.pedal_cc {
            kit.pedal_cc = Some(cc);
        }
        for (NoteNumber(note), target) in file.notes.into_iter().flatten() {
            kit.labels.remove(&note);
            match target {
                Some(NoteTarget(lane, art)) => {
                    kit.notes.insert(note, (lane, art));
                }
                None => {
                    kit.notes.remove(&note);
                }
            }
        }
        if kit.notes.is_empty() {
            return Err(malformed(
                line_of_key(text, "notes"),
                "the kit map has no notes; add a \"notes\" object (\"38\": \"snare\") or a \"base\" profile to extend".into(),
            ));
        }
        if let Some(pairs) = file.neighbours {
            kit.neighbours = pairs.iter().map(|[a, b]| (a.0, b.0)).collect();
        }
        for RuleText(rule) in file.lanes.into_iter().flatten() {
            kit.options
                .lanes
                .add(rule)
                .map_err(|e| malformed(line_of_key(text, "lanes"), e.to_string()))?;
        }
        let options = &mut kit.options;
        if let Some(h) = file.hihat {
            let HihatThresholds {
                closed_min,
                half_open_min,
            } = options.hihat;
            options.hihat = HihatThresholds {
                closed_min: h.closed_min.map_or(closed_min, |v| v.0),
                half_open_min: h.half_open_min.map_or(half_open_min, |v| v.0),
            };
            if options.hihat.half_open_min > options.hihat.closed_min {
                return Err(malformed(
                    line_of_key(text, "hihat"),
                    format!(
                        "half_open_min ({}) is above closed_min ({}); the pedal goes from 0 (open) to 127 (closed), so half_open_min must be the smaller",
                        options.hihat.half_open_min, options.hihat.closed_min
                    ),
                ));
            }
        }
        if let Some(floors) = file.velocity_floors {
            // "default" first, then the lanes it does not override.
            if let Some(v) = floors.get(&FloorKey::Default) {
                for lane in Lane::ALL {
                    options.velocity_floors.set(lane, v.0);
                }
            }
            for (key, v) in &floors {
                if let FloorKey::Lane(lane) = key {
                    options.velocity_floors.set(*lane, v.0);
                }
            }
        }
        if let Some(c) = file.crosstalk {
            let x = &mut options.crosstalk;
            x.enabled = c.enabled.unwrap_or(x.enabled);
            x.before = c.before_ms.map_or(x.before, |m| m.0);
            x.after = c.after_ms.map_or(x.after, |m| m.0);
            x.max_percent = c.max_percent.map_or(x.max_percent, |p| p.0);
        }
        if let Some(s) = file.pedal_stomp {
            let x = &mut options.pedal_stomp;
            x.enabled = s.enabled.unwrap_or(x.enabled);
            x.before = s.before_ms.map_or(x.before, |m| m.0);
            x.after = s.after_ms.map_or(x.after, |m| m.0);
            x.max_velocity = s.max_velocity.map_or(x.max_velocity, |v| v.0);
        }
        Ok(kit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::crate_path;

    fn bad(name: &str) -> InputError {
        let path = crate_path(&format!("fixtures/bad/{name}"));
        match KitMap::from_json_bytes(&std::fs::read(&path).unwrap(), &path) {
            Ok(_) => panic!("{name} was accepted"),
            Err(e) => e,
        }
    }

    fn line_of(err: &InputError) -> Option<usize> {
        match err.place {
            Place::Line { line, .. } => Some(line),
            _ => None,
        }
    }

    #[test]
    fn user_map_extends_a_profile() {
        let path = crate_path("fixtures/kits/td17-aux-as-tom4-merged-cymbals.json");
        let kit = KitMap::from_json_bytes(&std::fs::read(&path).unwrap(), &path).unwrap();
        assert_eq!(kit.name, "td17-home");
        assert_eq!(
            kit.description,
            "TD-17 with a fourth tom on AUX and one crash lane"
        );
        assert_eq!(kit.channel, Some(10));
        assert_eq!(kit.lookup(27), Some((Lane::Tom4, Some(Articulation::Head))));
        assert_eq!(kit.lookup(28), Some((Lane::Tom4, Some(Articulation::Rim))));
        assert_eq!(kit.lookup(29), None, "null removes a note of the base");
        assert_eq!(
            kit.lookup(38),
            Some((Lane::Snare, Some(Articulation::Head)))
        );
        assert!(
            !kit.labels.contains_key(&27),
            "the factory label no longer fits"
        );
        assert!(kit.are_neighbours(Lane::Hihat, Lane::Crash));
        assert!(
            !kit.are_neighbours(Lane::Ride, Lane::Tom2),
            "neighbours replace the base's"
        );
        let o = &kit.options;
        assert_eq!(o.lanes.apply(Lane::Ride), Lane::Crash);
        assert_eq!(o.lanes.apply(Lane::Splash), Lane::Crash);
        assert_eq!(o.lanes.apply_chart(Lane::Ride), Lane::Ride);
        assert_eq!(
            o.hihat,
            HihatThresholds {
                closed_min: 100,
                half_open_min: 30
            }
        );
        assert_eq!(o.velocity_floors.get(Lane::Hihat), 20);
        assert_eq!(o.velocity_floors.get(Lane::Kick), 2);
        assert_eq!(o.crosstalk.before, Nanos::from_millis(4));
        assert_eq!(o.crosstalk.after, Nanos::from_micros(25_500));
        assert_eq!(o.crosstalk.max_percent, 35);
        assert!(o.crosstalk.enabled);
        assert!(!o.pedal_stomp.enabled);
        assert_eq!(
            o.pedal_stomp.max_velocity, 30,
            "unset fields keep their defaults"
        );
    }

    #[test]
    fn map_without_base_needs_notes_and_defaults_to_channel_10() {
        let kit = KitMap::from_json_str(
            r#"{"notes": {"36": "kick", "38": "snare:head"}, "channel": "omni"}"#,
            "my-kit.json",
        )
        .unwrap();
        assert_eq!(kit.name, "my-kit", "the name defaults to the file name");
        assert_eq!(kit.channel, None);
        assert_eq!(kit.notes.len(), 2);
        assert_eq!(kit.pedal_cc, Some(4));

        let kit = KitMap::from_json_str(r#"{"notes": {"36": "kick"}}"#, "k.json").unwrap();
        assert_eq!(kit.channel, Some(10));

        let err = KitMap::from_json_str("{\n  \"notes\": {}\n}", "empty.json").unwrap_err();
        assert_eq!(line_of(&err), Some(2));
        assert!(err.to_string().contains("no notes"), "{err}");
    }

    #[test]
    fn unknown_lane_error_names_file_line_and_valid_lanes() {
        let err = bad("kit-unknown-lane.json");
        assert!(err.path.ends_with("fixtures/bad/kit-unknown-lane.json"));
        assert_eq!(line_of(&err), Some(5), "{err}");
        let text = err.to_string();
        assert!(text.contains("kit-unknown-lane.json: line 5"), "{text}");
        assert!(text.contains("\"cowbell\""), "{text}");
        assert!(text.contains("valid lanes are: kick, snare"), "{text}");
        assert!(
            !text.contains("at line 5 column"),
            "position said once: {text}"
        );
    }

    #[test]
    fn channel_out_of_range_is_refused() {
        let err = bad("kit-channel-17.json");
        assert_eq!(line_of(&err), Some(3), "{err}");
        assert!(err.to_string().contains("from 1 to 16"), "{err}");
    }

    #[test]
    fn reversed_hihat_thresholds_are_refused() {
        let err = bad("kit-hihat-thresholds-reversed.json");
        assert_eq!(line_of(&err), Some(3), "{err}");
        assert!(
            err.to_string()
                .contains("half_open_min (90) is above closed_min (40)"),
            "{err}"
        );
    }

    #[test]
    fn broken_json_names_line_and_column() {
        let err = bad("kit-not-json.json");
        assert!(
            matches!(
                err.place,
                Place::Line {
                    line: 3,
                    column: Some(_)
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("docs/kits.md"), "{err}");
    }

    #[test]
    fn bad_values_are_reported_where_they_are() {
        let cases = [
            (
                r#"{"base": "td-17"}"#,
                "built-in profiles are: gm, roland-td",
            ),
            (
                r#"{"base": "gm", "notes": {"300": "kick"}}"#,
                "not a MIDI note number",
            ),
            (
                r#"{"base": "gm", "notes": {"36": "kick:rim"}}"#,
                "cannot be played on kick",
            ),
            (
                r#"{"base": "gm", "notes": {"36": "snare:flam"}}"#,
                "unknown articulation",
            ),
            (
                r#"{"base": "gm", "lanes": ["join:crash,ride"]}"#,
                "merge:LANE,LANE",
            ),
            (
                r#"{"base": "gm", "lanes": ["merge:tom2,tom3", "merge:tom3,tom4"]}"#,
                "lane tom3 is in both",
            ),
            (
                r#"{"base": "gm", "velocity_floors": {"cowbell": 3}}"#,
                "\"default\" for every lane",
            ),
            (
                r#"{"base": "gm", "velocity_floors": {"snare": 128}}"#,
                "0 to 127",
            ),
            (
                r#"{"base": "gm", "crosstalk": {"after_ms": -1}}"#,
                "0 to 1000 ms",
            ),
            (
                r#"{"base": "gm", "crosstalk": {"max_percent": 101}}"#,
                "0 to 100",
            ),
            (r#"{"base": "gm", "pedal_cc": 123}"#, "0 to 119"),
            (
                r#"{"base": "gm", "neighbours": [["tom1"]]}"#,
                "invalid length 1",
            ),
            (
                r#"{"base": "gm", "colour": "red"}"#,
                "unknown field `colour`",
            ),
        ];
        for (json, expected) in cases {
            let err = KitMap::from_json_str(json, "k.json").unwrap_err();
            assert!(err.to_string().contains(expected), "{json}: {err}");
            assert!(
                matches!(err.place, Place::Line { line: 1, .. }),
                "{json}: {err}"
            );
        }
    }

    #[test]
    fn errors_inside_nested_objects_point_at_the_value() {
        let floors = "{\n  \"base\": \"gm\",\n  \"velocity_floors\": {\n    \"snare\": 3,\n    \"hihat\": 200\n  }\n}";
        let err = KitMap::from_json_str(floors, "k.json").unwrap_err();
        assert_eq!(line_of(&err), Some(5), "{err}");
        let key = "{\n  \"base\": \"gm\",\n  \"notes\": {\n    \"36\": \"kick\",\n    \"999\": \"kick\"\n  }\n}";
        let err = KitMap::from_json_str(key, "k.json").unwrap_err();
        assert_eq!(line_of(&err), Some(5), "{err}");
        let rule = "{\n  \"base\": \"gm\",\n  \"lanes\": [\n    \"merge:tom3,tom4\",\n    \"merge:crash\"\n  ]\n}";
        let err = KitMap::from_json_str(rule, "k.json").unwrap_err();
        assert!(err.to_string().contains("fewer than two"), "{err}");
        let neighbour = "{\n  \"base\": \"gm\",\n  \"neighbours\": [\n    [\"tom1\", \"tom2\"],\n    [\"tom2\", \"gong\"]\n  ]\n}";
        let err = KitMap::from_json_str(neighbour, "k.json").unwrap_err();
        assert_eq!(line_of(&err), Some(5), "{err}");
    }
}
