//! DNS for the engine (STYLE.md habit 4: the core asks, the engine resolves, the answer goes
//! back in). Each question of the SIP core's RFC 3263 locator becomes a small task on
//! hickory-resolver; its answer comes back to the engine's `select!` on a channel. Nothing
//! here blocks the engine: even reading `/etc/resolv.conf` happens on the blocking pool.
//!
//! A name under a public key (`<key>`, `_sip._udp.<key>`: a P2P address) is not DNS: its
//! queries go to the people nearby first ([`crate::p2p::mdns`]: a LAN peer needs no
//! internet), then to the Mainline DHT ([`crate::p2p::dht`]), and come back on the same
//! channel.

use crate::p2p::dht::Dht;
use crate::p2p::mdns::{Mdns, WAIT_FOR_PEER};
use crate::p2p::record;
use crate::sip::locate::{Answer, NaptrRecord, Query, SrvRecord};
use crate::sip::ua::{LookupId, ResolveRequest};
use hickory_resolver::ResolveError;
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{LookupIpStrategy, NameServerConfigGroup, ResolverConfig};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::rr::{RData, RecordType};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long one DNS query may take before it counts as failed (RFC 3263 §4.3 then moves on).
const QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// An answer for the core.
#[derive(Debug)]
pub struct Resolved {
    /// The lookup it belongs to.
    pub lookup: LookupId,
    /// The question.
    pub query: Query,
    /// The answer.
    pub answer: Answer,
    /// Why the lookup failed, for the log (`None` when it worked or found nothing).
    pub error: Option<String>,
}

/// The resolver, or why there is none.
#[derive(Debug)]
pub struct Dns {
    resolver: Result<TokioResolver, String>,
    answers: mpsc::Sender<Resolved>,
    /// Answers names under public keys (`None`: the DHT is off).
    dht: Option<Dht>,
    /// Answers names under the keys of people nearby, first (`None`: mDNS is off).
    mdns: Option<Mdns>,
}

impl Dns {
    /// Builds a resolver from the system configuration, or one that asks only `server` (for
    /// tests and for users who name their DNS server). Reads files: call it off the engine
    /// task (the engine uses `spawn_blocking`).
    pub fn new(server: Option<SocketAddr>, answers: mpsc::Sender<Resolved>) -> Dns {
        let builder = match server {
            Some(addr) => {
                let servers =
                    NameServerConfigGroup::from_ips_clear(&[addr.ip()], addr.port(), true);
                let config = ResolverConfig::from_parts(None, Vec::new(), servers);
                Ok(TokioResolver::builder_with_config(
                    config,
                    TokioConnectionProvider::default(),
                ))
            }
            None => TokioResolver::builder_tokio().map_err(|e| e.to_string()),
        };
        let resolver = builder.map(|mut b| {
            let options = b.options_mut();
            options.timeout = QUERY_TIMEOUT;
            options.attempts = 2;
            options.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
            b.build()
        });
        Dns {
            resolver,
            answers,
            dht: None,
            mdns: None,
        }
    }

    /// Answers names under public keys from `dht` from now on.
    pub fn set_dht(&mut self, dht: Option<Dht>) {
        self.dht = dht;
    }

    /// Answers names under the keys of people nearby from `mdns` from now on.
    pub fn set_mdns(&mut self, mdns: Option<Mdns>) {
        self.mdns = mdns;
    }

    /// Why there is no resolver, if there is none (every query then fails at once).
    pub fn unavailable(&self) -> Option<&str> {
        self.resolver.as_ref().err().map(String::as_str)
    }

    /// Starts answering `request`; the answer arrives on the channel given to [`Dns::new`].
    pub fn ask(&self, request: ResolveRequest) {
        let ResolveRequest { lookup, query } = request;
        let answers = self.answers.clone();
        let resolver = match (record::key_of_name(query.name()), &self.dht, &self.resolver) {
            (Some(key), dht, _) if self.mdns.is_some() => {
                let (mdns, dht, asked) = (self.mdns.clone(), dht.clone(), query.clone());
                return answer_later(answers, lookup, query, async move {
                    p2p_answer(mdns, dht, &asked, key).await
                });
            }
            (Some(key), Some(dht), _) => return dht.ask(lookup, query, key, answers),
            (Some(_), None, _) => Err("a P2P address, and the DHT is off (mDNS too)".to_owned()),
            (None, _, Ok(resolver)) => Ok(resolver.clone()),
            (None, _, Err(why)) => Err(format!("no DNS resolver: {why}")),
        };
        let resolver = match resolver {
            Ok(resolver) => resolver,
            Err(why) => {
                return answer_later(answers, lookup, query, async {
                    (Answer::Failed, Some(why))
                });
            }
        };
        let asked = query.clone();
        answer_later(answers, lookup, query, async move {
            match resolve(&resolver, &asked).await {
                Ok(answer) => (answer, None),
                Err(e) if e.is_no_records_found() || e.is_nx_domain() => (Answer::NotFound, None),
                Err(e) => (Answer::Failed, Some(e.to_string())),
            }
        });
    }
}

/// Answers a query for a name under `key`: from the people nearby when the key is one of
/// them; else from the DHT, while watching for the key to show up nearby (a peer that just
/// started); with no DHT, or when it finds nothing, after waiting [`WAIT_FOR_PEER`] for it.
async fn p2p_answer(
    mdns: Option<Mdns>,
    dht: Option<Dht>,
    query: &Query,
    key: pkarr::PublicKey,
) -> (Answer, Option<String>) {
    let lan = async {
        match &mdns {
            Some(mdns) => mdns.wait_for(query, WAIT_FOR_PEER).await,
            None => None,
        }
    };
    let Some(dht) = dht else {
        return match lan.await {
            Some(answer) => (answer, None),
            None => (
                Answer::Failed,
                Some("not on the local network, and the DHT is off".to_owned()),
            ),
        };
    };
    tokio::pin!(lan);
    let from_dht = dht.answer(query, key.clone());
    tokio::pin!(from_dht);
    tokio::select! {
        nearby = &mut lan => match nearby {
            Some(answer) => (answer, None),
            None => from_dht.await,
        },
        found = &mut from_dht => match found {
            // The key has no records on the DHT: it may yet show up nearby.
            (Answer::NotFound | Answer::Failed, _) if !dht.knows(&key) => match lan.await {
                Some(answer) => (answer, None),
                None => found,
            },
            found => found,
        },
    }
}

/// Answers `query` of `lookup` with what `work` finds, on a task of its own: the answer (and
/// why it failed, for the log) joins the engine's channel like every DNS answer.
pub(crate) fn answer_later(
    answers: mpsc::Sender<Resolved>,
    lookup: LookupId,
    query: Query,
    work: impl std::future::Future<Output = (Answer, Option<String>)> + Send + 'static,
) {
    tokio::spawn(async move {
        let (answer, error) = work.await;
        let _ = answers
            .send(Resolved {
                lookup,
                query,
                answer,
                error,
            })
            .await;
    });
}

/// Asks one question. Names come without the trailing dot and are absolute (RFC 3263 names
/// come from URIs and records, never from a search list).
async fn resolve(resolver: &TokioResolver, query: &Query) -> Result<Answer, ResolveError> {
    let name = format!("{}.", query.name());
    match query {
        Query::Naptr { .. } => {
            let lookup = resolver.lookup(name, RecordType::NAPTR).await?;
            let records = lookup
                .iter()
                .filter_map(|r| match r {
                    RData::NAPTR(n) => Some(NaptrRecord {
                        order: n.order(),
                        preference: n.preference(),
                        flags: String::from_utf8_lossy(n.flags()).into_owned(),
                        service: String::from_utf8_lossy(n.services()).into_owned(),
                        replacement: plain_name(&n.replacement().to_ascii()),
                    }),
                    _ => None,
                })
                .collect();
            Ok(Answer::Naptr(records))
        }
        Query::Srv { .. } => {
            let lookup = resolver.srv_lookup(name).await?;
            let records = lookup
                .iter()
                .map(|s| SrvRecord {
                    priority: s.priority(),
                    weight: s.weight(),
                    port: s.port(),
                    target: plain_name(&s.target().to_ascii()),
                })
                .collect();
            Ok(Answer::Srv(records))
        }
        Query::Address { .. } => {
            let lookup = resolver.lookup_ip(name).await?;
            Ok(Answer::Address(lookup.iter().collect()))
        }
    }
}

/// A record's name as the locator writes names: lower case, no trailing dot (`.` stays `.`,
/// RFC 2782's "not available").
fn plain_name(name: &str) -> String {
    if name == "." {
        return ".".to_owned();
    }
    name.trim_end_matches('.').to_ascii_lowercase()
}
