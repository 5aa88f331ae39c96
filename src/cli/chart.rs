//! `pocket chart show` and `pocket chart convert`: any chart format, read and printed or
//! written as pocket chart JSON, a General MIDI file or an onset list.

use super::args::GameChartArgs;
use super::kits::print_filtered;
use super::output::{warn_all, write_file};
use super::usage::usage;
use anyhow::Result;
use clap::Subcommand;
use pocket::formats;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum ChartCommand {
    /// Title, duration, tempo changes, sections and notes per lane of a chart in any format.
    Show {
        /// Chart file (.json, .mid, .chart, .dtx, .txt) or song folder.
        file: PathBuf,
        /// MIDI channel of the drums in an SMF chart (1-16), or `all` [default: 10, or the
        /// --chart-kit's channel].
        #[arg(long)]
        channel: Option<String>,
        #[command(flatten)]
        game: GameChartArgs,
    },
    /// Convert a chart in any format to pocket chart JSON (.json), a General MIDI file (.mid)
    /// or an onset list (.txt: `seconds lane` per line, as mir_eval reads).
    Convert {
        /// Chart file (.json, .mid, .chart, .dtx, .txt) or song folder.
        file: PathBuf,
        /// Output file: .json for pocket chart JSON, .mid for a Standard MIDI File, .txt for an
        /// onset list (`-`: JSON on stdout).
        #[arg(short, long)]
        output: PathBuf,
        /// MIDI channel of the drums in an SMF chart (1-16), or `all` [default: 10, or the
        /// --chart-kit's channel].
        #[arg(long)]
        channel: Option<String>,
        #[command(flatten)]
        game: GameChartArgs,
    },
}

/// Runs `chart show` or `chart convert`.
pub fn chart(command: ChartCommand) -> Result<()> {
    match command {
        ChartCommand::Show {
            file,
            channel,
            game,
        } => show(&file, channel.as_deref(), &game),
        ChartCommand::Convert {
            file,
            output,
            channel,
            game,
        } => convert(&file, &output, channel.as_deref(), &game),
    }
}

/// Writes the chart at `file` to `output` as pocket chart JSON, a Standard MIDI File or an
/// onset list.
fn convert(file: &Path, output: &Path, channel: Option<&str>, game: &GameChartArgs) -> Result<()> {
    let loaded =
        formats::load_chart_detailed(file, game.options(channel.map(|c| ("--channel", c)))?)?;
    warn_all(&loaded.chart.warnings);
    warn_filtered(file, &loaded);
    let chart = loaded.chart;
    let ext = output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let bytes = match ext.as_deref() {
        _ if output == Path::new("-") => {
            print!("{}", formats::chart_json::write_chart(&chart));
            return Ok(());
        }
        Some("json") => formats::chart_json::write_chart(&chart).into_bytes(),
        Some("mid" | "midi") => formats::smf::write_chart(&chart, None),
        Some("txt") => {
            let onsets: Vec<_> = chart.notes.iter().map(|n| (n.time, n.lane)).collect();
            let mut bytes = Vec::new();
            formats::onsets::write_onsets(&mut bytes, &onsets)?;
            bytes
        }
        _ => {
            return Err(usage(format!(
                "-o {}: the output must end in .json (pocket chart), .mid (Standard MIDI File) or .txt (onset list)",
                output.display()
            )))
        }
    };
    write_file(output, &bytes)?;
    eprintln!(
        "{}: {} notes written to {}",
        file.display(),
        chart.notes.len(),
        output.display()
    );
    Ok(())
}

/// Prints what the chart at `file` holds.
fn show(file: &Path, channel: Option<&str>, game: &GameChartArgs) -> Result<()> {
    let loaded =
        formats::load_chart_detailed(file, game.options(channel.map(|c| ("--channel", c)))?)?;
    warn_all(&loaded.chart.warnings);
    let chart = &loaded.chart;
    let map = &chart.tempo_map;
    let i = &chart.info;
    println!(
        "{}",
        if i.title.is_empty() {
            "(untitled)"
        } else {
            &i.title
        }
    );
    for (k, v) in [
        ("artist", &i.artist),
        ("charter", &i.charter),
        ("source", &i.source),
    ] {
        if !v.is_empty() {
            println!("  {k:<9} {v}");
        }
    }
    let d = chart.duration().as_secs_f64();
    let bars = chart
        .notes
        .last()
        .map(|n| map.position(n.tick).bar)
        .unwrap_or(0);
    let notes = chart.notes.len();
    println!(
        "  duration  {}:{:05.2} ({bars} bar{}, {notes} note{}, resolution {} PPQ)",
        (d / 60.0).floor(),
        d % 60.0,
        if bars == 1 { "" } else { "s" },
        if notes == 1 { "" } else { "s" },
        map.ppq()
    );
    println!("tempo");
    for t in map.tempos() {
        println!(
            "  {:>10}  {:>8.3} BPM  at {}",
            map.position(t.tick).to_string(),
            t.tempo.bpm(),
            t.time
        );
    }
    println!("time signatures");
    for s in map.signatures() {
        println!("  bar {:>4}  {}", s.bar, s.signature);
    }
    if !chart.sections.is_empty() {
        println!("sections");
        for s in &chart.sections {
            println!(
                "  {:>10}  {:>9}  {}",
                map.position(s.tick).to_string(),
                s.time.to_string(),
                s.name
            );
        }
    }
    println!("notes per lane");
    for (lane, n) in chart.notes_per_lane() {
        println!("  {:<12} {n}", lane.name());
    }
    if let Some(kit) = &loaded.kit {
        print_filtered("not read as notes", &loaded.filtered, kit, "--chart-kit");
    }
    Ok(())
}

/// `chart convert` writes only what became notes: says on stderr how many Note Ons did not.
fn warn_filtered(file: &Path, loaded: &formats::LoadedChart) {
    let (Some(kit), false) = (&loaded.kit, loaded.filtered.is_empty()) else {
        return;
    };
    let summary = pocket::kit::FilteredSummary::of(&loaded.filtered);
    let mut line = format!(
        "{}: warning: {} notes of the file are not in the chart",
        file.display(),
        loaded.filtered.len()
    );
    if !summary.unmapped.is_empty() {
        line.push_str(&format!(
            " (not in the {kit} kit map: {})",
            summary.unmapped_list()
        ));
    }
    if let Some((profile, n)) = summary.suggest_profile() {
        line.push_str(&format!(
            "; the built-in {profile} kit maps {n} of them (--chart-kit {profile})"
        ));
    }
    line.push_str("; pocket chart show lists them");
    eprintln!("{line}");
}
