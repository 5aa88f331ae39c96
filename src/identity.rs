//! Which song a report is about, independent of the file it came from: SHA-256 of the chart's
//! normalised notes (the same song read from a `.mid`, a `.chart` or pocket JSON has the same
//! hash) and of the chart file's bytes. The practice history groups takes by them
//! (docs/history.md); the report carries both (`chart.notes_sha256`, `chart.file_sha256`).

use crate::chart::Chart;
use crate::error::InputError;
use crate::formats::{self, Format};
use crate::lane::Lane;
use crate::report::{ChartSummary, PracticeSummary};
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::path::Path;

/// First line of the text whose SHA-256 is [`notes_sha256`]: names the normalisation, so that
/// a different one can never give the same hash.
pub const NOTES_FORMAT: &str = "pocket-notes/1";

/// Largest chart file hashed, bytes (the largest MIDI file pocket reads).
const MAX_CHART_BYTES: u64 = formats::smf::MAX_FILE_BYTES;

/// SHA-256 (lower-case hex) of a chart's normalised notes: the text [`NOTES_FORMAT`] then one
/// line `BEAT LANE` per note, BEAT being the note's place in quarter notes from the chart's
/// start as a reduced fraction (`7/2`, or `4` when whole) and LANE its lane name, sorted by
/// place then lane, each line ending in `\n`. Places in beats are exact in every format (ticks
/// over the format's resolution), where times in milliseconds would differ in rounding from
/// one format's tempo precision to another's. Articulations, dynamics, tempo and metadata are
/// left out: formats differ in them, and the notes a player hits are the song.
pub fn notes_sha256(chart: &Chart) -> String {
    let ppq = i64::from(chart.tempo_map.ppq().max(1));
    let key = |n: &crate::chart::Note| (n.tick.0, n.lane.name(), n.lane);
    // Chart notes are in time order; only notes of one tick may need sorting by lane name.
    let sorted = chart.notes.windows(2).all(|w| key(&w[0]) <= key(&w[1]));
    let mut hasher = NotesHasher::new(ppq);
    hasher.push(NOTES_FORMAT.as_bytes());
    hasher.push(b"\n");
    if sorted {
        for n in &chart.notes {
            hasher.line(n.tick.0, n.lane);
        }
    } else {
        // Lane names differ from lane to lane, so the lanes do not change the order.
        let mut notes: Vec<(i64, &'static str, Lane)> = chart.notes.iter().map(key).collect();
        notes.sort_unstable();
        for (tick, _, lane) in notes {
            hasher.line(tick, lane);
        }
    }
    hasher.finish()
}

/// The text hashed by [`notes_sha256`], fed to SHA-256 in blocks of about 64 KiB rather than
/// built whole. Each line is written straight into the block. A tick `q × ppq + r` reduces to
/// `(q × ppq/g + r/g) / (ppq/g)` with `g = gcd(r, ppq)`: the quotient `q` is carried from note
/// to note (chart notes come in order) and `ppq/g` and `r/g` are looked up by the remainder (a
/// chart's notes fall on a few hundred), so a note costs no division.
struct NotesHasher {
    sha: Sha256,
    text: Vec<u8>,
    /// The text of the current block: `text[..len]`.
    len: usize,
    /// The resolution (the places' denominator before reduction).
    ppq: u64,
    /// The last tick's quotient by `ppq`, and that quotient times `ppq`.
    quotient: (u64, u64),
    /// `(ppq/g, r/g)` for each remainder `r` by `ppq`, (0, 0) when not yet known.
    reduced: Vec<(u32, u32)>,
    /// Each lane's name and line break, padded to 16 bytes, and the length of the two.
    lane_text: [([u8; 16], usize); Lane::ALL.len()],
}

impl NotesHasher {
    const BLOCK: usize = 1 << 16;
    /// Room for one more line: a sign, two 20-digit numbers, a slash, a space, a lane name
    /// and the line break.
    const LINE: usize = 80;

    fn new(ppq: i64) -> NotesHasher {
        let ppq = ppq.unsigned_abs().max(1);
        NotesHasher {
            sha: Sha256::new(),
            text: vec![0; Self::BLOCK + Self::LINE],
            len: 0,
            ppq,
            quotient: (0, 0),
            reduced: vec![(0, 0); ppq as usize],
            lane_text: Lane::ALL.map(|lane| {
                let name = lane.name().as_bytes();
                let mut text = [0u8; 16];
                text[..name.len()].copy_from_slice(name);
                text[name.len()] = b'\n';
                (text, name.len() + 1)
            }),
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.len == self.text.len() {
                self.flush();
            }
            self.text[self.len] = b;
            self.len += 1;
        }
    }

    fn flush(&mut self) {
        self.sha.update(&self.text[..self.len]);
        self.len = 0;
    }

    /// `NUM[/DEN] LANE\n`: the note's place in beats as a reduced fraction.
    fn line(&mut self, tick: i64, lane: Lane) {
        let a = tick.unsigned_abs();
        let (mut q, mut base) = self.quotient;
        if a < base || a - base >= self.ppq {
            q = a / self.ppq;
            base = q * self.ppq;
            self.quotient = (q, base);
        }
        let r = (a - base) as usize;
        let (den, r_over_g) = match self.reduced[r] {
            (0, _) => {
                let g = gcd(r as u64, self.ppq).max(1);
                let entry = ((self.ppq / g) as u32, (r as u64 / g) as u32);
                self.reduced[r] = entry;
                entry
            }
            entry => entry,
        };
        // |tick| / g, exactly: g divides both |tick| and ppq.
        let num = q * u64::from(den) + u64::from(r_over_g);
        if self.len >= Self::BLOCK {
            self.flush();
        }
        let line = &mut self.text[self.len..self.len + Self::LINE];
        let mut at = 0;
        if tick < 0 {
            line[0] = b'-';
            at = 1;
        }
        at = put_u64(line, at, num);
        if den != 1 {
            line[at] = b'/';
            at = put_u64(line, at + 1, u64::from(den));
        }
        line[at] = b' ';
        at += 1;
        // Sixteen bytes copied at once (a line has room: at most 43 bytes come before); only
        // the name and its line break count.
        let (text, len) = &self.lane_text[lane.index()];
        line[at..at + 16].copy_from_slice(text);
        self.len += at + len;
    }

    fn finish(mut self) -> String {
        self.flush();
        hex(&self.sha.finalize())
    }
}

/// Writes `v` in decimal into `out` from `at`, two digits per step from the right, each pair
/// stored straight into its place (no copy of a variable length); returns where it ends.
fn put_u64(out: &mut [u8], at: usize, mut v: u64) -> usize {
    const PAIRS: [u8; 200] = {
        let mut t = [0u8; 200];
        let mut i = 0;
        while i < 100 {
            t[2 * i] = b'0' + (i / 10) as u8;
            t[2 * i + 1] = b'0' + (i % 10) as u8;
            i += 1;
        }
        t
    };
    let end = at + v.checked_ilog10().map_or(1, |d| d as usize + 1);
    let mut i = end;
    while v >= 100 {
        let p = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        out[i..i + 2].copy_from_slice(&PAIRS[p..p + 2]);
    }
    if v >= 10 {
        let p = v as usize * 2;
        out[i - 2..i].copy_from_slice(&PAIRS[p..p + 2]);
    } else {
        out[i - 1] = b'0' + v as u8;
    }
    end
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// SHA-256 (lower-case hex) of a chart file's bytes, as `sha256sum` prints it; for a song
/// folder, of the notes file inside it (`notes.mid` or `notes.chart`).
pub fn file_sha256(path: &Path) -> Result<String, InputError> {
    let file = if formats::detect(path)? == Format::SongFolder {
        formats::rockband::song_folder_chart(path)?
    } else {
        path.to_path_buf()
    };
    // The bytes `read_capped` would return, hashed block by block rather than held whole.
    let mut reader = std::io::Read::take(
        formats::read::open_capped(&file, MAX_CHART_BYTES)?,
        MAX_CHART_BYTES.saturating_add(1),
    );
    let mut sha = Sha256::new();
    let mut block = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        match std::io::Read::read(&mut reader, &mut block) {
            Ok(0) => break,
            Ok(n) => {
                sha.update(&block[..n]);
                total += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(InputError::io(&file, e)),
        }
    }
    if total > MAX_CHART_BYTES {
        return Err(formats::read::too_large(&file, total, MAX_CHART_BYTES));
    }
    Ok(hex(&sha.finalize()))
}

/// Records the chart file's hash in a report's chart summary. A file that cannot be read again
/// (it was read a moment ago to score) leaves the hash out: the report matters more.
pub fn note_file(summary: Option<&mut ChartSummary>, path: &Path) {
    if let Some(summary) = summary {
        summary.file_sha256 = file_sha256(path).ok();
    }
}

/// A song as loaded from its file, before any practice chart is made from it: what a report of
/// a practice chart records of the song ([`Song::stamp`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Song {
    /// [`notes_sha256`] of the song.
    pub notes_sha256: String,
    /// [`file_sha256`] of its file, when it could be read.
    pub file_sha256: Option<String>,
    /// Its title.
    pub title: String,
}

impl Song {
    /// The song of a chart read from `path`.
    pub fn of(chart: &Chart, path: &Path) -> Song {
        Song {
            notes_sha256: notes_sha256(chart),
            file_sha256: file_sha256(path).ok(),
            title: chart.info.title.clone(),
        }
    }

    /// Records the song in a report's chart summary: its hashes and, for a practice chart
    /// (`practice`: section, loops, tempo as a factor), how it was practised.
    pub fn stamp(
        &self,
        summary: Option<&mut ChartSummary>,
        practice: Option<(Option<String>, u32, f64)>,
    ) {
        let Some(summary) = summary else { return };
        summary.notes_sha256 = Some(self.notes_sha256.clone());
        summary.file_sha256.clone_from(&self.file_sha256);
        summary.practice = practice.map(|(section, loops, tempo)| PracticeSummary {
            song_title: self.title.clone(),
            section,
            loops,
            tempo_pct: crate::stats::round_to(tempo * 100.0, 4),
        });
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_written_as_format_writes_them() {
        let mut values: Vec<u64> = vec![0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, u64::MAX];
        for p in 0..20 {
            let t = 10u64.pow(p);
            values.extend([t - 1, t, t + 1, t.saturating_mul(7).saturating_add(3)]);
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..10_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            values.push(seed >> (seed % 64));
        }
        for v in values {
            let mut out = [b'#'; 30];
            let end = put_u64(&mut out, 3, v);
            let want = format!("###{v}");
            assert_eq!(&out[..end], want.as_bytes(), "{v}");
            assert!(
                out[end..].iter().all(|&b| b == b'#'),
                "{v} wrote past its end"
            );
        }
    }
    fn demo_chart() -> Chart {
        let path = crate::testdata::crate_path("charts/disco-pop-114.json");
        formats::load_chart(&path, formats::ChartLoadOptions::default()).expect("the demo chart")
    }

    #[test]
    fn the_file_hash_is_what_sha256sum_prints() {
        // FIPS 180-2 test vector: SHA-256("abc").
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("abc.txt");
        std::fs::write(&path, b"abc").expect("write");
        assert_eq!(
            file_sha256(&path).expect("hash"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    /// The documented text built whole and hashed at once: the oracle for the streamed hash.
    fn notes_sha256_whole(chart: &Chart) -> String {
        let ppq = i64::from(chart.tempo_map.ppq().max(1));
        let mut notes: Vec<(i64, &'static str)> = chart
            .notes
            .iter()
            .map(|n| (n.tick.0, n.lane.name()))
            .collect();
        notes.sort_unstable();
        let mut text = format!("{NOTES_FORMAT}\n");
        for (tick, lane) in notes {
            let g = gcd(tick.unsigned_abs(), ppq.unsigned_abs()).max(1) as i64;
            match (tick / g, ppq / g) {
                (num, 1) => writeln!(text, "{num} {lane}").unwrap(),
                (num, den) => writeln!(text, "{num}/{den} {lane}").unwrap(),
            }
        }
        hex(&Sha256::digest(text.as_bytes()))
    }

    #[test]
    fn the_streamed_notes_hash_equals_the_whole_text_hash() {
        let mut chart = demo_chart();
        assert_eq!(notes_sha256(&chart), notes_sha256_whole(&chart));
        // Lanes of one tick out of name order, and enough notes for several blocks.
        let notes = chart.notes.clone();
        for k in 0..40 {
            chart.notes.extend(notes.iter().map(|n| {
                let mut n = *n;
                n.tick = crate::time::Ticks(n.tick.0 + 1_000_000 * (k + 1));
                n
            }));
        }
        chart.notes.swap(0, 1);
        chart.notes[0].tick = chart.notes[1].tick;
        assert_eq!(notes_sha256(&chart), notes_sha256_whole(&chart));
        // Ticks before the chart's start (a pickup), and huge ones.
        chart.notes[0].tick = crate::time::Ticks(-1200);
        chart.notes[1].tick = crate::time::Ticks(-7);
        chart.notes[2].tick = crate::time::Ticks(i64::MIN + 1);
        chart.notes[3].tick = crate::time::Ticks(i64::MAX);
        assert_eq!(notes_sha256(&chart), notes_sha256_whole(&chart));
    }

    #[test]
    fn the_notes_hash_is_of_the_documented_text() {
        // Two notes written out by hand: a kick on the first beat, a snare an eighth after the
        // third (ticks 0 and 1200 at 480 per quarter: 5/2 beats).
        let mut chart = demo_chart();
        let ppq = chart.tempo_map.ppq() as i64;
        assert_eq!(ppq, 480, "the demo chart's resolution");
        chart.notes.truncate(2);
        chart.notes[0].tick = crate::time::Ticks(0);
        chart.notes[0].lane = crate::lane::Lane::Kick;
        chart.notes[1].tick = crate::time::Ticks(1200);
        chart.notes[1].lane = crate::lane::Lane::Snare;
        let text = "pocket-notes/1\n0 kick\n5/2 snare\n";
        assert_eq!(notes_sha256(&chart), hex(&Sha256::digest(text.as_bytes())));
    }

    #[test]
    fn the_same_song_from_another_file_has_the_same_notes_hash() {
        // The demo chart written as pocket JSON and read back: another file, the same notes.
        let chart = demo_chart();
        let text = formats::chart_json::write_chart(&chart);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("copy.json");
        std::fs::write(&path, &text).expect("write");
        let again =
            formats::load_chart(&path, formats::ChartLoadOptions::default()).expect("reads back");
        assert_eq!(notes_sha256(&chart), notes_sha256(&again));
        // And as a Standard MIDI File at another resolution, its tempo rounded to the microsecond.
        let mid = dir.path().join("copy.mid");
        std::fs::write(&mid, formats::smf::write_chart(&chart, Some(960))).expect("write");
        let from_midi =
            formats::load_chart(&mid, formats::ChartLoadOptions::default()).expect("reads back");
        assert_eq!(notes_sha256(&chart), notes_sha256(&from_midi));
        // One note moved by a tick is another song.
        let mut moved = chart.clone();
        moved.notes[5].tick.0 += 1;
        assert_ne!(notes_sha256(&chart), notes_sha256(&moved));
    }
}
