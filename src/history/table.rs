//! `pocket history` in the terminal: the most recent takes, then each song and player's
//! progress from their first take to their latest.

use super::row::TakeRow;
use std::fmt::Write;

/// Most recent takes listed.
pub const RECENT_TAKES: usize = 20;

/// The table for rows (oldest first): the last [`RECENT_TAKES`] takes, then one line per song
/// and player. `database` names the file in the heading.
pub fn table(rows: &[TakeRow], database: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Practice history: {database} ({} {})",
        rows.len(),
        if rows.len() == 1 { "take" } else { "takes" }
    );
    if rows.is_empty() {
        out.push_str(
            "  nothing yet: takes are added when pocket score or pocket live write a report\n",
        );
        return out;
    }
    out.push_str("\nRecent takes\n");
    let _ = writeln!(
        out,
        "  {:<16}  {:<24}  {:<12}  {:<12}  {:>8}  {:>5}  {:>15}  {:>6}  {:>4}  {:>5}",
        "when", "song", "player", "with", "accuracy", "F", "offset ms", "extras", "sync", "span"
    );
    let start = rows.len().saturating_sub(RECENT_TAKES);
    for r in rows[start..].iter().rev() {
        let _ = writeln!(
            out,
            "  {:<16}  {:<24}  {:<12}  {:<12}  {:>8}  {:>5}  {:>15}  {:>6}  {:>4}  {:>5}",
            r.played_at_local,
            cut(&r.chart.title, 24),
            cut(&r.player, 12),
            cut(r.partner.as_deref().unwrap_or("-"), 12),
            pct(r.accuracy_pct),
            fixed(r.f_measure, 3),
            offset(r.offset_mean_ms, r.offset_sd_ms),
            r.extras,
            fixed(r.sync.as_ref().and_then(|s| s.score), 0),
            mmss(r.practice.played_s)
        );
    }
    out.push_str("\nPer song and player\n");
    let _ = writeln!(
        out,
        "  {:<24}  {:<12}  {:>5}  {:>8}  {:>8}  {:>8}  {:>9}  {:>7}",
        "song", "player", "takes", "first", "latest", "best", "offset ms", "minutes"
    );
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for r in rows {
        if !keys.contains(&(r.chart.song.as_str(), r.player.as_str())) {
            keys.push((r.chart.song.as_str(), r.player.as_str()));
        }
    }
    for (song, player) in keys {
        let takes: Vec<&TakeRow> = rows
            .iter()
            .filter(|r| r.chart.song == song && r.player == player)
            .collect();
        let (first, last) = (takes[0], takes[takes.len() - 1]);
        let best = takes
            .iter()
            .filter_map(|r| r.accuracy_pct)
            .fold(None, |b: Option<f64>, a| Some(b.map_or(a, |b| b.max(a))));
        let minutes: f64 = takes.iter().map(|r| r.practice.played_s).sum::<f64>() / 60.0;
        let _ = writeln!(
            out,
            "  {:<24}  {:<12}  {:>5}  {:>8}  {:>8}  {:>8}  {:>9}  {:>7.1}",
            cut(&last.chart.title, 24),
            cut(player, 12),
            takes.len(),
            pct(first.accuracy_pct),
            pct(last.accuracy_pct),
            pct(best),
            signed(last.offset_mean_ms),
            minutes
        );
    }
    out
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(width - 1).collect();
        s.push('…');
        s
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.1} %"))
}

fn fixed(v: Option<f64>, decimals: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.decimals$}"))
}

fn signed(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:+.1}"))
}

fn offset(mean: Option<f64>, sd: Option<f64>) -> String {
    match (mean, sd) {
        (Some(m), Some(s)) => format!("{m:+.1} ± {s:.1}"),
        (Some(m), None) => format!("{m:+.1}"),
        _ => "-".into(),
    }
}

fn mmss(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as i64;
    format!("{}:{:02}", s / 60, s % 60)
}
