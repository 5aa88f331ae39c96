//! `pocket report`: the HTML page of a JSON report.

use super::output::write_file;
use anyhow::{Context, Result};
use pocket::formats::{read_report_bytes, MAX_REPORT_BYTES};
use pocket::report::Report;
use std::io::{Read, Write};
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
    let bytes = if input == stdin {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(MAX_REPORT_BYTES + 1)
            .read_to_end(&mut bytes)
            .context("cannot read the report from stdin")?;
        if bytes.len() as u64 > MAX_REPORT_BYTES {
            anyhow::bail!("the report on stdin is larger than {MAX_REPORT_BYTES} bytes");
        }
        bytes
    } else {
        read_report_bytes(input)?
    };
    let text = String::from_utf8(bytes).with_context(|| {
        format!(
            "{}: not UTF-8, so not a pocket JSON report",
            input.display()
        )
    })?;
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
