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

/// SDES (RFC 4568): an offer with our key is RTP/SAVP with one line per suite; the
/// answerer keys the line it picks; the offerer reads it back.
#[test]
fn sdes_keys_an_rtp_savp_exchange_both_ways() {
    let ours = MasterKey([1; 30]);
    let theirs = MasterKey([2; 30]);
    let mut offerer = session();
    let offer = offerer
        .create_offer(&LocalMedia {
            srtp: Some(ours.clone()),
            ..local()
        })
        .unwrap();
    let text = round_trip(&offer);
    assert!(text.contains(" RTP/SAVP "), "{text}");
    assert!(
        text.contains(
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB\r\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"),
        "{text}"
    );

    let mut answerer = OfferAnswer::new("peer", 7, 1).unwrap();
    let (answer, negotiated) = answerer
        .process_offer(
            &offer,
            &LocalMedia {
                srtp: Some(theirs.clone()),
                ..local()
            },
        )
        .unwrap();
    let text = round_trip(&answer);
    assert!(text.contains(" RTP/SAVP "), "{text}");
    assert_eq!(text.matches("a=crypto:").count(), 1, "{text}");
    let keys = negotiated.srtp.expect("SRTP agreed");
    assert_eq!(
        (keys.local.clone(), keys.remote.clone()),
        (theirs.clone(), ours.clone())
    );
    assert_eq!(keys.suite, crate::media::srtp::Suite::AesCm128HmacSha1_80);

    let negotiated = offerer.process_answer(&answer).unwrap();
    assert!(
        !format!("{negotiated:?}").contains("[1, 1, 1"),
        "keys in Debug"
    );
    let keys = negotiated.srtp.expect("SRTP agreed");
    assert_eq!((keys.local, keys.remote), (ours, theirs));
}

#[test]
fn sdes_never_answers_srtp_without_a_key_nor_turns_plain_rtp_into_srtp() {
    let mut offerer = session();
    let offer = offerer
        .create_offer(&LocalMedia {
            srtp: Some(MasterKey([1; 30])),
            ..local()
        })
        .unwrap();
    // No key of ours (plain signalling): the SRTP stream is refused (RFC 3264 §6: 488).
    let mut answerer = OfferAnswer::new("peer", 7, 1).unwrap();
    assert_eq!(
        answerer.process_offer(&offer, &local()).err(),
        Some(OfferAnswerError::NoCommonCodec)
    );
    // A plain offer stays plain even when we hold a key.
    let mut plain = session();
    let offer = plain.create_offer(&local()).unwrap();
    let mut answerer = OfferAnswer::new("peer", 7, 1).unwrap();
    let (answer, negotiated) = answerer
        .process_offer(
            &offer,
            &LocalMedia {
                srtp: Some(MasterKey([2; 30])),
                ..local()
            },
        )
        .unwrap();
    assert!(negotiated.srtp.is_none());
    assert!(!round_trip(&answer).contains("crypto"));
    // An answer to our SRTP offer without a crypto line: no audio at all, never in clear.
    let mut offerer = session();
    let offer = offerer
        .create_offer(&LocalMedia {
            srtp: Some(MasterKey([1; 30])),
            ..local()
        })
        .unwrap();
    let text = offer.to_string().replace("a=crypto:", "a=x-crypto:");
    let mut answerer = OfferAnswer::new("peer", 7, 1).unwrap();
    let stripped = SessionDescription::parse(&text).unwrap();
    let answer = answerer.process_offer(
        &stripped,
        &LocalMedia {
            srtp: Some(MasterKey([2; 30])),
            ..local()
        },
    );
    assert_eq!(answer.err(), Some(OfferAnswerError::NoCommonCodec));
    let bare = SessionDescription::parse(
        &offer
            .to_string()
            .lines()
            .filter(|l| !l.starts_with("a=crypto"))
            .map(|l| format!("{l}\r\n"))
            .collect::<String>(),
    )
    .unwrap();
    let negotiated = offerer.process_answer(&bare).unwrap();
    assert!(!negotiated.is_active());
}
