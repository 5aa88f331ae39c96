//! Progress over time, from the rows of the history: per song and player, accuracy and mean
//! offset take by take and each lane's trend; practice minutes per day and streaks of days; a
//! pair's sync score over time. The HTML progress page ([`crate::html::progress`]) draws it.

use super::calendar::parse_day;
use super::row::TakeRow;
use crate::lane::Lane;
use std::collections::BTreeMap;

/// Everything the progress page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// One entry per song, by first take.
    pub songs: Vec<SongProgress>,
    /// One entry per player, by name.
    pub practice: Vec<PlayerPractice>,
    /// One entry per pair and song, by first take.
    pub pairs: Vec<PairProgress>,
}

/// One song's takes.
#[derive(Debug, Clone, PartialEq)]
pub struct SongProgress {
    /// Song title.
    pub title: String,
    /// The history's key for the song ([`super::row::ChartIdentity::song`]).
    pub song: String,
    /// One series per player, by first take.
    pub players: Vec<PlayerSeries>,
}

/// One player's takes of one song, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayerSeries {
    /// Player name.
    pub player: String,
    /// One point per take.
    pub takes: Vec<TakePoint>,
    /// Per lane, one point per take that had notes on it.
    pub lanes: BTreeMap<Lane, Vec<TakePoint>>,
}

/// A take on a time axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TakePoint {
    /// When, Unix seconds.
    pub at_unix_s: i64,
    /// Accuracy, percent.
    pub accuracy_pct: Option<f64>,
    /// Mean signed offset, ms.
    pub offset_mean_ms: Option<f64>,
}

/// One player's practice time.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayerPractice {
    /// Player name.
    pub player: String,
    /// Minutes played per local day (`YYYY-MM-DD`), days with practice only, in order.
    pub minutes_per_day: Vec<(String, f64)>,
    /// The longest run of consecutive days with practice.
    pub longest_streak: Streak,
    /// The run of consecutive days ending on the last day with practice.
    pub latest_streak: Streak,
}

/// A run of consecutive days with practice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Streak {
    /// Days in the run.
    pub days: usize,
    /// Its first day, `YYYY-MM-DD`.
    pub from: String,
    /// Its last day.
    pub to: String,
}

/// A pair's sync over time on one song.
#[derive(Debug, Clone, PartialEq)]
pub struct PairProgress {
    /// Player a and player b, as in their reports.
    pub players: [String; 2],
    /// Song title.
    pub title: String,
    /// The history's key for the song.
    pub song: String,
    /// When (Unix seconds) and the sync score (0-100).
    pub scores: Vec<(i64, Option<f64>)>,
}

impl Progress {
    /// Progress from rows, in any order.
    pub fn from_rows(rows: &[TakeRow]) -> Progress {
        let mut rows: Vec<&TakeRow> = rows.iter().collect();
        rows.sort_by(|a, b| {
            (a.played_at_unix_s, &a.report, a.player_index).cmp(&(
                b.played_at_unix_s,
                &b.report,
                b.player_index,
            ))
        });
        let mut songs: Vec<SongProgress> = Vec::new();
        let mut pairs: Vec<PairProgress> = Vec::new();
        let mut days: BTreeMap<&str, BTreeMap<&str, f64>> = BTreeMap::new();
        for r in &rows {
            let song = match songs.iter_mut().find(|s| s.song == r.chart.song) {
                Some(s) => s,
                None => {
                    songs.push(SongProgress {
                        title: r.chart.title.clone(),
                        song: r.chart.song.clone(),
                        players: Vec::new(),
                    });
                    songs.last_mut().expect("just pushed")
                }
            };
            let series = match song.players.iter_mut().find(|p| p.player == r.player) {
                Some(p) => p,
                None => {
                    song.players.push(PlayerSeries {
                        player: r.player.clone(),
                        takes: Vec::new(),
                        lanes: BTreeMap::new(),
                    });
                    song.players.last_mut().expect("just pushed")
                }
            };
            series.takes.push(TakePoint {
                at_unix_s: r.played_at_unix_s,
                accuracy_pct: r.accuracy_pct,
                offset_mean_ms: r.offset_mean_ms,
            });
            for (lane, l) in r.lanes.iter().filter(|(_, l)| l.notes > 0) {
                series.lanes.entry(*lane).or_default().push(TakePoint {
                    at_unix_s: r.played_at_unix_s,
                    accuracy_pct: l.accuracy_pct,
                    offset_mean_ms: l.offset_mean_ms,
                });
            }
            *days
                .entry(r.player.as_str())
                .or_default()
                .entry(r.day.as_str())
                .or_default() += r.practice.played_s / 60.0;
            // A pair's take once, from player a's row.
            if let (Some(partner), Some(sync), 0) = (&r.partner, &r.sync, r.player_index) {
                let names = [r.player.clone(), partner.clone()];
                let pair = match pairs
                    .iter_mut()
                    .find(|p| p.players == names && p.song == r.chart.song)
                {
                    Some(p) => p,
                    None => {
                        pairs.push(PairProgress {
                            players: names,
                            title: r.chart.title.clone(),
                            song: r.chart.song.clone(),
                            scores: Vec::new(),
                        });
                        pairs.last_mut().expect("just pushed")
                    }
                };
                pair.scores.push((r.played_at_unix_s, sync.score));
            }
        }
        let practice = days
            .into_iter()
            .map(|(player, per_day)| {
                let minutes_per_day: Vec<(String, f64)> = per_day
                    .into_iter()
                    .map(|(d, m)| (d.to_string(), m))
                    .collect();
                let (longest_streak, latest_streak) = streaks(&minutes_per_day);
                PlayerPractice {
                    player: player.to_string(),
                    minutes_per_day,
                    longest_streak,
                    latest_streak,
                }
            })
            .collect();
        Progress {
            songs,
            practice,
            pairs,
        }
    }
}

/// The longest run of consecutive days and the run ending on the last day, from days in
/// order (the earliest run wins a tie for longest).
fn streaks(days: &[(String, f64)]) -> (Streak, Streak) {
    let mut runs: Vec<Streak> = Vec::new();
    let mut last: Option<i64> = None;
    for (day, _) in days {
        let Some(n) = parse_day(day) else { continue };
        match (last, runs.last_mut()) {
            (Some(prev), Some(run)) if n == prev + 1 => {
                run.days += 1;
                run.to = day.clone();
            }
            _ => runs.push(Streak {
                days: 1,
                from: day.clone(),
                to: day.clone(),
            }),
        }
        last = Some(n);
    }
    let empty = Streak {
        days: 0,
        from: String::new(),
        to: String::new(),
    };
    let longest = runs
        .iter()
        .fold(None::<&Streak>, |best, r| match best {
            Some(b) if b.days >= r.days => Some(b),
            _ => Some(r),
        })
        .cloned()
        .unwrap_or_else(|| empty.clone());
    let latest = runs.last().cloned().unwrap_or(empty);
    (longest, latest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(list: &[&str]) -> Vec<(String, f64)> {
        list.iter().map(|d| (d.to_string(), 1.0)).collect()
    }

    #[test]
    fn streaks_count_consecutive_days_across_month_ends() {
        let (longest, latest) = streaks(&days(&[
            "2026-01-30",
            "2026-01-31",
            "2026-02-01",
            "2026-02-03",
            "2026-02-28",
            "2026-03-01",
        ]));
        assert_eq!(
            (longest.days, longest.from.as_str(), longest.to.as_str()),
            (3, "2026-01-30", "2026-02-01")
        );
        assert_eq!((latest.days, latest.from.as_str()), (2, "2026-02-28"));
        let (none, _) = streaks(&[]);
        assert_eq!(none.days, 0);
    }
}
