//! Flags and values shared by several commands: players and their kits, offsets and latency
//! profiles, how a chart is read, milliseconds. Each parser names its flag in a usage error.

use super::usage::usage;
use anyhow::Result;
use clap::Args;
use pocket::formats::{self, smf::SmfChartOptions, LoadedTake};
use pocket::kit::{KitMap, LaneMap};
use pocket::latency::MAX_OFFSET_MS;
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
    /// Audio kit file (from `pocket kit learn --audio`) for every audio take; the built-in
    /// templates when not given.
    #[arg(long = "audio-kit", value_name = "FILE")]
    pub audio_kit: Option<std::path::PathBuf>,
}

impl PlayerTuning {
    /// Makes `--audio-kit` the audio kit of every audio take this command loads.
    pub fn use_audio_kit(&self) -> Result<()> {
        set_audio_kit(self.audio_kit.as_deref())
    }
}

/// How this command transcribes audio takes (`--audio-kit`), set once before takes are loaded.
static AUDIO_OPTIONS: std::sync::OnceLock<formats::AudioTakeOptions> = std::sync::OnceLock::new();

/// Reads the audio kit `path` (when given) for every audio take this command loads.
pub fn set_audio_kit(path: Option<&std::path::Path>) -> Result<()> {
    let kit = path.map(read_audio_kit).transpose()?;
    let _ = AUDIO_OPTIONS.set(formats::AudioTakeOptions {
        kit,
        ..formats::AudioTakeOptions::default()
    });
    Ok(())
}

/// Reads an audio-kit file through the capped read.
pub fn read_audio_kit(path: &std::path::Path) -> Result<pocket::transcribe::AudioKit> {
    Ok(formats::read_audio_kit(path)?)
}

/// The drum channel of an SMF chart given to `flag`: `1`-`16` or `all`.
fn chart_channel(flag: &str, channel: &str) -> Result<pocket::formats::smf::ChannelFilter> {
    use pocket::formats::smf::ChannelFilter;
    if channel == "all" {
        return Ok(ChannelFilter::All);
    }
    match channel.parse::<u8>() {
        Ok(c @ 1..=16) => Ok(ChannelFilter::Only(c)),
        _ => Err(usage(format!("{flag} {channel:?}: use 1 to 16, or all"))),
    }
}

/// A flag whose values are `NAME=VALUE`, for messages: the flag, the form its help gives and
/// an example of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedFlag {
    /// The flag, e.g. `--player`.
    pub flag: &'static str,
    /// The form in the flag's help, e.g. `NAME=TAKE`.
    pub form: &'static str,
    /// A value of that form, e.g. `Lee=take.mid`.
    pub example: &'static str,
}

/// `--player NAME=TAKE` of the commands that read takes.
pub const PLAYER_TAKE: NamedFlag = NamedFlag {
    flag: "--player",
    form: "NAME=TAKE",
    example: "Lee=take.mid",
};
/// `--player NAME=PORT` of `live` and `record`.
pub const PLAYER_PORT: NamedFlag = NamedFlag {
    flag: "--player",
    form: "NAME=PORT",
    example: "Lee=TD-17",
};
/// `--replay NAME=TAKE` of `live`, `record` and `calibrate`.
pub const REPLAY: NamedFlag = NamedFlag {
    flag: "--replay",
    form: "NAME=TAKE",
    example: "Lee=session.jsonl",
};
/// `--offset-ms NAME=MS[,FEET_MS]`.
const OFFSET: NamedFlag = NamedFlag {
    flag: "--offset-ms",
    form: "NAME=MS or NAME=HANDS,FEET",
    example: "Lee=12.5",
};

/// `NAME=VALUE`, neither empty; the message gives the flag's form and an example.
pub fn split_named(named: NamedFlag, text: &str) -> Result<(&str, &str)> {
    let NamedFlag {
        flag,
        form,
        example,
    } = named;
    text.split_once('=')
        .filter(|(n, v)| !n.is_empty() && !v.is_empty())
        .ok_or_else(|| {
            usage(format!(
                "{flag} {text:?}: expected {form}, such as {flag} {example}"
            ))
        })
}

/// A number of milliseconds.
pub fn parse_ms(flag: &str, s: &str) -> Result<Nanos> {
    s.trim()
        .parse::<f64>()
        .ok()
        .and_then(Nanos::from_millis_f64)
        .ok_or_else(|| usage(format!("{flag}: {s:?} is not a number of milliseconds")))
}

/// The most bootstrap draws `--bootstrap` takes: the verdict settles long before (the default
/// is [`pocket::sync::DEFAULT_BOOTSTRAP`]), and each draw refits the phase model.
pub const MAX_BOOTSTRAP: usize = 10_000;

/// `--bootstrap N`: a whole number from 0 to [`MAX_BOOTSTRAP`].
pub fn bootstrap_draws(text: &str) -> std::result::Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n <= MAX_BOOTSTRAP => Ok(n),
        _ => Err(format!(
            "use a whole number of draws from 0 (off) to {MAX_BOOTSTRAP}; the default is {}",
            pocket::sync::DEFAULT_BOOTSTRAP
        )),
    }
}

/// A latency offset of `--offset-ms`: milliseconds within ±[`MAX_OFFSET_MS`], the range
/// latency profiles and capture logs keep (a kit or player later than that is not latency
/// but a take that starts elsewhere: `score --auto-align`).
fn parse_offset(s: &str) -> Result<Nanos> {
    let v = parse_ms(OFFSET.flag, s)?;
    if v.as_millis_f64().abs() > MAX_OFFSET_MS {
        return Err(usage(format!(
            "--offset-ms: {s:?} is out of range; a latency offset is from -{MAX_OFFSET_MS} to \
             {MAX_OFFSET_MS} ms (a take that starts seconds off: score --auto-align)"
        )));
    }
    Ok(v)
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

/// Reads `--player NAME=TAKE`, `--kit [NAME=]PROFILE` and `--offset-ms NAME=MS[,FEET_MS]`.
pub fn roster<'a>(
    players: &'a [String],
    kits: &[String],
    offsets: &[String],
) -> Result<Roster<'a>> {
    let tagged: Vec<(NamedFlag, &str)> =
        players.iter().map(|p| (PLAYER_TAKE, p.as_str())).collect();
    roster_of(&tagged, kits, offsets)
}

/// [`roster`] of players given with several flags (`--player NAME=PORT` and
/// `--replay NAME=TAKE`), each message naming the flag that was used.
pub fn roster_of<'a>(
    players: &[(NamedFlag, &'a str)],
    kits: &[String],
    offsets: &[String],
) -> Result<Roster<'a>> {
    let mut names = Vec::new();
    let mut specs = Vec::new();
    let mut flags: Vec<&str> = Vec::new();
    for &(named, p) in players {
        let (name, take) = split_named(named, p)?;
        if let Some(i) = names.iter().position(|n| *n == name) {
            let flag = named.flag;
            return Err(usage(if flags[i] == flag {
                format!("{flag} {name:?} is given twice; player names must differ")
            } else {
                format!(
                    "{name:?} names two players ({} and {flag}); player names must differ",
                    flags[i]
                )
            }));
        }
        names.push(name);
        specs.push(take);
        flags.push(named.flag);
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
        let (name, value) = split_named(OFFSET, o)?;
        let i = names
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| usage(format!("--offset-ms {o:?}: no player named {name:?}")))?;
        let (hands, feet) = match value.split_once(',') {
            Some((h, f)) => (parse_offset(h)?, parse_offset(f)?),
            None => {
                let v = parse_offset(value)?;
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
    let audio = AUDIO_OPTIONS.get_or_init(formats::AudioTakeOptions::default);
    Ok(formats::load_take_with(spec, kit, audio)?)
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
