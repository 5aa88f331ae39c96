//! A scoring session: every player's take judged against the chart, the two players' sync, and
//! the report that holds both.
//!
//! This is the one place that runs the pipeline's judging stages in order and assembles their
//! results: [`crate::score`] judges each player, [`crate::sync`] pairs and compares two
//! players, [`crate::report`] is the model both fill in. The command line, the live session and
//! calibration call it; nothing below calls it.

use crate::chart::Chart;
use crate::matching::{Alignment, Offsets};
use crate::report::{
    ms, secs, ChartSummary, Generator, PlayerSettings, Report, Settings, SCHEMA_VERSION,
};
use crate::score::{score_player, PlayerInput, ScoreOptions};
use crate::sync::{self, PlayedTempo, SyncOptions};
use crate::take::Take;
use crate::time::Nanos;

/// The settings entry for a player: where the take came from, its kit and its offsets.
pub fn player_settings(player: &PlayerInput<'_>, alignment: &Alignment) -> PlayerSettings {
    PlayerSettings {
        name: player.name.clone(),
        take: player.take.source.clone(),
        kit: player.kit.clone(),
        offset_hands_ms: ms(player.offsets.hands),
        offset_feet_ms: ms(player.offsets.feet),
        auto_align_ms: alignment.auto_offset.map(ms),
        latency_profile: None,
    }
}

/// Scores every player against the chart and, for two players, their sync; assembles the
/// report. Returns each player's alignment too (calibration and the live view use them).
pub fn score_session(
    chart: &Chart,
    chart_path: &str,
    players: &[PlayerInput<'_>],
    options: &ScoreOptions,
    sync_options: &SyncOptions,
) -> (Report, Vec<Alignment>) {
    let mut reports = Vec::with_capacity(players.len());
    let mut alignments = Vec::with_capacity(players.len());
    let mut settings = Vec::with_capacity(players.len());
    for p in players {
        let (r, a) = score_player(chart, p, options);
        settings.push(player_settings(p, &a));
        reports.push(r);
        alignments.push(a);
    }
    let sync = match (players, &reports[..], &alignments[..]) {
        ([pa, pb], [ra, rb], [aa, ab]) => {
            let pairing = sync::pair_on_chart(chart, aa, ab, options.timing.window);
            let played = |r: &crate::report::PlayerReport| -> PlayedTempo {
                r.bars
                    .iter()
                    .filter_map(|b| Some((b.bar, b.played_bpm?)))
                    .collect()
            };
            let (ta, tb) = (played(ra), played(rb));
            Some(sync::analyse(
                &pairing,
                [&pa.name, &pb.name],
                Some(chart),
                Some([&ta, &tb]),
                sync_options,
            ))
        }
        _ => None,
    };
    let report = Report {
        schema_version: SCHEMA_VERSION,
        generator: Generator::this(),
        chart: Some(ChartSummary {
            title: chart.info.title.clone(),
            artist: chart.info.artist.clone(),
            charter: chart.info.charter.clone(),
            path: chart_path.to_string(),
            duration_s: secs(chart.duration()),
            notes: chart.notes.len(),
            lanes: chart.notes_per_lane().into_iter().collect(),
        }),
        settings: Settings {
            timing: options.timing.name(),
            window_ms: ms(options.timing.window),
            tiers_ms: options.timing.edges_ms(),
            strict_articulation: options.strict_articulation,
            accent_ratio: options.accent_ratio,
            ghost_ratio: options.ghost_ratio,
            lane_merges: options.lane_merge_text.clone(),
            detail: options.detail,
            players: settings,
        },
        players: reports,
        sync,
    };
    (report, alignments)
}

/// One player of a chart-free sync: a name, the take, and how it was read.
#[derive(Debug, Clone, Copy)]
pub struct SyncPlayer<'a> {
    /// Player name.
    pub name: &'a str,
    /// The take.
    pub take: &'a Take,
    /// Kit profile name (for the report).
    pub kit: &'a str,
    /// Latency offsets.
    pub offsets: Offsets,
}

/// How two takes are paired without a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct FreePairing {
    /// Pool every lane into one onset stream (`--lanes all`) instead of pairing lane by lane.
    pub all_lanes: bool,
    /// The pairing window; `None` picks one from the takes ([`sync::default_window`]).
    pub window: Option<Nanos>,
    /// Onsets closer than this to the previous one collapse into it (flams, chords).
    pub collapse: Nanos,
}

/// The report of two takes compared without a chart: no per-player scores, the sync section.
/// Settings are written with the same rounding as [`score_session`].
pub fn sync_without_chart(
    players: [SyncPlayer<'_>; 2],
    pairing: &FreePairing,
    options: &SyncOptions,
) -> Report {
    let [a, b] = players;
    let pairs = sync::pair_free(
        a.take,
        &a.offsets,
        b.take,
        &b.offsets,
        pairing.all_lanes,
        pairing.window,
        pairing.collapse,
    );
    let analysis = sync::analyse(&pairs, [a.name, b.name], None, None, options);
    let settings = players
        .iter()
        .map(|p| PlayerSettings {
            name: p.name.to_string(),
            take: p.take.source.clone(),
            kit: p.kit.to_string(),
            offset_hands_ms: ms(p.offsets.hands),
            offset_feet_ms: ms(p.offsets.feet),
            auto_align_ms: None,
            latency_profile: None,
        })
        .collect();
    Report::sync_only(analysis, settings)
}
