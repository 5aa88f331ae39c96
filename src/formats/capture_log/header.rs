//! The capture log's header line and the limits both the reader and the writer keep.

use crate::time::Nanos;
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// The `format` value of the header line: the format name and its major version.
pub const FORMAT: &str = "pocket-capture/1";
/// The minor version this build writes. Readers accept any minor version of [`FORMAT`].
pub const MINOR_VERSION: u32 = 2;
/// The longest line, in bytes (without its newline), that the reader accepts.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// The longest MIDI message (SysEx included), in bytes, that fits on one line.
pub const MAX_MESSAGE_BYTES: usize = 16_000;
/// The largest capture log the reader loads (1 GiB, about ten hours of dense playing).
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// The largest calibration offset accepted, in milliseconds either way.
pub const MAX_OFFSET_MS: f64 = 1_000.0;

/// How chart time zero was (or will be) fixed on the capture clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartMode {
    /// A count-in of clicks; time zero is the downbeat after it.
    CountIn,
    /// Time zero is the first hit played.
    FirstHit,
    /// Time zero is the moment the capture started.
    Now,
    /// No chart time: free play.
    None,
}

/// The chart a capture was played against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartRef {
    /// Path of the chart file, absolute or relative to the capture log's directory.
    pub path: String,
    /// Title, when the chart has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A MIDI input port of the capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortInfo {
    /// Index used by event lines (`"p"`); unique within the header.
    pub index: u16,
    /// The port's name as the system reported it (stable across reboots, unlike client numbers).
    pub name: String,
    /// For an audio input: the WAV its raw audio was recorded to (relative to the capture log's
    /// folder; sample 0 is capture time 0). The port's notes are the hits transcribed from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_file: Option<String>,
}

/// A player of the capture: which port and channel they play on, and their kit calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerInfo {
    /// Name, unique within the header.
    pub name: String,
    /// Index of the port their kit is on ([`PortInfo::index`]).
    pub port: u16,
    /// Only messages on this MIDI channel (1..=16 as musicians count them) are theirs;
    /// `None` = every channel of the port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<u8>,
    /// Kit profile name (e.g. `gm`, `roland-td`).
    pub kit: String,
    /// The kit map file the kit was read from, when it was not a built-in profile (as given on
    /// the command line, so relative to where pocket ran). Readers use it when they can open it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kit_file: Option<String>,
    /// Calibrated latency of hand pads: positive = the kit reports hits late. Written in
    /// milliseconds (`offset_hands_ms`).
    #[serde(rename = "offset_hands_ms", with = "millis")]
    pub offset_hands: Nanos,
    /// Calibrated latency of foot pedals (kick, hi-hat pedal), as for hands
    /// (`offset_feet_ms`).
    #[serde(rename = "offset_feet_ms", with = "millis")]
    pub offset_feet: Nanos,
}

/// The header line of a capture log (without `format` and `minor`, which the writer adds and
/// the reader checks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptureHeader {
    /// Wall-clock time when the capture started, RFC 3339 in UTC
    /// (`2025-01-02T03:04:05.678Z`); see [`format_rfc3339_utc`]. Informational.
    pub started_at: String,
    /// The capture-clock time that is chart time zero, or `None` while unknown (a later
    /// `zero` line may fix it).
    #[serde(rename = "time_zero_ns")]
    pub time_zero: Option<Nanos>,
    /// How time zero is fixed.
    pub start_mode: StartMode,
    /// The chart played, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<ChartRef>,
    /// Name of the chart section played, when not the whole chart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// Whether the section (or chart) was looped.
    #[serde(default, rename = "loop", skip_serializing_if = "is_false")]
    pub looped: bool,
    /// Playback tempo relative to the chart (1.0 = as written, 0.8 = 80 %), when not 1.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tempo_scale: Option<f64>,
    /// How the events were stamped: the backend, its frame clock and the resolution of its
    /// time stamps (minor 1; absent in older logs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<StampSource>,
    /// The backing audio played along with, and where its sound was put on the capture clock
    /// (minor 2; absent without backing audio and in older logs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<BackingAudio>,
    /// The MIDI input ports.
    pub ports: Vec<PortInfo>,
    /// The players.
    pub players: Vec<PlayerInfo>,
}

/// How the events of a capture were stamped (the header's `capture` field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StampSource {
    /// The MIDI backend: `jack` (pocket's own JACK client), `alsa`, `coremidi`, `winmm`, or
    /// `replay` (a recorded take fed through the live path).
    pub backend: String,
    /// The frame clock's rate, frames per second (JACK).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<u32>,
    /// Frames per process cycle (JACK) when the capture started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_frames: Option<u32>,
    /// The finest step of the event time stamps, in ms: one frame under JACK, 0.001 for
    /// backends that stamp in µs, 1 for WinMM, 0 for replays (times as recorded).
    pub stamp_resolution_ms: f64,
}

/// The backing audio of a capture (the header's `audio` field, minor 2): enough to rebuild the
/// report's `settings.audio` from the log alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackingAudio {
    /// The audio files mixed, as the session named them.
    pub files: Vec<String>,
    /// The output device (its stable name).
    pub output: String,
    /// The output latency the audio API reported, ns (`reported_latency_ns`).
    #[serde(rename = "reported_latency_ns")]
    pub reported_latency: Nanos,
    /// The audio offset added for what no API reports, ns (`audio_offset_ns`).
    #[serde(rename = "audio_offset_ns")]
    pub audio_offset: Nanos,
    /// Where the audio offset came from.
    pub audio_offset_source: crate::report::AudioOffsetSource,
    /// Error bar of the mapping of the output's frames onto the capture clock, ns
    /// (`mapping_spread_ns`).
    #[serde(rename = "mapping_spread_ns")]
    pub mapping_spread: Nanos,
    /// Practice tempo the audio was stretched to (1 = the song's own).
    pub tempo: f64,
    /// Capture-clock time at which the backing's chart-zero sample (its first sample, for a
    /// plain file played from its start) is heard: the reported output latency and the
    /// audio offset included (`sample_zero_ns`).
    #[serde(rename = "sample_zero_ns")]
    pub sample_zero: Nanos,
}

impl BackingAudio {
    /// The report's `settings.audio` for this backing.
    pub fn settings(&self) -> crate::report::AudioSettings {
        crate::report::AudioSettings {
            files: self.files.clone(),
            output: self.output.clone(),
            reported_latency_ms: self.reported_latency.as_millis_f64(),
            audio_offset_ms: self.audio_offset.as_millis_f64(),
            audio_offset_source: Some(self.audio_offset_source),
            mapping_spread_ms: self.mapping_spread.as_millis_f64(),
            tempo: self.tempo,
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl CaptureHeader {
    /// A header for a capture starting now, with no chart, ports or players yet.
    pub fn new(start_mode: StartMode) -> CaptureHeader {
        CaptureHeader {
            started_at: format_rfc3339_utc(SystemTime::now()),
            time_zero: None,
            start_mode,
            chart: None,
            section: None,
            looped: false,
            tempo_scale: None,
            capture: None,
            audio: None,
            ports: Vec::new(),
            players: Vec::new(),
        }
    }

    /// Checks what serde cannot: unique ports and player names, players on known ports,
    /// channels 1..=16, sane offsets and tempo scale. The message says what to fix.
    pub(super) fn validate(&self) -> Result<(), String> {
        for (i, port) in self.ports.iter().enumerate() {
            if self.ports[..i].iter().any(|p| p.index == port.index) {
                return Err(format!(
                    "two ports have index {}; give each port its own index",
                    port.index
                ));
            }
        }
        for (i, player) in self.players.iter().enumerate() {
            let who = format!("player {:?}", player.name);
            if player.name.trim().is_empty() {
                return Err(format!("players[{i}] has an empty name; name every player"));
            }
            if self.players[..i].iter().any(|p| p.name == player.name) {
                return Err(format!(
                    "two players are named {:?}; names must be unique",
                    player.name
                ));
            }
            if !self.ports.iter().any(|p| p.index == player.port) {
                return Err(format!(
                    "{who} plays on port {}, which is not in \"ports\"; list the port or fix its index",
                    player.port
                ));
            }
            if let Some(ch) = player.channel {
                if !(1..=16).contains(&ch) {
                    return Err(format!(
                        "{who} has channel {ch}; MIDI channels are 1 to 16 (or leave \"channel\" out for all)"
                    ));
                }
            }
            for (what, off) in [
                ("offset_hands_ms", player.offset_hands),
                ("offset_feet_ms", player.offset_feet),
            ] {
                if off.as_millis_f64().abs() > MAX_OFFSET_MS {
                    return Err(format!(
                        "{who} has {what} = {}, beyond ±{MAX_OFFSET_MS} ms; calibrate the kit again",
                        off.as_millis_f64()
                    ));
                }
            }
        }
        if let Some(c) = &self.capture {
            if c.backend.trim().is_empty() {
                return Err("capture.backend is empty; name the MIDI backend".into());
            }
            if c.sample_rate == Some(0) {
                return Err(
                    "capture.sample_rate is 0; give the frame rate in frames per second".into(),
                );
            }
            if !(c.stamp_resolution_ms.is_finite() && c.stamp_resolution_ms >= 0.0) {
                return Err(format!(
                    "capture.stamp_resolution_ms {} is not a number of ms ≥ 0",
                    c.stamp_resolution_ms
                ));
            }
        }
        if let Some(a) = &self.audio {
            if a.output.trim().is_empty() {
                return Err("audio.output is empty; name the output device".into());
            }
            if !(a.tempo.is_finite() && a.tempo > 0.0) {
                return Err(format!(
                    "audio.tempo {} is not a positive number (1.0 = the song's tempo)",
                    a.tempo
                ));
            }
            if a.reported_latency < Nanos::ZERO || a.mapping_spread < Nanos::ZERO {
                return Err(
                    "audio.reported_latency_ns and audio.mapping_spread_ns cannot be negative"
                        .into(),
                );
            }
            if a.audio_offset.as_millis_f64().abs() > MAX_OFFSET_MS {
                return Err(format!(
                    "audio.audio_offset_ns = {} ms, beyond ±{MAX_OFFSET_MS} ms; calibrate the output again",
                    a.audio_offset.as_millis_f64()
                ));
            }
        }
        if let Some(scale) = self.tempo_scale {
            if !(scale.is_finite() && scale > 0.0) {
                return Err(format!(
                    "tempo_scale {scale} is not a positive number (1.0 = the chart's tempo)"
                ));
            }
        }
        Ok(())
    }
}

/// Serde for [`Nanos`] written as (fractional) milliseconds.
mod millis {
    use crate::time::Nanos;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Nanos, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(t.as_millis_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Nanos, D::Error> {
        let ms = f64::deserialize(d)?;
        Nanos::from_millis_f64(ms)
            .ok_or_else(|| D::Error::custom(format!("{ms} is not a time in milliseconds")))
    }
}

/// Formats a wall-clock time as RFC 3339 in UTC with milliseconds, e.g.
/// `2025-01-02T03:04:05.678Z`.
pub fn format_rfc3339_utc(t: SystemTime) -> String {
    let total_ms: i128 = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i128,
        Err(e) => -(e.duration().as_millis() as i128),
    };
    let secs = total_ms.div_euclid(1000) as i64;
    let ms = total_ms.rem_euclid(1000) as i64;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Days to civil date (proleptic Gregorian), after H. Hinnant's `civil_from_days`.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        let at = |s: u64, ms: u64| {
            format_rfc3339_utc(UNIX_EPOCH + std::time::Duration::from_millis(s * 1000 + ms))
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(at(1_700_000_000, 123), "2023-11-14T22:13:20.123Z");
        assert_eq!(at(4_107_542_399, 999), "2100-02-28T23:59:59.999Z");
        assert_eq!(
            format_rfc3339_utc(UNIX_EPOCH - std::time::Duration::from_millis(1)),
            "1969-12-31T23:59:59.999Z"
        );
    }
}
