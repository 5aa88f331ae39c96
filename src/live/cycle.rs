//! What pocket's JACK client does in each process cycle, apart from the JACK calls: extend
//! JACK's 32-bit frame counter into the session's frames, notice when the frame clock jumps,
//! and say which scheduled MIDI messages (the count-in clicks) fall in this cycle and at which
//! offset. Kept free of the JACK library so that tests and benches run it without a server.
//!
//! Frames are counted from the frame at the capture clock's zero (`frame zero`), as signed
//! 64-bit numbers: JACK's `jack_nframes_t` wraps every 2^32 frames (about 25 hours at 48 kHz);
//! each cycle's start is placed by its difference from the previous cycle's, so the count goes
//! on across the wrap.
//!
//! Everything here is real-time safe: no allocation (the schedule is built before the client
//! starts), no lock, no I/O.

use super::ring::EventSender;

/// Extends JACK's 32-bit frame times into the session's frames and notices jumps.
#[derive(Debug, Clone)]
pub struct FrameCounter {
    /// JACK's frame time of frame zero (low 32 bits).
    zero: u32,
    /// The last cycle's start: JACK's frame time and the session's frame.
    last: Option<(u32, i64)>,
    /// Where the next cycle should start.
    expected: Option<i64>,
}

impl FrameCounter {
    /// A counter whose frame zero is JACK frame time `zero`.
    pub fn new(zero: u32) -> FrameCounter {
        FrameCounter {
            zero,
            last: None,
            expected: None,
        }
    }

    /// The start of a cycle that JACK says begins at frame time `raw` and lasts `frames`:
    /// the session's frame, and `(expected, actual)` when it does not start where the
    /// previous cycle ended (a jump of the frame clock).
    #[inline]
    pub fn begin(&mut self, raw: u32, frames: u32) -> (i64, Option<(i64, i64)>) {
        let start = match self.last {
            None => i64::from(raw.wrapping_sub(self.zero) as i32),
            Some((prev_raw, prev)) => prev + i64::from(raw.wrapping_sub(prev_raw) as i32),
        };
        let jump = self.expected.filter(|&e| e != start).map(|e| (e, start));
        self.last = Some((raw, start));
        self.expected = Some(start + i64::from(frames));
        (start, jump)
    }
}

/// A MIDI message due at a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheduled {
    /// The session frame it is due at.
    pub frame: i64,
    /// The message (a note on or off).
    pub message: [u8; 3],
    /// Whether sending it is a click to record (the note on of a click).
    pub record: bool,
}

/// Messages to send at exact frames, in order.
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    items: Vec<Scheduled>,
    next: usize,
}

impl Schedule {
    /// A schedule of `items` (sorted by frame here; ties keep their order).
    pub fn new(mut items: Vec<Scheduled>) -> Schedule {
        items.sort_by_key(|s| s.frame);
        Schedule { items, next: 0 }
    }

    /// Sends what is due in the cycle `[start, start + frames)`: `write(offset, message)` for
    /// each, at its frame's offset in the cycle (offset 0 for one whose frame has passed, e.g.
    /// after an xrun), and `sent(frame, message)` for each recorded message `write` accepted,
    /// with the frame it went out at.
    #[inline]
    pub fn due(
        &mut self,
        start: i64,
        frames: u32,
        mut write: impl FnMut(u32, &[u8]) -> bool,
        mut sent: impl FnMut(i64, &[u8]),
    ) {
        let end = start + i64::from(frames);
        while let Some(s) = self.items.get(self.next) {
            if s.frame >= end {
                break;
            }
            let offset = (s.frame - start).clamp(0, i64::from(frames.saturating_sub(1)));
            if write(offset as u32, &s.message) && s.record {
                sent(start + offset, &s.message);
            }
            self.next += 1;
        }
    }

    /// Whether everything has been sent.
    #[cfg(test)]
    pub fn is_done(&self) -> bool {
        self.next >= self.items.len()
    }
}

/// The per-cycle state of pocket's JACK client: frames, the click schedule, and the ring that
/// carries clicks sent and clock jumps to the consumer.
#[derive(Debug)]
pub struct Cycle {
    frames: FrameCounter,
    schedule: Schedule,
    incidents: EventSender,
}

impl Cycle {
    /// The state of a client whose frame zero is JACK frame time `zero`.
    pub fn new(zero: u32, schedule: Schedule, incidents: EventSender) -> Cycle {
        Cycle {
            frames: FrameCounter::new(zero),
            schedule,
            incidents,
        }
    }

    /// Starts a cycle: its first frame (a jump is recorded).
    #[inline]
    pub fn begin(&mut self, raw: u32, frames: u32) -> i64 {
        let (start, jump) = self.frames.begin(raw, frames);
        if let Some((expected, actual)) = jump {
            self.incidents.push_frame_jump(expected, actual);
        }
        start
    }

    /// Sends the scheduled messages due in this cycle through `write` and records the clicks.
    #[inline]
    pub fn send_due(&mut self, start: i64, frames: u32, write: impl FnMut(u32, &[u8]) -> bool) {
        let incidents = &mut self.incidents;
        self.schedule.due(start, frames, write, |frame, message| {
            incidents.push_frame(frame, message);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::clock::CaptureClock;
    use crate::live::ring::{ring, Stamp};

    #[test]
    fn frames_count_on_across_the_wrap_of_jacks_counter() {
        let zero = u32::MAX - 100;
        let mut f = FrameCounter::new(zero);
        assert_eq!(f.begin(zero.wrapping_sub(10), 64), (-10, None));
        assert_eq!(f.begin(zero.wrapping_add(54), 64), (54, None));
        // JACK's counter wraps here.
        assert_eq!(f.begin(zero.wrapping_add(118), 64), (118, None));
        assert_eq!(f.begin(zero.wrapping_add(182), 64), (182, None));
    }

    #[test]
    fn a_cycle_off_the_expected_frame_is_a_jump() {
        let mut f = FrameCounter::new(1000);
        assert_eq!(f.begin(1000, 256), (0, None));
        assert_eq!(f.begin(1256, 256), (256, None));
        // A cycle lost: the next starts 256 frames later than expected.
        assert_eq!(f.begin(1768, 256), (768, Some((512, 768))));
        assert_eq!(f.begin(2024, 256), (1024, None));
    }

    #[test]
    fn scheduled_messages_go_out_at_their_offset_in_their_cycle() {
        let on = |frame: i64| Scheduled {
            frame,
            message: [0x99, 76, 127],
            record: true,
        };
        let off = |frame: i64| Scheduled {
            frame,
            message: [0x89, 76, 0],
            record: false,
        };
        let mut s = Schedule::new(vec![on(100), off(580), on(24_000), off(24_480)]);
        let mut written = Vec::new();
        let mut sent = Vec::new();
        for cycle in 0..30 {
            let start = cycle * 1024;
            s.due(
                start,
                1024,
                |offset, m| {
                    written.push((start + i64::from(offset), m[0]));
                    true
                },
                |frame, _| sent.push(frame),
            );
        }
        assert_eq!(
            written,
            [(100, 0x99), (580, 0x89), (24_000, 0x99), (24_480, 0x89)]
        );
        assert_eq!(sent, [100, 24_000]);
        assert!(s.is_done());
    }

    #[test]
    fn a_message_whose_frame_has_passed_goes_out_first_in_the_cycle() {
        let mut s = Schedule::new(vec![Scheduled {
            frame: 10,
            message: [0x99, 77, 90],
            record: true,
        }]);
        let mut sent = Vec::new();
        s.due(2048, 1024, |o, _| o == 0, |f, _| sent.push(f));
        assert_eq!(sent, [2048], "recorded at the frame it really went out");
    }

    #[test]
    fn clicks_and_jumps_reach_the_incident_ring() {
        let (tx, mut rx) = ring(4096, CaptureClock::start());
        let schedule = Schedule::new(vec![Scheduled {
            frame: 300,
            message: [0x99, 76, 127],
            record: true,
        }]);
        let mut c = Cycle::new(5, schedule, tx);
        let s0 = c.begin(5, 256);
        c.send_due(s0, 256, |_, _| true);
        let s1 = c.begin(261, 256);
        c.send_due(s1, 256, |_, _| true);
        let s2 = c.begin(1000, 256);
        c.send_due(s2, 256, |_, _| true);
        let mut buf = [0u8; 16];
        let got: Vec<Stamp> = std::iter::from_fn(|| rx.pop(&mut buf).map(|r| r.stamp)).collect();
        assert_eq!(
            got,
            [
                Stamp::Frame(300),
                Stamp::FrameJump {
                    expected: 512,
                    actual: 995
                }
            ]
        );
    }
}
