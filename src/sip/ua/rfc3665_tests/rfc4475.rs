//! RFC 4475 §3.3 (application-layer semantics) and §3.2.1: each torture message from
//! `tests/vectors/rfc4475` fed to a core acting as an endpoint (a UA, not a proxy nor a
//! registrar), checking the answer the RFC asks of such an element, that the answer echoes
//! the request (RFC 3261 §8.2.6.2), and that nothing is left behind.
//!
//! Not here, because the core does not yet do what the RFC asks (see the report that came
//! with these tests): §3.3.9 `mcl01` (conflicting Content-Length values: dropped as
//! unparseable instead of answered with an error) and §3.3.15 `sdp01` (Accept without
//! application/sdp: no 406, the Accept header is not looked at).

use super::*;

/// The endpoint's address; the vectors' Vias name no port, so answers go to port 5060.
const LOCAL: &str = "192.0.2.1:5060";
const SENDER: &str = "192.0.2.9:5060";

/// What the core did with one torture message.
struct Outcome {
    responses: Vec<Response>,
    events: Vec<UaEvent>,
}

/// Feeds `data` arriving over `transport` and runs the timers out.
fn feed(data: &[u8], transport: TransportKind) -> Outcome {
    let mut ua = core(transport, LOCAL, 44);
    let now = test_clock::origin();
    let from = peer(transport, SENDER);
    ua.handle_datagram(now, data, from);
    let responses = sent(&mut ua, from)
        .into_iter()
        .map(|m| match m {
            Message::Response(r) => r,
            Message::Request(r) => panic!("an endpoint answers, it sent {}", r.method),
        })
        .collect();
    let events = events(&mut ua);
    run_timers(&mut ua, now, Duration::from_secs(600));
    assert_eq!(ua.transactions(), 0, "transactions left");
    assert_eq!(ua.calls(), 0, "no call from a refused request");
    Outcome { responses, events }
}

/// The single response to `data`, with `status`; checks it echoes the request's Call-ID and
/// CSeq and adds a To tag, and that the refusal was reported.
fn answered(data: &[u8], transport: TransportKind, status: u16) -> Response {
    let out = feed(data, transport);
    let [r] = &out.responses[..] else {
        panic!("expected one response: {:?}", out.responses);
    };
    assert_eq!(r.status.as_u16(), status, "{r:?}");
    let request = match parse_datagram(data).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!(),
    };
    if let Ok(call_id) = request.headers.call_id() {
        assert_eq!(r.headers.call_id().unwrap(), call_id);
        assert!(r.headers.to().unwrap().tag().is_some(), "§8.2.6.2: To tag");
    }
    assert_eq!(r.headers.cseq().unwrap(), request.headers.cseq().unwrap());
    // The Vias come back as they came, with the source address stamped (§18.2.1).
    let (ours, theirs) = (r.headers.via().unwrap(), request.headers.via().unwrap());
    let sent_by = |v: &[crate::sip::headers::Via]| -> Vec<_> {
        v.iter()
            .map(|v| (v.host.clone(), v.port, v.branch().map(str::to_owned)))
            .collect()
    };
    assert_eq!(sent_by(&ours), sent_by(&theirs));
    assert_eq!(ours[0].received(), Some("192.0.2.9".parse().unwrap()));
    if status >= 300 {
        assert!(
            out.events.iter().any(|e| matches!(
                e,
                UaEvent::Rejected { status: Some(s), .. } if *s == status
            )),
            "the refusal is reported: {:?}",
            out.events
        );
    }
    r.clone()
}

fn header<'a>(r: &'a Response, name: &HeaderName) -> Option<&'a str> {
    r.headers.get(name)
}

const ALLOW: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO";

/// §3.2.1 `badbranch`: a bare `z9hG4bK` branch. 400, or the RFC 2543 fallback; the core
/// falls back and answers the OPTIONS.
#[test]
fn rfc4475_3_2_1_badbranch_is_answered() {
    let data = include_bytes!("../../../../tests/vectors/rfc4475/badbranch.dat");
    answered(data, TransportKind::Udp, 200);
}

/// §3.3.1 `insuf`: no Call-ID, From or To: "Ideally, it will respond with a 400".
#[test]
fn rfc4475_3_3_1_insuf_missing_headers_400() {
    let data = include_bytes!("../../../../tests/vectors/rfc4475/insuf.dat");
    let r = answered(data, TransportKind::Udp, 400);
    assert!(
        r.reason.contains("From"),
        "the 400 names what is missing: {}",
        r.reason
    );
}

/// §3.3.2 `unkscm`: an unknown Request-URI scheme: 416.
#[test]
fn rfc4475_3_3_2_unkscm_unknown_scheme_416() {
    let data = include_bytes!("../../../../tests/vectors/rfc4475/unkscm.dat");
    answered(data, TransportKind::Tcp, 416);
}

/// §3.3.3 `novelsc`: a registered scheme an endpoint never accepts (`soap.beep`): 416.
#[test]
fn rfc4475_3_3_3_novelsc_atypical_scheme_416() {
    let data = include_bytes!("../../../../tests/vectors/rfc4475/novelsc.dat");
    answered(data, TransportKind::Tcp, 416);
}

/// §3.3.4 `unksm2`: a REGISTER with non-SIP URIs in To, From and Contact. A registrar would
/// answer 400; an endpoint that is not one refuses the method (405 with Allow, §3.3.7).
#[test]
fn rfc4475_3_3_4_unksm2_register_at_an_endpoint_405() {
    let data = include_bytes!("../../../../tests/vectors/rfc4475/unksm2.dat");
    let r = answered(data, TransportKind::Udp, 405);
    assert_eq!(header(&r, &HeaderName::Allow), Some(ALLOW));
}

/// §3.3.5 `bext01`: 420 with Unsupported listing the Require tags (a UA does not act on
/// Proxy-Require).
#[test]
fn rfc4475_3_3_5_bext01_require_420_with_unsupported() {
    let data = include_bytes!("../../../../tests/vectors/rfc4475/bext01.dat");
    let r = answered(data, TransportKind::Tls, 420);
    assert_eq!(
        header(&r, &HeaderName::Unsupported),
        Some("nothingSupportsThis, nothingSupportsThisEither")
    );
}

/// §3.3.6 `invut`: an INVITE whose body is `application/unknownformat`: an endpoint
/// answers 415 (with Accept, RFC 3261 §8.2.3), and no call starts.
#[test]
fn rfc4475_3_3_6_invut_unknown_content_type_415() {
    let data = include_bytes!("../../../../tests/vectors/rfc4475/invut.dat");
    let r = answered(data, TransportKind::Udp, 415);
    assert_eq!(header(&r, &HeaderName::Accept), Some("application/sdp"));
}

/// §3.3.7 `regaut01`: "Endpoints choosing not to act as registrars will simply reject the
/// request. A 405 Method Not Allowed is appropriate."
#[test]
fn rfc4475_3_3_7_regaut01_unknown_auth_scheme_405() {
    let data = include_bytes!("../../../../tests/vectors/rfc4475/regaut01.dat");
    let r = answered(data, TransportKind::Tcp, 405);
    assert_eq!(header(&r, &HeaderName::Allow), Some(ALLOW));
}

/// §3.3.8 `multi01`: several Call-ID, To, From, Max-Forwards and CSeq values: 400 (and no
/// call).
#[test]
fn rfc4475_3_3_8_multi01_multiple_single_values_400() {
    let data = include_bytes!("../../../../tests/vectors/rfc4475/multi01.dat");
    let out = feed(data, TransportKind::Udp);
    let [r] = &out.responses[..] else {
        panic!("expected one response: {:?}", out.responses);
    };
    // The request's own Call-ID and CSeq are ambiguous, so only the status is checked.
    assert_eq!(r.status.as_u16(), 400);
}

/// §3.3.10 `bcast`: a 200 whose second Via is 255.255.255.255, matching nothing: "an
/// endpoint receiving this message should simply discard it".
#[test]
fn rfc4475_3_3_10_bcast_response_is_discarded() {
    let data = include_bytes!("../../../../tests/vectors/rfc4475/bcast.dat");
    let out = feed(data, TransportKind::Udp);
    assert!(out.responses.is_empty());
    assert!(
        !out.events.iter().any(|e| matches!(e, UaEvent::Call { .. })),
        "{:?}",
        out.events
    );
}

/// §3.3.11 `zeromf`: Max-Forwards 0: "An endpoint should process the request as if the
/// Max-Forwards field value were still positive": the OPTIONS gets its 200 (no 483).
#[test]
fn rfc4475_3_3_11_zeromf_endpoint_answers_200() {
    let data = include_bytes!("../../../../tests/vectors/rfc4475/zeromf.dat");
    let r = answered(data, TransportKind::Udp, 200);
    assert_eq!(header(&r, &HeaderName::Allow), Some(ALLOW));
}

/// §3.3.12–§3.3.14 `cparam01`, `cparam02`, `regescrt`: REGISTERs that a registrar accepts;
/// an endpoint that is not a registrar refuses the method with 405.
#[test]
fn rfc4475_3_3_12_to_3_3_14_register_at_an_endpoint_405() {
    let cases: [&[u8]; 3] = [
        include_bytes!("../../../../tests/vectors/rfc4475/cparam01.dat"),
        include_bytes!("../../../../tests/vectors/rfc4475/cparam02.dat"),
        include_bytes!("../../../../tests/vectors/rfc4475/regescrt.dat"),
    ];
    for data in cases {
        let r = answered(data, TransportKind::Udp, 405);
        assert_eq!(header(&r, &HeaderName::Allow), Some(ALLOW));
    }
}
