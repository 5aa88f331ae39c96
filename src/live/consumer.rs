//! The consumer thread: drains the rings, puts every event on the capture clock, appends it to
//! the capture log, judges it online and updates the display.
//!
//! Nothing received is lost on the way out: each event is written to the capture log as it is
//! taken from its ring; the log is handed to the operating system every
//! [`FLUSH_EVERY`] and synced to disk every [`SYNC_EVERY`] and on every way out (the end of the
//! session, an error, a panic: a guard syncs the file while unwinding). Overflows of a ring
//! and lost ports are written as `overflow` and `gap` lines.
//!
//! Wake-up strategy: the consumer polls its rings and sleeps [`IDLE_SLEEP`] when they were all
//! empty, so an event waits at most about that long in its ring (the callback never signals).

use super::clock::{CaptureClock, ConnectionClock, FrameClock};
use super::display::{Display, DisplayEvent};
use super::judge::{OnlineJudge, Outcome};
use super::ring::{EventReceiver, Stamp};
use crate::event::{split_messages, RawEvent};
use crate::formats::capture_log::{CaptureWriteError, CaptureWriter, MAX_MESSAGE_BYTES};
use crate::time::Nanos;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The capture log is handed to the OS at least this often.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// The capture log is synced to disk at least this often.
pub const SYNC_EVERY: Duration = Duration::from_secs(1);
/// How long the consumer sleeps when every ring was empty.
pub const IDLE_SLEEP: Duration = Duration::from_millis(1);
/// An audio input whose transcriber's [`Stamp::Decided`] lags the capture clock by more than
/// this is judged [`ConsumerPlayer::delay`] behind the clock instead: a stalled or gone input
/// does not hold its player's notes back for ever.
pub const DECIDED_STALL: Nanos = Nanos(1_000_000_000);
/// Notes in the sync meter's running mean.
const SYNC_NOTES: usize = 16;

/// A player as the consumer sees them: where their events come from, and their judge.
#[derive(Debug)]
pub struct ConsumerPlayer {
    /// Port index.
    pub port: u16,
    /// Only this channel (1..=16) of the port, or all.
    pub channel: Option<u8>,
    /// The online judge.
    pub judge: OnlineJudge,
    /// How far behind the capture clock the judge runs: hits that reach the consumer this
    /// late (an audio input's, after its transcriber's detection latency) are still judged
    /// before their notes are called missed. Zero for MIDI kits. An audio input's transcriber
    /// says how far it has decided ([`Stamp::Decided`]); once it has, the judge follows that
    /// instead (however long the device's buffer), and this delay applies only before it
    /// and when the input has said nothing for [`DECIDED_STALL`].
    pub delay: Nanos,
}

/// Messages from the session's other threads to the consumer. Ports are watched and clicks sent
/// only in builds with MIDI support.
#[derive(Debug)]
#[cfg_attr(not(feature = "midi-io"), allow(dead_code))]
pub enum Control {
    /// A port was (re)connected: its events now come through this ring. A new connection has
    /// a new timestamp epoch, so the port's clock starts over once the old ring is drained.
    Ring {
        /// Port index.
        port: u16,
        /// The new ring's consumer end.
        receiver: EventReceiver,
    },
    /// A port disappeared at capture time `at`.
    PortLost {
        /// Port index.
        port: u16,
        /// When it was noticed.
        at: Nanos,
    },
    /// A lost port is back (reconnected) at capture time `at`.
    PortBack {
        /// Port index.
        port: u16,
        /// When it was back.
        at: Nanos,
    },
    /// A click was sent at capture time `t`.
    Click {
        /// When.
        t: Nanos,
        /// First beat of a bar.
        accent: bool,
    },
    /// No source will send anything more (every replay has finished).
    SourcesDone,
    /// pocket's JACK client is running: its events are stamped in frames of `clock`; `events`
    /// brings the clicks it sent (at their frames) and jumps of its frame clock, and `xruns`
    /// counts the xruns the server reported.
    FrameClock {
        /// Frames to capture-clock time.
        clock: FrameClock,
        /// Clicks sent (note-on messages at their frames) and frame-clock jumps.
        events: EventReceiver,
        /// xruns reported so far.
        xruns: Arc<AtomicU64>,
    },
}

/// Where the JACK client's frames and incidents come from, once it runs.
struct FrameSource {
    clock: FrameClock,
    events: EventReceiver,
    xruns: Arc<AtomicU64>,
    xruns_written: u64,
}

/// The accented count-in click note (the others are [`CLICK_NOTE`]).
pub const ACCENT_NOTE: u8 = 76;
/// The count-in click note of beats other than the first of a bar.
#[cfg_attr(not(any(feature = "jack", feature = "midi-io")), allow(dead_code))]
pub const CLICK_NOTE: u8 = 77;

/// What the consumer needs to know about the session.
#[derive(Debug)]
pub struct ConsumerConfig {
    /// Number of ports (indices 0..ports).
    pub ports: usize,
    /// The players.
    pub players: Vec<ConsumerPlayer>,
    /// The capture clock.
    pub clock: CaptureClock,
    /// Chart time zero on the capture clock, when already known (count-in, now).
    pub time_zero: Option<Nanos>,
    /// With `--start first-hit`: the chart time of the first note; time zero becomes the first
    /// hit's time minus this.
    pub first_hit_note: Option<Nanos>,
    /// Stop this long after time zero (chart end plus two bars).
    pub stop_after_zero: Option<Nanos>,
    /// Stop at this capture time (`--duration`).
    pub stop_at: Option<Nanos>,
    /// Stop when [`Control::SourcesDone`] arrives and nothing is left to judge.
    pub end_when_sources_done: bool,
    /// Set from outside (Ctrl-C, SIGTERM) to stop.
    pub stop: Arc<AtomicBool>,
    /// For tests of the crash path: panic after this many events.
    #[doc(hidden)]
    pub fail_after_events: Option<u64>,
    /// The stage's feed (`--serve`): every judgement, handed over without waiting.
    pub stage: Option<crate::stage::Feed>,
}

/// How the capture ended.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumerSummary {
    /// MIDI events written.
    pub events: u64,
    /// Events lost to ring overflows (each also written as an `overflow` line).
    pub lost: u64,
    /// Gaps written.
    pub gaps: u32,
    /// Capture time of the end.
    pub end: Nanos,
    /// The `end` line's reason.
    pub reason: &'static str,
    /// Chart time zero, if it became known.
    pub time_zero: Option<Nanos>,
    /// Display updates dropped because the display fell behind.
    pub display_dropped: u64,
}

/// Syncs the log to disk if the consumer unwinds (panic) before finishing it.
struct SyncOnDrop(Option<CaptureWriter>);

impl Drop for SyncOnDrop {
    fn drop(&mut self) {
        if let Some(w) = self.0.as_mut() {
            let _ = w.sync();
        }
    }
}

struct PortState {
    rings: VecDeque<EventReceiver>,
    clock: ConnectionClock,
    lost_since: Option<Nanos>,
    /// The latest [`Stamp::Decided`] of the port (an audio input's).
    decided: Option<Nanos>,
}

/// How far a player's judge may go at capture-clock time `now`: an audio input's
/// transcriber's `decided` time while it keeps up (within [`DECIDED_STALL`]), else `delay`
/// behind the clock.
fn judge_until(now: Nanos, delay: Nanos, decided: Option<Nanos>) -> Nanos {
    let fallback = now.saturating_sub(delay);
    match decided {
        Some(d) if delay > Nanos::ZERO && d >= now.saturating_sub(DECIDED_STALL) => d.min(now),
        _ => fallback,
    }
}

/// Runs the consumer until a stop condition, then finishes the capture log (`end` line, sync).
pub fn run(
    writer: CaptureWriter,
    mut config: ConsumerConfig,
    control: Receiver<Control>,
    display: &mut Display,
) -> Result<ConsumerSummary, CaptureWriteError> {
    let mut guard = SyncOnDrop(Some(writer));
    let mut ports: Vec<PortState> = (0..config.ports)
        .map(|_| PortState {
            rings: VecDeque::new(),
            clock: ConnectionClock::default(),
            lost_since: None,
            decided: None,
        })
        .collect();
    let mut buf = vec![0u8; MAX_MESSAGE_BYTES];
    let mut summary = ConsumerSummary {
        events: 0,
        lost: 0,
        gaps: 0,
        end: Nanos::ZERO,
        reason: "stopped",
        time_zero: config.time_zero,
        display_dropped: 0,
    };
    let free_play = config.time_zero.is_none() && config.first_hit_note.is_none();
    let mut sources_done = false;
    let mut last_flush = Instant::now();
    let mut last_sync = Instant::now();
    let notes = config.players.first().map_or(0, |p| p.judge.note_count());
    let mut note_offsets: Vec<[Option<Nanos>; 2]> = vec![[None, None]; notes];
    let mut sync_recent: VecDeque<Nanos> = VecDeque::with_capacity(SYNC_NOTES);
    let mut frames: Option<FrameSource> = None;

    let reason = loop {
        let Some(writer) = guard.0.as_mut() else {
            break "stopped";
        };
        // Control messages.
        while let Ok(msg) = control.try_recv() {
            match msg {
                Control::Ring { port, receiver } => {
                    if let Some(p) = ports.get_mut(usize::from(port)) {
                        p.rings.push_back(receiver);
                    }
                }
                Control::PortLost { port, at } => {
                    if let Some(p) = ports.get_mut(usize::from(port)) {
                        p.lost_since.get_or_insert(at);
                        display.send(DisplayEvent::Status(format!(
                            "port {port} lost at {:.1} s: waiting for it to come back",
                            at.as_secs_f64()
                        )));
                    }
                }
                Control::PortBack { port, at } => {
                    if let Some(from) = ports
                        .get_mut(usize::from(port))
                        .and_then(|p| p.lost_since.take())
                    {
                        writer.write_gap(port, from, at.max(from))?;
                        summary.gaps += 1;
                        display.send(DisplayEvent::Status(format!(
                            "port {port} is back after {:.1} s",
                            at.saturating_sub(from).as_secs_f64()
                        )));
                    }
                }
                Control::Click { t, accent } => writer.write_click(t, accent)?,
                Control::SourcesDone => sources_done = true,
                Control::FrameClock {
                    clock,
                    events,
                    xruns,
                } => {
                    frames = Some(FrameSource {
                        clock,
                        events,
                        xruns,
                        xruns_written: 0,
                    })
                }
            }
        }

        // The JACK client's clicks, clock jumps and xruns.
        if let Some(src) = frames.as_mut() {
            while let Some(r) = src.events.pop(&mut buf) {
                match r.stamp {
                    Stamp::Frame(f) => {
                        let accent = r.len >= 2 && buf[1] == ACCENT_NOTE;
                        writer.write_click_at_frame(src.clock.time(f), f, accent)?;
                    }
                    Stamp::FrameJump { expected, actual } => {
                        writer.write_clock_jump(src.clock.time(actual), actual, expected)?;
                    }
                    Stamp::Backend { .. } | Stamp::Time(_) | Stamp::Decided(_) => {}
                }
            }
            let xruns = src.xruns.load(Ordering::Relaxed);
            while src.xruns_written < xruns {
                writer.write_xrun(config.clock.now())?;
                src.xruns_written += 1;
            }
        }

        // Events.
        let mut took = 0usize;
        for (index, port) in ports.iter_mut().enumerate() {
            let port_index = index as u16;
            while let Some(ring) = port.rings.front_mut() {
                let lost = ring.take_lost();
                if lost > 0 {
                    summary.lost += lost;
                    writer.write_overflow(port_index, lost, config.clock.now())?;
                }
                let Some(r) = ring.pop(&mut buf) else {
                    if ring.is_finished() && port.rings.len() > 1 {
                        // The old connection is drained: the next ring has a new epoch.
                        port.rings.pop_front();
                        port.clock.reset();
                        continue;
                    }
                    break;
                };
                took += 1;
                let bytes = &buf[..r.len];
                let time = match r.stamp {
                    Stamp::Backend { stamp_us, now } => {
                        let time = port.clock.time(stamp_us, now);
                        writer.write_midi(time, port_index, bytes)?;
                        time
                    }
                    Stamp::Frame(f) => {
                        let clock = frames.as_ref().map_or(FrameClock { rate: 1 }, |s| s.clock);
                        let time = clock.time(f);
                        writer.write_midi_at_frame(time, f, port_index, bytes)?;
                        time
                    }
                    Stamp::Time(time) => {
                        writer.write_midi(time, port_index, bytes)?;
                        time
                    }
                    Stamp::FrameJump { .. } => continue,
                    Stamp::Decided(t) => {
                        port.decided = Some(port.decided.map_or(t, |d| d.max(t)));
                        continue;
                    }
                };
                summary.events += 1;
                if config.fail_after_events == Some(summary.events) {
                    panic!("consumer failure requested after {} events", summary.events);
                }
                // The capture log keeps the bytes as delivered; the judges see each message of
                // them (a backend may deliver a packet of several, or a clock byte inside one).
                for message in split_messages(bytes) {
                    let Some(msg) = message.channel_bytes() else {
                        continue;
                    };
                    let ev = RawEvent::new(time, port_index, msg);
                    let channel = ev.channel();
                    for p in config.players.iter_mut() {
                        if p.port != port_index {
                            continue;
                        }
                        if p.channel.is_some_and(|ch| channel != Some(ch)) {
                            continue;
                        }
                        if summary.time_zero.is_none() && p.judge.counts_as_hit(&ev) {
                            if let Some(first) = config.first_hit_note {
                                let zero = time.saturating_sub(first);
                                summary.time_zero = Some(zero);
                                writer.write_time_zero(zero)?;
                                display.send(DisplayEvent::Status(
                                    "first hit: time zero is set, judging".into(),
                                ));
                            }
                        }
                        p.judge.on_event(&ev);
                    }
                }
            }
        }

        // Judging. Without a chart (free play) there is no time zero and every hit is counted
        // as it arrives, on the capture clock.
        let now = config.clock.now();
        let zero = summary.time_zero.or(free_play.then_some(Nanos::ZERO));
        for (i, p) in config.players.iter_mut().enumerate() {
            if let Some(text) = p.judge.kit_warning() {
                display.send(DisplayEvent::Warning { player: i, text });
            }
            let mut judged = Vec::new();
            let judge_to = judge_until(now, p.delay, ports[usize::from(p.port)].decided);
            p.judge
                .advance_with_stats(judge_to, zero, |j, stats| judged.push((j, stats)));
            for (j, stats) in judged {
                if let (Outcome::Hit { offset, note, .. }, true) = (j.outcome, i < 2) {
                    if let Some(slot) = note_offsets.get_mut(note) {
                        slot[i] = Some(offset);
                        if let [Some(a), Some(b)] = *slot {
                            if sync_recent.len() == SYNC_NOTES {
                                sync_recent.pop_front();
                            }
                            sync_recent.push_back(a - b);
                            let sum: i64 = sync_recent.iter().map(|d| d.0).sum();
                            display.send(DisplayEvent::Sync {
                                mean_ms: sum as f64 / sync_recent.len() as f64 / 1e6,
                                notes: sync_recent.len() as u32,
                            });
                        }
                    }
                }
                if let (Some(feed), Some(zero)) = (&config.stage, zero) {
                    feed.send(crate::stage::feed::Judged {
                        player: i,
                        judgement: j,
                        now: now.saturating_sub(zero),
                    });
                }
                display.send(DisplayEvent::Judged {
                    player: i,
                    judgement: j,
                    stats,
                });
            }
        }

        // Keeping the log safe.
        if last_flush.elapsed() >= FLUSH_EVERY {
            writer.flush()?;
            last_flush = Instant::now();
        }
        if last_sync.elapsed() >= SYNC_EVERY {
            writer.sync()?;
            last_sync = Instant::now();
        }

        // Stopping.
        if config.stop.load(Ordering::Relaxed) {
            break "stopped";
        }
        if let (Some(zero), Some(len)) = (summary.time_zero, config.stop_after_zero) {
            if now >= zero.saturating_add(len) {
                break "chart_end";
            }
        }
        if config.stop_at.is_some_and(|t| now >= t) {
            break "duration";
        }
        if config.end_when_sources_done
            && sources_done
            && took == 0
            && ports
                .iter()
                .all(|p| p.rings.iter().all(EventReceiver::is_finished))
        {
            break "replay_end";
        }
        if took == 0 {
            std::thread::sleep(IDLE_SLEEP);
        }
    };

    let end = config.clock.now();
    let Some(mut writer) = guard.0.take() else {
        return Ok(summary);
    };
    for (index, port) in ports.iter_mut().enumerate() {
        if let Some(from) = port.lost_since.take() {
            writer.write_gap(index as u16, from, end.max(from))?;
            summary.gaps += 1;
        }
    }
    writer.finish(end, reason)?;
    summary.end = end;
    summary.reason = reason;
    summary.display_dropped = display.dropped();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audio_player_is_judged_as_far_as_its_transcriber_has_decided_while_it_keeps_up() {
        let ms = Nanos::from_millis;
        let delay = ms(160);
        // A MIDI kit: up to now, whatever a port says.
        assert_eq!(judge_until(ms(5_000), Nanos::ZERO, None), ms(5_000));
        assert_eq!(judge_until(ms(5_000), Nanos::ZERO, Some(ms(10))), ms(5_000));
        // Before the transcriber has said anything: the fixed delay.
        assert_eq!(judge_until(ms(5_000), delay, None), ms(4_840));
        // Its word, closer than the delay (a short buffer) or further (a long one).
        assert_eq!(judge_until(ms(5_000), delay, Some(ms(4_890))), ms(4_890));
        assert_eq!(judge_until(ms(5_000), delay, Some(ms(4_700))), ms(4_700));
        // Stalled for over a second: the fixed delay again.
        assert_eq!(judge_until(ms(5_000), delay, Some(ms(3_900))), ms(4_840));
        // Never past the clock.
        assert_eq!(judge_until(ms(5_000), delay, Some(ms(5_100))), ms(5_000));
    }
}
