//! Each player's latency offsets from the flags: `--offset-ms` and `--latency-profile
//! [NAME=]PROFILE` are read here; the precedence itself is the library's
//! ([`pocket::session::resolve_latencies`]). Every command that reads players applies them.

use anyhow::Result;
use pocket::formats::{self, LoadedTake};
use pocket::latency::LatencyProfiles;
use pocket::matching::Offsets;
use pocket::session::{self, Latency, LatencyClaims, LatencySource};

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

/// Resolves the claims and tells the user on stderr where profile offsets came from.
fn resolve(names: &[&str], claims: &[LatencyClaims<'_>]) -> Result<Vec<Latency>> {
    let got = session::resolve_latencies(claims, LatencyProfiles::open_default)?;
    if let Some(e) = &got.warning {
        eprintln!("warning: latency profiles not applied: {e}");
    }
    for (name, l) in names.iter().zip(&got.players) {
        let why = match &l.source {
            LatencySource::Profile(_) => "",
            LatencySource::PortProfile(_) => " (saved for its port)",
            _ => continue,
        };
        eprintln!(
            "latency profile {:?}{why} for {name}: hands {:+.1} ms, feet {:+.1} ms",
            l.profile().unwrap_or_default(),
            l.offsets.hands.as_millis_f64(),
            l.offsets.feet.as_millis_f64()
        );
    }
    Ok(got.players)
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
    let claims: Vec<LatencyClaims> = (0..names.len())
        .map(|i| LatencyClaims {
            given: given.get(i).copied().flatten(),
            profile: named[i].as_deref(),
            ports: loaded.get(i).map_or(&[][..], |l| &l.take.ports[..]),
            recorded: loaded
                .get(i)
                .and_then(|l| l.offsets)
                .map(|(hands, feet)| Offsets { hands, feet }),
        })
        .collect();
    resolve(names, &claims)
}

/// The stable name of a live kit's port (`None` in a build without MIDI support).
fn port_name(query: &str) -> Option<String> {
    pocket::live::ports::find_input(query).ok().map(|p| p.name)
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
    let profile = named.get(i).cloned().flatten();
    let ports: Vec<String> = if profile.is_some() {
        Vec::new()
    } else {
        match source {
            PlayerSource::Port { query, .. } => port_name(query).into_iter().collect(),
            PlayerSource::Audio { .. } => Vec::new(),
            PlayerSource::Replay { spec } => formats::load_take(spec, None)
                .map(|l| l.take.ports)
                .unwrap_or_default(),
        }
    };
    if profile.is_none() && ports.is_empty() {
        return Ok(Offsets::default());
    }
    let claims = [LatencyClaims {
        profile: profile.as_deref(),
        ports: &ports,
        ..LatencyClaims::default()
    }];
    Ok(resolve(&[name], &claims)?.remove(0).offsets)
}
