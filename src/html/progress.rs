//! The progress page of the practice history (`pocket history --html`): one self-contained page
//! like the report's (no scripts, no network, the same style sheet, frames and axes), drawn from
//! a [`Progress`] alone. Layout and reading guide: docs/history.md.

use super::page::{colour_css, BASE_CSS, LANES};
use super::plots::{axes, broken_path, linear_ticks, svg_open, Frame};
use super::text::{c, esc, num, player_class, signed};
use crate::history::{format_day, PlayerPractice, Progress, TakePoint};
use std::fmt::Write;

const DAY_S: f64 = 86_400.0;

/// The y range of a plot of percentages (or a 0-100 score): up to 100, down to the lowest
/// value's ten below, so that a few points of progress show.
const PERCENT: (f64, f64) = (f64::NAN, 100.0);

/// One line of a plot over time: a CSS class, a name for the legend, and points (day number
/// since 1970 as a fraction, value).
struct Series {
    class: String,
    name: String,
    points: Vec<(f64, f64)>,
}

/// Renders the progress page. `database` names the history file in the header.
pub fn render_progress(progress: &Progress, database: &str) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let mut css = colour_css();
    for (name, colour) in LANES {
        let _ = writeln!(css, "path.l-{name}{{fill:none;stroke:{colour}}}");
    }
    css.push_str("path.trend{stroke-width:2;fill:none}\n");
    let takes: usize = progress
        .songs
        .iter()
        .flat_map(|s| &s.players)
        .map(|p| p.takes.len())
        .sum();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"generator\" content=\"pocket {}\">\n<title>Practice progress · pocket</title>\n<style>\n{}{}</style>\n</head>\n<body>\n<main>\n\
         <header>\n<p class=\"kicker\">pocket practice history</p>\n<h1>Practice progress</h1>\n<p class=\"meta\">{} player {} of {} {} · {}</p>\n</header>\n",
        env!("CARGO_PKG_VERSION"),
        BASE_CSS,
        css,
        takes,
        if takes == 1 { "take" } else { "takes" },
        progress.songs.len(),
        if progress.songs.len() == 1 { "song" } else { "songs" },
        esc(database)
    );
    if takes == 0 {
        o.push_str("<p class=\"note\">No takes yet: pocket score and pocket live add them when they write a report.</p>\n");
    } else {
        practice_cards(&mut o, &progress.practice);
        minutes_plot(&mut o, &progress.practice);
        for (k, song) in progress.songs.iter().enumerate() {
            let _ = writeln!(o, "<section>\n<h2>{}</h2>\n", esc(&song.title));
            let per_player = |value: fn(&TakePoint) -> Option<f64>| -> Vec<Series> {
                song.players
                    .iter()
                    .enumerate()
                    .map(|(i, p)| Series {
                        class: player_class(i),
                        name: p.player.clone(),
                        points: points(&p.takes, value),
                    })
                    .collect()
            };
            time_plot(
                &mut o,
                &format!("song{k}-accuracy"),
                "<b>Accuracy, take by take.</b> Notes matched, percent, one point per take.",
                &per_player(|t| t.accuracy_pct),
                "notes matched (%)",
                Some(PERCENT),
            );
            time_plot(
                &mut o,
                &format!("song{k}-offset"),
                "<b>Mean offset, take by take.</b> Negative: ahead of the beat; the dark line is on \
                 the beat.",
                &per_player(|t| t.offset_mean_ms),
                "mean offset (ms)",
                None,
            );
            for (i, p) in song.players.iter().enumerate() {
                let lanes: Vec<Series> = p
                    .lanes
                    .iter()
                    .map(|(lane, takes)| Series {
                        class: format!("l-{}", lane.name()),
                        name: lane.name().to_string(),
                        points: points(takes, |t| t.accuracy_pct),
                    })
                    .collect();
                time_plot(
                    &mut o,
                    &format!("song{k}-lanes{i}"),
                    &format!(
                        "<b>{}: each drum's accuracy.</b> Which drum is getting better: notes \
                         matched per lane, take by take.",
                        esc(&p.player)
                    ),
                    &lanes,
                    "notes matched (%)",
                    Some(PERCENT),
                );
            }
            o.push_str("</section>\n");
        }
        if !progress.pairs.is_empty() {
            o.push_str("<section>\n<h2>Playing together</h2>\n");
            for (k, pair) in progress.pairs.iter().enumerate() {
                let series = [Series {
                    class: player_class(0),
                    name: format!("{} and {}", pair.players[0], pair.players[1]),
                    points: pair
                        .scores
                        .iter()
                        .filter_map(|(at, s)| Some((*at as f64 / DAY_S, (*s)?)))
                        .collect(),
                }];
                time_plot(
                    &mut o,
                    &format!("pair{k}"),
                    &format!(
                        "<b>{} and {} on {}: sync score, take by take.</b> 0-100; 100 is every \
                         shared note struck together.",
                        esc(&pair.players[0]),
                        esc(&pair.players[1]),
                        esc(&pair.title)
                    ),
                    &series,
                    "sync score",
                    Some(PERCENT),
                );
            }
            o.push_str("</section>\n");
        }
    }
    o.push_str("<footer>\n<p class=\"note\">Times are the report files' modification times; days are local days. \
                Every figure comes from the JSON reports the history links to (docs/history.md).</p>\n</footer>\n");
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

fn points(takes: &[TakePoint], value: fn(&TakePoint) -> Option<f64>) -> Vec<(f64, f64)> {
    takes
        .iter()
        .filter_map(|t| {
            Some((
                t.at_unix_s as f64 / DAY_S,
                value(t).filter(|v| v.is_finite())?,
            ))
        })
        .collect()
}

fn practice_cards(o: &mut String, practice: &[PlayerPractice]) {
    o.push_str("<section class=\"cards\">\n");
    for (i, p) in practice.iter().enumerate() {
        let minutes: f64 = p.minutes_per_day.iter().map(|(_, m)| m).sum();
        let _ =
            write!(
            o,
            "<article class=\"card\" id=\"practice-{i}\"><h2><i class=\"sw dot {}\"></i>{}</h2>\
             <p class=\"big\">{} min</p><p class=\"under\">on {} {}</p>\
             <dl><dt>longest streak</dt><dd>{} {} ({} – {})</dd>\
             <dt>latest streak</dt><dd>{} {}, to {}</dd></dl></article>",
            player_class(i),
            esc(&p.player),
            num(Some(minutes), 0),
            p.minutes_per_day.len(),
            if p.minutes_per_day.len() == 1 { "day" } else { "days" },
            p.longest_streak.days,
            if p.longest_streak.days == 1 { "day" } else { "days" },
            esc(&p.longest_streak.from),
            esc(&p.longest_streak.to),
            p.latest_streak.days,
            if p.latest_streak.days == 1 { "day" } else { "days" },
            esc(&p.latest_streak.to),
        );
    }
    o.push_str("</section>\n");
}

/// Practice minutes per day: one bar per player and day.
fn minutes_plot(o: &mut String, practice: &[PlayerPractice]) {
    let days: Vec<f64> = practice
        .iter()
        .flat_map(|p| &p.minutes_per_day)
        .filter_map(|(d, _)| day_number(d))
        .collect();
    let (lo, hi) = days
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), d| {
            (a.min(*d), b.max(*d))
        });
    if !lo.is_finite() {
        return;
    }
    let max = practice
        .iter()
        .flat_map(|p| &p.minutes_per_day)
        .map(|(_, m)| *m)
        .fold(1.0, f64::max);
    let fr = Frame::new(
        260.0,
        [12.0, 24.0, 44.0, 64.0],
        (lo - 0.5, hi + 0.5),
        (0.0, max * 1.1),
    );
    o.push_str(
        "<section>\n<h2>Practice, day by day</h2>\n<figure>\n<figcaption><b>Minutes played per day.</b> \
         The length of each take's span, added up per local day.</figcaption>\n",
    );
    legend(
        o,
        practice
            .iter()
            .enumerate()
            .map(|(i, p)| (player_class(i), p.player.clone())),
    );
    svg_open(o, "minutes", &fr, "Practice minutes per day", "");
    axes(
        o,
        &fr,
        &day_ticks(lo - 0.5, hi + 0.5),
        "day",
        &linear_ticks(0.0, max * 1.1, 4),
        "minutes",
    );
    let n = practice.len().max(1) as f64;
    let slot = (fr.x(lo + 1.0) - fr.x(lo)).max(2.0);
    let width = (slot * 0.8 / n).max(1.0);
    for (i, p) in practice.iter().enumerate() {
        for (day, minutes) in &p.minutes_per_day {
            let Some(d) = day_number(day) else { continue };
            let x = fr.x(d) - slot * 0.4 + i as f64 * width;
            let y = fr.y(*minutes);
            let _ = write!(
                o,
                r#"<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{} · {}: {} min</title></rect>"#,
                player_class(i),
                c(x),
                c(y),
                c(width),
                c((fr.py1() - y).max(0.5)),
                esc(&p.player),
                esc(day),
                num(Some(*minutes), 1)
            );
        }
    }
    o.push_str("</svg>\n</figure>\n</section>\n");
}

fn legend(o: &mut String, entries: impl Iterator<Item = (String, String)>) {
    o.push_str(r#"<div class="legend">"#);
    for (class, name) in entries {
        let _ = write!(
            o,
            r#"<span><i class="sw {class}"></i>{}</span>"#,
            esc(&name)
        );
    }
    o.push_str("</div>");
}

/// A plot over time: a line and points per series, days on the x axis.
fn time_plot(
    o: &mut String,
    id: &str,
    caption: &str,
    series: &[Series],
    y_title: &str,
    y_range: Option<(f64, f64)>,
) {
    let all: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .collect();
    let _ = write!(o, "<figure>\n<figcaption>{caption}</figcaption>\n");
    if all.is_empty() {
        o.push_str("<p class=\"note\">No figures to plot.</p>\n</figure>\n");
        return;
    }
    let (x0, x1) = all
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (x, _)| {
            (a.min(*x), b.max(*x))
        });
    let pad = ((x1 - x0) * 0.04).max(0.5);
    let (y0, y1) = match y_range {
        Some((lo, hi)) if lo.is_nan() => {
            let min = all.iter().map(|(_, y)| *y).fold(hi, f64::min);
            Some((((min - 1.0) / 10.0).floor().clamp(0.0, 9.0) * 10.0, hi))
        }
        range => range,
    }
    .unwrap_or_else(|| {
        let (lo, hi) = all
            .iter()
            .fold((0.0f64, 0.0f64), |(a, b), (_, y)| (a.min(*y), b.max(*y)));
        let m = ((hi - lo) * 0.1).max(1.0);
        (lo - m, hi + m)
    });
    let fr = Frame::new(
        280.0,
        [12.0, 24.0, 44.0, 64.0],
        (x0 - pad, x1 + pad),
        (y0, y1),
    );
    legend(o, series.iter().map(|s| (s.class.clone(), s.name.clone())));
    svg_open(o, id, &fr, caption_text(caption).as_str(), "");
    axes(
        o,
        &fr,
        &day_ticks(x0 - pad, x1 + pad),
        "day",
        &linear_ticks(y0, y1, 5),
        y_title,
    );
    if y0 < 0.0 && y1 > 0.0 {
        let _ = write!(
            o,
            r#"<line class="zero" x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
            c(fr.px0()),
            c(fr.y(0.0)),
            c(fr.px1()),
            c(fr.y(0.0))
        );
    }
    for s in series {
        let path: Vec<Option<(f64, f64)>> = s.points.iter().map(|p| Some(*p)).collect();
        let _ = write!(
            o,
            r#"<path class="trend {}" d="{}"/><g class="pts">"#,
            s.class,
            broken_path(&fr, &path)
        );
        for (x, y) in &s.points {
            let _ = write!(
                o,
                r#"<circle class="{}" cx="{}" cy="{}" r="3.5"><title>{} · {}: {}</title></circle>"#,
                s.class,
                c(fr.x(*x)),
                c(fr.y(*y)),
                esc(&s.name),
                format_day(x.floor() as i64),
                signed(Some(*y), 1)
            );
        }
        o.push_str("</g>");
    }
    o.push_str("</svg>\n</figure>\n");
}

/// The caption without its markup, for the plot's accessible label.
fn caption_text(caption: &str) -> String {
    let mut s = String::new();
    let mut in_tag = false;
    for ch in caption.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => s.push(c),
            _ => {}
        }
    }
    s
}

/// Day numbers (days since 1970, UTC) of a `YYYY-MM-DD` day.
fn day_number(day: &str) -> Option<f64> {
    crate::history::parse_day(day).map(|d| d as f64)
}

/// Ticks at whole days, a step a person would choose, labelled `MM-DD` (`YYYY-MM-DD` when the
/// range spans years).
fn day_ticks(lo: f64, hi: f64) -> Vec<(f64, String)> {
    let span = (hi - lo).max(1.0);
    let step = [1.0, 2.0, 7.0, 14.0, 28.0, 91.0, 182.0, 364.0]
        .into_iter()
        .find(|s| span / s <= 8.0)
        .unwrap_or(728.0);
    let first = (lo / step).ceil() * step;
    let years_differ = format_day(lo.floor() as i64)[..4] != format_day(hi.floor() as i64)[..4];
    (0..200)
        .map(|i| first + i as f64 * step)
        .take_while(|t| *t <= hi + 1e-9)
        .map(|t| {
            let label = format_day(t as i64);
            (
                t,
                if years_differ {
                    label
                } else {
                    label[5..].to_string()
                },
            )
        })
        .collect()
}
