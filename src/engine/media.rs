//! The engine's media side: one RTP socket per call (bound before the offer or answer names
//! its port), a reader task per socket feeding the engine's input channel, a
//! [`MediaSession`] per call once offer/answer settled, and the media clock: every packet time
//! the engine captures a frame from the audio device, sends it on every call and plays what
//! every call received (mixed).

use super::net::NetInput;
use crate::audio::wav::resample;
use crate::audio::{VIRTUAL_RATE, VirtualDevice};
use crate::media::rtp::PayloadType;
use crate::media::session::{AudioCodec, DtmfError, MediaSession, StreamConfig};
use crate::sip::call::CallId;
use crate::sip::offer_answer::Negotiated;
use crate::sip::rng::Rng;
use crate::sip::sdp::Direction;
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The packet time when the far end asks for none (RFC 3551 §4.5: 20 ms for G.711).
const DEFAULT_PTIME: Duration = Duration::from_millis(20);
/// The largest RTP datagram read.
const MAX_RTP: usize = 2048;

/// One call's media: its socket and, once negotiated, its session.
#[derive(Debug)]
struct CallMedia {
    socket: Arc<UdpSocket>,
    reader: JoinHandle<()>,
    session: Option<MediaSession>,
    /// We put the call on hold: the microphone is not sent (keep-alives only), whatever the
    /// SDP direction allows.
    held: bool,
}

impl Drop for CallMedia {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Every call's media, the audio device and the media clock.
#[derive(Debug)]
pub(super) struct Media {
    calls: HashMap<CallId, CallMedia>,
    ip: IpAddr,
    ports: (u16, u16),
    next_port: u16,
    device: VirtualDevice,
    rng: Rng,
    /// The next tick of the media clock, while a session exists.
    next_tick: Option<Instant>,
    inputs: mpsc::Sender<NetInput>,
}

impl Media {
    pub(super) fn new(
        ip: IpAddr,
        ports: (u16, u16),
        device: VirtualDevice,
        seed: [u8; 32],
        inputs: mpsc::Sender<NetInput>,
    ) -> Media {
        Media {
            calls: HashMap::new(),
            ip,
            ports,
            next_port: ports.0 & !1,
            device,
            rng: Rng::from_seed(seed),
            next_tick: None,
            inputs,
        }
    }

    /// The RTP port of `call`, binding a socket for it first if it has none: an even port
    /// of the configured range (RFC 3550 §11), the next free one round-robin.
    pub(super) fn port_for(&mut self, call: CallId) -> io::Result<u16> {
        if let Some(m) = self.calls.get(&call) {
            return m.socket.local_addr().map(|a| a.port());
        }
        let (low, high) = self.ports;
        let slots = u32::from(high.saturating_sub(low)) / 2 + 1;
        let mut last_error = None;
        for _ in 0..slots {
            let port = self.next_port;
            self.next_port = if port.saturating_add(2) > high {
                low & !1
            } else {
                port + 2
            };
            match std::net::UdpSocket::bind(SocketAddr::new(self.ip, port)) {
                Ok(std_socket) => {
                    std_socket.set_nonblocking(true)?;
                    let socket = Arc::new(UdpSocket::from_std(std_socket)?);
                    let reader = tokio::spawn(read_rtp(call, socket.clone(), self.inputs.clone()));
                    self.calls.insert(
                        call,
                        CallMedia {
                            socket,
                            reader,
                            session: None,
                            held: false,
                        },
                    );
                    return Ok(port);
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("the RTP port range is empty")))
    }

    /// Offer/answer settled (or changed) for `call`: starts or updates its session. Returns
    /// a warning when no audio can flow (a codec we cannot play, no address).
    pub(super) fn negotiated(
        &mut self,
        now: Instant,
        call: CallId,
        media: Option<&Negotiated>,
    ) -> Option<String> {
        let entry = self.calls.get_mut(&call)?;
        let Some(media) = media else {
            entry.session = None;
            return None;
        };
        let Some(codec) = media.send_codec.as_ref() else {
            entry.session = None;
            return Some(format!("call {}: no common codec, no audio", call.0));
        };
        let c = &codec.codec;
        let Some(audio) =
            AudioCodec::from_codec(&c.name, c.clock_rate, c.channels, c.fmtp.as_deref())
        else {
            entry.session = None;
            let name = &codec.codec.name;
            return Some(format!(
                "call {}: codec {name} is not playable yet, no audio",
                call.0
            ));
        };
        let receive_payload_type = media
            .receive_codecs
            .iter()
            .find(|(_, c)| c.name.eq_ignore_ascii_case(&codec.codec.name))
            .map_or(codec.payload_type, |(pt, _)| *pt);
        let sends = matches!(
            media.local_direction,
            Direction::SendRecv | Direction::SendOnly
        );
        let receives = matches!(
            media.local_direction,
            Direction::SendRecv | Direction::RecvOnly
        );
        let telephone_event = media.telephone_event_pt.and_then(|send| {
            let receive = media
                .receive_codecs
                .iter()
                .find(|(_, c)| c.name.eq_ignore_ascii_case("telephone-event"))?;
            Some((PayloadType(send), PayloadType(*receive.0)))
        });
        let config = StreamConfig {
            telephone_event,
            codec: audio,
            payload_type: PayloadType(codec.payload_type),
            receive_payload_type: PayloadType(receive_payload_type),
            ptime: media.ptime.map_or(DEFAULT_PTIME, |ms| {
                Duration::from_millis(u64::from(ms.clamp(10, 60)))
            }),
            remote: media.remote_rtp,
            remote_rtcp: media.remote_rtcp,
            rtcp_mux: media.rtcp_mux,
            send: sends && media.remote_rtp.is_some() && !entry.held,
            receive: receives,
            srtp: media.srtp.clone(),
        };
        let started = match &mut entry.session {
            Some(session) => session.update(config),
            None => MediaSession::new(config, &mut self.rng).map(|s| entry.session = Some(s)),
        };
        if let Err(e) = started {
            entry.session = None;
            return Some(format!("call {}: {e}, no audio", call.0));
        }
        self.next_tick.get_or_insert(now);
        None
    }

    /// We hold (or resume) `call`: from now on the microphone is not sent (or is again).
    pub(super) fn set_held(&mut self, call: CallId, held: bool) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        entry.held = held;
        if let Some(session) = entry.session.as_mut() {
            let mut config = session.config().clone();
            config.send = !held && config.send;
            // Only the direction changes: the codec stays, so this cannot fail.
            if let Err(e) = session.update(config) {
                tracing::warn!("call {}: {e}", call.0);
            }
        }
    }

    /// The call ended: an RTCP BYE goes out, then its socket closes and its reader stops.
    pub(super) fn close(&mut self, call: CallId) {
        if let Some(mut entry) = self.calls.remove(&call) {
            if let Some(session) = entry.session.as_mut() {
                session.close();
                flush(&entry.socket, session);
            }
        }
        if self.calls.values().all(|c| c.session.is_none()) {
            self.next_tick = None;
        }
    }

    /// A datagram that arrived on `call`'s RTP socket; returns the DTMF digits it completed.
    pub(super) fn packet(
        &mut self,
        now: Instant,
        call: CallId,
        data: &[u8],
        from: SocketAddr,
    ) -> Vec<char> {
        let Some(session) = self.calls.get_mut(&call).and_then(|c| c.session.as_mut()) else {
            return Vec::new();
        };
        if let Err(e) = session.handle_packet(now, data, from) {
            tracing::debug!("call {}: dropped a media packet: {e}", call.0);
        }
        std::iter::from_fn(|| session.poll_dtmf()).collect()
    }

    /// Sends DTMF digits on `call` as RFC 4733 telephone events.
    pub(super) fn send_dtmf(&mut self, call: CallId, digits: &str) -> Result<(), DtmfFailure> {
        let session = self
            .calls
            .get_mut(&call)
            .and_then(|c| c.session.as_mut())
            .ok_or(DtmfFailure::NoAudio(call))?;
        session.send_dtmf(digits).map_err(|e| match e {
            DtmfError::NotNegotiated => DtmfFailure::NotNegotiated,
            other => DtmfFailure::Refused(other),
        })
    }

    /// When the media clock ticks next.
    pub(super) fn next_tick(&self) -> Option<Instant> {
        self.next_tick
    }

    /// One tick of the media clock: capture, send, receive, play.
    pub(super) fn tick(&mut self, now: Instant) {
        let Some(due) = self.next_tick else {
            return;
        };
        if now < due {
            return;
        }
        let mut ptime = DEFAULT_PTIME;
        let mut mixed: Vec<i32> = Vec::new();
        let mut captured: Option<Vec<i16>> = None;
        let wall = SystemTime::now();
        for call in self.calls.values_mut() {
            let Some(session) = call.session.as_mut() else {
                continue;
            };
            ptime = session.ptime();
            // The device runs at VIRTUAL_RATE; the session at its codec's rate.
            let rate = session.sample_rate();
            let n = samples_in(VIRTUAL_RATE, ptime);
            let frame = captured.get_or_insert_with(|| self.device.capture(n));
            frame.resize(n, 0);
            let mut input = resample(frame, VIRTUAL_RATE, rate);
            input.resize(session.frame_samples(), 0);
            session.send_frame(now, &input);
            session.handle_timeout(now, wall);
            flush(&call.socket, session);
            let mut played = resample(&session.play_frame(), rate, VIRTUAL_RATE);
            played.resize(n, 0);
            mixed.resize(mixed.len().max(played.len()), 0);
            for (m, s) in mixed.iter_mut().zip(played) {
                *m += i32::from(s);
            }
        }
        if captured.is_none() {
            self.next_tick = None;
            return;
        }
        let out: Vec<i16> = mixed
            .into_iter()
            .map(|s| s.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16)
            .collect();
        self.device.play(&out);
        // The next tick keeps the cadence; after a stall it catches up without a burst.
        let next = due + ptime;
        self.next_tick = Some(if next + ptime < now {
            now + ptime
        } else {
            next
        });
    }

    /// The recording made so far, for writing out.
    pub(super) fn take_recording(
        &mut self,
    ) -> Option<(std::path::PathBuf, crate::audio::wav::Mono)> {
        self.device.take_recording()
    }
}

/// Why digits did not go out as telephone events.
#[derive(Debug, thiserror::Error)]
pub(super) enum DtmfFailure {
    /// The call has no media session (not answered yet, or no common codec).
    #[error("call {} has no audio to send DTMF on", .0.0)]
    NoAudio(CallId),
    /// The far end takes no telephone events (SIP INFO is the way then).
    #[error("the far end takes no telephone events")]
    NotNegotiated,
    /// Bad digits.
    #[error(transparent)]
    Refused(DtmfError),
}

/// Sends what `session` has queued. RTCP leaves from the RTP socket too: without rtcp-mux
/// the far end's RTCP port receives it all the same.
fn flush(socket: &UdpSocket, session: &mut MediaSession) {
    while let Some(transmit) = session.poll_transmit() {
        if let Err(e) = socket.try_send_to(&transmit.data, transmit.to) {
            tracing::debug!("media send failed: {e}");
        }
    }
}

/// Samples in `ptime` at `rate`.
fn samples_in(rate: u32, ptime: Duration) -> usize {
    (u128::from(rate) * ptime.as_micros() / 1_000_000) as usize
}

/// Reads one call's RTP socket until it fails or the task is aborted.
async fn read_rtp(call: CallId, socket: Arc<UdpSocket>, inputs: mpsc::Sender<NetInput>) {
    let media = |from, data: &[u8]| {
        Some(NetInput::Media {
            call,
            from,
            data: data.to_vec(),
        })
    };
    if let Some(e) = super::net::read_datagrams(&socket, MAX_RTP, &inputs, media).await {
        tracing::warn!("call {}: RTP socket failed: {e}", call.0);
    }
}
