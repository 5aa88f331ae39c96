//! Matches two onset lists N times and prints the match count and the time per reference onset.
//!
//! Usage: `match_onsets REF.txt EST.txt [WINDOW_SECONDS=0.05] [REPEATS=100]`
//!
//! Onsets are matched lane by lane (lists without lanes are all on `any`). Only the matching is
//! timed, not reading the files. Output: `matches=<count> ns_per_event=<ns per reference onset>`.

use pocket::formats::onsets::read_onsets;
use pocket::matching::{Matcher, Pair};
use pocket::time::parse_seconds;
use pocket::{Lane, Nanos};
use std::time::Instant;

/// The onset times of one list, split by lane (index = `Lane::index`).
fn by_lane(path: &str) -> anyhow::Result<Vec<Vec<Nanos>>> {
    let mut lanes = vec![Vec::new(); Lane::ALL.len()];
    for onset in read_onsets(path)? {
        lanes[onset.lane.index()].push(onset.time);
    }
    Ok(lanes)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(ref_path), Some(est_path)) = (args.first(), args.get(1)) else {
        anyhow::bail!("usage: match_onsets REF.txt EST.txt [WINDOW_SECONDS=0.05] [REPEATS=100]");
    };
    let window_text = args.get(2).map_or("0.05", String::as_str);
    let window = parse_seconds(window_text)
        .ok_or_else(|| anyhow::anyhow!("window {window_text:?} is not a number of seconds"))?;
    let repeats: u32 = args.get(3).map_or(Ok(100), |r| r.parse())?;
    let (notes, hits) = (by_lane(ref_path)?, by_lane(est_path)?);
    let events: usize = notes.iter().map(Vec::len).sum();

    let mut matcher = Matcher::new();
    let mut pairs: Vec<Pair> = Vec::new();
    let mut matches = 0;
    let start = Instant::now();
    for _ in 0..repeats.max(1) {
        matches = 0;
        for (n, h) in notes.iter().zip(&hits) {
            matcher.match_into(n, h, window, &mut pairs);
            matches += pairs.len();
        }
        std::hint::black_box(&pairs);
    }
    let elapsed = start.elapsed().as_nanos() as f64 / f64::from(repeats.max(1));
    println!(
        "matches={matches} ns_per_event={:.3}",
        elapsed / events.max(1) as f64
    );
    Ok(())
}
