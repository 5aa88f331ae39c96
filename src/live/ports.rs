//! MIDI ports: listing them under stable names, choosing one by name, opening inputs and the
//! click output, and watching for kits that are unplugged and plugged back in.
//!
//! The backends live beside this file: `jack_io` (feature `jack`: pocket's own JACK client,
//! every event stamped at its frame) and `midir_io` (feature `midi-io`: ALSA, CoreMIDI, WinMM
//! through midir). A build may have both; ports are then searched in JACK first. The naming
//! rules (`names`, re-exported here) are plain functions available in every build.

use super::clock::CaptureClock;
use super::consumer::Control;
use super::LiveError;
use crate::formats::capture_log::StampSource;
use crate::time::Nanos;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;
use std::sync::Arc;

pub use super::names::{choose, stable_name, stable_names, POLL_EVERY};

/// A MIDI backend: where a port lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// pocket's own JACK client (feature `jack`).
    Jack,
    /// midir: ALSA, CoreMIDI or WinMM (feature `midi-io`).
    Midir,
    /// cpal's audio inputs (feature `midi-io`): acoustic kits only.
    Cpal,
}

impl Backend {
    /// The backend's name in `pocket devices` and reports: `jack`, or midir's system
    /// (`alsa`, `coremidi`, `winmm`).
    pub fn name(self) -> &'static str {
        match self {
            Backend::Jack => "jack",
            Backend::Midir if cfg!(target_os = "linux") => "alsa",
            Backend::Midir if cfg!(target_os = "macos") => "coremidi",
            Backend::Midir if cfg!(windows) => "winmm",
            Backend::Midir => "midir",
            Backend::Cpal => "cpal",
        }
    }
}

/// A port found by name: its backend and stable name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortRef {
    /// Where it lives.
    pub backend: Backend,
    /// Its stable name.
    pub name: String,
}

/// A backend as `pocket devices` reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BackendStatus {
    /// `jack`, `alsa`, `coremidi` or `winmm`.
    pub name: &'static str,
    /// Whether it answered (a JACK build without a running server does not).
    pub available: bool,
    /// Why it did not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A port as `pocket devices` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PortEntry {
    /// The backend it lives on (`jack`, `alsa`, ...).
    pub backend: &'static str,
    /// Stable name (what `--player NAME=PORT` matches).
    pub name: String,
    /// The name the system reported.
    pub system_name: String,
    /// Suggested kit profile, from the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_kit: Option<&'static str>,
    /// An audio input device's channel count (cpal inputs: its default input
    /// configuration's, what `#audio-channel=N` picks from); `None` for MIDI ports and JACK
    /// audio ports (one channel each).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<u16>,
}

/// MIDI inputs and outputs of the system.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Devices {
    /// The backends this build has, in search order.
    pub backends: Vec<BackendStatus>,
    /// Input ports (kits).
    pub inputs: Vec<PortEntry>,
    /// Output ports (for the click).
    pub outputs: Vec<PortEntry>,
    /// Audio inputs (`--player NAME=audio:DEVICE`): JACK audio ports that send, such as the
    /// sound card's capture ports (with a JACK server), then cpal's input devices (`midi-io`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audio_inputs: Vec<PortEntry>,
}

fn entries(backend: Backend, raw: Vec<String>) -> Vec<PortEntry> {
    let names = stable_names(&raw);
    raw.into_iter()
        .zip(names)
        .map(|(system_name, name)| PortEntry {
            backend: backend.name(),
            suggested_kit: crate::kit::suggest_profile(&name),
            name,
            system_name,
            channels: None,
        })
        .collect()
}

/// The backends this build has, in the order ports are searched: pocket's own JACK client
/// first (sample-accurate), then midir's (ALSA, CoreMIDI, WinMM).
fn built() -> Vec<Backend> {
    let mut v = Vec::new();
    if cfg!(feature = "jack") {
        v.push(Backend::Jack);
    }
    if cfg!(feature = "midi-io") {
        v.push(Backend::Midir);
    }
    v
}

/// The system names of a backend's MIDI inputs (kits) and outputs (click destinations).
fn port_names(backend: Backend) -> Result<(Vec<String>, Vec<String>), LiveError> {
    match backend {
        #[cfg(feature = "jack")]
        Backend::Jack => super::jack_io::port_names(),
        #[cfg(feature = "midi-io")]
        Backend::Midir => super::midir_io::port_names(),
        #[allow(unreachable_patterns)]
        _ => Err(LiveError::NotBuilt),
    }
}

/// The system's MIDI ports, from every backend this build has; a backend that cannot be
/// reached (no JACK server running) is listed with the reason.
pub fn devices() -> Result<Devices, LiveError> {
    let backends = built();
    if backends.is_empty() {
        let _ = entries;
        return Err(LiveError::NotBuilt);
    }
    let mut d = Devices {
        backends: Vec::new(),
        inputs: Vec::new(),
        outputs: Vec::new(),
        audio_inputs: Vec::new(),
    };
    #[cfg(feature = "jack")]
    if let Ok(raw) = super::jack_io::audio_port_names() {
        d.audio_inputs = entries(Backend::Jack, raw)
            .into_iter()
            .map(|e| PortEntry {
                suggested_kit: None,
                ..e
            })
            .collect();
    }
    #[cfg(feature = "midi-io")]
    if let Ok(raw) = super::cpal_in::inputs() {
        d.audio_inputs
            .extend(raw.into_iter().map(|(name, channels)| PortEntry {
                backend: Backend::Cpal.name(),
                system_name: name.clone(),
                name,
                suggested_kit: None,
                channels,
            }));
    }
    let mut last_error = None;
    for b in backends {
        match port_names(b) {
            Ok((inputs, outputs)) => {
                d.inputs.extend(entries(b, inputs));
                d.outputs.extend(entries(b, outputs));
                d.backends.push(BackendStatus {
                    name: b.name(),
                    available: true,
                    reason: None,
                });
            }
            Err(e) => {
                d.backends.push(BackendStatus {
                    name: b.name(),
                    available: false,
                    reason: Some(e.to_string()),
                });
                last_error = Some(e);
            }
        }
    }
    // With no MIDI system at all, audio inputs are still worth listing (an acoustic kit
    // needs no MIDI): each backend's reason is in `backends`.
    match last_error {
        Some(e) if d.backends.iter().all(|b| !b.available) && d.audio_inputs.is_empty() => Err(e),
        _ => Ok(d),
    }
}

/// Finds the port whose stable name matches `query` (see [`choose`]) among the inputs
/// (`output` false: kits) or outputs (click destinations) of every backend, JACK's first: a
/// query that matches a JACK port is taken from JACK; otherwise the other backend's ports are
/// searched. A backend that cannot be reached is skipped, unless none can.
fn find(query: &str, output: bool) -> Result<PortRef, LiveError> {
    let what = if output { "MIDI output" } else { "MIDI input" };
    let backends = built();
    if backends.is_empty() {
        return Err(LiveError::NotBuilt);
    }
    let mut available: Vec<String> = Vec::new();
    let mut reached = false;
    let mut unreachable = None;
    for b in &backends {
        let names = match port_names(*b) {
            Ok((i, o)) => stable_names(if output { &o } else { &i }),
            Err(e) => {
                unreachable = Some(e);
                continue;
            }
        };
        reached = true;
        match choose(query, &names, what) {
            Ok(k) => {
                return Ok(PortRef {
                    backend: *b,
                    name: names[k].clone(),
                })
            }
            Err(LiveError::NoSuchPort { .. }) => {
                let label = |n: &String| {
                    if backends.len() > 1 {
                        format!("{n} ({})", b.name())
                    } else {
                        n.clone()
                    }
                };
                available.extend(names.iter().map(label));
            }
            Err(e) => return Err(e),
        }
    }
    match (reached, unreachable) {
        (false, Some(e)) => Err(e),
        _ => Err(LiveError::NoSuchPort {
            what: what.into(),
            query: query.into(),
            available,
        }),
    }
}

/// The kit port matching `query` (JACK first; see `find` for the search order).
pub fn find_input(query: &str) -> Result<PortRef, LiveError> {
    find(query, false)
}

/// The audio input matching `query` (`--player NAME=audio:DEVICE`): a JACK audio port that
/// sends (a capture port such as `system:capture_1`, or another client's output), searched
/// first; else (feature `midi-io`) a cpal input device whose name holds `query`.
pub fn find_audio_input(query: &str) -> Result<PortRef, LiveError> {
    #[cfg(feature = "jack")]
    let jack = super::jack_io::audio_port_names().and_then(|raw| {
        let names = stable_names(&raw);
        let k = choose(query, &names, "audio input")?;
        Ok(PortRef {
            backend: Backend::Jack,
            name: names[k].clone(),
        })
    });
    #[cfg(not(feature = "jack"))]
    let jack: Result<PortRef, LiveError> = Err(LiveError::Settings(format!(
        "this pocket was built without audio input support, so it cannot listen to an audio \
         input ({query:?}); rebuild it with `cargo install --path . --features midi-io` \
         (cpal's inputs) or `--features jack` (a JACK server's)"
    )));
    match jack {
        Ok(p) => Ok(p),
        Err(e @ LiveError::AmbiguousPort { .. }) => Err(e),
        #[cfg(feature = "midi-io")]
        Err(_) => super::cpal_in::find_input(query).map(|name| PortRef {
            backend: Backend::Cpal,
            name,
        }),
        #[cfg(not(feature = "midi-io"))]
        Err(e) => Err(e),
    }
}

/// The click destination matching `query`.
pub fn find_output(query: &str) -> Result<PortRef, LiveError> {
    find(query, true)
}

/// The ports of a session, open: the kits' inputs on each backend and the click output.
#[derive(Default)]
pub struct OpenPorts {
    #[cfg(feature = "midi-io")]
    midir: Option<super::midir_io::Inputs>,
    #[cfg(feature = "midi-io")]
    midir_click: Option<std::thread::JoinHandle<()>>,
    #[cfg(feature = "jack")]
    jack: Option<super::jack_io::JackSession>,
    #[cfg(feature = "midi-io")]
    cpal_in: Option<super::cpal_in::CpalInputs>,
    stamps: Option<StampSource>,
    backing: Option<super::audio_cycle::JackAudioStarted>,
}

impl OpenPorts {
    /// Opens the kits' ports (port index, port), the acoustic kits' audio inputs (each with
    /// its backend: JACK or cpal), the click
    /// (destination, clicks at capture-clock times) and the backing on pocket's JACK client's
    /// audio outputs (`backing`: the client is opened for it even without JACK kits), each on
    /// its backend; every ring reaches the consumer through `control`. The midir click is sent
    /// by a thread that stops when `stop` is set.
    pub fn open(
        inputs: &[(u16, PortRef)],
        audio: &[(super::audio_in::AudioInput, Backend)],
        click: Option<(&PortRef, &[(Nanos, bool)])>,
        backing: Option<super::audio_cycle::JackAudioRequest>,
        clock: CaptureClock,
        control: Sender<Control>,
        stop: Arc<AtomicBool>,
    ) -> Result<OpenPorts, LiveError> {
        let on = |b: Backend| -> Vec<(u16, String)> {
            inputs
                .iter()
                .filter(|(_, p)| p.backend == b)
                .map(|(i, p)| (*i, p.name.clone()))
                .collect()
        };
        let (jack_inputs, midir_inputs) = (on(Backend::Jack), on(Backend::Midir));
        let audio_on = |b: Backend| -> Vec<super::audio_in::AudioInput> {
            audio
                .iter()
                .filter(|(_, ab)| *ab == b)
                .map(|(a, _)| a.clone())
                .collect()
        };
        let (audio, cpal_audio) = (audio_on(Backend::Jack), audio_on(Backend::Cpal));
        let jack_click = click.filter(|(p, _)| p.backend == Backend::Jack);
        let midir_click = click.filter(|(p, _)| p.backend == Backend::Midir);
        let _ = (&clock, &control, &stop, &backing);
        #[allow(unused_mut)]
        let mut open = OpenPorts::default();
        #[allow(unused_mut)]
        let mut backends: Vec<&str> = Vec::new();
        #[allow(unused_mut)]
        let mut resolution: f64 = 0.0;
        #[allow(unused_mut)]
        let (mut rate, mut period) = (None, None);
        if !jack_inputs.is_empty() || jack_click.is_some() || !audio.is_empty() || backing.is_some()
        {
            #[cfg(feature = "jack")]
            {
                let j = super::jack_io::JackSession::open(
                    &jack_inputs,
                    &audio,
                    jack_click.map(|(p, c)| (p.name.as_str(), c)),
                    backing,
                    clock,
                    control.clone(),
                )?;
                let sc = j.server_clock();
                rate = Some(sc.rate);
                period = Some(sc.period);
                if !jack_inputs.is_empty() || !audio.is_empty() {
                    backends.push(Backend::Jack.name());
                    resolution = resolution.max(1_000.0 / f64::from(sc.rate.max(1)));
                }
                open.backing = j.backing_started().cloned();
                open.jack = Some(j);
            }
            #[cfg(not(feature = "jack"))]
            return Err(LiveError::NotBuilt);
        }
        if !midir_inputs.is_empty() || midir_click.is_some() {
            #[cfg(feature = "midi-io")]
            {
                if let Some((p, clicks)) = midir_click {
                    let out = super::midir_io::ClickOutput::open(&p.name)?;
                    open.midir_click = Some(super::midir_io::spawn_clicks(
                        out,
                        clicks,
                        clock,
                        control.clone(),
                        Arc::clone(&stop),
                    ));
                }
                if !midir_inputs.is_empty() {
                    open.midir = Some(super::midir_io::Inputs::open(
                        &midir_inputs,
                        clock,
                        control.clone(),
                    )?);
                    backends.push(super::midir_io::backend());
                    resolution = resolution.max(super::midir_io::stamp_resolution_ms());
                }
            }
            #[cfg(not(feature = "midi-io"))]
            return Err(LiveError::NotBuilt);
        }
        if !cpal_audio.is_empty() {
            #[cfg(feature = "midi-io")]
            {
                let c = super::cpal_in::CpalInputs::open(&cpal_audio, clock, &control)?;
                backends.push(Backend::Cpal.name());
                for r in &c.rates {
                    resolution = resolution.max(1_000.0 / f64::from((*r).max(1)));
                }
                open.cpal_in = Some(c);
            }
            #[cfg(not(feature = "midi-io"))]
            return Err(LiveError::NotBuilt);
        }
        open.stamps = (!backends.is_empty()).then(|| StampSource {
            backend: backends.join("+"),
            sample_rate: rate,
            period_frames: period,
            stamp_resolution_ms: resolution,
        });
        Ok(open)
    }

    /// The backing audio on pocket's JACK client, started (`backing` of [`OpenPorts::open`]).
    pub fn backing_started(&self) -> Option<&super::audio_cycle::JackAudioStarted> {
        self.backing.as_ref()
    }

    /// How the kits' events are stamped (`None` without kit ports).
    pub fn stamps(&self) -> Option<&StampSource> {
        self.stamps.as_ref()
    }

    /// Closes every port (their rings then report finished) and waits for the click thread,
    /// which ends once the session's stop flag is set. Returns what went wrong with the audio
    /// inputs (lost audio, a recording that could not be written).
    pub fn close(self) -> Vec<String> {
        #[allow(unused_mut)]
        let mut warnings = Vec::new();
        #[cfg(feature = "jack")]
        if let Some(j) = self.jack {
            warnings = j.close();
        }
        #[cfg(feature = "midi-io")]
        {
            if let Some(c) = self.cpal_in {
                warnings.extend(c.close());
            }
            if let Some(i) = self.midir {
                i.close();
            }
            if let Some(t) = self.midir_click {
                let _ = t.join();
            }
        }
        warnings
    }
}
