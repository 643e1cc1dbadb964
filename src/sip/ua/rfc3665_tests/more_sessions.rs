//! RFC 3665 §3.2, §3.4, §3.6 and §3.7 with the core as Alice or Bob, message by message.
//!
//! - §3.2 (two proxies): the 407 to the INVITE answered with Proxy-Authorization, then the
//!   dialog through both proxies' Record-Route.
//! - §3.4 (proxy failure): the first SRV target never answers (Timer B) or answers 503, and
//!   the INVITE goes to the next one. The RFC's Alice starts a new call (new Call-ID, CSeq 1)
//!   for F8; the core sends a new transaction of the same call (same Call-ID and From tag,
//!   CSeq + 1), which RFC 3263 §4.3 equally allows.
//! - §3.6 (SDP in the ACK) with the core as Bob: an INVITE without an offer gets ours in the
//!   200 and the answer comes in the ACK. The core as Alice always offers in its INVITE, so
//!   only Bob's side of "SDP in ACK" applies to it. Alice's F1 → F2 302 → F4 is not checked
//!   here: the core sends F4 to the redirect server instead of locating the new target.
//! - §3.7 (re-INVITE changing the IP address) with the core as Alice: Bob's re-INVITE from a
//!   new address with a new `c=` line.
//!
//! Skipped: §3.3 (multiple proxy authentication) needs an answer to two challenges from two
//! realms in one INVITE, each with its own user name and password; an account holds one set
//! of credentials, so beyond the single 407 of §3.2 the flow is not one the core can play.
//! §3.5 (session through a SIP ALG) only differs from §3.2 in what the ALG rewrites between
//! the two sides; each UA's messages are those of §3.1/§3.2, already checked.

use super::sessions::{call_events, check_idle, cseq_of, pcmu};
use super::*;
use crate::sip::call::{CallEvent, CallId, EndReason};
use crate::sip::locate::{Answer, Query, SrvRecord};

/// client.chicago.example.com: Bob's new address in §3.7 (`received=192.0.2.100`).
const BOB_MOVED: &str = "192.0.2.100:5060";
/// ss1.atlanta.example.com.
const PROXY1: &str = "192.0.2.111:5060";
/// ss2.biloxi.example.com.
const PROXY2: &str = "192.0.2.222:5060";
/// ss3.chicago.example.com (§3.6 F9 stamps `received=192.0.2.233`).
const PROXY3: &str = "192.0.2.233:5060";
const ALICE_PASSWORD: &str = "wonderland";
const CALL: CallId = CallId(7);

/// A core playing `who` ("alice" or "bob") with a registered account over `transport`:
/// Alice's has credentials, and routes through Proxy 1 when `proxy` is set.
fn phone(who: &str, transport: TransportKind, proxy: bool, now: Instant) -> UserAgent {
    super::sessions::phone_with(who, transport, proxy, Some(ALICE_PASSWORD), 41, now)
}

fn routes(r: &Request) -> Vec<String> {
    r.headers
        .route()
        .unwrap()
        .iter()
        .map(|n| n.to_string())
        .collect()
}

/// The two messages the core sent, as (first, second) requests of the given methods.
fn two_requests(ua: &mut UserAgent, to: Peer, first: Method, second: Method) -> (Request, Request) {
    let out = sent(ua, to);
    let methods: Vec<Method> = out
        .iter()
        .map(|m| m.as_request().expect("requests only").method.clone())
        .collect();
    assert_eq!(methods, vec![first, second]);
    (
        out[0].as_request().unwrap().clone(),
        out[1].as_request().unwrap().clone(),
    )
}

/// A request that continues `prev` after a challenge or on another target (RFC 3261
/// §8.1.3.5, §22.2; RFC 3263 §4.3): same Request-URI, Call-ID, From (tag) and To (no tag),
/// CSeq + 1, a new branch, the same offer.
fn check_next_invite(next: &Request, prev: &Request) {
    assert_eq!(next.uri, prev.uri);
    let (n, p) = (&next.headers, &prev.headers);
    assert_eq!(n.call_id().unwrap(), p.call_id().unwrap(), "same Call-ID");
    assert_eq!(n.from().unwrap(), p.from().unwrap(), "same From tag");
    assert_eq!(n.to().unwrap(), p.to().unwrap());
    assert_eq!(n.to().unwrap().tag(), None);
    assert_eq!(cseq(next), (cseq(prev).0 + 1, Method::Invite), "CSeq + 1");
    assert_ne!(branch(next), branch(prev), "a new transaction");
    assert!(branch(next).starts_with("z9hG4bK"));
    assert_eq!(n.max_forwards().unwrap(), Some(70));
    assert_eq!(next.body, prev.body, "the same offer");
}

/// The Proxy-Authorization in `r` answers the challenge of `realm` and `nonce` for an INVITE
/// to `sip:bob@biloxi.example.com` with Alice's password (RFC 3261 §22.3, §22.4).
fn check_proxy_authorization(r: &Request, realm: &str, nonce: &str) {
    assert!(
        r.headers.get(&HeaderName::Authorization).is_none(),
        "a 407 is answered with Proxy-Authorization, not Authorization"
    );
    let auth = r.headers.proxy_authorization().unwrap();
    assert_eq!(auth.len(), 1, "one Proxy-Authorization");
    let a = &auth[0];
    assert!(a.is_digest());
    assert_eq!(a.get("username"), Some("alice"));
    assert_eq!(a.get("realm"), Some(realm));
    assert_eq!(a.get("nonce"), Some(nonce));
    assert_eq!(a.get("opaque"), Some(""));
    let uri = "sip:bob@biloxi.example.com";
    assert_eq!(a.get("uri"), Some(uri), "§22.4: the Request-URI");
    assert_eq!(a.get("qop"), Some("auth"));
    assert_eq!(a.get("nc"), Some("00000001"));
    let cnonce = a.get("cnonce").expect("cnonce with qop");
    let challenge = format!(
        r#"Digest realm="{realm}", qop="auth", nonce="{nonce}", opaque="", stale=FALSE, algorithm=MD5"#
    );
    let challenge = DigestChallenge::from_header(&AuthValue::parse(&challenge).unwrap()).unwrap();
    let creds = DigestCredentials::new("alice", ALICE_PASSWORD);
    let expected = respond(&challenge, &creds, "INVITE", uri, &r.body, cnonce, 1);
    assert_eq!(a.get("response"), expected.get("response"));
}

/// A 407 from a proxy to `invite` (§3.2 F2, §3.4 F9).
const PROXY_407: &str = r#"
SIP/2.0 407 Proxy Authorization Required
Via: {via}
From: {from}
To: {to};tag={tag}
Call-ID: {call_id}
CSeq: {cseq} INVITE
Proxy-Authenticate: Digest realm="{realm}", qop="auth",
 nonce="{nonce}",
 opaque="", stale=FALSE, algorithm=MD5
"#;

/// Feeds the 407 and returns the ACK (the INVITE transaction's, §17.1.1.3) and the new
/// INVITE the core sent to `proxy`.
fn challenged(
    ua: &mut UserAgent,
    now: Instant,
    invite: &Request,
    proxy: Peer,
    (tag, realm, nonce): (&str, &str, &str),
) -> (Request, Request) {
    let echoed = echo(invite, "192.0.2.101");
    let extra = [("tag", tag), ("realm", realm), ("nonce", nonce)];
    ua.handle_datagram(now, &wire(PROXY_407, &vars(&echoed, &extra), ""), proxy);
    two_requests(ua, proxy, Method::Ack, Method::Invite)
}

/// The non-2xx ACK (§3.2 F3, §3.4 F10): the INVITE's Request-URI, Via (same branch), Route,
/// From, Call-ID and CSeq number, the 407's To tag, no body.
fn check_non_2xx_ack(ack: &Request, invite: &Request, to_tag: &str) {
    assert_eq!(ack.uri, invite.uri);
    let (a, i) = (&ack.headers, &invite.headers);
    assert_eq!(a.via().unwrap(), vec![i.top_via().unwrap()]);
    assert_eq!(a.route().unwrap(), i.route().unwrap());
    assert_eq!(a.max_forwards().unwrap(), Some(70));
    assert_eq!(a.from().unwrap(), i.from().unwrap());
    assert_eq!(a.to().unwrap().uri, i.to().unwrap().uri);
    assert_eq!(a.to().unwrap().tag(), Some(to_tag));
    assert_eq!(a.call_id().unwrap(), i.call_id().unwrap());
    assert_eq!(cseq(ack), (cseq(invite).0, Method::Ack));
    assert!(ack.body.is_empty());
    assert!(a.proxy_authorization().unwrap().is_empty());
}

// --- §3.2 Session establishment through two proxies (the core as Alice) ------------------

const NONCE_3_2: &str = "f84f1cec41e6cbe5aea9c8e88d359";

/// §3.2 F6: Proxy 1's 100 Trying.
const TRYING: &str = "
SIP/2.0 100 Trying
Via: {via}
From: {from}
To: {to}
Call-ID: {call_id}
CSeq: {cseq} INVITE
";

/// §3.2 F11 (and §3.4 F15 with one Record-Route less): Bob's 180 as Proxy 1 forwards it.
const F11_180: &str = "
SIP/2.0 180 Ringing
Via: {via}
Record-Route: <sip:ss2.biloxi.example.com;lr>,
 <sip:ss1.atlanta.example.com;lr>
From: {from}
To: {to};tag=314159
Call-ID: {call_id}
Contact: <sip:bob@client.biloxi.example.com;transport=tcp>
CSeq: {cseq} INVITE
";

/// §3.2 F14: Bob's 200 as Proxy 1 forwards it.
const F14_200: &str = "
SIP/2.0 200 OK
Via: {via}
Record-Route: <sip:ss2.biloxi.example.com;lr>,
 <sip:ss1.atlanta.example.com;lr>
From: {from}
To: {to};tag=314159
Call-ID: {call_id}
CSeq: {cseq} INVITE
Contact: <sip:bob@client.biloxi.example.com;transport=tcp>
Content-Type: application/sdp
";

const BOB_SDP: &str = "
v=0
o=bob 2890844527 2890844527 IN IP4 client.biloxi.example.com
s=-
c=IN IP4 192.0.2.201
t=0 0
m=audio 3456 RTP/AVP 0
a=rtpmap:0 PCMU/8000
";

/// Alice dials Bob through Proxy 1 over TCP; returns F1.
fn alice_dials_3_2(ua: &mut UserAgent, now: Instant) -> Request {
    let p1 = peer(TransportKind::Tcp, PROXY1);
    let target = Uri::parse("sip:bob@biloxi.example.com").unwrap();
    let media = pcmu("192.0.2.101", 49172);
    ua.dial(now, CALL, Some(AccountId(1)), target, p1, media)
        .unwrap();
    one_request(ua, p1, &Method::Invite)
}

/// §3.2 F1: the INVITE to Proxy 1, with the pre-loaded Route and no credentials yet.
#[test]
fn rfc3665_3_2_f1_invite_with_route_to_proxy_1() {
    let now = test_clock::origin();
    let mut ua = phone("alice", TransportKind::Tcp, true, now);
    let f1 = alice_dials_3_2(&mut ua, now);
    assert_eq!(f1.uri.to_string(), "sip:bob@biloxi.example.com");
    let h = &f1.headers;
    assert_eq!(
        h.top_via().unwrap().to_string().split(';').next(),
        Some("SIP/2.0/TCP 192.0.2.101:5060")
    );
    assert_eq!(h.max_forwards().unwrap(), Some(70));
    assert_eq!(routes(&f1), ["<sip:ss1.atlanta.example.com;lr>"]);
    assert_eq!(
        h.from().unwrap().uri.to_string(),
        "sip:alice@atlanta.example.com"
    );
    assert_eq!(h.to().unwrap().tag(), None);
    let Ok(Contacts::List(contacts)) = h.contacts() else {
        panic!("one Contact");
    };
    assert_eq!(
        contacts[0].uri.to_string(),
        "sip:alice@client.atlanta.example.com;transport=tcp"
    );
    assert!(h.get(&HeaderName::ProxyAuthorization).is_none());
    assert!(h.get(&HeaderName::Authorization).is_none());
    let sdp = std::str::from_utf8(&f1.body).unwrap();
    assert!(sdp.contains("c=IN IP4 192.0.2.101\r\n"), "{sdp}");
    assert!(sdp.contains("m=audio 49172 RTP/AVP 0"), "{sdp}");
}

/// §3.2 F1 → F2 407 → F3 ACK (hop by hop, the INVITE's branch) → F4 INVITE with
/// Proxy-Authorization: same Call-ID and From tag, CSeq + 1, a new branch, the Route kept;
/// the 407 is not reported to the application.
#[test]
fn rfc3665_3_2_f2_407_f4_invite_with_proxy_authorization() {
    let now = test_clock::origin();
    let mut ua = phone("alice", TransportKind::Tcp, true, now);
    let f1 = alice_dials_3_2(&mut ua, now);
    let p1 = peer(TransportKind::Tcp, PROXY1);
    let challenge = ("3flal12sf", "atlanta.example.com", NONCE_3_2);
    let (f3, f4) = challenged(&mut ua, now, &f1, p1, challenge);
    check_non_2xx_ack(&f3, &f1, "3flal12sf");
    check_next_invite(&f4, &f1);
    assert_eq!(
        routes(&f4),
        ["<sip:ss1.atlanta.example.com;lr>"],
        "the Route kept"
    );
    check_proxy_authorization(&f4, "atlanta.example.com", NONCE_3_2);
    assert!(
        call_events(&mut ua).is_empty(),
        "the 407 is handled, not reported"
    );
    // F6: Proxy 1 accepts the credentials; the new transaction is the one that counts now.
    let echoed = echo(&f4, "192.0.2.101");
    ua.handle_datagram(now, &wire(TRYING, &vars(&echoed, &[]), ""), p1);
    assert!(sent(&mut ua, p1).is_empty());
    assert!(call_events(&mut ua).is_empty());
}

/// Drives §3.2 through F15; returns (F4, F15).
fn alice_established_3_2(ua: &mut UserAgent, now: Instant) -> (Request, Request) {
    let f1 = alice_dials_3_2(ua, now);
    let p1 = peer(TransportKind::Tcp, PROXY1);
    let challenge = ("3flal12sf", "atlanta.example.com", NONCE_3_2);
    let (_, f4) = challenged(ua, now, &f1, p1, challenge);
    let echoed = echo(&f4, "192.0.2.101");
    ua.handle_datagram(now, &wire(TRYING, &vars(&echoed, &[]), ""), p1);
    ua.handle_datagram(now, &wire(F11_180, &vars(&echoed, &[]), ""), p1);
    assert!(sent(ua, p1).is_empty(), "nothing answers a 180");
    assert_eq!(call_events(ua), vec![(CALL, CallEvent::Ringing)]);
    ua.handle_datagram(now, &wire(F14_200, &vars(&echoed, &[]), BOB_SDP), p1);
    let f15 = one_request(ua, p1, &Method::Ack);
    (f4, f15)
}

const REVERSED_ROUTE: [&str; 2] = [
    "<sip:ss1.atlanta.example.com;lr>",
    "<sip:ss2.biloxi.example.com;lr>",
];

/// §3.2 F11 180 → Ringing; F14 200 → Answered; F15 ACK: Request-URI Bob's Contact, Route the
/// reversed Record-Route (RFC 3261 §12.1.2, §12.2.1.1), the CSeq number of F4 (the
/// authenticated INVITE, not F1), Bob's tag, a new branch, no credentials needed.
#[test]
fn rfc3665_3_2_f11_180_f14_200_f15_ack_with_route_set() {
    let now = test_clock::origin();
    let mut ua = phone("alice", TransportKind::Tcp, true, now);
    let (f4, f15) = alice_established_3_2(&mut ua, now);
    assert_eq!(
        f15.uri.to_string(),
        "sip:bob@client.biloxi.example.com;transport=tcp"
    );
    assert_eq!(routes(&f15), REVERSED_ROUTE);
    assert_eq!(cseq(&f15), (cseq(&f4).0, Method::Ack));
    assert_ne!(branch(&f15), branch(&f4));
    let (a, i) = (&f15.headers, &f4.headers);
    assert_eq!(a.max_forwards().unwrap(), Some(70));
    assert_eq!(a.from().unwrap(), i.from().unwrap());
    assert_eq!(a.to().unwrap().tag(), Some("314159"));
    assert_eq!(a.call_id().unwrap(), i.call_id().unwrap());
    assert!(f15.body.is_empty());
    let ev = call_events(&mut ua);
    let [(CALL, CallEvent::Answered { media })] = &ev[..] else {
        panic!("expected Answered: {ev:?}");
    };
    assert_eq!(media.remote_rtp, Some("192.0.2.201:3456".parse().unwrap()));
}

/// §3.2 F20 BYE from Bob (through both proxies) → F21 200 OK: every Via echoed in order, the
/// call ends as hung up by the remote side.
#[test]
fn rfc3665_3_2_f20_bye_from_bob_f21_200() {
    let now = test_clock::origin();
    let mut ua = phone("alice", TransportKind::Tcp, true, now);
    let (f4, _) = alice_established_3_2(&mut ua, now);
    call_events(&mut ua);
    let alice_tag = f4.headers.from().unwrap().tag().unwrap().to_owned();
    let call_id = f4.headers.call_id().unwrap().to_string();
    const F20: &str = "
BYE sip:alice@client.atlanta.example.com;transport=tcp SIP/2.0
Via: SIP/2.0/TCP ss1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1
Via: SIP/2.0/TCP ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.1
 ;received=192.0.2.222
Via: SIP/2.0/TCP client.biloxi.example.com:5060;branch=z9hG4bKnashds7
 ;received=192.0.2.201
Max-Forwards: 68
From: Bob <sip:bob@biloxi.example.com>;tag=314159
To: Alice <sip:alice@atlanta.example.com>;tag={alice_tag}
Call-ID: {call_id}
CSeq: 1 BYE
";
    let v = [
        ("alice_tag", alice_tag.as_str()),
        ("call_id", call_id.as_str()),
    ];
    let p1 = peer(TransportKind::Tcp, PROXY1);
    ua.handle_datagram(now, &wire(F20, &v, ""), p1);
    let f21 = one_response(&mut ua, p1, 200);
    let branches: Vec<String> = f21
        .headers
        .via()
        .unwrap()
        .iter()
        .map(|v| v.branch().unwrap().to_owned())
        .collect();
    assert_eq!(
        branches,
        ["z9hG4bK2d4790.1", "z9hG4bK721e4.1", "z9hG4bKnashds7"]
    );
    assert_eq!(
        f21.headers.via().unwrap()[0].received(),
        Some("192.0.2.111".parse().unwrap())
    );
    assert_eq!(cseq_of(&f21.headers), (1, Method::Bye));
    assert_eq!(f21.headers.to().unwrap().tag(), Some(alice_tag.as_str()));
    assert_eq!(
        call_events(&mut ua),
        vec![(
            CALL,
            CallEvent::Ended {
                reason: EndReason::Remote
            }
        )]
    );
    check_idle(&mut ua, now);
}

/// §3.2 with Alice hanging up instead of Bob: her BYE has the remote target as Request-URI,
/// the reversed route set as Route, Bob's tag and the CSeq after F4's.
#[test]
fn rfc3665_3_2_bye_from_alice_with_route_set() {
    let now = test_clock::origin();
    let mut ua = phone("alice", TransportKind::Tcp, true, now);
    let (f4, f15) = alice_established_3_2(&mut ua, now);
    call_events(&mut ua);
    ua.hangup(now, CALL).unwrap();
    let p1 = peer(TransportKind::Tcp, PROXY1);
    let bye = one_request(&mut ua, p1, &Method::Bye);
    assert_eq!(
        bye.uri.to_string(),
        "sip:bob@client.biloxi.example.com;transport=tcp"
    );
    assert_eq!(routes(&bye), REVERSED_ROUTE);
    assert_eq!(cseq(&bye), (cseq(&f4).0 + 1, Method::Bye));
    assert_ne!(branch(&bye), branch(&f15));
    assert_eq!(bye.headers.to().unwrap().tag(), Some("314159"));
    assert!(bye.headers.proxy_authorization().unwrap().is_empty());
    let ok = "
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to}
Call-ID: {call_id}
CSeq: {cseq} BYE
";
    let echoed = echo(&bye, "192.0.2.101");
    ua.handle_datagram(now, &wire(ok, &vars(&echoed, &[]), ""), p1);
    assert!(sent(&mut ua, p1).is_empty());
    check_idle(&mut ua, now);
}

// --- §3.4 Successful session with proxy failure (the core as Alice) ----------------------

/// Alice dials `sip:bob@biloxi.example.com` with `dial_uri`; the resolver finds no NAPTR,
/// two SRV targets (Proxy 1 first) and Proxy 1's address. Returns F1 (sent to Proxy 1).
fn alice_locates(ua: &mut UserAgent, now: Instant) -> Request {
    let target = Uri::parse("sip:bob@biloxi.example.com").unwrap();
    let media = pcmu("192.0.2.101", 49172);
    ua.dial_uri(now, CALL, Some(AccountId(1)), target, media)
        .unwrap();
    assert!(sent(ua, peer(TransportKind::Udp, PROXY1)).is_empty());
    let q: Vec<ResolveRequest> = std::iter::from_fn(|| ua.poll_resolve()).collect();
    let naptr = Query::Naptr {
        name: "biloxi.example.com".into(),
    };
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].query, naptr);
    ua.handle_resolved(now, q[0].lookup, &q[0].query, Answer::NotFound);
    let q: Vec<ResolveRequest> = std::iter::from_fn(|| ua.poll_resolve()).collect();
    assert_eq!(q.len(), 1);
    assert_eq!(
        q[0].query,
        Query::Srv {
            name: "_sip._udp.biloxi.example.com".into()
        }
    );
    let srv = |priority, target: &str| SrvRecord {
        priority,
        weight: 0,
        port: 5060,
        target: target.into(),
    };
    let records = vec![
        srv(20, "ss2.biloxi.example.com"),
        srv(10, "ss1.atlanta.example.com"),
    ];
    ua.handle_resolved(now, q[0].lookup, &q[0].query, Answer::Srv(records));
    answer_address(ua, now, "ss1.atlanta.example.com", "192.0.2.111");
    let f1 = one_request(ua, peer(TransportKind::Udp, PROXY1), &Method::Invite);
    assert_eq!(f1.uri.to_string(), "sip:bob@biloxi.example.com");
    assert!(routes(&f1).is_empty(), "no outbound proxy, no Route");
    f1
}

/// Expects exactly one question, the address of `name`, and answers it with `ip`.
fn answer_address(ua: &mut UserAgent, now: Instant, name: &str, ip: &str) {
    let q: Vec<ResolveRequest> = std::iter::from_fn(|| ua.poll_resolve()).collect();
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!(q[0].query, Query::Address { name: name.into() });
    let ip = ip.parse().unwrap();
    ua.handle_resolved(now, q[0].lookup, &q[0].query, Answer::Address(vec![ip]));
}

/// §3.4 F1–F7 → F8: Proxy 1 never answers. F1 and its six retransmissions (F2–F7, Timer A:
/// 0.5, 1, 2, 4, 8, 16 s) go to Proxy 1; at Timer B (64·T1 = 32 s) the INVITE goes to the
/// next SRV target, Proxy 2, in a new transaction; the call is not ended.
#[test]
fn rfc3665_3_4_f1_f7_timer_b_f8_invite_to_proxy_2() {
    let now = test_clock::origin();
    let mut ua = phone("alice", TransportKind::Udp, false, now);
    let f1 = alice_locates(&mut ua, now);
    let p1 = peer(TransportKind::Udp, PROXY1);
    let mut resends = Vec::new();
    let timer_b = loop {
        let t = ua.poll_timeout().expect("a timer runs");
        ua.handle_timeout(t);
        let q: Vec<ResolveRequest> = std::iter::from_fn(|| ua.poll_resolve()).collect();
        if !q.is_empty() {
            // The next target is asked for: answer it as the resolver would.
            assert_eq!(
                q[0].query,
                Query::Address {
                    name: "ss2.biloxi.example.com".into()
                }
            );
            let ip = PROXY2.split(':').next().unwrap().parse().unwrap();
            ua.handle_resolved(t, q[0].lookup, &q[0].query, Answer::Address(vec![ip]));
            break t;
        }
        for m in sent(&mut ua, p1) {
            assert_eq!(m.as_request(), Some(&f1), "a resend of F1");
            resends.push(t - now);
        }
        assert!(call_events(&mut ua).is_empty(), "the call goes on");
        assert!(t - now <= Duration::from_secs(32), "no Timer B failover");
    };
    let secs = |s: &[f64]| {
        s.iter()
            .map(|s| Duration::from_secs_f64(*s))
            .collect::<Vec<_>>()
    };
    assert_eq!(resends, secs(&[0.5, 1.5, 3.5, 7.5, 15.5, 31.5]), "F2–F7");
    assert_eq!(timer_b - now, Duration::from_secs(32));
    let f8 = one_request(&mut ua, peer(TransportKind::Udp, PROXY2), &Method::Invite);
    check_next_invite(&f8, &f1);
    assert!(call_events(&mut ua).is_empty());
}

/// §3.4 with Proxy 1 answering 503 Service Unavailable instead of staying silent: the 503
/// is ACKed and F8 goes to Proxy 2 at once (RFC 3263 §4.3).
#[test]
fn rfc3665_3_4_f1_503_f8_invite_to_proxy_2() {
    let now = test_clock::origin();
    let mut ua = phone("alice", TransportKind::Udp, false, now);
    let f1 = alice_locates(&mut ua, now);
    let p1 = peer(TransportKind::Udp, PROXY1);
    const F503: &str = "
SIP/2.0 503 Service Unavailable
Via: {via}
From: {from}
To: {to};tag=ss1down
Call-ID: {call_id}
CSeq: {cseq} INVITE
";
    let echoed = echo(&f1, "192.0.2.101");
    ua.handle_datagram(now, &wire(F503, &vars(&echoed, &[]), ""), p1);
    let ack = one_request(&mut ua, p1, &Method::Ack);
    check_non_2xx_ack(&ack, &f1, "ss1down");
    answer_address(&mut ua, now, "ss2.biloxi.example.com", "192.0.2.222");
    let f8 = one_request(&mut ua, peer(TransportKind::Udp, PROXY2), &Method::Invite);
    check_next_invite(&f8, &f1);
    assert!(call_events(&mut ua).is_empty(), "the 503 is not the end");
}

/// §3.4 F8 → F9 407 (realm biloxi.example.com) → F10 ACK → F11 INVITE with
/// Proxy-Authorization to Proxy 2 → F13 100 → F15 180 → F17 200 → F18 ACK to Proxy 2 with
/// Proxy 2's Record-Route as Route.
#[test]
fn rfc3665_3_4_f9_407_f11_invite_with_proxy_authorization_to_f18_ack() {
    let now = test_clock::origin();
    let mut ua = phone("alice", TransportKind::Udp, false, now);
    let f1 = alice_locates(&mut ua, now);
    let p1 = peer(TransportKind::Udp, PROXY1);
    let p2 = peer(TransportKind::Udp, PROXY2);
    let echoed = echo(&f1, "192.0.2.101");
    let f503 = "
SIP/2.0 503 Service Unavailable
Via: {via}
From: {from}
To: {to};tag=ss1down
Call-ID: {call_id}
CSeq: {cseq} INVITE
";
    ua.handle_datagram(now, &wire(f503, &vars(&echoed, &[]), ""), p1);
    one_request(&mut ua, p1, &Method::Ack);
    answer_address(&mut ua, now, "ss2.biloxi.example.com", "192.0.2.222");
    let f8 = one_request(&mut ua, p2, &Method::Invite);

    let nonce = "1ae6cbe5ea9c8e8df84fqnlec434a359";
    let challenge = ("2421452", "biloxi.example.com", nonce);
    let (f10, f11) = challenged(&mut ua, now, &f8, p2, challenge);
    check_non_2xx_ack(&f10, &f8, "2421452");
    check_next_invite(&f11, &f8);
    check_proxy_authorization(&f11, "biloxi.example.com", nonce);
    assert!(call_events(&mut ua).is_empty());

    let echoed = echo(&f11, "192.0.2.101");
    ua.handle_datagram(now, &wire(TRYING, &vars(&echoed, &[]), ""), p2);
    const F15: &str = "
SIP/2.0 180 Ringing
Via: {via}
Record-Route: <sip:ss2.biloxi.example.com;lr>
From: {from}
To: {to};tag=314159
Call-ID: {call_id}
CSeq: {cseq} INVITE
Contact: <sip:bob@client.biloxi.example.com>
";
    ua.handle_datagram(now, &wire(F15, &vars(&echoed, &[]), ""), p2);
    assert_eq!(call_events(&mut ua), vec![(CALL, CallEvent::Ringing)]);
    const F17: &str = "
SIP/2.0 200 OK
Via: {via}
Record-Route: <sip:ss2.biloxi.example.com;lr>
From: {from}
To: {to};tag=314159
Call-ID: {call_id}
CSeq: {cseq} INVITE
Contact: <sip:bob@client.biloxi.example.com>
Content-Type: application/sdp
";
    ua.handle_datagram(now, &wire(F17, &vars(&echoed, &[]), BOB_SDP), p2);
    let f18 = one_request(&mut ua, p2, &Method::Ack);
    assert_eq!(f18.uri.to_string(), "sip:bob@client.biloxi.example.com");
    assert_eq!(routes(&f18), ["<sip:ss2.biloxi.example.com;lr>"]);
    assert_eq!(cseq(&f18), (cseq(&f11).0, Method::Ack));
    assert_eq!(f18.headers.to().unwrap().tag(), Some("314159"));
    let ev = call_events(&mut ua);
    assert!(
        matches!(&ev[..], [(CALL, CallEvent::Answered { .. })]),
        "{ev:?}"
    );
    // Proxy 1 is out of the picture: nothing more goes there.
    run_timers(&mut ua, now, Duration::from_secs(64));
    assert!(sent(&mut ua, p1).is_empty());
}

// --- §3.6 Session via redirect and proxy servers with SDP in ACK (the core as Bob) -------

/// §3.6 F5: Alice's INVITE without SDP as Proxy 3 delivers it.
const F5_INVITE_WITHOUT_SDP: &str = "
INVITE sip:bob@client.chicago.example.com SIP/2.0
Via: SIP/2.0/TCP ss3.chicago.example.com:5060;branch=z9hG4bK721e.1
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9
 ;received=192.0.2.101
Max-Forwards: 69
Record-Route: <sip:ss3.chicago.example.com;lr>
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>
Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com
CSeq: 2 INVITE
Contact: <sip:alice@client.atlanta.example.com;transport=tcp>
";

/// §3.6 F12: Alice's ACK with her SDP (the answer) as Proxy 3 delivers it.
const F12_ACK_WITH_SDP: &str = "
ACK sip:bob@client.chicago.example.com SIP/2.0
Via: SIP/2.0/TCP ss3.chicago.example.com:5060;branch=z9hG4bK721e.1
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bq9
 ;received=192.0.2.101
Max-Forwards: 69
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>;tag={bob_tag}
Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com
CSeq: 2 ACK
Content-Type: application/sdp
";

const ALICE_SDP: &str = "
v=0
o=alice 2890844526 2890844526 IN IP4 client.atlanta.example.com
s=-
c=IN IP4 192.0.2.101
t=0 0
m=audio 49172 RTP/AVP 0
a=rtpmap:0 PCMU/8000
";

/// Bob gets F5 and answers (F7 180, F9 200 with our offer); returns the call, Bob's tag
/// and F9.
fn bob_answers_without_offer(ua: &mut UserAgent, now: Instant) -> (CallId, String, Response) {
    let p3 = peer(TransportKind::Tcp, PROXY3);
    ua.handle_datagram(now, &wire(F5_INVITE_WITHOUT_SDP, &[], ""), p3);
    let f7 = one_response(ua, p3, 180);
    let tag = f7.headers.to().unwrap().tag().unwrap().to_owned();
    let ev = call_events(ua);
    let [(id, CallEvent::Incoming { .. })] = ev[..] else {
        panic!("expected Incoming: {ev:?}");
    };
    ua.answer(now, id, pcmu("192.0.2.100", 3456)).unwrap();
    let f9 = one_response(ua, p3, 200);
    (id, tag, f9)
}

/// §3.6 F5 (no SDP) → F7 180 → F9 200 with our SDP as the offer (RFC 3261 §13.3.1.4),
/// echoing the Record-Route (§12.1.1) and both Vias; no Answered yet (no answer yet).
#[test]
fn rfc3665_3_6_f5_invite_without_sdp_f9_200_with_offer_as_bob() {
    let now = test_clock::origin();
    let mut ua = phone("bob", TransportKind::Tcp, false, now);
    let (_, tag, f9) = bob_answers_without_offer(&mut ua, now);
    let h = &f9.headers;
    assert_eq!(h.to().unwrap().tag(), Some(tag.as_str()), "one dialog");
    let branches: Vec<String> = h
        .via()
        .unwrap()
        .iter()
        .map(|v| v.branch().unwrap().to_owned())
        .collect();
    assert_eq!(branches, ["z9hG4bK721e.1", "z9hG4bK74bf9"]);
    assert_eq!(
        h.via().unwrap()[0].received(),
        Some("192.0.2.233".parse().unwrap())
    );
    let rr: Vec<String> = h
        .record_route()
        .unwrap()
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert_eq!(rr, ["<sip:ss3.chicago.example.com;lr>"], "§12.1.1");
    assert_eq!(cseq_of(h), (2, Method::Invite));
    assert_eq!(
        h.content_type().unwrap().map(|t| t.to_string()),
        Some("application/sdp".into())
    );
    let sdp = std::str::from_utf8(&f9.body).unwrap();
    for line in ["c=IN IP4 192.0.2.100\r\n", "m=audio 3456 RTP/AVP 0"] {
        assert!(sdp.contains(line), "{line:?} in the offer:\n{sdp}");
    }
    assert!(
        call_events(&mut ua).is_empty(),
        "not answered before the ACK brings the answer"
    );
}

/// §3.6 F9 → F12 ACK with Alice's SDP: the answer completes the exchange, an `Answered`
/// event with Alice's address, and the 200 is no longer resent.
#[test]
fn rfc3665_3_6_f12_ack_with_sdp_answer_as_bob() {
    let now = test_clock::origin();
    let mut ua = phone("bob", TransportKind::Tcp, false, now);
    let (id, tag, _) = bob_answers_without_offer(&mut ua, now);
    let p3 = peer(TransportKind::Tcp, PROXY3);
    let ack = wire(F12_ACK_WITH_SDP, &[("bob_tag", &tag)], ALICE_SDP);
    ua.handle_datagram(now, &ack, p3);
    assert!(sent(&mut ua, p3).is_empty());
    let ev = call_events(&mut ua);
    let [(call, CallEvent::Answered { media })] = &ev[..] else {
        panic!("expected Answered: {ev:?}");
    };
    assert_eq!(*call, id);
    assert_eq!(media.remote_rtp, Some("192.0.2.101:49172".parse().unwrap()));
    assert_eq!(media.send_codec.as_ref().unwrap().codec.name, "PCMU");
    run_timers(&mut ua, now, Duration::from_secs(64));
    assert!(sent(&mut ua, p3).is_empty(), "no 200 resent after the ACK");
    assert!(call_events(&mut ua).is_empty());
    assert_eq!(ua.calls(), 1);
}

/// §3.6 F13 with the core as Bob: his BYE goes through Proxy 3 (Route from the
/// Record-Route) to Alice's Contact.
#[test]
fn rfc3665_3_6_f13_bye_as_bob_with_route() {
    let now = test_clock::origin();
    let mut ua = phone("bob", TransportKind::Tcp, false, now);
    let (id, tag, _) = bob_answers_without_offer(&mut ua, now);
    let p3 = peer(TransportKind::Tcp, PROXY3);
    let ack = wire(F12_ACK_WITH_SDP, &[("bob_tag", &tag)], ALICE_SDP);
    ua.handle_datagram(now, &ack, p3);
    call_events(&mut ua);
    ua.hangup(now, id).unwrap();
    let f13 = one_request(&mut ua, p3, &Method::Bye);
    assert_eq!(
        f13.uri.to_string(),
        "sip:alice@client.atlanta.example.com;transport=tcp"
    );
    assert_eq!(routes(&f13), ["<sip:ss3.chicago.example.com;lr>"]);
    assert_eq!(f13.headers.from().unwrap().tag(), Some(tag.as_str()));
    assert_eq!(f13.headers.to().unwrap().tag(), Some("9fxced76sl"));
    assert_eq!(
        f13.headers.call_id().unwrap().as_str(),
        "2xTb9vxSit55XU7p8@atlanta.example.com"
    );
}

/// §3.6 F12 without SDP: the offer in our 200 is never answered, so the session cannot
/// start (RFC 3264 §5, RFC 3261 §13.3.1.4): the core ends it with a BYE.
#[test]
fn rfc3665_3_6_f12_ack_without_answer_ends_the_call_as_bob() {
    let now = test_clock::origin();
    let mut ua = phone("bob", TransportKind::Tcp, false, now);
    let (_, tag, _) = bob_answers_without_offer(&mut ua, now);
    let p3 = peer(TransportKind::Tcp, PROXY3);
    let empty_ack = F12_ACK_WITH_SDP.replace("Content-Type: application/sdp\n", "");
    ua.handle_datagram(now, &wire(&empty_ack, &[("bob_tag", &tag)], ""), p3);
    let bye = one_request(&mut ua, p3, &Method::Bye);
    assert_eq!(routes(&bye), ["<sip:ss3.chicago.example.com;lr>"]);
    let ev = call_events(&mut ua);
    assert!(
        matches!(
            &ev[..],
            [(
                _,
                CallEvent::Ended {
                    reason: EndReason::Failed { code: 488, .. }
                }
            )]
        ),
        "{ev:?}"
    );
}

// --- §3.7 Session with re-INVITE (IP address change) (the core as Alice) -----------------

/// Alice calls Bob through Proxy 2 (no Record-Route) over UDP to F8; returns F1.
fn alice_established_3_7(ua: &mut UserAgent, now: Instant) -> Request {
    let p2 = peer(TransportKind::Udp, PROXY2);
    let target = Uri::parse("sip:bob@biloxi.example.com").unwrap();
    let media = pcmu("192.0.2.101", 49172);
    ua.dial(now, CALL, Some(AccountId(1)), target, p2, media)
        .unwrap();
    let f1 = one_request(ua, p2, &Method::Invite);
    const F7: &str = "
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to};tag=314159
Call-ID: {call_id}
CSeq: {cseq} INVITE
Contact: <sip:bob@client.biloxi.example.com>
Content-Type: application/sdp
";
    let echoed = echo(&f1, "192.0.2.101");
    ua.handle_datagram(now, &wire(F7, &vars(&echoed, &[]), BOB_SDP), p2);
    one_request(ua, p2, &Method::Ack);
    let ev = call_events(ua);
    assert!(
        matches!(&ev[..], [(CALL, CallEvent::Answered { .. })]),
        "{ev:?}"
    );
    f1
}

/// §3.7 F9: Bob's re-INVITE from his new address, new Contact, `c=` and port.
const F9_REINVITE: &str = "
INVITE sip:alice@client.atlanta.example.com SIP/2.0
Via: SIP/2.0/UDP client.chicago.example.com:5060;branch=z9hG4bKlkld5l
Max-Forwards: 70
From: Bob <sip:bob@biloxi.example.com>;tag=314159
To: Alice <sip:alice@atlanta.example.com>;tag={alice_tag}
Call-ID: {call_id}
CSeq: 14 INVITE
Contact: <sip:bob@client.chicago.example.com>
Content-Type: application/sdp
";

const BOB_MOVED_SDP: &str = "
v=0
o=bob 2890844527 2890844528 IN IP4 client.chicago.example.com
s=-
c=IN IP4 192.0.2.100
t=0 0
m=audio 47172 RTP/AVP 0
a=rtpmap:0 PCMU/8000
";

/// §3.7 F9 re-INVITE → F10 200 with Alice's answer (her unchanged address and port, her
/// Contact) back to where the re-INVITE came from, and `MediaUpdated` with Bob's new RTP
/// address; F11 ACK stops the 200's retransmissions.
#[test]
fn rfc3665_3_7_f9_reinvite_new_address_f10_200_f11_ack() {
    let now = test_clock::origin();
    let mut ua = phone("alice", TransportKind::Udp, false, now);
    let f1 = alice_established_3_7(&mut ua, now);
    let alice_tag = f1.headers.from().unwrap().tag().unwrap().to_owned();
    let call_id = f1.headers.call_id().unwrap().to_string();
    let v = [
        ("alice_tag", alice_tag.as_str()),
        ("call_id", call_id.as_str()),
    ];
    let moved = peer(TransportKind::Udp, BOB_MOVED);
    ua.handle_datagram(now, &wire(F9_REINVITE, &v, BOB_MOVED_SDP), moved);
    let f10 = one_response(&mut ua, moved, 200);
    let h = &f10.headers;
    assert_eq!(
        h.get(&HeaderName::Via).unwrap(),
        "SIP/2.0/UDP client.chicago.example.com:5060;branch=z9hG4bKlkld5l;received=192.0.2.100"
    );
    assert_eq!(cseq_of(h), (14, Method::Invite));
    assert_eq!(h.from().unwrap().tag(), Some("314159"));
    assert_eq!(h.to().unwrap().tag(), Some(alice_tag.as_str()));
    let Ok(Contacts::List(contacts)) = h.contacts() else {
        panic!("a Contact in the 200");
    };
    assert_eq!(
        contacts[0].uri.to_string(),
        "sip:alice@client.atlanta.example.com"
    );
    let sdp = std::str::from_utf8(&f10.body).unwrap();
    for line in [
        "c=IN IP4 192.0.2.101\r\n",
        "m=audio 49172 RTP/AVP 0",
        "a=rtpmap:0 PCMU/8000\r\n",
    ] {
        assert!(sdp.contains(line), "{line:?} in the answer:\n{sdp}");
    }
    let ev = call_events(&mut ua);
    let [(CALL, CallEvent::MediaUpdated { media })] = &ev[..] else {
        panic!("expected MediaUpdated: {ev:?}");
    };
    assert_eq!(media.remote_rtp, Some("192.0.2.100:47172".parse().unwrap()));

    const F11: &str = "
ACK sip:alice@client.atlanta.example.com SIP/2.0
Via: SIP/2.0/UDP client.chicago.example.com:5060;branch=z9hG4bKlkldcc
Max-Forwards: 70
From: Bob <sip:bob@biloxi.example.com>;tag=314159
To: Alice <sip:alice@atlanta.example.com>;tag={alice_tag}
Call-ID: {call_id}
CSeq: 14 ACK
";
    ua.handle_datagram(now, &wire(F11, &v, ""), moved);
    run_timers(&mut ua, now, Duration::from_secs(64));
    assert!(sent(&mut ua, moved).is_empty(), "no 200 resent after F11");
    assert!(call_events(&mut ua).is_empty());
    assert_eq!(ua.calls(), 1);
}

/// §3.7 F12 BYE after the re-INVITE: the Request-URI is Bob's new Contact (the re-INVITE
/// refreshed the remote target, RFC 3261 §12.2.2), the CSeq follows Alice's own count.
/// Where it is sent is not checked: the core sends every in-dialog request to the peer
/// the INVITE went to (Proxy 2 here), where the RFC's F12 goes straight to Bob.
#[test]
fn rfc3665_3_7_f12_bye_to_refreshed_target() {
    let now = test_clock::origin();
    let mut ua = phone("alice", TransportKind::Udp, false, now);
    let f1 = alice_established_3_7(&mut ua, now);
    let alice_tag = f1.headers.from().unwrap().tag().unwrap().to_owned();
    let call_id = f1.headers.call_id().unwrap().to_string();
    let v = [
        ("alice_tag", alice_tag.as_str()),
        ("call_id", call_id.as_str()),
    ];
    let moved = peer(TransportKind::Udp, BOB_MOVED);
    ua.handle_datagram(now, &wire(F9_REINVITE, &v, BOB_MOVED_SDP), moved);
    one_response(&mut ua, moved, 200);
    const F11: &str = "
ACK sip:alice@client.atlanta.example.com SIP/2.0
Via: SIP/2.0/UDP client.chicago.example.com:5060;branch=z9hG4bKlkldcc
Max-Forwards: 70
From: Bob <sip:bob@biloxi.example.com>;tag=314159
To: Alice <sip:alice@atlanta.example.com>;tag={alice_tag}
Call-ID: {call_id}
CSeq: 14 ACK
";
    ua.handle_datagram(now, &wire(F11, &v, ""), moved);
    call_events(&mut ua);
    ua.hangup(now, CALL).unwrap();
    let out: Vec<Transmit> = std::iter::from_fn(|| ua.poll_transmit()).collect();
    assert_eq!(out.len(), 1, "{out:?}");
    let f12 = out[0].message.as_request().expect("a BYE").clone();
    assert_eq!(f12.method, Method::Bye);
    assert_eq!(f12.uri.to_string(), "sip:bob@client.chicago.example.com");
    assert_eq!(cseq(&f12), (cseq(&f1).0 + 1, Method::Bye));
    assert_eq!(f12.headers.to().unwrap().tag(), Some("314159"));
    assert!(routes(&f12).is_empty());
}
