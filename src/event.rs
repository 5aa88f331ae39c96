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

    /// The channel (1..=16) of a channel message, decoded by wmidi; `None` for system messages
    /// and for bytes that are not a complete MIDI message.
    pub fn channel(&self) -> Option<u8> {
        self.decode()?.channel().map(wmidi::Channel::number)
    }
}

/// One message found in a packet of MIDI bytes by [`split_messages`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// A complete channel message (running status resolved), 2 or 3 bytes.
    Channel {
        /// The bytes; only the first `len` are meaningful.
        bytes: [u8; 3],
        /// 2 or 3.
        len: u8,
    },
    /// A system exclusive message (content not kept), including one cut short.
    SysEx,
    /// A system common or realtime message (clock, active sensing, song position ...).
    System,
    /// Bytes that form no message: data bytes with no status, a message cut short.
    Malformed,
}

impl Message {
    /// The bytes of a channel message.
    pub fn channel_bytes(&self) -> Option<&[u8]> {
        match self {
            Message::Channel { bytes, len } => Some(&bytes[..*len as usize]),
            _ => None,
        }
    }
}

/// Splits the bytes one callback or one capture-log line delivered into MIDI messages, the way a
/// MIDI parser reads a byte stream: realtime bytes (0xF8-0xFF) between messages are messages of
/// their own, and inside another message are skipped; a packet may hold several messages; running
/// status (data bytes after a channel message) repeats the last status of the packet; SysEx runs
/// to 0xF7 or the next status byte. Allocates nothing.
pub fn split_messages(data: &[u8]) -> SplitMessages<'_> {
    SplitMessages {
        data,
        pos: 0,
        running: None,
    }
}

/// The iterator of [`split_messages`].
#[derive(Debug, Clone)]
pub struct SplitMessages<'a> {
    data: &'a [u8],
    pos: usize,
    running: Option<u8>,
}

/// Bytes of a channel message with this status (2 for program change and channel pressure).
fn channel_len(status: u8) -> usize {
    if (0xC0..=0xDF).contains(&status) {
        2
    } else {
        3
    }
}

impl Iterator for SplitMessages<'_> {
    type Item = Message;

    fn next(&mut self) -> Option<Message> {
        let &first = self.data.get(self.pos)?;
        match first {
            0xF8..=0xFF => {
                self.pos += 1;
                Some(Message::System)
            }
            0xF0 => {
                self.running = None;
                self.pos += 1;
                while let Some(&b) = self.data.get(self.pos) {
                    if b == 0xF7 {
                        self.pos += 1;
                        break;
                    }
                    if (0x80..0xF8).contains(&b) {
                        break; // a new status ends a SysEx cut short
                    }
                    self.pos += 1; // data, or a realtime byte inside the SysEx
                }
                Some(Message::SysEx)
            }
            0xF1..=0xF7 => {
                // System common: status and its data bytes (0xF7 alone is a stray end of SysEx).
                self.running = None;
                self.pos += 1;
                while self.data.get(self.pos).is_some_and(|&b| b < 0x80) {
                    self.pos += 1;
                }
                Some(if first == 0xF7 {
                    Message::Malformed
                } else {
                    Message::System
                })
            }
            _ => {
                let status = if first >= 0x80 {
                    self.pos += 1;
                    self.running = Some(first);
                    first
                } else if let Some(s) = self.running {
                    s
                } else {
                    // Data bytes with no status to belong to.
                    while self.data.get(self.pos).is_some_and(|&b| b < 0x80) {
                        self.pos += 1;
                    }
                    return Some(Message::Malformed);
                };
                let want = channel_len(status);
                let mut bytes = [status, 0, 0];
                let mut got = 1;
                while got < want {
                    match self.data.get(self.pos) {
                        Some(&b) if b < 0x80 => {
                            bytes[got] = b;
                            got += 1;
                            self.pos += 1;
                        }
                        // A realtime byte inside the message (a clock tick): skipped, as
                        // it says nothing about the message around it.
                        Some(&b) if b >= 0xF8 => {
                            self.pos += 1;
                        }
                        _ => {
                            self.running = None;
                            return Some(Message::Malformed);
                        }
                    }
                }
                Some(Message::Channel {
                    bytes,
                    len: want as u8,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(data: &[u8]) -> Vec<Message> {
        split_messages(data).collect()
    }

    fn ch(b: &[u8]) -> Message {
        let mut bytes = [0u8; 3];
        bytes[..b.len()].copy_from_slice(b);
        Message::Channel {
            bytes,
            len: b.len() as u8,
        }
    }

    #[test]
    fn channel_messages_know_their_channel() {
        let ev = |bytes: &[u8]| RawEvent::new(Nanos::ZERO, 0, bytes);
        assert_eq!(ev(&[0x99, 38, 100]).channel(), Some(10));
        assert_eq!(ev(&[0x80, 38, 0]).channel(), Some(1));
        assert_eq!(ev(&[0xCF, 5]).channel(), Some(16));
        assert_eq!(ev(&[0xF8]).channel(), None, "clock is a system message");
        assert_eq!(ev(&[0x99, 38]).channel(), None, "a Note On cut short");
    }

    #[test]
    fn one_whole_message_is_itself() {
        assert_eq!(split(&[0x99, 38, 100]), vec![ch(&[0x99, 38, 100])]);
        assert_eq!(split(&[0xC9, 5]), vec![ch(&[0xC9, 5])]);
    }

    #[test]
    fn a_packet_of_several_messages_and_running_status() {
        assert_eq!(
            split(&[0x99, 38, 100, 0x99, 36, 90, 42, 80]),
            vec![
                ch(&[0x99, 38, 100]),
                ch(&[0x99, 36, 90]),
                ch(&[0x99, 42, 80])
            ]
        );
    }

    #[test]
    fn realtime_bytes_anywhere_do_not_break_a_message() {
        // A clock byte inside a note on: the note survives. (The clock inside is skipped, not
        // reported; a clock between messages is reported.)
        assert_eq!(split(&[0x99, 0xF8, 38, 100]), vec![ch(&[0x99, 38, 100])]);
        assert_eq!(
            split(&[0xFE, 0x99, 38, 100, 0xF8]),
            vec![Message::System, ch(&[0x99, 38, 100]), Message::System]
        );
    }

    #[test]
    fn sysex_and_truncation() {
        assert_eq!(
            split(&[0xF0, 0x41, 0x10, 0xF7, 0x99, 38, 100]),
            vec![Message::SysEx, ch(&[0x99, 38, 100])]
        );
        // A SysEx cut short by a status byte, a message cut short, stray data.
        assert_eq!(
            split(&[0xF0, 0x41, 0x99, 38]),
            vec![Message::SysEx, Message::Malformed]
        );
        assert_eq!(split(&[38, 100]), vec![Message::Malformed]);
        assert_eq!(split(&[]), vec![]);
    }
}
