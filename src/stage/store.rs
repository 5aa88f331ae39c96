//! The session so far: every stored event as its Server-Sent-Events frame, numbered from 1, so
//! that each new connection (and each reconnection, from its `Last-Event-ID`) replays from the
//! start; and the report once the session has ended.
//!
//! Connection threads wait on a condition variable for events after their own position; a slow
//! reader only falls behind in its own position, never holds the lock while writing, and never
//! slows the thread that adds events.

use super::event::Event;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Frames a connection takes from the store at once.
const BATCH: usize = 512;

/// The events so far and the report.
#[derive(Debug, Default)]
pub struct Store {
    inner: Mutex<Inner>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct Inner {
    /// `id: N\ndata: JSON\n\n`, id = index + 1.
    frames: Vec<Arc<str>>,
    /// Id of the `end` event, once sent.
    end_id: Option<u64>,
    report_json: Option<Arc<str>>,
    report_html: Option<Arc<str>>,
    /// `/events` connections that have not yet received the `end` event.
    waiting_for_end: usize,
    /// `/events` connections so far.
    clients_seen: usize,
    /// The server is shutting down: connections stop.
    closing: bool,
    /// The instant of chart time zero and the replay speed, once known.
    zero: Option<(Instant, f64)>,
}

/// What a connection gets when it asks for the events after its position.
#[derive(Debug)]
pub struct Batch {
    /// The frames, in order.
    pub frames: Vec<Arc<str>>,
    /// Id of the last frame (the new position).
    pub last_id: u64,
    /// Whether the last frame is the `end` event.
    pub ends: bool,
    /// Whether the store is closing.
    pub closing: bool,
}

impl Store {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A connection thread that panicked leaves the data intact: keep serving it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds an event; returns its id.
    pub fn push(&self, event: &Event) -> u64 {
        let json = event.to_json();
        let mut inner = self.lock();
        let id = inner.frames.len() as u64 + 1;
        inner
            .frames
            .push(Arc::from(format!("id: {id}\ndata: {json}\n\n")));
        if matches!(event, Event::End(_)) {
            inner.end_id = Some(id);
        }
        drop(inner);
        self.changed.notify_all();
        id
    }

    /// Stored events so far.
    pub fn len(&self) -> u64 {
        self.lock().frames.len() as u64
    }

    /// Whether nothing is stored yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the `end` event has been stored.
    pub fn ended(&self) -> bool {
        self.lock().end_id.is_some()
    }

    /// The frames after id `after` (at most a batch), waiting up to `wait` for one.
    pub fn after(&self, after: u64, wait: Duration) -> Batch {
        let deadline = Instant::now() + wait;
        let mut inner = self.lock();
        while inner.frames.len() as u64 <= after && !inner.closing {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            inner = self
                .changed
                .wait_timeout(inner, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        let start = (after as usize).min(inner.frames.len());
        let end = inner.frames.len().min(start + BATCH);
        let last_id = end as u64;
        Batch {
            frames: inner.frames[start..end].to_vec(),
            last_id: last_id.max(after),
            ends: end > start && inner.end_id == Some(last_id),
            closing: inner.closing,
        }
    }

    /// Keeps the report for `/report.json` and `/report.html`.
    pub fn set_report(&self, json: String, html: Option<String>) {
        let mut inner = self.lock();
        inner.report_json = Some(Arc::from(json));
        inner.report_html = html.map(Arc::from);
    }

    /// The report's JSON, once the session has ended with one.
    pub fn report_json(&self) -> Option<Arc<str>> {
        self.lock().report_json.clone()
    }

    /// The report's page, once the session has ended with one.
    pub fn report_html(&self) -> Option<Arc<str>> {
        self.lock().report_html.clone()
    }

    /// An `/events` connection starts: it waits for the `end` event.
    pub fn client_waits(&self) {
        let mut inner = self.lock();
        inner.waiting_for_end += 1;
        inner.clients_seen += 1;
    }

    /// Whether any `/events` connection was ever made.
    pub fn had_clients(&self) -> bool {
        self.lock().clients_seen > 0
    }

    /// An `/events` connection received the `end` event or went away.
    pub fn client_done(&self) {
        let mut inner = self.lock();
        inner.waiting_for_end = inner.waiting_for_end.saturating_sub(1);
        drop(inner);
        self.changed.notify_all();
    }

    /// Waits until every connected `/events` client has the `end` event (or went away), at most
    /// `limit`; returns whether they all did.
    pub fn wait_clients_done(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut inner = self.lock();
        while inner.waiting_for_end > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            inner = self
                .changed
                .wait_timeout(inner, left.min(Duration::from_millis(50)))
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        true
    }

    /// Chart time zero is at `at`; chart time runs `speed` times as fast as the wall clock.
    pub fn set_zero(&self, at: Instant, speed: f64) {
        self.lock().zero = Some((at, speed));
    }

    /// The chart time now, ms, once time zero is known.
    pub fn clock_ms(&self) -> Option<f64> {
        let (zero, speed) = self.lock().zero?;
        let now = Instant::now();
        let real_ms = if now >= zero {
            (now - zero).as_secs_f64() * 1000.0
        } else {
            -(zero - now).as_secs_f64() * 1000.0
        };
        Some((real_ms * speed * 1000.0).round() / 1000.0)
    }

    /// The replay speed, once known.
    pub fn speed(&self) -> f64 {
        self.lock().zero.map_or(1.0, |z| z.1)
    }

    /// Wakes every waiting connection to stop.
    pub fn close(&self) {
        self.lock().closing = true;
        self.changed.notify_all();
    }

    /// Whether the store is closing.
    pub fn is_closing(&self) -> bool {
        self.lock().closing
    }
}

#[cfg(test)]
mod tests {
    use super::super::event::{BehindEvent, EndEvent};
    use super::*;

    fn behind(n: u64) -> Event {
        Event::Behind(BehindEvent { lost: n })
    }

    #[test]
    fn a_reader_resumes_after_its_last_id_and_sees_the_end() {
        let store = Store::default();
        for n in 1..=3 {
            assert_eq!(store.push(&behind(n)), n);
        }
        let b = store.after(1, Duration::ZERO);
        assert_eq!(b.frames.len(), 2);
        assert!(b.frames[0].starts_with("id: 2\ndata: {\"type\":\"behind\",\"lost\":2}\n\n"));
        assert_eq!((b.last_id, b.ends), (3, false));
        store.push(&Event::End(EndEvent {
            reason: "chart_end".into(),
            report: false,
            players: Vec::new(),
        }));
        let b = store.after(3, Duration::ZERO);
        assert_eq!((b.frames.len(), b.last_id, b.ends), (1, 4, true));
        // Nothing after the end: the wait times out empty.
        let b = store.after(4, Duration::from_millis(5));
        assert!(b.frames.is_empty() && b.last_id == 4 && !b.ends);
    }

    #[test]
    fn a_waiting_reader_wakes_when_an_event_arrives() {
        let store = Arc::new(Store::default());
        let s = Arc::clone(&store);
        let t = std::thread::spawn(move || s.after(0, Duration::from_secs(10)));
        std::thread::sleep(Duration::from_millis(20));
        store.push(&behind(1));
        let b = t.join().expect("reader");
        assert_eq!(b.frames.len(), 1);
    }
}
