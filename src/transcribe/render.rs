//! Ground truth for measuring the transcriber (tests and measurements only, feature
//! `testing`): single drum strokes rendered through the FluidR3 GM sound font with fluidsynth
//! (Debian's `fluidsynth` and `fluid-soundfont-gm`, MIT), then mixed at exact sample positions
//! into performances with room noise.
//!
//! **Truth onset rule**: a rendered stroke starts where its waveform first reaches 10 % of its
//! peak absolute value; a hit placed at sample `s` has its true onset at `s` plus that offset.
//! Each stroke is rendered at four velocities (the sound font's velocity layers and gain), and
//! a hit uses the nearest one, scaled by the ratio of velocities.

use super::eval::{class_counts, class_timing, DrumClass, TimingError};
use super::kit::AudioKit;
use super::learn::learn;
use super::settings::Settings;
use crate::lane::{Articulation, Lane};
use crate::matching::MatchCounts;
use crate::time::Nanos;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The sound font fluidsynth renders through.
pub const SOUND_FONT: &str = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

/// The rate of every render.
pub const RATE: u32 = 44_100;

/// The drum sounds rendered: lane, articulation and General MIDI note.
pub const VOICES: [(Lane, Option<Articulation>, u8); 10] = [
    (Lane::Kick, None, 36),
    (Lane::Snare, None, 38),
    (Lane::Hihat, Some(Articulation::Closed), 42),
    (Lane::Hihat, Some(Articulation::Open), 46),
    (Lane::HihatPedal, None, 44),
    (Lane::Tom1, None, 48),
    (Lane::Tom2, None, 45),
    (Lane::Tom3, None, 41),
    (Lane::Crash, None, 49),
    (Lane::Ride, None, 51),
];

/// The velocities each voice is rendered at.
pub const LAYERS: [u8; 4] = [35, 60, 90, 120];

/// Seconds between rendered strokes.
const SPACING_S: f64 = 2.0;

/// Whether fluidsynth and the sound font are installed.
pub fn available() -> bool {
    Path::new(SOUND_FONT).is_file()
        && Command::new("fluidsynth")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
}

/// One rendered stroke: mono samples from its first non-silent one, and its truth onset.
#[derive(Debug, Clone)]
pub struct Stroke {
    /// Samples at [`RATE`].
    pub samples: Vec<f32>,
    /// Samples from the start to the truth onset (10 % of the peak).
    pub onset: usize,
}

impl Stroke {
    /// A stroke from its samples, its truth onset found by the 10 %-of-peak rule.
    pub fn new(samples: Vec<f32>) -> Stroke {
        let peak = samples.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let onset = samples
            .iter()
            .position(|x| x.abs() >= 0.1 * peak)
            .unwrap_or(0);
        Stroke { samples, onset }
    }
}

/// One rendered hit: its true onset, lane and peak, and where and how it was mixed.
#[derive(Debug, Clone, Copy)]
pub struct Truth {
    /// The true onset ([`Stroke::onset`] after the hit's first sample).
    pub time: Nanos,
    /// The hit's lane.
    pub lane: Lane,
    /// The peak absolute value of the stroke's own waveform as mixed, dB full scale.
    pub peak_dbfs: f64,
    /// The sample the stroke's first sample was mixed at.
    at: usize,
    /// Its voice (index into [`VOICES`]) and layer in the bank.
    voice: usize,
    layer: usize,
    /// The gain it was mixed at.
    gain: f32,
}

/// Frame length of [`Bank::raise`]: the transcriber's at [`RATE`].
const RAISE_FFT: usize = 2048;

/// The plan and buffers [`Bank::raise`] works with.
pub struct RaiseScratch {
    fft: std::sync::Arc<dyn realfft::RealToComplex<f32>>,
    window: Vec<f32>,
    /// Amplitude of a band from the root of its summed power (the transcriber's scale).
    norm: f64,
    own: Vec<f32>,
    rest: Vec<f32>,
    spectrum: Vec<realfft::num_complex::Complex<f32>>,
    bins: [(usize, usize); super::settings::BANDS],
    weights: [f64; super::settings::BANDS],
}

impl Default for RaiseScratch {
    fn default() -> RaiseScratch {
        let fft = realfft::RealFftPlanner::<f32>::new().plan_fft_forward(RAISE_FFT);
        let (bins, _) = super::engine::band_bins(RATE, RAISE_FFT);
        let window = super::engine::hann(RAISE_FFT);
        RaiseScratch {
            norm: 2.0 / window.iter().map(|w| f64::from(*w)).sum::<f64>(),
            spectrum: fft.make_output_vec(),
            fft,
            window,
            own: vec![0.0; RAISE_FFT],
            rest: vec![0.0; RAISE_FFT],
            weights: super::engine::flux_weights(&bins),
            bins,
        }
    }
}

impl RaiseScratch {
    /// The summed power in each band of the stroke's frame (`own`) or the rest's.
    fn bands(&mut self, own: bool) -> [f64; super::settings::BANDS] {
        let input = if own { &mut self.own } else { &mut self.rest };
        let _ = self.fft.process(input, &mut self.spectrum);
        std::array::from_fn(|b| {
            let (s, e) = self.bins[b];
            self.spectrum[s..e]
                .iter()
                .map(|c| f64::from(c.norm_sqr()))
                .sum()
        })
    }
}

/// The Hydrogen sample kit the second render set uses (Debian's `hydrogen-drumkits`, GPL:
/// measurement only, never shipped).
/// A Hydrogen drum kit of Debian's `hydrogen-drumkits` and the instrument standing for each of
/// [`VOICES`], in order (GPL samples: measurement only, nothing derives from them).
#[derive(Debug, Clone, Copy)]
pub struct HydrogenKit {
    /// What the measurements call it.
    pub name: &'static str,
    /// The kit's directory (holding `drumkit.xml`).
    pub dir: &'static str,
    /// The `<name>` of the instrument playing each voice.
    pub voices: [&'static str; 10],
}

impl HydrogenKit {
    /// Whether the kit is installed.
    pub fn available(&self) -> bool {
        Path::new(self.dir).join("drumkit.xml").is_file()
    }
}

/// "The Black Pearl 1.0": a sampled 5-piece Pearl kit with Sabian and Paiste cymbals, five
/// velocity layers per drum (WAV).
pub const BLACK_PEARL: HydrogenKit = HydrogenKit {
    name: "The Black Pearl",
    dir: "/usr/share/hydrogen/data/drumkits/The Black Pearl 1.0",
    voices: [
        "Pearl Kick",
        "Pearl Snare",
        "Sabian Hat Closed",
        "Sabian Hat Open",
        "Sabian Hat Pedal",
        "Pearl Tom 1",
        "Pearl Tom 2",
        "Pearl Tom Floor",
        "Sabian Crash",
        "Paiste Ride",
    ],
};

/// "ColomboAcousticDrumkit": another acoustic kit, recorded with other microphones in another
/// room, one to three layers per drum (the snare's loudest a rimshot), FLAC.
pub const COLOMBO: HydrogenKit = HydrogenKit {
    name: "Colombo",
    dir: "/usr/share/hydrogen/data/drumkits/ColomboAcousticDrumkit",
    voices: [
        "BassDrum",
        "Snare Rock",
        "Closed HH",
        "Open HH",
        "Pedal HH",
        "Tom Hi",
        "Tom Mid",
        "Tom Low",
        "crash20inch--2",
        "ride-crash20inch",
    ],
};

/// The Hydrogen kit of the second render set.
pub const HYDROGEN_KIT: HydrogenKit = BLACK_PEARL;

/// The text between `<tag>` and `</tag>` at the first such pair in `s`.
fn xml_field<'a>(s: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let from = s.find(&open)? + open.len();
    let to = s[from..].find(&format!("</{tag}>"))? + from;
    Some(&s[from..to])
}

/// An audio file's sample rate and its samples, channels mixed (mean): WAV, or FLAC through
/// the same decoder as audio takes.
fn read_mono(path: &Path) -> std::io::Result<(u32, Vec<f32>)> {
    let mut source = super::read::open_audio(path).map_err(std::io::Error::other)?;
    let ch = usize::from(source.channels().max(1));
    let mut raw = Vec::new();
    let mut block = vec![0.0f32; 4096 * ch];
    loop {
        let frames = source
            .read_frames(&mut block)
            .map_err(std::io::Error::other)?;
        if frames == 0 {
            break;
        }
        raw.extend_from_slice(&block[..frames * ch]);
    }
    let mono = raw
        .chunks(ch)
        .map(|f| f.iter().sum::<f32>() / ch as f32)
        .collect();
    Ok((source.sample_rate(), mono))
}

/// A mono sample of a Hydrogen kit at [`RATE`] (channels mixed).
fn read_sample(path: &Path) -> std::io::Result<Vec<f32>> {
    let (rate, mono) = read_mono(path)?;
    if rate != RATE {
        return Err(std::io::Error::other(format!(
            "{}: {rate} Hz, renders are at {RATE} Hz",
            path.display()
        )));
    }
    Ok(mono)
}

/// Whether the Hydrogen kit of the second render set is installed.
pub fn hydrogen_available() -> bool {
    HYDROGEN_KIT.available()
}

/// Every voice at every layer, rendered once.
#[derive(Debug, Clone)]
pub struct Bank {
    /// `strokes[voice][layer]`, in [`VOICES`] order, layers from softest to loudest.
    pub strokes: Vec<Vec<Stroke>>,
    /// `velocities[voice][layer]`: the MIDI velocity each layer stands for.
    pub velocities: Vec<Vec<u8>>,
}

/// A Standard MIDI File with the given notes (channel 10), 120 BPM, 480 PPQ.
fn smf(notes: &[(f64, u8, u8)]) -> Vec<u8> {
    let mut ev: Vec<(u32, [u8; 3])> = Vec::new();
    for &(t, key, vel) in notes {
        let tick = (t * 960.0).round() as u32;
        ev.push((tick, [0x99, key, vel]));
        ev.push((tick + 240, [0x89, key, 64]));
    }
    ev.sort_by_key(|e| e.0);
    let mut track = vec![0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20];
    let mut now = 0;
    for (tick, msg) in ev {
        let mut delta = tick - now;
        now = tick;
        let mut bytes = vec![(delta & 0x7F) as u8];
        delta >>= 7;
        while delta > 0 {
            bytes.push(0x80 | (delta & 0x7F) as u8);
            delta >>= 7;
        }
        bytes.reverse();
        track.extend(bytes);
        track.extend(msg);
    }
    // End of track two seconds after the last event, so the last stroke rings out.
    track.extend([0x8F, 0x00, 0xFF, 0x2F, 0x00]);
    let mut out = b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xE0MTrk".to_vec();
    out.extend((track.len() as u32).to_be_bytes());
    out.extend(track);
    out
}

/// A scratch path in the system's temporary directory, unique to this process.
fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("pocket-render-{}-{name}", std::process::id()))
}

/// Renders notes `(seconds, key, velocity)` with fluidsynth (no reverb, no chorus) and returns
/// the mono mix at [`RATE`].
pub fn fluidsynth(notes: &[(f64, u8, u8)]) -> std::io::Result<Vec<f32>> {
    let mid = scratch(&format!("{}.mid", notes.len()));
    let wav = mid.with_extension("wav");
    std::fs::write(&mid, smf(notes))?;
    let status = Command::new("fluidsynth")
        .args(["-ni", "-R", "0", "-C", "0", "-g", "0.5", "-r"])
        .arg(RATE.to_string())
        .arg("-F")
        .arg(&wav)
        .arg(SOUND_FONT)
        .arg(&mid)
        .output()?;
    let _ = std::fs::remove_file(&mid);
    if !status.status.success() {
        return Err(std::io::Error::other(format!(
            "fluidsynth failed: {}",
            String::from_utf8_lossy(&status.stderr)
        )));
    }
    let read = read_mono(&wav);
    let _ = std::fs::remove_file(&wav);
    Ok(read?.1)
}

impl Bank {
    /// Renders every voice at every layer (one fluidsynth run).
    pub fn render() -> std::io::Result<Bank> {
        let mut notes = Vec::new();
        for (v, &(_, _, key)) in VOICES.iter().enumerate() {
            for (l, &vel) in LAYERS.iter().enumerate() {
                let i = v * LAYERS.len() + l;
                notes.push((0.5 + i as f64 * SPACING_S, key, vel));
            }
        }
        let audio = fluidsynth(&notes)?;
        let rate = f64::from(RATE);
        let mut strokes = Vec::new();
        for v in 0..VOICES.len() {
            let mut layers = Vec::new();
            for l in 0..LAYERS.len() {
                let t = notes[v * LAYERS.len() + l].0;
                let from = ((t - 0.005) * rate) as usize;
                let to = (((t + SPACING_S - 0.1) * rate) as usize).min(audio.len());
                let seg = audio.get(from..to).unwrap_or(&[]);
                let start = seg.iter().position(|x| x.abs() > 1e-6).unwrap_or(0);
                let samples = seg[start..].to_vec();
                layers.push(Stroke::new(samples));
            }
            strokes.push(layers);
        }
        Ok(Bank {
            velocities: vec![LAYERS.to_vec(); strokes.len()],
            strokes,
        })
    }

    /// The strokes of a Hydrogen drum kit ([`BLACK_PEARL`], [`COLOMBO`]): each voice's velocity layers as
    /// `drumkit.xml` lists them, a layer standing for the velocity at the middle of its range
    /// and played at that velocity's gain (velocity / 127, as Hydrogen does), times 0.5.
    pub fn hydrogen(kit: &HydrogenKit) -> std::io::Result<Bank> {
        let dir = Path::new(kit.dir);
        let xml_path = dir.join("drumkit.xml");
        let xml = std::fs::read_to_string(&xml_path)?;
        let instruments: Vec<&str> = xml.split("<instrument>").skip(1).collect();
        let mut strokes = Vec::new();
        let mut velocities = Vec::new();
        for name in kit.voices {
            let inst = instruments
                .iter()
                .find(|i| xml_field(i, "name") == Some(name))
                .ok_or_else(|| {
                    std::io::Error::other(format!("{}: no instrument {name}", xml_path.display()))
                })?;
            let mut layers: Vec<(u8, Stroke)> = Vec::new();
            for layer in inst.split("<layer>").skip(1) {
                let field = |tag| -> std::io::Result<&str> {
                    xml_field(layer, tag).ok_or_else(|| {
                        std::io::Error::other(format!("{}: {name}: no <{tag}>", xml_path.display()))
                    })
                };
                let num = |tag| -> std::io::Result<f64> {
                    field(tag)?.trim().parse().map_err(std::io::Error::other)
                };
                let (min, max) = (num("min")?, num("max")?);
                let vel = ((min + max) / 2.0 * 127.0).round().clamp(1.0, 127.0) as u8;
                let gain = 0.5 * f32::from(vel) / 127.0;
                let raw = read_sample(&dir.join(field("filename")?))?;
                let start = raw.iter().position(|x| x.abs() > 1e-6).unwrap_or(0);
                let samples = raw[start..].iter().map(|x| x * gain).collect();
                layers.push((vel, Stroke::new(samples)));
            }
            layers.sort_by_key(|l| l.0);
            velocities.push(layers.iter().map(|l| l.0).collect());
            strokes.push(layers.into_iter().map(|l| l.1).collect());
        }
        Ok(Bank {
            strokes,
            velocities,
        })
    }

    /// The voice index of a lane and articulation (a hi-hat without one is closed).
    pub fn voice(lane: Lane, articulation: Option<Articulation>) -> Option<usize> {
        let open = matches!(
            articulation,
            Some(Articulation::Open | Articulation::HalfOpen)
        );
        let lane = match lane {
            Lane::Tom4 => Lane::Tom3,
            Lane::Crash2 | Lane::Splash | Lane::China => Lane::Crash,
            l => l,
        };
        VOICES.iter().position(|&(l, a, _)| {
            l == lane && (l != Lane::Hihat || (a == Some(Articulation::Open)) == open)
        })
    }

    /// Mixes hits `(time, lane, articulation, velocity)` into a performance of `seconds` with
    /// noise at `noise_dbfs` (RMS, brown-ish: white noise through a 1 kHz one-pole low-pass,
    /// plus a quieter white floor). Returns the audio and the truth: each hit's true onset,
    /// lane and peak level (dBFS, the stroke's own waveform).
    pub fn perform(
        &self,
        hits: &[(Nanos, Lane, Option<Articulation>, u8)],
        seconds: f64,
        noise_dbfs: f64,
        seed: u64,
    ) -> (Vec<f32>, Vec<Truth>) {
        let rate = f64::from(RATE);
        let mut out = vec![0.0f32; (seconds * rate) as usize];
        let mut truth = Vec::new();
        for &(t, lane, art, vel) in hits {
            let Some(v) = Bank::voice(lane, art) else {
                continue;
            };
            let l = self.velocities[v]
                .iter()
                .enumerate()
                .min_by_key(|(_, &lv)| (i32::from(lv) - i32::from(vel)).abs())
                .map_or(0, |(i, _)| i);
            let stroke = &self.strokes[v][l];
            let gain = f32::from(vel.max(1)) / f32::from(self.velocities[v][l]);
            let at = (t.0 as f64 / 1e9 * rate).round();
            if at < 0.0 {
                continue;
            }
            let at = at as usize;
            for (i, s) in stroke.samples.iter().enumerate() {
                if let Some(o) = out.get_mut(at + i) {
                    *o += s * gain;
                }
            }
            let peak = stroke.samples.iter().fold(0.0f32, |m, x| m.max(x.abs())) * gain;
            truth.push(Truth {
                time: super::settings::sample_time((at + stroke.onset) as u64, RATE),
                lane,
                peak_dbfs: 20.0 * (f64::from(peak) + 1e-12).log10(),
                at,
                voice: v,
                layer: l,
                gain,
            });
        }
        let mut rng = fastrand::Rng::with_seed(seed);
        let amp = 10f64.powf(noise_dbfs / 20.0) as f32;
        let a = 1.0 - (-2.0 * std::f32::consts::PI * 1000.0 / RATE as f32).exp();
        let mut lp = 0.0f32;
        for o in out.iter_mut() {
            let w = rng.f32() * 2.0 - 1.0;
            lp += a * (w - lp);
            *o += amp * (lp * 6.0 + 0.3 * w);
            *o = o.clamp(-1.0, 1.0);
        }
        truth.sort_by_key(|t| (t.time, t.lane));
        (out, truth)
    }

    /// How much a stroke of `truth` raises the transcriber's onset function over everything
    /// else in `audio` (the performance it was mixed into, then scaled by `gain`), were the
    /// rest to hold still: over the analysis frames (2048 samples, Hann) centred on its true
    /// onset and 5, 10 and 15 ms after it, the largest `sum_b w_b ln((A_b + f) / (R_b + f))`,
    /// `A_b` the band amplitude of the audio, `R_b` that of the audio less the stroke (their
    /// powers add: the stroke and the rest are independent), `w_b` and `f` the onset
    /// function's band weights and floor at the recording's usual level (step 2 of
    /// docs/acoustic.md) scaled by `gain`. The onset function's threshold over its running
    /// mean is 3.0 (1.5 on its quiet path): a stroke whose raise is under it stands no higher
    /// over the rest than the threshold asks of the flux, whose frames compare spectra only
    /// 10 ms apart and so see only part of a rise.
    pub fn raise(&self, audio: &[f32], truth: &Truth, gain: f32, fft: &mut RaiseScratch) -> f64 {
        let stroke = &self.strokes[truth.voice][truth.layer];
        let g = truth.gain * gain;
        let onset = truth.at + stroke.onset;
        let half = RAISE_FFT / 2;
        let floor = super::engine::LOG_FLOOR * f64::from(gain);
        let mut best = f64::NEG_INFINITY;
        for k in 0..4 {
            let centre = onset + k * (RATE as usize / 200);
            for i in 0..RAISE_FFT {
                let n = (centre + i).checked_sub(half);
                let own = n
                    .and_then(|n| n.checked_sub(truth.at))
                    .and_then(|j| stroke.samples.get(j))
                    .map_or(0.0, |x| x * g);
                let all = n.and_then(|n| audio.get(n)).copied().unwrap_or(0.0);
                fft.own[i] = own * fft.window[i];
                fft.rest[i] = (all - own) * fft.window[i];
            }
            let own = fft.bands(true);
            let rest = fft.bands(false);
            let mut raise = 0.0;
            for (b, (o, r)) in own.iter().zip(&rest).enumerate() {
                // The stroke's power on top of the rest's (the two are independent).
                let (all, rest) = ((o + r).sqrt() * fft.norm, r.sqrt() * fft.norm);
                raise += fft.weights[b] * ((all + floor) / (rest + floor)).ln();
            }
            best = best.max(raise);
        }
        best
    }

    /// The built-in audio kit learned from this bank: each voice's four layers written to a
    /// WAV file, one second apart, and learned with [`learn`].
    pub fn learn_kit(&self) -> Result<AudioKit, Box<dyn std::error::Error>> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: RATE,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut files = Vec::new();
        for (v, layers) in self.strokes.iter().enumerate() {
            let path = scratch(&format!("voice{v}.wav"));
            let mut w = hound::WavWriter::create(&path, spec)?;
            for s in layers {
                let one = RATE as usize;
                for i in 0..one {
                    w.write_sample(s.samples.get(i).copied().unwrap_or(0.0))?;
                }
            }
            w.finalize()?;
            files.push(path);
        }
        let rec: Vec<(Lane, Option<Articulation>, &Path)> = VOICES
            .iter()
            .zip(&files)
            .map(|(&(l, a, _), p)| (l, a, p.as_path()))
            .collect();
        let mut kit = learn("gm-render", &rec, Settings::default())?;
        kit.origin = "learned by pocket from fluidsynth renders of FluidR3_GM.sf2 \
                      (fluid-soundfont-gm, MIT), General MIDI drum notes at velocities 35, 60, \
                      90 and 120"
            .into();
        for f in files {
            let _ = std::fs::remove_file(f);
        }
        Ok(kit)
    }
}

/// Per-class results of transcribing rendered takes.
#[derive(Debug, Clone, Default)]
pub struct RenderScores {
    /// Per class (in [`DrumClass::ALL`] order): match counts at 20 ms, summed over takes.
    pub counts: Vec<MatchCounts>,
    /// Per class: the timing of the pairs at 20 ms, over all takes pooled.
    pub timing: Vec<Option<TimingError>>,
    /// Seconds of audio transcribed.
    pub seconds: f64,
    /// Diagnosis: per class, its reference onsets with no estimate of the class within the
    /// window, by the class of the nearest other estimate within it (index 5: none).
    pub misses: Vec<[usize; 6]>,
    /// Per class, its estimates with no reference of the class within the window, by the class
    /// of the nearest reference within it (index 5: none).
    pub extras: Vec<[usize; 6]>,
    /// Per class and stroke level (see [`LEVEL_BINS_DBFS`]): its reference onsets with an
    /// estimate of the class within the window, and all of them.
    pub by_level: Vec<[(usize, usize); LEVEL_BINS]>,
    /// Per class and [`Bank::raise`] (see [`RAISE_BINS`]): its reference onsets with an
    /// estimate of the class within the window, and all of them.
    pub by_raise: Vec<[(usize, usize); RAISE_BIN_COUNT]>,
}

/// Bins of [`RenderScores::by_raise`]: a stroke whose [`Bank::raise`] is at least bin `i`'s
/// value and below bin `i + 1`'s falls in bin `i` (the onset function's units: weighted
/// natural log of amplitude).
pub const RAISE_BINS: [f64; RAISE_BIN_COUNT] = [0.0, 1.0, 2.0, 3.0, 5.0, 8.0];
/// Number of raise bins.
pub const RAISE_BIN_COUNT: usize = 6;

/// Level bins of [`RenderScores::by_level`]: a stroke whose peak (dBFS) is at least bin `i`'s
/// value and below bin `i + 1`'s falls in bin `i` (the first bin takes every quieter one).
pub const LEVEL_BINS_DBFS: [f64; LEVEL_BINS] =
    [-60.0, -54.0, -48.0, -42.0, -36.0, -30.0, -24.0, -18.0];
/// Number of level bins.
pub const LEVEL_BINS: usize = 8;

/// The bin of `from` (ascending lower bounds) value `x` falls in; the first bin takes every
/// lower value.
fn bin_of(from: &[f64], x: f64) -> usize {
    from.iter().rposition(|&lo| x >= lo).unwrap_or(0)
}

/// For each `a` onset of each class with no `b` onset of the class within `window`, the class
/// of the nearest `b` onset within it (5: none), counted per class.
fn unexplained(
    a: &[(Nanos, DrumClass)],
    b: &[(Nanos, DrumClass)],
    window: Nanos,
) -> Vec<[usize; 6]> {
    let idx = |c: DrumClass| DrumClass::ALL.iter().position(|x| *x == c).unwrap_or(0);
    let mut out = vec![[0usize; 6]; DrumClass::ALL.len()];
    for &(t, c) in a {
        let near = |same: bool| {
            b.iter()
                .filter(|(u, d)| (u.0 - t.0).abs() <= window.0 && (*d == c) == same)
                .min_by_key(|(u, _)| (u.0 - t.0).abs())
        };
        if near(true).is_none() {
            out[idx(c)][near(false).map_or(5, |x| idx(x.1))] += 1;
        }
    }
    out
}

/// Another kit heard in a kit's microphone: the bank it is rendered through and its level
/// relative to the target's, in dB of RMS over the take (take `i`'s bleed is take `i + 1`,
/// wrapping, rendered through this bank; the target's truth alone is scored).
#[derive(Debug, Clone, Copy)]
pub struct Bleed<'a> {
    /// The other kit's strokes.
    pub bank: &'a Bank,
    /// The other kit's RMS level relative to the target's (room noise included), in dB.
    pub db: f64,
}

/// The hits of a take, as [`Bank::perform`] takes them.
fn take_hits(take: &crate::take::Take) -> Vec<(Nanos, Lane, Option<Articulation>, u8)> {
    take.hits
        .iter()
        .filter(|h| h.time.0 >= 0)
        .map(|h| (h.time, h.lane, h.articulation, h.velocity))
        .collect()
}

/// How the renders are recorded: the room's noise and the recording's level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recording {
    /// Room noise, dB full scale RMS (see [`Bank::perform`]).
    pub noise_dbfs: f64,
    /// Gain applied to the whole recording (strokes, noise and bleed) before transcription,
    /// in dB: a quieter or louder recording of the same room (clipped at full scale).
    pub gain_db: f64,
}

impl Recording {
    /// The measured condition of docs/acoustic.md: noise at -50 dBFS RMS, no gain.
    pub const ROOM: Recording = Recording {
        noise_dbfs: -50.0,
        gain_db: 0.0,
    };
}

/// Renders each take's hits through `bank` recorded as `recording` says, transcribes the
/// audio with a [`Streaming`](super::Streaming) transcriber, and scores it per class against the truth at
/// `window`. Timing pools every take's pairs after taking off each take's per-class bias.
/// With `bleed`, another kit's performance is mixed in ([`Bleed`]).
pub fn measure(
    bank: &Bank,
    takes: &[crate::take::Take],
    settings: Settings,
    kit: &AudioKit,
    recording: Recording,
    window: Nanos,
    bleed: Option<Bleed>,
) -> RenderScores {
    let mut counts = vec![MatchCounts::default(); DrumClass::ALL.len()];
    let mut pooled: Vec<Vec<f64>> = vec![Vec::new(); DrumClass::ALL.len()];
    let mut biases: Vec<Vec<f64>> = vec![Vec::new(); DrumClass::ALL.len()];
    let mut seconds = 0.0;
    let mut misses = vec![[0usize; 6]; DrumClass::ALL.len()];
    let mut extras = vec![[0usize; 6]; DrumClass::ALL.len()];
    let mut by_level = vec![[(0usize, 0usize); LEVEL_BINS]; DrumClass::ALL.len()];
    let mut by_raise = vec![[(0usize, 0usize); RAISE_BIN_COUNT]; DrumClass::ALL.len()];
    let mut scratch = RaiseScratch::default();
    // The recording's gain, as a factor on the samples.
    let gain = 10f64.powf(recording.gain_db / 20.0) as f32;
    for (i, take) in takes.iter().enumerate() {
        let hits = take_hits(take);
        let end = hits.iter().map(|h| h.0 .0).max().unwrap_or(0) as f64 / 1e9 + 3.0;
        let (mut audio, truth) = bank.perform(&hits, end, recording.noise_dbfs, 7 + i as u64);
        if let Some(b) = bleed {
            let other = take_hits(&takes[(i + 1) % takes.len()]);
            let (extra, _) = b.bank.perform(&other, end, -140.0, 1000 + i as u64);
            let rms = |x: &[f32]| {
                (x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / x.len().max(1) as f64)
                    .sqrt()
            };
            let g = (10f64.powf(b.db / 20.0) * rms(&audio) / rms(&extra).max(1e-12)) as f32;
            for (o, x) in audio.iter_mut().zip(extra) {
                *o = (*o + g * x).clamp(-1.0, 1.0);
            }
        }
        if recording.gain_db != 0.0 {
            for o in audio.iter_mut() {
                *o = (*o * gain).clamp(-1.0, 1.0);
            }
        }
        seconds += end;
        let mut engine = super::engine::Streaming::new(RATE, settings, kit);
        let mut found = Vec::new();
        for block in audio.chunks(4096) {
            engine.push_into(block, &mut found);
        }
        found.extend(engine.finish());
        let reference: Vec<(Nanos, DrumClass)> = truth
            .iter()
            .filter_map(|h| Some((h.time, DrumClass::of(h.lane)?)))
            .collect();
        for h in &truth {
            let Some(class) = DrumClass::of(h.lane) else {
                continue;
            };
            let c = DrumClass::ALL.iter().position(|x| *x == class).unwrap_or(0);
            let found = found.iter().any(|e| {
                DrumClass::of(e.lane) == Some(class) && (e.time.0 - h.time.0).abs() <= window.0
            });
            let slot = &mut by_level[c][bin_of(&LEVEL_BINS_DBFS, h.peak_dbfs)];
            slot.0 += usize::from(found);
            slot.1 += 1;
            let raise = bank.raise(&audio, h, gain, &mut scratch);
            let slot = &mut by_raise[c][bin_of(&RAISE_BINS, raise)];
            slot.0 += usize::from(found);
            slot.1 += 1;
        }
        let estimate: Vec<(Nanos, DrumClass)> = found
            .iter()
            .filter_map(|h| Some((h.time, DrumClass::of(h.lane)?)))
            .collect();
        for (c, (m, x)) in unexplained(&reference, &estimate, window)
            .iter()
            .zip(unexplained(&estimate, &reference, window))
            .enumerate()
        {
            for k in 0..6 {
                misses[c][k] += m[k];
                extras[c][k] += x[k];
            }
        }
        for (c, class) in DrumClass::ALL.iter().enumerate() {
            counts[c] = counts[c] + class_counts(&reference, &estimate, *class, window);
            if let Some(t) = class_timing(&reference, &estimate, *class, window) {
                biases[c].push(t.bias_ms);
                // Each pair's error less this take's bias, for the pooled median.
                let errs = super::eval::class_errors(&reference, &estimate, *class, window);
                pooled[c].extend(errs.iter().map(|e| e - t.bias_ms));
            }
        }
    }
    let timing = (0..DrumClass::ALL.len())
        .map(|c| {
            if pooled[c].is_empty() {
                return None;
            }
            let mut abs: Vec<f64> = pooled[c].iter().map(|e| e.abs()).collect();
            Some(TimingError {
                pairs: abs.len(),
                bias_ms: super::eval::median(&mut biases[c]),
                median_abs_ms: super::eval::median(&mut abs),
            })
        })
        .collect();
    RenderScores {
        counts,
        timing,
        seconds,
        misses,
        extras,
        by_level,
        by_raise,
    }
}

impl RenderScores {
    /// One line per class: F, P, R, counts, bias and median error.
    pub fn table(&self) -> String {
        let mut out = String::new();
        for (c, class) in DrumClass::ALL.iter().enumerate() {
            let m = self.counts[c];
            let t = self.timing[c];
            out.push_str(&format!(
                "{} F {:.3} P {:.3} R {:.3} (ref {}, est {}) bias {:+.2} ms, median |err| {:.2} ms\n",
                class.label(),
                m.f_measure(),
                m.precision(),
                m.recall(),
                m.notes,
                m.hits,
                t.map_or(f64::NAN, |t| t.bias_ms),
                t.map_or(f64::NAN, |t| t.median_abs_ms)
            ));
        }
        out
    }
}

/// The Groove MIDI Dataset takes under `gmd` (`drummer*/eval_session/*.mid`, read through the
/// `roland-td` map), in path order.
pub fn gmd_takes(gmd: &Path) -> Result<Vec<crate::take::Take>, crate::error::InputError> {
    let kit = crate::kit::KitMap::builtin("roland-td");
    let mut out = Vec::new();
    for drummer in [1, 5, 7, 8] {
        let session = gmd.join(format!("drummer{drummer}/eval_session"));
        let mut files: Vec<PathBuf> = std::fs::read_dir(&session)
            .map_err(|e| crate::error::InputError::io(&session, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for f in files {
            let spec = f.to_string_lossy().to_string();
            out.push(crate::formats::load_take(&spec, kit.as_ref())?.take);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bank whose every voice is one decaying noise burst (0.3 s), at velocity 100.
    fn burst_bank() -> Bank {
        let mut rng = fastrand::Rng::with_seed(3);
        let samples: Vec<f32> = (0..RATE as usize * 3 / 10)
            .map(|i| (rng.f32() * 2.0 - 1.0) * 0.5 * (-(i as f32) / 2000.0).exp())
            .collect();
        Bank {
            strokes: vec![vec![Stroke::new(samples)]; VOICES.len()],
            velocities: vec![vec![100]; VOICES.len()],
        }
    }

    fn raise_of(
        bank: &Bank,
        hits: &[(Nanos, Lane, Option<Articulation>, u8)],
        noise: f64,
    ) -> Vec<f64> {
        let (audio, truth) = bank.perform(hits, 1.5, noise, 1);
        let mut scratch = RaiseScratch::default();
        truth
            .iter()
            .map(|t| bank.raise(&audio, t, 1.0, &mut scratch))
            .collect()
    }

    #[test]
    fn a_stroke_raises_the_onset_function_by_how_far_it_stands_out_of_the_rest() {
        let bank = burst_bank();
        let at = |ms: i64| Nanos(ms * 1_000_000);
        // Alone over quiet room noise: every band rises far.
        let alone = raise_of(&bank, &[(at(500), Lane::Snare, None, 100)], -90.0)[0];
        assert!(alone > 20.0, "alone {alone}");
        // The same stroke 40 dB under the room noise: nothing stands out.
        let buried = raise_of(&bank, &[(at(500), Lane::Snare, None, 1)], -30.0)[0];
        assert!(buried < 0.5, "buried {buried}");
        // A soft stroke 5 ms into a loud one's ring raises the bands less than a soft stroke
        // 500 ms after it, whose ring has died away.
        let near = raise_of(
            &bank,
            &[
                (at(200), Lane::Snare, None, 100),
                (at(205), Lane::Kick, None, 10),
            ],
            -90.0,
        );
        let far = raise_of(
            &bank,
            &[
                (at(200), Lane::Snare, None, 100),
                (at(700), Lane::Kick, None, 10),
            ],
            -90.0,
        );
        let soft = |r: &[f64]| r[1];
        assert!(
            soft(&near) < 2.0 && soft(&far) > 10.0,
            "near {near:?}, far {far:?}"
        );
    }
}
