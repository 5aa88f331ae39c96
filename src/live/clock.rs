//! Clocks of a live capture: the capture clock every event is placed on, and the per-connection
//! rule that turns a backend's timestamps into capture-clock times.
//!
//! midir stamps each input message in microseconds "since an unspecified point that does not
//! change during the life of one connection". On ALSA and WinMM/WinRT every connection has its
//! own epoch; on CoreMIDI and JACK the epoch is shared but the stamp may lag or lead the moment
//! the callback runs. pocket therefore reads its own monotonic clock first thing in the
//! callback (`now`) and keeps, per connection, `offset = min(now − stamp)` over a sliding
//! window ([`CLOCK_WINDOW`]). The event's time is `stamp + offset`: the backend's precise
//! spacing between events, placed on the capture clock by the fastest delivery seen lately.
//! Delivery delays (a callback woken late) only ever make `now − stamp` larger, so the minimum
//! discards them; the sliding window follows slow drift between the two clocks.
//!
//! pocket's own JACK client needs none of that: it stamps each event with its frame on the
//! server's frame clock ([`FrameClock`]), and the session maps frames to time with one linear
//! map, t = (frame − frame at the capture clock's zero) / rate, exact to the sample.

use crate::time::Nanos;
use std::collections::VecDeque;
use std::time::Instant;

/// How far back the minimum of `now − stamp` looks.
pub const CLOCK_WINDOW: Nanos = Nanos(30_000_000_000);

/// The capture clock: nanoseconds since the capture started, optionally running `speed` times
/// faster than real time (replays with `--speed N`; 1.0 for live capture).
#[derive(Debug, Clone, Copy)]
pub struct CaptureClock {
    epoch: Instant,
    speed: f64,
}

impl CaptureClock {
    /// A clock whose zero is now, running at real speed.
    pub fn start() -> CaptureClock {
        CaptureClock::with_speed(1.0)
    }

    /// A clock whose zero is now, running `speed` times faster than real time (values that are
    /// not positive and finite are taken as 1).
    pub fn with_speed(speed: f64) -> CaptureClock {
        CaptureClock {
            epoch: Instant::now(),
            speed: if speed.is_finite() && speed > 0.0 {
                speed
            } else {
                1.0
            },
        }
    }

    /// The speed relative to real time.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The capture-clock time of an instant (instants before the epoch give 0).
    #[inline]
    pub fn at(&self, instant: Instant) -> Nanos {
        let real = instant.saturating_duration_since(self.epoch).as_nanos();
        let real = i64::try_from(real).unwrap_or(i64::MAX);
        if self.speed == 1.0 {
            Nanos(real)
        } else {
            Nanos((real as f64 * self.speed) as i64)
        }
    }

    /// The capture-clock time now.
    #[inline]
    pub fn now(&self) -> Nanos {
        self.at(Instant::now())
    }

    /// The real instant at which the capture clock reads `t`.
    pub fn instant_of(&self, t: Nanos) -> Instant {
        let real_ns = (t.0.max(0) as f64 / self.speed) as u64;
        self.epoch + std::time::Duration::from_nanos(real_ns)
    }
}

/// The frame clock of pocket's JACK client, placed on the capture clock: frames are counted
/// from the frame at the capture clock's zero, and t = frame / rate. One linear map for the
/// whole session (not a per-cycle conversion, which would add the scheduler's jitter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameClock {
    /// Frames per second.
    pub rate: u32,
}

impl FrameClock {
    /// The capture-clock time of `frame` (frames from the capture's zero), to the nearest ns.
    pub fn time(&self, frame: i64) -> Nanos {
        let rate = i128::from(self.rate.max(1));
        let num = i128::from(frame) * 1_000_000_000;
        // Round half away from zero.
        let t = if num >= 0 {
            (num + rate / 2) / rate
        } else {
            (num - rate / 2) / rate
        };
        Nanos(i64::try_from(t).unwrap_or(if t < 0 { i64::MIN } else { i64::MAX }))
    }

    /// The frame (from the capture's zero) at capture-clock time `t`, to the nearest frame.
    pub fn frame(&self, t: Nanos) -> i64 {
        let num = i128::from(t.0) * i128::from(self.rate);
        let t = if num >= 0 {
            (num + 500_000_000) / 1_000_000_000
        } else {
            (num - 500_000_000) / 1_000_000_000
        };
        i64::try_from(t).unwrap_or(if t < 0 { i64::MIN } else { i64::MAX })
    }
}

/// Per-connection mapping from backend stamps (µs) to capture-clock times, by the
/// `min(now − stamp)` rule (see the module docs).
#[derive(Debug, Clone)]
pub struct ConnectionClock {
    window: Nanos,
    /// Candidates for the minimum: (capture time seen, offset), offsets increasing from front
    /// to back, so the front is the minimum of the window.
    candidates: VecDeque<(Nanos, i64)>,
}

impl Default for ConnectionClock {
    fn default() -> ConnectionClock {
        ConnectionClock::new(CLOCK_WINDOW)
    }
}

impl ConnectionClock {
    /// A clock with a sliding window of `window`.
    pub fn new(window: Nanos) -> ConnectionClock {
        ConnectionClock {
            window,
            candidates: VecDeque::with_capacity(64),
        }
    }

    /// Forgets everything (a new connection has a new epoch).
    pub fn reset(&mut self) {
        self.candidates.clear();
    }

    /// The capture-clock time of an event stamped `stamp_us` by the backend whose callback
    /// read the capture clock at `now`.
    pub fn time(&mut self, stamp_us: u64, now: Nanos) -> Nanos {
        let stamp_ns = i64::try_from(stamp_us)
            .unwrap_or(i64::MAX / 1000)
            .saturating_mul(1000);
        let offset = now.0.saturating_sub(stamp_ns);
        while self.candidates.back().is_some_and(|&(_, o)| o >= offset) {
            self.candidates.pop_back();
        }
        self.candidates.push_back((now, offset));
        let oldest = now.saturating_sub(self.window);
        while self.candidates.len() > 1 && self.candidates.front().is_some_and(|&(t, _)| t < oldest)
        {
            self.candidates.pop_front();
        }
        let min = self.candidates.front().map_or(offset, |&(_, o)| o);
        Nanos(stamp_ns.saturating_add(min))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_delivery_is_removed_by_the_minimum() {
        let mut c = ConnectionClock::default();
        // Epoch of the connection: stamp 1_000_000 µs = capture time 10 ms.
        assert_eq!(c.time(1_000_000, Nanos(10_000_000)), Nanos(10_000_000));
        // The next event was stamped 5 ms later but delivered 3 ms late.
        assert_eq!(c.time(1_005_000, Nanos(18_000_000)), Nanos(15_000_000));
    }

    #[test]
    fn a_faster_delivery_lowers_the_offset() {
        let mut c = ConnectionClock::default();
        c.time(0, Nanos(4_000_000));
        assert_eq!(c.time(10_000, Nanos(11_000_000)), Nanos(11_000_000));
    }

    #[test]
    fn old_minima_leave_the_window() {
        let mut c = ConnectionClock::new(Nanos(1_000_000_000));
        c.time(0, Nanos(0)); // offset 0
                             // Two seconds later every event arrives 2 ms late: after the window, the offset follows.
        let t = c.time(2_000_000, Nanos(2_002_000_000));
        assert_eq!(
            t,
            Nanos(2_002_000_000),
            "the old minimum has left the window"
        );
        assert_eq!(
            c.time(2_010_000, Nanos(2_012_500_000)),
            Nanos(2_012_000_000)
        );
    }

    #[test]
    fn separate_epochs_land_on_one_clock() {
        let mut a = ConnectionClock::default();
        let mut b = ConnectionClock::default();
        // Two kits hit together at capture time 1 s; their stamps have unrelated epochs.
        let ta = a.time(77_000_000, Nanos(1_000_000_000));
        let tb = b.time(5, Nanos(1_000_000_000));
        assert_eq!(ta, tb);
    }

    #[test]
    fn frames_map_to_time_by_one_linear_rule() {
        let c = FrameClock { rate: 48_000 };
        assert_eq!(c.time(0), Nanos(0));
        assert_eq!(c.time(48_000), Nanos(1_000_000_000));
        // 7 ms at 48 kHz is 336 frames exactly.
        assert_eq!(c.time(336), Nanos(7_000_000));
        // One frame is 20833.33 ns: rounded to the nearest ns, both signs.
        assert_eq!(c.time(1), Nanos(20_833));
        assert_eq!(c.time(-1), Nanos(-20_833));
        // Ten hours of frames stay exact (no drift from per-cycle conversion).
        let ten_hours = 48_000i64 * 36_000;
        assert_eq!(c.time(ten_hours), Nanos(36_000_000_000_000));
        for f in [-5i64, 0, 1, 2, 335, 336, 48_001, 1 << 33] {
            assert_eq!(c.frame(c.time(f)), f, "frame {f} survives the round trip");
        }
        let odd = FrameClock { rate: 44_100 };
        assert_eq!(odd.time(441), Nanos(10_000_000));
        assert_eq!(odd.frame(Nanos(10_000_000)), 441);
    }

    #[test]
    fn speed_scales_the_capture_clock() {
        let c = CaptureClock::with_speed(4.0);
        let i = c.instant_of(Nanos(4_000_000_000));
        let t = c.at(i);
        assert!((t.0 - 4_000_000_000).abs() < 1_000, "{t:?}");
    }
}
