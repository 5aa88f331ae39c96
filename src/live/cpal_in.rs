//! Acoustic kits heard through cpal's audio inputs (feature `midi-io`: ALSA on Linux,
//! CoreAudio, WASAPI): `--player NAME=audio:DEVICE` when no JACK port matches.
//!
//! The input callback is real-time: it reads the capture clock first, mixes the device's
//! channels (f32, i16 or i32, interleaved) into a mono buffer made beforehand, or takes one
//! channel of them (`audio:DEVICE#audio-channel=N`), and pushes it into the input's audio
//! ring with the device's frame count and the capture-clock time of
//! its first sample as cpal's timestamps give it: `now − (callback − capture)`, where
//! `callback − capture` is how long the block's first frame waited in the device's buffer
//! (ALSA: the stream's delay). cpal's `StreamInstant` runs on its own clock (ALSA: the
//! stream's hardware time stamps from its trigger), so only that difference is used; the
//! offset between the two clocks is read afresh in every callback (`now`). Several players on
//! one device (one kit per input channel) share one stream, since a device can seldom be
//! opened twice: its callback deinterleaves each player's channel into that player's own
//! buffer and ring, every block with the same frame and heard time, so the kits are on one
//! clock. The rest (the
//! transcriber thread, the recording, the placement on the session's clock) is the JACK
//! input's, in `audio_in`.

use super::audio_in::{start_input, AudioInput, AudioSender, AudioThread};
use super::audio_out::{busy, devices, find_device, open_device};
use super::clock::{CaptureClock, FrameClock};
use super::consumer::Control;
use super::ring::probe;
use super::LiveError;
use cpal::traits::{DeviceTrait, StreamTrait};
use std::sync::mpsc::Sender;

/// Largest block handled in one piece; larger ones are pushed in pieces.
const SCRATCH_FRAMES: usize = 8192;

/// cpal's audio inputs: each name (what `audio:DEVICE` matches, by part of the name) and the
/// channels of its default input configuration (what a session opens, and what
/// `#audio-channel=N` picks from), `None` where the device will not say.
pub fn inputs() -> Result<Vec<(String, Option<u16>)>, LiveError> {
    let host = cpal::default_host();
    Ok(devices(&host, true)?
        .into_iter()
        .map(|(device, name)| {
            let channels = device.default_input_config().ok().map(|c| c.channels());
            (name, channels)
        })
        .collect())
}

/// The audio input whose name holds `query` (case-insensitive): its full name.
pub fn find_input(query: &str) -> Result<String, LiveError> {
    find_device(Some(query), true).map(|(_, name)| name)
}

/// The open cpal inputs of a session and their transcribers.
pub struct CpalInputs {
    streams: Vec<cpal::Stream>,
    threads: Vec<AudioThread>,
    /// Each input's sample rate, Hz, in the order opened.
    pub rates: Vec<u32>,
}

impl CpalInputs {
    /// Opens each input's device (`AudioInput::device`: its full name) once, whatever the
    /// number of players on it, starts each input's transcriber (its hits reach the consumer
    /// through `control`) and starts the streams. Inputs on one device share its stream: its
    /// callback gives each its channel (`AudioInput::channel`, or all mixed) with the same
    /// frames and heard time, so their kits are on one clock.
    pub fn open(
        audio: &[AudioInput],
        clock: CaptureClock,
        control: &Sender<Control>,
    ) -> Result<CpalInputs, LiveError> {
        let mut open = CpalInputs {
            streams: Vec::with_capacity(audio.len()),
            threads: Vec::with_capacity(audio.len()),
            rates: Vec::with_capacity(audio.len()),
        };
        let mut devices: Vec<&str> = Vec::new();
        for input in audio {
            if !devices.contains(&input.device.as_str()) {
                devices.push(&input.device);
            }
        }
        for device_name in devices {
            let on_device: Vec<&AudioInput> =
                audio.iter().filter(|a| a.device == device_name).collect();
            let (device, name, config) = open_device(Some(device_name), true)?;
            let busy = busy(&name);
            let rate = config.sample_rate().0;
            let format = config.sample_format();
            if !matches!(
                format,
                cpal::SampleFormat::F32 | cpal::SampleFormat::I16 | cpal::SampleFormat::I32
            ) {
                return Err(busy(format!(
                    "its sample format {format:?} is not one pocket reads (f32, i16, i32)"
                )));
            }
            let channels = config.channels().max(1);
            for input in &on_device {
                if let Some(c) = input.channel.filter(|c| *c == 0 || *c > channels) {
                    return Err(LiveError::NoSuchAudioChannel {
                        player: input.player.clone(),
                        device: name.clone(),
                        channel: c,
                        channels,
                    });
                }
            }
            let mut lanes = Vec::with_capacity(on_device.len());
            let mut failed = Vec::with_capacity(on_device.len());
            for input in on_device {
                let (sender, thread) = start_input(input, rate, clock, control)?;
                failed.push(sender.failure_flag(clock));
                lanes.push(Lane {
                    sender,
                    channel: input.channel.map(|c| usize::from(c) - 1),
                    mono: vec![0.0; SCRATCH_FRAMES],
                });
                open.threads.push(thread);
                open.rates.push(rate);
            }
            let callback = Callback {
                lanes,
                clock,
                frames: FrameClock { rate },
                channels: usize::from(channels),
                frame: 0,
            };
            let on_error = move |_e: cpal::StreamError| failed.iter().for_each(|f| f.set());
            let stream_config: cpal::StreamConfig = config.config();
            let stream = match format {
                cpal::SampleFormat::I16 => {
                    build::<i16>(&device, &stream_config, callback, on_error)
                }
                cpal::SampleFormat::I32 => {
                    build::<i32>(&device, &stream_config, callback, on_error)
                }
                _ => build::<f32>(&device, &stream_config, callback, on_error),
            };
            // A stream that cannot start drops its callback: the transcribers end with it.
            let stream = stream.map_err(|e| busy(e.to_string()))?;
            stream.play().map_err(|e| busy(e.to_string()))?;
            open.streams.push(stream);
        }
        Ok(open)
    }

    /// Stops the streams (their rings then report finished) and waits for the transcribers,
    /// which finish their recordings; returns what went wrong with them.
    pub fn close(self) -> Vec<String> {
        drop(self.streams);
        self.threads
            .into_iter()
            .flat_map(|t| t.join().warnings())
            .collect()
    }
}

/// One input of a device's stream: its ring's end, its channel and its buffer made
/// beforehand.
struct Lane {
    sender: AudioSender,
    /// The channel's index in a frame, or `None`: every channel mixed.
    channel: Option<usize>,
    mono: Vec<f32>,
}

/// What the input callback owns: the inputs' rings, the clock and the device's frame count.
struct Callback {
    lanes: Vec<Lane>,
    clock: CaptureClock,
    frames: FrameClock,
    channels: usize,
    /// The device's frames delivered so far.
    frame: i64,
}

impl Callback {
    /// The callback body: stamp once, give each input its channel (or the mix), copy, return
    /// (real-time safe).
    fn run<T>(&mut self, data: &[T], info: &cpal::InputCallbackInfo)
    where
        T: cpal::Sample,
        f32: cpal::FromSample<T>,
    {
        let now = self.clock.now();
        probe(true);
        let ts = info.timestamp();
        let waited = ts.callback.duration_since(&ts.capture).unwrap_or_default();
        let heard = now.saturating_sub(crate::time::Nanos(
            i64::try_from(waited.as_nanos()).unwrap_or(i64::MAX),
        ));
        let channels = self.channels;
        let scale = 1.0 / channels as f32;
        let mut done = 0i64;
        for piece in data.chunks(SCRATCH_FRAMES * channels) {
            let n = piece.len() / channels;
            let at = heard.saturating_add(self.frames.time(done));
            for lane in &mut self.lanes {
                let frames = lane.mono[..n].iter_mut().zip(piece.chunks_exact(channels));
                match lane.channel {
                    Some(c) => {
                        for (m, frame) in frames {
                            *m = frame[c].to_sample::<f32>();
                        }
                    }
                    None => {
                        for (m, frame) in frames {
                            *m = frame.iter().map(|s| s.to_sample::<f32>()).sum::<f32>() * scale;
                        }
                    }
                }
                lane.sender
                    .push_heard(self.frame + done, at, &lane.mono[..n]);
            }
            done += n as i64;
        }
        self.frame += done;
        probe(false);
    }
}

fn build<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut callback: Callback,
    on_error: impl FnMut(cpal::StreamError) + Send + 'static,
) -> Result<cpal::Stream, cpal::BuildStreamError>
where
    T: cpal::SizedSample,
    f32: cpal::FromSample<T>,
{
    device.build_input_stream(
        config,
        move |data: &[T], info: &cpal::InputCallbackInfo| callback.run(data, info),
        on_error,
        None,
    )
}
