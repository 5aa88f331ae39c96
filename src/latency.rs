//! Latency profiles: each kit's latency offsets, kept by name in the user's config directory.
//!
//! A latency profile holds two offsets, one for the feet (kick, hi-hat pedal) and one for the
//! hands, in milliseconds, positive when the kit is late. Profiles are keyed by a name: the
//! stable port name of a live kit (`pocket devices` lists them), so `pocket live` finds a kit's
//! profile by itself, or any name the user chose with `--save-latency NAME`. They are separate
//! from the kit profiles that map MIDI notes to lanes ([`crate::kit`]). [`crate::calibrate`]
//! measures them; [`crate::session`] decides which offsets apply to a player.

use crate::error::{InputError, InputErrorKind, Place};
use crate::matching::Offsets;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

/// Environment variable naming the config directory, overriding the platform's.
pub const CONFIG_DIR_ENV: &str = "POCKET_CONFIG_DIR";
/// File name of the latency profiles in the config directory.
pub const PROFILES_FILE: &str = "latency.json";
/// Format name written in the profiles file.
pub const PROFILES_FORMAT: &str = "pocket-latency/1";
/// Largest offset a profile may hold, ms. Larger values are surely a mistake (a kit is late by
/// a few ms, a sound card by tens).
pub const MAX_OFFSET_MS: f64 = 1000.0;
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
        "it holds none yet: calibrate a kit and save its latency under a name first".into()
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

/// The audio offset of one output device: how much later than its audio API reports the sound
/// reaches the players (DAC, speakers or headphones, air, Bluetooth), as `pocket calibrate
/// --audio` measured it (docs/play-along.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudioOffsetProfile {
    /// The offset, ms (positive: the sound is heard later than reported).
    pub offset_ms: f64,
    /// How it was measured (free text: the median tap offset and the kit latency taken off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured: Option<String>,
    /// When it was saved (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved: Option<String>,
}

impl AudioOffsetProfile {
    /// The offset (rounded to the nanosecond).
    pub fn offset(&self) -> Nanos {
        Nanos::from_millis_f64(self.offset_ms).unwrap_or(Nanos::ZERO)
    }

    /// A profile holding `offset` (in ms rounded to the microsecond).
    pub fn from_offset(offset: Nanos) -> AudioOffsetProfile {
        AudioOffsetProfile {
            offset_ms: round_us(offset),
            measured: None,
            saved: None,
        }
    }

    fn check(&self, name: &str) -> Result<(), String> {
        let v = self.offset_ms;
        if !(v.is_finite() && v.abs() <= MAX_OFFSET_MS) {
            return Err(format!(
                "audio output {name:?}: offset_ms is {v}; give milliseconds between -{MAX_OFFSET_MS} and {MAX_OFFSET_MS}"
            ));
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
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    audio_outputs: BTreeMap<String, AudioOffsetProfile>,
}

/// The latency profiles file, loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyProfiles {
    /// Where they are kept.
    pub path: PathBuf,
    /// By name (stable port name or a name the user chose).
    pub profiles: BTreeMap<String, LatencyProfile>,
    /// Audio offsets by output device (its stable name, as `pocket devices` lists it), saved
    /// by `pocket calibrate --audio` (the file's `audio_outputs`).
    pub audio: BTreeMap<String, AudioOffsetProfile>,
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
                    audio: BTreeMap::new(),
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
        for (name, p) in &file.audio_outputs {
            p.check(name).map_err(|what| {
                InputError::new(
                    &path,
                    Place::Item(format!("audio_outputs.{name}")),
                    InputErrorKind::Malformed(what),
                )
            })?;
        }
        Ok(LatencyProfiles {
            path,
            profiles: file.profiles,
            audio: file.audio_outputs,
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

    /// Adds or replaces the audio offset of an output device (not yet saved).
    pub fn insert_audio(
        &mut self,
        device: &str,
        profile: AudioOffsetProfile,
    ) -> Result<(), LatencyError> {
        if device.trim().is_empty() {
            return Err(LatencyError::BadValue {
                name: device.into(),
                what: "the output's name is empty".into(),
            });
        }
        profile
            .check(device)
            .map_err(|what| LatencyError::BadValue {
                name: device.into(),
                what,
            })?;
        self.audio.insert(device.to_string(), profile);
        Ok(())
    }

    /// The saved audio offsets by output device.
    pub fn audio_offsets(&self) -> BTreeMap<String, Nanos> {
        self.audio
            .iter()
            .map(|(k, p)| (k.clone(), p.offset()))
            .collect()
    }

    /// The file's text: pretty JSON, names in sorted order.
    pub fn to_json(&self) -> String {
        let file = ProfilesFile {
            format: PROFILES_FORMAT.into(),
            profiles: self.profiles.clone(),
            audio_outputs: self.audio.clone(),
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
        crate::formats::write_whole(&self.path, self.to_json().as_bytes()).map_err(write_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn audio_offsets_are_kept_per_output_beside_the_kits() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(PROFILES_FILE);
        // A file written before audio offsets existed reads as holding none.
        std::fs::write(
            &path,
            "{\"format\": \"pocket-latency/1\", \"profiles\": {\"kit\": {\"hands_ms\": 4, \"feet_ms\": 6}}}",
        )
        .expect("write");
        let mut p = LatencyProfiles::open(&path).expect("old file");
        assert!(p.audio.is_empty());
        p.insert_audio(
            "USB Audio CODEC",
            AudioOffsetProfile::from_offset(Nanos::from_micros(23_456)),
        )
        .expect("valid");
        p.save().expect("saved");
        let back = LatencyProfiles::open(&path).expect("read back");
        assert_eq!(back, p);
        assert_eq!(back.profiles["kit"].hands_ms, 4.0, "the kit is kept");
        assert_eq!(
            back.audio_offsets().get("USB Audio CODEC"),
            Some(&Nanos::from_micros(23_456))
        );
        let err = p
            .insert_audio(
                "x",
                AudioOffsetProfile::from_offset(Nanos::from_millis(5_000)),
            )
            .expect_err("5 s is not an audio offset");
        assert!(err.to_string().contains("offset_ms"), "{err}");
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
}
