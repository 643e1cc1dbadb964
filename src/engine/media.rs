//! The engine's media side: one RTP socket per call (bound before the offer or answer names
//! its port), a [`MediaSession`] per call once offer/answer settled, and the media clock.
//! It ticks twice a packet time: at the capture tick the engine captures a frame from the
//! audio device and sends it on every call; at the playout tick it reads what arrived on
//! every call's socket and plays what every call received (mixed). Sockets are read at the
//! playout tick, not on each packet ([`RtpSocket`]), and that tick follows the far end's
//! arrivals ([`ArrivalPhase`]) so that packets hardly wait to be read. Were it one tick
//! for both at both ends, two ends following each other's packets would chase each other,
//! and their two waits would always add up to a packet time. So of two ends one keeps its
//! capture tick where it is, and the other (the lower SSRC,
//! [`MediaSession::sends_with_playout`]) moves it with its playout tick: one wake-up a
//! packet time instead of two. The ticks start together, sharing one wake-up.

use super::Event;
use super::meters::Meters;
use super::rtp_socket::RtpSocket;
use super::tones::Tones;
use crate::audio::resample::{Converter, convert_frame};
use crate::audio::{AudioDevice, DeviceNotice};
use crate::media::jitter::{ArrivalPhase, PhaseChange};
use crate::media::rtp::PayloadType;
use crate::media::session::{AudioCodec, DtmfError, MediaSession, StreamConfig};
use crate::sip::call::{CallEvent, CallId};
use crate::sip::offer_answer::Negotiated;
use crate::sip::rng::Rng;
use crate::sip::sdp::Direction;
use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant, SystemTime};

/// The packet time when the far end asks for none (RFC 3551 §4.5: 20 ms for G.711).
const DEFAULT_PTIME: Duration = Duration::from_millis(20);

/// One call's media: its socket and, once negotiated, its session.
#[derive(Debug)]
struct CallMedia {
    socket: RtpSocket,
    /// The RTCP socket on the next (odd) port, for a peer that declines rtcp-mux
    /// (RFC 3550 §11); closed once rtcp-mux is agreed (RFC 5761 §5.1.1).
    rtcp: Option<RtpSocket>,
    session: Option<MediaSession>,
    /// We put the call on hold: the microphone is not sent (keep-alives only), whatever the
    /// SDP direction allows.
    held: bool,
    /// Rate conversion between the device and the codec, each way (kept across frames:
    /// the converters are filters with memory).
    to_codec: Option<Converter>,
    from_codec: Option<Converter>,
    /// The microphone is muted for this call: silence is sent instead.
    muted: bool,
    /// Where the far end's packets arrive within the clock's period.
    phase: ArrivalPhase,
}

impl CallMedia {
    /// Hands what arrived on the call's sockets to its session (or drops it when there is
    /// none yet: nothing plays before offer/answer settles); the DTMF digits completed join
    /// `digits`. Returns when the last datagram on the RTP socket arrived.
    fn receive(
        &mut self,
        call: CallId,
        now: Instant,
        wall: SystemTime,
        digits: &mut VecDeque<(CallId, char)>,
    ) -> Option<Instant> {
        let mut arrived = None;
        for (i, socket) in std::iter::once(&mut self.socket)
            .chain(self.rtcp.as_mut())
            .enumerate()
        {
            while let Some(datagram) = socket.recv(now, wall) {
                let Some(session) = self.session.as_mut() else {
                    continue;
                };
                if i == 0 {
                    arrived = Some(datagram.at);
                }
                if let Err(e) = session.handle_packet(datagram.at, datagram.data, datagram.from) {
                    tracing::debug!("call {}: dropped a media packet: {e}", call.0);
                }
                digits.extend(std::iter::from_fn(|| session.poll_dtmf()).map(|d| (call, d)));
            }
        }
        arrived
    }
}

/// Every call's media, the audio device and the media clock.
#[derive(Debug)]
pub(super) struct Media {
    calls: HashMap<CallId, CallMedia>,
    /// The ringer device, when one is chosen apart from the speaker (sound card only).
    ringer: Option<AudioDevice>,
    /// The ringer device is open (a call rings).
    ringing: bool,
    ip: IpAddr,
    ports: (u16, u16),
    next_port: u16,
    device: AudioDevice,
    rng: Rng,
    /// The next capture and playout ticks of the media clock, while it runs.
    next_capture: Option<Instant>,
    next_playout: Option<Instant>,
    /// DTMF digits received, for the application.
    digits: VecDeque<(CallId, char)>,
    /// Ringback, busy, error, call-waiting tones and the ringtone.
    tones: Tones,
    /// Levels and call statistics for the application.
    meters: Meters,
    /// Samples captured and played since the start, and whether each tick runs with its
    /// cadence anchored (see [`anchor`]).
    captured: u64,
    played: u64,
    capture_anchored: bool,
    playout_anchored: bool,
    /// The microphone is tested: the clock runs without a call and its level is reported.
    monitor: bool,
}

impl Media {
    pub(super) fn new(ip: IpAddr, ports: (u16, u16), device: AudioDevice, seed: [u8; 32]) -> Media {
        let rate = device.rate();
        let ringer = device.ringer();
        Media {
            ringer,
            ringing: false,
            calls: HashMap::new(),
            ip,
            ports,
            next_port: ports.0 & !1,
            device,
            rng: Rng::from_seed(seed),
            next_capture: None,
            next_playout: None,
            digits: VecDeque::new(),
            tones: Tones::new(rate),
            meters: Meters::new(false),
            captured: 0,
            played: 0,
            capture_anchored: false,
            playout_anchored: false,
            monitor: false,
        }
    }

    /// Report levels ([`Event::Levels`]) or not.
    pub(super) fn set_levels(&mut self, on: bool) {
        self.meters = Meters::new(on);
    }

    /// A call event: starts or stops local tones (the media clock runs while one plays).
    pub(super) fn call_event(&mut self, now: Instant, call: CallId, event: &CallEvent) {
        let in_call = self
            .calls
            .iter()
            .any(|(c, m)| *c != call && m.session.is_some());
        self.tones.on_call_event(call, event, in_call);
        if self.tones.active() {
            self.start_clock(now);
        }
    }

    /// Something is to be heard (a call's audio or a tone): the device opens and the clock
    /// runs, if they were not already.
    fn start_clock(&mut self, now: Instant) {
        if self.next_capture.is_none() {
            self.device.start();
            self.next_capture = Some(now);
            self.next_playout = Some(now);
        }
    }

    /// The next DTMF digit received, level or statistics event.
    pub(super) fn poll_event(&mut self) -> Option<Event> {
        if let Some((call, digit)) = self.digits.pop_front() {
            return Some(Event::Dtmf { call, digit });
        }
        self.meters.poll_event()
    }

    /// The RTP port of `call`, binding sockets for it first if it has none: an even port
    /// of the configured range and the odd one above it for RTCP (RFC 3550 §11), the next
    /// free pair round-robin.
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
            match bind_pair(self.ip, port) {
                Ok((rtp, rtcp)) => {
                    self.calls.insert(
                        call,
                        CallMedia {
                            socket: RtpSocket::new(rtp)?,
                            rtcp: Some(RtpSocket::new(rtcp)?),
                            session: None,
                            held: false,
                            to_codec: None,
                            from_codec: None,
                            muted: false,
                            phase: ArrivalPhase::default(),
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
        let Some(mut audio) =
            AudioCodec::from_codec(&c.name, c.clock_rate, c.channels, c.fmtp.as_deref())
        else {
            entry.session = None;
            let name = &codec.codec.name;
            return Some(format!(
                "call {}: codec {name} is not playable yet, no audio",
                call.0
            ));
        };
        if let AudioCodec::Opus(params) = &mut audio {
            // Nothing above the device's Nyquist frequency reaches the encoder (the virtual
            // device runs at 8 kHz): Opus need not code the empty upper bands. Capped at
            // wideband (SILK alone) rather than narrowband: narrowband SILK saved a quarter
            // of the CPU but blurred onsets, measured as 18 ms more mouth-to-ear latency in
            // scripts/bench-media.sh. A sound card at 48 kHz keeps the far end's choice.
            params.max_playback_rate = params.max_playback_rate.min(self.device.rate() * 2);
        }
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
        // RFC 4733 §2.1: events share the audio's clock; with Opus both 8 and 48 kHz
        // events are offered, and the one matching the codec is taken when there.
        let events = || {
            media
                .receive_codecs
                .iter()
                .filter(|(_, c)| c.is_telephone_event())
        };
        let receive_event = events()
            .find(|(_, e)| e.clock_rate == c.clock_rate)
            .or_else(|| events().next());
        let telephone_event = media
            .telephone_event_pt
            .zip(receive_event)
            .map(|(send, (receive, _))| (PayloadType(send), PayloadType(*receive)));
        let event_rate = receive_event.map(|(_, e)| e.clock_rate);
        if media.rtcp_mux {
            // RFC 5761 §5.1.1: RTCP now shares the RTP port; the odd one is not needed.
            entry.rtcp = None;
        }
        let config = StreamConfig {
            telephone_event,
            event_rate,
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
            device_rate: self.device.rate(),
        };
        let started = match &mut entry.session {
            Some(session) => session.update(config),
            None => {
                // Whatever came before has nothing to play into: dropped, as it arrived.
                entry.receive(call, now, SystemTime::now(), &mut self.digits);
                MediaSession::new(config, &mut self.rng).map(|s| entry.session = Some(s))
            }
        };
        if let Err(e) = started {
            entry.session = None;
            return Some(format!("call {}: {e}, no audio", call.0));
        }
        self.start_clock(now);
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

    /// Mutes (or unmutes) the microphone towards `call`; `false` when there is no such call.
    pub(super) fn set_muted(&mut self, call: CallId, muted: bool) -> bool {
        let Some(entry) = self.calls.get_mut(&call) else {
            return false;
        };
        entry.muted = muted;
        true
    }

    /// The call ended: an RTCP BYE goes out, then its socket closes and its reader stops.
    pub(super) fn close(&mut self, call: CallId) {
        self.meters.forget(call);
        if let Some(mut entry) = self.calls.remove(&call) {
            if let Some(wait) = entry.phase.mean_wait() {
                let buffered = entry.session.as_ref().and_then(MediaSession::mean_buffered);
                tracing::info!(
                    "call {}: packets waited {} µs on average to be read, then {} µs in the jitter buffer",
                    call.0,
                    wait.as_micros(),
                    buffered.unwrap_or_default().as_micros()
                );
            }
            if let Some(session) = entry.session.as_mut() {
                session.close();
                flush(&entry.socket, entry.rtcp.as_ref(), session);
            }
        }
        self.digits.retain(|(c, _)| *c != call);
        if self.calls.values().all(|c| c.session.is_none()) && !self.tones.active() && !self.monitor
        {
            self.stop_clock();
        }
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

    /// When the media clock ticks next (capture or playout).
    pub(super) fn next_tick(&self) -> Option<Instant> {
        match (self.next_capture, self.next_playout) {
            (Some(c), Some(p)) => Some(c.min(p)),
            (c, p) => c.or(p),
        }
    }

    /// The ticks of the media clock that are due: capture and send, then receive and play.
    pub(super) fn tick(&mut self, now: Instant) {
        if !self.calls.values().any(|c| c.session.is_some())
            && !self.tones.active()
            && !self.monitor
        {
            self.stop_clock();
            return;
        }
        // One packet time for the clock: the calls' (the same, but for a peer that asked
        // for another).
        let ptime = self
            .calls
            .values()
            .filter_map(|c| c.session.as_ref())
            .map(MediaSession::ptime)
            .last()
            .unwrap_or(DEFAULT_PTIME);
        if let Some(due) = self.next_capture.filter(|due| now >= *due) {
            self.capture(now, ptime);
            self.next_capture = Some(self.caught_up(due + ptime, ptime, now, Tick::Capture));
        }
        if let Some(due) = self.next_playout.filter(|due| now >= *due) {
            let change = self.playout(now, due, ptime);
            let mut next = due + ptime;
            if let Some((change, with_capture)) = change {
                let (by, way) = match change {
                    PhaseChange::Earlier(by) => {
                        next = next.checked_sub(by).unwrap_or(now).max(now);
                        (by, "earlier")
                    }
                    PhaseChange::Later(by) => {
                        next += by;
                        (by, "later")
                    }
                };
                tracing::info!(
                    "media clock: playout ticks {} µs {way}, where the far end's packets arrive",
                    by.as_micros()
                );
                self.playout_anchored = false;
                if with_capture {
                    self.next_capture = Some(next);
                    self.capture_anchored = false;
                }
            }
            self.next_playout = Some(self.caught_up(next, ptime, now, Tick::Playout));
        }
    }

    /// The `next` tick, which keeps the cadence; after a stall, one caught up without a
    /// burst (and anchored afresh).
    fn caught_up(&mut self, next: Instant, ptime: Duration, now: Instant, tick: Tick) -> Instant {
        if next + ptime >= now {
            return next;
        }
        tracing::warn!(
            "media clock late by {} ms: skipping ahead",
            now.duration_since(next).as_millis()
        );
        match tick {
            Tick::Capture => self.capture_anchored = false,
            Tick::Playout => self.playout_anchored = false,
        }
        now + ptime
    }

    /// What a tick starts with: the wall-clock time, the device's rate and its samples in a
    /// packet time. The tick's anchor is logged when it has none.
    fn start_tick(&mut self, tick: Tick, ptime: Duration) -> (SystemTime, u32, usize) {
        let wall = SystemTime::now();
        let rate = self.device.rate();
        let (anchored, samples, device) = match tick {
            Tick::Capture => (&mut self.capture_anchored, self.captured, "microphone"),
            Tick::Playout => (&mut self.playout_anchored, self.played, "speaker"),
        };
        if !*anchored {
            anchor(device, wall, samples, rate);
            *anchored = true;
        }
        (wall, rate, samples_in(rate, ptime))
    }

    /// The capture tick: a frame from the microphone, sent on every call.
    fn capture(&mut self, now: Instant, ptime: Duration) {
        let (wall, device_rate, n) = self.start_tick(Tick::Capture, ptime);
        let mut frame = self.device.capture(n);
        frame.resize(n, 0);
        self.captured += n as u64;
        let mut sent = false;
        for call in self.calls.values_mut() {
            let Some(session) = call.session.as_mut() else {
                continue;
            };
            sent = true;
            let mut input = if call.muted {
                Vec::new()
            } else {
                convert_frame(&mut call.to_codec, &frame, device_rate, session.send_rate())
            };
            input.resize(session.send_samples(), 0);
            session.send_frame(now, &input);
            session.handle_timeout(now, wall);
            flush(&call.socket, call.rtcp.as_ref(), session);
        }
        if sent || self.monitor {
            self.meters.microphone(&frame);
        }
    }

    /// The playout tick: what every call received, mixed with the tones, to the speaker.
    /// Says how the tick should move to follow the far end's packets (one call alone), and
    /// whether the capture tick moves with it.
    fn playout(
        &mut self,
        now: Instant,
        due: Instant,
        ptime: Duration,
    ) -> Option<(PhaseChange, bool)> {
        let (wall, device_rate, n) = self.start_tick(Tick::Playout, ptime);
        let mut mixed = vec![0i32; n];
        // The tick follows a call's packets only when it serves that call alone.
        let alone = self.calls.len() == 1;
        let mut change = None;
        for (id, call) in self.calls.iter_mut() {
            let arrived = call.receive(*id, now, wall, &mut self.digits);
            let Some(session) = call.session.as_mut() else {
                continue;
            };
            if let (true, Some(arrived)) = (alone, arrived) {
                // Judged against when the tick was due, not when it ran: on a busy machine a
                // tick runs late, and a packet that came after it was due (late) would look
                // as if it came just in time.
                let period = session.ptime();
                let moved = call.phase.observe(wait_for(due, arrived, period), period);
                if moved.is_some() {
                    session.arrivals_moved();
                }
                change = moved.map(|c| (c, session.sends_with_playout()));
            }
            let received = session.play_frame();
            let rate = session.play_rate();
            let mut played = convert_frame(&mut call.from_codec, &received, rate, device_rate);
            played.resize(n, 0);
            self.meters.played(*id, &played);
            for (m, s) in mixed.iter_mut().zip(played) {
                *m += i32::from(s);
            }
        }
        self.tones.mix_progress(&mut mixed);
        // The ringtone is its own source: on the ringer device when one is chosen (opened
        // while it rings), else it joins the output.
        match (self.tones.ringer(mixed.len()), self.ringer.as_mut()) {
            (Some(ring), Some(ringer)) => {
                if !self.ringing {
                    ringer.start();
                    self.ringing = true;
                }
                ringer.play(&ring);
            }
            (Some(ring), None) => {
                for (m, s) in mixed.iter_mut().zip(ring) {
                    *m += i32::from(s);
                }
            }
            (None, _) => self.stop_ringer(),
        }
        let sessions = self
            .calls
            .iter()
            .filter_map(|(id, c)| Some((*id, c.session.as_ref()?)));
        self.meters.after_tick(now, sessions);
        let out: Vec<i16> = mixed
            .into_iter()
            .map(|s| s.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16)
            .collect();
        self.played += out.len() as u64;
        self.device.play(&out);
        change
    }

    /// No call has audio: the clock stops and the device closes.
    fn stop_clock(&mut self) {
        self.next_playout = None;
        if self.next_capture.take().is_some() {
            self.device.stop();
        }
        self.capture_anchored = false;
        self.playout_anchored = false;
        self.stop_ringer();
    }

    /// The ringtone ended: the ringer device closes.
    fn stop_ringer(&mut self) {
        if let (true, Some(ringer)) = (self.ringing, self.ringer.as_mut()) {
            ringer.stop();
            self.ringing = false;
        }
    }

    /// New sound settings: the device (and ringer) are replaced, and opened at once when
    /// the clock runs (a call has audio, a tone plays, the microphone is tested).
    pub(super) fn replace_device(&mut self, device: AudioDevice) {
        self.stop_ringer();
        self.device.stop();
        self.ringer = device.ringer();
        self.device = device;
        if self.next_capture.is_some() {
            self.device.start();
        }
    }

    /// Tests the microphone (or stops): the clock runs without a call, and the microphone's
    /// level is reported as with a call.
    pub(super) fn set_monitor(&mut self, now: Instant, on: bool) {
        self.monitor = on;
        if on {
            self.start_clock(now);
        }
    }

    /// Plays the test sound on the output device.
    pub(super) fn play_test_sound(&mut self, now: Instant) {
        self.tones.start_test();
        self.start_clock(now);
    }

    /// What the user should know about the sound devices.
    pub(super) fn poll_notice(&mut self) -> Option<DeviceNotice> {
        self.device
            .poll_notice()
            .or_else(|| self.ringer.as_mut()?.poll_notice())
    }

    /// The recording made so far, for writing out.
    pub(super) fn take_recording(
        &mut self,
    ) -> Option<(std::path::PathBuf, crate::audio::wav::Mono)> {
        self.device.take_recording()
    }
}

/// How long before the tick `due` a packet that `arrived` waited; one that came after it
/// waits for the next tick, a period later.
fn wait_for(due: Instant, arrived: Instant, period: Duration) -> Duration {
    match due.checked_duration_since(arrived) {
        Some(wait) => wait,
        None => {
            let late = arrived - due;
            let period_ns = period.as_nanos().max(1);
            let late_ns = late.as_nanos() % period_ns;
            Duration::from_nanos(u64::try_from(period_ns - late_ns).unwrap_or(0))
        }
    }
}

/// The two ticks of the media clock.
#[derive(Debug, Clone, Copy)]
enum Tick {
    Capture,
    Playout,
}

/// Notes when a tick of the media clock starts (or starts again after a pause, a stall or
/// a move) and how many samples the device (`microphone` or `speaker`) took or gave before:
/// with it a recording's samples map to wall-clock time (`scripts/bench-media.sh` measures
/// latency so).
fn anchor(device: &str, wall: SystemTime, samples: u64, rate: u32) {
    let unix_us = wall
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros());
    tracing::info!("media clock anchor ({device}): unix_us={unix_us} sample={samples} rate={rate}");
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

/// Sends what `session` has queued: RTCP from the RTCP socket when there is one (no
/// rtcp-mux), so that it leaves from the port our SDP implies (RFC 3264 §5.1).
fn flush(socket: &RtpSocket, rtcp: Option<&RtpSocket>, session: &mut MediaSession) {
    while let Some(transmit) = session.poll_transmit() {
        let from = match rtcp {
            Some(rtcp) if transmit.rtcp => rtcp,
            _ => socket,
        };
        if let Err(e) = from.send_to(&transmit.data, transmit.to) {
            tracing::debug!("media send failed: {e}");
        }
    }
}

/// Binds `port` (even) and `port + 1` on `ip`.
fn bind_pair(ip: IpAddr, port: u16) -> io::Result<(std::net::UdpSocket, std::net::UdpSocket)> {
    let odd = port
        .checked_add(1)
        .ok_or_else(|| io::Error::other("no odd port above 65535"))?;
    let rtp = std::net::UdpSocket::bind(SocketAddr::new(ip, port))?;
    let rtcp = std::net::UdpSocket::bind(SocketAddr::new(ip, odd))?;
    Ok((rtp, rtcp))
}

/// Samples in `ptime` at `rate`.
fn samples_in(rate: u32, ptime: Duration) -> usize {
    (u128::from(rate) * ptime.as_micros() / 1_000_000) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packet_is_judged_against_when_the_tick_was_due() {
        let (due, ms) = (
            Instant::now() + Duration::from_secs(1),
            Duration::from_millis,
        );
        let period = ms(20);
        // 3 ms before the tick: it waited 3 ms, however late the tick then ran.
        assert_eq!(wait_for(due, due - ms(3), period), ms(3));
        // 2 ms after the tick was due (read by a tick that ran late): it missed it and
        // waits for the next one, 18 ms.
        assert_eq!(wait_for(due, due + ms(2), period), ms(18));
        assert_eq!(wait_for(due, due + ms(22), period), ms(18));
        assert_eq!(wait_for(due, due, period), Duration::ZERO);
    }
}
