//! Audio output: click tracks that follow a chart's tempo map, the chart played by simple
//! synthesized drum voices (the "guide"), and duo renders with one player per stereo side, as
//! 16-bit WAV files. The only module that touches hound.
//!
//! Timing is exact: an event at time `t` starts on sample `round((t - origin) × rate / 1e9)`,
//! computed in integers from [`Nanos`], where `origin` is the time of the file's first sample.
//! Every voice starts on its attack (its first sample is its loudest or close to it), so an
//! onset is where the sound begins.
//!
//! A render is first planned ([`Render`]: sounds at sample positions, no audio yet), then
//! mixed block by block straight into the file, so a long render needs little memory. Files are
//! written to a temporary sibling, finished with hound's `finalize` and renamed into place.

use crate::chart::Chart;
use crate::lane::{Articulation, Lane};
use crate::matching::Offsets;
use crate::take::Take;
use crate::time::Nanos;
use std::path::{Path, PathBuf};

/// Sample rate used when none is given.
pub const DEFAULT_SAMPLE_RATE: u32 = 48_000;
/// Lowest sample rate accepted.
pub const MIN_SAMPLE_RATE: u32 = 8_000;
/// Highest sample rate accepted.
pub const MAX_SAMPLE_RATE: u32 = 192_000;
/// Longest render, in seconds (a 16-bit stereo WAV stays well under its 4 GiB limit).
pub const MAX_RENDER_S: i64 = 4 * 3600;
/// Frames mixed at a time.
const BLOCK_FRAMES: usize = 1 << 15;
/// Seed of the noise generator: every render of the same input is the same file.
const NOISE_SEED: u64 = 0x5EED_D2C3_0F1E_7A11;

/// Why audio could not be written.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// A sample rate out of range.
    #[error("sample rate {0} Hz is out of range; use {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} (48000 or 44100 are usual)")]
    BadSampleRate(u32),
    /// The render would be too long for a WAV file.
    #[error("the render would last {seconds} s, more than the {MAX_RENDER_S} s a WAV file holds here; is a take's clock far off the chart's?")]
    TooLong {
        /// Its length.
        seconds: i64,
    },
    /// The file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What hound or the OS said.
        #[source]
        source: hound::Error,
    },
}

/// The sample nearest to `offset` after the first sample, at `rate` Hz: `round(offset × rate /
/// 1e9)`, halves away from zero, in exact integer arithmetic.
pub fn sample_index(offset: Nanos, rate: u32) -> i64 {
    let num = offset.0 as i128 * rate as i128;
    let q = (num.abs() + 500_000_000) / 1_000_000_000;
    (if num < 0 { -q } else { q }) as i64
}

/// The synthesized sounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Voice {
    /// Metronome click on a downbeat.
    ClickAccent,
    /// Metronome click on another beat.
    Click,
    /// Kick: a sine whose pitch drops.
    Kick,
    /// Snare: a noise burst and a tone.
    Snare,
    /// Closed hi-hat: a short high-passed noise.
    HihatClosed,
    /// Half-open hi-hat.
    HihatHalfOpen,
    /// Open hi-hat: a longer high-passed noise.
    HihatOpen,
    /// Hi-hat foot chick.
    HihatPedal,
    /// Toms 1 to 4, high to low: pitched sine drops.
    Tom(u8),
    /// Crash cymbals (1 or 2): long high-passed noise with partials.
    Crash(u8),
    /// Ride bow: partials over a quiet noise.
    Ride,
    /// Ride bell.
    RideBell,
    /// Splash: a short crash.
    Splash,
    /// China: a darker, trashier crash.
    China,
    /// A lane-less onset: a woodblock.
    Block,
}

impl Voice {
    /// The voice of a lane and articulation.
    pub fn of(lane: Lane, articulation: Option<Articulation>) -> Voice {
        match lane {
            Lane::Kick => Voice::Kick,
            Lane::Snare => Voice::Snare,
            Lane::Hihat => match articulation {
                Some(Articulation::Open) => Voice::HihatOpen,
                Some(Articulation::HalfOpen) => Voice::HihatHalfOpen,
                _ => Voice::HihatClosed,
            },
            Lane::HihatPedal => Voice::HihatPedal,
            Lane::Tom1 => Voice::Tom(1),
            Lane::Tom2 => Voice::Tom(2),
            Lane::Tom3 => Voice::Tom(3),
            Lane::Tom4 => Voice::Tom(4),
            Lane::Crash => Voice::Crash(1),
            Lane::Crash2 => Voice::Crash(2),
            Lane::Ride if articulation == Some(Articulation::Bell) => Voice::RideBell,
            Lane::Ride => Voice::Ride,
            Lane::Splash => Voice::Splash,
            Lane::China => Voice::China,
            Lane::Any => Voice::Block,
        }
    }

    /// Length in seconds.
    fn length_s(self) -> f64 {
        match self {
            Voice::ClickAccent | Voice::Click => 0.03,
            Voice::Kick => 0.35,
            Voice::Snare => 0.25,
            Voice::HihatClosed => 0.08,
            Voice::HihatHalfOpen => 0.2,
            Voice::HihatOpen => 0.45,
            Voice::HihatPedal => 0.06,
            Voice::Tom(_) => 0.45,
            Voice::Crash(_) => 1.6,
            Voice::Ride => 0.9,
            Voice::RideBell => 0.9,
            Voice::Splash => 0.6,
            Voice::China => 1.2,
            Voice::Block => 0.08,
        }
    }

    /// The samples of the voice at `rate`, peak 1 at or near the first sample.
    pub fn synthesize(self, rate: u32) -> Vec<f32> {
        let sr = rate as f64;
        let n = ((self.length_s() * sr).round() as usize).max(1);
        let tau = std::f64::consts::TAU;
        let env = |t: f64, decay_s: f64| (-t / decay_s).exp();
        // A seed per voice, so two voices do not share their noise.
        let seed = NOISE_SEED ^ (voice_number(self) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let bright = |cut: f64| high_passed_noise(n, seed, cut);
        let sweep = |base: f64, extra: f64, drop_s: f64, decay_s: f64| -> Vec<f64> {
            let mut phase = 0.0f64;
            (0..n)
                .map(|i| {
                    let t = i as f64 / sr;
                    let x = phase.cos() * env(t, decay_s);
                    phase += tau * (base + extra * env(t, drop_s)) / sr;
                    x
                })
                .collect()
        };
        let tone = |f: f64, decay_s: f64| -> Vec<f64> {
            (0..n)
                .map(|i| {
                    let t = i as f64 / sr;
                    (tau * f * t).cos() * env(t, decay_s)
                })
                .collect()
        };
        let shaped = |v: Vec<f64>, decay_s: f64| -> Vec<f64> {
            v.iter()
                .enumerate()
                .map(|(i, x)| x * env(i as f64 / sr, decay_s))
                .collect()
        };
        let mix = |parts: &[(f64, &Vec<f64>)]| -> Vec<f64> {
            (0..n)
                .map(|i| parts.iter().map(|(g, v)| g * v[i]).sum())
                .collect()
        };
        let partials = |freqs: &[f64], decay_s: f64| -> Vec<f64> {
            (0..n)
                .map(|i| {
                    let t = i as f64 / sr;
                    freqs.iter().map(|f| (tau * f * t).cos()).sum::<f64>() / freqs.len() as f64
                        * env(t, decay_s)
                })
                .collect()
        };
        let v: Vec<f64> = match self {
            Voice::ClickAccent => tone(1600.0, 0.007),
            Voice::Click => tone(1000.0, 0.007),
            Voice::Kick => sweep(50.0, 110.0, 0.03, 0.12),
            Voice::Snare => mix(&[
                (0.45, &tone(190.0, 0.05)),
                (0.55, &shaped(bright(1000.0), 0.07)),
            ]),
            Voice::HihatClosed => shaped(bright(6000.0), 0.015),
            Voice::HihatHalfOpen => shaped(bright(6000.0), 0.05),
            Voice::HihatOpen => shaped(bright(6000.0), 0.13),
            Voice::HihatPedal => shaped(bright(5000.0), 0.01),
            Voice::Tom(k) => {
                let base = [210.0, 165.0, 125.0, 95.0][usize::from(k.clamp(1, 4) - 1)];
                sweep(base, base * 0.5, 0.05, 0.15)
            }
            Voice::Crash(k) => {
                let f = if k == 2 { 1.12 } else { 1.0 };
                mix(&[
                    (0.8, &shaped(bright(4000.0 * f), 0.45)),
                    (0.2, &partials(&[540.0 * f, 810.0 * f, 1170.0 * f], 0.3)),
                ])
            }
            Voice::Ride => mix(&[
                (0.6, &partials(&[2980.0, 4120.0, 5230.0], 0.35)),
                (0.4, &shaped(bright(5000.0), 0.2)),
            ]),
            Voice::RideBell => partials(&[1210.0, 2430.0, 3390.0], 0.45),
            Voice::Splash => shaped(bright(5000.0), 0.18),
            Voice::China => mix(&[
                (0.7, &shaped(bright(2500.0), 0.35)),
                (0.3, &partials(&[430.0, 690.0, 970.0], 0.25)),
            ]),
            Voice::Block => tone(800.0, 0.02),
        };
        finish_voice(v, rate)
    }
}

fn voice_number(v: Voice) -> u32 {
    match v {
        Voice::ClickAccent => 1,
        Voice::Click => 2,
        Voice::Kick => 3,
        Voice::Snare => 4,
        Voice::HihatClosed => 5,
        Voice::HihatHalfOpen => 6,
        Voice::HihatOpen => 7,
        Voice::HihatPedal => 8,
        Voice::Tom(k) => 10 + u32::from(k),
        Voice::Crash(k) => 20 + u32::from(k),
        Voice::Ride => 30,
        Voice::RideBell => 31,
        Voice::Splash => 32,
        Voice::China => 33,
        Voice::Block => 40,
    }
}

/// White noise from a xorshift generator with a fixed seed, its first value full scale (the
/// stick's transient), through a one-pole high-pass at `cutoff_hz` (0: none). `n` values.
fn high_passed_noise(n: usize, seed: u64, cutoff_hz: f64) -> Vec<f64> {
    let mut state = seed | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let raw: Vec<f64> = (0..n).map(|i| if i == 0 { 1.0 } else { next() }).collect();
    if cutoff_hz <= 0.0 {
        return raw;
    }
    // The high-pass's coefficient at 48 kHz; close enough at other rates for a guide voice.
    let alpha = 1.0 / (1.0 + std::f64::consts::TAU * cutoff_hz / 48_000.0);
    let mut out = Vec::with_capacity(n);
    let (mut y, mut prev) = (0.0, 0.0);
    for x in raw {
        y = alpha * (y + x - prev);
        prev = x;
        out.push(y);
    }
    out
}

/// Normalises to peak 1, makes sure the first sample carries the attack (at least half the
/// peak), and fades out the last 2 ms so the end does not click.
fn finish_voice(mut v: Vec<f64>, rate: u32) -> Vec<f32> {
    let peak = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if peak > 0.0 {
        v.iter_mut().for_each(|x| *x /= peak);
    }
    if let Some(first) = v.first_mut() {
        if first.abs() < 0.5 {
            *first = if *first < 0.0 { -0.5 } else { 0.5 };
        }
    }
    let fade = ((rate as usize) / 500).min(v.len() / 4).max(1);
    let len = v.len();
    for (k, x) in v[len - fade..].iter_mut().enumerate() {
        *x *= (fade - k) as f64 / (fade + 1) as f64;
    }
    v.into_iter().map(|x| x as f32).collect()
}

/// One sound of a render: a voice starting at a sample, with a gain per channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sound {
    /// First sample (from the start of the file).
    pub start: i64,
    /// The voice.
    pub voice: Voice,
    /// Gain per channel (only the first `channels` are used).
    pub gain: [f32; 2],
}

/// A metronome click.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Click {
    /// When, on the chart's clock (negative during the count-in).
    pub time: Nanos,
    /// Downbeat (first beat of a bar).
    pub accent: bool,
}

/// The clicks of a chart: `count_in_bars` bars before time zero (the same count-in as `pocket
/// live`), then every beat of the tempo map (the unit of each time signature's denominator)
/// from tick 0 up to the end of the bar holding the last note; downbeats accented.
pub fn clicks(chart: &Chart, count_in_bars: u32) -> Vec<Click> {
    let map = &chart.tempo_map;
    let mut out: Vec<Click> = if count_in_bars > 0 {
        crate::count_in::count_in_clicks(chart, count_in_bars)
            .into_iter()
            .map(|(time, accent)| Click { time, accent })
            .collect()
    } else {
        Vec::new()
    };
    let end = map.tick(chart.duration());
    let mut tick = crate::time::Ticks(0);
    while tick < end {
        let pos = map.position(tick);
        let beat = map.beat_ticks_at(tick).max(1);
        if pos.tick == 0 {
            out.push(Click {
                time: map.time(tick),
                accent: pos.beat == 1,
            });
        }
        tick = crate::time::Ticks(tick.0 + (beat - pos.tick).max(1));
    }
    out
}

/// A count-in as mono samples at `rate` (the backing's lead-in): `clicks` are times before
/// zero (from [`crate::count_in::count_in_clicks`]); the first sample is the first click, the
/// last one is just before time zero. Each click is the click track's voice ([`Voice::ClickAccent`]
/// on a bar's first beat, else [`Voice::Click`]) at the click track's level, starting on sample
/// `round((t − first) × rate)`.
pub fn count_in_samples(clicks: &[(Nanos, bool)], rate: u32) -> Vec<f32> {
    let Some(&(first, _)) = clicks.first() else {
        return Vec::new();
    };
    let len = usize::try_from(sample_index(Nanos::ZERO.saturating_sub(first), rate)).unwrap_or(0);
    let mut out = vec![0.0f32; len];
    let voices = [
        Voice::ClickAccent.synthesize(rate),
        Voice::Click.synthesize(rate),
    ];
    for &(t, accent) in clicks {
        let k = usize::from(!accent);
        let start = usize::try_from(sample_index(t.saturating_sub(first), rate)).unwrap_or(0);
        for (o, v) in out.iter_mut().skip(start).zip(&voices[k]) {
            *o += v * CLICK_GAIN[k];
        }
    }
    out
}

/// Gain of a MIDI velocity (linear, 127 = 1).
fn velocity_gain(v: u8) -> f32 {
    f32::from(v.min(127)) / 127.0
}

/// Options of a click track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClickOptions {
    /// Samples per second.
    pub sample_rate: u32,
    /// Bars of count-in before the chart's time zero.
    pub count_in_bars: u32,
    /// Mix in the chart played by the drum voices.
    pub guide: bool,
}

impl Default for ClickOptions {
    fn default() -> ClickOptions {
        ClickOptions {
            sample_rate: DEFAULT_SAMPLE_RATE,
            count_in_bars: 0,
            guide: false,
        }
    }
}

/// One player of a duo render.
#[derive(Debug, Clone, Copy)]
pub struct RenderPlayer<'a> {
    /// What they played (times on the chart's clock).
    pub take: &'a Take,
    /// Latency offsets, subtracted from their hits as the scorer does.
    pub offsets: Offsets,
}

/// Level of the click against the drum voices.
const CLICK_GAIN: [f32; 2] = [0.7, 0.45];
/// Level of a drum voice at velocity 127.
const DRUM_GAIN: f32 = 0.5;
/// Level of the chart guide under the players.
const GUIDE_GAIN: f32 = 0.35;

/// A planned render: sounds at sample positions, written by [`Render::write_wav`].
#[derive(Debug, Clone, PartialEq)]
pub struct Render {
    rate: u32,
    channels: u16,
    origin: Nanos,
    frames: i64,
    sounds: Vec<Sound>,
}

impl Render {
    fn new(rate: u32, channels: u16, origin: Nanos, end: Nanos) -> Result<Render, AudioError> {
        if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&rate) {
            return Err(AudioError::BadSampleRate(rate));
        }
        let length = end.saturating_sub(origin);
        if length.as_secs_f64() > MAX_RENDER_S as f64 {
            return Err(AudioError::TooLong {
                seconds: length.0 / 1_000_000_000,
            });
        }
        Ok(Render {
            rate,
            channels,
            origin,
            frames: sample_index(length, rate).max(1),
            sounds: Vec::new(),
        })
    }

    fn add(&mut self, time: Nanos, voice: Voice, gain: [f32; 2]) {
        let start = sample_index(time - self.origin, self.rate);
        self.sounds.push(Sound { start, voice, gain });
    }

    fn add_chart(&mut self, chart: &Chart, gain: f32) {
        for n in &chart.notes {
            let g = gain * velocity_gain(crate::kit::velocity_for(n.dynamic));
            self.add(n.time, Voice::of(n.lane, n.articulation), [g, g]);
        }
    }

    /// A metronome following the chart's tempo map and time signatures (mono), with the
    /// chart's notes mixed in when `options.guide`. The first sample is the first count-in
    /// click, or chart time zero without a count-in.
    pub fn click_track(chart: &Chart, options: &ClickOptions) -> Result<Render, AudioError> {
        let clicks = clicks(chart, options.count_in_bars);
        let origin = clicks
            .first()
            .map_or(Nanos::ZERO, |c| c.time.min(Nanos::ZERO));
        let end = chart
            .duration()
            .max(chart.last_note_time() + seconds(Voice::Crash(1).length_s()))
            + Nanos::from_millis(250);
        let mut r = Render::new(options.sample_rate, 1, origin, end)?;
        for c in &clicks {
            let (voice, g) = if c.accent {
                (Voice::ClickAccent, CLICK_GAIN[0])
            } else {
                (Voice::Click, CLICK_GAIN[1])
            };
            r.add(c.time, voice, [g, g]);
        }
        if options.guide {
            r.add_chart(chart, DRUM_GAIN);
        }
        r.sort();
        Ok(r)
    }

    /// Two players (or one) in stereo: the first on the left, the second on the right, each hit
    /// by its lane's voice at its velocity, latency offsets applied; the chart's notes in the
    /// centre, quieter, when `guide` is given. The first sample is chart time zero, or the
    /// earliest hit when one comes before it.
    pub fn duo(
        players: &[RenderPlayer<'_>],
        guide: Option<&Chart>,
        sample_rate: u32,
    ) -> Result<Render, AudioError> {
        let corrected = |p: &RenderPlayer<'_>| {
            p.take
                .hits
                .iter()
                .map(|h| (h.time - p.offsets.for_lane(h.lane), *h))
                .collect::<Vec<_>>()
        };
        let hits: Vec<Vec<_>> = players.iter().map(corrected).collect();
        let all = hits.iter().flatten().map(|(t, _)| *t);
        let first = all.clone().min().unwrap_or(Nanos::ZERO);
        let last = all.max().unwrap_or(Nanos::ZERO);
        let origin = first.min(Nanos::ZERO);
        let mut end = last;
        if let Some(c) = guide {
            end = end.max(c.duration()).max(c.last_note_time());
        }
        let end = end + seconds(Voice::Crash(1).length_s()) + Nanos::from_millis(250);
        let mut r = Render::new(sample_rate, 2, origin, end)?;
        if let Some(c) = guide {
            r.add_chart(c, GUIDE_GAIN);
        }
        for (k, list) in hits.iter().enumerate() {
            for (t, h) in list {
                let g = DRUM_GAIN * velocity_gain(h.velocity);
                let gain = match k {
                    0 => [g, 0.0],
                    1 => [0.0, g],
                    _ => [g * 0.5, g * 0.5],
                };
                r.add(*t, Voice::of(h.lane, h.articulation), gain);
            }
        }
        r.sort();
        Ok(r)
    }

    fn sort(&mut self) {
        self.sounds.sort_by_key(|s| s.start);
    }

    /// Samples per second.
    pub fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// Channels (1 for a click track, 2 for a duo).
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// Chart time of the first sample.
    pub fn origin(&self) -> Nanos {
        self.origin
    }

    /// Length in frames (samples per channel).
    pub fn frames(&self) -> i64 {
        self.frames
    }

    /// The sounds planned, in start order.
    pub fn sounds(&self) -> &[Sound] {
        &self.sounds
    }

    /// The sample of a chart time in this render.
    pub fn sample_of(&self, time: Nanos) -> i64 {
        sample_index(time - self.origin, self.rate)
    }

    /// Mixes and writes the WAV (16-bit PCM) through a temporary sibling file that is renamed
    /// into place once hound has finalized it. `progress` is told the frames written so far
    /// and the total after each block.
    pub fn write_wav(
        &self,
        path: &Path,
        mut progress: Option<&mut dyn FnMut(i64, i64)>,
    ) -> Result<(), AudioError> {
        let err = |source| AudioError::Write {
            path: path.to_path_buf(),
            source,
        };
        let spec = hound::WavSpec {
            channels: self.channels,
            sample_rate: self.rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
        tmp_name.push(".tmp");
        let tmp = path.with_file_name(tmp_name);
        let result = (|| {
            let mut w = hound::WavWriter::create(&tmp, spec)?;
            self.mix_into(&mut w, &mut progress)?;
            w.finalize()
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(err(e));
        }
        std::fs::rename(&tmp, path).map_err(|e| err(hound::Error::IoError(e)))
    }

    fn mix_into<W: std::io::Write + std::io::Seek>(
        &self,
        w: &mut hound::WavWriter<W>,
        progress: &mut Option<&mut dyn FnMut(i64, i64)>,
    ) -> Result<(), hound::Error> {
        let ch = usize::from(self.channels);
        let mut tables: std::collections::BTreeMap<Voice, Vec<f32>> = Default::default();
        for s in &self.sounds {
            tables
                .entry(s.voice)
                .or_insert_with(|| s.voice.synthesize(self.rate));
        }
        let longest = tables.values().map(|t| t.len() as i64).max().unwrap_or(0);
        let mut block = vec![0.0f32; BLOCK_FRAMES * ch];
        let mut first = 0usize; // first sound that may still sound
        let mut b0 = 0i64;
        while b0 < self.frames {
            let b1 = (b0 + BLOCK_FRAMES as i64).min(self.frames);
            block.iter_mut().for_each(|x| *x = 0.0);
            while first < self.sounds.len() && self.sounds[first].start + longest <= b0 {
                first += 1;
            }
            for s in &self.sounds[first..] {
                if s.start >= b1 {
                    break;
                }
                let Some(t) = tables.get(&s.voice) else {
                    continue;
                };
                let from = (b0 - s.start).max(0);
                let to = (b1 - s.start).min(t.len() as i64);
                for i in from..to {
                    let frame = (s.start + i - b0) as usize;
                    let x = t[i as usize];
                    for (c, g) in s.gain.iter().enumerate().take(ch) {
                        block[frame * ch + c] += g * x;
                    }
                }
            }
            for x in &block[..(b1 - b0) as usize * ch] {
                w.write_sample((x.clamp(-1.0, 1.0) * 32767.0).round() as i16)?;
            }
            if let Some(p) = progress.as_mut() {
                p(b1, self.frames);
            }
            b0 = b1;
        }
        Ok(())
    }
}

fn seconds(s: f64) -> Nanos {
    Nanos::from_secs_f64(s).unwrap_or(Nanos::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{ChartInfo, Note};
    use crate::lane::Dynamic;
    use crate::tempo::{Tempo, TempoMap, TimeSignature};
    use crate::time::Ticks;

    #[test]
    fn sample_index_rounds_exactly() {
        // 1 s at 48 kHz; 1/3 of a sample either side rounds back.
        assert_eq!(sample_index(Nanos(1_000_000_000), 48_000), 48_000);
        assert_eq!(sample_index(Nanos(20_833), 48_000), 1); // 0.99998 samples
        assert_eq!(sample_index(Nanos(10_416), 48_000), 0); // 0.49997
        assert_eq!(sample_index(Nanos(10_417), 48_000), 1); // 0.500016
        assert_eq!(sample_index(Nanos(-10_417), 48_000), -1);
        // Long times do not overflow or lose precision.
        let day = Nanos(86_400_000_000_000 + 7);
        assert_eq!(sample_index(day, 44_100), 86_400 * 44_100);
    }

    #[test]
    fn every_voice_starts_on_its_attack_and_is_deterministic() {
        let lanes = Lane::ALL.iter().map(|l| Voice::of(*l, None));
        let extra = [
            Voice::ClickAccent,
            Voice::Click,
            Voice::HihatOpen,
            Voice::HihatHalfOpen,
            Voice::RideBell,
        ];
        for v in lanes.chain(extra) {
            let a = v.synthesize(48_000);
            assert!(a[0].abs() >= 0.5, "{v:?} starts at {}", a[0]);
            let peak = a.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!((peak - 1.0).abs() < 1e-3, "{v:?} peak {peak}");
            assert!(a.last().is_some_and(|x| x.abs() < 0.05), "{v:?} fades out");
            assert_eq!(a, v.synthesize(48_000), "{v:?} is the same every time");
        }
    }

    fn chart_with_change() -> Chart {
        // 120 BPM, then 90 BPM from bar 3; 3/4 from bar 2.
        let mut map = TempoMap::new(
            480,
            &[
                (Ticks(0), Tempo::from_bpm(120.0)),
                (Ticks(480 * 7), Tempo::from_bpm(90.0)),
            ],
            TimeSignature::COMMON,
            Ticks(0),
        )
        .expect("map");
        map.add_signature_at_bar(
            2,
            TimeSignature {
                numerator: 3,
                denominator: 4,
            },
        )
        .expect("3/4");
        let tick = Ticks(480 * 10);
        let notes = vec![Note {
            time: map.time(tick),
            tick,
            lane: Lane::Snare,
            articulation: None,
            dynamic: Dynamic::Normal,
        }];
        Chart::new(ChartInfo::default(), map, Vec::new(), notes).expect("chart")
    }

    #[test]
    fn clicks_follow_tempo_and_signature_changes() {
        let c = chart_with_change();
        let clicks = clicks(&c, 1);
        // One bar of 4/4 count-in, bar 1 in 4/4, bars 2-4 in 3/4 (bar 4 holds the note at tick 4800).
        let accents: Vec<usize> = clicks
            .iter()
            .enumerate()
            .filter(|(_, k)| k.accent)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(accents, vec![0, 4, 8, 11, 14]);
        assert_eq!(clicks.len(), 17);
        assert_eq!(clicks[4].time, Nanos::ZERO);
        assert_eq!(clicks[0].time, Nanos::from_millis(-2000));
        // Beat 8 (tick 3840) is after the change to 90 BPM at tick 3360.
        assert_eq!(clicks[4 + 8].time, c.tempo_map.time(Ticks(3840)));
        // A beat at 90 BPM, rounded to the nanosecond.
        assert_eq!(clicks[4 + 8].time - clicks[4 + 7].time, Nanos(666_666_667));
    }

    #[test]
    fn a_render_plans_each_hit_on_its_sample() {
        let c = chart_with_change();
        let r = Render::click_track(
            &c,
            &ClickOptions {
                sample_rate: 44_100,
                count_in_bars: 2,
                guide: true,
            },
        )
        .expect("render");
        assert_eq!(r.origin(), Nanos::from_millis(-4000));
        let snare = r
            .sounds()
            .iter()
            .find(|s| s.voice == Voice::Snare)
            .expect("guide");
        assert_eq!(
            snare.start,
            sample_index(c.notes[0].time + Nanos::from_millis(4000), 44_100)
        );
        assert!(Render::click_track(
            &c,
            &ClickOptions {
                sample_rate: 100,
                ..ClickOptions::default()
            }
        )
        .is_err());
    }
}
