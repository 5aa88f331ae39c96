//! Writers shared by the commands that make a report: the JSON report, the human summary, the
//! HTML page, and files written whole.

use super::usage::usage;
use anyhow::{Context, Result};
use pocket::report::Report;
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Whether the summary on stdout is coloured: stdout is a terminal and `NO_COLOR` is unset or
/// empty.
pub fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// [`emit`], then the HTML page when asked, saying so on stdout (stderr when stdout carries
/// the JSON).
pub fn emit_with_html(report: &Report, json: Option<&Path>, html: Option<&Path>) -> Result<()> {
    if html == Some(Path::new("-")) {
        return Err(html_needs_a_file());
    }
    // Files first: if stdout's reader goes away while the summary prints, nothing is lost.
    if let Some(path) = html {
        write_html(report, path)?;
    }
    emit(report, json)?;
    if let Some(path) = html {
        if json == Some(Path::new("-")) {
            eprintln!("HTML report written to {}", path.display());
        } else {
            println!("HTML report written to {}", path.display());
        }
    }
    Ok(())
}

/// Prints the summary to stdout (or stderr when the JSON goes to stdout) and writes the JSON.
pub fn emit(report: &Report, output: Option<&Path>) -> Result<()> {
    match output {
        Some(p) if p == Path::new("-") => {
            eprint!("{}", pocket::summary::render(report, false));
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            report.write_json(&mut out)?;
            out.flush()?;
        }
        Some(p) => {
            // The file first: if stdout's reader goes away while the summary prints, nothing is lost.
            write_file_with(p, |w| report.write_json(w))?;
            print!("{}", pocket::summary::render(report, color_stdout()));
            println!("\nreport written to {}", p.display());
        }
        None => print!("{}", pocket::summary::render(report, color_stdout())),
    }
    Ok(())
}

/// Writes the HTML page of a report made with detail.
pub fn write_html(report: &Report, path: &Path) -> Result<()> {
    if path == Path::new("-") {
        return Err(html_needs_a_file());
    }
    let page = pocket::html::render(report)?;
    write_file(path, page.as_bytes())
}

/// `--html -`: the summary already goes to stdout.
fn html_needs_a_file() -> anyhow::Error {
    usage(
        "--html needs a file name (the summary goes to stdout); `pocket report REPORT.json -o -` prints a page",
    )
}

/// Writes a file through a temporary sibling and a rename, so a crash never leaves half a report.
/// Messages name `path`, the file the user asked for, never the temporary one.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    write_file_with(path, |w| w.write_all(bytes))
}

/// [`write_file`] for content streamed by `write` through a buffered writer.
pub fn write_file_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = folder.filter(|d| !d.is_dir()) {
        anyhow::bail!(
            "cannot write {}: the folder {} does not exist; create it first",
            path.display(),
            dir.display()
        );
    }
    pocket::formats::write_whole_with(path, write)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Prints what a reader recovered from, one `warning:` line each on stderr.
pub fn warn_all(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}
