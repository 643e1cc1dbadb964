//! The answerer's side: one answer `m=` line per offered one, in order (RFC 3264 §6),
//! accepting the first audio stream we share a codec with (RFC 3264 §6.1) and refusing
//! every other with port 0 (RFC 3264 §6, RFC 6337 §5.2.3).

use super::codec::{Codec, PayloadCodec, describe_format};
use super::negotiated::{Negotiated, answer_direction, has_rtcp_mux, remote_addresses};
use super::offer::{PROFILE, audio_section, disabled_section};
use super::sdes::{SECURE_PROFILE, answer_line};
use super::{LocalMedia, OfferAnswerError};
use crate::sip::sdp::{MediaDescription, SessionDescription};

/// The answer's media sections and what they settle.
///
/// Fails with [`OfferAnswerError::NoCommonCodec`] when the offer asks for media (some
/// stream has a non-zero port) but we can accept none of it: RFC 3264 §6 then rejects
/// the whole offered session, which SIP signals with 488 (RFC 6337 §5.2.3).
pub(crate) fn answer_media(
    offer: &SessionDescription,
    local: &LocalMedia,
) -> Result<(Vec<MediaDescription>, Negotiated), OfferAnswerError> {
    let mut negotiated: Option<Negotiated> = None;
    let mut media = Vec::with_capacity(offer.media.len());
    for (index, offered) in offer.media.iter().enumerate() {
        let accepted = match negotiated {
            // We play one audio stream; a second one is refused (RFC 3264 §6).
            Some(_) => None,
            None => accept(offer, offered, index, local),
        };
        match accepted {
            Some((section, outcome)) => {
                media.push(section);
                negotiated = Some(outcome);
            }
            None => media.push(disabled_section(offered)),
        }
    }
    match negotiated {
        Some(outcome) => Ok((media, outcome)),
        None if offer.media.iter().any(|m| m.port != 0) => Err(OfferAnswerError::NoCommonCodec),
        // Zero streams, or all disabled by the offerer: port 0 answers them (RFC 3264 §8.2).
        None => Ok((media, Negotiated::none())),
    }
}

/// Our section and outcome for `offered`, if it is an enabled RTP audio stream with at
/// least one audio codec in common.
fn accept(
    offer: &SessionDescription,
    offered: &MediaDescription,
    index: usize,
    local: &LocalMedia,
) -> Option<(MediaDescription, Negotiated)> {
    let usable = offered.port != 0 && offered.media.eq_ignore_ascii_case("audio");
    // RTP/AVP always; RTP/SAVP when we have a key and one offered crypto line is usable
    // (RFC 4568 §7.1.1), else the stream is refused.
    let srtp = if offered.proto.eq_ignore_ascii_case(PROFILE) {
        None
    } else if offered.proto.eq_ignore_ascii_case(SECURE_PROFILE) {
        Some(answer_line(offered, local.srtp.as_ref()?)?)
    } else {
        return None;
    };
    if !usable {
        return None;
    }
    let common = common_codecs(offered, &local.codecs);
    // RFC 3264 §6.1: "the answerer SHOULD send using the most preferred media format in
    // the offer that is also listed in the answer", with the offer's number.
    let (ours, theirs) = common.iter().find(|(ours, _)| ours.codec.is_audio())?;
    let send = PayloadCodec {
        payload_type: theirs.payload_type,
        codec: Codec {
            fmtp: theirs.codec.fmtp.clone(),
            ..ours.codec.clone()
        },
    };
    let remote_direction = offered.direction(offer);
    let local_direction = answer_direction(remote_direction, local.direction);
    // RFC 5761 §5.1.1: mux only when offered, and we choose whether to accept.
    let rtcp_mux = local.rtcp_mux && has_rtcp_mux(offered);
    let answered: Vec<PayloadCodec> = common.iter().map(|(ours, _)| ours.clone()).collect();
    let mut section = audio_section(local, &offered.proto, &answered, local_direction, rtcp_mux);
    let srtp = srtp.map(|(line, keys)| {
        section.push_attribute(line);
        keys
    });
    let (remote_rtp, remote_rtcp) = remote_addresses(offer, offered, rtcp_mux);
    let outcome = Negotiated {
        media_index: Some(index),
        remote_rtp,
        remote_rtcp,
        telephone_event_pt: telephone_event_pt(
            common.iter().map(|(_, theirs)| theirs),
            send.codec.clock_rate,
        ),
        send_codec: Some(send),
        receive_codecs: answered
            .into_iter()
            .map(|c| (c.payload_type, c.codec))
            .collect(),
        local_direction,
        remote_direction,
        rtcp_mux,
        // RFC 3264 §6.1: send with the offer's ptime.
        ptime: offered.ptime(),
        srtp,
    };
    Some((section, outcome))
}

/// The offered formats we support, in the offerer's order and under the offerer's
/// numbers (RFC 3264 §6.1), each of our codecs at most once: pairs of (our codec under
/// the offer's number, the offer's description of it).
fn common_codecs(offered: &MediaDescription, ours: &[Codec]) -> Vec<(PayloadCodec, PayloadCodec)> {
    let mut common: Vec<(PayloadCodec, PayloadCodec)> = Vec::new();
    for theirs in offered
        .formats
        .iter()
        .filter_map(|f| describe_format(offered, f))
    {
        let Some(codec) = ours.iter().find(|c| c.matches(&theirs.codec)) else {
            continue;
        };
        if common.iter().any(|(o, _)| o.codec.matches(codec)) {
            continue;
        }
        let ours = PayloadCodec {
            payload_type: theirs.payload_type,
            codec: codec.clone(),
        };
        common.push((ours, theirs));
    }
    common
}

/// The peer's telephone-event number: preferably the one whose clock matches the audio
/// codec, since events share the audio's timestamp base (RFC 4733 §2.1), else the first.
pub(crate) fn telephone_event_pt<'a>(
    formats: impl Iterator<Item = &'a PayloadCodec>,
    clock_rate: u32,
) -> Option<u8> {
    let events: Vec<&PayloadCodec> = formats.filter(|p| p.codec.is_telephone_event()).collect();
    events
        .iter()
        .find(|p| p.codec.clock_rate == clock_rate)
        .or(events.first())
        .map(|p| p.payload_type)
}
