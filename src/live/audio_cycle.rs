//! What pocket's JACK client does with the backing audio in each process cycle, apart from the
//! JACK calls: write silence until the frame the audio is due to start at, then the backing's
//! frames ([`Reader::fill`]) from that frame's offset in the cycle on. Kept free of the JACK
//! library so that tests and benches run it without a server.
//!
//! The start frame is set once, from outside the callback, after the output ports are
//! connected and their latency is known ([`AudioStart::start_at`]); the callback only loads it
//! (an atomic) and records the frame the first sample really went out at. No allocation, lock
//! or I/O.

use crate::backing::Reader;
use crate::time::Nanos;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Not started yet (no start frame set, or none written).
const UNSET: i64 = i64::MAX;

/// The callback's side: the backing's reader and where to start.
#[derive(Debug)]
pub struct AudioCycle {
    reader: Reader,
    start_at: Arc<AtomicI64>,
    started: Arc<AtomicI64>,
    begun: bool,
}

/// The other side: sets the start frame, reads the frame the audio really started at.
#[derive(Debug, Clone)]
pub struct AudioStart {
    start_at: Arc<AtomicI64>,
    started: Arc<AtomicI64>,
}

impl AudioCycle {
    /// A cycle that plays `reader` once told where to start.
    pub fn new(reader: Reader) -> (AudioCycle, AudioStart) {
        let start_at = Arc::new(AtomicI64::new(UNSET));
        let started = Arc::new(AtomicI64::new(UNSET));
        (
            AudioCycle {
                reader,
                start_at: Arc::clone(&start_at),
                started: Arc::clone(&started),
                begun: false,
            },
            AudioStart { start_at, started },
        )
    }

    /// Where chart zero is in the backing's frames.
    pub fn timing(&self) -> crate::backing::Timing {
        self.reader.timing()
    }

    /// Writes the cycle whose first frame is session frame `start` into `left` and `right`
    /// (equal lengths): silence before the start frame, the backing's frames from it on.
    /// Real-time safe.
    #[inline]
    pub fn write(&mut self, start: i64, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let at = self.start_at.load(Ordering::Acquire);
        let end = start.saturating_add(n as i64);
        if !self.begun && (at == UNSET || at >= end) {
            left[..n].fill(0.0);
            right[..n].fill(0.0);
            return;
        }
        let offset = if self.begun {
            0
        } else {
            // A start frame already passed (set too late) starts at once; `started` says so.
            let offset = (at - start).max(0) as usize;
            self.begun = true;
            self.started.store(start + offset as i64, Ordering::Release);
            offset
        };
        left[..offset].fill(0.0);
        right[..offset].fill(0.0);
        self.reader
            .fill(&mut left[offset..n], &mut right[offset..n]);
    }
}

impl AudioStart {
    /// Starts the audio at session frame `frame` (called once).
    pub fn start_at(&self, frame: i64) {
        self.start_at.store(frame, Ordering::Release);
    }

    /// The session frame the first backing frame was written at, once it has been.
    pub fn started(&self) -> Option<i64> {
        Some(self.started.load(Ordering::Acquire)).filter(|&f| f != UNSET)
    }
}

/// The backing audio on pocket's JACK client, before the client starts: what the callback
/// plays, where it goes and when its chart zero must be heard.
#[derive(Debug)]
pub struct JackAudioRequest {
    /// The callback's side.
    pub cycle: AudioCycle,
    /// Its handle.
    pub start: AudioStart,
    /// Full JACK names of the input ports pocket's outputs connect to (left, right; one port
    /// gets both).
    pub destinations: Vec<String>,
    /// Capture-clock time at which the backing's output frame `zero_frame` is to be heard
    /// (before the audio offset): the start frame is chosen from it once the output latency
    /// is known.
    pub heard_at: Nanos,
    /// The backing's output frame of the session's time zero (`Timing::frame_of` of the
    /// slice's start: chart zero when the whole song plays).
    pub zero_frame: f64,
}

/// The backing audio on pocket's JACK client, started.
#[derive(Debug, Clone)]
pub struct JackAudioStarted {
    /// The session frame (frames from the capture clock's zero) the backing's first frame is
    /// written at.
    pub start_frame: i64,
    /// The playback latency range's maximum of pocket's output ports, read after connecting,
    /// frames.
    pub latency_frames: u32,
    /// The server's rate, Hz.
    pub rate: u32,
    /// Each of pocket's output ports and the port it feeds (full JACK names), watched for a
    /// destination that disappears.
    pub links: Vec<(String, String)>,
    /// The handle, to check that the audio started at `start_frame`.
    pub start: AudioStart,
}

impl JackAudioStarted {
    /// The capture-clock time at which the backing's output frame `frame` (counted from its
    /// first, fractional) is heard: its session frame plus the output latency, in ns.
    pub fn heard_time(&self, frame: f64) -> Nanos {
        let at = self.start_frame as f64 + frame + f64::from(self.latency_frames);
        Nanos((at * 1e9 / f64::from(self.rate.max(1))).round() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backing::{start, Feed, Plan, Settings};

    /// A cycle playing 1 s of a constant 0.5 at 48 kHz (its feed and folder kept alive).
    fn constant_cycle() -> (AudioCycle, AudioStart, Feed, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("dc.wav");
        crate::testdata::write_mono_wav16(&path, 48_000, &vec![0.5f32; 48_000]);
        let (reader, feed) = start(&Plan::file(&path), &Settings::new(48_000)).expect("starts");
        let (cycle, handle) = AudioCycle::new(reader);
        (cycle, handle, feed, dir)
    }

    #[test]
    fn silence_until_the_start_frame_then_the_backing_from_its_offset() {
        let (mut cycle, handle, _feed, _dir) = constant_cycle();
        let (mut l, mut r) = (vec![1.0f32; 256], vec![1.0f32; 256]);
        cycle.write(0, &mut l, &mut r);
        assert!(
            l.iter().chain(&r).all(|&x| x == 0.0),
            "silent before a start"
        );
        handle.start_at(256 * 3 + 100);
        for k in 1..3 {
            cycle.write(256 * k, &mut l, &mut r);
            assert!(l.iter().all(|&x| x == 0.0));
        }
        assert_eq!(handle.started(), None);
        cycle.write(256 * 3, &mut l, &mut r);
        assert!(l[..100].iter().all(|&x| x == 0.0));
        assert!(
            l[100..].iter().all(|&x| (x - 0.5).abs() < 1e-3),
            "{:?}",
            &l[95..105]
        );
        assert_eq!(handle.started(), Some(256 * 3 + 100));
        cycle.write(256 * 4, &mut l, &mut r);
        assert!(l.iter().all(|&x| (x - 0.5).abs() < 1e-3));
    }

    #[test]
    fn a_start_frame_already_passed_starts_at_once_and_says_where() {
        let (mut cycle, handle, _feed, _dir) = constant_cycle();
        handle.start_at(10);
        let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
        cycle.write(512, &mut l, &mut r);
        assert_eq!(handle.started(), Some(512));
        assert!(l.iter().all(|&x| (x - 0.5).abs() < 1e-3));
    }

    #[test]
    fn heard_time_adds_the_latency_to_the_frame() {
        let s = JackAudioStarted {
            start_frame: 48_000,
            latency_frames: 480,
            rate: 48_000,
            links: Vec::new(),
            start: AudioStart {
                start_at: Arc::new(AtomicI64::new(UNSET)),
                started: Arc::new(AtomicI64::new(UNSET)),
            },
        };
        assert_eq!(s.heard_time(24_000.0), Nanos::from_millis(1_510));
        assert_eq!(s.heard_time(0.5), Nanos(1_010_010_417));
    }
}
