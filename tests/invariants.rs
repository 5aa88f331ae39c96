//! Properties that hold for every input, checked on random ones (proptest):
//!
//! - the matcher finds as many pairs as a maximum bipartite matching (an augmenting-path oracle);
//! - the order hits and notes are given in does not change the score;
//! - shifting every hit and the player's latency offset by the same δ changes nothing;
//! - one more hit far from every note never lowers the match count;
//! - swapping the two players negates the mean asynchrony and swaps the α's (chart-free pairing
//!   with `sync::pair_free` + `sync::analyse`, and the sync section of `score_session`).

use pocket::formats::onsets::to_chart;
use pocket::internals::readers::onsets::parse_onsets;
use pocket::matching::match_sorted;
use pocket::matching::Offsets;
use pocket::report::SyncReport;
use pocket::score::{score_player, PlayerInput, ScoreOptions};
use pocket::session::score_session;
use pocket::sync::{analyse, pair_free, SyncOptions};
use pocket::take::{Hit, Source, Take};
use pocket::{Chart, Lane, Nanos};
use proptest::prelude::*;
use std::path::Path;

/// Lanes the generators draw from (hands and feet, so both offsets are used).
const LANES: [Lane; 4] = [Lane::Kick, Lane::Snare, Lane::Hihat, Lane::Tom1];

fn ms(v: i64) -> Nanos {
    Nanos::from_millis(v)
}

/// Times in ms on a coarse grid with jitter, as (lane index, ms); possibly duplicated.
fn events(max: usize) -> impl Strategy<Value = Vec<(usize, i64)>> {
    prop::collection::vec((0..LANES.len(), 0i64..4_000), 0..max)
}

/// Distinct (lane, time) events, sorted by time then lane: charts and takes without exact
/// duplicates (a lane struck twice at one instant), so any order sorts to the same list.
fn distinct(mut ev: Vec<(usize, i64)>) -> Vec<(usize, i64)> {
    ev.sort_by_key(|&(l, t)| (t, l));
    ev.dedup_by_key(|e| e.1);
    ev
}

/// A chart of (lane index, ms) events, written as an onset list in the given order and read
/// back (the reader sorts it).
fn chart_of(ev: &[(usize, i64)]) -> Chart {
    let text: String = ev
        .iter()
        .map(|&(l, t)| format!("{}.{:03} {}\n", t / 1000, t % 1000, LANES[l].name()))
        .collect();
    let path = Path::new("prop.txt");
    let onsets = parse_onsets(path, text.as_bytes()).expect("onsets pocket wrote read back");
    to_chart(path, &onsets).expect("a chart of distinct non-negative onsets")
}

fn hit(lane: Lane, time: Nanos) -> Hit {
    Hit {
        time,
        lane,
        articulation: None,
        velocity: 90,
        source: Source {
            note: 38,
            channel: 10,
            port: 0,
        },
    }
}

/// A take from (lane index, ms) events in the given order, then sorted as readers leave it.
fn take_of(ev: &[(usize, i64)], shift: Nanos) -> Take {
    let mut take = Take {
        hits: ev
            .iter()
            .map(|&(l, t)| hit(LANES[l], ms(t) + shift))
            .collect(),
        ..Take::default()
    };
    take.sort();
    take
}

/// The size of a maximum matching of notes and hits with `|hit − note| ≤ window`, by
/// augmenting paths (Kuhn's algorithm): slow and obviously right.
fn max_matching(notes: &[Nanos], hits: &[Nanos], window: Nanos) -> usize {
    fn augment(
        n: usize,
        adj: &[Vec<usize>],
        seen: &mut [bool],
        hit_of: &mut [Option<usize>],
    ) -> bool {
        for &h in &adj[n] {
            if seen[h] {
                continue;
            }
            seen[h] = true;
            let free = match hit_of[h] {
                None => true,
                Some(other) => augment(other, adj, seen, hit_of),
            };
            if free {
                hit_of[h] = Some(n);
                return true;
            }
        }
        false
    }
    let adj: Vec<Vec<usize>> = notes
        .iter()
        .map(|&n| {
            (0..hits.len())
                .filter(|&h| (hits[h] - n).0.abs() <= window.0)
                .collect()
        })
        .collect();
    let mut hit_of = vec![None; hits.len()];
    (0..notes.len())
        .filter(|&n| augment(n, &adj, &mut vec![false; hits.len()], &mut hit_of))
        .count()
}

fn sorted_times(v: &[i64]) -> Vec<Nanos> {
    let mut t: Vec<Nanos> = v.iter().map(|&x| ms(x)).collect();
    t.sort();
    t
}

fn mean_async(r: &SyncReport) -> Option<f64> {
    r.asynchrony_ms.mean
}

fn alpha(r: &SyncReport, name: &str) -> Option<f64> {
    r.phase_correction.get(name).and_then(|p| p.alpha)
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * (1.0 + x.abs().max(y.abs())),
        (None, None) => true,
        _ => false,
    }
}

/// Two players of one groove: b is a's events with per-event jitter, plus a constant lag.
fn duet() -> impl Strategy<Value = (Vec<(usize, i64)>, Vec<i64>, i64)> {
    (
        prop::collection::vec((0..LANES.len(), 0i64..20_000), 8..80),
        prop::collection::vec(-25i64..25, 80),
        -30i64..30,
    )
        .prop_map(|(ev, jitter, lag)| {
            let ev = distinct(ev);
            (ev, jitter, lag)
        })
}

fn player_b(a: &[(usize, i64)], jitter: &[i64], lag: i64) -> Vec<(usize, i64)> {
    a.iter()
        .zip(jitter.iter().cycle())
        .map(|(&(l, t), j)| (l, t + lag + j))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn match_count_is_a_maximum_matchings(
        notes in prop::collection::vec(0i64..2_000, 0..25),
        hits in prop::collection::vec(0i64..2_000, 0..25),
        window in 0i64..150,
    ) {
        let (n, h, w) = (sorted_times(&notes), sorted_times(&hits), ms(window));
        let pairs = match_sorted(&n, &h, w);
        prop_assert_eq!(pairs.len(), max_matching(&n, &h, w));
        // And it is a matching inside the window, increasing on both sides.
        for p in pairs.windows(2) {
            prop_assert!(p[0].0 < p[1].0 && p[0].1 < p[1].1);
        }
        for &(i, j) in &pairs {
            prop_assert!((h[j] - n[i]).0.abs() <= w.0);
        }
    }

    #[test]
    fn input_order_does_not_matter(
        chart_ev in events(40),
        take_ev in events(60),
        seed in any::<u64>(),
    ) {
        let chart_ev = distinct(chart_ev);
        let take_ev = distinct(take_ev);
        let chart = chart_of(&chart_ev);
        let in_order = take_of(&take_ev, Nanos::ZERO);
        let mut shuffled_ev = take_ev.clone();
        fastrand::Rng::with_seed(seed).shuffle(&mut shuffled_ev);
        let shuffled = take_of(&shuffled_ev, Nanos::ZERO);
        // Charts too: shuffled onsets make the same chart.
        let mut chart_shuffled = chart_ev.clone();
        fastrand::Rng::with_seed(seed ^ 1).shuffle(&mut chart_shuffled);
        let chart2 = chart_of(&chart_shuffled);
        prop_assert_eq!(&chart.notes, &chart2.notes);
        let o = ScoreOptions::default();
        let a = score_player(&chart, &PlayerInput::new("p", &in_order), &o);
        let b = score_player(&chart2, &PlayerInput::new("p", &shuffled), &o);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn shifting_hits_and_offset_together_changes_nothing(
        chart_ev in events(40),
        take_ev in events(60),
        delta_ms in -3_000i64..3_000,
        extra_ns in -999_999i64..999_999,
        hands_ms in -40i64..40,
        feet_ms in -40i64..40,
    ) {
        let chart = chart_of(&distinct(chart_ev));
        let take_ev = distinct(take_ev);
        let delta = ms(delta_ms) + Nanos(extra_ns);
        let base = take_of(&take_ev, Nanos::ZERO);
        let shifted = take_of(&take_ev, delta);
        let off = Offsets { hands: ms(hands_ms), feet: ms(feet_ms) };
        let off_shifted = Offsets { hands: off.hands + delta, feet: off.feet + delta };
        let mut pa = PlayerInput::new("p", &base);
        pa.offsets = off;
        let mut pb = PlayerInput::new("p", &shifted);
        pb.offsets = off_shifted;
        let o = ScoreOptions::default();
        let (ra, aa) = score_player(&chart, &pa, &o);
        let (mut rb, ab) = score_player(&chart, &pb, &o);
        // The report states the offsets it used; everything else must be identical.
        prop_assert_eq!(&aa, &ab);
        rb.offset_ms = ra.offset_ms;
        prop_assert_eq!(
            serde_json::to_value(&ra).expect("json"),
            serde_json::to_value(&rb).expect("json")
        );
    }

    #[test]
    fn a_far_away_extra_hit_never_lowers_the_match_count(
        notes in prop::collection::vec(0i64..2_000, 0..30),
        hits in prop::collection::vec(0i64..2_000, 0..30),
        window in 0i64..150,
        far in 0i64..1_000_000,
        before in any::<bool>(),
    ) {
        let (n, h, w) = (sorted_times(&notes), sorted_times(&hits), ms(window));
        let before_count = match_sorted(&n, &h, w).len();
        // Far from every note: past the last note (or before the first) by more than the window.
        let extra = if before { ms(-1 - window - far) } else { ms(2_000 + window + 1 + far) };
        let mut h2 = h.clone();
        h2.push(extra);
        h2.sort();
        prop_assert!(match_sorted(&n, &h2, w).len() >= before_count);
        // And an extra hit anywhere (even near notes) never lowers it either.
        let mut h3 = h.clone();
        h3.push(ms(far % 2_000));
        h3.sort();
        prop_assert!(match_sorted(&n, &h3, w).len() >= before_count);
    }
}

proptest! {
    // Sync runs a bootstrap per case: fewer cases.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn swapping_players_negates_asynchrony_and_swaps_alphas_chart_free(
        (a_ev, jitter, lag) in duet(),
        all_lanes in any::<bool>(),
    ) {
        let b_ev = player_b(&a_ev, &jitter, lag);
        let ta = take_of(&a_ev, Nanos::ZERO);
        let tb = take_of(&b_ev, Nanos::ZERO);
        let none = Offsets::default();
        let opts = SyncOptions { bootstrap: 50, ..SyncOptions::default() };
        let ab = pair_free(&ta, &none, &tb, &none, all_lanes, None, ms(30));
        let ba = pair_free(&tb, &none, &ta, &none, all_lanes, None, ms(30));
        prop_assert_eq!(ab.pairs.len(), ba.pairs.len());
        let rab = analyse(&ab, ["A", "B"], None, None, &opts);
        let rba = analyse(&ba, ["B", "A"], None, None, &opts);
        check_swapped(&rab, &rba)?;
    }

    #[test]
    fn swapping_players_negates_asynchrony_and_swaps_alphas_on_a_chart(
        (a_ev, jitter, lag) in duet(),
    ) {
        let chart = chart_of(&a_ev);
        let b_ev = player_b(&a_ev, &jitter, lag);
        let ta = take_of(&a_ev, ms(3));
        let tb = take_of(&b_ev, Nanos::ZERO);
        let o = ScoreOptions::default();
        let so = pocket::sync::SyncOptions { bootstrap: 50, ..Default::default() };
        let pa = PlayerInput::new("A", &ta);
        let pb = PlayerInput::new("B", &tb);
        let (rab, _) = score_session(&chart, "c", &[pa.clone(), pb.clone()], &o, &so);
        let (rba, _) = score_session(&chart, "c", &[pb, pa], &o, &so);
        let (sab, sba) = (rab.sync.expect("two players: sync"), rba.sync.expect("sync"));
        check_swapped(&sab, &sba)?;
    }
}

/// `ba` is `ab` with the players swapped.
fn check_swapped(ab: &SyncReport, ba: &SyncReport) -> Result<(), TestCaseError> {
    prop_assert_eq!(ab.pairs, ba.pairs);
    prop_assert_eq!(ab.only_a, ba.only_b);
    prop_assert_eq!(ab.only_b, ba.only_a);
    prop_assert!(
        close(mean_async(ab), mean_async(ba).map(|m| -m)),
        "mean asynchrony {:?} vs {:?}",
        mean_async(ab),
        mean_async(ba)
    );
    prop_assert!(close(ab.asynchrony_ms.sd, ba.asynchrony_ms.sd));
    // α is reported per player name: A's α with A first is A's α with A second.
    prop_assert!(
        close(alpha(ab, "A"), alpha(ba, "A")),
        "alpha A {:?} vs {:?}",
        alpha(ab, "A"),
        alpha(ba, "A")
    );
    prop_assert!(
        close(alpha(ab, "B"), alpha(ba, "B")),
        "alpha B {:?} vs {:?}",
        alpha(ab, "B"),
        alpha(ba, "B")
    );
    prop_assert!(close(ab.score, ba.score));
    Ok(())
}

/// The swap properties compare real α's: on a plain duet they are defined.
#[test]
fn a_plain_duet_has_alphas_to_swap() {
    let a_ev: Vec<(usize, i64)> = (0..80).map(|i| (i % 2, i as i64 * 250)).collect();
    let jitter: Vec<i64> = (0..80).map(|i| ((i * 37) % 41) as i64 - 20).collect();
    let b_ev = player_b(&a_ev, &jitter, 12);
    let (ta, tb) = (take_of(&a_ev, Nanos::ZERO), take_of(&b_ev, Nanos::ZERO));
    let none = Offsets::default();
    let opts = SyncOptions {
        bootstrap: 50,
        ..SyncOptions::default()
    };
    let ab = pair_free(&ta, &none, &tb, &none, false, None, ms(30));
    let r = analyse(&ab, ["A", "B"], None, None, &opts);
    assert!(
        alpha(&r, "A").is_some() && alpha(&r, "B").is_some(),
        "{:?}",
        r.phase_correction
    );
    assert!(
        mean_async(&r).is_some_and(|m| m < 0.0),
        "b plays 12 ms late: a is ahead"
    );
}
