//! Latency calibration: latency offsets suggested from what a player played (saved as latency
//! profiles, [`crate::latency`]).
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
//!   [`tap_calibration`] runs the tapping as a live session whose count-in is the click.
//!
//! Either way the figure is the kit plus the player: a drummer's habit of playing ahead of a
//! click (common, and larger on the kick) is measured too. docs/calibration.md says how to
//! measure the kit alone.

use crate::chart::{Chart, ChartInfo};
use crate::error::{InputError, Place};
use crate::formats::LoadedTake;
use crate::kit::KitMap;
use crate::live::session::{self, PlayerSource, PlayerSpec, SessionOptions, Start};
use crate::live::LiveError;
use crate::matching::Offsets;
use crate::score::{self, PlayerInput, ScoreOptions, Timing, TimingPreset};
use crate::take::Take;
use crate::tempo::{Tempo, TempoMap, TimeSignature};
use crate::time::Nanos;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Half-width of the window in which hits are paired with notes for [`suggest_from_take`].
pub const WIDE_WINDOW: Nanos = Nanos::from_millis(200);
/// Pairs further than this from the first median are dropped by [`suggest_from_take`].
pub const TRIM: Nanos = Nanos::from_millis(50);
/// Fewest pairs in a limb group for a suggestion.
pub const MIN_PAIRS: usize = 4;
/// What every calibration measures, for the terminal and the docs.
pub const KIT_PLUS_PLAYER: &str = "this measures the kit plus the player: a habit of playing ahead of (or behind) the click is included. To measure the kit alone, see docs/calibration.md (one stick on two pads, or one trigger into two modules).";

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
pub(crate) fn median_sorted(v: &[Nanos]) -> Option<Nanos> {
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

/// Taps paired with clicks: each hit is paired with the nearest click (`clicks` in time order,
/// on the take's clock); hits more than a quarter of the local beat (the gap between that
/// click and its neighbour) off are dropped. Returns each kept tap's signed offset from its
/// click with whether it was played by a foot, and the drops as `[hands, feet]`.
pub fn pair_taps(take: &Take, clicks: &[Nanos]) -> (Vec<(Nanos, bool)>, [usize; 2]) {
    let mut kept = Vec::new();
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
        kept.push((d, foot));
    }
    (kept, dropped)
}

/// Suggests offsets from taps against a click ([`pair_taps`]): the median per limb group.
pub fn suggest_from_taps(take: &Take, clicks: &[Nanos]) -> Suggestion {
    let (kept, dropped) = pair_taps(take, clicks);
    let pick = |foot: bool| -> Vec<Nanos> {
        kept.iter()
            .filter(|(_, f)| *f == foot)
            .map(|(d, _)| *d)
            .collect()
    };
    // The quarter-beat rule already dropped the outliers; no second trim.
    let mut s = Suggestion {
        hands: robust_measure(pick(false), Nanos::MAX),
        feet: robust_measure(pick(true), Nanos::MAX),
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

// ---------------------------------------------------------------------------------------------
// Tap calibration through the live path

/// Bars of listening before the tapping of a tap calibration.
pub const TAP_LEAD_BARS: u32 = 2;
/// File name of a tap calibration's chart in its session directory.
pub const TAP_CHART_FILE: &str = "calibration-chart.json";

/// A tap calibration: one player taps quarter notes with a click for a few bars. It runs as a
/// live session against a chart of no notes ([`tap_chart`]) whose count-in is the click.
#[derive(Debug, Clone)]
pub struct Taps {
    /// The player's name.
    pub name: String,
    /// A live kit's port, or the capture log of an earlier tap calibration replayed.
    pub source: PlayerSource,
    /// Kit map for reading the kit (`None`: as a live session picks one).
    pub kit: Option<KitMap>,
    /// Tempo of the click, beats per minute.
    pub bpm: f64,
    /// Bars of tapping, after [`TAP_LEAD_BARS`] bars of listening.
    pub bars: u32,
    /// MIDI output for the click.
    pub click_port: Option<String>,
    /// Replay speed (1 = real time).
    pub speed: f64,
    /// The session directory (created).
    pub out_dir: PathBuf,
    /// Set to stop the session early (signals).
    pub stop: Arc<AtomicBool>,
}

/// What a tap calibration measured.
#[derive(Debug)]
pub struct TapOutcome {
    /// The offsets measured per limb group.
    pub suggestion: Suggestion,
    /// The player's taps, read back from the capture log.
    pub take: LoadedTake,
    /// How many clicks the taps were paired with.
    pub clicks: usize,
    /// The capture log.
    pub capture: PathBuf,
    /// The stable name of the kit's port, as the capture log recorded it.
    pub port: Option<String>,
    /// Warnings about the capture (lost ports, overflows).
    pub warnings: Vec<String>,
}

/// Why a tap calibration could not run.
#[derive(Debug, thiserror::Error)]
pub enum TapError {
    /// The session directory cannot be created.
    #[error("cannot create {}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The calibration chart cannot be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The session could not start or finish.
    #[error(transparent)]
    Live(#[from] LiveError),
    /// The chart could not be made, or the capture could not be read back.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The click track of an audio calibration cannot be rendered or written.
    #[error(transparent)]
    Audio(#[from] crate::audio::AudioError),
}

/// Runs a tap calibration: writes the click's chart to the session directory, captures the
/// player through the live path until a beat after the last click, and pairs the taps with the
/// clicks as they left pocket (the scheduled clicks when none was sent) ([`suggest_from_taps`]).
pub fn tap_calibration(taps: Taps) -> Result<TapOutcome, TapError> {
    let chart = tap_chart(taps.bpm)?;
    std::fs::create_dir_all(&taps.out_dir).map_err(|source| TapError::CreateDir {
        path: taps.out_dir.clone(),
        source,
    })?;
    let chart_path = taps.out_dir.join(TAP_CHART_FILE);
    crate::formats::write_whole(
        &chart_path,
        crate::formats::chart_json::write_chart(&chart).as_bytes(),
    )
    .map_err(|source| TapError::Write {
        path: chart_path.clone(),
        source,
    })?;

    let bars = TAP_LEAD_BARS + taps.bars;
    let scheduled: Vec<Nanos> = session::count_in_clicks(&chart, bars)
        .into_iter()
        .map(|c| c.0)
        .collect();
    let span = -scheduled.first().copied().unwrap_or(Nanos::ZERO);
    let beat = Nanos::from_secs_f64(60.0 / taps.bpm).unwrap_or(Nanos::ZERO);
    let mut opts = SessionOptions::new(&taps.out_dir);
    opts.chart = Some(chart_path);
    opts.players.push(PlayerSpec {
        name: taps.name.clone(),
        source: taps.source,
        kit: taps.kit.clone(),
        offsets: Offsets::default(),
    });
    opts.start = Start::CountIn;
    opts.count_in_bars = bars;
    opts.click_port = taps.click_port;
    // The session starts its clicks half a second in; stop a beat after the last one.
    opts.duration = Some(Nanos::from_millis(500) + span + beat);
    opts.speed = taps.speed;
    opts.stop = taps.stop;
    let outcome = session::run(opts)?;

    let cap = crate::formats::capture_log::read_capture(&outcome.capture)?;
    let zero = cap.effective_time_zero();
    let clicks: Vec<Nanos> = if cap.clicks.is_empty() {
        scheduled
    } else {
        cap.clicks.iter().map(|c| c.time - zero).collect()
    };
    let spec = format!("{}#player={}", outcome.capture.display(), taps.name);
    let take = crate::formats::load_take(&spec, taps.kit.as_ref())?;
    let suggestion = suggest_from_taps(&take.take, &clicks);
    let port = cap
        .header
        .players
        .first()
        .and_then(|p| cap.header.ports.iter().find(|q| q.index == p.port))
        .map(|q| q.name.clone());
    Ok(TapOutcome {
        suggestion,
        take,
        clicks: clicks.len(),
        capture: outcome.capture,
        port,
        warnings: outcome.warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::Note;
    use crate::lane::{Dynamic, Lane};
    use crate::take::{Hit, Source};
    use crate::time::Ticks;

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
