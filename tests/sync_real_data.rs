//! Sync on real recordings (third-party data kept beside the project; see docs/sync.md):
//! - a real duet, a keyboard player and a drummer over a 90 ms delayed link: large, variable
//!   asynchrony that must match an independent nearest-neighbour computation of the same files;
//! - a negative control, two Groove MIDI Dataset drummers who recorded the same groove separately
//!   to a click: not a duet, so no leader may be named.

use pocket::formats::load_take;
use pocket::kit::KitMap;
use pocket::matching::Offsets;
use pocket::report::SyncReport;
use pocket::sync::{analyse, pair_free, SyncOptions};
use pocket::testdata::data_dir;
use pocket::time::Nanos;
use std::path::Path;

fn sync(a: &Path, b: &Path, kit: &KitMap, all_lanes: bool) -> SyncReport {
    let ta = load_take(a.to_str().unwrap(), Some(kit)).unwrap().take;
    let tb = load_take(b.to_str().unwrap(), Some(kit)).unwrap().take;
    let none = Offsets::default();
    let pairing = pair_free(
        &ta,
        &none,
        &tb,
        &none,
        all_lanes,
        None,
        Nanos::from_millis(15),
    );
    analyse(&pairing, ["a", "b"], None, None, &SyncOptions::default())
}

#[test]
fn jazz_duo_over_a_delayed_link() {
    let Some(dir) = data_dir() else { return };
    let duo = dir.join("duo_jazz_jitter");
    let keys = duo.join("Condition 3 - 90 00 - Keys-glued.mid");
    let drums = duo.join("Condition 3 - 90 00 - Drums-glued.mid");
    let r = sync(&keys, &drums, &KitMap::all_notes(), true);
    // 137 keys beats, 141 drum beats: every keys beat finds its drum beat.
    assert_eq!((r.pairs, r.only_a, r.only_b), (137, 0, 4));
    // The same figures as a nearest-neighbour pairing of these files computed independently
    // (derived_summary.json beside the data): mean +46.8, SD 59.5, RMS 75.5 ms.
    assert_eq!(r.asynchrony_ms.mean, Some(46.8));
    assert_eq!(r.asynchrony_ms.sd, Some(59.5));
    assert_eq!(r.asynchrony_ms.rms, Some(75.5));
    // Keys behind drums; most beats apart by more than 50 ms.
    assert_eq!(r.ahead.player.as_deref(), Some("b"));
    assert!(
        r.within.ms20.unwrap() < 0.2 && r.bands.apart.unwrap() > 0.5,
        "{:?}",
        r.bands
    );
    // The keyboard player corrects much more of each gap than the drummer: the drummer leads.
    let ka = r.phase_correction["a"].alpha.unwrap();
    let da = r.phase_correction["b"].alpha.unwrap();
    assert!(ka > 0.5 && da < 0.2, "alphas keys {ka} drums {da}");
    assert_eq!(r.leader.verdict.name(), "leads", "{}", r.leader.reason);
    assert_eq!(r.leader.player.as_deref(), Some("b"));
    // Both interval cross-correlations agree: keys follow drums more than the reverse.
    let c = r.ioi_correlation;
    assert!(c.a_follows_b.unwrap() > c.b_follows_a.unwrap(), "{c:?}");
}

#[test]
fn separate_takes_to_a_click_have_no_leader() {
    let Some(dir) = data_dir() else { return };
    let kit = KitMap::builtin("roland-td").unwrap();
    let grooves = [
        "2_funk-groove2_105",
        "4_soul-groove4_80",
        "7_pop-groove7_138",
        "8_rock-groove8_65",
        "10_soul-groove10_102",
    ];
    let drummers = [1, 5, 7, 8];
    let mut runs = 0;
    for g in grooves {
        for (i, &x) in drummers.iter().enumerate() {
            for &y in &drummers[i + 1..] {
                let file =
                    |d: i32| dir.join(format!("gmd/drummer{d}/eval_session/{g}_beat_4-4.mid"));
                let r = sync(&file(x), &file(y), &kit, false);
                assert!(r.pairs > 100, "{g} drummers {x}/{y}: {} pairs", r.pairs);
                assert_eq!(
                    r.leader.verdict.name(),
                    "undetermined",
                    "{g} drummers {x} and {y} never played together: {}",
                    r.leader.reason
                );
                assert_eq!(r.leader.player, None);
                runs += 1;
            }
        }
    }
    assert_eq!(runs, 30);
}

/// Without the data, a data test is skipped with a line on stderr that `cargo test` shows
/// without `--nocapture` (the harness captures `eprintln!`, so that alone would hide it).
#[test]
fn a_test_skipped_for_lack_of_data_says_so_without_nocapture() {
    let missing = std::env::temp_dir().join("pocket-no-such-data-dir");
    let out = std::process::Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--exact", "jazz_duo_over_a_delayed_link"])
        .env("POCKET_DATA_DIR", &missing)
        .env_remove("POCKET_REQUIRE_DATA")
        .output()
        .expect("the test binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let want = format!(
        "SKIPPED jazz_duo_over_a_delayed_link: the test data directory {} is not there",
        missing.display()
    );
    assert!(stderr.contains(&want), "stderr lacks {want:?}:\n{stderr}");
    // With POCKET_REQUIRE_DATA=1 the same test fails instead.
    let out = std::process::Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--exact", "jazz_duo_over_a_delayed_link"])
        .env("POCKET_DATA_DIR", &missing)
        .env("POCKET_REQUIRE_DATA", "1")
        .output()
        .expect("the test binary runs");
    assert!(
        !out.status.success(),
        "POCKET_REQUIRE_DATA=1 makes the skip a failure"
    );
}
