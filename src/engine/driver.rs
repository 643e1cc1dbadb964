//! The engine's loop: one `select!` over network input, DNS answers, the commands and the next
//! deadline; after every input the core is drained (STYLE.md habit 2).

use super::accounts::EngineAccount;
use super::dns::{Dns, Resolved};
use super::media::{DtmfFailure, Media};
use super::media_timer::MediaTimer;
use super::net::{Net, NetInput};
use super::stun::StunOutcome;
use super::{Command, EngineConfig, EngineError, Event};
use crate::log::{redact, scrub};
use crate::p2p::dht::{Published, Publisher};
use crate::p2p::identity::Identity;
use crate::p2p::mdns::Mdns;
use crate::p2p::nearby::Change;
use crate::sip::call::{CallEvent, CallId};
use crate::sip::locate::Answer;
use crate::sip::message::Message;
use crate::sip::offer_answer::{Codec, LocalMedia, MasterKey};
use crate::sip::registration::RegistrationEvent;
use crate::sip::text::Text;
use crate::sip::transaction::{Peer, Transmit, TransportKind};
use crate::sip::ua::{AccountId, UaEvent, UserAgent};
use crate::sip::uri::{Host, SipUri, Uri};
use pkarr::PublicKey;
use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;
use tokio::sync::mpsc;

mod secure;
mod settings;
use secure::{Arrival, hide_keys, offers_srtp, p2p_key};

/// One input to the core, as the `select!` saw it.
enum Input {
    Net(Option<NetInput>),
    Dns(Option<Resolved>),
    Published(Option<Published>),
    Nearby(Option<Change>),
    Stun(Option<StunOutcome>),
    Command(Option<Command>),
    Timeout,
    /// The media clock's alarm went off (or failed).
    MediaTick(std::io::Result<()>),
}

/// The channels the loop reads.
pub(super) struct Inputs {
    pub(super) commands: mpsc::Receiver<Command>,
    pub(super) net: mpsc::Receiver<NetInput>,
    pub(super) dns: mpsc::Receiver<Resolved>,
    pub(super) published: mpsc::Receiver<Published>,
    pub(super) nearby: mpsc::Receiver<Change>,
    pub(super) stun: mpsc::Receiver<StunOutcome>,
    /// Senders kept so that the channels above never close.
    pub(super) _keep: (mpsc::Sender<Change>, mpsc::Sender<StunOutcome>),
}

/// The running engine: the core, its transports and what the loop must remember.
pub(super) struct Engine {
    ua: UserAgent,
    net: Net,
    dns: Dns,
    media: Media,
    config: EngineConfig,
    events: mpsc::Sender<Event>,
    /// Calls that have started and not ended (hung up on [`Command::Quit`]).
    live: BTreeSet<CallId>,
    /// Accounts not yet unregistered (waited for on [`Command::Quit`]).
    accounts: BTreeSet<AccountId>,
    /// Set by [`Command::Quit`]: stop once settled, or at this instant at the latest.
    stop_deadline: Option<Instant>,
    /// When keep-alives go out next.
    next_keepalive: Option<Instant>,
    /// Host names by address, learned from DNS answers: the name a TLS certificate must carry.
    names: HashMap<IpAddr, String>,
    /// Our P2P identity, announced at start.
    identity: Option<Identity>,
    /// Keeps our records on the DHT (`None` without an identity or a DHT).
    publisher: Option<Publisher>,
    /// LAN discovery (`None`: mDNS is off); stopped (goodbyes sent) when the engine stops.
    mdns: Option<Mdns>,
    /// The peer address of the call being dialled, when known (for our SDP address).
    media_towards: Option<IpAddr>,
    /// The P2P identity key each accepted TLS connection's client proved.
    tls_keys: HashMap<Peer, PublicKey>,
    /// Where the message being handled came from (set while the core handles it, so an
    /// incoming call can be told which connection, and which proven key, it arrived on).
    arriving: Option<Arrival>,
    /// Calls whose signalling is TLS: their media may be SRTP, keyed by SDES.
    secure: BTreeSet<CallId>,
    /// Our SRTP master key per secure call (made on first use, kept for re-INVITEs).
    srtp_keys: HashMap<CallId, MasterKey>,
    /// Incoming calls refused before they were announced (a TLS key that is not the From
    /// host): their further events, the end included, are not reported either.
    refused: BTreeSet<CallId>,
    /// The id the next account added by [`Command::Accounts`] gets (ids are never reused:
    /// a removed account's unregistration may still be under way).
    next_account: u32,
}

impl Drop for Engine {
    /// However the loop ended, our mDNS services are withdrawn and the daemon stops.
    fn drop(&mut self) {
        if let Some(mdns) = self.mdns.take() {
            mdns.stop();
        }
    }
}

impl Engine {
    pub(super) fn new(
        ua: UserAgent,
        net: Net,
        dns: Dns,
        media: Media,
        config: EngineConfig,
        events: mpsc::Sender<Event>,
    ) -> Self {
        Engine {
            ua,
            net,
            dns,
            media,
            config,
            events,
            live: BTreeSet::new(),
            accounts: BTreeSet::new(),
            stop_deadline: None,
            next_keepalive: None,
            names: HashMap::new(),
            identity: None,
            publisher: None,
            mdns: None,
            media_towards: None,
            tls_keys: HashMap::new(),
            arriving: None,
            secure: BTreeSet::new(),
            srtp_keys: HashMap::new(),
            refused: BTreeSet::new(),
            next_account: 0,
        }
    }

    /// Adds serverless calling: our identity, what publishes it, and LAN discovery.
    pub(super) fn with_p2p(
        mut self,
        identity: Option<Identity>,
        publisher: Option<Publisher>,
        mdns: Option<Mdns>,
    ) -> Self {
        self.identity = identity;
        self.publisher = publisher;
        self.mdns = mdns;
        self
    }

    /// Announces the bound addresses, adds the accounts, then runs until a requested stop
    /// has settled.
    pub(super) async fn run(
        mut self,
        inputs: Inputs,
        warnings: Vec<String>,
    ) -> Result<(), EngineError> {
        let Inputs {
            mut commands,
            mut net,
            mut dns,
            mut published,
            mut nearby,
            mut stun,
            _keep,
        } = inputs;
        let listen = self.net.local().to_vec();
        self.emit(Event::Started { listen }).await?;
        if let Some(identity) = &self.identity {
            let address = identity.address();
            self.emit(Event::Identity { address }).await?;
        }
        if let Some(publisher) = &mut self.publisher {
            publisher.start(Instant::now(), self.net.local());
        }
        for message in warnings {
            tracing::warn!("{}", scrub(&message));
            self.emit(Event::Warning { message }).await?;
        }
        if let Some(why) = self.dns.unavailable() {
            let message = format!("no DNS resolver ({why}): only IP-literal hosts will work");
            self.error(None, message).await?;
        }
        self.add_accounts(Instant::now());
        self.drain().await?;
        // The media clock ticks on its own kernel timer (see `media_timer`); without one,
        // on tokio's timer like the rest.
        let mut media_timer = match MediaTimer::new() {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::warn!("no timerfd for the media clock ({e}): using tokio's timer");
                None
            }
        };
        loop {
            if let Some(timer) = &mut media_timer
                && let Err(e) = timer.arm(self.media.next_tick())
            {
                tracing::warn!("media clock timer failed ({e}): using tokio's timer");
                media_timer = None;
            }
            let wake = self.next_wake(media_timer.is_none());
            let sleep = async move {
                match wake {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            let media_alarm = async {
                match media_timer.as_mut() {
                    Some(timer) => timer.fired().await,
                    None => std::future::pending().await,
                }
            };
            let input = tokio::select! {
                input = net.recv() => Input::Net(input),
                answer = dns.recv() => Input::Dns(answer),
                outcome = published.recv(), if self.publisher.is_some() => {
                    Input::Published(outcome)
                }
                change = nearby.recv() => Input::Nearby(change),
                outcome = stun.recv() => Input::Stun(outcome),
                command = commands.recv(), if self.stop_deadline.is_none() => {
                    Input::Command(command)
                }
                () = sleep => Input::Timeout,
                fired = media_alarm => Input::MediaTick(fired),
            };
            let now = Instant::now();
            match input {
                Input::Net(Some(input)) => self.on_net(now, input).await?,
                // These channels have senders kept by the engine itself: they never close.
                Input::Net(None)
                | Input::Dns(None)
                | Input::Published(None)
                | Input::Nearby(None)
                | Input::Stun(None) => {}
                Input::Nearby(Some(change)) => self.emit(nearby_event(change)).await?,
                Input::Stun(Some(outcome)) => self.on_stun(now, outcome).await?,
                Input::Dns(Some(resolved)) => self.on_resolved(now, resolved).await?,
                Input::Published(Some(outcome)) => {
                    if let Some(publisher) = &mut self.publisher {
                        let event = publisher.on_published(now, outcome);
                        self.emit(event).await?;
                    }
                }
                // The application is gone: the same as an explicit quit.
                Input::Command(None | Some(Command::Quit)) => self.begin_stop(now).await?,
                Input::Command(Some(command)) => self.handle_command(now, command).await?,
                Input::Timeout | Input::MediaTick(Ok(())) => self.on_timeout(now).await?,
                Input::MediaTick(Err(e)) => {
                    tracing::warn!("media clock timer failed ({e}): using tokio's timer");
                    media_timer = None;
                }
            }
            self.drain().await?;
            if self.is_done(Instant::now()) {
                if let Some(mdns) = self.mdns.take() {
                    mdns.stop();
                }
                self.save_recording().await?;
                return self.emit(Event::Stopped).await;
            }
        }
    }

    fn add_accounts(&mut self, now: Instant) {
        let local = self.net.local().to_vec();
        for account in &self.config.accounts {
            let config = account.core_config(&local, &self.config.user_agent);
            self.ua.add_account(now, account.id, config);
            self.accounts.insert(account.id);
        }
        self.next_keepalive = self.config.keepalive.map(|k| now + k);
    }

    /// When to wake without input: the core's next deadline, a keep-alive, the end of the
    /// stop grace, or (`with_media`: when the media clock has no timer of its own) its tick.
    fn next_wake(&self, with_media: bool) -> Option<Instant> {
        [
            self.ua.poll_timeout(),
            self.stop_deadline,
            self.next_keepalive,
            self.media.next_tick().filter(|_| with_media),
            self.publisher.as_ref().and_then(Publisher::next_wake),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Whether a requested stop can happen now: every call has ended, every account is
    /// unregistered and the core has nothing due before the deadline (no retransmission
    /// pending), or the deadline passed.
    fn is_done(&self, now: Instant) -> bool {
        let Some(deadline) = self.stop_deadline else {
            return false;
        };
        let settled = self.live.is_empty()
            && self.accounts.is_empty()
            && self.ua.poll_timeout().is_none_or(|t| t >= deadline);
        settled || now >= deadline
    }

    /// Starts stopping: hangs up every live call and unregisters every account; the loop
    /// goes on until [`Self::is_done`].
    async fn begin_stop(&mut self, now: Instant) -> Result<(), EngineError> {
        self.stop_deadline = Some(now + self.config.stop_grace);
        self.next_keepalive = None;
        let live: Vec<CallId> = self.live.iter().copied().collect();
        for call in live {
            if let Err(e) = self.ua.hangup(now, call) {
                self.error(Some(call), format!("hang-up on quit failed: {e}"))
                    .await?;
            }
        }
        let accounts: Vec<AccountId> = self.accounts.iter().copied().collect();
        for account in accounts {
            self.ua.remove_account(now, account);
        }
        Ok(())
    }

    /// A STUN server told us our public address: report it, and publish it with ours.
    async fn on_stun(&mut self, now: Instant, outcome: StunOutcome) -> Result<(), EngineError> {
        let StunOutcome { server, result } = outcome;
        match result {
            Ok(address) => {
                tracing::info!("STUN: {server} sees us as {}", redact(address));
                if let Some(publisher) = &mut self.publisher {
                    publisher.set_public(now, Some(address.ip()));
                }
                self.emit(Event::PublicAddress { address, server }).await
            }
            Err(why) => {
                let message = format!("STUN server {server}: {why}");
                tracing::warn!("{}", scrub(&message));
                self.emit(Event::Warning { message }).await
            }
        }
    }

    async fn on_timeout(&mut self, now: Instant) -> Result<(), EngineError> {
        self.ua.handle_timeout(now);
        self.media.tick(now);
        while let Some(notice) = self.media.poll_notice() {
            self.emit(Event::AudioDevice(notice)).await?;
        }
        while let Some(event) = self.media.poll_event() {
            self.emit(event).await?;
        }
        if let Some(publisher) = &mut self.publisher {
            publisher.on_timeout(now, self.net.local());
        }
        if self.next_keepalive.is_some_and(|k| k <= now) {
            self.next_keepalive = self.config.keepalive.map(|k| now + k);
            for peer in self.ua.keepalive_targets() {
                // RFC 5626 §4.4.1: CRLF on UDP (RFC 3261 §7.5 lets receivers ignore it); a
                // double-CRLF ping on streams, which the server answers with a CRLF pong.
                let ping = match peer.transport {
                    TransportKind::Udp => b"\r\n".to_vec(),
                    TransportKind::Tcp | TransportKind::Tls => b"\r\n\r\n".to_vec(),
                };
                self.send_bytes(peer, ping).await?;
            }
        }
        Ok(())
    }

    async fn on_net(&mut self, now: Instant, input: NetInput) -> Result<(), EngineError> {
        match input {
            NetInput::Datagram { peer, data } => {
                tracing::trace!(
                    target: "tincan::sip_trace",
                    "from {} {}:\n{}",
                    name(peer),
                    peer.addr,
                    hide_keys(&String::from_utf8_lossy(&data))
                );
                self.arriving = Some(Arrival {
                    transport: peer.transport,
                    key: None,
                    offers_srtp: false,
                });
                self.ua.handle_datagram(now, &data, peer);
            }
            NetInput::Stream { peer, message } => {
                tracing::trace!(
                    target: "tincan::sip_trace",
                    "from {} {}:\n{}",
                    name(peer),
                    peer.addr,
                    hide_keys(&message.to_string())
                );
                self.arriving = Some(Arrival {
                    transport: peer.transport,
                    key: self.tls_keys.get(&peer).cloned(),
                    offers_srtp: offers_srtp(&message),
                });
                self.ua.handle_message(now, *message, peer);
            }
            NetInput::Accepted {
                peer,
                queue,
                identity,
            } => {
                tracing::debug!(
                    "accepted {:?} connection from {}{}",
                    peer.transport,
                    peer.addr,
                    if identity.is_some() {
                        " (it proved a P2P identity key)"
                    } else {
                        ""
                    }
                );
                if let Some(key) = identity {
                    self.tls_keys.insert(peer, key);
                }
                self.net.adopt(peer, queue);
            }
            NetInput::Connected { peer } => {
                tracing::debug!("{:?} connection to {} is up", peer.transport, peer.addr);
            }
            NetInput::Closed {
                peer,
                error,
                never_opened,
            } => {
                self.net.forget(peer);
                self.tls_keys.remove(&peer);
                // Whatever waited on this connection fails as a transport error (§18.4);
                // the next request opens a new connection.
                self.ua.handle_unreachable(now, peer);
                if let Some(error) = error {
                    let what = if never_opened { "cannot reach" } else { "lost" };
                    let message = format!("{what} {} {}: {error}", name(peer), peer.addr);
                    self.error(None, message).await?;
                }
            }
            NetInput::Fatal {
                local,
                transport,
                error,
            } => {
                return Err(EngineError::Receive {
                    addr: local,
                    transport,
                    source: error,
                });
            }
        }
        Ok(())
    }

    async fn on_resolved(&mut self, now: Instant, resolved: Resolved) -> Result<(), EngineError> {
        let Resolved {
            lookup,
            query,
            answer,
            error,
        } = resolved;
        if let Answer::Address(addrs) = &answer {
            for ip in addrs {
                self.names.insert(*ip, query.name().to_owned());
                self.learn_route(*ip);
            }
        }
        if let Some(error) = error {
            let message = format!("DNS lookup of {:?} failed: {error}", query.name());
            self.error(None, message).await?;
        }
        self.ua.handle_resolved(now, lookup, &query, answer);
        Ok(())
    }

    /// [`Command::Accounts`]: unchanged accounts keep their id and registration; the others
    /// unregister (and are forgotten once that finished), new ones get fresh ids and register.
    async fn set_accounts(
        &mut self,
        now: Instant,
        wanted: Vec<EngineAccount>,
    ) -> Result<(), EngineError> {
        let same = |a: &EngineAccount, b: &EngineAccount| {
            EngineAccount {
                id: b.id,
                ..a.clone()
            } == *b
        };
        let old = self.config.accounts.clone();
        let mut next = old
            .iter()
            .map(|a| a.id.0 + 1)
            .max()
            .unwrap_or(0)
            .max(self.next_account);
        let mut kept = Vec::with_capacity(wanted.len());
        for mut account in wanted {
            match old
                .iter()
                .find(|o| same(&account, o) && !kept.iter().any(|k: &EngineAccount| k.id == o.id))
            {
                Some(o) => account.id = o.id,
                None => {
                    account.id = AccountId(next);
                    next += 1;
                }
            }
            kept.push(account);
        }
        self.next_account = next;
        let local = self.net.local().to_vec();
        for gone in old.iter().filter(|o| !kept.iter().any(|k| k.id == o.id)) {
            tracing::info!("account {:?} removed or changed: unregistering", gone.name);
            self.ua.remove_account(now, gone.id);
        }
        for new in kept.iter().filter(|k| !old.iter().any(|o| o.id == k.id)) {
            tracing::info!("account {:?} added", new.name);
            let config = new.core_config(&local, &self.config.user_agent);
            self.ua.add_account(now, new.id, config);
            self.accounts.insert(new.id);
        }
        let accounts = kept.iter().map(|a| (a.id, a.name.clone())).collect();
        self.config.accounts = kept;
        if self.next_keepalive.is_none() {
            self.next_keepalive = self.config.keepalive.map(|k| now + k);
        }
        self.emit(Event::Accounts { accounts }).await
    }

    async fn handle_command(&mut self, now: Instant, command: Command) -> Result<(), EngineError> {
        let (call, result) = match command {
            Command::Accounts(accounts) => return self.set_accounts(now, accounts).await,
            Command::Dial {
                call,
                target,
                account,
            } => return self.dial(now, call, &target, account).await,
            Command::Answer { call } => match self.local_media(call) {
                Ok(media) => (call, self.ua.answer(now, call, media)),
                Err(message) => return self.error(Some(call), message).await,
            },
            Command::Reject { call, code } if !(400..=699).contains(&code) => {
                let message = format!("cannot reject with {code}: use a status from 400 to 699");
                return self.error(Some(call), message).await;
            }
            Command::Reject { call, code } => (call, self.ua.reject(now, call, code)),
            Command::Hangup { call } => (call, self.ua.hangup(now, call)),
            Command::Hold { call } => {
                let result = self.ua.hold(now, call);
                if result.is_ok() {
                    self.media.set_held(call, true);
                }
                (call, result)
            }
            Command::Resume { call } => {
                let result = self.ua.resume(now, call);
                if result.is_ok() {
                    // The answer to the re-INVITE turns sending on again (MediaUpdated).
                    self.media.set_held(call, false);
                }
                (call, result)
            }
            Command::Mute { call, mute } => {
                return match self.media.set_muted(call, mute) {
                    true => Ok(()),
                    false => {
                        let message = format!("no call {} to mute or unmute", call.0);
                        self.error(Some(call), message).await
                    }
                };
            }
            Command::Dtmf { call, digits } => {
                // RFC 4733 events when the far end takes them, else SIP INFO.
                let sent = match self.media.send_dtmf(call, &digits) {
                    Err(DtmfFailure::NotNegotiated) => self
                        .ua
                        .send_dtmf_info(now, call, &digits)
                        .map_err(|e| e.to_string()),
                    other => other.map_err(|e| e.to_string()),
                };
                return match sent {
                    Ok(()) => Ok(()),
                    Err(message) => self.error(Some(call), message).await,
                };
            }
            Command::Audio(settings) => return self.apply_audio(&settings).await,
            Command::Answering {
                auto_answer,
                do_not_disturb,
            } => {
                self.set_answering(auto_answer, do_not_disturb);
                return Ok(());
            }
            Command::TestMicrophone(on) => {
                self.media.set_monitor(now, on);
                return Ok(());
            }
            Command::TestSound => {
                self.media.play_test_sound(now);
                return Ok(());
            }
            Command::Quit => return self.begin_stop(now).await,
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) => self.error(Some(call), e.to_string()).await,
        }
    }

    /// Places a call; the next hop is the account's outbound proxy, or is located from the
    /// URI itself (RFC 3263).
    async fn dial(
        &mut self,
        now: Instant,
        call: CallId,
        target: &str,
        account: Option<AccountId>,
    ) -> Result<(), EngineError> {
        if call.is_incoming() {
            let message = format!(
                "call id {} has the top bit set, which marks incoming calls; pick one below 2^63",
                call.0
            );
            return self.error(Some(call), message).await;
        }
        let settings = account.map(|id| self.config.accounts.iter().find(|a| a.id == id));
        if let Some(None) = settings {
            let message = format!("no account with id {}", account.map_or(0, |a| a.0));
            return self.error(Some(call), message).await;
        }
        let uri = match target_uri(target, settings.flatten().map(|a| &a.aor)) {
            Ok(uri) => uri,
            Err(message) => return self.error(Some(call), message).await,
        };
        // Where the call goes, when known now: an IP literal, or a peer nearby.
        let peer_ip = match uri.as_sip().map(|u| &u.host) {
            Some(Host::V4(ip)) => Some(IpAddr::V4(*ip)),
            Some(Host::V6(ip)) => Some(IpAddr::V6(*ip)),
            Some(Host::Name(name)) => self
                .mdns
                .as_ref()
                .and_then(|m| m.peer(name.as_str()))
                .and_then(|p| p.addresses.first().copied()),
            None => None,
        };
        if let Some(ip) = peer_ip {
            self.learn_route(ip);
        }
        self.media_towards = peer_ip;
        let transport = self.p2p_transport(&uri);
        // Signalling is TLS to a proven key: offer SRTP (keys never travel in clear).
        let marked = transport == Some(TransportKind::Tls) && self.secure.insert(call);
        let media = match self.local_media(call) {
            Ok(m) => m,
            Err(message) => {
                self.unmark(call, marked);
                return self.error(Some(call), message).await;
            }
        };
        match self
            .ua
            .dial_uri_over(now, call, account, uri, media, transport)
        {
            Ok(()) => {
                self.live.insert(call);
                Ok(())
            }
            Err(e) => {
                self.unmark(call, marked);
                self.error(Some(call), e.to_string()).await
            }
        }
    }

    /// After a registration: when the registrar saw us at another address than ours (a NAT,
    /// RFC 3581 `received`), that address is published on the DHT too.
    fn learn_seen_address(&mut self, account: AccountId) {
        let Some(publisher) = &mut self.publisher else {
            return;
        };
        let seen = match self.ua.account_contact(account).map(|c| &c.host) {
            Some(Host::V4(ip)) => IpAddr::V4(*ip),
            Some(Host::V6(ip)) => IpAddr::V6(*ip),
            _ => return,
        };
        let ours = self.net.local().iter().any(|(_, a)| a.ip() == seen);
        if !ours && !seen.is_loopback() && !seen.is_unspecified() {
            tracing::info!("the registrar sees us at {}", redact(seen));
            publisher.set_seen_by_registrar(Instant::now(), Some(seen));
        }
    }

    /// Tells the core which of our addresses reaches `peer`, when we listen on a wildcard
    /// address (Via and Contact must name a real one).
    fn learn_route(&mut self, peer: IpAddr) {
        if !self
            .net
            .local()
            .iter()
            .any(|(_, a)| a.ip().is_unspecified())
        {
            return;
        }
        if let Some(source) = route_source(peer) {
            self.ua.learn_route_source(peer, source);
        }
    }

    /// What we offer and answer for `call`: our address, the call's own RTP port (bound
    /// now), and the codecs we can play: Opus first, then G.711.
    fn local_media(&mut self, call: CallId) -> Result<LocalMedia, String> {
        let port = self
            .media
            .port_for(call)
            .map_err(|e| format!("no RTP port for the call: {e}"))?;
        // RFC 4733 §2.1: events run on the audio codec's clock, so Opus gets its own.
        let mut codecs = self.config.codecs.clone();
        codecs.push(Codec::telephone_event());
        codecs.push(Codec::new("telephone-event", 48_000, 1).with_fmtp("0-16"));
        // A wildcard listen address stands for the route's source towards the peer (when
        // known), else for the default route's address.
        let towards = self.media_towards.take();
        let ip = self
            .net
            .local()
            .iter()
            .map(|(_, a)| a.ip())
            .find(|ip| !ip.is_unspecified())
            .or_else(|| towards.and_then(route_source))
            .or_else(|| route_source(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))))
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let mut local = LocalMedia::new(ip, port, codecs);
        // RFC 5761: offered and accepted; a peer that declines gets RTCP on port + 1.
        local.rtcp_mux = true;
        local.ptime = self.config.ptime;
        if self.secure.contains(&call) {
            local.srtp = Some(self.srtp_key(call)?);
        }
        Ok(local)
    }

    /// Writes the virtual speaker's recording, off the engine task.
    async fn save_recording(&mut self) -> Result<(), EngineError> {
        let Some((path, audio)) = self.media.take_recording() else {
            return Ok(());
        };
        let written = tokio::task::spawn_blocking(move || crate::audio::wav::write(&path, &audio))
            .await
            .map_err(|e| EngineError::Startup(e.to_string()))?;
        if let Err(e) = written {
            self.error(None, format!("cannot write the recording: {e}"))
                .await?;
        }
        Ok(())
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
                self.dns.ask(request);
            }
            while let Some(event) = self.ua.poll_event() {
                progressed = true;
                self.on_ua_event(event).await?;
            }
            if !progressed {
                self.arriving = None;
                return Ok(());
            }
        }
    }

    async fn send(&mut self, transmit: Transmit) -> Result<(), EngineError> {
        let Transmit { peer, message } = transmit;
        tracing::trace!(
            target: "tincan::sip_trace",
            "to {} {}:\n{}",
            name(peer),
            peer.addr,
            hide_keys(&message.to_string())
        );
        // A request to a P2P identity (its Request-URI, or else its To, names a key) must
        // reach the holder of that key: a new TLS connection checks the key, not a name.
        let identity = match &message {
            Message::Request(r) if peer.transport == TransportKind::Tls => {
                p2p_key(&r.uri).or_else(|| r.headers.to().ok().and_then(|to| p2p_key(&to.uri)))
            }
            _ => None,
        };
        let data = message.to_bytes().to_vec();
        match identity {
            Some(key) => self.send_named(peer, data, Some(key)).await,
            None => self.send_bytes(peer, data).await,
        }
    }

    async fn send_bytes(&mut self, peer: Peer, data: Vec<u8>) -> Result<(), EngineError> {
        let server_name = self.names.get(&peer.addr.ip()).cloned();
        self.send_named(peer, data, server_name).await
    }

    /// Sends to `peer`; a new TLS connection checks the certificate against `server_name`.
    async fn send_named(
        &mut self,
        peer: Peer,
        data: Vec<u8>,
        server_name: Option<String>,
    ) -> Result<(), EngineError> {
        match self.net.send(peer, data, server_name.as_deref()).await {
            Ok(()) => Ok(()),
            Err(e) => {
                // The core fails what was waiting on this peer (§17.1.4) and moves on.
                self.ua.handle_unreachable(Instant::now(), peer);
                let message = format!("cannot send to {} {}: {e}", name(peer), peer.addr);
                self.error(None, message).await
            }
        }
    }

    /// Forwards a core event, tracking live calls and accounts, and answering when asked to.
    async fn on_ua_event(&mut self, mut event: UaEvent) -> Result<(), EngineError> {
        if let UaEvent::Call { call, event } = &event
            && self.refused.contains(call)
        {
            if matches!(event, CallEvent::Ended { .. }) {
                tracing::debug!("refused call {} ended (not reported)", call.0);
                self.refused.remove(call);
                self.secure.remove(call);
                self.srtp_keys.remove(call);
            }
            return Ok(());
        }
        if let Some(message) = self.vet_incoming(&mut event) {
            if let UaEvent::Call { call, .. } = &event {
                self.refused.insert(*call);
            }
            return self.emit(Event::Warning { message }).await;
        }
        let declined = self.declined_for_dnd(&event);
        if let UaEvent::Call { call, event } = &event
            && declined.is_none()
        {
            self.media.call_event(Instant::now(), *call, event);
        }
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
                self.secure.remove(call);
                self.srtp_keys.remove(call);
                self.media.close(*call);
                None
            }
            UaEvent::Call {
                call,
                event:
                    CallEvent::Answered { media }
                    | CallEvent::EarlyMedia { media }
                    | CallEvent::MediaUpdated { media },
            } => {
                if let Some(warning) = self.media.negotiated(Instant::now(), *call, Some(media)) {
                    self.emit(Event::Warning { message: warning }).await?;
                }
                None
            }
            UaEvent::Registration {
                account,
                event: RegistrationEvent::Registered { .. },
            } => {
                self.learn_seen_address(*account);
                None
            }
            UaEvent::Registration {
                account,
                event: RegistrationEvent::Unregistered,
            } => {
                self.accounts.remove(account);
                None
            }
            UaEvent::Registration {
                account,
                event: RegistrationEvent::Failed { code, reason, .. },
            } => {
                tracing::warn!(
                    "account {}: registration failed: {code} {reason}",
                    account.0
                );
                None
            }
            UaEvent::Warning { message } => {
                tracing::warn!("{}", scrub(message));
                None
            }
            UaEvent::Rejected {
                peer,
                status,
                reason,
            } => {
                tracing::warn!(
                    "refused a message from {}: {status:?} {}",
                    redact(peer.addr),
                    scrub(reason)
                );
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
        } else if declined.is_some() {
            // Do not disturb: RFC 3261 §21.4.24, busy here (the user is, for us).
            self.ua.reject(now, call, 486)
        } else if self.config.auto_answer {
            match self.local_media(call) {
                Ok(media) => self.ua.answer(now, call, media),
                Err(message) => return self.error(Some(call), message).await,
            }
        } else {
            Ok(())
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) => self.error(Some(call), e.to_string()).await,
        }
    }

    async fn error(&self, call: Option<CallId>, message: String) -> Result<(), EngineError> {
        tracing::warn!("{}", scrub(&message));
        self.emit(Event::Error { call, message }).await
    }

    async fn emit(&self, event: Event) -> Result<(), EngineError> {
        self.events
            .send(event)
            .await
            .map_err(|_| EngineError::EventsClosed)
    }
}

/// The address the OS sends from towards `peer`. Connecting a UDP socket only picks a
/// route; no packet is sent.
fn route_source(peer: IpAddr) -> Option<IpAddr> {
    let bind: std::net::SocketAddr = match peer {
        IpAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        IpAddr::V6(_) => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = std::net::UdpSocket::bind(bind).ok()?;
    socket.connect((peer, 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified()).then_some(ip)
}

/// The event for a change in the people nearby.
fn nearby_event(change: Change) -> Event {
    match change {
        Change::Appeared(peer) => {
            tracing::info!("nearby: {} ({})", peer.key, peer.contacts().len());
            Event::Nearby {
                address: peer.address(),
                contacts: peer.contacts(),
                name: peer.name,
            }
        }
        Change::Gone { key } => {
            tracing::info!("nearby: {key} left");
            Event::NearbyGone { key }
        }
    }
}

/// A transport's name for messages.
fn name(peer: Peer) -> &'static str {
    match peer.transport {
        TransportKind::Udp => "UDP",
        TransportKind::Tcp => "TCP",
        TransportKind::Tls => "TLS",
    }
}

/// What a dial target means: a URI, or a user or number at the account's domain.
fn target_uri(target: &str, aor: Option<&SipUri>) -> Result<Uri, String> {
    let target = target.trim();
    if target.contains(':') {
        return Uri::parse(target)
            .map_err(|e| format!("cannot call {target:?}: not a SIP or tel URI: {e}"));
    }
    let Some(aor) = aor else {
        return Err(format!(
            "cannot call {target:?}: without an account, give a full URI (sip:user@host)"
        ));
    };
    let (user, host) = match target.split_once('@') {
        Some((user, host)) => (user, Some(host)),
        None => (target, None),
    };
    let mut uri = match host {
        Some(host) => {
            let text = Text::from(host);
            let host =
                Host::parse_in(&text, &text).map_err(|e| format!("cannot call {target:?}: {e}"))?;
            SipUri::new(Some(user), host, None)
        }
        None => SipUri::new(Some(user), aor.host.clone(), aor.port),
    };
    uri.scheme = aor.scheme;
    // Check the user part by printing and parsing again (escaping rules live in the parser).
    Uri::parse(&uri.to_string()).map_err(|e| format!("cannot call {target:?}: {e}"))
}
