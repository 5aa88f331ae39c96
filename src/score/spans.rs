//! The per-bar and per-section tables of a player's report.
//!
//! Notes come in time order, so each bar's and each section's notes are one run of the chart's
//! notes: the tables are computed run by run from the matching, without collecting the matched
//! notes' values. A chart whose notes' bars go back (which no reader makes) is grouped with a
//! counting sort instead; both give the same figures.

use crate::chart::Chart;
use crate::report::{secs, SpanReport};
use crate::stats;
use crate::time::Nanos;

use super::figures::{mean_sd_slope_of, pct};

/// A note's hit index when it has none.
pub(crate) const NO_HIT: u32 = u32::MAX;

/// One player's judged notes: what the span tables (and the player's other figures) are
/// computed from.
pub(crate) struct Judged<'a> {
    /// The chart.
    pub chart: &'a Chart,
    /// Each note's matched hit, [`NO_HIT`] for a miss.
    pub note_hit: &'a [u32],
    /// Each hit's corrected time.
    pub hit_time: &'a [Nanos],
}

impl Judged<'_> {
    /// Note `ni`'s hit, `None` for a miss.
    pub fn hit(&self, ni: usize) -> Option<usize> {
        let h = self.note_hit[ni];
        (h != NO_HIT).then_some(h as usize)
    }

    /// Note `ni`'s signed offset after latency offsets and auto-align, `None` for a miss.
    pub fn offset(&self, ni: usize) -> Option<Nanos> {
        Some(self.hit_time[self.hit(ni)?] - self.chart.notes[ni].time)
    }

    /// Note `ni`'s offset in ms and (chart time s, hit time s), `None` for a miss.
    fn values(&self, ni: usize) -> Option<(f64, (f64, f64))> {
        let h = self.hit_time[self.hit(ni)?];
        let n = self.chart.notes[ni].time;
        Some(((h - n).as_millis_f64(), (n.as_secs_f64(), h.as_secs_f64())))
    }
}

/// Counts of one bar or section.
#[derive(Debug, Default, Clone, Copy)]
struct SpanCounts {
    notes: usize,
    matched: usize,
    extras: usize,
}

/// The most bars a player's per-bar table lists (about 24 days at 120 BPM in 4/4).
const MAX_REPORT_BARS: usize = 1 << 20;

/// "No bar" or "no section" in the per-note keys.
const NONE: u32 = u32::MAX;

/// One row of a table: its counts, and its matched notes' offsets (ms) with their (chart s,
/// hit s) pairs, yielded in note order by `values`.
fn span_report<I>(
    chart: &Chart,
    (name, bar, start): (String, i64, Nanos),
    acc: &SpanCounts,
    values: impl Fn() -> I,
) -> SpanReport
where
    I: Iterator<Item = (f64, (f64, f64))>,
{
    let map = &chart.tempo_map;
    let start_tick = map.tick(start);
    let chart_bpm = stats::round_to(map.tempo_at(start_tick).bpm(), 4);
    let (mean, sd, slope) = mean_sd_slope_of(values, acc.matched);
    let played_bpm = slope
        .filter(|s| *s > 0.0)
        .map(|s| stats::round_to(chart_bpm / s, 4));
    SpanReport {
        name,
        bar,
        start_s: secs(start),
        notes: acc.notes,
        matched: acc.matched,
        misses: acc.notes - acc.matched,
        extras: acc.extras,
        accuracy_pct: pct(acc.matched, acc.notes),
        offset_mean_ms: mean.map(|v| stats::round_to(v, 4)),
        offset_sd_ms: sd.map(|v| stats::round_to(v, 4)),
        chart_bpm,
        played_bpm,
    }
}

/// One row of a table from its notes (note indices, in order, that `notes` yields).
fn report_of<N: Iterator<Item = usize>>(
    judged: &Judged<'_>,
    row: (String, i64, Nanos),
    acc: &SpanCounts,
    notes: impl Fn() -> N,
) -> SpanReport {
    span_report(judged.chart, row, acc, || {
        notes().filter_map(|ni| judged.values(ni))
    })
}

/// The per-section and per-bar tables: (sections, bars).
pub(crate) fn span_reports(
    judged: &Judged<'_>,
    extras: &[u32],
) -> (Vec<SpanReport>, Vec<SpanReport>) {
    let chart = judged.chart;
    let map = &chart.tempo_map;
    let (Some(first), Some(last)) = (chart.notes.first(), chart.notes.last()) else {
        return (Vec::new(), Vec::new());
    };
    let first_bar = map.position(first.tick).bar;
    let last_bar = map.position(last.tick).bar;
    let nb = (last_bar - first_bar + 1).max(0) as usize;
    // A chart spanning an absurd number of bars (damaged times) gets no per-bar table
    // rather than one allocated per bar.
    let nb = if nb > MAX_REPORT_BARS { 0 } else { nb };
    let n_sec = chart.sections.len();
    let sec_index = |t: Nanos| {
        chart
            .sections
            .partition_point(|s| s.time <= t)
            .checked_sub(1)
    };
    let bar_index = |t: Nanos| {
        let b = map.bar_at(t) - first_bar;
        (0..nb as i64).contains(&b).then_some(b as usize)
    };

    // Each note's bar and section key (NONE for none); the runs of each.
    let mut bar_acc = vec![SpanCounts::default(); nb];
    let mut sec_acc = vec![SpanCounts::default(); n_sec];
    let mut bar_runs = Runs::new(nb);
    let mut sec_runs = Runs::new(n_sec);
    // The same as `sec_index`, trying the previous answer first (notes come in time order).
    let mut sec_cursor: Option<usize> = None;
    // The last note's bar and the ticks in it (notes come in time order).
    let mut bar_cursor = map.bar_ticks(first.tick);
    for (ni, n) in chart.notes.iter().enumerate() {
        if !bar_cursor.1.contains(&n.tick.0) {
            bar_cursor = map.bar_ticks(n.tick);
        }
        let b = (bar_cursor.0 - first_bar) as usize;
        let still = |i: usize| {
            chart.sections[i].time <= n.time
                && chart
                    .sections
                    .get(i + 1)
                    .is_none_or(|next| next.time > n.time)
        };
        let s = match sec_cursor {
            Some(i) if still(i) => Some(i),
            _ => sec_index(n.time),
        };
        sec_cursor = s;
        let b = (b < nb).then_some(b);
        let s = s.filter(|&s| s < n_sec);
        let matched = judged.note_hit[ni] != NO_HIT;
        for acc in [b.map(|b| &mut bar_acc[b]), s.map(|s| &mut sec_acc[s])]
            .into_iter()
            .flatten()
        {
            acc.notes += 1;
            if matched {
                acc.matched += 1;
            }
        }
        bar_runs.note(ni, b);
        sec_runs.note(ni, s);
    }
    for &h in extras {
        let t = judged.hit_time[h as usize];
        if let Some(b) = bar_index(t) {
            bar_acc[b].extras += 1;
        }
        if let Some(s) = sec_index(t) {
            sec_acc[s].extras += 1;
        }
    }
    let bar_rows = (0..nb).map(|i| {
        let bar = first_bar + i as i64;
        (bar.to_string(), bar, map.time(map.bar_start(bar)))
    });
    let sec_rows = chart
        .sections
        .iter()
        .map(|s| (s.name.clone(), map.position(s.tick).bar, s.time));
    let bars = bar_runs.reports(judged, bar_rows, &bar_acc, |ni| {
        (map.position(chart.notes[ni].tick).bar - first_bar) as usize
    });
    let sections = sec_runs.reports(judged, sec_rows, &sec_acc, |ni| {
        sec_index(chart.notes[ni].time).unwrap_or(usize::MAX)
    });
    (sections, bars)
}

/// Where each span's notes are: one run of the chart's notes per span while the notes' spans
/// never go back, or (once they do) no runs, and the span of each note is found again.
struct Runs {
    /// Span `i`'s notes are `start[i]..end[i]`; `None` once a note's span went back.
    runs: Option<(Vec<u32>, Vec<u32>)>,
    /// The last span seen.
    last: Option<usize>,
}

impl Runs {
    fn new(n_spans: usize) -> Runs {
        Runs {
            runs: Some((vec![0; n_spans], vec![0; n_spans])),
            last: None,
        }
    }

    /// Note `ni` is in span `span` (or in none).
    fn note(&mut self, ni: usize, span: Option<usize>) {
        let Some((start, end)) = self.runs.as_mut() else {
            return;
        };
        let Some(s) = span else {
            // A note in no span after one in a span: the notes are not in span order.
            if self.last.is_some() {
                self.runs = None;
            }
            return;
        };
        match self.last {
            Some(l) if l == s => end[s] = ni as u32 + 1,
            Some(l) if l > s => self.runs = None,
            _ => {
                start[s] = ni as u32;
                end[s] = ni as u32 + 1;
            }
        }
        self.last = Some(s);
    }

    /// One report per span. `span_of` gives a note's span (`usize::MAX` or more for none),
    /// used only when the runs were lost.
    fn reports(
        &self,
        judged: &Judged<'_>,
        rows: impl Iterator<Item = (String, i64, Nanos)>,
        acc: &[SpanCounts],
        span_of: impl Fn(usize) -> usize,
    ) -> Vec<SpanReport> {
        let chart = judged.chart;
        match &self.runs {
            Some((start, end)) => rows
                .enumerate()
                .map(|(i, row)| {
                    let notes = start[i] as usize..end[i] as usize;
                    report_of(judged, row, &acc[i], || notes.clone())
                })
                .collect(),
            None => {
                // Group the matched notes by span with a counting sort, keeping note order
                // within each span.
                let n_spans = acc.len();
                let mut starts = vec![0usize; n_spans + 1];
                let keys: Vec<u32> = (0..chart.notes.len())
                    .map(|ni| {
                        let s = span_of(ni);
                        if s < n_spans && judged.hit(ni).is_some() {
                            starts[s + 1] += 1;
                            s as u32
                        } else {
                            NONE
                        }
                    })
                    .collect();
                for i in 0..n_spans {
                    starts[i + 1] += starts[i];
                }
                let mut next = starts.clone();
                let mut order = vec![0u32; starts[n_spans]];
                for (ni, &k) in keys.iter().enumerate() {
                    if k != NONE {
                        order[next[k as usize]] = ni as u32;
                        next[k as usize] += 1;
                    }
                }
                rows.enumerate()
                    .map(|(i, row)| {
                        let notes = &order[starts[i]..starts[i + 1]];
                        report_of(judged, row, &acc[i], || notes.iter().map(|&ni| ni as usize))
                    })
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{ChartInfo, Note, Section};
    use crate::lane::{Dynamic, Lane};
    use crate::tempo::{Tempo, TempoMap, TimeSignature};
    use crate::time::Ticks;

    /// Quarter notes over 6 bars at 120 BPM, in 3 sections; every third note missed, the others
    /// played 3 ms late times their index modulo 5; one extra hit in bar 2.
    fn judged_parts() -> (Chart, Vec<u32>, Vec<Nanos>) {
        let map = TempoMap::constant(480, Tempo::MicrosPerQuarter(500_000), TimeSignature::COMMON)
            .unwrap();
        let notes: Vec<Note> = (0..24)
            .map(|i| Note {
                time: map.time(Ticks(i * 480)),
                tick: Ticks(i * 480),
                lane: Lane::Snare,
                articulation: None,
                dynamic: Dynamic::Normal,
            })
            .collect();
        let sections = [0, 5, 13]
            .iter()
            .map(|&i| Section {
                name: format!("s{i}"),
                tick: notes[i].tick,
                time: notes[i].time,
            })
            .collect();
        let chart = Chart::new(ChartInfo::default(), map, sections, notes).unwrap();
        let mut note_hit = Vec::new();
        let mut hit_time = Vec::new();
        for (i, n) in chart.notes.iter().enumerate() {
            if i % 3 == 2 {
                note_hit.push(NO_HIT);
            } else {
                note_hit.push(hit_time.len() as u32);
                hit_time.push(n.time + Nanos::from_millis(3 * (i as i64 % 5)));
            }
        }
        hit_time.push(Nanos::from_millis(2_100));
        (chart, note_hit, hit_time)
    }

    #[test]
    fn runs_and_the_counting_sort_give_the_same_tables() {
        let (chart, note_hit, hit_time) = judged_parts();
        let judged = Judged {
            chart: &chart,
            note_hit: &note_hit,
            hit_time: &hit_time,
        };
        let extra = [hit_time.len() as u32 - 1];
        let (sections, bars) = span_reports(&judged, &extra);
        assert_eq!(bars.len(), 6);
        assert_eq!(sections.len(), 3);
        assert_eq!(bars[1].extras, 1);
        // Bar 1: notes 0-3, note 2 missed; offsets 0, 3 and 9 ms.
        assert_eq!((bars[0].notes, bars[0].matched), (4, 3));
        assert_eq!(bars[0].offset_mean_ms, Some(4.0));
        // The same rows through the counting sort (as for notes whose spans go back).
        let map = &chart.tempo_map;
        let first_bar = map.position(chart.notes[0].tick).bar;
        let lost = Runs {
            runs: None,
            last: None,
        };
        let acc: Vec<SpanCounts> = bars
            .iter()
            .map(|b| SpanCounts {
                notes: b.notes,
                matched: b.matched,
                extras: b.extras,
            })
            .collect();
        let rows = bars
            .iter()
            .map(|b| (b.name.clone(), b.bar, map.time(map.bar_start(b.bar))));
        let again = lost.reports(&judged, rows, &acc, |ni| {
            (map.position(chart.notes[ni].tick).bar - first_bar) as usize
        });
        assert_eq!(again, bars);
    }

    #[test]
    fn a_note_out_of_span_order_loses_the_runs() {
        let mut runs = Runs::new(3);
        runs.note(0, Some(0));
        runs.note(1, Some(2));
        assert!(runs.runs.is_some());
        runs.note(2, Some(1));
        assert!(runs.runs.is_none());
        let mut runs = Runs::new(3);
        runs.note(0, None);
        runs.note(1, Some(0));
        runs.note(2, None);
        assert!(runs.runs.is_none());
    }
}
