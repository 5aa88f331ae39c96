//! The SVG plots of the HTML report: frames mapping data to the canvas, round axis ticks, and
//! every plot the page draws (offsets against time, offset histograms, accuracy per lane,
//! asynchrony per bar, tempo per bar). Each plot is a method of the page that appends one
//! `<figure>` with its `<svg>` to the page.

use super::sheet::{thinning_step, Page, MAX_POINTS_PER_PLOT, MAX_POINT_TOOLTIPS};
use super::text::{c, esc, mmss, num, pct, player_class, positive_or, signed};
use crate::lane::Lane;
use crate::report::SyncReport;
use crate::report::{NoteDetail, PlayerDetail, PlayerReport, TierEdges};
use std::collections::BTreeSet;
use std::fmt::Write;

/// Round tick values covering [lo, hi], about `target` of them, on a 1-2-2.5-5 grid.
pub(super) fn ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
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
pub(super) fn nice_step(raw: f64) -> f64 {
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
pub(super) fn linear_ticks(lo: f64, hi: f64, target: usize) -> Vec<(f64, String)> {
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
pub(super) struct Frame {
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
    pub(super) fn new(height: f64, margins: [f64; 4], x: (f64, f64), y: (f64, f64)) -> Frame {
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
    pub(super) fn px0(&self) -> f64 {
        self.left
    }
    /// Right edge of the plotting area.
    pub(super) fn px1(&self) -> f64 {
        self.width - self.right
    }
    /// Top edge of the plotting area.
    pub(super) fn py0(&self) -> f64 {
        self.top
    }
    /// Bottom edge of the plotting area.
    pub(super) fn py1(&self) -> f64 {
        self.height - self.bottom
    }
    pub(super) fn x(&self, v: f64) -> f64 {
        let f = ((v - self.x0) / (self.x1 - self.x0)).clamp(0.0, 1.0);
        let f = if f.is_finite() { f } else { 0.0 };
        self.px0() + f * (self.px1() - self.px0())
    }
    pub(super) fn y(&self, v: f64) -> f64 {
        let f = ((v - self.y0) / (self.y1 - self.y0)).clamp(0.0, 1.0);
        let f = if f.is_finite() { f } else { 0.0 };
        self.py1() - f * (self.py1() - self.py0())
    }
}

/// Opens an `<svg>` plot.
pub(super) fn svg_open(out: &mut String, id: &str, fr: &Frame, label: &str, data: &str) {
    let _ = write!(
        out,
        r#"<svg id="{id}" class="plot" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"{data}>"#,
        c(fr.width),
        c(fr.height),
        esc(label)
    );
}

/// Grid, tick labels and axis titles.
pub(super) fn axes(
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
pub(super) fn broken_path(fr: &Frame, points: &[Option<(f64, f64)>]) -> String {
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

impl Page<'_> {
    /// Offset against note time: a point per matched note, misses marked above.
    pub(super) fn offset_plot(&mut self, i: usize, p: &PlayerReport, d: &PlayerDetail) {
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
    pub(super) fn histogram(&mut self, i: usize, p: &PlayerReport, d: &PlayerDetail) {
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
            // The label sits in the top margin, above every bar: the tallest bar is usually
            // the one at the mean.
            let _ = write!(
                o,
                r#"<line class="mean" x1="{x}" y1="{}" x2="{x}" y2="{}"/><text class="mean-label" x="{}" y="{}">mean {} ms</text>"#,
                c(fr.py0() - 4.0),
                c(fr.py1()),
                c(x + 4.0),
                c(fr.py0() - 6.0),
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
    pub(super) fn lane_section(&mut self) {
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
    pub(super) fn sync_section(&mut self, s: &SyncReport) {
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
        // With a chart the x axis counts bars; without one, a window's place is its start
        // time, on an m:ss axis (window numbers make uneven ticks and say nothing to a player).
        let timed = unit == "window";
        let at = |x: &crate::report::SyncBar| if timed { x.start_s } else { x.bar as f64 };
        let first = bars.first().map_or(1.0, |x| at(x));
        let last = bars.last().map_or(1.0, |x| at(x));
        let half = if timed {
            let step = bars.get(1).map_or(1.0, |x| at(x) - first);
            (step / 2.0).max(0.5)
        } else {
            0.5
        };
        let fr = Frame::new(
            280.0,
            [18.0, 24.0, 44.0, 64.0],
            (first - half, last + half),
            (y0, y1),
        );
        svg_open(
            o,
            "sync",
            &fr,
            &format!("Asynchrony per {unit} between {a} and {b}"),
            &format!(r#" data-bars="{}""#, bars.len()),
        );
        let (xt, xlabel) = if timed {
            (time_ticks(first, last), "time (m:ss)")
        } else {
            (linear_ticks(first, last, 12), "bar")
        };
        axes(o, &fr, &xt, xlabel, &yt, &format!("{a} − {b} (ms)"));
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
                    run.push((at(x), m - sd, m + sd));
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
        let pts: Vec<Option<(f64, f64)>> =
            bars.iter().map(|x| x.mean_ms.map(|m| (at(x), m))).collect();
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
                    c(fr.x(at(x))),
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
    pub(super) fn tempo_section(&mut self) {
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
}

/// A tempo line: label, colour class, BPM by bar (`None` where not measured).
type Series = (String, String, Vec<(i64, Option<f64>)>);
