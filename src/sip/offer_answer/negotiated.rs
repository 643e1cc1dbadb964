//! The outcome of one offer/answer exchange for the audio stream, media direction rules
//! (RFC 3264 §6.1, RFC 6337 §5.3) and where to send RTP and RTCP (RFC 3264 §5.1, §8.4,
//! RFC 3605 §2.1, RFC 5761 §5.1.1).

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use super::codec::{Codec, PayloadCodec};
use crate::sip::sdp::{Attribute, Connection, Direction, MediaDescription, SessionDescription};

/// What an offer/answer exchange settled for the audio stream.
///
/// When no audio stream is in use (the peer rejected it with port 0, or the offer had no
/// stream with a non-zero port), `media_index` and `send_codec` are `None`, the maps are
/// empty and both directions are [`Direction::Inactive`]; see [`Negotiated::is_active`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// Index of the audio `m=` line in both descriptions; `None` when no audio flows.
    pub media_index: Option<usize>,
    /// Where to send RTP: the peer's `c=` address and `m=` port. `None` when the stream
    /// is rejected (port 0) or the address is 0.0.0.0/:: (RFC 3264 §8.4 legacy hold)
    /// or not an IP literal.
    pub remote_rtp: Option<SocketAddr>,
    /// Where to send RTCP: the RTP address with rtcp-mux (RFC 5761 §5.1.1), else
    /// `a=rtcp` (RFC 3605 §2.1), else the RTP port plus one (RFC 3264 §5.1).
    pub remote_rtcp: Option<SocketAddr>,
    /// The codec to send with and the peer's payload type for it: the first codec of the
    /// answer for the offerer (RFC 3264 §7), the first supported codec of the offer for
    /// the answerer (RFC 3264 §6.1). Its `fmtp` is the peer's, which describes what the
    /// peer wants to receive (RFC 7587 §7.1).
    pub send_codec: Option<PayloadCodec>,
    /// Payload types we may receive and what they carry (with our own `fmtp`).
    pub receive_codecs: BTreeMap<u8, Codec>,
    /// The peer's payload type for RFC 4733 telephone events, for sending DTMF.
    pub telephone_event_pt: Option<u8>,
    /// The direction our description declared.
    pub local_direction: Direction,
    /// The direction the peer's description declared.
    pub remote_direction: Direction,
    /// Whether RTP and RTCP share one port (RFC 5761 §5.1.1: offered and answered).
    pub rtcp_mux: bool,
    /// The packetization interval (ms) the peer asked to receive (RFC 3264 §6.1, §7).
    pub ptime: Option<u32>,
    /// SRTP keys when the stream is RTP/SAVP keyed by SDES (RFC 4568); `None`: plain RTP.
    pub srtp: Option<super::SrtpKeys>,
}

impl Negotiated {
    /// No audio stream: everything empty and inactive.
    pub(crate) fn none() -> Self {
        Self {
            media_index: None,
            remote_rtp: None,
            remote_rtcp: None,
            send_codec: None,
            receive_codecs: BTreeMap::new(),
            telephone_event_pt: None,
            local_direction: Direction::Inactive,
            remote_direction: Direction::Inactive,
            rtcp_mux: false,
            ptime: None,
            srtp: None,
        }
    }

    /// Whether an audio stream was accepted by both sides.
    pub fn is_active(&self) -> bool {
        self.media_index.is_some()
    }

    /// Whether we should send RTP now: both descriptions allow it and we know where to.
    pub fn can_send(&self) -> bool {
        self.send_codec.is_some()
            && self.remote_rtp.is_some()
            && sends(self.local_direction)
            && receives(self.remote_direction)
    }

    /// Whether the peer may send RTP to us now, by both descriptions.
    pub fn can_receive(&self) -> bool {
        self.is_active() && receives(self.local_direction) && sends(self.remote_direction)
    }
}

/// Whether a stream marked `direction` is sent on by the side that wrote it.
fn sends(direction: Direction) -> bool {
    matches!(direction, Direction::SendRecv | Direction::SendOnly)
}

/// Whether a stream marked `direction` is received on by the side that wrote it.
fn receives(direction: Direction) -> bool {
    matches!(direction, Direction::SendRecv | Direction::RecvOnly)
}

fn from_flags(send: bool, receive: bool) -> Direction {
    match (send, receive) {
        (true, true) => Direction::SendRecv,
        (true, false) => Direction::SendOnly,
        (false, true) => Direction::RecvOnly,
        (false, false) => Direction::Inactive,
    }
}

/// The direction to answer an `offered` one with, given the direction we `want`.
///
/// RFC 3264 §6.1: sendonly is answered recvonly or inactive, recvonly is answered
/// sendonly or inactive, inactive is answered inactive, and sendrecv with anything. We
/// send only if we want to and the offerer receives, and receive only if we want to and
/// the offerer sends; so an offer on hold never puts us on hold (RFC 3264 §8.4) and our
/// own hold survives the peer's offers (RFC 6337 §5.3).
pub fn answer_direction(offered: Direction, want: Direction) -> Direction {
    from_flags(
        sends(want) && receives(offered),
        receives(want) && sends(offered),
    )
}

/// The direction to offer when the user puts the call on hold (RFC 3264 §8.4,
/// RFC 6337 §5.3): sendrecv becomes sendonly, recvonly becomes inactive; already held
/// directions stay.
pub fn hold_direction(current: Direction) -> Direction {
    match current {
        Direction::SendRecv | Direction::SendOnly => Direction::SendOnly,
        Direction::RecvOnly | Direction::Inactive => Direction::Inactive,
    }
}

/// The direction to offer when the user resumes a held call, undoing
/// [`hold_direction`] (RFC 6337 §5.3): sendonly becomes sendrecv, inactive recvonly.
pub fn resume_direction(current: Direction) -> Direction {
    match current {
        Direction::SendOnly | Direction::SendRecv => Direction::SendRecv,
        Direction::Inactive | Direction::RecvOnly => Direction::RecvOnly,
    }
}

/// Whether a media section carries `a=rtcp-mux` (a media-level attribute, RFC 5761 §5.1.1).
pub(crate) fn has_rtcp_mux(media: &MediaDescription) -> bool {
    media.attributes.contains(&Attribute::RtcpMux)
}

/// The peer's RTP and RTCP destinations for `media` of `session`.
pub(crate) fn remote_addresses(
    session: &SessionDescription,
    media: &MediaDescription,
    rtcp_mux: bool,
) -> (Option<SocketAddr>, Option<SocketAddr>) {
    // RFC 3264 §6: port 0 means the stream is not used.
    if media.port == 0 {
        return (None, None);
    }
    let Some(ip) = session.connection_for(media).and_then(usable_ip) else {
        return (None, None);
    };
    let rtp = SocketAddr::new(ip, media.port);
    if rtcp_mux {
        return (Some(rtp), Some(rtp));
    }
    let explicit = media.attributes.iter().find_map(|a| match a {
        Attribute::Rtcp(r) => Some(r),
        _ => None,
    });
    let rtcp = match explicit {
        // RFC 3605 §2.1: the address defaults to the media's own.
        Some(r) => match &r.connection {
            Some(c) => usable_ip(c).map(|ip| SocketAddr::new(ip, r.port)),
            None => Some(SocketAddr::new(ip, r.port)),
        }
        .filter(|a| a.port() != 0),
        // RFC 3264 §5.1: "reports are sent to the port number one higher".
        None => media.port.checked_add(1).map(|p| SocketAddr::new(ip, p)),
    };
    (Some(rtp), rtcp)
}

/// The IP literal of a connection, `None` for 0.0.0.0 / :: (RFC 3264 §8.4: send
/// neither RTP nor RTCP) and for host names, which this layer does not resolve.
fn usable_ip(connection: &Connection) -> Option<IpAddr> {
    connection
        .address
        .parse::<IpAddr>()
        .ok()
        .filter(|ip| !ip.is_unspecified())
}
