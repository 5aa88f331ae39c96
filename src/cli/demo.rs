//! `pocket demo`: the bundled two-player demo, scored and written as a report and a page.

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
