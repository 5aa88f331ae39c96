//! The `pocket` command. Parses arguments, calls one function per command, maps errors to exit
//! codes (docs/cli.md): 0 success, 1 an input could not be read or an output written,
//! 2 bad usage.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("pocket: {err:#}{}", flag_hint(&err));
            if err.downcast_ref::<cli::UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// The flag that does what an error asks for, to append to its message: the library says what
/// to do ("choose one of those difficulties"), the CLI says how.
fn flag_hint(err: &anyhow::Error) -> &'static str {
    use pocket::error::{InputError, Remedy};
    use pocket::html::HtmlError;
    use pocket::latency::LatencyError;
    use pocket::live::LiveError;
    for e in err.chain() {
        if let Some(HtmlError::NoDetail { .. }) = e.downcast_ref::<HtmlError>() {
            return " (--detail, or --html FILE, which turns detail on)";
        }
        if let Some(LatencyError::Unknown { .. }) = e.downcast_ref::<LatencyError>() {
            return " (pocket calibrate ... --save-latency NAME)";
        }
        if let Some(LiveError::NotBuilt) = e.downcast_ref::<LiveError>() {
            return " (--replay NAME=TAKE)";
        }
        if let Some(h) = e.downcast_ref::<pocket::history::HistoryError>() {
            if h.is_corrupt() {
                return " (pocket history import DIR)";
            }
        }
    }
    let remedy = err
        .chain()
        .find_map(|e| e.downcast_ref::<InputError>())
        .and_then(InputError::remedy);
    match remedy {
        Some(Remedy::GiveAsTake) => " (--player NAME=TAKE)",
        Some(Remedy::GiveAsChart) => " (--chart FILE)",
        Some(Remedy::ChooseDifficulty) => " (--difficulty)",
        Some(Remedy::ReadDoubleKick) => " (--double-kick)",
        Some(Remedy::ScoreFolder) => " (pocket score --takes DIR)",
        Some(Remedy::ChooseChartKit) => " (--chart-kit PROFILE|FILE)",
        Some(Remedy::NoChartKit) => " (leave out --chart-kit)",
        Some(Remedy::ChooseAudioChannel) => " (--player NAME=FILE.wav#audio-channel=N)",
        None => "",
    }
}

/// Whether an error is stdout's reader having gone away (see [`quiet_on_closed_stdout`]).
fn broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `pocket chart show song.json | head -1`: when the reader of stdout goes away, printing fails
/// with a broken pipe. That is the reader's choice, not an error: stop quietly, like other Unix
/// tools. Every file pocket writes is finished before the summary is printed.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info)
    }));
}
