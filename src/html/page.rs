//! The page: its layout, the header, the summary cards, the sections and the settings table.
//! The SVG plots inside the sections are drawn in `plots.rs`; the style sheet is `style.css`,
//! inlined at build time.

use super::sheet::Page;
use super::text::{c, esc, mmss, num, pct, player_class, signed};
use crate::report::SyncReport;
use crate::report::{PlayerDetail, PlayerReport, Report};
use std::fmt::Write;

/// Why a report cannot be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HtmlError {
    /// Some players have no per-note detail.
    #[error(
        "the report has no per-note detail for {}: the HTML page plots every note, so make \
         the report again with per-note detail",
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

/// Each lane's colour (CSS classes `l-LANE`).
pub(super) const LANES: [(&str, &str); 14] = [
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

/// CSS colour rules: lanes (fill for SVG, background for legend swatches), players, tiers.
pub(super) fn colour_css() -> String {
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
            "<p class=\"verdict\">{}</p>",
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
                "one stroke / flam / apart",
                format!(
                    "{} within 20 ms, {} 20–50 ms, {} over 50 ms",
                    share(s.bands.together),
                    share(s.bands.loose),
                    share(s.bands.apart)
                ),
            ),
            (
                "within 10 / 20 / 50 ms (cumulative)",
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

/// The page's style sheet (the colour rules are added by [`colour_css`]).
pub(super) const BASE_CSS: &str = include_str!("style.css");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::plots::{nice_step, ticks};
    use crate::html::sheet::{thinning_step, MAX_POINTS_PER_PLOT, MAX_POINT_TOOLTIPS};
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
    fn the_histograms_mean_label_sits_above_every_bar() {
        let page = render(&demo_report(true)).expect("renders");
        let attr = |tag: &str, name: &str| -> f64 {
            let key = format!(" {name}=\"");
            let at = tag.find(&key).expect("attribute") + key.len();
            let end = tag[at..].find('"').expect("closed");
            tag[at..at + end].parse().expect("a number")
        };
        for i in 0..2 {
            let h = svg(&page, &format!("histogram-{i}"));
            let label = h
                .split("<text class=\"mean-label\"")
                .nth(1)
                .expect("a mean label");
            let label_y = attr(label, "y");
            let top = h
                .split("<rect class=\"t-")
                .skip(1)
                .map(|r| attr(r, "y"))
                .fold(f64::INFINITY, f64::min);
            // The label's text rises above its baseline (descenders reach about 2 below).
            assert!(
                label_y + 2.0 <= top,
                "label baseline at y {label_y}, tallest bar top at {top}: they overlap"
            );
        }
    }

    #[test]
    fn who_leads_is_said_once() {
        let page = render(&demo_report(true)).expect("renders");
        let at = page.find("<p class=\"verdict\">").expect("a verdict");
        let verdict = &page[at..at + page[at..].find("</p>").expect("closed")];
        assert!(verdict.matches("lead").count() <= 1, "{verdict}");
        assert!(
            page.contains("within 10 / 20 / 50 ms (cumulative)")
                && page.contains("one stroke / flam / apart"),
            "both the bands and the cumulative shares, labelled"
        );
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
            msg.contains("per-note detail") && msg.contains("Lee, Sanae") && !msg.contains("--"),
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
