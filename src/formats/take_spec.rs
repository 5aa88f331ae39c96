//! The grammar of a take as written on the command line or in a session: a file, then optional
//! selectors after `#` that pick one player of a file holding several.
//!
//! - `take.mid#channel=10`, `duo.mid#track=2`, `duo.mid#track=1,channel=10`: a part of a
//!   Standard MIDI File ([`TakeSelector`]; tracks count from 0, channels from 1 to 16);
//! - `session.jsonl#player=Ana`: a player of a capture log, by name.
//!
//! Paths may contain `#`: the text after the last `#` is a selector only if it starts with a
//! selector key, otherwise it is part of the path.

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
}

impl TakeSpec {
    /// Parses `path`, `path#selector` and `path#player=NAME` (see the module docs).
    pub fn parse(spec: &str) -> Result<TakeSpec, TakeSpecError> {
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
                });
            }
        }
        Ok(TakeSpec {
            path: PathBuf::from(rest),
            selector: TakeSelector::default(),
            player,
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
