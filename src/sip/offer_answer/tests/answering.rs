//! The peer's offers and our answers (RFC 3264 §6, §6.1, §8).

use super::*;

/// What baresip offers by default: Opus, G.722, G.711 and DTMF, each its own number.
const BARESIP_OFFER: &[&str] = &[
    "v=0",
    "o=- 1432452136 3402612934 IN IP4 198.51.100.7",
    "s=-",
    "c=IN IP4 198.51.100.7",
    "t=0 0",
    "m=audio 10150 RTP/AVP 96 9 0 8 101",
    "b=AS:128",
    "a=rtpmap:96 opus/48000/2",
    "a=fmtp:96 stereo=1;sprop-stereo=1",
    "a=rtpmap:9 G722/8000",
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:101 telephone-event/8000",
    "a=fmtp:101 0-15",
    "a=ptime:20",
    "a=sendrecv",
    "a=rtcp-mux",
];

/// An offer with one `m=` section (given lines) on 198.51.100.7.
fn offer_with(media: &[&str]) -> SessionDescription {
    let mut lines = vec![
        "v=0",
        "o=- 5 5 IN IP4 198.51.100.7",
        "s=-",
        "c=IN IP4 198.51.100.7",
        "t=0 0",
    ];
    lines.extend_from_slice(media);
    parse(&lines)
}

#[test]
fn answer_uses_the_offerers_order_and_numbers() {
    let mut oa = session();
    // We prefer G.711 A-law, then µ-law, then Opus; no G.722.
    let local = LocalMedia {
        codecs: vec![
            Codec::pcma(),
            Codec::pcmu(),
            Codec::opus(),
            Codec::telephone_event(),
        ],
        ..local()
    };
    let (answer, n) = oa.process_offer(&parse(BARESIP_OFFER), &local).unwrap();
    let expected = crlf(&[
        "v=0",
        "o=tincan 3900000000 1 IN IP4 192.0.2.10",
        "s=-",
        "c=IN IP4 192.0.2.10",
        "t=0 0",
        "m=audio 40000 RTP/AVP 96 0 8 101",
        "a=rtpmap:96 opus/48000/2",
        "a=fmtp:96 useinbandfec=1",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-16",
        "a=ptime:20",
        "a=sendrecv",
        "a=rtcp-mux",
    ]);
    assert_eq!(round_trip(&answer), expected);
    // RFC 3264 §6.1: the answerer sends the offer's most preferred common format.
    let send = n.send_codec.clone().unwrap();
    assert_eq!((send.payload_type, send.codec.name.as_str()), (96, "opus"));
    assert_eq!(send.codec.fmtp.as_deref(), Some("stereo=1;sprop-stereo=1"));
    assert_eq!(
        n.receive_codecs.keys().copied().collect::<Vec<_>>(),
        [0, 8, 96, 101]
    );
    assert_eq!(n.telephone_event_pt, Some(101));
    assert_eq!(n.remote_rtp, Some(addr("198.51.100.7:10150")));
    assert_eq!(n.remote_rtcp, n.remote_rtp, "rtcp-mux");
    assert!(n.rtcp_mux && n.can_send() && n.can_receive());
    assert_eq!((n.media_index, n.ptime), (Some(0), Some(20)));
    assert_eq!(oa.local_description(), Some(&answer));
    assert_eq!(oa.remote_description(), Some(&parse(BARESIP_OFFER)));
    assert_eq!(oa.negotiated(), Some(&n));
}

#[test]
fn dynamic_numbers_are_the_offerers_and_stay_bound() {
    let mut oa = session();
    // Opus is 96 when we offer, but this offer calls it 101 and DTMF 100.
    let offer = offer_with(&[
        "m=audio 5004 RTP/AVP 101 100",
        "a=rtpmap:101 opus/48000/2",
        "a=rtpmap:100 telephone-event/8000",
    ]);
    let (answer, n) = oa.process_offer(&offer, &local()).unwrap();
    round_trip(&answer);
    assert_eq!(answer.media[0].formats, ["101", "100"]);
    assert_eq!(
        rtpmaps(&answer, 0),
        ["101 opus/48000/2", "100 telephone-event/8000"]
    );
    assert_eq!(n.send_codec.map(|s| s.payload_type), Some(101));
    assert_eq!(n.telephone_event_pt, Some(100));
    assert_eq!(n.receive_codecs[&101], Codec::opus());
    // Our next offer keeps those numbers (RFC 3264 §8.3.2) and skips them for new ones.
    let reoffer = oa.create_offer(&local()).unwrap();
    round_trip(&reoffer);
    assert_eq!(reoffer.media[0].formats, ["101", "0", "8", "9", "100"]);
    assert_eq!(reoffer.origin.session_version, 2);
}

#[test]
fn new_dynamic_codecs_avoid_numbers_bound_to_others() {
    let mut oa = session();
    let offer = offer_with(&["m=audio 5004 RTP/AVP 96 0", "a=rtpmap:96 speex/16000"]);
    let local = LocalMedia::new(OUR_IP, 5000, vec![Codec::pcmu(), Codec::opus()]);
    let (answer, _) = oa.process_offer(&offer, &local).unwrap();
    assert_eq!(
        round_trip(&answer)
            .matches("m=audio 5000 RTP/AVP 0\r\n")
            .count(),
        1
    );
    let reoffer = oa.create_offer(&local).unwrap();
    round_trip(&reoffer);
    assert_eq!(reoffer.media[0].formats, ["0", "97"]);
}

#[test]
fn telephone_event_only_when_both_have_it() {
    let mut oa = session();
    let (answer, n) = oa
        .process_offer(&offer_with(&["m=audio 5004 RTP/AVP 0"]), &local())
        .unwrap();
    round_trip(&answer);
    // A static format without rtpmap still gets one in the answer (RFC 3264 §6.1).
    assert_eq!(rtpmaps(&answer, 0), ["0 PCMU/8000"]);
    assert_eq!(n.telephone_event_pt, None);

    // Events at 48 kHz and 8 kHz: we only do 8 kHz.
    let offer = offer_with(&[
        "m=audio 5004 RTP/AVP 111 110 126",
        "a=rtpmap:111 opus/48000/2",
        "a=rtpmap:110 telephone-event/48000",
        "a=rtpmap:126 telephone-event/8000",
    ]);
    let (answer, n) = session().process_offer(&offer, &local()).unwrap();
    round_trip(&answer);
    assert_eq!(answer.media[0].formats, ["111", "126"]);
    assert_eq!(n.telephone_event_pt, Some(126));

    // With both clocks on our side, events follow the audio's clock (RFC 4733 §2.1).
    let mut both = local();
    both.codecs.push(Codec::new("telephone-event", 48_000, 1));
    let (answer, n) = session().process_offer(&offer, &both).unwrap();
    round_trip(&answer);
    assert_eq!(answer.media[0].formats, ["111", "110", "126"]);
    assert_eq!(n.telephone_event_pt, Some(110));

    // DTMF alone is no audio to talk with.
    let only_events = offer_with(&[
        "m=audio 5004 RTP/AVP 101",
        "a=rtpmap:101 telephone-event/8000",
    ]);
    assert_eq!(
        session().process_offer(&only_events, &local()).map(|_| ()),
        Err(OfferAnswerError::NoCommonCodec)
    );
}

#[test]
fn answer_direction_for_each_offered_direction() {
    use Direction::*;
    for offered in [SendRecv, SendOnly, RecvOnly, Inactive] {
        for want in [SendRecv, SendOnly, RecvOnly, Inactive] {
            let offer = offer_with(&["m=audio 5004 RTP/AVP 0", &format!("a={}", offered.as_str())]);
            let local = LocalMedia {
                direction: want,
                ..local()
            };
            let (answer, n) = session().process_offer(&offer, &local).unwrap();
            round_trip(&answer);
            let expected = answer_direction(offered, want);
            assert_eq!(
                answer.media[0].own_direction(),
                Some(expected),
                "{offered:?} {want:?}"
            );
            assert_eq!((n.local_direction, n.remote_direction), (expected, offered));
            let sends = matches!(expected, SendRecv | SendOnly);
            let receives = matches!(expected, SendRecv | RecvOnly);
            assert_eq!(
                (n.can_send(), n.can_receive()),
                (sends, receives),
                "{offered:?} {want:?}"
            );
        }
    }
    // A session-level direction applies to the stream (RFC 3264 §5.1).
    let mut offer = offer_with(&["m=audio 5004 RTP/AVP 0"]);
    offer.push_attribute(Attribute::Direction(SendOnly));
    let (answer, _) = session().process_offer(&offer, &local()).unwrap();
    round_trip(&answer);
    assert_eq!(answer.media[0].own_direction(), Some(RecvOnly));
}

#[test]
fn other_streams_are_refused_with_port_zero_and_their_formats() {
    let offer = offer_with(&[
        "m=audio 5000 RTP/SAVP 0",
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
        "m=audio 5002 RTP/AVP 8 0",
        "m=video 5004 RTP/AVP 97 98",
        "a=rtpmap:97 H264/90000",
        "a=rtpmap:98 VP8/90000",
        "m=audio 5006 RTP/AVP 0",
    ]);
    let mut oa = session();
    let (answer, n) = oa.process_offer(&offer, &local()).unwrap();
    let text = round_trip(&answer);
    let m_lines: Vec<&str> = text.lines().filter(|l| l.starts_with("m=")).collect();
    assert_eq!(
        m_lines,
        [
            "m=audio 0 RTP/SAVP 0",
            "m=audio 40000 RTP/AVP 8 0",
            "m=video 0 RTP/AVP 97 98",
            "m=audio 0 RTP/AVP 0",
        ]
    );
    for i in [0, 2, 3] {
        assert!(answer.media[i].attributes.is_empty(), "{i}");
    }
    assert_eq!(n.media_index, Some(1));
    assert_eq!(n.remote_rtp, Some(addr("198.51.100.7:5002")));
    // No rtcp-mux offered, so none answered even though we want it.
    assert!(!n.rtcp_mux && !text.contains("rtcp-mux"));

    // Our next offer keeps all four slots, only the audio enabled (RFC 3264 §8).
    let reoffer = oa.create_offer(&local()).unwrap();
    let kinds: Vec<(&str, u16)> = reoffer
        .media
        .iter()
        .map(|m| (m.media.as_str(), m.port))
        .collect();
    assert_eq!(
        kinds,
        [("audio", 0), ("audio", 40000), ("video", 0), ("audio", 0)]
    );
    assert_eq!(reoffer.media[1].formats, ["96", "0", "8", "9", "97"]);
}

#[test]
fn no_common_codec_rejects_the_offer_and_changes_nothing() {
    let mut oa = session();
    let offer = offer_with(&[
        "m=audio 5004 RTP/AVP 18",
        "m=video 5006 RTP/AVP 97",
        "a=rtpmap:97 H264/90000",
    ]);
    assert_eq!(
        oa.process_offer(&offer, &local()).map(|_| ()),
        Err(OfferAnswerError::NoCommonCodec)
    );
    assert_eq!(oa.local_description(), None);
    assert_eq!(oa.negotiated(), None);
    // Nothing was sent, so the first description still has the first version.
    let offer = oa.create_offer(&local()).unwrap();
    assert_eq!(
        round_trip(&offer).lines().nth(1),
        Some("o=tincan 3900000000 1 IN IP4 192.0.2.10")
    );
}

#[test]
fn offers_without_enabled_streams_get_matching_answers() {
    // RFC 3264 §6: zero m= lines are answered with zero; disabled ones stay disabled.
    for media in [vec![], vec!["m=audio 0 RTP/AVP 0"]] {
        let offer = offer_with(&media);
        let (answer, n) = session().process_offer(&offer, &local()).unwrap();
        round_trip(&answer);
        assert_eq!(answer.media.len(), media.len());
        assert!(answer.media.iter().all(|m| m.port == 0));
        assert!(!n.is_active());
    }
}

#[test]
fn answer_copies_the_offer_time_and_keeps_its_version_when_unchanged() {
    let mut oa = session();
    let mut offer = parse(BARESIP_OFFER);
    offer.timing[0].start = 3_034_423_619;
    let (first, _) = oa.process_offer(&offer, &local()).unwrap();
    assert!(round_trip(&first).contains("t=3034423619 0\r\n"));
    // The same offer again (RFC 3264 §8 no-op): the same answer, the same version.
    let (second, _) = oa.process_offer(&offer, &local()).unwrap();
    assert_eq!(second, first);
    // Put on hold by the peer: our answer changes (recvonly), so its version rises.
    offer.media[0]
        .attributes
        .retain(|a| !matches!(a, Attribute::Direction(_)));
    offer.media[0].push_attribute(Attribute::Direction(Direction::SendOnly));
    let (held, n) = oa.process_offer(&offer, &local()).unwrap();
    round_trip(&held);
    assert_eq!(
        held.origin.session_version,
        first.origin.session_version + 1
    );
    assert_eq!(held.media[0].own_direction(), Some(Direction::RecvOnly));
    assert!(!n.can_send() && n.can_receive());
}

#[test]
fn unusable_connection_addresses_give_no_destination() {
    for connection in ["c=IN IP4 0.0.0.0", "c=IN IP4 media.example.com"] {
        let lines = [
            "v=0",
            "o=- 5 5 IN IP4 h",
            "s=-",
            connection,
            "t=0 0",
            "m=audio 5004 RTP/AVP 0",
        ];
        let (answer, n) = session().process_offer(&parse(&lines), &local()).unwrap();
        round_trip(&answer);
        assert!(n.is_active(), "{connection}");
        assert_eq!((n.remote_rtp, n.remote_rtcp), (None, None), "{connection}");
    }
}

#[test]
fn telephone_event_on_the_codecs_clock_when_offered_at_both_rates() {
    // RFC 4733 §2.1: events use the audio codec's clock; with Opus that is 48 kHz.
    let local = LocalMedia {
        codecs: vec![
            Codec::opus(),
            Codec::pcmu(),
            Codec::telephone_event(),
            Codec::new("telephone-event", 48_000, 1).with_fmtp("0-16"),
        ],
        ..local()
    };
    let both = |first: &'static str| {
        offer_with(&[
            first,
            "a=rtpmap:96 opus/48000/2",
            "a=rtpmap:101 telephone-event/8000",
            "a=rtpmap:102 telephone-event/48000",
        ])
    };
    let (answer, n) = session()
        .process_offer(&both("m=audio 5004 RTP/AVP 96 0 101 102"), &local)
        .unwrap();
    assert_eq!(n.telephone_event_pt, Some(102));
    let maps = rtpmaps(&answer, 0);
    assert!(
        maps.contains(&"102 telephone-event/48000".to_owned()),
        "{maps:?}"
    );
    assert!(
        maps.contains(&"101 telephone-event/8000".to_owned()),
        "{maps:?}"
    );
    let (_, n) = session()
        .process_offer(&both("m=audio 5004 RTP/AVP 0 96 101 102"), &local)
        .unwrap();
    assert_eq!(
        n.telephone_event_pt,
        Some(101),
        "PCMU goes with the 8 kHz events"
    );
    // Our own offer lists both.
    let offer = session().create_offer(&local).unwrap();
    let maps = rtpmaps(&offer, 0);
    assert!(
        maps.iter().any(|m| m.ends_with("telephone-event/48000")),
        "{maps:?}"
    );
    assert!(
        maps.iter().any(|m| m.ends_with("telephone-event/8000")),
        "{maps:?}"
    );
}
