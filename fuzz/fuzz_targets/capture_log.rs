//! The capture log reader over a byte slice, then every player's take through the kit stage.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pocket::internals::readers::capture_log::read_capture_from;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(cap) = read_capture_from(data, Path::new("fuzz.jsonl")) {
        let _ = cap.warnings();
        let _ = cap.effective_time_zero();
        for i in 0..cap.header.players.len() {
            pocket_fuzz::exercise_events(&cap.events_for_player(i));
        }
    }
});
