//! The HTML report: one self-contained page of plots made from a JSON report alone.
//!
//! The page is plain HTML with inline CSS and hand-built inline SVG: no scripts, no fonts, no
//! network (a Content-Security-Policy forbids any fetch). Hand-built SVG keeps pocket free of a
//! plotting dependency, gives exact control over every mark (tier bands, miss marks, lane
//! colours as CSS classes) and keeps the file small: a point is one short `<circle>`.
//!
//! Every plotted number comes from the [`Report`]; the offset plots need the per-note detail
//! (`--detail`), so [`render`] refuses a report without it. Points are thinned only above
//! [`MAX_POINTS_PER_PLOT`] per plot (every k-th point, see [`thinning_step`]), and the page says
//! so. Layout and reading guide: docs/html-report.md.

use crate::lane::Lane;
use crate::report::SyncReport;
use crate::report::{NoteDetail, PlayerDetail, PlayerReport, Report, TierEdges};
use std::collections::BTreeSet;
use std::fmt::Write;

/// Most points drawn in one plot; above it every k-th point is kept ([`thinning_step`]).
pub const MAX_POINTS_PER_PLOT: usize = 20_000;

/// Points get a hover tooltip (`<title>`) only when a plot draws at most this many, to keep
/// long sessions' pages small.
pub const MAX_POINT_TOOLTIPS: usize = 5_000;

/// Why a report cannot be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HtmlError {
    /// Some players have no per-note detail.
    #[error(
        "the report has no per-note detail for {}: the HTML page plots every note, so re-run \
         the command with --detail (or with --html FILE, which turns detail on)",
        .players.join(", ")
    )]
    NoDetail {
        /// Names of the players without detail.
        players: Vec<String>,
    },
    /// No players and no sync section.
    #[error("the report holds no players and no sync section: there is nothing to plot")]
    Empty,
}

/// The thinning step for a plot of `points` points: 1 (draw all) up to
/// [`MAX_POINTS_PER_PLOT`], else k = ⌈points / MAX_POINTS_PER_PLOT⌉ (draw every k-th point in
/// note order, the first included).
pub fn thinning_step(points: usize) -> usize {
    points.div_ceil(MAX_POINTS_PER_PLOT).max(1)
}

/// Renders a report as one self-contained HTML page.
///
/// Every player must carry per-note detail ([`PlayerReport::detail`]); a chart-free sync report
/// (no players) draws the sync plots only.
pub fn render(report: &Report) -> Result<String, HtmlError> {
    let missing: Vec<String> = report
        .players
        .iter()
        .filter(|p| p.detail.is_none())
        .map(|p| p.name.clone())
        .collect();
    if !missing.is_empty() {
        return Err(HtmlError::NoDetail { players: missing });
    }
    if report.players.is_empty() && report.sync.is_none() {
        return Err(HtmlError::Empty);
    }
    let mut page = Page {
        out: String::with_capacity(64 * 1024),
        report,
        notes: Vec::new(),
    };
    page.write();
    Ok(page.out)
}

// ---------------------------------------------------------------------------------------------
// Text and numbers

/// Escapes text for HTML and SVG content and attribute values.
fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    s
}

/// A coordinate with at most one decimal, trailing `.0` dropped. Non-finite values (never
/// expected: inputs are filtered) become 0, so "NaN" cannot reach the page.
fn c(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let s = format!("{v:.1}");
    let s = s.strip_suffix(".0").unwrap_or(&s);
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A value for people: fixed decimals, a real minus sign, "–" when absent or not finite.
fn num(v: Option<f64>, decimals: usize) -> String {
    match v.filter(|v| v.is_finite()) {
        Some(v) => {
            let s = format!("{v:.decimals$}");
            let zero = s
                .trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.');
            match s.strip_prefix('-') {
                Some(rest) if !zero => format!("−{rest}"),
                Some(rest) => rest.to_string(),
                None => s,
            }
        }
        None => "–".into(),
    }
}

/// A signed value for people (`+6.3`, `−6.3`).
fn signed(v: Option<f64>, decimals: usize) -> String {
    let s = num(v, decimals);
    match v {
        Some(x)
            if x.is_finite() && !s.starts_with('−') && s.chars().any(|c| c != '0' && c != '.') =>
        {
            format!("+{s}")
        }
        _ => s,
    }
}

fn pct(v: Option<f64>) -> String {
    match v.filter(|v| v.is_finite()) {
        Some(_) => format!("{} %", num(v, 1)),
        None => "–".into(),
    }
}

/// Minutes and seconds, `2:46`.
fn mmss(seconds: f64) -> String {
    let s = if seconds.is_finite() {
        seconds.max(0.0).round() as i64
    } else {
        0
    };
    format!("{}:{:02}", s / 60, s % 60)
}

/// A finite positive value or the fallback.
fn positive_or(v: f64, fallback: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v
    } else {
        fallback
    }
}

/// Round tick values covering [lo, hi], about `target` of them, on a 1-2-2.5-5 grid.
fn ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![if lo.is_finite() { lo } else { 0.0 }];
    }
    let step = nice_step((hi - lo) / target.max(1) as f64);
    let first = (lo / step).ceil();
    (0..200)
        .map(|i| (first + i as f64) * step)
        .take_while(|t| *t <= hi + step * 1e-9)
        .collect()
}

/// The smallest of 1, 2, 2.5, 5 × 10^k at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag)
}

/// Decimals needed to print ticks of this step.
fn tick_decimals(step: f64) -> usize {
    if step >= 1.0 {
        0
    } else if step >= 0.1 {
        1
    } else {
        2
    }
}

/// Labelled ticks on a linear axis.
fn linear_ticks(lo: f64, hi: f64, target: usize) -> Vec<(f64, String)> {
    let t = ticks(lo, hi, target);
    let step = if t.len() > 1 { t[1] - t[0] } else { 1.0 };
    let d = tick_decimals(step);
    t.into_iter().map(|v| (v, num(Some(v), d))).collect()
}

/// Labelled ticks on a time axis in m:ss, on steps a person would choose.
fn time_ticks(lo: f64, hi: f64) -> Vec<(f64, String)> {
    let span = hi - lo;
    let step = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0,
    ]
    .into_iter()
    .find(|s| span / s <= 10.0)
    .unwrap_or(3600.0);
    let first = (lo / step).ceil();
    (0..200)
        .map(|i| (first + i as f64) * step)
        .take_while(|t| *t <= hi + 1e-9)
        .map(|t| (t, mmss(t)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Plot frames

/// A plot's canvas (SVG user units) and the data ranges its axes map.
#[derive(Debug, Clone, Copy)]
struct Frame {
    width: f64,
    height: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

const WIDTH: f64 = 960.0;

impl Frame {
    fn new(height: f64, margins: [f64; 4], x: (f64, f64), y: (f64, f64)) -> Frame {
        let [top, right, bottom, left] = margins;
        let fix = |(a, b): (f64, f64)| -> (f64, f64) {
            let a = if a.is_finite() { a } else { 0.0 };
            let b = if b.is_finite() { b } else { a + 1.0 };
            if b > a {
                (a, b)
            } else {
                (a - 0.5, a + 0.5)
            }
        };
        let (x0, x1) = fix(x);
        let (y0, y1) = fix(y);
        Frame {
            width: WIDTH,
            height,
            left,
            right,
            top,
            bottom,
            x0,
            x1,
            y0,
            y1,
        }
    }
    /// Left edge of the plotting area.
    fn px0(&self) -> f64 {
        self.left
    }
    /// Right edge of the plotting area.
    fn px1(&self) -> f64 {
        self.width - self.right
    }
    /// Top edge of the plotting area.
    fn py0(&self) -> f64 {
        self.top
    }
    /// Bottom edge of the plotting area.
    fn py1(&self) -> f64 {
        self.height - self.bottom
    }
    fn x(&self, v: f64) -> f64 {
        let f = ((v - self.x0) / (self.x1 - self.x0)).clamp(0.0, 1.0);
        let f = if f.is_finite() { f } else { 0.0 };
        self.px0() + f * (self.px1() - self.px0())
    }
    fn y(&self, v: f64) -> f64 {
        let f = ((v - self.y0) / (self.y1 - self.y0)).clamp(0.0, 1.0);
        let f = if f.is_finite() { f } else { 0.0 };
        self.py1() - f * (self.py1() - self.py0())
    }
}

/// Opens an `<svg>` plot.
fn svg_open(out: &mut String, id: &str, fr: &Frame, label: &str, data: &str) {
    let _ = write!(
        out,
        r#"<svg id="{id}" class="plot" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"{data}>"#,
        c(fr.width),
        c(fr.height),
        esc(label)
    );
}

/// Grid, tick labels and axis titles.
fn axes(
    out: &mut String,
    fr: &Frame,
    xt: &[(f64, String)],
    x_title: &str,
    yt: &[(f64, String)],
    y_title: &str,
) {
    out.push_str(r#"<g class="grid">"#);
    for (v, _) in yt {
        let y = c(fr.y(*v));
        let _ = write!(
            out,
            r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}"/>"#,
            c(fr.px0()),
            c(fr.px1())
        );
    }
    for (v, _) in xt {
        let x = c(fr.x(*v));
        let _ = write!(
            out,
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}"/>"#,
            c(fr.py0()),
            c(fr.py1())
        );
    }
    out.push_str("</g>");
    let _ = write!(
        out,
        r#"<path class="frame" d="M{} {}V{}H{}"/>"#,
        c(fr.px0()),
        c(fr.py0()),
        c(fr.py1()),
        c(fr.px1())
    );
    out.push_str(r#"<g class="tick">"#);
    for (v, label) in yt {
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="end" dy="0.32em">{}</text>"#,
            c(fr.px0() - 7.0),
            c(fr.y(*v)),
            esc(label)
        );
    }
    for (v, label) in xt {
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            c(fr.x(*v)),
            c(fr.py1() + 17.0),
            esc(label)
        );
    }
    out.push_str("</g>");
    let _ = write!(
        out,
        r#"<text class="axis-title" x="{}" y="{}" text-anchor="middle">{}</text>"#,
        c((fr.px0() + fr.px1()) / 2.0),
        c(fr.height - 8.0),
        esc(x_title)
    );
    let (yx, yy) = (16.0, (fr.py0() + fr.py1()) / 2.0);
    let _ = write!(
        out,
        r#"<text class="axis-title" x="{}" y="{}" text-anchor="middle" transform="rotate(-90 {} {})">{}</text>"#,
        c(yx),
        c(yy),
        c(yx),
        c(yy),
        esc(y_title)
    );
}

/// A polyline through the points, broken where a point is missing.
fn broken_path(fr: &Frame, points: &[Option<(f64, f64)>]) -> String {
    let mut d = String::new();
    let mut pen_down = false;
    for p in points {
        match p {
            Some((x, y)) if x.is_finite() && y.is_finite() => {
                let _ = write!(
                    d,
                    "{}{} {}",
                    if pen_down { "L" } else { "M" },
                    c(fr.x(*x)),
                    c(fr.y(*y))
                );
                pen_down = true;
            }
            _ => pen_down = false,
        }
    }
    d
}

// ---------------------------------------------------------------------------------------------
// Colours and names

/// Colour class of a player (by position).
fn player_class(i: usize) -> String {
    format!("p{}", i % 4)
}

/// CSS colour rules: lanes (fill for SVG, background for legend swatches), players, tiers.
fn colour_css() -> String {
    const LANES: [(&str, &str); 14] = [
        ("kick", "#1d4ed8"),
        ("snare", "#dc2626"),
        ("hihat", "#d97706"),
        ("hihat_pedal", "#92400e"),
        ("tom1", "#059669"),
        ("tom2", "#0891b2"),
        ("tom3", "#65a30d"),
        ("tom4", "#166534"),
        ("crash", "#7c3aed"),
        ("crash2", "#c026d3"),
        ("ride", "#db2777"),
        ("splash", "#0e7490"),
        ("china", "#78350f"),
        ("any", "#475569"),
    ];
    const PLAYERS: [&str; 4] = ["#2563eb", "#ea580c", "#16a34a", "#9333ea"];
    let mut css = String::new();
    for (name, colour) in LANES {
        let _ = writeln!(css, ".l-{name}{{fill:{colour};background:{colour}}}");
    }
    for (i, colour) in PLAYERS.iter().enumerate() {
        let _ = writeln!(
            css,
            ".p{i},.sw.p{i}{{fill:{colour};stroke:{colour};background:{colour}}}path.p{i}{{fill:none}}"
        );
    }
    css
}

/// Tier of an offset (by magnitude) under the report's edges.
fn tier_of(abs_ms: f64, t: &TierEdges) -> &'static str {
    if abs_ms <= t.perfect {
        "perfect"
    } else if abs_ms <= t.great {
        "great"
    } else if abs_ms <= t.good {
        "good"
    } else {
        "poor"
    }
}

/// Lanes a player's detail touches, in lane order.
fn lanes_in(detail: &PlayerDetail) -> Vec<Lane> {
    let set: BTreeSet<Lane> = detail.notes.iter().map(|n| n.lane).collect();
    set.into_iter().collect()
}

fn legend_lanes(out: &mut String, lanes: &[Lane], misses: bool, bar_mean: bool) {
    out.push_str(r#"<div class="legend">"#);
    for l in lanes {
        let _ = write!(
            out,
            r#"<span><i class="sw dot l-{0}"></i>{0}</span>"#,
            l.name()
        );
    }
    if bar_mean {
        out.push_str(r#"<span><i class="sw line"></i>mean per bar</span>"#);
    }
    if misses {
        out.push_str(r#"<span><i class="sw miss">×</i>missed note</span>"#);
    }
    out.push_str("</div>");
}

// ---------------------------------------------------------------------------------------------
// The page

struct Page<'a> {
    out: String,
    report: &'a Report,
    /// Notes for the footer (thinning, missing data).
    notes: Vec<String>,
}

impl Page<'_> {
    fn write(&mut self) {
        let r = self.report;
        let title = match &r.chart {
            Some(ch) if !ch.title.is_empty() => ch.title.clone(),
            Some(_) => "Untitled chart".to_string(),
            None => "Free play (no chart)".to_string(),
        };
        let _ = write!(
            self.out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
             <meta name=\"generator\" content=\"{} {}\">\n<title>{} · pocket report</title>\n<style>\n{}{}</style>\n</head>\n<body>\n<main>\n",
            esc(&r.generator.name),
            esc(&r.generator.version),
            esc(&title),
            BASE_CSS,
            colour_css()
        );
        self.header(&title);
        self.cards();
        for (i, p) in r.players.iter().enumerate() {
            if let Some(d) = &p.detail {
                self.player_section(i, p, d);
            }
        }
        if r.players.iter().any(|p| !p.lanes.is_empty()) {
            self.lane_section();
        }
        if let Some(s) = &r.sync {
            self.sync_section(s);
        }
        self.tempo_section();
        self.footer();
        self.out.push_str("</main>\n</body>\n</html>\n");
    }

    fn header(&mut self, title: &str) {
        let r = self.report;
        let _ = write!(
            self.out,
            "<header>\n<p class=\"kicker\">pocket report</p>\n<h1>{}</h1>\n",
            esc(title)
        );
        let mut meta: Vec<String> = Vec::new();
        if let Some(ch) = &r.chart {
            if !ch.artist.is_empty() {
                meta.push(esc(&ch.artist));
            }
            if !ch.charter.is_empty() && ch.charter != ch.artist {
                meta.push(format!("charted by {}", esc(&ch.charter)));
            }
            meta.push(format!("{} notes", ch.notes));
            meta.push(mmss(ch.duration_s));
        }
        let t = &r.settings.tiers_ms;
        if r.chart.is_some() {
            meta.push(format!(
                "timing {} (window ±{} ms; perfect ≤ {}, great ≤ {}, good ≤ {} ms)",
                esc(r.settings.timing.name()),
                num(Some(r.settings.window_ms), 0),
                num(Some(t.perfect), 0),
                num(Some(t.great), 0),
                num(Some(t.good), 0)
            ));
        } else {
            meta.push(format!(
                "pairing window ±{} ms",
                num(Some(r.settings.window_ms), 0)
            ));
        }
        let _ = writeln!(
            self.out,
            "<p class=\"meta\">{}</p>\n</header>",
            meta.join(" · ")
        );
    }

    /// Headline numbers per player and the sync verdict.
    fn cards(&mut self) {
        let r = self.report;
        self.out.push_str("<section class=\"cards\">\n");
        for (i, p) in r.players.iter().enumerate() {
            self.player_card(i, p);
        }
        if let Some(s) = &r.sync {
            self.sync_card(s);
        }
        self.out.push_str("</section>\n");
    }

    fn player_card(&mut self, i: usize, p: &PlayerReport) {
        let o = &mut self.out;
        let _ = write!(
            o,
            "<article class=\"card\"><h2><i class=\"sw dot {}\"></i>{}</h2>\
             <p class=\"big\">{}</p><p class=\"under\">{} of {} notes matched</p>",
            player_class(i),
            esc(&p.name),
            pct(p.accuracy_pct),
            p.matched,
            p.notes
        );
        let t = &p.tiers;
        let total = (t.perfect + t.great + t.good + t.poor + p.misses).max(1) as f64;
        o.push_str("<div class=\"tierbar\" aria-hidden=\"true\">");
        for (name, n) in [
            ("perfect", t.perfect),
            ("great", t.great),
            ("good", t.good),
            ("poor", t.poor),
            ("miss", p.misses),
        ] {
            if n > 0 {
                let _ = write!(
                    o,
                    "<span class=\"t-{name}\" style=\"width:{}%\" title=\"{name} {n}\"></span>",
                    c(100.0 * n as f64 / total)
                );
            }
        }
        o.push_str("</div><p class=\"tiers\">");
        for (name, n) in [
            ("perfect", t.perfect),
            ("great", t.great),
            ("good", t.good),
            ("poor", t.poor),
            ("miss", p.misses),
        ] {
            let _ = write!(
                o,
                "<span><i class=\"sw t-{name}\"></i>{name} <b>{n}</b></span>"
            );
        }
        o.push_str("</p><dl>");
        let drift = match p.drift_ms_per_min.filter(|d| d.is_finite()) {
            Some(d) if d > 1.0 => format!("dragging {} ms/min", signed(Some(d), 1)),
            Some(d) if d < -1.0 => format!("rushing {} ms/min", signed(Some(d), 1)),
            Some(d) => format!("steady ({} ms/min)", signed(Some(d), 1)),
            None => "–".into(),
        };
        let e = &p.extras_by_kind;
        let mut extras = format!(
            "{} (wrong drum {}, overhit {}",
            p.extras, e.wrong_lane, e.overhit
        );
        if e.wrong_articulation > 0 {
            let _ = write!(extras, ", wrong articulation {}", e.wrong_articulation);
        }
        extras.push(')');
        let rows = [
            (
                "offset",
                format!(
                    "{} ± {} ms, {}",
                    signed(p.offset_ms.mean, 1),
                    num(p.offset_ms.sd, 1),
                    crate::summary::feel(p.offset_ms.mean)
                ),
            ),
            ("early / late", format!("{} / {}", p.early, p.late)),
            ("F-measure", num(p.f_measure, 3)),
            (
                "points",
                format!(
                    "{} ({} of {})",
                    pct(p.points.pct),
                    p.points.score,
                    p.points.max
                ),
            ),
            ("extra hits", extras),
            ("longest streak", format!("{} notes", p.longest_streak)),
            ("tempo drift", drift),
        ];
        for (k, v) in rows {
            let _ = write!(o, "<dt>{k}</dt><dd>{v}</dd>");
        }
        o.push_str("</dl></article>\n");
    }

    fn sync_card(&mut self, s: &SyncReport) {
        let o = &mut self.out;
        let _ = write!(
            o,
            "<article class=\"card together\"><h2>Together</h2><p class=\"big\">{}</p>\
             <p class=\"under\">sync score out of 100</p>",
            num(s.score, 0)
        );
        let _ = write!(
            o,
            "<p class=\"lead\">{}</p>",
            esc(&crate::summary::lead_sentence(s))
        );
        let _ = write!(
            o,
            "<p class=\"verdict\"><b>Who leads:</b> {}</p>",
            esc(&crate::summary::leader_sentence(s))
        );
        let share = |f: Option<f64>| pct(f.map(|v| v * 100.0));
        let rows = [
            (
                "asynchrony",
                format!(
                    "{} ± {} ms (rms {} ms)",
                    signed(s.asynchrony_ms.mean, 1),
                    num(s.asynchrony_ms.sd, 1),
                    num(s.asynchrony_ms.rms, 1)
                ),
            ),
            ("pairs", s.pairs.to_string()),
            (
                "within 10 / 20 / 50 ms",
                format!(
                    "{} / {} / {}",
                    share(s.within.ms10),
                    share(s.within.ms20),
                    share(s.within.ms50)
                ),
            ),
            (
                "played by one only",
                format!(
                    "{} {}, {} {}",
                    esc(s.players.first().map(String::as_str).unwrap_or("a")),
                    s.only_a,
                    esc(s.players.get(1).map(String::as_str).unwrap_or("b")),
                    s.only_b
                ),
            ),
            (
                "tempo difference",
                match s.tempo.mean_abs_bpm_diff {
                    Some(d) if d.is_finite() => format!(
                        "{} BPM per bar on average (largest {})",
                        num(Some(d), 1),
                        num(s.tempo.max_abs_bpm_diff, 1)
                    ),
                    _ => "–".into(),
                },
            ),
        ];
        o.push_str("<dl>");
        for (k, v) in rows {
            let _ = write!(o, "<dt>{k}</dt><dd>{v}</dd>");
        }
        o.push_str("</dl></article>\n");
    }

    fn player_section(&mut self, i: usize, p: &PlayerReport, d: &PlayerDetail) {
        let _ = write!(
            self.out,
            "<section class=\"player\">\n<h2><i class=\"sw dot {}\"></i>{}</h2>\n",
            player_class(i),
            esc(&p.name)
        );
        self.offset_plot(i, p, d);
        self.histogram(i, p, d);
        self.out.push_str("</section>\n");
    }

    /// Offset against note time: a point per matched note, misses marked above.
    fn offset_plot(&mut self, i: usize, p: &PlayerReport, d: &PlayerDetail) {
        let r = self.report;
        let window = positive_or(r.settings.window_ms, 100.0);
        let tiers = r.settings.tiers_ms;
        let matched: Vec<(&NoteDetail, f64)> = d
            .notes
            .iter()
            .filter(|n| n.time_s.is_finite())
            .filter_map(|n| n.offset_ms.filter(|o| o.is_finite()).map(|o| (n, o)))
            .collect();
        let misses: Vec<&NoteDetail> = d
            .notes
            .iter()
            .filter(|n| n.offset_ms.is_none() && n.time_s.is_finite())
            .collect();
        let last_note = d
            .notes
            .iter()
            .map(|n| n.time_s)
            .filter(|t| t.is_finite())
            .fold(0.0, f64::max);
        let end = r
            .chart
            .as_ref()
            .map(|ch| ch.duration_s)
            .filter(|t| t.is_finite())
            .unwrap_or(0.0)
            .max(last_note)
            .max(1.0);
        let fr = Frame::new(
            330.0,
            [52.0, 70.0, 44.0, 64.0],
            (0.0, end),
            (-window, window),
        );
        let step = thinning_step(matched.len());
        let miss_step = thinning_step(misses.len());
        let drawn = matched.len().div_ceil(step);
        let drawn_misses = misses.len().div_ceil(miss_step);
        if step > 1 || miss_step > 1 {
            self.notes.push(format!(
                "{}: the timing plot draws one in every {} of {} matched notes and one in every {} of \
                 {} misses (at most {} points per plot); the histogram and all figures use every note.",
                esc(&p.name),
                step,
                matched.len(),
                miss_step,
                misses.len(),
                MAX_POINTS_PER_PLOT
            ));
        }

        let o = &mut self.out;
        let _ = write!(
            o,
            "<figure>\n<figcaption><b>Timing over the song.</b> One point per note played, at its time in \
             the song and how early (below 0) or late (above 0) it was; shading shows the tiers.</figcaption>\n"
        );
        legend_lanes(o, &lanes_in(d), !misses.is_empty(), !p.bars.is_empty());
        svg_open(
            o,
            &format!("offsets-{i}"),
            &fr,
            &format!("Offset of each note over time for {}", p.name),
            &format!(
                r#" data-player="{}" data-matched="{}" data-points="{drawn}" data-thinning="{step}" data-misses="{drawn_misses}""#,
                esc(&p.name),
                matched.len()
            ),
        );
        // Tier bands, widest first.
        let bands = [
            ("poor", window),
            ("good", tiers.good),
            ("great", tiers.great),
            ("perfect", tiers.perfect),
        ];
        o.push_str(r#"<g class="bands">"#);
        for (name, edge) in bands {
            if !(edge.is_finite() && edge > 0.0) {
                continue;
            }
            let e = edge.min(window);
            let _ = write!(
                o,
                r#"<rect class="band-{name}" x="{}" y="{}" width="{}" height="{}"/>"#,
                c(fr.px0()),
                c(fr.y(e)),
                c(fr.px1() - fr.px0()),
                c(fr.y(-e) - fr.y(e))
            );
        }
        o.push_str("</g>");
        // Band names in the right margin, centred on the late half of each band.
        let inner = [0.0, tiers.perfect, tiers.great, tiers.good, window];
        o.push_str(r#"<g class="band-label">"#);
        for (k, name) in ["perfect", "great", "good", "poor"].iter().enumerate() {
            let (lo, hi) = (inner[k].min(window), inner[k + 1].min(window));
            let (ylo, yhi) = (fr.y(lo), fr.y(hi));
            if !(lo.is_finite() && hi.is_finite()) || (ylo - yhi) < 11.0 {
                continue;
            }
            let mid = if k == 0 { fr.y(0.0) } else { (ylo + yhi) / 2.0 };
            let _ = write!(
                o,
                r#"<text x="{}" y="{}" dy="0.32em">{name}</text>"#,
                c(fr.px1() + 8.0),
                c(mid)
            );
        }
        o.push_str("</g>");
        let yt = linear_ticks(-window, window, 8);
        axes(
            o,
            &fr,
            &time_ticks(0.0, end),
            "time in the song (m:ss)",
            &yt,
            "offset (ms)",
        );
        let _ = write!(
            o,
            r#"<line class="zero" x1="{}" y1="{y}" x2="{}" y2="{y}"/>"#,
            c(fr.px0()),
            c(fr.px1()),
            y = c(fr.y(0.0))
        );
        let _ = write!(
            o,
            r#"<text class="hint" x="{x}" y="{}">late ↑</text><text class="hint" x="{x}" y="{}">early ↓</text>"#,
            c(fr.py0() + 14.0),
            c(fr.py1() - 6.0),
            x = c(fr.px0() + 6.0)
        );
        // Sections: a faint line and the name above the plot.
        o.push_str(r#"<g class="section">"#);
        let mut last_label_x = f64::NEG_INFINITY;
        for s in p.sections.iter().filter(|s| s.start_s.is_finite()) {
            let x = fr.x(s.start_s);
            let _ = write!(
                o,
                r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}"/>"#,
                c(fr.py0() - 26.0),
                c(fr.py1()),
                x = c(x)
            );
            if x - last_label_x > 60.0 {
                let _ = write!(
                    o,
                    r#"<text x="{}" y="{}">{}</text>"#,
                    c(x + 3.0),
                    c(fr.py0() - 30.0),
                    esc(&s.name)
                );
                last_label_x = x;
            }
        }
        o.push_str("</g>");
        // Misses: × marks in a strip above the plot.
        if !misses.is_empty() {
            let y = fr.py0() - 11.0;
            let _ = write!(
                o,
                r#"<text class="hint" x="{}" y="{}" text-anchor="end" dy="0.32em">miss</text>"#,
                c(fr.px0() - 7.0),
                c(y)
            );
            o.push_str(r#"<path class="miss" d=""#);
            for n in misses.iter().step_by(miss_step) {
                let _ = write!(
                    o,
                    "M{} {}l6 6m-6 0l6-6",
                    c(fr.x(n.time_s) - 3.0),
                    c(y - 3.0)
                );
            }
            o.push_str(r#""/>"#);
        }
        // Mean offset per bar.
        if !p.bars.is_empty() {
            let pts: Vec<Option<(f64, f64)>> = p
                .bars
                .iter()
                .enumerate()
                .map(|(k, b)| {
                    let next = p.bars.get(k + 1).map(|n| n.start_s);
                    let len = next
                        .map(|n| n - b.start_s)
                        .filter(|l| *l > 0.0)
                        .unwrap_or(2.0);
                    b.offset_mean_ms
                        .map(|m| (b.start_s + len / 2.0, m.clamp(-window, window)))
                })
                .collect();
            let _ = write!(
                o,
                r#"<path class="barmean" d="{}"/>"#,
                broken_path(&fr, &pts)
            );
        }
        // The points.
        let tooltips = drawn <= MAX_POINT_TOOLTIPS;
        o.push_str(r#"<g class="pts">"#);
        for (n, off) in matched.iter().step_by(step) {
            let _ = write!(
                o,
                r#"<circle cx="{}" cy="{}" r="2.6" class="l-{}""#,
                c(fr.x(n.time_s)),
                c(fr.y(off.clamp(-window, window))),
                n.lane.name()
            );
            if tooltips {
                let _ = write!(
                    o,
                    "><title>{} · {} · {} ms ({})</title></circle>",
                    esc(&n.position),
                    n.lane.name(),
                    signed(Some(*off), 1),
                    esc(n.tier.name())
                );
            } else {
                o.push_str("/>");
            }
        }
        o.push_str("</g></svg>\n");
        if step > 1 {
            let _ = writeln!(
                o,
                "<p class=\"note\">Thinned: one point in every {step} of {} matched notes is drawn (more than {} in one plot).</p>",
                matched.len(),
                MAX_POINTS_PER_PLOT
            );
        }
        o.push_str("</figure>\n");
    }

    /// Histogram of the signed offsets of all matched notes.
    fn histogram(&mut self, i: usize, p: &PlayerReport, d: &PlayerDetail) {
        let r = self.report;
        let window = positive_or(r.settings.window_ms, 100.0);
        let tiers = r.settings.tiers_ms;
        let offs: Vec<f64> = d
            .notes
            .iter()
            .filter_map(|n| n.offset_ms)
            .filter(|o| o.is_finite())
            .collect();
        let extent = offs.iter().fold(0.0f64, |m, o| m.max(o.abs()));
        let floor = positive_or(tiers.perfect, 10.0).min(window);
        let range = ((extent.max(floor) * 1.05 / 10.0).ceil() * 10.0)
            .min((window / 5.0).ceil() * 5.0)
            .max(5.0);
        let width = nice_step(2.0 * range / 70.0);
        // Bins are centred on 0: bin k covers [start + k·width, start + (k+1)·width).
        let half_bins = ((range / width).ceil() as usize).min(500);
        let nbins = 2 * half_bins + 1;
        let start = -(half_bins as f64 + 0.5) * width;
        let mut bins = vec![0usize; nbins];
        for o in &offs {
            let k = ((o - start) / width).floor();
            let k = if k.is_finite() {
                k.clamp(0.0, (nbins - 1) as f64) as usize
            } else {
                0
            };
            bins[k] += 1;
        }
        let top = bins.iter().copied().max().unwrap_or(0).max(1) as f64;
        let yt = linear_ticks(0.0, top * 1.08, 5);
        let ymax = yt.last().map(|t| t.0).unwrap_or(top).max(top);
        let fr = Frame::new(
            260.0,
            [22.0, 24.0, 44.0, 64.0],
            (start, -start),
            (0.0, ymax),
        );

        let o = &mut self.out;
        let _ = write!(
            o,
            "<figure>\n<figcaption><b>How the offsets spread.</b> Matched notes per {} ms of offset; \
             a tall narrow peak at 0 is tight time. Dashed lines are the tier edges.</figcaption>\n",
            num(Some(width), if width < 1.0 { 1 } else { 0 })
        );
        svg_open(
            o,
            &format!("histogram-{i}"),
            &fr,
            &format!("Histogram of offsets for {}", p.name),
            &format!(r#" data-notes="{}""#, offs.len()),
        );
        let xt = linear_ticks(-range, range, 10);
        axes(o, &fr, &xt, "offset (ms): early ← 0 → late", &yt, "notes");
        o.push_str(r#"<g class="bars">"#);
        for (k, n) in bins.iter().enumerate().filter(|b| *b.1 > 0) {
            let lo = start + k as f64 * width;
            let hi = lo + width;
            let tier = tier_of(((lo + hi) / 2.0).abs(), &tiers);
            let (x0, x1) = (fr.x(lo), fr.x(hi));
            let _ = write!(
                o,
                r#"<rect class="t-{tier}" x="{}" y="{}" width="{}" height="{}"><title>{} to {} ms: {n} notes</title></rect>"#,
                c(x0 + 0.5),
                c(fr.y(*n as f64)),
                c((x1 - x0 - 1.0).max(0.5)),
                c(fr.py1() - fr.y(*n as f64)),
                signed(Some(lo), 1),
                signed(Some(hi), 1)
            );
        }
        o.push_str("</g>");
        o.push_str(r#"<g class="edge">"#);
        for e in [tiers.perfect, tiers.great, tiers.good] {
            for s in [-1.0, 1.0] {
                let v = s * e;
                if e.is_finite() && e > 0.0 && v.abs() < range {
                    let x = c(fr.x(v));
                    let _ = write!(
                        o,
                        r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}"/>"#,
                        c(fr.py0()),
                        c(fr.py1())
                    );
                }
            }
        }
        o.push_str("</g>");
        if let Some(m) = p.offset_ms.mean.filter(|m| m.is_finite()) {
            let x = fr.x(m.clamp(-range, range));
            let _ = write!(
                o,
                r#"<line class="mean" x1="{x}" y1="{}" x2="{x}" y2="{}"/><text class="mean-label" x="{}" y="{}">mean {} ms</text>"#,
                c(fr.py0() - 4.0),
                c(fr.py1()),
                c(x + 4.0),
                c(fr.py0() + 8.0),
                signed(Some(m), 1),
                x = c(x)
            );
        }
        if offs.is_empty() {
            let _ = write!(
                o,
                r#"<text class="empty" x="{}" y="{}" text-anchor="middle">no matched notes</text>"#,
                c((fr.px0() + fr.px1()) / 2.0),
                c((fr.py0() + fr.py1()) / 2.0)
            );
        }
        o.push_str("</svg>\n</figure>\n");
    }

    /// Accuracy per lane, one bar per player.
    fn lane_section(&mut self) {
        let r = self.report;
        let lanes: BTreeSet<Lane> = r
            .players
            .iter()
            .flat_map(|p| {
                p.lanes
                    .iter()
                    .filter(|(_, l)| l.notes > 0)
                    .map(|(lane, _)| *lane)
            })
            .collect();
        if lanes.is_empty() {
            return;
        }
        let np = r.players.len().max(1) as f64;
        let bar_h = 16.0;
        let group = np * bar_h + 12.0;
        let (top, bottom) = (12.0, 44.0);
        let height = top + bottom + group * lanes.len() as f64;
        let fr = Frame::new(
            height,
            [top, 150.0, bottom, 120.0],
            (0.0, 100.0),
            (0.0, 1.0),
        );

        let o = &mut self.out;
        o.push_str(
            "<section>\n<h2>Accuracy per drum</h2>\n<figure>\n<figcaption><b>Notes matched per lane.</b> \
             The share of the chart's notes on each drum or cymbal that were played in time.</figcaption>\n",
        );
        if r.players.len() > 1 {
            o.push_str(r#"<div class="legend">"#);
            for (i, p) in r.players.iter().enumerate() {
                let _ = write!(
                    o,
                    r#"<span><i class="sw {}"></i>{}</span>"#,
                    player_class(i),
                    esc(&p.name)
                );
            }
            o.push_str("</div>");
        }
        svg_open(o, "lanes", &fr, "Accuracy per lane", "");
        let xt = linear_ticks(0.0, 100.0, 5);
        axes(o, &fr, &xt, "notes matched (%)", &[], "");
        for (k, lane) in lanes.iter().enumerate() {
            let gy = top + k as f64 * group + 6.0;
            let notes = r
                .players
                .iter()
                .filter_map(|p| p.lanes.get(lane))
                .map(|l| l.notes)
                .max()
                .unwrap_or(0);
            let _ = write!(
                o,
                r#"<text class="lane-label" x="{}" y="{}" text-anchor="end" dy="0.32em">{} <tspan class="dim">({notes})</tspan></text>"#,
                c(fr.px0() - 8.0),
                c(gy + np * bar_h / 2.0),
                lane.name()
            );
            for (j, p) in r.players.iter().enumerate() {
                let Some(l) = p.lanes.get(lane) else { continue };
                let Some(acc) = l.accuracy_pct.filter(|a| a.is_finite()) else {
                    continue;
                };
                let y = gy + j as f64 * bar_h;
                let _ = write!(
                    o,
                    r#"<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{} · {}: {} of {} notes</title></rect>"#,
                    player_class(j),
                    c(fr.px0()),
                    c(y + 1.0),
                    c((fr.x(acc.clamp(0.0, 100.0)) - fr.px0()).max(0.5)),
                    c(bar_h - 3.0),
                    esc(&p.name),
                    lane.name(),
                    l.matched,
                    l.notes
                );
                let _ = write!(
                    o,
                    r#"<text class="value" x="{}" y="{}" dy="0.32em">{} <tspan class="dim">{}/{}</tspan></text>"#,
                    c(fr.px1() + 8.0),
                    c(y + bar_h / 2.0),
                    pct(Some(acc)),
                    l.matched,
                    l.notes
                );
            }
        }
        o.push_str("</svg>\n</figure>\n</section>\n");
    }

    /// Mean ± SD asynchrony per bar.
    fn sync_section(&mut self, s: &SyncReport) {
        let a = s.players.first().map(String::as_str).unwrap_or("a");
        let b = s.players.get(1).map(String::as_str).unwrap_or("b");
        let unit = if self.report.chart.is_some() {
            "bar"
        } else {
            "window"
        };
        let o = &mut self.out;
        let _ = write!(
            o,
            "<section>\n<h2>Together, {unit} by {unit}</h2>\n<figure>\n<figcaption><b>Asynchrony per {unit}.</b> \
             The mean gap between {} and {} on {}, with a band of ± one standard deviation. \
             0 is perfectly together; above 0 {} is ahead, below 0 {} is ahead.</figcaption>\n",
            esc(a),
            esc(b),
            if unit == "bar" { "shared notes" } else { "paired onsets" },
            esc(b),
            esc(a)
        );
        let bars: Vec<_> = s.bars.iter().filter(|x| x.start_s.is_finite()).collect();
        if bars.iter().all(|x| x.mean_ms.is_none()) {
            o.push_str(
                "<p class=\"note\">No shared notes: nothing to plot.</p>\n</figure>\n</section>\n",
            );
            return;
        }
        let _ = write!(
            o,
            r#"<div class="legend"><span><i class="sw line sync"></i>mean per {unit}</span><span><i class="sw sdband"></i>± 1 SD</span></div>"#
        );
        let (mut lo, mut hi) = (0.0f64, 0.0f64);
        for x in &bars {
            if let Some(m) = x.mean_ms.filter(|m| m.is_finite()) {
                let sd = x.sd_ms.filter(|v| v.is_finite()).unwrap_or(0.0);
                lo = lo.min(m - sd);
                hi = hi.max(m + sd);
            }
        }
        let pad = ((hi - lo) * 0.08).max(2.0);
        let yt = linear_ticks(lo - pad, hi + pad, 6);
        let (y0, y1) = (
            yt.first().map(|t| t.0).unwrap_or(lo).min(lo - pad),
            yt.last().map(|t| t.0).unwrap_or(hi).max(hi + pad),
        );
        let first = bars.first().map(|x| x.bar).unwrap_or(1) as f64;
        let last = bars.last().map(|x| x.bar).unwrap_or(1) as f64;
        let fr = Frame::new(
            280.0,
            [18.0, 24.0, 44.0, 64.0],
            (first - 0.5, last + 0.5),
            (y0, y1),
        );
        svg_open(
            o,
            "sync",
            &fr,
            &format!("Asynchrony per {unit} between {a} and {b}"),
            &format!(r#" data-bars="{}""#, bars.len()),
        );
        let xt = linear_ticks(first, last, 12);
        axes(o, &fr, &xt, unit, &yt, &format!("{a} − {b} (ms)"));
        // SD band: one polygon per run of consecutive bars with a mean.
        let mut run: Vec<(f64, f64, f64)> = Vec::new();
        let mut polys = String::new();
        let flush = |run: &mut Vec<(f64, f64, f64)>, polys: &mut String| {
            if !run.is_empty() {
                let mut d = String::new();
                for (k, (x, _, up)) in run.iter().enumerate() {
                    let _ = write!(
                        d,
                        "{}{} {}",
                        if k == 0 { "M" } else { "L" },
                        c(fr.x(*x)),
                        c(fr.y(*up))
                    );
                }
                for (x, dn, _) in run.iter().rev() {
                    let _ = write!(d, "L{} {}", c(fr.x(*x)), c(fr.y(*dn)));
                }
                d.push('Z');
                let _ = write!(polys, r#"<path class="sdband" d="{d}"/>"#);
                run.clear();
            }
        };
        for x in &bars {
            match x.mean_ms.filter(|m| m.is_finite()) {
                Some(m) => {
                    let sd = x.sd_ms.filter(|v| v.is_finite()).unwrap_or(0.0);
                    run.push((x.bar as f64, m - sd, m + sd));
                }
                None => flush(&mut run, &mut polys),
            }
        }
        flush(&mut run, &mut polys);
        o.push_str(&polys);
        let _ = write!(
            o,
            r#"<line class="zero" x1="{}" y1="{y}" x2="{}" y2="{y}"/>"#,
            c(fr.px0()),
            c(fr.px1()),
            y = c(fr.y(0.0))
        );
        let pts: Vec<Option<(f64, f64)>> = bars
            .iter()
            .map(|x| x.mean_ms.map(|m| (x.bar as f64, m)))
            .collect();
        let _ = write!(
            o,
            r#"<path class="syncline" d="{}"/>"#,
            broken_path(&fr, &pts)
        );
        o.push_str(r#"<g class="syncpts">"#);
        for x in &bars {
            if let Some(m) = x.mean_ms.filter(|m| m.is_finite()) {
                let _ = write!(
                    o,
                    r#"<circle cx="{}" cy="{}" r="2.4"><title>{unit} {}: {} ± {} ms over {} pairs</title></circle>"#,
                    c(fr.x(x.bar as f64)),
                    c(fr.y(m)),
                    x.bar,
                    signed(Some(m), 1),
                    num(x.sd_ms, 1),
                    x.pairs
                );
            }
        }
        o.push_str("</g>");
        let _ = write!(
            o,
            r#"<text class="hint" x="{x}" y="{}">↑ {} ahead</text><text class="hint" x="{x}" y="{}">↓ {} ahead</text>"#,
            c(fr.py0() + 14.0),
            esc(b),
            c(fr.py1() - 6.0),
            esc(a),
            x = c(fr.px0() + 6.0)
        );
        o.push_str("</svg>\n</figure>\n</section>\n");
    }

    /// Played tempo per bar against the chart's.
    fn tempo_section(&mut self) {
        let r = self.report;
        // (label, class, points by bar)
        let mut series: Vec<Series> = Vec::new();
        let mut chart: Vec<(i64, f64)> = Vec::new();
        if !r.players.is_empty() {
            if let Some(p) = r.players.first() {
                chart = p
                    .bars
                    .iter()
                    .filter(|b| b.chart_bpm.is_finite())
                    .map(|b| (b.bar, b.chart_bpm))
                    .collect();
            }
            for (i, p) in r.players.iter().enumerate() {
                series.push((
                    p.name.clone(),
                    player_class(i),
                    p.bars.iter().map(|b| (b.bar, b.played_bpm)).collect(),
                ));
            }
        } else if let Some(s) = &r.sync {
            for (k, name) in s.players.iter().enumerate().take(2) {
                let pts = s
                    .bars
                    .iter()
                    .map(|b| (b.bar, if k == 0 { b.bpm_a } else { b.bpm_b }))
                    .collect();
                series.push((name.clone(), player_class(k), pts));
            }
        }
        let values: Vec<f64> = series
            .iter()
            .flat_map(|s| s.2.iter().filter_map(|p| p.1))
            .chain(chart.iter().map(|c| c.1))
            .filter(|v| v.is_finite())
            .collect();
        if values.is_empty() {
            return;
        }
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let pad = ((hi - lo) * 0.1).max(1.0);
        let yt = linear_ticks(lo - pad, hi + pad, 6);
        let (y0, y1) = (
            yt.first().map(|t| t.0).unwrap_or(lo).min(lo - pad),
            yt.last().map(|t| t.0).unwrap_or(hi).max(hi + pad),
        );
        let bars_all: Vec<i64> = series
            .iter()
            .flat_map(|s| s.2.iter().map(|p| p.0))
            .chain(chart.iter().map(|c| c.0))
            .collect();
        let first = bars_all.iter().copied().min().unwrap_or(1) as f64;
        let last = bars_all.iter().copied().max().unwrap_or(1) as f64;
        let unit = if r.chart.is_some() { "bar" } else { "window" };
        let fr = Frame::new(
            280.0,
            [18.0, 24.0, 44.0, 64.0],
            (first - 0.5, last + 0.5),
            (y0, y1),
        );

        let o = &mut self.out;
        let _ = write!(
            o,
            "<section>\n<h2>Tempo, {unit} by {unit}</h2>\n<figure>\n<figcaption><b>Played tempo per {unit}.</b> \
             Each player's tempo from the spacing of their notes in the {unit}{}.</figcaption>\n",
            if chart.is_empty() { "" } else { ", against the chart's tempo (dashed)" }
        );
        o.push_str(r#"<div class="legend">"#);
        for (name, class, _) in &series {
            let _ = write!(
                o,
                r#"<span><i class="sw line {class}"></i>{}</span>"#,
                esc(name)
            );
        }
        if !chart.is_empty() {
            o.push_str(r#"<span><i class="sw line chart"></i>chart</span>"#);
        }
        o.push_str("</div>");
        svg_open(
            o,
            "tempo",
            &fr,
            "Played tempo per bar against the chart",
            "",
        );
        let xt = linear_ticks(first, last, 12);
        axes(o, &fr, &xt, unit, &yt, "tempo (BPM)");
        if !chart.is_empty() {
            let mut d = String::new();
            for (k, (bar, bpm)) in chart.iter().enumerate() {
                let (x0, x1) = (fr.x(*bar as f64 - 0.5), fr.x(*bar as f64 + 0.5));
                let _ = write!(
                    d,
                    "{}{} {}H{}",
                    if k == 0 { "M" } else { "L" },
                    c(x0),
                    c(fr.y(*bpm)),
                    c(x1)
                );
            }
            let _ = write!(o, r#"<path class="chartline" d="{d}"/>"#);
        }
        for (name, class, pts) in &series {
            let p: Vec<Option<(f64, f64)>> =
                pts.iter().map(|(b, v)| v.map(|v| (*b as f64, v))).collect();
            let _ = write!(
                o,
                r#"<path class="tempoline {class}" d="{}"/>"#,
                broken_path(&fr, &p)
            );
            let _ = write!(o, r#"<g class="{class}">"#);
            for (b, v) in pts {
                if let Some(v) = v.filter(|v| v.is_finite()) {
                    let _ = write!(
                        o,
                        r#"<circle cx="{}" cy="{}" r="2.2"><title>{} · {unit} {b}: {} BPM</title></circle>"#,
                        c(fr.x(*b as f64)),
                        c(fr.y(v)),
                        esc(name),
                        num(Some(v), 1)
                    );
                }
            }
            o.push_str("</g>");
        }
        o.push_str("</svg>\n</figure>\n</section>\n");
    }

    fn footer(&mut self) {
        let r = self.report;
        let o = &mut self.out;
        o.push_str("<footer>\n<h2>Settings</h2>\n<table>\n<tr><th>player</th><th>take</th><th>kit</th><th>latency offset (hands / feet)</th><th>auto-align</th></tr>\n");
        for p in &r.settings.players {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} / {} ms</td><td>{}</td></tr>",
                esc(&p.name),
                esc(&p.take),
                esc(&p.kit),
                signed(Some(p.offset_hands_ms), 1),
                signed(Some(p.offset_feet_ms), 1),
                p.auto_align_ms
                    .map(|a| format!("{} ms", signed(Some(a), 1)))
                    .unwrap_or_else(|| "–".into())
            );
        }
        o.push_str("</table>\n");
        if !r.settings.lane_merges.is_empty() {
            let merges: Vec<String> = r.settings.lane_merges.iter().map(|m| esc(m)).collect();
            let _ = writeln!(o, "<p>Lane rules: {}.</p>", merges.join(", "));
        }
        for n in &self.notes {
            let _ = writeln!(o, "<p class=\"note\">{n}</p>");
        }
        if !r.players.is_empty() {
            o.push_str(
                "<p class=\"dim\">Offsets are hit time minus note time after latency offsets; negative is early.</p>\n",
            );
        }
        let _ = writeln!(
            o,
            "<p class=\"dim\">Made by {} {} from its JSON report (format version {}).</p>\n</footer>",
            esc(&r.generator.name),
            esc(&r.generator.version),
            r.schema_version
        );
    }
}

/// A tempo line: label, colour class, BPM by bar (`None` where not measured).
type Series = (String, String, Vec<(i64, Option<f64>)>);

const BASE_CSS: &str = r#":root{--ink:#1f2937;--dim:#6b7280;--rule:#e5e7eb;--bg:#fafaf9;--card:#fff}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;-webkit-font-smoothing:antialiased}
main{max-width:1100px;margin:0 auto;padding:28px 20px 48px}
header{margin-bottom:20px}
.kicker{margin:0;color:var(--dim);text-transform:uppercase;letter-spacing:.12em;font-size:12px;font-weight:600}
h1{margin:2px 0 4px;font-size:30px;line-height:1.2;letter-spacing:-.01em}
h2{font-size:19px;margin:0 0 10px;display:flex;align-items:center;gap:8px}
section{margin-top:30px}
.meta{margin:0;color:var(--dim)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(290px,1fr));gap:16px;margin-top:0}
.card{background:var(--card);border:1px solid var(--rule);border-radius:12px;padding:18px 20px;box-shadow:0 1px 2px rgba(0,0,0,.04)}
.card h2{margin-bottom:4px}
.big{font-size:40px;font-weight:700;margin:0;line-height:1.1;font-variant-numeric:tabular-nums}
.under{margin:0 0 10px;color:var(--dim);font-size:13px}
.lead{font-weight:600;margin:6px 0}
.verdict{margin:6px 0 10px}
dl{display:grid;grid-template-columns:auto 1fr;gap:3px 14px;margin:10px 0 0;font-size:14px}
dt{color:var(--dim)}dd{margin:0;font-variant-numeric:tabular-nums}
.tierbar{display:flex;height:10px;border-radius:5px;overflow:hidden;background:var(--rule)}
.tierbar span{display:block;height:100%}
.tiers{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:13px;margin:6px 0 0;color:var(--dim)}
.tiers b{color:var(--ink);font-weight:600}
figure{margin:0 0 22px;background:var(--card);border:1px solid var(--rule);border-radius:12px;padding:14px 16px 8px}
figcaption{font-size:14px;color:var(--dim);margin-bottom:6px}
figcaption b{color:var(--ink)}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px;margin:2px 0 6px}
.legend span{display:inline-flex;align-items:center;gap:5px}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px;flex:none}
.sw.dot{border-radius:50%}
.sw.line{height:3px;width:18px;border-radius:2px;background:#111827}
.sw.line.sync{background:#0f766e}.sw.sdband{background:rgba(13,148,136,.22)}
.sw.line.chart{background:repeating-linear-gradient(90deg,#6b7280 0 5px,transparent 5px 8px)}
.sw.miss{width:auto;height:auto;color:#b91c1c;font-weight:700;font-style:normal;line-height:1}
svg.plot{display:block;width:100%;height:auto;font-size:12px;font-family:inherit}
.grid line{stroke:#eef0f3;stroke-width:1}
.frame{fill:none;stroke:#9ca3af;stroke-width:1}
.tick text{fill:#4b5563;font-variant-numeric:tabular-nums}
.axis-title{fill:#374151;font-size:12.5px;font-weight:600}
.zero{stroke:#374151;stroke-width:1}
.hint{fill:#6b7280;font-size:11.5px}
.band-poor{fill:#fdecec}.band-good{fill:#fdf3d7}.band-great{fill:#eaf5dc}.band-perfect{fill:#dcf1e3}
.band-label text{fill:#6b7280;font-size:11.5px}
.t-perfect{fill:#2f9e55;background:#2f9e55}.t-great{fill:#8cbf3f;background:#8cbf3f}.t-good{fill:#e0a526;background:#e0a526}.t-poor{fill:#e07a5f;background:#e07a5f}.t-miss{fill:#b91c1c;background:#b91c1c}
.pts circle{fill-opacity:.78;stroke:#fff;stroke-width:.4}
.miss{fill:none;stroke:#b91c1c;stroke-width:1.6;stroke-linecap:round}
.barmean{fill:none;stroke:#111827;stroke-width:1.6;stroke-opacity:.75;stroke-linejoin:round}
.section line{stroke:#9ca3af;stroke-dasharray:2 3}
.section text{fill:#4b5563;font-size:11.5px;font-weight:600}
.edge line{stroke:#374151;stroke-dasharray:3 3;stroke-opacity:.5}
.mean{stroke:#111827;stroke-width:1.5}.mean-label{fill:#111827;font-size:11.5px;font-weight:600}
.empty{fill:#6b7280}
.lane-label{fill:#1f2937;font-size:12.5px}
.value{fill:#1f2937;font-variant-numeric:tabular-nums}
.dim{color:var(--dim);fill:#6b7280}
.sdband{fill:rgba(13,148,136,.18);stroke:none}
.syncline{fill:none;stroke:#0f766e;stroke-width:1.8;stroke-linejoin:round}
.syncpts circle{fill:#0f766e}
.chartline{fill:none;stroke:#6b7280;stroke-width:1.5;stroke-dasharray:5 3}
.tempoline{fill:none;stroke-width:1.8;stroke-linejoin:round;stroke-opacity:.9}
.note{color:#92400e;font-size:13px}
footer{margin-top:34px;font-size:13px;color:var(--dim)}
footer table{border-collapse:collapse;width:100%;margin-bottom:10px}
footer th,footer td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--rule)}
footer td{color:var(--ink)}
@media (max-width:600px){.big{font-size:32px}h1{font-size:24px}main{padding:18px 12px}}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::NoteDetail;

    fn demo_report(detail: bool) -> Report {
        crate::demo::Demo::load()
            .expect("demo loads")
            .report(detail)
    }

    /// The `<svg id="{id}" ...>...</svg>` element of a page.
    fn svg<'a>(page: &'a str, id: &str) -> &'a str {
        let start = page
            .find(&format!("<svg id=\"{id}\""))
            .unwrap_or_else(|| panic!("no svg #{id}"));
        let len = page[start..].find("</svg>").expect("svg closed");
        &page[start..start + len + "</svg>".len()]
    }

    /// The value of `data-{name}` on an svg.
    fn data(svg: &str, name: &str) -> usize {
        let key = format!("data-{name}=\"");
        let at = svg.find(&key).unwrap_or_else(|| panic!("no data-{name}")) + key.len();
        let end = svg[at..].find('"').expect("attribute closed");
        svg[at..at + end].parse().expect("a number")
    }

    /// Cross marks in a miss path (each starts with "l6 6").
    fn miss_marks(svg: &str) -> usize {
        svg.find("class=\"miss\" d=\"")
            .map(|at| {
                let d = &svg[at..];
                d[..d.find("\"/>").unwrap_or(d.len())]
                    .matches("l6 6")
                    .count()
            })
            .unwrap_or(0)
    }

    #[test]
    fn every_matched_note_is_one_point_and_every_miss_one_mark() {
        let r = demo_report(true);
        let page = render(&r).expect("renders");
        for (i, p) in r.players.iter().enumerate() {
            let s = svg(&page, &format!("offsets-{i}"));
            assert_eq!(
                s.matches("<circle").count(),
                p.matched,
                "{}: points drawn = matched notes reported",
                p.name
            );
            assert_eq!(data(s, "points"), p.matched);
            assert_eq!(data(s, "thinning"), 1, "no thinning for a 3-minute song");
            assert_eq!(miss_marks(s), p.misses, "{}: a mark per miss", p.name);
            let h = svg(&page, &format!("histogram-{i}"));
            let binned: usize = h
                .split("notes</title>")
                .filter_map(|chunk| chunk.rsplit(": ").next()?.trim().parse::<usize>().ok())
                .sum();
            assert_eq!(
                binned, p.matched,
                "{}: the histogram counts every matched note",
                p.name
            );
        }
    }

    #[test]
    fn every_plot_has_labelled_axes_with_units() {
        let page = render(&demo_report(true)).expect("renders");
        for (id, x, y) in [
            ("offsets-0", "time in the song (m:ss)", "offset (ms)"),
            ("histogram-1", "offset (ms)", "notes"),
            ("lanes", "notes matched (%)", ""),
            ("sync", "bar", "Lee − Sanae (ms)"),
            ("tempo", "bar", "tempo (BPM)"),
        ] {
            let s = svg(&page, id);
            let titles: Vec<&str> = s
                .split("class=\"axis-title\"")
                .skip(1)
                .filter_map(|t| {
                    t.split_once('>')
                        .and_then(|(_, rest)| rest.split_once('<'))
                        .map(|p| p.0)
                })
                .collect();
            assert!(
                titles.iter().any(|t| t.contains(x)),
                "#{id}: x axis {x:?} in {titles:?}"
            );
            if !y.is_empty() {
                assert!(
                    titles.iter().any(|t| t.contains(y)),
                    "#{id}: y axis {y:?} in {titles:?}"
                );
            }
            assert!(s.contains("class=\"tick\""), "#{id} has tick labels");
        }
    }

    #[test]
    fn the_page_is_self_contained_and_has_no_nan() {
        let page = render(&demo_report(true)).expect("renders");
        for bad in ["NaN", "inf", "<script", "src=", "href=", "@import", "url("] {
            assert!(!page.contains(bad), "the page contains {bad:?}");
        }
        assert!(page.contains("Content-Security-Policy"));
        assert!(
            page.contains("Lee leads")
                || page.contains("No clear leader")
                || page.contains("Both adapt")
        );
        assert!(page.contains("<h1>Mirrorball Monday</h1>"));
        assert!(page.ends_with("</html>\n"));
    }

    #[test]
    fn a_report_without_detail_is_refused_with_what_to_do() {
        let err = render(&demo_report(false)).expect_err("no detail, no page");
        assert_eq!(
            err,
            HtmlError::NoDetail {
                players: vec!["Lee".into(), "Sanae".into()]
            }
        );
        let msg = err.to_string();
        assert!(
            msg.contains("--detail") && msg.contains("Lee, Sanae"),
            "{msg}"
        );
    }

    #[test]
    fn text_from_the_report_is_escaped() {
        let mut r = demo_report(true);
        if let Some(c) = r.chart.as_mut() {
            c.title = "<script>alert(\"x\")</script> & 'Co'".into();
            c.artist = "A<B>".into();
        }
        r.players[0].name = "Lee <em onmouseover=x>".into();
        r.settings.players[0].take = "takes/\"lee\".mid".into();
        let page = render(&r).expect("renders");
        assert!(!page.contains("<script>") && !page.contains("<em") && !page.contains("A<B>"));
        assert!(
            page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;")
        );
        assert!(page.contains("Lee &lt;em onmouseover=x&gt;"));
        assert!(page.contains("takes/&quot;lee&quot;.mid"));
    }

    #[test]
    fn long_sessions_are_thinned_by_the_documented_rule_and_say_so() {
        let mut r = demo_report(true);
        let p = &mut r.players[0];
        let base = p.detail.as_ref().expect("detail").notes.clone();
        let mut notes: Vec<NoteDetail> = Vec::new();
        let mut k = 0;
        while notes.iter().filter(|n| n.offset_ms.is_some()).count() < 45_000 {
            for n in &base {
                let mut n = n.clone();
                n.time_s += 170.0 * k as f64;
                notes.push(n);
            }
            k += 1;
        }
        let matched = notes.iter().filter(|n| n.offset_ms.is_some()).count();
        let missed = notes.len() - matched;
        p.matched = matched;
        p.detail.as_mut().expect("detail").notes = notes;
        let page = render(&r).expect("renders");
        let s = svg(&page, "offsets-0");
        let step = thinning_step(matched);
        assert_eq!(step, matched.div_ceil(MAX_POINTS_PER_PLOT));
        assert!(step >= 3);
        assert_eq!(s.matches("<circle").count(), matched.div_ceil(step));
        assert!(s.matches("<circle").count() <= MAX_POINTS_PER_PLOT);
        assert_eq!(data(s, "thinning"), step);
        assert_eq!(miss_marks(s), missed.div_ceil(thinning_step(missed)));
        assert!(
            !s.contains("<title>"),
            "no per-point tooltips above {MAX_POINT_TOOLTIPS} points"
        );
        assert!(
            page.contains(&format!(
                "one point in every {step} of {matched} matched notes"
            )),
            "the page says it thinned"
        );
    }

    #[test]
    fn thinning_starts_above_the_limit() {
        assert_eq!(thinning_step(0), 1);
        assert_eq!(thinning_step(MAX_POINTS_PER_PLOT), 1);
        assert_eq!(thinning_step(MAX_POINTS_PER_PLOT + 1), 2);
        assert_eq!(thinning_step(3 * MAX_POINTS_PER_PLOT), 3);
    }

    #[test]
    fn non_finite_numbers_never_reach_the_page() {
        let mut r = demo_report(true);
        r.settings.window_ms = f64::NAN;
        r.settings.tiers_ms.perfect = f64::INFINITY;
        let p = &mut r.players[0];
        p.offset_ms.mean = Some(f64::NAN);
        p.drift_ms_per_min = Some(f64::NEG_INFINITY);
        p.bars[0].played_bpm = Some(f64::NAN);
        if let Some(d) = p.detail.as_mut() {
            d.notes[0].offset_ms = Some(f64::NAN);
            d.notes[1].time_s = f64::INFINITY;
        }
        if let Some(s) = r.sync.as_mut() {
            s.bars[0].mean_ms = Some(f64::INFINITY);
            s.score = Some(f64::NAN);
        }
        let page = render(&r).expect("renders");
        assert!(
            !page.contains("NaN") && !page.contains("inf"),
            "non-finite value leaked"
        );
    }

    #[test]
    fn a_chart_free_sync_report_draws_the_sync_plots() {
        let r = demo_report(false);
        let sync = r.sync.clone().expect("two players have sync");
        let free = Report::sync_only(sync, r.settings.players.clone());
        let page = render(&free).expect("renders without players");
        assert!(page.contains("Free play (no chart)"));
        assert!(page.contains("id=\"sync\"") && page.contains("id=\"tempo\""));
        assert!(!page.contains("id=\"offsets-0\""));
        let mut empty = free;
        empty.sync = None;
        assert_eq!(render(&empty), Err(HtmlError::Empty));
    }

    #[test]
    fn numbers_are_written_for_people_and_for_svg() {
        assert_eq!(c(12.0), "12");
        assert_eq!(c(-0.04), "0");
        assert_eq!(c(f64::NAN), "0");
        assert_eq!(c(3.25), "3.2");
        assert_eq!(num(Some(-6.3), 1), "−6.3");
        assert_eq!(num(Some(-0.01), 1), "0.0");
        assert_eq!(signed(Some(6.3), 1), "+6.3");
        assert_eq!(signed(Some(0.0), 1), "0.0");
        assert_eq!(num(None, 1), "–");
        assert_eq!(mmss(166.3), "2:46");
        assert_eq!(nice_step(3.3), 5.0);
        assert_eq!(nice_step(0.21), 0.25);
        assert_eq!(
            ticks(-117.0, 117.0, 8),
            vec![-100.0, -50.0, 0.0, 50.0, 100.0]
        );
        assert_eq!(esc("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
    }
}
