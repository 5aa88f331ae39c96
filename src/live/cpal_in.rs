//! Acoustic kits heard through cpal's audio inputs (feature `midi-io`: ALSA on Linux,
//! CoreAudio, WASAPI): `--player NAME=audio:DEVICE` when no JACK port matches.
//!
//! The input callback is real-time: it reads the capture clock first, mixes the device's
//! channels (f32, i16 or i32, interleaved) into a mono buffer made beforehand and pushes it
//! into the input's audio ring with the device's frame count and the capture-clock time of
//! its first sample as cpal's timestamps give it: `now − (callback − capture)`, where
//! `callback − capture` is how long the block's first frame waited in the device's buffer
//! (ALSA: the stream's delay). cpal's `StreamInstant` runs on its own clock (ALSA: the
//! stream's hardware time stamps from its trigger), so only that difference is used; the
//! offset between the two clocks is read afresh in every callback (`now`). The rest (the
//! transcriber thread, the recording, the placement on the session's clock) is the JACK
//! input's, in `audio_in`.

use super::audio_in::{start_input, AudioInput, AudioSender, AudioThread};
use super::audio_out::{busy, find_device, list_devices, open_device};
use super::clock::{CaptureClock, FrameClock};
use super::consumer::Control;
use super::ring::probe;
use super::LiveError;
use cpal::traits::{DeviceTrait, StreamTrait};
use std::sync::mpsc::Sender;

/// Largest block handled in one piece; larger ones are pushed in pieces.
const SCRATCH_FRAMES: usize = 8192;

/// The names of cpal's audio inputs (what `audio:DEVICE` matches, by part of the name).
pub fn input_names() -> Result<Vec<String>, LiveError> {
    Ok(list_devices(true)?.into_iter().map(|(n, _)| n).collect())
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
    /// Opens each input's device (`AudioInput::device`: its full name), starts its
    /// transcriber (its hits reach the consumer through `control`) and starts the stream.
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
        for input in audio {
            let (device, name, config) = open_device(Some(&input.device), true)?;
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
            let (sender, thread) = start_input(input, rate, clock, control)?;
            let failed = sender.failure_flag(clock);
            let callback = Callback {
                sender,
                clock,
                frames: FrameClock { rate },
                channels: usize::from(config.channels()).max(1),
                mono: vec![0.0; SCRATCH_FRAMES],
                frame: 0,
            };
            let on_error = move |_e: cpal::StreamError| failed.set();
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
            // A stream that cannot start drops its callback: the transcriber ends with it.
            let stream = stream.map_err(|e| busy(e.to_string()))?;
            stream.play().map_err(|e| busy(e.to_string()))?;
            open.streams.push(stream);
            open.threads.push(thread);
            open.rates.push(rate);
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

/// What the input callback owns: the ring's end, the clock and a buffer made beforehand.
struct Callback {
    sender: AudioSender,
    clock: CaptureClock,
    frames: FrameClock,
    channels: usize,
    mono: Vec<f32>,
    /// The device's frames delivered so far.
    frame: i64,
}

impl Callback {
    /// The callback body: stamp, mix to mono, copy, return (real-time safe).
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
        let mut done = 0i64;
        for piece in data.chunks(SCRATCH_FRAMES * channels) {
            let n = piece.len() / channels;
            let scale = 1.0 / channels as f32;
            for (m, frame) in self.mono[..n].iter_mut().zip(piece.chunks_exact(channels)) {
                *m = frame.iter().map(|s| s.to_sample::<f32>()).sum::<f32>() * scale;
            }
            let at = heard.saturating_add(self.frames.time(done));
            self.sender
                .push_heard(self.frame + done, at, &self.mono[..n]);
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
