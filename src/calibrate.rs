//! Latency calibration: latency profiles per kit in the user's config directory, and latency
//! offsets suggested from what a player played.
//!
//! A latency profile holds two offsets, one for the feet (kick, hi-hat pedal) and one for the
//! hands, in milliseconds, positive when the kit is late. Profiles are keyed by a name: the
//! stable port name of a live kit (`pocket devices` lists them), so `pocket live` finds a kit's
//! profile by itself, or any name the user chose with `--save-latency NAME`. They are separate
//! from the kit profiles that map MIDI notes to lanes ([`crate::kit`]).
//!
//! Two ways to measure, both robust to stray hits:
//! - [`suggest_from_take`]: a take played against a chart. Hits are paired with notes in a wide
//!   window ([`WIDE_WINDOW`]), the median signed offset per limb group is taken, pairs further
//!   than [`TRIM`] from it are dropped and the median is taken again.
//! - [`suggest_from_taps`]: quarter notes tapped with a click. Each tap is paired with the
//!   nearest click; taps more than a quarter beat off are dropped; the median per limb group.
//!
//! Either way the figure is the kit plus the player: a drummer's habit of playing ahead of a
//! click (common, and larger on the kick) is measured too. docs/calibration.md says how to
//! measure the kit alone.

use crate::chart::{Chart, ChartInfo};
use crate::error::{InputError, InputErrorKind, Place};
use crate::score::{self, Offsets, PlayerInput, ScoreOptions, Timing, TimingPreset};
use crate::take::Take;
use crate::tempo::{Tempo, TempoMap, TimeSignature};
use crate::time::Nanos;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Environment variable naming the config directory, overriding the platform's.
pub const CONFIG_DIR_ENV: &str = "POCKET_CONFIG_DIR";
/// File name of the latency profiles in the config directory.
pub const PROFILES_FILE: &str = "latency.json";
/// Format name written in the profiles file.
pub const PROFILES_FORMAT: &str = "pocket-latency/1";
/// Largest offset a profile may hold, ms. Larger values are surely a mistake (a kit is late by
/// a few ms, a sound card by tens).
pub const MAX_OFFSET_MS: f64 = 1000.0;
/// Half-width of the window in which hits are paired with notes for [`suggest_from_take`].
pub const WIDE_WINDOW: Nanos = Nanos::from_millis(200);
/// Pairs further than this from the first median are dropped by [`suggest_from_take`].
pub const TRIM: Nanos = Nanos::from_millis(50);
/// Fewest pairs in a limb group for a suggestion.
pub const MIN_PAIRS: usize = 4;
/// What every calibration measures, for the terminal and the docs.
pub const KIT_PLUS_PLAYER: &str = "this measures the kit plus the player: a habit of playing ahead of (or behind) the click is included. To measure the kit alone, see docs/calibration.md (one stick on two pads, or one trigger into two modules).";

/// The user's config directory for pocket: `$POCKET_CONFIG_DIR` when set; else on Linux and
/// other Unix systems `$XDG_CONFIG_HOME/pocket` or `~/.config/pocket`, on macOS
/// `~/Library/Application Support/pocket`, on Windows `%APPDATA%\pocket`. `None` when the
/// environment names no home.
pub fn config_dir() -> Option<PathBuf> {
    config_dir_for(&|k| std::env::var_os(k), std::env::consts::OS)
}

/// [`config_dir`] for an environment lookup and an OS name (as `std::env::consts::OS`).
fn config_dir_for(env: &dyn Fn(&str) -> Option<OsString>, os: &str) -> Option<PathBuf> {
    let get = |k: &str| env(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(d) = get(CONFIG_DIR_ENV) {
        return Some(d);
    }
    match os {
        "windows" => get("APPDATA").map(|d| d.join("pocket")),
        "macos" => get("HOME").map(|h| h.join("Library/Application Support/pocket")),
        _ => get("XDG_CONFIG_HOME")
            .filter(|d| d.is_absolute())
            .map(|d| d.join("pocket"))
            .or_else(|| get("HOME").map(|h| h.join(".config/pocket"))),
    }
}

/// Why latency profiles could not be read, found or saved.
#[derive(Debug, thiserror::Error)]
pub enum LatencyError {
    /// The profiles file is unreadable or malformed (names the file and the line).
    #[error(transparent)]
    Input(#[from] InputError),
    /// No config directory.
    #[error(
        "cannot find your config directory for latency profiles: set {CONFIG_DIR_ENV} (or HOME)"
    )]
    NoConfigDir,
    /// No profile of that name.
    #[error("no latency profile {name:?} in {}; {}", path.display(), known(available))]
    Unknown {
        /// The name asked for.
        name: String,
        /// The profiles file.
        path: PathBuf,
        /// The names it holds.
        available: Vec<String>,
    },
    /// A value that cannot be saved.
    #[error("latency profile {name:?}: {what}")]
    BadValue {
        /// The profile.
        name: String,
        /// What is wrong.
        what: String,
    },
    /// The profiles file could not be written.
    #[error("cannot write the latency profiles to {}: {source}; check the directory's permissions or set {CONFIG_DIR_ENV}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

fn known(names: &[String]) -> String {
    if names.is_empty() {
        "it holds none yet: make one with `pocket calibrate ... --save-latency NAME`".into()
    } else {
        let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
        format!("it holds {}", quoted.join(", "))
    }
}

/// The latency of one kit (and, when measured from play, its player).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyProfile {
    /// Offset subtracted from hand hits, ms (positive: late).
    pub hands_ms: f64,
    /// Offset subtracted from foot hits (kick, hi-hat pedal), ms (positive: late).
    pub feet_ms: f64,
    /// How it was measured (free text, e.g. `take song.mid against song.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured: Option<String>,
    /// When it was saved (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved: Option<String>,
}

impl LatencyProfile {
    /// The offsets as the scorer takes them (rounded to the nanosecond).
    pub fn offsets(&self) -> Offsets {
        let ns = |ms: f64| Nanos::from_millis_f64(ms).unwrap_or(Nanos::ZERO);
        Offsets {
            hands: ns(self.hands_ms),
            feet: ns(self.feet_ms),
        }
    }

    /// A profile holding `offsets`.
    pub fn from_offsets(offsets: Offsets) -> LatencyProfile {
        LatencyProfile {
            hands_ms: round_us(offsets.hands),
            feet_ms: round_us(offsets.feet),
            measured: None,
            saved: None,
        }
    }

    fn check(&self, name: &str) -> Result<(), String> {
        for (what, v) in [("hands_ms", self.hands_ms), ("feet_ms", self.feet_ms)] {
            if !(v.is_finite() && v.abs() <= MAX_OFFSET_MS) {
                return Err(format!(
                    "{name:?}: {what} is {v}; give milliseconds between -{MAX_OFFSET_MS} and {MAX_OFFSET_MS}"
                ));
            }
        }
        Ok(())
    }
}

/// Milliseconds rounded to the microsecond.
fn round_us(n: Nanos) -> f64 {
    (n.as_millis_f64() * 1000.0).round() / 1000.0
}

/// The file as written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfilesFile {
    format: String,
    #[serde(default)]
    profiles: BTreeMap<String, LatencyProfile>,
}

/// The latency profiles file, loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyProfiles {
    /// Where they are kept.
    pub path: PathBuf,
    /// By name (stable port name or a name the user chose).
    pub profiles: BTreeMap<String, LatencyProfile>,
}

/// Latency profiles files larger than this are refused (one profile is a few dozen bytes).
const PROFILES_MAX_BYTES: u64 = 1 << 20;

impl LatencyProfiles {
    /// Reads the profiles in `path`; a file that does not exist holds none.
    pub fn open(path: impl Into<PathBuf>) -> Result<LatencyProfiles, LatencyError> {
        let path = path.into();
        let bytes = match crate::formats::read::read_capped(&path, PROFILES_MAX_BYTES) {
            Ok(b) => b,
            Err(e) if e.io_error_kind() == Some(std::io::ErrorKind::NotFound) => {
                return Ok(LatencyProfiles {
                    path,
                    profiles: BTreeMap::new(),
                })
            }
            Err(e) => return Err(e.into()),
        };
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| InputError::new(&path, Place::File, InputErrorKind::NotUtf8))?;
        let file: ProfilesFile = serde_json::from_str(text).map_err(|e| {
            InputError::new(
                &path,
                Place::Line {
                    line: e.line(),
                    column: Some(e.column()),
                },
                InputErrorKind::Malformed(format!(
                    "{e}; a latency profiles file is {{\"format\": \"{PROFILES_FORMAT}\", \"profiles\": {{\"NAME\": {{\"hands_ms\": 0.0, \"feet_ms\": 0.0}}}}}}"
                )),
            )
        })?;
        if file.format != PROFILES_FORMAT {
            return Err(InputError::new(
                &path,
                Place::Item("format".into()),
                InputErrorKind::UnsupportedFormat {
                    found: file.format,
                    expected: PROFILES_FORMAT.into(),
                },
            )
            .into());
        }
        for (name, p) in &file.profiles {
            p.check(name).map_err(|what| {
                InputError::new(
                    &path,
                    Place::Item(format!("profiles.{name}")),
                    InputErrorKind::Malformed(what),
                )
            })?;
        }
        Ok(LatencyProfiles {
            path,
            profiles: file.profiles,
        })
    }

    /// Reads the profiles in the user's config directory ([`config_dir`]).
    pub fn open_default() -> Result<LatencyProfiles, LatencyError> {
        let dir = config_dir().ok_or(LatencyError::NoConfigDir)?;
        LatencyProfiles::open(dir.join(PROFILES_FILE))
    }

    /// The profile named `name`: exactly, else the one whose name equals it ignoring case.
    pub fn get(&self, name: &str) -> Result<(&str, &LatencyProfile), LatencyError> {
        self.find(name).ok_or_else(|| LatencyError::Unknown {
            name: name.to_string(),
            path: self.path.clone(),
            available: self.profiles.keys().cloned().collect(),
        })
    }

    fn find(&self, name: &str) -> Option<(&str, &LatencyProfile)> {
        if let Some((k, v)) = self.profiles.get_key_value(name) {
            return Some((k.as_str(), v));
        }
        let mut folded = self
            .profiles
            .iter()
            .filter(|(k, _)| k.to_lowercase() == name.to_lowercase());
        match (folded.next(), folded.next()) {
            (Some((k, v)), None) => Some((k.as_str(), v)),
            _ => None,
        }
    }

    /// The profile of the first of `ports` (stable port names, as a take records them) that
    /// has one.
    pub fn for_ports(&self, ports: &[String]) -> Option<(&str, &LatencyProfile)> {
        ports.iter().find_map(|p| self.find(p))
    }

    /// Adds or replaces a profile (not yet saved).
    pub fn insert(&mut self, name: &str, profile: LatencyProfile) -> Result<(), LatencyError> {
        if name.trim().is_empty() {
            return Err(LatencyError::BadValue {
                name: name.into(),
                what: "the name is empty".into(),
            });
        }
        profile.check(name).map_err(|what| LatencyError::BadValue {
            name: name.into(),
            what,
        })?;
        self.profiles.insert(name.to_string(), profile);
        Ok(())
    }

    /// The file's text: pretty JSON, names in sorted order.
    pub fn to_json(&self) -> String {
        let file = ProfilesFile {
            format: PROFILES_FORMAT.into(),
            profiles: self.profiles.clone(),
        };
        let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Writes the file (creating the directory) through a temporary sibling and a rename.
    pub fn save(&self) -> Result<(), LatencyError> {
        let write_err = |source| LatencyError::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(write_err)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, self.to_json()).map_err(write_err)?;
        std::fs::rename(&tmp, &self.path).map_err(write_err)
    }
}

/// The measured offsets of one limb group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimbMeasure {
    /// Median signed offset of the pairs kept (positive: late); `None` with fewer than
    /// [`MIN_PAIRS`].
    pub median: Option<Nanos>,
    /// Pairs kept.
    pub used: usize,
    /// Pairs dropped as outliers.
    pub dropped: usize,
    /// Median absolute deviation of the kept pairs from their median (how steady the limb was).
    pub spread: Option<Nanos>,
}

/// Suggested offsets per limb group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Suggestion {
    /// Hands (every lane but kick and hi-hat pedal).
    pub hands: LimbMeasure,
    /// Feet (kick and hi-hat pedal).
    pub feet: LimbMeasure,
}

impl Suggestion {
    /// The suggested offsets; a group without enough pairs keeps its value in `current`.
    pub fn offsets(&self, current: Offsets) -> Offsets {
        Offsets {
            hands: self.hands.median.unwrap_or(current.hands),
            feet: self.feet.median.unwrap_or(current.feet),
        }
    }

    /// Whether either group has a median.
    pub fn is_usable(&self) -> bool {
        self.hands.median.is_some() || self.feet.median.is_some()
    }
}

/// Median of sorted values (the lower middle's and upper middle's mean, floored).
fn median_sorted(v: &[Nanos]) -> Option<Nanos> {
    let n = v.len();
    if n == 0 {
        return None;
    }
    let (a, b) = (v[(n - 1) / 2].0 as i128, v[n / 2].0 as i128);
    Some(Nanos((a + b).div_euclid(2) as i64))
}

/// Median, then the median again over the values within `trim` of it.
fn robust_measure(mut devs: Vec<Nanos>, trim: Nanos) -> LimbMeasure {
    devs.sort();
    let Some(first) = median_sorted(&devs) else {
        return LimbMeasure::default();
    };
    let kept: Vec<Nanos> = devs
        .iter()
        .copied()
        .filter(|d| (*d - first).abs() <= trim)
        .collect();
    let dropped = devs.len() - kept.len();
    if kept.len() < MIN_PAIRS {
        return LimbMeasure {
            median: None,
            used: kept.len(),
            dropped,
            spread: None,
        };
    }
    let median = median_sorted(&kept);
    let spread = median.and_then(|m| {
        let mut abs: Vec<Nanos> = kept.iter().map(|d| (*d - m).abs()).collect();
        abs.sort();
        median_sorted(&abs)
    });
    LimbMeasure {
        median,
        used: kept.len(),
        dropped,
        spread,
    }
}

/// Suggests offsets from a take played against a chart: same-lane hit-note pairs within
/// [`WIDE_WINDOW`] (the scorer's optimal matching, no offsets applied), grouped by the note's
/// limb; per group the median signed offset, then the median again over the pairs within
/// [`TRIM`] of it. `lane_merge` is the scorer's lane mapping ([`ScoreOptions::lane_merge`]).
pub fn suggest_from_take(
    chart: &Chart,
    take: &Take,
    lane_merge: [crate::lane::Lane; crate::lane::Lane::ALL.len()],
) -> Suggestion {
    let timing = Timing::custom(TimingPreset::Lax, Some(WIDE_WINDOW), None)
        .unwrap_or_else(|_| Timing::preset(TimingPreset::Lax));
    let options = ScoreOptions {
        timing,
        lane_merge,
        ..ScoreOptions::default()
    };
    let input = PlayerInput::new("calibration", take);
    let (_, alignment) = score::score_player(chart, &input, &options);
    let mut hands = Vec::new();
    let mut feet = Vec::new();
    for (note, hit) in chart.notes.iter().zip(&alignment.note_hit) {
        let Some(h) = hit.and_then(|i| take.hits.get(i)) else {
            continue;
        };
        let d = h.time - note.time;
        if note.lane.is_foot() {
            feet.push(d);
        } else {
            hands.push(d);
        }
    }
    Suggestion {
        hands: robust_measure(hands, TRIM),
        feet: robust_measure(feet, TRIM),
    }
}

/// Suggests offsets from taps against a click: each hit is paired with the nearest click
/// (`clicks` in time order, on the take's clock); hits more than a quarter of the local beat
/// (the gap between that click and its neighbour) off are dropped; the median per limb group.
pub fn suggest_from_taps(take: &Take, clicks: &[Nanos]) -> Suggestion {
    let mut hands = Vec::new();
    let mut feet = Vec::new();
    let mut dropped = [0usize; 2];
    for h in &take.hits {
        let foot = h.lane.is_foot();
        let i = clicks.partition_point(|c| *c < h.time);
        let nearest = [i.checked_sub(1), Some(i)]
            .into_iter()
            .flatten()
            .filter(|&k| k < clicks.len())
            .min_by_key(|&k| (h.time - clicks[k]).abs());
        let Some(k) = nearest else { continue };
        let beat = match (k.checked_sub(1).map(|j| clicks[j]), clicks.get(k + 1)) {
            (_, Some(next)) => *next - clicks[k],
            (Some(prev), None) => clicks[k] - prev,
            (None, None) => Nanos::ZERO,
        };
        let d = h.time - clicks[k];
        if beat <= Nanos::ZERO || d.abs().0 * 4 > beat.0 {
            dropped[usize::from(foot)] += 1;
            continue;
        }
        if foot {
            feet.push(d);
        } else {
            hands.push(d);
        }
    }
    // The quarter-beat rule already dropped the outliers; no second trim.
    let mut s = Suggestion {
        hands: robust_measure(hands, Nanos::MAX),
        feet: robust_measure(feet, Nanos::MAX),
    };
    s.hands.dropped += dropped[0];
    s.feet.dropped += dropped[1];
    s
}

/// Beats per minute of the default tap calibration.
pub const TAP_BPM: f64 = 100.0;

/// The chart a tap calibration runs against: no notes, 4/4 at `bpm`. Its count-in is the
/// click the player taps with.
pub fn tap_chart(bpm: f64) -> Result<Chart, InputError> {
    let path = Path::new("calibration");
    let map = TempoMap::constant(480, Tempo::from_bpm(bpm), TimeSignature::COMMON)
        .map_err(|e| InputError::new(path, Place::File, e.into()))?;
    let info = ChartInfo {
        title: format!("latency calibration at {bpm} BPM"),
        ..ChartInfo::default()
    };
    Chart::new(info, map, Vec::new(), Vec::new())
        .map_err(|e| InputError::new(path, Place::File, e.into()))
}

/// The "add X ms" advice for one group: how to change `current` to reach `suggested`.
pub fn advice(group: &str, current: Nanos, suggested: Nanos) -> String {
    let delta = (suggested - current).as_millis_f64();
    let delta = (delta * 10.0).round() / 10.0;
    if delta == 0.0 {
        format!(
            "keep the {group} offset at {:+.1} ms",
            current.as_millis_f64()
        )
    } else if delta > 0.0 {
        format!(
            "add {delta:.1} ms to the {group} offset ({:+.1} -> {:+.1} ms)",
            current.as_millis_f64(),
            suggested.as_millis_f64()
        )
    } else {
        format!(
            "subtract {:.1} ms from the {group} offset ({:+.1} -> {:+.1} ms)",
            -delta,
            current.as_millis_f64(),
            suggested.as_millis_f64()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::Note;
    use crate::lane::{Dynamic, Lane};
    use crate::take::{Hit, Source};
    use crate::time::Ticks;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |k| pairs.iter().find(|p| p.0 == k).map(|p| OsString::from(p.1))
    }

    #[test]
    fn the_config_dir_follows_each_platform() {
        let e = env(&[
            ("HOME", "/home/lee"),
            ("APPDATA", "C:\\Users\\lee\\AppData\\Roaming"),
        ]);
        assert_eq!(
            config_dir_for(&e, "linux"),
            Some(PathBuf::from("/home/lee/.config/pocket"))
        );
        assert_eq!(
            config_dir_for(&e, "macos"),
            Some(PathBuf::from(
                "/home/lee/Library/Application Support/pocket"
            ))
        );
        assert_eq!(
            config_dir_for(&e, "windows"),
            Some(PathBuf::from("C:\\Users\\lee\\AppData\\Roaming").join("pocket"))
        );
        let xdg = env(&[("HOME", "/home/lee"), ("XDG_CONFIG_HOME", "/cfg")]);
        assert_eq!(
            config_dir_for(&xdg, "linux"),
            Some(PathBuf::from("/cfg/pocket"))
        );
        let relative_xdg = env(&[("HOME", "/home/lee"), ("XDG_CONFIG_HOME", "cfg")]);
        assert_eq!(
            config_dir_for(&relative_xdg, "freebsd"),
            Some(PathBuf::from("/home/lee/.config/pocket")),
            "a relative XDG_CONFIG_HOME is ignored, as the spec says"
        );
        let over = env(&[("HOME", "/home/lee"), (CONFIG_DIR_ENV, "/tmp/p")]);
        assert_eq!(
            config_dir_for(&over, "macos"),
            Some(PathBuf::from("/tmp/p"))
        );
        assert_eq!(config_dir_for(&env(&[]), "linux"), None);
    }

    #[test]
    fn profiles_round_trip_through_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub").join(PROFILES_FILE);
        let mut p = LatencyProfiles::open(&path).expect("a missing file holds none");
        assert!(p.profiles.is_empty());
        p.insert(
            "TD-17:TD-17 MIDI 1",
            LatencyProfile {
                measured: Some("taps".into()),
                ..LatencyProfile::from_offsets(Offsets {
                    hands: Nanos::from_micros(3_500),
                    feet: Nanos::from_millis(-2),
                })
            },
        )
        .expect("valid");
        p.save().expect("saved");
        let back = LatencyProfiles::open(&path).expect("read back");
        assert_eq!(back, p);
        let (name, prof) = back.get("td-17:td-17 midi 1").expect("case-insensitive");
        assert_eq!(name, "TD-17:TD-17 MIDI 1");
        assert_eq!(prof.offsets().hands, Nanos::from_micros(3_500));
        assert_eq!(prof.offsets().feet, Nanos::from_millis(-2));
        let ports = vec!["file".to_string(), "TD-17:TD-17 MIDI 1".to_string()];
        assert_eq!(
            back.for_ports(&ports).map(|p| p.0),
            Some("TD-17:TD-17 MIDI 1")
        );
        let err = back.get("Nitro").expect_err("unknown");
        assert!(err.to_string().contains("TD-17:TD-17 MIDI 1"), "{err}");
    }

    #[test]
    fn a_broken_profiles_file_names_the_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(PROFILES_FILE);
        std::fs::write(
            &path,
            "{\"format\": \"pocket-latency/1\",\n \"profiles\": {\"a\": {\"hand_ms\": 1}}}\n",
        )
        .expect("write");
        let err = LatencyProfiles::open(&path).expect_err("typo");
        let msg = err.to_string();
        assert!(msg.contains("line 2") && msg.contains("hand_ms"), "{msg}");
        std::fs::write(
            &path,
            "{\"format\": \"pocket-latency/1\", \"profiles\": {\"a\": {\"hands_ms\": 1e9, \"feet_ms\": 0}}}",
        )
        .expect("write");
        let err = LatencyProfiles::open(&path).expect_err("absurd value");
        assert!(err.to_string().contains("hands_ms"), "{err}");
    }

    fn hit(ms: i64, lane: Lane) -> Hit {
        Hit {
            time: Nanos::from_millis(ms),
            lane,
            articulation: None,
            velocity: 100,
            source: Source {
                note: 38,
                channel: 10,
                port: 0,
            },
        }
    }

    #[test]
    fn a_take_gives_the_median_per_limb_despite_outliers() {
        // Quarter notes at 120 BPM: snare and kick together on every beat.
        let map =
            TempoMap::constant(480, Tempo::from_bpm(120.0), TimeSignature::COMMON).expect("map");
        let mut notes = Vec::new();
        for k in 0..32 {
            let tick = Ticks(k * 480);
            for lane in [Lane::Snare, Lane::Kick] {
                notes.push(Note {
                    time: map.time(tick),
                    tick,
                    lane,
                    articulation: None,
                    dynamic: Dynamic::Normal,
                });
            }
        }
        let chart = Chart::new(ChartInfo::default(), map, Vec::new(), notes).expect("chart");
        let mut take = Take::default();
        for k in 0..32i64 {
            let jitter = [-2, 0, 2, 1, -1][(k % 5) as usize];
            // Every eighth hand hit is a wild one, 120 ms late: dropped by the trim.
            let hand = if k % 8 == 3 { 120 } else { 12 + jitter };
            take.hits.push(hit(k * 500 + hand, Lane::Snare));
            take.hits.push(hit(k * 500 - 7 + jitter, Lane::Kick));
        }
        take.sort();
        let s = suggest_from_take(&chart, &take, Lane::ALL);
        assert_eq!(s.hands.median, Some(Nanos::from_millis(12)));
        assert_eq!(s.hands.dropped, 4, "the four wild hits");
        assert_eq!(s.feet.median, Some(Nanos::from_millis(-7)));
        assert_eq!(s.feet.used, 32);
        let o = s.offsets(Offsets::default());
        assert_eq!(
            (o.hands, o.feet),
            (Nanos::from_millis(12), Nanos::from_millis(-7))
        );
    }

    #[test]
    fn taps_off_by_more_than_a_quarter_beat_are_dropped() {
        // Clicks every 600 ms (100 BPM); a quarter beat is 150 ms.
        let clicks: Vec<Nanos> = (0..16).map(|k| Nanos::from_millis(k * 600)).collect();
        let mut take = Take::default();
        for k in 0..16i64 {
            take.hits.push(hit(k * 600 + 9, Lane::Snare));
            take.hits.push(hit(k * 600 + 15, Lane::Kick));
        }
        // Off-grid taps: an eighth note off, and one far after the clicks.
        take.hits.push(hit(3 * 600 + 300, Lane::Snare));
        take.hits.push(hit(5 * 600 - 200, Lane::Kick));
        take.hits.push(hit(20 * 600, Lane::Snare));
        take.sort();
        let s = suggest_from_taps(&take, &clicks);
        assert_eq!(s.hands.median, Some(Nanos::from_millis(9)));
        assert_eq!(s.feet.median, Some(Nanos::from_millis(15)));
        assert_eq!((s.hands.used, s.hands.dropped), (16, 2));
        assert_eq!((s.feet.used, s.feet.dropped), (16, 1));
    }

    #[test]
    fn too_few_pairs_suggest_nothing() {
        let clicks: Vec<Nanos> = (0..8).map(|k| Nanos::from_millis(k * 600)).collect();
        let mut take = Take::default();
        take.hits.push(hit(5, Lane::Kick));
        let s = suggest_from_taps(&take, &clicks);
        assert_eq!(s.feet.median, None);
        assert_eq!(s.hands.median, None);
        assert!(!s.is_usable());
        let keep = Offsets::both(Nanos::from_millis(4));
        assert_eq!(s.offsets(keep), keep);
    }

    #[test]
    fn advice_says_add_or_subtract() {
        let ms = Nanos::from_millis;
        assert_eq!(
            advice("hands", ms(2), ms(10)),
            "add 8.0 ms to the hands offset (+2.0 -> +10.0 ms)"
        );
        assert!(advice("feet", ms(5), ms(-1)).starts_with("subtract 6.0 ms"));
        assert!(advice("feet", ms(5), ms(5)).starts_with("keep"));
    }

    #[test]
    fn the_tap_chart_clicks_at_its_tempo() {
        let c = tap_chart(100.0).expect("chart");
        let clicks = crate::live::session::count_in_clicks(&c, 2);
        assert_eq!(clicks.len(), 8);
        assert_eq!(clicks[1].0 - clicks[0].0, Nanos::from_millis(600));
        assert!(c.notes.is_empty());
    }
}
