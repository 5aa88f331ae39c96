//! Shared code of pocket's fuzz targets: what to do with a chart or take once a reader accepted
//! it (score it, so that every accepted input also goes through the matcher and the scorer), and
//! how a fuzz input is cut into MIDI messages as a port delivers them.

use pocket::event::RawEvent;
use pocket::formats::onsets::{to_chart, Onset};
use pocket::kit::KitMap;
use pocket::score::{PlayerInput, ScoreOptions};
use pocket::sync::SyncOptions;

use pocket::take::{Hit, Source, Take};
use pocket::time::Nanos;
use pocket::Chart;
use std::path::Path;

/// Scores players as `pocket score` does (default settings).
fn score_session(chart: &Chart, players: &[PlayerInput<'_>]) {
    let _ = pocket::session::score_session(
        chart,
        "fuzz",
        players,
        &ScoreOptions::default(),
        &SyncOptions::default(),
    );
}

/// At most this many notes or hits are scored (the matcher is O(n log n); this keeps one
/// execution short on huge inputs).
const MAX_SCORED: usize = 20_000;

/// A take that plays `chart` exactly, then the same with every hit 7 ms late.
fn takes_for(chart: &Chart) -> (Take, Take) {
    let hits: Vec<Hit> = chart
        .notes
        .iter()
        .take(MAX_SCORED)
        .map(|n| Hit {
            time: n.time,
            lane: n.lane,
            articulation: n.articulation,
            velocity: 100,
            source: Source {
                note: 38,
                channel: 10,
                port: 0,
            },
        })
        .collect();
    let exact = Take {
        hits: hits.clone(),
        ..Take::default()
    };
    let late = Take {
        hits: hits
            .into_iter()
            .map(|mut h| {
                h.time = h.time.saturating_add(Nanos::from_millis(7));
                h
            })
            .collect(),
        ..Take::default()
    };
    (exact, late)
}

/// Scores two synthetic players against an accepted chart (both with auto-align on one).
pub fn exercise_chart(chart: &Chart) {
    if chart.notes.len() > MAX_SCORED {
        return;
    }
    let (a, b) = takes_for(chart);
    let mut pa = PlayerInput::new("a", &a);
    pa.auto_align = true;
    let pb = PlayerInput::new("b", &b);
    score_session(chart, &[pa, pb]);
}

/// Scores an accepted take against a chart made of its own hits.
pub fn exercise_take(take: &Take) {
    if take.hits.len() > MAX_SCORED {
        return;
    }
    // A chart of the take's own hits (times clamped to zero: charts start there).
    let onsets: Vec<Onset> = take
        .hits
        .iter()
        .enumerate()
        .map(|(i, h)| Onset {
            time: h.time.max(Nanos::ZERO),
            lane: h.lane,
            line: i + 1,
        })
        .collect();
    if let Ok(chart) = to_chart(Path::new("fuzz"), &onsets) {
        let p = PlayerInput::new("p", take);
        score_session(&chart, &[p]);
    }
}

/// Builds takes from raw events through the built-in kits `gm` and `td17` (when present).
pub fn exercise_events(events: &[RawEvent]) {
    for name in ["gm", "td17"] {
        if let Some(kit) = KitMap::builtin(name) {
            let take = pocket::internals::build_take(
                events,
                &kit,
                &kit.options,
                "fuzz".into(),
                vec!["port".into()],
            );
            exercise_take(&take);
        }
    }
}

/// Cuts fuzz bytes into MIDI messages as a backend delivers them to the callback: each message
/// starts at a status byte (>= 0x80) and runs to the next status byte, except that a SysEx
/// (0xF0) runs to its 0xF7 (or the end), and realtime bytes (0xF8..=0xFF) are single-byte
/// messages even inside another message (as USB-MIDI packets may interleave them). Data bytes
/// before the first status byte make a message of their own (a truncated or running-status
/// packet). The first byte of each 4-byte group is also used as a message boundary hint so the
/// fuzzer can make packets holding several messages and messages cut short.
pub fn split_messages(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut i = 0usize;
    while i < data.len() {
        let b = data[i];
        if i > start && b >= 0x80 {
            let in_sysex = data[start] == 0xF0;
            let ends_sysex = b == 0xF7;
            if !in_sysex || b >= 0xF8 {
                out.push(&data[start..i]);
                start = i;
            } else if ends_sysex {
                out.push(&data[start..=i]);
                start = i + 1;
            }
        }
        if b >= 0xF8 && start == i {
            // A realtime byte on its own.
            out.push(&data[i..=i]);
            start = i + 1;
        }
        i += 1;
    }
    if start < data.len() {
        out.push(&data[start..]);
    }
    out
}
