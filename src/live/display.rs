//! The live display: per player the last judgement (tier and ±ms), the running hit rate, mean
//! offset and streak; with two players a sync meter. In free play (`pocket record`, no chart)
//! each player's last hit and their count of hits.
//!
//! The consumer hands [`DisplayEvent`]s over a bounded channel with `try_send`, so the display
//! never blocks it (when the terminal is slow, display updates are dropped, never events).
//! On a terminal the screen is redrawn at most [`MAX_REDRAWS_PER_S`] times a second; otherwise
//! each judgement is printed as one plain line.

use super::judge::{Judgement, Outcome, RunningStats};
use std::io::Write;
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Redraw rate limit on a terminal.
pub const MAX_REDRAWS_PER_S: u32 = 30;
/// Display updates that may wait before new ones are dropped.
const QUEUE: usize = 4096;

/// Something for the display.
#[derive(Debug, Clone)]
pub enum DisplayEvent {
    /// A player's hit or note was judged; `stats` are their running figures after it.
    Judged {
        /// Index of the player.
        player: usize,
        /// The judgement.
        judgement: Judgement,
        /// Running figures.
        stats: RunningStats,
    },
    /// The two players' mean asynchrony on notes both played (ms, positive = first player
    /// later) over the last notes, and how many notes it covers.
    Sync {
        /// Mean of (offset of player a − offset of player b), ms.
        mean_ms: f64,
        /// Notes in the mean.
        notes: u32,
    },
    /// A status line (count-in, a port lost or back, the stop).
    Status(String),
    /// A warning about one player that stays on screen under their row (their kit map does not
    /// read most of their notes).
    Warning {
        /// Index of the player.
        player: usize,
        /// What is wrong and what to do.
        text: String,
    },
}

/// The display thread and its queue.
#[derive(Debug)]
pub struct Display {
    tx: Option<SyncSender<DisplayEvent>>,
    thread: Option<JoinHandle<()>>,
    dropped: u64,
}

impl Display {
    /// Starts the display thread writing to `out`: redrawn in place when `tty`, else plain
    /// lines. `free_play` (no chart): hits are counted, not judged.
    pub fn spawn(
        names: Vec<String>,
        tty: bool,
        free_play: bool,
        out: Box<dyn Write + Send>,
    ) -> Display {
        let (tx, rx) = sync_channel(QUEUE);
        let screen = Screen {
            names,
            tty,
            free_play,
        };
        let thread = std::thread::Builder::new()
            .name("pocket-display".into())
            .spawn(move || run(screen, out, rx))
            .ok();
        Display {
            tx: Some(tx),
            thread,
            dropped: 0,
        }
    }

    /// A display that shows nothing (benches, tests).
    pub fn none() -> Display {
        Display {
            tx: None,
            thread: None,
            dropped: 0,
        }
    }

    /// Queues an update without ever blocking; a full queue drops it.
    pub fn send(&mut self, ev: DisplayEvent) {
        if let Some(tx) = &self.tx {
            match tx.try_send(ev) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                    self.dropped += 1
                }
            }
        }
    }

    /// Updates dropped because the display fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Shows what is queued and stops the thread.
    pub fn finish(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.finish();
    }
}

#[derive(Default, Clone)]
struct Row {
    last: String,
    stats: RunningStats,
    warning: String,
}

/// What the display shows, and how.
struct Screen {
    names: Vec<String>,
    tty: bool,
    free_play: bool,
}

impl Screen {
    /// The last judgement: in free play only the lane, since every hit is unjudged.
    fn describe(&self, j: &Judgement) -> String {
        if self.free_play {
            j.lane.name().to_string()
        } else {
            describe(j)
        }
    }

    /// The running figures: in free play the count of hits.
    fn figures(&self, s: &RunningStats) -> String {
        if self.free_play {
            format!("hits {}", s.extras)
        } else {
            figures(s)
        }
    }
}

fn describe(j: &Judgement) -> String {
    match j.outcome {
        Outcome::Hit { tier, offset, .. } => format!(
            "{:<9} {:<7} {:+6.1} ms",
            j.lane.name(),
            tier.name(),
            offset.as_millis_f64()
        ),
        Outcome::Extra => format!("{:<9} extra", j.lane.name()),
        Outcome::Miss { .. } => format!("{:<9} miss", j.lane.name()),
    }
}

fn figures(s: &RunningStats) -> String {
    format!(
        "rate {:5.1}% ({}/{})  mean {:+5.1} ms  streak {}",
        s.hit_rate() * 100.0,
        s.matched,
        s.notes_so_far,
        s.mean_offset_ms(),
        s.streak
    )
}

fn run(screen: Screen, mut out: Box<dyn Write + Send>, rx: Receiver<DisplayEvent>) {
    let Screen { names, tty, .. } = &screen;
    let tty = *tty;
    let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
    let mut rows = vec![Row::default(); names.len()];
    let mut sync: Option<(f64, u32)> = None;
    let mut status = String::new();
    let frame = Duration::from_secs(1) / MAX_REDRAWS_PER_S;
    let mut last_draw = Instant::now() - frame;
    let mut dirty = false;
    let mut drawn_lines = 0usize;
    loop {
        let ev = match rx.recv_timeout(frame) {
            Ok(ev) => Some(ev),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        if let Some(ev) = ev {
            dirty = true;
            match ev {
                DisplayEvent::Judged {
                    player,
                    judgement,
                    stats,
                } => {
                    let text = screen.describe(&judgement);
                    if !tty {
                        let name = names.get(player).map_or("?", String::as_str);
                        let _ = writeln!(out, "{name:<width$}  {text}  {}", screen.figures(&stats));
                    }
                    if let Some(r) = rows.get_mut(player) {
                        r.last = text;
                        r.stats = stats;
                    }
                }
                DisplayEvent::Sync { mean_ms, notes } => sync = Some((mean_ms, notes)),
                DisplayEvent::Status(s) => {
                    if !tty {
                        let _ = writeln!(out, "{s}");
                    }
                    status = s;
                }
                DisplayEvent::Warning { player, text } => {
                    let name = names.get(player).map_or("?", String::as_str);
                    if !tty {
                        let _ = writeln!(out, "{name:<width$}  ! {text}");
                    }
                    if let Some(r) = rows.get_mut(player) {
                        r.warning = text;
                    }
                }
            }
        }
        if tty && dirty && last_draw.elapsed() >= frame {
            drawn_lines = draw(&mut out, &screen, width, &rows, sync, &status, drawn_lines);
            last_draw = Instant::now();
            dirty = false;
        }
    }
    if tty {
        draw(&mut out, &screen, width, &rows, sync, &status, drawn_lines);
    }
    let _ = out.flush();
}

fn draw(
    out: &mut Box<dyn Write + Send>,
    screen: &Screen,
    width: usize,
    rows: &[Row],
    sync: Option<(f64, u32)>,
    status: &str,
    previous_lines: usize,
) -> usize {
    let mut text = String::new();
    if previous_lines > 0 {
        text.push_str(&format!("\x1b[{previous_lines}F"));
    }
    let names = &screen.names;
    let mut lines = 0;
    for (name, row) in names.iter().zip(rows) {
        text.push_str(&format!(
            "\x1b[2K{name:<width$}  {:<28} {}\n",
            row.last,
            screen.figures(&row.stats)
        ));
        lines += 1;
        if !row.warning.is_empty() {
            text.push_str(&format!("\x1b[2K{:width$}  ! {}\n", "", row.warning));
            lines += 1;
        }
    }
    if names.len() == 2 && !screen.free_play {
        let meter = match sync {
            Some((mean, n)) => sync_meter(mean, n, names),
            None => "sync      (no shared notes yet)".to_string(),
        };
        text.push_str(&format!("\x1b[2K{meter}\n"));
        lines += 1;
    }
    text.push_str(&format!("\x1b[2K{status}\n"));
    lines += 1;
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    lines
}

/// A text meter: `|` is together; the marker sits toward the player who is ahead.
fn sync_meter(mean_ms: f64, notes: u32, names: &[String]) -> String {
    const HALF: i64 = 10;
    let pos = (mean_ms / 2.0).round().clamp(-(HALF as f64), HALF as f64) as i64;
    let mut bar: Vec<char> = vec!['-'; (2 * HALF + 1) as usize];
    bar[HALF as usize] = '|';
    bar[(HALF + pos) as usize] = '#';
    let bar: String = bar.into_iter().collect();
    let lead = if mean_ms > 0.0 { &names[1] } else { &names[0] };
    format!(
        "sync      {} ahead [{bar}] {:+.1} ms over {notes} notes",
        lead, mean_ms
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lane::Lane;
    use crate::time::Nanos;
    use std::sync::{Arc, Mutex};

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("not poisoned").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn hit(player: usize, lane: Lane, hits: u32) -> DisplayEvent {
        DisplayEvent::Judged {
            player,
            judgement: Judgement {
                time: Nanos::ZERO,
                lane,
                outcome: Outcome::Extra,
            },
            stats: RunningStats {
                extras: hits,
                ..RunningStats::default()
            },
        }
    }

    fn shown(tty: bool, events: Vec<DisplayEvent>) -> String {
        let out = Shared::default();
        let names = vec!["Lee".to_string(), "Sanae".to_string()];
        let mut d = Display::spawn(names, tty, true, Box::new(out.clone()));
        for ev in events {
            d.send(ev);
        }
        d.finish();
        let bytes = out.0.lock().expect("not poisoned").clone();
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn free_play_shows_each_players_hits_as_they_arrive() {
        let lines = shown(
            false,
            vec![
                hit(0, Lane::Kick, 1),
                hit(1, Lane::Snare, 1),
                hit(0, Lane::Snare, 2),
            ],
        );
        assert_eq!(
            lines, "Lee    kick  hits 1\nSanae  snare  hits 1\nLee    snare  hits 2\n",
            "one plain line per hit off a terminal"
        );
        let screen = shown(true, vec![hit(0, Lane::Kick, 1), hit(1, Lane::Snare, 7)]);
        assert!(
            screen.contains("hits 1") && screen.contains("hits 7"),
            "{screen:?}"
        );
        assert!(
            !screen.contains("sync"),
            "no sync meter without a chart: {screen:?}"
        );
        assert!(
            !screen.contains("rate"),
            "no hit rate without a chart: {screen:?}"
        );
    }
}
