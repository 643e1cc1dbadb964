//! Virtual-time scenario tests for the transaction layer (RFC 3261 §17, RFC 6026): a base
//! `Instant` is taken once and time advances by jumping to `poll_timeout()`, so a 32-second
//! Timer B run takes microseconds. Messages are written as text and parsed.

pub(super) use crate::sip::test_clock as clock;

mod client;
mod layer;
mod server;

use super::TransportKind;
use super::{Peer, TimerConfig, TransactionEvent, TransactionId, TransactionLayer, Transmit};
use crate::sip::{Message, Request, Response, parse_datagram};
use std::time::{Duration, Instant};

/// The far end used by every test.
const REMOTE: &str = "192.0.2.10:5060";

fn peer(transport: TransportKind) -> Peer {
    Peer {
        transport,
        addr: REMOTE.parse().unwrap(),
    }
}

fn udp() -> Peer {
    peer(TransportKind::Udp)
}

fn tcp() -> Peer {
    peer(TransportKind::Tcp)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Parses `text`, written with `\n` line ends.
fn message(text: &str) -> Message {
    parse_datagram(text.replace('\n', "\r\n").as_bytes()).unwrap()
}

/// A request `method` with top Via branch `branch`, CSeq `seq`, To tag `to_tag` (empty for
/// none), from the host the tests' peer stands for.
fn request_with(method: &str, branch: &str, seq: u32, to_tag: &str) -> Request {
    let to_tag = if to_tag.is_empty() {
        String::new()
    } else {
        format!(";tag={to_tag}")
    };
    let text = format!(
        "{method} sip:bob@example.com SIP/2.0\n\
         Via: SIP/2.0/UDP {REMOTE};branch={branch}\n\
         Route: <sip:proxy.example.com;lr>\n\
         Max-Forwards: 70\n\
         From: Alice <sip:alice@example.com>;tag=a1\n\
         To: Bob <sip:bob@example.com>{to_tag}\n\
         Call-ID: call-{branch}\n\
         CSeq: {seq} {method}\n\
         Content-Length: 0\n\n"
    );
    match message(&text) {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!(),
    }
}

fn request(method: &str, branch: &str) -> Request {
    request_with(method, branch, 1, "")
}

/// A response `status` to `req` with To tag `to_tag` (empty for none).
fn response_to(req: &Request, status: u16, to_tag: &str) -> Response {
    let mut text = format!("SIP/2.0 {status} Whatever\n");
    for h in req.headers.iter() {
        use crate::sip::HeaderName as H;
        if matches!(h.name, H::Via | H::From | H::CallId | H::CSeq) {
            text.push_str(&format!("{}: {}\n", h.name, h.value));
        } else if *h.name == H::To {
            let tag = if to_tag.is_empty() {
                String::new()
            } else {
                format!(";tag={to_tag}")
            };
            text.push_str(&format!("To: {}{tag}\n", h.value));
        }
    }
    text.push_str("Content-Length: 0\n\n");
    match message(&text) {
        Message::Response(r) => r,
        Message::Request(_) => unreachable!(),
    }
}

/// A transaction layer on virtual time, recording every output with the time it came out.
struct Harness {
    layer: TransactionLayer,
    base: Instant,
    now: Instant,
    transmits: Vec<(Duration, Transmit)>,
    events: Vec<(Duration, TransactionEvent)>,
}

impl Harness {
    fn new() -> Harness {
        let base = clock::origin();
        Harness {
            layer: TransactionLayer::new(TimerConfig::default()),
            base,
            now: base,
            transmits: Vec::new(),
            events: Vec::new(),
        }
    }

    fn elapsed(&self) -> Duration {
        self.now - self.base
    }

    /// Drains both output queues (STYLE.md habit 2: after every input).
    fn drain(&mut self) {
        let at = self.elapsed();
        while let Some(t) = self.layer.poll_transmit() {
            self.transmits.push((at, t));
        }
        while let Some(e) = self.layer.poll_event() {
            self.events.push((at, e));
        }
    }

    /// Jumps from deadline to deadline up to `base + until`, then to `base + until`.
    fn run_until(&mut self, until: Duration) {
        let end = self.base + until;
        while let Some(at) = self.layer.poll_timeout().filter(|at| *at <= end) {
            assert!(at >= self.now, "poll_timeout went back in time");
            self.now = at;
            self.layer.handle_timeout(at);
            self.drain();
        }
        self.now = self.now.max(end);
    }

    /// Runs until no timer is left (bounded, so a bug cannot hang the test).
    fn run_to_end(&mut self) {
        for _ in 0..100_000 {
            let Some(at) = self.layer.poll_timeout() else {
                return;
            };
            self.now = at;
            self.layer.handle_timeout(at);
            self.drain();
        }
        panic!("timers never ran out");
    }

    fn send(&mut self, request: Request, to: Peer) -> TransactionId {
        let id = self.layer.send_request(self.now, request, to).unwrap();
        self.drain();
        id
    }

    fn answer(&mut self, id: TransactionId, response: Response) {
        self.layer.send_response(self.now, id, response).unwrap();
        self.drain();
    }

    fn receive(&mut self, message: impl Into<Message>, from: Peer) {
        self.layer.handle_message(self.now, message.into(), from);
        self.drain();
    }

    fn take_transmits(&mut self) -> Vec<(Duration, Transmit)> {
        std::mem::take(&mut self.transmits)
    }

    fn take_events(&mut self) -> Vec<(Duration, TransactionEvent)> {
        std::mem::take(&mut self.events)
    }

    /// The times of the transmits so far, emptying the record.
    fn transmit_times(&mut self) -> Vec<Duration> {
        self.take_transmits().into_iter().map(|(t, _)| t).collect()
    }

    /// The id of the last `Request` event (a new server transaction).
    fn last_server_id(&self) -> TransactionId {
        self.events
            .iter()
            .rev()
            .find_map(|(_, e)| match e {
                TransactionEvent::Request { id, .. } => Some(*id),
                _ => None,
            })
            .unwrap()
    }
}

/// The status of a transmitted response, or `None` for a request.
fn status_of(t: &Transmit) -> Option<u16> {
    t.message.as_response().map(|r| r.status.as_u16())
}

/// The method of a transmitted request.
fn method_of(t: &Transmit) -> Option<&str> {
    t.message.as_request().map(|r| r.method.as_str())
}
