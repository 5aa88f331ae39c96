//! From the capture to the store: the consumer hands each live judgement to a [`Feed`] (a
//! bounded channel, `try_send`: the capture never waits for the stage), and the stage's feeder
//! thread turns them into events (hits, misses, sections, who is ahead). At the end, [`Stage::end`]
//! sends the final judgements from the report, and a hit event for every counted hit the live
//! judge had not sent.

use super::event::{
    BehindEvent, ChartNote, EndEvent, Event, FinalHit, FinalPlayer, HitEvent, HitTier, MissEvent,
    SectionEvent, SectionMark, SessionEvent, SyncEvent, STAGE_SCHEMA_VERSION,
};
use super::store::Store;
use crate::chart::Chart;
use crate::lane::Lane;
use crate::live::judge::{Judgement, Outcome};
use crate::report::{NoteTier, Report, Tier};
use crate::time::{Nanos, Ticks};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Live judgements that may wait for the feeder before new ones are dropped.
pub const FEED_CAPACITY: usize = 4096;
/// "Who is ahead" is the mean asynchrony over this many bars.
pub const SYNC_BARS: u32 = 2;
/// How often the feeder looks at the clock (sections) when no judgement arrives.
const TICK: Duration = Duration::from_millis(50);

/// One live judgement, from the consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Judged {
    /// Index of the player.
    pub player: usize,
    /// The live judge's judgement (chart time, lane, outcome).
    pub judgement: Judgement,
    /// Chart time when it was judged.
    pub now: Nanos,
}

/// The consumer's end of the stage: never blocks, drops when the stage is behind.
#[derive(Debug, Clone)]
pub struct Feed {
    tx: SyncSender<Judged>,
    lost: Arc<AtomicU64>,
}

impl Feed {
    /// Hands a judgement to the stage without waiting; when the stage is behind it is dropped
    /// (and counted: the stage says so, and the `end` event carries every final judgement).
    pub(crate) fn send(&self, judged: Judged) {
        match self.tx.try_send(judged) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.lost.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Judgements dropped so far.
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }
}

/// What the stage needs to know when the session starts.
#[derive(Debug, Clone, Copy)]
pub struct StageStart<'a> {
    /// The chart as played, or `None` (free play).
    pub chart: Option<&'a Chart>,
    /// The players' names.
    pub players: &'a [String],
    /// Replay speed (1 = real time).
    pub speed: f64,
    /// Perfect, great, good edges and the window.
    pub edges: [Nanos; 4],
    /// The instant of chart time zero, when already known (else the first judgement tells).
    pub zero_at: Option<Instant>,
}

/// The stage's side of a session: begun with the chart, fed during it, ended with the report.
/// Cheap to clone; every clone is the same stage.
#[derive(Debug, Clone, Default)]
pub struct Stage {
    store: Arc<Store>,
    feeder: Arc<Mutex<Option<Feeder>>>,
}

#[derive(Debug)]
struct Feeder {
    thread: JoinHandle<Sent>,
    stop: Arc<AtomicBool>,
}

/// The live hits sent, per player, by id: (chart time after offsets, lane).
type Sent = Vec<Vec<(Nanos, Lane)>>;

/// A live hit and a counted hit of the report are the same hit when they are on the same lane
/// this close in time (the capture log keeps times to the microsecond; the report rounds).
pub const SAME_HIT: Nanos = Nanos::from_millis(1);

/// The chart as the feeder keeps it.
#[derive(Debug, Default)]
struct ChartView {
    notes: Vec<(Nanos, Lane)>,
    sections: Vec<SectionMark>,
    bars: Vec<Nanos>,
    has_pedal: bool,
    charted: bool,
}

impl Stage {
    /// A stage over `store`.
    pub fn new(store: Arc<Store>) -> Stage {
        Stage {
            store,
            feeder: Arc::default(),
        }
    }

    /// The store the server reads.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The session starts: stores the session event and starts the feeder; returns the feed
    /// for the consumer.
    pub fn begin(&self, start: StageStart<'_>) -> Feed {
        let view = chart_view(start.chart);
        let speed = if start.speed.is_finite() && start.speed > 0.0 {
            start.speed
        } else {
            1.0
        };
        let ms = |n: Nanos| crate::report::ms(n);
        self.store.push(&Event::Session(SessionEvent {
            schema_version: STAGE_SCHEMA_VERSION,
            title: start
                .chart
                .map(|c| c.info.title.clone())
                .unwrap_or_default(),
            players: start.players.to_vec(),
            speed,
            tier_edges_ms: start.edges.map(ms),
            notes: view
                .notes
                .iter()
                .map(|&(t, lane)| ChartNote { t_ms: ms(t), lane })
                .collect(),
            sections: view.sections.clone(),
            bars_ms: view.bars.iter().map(|&t| ms(t)).collect(),
        }));
        if let Some(at) = start.zero_at {
            self.store.set_zero(at, speed);
        }
        let (tx, rx) = sync_channel(FEED_CAPACITY);
        let lost = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let state = FeedState {
            store: Arc::clone(&self.store),
            view,
            players: start.players.len(),
            speed,
            lost: Arc::clone(&lost),
            lost_told: 0,
            section: None,
            sent: vec![Vec::new(); start.players.len()],
            offsets: Vec::new(),
            pairs: VecDeque::new(),
        };
        let stop_feeder = Arc::clone(&stop);
        if let Ok(thread) = std::thread::Builder::new()
            .name("pocket-stage-feed".into())
            .spawn(move || state.run(rx, &stop_feeder))
        {
            let mut slot = self.feeder.lock().unwrap_or_else(|e| e.into_inner());
            *slot = Some(Feeder { thread, stop });
        }
        Feed { tx, lost }
    }

    /// The session ended (`reason`: the capture's end reason). `report` is the session's report
    /// (served as `/report.json`), `detailed` the same with per-note detail (the final
    /// judgements and `/report.html`). Sends a hit event for every counted hit the live
    /// judge had not sent, then the `end` event. Ending twice does nothing.
    pub fn end(&self, reason: &str, report: Option<&Report>, detailed: Option<&Report>) {
        if self.store.ended() {
            return;
        }
        let feeder = self.feeder.lock().unwrap_or_else(|e| e.into_inner()).take();
        let sent: Sent = match feeder {
            Some(f) => {
                f.stop.store(true, Ordering::Relaxed);
                f.thread.join().unwrap_or_default()
            }
            None => Vec::new(),
        };
        let mut players = Vec::new();
        if let Some(d) = detailed {
            for (p, player) in d.players.iter().enumerate() {
                let live = sent.get(p).map_or(&[][..], Vec::as_slice);
                let Reconciled {
                    judged,
                    retracted,
                    late,
                } = reconcile(player, d.settings.players.get(p), live);
                for (h, lane, t) in late {
                    self.store.push(&Event::Hit(HitEvent {
                        player: p,
                        hit: h.hit,
                        lane,
                        t_ms: crate::report::ms(t),
                        offset_ms: h.offset_ms,
                        tier: h.tier,
                        note: h.note,
                        provisional: false,
                    }));
                }
                players.push(FinalPlayer {
                    name: player.name.clone(),
                    hits: player.hits,
                    matched: player.matched,
                    misses: player.misses,
                    accuracy_pct: player.accuracy_pct,
                    judged,
                    retracted,
                });
            }
        }
        if let Some(r) = report {
            let html = detailed.and_then(|d| crate::html::render(d).ok());
            self.store.set_report(r.to_json(), html);
        }
        self.store.push(&Event::End(EndEvent {
            reason: reason.to_string(),
            report: report.is_some(),
            players,
        }));
    }
}

/// A player's counted hits (from the report's detail) against the live hits sent (by id):
/// each counted hit is the live hit on its lane nearest in time within [`SAME_HIT`], else a
/// new hit.
fn reconcile(
    player: &crate::report::PlayerReport,
    settings: Option<&crate::report::PlayerSettings>,
    live: &[(Nanos, Lane)],
) -> Reconciled {
    let offset = |lane: Lane| {
        let ms = settings.map_or(0.0, |s| {
            if lane.is_foot() {
                s.offset_feet_ms
            } else {
                s.offset_hands_ms
            }
        });
        Nanos::from_millis_f64(ms).unwrap_or(Nanos::ZERO)
    };
    let secs = |s: f64| Nanos::from_millis_f64(s * 1000.0).unwrap_or(Nanos::ZERO);
    // (take index, lane, chart time after offsets, tier, offset, note)
    let mut counted: Vec<(FinalHit, Lane, Nanos)> = Vec::new();
    if let Some(detail) = &player.detail {
        for (note, n) in detail.notes.iter().enumerate() {
            let (Some(hit), Some(off), Some(played)) = (n.hit, n.offset_ms, n.hit_time_s) else {
                continue;
            };
            let h = FinalHit {
                hit: 0,
                take_hit: hit,
                tier: note_tier(n.tier),
                offset_ms: Some(off),
                note: Some(note),
            };
            counted.push((h, n.lane, secs(played).saturating_sub(offset(n.lane))));
        }
        for x in &detail.extras {
            let h = FinalHit {
                hit: 0,
                take_hit: x.hit,
                tier: HitTier::Extra,
                offset_ms: None,
                note: None,
            };
            counted.push((h, x.lane, secs(x.time_s).saturating_sub(offset(x.lane))));
        }
    }
    counted.sort_by_key(|(h, _, t)| (*t, h.take_hit));
    // Live ids by lane, in time order.
    let mut by_lane: std::collections::BTreeMap<Lane, Vec<(Nanos, usize)>> = Default::default();
    for (id, &(t, lane)) in live.iter().enumerate() {
        by_lane.entry(lane).or_default().push((t, id));
    }
    for v in by_lane.values_mut() {
        v.sort();
    }
    let mut used = vec![false; live.len()];
    let mut next = live.len();
    let mut judged = Vec::new();
    let mut late = Vec::new();
    for (mut h, lane, t) in counted {
        let found = by_lane.get(&lane).and_then(|v| {
            let at = v.partition_point(|&(lt, _)| lt < t.saturating_sub(SAME_HIT));
            v[at..]
                .iter()
                .take_while(|&&(lt, _)| lt <= t.saturating_add(SAME_HIT))
                .filter(|&&(_, id)| !used[id])
                .min_by_key(|&&(lt, _)| (lt - t).abs())
                .map(|&(_, id)| id)
        });
        match found {
            Some(id) => {
                used[id] = true;
                h.hit = id;
            }
            None => {
                h.hit = next;
                next += 1;
                late.push((h.clone(), lane, t));
            }
        }
        judged.push(h);
    }
    judged.sort_by_key(|h| h.hit);
    let retracted = (0..live.len()).filter(|&id| !used[id]).collect();
    Reconciled {
        judged,
        retracted,
        late,
    }
}

/// A player's live hits and the report's counted hits, reconciled.
struct Reconciled {
    /// The final judgement of every counted hit, in id order.
    judged: Vec<FinalHit>,
    /// Live ids the report does not count.
    retracted: Vec<usize>,
    /// Counted hits not sent live: the judgement (with its new id), lane, chart time.
    late: Vec<(FinalHit, Lane, Nanos)>,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn note_tier(t: NoteTier) -> HitTier {
    match t {
        NoteTier::Perfect => HitTier::Perfect,
        NoteTier::Great => HitTier::Great,
        NoteTier::Good => HitTier::Good,
        NoteTier::Poor | NoteTier::Miss => HitTier::Poor,
    }
}

fn hit_tier(t: Tier) -> HitTier {
    match t {
        Tier::Perfect => HitTier::Perfect,
        Tier::Great => HitTier::Great,
        Tier::Good => HitTier::Good,
        Tier::Poor => HitTier::Poor,
    }
}

fn chart_view(chart: Option<&Chart>) -> ChartView {
    let Some(c) = chart else {
        return ChartView::default();
    };
    let map = &c.tempo_map;
    let last = c.notes.last().map_or(Ticks(0), |n| n.tick);
    let last_bar = map.position(last).bar + 1;
    let first_bar = map.position(Ticks(0)).bar;
    ChartView {
        notes: c.notes.iter().map(|n| (n.time, n.lane)).collect(),
        sections: c
            .sections
            .iter()
            .map(|s| SectionMark {
                name: s.name.clone(),
                t_ms: crate::report::ms(s.time),
            })
            .collect(),
        bars: (first_bar..=last_bar)
            .map(|b| map.time(map.bar_start(b)))
            .collect(),
        has_pedal: c.notes.iter().any(|n| n.lane == Lane::HihatPedal),
        charted: true,
    }
}

/// The feeder thread's state.
struct FeedState {
    store: Arc<Store>,
    view: ChartView,
    players: usize,
    speed: f64,
    lost: Arc<AtomicU64>,
    lost_told: u64,
    section: Option<usize>,
    sent: Sent,
    /// Per chart note, the two players' offsets.
    offsets: Vec<[Option<Nanos>; 2]>,
    /// (note time, offset a − offset b) of notes both played, in the order they came.
    pairs: VecDeque<(Nanos, Nanos)>,
}

impl FeedState {
    fn run(mut self, rx: Receiver<Judged>, stop: &AtomicBool) -> Sent {
        self.offsets = vec![[None, None]; self.view.notes.len()];
        loop {
            match rx.recv_timeout(TICK) {
                Ok(j) => self.judged(j),
                Err(RecvTimeoutError::Timeout) => {
                    if stop.load(Ordering::Relaxed) {
                        while let Ok(j) = rx.try_recv() {
                            self.judged(j);
                        }
                        break;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
            self.tick();
        }
        self.tick();
        self.sent
    }

    /// Sections and lost judgements.
    fn tick(&mut self) {
        let lost = self.lost.load(Ordering::Relaxed);
        if lost > self.lost_told {
            self.lost_told = lost;
            self.store.push(&Event::Behind(BehindEvent { lost }));
        }
        let Some(now_ms) = self.store.clock_ms() else {
            return;
        };
        let current = self.view.sections.iter().rposition(|s| s.t_ms <= now_ms);
        if current.is_some() && current != self.section {
            self.section = current;
            if let Some(i) = current {
                let s = &self.view.sections[i];
                self.store.push(&Event::Section(SectionEvent {
                    index: i,
                    name: s.name.clone(),
                    t_ms: s.t_ms,
                }));
            }
        }
    }

    fn judged(&mut self, j: Judged) {
        if j.player >= self.players {
            return;
        }
        if self.store.clock_ms().is_none() {
            // The judgement was made at chart time `j.now`: zero was that long ago.
            let back = Duration::from_nanos((j.now.0.max(0) as f64 / self.speed) as u64);
            if let Some(at) = Instant::now().checked_sub(back) {
                self.store.set_zero(at, self.speed);
            }
        }
        let ms = crate::report::ms;
        let (time, lane) = (j.judgement.time, j.judgement.lane);
        match j.judgement.outcome {
            Outcome::Miss { note } => {
                self.store.push(&Event::Miss(MissEvent {
                    player: j.player,
                    note,
                    lane,
                    t_ms: ms(time),
                }));
            }
            Outcome::Hit { .. } | Outcome::Extra => {
                // The report does not count foot chicks when the chart has no hi-hat pedal.
                if self.view.charted && lane == Lane::HihatPedal && !self.view.has_pedal {
                    return;
                }
                let id = self.sent[j.player].len();
                let (tier, offset, note) = match j.judgement.outcome {
                    Outcome::Hit { tier, offset, note } => {
                        (hit_tier(tier), Some(offset), Some(note))
                    }
                    _ => (HitTier::Extra, None, None),
                };
                self.sent[j.player].push((time, lane));
                self.store.push(&Event::Hit(HitEvent {
                    player: j.player,
                    hit: id,
                    lane,
                    t_ms: ms(time),
                    offset_ms: offset.map(ms),
                    tier,
                    note,
                    provisional: true,
                }));
                if let (Some(o), Some(n)) = (offset, note) {
                    self.pair(j.player, n, o);
                }
            }
        }
    }

    /// Records a matched note's offset; when both players have played it, sends who is ahead.
    fn pair(&mut self, player: usize, note: usize, offset: Nanos) {
        if player > 1 {
            return;
        }
        let Some(slot) = self.offsets.get_mut(note) else {
            return;
        };
        slot[player] = Some(offset);
        let [Some(a), Some(b)] = *slot else { return };
        let time = self.view.notes[note].0;
        self.pairs.push_back((time, a - b));
        // The window: SYNC_BARS bars up to the bar of this note.
        let bars = &self.view.bars;
        let bar = bars.partition_point(|&t| t <= time).saturating_sub(1);
        let from = bars
            .get(bar.saturating_sub(SYNC_BARS as usize - 1))
            .copied()
            .unwrap_or(Nanos::ZERO);
        while self.pairs.front().is_some_and(|&(t, _)| t < from) {
            self.pairs.pop_front();
        }
        let in_window: Vec<i64> = self
            .pairs
            .iter()
            .filter(|&&(t, _)| t >= from)
            .map(|&(_, d)| d.0)
            .collect();
        if in_window.is_empty() {
            return;
        }
        let mean_ms = in_window.iter().sum::<i64>() as f64 / in_window.len() as f64 / 1e6;
        let ahead = if mean_ms >= 1.0 {
            Some(1)
        } else if mean_ms <= -1.0 {
            Some(0)
        } else {
            None
        };
        self.store.push(&Event::Sync(SyncEvent {
            mean_ms: round3(mean_ms),
            notes: in_window.len(),
            ahead,
            bars: SYNC_BARS,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(store: &Store) -> Vec<Event> {
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let batch = store.after(after, Duration::ZERO);
            if batch.frames.is_empty() {
                return all;
            }
            after = batch.last_id;
            all.extend(batch.frames.iter().map(|f| {
                let json = f.lines().nth(1).and_then(|l| l.strip_prefix("data: "));
                serde_json::from_str::<Event>(json.expect("a data line")).expect("an event")
            }));
        }
    }

    fn hit(player: usize, note: usize, offset_ms: i64) -> Judged {
        Judged {
            player,
            judgement: Judgement {
                time: Nanos::from_millis(1000 + offset_ms),
                lane: Lane::Snare,
                outcome: Outcome::Hit {
                    tier: Tier::Great,
                    offset: Nanos::from_millis(offset_ms),
                    note,
                },
            },
            now: Nanos::from_millis(1100),
        }
    }

    #[test]
    fn a_full_feed_drops_and_counts_and_the_stage_says_it_fell_behind() {
        let stage = Stage::new(Arc::default());
        let names = vec!["A".to_string()];
        let feed = stage.begin(StageStart {
            chart: None,
            players: &names,
            speed: 1.0,
            edges: [Nanos::ZERO; 4],
            zero_at: None,
        });
        // The feeder drains concurrently; a burst far beyond the capacity must overflow.
        for _ in 0..FEED_CAPACITY * 8 {
            feed.send(hit(0, 0, 0));
        }
        let lost = feed.lost();
        assert!(lost > 0, "nothing was dropped");
        drop(feed);
        stage.end("stopped", None, None);
        let all = events(&stage.store);
        let hits = all.iter().filter(|e| matches!(e, Event::Hit(_))).count() as u64;
        assert_eq!(
            hits + lost,
            (FEED_CAPACITY * 8) as u64,
            "each judgement is sent or counted as lost"
        );
        assert!(all
            .iter()
            .any(|e| matches!(e, Event::Behind(b) if b.lost == lost)));
        assert!(matches!(all.last(), Some(Event::End(_))));
    }

    #[test]
    fn the_counted_hits_are_the_live_ones_on_the_same_lane_and_time_and_the_rest_is_reconciled() {
        let demo = crate::demo::Demo::load().expect("the demo loads");
        let report = demo.report(true);
        let player = &report.players[0];
        let detail = player.detail.as_ref().expect("detail");
        // What a live judge that saw exactly the report's hits would have sent, in time order.
        let mut live: Vec<(Nanos, Lane)> = detail
            .notes
            .iter()
            .filter_map(|n| Some((Nanos::from_millis_f64(n.hit_time_s? * 1000.0)?, n.lane)))
            .chain(
                detail
                    .extras
                    .iter()
                    .filter_map(|x| Some((Nanos::from_millis_f64(x.time_s * 1000.0)?, x.lane))),
            )
            .collect();
        live.sort();
        assert_eq!(live.len(), player.hits);
        let settings = report.settings.players.first();
        let all = reconcile(player, settings, &live);
        assert_eq!(all.judged.len(), player.hits);
        assert!(all.retracted.is_empty() && all.late.is_empty());
        assert!(
            all.judged.iter().enumerate().all(|(i, h)| h.hit == i),
            "every live id, once"
        );
        let tiers = |t: HitTier| all.judged.iter().filter(|h| h.tier == t).count();
        assert_eq!(tiers(HitTier::Perfect), player.tiers.perfect);
        assert_eq!(tiers(HitTier::Extra), player.extras);

        // The live judge never saw hit 10, and let through a hit the report does not count.
        let missing = live.remove(10);
        live.push((Nanos::from_millis(999_999), Lane::Ride));
        let Reconciled {
            judged,
            retracted,
            late,
        } = reconcile(player, settings, &live);
        assert_eq!(judged.len(), player.hits);
        assert_eq!(retracted, vec![live.len() - 1], "the hit too many");
        assert_eq!(late.len(), 1);
        assert_eq!((late[0].1, late[0].2), (missing.1, missing.0));
        assert_eq!(late[0].0.hit, live.len(), "a new id after the live ones");
    }

    #[test]
    fn who_is_ahead_is_the_mean_asynchrony_of_notes_both_played() {
        let stage = Stage::new(Arc::default());
        let names = vec!["A".to_string(), "B".to_string()];
        let map = crate::tempo::TempoMap::constant(
            480,
            crate::tempo::Tempo::from_bpm(120.0),
            crate::tempo::TimeSignature::COMMON,
        )
        .expect("map");
        let notes = (0..4)
            .map(|i| crate::chart::Note {
                time: Nanos::from_millis(500 * i),
                tick: Ticks(480 * i),
                lane: Lane::Snare,
                articulation: None,
                dynamic: crate::lane::Dynamic::Normal,
            })
            .collect();
        let chart =
            Chart::new(crate::chart::ChartInfo::default(), map, Vec::new(), notes).expect("chart");
        let feed = stage.begin(StageStart {
            chart: Some(&chart),
            players: &names,
            speed: 1.0,
            edges: [Nanos::ZERO; 4],
            zero_at: Some(Instant::now()),
        });
        // A is 10 ms late, B 2 ms early on note 0; A 4 ms late, B on time on note 1.
        feed.send(hit(0, 0, 10));
        feed.send(hit(1, 0, -2));
        feed.send(hit(0, 1, 4));
        feed.send(hit(1, 1, 0));
        drop(feed);
        stage.end("stopped", None, None);
        let syncs: Vec<SyncEvent> = events(&stage.store)
            .into_iter()
            .filter_map(|e| match e {
                Event::Sync(s) => Some(s),
                _ => None,
            })
            .collect();
        assert_eq!(syncs.len(), 2);
        assert_eq!(
            (syncs[0].mean_ms, syncs[0].notes, syncs[0].ahead),
            (12.0, 1, Some(1))
        );
        // (12 + 4) / 2: B is ahead by 8 ms.
        assert_eq!(
            (syncs[1].mean_ms, syncs[1].notes, syncs[1].ahead),
            (8.0, 2, Some(1))
        );
    }
}
