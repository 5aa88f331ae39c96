//! Streaming decode of one audio file (WAV, FLAC, Ogg Vorbis, MP3; Ogg Opus with the `opus`
//! feature, through the sibling `opus`) into stereo `f32` frames at the file's own rate, a
//! packet at a time: memory stays bounded by one packet whatever the length of the song. The
//! only file that touches symphonia.
//!
//! Channels: mono plays on both sides; files with more than two channels play their first two
//! (left, right). Encoder delay and padding (MP3 LAME headers, Vorbis granule positions) are
//! trimmed by the decoders, so frame 0 is the first sample the encoder was given.

use super::error::BackingError;
use std::fs::File;
use std::path::{Path, PathBuf};
use symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS;
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

/// What decodes the packets: symphonia's demuxer and decoder, or the Opus decoder.
enum Codec {
    Symphonia {
        format: Box<dyn FormatReader>,
        decoder: Box<dyn AudioDecoder>,
        track_id: u32,
    },
    #[cfg(feature = "opus")]
    Opus(Box<super::opus::OpusFile>),
}

/// An open audio file, read frame by frame.
pub struct Decoder {
    path: PathBuf,
    codec: Codec,
    rate: u32,
    channels: usize,
    declared_frames: Option<u64>,
    /// Interleaved samples of the packet being read, and the next frame in it.
    packet: Vec<f32>,
    packet_channels: usize,
    next: usize,
    /// Frames decoded so far (whole packets).
    decoded: u64,
    finished: bool,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("path", &self.path)
            .field("rate", &self.rate)
            .field("channels", &self.channels)
            .field("decoded", &self.decoded)
            .finish()
    }
}

fn is_opus_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("opus"))
}

impl Decoder {
    /// Opens `path` and reads its headers. A missing, empty or undecodable file is an error
    /// naming it; so is Opus audio in a build without the `opus` feature.
    pub fn open(path: &Path) -> Result<Decoder, BackingError> {
        let read_err = |io| BackingError::Read {
            path: path.to_path_buf(),
            io,
        };
        let file = File::open(path).map_err(read_err)?;
        let len = file.metadata().map_err(read_err)?.len();
        if len == 0 {
            return Err(BackingError::Empty {
                path: path.to_path_buf(),
            });
        }
        #[cfg(feature = "opus")]
        if super::opus::is_ogg_opus(path) {
            let file = Box::new(super::opus::OpusFile::open(path)?);
            let channels = file.channels();
            return Decoder::ready(Decoder {
                path: path.to_path_buf(),
                codec: Codec::Opus(file),
                rate: super::opus::OPUS_RATE,
                channels,
                declared_frames: None,
                packet: Vec::new(),
                packet_channels: channels,
                next: 0,
                decoded: 0,
                finished: false,
            });
        }
        let undecodable = |reason: String| {
            if is_opus_name(path) && !cfg!(feature = "opus") {
                BackingError::OpusUnsupported {
                    path: path.to_path_buf(),
                }
            } else {
                BackingError::Undecodable {
                    path: path.to_path_buf(),
                    reason,
                }
            }
        };
        let mss = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let format = symphonia::default::get_probe()
            .probe(
                &hint,
                mss,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .map_err(|e| undecodable(e.to_string()))?;
        let track = format
            .default_track(TrackType::Audio)
            .ok_or_else(|| undecodable("no audio track".into()))?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| undecodable("no audio codec parameters".into()))?
            .clone();
        if params.codec == CODEC_ID_OPUS {
            return Err(BackingError::OpusUnsupported {
                path: path.to_path_buf(),
            });
        }
        let track_id = track.id;
        let declared_frames = track.num_frames;
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| undecodable(e.to_string()))?;
        let rate = params
            .sample_rate
            .filter(|r| *r > 0)
            .ok_or_else(|| undecodable("no sample rate in the header".into()))?;
        let channels = params.channels.as_ref().map_or(0, |c| c.count());
        Decoder::ready(Decoder {
            path: path.to_path_buf(),
            codec: Codec::Symphonia {
                format,
                decoder,
                track_id,
            },
            rate,
            channels,
            declared_frames,
            packet: Vec::new(),
            packet_channels: channels.max(1),
            next: 0,
            decoded: 0,
            finished: false,
        })
    }

    /// Decodes the first packet now, so that a file whose headers read but whose audio does
    /// not is reported before anything plays.
    fn ready(mut d: Decoder) -> Result<Decoder, BackingError> {
        d.refill()?;
        if d.finished && d.decoded == 0 {
            return Err(BackingError::Undecodable {
                path: d.path.clone(),
                reason: "no audio frames".into(),
            });
        }
        if d.channels == 0 {
            d.channels = d.packet_channels;
        }
        Ok(d)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's sample rate, Hz.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// The length the header declares, in frames, when it declares one.
    pub fn declared_frames(&self) -> Option<u64> {
        self.declared_frames
    }

    /// Decodes the next packet into `self.packet`; sets `finished` at the end of the stream.
    fn refill(&mut self) -> Result<(), BackingError> {
        self.packet.clear();
        self.next = 0;
        let (format, decoder, track_id) = match &mut self.codec {
            Codec::Symphonia {
                format,
                decoder,
                track_id,
            } => (format, decoder, *track_id),
            #[cfg(feature = "opus")]
            Codec::Opus(file) => {
                if self.finished {
                    return Ok(());
                }
                let at_s = self.decoded as f64 / f64::from(self.rate);
                if file.next(&mut self.packet, at_s)? {
                    self.decoded += (self.packet.len() / self.packet_channels) as u64;
                } else {
                    self.finish()?;
                }
                return Ok(());
            }
        };
        while !self.finished {
            let packet = match format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => {
                    self.finish()?;
                    break;
                }
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    self.finish()?;
                    break;
                }
                Err(e) => return Err(self.damaged(e)),
            };
            if packet.track_id != track_id {
                continue;
            }
            match decoder.decode(&packet) {
                Ok(buf) => {
                    if buf.frames() == 0 {
                        continue;
                    }
                    self.packet_channels = buf.spec().channels().count().max(1);
                    buf.copy_to_vec_interleaved::<f32>(&mut self.packet);
                    self.packet.truncate(buf.frames() * self.packet_channels);
                    self.decoded += buf.frames() as u64;
                    return Ok(());
                }
                // A damaged packet: skipped, as every player does.
                Err(SymError::DecodeError(_)) => continue,
                Err(e) => return Err(self.damaged(e)),
            }
        }
        Ok(())
    }

    /// At the end of the stream: an error if it ends before the declared length.
    fn finish(&mut self) -> Result<(), BackingError> {
        self.finished = true;
        if let Some(declared) = self.declared_frames {
            // A few frames of tolerance for containers that round their declared length.
            if self.decoded + (self.rate as u64 / 100) < declared {
                return Err(BackingError::Truncated {
                    path: self.path.clone(),
                    decoded_s: self.decoded as f64 / f64::from(self.rate),
                    declared_s: declared as f64 / f64::from(self.rate),
                });
            }
        }
        Ok(())
    }

    fn damaged(&self, e: SymError) -> BackingError {
        BackingError::Damaged {
            path: self.path.clone(),
            at_s: self.decoded as f64 / f64::from(self.rate),
            reason: e.to_string(),
        }
    }

    /// Appends up to `max` frames to `left` and `right`; returns how many (0 only at the end
    /// of the file).
    pub fn read(
        &mut self,
        left: &mut Vec<f32>,
        right: &mut Vec<f32>,
        max: usize,
    ) -> Result<usize, BackingError> {
        let mut done = 0;
        while done < max {
            let ch = self.packet_channels;
            let available = self.packet.len() / ch - self.next;
            if available == 0 {
                if self.finished {
                    break;
                }
                self.refill()?;
                continue;
            }
            let n = available.min(max - done);
            for f in self.next..self.next + n {
                let l = self.packet[f * ch];
                let r = if ch > 1 { self.packet[f * ch + 1] } else { l };
                left.push(l);
                right.push(r);
            }
            self.next += n;
            done += n;
        }
        Ok(done)
    }

    /// Channels of the audio, every one of which [`Decoder::read_interleaved`] gives.
    pub fn channels(&self) -> usize {
        self.channels.max(1)
    }

    /// The codec's short name (`flac`, `vorbis`, `mp3`, `pcm_s16le`...).
    pub fn codec(&self) -> &'static str {
        match &self.codec {
            Codec::Symphonia { decoder, .. } => decoder.codec_info().short_name,
            #[cfg(feature = "opus")]
            Codec::Opus(_) => "opus",
        }
    }

    /// Writes up to `out.len() / channels()` whole frames of every channel, interleaved, into
    /// `out`; returns how many (0 only at the end of the file). A packet with fewer channels
    /// than the file repeats its last one; extra channels are left out.
    pub fn read_interleaved(&mut self, out: &mut [f32]) -> Result<usize, BackingError> {
        let want = self.channels();
        let max = out.len() / want;
        let mut done = 0;
        while done < max {
            let ch = self.packet_channels;
            let available = self.packet.len() / ch - self.next;
            if available == 0 {
                // Frames already written go out before the next packet is decoded, so that an
                // error there never takes them with it.
                if self.finished || done > 0 {
                    break;
                }
                self.refill()?;
                continue;
            }
            let n = available.min(max - done);
            for (k, f) in (self.next..self.next + n).enumerate() {
                let frame = &self.packet[f * ch..(f + 1) * ch];
                let dst = &mut out[(done + k) * want..(done + k + 1) * want];
                for (c, d) in dst.iter_mut().enumerate() {
                    *d = frame[c.min(ch - 1)];
                }
            }
            self.next += n;
            done += n;
        }
        Ok(done)
    }

    /// Skips `frames` frames (decoding them: exact to the frame); returns how many were
    /// skipped (fewer at the end of the file).
    pub fn skip(&mut self, frames: u64) -> Result<u64, BackingError> {
        let mut l = Vec::with_capacity(4096);
        let mut r = Vec::with_capacity(4096);
        let mut left = frames;
        while left > 0 {
            l.clear();
            r.clear();
            let n = self.read(&mut l, &mut r, left.min(4096) as usize)?;
            if n == 0 {
                break;
            }
            left -= n as u64;
        }
        Ok(frames - left)
    }
}
