//! Stable names of MIDI ports, choosing a port by part of its name, and the thread that polls
//! a backend's ports: plain parts shared by every backend.
//!
//! Stable names: ALSA appends the sequencer's `client:port` numbers to port names
//! (`TD-17:TD-17 MIDI 1 20:0`) and a2jmidid puts the client number in brackets
//! (`a2j:TD-17 [20] (capture): TD-17 MIDI 1`). Those numbers change across reboots and replugs,
//! so pocket strips them. Two kits of the same model get the same name; the second and third
//! are told apart by ` #2`, ` #3` in the order the system lists them.

use super::LiveError;

/// How often the port lists are polled for unplugged and returning kits.
pub const POLL_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// A thread that watches a backend's ports until it is told to stop (on [`Watcher::close`] or
/// drop, which wait for it).
#[cfg(any(feature = "jack", feature = "midi-io"))]
pub struct Watcher {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[cfg(any(feature = "jack", feature = "midi-io"))]
impl Watcher {
    /// Starts `body` on a thread named `name`; `body` runs until the flag it is given is set.
    pub fn spawn(
        name: &str,
        body: impl FnOnce(std::sync::Arc<std::sync::atomic::AtomicBool>) + Send + 'static,
    ) -> Result<Watcher, LiveError> {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || body(flag))
            .map_err(|e| LiveError::NoMidiSystem(format!("cannot start a thread: {e}")))?;
        Ok(Watcher {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the thread and waits for it.
    pub fn close(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(any(feature = "jack", feature = "midi-io"))]
impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop_now();
    }
}

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
