//! A seeded drummer: plays a chart with human timing and returns the raw MIDI events a kit would
//! send, together with the ground truth of what it meant to play.
//!
//! Used for the demo takes, for tests whose oracle is the known truth (the scorer must recover the
//! bias, spread and misses the simulation put in), and for benches. The model:
//! - each note is played at `note + lag + lane bias + drift·t + wander + jitter`, where the
//!   wander is a slow AR(1) process (φ = 0.95) and the jitter is Gaussian with SD `jitter_sd`;
//! - a note is skipped with probability `miss_rate`, or played on a wrong drum (a neighbour of
//!   the kit layout) with probability `wrong_drum_rate`;
//! - overhits (a stray stroke between notes) occur at `overhit_rate` per note;
//! - loud hits on a pad can fire a quiet crosstalk hit on a neighbouring pad (`crosstalk_rate`),
//!   a few ms before or after the real hit;
//! - velocities follow the chart's dynamics (ghost ≈ 35, normal ≈ 95, accent ≈ 122, ±8);
//! - hi-hat notes are preceded by a CC4 pedal reading (127 closed, 60 half-open, 0 open).

use crate::chart::Chart;
use crate::event::RawEvent;
use crate::kit::KitMap;
use crate::lane::{Articulation, Dynamic, Lane};
use crate::time::Nanos;

/// How a simulated drummer plays.
#[derive(Debug, Clone, PartialEq)]
pub struct Drummer {
    /// Random seed: the same seed and chart give the same events.
    pub seed: u64,
    /// Constant lateness of this player (positive: behind the chart), ms.
    pub lag_ms: f64,
    /// Extra bias per lane, ms, indexed by [`Lane::index`] (e.g. kick slightly early).
    pub lane_bias_ms: [f64; Lane::ALL.len()],
    /// SD of the per-note jitter, ms.
    pub jitter_sd_ms: f64,
    /// SD of the slow wander's innovations, ms.
    pub wander_sd_ms: f64,
    /// Linear drift, ms per minute (positive: dragging).
    pub drift_ms_per_min: f64,
    /// Probability of leaving a note out.
    pub miss_rate: f64,
    /// Probability of playing a note on a neighbouring drum.
    pub wrong_drum_rate: f64,
    /// Stray strokes per note.
    pub overhit_rate: f64,
    /// Probability that a hit at velocity ≥ 100 fires crosstalk on a neighbour pad.
    pub crosstalk_rate: f64,
    /// MIDI channel to send on (1..=16).
    pub channel: u8,
}

impl Default for Drummer {
    fn default() -> Drummer {
        let mut bias = [0.0; Lane::ALL.len()];
        bias[Lane::Kick.index()] = -6.0;
        bias[Lane::Snare.index()] = -2.0;
        bias[Lane::Hihat.index()] = 2.0;
        Drummer {
            seed: 1,
            lag_ms: 0.0,
            lane_bias_ms: bias,
            jitter_sd_ms: 12.0,
            wander_sd_ms: 1.5,
            drift_ms_per_min: 0.0,
            miss_rate: 0.02,
            wrong_drum_rate: 0.005,
            overhit_rate: 0.005,
            crosstalk_rate: 0.02,
            channel: 10,
        }
    }
}

/// What the simulated drummer meant to do with one chart note.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Intent {
    /// Played on the right lane at this time (before the kit stage).
    Played(Nanos),
    /// Played on a wrong lane at this time.
    WrongDrum(Lane, Nanos),
    /// Left out.
    Missed,
}

/// The simulation's output.
#[derive(Debug, Clone, PartialEq)]
pub struct Performance {
    /// Raw MIDI events in time order (port 0).
    pub events: Vec<RawEvent>,
    /// Per chart note, what was meant.
    pub intents: Vec<Intent>,
    /// Times of the stray strokes.
    pub overhits: Vec<Nanos>,
    /// Times of the crosstalk hits sent.
    pub crosstalk: Vec<Nanos>,
}

/// A small deterministic Gaussian source over fastrand.
struct Rng(fastrand::Rng);

impl Rng {
    fn gauss(&mut self) -> f64 {
        // Box-Muller; 1 - f64() is in (0, 1].
        let u1 = 1.0 - self.0.f64();
        let u2 = self.0.f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
    fn chance(&mut self, p: f64) -> bool {
        self.0.f64() < p
    }
}

/// A drum played instead of `lane` by a player who reaches for the wrong one.
fn neighbour(lane: Lane) -> Lane {
    match lane {
        Lane::Snare => Lane::Tom1,
        Lane::Hihat => Lane::Crash,
        Lane::Tom1 => Lane::Tom2,
        Lane::Tom2 => Lane::Tom3,
        Lane::Tom3 => Lane::Tom2,
        Lane::Tom4 => Lane::Tom3,
        Lane::Crash => Lane::Ride,
        Lane::Ride => Lane::Crash,
        Lane::Kick => Lane::HihatPedal,
        other => other,
    }
}

/// The pad that picks up crosstalk from `lane`: its first neighbour in the kit's list.
fn crosstalk_victim(kit: &KitMap, lane: Lane) -> Option<Lane> {
    kit.neighbours.iter().find_map(|&(x, y)| {
        if x == lane {
            Some(y)
        } else if y == lane {
            Some(x)
        } else {
            None
        }
    })
}

/// The note a kit sends for a lane and articulation: an exact match first, then the lane's
/// plain note.
fn note_for(kit: &KitMap, lane: Lane, art: Option<Articulation>) -> Option<u8> {
    // The General MIDI note first (a kit's main pad, not an edge or aux trigger).
    let gm = crate::kit::gm_note(lane, art);
    if matches!(kit.lookup(gm), Some((l, a)) if l == lane && (art.is_none() || a == art || a.is_none()))
    {
        return Some(gm);
    }
    let exact = (0u8..=127).find(|&n| kit.lookup(n) == Some((lane, art)));
    exact.or_else(|| (0u8..=127).find(|&n| matches!(kit.lookup(n), Some((l, _)) if l == lane)))
}

/// How one player of a simulated duet listens to the other (linear phase correction).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coupling {
    /// Fraction of the last asynchrony to the partner corrected on the next onset.
    pub alpha: f64,
    /// Fraction of the last deviation from the chart (the click or backing track) corrected.
    pub beta: f64,
    /// Timekeeper noise SD per onset, ms.
    pub sd_timekeeper_ms: f64,
    /// Motor noise SD per onset, ms.
    pub sd_motor_ms: f64,
}

/// Plays `chart` as a duet: at every chart time both players' deviations follow linear phase
/// correction, `p_i(n+1) = p_i(n) + T_i(n) + M_i(n+1) − M_i(n) − α_i·(p_i(n) − p_j(n)) − β_i·p_i(n)`
/// (timekeeper noise `T`, motor noise `M`), on top of each drummer's lag, lane bias and drift;
/// the drummers' own jitter and wander are replaced by this process. Misses, wrong drums,
/// overhits and crosstalk are as in [`perform`].
pub fn perform_duet(
    chart: &Chart,
    kits: [&KitMap; 2],
    drummers: [&Drummer; 2],
    coupling: [Coupling; 2],
    seed: u64,
) -> [Performance; 2] {
    let mut rng = Rng(fastrand::Rng::with_seed(seed));
    let mut keeper = [0.0f64; 2];
    let mut motor = [0.0f64; 2];
    let mut produced = [0.0f64; 2];
    let mut dev: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut last = None;
    for n in &chart.notes {
        if last.is_some() && last != Some(n.time) {
            let before = produced;
            for i in 0..2 {
                let c = coupling[i];
                let m_next = c.sd_motor_ms * rng.gauss();
                keeper[i] += c.sd_timekeeper_ms * rng.gauss()
                    - c.alpha * (before[i] - before[1 - i])
                    - c.beta * before[i];
                produced[i] = keeper[i] + m_next;
                motor[i] = m_next;
            }
        } else if last.is_none() {
            for i in 0..2 {
                motor[i] = coupling[i].sd_motor_ms * rng.gauss();
                produced[i] = keeper[i] + motor[i];
            }
        }
        last = Some(n.time);
        dev[0].push(produced[0]);
        dev[1].push(produced[1]);
    }
    let [d0, d1] = dev;
    [
        perform_inner(chart, kits[0], drummers[0], Some(&d0)),
        perform_inner(chart, kits[1], drummers[1], Some(&d1)),
    ]
}

/// Plays `chart` on `kit` the way `drummer` would.
pub fn perform(chart: &Chart, kit: &KitMap, drummer: &Drummer) -> Performance {
    perform_inner(chart, kit, drummer, None)
}

fn perform_inner(
    chart: &Chart,
    kit: &KitMap,
    drummer: &Drummer,
    deviation_ms: Option<&[f64]>,
) -> Performance {
    let mut rng = Rng(fastrand::Rng::with_seed(drummer.seed));
    let ch = drummer.channel.clamp(1, 16) - 1;
    let mut events: Vec<RawEvent> = Vec::with_capacity(chart.notes.len() * 3);
    let mut intents = Vec::with_capacity(chart.notes.len());
    let mut overhits = Vec::new();
    let mut crosstalk = Vec::new();
    let mut wander = 0.0f64;
    let mut note_cache: std::collections::HashMap<(Lane, Option<Articulation>), Option<u8>> =
        Default::default();
    let send = |events: &mut Vec<RawEvent>,
                cache: &mut std::collections::HashMap<_, _>,
                t: Nanos,
                lane: Lane,
                art: Option<Articulation>,
                vel: u8| {
        let Some(note) = *cache
            .entry((lane, art))
            .or_insert_with(|| note_for(kit, lane, art))
        else {
            return false;
        };
        if lane == Lane::Hihat {
            let pedal = match art {
                Some(Articulation::Open) => 0,
                Some(Articulation::HalfOpen) => 60,
                _ => 127,
            };
            events.push(RawEvent::new(
                t - Nanos::from_millis(2),
                0,
                &[0xB0 | ch, 4, pedal],
            ));
        }
        events.push(RawEvent::new(t, 0, &[0x90 | ch, note, vel.clamp(1, 127)]));
        events.push(RawEvent::new(
            t + Nanos::from_millis(40),
            0,
            &[0x80 | ch, note, 64],
        ));
        true
    };
    let mut last_time = None;
    for (ni, n) in chart.notes.iter().enumerate() {
        // Advance the wander once per distinct note time (chords move together).
        if last_time != Some(n.time) {
            wander = 0.95 * wander + drummer.wander_sd_ms * rng.gauss();
            last_time = Some(n.time);
        }
        let minutes = n.time.as_secs_f64() / 60.0;
        let jitter = drummer.jitter_sd_ms * rng.gauss();
        let human = match deviation_ms {
            Some(d) => d.get(ni).copied().unwrap_or(0.0),
            None => wander + jitter,
        };
        let err_ms = drummer.lag_ms
            + drummer.lane_bias_ms[n.lane.index()]
            + drummer.drift_ms_per_min * minutes
            + human;
        let t = n.time + Nanos::from_millis_f64(err_ms).unwrap_or(Nanos::ZERO);
        let base = match n.dynamic {
            Dynamic::Ghost => 35.0,
            Dynamic::Normal => 95.0,
            Dynamic::Accent => 122.0,
        };
        let vel = (base + 8.0 * rng.gauss()).round().clamp(1.0, 127.0) as u8;
        if rng.chance(drummer.miss_rate) {
            intents.push(Intent::Missed);
            continue;
        }
        if rng.chance(drummer.wrong_drum_rate) && neighbour(n.lane) != n.lane {
            let wrong = neighbour(n.lane);
            if send(&mut events, &mut note_cache, t, wrong, None, vel) {
                intents.push(Intent::WrongDrum(wrong, t));
            } else {
                intents.push(Intent::Missed);
            }
            continue;
        }
        if send(&mut events, &mut note_cache, t, n.lane, n.articulation, vel) {
            intents.push(Intent::Played(t));
        } else {
            intents.push(Intent::Missed);
            continue;
        }
        if vel >= 100 && rng.chance(drummer.crosstalk_rate) {
            if let Some(victim) = crosstalk_victim(kit, n.lane) {
                let dt = Nanos::from_millis_f64(rng.0.f64() * 8.0 - 3.0).unwrap_or(Nanos::ZERO);
                let v = (vel as f64 * (0.08 + 0.1 * rng.0.f64())).max(1.0) as u8;
                if send(&mut events, &mut note_cache, t + dt, victim, None, v) {
                    crosstalk.push(t + dt);
                }
            }
        }
        if rng.chance(drummer.overhit_rate) {
            // A stray stroke well away from any note: half a second after this one, on the snare.
            let at = t + Nanos::from_millis(300 + (rng.0.f64() * 40.0) as i64);
            if send(&mut events, &mut note_cache, at, Lane::Snare, None, 70) {
                overhits.push(at);
            }
        }
    }
    events.sort_by_key(|e| e.time);
    Performance {
        events,
        intents,
        overhits,
        crosstalk,
    }
}
