//! MIDI ports: listing them under stable names, choosing one by name, opening inputs and the
//! click output, and watching for kits that are unplugged and plugged back in.
//!
//! This is the only file that touches midir, and only with the `midi-io` feature; the naming
//! rules below are plain functions available in every build.
//!
//! Stable names: ALSA appends the sequencer's `client:port` numbers to port names
//! (`TD-17:TD-17 MIDI 1 20:0`) and a2jmidid puts the client number in brackets
//! (`a2j:TD-17 [20] (capture): TD-17 MIDI 1`). Those numbers change across reboots and replugs,
//! so pocket strips them. Two kits of the same model get the same name; the second and third
//! are told apart by ` #2`, ` #3` in the order the system lists them.

use super::LiveError;

/// A port name without the numbers that change across reboots (see the module docs).
pub fn stable_name(raw: &str) -> String {
    let mut name = raw.trim().to_string();
    // Trailing ALSA "client:port".
    if let Some((head, tail)) = name.rsplit_once(' ') {
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if let Some((c, p)) = tail.split_once(':') {
            if numeric(c) && numeric(p) {
                name = head.trim_end().to_string();
            }
        }
    }
    // a2jmidid's " [20]".
    while let Some(start) = name.find(" [") {
        let rest = &name[start + 2..];
        match rest.find(']') {
            Some(end) if end > 0 && rest[..end].bytes().all(|b| b.is_ascii_digit()) => {
                name.replace_range(start..start + 2 + end + 1, "");
            }
            _ => break,
        }
    }
    name
}

/// Stable names for a list of raw port names: numbers stripped, ` #2`, ` #3` appended to
/// repeated names.
pub fn stable_names(raw: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    let base: Vec<String> = raw.iter().map(|r| stable_name(r)).collect();
    for (i, b) in base.iter().enumerate() {
        let earlier = base[..i].iter().filter(|x| *x == b).count();
        out.push(if earlier == 0 {
            b.clone()
        } else {
            format!("{b} #{}", earlier + 1)
        });
    }
    out
}

/// Chooses the port whose stable name contains `query` (case-insensitive). An exact
/// (case-insensitive) name wins over substrings; no match or several matches are errors that
/// list the ports.
pub fn choose(query: &str, names: &[String], what: &str) -> Result<usize, LiveError> {
    let q = query.to_lowercase();
    if let Some(i) = names.iter().position(|n| n.to_lowercase() == q) {
        return Ok(i);
    }
    let matches: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| n.to_lowercase().contains(&q))
        .map(|(i, _)| i)
        .collect();
    match matches[..] {
        [i] => Ok(i),
        [] => Err(LiveError::NoSuchPort {
            what: what.to_string(),
            query: query.to_string(),
            available: names.to_vec(),
        }),
        _ => Err(LiveError::AmbiguousPort {
            what: what.to_string(),
            query: query.to_string(),
            matches: matches.iter().map(|&i| names[i].clone()).collect(),
        }),
    }
}

/// A port as `pocket devices` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PortEntry {
    /// Stable name (what `--player NAME=PORT` matches).
    pub name: String,
    /// The name the system reported.
    pub system_name: String,
    /// Suggested kit profile, from the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_kit: Option<&'static str>,
}

/// MIDI inputs and outputs of the system.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Devices {
    /// The MIDI backend (`alsa`, `jack`, `coremidi`, `winmm`).
    pub backend: &'static str,
    /// Input ports (kits).
    pub inputs: Vec<PortEntry>,
    /// Output ports (for the click).
    pub outputs: Vec<PortEntry>,
}

fn entries(raw: Vec<String>) -> Vec<PortEntry> {
    let names = stable_names(&raw);
    raw.into_iter()
        .zip(names)
        .map(|(system_name, name)| PortEntry {
            suggested_kit: crate::kit::suggest_profile(&name),
            name,
            system_name,
        })
        .collect()
}

/// The MIDI backend this build uses.
pub fn backend() -> &'static str {
    if cfg!(not(feature = "midi-io")) {
        "none"
    } else if cfg!(feature = "jack") {
        "jack"
    } else if cfg!(target_os = "linux") {
        "alsa"
    } else if cfg!(target_os = "macos") {
        "coremidi"
    } else if cfg!(windows) {
        "winmm"
    } else {
        "midir"
    }
}

#[cfg(not(feature = "midi-io"))]
mod io {
    use super::*;

    /// The system's MIDI ports: always [`LiveError::NotBuilt`] in a build without `midi-io`.
    pub fn devices() -> Result<Devices, LiveError> {
        let _ = entries;
        Err(LiveError::NotBuilt)
    }
}

#[cfg(feature = "midi-io")]
mod io {
    use super::*;
    use crate::live::clock::CaptureClock;
    use crate::live::consumer::Control;
    use crate::live::ring::{ring, EventSender, DEFAULT_RING_BYTES};
    use midir::{Ignore, MidiInput, MidiInputConnection, MidiOutput, MidiOutputConnection};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc::Sender;
    use std::sync::Arc;
    use std::time::Duration;

    const CLIENT: &str = "pocket";
    /// How often the port list is polled for unplugged and returning kits.
    pub const POLL_EVERY: Duration = Duration::from_millis(500);

    fn no_system(e: impl std::fmt::Display) -> LiveError {
        if cfg!(feature = "jack") {
            LiveError::NoMidiSystem(format!(
                "cannot reach a JACK server ({e}); start jackd, or PipeWire with its JACK support (pipewire-jack)"
            ))
        } else if cfg!(target_os = "linux") && !std::path::Path::new("/dev/snd/seq").exists() {
            LiveError::NoMidiSystem(
                "ALSA sequencer /dev/snd/seq is missing: load it with `sudo modprobe snd-seq`, or in a container pass the device through (--device /dev/snd)".into(),
            )
        } else {
            LiveError::NoMidiSystem(format!("the MIDI system cannot be opened: {e}"))
        }
    }

    fn input(name: &str) -> Result<MidiInput, LiveError> {
        let mut m = MidiInput::new(name).map_err(no_system)?;
        m.ignore(Ignore::None);
        Ok(m)
    }

    fn input_names(m: &MidiInput) -> Vec<String> {
        m.ports()
            .iter()
            .map(|p| m.port_name(p).unwrap_or_default())
            .collect()
    }

    /// The system's MIDI ports.
    pub fn devices() -> Result<Devices, LiveError> {
        let i = input(&format!("{CLIENT}-list"))?;
        let o = MidiOutput::new(&format!("{CLIENT}-list")).map_err(no_system)?;
        let outputs = o
            .ports()
            .iter()
            .map(|p| o.port_name(p).unwrap_or_default())
            .collect();
        Ok(Devices {
            backend: backend(),
            inputs: entries(input_names(&i)),
            outputs: entries(outputs),
        })
    }

    /// The stable name of the input port matching `query`.
    pub fn find_input(query: &str) -> Result<String, LiveError> {
        let i = input(&format!("{CLIENT}-list"))?;
        let names = stable_names(&input_names(&i));
        let k = choose(query, &names, "MIDI input")?;
        Ok(names[k].clone())
    }

    fn connect(
        stable: &str,
        port: u16,
        clock: CaptureClock,
    ) -> Result<
        (
            MidiInputConnection<EventSender>,
            crate::live::ring::EventReceiver,
        ),
        LiveError,
    > {
        let m = input(&format!("{CLIENT}-in-{port}"))?;
        let ports = m.ports();
        let names = stable_names(&input_names(&m));
        let Some(k) = names.iter().position(|n| n == stable) else {
            return Err(LiveError::NoSuchPort {
                what: "MIDI input".into(),
                query: stable.into(),
                available: names,
            });
        };
        let (tx, rx) = ring(DEFAULT_RING_BYTES, clock);
        let conn = m
            .connect(
                &ports[k],
                &format!("in-{port}"),
                |stamp_us, message, sender: &mut EventSender| {
                    sender.push(stamp_us, message);
                },
                tx,
            )
            .map_err(|e| LiveError::PortBusy {
                name: stable.to_string(),
                reason: e.to_string(),
            })?;
        Ok((conn, rx))
    }

    /// The open inputs of a session, and the thread that watches for unplugged kits.
    pub struct Inputs {
        stop: Arc<AtomicBool>,
        thread: Option<std::thread::JoinHandle<()>>,
    }

    impl Inputs {
        /// Opens every port (stable names, index = port index) and starts watching them. Each
        /// connection's ring is handed to the consumer through `control`.
        pub fn open(
            names: &[String],
            clock: CaptureClock,
            control: Sender<Control>,
        ) -> Result<Inputs, LiveError> {
            let mut conns = Vec::new();
            for (i, name) in names.iter().enumerate() {
                let (conn, rx) = connect(name, i as u16, clock)?;
                let _ = control.send(Control::Ring {
                    port: i as u16,
                    receiver: rx,
                });
                conns.push(Some(conn));
            }
            let watcher = input(&format!("{CLIENT}-watch"))?;
            let stop = Arc::new(AtomicBool::new(false));
            let stop2 = Arc::clone(&stop);
            let names = names.to_vec();
            let thread = std::thread::Builder::new()
                .name("pocket-ports".into())
                .spawn(move || watch(watcher, names, conns, clock, control, stop2))
                .map_err(|e| LiveError::NoMidiSystem(format!("cannot start a thread: {e}")))?;
            Ok(Inputs {
                stop,
                thread: Some(thread),
            })
        }

        /// Closes every connection (their rings then report finished).
        pub fn close(mut self) {
            self.stop_now();
        }

        fn stop_now(&mut self) {
            self.stop.store(true, Ordering::Relaxed);
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }

    impl Drop for Inputs {
        fn drop(&mut self) {
            self.stop_now();
        }
    }

    fn watch(
        watcher: MidiInput,
        names: Vec<String>,
        mut conns: Vec<Option<MidiInputConnection<EventSender>>>,
        clock: CaptureClock,
        control: Sender<Control>,
        stop: Arc<AtomicBool>,
    ) {
        let step = Duration::from_millis(20);
        let mut waited = Duration::ZERO;
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(step);
            waited += step;
            if waited < POLL_EVERY {
                continue;
            }
            waited = Duration::ZERO;
            let present = stable_names(&input_names(&watcher));
            for (i, name) in names.iter().enumerate() {
                let here = present.contains(name);
                let port = i as u16;
                match (&conns[i], here) {
                    (Some(_), false) => {
                        // Dropping the connection drops its sender: the ring reports finished.
                        conns[i] = None;
                        let _ = control.send(Control::PortLost {
                            port,
                            at: clock.now(),
                        });
                    }
                    (None, true) => {
                        if let Ok((conn, rx)) = connect(name, port, clock) {
                            let _ = control.send(Control::Ring { port, receiver: rx });
                            let _ = control.send(Control::PortBack {
                                port,
                                at: clock.now(),
                            });
                            conns[i] = Some(conn);
                        }
                    }
                    _ => {}
                }
            }
        }
        drop(conns);
    }

    /// The click output.
    pub struct ClickOutput {
        conn: MidiOutputConnection,
    }

    impl ClickOutput {
        /// Opens the output port matching `query`.
        pub fn open(query: &str) -> Result<ClickOutput, LiveError> {
            let o = MidiOutput::new(&format!("{CLIENT}-click")).map_err(no_system)?;
            let ports = o.ports();
            let raw: Vec<String> = ports
                .iter()
                .map(|p| o.port_name(p).unwrap_or_default())
                .collect();
            let names = stable_names(&raw);
            let k = choose(query, &names, "MIDI output")?;
            let conn = o
                .connect(&ports[k], "click")
                .map_err(|e| LiveError::PortBusy {
                    name: names[k].clone(),
                    reason: e.to_string(),
                })?;
            Ok(ClickOutput { conn })
        }

        /// Sends one MIDI message.
        pub fn send(&mut self, message: &[u8]) -> bool {
            self.conn.send(message).is_ok()
        }
    }
}

pub use io::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alsa_numbers_are_stripped() {
        assert_eq!(stable_name("TD-17:TD-17 MIDI 1 20:0"), "TD-17:TD-17 MIDI 1");
        assert_eq!(
            stable_name("Midi Through:Midi Through Port-0 14:0"),
            "Midi Through:Midi Through Port-0"
        );
        assert_eq!(
            stable_name("a2j:TD-17 [20] (capture): TD-17 MIDI 1"),
            "a2j:TD-17 (capture): TD-17 MIDI 1"
        );
        assert_eq!(stable_name("pocket-test-lee:kit"), "pocket-test-lee:kit");
    }

    #[test]
    fn identical_kits_are_numbered() {
        let raw = vec![
            "TD-17:TD-17 MIDI 1 20:0".to_string(),
            "TD-17:TD-17 MIDI 1 24:0".to_string(),
            "DTX:DTX MIDI 1 28:0".to_string(),
        ];
        assert_eq!(
            stable_names(&raw),
            [
                "TD-17:TD-17 MIDI 1",
                "TD-17:TD-17 MIDI 1 #2",
                "DTX:DTX MIDI 1"
            ]
        );
    }

    #[test]
    fn ports_are_chosen_by_case_insensitive_substring() {
        let names = vec![
            "TD-17:TD-17 MIDI 1".to_string(),
            "DTX:DTX MIDI 1".to_string(),
        ];
        assert_eq!(choose("td-17", &names, "input").ok(), Some(0));
        let err = choose("MIDI", &names, "input").expect_err("two match");
        assert!(err.to_string().contains("DTX:DTX MIDI 1"), "{err}");
        let err = choose("Nitro", &names, "input").expect_err("none match");
        let text = err.to_string();
        assert!(
            text.contains("TD-17:TD-17 MIDI 1") && text.contains("Nitro"),
            "{text}"
        );
    }
}
