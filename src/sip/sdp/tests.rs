//! Example-based tests: typed attributes here; real-world descriptions and leniency in
//! `examples`, strict errors in `errors`.

use super::*;

pub(super) fn parse(text: &str) -> SessionDescription {
    match SessionDescription::parse(text) {
        Ok(sd) => sd,
        Err(e) => panic!("parse failed: {e}\n{text}"),
    }
}

pub(super) fn crlf(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\r\n")).collect()
}

pub(super) fn assert_round_trip(sd: &SessionDescription) {
    let printed = sd.to_string();
    assert_eq!(
        &SessionDescription::parse(&printed).unwrap(),
        sd,
        "printed:\n{printed}"
    );
}

fn conn(nettype: &str, addrtype: &str, address: &str) -> Connection {
    Connection {
        nettype: nettype.into(),
        addrtype: addrtype.into(),
        address: address.into(),
        ttl: None,
        num_addresses: None,
    }
}

mod errors;
mod examples;

/// RFC 8866 §6 and RFC 3605/5761 attributes: (text after `a=`, typed value).
fn media_attribute_cases() -> Vec<(&'static str, Attribute)> {
    vec![
        (
            "rtpmap:111 opus/48000/2",
            Attribute::RtpMap(RtpMap {
                payload_type: 111,
                encoding: "opus".into(),
                clock_rate: 48000,
                channels: Some(2),
            }),
        ),
        (
            "rtpmap:0 PCMU/8000",
            Attribute::RtpMap(RtpMap {
                payload_type: 0,
                encoding: "PCMU".into(),
                clock_rate: 8000,
                channels: None,
            }),
        ),
        (
            "fmtp:111 minptime=10;useinbandfec=1",
            Attribute::Fmtp(Fmtp {
                format: "111".into(),
                params: "minptime=10;useinbandfec=1".into(),
            }),
        ),
        (
            "fmtp:101 0-16",
            Attribute::Fmtp(Fmtp {
                format: "101".into(),
                params: "0-16".into(),
            }),
        ),
        ("ptime:20", Attribute::Ptime(20)),
        ("maxptime:120", Attribute::MaxPtime(120)),
        ("sendrecv", Attribute::Direction(Direction::SendRecv)),
        ("sendonly", Attribute::Direction(Direction::SendOnly)),
        ("recvonly", Attribute::Direction(Direction::RecvOnly)),
        ("inactive", Attribute::Direction(Direction::Inactive)),
        (
            "rtcp:53020",
            Attribute::Rtcp(Rtcp {
                port: 53020,
                connection: None,
            }),
        ),
        (
            "rtcp:53020 IN IP4 126.16.64.4",
            Attribute::Rtcp(Rtcp {
                port: 53020,
                connection: Some(conn("IN", "IP4", "126.16.64.4")),
            }),
        ),
        ("rtcp-mux", Attribute::RtcpMux),
    ]
}

/// RFC 4568, RFC 8839, RFC 8122 and RFC 4145 attributes, plus verbatim ones.
fn transport_attribute_cases() -> Vec<(&'static str, Attribute)> {
    let srflx = Candidate {
        foundation: "2".into(),
        component: 1,
        transport: "UDP".into(),
        priority: 1_694_498_815,
        address: "203.0.113.7".into(),
        port: 50000,
        typ: "srflx".into(),
        raddr: Some("192.168.1.20".into()),
        rport: Some(50000),
        extensions: vec![("generation".into(), "0".into())],
    };
    vec![
        (
            "crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32 KDR=1",
            Attribute::Crypto(Crypto {
                tag: 1,
                suite: "AES_CM_128_HMAC_SHA1_80".into(),
                key_params: vec![
                    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32".into(),
                ],
                session_params: vec!["KDR=1".into()],
            }),
        ),
        ("ice-ufrag:F7gI", Attribute::IceUfrag("F7gI".into())),
        (
            "ice-pwd:x9cml/YzichV2+XlhiMu8g",
            Attribute::IcePwd("x9cml/YzichV2+XlhiMu8g".into()),
        ),
        (
            "ice-options:trickle ice2",
            Attribute::IceOptions(vec!["trickle".into(), "ice2".into()]),
        ),
        (
            "candidate:2 1 UDP 1694498815 203.0.113.7 50000 typ srflx raddr 192.168.1.20 rport 50000 generation 0",
            Attribute::Candidate(srflx),
        ),
        ("end-of-candidates", Attribute::EndOfCandidates),
        (
            "fingerprint:sha-256 4A:AD:B9:B1:3F:82",
            Attribute::Fingerprint(Fingerprint {
                hash_function: "sha-256".into(),
                fingerprint: "4A:AD:B9:B1:3F:82".into(),
            }),
        ),
        ("setup:actpass", Attribute::Setup(Setup::ActPass)),
        ("setup:active", Attribute::Setup(Setup::Active)),
        ("setup:passive", Attribute::Setup(Setup::Passive)),
        ("setup:holdconn", Attribute::Setup(Setup::HoldConn)),
        (
            "rtcp-fb:* nack",
            Attribute::Other {
                name: "rtcp-fb".into(),
                value: Some("* nack".into()),
            },
        ),
        (
            "ice-lite",
            Attribute::Other {
                name: "ice-lite".into(),
                value: None,
            },
        ),
        (
            "x-empty:",
            Attribute::Other {
                name: "x-empty".into(),
                value: Some(String::new()),
            },
        ),
    ]
}

#[test]
fn typed_attributes_parse_and_print_back() {
    let cases = media_attribute_cases()
        .into_iter()
        .chain(transport_attribute_cases());
    for (text, expected) in cases {
        let parsed = Attribute::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(parsed, expected, "{text}");
        assert_eq!(expected.to_string(), text, "printing {expected:?}");
    }
}
#[test]
fn ill_fitting_known_attributes_are_kept_verbatim() {
    for text in [
        "ptime:20.5",
        "ptime:+20",
        "maxptime",
        "sendrecv:yes",
        "rtcp:abc",
        "rtcp:5000 IN IP4",
        "rtcp-mux:1",
        "crypto:x AES_CM_128_HMAC_SHA1_80 inline:abcd",
        "crypto:1 AES_CM_128_HMAC_SHA1_80",
        "ice-options:",
        "fingerprint:sha-256",
        "setup:ACTPASS",
        "fmtp:",
    ] {
        let attribute = Attribute::parse(text).unwrap();
        assert!(
            matches!(attribute, Attribute::Other { .. }),
            "{text} → {attribute:?}"
        );
        assert_eq!(attribute.to_string(), text);
    }
}

#[test]
fn fmtp_params_split_on_semicolons() {
    let fmtp = Fmtp {
        format: "111".into(),
        params: "minptime=10; useinbandfec=1;;stereo".into(),
    };
    let params: Vec<_> = fmtp.params().collect();
    assert_eq!(
        params,
        [
            ("minptime", Some("10")),
            ("useinbandfec", Some("1")),
            ("stereo", None)
        ]
    );
    assert_eq!(fmtp.param("USEINBANDFEC"), Some("1"));
    assert_eq!(fmtp.param("stereo"), None);
    assert_eq!(fmtp.param("absent"), None);
}

#[test]
fn crypto_inline_keys_split_lifetime_and_mki() {
    let cases = [
        ("inline:KEY", ("KEY", None, None)),
        ("inline:KEY|2^20", ("KEY", Some("2^20"), None)),
        ("inline:KEY|1:4", ("KEY", None, Some(("1", "4")))),
        (
            "inline:KEY|2^31|12:4",
            ("KEY", Some("2^31"), Some(("12", "4"))),
        ),
    ];
    for (param, (key_salt, lifetime, mki)) in cases {
        let key = InlineKey::parse(param).unwrap();
        assert_eq!(key.key_salt, key_salt);
        assert_eq!(key.lifetime, lifetime);
        assert_eq!(key.mki.map(|m| (m.value, m.length)), mki);
    }
    assert_eq!(
        InlineKey::parse("inline:KEY|2^20")
            .unwrap()
            .lifetime_packets(),
        Some(1 << 20)
    );
    assert_eq!(
        InlineKey::parse("inline:KEY|1000")
            .unwrap()
            .lifetime_packets(),
        Some(1000)
    );
    assert_eq!(
        InlineKey::parse("inline:KEY|2^99")
            .unwrap()
            .lifetime_packets(),
        None
    );
    assert_eq!(InlineKey::parse("uri:http://x"), None);
    assert_eq!(InlineKey::parse("inline:KEY|1:4|2^20"), None);
    let crypto = Crypto {
        tag: 1,
        suite: "AES_CM_128_HMAC_SHA1_80".into(),
        key_params: vec!["inline:A|2^20".into(), "inline:B|1:4".into()],
        session_params: vec![],
    };
    let keys: Vec<_> = crypto.inline_keys().map(|k| k.key_salt).collect();
    assert_eq!(keys, ["A", "B"]);
}

#[test]
fn connection_multicast_suffixes() {
    let cases = [
        ("IN IP4 233.252.0.1/127", "233.252.0.1", Some(127), None),
        (
            "IN IP4 233.252.0.1/127/3",
            "233.252.0.1",
            Some(127),
            Some(3),
        ),
        ("IN IP6 ff00::db8:0:101/3", "ff00::db8:0:101", None, Some(3)),
        ("IN IP6 2001:db8::2", "2001:db8::2", None, None),
        ("ATM NSAP 47.0005/x", "47.0005/x", None, None),
    ];
    for (value, address, ttl, num) in cases {
        let text = crlf(&[
            "v=0",
            "o=- 1 1 IN IP4 h",
            "s=-",
            &format!("c={value}"),
            "t=0 0",
        ]);
        let sd = parse(&text);
        let c = sd.connection.as_ref().unwrap();
        assert_eq!(
            (c.address.as_str(), c.ttl, c.num_addresses),
            (address, ttl, num),
            "{value}"
        );
        assert_eq!(sd.to_string(), text);
    }
}
