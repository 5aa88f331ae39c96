//! Writing a capture log while drummers play: a MIDI line costs no allocation once the
//! writer runs, and [`CaptureWriter::finish`] returns the error of the last write.

use super::header::{CaptureHeader, FORMAT, MAX_LINE_BYTES, MAX_MESSAGE_BYTES, MINOR_VERSION};
use crate::time::Nanos;
use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The writer hands its buffer to the OS once it holds this many bytes.
const FLUSH_AT_BYTES: usize = 32 * 1024;
/// Buffer capacity: a full buffer plus the longest line, so appending never reallocates.
const BUFFER_BYTES: usize = FLUSH_AT_BYTES + MAX_LINE_BYTES + 1024;

/// Why a capture log could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CaptureWriteError {
    /// The operating system refused a write (disk full, file exists, no permission, ...).
    #[error("{}: cannot write the capture log: {source}", path.display())]
    Io {
        /// The log file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The caller asked for something the format cannot hold.
    #[error("{}: {reason}", path.display())]
    Invalid {
        /// The log file.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// An earlier write failed part-way, so appending would corrupt the middle of the log.
    #[error("{}: an earlier write failed, so this log cannot be continued; start a new capture file", path.display())]
    Broken {
        /// The log file.
        path: PathBuf,
    },
}

/// Writes a capture log line by line.
///
/// Lines collect in a buffer that is handed to the OS when it fills, on [`flush`](Self::flush)
/// (the live path calls it at least every 100 ms) and on [`finish`](Self::finish), which also
/// writes the `end` line and syncs the file to disk. Dropping an unfinished writer flushes
/// silently as a best effort and writes no `end` line, exactly like a crash after a flush.
#[derive(Debug)]
pub struct CaptureWriter {
    path: PathBuf,
    file: Option<File>,
    /// Pending lines; capacity [`BUFFER_BYTES`] so appending a line never reallocates.
    buf: Vec<u8>,
    /// Port indices of the header, for checking event lines.
    ports: Vec<u16>,
    broken: bool,
}

impl CaptureWriter {
    /// Creates a new log at `path` and writes the header line (handed to the OS at once, so
    /// even a capture that crashes immediately has a readable header).
    ///
    /// Refuses to overwrite an existing file: a capture log is a take that cannot be played
    /// again.
    pub fn create(
        path: impl AsRef<Path>,
        header: &CaptureHeader,
    ) -> Result<CaptureWriter, CaptureWriteError> {
        let path = path.as_ref().to_path_buf();
        if let Err(reason) = header.validate() {
            return Err(CaptureWriteError::Invalid { path, reason });
        }
        let mut buf = Vec::with_capacity(BUFFER_BYTES);
        let line = HeaderLine {
            format: FORMAT,
            minor: MINOR_VERSION,
            header,
        };
        if let Err(e) = serde_json::to_writer(&mut buf, &line) {
            return Err(CaptureWriteError::Invalid {
                path,
                reason: format!("the header cannot be written as JSON: {e}"),
            });
        }
        if buf.len() > MAX_LINE_BYTES {
            return Err(CaptureWriteError::Invalid {
                path,
                reason: format!(
                    "the header line would be {} bytes, more than the {MAX_LINE_BYTES}-byte line limit; shorten names or list fewer ports",
                    buf.len()
                ),
            });
        }
        buf.push(b'\n');
        let file = match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(CaptureWriteError::Invalid {
                    path,
                    reason: "the file already exists; a take is never overwritten, so choose another name or move the old file".into(),
                })
            }
            Err(source) => return Err(CaptureWriteError::Io { path, source }),
        };
        let mut writer = CaptureWriter {
            path,
            file: Some(file),
            buf,
            ports: header.ports.iter().map(|p| p.index).collect(),
            broken: false,
        };
        writer.flush()?;
        Ok(writer)
    }

    /// The log file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one raw MIDI message (1 to [`MAX_MESSAGE_BYTES`] bytes, SysEx included) that
    /// arrived at capture-clock time `t` on `port`. No allocation once the writer runs.
    pub fn write_midi(
        &mut self,
        t: Nanos,
        port: u16,
        bytes: &[u8],
    ) -> Result<(), CaptureWriteError> {
        self.midi_line(t, None, port, bytes)
    }

    /// [`write_midi`](Self::write_midi) for an event stamped at `frame` of pocket's JACK
    /// client's frame clock (counted from the capture's zero); `t` is that frame in ns.
    pub fn write_midi_at_frame(
        &mut self,
        t: Nanos,
        frame: i64,
        port: u16,
        bytes: &[u8],
    ) -> Result<(), CaptureWriteError> {
        self.midi_line(t, Some(frame), port, bytes)
    }

    fn midi_line(
        &mut self,
        t: Nanos,
        frame: Option<i64>,
        port: u16,
        bytes: &[u8],
    ) -> Result<(), CaptureWriteError> {
        self.check_port(port)?;
        if bytes.is_empty() || bytes.len() > MAX_MESSAGE_BYTES {
            return Err(self.invalid(format!(
                "a MIDI message must have 1 to {MAX_MESSAGE_BYTES} bytes, not {}",
                bytes.len()
            )));
        }
        self.ready()?;
        let b = &mut self.buf;
        b.extend_from_slice(b"{\"t\":");
        push_i64(b, t.0);
        if let Some(f) = frame {
            b.extend_from_slice(b",\"f\":");
            push_i64(b, f);
        }
        b.extend_from_slice(b",\"p\":");
        push_u64(b, u64::from(port));
        b.extend_from_slice(b",\"m\":[");
        for (i, &byte) in bytes.iter().enumerate() {
            if i > 0 {
                b.push(b',');
            }
            push_u8(b, byte);
        }
        b.extend_from_slice(b"]}\n");
        self.flush_if_full()
    }

    /// Records that `port` was lost at capture-clock time `from` and came back at `to`.
    /// A port still lost when the capture stops is recorded with `to` = the stop time.
    pub fn write_gap(
        &mut self,
        port: u16,
        from: Nanos,
        to: Nanos,
    ) -> Result<(), CaptureWriteError> {
        self.check_port(port)?;
        if to < from {
            return Err(self.invalid(format!(
                "a gap cannot end ({} ns) before it starts ({} ns)",
                to.0, from.0
            )));
        }
        self.ready()?;
        let b = &mut self.buf;
        b.extend_from_slice(b"{\"k\":\"gap\",\"p\":");
        push_u64(b, u64::from(port));
        b.extend_from_slice(b",\"from\":");
        push_i64(b, from.0);
        b.extend_from_slice(b",\"to\":");
        push_i64(b, to.0);
        b.extend_from_slice(b"}\n");
        self.flush_if_full()
    }

    /// Records that `lost` events of `port` were dropped because the ring buffer was full,
    /// noticed at capture-clock time `t`.
    pub fn write_overflow(
        &mut self,
        port: u16,
        lost: u64,
        t: Nanos,
    ) -> Result<(), CaptureWriteError> {
        self.check_port(port)?;
        self.ready()?;
        let b = &mut self.buf;
        b.extend_from_slice(b"{\"k\":\"overflow\",\"p\":");
        push_u64(b, u64::from(port));
        b.extend_from_slice(b",\"lost\":");
        push_u64(b, lost);
        b.extend_from_slice(b",\"t\":");
        push_i64(b, t.0);
        b.extend_from_slice(b"}\n");
        self.flush_if_full()
    }

    /// Records a metronome click sent at capture-clock time `t` (`accent` = first beat of a bar).
    pub fn write_click(&mut self, t: Nanos, accent: bool) -> Result<(), CaptureWriteError> {
        self.click_line(t, None, accent)
    }

    /// [`write_click`](Self::write_click) for a click written at `frame` of pocket's JACK
    /// client's frame clock; `t` is that frame in ns.
    pub fn write_click_at_frame(
        &mut self,
        t: Nanos,
        frame: i64,
        accent: bool,
    ) -> Result<(), CaptureWriteError> {
        self.click_line(t, Some(frame), accent)
    }

    /// Records an xrun (a missed cycle) the server reported, noticed at capture-clock time `t`.
    pub fn write_xrun(&mut self, t: Nanos) -> Result<(), CaptureWriteError> {
        self.ready()?;
        let b = &mut self.buf;
        b.extend_from_slice(b"{\"k\":\"xrun\",\"t\":");
        push_i64(b, t.0);
        b.extend_from_slice(b"}\n");
        self.flush_if_full()
    }

    /// Records a jump of the frame clock: the cycle at capture-clock time `t` started at
    /// `frame` instead of `expected_frame`.
    pub fn write_clock_jump(
        &mut self,
        t: Nanos,
        frame: i64,
        expected_frame: i64,
    ) -> Result<(), CaptureWriteError> {
        self.ready()?;
        let b = &mut self.buf;
        b.extend_from_slice(b"{\"k\":\"clock_jump\",\"t\":");
        push_i64(b, t.0);
        b.extend_from_slice(b",\"f\":");
        push_i64(b, frame);
        b.extend_from_slice(b",\"expected_f\":");
        push_i64(b, expected_frame);
        b.extend_from_slice(b"}\n");
        self.flush_if_full()
    }

    fn click_line(
        &mut self,
        t: Nanos,
        frame: Option<i64>,
        accent: bool,
    ) -> Result<(), CaptureWriteError> {
        self.ready()?;
        let b = &mut self.buf;
        b.extend_from_slice(b"{\"k\":\"click\",\"t\":");
        push_i64(b, t.0);
        if let Some(f) = frame {
            b.extend_from_slice(b",\"f\":");
            push_i64(b, f);
        }
        b.extend_from_slice(if accent {
            b",\"accent\":true}\n"
        } else {
            b",\"accent\":false}\n"
        });
        self.flush_if_full()
    }

    /// Fixes chart time zero at capture-clock time `t`, once known (after a count-in or the
    /// first hit). Overrides the header's `time_zero_ns`; the last such line wins.
    pub fn write_time_zero(&mut self, t: Nanos) -> Result<(), CaptureWriteError> {
        self.ready()?;
        let b = &mut self.buf;
        b.extend_from_slice(b"{\"k\":\"zero\",\"t\":");
        push_i64(b, t.0);
        b.extend_from_slice(b"}\n");
        self.flush_if_full()
    }

    /// Hands every pending line to the operating system (which keeps it if the process
    /// crashes; [`sync`](Self::sync) also survives a power cut).
    pub fn flush(&mut self) -> Result<(), CaptureWriteError> {
        if self.broken {
            return Err(CaptureWriteError::Broken {
                path: self.path.clone(),
            });
        }
        if self.buf.is_empty() {
            return Ok(());
        }
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        match file.write_all(&self.buf) {
            Ok(()) => {
                self.buf.clear();
                Ok(())
            }
            Err(source) => {
                // Part of a line may have reached the file: appending more would corrupt it.
                self.broken = true;
                self.buf.clear();
                Err(CaptureWriteError::Io {
                    path: self.path.clone(),
                    source,
                })
            }
        }
    }

    /// Flushes, then asks the OS to put the data on disk (slow: not for every flush).
    pub fn sync(&mut self) -> Result<(), CaptureWriteError> {
        self.flush()?;
        if let Some(file) = self.file.as_ref() {
            file.sync_data().map_err(|source| CaptureWriteError::Io {
                path: self.path.clone(),
                source,
            })?;
        }
        Ok(())
    }

    /// Ends the capture cleanly: writes the `end` line (capture-clock time `t`, a short
    /// `reason` such as `stopped` or `chart_end`), flushes and syncs the file to disk.
    pub fn finish(mut self, t: Nanos, reason: &str) -> Result<(), CaptureWriteError> {
        self.ready()?;
        let end = EndLine {
            k: "end",
            t,
            reason,
        };
        if let Err(e) = serde_json::to_writer(&mut self.buf, &end) {
            return Err(self.invalid(format!("the end line cannot be written: {e}")));
        }
        self.buf.push(b'\n');
        self.flush()?;
        if let Some(file) = self.file.take() {
            file.sync_all().map_err(|source| CaptureWriteError::Io {
                path: self.path.clone(),
                source,
            })?;
        }
        sync_parent_dir(&self.path);
        Ok(())
    }

    fn ready(&self) -> Result<(), CaptureWriteError> {
        if self.broken {
            return Err(CaptureWriteError::Broken {
                path: self.path.clone(),
            });
        }
        Ok(())
    }

    fn check_port(&self, port: u16) -> Result<(), CaptureWriteError> {
        if self.ports.contains(&port) {
            Ok(())
        } else {
            Err(self.invalid(format!(
                "port {port} is not in the header's ports {:?}; add it to the header before capturing",
                self.ports
            )))
        }
    }

    fn invalid(&self, reason: String) -> CaptureWriteError {
        CaptureWriteError::Invalid {
            path: self.path.clone(),
            reason,
        }
    }

    fn flush_if_full(&mut self) -> Result<(), CaptureWriteError> {
        if self.buf.len() >= FLUSH_AT_BYTES {
            self.flush()
        } else {
            Ok(())
        }
    }
}

impl Drop for CaptureWriter {
    /// Best effort: hand pending lines to the OS, ignoring errors (call
    /// [`CaptureWriter::finish`] to see them).
    fn drop(&mut self) {
        if self.file.is_some() && !self.broken {
            let _ = self.flush();
        }
    }
}

/// Makes a newly created file's directory entry durable (Unix only; elsewhere a no-op).
fn sync_parent_dir(path: &Path) {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(dir) = File::open(parent) {
            let _ = dir.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[derive(Serialize)]
struct HeaderLine<'a> {
    format: &'static str,
    minor: u32,
    #[serde(flatten)]
    header: &'a CaptureHeader,
}

#[derive(Serialize)]
struct EndLine<'a> {
    k: &'static str,
    t: Nanos,
    reason: &'a str,
}

fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

/// Appends `v` in decimal, as `Display` writes it.
pub(crate) fn push_i64(buf: &mut Vec<u8>, v: i64) {
    if v < 0 {
        buf.push(b'-');
    }
    push_u64(buf, v.unsigned_abs());
}

fn push_u8(buf: &mut Vec<u8>, v: u8) {
    if v >= 100 {
        buf.push(b'0' + v / 100);
    }
    if v >= 10 {
        buf.push(b'0' + v / 10 % 10);
    }
    buf.push(b'0' + v % 10);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::capture_log::header::{CaptureHeader, PortInfo, StartMode};

    #[test]
    fn midi_lines_reuse_the_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let mut header = CaptureHeader::new(StartMode::CountIn);
        header.ports = (0..2)
            .map(|index| PortInfo {
                index,
                name: format!("kit {index}"),
                audio_file: None,
            })
            .collect();
        let mut w = CaptureWriter::create(dir.path().join("a.jsonl"), &header).unwrap();
        let (ptr, cap) = (w.buf.as_ptr(), w.buf.capacity());
        for i in 0..20_000i64 {
            w.write_midi(
                Nanos(i * 1_000_003),
                (i % 2) as u16,
                &[0x99, (i % 128) as u8, 100],
            )
            .unwrap();
        }
        w.write_midi(Nanos(i64::MIN), 0, &vec![0xFF; MAX_MESSAGE_BYTES])
            .unwrap();
        assert_eq!(
            (w.buf.as_ptr(), w.buf.capacity()),
            (ptr, cap),
            "the line buffer never grew"
        );
    }

    #[test]
    fn integers_format_like_std() {
        let mut buf = Vec::new();
        for v in [0i64, 1, 9, 10, 99, 100, 12345, -1, -10, i64::MAX, i64::MIN] {
            buf.clear();
            push_i64(&mut buf, v);
            assert_eq!(String::from_utf8_lossy(&buf), v.to_string());
        }
        for v in 0..=255u8 {
            buf.clear();
            push_u8(&mut buf, v);
            assert_eq!(String::from_utf8_lossy(&buf), v.to_string());
        }
    }
}
