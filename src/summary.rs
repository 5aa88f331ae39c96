//! The terminal summary: what `score`, `sync` and `demo` print for people.
//!
//! Plain text in aligned tables; with `color` on, headings are bold and grades green, yellow or
//! red (ANSI codes, added after padding so columns stay aligned). The binary turns colour on only
//! for a terminal and never when `NO_COLOR` is set. The sentences about feel and sync are shared
//! with the HTML page ([`crate::html`]).

use crate::lane::Lane;
use crate::report::{OffsetStats, PlayerReport, Report};
use crate::report::{PairingMode, SyncReport, Verdict};
use std::collections::BTreeSet;
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
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    /// Colours already padded text by a percentage grade.
    fn grade(&self, pct: Option<f64>, text: &str) -> String {
        match pct {
            Some(p) if p >= 95.0 => self.paint("32", text),
            Some(p) if p >= 80.0 => self.paint("33", text),
            Some(_) => self.paint("31", text),
            None => text.to_string(),
        }
    }
}

fn fmt_pct(p: Option<f64>) -> String {
    p.filter(|v| v.is_finite())
        .map(|v| format!("{v:.1} %"))
        .unwrap_or_else(|| "-".into())
}

fn fmt_ms(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map(|v| format!("{v:+.1}"))
        .unwrap_or_else(|| "-".into())
}

/// A window or tier edge for the heading: rounded to 0.1 ms, without a trailing `.0` (`34`,
/// `17.4`). The JSON settings keep the exact value.
fn ms_tenths(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

fn fmt_sd(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map(|v| format!("{v:.1}"))
        .unwrap_or_else(|| "-".into())
}

fn mean_sd(o: &OffsetStats) -> String {
    match (o.mean, o.sd) {
        (Some(m), Some(s)) => format!("{m:+.1} ± {s:.1} ms"),
        (Some(m), None) => format!("{m:+.1} ms"),
        _ => "-".into(),
    }
}

/// Words for a mean offset in ms (negative is early).
pub(crate) fn feel(mean: Option<f64>) -> &'static str {
    match mean {
        Some(m) if m <= -5.0 => "ahead of the beat",
        Some(m) if m >= 5.0 => "behind the beat",
        Some(_) => "right on the beat",
        None => "no matched notes",
    }
}

fn player_names(s: &SyncReport) -> (&str, &str) {
    (
        s.players.first().map(String::as_str).unwrap_or("a"),
        s.players.get(1).map(String::as_str).unwrap_or("b"),
    )
}

/// Who was ahead, in one sentence ("Sanae played 17.0 ms behind Lee on average.").
pub(crate) fn lead_sentence(s: &SyncReport) -> String {
    let (a, b) = player_names(s);
    if s.pairs == 0 {
        return "They shared no notes, so there is nothing to compare.".into();
    }
    let mean = s.asynchrony_ms.mean.unwrap_or(0.0);
    match &s.ahead.player {
        Some(p) => {
            let other = if p == a { b } else { a };
            let by = s.ahead.by_ms.unwrap_or(mean.abs());
            format!("{other} played {by:.1} ms behind {p} on average.")
        }
        None => format!("Neither was ahead on average ({mean:+.1} ms)."),
    }
}

/// The leader verdict, in one sentence.
pub(crate) fn leader_sentence(s: &SyncReport) -> String {
    let (a, b) = player_names(s);
    let alpha = |name: &str| {
        s.phase_correction
            .get(name)
            .and_then(|p| p.alpha)
            .filter(|v| v.is_finite())
    };
    let share = |v: Option<f64>| {
        v.map(|v| format!("{:.0} %", v * 100.0))
            .unwrap_or("-".into())
    };
    let reason = s.leader.reason.trim_end_matches('.');
    match (s.leader.verdict, &s.leader.player) {
        (Verdict::Leads, Some(p)) => {
            let other = if p == a { b } else { a };
            format!(
                "{p} leads: {other} corrects {} of each timing gap, {p} {}.",
                share(alpha(other)),
                share(alpha(p))
            )
        }
        (Verdict::Mutual, _) => format!(
            "Both adapt to each other: {a} corrects {} of each timing gap, {b} {}.",
            share(alpha(a)),
            share(alpha(b))
        ),
        _ if reason.is_empty() => "No clear leader.".into(),
        _ => format!("No clear leader: {reason}."),
    }
}

/// Left-aligned label column of the player block.
const LABEL: usize = 12;

fn player_block(out: &mut String, st: &Style, p: &PlayerReport, with_lanes: bool) {
    let _ = writeln!(out, "{}", st.bold(&format!("▸ {}", p.name)));
    let row = |out: &mut String, label: &str, text: String| {
        let _ = writeln!(out, "  {}{text}", st.dim(&format!("{label:<LABEL$}")));
    };
    row(
        out,
        "accuracy",
        format!(
            "{}  {} of {} notes   F-measure {}   points {}   longest streak {}",
            st.grade(p.accuracy_pct, &fmt_pct(p.accuracy_pct)),
            p.matched,
            p.notes,
            p.f_measure
                .filter(|f| f.is_finite())
                .map(|f| format!("{f:.3}"))
                .unwrap_or_else(|| "-".into()),
            fmt_pct(p.points.pct),
            p.longest_streak
        ),
    );
    let drift = match p.drift_ms_per_min.filter(|d| d.is_finite()) {
        Some(d) if d > 1.0 => format!("dragging {d:+.1} ms/min"),
        Some(d) if d < -1.0 => format!("rushing {d:+.1} ms/min"),
        Some(d) => format!("steady tempo ({d:+.1} ms/min)"),
        None => "-".into(),
    };
    row(
        out,
        "offset",
        format!(
            "{}, {} (median {}, mean |offset| {} ms); {}",
            mean_sd(&p.offset_ms),
            feel(p.offset_ms.mean),
            fmt_ms(p.offset_ms.median),
            fmt_sd(p.offset_ms.mae),
            drift
        ),
    );
    let t = &p.tiers;
    row(
        out,
        "tiers",
        format!(
            "perfect {}  great {}  good {}  poor {}  missed {}   (early {}, late {})",
            t.perfect, t.great, t.good, t.poor, p.misses, p.early, p.late
        ),
    );
    let e = &p.extras_by_kind;
    let mut kinds = format!("wrong drum {}, overhit {}", e.wrong_lane, e.overhit);
    if e.wrong_articulation > 0 {
        let _ = write!(kinds, ", wrong articulation {}", e.wrong_articulation);
    }
    row(out, "extra hits", format!("{} ({kinds})", p.extras));
    let filtered: usize = p.filtered.values().sum();
    if filtered > 0 || p.ignored_pedal_hits > 0 {
        let reasons: Vec<String> = p.filtered.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let mut text = format!("{filtered} filtered");
        if !reasons.is_empty() {
            let _ = write!(text, " ({})", reasons.join(", "));
        }
        if p.ignored_pedal_hits > 0 {
            let n = p.ignored_pedal_hits;
            let _ = write!(text, ", {n} foot chick{}", if n == 1 { "" } else { "s" });
        }
        row(out, "not counted", text);
    }
    if with_lanes {
        lane_table(out, st, std::slice::from_ref(p));
    }
}

/// One row per lane; for each player accuracy, offset and extras side by side.
fn lane_table(out: &mut String, st: &Style, players: &[PlayerReport]) {
    let lanes: BTreeSet<Lane> = players
        .iter()
        .flat_map(|p| p.lanes.keys().copied())
        .collect();
    if lanes.is_empty() {
        return;
    }
    const COL: usize = 9 + 17 + 6 + 2;
    if players.len() > 1 {
        let mut names = format!("  {:<12} {:>6} ", "", "");
        for p in players {
            let name: String = p.name.chars().take(COL - 2).collect();
            let _ = write!(names, " {name:^w$}", w = COL - 1);
        }
        let _ = writeln!(out, "{}", st.bold(names.trim_end()));
    }
    let mut head = format!("  {:<12} {:>6} ", "lane", "notes");
    for _ in players {
        let _ = write!(head, "  {:>9} {:>17} {:>5}", "accuracy", "offset", "extra");
    }
    let _ = writeln!(out, "{}", st.dim(head.trim_end()));
    for lane in lanes {
        let notes = players
            .iter()
            .filter_map(|p| p.lanes.get(&lane))
            .map(|l| l.notes)
            .max()
            .unwrap_or(0);
        let mut line = format!("  {:<12} {:>6} ", lane.name(), notes);
        for p in players {
            match p.lanes.get(&lane) {
                Some(l) => {
                    let acc = format!("{:>9}", fmt_pct(l.accuracy_pct));
                    let _ = write!(
                        line,
                        "  {} {:>17} {:>5}",
                        st.grade(l.accuracy_pct, &acc),
                        mean_sd(&l.offset_ms),
                        l.extras
                    );
                }
                None => {
                    let _ = write!(line, "  {:>9} {:>17} {:>5}", "-", "-", "-");
                }
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// The span scored, when it is not the whole chart.
fn span_line(from: Option<f64>, until: Option<f64>) -> Option<String> {
    match (from, until) {
        (None, None) => None,
        (None, Some(u)) => Some(format!(
            "Played until {u:.1} s: only the notes due by then are scored"
        )),
        (Some(f), Some(u)) => Some(format!(
            "Played from {f:.1} s until {u:.1} s: only the notes due then are scored"
        )),
        (Some(f), None) => Some(format!(
            "Played from {f:.1} s: only the notes due from then on are scored"
        )),
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
            let d = if c.duration_s.is_finite() {
                c.duration_s.max(0.0).round() as i64
            } else {
                0
            };
            let _ = writeln!(out, "{}", st.bold(&title));
            let _ = writeln!(
                out,
                "{} notes, {}:{:02}, timing {} (window ±{} ms; perfect ≤{}, great ≤{}, good ≤{})",
                c.notes,
                d / 60,
                d % 60,
                report.settings.timing,
                ms_tenths(report.settings.window_ms),
                ms_tenths(report.settings.tiers_ms.perfect),
                ms_tenths(report.settings.tiers_ms.great),
                ms_tenths(report.settings.tiers_ms.good)
            );
            if let Some(line) = span_line(
                report.settings.played_from_s,
                report.settings.played_until_s,
            ) {
                let _ = writeln!(out, "{}", st.bold(&line));
            }
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
                fmt_ms(Some(p.offset_hands_ms)),
                fmt_ms(Some(p.offset_feet_ms))
            ));
        }
        if let Some(a) = p.auto_align_ms {
            parts.push(format!("auto-aligned by {a:+.1} ms"));
        }
        if !parts.is_empty() {
            let _ = writeln!(out, "{}: {}", p.name, parts.join("; "));
        }
    }
    let several = report.players.len() > 1;
    for p in &report.players {
        out.push('\n');
        player_block(&mut out, &st, p, !several);
    }
    if several {
        out.push('\n');
        let _ = writeln!(out, "{}", st.bold("▸ Per lane"));
        lane_table(&mut out, &st, &report.players);
    }
    if let Some(sync) = &report.sync {
        out.push('\n');
        sync_block(&mut out, &st, sync);
    }
    out
}

/// The sync summary in plain words.
fn sync_block(out: &mut String, st: &Style, s: &SyncReport) {
    let (a, b) = player_names(s);
    let _ = writeln!(out, "{}", st.bold(&format!("▸ Together: {a} and {b}")));
    let what = match s.mode {
        PairingMode::Chart => "shared notes",
        PairingMode::SameLane | PairingMode::AllLanes => "paired onsets",
    };
    if s.pairs == 0 {
        let _ = writeln!(out, "  no {what}: nothing to compare");
        return;
    }
    let _ = writeln!(
        out,
        "  {} (asynchrony {} ± {} ms, rms {} ms)",
        lead_sentence(s).trim_end_matches('.'),
        fmt_ms(s.asynchrony_ms.mean),
        fmt_sd(s.asynchrony_ms.sd),
        fmt_sd(s.asynchrony_ms.rms)
    );
    let share = |f: Option<f64>| {
        f.filter(|v| v.is_finite())
            .map(|v| format!("{:.0} %", v * 100.0))
            .unwrap_or("-".into())
    };
    let _ = writeln!(
        out,
        "  Of {} {what}, {} sounded as one stroke (within 20 ms), {} as a flam (20-50 ms), {} apart.",
        s.pairs,
        share(s.bands.together),
        share(s.bands.loose),
        share(s.bands.apart)
    );
    let _ = writeln!(
        out,
        "  Within 10 / 20 / 50 ms of each other (cumulative): {} / {} / {}.",
        share(s.within.ms10),
        share(s.within.ms20),
        share(s.within.ms50)
    );
    let score = s.score.filter(|v| v.is_finite());
    let score_text = score.map(|v| format!("{v:.0}/100")).unwrap_or("-".into());
    let _ = writeln!(
        out,
        "  Sync score {}. Only {a} played {}, only {b} {}.",
        st.grade(score, &score_text),
        s.only_a,
        s.only_b
    );
    let _ = writeln!(out, "  {}", st.bold(&leader_sentence(s)));
    if let Some(d) = s.tempo.mean_abs_bpm_diff.filter(|d| d.is_finite()) {
        let _ = writeln!(
            out,
            "  Tempo: the two differed by {d:.1} BPM per bar on average (largest {:.1} BPM).",
            s.tempo.max_abs_bpm_diff.unwrap_or(d)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo_report() -> Report {
        crate::demo::Demo::load().expect("demo loads").report(false)
    }

    #[test]
    fn tier_edges_are_rounded_to_a_tenth_of_a_millisecond() {
        assert_eq!(ms_tenths(34.0), "34");
        assert_eq!(ms_tenths(17.435897), "17.4");
        assert_eq!(ms_tenths(116.96), "117");
        assert_eq!(ms_tenths(0.25), "0.3");
    }

    #[test]
    fn plain_text_has_no_escape_codes_and_colour_has_them() {
        let r = demo_report();
        let plain = render(&r, false);
        assert!(
            !plain.contains('\x1b'),
            "plain text must not carry ANSI codes"
        );
        assert!(
            render(&r, true).contains("\x1b[1m"),
            "colour output uses ANSI codes"
        );
    }

    #[test]
    fn two_players_get_blocks_a_shared_lane_table_and_sync_words() {
        let r = demo_report();
        let text = render(&r, false);
        for needle in [
            "▸ Lee",
            "▸ Sanae",
            "▸ Per lane",
            "▸ Together: Lee and Sanae",
            "F-measure",
            "wrong drum",
            "sounded as one stroke",
            "Sync score",
        ] {
            assert!(text.contains(needle), "summary lacks {needle:?}:\n{text}");
        }
        let kick = text
            .lines()
            .find(|l| l.trim_start().starts_with("kick"))
            .expect("a kick row");
        assert_eq!(
            kick.matches('%').count(),
            2,
            "one accuracy per player on the kick row: {kick}"
        );
    }

    #[test]
    fn coloured_lane_rows_stay_aligned() {
        let r = demo_report();
        let strip = |s: &str| {
            let mut out = String::new();
            let mut esc = false;
            for ch in s.chars() {
                match (esc, ch) {
                    (false, '\x1b') => esc = true,
                    (true, 'm') => esc = false,
                    (true, _) => {}
                    (false, c) => out.push(c),
                }
            }
            out
        };
        assert_eq!(strip(&render(&r, true)), render(&r, false));
    }

    #[test]
    fn counts_agree_in_number_and_offsets_are_rounded_alike() {
        let mut r = demo_report();
        r.players[0].ignored_pedal_hits = 1;
        r.settings.players[0].offset_hands_ms = 0.26;
        r.settings.players[0].offset_feet_ms = 6.342;
        let text = render(&r, false);
        assert!(
            text.contains(", 1 foot chick\n") || text.contains(", 1 foot chick "),
            "{text}"
        );
        assert!(!text.contains("1 foot chicks"), "{text}");
        assert!(
            text.contains("offset hands +0.3 ms, feet +6.3 ms"),
            "{text}"
        );
        r.players[0].ignored_pedal_hits = 2;
        assert!(render(&r, false).contains(", 2 foot chicks"));
    }

    #[test]
    fn sync_shows_the_bands_and_the_cumulative_shares_each_labelled() {
        let text = render(&demo_report(), false);
        assert!(text.contains("as a flam (20-50 ms)"), "{text}");
        assert!(
            text.contains("Within 10 / 20 / 50 ms of each other (cumulative): "),
            "{text}"
        );
    }

    #[test]
    fn one_player_gets_the_lane_table_under_their_name() {
        let mut r = demo_report();
        r.players.truncate(1);
        r.sync = None;
        let text = render(&r, false);
        assert!(!text.contains("▸ Per lane"), "{text}");
        let head = text
            .lines()
            .find(|l| l.trim_start().starts_with("lane"))
            .expect("a lane table header");
        for col in ["notes", "accuracy", "offset", "extra"] {
            assert!(head.contains(col), "lane header lacks {col}: {head}");
        }
    }
}
