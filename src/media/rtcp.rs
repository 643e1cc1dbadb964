//! RTCP (RFC 3550 §6): compound packets parsed and built (SR, RR, SDES, BYE; other packet
//! types such as APP, XR or feedback are skipped, §6.1), NTP timestamps (§4), reception
//! statistics (Appendix A.1, A.3) and the report interval (§6.2, §6.3.1). Pure: bytes,
//! instants and wall-clock values come in as arguments.
//!
//! Parsing applies the checks of Appendix A.2 that do not reject legitimate traffic: version 2
//! in every packet and lengths that add up exactly to the datagram. The "first packet is SR
//! or RR" check is left out on purpose: reduced-size RTCP (RFC 5506) starts with feedback
//! packets, and on a shared port RTP is already told apart by [`super::rtp::is_rtcp`].

use super::rtp::Ssrc;
use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// RTCP packet types (RFC 3550 §12.1).
const SR: u8 = 200;
const RR: u8 = 201;
const SDES: u8 = 202;
const BYE: u8 = 203;

/// At most this many report blocks or sources fit the 5-bit count (RFC 3550 §6.4.1).
const MAX_COUNT: usize = 31;

/// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// A 64-bit NTP timestamp: seconds since 1900 in the high word, the fraction in the low
/// word (RFC 3550 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NtpTime(pub u64);

impl NtpTime {
    /// The NTP timestamp of a wall-clock time (times before 1970 give the epoch).
    pub fn from_system_time(time: SystemTime) -> NtpTime {
        let since_unix = time.duration_since(UNIX_EPOCH).unwrap_or_default();
        let seconds = since_unix.as_secs() + NTP_UNIX_OFFSET;
        let fraction = (u64::from(since_unix.subsec_nanos()) << 32) / 1_000_000_000;
        NtpTime((seconds << 32) | fraction)
    }

    /// The middle 32 bits, as carried in a report block's LSR field (RFC 3550 §6.4.1).
    pub fn middle(self) -> u32 {
        (self.0 >> 16) as u32
    }
}

/// A duration in the 1/65536 s units of the DLSR field (RFC 3550 §6.4.1), saturating.
pub fn to_dlsr_units(d: Duration) -> u32 {
    u32::try_from(d.as_micros() * 65_536 / 1_000_000).unwrap_or(u32::MAX)
}

/// A DLSR value as a duration.
pub fn from_dlsr_units(units: u32) -> Duration {
    Duration::from_micros(u64::from(units) * 1_000_000 / 65_536)
}

/// Statistics on one source's RTP stream (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportBlock {
    /// The source reported on.
    pub ssrc: Ssrc,
    /// Packets lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Packets lost since the start (24-bit signed: duplicates can make it negative).
    pub cumulative_lost: i32,
    /// The extended highest sequence number received.
    pub highest_sequence: u32,
    /// The interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// The middle 32 bits of the NTP timestamp of the last SR received from the source (LSR).
    pub last_sr: u32,
    /// The delay since that SR was received, in 1/65536 s (DLSR).
    pub delay_since_last_sr: u32,
}

/// The sender information of an SR (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderInfo {
    /// The wall-clock time the report was sent.
    pub ntp: NtpTime,
    /// The same instant in RTP timestamp units.
    pub rtp_timestamp: u32,
    /// RTP packets sent so far.
    pub packet_count: u32,
    /// RTP payload octets sent so far.
    pub octet_count: u32,
}

/// An SDES item type (RFC 3550 §6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SdesType(pub u8);

impl SdesType {
    /// The canonical end-point identifier (RFC 3550 §6.5.1).
    pub const CNAME: SdesType = SdesType(1);
}

/// One SDES chunk: a source and its items (RFC 3550 §6.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesChunk {
    /// The source described.
    pub ssrc: Ssrc,
    /// Its items, text as UTF-8 (at most 255 octets each).
    pub items: Vec<(SdesType, String)>,
}

impl SdesChunk {
    /// The CNAME item, if present.
    pub fn cname(&self) -> Option<&str> {
        self.items
            .iter()
            .find(|(t, _)| *t == SdesType::CNAME)
            .map(|(_, v)| v.as_str())
    }
}

/// One packet of a compound RTCP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtcpPacket {
    /// A sender report (RFC 3550 §6.4.1).
    SenderReport {
        /// The sender.
        ssrc: Ssrc,
        /// What it sent.
        info: SenderInfo,
        /// What it received.
        reports: Vec<ReportBlock>,
    },
    /// A receiver report (RFC 3550 §6.4.2).
    ReceiverReport {
        /// The reporter.
        ssrc: Ssrc,
        /// What it received.
        reports: Vec<ReportBlock>,
    },
    /// Source descriptions (RFC 3550 §6.5).
    SourceDescription(Vec<SdesChunk>),
    /// Sources leaving (RFC 3550 §6.6).
    Goodbye {
        /// The sources.
        sources: Vec<Ssrc>,
        /// Why, if said.
        reason: Option<String>,
    },
}

/// Why bytes are not a compound RTCP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RtcpError {
    /// Shorter than one RTCP header.
    #[error("{0} bytes is shorter than an RTCP header")]
    TooShort(usize),
    /// A packet's version is not 2.
    #[error("RTCP version {0}, expected 2")]
    Version(u8),
    /// A packet's length runs past the end of the datagram (RFC 3550 Appendix A.2).
    #[error("an RTCP packet of type {packet_type} runs past the end of the datagram")]
    Length {
        /// The packet type.
        packet_type: u8,
    },
    /// A padding count that does not fit its packet.
    #[error("bad RTCP padding count {0}")]
    Padding(u8),
    /// A known packet type whose body does not match its counts.
    #[error("malformed RTCP packet of type {packet_type}")]
    Malformed {
        /// The packet type.
        packet_type: u8,
    },
}

/// Parses a compound RTCP packet; unknown packet types are skipped (RFC 3550 §6.1).
pub fn parse_compound(data: &[u8]) -> Result<Vec<RtcpPacket>, RtcpError> {
    if data.len() < 4 {
        return Err(RtcpError::TooShort(data.len()));
    }
    let mut packets = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        if rest.len() < 4 {
            return Err(RtcpError::TooShort(rest.len()));
        }
        let version = rest[0] >> 6;
        if version != 2 {
            return Err(RtcpError::Version(version));
        }
        let packet_type = rest[1];
        let count = usize::from(rest[0] & 0x1f);
        // RFC 3550 §6.4.1: the length in 32-bit words minus one, header and padding included.
        let len = 4 * (usize::from(u16::from_be_bytes([rest[2], rest[3]])) + 1);
        let packet = rest.get(..len).ok_or(RtcpError::Length { packet_type })?;
        rest = &rest[len..];
        let mut body = &packet[4..];
        if packet[0] & 0x20 != 0 {
            let pad = packet[len - 1];
            if pad == 0 || usize::from(pad) > body.len() {
                return Err(RtcpError::Padding(pad));
            }
            body = &body[..body.len() - usize::from(pad)];
        }
        let malformed = RtcpError::Malformed { packet_type };
        let parsed = match packet_type {
            SR => parse_sender_report(body, count),
            RR => parse_receiver_report(body, count),
            SDES => parse_sdes(body, count),
            BYE => parse_bye(body, count),
            // RFC 3550 §6.1: types unknown to us (APP, XR, feedback, ...) are ignored.
            _ => continue,
        };
        packets.push(parsed.ok_or(malformed)?);
    }
    Ok(packets)
}

/// Writes a compound packet into `out` (cleared first). At most 31 report blocks, sources
/// or chunks per packet are written; text is cut to 255 octets.
pub fn write_compound(packets: &[RtcpPacket], out: &mut Vec<u8>) {
    out.clear();
    for packet in packets {
        let start = out.len();
        match packet {
            RtcpPacket::SenderReport {
                ssrc,
                info,
                reports,
            } => {
                let reports = &reports[..reports.len().min(MAX_COUNT)];
                header(out, reports.len(), SR);
                out.extend_from_slice(&ssrc.0.to_be_bytes());
                out.extend_from_slice(&info.ntp.0.to_be_bytes());
                out.extend_from_slice(&info.rtp_timestamp.to_be_bytes());
                out.extend_from_slice(&info.packet_count.to_be_bytes());
                out.extend_from_slice(&info.octet_count.to_be_bytes());
                reports.iter().for_each(|r| write_block(r, out));
            }
            RtcpPacket::ReceiverReport { ssrc, reports } => {
                let reports = &reports[..reports.len().min(MAX_COUNT)];
                header(out, reports.len(), RR);
                out.extend_from_slice(&ssrc.0.to_be_bytes());
                reports.iter().for_each(|r| write_block(r, out));
            }
            RtcpPacket::SourceDescription(chunks) => {
                let chunks = &chunks[..chunks.len().min(MAX_COUNT)];
                header(out, chunks.len(), SDES);
                for chunk in chunks {
                    out.extend_from_slice(&chunk.ssrc.0.to_be_bytes());
                    for (kind, text) in &chunk.items {
                        let text = cut(text);
                        out.push(kind.0);
                        out.push(text.len() as u8);
                        out.extend_from_slice(text);
                    }
                    // RFC 3550 §6.5: a null octet ends the items, more pad to 32 bits.
                    out.push(0);
                    pad_to_word(out);
                }
            }
            RtcpPacket::Goodbye { sources, reason } => {
                let sources = &sources[..sources.len().min(MAX_COUNT)];
                header(out, sources.len(), BYE);
                sources
                    .iter()
                    .for_each(|s| out.extend_from_slice(&s.0.to_be_bytes()));
                if let Some(reason) = reason {
                    let text = cut(reason);
                    out.push(text.len() as u8);
                    out.extend_from_slice(text);
                    pad_to_word(out);
                }
            }
        }
        let words = (out.len() - start) / 4 - 1;
        out[start + 2..start + 4].copy_from_slice(&(words as u16).to_be_bytes());
    }
}

/// The compound packet as bytes.
pub fn to_bytes(packets: &[RtcpPacket]) -> Vec<u8> {
    let mut out = Vec::new();
    write_compound(packets, &mut out);
    out
}

fn header(out: &mut Vec<u8>, count: usize, packet_type: u8) {
    out.extend_from_slice(&[0x80 | count as u8, packet_type, 0, 0]);
}

fn pad_to_word(out: &mut Vec<u8>) {
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

/// At most 255 octets of `text`, cut at a character boundary.
fn cut(text: &str) -> &[u8] {
    let mut end = text.len().min(255);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text.as_bytes()[..end]
}

fn write_block(block: &ReportBlock, out: &mut Vec<u8>) {
    out.extend_from_slice(&block.ssrc.0.to_be_bytes());
    // RFC 3550 §6.4.1: fraction lost, then the cumulative loss as 24-bit two's complement.
    let lost = (block.cumulative_lost.clamp(-0x80_0000, 0x7f_ffff) as u32) & 0x00ff_ffff;
    out.extend_from_slice(&((u32::from(block.fraction_lost) << 24) | lost).to_be_bytes());
    out.extend_from_slice(&block.highest_sequence.to_be_bytes());
    out.extend_from_slice(&block.jitter.to_be_bytes());
    out.extend_from_slice(&block.last_sr.to_be_bytes());
    out.extend_from_slice(&block.delay_since_last_sr.to_be_bytes());
}

fn word(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn parse_blocks(data: &[u8], count: usize) -> Option<Vec<ReportBlock>> {
    // Profile-specific extensions may follow the blocks (§6.4.1); they are ignored.
    (0..count)
        .map(|i| {
            let at = 24 * i;
            let loss = word(data, at + 4)?;
            // Sign-extend the 24-bit cumulative loss.
            let cumulative_lost = ((loss << 8) as i32) >> 8;
            Some(ReportBlock {
                ssrc: Ssrc(word(data, at)?),
                fraction_lost: (loss >> 24) as u8,
                cumulative_lost,
                highest_sequence: word(data, at + 8)?,
                jitter: word(data, at + 12)?,
                last_sr: word(data, at + 16)?,
                delay_since_last_sr: word(data, at + 20)?,
            })
        })
        .collect()
}

fn parse_sender_report(body: &[u8], count: usize) -> Option<RtcpPacket> {
    let ntp = (u64::from(word(body, 4)?) << 32) | u64::from(word(body, 8)?);
    Some(RtcpPacket::SenderReport {
        ssrc: Ssrc(word(body, 0)?),
        info: SenderInfo {
            ntp: NtpTime(ntp),
            rtp_timestamp: word(body, 12)?,
            packet_count: word(body, 16)?,
            octet_count: word(body, 20)?,
        },
        reports: parse_blocks(body.get(24..)?, count)?,
    })
}

fn parse_receiver_report(body: &[u8], count: usize) -> Option<RtcpPacket> {
    Some(RtcpPacket::ReceiverReport {
        ssrc: Ssrc(word(body, 0)?),
        reports: parse_blocks(body.get(4..)?, count)?,
    })
}

fn parse_sdes(body: &[u8], count: usize) -> Option<RtcpPacket> {
    let mut chunks = Vec::with_capacity(count);
    let mut at = 0;
    for _ in 0..count {
        let ssrc = Ssrc(word(body, at)?);
        at += 4;
        let mut items = Vec::new();
        loop {
            let kind = *body.get(at)?;
            if kind == 0 {
                // The end of the list; the chunk is padded to the next 32-bit boundary.
                at = (at + 4) & !3;
                break;
            }
            let len = usize::from(*body.get(at + 1)?);
            let text = body.get(at + 2..at + 2 + len)?;
            items.push((SdesType(kind), String::from_utf8_lossy(text).into_owned()));
            at += 2 + len;
        }
        chunks.push(SdesChunk { ssrc, items });
    }
    Some(RtcpPacket::SourceDescription(chunks))
}

fn parse_bye(body: &[u8], count: usize) -> Option<RtcpPacket> {
    let sources = (0..count)
        .map(|i| word(body, 4 * i).map(Ssrc))
        .collect::<Option<Vec<_>>>()?;
    let rest = &body[4 * count..];
    let reason = match rest.first() {
        Some(&len) if len > 0 => {
            let text = rest.get(1..1 + usize::from(len))?;
            Some(String::from_utf8_lossy(text).into_owned())
        }
        _ => None,
    };
    Some(RtcpPacket::Goodbye { sources, reason })
}

/// Reception statistics for the one source we receive (RFC 3550 Appendix A.1, A.3), and
/// the last SR it sent, for the LSR and DLSR fields.
#[derive(Debug, Clone, Default)]
pub struct ReceptionStats {
    ssrc: Option<Ssrc>,
    /// Extended sequence numbers (cycles << 16 | seq): the first and the highest seen.
    base: i64,
    highest: i64,
    /// Packets received, late and duplicate ones included (A.3).
    received: u64,
    expected_prior: i64,
    received_prior: u64,
    /// Received since the last report (a block is due only then, §6.4).
    fresh: bool,
    /// The middle of the last SR's NTP timestamp and when it arrived.
    last_sr: Option<(u32, Instant)>,
}

impl ReceptionStats {
    /// The source these statistics are about.
    pub fn ssrc(&self) -> Option<Ssrc> {
        self.ssrc
    }

    /// An RTP packet arrived from `ssrc` with sequence number `sequence`.
    pub fn packet(&mut self, ssrc: Ssrc, sequence: u16) {
        if self.ssrc != Some(ssrc) {
            // RFC 3550 §6.4.1: statistics are not carried over to a new SSRC.
            *self = ReceptionStats {
                ssrc: Some(ssrc),
                base: i64::from(sequence),
                highest: i64::from(sequence),
                ..ReceptionStats::default()
            };
        }
        // A.1: extend with the cycle count; a step back within half the space is
        // reordering, not a wrap.
        let delta = i64::from(sequence.wrapping_sub(self.highest as u16) as i16);
        let extended = self.highest + delta;
        self.highest = self.highest.max(extended);
        self.base = self.base.min(extended);
        self.received += 1;
        self.fresh = true;
    }

    /// An SR arrived at `now` from `ssrc` (kept for LSR/DLSR when it is our source).
    pub fn sender_report(&mut self, ssrc: Ssrc, ntp: NtpTime, now: Instant) {
        if self.ssrc.is_none_or(|s| s == ssrc) {
            self.ssrc = Some(ssrc);
            self.last_sr = Some((ntp.middle(), now));
        }
    }

    /// Packets expected so far (A.3).
    pub fn expected(&self) -> i64 {
        if self.ssrc.is_none() || self.received == 0 {
            return 0;
        }
        self.highest - self.base + 1
    }

    /// Packets lost so far (A.3; negative with duplicates).
    pub fn lost(&self) -> i64 {
        self.expected() - self.received as i64
    }

    /// The report block for a report sent at `now` with the current interarrival jitter
    /// (Appendix A.8, in timestamp units), or `None` when nothing arrived since the last
    /// report. Starts a new reporting interval.
    pub fn report_block(&mut self, now: Instant, jitter: u32) -> Option<ReportBlock> {
        let ssrc = self.ssrc?;
        if !std::mem::take(&mut self.fresh) {
            return None;
        }
        let expected = self.expected();
        // A.3: the fraction over the interval since the previous report.
        let expected_interval = expected - self.expected_prior;
        let received_interval = (self.received - self.received_prior) as i64;
        self.expected_prior = expected;
        self.received_prior = self.received;
        let lost_interval = expected_interval - received_interval;
        let fraction_lost = if expected_interval <= 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / expected_interval).min(255) as u8
        };
        let (last_sr, delay_since_last_sr) = self.last_sr.map_or((0, 0), |(lsr, at)| {
            (lsr, to_dlsr_units(now.saturating_duration_since(at)))
        });
        Some(ReportBlock {
            ssrc,
            fraction_lost,
            cumulative_lost: self.lost().clamp(-0x80_0000, 0x7f_ffff) as i32,
            highest_sequence: self.highest as u32,
            jitter,
            last_sr,
            delay_since_last_sr,
        })
    }
}

/// Our recent SRs, to measure the round trip when a report block names one in its LSR
/// (RFC 3550 §6.4.1: RTT = A - LSR - DLSR). A - LSR is measured on the monotonic clock
/// between sending that SR and receiving the block, which is the same interval without
/// depending on the wall clock staying put.
#[derive(Debug, Clone, Default)]
pub struct SentReports {
    sent: VecDeque<(u32, Instant)>,
}

impl SentReports {
    /// How many SRs are remembered (a report names one of the last few).
    const KEEP: usize = 8;

    /// We sent an SR stamped `ntp` at `now`.
    pub fn sent(&mut self, ntp: NtpTime, now: Instant) {
        if self.sent.len() == Self::KEEP {
            self.sent.pop_front();
        }
        self.sent.push_back((ntp.middle(), now));
    }

    /// The round-trip time a report block received at `now` shows, if it names one of our
    /// SRs.
    pub fn round_trip(&self, block: &ReportBlock, now: Instant) -> Option<Duration> {
        if block.last_sr == 0 {
            return None;
        }
        let (_, sent) = self.sent.iter().find(|(lsr, _)| *lsr == block.last_sr)?;
        let total = now.checked_duration_since(*sent)?;
        Some(total.saturating_sub(from_dlsr_units(block.delay_since_last_sr)))
    }
}

/// The minimum report interval (RFC 3550 §6.2: 5 s recommended).
pub const MIN_INTERVAL: Duration = Duration::from_secs(5);

/// The delay until the next report: the minimum interval (half of it before the first
/// report, §6.3.1 step 2), randomized over 0.5 to 1.5 times (§6.2) by `unit`, a uniform
/// draw from [0, 1). With two participants the bandwidth share never exceeds the minimum,
/// so the interval is the minimum (§6.3.1 step 3).
pub fn report_interval(initial: bool, unit: f64) -> Duration {
    let base = if initial {
        MIN_INTERVAL / 2
    } else {
        MIN_INTERVAL
    };
    base.mul_f64(0.5 + unit.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests;
