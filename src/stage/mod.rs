//! The stage: a live view of a session in the browser, for the players and their audience.
//!
//! `pocket live|record|demo --serve` starts a small HTTP server; the page it serves draws both
//! players' highways from a stream of events (Server-Sent Events) and, at the end, shows the
//! session's HTML report. docs/stage.md describes the routes, the event contract and what the
//! server exposes.
//!
//! | step | file | thread |
//! |---|---|---|
//! | live judgement -> bounded channel (`try_send`, never waits) | [`feed`] ([`Feed`]) | the consumer |
//! | judgements -> events (hits, misses, sections, who is ahead); final judgements at the end | [`feed`] ([`Stage`]) | the stage's feeder |
//! | the session so far, for every new connection | [`store`] | any |
//! | HTTP: the page, `/events`, the report | [`server`] | one per connection |
//! | the event format (wire, with its JSON Schema) | [`event`] | — |
//!
//! The capture comes first: the consumer only ever `try_send`s into the feed, and a full feed
//! loses stage events only (counted, announced with a `behind` event, and made good by the
//! `end` event's final judgements).

pub mod event;
pub mod feed;
pub mod server;
pub mod store;

pub use event::Event;
pub use feed::{Feed, Stage, StageStart};
pub use server::{Server, StageError, DEFAULT_ADDR, DEFAULT_PORT, MAX_CONNECTIONS};

/// Reads a `--serve` address: `HOST:PORT`, `[IPV6]:PORT`, a bare `PORT` (on loopback) or a
/// bare IP address (on [`DEFAULT_PORT`]).
pub fn parse_addr(text: &str) -> Option<std::net::SocketAddr> {
    use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
    let t = text.trim();
    if let Ok(port) = t.parse::<u16>() {
        return Some(SocketAddr::new(DEFAULT_ADDR.ip(), port));
    }
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Some(SocketAddr::new(ip, DEFAULT_PORT));
    }
    if let Ok(addr) = t.parse::<SocketAddr>() {
        return Some(addr);
    }
    // A host name (`localhost:8471`).
    t.to_socket_addrs().ok()?.next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_addresses() {
        assert_eq!(parse_addr("9000"), "127.0.0.1:9000".parse().ok());
        assert_eq!(parse_addr("0.0.0.0"), "0.0.0.0:8471".parse().ok());
        assert_eq!(parse_addr("192.168.1.5:80"), "192.168.1.5:80".parse().ok());
        assert_eq!(parse_addr("[::1]:81"), "[::1]:81".parse().ok());
        assert_eq!(parse_addr("not an address"), None);
    }
}
