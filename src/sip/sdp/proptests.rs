//! Property: every description in canonical form survives print → parse unchanged.
//!
//! Generators only build values that have a canonical textual form: token fields carry no
//! blanks, free-text fields carry no leading/trailing blanks, `Other` attributes never use
//! a typed attribute's name, and connection suffixes match their address type.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use super::*;

/// A non-empty token without blanks, `/`, `:`, `;`, `=` or `|`.
fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9._+-]{0,7}"
}

/// Free text: printable, inner spaces allowed, no blanks at either end.
fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]([A-Za-z0-9 :;=/.,!-]{0,12}[A-Za-z0-9])?"
}

fn connection() -> impl Strategy<Value = Connection> {
    let addrtype = prop_oneof![
        Just("IP4".to_owned()),
        Just("IP6".to_owned()),
        "X[A-Z0-9]{1,3}"
    ];
    (
        token(),
        addrtype,
        token(),
        option::of(any::<u8>()),
        option::of(any::<u32>()),
    )
        .prop_map(|(nettype, addrtype, address, ttl, num)| {
            // Keep only the suffixes RFC 8866 §5.7 can express for the address type.
            let (ttl, num_addresses) = match addrtype.as_str() {
                "IP4" => (ttl, ttl.and(num)),
                "IP6" => (None, num),
                _ => (None, None),
            };
            Connection {
                nettype,
                addrtype,
                address,
                ttl,
                num_addresses,
            }
        })
}

fn bandwidth() -> impl Strategy<Value = Bandwidth> {
    (token(), any::<u64>()).prop_map(|(bwtype, value)| Bandwidth { bwtype, value })
}

fn rtpmap() -> impl Strategy<Value = Attribute> {
    (0u8..=127, token(), any::<u32>(), option::of(any::<u16>())).prop_map(
        |(payload_type, encoding, clock_rate, channels)| {
            Attribute::RtpMap(RtpMap {
                payload_type,
                encoding,
                clock_rate,
                channels,
            })
        },
    )
}

fn fmtp() -> impl Strategy<Value = Attribute> {
    let params = prop_oneof![Just(String::new()), text()];
    (token(), params).prop_map(|(format, params)| Attribute::Fmtp(Fmtp { format, params }))
}

fn candidate() -> impl Strategy<Value = Attribute> {
    // Extension names must not be raddr/rport, which the parser files into their fields.
    let extension = ("x[a-z]{0,6}", token());
    let fixed = (
        token(),
        any::<u16>(),
        token(),
        any::<u32>(),
        token(),
        any::<u16>(),
        token(),
    );
    let related = (
        option::of(token()),
        option::of(any::<u16>()),
        vec(extension, 0..3),
    );
    (fixed, related).prop_map(
        |(
            (foundation, component, transport, priority, address, port, typ),
            (raddr, rport, ext),
        )| {
            Attribute::Candidate(Candidate {
                foundation,
                component,
                transport,
                priority,
                address,
                port,
                typ,
                raddr,
                rport,
                extensions: ext,
            })
        },
    )
}

fn crypto() -> impl Strategy<Value = Attribute> {
    let key_param = "inline:[A-Za-z0-9+/]{4,40}(\\|2\\^[0-9]{1,2})?(\\|[0-9]{1,3}:[0-9]{1,3})?";
    (
        any::<u32>(),
        token(),
        vec(key_param, 1..3),
        vec(token(), 0..3),
    )
        .prop_map(|(tag, suite, key_params, session_params)| {
            Attribute::Crypto(Crypto {
                tag,
                suite,
                key_params,
                session_params,
            })
        })
}

fn other_attribute() -> impl Strategy<Value = Attribute> {
    // The x- prefix keeps clear of every typed attribute name.
    (
        "x-[a-z0-9-]{1,8}",
        option::of(prop_oneof![Just(String::new()), text()]),
    )
        .prop_map(|(name, value)| Attribute::Other { name, value })
}

fn attribute() -> impl Strategy<Value = Attribute> {
    let direction = prop_oneof![
        Just(Direction::SendRecv),
        Just(Direction::SendOnly),
        Just(Direction::RecvOnly),
        Just(Direction::Inactive),
    ];
    let setup = prop_oneof![
        Just(Setup::Active),
        Just(Setup::Passive),
        Just(Setup::ActPass),
        Just(Setup::HoldConn)
    ];
    let rtcp = (any::<u16>(), option::of(connection()))
        .prop_map(|(port, connection)| Attribute::Rtcp(Rtcp { port, connection }));
    let fingerprint = ("sha-(1|256|512)", "[0-9A-F]{2}(:[0-9A-F]{2}){0,31}").prop_map(
        |(hash_function, fingerprint)| {
            Attribute::Fingerprint(Fingerprint {
                hash_function,
                fingerprint,
            })
        },
    );
    prop_oneof![
        rtpmap(),
        fmtp(),
        any::<u32>().prop_map(Attribute::Ptime),
        any::<u32>().prop_map(Attribute::MaxPtime),
        direction.prop_map(Attribute::Direction),
        rtcp,
        Just(Attribute::RtcpMux),
        crypto(),
        text().prop_map(Attribute::IceUfrag),
        text().prop_map(Attribute::IcePwd),
        vec(token(), 1..4).prop_map(Attribute::IceOptions),
        candidate(),
        Just(Attribute::EndOfCandidates),
        fingerprint,
        setup.prop_map(Attribute::Setup),
        other_attribute(),
    ]
}

/// Unknown line types: multi-letter keys and letters RFC 8866 §5 does not define.
fn other_line() -> impl Strategy<Value = OtherLine> {
    ("[dfghjlnqwxy][a-z]{0,2}", text()).prop_map(|(key, value)| OtherLine { key, value })
}

fn media() -> impl Strategy<Value = MediaDescription> {
    let m_line = (
        token(),
        any::<u16>(),
        option::of(any::<u16>()),
        token(),
        vec(token(), 1..5),
    );
    let lines = (
        option::of(text()),
        option::of(connection()),
        vec(bandwidth(), 0..2),
        option::of(text()),
        vec(attribute(), 0..8),
        vec(other_line(), 0..2),
    );
    (m_line, lines).prop_map(|((media, port, port_count, proto, formats), rest)| {
        let (title, connection, bandwidths, encryption_key, attributes, other_lines) = rest;
        MediaDescription {
            media,
            port,
            port_count,
            proto,
            formats,
            title,
            connection,
            bandwidths,
            encryption_key,
            attributes,
            other_lines,
        }
    })
}

fn timing() -> impl Strategy<Value = Timing> {
    (any::<u64>(), any::<u64>(), vec(text(), 0..2)).prop_map(|(start, stop, repeats)| Timing {
        start,
        stop,
        repeats,
    })
}

fn origin() -> impl Strategy<Value = Origin> {
    (
        token(),
        any::<u64>(),
        any::<u64>(),
        token(),
        token(),
        token(),
    )
        .prop_map(
            |(username, session_id, session_version, nettype, addrtype, address)| Origin {
                username,
                session_id,
                session_version,
                nettype,
                addrtype,
                address,
            },
        )
}

fn session() -> impl Strategy<Value = SessionDescription> {
    let head = (
        origin(),
        text(),
        option::of(text()),
        option::of(text()),
        vec(text(), 0..2),
        vec(text(), 0..2),
    );
    let middle = (
        option::of(connection()),
        vec(bandwidth(), 0..2),
        vec(timing(), 1..3),
    );
    let tail = (
        option::of(text()),
        option::of(text()),
        vec(attribute(), 0..4),
        vec(other_line(), 0..2),
        vec(media(), 1..4),
    );
    (head, middle, tail).prop_map(|(head, middle, tail)| {
        let (origin, session_name, information, uri, emails, phones) = head;
        let (connection, bandwidths, timing) = middle;
        let (time_zones, encryption_key, attributes, other_lines, media) = tail;
        SessionDescription {
            origin,
            session_name,
            information,
            uri,
            emails,
            phones,
            connection,
            bandwidths,
            timing,
            time_zones,
            encryption_key,
            attributes,
            other_lines,
            media,
        }
    })
}

proptest! {
    #[test]
    fn session_round_trips(sd in session()) {
        let printed = sd.to_string();
        prop_assert_eq!(SessionDescription::parse(&printed), Ok(sd), "printed:\n{}", printed);
    }

    #[test]
    fn attribute_round_trips(attribute in attribute()) {
        let printed = attribute.to_string();
        prop_assert_eq!(Attribute::parse(&printed), Ok(attribute), "printed: {}", printed);
    }

    #[test]
    fn printing_is_a_fixed_point(sd in session()) {
        // Printing what we parsed reproduces the same bytes: the output is canonical.
        let printed = sd.to_string();
        let reparsed = SessionDescription::parse(&printed).unwrap();
        prop_assert_eq!(reparsed.to_string(), printed);
    }

    #[test]
    fn parser_never_panics(input in "(([vosiuepcbtrzkam]|xx)=[ -~]{0,30}\r?\n){0,12}") {
        let _ = SessionDescription::parse(&input);
    }
}
