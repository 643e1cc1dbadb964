//! Codecs as offer/answer sees them: encoding name, clock rate, channels and format
//! parameters, plus the static audio payload types of RFC 3551 §6 (Table 4).
//!
//! Codecs are matched by encoding name (ASCII case-insensitive, RFC 4855 §3), clock rate
//! and channel count, never by payload type number (RFC 3264 §6.1: numbers are per side).

use crate::sip::sdp::{MediaDescription, RtpMap};

/// First payload type of the dynamic range (RFC 3551 §3).
pub const DYNAMIC_PAYLOAD_FIRST: u8 = 96;
/// Last payload type of the dynamic range; RTP has a 7-bit field (RFC 3551 §3).
pub const DYNAMIC_PAYLOAD_LAST: u8 = 127;

/// One media format we can send or receive, independent of any payload type number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Codec {
    /// Encoding name as in `a=rtpmap`: "opus", "PCMU", "PCMA", "G722", "telephone-event".
    pub name: String,
    /// RTP clock rate in Hz, as signalled (not necessarily the sampling rate).
    pub clock_rate: u32,
    /// Channel count; 1 when `a=rtpmap` leaves it out (RFC 8866 §6.6).
    pub channels: u16,
    /// Format parameters for `a=fmtp`, verbatim (e.g. "useinbandfec=1", "0-16").
    pub fmtp: Option<String>,
    /// The static payload type RFC 3551 §6 assigns, if any; others get a dynamic one.
    pub static_pt: Option<u8>,
}

/// A codec bound to the payload type number one side uses for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PayloadCodec {
    /// The RTP payload type number.
    pub payload_type: u8,
    /// The codec it stands for.
    pub codec: Codec,
}

impl Codec {
    /// A codec with a dynamic payload type and no format parameters.
    pub fn new(name: impl Into<String>, clock_rate: u32, channels: u16) -> Self {
        Self {
            name: name.into(),
            clock_rate,
            channels,
            fmtp: None,
            static_pt: None,
        }
    }

    /// Opus, always signalled as `opus/48000/2` (RFC 7587 §7), asking for in-band FEC
    /// (`useinbandfec=1`, a receive-side parameter, RFC 7587 §7.1).
    pub fn opus() -> Self {
        Self::new("opus", 48_000, 2).with_fmtp("useinbandfec=1")
    }

    /// G.711 µ-law, static payload type 0 (RFC 3551 §6).
    pub fn pcmu() -> Self {
        Self::static_codec("PCMU", 0)
    }

    /// G.711 A-law, static payload type 8 (RFC 3551 §6).
    pub fn pcma() -> Self {
        Self::static_codec("PCMA", 8)
    }

    /// G.722, static payload type 9; its RTP clock is 8000 Hz although it samples at
    /// 16 kHz (RFC 3551 §4.5.2).
    pub fn g722() -> Self {
        Self::static_codec("G722", 9)
    }

    /// The audio codecs a user may enable, by the names settings use.
    pub const NAMES: [&'static str; 4] = ["opus", "g722", "pcmu", "pcma"];

    /// The audio codec a settings name means (`opus`, `g722`, `pcmu`, `pcma`; any case).
    pub fn by_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "opus" => Some(Self::opus()),
            "g722" => Some(Self::g722()),
            "pcmu" => Some(Self::pcmu()),
            "pcma" => Some(Self::pcma()),
            _ => None,
        }
    }

    /// RFC 4733 named telephone events at the default 8000 Hz clock (RFC 4733 §2.1),
    /// receiving the DTMF digits and flash, events 0-16 (RFC 4733 §3.2, §7.1.1).
    pub fn telephone_event() -> Self {
        Self::new("telephone-event", 8000, 1).with_fmtp("0-16")
    }

    /// This codec with format parameters `fmtp`.
    pub fn with_fmtp(mut self, fmtp: impl Into<String>) -> Self {
        self.fmtp = Some(fmtp.into());
        self
    }

    /// This codec without format parameters.
    pub fn without_fmtp(mut self) -> Self {
        self.fmtp = None;
        self
    }

    /// Same name (ASCII case-insensitive), clock rate and channel count; format
    /// parameters and payload types are ignored.
    pub fn matches(&self, other: &Self) -> bool {
        self.name.eq_ignore_ascii_case(&other.name)
            && self.clock_rate == other.clock_rate
            && self.channels == other.channels
    }

    /// Whether this is the RFC 4733 `telephone-event` format.
    pub fn is_telephone_event(&self) -> bool {
        self.name.eq_ignore_ascii_case("telephone-event")
    }

    /// Whether this format carries audio by itself: not DTMF events (RFC 4733), not
    /// comfort noise (RFC 3389), not redundancy (RFC 2198). A stream needs at least one.
    pub fn is_audio(&self) -> bool {
        !["telephone-event", "CN", "red"]
            .iter()
            .any(|n| self.name.eq_ignore_ascii_case(n))
    }

    /// The `a=rtpmap` line for this codec under `payload_type`; the channel count is
    /// written only when it is not 1 (RFC 8866 §6.6).
    pub fn rtpmap(&self, payload_type: u8) -> RtpMap {
        RtpMap {
            payload_type,
            encoding: self.name.clone(),
            clock_rate: self.clock_rate,
            channels: (self.channels != 1).then_some(self.channels),
        }
    }

    fn static_codec(name: &str, payload_type: u8) -> Self {
        Self {
            static_pt: Some(payload_type),
            ..Self::new(name, 8000, 1)
        }
    }
}

/// RFC 3551 §6 Table 4: the static audio payload types, as (name, clock rate, channels).
fn static_audio(payload_type: u8) -> Option<(&'static str, u32, u16)> {
    Some(match payload_type {
        0 => ("PCMU", 8000, 1),
        3 => ("GSM", 8000, 1),
        4 => ("G723", 8000, 1),
        5 => ("DVI4", 8000, 1),
        6 => ("DVI4", 16_000, 1),
        7 => ("LPC", 8000, 1),
        8 => ("PCMA", 8000, 1),
        9 => ("G722", 8000, 1),
        10 => ("L16", 44_100, 2),
        11 => ("L16", 44_100, 1),
        12 => ("QCELP", 8000, 1),
        13 => ("CN", 8000, 1),
        14 => ("MPA", 90_000, 1),
        15 => ("G728", 8000, 1),
        16 => ("DVI4", 11_025, 1),
        17 => ("DVI4", 22_050, 1),
        18 => ("G729", 8000, 1),
        _ => return None,
    })
}

/// The RTP payload type a format string names, if it is one (0..=127).
pub(crate) fn payload_type(format: &str) -> Option<u8> {
    format
        .parse::<u8>()
        .ok()
        .filter(|&pt| pt <= DYNAMIC_PAYLOAD_LAST)
}

/// What `format` of `media` stands for: its `a=rtpmap`, else the static table, since
/// "if there is no a=rtpmap, the default payload type mapping ... is to be used"
/// (RFC 3264 §5.1). The fmtp is the sender's, verbatim. `None` if neither says.
pub(crate) fn describe_format(media: &MediaDescription, format: &str) -> Option<PayloadCodec> {
    let pt = payload_type(format)?;
    let codec = match media.rtpmap(pt) {
        Some(map) => Codec {
            name: map.encoding.clone(),
            clock_rate: map.clock_rate,
            channels: map.channels.unwrap_or(1),
            fmtp: None,
            static_pt: static_audio(pt)
                .filter(|(name, ..)| name.eq_ignore_ascii_case(&map.encoding))
                .map(|_| pt),
        },
        None => {
            let (name, clock_rate, channels) = static_audio(pt)?;
            Codec {
                static_pt: Some(pt),
                ..Codec::new(name, clock_rate, channels)
            }
        }
    };
    let fmtp = media.fmtp(format).map(|f| f.params.clone());
    Some(PayloadCodec {
        payload_type: pt,
        codec: Codec { fmtp, ..codec },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_follow_the_payload_format_specs() {
        let cases = [
            (
                Codec::opus(),
                "96 opus/48000/2",
                Some("useinbandfec=1"),
                None,
            ),
            (Codec::pcmu(), "96 PCMU/8000", None, Some(0)),
            (Codec::pcma(), "96 PCMA/8000", None, Some(8)),
            (Codec::g722(), "96 G722/8000", None, Some(9)),
            (
                Codec::telephone_event(),
                "96 telephone-event/8000",
                Some("0-16"),
                None,
            ),
        ];
        for (codec, rtpmap, fmtp, static_pt) in cases {
            assert_eq!(codec.rtpmap(96).to_string(), rtpmap);
            assert_eq!(codec.fmtp.as_deref(), fmtp);
            assert_eq!(codec.static_pt, static_pt);
        }
    }

    #[test]
    fn matching_ignores_case_fmtp_and_payload_type() {
        let lower = Codec::new("pcmu", 8000, 1).with_fmtp("x=1");
        assert!(Codec::pcmu().matches(&lower));
        assert!(!Codec::pcmu().matches(&Codec::pcma()));
        assert!(!Codec::opus().matches(&Codec::new("opus", 48_000, 1)));
        assert!(!Codec::telephone_event().matches(&Codec::new("telephone-event", 48_000, 1)));
        assert!(!Codec::telephone_event().is_audio());
        assert!(Codec::g722().is_audio());
    }

    #[test]
    fn formats_resolve_by_rtpmap_then_static_table() {
        let mut media = MediaDescription::audio(4000, ["0", "18", "101", "35", "x"]);
        media.push_attribute(crate::sip::sdp::Attribute::RtpMap(RtpMap {
            payload_type: 101,
            encoding: "telephone-event".into(),
            clock_rate: 8000,
            channels: None,
        }));
        let name = |f: &str| describe_format(&media, f).map(|p| p.codec.name);
        assert_eq!(name("0").as_deref(), Some("PCMU"));
        assert_eq!(name("18").as_deref(), Some("G729"));
        assert_eq!(name("101").as_deref(), Some("telephone-event"));
        assert_eq!(name("35"), None);
        assert_eq!(name("x"), None);
        assert_eq!(payload_type("128"), None);
    }
}
