//! The Mainline DHT for the engine (async, engine side): publishing our records and
//! resolving other keys' records through pkarr's DHT client.
//!
//! [`Dht`] answers the RFC 3263 locator's queries whose name lies under a public key
//! ([`record::key_of_name`]) the way [`crate::engine::dns`] answers the others: each on a
//! small task whose [`Resolved`] comes back on the engine's DNS channel. One DHT lookup
//! serves every query for a key (the SRV queries for each transport, then A/AAAA): answers
//! are kept in a [`RecordCache`] within their TTL, and lookups in flight are joined rather
//! than repeated. The lookup answers [`NEWER_GRACE`] after the first valid packet arrives
//! with the newest seen by then (call set-up should not wait for the slowest node); it then
//! completes in the background, and a newer packet, if one turns up, replaces it in the cache.
//! mainline checks each item's signature against the key (BEP 44) before pkarr parses it, and
//! the cache never lets an older packet replace a newer one.
//!
//! [`Publisher`] signs our records ([`record::build`]) and puts them on the DHT when the
//! engine starts, again every [`REPUBLISH`] (well within the two hours BEP 44 nodes keep an
//! item), and as soon as our addresses change (checked every [`ADDRESS_CHECK`]); a failed
//! publish is retried with back-off. Its outcomes reach the engine's `select!` on a channel.

use super::identity::Identity;
use super::record::{self, Contact, RecordCache};
use crate::engine::Event;
use crate::engine::dns::{Resolved, answer_later};
use crate::sip::locate::{Answer, Query};
use crate::sip::transaction::TransportKind;
use crate::sip::ua::LookupId;
use pkarr::dht::{DhtClient, DhtConfig, ResolveError, ResolveOutcome};
use pkarr::{PublicKey, SignedPacket};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4, ToSocketAddrs};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinError;
use tokio::time::error::Elapsed;

/// How long one DHT lookup may take before its queries count as failed.
pub const RESOLVE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a lookup waits, after its first packet, for a newer one from other nodes.
pub const NEWER_GRACE: Duration = Duration::from_millis(300);
/// How often our records are put on the DHT again while nothing changes.
pub const REPUBLISH: Duration = Duration::from_secs(60 * 60);
/// How often our addresses are compared with what was published.
pub const ADDRESS_CHECK: Duration = Duration::from_secs(60);
/// How soon addresses are compared again when they changed during a publish.
const RECHECK_IN_FLIGHT: Duration = Duration::from_secs(1);
/// The first wait before publishing again after a failure (doubling up to [`RETRY_MAX`]).
const RETRY_FIRST: Duration = Duration::from_secs(15);
/// The longest wait between publishing attempts after failures.
const RETRY_MAX: Duration = Duration::from_secs(10 * 60);

/// Why the DHT client could not start.
#[derive(Debug, thiserror::Error)]
pub enum DhtError {
    /// A bootstrap node is not `HOST:PORT`, or its name did not resolve to IPv4.
    #[error("bootstrap node {0:?} is not a reachable IPv4 HOST:PORT")]
    Bootstrap(String),
    /// The DHT socket could not be opened.
    #[error("cannot start the DHT node: {0}")]
    Start(std::io::Error),
}

/// Splits `--dht-bootstrap HOST:PORT,HOST:PORT`; each entry needs a port.
pub fn parse_bootstrap(value: &str) -> Result<Vec<String>, String> {
    let nodes: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if nodes.is_empty() {
        return Err("--dht-bootstrap needs HOST:PORT[,HOST:PORT...]".into());
    }
    for node in &nodes {
        let port = node.rsplit_once(':').map(|(_, p)| p.parse::<u16>());
        if !matches!(port, Some(Ok(p)) if p != 0) {
            return Err(format!("--dht-bootstrap: {node:?} is not HOST:PORT"));
        }
    }
    Ok(nodes)
}

/// Why a lookup found nothing usable.
#[derive(Debug, Clone)]
enum Miss {
    /// The DHT holds no packet for the key.
    NotFound,
    /// The lookup failed (no nodes, timeout).
    Failed(String),
}

type Outcome = Result<SignedPacket, Miss>;

fn timed_out() -> Miss {
    Miss::Failed(format!("no answer within {} s", RESOLVE_TIMEOUT.as_secs()))
}

/// What the lookups share: the cache and the lookups in flight.
#[derive(Debug, Default)]
struct State {
    cache: RecordCache,
    in_flight: HashMap<PublicKey, watch::Receiver<Option<Outcome>>>,
}

/// The DHT client and the record cache; cheap to clone (the clones share both).
#[derive(Debug, Clone)]
pub struct Dht {
    client: DhtClient,
    state: Arc<Mutex<State>>,
}

impl Dht {
    /// Starts a DHT node (client mode) bootstrapping from `bootstrap`, or from the public
    /// Mainline bootstrap nodes when `None`. Resolves host names and binds a socket: call it
    /// off the engine task. With loopback bootstrap nodes only (a local testnet), the node
    /// binds to loopback too.
    pub fn start(bootstrap: Option<&[String]>) -> Result<Dht, DhtError> {
        let mut config = DhtConfig::default();
        if let Some(nodes) = bootstrap {
            let mut addrs = Vec::new();
            for node in nodes {
                let found: Vec<SocketAddrV4> = node
                    .to_socket_addrs()
                    .map_err(|_| DhtError::Bootstrap(node.clone()))?
                    .filter_map(|a| match a {
                        SocketAddr::V4(v4) => Some(v4),
                        SocketAddr::V6(_) => None,
                    })
                    .collect();
                if found.is_empty() {
                    return Err(DhtError::Bootstrap(node.clone()));
                }
                addrs.extend(found);
            }
            if addrs.iter().all(|a| a.ip().is_loopback()) {
                config.bind_address = Some(Ipv4Addr::LOCALHOST);
            }
            config.bootstrap = Some(addrs);
        }
        let client = DhtClient::build(config).map_err(DhtError::Start)?;
        Ok(Dht {
            client,
            state: Arc::default(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The lock is never held across an await or a panic-prone call; a poisoned one still
        // holds a consistent cache.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts answering `query`, whose name lies under `key`; the answer arrives on
    /// `answers` like a DNS answer.
    pub fn ask(
        &self,
        lookup: LookupId,
        query: Query,
        key: PublicKey,
        answers: mpsc::Sender<Resolved>,
    ) {
        let dht = self.clone();
        let asked = query.clone();
        answer_later(answers, lookup, query, async move {
            dht.answer(&asked, key).await
        });
    }

    /// Whether a packet for `key` is held (fresh or not).
    pub fn knows(&self, key: &PublicKey) -> bool {
        self.state().cache.newest(key).is_some()
    }

    /// The answer to `query`, whose name lies under `key`, and why it failed (for the log).
    pub async fn answer(&self, query: &Query, key: PublicKey) -> (Answer, Option<String>) {
        match self.lookup(key).await {
            Ok(packet) => (record::answer(&packet, query), None),
            Err(Miss::NotFound) => (Answer::NotFound, None),
            Err(Miss::Failed(why)) => (Answer::Failed, Some(format!("DHT: {why}"))),
        }
    }

    /// The packet for `key`: from the cache while fresh, else from a lookup (joining one in
    /// flight).
    async fn lookup(&self, key: PublicKey) -> Outcome {
        let mut outcome = {
            let mut state = self.state();
            if let Some(packet) = state.cache.fresh(&key, Instant::now()) {
                return Ok(packet.clone());
            }
            match state.in_flight.get(&key) {
                Some(rx) => rx.clone(),
                None => {
                    let (tx, rx) = watch::channel(None);
                    state.in_flight.insert(key.clone(), rx.clone());
                    tokio::spawn(self.clone().fetch(key, tx));
                    rx
                }
            }
        };
        match outcome.wait_for(Option::is_some).await {
            Ok(done) => done.clone().unwrap_or(Err(Miss::NotFound)),
            Err(_) => Err(Miss::Failed("the lookup was dropped".into())),
        }
    }

    /// One DHT lookup of `key`; its outcome goes to everyone waiting on `done`.
    async fn fetch(self, key: PublicKey, done: watch::Sender<Option<Outcome>>) {
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + RESOLVE_TIMEOUT;
        let floor = self.state().cache.newest(&key).map(SignedPacket::timestamp);
        let outcome = match tokio::time::timeout_at(deadline, self.client.resolve(&key, floor))
            .await
        {
            Err(_) => self.stale_or(&key, timed_out()),
            Ok(response) => {
                let first = response.first().cloned();
                let mut rest = tokio::spawn(tokio::time::timeout_at(deadline, response.complete()));
                match first {
                    // A node that missed the last publish may answer first: give the others a
                    // moment, then answer with the newest seen and let the rest finish in the
                    // background (a newer packet then replaces this one in the cache).
                    Some(first) => {
                        self.keep(first);
                        match tokio::time::timeout(NEWER_GRACE, &mut rest).await {
                            Ok(rest) => self.finish(&key, rest),
                            Err(_) => {
                                let dht = self.clone();
                                tokio::spawn(async move {
                                    if let Ok(Ok(outcome)) = rest.await {
                                        if let Ok(packet) = outcome.most_recent {
                                            dht.keep(packet);
                                        }
                                    }
                                });
                                self.stale_or(&key, timed_out())
                            }
                        }
                    }
                    None => self.finish(&key, rest.await),
                }
            }
        };
        tracing::debug!(
            "DHT lookup of a key took {} ms: {}",
            started.elapsed().as_millis(),
            if outcome.is_ok() { "found" } else { "nothing" }
        );
        self.state().in_flight.remove(&key);
        let _ = done.send(Some(outcome));
    }

    /// The outcome of a completed lookup (or of one that ran out of time).
    fn finish(
        &self,
        key: &PublicKey,
        completed: Result<Result<ResolveOutcome, Elapsed>, JoinError>,
    ) -> Outcome {
        match completed {
            Ok(Ok(outcome)) => match outcome.most_recent {
                Ok(packet) => Ok(self.keep(packet)),
                Err(ResolveError::NotFound | ResolveError::NoUsableResponses) => {
                    self.stale_or(key, Miss::NotFound)
                }
                Err(e) => self.stale_or(key, Miss::Failed(e.to_string())),
            },
            _ => self.stale_or(key, timed_out()),
        }
    }

    /// Caches `packet` and returns the newest packet held for its key (an older packet
    /// than the one cached loses).
    fn keep(&self, packet: SignedPacket) -> SignedPacket {
        let key = packet.public_key();
        let mut state = self.state();
        if state.cache.insert(packet.clone(), Instant::now()) == record::Inserted::Older {
            tracing::debug!("DHT returned an older packet than the one cached; ignored");
        }
        state.cache.newest(&key).cloned().unwrap_or(packet)
    }

    /// Nothing newer than the cached packet was found: the stale one is still the best we
    /// know; with none, `miss`.
    fn stale_or(&self, key: &PublicKey, miss: Miss) -> Outcome {
        match self.state().cache.newest(key) {
            Some(stale) => Ok(stale.clone()),
            None => Err(miss),
        }
    }

    /// Puts `packet` on the DHT; returns how many nodes stored it. Our own packet is cached
    /// too, so calling ourselves needs no lookup.
    pub async fn publish(&self, packet: &SignedPacket) -> Result<u32, String> {
        let stored = self
            .client
            .publish(packet)
            .await
            .map_err(|e| e.to_string())?;
        self.keep(packet.clone());
        Ok(stored)
    }
}

/// The outcome of one publish, for the engine.
#[derive(Debug)]
pub struct Published {
    /// What was published.
    pub contact: Contact,
    /// How many DHT nodes stored it, or why it failed.
    pub result: Result<u32, String>,
    /// How long it took.
    pub took: Duration,
}

/// Keeps our records on the DHT (see the module docs).
#[derive(Debug)]
pub struct Publisher {
    identity: Identity,
    dht: Dht,
    /// The user's `--p2p-address` list (replaces the addresses found).
    overrides: Vec<IpAddr>,
    /// Our public address as a STUN server saw it (published besides the others).
    public: Option<IpAddr>,
    /// Our address as a registrar saw it (Via `received`, RFC 3581), published too.
    seen_by_registrar: Option<IpAddr>,
    /// The timestamp of the last packet we signed.
    last_timestamp: Option<u64>,
    /// What the DHT holds since our last successful publish.
    published: Option<Contact>,
    /// When to publish next (`None` while a publish is in flight).
    next_publish: Option<Instant>,
    /// When to compare our addresses with what was published.
    next_check: Option<Instant>,
    /// The wait after the next failure.
    retry: Duration,
    outcomes: mpsc::Sender<Published>,
}

impl Publisher {
    /// A publisher for `identity`; outcomes go to `outcomes`.
    pub fn new(
        identity: Identity,
        dht: Dht,
        overrides: Vec<IpAddr>,
        outcomes: mpsc::Sender<Published>,
    ) -> Publisher {
        Publisher {
            identity,
            dht,
            overrides,
            public: None,
            seen_by_registrar: None,
            last_timestamp: None,
            published: None,
            next_publish: None,
            next_check: None,
            retry: RETRY_FIRST,
            outcomes,
        }
    }

    /// Our P2P address.
    pub fn address(&self) -> String {
        self.identity.address()
    }

    /// Publishes for the first time.
    pub fn start(&mut self, now: Instant, local: &[(TransportKind, SocketAddr)]) {
        let contact = self.contact(local);
        self.next_check = Some(now + ADDRESS_CHECK);
        self.publish(contact);
    }

    /// When [`Publisher::on_timeout`] has something to do.
    pub fn next_wake(&self) -> Option<Instant> {
        [self.next_publish, self.next_check]
            .into_iter()
            .flatten()
            .min()
    }

    /// Takes our public address (from STUN); a new one is published at the next wake.
    pub fn set_public(&mut self, now: Instant, public: Option<IpAddr>) {
        if self.public != public {
            self.public = public;
            self.next_check = Some(now);
        }
    }

    /// Takes our address as a registrar saw it; a new one is published at the next wake.
    pub fn set_seen_by_registrar(&mut self, now: Instant, seen: Option<IpAddr>) {
        if self.seen_by_registrar != seen {
            self.seen_by_registrar = seen;
            self.next_check = Some(now);
        }
    }

    /// Republishes when due, or at once when our addresses changed.
    pub fn on_timeout(&mut self, now: Instant, local: &[(TransportKind, SocketAddr)]) {
        let in_flight = self.next_publish.is_none();
        if self.next_check.is_some_and(|t| t <= now) {
            self.next_check = Some(now + ADDRESS_CHECK);
            let contact = self.contact(local);
            if in_flight && self.published.as_ref() != Some(&contact) {
                // Publish the change once the publish in flight is done.
                self.next_check = Some(now + RECHECK_IN_FLIGHT);
            } else if !in_flight && self.published.as_ref() != Some(&contact) {
                tracing::info!("our addresses changed: publishing them");
                self.publish(contact);
                return;
            }
        }
        if self.next_publish.is_some_and(|t| t <= now) {
            let contact = self.contact(local);
            self.publish(contact);
        }
    }

    /// Takes a publish outcome; returns the event to report.
    pub fn on_published(&mut self, now: Instant, outcome: Published) -> Event {
        let address = self.address();
        match outcome.result {
            Ok(nodes) => {
                self.retry = RETRY_FIRST;
                self.next_publish = Some(now + REPUBLISH);
                let contacts = outcome.contact.describe();
                self.published = Some(outcome.contact);
                tracing::info!(
                    "published our P2P address on {nodes} DHT nodes in {} ms",
                    outcome.took.as_millis()
                );
                Event::Published {
                    address,
                    nodes,
                    contacts,
                    took: outcome.took,
                }
            }
            Err(why) => {
                let wait = self.retry;
                self.retry = (self.retry * 2).min(RETRY_MAX);
                self.next_publish = Some(now + wait);
                let message = format!(
                    "publishing our P2P address on the DHT failed ({why}); trying again in {} s",
                    wait.as_secs()
                );
                tracing::warn!("{message}");
                Event::Warning { message }
            }
        }
    }

    /// What to publish now.
    fn contact(&self, local: &[(TransportKind, SocketAddr)]) -> Contact {
        let wildcard = local.iter().any(|(_, a)| a.ip().is_unspecified());
        let interfaces = if wildcard && self.overrides.is_empty() {
            route_addresses()
        } else {
            Vec::new()
        };
        let mut contact = Contact::new(local, &self.overrides, &interfaces);
        if self.overrides.is_empty() {
            for public in [self.public, self.seen_by_registrar].into_iter().flatten() {
                if !contact.addresses.contains(&public) {
                    contact.addresses.push(public);
                }
            }
        }
        contact
    }

    /// Signs `contact` and puts it on the DHT on a task; the outcome comes back on the
    /// channel.
    fn publish(&mut self, contact: Contact) {
        self.next_publish = None;
        let now_micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        let timestamp = record::next_timestamp(now_micros, self.last_timestamp);
        self.last_timestamp = Some(timestamp);
        let packet = record::build(
            self.identity.keypair(),
            &contact,
            timestamp,
            record::RECORD_TTL,
        );
        let dht = self.dht.clone();
        let outcomes = self.outcomes.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let result = match packet {
                Ok(packet) => dht.publish(&packet).await,
                Err(e) => Err(e.to_string()),
            };
            let _ = outcomes
                .send(Published {
                    contact,
                    result,
                    took: started.elapsed(),
                })
                .await;
        });
    }
}

/// The addresses the OS would send from towards the internet, per family: what a wildcard
/// listen address stands for. Connecting a UDP socket only picks a route; no packet is sent.
/// A machine with several interfaces publishes its default route's address per family
/// (`--p2p-address` names others).
fn route_addresses() -> Vec<IpAddr> {
    let probes: [(&str, &str); 2] = [
        ("0.0.0.0:0", "192.0.2.1:5060"),
        ("[::]:0", "[2001:db8::1]:5060"),
    ];
    probes
        .iter()
        .filter_map(|(bind, to)| {
            let socket = std::net::UdpSocket::bind(bind).ok()?;
            socket.connect(to).ok()?;
            let ip = socket.local_addr().ok()?.ip();
            (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
        })
        .collect()
}
