//! The UA core on virtual time against a registrar written in the test (digest-checking with
//! the RFC 7616 arithmetic), and the §8.2 checks on incoming requests.

use super::*;
use crate::sip::digest::{DigestChallenge, DigestCredentials, respond};
use crate::sip::header::HeaderName;
use crate::sip::headers::AuthValue;
use crate::sip::message::{Response, StatusCode};
use crate::sip::registration::RegistrationState;
use crate::sip::test_clock;
use crate::sip::text::Text;
use crate::sip::uri::SipUri;
use crate::sip::uri::Uri;
use std::time::Duration;

const REGISTRAR: &str = "127.0.0.1:5070";
const CHALLENGE: &str =
    r#"Digest realm="example.com", nonce="n0nce", qop="auth", algorithm=SHA-256"#;

fn udp(addr: &str) -> Peer {
    Peer {
        transport: TransportKind::Udp,
        addr: addr.parse().unwrap(),
    }
}

fn ua() -> UserAgent {
    let config = UaConfig {
        user_agent: "Tincan test".into(),
        timers: TimerConfig::default(),
        local: vec![(TransportKind::Udp, "127.0.0.1:5062".parse().unwrap())],
    };
    UserAgent::new(config, [9; 32])
}

fn account(password: &str) -> AccountConfig {
    AccountConfig {
        registration: RegistrationConfig {
            aor: SipUri::parse("sip:alice@example.com").unwrap(),
            registrar: SipUri::parse("sip:example.com").unwrap(),
            contact: SipUri::parse("sip:alice@127.0.0.1:5062").unwrap(),
            expires: 600,
            credentials: Some(DigestCredentials::new("alice", password)),
            outbound_proxy: None,
            user_agent: None,
        },
        registrar: Some(udp(REGISTRAR)),
        register: true,
    }
}

fn transmits(ua: &mut UserAgent) -> Vec<Transmit> {
    std::iter::from_fn(|| ua.poll_transmit()).collect()
}

fn events(ua: &mut UserAgent) -> Vec<UaEvent> {
    std::iter::from_fn(|| ua.poll_event()).collect()
}

/// A registrar that challenges, checks the digest answer for password "secret", and grants
/// the binding. Returns the response as bytes, as the network would carry it.
fn registrar(request: &Message) -> Vec<u8> {
    let Message::Request(req) = request else {
        panic!("registrar got a response")
    };
    assert_eq!(req.method, Method::Register);
    let mut resp = Response::new(StatusCode::new(200).unwrap());
    for h in req.headers.iter() {
        if matches!(
            h.name,
            HeaderName::Via | HeaderName::From | HeaderName::CallId | HeaderName::CSeq
        ) {
            resp.headers.push(h.name.clone(), h.value_text());
        }
    }
    let to = format!("{};tag=reg1", req.headers.get(&HeaderName::To).unwrap());
    resp.headers.push(HeaderName::To, to);
    let auth = req.headers.authorization().unwrap();
    let ok = auth.first().is_some_and(|a| {
        let challenge =
            DigestChallenge::from_header(&AuthValue::parse(CHALLENGE).unwrap()).unwrap();
        let expected = respond(
            &challenge,
            &DigestCredentials::new("alice", "secret"),
            "REGISTER",
            a.get("uri").unwrap_or(""),
            b"",
            a.get("cnonce").unwrap_or(""),
            u32::from_str_radix(a.get("nc").unwrap_or("0"), 16).unwrap_or(0),
        );
        expected.get("response") == a.get("response")
    });
    if ok {
        let contact = req.headers.get(&HeaderName::Contact).unwrap();
        resp.headers.push(HeaderName::Contact, contact);
    } else {
        resp.status = StatusCode::new(401).unwrap();
        resp.reason = Text::from("Unauthorized");
        resp.headers.push(HeaderName::WwwAuthenticate, CHALLENGE);
    }
    Message::Response(resp).to_bytes()
}

#[test]
fn registers_through_a_digest_challenge_and_cleans_up() {
    let mut ua = ua();
    let now = test_clock::origin();
    ua.add_account(now, AccountId(1), account("secret"));
    for round in 0..2 {
        let tx = transmits(&mut ua);
        assert_eq!(tx.len(), 1, "round {round}");
        assert_eq!(tx[0].peer, udp(REGISTRAR));
        let via = tx[0].message.headers().top_via().unwrap();
        assert!(via.branch().unwrap().starts_with("z9hG4bK"));
        assert_eq!(
            via.rport(),
            Some(None),
            "RFC 3581: rport asked on every request"
        );
        assert_eq!(
            via.to_string().split(';').next(),
            Some("SIP/2.0/UDP 127.0.0.1:5062")
        );
        let answer = registrar(&tx[0].message);
        ua.handle_datagram(now, &answer, udp(REGISTRAR));
    }
    let ev = events(&mut ua);
    assert_eq!(
        ev.last(),
        Some(&UaEvent::Registration {
            account: AccountId(1),
            event: RegistrationEvent::Registered { expires: 600 }
        }),
        "{ev:?}"
    );
    // Timer K ends the finished REGISTER transactions; the refresh timer remains.
    let mut t = now;
    while ua.transactions() > 0 {
        t = ua.poll_timeout().unwrap();
        ua.handle_timeout(t);
    }
    assert!(t - now <= Duration::from_secs(5));
    assert_eq!(ua.poll_timeout(), Some(now + Duration::from_secs(570)));
}

#[test]
fn wrong_password_is_reported_and_retried_later() {
    let mut ua = ua();
    let now = test_clock::origin();
    ua.add_account(now, AccountId(7), account("wrong"));
    for _ in 0..2 {
        let tx = transmits(&mut ua);
        let answer = registrar(&tx[0].message);
        ua.handle_datagram(now, &answer, udp(REGISTRAR));
    }
    assert!(transmits(&mut ua).is_empty(), "no loop on bad credentials");
    let ev = events(&mut ua);
    assert!(
        matches!(
            ev.last(),
            Some(UaEvent::Registration {
                account: AccountId(7),
                event: RegistrationEvent::Failed { code: 401, .. }
            })
        ),
        "{ev:?}"
    );
}

#[test]
fn unanswered_register_times_out_after_timer_f() {
    let mut ua = ua();
    let now = test_clock::origin();
    ua.add_account(now, AccountId(1), account("secret"));
    let mut sent = transmits(&mut ua).len();
    let t = loop {
        let t = ua.poll_timeout().unwrap();
        ua.handle_timeout(t);
        sent += transmits(&mut ua).len();
        if events(&mut ua).iter().any(|e| {
            matches!(
                e,
                UaEvent::Registration {
                    event: RegistrationEvent::Failed { code: 408, .. },
                    ..
                }
            )
        }) {
            break t;
        }
    };
    assert_eq!(t - now, Duration::from_secs(32), "Timer F = 64*T1");
    // 0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5 s: E doubles up to T2.
    assert_eq!(sent, 11);
}

#[test]
fn removing_an_account_unregisters_it() {
    let mut ua = ua();
    let now = test_clock::origin();
    ua.add_account(now, AccountId(1), account("secret"));
    for _ in 0..2 {
        let tx = transmits(&mut ua);
        ua.handle_datagram(now, &registrar(&tx[0].message), udp(REGISTRAR));
    }
    ua.remove_account(now, AccountId(1));
    let tx = transmits(&mut ua);
    assert_eq!(tx[0].message.headers().expires().unwrap(), Some(0));
    ua.handle_datagram(now, &registrar(&tx[0].message), udp(REGISTRAR));
    let ev = events(&mut ua);
    assert!(ev.contains(&UaEvent::Registration {
        account: AccountId(1),
        event: RegistrationEvent::Unregistered
    }));
    let _ = RegistrationState::Idle;
    assert!(ua.accounts.is_empty());
}

const PHONE: &str = "127.0.0.1:5090";

fn request(first_line: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "{first_line}\r\nVia: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bK{}\r\nMax-Forwards: 70\r\n\
         From: <sip:bob@example.com>;tag=b1\r\nTo: <sip:alice@127.0.0.1:5062>\r\n\
         Call-ID: c{}@127.0.0.1\r\nCSeq: 1 {}\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        first_line.len(),
        first_line.len(),
        first_line.split(' ').next().unwrap(),
        body.len()
    )
    .into_bytes()
}

fn answer_to(data: &[u8]) -> Response {
    let mut ua = ua();
    ua.handle_datagram(test_clock::origin(), data, udp(PHONE));
    let tx = transmits(&mut ua);
    assert_eq!(tx.len(), 1, "exactly one answer");
    assert_eq!(tx[0].peer, udp(PHONE));
    match &tx[0].message {
        Message::Response(r) => r.clone(),
        Message::Request(_) => panic!("expected a response"),
    }
}

#[test]
fn options_is_answered_with_capabilities() {
    let r = answer_to(&request(
        "OPTIONS sip:alice@127.0.0.1:5062 SIP/2.0",
        "Accept: application/sdp\r\n",
        "",
    ));
    assert_eq!(r.status.as_u16(), 200);
    let allow = r.headers.allow().unwrap();
    assert_eq!(allow, ALLOWED.to_vec());
    assert_eq!(
        r.headers.accept().unwrap()[0].to_string(),
        "application/sdp"
    );
    assert!(
        r.headers.to().unwrap().tag().is_some(),
        "§8.2.6.2: To tag added"
    );
    assert_eq!(r.headers.via().unwrap().len(), 1);
    assert_eq!(r.headers.call_id().unwrap().as_str(), "c40@127.0.0.1");
}

#[test]
fn section_8_2_checks() {
    // (request line, extra headers, body, expected status, expected header)
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a str,
        u16,
        Option<(HeaderName, &'a str)>,
    );
    let cases: &[Case] = &[
        (
            "MESSAGE sip:alice@127.0.0.1 SIP/2.0",
            "",
            "",
            405,
            Some((HeaderName::Allow, "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO")),
        ),
        (
            "OPTIONS sip:alice@127.0.0.1 SIP/2.0",
            "Require: 100rel, foo\r\n",
            "",
            420,
            Some((HeaderName::Unsupported, "100rel, foo")),
        ),
        (
            "OPTIONS mailto:alice@example.com SIP/2.0",
            "",
            "",
            416,
            None,
        ),
        (
            "OPTIONS sip:alice@127.0.0.1 SIP/2.0",
            "Content-Type: text/plain\r\n",
            "hello",
            415,
            Some((HeaderName::Accept, "application/sdp")),
        ),
        ("OPTIONS sip:alice@127.0.0.1 SIP/7.0", "", "", 505, None),
        (
            "OPTIONS sip:alice@127.0.0.1 SIP/2.0",
            "Max-Forwards: 300\r\n",
            "",
            400,
            None,
        ),
    ];
    for (line, extra, body, status, header) in cases {
        let r = answer_to(&request(line, extra, body));
        assert_eq!(r.status.as_u16(), *status, "{line} {extra}");
        if let Some((name, value)) = header {
            assert_eq!(r.headers.get(name), Some(*value), "{line}");
        }
    }
    // A To tag for a dialog we do not have: 481.
    let data = String::from_utf8(request("OPTIONS sip:alice@127.0.0.1 SIP/2.0", "", ""))
        .unwrap()
        .replace(
            "To: <sip:alice@127.0.0.1:5062>",
            "To: <sip:alice@127.0.0.1:5062>;tag=gone",
        );
    assert_eq!(answer_to(data.as_bytes()).status.as_u16(), 481);
    // The 400 names what was wrong.
    let data = String::from_utf8(request("OPTIONS sip:alice@127.0.0.1 SIP/2.0", "", ""))
        .unwrap()
        .replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE");
    let r = answer_to(data.as_bytes());
    assert_eq!(r.status.as_u16(), 400);
    assert!(r.reason.contains("CSeq"), "{}", r.reason);
}

#[test]
fn garbage_is_dropped_and_reported() {
    let mut ua = ua();
    ua.handle_datagram(test_clock::origin(), b"\x00\x01garbage\r\n\r\n", udp(PHONE));
    assert!(transmits(&mut ua).is_empty());
    assert!(matches!(
        events(&mut ua)[..],
        [UaEvent::Rejected { status: None, .. }]
    ));
}

#[test]
fn merged_request_gets_482() {
    let mut ua = ua();
    let now = test_clock::origin();
    let first = request("OPTIONS sip:alice@127.0.0.1 SIP/2.0", "", "");
    // The same request forked through another proxy: another branch, same From tag,
    // Call-ID and CSeq.
    let second = String::from_utf8(first.clone())
        .unwrap()
        .replace("branch=z9hG4bK", "branch=z9hG4bKother");
    ua.handle_datagram(now, &first, udp(PHONE));
    ua.handle_datagram(now, second.as_bytes(), udp(PHONE));
    let codes: Vec<u16> = transmits(&mut ua)
        .iter()
        .filter_map(|t| t.message.as_response().map(|r| r.status.as_u16()))
        .collect();
    assert_eq!(codes, vec![200, 482]);
    // A retransmission of the first is absorbed by its transaction, not called merged.
    ua.handle_datagram(now, &first, udp(PHONE));
    let again: Vec<u16> = transmits(&mut ua)
        .iter()
        .filter_map(|t| t.message.as_response().map(|r| r.status.as_u16()))
        .collect();
    assert_eq!(again, vec![200]);
}

/// §22.3: a proxy's 407 to our INVITE is answered once with Proxy-Authorization in a new
/// INVITE (same Call-ID and From tag, CSeq + 1); a second 407 without `stale` ends the call.
#[test]
fn invite_challenge_is_answered_once() {
    use crate::sip::call::{CallId, EndReason};
    use crate::sip::offer_answer::{Codec, LocalMedia};
    let mut ua = ua();
    let now = test_clock::origin();
    ua.add_account(now, AccountId(1), account("secret"));
    transmits(&mut ua); // the REGISTER, not answered here
    let proxy = udp("127.0.0.1:5080");
    let media = LocalMedia::new("127.0.0.1".parse().unwrap(), 40000, vec![Codec::pcmu()]);
    let target = Uri::parse("sip:bob@example.com").unwrap();
    ua.dial(now, CallId(5), Some(AccountId(1)), target, proxy, media)
        .unwrap();
    let challenge = |req: &Request| {
        let mut r = reply(req, 407, Some("proxy"));
        r.headers.push(HeaderName::ProxyAuthenticate, CHALLENGE);
        Message::Response(r).to_bytes()
    };
    let first = transmits(&mut ua).remove(0).message;
    let first = first.as_request().unwrap().clone();
    assert!(first.headers.proxy_authorization().unwrap().is_empty());
    ua.handle_datagram(now, &challenge(&first), proxy);
    let sent = transmits(&mut ua);
    let methods: Vec<_> = sent
        .iter()
        .map(|t| t.message.as_request().unwrap().method.clone())
        .collect();
    assert_eq!(
        methods,
        vec![Method::Ack, Method::Invite],
        "ACK for the 407, then the new INVITE"
    );
    let second = sent[1].message.as_request().unwrap().clone();
    let h = &second.headers;
    assert_eq!(h.call_id().unwrap(), first.headers.call_id().unwrap());
    assert_eq!(h.from().unwrap().tag(), first.headers.from().unwrap().tag());
    assert_eq!(h.cseq().unwrap().seq, first.headers.cseq().unwrap().seq + 1);
    assert_ne!(
        h.top_via().unwrap().branch(),
        first.headers.top_via().unwrap().branch()
    );
    let auth = &h.proxy_authorization().unwrap()[0];
    assert_eq!(auth.get("username"), Some("alice"));
    assert_eq!(auth.get("uri"), Some("sip:bob@example.com"));
    assert_eq!(second.body, first.body, "the same offer");
    // Refused again: the password is wrong; no third INVITE.
    ua.handle_datagram(now, &challenge(&second), proxy);
    let sent = transmits(&mut ua);
    assert!(sent.iter().all(|t| {
        t.message
            .as_request()
            .is_some_and(|r| r.method == Method::Ack)
    }));
    let ended = ended_reason(&mut ua);
    assert!(
        matches!(ended, Some(EndReason::Failed { code: 407, .. })),
        "{ended:?}"
    );
}

fn resolves(ua: &mut UserAgent) -> Vec<ResolveRequest> {
    std::iter::from_fn(|| ua.poll_resolve()).collect()
}

/// RFC 3263 as an output: the core asks, the test answers as a resolver would, the INVITE
/// goes to the first SRV target, and a 503 moves it to the next (§4.3).
#[test]
fn dial_uri_locates_the_callee_and_fails_over_on_503() {
    use crate::sip::call::CallId;
    use crate::sip::locate::{Answer, Query, SrvRecord};
    use crate::sip::offer_answer::{Codec, LocalMedia};
    let mut ua = ua();
    let now = test_clock::origin();
    let media = LocalMedia::new("127.0.0.1".parse().unwrap(), 40000, vec![Codec::pcmu()]);
    let target = Uri::parse("sip:bob@example.com").unwrap();
    ua.dial_uri(now, CallId(1), None, target, media).unwrap();
    assert!(
        transmits(&mut ua).is_empty(),
        "nothing is sent before a target is known"
    );
    let q = resolves(&mut ua);
    assert_eq!(q.len(), 1);
    assert_eq!(
        q[0].query,
        Query::Naptr {
            name: "example.com".into()
        }
    );
    ua.handle_resolved(now, q[0].lookup, &q[0].query, Answer::NotFound);
    let q = resolves(&mut ua);
    assert_eq!(
        q[0].query,
        Query::Srv {
            name: "_sip._udp.example.com".into()
        }
    );
    let srv = |priority, port, target: &str| SrvRecord {
        priority,
        weight: 0,
        port,
        target: target.into(),
    };
    let records = vec![
        srv(20, 5066, "b2.example.com"),
        srv(10, 5064, "b1.example.com"),
    ];
    ua.handle_resolved(now, q[0].lookup, &q[0].query, Answer::Srv(records));
    let q = resolves(&mut ua);
    assert_eq!(
        q[0].query,
        Query::Address {
            name: "b1.example.com".into()
        }
    );
    let lo = "127.0.0.1".parse().unwrap();
    ua.handle_resolved(now, q[0].lookup, &q[0].query, Answer::Address(vec![lo]));
    let sent = transmits(&mut ua);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].peer, udp("127.0.0.1:5064"));
    let invite = sent[0].message.as_request().unwrap().clone();
    assert_eq!(invite.uri.to_string(), "sip:bob@example.com");
    // The first server is overloaded: on to the next.
    let busy = reply(&invite, 503, None);
    ua.handle_datagram(
        now,
        &Message::Response(busy).to_bytes(),
        udp("127.0.0.1:5064"),
    );
    let q = resolves(&mut ua);
    assert_eq!(
        q[0].query,
        Query::Address {
            name: "b2.example.com".into()
        }
    );
    ua.handle_resolved(now, q[0].lookup, &q[0].query, Answer::Address(vec![lo]));
    let sent = transmits(&mut ua);
    let invite2 = sent
        .iter()
        .find(|t| t.peer == udp("127.0.0.1:5066"))
        .expect("INVITE to b2");
    let cseq2 = invite2.message.headers().cseq().unwrap().seq;
    assert_eq!(cseq2, invite.headers.cseq().unwrap().seq + 1);
}

#[test]
fn unresolvable_destination_ends_the_call() {
    use crate::sip::call::{CallId, EndReason};
    use crate::sip::locate::Answer;
    use crate::sip::offer_answer::{Codec, LocalMedia};
    let mut ua = ua();
    let now = test_clock::origin();
    let media = LocalMedia::new("127.0.0.1".parse().unwrap(), 40000, vec![Codec::pcmu()]);
    ua.dial_uri(
        now,
        CallId(1),
        None,
        Uri::parse("sip:bob@nowhere.test").unwrap(),
        media,
    )
    .unwrap();
    for _ in 0..10 {
        for q in resolves(&mut ua) {
            ua.handle_resolved(now, q.lookup, &q.query, Answer::NotFound);
        }
    }
    let ended = ended_reason(&mut ua);
    assert!(
        matches!(ended, Some(EndReason::Failed { code: 503, .. })),
        "{ended:?}"
    );
    assert!(transmits(&mut ua).is_empty());
}

#[test]
fn ip_literal_needs_no_dns() {
    use crate::sip::call::CallId;
    use crate::sip::offer_answer::{Codec, LocalMedia};
    let mut ua = ua();
    let now = test_clock::origin();
    let media = LocalMedia::new("127.0.0.1".parse().unwrap(), 40000, vec![Codec::pcmu()]);
    ua.dial_uri(
        now,
        CallId(1),
        None,
        Uri::parse("sip:bob@127.0.0.1:5090").unwrap(),
        media,
    )
    .unwrap();
    assert!(resolves(&mut ua).is_empty());
    assert_eq!(transmits(&mut ua)[0].peer, udp("127.0.0.1:5090"));
}

/// RFC 4028 §9: an interval below 90 s gets 422 with Min-SE; 90 s or more is answered with
/// Session-Expires and Require: timer.
#[test]
fn session_interval_too_small_gets_422() {
    let data = request(
        "INVITE sip:alice@127.0.0.1 SIP/2.0",
        "Supported: timer\r\nSession-Expires: 30\r\n",
        "",
    );
    let r = answer_to(&data);
    assert_eq!(r.status.as_u16(), 422);
    assert_eq!(r.headers.get(&HeaderName::MinSe), Some("90"));
}

/// §12.1.2, §13.2.2.4: a forked INVITE. Two 180s with different To tags make two early
/// dialogs; the 200 of the second fork is ACKed and taken; the later 200 of the first fork
/// is ACKed and then BYE'd, and its retransmission is ACKed again without a second BYE.
#[test]
fn forked_invite_keeps_one_dialog_and_byes_the_other() {
    use crate::sip::call::{CallEvent, CallId};
    use crate::sip::offer_answer::{Codec, LocalMedia};
    let mut ua = ua();
    let now = test_clock::origin();
    let proxy = udp("127.0.0.1:5080");
    let media = LocalMedia::new("127.0.0.1".parse().unwrap(), 40000, vec![Codec::pcmu()]);
    let target = Uri::parse("sip:bob@example.com").unwrap();
    ua.dial(now, CallId(9), None, target, proxy, media).unwrap();
    let invite = transmits(&mut ua)
        .remove(0)
        .message
        .as_request()
        .unwrap()
        .clone();
    let answer_sdp = "v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 50000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    let reply = |code: u16, tag: &str, sdp: bool| {
        let mut r = reply(&invite, code, Some(tag));
        r.headers.push(
            HeaderName::Contact,
            format!("<sip:bob@127.0.0.1:{}>", 6000 + tag.len()),
        );
        if sdp {
            r.set_body(
                Some("application/sdp"),
                bytes::Bytes::from_static(answer_sdp.as_bytes()),
            );
        }
        Message::Response(r).to_bytes()
    };
    ua.handle_datagram(now, &reply(180, "one", false), proxy);
    ua.handle_datagram(now, &reply(180, "second", false), proxy);
    ua.handle_datagram(now, &reply(180, "second", false), proxy);
    assert_eq!(ua.early_dialogs(CallId(9)), 2);
    ua.handle_datagram(now, &reply(200, "second", true), proxy);
    let sent = transmits(&mut ua);
    assert_eq!(sent.len(), 1);
    let ack = sent[0].message.as_request().unwrap();
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(ack.headers.to().unwrap().tag(), Some("second"));
    assert!(events(&mut ua).iter().any(|e| matches!(
        e,
        UaEvent::Call {
            event: CallEvent::Answered { .. },
            ..
        }
    )));
    // The first fork answers late.
    ua.handle_datagram(now, &reply(200, "one", true), proxy);
    let methods = |sent: &[Transmit]| -> Vec<(Method, Option<String>)> {
        sent.iter()
            .map(|t| {
                let r = t.message.as_request().unwrap();
                (
                    r.method.clone(),
                    r.headers.to().unwrap().tag().map(str::to_owned),
                )
            })
            .collect()
    };
    let sent = transmits(&mut ua);
    assert_eq!(
        methods(&sent),
        vec![
            (Method::Ack, Some("one".into())),
            (Method::Bye, Some("one".into()))
        ]
    );
    ua.handle_datagram(now, &reply(200, "one", true), proxy);
    assert_eq!(
        methods(&transmits(&mut ua)),
        vec![(Method::Ack, Some("one".into()))]
    );
    assert_eq!(ua.calls(), 1, "the chosen dialog's call goes on");
}

/// Found by the `ua` fuzz target: a hang-up after only a 100 Trying must still CANCEL
/// (§9.1 allows it after any provisional response), or the INVITE would live on forever.
#[test]
fn hangup_after_100_trying_cancels() {
    use crate::sip::call::{CallId, EndReason};
    let mut ua = ua();
    let now = test_clock::origin();
    let proxy = udp("127.0.0.1:5080");
    let invite = dial_pcmu(&mut ua, CallId(3), "sip:bob@example.com", proxy);
    let reply = |code: u16| {
        let r = reply(&invite, code, None);
        Message::Response(r).to_bytes()
    };
    // Hang up before anything came back: the CANCEL waits (§9.1).
    ua.hangup(now, CallId(3)).unwrap();
    assert!(transmits(&mut ua).is_empty());
    ua.handle_datagram(now, &reply(100), proxy);
    let sent = transmits(&mut ua);
    assert_eq!(sent.len(), 1);
    let cancel = sent[0].message.as_request().unwrap();
    assert_eq!(cancel.method, Method::Cancel);
    assert_eq!(
        cancel.headers.top_via().unwrap().branch(),
        invite.headers.top_via().unwrap().branch()
    );
    ua.handle_datagram(now, &reply(487), proxy);
    let ended = ended_reason(&mut ua);
    assert_eq!(ended, Some(EndReason::Local));
}

const SDP_OFFER: &str = "v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 50000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

/// An incoming INVITE through two record-routing proxies (RFC 3665 §3.8 F4), with SDP.
fn routed_invite() -> Vec<u8> {
    request(
        "INVITE sip:alice@127.0.0.1:5062 SIP/2.0",
        "Record-Route: <sip:ss2.example.com;lr>, <sip:ss1.example.com;lr>\r\n\
         Contact: <sip:bob@127.0.0.1:5090>\r\nContent-Type: application/sdp\r\n",
        SDP_OFFER,
    )
}

fn responses(sent: &[Transmit]) -> Vec<Response> {
    sent.iter()
        .filter_map(|t| t.message.as_response().cloned())
        .collect()
}

fn incoming_id(events: &[UaEvent]) -> crate::sip::call::CallId {
    events
        .iter()
        .find_map(|e| match e {
            UaEvent::Call {
                call,
                event: crate::sip::call::CallEvent::Incoming { .. },
            } => Some(*call),
            _ => None,
        })
        .expect("an incoming call")
}

/// §12.1.1 (found with RFC 3665 §3.8 F6): the responses that create the dialog copy the
/// INVITE's Record-Route, in order.
#[test]
fn dialog_creating_responses_copy_record_route() {
    use crate::sip::offer_answer::{Codec, LocalMedia};
    let mut ua = ua();
    let now = test_clock::origin();
    ua.handle_datagram(now, &routed_invite(), udp(PHONE));
    let id = incoming_id(&events(&mut ua));
    let media = LocalMedia::new("127.0.0.1".parse().unwrap(), 40000, vec![Codec::pcmu()]);
    ua.answer(now, id, media).unwrap();
    let sent = responses(&transmits(&mut ua));
    let codes: Vec<u16> = sent.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(codes, vec![180, 200]);
    for r in &sent {
        let rr: Vec<String> = r
            .headers
            .record_route()
            .unwrap()
            .iter()
            .map(|n| n.uri.to_string())
            .collect();
        assert_eq!(
            rr,
            vec!["sip:ss2.example.com;lr", "sip:ss1.example.com;lr"],
            "{}",
            r.status
        );
    }
    // Both carry the same To tag.
    assert_eq!(
        sent[0].headers.to().unwrap().tag(),
        sent[1].headers.to().unwrap().tag()
    );
}

/// §8.1.1.8 (found with RFC 4475 `inv2543`): an INVITE without Contact cannot make a dialog.
#[test]
fn invite_without_contact_gets_400() {
    let data = request("INVITE sip:alice@127.0.0.1:5062 SIP/2.0", "", "");
    let r = answer_to(&data);
    assert_eq!(r.status.as_u16(), 400);
    assert!(r.reason.contains("Contact"), "{}", r.reason);
}

/// A 2xx that matches our INVITE but cannot make a dialog (another Call-ID, no Contact)
/// fails the call instead of leaving it stuck (found by the `ua` fuzz target).
#[test]
fn unusable_2xx_fails_the_call() {
    use crate::sip::call::{CallEvent, CallId, EndReason};
    use crate::sip::offer_answer::{Codec, LocalMedia};
    for mangle in ["Call-ID", "Contact"] {
        let mut ua = ua();
        let now = test_clock::origin();
        let proxy = udp("127.0.0.1:5080");
        let media = LocalMedia::new("127.0.0.1".parse().unwrap(), 40000, vec![Codec::pcmu()]);
        ua.dial(
            now,
            CallId(4),
            None,
            Uri::parse("sip:bob@example.com").unwrap(),
            proxy,
            media,
        )
        .unwrap();
        let invite = transmits(&mut ua)
            .remove(0)
            .message
            .as_request()
            .unwrap()
            .clone();
        let mut r = Response::new(StatusCode::new(200).unwrap());
        for name in [HeaderName::Via, HeaderName::From, HeaderName::CSeq] {
            r.headers
                .push(name.clone(), invite.headers.get(&name).unwrap());
        }
        let to = format!("{};tag=x", invite.headers.get(&HeaderName::To).unwrap());
        r.headers.push(HeaderName::To, to);
        let call_id = if mangle == "Call-ID" {
            "other@x".to_owned()
        } else {
            invite.headers.call_id().unwrap().to_string()
        };
        r.headers.push(HeaderName::CallId, call_id);
        if mangle != "Contact" {
            r.headers
                .push(HeaderName::Contact, "<sip:bob@127.0.0.1:5090>");
        }
        ua.handle_datagram(now, &Message::Response(r).to_bytes(), proxy);
        let ended = events(&mut ua).into_iter().find_map(|e| match e {
            UaEvent::Call {
                event: CallEvent::Ended { reason },
                ..
            } => Some(reason),
            _ => None,
        });
        assert!(
            matches!(ended, Some(EndReason::Failed { code: 200, .. })),
            "{mangle}: {ended:?}"
        );
        assert_eq!(ua.calls(), 0);
    }
}

/// An unanswered incoming call stops ringing with 480 after the ring timeout (a missed
/// call), before the transaction layer would drop it silently (found by review of the fuzz
/// target's strict mode).
#[test]
fn unanswered_call_gets_480_and_ends() {
    use crate::sip::call::EndReason;
    let mut ua = ua();
    let now = test_clock::origin();
    ua.handle_datagram(now, &routed_invite(), udp(PHONE));
    let _ = incoming_id(&events(&mut ua));
    transmits(&mut ua);
    let mut t = now;
    let mut codes = Vec::new();
    while t - now < Duration::from_secs(400) {
        let Some(next) = ua.poll_timeout() else { break };
        t = next;
        ua.handle_timeout(t);
        codes.extend(
            responses(&transmits(&mut ua))
                .iter()
                .map(|r| r.status.as_u16()),
        );
        if codes.contains(&480) {
            break;
        }
    }
    assert_eq!(t - now, super::calls::RING_TIMEOUT);
    assert!(codes.contains(&480), "{codes:?}");
    let ended = ended_reason(&mut ua);
    assert_eq!(ended, Some(EndReason::Timeout));
}

/// §9.2: the 200 to a CANCEL carries the To tag of the INVITE's responses.
#[test]
fn cancel_200_keeps_the_dialog_tag() {
    let mut ua = ua();
    let now = test_clock::origin();
    let invite = routed_invite();
    ua.handle_datagram(now, &invite, udp(PHONE));
    let ringing = responses(&transmits(&mut ua)).remove(0);
    let cancel = String::from_utf8(invite)
        .unwrap()
        .replacen("INVITE sip:", "CANCEL sip:", 1)
        .replace(" INVITE\r\n", " CANCEL\r\n")
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .replace("Content-Type: application/sdp\r\n", "")
        .replace(
            &format!("Content-Length: {}", SDP_OFFER.len()),
            "Content-Length: 0",
        )
        + "\r\n\r\n";
    ua.handle_datagram(now, cancel.as_bytes(), udp(PHONE));
    let sent = responses(&transmits(&mut ua));
    let codes: Vec<u16> = sent.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(codes, vec![200, 487]);
    let tag = ringing.headers.to().unwrap().tag().map(str::to_owned);
    for r in &sent {
        assert_eq!(
            r.headers.to().unwrap().tag().map(str::to_owned),
            tag,
            "{}",
            r.status
        );
    }
}

/// RFC 4475 §3.3.15: an INVITE whose Accept rules out SDP gets 406.
#[test]
fn accept_without_sdp_gets_406() {
    let data = request(
        "INVITE sip:alice@127.0.0.1:5062 SIP/2.0",
        "Accept: text/nobodyknowsthis\r\nContact: <sip:bob@127.0.0.1:5090>\r\n",
        "",
    );
    assert_eq!(answer_to(&data).status.as_u16(), 406);
}

/// A registrar given only by name is located (RFC 3263) before the REGISTER goes out; after
/// a transport failure the next attempt locates it again.
#[test]
fn registrar_is_located_through_dns() {
    use crate::sip::locate::{Answer, Query, SrvRecord};
    let mut ua = ua();
    let now = test_clock::origin();
    let mut cfg = account("secret");
    cfg.registrar = None;
    ua.add_account(now, AccountId(2), cfg);
    assert!(transmits(&mut ua).is_empty());
    let q = resolves(&mut ua);
    assert_eq!(
        q[0].query,
        Query::Naptr {
            name: "example.com".into()
        }
    );
    ua.handle_resolved(now, q[0].lookup, &q[0].query, Answer::NotFound);
    let q = resolves(&mut ua);
    assert_eq!(
        q[0].query,
        Query::Srv {
            name: "_sip._udp.example.com".into()
        }
    );
    let srv = SrvRecord {
        priority: 0,
        weight: 0,
        port: 5070,
        target: "reg.example.com".into(),
    };
    ua.handle_resolved(now, q[0].lookup, &q[0].query, Answer::Srv(vec![srv]));
    let q = resolves(&mut ua);
    assert_eq!(
        q[0].query,
        Query::Address {
            name: "reg.example.com".into()
        }
    );
    ua.handle_resolved(
        now,
        q[0].lookup,
        &q[0].query,
        Answer::Address(vec!["127.0.0.1".parse().unwrap()]),
    );
    let sent = transmits(&mut ua);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].peer, udp(REGISTRAR));
    assert_eq!(
        sent[0].message.as_request().unwrap().method,
        Method::Register
    );
    // Nobody answers: Timer F, then the retry asks DNS again.
    let mut t = now;
    while resolves(&mut ua).is_empty() && t - now < Duration::from_secs(3600) {
        t = ua.poll_timeout().unwrap();
        ua.handle_timeout(t);
        transmits(&mut ua);
    }
    assert!(
        t - now > Duration::from_secs(32),
        "located again only at the retry"
    );
}

#[test]
fn unlocatable_registrar_fails_and_retries() {
    use crate::sip::locate::Answer;
    let mut ua = ua();
    let now = test_clock::origin();
    let mut cfg = account("secret");
    cfg.registrar = None;
    ua.add_account(now, AccountId(3), cfg);
    for _ in 0..10 {
        for q in resolves(&mut ua) {
            ua.handle_resolved(now, q.lookup, &q.query, Answer::NotFound);
        }
    }
    let ev = events(&mut ua);
    assert!(
        ev.iter().any(|e| matches!(
            e,
            UaEvent::Registration {
                event: RegistrationEvent::Failed { code: 503, .. },
                ..
            }
        )),
        "{ev:?}"
    );
    assert!(ua.poll_timeout().is_some(), "a retry is scheduled");
}

/// §8.1.3.4: a 3xx is followed to its first Contact with a new INVITE (same Call-ID and
/// From tag, CSeq + 1), at most three times in a row.
#[test]
fn redirects_are_followed_and_bounded() {
    use crate::sip::call::{CallId, EndReason};
    let mut ua = ua();
    let now = test_clock::origin();
    let proxy = udp("127.0.0.1:5080");
    let mut invite = dial_pcmu(&mut ua, CallId(6), "sip:bob@example.com", proxy);
    let first = invite.clone();
    for hop in 1..=4 {
        let mut r = reply(&invite, 302, None);
        r.headers.push(
            HeaderName::Contact,
            format!("<sip:bob{hop}@192.0.2.{hop}>, <sip:other@192.0.2.99>"),
        );
        ua.handle_datagram(now, &Message::Response(r).to_bytes(), proxy);
        let sent = transmits(&mut ua);
        let next = sent.iter().find_map(|t| {
            t.message
                .as_request()
                .filter(|r| r.method == Method::Invite)
        });
        if hop == 4 {
            assert!(next.is_none(), "a fourth redirect is not followed");
            break;
        }
        let next = next.expect("a new INVITE").clone();
        assert_eq!(next.uri.to_string(), format!("sip:bob{hop}@192.0.2.{hop}"));
        assert_eq!(
            next.headers.call_id().unwrap(),
            first.headers.call_id().unwrap()
        );
        assert_eq!(
            next.headers.from().unwrap().tag(),
            first.headers.from().unwrap().tag()
        );
        assert_eq!(
            next.headers.cseq().unwrap().seq,
            invite.headers.cseq().unwrap().seq + 1
        );
        invite = next;
    }
    let ended = ended_reason(&mut ua);
    assert!(
        matches!(ended, Some(EndReason::Failed { code: 302, .. })),
        "{ended:?}"
    );
}

/// Several accounts register at once, each with its own registrar, Call-ID and state; removing
/// one leaves the other alone and leaves nothing of it behind.
#[test]
fn several_accounts_register_independently() {
    let mut ua = ua();
    let now = test_clock::origin();
    let mut work = account("secret");
    work.registrar = Some(udp("127.0.0.1:5070"));
    let mut home = account("secret");
    home.registrar = Some(udp("127.0.0.1:5071"));
    home.registration.aor = SipUri::parse("sip:alice@home.example").unwrap();
    ua.add_account(now, AccountId(1), work);
    ua.add_account(now, AccountId(2), home);
    for _ in 0..2 {
        for t in transmits(&mut ua) {
            let answer = registrar(&t.message);
            ua.handle_datagram(now, &answer, t.peer);
        }
    }
    let registered: Vec<AccountId> = events(&mut ua)
        .into_iter()
        .filter_map(|e| match e {
            UaEvent::Registration {
                account,
                event: RegistrationEvent::Registered { .. },
            } => Some(account),
            _ => None,
        })
        .collect();
    assert_eq!(registered.len(), 2);
    assert!(registered.contains(&AccountId(1)) && registered.contains(&AccountId(2)));
    ua.remove_account(now, AccountId(1));
    let sent = transmits(&mut ua);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].peer,
        udp("127.0.0.1:5070"),
        "only account 1 unregisters"
    );
    ua.handle_datagram(now, &registrar(&sent[0].message), sent[0].peer);
    assert_eq!(ua.accounts.len(), 1);
    assert!(!ua.account_configs.contains_key(&AccountId(1)));
}

/// Found by the `ua` fuzz target: a re-INVITE that only got 100 Trying when the call ends is
/// cancelled (§9.1), so that its transaction ends instead of waiting for ever.
#[test]
fn pending_reinvite_is_cancelled_when_the_call_ends() {
    use crate::sip::call::CallId;
    let mut ua = ua();
    let now = test_clock::origin();
    let peer = udp("127.0.0.1:5090");
    let invite = dial_pcmu(&mut ua, CallId(8), "sip:bob@127.0.0.1:5090", peer);
    let reply = |req: &Request, code: u16, sdp: bool| {
        let mut r = Response::new(StatusCode::new(code).unwrap());
        for name in [
            HeaderName::Via,
            HeaderName::From,
            HeaderName::CallId,
            HeaderName::CSeq,
        ] {
            r.headers
                .push(name.clone(), req.headers.get(&name).unwrap());
        }
        let to = req.headers.get(&HeaderName::To).unwrap().to_string();
        let to = if to.contains(";tag=") {
            to
        } else {
            format!("{to};tag=b")
        };
        r.headers.push(HeaderName::To, to);
        r.headers
            .push(HeaderName::Contact, "<sip:bob@127.0.0.1:5090>");
        if sdp {
            r.set_body(
                Some("application/sdp"),
                bytes::Bytes::from_static(SDP_OFFER.as_bytes()),
            );
        }
        Message::Response(r).to_bytes()
    };
    ua.handle_datagram(now, &reply(&invite, 200, true), peer);
    transmits(&mut ua);
    ua.hold(now, CallId(8)).unwrap();
    let reinvite = transmits(&mut ua)
        .remove(0)
        .message
        .as_request()
        .unwrap()
        .clone();
    assert_eq!(reinvite.method, Method::Invite);
    ua.handle_datagram(now, &reply(&reinvite, 100, false), peer);
    ua.hangup(now, CallId(8)).unwrap();
    let sent: Vec<Method> = transmits(&mut ua)
        .iter()
        .filter_map(|t| t.message.as_request().map(|r| r.method.clone()))
        .collect();
    assert!(
        sent.contains(&Method::Cancel) && sent.contains(&Method::Bye),
        "{sent:?}"
    );
    let mut t = now;
    while let Some(next) = ua.poll_timeout() {
        t = next;
        ua.handle_timeout(t);
        transmits(&mut ua);
        if t - now > Duration::from_secs(600) {
            break;
        }
    }
    assert_eq!(ua.transactions(), 0, "ended after {:?}", t - now);
}

/// Dials `target` through `peer` offering PCMU, and returns the INVITE as sent.
fn dial_pcmu(
    ua: &mut UserAgent,
    call: crate::sip::call::CallId,
    target: &str,
    peer: Peer,
) -> Request {
    use crate::sip::offer_answer::{Codec, LocalMedia};
    let media = LocalMedia::new("127.0.0.1".parse().unwrap(), 40000, vec![Codec::pcmu()]);
    let now = test_clock::origin();
    ua.dial(now, call, None, Uri::parse(target).unwrap(), peer, media)
        .unwrap();
    transmits(ua)
        .remove(0)
        .message
        .as_request()
        .unwrap()
        .clone()
}

/// The reason of the first `Ended` call event queued, if any.
fn ended_reason(ua: &mut UserAgent) -> Option<crate::sip::call::EndReason> {
    events(ua).into_iter().find_map(|e| match e {
        UaEvent::Call {
            event: crate::sip::call::CallEvent::Ended { reason },
            ..
        } => Some(reason),
        _ => None,
    })
}

/// §8.1.3.4 with §8.1.2 (found with RFC 3665 §3.6): a call placed with `dial_uri` and no
/// outbound proxy follows a 302 by locating the new target, here an IP literal over TCP, and
/// a host name that needs DNS.
#[test]
fn redirect_of_a_located_call_locates_the_new_target() {
    use crate::sip::call::CallId;
    use crate::sip::locate::Query;
    use crate::sip::offer_answer::{Codec, LocalMedia};
    for (contact, tcp_peer) in [
        ("<sip:bob@127.0.0.1:5099;transport=tcp>", true),
        ("<sip:bob@chicago.example.com>", false),
    ] {
        let mut ua = UserAgent::new(
            UaConfig {
                user_agent: "Tincan test".into(),
                timers: TimerConfig::default(),
                local: vec![
                    (TransportKind::Udp, "127.0.0.1:5062".parse().unwrap()),
                    (TransportKind::Tcp, "127.0.0.1:5062".parse().unwrap()),
                ],
            },
            [4; 32],
        );
        let now = test_clock::origin();
        let media = LocalMedia::new("127.0.0.1".parse().unwrap(), 40000, vec![Codec::pcmu()]);
        let target = Uri::parse("sip:bob@127.0.0.1:5090").unwrap();
        ua.dial_uri(now, CallId(2), None, target, media).unwrap();
        let invite = transmits(&mut ua)
            .remove(0)
            .message
            .as_request()
            .unwrap()
            .clone();
        let mut r = reply(&invite, 302, None);
        r.headers.push(HeaderName::Contact, contact);
        ua.handle_datagram(now, &Message::Response(r).to_bytes(), udp("127.0.0.1:5090"));
        let sent = transmits(&mut ua);
        let invites: Vec<&Transmit> = sent
            .iter()
            .filter(|t| {
                t.message
                    .as_request()
                    .is_some_and(|r| r.method == Method::Invite)
            })
            .collect();
        if tcp_peer {
            assert_eq!(invites.len(), 1, "{contact}");
            let expected = Peer {
                transport: TransportKind::Tcp,
                addr: "127.0.0.1:5099".parse().unwrap(),
            };
            assert_eq!(invites[0].peer, expected);
        } else {
            assert!(invites.is_empty(), "waits for DNS");
            let q = resolves(&mut ua);
            assert_eq!(
                q[0].query,
                Query::Naptr {
                    name: "chicago.example.com".into()
                }
            );
        }
    }
}

/// §12.2.1.1 with §8.1.2 (found with RFC 3665 §3.7): without a proxy carrying the call and
/// without a route set, the ACK and the BYE go to the remote target from the Contact.
#[test]
fn in_dialog_requests_go_to_the_remote_target() {
    use crate::sip::call::CallId;
    use crate::sip::offer_answer::{Codec, LocalMedia};
    let mut ua = ua();
    let now = test_clock::origin();
    let media = LocalMedia::new("127.0.0.1".parse().unwrap(), 40000, vec![Codec::pcmu()]);
    ua.dial_uri(
        now,
        CallId(3),
        None,
        Uri::parse("sip:bob@127.0.0.1:5090").unwrap(),
        media,
    )
    .unwrap();
    let invite = transmits(&mut ua)
        .remove(0)
        .message
        .as_request()
        .unwrap()
        .clone();
    let mut ok = reply(&invite, 200, Some("b"));
    ok.headers
        .push(HeaderName::Contact, "<sip:bob@127.0.0.1:7000>");
    ok.set_body(
        Some("application/sdp"),
        bytes::Bytes::from_static(SDP_OFFER.as_bytes()),
    );
    ua.handle_datagram(
        now,
        &Message::Response(ok).to_bytes(),
        udp("127.0.0.1:5090"),
    );
    let ack = transmits(&mut ua).remove(0);
    assert_eq!(ack.message.as_request().unwrap().method, Method::Ack);
    assert_eq!(ack.peer, udp("127.0.0.1:7000"));
    ua.hangup(now, CallId(3)).unwrap();
    let bye = transmits(&mut ua).remove(0);
    assert_eq!(bye.message.as_request().unwrap().method, Method::Bye);
    assert_eq!(bye.peer, udp("127.0.0.1:7000"));
}

/// RFC 3261 §17.1.4: when the engine cannot send to a peer, the INVITE waiting there fails
/// as a transport error (503) and the registration retries later.
#[test]
fn unreachable_peer_fails_what_waits_on_it() {
    use crate::sip::call::{CallId, EndReason};
    let mut ua = ua();
    let now = test_clock::origin();
    ua.add_account(now, AccountId(1), account("secret"));
    let proxy = udp("127.0.0.1:5080");
    let _invite = dial_pcmu(&mut ua, CallId(9), "sip:bob@example.com", proxy);
    transmits(&mut ua);
    events(&mut ua);
    ua.handle_unreachable(now, proxy);
    assert!(matches!(
        ended_reason(&mut ua),
        Some(EndReason::Failed { code: 503, .. })
    ));
    ua.handle_unreachable(now, udp(REGISTRAR));
    let ev = events(&mut ua);
    assert!(
        ev.iter().any(|e| matches!(
            e,
            UaEvent::Registration {
                event: RegistrationEvent::Failed { code: 503, .. },
                ..
            }
        )),
        "{ev:?}"
    );
    assert_eq!(ua.calls(), 0);
}

/// A response to `req` as a peer builds it (RFC 3261 §8.2.6.2): Via, From, Call-ID and CSeq
/// copied, To copied with `tag` added when given.
fn reply(req: &Request, code: u16, tag: Option<&str>) -> Response {
    let mut r = Response::new(StatusCode::new(code).unwrap());
    for name in [
        HeaderName::Via,
        HeaderName::From,
        HeaderName::CallId,
        HeaderName::CSeq,
    ] {
        r.headers
            .push(name.clone(), req.headers.get(&name).unwrap());
    }
    let to = req.headers.get(&HeaderName::To).unwrap();
    let to = match tag {
        Some(tag) => format!("{to};tag={tag}"),
        None => to.to_string(),
    };
    r.headers.push(HeaderName::To, to);
    r
}
