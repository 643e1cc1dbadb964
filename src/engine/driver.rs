//! The engine's loop: one `select!` over the socket, the commands and the core's next
//! deadline; after every input the core is drained (STYLE.md habit 2).

use super::{Command, EngineConfig, EngineError, Event, STOP_GRACE};
use crate::sip::call::{CallEvent, CallId};
use crate::sip::locate::Answer;
use crate::sip::offer_answer::{Codec, LocalMedia};
use crate::sip::transaction::{Peer, Transmit, TransportKind};
use crate::sip::ua::{LookupId, ResolveRequest, UaEvent, UserAgent};
use crate::sip::uri::Uri;
use std::collections::BTreeSet;
use std::io;
use std::net::SocketAddr;
use std::time::Instant;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// The largest datagram we accept (the UDP maximum; RFC 3261 §18.1.1 leaves size to the path).
const MAX_DATAGRAM: usize = 65_535;

/// One input to the core, as the `select!` saw it.
enum Input {
    Datagram(io::Result<(usize, SocketAddr)>),
    Command(Option<Command>),
    Timeout,
}

/// The running engine: the core, its socket and what the loop must remember.
pub(super) struct Engine {
    ua: UserAgent,
    socket: UdpSocket,
    local: SocketAddr,
    config: EngineConfig,
    events: mpsc::Sender<Event>,
    /// Calls that have started and not ended (hung up on [`Command::Quit`]).
    live: BTreeSet<CallId>,
    /// Set by [`Command::Quit`]: stop once settled, or at this instant at the latest.
    stop_deadline: Option<Instant>,
    /// The last lookup told that DNS is missing (one error per lookup, not per query).
    dns_reported: Option<LookupId>,
}

impl Engine {
    pub(super) fn new(
        ua: UserAgent,
        socket: UdpSocket,
        local: SocketAddr,
        config: EngineConfig,
        events: mpsc::Sender<Event>,
    ) -> Self {
        Engine {
            ua,
            socket,
            local,
            config,
            events,
            live: BTreeSet::new(),
            stop_deadline: None,
            dns_reported: None,
        }
    }

    /// Announces the bound address, then runs until a requested stop has settled.
    pub(super) async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
    ) -> Result<(), EngineError> {
        self.emit(Event::Started { listen: self.local }).await?;
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            let wake = self.next_wake();
            let sleep = async move {
                match wake {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            let input = tokio::select! {
                received = self.socket.recv_from(&mut buf) => Input::Datagram(received),
                command = commands.recv(), if self.stop_deadline.is_none() => {
                    Input::Command(command)
                }
                () = sleep => Input::Timeout,
            };
            let now = Instant::now();
            match input {
                Input::Datagram(Ok((len, from))) => {
                    let peer = Peer {
                        transport: TransportKind::Udp,
                        addr: from,
                    };
                    self.ua.handle_datagram(now, &buf[..len], peer);
                }
                Input::Datagram(Err(e)) => self.on_receive_error(e).await?,
                // The application is gone: the same as an explicit quit.
                Input::Command(None | Some(Command::Quit)) => self.begin_stop(now).await?,
                Input::Command(Some(command)) => self.handle_command(now, command).await?,
                Input::Timeout => self.ua.handle_timeout(now),
            }
            self.drain().await?;
            if self.is_done(Instant::now()) {
                return self.emit(Event::Stopped).await;
            }
        }
    }

    /// When to wake without input: the core's next deadline, or the end of the stop grace.
    fn next_wake(&self) -> Option<Instant> {
        match (self.ua.poll_timeout(), self.stop_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether a requested stop can happen now: every call has ended and the core has
    /// nothing due before the deadline (no retransmission pending), or the deadline passed.
    fn is_done(&self, now: Instant) -> bool {
        let Some(deadline) = self.stop_deadline else {
            return false;
        };
        let settled = self.live.is_empty() && self.ua.poll_timeout().is_none_or(|t| t >= deadline);
        settled || now >= deadline
    }

    /// Starts stopping: hangs up every live call; the loop goes on until [`Self::is_done`].
    async fn begin_stop(&mut self, now: Instant) -> Result<(), EngineError> {
        self.stop_deadline = Some(now + STOP_GRACE);
        let live: Vec<CallId> = self.live.iter().copied().collect();
        for call in live {
            if let Err(e) = self.ua.hangup(now, call) {
                self.error(Some(call), format!("hang-up on quit failed: {e}"))
                    .await?;
            }
        }
        Ok(())
    }

    async fn handle_command(&mut self, now: Instant, command: Command) -> Result<(), EngineError> {
        let (call, result) = match command {
            Command::Dial { call, target } => return self.dial(now, call, &target).await,
            Command::Answer { call } => {
                let media = self.local_media();
                (call, self.ua.answer(now, call, media))
            }
            Command::Reject { call, code } if !(400..=699).contains(&code) => {
                let message = format!("cannot reject with {code}: use a status from 400 to 699");
                return self.error(Some(call), message).await;
            }
            Command::Reject { call, code } => (call, self.ua.reject(now, call, code)),
            Command::Hangup { call } => (call, self.ua.hangup(now, call)),
            Command::Hold { call } => (call, self.ua.hold(now, call)),
            Command::Resume { call } => (call, self.ua.resume(now, call)),
            Command::Quit => return self.begin_stop(now).await,
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) => self.error(Some(call), e.to_string()).await,
        }
    }

    /// Places a call; the next hop is located from the URI itself (RFC 3263), which needs
    /// no DNS when the host is an IP literal.
    async fn dial(&mut self, now: Instant, call: CallId, target: &str) -> Result<(), EngineError> {
        if call.is_incoming() {
            let message = format!(
                "call id {} has the top bit set, which marks incoming calls; pick one below 2^63",
                call.0
            );
            return self.error(Some(call), message).await;
        }
        let uri = match Uri::parse(target) {
            Ok(uri) => uri,
            Err(e) => {
                let message = format!("cannot call {target:?}: not a SIP URI: {e}");
                return self.error(Some(call), message).await;
            }
        };
        let media = self.local_media();
        match self.ua.dial_uri(now, call, None, uri, media) {
            Ok(()) => {
                self.live.insert(call);
                Ok(())
            }
            Err(e) => self.error(Some(call), e.to_string()).await,
        }
    }

    /// What we offer and answer: our address, the configured RTP port, every codec we know.
    fn local_media(&self) -> LocalMedia {
        let codecs = vec![
            Codec::pcmu(),
            Codec::pcma(),
            Codec::opus(),
            Codec::telephone_event(),
        ];
        LocalMedia::new(self.local.ip(), self.config.rtp_port, codecs)
    }

    /// Drains the core until it has nothing left to send, ask or say (STYLE.md habit 2).
    async fn drain(&mut self) -> Result<(), EngineError> {
        loop {
            let mut progressed = false;
            while let Some(transmit) = self.ua.poll_transmit() {
                progressed = true;
                self.send(transmit).await?;
            }
            while let Some(request) = self.ua.poll_resolve() {
                progressed = true;
                self.no_dns(request).await?;
            }
            while let Some(event) = self.ua.poll_event() {
                progressed = true;
                self.on_ua_event(event).await?;
            }
            if !progressed {
                return Ok(());
            }
        }
    }

    /// Answers a DNS question with a failure: this engine has no resolver yet. The core then
    /// tries what else RFC 3263 allows and ends the call with 503 when nothing is left.
    async fn no_dns(&mut self, request: ResolveRequest) -> Result<(), EngineError> {
        let ResolveRequest { lookup, query } = request;
        self.ua
            .handle_resolved(Instant::now(), lookup, &query, Answer::Failed);
        if self.dns_reported == Some(lookup) {
            return Ok(());
        }
        self.dns_reported = Some(lookup);
        let message = format!(
            "cannot look up {:?}: DNS is not implemented in this engine yet; \
             targets must be IP literals (sip:user@192.0.2.7:5060)",
            query.name()
        );
        self.error(None, message).await
    }

    async fn send(&mut self, transmit: Transmit) -> Result<(), EngineError> {
        let Transmit { peer, message } = transmit;
        if peer.transport != TransportKind::Udp {
            let message = format!("cannot send to {}: only UDP is implemented", peer.addr);
            return self.error(None, message).await;
        }
        match self.socket.send_to(&message.to_bytes(), peer.addr).await {
            Ok(_) => Ok(()),
            Err(e) => {
                // The core fails what was waiting on this peer (§17.1.4) and moves on.
                self.ua.handle_unreachable(Instant::now(), peer);
                let message = format!("cannot send to {}: {e}", peer.addr);
                self.error(None, message).await
            }
        }
    }

    /// Forwards a core event, tracking live calls and answering when asked to.
    async fn on_ua_event(&mut self, event: UaEvent) -> Result<(), EngineError> {
        let incoming = match &event {
            UaEvent::Call {
                call,
                event: CallEvent::Incoming { .. },
            } => {
                self.live.insert(*call);
                Some(*call)
            }
            UaEvent::Call {
                call,
                event: CallEvent::Ended { .. },
            } => {
                self.live.remove(call);
                None
            }
            _ => None,
        };
        self.emit(Event::Ua(event)).await?;
        let Some(call) = incoming else {
            return Ok(());
        };
        let now = Instant::now();
        let result = if self.stop_deadline.is_some() {
            // RFC 3261 §21.4.18: we are going away, so temporarily unavailable.
            self.ua.reject(now, call, 480)
        } else if self.config.auto_answer {
            let media = self.local_media();
            self.ua.answer(now, call, media)
        } else {
            Ok(())
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) => self.error(Some(call), e.to_string()).await,
        }
    }

    /// A failed receive. ICMP errors reported on the socket (some systems do for UDP) concern
    /// one peer and are not fatal; anything else is.
    async fn on_receive_error(&mut self, e: io::Error) -> Result<(), EngineError> {
        match e.kind() {
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted => {
                self.error(None, format!("receive error (ignored): {e}"))
                    .await
            }
            _ => Err(EngineError::Receive {
                addr: self.local,
                source: e,
            }),
        }
    }

    async fn error(&self, call: Option<CallId>, message: String) -> Result<(), EngineError> {
        self.emit(Event::Error { call, message }).await
    }

    async fn emit(&self, event: Event) -> Result<(), EngineError> {
        self.events
            .send(event)
            .await
            .map_err(|_| EngineError::EventsClosed)
    }
}
