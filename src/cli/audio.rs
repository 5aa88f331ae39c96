//! `pocket click` and `pocket render`: a click track that follows a chart, and one or two
//! players' takes as a stereo WAV ([`pocket::audio`]).

use super::args::{load_take, roster, GameChartArgs, PlayerTuning};
use super::latency::latencies;
use super::usage::usage;
use anyhow::Result;
use clap::Args;
use pocket::audio::{self, ClickOptions, Render, RenderPlayer};
use pocket::formats::{self, LoadedTake};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ClickArgs {
    #[arg(long, help = concat!(
        "The chart whose tempo map and time signatures the click follows: ",
        chart_formats!(),
        "."
    ))]
    chart: PathBuf,
    /// The WAV file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Bars of count-in before the chart starts.
    #[arg(long, value_name = "BARS", default_value_t = 0)]
    count_in: u32,
    /// Samples per second, 8000 to 192000.
    #[arg(long, default_value_t = audio::DEFAULT_SAMPLE_RATE, value_parser = sample_rate)]
    sample_rate: u32,
    /// Mix in the chart played by synthesized drum voices.
    #[arg(long)]
    guide: bool,
    /// MIDI channel of the drums in an SMF chart (1-16), or `all` [default: 10, or the
    /// --chart-kit's channel].
    #[arg(long)]
    chart_channel: Option<String>,
    #[command(flatten)]
    game: GameChartArgs,
}

/// Writes the click track.
pub fn click(args: ClickArgs) -> Result<()> {
    let channel = args
        .chart_channel
        .as_deref()
        .map(|c| ("--chart-channel", c));
    let chart = formats::load_chart(&args.chart, args.game.options(channel)?)?;
    let render = Render::click_track(
        &chart,
        &ClickOptions {
            sample_rate: args.sample_rate,
            count_in_bars: args.count_in,
            guide: args.guide,
        },
    )?;
    let clicks = audio::clicks(&chart, args.count_in).len();
    write(&render, &args.output)?;
    println!(
        "{} clicks{} written to {} ({:.1} s at {} Hz); chart time zero is at {:.3} s",
        clicks,
        if args.guide {
            " and the chart's notes"
        } else {
            ""
        },
        args.output.display(),
        render.frames() as f64 / f64::from(render.sample_rate()),
        render.sample_rate(),
        (-render.origin()).as_secs_f64()
    );
    Ok(())
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[arg(long, help = concat!(
        "The chart (for --guide, and the length of the render): ",
        chart_formats!(),
        "."
    ))]
    chart: Option<PathBuf>,
    /// A player and their take: NAME=TAKE, once or twice. The first is on the left, the
    /// second on the right.
    #[arg(long = "player", value_name = "NAME=TAKE", required = true)]
    players: Vec<String>,
    #[command(flatten)]
    tuning: PlayerTuning,
    /// The WAV file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Mix in the chart, in the centre, played by synthesized voices (needs --chart).
    #[arg(long, requires = "chart")]
    guide: bool,
    /// Samples per second, 8000 to 192000.
    #[arg(long, default_value_t = audio::DEFAULT_SAMPLE_RATE, value_parser = sample_rate)]
    sample_rate: u32,
    #[command(flatten)]
    game: GameChartArgs,
}

/// `--sample-rate`: a whole number of Hz that [`Render`] accepts.
fn sample_rate(text: &str) -> std::result::Result<u32, String> {
    let range = audio::MIN_SAMPLE_RATE..=audio::MAX_SAMPLE_RATE;
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|r| range.contains(r))
        .ok_or_else(|| {
            format!(
                "use {} to {} Hz (48000 or 44100 are usual)",
                range.start(),
                range.end()
            )
        })
}

/// Writes the players' render.
pub fn render(args: RenderArgs) -> Result<()> {
    if args.players.len() > 2 {
        return Err(usage("give --player once or twice"));
    }
    let chart_options = args.game.options(None)?;
    let chart = args
        .chart
        .as_ref()
        .map(|p| formats::load_chart(p, &chart_options))
        .transpose()?;
    args.tuning.use_audio_kit()?;
    let r = roster(&args.players, &args.tuning.kits, &args.tuning.offsets)?;
    let mut loaded = Vec::new();
    for (i, spec) in r.specs.iter().enumerate() {
        loaded.push(load_take(spec, r.kits[i].as_ref())?);
    }
    let refs: Vec<&LoadedTake> = loaded.iter().collect();
    let lat = latencies(&r.names, &r.offsets, &args.tuning.latency_profiles, &refs)?;
    let players: Vec<RenderPlayer> = loaded
        .iter()
        .zip(&lat)
        .map(|(l, lat)| RenderPlayer {
            take: &l.take,
            offsets: lat.offsets,
        })
        .collect();
    let guide = if args.guide { chart.as_ref() } else { None };
    let render = Render::duo(&players, guide, args.sample_rate)?;
    write(&render, &args.output)?;
    let sides = ["left", "right"];
    for (i, n) in r.names.iter().enumerate() {
        println!("{n:<12} {} ({} hits)", sides[i], loaded[i].take.hits.len());
    }
    if guide.is_some() {
        println!("{:<12} centre", "chart");
    }
    println!(
        "written to {} ({:.1} s at {} Hz); chart time zero is at {:.3} s",
        args.output.display(),
        render.frames() as f64 / f64::from(render.sample_rate()),
        render.sample_rate(),
        (-render.origin()).as_secs_f64()
    );
    Ok(())
}

/// Writes a render, with a progress line on a terminal for long ones.
fn write(render: &Render, path: &Path) -> Result<()> {
    if path == Path::new("-") {
        return Err(usage(
            "-o needs a file name: a WAV file cannot be written to stdout",
        ));
    }
    let long = render.frames() > i64::from(render.sample_rate()) * 120;
    if long && std::io::stderr().is_terminal() {
        let mut last = -1i64;
        let mut show = |done: i64, total: i64| {
            let pct = done * 100 / total.max(1);
            if pct != last {
                last = pct;
                eprint!("\rrendering {pct:>3} %");
                let _ = std::io::stderr().flush();
            }
        };
        let r = render.write_wav(path, Some(&mut show));
        eprint!("\r\x1b[2K");
        r?;
    } else {
        render.write_wav(path, None)?;
    }
    Ok(())
}
