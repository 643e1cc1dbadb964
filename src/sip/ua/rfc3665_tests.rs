//! RFC 3665 flows that involve a UA, checked message by message: §2 (registration) here,
//! §3 (session establishment) in `sessions`, and the RFC 4475 §3.3 application-layer torture
//! messages in `rfc4475`.
//!
//! The core plays the RFC's UA (Bob for §2; Alice or Bob for §3) on virtual time. The peer's
//! messages are the RFC's text, adapted only where they must echo what the core chose (its
//! Via, tags, Call-ID and CSeq numbers) or name its addresses. Every test names the flow and
//! the message (`F1`...) it checks.
//!
//! §2.3 (request for the current contact list: a REGISTER without Contact) does not apply: the
//! core never queries its bindings, it only adds and removes its own contact.

use super::*;
use crate::sip::digest::{DigestChallenge, DigestCredentials, respond};
use crate::sip::header::HeaderName;
use crate::sip::headers::{AuthValue, Contacts};
use crate::sip::message::Response;
use crate::sip::test_clock;
use crate::sip::uri::SipUri;
use crate::sip::uri::Uri;
use std::time::Duration;

mod more_sessions;
mod rfc4475;
mod sessions;

/// A peer on `transport` at `addr`.
fn peer(transport: TransportKind, addr: &str) -> Peer {
    Peer {
        transport,
        addr: addr.parse().unwrap(),
    }
}

/// A core whose only socket is `local` on `transport`.
fn core(transport: TransportKind, local: &str, seed: u8) -> UserAgent {
    let config = UaConfig {
        user_agent: "Tincan RFC 3665".into(),
        timers: TimerConfig::default(),
        local: vec![(transport, local.parse().unwrap())],
    };
    UserAgent::new(config, [seed; 32])
}

/// Everything the core wants to send, checked to go to `to`.
fn sent(ua: &mut UserAgent, to: Peer) -> Vec<Message> {
    std::iter::from_fn(|| ua.poll_transmit())
        .map(|t| {
            assert_eq!(t.peer, to, "sent to the wrong peer: {}", t.message);
            t.message
        })
        .collect()
}

/// The one request the core sent, of `method`.
fn one_request(ua: &mut UserAgent, to: Peer, method: &Method) -> Request {
    let out = sent(ua, to);
    assert_eq!(out.len(), 1, "expected one {method}: {out:?}");
    match &out[0] {
        Message::Request(r) if r.method == *method => r.clone(),
        other => panic!("expected {method}, got {other}"),
    }
}

/// The one response the core sent, with `status`.
fn one_response(ua: &mut UserAgent, to: Peer, status: u16) -> Response {
    let out = sent(ua, to);
    assert_eq!(out.len(), 1, "expected one {status}: {out:?}");
    match &out[0] {
        Message::Response(r) if r.status.as_u16() == status => r.clone(),
        other => panic!("expected {status}, got {other}"),
    }
}

fn events(ua: &mut UserAgent) -> Vec<UaEvent> {
    std::iter::from_fn(|| ua.poll_event()).collect()
}

/// Runs the core's timers for `span` of virtual time from `now`, dropping what it sends.
fn run_timers(ua: &mut UserAgent, now: Instant, span: Duration) {
    while let Some(at) = ua.poll_timeout().filter(|t| *t <= now + span) {
        ua.handle_timeout(at.max(now));
        while ua.poll_transmit().is_some() {}
    }
}

/// The RFC's message text as it travels: `{name}` placeholders filled from `vars`, LF line
/// ends turned into CRLF, and a Content-Length for `body` appended to the header block.
fn wire(template: &str, vars: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut text = template.trim_start_matches('\n').to_owned();
    for (name, value) in vars {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    assert!(!text.contains('{'), "unfilled placeholder in {text}");
    let head = text.trim_end().replace('\n', "\r\n");
    let body = body.trim_start_matches('\n').replace('\n', "\r\n");
    format!("{head}\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// What a response to `request` echoes (RFC 3261 §8.2.6.2): `via` (the top Via with the
/// `received` the peer stamps), `from`, `to` (without tag), `call_id` and `cseq` (number).
fn echo(request: &Request, received: &str) -> Vec<(&'static str, String)> {
    let h = &request.headers;
    let vias: Vec<String> = h.get_all(&HeaderName::Via).map(|v| v.to_string()).collect();
    vec![
        ("via", format!("{};received={received}", vias.join(", "))),
        ("from", h.get(&HeaderName::From).unwrap().to_string()),
        ("to", h.get(&HeaderName::To).unwrap().to_string()),
        ("call_id", h.call_id().unwrap().to_string()),
        ("cseq", h.cseq().unwrap().seq.to_string()),
    ]
}

/// `echo` as the `(&str, &str)` pairs [`wire`] takes, plus `extra`.
fn vars<'a>(
    echoed: &'a [(&'static str, String)],
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut v: Vec<(&str, &str)> = echoed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    v.extend_from_slice(extra);
    v
}

fn branch(m: &Request) -> String {
    m.headers.top_via().unwrap().branch().unwrap().to_owned()
}

fn cseq(m: &Request) -> (u32, Method) {
    let c = m.headers.cseq().unwrap();
    (c.seq, c.method)
}

// --- §2 Registration -------------------------------------------------------------------

/// ss2.biloxi.example.com, over TLS as in the RFC.
const SS2: &str = "192.0.2.5:5061";
/// Bob's client (the RFC's F2 stamps `received=192.0.2.201`).
const BOB_CLIENT: &str = "192.0.2.201:5061";
const PASSWORD: &str = "zanzibar";

fn registrar() -> Peer {
    peer(TransportKind::Tls, SS2)
}

fn bob_account(password: &str) -> AccountConfig {
    AccountConfig {
        registration: RegistrationConfig {
            aor: SipUri::parse("sips:bob@biloxi.example.com").unwrap(),
            registrar: SipUri::parse("sips:ss2.biloxi.example.com").unwrap(),
            contact: SipUri::parse("sips:bob@client.biloxi.example.com").unwrap(),
            expires: 3600,
            credentials: Some(DigestCredentials::new("bob", password)),
            outbound_proxy: None,
            user_agent: None,
        },
        registrar: Some(registrar()),
        register: true,
    }
}

/// §2.1 F2 (and §2.5 F2): the challenge.
const F2_401: &str = r#"
SIP/2.0 401 Unauthorized
Via: {via}
From: {from}
To: {to};tag=1410948204
Call-ID: {call_id}
CSeq: {cseq} REGISTER
WWW-Authenticate: Digest realm="atlanta.example.com", qop="auth",
 nonce="ea9c8e88df84f1cec4341ae6cbe5a359",
 opaque="", stale=FALSE, algorithm=MD5
"#;

/// §2.1 F4: the binding granted for an hour.
const F4_200: &str = "
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to};tag=37GkEhwl6
Call-ID: {call_id}
CSeq: {cseq} REGISTER
Contact: <sips:bob@client.biloxi.example.com>;expires=3600
";

/// §2.5 F4: the wrong password refused with a fresh nonce (not stale).
const F4_401: &str = r#"
SIP/2.0 401 Unauthorized
Via: {via}
From: {from}
To: {to};tag=1410948204
Call-ID: {call_id}
CSeq: {cseq} REGISTER
WWW-Authenticate: Digest realm="atlanta.example.com", qop="auth",
 nonce="84f1c1ae6cbe5ua9c8e88dfa3ecm3459",
 opaque="", stale=FALSE, algorithm=MD5
"#;

/// Feeds the registrar's `template` as the answer to `request`.
fn registrar_says(ua: &mut UserAgent, now: Instant, request: &Request, template: &str) {
    let echoed = echo(request, "192.0.2.201");
    let data = wire(template, &vars(&echoed, &[]), "");
    ua.handle_datagram(now, &data, registrar());
}

/// The REGISTER header rules every REGISTER of ours follows (RFC 3261 §10.2, the RFC 3665
/// F1/F3 shape): Request-URI the registrar domain, To = From = the AOR (To without tag),
/// Max-Forwards 70, our Contact, a TLS Via with a fresh z9hG4bK branch.
fn check_register_shape(r: &Request, expires: u32) {
    assert_eq!(r.uri.to_string(), "sips:ss2.biloxi.example.com");
    let h = &r.headers;
    let via = h.top_via().unwrap();
    assert_eq!(
        via.to_string().split(';').next(),
        Some("SIP/2.0/TLS 192.0.2.201:5061")
    );
    assert!(via.branch().unwrap().starts_with("z9hG4bK"));
    assert_eq!(h.max_forwards().unwrap(), Some(70));
    let from = h.from().unwrap();
    assert_eq!(from.uri.to_string(), "sips:bob@biloxi.example.com");
    assert!(from.tag().is_some(), "§8.1.1.3: From tag");
    let to = h.to().unwrap();
    assert_eq!(to.uri.to_string(), "sips:bob@biloxi.example.com");
    assert_eq!(to.tag(), None, "§10.2: no To tag in REGISTER");
    assert_eq!(h.cseq().unwrap().method, Method::Register);
    let Ok(Contacts::List(contacts)) = h.contacts() else {
        panic!("a Contact list");
    };
    assert_eq!(contacts.len(), 1);
    assert_eq!(
        contacts[0].uri.to_string(),
        "sips:bob@client.biloxi.example.com"
    );
    // §10.2.1.1: the expiry is asked with the Contact parameter and the Expires header.
    assert_eq!(contacts[0].expires(), Some(expires));
    assert_eq!(h.expires().unwrap(), Some(expires));
    assert_eq!(h.content_length().unwrap(), Some(0));
}

/// Whether `a` (a retried or refreshed REGISTER) continues `b`'s registration: the same
/// Call-ID (§10.2.4), From (§8.1.3.5) and To, CSeq one higher, a new branch.
fn check_next_register(next: &Request, prev: &Request) {
    let (n, p) = (&next.headers, &prev.headers);
    assert_eq!(
        n.call_id().unwrap(),
        p.call_id().unwrap(),
        "§10.2.4: one Call-ID"
    );
    assert_eq!(n.from().unwrap(), p.from().unwrap(), "§8.1.3.5: same From");
    assert_eq!(n.to().unwrap(), p.to().unwrap());
    assert_eq!(cseq(next).0, cseq(prev).0 + 1, "§10.2.4: CSeq + 1");
    assert_ne!(branch(next), branch(prev), "§8.1.1.7: a new transaction");
}

/// The digest answer in `r` for the F2 challenge with nonce `nonce` and count `nc`: every
/// parameter the RFC's F3 shows (username, realm, nonce, opaque, uri, response) plus what
/// `qop=auth` adds (cnonce, qop, nc; RFC 3261 §22.4 item 8), and a correct `response`.
fn check_authorization(r: &Request, nonce: &str, nc: u32, password: &str) {
    let auth = r.headers.authorization().unwrap();
    assert_eq!(auth.len(), 1, "one Authorization");
    let a = &auth[0];
    assert!(a.is_digest());
    assert_eq!(a.get("username"), Some("bob"));
    assert_eq!(a.get("realm"), Some("atlanta.example.com"));
    assert_eq!(a.get("nonce"), Some(nonce));
    assert_eq!(a.get("opaque"), Some(""), "opaque echoed even when empty");
    assert_eq!(
        a.get("uri"),
        Some("sips:ss2.biloxi.example.com"),
        "§22.4: the Request-URI"
    );
    assert_eq!(a.get("algorithm"), Some("MD5"));
    assert_eq!(a.get("qop"), Some("auth"));
    let nc_hex = format!("{nc:08x}");
    assert_eq!(a.get("nc"), Some(nc_hex.as_str()));
    let cnonce = a.get("cnonce").expect("cnonce with qop");
    let challenge = format!(
        r#"Digest realm="atlanta.example.com", qop="auth", nonce="{nonce}", opaque="", stale=FALSE, algorithm=MD5"#
    );
    let challenge = DigestChallenge::from_header(&AuthValue::parse(&challenge).unwrap()).unwrap();
    let creds = DigestCredentials::new("bob", password);
    let uri = "sips:ss2.biloxi.example.com";
    let expected = respond(&challenge, &creds, "REGISTER", uri, b"", cnonce, nc);
    assert_eq!(a.get("response"), expected.get("response"));
    assert_eq!(
        a.get("response").map(str::len),
        Some(32),
        "MD5: 32 hex digits"
    );
}

/// §2.1 F1: the first REGISTER carries no credentials yet.
#[test]
fn rfc3665_2_1_f1_register() {
    let mut ua = core(TransportKind::Tls, BOB_CLIENT, 1);
    let now = test_clock::origin();
    ua.add_account(now, AccountId(1), bob_account(PASSWORD));
    let f1 = one_request(&mut ua, registrar(), &Method::Register);
    check_register_shape(&f1, 3600);
    assert!(f1.headers.get(&HeaderName::Authorization).is_none());
    assert!(f1.body.is_empty());
    assert_eq!(
        events(&mut ua),
        vec![UaEvent::Registration {
            account: AccountId(1),
            event: RegistrationEvent::Registering
        }]
    );
}

/// §2.1 F1 → F2 401 → F3 REGISTER with Authorization → F4 200: registered for 3600 s, the
/// refresh scheduled before expiry, no transaction left.
#[test]
fn rfc3665_2_1_f3_register_with_authorization_and_f4_200() {
    let mut ua = core(TransportKind::Tls, BOB_CLIENT, 2);
    let now = test_clock::origin();
    ua.add_account(now, AccountId(1), bob_account(PASSWORD));
    let f1 = one_request(&mut ua, registrar(), &Method::Register);
    registrar_says(&mut ua, now, &f1, F2_401);
    let f3 = one_request(&mut ua, registrar(), &Method::Register);
    check_register_shape(&f3, 3600);
    check_next_register(&f3, &f1);
    check_authorization(&f3, "ea9c8e88df84f1cec4341ae6cbe5a359", 1, PASSWORD);
    registrar_says(&mut ua, now, &f3, F4_200);
    assert!(sent(&mut ua, registrar()).is_empty());
    let ev = events(&mut ua);
    assert_eq!(
        ev.last(),
        Some(&UaEvent::Registration {
            account: AccountId(1),
            event: RegistrationEvent::Registered { expires: 3600 }
        }),
        "{ev:?}"
    );
    assert!(
        !ev.iter().any(|e| matches!(
            e,
            UaEvent::Registration {
                event: RegistrationEvent::Failed { .. },
                ..
            }
        )),
        "the 401 is not a failure: {ev:?}"
    );
    // TLS is reliable: Timer K is zero, the transactions are gone at once.
    run_timers(&mut ua, now, Duration::ZERO);
    assert_eq!(ua.transactions(), 0);
    assert_eq!(ua.poll_timeout(), Some(now + Duration::from_secs(3570)));
}

/// Drives §2.1 to F4 and returns the accepted F3.
fn registered(ua: &mut UserAgent, now: Instant) -> Request {
    ua.add_account(now, AccountId(1), bob_account(PASSWORD));
    let f1 = one_request(ua, registrar(), &Method::Register);
    registrar_says(ua, now, &f1, F2_401);
    let f3 = one_request(ua, registrar(), &Method::Register);
    registrar_says(ua, now, &f3, F4_200);
    events(ua);
    f3
}

/// §2.2 F1 → F2: what applies to a UA that only manages its own contact is the refresh. It
/// carries credentials for the known nonce without being challenged (nc = 2), continues the
/// Call-ID and CSeq, and the F2 listing two bindings yields our own binding's expiry, not
/// the other contact's.
#[test]
fn rfc3665_2_2_f1_refresh_with_credentials_and_f2_contact_list() {
    let mut ua = core(TransportKind::Tls, BOB_CLIENT, 3);
    let now = test_clock::origin();
    let f3 = registered(&mut ua, now);
    let refresh_at = ua.poll_timeout().unwrap();
    assert_eq!(refresh_at, now + Duration::from_secs(3570));
    ua.handle_timeout(refresh_at);
    let f1 = one_request(&mut ua, registrar(), &Method::Register);
    check_register_shape(&f1, 3600);
    check_next_register(&f1, &f3);
    check_authorization(&f1, "ea9c8e88df84f1cec4341ae6cbe5a359", 2, PASSWORD);
    // The RFC's F2 with its second (mailto) binding; the other binding is listed first here
    // so that taking "the first Contact" would be caught.
    const F2: &str = "
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to};tag=34095828jh
Call-ID: {call_id}
CSeq: {cseq} REGISTER
Contact: <mailto:bob@biloxi.example.com>;expires=4294967295
Contact: <sips:bob@client.biloxi.example.com>;expires=3600
";
    registrar_says(&mut ua, refresh_at, &f1, F2);
    let ev = events(&mut ua);
    assert!(
        ev.contains(&UaEvent::Registration {
            account: AccountId(1),
            event: RegistrationEvent::Registered { expires: 3600 }
        }),
        "{ev:?}"
    );
    assert_eq!(
        ua.poll_timeout(),
        Some(refresh_at + Duration::from_secs(3570))
    );
}

/// §2.4 F1 → F2: removing the account sends `Expires: 0` with the credentials already known
/// (not challenged), in the same Call-ID with the next CSeq. The RFC's F1 uses `Contact: *`
/// to clear every binding; the core removes only its own (`expires=0` on its Contact), which
/// RFC 3261 §10.2.2 allows. F2 (no Contact) ends the registration and the account.
#[test]
fn rfc3665_2_4_f1_unregister_expires_0_and_f2_200() {
    let mut ua = core(TransportKind::Tls, BOB_CLIENT, 4);
    let now = test_clock::origin();
    let f3 = registered(&mut ua, now);
    ua.remove_account(now, AccountId(1));
    let f1 = one_request(&mut ua, registrar(), &Method::Register);
    check_register_shape(&f1, 0);
    check_next_register(&f1, &f3);
    check_authorization(&f1, "ea9c8e88df84f1cec4341ae6cbe5a359", 2, PASSWORD);
    const F2: &str = "
SIP/2.0 200 OK
Via: {via}
From: {from}
To: {to};tag=1418nmdsrf
Call-ID: {call_id}
CSeq: {cseq} REGISTER
";
    registrar_says(&mut ua, now, &f1, F2);
    assert_eq!(
        events(&mut ua),
        vec![UaEvent::Registration {
            account: AccountId(1),
            event: RegistrationEvent::Unregistered
        }]
    );
    run_timers(&mut ua, now, Duration::from_secs(600));
    assert_eq!(ua.transactions(), 0);
    assert_eq!(ua.poll_timeout(), None, "no refresh for a removed account");
    assert!(ua.accounts.is_empty());
}

/// §2.5 F1 → F2 401 → F3 with the wrong password → F4 401 (a new nonce, not stale): the
/// failure is reported with 401, nothing more is sent (no loop), and a retry is scheduled.
#[test]
fn rfc3665_2_5_unsuccessful_registration_f4_401_is_reported() {
    let mut ua = core(TransportKind::Tls, BOB_CLIENT, 5);
    let now = test_clock::origin();
    ua.add_account(now, AccountId(1), bob_account("wrong"));
    let f1 = one_request(&mut ua, registrar(), &Method::Register);
    check_register_shape(&f1, 3600);
    registrar_says(&mut ua, now, &f1, F2_401);
    let f3 = one_request(&mut ua, registrar(), &Method::Register);
    check_next_register(&f3, &f1);
    check_authorization(&f3, "ea9c8e88df84f1cec4341ae6cbe5a359", 1, "wrong");
    registrar_says(&mut ua, now, &f3, F4_401);
    assert!(sent(&mut ua, registrar()).is_empty(), "no third REGISTER");
    let ev = events(&mut ua);
    let Some(UaEvent::Registration {
        account: AccountId(1),
        event:
            RegistrationEvent::Failed {
                code: 401,
                retry_in,
                ..
            },
    }) = ev.last()
    else {
        panic!("expected a 401 failure last: {ev:?}");
    };
    run_timers(&mut ua, now, Duration::ZERO);
    assert_eq!(ua.transactions(), 0);
    assert_eq!(ua.poll_timeout(), Some(now + *retry_in));
}
