//! Command-line interface of the `pocket` binary (not part of the library): the argument types
//! and one function per command, each reading as parse -> pipeline (the library) -> writers.
//! Data goes to stdout, diagnostics to stderr.
//!
//! | file | commands |
//! |---|---|
//! | [`score`] | `score` (one or two players, or a folder of takes) |
//! | [`sync`] | `sync` |
//! | [`report`], [`demo`] | `report`, `demo` |
//! | [`chart`], [`take`], [`kits`] | `chart show`, `chart convert`, `take show`, `kits` |
//! | [`live`] | `devices`, `live`, `record` |
//! | [`monitor`] | `monitor` |
//! | [`calibrate`] | `calibrate` |
//! | [`history`] | `history`, and the practice history flags of `score` and `live` |
//! | [`audio`] | `click`, `render` |
//! | [`args`] | flags shared by several commands (players, kits, offsets, chart options) |
//! | [`latency`] | each player's latency offsets, from flags, profiles and capture logs |
//! | [`output`] | the JSON report, the summary, the HTML page and files written whole |

/// Every chart format pocket reads, for the help of the `--chart` flags.
macro_rules! chart_formats {
    () => {
        "pocket chart JSON, Standard MIDI File, Rock Band/Clone Hero/YARG .mid or song folder, \
         Clone Hero .chart, DTXMania .dtx, or onset list"
    };
}

mod args;
mod audio;
mod calibrate;
mod calibrate_audio;
mod chart;
mod demo;
mod history;
mod kit_audio;
mod kits;
mod latency;
mod live;
mod monitor;
mod output;
mod report;
mod score;
mod stage;
mod sync;
mod take;
mod usage;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

pub use usage::UsageError;

/// Scores drummers on electronic kits: against a chart, and against each other.
#[derive(Debug, Parser)]
#[command(name = "pocket", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Score the bundled two-player demo and write demo-report.json and demo-report.html.
    Demo {
        /// Directory to write demo-report.json and demo-report.html into.
        #[arg(short, long, default_value = ".")]
        output: PathBuf,
        /// Also write the HTML page here.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// With --serve: replay speed (2 plays twice as fast).
        #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
        speed: f64,
        /// Play the duet in real time through the live path, on the stage (see --serve).
        #[command(flatten)]
        serve: stage::ServeArgs,
        /// Play the duet's render through the default audio output (builds with audio
        /// output: --features midi-io).
        #[arg(long)]
        play: bool,
    },
    /// Turn a JSON report made with --detail into a self-contained HTML page.
    Report {
        /// The JSON report (`-` for stdin).
        report: PathBuf,
        /// The HTML file to write (`-` for stdout). Default: the report's name with .html
        /// (stdout for a report read from stdin).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Score one or two players' takes against a chart.
    Score(score::ScoreArgs),
    /// How together two players were: with a chart (shared notes) or without (hits paired
    /// with each other).
    Sync(sync::SyncArgs),
    /// Inspect charts.
    Chart {
        #[command(subcommand)]
        command: chart::ChartCommand,
    },
    /// Inspect takes.
    Take {
        #[command(subcommand)]
        command: take::TakeCommand,
    },
    /// Audio kits for acoustic drums: learn one from recordings of each drum.
    Kit {
        #[command(subcommand)]
        command: kit_audio::KitCommand,
    },
    /// List kit profiles, or show one.
    Kits {
        #[command(subcommand)]
        command: Option<kits::KitsCommand>,
    },
    /// List MIDI inputs (kits) and outputs by stable name, with a suggested kit profile.
    Devices {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Play live against a chart: capture one or two kits, judge each hit as it lands, and
    /// write the capture log, the report and the takes to a session directory.
    Live(live::LiveArgs),
    /// Capture one or more kits without a chart (for chart-free sync or later scoring).
    Record(live::RecordArgs),
    /// Show each incoming MIDI message of a kit (note, velocity, channel, and the lane the kit
    /// map gives it, or unmapped), to set up a kit.
    Monitor(monitor::MonitorArgs),
    /// Measure a kit's latency (with its player in it) and suggest offsets: from a take played
    /// against a chart, or from quarter notes tapped with a click; save them as a latency
    /// profile.
    Calibrate(calibrate::CalibrateArgs),
    /// Write a click track (WAV) that follows a chart's tempo map and time signatures.
    Click(audio::ClickArgs),
    /// Render one or two players' takes as a stereo WAV: the first on the left, the second on
    /// the right, the chart optionally in the centre.
    Render(audio::RenderArgs),
    /// The practice history: recent takes per song and player, as a table, JSON or a progress
    /// page; `import DIR` rebuilds it from a folder of reports.
    History(history::HistoryArgs),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Demo {
            output,
            html,
            speed,
            serve,
            play,
        } => {
            if serve.serving() {
                demo::demo_live(&output, speed, &serve)
            } else {
                demo::demo(&output, html.as_deref(), play)
            }
        }
        Command::Report { report, output } => report::report(&report, output.as_deref()),
        Command::Score(args) => score::score(args),
        Command::Sync(args) => sync::sync(args),
        Command::Chart { command } => chart::chart(command),
        Command::Take { command } => take::take(command),
        Command::Kit { command } => kit_audio::kit(command),
        Command::Kits { command } => kits::kits(command),
        Command::Devices { json } => live::devices(json),
        Command::Live(args) => live::live(args),
        Command::Record(args) => live::record(args),
        Command::Monitor(args) => monitor::monitor(args),
        Command::Calibrate(args) => calibrate::calibrate(args),
        Command::Click(args) => audio::click(args),
        Command::Render(args) => audio::render(args),
        Command::History(args) => history::history_command(args),
    }
}
