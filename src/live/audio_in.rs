//! Live audio input: an acoustic kit heard through a microphone, transcribed into hits as it
//! plays.
//!
//! The path, one thread per step:
//!
//! 1. the audio callback copies each period's samples into a preallocated wait-free ring:
//!    pocket's JACK client with the frame of the period's first sample
//!    ([`AudioSender::push_block`]), a cpal input stream (`cpal_in`, feature `midi-io`) with
//!    the device's own frame count and the capture-clock time its timestamps give the block
//!    ([`AudioSender::push_heard`]); no allocation, lock or I/O either way;
//! 2. a transcriber thread per input ([`AudioThread`]) takes the blocks, writes them to a WAV
//!    beside the capture log (32-bit float, flushed every 100 ms: a crash or Ctrl-C
//!    keeps what was played), runs [`Streaming`] on them and queues each hit as a General MIDI
//!    note on channel 10 stamped with its frame (`EventSender::push_frame`), into the same
//!    event ring a MIDI kit's callback fills;
//! 3. the consumer then writes, judges and displays those notes like any kit's.
//!
//! The WAV's sample 0 is frame 0 of the capture (capture-clock zero): frames the server skipped
//! (an xrun) are written as silence, so a sample's index in the file is its frame, and
//! transcribing the file offline gives the same hits at the same times as the session.
//!
//! A cpal input has no frame clock shared with the session: its blocks carry the device's
//! frame count and the capture-clock time the callback observed for their first sample, which
//! is late by however long the callback took to wake. [`DeviceClock`] places them: the
//! session frame of device frame `d` is `d + base`, `base` the smallest `heard·rate − d` of
//! the last [`DEVICE_WINDOW`] (lateness only ever adds, so the minimum is the best estimate,
//! as `ConnectionClock` does for MIDI stamps). `base` is changed only when the estimate moves
//! more than [`DEVICE_TOLERANCE_MS`] (the device's crystal drifting against the system clock,
//! or frames the device lost): the recording then gets silence or loses the overlap there, so
//! that it keeps lining up with the capture clock sample for sample, and the hits are sent at
//! their capture-clock times (`EventSender::push_time`).

use super::clock::{CaptureClock, FrameClock};
use super::consumer::{Control, FLUSH_EVERY};
use super::ring::{ring, EventSender, DEFAULT_RING_BYTES};
use super::LiveError;
use crate::kit::gm_note;
use crate::time::Nanos;
use crate::transcribe::{AudioHit, AudioKit, Settings, Streaming};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Seconds of audio the ring holds: how long the transcriber may fall behind before blocks are
/// dropped (and counted).
pub const RING_SECONDS: u32 = 10;
/// Blocks the ring holds (periods of 16 frames or more for [`RING_SECONDS`] at 96 kHz fit).
const RING_BLOCKS: usize = 65_536;
/// How long the transcriber sleeps when the ring is empty.
const IDLE_SLEEP: Duration = Duration::from_millis(2);
/// The longest gap in the frames (the server skipping cycles) filled with silence; a longer
/// jump starts the file's clock over at the new frame, which offline transcription of the file
/// cannot follow, so it is counted.
const MAX_GAP_SECONDS: i64 = 60;
/// How far back [`DeviceClock`] looks for the earliest observation of a cpal input's blocks.
pub const DEVICE_WINDOW: Nanos = Nanos(5_000_000_000);
/// How far [`DeviceClock`]'s estimate may move before the recording is moved with it, ms.
pub const DEVICE_TOLERANCE_MS: f64 = 0.5;
/// How long a cpal input's first corrections count as settling (not reported): the first
/// blocks of a stream are often read late.
const DEVICE_SETTLE: Nanos = Nanos(1_000_000_000);
/// Every observation of the last this long later than the estimate by [`DEVICE_JUMP`]: the
/// device lost frames, and the older observations no longer apply.
const DEVICE_JUMP_WINDOW: Nanos = Nanos(150_000_000);
/// See [`DEVICE_JUMP_WINDOW`].
const DEVICE_JUMP: Nanos = Nanos(5_000_000);
/// An input that delivered nothing for this long before its session ended is reported.
const SILENT_INPUT: Duration = Duration::from_secs(1);
/// How much earlier than its onset frame's centre a stroke's refined time can be (the
/// transcriber's waveform refinement looks this far back): a hit can reach the session this
/// much later than [`Streaming::latency`] after its time.
const REFINE_MARGIN: Nanos = Nanos(30_000_000);
/// The transcriber says how far it has decided ([`Stamp::Decided`](super::ring::Stamp)) each
/// time that has moved on by this much.
const DECIDED_STEP: Nanos = Nanos(5_000_000);
/// A block's `heard` when its frame is already on the session's frame clock (JACK).
const EXACT: i64 = i64::MIN;

/// An audio input of a session: the port it comes in on, and where its audio is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioInput {
    /// The port index in the capture log (the hits are written as that port's notes).
    pub port: u16,
    /// The stable name of the capture port (or device) it is read from.
    pub device: String,
    /// The WAV the raw audio is written to.
    pub wav: PathBuf,
    /// The player it is (for messages).
    pub player: String,
    /// Only this channel of the device, from 1 (`audio:DEVICE#audio-channel=N`; cpal inputs
    /// only); all channels mixed when `None`.
    pub channel: Option<u16>,
}

/// Counters shared by the two ends of an audio ring.
#[derive(Debug)]
struct Shared {
    /// Blocks dropped because the ring was full.
    lost_blocks: AtomicU64,
    /// Capture-clock time (ns) the input failed (a device unplugged), or `i64::MIN`.
    failed_at: AtomicI64,
}

impl Default for Shared {
    fn default() -> Shared {
        Shared {
            lost_blocks: AtomicU64::new(0),
            failed_at: AtomicI64::new(i64::MIN),
        }
    }
}

/// Where the backend says an input failed (cpal's error callback): the transcriber reports it.
#[derive(Clone)]
pub struct FailureFlag {
    shared: Arc<Shared>,
    clock: CaptureClock,
}

impl FailureFlag {
    /// Notes that the input failed now (the first failure is kept).
    pub fn set(&self) {
        let now = self.clock.now().0;
        let _ = self.shared.failed_at.compare_exchange(
            i64::MIN,
            now,
            Ordering::AcqRel,
            Ordering::Relaxed,
        );
    }
}

/// The callback's end of an audio ring.
pub struct AudioSender {
    samples: rtrb::Producer<f32>,
    blocks: rtrb::Producer<Block>,
    shared: Arc<Shared>,
}

/// The transcriber's end of an audio ring.
pub struct AudioReceiver {
    samples: rtrb::Consumer<f32>,
    blocks: rtrb::Consumer<Block>,
    shared: Arc<Shared>,
}

/// A block in the ring: its first frame, its length and (cpal) when it was heard.
#[derive(Debug, Clone, Copy)]
struct Block {
    frame: i64,
    len: u32,
    /// Capture-clock ns of the first sample as the callback observed it, or [`EXACT`].
    heard: i64,
}

/// A ring for `seconds` of mono audio at `rate`.
pub fn audio_ring(rate: u32, seconds: u32) -> (AudioSender, AudioReceiver) {
    let capacity = (rate.max(1) as usize) * (seconds.max(1) as usize);
    let (sp, sc) = rtrb::RingBuffer::new(capacity);
    let (bp, bc) = rtrb::RingBuffer::new(RING_BLOCKS);
    let shared = Arc::new(Shared::default());
    (
        AudioSender {
            samples: sp,
            blocks: bp,
            shared: Arc::clone(&shared),
        },
        AudioReceiver {
            samples: sc,
            blocks: bc,
            shared,
        },
    )
}

impl AudioSender {
    /// The callback body: copies `samples`, whose first sample is at `frame` (frames from the
    /// capture's zero), into the ring and returns. Real-time safe: no allocation, lock, I/O or
    /// logging. A block that does not fit whole is dropped and counted.
    #[inline]
    pub fn push_block(&mut self, frame: i64, samples: &[f32]) -> bool {
        self.push(frame, EXACT, samples)
    }

    /// The callback body of an input without the session's frame clock (cpal): `samples`
    /// start at the device's `frame` (frames since the stream started) and were heard at
    /// capture-clock time `heard` as far as the callback can tell (see [`DeviceClock`]).
    /// Real-time safe, like [`push_block`](Self::push_block).
    #[inline]
    pub fn push_heard(&mut self, frame: i64, heard: Nanos, samples: &[f32]) -> bool {
        self.push(frame, heard.0.max(EXACT + 1), samples)
    }

    /// The flag the backend's error callback sets when the input fails.
    pub fn failure_flag(&self, clock: CaptureClock) -> FailureFlag {
        FailureFlag {
            shared: Arc::clone(&self.shared),
            clock,
        }
    }

    #[inline]
    fn push(&mut self, frame: i64, heard: i64, samples: &[f32]) -> bool {
        let n = samples.len();
        if n == 0 {
            return true;
        }
        if self.blocks.slots() == 0 || self.samples.slots() < n {
            self.shared.lost_blocks.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        let Ok(mut chunk) = self.samples.write_chunk(n) else {
            self.shared.lost_blocks.fetch_add(1, Ordering::Relaxed);
            return false;
        };
        let (a, b) = chunk.as_mut_slices();
        let split = a.len();
        a.copy_from_slice(&samples[..split]);
        b.copy_from_slice(&samples[split..]);
        chunk.commit_all();
        // The samples are committed before their block: the transcriber that sees the block
        // finds them.
        let _ = self.blocks.push(Block {
            frame,
            len: n as u32,
            heard,
        });
        true
    }
}

impl AudioReceiver {
    /// The next block, with its samples appended to `out`; `None` when the ring is empty.
    fn pop(&mut self, out: &mut Vec<f32>) -> Option<Block> {
        let block = self.blocks.pop().ok()?;
        let n = block.len as usize;
        let chunk = self.samples.read_chunk(n.min(self.samples.slots())).ok()?;
        let (a, b) = chunk.as_slices();
        out.extend_from_slice(a);
        out.extend_from_slice(b);
        chunk.commit_all();
        Some(block)
    }

    /// Whether the callback is gone and everything it queued has been taken.
    fn is_finished(&self) -> bool {
        self.blocks.is_abandoned() && self.blocks.is_empty()
    }
}

/// What a transcriber thread did, when it ends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AudioSummary {
    /// Frames written to the WAV (silence for skipped frames included).
    pub frames: u64,
    /// Hits queued as notes.
    pub hits: u64,
    /// Blocks the callback dropped because the ring was full.
    pub lost_blocks: u64,
    /// Frames of silence written where the server skipped cycles (not counting the silence
    /// before the first block).
    pub gap_frames: u64,
    /// Times a cpal input's recording was moved to follow its device clock after the first
    /// second ([`DeviceClock`]; those in the first second, while it settles, are not counted).
    pub clock_corrections: u64,
    /// How far those corrections moved it in all, ms (absolute values added).
    pub corrected_ms: f64,
    /// The input failed (a device unplugged): when, and what was kept.
    pub failed: Option<String>,
    /// What went wrong (the WAV could not be written), naming the file.
    pub error: Option<String>,
}

impl AudioSummary {
    /// What the session's report should warn about: blocks lost, frames skipped, a recording
    /// that could not be written.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.lost_blocks > 0 {
            w.push(format!(
                "audio input: {} blocks of audio were lost (the transcriber fell {RING_SECONDS} s \
                 behind); their strokes are missing",
                self.lost_blocks
            ));
        }
        if self.gap_frames > 0 {
            w.push(format!(
                "audio input: the server skipped {} frames; the recording holds silence there \
                 (or, after a jump of more than {MAX_GAP_SECONDS} s, goes on without it, and \
                 no longer lines up with the capture after it)",
                self.gap_frames
            ));
        }
        if self.clock_corrections > 0 {
            w.push(format!(
                "audio input: the device's frames fell behind or ran ahead of the session's \
                 clock (frames lost by the device or its server, or its clock drifting), so the \
                 recording was moved {} times by {:.2} ms in all to stay on the session's clock \
                 (silence inserted or samples left out there)",
                self.clock_corrections, self.corrected_ms
            ));
        }
        w.extend(self.failed.clone());
        w.extend(self.error.clone());
        w
    }
}

/// A running transcriber thread.
pub struct AudioThread {
    handle: std::thread::JoinHandle<AudioSummary>,
    stop: Arc<AtomicBool>,
}

impl AudioThread {
    /// Starts the transcriber of `input`: blocks from `audio` at `rate`, hits out through
    /// `events`. The WAV is created once its folder exists (the session makes it when the
    /// capture starts); until then the ring holds the audio.
    pub fn spawn(
        input: &AudioInput,
        rate: u32,
        audio: AudioReceiver,
        events: EventSender,
    ) -> std::io::Result<AudioThread> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let wav = input.wav.clone();
        let device = input.device.clone();
        let handle = std::thread::Builder::new()
            .name(format!("pocket-audio-{}", input.port))
            .spawn(move || run(&wav, &device, rate, audio, events, &flag))?;
        Ok(AudioThread { handle, stop })
    }

    /// Waits for the thread, which ends once the callback's ring is closed (or at once after
    /// [`AudioThread::stop`]).
    pub fn join(self) -> AudioSummary {
        self.handle.join().unwrap_or_else(|_| AudioSummary {
            error: Some("the audio transcriber stopped unexpectedly".into()),
            ..AudioSummary::default()
        })
    }

    /// Asks the thread to end without waiting for the ring to close.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The WAV being written.
type Wav = hound::WavWriter<std::io::BufWriter<std::fs::File>>;

fn create_wav(path: &Path, rate: u32) -> Result<Wav, String> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    hound::WavWriter::create(path, spec)
        .map_err(|e| format!("{}: cannot write the audio recording: {e}", path.display()))
}

/// Places a cpal input's blocks on the session's frame clock at the device's rate (see the
/// module docs): the device's frames are counted exactly, the capture-clock time of each block
/// only as observed in the callback.
#[derive(Debug, Clone)]
pub struct DeviceClock {
    frames: FrameClock,
    /// (observed at, residual in frames), residuals increasing front to back: the front is the
    /// minimum of the window.
    candidates: VecDeque<(Nanos, i64)>,
    /// Session frame minus device frame, as applied; `None` before the first block.
    base: Option<i64>,
    /// When the first block was observed.
    first: Option<Nanos>,
    /// When the last three blocks were observed, the latest first.
    last: [Nanos; 3],
    tolerance: i64,
    /// Corrections after [`DEVICE_SETTLE`], and their frames in all.
    corrections: u64,
    corrected_frames: u64,
}

impl DeviceClock {
    /// A clock for a device at `rate` frames per second.
    pub fn new(rate: u32) -> DeviceClock {
        DeviceClock {
            frames: FrameClock { rate },
            candidates: VecDeque::with_capacity(1024),
            base: None,
            first: None,
            last: [Nanos(i64::MIN); 3],
            tolerance: ((DEVICE_TOLERANCE_MS * f64::from(rate) / 1000.0).round() as i64).max(1),
            corrections: 0,
            corrected_frames: 0,
        }
    }

    /// The session frame of the block whose first sample is the device's `frame`, heard at
    /// capture-clock time `heard` as far as the callback could tell.
    pub fn place(&mut self, frame: i64, heard: Nanos) -> i64 {
        let residual = self.frames.frame(heard) - frame;
        while self.candidates.back().is_some_and(|&(_, r)| r >= residual) {
            self.candidates.pop_back();
        }
        self.candidates.push_back((heard, residual));
        let oldest = heard.saturating_sub(DEVICE_WINDOW);
        while self.candidates.len() > 1 && self.candidates.front().is_some_and(|c| c.0 < oldest) {
            self.candidates.pop_front();
        }
        // Every recent observation much later than the estimate: frames were lost, and what
        // was seen before no longer holds. At least three observations decide it (the first
        // block after a stall may be one late callback).
        self.last.rotate_right(1);
        self.last[0] = heard;
        let recent = heard.saturating_sub(DEVICE_JUMP_WINDOW);
        let jump = self.frames.frame(DEVICE_JUMP);
        if let (true, Some(&(_, min)), Some(&(_, recent_min))) = (
            self.last[2] >= recent,
            self.candidates.front(),
            self.candidates.iter().find(|c| c.0 >= recent),
        ) {
            if recent_min - min > jump {
                while self.candidates.front().is_some_and(|c| c.0 < recent) {
                    self.candidates.pop_front();
                }
            }
        }
        let estimate = self.candidates.front().map_or(residual, |c| c.1);
        let first = *self.first.get_or_insert(heard);
        match self.base {
            None => self.base = Some(estimate),
            Some(b) if (estimate - b).abs() > self.tolerance => {
                if heard.saturating_sub(first) > DEVICE_SETTLE {
                    self.corrections += 1;
                    self.corrected_frames += (estimate - b).unsigned_abs();
                }
                self.base = Some(estimate);
            }
            Some(_) => {}
        }
        frame + self.base.unwrap_or(estimate)
    }

    /// Corrections after the first second, and how far they moved the recording in all (ms).
    pub fn corrections(&self) -> (u64, f64) {
        let ms = self.corrected_frames as f64 * 1000.0 / f64::from(self.frames.rate.max(1));
        (self.corrections, ms)
    }
}

/// The transcriber: the file, the engine and the frame bookkeeping.
struct Transcriber {
    wav: Option<Wav>,
    engine: Streaming,
    events: EventSender,
    /// The frame of the next sample (the file starts at frame 0).
    next: i64,
    /// Frames between a sample's index in the file and its frame: 0 unless the clock jumped
    /// further than [`MAX_GAP_SECONDS`].
    shift: i64,
    hits: Vec<AudioHit>,
    summary: AudioSummary,
    zeros: Vec<f32>,
    rate: u32,
    /// A cpal input's placement; its hits are sent at capture-clock times. `None`: the
    /// blocks are on the session's frame clock (JACK) and the hits are sent at their frames.
    device: Option<DeviceClock>,
    /// The last time sent as decided.
    decided: Option<Nanos>,
}

impl Transcriber {
    /// Tells the session that every hit before the samples taken so far, less the detection
    /// latency and [`REFINE_MARGIN`], has been queued: its judge follows that, however long
    /// the device's buffer held the samples. While the transcriber holds the stream's first
    /// strokes ([`Streaming::holding_start`]), only the stream's first sample is decided.
    fn send_decided(&mut self) {
        // The stream's first strokes are held longer than the latency (Streaming::start_hold):
        // until they are decided, nothing after the stream's first sample is.
        let (end, less) = if self.engine.holding_start() {
            (self.shift, Nanos::ZERO)
        } else {
            (
                self.next + self.shift,
                self.engine.latency() + REFINE_MARGIN,
            )
        };
        let heard = match &self.device {
            Some(d) => d.frames.time(end),
            None => FrameClock { rate: self.rate }.time(end),
        };
        let decided = heard.saturating_sub(less);
        if self
            .decided
            .is_none_or(|last| decided >= last.saturating_add(DECIDED_STEP))
            && self.events.push_decided(decided)
        {
            self.decided = Some(decided);
        }
    }

    /// Writes and transcribes `samples` (mono), which start at the file's current end.
    fn take(&mut self, samples: &[f32]) {
        if let Some(w) = self.wav.as_mut() {
            for &s in samples {
                if let Err(e) = w.write_sample(s) {
                    self.summary.error = Some(format!("cannot write the audio recording: {e}"));
                    self.wav = None;
                    break;
                }
            }
        }
        self.hits.clear();
        self.engine.push_into(samples, &mut self.hits);
        self.queue_hits();
        self.next += samples.len() as i64;
        self.summary.frames += samples.len() as u64;
    }

    /// Queues the decided hits as notes at their frames.
    fn queue_hits(&mut self) {
        self.hits.sort_by_key(|h| (h.sample, h.lane));
        for h in &self.hits {
            let note = gm_note(h.lane, h.articulation);
            let velocity = h.velocity.clamp(1, 127);
            let frame = h.sample as i64 + self.shift;
            let message = [0x99, note, velocity];
            match &self.device {
                Some(d) => self.events.push_time(d.frames.time(frame), &message),
                None => self.events.push_frame(frame, &message),
            };
            self.summary.hits += 1;
        }
    }

    /// A block at `frame`: silence for frames skipped since the last block, then its samples
    /// (those before the file's end, which only a clock jump backwards brings, are left out).
    /// The skipped frames are counted as a gap only with `count_gaps` (a cpal input's
    /// silences are its clock's corrections, which [`DeviceClock`] counts).
    fn block(&mut self, frame: i64, samples: &[f32], count_gaps: bool) {
        let gap = frame - self.next;
        // Silence before the first block is the time before the input started, not a gap.
        let skipped = if self.next == 0 || !count_gaps {
            0
        } else {
            gap.max(0) as u64
        };
        if gap > 0 && gap <= MAX_GAP_SECONDS * i64::from(self.rate) {
            self.summary.gap_frames += skipped;
            let mut left = gap as usize;
            let zeros = std::mem::take(&mut self.zeros);
            while left > 0 {
                let n = left.min(zeros.len());
                self.take(&zeros[..n]);
                left -= n;
            }
            self.zeros = zeros;
        } else if gap > 0 {
            // A jump too long to fill: the file goes on from where it was and the hits after
            // it keep their frames (the recording then no longer lines up with the capture
            // after the jump; the warning says so).
            self.summary.gap_frames += skipped;
            self.shift += gap;
            self.next += gap;
        }
        let skip = usize::try_from((self.next - frame).max(0)).unwrap_or(usize::MAX);
        if skip < samples.len() {
            self.take(&samples[skip..]);
        }
    }
}

fn run(
    wav: &Path,
    device: &str,
    rate: u32,
    mut audio: AudioReceiver,
    events: EventSender,
    stop: &AtomicBool,
) -> AudioSummary {
    let kit = AudioKit::builtin();
    let mut t = Transcriber {
        wav: None,
        engine: Streaming::new(rate, Settings::default(), &kit),
        events,
        next: 0,
        shift: 0,
        hits: Vec::new(),
        summary: AudioSummary::default(),
        zeros: vec![0.0; 4096],
        rate,
        device: None,
        decided: None,
    };
    let mut block = Vec::with_capacity(8192);
    let mut last_flush = Instant::now();
    // When the last block came: an input that stops delivering (a device gone without an
    // error, a server that died) is reported at the end.
    let mut last_block: Option<Instant> = None;
    let folder = wav.parent().map(Path::to_path_buf).unwrap_or_default();
    loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if t.wav.is_none() && t.summary.error.is_none() {
            if !folder.as_os_str().is_empty() && !folder.is_dir() {
                if audio.blocks.is_abandoned() {
                    // The session never started (its folder was never made): nothing to keep.
                    break;
                }
                std::thread::sleep(IDLE_SLEEP);
                continue;
            }
            match create_wav(wav, rate) {
                Ok(w) => t.wav = Some(w),
                Err(e) => t.summary.error = Some(e),
            }
        }
        block.clear();
        let popped = audio.pop(&mut block);
        if popped.is_some() {
            last_block = Some(Instant::now());
        }
        match popped {
            Some(b) if b.heard == EXACT => {
                t.block(b.frame, &block, true);
                t.send_decided();
            }
            Some(b) => {
                let frame = t
                    .device
                    .get_or_insert_with(|| DeviceClock::new(rate))
                    .place(b.frame, Nanos(b.heard));
                t.block(frame, &block, false);
                t.send_decided();
            }
            None if audio.is_finished() => break,
            None => std::thread::sleep(IDLE_SLEEP),
        }
        if last_flush.elapsed() >= FLUSH_EVERY {
            if let Some(w) = t.wav.as_mut() {
                // hound's flush also writes the header's lengths: the file is a whole WAV.
                let _ = w.flush();
            }
            last_flush = Instant::now();
        }
    }
    t.hits = t.engine.finish();
    t.queue_hits();
    if let Some(w) = t.wav.take() {
        if let Err(e) = w.finalize() {
            t.summary.error = Some(format!(
                "{}: cannot finish the audio recording: {e}",
                wav.display()
            ));
        }
    }
    t.summary.lost_blocks = audio.shared.lost_blocks.load(Ordering::Relaxed);
    if let Some(d) = &t.device {
        (t.summary.clock_corrections, t.summary.corrected_ms) = d.corrections();
    }
    let failed = audio.shared.failed_at.load(Ordering::Acquire);
    let silent = last_block.map_or(Duration::ZERO, |b| b.elapsed());
    if failed != i64::MIN {
        t.summary.failed = Some(format!(
            "audio input {device:?} stopped at {:.1} s of the capture (the device went away or \
             failed); the recording and the hits up to then are kept",
            Nanos(failed).as_secs_f64()
        ));
    } else if silent > SILENT_INPUT {
        t.summary.failed = Some(format!(
            "audio input {device:?} delivered nothing for the last {:.1} s of the session, from \
             {:.1} s of the capture on (the device went away or stopped); the recording and the \
             hits up to then are kept",
            silent.as_secs_f64(),
            FrameClock { rate }.time(t.next).as_secs_f64()
        ));
    }
    t.summary
}

/// Starts the session's side of an audio input read at `rate` by any backend: the ring its
/// hits reach the consumer through (handed over with `control`), the audio ring and the
/// transcriber thread. Returns the callback's end of the audio ring; the backend's callback
/// only pushes blocks into it.
pub fn start_input(
    input: &AudioInput,
    rate: u32,
    clock: CaptureClock,
    control: &Sender<Control>,
) -> Result<(AudioSender, AudioThread), LiveError> {
    let (tx, rx) = ring(DEFAULT_RING_BYTES, clock);
    let _ = control.send(Control::Ring {
        port: input.port,
        receiver: rx,
    });
    let (sender, receiver) = audio_ring(rate, RING_SECONDS);
    let thread = AudioThread::spawn(input, rate, receiver, tx).map_err(|source| LiveError::Io {
        path: input.wav.clone(),
        source,
    })?;
    Ok((sender, thread))
}

/// How long after a stroke its hit reaches the session at the latest: the transcriber's
/// latency ([`Streaming::latency`]) at `rate`, not counting the period.
pub fn detection_latency(rate: u32) -> crate::time::Nanos {
    Streaming::new(rate, Settings::default(), &AudioKit::builtin()).latency()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::ring::{ring, Stamp};

    /// Player Lee's input on JACK port 0 of `device`, recorded to `wav`.
    fn lee_input(device: &str, wav: std::path::PathBuf) -> AudioInput {
        AudioInput {
            port: 0,
            device: device.into(),
            wav,
            player: "Lee".into(),
            channel: None,
        }
    }

    #[test]
    fn a_transcriber_whose_session_never_started_ends_with_its_callback() {
        let dir = tempfile::tempdir().unwrap();
        let input = lee_input("test", dir.path().join("never-made").join("audio-Lee.wav"));
        let (tx, _rx) = ring(1 << 12, crate::live::clock::CaptureClock::start());
        let (mut audio_tx, audio_rx) = audio_ring(1_000, 1);
        let thread = AudioThread::spawn(&input, 1_000, audio_rx, tx).unwrap();
        assert!(audio_tx.push_block(0, &[0.1; 100]));
        drop(audio_tx);
        let summary = thread.join();
        assert_eq!(summary.frames, 0);
        assert!(!input.wav.exists());
    }

    #[test]
    fn a_full_ring_drops_whole_blocks_and_counts_them() {
        let (mut tx, mut rx) = audio_ring(100, 1);
        assert!(tx.push_block(0, &[0.5; 60]));
        assert!(!tx.push_block(60, &[0.5; 60]), "60 more do not fit in 100");
        assert_eq!(rx.shared.lost_blocks.load(Ordering::Relaxed), 1);
        let mut out = Vec::new();
        assert_eq!(rx.pop(&mut out).map(|b| b.frame), Some(0));
        assert_eq!(out, vec![0.5; 60]);
        assert!(tx.push_block(60, &[0.25; 90]), "room again once taken");
        assert!(!rx.is_finished());
        drop(tx);
        out.clear();
        assert_eq!(rx.pop(&mut out).map(|b| b.frame), Some(60));
        assert_eq!(out.len(), 90);
        assert!(rx.is_finished());
    }

    #[test]
    fn the_recording_starts_at_frame_zero_and_a_stroke_becomes_a_note_at_its_frame() {
        let rate = 48_000u32;
        let dir = tempfile::tempdir().unwrap();
        let input = lee_input("test", dir.path().join("audio-Lee.wav"));
        let (tx, mut rx) = ring(1 << 16, crate::live::clock::CaptureClock::start());
        let (mut audio_tx, audio_rx) = audio_ring(rate, 10);
        let thread = AudioThread::spawn(&input, rate, audio_rx, tx).unwrap();
        // A stroke at frame 20_000 (a noise burst decaying over 50 ms, from a fixed linear
        // congruential sequence); the first block comes at frame 1_000 (the file is silent
        // before it), and the server skips 1_024 frames after the third block.
        let mut audio = vec![0.0f32; rate as usize];
        let stroke = 20_000usize;
        let mut x = 0x2545_f491_u32;
        for (i, a) in audio[stroke - 1_000..stroke - 1_000 + 12_000]
            .iter_mut()
            .enumerate()
        {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (x >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0;
            *a = 0.5 * noise * (-(i as f32) / (0.05 * rate as f32)).exp();
        }
        let mut frame = 1_000i64;
        for (k, block) in audio.chunks(1_024).enumerate() {
            assert!(audio_tx.push_block(frame, block));
            frame += block.len() as i64;
            if k == 2 {
                frame += 1_024;
            }
        }
        drop(audio_tx);
        let summary = thread.join();
        assert_eq!(summary.error, None);
        assert_eq!(
            summary.gap_frames, 1_024,
            "the silence before the input is no gap"
        );
        assert_eq!(summary.frames, 1_000 + 1_024 + audio.len() as u64);
        // The file: silence, then the blocks at their frames.
        let mut source = crate::transcribe::open_audio(&input.wav).unwrap();
        let mut recorded = vec![0.0f32; summary.frames as usize + 10];
        let n = source.read_frames(&mut recorded).unwrap();
        assert_eq!(n as u64, summary.frames);
        assert!(recorded[..1_000].iter().all(|s| *s == 0.0));
        assert_eq!(&recorded[1_000..1_000 + 3 * 1_024], &audio[..3 * 1_024]);
        assert!(recorded[4_072..5_096].iter().all(|s| *s == 0.0));
        // The stroke, after the skipped frames, is a note near its frame (+ 1_024).
        let mut buf = [0u8; 16];
        let mut notes = Vec::new();
        while let Some(r) = rx.pop(&mut buf) {
            if let Stamp::Frame(f) = r.stamp {
                notes.push((f, buf[..r.len].to_vec()));
            }
        }
        let at = (stroke + 1_024) as i64;
        assert!(
            notes
                .iter()
                .any(|(f, m)| m[0] == 0x99 && (f - at).abs() < 48),
            "{notes:?}"
        );
        assert_eq!(summary.hits, notes.len() as u64);
    }

    #[test]
    fn the_transcriber_says_how_far_it_has_decided_and_no_hit_comes_before_that() {
        use crate::audio::Voice;
        use crate::lane::{Articulation, Lane};
        let rate = 48_000u32;
        let dir = tempfile::tempdir().unwrap();
        let input = lee_input("test", dir.path().join("audio-Lee.wav"));
        // Kick and hat, hat, snare and hat, hat: every 125 ms for 4 s.
        let kick = Voice::of(Lane::Kick, None).synthesize(rate);
        let snare = Voice::of(Lane::Snare, None).synthesize(rate);
        let hat = Voice::of(Lane::Hihat, Some(Articulation::Closed)).synthesize(rate);
        let mut audio = vec![0.0f32; 4 * rate as usize];
        let step = rate as usize / 8;
        for (i, at) in (step..audio.len() - step).step_by(step).enumerate() {
            let voices = match i % 4 {
                0 => vec![&kick, &hat],
                2 => vec![&snare, &hat],
                _ => vec![&hat],
            };
            for v in voices {
                for (o, s) in audio[at..].iter_mut().zip(v) {
                    *o += 0.4 * s;
                }
            }
        }
        let (tx, mut rx) = ring(1 << 16, crate::live::clock::CaptureClock::start());
        let (mut audio_tx, audio_rx) = audio_ring(rate, 10);
        let thread = AudioThread::spawn(&input, rate, audio_rx, tx).unwrap();
        let mut frame = 0i64;
        for block in audio.chunks(64) {
            while !audio_tx.push_block(frame, block) {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            frame += block.len() as i64;
        }
        drop(audio_tx);
        let summary = thread.join();
        let clock = FrameClock { rate };
        let mut buf = [0u8; 16];
        let (mut decided, mut steps, mut hits) = (None::<Nanos>, 0, 0);
        while let Some(r) = rx.pop(&mut buf) {
            match r.stamp {
                Stamp::Decided(t) => {
                    assert!(decided.is_none_or(|d| t > d), "it only moves on");
                    // First, while the transcriber holds the stream's start: its first sample.
                    assert!(decided.is_some() || t == clock.time(0), "{t:?} first");
                    decided = Some(t);
                    steps += 1;
                }
                Stamp::Frame(f) => {
                    hits += 1;
                    if let Some(d) = decided {
                        assert!(
                            clock.time(f) >= d,
                            "a hit at {:?} after {d:?}",
                            clock.time(f)
                        );
                    }
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(hits, summary.hits);
        assert!(hits >= 31 * 3 / 2, "{hits} hits");
        // Decided about every DECIDED_STEP, to the end less the latency and the margin.
        assert!(steps > 600, "{steps} steps over 4 s");
        let lag = clock.time(frame) - decided.unwrap();
        let latency = detection_latency(rate) + REFINE_MARGIN;
        assert!(lag >= latency && lag <= latency + DECIDED_STEP, "{lag:?}");
    }

    /// A block heard `late_us` µs after its first frame was captured: the device's frames at
    /// `rate` start at capture time `zero_ns`.
    fn heard(frame: i64, rate: u32, zero_ns: i64, late_us: i64) -> Nanos {
        Nanos(zero_ns + frame * 1_000_000_000 / i64::from(rate) + late_us * 1_000)
    }

    #[test]
    fn a_device_clock_takes_the_earliest_observation_and_ignores_late_callbacks() {
        let rate = 44_100u32;
        let zero = 2_000_000_000i64; // the device's frame 0 at capture time 2 s: frame 88_200
        let mut c = DeviceClock::new(rate);
        // The first callback woke 3 ms late, the next ones promptly but with jitter (0-200 µs)
        // and now and then one 15 ms late.
        let late = [3_000, 150, 0, 80, 15_000, 200, 40, 15_000, 10, 120];
        let mut placed = Vec::new();
        for (k, l) in late.iter().enumerate() {
            let frame = k as i64 * 441;
            placed.push(c.place(frame, heard(frame, rate, zero, *l)) - frame);
        }
        // The first block is placed 3 ms late (132 frames); from the prompt callback on, every
        // block at its frame (to the 200 µs tolerance's jitter: within 9 frames).
        assert_eq!(placed[0], 88_200 + 132);
        for p in &placed[2..] {
            assert!((p - 88_200).abs() <= 9, "{placed:?}");
        }
        // One correction, while settling: not reported.
        assert_eq!(c.corrections(), (0, 0.0));
    }

    #[test]
    fn a_device_that_loses_frames_is_followed_and_the_correction_reported() {
        let rate = 48_000u32;
        let mut c = DeviceClock::new(rate);
        let block = 480i64; // 10 ms
        let mut frame = 0i64;
        let mut base = Vec::new();
        // 3 s of prompt blocks, then the device loses 20 ms (its frames now start 960 frames
        // later on the capture clock), then 1 s more.
        for k in 0..400 {
            let lost = if k >= 300 { 20_000 } else { 0 };
            base.push(c.place(frame, heard(frame, rate, 0, 50 + lost)) - frame);
            frame += block;
        }
        assert_eq!(base[299], 2, "50 µs late is 2 frames");
        // Within the jump window (150 ms, 15 blocks) the loss is seen and followed.
        assert!(
            base[320..].iter().all(|b| *b == 962),
            "{:?}",
            &base[295..330]
        );
        let (n, ms) = c.corrections();
        assert_eq!(n, 1);
        assert!((ms - 20.0).abs() < 0.05, "{ms}");
    }

    #[test]
    fn a_device_clock_drifting_is_corrected_by_the_tolerance() {
        // The device runs 100 ppm slow against the capture clock for 60 s: its frames reach
        // the session later and later; the recording is moved in steps of the tolerance.
        let rate = 48_000u32;
        let mut c = DeviceClock::new(rate);
        let block = 1_024i64;
        let mut worst = 0i64;
        for k in 0..(60 * 48_000 / 1_024) {
            let frame = k * block;
            let t = frame as f64 / f64::from(rate) * (1.0 + 100e-6);
            let at = Nanos((t * 1e9) as i64 + 30_000);
            let placed = c.place(frame, at);
            let truth = (t * f64::from(rate)).round() as i64 + 1;
            worst = worst.max((placed - truth).abs());
        }
        // 0.5 ms tolerance at 48 kHz is 24 frames; the lag of the window adds 5 s × 100 ppm.
        assert!(worst <= 24 + 24 + 1, "{worst} frames");
        let (n, ms) = c.corrections();
        assert!(
            n >= 10 && (ms - 6.0).abs() < 1.0,
            "{n} corrections, {ms} ms"
        );
    }

    #[test]
    fn an_input_that_fails_is_reported_with_what_was_kept() {
        let dir = tempfile::tempdir().unwrap();
        let input = lee_input("USB mic", dir.path().join("audio-Lee.wav"));
        let clock = crate::live::clock::CaptureClock::start();
        let (tx, _rx) = ring(1 << 12, clock);
        let (mut audio_tx, audio_rx) = audio_ring(1_000, 1);
        let thread = AudioThread::spawn(&input, 1_000, audio_rx, tx).unwrap();
        assert!(audio_tx.push_heard(0, Nanos(0), &[0.25; 100]));
        audio_tx.failure_flag(clock).set();
        drop(audio_tx);
        let summary = thread.join();
        assert_eq!(summary.frames, 100);
        let w = summary.warnings().join("\n");
        assert!(
            w.contains("\"USB mic\" stopped at") && w.contains("kept"),
            "{w}"
        );
        let mut source = crate::transcribe::open_audio(&input.wav).unwrap();
        let mut back = vec![0.0f32; 200];
        assert_eq!(source.read_frames(&mut back).unwrap(), 100);
    }
}
