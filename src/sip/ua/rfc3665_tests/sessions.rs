//! RFC 3665 §3: session establishment with the core as Alice (the caller) and as Bob (the
//! callee): §3.1 directly between two UAs, and the flows through Proxy 1 and Proxy 2 that
//! end without a session (§3.8 no answer, cancelled; §3.9 busy; §3.10 no response; §3.11
//! temporarily unavailable). §3.2–§3.7 are left out: they add proxy authentication of the
//! INVITE (407), out of scope here, or are proxy/ALG/redirect-server flows whose UA side is
//! that of §3.1.
//!
//! The RFC's Proxy-Authorization lines are left out of the peer's messages and not expected
//! in ours for the same reason.

use super::*;
use crate::sip::call::{CallEvent, CallId, EndReason};
use crate::sip::offer_answer::{Codec, LocalMedia};

mod callee;

/// client.atlanta.example.com (F2 stamps `received=192.0.2.101`).
const ALICE: &str = "192.0.2.101:5060";
/// client.biloxi.example.com (`received=192.0.2.201`).
const BOB: &str = "192.0.2.201:5060";
/// ss1.atlanta.example.com (`received=192.0.2.111`).
const PROXY1: &str = "192.0.2.111:5060";
/// ss2.biloxi.example.com (`received=192.0.2.222`): where Bob's INVITEs come from.
const PROXY2: &str = "192.0.2.222:5060";
/// Where the accounts register (not part of the flows).
const REGISTRAR: &str = "192.0.2.5:5060";
const CALL: CallId = CallId(1);

/// A core playing `who` ("alice" or "bob") with a registered account for that user, over
/// `transport`; Alice's account routes through Proxy 1 when `proxy` is set.
fn phone(who: &str, transport: TransportKind, proxy: bool, now: Instant) -> UserAgent {
    phone_with(who, transport, proxy, None, 31, now)
}

/// [`phone`] with Alice's `password` (when given) and `seed` for Alice's core (Bob's is the
/// next one).
pub(super) fn phone_with(
    who: &str,
    transport: TransportKind,
    proxy: bool,
    password: Option<&str>,
    seed: u8,
    now: Instant,
) -> UserAgent {
    let (local, domain, seed) = match who {
        "alice" => (ALICE, "atlanta.example.com", seed),
        _ => (BOB, "biloxi.example.com", seed + 1),
    };
    let mut ua = core(transport, local, seed);
    let tcp = if transport == TransportKind::Tcp {
        ";transport=tcp"
    } else {
        ""
    };
    let registration = RegistrationConfig {
        aor: SipUri::parse(&format!("sip:{who}@{domain}")).unwrap(),
        registrar: SipUri::parse(&format!("sip:{domain}")).unwrap(),
        contact: SipUri::parse(&format!("sip:{who}@client.{domain}{tcp}")).unwrap(),
        expires: 3600,
        credentials: password
            .filter(|_| who == "alice")
            .map(|p| DigestCredentials::new("alice", p)),
        outbound_proxy: proxy.then(|| SipUri::parse("sip:ss1.atlanta.example.com").unwrap()),
        user_agent: None,
    };
    let registrar = peer(transport, REGISTRAR);
    ua.add_account(
        now,
        AccountId(1),
        AccountConfig {
            registration,
            registrar: Some(registrar),
            register: true,
        },
    );
    let register = one_request(&mut ua, registrar, &Method::Register);
    let echoed = echo(&register, local.split(':').next().unwrap());
    let ok = "
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to};tag=reg
Call-ID: {call_id}
CSeq: {cseq} REGISTER
";
    ua.handle_datagram(now, &wire(ok, &vars(&echoed, &[]), ""), registrar);
    assert!(matches!(
        events(&mut ua).last(),
        Some(UaEvent::Registration {
            event: RegistrationEvent::Registered { .. },
            ..
        })
    ));
    ua
}

/// PCMU only, as in the RFC's SDP (Alice on 49172, Bob on 3456).
pub(super) fn pcmu(addr: &str, port: u16) -> LocalMedia {
    LocalMedia::new(addr.parse().unwrap(), port, vec![Codec::pcmu()])
}

/// The call events the core reported.
pub(super) fn call_events(ua: &mut UserAgent) -> Vec<(CallId, CallEvent)> {
    events(ua)
        .into_iter()
        .filter_map(|e| match e {
            UaEvent::Call { call, event } => Some((call, event)),
            _ => None,
        })
        .collect()
}

fn ended(events: &[(CallId, CallEvent)]) -> Option<EndReason> {
    events.iter().find_map(|(_, e)| match e {
        CallEvent::Ended { reason } => Some(reason.clone()),
        _ => None,
    })
}

/// After a flow: timers run out with nothing left behind.
pub(super) fn check_idle(ua: &mut UserAgent, now: Instant) {
    run_timers(ua, now, Duration::from_secs(600));
    assert_eq!(ua.calls(), 0, "calls left");
    assert_eq!(ua.transactions(), 0, "transactions left");
}

// --- The core as Alice ----------------------------------------------------------------

/// Alice dials Bob (`sip:bob@biloxi.example.com`) through `to` and returns the INVITE (F1).
fn alice_dials(ua: &mut UserAgent, now: Instant, to: Peer) -> Request {
    let target = Uri::parse("sip:bob@biloxi.example.com").unwrap();
    ua.dial(
        now,
        CALL,
        Some(AccountId(1)),
        target,
        to,
        pcmu("192.0.2.101", 49172),
    )
    .unwrap();
    one_request(ua, to, &Method::Invite)
}

/// F1's shape (§3.1 F1, and F1 of §3.8–§3.11 with the Route to Proxy 1).
fn check_invite(f1: &Request, transport: &str, contact: &str, route: Option<&str>) {
    assert_eq!(f1.uri.to_string(), "sip:bob@biloxi.example.com");
    let h = &f1.headers;
    let via = h.top_via().unwrap();
    assert_eq!(
        via.to_string().split(';').next().unwrap(),
        format!("SIP/2.0/{transport} 192.0.2.101:5060")
    );
    assert!(via.branch().unwrap().starts_with("z9hG4bK"));
    assert_eq!(h.via().unwrap().len(), 1);
    assert_eq!(h.max_forwards().unwrap(), Some(70));
    assert_eq!(
        h.route()
            .unwrap()
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>(),
        route.into_iter().map(str::to_owned).collect::<Vec<_>>()
    );
    let from = h.from().unwrap();
    assert_eq!(from.uri.to_string(), "sip:alice@atlanta.example.com");
    assert!(from.tag().is_some());
    let to = h.to().unwrap();
    assert_eq!(to.uri.to_string(), "sip:bob@biloxi.example.com");
    assert_eq!(to.tag(), None);
    assert!(
        h.call_id()
            .unwrap()
            .ends_with("@client.atlanta.example.com")
    );
    assert_eq!(cseq(f1).1, Method::Invite);
    let Ok(Contacts::List(contacts)) = h.contacts() else {
        panic!("one Contact");
    };
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].uri.to_string(), contact);
    assert_eq!(
        h.content_type().unwrap().map(|t| t.to_string()),
        Some("application/sdp".into())
    );
    assert_eq!(h.content_length().unwrap(), Some(f1.body.len() as u32));
    let sdp = std::str::from_utf8(&f1.body).unwrap();
    for line in [
        "v=0\r\n",
        "s=",
        "c=IN IP4 192.0.2.101\r\n",
        "t=0 0\r\n",
        "m=audio 49172 RTP/AVP 0",
        "a=rtpmap:0 PCMU/8000\r\n",
    ] {
        assert!(sdp.contains(line), "{line:?} in the offer:\n{sdp}");
    }
    assert!(sdp.starts_with("v=0\r\no="), "{sdp}");
}

/// The ACK for a non-2xx final response (RFC 3261 §17.1.1.3; RFC 3665 §3.8 F20, §3.9 F11,
/// §3.10 F15, §3.11 F14): the INVITE's Request-URI, Via (same branch), Route, From and
/// Call-ID, the response's To (with its tag), the INVITE's CSeq number with method ACK.
fn check_non_2xx_ack(ack: &Request, invite: &Request, to_tag: &str) {
    assert_eq!(ack.uri, invite.uri);
    let (a, i) = (&ack.headers, &invite.headers);
    assert_eq!(
        a.via().unwrap(),
        vec![i.top_via().unwrap()],
        "the INVITE's Via"
    );
    assert_eq!(a.route().unwrap(), i.route().unwrap(), "the INVITE's Route");
    assert_eq!(a.max_forwards().unwrap(), Some(70));
    assert_eq!(a.from().unwrap(), i.from().unwrap());
    let to = a.to().unwrap();
    assert_eq!(to.uri, i.to().unwrap().uri);
    assert_eq!(to.tag(), Some(to_tag));
    assert_eq!(a.call_id().unwrap(), i.call_id().unwrap());
    assert_eq!(cseq(ack), (cseq(invite).0, Method::Ack));
    assert!(ack.body.is_empty());
}

/// §3.1 F2: Bob's 180 to Alice.
const BOB_180: &str = "
SIP/2.0 180 Ringing
Via: {via}
From: {from}
To: {to};tag=8321234356
Call-ID: {call_id}
CSeq: {cseq} INVITE
Contact: <sip:bob@client.biloxi.example.com;transport=tcp>
";

/// §3.1 F3: Bob's 200 with his SDP answer.
const BOB_200: &str = "
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to};tag=8321234356
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

/// §3.1 F1: Alice's INVITE, straight to Bob over TCP.
#[test]
fn rfc3665_3_1_f1_invite() {
    let now = test_clock::origin();
    let mut ua = phone("alice", TransportKind::Tcp, false, now);
    let bob = peer(TransportKind::Tcp, BOB);
    let f1 = alice_dials(&mut ua, now, bob);
    let contact = "sip:alice@client.atlanta.example.com;transport=tcp";
    check_invite(&f1, "TCP", contact, None);
    assert!(call_events(&mut ua).is_empty());
}

/// Drives §3.1 through F4 with the core as Alice; returns (F1, F4).
fn alice_established(ua: &mut UserAgent, now: Instant) -> (Request, Request) {
    let bob = peer(TransportKind::Tcp, BOB);
    let f1 = alice_dials(ua, now, bob);
    let echoed = echo(&f1, "192.0.2.101");
    ua.handle_datagram(now, &wire(BOB_180, &vars(&echoed, &[]), ""), bob);
    assert!(sent(ua, bob).is_empty(), "nothing answers a 180");
    assert_eq!(call_events(ua), vec![(CALL, CallEvent::Ringing)]);
    ua.handle_datagram(now, &wire(BOB_200, &vars(&echoed, &[]), BOB_SDP), bob);
    let f4 = one_request(ua, bob, &Method::Ack);
    (f1, f4)
}

/// §3.1 F2 180 → Ringing; F3 200 → Answered with Bob's media; F4 ACK: Request-URI Bob's
/// Contact, a new branch, the INVITE's CSeq number, To with Bob's tag (RFC 3261 §13.2.2.4).
#[test]
fn rfc3665_3_1_f2_180_f3_200_f4_ack() {
    let now = test_clock::origin();
    let mut ua = phone("alice", TransportKind::Tcp, false, now);
    let (f1, f4) = alice_established(&mut ua, now);
    assert_eq!(
        f4.uri.to_string(),
        "sip:bob@client.biloxi.example.com;transport=tcp"
    );
    let (a, i) = (&f4.headers, &f1.headers);
    assert_ne!(
        branch(&f4),
        branch(&f1),
        "§17.1.1.3 does not apply: a 2xx ACK is new"
    );
    assert!(branch(&f4).starts_with("z9hG4bK"));
    assert_eq!(a.max_forwards().unwrap(), Some(70));
    assert_eq!(a.from().unwrap(), i.from().unwrap());
    assert_eq!(a.to().unwrap().uri, i.to().unwrap().uri);
    assert_eq!(a.to().unwrap().tag(), Some("8321234356"));
    assert_eq!(a.call_id().unwrap(), i.call_id().unwrap());
    assert_eq!(cseq(&f4), (cseq(&f1).0, Method::Ack));
    assert!(a.route().unwrap().is_empty());
    assert!(f4.body.is_empty(), "the offer was in the INVITE");
    let ev = call_events(&mut ua);
    let [(CALL, CallEvent::Answered { media })] = &ev[..] else {
        panic!("expected Answered: {ev:?}");
    };
    assert_eq!(media.remote_rtp, Some("192.0.2.201:3456".parse().unwrap()));
    assert_eq!(media.send_codec.as_ref().unwrap().codec.name, "PCMU");
    // A retransmitted F3 gets the same ACK again (§13.2.2.4), and nothing else happens.
    let echoed = echo(&f1, "192.0.2.101");
    let bob = peer(TransportKind::Tcp, BOB);
    ua.handle_datagram(now, &wire(BOB_200, &vars(&echoed, &[]), BOB_SDP), bob);
    let again = one_request(&mut ua, bob, &Method::Ack);
    assert_eq!(cseq(&again), cseq(&f4));
    assert!(call_events(&mut ua).is_empty());
}

/// §3.1 F5 BYE from Bob → F6 200 OK from Alice: Via (with the `received` Alice stamps),
/// From, To, Call-ID and CSeq echoed; the call ends as hung up by the remote side.
#[test]
fn rfc3665_3_1_f5_bye_from_bob_f6_200() {
    let now = test_clock::origin();
    let mut ua = phone("alice", TransportKind::Tcp, false, now);
    let (f1, _) = alice_established(&mut ua, now);
    call_events(&mut ua);
    let alice_tag = f1.headers.from().unwrap().tag().unwrap().to_owned();
    let call_id = f1.headers.call_id().unwrap().to_string();
    const F5: &str = "
BYE sip:alice@client.atlanta.example.com SIP/2.0
Via: SIP/2.0/TCP client.biloxi.example.com:5060;branch=z9hG4bKnashds7
Max-Forwards: 70
From: Bob <sip:bob@biloxi.example.com>;tag=8321234356
To: Alice <sip:alice@atlanta.example.com>;tag={alice_tag}
Call-ID: {call_id}
CSeq: 1 BYE
";
    let vars = [
        ("alice_tag", alice_tag.as_str()),
        ("call_id", call_id.as_str()),
    ];
    let bob = peer(TransportKind::Tcp, BOB);
    ua.handle_datagram(now, &wire(F5, &vars, ""), bob);
    let f6 = one_response(&mut ua, bob, 200);
    let h = &f6.headers;
    assert_eq!(
        h.get(&HeaderName::Via).unwrap(),
        "SIP/2.0/TCP client.biloxi.example.com:5060;branch=z9hG4bKnashds7;received=192.0.2.201"
    );
    assert_eq!(
        h.get(&HeaderName::From).unwrap(),
        "Bob <sip:bob@biloxi.example.com>;tag=8321234356"
    );
    assert_eq!(
        h.get(&HeaderName::To).unwrap().to_string(),
        format!("Alice <sip:alice@atlanta.example.com>;tag={alice_tag}")
    );
    assert_eq!(h.call_id().unwrap().as_str(), call_id);
    assert_eq!(cseq_of(h), (1, Method::Bye));
    assert_eq!(h.content_length().unwrap(), Some(0));
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

pub(super) fn cseq_of(h: &crate::sip::header::Headers) -> (u32, Method) {
    let c = h.cseq().unwrap();
    (c.seq, c.method)
}

/// §3.1 with the roles of F5/F6 swapped (Alice hangs up): her BYE goes to Bob's Contact with
/// a new branch, To with Bob's tag, and the next CSeq number after the INVITE's
/// (RFC 3261 §12.2.1.1); Bob's 200 ends the transaction.
#[test]
fn rfc3665_3_1_f5_bye_from_alice() {
    let now = test_clock::origin();
    let mut ua = phone("alice", TransportKind::Tcp, false, now);
    let (f1, f4) = alice_established(&mut ua, now);
    call_events(&mut ua);
    ua.hangup(now, CALL).unwrap();
    let bob = peer(TransportKind::Tcp, BOB);
    let bye = one_request(&mut ua, bob, &Method::Bye);
    assert_eq!(
        bye.uri.to_string(),
        "sip:bob@client.biloxi.example.com;transport=tcp"
    );
    assert_eq!(cseq(&bye), (cseq(&f1).0 + 1, Method::Bye));
    assert_ne!(branch(&bye), branch(&f1));
    assert_ne!(branch(&bye), branch(&f4));
    let (b, i) = (&bye.headers, &f1.headers);
    assert_eq!(b.from().unwrap(), i.from().unwrap());
    assert_eq!(b.to().unwrap().tag(), Some("8321234356"));
    assert_eq!(b.call_id().unwrap(), i.call_id().unwrap());
    assert_eq!(b.max_forwards().unwrap(), Some(70));
    assert_eq!(
        call_events(&mut ua),
        vec![(
            CALL,
            CallEvent::Ended {
                reason: EndReason::Local
            }
        )]
    );
    let ok = "
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to}
Call-ID: {call_id}
CSeq: {cseq} BYE
";
    let echoed = echo(&bye, "192.0.2.101");
    ua.handle_datagram(now, &wire(ok, &vars(&echoed, &[]), ""), bob);
    assert!(sent(&mut ua, bob).is_empty());
    check_idle(&mut ua, now);
}

// --- Through Proxy 1: §3.8–§3.11 with the core as Alice --------------------------------

/// §3.8–§3.11 F3: Proxy 1's 100 Trying.
const TRYING: &str = "
SIP/2.0 100 Trying
Via: {via}
From: {from}
To: {to}
Call-ID: {call_id}
CSeq: {cseq} INVITE
";

/// §3.8 F8, §3.11 F8: Bob's 180 as Proxy 1 forwards it, with both proxies' Record-Route.
const PROXIED_180: &str = "
SIP/2.0 180 Ringing
Via: {via}
Record-Route: <sip:ss2.biloxi.example.com;lr>,
 <sip:ss1.atlanta.example.com;lr>
From: {from}
To: {to};tag=314159
Call-ID: {call_id}
CSeq: {cseq} INVITE
Contact: <sip:bob@client.biloxi.example.com>
";

/// §3.8 F19, §3.9 F10, §3.10 F14, §3.11 F13: the final failure Proxy 1 forwards.
const PROXIED_FINAL: &str = "
SIP/2.0 {status}
Via: {via}
From: {from}
To: {to};tag=314159
Call-ID: {call_id}
CSeq: {cseq} INVITE
";

/// Alice registered with the outbound proxy, having sent F1 to Proxy 1 and received F3.
fn alice_through_proxy(transport: TransportKind, now: Instant) -> (UserAgent, Request) {
    let mut ua = phone("alice", transport, true, now);
    let p1 = peer(transport, PROXY1);
    let f1 = alice_dials(&mut ua, now, p1);
    let (name, contact) = match transport {
        TransportKind::Tcp => ("TCP", "sip:alice@client.atlanta.example.com;transport=tcp"),
        _ => ("UDP", "sip:alice@client.atlanta.example.com"),
    };
    check_invite(&f1, name, contact, Some("<sip:ss1.atlanta.example.com;lr>"));
    let echoed = echo(&f1, "192.0.2.101");
    ua.handle_datagram(now, &wire(TRYING, &vars(&echoed, &[]), ""), p1);
    assert!(sent(&mut ua, p1).is_empty(), "nothing answers a 100");
    // RFC 3261 §17.1.1.2: a provisional response stops Timer A (UDP retransmissions).
    ua.handle_timeout(now + Duration::from_secs(2));
    assert!(
        sent(&mut ua, p1).is_empty(),
        "no INVITE retransmission after the 100"
    );
    assert!(call_events(&mut ua).is_empty());
    (ua, f1)
}

/// Feeds a final failure `status` from Proxy 1 and returns the ACK the core sent.
fn proxy_fails(ua: &mut UserAgent, now: Instant, f1: &Request, status: &str, p1: Peer) -> Request {
    let echoed = echo(f1, "192.0.2.101");
    let data = wire(PROXIED_FINAL, &vars(&echoed, &[("status", status)]), "");
    ua.handle_datagram(now, &data, p1);
    let ack = one_request(ua, p1, &Method::Ack);
    check_non_2xx_ack(&ack, f1, "314159");
    ack
}

/// §3.8 F1 → F3 100 → F8 180 → F9 CANCEL → F10 200 → F19 487 → F20 ACK. The CANCEL has the
/// INVITE's Request-URI, Via (same branch), Route, From, To (no tag), Call-ID and CSeq number
/// with method CANCEL (RFC 3261 §9.1); the 487 is ACKed hop by hop like any non-2xx.
#[test]
fn rfc3665_3_8_f9_cancel_f19_487_f20_ack() {
    let now = test_clock::origin();
    let (mut ua, f1) = alice_through_proxy(TransportKind::Udp, now);
    let p1 = peer(TransportKind::Udp, PROXY1);
    let echoed = echo(&f1, "192.0.2.101");
    ua.handle_datagram(now, &wire(PROXIED_180, &vars(&echoed, &[]), ""), p1);
    assert!(sent(&mut ua, p1).is_empty());
    assert_eq!(call_events(&mut ua), vec![(CALL, CallEvent::Ringing)]);

    ua.hangup(now, CALL).unwrap();
    let f9 = one_request(&mut ua, p1, &Method::Cancel);
    assert_eq!(f9.uri, f1.uri);
    let (c, i) = (&f9.headers, &f1.headers);
    assert_eq!(
        c.via().unwrap(),
        vec![i.top_via().unwrap()],
        "§9.1: the INVITE's Via"
    );
    assert_eq!(
        c.route().unwrap(),
        i.route().unwrap(),
        "§9.1: the INVITE's Route"
    );
    assert_eq!(c.max_forwards().unwrap(), Some(70));
    assert_eq!(c.from().unwrap(), i.from().unwrap());
    assert_eq!(
        c.to().unwrap(),
        i.to().unwrap(),
        "§9.1: the INVITE's To, no tag"
    );
    assert_eq!(c.call_id().unwrap(), i.call_id().unwrap());
    assert_eq!(cseq(&f9), (cseq(&f1).0, Method::Cancel));
    assert!(c.get(&HeaderName::Require).is_none() && f9.body.is_empty());

    const F10: &str = "
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to}
Call-ID: {call_id}
CSeq: {cseq} CANCEL
";
    let cancel_echo = echo(&f9, "192.0.2.101");
    ua.handle_datagram(now, &wire(F10, &vars(&cancel_echo, &[]), ""), p1);
    assert!(sent(&mut ua, p1).is_empty());
    let f20 = proxy_fails(&mut ua, now, &f1, "487 Request Terminated", p1);
    assert_eq!(
        call_events(&mut ua),
        vec![(
            CALL,
            CallEvent::Ended {
                reason: EndReason::Local
            }
        )]
    );
    // A retransmitted F19 is ACKed again by the transaction (Timer D), not re-reported.
    let data = wire(
        PROXIED_FINAL,
        &vars(&echoed, &[("status", "487 Request Terminated")]),
        "",
    );
    ua.handle_datagram(now, &data, p1);
    assert_eq!(one_request(&mut ua, p1, &Method::Ack), f20);
    assert!(call_events(&mut ua).is_empty());
    check_idle(&mut ua, now);
}

/// §3.8, the case its text describes: a 200 crosses the CANCEL. Alice ACKs the 200 (new
/// branch, Request-URI Bob's Contact, Route the reversed Record-Route) and then sends BYE
/// with the next CSeq number through the same route.
#[test]
fn rfc3665_3_8_200_crossing_f9_cancel_gets_ack_then_bye() {
    let now = test_clock::origin();
    let (mut ua, f1) = alice_through_proxy(TransportKind::Udp, now);
    let p1 = peer(TransportKind::Udp, PROXY1);
    let echoed = echo(&f1, "192.0.2.101");
    ua.handle_datagram(now, &wire(PROXIED_180, &vars(&echoed, &[]), ""), p1);
    assert_eq!(call_events(&mut ua), vec![(CALL, CallEvent::Ringing)]);
    ua.hangup(now, CALL).unwrap();
    let f9 = one_request(&mut ua, p1, &Method::Cancel);
    const CROSSING_200: &str = "
SIP/2.0 200 OK
Via: {via}
Record-Route: <sip:ss2.biloxi.example.com;lr>,
 <sip:ss1.atlanta.example.com;lr>
From: {from}
To: {to};tag=314159
Call-ID: {call_id}
CSeq: {cseq} INVITE
Contact: <sip:bob@client.biloxi.example.com>
Content-Type: application/sdp
";
    ua.handle_datagram(now, &wire(CROSSING_200, &vars(&echoed, &[]), BOB_SDP), p1);
    let out = sent(&mut ua, p1);
    let methods: Vec<Method> = out
        .iter()
        .map(|m| m.as_request().expect("requests only").method.clone())
        .collect();
    assert_eq!(methods, vec![Method::Ack, Method::Bye], "ACK then BYE");
    let (ack, bye) = (out[0].as_request().unwrap(), out[1].as_request().unwrap());
    let routes = [
        "<sip:ss1.atlanta.example.com;lr>",
        "<sip:ss2.biloxi.example.com;lr>",
    ];
    for r in [ack, bye] {
        assert_eq!(r.uri.to_string(), "sip:bob@client.biloxi.example.com");
        let route: Vec<String> = r
            .headers
            .route()
            .unwrap()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(
            route, routes,
            "§12.1.2: the route set is the reversed Record-Route"
        );
        assert_eq!(r.headers.to().unwrap().tag(), Some("314159"));
        assert_ne!(branch(r), branch(&f1));
    }
    assert_ne!(branch(ack), branch(bye));
    assert_eq!(cseq(ack), (cseq(&f1).0, Method::Ack));
    assert_eq!(cseq(bye), (cseq(&f1).0 + 1, Method::Bye));
    assert_eq!(
        call_events(&mut ua),
        vec![(
            CALL,
            CallEvent::Ended {
                reason: EndReason::Local
            }
        )]
    );
    // The CANCEL and the BYE are answered; nothing is left.
    for request in [&f9, bye] {
        let method = request.method.to_string();
        let ok = format!(
            "\nSIP/2.0 200 OK\nVia: {{via}}\nFrom: {{from}}\nTo: {{to}}\nCall-ID: {{call_id}}\n\
             CSeq: {{cseq}} {method}\n"
        );
        let e = echo(request, "192.0.2.101");
        ua.handle_datagram(now, &wire(&ok, &vars(&e, &[]), ""), p1);
    }
    assert!(sent(&mut ua, p1).is_empty());
    check_idle(&mut ua, now);
}

/// §3.9 F1 → F3 100 → F10 486 Busy Here → F11 ACK (over TCP, as in the RFC); the call ends
/// as busy.
#[test]
fn rfc3665_3_9_f10_486_f11_ack() {
    let now = test_clock::origin();
    let (mut ua, f1) = alice_through_proxy(TransportKind::Tcp, now);
    let p1 = peer(TransportKind::Tcp, PROXY1);
    proxy_fails(&mut ua, now, &f1, "486 Busy Here", p1);
    assert_eq!(
        call_events(&mut ua),
        vec![(
            CALL,
            CallEvent::Ended {
                reason: EndReason::Busy
            }
        )]
    );
    check_idle(&mut ua, now);
}

/// §3.10 F1 → F3 100 → F14 480 No Response → F15 ACK: the failure is reported with the code
/// and reason Proxy 2 gave.
#[test]
fn rfc3665_3_10_f14_480_f15_ack() {
    let now = test_clock::origin();
    let (mut ua, f1) = alice_through_proxy(TransportKind::Udp, now);
    let p1 = peer(TransportKind::Udp, PROXY1);
    proxy_fails(&mut ua, now, &f1, "480 No Response", p1);
    let reason = EndReason::Failed {
        code: 480,
        reason: "No Response".into(),
    };
    assert_eq!(
        call_events(&mut ua),
        vec![(CALL, CallEvent::Ended { reason })]
    );
    check_idle(&mut ua, now);
}

/// §3.10 F4, F6–F11 seen from the sender of the INVITE: to a silent peer over UDP the
/// INVITE goes out once and is resent six times (Timer A: 0.5, 1, 2, 4, 8, 16 s), then
/// Timer B (64·T1 = 32 s) ends the call as timed out.
#[test]
fn rfc3665_3_10_f4_f11_six_retransmissions_then_timer_b() {
    let now = test_clock::origin();
    let mut ua = phone("alice", TransportKind::Udp, false, now);
    let bob = peer(TransportKind::Udp, BOB);
    let f4 = alice_dials(&mut ua, now, bob);
    let mut resends = Vec::new();
    let ended_at = loop {
        let t = ua.poll_timeout().expect("a timer runs");
        ua.handle_timeout(t);
        for m in sent(&mut ua, bob) {
            assert_eq!(m.as_request(), Some(&f4), "a resend of F4");
            resends.push(t - now);
        }
        if let Some(reason) = ended(&call_events(&mut ua)) {
            assert_eq!(reason, EndReason::Timeout);
            break t;
        }
    };
    let secs = |s: &[f64]| {
        s.iter()
            .map(|s| Duration::from_secs_f64(*s))
            .collect::<Vec<_>>()
    };
    assert_eq!(resends, secs(&[0.5, 1.5, 3.5, 7.5, 15.5, 31.5]));
    assert_eq!(ended_at - now, Duration::from_secs(32));
    check_idle(&mut ua, ended_at);
}

/// §3.11 F1 → F3 100 → F8 180 → F13 480 Temporarily Unavailable → F14 ACK.
#[test]
fn rfc3665_3_11_f8_180_f13_480_f14_ack() {
    let now = test_clock::origin();
    let (mut ua, f1) = alice_through_proxy(TransportKind::Udp, now);
    let p1 = peer(TransportKind::Udp, PROXY1);
    let echoed = echo(&f1, "192.0.2.101");
    ua.handle_datagram(now, &wire(PROXIED_180, &vars(&echoed, &[]), ""), p1);
    assert_eq!(call_events(&mut ua), vec![(CALL, CallEvent::Ringing)]);
    proxy_fails(&mut ua, now, &f1, "480 Temporarily Unavailable", p1);
    let reason = EndReason::Failed {
        code: 480,
        reason: "Temporarily Unavailable".into(),
    };
    assert_eq!(
        call_events(&mut ua),
        vec![(CALL, CallEvent::Ended { reason })]
    );
    check_idle(&mut ua, now);
}
