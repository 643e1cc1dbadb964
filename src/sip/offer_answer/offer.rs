//! The offerer's side: building the audio section of an offer (RFC 3264 §5.1), keeping
//! payload type bindings stable (RFC 3264 §8.3.2) and the `m=` slots of earlier
//! descriptions (RFC 3264 §8, §8.2), and reading the answer (RFC 3264 §6.1, §7).

use std::collections::BTreeMap;

use super::codec::{
    Codec, DYNAMIC_PAYLOAD_FIRST, DYNAMIC_PAYLOAD_LAST, PayloadCodec, describe_format, payload_type,
};
use super::negotiated::{Negotiated, has_rtcp_mux, remote_addresses};
use super::{LocalMedia, OfferAnswerError};
use crate::sip::sdp::{Attribute, Direction, Fmtp, MediaDescription, SessionDescription};

/// The transport profile we offer and accept: plain RTP (RFC 3551).
pub(crate) const PROFILE: &str = "RTP/AVP";

/// An offer of ours that awaits its answer.
#[derive(Debug, Clone)]
pub(crate) struct PendingOffer {
    /// The offer as sent.
    pub sdp: SessionDescription,
    /// Which `m=` line carries our audio.
    pub audio_index: usize,
    /// The codecs offered on it, with our payload types, in preference order.
    pub offered: Vec<PayloadCodec>,
    /// The direction we offered.
    pub direction: Direction,
    /// Whether we offered rtcp-mux.
    pub rtcp_mux: bool,
    /// Our SRTP key, when we offered RTP/SAVP.
    pub srtp: Option<super::MasterKey>,
}

/// Payload types for `codecs` in preference order, skipping duplicates.
///
/// A codec keeps its static number (RFC 3551 §6), else the number it had in our
/// previous description, else a number the session already bound to it (RFC 3264
/// §8.3.2: a dynamic binding never changes within a session), else the lowest dynamic
/// number not bound to anything (RFC 3551 §3). Codecs beyond the 32 dynamic numbers are
/// left out.
pub(crate) fn assign_payload_types(
    codecs: &[Codec],
    previous: &[PayloadCodec],
    bindings: &BTreeMap<u8, Codec>,
) -> Vec<PayloadCodec> {
    let mut assigned: Vec<PayloadCodec> = Vec::new();
    for codec in codecs {
        if assigned.iter().any(|a| a.codec.matches(codec)) {
            continue;
        }
        let free = |pt: &u8| !assigned.iter().any(|a| a.payload_type == *pt);
        let reused = previous
            .iter()
            .filter(|p| p.codec.matches(codec))
            .map(|p| p.payload_type)
            .chain(
                bindings
                    .iter()
                    .filter(|(_, c)| c.matches(codec))
                    .map(|(pt, _)| *pt),
            )
            .find(free);
        let fresh = || {
            (DYNAMIC_PAYLOAD_FIRST..=DYNAMIC_PAYLOAD_LAST)
                .find(|pt| free(pt) && !bindings.contains_key(pt))
        };
        let chosen = codec.static_pt.filter(free).or(reused).or_else(fresh);
        if let Some(payload_type) = chosen {
            assigned.push(PayloadCodec {
                payload_type,
                codec: codec.clone(),
            });
        }
    }
    assigned
}

/// An accepted audio section: formats in the given order, an rtpmap for each (static ones
/// too, RFC 3264 §6.1 "SHOULD"), our fmtp, ptime, an explicit direction and rtcp-mux.
pub(crate) fn audio_section(
    local: &LocalMedia,
    proto: &str,
    codecs: &[PayloadCodec],
    direction: Direction,
    rtcp_mux: bool,
) -> MediaDescription {
    let mut section = MediaDescription::audio(
        local.rtp_port,
        codecs.iter().map(|c| c.payload_type.to_string()),
    );
    section.proto = proto.to_owned();
    for PayloadCodec {
        payload_type,
        codec,
    } in codecs
    {
        section.push_attribute(Attribute::RtpMap(codec.rtpmap(*payload_type)));
        if let Some(params) = &codec.fmtp {
            section.push_attribute(Attribute::Fmtp(Fmtp {
                format: payload_type.to_string(),
                params: params.clone(),
            }));
        }
    }
    // RFC 3264 §5.1: "The ptime attribute MUST be greater than zero."
    if let Some(ptime) = local.ptime.filter(|&p| p > 0) {
        section.push_attribute(Attribute::Ptime(ptime));
    }
    section.push_attribute(Attribute::Direction(direction));
    if rtcp_mux {
        section.push_attribute(Attribute::RtcpMux);
    }
    section
}

/// A section with port 0 that keeps the media type, transport and format list of
/// `previous` and drops its attributes: how a stream stays rejected or removed
/// (RFC 3264 §6, §8.2).
pub(crate) fn disabled_section(previous: &MediaDescription) -> MediaDescription {
    let mut section = MediaDescription::audio(0, previous.formats.iter().cloned());
    section.media.clone_from(&previous.media);
    section.proto.clone_from(&previous.proto);
    section
}

/// The identifiable formats of a section, in order.
pub(crate) fn section_codecs(section: &MediaDescription) -> Vec<PayloadCodec> {
    section
        .formats
        .iter()
        .filter_map(|f| describe_format(section, f))
        .collect()
}

/// Reads the answer to `pending` (RFC 3264 §6, §7).
///
/// Formats the answer adds that we never offered are ignored: RFC 3264 §6.1 lets an
/// answerer list formats it could also receive, but we may only send what we offered.
pub(crate) fn negotiate_answer(
    pending: &PendingOffer,
    answer: &SessionDescription,
) -> Result<Negotiated, OfferAnswerError> {
    check_shape(&pending.sdp, answer)?;
    let index = pending.audio_index;
    let Some(section) = answer.media.get(index).filter(|m| m.port != 0) else {
        // RFC 3264 §6: the answerer rejected the stream with port 0.
        return Ok(Negotiated::none());
    };
    // RFC 4568 §7.1.2: an SRTP offer needs an answer with one of our crypto lines; without
    // one no audio flows (never in clear).
    let srtp = match &pending.srtp {
        Some(key) => match super::sdes::read_answer(section, key) {
            Some(keys) => Some(keys),
            None => return Ok(Negotiated::none()),
        },
        None => None,
    };
    let matched = match_answer(pending, section, index)?;
    // RFC 3264 §7: "SHOULD use the first media format listed in the answer", with the
    // answer's payload type number (RFC 3264 §5.1).
    let send = matched
        .iter()
        .find(|(ours, _)| ours.codec.is_audio())
        .map(|(ours, theirs)| PayloadCodec {
            payload_type: theirs.payload_type,
            codec: Codec {
                fmtp: theirs.codec.fmtp.clone(),
                ..ours.codec.clone()
            },
        })
        .ok_or(OfferAnswerError::NoCommonCodec)?;
    let rtcp_mux = pending.rtcp_mux && has_rtcp_mux(section);
    let (remote_rtp, remote_rtcp) = remote_addresses(answer, section, rtcp_mux);
    let telephone_event_pt = super::answer::telephone_event_pt(
        matched.iter().map(|(_, theirs)| theirs),
        send.codec.clock_rate,
    );
    Ok(Negotiated {
        media_index: Some(index),
        remote_rtp,
        remote_rtcp,
        receive_codecs: receive_codecs(pending, &matched),
        send_codec: Some(send),
        telephone_event_pt,
        local_direction: pending.direction,
        remote_direction: section.direction(answer),
        rtcp_mux,
        ptime: section.ptime(),
        srtp,
    })
}

/// RFC 3264 §6: as many `m=` lines as the offer, each of the same media type (§6.1).
fn check_shape(
    offer: &SessionDescription,
    answer: &SessionDescription,
) -> Result<(), OfferAnswerError> {
    if answer.media.len() != offer.media.len() {
        return Err(OfferAnswerError::MediaCountMismatch {
            expected: offer.media.len(),
            found: answer.media.len(),
        });
    }
    let mismatch = offer
        .media
        .iter()
        .zip(&answer.media)
        .enumerate()
        .find(|(_, (o, a))| !o.media.eq_ignore_ascii_case(&a.media));
    match mismatch {
        Some((index, (o, a))) => Err(OfferAnswerError::MediaTypeMismatch {
            index,
            expected: o.media.clone(),
            found: a.media.clone(),
        }),
        None => Ok(()),
    }
}

/// Pairs each answered format with the offered codec it names (ours, theirs), in answer
/// order, mapping by name/rate/channels rather than by number (RFC 3264 §6.1).
fn match_answer<'a>(
    pending: &'a PendingOffer,
    section: &MediaDescription,
    index: usize,
) -> Result<Vec<(&'a PayloadCodec, PayloadCodec)>, OfferAnswerError> {
    let mut matched = Vec::new();
    for format in &section.formats {
        let theirs = describe_format(section, format).or_else(|| {
            // Leniency: an answer that reuses one of our dynamic numbers without an
            // rtpmap (RFC 3264 §6.1 says it MUST have one) means our codec.
            let pt = payload_type(format)?;
            let ours = pending.offered.iter().find(|o| o.payload_type == pt)?;
            Some(PayloadCodec {
                payload_type: pt,
                codec: ours.codec.clone().without_fmtp(),
            })
        });
        let theirs = theirs.ok_or_else(|| OfferAnswerError::UnknownPayload {
            index,
            format: format.clone(),
        })?;
        if let Some(ours) = pending
            .offered
            .iter()
            .find(|o| o.codec.matches(&theirs.codec))
        {
            matched.push((ours, theirs));
        }
    }
    Ok(matched)
}

/// What we may receive: the answerer MUST send with our offer's numbers (RFC 3264
/// §6.1), limited to the formats the answer kept (§7). Its own numbers are accepted too
/// where they clash with nothing we offered, for answerers that get this wrong.
fn receive_codecs(
    pending: &PendingOffer,
    matched: &[(&PayloadCodec, PayloadCodec)],
) -> BTreeMap<u8, Codec> {
    let mut receive: BTreeMap<u8, Codec> = matched
        .iter()
        .map(|(ours, _)| (ours.payload_type, ours.codec.clone()))
        .collect();
    for (ours, theirs) in matched {
        let clashes = pending
            .offered
            .iter()
            .any(|o| o.payload_type == theirs.payload_type);
        if !clashes {
            receive
                .entry(theirs.payload_type)
                .or_insert_with(|| ours.codec.clone());
        }
    }
    receive
}
