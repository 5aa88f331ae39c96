//! The terminal summary: what `score` and `demo` print for people.
//!
//! Plain text; with `color` on, headings and good/bad figures are coloured with ANSI codes. The
//! binary turns colour on only for a terminal and never when `NO_COLOR` is set.

use crate::report::{OffsetStats, PlayerReport, Report};
use crate::sync::{PairingMode, SyncReport};
use std::fmt::Write;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    fn grade(&self, pct: Option<f64>) -> String {
        let text = fmt_pct(pct);
        match pct {
            Some(p) if p >= 95.0 => self.paint("32", &text),
            Some(p) if p >= 80.0 => self.paint("33", &text),
            Some(_) => self.paint("31", &text),
            None => text,
        }
    }
}

fn fmt_pct(p: Option<f64>) -> String {
    p.map(|v| format!("{v:.1} %")).unwrap_or_else(|| "-".into())
}

fn fmt_ms(v: Option<f64>) -> String {
    v.map(|v| format!("{v:+.1}")).unwrap_or_else(|| "-".into())
}

fn fmt_sd(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "-".into())
}

fn mean_sd(o: &OffsetStats) -> String {
    match (o.mean, o.sd) {
        (Some(m), Some(s)) => format!("{m:+.1} ± {s:.1} ms"),
        (Some(m), None) => format!("{m:+.1} ms"),
        _ => "-".into(),
    }
}

/// Words for a mean offset.
fn feel(mean: Option<f64>) -> &'static str {
    match mean {
        Some(m) if m <= -5.0 => "ahead of the beat",
        Some(m) if m >= 5.0 => "behind the beat",
        Some(_) => "right on the beat",
        None => "no matched notes",
    }
}

fn player_block(out: &mut String, st: &Style, p: &PlayerReport) {
    let _ = writeln!(out, "{}", st.bold(&format!("▸ {}", p.name)));
    let _ = writeln!(
        out,
        "  accuracy {}   F-measure {}   points {}   longest streak {}",
        st.grade(p.accuracy_pct),
        p.f_measure
            .map(|f| format!("{f:.3}"))
            .unwrap_or_else(|| "-".into()),
        fmt_pct(p.points.pct),
        p.longest_streak
    );
    let _ = writeln!(
        out,
        "  notes {}  matched {}  missed {}  extra {} (wrong drum {}, overhit {}{})",
        p.notes,
        p.matched,
        p.misses,
        p.extras,
        p.extras_by_kind.wrong_lane,
        p.extras_by_kind.overhit,
        if p.extras_by_kind.wrong_articulation > 0 {
            format!(", wrong articulation {}", p.extras_by_kind.wrong_articulation)
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        out,
        "  tiers  perfect {}  great {}  good {}  poor {}   early {}  late {}",
        p.tiers.perfect, p.tiers.great, p.tiers.good, p.tiers.poor, p.early, p.late
    );
    let drift = match p.drift_ms_per_min {
        Some(d) if d > 1.0 => format!("dragging {d:+.1} ms/min"),
        Some(d) if d < -1.0 => format!("rushing {d:+.1} ms/min"),
        Some(d) => format!("steady {d:+.1} ms/min"),
        None => "-".into(),
    };
    let _ = writeln!(
        out,
        "  offset {} (median {}, mean |offset| {} ms), {}; {}",
        mean_sd(&p.offset_ms),
        fmt_ms(p.offset_ms.median),
        fmt_sd(p.offset_ms.mae),
        feel(p.offset_ms.mean),
        drift
    );
    let filtered: usize = p.filtered.values().sum();
    if filtered > 0 || p.ignored_pedal_hits > 0 {
        let reasons: Vec<String> = p.filtered.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let _ = writeln!(
            out,
            "  not counted: {} filtered ({}){}",
            filtered,
            if reasons.is_empty() {
                "-".into()
            } else {
                reasons.join(", ")
            },
            if p.ignored_pedal_hits > 0 {
                format!(", {} foot chicks", p.ignored_pedal_hits)
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(
        out,
        "  {:<12} {:>6} {:>8} {:>7} {:>6} {:>9} {:>16}",
        "lane", "notes", "matched", "missed", "extra", "accuracy", "offset"
    );
    for (lane, l) in &p.lanes {
        let _ = writeln!(
            out,
            "  {:<12} {:>6} {:>8} {:>7} {:>6} {:>9} {:>16}",
            lane.name(),
            l.notes,
            l.matched,
            l.misses,
            l.extras,
            fmt_pct(l.accuracy_pct),
            mean_sd(&l.offset_ms)
        );
    }
}

/// Renders a report as a terminal summary.
pub fn render(report: &Report, color: bool) -> String {
    let st = Style { color };
    let mut out = String::new();
    match &report.chart {
        Some(c) => {
            let title = if c.artist.is_empty() {
                c.title.clone()
            } else {
                format!("{} — {}", c.title, c.artist)
            };
            let _ = writeln!(out, "{}", st.bold(&title));
            let _ = writeln!(
                out,
                "{} notes, {:.0}:{:02.0}, timing {} (window ±{} ms; perfect ≤{}, great ≤{}, good ≤{})",
                c.notes,
                (c.duration_s / 60.0).floor(),
                c.duration_s % 60.0,
                report.settings.timing,
                report.settings.window_ms,
                report.settings.tiers_ms.perfect,
                report.settings.tiers_ms.great,
                report.settings.tiers_ms.good
            );
        }
        None => {
            let _ = writeln!(out, "{}", st.bold("Free play (no chart)"));
        }
    }
    for p in &report.settings.players {
        let mut parts = Vec::new();
        if p.offset_hands_ms != 0.0 || p.offset_feet_ms != 0.0 {
            parts.push(format!(
                "offset hands {} ms, feet {} ms",
                p.offset_hands_ms, p.offset_feet_ms
            ));
        }
        if let Some(a) = p.auto_align_ms {
            parts.push(format!("auto-aligned by {a:+.1} ms"));
        }
        if !parts.is_empty() {
            let _ = writeln!(out, "{}: {}", p.name, parts.join("; "));
        }
    }
    for p in &report.players {
        out.push('\n');
        player_block(&mut out, &st, p);
    }
    if let Some(sync) = &report.sync {
        out.push('\n');
        sync_block(&mut out, &st, sync);
    }
    out
}

/// The sync summary in plain words.
fn sync_block(out: &mut String, st: &Style, s: &SyncReport) {
    let (a, b) = (
        s.players.first().map(String::as_str).unwrap_or("a"),
        s.players.get(1).map(String::as_str).unwrap_or("b"),
    );
    let _ = writeln!(out, "{}", st.bold(&format!("▸ Together: {a} and {b}")));
    let what = match s.mode {
        PairingMode::Chart => "shared notes",
        PairingMode::SameLane | PairingMode::AllLanes => "paired onsets",
    };
    if s.pairs == 0 {
        let _ = writeln!(out, "  no {what}: nothing to compare");
        return;
    }
    let mean = s.asynchrony_ms.mean.unwrap_or(0.0);
    let lead_line = match &s.ahead.player {
        Some(p) => {
            let other = if p == a { b } else { a };
            format!("{other} played {:.1} ms behind {p} on average", mean.abs())
        }
        None => format!("neither was ahead on average ({mean:+.1} ms)"),
    };
    let pct = |f: Option<f64>| f.map(|v| format!("{:.0}%", v * 100.0)).unwrap_or("-".into());
    let _ = writeln!(
        out,
        "  {lead_line}; {} of {} {what} within 20 ms ({} within 10, {} within 50)",
        pct(s.within.ms20),
        s.pairs,
        pct(s.within.ms10),
        pct(s.within.ms50)
    );
    let _ = writeln!(
        out,
        "  asynchrony {} ± {} ms (rms {} ms); sync score {}; only {a} {}, only {b} {}",
        fmt_ms(s.asynchrony_ms.mean),
        fmt_sd(s.asynchrony_ms.sd),
        fmt_sd(s.asynchrony_ms.rms),
        s.score.map(|v| format!("{v:.0}/100")).unwrap_or("-".into()),
        s.only_a,
        s.only_b
    );
    let alpha = |name: &str| {
        s.phase_correction
            .get(name)
            .and_then(|p| p.alpha)
            .map(|v| format!("{v:.2}"))
            .unwrap_or("-".into())
    };
    let verdict = match (s.leader.verdict.as_str(), &s.leader.player) {
        ("leads", Some(p)) => format!("{p} leads"),
        ("mutual", _) => "both adapt to each other".to_string(),
        _ => "no clear leader".to_string(),
    };
    let _ = writeln!(
        out,
        "  {}: {a} corrects {} of each gap, {b} {}",
        st.bold(&verdict),
        alpha(a),
        alpha(b)
    );
    if let Some(d) = s.tempo.mean_abs_bpm_diff {
        let _ = writeln!(
            out,
            "  tempo: the two differed by {d:.1} BPM per bar on average (largest {:.1})",
            s.tempo.max_abs_bpm_diff.unwrap_or(d)
        );
    }
}
