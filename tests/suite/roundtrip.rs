//! Property tests: printing then parsing gives back the same value, for generated URIs,
//! name-addrs, Vias and whole messages (RFC 3261 §25 grammar), and the parsers never panic.

use proptest::prelude::*;
use tincan::sip::{
    CSeq, HeaderName, Host, Message, Method, NameAddr, Param, Params, Request, Response, SipUri,
    StatusCode, Text, Uri, Via, parse_datagram, parse_stream,
};

fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][a-zA-Z0-9.!%*_+`'~-]{0,11}"
}

fn host() -> impl Strategy<Value = Host> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,10}(\\.[a-z][a-z0-9-]{0,8}){0,3}".prop_map(|h| Host::Name(Text::from(h))),
        any::<[u8; 4]>().prop_map(|o| Host::V4(o.into())),
        any::<[u16; 8]>().prop_map(|s| Host::V6(s.into())),
    ]
}

fn uri_params() -> impl Strategy<Value = Params> {
    prop::collection::vec(
        (
            "[a-z][a-z0-9-]{0,8}",
            prop::option::of("[a-zA-Z0-9._~-]{1,10}"),
        ),
        0..4,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(n, val)| Param::new(n, val.map(Text::from)))
            .collect::<Params>()
    })
}

fn header_params() -> impl Strategy<Value = Params> {
    let value = prop_oneof![
        token(),
        "[a-zA-Z0-9 ,;:<>@]{0,10}".prop_map(|s| format!("\"{s}\"")),
    ];
    prop::collection::vec((token(), prop::option::of(value)), 0..4).prop_map(|v| {
        v.into_iter()
            .map(|(n, val)| Param::new(n, val.map(Text::from)))
            .collect::<Params>()
    })
}

prop_compose! {
    fn sip_uri()(
        sips in any::<bool>(),
        user in prop::option::of("[a-zA-Z0-9_.!~*'()&=+$,;?/-]{1,12}|[a-z]{1,4}%2[0-9A-F]"),
        password in prop::option::of("[a-zA-Z0-9]{1,6}"),
        host in host(),
        port in prop::option::of(any::<u16>()),
        params in uri_params(),
        headers in prop::collection::vec(("[a-zA-Z]{1,6}", "[a-zA-Z0-9%:]{0,8}"), 0..3),
    ) -> SipUri {
        let mut u = SipUri::new(user.as_deref(), host, port);
        if sips { u.scheme = tincan::sip::Scheme::Sips; }
        u.password = user.as_ref().and(password.map(Text::from));
        u.params = params;
        u.headers = headers
            .into_iter()
            .map(|(n, v)| tincan::sip::uri::UriHeader { name: Text::from(n), value: Text::from(v) })
            .collect();
        u
    }
}

fn uri() -> impl Strategy<Value = Uri> {
    prop_oneof![
        4 => sip_uri().prop_map(Uri::Sip),
        1 => "\\+[0-9]{1,3}(-[0-9]{2,4}){1,3}".prop_map(|n| Uri::parse(&format!("tel:{n}")).unwrap()),
    ]
}

prop_compose! {
    fn name_addr()(
        display in prop::option::of("[a-zA-Z0-9 \"\\\\,;<>@é]{1,12}"),
        uri in uri(),
        params in header_params(),
    ) -> NameAddr {
        NameAddr { display: display.map(Text::from), uri, params }
    }
}

prop_compose! {
    fn via()(
        transport in prop_oneof![Just("UDP"), Just("TCP"), Just("TLS"), Just("WS")],
        host in host(),
        port in prop::option::of(any::<u16>()),
        branch in "[a-zA-Z0-9]{1,16}",
        rport in any::<bool>(),
    ) -> Via {
        let mut v = Via::new(transport, host, port, &format!("z9hG4bK{branch}"));
        if rport { v.params.set("rport", None); }
        v
    }
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::Invite),
        Just(Method::Register),
        Just(Method::Bye),
        Just(Method::Options),
        "[A-Z]{3,10}".prop_map(|m| Method::from_name(&m).unwrap()),
    ]
}

prop_compose! {
    fn message()(
        is_request in any::<bool>(),
        method in method(),
        target in sip_uri(),
        status in 100u16..700,
        reason in "[a-zA-Z0-9 ]{0,20}",
        vias in prop::collection::vec(via(), 1..4),
        from in name_addr(),
        to in name_addr(),
        call_id in "[a-zA-Z0-9]{4,16}(@[a-z0-9.]{1,12})?",
        seq in any::<u32>(),
        contacts in prop::collection::vec(name_addr(), 0..3),
        unknown in prop::collection::vec(("X-[A-Za-z0-9-]{1,10}", "[ -~]{0,30}"), 0..3),
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) -> Message {
        let mut m: Message = if is_request {
            // RFC 3261 §19.1.1 Table 1: no URI headers in a Request-URI.
            let mut target = target;
            target.headers.clear();
            Request::new(method.clone(), Uri::Sip(target)).into()
        } else {
            let mut r = Response::new(StatusCode::new(status).unwrap());
            r.reason = Text::from(reason.trim().to_owned());
            r.into()
        };
        let h = m.headers_mut();
        for v in &vias { h.push(HeaderName::Via, v.to_string()); }
        h.push(HeaderName::From, from.to_string());
        h.push(HeaderName::To, to.to_string());
        h.push(HeaderName::CallId, call_id);
        h.push(HeaderName::CSeq, CSeq { seq, method }.to_string());
        for c in &contacts { h.push(HeaderName::Contact, c.to_string()); }
        for (n, v) in unknown { h.push(HeaderName::from_name(&n), v.trim().to_owned()); }
        m.set_body(Some("application/octet-stream"), body.into());
        m
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn uri_round_trip(u in uri()) {
        let printed = u.to_string();
        let parsed = Uri::parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        prop_assert_eq!(&parsed, &u);
        prop_assert!(parsed.equivalent(&u));
    }

    #[test]
    fn name_addr_round_trip(na in name_addr()) {
        let printed = na.to_string();
        let parsed = NameAddr::parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        prop_assert_eq!(parsed, na);
    }

    #[test]
    fn via_round_trip(v in via()) {
        let printed = v.to_string();
        prop_assert_eq!(Via::parse(&printed).unwrap(), v);
    }

    #[test]
    fn message_round_trip(m in message()) {
        let wire = m.to_bytes();
        let parsed = parse_datagram(&wire).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&parsed, &m);
        parsed.validate().map_err(|e| TestCaseError::fail(e.to_string()))?;
        // The same bytes framed from a stream, followed by the start of another message.
        let mut stream = wire.clone();
        stream.extend_from_slice(b"\r\nOPTIONS sip:x");
        match parse_stream(&stream).unwrap() {
            tincan::sip::Framed::Message { message, consumed } => {
                prop_assert_eq!(message, m);
                prop_assert_eq!(consumed, wire.len());
            }
            other => prop_assert!(false, "{other:?}"),
        }
    }

    #[test]
    fn parsers_never_panic(data in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_datagram(&data).map(|m| m.validate());
        let _ = parse_stream(&data);
        if let Ok(s) = std::str::from_utf8(&data) {
            let _ = Uri::parse(s);
            let _ = NameAddr::parse(s);
            let _ = Via::parse(s);
        }
    }

    #[test]
    fn mutated_messages_never_panic(m in message(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut wire = m.to_bytes();
        for (i, b) in flips { let i = i.index(wire.len()); wire[i] = b; }
        if let Ok(m) = parse_datagram(&wire) {
            let _ = m.validate();
            let _ = m.to_bytes();
        }
    }
}
