//! pocket's own JACK client (feature `jack`): one client, one process callback, every hit at
//! its own frame.
//!
//! The client registers one MIDI input port per kit (`pocket:kit-1`, `pocket:kit-2`, ...)
//! connected from the kit's JACK port, and with a count-in a MIDI output (`pocket:click`)
//! connected to the click port. In each process cycle the callback reads every input event with
//! its frame offset inside the period and queues it stamped with its frame (the cycle's first
//! frame + the offset), and writes each click at the exact frame it is due (`cycle`). Frames
//! become time by one linear map for the whole session (`clock::FrameClock`): no per-cycle
//! conversion, so neither the period nor the scheduler's jitter reaches the stamps.
//!
//! The callback stays real-time safe: it only reads frames, copies bytes into preallocated
//! rings (`EventSender::push_frame`) and writes into JACK's port buffers; no allocation, lock
//! or I/O. xruns the server reports are counted (a notification, not the callback) and written
//! to the capture log; a cycle that does not start where the last one ended is recorded as a
//! clock jump.
//!
//! libjack is loaded when pocket first talks to JACK (the `jack` crate's dynamic loading), so a
//! build with this feature needs no JACK headers, and runs without JACK installed until a JACK
//! port is asked for.

use super::audio_cycle::{JackAudioRequest, JackAudioStarted};
use super::audio_in::{start_input, AudioInput, AudioSender, AudioThread};
use super::clock::{CaptureClock, FrameClock};
use super::consumer::{Control, ACCENT_NOTE, CLICK_NOTE};
use super::cycle::{Cycle, Schedule, Scheduled};
use super::names::{stable_names, Watcher, POLL_EVERY};
use super::ring::{probe, ring, EventSender, DEFAULT_RING_BYTES};
use super::LiveError;
use crate::time::Nanos;
use jack::{
    AsyncClient, AudioIn, Client, ClientOptions, ClientStatus, MidiIn, MidiOut,
    NotificationHandler, Port, PortFlags, ProcessHandler, ProcessScope, RawMidi,
};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The client's name (JACK adds a number when another client has it).
const CLIENT: &str = "pocket";
/// Bytes of the ring carrying clicks sent and clock jumps.
const INCIDENT_RING_BYTES: usize = 64 * 1024;
/// How long a click's note lasts.
const CLICK_LENGTH: Nanos = Nanos(10_000_000);

fn no_server(e: jack::Error) -> LiveError {
    match e {
        jack::Error::LibraryError(msg) => LiveError::NoMidiSystem(format!(
            "the JACK library cannot be loaded ({msg}); install JACK (jackd2) or PipeWire's JACK support (pipewire-jack)"
        )),
        e => LiveError::NoMidiSystem(format!(
            "cannot reach a JACK server ({e}); start jackd, or PipeWire with its JACK support (pipewire-jack)"
        )),
    }
}

fn client(name: &str) -> Result<Client, LiveError> {
    Client::new(name, ClientOptions::NO_START_SERVER)
        .map(|(c, _)| c)
        .map_err(no_server)
}

/// JACK MIDI ports that send (kits: `.0`) and that receive (click destinations: `.1`), by
/// their full JACK names.
fn midi_ports(c: &Client) -> (Vec<String>, Vec<String>) {
    (sources(c), c.ports(None, Some("midi"), PortFlags::IS_INPUT))
}

/// The full JACK names of the MIDI ports that send (kits).
fn sources(c: &Client) -> Vec<String> {
    c.ports(None, Some("midi"), PortFlags::IS_OUTPUT)
}

/// The full JACK names of the audio ports that send (capture ports, other clients' outputs):
/// what an audio input (`--player NAME=audio:DEVICE`) is read from.
fn audio_sources(c: &Client) -> Vec<String> {
    c.ports(None, Some("audio"), PortFlags::IS_OUTPUT)
}

/// The JACK audio ports an audio input can listen to.
pub fn audio_port_names() -> Result<Vec<String>, LiveError> {
    Ok(audio_sources(&client(&format!("{CLIENT}-list"))?))
}

/// The JACK MIDI ports: sources (kits) and destinations (for a click).
pub fn port_names() -> Result<(Vec<String>, Vec<String>), LiveError> {
    Ok(midi_ports(&client(&format!("{CLIENT}-list"))?))
}

/// The full JACK name of the port whose stable name is `stable`.
fn raw_name(stable: &str, raw: &[String], what: &str) -> Result<String, LiveError> {
    let names = stable_names(raw);
    match names.iter().position(|n| n == stable) {
        Some(k) => Ok(raw[k].clone()),
        None => Err(LiveError::NoSuchPort {
            what: what.into(),
            query: stable.into(),
            available: names,
        }),
    }
}

/// The frame clock of a running server: rate and period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerClock {
    /// Frames per second.
    pub rate: u32,
    /// Frames per process cycle when the client started.
    pub period: u32,
}

/// pocket's JACK client, running: its ports, the callback, and the thread that watches for
/// kits that disappear and come back.
pub struct JackSession {
    clock: ServerClock,
    watcher: Watcher,
    audio_in: Vec<AudioThread>,
    backing: Option<JackAudioStarted>,
    /// What happened to the backing's destinations (the port watcher's, never the callback's).
    output_warnings: Arc<Mutex<Vec<String>>>,
}

/// One kit port the client listens to.
struct Watched {
    index: u16,
    stable: String,
    mine: String,
    connected: bool,
}

impl JackSession {
    /// Starts the client: an input port per kit (port index, stable name of the kit's JACK
    /// port); an audio input port per acoustic kit in `audio` (`pocket:audio-in-1`, ...)
    /// connected from its capture port, read in the same callback on the same frame clock,
    /// each input's samples going to a transcriber thread (`audio_in`) whose hits come to the
    /// consumer through the input's port ring; with `click` (stable name of the destination,
    /// clicks at capture-clock times) the click output; with `backing`, the backing on the
    /// client's audio outputs (`jack_audio`). Every port's ring, then the frame clock, go to
    /// the consumer through `control`, before the callback runs.
    pub fn open(
        inputs: &[(u16, String)],
        audio: &[AudioInput],
        click: Option<(&str, &[(Nanos, bool)])>,
        backing: Option<JackAudioRequest>,
        clock: CaptureClock,
        control: Sender<Control>,
    ) -> Result<JackSession, LiveError> {
        let c = client(CLIENT)?;
        let server = ServerClock {
            rate: c.sample_rate(),
            period: c.buffer_size(),
        };
        let (sources, destinations) = midi_ports(&c);
        let register_error =
            |e: jack::Error| LiveError::NoMidiSystem(format!("JACK refused pocket's port ({e})"));

        let mut ports = Vec::with_capacity(inputs.len());
        let mut watched = Vec::with_capacity(inputs.len());
        let mut connections = Vec::new();
        for (index, stable) in inputs {
            let raw = raw_name(stable, &sources, "JACK MIDI port")?;
            let port = c
                .register_port(&format!("kit-{}", index + 1), MidiIn::default())
                .map_err(register_error)?;
            let mine = port.name().map_err(register_error)?;
            let (tx, rx) = ring(DEFAULT_RING_BYTES, clock);
            let _ = control.send(Control::Ring {
                port: *index,
                receiver: rx,
            });
            connections.push((raw, mine.clone()));
            watched.push(Watched {
                index: *index,
                stable: stable.clone(),
                mine,
                connected: true,
            });
            ports.push((port, tx));
        }

        let audio_raw = if audio.is_empty() {
            Vec::new()
        } else {
            audio_sources(&c)
        };
        let mut audio_ports = Vec::with_capacity(audio.len());
        let mut audio_threads = Vec::with_capacity(audio.len());
        for (k, input) in audio.iter().enumerate() {
            let raw = raw_name(&input.device, &audio_raw, "JACK audio port")?;
            let port = c
                .register_port(&format!("audio-in-{}", k + 1), AudioIn::default())
                .map_err(register_error)?;
            connections.push((raw, port.name().map_err(register_error)?));
            let (sender, thread) = start_input(input, server.rate, clock, &control)?;
            audio_threads.push(thread);
            audio_ports.push((port, sender));
        }

        let frames = FrameClock { rate: server.rate };
        let (click_port, schedule) = match click {
            Some((stable, clicks)) => {
                let raw = raw_name(stable, &destinations, "JACK MIDI destination")?;
                let port = c
                    .register_port("click", MidiOut::default())
                    .map_err(register_error)?;
                connections.push((port.name().map_err(register_error)?, raw));
                (Some(port), click_schedule(clicks, frames))
            }
            None => (None, Schedule::default()),
        };

        let (backing_out, backing_pending) = match backing {
            Some(a) => super::jack_audio::register(&c, a).map(|(o, p)| (Some(o), Some(p)))?,
            None => (None, None),
        };
        let zero = frame_zero(&c, clock);
        let (incidents, incidents_rx) = ring(INCIDENT_RING_BYTES, clock);
        let xruns = Arc::new(AtomicU64::new(0));
        let gone = Arc::new(AtomicBool::new(false));
        let _ = control.send(Control::FrameClock {
            clock: frames,
            events: incidents_rx,
            xruns: Arc::clone(&xruns),
        });
        let process = Process {
            inputs: ports,
            audio_in: audio_ports,
            click: click_port,
            cycle: Cycle::new(zero, schedule, incidents),
            backing: backing_out,
        };
        let notifications = Notifications {
            xruns,
            gone: Arc::clone(&gone),
        };
        let active = c
            .activate_async(notifications, process)
            .map_err(no_server)?;
        for (from, to) in &connections {
            active
                .as_client()
                .connect_ports_by_name(from, to)
                .map_err(|e| LiveError::PortBusy {
                    name: from.clone(),
                    reason: e.to_string(),
                })?;
        }

        let output_warnings = Arc::new(Mutex::new(Vec::new()));
        let backing = backing_pending
            .map(|p| p.connect_and_start(active.as_client(), zero, server.rate, server.period))
            .transpose()?;
        let outputs = Outputs {
            links: backing
                .as_ref()
                .map(|b| b.links.clone())
                .unwrap_or_default(),
            lost: vec![false; backing.as_ref().map_or(0, |b| b.links.len())],
            warnings: Arc::clone(&output_warnings),
        };
        let watcher = Watcher::spawn("pocket-jack-ports", move |stop| {
            watch(active, watched, outputs, clock, control, stop, gone)
        })?;
        Ok(JackSession {
            clock: server,
            watcher,
            audio_in: audio_threads,
            backing,
            output_warnings,
        })
    }

    /// The server's rate and period.
    pub fn server_clock(&self) -> ServerClock {
        self.clock
    }

    /// The backing audio on the client's outputs, started (with `backing`).
    pub fn backing_started(&self) -> Option<&JackAudioStarted> {
        self.backing.as_ref()
    }

    /// Stops the client (its rings then report finished) and waits for the audio inputs'
    /// transcribers, which finish their recordings; returns what went wrong with them.
    pub fn close(self) -> Vec<String> {
        self.watcher.close();
        let mut warnings: Vec<String> = self
            .output_warnings
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default();
        warnings.extend(self.audio_in.into_iter().flat_map(|t| t.join().warnings()));
        warnings
    }
}

/// JACK's frame time at the capture clock's zero: the capture clock and JACK's microsecond
/// clock are read back to back, and JACK converts the moment to a frame.
fn frame_zero(c: &Client, clock: CaptureClock) -> u32 {
    let since_zero_us = (clock.now().0.max(0) as f64 / clock.speed() / 1_000.0) as u64;
    let now_us = c.time();
    c.time_to_frames(now_us.saturating_sub(since_zero_us))
}

/// The count-in as messages at frames: a note on per click on channel 10 ([`ACCENT_NOTE`] on
/// the first beat of a bar, [`CLICK_NOTE`] otherwise) and its note off [`CLICK_LENGTH`] later.
fn click_schedule(clicks: &[(Nanos, bool)], frames: FrameClock) -> Schedule {
    let mut items = Vec::with_capacity(clicks.len() * 2);
    for &(t, accent) in clicks {
        let note = if accent { ACCENT_NOTE } else { CLICK_NOTE };
        items.push(Scheduled {
            frame: frames.frame(t),
            message: [0x99, note, if accent { 127 } else { 90 }],
            record: true,
        });
        items.push(Scheduled {
            frame: frames.frame(t.saturating_add(CLICK_LENGTH)),
            message: [0x89, note, 0],
            record: false,
        });
    }
    Schedule::new(items)
}

/// The process callback.
struct Process {
    inputs: Vec<(Port<MidiIn>, EventSender)>,
    audio_in: Vec<(Port<AudioIn>, AudioSender)>,
    click: Option<Port<MidiOut>>,
    cycle: Cycle,
    backing: Option<super::jack_audio::Output>,
}

impl ProcessHandler for Process {
    fn process(&mut self, _: &Client, ps: &ProcessScope) -> jack::Control {
        probe(true);
        let frames = ps.n_frames();
        let start = self.cycle.begin(ps.last_frame_time(), frames);
        for (port, tx) in self.inputs.iter_mut() {
            for ev in port.iter(ps) {
                tx.push_frame(start + i64::from(ev.time), ev.bytes);
            }
        }
        for (port, tx) in self.audio_in.iter_mut() {
            tx.push_block(start, port.as_slice(ps));
        }
        if let Some(out) = self.click.as_mut() {
            let mut writer = out.writer(ps);
            self.cycle.send_due(start, frames, |time, bytes| {
                writer.write(&RawMidi { time, bytes }).is_ok()
            });
        }
        if let Some(a) = self.backing.as_mut() {
            a.process(ps, start);
        }
        probe(false);
        jack::Control::Continue
    }
}

/// Server notifications: xruns counted, the server's shutdown noted.
struct Notifications {
    xruns: Arc<AtomicU64>,
    gone: Arc<AtomicBool>,
}

impl NotificationHandler for Notifications {
    unsafe fn shutdown(&mut self, _: ClientStatus, _: &str) {
        self.gone.store(true, Ordering::Release);
    }

    fn xrun(&mut self, _: &Client) -> jack::Control {
        self.xruns.fetch_add(1, Ordering::Relaxed);
        jack::Control::Continue
    }
}

/// The ports the backing plays into, as the port watcher sees them.
struct Outputs {
    /// pocket's output port and its destination (full JACK names).
    links: Vec<(String, String)>,
    /// Whether each destination is gone.
    lost: Vec<bool>,
    /// What the session is told at its end.
    warnings: Arc<Mutex<Vec<String>>>,
}

impl Outputs {
    /// Notes each destination that disappeared (the backing is no longer heard there) and
    /// connects each one that came back.
    fn check(&mut self, c: &Client, clock: CaptureClock) {
        if self.links.is_empty() {
            return;
        }
        let present = c.ports(None, Some("audio"), PortFlags::IS_INPUT);
        for ((mine, to), lost) in self.links.iter().zip(self.lost.iter_mut()) {
            let here = present.iter().any(|p| p == to);
            let at = clock.now().0 as f64 / 1e9;
            let note = match (*lost, here) {
                (false, false) => format!(
                    "the audio output {to} disappeared at {at:.1} s of the capture: the backing \
                     was not heard there from then on (every hit is kept)"
                ),
                (true, true) if c.connect_ports_by_name(mine, to).is_ok() => {
                    format!(
                        "the audio output {to} came back at {at:.1} s and plays the backing again"
                    )
                }
                _ => continue,
            };
            *lost = !*lost;
            if let Ok(mut w) = self.warnings.lock() {
                w.push(note);
            }
        }
    }
}

/// Polls the JACK port list: a kit port that disappears is reported lost; when it comes back
/// it is connected again. A server that shuts down loses every kit. The backing's destinations
/// are watched the same way ([`Outputs`]).
fn watch(
    active: AsyncClient<Notifications, Process>,
    mut watched: Vec<Watched>,
    mut outputs: Outputs,
    clock: CaptureClock,
    control: Sender<Control>,
    stop: Arc<AtomicBool>,
    gone: Arc<AtomicBool>,
) {
    let step = Duration::from_millis(20);
    let mut waited = Duration::ZERO;
    let mut server_gone = false;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(step);
        if server_gone {
            continue;
        }
        if gone.load(Ordering::Acquire) {
            server_gone = true;
            for w in watched.iter_mut().filter(|w| w.connected) {
                w.connected = false;
                let _ = control.send(Control::PortLost {
                    port: w.index,
                    at: clock.now(),
                });
            }
            continue;
        }
        waited += step;
        if waited < POLL_EVERY {
            continue;
        }
        waited = Duration::ZERO;
        outputs.check(active.as_client(), clock);
        let raw = sources(active.as_client());
        let present = stable_names(&raw);
        for w in watched.iter_mut() {
            let here = present.iter().position(|n| *n == w.stable);
            match (w.connected, here) {
                (true, None) => {
                    w.connected = false;
                    let _ = control.send(Control::PortLost {
                        port: w.index,
                        at: clock.now(),
                    });
                }
                (false, Some(k))
                    if active
                        .as_client()
                        .connect_ports_by_name(&raw[k], &w.mine)
                        .is_ok() =>
                {
                    w.connected = true;
                    let _ = control.send(Control::PortBack {
                        port: w.index,
                        at: clock.now(),
                    });
                }
                _ => {}
            }
        }
    }
    // Deactivating drops the callback and its senders: the rings then report finished.
    let _ = active.deactivate();
}
