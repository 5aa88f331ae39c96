//! Reading audio files as a stream of blocks: one door ([`open_audio`]) that picks a decoder by
//! the file's extension: WAV through hound, compressed audio (FLAC, Ogg Vorbis, MP3) through the
//! backing track's streaming decoder ([`crate::backing::Decoder`], the one symphonia wrapper).
//!
//! Memory stays bounded whatever the file's length: a source hands out a block at a time.

use crate::backing::{BackingError, Decoder};
use crate::error::{InputError, InputErrorKind, Place};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Extensions read as audio by this build.
pub const AUDIO_EXTENSIONS: [&str; 2] = ["wav", "wave"];

/// Extensions of compressed audio, read through the backing decoder (FLAC, Ogg Vorbis, MP3; the
/// others are refused by it with a message naming the file).
pub const COMPRESSED_EXTENSIONS: [&str; 8] =
    ["flac", "ogg", "oga", "opus", "mp3", "m4a", "aac", "aiff"];

/// Whether a path names an audio file by its extension.
pub fn is_audio_path(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    ext.is_some_and(|e| {
        AUDIO_EXTENSIONS.contains(&e.as_str()) || COMPRESSED_EXTENSIONS.contains(&e.as_str())
    })
}

/// A decoded audio stream: interleaved `f32` samples in -1..1, block by block.
pub trait AudioSource {
    /// Frames per second.
    fn sample_rate(&self) -> u32;
    /// Interleaved channels per frame.
    fn channels(&self) -> u16;
    /// Frames the file says it holds, when it says.
    fn frames_hint(&self) -> Option<u64>;
    /// A description of the encoding for reports (`16-bit integer PCM`).
    fn encoding(&self) -> String;
    /// Fills `out` with up to `out.len() / channels` whole frames of interleaved samples and
    /// returns the number of frames written; 0 at the end. A file that ends early (a truncated
    /// data chunk) ends the stream and leaves a warning in [`AudioSource::warning`].
    fn read_frames(&mut self, out: &mut [f32]) -> Result<usize, InputError>;
    /// What the decoder recovered from (a truncated file), naming the file.
    fn warning(&self) -> Option<String>;
}

/// Opens an audio file for streaming. WAV (8/16/24/32-bit integer, 32-bit float, any channel
/// count and rate) is read through hound; the compressed extensions
/// ([`COMPRESSED_EXTENSIONS`]) through the backing decoder, a packet at a time (FLAC, Ogg
/// Vorbis, MP3; what it cannot decode is refused naming the file); anything that is not audio
/// is refused with a message naming the file.
pub fn open_audio(path: &Path) -> Result<Box<dyn AudioSource>, InputError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if COMPRESSED_EXTENSIONS.contains(&ext.as_str()) {
        return DecodedSource::open(path).map(|s| Box::new(s) as Box<dyn AudioSource>);
    }
    WavSource::open(path).map(|s| Box::new(s) as Box<dyn AudioSource>)
}

/// A compressed file read through the backing decoder.
struct DecodedSource {
    path: PathBuf,
    decoder: Decoder,
    channels: u16,
    warning: Option<String>,
    done: bool,
}

impl DecodedSource {
    fn open(path: &Path) -> Result<DecodedSource, InputError> {
        let decoder = Decoder::open(path).map_err(|e| decode_error(path, e, None))?;
        let channels = u16::try_from(decoder.channels()).unwrap_or(u16::MAX);
        Ok(DecodedSource {
            path: path.to_path_buf(),
            decoder,
            channels,
            warning: None,
            done: false,
        })
    }
}

/// A decoder error as an input error naming the file (and, mid-file, the place).
fn decode_error(path: &Path, e: BackingError, at: Option<String>) -> InputError {
    let place = at.map_or(Place::File, Place::Item);
    let kind = match e {
        BackingError::Read { io, .. } => return InputError::io(path, io),
        BackingError::Empty { .. } => InputErrorKind::Empty("the audio file is empty".into()),
        BackingError::Input(e) => return e,
        BackingError::Truncated {
            decoded_s,
            declared_s,
            ..
        } => InputErrorKind::Truncated(format!(
            "the audio ends at {decoded_s:.3} s but its header declares {declared_s:.3} s"
        )),
        BackingError::Undecodable { reason, .. } => InputErrorKind::Malformed(format!(
            "not audio pocket can decode ({reason}); an audio take is WAV, FLAC, Ogg Vorbis or \
             MP3"
        )),
        other => {
            // The decoder's message names the file; the error names it again in its place.
            let text = other.to_string();
            let prefix = format!("{}: ", path.display());
            InputErrorKind::Malformed(text.strip_prefix(&prefix).unwrap_or(&text).to_string())
        }
    };
    InputError::new(path, place, kind)
}

impl AudioSource for DecodedSource {
    fn sample_rate(&self) -> u32 {
        self.decoder.rate()
    }

    fn channels(&self) -> u16 {
        self.channels
    }

    fn frames_hint(&self) -> Option<u64> {
        self.decoder.declared_frames()
    }

    fn encoding(&self) -> String {
        format!("{} (decoded)", self.decoder.codec())
    }

    fn read_frames(&mut self, out: &mut [f32]) -> Result<usize, InputError> {
        if self.done {
            return Ok(0);
        }
        match self.decoder.read_interleaved(out) {
            Ok(0) => {
                self.done = true;
                Ok(0)
            }
            Ok(n) => Ok(n),
            Err(BackingError::Truncated {
                decoded_s,
                declared_s,
                ..
            }) => {
                // As for a truncated WAV: what is there is transcribed, with a warning.
                self.done = true;
                self.warning = Some(format!(
                    "{}: the audio is truncated: it ends at {decoded_s:.3} s but its header \
                     declares {declared_s:.3} s; transcribed what is there",
                    self.path.display()
                ));
                Ok(0)
            }
            Err(e) => {
                self.done = true;
                let at = match &e {
                    BackingError::Damaged { at_s, .. } => Some(format!("{at_s:.3} s")),
                    _ => None,
                };
                Err(decode_error(&self.path, e, at))
            }
        }
    }

    fn warning(&self) -> Option<String> {
        self.warning.clone()
    }
}

/// A WAV file read through hound.
struct WavSource {
    path: PathBuf,
    reader: hound::WavReader<BufReader<File>>,
    spec: hound::WavSpec,
    frames_read: u64,
    warning: Option<String>,
    done: bool,
}

impl WavSource {
    fn open(path: &Path) -> Result<WavSource, InputError> {
        let file = File::open(path).map_err(|e| InputError::io(path, e))?;
        let reader = hound::WavReader::new(BufReader::new(file)).map_err(|e| wav_error(path, e))?;
        let spec = reader.spec();
        if spec.channels == 0 || spec.sample_rate == 0 {
            return Err(InputError::new(
                path,
                Place::File,
                InputErrorKind::Malformed(format!(
                    "the WAV header says {} channels at {} Hz; an audio take needs at least one \
                     channel and a sample rate",
                    spec.channels, spec.sample_rate
                )),
            ));
        }
        match (spec.sample_format, spec.bits_per_sample) {
            (hound::SampleFormat::Int, 8 | 16 | 24 | 32) | (hound::SampleFormat::Float, 32) => {}
            (format, bits) => {
                return Err(InputError::new(
                    path,
                    Place::File,
                    InputErrorKind::UnsupportedFormat {
                        found: format!("{bits}-bit {format:?} WAV samples"),
                        expected: "8, 16, 24 or 32-bit integer or 32-bit float WAV".into(),
                    },
                ))
            }
        }
        Ok(WavSource {
            path: path.to_path_buf(),
            reader,
            spec,
            frames_read: 0,
            warning: None,
            done: false,
        })
    }
}

/// A hound error as an input error naming the file.
fn wav_error(path: &Path, e: hound::Error) -> InputError {
    match e {
        hound::Error::IoError(io) if ends_early(&io) => InputError::new(
            path,
            Place::File,
            InputErrorKind::Truncated("the WAV header ends before its data starts".into()),
        ),
        hound::Error::IoError(io) => InputError::io(path, io),
        hound::Error::FormatError(what) => InputError::new(
            path,
            Place::File,
            InputErrorKind::Malformed(format!(
                "not a WAV file pocket can read ({what}); an audio take is a RIFF/WAVE file"
            )),
        ),
        hound::Error::Unsupported => InputError::new(
            path,
            Place::File,
            InputErrorKind::UnsupportedFormat {
                found: "a WAV encoding hound does not decode (compressed or extensible subtype)"
                    .into(),
                expected: "integer PCM or 32-bit float WAV".into(),
            },
        ),
        other => InputError::new(
            path,
            Place::File,
            InputErrorKind::Malformed(format!("cannot decode the WAV data: {other}")),
        ),
    }
}

impl AudioSource for WavSource {
    fn sample_rate(&self) -> u32 {
        self.spec.sample_rate
    }

    fn channels(&self) -> u16 {
        self.spec.channels
    }

    fn frames_hint(&self) -> Option<u64> {
        Some(u64::from(self.reader.duration()))
    }

    fn encoding(&self) -> String {
        match self.spec.sample_format {
            hound::SampleFormat::Float => format!("{}-bit float PCM", self.spec.bits_per_sample),
            hound::SampleFormat::Int => format!("{}-bit integer PCM", self.spec.bits_per_sample),
        }
    }

    fn read_frames(&mut self, out: &mut [f32]) -> Result<usize, InputError> {
        if self.done {
            return Ok(0);
        }
        let ch = usize::from(self.spec.channels);
        let want = out.len() / ch * ch;
        let mut n = 0;
        let failed = match (self.spec.sample_format, self.spec.bits_per_sample) {
            (hound::SampleFormat::Float, _) => fill(
                self.reader.samples::<f32>(),
                &mut out[..want],
                &mut n,
                |s| if s.is_finite() { s } else { 0.0 },
            ),
            (_, bits) => {
                let scale = 1.0 / (1u64 << (bits - 1)) as f32;
                fill(
                    self.reader.samples::<i32>(),
                    &mut out[..want],
                    &mut n,
                    |s| s as f32 * scale,
                )
            }
        };
        if let Some(e) = failed {
            self.done = true;
            let at = self.frames_read + (n / ch) as u64;
            let seconds = at as f64 / f64::from(self.spec.sample_rate);
            match e {
                hound::Error::IoError(io) if ends_early(&io) => {
                    self.warning = Some(format!(
                        "{}: the WAV data is truncated after {at} frames ({seconds:.3} s) of the \
                         {} its header announces; transcribed what is there",
                        self.path.display(),
                        self.reader.duration()
                    ));
                }
                e => {
                    let err = wav_error(&self.path, e);
                    return Err(InputError::new(
                        &self.path,
                        Place::Item(format!("frame {at} ({seconds:.3} s)")),
                        err.kind,
                    ));
                }
            }
        }
        let frames = n / ch;
        if frames == 0 {
            self.done = true;
        }
        self.frames_read += frames as u64;
        Ok(frames)
    }

    fn warning(&self) -> Option<String> {
        self.warning.clone()
    }
}

/// Copies samples from `it` into `out` until it is full or the samples end; `n` counts the
/// samples written. Returns the error that stopped it early, if one did.
fn fill<S, I: Iterator<Item = Result<S, hound::Error>>>(
    it: I,
    out: &mut [f32],
    n: &mut usize,
    conv: impl Fn(S) -> f32,
) -> Option<hound::Error> {
    for (slot, s) in out.iter_mut().zip(it) {
        match s {
            Ok(s) => {
                *slot = conv(s);
                *n += 1;
            }
            Err(e) => return Some(e),
        }
    }
    None
}

/// Frames read from a file per block.
const BLOCK_FRAMES: usize = 8192;

/// Which samples of a file are one kit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChannelChoice {
    /// The mean of every channel.
    #[default]
    Mix,
    /// One channel, counted from 1.
    Channel(u16),
}

/// Streams mono samples of `channel` from an open source to `sink`, block by block; returns
/// the frames read.
pub fn stream_channel(
    path: &Path,
    source: &mut dyn AudioSource,
    channel: ChannelChoice,
    mut sink: impl FnMut(&[f32]),
) -> Result<u64, InputError> {
    let ch = usize::from(source.channels());
    if let ChannelChoice::Channel(c) = channel {
        if c == 0 || usize::from(c) > ch {
            return Err(InputError::new(
                path,
                Place::File,
                InputErrorKind::WrongChoice {
                    message: format!(
                        "audio channel {c} asked for; the file has {ch} channel{} (1 to {ch})",
                        if ch == 1 { "" } else { "s" }
                    ),
                    remedy: crate::error::Remedy::ChooseAudioChannel,
                },
            ));
        }
    }
    let mut inter = vec![0.0f32; BLOCK_FRAMES * ch];
    let mut mono = vec![0.0f32; BLOCK_FRAMES];
    let mut frames = 0u64;
    loop {
        let n = source.read_frames(&mut inter)?;
        if n == 0 {
            break;
        }
        for (i, m) in mono[..n].iter_mut().enumerate() {
            let frame = &inter[i * ch..(i + 1) * ch];
            *m = match channel {
                ChannelChoice::Mix => frame.iter().sum::<f32>() / ch as f32,
                ChannelChoice::Channel(c) => frame[usize::from(c) - 1],
            };
        }
        sink(&mono[..n]);
        frames += n as u64;
    }
    Ok(frames)
}

/// Whether a read error means the file ended early (hound says "Failed to read enough bytes").
fn ends_early(io: &std::io::Error) -> bool {
    io.kind() == std::io::ErrorKind::UnexpectedEof || io.to_string().contains("enough bytes")
}
