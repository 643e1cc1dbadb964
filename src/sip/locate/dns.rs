//! The DNS vocabulary of the locator (queries, records, answers) and the SRV ordering of
//! RFC 2782 ("Usage rules") that RFC 3263 §4.2 and §4.3 rely on.

use super::dns_name;
use crate::sip::rng::Rng;
use std::net::IpAddr;

/// A DNS lookup the locator needs; the driver answers it with
/// [`Locator::handle_answer`](super::Locator::handle_answer).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Query {
    /// NAPTR records of a domain (RFC 3263 §4.1).
    Naptr {
        /// The domain.
        name: String,
    },
    /// SRV records, e.g. of `_sip._udp.example.com` (RFC 2782).
    Srv {
        /// The full SRV owner name.
        name: String,
    },
    /// A and AAAA records together (RFC 3263 §4.2).
    Address {
        /// The host name.
        name: String,
    },
}

impl Query {
    /// The name to look up.
    pub fn name(&self) -> &str {
        match self {
            Query::Naptr { name } | Query::Srv { name } | Query::Address { name } => name,
        }
    }
}

/// One NAPTR record (RFC 2915 §2); the regular expression is empty for SIP and not needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NaptrRecord {
    /// Lower is tried first.
    pub order: u16,
    /// Lower is tried first among equal `order`.
    pub preference: u16,
    /// `s` means the replacement is an SRV name (the only flag SIP uses).
    pub flags: String,
    /// `SIP+D2U`, `SIP+D2T`, `SIPS+D2T`, ...
    pub service: String,
    /// The SRV name to look up next.
    pub replacement: String,
}

/// One SRV record (RFC 2782).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvRecord {
    /// Lower is tried first.
    pub priority: u16,
    /// Relative share among records of equal priority.
    pub weight: u16,
    /// The port to send to.
    pub port: u16,
    /// The host name (`.` means the service is not available).
    pub target: String,
}

/// The result of a [`Query`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// NAPTR records, for a [`Query::Naptr`].
    Naptr(Vec<NaptrRecord>),
    /// SRV records, for a [`Query::Srv`].
    Srv(Vec<SrvRecord>),
    /// IPv4 and IPv6 addresses, for a [`Query::Address`].
    Address(Vec<IpAddr>),
    /// NXDOMAIN, or the name has no records of that type.
    NotFound,
    /// The lookup failed (timeout, SERVFAIL); the locator moves on without it.
    Failed,
}

impl Answer {
    /// The record type, for errors.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Answer::Naptr(_) => "NAPTR",
            Answer::Srv(_) => "SRV",
            Answer::Address(_) => "address",
            Answer::NotFound => "not-found",
            Answer::Failed => "failed",
        }
    }
}

/// RFC 2782 "Usage rules": ascending priority; within a priority, weighted random order.
pub(super) fn order_srv(mut records: Vec<SrvRecord>, rng: &mut Rng) -> Vec<SrvRecord> {
    // RFC 2782: a target of `.` means "not available here"; port 0 cannot be sent to.
    records.retain(|r| r.port != 0 && !dns_name(&r.target).is_empty());
    records.sort_by_key(|r| r.priority);
    let mut ordered = Vec::with_capacity(records.len());
    while let Some(first) = records.first() {
        let priority = first.priority;
        let same = records
            .iter()
            .take_while(|r| r.priority == priority)
            .count();
        let rest = records.split_off(same);
        weighted_order(records, rng, &mut ordered);
        records = rest;
    }
    ordered
}

/// RFC 2782: repeatedly pick one record of `group` with probability proportional to its
/// weight, weight-0 records first in the list so that they keep a small chance.
fn weighted_order(mut group: Vec<SrvRecord>, rng: &mut Rng, out: &mut Vec<SrvRecord>) {
    group.sort_by_key(|r| r.weight != 0);
    while !group.is_empty() {
        let index = pick_weighted(&group, rng);
        out.push(group.remove(index));
    }
}

/// The index of the next record (the `locate` module docs explain the draw range).
fn pick_weighted(group: &[SrvRecord], rng: &mut Rng) -> usize {
    let total: u64 = group.iter().map(|r| u64::from(r.weight)).sum();
    if total == 0 {
        // The modulo bias is below 2^-40 for any realistic record count.
        return (rng.next_u64() % group.len().max(1) as u64) as usize;
    }
    let has_zero = group.iter().any(|r| r.weight == 0);
    let draw = if has_zero {
        rng.next_u64() % (total + 1)
    } else {
        1 + rng.next_u64() % total
    };
    let mut running = 0;
    group
        .iter()
        .position(|r| {
            running += u64::from(r.weight);
            running >= draw
        })
        .unwrap_or(0)
}
