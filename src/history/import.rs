//! `pocket history import DIR`: the history rebuilt from a folder of JSON reports (searched
//! through its subfolders, as live session folders nest them), each report read as the command
//! that wrote it would have added it.

use super::error::HistoryError;
use super::store::History;
use crate::report::Report;
use std::path::{Path, PathBuf};

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportOutcome {
    /// Reports whose rows were added.
    pub reports: usize,
    /// Rows added.
    pub rows: usize,
    /// JSON files that are not reports pocket can read (charts, kit maps, damaged files), each
    /// with why; they are left out.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Adds every report under `dir` (files ending in `.json`, in path order) to the history in
/// one transaction. Reports without a chart add nothing.
pub fn import_folder(history: &mut History, dir: &Path) -> Result<ImportOutcome, HistoryError> {
    let mut files = Vec::new();
    json_files(dir, &mut files)?;
    files.sort();
    let mut outcome = ImportOutcome::default();
    let mut reports: Vec<(Report, PathBuf, i64)> = Vec::new();
    for file in files {
        match read_report(&file) {
            Ok(Some(found)) => reports.push(found),
            Ok(None) => {}
            Err(why) => outcome.skipped.push((file, why)),
        }
    }
    let refs: Vec<(&Report, &Path, i64)> = reports
        .iter()
        .map(|(r, p, t)| (r, p.as_path(), *t))
        .collect();
    outcome.rows = history.add_reports(&refs)?;
    outcome.reports = reports.iter().filter(|(r, _, _)| r.chart.is_some()).count();
    Ok(outcome)
}

/// A report file as the history keys it: its absolute path and modification time (Unix
/// seconds). The same for a command that just wrote it and for an import.
pub fn report_file_key(path: &Path) -> std::io::Result<(PathBuf, i64)> {
    let abs = std::fs::canonicalize(path)?;
    let modified = std::fs::metadata(&abs)?.modified()?;
    let secs = match modified.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs_f64().ceil() as i64),
    };
    Ok((abs, secs))
}

/// A report read back: `Ok(None)` for JSON that is plainly not a report (no
/// `schema_version`), `Err` for a report pocket cannot read.
fn read_report(file: &Path) -> Result<Option<(Report, PathBuf, i64)>, String> {
    let bytes = crate::formats::read_report_bytes(file).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&bytes);
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return Err(format!("not JSON: {e}")),
    };
    if value.get("schema_version").is_none() || value.get("players").is_none() {
        return Ok(None);
    }
    let report = Report::from_json(&text).map_err(|e| format!("not a pocket report: {e}"))?;
    let (abs, at) = report_file_key(file).map_err(|e| e.to_string())?;
    Ok(Some((report, abs, at)))
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), HistoryError> {
    let entries = std::fs::read_dir(dir).map_err(|source| HistoryError::ReadFolder {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            out.push(path);
        }
    }
    Ok(())
}
