//! Clone Hero `.chart` drum charts (text): `[Song]`, `[SyncTrack]`, `[Events]` and
//! `[ExpertDrums]` .. `[EasyDrums]`.
//!
//! Gems are toms unless a cymbal modifier (`N 66/67/68`) marks them; `N 32` is the Expert+
//! double kick, read only when asked for; `N 34-38` accent and `N 40-44` ghost a gem. `S`
//! (special phrase) events are ignored: `S 66` is a roll marker, not the blue cymbal. The rules
//! and their sources are in `docs/chart-formats.md`; lanes come from
//! [`super::rockband::Pad::lane`].

use super::chart_options::{ChartLoadOptions, Difficulty};
use super::game_draft::Draft;
use super::rockband::{apply_song_ini, parse_mix_event, song_ini_beside, DrumLayout, Pad, SongIni};
use crate::chart::Chart;
use crate::error::{InputError, InputErrorKind, Place, Remedy};
use crate::lane::Dynamic;
use crate::tempo::{Tempo, TimeSignature};
use std::collections::BTreeMap;
use std::path::Path;

/// Resolution assumed when `[Song]` gives none (the format's historical default).
pub const DEFAULT_RESOLUTION: u32 = 192;

/// One `key = value` line of a section.
#[derive(Debug, Clone)]
struct Entry {
    line: usize,
    key: String,
    value: String,
}

/// A `[Name] { ... }` section.
#[derive(Debug, Clone)]
struct Block {
    name: String,
    entries: Vec<Entry>,
}

/// Reads a `.chart` file, with the `song.ini` beside it.
pub fn read_chart(path: &Path, options: &ChartLoadOptions) -> Result<Chart, InputError> {
    let bytes = super::read::read_capped(path, super::smf::MAX_FILE_BYTES)?;
    let ini = song_ini_beside(path)?;
    read_chart_bytes(path, &bytes, ini.as_ref(), options)
}

/// Reads `.chart` bytes (UTF-8, a byte-order mark allowed; other bytes are replaced).
pub(crate) fn read_chart_bytes(
    path: &Path,
    bytes: &[u8],
    ini: Option<&SongIni>,
    options: &ChartLoadOptions,
) -> Result<Chart, InputError> {
    let (text, warning) = super::read::text_lossy(path, bytes);
    let mut chart = read_chart_str(path, &text, ini, options)?;
    chart.warnings.extend(warning);
    chart
        .warnings
        .extend(ini.iter().flat_map(|i| i.warnings.iter().cloned()));
    Ok(chart)
}

fn at(path: &Path, line: usize, msg: String) -> InputError {
    InputError::at_line(path, line, InputErrorKind::Malformed(msg))
}

fn parse_blocks(path: &Path, text: &str) -> Result<Vec<Block>, InputError> {
    let mut blocks: Vec<Block> = Vec::new();
    // (name, header line, seen the opening brace)
    let mut current: Option<(Block, usize, bool)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim().trim_start_matches('\u{feff}').trim();
        if line.is_empty() {
            continue;
        }
        match current.as_mut() {
            None => {
                let name = line
                    .strip_prefix('[')
                    .and_then(|l| l.strip_suffix(']'))
                    .ok_or_else(|| {
                        at(
                            path,
                            line_no,
                            format!("expected a section header such as [Song], found {:?}; is this a Clone Hero .chart file?", cut(line)),
                        )
                    })?;
                current = Some((
                    Block {
                        name: name.trim().to_string(),
                        entries: Vec::new(),
                    },
                    line_no,
                    false,
                ));
            }
            Some((block, _, open @ false)) => {
                if line != "{" {
                    return Err(at(
                        path,
                        line_no,
                        format!(
                            "section [{}] must open with {{ on the line after its name, found {:?}",
                            block.name,
                            cut(line)
                        ),
                    ));
                }
                *open = true;
            }
            Some((block, _, true)) => {
                if line == "}" {
                    if let Some((b, _, _)) = current.take() {
                        blocks.push(b);
                    }
                    continue;
                }
                let (key, value) = line.split_once('=').ok_or_else(|| {
                    at(
                        path,
                        line_no,
                        format!(
                            "expected KEY = VALUE in section [{}], found {:?}",
                            block.name,
                            cut(line)
                        ),
                    )
                })?;
                block.entries.push(Entry {
                    line: line_no,
                    key: key.trim().to_string(),
                    value: value.trim().to_string(),
                });
            }
        }
    }
    if let Some((block, line, _)) = current {
        return Err(InputError::at_line(
            path,
            line,
            InputErrorKind::Truncated(format!(
                "section [{}] is never closed with }}; the file was cut short",
                block.name
            )),
        ));
    }
    Ok(blocks)
}

fn cut(s: &str) -> String {
    s.chars().take(60).collect()
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .map(|r| r.strip_suffix('"').unwrap_or(r))
        .unwrap_or(s)
}

/// A track event `TICK = CODE VALUES...`: the tick, code and values.
fn event<'a>(path: &Path, e: &'a Entry) -> Result<(i64, &'a str, Vec<&'a str>), InputError> {
    let tick: i64 = e
        .key
        .parse::<u32>()
        .map_err(|_| {
            at(
                path,
                e.line,
                format!(
                    "{:?} is not a tick position (a whole number >= 0)",
                    cut(&e.key)
                ),
            )
        })?
        .into();
    let mut words = e.value.split_whitespace();
    let code = words.next().ok_or_else(|| {
        at(
            path,
            e.line,
            format!("the event at tick {tick} has no type code"),
        )
    })?;
    Ok((tick, code, words.collect()))
}

fn number<T: std::str::FromStr>(
    path: &Path,
    e: &Entry,
    word: Option<&&str>,
    what: &str,
) -> Result<T, InputError> {
    word.and_then(|w| w.parse::<T>().ok()).ok_or_else(|| {
        at(
            path,
            e.line,
            format!(
                "{what} must be a whole number in range, found {:?}",
                cut(&e.value)
            ),
        )
    })
}

/// Parses `.chart` text. See the module docs.
pub fn read_chart_str(
    path: &Path,
    text: &str,
    ini: Option<&SongIni>,
    options: &ChartLoadOptions,
) -> Result<Chart, InputError> {
    let blocks = parse_blocks(path, text)?;
    fn find<'a>(blocks: &'a [Block], name: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        blocks
            .iter()
            .filter(move |b| b.name.eq_ignore_ascii_case(name))
    }
    let mut draft = Draft {
        ppq: DEFAULT_RESOLUTION,
        ..Draft::default()
    };
    draft.info.source = path.display().to_string();
    for e in find(&blocks, "Song").flat_map(|b| &b.entries) {
        match e.key.to_ascii_lowercase().as_str() {
            "resolution" => {
                draft.ppq = unquote(&e.value)
                    .parse::<u32>()
                    .ok()
                    .filter(|r| (1..=crate::tempo::MAX_PPQ).contains(r))
                    .ok_or_else(|| {
                        at(
                            path,
                            e.line,
                            format!(
                                "Resolution = {:?}: must be a whole number of ticks per quarter note from 1 to {}",
                                cut(&e.value),
                                crate::tempo::MAX_PPQ
                            ),
                        )
                    })?
            }
            "offset" => {
                let v = unquote(&e.value);
                draft.audio_offset = crate::time::parse_seconds(v)
                    .filter(|t| t.abs().0 < 3_600_000_000_000)
                    .ok_or_else(|| {
                        at(
                            path,
                            e.line,
                            format!("Offset = {:?} is not a number of seconds", cut(v)),
                        )
                    })?;
                draft.offset_origin = Some((
                    path.to_path_buf(),
                    Place::Line {
                        line: e.line,
                        column: None,
                    },
                ));
            }
            "name" => draft.info.title = unquote(&e.value).to_string(),
            "artist" => draft.info.artist = unquote(&e.value).to_string(),
            "charter" => draft.info.charter = unquote(&e.value).to_string(),
            _ => {}
        }
    }
    let line_place = |line: usize| Place::Line { line, column: None };
    for e in find(&blocks, "SyncTrack").flat_map(|b| &b.entries) {
        let (tick, code, values) = event(path, e)?;
        match code {
            "B" => {
                let milli: u32 =
                    number(path, e, values.first(), "a tempo (B, thousandths of a BPM)")?;
                draft
                    .tempos
                    .push((tick, Tempo::MilliBpm(milli), line_place(e.line)));
            }
            "TS" => {
                let numerator: u8 = number(
                    path,
                    e,
                    values.first(),
                    "a time signature numerator (1 to 255)",
                )?;
                let exponent: u32 = match values.get(1) {
                    Some(_) => number(
                        path,
                        e,
                        values.get(1),
                        "a time signature denominator exponent",
                    )?,
                    None => 2,
                };
                if exponent > 6 {
                    return Err(at(
                        path,
                        e.line,
                        format!("TS {numerator} {exponent}: the denominator is 2^{exponent}; pocket accepts exponents 0 to 6 (1/1 to 1/64)"),
                    ));
                }
                draft.signatures.push((
                    tick,
                    TimeSignature {
                        numerator,
                        denominator: 1u8 << exponent,
                    },
                    line_place(e.line),
                ));
            }
            _ => {} // A (anchors) and anything unknown
        }
    }
    for e in find(&blocks, "Events").flat_map(|b| &b.entries) {
        let (tick, code, _) = event(path, e)?;
        if code != "E" {
            continue;
        }
        let text = unquote(e.value.trim_start().strip_prefix('E').unwrap_or(""));
        let bracketed = if text.starts_with('[') {
            text.to_string()
        } else {
            format!("[{text}]")
        };
        if let Some(name) = super::smf::section_name(&bracketed) {
            draft.sections.push((tick, name));
        }
    }

    let difficulty = options.difficulty;
    let Some(block) = find(&blocks, difficulty.chart_section()).next() else {
        let have: Vec<&str> = Difficulty::ALL
            .iter()
            .filter(|d| find(&blocks, d.chart_section()).next().is_some())
            .map(|d| d.name())
            .collect();
        let kind = if have.is_empty() {
            InputErrorKind::Empty("no drum part: the file has no [ExpertDrums], [HardDrums], [MediumDrums] or [EasyDrums] section".into())
        } else {
            InputErrorKind::WrongChoice {
                message: format!(
                    "no [{}] section; the file has drums for: {}; choose one of those difficulties",
                    difficulty.chart_section(),
                    have.join(", ")
                ),
                remedy: Remedy::ChooseDifficulty,
            }
        };
        return Err(InputError::new(path, Place::File, kind));
    };
    // Per tick: gems (0..=5, 32 as 6), accent/ghost/cymbal modifiers by pad.
    #[derive(Default)]
    struct AtTick {
        gems: Vec<u8>,
        accent: [bool; 6],
        ghost: [bool; 6],
        cymbal: [bool; 6],
    }
    let mut ticks: BTreeMap<i64, AtTick> = BTreeMap::new();
    let mut mixes: Vec<(i64, bool)> = Vec::new();
    let mut any_cymbal = false;
    let mut five_green = false;
    for e in &block.entries {
        let (tick, code, values) = event(path, e)?;
        match code {
            "N" => {
                let kind: u32 = number(path, e, values.first(), "a note type")?;
                let slot = ticks.entry(tick).or_default();
                match kind {
                    0..=5 => {
                        five_green |= kind == 5;
                        slot.gems.push(kind as u8)
                    }
                    32 => slot.gems.push(6),
                    34..=38 => slot.accent[(kind - 33) as usize] = true,
                    40..=44 => slot.ghost[(kind - 39) as usize] = true,
                    66..=68 => {
                        any_cymbal = true;
                        slot.cymbal[(kind - 64) as usize] = true
                    }
                    _ => {}
                }
            }
            "E" => {
                let text = unquote(e.value.trim_start().strip_prefix('E').unwrap_or(""));
                if let Some((d, flip)) = parse_mix_event(text) {
                    if d == difficulty.mix_index() {
                        mixes.push((tick, flip));
                    }
                }
            }
            _ => {} // S (star power, fills, rolls) and anything unknown
        }
    }
    let layout = ini
        .and_then(SongIni::forced_layout)
        .unwrap_or(if five_green && !any_cymbal {
            DrumLayout::FiveLane
        } else {
            DrumLayout::FourLane
        });
    mixes.sort_by_key(|m| m.0);
    for (tick, slot) in &ticks {
        let flip = mixes.iter().rfind(|m| m.0 <= *tick).is_some_and(|m| m.1);
        for &gem in &slot.gems {
            let pad = match (gem, layout) {
                (0, _) => Pad::Kick,
                (6, _) if options.double_kick => Pad::Kick,
                (6, _) => continue,
                (g, DrumLayout::FiveLane) => Pad::five_lane(g),
                (g, DrumLayout::FourLane) => {
                    let colour = g.min(4);
                    Pad::four_lane(colour, slot.cymbal[colour as usize], flip)
                }
            };
            let g = gem as usize;
            let dynamic = if gem == 0 || gem == 6 {
                Dynamic::Normal
            } else if slot.accent[g] {
                Dynamic::Accent
            } else if slot.ghost[g] {
                Dynamic::Ghost
            } else {
                Dynamic::Normal
            };
            draft.notes.push((*tick, pad.lane(), None, dynamic));
        }
    }
    if draft.notes.is_empty() {
        let skipped_double_kick =
            !options.double_kick && ticks.iter().any(|(_, slot)| slot.gems.contains(&6));
        return Err(InputError::new(
            path,
            Place::Item(format!("[{}]", difficulty.chart_section())),
            if skipped_double_kick {
                InputErrorKind::WrongChoice {
                    message: "the section holds no notes but Expert+ double kicks (N 32), which are read only when asked for".into(),
                    remedy: Remedy::ReadDoubleKick,
                }
            } else {
                InputErrorKind::Empty(
                    "the section holds no notes (N 0-5, or N 32 for Expert+ double kicks)".into(),
                )
            },
        ));
    }
    if let Some(ini) = ini {
        apply_song_ini(&mut draft, ini);
    }
    draft.build(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::chart_options::ChartLoadOptions;
    use crate::formats::rockband::tests::{check_fixture, root};
    use crate::lane::Lane;
    use crate::time::{Nanos, Ticks};

    /// Every `.chart` rule at 960 PPQ: cymbal modifiers, accents and ghosts, `S 66` next to a
    /// blue tom, double kick, disco flip, tempo and time-signature (with exponent) changes.
    const PRO_CHART: &str = r#"[Song]
{
  Name = "Chart Test"
  Artist = "Pocket Fixtures"
  Charter = "make-fixtures"
  Resolution = 960
  Offset = 0.1
  MusicStream = "song.ogg"
}
[SyncTrack]
{
  0 = TS 4
  0 = B 120000
  3840 = B 150500
  7680 = TS 7 3
  7680 = A 5000000
}
[Events]
{
  0 = E "section Intro"
  3840 = E "section Verse 1"
  3840 = E "lighting (chase)"
}
[ExpertDrums]
{
  0 = N 0 0
  0 = N 2 0
  0 = N 66 0
  0 = N 35 0
  0 = S 2 3840
  480 = N 2 0
  480 = N 41 0
  960 = N 1 0
  960 = N 34 0
  960 = N 3 0
  960 = N 67 0
  1440 = N 3 0
  1440 = S 66 480
  1920 = N 4 0
  1920 = N 68 0
  2400 = N 4 0
  2880 = N 32 0
  3360 = N 0 0
  3840 = E mix_3_drums0d
  3840 = N 1 0
  4320 = N 2 0
  4320 = N 66 0
  4800 = E mix_3_drums0
  4800 = N 1 0
  7680 = N 0 0
  7680 = N 1 0
  8160 = N 2 0
}
[HardDrums]
{
  0 = N 0 0
  960 = N 1 0
  960 = N 3 0
  960 = N 67 0
}
[MediumDrums]
{
  0 = N 0 0
  960 = N 1 0
}
[EasyDrums]
{
  0 = N 1 0
}
[ExpertSingle]
{
  0 = N 0 0
}
"#;

    const FIVE_LANE_CHART: &str = "[Song]\n{\n  Resolution = 192\n}\n[SyncTrack]\n{\n  0 = B 100000\n}\n[ExpertDrums]\n{\n  0 = N 0 0\n  48 = N 1 0\n  96 = N 2 0\n  144 = N 3 0\n  192 = N 4 0\n  240 = N 5 0\n}\n";

    fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
        let b = |s: &str| s.as_bytes().to_vec();
        vec![
            ("fixtures/clone-hero/pro-cymbals-flip-res960-offset.chart", b(PRO_CHART)),
            ("fixtures/clone-hero/five-lane-res192.chart", b(FIVE_LANE_CHART)),
            ("fixtures/bad/chart-ch-tick-not-a-number.chart", b("[Song]\n{\n  Resolution = 192\n}\n[ExpertDrums]\n{\n  0 = N 0 0\n  x96 = N 1 0\n}\n")),
            ("fixtures/bad/chart-ch-section-never-closed.chart", b("[Song]\n{\n  Resolution = 192\n}\n[ExpertDrums]\n{\n  0 = N 0 0\n")),
            ("fixtures/bad/chart-ch-ts-exponent-9.chart", b("[Song]\n{\n  Resolution = 192\n}\n[SyncTrack]\n{\n  0 = TS 4 9\n}\n[ExpertDrums]\n{\n  0 = N 0 0\n}\n")),
            ("fixtures/bad/chart-ch-tempo-zero.chart", b("[Song]\n{\n  Resolution = 192\n}\n[SyncTrack]\n{\n  0 = B 120000\n  768 = B 0\n}\n[ExpertDrums]\n{\n  0 = N 0 0\n}\n")),
            ("fixtures/bad/chart-ch-resolution-zero.chart", b("[Song]\n{\n  Resolution = 0\n}\n[ExpertDrums]\n{\n  0 = N 0 0\n}\n")),
        ]
    }

    fn load(rel: &str, difficulty: Difficulty, double_kick: bool) -> Result<Chart, InputError> {
        for (r, bytes) in fixtures() {
            check_fixture(r, &bytes);
        }
        let opts = ChartLoadOptions {
            difficulty,
            double_kick,
            ..ChartLoadOptions::default()
        };
        let path = root().join(rel);
        let path = if path.is_dir() {
            crate::formats::rockband::song_folder_chart(&path)?
        } else {
            path
        };
        read_chart(&path, &opts)
    }

    #[test]
    fn fixtures_match_their_generator() {
        for (rel, bytes) in fixtures() {
            check_fixture(rel, &bytes);
        }
    }

    /// 120 BPM to tick 3840, then 150.5 BPM, at 960 PPQ, plus the 0.1 s offset.
    fn pro_time(t: i64) -> Nanos {
        let ns = if t <= 3840 {
            t as i128 * 500_000_000 / 960
        } else {
            let num = (t - 3840) as i128 * 60_000_000_000_000;
            let den = 150_500i128 * 960;
            2_000_000_000 + (2 * num + den) / (2 * den)
        };
        Nanos(ns as i64 + 100_000_000)
    }

    fn check(
        chart: &Chart,
        shift: i64,
        time: impl Fn(i64) -> Nanos,
        expected: &[(i64, Lane, Dynamic)],
    ) {
        let mut want: Vec<(i64, Lane, Dynamic, Nanos)> = expected
            .iter()
            .map(|(t, l, d)| (t + shift, *l, *d, time(*t)))
            .collect();
        want.sort_by_key(|w| (w.0, w.1));
        let got: Vec<_> = chart
            .notes
            .iter()
            .map(|n| (n.tick.0, n.lane, n.dynamic, n.time))
            .collect();
        assert_eq!(got, want);
        let json = crate::formats::chart_json::write_chart(chart);
        let back = crate::formats::chart_json::read_chart_str(Path::new("c.json"), &json).unwrap();
        let again: Vec<_> = back
            .notes
            .iter()
            .map(|n| (n.tick.0, n.lane, n.dynamic, n.time))
            .collect();
        assert_eq!(again, want, "after conversion to pocket chart JSON");
    }

    fn expert(double_kick: bool) -> Vec<(i64, Lane, Dynamic)> {
        use Dynamic::*;
        use Lane::*;
        let mut e = vec![
            (0, Kick, Normal),
            (0, Hihat, Accent),
            (480, Tom1, Ghost),
            (960, Snare, Accent),
            (960, Ride, Normal),
            (1440, Tom2, Normal), // S 66 is a roll, not a blue cymbal
            (1920, Crash, Normal),
            (2400, Tom3, Normal),
            (3360, Kick, Normal),
            (3840, Hihat, Normal), // disco flip: red is the hi-hat
            (4320, Snare, Normal), // and the yellow cymbal the snare
            (4800, Snare, Normal),
            (7680, Kick, Normal),
            (7680, Snare, Normal),
            (8160, Tom1, Normal),
        ];
        if double_kick {
            e.push((2880, Kick, Normal));
        }
        e
    }

    const PRO: &str = "fixtures/clone-hero/pro-cymbals-flip-res960-offset.chart";

    #[test]
    fn expert_follows_every_rule() {
        let chart = load(PRO, Difficulty::Expert, false).unwrap();
        assert_eq!(chart.tempo_map.ppq(), 960);
        assert_eq!(chart.tempo_map.pickup(), Ticks(960), "0.1 s lead-in");
        check(&chart, 960, pro_time, &expert(false));
        assert_eq!(chart.info.title, "Chart Test");
        assert_eq!(chart.info.artist, "Pocket Fixtures");
        assert_eq!(chart.info.charter, "make-fixtures");
        let s: Vec<(&str, i64)> = chart
            .sections
            .iter()
            .map(|s| (s.name.as_str(), s.tick.0))
            .collect();
        assert_eq!(s, [("Intro", 960), ("Verse 1", 4800)]);
        let sig = chart.tempo_map.signature_at(Ticks(7680 + 960));
        assert_eq!((sig.numerator, sig.denominator), (7, 8));
        assert_eq!(
            chart.tempo_map.tempo_at(Ticks(4800)),
            Tempo::MilliBpm(150_500)
        );
    }

    #[test]
    fn double_kick_only_when_asked() {
        let chart = load(PRO, Difficulty::Expert, true).unwrap();
        check(&chart, 960, pro_time, &expert(true));
    }

    #[test]
    fn every_difficulty() {
        use Dynamic::Normal;
        use Lane::*;
        let cases = [
            (
                Difficulty::Hard,
                vec![(0, Kick, Normal), (960, Snare, Normal), (960, Ride, Normal)],
            ),
            (
                Difficulty::Medium,
                vec![(0, Kick, Normal), (960, Snare, Normal)],
            ),
            (Difficulty::Easy, vec![(0, Snare, Normal)]),
        ];
        for (d, e) in cases {
            let chart = load(PRO, d, false).unwrap();
            check(&chart, 960, pro_time, &e);
        }
    }

    #[test]
    fn five_lane() {
        use Dynamic::Normal;
        use Lane::*;
        let chart = load(
            "fixtures/clone-hero/five-lane-res192.chart",
            Difficulty::Expert,
            false,
        )
        .unwrap();
        let time = |t: i64| Nanos(t * 600_000_000 / 192);
        check(
            &chart,
            0,
            time,
            &[
                (0, Kick, Normal),
                (48, Snare, Normal),
                (96, Hihat, Normal),
                (144, Tom2, Normal),
                (192, Crash, Normal),
                (240, Tom3, Normal),
            ],
        );
        let err = load(
            "fixtures/clone-hero/five-lane-res192.chart",
            Difficulty::Hard,
            false,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("no [HardDrums] section; the file has drums for: expert"),
            "{err}"
        );
    }

    fn bad(rel: &str) -> String {
        load(rel, Difficulty::Expert, false)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_bad_tick_names_its_line() {
        let e = bad("fixtures/bad/chart-ch-tick-not-a-number.chart");
        assert!(
            e.contains("chart-ch-tick-not-a-number.chart: line 8") && e.contains("\"x96\""),
            "{e}"
        );
    }

    #[test]
    fn an_unclosed_section_names_its_header() {
        let e = bad("fixtures/bad/chart-ch-section-never-closed.chart");
        assert!(
            e.contains("line 5") && e.contains("[ExpertDrums] is never closed"),
            "{e}"
        );
    }

    #[test]
    fn a_time_signature_exponent_past_6_names_its_line() {
        let e = bad("fixtures/bad/chart-ch-ts-exponent-9.chart");
        assert!(e.contains("line 7") && e.contains("2^9"), "{e}");
    }

    #[test]
    fn tempo_zero_names_its_line() {
        let e = bad("fixtures/bad/chart-ch-tempo-zero.chart");
        assert!(e.contains("line 8") && e.contains("tempo 0"), "{e}");
    }

    #[test]
    fn resolution_zero_names_its_line() {
        let e = bad("fixtures/bad/chart-ch-resolution-zero.chart");
        assert!(e.contains("line 3") && e.contains("Resolution"), "{e}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, ..Default::default() })]
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = read_chart_bytes(Path::new("x.chart"), &bytes, None, &ChartLoadOptions::default());
        }

        #[test]
        fn mutated_chart_never_panics(edits in proptest::collection::vec((0usize..2000, 0u8..128), 1..10), cut in 0usize..2000) {
            let mut bytes = PRO_CHART.as_bytes().to_vec();
            for (at, b) in edits {
                let n = bytes.len();
                bytes[at % n] = b;
            }
            bytes.truncate(cut);
            for d in Difficulty::ALL {
                let o = ChartLoadOptions { difficulty: d, double_kick: true, ..ChartLoadOptions::default() };
                let _ = read_chart_bytes(Path::new("x.chart"), &bytes, None, &o);
            }
        }
    }
}
