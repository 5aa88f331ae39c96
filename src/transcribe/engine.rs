//! The transcriber: mono samples in, drum hits out, block by block. The offline path feeds a
//! file through the same [`Streaming`] value, so a live input and a recording of it give the
//! same hits.
//!
//! 1. **Frames**: a Hann window of `window_s` (a power of two of samples) every `hop_s`, its
//!    power spectrum summed into [`BANDS`] log-spaced bands (amplitudes).
//! 2. **Onset function**: the multi-band log spectral flux, `sum_b max(0, ln(A_b(t) + f) -
//!    ln(A_b(t - lag) + f))` with a floor `f` at -66 dBFS (lower in a quiet recording:
//!    [`Level`]), each band weighted by how many FFT bins it sums (narrow bands count less:
//!    their noise wanders more).
//! 3. **Peaks**: a frame is an onset when its flux is the largest from `pre_max` frames before
//!    to `post_max` after, exceeds the mean of the `pre_avg` frames before it by `delta`, comes
//!    `min_gap_s` after the last onset, and the frame is louder than `silence_dbfs`. Before
//!    the stream is taken as silence; an onset among the stream's first frames is a stroke
//!    only where the level then falls [`START_MARGIN_DB`] within [`START_LOOK`] frames (a
//!    recording that starts in room noise rises from that silence too, but holds its level;
//!    not applied when learning). A peak under `delta` but [`QUIET_DELTA`] over the mean is
//!    an onset too where its [`Streaming::persistent_rise`] reaches [`PERSISTENT_RISE`] (a
//!    quiet stroke in another's ring: its bands stay up, a decay's wobble falls back); such a
//!    quiet onset is a kick, snare or hi-hat only, and is not looked for when learning.
//! 4. **Which drums**: the rise of each band (its peak over the onset's next frames minus its
//!    floor before the onset) and its tail (the band [`TAIL_FRAMES`] later, less the same
//!    floor), whitened, are explained as a non-negative sum of the kit's templates (rise and
//!    tail; non-negative least squares); every group of drums whose share is at least
//!    `relative_activation` (times [`GROUP_RELATIVE`]: lower for the snare and hi-hat) of the
//!    largest one is a hit, named by its strongest template. The tail is taken less each band's
//!    wobble before the onset (noise is not a drum ringing on), and a tom or cymbal that is
//!    not the largest group must explain more than that noise could
//!    ([`SECONDARY_NOISE_RATIO`]). A kick also needs its bands to rise
//!    by [`KICK_LOW_RISE`], a snare its body's by [`SNARE_BODY_RISE`]; a kick found without a
//!    hi-hat is a kick and a hi-hat where the bands above [`HAT_BANDS_FROM_HZ`], sounding
//!    before it, rise by [`HAT_HIGH_RISE`] within [`HAT_LOOK_FRAMES`] and still ring
//!    [`HAT_TAIL_RISE`] above their floor 50 ms later.
//! 5. **When**: each hit's time is refined on the waveform, filtered for its lane (low-pass for
//!    the kick, high-pass for hi-hats and cymbals, full band otherwise): the first sample where
//!    the envelope rises `refine_fraction` ([`KICK_REFINE_FRACTION`] for the kick) of the way
//!    from its floor to its peak. A hi-hat struck with a kick is refined from its own frame
//!    ([`Streaming::hat_frame`]: where its bands' flux peaks again after the kick's click,
//!    within [`HAT_LOOK_FRAMES`]), not from the kick's.
//!
//! Latency: a hit is reported once the samples up to `window/2 + (TAIL_FRAMES + 1) * hop`
//! after its frame have arrived (78 ms at 44.1 kHz with the defaults), plus the block size of
//! the pushes; the stream's first strokes wait until [`Streaming::start_hold`].

use super::kit::{group, unit, AudioKit, GROUPS, GROUP_PRIOR, GROUP_RELATIVE, TOMS_AND_CYMBALS};
use super::settings::{band_edges, sample_time, AudioHit, Settings, BANDS};
use crate::lane::Lane;
use crate::time::Nanos;
use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use std::collections::VecDeque;
use std::sync::Arc;

/// Amplitude floor of the log spectrum at a recording's usual level (-66 dBFS): quieter
/// changes of a band add little flux. In a quieter recording the floor follows its level down
/// ([`Level`]).
pub(crate) const LOG_FLOOR: f64 = 5e-4;
/// [`LOG_FLOOR`] in dB full scale.
const LOG_FLOOR_DBFS: f64 = -66.0;
/// The floor follows the loudest stroke heard so far (the loudest frame, whole band, of the
/// [`TAIL_FRAMES`] from its onset frame) this many dB under it: -66 dBFS for strokes at
/// -9 dBFS, where a recording set by its meter has them...
const FLOOR_UNDER_LOUDEST_DB: f64 = 57.0;
/// ... but stays no more than this many dB under the room's noise (the quietest frame, whole
/// band, rising by [`NOISE_RISE_DB_PER_S`] while none is quieter): a band's changes in the
/// noise are not strokes...
const FLOOR_UNDER_NOISE_DB: f64 = 20.0;
/// ... nor under this level (dBFS) at all...
const FLOOR_LOWEST_DBFS: f64 = -90.0;
/// ... and never above [`LOG_FLOOR_DBFS`]. How fast the noise estimate may rise, dB per second.
const NOISE_RISE_DB_PER_S: f64 = 3.0;
/// Bins a band needs for its full weight in the onset function: a band of `k` fewer bins
/// counts `sqrt(k / FLUX_FULL_BINS)`. The log amplitude of a band summing `k` bins of noise
/// wanders by about `1 / (2 sqrt(k))`, so the narrow low bands (one to three bins) add mostly
/// noise to the flux; weighted so, every band's noise counts about alike.
const FLUX_FULL_BINS: f64 = 4.0;
/// Frames of spectrum history kept.
const HISTORY: usize = 48;
/// Frames before the onset frame whose minimum is a band's floor: from `FLOOR_FROM` to
/// `FLOOR_TO` frames back.
const FLOOR_FROM: usize = 12;
const FLOOR_TO: usize = 5;
/// Frames after the onset frame at which the decay (the "tail" half of the template) is taken:
/// 50 ms at a 5 ms hop. Classification waits for them.
pub const TAIL_FRAMES: usize = 10;
/// Weight of the tail half of a feature against the rise half.
const TAIL_WEIGHT: f64 = 4.0;
/// A tom or cymbal that is not the onset's largest group is kept only where leaving it out of
/// the fit would add at least this many times the noise's energy to the residual (both in the
/// whitened feature space; the noise is each band's wobble before the onset, see
/// [`Streaming::rise`]). In a quiet stroke near the room noise the fit hands small shares to
/// every template the noise resembles, and toms and cymbals, whose templates ring long, took
/// them.
const SECONDARY_NOISE_RATIO: f64 = 4.0;
/// The kick's bands (30 to 243 Hz): a kick is heard only where they rise...
const KICK_BANDS: usize = 8;
/// ... by at least this much (natural log of the summed amplitudes: 1.0 is 8.7 dB).
const KICK_LOW_RISE: f64 = 1.0;
/// The snare's body: its bands lie within these frequencies (85 to 316 Hz), and a snare is
/// heard only where they rise...
const SNARE_BODY_HZ: (f64, f64) = (80.0, 400.0);
/// ... by at least this much (natural log of the summed amplitudes: 1.5 is 13 dB). A hi-hat
/// or cymbal stroke alone, whose spectrum the fit may still explain partly with the snare's
/// template (wires and shell ring up to the top bands), leaves them where they were.
const SNARE_BODY_RISE: f64 = 1.5;
/// A stroke classified as a kick alone is a kick and a hi-hat where the bands from this
/// frequency up, sounding before it (their summed floor at least the log floor, [`LOG_FLOOR`]
/// at the usual level)...
const HAT_BANDS_FROM_HZ: f64 = 5000.0;
/// ... peak, over the onset frame and the [`HAT_LOOK_FRAMES`] after it, at least this much
/// above that floor (natural log of the summed amplitudes: 0.5 is 4.3 dB), where the
/// least-squares fit may give the whole rise to the kick's template (a real kick's spectrum
/// differs from the template's, and the kick's rise dwarfs the hat's)...
const HAT_HIGH_RISE: f64 = 0.5;
/// ... and are still this much above their floor [`TAIL_FRAMES`] later (0.5 is 4.3 dB): a hat
/// rings on, where a kick's click (a hard beater, a click pad) is gone.
const HAT_TAIL_RISE: f64 = 0.5;
/// Frames after a kick's onset frame in which a hi-hat struck with it is looked for (40 ms at a
/// 5 ms hop; the onset frame comes 5 to 10 ms before the kick): a drummer's kick and hat
/// "together" land up to some 30 ms apart, one onset to the detector (`min_gap_s` is 25 ms).
/// Such a hat is timed from its own frame among these ([`Streaming::hat_frame`]), its waveform
/// refinement looking back only [`HAT_REFINE_BEFORE_S`] from it (the kick's click comes
/// earlier).
const HAT_LOOK_FRAMES: usize = 8;
/// A second peak of the hat bands' flux after a kick's is a hat's entry where it stands this
/// far over the valley between (natural-log units summed over the weighted hat bands).
const HAT_SECOND_FLUX: f64 = 0.5;
/// See [`HAT_LOOK_FRAMES`].
const HAT_REFINE_BEFORE_S: f64 = 0.010;
// The frames the hat check reads have arrived when its onset is decided.
const _: () = assert!(HAT_LOOK_FRAMES <= TAIL_FRAMES);
/// Frames after one of the stream's first frames that its decision waits for (150 ms at a
/// 5 ms hop): see [`Streaming::starts_in_noise`].
const START_LOOK: usize = 30;
/// An onset among the stream's first frames is a stroke only where the level falls this many
/// dB from its peak within [`START_LOOK`] frames; room noise holds its level.
const START_MARGIN_DB: f64 = 3.0;
/// A flux peak under `delta` but this far over its local mean (natural-log units summed over
/// bands, as `delta`) is a stroke where its [`Streaming::persistent_rise`] reaches
/// [`PERSISTENT_RISE`]: a quiet stroke struck while another rings (a ghost note after a
/// backbeat, a soft hat under a kick's decay), whose flux peak the ring's wobble would
/// otherwise match.
const QUIET_DELTA: f64 = 1.5;
/// See [`QUIET_DELTA`] (natural-log units summed over the weighted bands, as the flux).
const PERSISTENT_RISE: f64 = 3.0;
/// The frames after the flux peak whose quietest sets a band's level after the stroke (5 to
/// 15 ms later)...
const PERSIST_AFTER: (usize, usize) = (1, 3);
/// ... and the frames before it whose loudest sets its level before (15 to 25 ms earlier:
/// frames whose windows the stroke has barely entered).
const PERSIST_BEFORE: (usize, usize) = (3, 5);
// The frames after a peak that its persistent rise reads have arrived when it is decided.
const _: () = assert!(PERSIST_AFTER.1 <= TAIL_FRAMES);
/// Values in a feature: the rise of each band, then its tail.
const FEATURES: usize = 2 * BANDS;
/// Waveform refinement: the peak is sought from this long before the onset frame's centre...
const REFINE_BEFORE_S: f64 = 0.030;
/// ... to this long after it.
const REFINE_AFTER_S: f64 = 0.025;
/// The kick's waveform onset is where its low-passed envelope first rises this fraction of the
/// way from its floor to its peak (the other lanes use `Settings::refine_fraction`): the low
/// end takes several milliseconds to build, and at a tenth of its peak the kick came 4 ms
/// (FluidR3) to 13 ms (a sampled Pearl kick) after the stroke's start.
const KICK_REFINE_FRACTION: f64 = 0.03;
/// Filter warm-up and floor search before the refinement window.
const REFINE_LEAD_S: f64 = 0.040;

/// An onset's features, kept for learning: its frame's centre sample, the rise of each band's
/// amplitude at the stroke and each band's amplitude [`TAIL_FRAMES`] later (less the same floor
/// and the band's wobble, as [`Streaming::rise`] gives them).
pub type Rise = (u64, [f64; BANDS], [f64; BANDS]);

/// Per-frame analysis kept for the onset decision.
#[derive(Debug, Clone, Copy)]
struct Frame {
    bands: [f64; BANDS],
    flux: f64,
    db: f64,
}

/// A drum found in an onset: its lane, articulation and share of the explained rise.
type Found = (Lane, Option<crate::lane::Articulation>, f64);

/// The template set prepared for one sample rate: bands above Nyquist left out, whitened.
#[derive(Debug, Clone)]
struct Prepared {
    lanes: Vec<(Lane, Option<crate::lane::Articulation>, usize)>,
    /// Whitened unit templates, `lanes.len() * FEATURES`.
    w: Vec<f64>,
    /// Per-feature whitening divisors (0 for bands left out, and for tails when no template
    /// has one).
    inv_scale: [f64; FEATURES],
}

impl Prepared {
    fn new(kit: &AudioKit, valid: &[bool; BANDS]) -> Prepared {
        let feature = |t: &super::kit::Template, f: usize| {
            if f < BANDS {
                t.spectrum.get(f).copied().unwrap_or(0.0)
            } else {
                t.tail.get(f - BANDS).copied().unwrap_or(0.0)
            }
        };
        let tails = kit.templates.iter().any(|t| !t.tail.is_empty());
        let mut scale = [0.0; FEATURES];
        for t in &kit.templates {
            for (f, s) in scale.iter_mut().enumerate() {
                *s += feature(t, f) / kit.templates.len() as f64;
            }
        }
        let mut inv_scale = [0.0; FEATURES];
        for f in 0..FEATURES {
            let b = f % BANDS;
            if valid[b] && f < BANDS {
                inv_scale[f] = 1.0 / (scale[f] + 0.02);
            } else if valid[b] && tails {
                inv_scale[f] = TAIL_WEIGHT / (scale[f] + 0.02);
            }
        }
        let mut lanes = Vec::new();
        let mut w = Vec::new();
        for t in &kit.templates {
            let mut v: Vec<f64> = (0..FEATURES)
                .map(|f| feature(t, f) * inv_scale[f])
                .collect();
            unit(&mut v);
            if v.iter().any(|x| *x > 0.0) {
                lanes.push((t.lane, t.articulation, group(t.lane)));
                w.extend(v);
            }
        }
        Prepared {
            lanes,
            w,
            inv_scale,
        }
    }
}

/// The streaming transcriber. Push mono samples (any block size); hits come out in onset
/// order once the detector has seen enough after them (see the module docs for the latency).
/// After warm-up, pushing blocks of at most the size pushed before allocates nothing but the
/// returned hits.
pub struct Streaming {
    settings: Settings,
    rate: u32,
    n: usize,
    hop: usize,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    frame_in: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// For each band, the FFT bins it sums (start, end).
    bins: [(usize, usize); BANDS],
    /// Amplitude normalisation of the power sums.
    norm: f64,
    /// Each band's weight in the onset function (see [`FLUX_FULL_BINS`]).
    flux_weight: [f64; BANDS],
    /// The bands of the hi-hat check (see [`HAT_BANDS_FROM_HZ`]).
    hat_bands: [bool; BANDS],
    /// The bands of the snare check (see [`SNARE_BODY_HZ`]).
    snare_bands: [bool; BANDS],
    prepared: Prepared,
    /// The templates' activations of the onset being classified (one per template).
    activations: Vec<f64>,
    /// Samples from absolute index `base`.
    buf: Vec<f32>,
    base: u64,
    /// The next frame to analyse.
    next_frame: u64,
    frames: VecDeque<Frame>,
    /// Index of `frames[0]`.
    frames_base: u64,
    last_onset: Option<u64>,
    min_gap_frames: u64,
    /// The next frame to decide (absolute index).
    next_decide: u64,
    refine_scratch: Vec<f32>,
    flushed: bool,
    /// When learning: each onset's sample, band rise and band tail.
    rises: Option<Vec<Rise>>,
    /// The recording's level so far, which sets the floor of the log spectrum.
    level: Level,
}

/// How loud the recording is so far, and the floor of the log spectrum and the silence gate
/// that follow from it: at [`LOG_FLOOR_DBFS`] and `silence_dbfs` until a stroke is heard, then
/// [`FLOOR_UNDER_LOUDEST_DB`] under the loudest stroke so far where that is lower, held
/// [`FLOOR_UNDER_NOISE_DB`] at most under the room's noise and at least at
/// [`FLOOR_LOWEST_DBFS`]; the gate moves with the floor. Without it a recording 18 dB
/// quieter than usual loses its quiet strokes under the floor (docs/acoustic.md).
#[derive(Debug, Clone, Copy)]
struct Level {
    /// The loudest stroke so far (dBFS, whole band; -inf before the first).
    loudest_db: f64,
    /// The room's noise estimate (dBFS, whole band; -inf before the first frame).
    noise_db: f64,
    /// How far the noise estimate rises per frame, in dB.
    noise_rise_db: f64,
    /// The floor of the log spectrum now, as an amplitude.
    floor: f64,
    /// How far under [`LOG_FLOOR_DBFS`] the floor is now, in dB (0 or negative).
    shift_db: f64,
}

impl Level {
    fn new(hop_s: f64) -> Level {
        Level {
            loudest_db: f64::NEG_INFINITY,
            noise_db: f64::NEG_INFINITY,
            noise_rise_db: NOISE_RISE_DB_PER_S * hop_s,
            floor: LOG_FLOOR,
            shift_db: 0.0,
        }
    }

    /// Takes in a stroke's level (the floor follows from the next frame on).
    fn stroke(&mut self, db: f64) {
        self.loudest_db = self.loudest_db.max(db);
    }

    /// Takes in the next frame's whole-band level and sets the floor it is measured with.
    fn frame(&mut self, frame_db: f64) {
        self.noise_db = if self.noise_db.is_finite() {
            frame_db.min(self.noise_db + self.noise_rise_db)
        } else {
            frame_db
        };
        if self.loudest_db.is_finite() {
            let floor_db = (self.loudest_db - FLOOR_UNDER_LOUDEST_DB)
                .max(self.noise_db - FLOOR_UNDER_NOISE_DB)
                .clamp(FLOOR_LOWEST_DBFS, LOG_FLOOR_DBFS);
            self.shift_db = floor_db - LOG_FLOOR_DBFS;
            self.floor = LOG_FLOOR * 10f64.powf(self.shift_db / 20.0);
        }
    }
}

impl Streaming {
    /// A transcriber for `rate` Hz with these settings and templates.
    pub fn new(rate: u32, settings: Settings, kit: &AudioKit) -> Streaming {
        let rate = rate.max(1);
        let want = (settings.window_s * f64::from(rate)).max(16.0) as usize;
        // The nearest power of two (2048 at 44.1 and 48 kHz).
        let up = want.next_power_of_two();
        let n = if up - want > want - up / 2 {
            up / 2
        } else {
            up
        };
        let hop = ((settings.hop_s * f64::from(rate)).round() as usize).clamp(1, n);
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n);
        let window = hann(n);
        let edges = band_edges();
        let (bins, valid) = band_bins(rate, n);
        let hat_bands: [bool; BANDS] =
            std::array::from_fn(|b| valid[b] && edges[b] >= HAT_BANDS_FROM_HZ);
        let snare_bands: [bool; BANDS] = std::array::from_fn(|b| {
            valid[b] && edges[b] >= SNARE_BODY_HZ.0 && edges[b + 1] <= SNARE_BODY_HZ.1
        });
        let flux_weight = flux_weights(&bins);
        let wsum: f64 = window.iter().map(|w| f64::from(*w)).sum();
        let spectrum = fft.make_output_vec();
        let scratch = fft.make_scratch_vec();
        Streaming {
            settings,
            rate,
            n,
            hop,
            frame_in: vec![0.0; n],
            spectrum,
            scratch,
            fft,
            window,
            bins,
            norm: 2.0 / wsum,
            flux_weight,
            hat_bands,
            snare_bands,
            prepared: Prepared::new(kit, &valid),
            activations: Vec::new(),
            buf: Vec::new(),
            base: 0,
            next_frame: 0,
            frames: VecDeque::with_capacity(HISTORY + 1),
            frames_base: 0,
            last_onset: None,
            next_decide: 0,
            min_gap_frames: ((settings.min_gap_s * f64::from(rate)) / hop as f64).ceil() as u64,
            refine_scratch: Vec::new(),
            flushed: false,
            rises: None,
            level: Level::new(hop as f64 / f64::from(rate)),
        }
    }

    /// Starts keeping every onset's band rise (for learning templates); see
    /// [`Streaming::take_rises`].
    pub fn keep_rises(&mut self) {
        self.rises.get_or_insert_with(Vec::new);
    }

    /// The band rises kept since [`Streaming::keep_rises`].
    pub fn take_rises(&mut self) -> Vec<Rise> {
        self.rises.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// The sample rate.
    pub fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Analysis window and hop in samples.
    pub fn frame_sizes(&self) -> (usize, usize) {
        (self.n, self.hop)
    }

    /// How long after a stroke its hit is reported at the latest, not counting the block size:
    /// half a window plus the lookahead frames plus one hop.
    pub fn latency(&self) -> Nanos {
        let samples = self.n / 2 + (self.lookahead() + 1) * self.hop;
        sample_time(samples as u64, self.rate)
    }

    /// Until when, from the stream's first sample, the hits of its first strokes may be held
    /// back, not counting the block size: an onset among the stream's first frames waits
    /// 30 frames (150 ms at a 5 ms hop) to tell a stroke from the room noise
    /// starting, and the frames after it wait behind it. A hit comes out by
    /// `max(stroke + latency(), start_hold())` (199 ms at 44.1 kHz with the defaults).
    pub fn start_hold(&self) -> Nanos {
        let samples = self.n / 2 + (FLOOR_TO + START_LOOK.max(self.lookahead())) * self.hop;
        sample_time(samples as u64, self.rate)
    }

    /// Whether the stream's first frames are still undecided ([`Streaming::start_hold`]):
    /// until then no hit has come out, whatever [`Streaming::latency`] says.
    pub fn holding_start(&self) -> bool {
        self.next_decide < FLOOR_TO as u64
    }

    /// Frames after an onset frame that its decision waits for: the peak picker's and the
    /// tail's.
    fn lookahead(&self) -> usize {
        self.settings.post_max_frames.max(TAIL_FRAMES)
    }

    /// Feeds samples (mono, -1..1) and returns the hits now decided, in onset order.
    pub fn push(&mut self, samples: &[f32]) -> Vec<AudioHit> {
        let mut out = Vec::new();
        self.push_into(samples, &mut out);
        out
    }

    /// [`Streaming::push`] appending to `out`, for callers that reuse one vector.
    pub fn push_into(&mut self, samples: &[f32], out: &mut Vec<AudioHit>) {
        self.buf.extend(samples.iter().map(|s| {
            if s.is_finite() {
                s.clamp(-1.0, 1.0)
            } else {
                0.0
            }
        }));
        self.run(out);
        self.trim();
    }

    /// Ends the stream: pads with silence so that the last strokes are decided, and returns
    /// them. Pushing after this starts nothing new.
    pub fn finish(&mut self) -> Vec<AudioHit> {
        let mut out = Vec::new();
        if !self.flushed {
            self.flushed = true;
            let pad = self.n + (self.lookahead().max(START_LOOK) + 2) * self.hop;
            let zeros = vec![0.0f32; pad];
            self.buf.extend_from_slice(&zeros);
            self.run(&mut out);
        }
        out
    }

    /// Analyses every frame whose samples have all arrived.
    fn run(&mut self, out: &mut Vec<AudioHit>) {
        let end = self.base + self.buf.len() as u64;
        loop {
            let centre = self.next_frame * self.hop as u64;
            if centre + (self.n / 2) as u64 > end {
                break;
            }
            let frame = self.analyse(centre);
            self.frames.push_back(frame);
            if self.frames.len() > HISTORY {
                self.frames.pop_front();
                self.frames_base += 1;
            }
            self.next_frame += 1;
            while let Some(t) = self.ready() {
                self.next_decide += 1;
                self.decide(t, out);
            }
        }
    }

    /// The index into `frames` of the next frame to decide, once the frames its decision looks
    /// at have arrived: [`Streaming::lookahead`] frames after it, and [`START_LOOK`] for the
    /// stream's first frames ([`Streaming::starts_in_noise`]).
    fn ready(&self) -> Option<usize> {
        let abs = self.next_decide;
        let wait = if abs < FLOOR_TO as u64 {
            START_LOOK.max(self.lookahead())
        } else {
            self.lookahead()
        };
        let last = self.frames_base + self.frames.len() as u64;
        if abs + (wait as u64) < last && abs >= self.frames_base {
            Some((abs - self.frames_base) as usize)
        } else {
            None
        }
    }

    /// Drops samples no later frame or refinement needs.
    fn trim(&mut self) {
        let keep_from = (self.next_frame * self.hop as u64).saturating_sub(
            (self.n + self.lookahead() * self.hop) as u64
                + self.secs(REFINE_BEFORE_S + REFINE_LEAD_S + 0.05),
        );
        if keep_from > self.base && (keep_from - self.base) as usize > self.buf.len() / 2 {
            let drop = (keep_from - self.base).min(self.buf.len() as u64) as usize;
            self.buf.drain(..drop);
            self.base += drop as u64;
        }
    }

    fn secs(&self, s: f64) -> u64 {
        (s * f64::from(self.rate)).round() as u64
    }

    /// The sample at absolute index `i` (silence outside what is held).
    fn sample(&self, i: i64) -> f32 {
        if i < self.base as i64 {
            return 0.0;
        }
        self.buf
            .get((i - self.base as i64) as usize)
            .copied()
            .unwrap_or(0.0)
    }

    fn analyse(&mut self, centre: u64) -> Frame {
        let start = centre as i64 - (self.n / 2) as i64;
        for i in 0..self.n {
            self.frame_in[i] = self.sample(start + i as i64) * self.window[i];
        }
        let _ = self.fft.process_with_scratch(
            &mut self.frame_in,
            &mut self.spectrum,
            &mut self.scratch,
        );
        let mut bands = [0.0; BANDS];
        let mut total = 0.0;
        for (b, &(s, e)) in self.bins.iter().enumerate() {
            let p: f64 = self.spectrum[s..e]
                .iter()
                .map(|c| f64::from(c.norm_sqr()))
                .sum();
            total += p;
            bands[b] = p.sqrt() * self.norm;
        }
        let db = 10.0 * (total * self.norm * self.norm + 1e-20).log10();
        // Learning keeps the fixed floor: a template would otherwise depend on the order of
        // the strokes in its recording (the loudest so far sets the floor).
        if self.rises.is_none() {
            self.level.frame(db);
        }
        let floor = self.level.floor;
        let lag = self.settings.flux_lag_frames.max(1);
        let prev = self
            .frames
            .len()
            .checked_sub(lag)
            .map(|i| self.frames[i].bands);
        let flux = weighted_flux(&bands, prev.as_ref(), &self.flux_weight, floor, |_| true);
        Frame { bands, flux, db }
    }

    /// Decides whether frame `t` (an index into `frames`, [`Streaming::ready`] to decide) is
    /// an onset, and emits its hits.
    fn decide(&mut self, t: usize, out: &mut Vec<AudioHit>) {
        let s = self.settings;
        let last = t + s.post_max_frames;
        let f = self.frames[t];
        let abs = self.frames_base + t as u64;
        if f.db < s.silence_dbfs + self.level.shift_db {
            return;
        }
        if !self.is_peak(t, last) {
            return;
        }
        let mean = self.flux_before(t);
        // A peak under the full threshold is still a stroke where every band it lifts stays up
        // (a quiet stroke in another's ring); a decay's wobble falls back.
        let quiet = f.flux < mean + s.delta;
        if quiet
            && (f.flux < mean + QUIET_DELTA
                || self.rises.is_some()
                || self.persistent_rise(t) < PERSISTENT_RISE)
        {
            return;
        }
        if let Some(prev) = self.last_onset {
            if abs - prev < self.min_gap_frames {
                return;
            }
        }
        if self.frames_base == 0
            && t < FLOOR_TO
            && self.rises.is_none()
            && self.starts_in_noise(t, last)
        {
            return;
        }
        self.last_onset = Some(abs);
        let stroke_db = (t..=(t + TAIL_FRAMES).min(self.frames.len() - 1))
            .map(|i| self.frames[i].db)
            .fold(f64::NEG_INFINITY, f64::max);
        self.level.stroke(stroke_db);
        let floor = self.level.floor;
        let (rise, tail, wobble) = self.rise(t);
        if let Some(rises) = &mut self.rises {
            rises.push((abs * self.hop as u64, rise, tail));
        }
        let mut found = self.classify(&rise, &tail, &wobble, quiet);
        let rise_of = |(peak, before): (f64, f64)| log_rise(peak, before, floor);
        let no_kick =
            rise_of(self.summed_levels(t, s.post_max_frames, |b| b < KICK_BANDS)) < KICK_LOW_RISE;
        let (kick, hat) = (group(Lane::Kick), group(Lane::Hihat));
        if found[kick].is_some() && !no_kick && found[hat].is_none() {
            let hat_bands = self.hat_bands;
            let (peak, before) = self.summed_levels(t, HAT_LOOK_FRAMES, |b| hat_bands[b]);
            // Where the hat's bands were silent before (below the onset function's floor), a
            // kick's click alone would lift them as far: the check needs them sounding.
            // A hat rings on where a click is gone: the bands still rise at the tail frame.
            let tail_at = (t + TAIL_FRAMES).min(self.frames.len() - 1);
            let late: f64 = (0..BANDS)
                .filter(|&b| hat_bands[b])
                .map(|b| self.frames[tail_at].bands[b])
                .sum();
            if before >= floor
                && rise_of((peak, before)) >= HAT_HIGH_RISE
                && rise_of((late, before)) >= HAT_TAIL_RISE
            {
                found[hat] = self.strongest_of(hat);
            }
        }
        // A hat struck with a kick is timed from its own entry, not from the kick's click.
        let hat_at = (found[kick].is_some() && !no_kick && found[hat].is_some())
            .then(|| (self.frames_base + self.hat_frame(t) as u64) * self.hop as u64);
        let snare = group(Lane::Snare);
        if found[snare].is_some() {
            let snare_bands = self.snare_bands;
            if rise_of(self.summed_levels(t, s.post_max_frames, |b| snare_bands[b]))
                < SNARE_BODY_RISE
            {
                found[snare] = None;
            }
        }
        let centre = abs * self.hop as u64;
        for (lane, articulation, confidence) in found.into_iter().flatten() {
            if no_kick && lane == Lane::Kick {
                continue;
            }
            let (sample, peak) = match (lane, hat_at) {
                (Lane::Hihat | Lane::HihatPedal, Some(at)) => {
                    self.refine(at, lane, HAT_REFINE_BEFORE_S)
                }
                _ => self.refine(centre, lane, REFINE_BEFORE_S),
            };
            let db = 20.0 * (f64::from(peak) + 1e-12).log10();
            let velocity = (127.0 + db * 126.0 / 48.0).round().clamp(1.0, 127.0) as u8;
            out.push(AudioHit {
                time: sample_time(sample, self.rate),
                sample,
                lane,
                articulation,
                velocity,
                confidence,
            });
        }
    }

    /// The persistent rise at frame `t`: `sum_b w_b max(0, ln(min A_b(t+1..=t+3) + f) -
    /// ln(max A_b(t-5..=t-3) + f))`, the onset function's weights and floor. A band counts
    /// only as far as its quietest frame after the peak stays above its loudest frame before
    /// it: a stroke lifts its bands and they stay up while its window fills, where the wobble
    /// of a decay or of noise falls back within a few frames.
    fn persistent_rise(&self, t: usize) -> f64 {
        (0..BANDS)
            .map(|b| {
                let after = (t + PERSIST_AFTER.0..=t + PERSIST_AFTER.1)
                    .map(|i| self.frames[i].bands[b])
                    .fold(f64::INFINITY, f64::min);
                let before = (PERSIST_BEFORE.0..=PERSIST_BEFORE.1)
                    .map(|k| t.checked_sub(k).map_or(0.0, |i| self.frames[i].bands[b]))
                    .fold(0.0, f64::max);
                self.flux_weight[b] * log_rise(after, before, self.level.floor).max(0.0)
            })
            .sum()
    }

    /// Whether an onset among the stream's first frames (`t`, its peak frames to `last`) is
    /// where the recording's room noise starts rather than a stroke: the whole band's level
    /// stays within [`START_MARGIN_DB`] of its peak over the [`START_LOOK`] frames after.
    fn starts_in_noise(&self, t: usize, last: usize) -> bool {
        let peak = (t..=last)
            .map(|i| self.frames[i].db)
            .fold(f64::NEG_INFINITY, f64::max);
        let later = (t + TAIL_FRAMES..=t + START_LOOK)
            .map(|i| self.frames[i].db)
            .fold(f64::INFINITY, f64::min);
        peak - later < START_MARGIN_DB
    }

    /// Whether frame `t` is a peak of the flux: the largest from `pre_max` frames before to
    /// `last`, the first of a plateau.
    fn is_peak(&self, t: usize, last: usize) -> bool {
        let flux = |i: usize| self.frames[i].flux;
        let v = flux(t);
        let lo = t.saturating_sub(self.settings.pre_max_frames);
        // Ties: only the first frame of a plateau.
        !(lo..=last).any(|i| i != t && flux(i) > v) && !(lo..t).any(|i| flux(i) >= v)
    }

    /// The mean flux over the `pre_avg` frames before frame `t`. Frames before the stream's
    /// first are silence (no flux): a stroke at the very start is measured against them, not
    /// against its own first frames alone.
    fn flux_before(&self, t: usize) -> f64 {
        let lo = t.saturating_sub(self.settings.pre_avg_frames);
        let count = self.settings.pre_avg_frames.max(1) as f64;
        (lo..t).map(|i| self.frames[i].flux).sum::<f64>() / count
    }

    /// The summed peak over frames `t..=t + after` and summed floor before the onset frame
    /// `t` of the bands `b` with `pick(b)`.
    fn summed_levels(&self, t: usize, after: usize, pick: impl Fn(usize) -> bool) -> (f64, f64) {
        let post_end = (t + after).min(self.frames.len() - 1);
        let floor_lo = t.saturating_sub(FLOOR_FROM);
        let floor_hi = t.saturating_sub(FLOOR_TO);
        // As in [`Streaming::rise`]: before the stream's first frame is silence.
        let at_start = self.frames_base == 0 && t < FLOOR_TO;
        let mut peak = 0.0;
        let mut floor = 0.0;
        for b in (0..BANDS).filter(|&b| pick(b)) {
            peak += (t..=post_end)
                .map(|i| self.frames[i].bands[b])
                .fold(0.0, f64::max);
            if !at_start {
                floor += (floor_lo..=floor_hi)
                    .map(|i| self.frames[i].bands[b])
                    .fold(f64::INFINITY, f64::min);
            }
        }
        (peak, floor)
    }

    /// Where a hat struck with a kick at onset frame `t` enters: among frames `t..=t +
    /// HAT_LOOK_FRAMES`, the flux of the hat's bands alone peaks first where the kick (its
    /// click) and a hat struck with it enter; a hat struck later peaks again after the click's
    /// flux falls, and where that second peak stands [`HAT_SECOND_FLUX`] over the valley
    /// before it, it is the hat's frame, else the first peak is.
    fn hat_frame(&self, t: usize) -> usize {
        let lag = self.settings.flux_lag_frames.max(1);
        let flux = |i: usize| -> f64 {
            let before = i.checked_sub(lag).map(|j| &self.frames[j].bands);
            let (now, hat) = (&self.frames[i].bands, &self.hat_bands);
            weighted_flux(now, before, &self.flux_weight, self.level.floor, |b| hat[b])
        };
        let last = (t + HAT_LOOK_FRAMES).min(self.frames.len() - 1);
        let mut all = [0.0; HAT_LOOK_FRAMES + 1];
        for (slot, i) in all.iter_mut().zip(t..=last) {
            *slot = flux(i);
        }
        let v = &all[..=last - t];
        let mut m = 0;
        for (i, &x) in v.iter().enumerate() {
            if x > v[m] {
                m = i;
            }
        }
        let mut valley = m;
        while valley + 1 < v.len() && v[valley + 1] < v[valley] {
            valley += 1;
        }
        let mut second = valley;
        for i in valley + 1..v.len() {
            if v[i] > v[second] {
                second = i;
            }
        }
        t + if second > valley && v[second] >= v[valley] + HAT_SECOND_FLUX {
            second
        } else {
            m
        }
    }

    /// The rise of each band at the onset frame `t` (an index into `frames`), its tail, and
    /// its wobble: the mean change from frame to frame over the floor's frames (what noise
    /// alone moves the band by). The tail is the band's amplitude [`TAIL_FRAMES`] later less
    /// the floor and less the wobble: a band of noise is at its floor plus about its wobble at
    /// any frame, which is not a drum ringing on.
    fn rise(&self, t: usize) -> ([f64; BANDS], [f64; BANDS], [f64; BANDS]) {
        let mut out = [0.0; BANDS];
        let mut tail = [0.0; BANDS];
        let mut wobble = [0.0; BANDS];
        let tail_at = (t + TAIL_FRAMES).min(self.frames.len() - 1);
        let post_end = (t + self.settings.post_max_frames).min(self.frames.len() - 1);
        let floor_lo = t.saturating_sub(FLOOR_FROM);
        let floor_hi = t.saturating_sub(FLOOR_TO);
        let at_start = self.frames_base == 0 && t < FLOOR_TO;
        for (b, slot) in out.iter_mut().enumerate() {
            let peak = (t..=post_end)
                .map(|i| self.frames[i].bands[b])
                .fold(0.0, f64::max);
            let floor = if at_start {
                0.0
            } else {
                (floor_lo..=floor_hi)
                    .map(|i| self.frames[i].bands[b])
                    .fold(f64::INFINITY, f64::min)
            };
            if !at_start {
                let steps = (floor_hi - floor_lo).max(1) as f64;
                wobble[b] = (floor_lo + 1..=floor_hi)
                    .map(|i| (self.frames[i].bands[b] - self.frames[i - 1].bands[b]).abs())
                    .sum::<f64>()
                    / steps;
            }
            *slot = (peak - floor).max(0.0);
            tail[b] = (self.frames[tail_at].bands[b] - floor - wobble[b]).max(0.0);
        }
        (out, tail, wobble)
    }

    /// The drums in a rise: non-negative least squares against the whitened templates, then
    /// one hit per group that holds enough of the explained rise (in group order, at most one
    /// per group; no allocation). A tom or cymbal group that is not the largest must also
    /// explain more than the noise could ([`SECONDARY_NOISE_RATIO`]; `wobble` as
    /// [`Streaming::rise`] gives it). A `quiet` onset (under the full threshold, see
    /// [`QUIET_DELTA`]) has no tom or cymbal.
    fn classify(
        &mut self,
        rise: &[f64; BANDS],
        tail: &[f64; BANDS],
        wobble: &[f64; BANDS],
        quiet: bool,
    ) -> [Option<Found>; GROUPS] {
        let mut out = [None; GROUPS];
        let p = &self.prepared;
        let k = p.lanes.len();
        if k == 0 {
            return out;
        }
        let d: [f64; FEATURES] = std::array::from_fn(|f| {
            let x = if f < BANDS { rise[f] } else { tail[f - BANDS] };
            x * p.inv_scale[f]
        });
        let a = &mut self.activations;
        a.clear();
        a.resize(k, 0.0);
        nnls(&p.w, &d, a);
        let (share, best) = self.group_shares();
        let total: f64 = share.iter().sum();
        let top = share.iter().copied().fold(0.0, f64::max);
        if top <= 0.0 {
            return out;
        }
        let noise: f64 = (0..FEATURES)
            .map(|f| (wobble[f % BANDS] * p.inv_scale[f]).powi(2))
            .sum();
        for (g, slot) in out.iter_mut().enumerate() {
            let rel = self.settings.relative_activation * GROUP_RELATIVE[g];
            if share[g] > 0.0 && share[g] >= rel * top {
                if g >= TOMS_AND_CYMBALS
                    && (quiet
                        || share[g] < top
                            && self.explained_by(g, &d) < SECONDARY_NOISE_RATIO * noise)
                {
                    continue;
                }
                if let Some((i, _)) = best[g] {
                    let (lane, art, _) = p.lanes[i];
                    *slot = Some((lane, art, share[g] / total));
                }
            }
        }
        out
    }

    /// How much the residual of the fit just made of `d` grows (squared length) when group
    /// `g`'s templates are left out of it (the others kept as they are).
    fn explained_by(&self, g: usize, d: &[f64; FEATURES]) -> f64 {
        let p = &self.prepared;
        let mut with = 0.0;
        let mut without = 0.0;
        for (f, &x) in d.iter().enumerate() {
            let (mut fit, mut of_g) = (0.0, 0.0);
            for (i, &(_, _, gi)) in p.lanes.iter().enumerate() {
                let v = self.activations[i] * p.w[i * FEATURES + f];
                fit += v;
                if gi == g {
                    of_g += v;
                }
            }
            with += (x - fit).powi(2);
            without += (x - fit + of_g).powi(2);
        }
        without - with
    }

    /// Of the onset just classified: each group's share (its templates' activations, weighted
    /// by its prior) and its template with the largest activation (the first of the group
    /// where none has any; `None` for a group the kit has no template of).
    fn group_shares(&self) -> ([f64; GROUPS], [Option<(usize, f64)>; GROUPS]) {
        let a = &self.activations;
        let mut share = [0.0f64; GROUPS];
        let mut best: [Option<(usize, f64)>; GROUPS] = [None; GROUPS];
        for (i, &(_, _, g)) in self.prepared.lanes.iter().enumerate() {
            share[g] += a[i] * GROUP_PRIOR[g];
            if best[g].is_none_or(|(_, v)| a[i] > v) {
                best[g] = Some((i, a[i]));
            }
        }
        (share, best)
    }

    /// Group `g`'s strongest template in the onset just classified, with the group's share,
    /// whatever that share; `None` when the kit has no template of the group.
    fn strongest_of(&self, g: usize) -> Option<Found> {
        let (share, best) = self.group_shares();
        let (i, _) = best[g]?;
        let total: f64 = share.iter().sum();
        let (lane, art, _) = self.prepared.lanes[i];
        Some((lane, art, if total > 0.0 { share[g] / total } else { 0.0 }))
    }

    /// The refined onset sample of a `lane` stroke whose onset frame is centred at `centre`,
    /// and the peak of its filtered envelope, sought from `before_s` before `centre`.
    fn refine(&mut self, centre: u64, lane: Lane, before_s: f64) -> (u64, f32) {
        let rate = f64::from(self.rate);
        let from = centre as i64 - self.secs(before_s) as i64;
        let to = centre as i64 + self.secs(REFINE_AFTER_S) as i64;
        let lead = from - self.secs(REFINE_LEAD_S) as i64;
        let len = (to - lead).max(1) as usize;
        let mut env = std::mem::take(&mut self.refine_scratch);
        env.clear();
        // One-pole filters: two low-pass stages for the kick, two high-pass stages for hi-hats
        // and cymbals, none for the rest.
        let kind = match lane {
            Lane::Kick => 1,
            Lane::Hihat | Lane::HihatPedal => 2,
            l if l.is_cymbal() => 2,
            _ => 0,
        };
        let lp = 1.0 - (-2.0 * std::f64::consts::PI * 150.0 / rate).exp() as f32;
        let hp = (-2.0 * std::f64::consts::PI * 4000.0 / rate).exp() as f32;
        let decay = (-1.0 / (0.001 * rate)).exp() as f32;
        let (mut y1, mut y2, mut x1, mut h1, mut h2, mut e) = (0f32, 0f32, 0f32, 0f32, 0f32, 0f32);
        for i in 0..len {
            let x = self.sample(lead + i as i64);
            let v = match kind {
                1 => {
                    y1 += lp * (x - y1);
                    y2 += lp * (y1 - y2);
                    y2
                }
                2 => {
                    let a = hp * (h1 + x - x1);
                    x1 = x;
                    let b = hp * (h2 + a - h1);
                    h1 = a;
                    h2 = b;
                    b
                }
                _ => x,
            };
            e = v.abs().max(e * decay);
            env.push(e);
        }
        let off = (from - lead) as usize;
        let (mut p, mut peak) = (off, 0.0f32);
        for (i, &v) in env.iter().enumerate().skip(off) {
            if v > peak {
                peak = v;
                p = i;
            }
        }
        let floor_from = p.saturating_sub(self.secs(0.030) as usize).max(1);
        let floor = env[floor_from..=p]
            .iter()
            .copied()
            .fold(f32::INFINITY, f32::min);
        // The kick's low end builds up over a few periods of its lowest mode, so its
        // low-passed envelope leaves the floor well before it reaches a tenth of its peak.
        let fraction = if kind == 1 {
            KICK_REFINE_FRACTION
        } else {
            self.settings.refine_fraction
        };
        let thr = floor + fraction as f32 * (peak - floor);
        let mut onset = p;
        while onset > floor_from && env[onset - 1] > thr {
            onset -= 1;
        }
        self.refine_scratch = env;
        let sample = (lead + onset as i64).max(0) as u64;
        (sample, peak)
    }
}

/// A periodic Hann window of `n` samples.
pub(crate) fn hann(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| (0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n as f64).cos()) as f32)
        .collect()
}

/// For a frame of `n` samples at `rate` Hz, the FFT bins each band sums (start, end), and
/// whether the band lies under the Nyquist frequency (a band narrower than a bin takes the bin
/// at its centre).
pub(crate) fn band_bins(rate: u32, n: usize) -> ([(usize, usize); BANDS], [bool; BANDS]) {
    let edges = band_edges();
    let nyquist = f64::from(rate) / 2.0;
    let bin_hz = f64::from(rate) / n as f64;
    let mut bins = [(0, 0); BANDS];
    let mut valid = [false; BANDS];
    for b in 0..BANDS {
        let (lo, hi) = (edges[b], edges[b + 1].min(nyquist));
        if lo >= nyquist * 0.98 {
            continue;
        }
        let start = (lo / bin_hz).ceil() as usize;
        let end = ((hi / bin_hz).ceil() as usize).min(n / 2);
        bins[b] = if end > start {
            (start, end)
        } else {
            let c = (((lo * hi).sqrt() / bin_hz).round() as usize).min(n / 2);
            (c, c + 1)
        };
        valid[b] = true;
    }
    (bins, valid)
}

/// The onset function's weight of each band: `min(1, sqrt(k / FLUX_FULL_BINS))` for a band
/// summing `k` bins.
pub(crate) fn flux_weights(bins: &[(usize, usize); BANDS]) -> [f64; BANDS] {
    std::array::from_fn(|b| {
        let k = (bins[b].1 - bins[b].0) as f64;
        (k / FLUX_FULL_BINS).sqrt().min(1.0)
    })
}

/// How far amplitude `after` stands above `before` on the onset function's log scale (natural
/// log, each with the floor `floor` added, [`LOG_FLOOR`] at the usual level; negative where it
/// fell).
fn log_rise(after: f64, before: f64, floor: f64) -> f64 {
    (after + floor).ln() - (before + floor).ln()
}

/// The onset function of step 2 over the bands `b` with `pick(b)`: `sum_b w_b max(0,
/// log_rise(now_b, before_b))`, a missing `before` being silence.
fn weighted_flux(
    now: &[f64; BANDS],
    before: Option<&[f64; BANDS]>,
    weights: &[f64; BANDS],
    floor: f64,
    pick: impl Fn(usize) -> bool,
) -> f64 {
    (0..BANDS)
        .filter(|&b| pick(b))
        .map(|b| weights[b] * log_rise(now[b], before.map_or(0.0, |p| p[b]), floor).max(0.0))
        .sum()
}

/// Non-negative least squares by coordinate descent: `a >= 0` minimising `|d - W a|`, where
/// `w` holds `a.len()` unit rows of `FEATURES` values and `a` starts at zero.
fn nnls(w: &[f64], d: &[f64; FEATURES], a: &mut [f64]) {
    let k = a.len();
    let mut r = *d;
    for _ in 0..60 {
        let mut change = 0.0f64;
        for i in 0..k {
            let row = &w[i * FEATURES..(i + 1) * FEATURES];
            let g: f64 = row.iter().zip(&r).map(|(x, y)| x * y).sum();
            let new = (a[i] + g).max(0.0);
            let delta = new - a[i];
            if delta != 0.0 {
                for (rb, x) in r.iter_mut().zip(row) {
                    *rb -= delta * x;
                }
                a[i] = new;
                change = change.max(delta.abs());
            }
        }
        if change < 1e-9 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A closed hat with `tom` of a floor tom's template mixed in (rise and tail), each band
    /// wobbling by `wobble` before the onset: the lanes found.
    fn lanes_found(tom: f64, wobble: f64) -> Vec<Lane> {
        let kit = AudioKit::builtin();
        let of = |lane: Lane| {
            kit.templates
                .iter()
                .find(|t| t.lane == lane)
                .expect("the built-in kit has the lane")
        };
        let (hat, floor_tom) = (of(Lane::Hihat), of(Lane::Tom3));
        let mix =
            |h: &[f64], t: &[f64]| -> [f64; BANDS] { std::array::from_fn(|b| h[b] + tom * t[b]) };
        let rise = mix(&hat.spectrum, &floor_tom.spectrum);
        let tail = mix(&hat.tail, &floor_tom.tail);
        let mut engine = Streaming::new(44_100, Settings::default(), &kit);
        let found = engine.classify(&rise, &tail, &[wobble; BANDS], false);
        found.iter().flatten().map(|f| f.0).collect()
    }

    #[test]
    fn a_tom_beside_a_louder_drum_is_a_hit_only_where_it_stands_out_of_the_noise() {
        // Over still bands, a tom a third as loud as the hat is a stroke of its own.
        assert_eq!(lanes_found(0.35, 0.0), [Lane::Hihat, Lane::Tom3]);
        // Where every band wobbled by as much before the onset, it is no more than the noise.
        assert_eq!(lanes_found(0.35, 0.05), [Lane::Hihat]);
        // Without a tom, the hat alone either way; a loud tom stands out of that noise.
        assert_eq!(lanes_found(0.0, 0.0), [Lane::Hihat]);
        assert_eq!(lanes_found(1.5, 0.05), [Lane::Hihat, Lane::Tom3]);
    }
}
