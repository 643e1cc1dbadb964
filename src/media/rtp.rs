//! RTP packets (RFC 3550 §5.1, §5.3.1): parsing and writing the fixed header, CSRC list,
//! header extension and padding. Pure: bytes in, values out.
//!
//! Parsing follows the validity checks of RFC 3550 Appendix A.1 that apply to one packet:
//! version 2, a padding count that fits, a CSRC list and extension that fit. Payload types
//! 72–76 are RTCP's range (RFC 5761 §4) and are refused, so that a demultiplexer can tell
//! RTP from RTCP on one port.

use std::fmt;

/// An RTP synchronization source identifier (RFC 3550 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ssrc(pub u32);

/// An RTP payload type, 0–127 (RFC 3550 §5.1, RFC 3551 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PayloadType(pub u8);

/// Why bytes are not an RTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    /// Fewer than the 12 bytes of the fixed header.
    #[error("{0} bytes is shorter than an RTP header")]
    TooShort(usize),
    /// The version field is not 2.
    #[error("RTP version {0}, expected 2")]
    Version(u8),
    /// The CSRC list or the header extension runs past the end.
    #[error("the RTP header runs past the end of the packet")]
    Truncated,
    /// The padding count is zero or larger than what follows the header.
    #[error("bad RTP padding count {0}")]
    Padding(u8),
    /// A payload type in RTCP's range (RFC 5761 §4): this is RTCP, not RTP.
    #[error("payload type {0} is RTCP's")]
    RtcpPayloadType(u8),
}

/// An RTP header extension (RFC 3550 §5.3.1), kept as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The profile-defined 16 bits.
    pub profile: u16,
    /// The extension data (a multiple of 4 bytes).
    pub data: Vec<u8>,
}

/// One RTP packet.
#[derive(Clone, PartialEq, Eq)]
pub struct RtpPacket {
    /// The marker bit (for audio, the first packet of a talkspurt, RFC 3551 §4.1).
    pub marker: bool,
    /// The payload type.
    pub payload_type: PayloadType,
    /// The sequence number.
    pub sequence: u16,
    /// The media timestamp.
    pub timestamp: u32,
    /// The synchronization source.
    pub ssrc: Ssrc,
    /// Contributing sources (from mixers).
    pub csrc: Vec<u32>,
    /// A header extension, if any.
    pub extension: Option<Extension>,
    /// The payload, without padding.
    pub payload: Vec<u8>,
}

impl fmt::Debug for RtpPacket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RtpPacket")
            .field("pt", &self.payload_type.0)
            .field("seq", &self.sequence)
            .field("ts", &self.timestamp)
            .field("ssrc", &format_args!("{:08x}", self.ssrc.0))
            .field("marker", &self.marker)
            .field("payload_len", &self.payload.len())
            .finish_non_exhaustive()
    }
}

/// The length of the fixed header.
pub const HEADER_LEN: usize = 12;

/// Whether a datagram looks like RTCP rather than RTP when both share a port (RFC 5761 §4:
/// the second byte, as a payload type with the marker bit, is 192–223 for RTCP).
pub fn is_rtcp(data: &[u8]) -> bool {
    data.len() >= 2 && (192..=223).contains(&data[1])
}

impl RtpPacket {
    /// A packet with no CSRCs, extension or marker.
    pub fn new(
        payload_type: PayloadType,
        sequence: u16,
        timestamp: u32,
        ssrc: Ssrc,
        payload: Vec<u8>,
    ) -> RtpPacket {
        RtpPacket {
            marker: false,
            payload_type,
            sequence,
            timestamp,
            ssrc,
            csrc: Vec::new(),
            extension: None,
            payload,
        }
    }

    /// Parses one packet (RFC 3550 §5.1, Appendix A.1 checks).
    pub fn parse(data: &[u8]) -> Result<RtpPacket, RtpError> {
        if data.len() < HEADER_LEN {
            return Err(RtpError::TooShort(data.len()));
        }
        let version = data[0] >> 6;
        if version != 2 {
            return Err(RtpError::Version(version));
        }
        let padding = data[0] & 0x20 != 0;
        let has_extension = data[0] & 0x10 != 0;
        let csrc_count = usize::from(data[0] & 0x0f);
        let marker = data[1] & 0x80 != 0;
        let pt = data[1] & 0x7f;
        if (72..=76).contains(&pt) {
            return Err(RtpError::RtcpPayloadType(pt));
        }
        let sequence = u16::from_be_bytes([data[2], data[3]]);
        let timestamp = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
        let ssrc = Ssrc(u32::from_be_bytes([data[8], data[9], data[10], data[11]]));
        let mut at = HEADER_LEN;
        let csrc_end = at + 4 * csrc_count;
        let csrc_bytes = data.get(at..csrc_end).ok_or(RtpError::Truncated)?;
        let csrc = csrc_bytes
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        at = csrc_end;
        let extension = if has_extension {
            let head = data.get(at..at + 4).ok_or(RtpError::Truncated)?;
            let profile = u16::from_be_bytes([head[0], head[1]]);
            let words = usize::from(u16::from_be_bytes([head[2], head[3]]));
            let body = data
                .get(at + 4..at + 4 + 4 * words)
                .ok_or(RtpError::Truncated)?;
            at += 4 + 4 * words;
            Some(Extension {
                profile,
                data: body.to_vec(),
            })
        } else {
            None
        };
        let mut end = data.len();
        if padding {
            let count = data[end - 1];
            if count == 0 || usize::from(count) > end - at {
                return Err(RtpError::Padding(count));
            }
            end -= usize::from(count);
        }
        Ok(RtpPacket {
            marker,
            payload_type: PayloadType(pt),
            sequence,
            timestamp,
            ssrc,
            csrc,
            extension,
            payload: data[at..end].to_vec(),
        })
    }

    /// Writes the packet (no padding) into `out`, which is cleared first.
    pub fn write_into(&self, out: &mut Vec<u8>) {
        out.clear();
        let csrc_count = self.csrc.len().min(15);
        let mut first = 0x80 | csrc_count as u8;
        if self.extension.is_some() {
            first |= 0x10;
        }
        out.push(first);
        out.push(u8::from(self.marker) << 7 | (self.payload_type.0 & 0x7f));
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.0.to_be_bytes());
        for c in &self.csrc[..csrc_count] {
            out.extend_from_slice(&c.to_be_bytes());
        }
        if let Some(ext) = &self.extension {
            let words = ext.data.len().div_ceil(4);
            out.extend_from_slice(&ext.profile.to_be_bytes());
            out.extend_from_slice(&(words.min(usize::from(u16::MAX)) as u16).to_be_bytes());
            out.extend_from_slice(&ext.data);
            out.resize(out.len() + (words * 4 - ext.data.len()), 0);
        }
        out.extend_from_slice(&self.payload);
    }

    /// The packet as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload.len());
        self.write_into(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_csrc_and_extension() {
        let mut p = RtpPacket::new(PayloadType(0), 65535, 0xdead_beef, Ssrc(7), vec![1, 2, 3]);
        p.marker = true;
        p.csrc = vec![9, 10];
        p.extension = Some(Extension {
            profile: 0xbede,
            data: vec![0x10, 0xaa, 0, 0],
        });
        let bytes = p.to_bytes();
        assert_eq!(bytes[0], 0x92);
        assert_eq!(bytes[1], 0x80);
        assert_eq!(RtpPacket::parse(&bytes).unwrap(), p);
    }

    #[test]
    fn padding_is_removed() {
        let p = RtpPacket::new(PayloadType(8), 1, 160, Ssrc(1), vec![5; 4]);
        let mut bytes = p.to_bytes();
        bytes[0] |= 0x20;
        bytes.extend_from_slice(&[0, 0, 3]);
        assert_eq!(RtpPacket::parse(&bytes).unwrap().payload, vec![5; 4]);
        let n = bytes.len();
        bytes[n - 1] = 40;
        assert_eq!(RtpPacket::parse(&bytes), Err(RtpError::Padding(40)));
    }

    #[test]
    fn invalid_packets_are_refused() {
        assert_eq!(RtpPacket::parse(&[0x80; 5]), Err(RtpError::TooShort(5)));
        let mut v1 = RtpPacket::new(PayloadType(0), 1, 1, Ssrc(1), vec![]).to_bytes();
        v1[0] = 0x40;
        assert_eq!(RtpPacket::parse(&v1), Err(RtpError::Version(1)));
        let mut cc = RtpPacket::new(PayloadType(0), 1, 1, Ssrc(1), vec![]).to_bytes();
        cc[0] |= 0x03;
        assert_eq!(RtpPacket::parse(&cc), Err(RtpError::Truncated));
        let rtcp = [0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0];
        assert!(is_rtcp(&rtcp));
        assert_eq!(RtpPacket::parse(&rtcp), Err(RtpError::RtcpPayloadType(72)));
        assert!(!is_rtcp(&v1));
    }
}
