//! People nearby: the Tincan peers found on the local network by multicast DNS service
//! discovery (RFC 6762 mDNS, RFC 6763 DNS-SD), sans-IO (STYLE.md habit 1).
//!
//! Each peer advertises one DNS-SD service instance per transport it listens on
//! (`_sip._udp.local.`, `_sip._tcp.local.`, `_sips._tcp.local.`), named by its public key, with
//! TXT entries (RFC 6763 §6) saying who it is:
//!
//! ```text
//! key=<52-character z-base32 public key>   the identity, as in sip:<user>@<key>
//! user=<handle>                            the user part of its P2P address
//! name=<display name>                      what to show (the handle when none is set)
//! addrs=<ip>,<ip>...                       every address it may be reached at
//! sig=<128 hex digits>                     ed25519 signature by the key (see below)
//! ```
//!
//! The signature covers [`signed_text`]: the service type, key, user, name, port and `addrs`.
//! An instance without a valid one is refused, and of the A/AAAA addresses that come with
//! an instance only those in its signed `addrs` are kept: someone on the link can replay a
//! peer's advertisement, but not point its key at another address.
//!
//! [`Nearby`] merges the instances of one key into one [`Peer`] and answers the RFC 3263
//! locator's queries for names under a nearby key the way the DHT records would
//! ([`crate::p2p::record`]): SRV per transport with the key as target, and the key's A/AAAA.
//! A LAN peer therefore needs no internet, and is tried before the DHT.
//!
//! Replayed advertisements can still keep a peer that left listed until they stop; what
//! makes a call trustworthy is TLS proving the key, not how the address was found.

use super::record;
use crate::sip::locate::{Answer, Query, SrvRecord};
use crate::sip::transaction::TransportKind;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The DNS-SD service types Tincan advertises and browses, per transport (RFC 3263 §4.1 names).
pub const SERVICE_TYPES: [(TransportKind, &str); 3] = [
    (TransportKind::Udp, "_sip._udp.local."),
    (TransportKind::Tcp, "_sip._tcp.local."),
    (TransportKind::Tls, "_sips._tcp.local."),
];

/// At most this many peers are kept (mDNS is open to anyone on the link).
pub const MAX_PEERS: usize = 256;

/// The TXT key holding the public key.
pub const TXT_KEY: &str = "key";
/// The TXT key holding the handle (user part of the P2P address).
pub const TXT_USER: &str = "user";
/// The TXT key holding the display name.
pub const TXT_NAME: &str = "name";
/// The TXT key holding the signed address list.
pub const TXT_ADDRS: &str = "addrs";
/// The TXT key holding the signature.
pub const TXT_SIG: &str = "sig";

/// What the `sig` of an advertisement signs (UTF-8).
pub fn signed_text(
    service_type: &str,
    key: &str,
    user: &str,
    name: &str,
    port: u16,
    addrs: &str,
) -> String {
    format!("tincan-mdns-1\n{service_type}\n{key}\n{user}\n{name}\n{port}\n{addrs}")
}

/// The `addrs` value for `addresses`: sorted, comma-separated.
pub fn addrs_text(addresses: &[IpAddr]) -> String {
    let mut sorted = addresses.to_vec();
    sorted.sort();
    sorted.dedup();
    let text: Vec<String> = sorted.iter().map(ToString::to_string).collect();
    text.join(",")
}

/// The service type a transport is advertised under.
pub fn service_type(transport: TransportKind) -> &'static str {
    SERVICE_TYPES
        .iter()
        .find(|(t, _)| *t == transport)
        .map_or("_sip._udp.local.", |(_, ty)| ty)
}

/// One service instance as the browser resolved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// The instance's full DNS-SD name (`<key>._sip._udp.local.`), used to match its removal.
    pub fullname: String,
    /// The transport its service type stands for.
    pub transport: TransportKind,
    /// The TXT `key` value.
    pub key: String,
    /// The TXT `user` value.
    pub user: Option<String>,
    /// The TXT `name` value.
    pub name: Option<String>,
    /// The TXT `addrs` value.
    pub addrs: Option<String>,
    /// The TXT `sig` value (hex).
    pub sig: Option<String>,
    /// The SRV port.
    pub port: u16,
    /// The A/AAAA addresses.
    pub addresses: Vec<IpAddr>,
}

/// A peer on the local network: everything its instances said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// Its public key, z-base32.
    pub key: String,
    /// Its handle (`me` when it gave none).
    pub user: String,
    /// Its display name (the handle when it gave none).
    pub name: String,
    /// Where it listens: transport, port.
    pub ports: Vec<(TransportKind, u16)>,
    /// Its addresses, IPv4 first.
    pub addresses: Vec<IpAddr>,
}

impl Peer {
    /// Its P2P address, `sip:<user>@<key>`.
    pub fn address(&self) -> String {
        format!("sip:{}@{}", self.user, self.key)
    }

    /// Where it can be reached as text, `udp:192.168.1.7:5060` and so on.
    pub fn contacts(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (transport, port) in &self.ports {
            let name = match transport {
                TransportKind::Udp => "udp",
                TransportKind::Tcp => "tcp",
                TransportKind::Tls => "tls",
            };
            for ip in &self.addresses {
                out.push(format!("{name}:{}", std::net::SocketAddr::new(*ip, *port)));
            }
        }
        out
    }
}

/// What a browser event changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A peer was seen for the first time, or what it advertises changed.
    Appeared(Peer),
    /// A peer withdrew its last service instance.
    Gone {
        /// Its public key.
        key: String,
    },
}

/// Why an instance was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NearbyError {
    /// The TXT `key` is missing or not a z-base32 public key.
    #[error("TXT key {0:?} is not a public key")]
    BadKey(String),
    /// It is us.
    #[error("our own advertisement")]
    Ours,
    /// No usable address (only link-local IPv6, which needs a scope SIP URIs cannot carry).
    #[error("no usable address")]
    NoAddress,
    /// No signature, or not one by the key over what was advertised.
    #[error("no valid signature by its key")]
    BadSignature,
    /// The list already holds [`MAX_PEERS`] peers.
    #[error("already {MAX_PEERS} people nearby")]
    Full,
}

/// The people nearby, by key; each with the instances it advertises.
#[derive(Debug, Default)]
pub struct Nearby {
    /// Our own key, never listed.
    own: Option<String>,
    peers: BTreeMap<String, BTreeMap<String, Instance>>,
}

impl Nearby {
    /// An empty list that leaves out `own` (our key, z-base32).
    pub fn new(own: Option<String>) -> Nearby {
        Nearby {
            own: own.map(|k| k.to_ascii_lowercase()),
            peers: BTreeMap::new(),
        }
    }

    /// Takes a resolved instance; returns the peer as it now stands when anything changed.
    pub fn found(&mut self, mut instance: Instance) -> Result<Option<Change>, NearbyError> {
        instance.key = instance.key.trim().to_ascii_lowercase();
        if record::key_of_name(&instance.key).is_none() || instance.key.contains('.') {
            return Err(NearbyError::BadKey(instance.key));
        }
        if self.own.as_deref() == Some(instance.key.as_str()) {
            return Err(NearbyError::Ours);
        }
        let signed = verified_addresses(&instance).ok_or(NearbyError::BadSignature)?;
        instance
            .addresses
            .retain(|ip| usable(*ip) && signed.contains(ip));
        if instance.addresses.is_empty() {
            return Err(NearbyError::NoAddress);
        }
        // IPv4 first, then in a stable order: the same advertisement compares equal.
        instance.addresses.sort_by_key(|ip| (ip.is_ipv6(), *ip));
        instance.addresses.dedup();
        if !self.peers.contains_key(&instance.key) && self.peers.len() >= MAX_PEERS {
            return Err(NearbyError::Full);
        }
        // An instance name moving to another key (a peer that changed identity) leaves the old.
        let moved = self.forget(&instance.fullname, Some(&instance.key));
        let instances = self.peers.entry(instance.key.clone()).or_default();
        if instances.get(&instance.fullname) == Some(&instance) && moved.is_none() {
            return Ok(None);
        }
        let key = instance.key.clone();
        instances.insert(instance.fullname.clone(), instance);
        Ok(self.peer(&key).map(Change::Appeared))
    }

    /// An instance went away (its goodbye, or its records expired).
    pub fn removed(&mut self, fullname: &str) -> Option<Change> {
        self.forget(fullname, None)
    }

    /// Drops instance `fullname` unless it belongs to `keep`; tells when its peer is gone or
    /// changed.
    fn forget(&mut self, fullname: &str, keep: Option<&str>) -> Option<Change> {
        let key = self
            .peers
            .iter()
            .find(|(k, instances)| Some(k.as_str()) != keep && instances.contains_key(fullname))
            .map(|(k, _)| k.clone())?;
        let instances = self.peers.get_mut(&key)?;
        instances.remove(fullname);
        if instances.is_empty() {
            self.peers.remove(&key);
            return Some(Change::Gone { key });
        }
        self.peer(&key).map(Change::Appeared)
    }

    /// The peer with `key` (z-base32), if nearby.
    pub fn peer(&self, key: &str) -> Option<Peer> {
        let instances = self.peers.get(&key.to_ascii_lowercase())?;
        let first = instances.values().next()?;
        let mut ports: Vec<(TransportKind, u16)> = Vec::new();
        let mut addresses: Vec<IpAddr> = Vec::new();
        for instance in instances.values() {
            if !ports.iter().any(|(t, _)| *t == instance.transport) {
                ports.push((instance.transport, instance.port));
            }
            for ip in &instance.addresses {
                if !addresses.contains(ip) {
                    addresses.push(*ip);
                }
            }
        }
        ports.sort_by_key(|(t, _)| transport_rank(*t));
        addresses.sort_by_key(|ip| (ip.is_ipv6(), *ip));
        let user = instances
            .values()
            .find_map(|i| i.user.clone())
            .unwrap_or_else(|| crate::config::DEFAULT_HANDLE.to_owned());
        let name = instances
            .values()
            .find_map(|i| i.name.clone())
            .unwrap_or_else(|| user.clone());
        Some(Peer {
            key: first.key.clone(),
            user,
            name,
            ports,
            addresses,
        })
    }

    /// Everyone nearby, by key.
    pub fn peers(&self) -> Vec<Peer> {
        self.peers.keys().filter_map(|k| self.peer(k)).collect()
    }

    /// Answers one of the locator's queries for a name under a nearby key: NAPTR is not
    /// found (RFC 3263 §4.1 then asks SRV per transport), SRV gives the transport's port with
    /// the key as target, the key itself its addresses. `None` when the key is not nearby.
    pub fn answer(&self, query: &Query) -> Option<Answer> {
        let name = query.name().trim_end_matches('.').to_ascii_lowercase();
        let key = name.rsplit('.').next()?;
        let peer = self.peer(key)?;
        Some(match query {
            Query::Naptr { .. } => Answer::NotFound,
            Query::Srv { .. } => {
                let service = name.strip_suffix(key).unwrap_or_default();
                let transport = match service {
                    "_sip._udp." => Some(TransportKind::Udp),
                    "_sip._tcp." => Some(TransportKind::Tcp),
                    "_sips._tcp." => Some(TransportKind::Tls),
                    _ => None,
                };
                match peer.ports.iter().find(|(t, _)| Some(*t) == transport) {
                    Some((_, port)) => Answer::Srv(vec![SrvRecord {
                        priority: 0,
                        weight: 0,
                        port: *port,
                        target: peer.key.clone(),
                    }]),
                    None => Answer::NotFound,
                }
            }
            Query::Address { .. } if name == peer.key => Answer::Address(peer.addresses),
            Query::Address { .. } => Answer::NotFound,
        })
    }
}

/// The addresses `instance` signed, if its signature is the key's over what it advertised.
fn verified_addresses(instance: &Instance) -> Option<Vec<IpAddr>> {
    let key = record::key_of_name(&instance.key)?;
    let addrs = instance.addrs.as_deref()?;
    let hex = instance.sig.as_deref()?;
    let mut bytes = [0u8; 64];
    if hex.len() != 128 || !hex.is_ascii() {
        return None;
    }
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    let signature = ed25519_dalek::Signature::from_bytes(&bytes);
    let text = signed_text(
        service_type(instance.transport),
        &instance.key,
        instance.user.as_deref().unwrap_or_default(),
        instance.name.as_deref().unwrap_or_default(),
        instance.port,
        addrs,
    );
    key.verify(text.as_bytes(), &signature).ok()?;
    addrs
        .split(',')
        .filter(|a| !a.is_empty())
        .map(|a| a.parse().ok())
        .collect()
}

/// Whether a SIP URI can carry `ip`: not unspecified, multicast, or link-local IPv6 (which
/// needs a zone that `sip:` hosts cannot name).
fn usable(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !v4.is_unspecified() && !v4.is_multicast() && !v4.is_broadcast(),
        IpAddr::V6(v6) => {
            !v6.is_unspecified() && !v6.is_multicast() && (v6.segments()[0] & 0xffc0) != 0xfe80
        }
    }
}

/// The order transports are listed in.
fn transport_rank(t: TransportKind) -> u8 {
    match t {
        TransportKind::Udp => 0,
        TransportKind::Tcp => 1,
        TransportKind::Tls => 2,
    }
}

#[cfg(test)]
mod tests;
