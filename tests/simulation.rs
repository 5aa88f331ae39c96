//! The whole pipeline against a simulation with known ground truth: a seeded drummer plays a
//! bundled chart with a known lag, lane bias, spread, drift and miss rate; the raw MIDI goes through
//! the kit stage and the scorer, and the report must recover what the simulation put in.

use pocket::formats::chart_json;
use pocket::internals::build_take;
use pocket::kit::KitMap;
use pocket::lane::Lane;
use pocket::score::{score_player, PlayerInput, ScoreOptions};
use pocket::simulate::{perform, Drummer, Intent};
use std::path::Path;

fn chart() -> pocket::Chart {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("charts/disco-pop-114.json");
    chart_json::read_chart(&path).expect("bundled chart reads")
}

#[test]
fn scorer_recovers_the_simulated_truth() {
    let chart = chart();
    let kit = KitMap::builtin("gm").unwrap();
    let mut bias = [0.0; Lane::ALL.len()];
    bias[Lane::Kick.index()] = -6.0;
    bias[Lane::Hihat.index()] = 3.0;
    let drummer = Drummer {
        seed: 7,
        lag_ms: 10.0,
        lane_bias_ms: bias,
        jitter_sd_ms: 12.0,
        wander_sd_ms: 0.0,
        drift_ms_per_min: 3.0,
        miss_rate: 0.03,
        wrong_drum_rate: 0.0,
        overhit_rate: 0.0,
        crosstalk_rate: 0.0,
        channel: 10,
    };
    let perf = perform(&chart, &kit, &drummer);
    let take = build_take(
        &perf.events,
        &kit,
        &kit.options,
        "sim".into(),
        vec!["sim".into()],
    );
    let options = ScoreOptions {
        detail: true,
        ..ScoreOptions::default()
    };
    let (report, _) = score_player(&chart, &PlayerInput::new("sim", &take), &options);

    // Counts are exact: nothing the simulation played can fall outside a 117 ms window at 12 ms SD.
    let missed = perf
        .intents
        .iter()
        .filter(|i| matches!(i, Intent::Missed))
        .count();
    assert!(missed > 0, "the simulation should leave some notes out");
    assert_eq!(
        report.misses, missed,
        "misses = notes the simulation left out"
    );
    assert_eq!(report.matched, chart.notes.len() - missed);
    assert_eq!(report.extras, 0);
    assert_eq!(report.precision, Some(1.0));

    // Every matched note's offset is exactly the simulated one (to the 0.0001 ms of the report).
    let detail = report.detail.as_ref().unwrap();
    for ((note, intent), d) in chart.notes.iter().zip(&perf.intents).zip(&detail.notes) {
        match intent {
            Intent::Played(t) => {
                let truth = (*t - note.time).as_millis_f64();
                let got = d.offset_ms.expect("a played note is matched");
                assert!(
                    (got - truth).abs() < 1e-3,
                    "note at {}: {got} vs {truth}",
                    note.time
                );
            }
            _ => assert_eq!(d.tier.name(), "miss"),
        }
    }

    // Means per lane: lag + bias + drift at the mean time, within 4 standard errors.
    let mean_minutes: f64 = chart
        .notes
        .iter()
        .map(|n| n.time.as_secs_f64() / 60.0)
        .sum::<f64>()
        / chart.notes.len() as f64;
    for lane in [Lane::Kick, Lane::Snare, Lane::Hihat] {
        let l = &report.lanes[&lane];
        let n = l.matched as f64;
        let expect = 10.0 + bias[lane.index()] + 3.0 * mean_minutes;
        let se = 12.0 / n.sqrt();
        let got = l.offset_ms.mean.unwrap();
        assert!(
            (got - expect).abs() < 4.0 * se + 0.5,
            "{lane}: mean {got:.2} vs {expect:.2} (se {se:.2})"
        );
        let sd = l.offset_ms.sd.unwrap();
        assert!((sd - 12.0).abs() < 2.5, "{lane}: sd {sd:.2} vs 12");
    }
    // Drift: 3 ms/min put in; the SE of a slope over ~2.8 min of 1150 notes is ~0.5 ms/min,
    // plus the lane mix (kick early, hi-hat late) spread over the song.
    let drift = report.drift_ms_per_min.unwrap();
    assert!((drift - 3.0).abs() < 2.0, "drift {drift:.2} vs 3.0");
}

#[test]
fn auto_align_recovers_a_large_unknown_latency() {
    let chart = chart();
    let kit = KitMap::builtin("gm").unwrap();
    let drummer = Drummer {
        seed: 11,
        lag_ms: 180.0,
        lane_bias_ms: [0.0; Lane::ALL.len()],
        jitter_sd_ms: 10.0,
        wander_sd_ms: 0.0,
        drift_ms_per_min: 0.0,
        miss_rate: 0.0,
        wrong_drum_rate: 0.0,
        overhit_rate: 0.0,
        crosstalk_rate: 0.0,
        channel: 10,
    };
    let perf = perform(&chart, &kit, &drummer);
    let take = build_take(
        &perf.events,
        &kit,
        &kit.options,
        "sim".into(),
        vec!["sim".into()],
    );
    let mut player = PlayerInput::new("sim", &take);
    player.auto_align = true;
    let (report, alignment) = score_player(&chart, &player, &ScoreOptions::default());
    let found = alignment.auto_offset.unwrap().as_millis_f64();
    assert!(
        (found - 180.0).abs() < 3.0,
        "auto-align found {found:.2} ms, 180 put in"
    );
    assert_eq!(report.misses, 0);
    let mean = report.offset_ms.mean.unwrap();
    assert!(mean.abs() < 2.0, "mean offset after auto-align {mean}");
}

/// A duet simulated with known phase-correction gains is scored against its chart; the sync
/// section must recover the gains (each inflated by half the pull to the backing track, β/2,
/// which acts on the asynchrony like a correction) and name the leader.
#[test]
fn duet_gains_are_recovered_through_the_whole_pipeline() {
    use pocket::simulate::{perform_duet, Coupling};
    let chart = chart();
    let kit = KitMap::builtin("gm").unwrap();
    let plain = Drummer {
        lane_bias_ms: [0.0; Lane::ALL.len()],
        miss_rate: 0.0,
        wrong_drum_rate: 0.0,
        overhit_rate: 0.0,
        crosstalk_rate: 0.0,
        ..Drummer::default()
    };
    let c = |alpha| Coupling {
        alpha,
        beta: 0.1,
        sd_timekeeper_ms: 5.0,
        sd_motor_ms: 4.0,
    };
    let [pa, pb] = perform_duet(
        &chart,
        [&kit, &kit],
        [&plain, &plain],
        [c(0.05), c(0.35)],
        9,
    );
    let ta = build_take(&pa.events, &kit, &kit.options, "a".into(), vec!["a".into()]);
    let tb = build_take(&pb.events, &kit, &kit.options, "b".into(), vec!["b".into()]);
    let players = [PlayerInput::new("A", &ta), PlayerInput::new("B", &tb)];
    let (report, _) = pocket::session::score_session(
        &chart,
        "chart",
        &players,
        &ScoreOptions::default(),
        &pocket::sync::SyncOptions::default(),
    );
    let sync = report.sync.expect("two players give a sync section");
    let alpha = |n: &str| sync.phase_correction[n].alpha.unwrap();
    eprintln!("alpha A {} B {}", alpha("A"), alpha("B"));
    assert!((alpha("A") - 0.10).abs() < 0.1, "alpha A {}", alpha("A"));
    assert!((alpha("B") - 0.40).abs() < 0.1, "alpha B {}", alpha("B"));
    assert_eq!(sync.leader.verdict.name(), "leads");
    assert_eq!(sync.leader.player.as_deref(), Some("A"));
}
