//! Test support: access to the third-party data kept beside the project (never inside it).
//!
//! The directory is `$POCKET_DATA_DIR`, or `../shared/data` next to the crate. When it is missing,
//! tests that need it are skipped with a message, unless `POCKET_REQUIRE_DATA=1` (set by CI), in
//! which case they fail.

use std::path::PathBuf;

/// The data directory, or `None` (after printing why) when it is absent and not required.
pub fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("POCKET_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("POCKET_REQUIRE_DATA").as_deref() == Ok("1") {
        panic!(
            "POCKET_REQUIRE_DATA=1 but the test data directory {} does not exist; set POCKET_DATA_DIR",
            dir.display()
        );
    }
    eprintln!(
        "skipping: test data directory {} not found (set POCKET_DATA_DIR)",
        dir.display()
    );
    None
}

/// A path inside the crate (fixtures, charts).
pub fn crate_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A take of hits given as (milliseconds, lane), all at `velocity` from note 38 on channel 10.
pub fn take_ms(hits: &[(f64, crate::lane::Lane)], velocity: u8) -> crate::take::Take {
    use crate::take::{Hit, Source, Take};
    Take {
        hits: hits
            .iter()
            .map(|&(ms, lane)| Hit {
                time: crate::time::Nanos::from_millis_f64(ms).expect("a finite test time"),
                lane,
                articulation: None,
                velocity,
                source: Source {
                    note: 38,
                    channel: 10,
                    port: 0,
                },
            })
            .collect(),
        ..Take::default()
    }
}
