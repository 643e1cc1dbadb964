//! Offer/answer tests: shared helpers here, our offers and the peer's answers in
//! `offering`, the peer's offers and our answers in `answering`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::*;
use crate::sip::sdp::Attribute;

mod answering;
mod offering;

const OUR_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));

/// Joins lines with the CRLF RFC 8866 §5 uses.
fn crlf(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\r\n")).collect()
}

fn parse(lines: &[&str]) -> SessionDescription {
    let text = crlf(lines);
    SessionDescription::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Every description we produce must print and parse back to itself.
fn round_trip(sdp: &SessionDescription) -> String {
    let text = sdp.to_string();
    assert_eq!(
        SessionDescription::parse(&text).as_ref(),
        Ok(sdp),
        "printed:\n{text}"
    );
    text
}

/// Opus, G.711, G.722 and DTMF, sendrecv, rtcp-mux, 20 ms.
fn local() -> LocalMedia {
    LocalMedia {
        ptime: Some(20),
        rtcp_mux: true,
        ..LocalMedia::new(
            OUR_IP,
            40_000,
            vec![
                Codec::opus(),
                Codec::pcmu(),
                Codec::pcma(),
                Codec::g722(),
                Codec::telephone_event(),
            ],
        )
    }
}

fn session() -> OfferAnswer {
    OfferAnswer::new("tincan", 3_900_000_000, 1).unwrap()
}

fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

/// The rtpmap lines of section `index`, printed.
fn rtpmaps(sdp: &SessionDescription, index: usize) -> Vec<String> {
    sdp.media[index]
        .rtpmaps()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn hold_and_resume_follow_rfc_6337() {
    use Direction::*;
    // (current, on hold, resumed from hold)
    let table = [
        (SendRecv, SendOnly, SendRecv),
        (SendOnly, SendOnly, SendRecv),
        (RecvOnly, Inactive, RecvOnly),
        (Inactive, Inactive, RecvOnly),
    ];
    for (current, held, resumed) in table {
        assert_eq!(hold_direction(current), held, "hold {current:?}");
        assert_eq!(resume_direction(held), resumed, "resume {held:?}");
    }
    // Resuming undoes holding for every direction that was not already held.
    for d in [SendRecv, RecvOnly] {
        assert_eq!(resume_direction(hold_direction(d)), d);
    }
}

#[test]
fn answer_direction_table() {
    use Direction::*;
    // RFC 3264 §6.1 for every (offered, wanted) pair: [wanted sendrecv, sendonly, recvonly, inactive].
    let table = [
        (SendRecv, [SendRecv, SendOnly, RecvOnly, Inactive]),
        (SendOnly, [RecvOnly, Inactive, RecvOnly, Inactive]),
        (RecvOnly, [SendOnly, SendOnly, Inactive, Inactive]),
        (Inactive, [Inactive, Inactive, Inactive, Inactive]),
    ];
    for (offered, answers) in table {
        for (want, expected) in [SendRecv, SendOnly, RecvOnly, Inactive]
            .into_iter()
            .zip(answers)
        {
            assert_eq!(
                answer_direction(offered, want),
                expected,
                "offered {offered:?}, want {want:?}"
            );
        }
    }
}

#[test]
fn origin_numbers_must_fit_rfc_3264_limits() {
    assert!(OfferAnswer::new("-", i64::MAX as u64, (1 << 62) - 2).is_ok());
    assert_eq!(
        OfferAnswer::new("-", 1, (1 << 62) - 1).err(),
        Some(OfferAnswerError::InvalidOrigin {
            session_id: 1,
            version: (1 << 62) - 1
        })
    );
    assert!(OfferAnswer::new("-", u64::MAX, 1).is_err());
}
