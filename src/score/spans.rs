//! The per-bar and per-section tables of a player's report.

use crate::chart::Chart;
use crate::report::{secs, SpanReport};
use crate::stats;
use crate::time::Nanos;

use super::figures::pct;

/// What the span tables are computed from: one player's judged notes and extras.
pub(crate) struct SpanInput<'a> {
    /// The chart.
    pub chart: &'a Chart,
    /// Each note's signed offset, `None` for a miss.
    pub note_offset: &'a [Option<Nanos>],
    /// Each note's matched hit.
    pub note_hit: &'a [Option<usize>],
    /// Each hit's corrected time, `None` for an ignored foot chick.
    pub hit_time: &'a [Option<Nanos>],
    /// The extra hits (indices into the take).
    pub extras: &'a [usize],
    /// Matched notes in all.
    pub matched: usize,
}

/// A matched note for the per-bar and per-section tables: (bar index, section index, offset ms,
/// (chart time s, hit time s)); `u32::MAX` for no bar or section.
type MatchedNote = (u32, u32, f64, (f64, f64));

/// Counts of one bar or section.
#[derive(Debug, Default, Clone, Copy)]
struct SpanCounts {
    notes: usize,
    matched: usize,
    extras: usize,
}

/// The matched notes' offsets (ms) and (chart time s, hit time s) pairs grouped by span (bar or
/// section), each span's in note order: span `i` owns `starts[i]..starts[i + 1]`. One pair of
/// flat vectors for all spans instead of two vectors per span.
struct SpanValues {
    starts: Vec<usize>,
    offsets_ms: Vec<f64>,
    pairs: Vec<(f64, f64)>,
}

impl SpanValues {
    /// Groups `(span, offset ms, pair)` entries (in note order) by span with a counting sort,
    /// which keeps the note order within each span. Entries with a span of `n_spans` or more
    /// are dropped.
    fn group(n_spans: usize, entries: &[MatchedNote], key: fn(&MatchedNote) -> u32) -> SpanValues {
        let mut starts = vec![0usize; n_spans + 1];
        for e in entries {
            let k = key(e) as usize;
            if k < n_spans {
                starts[k + 1] += 1;
            }
        }
        for i in 0..n_spans {
            starts[i + 1] += starts[i];
        }
        let total = starts[n_spans];
        let mut next = starts.clone();
        let mut offsets_ms = vec![0.0; total];
        let mut pairs = vec![(0.0, 0.0); total];
        for e in entries {
            let k = key(e) as usize;
            if k < n_spans {
                offsets_ms[next[k]] = e.2;
                pairs[next[k]] = e.3;
                next[k] += 1;
            }
        }
        SpanValues {
            starts,
            offsets_ms,
            pairs,
        }
    }

    /// Span `i`'s offsets and pairs.
    fn span(&self, i: usize) -> (&[f64], &[(f64, f64)]) {
        let r = self.starts[i]..self.starts[i + 1];
        (&self.offsets_ms[r.clone()], &self.pairs[r])
    }
}

/// The most bars a player's per-bar table lists (about 24 days at 120 BPM in 4/4).
const MAX_REPORT_BARS: usize = 1 << 20;

/// The per-section and per-bar tables: (sections, bars).
pub(crate) fn span_reports(input: &SpanInput<'_>) -> (Vec<SpanReport>, Vec<SpanReport>) {
    let SpanInput {
        chart,
        note_offset,
        note_hit,
        hit_time,
        extras,
        matched,
    } = *input;
    let map = &chart.tempo_map;
    let span_report = |name: String,
                       bar: i64,
                       start: Nanos,
                       acc: &SpanCounts,
                       (offsets, pairs): (&[f64], &[(f64, f64)])| {
        let start_tick = map.tick(start);
        let chart_bpm = stats::round_to(map.tempo_at(start_tick).bpm(), 4);
        let played_bpm = stats::slope(pairs)
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
            offset_mean_ms: stats::mean(offsets).map(|v| stats::round_to(v, 4)),
            offset_sd_ms: stats::sd(offsets).map(|v| stats::round_to(v, 4)),
            chart_bpm,
            played_bpm,
        }
    };
    let mut bars = Vec::new();
    let mut sections = Vec::new();
    let (Some(first), Some(last)) = (chart.notes.first(), chart.notes.last()) else {
        return (sections, bars);
    };
    let first_bar = map.position(first.tick).bar;
    let last_bar = map.position(last.tick).bar;
    let nb = (last_bar - first_bar + 1).max(0) as usize;
    // A chart spanning an absurd number of bars (damaged times) gets no per-bar table
    // rather than one allocated per bar.
    let nb = if nb > MAX_REPORT_BARS { 0 } else { nb };
    let mut bar_acc = vec![SpanCounts::default(); nb];
    let n_sec = chart.sections.len();
    let mut sec_acc = vec![SpanCounts::default(); n_sec];
    let sec_index = |t: Nanos| {
        chart
            .sections
            .partition_point(|s| s.time <= t)
            .checked_sub(1)
    };
    // The same as `sec_index`, trying the previous answer first (notes come in time order).
    let mut sec_cursor: Option<usize> = None;
    let mut sec_index_from_cursor = |t: Nanos| {
        let still = |i: usize| {
            chart.sections[i].time <= t
                && chart.sections.get(i + 1).is_none_or(|next| next.time > t)
        };
        let s = match sec_cursor {
            Some(i) if still(i) => Some(i),
            _ => sec_index(t),
        };
        sec_cursor = s;
        s
    };
    let bar_index = |t: Nanos| {
        let b = map.bar_at(t) - first_bar;
        (0..nb as i64).contains(&b).then_some(b as usize)
    };
    // Matched notes: (bar, section, offset ms, (chart s, hit s)); u32::MAX for none.
    let mut matched_notes: Vec<MatchedNote> = Vec::with_capacity(matched);
    for (ni, n) in chart.notes.iter().enumerate() {
        let off = note_offset[ni];
        let hit = note_hit[ni].and_then(|h| hit_time[h]);
        let b = (map.position(n.tick).bar - first_bar) as usize;
        let s = sec_index_from_cursor(n.time);
        let b = (b < nb).then_some(b);
        let s = s.filter(|&s| s < n_sec);
        let is_matched = matches!((off, hit), (Some(_), Some(_)));
        for acc in [b.map(|b| &mut bar_acc[b]), s.map(|s| &mut sec_acc[s])]
            .into_iter()
            .flatten()
        {
            acc.notes += 1;
            if is_matched {
                acc.matched += 1;
            }
        }
        if let (Some(o), Some(h), true) = (off, hit, b.is_some() || s.is_some()) {
            let key = |i: Option<usize>| i.map_or(u32::MAX, |i| i as u32);
            matched_notes.push((
                key(b),
                key(s),
                o.as_millis_f64(),
                (n.time.as_secs_f64(), h.as_secs_f64()),
            ));
        }
    }
    for &h in extras {
        let Some(t) = hit_time[h] else { continue };
        if let Some(b) = bar_index(t) {
            bar_acc[b].extras += 1;
        }
        if let Some(s) = sec_index(t) {
            sec_acc[s].extras += 1;
        }
    }
    let bar_values = SpanValues::group(nb, &matched_notes, |e| e.0);
    let sec_values = SpanValues::group(n_sec, &matched_notes, |e| e.1);
    drop(matched_notes);
    for (i, acc) in bar_acc.iter().enumerate() {
        let bar = first_bar + i as i64;
        let start = map.time(map.bar_start(bar));
        bars.push(span_report(
            bar.to_string(),
            bar,
            start,
            acc,
            bar_values.span(i),
        ));
    }
    for (i, (s, acc)) in chart.sections.iter().zip(&sec_acc).enumerate() {
        let bar = map.position(s.tick).bar;
        sections.push(span_report(
            s.name.clone(),
            bar,
            s.time,
            acc,
            sec_values.span(i),
        ));
    }
    (sections, bars)
}
