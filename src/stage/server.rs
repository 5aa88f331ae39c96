//! The HTTP server: HTTP/1.1 on std's `TcpListener`, one thread per connection up to
//! [`MAX_CONNECTIONS`], fixed routes only (`/`, `/events`, `/report.json`, `/report.html`),
//! requests of at most [`MAX_REQUEST_BYTES`], every connection closed after its response.
//!
//! Nothing here touches the capture: connection threads read the [`Store`] at their own pace,
//! and a write that blocks longer than [`WRITE_TIMEOUT`] drops that connection only (a browser
//! reconnects and resumes from its `Last-Event-ID`).

use super::event::{ClockEvent, Event};
use super::feed::Stage;
use super::store::Store;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The port the stage listens on when none is given.
pub const DEFAULT_PORT: u16 = 8471;
/// The address the stage listens on when none is given: loopback only.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), DEFAULT_PORT);
/// Connections served at once; more are answered `503` and closed.
pub const MAX_CONNECTIONS: usize = 64;
/// Largest request (request line and headers); larger ones are answered `431`.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024;
/// How long a client may take to send its request (`408` after).
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one write to a client may block before the connection is dropped.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// A clock event goes to each `/events` client after this long without events.
pub const KEEPALIVE: Duration = Duration::from_secs(1);
/// How long closing waits for connected clients to receive the `end` event.
pub const END_DELIVERY_LIMIT: Duration = Duration::from_secs(10);
/// After the clients have the `end` event, how long the page has to fetch the report before the
/// server stops (when any page was connected).
pub const REPORT_GRACE: Duration = Duration::from_secs(2);

const PAGE: &str = include_str!("page.html");

/// Why the stage cannot serve.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// The address cannot be listened on.
    #[error("cannot listen on {addr} for the stage (another program may be using the port): choose another address or port")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

/// A running stage server.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stage: Stage,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Listens on `addr` (port 0: any free port) and starts serving.
    pub fn bind(addr: SocketAddr) -> Result<Server, StageError> {
        let listener =
            TcpListener::bind(addr).map_err(|source| StageError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| StageError::Bind { addr, source })?;
        let stage = Stage::new(Arc::new(Store::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let store = Arc::clone(stage.store());
        let stop_accept = Arc::clone(&stop);
        let accept = std::thread::Builder::new()
            .name("pocket-stage".into())
            .spawn(move || accept_loop(listener, store, local, &stop_accept))
            .map_err(|source| StageError::Bind { addr, source })?;
        Ok(Server {
            addr: local,
            stage,
            stop,
            accept: Some(accept),
        })
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The page's URL.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The stage the session feeds.
    pub fn stage(&self) -> Stage {
        self.stage.clone()
    }

    /// Ends the stage: sends `end` (reason `failed`) if the session did not, waits until the
    /// connected clients have it (at most [`END_DELIVERY_LIMIT`]) and have had
    /// [`REPORT_GRACE`] to fetch the report, keeps serving for `linger`, then stops.
    pub fn close(mut self, linger: Duration) {
        self.stage.end("failed", None, None);
        let store = self.stage.store();
        store.wait_clients_done(END_DELIVERY_LIMIT);
        let grace = if store.had_clients() {
            REPORT_GRACE
        } else {
            Duration::ZERO
        };
        std::thread::sleep(grace + linger);
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.stage.store().close();
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&wake_addr(self.addr), Duration::from_millis(200));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.accept.is_some() {
            self.shutdown();
        }
    }
}

/// Where to connect to reach a listener on `addr` (an unspecified address is reached on
/// loopback).
fn wake_addr(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(v) if v.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v) if v.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// Counts a connection thread while it lives.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn accept_loop(listener: TcpListener, store: Arc<Store>, local: SocketAddr, stop: &AtomicBool) {
    let active = Arc::new(AtomicUsize::new(0));
    let loopback = local.ip().is_loopback();
    for conn in listener.incoming() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let Ok(mut stream) = conn else {
            // Out of descriptors, or a connection reset before it was accepted: go on.
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
        if active.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::AcqRel);
            // Answered at once, without waiting for the request: the accept loop never waits.
            let body = b"busy: too many connections\n";
            let mut out = head(503, "text/plain", &[], Some(body.len())).into_bytes();
            out.extend_from_slice(body);
            let _ = stream.write_all(&out);
            // Take what the client already sent, without waiting, so that the close does not
            // reset the connection before the answer is read.
            let _ = stream.set_nonblocking(true);
            let mut sink = [0u8; 4096];
            let _ = stream.read(&mut sink);
            let _ = stream.shutdown(Shutdown::Write);
            continue;
        }
        let slot = Slot(Arc::clone(&active));
        let store = Arc::clone(&store);
        let spawned = std::thread::Builder::new()
            .name("pocket-stage-conn".into())
            .stack_size(128 * 1024)
            .spawn(move || {
                let _slot = slot;
                serve(stream, &store, loopback);
            });
        if spawned.is_err() {
            // The slot went down with the closure; the stream too (closed unanswered).
            continue;
        }
    }
}

/// A parsed request: the path, the query, and `Last-Event-ID`.
#[derive(Debug, PartialEq)]
struct Request {
    path: String,
    last_event_id: Option<u64>,
}

/// Why a request is refused: status and reason.
#[derive(Debug, PartialEq)]
struct Refusal(u16, &'static str);

fn read_request(stream: &mut TcpStream) -> Result<Vec<u8>, Refusal> {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let started = Instant::now();
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            buf.truncate(end);
            return Ok(buf);
        }
        if buf.len() > MAX_REQUEST_BYTES {
            return Err(Refusal(431, "the request's headers are too large\n"));
        }
        if started.elapsed() > READ_TIMEOUT {
            return Err(Refusal(408, "the request took too long\n"));
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err(Refusal(400, "the request ended early\n")),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(Refusal(408, "the request took too long\n"))
            }
            Err(_) => return Err(Refusal(400, "the request could not be read\n")),
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Parses a request head (without the blank line).
fn parse_request(head: &[u8], loopback: bool) -> Result<Request, Refusal> {
    let text = std::str::from_utf8(head).map_err(|_| Refusal(400, "the request is not text\n"))?;
    let mut lines = text.split("\r\n");
    let line = lines.next().unwrap_or_default();
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal(400, "malformed request line\n"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(Refusal(505, "HTTP/1.x only\n"));
    }
    if method != "GET" {
        return Err(Refusal(405, "only GET is served\n"));
    }
    let mut last_event_id = None;
    let mut host = None;
    for h in lines {
        let Some((name, value)) = h.split_once(':') else {
            return Err(Refusal(400, "malformed header\n"));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" if value != "0" => {
                return Err(Refusal(413, "requests carry no body\n"))
            }
            "transfer-encoding" => return Err(Refusal(413, "requests carry no body\n")),
            "last-event-id" => last_event_id = value.parse().ok(),
            "host" => host = Some(value.to_ascii_lowercase()),
            _ => {}
        }
    }
    // Served on loopback, the page is only for this machine: a name that resolves here from
    // elsewhere (DNS rebinding) is refused.
    if loopback {
        let name = host
            .as_deref()
            .map(|h| match h.rsplit_once(':') {
                Some((n, port)) if port.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => h,
            })
            .unwrap_or("");
        if !matches!(name, "localhost" | "127.0.0.1" | "[::1]") {
            return Err(Refusal(421, "this stage answers to localhost only\n"));
        }
    }
    let path = target.split_once('?').map_or(target, |(p, _)| p);
    Ok(Request {
        path: path.to_string(),
        last_event_id,
    })
}

const PAGE_CSP: &str = "default-src 'none'; script-src 'nonce-{N}'; style-src 'nonce-{N}'; \
     connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";
const REPORT_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'self'";
const NONE_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

fn serve(mut stream: TcpStream, store: &Store, loopback: bool) {
    let req = read_request(&mut stream).and_then(|head| parse_request(&head, loopback));
    let req = match req {
        Ok(r) => r,
        Err(Refusal(status, why)) => {
            let _ = respond(&mut stream, status, "text/plain", &[], why.as_bytes());
            return;
        }
    };
    let _ = match req.path.as_str() {
        "/" => {
            let nonce = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
            let page = PAGE.replace("{{NONCE}}", &nonce);
            let csp = PAGE_CSP.replace("{N}", &nonce);
            respond(
                &mut stream,
                200,
                "text/html; charset=utf-8",
                &[("Content-Security-Policy", &csp)],
                page.as_bytes(),
            )
        }
        "/events" => {
            events(stream, store, req.last_event_id.unwrap_or(0));
            return;
        }
        "/report.json" => match store.report_json() {
            Some(json) => respond(
                &mut stream,
                200,
                "application/json",
                &[("Content-Security-Policy", NONE_CSP)],
                json.as_bytes(),
            ),
            None => not_yet(&mut stream),
        },
        "/report.html" => match store.report_html() {
            Some(html) => respond(
                &mut stream,
                200,
                "text/html; charset=utf-8",
                &[("Content-Security-Policy", REPORT_CSP)],
                html.as_bytes(),
            ),
            None => not_yet(&mut stream),
        },
        _ => respond(
            &mut stream,
            404,
            "text/plain",
            &[],
            b"not found: the stage serves /, /events, /report.json and /report.html\n",
        ),
    };
}

fn not_yet(stream: &mut TcpStream) -> std::io::Result<()> {
    respond(
        stream,
        404,
        "text/plain",
        &[],
        b"no report yet: it is served once the session has ended with one\n",
    )
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    }
}

fn head(status: u16, content_type: &str, extra: &[(&str, &str)], len: Option<usize>) -> String {
    let mut h = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nCache-Control: no-store\r\n\
         X-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n",
        reason(status)
    );
    if status == 405 {
        h.push_str("Allow: GET\r\n");
    }
    if let Some(n) = len {
        h.push_str(&format!("Content-Length: {n}\r\n"));
    }
    for (k, v) in extra {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("\r\n");
    h
}

fn respond(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    extra: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut out = head(status, content_type, extra, Some(body.len())).into_bytes();
    out.extend_from_slice(body);
    stream.write_all(&out)?;
    stream.flush()?;
    // Let the client read the answer before the close (the unread rest of a large request
    // would otherwise reset the connection).
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut sink = [0u8; 1024];
    let until = Instant::now() + Duration::from_millis(500);
    while Instant::now() < until {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    Ok(())
}

/// Marks an `/events` client done when it ends, whichever way.
struct Waiting<'a>(&'a Store);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.client_done();
    }
}

fn clock_frame(store: &Store) -> String {
    let e = Event::Clock(ClockEvent {
        t_ms: store.clock_ms(),
        speed: store.speed(),
    });
    format!("data: {}\n\n", e.to_json())
}

/// The stream: the stored events after `after`, then each new one, until `end`.
fn events(mut stream: TcpStream, store: &Store, mut after: u64) {
    store.client_waits();
    let _waiting = Waiting(store);
    let mut first = head(200, "text/event-stream; charset=utf-8", &[], None);
    first.push_str("retry: 1000\n\n");
    first.push_str(&clock_frame(store));
    if stream.write_all(first.as_bytes()).is_err() {
        return;
    }
    loop {
        let batch = store.after(after, KEEPALIVE);
        if batch.closing && batch.frames.is_empty() {
            break;
        }
        let mut out = String::new();
        if batch.frames.is_empty() {
            out = clock_frame(store);
        }
        for f in &batch.frames {
            out.push_str(f);
        }
        if stream.write_all(out.as_bytes()).is_err() {
            return;
        }
        after = batch.last_id;
        if batch.ends {
            break;
        }
    }
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Request, Refusal> {
        parse_request(text.as_bytes(), true)
    }

    #[test]
    fn requests_are_parsed_strictly() {
        let r = parse("GET /events?x=1 HTTP/1.1\r\nHost: localhost:8471\r\nLast-Event-ID: 42")
            .expect("valid");
        assert_eq!(
            r,
            Request {
                path: "/events".into(),
                last_event_id: Some(42)
            }
        );
        assert_eq!(
            parse("POST / HTTP/1.1\r\nHost: localhost").map(|_| ()),
            Err(Refusal(405, "only GET is served\n"))
        );
        assert_eq!(
            parse("GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5")
                .map_err(|r| r.0)
                .err(),
            Some(413)
        );
        assert_eq!(
            parse("GET / HTTP/1.1\r\nHost: evil.example")
                .map_err(|r| r.0)
                .err(),
            Some(421)
        );
        assert_eq!(parse("GET /").map_err(|r| r.0).err(), Some(400));
        // Off loopback any host name is fine.
        assert!(parse_request(b"GET / HTTP/1.1\r\nHost: stage.lan", false).is_ok());
    }
}
