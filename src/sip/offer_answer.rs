//! SDP offer/answer for one session (RFC 3264), audio only, sans-IO.
//!
//! [`OfferAnswer`] builds our offers (RFC 3264 §5.1), answers the peer's offers
//! (RFC 3264 §6, §6.1), reads answers to ours (RFC 3264 §7) and keeps what the session
//! needs between exchanges (RFC 3264 §8): the `o=` line whose version rises by one
//! exactly when our description changes, the `m=` slots of earlier descriptions, and the
//! dynamic payload type bindings, which never change within a session (§8.3.2).
//! [`hold_direction`] and [`resume_direction`] follow RFC 6337 §5.3.
//!
//! One audio stream over plain `RTP/AVP` is used. Every other `m=` line (video, a second
//! audio stream, SRTP or AVPF profiles, or audio without a common codec) is answered
//! with port 0 and its format list kept (RFC 3264 §6). Codecs are matched by name, clock
//! rate and channels ([`Codec::matches`]); fmtp values never block a match, since those
//! of Opus (RFC 7587 §7.1) and telephone-event (RFC 4733 §7.1.1) describe each side's
//! receiver and are answered with our own.
//!
//! Protocol outcomes are values: a rejected stream is a [`Negotiated`] that is not
//! active. `Err` is for misuse (an answer with no offer out, glare) and for descriptions
//! that break RFC 3264, so that the session stays as it was (RFC 3264 §4).
//!
//! Pure code: no I/O, no clock, no randomness (the session id and first version come in).

mod answer;
mod codec;
mod negotiated;
mod offer;
mod sdes;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::IpAddr;

use thiserror::Error;

pub use codec::{Codec, DYNAMIC_PAYLOAD_FIRST, DYNAMIC_PAYLOAD_LAST, PayloadCodec};
pub use negotiated::{Negotiated, answer_direction, hold_direction, resume_direction};
pub use sdes::{MasterKey, SrtpKeys};

use crate::sip::sdp::{
    Connection, Direction, MediaDescription, Origin, SessionDescription, Timing,
};
use offer::PendingOffer;

/// What we want for the audio stream at the time of an offer or answer (RFC 6337 §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMedia {
    /// Where we receive RTP; written as `c=` (and fixed into `o=` on first use).
    pub address: IpAddr,
    /// The RTP port; RTCP is on the next one unless rtcp-mux is agreed (RFC 3264 §5.1).
    pub rtp_port: u16,
    /// Codecs in order of preference, telephone-event included if wanted.
    pub codecs: Vec<Codec>,
    /// The direction we want; see [`hold_direction`].
    pub direction: Direction,
    /// Whether to offer, or accept, RTP and RTCP on one port (RFC 5761).
    pub rtcp_mux: bool,
    /// The packetization interval (ms) we want to receive (RFC 3264 §5.1), if any.
    pub ptime: Option<u32>,
    /// Our SRTP master key: with one we offer RTP/SAVP keyed by SDES (RFC 4568) and accept
    /// an RTP/SAVP offer; without one, plain RTP/AVP only. Give one only when signalling is
    /// encrypted (TLS): SDES keys travel in the SDP.
    pub srtp: Option<MasterKey>,
}

impl LocalMedia {
    /// Sendrecv media on `address:rtp_port` with `codecs`, no rtcp-mux, no ptime.
    pub fn new(address: IpAddr, rtp_port: u16, codecs: Vec<Codec>) -> Self {
        Self {
            address,
            rtp_port,
            codecs,
            direction: Direction::SendRecv,
            rtcp_mux: false,
            ptime: None,
            srtp: None,
        }
    }
}

/// Misuse of [`OfferAnswer`], or a peer description that breaks RFC 3264.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OfferAnswerError {
    /// The `o=` numbers must fit a signed 64-bit integer and the first version must
    /// leave room to grow (RFC 3264 §5).
    #[error(
        "o= out of range: session id {session_id} must be at most 2^63-1 and version {version} below 2^62-1 (RFC 3264 §5)"
    )]
    InvalidOrigin {
        /// The session id given.
        session_id: u64,
        /// The initial version given.
        version: u64,
    },
    /// [`LocalMedia::codecs`] holds no audio codec to offer.
    #[error("no audio codec to offer")]
    NoLocalCodecs,
    /// [`OfferAnswer::create_offer`] while our previous offer awaits its answer
    /// (RFC 3264 §4); call [`OfferAnswer::cancel_offer`] if it failed.
    #[error("an offer of ours already awaits its answer (RFC 3264 §4)")]
    OfferOutstanding,
    /// An offer arrived while ours awaits its answer: glare (RFC 3264 §4); SIP answers
    /// it with 491.
    #[error("received an offer while ours awaits its answer: glare (RFC 3264 §4)")]
    Glare,
    /// [`OfferAnswer::process_answer`] with no offer of ours outstanding.
    #[error("no offer of ours awaits an answer (RFC 3264 §4)")]
    NotAnswering,
    /// The answer's `m=` line count differs from the offer's (RFC 3264 §6).
    #[error("the answer has {found} m= lines, the offer had {expected} (RFC 3264 §6)")]
    MediaCountMismatch {
        /// Lines in our offer.
        expected: usize,
        /// Lines in the answer.
        found: usize,
    },
    /// An answered `m=` line changed the media type (RFC 3264 §6.1).
    #[error(
        "m= line {index} is {found:?} in the answer but {expected:?} in the offer (RFC 3264 §6.1)"
    )]
    MediaTypeMismatch {
        /// Zero-based `m=` line index.
        index: usize,
        /// The offered media type.
        expected: String,
        /// The answered media type.
        found: String,
    },
    /// An answered format has neither an rtpmap nor a static meaning (RFC 3264 §6.1).
    #[error(
        "format {format:?} of m= line {index} has no rtpmap and no static payload type (RFC 3264 §6.1)"
    )]
    UnknownPayload {
        /// Zero-based `m=` line index.
        index: usize,
        /// The format as written.
        format: String,
    },
    /// No audio codec in common: for an offer, the whole offered session is rejected
    /// (RFC 3264 §6, answer 488); for an answer, it named none of our audio codecs.
    #[error("no audio codec in common (RFC 3264 §6)")]
    NoCommonCodec,
}

/// Offer/answer state of one session (RFC 3264 §4, §8).
#[derive(Debug, Clone)]
pub struct OfferAnswer {
    username: String,
    session_id: u64,
    /// The version of the last description we sent, or the first one to send.
    version: u64,
    /// Fixed by the first description: only the version may change (RFC 3264 §8).
    origin_address: Option<String>,
    /// The last description we sent, offer or answer: RFC 3264 §8's "previous SDP".
    last_sent: Option<SessionDescription>,
    pending: Option<PendingOffer>,
    local: Option<SessionDescription>,
    remote: Option<SessionDescription>,
    negotiated: Option<Negotiated>,
    /// Every dynamic payload type bound on the audio stream this session (RFC 3264 §8.3.2).
    bindings: BTreeMap<u8, Codec>,
}

/// RFC 3264 §5: "The initial value of the version MUST be less than (2**62)-1".
const MAX_INITIAL_VERSION: u64 = (1 << 62) - 2;

impl OfferAnswer {
    /// State for a new session with the `o=` username, session id and first version
    /// (the caller picks them, e.g. from an NTP timestamp or a seeded RNG).
    pub fn new(
        username: impl Into<String>,
        session_id: u64,
        initial_version: u64,
    ) -> Result<Self, OfferAnswerError> {
        // RFC 3264 §5: both numbers must be representable as a signed 64-bit integer.
        if session_id > i64::MAX as u64 || initial_version > MAX_INITIAL_VERSION {
            return Err(OfferAnswerError::InvalidOrigin {
                session_id,
                version: initial_version,
            });
        }
        Ok(Self {
            username: username.into(),
            session_id,
            version: initial_version,
            origin_address: None,
            last_sent: None,
            pending: None,
            local: None,
            remote: None,
            negotiated: None,
            bindings: BTreeMap::new(),
        })
    }

    /// Builds an offer from `local` (RFC 3264 §5.1) and marks it outstanding.
    ///
    /// Payload types: static where RFC 3551 assigns one, else the one the codec already
    /// had in this session, else the lowest free one from 96 (RFC 3264 §8.3.2). Earlier
    /// `m=` lines keep their slots, disabled with port 0 (RFC 3264 §8); the audio stream
    /// keeps its slot. The `o=` version rises by one only if the description differs
    /// from the last one we sent (RFC 3264 §8).
    pub fn create_offer(
        &mut self,
        local: &LocalMedia,
    ) -> Result<SessionDescription, OfferAnswerError> {
        if self.pending.is_some() {
            return Err(OfferAnswerError::OfferOutstanding);
        }
        let audio_index = self.audio_slot();
        let previous = self.last_sent.as_ref();
        let previous_codecs = previous
            .and_then(|sd| sd.media.get(audio_index))
            .map(offer::section_codecs)
            .unwrap_or_default();
        let offered = offer::assign_payload_types(&local.codecs, &previous_codecs, &self.bindings);
        if !offered.iter().any(|c| c.codec.is_audio()) {
            return Err(OfferAnswerError::NoLocalCodecs);
        }
        let profile = match local.srtp {
            Some(_) => sdes::SECURE_PROFILE,
            None => offer::PROFILE,
        };
        let mut audio =
            offer::audio_section(local, profile, &offered, local.direction, local.rtcp_mux);
        if let Some(key) = &local.srtp {
            // RFC 4568 §6.1: one a=crypto line per suite we offer.
            audio.attributes.extend(sdes::offer_lines(key));
        }
        // RFC 3264 §8: "the number of m= lines ... never decreases".
        let count = previous.map_or(0, |sd| sd.media.len()).max(audio_index + 1);
        let mut audio = Some(audio);
        let media: Vec<MediaDescription> = (0..count)
            .filter_map(|i| {
                if i == audio_index {
                    audio.take()
                } else {
                    previous
                        .and_then(|sd| sd.media.get(i))
                        .map(offer::disabled_section)
                }
            })
            .collect();
        let sdp = self.seal(local.address, media, vec![Timing::unbounded()]);
        self.bind(&offered);
        self.pending = Some(PendingOffer {
            sdp: sdp.clone(),
            audio_index,
            offered,
            direction: local.direction,
            rtcp_mux: local.rtcp_mux,
            srtp: local.srtp.clone(),
        });
        Ok(sdp)
    }

    /// Reads the answer to our outstanding offer (RFC 3264 §6, §7).
    ///
    /// The offerer sends with the answer's first codec we offered, under the answer's
    /// payload type (RFC 3264 §5.1, §7). An audio stream answered with port 0 yields a
    /// [`Negotiated`] that is not active. On error the offer is no longer outstanding
    /// and the session stays as before it (RFC 3264 §4).
    pub fn process_answer(
        &mut self,
        answer: &SessionDescription,
    ) -> Result<Negotiated, OfferAnswerError> {
        let pending = self.pending.take().ok_or(OfferAnswerError::NotAnswering)?;
        let negotiated = offer::negotiate_answer(&pending, answer)?;
        if let Some(section) = negotiated.media_index.and_then(|i| answer.media.get(i)) {
            self.bind(&offer::section_codecs(section));
        }
        self.local = Some(pending.sdp);
        self.commit(answer, &negotiated);
        Ok(negotiated)
    }

    /// Answers the peer's offer with `local` (RFC 3264 §6, §6.1).
    ///
    /// The answer has one `m=` line per offered one, in order, and the offer's `t=`. The
    /// first enabled `RTP/AVP` audio stream with an audio codec in common is accepted:
    /// our codecs in the offerer's order under the offerer's numbers, the direction from
    /// [`answer_direction`], rtcp-mux if offered and wanted. Everything else gets port 0.
    ///
    /// Errors leave the state untouched: [`OfferAnswerError::Glare`] while our offer is
    /// out, [`OfferAnswerError::NoCommonCodec`] when the offer wants media and we can
    /// accept none (answer 488 then, RFC 3264 §6).
    pub fn process_offer(
        &mut self,
        offer: &SessionDescription,
        local: &LocalMedia,
    ) -> Result<(SessionDescription, Negotiated), OfferAnswerError> {
        if self.pending.is_some() {
            return Err(OfferAnswerError::Glare);
        }
        let (media, negotiated) = answer::answer_media(offer, local)?;
        // RFC 3264 §6: "The t= line in the answer MUST equal that of the offer."
        let answer = self.seal(local.address, media, offer.timing.clone());
        if let Some(section) = negotiated.media_index.and_then(|i| offer.media.get(i)) {
            self.bind(&offer::section_codecs(section));
        }
        self.local = Some(answer.clone());
        self.commit(offer, &negotiated);
        Ok((answer, negotiated))
    }

    /// Withdraws our outstanding offer after it failed (a 488 or 491 response, a
    /// timeout, a CANCEL): the session reverts to its state before the offer
    /// (RFC 3264 §4). The version stays, since the peer may have seen the offer.
    /// Returns whether an offer was outstanding.
    pub fn cancel_offer(&mut self) -> bool {
        self.pending.take().is_some()
    }

    /// Our offer that awaits its answer, if any.
    pub fn pending_offer(&self) -> Option<&SessionDescription> {
        self.pending.as_ref().map(|p| &p.sdp)
    }

    /// Our description from the last completed exchange.
    pub fn local_description(&self) -> Option<&SessionDescription> {
        self.local.as_ref()
    }

    /// The peer's description from the last completed exchange.
    pub fn remote_description(&self) -> Option<&SessionDescription> {
        self.remote.as_ref()
    }

    /// What the last completed exchange settled.
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.negotiated.as_ref()
    }

    /// The `o=` session id.
    pub fn session_id(&self) -> u64 {
        self.session_id
    }

    /// The `o=` version of the last description we sent (or of the first to send).
    pub fn session_version(&self) -> u64 {
        self.version
    }

    /// Where the audio goes: the negotiated slot, else an earlier audio slot (RFC 3264
    /// §8.1 lets a disabled slot be reused), else a new line below the others.
    fn audio_slot(&self) -> usize {
        let negotiated = self.negotiated.as_ref().and_then(|n| n.media_index);
        let previous = self.last_sent.as_ref();
        negotiated
            .or_else(|| previous?.media.iter().position(|m| m.media == "audio"))
            .unwrap_or_else(|| previous.map_or(0, |sd| sd.media.len()))
    }

    /// Stamps `o=`, `c=` and `t=` on `media` and applies RFC 3264 §8: same `o=` apart from
    /// a version that rises by one when, and only when, the description changed.
    fn seal(
        &mut self,
        address: IpAddr,
        media: Vec<MediaDescription>,
        timing: Vec<Timing>,
    ) -> SessionDescription {
        let origin_address = self
            .origin_address
            .get_or_insert_with(|| address.to_string())
            .clone();
        let origin = Origin::new(
            self.username.clone(),
            self.session_id,
            self.version,
            origin_address,
        );
        let mut sdp = SessionDescription::new(origin, Connection::new(address.to_string()));
        // An offer built in code may lack t=; printing would add `t=0 0` anyway.
        if !timing.is_empty() {
            sdp.timing = timing;
        }
        sdp.media = media;
        if self.last_sent.as_ref().is_some_and(|last| *last != sdp) {
            self.version = self.version.saturating_add(1);
            sdp.origin.session_version = self.version;
        }
        self.last_sent = Some(sdp.clone());
        sdp
    }

    /// Records dynamic bindings; the first binding of a number wins (RFC 3264 §8.3.2).
    fn bind(&mut self, codecs: &[PayloadCodec]) {
        for c in codecs
            .iter()
            .filter(|c| c.payload_type >= DYNAMIC_PAYLOAD_FIRST)
        {
            self.bindings
                .entry(c.payload_type)
                .or_insert_with(|| c.codec.clone().without_fmtp());
        }
    }

    fn commit(&mut self, remote: &SessionDescription, negotiated: &Negotiated) {
        self.remote = Some(remote.clone());
        self.negotiated = Some(negotiated.clone());
    }
}
