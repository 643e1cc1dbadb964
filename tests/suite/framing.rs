//! Message framing (RFC 3261 §7.5, §18.3; keep-alives RFC 5626 §3.5.1) on streams and
//! datagrams, and the header-line syntax the framer handles: bare LF line ends, folding
//! (§7.3.1), compact forms (§7.3.3), case-insensitive names, and list splitting that
//! respects quotes and angle brackets.

use tincan::sip::{
    Contacts, ErrorKind, Framed, HeaderName, Location, Message, Method, parse_datagram,
    parse_stream,
};

const OPTIONS: &str = "OPTIONS sip:bob@example.com SIP/2.0\r\n\
Via: SIP/2.0/TCP client.example.com:5060;branch=z9hG4bK74bf9\r\n\
Max-Forwards: 70\r\n\
To: <sip:bob@example.com>\r\n\
From: Alice <sip:alice@example.com>;tag=9fxced76sl\r\n\
Call-ID: 3848276298220188511@example.com\r\n\
CSeq: 63104 OPTIONS\r\n\
Content-Length: 0\r\n\
\r\n";

const MESSAGE: &str = "MESSAGE sip:bob@example.com SIP/2.0\r\n\
Via: SIP/2.0/TCP client.example.com:5060;branch=z9hG4bK776sgdkse\r\n\
Max-Forwards: 70\r\n\
To: <sip:bob@example.com>\r\n\
From: <sip:alice@example.com>;tag=49583\r\n\
Call-ID: asd88asd77a@1.2.3.4\r\n\
CSeq: 1 MESSAGE\r\n\
Content-Type: text/plain\r\n\
Content-Length: 18\r\n\
\r\n\
Watson, come here.";

fn message(framed: Framed) -> (Message, usize) {
    match framed {
        Framed::Message { message, consumed } => (message, consumed),
        other => panic!("expected a message, got {other:?}"),
    }
}

fn method(m: &Message) -> &Method {
    &m.as_request().expect("a request").method
}

/// A request with a head built from `lines` joined by `eol`, no body.
fn request_with(lines: &[&str], eol: &str) -> Vec<u8> {
    let mut s = String::new();
    for l in lines {
        s.push_str(l);
        s.push_str(eol);
    }
    s.push_str(eol);
    s.into_bytes()
}

#[test]
fn stream_two_messages_back_to_back() {
    let buf = [OPTIONS.as_bytes(), MESSAGE.as_bytes()].concat();
    let (first, consumed) = message(parse_stream(&buf).unwrap());
    assert_eq!(consumed, OPTIONS.len());
    assert_eq!(method(&first), &Method::Options);
    assert!(first.body().is_empty());
    first.validate().unwrap();
    let (second, consumed) = message(parse_stream(&buf[OPTIONS.len()..]).unwrap());
    assert_eq!(consumed, MESSAGE.len());
    assert_eq!(method(&second), &Method::Message);
    assert_eq!(&second.body()[..], b"Watson, come here.");
    second.validate().unwrap();
}

#[test]
fn stream_partial_head_needs_more() {
    let full = MESSAGE.as_bytes();
    let head_end = MESSAGE.find("\r\n\r\n").unwrap();
    for cut in [1, 10, head_end, head_end + 2, head_end + 3] {
        let got = parse_stream(&full[..cut]).unwrap();
        assert!(matches!(got, Framed::NeedMore), "cut at {cut}: {got:?}");
    }
}

#[test]
fn stream_partial_body_needs_more() {
    let full = MESSAGE.as_bytes();
    let body_start = MESSAGE.find("\r\n\r\n").unwrap() + 4;
    for cut in body_start..full.len() {
        let got = parse_stream(&full[..cut]).unwrap();
        assert!(matches!(got, Framed::NeedMore), "cut at {cut}: {got:?}");
    }
    let (m, consumed) = message(parse_stream(full).unwrap());
    assert_eq!(consumed, full.len());
    assert_eq!(m.body().len(), 18);
}

#[test]
fn stream_leading_crlfs_are_skipped_and_counted() {
    // A single CRLF (a pong) before a message is skipped and counted with it.
    let buf = ["\r\n", OPTIONS].concat();
    let (m, consumed) = message(parse_stream(buf.as_bytes()).unwrap());
    assert_eq!(consumed, 2 + OPTIONS.len());
    assert_eq!(method(&m), &Method::Options);
    // A ping in the same read as a message is reported first, so its pong is not lost.
    let buf = ["\r\n\r\n\r\n", OPTIONS].concat();
    match parse_stream(buf.as_bytes()).unwrap() {
        Framed::KeepAlive { consumed, ping } => assert_eq!((consumed, ping), (6, true)),
        other => panic!("expected a ping, got {other:?}"),
    }
    let (m, consumed) = message(parse_stream(&buf.as_bytes()[6..]).unwrap());
    assert_eq!(consumed, OPTIONS.len());
    assert_eq!(method(&m), &Method::Options);
    // Datagrams skip them too.
    let m = parse_datagram(buf.as_bytes()).unwrap();
    assert_eq!(method(&m), &Method::Options);
}

#[test]
fn stream_keepalive_ping_and_pong() {
    match parse_stream(b"\r\n\r\n").unwrap() {
        Framed::KeepAlive { consumed, ping } => {
            assert_eq!(consumed, 4);
            assert!(ping, "a double CRLF is a ping");
        }
        other => panic!("expected a keep-alive, got {other:?}"),
    }
    match parse_stream(b"\r\n").unwrap() {
        Framed::KeepAlive { consumed, ping } => {
            assert_eq!(consumed, 2);
            assert!(!ping, "a single CRLF is a pong");
        }
        other => panic!("expected a keep-alive, got {other:?}"),
    }
    assert!(matches!(parse_stream(b"").unwrap(), Framed::NeedMore));
}

#[test]
fn stream_requires_content_length() {
    let no_length = OPTIONS.replace("Content-Length: 0\r\n", "");
    let e = parse_stream(no_length.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MissingContentLength);
    assert_eq!(e.location, Location::Framing);
    assert_eq!(e.status_code(), 400);
    // A datagram may omit it: the body runs to the end of the datagram.
    let m = parse_datagram(no_length.as_bytes()).unwrap();
    assert!(m.body().is_empty());
}

#[test]
fn bad_content_length_is_an_error() {
    for bad in ["-1", "-999", "five", "1.5", "0x10", "99999999999999999999"] {
        let text = OPTIONS.replace("Content-Length: 0", &format!("Content-Length: {bad}"));
        let e = parse_stream(text.as_bytes()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadContentLength, "{bad}");
        assert_eq!(e.location, Location::Header("Content-Length".into()));
        assert!(e.reason_phrase().contains("Content-Length"), "{bad}");
        let e = parse_datagram(text.as_bytes()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadContentLength, "{bad}");
    }
}

#[test]
fn datagram_bare_lf_line_ends() {
    let lf = OPTIONS.replace("\r\n", "\n");
    let m = parse_datagram(lf.as_bytes()).unwrap();
    m.validate().unwrap();
    assert_eq!(method(&m), &Method::Options);
    assert_eq!(m.headers().cseq().unwrap().seq, 63104);
    // Printing always uses CRLF.
    let crlf = parse_datagram(OPTIONS.as_bytes()).unwrap();
    assert_eq!(m.to_bytes(), crlf.to_bytes());
    // A body after a bare-LF head.
    let lf = MESSAGE.replace("\r\n", "\n");
    let m = parse_datagram(lf.as_bytes()).unwrap();
    assert_eq!(&m.body()[..], b"Watson, come here.");
}

#[test]
fn datagram_folded_headers() {
    let bytes = request_with(
        &[
            "INVITE sip:bob@example.com SIP/2.0",
            "Via: SIP/2.0/UDP pc33.example.com",
            "\t;branch=z9hG4bKnashds8",
            "Max-Forwards: 70",
            "To: Bob",
            "   <sip:bob@example.com>",
            "From:",
            " \t \"Alice\" <sip:alice@example.com>",
            "\t;tag=1928301774",
            "Call-ID: a84b4c76e66710",
            "CSeq: 314159",
            "\tINVITE",
            "Subject: I know you're there,",
            "        pick up the phone",
            "        and talk to me!",
            "Content-Length: 0",
        ],
        "\r\n",
    );
    let m = parse_datagram(&bytes).unwrap();
    m.validate().unwrap();
    let h = m.headers();
    let subject = h.get(&HeaderName::Subject).unwrap();
    assert_eq!(
        subject,
        "I know you're there, pick up the phone and talk to me!"
    );
    assert_eq!(
        h.get(&HeaderName::Via).unwrap(),
        "SIP/2.0/UDP pc33.example.com ;branch=z9hG4bKnashds8"
    );
    assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bKnashds8"));
    let from = h.from().unwrap();
    assert_eq!(from.display.as_deref(), Some("Alice"));
    assert_eq!(from.tag(), Some("1928301774"));
    assert_eq!(h.to().unwrap().display.as_deref(), Some("Bob"));
    assert_eq!(h.cseq().unwrap().method, Method::Invite);
    // The printed form has no folds and reads back the same.
    let printed = m.to_bytes();
    assert!(!printed.windows(3).any(|w| w == b"\r\n " || w == b"\r\n\t"));
    assert_eq!(parse_datagram(&printed).unwrap(), m);
}

#[test]
fn datagram_compact_forms() {
    let bytes = request_with(
        &[
            "INVITE sip:bob@example.com SIP/2.0",
            "v: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds",
            "f: <sip:alice@example.com>;tag=1928301774",
            "t: <sip:bob@example.com>",
            "i: a84b4c76e66710@pc33.example.com",
            "CSeq: 1 INVITE",
            "m: <sip:alice@pc33.example.com>",
            "s: lunch",
            "k: 100rel, timer",
            "c: text/plain",
            "e: gzip",
            "o: presence",
            "l: 5",
        ],
        "\r\n",
    );
    let bytes = [bytes.as_slice(), b"hello"].concat();
    let m = parse_datagram(&bytes).unwrap();
    m.validate().unwrap();
    let names: Vec<_> = m.headers().iter().map(|h| h.name.to_string()).collect();
    assert_eq!(
        names,
        [
            "Via",
            "From",
            "To",
            "Call-ID",
            "CSeq",
            "Contact",
            "Subject",
            "Supported",
            "Content-Type",
            "Content-Encoding",
            "Event",
            "Content-Length",
        ]
    );
    let h = m.headers();
    assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bK776asdhds"));
    assert_eq!(h.from().unwrap().tag(), Some("1928301774"));
    assert_eq!(h.call_id().unwrap(), "a84b4c76e66710@pc33.example.com");
    assert_eq!(h.supported().unwrap(), ["100rel", "timer"]);
    assert!(h.content_type().unwrap().unwrap().is("text", "plain"));
    assert_eq!(h.content_length().unwrap(), Some(5));
    assert_eq!(&m.body()[..], b"hello");
    // Printed with long names.
    let printed = String::from_utf8(m.to_bytes()).unwrap();
    assert!(printed.contains("\r\nCall-ID: a84b4c76e66710@pc33.example.com\r\n"));
    assert!(printed.contains("\r\nContent-Length: 5\r\n"));
}

#[test]
fn datagram_header_names_in_odd_casing() {
    let bytes = request_with(
        &[
            "REGISTER sip:registrar.example.com SIP/2.0",
            "vIA: SIP/2.0/UDP bobspc.example.com:5060;branch=z9hG4bKnashds7",
            "MAX-FORWARDS: 70",
            "tO: Bob <sip:bob@example.com>",
            "FROM: Bob <sip:bob@example.com>;tag=456248",
            "call-id: 843817637684230@998sdasdh09",
            "cseq: 1826 REGISTER",
            "CONTACT: <sip:bob@192.0.2.4>",
            "eXpIrEs: 7200",
            "X-Vendor-Thing: Keep Me",
            "content-LENGTH: 0",
        ],
        "\r\n",
    );
    let m = parse_datagram(&bytes).unwrap();
    m.validate().unwrap();
    let h = m.headers();
    assert_eq!(h.max_forwards().unwrap(), Some(70));
    assert_eq!(h.expires().unwrap(), Some(7200));
    assert_eq!(h.cseq().unwrap().method, Method::Register);
    // Unknown names keep their spelling but still match case-insensitively.
    let vendor = HeaderName::from_name("x-vendor-thing");
    assert_eq!(h.get(&vendor).unwrap(), "Keep Me");
    let printed = String::from_utf8(m.to_bytes()).unwrap();
    assert!(printed.contains("\r\nMax-Forwards: 70\r\n"));
    assert!(printed.contains("\r\nX-Vendor-Thing: Keep Me\r\n"));
}

#[test]
fn contact_list_splits_outside_quotes_and_angles() {
    let bytes = request_with(
        &[
            "REGISTER sip:registrar.example.com SIP/2.0",
            "Via: SIP/2.0/UDP bobspc.example.com:5060;branch=z9hG4bKnashds7",
            "Max-Forwards: 70",
            "To: <sip:bob@example.com>",
            "From: <sip:bob@example.com>;tag=456248",
            "Call-ID: 843817637684230@998sdasdh09",
            "CSeq: 1826 REGISTER",
            "Contact: \"Watson, Thomas\" <sip:watson@a.example.com>;q=0.7, \
             <sip:bob,smith@b.example.com;transport=tcp>",
            "Contact: \"Q \\\"x, y\\\"\" <sip:q@c.example.com>;expires=60,sip:d@d.example.com",
            "Content-Length: 0",
        ],
        "\r\n",
    );
    let m = parse_datagram(&bytes).unwrap();
    m.validate().unwrap();
    let Contacts::List(list) = m.headers().contacts().unwrap() else {
        panic!("not a list");
    };
    assert_eq!(list.len(), 4);
    assert_eq!(list[0].display.as_deref(), Some("Watson, Thomas"));
    assert_eq!(list[0].q(), Some(700));
    let b = list[1].uri.as_sip().unwrap();
    assert_eq!(b.transport(), Some("tcp"));
    assert_eq!(b.user.as_deref(), Some("bob,smith"));
    assert_eq!(list[2].display.as_deref(), Some("Q \"x, y\""));
    assert_eq!(list[2].expires(), Some(60));
    assert_eq!(list[3].display, None);
    assert_eq!(list[3].uri.to_string(), "sip:d@d.example.com");
}

#[test]
fn malformed_header_line_is_a_framing_error() {
    let bytes = request_with(
        &[
            "OPTIONS sip:bob@example.com SIP/2.0",
            "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1",
            "this line has no colon",
            "Content-Length: 0",
        ],
        "\r\n",
    );
    let e = parse_datagram(&bytes).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadHeaderLine);
    assert_eq!(e.location, Location::Framing);
    // A datagram with no empty line ending the head is incomplete; a stream waits.
    let head_only = OPTIONS.trim_end_matches("\r\n");
    let e = parse_datagram(head_only.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Incomplete);
    assert!(matches!(
        parse_stream(head_only.as_bytes()).unwrap(),
        Framed::NeedMore
    ));
}

/// Found by the `sip_message` fuzz target: a CR followed by a tab before the LF left a bare
/// CR inside the From value, which then broke the line when printed.
#[test]
fn bare_cr_inside_a_line_is_rejected() {
    let data = b"REGISTER sip:example.com SIP/2.0\r\nTo: sip:j$user@example.com\r\nFrom: sip:j.t`on: No\x0fneKnowsThisScheme opaque-data=here\r\t\nContent-Length:0\r\n\r\n";
    let err = parse_datagram(data).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedChar('\r'));
    assert_eq!(err.location, Location::Framing);
    let start_line = b"OPTIONS sip:a@b SIP/2.0\r\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n";
    let err = parse_datagram(start_line).unwrap_err();
    assert_eq!(err.location, Location::StartLine);
}

/// Found by the `sip_message` fuzz target: a multi-byte character across byte 4 of the
/// start line made the `SIP/` check slice inside a character.
#[test]
fn multibyte_start_line_is_an_error_not_a_panic() {
    let data = "Ripƚxample.com \\IP/4.0\r\nToisp:s ;ue\n\r\n".as_bytes();
    assert_eq!(
        parse_datagram(data).unwrap_err().location,
        Location::StartLine
    );
    let data = "INVITE sip:a@b SIƚ/2.0\r\n\r\n".as_bytes();
    assert!(parse_datagram(data).is_err());
}

/// A head that is not UTF-8 is a framing error saying where it stops being UTF-8, wherever
/// the bad byte sits (the fast check finds it, the exact offset is still reported); a body
/// that is not UTF-8 is fine.
#[test]
fn head_that_is_not_utf8_is_an_error_with_its_offset() {
    let head = OPTIONS.as_bytes();
    for at in [0, 7, 40, 100, head.len() - 5] {
        let mut data = head.to_vec();
        data[at] = 0xff;
        let e = parse_datagram(&data).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidUtf8, "byte {at}");
        assert_eq!(e.location, Location::Framing);
        assert_eq!(e.error.at, at);
    }
    let mut data = OPTIONS
        .replace("Content-Length: 0", "Content-Length: 2")
        .into_bytes();
    data.extend_from_slice(&[0xff, 0xfe]);
    assert_eq!(
        parse_datagram(&data).unwrap().body().as_ref(),
        &[0xff, 0xfe]
    );
}

/// Folding many continuation lines costs linear time: each line is appended once.
#[test]
fn many_folded_lines_join_into_one_value() {
    let mut data = String::from("OPTIONS sip:a@b SIP/2.0\nSubject: x\n");
    for _ in 0..20_000 {
        data.push_str(" a\n");
    }
    data.push('\n');
    let m = parse_datagram(data.as_bytes()).unwrap();
    let subject = m.headers().get(&tincan::sip::HeaderName::Subject).unwrap();
    assert_eq!(subject.len(), 1 + 2 * 20_000);
    assert!(subject.starts_with("x a a"));
}

/// Values set in code cannot break the line they are printed on.
#[test]
fn printed_values_cannot_inject_headers() {
    let mut m = parse_datagram(OPTIONS.as_bytes()).unwrap();
    m.headers_mut()
        .push(tincan::sip::HeaderName::Subject, "a\r\nVia: evil");
    let again = parse_datagram(&m.to_bytes()).unwrap();
    assert_eq!(again.headers().via().unwrap().len(), 1);
    let subject = again
        .headers()
        .get(&tincan::sip::HeaderName::Subject)
        .unwrap();
    assert_eq!(subject, "a  Via: evil");
}
