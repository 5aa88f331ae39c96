//! `pocket demo`: the bundled two-player demo, scored and written as a report and a page; with
//! `--serve`, played in real time through the live path onto the stage.

use super::output::{color_stdout, write_file, write_html};
use anyhow::{Context, Result};
use std::path::Path;

/// Scores the demo; writes `demo-report.json` and `demo-report.html` into `output` (and the page
/// also to `html`); with `play`, plays the duet's render.
pub fn demo(output: &Path, html: Option<&Path>, play: bool) -> Result<()> {
    let demo = pocket::demo::Demo::load()?;
    // With per-note detail, so that `pocket report demo-report.json` makes the same page.
    let report = demo.report(true);
    if !output.is_dir() {
        std::fs::create_dir_all(output)
            .with_context(|| format!("cannot create {}", output.display()))?;
    }
    // Files first: if stdout's reader goes away while the summary prints, nothing is lost.
    let path = output.join("demo-report.json");
    write_file(&path, report.to_json().as_bytes())?;
    let page = output.join("demo-report.html");
    let pages: Vec<&Path> = std::iter::once(page.as_path()).chain(html).collect();
    for p in &pages {
        write_html(&report, p)?;
    }
    print!("{}", pocket::summary::render(&report, color_stdout()));
    println!("\nreport written to {}", path.display());
    for p in pages {
        println!("HTML report written to {}", p.display());
    }
    if play {
        play_duet(&demo, output)?;
    }
    Ok(())
}

/// `pocket demo --serve`: writes the embedded chart and capture logs into a fresh
/// `demo-session-DATE-TIME` folder in `output` and replays them as a live session at `speed`,
/// on the stage.
pub fn demo_live(output: &Path, speed: f64, serve: &super::stage::ServeArgs) -> Result<()> {
    use pocket::live::session::{self, PlayerSource, PlayerSpec, SessionOptions};
    if !(speed.is_finite() && speed > 0.0) {
        return Err(super::usage::usage("--speed must be a positive number"));
    }
    // The stage first: a port in use fails before anything is written.
    let server = serve.start()?;
    let dir = output.join(pocket::live::stamped_dir(
        "demo-session",
        std::time::SystemTime::now(),
    ));
    let files = dir.join("demo");
    std::fs::create_dir_all(&files)
        .with_context(|| format!("cannot create {}", files.display()))?;
    let mut paths = Vec::new();
    for (name, bytes) in pocket::demo::files() {
        let path = files.join(name);
        write_file(&path, bytes)?;
        paths.push(path);
    }
    let mut opts = SessionOptions::new(&dir);
    opts.chart = Some(paths[0].clone());
    opts.speed = speed;
    for ((name, ..), take) in pocket::demo::players().into_iter().zip(&paths[1..]) {
        opts.players.push(PlayerSpec {
            name: name.to_string(),
            source: PlayerSource::Replay {
                spec: take.display().to_string(),
            },
            kit: None,
            offsets: Default::default(),
        });
    }
    opts.show = true;
    opts.tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    session::stop_on_signals(&stop).context("cannot install the Ctrl-C handler")?;
    opts.stop = stop;
    super::live::run_on_stage(opts, server, serve, |_| {})
}

/// Renders the duet (Lee left, Sanae right, the chart's guide in the centre) to
/// `demo-duet.wav` in `output` and plays it through the default output.
#[cfg(feature = "midi-io")]
fn play_duet(demo: &pocket::demo::Demo, output: &Path) -> Result<()> {
    use pocket::audio::{Render, RenderPlayer};
    let players: Vec<RenderPlayer> = demo
        .takes
        .iter()
        .map(|(_, _, take)| RenderPlayer {
            take,
            offsets: pocket::matching::Offsets::default(),
        })
        .collect();
    let render = Render::duo(&players, Some(&demo.chart), 48_000)?;
    let wav = output.join("demo-duet.wav");
    render.write_wav(&wav, None)?;
    println!(
        "playing {} ({:.0} s): Lee left, Sanae right, the chart in the centre; Ctrl-C stops",
        wav.display(),
        render.frames() as f64 / 48_000.0
    );
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    pocket::live::session::stop_on_signals(&stop).context("cannot install the Ctrl-C handler")?;
    let device = pocket::live::audio_out::play_file(&wav, None, &stop)?;
    println!("played on {device}");
    Ok(())
}

#[cfg(not(feature = "midi-io"))]
fn play_duet(_: &pocket::demo::Demo, _: &Path) -> Result<()> {
    anyhow::bail!(
        "this pocket was built without audio output, so it cannot play the demo; rebuild it in \
         pocket's source folder with `cargo install --path . --features midi-io` (Linux needs \
         libasound2-dev), or write the duet to a WAV file with `pocket render`"
    )
}
