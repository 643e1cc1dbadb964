//! LAN discovery for the engine (async, engine side): advertising our P2P address with
//! multicast DNS service discovery (RFC 6762, RFC 6763) and keeping the list of people
//! nearby ([`Nearby`]) from what others advertise, through the `mdns-sd` daemon (a thread of
//! its own; nothing here blocks the engine).
//!
//! We advertise one instance per listening transport, named by our key, with our key, handle
//! and display name in TXT ([`super::nearby`] has the format). Three browse tasks (one per
//! service type) feed the list; what changes reaches the engine's `select!` as a [`Change`],
//! and resolvers waiting for a key to show up ([`Mdns::wait_for`]) are woken.

use super::identity::Identity;
use super::nearby::{
    Change, Instance, Nearby, NearbyError, Peer, SERVICE_TYPES, TXT_ADDRS, TXT_KEY, TXT_NAME,
    TXT_SIG, TXT_USER, addrs_text, signed_text,
};
use crate::sip::locate::{Answer, Query};
use crate::sip::transaction::TransportKind;
use mdns_sd::{DaemonEvent, ServiceDaemon, ServiceEvent, ServiceInfo};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// The mDNS port (RFC 6762 §3).
pub const MDNS_PORT: u16 = 5353;
/// How long a lookup of a key that is not (yet) nearby waits for it to show up, when the
/// DHT has nothing either: a peer that just started answers the first browse within a
/// second.
pub const WAIT_FOR_PEER: Duration = Duration::from_secs(3);
/// How long a nearby peer's missing service (say its TLS listener) is waited for: its
/// services arrive one by one, milliseconds apart.
const SERVICE_GRACE: Duration = Duration::from_millis(500);

/// The longest display name advertised, in bytes (a TXT string holds 255 with its key).
const MAX_NAME: usize = 64;
/// The longest `addrs` list advertised, in bytes.
const MAX_ADDRS: usize = 240;

/// `text` cut to at most `max` bytes on a character boundary.
fn fit(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// What a socket bound to `ip` is advertised with: `ip` itself, or for a wildcard, the
/// addresses of our interfaces of its family (without IPv6 link-local ones, which SIP URIs
/// cannot name), as many as the signed list holds.
fn advertised_addresses(ip: IpAddr) -> Vec<IpAddr> {
    if !ip.is_unspecified() {
        return vec![ip];
    }
    let found = match if_addrs::get_if_addrs() {
        Ok(interfaces) => interfaces,
        Err(e) => {
            tracing::warn!("mDNS: cannot list our interfaces: {e}");
            Vec::new()
        }
    };
    let mut ips: Vec<IpAddr> = found
        .iter()
        .map(if_addrs::Interface::ip)
        .filter(|a| a.is_ipv4() == ip.is_ipv4())
        .filter(|a| match a {
            IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) != 0xfe80,
            IpAddr::V4(_) => true,
        })
        .collect();
    ips.sort();
    ips.dedup();
    while addrs_text(&ips).len() > MAX_ADDRS {
        ips.pop();
    }
    ips
}

/// Why mDNS could not start.
#[derive(Debug, thiserror::Error)]
pub enum MdnsError {
    /// The daemon could not start, or refused a service.
    #[error("mDNS: {0}")]
    Daemon(#[from] mdns_sd::Error),
}

struct Inner {
    daemon: ServiceDaemon,
    nearby: Mutex<Nearby>,
    /// Bumped on every change of the list (wakes [`Mdns::wait_for`]).
    changed: watch::Sender<u64>,
    /// The instances we advertise (full names), withdrawn on [`Mdns::stop`].
    advertised: Mutex<Vec<String>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mdns").finish_non_exhaustive()
    }
}

/// The mDNS daemon and the people nearby; cheap to clone (the clones share both).
#[derive(Debug, Clone)]
pub struct Mdns(Arc<Inner>);

impl Mdns {
    /// Starts the daemon on `port` (normally [`MDNS_PORT`]); `own` is our key (z-base32),
    /// left out of the list. Spawns the daemon's thread; opens its sockets lazily.
    pub fn start(port: u16, own: Option<String>) -> Result<Mdns, MdnsError> {
        let daemon = ServiceDaemon::new_with_port(port)?;
        Ok(Mdns(Arc::new(Inner {
            daemon,
            nearby: Mutex::new(Nearby::new(own)),
            changed: watch::Sender::new(0),
            advertised: Mutex::new(Vec::new()),
        })))
    }

    fn nearby(&self) -> MutexGuard<'_, Nearby> {
        // Never held across an await; a poisoned list is still consistent.
        self.0.nearby.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Browses every Tincan service type on tasks of the current runtime; what changes goes
    /// to `changes` (`None`: only the list is kept).
    pub fn browse(&self, changes: Option<&mpsc::Sender<Change>>) -> Result<(), MdnsError> {
        // The daemon's own troubles (a socket it cannot open, a name conflict) go to our log.
        let daemon_events = self.0.daemon.monitor()?;
        tokio::spawn(async move {
            while let Ok(event) = daemon_events.recv_async().await {
                match event {
                    DaemonEvent::Error(e) => tracing::warn!("mDNS: {e}"),
                    DaemonEvent::NameChange(change) => {
                        tracing::warn!("mDNS: a name conflict renamed {change:?}");
                    }
                    _ => {}
                }
            }
        });
        for (transport, service_type) in SERVICE_TYPES {
            let events = self.0.daemon.browse(service_type)?;
            let mdns = self.clone();
            let changes = changes.cloned();
            tokio::spawn(async move {
                while let Ok(event) = events.recv_async().await {
                    let Some(change) = mdns.on_event(transport, event) else {
                        continue;
                    };
                    mdns.0.changed.send_modify(|n| *n += 1);
                    if let Some(changes) = &changes {
                        if changes.send(change).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
        Ok(())
    }

    fn on_event(&self, transport: TransportKind, event: ServiceEvent) -> Option<Change> {
        match event {
            ServiceEvent::ServiceResolved(service) => {
                let text = |key: &str| service.get_property_val_str(key).map(str::to_owned);
                let instance = Instance {
                    fullname: service.fullname.clone(),
                    transport,
                    key: text(TXT_KEY).unwrap_or_default(),
                    user: text(TXT_USER),
                    name: text(TXT_NAME),
                    addrs: text(TXT_ADDRS),
                    sig: text(TXT_SIG),
                    port: service.port,
                    addresses: service.addresses.iter().map(|a| a.to_ip_addr()).collect(),
                };
                match self.nearby().found(instance) {
                    Ok(change) => change,
                    Err(NearbyError::Ours) => None,
                    Err(e) => {
                        tracing::warn!("mDNS: ignored {}: {e}", service.fullname);
                        None
                    }
                }
            }
            ServiceEvent::ServiceRemoved(_, fullname) => self.nearby().removed(&fullname),
            _ => None,
        }
    }

    /// Advertises `identity` for each of our sockets in `local`; `display` is the name to
    /// show. A wildcard socket stands for the addresses of our interfaces of its family.
    /// Each advertisement is signed with the identity key ([`signed_text`]).
    pub fn advertise(
        &self,
        identity: &Identity,
        display: &str,
        local: &[(TransportKind, SocketAddr)],
    ) -> Result<(), MdnsError> {
        let key = identity.public_key().to_z32();
        let host = format!("{key}.local.");
        let user = identity.handle();
        let name = fit(display, MAX_NAME);
        let mut advertised = Vec::new();
        for (transport, service_type) in SERVICE_TYPES {
            let Some((_, addr)) = local.iter().find(|(t, _)| *t == transport) else {
                continue;
            };
            let ips = advertised_addresses(addr.ip());
            let addrs = addrs_text(&ips);
            let text = signed_text(service_type, &key, user, &name, addr.port(), &addrs);
            let sig: String = identity
                .keypair()
                .sign(text.as_bytes())
                .to_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let properties = [
                (TXT_KEY, key.as_str()),
                (TXT_USER, user),
                (TXT_NAME, name.as_str()),
                (TXT_ADDRS, addrs.as_str()),
                (TXT_SIG, sig.as_str()),
            ];
            let mut info = ServiceInfo::new(
                service_type,
                &key,
                &host,
                &ips[..],
                addr.port(),
                &properties[..],
            )?;
            // The instance name is our key: nobody else can rightly claim it, so no probing
            // (RFC 6762 §8.1 allows skipping it for names unique by construction).
            info.set_requires_probe(false);
            advertised.push(info.get_fullname().to_owned());
            self.0.daemon.register(info)?;
        }
        tracing::info!(
            "advertising our P2P address on the local network ({} services)",
            advertised.len()
        );
        self.0
            .advertised
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(advertised);
        Ok(())
    }

    /// The peer with `key`, if nearby.
    pub fn peer(&self, key: &str) -> Option<Peer> {
        self.nearby().peer(key)
    }

    /// Everyone nearby.
    pub fn peers(&self) -> Vec<Peer> {
        self.nearby().peers()
    }

    /// Answers a locator query for a name under a nearby key (`None`: not nearby).
    pub fn answer(&self, query: &Query) -> Option<Answer> {
        self.nearby().answer(query)
    }

    /// Waits up to `wait` for a query's key to be nearby; its answer, or `None`.
    pub async fn wait_for(&self, query: &Query, wait: Duration) -> Option<Answer> {
        let mut changed = self.0.changed.subscribe();
        let deadline = tokio::time::Instant::now() + wait;
        let mut grace = None;
        loop {
            let until = match self.answer(query) {
                // The peer is nearby but this service of it is not (yet): its services are
                // announced one by one (UDP, TCP, TLS), so give the others a moment.
                Some(Answer::NotFound) if matches!(query, Query::Srv { .. }) => *grace
                    .get_or_insert_with(|| {
                        (tokio::time::Instant::now() + SERVICE_GRACE).min(deadline)
                    }),
                Some(answer) => return Some(answer),
                None => deadline,
            };
            match tokio::time::timeout_at(until, changed.changed()).await {
                Ok(Ok(())) => {}
                _ if grace.is_some() => return Some(Answer::NotFound),
                _ => return None,
            }
        }
    }

    /// Withdraws our services (goodbye packets, RFC 6762 §10.1) and stops the daemon.
    pub fn stop(&self) {
        let advertised = std::mem::take(
            &mut *self
                .0
                .advertised
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for fullname in advertised {
            if let Err(e) = self.0.daemon.unregister(&fullname) {
                tracing::warn!("mDNS: cannot withdraw {fullname}: {e}");
            }
        }
        if let Err(e) = self.0.daemon.shutdown() {
            tracing::debug!("mDNS daemon shutdown: {e}");
        }
    }
}
