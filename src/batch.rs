//! Batch scoring: every take in a folder scored alone against one chart, one report per take,
//! and a summary of them all as a table (for the terminal) and as CSV (`summary.csv`).
//!
//! The caller reads each take and settles its latency offsets (they may come from flags, so
//! that stays with the caller); this module scores it ([`score_take`]), runs the folder
//! ([`score_folder`]), and writes the summary ([`table`], [`write_csv`]).

use crate::chart::Chart;
use crate::formats::LoadedTake;
use crate::kit::{LaneMap, LaneMapError};
use crate::lane::Lane;
use crate::matching::Offsets;
use crate::report::{PlayerReport, Report};
use crate::score::{PlayerInput, ScoreOptions};
use std::fmt;
use std::path::{Path, PathBuf};

/// File name of the CSV summary in the output folder.
pub const SUMMARY_CSV: &str = "summary.csv";

/// Extensions of the take files a batch picks up (lower case).
pub const TAKE_EXTENSIONS: [&str; 4] = ["mid", "midi", "jsonl", "txt"];

/// Why a batch, or one take of it, could not be scored.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The folder of takes cannot be listed.
    #[error("cannot read the folder {}", path.display())]
    ReadFolder {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The folder holds no take files.
    #[error("{}: no take files (.mid, .midi, .jsonl, .txt) in this folder", path.display())]
    NoTakes {
        /// The folder.
        path: PathBuf,
    },
    /// The output folder cannot be created.
    #[error("cannot create {}", path.display())]
    CreateFolder {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A report or the summary cannot be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The lane merges of a take's kit map conflict with the batch's lane rules.
    #[error("{player}'s kit ({kit}) merges lanes in a way that conflicts with the lane rules")]
    LaneRules {
        /// The take's player.
        player: String,
        /// The kit map's name.
        kit: String,
        /// The conflict.
        #[source]
        source: LaneMapError,
    },
}

/// What every take of a batch is scored with.
#[derive(Debug, Clone, Copy)]
pub struct BatchSettings<'a> {
    /// The chart.
    pub chart: &'a Chart,
    /// The chart's path as the reports name it.
    pub chart_source: &'a str,
    /// The lane rules given for every take (merges and swaps), before any kit's own merges.
    pub lane_map: &'a LaneMap,
    /// Scoring options; their chart-side lane rules are replaced per take by `lane_map` plus
    /// the take's kit merges.
    pub options: &'a ScoreOptions,
    /// Estimate one global offset per take (within ±2 s) and apply it.
    pub auto_align: bool,
}

/// One take of a batch, read, with the latency offsets the caller settled for it.
#[derive(Debug, Clone, Copy)]
pub struct BatchTake<'a> {
    /// The player's name (the file stem, see [`take_name`]).
    pub name: &'a str,
    /// The take as read.
    pub loaded: &'a LoadedTake,
    /// Latency offsets.
    pub offsets: Offsets,
    /// The latency profile the offsets came from, recorded in the report's settings.
    pub latency_profile: Option<&'a str>,
}

/// The take files of a folder (see [`TAKE_EXTENSIONS`]), sorted by path; an error when there
/// are none.
pub fn take_files(dir: &Path) -> Result<Vec<PathBuf>, BatchError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| BatchError::ReadFolder {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_take_file(p))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(BatchError::NoTakes {
            path: dir.to_path_buf(),
        });
    }
    Ok(files)
}

/// Whether a batch picks up this file.
fn is_take_file(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    path.is_file() && ext.is_some_and(|e| TAKE_EXTENSIONS.contains(&e.as_str()))
}

/// The player's name for a take file: its stem.
pub fn take_name(file: &Path) -> String {
    file.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Scores one take alone against the chart: a report with one player.
pub fn score_take(settings: &BatchSettings, take: &BatchTake) -> Result<Report, BatchError> {
    let lanes =
        crate::formats::chart_lane_map(settings.lane_map, std::slice::from_ref(take.loaded))
            .map_err(|(_, source)| BatchError::LaneRules {
                player: take.name.to_string(),
                kit: take.loaded.kit.clone(),
                source,
            })?;
    let mut options = settings.options.clone().with_lane_map(&lanes);
    options.span = crate::session::played_span(
        settings.chart,
        options.span,
        take.loaded.played_until,
        options.timing.window,
    );
    let input = PlayerInput {
        name: take.name.to_string(),
        take: &take.loaded.take,
        kit: take.loaded.kit.clone(),
        offsets: take.offsets,
        lane_swap: Lane::ALL.map(|lane| settings.lane_map.apply(lane)),
        auto_align: settings.auto_align,
        latency_profile: take.latency_profile.map(str::to_string),
        capture: take.loaded.capture.clone(),
    };
    // One player: no sync section, so the sync options do not matter.
    let mut report = crate::session::score_session_report(
        settings.chart,
        settings.chart_source,
        std::slice::from_ref(&input),
        &options,
        &crate::sync::SyncOptions::default(),
    );
    report
        .warnings
        .extend(crate::formats::take_warnings([take.loaded]));
    report.settings.audio.clone_from(&take.loaded.audio);
    Ok(report)
}

/// What [`score_folder`] tells its caller as it goes.
#[derive(Debug)]
pub enum BatchEvent<'a> {
    /// Take `index` (from 0) of `total` is being scored.
    Scoring {
        /// Its index among the files.
        index: usize,
        /// How many files.
        total: usize,
        /// Its player's name.
        name: &'a str,
    },
    /// A take's report was written to `path` (`report` is whole, even with `summary_only`).
    Written {
        /// The report.
        report: &'a Report,
        /// Where it was written.
        path: &'a Path,
    },
    /// A take could not be scored; the batch goes on.
    Failed(&'a Failure),
}

/// A take that could not be scored, and why.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The take file.
    pub file: PathBuf,
    /// The error, with its causes.
    pub message: String,
}

impl fmt::Display for Failure {
    /// The message, preceded by the file unless it names it already.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display().to_string();
        if self.message.contains(&file) {
            f.write_str(&self.message)
        } else {
            write!(f, "{file}: {}", self.message)
        }
    }
}

/// What a batch produced.
#[derive(Debug)]
pub struct BatchOutcome {
    /// One row per take scored, in file order.
    pub rows: Vec<BatchRow>,
    /// The takes that could not be scored.
    pub failed: Vec<Failure>,
    /// The CSV summary written.
    pub summary: PathBuf,
}

/// How many takes [`score_folder`] scores in parallel before writing their reports in order:
/// bounds the reports held in memory at once.
const PARALLEL_CHUNK: usize = 64;

/// Scores every file with `score` (given the file and its player's name, see [`take_name`]),
/// writes each report to `out_dir/NAME.json` and the summary to `out_dir/summary.csv`. With
/// `summary_only`, the reports are written without their per-bar tables and per-note detail
/// ([`Report::leave_out_bars_and_detail`]). A take that fails is reported through `watch` and in
/// the outcome, and the batch goes on; a file that cannot be written stops it.
///
/// Takes are scored and their reports serialised in parallel (rayon's threads, in chunks of
/// `PARALLEL_CHUNK`); the files are written, and `watch` told, in file order, so everything
/// written is the same as scoring one take after the other.
pub fn score_folder<E: fmt::Display + Send>(
    files: &[PathBuf],
    out_dir: &Path,
    summary_only: bool,
    score: impl Fn(&Path, &str) -> Result<Report, E> + Sync,
    mut watch: impl FnMut(BatchEvent<'_>),
) -> Result<BatchOutcome, BatchError> {
    use rayon::prelude::*;
    std::fs::create_dir_all(out_dir).map_err(|source| BatchError::CreateFolder {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for (chunk_index, chunk) in files.chunks(PARALLEL_CHUNK).enumerate() {
        let scored: Vec<(String, Scored<E>)> = chunk
            .par_iter()
            .map(|file| {
                let name = take_name(file);
                let result = score(file, &name).map(|mut report| {
                    let json = json_of(&mut report, summary_only);
                    (report, json)
                });
                (name, result)
            })
            .collect();
        for (k, (file, (name, result))) in chunk.iter().zip(scored).enumerate() {
            watch(BatchEvent::Scoring {
                index: chunk_index * PARALLEL_CHUNK + k,
                total: files.len(),
                name: &name,
            });
            match result {
                Ok((report, json)) => {
                    let path = out_dir.join(format!("{name}.json"));
                    write_whole(&path, &json)?;
                    if let Some(p) = report.players.first() {
                        rows.push(BatchRow::of(p, &path));
                    }
                    watch(BatchEvent::Written {
                        report: &report,
                        path: &path,
                    });
                }
                Err(e) => {
                    let failure = Failure {
                        file: file.clone(),
                        message: format!("{e:#}"),
                    };
                    watch(BatchEvent::Failed(&failure));
                    failed.push(failure);
                }
            }
        }
    }
    let summary = out_dir.join(SUMMARY_CSV);
    let mut csv = Vec::new();
    write_csv(&rows, &mut csv).map_err(|e| BatchError::Write {
        path: summary.clone(),
        source: e.into(),
    })?;
    write_whole(&summary, &csv)?;
    Ok(BatchOutcome {
        rows,
        failed,
        summary,
    })
}

/// A take's report and its JSON, or why it could not be scored.
type Scored<E> = Result<(Report, Vec<u8>), E>;

/// The JSON of a report, short with `summary_only`; the report is left whole.
fn json_of(report: &mut Report, summary_only: bool) -> Vec<u8> {
    let left_out = summary_only.then(|| report.leave_out_bars_and_detail());
    let mut json = Vec::new();
    // Writing to a Vec cannot fail, and serialising a report's plain structs cannot either.
    let _ = report.write_json(&mut json);
    if let Some(left_out) = left_out {
        report.put_back(left_out);
    }
    json
}

/// [`crate::formats::write_whole`], its error naming the file.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), BatchError> {
    crate::formats::write_whole(path, bytes).map_err(|source| BatchError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// One line of the batch summary.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRow {
    /// The player (the take's file stem).
    pub name: String,
    /// Notes in the chart.
    pub notes: usize,
    /// Notes hit.
    pub matched: usize,
    /// Notes missed.
    pub misses: usize,
    /// Hits that matched no note.
    pub extras: usize,
    /// Matched notes, percent of the notes.
    pub accuracy_pct: Option<f64>,
    /// F-measure of hits against notes.
    pub f_measure: Option<f64>,
    /// Mean signed offset, ms (positive: late).
    pub mean_ms: Option<f64>,
    /// Standard deviation of the offsets, ms.
    pub sd_ms: Option<f64>,
    /// Points, percent of the maximum.
    pub points_pct: Option<f64>,
    /// Where the take's report was written.
    pub report: String,
}

impl BatchRow {
    /// The row of a player whose report was written to `path`.
    pub fn of(p: &PlayerReport, path: &Path) -> BatchRow {
        BatchRow {
            name: p.name.clone(),
            notes: p.notes,
            matched: p.matched,
            misses: p.misses,
            extras: p.extras,
            accuracy_pct: p.accuracy_pct,
            f_measure: p.f_measure,
            mean_ms: p.offset_ms.mean,
            sd_ms: p.offset_ms.sd,
            points_pct: p.points.pct,
            report: path.display().to_string(),
        }
    }
}

/// A figure with `decimals` decimals, or `-` when missing.
fn opt(v: Option<f64>, decimals: usize) -> String {
    v.filter(|v| v.is_finite())
        .map(|v| format!("{v:.decimals$}"))
        .unwrap_or_else(|| "-".into())
}

/// The summary as a table for the terminal, one line per row after a header.
pub fn table(rows: &[BatchRow]) -> String {
    let w = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut s = format!(
        "{:<w$}  {:>6} {:>8} {:>7} {:>6} {:>9} {:>9} {:>16} {:>8}\n",
        "take",
        "notes",
        "matched",
        "missed",
        "extra",
        "accuracy",
        "F-measure",
        "offset (ms)",
        "points"
    );
    for r in rows {
        let offset = match (r.mean_ms, r.sd_ms) {
            (Some(m), Some(sd)) => format!("{m:+.1} ± {sd:.1}"),
            (Some(m), None) => format!("{m:+.1}"),
            _ => "-".into(),
        };
        s.push_str(&format!(
            "{:<w$}  {:>6} {:>8} {:>7} {:>6} {:>9} {:>9} {:>16} {:>8}\n",
            r.name,
            r.notes,
            r.matched,
            r.misses,
            r.extras,
            format!("{} %", opt(r.accuracy_pct, 1)),
            opt(r.f_measure, 3),
            offset,
            format!("{} %", opt(r.points_pct, 1))
        ));
    }
    s
}

/// The header of the CSV summary.
pub const CSV_HEADER: [&str; 11] = [
    "take",
    "notes",
    "matched",
    "misses",
    "extras",
    "accuracy_pct",
    "f_measure",
    "offset_mean_ms",
    "offset_sd_ms",
    "points_pct",
    "report",
];

/// Writes the summary as CSV (RFC 4180 quoting, `\n` line ends; empty cells for missing
/// figures).
pub fn write_csv<W: std::io::Write>(rows: &[BatchRow], out: W) -> Result<(), csv::Error> {
    let cell = |v: Option<f64>| {
        v.filter(|v| v.is_finite())
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for r in rows {
        w.write_record([
            r.name.clone(),
            r.notes.to_string(),
            r.matched.to_string(),
            r.misses.to_string(),
            r.extras.to_string(),
            cell(r.accuracy_pct),
            cell(r.f_measure),
            cell(r.mean_ms),
            cell(r.sd_ms),
            cell(r.points_pct),
            r.report.clone(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, report: &str) -> BatchRow {
        BatchRow {
            name: name.into(),
            notes: 10,
            matched: 9,
            misses: 1,
            extras: 2,
            accuracy_pct: Some(90.0),
            f_measure: Some(0.857_142_857_142_857_1),
            mean_ms: Some(-3.5),
            sd_ms: None,
            points_pct: Some(f64::NAN),
            report: report.into(),
        }
    }

    #[test]
    fn csv_quotes_only_what_needs_quoting_and_leaves_missing_figures_empty() {
        let mut out = Vec::new();
        write_csv(
            &[row("lee", "out/lee.json"), row("a, \"b\"", "out/a\nb.json")],
            &mut out,
        )
        .expect("writes");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            "take,notes,matched,misses,extras,accuracy_pct,f_measure,offset_mean_ms,offset_sd_ms,points_pct,report\n\
             lee,10,9,1,2,90,0.8571428571428571,-3.5,,,out/lee.json\n\
             \"a, \"\"b\"\"\",10,9,1,2,90,0.8571428571428571,-3.5,,,\"out/a\nb.json\"\n",
            "RFC 4180 quoting, as the hand-written writer did"
        );
    }

    #[test]
    fn table_aligns_on_the_longest_name_and_marks_missing_figures() {
        let t = table(&[row("lee", "x"), row("sanae-alesis", "y")]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3, "{t}");
        assert!(lines[0].starts_with("take           notes"), "{t}");
        assert!(lines[1].starts_with("lee               10"), "{t}");
        assert!(
            lines[1].contains("90.0 %") && lines[1].contains("-3.5"),
            "{t}"
        );
        assert!(lines[1].ends_with("- %"), "NaN points print as -: {t}");
    }

    #[test]
    fn a_failure_names_its_file_once() {
        let f = |message: &str| {
            Failure {
                file: PathBuf::from("takes/x.mid"),
                message: message.into(),
            }
            .to_string()
        };
        assert_eq!(f("takes/x.mid: truncated"), "takes/x.mid: truncated");
        assert_eq!(f("no hits"), "takes/x.mid: no hits");
    }
}
