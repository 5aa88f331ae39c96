//! Acoustic drums: the transcriber measured against exact ground truth (strokes rendered
//! through the FluidR3 GM sound font with fluidsynth, mixed at known samples) and against real
//! recordings (MDB Drums). These run in an optimised build (`cargo test --release --test
//! acoustic -- --ignored`, a CI step); they need fluidsynth and fluid-soundfont-gm and skip
//! without them unless `POCKET_REQUIRE_AUDIO=1`. The thresholds are set a little below the
//! numbers measured (docs/acoustic.md), so a regression fails.

use pocket::testdata::{check_golden, data_dir, skip};
use pocket::time::Nanos;
use pocket::transcribe::eval::{class_counts, hit_classes, mdb_classes, DrumClass, MDB_TRACKS};
use pocket::transcribe::render::{self, Bank};
use pocket::transcribe::{transcribe_file, AudioKit, ChannelChoice, Settings};
use std::sync::OnceLock;

/// The render bank, once per test run; `None` (after saying why) without fluidsynth.
fn bank() -> Option<&'static Bank> {
    static BANK: OnceLock<Option<Bank>> = OnceLock::new();
    let required = std::env::var("POCKET_REQUIRE_AUDIO").as_deref() == Ok("1");
    let b = BANK.get_or_init(|| {
        if !render::available() {
            return None;
        }
        Some(Bank::render().expect("fluidsynth renders the drum strokes"))
    });
    if b.is_none() {
        if required {
            panic!(
                "POCKET_REQUIRE_AUDIO=1 but fluidsynth or {} is missing",
                render::SOUND_FONT
            );
        }
        skip("fluidsynth or fluid-soundfont-gm is not installed (POCKET_REQUIRE_AUDIO=1 to fail)");
    }
    b.as_ref()
}

#[test]
#[ignore = "renders audio: run in release (cargo test --release --test acoustic -- --ignored)"]
fn the_built_in_audio_kit_is_learned_from_fluidsynth_renders() {
    let Some(bank) = bank() else { return };
    let kit = bank.learn_kit().expect("the renders are learned");
    check_golden("src/transcribe/gm-render-kit.json", kit.to_json());
    assert_eq!(AudioKit::builtin(), kit);
}

/// The Groove MIDI Dataset takes (read through the Roland TD map) and the two simulated demo
/// takes; `None` without the data directory.
fn takes() -> Option<Vec<pocket::take::Take>> {
    let gmd = data_dir()?.join("gmd");
    let mut out = render::gmd_takes(&gmd).expect("GMD takes");
    let demo = pocket::demo::Demo::load().expect("demo");
    out.extend(demo.takes.into_iter().map(|(_, _, t)| t));
    Some(out)
}

/// Measured F at 20 ms on the renders (docs/acoustic.md), a little below: kick, snare, hi-hat.
const RENDER_F_MIN: [f64; 3] = [KD_RENDER, SD_RENDER, HH_RENDER];
const KD_RENDER: f64 = 0.91;
const SD_RENDER: f64 = 0.84;
const HH_RENDER: f64 = 0.83;
/// Measured tom F at 20 ms on the renders and on the Hydrogen kit, a little below (toms are
/// few, 141 strokes, and a quiet stroke near the room noise was once called a tom too often).
const TT_RENDER: f64 = 0.80;
const TT_HYDROGEN: f64 = 0.58;

/// Checks the toms' F at 20 ms against `min`.
fn check_toms(s: &render::RenderScores, min: f64) {
    let c = DrumClass::ALL
        .iter()
        .position(|c| *c == DrumClass::Toms)
        .expect("toms are a class");
    let f = s.counts[c].f_measure();
    assert!(f >= min, "TT: F {f:.3} at 20 ms fell below {min}");
}

/// Of the strokes that stand out of everything else sounding with them (their
/// [`Bank::raise`] at least [`CLEAR_RAISE`], the last bin of [`render::RAISE_BINS`]), the share
/// each of kick, snare and hi-hat must find: measured 0.981, 0.977 and 0.997
/// (docs/acoustic.md). What the aim is short of lies mostly among strokes that stand out
/// less; this holds the detector on the strokes no detector should miss.
const CLEAR_FOUND_MIN: [f64; 3] = [0.96, 0.96, 0.98];
const CLEAR_RAISE: f64 = 8.0;

/// Checks [`CLEAR_FOUND_MIN`].
fn check_clear_strokes(s: &render::RenderScores) {
    let clear = render::RAISE_BINS
        .iter()
        .position(|&lo| lo == CLEAR_RAISE)
        .expect("a bin from CLEAR_RAISE");
    for (c, min) in CLEAR_FOUND_MIN.iter().enumerate() {
        let (found, all) = s.by_raise[c][clear..]
            .iter()
            .fold((0, 0), |(f, a), &(x, y)| (f + x, a + y));
        let share = found as f64 / all.max(1) as f64;
        assert!(
            all > 0 && share >= *min,
            "{}: {found} of {all} clearly audible strokes found, under {min}",
            DrumClass::ALL[c].label()
        );
    }
}

/// Measured median |error − bias| on the renders is well under a millisecond per class.
const RENDER_MEDIAN_ABS_MS_MAX: f64 = 1.0;
/// And each class's bias under 5 ms.
const RENDER_BIAS_MS_MAX: f64 = 5.0;

/// Transcribes the takes rendered through `bank` (room noise at -50 dBFS, built-in kit) and
/// checks kick, snare and hi-hat F at 20 ms against `min`.
fn measure_and_check(
    bank: &Bank,
    takes: &[pocket::take::Take],
    min: &[f64; 3],
) -> render::RenderScores {
    measure_with_kit(
        bank,
        takes,
        &AudioKit::builtin(),
        render::Recording::ROOM,
        min,
    )
}

/// As [`measure_and_check`], classifying with `kit`.
fn measure_with_kit(
    bank: &Bank,
    takes: &[pocket::take::Take],
    kit: &AudioKit,
    recording: render::Recording,
    min: &[f64; 3],
) -> render::RenderScores {
    let s = render::measure(
        bank,
        takes,
        Settings::default(),
        kit,
        recording,
        Nanos::from_millis(20),
        None,
    );
    eprint!("{}", s.table());
    for (c, min) in min.iter().enumerate() {
        let f = s.counts[c].f_measure();
        assert!(
            f >= *min,
            "{}: F {f:.3} at 20 ms fell below {min}",
            DrumClass::ALL[c].label()
        );
    }
    s
}

#[test]
#[ignore = "renders audio: run in release (cargo test --release --test acoustic -- --ignored)"]
fn rendered_takes_are_transcribed_per_class_and_to_the_millisecond() {
    let Some(bank) = bank() else { return };
    let Some(takes) = takes() else { return };
    let s = measure_and_check(bank, &takes, &RENDER_F_MIN);
    check_toms(&s, TT_RENDER);
    check_clear_strokes(&s);
    for c in 0..RENDER_F_MIN.len() {
        let t = s.timing[c].expect("pairs to time");
        assert!(t.median_abs_ms <= RENDER_MEDIAN_ABS_MS_MAX, "{t:?}");
        assert!(t.bias_ms.abs() <= RENDER_BIAS_MS_MAX, "{t:?}");
    }
}

/// The renders recorded 30 dB quieter (room noise too): the floor follows the level down, so
/// kick, snare and hi-hat hold within 0.02 of the measured F (docs/acoustic.md: 0.918, 0.846,
/// 0.838 at -30 dB; with a fixed floor the hats fell to 0.43).
const QUIET_RENDER_F_MIN: [f64; 3] = [0.90, 0.83, 0.82];

#[test]
#[ignore = "renders audio: run in release (cargo test --release --test acoustic -- --ignored)"]
fn rendered_takes_recorded_30_db_quieter_keep_their_quiet_strokes() {
    let Some(bank) = bank() else { return };
    let Some(takes) = takes() else { return };
    let quiet = render::Recording {
        gain_db: -30.0,
        ..render::Recording::ROOM
    };
    measure_with_kit(
        bank,
        &takes,
        &AudioKit::builtin(),
        quiet,
        &QUIET_RENDER_F_MIN,
    );
}

/// Measured F at 20 ms on the same takes rendered through a Hydrogen kit nothing was tuned on
/// (docs/acoustic.md), a little below: kick, snare, hi-hat.
const HYDROGEN_F_MIN: [f64; 3] = [0.92, 0.83, 0.90];

#[test]
#[ignore = "renders audio: run in release (cargo test --release --test acoustic -- --ignored)"]
fn takes_rendered_through_a_second_kit_are_transcribed_per_class() {
    let Some(bank) = hydrogen_bank(&render::HYDROGEN_KIT) else {
        return;
    };
    let Some(takes) = takes() else { return };
    let s = measure_and_check(&bank, &takes, &HYDROGEN_F_MIN);
    check_toms(&s, TT_HYDROGEN);
}

/// A Hydrogen kit's strokes; `None` (after saying why) where `hydrogen-drumkits` is missing.
fn hydrogen_bank(kit: &render::HydrogenKit) -> Option<Bank> {
    if !kit.available() {
        if std::env::var("POCKET_REQUIRE_HYDROGEN").as_deref() == Ok("1") {
            panic!("POCKET_REQUIRE_HYDROGEN=1 but {} is missing", kit.dir);
        }
        skip("hydrogen-drumkits is not installed (POCKET_REQUIRE_HYDROGEN=1 to fail)");
        return None;
    }
    Some(Bank::hydrogen(kit).expect("the Hydrogen kit's samples are read"))
}

/// Measured F at 20 ms through a third kit (Hydrogen's Colombo, FLAC samples), a little
/// below: with the built-in kit, and with a kit learned from the kit's own strokes (what
/// `pocket kit learn` gives its drummer).
const COLOMBO_F_MIN: [f64; 3] = [0.83, 0.84, 0.76];
const COLOMBO_LEARNED_F_MIN: [f64; 3] = [0.92, 0.85, 0.74];

#[test]
#[ignore = "renders audio: run in release (cargo test --release --test acoustic -- --ignored)"]
fn takes_rendered_through_a_third_kit_are_transcribed_and_a_learned_kit_finds_its_kicks() {
    let Some(bank) = hydrogen_bank(&render::COLOMBO) else {
        return;
    };
    let Some(takes) = takes() else { return };
    let built_in = measure_and_check(&bank, &takes, &COLOMBO_F_MIN);
    let kit = bank.learn_kit().expect("the kit's strokes are learned");
    let learned = measure_with_kit(
        &bank,
        &takes,
        &kit,
        render::Recording::ROOM,
        &COLOMBO_LEARNED_F_MIN,
    );
    // This kit's kick differs most from the built-in one: learned, far fewer are missed.
    let (kd_built_in, kd_learned) = (built_in.counts[0].recall(), learned.counts[0].recall());
    assert!(
        kd_learned > kd_built_in + 0.1,
        "kick recall {kd_learned:.3} learned against {kd_built_in:.3} built in"
    );
}

/// Measured per-class F at 50 ms on the four MDB Drums tracks (held out: nothing was tuned on
/// them), a little below: kick, snare, hi-hat.
const MDB_F_MIN: [f64; 3] = [0.95, 0.89, 0.79];

#[test]
#[ignore = "transcribes recordings: run in release (cargo test --release --test acoustic -- --ignored)"]
fn mdb_drums_per_class_f_at_50_ms() {
    let Some(dir) = data_dir() else { return };
    let dir = dir.join("mdb_drums");
    let window = Nanos::from_millis(50);
    let classes = [DrumClass::Kick, DrumClass::Snare, DrumClass::Hihat];
    let mut total = [pocket::matching::MatchCounts::default(); 3];
    for track in MDB_TRACKS {
        let wav = dir.join(format!("MusicDelta_{track}_Drum.wav"));
        let labels = dir.join(format!("MusicDelta_{track}_class.txt"));
        let text = std::fs::read_to_string(&labels)
            .unwrap_or_else(|e| panic!("{}: {e}", labels.display()));
        let reference = mdb_classes(&text);
        let tr = transcribe_file(
            &wav,
            ChannelChoice::Mix,
            Settings::default(),
            &AudioKit::builtin(),
        )
        .expect("MDB track transcribed");
        let estimate = hit_classes(&tr.hits);
        for (i, c) in classes.iter().enumerate() {
            total[i] = total[i] + class_counts(&reference, &estimate, *c, window);
        }
    }
    for (i, c) in classes.iter().enumerate() {
        let f = total[i].f_measure();
        eprintln!("MDB {} F {f:.3} ({:?})", c.label(), total[i]);
        assert!(
            f >= MDB_F_MIN[i],
            "{}: F {f:.3} fell below {}",
            c.label(),
            MDB_F_MIN[i]
        );
    }
}
