//! A long two-player session through the live path: 60 minutes at 16 hits per second per
//! player, replayed fast through the same ring and consumer as real ports. Not one event may be
//! lost, and the memory the session holds must stay within a documented cost per event (the
//! take is kept for the final report; nothing else may grow with the session).
//!
//! The allocator below counts live bytes and their peak for the whole test binary, which runs
//! this one test.

use pocket::chart::{Chart, ChartInfo, Note, Section};
use pocket::formats::capture_log::{
    read_capture, CaptureHeader, CaptureWriter, PlayerInfo, PortInfo, StartMode,
};
use pocket::kit::KitMap;
use pocket::lane::{Articulation, Dynamic, Lane};
use pocket::live::session::{self, PlayerSource, PlayerSpec, SessionOptions, Start};
use pocket::matching::Offsets;
use pocket::simulate::{perform, Drummer};
use pocket::tempo::{Tempo, TempoMap, TimeSignature};
use pocket::time::{Nanos, Ticks};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Tracking;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

/// Minutes of music; 16 notes per second: 16th-note hi-hats at 120 BPM (8/s), and under them a
/// kick on every 8th and a snare on every 16th between (4/s each).
const MINUTES: i64 = 60;

fn long_chart() -> Chart {
    let map = TempoMap::constant(480, Tempo::MilliBpm(120_000), TimeSignature::COMMON).unwrap();
    let sixteenths = MINUTES * 60 * 8;
    let mut notes = Vec::with_capacity(sixteenths as usize * 2);
    for i in 0..sixteenths {
        let tick = Ticks(i * 120);
        let note = |lane, articulation| Note {
            time: map.time(tick),
            tick,
            lane,
            articulation,
            dynamic: Dynamic::Normal,
        };
        notes.push(note(Lane::Hihat, Some(Articulation::Closed)));
        // Kick on every 8th, snare on the 16ths between them.
        let lane = if i % 2 == 0 { Lane::Kick } else { Lane::Snare };
        notes.push(note(lane, None));
    }
    let sections = vec![Section {
        name: "hour".into(),
        tick: Ticks(0),
        time: Nanos::ZERO,
    }];
    let info = ChartInfo {
        title: "One hour of sixteenths".into(),
        ..ChartInfo::default()
    };
    Chart::new(info, map, sections, notes).unwrap()
}

fn write_take(path: &Path, name: &str, events: &[pocket::event::RawEvent]) {
    let mut header = CaptureHeader::new(StartMode::Now);
    header.time_zero = Some(Nanos::ZERO);
    header.ports = vec![PortInfo {
        index: 0,
        name: format!("{name} kit"),
        audio_file: None,
    }];
    header.players = vec![PlayerInfo {
        name: name.into(),
        port: 0,
        channel: None,
        kit: "gm".into(),
        kit_file: None,
        offset_hands: Nanos::ZERO,
        offset_feet: Nanos::ZERO,
    }];
    let mut w = CaptureWriter::create(path, &header).unwrap();
    for e in events {
        w.write_midi(e.time, 0, e.message()).unwrap();
    }
    w.finish(events.last().unwrap().time, "end").unwrap();
}

#[test]
#[ignore = "needs an optimised build to replay an hour fast: cargo test --release --test long_session -- --ignored (CI runs it)"]
fn an_hour_for_two_loses_nothing_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let chart = long_chart();
    let chart_path = dir.path().join("hour.json");
    std::fs::write(
        &chart_path,
        pocket::formats::chart_json::write_chart(&chart),
    )
    .unwrap();
    let kit = KitMap::builtin("gm").unwrap();
    let quiet = |seed, lag_ms| Drummer {
        seed,
        lag_ms,
        miss_rate: 0.0,
        wrong_drum_rate: 0.0,
        overhit_rate: 0.0,
        crosstalk_rate: 0.0,
        ..Drummer::default()
    };
    let mut sent = Vec::new();
    for (name, seed, lag) in [("A", 1, 0.0), ("B", 2, 8.0)] {
        let perf = perform(&chart, &kit, &quiet(seed, lag));
        let notes_on = perf
            .events
            .iter()
            .filter(|e| e.bytes[0] & 0xF0 == 0x90)
            .count();
        assert!(
            notes_on as i64 >= MINUTES * 60 * 16,
            "{name}: {notes_on} hits"
        );
        write_take(
            &dir.path().join(format!("{name}.jsonl")),
            name,
            &perf.events,
        );
        sent.push(perf.events.len());
    }
    let total_events: usize = sent.iter().sum();
    drop(chart);

    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let mut opts = SessionOptions::new(dir.path().join("session"));
    opts.chart = Some(chart_path);
    opts.start = Start::Now;
    opts.speed = 600.0;
    opts.players = ["A", "B"]
        .iter()
        .map(|n| PlayerSpec {
            name: n.to_string(),
            source: PlayerSource::Replay {
                spec: dir.path().join(format!("{n}.jsonl")).display().to_string(),
            },
            kit: None,
            offsets: Offsets::default(),
        })
        .collect();
    let outcome = session::run(opts).expect("the session runs");
    let peak = PEAK.load(Ordering::Relaxed) - baseline;

    // Not one event lost: the capture holds exactly what was sent, per player.
    let capture = read_capture(&outcome.capture).unwrap();
    assert!(capture.overflows.is_empty(), "{:?}", capture.overflows);
    assert!(capture.gaps.is_empty(), "{:?}", capture.gaps);
    for (i, n) in sent.iter().enumerate() {
        let got = capture.events_for_player(i).len();
        assert_eq!(got, *n, "player {i}: {got} of {n} events captured");
    }
    // Every hit sent is in the report (how each was judged depends on how punctually a loaded
    // machine replays at this speed, which is not what this test is about).
    let report = outcome.report.expect("a chart session has a report");
    for p in &report.players {
        assert_eq!(
            p.hits + p.ignored_pedal_hits,
            p.notes,
            "{}: every hit reported",
            p.name
        );
    }

    // Memory: everything the session held at its peak (ring, capture buffers, the two takes
    // kept for the final report, and the final scoring itself), per event of the session.
    let per_event = peak as f64 / total_events as f64;
    eprintln!(
        "{total_events} events, peak {:.1} MiB above baseline, {per_event:.0} bytes per event",
        peak as f64 / 1048576.0
    );
    assert!(
        per_event < 512.0,
        "the session held {per_event:.0} bytes per event at its peak (documented bound: 512 bytes)"
    );
}
