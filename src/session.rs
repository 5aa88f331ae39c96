//! A scoring session: every player's take judged against the chart, the two players' sync, and
//! the report that holds both.
//!
//! This is the one place that runs the pipeline's judging stages in order and assembles their
//! results: [`crate::score`] judges each player, [`crate::sync`] pairs and compares two
//! players, [`crate::report`] is the model both fill in. The command line, the live session and
//! calibration call it; nothing below calls it.

use crate::chart::Chart;
use crate::latency::{LatencyError, LatencyProfiles};
use crate::matching::{Alignment, Offsets};
use crate::report::{
    ms, secs, CaptureSettings, ChartSummary, Generator, PlayerSettings, Report, Settings,
    SCHEMA_VERSION,
};
use crate::score::{score_player, score_player_report, PlayerInput, ScoreOptions};
use crate::sync::{self, PlayedTempo, SyncOptions};
use crate::take::Take;
use crate::time::{Nanos, Span};

/// The settings entry for a player: where the take came from, its kit and its offsets.
pub fn player_settings(player: &PlayerInput<'_>, alignment: &Alignment) -> PlayerSettings {
    settings_with(player, alignment.auto_offset)
}

/// [`player_settings`] from the offset auto-align found.
fn settings_with(player: &PlayerInput<'_>, auto_offset: Option<Nanos>) -> PlayerSettings {
    PlayerSettings {
        name: player.name.clone(),
        take: player.take.source.clone(),
        kit: player.kit.clone(),
        offset_hands_ms: ms(player.offsets.hands),
        offset_feet_ms: ms(player.offsets.feet),
        auto_align_ms: auto_offset.map(ms),
        latency_profile: player.latency_profile.clone(),
    }
}

/// The span a session scores: `span` (given for the run) ending no later than `stopped` (where
/// the capture stopped, on the chart's clock, when it stopped early). An end at or past the
/// last note's window is the whole chart, so a session played to the end records no span.
pub fn played_span(chart: &Chart, span: Span, stopped: Option<Nanos>, window: Nanos) -> Span {
    let span = span.until_at_most(stopped);
    let whole_until = chart.last_note_time().saturating_add(window);
    Span {
        until: span.until.filter(|u| *u < whole_until),
        ..span
    }
}

/// Scores every player against the chart and, for two players, their sync; assembles the
/// report. Returns each player's alignment too (calibration and the live view use them).
///
/// With a played span ([`ScoreOptions::span`]), the chart's notes due in it are scored against
/// the hits played in it, and the report's settings record it; the alignments then index the
/// notes of the span.
pub fn score_session(
    chart: &Chart,
    chart_path: &str,
    players: &[PlayerInput<'_>],
    options: &ScoreOptions,
    sync_options: &SyncOptions,
) -> (Report, Vec<Alignment>) {
    score_session_with(chart, chart_path, players, options, sync_options, true)
}

/// [`score_session`] for a caller that needs only the report: the alignments are built only
/// where the sync section needs them (two players), not kept for the caller.
pub fn score_session_report(
    chart: &Chart,
    chart_path: &str,
    players: &[PlayerInput<'_>],
    options: &ScoreOptions,
    sync_options: &SyncOptions,
) -> Report {
    score_session_with(chart, chart_path, players, options, sync_options, false).0
}

/// [`score_session`]; the alignments are returned with `alignments` (else the list is empty
/// unless two players need them for their sync).
fn score_session_with(
    chart: &Chart,
    chart_path: &str,
    players: &[PlayerInput<'_>],
    options: &ScoreOptions,
    sync_options: &SyncOptions,
    alignments: bool,
) -> (Report, Vec<Alignment>) {
    let span = options.span;
    if span.is_whole() {
        return score_span(
            chart,
            chart,
            chart_path,
            players,
            options,
            sync_options,
            alignments,
        );
    }
    let played = chart.within(span);
    let takes: Vec<Take> = players.iter().map(|p| p.take.within(span)).collect();
    let players: Vec<PlayerInput<'_>> = players
        .iter()
        .zip(&takes)
        .map(|(p, take)| PlayerInput { take, ..p.clone() })
        .collect();
    score_span(
        chart,
        &played,
        chart_path,
        &players,
        options,
        sync_options,
        alignments,
    )
}

/// [`score_session`] over `played`, the chart as played (`chart` is the chart as written, for
/// its summary).
fn score_span(
    chart: &Chart,
    played: &Chart,
    chart_path: &str,
    players: &[PlayerInput<'_>],
    options: &ScoreOptions,
    sync_options: &SyncOptions,
    want_alignments: bool,
) -> (Report, Vec<Alignment>) {
    let mut reports = Vec::with_capacity(players.len());
    let mut alignments = Vec::with_capacity(players.len());
    let mut settings = Vec::with_capacity(players.len());
    // Two players' sync is paired on the chart through their alignments.
    let build = want_alignments || players.len() == 2;
    for p in players {
        if build {
            let (r, a) = score_player(played, p, options);
            settings.push(player_settings(p, &a));
            reports.push(r);
            alignments.push(a);
        } else {
            let (r, auto_offset) = score_player_report(played, p, options);
            settings.push(settings_with(p, auto_offset));
            reports.push(r);
        }
    }
    let sync = match (players, &reports[..], &alignments[..]) {
        ([pa, pb], [ra, rb], [aa, ab]) => {
            let pairing = sync::pair_on_chart(played, aa, ab, options.timing.window);
            let tempo = |r: &crate::report::PlayerReport| -> PlayedTempo {
                r.bars
                    .iter()
                    .filter_map(|b| Some((b.bar, b.played_bpm?)))
                    .collect()
            };
            let (ta, tb) = (tempo(ra), tempo(rb));
            Some(sync::analyse(
                &pairing,
                [&pa.name, &pb.name],
                Some(played),
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
            notes_sha256: Some(crate::identity::notes_sha256(chart)),
            file_sha256: None,
            practice: None,
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
            played_from_s: span_secs(options.span.from),
            played_until_s: span_secs(options.span.until),
            capture: CaptureSettings::combine(players.iter().filter_map(|p| p.capture.as_ref())),
            audio: None,
            players: settings,
            left_out: Vec::new(),
        },
        players: reports,
        sync,
        warnings: chart.warnings.clone(),
    };
    (report, alignments)
}

fn span_secs(t: Option<Nanos>) -> Option<f64> {
    t.map(secs)
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
    /// The latency profile the offsets came from, for the report.
    pub latency_profile: Option<&'a str>,
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
            latency_profile: p.latency_profile.map(str::to_string),
        })
        .collect();
    Report::sync_only(analysis, settings)
}

/// Where a player's latency offsets came from ([`resolve_latencies`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LatencySource {
    /// Given for this run (`--offset-ms`).
    Given,
    /// The latency profile named for the player (`--latency-profile`), by its stored name.
    Profile(String),
    /// The profile saved for the take's (or live kit's) port, by its stored name.
    PortProfile(String),
    /// The offsets a capture log recorded.
    CaptureLog,
    /// Nothing known: zero.
    Zero,
}

/// A player's latency offsets and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latency {
    /// Hands and feet.
    pub offsets: Offsets,
    /// Where they came from.
    pub source: LatencySource,
}

impl Latency {
    /// The latency profile the offsets came from, if any (the report's `latency_profile`).
    pub fn profile(&self) -> Option<&str> {
        match &self.source {
            LatencySource::Profile(p) | LatencySource::PortProfile(p) => Some(p),
            _ => None,
        }
    }
}

/// What is known of one player's latency.
#[derive(Debug, Clone, Copy, Default)]
pub struct LatencyClaims<'a> {
    /// Offsets given for this run.
    pub given: Option<Offsets>,
    /// The name of a latency profile asked for.
    pub profile: Option<&'a str>,
    /// The ports the take was played on (capture logs of live kits record them), or the live
    /// kit's port.
    pub ports: &'a [String],
    /// Offsets the take's capture log recorded.
    pub recorded: Option<Offsets>,
}

/// The players' latencies, and a profiles file that could not be read when none was asked for
/// (the offsets then fall back to the capture log's or zero; the caller shows the warning).
#[derive(Debug)]
pub struct Latencies {
    /// One per player, in order.
    pub players: Vec<Latency>,
    /// Why the profiles file was passed over, when it was.
    pub warning: Option<LatencyError>,
}

/// Each player's latency offsets, in order of precedence: offsets given for the run, the named
/// latency profile, the profile saved for the take's port, the offsets a capture log recorded,
/// zero. `open` reads the profiles file; it is called at most once, and not at all when every
/// player's offsets are given. A profile asked for by name must exist (an error otherwise);
/// without one, an unreadable profiles file is a warning.
pub fn resolve_latencies(
    claims: &[LatencyClaims<'_>],
    open: impl FnOnce() -> Result<LatencyProfiles, LatencyError>,
) -> Result<Latencies, LatencyError> {
    let mut warning = None;
    let store = if claims.iter().any(|c| c.profile.is_some()) {
        Some(open()?)
    } else if claims.iter().all(|c| c.given.is_some()) {
        None
    } else {
        match open() {
            Ok(s) => Some(s),
            Err(LatencyError::NoConfigDir) => None,
            Err(e) => {
                warning = Some(e);
                None
            }
        }
    };
    let mut players = Vec::with_capacity(claims.len());
    for c in claims {
        let from_store = |key: &str, prof: &crate::latency::LatencyProfile, named: bool| Latency {
            offsets: prof.offsets(),
            source: if named {
                LatencySource::Profile(key.to_string())
            } else {
                LatencySource::PortProfile(key.to_string())
            },
        };
        let latency = if let Some(o) = c.given {
            Latency {
                offsets: o,
                source: LatencySource::Given,
            }
        } else if let (Some(name), Some(s)) = (c.profile, &store) {
            let (key, prof) = s.get(name)?;
            from_store(key, prof, true)
        } else if let Some((key, prof)) = store.as_ref().and_then(|s| s.for_ports(c.ports)) {
            from_store(key, prof, false)
        } else if let Some(o) = c.recorded {
            Latency {
                offsets: o,
                source: LatencySource::CaptureLog,
            }
        } else {
            Latency {
                offsets: Offsets::default(),
                source: LatencySource::Zero,
            }
        };
        players.push(latency);
    }
    Ok(Latencies { players, warning })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latency::LatencyProfile;

    fn ms(v: i64) -> Offsets {
        Offsets::both(Nanos::from_millis(v))
    }

    fn store() -> LatencyProfiles {
        let dir = std::env::temp_dir().join("pocket-session-test-unused");
        let mut s =
            LatencyProfiles::open(dir.join("latency.json")).expect("a missing file is empty");
        s.insert("TD-17 port", LatencyProfile::from_offsets(ms(7)))
            .expect("valid");
        s.insert("slow", LatencyProfile::from_offsets(ms(30)))
            .expect("valid");
        s
    }

    #[test]
    fn latency_precedence_is_given_then_named_then_port_then_log_then_zero() {
        let ports = vec!["TD-17 port".to_string()];
        let claims = [
            LatencyClaims {
                given: Some(ms(1)),
                profile: Some("slow"),
                ports: &ports,
                recorded: Some(ms(2)),
            },
            LatencyClaims {
                profile: Some("slow"),
                ports: &ports,
                recorded: Some(ms(2)),
                ..Default::default()
            },
            LatencyClaims {
                ports: &ports,
                recorded: Some(ms(2)),
                ..Default::default()
            },
            LatencyClaims {
                recorded: Some(ms(2)),
                ..Default::default()
            },
            LatencyClaims::default(),
        ];
        let got = resolve_latencies(&claims, || Ok(store())).expect("resolves");
        let sources: Vec<LatencySource> = got.players.iter().map(|l| l.source.clone()).collect();
        assert_eq!(
            sources,
            [
                LatencySource::Given,
                LatencySource::Profile("slow".into()),
                LatencySource::PortProfile("TD-17 port".into()),
                LatencySource::CaptureLog,
                LatencySource::Zero,
            ]
        );
        let offsets: Vec<Offsets> = got.players.iter().map(|l| l.offsets).collect();
        assert_eq!(offsets, [ms(1), ms(30), ms(7), ms(2), Offsets::default()]);
        assert_eq!(got.players[1].profile(), Some("slow"));
        assert_eq!(got.players[3].profile(), None);
    }

    #[test]
    fn a_named_profile_must_exist_and_a_broken_file_is_only_a_warning_without_one() {
        let named = [LatencyClaims {
            profile: Some("missing"),
            ..Default::default()
        }];
        assert!(resolve_latencies(&named, || Ok(store())).is_err());
        let broken = || Err(LatencyError::NoConfigDir);
        assert!(
            resolve_latencies(&named, broken).is_err(),
            "asked for by name"
        );
        let auto = [LatencyClaims {
            recorded: Some(ms(4)),
            ..Default::default()
        }];
        let got = resolve_latencies(&auto, broken).expect("no config dir is fine");
        assert!(got.warning.is_none());
        assert_eq!(got.players[0].source, LatencySource::CaptureLog);
        let all_given = [LatencyClaims {
            given: Some(ms(3)),
            ..Default::default()
        }];
        let got = resolve_latencies(&all_given, || {
            panic!("not opened when every offset is given")
        })
        .expect("resolves");
        assert_eq!(got.players[0].offsets, ms(3));
    }

    /// A 120 BPM 4/4 chart with a snare on every beat for `beats` beats (0.5 s apart).
    fn beats_chart(beats: i64) -> Chart {
        use crate::chart::{ChartInfo, Note};
        use crate::lane::{Dynamic, Lane};
        use crate::tempo::{Tempo, TempoMap, TimeSignature};
        use crate::time::Ticks;
        let map = TempoMap::constant(480, Tempo::MicrosPerQuarter(500_000), TimeSignature::COMMON)
            .expect("a constant tempo map");
        let notes = (0..beats)
            .map(|b| Note {
                time: map.time(Ticks(b * 480)),
                tick: Ticks(b * 480),
                lane: Lane::Snare,
                articulation: None,
                dynamic: Dynamic::Normal,
            })
            .collect();
        Chart::new(ChartInfo::default(), map, Vec::new(), notes).expect("a valid chart")
    }

    #[test]
    fn a_session_stopped_early_is_scored_over_the_span_played() {
        let chart = beats_chart(40); // 20 s of snares
                                     // Played on time for the first 5 s (beats at 0.0 .. 4.5 s, and 5.0 s), then stopped.
        let hits: Vec<(f64, crate::lane::Lane)> = (0..=10)
            .map(|b| (f64::from(b) * 500.0, crate::lane::Lane::Snare))
            .collect();
        let take = crate::testdata::take_ms(&hits, 100);
        let window = ScoreOptions::default().timing.window;
        let stopped = Some(Nanos::from_millis(5_000));
        let options = ScoreOptions {
            span: played_span(&chart, Span::WHOLE, stopped, window),
            ..ScoreOptions::default()
        };
        let (report, _) = score_session(
            &chart,
            "beats",
            &[PlayerInput::new("a", &take)],
            &options,
            &SyncOptions::default(),
        );
        let p = &report.players[0];
        assert_eq!(p.notes, 11, "the notes due up to the stop at 5 s");
        assert_eq!((p.matched, p.misses, p.extras), (11, 0, 0));
        assert_eq!(report.settings.played_until_s, Some(5.0));
        assert_eq!(report.settings.played_from_s, None);
        assert_eq!(
            report.chart.as_ref().map(|c| c.notes),
            Some(40),
            "the chart summary is the chart as written"
        );

        // Stopped past the last note's window: the whole chart, and no span in the report.
        let late = Some(chart.last_note_time() + window);
        assert!(played_span(&chart, Span::WHOLE, late, window).is_whole());
        let (whole, _) = score_session(
            &chart,
            "beats",
            &[PlayerInput::new("a", &take)],
            &ScoreOptions::default(),
            &SyncOptions::default(),
        );
        assert_eq!(whole.players[0].misses, 29);
        assert!(!whole.to_json().contains("played_until_s"));
    }

    #[test]
    fn a_span_from_and_until_keeps_the_notes_and_hits_within_it() {
        let chart = beats_chart(40);
        let hits: Vec<(f64, crate::lane::Lane)> = (0..40)
            .map(|b| (f64::from(b) * 500.0, crate::lane::Lane::Snare))
            .collect();
        let take = crate::testdata::take_ms(&hits, 100);
        let span = Span {
            from: Some(Nanos::from_millis(2_000)),
            until: Some(Nanos::from_millis(4_000)),
        };
        let options = ScoreOptions {
            span: played_span(&chart, span, None, ScoreOptions::default().timing.window),
            ..ScoreOptions::default()
        };
        let (report, _) = score_session(
            &chart,
            "beats",
            &[PlayerInput::new("a", &take)],
            &options,
            &SyncOptions::default(),
        );
        let p = &report.players[0];
        assert_eq!((p.notes, p.hits, p.matched, p.extras), (5, 5, 5, 0));
        assert_eq!(report.settings.played_from_s, Some(2.0));
        assert_eq!(report.settings.played_until_s, Some(4.0));
    }

    #[test]
    fn sync_without_a_chart_rounds_settings_like_a_scored_session() {
        let take = crate::testdata::take_ms(&[(0.0, crate::lane::Lane::Snare)], 100);
        let offsets = Offsets {
            hands: Nanos(1_234_567),
            feet: Nanos(-7_654_321),
        };
        let free = sync_without_chart(
            [
                SyncPlayer {
                    name: "a",
                    take: &take,
                    kit: "gm",
                    offsets,
                    latency_profile: None,
                },
                SyncPlayer {
                    name: "b",
                    take: &take,
                    kit: "gm",
                    offsets,
                    latency_profile: Some("slow"),
                },
            ],
            &FreePairing {
                all_lanes: false,
                window: None,
                collapse: Nanos::ZERO,
            },
            &SyncOptions::default(),
        );
        let input = PlayerInput {
            offsets,
            ..PlayerInput::new("a", &take)
        };
        let scored = player_settings(
            &input,
            &Alignment {
                note_hit: Vec::new(),
                hit_time: Vec::new(),
                auto_offset: None,
            },
        );
        assert_eq!(
            free.settings.players[0].offset_hands_ms,
            scored.offset_hands_ms
        );
        assert_eq!(
            free.settings.players[0].offset_feet_ms,
            scored.offset_feet_ms
        );
        assert_eq!(scored.offset_hands_ms, 1.2346);
        assert_eq!(scored.offset_feet_ms, -7.6543);
        assert_eq!(
            free.settings.players[1].latency_profile.as_deref(),
            Some("slow")
        );
    }
}
