//! RFC 3665 §3 with the core as Bob: §3.1 directly from Alice, and §3.8, §3.9 and §3.11 with
//! the INVITE arriving through Proxy 2 (three Vias, two Record-Routes).
//!
//! One difference from the RFC's Bob is by design: the core always rings first (180 with
//! its To tag) and lets the application reject, so in §3.9 its 486 follows a 180 instead of
//! being the only response.

use super::*;

/// §3.1 F1 as Alice sends it, straight to Bob over TCP.
const DIRECT_INVITE: &str = "
INVITE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9
Max-Forwards: 70
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 INVITE
Contact: <sip:alice@client.atlanta.example.com;transport=tcp>
Content-Type: application/sdp
";

/// §3.8–§3.11 F4: the INVITE as Proxy 2 delivers it.
const PROXIED_INVITE: &str = "
INVITE sip:bob@client.biloxi.example.com SIP/2.0
Via: SIP/2.0/{t} ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.1
Via: SIP/2.0/{t} ss1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1
 ;received=192.0.2.111
Via: SIP/2.0/{t} client.atlanta.example.com:5060;branch=z9hG4bK74bf9
 ;received=192.0.2.101
Max-Forwards: 68
Record-Route: <sip:ss2.biloxi.example.com;lr>,
 <sip:ss1.atlanta.example.com;lr>
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>
Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com
CSeq: 1 INVITE
Contact: <sip:alice@client.atlanta.example.com>
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

/// §3.8 F16, §3.9 F7, §3.11 F10: Proxy 2's hop-by-hop ACK for Bob's failure (the INVITE's
/// branch, Bob's tag).
const PROXY2_ACK: &str = "
ACK sip:bob@client.biloxi.example.com SIP/2.0
Via: SIP/2.0/{t} ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.1
Max-Forwards: 70
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>;tag={bob_tag}
Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com
CSeq: 1 ACK
";

/// The Via branches of `r`, top first, and the top Via's `received`.
fn vias(r: &Response) -> (Vec<String>, Option<std::net::IpAddr>) {
    let vias = r.headers.via().unwrap();
    let branches = vias
        .iter()
        .map(|v| v.branch().unwrap().to_owned())
        .collect();
    (branches, vias[0].received())
}

const PROXIED_BRANCHES: [&str; 3] = ["z9hG4bK721e4.1", "z9hG4bK2d4790.1", "z9hG4bK74bf9"];

/// A response of Bob's to the proxied F4: every Via in order with Proxy 2's address stamped
/// on the top one (§18.2.1, as the RFC's F6 shows), From, Call-ID and CSeq echoed, To with a
/// tag; returns the tag.
fn check_proxied_response(r: &Response, status: u16) -> String {
    assert_eq!(r.status.as_u16(), status);
    let (branches, received) = vias(r);
    assert_eq!(branches, PROXIED_BRANCHES);
    assert_eq!(received, Some("192.0.2.222".parse().unwrap()));
    let h = &r.headers;
    assert_eq!(
        h.get(&HeaderName::From).unwrap(),
        "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl"
    );
    let to = h.to().unwrap();
    assert_eq!(to.uri.to_string(), "sip:bob@biloxi.example.com");
    assert_eq!(
        h.call_id().unwrap().as_str(),
        "2xTb9vxSit55XU7p8@atlanta.example.com"
    );
    assert_eq!(cseq_of(h), (1, Method::Invite));
    to.tag().expect("§8.2.6.2: To tag").to_owned()
}

/// Bob receives the proxied F4 over `transport` and rings (F6); returns Bob's tag.
fn bob_rings(
    ua: &mut UserAgent,
    now: Instant,
    transport: TransportKind,
    t: &str,
) -> (CallId, String) {
    let p2 = peer(transport, PROXY2);
    ua.handle_datagram(now, &wire(PROXIED_INVITE, &[("t", t)], ALICE_SDP), p2);
    let f6 = one_response(ua, p2, 180);
    let tag = check_proxied_response(&f6, 180);
    assert_eq!(
        f6.headers.get(&HeaderName::Contact),
        Some(if t == "TCP" {
            "<sip:bob@client.biloxi.example.com;transport=tcp>"
        } else {
            "<sip:bob@client.biloxi.example.com>"
        })
    );
    let ev = call_events(ua);
    let [(id, CallEvent::Incoming { account, from, .. })] = &ev[..] else {
        panic!("expected Incoming: {ev:?}");
    };
    assert_eq!(
        *account,
        Some(AccountId(1)),
        "the Request-URI user is Bob's"
    );
    assert_eq!(from.uri.to_string(), "sip:alice@atlanta.example.com");
    (*id, tag)
}

/// §3.1 F1 → F2 180 → (answer) F3 200 → F4 ACK with the core as Bob: the 180 and 200
/// echo the INVITE (Via with `received=192.0.2.101` as the RFC's F2 shows), carry one To tag
/// and Bob's Contact; the 200 carries the SDP answer; after the ACK nothing is resent.
#[test]
fn rfc3665_3_1_f2_180_f3_200_as_bob() {
    let now = test_clock::origin();
    let mut ua = phone("bob", TransportKind::Tcp, false, now);
    let alice = peer(TransportKind::Tcp, ALICE);
    ua.handle_datagram(now, &wire(DIRECT_INVITE, &[], ALICE_SDP), alice);
    let f2 = one_response(&mut ua, alice, 180);
    let via =
        "SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101";
    let contact = "<sip:bob@client.biloxi.example.com;transport=tcp>";
    let check = |r: &Response| {
        let h = &r.headers;
        assert_eq!(h.get(&HeaderName::Via).unwrap(), via);
        assert_eq!(
            h.get(&HeaderName::From).unwrap(),
            "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl"
        );
        assert_eq!(
            h.call_id().unwrap().as_str(),
            "3848276298220188511@atlanta.example.com"
        );
        assert_eq!(cseq_of(h), (1, Method::Invite));
        assert_eq!(h.get(&HeaderName::Contact).unwrap(), contact);
        assert_eq!(h.content_length().unwrap(), Some(r.body.len() as u32));
        h.to().unwrap()
    };
    let to = check(&f2);
    let bob_tag = to.tag().expect("F2 has Bob's tag").to_owned();
    assert!(f2.body.is_empty());
    let ev = call_events(&mut ua);
    let [(id, CallEvent::Incoming { .. })] = ev[..] else {
        panic!("expected Incoming: {ev:?}");
    };

    ua.answer(now, id, pcmu("192.0.2.201", 3456)).unwrap();
    let f3 = one_response(&mut ua, alice, 200);
    assert_eq!(
        check(&f3).tag(),
        Some(bob_tag.as_str()),
        "one dialog: the same tag"
    );
    assert_eq!(
        f3.headers.content_type().unwrap().map(|t| t.to_string()),
        Some("application/sdp".into())
    );
    let sdp = std::str::from_utf8(&f3.body).unwrap();
    for line in [
        "c=IN IP4 192.0.2.201\r\n",
        "m=audio 3456 RTP/AVP 0",
        "a=rtpmap:0 PCMU/8000\r\n",
    ] {
        assert!(sdp.contains(line), "{line:?} in the answer:\n{sdp}");
    }
    let ev = call_events(&mut ua);
    let [(_, CallEvent::Answered { media })] = &ev[..] else {
        panic!("expected Answered: {ev:?}");
    };
    assert_eq!(media.remote_rtp, Some("192.0.2.101:49172".parse().unwrap()));

    const F4: &str = "
ACK sip:bob@client.biloxi.example.com SIP/2.0
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bd5
Max-Forwards: 70
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>;tag={bob_tag}
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 ACK
";
    ua.handle_datagram(now, &wire(F4, &[("bob_tag", &bob_tag)], ""), alice);
    assert!(sent(&mut ua, alice).is_empty());
    // RFC 3261 §13.3.1.4: the ACK stops the 200's retransmissions; the call stays up.
    run_timers(&mut ua, now, Duration::from_secs(64));
    assert!(call_events(&mut ua).is_empty());
    assert_eq!(ua.calls(), 1);
    assert_eq!(ua.transactions(), 0);
}

/// §3.1 F5 BYE with the core as Bob, and Alice's F6 200: the BYE goes to Alice's Contact,
/// From Bob with his tag, To Alice with hers, a new branch, Bob's own CSeq count ("Alice
/// and Bob maintain their own independent CSeq counts").
#[test]
fn rfc3665_3_1_f5_bye_as_bob_f6_200() {
    let now = test_clock::origin();
    let mut ua = phone("bob", TransportKind::Tcp, false, now);
    let alice = peer(TransportKind::Tcp, ALICE);
    ua.handle_datagram(now, &wire(DIRECT_INVITE, &[], ALICE_SDP), alice);
    let bob_tag = one_response(&mut ua, alice, 180)
        .headers
        .to()
        .unwrap()
        .tag()
        .unwrap()
        .to_owned();
    let ev = call_events(&mut ua);
    let id = ev[0].0;
    ua.answer(now, id, pcmu("192.0.2.201", 3456)).unwrap();
    one_response(&mut ua, alice, 200);
    let ack = "
ACK sip:bob@client.biloxi.example.com SIP/2.0
Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bd5
Max-Forwards: 70
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>;tag={bob_tag}
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 ACK
";
    ua.handle_datagram(now, &wire(ack, &[("bob_tag", &bob_tag)], ""), alice);
    call_events(&mut ua);

    ua.hangup(now, id).unwrap();
    let f5 = one_request(&mut ua, alice, &Method::Bye);
    assert_eq!(
        f5.uri.to_string(),
        "sip:alice@client.atlanta.example.com;transport=tcp"
    );
    let h = &f5.headers;
    let via = h.top_via().unwrap();
    assert_eq!(
        via.to_string().split(';').next(),
        Some("SIP/2.0/TCP 192.0.2.201:5060")
    );
    assert!(via.branch().unwrap().starts_with("z9hG4bK"));
    assert_ne!(via.branch(), Some("z9hG4bK74bf9"));
    assert_eq!(h.max_forwards().unwrap(), Some(70));
    let from = h.from().unwrap();
    assert_eq!(from.uri.to_string(), "sip:bob@biloxi.example.com");
    assert_eq!(from.tag(), Some(bob_tag.as_str()));
    let to = h.to().unwrap();
    assert_eq!(to.uri.to_string(), "sip:alice@atlanta.example.com");
    assert_eq!(to.tag(), Some("9fxced76sl"));
    assert_eq!(
        h.call_id().unwrap().as_str(),
        "3848276298220188511@atlanta.example.com"
    );
    let (seq, method) = cseq(&f5);
    assert_eq!(method, Method::Bye);
    assert!(seq < 1 << 31, "§8.1.1.5");
    assert!(h.route().unwrap().is_empty(), "no Record-Route, no Route");
    assert_eq!(
        call_events(&mut ua),
        vec![(
            id,
            CallEvent::Ended {
                reason: EndReason::Local
            }
        )]
    );
    const F6: &str = "
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to}
Call-ID: {call_id}
CSeq: {cseq} BYE
";
    let echoed = echo(&f5, "192.0.2.201");
    ua.handle_datagram(now, &wire(F6, &vars(&echoed, &[]), ""), alice);
    assert!(sent(&mut ua, alice).is_empty());
    check_idle(&mut ua, now);
}

/// §3.8 F4 → F6 180 → F13 CANCEL → F14 200 (CANCEL) and F15 487 (INVITE) → F16 ACK, with
/// the core as Bob behind Proxy 2: the 487 keeps the 180's tag, the ACK is absorbed by the
/// INVITE transaction, and nothing is retransmitted afterwards.
#[test]
fn rfc3665_3_8_f13_cancel_f14_200_f15_487_as_bob() {
    let now = test_clock::origin();
    let mut ua = phone("bob", TransportKind::Udp, false, now);
    let p2 = peer(TransportKind::Udp, PROXY2);
    let (id, bob_tag) = bob_rings(&mut ua, now, TransportKind::Udp, "UDP");
    const F13: &str = "
CANCEL sip:bob@client.biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.1
Max-Forwards: 70
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>
Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com
CSeq: 1 CANCEL
";
    ua.handle_datagram(now, &wire(F13, &[], ""), p2);
    let out = sent(&mut ua, p2);
    let responses: Vec<&Response> = out.iter().filter_map(Message::as_response).collect();
    let codes: Vec<(u16, Method)> = responses
        .iter()
        .map(|r| (r.status.as_u16(), r.headers.cseq().unwrap().method))
        .collect();
    assert_eq!(
        codes,
        vec![(200, Method::Cancel), (487, Method::Invite)],
        "F14, F15"
    );
    let f14 = responses[0];
    let (branches, received) = vias(f14);
    assert_eq!(branches, ["z9hG4bK721e4.1"]);
    assert_eq!(received, Some("192.0.2.222".parse().unwrap()));
    assert_eq!(cseq_of(&f14.headers), (1, Method::Cancel));
    assert!(f14.headers.to().unwrap().tag().is_some(), "§8.2.6.2");
    let f15_tag = check_proxied_response(responses[1], 487);
    assert_eq!(
        f15_tag, bob_tag,
        "the 487 continues the early dialog of the 180"
    );
    assert_eq!(
        call_events(&mut ua),
        vec![(
            id,
            CallEvent::Ended {
                reason: EndReason::Cancelled
            }
        )]
    );
    ua.handle_datagram(
        now,
        &wire(PROXY2_ACK, &[("t", "UDP"), ("bob_tag", &bob_tag)], ""),
        p2,
    );
    assert!(sent(&mut ua, p2).is_empty(), "the ACK is absorbed");
    ua.handle_timeout(now + Duration::from_secs(1));
    assert!(
        sent(&mut ua, p2).is_empty(),
        "Timer G stopped by the ACK: no 487 resent"
    );
    check_idle(&mut ua, now);
}

/// §3.9 F4 → (180) → F6 486 Busy Here → F7 ACK with the core as Bob over TCP.
#[test]
fn rfc3665_3_9_f6_486_f7_ack_as_bob() {
    let now = test_clock::origin();
    let mut ua = phone("bob", TransportKind::Tcp, false, now);
    let p2 = peer(TransportKind::Tcp, PROXY2);
    let (id, bob_tag) = bob_rings(&mut ua, now, TransportKind::Tcp, "TCP");
    ua.reject(now, id, 486).unwrap();
    let f6 = one_response(&mut ua, p2, 486);
    assert_eq!(check_proxied_response(&f6, 486), bob_tag);
    assert_eq!(f6.reason.as_str(), "Busy Here");
    assert!(f6.headers.get(&HeaderName::Contact).is_none());
    assert_eq!(
        call_events(&mut ua),
        vec![(
            id,
            CallEvent::Ended {
                reason: EndReason::Busy
            }
        )]
    );
    ua.handle_datagram(
        now,
        &wire(PROXY2_ACK, &[("t", "TCP"), ("bob_tag", &bob_tag)], ""),
        p2,
    );
    assert!(sent(&mut ua, p2).is_empty());
    check_idle(&mut ua, now);
}

/// §3.11 F4 → F6 180 → F9 480 Temporarily Unavailable → F10 ACK with the core as Bob.
#[test]
fn rfc3665_3_11_f9_480_f10_ack_as_bob() {
    let now = test_clock::origin();
    let mut ua = phone("bob", TransportKind::Udp, false, now);
    let p2 = peer(TransportKind::Udp, PROXY2);
    let (id, bob_tag) = bob_rings(&mut ua, now, TransportKind::Udp, "UDP");
    ua.reject(now, id, 480).unwrap();
    let f9 = one_response(&mut ua, p2, 480);
    assert_eq!(check_proxied_response(&f9, 480), bob_tag);
    assert_eq!(f9.reason.as_str(), "Temporarily Unavailable");
    let ev = call_events(&mut ua);
    assert!(
        matches!(ev[..], [(i, CallEvent::Ended { .. })] if i == id),
        "{ev:?}"
    );
    ua.handle_datagram(
        now,
        &wire(PROXY2_ACK, &[("t", "UDP"), ("bob_tag", &bob_tag)], ""),
        p2,
    );
    assert!(sent(&mut ua, p2).is_empty());
    check_idle(&mut ua, now);
}
