//! SDP, the Session Description Protocol: parse, model and print offers and answers.
//!
//! The model follows RFC 8866 (SDP) §5 line by line and §9 for the grammar, with the
//! pieces a softphone needs for RFC 3264 offer/answer (media direction defaults,
//! per-media connection fallback). Typed attributes cover:
//!
//! * RFC 8866 §6: `rtpmap`, `fmtp`, `ptime`, `maxptime`, `sendrecv`/`sendonly`/`recvonly`/`inactive`;
//! * RFC 3605: `rtcp` (explicit RTCP port and address);
//! * RFC 5761: `rtcp-mux`;
//! * RFC 4568: `crypto` (SDES keys for SRTP);
//! * RFC 8839 / RFC 5245 §15: `candidate`, `ice-ufrag`, `ice-pwd`, `ice-options`, `end-of-candidates`;
//! * RFC 4145 / RFC 8122: `setup`, `fingerprint` (DTLS-SRTP).
//!
//! Every other attribute and every unknown line type is kept verbatim and in order, so a
//! description survives `parse` → `to_string` without losing what we do not understand.
//!
//! Parsing is lenient where deployed phones are sloppy (LF line ends, trailing blanks,
//! missing `s=` or `t=`, lines out of order) and strict where a mistake would derail a
//! call (version, origin, ports, `c=`, `rtpmap`, `candidate`); see [`SessionDescription::parse`].
//! Printing always yields canonical RFC 8866 §5 order with CRLF line ends, and
//! `parse(&sd.to_string()) == Ok(sd)` holds for every description in canonical form.
//!
//! Pure code: no I/O, no clock, no threads.

mod attribute;
mod crypto;
mod error;
mod ice;
mod parse;
mod print;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::str::FromStr;

pub use attribute::{Attribute, Direction, Fingerprint, Fmtp, Rtcp, RtpMap, Setup};
pub use crypto::{Crypto, InlineKey, Mki};
pub use error::{SdpError, SdpErrorKind};
pub use ice::Candidate;

/// A whole session description: the session-level section plus its media sections.
///
/// Field order mirrors RFC 8866 §5; printing with [`std::fmt::Display`] emits them in
/// exactly that order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=`: who created the session and which version of it this is (RFC 8866 §5.2).
    pub origin: Origin,
    /// `s=`: session name; "-" when the sender left it out (RFC 8866 §5.3).
    pub session_name: String,
    /// `i=`: free-text session information (RFC 8866 §5.4).
    pub information: Option<String>,
    /// `u=`: URI with more information, kept verbatim (RFC 8866 §5.5).
    pub uri: Option<String>,
    /// `e=` lines, kept verbatim (RFC 8866 §5.6).
    pub emails: Vec<String>,
    /// `p=` lines, kept verbatim (RFC 8866 §5.6).
    pub phones: Vec<String>,
    /// Session-level `c=`, the default for media sections without their own (RFC 8866 §5.7).
    pub connection: Option<Connection>,
    /// Session-level `b=` lines (RFC 8866 §5.8).
    pub bandwidths: Vec<Bandwidth>,
    /// `t=` lines with their `r=` lines; a parsed description always has at least one.
    pub timing: Vec<Timing>,
    /// `z=`: time zone adjustments, kept verbatim (RFC 8866 §5.11).
    pub time_zones: Option<String>,
    /// `k=`: obsolete encryption key line, kept verbatim (RFC 8866 §5.12).
    pub encryption_key: Option<String>,
    /// Session-level `a=` lines in their original order (RFC 8866 §5.13).
    pub attributes: Vec<Attribute>,
    /// Session-level lines of unknown type, kept so they print back.
    pub other_lines: Vec<OtherLine>,
    /// The `m=` sections in order (RFC 8866 §5.14).
    pub media: Vec<MediaDescription>,
}

/// The `o=` line: `<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Login of the originating user, "-" when not given.
    pub username: String,
    /// Numeric session identifier.
    pub session_id: u64,
    /// Version, bumped on every change of the description (RFC 3264 §8).
    pub session_version: u64,
    /// Network type, normally "IN".
    pub nettype: String,
    /// Address type, normally "IP4" or "IP6".
    pub addrtype: String,
    /// Address or FQDN of the machine that created the session.
    pub address: String,
}

/// The `c=` line: `<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7).
///
/// For `IP4` the address may carry `/<ttl>[/<number of addresses>]`, for `IP6`
/// `/<number of addresses>`; these are split into fields. For any other address type
/// the whole connection-address stays in `address` and the two fields are unused.
/// Printing writes `num_addresses` for `IP4` only when `ttl` is set, as the grammar requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Network type, normally "IN".
    pub nettype: String,
    /// Address type, normally "IP4" or "IP6".
    pub addrtype: String,
    /// The address without any `/ttl` or `/count` suffix.
    pub address: String,
    /// IPv4 multicast TTL.
    pub ttl: Option<u8>,
    /// Number of contiguous multicast addresses.
    pub num_addresses: Option<u32>,
}

/// A `b=<bwtype>:<bandwidth>` line (RFC 8866 §5.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bandwidth {
    /// Bandwidth type such as "AS", "CT", "TIAS".
    pub bwtype: String,
    /// The value, in the unit the type defines (kbit/s for AS and CT).
    pub value: u64,
}

/// A `t=<start> <stop>` line plus the `r=` lines that follow it (RFC 8866 §5.9, §5.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// Start time in NTP seconds; 0 means "unbounded".
    pub start: u64,
    /// Stop time in NTP seconds; 0 means "unbounded".
    pub stop: u64,
    /// `r=` lines, kept verbatim because a softphone never schedules sessions.
    pub repeats: Vec<String>,
}

/// A line whose type letter is not one RFC 8866 §5 defines for its section, kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherLine {
    /// Everything before the first `=`.
    pub key: String,
    /// Everything after the first `=`.
    pub value: String,
}

/// One `m=` section: `m=<media> <port>[/<count>] <proto> <fmt> ...` and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// Media type: "audio", "video", "application", ...
    pub media: String,
    /// Transport port; 0 marks a rejected or disabled stream (RFC 3264 §6).
    pub port: u16,
    /// The optional `/<number of ports>` (RFC 8866 §5.14).
    pub port_count: Option<u16>,
    /// Transport protocol such as "RTP/AVP", "RTP/SAVP", "UDP/TLS/RTP/SAVPF".
    pub proto: String,
    /// Format list; RTP payload type numbers for RTP profiles.
    pub formats: Vec<String>,
    /// `i=`: media title.
    pub title: Option<String>,
    /// Media-level `c=`, overriding the session-level one.
    pub connection: Option<Connection>,
    /// Media-level `b=` lines.
    pub bandwidths: Vec<Bandwidth>,
    /// `k=`: obsolete encryption key line, kept verbatim.
    pub encryption_key: Option<String>,
    /// Media-level `a=` lines in their original order.
    pub attributes: Vec<Attribute>,
    /// Lines of unknown (or session-only) type inside this section, kept verbatim.
    pub other_lines: Vec<OtherLine>,
}

impl SessionDescription {
    /// Parses a description; see the module docs for what is lenient and what is strict.
    ///
    /// Lenient: LF or CRLF line ends, trailing spaces/tabs, blank lines, missing `s=`
    /// (becomes "-"), missing `t=` (becomes `t=0 0`), session lines out of order,
    /// unknown line types and unknown or malformed optional attributes (kept verbatim).
    /// Strict: `v=` must be first and be 0, `o=` must be present and well-formed, `c=`,
    /// `b=`, `t=` and `m=` must be well-formed, `rtpmap` and `candidate` must be valid,
    /// and once-only lines (`o= s= i= u= c= z= k=` per section) must not repeat.
    pub fn parse(text: &str) -> Result<Self, SdpError> {
        parse::parse_session(text)
    }

    /// Like [`SessionDescription::parse`], after checking that `bytes` are UTF-8.
    pub fn parse_bytes(bytes: &[u8]) -> Result<Self, SdpError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Self::parse(text),
            Err(e) => {
                let valid_up_to = e.valid_up_to();
                let line = 1 + bytes[..valid_up_to].iter().filter(|&&b| b == b'\n').count();
                Err(SdpError::new(
                    line,
                    None,
                    SdpErrorKind::NotUtf8 { valid_up_to },
                ))
            }
        }
    }

    /// A minimal description: `s=-`, `t=0 0`, the given origin and session-level `c=`, no media.
    pub fn new(origin: Origin, connection: Connection) -> Self {
        Self {
            origin,
            session_name: "-".to_owned(),
            information: None,
            uri: None,
            emails: Vec::new(),
            phones: Vec::new(),
            connection: Some(connection),
            bandwidths: Vec::new(),
            timing: vec![Timing::unbounded()],
            time_zones: None,
            encryption_key: None,
            attributes: Vec::new(),
            other_lines: Vec::new(),
            media: Vec::new(),
        }
    }

    /// Appends a session-level attribute.
    pub fn push_attribute(&mut self, attribute: Attribute) {
        self.attributes.push(attribute);
    }

    /// The session-level direction attribute, if any (RFC 8866 §6.7).
    pub fn direction(&self) -> Option<Direction> {
        first_direction(&self.attributes)
    }

    /// The connection that applies to `media`: its own `c=`, else the session-level one
    /// (RFC 8866 §5.7).
    pub fn connection_for<'a>(&'a self, media: &'a MediaDescription) -> Option<&'a Connection> {
        media.connection.as_ref().or(self.connection.as_ref())
    }
}

impl FromStr for SessionDescription {
    type Err = SdpError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Origin {
    /// An origin with nettype "IN" and addrtype guessed from `address` ("IP6" if it has a colon).
    pub fn new(
        username: impl Into<String>,
        session_id: u64,
        session_version: u64,
        address: impl Into<String>,
    ) -> Self {
        let address = address.into();
        Self {
            username: username.into(),
            session_id,
            session_version,
            nettype: "IN".to_owned(),
            addrtype: addrtype_for(&address).to_owned(),
            address,
        }
    }
}

impl Connection {
    /// A unicast connection with nettype "IN" and addrtype guessed from `address`.
    pub fn new(address: impl Into<String>) -> Self {
        let address = address.into();
        Self {
            nettype: "IN".to_owned(),
            addrtype: addrtype_for(&address).to_owned(),
            address,
            ttl: None,
            num_addresses: None,
        }
    }
}

impl Timing {
    /// `t=0 0`: a permanent session, what every SIP call uses (RFC 3264 §5).
    pub fn unbounded() -> Self {
        Self {
            start: 0,
            stop: 0,
            repeats: Vec::new(),
        }
    }
}

impl MediaDescription {
    /// An `m=audio <port> RTP/AVP <formats>` section with no other lines.
    pub fn audio<S: Into<String>>(port: u16, formats: impl IntoIterator<Item = S>) -> Self {
        Self {
            media: "audio".to_owned(),
            port,
            port_count: None,
            proto: "RTP/AVP".to_owned(),
            formats: formats.into_iter().map(Into::into).collect(),
            title: None,
            connection: None,
            bandwidths: Vec::new(),
            encryption_key: None,
            attributes: Vec::new(),
            other_lines: Vec::new(),
        }
    }

    /// Appends a media-level attribute.
    pub fn push_attribute(&mut self, attribute: Attribute) {
        self.attributes.push(attribute);
    }

    /// The direction attribute of this section alone, if any.
    pub fn own_direction(&self) -> Option<Direction> {
        first_direction(&self.attributes)
    }

    /// The effective direction: this section's, else the session's, else sendrecv
    /// (RFC 8866 §6.7, RFC 3264 §5.1).
    pub fn direction(&self, session: &SessionDescription) -> Direction {
        self.own_direction()
            .or_else(|| session.direction())
            .unwrap_or(Direction::SendRecv)
    }

    /// All `rtpmap` attributes of this section, in order.
    pub fn rtpmaps(&self) -> impl Iterator<Item = &RtpMap> {
        self.attributes.iter().filter_map(|a| match a {
            Attribute::RtpMap(m) => Some(m),
            _ => None,
        })
    }

    /// The `rtpmap` for a payload type, if present.
    pub fn rtpmap(&self, payload_type: u8) -> Option<&RtpMap> {
        self.rtpmaps().find(|m| m.payload_type == payload_type)
    }

    /// The `fmtp` for a format (e.g. "101"), if present.
    pub fn fmtp(&self, format: &str) -> Option<&Fmtp> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Fmtp(f) if f.format == format => Some(f),
            _ => None,
        })
    }

    /// The integer `ptime`, if present (RFC 8866 §6.4).
    pub fn ptime(&self) -> Option<u32> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Ptime(p) => Some(*p),
            _ => None,
        })
    }

    /// All ICE candidates of this section, in order (RFC 8839 §5.1).
    pub fn candidates(&self) -> impl Iterator<Item = &Candidate> {
        self.attributes.iter().filter_map(|a| match a {
            Attribute::Candidate(c) => Some(c),
            _ => None,
        })
    }
}

/// RFC 8866 §6.7 allows at most one direction attribute per level; take the first.
fn first_direction(attributes: &[Attribute]) -> Option<Direction> {
    attributes.iter().find_map(|a| match a {
        Attribute::Direction(d) => Some(*d),
        _ => None,
    })
}

/// IPv6 literals are the only addresses with a colon (RFC 5245 §15.1 uses the same rule).
fn addrtype_for(address: &str) -> &'static str {
    if address.contains(':') { "IP6" } else { "IP4" }
}
