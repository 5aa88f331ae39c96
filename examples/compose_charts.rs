//! Composes pocket's bundled charts (original compositions) from drum patterns and writes them to
//! `charts/` in the canonical pocket-chart/1 form.
//!
//! Run with `cargo run --example compose_charts`. Each pattern row is one lane (with an optional
//! articulation, `"hihat:open"`) and one character per sixteenth note: `x` normal, `X` accent,
//! `g` ghost, `.` rest; spaces are ignored.

use pocket::chart::{Chart, ChartInfo, Note, Section};
use pocket::formats::chart_json::write_chart;
use pocket::{Articulation, Dynamic, Lane, Tempo, TempoMap, Ticks, TimeSignature};
use std::error::Error;
use std::path::PathBuf;

const PPQ: u32 = 480;
const SIXTEENTH: i64 = PPQ as i64 / 4;

/// One bar of drums: rows of (lane[:articulation], sixteenth-note pattern).
type Pattern<'a> = &'a [(&'a str, &'a str)];

/// A chart being composed, bar by bar.
struct Song {
    title: &'static str,
    grid: TempoMap,
    signatures: Vec<(i64, TimeSignature)>,
    first_bpm: f64,
    tempos: Vec<(i64, f64)>,
    pickup: i64,
    /// (tick, lane, articulation, dynamic)
    notes: Vec<(i64, Lane, Option<Articulation>, Dynamic)>,
    sections: Vec<(i64, String)>,
    /// The next bar to be written.
    bar: i64,
    /// A crash asked for on the downbeat of the next bar written.
    pending_crash: Option<i64>,
}

impl Song {
    /// A song at `bpm` with a pickup of `pickup_beats` quarter notes and time-signature changes
    /// (bar, "N/D") after the first bar's 4/4.
    fn new(title: &'static str, bpm: f64, pickup_beats: i64, changes: &[(i64, &str)]) -> Song {
        let pickup = pickup_beats * PPQ as i64;
        let mut grid = TempoMap::new(
            PPQ,
            &[(Ticks(0), Tempo::from_bpm(bpm))],
            TimeSignature::COMMON,
            Ticks(pickup),
        )
        .expect("valid grid");
        let mut signatures = vec![];
        for (bar, sig) in changes {
            let sig: TimeSignature = sig.parse().expect("valid signature");
            grid.add_signature_at_bar(*bar, sig)
                .expect("signature order");
            signatures.push((*bar, sig));
        }
        Song {
            title,
            grid,
            signatures,
            first_bpm: bpm,
            tempos: vec![],
            pickup,
            notes: vec![],
            sections: vec![],
            bar: if pickup > 0 { 0 } else { 1 },
            pending_crash: None,
        }
    }

    /// Starts a named section at the next bar.
    fn section(&mut self, name: &str) -> &mut Song {
        let tick = self.grid.bar_start(self.bar).0;
        self.sections.push((tick, name.to_string()));
        self
    }

    /// A crash (with kick) on the downbeat of the next bar; the hi-hat there is dropped.
    fn crash(&mut self) -> &mut Song {
        let tick = self.grid.bar_start(self.bar).0;
        self.pending_crash = Some(tick);
        self
    }

    /// A tempo change at the start of the next bar.
    fn tempo(&mut self, bpm: f64) -> &mut Song {
        let tick = self.grid.bar_start(self.bar).0;
        self.tempos.push((tick, bpm));
        self
    }

    /// Writes one bar (the pickup bar is written from its first beat) and moves on.
    fn bar(&mut self, pattern: Pattern<'_>) -> &mut Song {
        let start = self.grid.bar_start(self.bar).0;
        let end = self.grid.bar_start(self.bar + 1).0;
        // A pickup pattern is written for a full bar; only its last beats sound.
        let full = self.grid.bar_ticks_at(Ticks(start));
        let origin = end - full;
        for (spec, steps) in pattern {
            let (lane, articulation) = match spec.split_once(':') {
                Some((l, a)) => (l, Some(a.parse::<Articulation>().expect("articulation"))),
                None => (*spec, None),
            };
            let lane: Lane = lane.parse().expect("lane");
            let steps: Vec<char> = steps.chars().filter(|c| !c.is_whitespace()).collect();
            assert_eq!(
                steps.len() as i64 * SIXTEENTH,
                full,
                "{}: bar {} pattern {spec:?} has {} sixteenths",
                self.title,
                self.bar,
                steps.len()
            );
            for (i, c) in steps.iter().enumerate() {
                let dynamic = match c {
                    'x' => Dynamic::Normal,
                    'X' => Dynamic::Accent,
                    'g' => Dynamic::Ghost,
                    '.' => continue,
                    other => panic!("unknown step {other:?} in {spec:?}"),
                };
                let tick = origin + i as i64 * SIXTEENTH;
                if tick >= start {
                    self.notes.push((tick, lane, articulation, dynamic));
                }
            }
        }
        if let Some(tick) = self.pending_crash.take() {
            self.notes.retain(|n| !(n.0 == tick && n.1 == Lane::Hihat));
            for lane in [Lane::Crash, Lane::Kick] {
                if !self.notes.iter().any(|n| n.0 == tick && n.1 == lane) {
                    self.notes.push((tick, lane, None, Dynamic::Accent));
                }
            }
        }
        self.bar += 1;
        self
    }

    /// Writes `n` bars of the same pattern.
    fn bars(&mut self, n: usize, pattern: Pattern<'_>) -> &mut Song {
        for _ in 0..n {
            self.bar(pattern);
        }
        self
    }

    /// `n` bars of `groove` whose last bar is `fill`.
    fn phrase(&mut self, n: usize, groove: Pattern<'_>, fill: Pattern<'_>) -> &mut Song {
        self.bars(n - 1, groove).bar(fill)
    }

    fn finish(&self, artist: &str) -> Chart {
        let mut tempos = vec![(Ticks(0), Tempo::from_bpm(self.first_bpm))];
        tempos.extend(
            self.tempos
                .iter()
                .map(|(t, b)| (Ticks(*t), Tempo::from_bpm(*b))),
        );
        let mut map = TempoMap::new(PPQ, &tempos, TimeSignature::COMMON, Ticks(self.pickup))
            .expect("valid tempo map");
        for (bar, sig) in &self.signatures {
            map.add_signature_at_bar(*bar, *sig).expect("signature");
        }
        let mut notes: Vec<Note> = self
            .notes
            .iter()
            .map(|(tick, lane, articulation, dynamic)| Note {
                time: map.time(Ticks(*tick)),
                tick: Ticks(*tick),
                lane: *lane,
                articulation: *articulation,
                dynamic: *dynamic,
            })
            .collect();
        notes.sort_by_key(|n| (n.tick, n.lane));
        for w in notes.windows(2) {
            assert!(
                (w[0].tick, w[0].lane) != (w[1].tick, w[1].lane),
                "{}: {} twice at {}",
                self.title,
                w[0].lane,
                map.position(w[0].tick)
            );
        }
        let sections = self
            .sections
            .iter()
            .map(|(tick, name)| Section {
                name: name.clone(),
                tick: Ticks(*tick),
                time: map.time(Ticks(*tick)),
            })
            .collect();
        let info = ChartInfo {
            title: self.title.to_string(),
            artist: artist.to_string(),
            charter: "pocket".to_string(),
            source: "original composition for pocket (examples/compose_charts.rs)".to_string(),
        };
        Chart::new(info, map, sections, notes).expect("valid chart")
    }
}

// ---------------------------------------------------------------- disco-pop 114

const DISCO_INTRO_A: Pattern = &[
    ("kick", "x...x...x...x..."),
    ("hihat:closed", "x...x...x...x..."),
    ("hihat:open", "..x...x...x...x."),
];
const DISCO_INTRO_B: Pattern = &[
    ("kick", "x...x...x...x..."),
    ("snare", "....x.......x..."),
    ("hihat:closed", "x...x...x...x..."),
    ("hihat:open", "..x...x...x...x."),
];
const DISCO_VERSE: Pattern = &[
    ("kick", "x...x...x...x..."),
    ("snare", "....x.......x..."),
    ("hihat:closed", "x.x.x.x.x.x.x..."),
    ("hihat:open", "..............x."),
];
const DISCO_VERSE_GHOSTS: Pattern = &[
    ("kick", "x...x...x...x..."),
    ("snare", "....x..g....x.g."),
    ("hihat:closed", "x.x.x.x.x.x.x..."),
    ("hihat:open", "..............x."),
];
const DISCO_PRE: Pattern = &[
    ("kick", "x...x...x...x..."),
    ("snare", "....X.......X..."),
    ("hihat:closed", "XxxxXxxxXxxxXxxx"),
];
const DISCO_PRE_BUILD: Pattern = &[
    ("kick", "x...x...x...x..."),
    ("snare", "....X...xxxxXXXX"),
    ("hihat:closed", "XxxxXxxx........"),
];
const DISCO_CHORUS: Pattern = &[
    ("kick", "x...x...x...x..."),
    ("snare", "....x.......x..."),
    ("hihat:closed", "x...x...x...x..."),
    ("hihat:open", "..x...x...x...x."),
];
const DISCO_CHORUS_PUSH: Pattern = &[
    ("kick", "x...x...x...x.x."),
    ("snare", "....x.......x..."),
    ("hihat:closed", "x...x...x...x..."),
    ("hihat:open", "..x...x...x....."),
    ("crash", "..............x."),
];
const DISCO_BRIDGE: Pattern = &[
    ("kick", "x..x..x...x..x.."),
    ("snare:cross_stick", "....x.......x..."),
    ("ride:bell", "x...x...x...x..."),
    ("ride:bow", "..x...x...x...x."),
];
const DISCO_BRIDGE_TOMS: Pattern = &[
    ("kick", "x..x..x...x..x.."),
    ("snare:cross_stick", "....x..........."),
    ("ride:bell", "x...x...x......."),
    ("ride:bow", "..x...x........."),
    ("tom1", "........x.x....."),
    ("tom2", "............x.x."),
    ("tom3", ".............x.x"),
];
const DISCO_BREAK_HITS: Pattern = &[
    ("kick", "x.........x....."),
    ("hihat:closed", "....x...x...x..."),
];
const DISCO_BREAK_BUILD: Pattern = &[("kick", "x...x...x...x..."), ("snare", "x.x.x.x.xxxxXXXX")];
const DISCO_FILL_SHORT: Pattern = &[
    ("kick", "x...x...x...x..."),
    ("snare", "....x...xx.x...."),
    ("hihat:closed", "x.x.x.x........."),
    ("tom1", "............xx.."),
    ("tom2", "..............x."),
    ("tom3", "...............x"),
];
const DISCO_FILL_TOMS: Pattern = &[
    ("kick", "x...x...x...x..."),
    ("snare", "xxxx............"),
    ("tom1", "....xxxx........"),
    ("tom2", "........xxxx...."),
    ("tom3", "............xxxx"),
];
const DISCO_FILL_ACCENTS: Pattern = &[
    ("kick", "x...x...x...x.x."),
    ("snare", "X.xxX.xxX.xx...."),
    ("tom3", "............X.X."),
];
const DISCO_FILL_SIXES: Pattern = &[
    ("kick", "x.....x.....x..."),
    ("snare", "xx....xx....xx.."),
    ("tom1", "..xx....xx......"),
    ("tom3", "....xx....xx..xx"),
];
const DISCO_END: Pattern = &[("kick", "x..............."), ("crash", "X...............")];

fn disco_pop() -> Chart {
    let mut s = Song::new("Mirrorball Monday", 114.0, 0, &[]);
    s.section("intro")
        .bars(4, DISCO_INTRO_A)
        .crash()
        .phrase(4, DISCO_INTRO_B, DISCO_FILL_SHORT);
    s.section("verse 1").crash();
    for _ in 0..3 {
        s.bars(3, DISCO_VERSE).bar(DISCO_VERSE_GHOSTS);
    }
    s.phrase(4, DISCO_VERSE, DISCO_FILL_ACCENTS);
    s.section("pre-chorus")
        .crash()
        .bars(3, DISCO_PRE)
        .bar(DISCO_PRE_BUILD);
    s.section("chorus 1")
        .crash()
        .bars(3, DISCO_CHORUS)
        .bar(DISCO_CHORUS_PUSH)
        .phrase(4, DISCO_CHORUS, DISCO_FILL_TOMS);
    s.section("verse 2")
        .crash()
        .bars(3, DISCO_VERSE)
        .bar(DISCO_VERSE_GHOSTS)
        .phrase(4, DISCO_VERSE, DISCO_FILL_SHORT);
    s.section("pre-chorus")
        .crash()
        .bars(3, DISCO_PRE)
        .bar(DISCO_PRE_BUILD);
    s.section("chorus 2")
        .crash()
        .bars(3, DISCO_CHORUS)
        .bar(DISCO_CHORUS_PUSH)
        .phrase(4, DISCO_CHORUS, DISCO_FILL_SIXES);
    s.section("bridge")
        .crash()
        .bars(3, DISCO_BRIDGE)
        .bar(DISCO_BRIDGE_TOMS)
        .bars(3, DISCO_BRIDGE)
        .bar(DISCO_FILL_TOMS);
    s.section("break")
        .crash()
        .bar(DISCO_BREAK_HITS)
        .bar(DISCO_BREAK_BUILD);
    s.section("chorus 3")
        .crash()
        .bars(3, DISCO_CHORUS)
        .bar(DISCO_CHORUS_PUSH)
        .phrase(4, DISCO_CHORUS, DISCO_FILL_ACCENTS);
    s.section("outro")
        .crash()
        .phrase(4, DISCO_CHORUS, DISCO_FILL_TOMS)
        .bar(DISCO_END);
    s.finish("pocket")
}

// ---------------------------------------------------------------- anthem 123

const ANTHEM_PICKUP: Pattern = &[("snare", "............xxXX")];
const ANTHEM_INTRO: Pattern = &[
    ("kick", "x.......x......."),
    ("snare", "....X.......X..."),
    ("tom3", "X.x.x.x.X.x.x.x."),
];
const ANTHEM_INTRO_FILL: Pattern = &[
    ("kick", "x.......x......."),
    ("snare", "....X.......xxxx"),
    ("tom3", "X.x.x.x.X.x....."),
];
const ANTHEM_VERSE: Pattern = &[
    ("kick", "x.....x.x......."),
    ("snare", "....x.......x..."),
    ("hihat:closed", "x.x.x.x.x.x.x.x."),
];
const ANTHEM_VERSE_B: Pattern = &[
    ("kick", "x.....x.x.x...x."),
    ("snare", "....x.......x..."),
    ("hihat:closed", "x.x.x.x.x.x.x.x."),
];
const ANTHEM_VERSE_TURN: Pattern = &[
    ("kick", "x.....x.x......."),
    ("snare", "....x.......x.xx"),
    ("hihat:closed", "x.x.x.x.x.x.x..."),
];
const ANTHEM_PRE: Pattern = &[
    ("kick", "x.x.x.x.x.x.x.x."),
    ("snare", "....X.......X..."),
    ("tom3", "x.x.x.x.x.x.x.x."),
];
const ANTHEM_PRE_PUSH: Pattern = &[("kick", "x...x..."), ("snare", "XxxxXXXX")];
const ANTHEM_CHORUS: Pattern = &[
    ("kick", "x.....x.x......."),
    ("snare", "....X.......X..."),
    ("ride:bell", "x...x...x...x..."),
    ("ride:bow", "..x...x...x...x."),
];
const ANTHEM_CHORUS_B: Pattern = &[
    ("kick", "x.....x.x.x....."),
    ("snare", "....X.......X..."),
    ("ride:bell", "x...x...x...x..."),
    ("ride:bow", "..x...x...x...x."),
];
const ANTHEM_BRIDGE: Pattern = &[
    ("kick", "x.....x...x....."),
    ("snare", "........X......."),
    ("hihat:half_open", "x.x.x.x.x.x.x.x."),
];
const ANTHEM_BRIDGE_GHOSTS: Pattern = &[
    ("kick", "x.....x...x....."),
    ("snare", "...g....X.....g."),
    ("hihat:half_open", "x.x.x.x.x.x.x.x."),
];
const ANTHEM_BREAK_HITS: Pattern = &[("kick", "x.....x........."), ("crash", "......x.........")];
const ANTHEM_BREAK_FILL: Pattern = &[
    ("kick", "x..............."),
    ("tom1", "........x.x....."),
    ("tom2", "..........x.x..."),
    ("tom3", "............x.x."),
    ("snare", ".............X.X"),
];
const ANTHEM_FILL_DOWN: Pattern = &[
    ("kick", "x.......x......."),
    ("snare", "....x...xx......"),
    ("tom1", "..........xx...."),
    ("tom2", "............xx.."),
    ("tom3", "..............xx"),
];
const ANTHEM_FILL_TRIPLETS: Pattern = &[
    ("kick", "x..x..x..x..x..."),
    ("snare", ".x..x..x..x....."),
    ("tom1", "..x..x.........."),
    ("tom3", "........x..x.xxx"),
];
const ANTHEM_FILL_ROLL: Pattern = &[("kick", "x...x...x...x..."), ("snare", "xxxxxxxxXxXxXXXX")];
const ANTHEM_END: Pattern = &[("kick", "x..............."), ("crash", "X...............")];

fn anthem() -> Chart {
    // A one-beat pickup; a 2/4 push bar closes each pre-chorus; the last bars slow down.
    let mut s = Song::new(
        "Lanterns Up",
        123.0,
        1,
        &[(29, "2/4"), (30, "4/4"), (50, "2/4"), (51, "4/4")],
    );
    s.section("pickup").bar(ANTHEM_PICKUP);
    s.section("intro")
        .crash()
        .bars(3, ANTHEM_INTRO)
        .bar(ANTHEM_INTRO_FILL)
        .crash()
        .phrase(4, ANTHEM_INTRO, ANTHEM_FILL_DOWN);
    s.section("verse 1").crash();
    for _ in 0..3 {
        s.bars(2, ANTHEM_VERSE)
            .bar(ANTHEM_VERSE_B)
            .bar(ANTHEM_VERSE_TURN);
    }
    s.phrase(4, ANTHEM_VERSE, ANTHEM_FILL_TRIPLETS);
    s.section("pre-chorus")
        .crash()
        .bars(4, ANTHEM_PRE)
        .bar(ANTHEM_PRE_PUSH);
    s.section("chorus 1")
        .crash()
        .bars(3, ANTHEM_CHORUS)
        .bar(ANTHEM_CHORUS_B)
        .crash()
        .phrase(4, ANTHEM_CHORUS, ANTHEM_FILL_DOWN);
    s.section("verse 2")
        .crash()
        .bars(2, ANTHEM_VERSE)
        .bar(ANTHEM_VERSE_B)
        .bar(ANTHEM_VERSE_TURN)
        .phrase(4, ANTHEM_VERSE, ANTHEM_FILL_ROLL);
    s.section("pre-chorus")
        .crash()
        .bars(4, ANTHEM_PRE)
        .bar(ANTHEM_PRE_PUSH);
    s.section("chorus 2")
        .crash()
        .bars(3, ANTHEM_CHORUS)
        .bar(ANTHEM_CHORUS_B)
        .crash()
        .phrase(4, ANTHEM_CHORUS, ANTHEM_FILL_TRIPLETS);
    s.section("bridge")
        .crash()
        .bars(3, ANTHEM_BRIDGE)
        .bar(ANTHEM_BRIDGE_GHOSTS)
        .bars(3, ANTHEM_BRIDGE)
        .bar(ANTHEM_FILL_ROLL);
    s.section("break")
        .crash()
        .bar(ANTHEM_BREAK_HITS)
        .bar(ANTHEM_BREAK_FILL);
    s.section("chorus 3")
        .crash()
        .bars(3, ANTHEM_CHORUS)
        .bar(ANTHEM_CHORUS_B)
        .crash()
        .phrase(4, ANTHEM_CHORUS, ANTHEM_FILL_DOWN);
    s.section("outro")
        .crash()
        .bars(2, ANTHEM_CHORUS)
        .tempo(118.0)
        .bar(ANTHEM_CHORUS_B)
        .tempo(110.0)
        .bar(ANTHEM_FILL_ROLL)
        .tempo(104.0)
        .bar(ANTHEM_END);
    s.finish("pocket")
}

// ---------------------------------------------------------------- exercises

const ROCK_A: Pattern = &[
    ("kick", "x.......x......."),
    ("snare", "....x.......x..."),
    ("hihat:closed", "x.x.x.x.x.x.x.x."),
];
const ROCK_A_TURN: Pattern = &[
    ("kick", "x.......x.x....."),
    ("snare", "....x.......x..."),
    ("hihat:closed", "x.x.x.x.x.x.x.x."),
];
const ROCK_B: Pattern = &[
    ("kick", "x.....x.x.x....."),
    ("snare", "....x.......x..."),
    ("hihat:closed", "x.x.x.x.x.x.x.x."),
];
const ROCK_B_OPEN: Pattern = &[
    ("kick", "x.....x.x.x....."),
    ("snare", "....x.......x..."),
    ("hihat:closed", "x.x.x.x.x.x.x..."),
    ("hihat:open", "..............x."),
];
const ROCK_FILL: Pattern = &[
    ("kick", "x.......x......."),
    ("snare", "....x...x.x....."),
    ("hihat:closed", "x.x.x.x........."),
    ("tom1", "............x..."),
    ("tom2", "..............x."),
    ("tom3", "...............x"),
];

fn rock_8ths() -> Chart {
    let mut s = Song::new("Exercise: 8th-note rock beat", 100.0, 0, &[]);
    s.section("A")
        .crash()
        .bars(3, ROCK_A)
        .bar(ROCK_A_TURN)
        .bars(3, ROCK_A)
        .bar(ROCK_A_TURN);
    s.section("B")
        .crash()
        .bars(3, ROCK_B)
        .bar(ROCK_B_OPEN)
        .bars(3, ROCK_B)
        .bar(ROCK_FILL);
    s.crash().bar(&[("kick", "x...............")]);
    s.finish("pocket exercises")
}

const GHOSTS_A: Pattern = &[
    ("kick", "x.....x...x....."),
    ("snare", "..g.X..g.g..X..g"),
    ("hihat:closed", "XxXxXxXxXxXxXxXx"),
];
const GHOSTS_A_TURN: Pattern = &[
    ("kick", "x.....x...x..x.."),
    ("snare", "..g.X..g.g..X.gg"),
    ("hihat:closed", "XxXxXxXxXxXxXxXx"),
];
const GHOSTS_B: Pattern = &[
    ("kick", "x..x..x...x....."),
    ("snare", ".g.gX.g..g.gX.g."),
    ("hihat:closed", "XxXxXxXxXxXxXx.."),
    ("hihat:open", "..............X."),
];
const GHOSTS_B_END: Pattern = &[
    ("kick", "x..x..x...x....."),
    ("snare", ".g.gX.g..g.gXggX"),
    ("hihat:closed", "XxXxXxXxXxXx...."),
];

fn sixteenth_hats_ghosts() -> Chart {
    let mut s = Song::new("Exercise: 16th hats, ghost notes and accents", 90.0, 0, &[]);
    s.section("A")
        .bars(3, GHOSTS_A)
        .bar(GHOSTS_A_TURN)
        .bars(3, GHOSTS_A)
        .bar(GHOSTS_A_TURN);
    s.section("B")
        .bars(3, GHOSTS_B)
        .bar(GHOSTS_B_END)
        .bars(3, GHOSTS_B)
        .bar(GHOSTS_B_END);
    s.crash().bar(&[("kick", "x...............")]);
    s.finish("pocket exercises")
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("charts");
    std::fs::create_dir_all(&dir)?;
    let charts = [
        ("disco-pop-114.json", disco_pop()),
        ("anthem-123.json", anthem()),
        ("exercise-rock-8ths.json", rock_8ths()),
        ("exercise-16th-hats-ghosts.json", sixteenth_hats_ghosts()),
    ];
    for (name, chart) in charts {
        let path = dir.join(name);
        std::fs::write(&path, write_chart(&chart))?;
        println!(
            "{}: {} notes, {} sections, {:.1} s",
            path.display(),
            chart.notes.len(),
            chart.sections.len(),
            chart.duration().as_secs_f64()
        );
    }
    Ok(())
}
