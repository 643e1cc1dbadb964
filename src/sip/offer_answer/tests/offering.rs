//! Our offers (RFC 3264 §5.1, §8) and the peer's answers to them (RFC 3264 §6, §7).

use super::*;

/// A plain answer to our default offer: Opus and DTMF, keeping our numbers.
fn answer_lines(port: &str, direction: &str) -> Vec<String> {
    [
        "v=0",
        "o=bob 2890844730 2890844730 IN IP4 198.51.100.7",
        "s=-",
        "c=IN IP4 198.51.100.7",
        "t=0 0",
        &format!("m=audio {port} RTP/AVP 96 97"),
        "a=rtpmap:96 opus/48000/2",
        "a=rtpmap:97 telephone-event/8000",
        "a=fmtp:97 0-15",
        &format!("a={direction}"),
    ]
    .map(str::to_owned)
    .to_vec()
}

fn answer(port: &str, direction: &str) -> SessionDescription {
    let lines = answer_lines(port, direction);
    parse(&lines.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn offer_lists_preferences_with_payload_types_rtpmaps_and_attributes() {
    let mut oa = session();
    let offer = oa.create_offer(&local()).unwrap();
    let expected = crlf(&[
        "v=0",
        "o=tincan 3900000000 1 IN IP4 192.0.2.10",
        "s=-",
        "c=IN IP4 192.0.2.10",
        "t=0 0",
        "m=audio 40000 RTP/AVP 96 0 8 9 97",
        "a=rtpmap:96 opus/48000/2",
        "a=fmtp:96 useinbandfec=1",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:9 G722/8000",
        "a=rtpmap:97 telephone-event/8000",
        "a=fmtp:97 0-16",
        "a=ptime:20",
        "a=sendrecv",
        "a=rtcp-mux",
    ]);
    assert_eq!(round_trip(&offer), expected);
    assert_eq!(oa.pending_offer(), Some(&offer));
    assert_eq!(oa.session_version(), 1);
    assert_eq!(oa.local_description(), None, "not settled until answered");
}

#[test]
fn offer_without_extras_and_on_ipv6() {
    let mut oa = session();
    let local = LocalMedia::new("2001:db8::10".parse().unwrap(), 5000, vec![Codec::pcma()]);
    let offer = oa.create_offer(&local).unwrap();
    let text = round_trip(&offer);
    assert!(
        text.contains("o=tincan 3900000000 1 IN IP6 2001:db8::10\r\n"),
        "{text}"
    );
    assert!(
        text.ends_with("m=audio 5000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n"),
        "{text}"
    );
}

#[test]
fn offer_needs_an_audio_codec() {
    let mut oa = session();
    for codecs in [vec![], vec![Codec::telephone_event()]] {
        let local = LocalMedia::new(OUR_IP, 5000, codecs);
        assert_eq!(
            oa.create_offer(&local),
            Err(OfferAnswerError::NoLocalCodecs)
        );
    }
    assert_eq!(oa.pending_offer(), None);
}

#[test]
fn dynamic_payload_types_count_up_from_96_in_preference_order() {
    let codecs = vec![
        Codec::new("speex", 16_000, 1),
        Codec::pcmu(),
        Codec::opus(),
        Codec::opus(), // duplicates are offered once
        Codec::telephone_event(),
    ];
    let mut oa = session();
    let offer = oa
        .create_offer(&LocalMedia::new(OUR_IP, 5000, codecs))
        .unwrap();
    round_trip(&offer);
    assert_eq!(offer.media[0].formats, ["96", "0", "97", "98"]);
}

#[test]
fn offerer_sends_the_first_codec_of_the_answer_under_its_number() {
    let mut oa = session();
    oa.create_offer(&local()).unwrap();
    // The answerer prefers PCMU and renumbers Opus and DTMF (RFC 3264 §5.1 allows it).
    let answer = parse(&[
        "v=0",
        "o=- 7 7 IN IP4 198.51.100.7",
        "s=-",
        "c=IN IP4 198.51.100.7",
        "t=0 0",
        "m=audio 6000 RTP/AVP 0 111 100",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:111 opus/48000/2",
        "a=fmtp:111 maxaveragebitrate=20000",
        "a=rtpmap:100 telephone-event/8000",
        "a=ptime:30",
    ]);
    let n = oa.process_answer(&answer).unwrap();
    assert_eq!(
        n.send_codec,
        Some(PayloadCodec {
            payload_type: 0,
            codec: Codec::pcmu()
        })
    );
    assert_eq!(n.telephone_event_pt, Some(100));
    // Our numbers, plus the answerer's where they clash with nothing we offered.
    let receive: Vec<(u8, &str)> = n
        .receive_codecs
        .iter()
        .map(|(pt, c)| (*pt, c.name.as_str()))
        .collect();
    assert_eq!(
        receive,
        [
            (0, "PCMU"),
            (96, "opus"),
            (97, "telephone-event"),
            (100, "telephone-event"),
            (111, "opus")
        ]
    );
    assert_eq!(
        n.receive_codecs[&96].fmtp.as_deref(),
        Some("useinbandfec=1")
    );
    assert_eq!(n.remote_rtp, Some(addr("198.51.100.7:6000")));
    // No a=rtcp-mux in the answer: RTCP goes to the next port (RFC 3264 §5.1).
    assert!(!n.rtcp_mux);
    assert_eq!(n.remote_rtcp, Some(addr("198.51.100.7:6001")));
    assert_eq!(n.ptime, Some(30));
    assert_eq!(n.remote_direction, Direction::SendRecv);
    assert!(n.can_send() && n.can_receive());
    assert_eq!(oa.negotiated(), Some(&n));
    assert_eq!(oa.remote_description(), Some(&answer));
    assert!(oa.local_description().is_some() && oa.pending_offer().is_none());
}

#[test]
fn answer_fmtp_goes_with_the_send_codec() {
    let mut oa = session();
    oa.create_offer(&local()).unwrap();
    let mut sdp = answer("6000", "sendrecv");
    sdp.media[0].push_attribute(Attribute::Fmtp(crate::sip::sdp::Fmtp {
        format: "96".into(),
        params: "stereo=1".into(),
    }));
    let n = oa.process_answer(&sdp).unwrap();
    let send = n.send_codec.unwrap();
    assert_eq!((send.payload_type, send.codec.name.as_str()), (96, "opus"));
    assert_eq!(send.codec.fmtp.as_deref(), Some("stereo=1"));
}

#[test]
fn answer_must_keep_the_offer_shape() {
    let mut oa = session();
    oa.create_offer(&local()).unwrap();
    let mut fewer = answer("6000", "sendrecv");
    fewer.media.clear();
    assert_eq!(
        oa.process_answer(&fewer),
        Err(OfferAnswerError::MediaCountMismatch {
            expected: 1,
            found: 0
        })
    );
    // The failed answer consumed the offer; the session stays as it was.
    assert_eq!(oa.negotiated(), None);
    assert_eq!(
        oa.process_answer(&answer("6000", "sendrecv")),
        Err(OfferAnswerError::NotAnswering)
    );

    oa.create_offer(&local()).unwrap();
    let mut video = answer("6000", "sendrecv");
    video.media[0].media = "video".into();
    assert_eq!(
        oa.process_answer(&video),
        Err(OfferAnswerError::MediaTypeMismatch {
            index: 0,
            expected: "audio".into(),
            found: "video".into()
        })
    );
}

/// The send codec's payload type and name, or why there is none.
type SendOutcome = Result<(u8, &'static str), OfferAnswerError>;

#[test]
fn answer_codecs_are_mapped_by_name_not_number() {
    let cases: [(&[&str], SendOutcome); 5] = [
        // Only a codec we never offered: nothing to send with.
        (
            &["m=audio 6000 RTP/AVP 18", "a=rtpmap:18 G729/8000"],
            Err(OfferAnswerError::NoCommonCodec),
        ),
        // Our number 96 reused for a codec we never offered, which is not Opus.
        (
            &["m=audio 6000 RTP/AVP 96", "a=rtpmap:96 AMR/8000"],
            Err(OfferAnswerError::NoCommonCodec),
        ),
        // Only DTMF in common is no audio.
        (
            &[
                "m=audio 6000 RTP/AVP 97",
                "a=rtpmap:97 telephone-event/8000",
            ],
            Err(OfferAnswerError::NoCommonCodec),
        ),
        // A dynamic number with no rtpmap that we did not offer either.
        (
            &["m=audio 6000 RTP/AVP 120 0"],
            Err(OfferAnswerError::UnknownPayload {
                index: 0,
                format: "120".into(),
            }),
        ),
        // An extra format the answerer could receive (RFC 3264 §6.1) is skipped.
        (
            &["m=audio 6000 RTP/AVP 18 8", "a=rtpmap:18 G729/8000"],
            Ok((8, "PCMA")),
        ),
    ];
    for (media, expected) in cases {
        let mut oa = session();
        oa.create_offer(&local()).unwrap();
        let mut lines = vec![
            "v=0",
            "o=- 1 1 IN IP4 h",
            "s=-",
            "c=IN IP4 198.51.100.7",
            "t=0 0",
        ];
        lines.extend_from_slice(media);
        let got = oa.process_answer(&parse(&lines)).map(|n| {
            let send = n.send_codec.unwrap();
            (send.payload_type, send.codec.name)
        });
        assert_eq!(
            got.as_ref().map(|(pt, name)| (*pt, name.as_str())),
            expected.as_ref().map(|&(pt, name)| (pt, name)),
            "{media:?}"
        );
    }
}

#[test]
fn answer_reusing_our_numbers_without_rtpmap_means_our_codecs() {
    let mut oa = session();
    oa.create_offer(&local()).unwrap();
    let sdp = parse(&[
        "v=0",
        "o=- 1 1 IN IP4 h",
        "s=-",
        "c=IN IP4 198.51.100.7",
        "t=0 0",
        "m=audio 6000 RTP/AVP 96 97",
    ]);
    let n = oa.process_answer(&sdp).unwrap();
    assert_eq!(n.send_codec.map(|s| s.codec.name), Some("opus".into()));
    assert_eq!(n.telephone_event_pt, Some(97));
}

#[test]
fn answer_rejecting_our_audio_is_an_inactive_outcome() {
    let mut oa = session();
    oa.create_offer(&local()).unwrap();
    let n = oa.process_answer(&answer("0", "sendrecv")).unwrap();
    assert!(!n.is_active() && !n.can_send() && !n.can_receive());
    assert_eq!(n, Negotiated::none());
    assert_eq!(oa.negotiated(), Some(&n));
}

/// The expected RTP and RTCP destinations.
type Destinations = (Option<&'static str>, Option<&'static str>);

#[test]
fn answer_addresses_rtcp_and_legacy_hold() {
    let cases: [(&str, &[&str], Destinations); 5] = [
        (
            "IN IP4 198.51.100.7",
            &[],
            (Some("198.51.100.7:6000"), Some("198.51.100.7:6001")),
        ),
        (
            "IN IP4 198.51.100.7",
            &["a=rtcp:7000"],
            (Some("198.51.100.7:6000"), Some("198.51.100.7:7000")),
        ),
        (
            "IN IP4 198.51.100.7",
            &["a=rtcp:7000 IN IP4 203.0.113.9"],
            (Some("198.51.100.7:6000"), Some("203.0.113.9:7000")),
        ),
        (
            "IN IP6 2001:db8::7",
            &["a=rtcp-mux"],
            (Some("[2001:db8::7]:6000"), Some("[2001:db8::7]:6000")),
        ),
        // RFC 3264 §8.4: 0.0.0.0 means send neither RTP nor RTCP.
        ("IN IP4 0.0.0.0", &[], (None, None)),
    ];
    for (connection, extra, (rtp, rtcp)) in cases {
        let mut oa = session();
        oa.create_offer(&local()).unwrap();
        let c = format!("c={connection}");
        let mut lines = vec!["v=0", "o=- 1 1 IN IP4 h", "s=-", &c, "t=0 0"];
        lines.extend_from_slice(&["m=audio 6000 RTP/AVP 0", "a=rtpmap:0 PCMU/8000"]);
        lines.extend_from_slice(extra);
        let n = oa.process_answer(&parse(&lines)).unwrap();
        assert_eq!(n.remote_rtp, rtp.map(addr), "{connection} {extra:?}");
        assert_eq!(n.remote_rtcp, rtcp.map(addr), "{connection} {extra:?}");
        assert_eq!(n.can_send(), rtp.is_some());
        assert!(n.is_active());
    }
}

#[test]
fn version_stays_for_an_identical_offer_and_rises_on_hold_and_resume() {
    let mut oa = session();
    let mut local = local();
    let first = oa.create_offer(&local).unwrap();
    oa.process_answer(&answer("6000", "sendrecv")).unwrap();

    // RFC 3264 §8: unchanged description, unchanged version (a no-op re-offer).
    let same = oa.create_offer(&local).unwrap();
    assert_eq!(round_trip(&same), first.to_string());
    oa.process_answer(&answer("6000", "sendrecv")).unwrap();

    local.direction = hold_direction(local.direction);
    let held = oa.create_offer(&local).unwrap();
    assert!(round_trip(&held).contains("a=sendonly\r\n"));
    assert_eq!(held.origin.session_version, 2);
    assert_eq!(
        held.media[0].formats, first.media[0].formats,
        "bindings kept"
    );
    let n = oa.process_answer(&answer("6000", "recvonly")).unwrap();
    assert!(n.can_send() && !n.can_receive());

    local.direction = resume_direction(local.direction);
    let resumed = oa.create_offer(&local).unwrap();
    round_trip(&resumed);
    assert_eq!(resumed.origin.session_version, 3);
    assert_eq!(resumed.media[0].own_direction(), Some(Direction::SendRecv));
    assert_eq!(oa.session_version(), 3);
    // Only the version differs from the first offer (RFC 3264 §8).
    let mut expected = first;
    expected.origin.session_version = 3;
    assert_eq!(resumed, expected);
}

#[test]
fn one_offer_at_a_time() {
    let mut oa = session();
    let first = oa.create_offer(&local()).unwrap();
    round_trip(&first);
    assert_eq!(
        oa.create_offer(&local()),
        Err(OfferAnswerError::OfferOutstanding)
    );
    let peer_offer = answer("6000", "sendrecv");
    assert_eq!(
        oa.process_offer(&peer_offer, &local()).map(|_| ()),
        Err(OfferAnswerError::Glare)
    );
    assert!(oa.cancel_offer());
    assert!(!oa.cancel_offer());
    // Retrying the same offer after a 491 keeps the version.
    assert_eq!(oa.create_offer(&local()).unwrap(), first);
}
