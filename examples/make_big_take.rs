//! Writes a long chart and two simulated players' takes for measuring `pocket score` end to end
//! (docs/performance.md, "End to end"). Run from the repository root:
//!
//! ```sh
//! cargo run --release --example make_big_take -- [HITS] [DIR]
//! ```
//!
//! `HITS` is the number of hits per player (default 1000000); `DIR` defaults to
//! `target/big-take`. The directory gets:
//!
//! - `chart.json`: a pocket chart of about `HITS` notes: 8th- and 16th-note grooves with ghost
//!   notes, open hi-hats, a ride section and a tom fill every eighth bar, in 32-bar sections whose
//!   tempo steps through 120 to 160 BPM. It is written compactly (integer ticks, one line per
//!   note, chords as `"lanes"`), because the canonical form of a million-note chart would pass
//!   the chart reader's 32 MiB limit;
//! - `a.mid`, `b.mid`: each player's take as an SMF (`pocket::formats::smf::write_take`);
//! - `a.jsonl`, `b.jsonl`: each player's raw events as a capture log.
//!
//! Both players are seeded simulated drummers (`pocket::simulate`) on the `gm` kit, so the files
//! are the same on every run. Score them with
//! `pocket score --chart DIR/chart.json --player a=DIR/a.mid --player b=DIR/b.mid -o report.json`.
//!
//! The bench `benches/score.rs` builds its inputs with the functions of this file.

use pocket::chart::{Chart, ChartInfo, Note, Section};
use pocket::formats::capture_log::{CaptureHeader, CaptureWriter, PlayerInfo, PortInfo, StartMode};
use pocket::formats::smf;
use pocket::kit::KitMap;
use pocket::simulate::{perform, Drummer};
use pocket::{Articulation, Dynamic, Lane, Nanos, Tempo, TempoMap, Ticks, TimeSignature};
use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Ticks per quarter note of the chart.
pub const PPQ: u32 = 480;
/// Ticks per sixteenth note.
const SIXTEENTH: i64 = PPQ as i64 / 4;
/// Ticks per 4/4 bar.
const BAR: i64 = 4 * PPQ as i64;
/// Bars per section (one tempo per section).
const SECTION_BARS: i64 = 32;
/// The tempo of each section in turn, BPM.
const TEMPOS_BPM: [f64; 8] = [120.0, 128.0, 136.0, 144.0, 152.0, 160.0, 148.0, 132.0];

/// One bar of drums: (lane, articulation, one character per sixteenth: `x` normal, `X` accent,
/// `g` ghost, `.` rest).
type Pattern = &'static [(Lane, Option<Articulation>, &'static str)];

const ROCK_8THS: Pattern = &[
    (Lane::Kick, None, "x.......x.x....."),
    (Lane::Snare, None, "....x.......x..."),
    (Lane::Hihat, None, "x.x.x.x.x.x.x.x."),
];
const ROCK_OPEN: Pattern = &[
    (Lane::Kick, None, "x.......x.x....."),
    (Lane::Snare, None, "....x.......x..."),
    (Lane::Hihat, None, "x.x.x.x.x.x.x..."),
    (Lane::Hihat, Some(Articulation::Open), "..............x."),
];
const FUNK_16THS: Pattern = &[
    (Lane::Kick, None, "x.....x...x..x.."),
    (Lane::Snare, None, "..g.X..g.g..X..g"),
    (Lane::Hihat, None, "xxxxxxxxxxxxxxxx"),
];
const RIDE: Pattern = &[
    (Lane::Kick, None, "x..x..x...x....."),
    (Lane::Snare, None, "....x.......x..."),
    (Lane::Ride, None, "x.x.x.x.x.x.x.x."),
];
const FILL: Pattern = &[
    (Lane::Kick, None, "x...x...x...x..."),
    (Lane::Snare, None, "x.x.xxxx........"),
    (Lane::Tom1, None, "........xx......"),
    (Lane::Tom2, None, "..........xx...."),
    (Lane::Tom3, None, "............xxxx"),
];

/// The groove of bar `bar` (from 1): grooves change every section, every eighth bar is a fill.
fn pattern(bar: i64) -> Pattern {
    if bar % 8 == 0 {
        return FILL;
    }
    match ((bar - 1) / SECTION_BARS) % 4 {
        0 if bar % 4 == 0 => ROCK_OPEN,
        0 => ROCK_8THS,
        1 | 3 => FUNK_16THS,
        _ => RIDE,
    }
}

/// A chart of at least `notes` notes (whole bars), 4/4 at 480 PPQ.
pub fn big_chart(notes: usize) -> Chart {
    let mut raw: Vec<(i64, Lane, Option<Articulation>, Dynamic)> = Vec::with_capacity(notes + 64);
    let mut bar = 1i64;
    while raw.len() < notes {
        let start = (bar - 1) * BAR;
        for &(lane, articulation, steps) in pattern(bar) {
            for (i, c) in steps.bytes().enumerate() {
                let dynamic = match c {
                    b'x' => Dynamic::Normal,
                    b'X' => Dynamic::Accent,
                    b'g' => Dynamic::Ghost,
                    _ => continue,
                };
                raw.push((start + i as i64 * SIXTEENTH, lane, articulation, dynamic));
            }
        }
        // A crash with the kick after every fill.
        if bar % 8 == 0 {
            raw.push((bar * BAR, Lane::Crash, None, Dynamic::Accent));
        }
        bar += 1;
    }
    // The last fill's crash may fall past the last bar written; keep it (one note more).
    let bars = bar - 1;
    let sections = (bars + SECTION_BARS - 1) / SECTION_BARS;
    let tempos: Vec<(Ticks, Tempo)> = (0..sections)
        .map(|s| {
            let bpm = TEMPOS_BPM[s as usize % TEMPOS_BPM.len()];
            (Ticks(s * SECTION_BARS * BAR), Tempo::from_bpm(bpm))
        })
        .collect();
    let map = TempoMap::new(PPQ, &tempos, TimeSignature::COMMON, Ticks(0))
        .expect("the generated tempo map is valid");
    // A crash replaces the hi-hat on its downbeat.
    let crashes: std::collections::HashSet<i64> = raw
        .iter()
        .filter(|n| n.1 == Lane::Crash)
        .map(|n| n.0)
        .collect();
    raw.retain(|n| !(n.1 == Lane::Hihat && crashes.contains(&n.0)));
    raw.sort_by_key(|n| (n.0, n.1));
    raw.dedup_by_key(|n| (n.0, n.1));
    let notes = raw
        .iter()
        .map(|&(tick, lane, articulation, dynamic)| Note {
            time: map.time(Ticks(tick)),
            tick: Ticks(tick),
            lane,
            articulation,
            dynamic,
        })
        .collect();
    let names = ["verse", "chorus", "bridge", "solo"];
    let sections = (0..sections)
        .map(|s| {
            let tick = Ticks(s * SECTION_BARS * BAR);
            Section {
                name: format!("{} {}", names[s as usize % names.len()], s / 4 + 1),
                tick,
                time: map.time(tick),
            }
        })
        .collect();
    let info = ChartInfo {
        title: "Endurance".into(),
        artist: "pocket".into(),
        charter: "pocket".into(),
        source: "examples/make_big_take.rs".into(),
    };
    Chart::new(info, map, sections, notes).expect("the generated chart is valid")
}

/// A string as a JSON string literal.
fn json(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The chart as compact pocket-chart/1 JSON: integer ticks, and notes at one tick without an
/// articulation and with the same dynamic joined into one `"lanes"` entry.
pub fn write_chart_compact(chart: &Chart) -> String {
    let map = &chart.tempo_map;
    let mut out = String::with_capacity(24 * chart.notes.len() + 4096);
    let _ = write!(
        out,
        "{{\"format\":\"pocket-chart/1\",\"title\":{},\"artist\":{},\"charter\":{},\"source\":{},\"ppq\":{},\n\"tempos\":[",
        json(&chart.info.title),
        json(&chart.info.artist),
        json(&chart.info.charter),
        json(&chart.info.source),
        map.ppq()
    );
    for (i, t) in map.tempos().enumerate() {
        let sep = if i > 0 { "," } else { "" };
        let _ = write!(
            out,
            "{sep}\n{{\"at\":{},\"bpm\":{}}}",
            t.tick.0,
            t.tempo.bpm()
        );
    }
    out.push_str("],\n\"time_signatures\":[{\"bar\":1,\"signature\":\"4/4\"}],\n\"sections\":[");
    for (i, s) in chart.sections.iter().enumerate() {
        let sep = if i > 0 { "," } else { "" };
        let _ = write!(
            out,
            "{sep}\n{{\"at\":{},\"name\":{}}}",
            s.tick.0,
            json(&s.name)
        );
    }
    out.push_str("],\n\"notes\":[");
    let joins = |a: &Note, b: &Note| {
        a.tick == b.tick
            && a.articulation.is_none()
            && b.articulation.is_none()
            && a.dynamic == b.dynamic
    };
    let mut i = 0;
    let mut first = true;
    while i < chart.notes.len() {
        let n = &chart.notes[i];
        out.push_str(if first { "\n" } else { ",\n" });
        first = false;
        let mut end = i + 1;
        while end < chart.notes.len() && joins(n, &chart.notes[end]) {
            end += 1;
        }
        if end > i + 1 {
            let _ = write!(out, "{{\"at\":{},\"lanes\":[", n.tick.0);
            for (k, m) in chart.notes[i..end].iter().enumerate() {
                let sep = if k > 0 { "," } else { "" };
                let _ = write!(out, "{sep}\"{}\"", m.lane.name());
            }
            out.push(']');
        } else {
            let _ = write!(out, "{{\"at\":{},\"lane\":\"{}\"", n.tick.0, n.lane.name());
        }
        if let Some(a) = n.articulation {
            let _ = write!(out, ",\"articulation\":\"{}\"", a.name());
        }
        if n.dynamic != Dynamic::Normal {
            let _ = write!(out, ",\"dynamic\":\"{}\"", n.dynamic.name());
        }
        out.push('}');
        i = end;
    }
    out.push_str("\n]}\n");
    out
}

/// The two simulated players: `a` steady and slightly early on the kick, `b` looser and a little
/// behind.
pub fn drummers() -> [(&'static str, Drummer); 2] {
    let a = Drummer {
        seed: 11,
        jitter_sd_ms: 9.0,
        ..Drummer::default()
    };
    let b = Drummer {
        seed: 22,
        lag_ms: 8.0,
        jitter_sd_ms: 15.0,
        miss_rate: 0.03,
        wrong_drum_rate: 0.01,
        overhit_rate: 0.008,
        crosstalk_rate: 0.04,
        ..Drummer::default()
    };
    [("a", a), ("b", b)]
}

/// Notes needed for about `hits` hits per player (players leave out a few notes and add a few
/// stray and crosstalk hits: about 0.99 hits per note).
pub fn notes_for_hits(hits: usize) -> usize {
    hits + hits / 100
}

/// What [`write_big_take`] wrote.
#[derive(Debug, Clone)]
pub struct BigTake {
    /// The chart file.
    pub chart: PathBuf,
    /// Notes in the chart.
    pub notes: usize,
    /// Per player: name, SMF take, capture log, hits in the take (after the kit stage).
    pub players: Vec<(String, PathBuf, PathBuf, usize)>,
}

/// Writes the chart and both players' takes (SMF and capture log) for about `hits` hits per
/// player into `dir`, replacing files of the same names.
pub fn write_big_take(dir: &Path, hits: usize) -> Result<BigTake, Box<dyn Error>> {
    std::fs::create_dir_all(dir)?;
    let chart = big_chart(notes_for_hits(hits));
    let chart_path = dir.join("chart.json");
    std::fs::write(&chart_path, write_chart_compact(&chart))?;
    let kit = KitMap::builtin("gm").ok_or("the gm kit is built in")?;
    let mut players = Vec::new();
    for (name, drummer) in drummers() {
        let perf = perform(&chart, &kit, &drummer);
        let take = pocket::internals::build_take(
            &perf.events,
            &kit,
            &kit.options,
            name.to_string(),
            vec!["file".into()],
        );
        let smf_path = dir.join(format!("{name}.mid"));
        std::fs::write(&smf_path, smf::write_take(&take, None))?;

        let cap_path = dir.join(format!("{name}.jsonl"));
        write_capture_log(&cap_path, name, &perf.events)?;
        players.push((name.to_string(), smf_path, cap_path, take.hits.len()));
    }
    Ok(BigTake {
        chart: chart_path,
        notes: chart.notes.len(),
        players,
    })
}

/// Writes a simulated player's raw events as a capture log (one player `name` on the `gm` kit,
/// one port, count-in start, ended 0.5 s after the last event), replacing the file.
pub fn write_capture_log(
    path: &Path,
    name: &str,
    events: &[pocket::event::RawEvent],
) -> Result<(), Box<dyn Error>> {
    if path.exists() {
        std::fs::remove_file(path)?;
    }
    let mut header = CaptureHeader::new(StartMode::CountIn);
    header.started_at = "2026-01-01T00:00:00.000Z".into();
    header.time_zero = Some(Nanos::ZERO);
    header.ports = vec![PortInfo {
        index: 0,
        name: "simulated kit".into(),
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
    let mut w = CaptureWriter::create(path, &header)?;
    for e in events {
        w.write_midi(e.time, 0, e.message())?;
    }
    let end = events.last().map(|e| e.time).unwrap_or_default();
    w.finish(end + Nanos::from_millis(500), "chart_end")?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let hits: usize = match args.next() {
        Some(a) => a.replace('_', "").parse()?,
        None => 1_000_000,
    };
    let dir = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/big-take"));
    let started = std::time::Instant::now();
    let big = write_big_take(&dir, hits)?;
    let size = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.len() as f64 / 1e6)
            .unwrap_or(0.0)
    };
    println!(
        "{}: {} notes, {:.1} MB",
        big.chart.display(),
        big.notes,
        size(&big.chart)
    );
    if let Ok(chart) = pocket::formats::chart_json::read_chart(&big.chart) {
        let canonical = pocket::formats::chart_json::write_chart(&chart).len();
        println!(
            "  (the same chart in canonical form: {:.1} MB; the chart reader's limit is {:.1} MB)",
            canonical as f64 / 1e6,
            pocket::formats::chart_json::MAX_FILE_BYTES as f64 / 1e6
        );
    }
    for (name, smf_path, cap_path, hits) in &big.players {
        println!(
            "player {name}: {hits} hits; {} {:.1} MB, {} {:.1} MB",
            smf_path.display(),
            size(smf_path),
            cap_path.display(),
            size(cap_path)
        );
    }
    println!("written in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
