//! The live path's handling of MIDI bytes as a backend delivers them: whole messages, packets
//! holding several messages, realtime bytes (0xF8, 0xFE) anywhere, SysEx, truncated messages.
//! Each message goes through the callback ring (push, pop), becomes a `RawEvent`, is decoded,
//! and the events go through the kit stage into a take and the scorer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pocket::event::RawEvent;
use pocket::formats::capture_log::MAX_MESSAGE_BYTES;
use pocket::internals::live::CaptureClock;
use pocket::internals::live::{ring, Stamp};
use pocket::time::Nanos;

fuzz_target!(|data: &[u8]| {
    let messages = pocket_fuzz::split_messages(data);
    let (mut tx, mut rx) = ring(1 << 12, CaptureClock::start());
    let mut buf = vec![0u8; MAX_MESSAGE_BYTES];
    let mut events = Vec::new();
    let mut pushed = 0usize;
    for (i, m) in messages.iter().enumerate() {
        // Times step by 1 ms per message, with a jolt backwards now and then as a
        // reconnected port would give.
        let t = Nanos::from_millis(i as i64 - if i % 97 == 96 { 50 } else { 0 });
        if tx.push_at(i as u64 * 1000, t, m) {
            pushed += 1;
        }
        while let Some(r) = rx.pop(&mut buf) {
            let bytes = &buf[..r.len];
            let Stamp::Backend { now, .. } = r.stamp else {
                panic!("a backend push comes out stamped as one: {:?}", r.stamp);
            };
            let ev = RawEvent::new(now, (i % 2) as u16, bytes);
            let _ = ev.decode();
            events.push(ev);
        }
    }
    assert_eq!(events.len(), pushed, "every queued message comes out");
    let lost = rx.take_lost() as usize;
    assert_eq!(
        lost + pushed,
        messages.len(),
        "every message is queued or counted"
    );
    pocket_fuzz::exercise_events(&events);
});
