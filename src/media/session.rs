//! One call's audio stream, sans-IO: frames of samples in, RTP packets out; RTP packets in,
//! frames of samples out. The caller owns the socket and the clock and calls
//! [`MediaSession::send_frame`] and [`MediaSession::play_frame`] once per packet time.
//!
//! - RTP (RFC 3550): a random SSRC, sequence number and timestamp start (§5.1); the marker bit
//!   on the first packet of a talkspurt (RFC 3551 §4.1), that is the first after the start or
//!   after a pause in sending (hold).
//! - Symmetric RTP (RFC 4961): until a packet arrives, packets go to the address the SDP gave;
//!   then to where the far end's packets come from (what gets through NATs).
//! - Hold: with sending off, a silence packet every [`KEEPALIVE`] keeps NAT bindings open
//!   (RFC 6263 §4.6 allows the codec's own payload).
//! - Receiving: the jitter buffer ([`super::jitter`]); a lost frame is concealed by repeating
//!   the last one, fading (G.711 has no concealment of its own; ITU-T G.711 Appendix I does the
//!   same in spirit), then silence.

use super::dtmf::{DtmfReceiver, DtmfSender, SendStep};
use super::g711;
use super::jitter::{JitterBuffer, JitterStats, Playout};
use super::rtp::{PayloadType, RtpError, RtpPacket, Ssrc, is_rtcp};
use crate::sip::rng::Rng;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How often a silence packet goes out while we do not send (on hold).
pub const KEEPALIVE: Duration = Duration::from_secs(5);

/// The audio codecs this session speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioCodec {
    /// G.711 µ-law (static payload type 0).
    Pcmu,
    /// G.711 A-law (static payload type 8).
    Pcma,
}

impl AudioCodec {
    /// The codec for an SDP encoding name (`PCMU`, `PCMA`), if we speak it.
    pub fn from_name(name: &str) -> Option<AudioCodec> {
        if name.eq_ignore_ascii_case("PCMU") {
            Some(AudioCodec::Pcmu)
        } else if name.eq_ignore_ascii_case("PCMA") {
            Some(AudioCodec::Pcma)
        } else {
            None
        }
    }

    /// Samples per second.
    pub fn clock_rate(self) -> u32 {
        8000
    }

    fn encode(self, samples: &[i16], out: &mut Vec<u8>) {
        match self {
            AudioCodec::Pcmu => g711::encode_into(samples, g711::ulaw_encode, out),
            AudioCodec::Pcma => g711::encode_into(samples, g711::alaw_encode, out),
        }
    }

    fn decode(self, payload: &[u8], out: &mut Vec<i16>) {
        match self {
            AudioCodec::Pcmu => g711::decode_into(payload, g711::ulaw_decode, out),
            AudioCodec::Pcma => g711::decode_into(payload, g711::alaw_decode, out),
        }
    }
}

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
    /// The packet time.
    pub ptime: Duration,
    /// Where the SDP says to send.
    pub remote: Option<SocketAddr>,
    /// Whether we send audio (not on hold, not `recvonly`/`inactive`).
    pub send: bool,
    /// Whether we play what arrives.
    pub receive: bool,
}

/// Counters for call statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediaStats {
    /// RTP packets sent.
    pub packets_sent: u64,
    /// Payload bytes sent.
    pub bytes_sent: u64,
    /// RTP packets received (valid, of our payload type).
    pub packets_received: u64,
    /// Datagrams that were not usable RTP.
    pub invalid: u64,
    /// The jitter buffer's counters.
    pub jitter: JitterStats,
    /// The interarrival jitter, in milliseconds.
    pub jitter_ms: u32,
}

/// One audio stream of one call.
#[derive(Debug)]
pub struct MediaSession {
    config: StreamConfig,
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
    /// The last frame played and how many times it was repeated, for concealment.
    last_frame: Vec<i16>,
    concealed_in_row: u32,
    transmits: VecDeque<(SocketAddr, Vec<u8>)>,
    stats: MediaStats,
    scratch: Vec<u8>,
    dtmf_out: DtmfSender,
    /// The timestamp of the event being sent (all its packets carry it).
    dtmf_timestamp: u32,
    dtmf_in: DtmfReceiver,
    digits: VecDeque<char>,
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

impl MediaSession {
    /// A stream for `config`; the SSRC, first sequence number and timestamp are random.
    pub fn new(config: StreamConfig, rng: &mut Rng) -> MediaSession {
        let rate = config.codec.clock_rate();
        let remote = config.remote;
        MediaSession {
            ssrc: Ssrc(rng.next_u64() as u32),
            sequence: rng.next_u64() as u16,
            timestamp: rng.next_u64() as u32,
            marker: true,
            jitter: JitterBuffer::new(rate, config.ptime),
            remote,
            latched: false,
            last_sent: None,
            last_frame: Vec::new(),
            concealed_in_row: 0,
            transmits: VecDeque::new(),
            stats: MediaStats::default(),
            scratch: Vec::new(),
            dtmf_out: DtmfSender::new(rate, config.ptime.as_millis() as u32),
            dtmf_timestamp: 0,
            dtmf_in: DtmfReceiver::default(),
            digits: VecDeque::new(),
            config,
        }
    }

    /// Samples in one frame (one packet).
    pub fn frame_samples(&self) -> usize {
        (u128::from(self.config.codec.clock_rate()) * self.config.ptime.as_micros() / 1_000_000)
            as usize
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
    pub fn update(&mut self, config: StreamConfig) {
        if config.remote != self.config.remote {
            self.remote = config.remote;
            self.latched = false;
        }
        if config.send && !self.config.send {
            self.marker = true;
        }
        if config.codec != self.config.codec || config.ptime != self.config.ptime {
            self.jitter = JitterBuffer::new(config.codec.clock_rate(), config.ptime);
        }
        self.config = config;
    }

    /// A datagram that arrived on our RTP port from `from`.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        data: &[u8],
        from: SocketAddr,
    ) -> Result<(), RtpError> {
        if is_rtcp(data) {
            // RTCP reports are not read yet; not an error.
            return Ok(());
        }
        let packet = match RtpPacket::parse(data) {
            Ok(p) => p,
            Err(e) => {
                self.stats.invalid += 1;
                return Err(e);
            }
        };
        if !self.latched {
            // RFC 4961: answer where the far end sends from.
            self.remote = Some(from);
            self.latched = true;
        }
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

    /// One frame captured at `now`: sent as one packet when sending, else a keep-alive now
    /// and then. The timestamp advances either way (RFC 3550 §5.1: it follows the sampling
    /// clock, also when nothing is sent).
    pub fn send_frame(&mut self, now: Instant, samples: &[i16]) {
        if self.dtmf_out.is_busy() && self.send_event(now) {
            return;
        }
        let keepalive_due = self
            .last_sent
            .is_none_or(|t| now.saturating_duration_since(t) >= KEEPALIVE);
        let frame = self.frame_samples();
        if let Some(to) = self.remote.filter(|_| self.config.send || keepalive_due) {
            if self.config.send {
                self.config.codec.encode(samples, &mut self.scratch);
            } else {
                self.config.codec.encode(&vec![0; frame], &mut self.scratch);
            }
            let mut packet = RtpPacket::new(
                self.config.payload_type,
                self.sequence,
                self.timestamp,
                self.ssrc,
                std::mem::take(&mut self.scratch),
            );
            packet.marker = std::mem::replace(&mut self.marker, false);
            self.sequence = self.sequence.wrapping_add(1);
            self.stats.packets_sent += 1;
            self.stats.bytes_sent += packet.payload.len() as u64;
            self.transmits.push_back((to, packet.to_bytes()));
            self.scratch = packet.payload;
            self.last_sent = Some(now);
        }
        if !self.config.send {
            self.marker = true;
        }
        self.timestamp = self.timestamp.wrapping_add(frame as u32);
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
        let frame = self.frame_samples() as u32;
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
                    self.transmits.push_back((to, packet.to_bytes()));
                    self.last_sent = Some(now);
                }
                true
            }
        };
        // Audio after the digits starts a new talkspurt.
        self.marker = true;
        self.timestamp = self.timestamp.wrapping_add(frame);
        sent
    }

    /// The frame to play now (silence when nothing is received or playing is off).
    pub fn play_frame(&mut self) -> Vec<i16> {
        let frame = self.frame_samples();
        if !self.config.receive {
            return vec![0; frame];
        }
        match self.jitter.pop() {
            Playout::Frame(payload) => {
                let mut out = Vec::with_capacity(frame);
                self.config.codec.decode(&payload, &mut out);
                out.resize(frame, 0);
                self.last_frame.clone_from(&out);
                self.concealed_in_row = 0;
                out
            }
            Playout::Missing => self.conceal(frame),
            Playout::Idle => vec![0; frame],
        }
    }

    /// Repeats the last frame, each time quieter, for up to three frames; then silence.
    fn conceal(&mut self, frame: usize) -> Vec<i16> {
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

    /// The next datagram to send, and where.
    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        self.transmits.pop_front()
    }

    /// Where packets go now.
    pub fn remote(&self) -> Option<SocketAddr> {
        self.remote
    }

    /// The counters.
    pub fn stats(&self) -> MediaStats {
        let jitter_ms =
            u64::from(self.jitter.jitter()) * 1000 / u64::from(self.config.codec.clock_rate());
        MediaStats {
            jitter: self.jitter.stats(),
            jitter_ms: u32::try_from(jitter_ms).unwrap_or(u32::MAX),
            ..self.stats
        }
    }
}

#[cfg(test)]
mod tests;
