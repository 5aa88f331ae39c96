//! DTXMania `.dtx` drum charts (text).
//!
//! Headers `#TITLE`, `#ARTIST`, `#BPM`, `#BPMxx` (and `#BASEBPM`); object lines
//! `#mmmCC: data`, where `mmm` is the measure (the first character may be base 36 for measures
//! above 999), `CC` the channel in hex, and `data` pairs of base-36 digits that divide the
//! measure evenly (`00` is empty). Channels read: 02 bar length (a multiplier of a 4/4 measure
//! that stays in force until the next 02), 03 tempo in whole BPM (hex), 08 tempo from the
//! `#BPMxx` table, 11-1C drums. Everything else (sounds, video, guitar and bass) is
//! ignored by the chart. Measure `mmm` becomes bar `mmm + 1`; chart time zero is the start of
//! measure 000.
//!
//! The background music is read apart ([`read_bgm`]), for playing along: `#BGMWAV: xx` names
//! the `#WAVxx` sample that is the song's audio, and its first chip on channel 01 is where the
//! audio starts on the chart's clock (without `#BGMWAV`, the first channel-01 chip).
//!
//! Times are exact: the resolution is chosen so that every object falls on a whole tick, and bar
//! lengths become time signatures (a bar length that no signature expresses is a longer bar cut
//! short where the measure ends). Tempos are kept exactly as the decimal the file writes
//! ([`Tempo::from_bpm_fraction`]). The rules and their sources are
//! in `docs/chart-formats.md`.

use super::game_draft::Draft;
use crate::chart::Chart;
use crate::error::{InputError, InputErrorKind, Place};
use crate::lane::{Articulation, Lane};
use crate::tempo::{Tempo, TimeSignature};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Largest measure number (`Z99`).
pub const MAX_MEASURE: u32 = 3599;
/// Tempo when the file gives no `#BPM`.
pub const DEFAULT_BPM: u32 = 120;
/// Resolution used when no resolution up to 32767 puts every object on a whole tick; objects
/// are then rounded to the nearest tick.
pub const FALLBACK_PPQ: u32 = 960;
/// Longest bar length accepted (a 255/4 bar).
const MAX_BAR_LENGTH_QUARTERS: u128 = 255;

/// The pocket lane (and articulation) of a DTX drum channel (0x11..=0x1C).
pub fn channel_lane(channel: u8) -> Option<(Lane, Option<Articulation>)> {
    Some(match channel {
        0x11 => (Lane::Hihat, Some(Articulation::Closed)),
        0x12 => (Lane::Snare, None),
        0x13 => (Lane::Kick, None),
        0x14 => (Lane::Tom1, None),
        0x15 => (Lane::Tom2, None),
        0x16 => (Lane::Crash, None),
        0x17 => (Lane::Tom3, None),
        0x18 => (Lane::Hihat, Some(Articulation::Open)),
        0x19 => (Lane::Ride, None),
        0x1A => (Lane::Crash2, None),
        0x1B => (Lane::HihatPedal, None),
        0x1C => (Lane::Kick, None),
        _ => return None,
    })
}

/// Reads a `.dtx` file.
pub fn read_chart(path: &Path) -> Result<Chart, InputError> {
    let bytes = super::read::read_capped(path, super::smf::MAX_FILE_BYTES)?;
    read_chart_bytes(path, &bytes)
}

/// A DTX chart's background music: the file and where it starts on the chart's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bgm {
    /// The audio file, resolved against the chart's folder.
    pub file: std::path::PathBuf,
    /// The chart time of its first sample (the start of its first channel-01 chip).
    pub start: crate::time::Nanos,
    /// Line of that chip in the chart.
    pub line: usize,
}

/// The background music of a `.dtx` chart (`None` when it places no chip on channel 01). A chip
/// whose sample no `#WAVxx` defines is an error naming its line.
pub fn read_bgm(path: &Path) -> Result<Option<Bgm>, InputError> {
    let bytes = super::read::read_capped(path, super::smf::MAX_FILE_BYTES)?;
    let (chart, chip, wavs) = read_parts(path, &bytes)?;
    let Some(chip) = chip else {
        return Ok(None);
    };
    let name = wavs.get(&chip.id).ok_or_else(|| {
        let id: String = [chip.id / 36, chip.id % 36]
            .iter()
            .filter_map(|d| char::from_digit(*d, 36))
            .collect::<String>()
            .to_ascii_uppercase();
        InputError::at_line(
            path,
            chip.line,
            InputErrorKind::Malformed(format!(
                "the background music chip refers to #WAV{id}, which the file does not define"
            )),
        )
    })?;
    let folder = path.parent().unwrap_or(Path::new(""));
    Ok(Some(Bgm {
        file: folder.join(name.replace('\\', "/")),
        start: chart.tempo_map.time(crate::time::Ticks(chip.tick)),
        line: chip.line,
    }))
}

/// The first background-music chip: its sample id, tick and line.
struct BgmChip {
    id: u32,
    tick: i64,
    line: usize,
}

/// The file's text (UTF-16 with a byte-order mark, else UTF-8), with the warning that says so
/// when undecodable bytes were replaced (a Shift_JIS file, say).
fn decode(path: &Path, bytes: &[u8]) -> (String, Option<String>) {
    let utf16 = |big: bool| {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if big {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect();
        let bad = char::decode_utf16(units.iter().copied()).position(|c| c.is_err());
        (
            String::from_utf16_lossy(&units),
            bad.map(|i| super::read::undecodable(path, 2 + 2 * i)),
        )
    };
    if bytes.starts_with(&[0xFF, 0xFE]) {
        utf16(false)
    } else if bytes.starts_with(&[0xFE, 0xFF]) {
        utf16(true)
    } else {
        super::read::text_lossy(
            path,
            bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes),
        )
    }
}

fn b36(c: u8) -> Option<u32> {
    (c as char).to_digit(36)
}

/// A non-negative decimal (`"0.75"`, `"120"`, `"1,5"`) as an exact fraction `p / 10^k`.
fn decimal(s: &str) -> Option<(u128, u128)> {
    let s = s.trim().replace(',', ".");
    let s = s.strip_prefix('+').unwrap_or(&s);
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || int.len() > 12
        || frac.len() > 9
    {
        return None;
    }
    let q = 10u128.pow(frac.len() as u32);
    let p: u128 = format!("{int}{frac}")
        .trim_start_matches('0')
        .parse()
        .unwrap_or(0);
    Some((p, q))
}

/// BPM text as an exact fraction `(p, q)` (`q` a power of ten up to 10^9). A value too large
/// for 64 bits becomes `u64::MAX / q`, far above any tempo pocket accepts.
fn bpm_fraction(s: &str) -> Option<(u64, u64)> {
    let (p, q) = decimal(s)?;
    Some((u64::try_from(p).unwrap_or(u64::MAX), q as u64))
}

/// The tempo of `whole` BPM plus the fraction `base` (`#BASEBPM`).
fn tempo_plus(whole: u64, base: (u64, u64)) -> Tempo {
    let (p, q) = base;
    let num = whole.saturating_mul(q).saturating_add(p);
    Tempo::from_bpm_fraction(num, q).unwrap_or(Tempo::MilliBpm(0))
}

fn gcd(a: u128, b: u128) -> u128 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Denominator of `num / den` in lowest terms.
fn reduced_den(num: u128, den: u128) -> u128 {
    den / gcd(num, den).max(1)
}

struct ObjLine {
    line: usize,
    measure: u32,
    channel: u8,
    values: Vec<u32>,
}

/// Reads `.dtx` bytes: UTF-8 (byte-order mark allowed) or UTF-16 with a byte-order mark;
/// Shift_JIS text (common in older files) reads, but its titles show replacement characters.
pub(crate) fn read_chart_bytes(path: &Path, bytes: &[u8]) -> Result<Chart, InputError> {
    read_parts(path, bytes).map(|(chart, _, _)| chart)
}

/// The chart, its first background-music chip and its `#WAVxx` table.
#[allow(clippy::type_complexity)]
fn read_parts(
    path: &Path,
    bytes: &[u8],
) -> Result<(Chart, Option<BgmChip>, HashMap<u32, String>), InputError> {
    let (text, warning) = decode(path, bytes);
    let bad =
        |line: usize, msg: String| InputError::at_line(path, line, InputErrorKind::Malformed(msg));
    let mut title = String::new();
    let mut artist = String::new();
    let mut bpm: Option<((u64, u64), usize)> = None;
    let mut base_bpm: (u64, u64) = (0, 1);
    let mut bpm_table: HashMap<u32, (u64, u64)> = HashMap::new();
    let mut bar_lengths: BTreeMap<u32, ((u128, u128), usize)> = BTreeMap::new();
    let mut objects: Vec<ObjLine> = Vec::new();
    // Channel-01 (background music) lines, kept apart so that they change nothing in the chart.
    let mut bgm_lines: Vec<ObjLine> = Vec::new();
    let mut bgm_wav: Option<u32> = None;
    let mut wavs: HashMap<u32, String> = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim().trim_start_matches('\u{feff}');
        let Some(body) = line.strip_prefix('#') else {
            continue;
        };
        let body = body.split(';').next().unwrap_or("");
        let key_len = body
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        let key = body[..key_len].to_ascii_uppercase();
        let rest = body[key_len..].trim_start();
        let value = rest.strip_prefix(':').unwrap_or(rest).trim();
        let kb = key.as_bytes();
        let is_object = kb.len() == 5
            && kb[1].is_ascii_digit()
            && kb[2].is_ascii_digit()
            && b36(kb[0]).is_some()
            && kb[3].is_ascii_hexdigit()
            && kb[4].is_ascii_hexdigit();
        if is_object {
            let measure = b36(kb[0]).unwrap_or(0) * 100 + key[1..3].parse::<u32>().unwrap_or(0);
            let channel = u8::from_str_radix(&key[3..5], 16).unwrap_or(0);
            if measure > MAX_MEASURE {
                return Err(bad(
                    line_no,
                    format!(
                        "measure {measure} is beyond the last measure DTX allows ({MAX_MEASURE})"
                    ),
                ));
            }
            if channel == 0x02 {
                let (p, q) = decimal(value).filter(|(p, _)| *p > 0).ok_or_else(|| {
                    bad(
                        line_no,
                        format!(
                            "bar length {value:?} is not a positive decimal number such as 0.75"
                        ),
                    )
                })?;
                if 4 * p > MAX_BAR_LENGTH_QUARTERS * q {
                    return Err(bad(line_no, format!("bar length {value} is longer than pocket accepts (at most 63.75, a 255/4 bar)")));
                }
                bar_lengths.insert(measure, ((p, q), line_no));
                continue;
            }
            if !(channel == 0x01
                || channel == 0x03
                || channel == 0x08
                || channel_lane(channel).is_some())
            {
                continue;
            }
            let data: Vec<u8> = value
                .bytes()
                .filter(|b| !b.is_ascii_whitespace() && *b != b'_')
                .collect();
            if data.is_empty() {
                continue;
            }
            if !data.len().is_multiple_of(2) {
                return Err(bad(line_no, format!("object data {value:?} has an odd number of characters; each object is two characters")));
            }
            let radix = if channel == 0x03 { 16 } else { 36 };
            let mut values = Vec::with_capacity(data.len() / 2);
            for (k, pair) in data.chunks_exact(2).enumerate() {
                let v = (pair[0] as char)
                    .to_digit(radix)
                    .zip((pair[1] as char).to_digit(radix))
                    .map(|(a, b)| a * radix + b)
                    .ok_or_else(|| {
                        bad(
                            line_no,
                            format!(
                                "object {} ({:?}) is not a {} pair",
                                k + 1,
                                String::from_utf8_lossy(pair),
                                if radix == 16 {
                                    "hexadecimal"
                                } else {
                                    "base-36"
                                }
                            ),
                        )
                    })?;
                values.push(v);
            }
            let obj = ObjLine {
                line: line_no,
                measure,
                channel,
                values,
            };
            if channel == 0x01 {
                bgm_lines.push(obj);
            } else {
                objects.push(obj);
            }
            continue;
        }
        match key.as_str() {
            "TITLE" => title = value.to_string(),
            "ARTIST" => artist = value.to_string(),
            "BPM" => {
                let m = bpm_fraction(value)
                    .ok_or_else(|| bad(line_no, format!("#BPM {value:?} is not a number")))?;
                bpm = Some((m, line_no));
            }
            "BGMWAV" => {
                let v = value.as_bytes();
                bgm_wav = (v.len() >= 2)
                    .then(|| b36(v[0]).zip(b36(v[1])).map(|(a, b)| a * 36 + b))
                    .flatten();
            }
            k if k.len() == 5 && k.starts_with("WAV") => {
                if let Some(id) = b36(kb[3]).zip(b36(kb[4])).map(|(a, b)| a * 36 + b) {
                    // The file name ends at a comment; names may hold spaces.
                    wavs.insert(id, value.to_string());
                }
            }
            "BASEBPM" => {
                base_bpm = bpm_fraction(value)
                    .ok_or_else(|| bad(line_no, format!("#BASEBPM {value:?} is not a number")))?;
            }
            k if k.len() == 5 && k.starts_with("BPM") => {
                let Some(id) = b36(kb[3]).zip(b36(kb[4])).map(|(a, b)| a * 36 + b) else {
                    continue;
                };
                let m = bpm_fraction(value)
                    .ok_or_else(|| bad(line_no, format!("#{k} {value:?} is not a number")))?;
                bpm_table.insert(id, m);
            }
            _ => {}
        }
    }

    let Some(last) = objects
        .iter()
        .filter(|o| channel_lane(o.channel).is_some() && o.values.iter().any(|v| *v != 0))
        .map(|o| o.measure)
        .max()
    else {
        return Err(InputError::new(
            path,
            Place::File,
            InputErrorKind::Empty("no drum objects: channels 11 to 1C hold nothing; is this a drum chart (not guitar or bass)?".into()),
        ));
    };
    let last_needed = objects
        .iter()
        .map(|o| o.measure)
        .max()
        .unwrap_or(last)
        .max(last)
        + 1;
    // Bar length (p/q of a 4/4 measure) of each measure, and the line that set it.
    let mut lengths: Vec<((u128, u128), Option<usize>)> =
        Vec::with_capacity(last_needed as usize + 1);
    let mut current = ((1u128, 1u128), None);
    for m in 0..=last_needed {
        if let Some((l, line)) = bar_lengths.get(&m) {
            current = (*l, Some(*line));
        }
        lengths.push(current);
    }
    // A resolution that puts every measure start and every object on a whole tick.
    let mut lcm: u128 = 1;
    let mut exact = true;
    let mut need = |d: u128| {
        let next = lcm / gcd(lcm, d) * d;
        if next > crate::tempo::MAX_PPQ as u128 {
            exact = false;
        } else {
            lcm = next;
        }
    };
    for ((p, q), _) in &lengths {
        need(reduced_den(4 * p, *q));
    }
    for o in &objects {
        let ((p, q), _) = lengths[o.measure as usize];
        need(reduced_den(4 * p, q * o.values.len() as u128));
    }
    let ppq: u128 = if exact {
        lcm * (480 / lcm).max(1)
    } else {
        FALLBACK_PPQ as u128
    };
    let round = |num: u128, den: u128| ((2 * num + den) / (2 * den)) as i64;
    let mut starts: Vec<i64> = Vec::with_capacity(lengths.len() + 1);
    let mut s = 0i64;
    for ((p, q), _) in &lengths {
        starts.push(s);
        s += round(4 * p * ppq, *q);
    }

    let mut draft = Draft {
        ppq: ppq as u32,
        ..Draft::default()
    };
    draft.info.title = title;
    draft.info.artist = artist;
    draft.info.source = path.display().to_string();
    let (first_bpm, bpm_place) = match bpm {
        Some((m, line)) => (m, Place::Line { line, column: None }),
        None => ((u64::from(DEFAULT_BPM), 1), Place::File),
    };
    draft.tempos.push((0, tempo_plus(0, first_bpm), bpm_place));

    // Time signatures: one per bar-length change, and after every measure no signature fits.
    let mut prev: Option<(TimeSignature, bool)> = None;
    for (m, ((p, q), line)) in lengths.iter().enumerate() {
        let (p, q) = (*p, *q);
        let fitting = [4u128, 8, 16, 32, 64].into_iter().find_map(|d| {
            let n = p * d;
            (n % q == 0 && (1..=255).contains(&(n / q)) && (4 * ppq).is_multiple_of(d)).then(|| {
                TimeSignature {
                    numerator: (n / q) as u8,
                    denominator: d as u8,
                }
            })
        });
        let (sig, fits) = match fitting {
            Some(sig) => (sig, exact),
            None => {
                let quarters = (4 * p).div_ceil(q).clamp(1, 255);
                (
                    TimeSignature {
                        numerator: quarters as u8,
                        denominator: 4,
                    },
                    false,
                )
            }
        };
        if m == 0 || prev != Some((sig, true)) {
            let place = line.map_or(Place::File, |line| Place::Line { line, column: None });
            draft.signatures.push((starts[m], sig, place));
        }
        prev = Some((sig, fits));
    }

    for o in &objects {
        let ((p, q), _) = lengths[o.measure as usize];
        let n = o.values.len() as u128;
        let place = Place::Line {
            line: o.line,
            column: None,
        };
        for (i, &v) in o.values.iter().enumerate() {
            if v == 0 {
                continue;
            }
            let tick = starts[o.measure as usize] + round(i as u128 * 4 * p * ppq, q * n);
            match o.channel {
                0x03 => {
                    draft
                        .tempos
                        .push((tick, tempo_plus(u64::from(v), base_bpm), place.clone()));
                }
                0x08 => {
                    let m = bpm_table.get(&v).ok_or_else(|| {
                        let id: String = [v / 36, v % 36]
                            .iter()
                            .filter_map(|d| char::from_digit(*d, 36))
                            .collect::<String>()
                            .to_ascii_uppercase();
                        bad(
                            o.line,
                            format!(
                                "tempo change refers to #BPM{id}, which the file does not define"
                            ),
                        )
                    })?;
                    draft.tempos.push((tick, tempo_plus(0, *m), place.clone()));
                }
                c => {
                    if let Some((lane, articulation)) = channel_lane(c) {
                        draft
                            .notes
                            .push((tick, lane, articulation, crate::lane::Dynamic::Normal));
                    }
                }
            }
        }
    }
    let mut chart = draft.build(path)?;
    chart.warnings.extend(warning);
    // The first background-music chip (of the #BGMWAV sample when the file names one), in
    // the chart's ticks; measures after the last one the chart needs keep its bar length.
    let mut chip: Option<BgmChip> = None;
    for o in &bgm_lines {
        let m = o.measure as usize;
        let last = lengths.len() - 1;
        let ((p, q), _) = lengths[m.min(last)];
        let measure_start = if m <= last {
            starts[m]
        } else {
            starts[last] + (m - last) as i64 * round(4 * p * ppq, q)
        };
        let n = o.values.len() as u128;
        for (i, &v) in o.values.iter().enumerate() {
            if v == 0 || bgm_wav.is_some_and(|id| id != v) {
                continue;
            }
            let tick = measure_start + round(i as u128 * 4 * p * ppq, q * n);
            if chip.as_ref().is_none_or(|c| tick < c.tick) {
                chip = Some(BgmChip {
                    id: v,
                    tick,
                    line: o.line,
                });
            }
        }
    }
    Ok((chart, chip, wavs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::rockband::tests::{check_fixture, root};
    use crate::lane::Dynamic;
    use crate::time::{Nanos, Ticks};

    /// Bar lengths 1, 0.75 (3/4), 1.1 (no signature fits: a cut 5/4 bar) and back to 1; tempo
    /// 120.5 BPM, a channel 03 change to 180 BPM and a channel 08 change to #BPM01 (140.25);
    /// every drum channel 11-1C, and channels pocket ignores.
    const DTX: &str = "; generated by pocket's tests\n\
#TITLE: DTX Test\n\
#ARTIST: Pocket Fixtures\n\
#BPM: 120.5\n\
#BPM01: 140.25\n\
#WAV01: hh.wav\n\
#00001: 01\n\
#00011: 01010101\n\
#00013: 01000100\n\
#00012: 00010001\n\
#00102: 0.75\n\
#00114: 010101\n\
#00103: 00B4\n\
#00161: 0101\n\
#00202: 1.1\n\
#00215: 01\n\
#00208: 0001\n\
#00216: 0000000001\n\
#00302: 1\n\
#00317: 01000000\n\
#00318: 0001000000000000\n\
#00319: 00000100\n\
#0031A: 00000001\n\
#0031B: 0000000000000001\n\
#0031C: 01\n";

    fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
        let b = |s: &str| s.as_bytes().to_vec();
        vec![
            (
                "fixtures/dtx/bar-lengths-0.75-1.1-bpm-changes-all-drum-channels.dtx",
                b(DTX),
            ),
            (
                "fixtures/dtx/bpm-133.3333333-kick-at-12-minutes.dtx",
                b("#TITLE: Decimal BPM\n#BPM: 133.3333333\n#00013: 01\n#39913: 01\n"),
            ),
            (
                "fixtures/bad/dtx-odd-object-data.dtx",
                b("#TITLE: x\n#BPM: 120\n#00011: 010\n"),
            ),
            (
                "fixtures/bad/dtx-undefined-bpm-reference.dtx",
                b("#TITLE: x\n#BPM: 120\n#00011: 01\n#00108: 02\n"),
            ),
            (
                "fixtures/bad/dtx-bar-length-zero.dtx",
                b("#TITLE: x\n#BPM: 120\n#00002: 0\n#00011: 01\n"),
            ),
            (
                "fixtures/bad/dtx-no-drum-objects.dtx",
                b("#TITLE: guitar only\n#BPM: 120\n#00020: 01\n"),
            ),
        ]
    }

    fn load(rel: &str) -> Result<Chart, InputError> {
        for (r, bytes) in fixtures() {
            check_fixture(r, &bytes);
        }
        read_chart(&root().join(rel))
    }

    #[test]
    fn fixtures_match_their_generator() {
        for (rel, bytes) in fixtures() {
            check_fixture(rel, &bytes);
        }
    }

    /// Exact time of a tick at 450 PPQ: 120.5 BPM, 180 BPM from 2475, 140.25 BPM from 4140.
    fn time(t: i64) -> Nanos {
        let seg = |from: i64, to: i64, milli: i128| -> i128 {
            let num = (to - from) as i128 * 60_000_000_000_000;
            let den = milli * 450;
            (2 * num + den) / (2 * den)
        };
        let ns = if t <= 2475 {
            seg(0, t, 120_500)
        } else if t <= 4140 {
            seg(0, 2475, 120_500) + seg(2475, t, 180_000)
        } else {
            seg(0, 2475, 120_500) + seg(2475, 4140, 180_000) + seg(4140, t, 140_250)
        };
        Nanos(ns as i64)
    }

    const FILE: &str = "fixtures/dtx/bar-lengths-0.75-1.1-bpm-changes-all-drum-channels.dtx";

    #[test]
    fn reads_every_channel_on_exact_ticks() {
        use Articulation::*;
        use Lane::*;
        let chart = load(FILE).unwrap();
        assert_eq!(
            chart.tempo_map.ppq(),
            450,
            "the smallest multiple of 50 up to 480"
        );
        assert_eq!(chart.info.title, "DTX Test");
        assert_eq!(chart.info.artist, "Pocket Fixtures");
        let mut want: Vec<(i64, Lane, Option<Articulation>)> = vec![
            (0, Hihat, Some(Closed)),
            (450, Hihat, Some(Closed)),
            (900, Hihat, Some(Closed)),
            (1350, Hihat, Some(Closed)),
            (0, Kick, None),
            (900, Kick, None),
            (450, Snare, None),
            (1350, Snare, None),
            (1800, Tom1, None),
            (2250, Tom1, None),
            (2700, Tom1, None),
            (3150, Tom2, None),
            (4734, Crash, None),
            (5130, Tom3, None),
            (5355, Hihat, Some(Open)),
            (6030, Ride, None),
            (6480, Crash2, None),
            (6705, HihatPedal, None),
            (5130, Kick, None),
        ];
        want.sort_by_key(|w| (w.0, w.1));
        let got: Vec<_> = chart
            .notes
            .iter()
            .map(|n| (n.tick.0, n.lane, n.articulation))
            .collect();
        assert_eq!(got, want);
        for n in &chart.notes {
            assert_eq!(n.time, time(n.tick.0), "time of tick {}", n.tick.0);
            assert_eq!(n.dynamic, Dynamic::Normal);
        }
        let json = crate::formats::chart_json::write_chart(&chart);
        let back = crate::formats::chart_json::read_chart_str(Path::new("d.json"), &json).unwrap();
        let again: Vec<_> = back
            .notes
            .iter()
            .map(|n| (n.tick.0, n.lane, n.articulation, n.time))
            .collect();
        let first: Vec<_> = chart
            .notes
            .iter()
            .map(|n| (n.tick.0, n.lane, n.articulation, n.time))
            .collect();
        assert_eq!(again, first, "after conversion to pocket chart JSON");
    }

    #[test]
    fn bar_lengths_become_bars() {
        let chart = load(FILE).unwrap();
        let map = &chart.tempo_map;
        let bar = |t: i64| map.position(Ticks(t)).bar;
        // Measure m is bar m + 1, however long it is.
        assert_eq!(
            [bar(0), bar(1800), bar(3150), bar(5130), bar(6930)],
            [1, 2, 3, 4, 5]
        );
        let sig = |t: i64| map.signature_at(Ticks(t)).to_string();
        assert_eq!(
            [sig(0), sig(1800), sig(3150), sig(5130)],
            ["4/4", "3/4", "5/4", "4/4"]
        );
        // The 1.1 measure is a 5/4 bar cut short after 4.4 quarters.
        assert_eq!(map.bar_start(4), Ticks(5130));
        let tempos: Vec<(i64, Tempo)> = map.tempos().map(|t| (t.tick.0, t.tempo)).collect();
        assert_eq!(
            tempos,
            [
                (0, Tempo::MilliBpm(120_500)),
                (2475, Tempo::MilliBpm(180_000)),
                (4140, Tempo::MilliBpm(140_250))
            ]
        );
    }

    fn bad(rel: &str) -> String {
        load(rel).unwrap_err().to_string()
    }

    #[test]
    fn odd_object_data_names_its_line() {
        let e = bad("fixtures/bad/dtx-odd-object-data.dtx");
        assert!(
            e.contains("dtx-odd-object-data.dtx: line 3") && e.contains("odd number"),
            "{e}"
        );
    }

    #[test]
    fn decimal_tempos_are_kept_exactly() {
        let chart = load("fixtures/dtx/bpm-133.3333333-kick-at-12-minutes.dtx").unwrap();
        assert_eq!(
            chart.tempo_map.tempo_at(Ticks(0)),
            Tempo::BpmFraction {
                num: 1_333_333_333,
                den: 10_000_000
            }
        );
        // Measure 399 starts 1596 quarters in: 1596 · 60 / 133.3333333 s, to the nearest ns
        // (718.2000001795 s); 133.333 BPM would put it 1.8 ms late.
        let ns = (1596i128 * 60_000_000_000 * 10_000_000 * 2 + 1_333_333_333) / (2 * 1_333_333_333);
        assert_eq!(chart.notes[1].time, Nanos(ns as i64));
    }

    #[test]
    fn an_undefined_bpm_reference_names_its_line() {
        let e = bad("fixtures/bad/dtx-undefined-bpm-reference.dtx");
        assert!(e.contains("line 4") && e.contains("#BPM02"), "{e}");
    }

    #[test]
    fn bar_length_zero_names_its_line() {
        let e = bad("fixtures/bad/dtx-bar-length-zero.dtx");
        assert!(e.contains("line 3") && e.contains("bar length"), "{e}");
    }

    #[test]
    fn a_file_without_drums_says_so() {
        let e = bad("fixtures/bad/dtx-no-drum-objects.dtx");
        assert!(e.contains("no drum objects"), "{e}");
    }

    #[test]
    fn thirds_of_odd_measures_get_a_resolution_that_fits() {
        let text = "#BPM 100\n#00002: 0.3\n#00012: 010101\n#00113: 0101010101010\n";
        assert!(
            read_chart_bytes(Path::new("t.dtx"), text.as_bytes()).is_err(),
            "odd data"
        );
        let text = "#BPM 100\n#00002: 0.3\n#00012: 010101\n#00113: 01010101010101\n";
        let chart = read_chart_bytes(Path::new("t.dtx"), text.as_bytes()).unwrap();
        // 0.3 of a 4/4 measure is 1.2 quarters, split in 3 and then 7 in the next measure.
        let ppq = chart.tempo_map.ppq() as i64;
        let ticks: Vec<i64> = chart.notes.iter().map(|n| n.tick.0).collect();
        assert_eq!(ticks[1] * 5, 2 * ppq, "0.4 quarter");
        assert_eq!(chart.notes.len(), 10);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, ..Default::default() })]
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = read_chart_bytes(Path::new("x.dtx"), &bytes);
        }

        #[test]
        fn mutated_dtx_never_panics(edits in proptest::collection::vec((0usize..1000, 0u8..128), 1..10), cut in 0usize..1000) {
            let mut bytes = DTX.as_bytes().to_vec();
            for (at, b) in edits {
                let n = bytes.len();
                bytes[at % n] = b;
            }
            bytes.truncate(cut);
            let _ = read_chart_bytes(Path::new("x.dtx"), &bytes);
        }
    }
}
