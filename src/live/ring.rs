//! The real-time hand-off: what runs inside the MIDI callback, and the ring it writes to.
//!
//! [`EventSender::push`] is all of pocket's code in the callback: it reads the capture clock,
//! copies the message into a preallocated lock-free single-producer ring ([`rtrb`]) and returns.
//! No allocation, lock, I/O or logging. When the ring is full the message is dropped and counted
//! (the consumer writes an `overflow` line); it is never lost silently.
//!
//! One ring per connection: each connection's callback is its own producer thread, and the
//! consumer thread drains all rings. A record in the ring is a fixed header followed by the
//! message bytes: `len: u16, kind: u8, a: u64, b: i64` (little-endian), then `len` bytes. The
//! kind says what `a` and `b` hold ([`Stamp`]): a backend's µs stamp and the capture clock read
//! in the callback (midir), or a frame of pocket's JACK client, exact.

use super::clock::CaptureClock;
use crate::formats::capture_log::MAX_MESSAGE_BYTES;
use crate::time::Nanos;
#[cfg(feature = "testing")]
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Bytes of the record header.
const HEADER_BYTES: usize = 2 + 1 + 8 + 8;

const KIND_BACKEND: u8 = 0;
const KIND_FRAME: u8 = 1;
const KIND_FRAME_JUMP: u8 = 2;
const KIND_TIME: u8 = 3;
const KIND_DECIDED: u8 = 4;

/// How a record in the ring was stamped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// A backend's own time stamp (µs since the connection's epoch, midir) and the capture
    /// clock read when the callback ran; the consumer places it with a `ConnectionClock`.
    Backend {
        /// The backend's timestamp, µs since the connection's epoch.
        stamp_us: u64,
        /// The capture clock when the callback ran.
        now: Nanos,
    },
    /// The frame at which the event sits on pocket's JACK client's frame clock, counted from
    /// the frame at the capture clock's zero: exact to the sample.
    Frame(i64),
    /// The frame clock jumped: the cycle that should have started at `expected` started at
    /// `actual` (frames as in [`Stamp::Frame`]). The record has no message bytes.
    FrameJump {
        /// Where the cycle should have started.
        expected: i64,
        /// Where it started.
        actual: i64,
    },
    /// The event's capture-clock time, placed by its sender (an audio input read through cpal,
    /// whose hits are placed by the input's own device clock mapping, `audio_in`).
    Time(Nanos),
    /// An audio input's transcriber has sent every hit of a stroke before this capture-clock
    /// time: the live judge may call that player's notes before it. The record has no
    /// message bytes.
    Decided(Nanos),
}
/// Default ring size per connection: about 50,000 three-byte messages. Real drumming sends at
/// most a few hundred messages a second, so this absorbs a consumer stalled for minutes (a slow
/// disk's fsync, a loaded machine); fast replays push thousands a second and need the room.
pub const DEFAULT_RING_BYTES: usize = 1 << 20;

/// Counters shared by the two ends of a ring.
#[derive(Debug, Default)]
struct Shared {
    /// Messages dropped because the ring was full (or too long for a line).
    lost: AtomicU64,
    /// Set when the producer is gone (the connection was closed).
    closed: AtomicBool,
}

/// The producer end, owned by a connection's callback.
#[derive(Debug)]
pub struct EventSender {
    ring: rtrb::Producer<u8>,
    clock: CaptureClock,
    shared: Arc<Shared>,
}

/// The consumer end, owned by the consumer thread.
#[derive(Debug)]
pub struct EventReceiver {
    ring: rtrb::Consumer<u8>,
    shared: Arc<Shared>,
    /// Lost count already reported.
    reported_lost: u64,
}

/// One message taken from the ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// How it was stamped.
    pub stamp: Stamp,
    /// Number of message bytes written into the caller's buffer.
    pub len: usize,
}

/// A new ring of `bytes` capacity whose producer stamps with `clock`.
pub fn ring(bytes: usize, clock: CaptureClock) -> (EventSender, EventReceiver) {
    let (producer, consumer) = rtrb::RingBuffer::new(bytes.max(HEADER_BYTES + 3));
    let shared = Arc::new(Shared::default());
    (
        EventSender {
            ring: producer,
            clock,
            shared: Arc::clone(&shared),
        },
        EventReceiver {
            ring: consumer,
            shared,
            reported_lost: 0,
        },
    )
}

/// A function called with `true` on entering and `false` on leaving [`EventSender::push`], for
/// tests that check what happens inside pocket's part of the callback (e.g. that nothing is
/// allocated there). Set with [`set_callback_probe`]. Only in builds with the `testing`
/// feature: a normal build has no probe in the callback at all.
#[cfg(feature = "testing")]
pub type CallbackProbe = fn(bool);

#[cfg(feature = "testing")]
static PROBE: AtomicUsize = AtomicUsize::new(0);

/// Installs (or with `None` removes) the `CallbackProbe` for every callback of the process.
#[cfg(feature = "testing")]
pub fn set_callback_probe(probe: Option<CallbackProbe>) {
    PROBE.store(probe.map_or(0, |f| f as usize), Ordering::SeqCst);
}

#[cfg(feature = "testing")]
#[inline]
pub(crate) fn probe(entering: bool) {
    let p = PROBE.load(Ordering::Relaxed);
    if p != 0 {
        // SAFETY: PROBE only ever holds 0 or a `CallbackProbe` stored by `set_callback_probe`.
        let f: CallbackProbe = unsafe { std::mem::transmute::<usize, CallbackProbe>(p) };
        f(entering);
    }
}

/// Without the `testing` feature the probe compiles to nothing.
#[cfg(not(feature = "testing"))]
#[inline(always)]
pub(crate) fn probe(_entering: bool) {}

impl EventSender {
    /// The callback body: stamps the message with the capture clock, copies it into the ring
    /// and returns. Real-time safe: no allocation, lock, I/O or logging. Returns whether the
    /// message was queued (a full ring or a message longer than a capture line is counted
    /// as lost).
    #[inline]
    pub fn push(&mut self, stamp_us: u64, message: &[u8]) -> bool {
        let now = self.clock.at(Instant::now());
        probe(true);
        let queued = self.push_at(stamp_us, now, message);
        probe(false);
        queued
    }

    /// [`push`](Self::push) with the capture-clock reading given (for replays and benches).
    pub fn push_at(&mut self, stamp_us: u64, now: Nanos, message: &[u8]) -> bool {
        self.push_record(KIND_BACKEND, stamp_us, now.0, message)
    }

    /// Queues a message stamped with its frame on pocket's JACK client's clock (see
    /// [`Stamp::Frame`]). Real-time safe, like [`push`](Self::push).
    #[inline]
    pub fn push_frame(&mut self, frame: i64, message: &[u8]) -> bool {
        self.push_record(KIND_FRAME, frame as u64, 0, message)
    }

    /// Queues a message at capture-clock time `t`, placed by the sender (see [`Stamp::Time`]).
    /// Real-time safe, like [`push`](Self::push).
    pub fn push_time(&mut self, t: Nanos, message: &[u8]) -> bool {
        self.push_record(KIND_TIME, 0, t.0, message)
    }

    /// Queues a jump of the frame clock (see [`Stamp::FrameJump`]). Real-time safe.
    pub fn push_frame_jump(&mut self, expected: i64, actual: i64) -> bool {
        self.push_record(KIND_FRAME_JUMP, expected as u64, actual, &[])
    }

    /// Says that every hit before capture-clock time `t` has been queued (see
    /// [`Stamp::Decided`]). Real-time safe.
    pub fn push_decided(&mut self, t: Nanos) -> bool {
        self.push_record(KIND_DECIDED, 0, t.0, &[])
    }

    fn push_record(&mut self, kind: u8, a: u64, b: i64, message: &[u8]) -> bool {
        let len = message.len();
        let bare = matches!(kind, KIND_FRAME_JUMP | KIND_DECIDED);
        if (len == 0 && !bare) || len > MAX_MESSAGE_BYTES {
            self.shared.lost.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        let total = HEADER_BYTES + len;
        let Ok(mut chunk) = self.ring.write_chunk(total) else {
            self.shared.lost.fetch_add(1, Ordering::Relaxed);
            return false;
        };
        let mut header = [0u8; HEADER_BYTES];
        header[0..2].copy_from_slice(&(len as u16).to_le_bytes());
        header[2] = kind;
        header[3..11].copy_from_slice(&a.to_le_bytes());
        header[11..19].copy_from_slice(&b.to_le_bytes());
        let (x, y) = chunk.as_mut_slices();
        let mut src = header.iter().chain(message.iter());
        for (dst, byte) in x.iter_mut().chain(y.iter_mut()).zip(&mut src) {
            *dst = *byte;
        }
        chunk.commit_all();
        true
    }

    /// The capture clock this sender stamps with.
    pub fn clock(&self) -> CaptureClock {
        self.clock
    }
}

impl Drop for EventSender {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
    }
}

impl EventReceiver {
    /// Takes the next message, writing its bytes into `buf` (which must hold
    /// [`MAX_MESSAGE_BYTES`]); `None` when the ring is empty.
    pub fn pop(&mut self, buf: &mut [u8]) -> Option<Received> {
        let mut header = [0u8; HEADER_BYTES];
        {
            let chunk = self.ring.read_chunk(HEADER_BYTES).ok()?;
            let (a, b) = chunk.as_slices();
            for (dst, src) in header.iter_mut().zip(a.iter().chain(b.iter())) {
                *dst = *src;
            }
            // Dropped uncommitted: the header is read again below with the message, which
            // the producer committed together with it.
        }
        let len = usize::from(u16::from_le_bytes([header[0], header[1]]));
        let chunk = self.ring.read_chunk(HEADER_BYTES + len).ok()?;
        let (a, b) = chunk.as_slices();
        let mut bytes = a.iter().chain(b.iter()).skip(HEADER_BYTES);
        let n = len.min(buf.len());
        for (dst, src) in buf[..n].iter_mut().zip(&mut bytes) {
            *dst = *src;
        }
        chunk.commit_all();
        let mut a = [0u8; 8];
        a.copy_from_slice(&header[3..11]);
        let a = u64::from_le_bytes(a);
        let mut b = [0u8; 8];
        b.copy_from_slice(&header[11..19]);
        let b = i64::from_le_bytes(b);
        let stamp = match header[2] {
            KIND_FRAME => Stamp::Frame(a as i64),
            KIND_FRAME_JUMP => Stamp::FrameJump {
                expected: a as i64,
                actual: b,
            },
            KIND_TIME => Stamp::Time(Nanos(b)),
            KIND_DECIDED => Stamp::Decided(Nanos(b)),
            _ => Stamp::Backend {
                stamp_us: a,
                now: Nanos(b),
            },
        };
        Some(Received { stamp, len: n })
    }

    /// Messages lost since the last call (ring full or message too long).
    pub fn take_lost(&mut self) -> u64 {
        let total = self.shared.lost.load(Ordering::Relaxed);
        let new = total - self.reported_lost;
        self.reported_lost = total;
        new
    }

    /// Whether the producer is gone and everything it queued has been taken.
    pub fn is_finished(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire) && self.ring.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_come_out_as_they_went_in_across_the_wrap() {
        let clock = CaptureClock::start();
        let (mut tx, mut rx) = ring(64, clock);
        let mut buf = vec![0u8; MAX_MESSAGE_BYTES];
        for i in 0..100u64 {
            let msg = [0x99, (i % 128) as u8, 100];
            assert!(tx.push_at(i * 1000, Nanos(i as i64), &msg));
            let r = rx.pop(&mut buf).expect("one message queued");
            assert_eq!(
                r.stamp,
                Stamp::Backend {
                    stamp_us: i * 1000,
                    now: Nanos(i as i64)
                }
            );
            assert_eq!(&buf[..r.len], &msg);
            assert!(rx.pop(&mut buf).is_none());
        }
    }

    #[test]
    fn a_full_ring_counts_what_it_drops() {
        let (mut tx, mut rx) = ring(HEADER_BYTES * 2 + 6, CaptureClock::start());
        assert!(tx.push(1, &[0x99, 36, 100]));
        assert!(tx.push(2, &[0x99, 38, 100]));
        assert!(!tx.push(3, &[0x99, 42, 100]));
        assert_eq!(rx.take_lost(), 1);
        assert_eq!(rx.take_lost(), 0, "each loss is reported once");
        let mut buf = [0u8; 16];
        let us = |r: Received| match r.stamp {
            Stamp::Backend { stamp_us, .. } => stamp_us,
            other => panic!("{other:?}"),
        };
        assert_eq!(rx.pop(&mut buf).map(us), Some(1));
        assert!(!rx.is_finished());
        drop(tx);
        assert_eq!(rx.pop(&mut buf).map(us), Some(2));
        assert!(rx.is_finished());
    }

    #[test]
    fn frame_stamps_and_jumps_come_out_exact() {
        let (mut tx, mut rx) = ring(256, CaptureClock::start());
        assert!(tx.push_frame(-5, &[0x99, 36, 100]));
        assert!(tx.push_frame(1 << 40, &[0x99, 38, 100]));
        assert!(tx.push_frame_jump(2048, 4096));
        assert!(tx.push_time(Nanos(-7), &[0x99, 42, 90]));
        assert!(tx.push_decided(Nanos(123_456_789)));
        let mut buf = [0u8; 16];
        let got: Vec<Stamp> = std::iter::from_fn(|| rx.pop(&mut buf).map(|r| r.stamp)).collect();
        assert_eq!(
            got,
            [
                Stamp::Frame(-5),
                Stamp::Frame(1 << 40),
                Stamp::FrameJump {
                    expected: 2048,
                    actual: 4096
                },
                Stamp::Time(Nanos(-7)),
                Stamp::Decided(Nanos(123_456_789)),
            ]
        );
    }

    #[test]
    fn sysex_fits_whole() {
        let (mut tx, mut rx) = ring(DEFAULT_RING_BYTES, CaptureClock::start());
        let mut sysex = vec![0x42u8; 300];
        sysex[0] = 0xF0;
        sysex[299] = 0xF7;
        assert!(tx.push(7, &sysex));
        let mut buf = vec![0u8; MAX_MESSAGE_BYTES];
        let r = rx.pop(&mut buf).expect("queued");
        assert_eq!(&buf[..r.len], &sysex[..]);
    }
}
