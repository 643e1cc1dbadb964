//! Real-world descriptions (a softphone, baresip, SIPp), leniency and builders.

use super::*;

/// What a WebRTC-capable softphone offers: Opus, G.711, DTMF, ICE, SDES and DTLS fingerprints.
const SOFTPHONE_OFFER: &[&str] = &[
    "v=0",
    "o=- 4858365421 4858365422 IN IP4 192.168.1.20",
    "s=Tincan",
    "c=IN IP4 203.0.113.7",
    "b=AS:84",
    "t=0 0",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3C:B8:D4:44:C7:91:1A:BE:8D:B4:2E:9E",
    "m=audio 50000 RTP/SAVP 111 0 8 101",
    "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:101 telephone-event/8000",
    "a=fmtp:101 0-16",
    "a=ptime:20",
    "a=maxptime:120",
    "a=sendrecv",
    "a=rtcp:50001 IN IP4 203.0.113.7",
    "a=rtcp-mux",
    "a=ice-ufrag:F7gI",
    "a=ice-pwd:x9cml/YzichV2+XlhiMu8g",
    "a=candidate:1 1 UDP 2130706431 192.168.1.20 50000 typ host",
    "a=candidate:2 1 UDP 1694498815 203.0.113.7 50000 typ srflx raddr 192.168.1.20 rport 50000",
    "a=end-of-candidates",
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32",
    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32",
    "a=setup:actpass",
];

#[test]
fn softphone_offer_session_level() {
    let text = crlf(SOFTPHONE_OFFER);
    let sd = parse(&text);
    assert_eq!(
        sd.origin,
        Origin {
            username: "-".into(),
            session_id: 4_858_365_421,
            session_version: 4_858_365_422,
            nettype: "IN".into(),
            addrtype: "IP4".into(),
            address: "192.168.1.20".into(),
        }
    );
    assert_eq!(sd.session_name, "Tincan");
    assert_eq!(sd.connection, Some(Connection::new("203.0.113.7")));
    assert_eq!(
        sd.bandwidths,
        [Bandwidth {
            bwtype: "AS".into(),
            value: 84
        }]
    );
    assert_eq!(sd.timing, [Timing::unbounded()]);
    assert_eq!(
        sd.attributes[0],
        Attribute::IceOptions(vec!["trickle".into()])
    );
    assert!(matches!(&sd.attributes[1], Attribute::Fingerprint(f)
        if f.hash_function == "sha-256" && f.fingerprint.starts_with("4A:AD:") && f.fingerprint.len() == 95));
    assert_eq!(sd.direction(), None);
    assert_eq!(sd.media.len(), 1);
    // Canonical input prints back byte for byte.
    assert_eq!(sd.to_string(), text);
}

#[test]
fn softphone_offer_audio_section() {
    let sd = parse(&crlf(SOFTPHONE_OFFER));
    let audio = &sd.media[0];
    assert_eq!(
        (audio.media.as_str(), audio.port, audio.port_count),
        ("audio", 50000, None)
    );
    assert_eq!(audio.proto, "RTP/SAVP");
    assert_eq!(audio.formats, ["111", "0", "8", "101"]);
    let maps: Vec<_> = audio
        .rtpmaps()
        .map(|m| {
            (
                m.payload_type,
                m.encoding.as_str(),
                m.clock_rate,
                m.channels,
            )
        })
        .collect();
    assert_eq!(
        maps,
        [
            (111, "opus", 48000, Some(2)),
            (0, "PCMU", 8000, None),
            (8, "PCMA", 8000, None),
            (101, "telephone-event", 8000, None),
        ]
    );
    assert_eq!(
        audio.fmtp("111").and_then(|f| f.param("useinbandfec")),
        Some("1")
    );
    assert_eq!(audio.fmtp("101").map(|f| f.params.as_str()), Some("0-16"));
    assert_eq!(audio.fmtp("0"), None);
    assert_eq!(
        audio.rtpmap(101).map(|m| m.encoding.as_str()),
        Some("telephone-event")
    );
    assert_eq!(audio.ptime(), Some(20));
    assert!(audio.attributes.contains(&Attribute::MaxPtime(120)));
    assert_eq!(audio.direction(&sd), Direction::SendRecv);
    assert_eq!(audio.own_direction(), Some(Direction::SendRecv));
    assert!(audio.attributes.contains(&Attribute::RtcpMux));
    assert!(audio.attributes.contains(&Attribute::Rtcp(Rtcp {
        port: 50001,
        connection: Some(Connection::new("203.0.113.7")),
    })));
    assert_eq!(
        sd.connection_for(audio).map(|c| c.address.as_str()),
        Some("203.0.113.7")
    );
    assert!(audio.attributes.contains(&Attribute::Setup(Setup::ActPass)));
}

#[test]
fn softphone_offer_ice() {
    let sd = parse(&crlf(SOFTPHONE_OFFER));
    let audio = &sd.media[0];
    assert!(
        audio
            .attributes
            .contains(&Attribute::IceUfrag("F7gI".into()))
    );
    assert!(
        audio
            .attributes
            .contains(&Attribute::IcePwd("x9cml/YzichV2+XlhiMu8g".into()))
    );
    let candidates: Vec<_> = audio.candidates().collect();
    assert_eq!(candidates.len(), 2);
    assert_eq!(candidates[0].typ, "host");
    assert_eq!(
        (candidates[0].raddr.as_deref(), candidates[0].rport),
        (None, None)
    );
    let srflx = candidates[1];
    assert_eq!(
        (
            srflx.foundation.as_str(),
            srflx.component,
            srflx.transport.as_str()
        ),
        ("2", 1, "UDP")
    );
    assert_eq!(
        (srflx.priority, srflx.address.as_str(), srflx.port),
        (1_694_498_815, "203.0.113.7", 50000)
    );
    assert_eq!(
        (srflx.raddr.as_deref(), srflx.rport),
        (Some("192.168.1.20"), Some(50000))
    );
    assert!(srflx.extensions.is_empty());
    assert!(audio.attributes.contains(&Attribute::EndOfCandidates));
}

#[test]
fn softphone_offer_crypto() {
    let sd = parse(&crlf(SOFTPHONE_OFFER));
    let audio = &sd.media[0];
    let cryptos: Vec<_> = audio
        .attributes
        .iter()
        .filter_map(|a| {
            if let Attribute::Crypto(c) = a {
                Some(c)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(cryptos.iter().map(|c| c.tag).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(cryptos[1].suite, "AES_CM_128_HMAC_SHA1_32");
    let key = cryptos[0].inline_keys().next().unwrap();
    assert_eq!(key.key_salt, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR");
    assert_eq!(key.lifetime, Some("2^20"));
    assert_eq!(
        key.mki,
        Some(Mki {
            value: "1",
            length: "32"
        })
    );
}

/// baresip's style: `a=tool`, Opus stereo fmtp, G.722, rtcp-rsize, SSRC lines, H.264 video.
const BARESIP_OFFER: &[&str] = &[
    "v=0",
    "o=- 1906327305 1906327306 IN IP4 10.0.0.2",
    "s=-",
    "c=IN IP4 10.0.0.2",
    "t=0 0",
    "a=tool:baresip 3.10.1",
    "m=audio 10014 RTP/AVP 96 9 0 8 101",
    "b=AS:128",
    "a=rtpmap:96 opus/48000/2",
    "a=fmtp:96 stereo=1;sprop-stereo=1",
    "a=rtpmap:9 G722/8000",
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:101 telephone-event/8000",
    "a=fmtp:101 0-15",
    "a=rtcp-rsize",
    "a=ssrc:3426813741 cname:8e0d2f1c-1b4e-4d3c-9f1e-3a2b1c0d9e8f",
    "a=ptime:20",
    "a=sendrecv",
    "m=video 10016 RTP/AVP 100",
    "b=AS:1500",
    "a=rtpmap:100 H264/90000",
    "a=fmtp:100 packetization-mode=0;profile-level-id=42e01f",
    "a=rtcp-fb:* nack pli",
    "a=sendonly",
];

#[test]
fn baresip_style_offer() {
    let text = crlf(BARESIP_OFFER);
    let sd = parse(&text);
    assert_eq!(
        sd.attributes,
        [Attribute::Other {
            name: "tool".into(),
            value: Some("baresip 3.10.1".into())
        }]
    );
    let (audio, video) = (&sd.media[0], &sd.media[1]);
    assert_eq!(audio.formats, ["96", "9", "0", "8", "101"]);
    assert_eq!(audio.rtpmap(9).map(|m| m.encoding.as_str()), Some("G722"));
    assert_eq!(
        audio.fmtp("96").and_then(|f| f.param("sprop-stereo")),
        Some("1")
    );
    assert_eq!(
        audio.attributes[7],
        Attribute::Other {
            name: "rtcp-rsize".into(),
            value: None
        }
    );
    assert_eq!(video.media, "video");
    assert_eq!(
        video.bandwidths,
        [Bandwidth {
            bwtype: "AS".into(),
            value: 1500
        }]
    );
    assert_eq!(video.rtpmap(100).map(|m| m.clock_rate), Some(90000));
    assert_eq!(video.direction(&sd), Direction::SendOnly);
    assert_eq!(
        sd.connection_for(video).map(|c| c.address.as_str()),
        Some("10.0.0.2")
    );
    assert_eq!(sd.to_string(), text);
}

#[test]
fn sipp_style_offer_with_lf_endings() {
    // SIPp scenarios are XML files, so their SDP bodies arrive with bare LF line ends.
    let text = "v=0\n\
                o=user1 53655765 2353687637 IN IP4 127.0.1.1\n\
                s=-\n\
                c=IN IP4 127.0.1.1\n\
                t=0 0\n\
                m=audio 6000 RTP/AVP 0\n\
                a=rtpmap:0 PCMU/8000\n";
    let sd = parse(text);
    assert_eq!(sd.origin.username, "user1");
    assert_eq!(
        (sd.origin.session_id, sd.origin.session_version),
        (53_655_765, 2_353_687_637)
    );
    assert_eq!(sd.media[0].port, 6000);
    assert_eq!(
        sd.media[0].rtpmap(0).map(|m| m.encoding.as_str()),
        Some("PCMU")
    );
    assert_eq!(sd.to_string(), text.replace('\n', "\r\n"));
}

#[test]
fn lenient_inputs_are_accepted() {
    let canonical = parse(&crlf(&[
        "v=0",
        "o=- 1 2 IN IP4 10.0.0.1",
        "s=-",
        "c=IN IP4 10.0.0.1",
        "t=0 0",
        "m=audio 4000 RTP/AVP 0",
        "a=sendrecv",
    ]));
    let sloppy = [
        // LF only, trailing blanks, blank lines in the middle and at the end.
        "v=0\no=- 1 2 IN IP4 10.0.0.1 \ns=-\t\n\nc=IN IP4 10.0.0.1\nt=0 0\nm=audio 4000 RTP/AVP 0\na=sendrecv  \n\n\n",
        // Missing s= and t=, doubled blanks between fields.
        "v=0\r\no=-  1 2 IN IP4 10.0.0.1\r\nc=IN  IP4 10.0.0.1\r\nm=audio  4000 RTP/AVP  0\r\na=sendrecv\r\n",
        // Session lines out of RFC 8866 §5 order, no final newline.
        "v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\nt=0 0\r\nc=IN IP4 10.0.0.1\r\ns=-\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv",
    ];
    for text in sloppy {
        assert_eq!(parse(text), canonical, "{text:?}");
    }
}

#[test]
fn unknown_lines_are_kept_and_printed_back() {
    let text = crlf(&[
        "v=0",
        "o=- 1 2 IN IP4 10.0.0.1",
        "s=-",
        "t=0 0",
        "r=604800 3600 0 90000",
        "z=2882844526 -1h",
        "k=prompt",
        "a=group:BUNDLE 0",
        "x=session extension",
        "m=audio 4000/2 RTP/AVP 0",
        "i=main audio",
        "c=IN IP4 10.0.0.1",
        "k=clear:secret",
        "a=mid:0",
        "t=1 2",
        "y=media extension",
    ]);
    let sd = parse(&text);
    assert_eq!(sd.timing[0].repeats, ["604800 3600 0 90000"]);
    assert_eq!(sd.time_zones.as_deref(), Some("2882844526 -1h"));
    assert_eq!(sd.encryption_key.as_deref(), Some("prompt"));
    assert_eq!(
        sd.other_lines,
        [OtherLine {
            key: "x".into(),
            value: "session extension".into()
        }]
    );
    let media = &sd.media[0];
    assert_eq!(media.port_count, Some(2));
    assert_eq!(media.title.as_deref(), Some("main audio"));
    assert_eq!(media.encryption_key.as_deref(), Some("clear:secret"));
    assert_eq!(media.other_lines.len(), 2);
    assert_eq!(
        media.other_lines[0],
        OtherLine {
            key: "t".into(),
            value: "1 2".into()
        }
    );
    assert_eq!(sd.to_string(), text);
}

#[test]
fn direction_falls_back_to_session_then_sendrecv() {
    let sd = parse(&crlf(&[
        "v=0",
        "o=- 1 2 IN IP4 10.0.0.1",
        "s=-",
        "c=IN IP4 10.0.0.1",
        "t=0 0",
        "a=inactive",
        "m=audio 4000 RTP/AVP 0",
        "a=recvonly",
        "m=audio 4002 RTP/AVP 0",
    ]));
    assert_eq!(sd.media[0].direction(&sd), Direction::RecvOnly);
    assert_eq!(sd.media[1].direction(&sd), Direction::Inactive);
    let mut plain = sd;
    plain.attributes.clear();
    assert_eq!(plain.media[1].direction(&plain), Direction::SendRecv);
    assert_eq!(Direction::SendOnly.reversed(), Direction::RecvOnly);
    assert_eq!(Direction::Inactive.reversed(), Direction::Inactive);
}

#[test]
fn builders_produce_a_printable_offer() {
    let mut sd = SessionDescription::new(
        Origin::new("-", 7, 7, "2001:db8::1"),
        Connection::new("2001:db8::1"),
    );
    let mut audio = MediaDescription::audio(4000, ["0", "101"]);
    audio.push_attribute(Attribute::Direction(Direction::SendOnly));
    sd.media.push(audio);
    sd.push_attribute(Attribute::Other {
        name: "ice-lite".into(),
        value: None,
    });
    let expected = crlf(&[
        "v=0",
        "o=- 7 7 IN IP6 2001:db8::1",
        "s=-",
        "c=IN IP6 2001:db8::1",
        "t=0 0",
        "a=ice-lite",
        "m=audio 4000 RTP/AVP 0 101",
        "a=sendonly",
    ]);
    assert_eq!(sd.to_string(), expected);
    assert_round_trip(&sd);
    let mut no_timing = sd.clone();
    no_timing.timing.clear();
    assert_eq!(
        no_timing.to_string(),
        expected,
        "an empty timing list prints t=0 0"
    );
}

#[test]
fn parse_bytes_checks_utf8() {
    let sd =
        SessionDescription::parse_bytes(b"v=0\no=- 1 1 IN IP4 h\ns=caf\xc3\xa9\nt=0 0\n").unwrap();
    assert_eq!(sd.session_name, "café");
    let err = SessionDescription::parse_bytes(b"v=0\no=- 1 1 IN IP4 h\ns=caf\xe9\n").unwrap_err();
    assert_eq!(err.line, 3);
    assert_eq!(err.kind, SdpErrorKind::NotUtf8 { valid_up_to: 26 });
}
