//! The UA core driven by a fuzz-chosen sequence of operations on virtual time: datagrams built
//! from templates (responses to what the core sent, new and in-dialog requests of every method
//! it knows, with fuzz-chosen status codes, tags, CSeq numbers, branches and bodies), raw
//! datagrams, clock jumps, and the call API (dial, answer, reject, hangup, hold, resume).
//! After every step the outputs are drained, as the engine does.
//!
//! Checked: no panic; no timer that stays due after `handle_timeout` (a spin); and, once the
//! input ends, every call hung up and the account removed, that ten minutes of silence leave
//! nothing behind (no call, no transaction). `TINCAN_FUZZ_UA_LENIENT=1` skips that last
//! check (to hunt panics only); `TINCAN_FUZZ_UA_TRACE=1` prints every message and event, to
//! read a crash input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::VecDeque;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tincan::sip::call::{CallEvent, CallId};
use tincan::sip::digest::DigestCredentials;
use tincan::sip::offer_answer::{Codec, LocalMedia};
use tincan::sip::registration::RegistrationConfig;
use tincan::sip::transaction::{Peer, TimerConfig, TransportKind};
use tincan::sip::ua::{AccountConfig, AccountId, UaConfig, UaEvent, UserAgent};
use tincan::sip::{Message, Request, SipUri, Uri};

const LOCAL: &str = "192.0.2.1:5060";
/// The far end of every call and request.
const REMOTE: &str = "192.0.2.9:5060";
const REGISTRAR: &str = "192.0.2.5:5060";
const ACCOUNT: AccountId = AccountId(1);
/// Operations per input; longer inputs are cut.
const MAX_OPS: usize = 200;
/// Consecutive wake-ups at one instant before a timer counts as spinning.
const MAX_SAME_INSTANT: usize = 1000;

fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// `TINCAN_FUZZ_UA_TRACE=1` prints every message and event (to read a crash input).
fn trace() -> bool {
    static TRACE: OnceLock<bool> = OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("TINCAN_FUZZ_UA_TRACE").is_some())
}

fn strict() -> bool {
    static STRICT: OnceLock<bool> = OnceLock::new();
    *STRICT.get_or_init(|| std::env::var_os("TINCAN_FUZZ_UA_LENIENT").is_none())
}

fn udp(addr: &str) -> Peer {
    Peer {
        transport: TransportKind::Udp,
        addr: addr.parse().unwrap(),
    }
}

/// The fuzz input, read a byte at a time (zeros once it runs out).
struct Input<'a> {
    data: &'a [u8],
}

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        choices[usize::from(self.byte()) % choices.len()]
    }

    fn chance(&mut self, in_256: u8) -> bool {
        self.byte() < in_256
    }

    fn bytes(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }
}

/// A dialog (or would-be dialog) seen on the wire: Call-ID, the peer's tag, the core's tag.
#[derive(Clone)]
struct Leg {
    call_id: String,
    theirs: Option<String>,
    ours: Option<String>,
}

struct Harness {
    ua: UserAgent,
    now: Instant,
    /// Requests the core sent lately, with where they went.
    sent: VecDeque<(Request, Peer)>,
    legs: VecDeque<Leg>,
    calls: Vec<CallId>,
}

fn account() -> AccountConfig {
    AccountConfig {
        registration: RegistrationConfig {
            aor: SipUri::parse("sip:alice@example.com").unwrap(),
            registrar: SipUri::parse("sip:example.com").unwrap(),
            contact: SipUri::parse("sip:alice@192.0.2.1:5060").unwrap(),
            expires: 600,
            credentials: Some(DigestCredentials::new("alice", "secret")),
            outbound_proxy: None,
            user_agent: None,
        },
        registrar: Some(udp(REGISTRAR)),
        register: true,
    }
}

fn media(port: u16) -> LocalMedia {
    LocalMedia::new(
        "192.0.2.1".parse().unwrap(),
        port,
        vec![Codec::pcmu(), Codec::telephone_event()],
    )
}

const TAGS: [&str; 3] = ["t1", "t2", "t3"];
const DIRECTIONS: [&str; 4] = ["sendrecv", "sendonly", "recvonly", "inactive"];

fn sdp(input: &mut Input) -> String {
    let port = input.pick(&[4000u16, 0, 4002]);
    let dir = input.pick(&DIRECTIONS);
    let pt = input.pick(&["0 101", "8", "96", "0"]);
    format!(
        "v=0\r\no=peer 1 {} IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP {pt}\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:96 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\na={dir}\r\n",
        input.byte()
    )
}

/// A body and its Content-Type line (or none).
fn body(input: &mut Input) -> (String, String) {
    match input.byte() % 5 {
        0 | 1 => (String::new(), String::new()),
        2 | 3 => (sdp(input), "Content-Type: application/sdp\r\n".into()),
        _ => {
            let ct = input.pick(&["application/sdp", "text/plain", "application/unknown"]);
            let junk = String::from_utf8_lossy(input.bytes(24)).replace(['\r', '\n'], " ");
            (format!("{junk}\r\n"), format!("Content-Type: {ct}\r\n"))
        }
    }
}

fn with_length(mut head: String, body: &str) -> Vec<u8> {
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    head.into_bytes()
}

impl Harness {
    fn new() -> Self {
        let config = UaConfig {
            user_agent: "Tincan fuzz".into(),
            timers: TimerConfig::default(),
            local: vec![(TransportKind::Udp, LOCAL.parse().unwrap())],
        };
        let mut ua = UserAgent::new(config, [7; 32]);
        let now = origin();
        ua.add_account(now, ACCOUNT, account());
        let mut h = Harness {
            ua,
            now,
            sent: VecDeque::new(),
            legs: VecDeque::new(),
            calls: Vec::new(),
        };
        h.drain();
        h
    }

    fn remember_leg(&mut self, leg: Leg) {
        if self.legs.len() >= 8 {
            self.legs.pop_front();
        }
        self.legs.push_back(leg);
    }

    /// Drains every output, learning the requests, tags and calls it shows.
    fn drain(&mut self) {
        while let Some(t) = self.ua.poll_transmit() {
            if trace() {
                eprintln!(
                    "{:?} out to {}:\n{}",
                    self.now - origin(),
                    t.peer.addr,
                    t.message
                );
            }
            let h = t.message.headers();
            let call_id = h.call_id().map(|c| c.to_string()).unwrap_or_default();
            let from = h.from().ok().and_then(|f| f.tag().map(str::to_owned));
            let to = h.to().ok().and_then(|f| f.tag().map(str::to_owned));
            match t.message {
                Message::Request(r) => {
                    self.remember_leg(Leg {
                        call_id,
                        theirs: to,
                        ours: from,
                    });
                    if self.sent.len() >= 8 {
                        self.sent.pop_front();
                    }
                    self.sent.push_back((r, t.peer));
                }
                Message::Response(_) => self.remember_leg(Leg {
                    call_id,
                    theirs: from,
                    ours: to,
                }),
            }
        }
        while let Some(e) = self.ua.poll_event() {
            if trace() {
                eprintln!("{:?} event {e:?}", self.now - origin());
            }
            if let UaEvent::Call {
                call,
                event: CallEvent::Incoming { .. },
            } = e
            {
                self.calls.push(call);
            }
        }
    }

    fn call_id(&self, input: &mut Input) -> CallId {
        let n = input.byte();
        match n % 3 {
            0 if !self.calls.is_empty() => self.calls[usize::from(n / 3) % self.calls.len()],
            _ => CallId(u64::from(n % 4)),
        }
    }

    /// A response to one of the requests the core sent, with fuzz-chosen mutations.
    fn respond(&mut self, input: &mut Input) {
        if self.sent.is_empty() {
            return;
        }
        let i = usize::from(input.byte()) % self.sent.len();
        let (req, peer) = self.sent[i].clone();
        let h = &req.headers;
        let code = input.pick(&[
            100u16, 180, 183, 200, 200, 202, 302, 401, 407, 423, 480, 486, 487, 491, 500, 503, 603,
            699,
        ]);
        let mut text = format!("SIP/2.0 {code} Fuzz\r\n");
        for via in h.get_all(&tincan::sip::HeaderName::Via) {
            let via = if input.chance(16) {
                via.replace("z9hG4bK", "z9hG4bKx")
            } else {
                via.to_string()
            };
            text.push_str(&format!("Via: {via};received=192.0.2.1\r\n"));
        }
        if let Some(from) = h.get(&tincan::sip::HeaderName::From) {
            text.push_str(&format!("From: {from}\r\n"));
        }
        if let Some(to) = h.get(&tincan::sip::HeaderName::To) {
            let tag = match (to.contains("tag="), input.byte() % 4) {
                (true, _) | (false, 0) => String::new(),
                _ => format!(";tag={}", input.pick(&TAGS)),
            };
            text.push_str(&format!("To: {to}{tag}\r\n"));
        }
        if let Ok(call_id) = h.call_id() {
            let call_id = if input.chance(8) {
                "other@x".into()
            } else {
                call_id.to_string()
            };
            text.push_str(&format!("Call-ID: {call_id}\r\n"));
        }
        if let Ok(cseq) = h.cseq() {
            let seq = cseq
                .seq
                .wrapping_add(u32::from(input.pick(&[0u8, 0, 0, 1, 255])));
            text.push_str(&format!("CSeq: {seq} {}\r\n", cseq.method));
        }
        if input.chance(200) {
            text.push_str("Contact: <sip:bob@192.0.2.9:5060>\r\n");
        }
        if input.chance(40) {
            text.push_str("Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n");
        }
        match code {
            401 => text.push_str(
                "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n1\", qop=\"auth\"\r\n",
            ),
            407 => text.push_str(
                "Proxy-Authenticate: Digest realm=\"proxy\", nonce=\"n2\", algorithm=MD5\r\n",
            ),
            423 => text.push_str("Min-Expires: 1200\r\n"),
            503 => text.push_str("Retry-After: 5\r\n"),
            302 => text.push_str("Contact: <sip:carol@192.0.2.9:5060>\r\n"),
            _ => {}
        }
        if input.chance(20) {
            text.push_str("Expires: 0\r\n");
        }
        let (body, ct) = body(input);
        text.push_str(&ct);
        let data = with_length(text, &body);
        self.feed(&data, peer);
    }

    fn feed(&mut self, data: &[u8], from: Peer) {
        if trace() {
            let text = String::from_utf8_lossy(data);
            eprintln!("{:?} in from {}:\n{text}", self.now - origin(), from.addr);
        }
        self.ua.handle_datagram(self.now, data, from);
    }

    /// A request from the peer: new, or inside one of the legs seen so far.
    fn request(&mut self, input: &mut Input) {
        let method = input.pick(&[
            "INVITE", "INVITE", "ACK", "ACK", "BYE", "BYE", "CANCEL", "CANCEL", "OPTIONS",
            "REGISTER", "MESSAGE",
        ]);
        let leg = match (self.legs.is_empty(), input.byte() % 3) {
            (false, 0 | 1) => self.legs[usize::from(input.byte()) % self.legs.len()].clone(),
            _ => Leg {
                call_id: format!("c{}@192.0.2.9", input.byte() % 4),
                theirs: Some(format!("f{}", input.byte() % 3)),
                ours: match input.byte() % 3 {
                    0 => Some(input.pick(&TAGS).to_owned()),
                    _ => None,
                },
            },
        };
        let ours = if input.chance(40) { None } else { leg.ours };
        let branch = input.byte() % 6;
        let seq = input.pick(&[1u32, 1, 2, 3, 100, 2_147_483_647]);
        let cseq_method = if input.chance(10) { "OPTIONS" } else { method };
        let mut text = format!(
            "{method} sip:alice@192.0.2.1:5060 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKb{branch}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:bob@example.com>"
        );
        if let Some(t) = leg.theirs {
            text.push_str(&format!(";tag={t}"));
        }
        text.push_str("\r\nTo: <sip:alice@example.com>");
        if let Some(t) = ours {
            text.push_str(&format!(";tag={t}"));
        }
        text.push_str(&format!(
            "\r\nCall-ID: {}\r\nCSeq: {seq} {cseq_method}\r\n",
            leg.call_id
        ));
        if input.chance(220) {
            text.push_str("Contact: <sip:bob@192.0.2.9:5060>\r\n");
        }
        if input.chance(10) {
            text.push_str("Require: foo\r\n");
        }
        let (body, ct) = body(input);
        text.push_str(&ct);
        let data = with_length(text, &body);
        self.feed(&data, udp(REMOTE));
    }

    /// Runs the timers that are due at `at` (and keeps time monotonic).
    fn timeout(&mut self, at: Instant) {
        self.now = self.now.max(at);
        self.ua.handle_timeout(self.now);
        self.drain();
    }

    fn step(&mut self, input: &mut Input) {
        let now = self.now;
        match input.byte() % 14 {
            0..=2 => self.respond(input),
            3..=4 => self.request(input),
            5 => {
                let ms = input.pick(&[0u64, 1, 100, 500, 1_000, 4_000, 16_000, 32_000, 64_000]);
                self.timeout(now + Duration::from_millis(ms));
            }
            6 => {
                if let Some(at) = self.ua.poll_timeout() {
                    self.timeout(at);
                }
            }
            7 => {
                let id = CallId(u64::from(input.byte() % 4));
                let account = input.chance(128).then_some(ACCOUNT);
                let target = Uri::parse("sip:bob@192.0.2.9:5060").unwrap();
                let _ = self
                    .ua
                    .dial(now, id, account, target, udp(REMOTE), media(40000));
            }
            8 => {
                let id = self.call_id(input);
                let _ = self.ua.answer(now, id, media(40002));
            }
            9 => {
                let id = self.call_id(input);
                let _ = self.ua.hangup(now, id);
            }
            10 => {
                let id = self.call_id(input);
                let code = input.pick(&[486u16, 603, 480, 488, 404]);
                let _ = self.ua.reject(now, id, code);
            }
            11 => {
                let id = self.call_id(input);
                let _ = if input.chance(128) {
                    self.ua.hold(now, id)
                } else {
                    self.ua.resume(now, id)
                };
            }
            12 => match input.byte() % 3 {
                0 => self.ua.remove_account(now, ACCOUNT),
                1 => self.ua.add_account(now, ACCOUNT, account()),
                _ => {}
            },
            _ => {
                let n = usize::from(input.byte());
                let data = input.bytes(n).to_vec();
                self.feed(&data, udp(REMOTE));
            }
        }
        self.drain();
    }

    /// Ten minutes of silence; every timer must advance.
    fn run_out(&mut self) {
        let end = self.now + Duration::from_secs(600);
        let mut same = 0;
        while let Some(at) = self.ua.poll_timeout().filter(|t| *t <= end) {
            same = if at <= self.now { same + 1 } else { 0 };
            assert!(
                same < MAX_SAME_INSTANT,
                "a timer stays due at {:?}",
                at - origin()
            );
            self.timeout(at);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input { data };
    let mut h = Harness::new();
    for _ in 0..MAX_OPS {
        if input.data.is_empty() {
            break;
        }
        h.step(&mut input);
    }
    // The application closes down: every call hung up, the account removed.
    let now = h.now;
    for id in (0..4).map(CallId).chain(h.calls.clone()) {
        let _ = h.ua.hangup(now, id);
    }
    h.ua.remove_account(now, ACCOUNT);
    h.drain();
    h.run_out();
    if trace() {
        eprintln!(
            "end: {} calls, {} transactions",
            h.ua.calls(),
            h.ua.transactions()
        );
    }
    if strict() {
        assert_eq!(h.ua.transactions(), 0, "transactions left after 10 minutes");
        assert_eq!(h.ua.calls(), 0, "calls left after 10 minutes");
    }
});
