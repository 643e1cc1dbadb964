//! One call's audio stream, sans-IO: frames of samples in, RTP packets out; RTP packets in,
//! frames of samples out; RTCP reports both ways. The caller owns the sockets and the clock:
//! it calls [`MediaSession::send_frame`] and [`MediaSession::play_frame`] once per packet
//! time, [`MediaSession::handle_timeout`] at least as often as [`MediaSession::poll_timeout`]
//! asks, and drains [`MediaSession::poll_transmit`] after each.
//!
//! Audio goes in at [`MediaSession::send_rate`] and comes out at [`MediaSession::play_rate`]
//! (8 kHz for G.711, 16 kHz for G.722; for Opus the rates that suit the device and the far
//! end, see [`StreamConfig::device_rate`]), one packet time a frame, mono.
//!
//! - RTP (RFC 3550): a random SSRC, sequence number and timestamp start (§5.1); the marker bit
//!   on the first packet of a talkspurt (RFC 3551 §4.1), that is the first after the start,
//!   after a pause in sending (hold) or after DTX silence (RFC 7587 §3.1.3).
//! - Symmetric RTP (RFC 4961): until a packet arrives, packets go to the address the SDP gave;
//!   then to where the far end's packets come from (what gets through NATs).
//! - RTCP (RFC 3550 §6, [`super::rtcp`]): an SR (or an RR when not sending) with SDES CNAME
//!   about every 5 s, to the RTP address with rtcp-mux (RFC 5761) or the RTCP one; incoming
//!   reports give the far end's view of our stream (loss, jitter) and the round-trip time.
//!   [`MediaSession::close`] says BYE.
//! - Hold: with sending off, a silence packet every [`KEEPALIVE`] keeps NAT bindings open
//!   (RFC 6263 §4.6 allows the codec's own payload).
//! - Receiving: the jitter buffer ([`super::jitter`]). A lost Opus frame is rebuilt from the
//!   next packet's FEC data when that packet is already buffered, else concealed by Opus's
//!   PLC. G.711 and G.722 have no concealment of their own: the last frame is repeated,
//!   fading (ITU-T G.711 Appendix I does the same in spirit), then silence.

mod codec;
mod rtcp;

pub use codec::AudioCodec;

use super::dtmf::{DtmfReceiver, DtmfSender, SendStep};
use super::jitter::{JitterBuffer, JitterStats, Playout};
use super::opus::OpusError;
use super::rtcp::RtcpError;
use super::rtp::{PayloadType, RtpError, RtpPacket, Ssrc, is_rtcp};
use super::srtp::{SrtpContext, SrtpError};
use crate::sip::rng::Rng;
use codec::Coder;
use rtcp::RtcpState;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How often a silence packet goes out while we do not send (on hold).
pub const KEEPALIVE: Duration = Duration::from_secs(5);

/// What the offer/answer settled for this stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamConfig {
    /// The codec.
    pub codec: AudioCodec,
    /// The payload type we send it with (the peer's number for it).
    pub payload_type: PayloadType,
    /// The payload type it arrives with (our number for it).
    pub receive_payload_type: PayloadType,
    /// RFC 4733 telephone events: the payload type we send them with and the one they arrive
    /// with, when negotiated.
    pub telephone_event: Option<(PayloadType, PayloadType)>,
    /// The clock rate of the negotiated telephone-event format (RFC 4733 §2.1: events are
    /// timed with it); `None` means the audio codec's clock.
    pub event_rate: Option<u32>,
    /// The packet time.
    pub ptime: Duration,
    /// Where the SDP says to send RTP.
    pub remote: Option<SocketAddr>,
    /// Where the SDP says to send RTCP (`a=rtcp`, else the RTP port plus one).
    pub remote_rtcp: Option<SocketAddr>,
    /// RTP and RTCP share one port (RFC 5761): RTCP goes where RTP goes.
    pub rtcp_mux: bool,
    /// Whether we send audio (not on hold, not `recvonly`/`inactive`).
    pub send: bool,
    /// Whether we play what arrives.
    pub receive: bool,
    /// SRTP keys (RFC 3711, keyed by SDES): every packet out is protected, every packet in
    /// must authenticate. `None`: plain RTP.
    pub srtp: Option<crate::sip::offer_answer::SrtpKeys>,
    /// The rate the audio device plays at. Opus decodes straight to the lowest of its rates
    /// at or above it (8, 12, 16, 24 or 48 kHz), and encodes from the lowest that carries
    /// the far end's `maxplaybackrate`: an 8 kHz device costs no resampling to 48 kHz and
    /// back. G.711 and G.722 have one rate each.
    pub device_rate: u32,
}

/// Counters for call statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MediaStats {
    /// RTP packets sent.
    pub packets_sent: u64,
    /// Payload bytes sent.
    pub bytes_sent: u64,
    /// RTP packets received (valid, of our payload type).
    pub packets_received: u64,
    /// Packets of the far end's stream lost so far (RFC 3550 Appendix A.3).
    pub packets_lost: i64,
    /// Datagrams that were not usable RTP or RTCP.
    pub invalid: u64,
    /// The jitter buffer's counters.
    pub jitter: JitterStats,
    /// The interarrival jitter, in milliseconds.
    pub jitter_ms: u32,
    /// Frames waiting in the jitter buffer, in milliseconds.
    pub buffer_ms: u32,
    /// Lost frames rebuilt from the next packet's FEC data (Opus).
    pub fec_recovered: u64,
    /// Frames the codec failed to encode or decode.
    pub codec_errors: u64,
    /// Compound RTCP packets sent.
    pub rtcp_sent: u64,
    /// Compound RTCP packets received.
    pub rtcp_received: u64,
    /// The round-trip time from the last report that allowed measuring it (RFC 3550 §6.4.1).
    pub rtt_ms: Option<u32>,
    /// The fraction (0..=1) of our packets the far end lost in its last reporting interval.
    pub remote_loss_fraction: Option<f32>,
    /// Our packets the far end lost since the start, by its last report.
    pub remote_packets_lost: Option<i32>,
    /// The interarrival jitter the far end sees on our stream, in milliseconds.
    pub remote_jitter_ms: Option<u32>,
    /// The far end said RTCP BYE.
    pub remote_left: bool,
}

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Where to.
    pub to: SocketAddr,
    /// The bytes.
    pub data: Vec<u8>,
    /// RTCP rather than RTP: without rtcp-mux it belongs on the RTCP port.
    pub rtcp: bool,
}

/// Why a session cannot be set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// The codec library refused.
    #[error(transparent)]
    Codec(#[from] OpusError),
}

/// Why an incoming datagram was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// Not RTP.
    #[error(transparent)]
    Rtp(#[from] RtpError),
    /// Not RTCP.
    #[error(transparent)]
    Rtcp(#[from] RtcpError),
    /// Not SRTP or SRTCP under the agreed key (forged, replayed, or plain RTP).
    #[error("SRTP: {0}")]
    Srtp(#[from] SrtpError),
}

/// The SRTP state of a session: one context for what we send, one for what arrives.
#[derive(Debug)]
struct Srtp {
    keys: crate::sip::offer_answer::SrtpKeys,
    outbound: SrtpContext,
    inbound: SrtpContext,
}

impl Srtp {
    fn new(keys: Option<&crate::sip::offer_answer::SrtpKeys>) -> Option<Srtp> {
        let keys = keys?.clone();
        Some(Srtp {
            outbound: SrtpContext::new(keys.suite, &keys.local.0),
            inbound: SrtpContext::new(keys.suite, &keys.remote.0),
            keys,
        })
    }
}

/// One audio stream of one call.
#[derive(Debug)]
pub struct MediaSession {
    config: StreamConfig,
    coder: Coder,
    ssrc: Ssrc,
    sequence: u16,
    timestamp: u32,
    /// The next packet starts a talkspurt.
    marker: bool,
    jitter: JitterBuffer,
    /// Where packets go: the SDP's address until the far end's packets show theirs.
    remote: Option<SocketAddr>,
    latched: bool,
    last_sent: Option<Instant>,
    /// When the latest frame was captured and its RTP timestamp (for the SR's RTP time).
    last_capture: Option<(Instant, u32)>,
    /// The last frame played and how many times it was repeated, for concealment.
    last_frame: Vec<i16>,
    concealed_in_row: u32,
    transmits: VecDeque<Transmit>,
    stats: MediaStats,
    scratch: Vec<u8>,
    dtmf_out: DtmfSender,
    /// The timestamp of the event being sent (all its packets carry it).
    dtmf_timestamp: u32,
    dtmf_in: DtmfReceiver,
    digits: VecDeque<char>,
    rtcp: RtcpState,
    srtp: Option<Srtp>,
}

/// Why digits cannot be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DtmfError {
    /// The far end did not offer or accept telephone-event.
    #[error("the far end takes no RFC 4733 telephone events")]
    NotNegotiated,
    /// Not a DTMF digit (0-9, *, #, A-D).
    #[error("{0:?} is not a DTMF digit")]
    BadDigit(char),
}

/// The packet time a codec can carry: Opus frames are 10, 20, 40 or 60 ms here (RFC 7587
/// §4.2 Table 2, voice mode); anything else falls back to 20 ms.
fn usable_ptime(codec: AudioCodec, ptime: Duration) -> Duration {
    let ms = ptime.as_millis();
    match codec {
        AudioCodec::Opus(_) if ![10, 20, 40, 60].contains(&ms) => Duration::from_millis(20),
        _ => ptime,
    }
}

impl MediaSession {
    /// A stream for `config`; the SSRC, first sequence number and timestamp are random.
    pub fn new(mut config: StreamConfig, rng: &mut Rng) -> Result<MediaSession, MediaError> {
        config.ptime = usable_ptime(config.codec, config.ptime);
        let rate = config.codec.clock_rate();
        let remote = config.remote;
        Ok(MediaSession {
            coder: Coder::new(config.codec, config.device_rate)?,
            ssrc: Ssrc(rng.next_u64() as u32),
            sequence: rng.next_u64() as u16,
            timestamp: rng.next_u64() as u32,
            marker: true,
            jitter: JitterBuffer::new(rate, config.ptime),
            remote,
            latched: false,
            last_sent: None,
            last_capture: None,
            last_frame: Vec::new(),
            concealed_in_row: 0,
            transmits: VecDeque::new(),
            stats: MediaStats::default(),
            scratch: Vec::new(),
            dtmf_out: DtmfSender::new(
                config.event_rate.unwrap_or(rate),
                config.ptime.as_millis() as u32,
            ),
            dtmf_timestamp: 0,
            dtmf_in: DtmfReceiver::default(),
            digits: VecDeque::new(),
            rtcp: RtcpState::new(rng),
            srtp: Srtp::new(config.srtp.as_ref()),
            config,
        })
    }

    /// The sampling rate of what [`MediaSession::send_frame`] takes.
    pub fn send_rate(&self) -> u32 {
        self.coder.send_rate()
    }

    /// The sampling rate of what [`MediaSession::play_frame`] gives.
    pub fn play_rate(&self) -> u32 {
        self.coder.play_rate()
    }

    /// Samples in one frame (one packet) sent, at [`MediaSession::send_rate`].
    pub fn send_samples(&self) -> usize {
        samples_in(self.send_rate(), self.config.ptime)
    }

    /// Samples in one frame played, at [`MediaSession::play_rate`].
    pub fn play_samples(&self) -> usize {
        samples_in(self.play_rate(), self.config.ptime)
    }

    /// RTP timestamp units in one frame.
    fn frame_units(&self) -> u32 {
        samples_in(self.config.codec.clock_rate(), self.config.ptime) as u32
    }

    /// The packet time.
    pub fn ptime(&self) -> Duration {
        self.config.ptime
    }

    /// The configuration in force.
    pub fn config(&self) -> &StreamConfig {
        &self.config
    }

    /// A new offer/answer (hold, resume, another address or codec). The SSRC and sequence
    /// go on; sending again after a pause starts a talkspurt.
    pub fn update(&mut self, mut config: StreamConfig) -> Result<(), MediaError> {
        config.ptime = usable_ptime(config.codec, config.ptime);
        if config.codec != self.config.codec || config.device_rate != self.config.device_rate {
            self.coder = Coder::new(config.codec, config.device_rate)?;
        }
        if config.remote != self.config.remote {
            self.remote = config.remote;
            self.latched = false;
        }
        if config.remote_rtcp != self.config.remote_rtcp || config.rtcp_mux != self.config.rtcp_mux
        {
            self.rtcp.remote = None;
        }
        if config.send && !self.config.send {
            self.marker = true;
        }
        // New keys (a re-INVITE that rekeyed) start new contexts; the same keys keep the
        // rollover counters and replay windows (RFC 3711 §3.2.1).
        if self.srtp.as_ref().map(|s| &s.keys) != config.srtp.as_ref() {
            self.srtp = Srtp::new(config.srtp.as_ref());
        }
        let rate = config.codec.clock_rate();
        if rate != self.config.codec.clock_rate() || config.ptime != self.config.ptime {
            self.jitter = JitterBuffer::new(rate, config.ptime);
        }
        if rate != self.config.codec.clock_rate()
            || config.ptime != self.config.ptime
            || config.event_rate != self.config.event_rate
        {
            let event_rate = config.event_rate.unwrap_or(rate);
            self.dtmf_out = DtmfSender::new(event_rate, config.ptime.as_millis() as u32);
        }
        self.config = config;
        Ok(())
    }

    /// A datagram that arrived on our RTP port (or, without rtcp-mux, our RTCP port) from
    /// `from` at `now`.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        data: &[u8],
        from: SocketAddr,
    ) -> Result<(), PacketError> {
        let decrypted;
        let data = match &mut self.srtp {
            None => data,
            Some(srtp) => {
                // RFC 3711 §3.3, §3.4: authenticate, check replay, then decrypt.
                let plain = if is_rtcp(data) {
                    srtp.inbound.unprotect_rtcp(data)
                } else {
                    srtp.inbound.unprotect_rtp(data)
                };
                match plain {
                    Ok(plain) => {
                        decrypted = plain;
                        &decrypted[..]
                    }
                    Err(e) => {
                        self.stats.invalid += 1;
                        return Err(e.into());
                    }
                }
            }
        };
        if is_rtcp(data) {
            return self.handle_rtcp(now, data, from).map_err(|e| {
                self.stats.invalid += 1;
                e.into()
            });
        }
        let packet = match RtpPacket::parse(data) {
            Ok(p) => p,
            Err(e) => {
                self.stats.invalid += 1;
                return Err(e.into());
            }
        };
        if !self.latched {
            // RFC 4961: answer where the far end sends from.
            self.remote = Some(from);
            self.latched = true;
        }
        // RFC 3550 A.3: every packet of the source counts (events share its sequence space).
        self.rtcp.reception.packet(packet.ssrc, packet.sequence);
        if let Some((_, te)) = self.config.telephone_event {
            if packet.payload_type == te {
                if let Some(d) = self.dtmf_in.receive(packet.timestamp, &packet.payload) {
                    self.digits.push_back(d);
                }
                return Ok(());
            }
        }
        if packet.payload_type != self.config.receive_payload_type {
            // Comfort noise, telephone-event (handled elsewhere), or a stray payload.
            return Ok(());
        }
        self.stats.packets_received += 1;
        if self.config.receive {
            self.jitter.push(now, packet);
        }
        Ok(())
    }

    /// One frame of [`MediaSession::send_samples`] samples captured at `now`: sent as one
    /// packet when sending, else a keep-alive now and then. The timestamp advances either
    /// way (RFC 3550 §5.1: it follows the sampling clock, also when nothing is sent).
    pub fn send_frame(&mut self, now: Instant, samples: &[i16]) {
        self.last_capture = Some((now, self.timestamp));
        if self.dtmf_out.is_busy() && self.send_event(now) {
            return;
        }
        let keepalive_due = self
            .last_sent
            .is_none_or(|t| now.saturating_duration_since(t) >= KEEPALIVE);
        let frame = self.send_samples();
        if let Some(to) = self.remote.filter(|_| self.config.send || keepalive_due) {
            let mut input = if self.config.send {
                samples.to_vec()
            } else {
                Vec::new()
            };
            input.resize(frame, 0);
            let mut payload = std::mem::take(&mut self.scratch);
            match self.coder.encode(&input, &mut payload) {
                Ok(()) if self.coder.is_dtx_silence(&payload) => {
                    // RFC 7587 §3.1.3: whole frames are left out; speech after starts a
                    // talkspurt.
                    self.marker = true;
                }
                Ok(()) => payload = self.send_rtp(now, to, payload),
                Err(e) => {
                    self.stats.codec_errors += 1;
                    tracing::warn!("cannot encode a frame: {e}");
                }
            }
            self.scratch = payload;
        }
        if !self.config.send {
            self.marker = true;
        }
        self.timestamp = self.timestamp.wrapping_add(self.frame_units());
    }

    /// Sends one audio packet; gives the payload buffer back for reuse.
    fn send_rtp(&mut self, now: Instant, to: SocketAddr, payload: Vec<u8>) -> Vec<u8> {
        let mut packet = RtpPacket::new(
            self.config.payload_type,
            self.sequence,
            self.timestamp,
            self.ssrc,
            payload,
        );
        packet.marker = std::mem::replace(&mut self.marker, false);
        self.sequence = self.sequence.wrapping_add(1);
        self.stats.packets_sent += 1;
        self.stats.bytes_sent += packet.payload.len() as u64;
        self.transmits.push_back(Transmit {
            to,
            data: packet.to_bytes(),
            rtcp: false,
        });
        self.last_sent = Some(now);
        packet.payload
    }

    /// Queues DTMF digits, sent as telephone events in the packet times that follow (audio
    /// pauses meanwhile).
    pub fn send_dtmf(&mut self, digits: &str) -> Result<(), DtmfError> {
        if self.config.telephone_event.is_none() {
            return Err(DtmfError::NotNegotiated);
        }
        self.dtmf_out.queue(digits).map_err(DtmfError::BadDigit)
    }

    /// The next digit received, in order.
    pub fn poll_dtmf(&mut self) -> Option<char> {
        self.digits.pop_front()
    }

    /// One packet time of DTMF: an event packet, or the pause between digits. Returns
    /// `false` when audio should be sent instead.
    fn send_event(&mut self, now: Instant) -> bool {
        let Some((te, _)) = self.config.telephone_event else {
            return false;
        };
        let step = self.dtmf_out.step();
        let sent = match step {
            SendStep::Audio => return false,
            SendStep::Pause => true,
            SendStep::Event(event) => {
                if event.marker {
                    self.dtmf_timestamp = self.timestamp;
                }
                if let Some(to) = self.remote.filter(|_| self.config.send) {
                    let mut packet = RtpPacket::new(
                        te,
                        self.sequence,
                        self.dtmf_timestamp,
                        self.ssrc,
                        event.payload.to_bytes().to_vec(),
                    );
                    packet.marker = event.marker;
                    self.sequence = self.sequence.wrapping_add(1);
                    self.stats.packets_sent += 1;
                    self.transmits.push_back(Transmit {
                        to,
                        data: packet.to_bytes(),
                        rtcp: false,
                    });
                    self.last_sent = Some(now);
                }
                true
            }
        };
        // Audio after the digits starts a new talkspurt.
        self.marker = true;
        self.timestamp = self.timestamp.wrapping_add(self.frame_units());
        sent
    }

    /// The frame to play now, [`MediaSession::play_samples`] samples at
    /// [`MediaSession::play_rate`] (silence when nothing is received or playing is off).
    pub fn play_frame(&mut self) -> Vec<i16> {
        let frame = self.play_samples();
        if !self.config.receive {
            return vec![0; frame];
        }
        match self.jitter.pop() {
            Playout::Frame(payload) => {
                let mut out = Vec::with_capacity(frame);
                if let Err(e) = self.coder.decode(&payload, &mut out) {
                    self.stats.codec_errors += 1;
                    tracing::debug!("cannot decode a frame: {e}");
                    return self.conceal(frame);
                }
                out.resize(frame, 0);
                self.last_frame.clone_from(&out);
                self.concealed_in_row = 0;
                out
            }
            Playout::Missing => self.conceal(frame),
            Playout::Idle => vec![0; frame],
        }
    }

    /// A lost frame: the codec's own concealment (Opus: FEC from the next packet if it is
    /// buffered, else PLC), or the last frame repeated, each time quieter, for up to three
    /// frames; then silence.
    fn conceal(&mut self, frame: usize) -> Vec<i16> {
        if self.config.codec.has_concealment() {
            let next = self.jitter.peek();
            let mut out = Vec::with_capacity(frame);
            match self.coder.conceal(frame, next, &mut out) {
                Ok(true) => {
                    if next.is_some() {
                        self.stats.fec_recovered += 1;
                    }
                    out.resize(frame, 0);
                    return out;
                }
                Ok(false) => {}
                Err(e) => {
                    self.stats.codec_errors += 1;
                    tracing::debug!("cannot conceal a frame: {e}");
                }
            }
        }
        self.concealed_in_row += 1;
        if self.concealed_in_row > 3 || self.last_frame.len() != frame {
            return vec![0; frame];
        }
        let gain = 1.0 - 0.25 * self.concealed_in_row as f32;
        self.last_frame
            .iter()
            .map(|s| (f32::from(*s) * gain) as i16)
            .collect()
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        loop {
            let mut transmit = self.transmits.pop_front()?;
            let Some(srtp) = &mut self.srtp else {
                return Some(transmit);
            };
            // RFC 3711 §3.3, §3.4: everything leaves protected, RTCP included.
            let protected = if transmit.rtcp {
                srtp.outbound.protect_rtcp(&transmit.data)
            } else {
                srtp.outbound.protect_rtp(&transmit.data)
            };
            match protected {
                Ok(data) => {
                    transmit.data = data;
                    return Some(transmit);
                }
                // Only a packet shorter than its header fails: ours never are; dropped.
                Err(_) => self.stats.invalid += 1,
            }
        }
    }

    /// Where RTP packets go now.
    pub fn remote(&self) -> Option<SocketAddr> {
        self.remote
    }

    /// The far end's packets arrive at another point of our clock's period: our clock or
    /// the far end's moved (see [`crate::media::jitter::ArrivalPhase`]).
    pub fn arrivals_moved(&mut self) {
        self.jitter.arrivals_moved();
    }

    /// Whether our media clock may send when it plays: of two ends that both move their
    /// playout to the other's arrivals, one may also move its capture, never both (they
    /// would chase each other): the one with the lower SSRC. Against an end that does not
    /// follow arrivals at all, either way is stable.
    pub fn sends_with_playout(&self) -> bool {
        self.jitter.ssrc().is_some_and(|far| self.ssrc.0 < far.0)
    }

    /// How long received frames waited in the jitter buffer on average (see
    /// [`crate::media::jitter::JitterBuffer::mean_held`]).
    pub fn mean_buffered(&self) -> Option<Duration> {
        self.jitter.mean_held()
    }

    /// The counters.
    pub fn stats(&self) -> MediaStats {
        let jitter_ms =
            u64::from(self.jitter.jitter()) * 1000 / u64::from(self.config.codec.clock_rate());
        MediaStats {
            jitter: self.jitter.stats(),
            jitter_ms: u32::try_from(jitter_ms).unwrap_or(u32::MAX),
            buffer_ms: u32::try_from(self.jitter.len() as u128 * self.config.ptime.as_millis())
                .unwrap_or(u32::MAX),
            packets_lost: self.rtcp.reception.lost(),
            ..self.stats
        }
    }
}

/// Samples (or timestamp units) in `ptime` at `rate`.
fn samples_in(rate: u32, ptime: Duration) -> usize {
    (u128::from(rate) * ptime.as_micros() / 1_000_000) as usize
}

#[cfg(test)]
mod tests;
