//! `pocket monitor`: every MIDI message of one source (a port, or a replayed take) as it
//! arrives, and what the kit map makes of it, so a drummer can check a kit's note map and
//! channel before playing.
//!
//! The source feeds a `ring` as in a live session (ports through `ports`, replays through
//! `replay`); this module drains it and describes each channel message. Nothing is written.

use super::clock::{CaptureClock, ConnectionClock, FrameClock};
use super::consumer::Control;
use super::ports::{find_input, OpenPorts};
use super::replay::{self, ReplayThread};
use super::ring::{ring, EventReceiver, Stamp, DEFAULT_RING_BYTES};
use super::session::{self, PlayerSource};
use super::LiveError;
use crate::event::split_messages;
use crate::kit::KitMap;
use crate::lane::{Articulation, Lane};
use crate::time::Nanos;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::channel;
use std::sync::Arc;
use std::time::Duration;

/// What to monitor.
#[derive(Debug, Clone)]
pub struct MonitorOptions {
    /// The port (by name, optionally one channel) or the take to replay.
    pub source: PlayerSource,
    /// Kit map; `None` suggests one from the port name (or takes the replayed capture's), else
    /// `gm`.
    pub kit: Option<KitMap>,
    /// Replay speed (1 = real time).
    pub speed: f64,
    /// Stop after this long (capture clock).
    pub duration: Option<Nanos>,
    /// Set to stop (signals).
    pub stop: Arc<AtomicBool>,
}

/// What a message is, for the kit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// A Note On with a velocity above 0: the kit's lane and articulation, or `None` (unmapped).
    Note {
        /// Note number, 0..=127.
        note: u8,
        /// Velocity, 1..=127.
        velocity: u8,
        /// What the kit map gives it.
        lane: Option<(Lane, Option<Articulation>)>,
    },
    /// A control change; `pedal` when it is the kit's hi-hat pedal controller.
    Control {
        /// Controller number.
        controller: u8,
        /// Value, 0..=127.
        value: u8,
        /// The kit's hi-hat pedal controller.
        pedal: bool,
    },
}

/// One message as the monitor shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonitorLine {
    /// When it arrived (capture clock, from the start of monitoring).
    pub time: Nanos,
    /// MIDI channel, 1..=16.
    pub channel: u8,
    /// Whether the kit listens on another channel (the kit stage drops this message).
    pub other_channel: bool,
    /// What it is.
    pub heard: Heard,
}

impl MonitorLine {
    /// Describes one channel message (Note On and control change; `None` for others: Note
    /// Off, aftertouch, program change ...).
    pub fn describe(time: Nanos, message: &[u8], kit: &KitMap) -> Option<MonitorLine> {
        let (&status, data) = message.split_first()?;
        let channel = (status & 0x0F) + 1;
        let heard = match (status & 0xF0, data) {
            (0x90, &[note, velocity]) if velocity > 0 => Heard::Note {
                note,
                velocity,
                lane: kit.lookup(note),
            },
            (0xB0, &[controller, value]) => Heard::Control {
                controller,
                value,
                pedal: kit.pedal_cc == Some(controller),
            },
            _ => return None,
        };
        Some(MonitorLine {
            time,
            channel,
            other_channel: kit.channel.is_some_and(|c| c != channel),
            heard,
        })
    }
}

impl fmt::Display for MonitorLine {
    /// `  1.234 s  ch 10  note  38  vel  96  snare rimshot`, `... unmapped`, or
    /// `... cc   4  val  90  hi-hat pedal`; a message on a channel the kit ignores ends in
    /// `(other channel)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:8.3} s  ch {:>2}  ",
            self.time.as_secs_f64(),
            self.channel
        )?;
        match self.heard {
            Heard::Note {
                note,
                velocity,
                lane,
            } => {
                write!(f, "note {note:>3}  vel {velocity:>3}  ")?;
                match lane {
                    Some((lane, Some(a))) => write!(f, "{} {}", lane.name(), a.name())?,
                    Some((lane, None)) => write!(f, "{}", lane.name())?,
                    None => write!(f, "unmapped")?,
                }
            }
            Heard::Control {
                controller,
                value,
                pedal,
            } => {
                write!(f, "cc  {controller:>3}  val {value:>3}  ")?;
                write!(f, "{}", if pedal { "hi-hat pedal" } else { "control" })?;
            }
        }
        if self.other_channel {
            write!(f, "  (other channel)")?;
        }
        Ok(())
    }
}

/// What was monitored.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorStart {
    /// The port's stable name, or `replay TAKE`.
    pub source: String,
    /// The kit map in use.
    pub kit: KitMap,
}

/// Monitors one source until it ends (a replay), `duration` passes or `stop` is set: calls
/// `started` once the source is open, then `out` for every Note On and control change. Returns
/// the number of messages shown.
pub fn run(
    opts: &MonitorOptions,
    started: impl FnOnce(&MonitorStart),
    mut out: impl FnMut(&MonitorLine),
) -> Result<u64, LiveError> {
    let clock = CaptureClock::with_speed(opts.speed);
    let (control_tx, control_rx) = channel::<Control>();
    let replay_stop = Arc::new(AtomicBool::new(false));
    let (source, suggested, channel, inputs, replay_thread) = match &opts.source {
        PlayerSource::Port { query, channel } => {
            let port = find_input(query)?;
            let kit = crate::kit::suggest_profile(&port.name).and_then(KitMap::builtin);
            let name = port.name.clone();
            let inputs = OpenPorts::open(
                &[(0, port)],
                &[],
                None,
                None,
                clock,
                control_tx.clone(),
                Arc::clone(&replay_stop),
            )?;
            (name, kit, *channel, Some(inputs), None)
        }
        PlayerSource::Audio { query, .. } => {
            return Err(LiveError::Settings(format!(
                "audio:{query} is an audio input; pocket monitor shows a MIDI source's messages \
                 (take show on a recording lists what an audio take holds)"
            )))
        }
        PlayerSource::Replay { spec } => {
            let events = replay::load_events(spec)?;
            let origin = Nanos::ZERO.saturating_sub(replay::first_time(&events));
            let (tx, rx) = ring(DEFAULT_RING_BYTES, clock);
            let _ = control_tx.send(Control::Ring {
                port: 0,
                receiver: rx,
            });
            let t = ReplayThread::spawn("monitor", events, origin, tx, Arc::clone(&replay_stop))
                .map_err(|source| LiveError::Io {
                    path: spec.into(),
                    source,
                })?;
            (
                format!("replay {spec}"),
                session::recorded_kit(spec),
                None,
                None,
                Some(t),
            )
        }
    };
    let mut kit = opts
        .kit
        .clone()
        .or(suggested)
        .or_else(|| KitMap::builtin("gm"))
        .ok_or_else(|| LiveError::Settings("the built-in gm kit is missing".into()))?;
    if channel.is_some() {
        kit.channel = channel;
    }
    started(&MonitorStart {
        source,
        kit: kit.clone(),
    });

    let mut rings: Vec<EventReceiver> = Vec::new();
    let mut conn = ConnectionClock::default();
    let mut frames: Option<FrameClock> = None;
    let mut buf = vec![0u8; crate::formats::capture_log::MAX_MESSAGE_BYTES];
    let mut shown = 0u64;
    loop {
        while let Ok(msg) = control_rx.try_recv() {
            match msg {
                Control::Ring { receiver, .. } => rings.push(receiver),
                Control::FrameClock { clock, .. } => frames = Some(clock),
                _ => {}
            }
        }
        let mut took = 0;
        while let Some(ring) = rings.first_mut() {
            let Some(r) = ring.pop(&mut buf) else {
                if ring.is_finished() && rings.len() > 1 {
                    rings.remove(0);
                    conn.reset();
                    continue;
                }
                break;
            };
            took += 1;
            let time = match (r.stamp, frames) {
                (Stamp::Backend { stamp_us, now }, _) => conn.time(stamp_us, now),
                (Stamp::Frame(f), Some(clock)) => clock.time(f),
                (Stamp::Time(t), _) => t,
                _ => continue,
            };
            for message in split_messages(&buf[..r.len]) {
                let Some(bytes) = message.channel_bytes() else {
                    continue;
                };
                if let Some(line) = MonitorLine::describe(time, bytes, &kit) {
                    out(&line);
                    shown += 1;
                }
            }
        }
        let replay_done = replay_thread
            .as_ref()
            .is_some_and(ReplayThread::is_finished)
            && rings.iter().all(EventReceiver::is_finished);
        if took == 0
            && (replay_done
                || opts.stop.load(Ordering::Relaxed)
                || opts.duration.is_some_and(|d| clock.now() >= d))
        {
            break;
        }
        if took == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    replay_stop.store(true, Ordering::Relaxed);
    if let Some(t) = replay_thread {
        t.join();
    }
    if let Some(i) = inputs {
        let _ = i.close();
    }
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_shown_with_the_lane_the_kit_gives_it() {
        let gm = KitMap::builtin("gm").expect("built in");
        let show = |bytes: &[u8]| {
            MonitorLine::describe(Nanos::from_millis(1500), bytes, &gm).map(|l| l.to_string())
        };
        assert_eq!(
            show(&[0x99, 36, 100]).as_deref(),
            Some("   1.500 s  ch 10  note  36  vel 100  kick")
        );
        assert_eq!(
            show(&[0x99, 22, 64]).as_deref(),
            Some("   1.500 s  ch 10  note  22  vel  64  unmapped")
        );
        assert_eq!(show(&[0x99, 36, 0]), None, "velocity 0 is a Note Off");
        assert_eq!(show(&[0x89, 36, 0]), None);
        let mut td = KitMap::builtin("roland-td").expect("built in");
        td.channel = Some(10);
        let line = MonitorLine::describe(Nanos::ZERO, &[0x90, 38, 90], &td).expect("a note");
        assert!(line.to_string().ends_with("(other channel)"), "{line}");
        let pedal = MonitorLine::describe(Nanos::ZERO, &[0xB9, 4, 90], &td).expect("a cc");
        assert!(pedal.to_string().contains("hi-hat pedal"), "{pedal}");
    }
}
