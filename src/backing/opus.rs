//! Ogg Opus decoding (feature `opus`): the pure-Rust opus-pure codec and its Ogg demuxer, a
//! packet at a time, at 48 kHz (Opus's own rate; the resampler takes it to the output's). The
//! only file that touches opus-pure. The header's pre-skip (the encoder's delay) and the final
//! granule's end-trim are applied (RFC 7845 §4.2, §4.4), and its output gain, so frame 0 is
//! the first sample the encoder was given and the last is its last.

use super::error::BackingError;
use opus_pure::{OggOpusReader, OggPacket, OpusDecoder, Trim, MAX_PACKET_SAMPLES};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// The rate every Opus file is decoded at, Hz.
pub const OPUS_RATE: u32 = 48_000;

/// Whether the file starts as an Ogg Opus stream: an Ogg page whose first packet is an
/// `OpusHead` (RFC 7845 §5.1).
pub fn is_ogg_opus(path: &Path) -> bool {
    let mut head = [0u8; 36];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| &head[..4] == b"OggS" && &head[28..36] == b"OpusHead")
}

/// An open Ogg Opus file.
pub struct OpusFile {
    path: PathBuf,
    reader: OggOpusReader<BufReader<File>>,
    decoder: OpusDecoder,
    trim: Trim,
    channels: usize,
    packet: OggPacket,
    block: Vec<f32>,
    /// The last packet read ended the stream (its end-of-stream page).
    ended: bool,
}

impl OpusFile {
    /// Opens `path` and reads its Opus headers; an error names the file.
    pub fn open(path: &Path) -> Result<OpusFile, BackingError> {
        let undecodable = |e: opus_pure::Error| BackingError::Undecodable {
            path: path.to_path_buf(),
            reason: format!("Ogg Opus: {e}"),
        };
        let file = File::open(path).map_err(|io| BackingError::Read {
            path: path.to_path_buf(),
            io,
        })?;
        let reader = OggOpusReader::new(BufReader::new(file)).map_err(undecodable)?;
        let head = reader.head().clone();
        let channels = usize::from(head.channel_count).max(1);
        let decoder = head.decoder(OPUS_RATE as i32).map_err(undecodable)?;
        let trim = Trim::new(&head, OPUS_RATE as i32, channels).map_err(undecodable)?;
        Ok(OpusFile {
            path: path.to_path_buf(),
            reader,
            decoder,
            trim,
            channels,
            packet: OggPacket::default(),
            block: vec![0.0; MAX_PACKET_SAMPLES * channels],
            ended: false,
        })
    }

    /// Channels of the stream (1 or 2).
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Decodes the next packet's kept samples (interleaved) into `out` (cleared first);
    /// `Ok(false)` at the end of the stream, an error when the file stops before it (cut off).
    /// `decoded_s` places an error in the file.
    pub fn next(&mut self, out: &mut Vec<f32>, decoded_s: f64) -> Result<bool, BackingError> {
        out.clear();
        loop {
            let more = self
                .reader
                .read_packet_into(&mut self.packet)
                .map_err(|e| self.damaged(e, decoded_s))?;
            if !more {
                if !self.ended {
                    return Err(BackingError::Damaged {
                        path: self.path.clone(),
                        at_s: decoded_s,
                        reason: "the Ogg Opus stream stops before its last page: the file is \
                                 cut off"
                            .into(),
                    });
                }
                return Ok(false);
            }
            self.ended = self.packet.end_of_stream;
            let n = self
                .decoder
                .decode(&self.packet.data, MAX_PACKET_SAMPLES, &mut self.block)
                .map_err(|e| self.damaged(e, decoded_s))?;
            let kept = self.trim.keep_range(&self.packet, n * self.channels);
            if kept.is_empty() {
                continue;
            }
            out.extend_from_slice(&self.block[kept]);
            return Ok(true);
        }
    }

    fn damaged(&self, e: opus_pure::Error, at_s: f64) -> BackingError {
        BackingError::Damaged {
            path: self.path.clone(),
            at_s,
            reason: format!("Ogg Opus: {e}"),
        }
    }
}
