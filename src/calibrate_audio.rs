//! Audio-output calibration (`pocket calibrate --audio`): the latency nobody reports (the DAC,
//! speakers or headphones, air, Bluetooth), measured by tapping along with clicks played
//! through the audio output, and saved per output device as its audio offset.
//!
//! Tapping to a heard click measures a sum: a tap's offset from the click's sound time as the
//! audio API reports it (the time pocket puts a backing's sample at,
//! [`crate::live::play_along`]) is the output's unreported latency, plus the kit's input
//! latency, plus the player's habit. The kit's latency is known (its latency profile,
//! [`crate::latency`]), so
//!
//! ```text
//! audio offset = median over the taps of (tap − click as reported − kit latency of the tap's limb)
//! ```
//!
//! which, when every tap is on the hands (or every one on the feet), is the median tap offset
//! minus that limb's saved latency. docs/play-along.md says how the two latencies add up.

use crate::audio::{ClickOptions, Render};
use crate::calibrate::{median_sorted, pair_taps, tap_chart, TapError, MIN_PAIRS, TAP_LEAD_BARS};
use crate::kit::KitMap;
use crate::live::play_along::BackingRequest;
use crate::live::session::{self, PlayerSource, PlayerSpec, SessionOptions, Start};
use crate::matching::Offsets;
use crate::take::Take;
use crate::time::Nanos;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// What the taps against the heard clicks measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioOffsetMeasure {
    /// Median signed offset of the taps from their clicks' sound times as the audio API
    /// reports them (positive: late): output's unreported latency + kit latency + habit.
    pub median_tap: Nanos,
    /// Median of the kit latencies taken off the taps (each tap's limb group's).
    pub kit_latency: Nanos,
    /// The audio offset: median of (tap − click − the tap's kit latency).
    pub offset: Nanos,
    /// Taps used.
    pub used: usize,
    /// Taps dropped (more than a quarter beat from every click).
    pub dropped: usize,
    /// Median absolute deviation of the corrected taps from `offset` (how steady the tapping
    /// was).
    pub spread: Nanos,
}

/// The audio offset from taps (`take`, on the clock of `clicks`) against clicks at their sound
/// times as the output reports them, for a kit whose input latency is `kit`: each tap is paired
/// with its nearest click ([`pair_taps`]), the latency of its limb group is taken off, and the
/// median is the offset. `None` with fewer than [`MIN_PAIRS`] taps kept.
pub fn measure_audio_offset(
    take: &Take,
    clicks: &[Nanos],
    kit: Offsets,
) -> Option<AudioOffsetMeasure> {
    let (kept, dropped) = pair_taps(take, clicks);
    if kept.len() < MIN_PAIRS {
        return None;
    }
    let latency = |foot: bool| if foot { kit.feet } else { kit.hands };
    let sorted = |mut v: Vec<Nanos>| {
        v.sort();
        v
    };
    let taps = sorted(kept.iter().map(|(d, _)| *d).collect());
    let latencies = sorted(kept.iter().map(|(_, f)| latency(*f)).collect());
    let corrected = sorted(kept.iter().map(|(d, f)| *d - latency(*f)).collect());
    let offset = median_sorted(&corrected)?;
    let spread = median_sorted(&sorted(
        corrected.iter().map(|c| (*c - offset).abs()).collect(),
    ))?;
    Some(AudioOffsetMeasure {
        median_tap: median_sorted(&taps)?,
        kit_latency: median_sorted(&latencies)?,
        offset,
        used: kept.len(),
        dropped: dropped[0] + dropped[1],
        spread,
    })
}

/// File name of the click track an audio calibration plays, in its session directory.
pub const CLICKS_FILE: &str = "calibration-clicks.wav";

/// An audio calibration: one player taps quarter notes with clicks played through an audio
/// output, for [`TAP_LEAD_BARS`] bars of listening and then `bars` bars of tapping.
#[derive(Debug, Clone)]
pub struct AudioTaps {
    /// The player's name.
    pub name: String,
    /// A live kit's port, or the capture log of an earlier calibration replayed.
    pub source: PlayerSource,
    /// Kit map for reading the kit (`None`: as a live session picks one).
    pub kit: Option<KitMap>,
    /// The kit's saved input latency, taken off every tap (recorded in the capture log).
    pub kit_latency: Offsets,
    /// Tempo of the clicks, beats per minute.
    pub bpm: f64,
    /// Bars of tapping.
    pub bars: u32,
    /// Part of the audio output's name (`None`: the default output).
    pub audio_out: Option<String>,
    /// The session directory (created).
    pub out_dir: PathBuf,
    /// Set to stop the session early (signals).
    pub stop: Arc<AtomicBool>,
}

/// What an audio calibration measured.
#[derive(Debug)]
pub struct AudioTapOutcome {
    /// The measurement; `None` when too few taps were near the clicks.
    pub measure: Option<AudioOffsetMeasure>,
    /// The output device's name (the key its offset is saved under).
    pub device: String,
    /// The output latency its audio API reported.
    pub reported_latency: Nanos,
    /// Taps read back from the capture log.
    pub taps: usize,
    /// Clicks played.
    pub clicks: usize,
    /// The capture log.
    pub capture: PathBuf,
    /// Warnings about the capture and the audio.
    pub warnings: Vec<String>,
}

/// Runs an audio calibration: renders the clicks ([`Render::click_track`] of [`tap_chart`]) to
/// a WAV in the session directory, plays it through the output as a session's backing audio
/// (its first sample, as the output reports it heard, is time zero; no audio offset) while the
/// kit is captured, and pairs the taps with the clicks' sound times
/// ([`measure_audio_offset`]).
pub fn audio_tap_calibration(taps: AudioTaps) -> Result<AudioTapOutcome, TapError> {
    let chart = tap_chart(taps.bpm)?;
    std::fs::create_dir_all(&taps.out_dir).map_err(|source| TapError::CreateDir {
        path: taps.out_dir.clone(),
        source,
    })?;
    let render = Render::click_track(
        &chart,
        &ClickOptions {
            count_in_bars: TAP_LEAD_BARS + taps.bars,
            ..ClickOptions::default()
        },
    )?;
    let wav = taps.out_dir.join(CLICKS_FILE);
    render.write_wav(&wav, None)?;
    // Each click's onset, from the file's first sample, to the sample.
    let rate = f64::from(render.sample_rate());
    let clicks: Vec<Nanos> = crate::audio::clicks(&chart, TAP_LEAD_BARS + taps.bars)
        .iter()
        .map(|c| Nanos((render.sample_of(c.time) as f64 * 1e9 / rate).round() as i64))
        .collect();
    let length = Nanos((render.frames() as f64 * 1e9 / rate).round() as i64);

    let mut opts = SessionOptions::new(&taps.out_dir);
    opts.players.push(PlayerSpec {
        name: taps.name.clone(),
        source: taps.source,
        kit: taps.kit.clone(),
        offsets: taps.kit_latency,
    });
    opts.start = Start::Now;
    opts.backing = Some(BackingRequest {
        file: Some(wav),
        audio_out: taps.audio_out,
        audio_offset: Some(Nanos::ZERO),
        ..BackingRequest::default()
    });
    opts.duration = Some(length + Nanos::from_millis(1_000));
    opts.stop = taps.stop;
    let outcome = session::run(opts)?;

    let cap = crate::formats::capture_log::read_capture(&outcome.capture)?;
    let (device, reported_latency) = cap
        .header
        .audio
        .as_ref()
        .map(|a| (a.output.clone(), a.reported_latency))
        .unwrap_or_default();
    let spec = format!("{}#player={}", outcome.capture.display(), taps.name);
    let take = crate::formats::load_take(&spec, taps.kit.as_ref())?;
    Ok(AudioTapOutcome {
        measure: measure_audio_offset(&take.take, &clicks, taps.kit_latency),
        device,
        reported_latency,
        taps: take.take.hits.len(),
        clicks: clicks.len(),
        capture: outcome.capture,
        warnings: outcome.warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lane::Lane;
    use crate::take::{Hit, Source};

    fn tap(ms: f64, lane: Lane) -> Hit {
        Hit {
            time: Nanos::from_millis_f64(ms).expect("a time"),
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

    /// Clicks every 600 ms (100 BPM) starting at 500 ms, as the output reports them heard.
    fn clicks() -> Vec<Nanos> {
        (0..24).map(|k| Nanos::from_millis(500 + 600 * k)).collect()
    }

    #[test]
    fn the_offset_is_the_median_tap_minus_the_kit_latency() {
        // The tapper hears each click 38 ms after the output reports it (speakers), the kit
        // reports each tap 6 ms late, and the player is 2 ms early: taps land 42 ms after the
        // reported click, give or take a steady ±3 ms, with one wild tap and one far off.
        let jitter = [-3.0, 1.0, 0.0, 3.0, -1.0, 2.0, -2.0, 0.0];
        let mut take = Take::default();
        for (k, c) in clicks().iter().enumerate().skip(8) {
            let ms = c.as_millis_f64() + 42.0 + jitter[k % jitter.len()];
            take.hits.push(tap(ms, Lane::Snare));
        }
        take.hits
            .push(tap(500.0 + 600.0 * 20.0 + 120.0, Lane::Snare)); // kept: within 150 ms
        take.hits
            .push(tap(500.0 + 600.0 * 21.0 + 300.0, Lane::Snare)); // an eighth off: dropped
        take.sort();
        let kit = Offsets {
            hands: Nanos::from_millis(6),
            feet: Nanos::from_millis(11),
        };
        let m = measure_audio_offset(&take, &clicks(), kit).expect("enough taps");
        assert_eq!((m.used, m.dropped), (17, 1));
        // 16 taps at 42 + jitter (sorted jitter medians to 0), and one at +120: the median
        // of the 17 is the 9th smallest: 42 ms.
        assert_eq!(m.median_tap, Nanos::from_millis(42));
        assert_eq!(m.kit_latency, Nanos::from_millis(6));
        assert_eq!(m.offset, Nanos::from_millis(42 - 6));
        assert_eq!(m.offset, m.median_tap - m.kit_latency);
    }

    #[test]
    fn each_limb_takes_off_its_own_latency() {
        // Hands 5 ms late, feet 15 ms: hand taps at +35, kick taps at +45, the same 30 ms of
        // unreported output latency under both.
        let kit = Offsets {
            hands: Nanos::from_millis(5),
            feet: Nanos::from_millis(15),
        };
        let mut take = Take::default();
        for (k, c) in clicks().iter().enumerate() {
            let (lane, late) = if k % 2 == 0 {
                (Lane::Snare, 35.0)
            } else {
                (Lane::Kick, 45.0)
            };
            take.hits.push(tap(c.as_millis_f64() + late, lane));
        }
        take.sort();
        let m = measure_audio_offset(&take, &clicks(), kit).expect("enough taps");
        assert_eq!(m.offset, Nanos::from_millis(30));
        assert_eq!(m.spread, Nanos::ZERO);
        assert_eq!(m.used, 24);
    }

    #[test]
    fn too_few_taps_measure_nothing() {
        let mut take = Take::default();
        for c in clicks().iter().take(MIN_PAIRS - 1) {
            take.hits.push(tap(c.as_millis_f64() + 20.0, Lane::Snare));
        }
        assert_eq!(
            measure_audio_offset(&take, &clicks(), Offsets::default()),
            None
        );
    }
}
