//! Per-class F-measure of pocket's drum transcription.
//!
//! Usage (DATA_DIR defaults to `$POCKET_DATA_DIR` or `../shared/data`; `-` keeps the default):
//! - `acoustic_eval mdb [DATA_DIR]`: MDB Drums' drum-only tracks, per track and over all, the
//!   F-measure at 50 ms of kick, snare and hi-hat;
//! - `acoustic_eval render [DATA_DIR]`: the GMD and demo takes rendered through FluidR3 GM, per
//!   class F at 20 ms and the timing error;
//! - `acoustic_eval hydrogen [DATA_DIR]`: the same takes rendered through a Hydrogen kit
//!   (`hydrogen-drumkits`, "The Black Pearl", a kit nothing was tuned on);
//! - `acoustic_eval colombo [DATA_DIR]`: the same through a third kit of that package,
//!   "ColomboAcousticDrumkit";
//! - `acoustic_eval bleed [DATA_DIR]`: the FluidR3 GM renders with another take rendered
//!   through the Hydrogen kit mixed in at -30, -20, -12 and -6 dB (RMS, against the target's).
//!
//! `LEARN=1` classifies each render set with a kit learned from its own bank's strokes (what
//! `pocket kit learn` gives a drummer who records each drum of the kit) instead of the
//! built-in one. `CONFUSION=1` adds, per class, what lies near its missed reference onsets and
//! its extra estimates (render sets); `LEVELS=1`, per class and stroke level (its peak in
//! dBFS), how many strokes have an estimate of their class within the window; `RAISES=1`, the
//! same by how far each stroke stands out of what else sounds with it (`Bank::raise`).
//! `NOISE_DBFS` sets the render sets' room noise (dB full scale RMS, -50 by default);
//! `GAIN_DB` scales each whole recording (a quieter or louder recording of the same room).

use pocket::matching::MatchCounts;
use pocket::time::Nanos;
use pocket::transcribe::eval::{
    class_counts, class_timing, hit_classes, mdb_classes, DrumClass, MDB_TRACKS,
};
use pocket::transcribe::{transcribe_file, AudioKit, ChannelChoice, Settings};
use std::path::PathBuf;

/// The default settings, with any field overridden by `SETTING=value` arguments after the
/// data directory (for exploring; the documented numbers use the defaults).
fn settings() -> Settings {
    let mut s = serde_json::to_value(Settings::default()).expect("settings serialise");
    for a in std::env::args().skip(3) {
        if let Some((k, v)) = a.split_once('=') {
            if let Ok(v) = v.parse::<u64>() {
                s[k] = serde_json::json!(v);
            } else if let Ok(v) = v.parse::<f64>() {
                s[k] = serde_json::json!(v);
            }
        }
    }
    serde_json::from_value(s).expect("settings as given")
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some("render" | "hydrogen" | "colombo" | "bleed") = args.first().map(String::as_str) {
        return render(&args);
    }
    let dir = args
        .get(1)
        .filter(|a| a.as_str() != "-")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("POCKET_DATA_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("../shared/data"))
        .join("mdb_drums");
    let kit = AudioKit::builtin();
    let window = Nanos::from_millis(50);
    let classes = [DrumClass::Kick, DrumClass::Snare, DrumClass::Hihat];
    let mut total = [MatchCounts::default(); 3];
    let mut onset_total = MatchCounts::default();
    for track in MDB_TRACKS {
        let wav = dir.join(format!("MusicDelta_{track}_Drum.wav"));
        let text = std::fs::read_to_string(dir.join(format!("MusicDelta_{track}_class.txt")))?;
        let reference = mdb_classes(&text);
        let tr = transcribe_file(&wav, ChannelChoice::Mix, settings(), &kit)?;
        let estimate = hit_classes(&tr.hits);
        let any = |v: &[(Nanos, DrumClass)]| -> Vec<(Nanos, u8)> {
            let mut t: Vec<Nanos> = v.iter().map(|x| x.0).collect();
            t.sort();
            t.dedup_by(|a, b| (a.0 - b.0).abs() < 20_000_000);
            t.into_iter().map(|t| (t, 0)).collect()
        };
        let oc = class_counts(&any(&reference), &any(&estimate), 0, window);
        onset_total = onset_total + oc;
        print!("{track:8} onsets F {:.3} |", oc.f_measure());
        for (i, c) in classes.iter().enumerate() {
            let m = class_counts(&reference, &estimate, *c, window);
            total[i] = total[i] + m;
            let timing = class_timing(&reference, &estimate, *c, window);
            print!(
                " {} F {:.3} (ref {}, est {}, bias {:+.1} ms)",
                c.label(),
                m.f_measure(),
                m.notes,
                m.hits,
                timing.map_or(f64::NAN, |t| t.bias_ms)
            );
        }
        println!();
    }
    print!("all      onsets F {:.3} |", onset_total.f_measure());
    let mut mean = 0.0;
    for (i, c) in classes.iter().enumerate() {
        print!(" {} F {:.3}", c.label(), total[i].f_measure());
        mean += total[i].f_measure() / 3.0;
    }
    println!(" | mean {mean:.3}");
    Ok(())
}

/// `acoustic_eval render|hydrogen|colombo|bleed [DATA_DIR] [SETTING=value ...]`: the rendered GMD and
/// demo takes, per class F at 20 ms and the timing error.
fn render(args: &[String]) -> anyhow::Result<()> {
    use pocket::transcribe::render::{measure, Bank, Bleed, Recording, COLOMBO, HYDROGEN_KIT};
    let data = args
        .get(1)
        .filter(|a| a.as_str() != "-")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("POCKET_DATA_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("../shared/data"));
    let mut takes = pocket::transcribe::render::gmd_takes(&data.join("gmd"))?;
    let demo = pocket::demo::Demo::load()?;
    takes.extend(demo.takes.into_iter().map(|(_, _, t)| t));
    let env = |name: &str, default: f64| -> f64 {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let recording = Recording {
        noise_dbfs: env("NOISE_DBFS", Recording::ROOM.noise_dbfs),
        gain_db: env("GAIN_DB", Recording::ROOM.gain_db),
    };
    let learned = std::env::var_os("LEARN").is_some();
    let window = Nanos::from_millis(20);
    let report = |bank: &Bank, bleed: Option<Bleed>| -> anyhow::Result<()> {
        let kit = if learned {
            bank.learn_kit().map_err(|e| anyhow::anyhow!("{e}"))?
        } else {
            AudioKit::builtin()
        };
        let s = measure(bank, &takes, settings(), &kit, recording, window, bleed);
        print!("{}", s.table());
        if std::env::var_os("CONFUSION").is_some() {
            for (c, class) in DrumClass::ALL.iter().enumerate() {
                println!(
                    "  {} missed, by the class nearest (KD SD HH TT CY none) {:?}; extra {:?}",
                    class.label(),
                    s.misses[c],
                    s.extras[c]
                );
            }
        }
        use pocket::transcribe::render::{LEVEL_BINS_DBFS, RAISE_BINS};
        if std::env::var_os("LEVELS").is_some() {
            println!("  found / played, by the stroke's peak (dBFS, from):");
            print_bins(&LEVEL_BINS_DBFS, |c| s.by_level[c].to_vec());
        }
        if std::env::var_os("RAISES").is_some() {
            println!(
                "  found / played, by how much the stroke raises the onset function over the rest (from):"
            );
            print_bins(&RAISE_BINS, |c| s.by_raise[c].to_vec());
        }
        let mean = (0..3).map(|c| s.counts[c].f_measure()).sum::<f64>() / 3.0;
        println!("mean KD/SD/HH F {mean:.3} over {:.0} s of audio", s.seconds);
        Ok(())
    };
    let hydrogen = || Bank::hydrogen(&HYDROGEN_KIT);
    match args[0].as_str() {
        "hydrogen" => report(&hydrogen()?, None)?,
        "colombo" => report(&Bank::hydrogen(&COLOMBO)?, None)?,
        "bleed" => {
            let target = Bank::render()?;
            let other = hydrogen()?;
            for db in [-30.0, -20.0, -12.0, -6.0] {
                println!("bleed at {db} dB:");
                report(&target, Some(Bleed { bank: &other, db }))?;
            }
        }
        _ => report(&Bank::render()?, None)?,
    }
    Ok(())
}

/// One line per class of kick, snare and hi-hat: strokes found / played in each bin (`from`:
/// each bin's lower bound; `counts(class index)`: its counts).
fn print_bins(from: &[f64], counts: impl Fn(usize) -> Vec<(usize, usize)>) {
    for (c, class) in DrumClass::ALL.iter().enumerate().take(3) {
        print!("  {}", class.label());
        for (lo, (found, all)) in from.iter().zip(counts(c)) {
            print!(" | {lo}: {found}/{all}");
        }
        println!();
    }
}
