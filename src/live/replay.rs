//! Replays: a recorded take fed through the same ring and consumer as a live port, at real
//! speed or faster (`--replay NAME=TAKE`, `--speed N`). Works without the `midi-io` feature,
//! for demos and tests.
//!
//! Each replayed player is its own "connection": a thread that sleeps until each event is due
//! and calls the same `EventSender::push` a MIDI callback calls, with timestamps on an epoch
//! of its own, so the clock rule of the live clock is exercised exactly as with a real port.

use super::clock::CaptureClock;
use super::ring::EventSender;
use crate::error::{InputError, InputErrorKind, Place};
use crate::event::RawEvent;
use crate::formats::{self, capture_log, smf, Format};
use crate::time::Nanos;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Reads the raw events of a take to replay: a capture log (`FILE#player=NAME` when it holds
/// several players) or a Standard MIDI File (`FILE#channel=N`, `FILE#track=N`). Times are on the
/// take's chart clock (its time zero is 0).
pub fn load_events(spec: &str) -> Result<Vec<RawEvent>, InputError> {
    let parsed = formats::parse_take_spec(spec)?;
    let (path, player) = (parsed.path.as_path(), parsed.player.as_deref());
    match formats::detect(path)? {
        Format::CaptureLog => {
            let cap = capture_log::read_capture(path)?;
            let players = &cap.header.players;
            let index = match player {
                Some(name) => players.iter().position(|p| p.name == name),
                None if players.len() <= 1 => Some(0),
                None => None,
            };
            let Some(index) = index.filter(|&i| i < players.len()) else {
                let names: Vec<String> = players
                    .iter()
                    .map(|p| format!("#player={}", p.name))
                    .collect();
                return Err(InputError::new(
                    path,
                    Place::Line {
                        line: 1,
                        column: None,
                    },
                    InputErrorKind::Malformed(format!(
                        "pick the player to replay by adding one of {} to the file name",
                        names.join(", ")
                    )),
                ));
            };
            Ok(cap.events_for_player(index))
        }
        Format::Smf => Ok(smf::read_events(
            path,
            &smf::SmfTakeOptions {
                selector: parsed.selector,
                port: 0,
            },
        )?
        .events),
        other => Err(InputError::new(
            path,
            Place::File,
            InputErrorKind::Malformed(format!(
                "a {} cannot be replayed; replay a capture log (.jsonl) or a MIDI file (.mid)",
                other.name()
            )),
        )),
    }
}

/// A running replay thread.
#[derive(Debug)]
pub struct ReplayThread {
    handle: JoinHandle<()>,
}

impl ReplayThread {
    /// Starts replaying `events` (chart times) so that chart time 0 falls on capture time
    /// `origin`. Events due before the capture started are sent at once. The thread ends after
    /// the last event or when `stop` is set; `sender` is dropped then, which tells the consumer
    /// the source is finished.
    pub fn spawn(
        name: &str,
        events: Vec<RawEvent>,
        origin: Nanos,
        mut sender: EventSender,
        stop: Arc<AtomicBool>,
    ) -> std::io::Result<ReplayThread> {
        let clock: CaptureClock = sender.clock();
        // A connection epoch of its own, as ALSA gives each connection.
        let epoch_us = 1_000_000 + fastrand::u64(0..1_000_000_000);
        let handle = std::thread::Builder::new()
            .name(format!("pocket-replay-{name}"))
            .spawn(move || {
                for ev in events {
                    let due = origin.saturating_add(ev.time).max(Nanos::ZERO);
                    let at = clock.instant_of(due);
                    loop {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        let now = Instant::now();
                        if now >= at {
                            break;
                        }
                        std::thread::sleep((at - now).min(Duration::from_millis(50)));
                    }
                    let stamp_us = epoch_us + (due.0 / 1000) as u64;
                    sender.push(stamp_us, ev.message());
                }
            })?;
        Ok(ReplayThread { handle })
    }

    /// Whether the replay has sent everything (or was stopped).
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// Waits for the thread to end.
    pub fn join(self) {
        let _ = self.handle.join();
    }
}

/// The latest chart time among `events` (0 when empty).
pub fn last_time(events: &[RawEvent]) -> Nanos {
    events.iter().map(|e| e.time).max().unwrap_or(Nanos::ZERO)
}

/// The earliest chart time among `events` (0 when empty).
pub fn first_time(events: &[RawEvent]) -> Nanos {
    events.iter().map(|e| e.time).min().unwrap_or(Nanos::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::ring::ring;

    #[test]
    fn a_replay_arrives_in_order_and_on_time() {
        let clock = CaptureClock::with_speed(2.0);
        let (tx, mut rx) = ring(4096, clock);
        let events: Vec<RawEvent> = (0..5)
            .map(|i| RawEvent::new(Nanos::from_millis(100 * i), 0, &[0x99, 36, 100]))
            .collect();
        let stop = Arc::new(AtomicBool::new(false));
        let t = ReplayThread::spawn("t", events, Nanos::from_millis(50), tx, stop)
            .expect("thread starts");
        t.join();
        let mut buf = [0u8; 8];
        let mut clock_rule = crate::live::clock::ConnectionClock::default();
        let mut times = Vec::new();
        while let Some(r) = rx.pop(&mut buf) {
            let crate::live::ring::Stamp::Backend { stamp_us, now } = r.stamp else {
                panic!("a replay stamps like a backend: {:?}", r.stamp);
            };
            times.push(clock_rule.time(stamp_us, now));
        }
        assert_eq!(times.len(), 5);
        assert!(rx.is_finished());
        for w in times.windows(2) {
            assert!(w[1] > w[0], "in order: {times:?}");
            let gap = (w[1] - w[0] - Nanos::from_millis(100)).abs();
            // Only a faster delivery than any before can move an event (by lowering the
            // minimum offset), by as much as the earlier wake-ups were late. A thread's wake-up
            // on a loaded machine (parallel tests on two cores) can be tens of ms late, so the
            // bound catches a wrong schedule (a unit or speed error moves events by 50 ms or
            // more per event), not scheduler noise.
            assert!(
                gap < Nanos::from_millis(90),
                "spacing kept within {gap:?}: {times:?}"
            );
        }
        assert!(times[0] >= Nanos::from_millis(50));
    }

    #[test]
    fn a_one_player_capture_needs_no_selector() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/demo/lee-roland-td.jsonl");
        let events = load_events(&path.display().to_string()).expect("one player: no selector");
        assert!(events.len() > 100);
    }
}
