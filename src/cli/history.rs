//! The practice history on the command line: the `--history FILE` and `--no-history` flags of
//! `score` and `live`, the rows they add once their report is written ([`remember`]), and
//! `pocket history` (the table, `--json`, `--html`, and `import DIR`).

use super::output::write_file;
use super::usage::usage;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use pocket::history::{self, ChartMatch, Filter, History, HistoryError, HistoryJson, Progress};
use pocket::report::Report;
use std::path::{Path, PathBuf};

/// Where `score` and `live` remember each take.
#[derive(Debug, Args)]
pub struct HistoryFlags {
    /// The practice history database to add the takes to [default: $POCKET_HISTORY, else
    /// history.sqlite in your data directory, ~/.local/share/pocket on Linux].
    #[arg(long, value_name = "FILE", conflicts_with = "no_history")]
    history: Option<PathBuf>,
    /// Add nothing to the practice history.
    #[arg(long)]
    no_history: bool,
}

impl HistoryFlags {
    /// The database to add takes to, `None` with `--no-history`.
    pub fn database(&self) -> Result<Option<PathBuf>> {
        if self.no_history {
            return Ok(None);
        }
        location(self.history.as_deref()).map(Some)
    }
}

/// The database file: the flag's, else `$POCKET_HISTORY`, else the data directory's. A test
/// build of pocket (the `testing` feature, which `cargo test` turns on) refuses the data
/// directory, so that no test ever writes to its user's practice history.
fn location(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(file) = flag {
        return Ok(file.to_path_buf());
    }
    if cfg!(feature = "testing") && !history::named_by_env() {
        return Err(usage(
            "this pocket is a test build: name a practice history with POCKET_HISTORY=FILE or \
             --history FILE (or give --no-history), so that tests never touch yours",
        ));
    }
    history::default_path().ok_or_else(|| HistoryError::NoDataDir.into())
}

/// Adds the rows of reports just written (each with its JSON file) to the history in one
/// transaction. A failure never costs a report: it is a warning that names the database and
/// what to do.
pub fn remember(database: Option<&Path>, reports: &[(&Report, &Path)]) {
    let Some(db) = database else { return };
    if reports.iter().all(|(r, _)| r.chart.is_none()) {
        return;
    }
    let result = (|| -> Result<usize> {
        let mut keyed = Vec::with_capacity(reports.len());
        for (report, file) in reports {
            let (abs, at) = history::report_file_key(file)
                .with_context(|| format!("cannot read back {}", file.display()))?;
            keyed.push((*report, abs, at));
        }
        let refs: Vec<(&Report, &Path, i64)> = keyed
            .iter()
            .map(|(r, p, t)| (*r, p.as_path(), *t))
            .collect();
        Ok(History::open(db)?.add_reports(&refs)?)
    })();
    if let Err(e) = result {
        eprintln!(
            "warning: the practice history was not updated (the report is written): {e:#}{}",
            crate::flag_hint(&e)
        );
    }
}

/// `pocket history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    command: Option<HistoryCommand>,
    /// Only this player's takes.
    #[arg(long, value_name = "NAME")]
    player: Option<String>,
    /// Only takes of this song: a chart file (the same notes read from another file count
    /// as the same song).
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
    /// Only the N most recent takes (per player, a take of two players counts twice).
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Print the takes as JSON (docs/history.md) instead of a table.
    #[arg(long)]
    json: bool,
    /// Write the progress page here (a self-contained HTML file).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// The practice history database [default: $POCKET_HISTORY, else history.sqlite in your
    /// data directory].
    #[arg(long, value_name = "FILE", global = true)]
    history: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum HistoryCommand {
    /// Add every JSON report in a folder (and its subfolders) to the history: rebuilds it
    /// from the reports, which stay the source of truth. A report already in it is replaced.
    Import {
        /// The folder of reports.
        dir: PathBuf,
    },
}

/// Runs `pocket history`.
pub fn history_command(args: HistoryArgs) -> Result<()> {
    let db = location(args.history.as_deref())?;
    if let Some(HistoryCommand::Import { dir }) = &args.command {
        if args.json || args.html.is_some() || args.player.is_some() || args.chart.is_some() {
            return Err(usage(
                "import takes a folder only; show the history with pocket history [--json] \
                 [--html FILE] [--player NAME] [--chart FILE] afterwards",
            ));
        }
        let mut h = History::open(&db)?;
        let outcome = history::import_folder(&mut h, dir)?;
        for (file, why) in &outcome.skipped {
            eprintln!("warning: {} left out: {why}", file.display());
        }
        println!(
            "{} rows from {} reports added to {} ({} rows in all)",
            outcome.rows,
            outcome.reports,
            db.display(),
            h.count()?
        );
        return Ok(());
    }
    let chart = match &args.chart {
        Some(path) => {
            let chart =
                pocket::formats::load_chart(path, pocket::formats::ChartLoadOptions::default())?;
            Some(ChartMatch {
                notes_sha256: pocket::identity::notes_sha256(&chart),
                file_sha256: pocket::identity::file_sha256(path).ok(),
            })
        }
        None => None,
    };
    let filter = Filter {
        player: args.player.clone(),
        chart,
        limit: args.limit,
    };
    // Reading a history that does not exist yet makes no file.
    let rows = if db.exists() {
        History::open(&db)?.takes(&filter)?
    } else {
        Vec::new()
    };
    let name = db.display().to_string();
    if let Some(page) = &args.html {
        if page == Path::new("-") {
            return Err(usage("--html needs a file name"));
        }
        let html = pocket::html::render_progress(&Progress::from_rows(&rows), &name);
        write_file(page, html.as_bytes())?;
    }
    if args.json {
        let json = HistoryJson {
            format: history::HISTORY_FORMAT.to_string(),
            database: name,
            takes: rows,
        };
        print!("{}", json.to_json());
    } else {
        print!("{}", history::table(&rows, &name));
        if let Some(page) = &args.html {
            println!("\nprogress page written to {}", page.display());
        }
    }
    Ok(())
}
