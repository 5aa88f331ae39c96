//! Flags and values shared by several commands: players and their kits, offsets and latency
//! profiles, how a chart is read, milliseconds. Each parser names its flag in a usage error.

use super::usage::usage;
use anyhow::Result;
use clap::Args;
use pocket::formats::{self, smf::SmfChartOptions, LoadedTake};
use pocket::kit::{KitMap, LaneMap};
use pocket::matching::Offsets;
use pocket::score;
use pocket::time::Nanos;

/// How a chart is read: the kit of a Standard MIDI File chart, and the options for
/// rhythm-game charts (Rock Band / Clone Hero / YARG .mid and .chart).
#[derive(Debug, Clone, Args)]
pub struct GameChartArgs {
    /// Read a Standard MIDI File chart through this kit (built-in profile or kit map file), as a
    /// take recorded on that kit is read: its note map, channel, filters and lane rules. For a
    /// chart made from a recording (default: the General MIDI note map).
    #[arg(long = "chart-kit", value_name = "PROFILE|FILE")]
    chart_kit: Option<String>,
    /// Difficulty of a rhythm-game chart: expert, hard, medium or easy.
    #[arg(long, default_value = "expert")]
    difficulty: formats::Difficulty,
    /// Read Expert+ double-kick gems (note 95, N 32) as kicks.
    #[arg(long)]
    double_kick: bool,
}

impl GameChartArgs {
    /// How to read a chart: these options, with the drum channel of a Standard MIDI File chart
    /// when one is given as `(flag, value)` (otherwise the chart kit's channel, or 10).
    pub fn options(&self, channel: Option<(&str, &str)>) -> Result<formats::ChartLoadOptions> {
        let mut smf = match &self.chart_kit {
            Some(kit) => SmfChartOptions::with_kit(formats::load_kit(kit)?),
            None => SmfChartOptions::default(),
        };
        if let Some((flag, value)) = channel {
            smf.channels = chart_channel(flag, value)?;
        }
        Ok(formats::ChartLoadOptions {
            smf,
            difficulty: self.difficulty,
            double_kick: self.double_kick,
        })
    }

    /// The chart kit as given (a profile name or a kit map file).
    pub fn chart_kit(&self) -> Option<&str> {
        self.chart_kit.as_deref()
    }
}

/// Per-player kit and latency flags, shared by every command that reads players' takes.
#[derive(Debug, Args)]
pub struct PlayerTuning {
    /// Kit profile or kit map file for every player (PROFILE), or for one (NAME=PROFILE).
    #[arg(long = "kit", value_name = "[NAME=]PROFILE")]
    pub kits: Vec<String>,
    /// Latency offset in ms subtracted from a player's hits: NAME=MS, or NAME=HANDS,FEET.
    /// Positive means that kit or player is late; it overrides any latency profile.
    #[arg(
        long = "offset-ms",
        value_name = "NAME=MS[,FEET_MS]",
        allow_hyphen_values = true
    )]
    pub offsets: Vec<String>,
    /// Latency profile (saved by `pocket calibrate`) for every player (PROFILE) or for one
    /// (NAME=PROFILE). Without it, a take or port whose kit has a saved profile gets it.
    #[arg(long = "latency-profile", value_name = "[NAME=]PROFILE")]
    pub latency_profiles: Vec<String>,
}

/// The drum channel of an SMF chart given to `flag`: `1`-`16` or `all`.
fn chart_channel(flag: &str, channel: &str) -> Result<pocket::formats::smf::ChannelFilter> {
    use pocket::formats::smf::ChannelFilter;
    if channel == "all" {
        return Ok(ChannelFilter::All);
    }
    match channel.parse::<u8>() {
        Ok(c @ 1..=16) => Ok(ChannelFilter::Only(c)),
        _ => Err(usage(format!("{flag} {channel:?}: use 1-16 or all"))),
    }
}

/// `NAME=VALUE`, neither empty.
pub fn split_named<'a>(flag: &str, text: &'a str) -> Result<(&'a str, &'a str)> {
    text.split_once('=')
        .filter(|(n, v)| !n.is_empty() && !v.is_empty())
        .ok_or_else(|| usage(format!("{flag} {text:?}: expected NAME=VALUE")))
}

/// A number of milliseconds.
pub fn parse_ms(flag: &str, s: &str) -> Result<Nanos> {
    s.trim()
        .parse::<f64>()
        .ok()
        .and_then(Nanos::from_millis_f64)
        .ok_or_else(|| usage(format!("{flag}: {s:?} is not a number of milliseconds")))
}

/// A [`score::TimingError`] as a usage error that names its flag once.
pub fn timing_usage(e: score::TimingError) -> anyhow::Error {
    match e {
        score::TimingError::BadWindow => usage(format!("--window-ms: {e}")),
        score::TimingError::BadTiers { .. } => usage(format!("--tiers-ms: {e}")),
    }
}

/// Players named on the command line with their kits and offsets.
pub struct Roster<'a> {
    /// Names, in the order given.
    pub names: Vec<&'a str>,
    /// Each player's take (or port) as given.
    pub specs: Vec<&'a str>,
    /// Each player's kit from `--kit`.
    pub kits: Vec<Option<KitMap>>,
    /// Each player's offsets from `--offset-ms`.
    pub offsets: Vec<Option<Offsets>>,
}

/// Reads `--player NAME=TAKE` (or `NAME=PORT`), `--kit [NAME=]PROFILE` and
/// `--offset-ms NAME=MS[,FEET_MS]`.
pub fn roster<'a>(
    players: &'a [String],
    kits: &[String],
    offsets: &[String],
) -> Result<Roster<'a>> {
    let mut names = Vec::new();
    let mut specs = Vec::new();
    for p in players {
        let (name, take) = split_named("--player", p)?;
        if names.contains(&name) {
            return Err(usage(format!(
                "--player {name:?} is given twice; player names must differ"
            )));
        }
        names.push(name);
        specs.push(take);
    }
    let mut kit_all: Option<KitMap> = None;
    let mut kit_for: Vec<Option<KitMap>> = vec![None; names.len()];
    for k in kits {
        match k.split_once('=') {
            Some((name, profile)) => {
                let i = names
                    .iter()
                    .position(|n| *n == name)
                    .ok_or_else(|| usage(format!("--kit {k:?}: no player named {name:?}")))?;
                kit_for[i] = Some(formats::load_kit(profile)?);
            }
            None => kit_all = Some(formats::load_kit(k)?),
        }
    }
    for k in kit_for.iter_mut() {
        if k.is_none() {
            k.clone_from(&kit_all);
        }
    }
    let mut offs: Vec<Option<Offsets>> = vec![None; names.len()];
    for o in offsets {
        let (name, value) = split_named("--offset-ms", o)?;
        let i = names
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| usage(format!("--offset-ms {o:?}: no player named {name:?}")))?;
        let (hands, feet) = match value.split_once(',') {
            Some((h, f)) => (parse_ms("--offset-ms", h)?, parse_ms("--offset-ms", f)?),
            None => {
                let v = parse_ms("--offset-ms", value)?;
                (v, v)
            }
        };
        offs[i] = Some(Offsets { hands, feet });
    }
    Ok(Roster {
        names,
        specs,
        kits: kit_for,
        offsets: offs,
    })
}

/// [`formats::load_take`], refusing `#player=` on a take that is not a capture log (where it
/// would pick nothing and be ignored).
pub fn load_take(spec: &str, kit: Option<&KitMap>) -> Result<LoadedTake> {
    check_player_selector(spec)?;
    Ok(formats::load_take(spec, kit)?)
}

/// `#player=NAME` picks a player of a capture log; a MIDI file or onset list has no names.
pub fn check_player_selector(spec: &str) -> Result<()> {
    use pocket::error::{InputError, InputErrorKind, Place};
    let Ok(formats::TakeSpec {
        path,
        player: Some(_),
        ..
    }) = formats::TakeSpec::parse(spec)
    else {
        return Ok(());
    };
    let format = formats::detect(&path)?;
    if format == formats::Format::CaptureLog {
        return Ok(());
    }
    Err(InputError::new(
        &path,
        Place::File,
        InputErrorKind::Malformed(format!(
            "#player=NAME picks a player of a capture log, but this is a {}; pick a player of a \
             MIDI file with #channel=N or #track=N",
            format.name()
        )),
    )
    .into())
}

/// The lane rules for the chart: those given with `--lanes`, plus every merge of the players'
/// kit maps (a kit's merges were applied to its take; merged hits must find merged notes).
pub fn chart_lanes(cli: &LaneMap, names: &[&str], loaded: &[LoadedTake]) -> Result<LaneMap> {
    formats::chart_lane_map(cli, loaded).map_err(|(i, e)| {
        lane_conflict(
            names.get(i).copied().unwrap_or("a player"),
            &loaded[i].kit,
            &e,
        )
    })
}

/// A player's kit map whose lane merges conflict with `--lanes`.
pub fn lane_conflict(player: &str, kit: &str, e: &dyn std::fmt::Display) -> anyhow::Error {
    usage(format!(
        "{player}'s kit ({kit}) merges lanes in a way that conflicts with --lanes: {e}"
    ))
}
