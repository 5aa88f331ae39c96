//! `pocket report`: the HTML page of a JSON report.

use super::output::write_file;
use anyhow::{Context, Result};
use pocket::report::Report;
use std::io::Write;
use std::path::Path;

/// Reads the report at `input` (`-`: stdin) and writes its page to `output` (`-`: stdout;
/// default: `input` with the extension `.html`, stdout for stdin).
pub fn report(input: &Path, output: Option<&Path>) -> Result<()> {
    let stdin = Path::new("-");
    let default = if input == stdin {
        stdin.to_path_buf()
    } else {
        input.with_extension("html")
    };
    let output = output.unwrap_or(&default);
    let text = if input == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("cannot read the report from stdin")?
    } else {
        std::fs::read_to_string(input)
            .with_context(|| format!("cannot read {}", input.display()))?
    };
    let report = Report::from_json(&text).with_context(|| {
        format!(
            "{}: not a pocket JSON report (made by `pocket score`, `sync` or `demo` with -o)",
            input.display()
        )
    })?;
    let page = pocket::html::render(&report).map_err(|e| match e {
        pocket::html::HtmlError::NoDetail { players } => anyhow::anyhow!(
            "{}: the report has no per-note detail for {}: the HTML page plots every note; make \
             the report again with `pocket score --detail` (or `score --html FILE`), or with \
             `pocket sync --chart ... --html FILE`",
            input.display(),
            players.join(", ")
        ),
        e => anyhow::Error::new(e).context(input.display().to_string()),
    })?;
    if output == Path::new("-") {
        std::io::stdout().write_all(page.as_bytes())?;
    } else {
        write_file(output, page.as_bytes())?;
        println!("HTML report written to {}", output.display());
    }
    Ok(())
}
