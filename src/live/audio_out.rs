//! Backing audio out through cpal (ALSA on Linux, CoreAudio, WASAPI), mapped onto the capture
//! clock, and finding cpal's devices (outputs here, inputs for `cpal_in`); `midi-io` builds
//! only. With `cpal_in`, the only files that touch cpal.
//!
//! The output callback is real-time: it reads the capture clock, copies frames from the
//! [`backing::Reader`] into cpal's buffer and records one number: when the output's frame 0
//! is heard, on the capture clock. Each callback gives an estimate,
//! `now + (playback − callback) − frames_before / rate`, where `playback − callback` is how
//! long cpal says the buffer's first frame takes to reach the DAC (ALSA: from the device's
//! hardware delay). A callback woken late only makes its estimate later, so pocket keeps the
//! minimum (as `ConnectionClock` does for MIDI stamps) and also the maximum: their spread is
//! the error bar of the mapping, reported with the session (the DAC, speakers and air after
//! it are the audio offset, which only calibration can measure).

use super::clock::CaptureClock;
use super::LiveError;
use crate::backing::{self, Feed, Plan, Reader, Settings};
use crate::time::Nanos;
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Largest callback buffer handled in one piece; larger ones are filled in pieces.
const SCRATCH_FRAMES: usize = 8192;

/// The audio outputs of the default host: `(name, is_default)`.
pub fn list_outputs() -> Result<Vec<(String, bool)>, LiveError> {
    list_devices(false)
}

/// The audio outputs (`input` false) or inputs of the default host: `(name, is_default)`.
pub(super) fn list_devices(input: bool) -> Result<Vec<(String, bool)>, LiveError> {
    let host = cpal::default_host();
    let default = default_device(&host, input).map(|d| device_name(&d));
    Ok(devices(&host, input)?
        .into_iter()
        .map(|(_, name)| {
            let is_default = default.as_deref() == Some(name.as_str());
            (name, is_default)
        })
        .collect())
}

fn device_name(d: &cpal::Device) -> String {
    d.name()
        .unwrap_or_else(|e| format!("(unnamed device: {e})"))
}

fn what(input: bool) -> &'static str {
    if input {
        "audio input"
    } else {
        "audio output"
    }
}

fn default_device(host: &cpal::Host, input: bool) -> Option<cpal::Device> {
    if input {
        host.default_input_device()
    } else {
        host.default_output_device()
    }
}

pub(super) fn devices(
    host: &cpal::Host,
    input: bool,
) -> Result<Vec<(cpal::Device, String)>, LiveError> {
    let list = if input {
        host.input_devices()
    } else {
        host.output_devices()
    };
    let list = list
        .map_err(|e| LiveError::NoMidiSystem(format!("cannot list the {}s: {e}", what(input))))?;
    Ok(list
        .map(|d| {
            let n = device_name(&d);
            (d, n)
        })
        .collect())
}

/// The output (`input` false) or input device whose name holds `query` (case-insensitive; an
/// exact name wins over names that merely contain it), or the default one.
pub(super) fn find_device(
    query: Option<&str>,
    input: bool,
) -> Result<(cpal::Device, String), LiveError> {
    let host = cpal::default_host();
    let Some(query) = query else {
        let d = default_device(&host, input).ok_or_else(|| LiveError::NoSuchPort {
            what: what(input).into(),
            query: format!("the default {}", what(input)),
            available: Vec::new(),
        })?;
        let name = device_name(&d);
        return Ok((d, name));
    };
    let q = query.to_lowercase();
    let devices = devices(&host, input)?;
    let names: Vec<String> = devices.iter().map(|(_, n)| n.clone()).collect();
    let mut matching: Vec<(cpal::Device, String)> = devices
        .into_iter()
        .filter(|(_, n)| n.to_lowercase().contains(&q))
        .collect();
    match matching.len() {
        0 => Err(LiveError::NoSuchPort {
            what: what(input).into(),
            query: query.into(),
            available: names,
        }),
        1 => Ok(matching.remove(0)),
        _ => {
            if let Some(i) = matching.iter().position(|(_, n)| n.to_lowercase() == q) {
                return Ok(matching.remove(i));
            }
            Err(LiveError::AmbiguousPort {
                what: what(input).into(),
                query: query.into(),
                matches: matching.into_iter().map(|(_, n)| n).collect(),
            })
        }
    }
}

/// The output (`input` false) or input device whose name holds `query` (see [`find_device`]),
/// its name and its default configuration.
pub(super) fn open_device(
    query: Option<&str>,
    input: bool,
) -> Result<(cpal::Device, String, cpal::SupportedStreamConfig), LiveError> {
    let (device, name) = find_device(query, input)?;
    let config = if input {
        device.default_input_config()
    } else {
        device.default_output_config()
    }
    .map_err(|e| busy(&name)(e.to_string()))?;
    Ok((device, name, config))
}

/// The error of device `name` that cannot be used, saying why.
pub(super) fn busy(name: &str) -> impl Fn(String) -> LiveError + '_ {
    move |reason| LiveError::PortBusy {
        name: name.to_string(),
        reason,
    }
}

/// Numbers the callback leaves for the session.
#[derive(Debug)]
struct OutShared {
    /// Min and max over callbacks of the capture-clock time frame 0 is heard (ns).
    zero_min: AtomicI64,
    zero_max: AtomicI64,
    /// `playback − callback` of the latest callback (ns): the latency the API reports.
    reported_latency: AtomicI64,
    callbacks: AtomicU64,
    /// The stream reported an error (the device went away).
    failed: AtomicBool,
    /// Everything has been played.
    finished: AtomicBool,
}

/// A playing backing track on an audio output.
pub struct AudioOut {
    _stream: cpal::Stream,
    shared: Arc<OutShared>,
    feed: Option<Feed>,
    /// The device's name.
    pub device: String,
    /// Its sample rate, Hz.
    pub rate: u32,
    /// Where chart zero is in the output (frames from the first one played).
    pub timing: backing::Timing,
}

impl std::fmt::Debug for AudioOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioOut")
            .field("device", &self.device)
            .field("rate", &self.rate)
            .finish()
    }
}

/// Where frame 0 of the output is heard on the capture clock: the best estimate and its
/// error bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputMapping {
    /// The earliest estimate (callbacks woken late only make it later).
    pub frame_zero: Nanos,
    /// Latest minus earliest estimate over the callbacks seen.
    pub spread: Nanos,
    /// The output latency the API reported (`playback − callback`).
    pub reported_latency: Nanos,
    /// Callbacks seen.
    pub callbacks: u64,
}

impl AudioOut {
    /// Opens the output (`query`: part of its name; `None`: the default), starts the backing
    /// feed at the device's rate and starts playing.
    pub fn start(
        query: Option<&str>,
        plan: &Plan,
        settings: impl FnOnce(u32) -> Settings,
        clock: CaptureClock,
    ) -> Result<AudioOut, LiveError> {
        let (device, name, config) = open_device(query, false)?;
        let busy = busy(&name);
        let rate = config.sample_rate().0;
        let channels = usize::from(config.channels()).max(1);
        let (reader, feed) = backing::start(plan, &settings(rate))?;
        let timing = reader.timing();
        let shared = Arc::new(OutShared {
            zero_min: AtomicI64::new(i64::MAX),
            zero_max: AtomicI64::new(i64::MIN),
            reported_latency: AtomicI64::new(0),
            callbacks: AtomicU64::new(0),
            failed: AtomicBool::new(false),
            finished: AtomicBool::new(false),
        });
        let stream_config: cpal::StreamConfig = config.config();
        let err_shared = Arc::clone(&shared);
        let on_error = move |_e: cpal::StreamError| {
            err_shared.failed.store(true, Ordering::Release);
        };
        let callback = Callback {
            reader,
            channels,
            rate,
            clock,
            shared: Arc::clone(&shared),
            left: vec![0.0; SCRATCH_FRAMES],
            right: vec![0.0; SCRATCH_FRAMES],
        };
        let stream = match config.sample_format() {
            cpal::SampleFormat::F32 => build::<f32>(&device, &stream_config, callback, on_error),
            cpal::SampleFormat::I16 => build::<i16>(&device, &stream_config, callback, on_error),
            cpal::SampleFormat::I32 => build::<i32>(&device, &stream_config, callback, on_error),
            other => {
                return Err(busy(format!(
                    "its sample format {other:?} is not one pocket writes (f32, i16, i32)"
                )))
            }
        }
        .map_err(|e| busy(e.to_string()))?;
        stream.play().map_err(|e| busy(e.to_string()))?;
        // The closure borrows the name, which the output keeps.
        drop(busy);
        Ok(AudioOut {
            _stream: stream,
            shared,
            feed: Some(feed),
            device: name,
            rate,
            timing,
        })
    }

    /// Waits (up to `timeout`) for `settle` callbacks and returns the mapping of frame 0
    /// onto the capture clock; `None` if the output never called back.
    pub fn mapping(&self, settle: u64, timeout: Duration) -> Option<OutputMapping> {
        let deadline = Instant::now() + timeout;
        while self.shared.callbacks.load(Ordering::Acquire) < settle && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        let callbacks = self.shared.callbacks.load(Ordering::Acquire);
        if callbacks == 0 {
            return None;
        }
        let min = self.shared.zero_min.load(Ordering::Acquire);
        let max = self.shared.zero_max.load(Ordering::Acquire);
        Some(OutputMapping {
            frame_zero: Nanos(min),
            spread: Nanos(max.saturating_sub(min)),
            reported_latency: Nanos(self.shared.reported_latency.load(Ordering::Relaxed)),
            callbacks,
        })
    }

    /// Whether everything has been played (the output keeps running, silent).
    pub fn is_finished(&self) -> bool {
        self.shared.finished.load(Ordering::Acquire)
    }

    /// Whether the device reported an error (unplugged, say).
    pub fn failed(&self) -> bool {
        self.shared.failed.load(Ordering::Acquire)
    }

    /// Stops the feed; returns the underruns, or the error that stopped the feed early.
    pub fn finish(mut self) -> Result<backing::FeedStats, LiveError> {
        match self.feed.take() {
            Some(f) => Ok(f.stop()?),
            None => Ok(backing::FeedStats {
                underruns: 0,
                underrun_frames: 0,
            }),
        }
    }
}

/// What the output callback owns: the reader, the clock and scratch buffers made beforehand.
struct Callback {
    reader: Reader,
    channels: usize,
    rate: u32,
    clock: CaptureClock,
    shared: Arc<OutShared>,
    left: Vec<f32>,
    right: Vec<f32>,
}

impl Callback {
    /// The callback body: stamp, copy, return (real-time safe).
    fn run<T: cpal::Sample + cpal::FromSample<f32>>(
        &mut self,
        data: &mut [T],
        info: &cpal::OutputCallbackInfo,
    ) {
        let now = self.clock.now();
        let ts = info.timestamp();
        let latency = ts.playback.duration_since(&ts.callback).unwrap_or_default();
        let latency_ns = i64::try_from(latency.as_nanos()).unwrap_or(i64::MAX);
        let before = self.reader.frames_filled() as i64;
        let zero = now.0 + latency_ns - before * 1_000_000_000 / i64::from(self.rate.max(1));
        self.shared.zero_min.fetch_min(zero, Ordering::AcqRel);
        self.shared.zero_max.fetch_max(zero, Ordering::AcqRel);
        self.shared
            .reported_latency
            .store(latency_ns, Ordering::Relaxed);
        let channels = self.channels;
        for piece in data.chunks_mut(SCRATCH_FRAMES * channels) {
            let n = piece.len() / channels;
            self.reader.fill(&mut self.left[..n], &mut self.right[..n]);
            for (f, frame) in piece.chunks_mut(channels).enumerate() {
                for (c, s) in frame.iter_mut().enumerate() {
                    let v = match c {
                        0 => self.left[f],
                        1 => self.right[f],
                        _ => 0.0,
                    };
                    *s = T::from_sample(v);
                }
            }
        }
        if self.reader.is_finished() {
            self.shared.finished.store(true, Ordering::Release);
        }
        self.shared.callbacks.fetch_add(1, Ordering::Release);
    }
}

fn build<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut callback: Callback,
    on_error: impl FnMut(cpal::StreamError) + Send + 'static,
) -> Result<cpal::Stream, cpal::BuildStreamError>
where
    T: cpal::SizedSample + cpal::FromSample<f32>,
{
    device.build_output_stream(
        config,
        move |data: &mut [T], info: &cpal::OutputCallbackInfo| callback.run(data, info),
        on_error,
        None,
    )
}

/// Plays an audio file to the end on an output (`query`: part of its name; `None`: the
/// default), or until `stop` is set; returns the output's name.
pub fn play_file(
    path: &std::path::Path,
    query: Option<&str>,
    stop: &AtomicBool,
) -> Result<String, LiveError> {
    let out = AudioOut::start(
        query,
        &Plan::file(path),
        Settings::new,
        CaptureClock::start(),
    )?;
    while !out.is_finished() && !stop.load(Ordering::Relaxed) {
        if out.failed() {
            return Err(LiveError::PortBusy {
                name: out.device.clone(),
                reason: "the output stopped while playing".into(),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let name = out.device.clone();
    out.finish()?;
    Ok(name)
}
