//! Locating SIP servers, sans-IO: RFC 3263 §4 (client usage) with the SRV ordering of
//! RFC 2782 ("Usage rules") and the NAPTR rules of RFC 2915 as RFC 3263 §4.1 applies them.
//!
//! A [`Locator`] resolves one SIP or SIPS URI into an ordered list of [`Peer`]s (transport and
//! socket address). It never touches DNS itself (STYLE.md habit 4): it asks with
//! [`Locator::poll_query`], the driver looks the name up and feeds the result back through
//! [`Locator::handle_answer`], and [`Locator::poll_target`] hands out the next target to try.
//! On a failure as RFC 3263 §4.3 defines it (a 503, a transport error, Timer B or F) the
//! caller sends a new transaction to the next target by calling `poll_target` again.
//!
//! The steps (RFC 3263 §4): TARGET is `maddr` if present, else the URI host. The transport
//! comes from the `transport` parameter (§4.1); an IP literal needs no DNS (§4.2); a host name
//! with a port gets an A/AAAA lookup only (§4.2); a host name with a transport but no port
//! gets the SRV lookup for that transport (§4.2); otherwise NAPTR first, then SRV for each
//! usable NAPTR record, or for each supported transport when NAPTR gives nothing usable
//! (§4.1); when no SRV record exists, A/AAAA of TARGET at the default port (§4.2).
//!
//! Choices the RFCs leave open, documented here once:
//! - `supported` is the caller's transport preference, first is best. Without NAPTR the SRV
//!   queries go out together (§4.1 "does a query for each") and their targets are tried in
//!   that preference order, one transport's servers after another's.
//! - All usable NAPTR records are kept, in (order, preference) order, and their servers are
//!   tried one record after the other. RFC 2915 would stop at the first matching order; going
//!   on gives failover across transports instead of giving up.
//! - `Failed` (timeout, SERVFAIL) is handled like `NotFound`: that branch is skipped and the
//!   resolution moves on, so one broken record never aborts the rest.
//! - SRV and NAPTR queries are sent as soon as they are known (in parallel); the A/AAAA
//!   lookup of an SRV target is sent only when that target is next and the caller wants a
//!   target, so a first server that answers costs no further lookups.
//! - An SRV set whose only records have the target `.` means "decidedly not available"
//!   (RFC 2782): it counts as found, so no A/AAAA fallback follows.
//! - RFC 2782 weighted selection draws from `[0, sum]` only while a weight-0 record remains
//!   (that is its "very small chance"); otherwise from `[1, sum]`, which removes the known
//!   bias of the inclusive 0 towards the first record. All-zero weights are drawn uniformly.
//! - Addresses are tried in the order the driver's resolver returns them (IPv6 and IPv4
//!   alike); the driver knows which families it can reach. A target is handed out once.
//! - With no `transport` parameter and no SRV, a `sip:` URI uses UDP if supported, else the
//!   first supported transport (§4.1 allows another one); a `sips:` URI always uses TLS.
//! - RFC 3263 §4.4 (a deterministic order for stateless proxies) does not apply: a UA is
//!   stateful, and the RFC 2782 random order comes from the caller's seeded [`Rng`].
//! - Names in queries are lower case without a trailing dot; the resolver treats them as
//!   absolute. TLS certificates are checked against the URI's domain, which the caller has.

mod dns;
#[cfg(test)]
mod tests;

pub use dns::{Answer, NaptrRecord, Query, SrvRecord};

use super::rng::Rng;
use super::text::Text;
use super::transaction::{Peer, TransportKind};
use super::uri::{Host, Scheme, SipUri};
use dns::order_srv;
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, SocketAddr};

/// The default port for `sip:` over UDP and TCP (RFC 3261 §19.1.2, §18.2.1).
pub const SIP_PORT: u16 = 5060;
/// The default port for TLS, `sips:` or `sip:` (RFC 3261 §19.1.2, §18.2.1).
pub const SIPS_PORT: u16 = 5061;

/// The default port of a transport (RFC 3261 §18.2.1: 5060 for UDP and TCP, 5061 for TLS).
pub fn default_port(transport: TransportKind) -> u16 {
    match transport {
        TransportKind::Tls => SIPS_PORT,
        TransportKind::Udp | TransportKind::Tcp => SIP_PORT,
    }
}

/// Misuse of the locator API (DNS outcomes are [`Answer`]s, never errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocateError {
    /// The query was never asked by this locator, or was answered already.
    #[error("query {0:?} is not awaiting an answer")]
    NotAsked(Query),
    /// The answer's record type does not fit the query; the answer was ignored.
    #[error("a {answer} answer does not fit query {query:?}")]
    WrongAnswer {
        /// The query.
        query: Query,
        /// The kind of answer given.
        answer: &'static str,
    },
}

/// One RFC 3263 resolution of one URI: queries out, answers in, targets out in order.
#[derive(Debug)]
pub struct Locator {
    /// `sip:` or `sips:` (which NAPTR services and SRV names apply, §4.1).
    scheme: Scheme,
    /// Transports usable for this URI, in the caller's preference order.
    usable: Vec<TransportKind>,
    /// What is left to try, in order; only the front is ever expanded.
    agenda: VecDeque<Step>,
    /// Every query asked, with its answer once it came (a name is never asked twice).
    answers: HashMap<Query, Slot>,
    /// Queries not yet handed to the driver.
    outbox: VecDeque<Query>,
    /// Targets handed out (§4.3 failover never repeats one).
    tried: HashSet<Peer>,
    /// Whether any SRV lookup found records (then no A/AAAA fallback, §4.2).
    srv_found: bool,
    /// Whether the caller wants a target it has not got yet.
    wants_target: bool,
}

/// One entry of the ordered plan; the front is expanded once its answer is known.
#[derive(Debug)]
enum Step {
    /// A target to hand out.
    Ready(Peer),
    /// NAPTR of TARGET (§4.1).
    Naptr(Query),
    /// SRV for one transport (§4.2); its query goes out as soon as the step exists.
    Srv {
        query: Query,
        transport: TransportKind,
    },
    /// A/AAAA of a host (§4.2); its query goes out only when it is next and wanted.
    Host {
        query: Query,
        port: u16,
        transport: TransportKind,
    },
    /// §4.2: A/AAAA of TARGET at the default port, when no SRV record was found.
    Fallback {
        name: String,
        transport: TransportKind,
    },
}

#[derive(Debug)]
enum Slot {
    Pending,
    Done(Resolved),
}

/// An answer as the locator keeps it.
#[derive(Debug, Clone)]
enum Resolved {
    /// Sorted by (order, preference).
    Naptr(Vec<NaptrRecord>),
    /// In RFC 2782 order; records were found even if every target is `.`.
    Srv(Vec<SrvRecord>),
    Address(Vec<IpAddr>),
    /// Not found, no data, or failed: the branch is skipped.
    Nothing,
}

impl Locator {
    /// Starts resolving `uri` for a client supporting `supported` (first is preferred).
    /// An IP literal TARGET needs no DNS: its target is ready at once (RFC 3263 §4.2). A URI
    /// whose transport we cannot use gives a locator that is exhausted at once.
    pub fn new(uri: &SipUri, supported: &[TransportKind]) -> Locator {
        let mut locator = Locator {
            scheme: uri.scheme,
            usable: usable_transports(uri.scheme, supported),
            agenda: VecDeque::new(),
            answers: HashMap::new(),
            outbox: VecDeque::new(),
            tried: HashSet::new(),
            srv_found: false,
            wants_target: true,
        };
        let plan = locator.plan(uri);
        locator.agenda.extend(plan);
        locator.advance();
        locator
    }

    /// The next DNS lookup to make. Several may be outstanding at once; answer each once.
    pub fn poll_query(&mut self) -> Option<Query> {
        self.outbox.pop_front()
    }

    /// Feeds the answer to a query from [`poll_query`](Self::poll_query). `rng` orders SRV
    /// records of equal priority (RFC 2782). On `Err` nothing changed.
    pub fn handle_answer(
        &mut self,
        query: &Query,
        answer: Answer,
        rng: &mut Rng,
    ) -> Result<(), LocateError> {
        if !matches!(self.answers.get(query), Some(Slot::Pending)) {
            return Err(LocateError::NotAsked(query.clone()));
        }
        let resolved = match (query, answer) {
            (_, Answer::NotFound | Answer::Failed) => Resolved::Nothing,
            (Query::Naptr { .. }, Answer::Naptr(mut records)) => {
                // RFC 3263 §4.1 (RFC 2915): lower order first, then lower preference.
                records.sort_by_key(|r| (r.order, r.preference));
                Resolved::Naptr(records)
            }
            (Query::Srv { .. }, Answer::Srv(records)) if records.is_empty() => Resolved::Nothing,
            (Query::Srv { .. }, Answer::Srv(records)) => Resolved::Srv(order_srv(records, rng)),
            (Query::Address { .. }, Answer::Address(ips)) if ips.is_empty() => Resolved::Nothing,
            (Query::Address { .. }, Answer::Address(ips)) => Resolved::Address(ips),
            (query, answer) => {
                return Err(LocateError::WrongAnswer {
                    query: query.clone(),
                    answer: answer.kind(),
                });
            }
        };
        self.answers.insert(query.clone(), Slot::Done(resolved));
        self.advance();
        Ok(())
    }

    /// The next target to try, in RFC 3263 order; call again to fail over to the next one
    /// (§4.3: after a 503, a transport error or Timer B/F). `None` while
    /// [`is_exhausted`](Self::is_exhausted) is false means "wait for answers"; it also lets
    /// the locator look up the next server's addresses, so drain `poll_query` after it.
    pub fn poll_target(&mut self) -> Option<Peer> {
        if let Some(&Step::Ready(peer)) = self.agenda.front() {
            self.agenda.pop_front();
            self.tried.insert(peer);
            self.wants_target = false;
            self.advance();
            return Some(peer);
        }
        self.wants_target = true;
        self.advance();
        None
    }

    /// Whether no target is left and nothing is pending: the resolution is over.
    pub fn is_exhausted(&self) -> bool {
        self.agenda.is_empty()
    }

    /// The first steps for `uri`: RFC 3263 §4.1 (transport) and §4.2 (port and address).
    fn plan(&self, uri: &SipUri) -> Vec<Step> {
        let forced = match uri.transport() {
            // RFC 3263 §4.1: the URI's transport SHOULD be used; if we cannot, nothing is left.
            Some(param) => match transport_param(param, self.scheme) {
                Some(t) if self.usable.contains(&t) => Some(t),
                _ => return Vec::new(),
            },
            None => None,
        };
        let Some(transport) = forced.or_else(|| self.default_transport()) else {
            return Vec::new();
        };
        // RFC 3263 §4: TARGET is the maddr parameter if present, else the host.
        let maddr = uri.params.value("maddr").and_then(|m| {
            let text = Text::from(m);
            Host::parse_in(&text, &text).ok()
        });
        let name = match maddr.as_ref().unwrap_or(&uri.host) {
            // RFC 3263 §4.2: a numeric TARGET is used as is, at the URI's or default port.
            Host::V4(ip) => return vec![ready(IpAddr::V4(*ip), uri.port, transport)],
            Host::V6(ip) => return vec![ready(IpAddr::V6(*ip), uri.port, transport)],
            Host::Name(name) => dns_name(name),
        };
        if let Some(port) = uri.port {
            // RFC 3263 §4.2: a name with an explicit port gets A/AAAA only, no SRV.
            let query = Query::Address { name };
            return vec![Step::Host {
                query,
                port,
                transport,
            }];
        }
        if forced.is_some() {
            // RFC 3263 §4.2: a transport given explicitly skips NAPTR: SRV for it alone.
            let query = Query::Srv {
                name: srv_name(transport, &name),
            };
            return vec![
                Step::Srv { query, transport },
                Step::Fallback { name, transport },
            ];
        }
        // RFC 3263 §4.1: no transport and no port: NAPTR first.
        vec![Step::Naptr(Query::Naptr { name })]
    }

    /// RFC 3263 §4.1: UDP for `sip:` (else the first supported transport), TLS for `sips:`.
    fn default_transport(&self) -> Option<TransportKind> {
        let preferred = match self.scheme {
            Scheme::Sip => TransportKind::Udp,
            Scheme::Sips => TransportKind::Tls,
        };
        if self.usable.contains(&preferred) {
            Some(preferred)
        } else {
            self.usable.first().copied()
        }
    }

    /// Expands the front of the agenda while its answers are known, drops targets already
    /// handed out, and asks for what the front needs next.
    fn advance(&mut self) {
        while let Some(step) = self.agenda.pop_front() {
            let query = match &step {
                Step::Ready(peer) if self.tried.contains(peer) => continue,
                Step::Ready(_) => {
                    self.agenda.push_front(step);
                    return;
                }
                Step::Fallback { name, transport } => {
                    if !self.srv_found {
                        let name = name.clone();
                        self.agenda.push_front(host_step(name, None, *transport));
                    }
                    continue;
                }
                Step::Naptr(query) | Step::Srv { query, .. } | Step::Host { query, .. } => query,
            };
            match self.answers.get(query) {
                Some(Slot::Done(resolved)) => {
                    let resolved = resolved.clone();
                    self.expand(step, resolved);
                }
                Some(Slot::Pending) => {
                    self.agenda.push_front(step);
                    return;
                }
                None => {
                    // Address lookups wait until the caller wants the target (module docs).
                    if !matches!(step, Step::Host { .. }) || self.wants_target {
                        self.request(query.clone());
                    }
                    self.agenda.push_front(step);
                    return;
                }
            }
        }
    }

    /// Replaces an answered step by what its answer leads to.
    fn expand(&mut self, step: Step, resolved: Resolved) {
        let children = match (step, resolved) {
            (Step::Naptr(query), Resolved::Naptr(records)) => {
                self.naptr_steps(query.name(), &records)
            }
            // RFC 3263 §4.1: no NAPTR records: SRV for each supported transport.
            (Step::Naptr(query), _) => self.srv_per_transport(query.name()),
            (Step::Srv { transport, .. }, Resolved::Srv(records)) => {
                self.srv_found = true;
                let hosts = records.into_iter();
                hosts
                    .map(|r| host_step(dns_name(&r.target), Some(r.port), transport))
                    .collect()
            }
            (
                Step::Host {
                    port, transport, ..
                },
                Resolved::Address(ips),
            ) => ips
                .into_iter()
                .map(|ip| ready(ip, Some(port), transport))
                .collect(),
            // NotFound or Failed: skip this branch and move on (module docs).
            _ => Vec::new(),
        };
        for child in &children {
            if let Step::Srv { query, .. } = child {
                self.request(query.clone());
            }
        }
        for child in children.into_iter().rev() {
            self.agenda.push_front(child);
        }
    }

    /// RFC 3263 §4.1: the usable NAPTR records in order, each leading to its SRV lookup; when
    /// none is usable, as if there were no NAPTR records.
    fn naptr_steps(&self, domain: &str, records: &[NaptrRecord]) -> Vec<Step> {
        let mut steps: Vec<Step> = records
            .iter()
            .filter(|r| r.flags.eq_ignore_ascii_case("s"))
            .filter_map(|r| {
                // A SIPS URI keeps only SIPS services: `usable` holds only TLS then.
                let transport = naptr_transport(&r.service)?;
                let name = dns_name(&r.replacement);
                (self.usable.contains(&transport) && !name.is_empty()).then_some(Step::Srv {
                    query: Query::Srv { name },
                    transport,
                })
            })
            .collect();
        if steps.is_empty() {
            return self.srv_per_transport(domain);
        }
        steps.extend(self.fallback(domain));
        steps
    }

    /// RFC 3263 §4.1: no usable NAPTR: one SRV query per supported transport, in preference
    /// order (`_sips` for TLS, §4.2), then the A/AAAA fallback.
    fn srv_per_transport(&self, domain: &str) -> Vec<Step> {
        let mut steps: Vec<Step> = self
            .usable
            .iter()
            .map(|&transport| Step::Srv {
                query: Query::Srv {
                    name: srv_name(transport, domain),
                },
                transport,
            })
            .collect();
        steps.extend(self.fallback(domain));
        steps
    }

    /// RFC 3263 §4.1, §4.2: with no SRV records, TARGET's addresses over UDP for `sip:`, TLS
    /// for `sips:`, at the default port.
    fn fallback(&self, domain: &str) -> Option<Step> {
        let transport = self.default_transport()?;
        Some(Step::Fallback {
            name: domain.to_owned(),
            transport,
        })
    }

    /// Queues `query` for the driver unless it was asked before.
    fn request(&mut self, query: Query) {
        if !self.answers.contains_key(&query) {
            self.answers.insert(query.clone(), Slot::Pending);
            self.outbox.push_back(query);
        }
    }
}

/// A ready target at `port` or the transport's default port.
fn ready(ip: IpAddr, port: Option<u16>, transport: TransportKind) -> Step {
    let port = port.unwrap_or_else(|| default_port(transport));
    Step::Ready(Peer {
        transport,
        addr: SocketAddr::new(ip, port),
    })
}

/// The step for a host name (already normalised) from SRV or the fallback. An SRV target
/// written as an IP address needs no lookup.
fn host_step(name: String, port: Option<u16>, transport: TransportKind) -> Step {
    if let Ok(ip) = name.parse::<IpAddr>() {
        return ready(ip, port, transport);
    }
    Step::Host {
        query: Query::Address { name },
        port: port.unwrap_or_else(|| default_port(transport)),
        transport,
    }
}

/// The transports usable for `scheme`, deduplicated, in the caller's order: a SIPS URI
/// travels over TLS only (RFC 3261 §19.1, RFC 3263 §4.1).
fn usable_transports(scheme: Scheme, supported: &[TransportKind]) -> Vec<TransportKind> {
    let mut usable = Vec::new();
    for &t in supported {
        if !usable.contains(&t) && (scheme == Scheme::Sip || t == TransportKind::Tls) {
            usable.push(t);
        }
    }
    usable
}

/// The URI `transport` parameter (RFC 3261 §19.1.1): for `sips:` TCP means TLS; `tls` is
/// still written by many; UDP cannot carry SIPS, and SCTP and WebSocket are not supported.
fn transport_param(param: &str, scheme: Scheme) -> Option<TransportKind> {
    let param = param.to_ascii_lowercase();
    match (scheme, param.as_str()) {
        (Scheme::Sip, "udp") => Some(TransportKind::Udp),
        (Scheme::Sip, "tcp") => Some(TransportKind::Tcp),
        (Scheme::Sips, "tcp") | (_, "tls") => Some(TransportKind::Tls),
        _ => None,
    }
}

/// RFC 3263 §4.1: the NAPTR services we can use (D2U, D2T; SIPS over UDP does not exist).
fn naptr_transport(service: &str) -> Option<TransportKind> {
    const SERVICES: [(&str, TransportKind); 3] = [
        ("SIP+D2U", TransportKind::Udp),
        ("SIP+D2T", TransportKind::Tcp),
        ("SIPS+D2T", TransportKind::Tls),
    ];
    SERVICES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(service.trim()))
        .map(|&(_, transport)| transport)
}

/// The SRV name for a transport (RFC 3263 §4.1, §4.2: `_sips` whenever TLS is used).
fn srv_name(transport: TransportKind, domain: &str) -> String {
    let prefix = match transport {
        TransportKind::Udp => "_sip._udp",
        TransportKind::Tcp => "_sip._tcp",
        TransportKind::Tls => "_sips._tcp",
    };
    format!("{prefix}.{domain}")
}

/// A DNS name as queries carry it: lower case, no trailing dot (`.` alone becomes empty).
fn dns_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}
