//! Each player's latency offsets, in order of precedence: `--offset-ms`, `--latency-profile`,
//! the profile saved for the take's (or live kit's) port, the offsets a capture log recorded,
//! zero. Every command that reads players applies them.

use anyhow::Result;
use pocket::calibrate::{self, LatencyProfile, LatencyProfiles};
use pocket::formats::{self, LoadedTake};
use pocket::score::Offsets;

/// A player's latency offsets and the profile they came from.
#[derive(Debug, Clone, Default)]
pub struct Latency {
    /// Hands and feet.
    pub offsets: Offsets,
    /// The latency profile they came from, if any.
    pub profile: Option<String>,
}

/// The profile named for each player by `--latency-profile [NAME=]PROFILE`.
fn named_profiles(names: &[&str], flags: &[String]) -> Vec<Option<String>> {
    let mut all: Option<String> = None;
    let mut each: Vec<Option<String>> = vec![None; names.len()];
    for f in flags {
        match f.split_once('=') {
            Some((n, p)) if names.contains(&n) && !p.is_empty() => {
                if let Some(i) = names.iter().position(|x| *x == n) {
                    each[i] = Some(p.to_string());
                }
            }
            _ => all = Some(f.clone()),
        }
    }
    each.into_iter()
        .map(|e| e.or_else(|| all.clone()))
        .collect()
}

/// The profiles file, for an explicit `--latency-profile` (errors are errors) or for an
/// automatic look-up (a broken file is a warning).
fn profiles(explicit: bool) -> Result<Option<LatencyProfiles>> {
    match LatencyProfiles::open_default() {
        Ok(p) => Ok(Some(p)),
        Err(e) if explicit => Err(e.into()),
        Err(calibrate::LatencyError::NoConfigDir) => Ok(None),
        Err(e) => {
            eprintln!("warning: latency profiles not applied: {e}");
            Ok(None)
        }
    }
}

/// Each player's latency offsets, in order of precedence: `--offset-ms`, `--latency-profile`,
/// the profile saved for the take's port (capture logs of live kits record the port), the
/// offsets a capture log recorded, zero.
pub fn latencies(
    names: &[&str],
    given: &[Option<Offsets>],
    profile_flags: &[String],
    loaded: &[&LoadedTake],
) -> Result<Vec<Latency>> {
    let named = named_profiles(names, profile_flags);
    let store = if named.iter().any(Option::is_some) {
        profiles(true)?
    } else if given.iter().all(Option::is_some) {
        None
    } else {
        profiles(false)?
    };
    let mut out = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let l = if let Some(o) = given.get(i).copied().flatten() {
            Latency {
                offsets: o,
                profile: None,
            }
        } else if let (Some(p), Some(s)) = (&named[i], &store) {
            let (key, prof) = s.get(p)?;
            announce(name, key, prof, "");
            Latency {
                offsets: prof.offsets(),
                profile: Some(key.to_string()),
            }
        } else if let Some((key, prof)) = store
            .as_ref()
            .zip(loaded.get(i))
            .and_then(|(s, l)| s.for_ports(&l.take.ports))
        {
            announce(name, key, prof, " (saved for its port)");
            Latency {
                offsets: prof.offsets(),
                profile: Some(key.to_string()),
            }
        } else {
            Latency {
                offsets: loaded
                    .get(i)
                    .and_then(|l| l.offsets)
                    .map(|(hands, feet)| Offsets { hands, feet })
                    .unwrap_or_default(),
                profile: None,
            }
        };
        out.push(l);
    }
    Ok(out)
}

fn announce(player: &str, key: &str, p: &LatencyProfile, why: &str) {
    eprintln!(
        "latency profile {key:?}{why} for {player}: hands {:+.1} ms, feet {:+.1} ms",
        p.hands_ms, p.feet_ms
    );
}

/// Records the profiles in a report's settings.
pub fn note_profiles(report: &mut pocket::report::Report, lat: &[Latency]) {
    for (s, l) in report.settings.players.iter_mut().zip(lat) {
        s.latency_profile.clone_from(&l.profile);
    }
}

/// The stable name of a live kit's port (`None` in a build without MIDI support).
fn port_name(query: &str) -> Option<String> {
    #[cfg(feature = "midi-io")]
    {
        pocket::live::ports::find_input(query).ok()
    }
    #[cfg(not(feature = "midi-io"))]
    {
        let _ = query;
        None
    }
}

/// Offsets for a live player without `--offset-ms`: the named profile, else the one saved
/// for its port (a kit) or for the replayed take's port.
pub fn live_offsets(
    name: &str,
    source: &pocket::live::session::PlayerSource,
    profile_flags: &[String],
    names: &[&str],
) -> Result<Offsets> {
    use pocket::live::session::PlayerSource;
    let named = named_profiles(names, profile_flags);
    let i = names.iter().position(|n| *n == name).unwrap_or(0);
    if let Some(p) = named.get(i).cloned().flatten() {
        let Some(store) = profiles(true)? else {
            return Ok(Offsets::default());
        };
        let (key, prof) = store.get(&p)?;
        announce(name, key, prof, "");
        return Ok(prof.offsets());
    }
    let ports: Vec<String> = match source {
        PlayerSource::Port { query, .. } => port_name(query).into_iter().collect(),
        PlayerSource::Replay { spec } => formats::load_take(spec, None)
            .map(|l| l.take.ports)
            .unwrap_or_default(),
    };
    if ports.is_empty() {
        return Ok(Offsets::default());
    }
    let Some(store) = profiles(false)? else {
        return Ok(Offsets::default());
    };
    Ok(match store.for_ports(&ports) {
        Some((key, prof)) => {
            announce(name, key, prof, " (saved for its port)");
            prof.offsets()
        }
        None => Offsets::default(),
    })
}
