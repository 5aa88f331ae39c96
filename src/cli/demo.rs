//! `pocket demo`: the bundled two-player demo, scored and written as a report and a page; with
//! `--serve`, played in real time through the live path onto the stage.

use super::output::{color_stdout, write_file, write_html};
use anyhow::{Context, Result};
use std::path::Path;

/// Scores the demo; writes `demo-report.json` and `demo-report.html` into `output` (and the page
/// also to `html`).
pub fn demo(output: &Path, html: Option<&Path>) -> Result<()> {
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
