//! The backing audio on pocket's own JACK client (feature `jack`): two audio output ports
//! (`pocket:out-L`, `pocket:out-R`) registered on the same client as the kits' MIDI ports and
//! written in the same process callback, so audio, clicks and hits share one sample clock.
//!
//! The ports connect to the system playback ports, or to the input ports whose names hold the
//! `--audio-out` text. Once connected, the playback latency range of pocket's own output
//! ports is read (0 into another client; the driver's buffering into system playback), and
//! the frame the backing starts at is chosen so that its chart-zero sample is heard at the
//! planned capture-clock time: `start = heard_at − latency − chart_zero_frame`, in frames
//! (docs/play-along.md). The per-cycle part is `audio_cycle` (no JACK calls there).

use super::audio_cycle::{AudioCycle, AudioStart, JackAudioRequest, JackAudioStarted};
use super::LiveError;
use crate::time::Nanos;
use jack::{AudioOut, Client, ClientOptions, LatencyType, Port, PortFlags, ProcessScope};
use std::time::Duration;

/// The client that lists ports (as `jack_io`'s listing client).
fn list_client() -> Result<Client, LiveError> {
    Client::new("pocket-list", ClientOptions::NO_START_SERVER)
        .map(|(c, _)| c)
        .map_err(|e| {
            LiveError::NoMidiSystem(format!(
                "cannot reach a JACK server ({e}); start jackd, or PipeWire with its JACK support \
                 (pipewire-jack)"
            ))
        })
}

/// The JACK audio input ports (where pocket's audio can go), by full name.
fn audio_inputs(c: &Client) -> Vec<String> {
    c.ports(None, Some("audio"), PortFlags::IS_INPUT)
}

/// The JACK audio inputs pocket can play to, for `pocket devices`: `(name, is_default)`,
/// the system playback ports being the default.
pub fn list_outputs() -> Result<Vec<(String, bool)>, LiveError> {
    let c = list_client()?;
    let physical = c.ports(
        None,
        Some("audio"),
        PortFlags::IS_INPUT | PortFlags::IS_PHYSICAL,
    );
    Ok(audio_inputs(&c)
        .into_iter()
        .map(|n| {
            let d = physical.contains(&n);
            (n, d)
        })
        .collect())
}

/// Where the backing goes on JACK and the server's rate: the input ports whose full name
/// holds `query` (case-insensitive), in the server's order (the first is left, the second
/// right; a single port gets both), or the system playback ports. An error when no server
/// answers or no port matches.
pub fn find(query: Option<&str>) -> Result<(Vec<String>, u32), LiveError> {
    let c = list_client()?;
    let all = audio_inputs(&c);
    let chosen: Vec<String> = match query {
        Some(q) => {
            let q = q.to_lowercase();
            all.iter()
                .filter(|n| n.to_lowercase().contains(&q))
                .take(2)
                .cloned()
                .collect()
        }
        None => c
            .ports(
                None,
                Some("audio"),
                PortFlags::IS_INPUT | PortFlags::IS_PHYSICAL,
            )
            .into_iter()
            .take(2)
            .collect(),
    };
    if chosen.is_empty() {
        return Err(LiveError::NoSuchPort {
            what: "JACK audio input".into(),
            query: query.unwrap_or("the system playback ports").into(),
            available: all,
        });
    }
    Ok((chosen, c.sample_rate()))
}

/// pocket's audio output ports in the process callback.
pub(super) struct Output {
    left: Port<AudioOut>,
    right: Port<AudioOut>,
    cycle: AudioCycle,
}

impl Output {
    /// Writes this cycle (first frame: session frame `start`). Real-time safe.
    #[inline]
    pub(super) fn process(&mut self, ps: &ProcessScope, start: i64) {
        let left = self.left.as_mut_slice(ps);
        let right = self.right.as_mut_slice(ps);
        self.cycle.write(start, left, right);
    }
}

/// The output ports registered, not yet connected.
pub(super) struct Pending {
    ports: [String; 2],
    destinations: Vec<String>,
    heard_at: Nanos,
    chart_zero_frame: f64,
    start: AudioStart,
}

/// Registers `pocket:out-L` and `pocket:out-R` on the client (before it is activated).
pub(super) fn register(
    c: &Client,
    request: JackAudioRequest,
) -> Result<(Output, Pending), LiveError> {
    let refused =
        |e: jack::Error| LiveError::NoMidiSystem(format!("JACK refused pocket's audio port ({e})"));
    let left = c
        .register_port("out-L", AudioOut::default())
        .map_err(refused)?;
    let right = c
        .register_port("out-R", AudioOut::default())
        .map_err(refused)?;
    let ports = [
        left.name().map_err(refused)?,
        right.name().map_err(refused)?,
    ];
    let chart_zero_frame = request.zero_frame;
    Ok((
        Output {
            left,
            right,
            cycle: request.cycle,
        },
        Pending {
            ports,
            destinations: request.destinations,
            heard_at: request.heard_at,
            chart_zero_frame,
            start: request.start,
        },
    ))
}

/// The playback latency range's maximum of `ports`, once JACK has settled it after a
/// connection (read until two reads 20 ms apart agree, at most 0.5 s).
fn settled_latency(c: &Client, ports: &[String]) -> u32 {
    let read = || {
        ports
            .iter()
            .filter_map(|n| c.port_by_name(n))
            .map(|p| p.get_latency_range(LatencyType::Playback).1)
            .max()
            .unwrap_or(0)
    };
    let mut last = read();
    for _ in 0..25 {
        std::thread::sleep(Duration::from_millis(20));
        let now = read();
        if now == last {
            return now;
        }
        last = now;
    }
    last
}

impl Pending {
    /// Connects the outputs (the client is active), reads their latency and sets the frame
    /// the backing starts at. `zero` is JACK's frame time at the capture clock's zero.
    pub(super) fn connect_and_start(
        self,
        c: &Client,
        zero: u32,
        rate: u32,
        period: u32,
    ) -> Result<JackAudioStarted, LiveError> {
        let mut links = Vec::new();
        for (k, mine) in self.ports.iter().enumerate() {
            let to = &self.destinations[k.min(self.destinations.len() - 1)];
            c.connect_ports_by_name(mine, to)
                .map_err(|e| LiveError::PortBusy {
                    name: to.clone(),
                    reason: e.to_string(),
                })?;
            links.push((mine.clone(), to.clone()));
        }
        let latency = settled_latency(c, &self.ports);
        let heard = self.heard_at.0 as f64 * f64::from(rate) / 1e9;
        let start_frame = (heard - f64::from(latency) - self.chart_zero_frame).round() as i64;
        let now = i64::from(c.frame_time().wrapping_sub(zero) as i32);
        if start_frame < now + 2 * i64::from(period) {
            return Err(LiveError::PortBusy {
                name: self.ports[0].clone(),
                reason: format!(
                    "the JACK output started too late to play the backing on time ({} ms late)",
                    (now + 2 * i64::from(period) - start_frame) * 1000 / i64::from(rate.max(1))
                ),
            });
        }
        self.start.start_at(start_frame);
        Ok(JackAudioStarted {
            start_frame,
            latency_frames: latency,
            rate,
            links,
            start: self.start,
        })
    }
}
