//! The real-time side: a thread that decodes, resamples, mixes and stretches ahead of the
//! output and writes device-rate frames into a lock-free ring ([`rtrb`]), and the
//! [`Reader`] that an audio callback drains.
//!
//! [`Reader::fill`] is all of pocket's backing code in an audio callback: it copies frames out
//! of the ring into the callback's buffers and returns. No allocation, lock, I/O or logging.
//! When the ring runs dry before the song has ended, the missing frames are silence and are
//! counted as an underrun ([`Reader::underruns`], [`Feed::underruns`]): never silent.

use super::error::BackingError;
use super::mix::{Mix, Stem};
use super::plan::Plan;
use super::resample::Resample;
use super::stream::{Frames, Pass, Sliced};
use super::stretch::Stretch;
use crate::time::Nanos;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Frames the feed thread writes per step.
const BLOCK: usize = 1024;
/// Default ring size: 2 s at 48 kHz. The feed thread keeps it full, so a decoder stalled by
/// a slow disk for up to that long is not heard.
pub const DEFAULT_RING_FRAMES: usize = 96_000;

/// Which part of the audio plays, in the chart's time (before any tempo change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slice {
    /// Chart time where playing starts.
    pub start: Nanos,
    /// Chart time where a pass ends (`None`: the end of the audio).
    pub end: Option<Nanos>,
    /// How many passes (1 or more); a loop needs an `end`.
    pub passes: u32,
}

/// How the backing plays.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The output's sample rate, Hz.
    pub device_rate: u32,
    /// Playing speed as a factor of the original (0.8 for `80%`), pitch kept.
    pub tempo: f64,
    /// Part of the song to play (`None`: all of it, once).
    pub slice: Option<Slice>,
    /// Mono frames at the device rate played before the song (a count-in's clicks); the
    /// song starts right after them.
    pub lead_in: Vec<f32>,
    /// Ring capacity, frames.
    pub ring_frames: usize,
}

impl Settings {
    /// The whole song at its own tempo on a `device_rate` output.
    pub fn new(device_rate: u32) -> Settings {
        Settings {
            device_rate,
            tempo: 1.0,
            slice: None,
            lead_in: Vec::new(),
            ring_frames: DEFAULT_RING_FRAMES,
        }
    }
}

/// Where the chart sits in the output, and every delay that went into it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    /// The output's sample rate, Hz.
    pub device_rate: u32,
    /// The output frame (counted from the first frame [`Reader::fill`] writes) at which the
    /// sample of chart time zero is written; fractional, exact to the resampler's precision.
    /// Negative when the slice starts after chart zero. The time it is heard adds the
    /// output's own latency, which only the audio API knows.
    pub chart_zero_frame: f64,
    /// Frames of count-in before the song.
    pub lead_in_frames: usize,
    /// The resampler's delay (rubato's `output_delay`), device frames, before the stretch.
    pub resampler_delay_frames: usize,
    /// Playing speed (output frames per chart frame are `1 / tempo`).
    pub tempo: f64,
    /// The stretcher's largest time-map error, frames (0 at tempo 1).
    pub stretch_tolerance_frames: usize,
    /// Output frames between two passes of a looped slice.
    pub pass_frames: Option<f64>,
}

impl Timing {
    /// The output frame at which chart time `t` of the first pass is written.
    pub fn frame_of(&self, t: Nanos) -> f64 {
        self.chart_zero_frame + t.as_secs_f64() * f64::from(self.device_rate) / self.tempo
    }
}

/// State shared by the feed thread, the reader and the handle.
#[derive(Debug, Default)]
struct Shared {
    /// The feed thread has written its last frame (or stopped on an error).
    done: AtomicBool,
    /// Asked to stop.
    stop: AtomicBool,
    underrun_events: AtomicU64,
    underrun_frames: AtomicU64,
    /// Why the feed thread stopped early. Only the feed thread and the handle touch it.
    error: Mutex<Option<BackingError>>,
}

/// The audio callback's end: copies ready frames out of the ring.
#[derive(Debug)]
pub struct Reader {
    ring: rtrb::Consumer<f32>,
    shared: Arc<Shared>,
    timing: Timing,
    filled: u64,
    underrun_events: u64,
    underrun_frames: u64,
}

impl Reader {
    /// Fills `left` and `right` (equal lengths; the shorter one bounds both) with the next
    /// frames. Real-time safe: no allocation, lock, I/O or logging. Frames the ring does not
    /// have are silence; before the song's end they are counted as an underrun.
    pub fn fill(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let available = self.ring.slots() / 2;
        let take = n.min(available);
        if take > 0 {
            if let Ok(chunk) = self.ring.read_chunk(take * 2) {
                let (a, b) = chunk.as_slices();
                let mut samples = a.iter().chain(b.iter());
                for i in 0..take {
                    left[i] = samples.next().copied().unwrap_or(0.0);
                    right[i] = samples.next().copied().unwrap_or(0.0);
                }
                chunk.commit_all();
            }
        }
        for i in take..n {
            left[i] = 0.0;
            right[i] = 0.0;
        }
        if take < n && !self.shared.done.load(Ordering::Acquire) {
            // The feed may have finished between the two reads: only frames it still owed
            // count, and it owes none once done.
            let missing = (n - take) as u64;
            self.underrun_events += 1;
            self.underrun_frames += missing;
            self.shared.underrun_events.fetch_add(1, Ordering::Relaxed);
            self.shared
                .underrun_frames
                .fetch_add(missing, Ordering::Relaxed);
        }
        self.filled += n as u64;
    }

    /// Where the chart sits in this output (see [`Timing::chart_zero_frame`]).
    pub fn chart_zero_frame(&self) -> f64 {
        self.timing.chart_zero_frame
    }

    /// Every delay and the output frame of chart zero.
    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// Frames ready in the ring (real-time safe).
    pub fn ready_frames(&self) -> usize {
        self.ring.slots() / 2
    }

    /// Frames written by [`fill`](Self::fill) so far.
    pub fn frames_filled(&self) -> u64 {
        self.filled
    }

    /// Calls of [`fill`](Self::fill) that found the ring short before the song's end.
    pub fn underruns(&self) -> u64 {
        self.underrun_events
    }

    /// Frames of silence written in place of audio that was not ready.
    pub fn underrun_frames(&self) -> u64 {
        self.underrun_frames
    }

    /// Whether the song has been played out (the feed is done and the ring is empty).
    pub fn is_finished(&self) -> bool {
        self.shared.done.load(Ordering::Acquire) && self.ring.slots() == 0
    }
}

/// The handle on the feed thread, for the non-real-time side.
#[derive(Debug)]
pub struct Feed {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// What the feed reported at its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedStats {
    /// Underruns (callbacks that found the ring short before the song's end).
    pub underruns: u64,
    /// Frames of silence written for them.
    pub underrun_frames: u64,
}

impl Feed {
    /// Underruns so far (see [`Reader::underruns`]).
    pub fn underruns(&self) -> FeedStats {
        FeedStats {
            underruns: self.shared.underrun_events.load(Ordering::Relaxed),
            underrun_frames: self.shared.underrun_frames.load(Ordering::Relaxed),
        }
    }

    /// Whether the feed thread has stopped (at the end of the song, or on an error).
    pub fn is_done(&self) -> bool {
        self.shared.done.load(Ordering::Acquire)
    }

    /// Takes the error that stopped the feed early, if any (a file damaged mid-song).
    pub fn take_error(&self) -> Option<BackingError> {
        self.shared.error.lock().ok().and_then(|mut e| e.take())
    }

    /// Stops the feed thread and waits for it; returns the error that stopped it early, if
    /// any, else the underrun counts.
    pub fn stop(mut self) -> Result<FeedStats, BackingError> {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        match self.take_error() {
            Some(e) => Err(e),
            None => Ok(self.underruns()),
        }
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The whole chain of `plan` at `settings`, and its timing. Opens every file (so a missing
/// or undecodable one is reported now, naming it).
pub fn chain(plan: &Plan, settings: &Settings) -> Result<(Box<dyn Frames>, Timing), BackingError> {
    if settings.device_rate == 0 {
        return Err(BackingError::Settings(
            "the output's sample rate is 0".into(),
        ));
    }
    let slice = settings.slice.unwrap_or(Slice {
        start: Nanos(0),
        end: None,
        passes: 1,
    });
    if slice.passes > 1 && slice.end.is_none() {
        return Err(BackingError::Settings(
            "a loop needs the end of the slice to repeat".into(),
        ));
    }
    if slice.end.is_some_and(|e| e <= slice.start) {
        return Err(BackingError::Settings("the slice to play is empty".into()));
    }
    let start_s = slice.start.as_secs_f64();
    let end_s = slice.end.map(|e| e.as_secs_f64());
    let audio_start_s = plan.audio_start.as_secs_f64();
    let rd = settings.device_rate;
    let mut resampled = Vec::new();
    let mut first: Option<(Pass, u32)> = None;
    for path in &plan.stems {
        let probe = super::decode::Decoder::open(path)?;
        let rate = probe.rate();
        drop(probe);
        let pass = Pass::of(start_s, end_s, audio_start_s, rate);
        first.get_or_insert((pass, rate));
        let sliced = Sliced::open(path, pass, slice.passes)?;
        let r = Resample::new(sliced, path.clone(), rate, rd)?;
        resampled.push(r);
    }
    let Some((pass, rate)) = first else {
        return Err(BackingError::Settings("nothing to play".into()));
    };
    let delay = resampled
        .iter()
        .map(|r| r.delay_frames())
        .max()
        .unwrap_or(0);
    let stems = resampled
        .into_iter()
        .map(|r| Stem {
            pad: delay - r.delay_frames(),
            frames: Box::new(r) as Box<dyn Frames>,
        })
        .collect();
    let ratio = f64::from(rd) / f64::from(rate);
    let file_start_pre = delay as f64 + (pass.lead as f64 - pass.skip as f64) * ratio;
    let chart_zero_pre = file_start_pre - audio_start_s * f64::from(rd);
    let stretch = Stretch::new(Mix::new(stems), rd, settings.tempo)?;
    let tolerance = if settings.tempo == 1.0 {
        0
    } else {
        stretch.tolerance_frames()
    };
    let lead_in_frames = settings.lead_in.len();
    let timing = Timing {
        device_rate: rd,
        chart_zero_frame: lead_in_frames as f64 + chart_zero_pre / settings.tempo,
        lead_in_frames,
        resampler_delay_frames: delay,
        tempo: settings.tempo,
        stretch_tolerance_frames: tolerance,
        pass_frames: (slice.passes > 1)
            .then(|| pass.length.map(|l| l as f64 * ratio / settings.tempo))
            .flatten(),
    };
    let chain: Box<dyn Frames> = if lead_in_frames > 0 {
        // The count-in ends where the slice's start is heard, after the resampler's delay:
        // its clicks move that many frames later, over the song's first frames.
        let zero_pre = chart_zero_pre + start_s * f64::from(rd);
        let shift = (zero_pre / settings.tempo).round().max(0.0) as usize;
        let mut clicks = vec![0.0; shift];
        clicks.extend_from_slice(&settings.lead_in);
        Box::new(LeadIn {
            clicks,
            lead: lead_in_frames,
            at: 0,
            then: Box::new(stretch),
        })
    } else {
        Box::new(stretch)
    };
    Ok((chain, timing))
}

/// A count-in's clicks, then the song: `lead` frames of the clicks alone, then the song with
/// the rest of the clicks (those moved past the lead by the resampler's delay) mixed over it.
struct LeadIn {
    clicks: Vec<f32>,
    lead: usize,
    /// Output frames so far.
    at: usize,
    then: Box<dyn Frames>,
}

impl Frames for LeadIn {
    fn pull(
        &mut self,
        left: &mut Vec<f32>,
        right: &mut Vec<f32>,
        want: usize,
    ) -> Result<usize, BackingError> {
        if self.at < self.lead {
            let n = (self.lead - self.at).min(want);
            left.extend_from_slice(&self.clicks[self.at..self.at + n]);
            right.extend_from_slice(&self.clicks[self.at..self.at + n]);
            self.at += n;
            return Ok(n);
        }
        let before = left.len();
        let n = self.then.pull(left, right, want)?;
        if let Some(rest) = self.clicks.get(self.at..) {
            for ((l, r), c) in left[before..]
                .iter_mut()
                .zip(&mut right[before..])
                .zip(rest)
            {
                *l += c;
                *r += c;
            }
        }
        self.at += n;
        Ok(n)
    }
}

/// Opens `plan`, starts the feed thread and waits until the ring is full (or the song is
/// shorter than the ring): the [`Reader`] for the audio callback and the [`Feed`] handle.
pub fn start(plan: &Plan, settings: &Settings) -> Result<(Reader, Feed), BackingError> {
    let (mut frames, timing) = chain(plan, settings)?;
    let ring_frames = settings.ring_frames.max(2 * BLOCK);
    let (mut producer, consumer) = rtrb::RingBuffer::<f32>::new(ring_frames * 2);
    let shared = Arc::new(Shared::default());
    let feed_shared = Arc::clone(&shared);
    let thread = std::thread::Builder::new()
        .name("pocket-backing".into())
        .spawn(move || {
            let shared = feed_shared;
            let mut l = Vec::with_capacity(BLOCK);
            let mut r = Vec::with_capacity(BLOCK);
            while !shared.stop.load(Ordering::Acquire) {
                if producer.slots() < 2 * BLOCK {
                    std::thread::sleep(Duration::from_millis(2));
                    continue;
                }
                l.clear();
                r.clear();
                match frames.pull(&mut l, &mut r, BLOCK) {
                    Ok(0) => break,
                    Ok(n) => {
                        if let Ok(chunk) = producer.write_chunk_uninit(2 * n) {
                            let samples = l.iter().zip(&r).flat_map(|(a, b)| [*a, *b]);
                            let written = chunk.fill_from_iter(samples);
                            debug_assert_eq!(written, 2 * n);
                        }
                    }
                    Err(e) => {
                        if let Ok(mut slot) = shared.error.lock() {
                            *slot = Some(e);
                        }
                        break;
                    }
                }
            }
            shared.done.store(true, Ordering::Release);
        })
        .map_err(|e| BackingError::Settings(format!("cannot start the audio feed thread: {e}")))?;
    // Wait for the ring to fill before the first callback can ask for frames.
    while !shared.done.load(Ordering::Acquire) && consumer.slots() < 2 * (ring_frames - 2 * BLOCK) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let feed = Feed {
        shared: Arc::clone(&shared),
        thread: Some(thread),
    };
    if let Some(e) = feed.take_error() {
        return Err(e);
    }
    Ok((
        Reader {
            ring: consumer,
            shared,
            timing,
            filled: 0,
            underrun_events: 0,
            underrun_frames: 0,
        },
        feed,
    ))
}
