//! The live path per event: from popping the ring to the judged hit (clock rule, capture log
//! line, online judge), and the end-to-end delay from the callback to the judgement with the
//! consumer's wake-up strategy. Results and commands: docs/performance.md ("Live path").

use criterion::{black_box, criterion_group, Criterion};
use pocket::event::RawEvent;
use pocket::formats::capture_log::{CaptureHeader, CaptureWriter, PortInfo, StartMode};
use pocket::internals::live::OnlineJudge;
use pocket::internals::live::IDLE_SLEEP;
use pocket::internals::live::{ring, EventReceiver, EventSender, Stamp};
use pocket::internals::live::{CaptureClock, ConnectionClock};
use pocket::internals::live::{Cycle, Schedule, Scheduled};
use pocket::kit::KitMap;
use pocket::live::audio_cycle::AudioCycle;
use pocket::matching::Offsets;
use pocket::score::Timing;
use pocket::Nanos;
use std::path::Path;
use std::time::{Duration, Instant};

/// The demo chart and Lee's demo take (chart times).
fn inputs() -> (pocket::Chart, Vec<RawEvent>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chart = pocket::formats::load_chart(
        &root.join("charts/disco-pop-114.json"),
        pocket::formats::smf::SmfChartOptions::default(),
    )
    .expect("demo chart");
    let cap =
        pocket::formats::capture_log::read_capture(root.join("fixtures/demo/lee-roland-td.jsonl"))
            .expect("demo take");
    (chart, cap.events_for_player(0))
}

struct Path1 {
    rx: EventReceiver,
    tx: EventSender,
    clock: ConnectionClock,
    writer: CaptureWriter,
    judge: OnlineJudge,
    buf: Vec<u8>,
    judged: u64,
}

impl Path1 {
    fn new(chart: &pocket::Chart, dir: &Path, name: &str) -> Path1 {
        let (tx, rx) = ring(1 << 16, CaptureClock::start());
        let mut header = CaptureHeader::new(StartMode::Now);
        header.time_zero = Some(Nanos::ZERO);
        header.ports = vec![PortInfo {
            index: 0,
            name: "bench".into(),
            audio_file: None,
        }];
        let writer = CaptureWriter::create(dir.join(name), &header).expect("log");
        let kit = KitMap::builtin("roland-td").expect("kit");
        Path1 {
            rx,
            tx,
            clock: ConnectionClock::default(),
            writer,
            judge: OnlineJudge::new(kit, Offsets::default(), Timing::default(), Some(chart)),
            buf: vec![0u8; 16_000],
            judged: 0,
        }
    }

    /// Pops one event and takes it all the way to its judgement; the judge is advanced past
    /// the crosstalk pre-mask so the hit is judged in this call.
    #[inline]
    fn one(&mut self) {
        let Some(r) = self.rx.pop(&mut self.buf) else {
            return;
        };
        let Stamp::Backend { stamp_us, now } = r.stamp else {
            return;
        };
        let t = self.clock.time(stamp_us, now);
        let bytes = &self.buf[..r.len];
        self.writer.write_midi(t, 0, bytes).expect("write");
        self.judge.on_event(&RawEvent::new(t, 0, bytes));
        let mut n = 0u64;
        self.judge
            .advance(t + Nanos::from_millis(6), Some(Nanos::ZERO), |_| n += 1);
        self.judged += n;
    }
}

fn per_event(c: &mut Criterion) {
    let (chart, events) = inputs();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut p = Path1::new(&chart, dir.path(), "criterion.jsonl");
    let mut i = 0usize;
    c.bench_function("live/ring pop to judged hit", |b| {
        b.iter(|| {
            let ev = &events[i % events.len()];
            let lap = (i / events.len()) as i64 * 200_000_000_000;
            let t = ev.time.0 + lap;
            p.tx.push_at((t / 1000).max(0) as u64, Nanos(t), ev.message());
            p.one();
            i += 1;
        });
    });
    black_box(p.judged);
}

/// Median and p99.9 of single events timed one by one (criterion reports means).
fn percentiles() {
    let (chart, events) = inputs();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut samples = Vec::with_capacity(events.len() * 40);
    for lap in 0..40 {
        let mut p = Path1::new(&chart, dir.path(), &format!("lap{lap}.jsonl"));
        for ev in &events {
            let t = ev.time.0;
            p.tx.push_at((t.max(0) / 1000) as u64, Nanos(t), ev.message());
            let start = Instant::now();
            p.one();
            samples.push(start.elapsed());
        }
    }
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "live/per event, {} events: median {:?}, p99 {:?}, p99.9 {:?}, max {:?}",
        samples.len(),
        at(0.5),
        at(0.99),
        at(0.999),
        at(1.0)
    );
}

/// Callback to judged hit with the consumer's strategy (poll, sleep when idle), a hit every
/// 50 ms from a producer thread. Includes the crosstalk pre-mask the judge waits out.
fn end_to_end() {
    let (chart, _) = inputs();
    let kit = KitMap::builtin("roland-td").expect("kit");
    let clock = CaptureClock::start();
    let (mut tx, mut rx) = ring(1 << 16, clock);
    let mut judge = OnlineJudge::new(kit, Offsets::default(), Timing::default(), Some(&chart));
    let n = 200;
    let producer = std::thread::spawn(move || {
        for i in 0..n {
            std::thread::sleep(Duration::from_millis(50));
            let now = clock.now();
            tx.push(
                (now.0 / 1000) as u64,
                &[0x99, if i % 2 == 0 { 36 } else { 38 }, 100],
            );
        }
    });
    let mut buf = vec![0u8; 16];
    let mut conn = ConnectionClock::default();
    let mut delays: Vec<Nanos> = Vec::new();
    let mut pending: Vec<Nanos> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while delays.len() < n && Instant::now() < deadline {
        let mut took = false;
        while let Some(r) = rx.pop(&mut buf) {
            took = true;
            let Stamp::Backend { stamp_us, now } = r.stamp else {
                continue;
            };
            let t = conn.time(stamp_us, now);
            pending.push(now);
            judge.on_event(&RawEvent::new(t, 0, &buf[..r.len]));
        }
        let now = clock.now();
        let mut judged = 0;
        judge.advance(now, Some(Nanos::ZERO), |j| {
            if !matches!(j.outcome, pocket::internals::live::Outcome::Miss { .. }) {
                judged += 1;
            }
        });
        for sent in pending.drain(..judged.min(pending.len())) {
            delays.push(now - sent);
        }
        if !took {
            std::thread::sleep(IDLE_SLEEP);
        }
    }
    let _ = producer.join();
    delays.sort_unstable();
    if delays.is_empty() {
        return;
    }
    let at = |q: f64| delays[((delays.len() - 1) as f64 * q) as usize].as_millis_f64();
    println!(
        "live/end to end (callback -> judged, incl. 5 ms pre-mask), {} hits: median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        delays.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

/// Hits of two kits over `seconds` at 48 kHz, at frames (kit 0 every 3000 frames, kit 1 336
/// frames after it), and a count-in of 8 clicks half a second apart.
fn kits_and_clicks(seconds: i64) -> (Vec<(usize, i64)>, Vec<Scheduled>) {
    let rate = 48_000i64;
    let step = rate / 16;
    let hits = (0..seconds * 16)
        .flat_map(|i| [(0usize, i * step), (1usize, i * step + 336)])
        .collect();
    let clicks = (0..8)
        .map(|i| Scheduled {
            frame: i * rate / 2,
            message: [0x99, 77, 90],
            record: true,
        })
        .collect();
    (hits, clicks)
}

/// The MIDI part of one period of pocket's JACK callback (cycle `k` of `period` frames):
/// the frame bookkeeping, the hits due copied into their kit's ring (`next` is the first hit
/// not yet copied), the clicks due. Returns the period's first frame.
fn midi_period(
    cycle: &mut Cycle,
    k: u32,
    period: u32,
    hits: &[(usize, i64)],
    next: &mut usize,
    kits: [&mut EventSender; 2],
) -> i64 {
    let s = cycle.begin(k * period, period);
    let end = s + i64::from(period);
    let [t0, t1] = kits;
    while let Some(&(kit, f)) = hits.get(*next) {
        if f >= end {
            break;
        }
        let tx = if kit == 0 { &mut *t0 } else { &mut *t1 };
        tx.push_frame(f, &[0x99, 38, 100]);
        *next += 1;
    }
    cycle.send_due(s, period, |o, m| black_box((o, m)).0 < period);
    s
}

/// pocket's JACK callback per period, without a server: two kits at 16 hits/s each (events
/// spread over the periods as they fall), a count-in click schedule, at 48 kHz and periods of
/// 64, 256 and 1024 frames. Timed: the cycle's frame bookkeeping, every event's copy into its
/// kit's ring, and the clicks due; the rings are drained outside the timing (the consumer's
/// work).
fn jack_cycle(c: &mut Criterion) {
    let rate = 48_000i64;
    let mut g = c.benchmark_group("live/jack callback per period, 2 kits at 16 hits per s");
    for period in [64u32, 256, 1024] {
        let (hits, clicks) = kits_and_clicks(60);
        let cycles = (60 * rate) as u32 / period;
        g.bench_function(format!("{period} frames"), |b| {
            b.iter_custom(|iters| {
                let clock = CaptureClock::start();
                let (mut t0, mut r0) = ring(1 << 20, clock);
                let (mut t1, mut r1) = ring(1 << 20, clock);
                let (inc, mut ri) = ring(1 << 16, clock);
                let mut cycle = Cycle::new(0, Schedule::new(clicks.clone()), inc);
                let mut buf = [0u8; 16];
                let mut total = Duration::ZERO;
                let mut done = 0u64;
                while done < iters {
                    let mut next = 0usize;
                    let n = (iters - done).min(u64::from(cycles)) as u32;
                    let start = Instant::now();
                    for k in 0..n {
                        midi_period(&mut cycle, k, period, &hits, &mut next, [&mut t0, &mut t1]);
                    }
                    total += start.elapsed();
                    done += u64::from(n);
                    while r0.pop(&mut buf).is_some() {}
                    while r1.pop(&mut buf).is_some() {}
                    while ri.pop(&mut buf).is_some() {}
                    cycle = Cycle::new(0, Schedule::new(clicks.clone()), {
                        let (inc, r) = ring(1 << 16, clock);
                        ri = r;
                        inc
                    });
                }
                total
            })
        });
    }
    g.finish();
}

/// pocket's JACK callback per period with the backing audio on its outputs, timed one period
/// at a time (median and p99.9; criterion reports means): the `jack_cycle` work for two kits
/// and the count-in, plus `AudioCycle::write` (silence before the start frame, then
/// `Reader::fill`) of two 256-frame channels from a real feed (a 44.1 kHz WAV resampled to
/// 48 kHz). Periods run about 50 times faster than real time, with a pause after each so
/// that the feed thread keeps the ring full (underruns are counted and printed).
fn jack_cycle_with_audio() {
    let rate = 48_000i64;
    let period = 256u32;
    let seconds = 40i64;
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("song.wav");
    // A 440 Hz tone with a click every half second, 45 s at 44.1 kHz.
    let samples: Vec<f32> = (0..45 * 44_100)
        .map(|i| {
            let t = f64::from(i) / 44_100.0;
            let click = if i % 22_050 < 88 { 0.5 } else { 0.0 };
            (0.3 * (std::f64::consts::TAU * 440.0 * t).sin() + click) as f32
        })
        .collect();
    pocket::testdata::write_mono_wav16(&wav, 44_100, &samples);
    let (reader, feed) = pocket::backing::start(
        &pocket::backing::Plan::file(&wav),
        &pocket::backing::Settings::new(rate as u32),
    )
    .expect("the backing starts");
    let (mut audio, start_handle) = AudioCycle::new(reader);
    start_handle.start_at(i64::from(period) * 4 + 100);
    let (hits, clicks) = kits_and_clicks(seconds);
    let clock = CaptureClock::start();
    let (mut t0, mut r0) = ring(1 << 20, clock);
    let (mut t1, mut r1) = ring(1 << 20, clock);
    let (inc, mut ri) = ring(1 << 16, clock);
    let mut cycle = Cycle::new(0, Schedule::new(clicks), inc);
    let (mut left, mut right) = (vec![0.0f32; period as usize], vec![0.0f32; period as usize]);
    let mut buf = [0u8; 16];
    let cycles = (seconds * rate) as u32 / period;
    let mut samples = Vec::with_capacity(cycles as usize);
    let mut next = 0usize;
    for k in 0..cycles {
        let t = Instant::now();
        let s = midi_period(&mut cycle, k, period, &hits, &mut next, [&mut t0, &mut t1]);
        audio.write(s, &mut left, &mut right);
        samples.push(t.elapsed());
        black_box((&left, &right));
        while r0.pop(&mut buf).is_some() {}
        while r1.pop(&mut buf).is_some() {}
        while ri.pop(&mut buf).is_some() {}
        std::thread::sleep(Duration::from_micros(100));
    }
    let stats = feed.stop().expect("the feed ran");
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "live/jack callback with audio out, 2 kits at 16 hits per s, {period} frames, {} periods: \
         median {:?}, p99 {:?}, p99.9 {:?}, max {:?}; {} underruns",
        samples.len(),
        at(0.5),
        at(0.99),
        at(0.999),
        at(1.0),
        stats.underruns
    );
}

criterion_group!(benches, per_event, jack_cycle);

fn main() {
    benches();
    jack_cycle_with_audio();
    percentiles();
    end_to_end();
    Criterion::default().configure_from_args().final_summary();
}
