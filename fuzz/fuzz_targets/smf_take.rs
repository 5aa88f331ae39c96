//! The SMF take reader (every event, then one track and one channel), then the kit stage.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pocket::formats::smf::{SmfTakeOptions, TakeSelector};
use pocket::internals::readers::smf::read_events_bytes;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.mid");
    let all = SmfTakeOptions {
        selector: TakeSelector::default(),
        port: 0,
    };
    if let Ok(ev) = read_events_bytes(path, data, &all) {
        pocket_fuzz::exercise_events(&ev.events);
    }
    let one = SmfTakeOptions {
        selector: TakeSelector {
            track: Some(1),
            channel: Some(10),
        },
        port: 1,
    };
    let _ = read_events_bytes(path, data, &one);
});
