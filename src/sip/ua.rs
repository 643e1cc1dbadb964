//! The UA core (RFC 3261 §8): it owns the transaction layer, the accounts' registrations and
//! the server-side request checks of §8.2, and speaks to the engine in the sans-IO vocabulary
//! (`handle_*` in, `poll_*` out, `poll_timeout`). The engine gives it datagrams and the clock,
//! and sends what [`UserAgent::poll_transmit`] yields.
//!
//! What is here: accounts registered at once, each with its own [`Registration`]; Via with
//! fresh branches and `rport` (RFC 3581) on every request; incoming requests checked per §8.2
//! (400/505 for syntax, 405 with Allow, 416, 420 with Unsupported, 415 with Accept, 481,
//! 482 for merged requests) and OPTIONS answered (§11.2). Calls and dialogs plug in here next.

use super::call::{CallEvent, CallId};
use super::message::{Message, Request};
use super::method::Method;
use super::parse::parse_datagram;
use super::registration::{
    Registration, RegistrationConfig, RegistrationEvent, RegistrationState, TransactionFailure,
};
use super::rng::Rng;
use super::transaction::{
    Peer, TimerConfig, TransactionEvent, TransactionId, TransactionLayer, Transmit, TransportKind,
};
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

/// Identifies an account; minted by whoever creates it (the UI or the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub u32);

mod calls;
mod checks;
mod resolve;
pub use calls::CallError;
pub use resolve::{LookupId, ResolveRequest};

/// The methods the core answers today (the Allow header, RFC 3261 §20.5).
pub const ALLOWED: &[Method] = &[
    Method::Invite,
    Method::Ack,
    Method::Bye,
    Method::Cancel,
    Method::Options,
    Method::Info,
];
/// The option tags the core supports (the Supported header, §20.37): session timers
/// (RFC 4028).
pub const SUPPORTED: &[&str] = &["timer"];

/// How the core is set up.
#[derive(Debug, Clone)]
pub struct UaConfig {
    /// The User-Agent / Server header value.
    pub user_agent: String,
    /// T1, T2, T4.
    pub timers: TimerConfig,
    /// Our address per transport, for Via sent-by (the engine's bound sockets).
    pub local: Vec<(TransportKind, SocketAddr)>,
}

/// An account: its registration and where its registrar is.
#[derive(Debug, Clone)]
pub struct AccountConfig {
    /// The registration settings (AOR, registrar, contact, expiry, credentials).
    pub registration: RegistrationConfig,
    /// Where to send REGISTER; `None` locates the outbound proxy (or else the registrar)
    /// by RFC 3263 through [`UserAgent::poll_resolve`].
    pub registrar: Option<Peer>,
    /// Whether to register at all; `false` keeps the identity for calls (outgoing, and
    /// incoming ones addressed to it) without binding a contact.
    pub register: bool,
}

/// What the core reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UaEvent {
    /// A registration changed state.
    Registration {
        /// Which account.
        account: AccountId,
        /// What happened.
        event: RegistrationEvent,
    },
    /// Something happened to a call.
    Call {
        /// Which call.
        call: CallId,
        /// What happened.
        event: CallEvent,
    },
    /// Something went wrong that changes nothing but must be logged (the seed's fifth tip).
    Warning {
        /// What happened.
        message: String,
    },
    /// A message was dropped or refused; logged by the engine (the seed's fifth tip).
    Rejected {
        /// From where.
        peer: Peer,
        /// The status sent back, or `None` when the message was dropped.
        status: Option<u16>,
        /// Why.
        reason: String,
    },
}

/// Who started a client transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Account(AccountId),
    Call(CallId),
}

struct Account {
    registration: Registration,
    /// Where REGISTERs go: configured, or located (and forgotten after a failure so that the
    /// next attempt locates again).
    registrar: Option<Peer>,
    configured: bool,
    /// REGISTERs waiting for the registrar to be located.
    queued: Vec<Request>,
}

/// The UA core.
pub struct UserAgent {
    config: UaConfig,
    rng: Rng,
    transactions: TransactionLayer,
    accounts: HashMap<AccountId, Account>,
    /// Each account's settings, kept for calls (From, Contact, outbound proxy).
    account_configs: HashMap<AccountId, RegistrationConfig>,
    calls: HashMap<CallId, calls::Call>,
    next_incoming: u64,
    /// Server-location runs in progress and the questions they ask (RFC 3263).
    lookups: HashMap<LookupId, resolve::Lookup>,
    next_lookup: u64,
    resolves: VecDeque<ResolveRequest>,
    /// Registrar lookups, by account.
    account_lookups: HashMap<LookupId, resolve::AccountLookup>,
    /// Session-Expires asked for in our INVITEs (RFC 4028 §7.1), if any.
    session_expires: Option<u32>,
    /// Who owns each client transaction.
    owners: HashMap<TransactionId, Owner>,
    /// From tag, Call-ID, CSeq of each live server transaction, for merged requests (§8.2.2.2).
    merge_keys: HashMap<checks::MergeKey, TransactionId>,
    merge_keys_by_tx: HashMap<TransactionId, checks::MergeKey>,
    events: VecDeque<UaEvent>,
    /// Our P2P address, the From of calls without an account over TLS (where the TLS
    /// certificate proves it).
    p2p_address: Option<crate::sip::uri::SipUri>,
    /// Which local address reaches each peer address, as the engine found out (its routing
    /// table): what a wildcard listen address stands for in Via and Contact.
    route_sources: HashMap<IpAddr, IpAddr>,
}

impl std::fmt::Debug for UserAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserAgent")
            .field("accounts", &self.accounts.len())
            .field("transactions", &self.transactions.len())
            .finish_non_exhaustive()
    }
}

impl UserAgent {
    /// A core with no accounts; `seed` seeds every random choice it makes.
    pub fn new(config: UaConfig, seed: [u8; 32]) -> Self {
        UserAgent {
            transactions: TransactionLayer::new(config.timers),
            config,
            rng: Rng::from_seed(seed),
            accounts: HashMap::new(),
            account_configs: HashMap::new(),
            calls: HashMap::new(),
            next_incoming: 0,
            lookups: HashMap::new(),
            next_lookup: 0,
            resolves: VecDeque::new(),
            account_lookups: HashMap::new(),
            session_expires: None,
            owners: HashMap::new(),
            merge_keys: HashMap::new(),
            merge_keys_by_tx: HashMap::new(),
            events: VecDeque::new(),
            p2p_address: None,
            route_sources: HashMap::new(),
        }
    }

    /// The Contact account `account` registers: fixed to what the registrar saw when it
    /// reported a NAT (`received`/`rport`, RFC 3581).
    pub fn account_contact(&self, account: AccountId) -> Option<&crate::sip::uri::SipUri> {
        self.accounts
            .get(&account)
            .map(|a| a.registration.contact())
    }

    /// Learns that `local` is the address packets to `peer` leave from (the route's source):
    /// used in Via and Contact instead of a wildcard listen address.
    pub fn learn_route_source(&mut self, peer: IpAddr, local: IpAddr) {
        if !local.is_unspecified() {
            self.route_sources.insert(peer, local);
        }
    }

    /// Sets our P2P address: calls without an account say they come from it (over TLS the
    /// certificate proves its key; over UDP and TCP the far end sees it unverified).
    /// Without one, From is our IP address.
    pub fn set_p2p_address(&mut self, address: Option<crate::sip::uri::SipUri>) {
        self.p2p_address = address;
    }

    /// Adds (or replaces) an account; it registers at once when its config says so.
    pub fn add_account(&mut self, now: Instant, id: AccountId, config: AccountConfig) {
        self.account_configs.insert(id, config.registration.clone());
        let mut registration = Registration::new(config.registration, &mut self.rng);
        if config.register {
            registration.start(now, &mut self.rng);
        }
        let account = Account {
            registration,
            configured: config.registrar.is_some(),
            registrar: config.registrar,
            queued: Vec::new(),
        };
        self.accounts.insert(id, account);
        self.pump_account(now, id);
    }

    /// Unregisters an account (`Expires: 0`); it is removed once that finishes.
    pub fn remove_account(&mut self, now: Instant, id: AccountId) {
        if let Some(a) = self.accounts.get_mut(&id) {
            a.registration.stop(now, &mut self.rng);
            self.pump_account(now, id);
        }
    }

    /// Where keep-alives should go (RFC 5626 §4.4, RFC 6223): the registrar or outbound proxy
    /// of every registered account, so that NAT bindings on the path
    /// stay open between refreshes.
    pub fn keepalive_targets(&self) -> Vec<Peer> {
        let mut peers: Vec<Peer> = self
            .accounts
            .values()
            .filter(|a| matches!(a.registration.state(), RegistrationState::Registered { .. }))
            .filter_map(|a| a.registrar)
            .collect();
        peers.sort_by_key(|p| (p.addr, p.transport as u8));
        peers.dedup();
        peers
    }

    /// The account an ongoing call belongs to (`None` for direct calls or unknown ids).
    pub fn call_account(&self, call: CallId) -> Option<AccountId> {
        self.calls.get(&call).and_then(|c| c.account)
    }

    /// How many dialogs an outgoing call has while it rings (one per answering fork).
    pub fn early_dialogs(&self, call: CallId) -> usize {
        self.calls.get(&call).map_or(0, calls::Call::early_dialogs)
    }

    /// How many calls are ongoing.
    pub fn calls(&self) -> usize {
        self.calls.len()
    }

    /// Asks for a session timer of `interval` seconds in the INVITEs we send (RFC 4028
    /// §7.1; at least 90). `None` (the default) asks for none but honours the peer's.
    pub fn request_session_timer(&mut self, interval: Option<u32>) {
        self.session_expires = interval.map(|i| i.max(calls::MIN_SE));
    }

    /// The live transactions (bounded; tests check nothing leaks).
    pub fn transactions(&self) -> usize {
        self.transactions.len()
    }

    /// A datagram (or a framed stream message) from `peer`.
    pub fn handle_datagram(&mut self, now: Instant, data: &[u8], peer: Peer) {
        match parse_datagram(data) {
            Ok(message) => self.handle_message(now, message, peer),
            // RFC 3261 §16.3/§18.1.2: unparseable messages cannot be answered: drop and tell.
            Err(e) => self.events.push_back(UaEvent::Rejected {
                peer,
                status: None,
                reason: format!("dropped unparseable message: {e}"),
            }),
        }
    }

    /// A parsed message from `peer`.
    pub fn handle_message(&mut self, now: Instant, message: Message, peer: Peer) {
        if let Message::Response(r) = &message {
            // §18.1.2: a response that does not validate is dropped.
            if let Err(e) = message.validate() {
                let reason = format!("dropped malformed {} response: {e}", r.status);
                self.events.push_back(UaEvent::Rejected {
                    peer,
                    status: None,
                    reason,
                });
                return;
            }
        }
        self.transactions.handle_message(now, message, peer);
        self.pump(now);
    }

    /// A send to `peer` failed (the engine's socket said so): the requests waiting on it fail
    /// as transport errors (RFC 3261 §17.1.4, §18.4), which moves calls to their next located
    /// target and registrations to their retry.
    pub fn handle_unreachable(&mut self, now: Instant, peer: Peer) {
        self.transactions.handle_unreachable(now, peer);
        self.pump(now);
    }

    /// Runs every timer that is due (spurious calls are harmless).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.transactions.handle_timeout(now);
        self.call_timers(now);
        let ids: Vec<AccountId> = self.accounts.keys().copied().collect();
        for id in ids {
            if let Some(a) = self.accounts.get_mut(&id) {
                a.registration.handle_timeout(now, &mut self.rng);
            }
            self.pump_account(now, id);
        }
        self.pump(now);
    }

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transactions.poll_transmit()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<UaEvent> {
        self.events.pop_front()
    }

    /// When [`UserAgent::handle_timeout`] must run next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let accounts = self
            .accounts
            .values()
            .filter_map(|a| a.registration.poll_timeout());
        let calls = self.calls.values().filter_map(calls::Call::next_deadline);
        accounts
            .chain(calls)
            .chain(self.transactions.poll_timeout())
            .min()
    }

    /// Sends the account's queued REGISTERs and forwards its events.
    fn pump_account(&mut self, now: Instant, id: AccountId) {
        let Some(a) = self.accounts.get_mut(&id) else {
            return;
        };
        let mut unregistered = false;
        while let Some(event) = a.registration.poll_event() {
            unregistered |= event == RegistrationEvent::Unregistered;
            self.events
                .push_back(UaEvent::Registration { account: id, event });
        }
        let peer = a.registrar;
        let mut requests = Vec::new();
        while let Some(r) = a.registration.poll_request() {
            requests.push(r);
        }
        if unregistered && requests.is_empty() {
            self.accounts.remove(&id);
            self.account_configs.remove(&id);
            self.account_lookups.retain(|_, l| l.account != id);
            return;
        }
        match peer {
            Some(peer) => {
                for r in requests {
                    self.send_request(now, id, r, peer);
                }
            }
            None if !requests.is_empty() => {
                a.queued.extend(requests);
                self.locate_registrar(now, id);
            }
            None => {}
        }
    }

    /// §8.1.1.7, RFC 3581: a new top Via with a fresh branch and `rport`, then a client
    /// transaction owned by the account.
    fn send_request(&mut self, now: Instant, owner: AccountId, request: Request, peer: Peer) {
        let _ = self.send_tracked(now, Owner::Account(owner), request, peer);
    }

    fn local_addr(&self, transport: TransportKind) -> SocketAddr {
        self.config
            .local
            .iter()
            .find(|(t, _)| *t == transport)
            .or(self.config.local.first())
            .map_or(SocketAddr::from(([0, 0, 0, 0], 5060)), |(_, a)| *a)
    }

    /// Our address towards `peer`: the listen address, or when that is a wildcard, the
    /// route's source address the engine told us ([`UserAgent::learn_route_source`]).
    fn local_addr_towards(&self, peer: Peer) -> SocketAddr {
        let mut local = self.local_addr(peer.transport);
        if local.ip().is_unspecified() {
            if let Some(source) = self.route_sources.get(&peer.addr.ip()) {
                local.set_ip(*source);
            }
        }
        local
    }

    /// Drains the transaction layer's events.
    fn pump(&mut self, now: Instant) {
        while let Some(event) = self.transactions.poll_event() {
            match event {
                TransactionEvent::Request { id, request, peer } => {
                    self.handle_request(now, id, &request, peer);
                }
                TransactionEvent::Response { id, response } => match self.owners.get(&id) {
                    Some(&Owner::Account(owner)) => {
                        self.with_registration(now, owner, |r, rng| {
                            r.handle_response(now, &response, rng);
                        });
                    }
                    Some(&Owner::Call(call)) => self.on_call_response(now, call, id, &response),
                    None => {}
                },
                TransactionEvent::Timeout { id } | TransactionEvent::TransportError { id } => {
                    let failure = if matches!(event, TransactionEvent::Timeout { .. }) {
                        TransactionFailure::Timeout
                    } else {
                        TransactionFailure::TransportError
                    };
                    match self.owners.get(&id) {
                        Some(&Owner::Account(owner)) => {
                            self.forget_located_registrar(owner);
                            self.with_registration(now, owner, |r, rng| {
                                r.handle_failure(now, failure, rng);
                            });
                        }
                        Some(&Owner::Call(call)) => {
                            let timeout = failure == TransactionFailure::Timeout;
                            self.on_call_failure(now, call, id, timeout);
                        }
                        None => self.on_server_failure(id),
                    }
                }
                TransactionEvent::Terminated { id } => {
                    self.owners.remove(&id);
                    if let Some(key) = self.merge_keys_by_tx.remove(&id) {
                        self.merge_keys.remove(&key);
                    }
                }
                TransactionEvent::Ack { request, .. } => self.on_ack(now, &request),
                TransactionEvent::StrayResponse { .. } => {}
            }
        }
    }

    fn with_registration(
        &mut self,
        now: Instant,
        id: AccountId,
        f: impl FnOnce(&mut Registration, &mut Rng),
    ) {
        if let Some(a) = self.accounts.get_mut(&id) {
            f(&mut a.registration, &mut self.rng);
            self.pump_account(now, id);
        }
    }
}

fn allow_value() -> String {
    ALLOWED
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn transport_name(t: TransportKind) -> &'static str {
    match t {
        TransportKind::Udp => "UDP",
        TransportKind::Tcp => "TCP",
        TransportKind::Tls => "TLS",
    }
}

#[cfg(test)]
mod call_tests;
#[cfg(test)]
mod rfc3665_tests;
#[cfg(test)]
mod tests;
