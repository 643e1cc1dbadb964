//! The signed DNS records that make a P2P address reachable, sans-IO (STYLE.md habit 1).
//!
//! A P2P address is `sip:<handle>@<key>`, the host being the 52-character z-base32 form of an
//! ed25519 public key (pkarr's encoding). What reaches its owner is published as a pkarr
//! signed packet, a DNS packet signed by that key, shaped so that the RFC 3263 locator needs
//! nothing new:
//!
//! ```text
//! _sip._udp.<key>  SRV 0 0 <udp port> <key>     (RFC 3263 §4.2, RFC 2782)
//! _sip._tcp.<key>  SRV 0 0 <tcp port> <key>
//! _sips._tcp.<key> SRV 0 0 <tls port> <key>     (TLS proving the key, RFC 3263 §4.2)
//! <key>            A    <IPv4 address>          (one per address)
//! <key>            AAAA <IPv6 address>
//! ```
//!
//! No NAPTR records are published: RFC 3263 §4.1 then has the client ask SRV for each
//! transport it supports, which is what the records above answer.
//!
//! Trust comes from the key alone: pkarr checks the signature whenever it parses a packet
//! ([`verify`]), and [`RecordCache`] keeps the newest packet per key by its signed timestamp,
//! so a replayed older packet never replaces a newer one (BEP 44 sequence numbers, which pkarr
//! sets to the timestamp). Time comes in as arguments: Unix microseconds for the signed
//! timestamps, an [`Instant`] for cache freshness.

use crate::sip::locate::{Answer, Query, SrvRecord};
use crate::sip::transaction::TransportKind;
use pkarr::dns::rdata::{A, AAAA, RData, SRV};
use pkarr::dns::{CLASS, Name, ResourceRecord};
use pkarr::{Keypair, PublicKey, SignedPacket, Timestamp};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// The TTL of published records, in seconds: how long a caller may cache them.
pub const RECORD_TTL: u32 = 300;
/// Cached packets are fresh for at least this long, whatever their records say.
pub const MIN_CACHE_TTL: u32 = 30;
/// Cached packets are never fresh for longer than this.
pub const MAX_CACHE_TTL: u32 = 3600;
/// The length of a z-base32 ed25519 public key (256 bits in 5-bit characters).
pub const KEY_LENGTH: usize = 52;
/// The z-base32 alphabet (Zooko's human-oriented base-32 encoding).
const Z_BASE32: &str = "ybndrfg8ejkmcpqxot1uwisza345h769";

/// Why records could not be built or accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Nothing to publish: no port or no address.
    #[error("nothing to publish: {0}")]
    Empty(&'static str),
    /// The packet would not fit in a DHT value (1000 bytes), or could not be encoded.
    #[error("cannot build the signed packet: {0}")]
    Build(String),
    /// The bytes are not a packet signed by the key they claim (or not a packet at all).
    #[error("not a valid packet signed by that key: {0}")]
    Invalid(String),
}

/// Where we can be reached: the ports per transport and the addresses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    /// Our UDP port, if we listen on UDP.
    pub udp: Option<u16>,
    /// Our TCP port, if we listen on TCP.
    pub tcp: Option<u16>,
    /// Our TLS port, if we serve TLS with our identity certificate.
    pub tls: Option<u16>,
    /// Our addresses, in the order to publish them (IPv4 and IPv6 alike).
    pub addresses: Vec<IpAddr>,
}

impl Contact {
    /// What to publish for the sockets in `local`. `overrides` (the user's `--p2p-address`)
    /// replace every address when not empty. Otherwise every non-loopback address we listen
    /// on is used, a wildcard one (`0.0.0.0`, `::`) standing for `interfaces` of its family
    /// (the engine finds those); loopback addresses only when there is nothing else, so two
    /// phones on one machine (the tests) still find each other.
    pub fn new(
        local: &[(TransportKind, SocketAddr)],
        overrides: &[IpAddr],
        interfaces: &[IpAddr],
    ) -> Contact {
        let port = |kind| {
            local
                .iter()
                .find(|(t, _)| *t == kind)
                .map(|(_, a)| a.port())
        };
        let mut addresses: Vec<IpAddr> = Vec::new();
        let add = |ip: IpAddr, list: &mut Vec<IpAddr>| {
            if !list.contains(&ip) {
                list.push(ip);
            }
        };
        if overrides.is_empty() {
            for (_, addr) in local {
                let ip = addr.ip();
                if ip.is_unspecified() {
                    for i in interfaces.iter().filter(|i| i.is_ipv4() == ip.is_ipv4()) {
                        if !i.is_loopback() && !i.is_unspecified() {
                            add(*i, &mut addresses);
                        }
                    }
                } else if !ip.is_loopback() {
                    add(ip, &mut addresses);
                }
            }
            if addresses.is_empty() {
                for (_, addr) in local {
                    let ip = addr.ip();
                    let loopback = match ip {
                        IpAddr::V4(_) if ip.is_unspecified() => IpAddr::from([127, 0, 0, 1]),
                        IpAddr::V6(_) if ip.is_unspecified() => {
                            std::net::Ipv6Addr::LOCALHOST.into()
                        }
                        _ => ip,
                    };
                    add(loopback, &mut addresses);
                }
            }
        } else {
            for ip in overrides {
                add(*ip, &mut addresses);
            }
        }
        Contact {
            udp: port(TransportKind::Udp),
            tcp: port(TransportKind::Tcp),
            tls: port(TransportKind::Tls),
            addresses,
        }
    }

    /// The published targets as text, `udp:192.0.2.7:5060` (for events and logs).
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, port) in [("udp", self.udp), ("tcp", self.tcp), ("tls", self.tls)] {
            let Some(port) = port else { continue };
            for ip in &self.addresses {
                out.push(format!("{name}:{}", SocketAddr::new(*ip, port)));
            }
        }
        out
    }
}

/// The timestamp for our next packet: now (Unix microseconds), but always above the last one
/// we signed, so a clock that stepped back cannot make our new packet lose to our old one.
pub fn next_timestamp(now_micros: u64, last: Option<u64>) -> u64 {
    match last {
        Some(last) if last >= now_micros => last + 1,
        _ => now_micros,
    }
}

/// Signs the records for `contact` with `keypair`, timestamped `timestamp_micros`.
pub fn build(
    keypair: &Keypair,
    contact: &Contact,
    timestamp_micros: u64,
    ttl: u32,
) -> Result<SignedPacket, RecordError> {
    if contact.addresses.is_empty() {
        return Err(RecordError::Empty("no address"));
    }
    if contact.udp.is_none() && contact.tcp.is_none() && contact.tls.is_none() {
        return Err(RecordError::Empty("no UDP, TCP or TLS port"));
    }
    let key = keypair.public_key().to_z32();
    let target = Name::new_unchecked(&key);
    let mut builder = SignedPacket::builder().timestamp(Timestamp::from(timestamp_micros));
    // RFC 3263 §4.1: with no NAPTR, one SRV per transport ("_sips._tcp" for TLS, §4.2).
    let ports = [
        ("_sip._udp", contact.udp),
        ("_sip._tcp", contact.tcp),
        ("_sips._tcp", contact.tls),
    ];
    for (owner, port) in ports {
        let Some(port) = port else { continue };
        let srv = SRV {
            priority: 0,
            weight: 0,
            port,
            target: target.clone(),
        };
        builder = builder.record(ResourceRecord::new(
            Name::new_unchecked(owner),
            CLASS::IN,
            ttl,
            RData::SRV(srv),
        ));
    }
    for ip in &contact.addresses {
        let rdata = match ip {
            IpAddr::V4(v4) => RData::A(A::from(*v4)),
            IpAddr::V6(v6) => RData::AAAA(AAAA::from(*v6)),
        };
        // "." is the apex: pkarr writes it as the key itself.
        builder = builder.record(ResourceRecord::new(
            Name::new_unchecked("."),
            CLASS::IN,
            ttl,
            rdata,
        ));
    }
    builder
        .sign(keypair)
        .map_err(|e| RecordError::Build(e.to_string()))
}

/// Parses a packet received for `key` (pkarr's relay form: signature, timestamp, DNS
/// packet), checking that `key` signed it.
pub fn verify(key: &PublicKey, payload: &[u8]) -> Result<SignedPacket, RecordError> {
    let payload = bytes::Bytes::copy_from_slice(payload);
    SignedPacket::from_relay_payload(key, &payload).map_err(|e| RecordError::Invalid(e.to_string()))
}

/// The public key a DNS name belongs to, when its last label is one (a bare `<key>` or a
/// name under it such as `_sip._udp.<key>`). Case and a trailing dot do not matter.
pub fn key_of_name(name: &str) -> Option<PublicKey> {
    let name = plain(name);
    let label = name.rsplit('.').next()?;
    if label.len() != KEY_LENGTH || !label.chars().all(|c| Z_BASE32.contains(c)) {
        return None;
    }
    PublicKey::try_from(label).ok()
}

/// A name as compared here: lower case, without the trailing dot.
fn plain(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Answers one of the locator's queries from `packet` (already verified). NAPTR is never
/// published, so it is not found (RFC 3263 §4.1 then asks SRV); SRV and A/AAAA come from the
/// packet's records whose owner equals the query's name.
pub fn answer(packet: &SignedPacket, query: &Query) -> Answer {
    let wanted = plain(query.name());
    let records = packet
        .all_resource_records()
        .filter(|rr| plain(&rr.name.to_string()) == wanted);
    match query {
        Query::Naptr { .. } => Answer::NotFound,
        Query::Srv { .. } => {
            let srv: Vec<SrvRecord> = records
                .filter_map(|rr| match &rr.rdata {
                    RData::SRV(s) => Some(SrvRecord {
                        priority: s.priority,
                        weight: s.weight,
                        port: s.port,
                        target: srv_target(&s.target.to_string()),
                    }),
                    _ => None,
                })
                .collect();
            if srv.is_empty() {
                Answer::NotFound
            } else {
                Answer::Srv(srv)
            }
        }
        Query::Address { .. } => {
            let addresses: Vec<IpAddr> = records
                .filter_map(|rr| match &rr.rdata {
                    RData::A(a) => Some(IpAddr::from(std::net::Ipv4Addr::from(a.address))),
                    RData::AAAA(a) => Some(IpAddr::from(std::net::Ipv6Addr::from(a.address))),
                    _ => None,
                })
                .collect();
            if addresses.is_empty() {
                Answer::NotFound
            } else {
                Answer::Address(addresses)
            }
        }
    }
}

/// An SRV target as the locator writes names; RFC 2782's "." (not available) stays ".".
fn srv_target(name: &str) -> String {
    if name.is_empty() || name == "." {
        return ".".to_owned();
    }
    plain(name)
}

/// What [`RecordCache::insert`] did with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// The first packet for its key.
    New,
    /// It replaced an older packet.
    Replaced,
    /// The same packet again: only its freshness was renewed.
    Same,
    /// An older packet than the one held: ignored (a replay or a stale DHT node).
    Older,
}

/// The newest packet seen per key, and when it was fetched.
#[derive(Debug, Default)]
pub struct RecordCache {
    entries: HashMap<PublicKey, (SignedPacket, Instant)>,
}

impl RecordCache {
    /// An empty cache.
    pub fn new() -> RecordCache {
        RecordCache::default()
    }

    /// Keeps `packet` (verified, signed by its key) unless a newer one is held: the signed
    /// timestamp decides, never the order of arrival.
    pub fn insert(&mut self, packet: SignedPacket, now: Instant) -> Inserted {
        let key = packet.public_key();
        match self.entries.get_mut(&key) {
            None => {
                self.entries.insert(key, (packet, now));
                Inserted::New
            }
            Some((held, fetched)) if held.is_same_as(&packet) => {
                *fetched = now;
                Inserted::Same
            }
            Some((held, fetched)) if packet.more_recent_than(held) => {
                *held = packet;
                *fetched = now;
                Inserted::Replaced
            }
            Some(_) => Inserted::Older,
        }
    }

    /// The packet for `key` if it is still fresh: fetched less than its TTL ago (the
    /// smallest of its records', within [`MIN_CACHE_TTL`]..=[`MAX_CACHE_TTL`]).
    pub fn fresh(&self, key: &PublicKey, now: Instant) -> Option<&SignedPacket> {
        let (packet, fetched) = self.entries.get(key)?;
        let ttl = Duration::from_secs(packet.ttl(MIN_CACHE_TTL, MAX_CACHE_TTL).into());
        (now.saturating_duration_since(*fetched) < ttl).then_some(packet)
    }

    /// The newest packet held for `key`, fresh or not (a floor for the next lookup).
    pub fn newest(&self, key: &PublicKey) -> Option<&SignedPacket> {
        self.entries.get(key).map(|(p, _)| p)
    }
}

#[cfg(test)]
mod tests;
