//! Live audio input: an acoustic kit heard through a microphone, transcribed into hits as it
//! plays.
//!
//! The path, one thread per step:
//!
//! 1. the audio callback (pocket's JACK client) copies each period's samples into a
//!    preallocated wait-free ring with the frame of the period's first sample
//!    ([`AudioSender::push_block`]: no allocation, lock or I/O);
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

use super::consumer::FLUSH_EVERY;
use super::ring::EventSender;
use crate::kit::gm_note;
use crate::transcribe::{AudioHit, AudioKit, Settings, Streaming};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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

/// An audio input of a session: the port it comes in on, and where its audio is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioInput {
    /// The port index in the capture log (the hits are written as that port's notes).
    pub port: u16,
    /// The stable name of the capture port (or device) it is read from.
    pub device: String,
    /// The WAV the raw audio is written to.
    pub wav: PathBuf,
}

/// Counters shared by the two ends of an audio ring.
#[derive(Debug, Default)]
struct Shared {
    /// Blocks dropped because the ring was full.
    lost_blocks: AtomicU64,
}

/// The callback's end of an audio ring.
pub struct AudioSender {
    samples: rtrb::Producer<f32>,
    blocks: rtrb::Producer<(i64, u32)>,
    shared: Arc<Shared>,
}

/// The transcriber's end of an audio ring.
pub struct AudioReceiver {
    samples: rtrb::Consumer<f32>,
    blocks: rtrb::Consumer<(i64, u32)>,
    shared: Arc<Shared>,
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
        let _ = self.blocks.push((frame, n as u32));
        true
    }
}

impl AudioReceiver {
    /// The next block's first frame and length, with its samples appended to `out`; `None`
    /// when the ring is empty.
    fn pop(&mut self, out: &mut Vec<f32>) -> Option<i64> {
        let (frame, n) = self.blocks.pop().ok()?;
        let n = n as usize;
        let chunk = self.samples.read_chunk(n.min(self.samples.slots())).ok()?;
        let (a, b) = chunk.as_slices();
        out.extend_from_slice(a);
        out.extend_from_slice(b);
        chunk.commit_all();
        Some(frame)
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
        let handle = std::thread::Builder::new()
            .name(format!("pocket-audio-{}", input.port))
            .spawn(move || run(&wav, rate, audio, events, &flag))?;
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
}

impl Transcriber {
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
            self.events
                .push_frame(h.sample as i64 + self.shift, &[0x99, note, velocity]);
            self.summary.hits += 1;
        }
    }

    /// A block at `frame`: silence for frames skipped since the last block, then its samples
    /// (those before the file's end, which only a clock jump backwards brings, are left out).
    fn block(&mut self, frame: i64, samples: &[f32]) {
        let gap = frame - self.next;
        // Silence before the first block is the time before the input started, not a gap.
        let skipped = if self.next == 0 { 0 } else { gap.max(0) as u64 };
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
    };
    let mut block = Vec::with_capacity(8192);
    let mut last_flush = Instant::now();
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
        match audio.pop(&mut block) {
            Some(frame) => t.block(frame, &block),
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
    t.summary
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

    #[test]
    fn a_transcriber_whose_session_never_started_ends_with_its_callback() {
        let dir = tempfile::tempdir().unwrap();
        let input = AudioInput {
            port: 0,
            device: "test".into(),
            wav: dir.path().join("never-made").join("audio-Lee.wav"),
        };
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
        assert_eq!(rx.pop(&mut out), Some(0));
        assert_eq!(out, vec![0.5; 60]);
        assert!(tx.push_block(60, &[0.25; 90]), "room again once taken");
        assert!(!rx.is_finished());
        drop(tx);
        out.clear();
        assert_eq!(rx.pop(&mut out), Some(60));
        assert_eq!(out.len(), 90);
        assert!(rx.is_finished());
    }

    #[test]
    fn the_recording_starts_at_frame_zero_and_a_stroke_becomes_a_note_at_its_frame() {
        let rate = 48_000u32;
        let dir = tempfile::tempdir().unwrap();
        let input = AudioInput {
            port: 0,
            device: "test".into(),
            wav: dir.path().join("audio-Lee.wav"),
        };
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
}
