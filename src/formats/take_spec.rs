//! The grammar of a take as written on the command line or in a session: a file, then optional
//! selectors after `#` that pick one player of a file holding several.
//!
//! - `take.mid#channel=10`, `duo.mid#track=2`, `duo.mid#track=1,channel=10`: a part of a
//!   Standard MIDI File ([`TakeSelector`]; tracks count from 0, channels from 1 to 16);
//! - `session.jsonl#player=Ana`: a player of a capture log, by name;
//! - `room.wav#audio-channel=2`: one channel of a multichannel recording (one kit per channel;
//!   counted from 1), and `lee.wav#sync=first`: the recording's clock starts at its first
//!   onset, a clap or count-in every player's recording hears (docs/acoustic.md), and
//!   `audio-Lee.wav#zero=4.5`: time zero is at 4.5 s of the recording (a live session's
//!   recording of an audio input, docs/live.md).
//!
//! Paths may contain `#`: the text after the last `#` is a selector only if it starts with a
//! selector key, otherwise it is part of the path.

use crate::time::Nanos;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// The selectors there are, for messages.
const SELECTORS: &str = "the selectors are #channel=N (1 to 16), #track=N (from 0) and \
                         #player=NAME (a player of a capture log)";

/// The selector keys a path's last `#` may start (`#player=` is read apart).
const KEYS: [&str; 3] = ["channel", "ch", "track"];

/// Why a take spec does not parse. Each message says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TakeSpecError {
    /// A selector part without `=`.
    #[error("take selector {0:?} is not key=value; {SELECTORS}")]
    NotKeyValue(String),
    /// A selector key other than `channel`, `ch` or `track`.
    #[error("unknown take selector {0:?}; {SELECTORS}")]
    UnknownKey(String),
    /// A channel outside 1 to 16.
    #[error("channel {0:?} in take selector: channels are 1 to 16")]
    BadChannel(String),
    /// A track that is not a whole number from 0.
    #[error("track {0:?} in take selector: tracks are numbered from 0")]
    BadTrack(String),
    /// The same key twice.
    #[error("take selector {selector:?} gives the {key} twice")]
    Repeated {
        /// The selector as written.
        selector: String,
        /// `channel` or `track`.
        key: &'static str,
    },
    /// An audio channel that is not a whole number from 1.
    #[error("audio channel {0:?} in take selector: audio channels are counted from 1")]
    BadAudioChannel(String),
    /// A sync rule other than `first`.
    #[error("sync rule {0:?} in take selector: the one rule is #sync=first (the recording's first onset, a shared clap or count-in)")]
    BadSync(String),
    /// A time zero that is not a time in seconds.
    #[error("time zero {0:?} in take selector: #zero=SECONDS takes a decimal number of seconds of the recording (such as 4.5)")]
    BadZero(String),
    /// A selector with nothing before it.
    #[error("take {0:?} has a selector but no file")]
    NoFile(String),
}

/// Which part of a Standard MIDI File is one player's take: a track, a channel, or both. The
/// empty selector takes every channel message of every track.
///
/// Written after the path with `#`: `take.mid#channel=10`, `take.mid#track=2`,
/// `duo.mid#track=1,channel=10`. Tracks count from 0 (track 0 of a type 1 file is usually the
/// tempo track); channels from 1 to 16.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TakeSelector {
    /// Only this track (index from 0), if set.
    pub track: Option<usize>,
    /// Only this channel (1..=16), if set.
    pub channel: Option<u8>,
}

impl TakeSelector {
    /// Whether the selector takes everything.
    pub fn is_all(&self) -> bool {
        self.track.is_none() && self.channel.is_none()
    }
}

impl fmt::Display for TakeSelector {
    /// The selector as written after `#` (empty when it takes everything).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.track, self.channel) {
            (None, None) => Ok(()),
            (Some(t), None) => write!(f, "track={t}"),
            (None, Some(c)) => write!(f, "channel={c}"),
            (Some(t), Some(c)) => write!(f, "track={t},channel={c}"),
        }
    }
}

impl FromStr for TakeSelector {
    type Err = TakeSpecError;
    /// Parses `channel=N`, `track=N` or both separated by a comma (the part after `#`).
    fn from_str(s: &str) -> Result<TakeSelector, TakeSpecError> {
        let mut sel = TakeSelector::default();
        let repeated = |key| TakeSpecError::Repeated {
            selector: s.to_string(),
            key,
        };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| TakeSpecError::NotKeyValue(part.to_string()))?;
            let value = value.trim();
            match key.trim() {
                "channel" | "ch" => {
                    let c: u8 = value
                        .parse()
                        .ok()
                        .filter(|c| (1..=16).contains(c))
                        .ok_or_else(|| TakeSpecError::BadChannel(value.to_string()))?;
                    if sel.channel.replace(c).is_some() {
                        return Err(repeated("channel"));
                    }
                }
                "track" => {
                    let t: usize = value
                        .parse()
                        .map_err(|_| TakeSpecError::BadTrack(value.to_string()))?;
                    if sel.track.replace(t).is_some() {
                        return Err(repeated("track"));
                    }
                }
                other => return Err(TakeSpecError::UnknownKey(other.to_string())),
            }
        }
        Ok(sel)
    }
}

/// A take file with its optional selectors: `take.mid`, `take.mid#channel=10`,
/// `duo.mid#track=2`, `session.jsonl#player=Ana`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakeSpec {
    /// The file.
    pub path: PathBuf,
    /// Which part of a MIDI file (everything when empty).
    pub selector: TakeSelector,
    /// Which player of a capture log, by name (`#player=NAME`), if given.
    pub player: Option<String>,
    /// Which channel of an audio recording, from 1 (`#audio-channel=N`); all channels mixed
    /// when not given.
    pub audio_channel: Option<u16>,
    /// `#sync=first`: an audio recording's time zero is its first onset (a shared clap or
    /// count-in), which is not a hit.
    pub sync_first: bool,
    /// `#zero=SECONDS`: an audio recording's time zero is at this time of the recording (the
    /// recording of a live session's audio input starts at the capture's zero; its chart time
    /// zero is the capture log's `time_zero_ns`).
    pub audio_zero: Option<Nanos>,
}

impl TakeSpec {
    /// Parses `path`, `path#selector` and `path#player=NAME` (see the module docs).
    pub fn parse(spec: &str) -> Result<TakeSpec, TakeSpecError> {
        let (mut spec, mut audio_channel, mut sync_first, mut audio_zero) =
            (spec, None, false, None);
        while let Some((head, sel)) = spec.rsplit_once('#') {
            if let Some(n) = sel.strip_prefix("audio-channel=") {
                let c: u16 = n
                    .trim()
                    .parse()
                    .ok()
                    .filter(|c| *c >= 1)
                    .ok_or_else(|| TakeSpecError::BadAudioChannel(n.to_string()))?;
                audio_channel = Some(c);
            } else if let Some(rule) = sel.strip_prefix("sync=") {
                if rule.trim() != "first" {
                    return Err(TakeSpecError::BadSync(rule.to_string()));
                }
                sync_first = true;
            } else if let Some(t) = sel.strip_prefix("zero=") {
                audio_zero = Some(
                    crate::time::parse_seconds(t.trim())
                        .ok_or_else(|| TakeSpecError::BadZero(t.to_string()))?,
                );
            } else {
                break;
            }
            spec = head;
        }
        let mut parsed = TakeSpec::parse_midi(spec)?;
        parsed.audio_channel = audio_channel;
        parsed.sync_first = sync_first;
        parsed.audio_zero = audio_zero;
        Ok(parsed)
    }

    /// [`TakeSpec::parse`] of what is left once the audio selectors are taken off.
    fn parse_midi(spec: &str) -> Result<TakeSpec, TakeSpecError> {
        let (rest, player) = match spec.rsplit_once("#player=") {
            Some((p, name)) => (p, Some(name.to_string())),
            None => (spec, None),
        };
        if let Some((path, sel)) = rest.rsplit_once('#') {
            let t = sel.trim_start();
            if KEYS
                .iter()
                .any(|k| t.strip_prefix(k).is_some_and(|r| r.starts_with('=')))
            {
                if path.is_empty() {
                    return Err(TakeSpecError::NoFile(rest.to_string()));
                }
                return Ok(TakeSpec {
                    path: PathBuf::from(path),
                    selector: sel.parse()?,
                    player,
                    audio_channel: None,
                    sync_first: false,
                    audio_zero: None,
                });
            }
        }
        Ok(TakeSpec {
            path: PathBuf::from(rest),
            selector: TakeSelector::default(),
            player,
            audio_channel: None,
            sync_first: false,
            audio_zero: None,
        })
    }
}

impl TakeSpec {
    /// A selector key that looks meant but is unknown: `chanel` in `take.mid#chanel=10`. Such a
    /// spec parses as a path (paths may contain `#`); when no file has that path, this says
    /// why better than "no such file".
    pub fn misspelt_selector(&self) -> Option<TakeSpecError> {
        let text = self.path.to_str()?;
        let (_, sel) = text.rsplit_once('#')?;
        let (key, _) = sel.split_once('=')?;
        let key = key.trim();
        (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphabetic() || c == '_'))
            .then(|| TakeSpecError::UnknownKey(key.to_string()))
    }
}

impl fmt::Display for TakeSpec {
    /// The spec as written: the path, then `#selector` and `#player=NAME` when set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if !self.selector.is_all() {
            write!(f, "#{}", self.selector)?;
        }
        if let Some(name) = &self.player {
            write!(f, "#player={name}")?;
        }
        if let Some(c) = self.audio_channel {
            write!(f, "#audio-channel={c}")?;
        }
        if self.sync_first {
            write!(f, "#sync=first")?;
        }
        if let Some(t) = self.audio_zero {
            write!(f, "#zero={}", crate::time::format_seconds(t))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_selectors_parse() {
        let sel = |s: &str| s.parse::<TakeSelector>();
        assert_eq!(sel(""), Ok(TakeSelector::default()));
        assert_eq!(
            sel("channel=10"),
            Ok(TakeSelector {
                track: None,
                channel: Some(10)
            })
        );
        assert_eq!(
            sel("track=2, channel=11"),
            Ok(TakeSelector {
                track: Some(2),
                channel: Some(11)
            })
        );
        for bad in [
            "channel=0",
            "channel=17",
            "track=-1",
            "port=1",
            "channel",
            "track=1,track=2",
        ] {
            assert!(sel(bad).is_err(), "{bad:?} must be refused");
        }
        assert_eq!(
            sel("ch=1,channel=2"),
            Err(TakeSpecError::Repeated {
                selector: "ch=1,channel=2".into(),
                key: "channel"
            })
        );
    }

    #[test]
    fn midi_selectors_follow_the_path() {
        let spec = TakeSpec::parse("duo.mid#track=1").unwrap();
        assert_eq!(spec.path, PathBuf::from("duo.mid"));
        assert_eq!(spec.selector.track, Some(1));
        assert_eq!(spec.player, None);
        assert_eq!(spec.to_string(), "duo.mid#track=1");
        assert!(TakeSpec::parse("a.mid#channel=99").is_err());
        assert_eq!(
            TakeSpec::parse("#channel=10"),
            Err(TakeSpecError::NoFile("#channel=10".into()))
        );
    }

    #[test]
    fn a_hash_that_starts_no_selector_is_part_of_the_path() {
        let plain = TakeSpec::parse("takes/#3 live.mid").unwrap();
        assert_eq!(plain.path, PathBuf::from("takes/#3 live.mid"));
        assert!(plain.selector.is_all());
        assert_eq!(plain.player, None);
    }

    #[test]
    fn a_misspelt_selector_is_named_with_the_valid_ones() {
        let spec = TakeSpec::parse("take.mid#chanel=10").unwrap();
        let err = spec
            .misspelt_selector()
            .expect("chanel looks like a selector");
        assert_eq!(err, TakeSpecError::UnknownKey("chanel".into()));
        let text = err.to_string();
        for valid in ["#channel=N (1 to 16)", "#track=N", "#player=NAME"] {
            assert!(text.contains(valid), "{text}");
        }
        assert_eq!(
            TakeSpec::parse("takes/#3 live.mid")
                .unwrap()
                .misspelt_selector(),
            None
        );
        assert!(TakeSpec::parse("a.mid#channel=99")
            .unwrap_err()
            .to_string()
            .contains("channels are 1 to 16"));
    }

    #[test]
    fn audio_selectors_pick_a_channel_and_the_sync_rule() {
        let spec = TakeSpec::parse("s/audio-Lee.wav#zero=4.500000001").unwrap();
        assert_eq!(spec.audio_zero, Some(Nanos(4_500_000_001)));
        assert_eq!(spec.to_string(), "s/audio-Lee.wav#zero=4.500000001");
        assert!(matches!(
            TakeSpec::parse("a.wav#zero=soon"),
            Err(TakeSpecError::BadZero(_))
        ));
        let spec = TakeSpec::parse("takes/#2 room.wav#audio-channel=3#sync=first").unwrap();
        assert_eq!(spec.path, PathBuf::from("takes/#2 room.wav"));
        assert_eq!(spec.audio_channel, Some(3));
        assert!(spec.sync_first);
        assert_eq!(
            spec.to_string(),
            "takes/#2 room.wav#audio-channel=3#sync=first"
        );
        let plain = TakeSpec::parse("lee.wav").unwrap();
        assert_eq!((plain.audio_channel, plain.sync_first), (None, false));
        assert_eq!(
            TakeSpec::parse("a.wav#audio-channel=0"),
            Err(TakeSpecError::BadAudioChannel("0".into()))
        );
        assert_eq!(
            TakeSpec::parse("a.wav#sync=last"),
            Err(TakeSpecError::BadSync("last".into()))
        );
        // MIDI's channel selector stays MIDI's.
        let midi = TakeSpec::parse("a.mid#channel=10").unwrap();
        assert_eq!(
            (midi.selector.channel, midi.audio_channel),
            (Some(10), None)
        );
    }

    #[test]
    fn a_player_is_picked_by_name() {
        let spec = TakeSpec::parse("runs/#2/session.jsonl#player=Ana Lee").unwrap();
        assert_eq!(spec.path, PathBuf::from("runs/#2/session.jsonl"));
        assert_eq!(spec.player.as_deref(), Some("Ana Lee"));
        assert!(spec.selector.is_all());
        assert_eq!(spec.to_string(), "runs/#2/session.jsonl#player=Ana Lee");
        let both = TakeSpec::parse("duo.mid#track=2#player=B").unwrap();
        assert_eq!(both.selector.track, Some(2));
        assert_eq!(both.player.as_deref(), Some("B"));
    }
}
