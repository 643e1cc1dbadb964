//! Dialog tests on the RFC 3665 §3.2 call flow (Alice and Bob through two record-routing
//! proxies): creating dialogs on both sides (RFC 3261 §12.1), confirming them, forking
//! (§13.2.2.4), the messages that create none, and the secure flag. Requests inside the
//! dialog are tested in `in_dialog`.

use super::*;
use crate::sip::header::HeaderName;
use crate::sip::headers::CSeq;
use crate::sip::message::Message;
use crate::sip::parse_datagram;
use crate::sip::uri::SipUri;

mod in_dialog;

fn parse(text: &str) -> Message {
    parse_datagram(text.as_bytes()).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn request(text: &str) -> Request {
    parse(text).as_request().unwrap().clone()
}

fn response(text: &str) -> Response {
    parse(text).as_response().unwrap().clone()
}

/// RFC 3665 §3.2 F4: Alice's INVITE as she sent it (credentials and body left out).
const F4_INVITE: &str = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
    Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n\
    Max-Forwards: 70\r\n\
    Route: <sip:ss1.atlanta.example.com;lr>\r\n\
    From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
    To: Bob <sip:bob@biloxi.example.com>\r\n\
    Call-ID: 3848276298220188511@atlanta.example.com\r\n\
    CSeq: 2 INVITE\r\n\
    Contact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n\
    Content-Length: 0\r\n\r\n";

/// RFC 3665 §3.2 F7: the INVITE as it reaches Bob, record-routed by both proxies.
const F7_INVITE: &str = "INVITE sip:bob@client.biloxi.example.com SIP/2.0\r\n\
    Via: SIP/2.0/TCP ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.1\r\n\
    Via: SIP/2.0/TCP ss1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1\r\n \
     ;received=192.0.2.111\r\n\
    Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n \
     ;received=192.0.2.101\r\n\
    Max-Forwards: 68\r\n\
    Record-Route: <sip:ss2.biloxi.example.com;lr>,\r\n \
     <sip:ss1.atlanta.example.com;lr>\r\n\
    From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
    To: Bob <sip:bob@biloxi.example.com>\r\n\
    Call-ID: 3848276298220188511@atlanta.example.com\r\n\
    CSeq: 2 INVITE\r\n\
    Contact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n\
    Content-Length: 0\r\n\r\n";

/// RFC 3665 §3.2 F11, except that only Proxy 1 mirrored Record-Route into the 180 (RFC 2543
/// did not require it in 1xx, the reason §13.2.2.4 recomputes the route set on the 2xx).
const F11_RINGING: &str = "SIP/2.0 180 Ringing\r\n\
    Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n \
     ;received=192.0.2.101\r\n\
    Record-Route: <sip:ss1.atlanta.example.com;lr>\r\n\
    From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
    To: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n\
    Call-ID: 3848276298220188511@atlanta.example.com\r\n\
    Contact: <sip:bob@client.biloxi.example.com;transport=tcp>\r\n\
    CSeq: 2 INVITE\r\n\
    Content-Length: 0\r\n\r\n";

/// RFC 3665 §3.2 F14: the 200 as it reaches Alice (body left out).
const F14_OK: &str = "SIP/2.0 200 OK\r\n\
    Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n \
     ;received=192.0.2.101\r\n\
    Record-Route: <sip:ss2.biloxi.example.com;lr>,\r\n \
     <sip:ss1.atlanta.example.com;lr>\r\n\
    From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
    To: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n\
    Call-ID: 3848276298220188511@atlanta.example.com\r\n\
    CSeq: 2 INVITE\r\n\
    Contact: <sip:bob@client.biloxi.example.com;transport=tcp>\r\n\
    Content-Length: 0\r\n\r\n";

const ALICE_CONTACT: &str = "sip:alice@client.atlanta.example.com;transport=tcp";
const BOB_CONTACT: &str = "sip:bob@client.biloxi.example.com;transport=tcp";

fn contact(s: &str) -> SipUri {
    SipUri::parse(s).unwrap()
}

fn rng() -> Rng {
    Rng::from_seed([3; 32])
}

/// Bob's answer to `request` with `code`, his tag added to To when missing, and `contact`.
fn answer(request: &Request, code: u16, contact: Option<&str>) -> Response {
    let mut r = Response::new(StatusCode::new(code).unwrap());
    for name in [HeaderName::Via, HeaderName::From, HeaderName::CallId] {
        if let Some(value) = request.headers.get(&name) {
            r.headers.push(name, value);
        }
    }
    let mut to = request.headers.to().unwrap();
    if to.tag().is_none() {
        to.params.set("tag", Some(Text::from("314159")));
    }
    r.headers.push(HeaderName::To, to.to_string());
    let cseq = request.headers.cseq().unwrap();
    r.headers.push(HeaderName::CSeq, cseq.to_string());
    if let Some(c) = contact {
        r.headers.push(HeaderName::Contact, format!("<{c}>"));
    }
    r
}

/// Both ends of the RFC 3665 §3.2 call, confirmed: Alice (UAC) and Bob (UAS).
fn call() -> (Dialog, Dialog) {
    let invite = request(F4_INVITE);
    let mut alice = Dialog::from_uac(&invite, &response(F11_RINGING), false).unwrap();
    alice.confirm(&response(F14_OK)).unwrap();
    let at_bob = request(F7_INVITE);
    let mut bob = Dialog::from_uas(&at_bob, "314159", false, &mut rng()).unwrap();
    bob.confirm(&answer(&at_bob, 200, Some(BOB_CONTACT)))
        .unwrap();
    (alice, bob)
}

fn routes(r: &Request) -> Vec<String> {
    let routes = r.headers.route().unwrap();
    routes.iter().map(ToString::to_string).collect()
}

fn set_cseq(mut r: Request, seq: u32) -> Request {
    let method = r.method.clone();
    r.headers
        .set(HeaderName::CSeq, CSeq { seq, method }.to_string());
    r
}

/// Adds a Via, prints, parses back and validates; the parsed request equals what was built
/// (apart from the Content-Length the printer adds).
fn assert_round_trip(built: &Request) {
    let mut with_via = built.clone();
    with_via.headers.push_front(
        HeaderName::Via,
        "SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK776asdhds",
    );
    let message = Message::from(with_via.clone());
    let mut parsed = parse_datagram(&message.to_bytes()).expect("parses back");
    parsed.validate().expect("valid");
    parsed.headers_mut().remove(&HeaderName::ContentLength);
    assert_eq!(parsed, Message::from(with_via));
}

#[test]
fn uac_dialog_is_early_on_180_and_confirmed_by_200() {
    let invite = request(F4_INVITE);
    let mut alice = Dialog::from_uac(&invite, &response(F11_RINGING), false).unwrap();
    assert_eq!(alice.state, DialogState::Early);
    assert_eq!(alice.role, DialogRole::Uac);
    assert_eq!(
        alice.id,
        DialogId {
            call_id: Text::from("3848276298220188511@atlanta.example.com"),
            local_tag: Text::from("9fxced76sl"),
            remote_tag: Text::from("314159"),
        }
    );
    assert_eq!((alice.local_seq, alice.remote_seq), (2, None));
    assert_eq!(alice.remote_target.to_string(), BOB_CONTACT);
    let early: Vec<String> = alice.route_set.iter().map(ToString::to_string).collect();
    assert_eq!(early, ["<sip:ss1.atlanta.example.com;lr>"]);
    assert_eq!(
        alice.local.to_string(),
        "\"Alice\" <sip:alice@atlanta.example.com>;tag=9fxced76sl"
    );
    assert_eq!(
        alice.remote.to_string(),
        "\"Bob\" <sip:bob@biloxi.example.com>;tag=314159"
    );
    assert!(!alice.secure);

    let ok = response(F14_OK);
    assert_eq!(response_dialog_id(&ok), Some(alice.id.clone()));
    alice.confirm(&ok).unwrap();
    assert_eq!(alice.state, DialogState::Confirmed);
    // RFC 3261 §12.1.2: the 2xx's Record-Route, reversed.
    let confirmed: Vec<String> = alice.route_set.iter().map(ToString::to_string).collect();
    assert_eq!(
        confirmed,
        [
            "<sip:ss1.atlanta.example.com;lr>",
            "<sip:ss2.biloxi.example.com;lr>"
        ]
    );
    assert_eq!(alice.remote_target.to_string(), BOB_CONTACT);
    assert_eq!(alice.confirm(&ok), Err(DialogError::NotEarly));
}

#[test]
fn uac_dialog_straight_from_200_is_confirmed() {
    let alice = Dialog::from_uac(&request(F4_INVITE), &response(F14_OK), false).unwrap();
    assert_eq!(alice.state, DialogState::Confirmed);
    assert_eq!(alice.route_set.len(), 2);
    assert_eq!(alice.route_set, call().0.route_set);
}

#[test]
fn uas_dialog_keeps_record_route_order() {
    let invite = request(F7_INVITE);
    let bob = Dialog::from_uas(&invite, "314159", false, &mut rng()).unwrap();
    assert_eq!((bob.state, bob.role), (DialogState::Early, DialogRole::Uas));
    assert_eq!(bob.remote_seq, Some(2));
    assert!(bob.local_seq < (1 << 31) - 1);
    assert_eq!(bob.remote_target.to_string(), ALICE_CONTACT);
    let set: Vec<String> = bob.route_set.iter().map(ToString::to_string).collect();
    assert_eq!(
        set,
        [
            "<sip:ss2.biloxi.example.com;lr>",
            "<sip:ss1.atlanta.example.com;lr>"
        ]
    );
    assert_eq!(bob.local.tag(), Some("314159"));
    assert_eq!(bob.remote.tag(), Some("9fxced76sl"));
    // The peer's view of the same dialog has the tags swapped.
    let alice = call().0;
    assert_eq!(bob.id.call_id, alice.id.call_id);
    assert_eq!(bob.id.local_tag, alice.id.remote_tag);
    assert_eq!(bob.id.remote_tag, alice.id.local_tag);
}

#[test]
fn uas_dialog_is_confirmed_by_the_2xx_it_sends() {
    let invite = request(F7_INVITE);
    let mut bob = Dialog::from_uas(&invite, "314159", false, &mut rng()).unwrap();
    let before = bob.clone();
    let ringing = answer(&invite, 180, Some(BOB_CONTACT));
    assert_eq!(
        bob.confirm(&ringing),
        Err(DialogError::UnexpectedStatus(StatusCode::new(180).unwrap()))
    );
    let mut other_tag = answer(&invite, 200, Some(BOB_CONTACT));
    other_tag
        .headers
        .set(HeaderName::To, "Bob <sip:bob@biloxi.example.com>;tag=other");
    assert_eq!(bob.confirm(&other_tag), Err(DialogError::Mismatch));
    assert_eq!(bob, before);
    bob.confirm(&answer(&invite, 200, Some(BOB_CONTACT)))
        .unwrap();
    assert_eq!(bob.state, DialogState::Confirmed);
    // Our own Contact never becomes the remote target.
    assert_eq!(bob.remote_target.to_string(), ALICE_CONTACT);
    assert_eq!(bob.route_set, before.route_set);
}

#[test]
fn forked_provisional_responses_make_distinct_early_dialogs() {
    let invite = request(F4_INVITE);
    let fork = |tag: &str, host: &str| {
        F11_RINGING
            .replace("tag=314159", &format!("tag={tag}"))
            .replace("client.biloxi.example.com", host)
    };
    let a = response(&fork("aaa", "desk.biloxi.example.com"));
    let b = response(&fork("bbb", "mobile.biloxi.example.com"));
    let mut desk = Dialog::from_uac(&invite, &a, false).unwrap();
    let mut mobile = Dialog::from_uac(&invite, &b, false).unwrap();
    assert_ne!(desk.id, mobile.id);
    assert_eq!(desk.id.call_id, mobile.id.call_id);
    assert_eq!(
        (desk.state, mobile.state),
        (DialogState::Early, DialogState::Early)
    );
    assert_eq!(
        mobile.remote_target.to_string(),
        "sip:bob@mobile.biloxi.example.com;transport=tcp"
    );
    assert!(desk.matches_response(&a) && !desk.matches_response(&b));
    assert!(mobile.matches_response(&b) && !mobile.matches_response(&a));

    // The mobile answers: its dialog is confirmed; the desk's stays early (§13.2.2.4).
    let ok = response(
        &F14_OK
            .replace("tag=314159", "tag=bbb")
            .replace("client.biloxi.example.com", "mobile.biloxi.example.com"),
    );
    assert_eq!(response_dialog_id(&ok), Some(mobile.id.clone()));
    assert_eq!(desk.confirm(&ok), Err(DialogError::Mismatch));
    assert_eq!(desk.state, DialogState::Early);
    mobile.confirm(&ok).unwrap();
    assert_eq!(mobile.state, DialogState::Confirmed);
    assert_eq!(mobile.route_set.len(), 2);
}

#[test]
fn responses_that_create_no_dialog() {
    let invite = request(F4_INVITE);
    let contact_line = "Contact: <sip:bob@client.biloxi.example.com;transport=tcp>\r\n";
    let status = |code: u16| DialogError::UnexpectedStatus(StatusCode::new(code).unwrap());
    // (what is replaced in the 200 (F14), by what, the error).
    let cases = [
        (contact_line, "", DialogError::MissingContact),
        (contact_line, "Contact: *\r\n", DialogError::BadContact),
        (
            contact_line,
            "Contact: <sip:bob@a.example.com>, <sip:bob@b.example.com>\r\n",
            DialogError::BadContact,
        ),
        (
            contact_line,
            "Contact: <tel:+15551234>\r\n",
            DialogError::BadContact,
        ),
        (
            contact_line,
            "Contact: <sip:bob@>\r\n",
            DialogError::BadContact,
        ),
        ("200 OK", "100 Trying", status(100)),
        ("200 OK", "486 Busy Here", status(486)),
        ("200 OK", "302 Moved Temporarily", status(302)),
        (
            "Call-ID: 3848276298220188511@atlanta.example.com\r\n",
            "Call-ID: other@atlanta.example.com\r\n",
            DialogError::Mismatch,
        ),
        ("CSeq: 2 INVITE", "CSeq: 1 INVITE", DialogError::Mismatch),
        ("tag=9fxced76sl", "tag=someoneelse", DialogError::Mismatch),
        (
            "Call-ID: 3848276298220188511@atlanta.example.com\r\n",
            "",
            DialogError::MissingHeader("Call-ID"),
        ),
        (
            "Record-Route: <sip:ss2.biloxi.example.com;lr>",
            "Record-Route: <sip:ss2.biloxi.example.com;lr",
            DialogError::BadHeader("Record-Route"),
        ),
    ];
    for (from, to, want) in cases {
        let text = F14_OK.replacen(from, to, 1);
        assert_ne!(text, F14_OK, "{from}");
        let got = Dialog::from_uac(&invite, &response(&text), false);
        assert_eq!(got, Err(want), "{from} -> {to}");
    }

    // A 180 must carry a To tag (§12.1).
    let untagged = F11_RINGING.replace(";tag=314159", "");
    assert_eq!(
        Dialog::from_uac(&invite, &response(&untagged), false),
        Err(DialogError::MissingTag)
    );
    // A 180 without a Contact still makes the early dialog, aimed at the Request-URI.
    let no_contact = F11_RINGING.replace(
        "Contact: <sip:bob@client.biloxi.example.com;transport=tcp>\r\n",
        "",
    );
    let early = Dialog::from_uac(&invite, &response(&no_contact), false).unwrap();
    assert_eq!(
        early.remote_target.to_string(),
        "sip:bob@biloxi.example.com"
    );
    // A tagless 2xx (RFC 2543) makes a dialog with a null remote tag, and To stays untagged.
    let legacy = F14_OK.replace(";tag=314159", "");
    let mut old = Dialog::from_uac(&invite, &response(&legacy), false).unwrap();
    assert_eq!(old.id.remote_tag, "");
    let bye = old.new_request(Method::Bye, &contact(ALICE_CONTACT));
    assert_eq!(bye.headers.to().unwrap().tag(), None);
    let mut ok = answer(&bye, 200, None);
    ok.headers
        .set(HeaderName::To, "Bob <sip:bob@biloxi.example.com>");
    assert!(old.matches_response(&ok));
    assert_eq!(response_dialog_id(&ok), None);
}

#[test]
fn requests_that_create_no_uas_dialog() {
    let invite = request(F7_INVITE);
    assert_eq!(
        Dialog::from_uas(&invite, "", false, &mut rng()),
        Err(DialogError::MissingTag)
    );
    let contact_line = "Contact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n";
    let cases = [
        (contact_line, "", DialogError::MissingContact),
        (
            contact_line,
            "Contact: <mailto:alice@example.com>\r\n",
            DialogError::BadContact,
        ),
        ("CSeq: 2 INVITE\r\n", "", DialogError::MissingHeader("CSeq")),
        (
            "CSeq: 2 INVITE",
            "CSeq: two INVITE",
            DialogError::BadHeader("CSeq"),
        ),
        (
            "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n",
            "",
            DialogError::MissingHeader("From"),
        ),
    ];
    for (from, to, want) in cases {
        let text = F7_INVITE.replacen(from, to, 1);
        assert_ne!(text, F7_INVITE, "{from}");
        let got = Dialog::from_uas(&request(&text), "314159", false, &mut rng());
        assert_eq!(got, Err(want), "{from} -> {to}");
    }
    // RFC 2543 peers send no From tag: a null remote tag, no tag in our To.
    let untagged = F7_INVITE.replace(";tag=9fxced76sl", "");
    let mut bob = Dialog::from_uas(&request(&untagged), "314159", false, &mut rng()).unwrap();
    assert_eq!(bob.id.remote_tag, "");
    let bye = bob.new_request(Method::Bye, &contact(BOB_CONTACT));
    assert_eq!(bye.headers.to().unwrap().tag(), None);
    assert_eq!(request_dialog_id(&bye), None);
    assert_round_trip(&bye);
}

#[test]
fn secure_needs_tls_and_a_sips_request_uri() {
    let sips = F7_INVITE
        .replace("INVITE sip:bob@client", "INVITE sips:bob@client")
        .replace(
            "<sip:alice@client.atlanta.example.com;transport=tcp>",
            "<sips:alice@client.atlanta.example.com>",
        );
    // (INVITE, came over TLS, secure).
    let cases = [(&sips, true, true), (&sips, false, false)];
    for (text, tls, secure) in cases {
        let mut bob = Dialog::from_uas(&request(text), "314159", tls, &mut rng()).unwrap();
        assert_eq!(bob.secure, secure, "tls {tls}");
        let bye = bob.new_request(Method::Bye, &contact("sip:bob@client.biloxi.example.com"));
        let scheme = bye.headers.contacts().unwrap();
        let Contacts::List(list) = scheme else {
            panic!("a Contact list")
        };
        let want = if secure { Scheme::Sips } else { Scheme::Sip };
        assert_eq!(list[0].uri.as_sip().unwrap().scheme, want, "tls {tls}");
        assert_eq!(bye.uri.to_string(), "sips:alice@client.atlanta.example.com");
        assert_round_trip(&bye);
    }
    let plain = Dialog::from_uas(&request(F7_INVITE), "314159", true, &mut rng()).unwrap();
    assert!(!plain.secure, "TLS alone is not enough");
    let alice = Dialog::from_uac(&request(F4_INVITE), &response(F14_OK), true).unwrap();
    assert!(!alice.secure);
}

#[test]
fn error_statuses_for_the_uas() {
    let cases = [
        (DialogError::OutOfOrder { got: 1, last: 2 }, 500),
        (DialogError::Mismatch, 481),
        (DialogError::BadContact, 400),
        (DialogError::MissingHeader("CSeq"), 400),
    ];
    for (e, code) in cases {
        assert_eq!(e.status_code(), code, "{e}");
    }
}

mod no_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Arbitrary header values never make the dialog code panic.
        #[test]
        fn arbitrary_header_values(
            contact in "\\PC{0,40}",
            record_route in "\\PC{0,40}",
            cseq in "\\PC{0,12}",
            to in "\\PC{0,40}",
            from in "\\PC{0,40}",
        ) {
            let mut r = request(F7_INVITE);
            r.headers.set(HeaderName::Contact, contact.as_str());
            r.headers.set(HeaderName::RecordRoute, record_route.as_str());
            r.headers.set(HeaderName::CSeq, cseq.as_str());
            let _ = Dialog::from_uas(&r, "x", false, &mut rng());
            let (mut alice, mut bob) = call();
            r.headers.set(HeaderName::To, to.as_str());
            r.headers.set(HeaderName::From, from.as_str());
            let _ = bob.handle_request(&r);
            let _ = request_dialog_id(&r);
            let mut resp = answer(&request(F4_INVITE), 200, None);
            resp.headers.set(HeaderName::Contact, contact.as_str());
            resp.headers.set(HeaderName::RecordRoute, record_route.as_str());
            resp.headers.set(HeaderName::To, to.as_str());
            let _ = Dialog::from_uac(&request(F4_INVITE), &resp, false);
            let _ = alice.handle_response(&Method::Invite, &resp);
            let _ = response_dialog_id(&resp);
            let _ = alice.new_request(Method::Bye, &contact_uri());
        }
    }

    fn contact_uri() -> SipUri {
        contact(ALICE_CONTACT)
    }
}
