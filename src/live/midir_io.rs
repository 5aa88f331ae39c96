//! The midir backend (feature `midi-io`): ALSA on Linux, CoreMIDI on macOS, WinMM on Windows.
//!
//! Each kit's port is a midir connection whose callback stamps, copies and returns
//! (`EventSender::push`); midir's own time stamp (µs since the connection's epoch) is placed
//! on the capture clock by the consumer (`clock::ConnectionClock`). The port list is polled for
//! kits that are unplugged and plugged back in. The click goes out through a midir output from
//! a thread that sleeps until each click is due.

use super::clock::CaptureClock;
use super::consumer::{Control, ACCENT_NOTE, CLICK_NOTE};
use super::names::{choose, stable_names, Watcher, POLL_EVERY};
use super::ring::{ring, EventReceiver, EventSender, DEFAULT_RING_BYTES};
use super::LiveError;
use crate::time::Nanos;
use midir::{Ignore, MidiInput, MidiInputConnection, MidiOutput, MidiOutputConnection};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

const CLIENT: &str = "pocket";

/// The backend's name, as reports and `pocket devices` show it.
pub fn backend() -> &'static str {
    if cfg!(target_os = "linux") {
        "alsa"
    } else if cfg!(target_os = "macos") {
        "coremidi"
    } else if cfg!(windows) {
        "winmm"
    } else {
        "midir"
    }
}

/// The finest step of this backend's time stamps, in ms. midir hands every backend's stamp
/// over in µs: ALSA reads the sequencer queue's real-time stamp (ns, set by the kernel when
/// the event arrived) and CoreMIDI the packet's host time (ns), both truncated to µs; WinMM
/// stamps in whole ms.
pub fn stamp_resolution_ms() -> f64 {
    if cfg!(windows) {
        1.0
    } else {
        0.001
    }
}

fn no_system(e: impl std::fmt::Display) -> LiveError {
    if cfg!(target_os = "linux") && !std::path::Path::new("/dev/snd/seq").exists() {
        LiveError::NoMidiSystem(
            "ALSA sequencer /dev/snd/seq is missing: load it with `sudo modprobe snd-seq`, or in a container pass the device through (--device /dev/snd)".into(),
        )
    } else {
        LiveError::NoMidiSystem(format!("the MIDI system cannot be opened: {e}"))
    }
}

fn input(name: &str) -> Result<MidiInput, LiveError> {
    let mut m = MidiInput::new(name).map_err(no_system)?;
    m.ignore(Ignore::None);
    Ok(m)
}

fn input_names(m: &MidiInput) -> Vec<String> {
    m.ports()
        .iter()
        .map(|p| m.port_name(p).unwrap_or_default())
        .collect()
}

/// The system names of the MIDI inputs and outputs.
pub fn port_names() -> Result<(Vec<String>, Vec<String>), LiveError> {
    let i = input(&format!("{CLIENT}-list"))?;
    let o = MidiOutput::new(&format!("{CLIENT}-list")).map_err(no_system)?;
    let outputs = o
        .ports()
        .iter()
        .map(|p| o.port_name(p).unwrap_or_default())
        .collect();
    Ok((input_names(&i), outputs))
}

fn connect(
    stable: &str,
    port: u16,
    clock: CaptureClock,
) -> Result<(MidiInputConnection<EventSender>, EventReceiver), LiveError> {
    let m = input(&format!("{CLIENT}-in-{port}"))?;
    let ports = m.ports();
    let names = stable_names(&input_names(&m));
    let Some(k) = names.iter().position(|n| n == stable) else {
        return Err(LiveError::NoSuchPort {
            what: "MIDI input".into(),
            query: stable.into(),
            available: names,
        });
    };
    let (tx, rx) = ring(DEFAULT_RING_BYTES, clock);
    let conn = m
        .connect(
            &ports[k],
            &format!("in-{port}"),
            |stamp_us, message, sender: &mut EventSender| {
                sender.push(stamp_us, message);
            },
            tx,
        )
        .map_err(|e| LiveError::PortBusy {
            name: stable.to_string(),
            reason: e.to_string(),
        })?;
    Ok((conn, rx))
}

/// The open inputs of a session, and the thread that watches for unplugged kits.
pub struct Inputs {
    watcher: Watcher,
}

impl Inputs {
    /// Opens every port (port index, stable name) and starts watching them. Each
    /// connection's ring is handed to the consumer through `control`.
    pub fn open(
        ports: &[(u16, String)],
        clock: CaptureClock,
        control: Sender<Control>,
    ) -> Result<Inputs, LiveError> {
        let mut conns = Vec::new();
        for (index, name) in ports {
            let (conn, rx) = connect(name, *index, clock)?;
            let _ = control.send(Control::Ring {
                port: *index,
                receiver: rx,
            });
            conns.push(Some(conn));
        }
        let list = input(&format!("{CLIENT}-watch"))?;
        let ports = ports.to_vec();
        let watcher = Watcher::spawn("pocket-ports", move |stop| {
            watch(list, ports, conns, clock, control, stop)
        })?;
        Ok(Inputs { watcher })
    }

    /// Closes every connection (their rings then report finished).
    pub fn close(self) {
        self.watcher.close();
    }
}

fn watch(
    watcher: MidiInput,
    ports: Vec<(u16, String)>,
    mut conns: Vec<Option<MidiInputConnection<EventSender>>>,
    clock: CaptureClock,
    control: Sender<Control>,
    stop: Arc<AtomicBool>,
) {
    let step = Duration::from_millis(20);
    let mut waited = Duration::ZERO;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(step);
        waited += step;
        if waited < POLL_EVERY {
            continue;
        }
        waited = Duration::ZERO;
        let present = stable_names(&input_names(&watcher));
        for (i, (port, name)) in ports.iter().enumerate() {
            let here = present.contains(name);
            let port = *port;
            match (&conns[i], here) {
                (Some(_), false) => {
                    // Dropping the connection drops its sender: the ring reports finished.
                    conns[i] = None;
                    let _ = control.send(Control::PortLost {
                        port,
                        at: clock.now(),
                    });
                }
                (None, true) => {
                    if let Ok((conn, rx)) = connect(name, port, clock) {
                        let _ = control.send(Control::Ring { port, receiver: rx });
                        let _ = control.send(Control::PortBack {
                            port,
                            at: clock.now(),
                        });
                        conns[i] = Some(conn);
                    }
                }
                _ => {}
            }
        }
    }
    drop(conns);
}

/// The click output.
pub struct ClickOutput {
    conn: MidiOutputConnection,
}

impl ClickOutput {
    /// Opens the output port whose stable name is `stable`.
    pub fn open(stable: &str) -> Result<ClickOutput, LiveError> {
        let o = MidiOutput::new(&format!("{CLIENT}-click")).map_err(no_system)?;
        let ports = o.ports();
        let raw: Vec<String> = ports
            .iter()
            .map(|p| o.port_name(p).unwrap_or_default())
            .collect();
        let names = stable_names(&raw);
        let k = choose(stable, &names, "MIDI output")?;
        let conn = o
            .connect(&ports[k], "click")
            .map_err(|e| LiveError::PortBusy {
                name: names[k].clone(),
                reason: e.to_string(),
            })?;
        Ok(ClickOutput { conn })
    }

    /// Sends one MIDI message.
    pub fn send(&mut self, message: &[u8]) -> bool {
        self.conn.send(message).is_ok()
    }
}

/// Sends the count-in from a thread: a note on channel 10 per click (`ACCENT_NOTE` accented,
/// `CLICK_NOTE` otherwise) at its capture-clock time, and records each click in the capture
/// log. The output stays open until `stop` is set.
pub fn spawn_clicks(
    mut out: ClickOutput,
    clicks: &[(Nanos, bool)],
    clock: CaptureClock,
    control: Sender<Control>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let clicks = clicks.to_vec();
    std::thread::spawn(move || {
        for (due, accent) in clicks {
            let at = clock.instant_of(due);
            while std::time::Instant::now() < at {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let left = at.saturating_duration_since(std::time::Instant::now());
                std::thread::sleep(left.min(Duration::from_millis(20)));
            }
            let note = if accent { ACCENT_NOTE } else { CLICK_NOTE };
            if out.send(&[0x99, note, if accent { 127 } else { 90 }]) {
                let _ = control.send(Control::Click {
                    t: clock.now(),
                    accent,
                });
            }
            out.send(&[0x89, note, 0]);
        }
        // Keep the port open until the session ends: closing it at once can drop the last
        // click before the MIDI system delivers it.
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(out);
    })
}
