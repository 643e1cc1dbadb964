//! Requests inside the dialog (RFC 3261 §12.2): loose and strict routing (§12.2.1.1,
//! §16.12.1.2), CSeq numbering and the ACK for a 2xx (§13.2.2.4), ordering of incoming
//! requests (§12.2.2), target refresh (§12.2.1.2, §12.2.2) and matching.

use super::*;
#[test]
fn bye_from_each_side_uses_loose_routing() {
    let (mut alice, mut bob) = call();
    // RFC 3665 §3.2 F18: Bob's BYE.
    let bye = bob.new_request(Method::Bye, &contact(BOB_CONTACT));
    assert_eq!(bye.uri.to_string(), ALICE_CONTACT);
    assert_eq!(
        routes(&bye),
        [
            "<sip:ss2.biloxi.example.com;lr>",
            "<sip:ss1.atlanta.example.com;lr>"
        ]
    );
    let h = &bye.headers;
    assert_eq!(h.from().unwrap().tag(), Some("314159"));
    assert_eq!(h.to().unwrap().tag(), Some("9fxced76sl"));
    assert_eq!(
        h.to().unwrap().uri.to_string(),
        "sip:alice@atlanta.example.com"
    );
    assert_eq!(
        h.call_id().unwrap(),
        "3848276298220188511@atlanta.example.com"
    );
    assert_eq!(h.max_forwards().unwrap(), Some(70));
    assert!(h.via().unwrap().is_empty(), "the caller adds the Via");
    assert_eq!(request_dialog_id(&bye), Some(alice.id.clone()));
    alice.handle_request(&bye).unwrap();
    assert_round_trip(&bye);

    // Alice's BYE goes the other way round.
    let bye = alice.new_request(Method::Bye, &contact(ALICE_CONTACT));
    assert_eq!(bye.uri.to_string(), BOB_CONTACT);
    assert_eq!(
        routes(&bye),
        [
            "<sip:ss1.atlanta.example.com;lr>",
            "<sip:ss2.biloxi.example.com;lr>"
        ]
    );
    assert_eq!(bye.headers.cseq().unwrap().to_string(), "3 BYE");
    assert!(bob.matches_request(&bye));
    assert_round_trip(&bye);
}

#[test]
fn routing_follows_the_first_route() {
    // (Record-Route of the INVITE at the UAS, its Contact, expected Request-URI and Route of
    // the UAS's BYE).
    let cases: [(&str, &str, &str, &[&str]); 4] = [
        // No route set: no Route at all.
        ("", "sip:user@remoteua", "sip:user@remoteua", &[]),
        // RFC 3261 §12.2.1.1's example: a strict first route becomes the Request-URI and the
        // remote target the last Route.
        (
            "<sip:proxy1>,<sip:proxy2>,<sip:proxy3;lr>,<sip:proxy4>",
            "sip:user@remoteua",
            "sip:proxy1",
            &[
                "<sip:proxy2>",
                "<sip:proxy3;lr>",
                "<sip:proxy4>",
                "<sip:user@remoteua>",
            ],
        ),
        // RFC 3261 §16.12.1.2: U2's BYE, loose first, a strict router later in the set.
        (
            "<sip:p4.domain.com;lr>, <sip:p3.middle.com>, <sip:p2.example.com;lr>, \
             <sip:p1.example.com;lr>",
            "sip:caller@u1.example.com",
            "sip:caller@u1.example.com",
            &[
                "<sip:p4.domain.com;lr>",
                "<sip:p3.middle.com>",
                "<sip:p2.example.com;lr>",
                "<sip:p1.example.com;lr>",
            ],
        ),
        // A strict route loses what a Request-URI may not carry (§19.1.1 Table 1); the Route
        // values keep every parameter.
        (
            "<sip:p1.example.com;transport=udp;method=INVITE?Subject=x>;rrparam, \
             <sip:p2.example.com;lr>",
            "sip:caller@u1.example.com?Priority=urgent",
            "sip:p1.example.com;transport=udp",
            &["<sip:p2.example.com;lr>", "<sip:caller@u1.example.com>"],
        ),
    ];
    for (record_route, remote, want_uri, want_routes) in cases {
        let mut text = format!(
            "INVITE sip:callee@u2.domain.com SIP/2.0\r\n\
             Via: SIP/2.0/UDP p4.domain.com;branch=z9hG4bK1\r\n\
             From: <sip:caller@u1.example.com>;tag=a\r\n\
             To: <sip:callee@u2.domain.com>\r\n\
             Call-ID: strict@u1.example.com\r\n\
             CSeq: 1 INVITE\r\n\
             Contact: <{remote}>\r\n"
        );
        if !record_route.is_empty() {
            text.push_str(&format!("Record-Route: {record_route}\r\n"));
        }
        text.push_str("\r\n");
        let invite = request(&text);
        let mut dialog = Dialog::from_uas(&invite, "b", false, &mut rng()).unwrap();
        let bye = dialog.new_request(Method::Bye, &contact("sip:callee@u2.domain.com"));
        assert_eq!(bye.uri.to_string(), want_uri, "{record_route}");
        assert_eq!(routes(&bye), want_routes, "{record_route}");
        assert_round_trip(&bye);
    }
}

#[test]
fn uac_route_set_with_a_strict_first_hop() {
    let ok = F14_OK.replace(
        "Record-Route: <sip:ss2.biloxi.example.com;lr>,\r\n \
         <sip:ss1.atlanta.example.com;lr>",
        "Record-Route: <sip:ss2.biloxi.example.com;lr>\r\n\
         Record-Route: <sip:ss1.atlanta.example.com>",
    );
    assert_ne!(ok, F14_OK);
    let alice = Dialog::from_uac(&request(F4_INVITE), &response(&ok), false).unwrap();
    let ack = alice.ack(2, &contact(ALICE_CONTACT));
    assert_eq!(ack.uri.to_string(), "sip:ss1.atlanta.example.com");
    assert_eq!(
        routes(&ack),
        [
            "<sip:ss2.biloxi.example.com;lr>",
            "<sip:bob@client.biloxi.example.com;transport=tcp>"
        ]
    );
    assert_round_trip(&ack);
}

#[test]
fn cseq_increments_and_ack_keeps_the_invite_number() {
    let (mut alice, _) = call();
    // RFC 3665 §3.2 F15: the ACK for the 200 to the INVITE with CSeq 2.
    let ack = alice.ack(2, &contact(ALICE_CONTACT));
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(ack.headers.cseq().unwrap().to_string(), "2 ACK");
    assert_eq!(ack.uri.to_string(), BOB_CONTACT);
    assert_eq!(
        routes(&ack),
        [
            "<sip:ss1.atlanta.example.com;lr>",
            "<sip:ss2.biloxi.example.com;lr>"
        ]
    );
    assert_eq!(alice.local_seq, 2, "an ACK uses no new number");
    assert_round_trip(&ack);

    let methods = [Method::Invite, Method::Info, Method::Update, Method::Bye];
    for (i, method) in methods.into_iter().enumerate() {
        let r = alice.new_request(method.clone(), &contact(ALICE_CONTACT));
        let cseq = r.headers.cseq().unwrap();
        assert_eq!((cseq.seq, &cseq.method), (3 + i as u32, &method));
        assert_eq!(r.method, method);
        assert_round_trip(&r);
    }
    assert_eq!(alice.local_seq, 6);
    let ack = alice.ack(3, &contact(ALICE_CONTACT));
    assert_eq!(ack.headers.cseq().unwrap().seq, 3);

    // The UAS starts its own sequence.
    let (_, mut bob) = call();
    let first = bob.local_seq;
    let bye = bob.new_request(Method::Bye, &contact(BOB_CONTACT));
    assert_eq!(bye.headers.cseq().unwrap().seq, first + 1);
    assert!(first + 1 < 1 << 31);
}

#[test]
fn incoming_requests_must_be_in_order() {
    let (mut alice, mut bob) = call();
    let info = alice.new_request(Method::Info, &contact(ALICE_CONTACT));
    let cancel = {
        let mut r = info.clone();
        r.method = Method::Cancel;
        r
    };
    let ack = alice.ack(2, &contact(ALICE_CONTACT));
    // (request, CSeq number, expected outcome, remote_seq after); Bob saw CSeq 2 last.
    let cases = [
        (
            &info,
            1,
            Err(DialogError::OutOfOrder { got: 1, last: 2 }),
            2,
        ),
        (
            &info,
            2,
            Err(DialogError::OutOfOrder { got: 2, last: 2 }),
            2,
        ),
        (&ack, 2, Ok(()), 2),
        (&cancel, 2, Ok(()), 2),
        (&info, 3, Ok(()), 3),
        (
            &info,
            3,
            Err(DialogError::OutOfOrder { got: 3, last: 3 }),
            3,
        ),
        (&ack, 2, Ok(()), 3),
        // §12.2.2: a gap (a challenged request the UAS never saw) is fine.
        (&info, 10, Ok(()), 10),
        (
            &info,
            9,
            Err(DialogError::OutOfOrder { got: 9, last: 10 }),
            10,
        ),
    ];
    for (r, seq, want, after) in cases {
        let r = set_cseq(r.clone(), seq);
        assert_eq!(bob.handle_request(&r), want, "{} {seq}", r.method);
        assert_eq!(bob.remote_seq, Some(after), "{} {seq}", r.method);
    }
    assert_eq!(
        DialogError::OutOfOrder { got: 1, last: 2 }.status_code(),
        500
    );

    // The UAC learns the peer's first number from its first request (§12.2.2).
    let bye = bob.new_request(Method::Bye, &contact(BOB_CONTACT));
    assert_eq!(alice.remote_seq, None);
    alice.handle_request(&bye).unwrap();
    assert_eq!(alice.remote_seq, Some(bye.headers.cseq().unwrap().seq));
}

#[test]
fn target_refresh_by_request() {
    let (mut alice, mut bob) = call();
    let moved = contact("sip:alice@192.0.2.50:5070");
    // (method, whether it refreshes the target, §12.2 and RFC 3311 §5.1).
    let cases = [
        (Method::Info, false),
        (Method::Bye, false),
        (Method::Invite, true),
        (Method::Update, true),
    ];
    let original = bob.remote_target.clone();
    for (method, refreshes) in cases {
        bob.remote_target = original.clone();
        let r = alice.new_request(method.clone(), &moved);
        bob.handle_request(&r).unwrap();
        let want = if refreshes {
            "sip:alice@192.0.2.50:5070"
        } else {
            ALICE_CONTACT
        };
        assert_eq!(bob.remote_target.to_string(), want, "{method}");
    }

    // A rejected re-INVITE changes nothing (§12.2.2): out of order, or a bad Contact.
    let (_, mut bob) = call();
    let before = bob.clone();
    let stale = set_cseq(alice.new_request(Method::Invite, &moved), 1);
    assert!(matches!(
        bob.handle_request(&stale),
        Err(DialogError::OutOfOrder { .. })
    ));
    let mut star = alice.new_request(Method::Invite, &moved);
    star.headers.set(HeaderName::Contact, "*");
    assert_eq!(bob.handle_request(&star), Err(DialogError::BadContact));
    assert_eq!(bob, before);

    // A re-INVITE without a Contact keeps the target.
    let mut bare = alice.new_request(Method::Invite, &moved);
    bare.headers.remove(&HeaderName::Contact);
    bob.handle_request(&bare).unwrap();
    assert_eq!(bob.remote_target.to_string(), ALICE_CONTACT);
}

#[test]
fn target_refresh_by_response() {
    let (mut alice, _) = call();
    let reinvite = alice.new_request(Method::Invite, &contact(ALICE_CONTACT));
    let moved = "sip:bob@192.0.2.60:5080";
    // (method we sent, status, updates the target), §12.2.1.2.
    let cases = [
        (Method::Info, 200, false),
        (Method::Invite, 488, false),
        (Method::Invite, 200, true),
    ];
    for (method, code, updates) in cases {
        let mut dialog = alice.clone();
        let resp = answer(&reinvite, code, Some(moved));
        dialog.handle_response(&method, &resp).unwrap();
        let want = if updates { moved } else { BOB_CONTACT };
        assert_eq!(dialog.remote_target.to_string(), want, "{method} {code}");
    }
    let mut wrong = answer(&reinvite, 200, Some(moved));
    wrong.headers.set(HeaderName::CallId, "other@example.com");
    assert_eq!(
        alice.handle_response(&Method::Invite, &wrong),
        Err(DialogError::Mismatch)
    );
    let no_contact = answer(&reinvite, 200, None);
    alice.handle_response(&Method::Update, &no_contact).unwrap();
    assert_eq!(alice.remote_target.to_string(), BOB_CONTACT);
}

#[test]
fn matching_requests_and_responses() {
    let (mut alice, mut bob) = call();
    let bye = alice.new_request(Method::Bye, &contact(ALICE_CONTACT));
    let ok = answer(&bye, 200, None);
    assert!(bob.matches_request(&bye));
    assert!(alice.matches_response(&ok));
    assert!(
        !alice.matches_request(&bye),
        "tags are swapped for the peer"
    );
    assert!(!bob.matches_response(&ok));
    assert_eq!(request_dialog_id(&bye), Some(bob.id.clone()));
    assert_eq!(response_dialog_id(&ok), Some(alice.id.clone()));

    // (header changed, new value) that make both the request and its response foreign.
    let cases = [
        (HeaderName::CallId, "other@atlanta.example.com"),
        (HeaderName::To, "Bob <sip:bob@biloxi.example.com>;tag=999"),
        (
            HeaderName::From,
            "Alice <sip:alice@atlanta.example.com>;tag=888",
        ),
        (HeaderName::From, "Alice <sip:alice@atlanta.example.com>"),
        (HeaderName::To, "Bob <sip:bob@biloxi.example.com>"),
        (HeaderName::To, "not an address <"),
    ];
    for (name, value) in cases {
        let mut r = bye.clone();
        r.headers.set(name.clone(), value);
        assert!(!bob.matches_request(&r), "{name}: {value}");
        assert_eq!(
            bob.handle_request(&r),
            Err(DialogError::Mismatch),
            "{name}: {value}"
        );
        let mut resp = ok.clone();
        resp.headers.set(name.clone(), value);
        assert!(!alice.matches_response(&resp), "{name}: {value}");
    }

    // Bob's own requests and their responses.
    let info = bob.new_request(Method::Info, &contact(BOB_CONTACT));
    assert!(alice.matches_request(&info));
    assert!(bob.matches_response(&answer(&info, 200, None)));

    // Out-of-dialog: no To tag, no dialog id (§12.2.2).
    assert_eq!(request_dialog_id(&request(F4_INVITE)), None);
    let mut trying = answer(&request(F4_INVITE), 100, None);
    trying
        .headers
        .set(HeaderName::To, "Bob <sip:bob@biloxi.example.com>");
    assert_eq!(response_dialog_id(&trying), None);
}
