//! Test support for the unit tests and the integration tests (built with `cfg(test)` or the
//! `testing` feature only): golden files, the third-party data kept beside the project, small
//! takes.
//!
//! **Golden files.** Every file a test compares output against byte for byte (the golden
//! reports in fixtures/golden/, generated fixtures, the JSON Schemas and the examples in docs/)
//! goes through `check_golden`. One switch rewrites them all: `POCKET_BLESS=1 cargo test`;
//! then review the diff before committing. Without it a golden that differs, or is missing, is
//! a failure: nothing is ever written silently.
//!
//! **Third-party data.** The directory is `$POCKET_DATA_DIR`, or `../shared/data` next to the
//! crate. When it is missing, tests that need it are skipped with a `SKIPPED` line on stderr
//! (`skip`, shown without `--nocapture`), unless `POCKET_REQUIRE_DATA=1` (set by CI), in
//! which case they fail.

use std::path::{Path, PathBuf};

/// The environment variable naming the practice history database. No test may touch its
/// user's practice history: every test that runs the `pocket` binary sets it to
/// [`test_history`] (or passes `--no-history`), and a test build of the binary (the `testing`
/// feature) refuses to run `score`, `live` or `history` without one.
pub const HISTORY_VAR: &str = "POCKET_HISTORY";

/// A practice history database private to this test process (in the system's temporary
/// folder, named by the process id), for [`HISTORY_VAR`] in tests that run the binary.
pub fn test_history() -> &'static Path {
    static FILE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        std::env::temp_dir()
            .join(format!("pocket-test-history-{}", std::process::id()))
            .join("history.sqlite")
    })
}

/// The data directory, or `None` (after printing why) when it is absent and not required.
pub fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("POCKET_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("POCKET_REQUIRE_DATA").as_deref() == Ok("1") {
        panic!(
            "POCKET_REQUIRE_DATA=1 but the test data directory {} does not exist; set POCKET_DATA_DIR",
            dir.display()
        );
    }
    skip(&format!(
        "the test data directory {} is not there (set POCKET_DATA_DIR, or POCKET_REQUIRE_DATA=1 \
         to fail instead)",
        dir.display()
    ));
    None
}

/// Says on stderr that the running test is skipped and why, in a way `cargo test` shows
/// without `--nocapture`: the test harness captures `print!` and `eprint!` (and a passing
/// test's captured output is thrown away), but not what is written to the stderr handle
/// itself. A skipped test still counts as passed; this line is how a reader of the test run
/// learns that it did not run. The line names the test (the harness names each test's thread
/// after it).
pub fn skip(reason: &str) {
    use std::io::Write;
    let thread = std::thread::current();
    let test = thread.name().filter(|n| *n != "main").unwrap_or("a test");
    // Nothing to do if stderr is gone.
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {reason}");
}

/// A path inside the crate (fixtures, charts).
pub fn crate_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The environment variable that rewrites golden files when set to `1`.
pub const BLESS_VAR: &str = "POCKET_BLESS";

/// Whether this run rewrites golden files (`POCKET_BLESS=1`) instead of comparing them.
pub fn blessing() -> bool {
    std::env::var(BLESS_VAR).as_deref() == Ok("1")
}

/// Compares `actual` with the golden file `rel` (a path inside the crate) byte for byte and
/// panics, naming the first difference, when they differ or the file is missing. With
/// `POCKET_BLESS=1` it writes `actual` to the file instead.
#[track_caller]
pub fn check_golden(rel: &str, actual: impl AsRef<[u8]>) {
    let actual = actual.as_ref();
    let path = crate_path(rel);
    if blessing() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("{rel}: {e}"));
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_else(|e| {
        panic!("{rel}: {e}: the golden file is missing; run with {BLESS_VAR}=1 to write it")
    });
    if expected != actual {
        panic!(
            "{rel} differs from the output, {}\n\
             If the change is intended, rerun with {BLESS_VAR}=1 and review the diff.",
            first_difference(&expected, actual)
        );
    }
}

/// Where two different contents first differ: a line of text, or a byte offset.
fn first_difference(expected: &[u8], actual: &[u8]) -> String {
    if let (Ok(e), Ok(a)) = (std::str::from_utf8(expected), std::str::from_utf8(actual)) {
        let line = e
            .lines()
            .zip(a.lines())
            .position(|(x, y)| x != y)
            .unwrap_or_else(|| e.lines().count().min(a.lines().count()));
        return format!(
            "first at line {}:\n  golden: {}\n  output: {}",
            line + 1,
            e.lines().nth(line).unwrap_or("(end of file)"),
            a.lines().nth(line).unwrap_or("(end of file)"),
        );
    }
    let at = expected
        .iter()
        .zip(actual)
        .position(|(x, y)| x != y)
        .unwrap_or_else(|| expected.len().min(actual.len()));
    format!(
        "first at byte {at} (golden {} bytes, output {} bytes)",
        expected.len(),
        actual.len()
    )
}

/// A take of hits given as (milliseconds, lane), all at `velocity` from note 38 on channel 10.
pub fn take_ms(hits: &[(f64, crate::lane::Lane)], velocity: u8) -> crate::take::Take {
    use crate::take::{Hit, Source, Take};
    Take {
        hits: hits
            .iter()
            .map(|&(ms, lane)| Hit {
                time: crate::time::Nanos::from_millis_f64(ms).expect("a finite test time"),
                lane,
                articulation: None,
                velocity,
                source: Source {
                    note: 38,
                    channel: 10,
                    port: 0,
                },
            })
            .collect(),
        ..Take::default()
    }
}

/// The flags every browser test runs headless Chromium with: no sandbox (containers), no GPU,
/// no network of its own, and console messages on stderr.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
];

/// The headless browser for the browser tests (`/usr/bin/chromium`, or `POCKET_CHROMIUM`), or
/// `None` after saying why it is skipped; with `POCKET_REQUIRE_CHROMIUM=1` a missing browser
/// fails instead.
pub fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("POCKET_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var("POCKET_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
        "POCKET_REQUIRE_CHROMIUM=1 but {} does not exist: apt-get install -y chromium",
        path.display()
    );
    skip(&format!(
        "no browser: {} not found (apt-get install -y chromium, or set POCKET_CHROMIUM; \
         POCKET_REQUIRE_CHROMIUM=1 fails instead)",
        path.display()
    ));
    None
}

/// Writes `samples` (mono, -1..1, clamped) as a 16-bit integer WAV at `rate`, each sample
/// scaled by 32767 and truncated: the audio fixtures the backing and acoustic tests make.
pub fn write_mono_wav16(path: &Path, rate: u32, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create the WAV");
    for s in samples {
        w.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16)
            .expect("write a sample");
    }
    w.finalize().expect("finish the WAV");
}

/// alsa-lib's JACK PCM plugin (libasound2-plugins), which carries cpal's ALSA output into a JACK
/// server.
pub const ALSA_JACK_PLUGIN: &str =
    "/usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_jack.so";

/// Whether audio output can be tested here through the JACK server: a server with
/// `system:playback_1` runs (`jack_lsp` sees it) and the ALSA JACK plugin is installed. When
/// not, says so on stderr, or fails when `POCKET_REQUIRE_JACK` is set.
pub fn alsa_into_jack() -> bool {
    let server = std::process::Command::new("jack_lsp")
        .output()
        .is_ok_and(|o| {
            o.status.success() && String::from_utf8_lossy(&o.stdout).contains("system:playback_1")
        });
    let plugin = Path::new(ALSA_JACK_PLUGIN).exists();
    if !(server && plugin) {
        assert!(
            std::env::var_os("POCKET_REQUIRE_JACK").is_none(),
            "POCKET_REQUIRE_JACK is set but there is no JACK server with system:playback_1 or no ALSA JACK plugin ({ALSA_JACK_PLUGIN})"
        );
        eprintln!("skipped: no JACK server or no ALSA JACK plugin");
    }
    server && plugin
}

/// Writes `home`/.asoundrc making the default ALSA output the JACK server's system playback
/// ports (through [`ALSA_JACK_PLUGIN`]), for a pocket run with `HOME` set to `home`.
pub fn write_alsa_jack_rc(home: &Path) {
    std::fs::write(
        home.join(".asoundrc"),
        "pcm.!default { type plug slave { pcm \"pocketjack\" } }\n\
         pcm.pocketjack { type jack playback_ports { 0 system:playback_1 1 system:playback_2 } }\n",
    )
    .expect("write .asoundrc");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_names_the_line_of_text() {
        assert_eq!(
            first_difference(b"a\nb\nc\n", b"a\nx\nc\n"),
            "first at line 2:\n  golden: b\n  output: x"
        );
        assert_eq!(
            first_difference(b"a\n", b"a\nb\n"),
            "first at line 2:\n  golden: (end of file)\n  output: b"
        );
    }

    #[test]
    fn first_difference_names_the_byte_of_binary_files() {
        assert_eq!(
            first_difference(b"ab\xff", b"ab\xfe!"),
            "first at byte 2 (golden 3 bytes, output 4 bytes)"
        );
    }

    #[test]
    #[should_panic(expected = "the golden file is missing")]
    fn a_missing_golden_is_a_failure() {
        if blessing() {
            panic!("the golden file is missing (not checked while blessing)");
        }
        check_golden("fixtures/golden/no-such-golden.json", "{}");
    }
}
