//! The session's RTCP (RFC 3550 §6): when reports go out and what they say, what incoming
//! reports tell about our stream, and BYE at the end.

use super::{MediaSession, Transmit};
use crate::media::rtcp::{
    self, NtpTime, ReceptionStats, ReportBlock, RtcpError, RtcpPacket, SdesChunk, SdesType,
    SenderInfo, SentReports,
};
use crate::sip::rng::Rng;
use std::net::SocketAddr;
use std::time::{Instant, SystemTime};

/// RTCP state of one session.
#[derive(Debug)]
pub(super) struct RtcpState {
    /// RFC 7022 §4.2: a random CNAME per session (nothing that identifies the user).
    cname: String,
    pub(super) reception: ReceptionStats,
    sent_reports: SentReports,
    next_report: Option<Instant>,
    /// Draws for the randomized interval (seeded from the session's RNG).
    rng: Rng,
    /// Where RTCP came from without rtcp-mux (RFC 4961 symmetric RTCP).
    pub(super) remote: Option<SocketAddr>,
    /// We sent some RTCP (RFC 3550 §6.3.7: BYE only after sending something).
    sent_any: bool,
    closed: bool,
}

impl RtcpState {
    pub(super) fn new(rng: &mut Rng) -> RtcpState {
        let mut seed = [0u8; 32];
        for chunk in seed.chunks_mut(8) {
            chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
        }
        let mut rng = Rng::from_seed(seed);
        RtcpState {
            cname: rng.hex(12),
            reception: ReceptionStats::default(),
            sent_reports: SentReports::default(),
            next_report: None,
            rng,
            remote: None,
            sent_any: false,
            closed: false,
        }
    }
}

impl MediaSession {
    /// When [`MediaSession::handle_timeout`] next has something to do (the next report).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.rtcp.next_report.filter(|_| !self.rtcp.closed)
    }

    /// Time passed: sends an RTCP report when one is due. `wall` is the wall-clock time at
    /// `now`, for the SR's NTP timestamp (RFC 3550 §6.4.1); the session never reads a clock.
    /// The first call schedules the first report (RFC 3550 §6.2: half the minimum interval,
    /// randomized). Calling early is harmless.
    pub fn handle_timeout(&mut self, now: Instant, wall: SystemTime) {
        if self.rtcp.closed {
            return;
        }
        let due = match self.rtcp.next_report {
            Some(due) => due,
            None => {
                let first = now + rtcp::report_interval(true, self.rtcp.rng.unit());
                self.rtcp.next_report = Some(first);
                first
            }
        };
        if now < due {
            return;
        }
        self.send_report(now, wall);
        self.rtcp.next_report = Some(now + rtcp::report_interval(false, self.rtcp.rng.unit()));
    }

    /// The session ends: an RTCP BYE goes out (after an RR and the CNAME, RFC 3550 §6.1),
    /// unless we never sent anything (§6.3.7). Reports stop.
    pub fn close(&mut self) {
        if std::mem::replace(&mut self.rtcp.closed, true) {
            return;
        }
        if !self.rtcp.sent_any && self.stats.packets_sent == 0 {
            return;
        }
        let packets = [
            RtcpPacket::ReceiverReport {
                ssrc: self.ssrc,
                reports: Vec::new(),
            },
            self.sdes(),
            RtcpPacket::Goodbye {
                sources: vec![self.ssrc],
                reason: None,
            },
        ];
        self.queue_rtcp(&packets);
    }

    /// Where RTCP goes: with rtcp-mux where RTP goes (RFC 5761 §4); else where the far
    /// end's RTCP comes from, or the SDP's RTCP address.
    fn rtcp_destination(&self) -> Option<SocketAddr> {
        if self.config.rtcp_mux {
            self.remote
        } else {
            self.rtcp.remote.or(self.config.remote_rtcp)
        }
    }

    fn sdes(&self) -> RtcpPacket {
        RtcpPacket::SourceDescription(vec![SdesChunk {
            ssrc: self.ssrc,
            items: vec![(SdesType::CNAME, self.rtcp.cname.clone())],
        }])
    }

    fn queue_rtcp(&mut self, packets: &[RtcpPacket]) {
        let Some(to) = self.rtcp_destination() else {
            return;
        };
        self.transmits.push_back(Transmit {
            to,
            data: rtcp::to_bytes(packets),
            rtcp: true,
        });
        self.stats.rtcp_sent += 1;
        self.rtcp.sent_any = true;
    }

    /// A compound report: SR when we sent RTP within the last two intervals (RFC 3550
    /// §6.3.8 `we_sent`), else RR; a report block on the far end's stream if it sent since
    /// the last report; the CNAME (§6.1).
    fn send_report(&mut self, now: Instant, wall: SystemTime) {
        if self.rtcp_destination().is_none() {
            return;
        }
        let reports: Vec<ReportBlock> = self
            .rtcp
            .reception
            .report_block(now, self.jitter.jitter())
            .into_iter()
            .collect();
        let we_sent = self
            .last_sent
            .is_some_and(|t| now.saturating_duration_since(t) < 2 * rtcp::MIN_INTERVAL);
        let report = if we_sent {
            let ntp = NtpTime::from_system_time(wall);
            self.rtcp.sent_reports.sent(ntp, now);
            RtcpPacket::SenderReport {
                ssrc: self.ssrc,
                info: SenderInfo {
                    ntp,
                    rtp_timestamp: self.rtp_timestamp_at(now),
                    // RFC 3550 §6.4.1: both counts wrap at 32 bits.
                    packet_count: self.stats.packets_sent as u32,
                    octet_count: self.stats.bytes_sent as u32,
                },
                reports,
            }
        } else {
            RtcpPacket::ReceiverReport {
                ssrc: self.ssrc,
                reports,
            }
        };
        let sdes = self.sdes();
        self.queue_rtcp(&[report, sdes]);
    }

    /// The RTP timestamp of the instant `now`: the last captured frame's, advanced by the
    /// time since (RFC 3550 §6.4.1: the same instant as the NTP timestamp).
    fn rtp_timestamp_at(&self, now: Instant) -> u32 {
        let Some((at, timestamp)) = self.last_capture else {
            return self.timestamp;
        };
        let elapsed = now.saturating_duration_since(at);
        let units = elapsed.as_micros() * u128::from(self.config.codec.clock_rate()) / 1_000_000;
        timestamp.wrapping_add(units as u32)
    }

    /// A compound RTCP packet from the far end.
    pub(super) fn handle_rtcp(
        &mut self,
        now: Instant,
        data: &[u8],
        from: SocketAddr,
    ) -> Result<(), RtcpError> {
        let packets = rtcp::parse_compound(data)?;
        self.stats.rtcp_received += 1;
        if !self.config.rtcp_mux && self.rtcp.remote.is_none() {
            self.rtcp.remote = Some(from);
        }
        for packet in packets {
            match packet {
                RtcpPacket::SenderReport {
                    ssrc,
                    info,
                    reports,
                } => {
                    self.rtcp.reception.sender_report(ssrc, info.ntp, now);
                    self.report_blocks(now, &reports);
                }
                RtcpPacket::ReceiverReport { reports, .. } => self.report_blocks(now, &reports),
                RtcpPacket::Goodbye { sources, .. } => {
                    let source = self.rtcp.reception.ssrc();
                    if source.is_some_and(|s| sources.contains(&s)) {
                        self.stats.remote_left = true;
                    }
                }
                RtcpPacket::SourceDescription(_) => {}
            }
        }
        Ok(())
    }

    /// What the far end says about our stream: loss, jitter, and (when a block names one of
    /// our SRs) the round trip (RFC 3550 §6.4.1). The loss steers Opus's FEC.
    fn report_blocks(&mut self, now: Instant, blocks: &[ReportBlock]) {
        let clock = u64::from(self.config.codec.clock_rate());
        for block in blocks.iter().filter(|b| b.ssrc == self.ssrc) {
            let fraction = f32::from(block.fraction_lost) / 256.0;
            self.stats.remote_loss_fraction = Some(fraction);
            self.stats.remote_packets_lost = Some(block.cumulative_lost);
            let jitter_ms = u64::from(block.jitter) * 1000 / clock;
            self.stats.remote_jitter_ms = Some(u32::try_from(jitter_ms).unwrap_or(u32::MAX));
            if let Some(rtt) = self.rtcp.sent_reports.round_trip(block, now) {
                self.stats.rtt_ms = Some(u32::try_from(rtt.as_millis()).unwrap_or(u32::MAX));
            }
            let percent = (u32::from(block.fraction_lost) * 100).div_ceil(256) as u8;
            if let Err(e) = self.coder.set_expected_loss(percent) {
                tracing::warn!("cannot tell the encoder the loss rate: {e}");
            }
        }
    }
}
