//! Raw MIDI events as they arrive from a file or a port, before the kit map.
//!
//! Files (Standard MIDI Files, capture logs) and live ports are two sources of the same events:
//! both produce [`RawEvent`]s that [`crate::kit`] turns into a [`crate::take::Take`].

use crate::time::Nanos;

/// One short MIDI message (1 to 3 bytes, status byte first, running status already resolved)
/// with its arrival time and port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawEvent {
    /// Arrival time on the take's clock.
    pub time: Nanos,
    /// Index of the port (or the track/player split) it arrived on.
    pub port: u16,
    /// Number of valid bytes in `bytes` (1..=3).
    pub len: u8,
    /// The message bytes; only the first `len` are meaningful.
    pub bytes: [u8; 3],
}

impl RawEvent {
    /// An event from message bytes (at most 3 are kept).
    pub fn new(time: Nanos, port: u16, msg: &[u8]) -> RawEvent {
        let mut bytes = [0u8; 3];
        let len = msg.len().min(3);
        bytes[..len].copy_from_slice(&msg[..len]);
        RawEvent {
            time,
            port,
            len: len as u8,
            bytes,
        }
    }

    /// The message bytes.
    pub fn message(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// The message decoded by wmidi (`None` if it is not a complete MIDI message).
    /// wmidi turns Note On with velocity 0 into Note Off.
    pub fn decode(&self) -> Option<wmidi::MidiMessage<'_>> {
        wmidi::MidiMessage::try_from(self.message()).ok()
    }
}
