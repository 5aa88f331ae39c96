//! Errors for bad input: every one names the file and the place in it, and says what to fix.
//!
//! They name no command-line flag: an input read with the wrong choice (a take given as the
//! chart, a difficulty the chart lacks) carries a [`Remedy`] that each front end phrases in its
//! own terms, and a file that could not be read keeps its [`std::io::ErrorKind`]
//! ([`InputError::io_error_kind`]).

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a file something went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The file as a whole (it could not be opened, or is empty).
    File,
    /// A line of a text file (from 1), optionally with a column (from 1).
    Line {
        /// Line number, from 1.
        line: usize,
        /// Column, from 1, when known.
        column: Option<usize>,
    },
    /// A byte offset in a binary file, optionally inside a track (from 0, as MIDI tools number them).
    Byte {
        /// Track index, when inside a track chunk.
        track: Option<usize>,
        /// Offset from the start of the file.
        offset: usize,
    },
    /// A named item (e.g. `notes[12]` of a JSON chart, or a player name).
    Item(String),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::File => Ok(()),
            Place::Line { line, column: None } => write!(f, "line {line}"),
            Place::Line {
                line,
                column: Some(c),
            } => write!(f, "line {line}, column {c}"),
            Place::Byte {
                track: Some(t),
                offset,
            } => write!(f, "track {t}, byte {offset}"),
            Place::Byte {
                track: None,
                offset,
            } => write!(f, "byte {offset}"),
            Place::Item(s) => f.write_str(s),
        }
    }
}

/// A file could not be read into pocket's model.
#[derive(Debug, thiserror::Error)]
pub struct InputError {
    /// The file.
    pub path: PathBuf,
    /// Where in it.
    pub place: Place,
    /// What is wrong, and what to do.
    pub kind: InputErrorKind,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.place {
            Place::File => write!(f, "{}: {}", self.path.display(), self.kind),
            _ => write!(f, "{}: {}: {}", self.path.display(), self.place, self.kind),
        }
    }
}

impl InputError {
    /// An error at a place in a file.
    pub fn new(path: impl AsRef<Path>, place: Place, kind: InputErrorKind) -> InputError {
        InputError {
            path: path.as_ref().to_path_buf(),
            place,
            kind,
        }
    }

    /// An error at a line of a text file.
    pub fn at_line(path: impl AsRef<Path>, line: usize, kind: InputErrorKind) -> InputError {
        InputError::new(path, Place::Line { line, column: None }, kind)
    }

    /// A file that could not be read at all; keeps the [`std::io::ErrorKind`].
    pub fn io(path: impl AsRef<Path>, err: std::io::Error) -> InputError {
        InputError::new(
            path,
            Place::File,
            InputErrorKind::Io {
                kind: err.kind(),
                message: err.to_string(),
            },
        )
    }

    /// The [`std::io::ErrorKind`] when the file could not be opened or read (e.g. `NotFound`),
    /// `None` when it was read and its content is the problem.
    pub fn io_error_kind(&self) -> Option<std::io::ErrorKind> {
        match &self.kind {
            InputErrorKind::Io { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// What the caller can change to read this input, when the input is fine but was read with
    /// the wrong choice (front ends name their own control for it: the CLI names its flag).
    pub fn remedy(&self) -> Option<Remedy> {
        match &self.kind {
            InputErrorKind::WrongChoice { remedy, .. } => Some(*remedy),
            _ => None,
        }
    }
}

/// A choice made when reading an input that the caller can change. The library names no flag
/// or button: each front end says how to make the choice in its own terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// Give the file as a player's take, not as the chart.
    GiveAsTake,
    /// Give the file as the chart, not as a player's take.
    GiveAsChart,
    /// Read another difficulty of a rhythm-game chart.
    ChooseDifficulty,
    /// Read Expert+ double-kick gems.
    ReadDoubleKick,
    /// Score every take of a folder (the folder was given as one take).
    ScoreFolder,
    /// Read a Standard MIDI File chart through a kit map (a built-in profile or a kit file).
    ChooseChartKit,
    /// Read the chart without a kit map: its format names its lanes itself.
    NoChartKit,
    /// Pick another channel of a multichannel audio take.
    ChooseAudioChannel,
}

/// What is wrong with an input. Each message says what to fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputErrorKind {
    /// The file could not be opened or read.
    #[error("cannot read the file: {message}")]
    Io {
        /// What went wrong, as the operating system says it (`NotFound`, `PermissionDenied`...).
        kind: std::io::ErrorKind,
        /// The operating system's message.
        message: String,
    },
    /// The file is larger than pocket will load.
    #[error("the file is {size} bytes, more than the {limit}-byte limit for this kind of file; is it the right file?")]
    TooLarge {
        /// Size of the file.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The file ends before a structure it started.
    #[error("the file is truncated: {0}")]
    Truncated(String),
    /// The bytes or text do not follow the format.
    #[error("{0}")]
    Malformed(String),
    /// Text that is not UTF-8.
    #[error("the text is not valid UTF-8; save the file as UTF-8")]
    NotUtf8,
    /// An unknown lane name.
    #[error(transparent)]
    UnknownLane(#[from] crate::lane::UnknownLane),
    /// A time that is not a finite number.
    #[error("{0:?} is not a time in seconds (expected a finite decimal number such as 1.25)")]
    BadTime(String),
    /// Times that go backwards where they must not.
    #[error("time {found} comes before the previous time {previous}: times must not decrease")]
    NonMonotonic {
        /// The previous time, as written.
        previous: String,
        /// This time, as written.
        found: String,
    },
    /// A problem with tempo, resolution or time signatures.
    #[error(transparent)]
    Tempo(#[from] crate::tempo::TempoMapError),
    /// A problem with the notes of a chart.
    #[error(transparent)]
    Chart(#[from] crate::chart::ChartError),
    /// SMPTE time division in a chart.
    #[error("the file uses SMPTE time division (frames per second), which has no beat grid; a chart needs ticks per quarter note (a take may use SMPTE)")]
    SmpteChart,
    /// A version this build does not read.
    #[error("unsupported format {found:?}; this version of pocket reads {expected:?}")]
    UnsupportedFormat {
        /// What the file says.
        found: String,
        /// What pocket reads.
        expected: String,
    },
    /// The input holds nothing usable.
    #[error("{0}")]
    Empty(String),
    /// The input is fine but was read with a choice that does not fit it (a take given as the
    /// chart, a difficulty the chart lacks): `message` says what is wrong and what to choose.
    #[error("{message}")]
    WrongChoice {
        /// What is wrong and what to choose.
        message: String,
        /// The choice to change.
        remedy: Remedy,
    },
}
