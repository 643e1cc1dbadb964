//! RFC 3263 §4 scenarios against a fake DNS zone: the locator asks, the zone answers from a
//! table (everything else is NXDOMAIN), and targets are drained as a failing-over client
//! would (§4.3). Randomness comes from seeded [`Rng`]s.

use super::dns::order_srv;
use super::*;
use TransportKind::{Tcp, Tls, Udp};
use std::collections::HashMap;

const ALL: [TransportKind; 3] = [Udp, Tcp, Tls];

fn rng() -> Rng {
    Rng::from_seed([3; 32])
}

fn uri(s: &str) -> SipUri {
    SipUri::parse(s).unwrap()
}

fn peer(transport: TransportKind, addr: &str) -> Peer {
    Peer {
        transport,
        addr: addr.parse().unwrap(),
    }
}

fn naptr_q(name: &str) -> Query {
    Query::Naptr { name: name.into() }
}

fn srv_q(name: &str) -> Query {
    Query::Srv { name: name.into() }
}

fn addr_q(name: &str) -> Query {
    Query::Address { name: name.into() }
}

fn naptr(order: u16, preference: u16, service: &str, replacement: &str) -> NaptrRecord {
    NaptrRecord {
        order,
        preference,
        flags: "s".into(),
        service: service.into(),
        replacement: replacement.into(),
    }
}

fn srv(priority: u16, weight: u16, port: u16, target: &str) -> SrvRecord {
    SrvRecord {
        priority,
        weight,
        port,
        target: target.into(),
    }
}

fn ips(list: &[&str]) -> Answer {
    Answer::Address(list.iter().map(|s| s.parse().unwrap()).collect())
}

/// A fake DNS zone: answers from a table, `NotFound` for anything else; remembers the asking.
struct Zone {
    answers: HashMap<Query, Answer>,
    asked: Vec<Query>,
}

impl Zone {
    fn new(entries: Vec<(Query, Answer)>) -> Zone {
        Zone {
            answers: entries.into_iter().collect(),
            asked: Vec::new(),
        }
    }

    /// Answers every query the locator has out; returns how many.
    fn answer_all(&mut self, locator: &mut Locator, rng: &mut Rng) -> usize {
        let mut n = 0;
        while let Some(query) = locator.poll_query() {
            let answer = self
                .answers
                .get(&query)
                .cloned()
                .unwrap_or(Answer::NotFound);
            locator.handle_answer(&query, answer, rng).unwrap();
            self.asked.push(query);
            n += 1;
        }
        n
    }

    /// Drains every target, failing over after each one (RFC 3263 §4.3).
    fn run(&mut self, locator: &mut Locator, rng: &mut Rng) -> Vec<Peer> {
        let mut targets = Vec::new();
        loop {
            let answered = self.answer_all(locator, rng);
            match locator.poll_target() {
                Some(target) => targets.push(target),
                None if locator.is_exhausted() => return targets,
                None => {
                    // A None asks for the next addresses; something must be out now.
                    let more = self.answer_all(locator, rng);
                    assert!(
                        answered + more > 0,
                        "stuck: nothing to answer, not exhausted"
                    );
                }
            }
        }
    }
}

/// Resolves `uri` against `zone` and returns the targets and the queries asked, in order.
fn resolve(
    uri_text: &str,
    supported: &[TransportKind],
    zone: Vec<(Query, Answer)>,
) -> (Vec<Peer>, Vec<Query>) {
    let mut zone = Zone::new(zone);
    let mut locator = Locator::new(&uri(uri_text), supported);
    let targets = zone.run(&mut locator, &mut rng());
    assert!(locator.is_exhausted());
    assert_eq!(locator.poll_target(), None);
    (targets, zone.asked)
}

#[test]
fn ip_literal_targets_need_no_dns() {
    let cases: &[(&str, &[TransportKind], Peer)] = &[
        ("sip:192.0.2.1", &ALL, peer(Udp, "192.0.2.1:5060")),
        (
            "sip:alice@192.0.2.1:5070",
            &ALL,
            peer(Udp, "192.0.2.1:5070"),
        ),
        (
            "sip:192.0.2.1;transport=tcp",
            &ALL,
            peer(Tcp, "192.0.2.1:5060"),
        ),
        (
            "sip:192.0.2.1;transport=TLS",
            &ALL,
            peer(Tls, "192.0.2.1:5061"),
        ),
        ("sip:192.0.2.1", &[Tcp, Tls], peer(Tcp, "192.0.2.1:5060")),
        ("sips:192.0.2.1", &ALL, peer(Tls, "192.0.2.1:5061")),
        (
            "sips:192.0.2.1:5071;transport=tcp",
            &ALL,
            peer(Tls, "192.0.2.1:5071"),
        ),
        ("sip:[2001:db8::1]", &ALL, peer(Udp, "[2001:db8::1]:5060")),
        (
            "sip:[2001:db8::1]:5080;transport=tcp",
            &ALL,
            peer(Tcp, "[2001:db8::1]:5080"),
        ),
        ("sips:[2001:db8::1]", &ALL, peer(Tls, "[2001:db8::1]:5061")),
        (
            "sip:example.com;maddr=198.51.100.7",
            &ALL,
            peer(Udp, "198.51.100.7:5060"),
        ),
    ];
    for (text, supported, expected) in cases {
        let mut locator = Locator::new(&uri(text), supported);
        assert_eq!(locator.poll_query(), None, "{text}");
        assert_eq!(locator.poll_target(), Some(*expected), "{text}");
        assert_eq!(locator.poll_target(), None, "{text}");
        assert!(locator.is_exhausted(), "{text}");
    }
}

#[test]
fn unusable_transport_gives_nothing() {
    let cases: &[(&str, &[TransportKind])] = &[
        ("sips:192.0.2.1;transport=udp", &ALL),
        ("sip:192.0.2.1;transport=sctp", &ALL),
        ("sip:example.com;transport=ws", &ALL),
        ("sips:example.com", &[Udp, Tcp]),
        ("sip:example.com;transport=tcp", &[Udp]),
        ("sip:example.com", &[]),
    ];
    for (text, supported) in cases {
        let mut locator = Locator::new(&uri(text), supported);
        assert!(locator.is_exhausted(), "{text}");
        assert_eq!(locator.poll_query(), None, "{text}");
        assert_eq!(locator.poll_target(), None, "{text}");
    }
}

#[test]
fn sips_resolves_to_tls_on_5061() {
    let zone = vec![(addr_q("example.com"), ips(&["192.0.2.1"]))];
    let (targets, asked) = resolve("sips:bob@example.com", &ALL, zone);
    assert_eq!(targets, [peer(Tls, "192.0.2.1:5061")]);
    // RFC 3263 §4.1: only `_sips` for a SIPS URI.
    let expected = [
        naptr_q("example.com"),
        srv_q("_sips._tcp.example.com"),
        addr_q("example.com"),
    ];
    assert_eq!(asked, expected);
}

#[test]
fn explicit_port_looks_up_addresses_only() {
    let mut locator = Locator::new(&uri("sip:Example.COM:5070"), &ALL);
    // §4.2: A/AAAA at once, no NAPTR, no SRV.
    assert_eq!(locator.poll_query(), Some(addr_q("example.com")));
    assert_eq!(locator.poll_query(), None);
    assert_eq!(locator.poll_target(), None);
    assert!(!locator.is_exhausted());
    let answer = ips(&["2001:db8::1", "192.0.2.1"]);
    let mut rng = rng();
    let query = addr_q("example.com");
    locator.handle_answer(&query, answer, &mut rng).unwrap();
    assert_eq!(locator.poll_target(), Some(peer(Udp, "[2001:db8::1]:5070")));
    assert_eq!(locator.poll_target(), Some(peer(Udp, "192.0.2.1:5070")));
    assert_eq!(locator.poll_target(), None);
    assert!(locator.is_exhausted());
}

#[test]
fn naptr_then_srv_then_addresses() {
    let records = vec![
        naptr(90, 50, "SIP+D2U", "_sip._udp.example.com."),
        naptr(50, 50, "SIPS+D2T", "_sips._tcp.example.com."), // no TLS here
        naptr(10, 50, "SIP+D2S", "_sip._sctp.example.com."),  // SCTP unsupported
        naptr(70, 50, "sip+d2t", "_sip._tcp.example.com."),
        NaptrRecord {
            flags: "u".into(),
            ..naptr(5, 10, "E2U+sip", "!^.*$!sip:info@example.com!")
        },
    ];
    let zone = vec![
        (naptr_q("example.com"), Answer::Naptr(records)),
        (
            srv_q("_sip._tcp.example.com"),
            Answer::Srv(vec![srv(0, 0, 5060, "tcp1.example.com")]),
        ),
        (
            srv_q("_sip._udp.example.com"),
            Answer::Srv(vec![srv(0, 0, 5062, "udp1.example.com")]),
        ),
        (addr_q("tcp1.example.com"), ips(&["192.0.2.10"])),
        (addr_q("udp1.example.com"), ips(&["192.0.2.20"])),
    ];
    let (targets, asked) = resolve("sip:example.com", &[Udp, Tcp], zone);
    // Order 70 (TCP) before order 90 (UDP); the others discarded (§4.1).
    let expected = [peer(Tcp, "192.0.2.10:5060"), peer(Udp, "192.0.2.20:5062")];
    assert_eq!(targets, expected);
    let expected = [
        naptr_q("example.com"),
        srv_q("_sip._tcp.example.com"),
        srv_q("_sip._udp.example.com"),
        addr_q("tcp1.example.com"),
        addr_q("udp1.example.com"),
    ];
    assert_eq!(asked, expected);
}

#[test]
fn naptr_preference_breaks_order_ties() {
    let records = vec![
        naptr(10, 20, "SIP+D2U", "_sip._udp.example.com"),
        naptr(10, 10, "SIPS+D2T", "_sips._tcp.example.com"),
    ];
    let zone = vec![
        (naptr_q("example.com"), Answer::Naptr(records)),
        (
            srv_q("_sip._udp.example.com"),
            Answer::Srv(vec![srv(0, 0, 5060, "a.example.com")]),
        ),
        (
            srv_q("_sips._tcp.example.com"),
            Answer::Srv(vec![srv(0, 0, 5061, "a.example.com")]),
        ),
        (addr_q("a.example.com"), ips(&["192.0.2.1"])),
    ];
    let (targets, asked) = resolve("sip:example.com", &ALL, zone);
    // A SIP URI keeps SIPS services when TLS is supported (§4.1).
    let expected = [peer(Tls, "192.0.2.1:5061"), peer(Udp, "192.0.2.1:5060")];
    assert_eq!(targets, expected);
    // One address lookup serves both.
    assert_eq!(
        asked
            .iter()
            .filter(|q| **q == addr_q("a.example.com"))
            .count(),
        1
    );
}

#[test]
fn without_naptr_srv_per_transport_in_preference_order() {
    let mut locator = Locator::new(&uri("sip:example.com"), &[Tcp, Udp, Tls]);
    let mut rng = rng();
    assert_eq!(locator.poll_query(), Some(naptr_q("example.com")));
    let query = naptr_q("example.com");
    locator
        .handle_answer(&query, Answer::NotFound, &mut rng)
        .unwrap();
    // §4.1: a query for each supported transport, all at once.
    let queries: Vec<Query> = std::iter::from_fn(|| locator.poll_query()).collect();
    let expected = [
        srv_q("_sip._tcp.example.com"),
        srv_q("_sip._udp.example.com"),
        srv_q("_sips._tcp.example.com"),
    ];
    assert_eq!(queries, expected);
    let zone = vec![
        (
            srv_q("_sip._udp.example.com"),
            Answer::Srv(vec![srv(0, 0, 5060, "u.example.com")]),
        ),
        (
            srv_q("_sips._tcp.example.com"),
            Answer::Srv(vec![srv(0, 0, 5061, "t.example.com")]),
        ),
        (addr_q("u.example.com"), ips(&["192.0.2.1"])),
        (addr_q("t.example.com"), ips(&["192.0.2.2"])),
    ];
    let mut zone = Zone::new(zone);
    for query in queries {
        let answer = zone
            .answers
            .get(&query)
            .cloned()
            .unwrap_or(Answer::NotFound);
        locator.handle_answer(&query, answer, &mut rng).unwrap();
    }
    let targets = zone.run(&mut locator, &mut rng);
    // TCP has no SRV, so UDP, then TLS; no A/AAAA of example.com since SRV was found.
    assert_eq!(
        targets,
        [peer(Udp, "192.0.2.1:5060"), peer(Tls, "192.0.2.2:5061")]
    );
    assert_eq!(
        zone.asked,
        [addr_q("u.example.com"), addr_q("t.example.com")]
    );
}

#[test]
fn no_srv_falls_back_to_addresses_at_the_default_port() {
    let cases: &[(&str, &[TransportKind], &[&str], Peer)] = &[
        (
            "sip:example.com",
            &ALL,
            &[
                "_sip._udp.example.com",
                "_sip._tcp.example.com",
                "_sips._tcp.example.com",
            ],
            peer(Udp, "192.0.2.1:5060"),
        ),
        (
            "sip:example.com",
            &[Tcp],
            &["_sip._tcp.example.com"],
            peer(Tcp, "192.0.2.1:5060"),
        ),
        (
            "sips:example.com",
            &ALL,
            &["_sips._tcp.example.com"],
            peer(Tls, "192.0.2.1:5061"),
        ),
        (
            "sip:example.com;transport=tls",
            &ALL,
            &["_sips._tcp.example.com"],
            peer(Tls, "192.0.2.1:5061"),
        ),
        (
            "sip:example.com;transport=tcp",
            &ALL,
            &["_sip._tcp.example.com"],
            peer(Tcp, "192.0.2.1:5060"),
        ),
    ];
    for (text, supported, srv_names, expected) in cases {
        let zone = vec![(addr_q("example.com"), ips(&["192.0.2.1"]))];
        let (targets, asked) = resolve(text, supported, zone);
        assert_eq!(targets, [*expected], "{text}");
        let srvs: Vec<Query> = srv_names.iter().map(|n| srv_q(n)).collect();
        let asked_srvs: Vec<Query> = asked
            .iter()
            .filter(|q| matches!(q, Query::Srv { .. }))
            .cloned()
            .collect();
        assert_eq!(asked_srvs, srvs, "{text}");
        // A transport parameter skips NAPTR (§4.2).
        let naptr_asked = asked.contains(&naptr_q("example.com"));
        assert_eq!(naptr_asked, !text.contains("transport"), "{text}");
        assert_eq!(asked.last(), Some(&addr_q("example.com")), "{text}");
    }
}

#[test]
fn srv_priority_orders_targets() {
    let records = vec![
        srv(20, 100, 5060, "a.example.com"),
        srv(10, 1, 5060, "b.example.com"),
        srv(30, 0, 5060, "d.example.com"),
        srv(10, 1, 5060, "c.example.com"),
    ];
    let mut rng = rng();
    let mut b_first = 0;
    for _ in 0..50 {
        let zone = vec![
            (srv_q("_sip._udp.example.com"), Answer::Srv(records.clone())),
            (addr_q("a.example.com"), ips(&["192.0.2.1"])),
            (addr_q("b.example.com"), ips(&["192.0.2.2"])),
            (addr_q("c.example.com"), ips(&["192.0.2.3"])),
            (addr_q("d.example.com"), ips(&["192.0.2.4"])),
        ];
        let mut locator = Locator::new(&uri("sip:example.com;transport=udp"), &ALL);
        let targets = Zone::new(zone).run(&mut locator, &mut rng);
        let last: Vec<String> = targets.iter().map(|p| p.addr.ip().to_string()).collect();
        assert_eq!(last[2..], ["192.0.2.1", "192.0.2.4"]);
        assert!(last[..2].contains(&"192.0.2.2".to_string()));
        assert!(last[..2].contains(&"192.0.2.3".to_string()));
        b_first += usize::from(last[0] == "192.0.2.2");
    }
    // Equal weights within priority 10: both orders occur.
    assert!((10..=40).contains(&b_first), "{b_first}");
}

/// How often `heavy` comes first in 1000 RFC 2782 orderings of `records`.
fn first_counts(records: &[SrvRecord], heavy: &str) -> usize {
    let mut rng = Rng::from_seed([9; 32]);
    (0..1000)
        .filter(|_| order_srv(records.to_vec(), &mut rng)[0].target == heavy)
        .count()
}

#[test]
fn srv_weight_distribution() {
    // Weights 1 and 3: the heavier first about 750 times in 1000 (sd about 14).
    let records = [srv(0, 1, 5060, "light"), srv(0, 3, 5060, "heavy")];
    let heavy = first_counts(&records, "heavy");
    assert!((650..=850).contains(&heavy), "{heavy}");
    // A weight-0 record keeps a very small chance (1 in 101 here).
    let records = [srv(0, 100, 5060, "heavy"), srv(0, 0, 5060, "zero")];
    let zero = first_counts(&records, "zero");
    assert!((1..=40).contains(&zero), "{zero}");
    // All weights zero: uniform.
    let records = [srv(0, 0, 5060, "a"), srv(0, 0, 5060, "b")];
    let a = first_counts(&records, "a");
    assert!((400..=600).contains(&a), "{a}");
    // Nothing lost or duplicated.
    let records = [srv(1, 5, 1, "x"), srv(0, 0, 2, "y"), srv(1, 0, 3, "z")];
    let mut ordered = order_srv(records.to_vec(), &mut rng());
    assert_eq!(ordered.remove(0).target, "y");
    ordered.sort_by_key(|r| r.port);
    assert_eq!(
        ordered,
        records[..1]
            .iter()
            .chain(&records[2..])
            .cloned()
            .collect::<Vec<_>>()
    );
}

#[test]
fn failover_walks_targets_in_order_and_looks_up_lazily() {
    let mut rng = rng();
    let mut locator = Locator::new(&uri("sip:example.com;transport=udp"), &ALL);
    let query = srv_q("_sip._udp.example.com");
    assert_eq!(locator.poll_query(), Some(query.clone()));
    let records = vec![
        srv(20, 0, 5062, "b.example.com"),
        srv(10, 0, 5060, "a.example.com"),
    ];
    locator
        .handle_answer(&query, Answer::Srv(records), &mut rng)
        .unwrap();
    // Only the first server's addresses are looked up.
    assert_eq!(locator.poll_query(), Some(addr_q("a.example.com")));
    assert_eq!(locator.poll_query(), None);
    let answer = ips(&["2001:db8::a", "192.0.2.1"]);
    locator
        .handle_answer(&addr_q("a.example.com"), answer, &mut rng)
        .unwrap();
    assert_eq!(locator.poll_target(), Some(peer(Udp, "[2001:db8::a]:5060")));
    assert_eq!(locator.poll_query(), None);
    // §4.3: a timeout, transport error or 503 there: the next target.
    assert_eq!(locator.poll_target(), Some(peer(Udp, "192.0.2.1:5060")));
    assert_eq!(locator.poll_query(), None);
    assert!(!locator.is_exhausted());
    // Wanting another target triggers the second server's lookup.
    assert_eq!(locator.poll_target(), None);
    assert_eq!(locator.poll_query(), Some(addr_q("b.example.com")));
    let answer = ips(&["192.0.2.2"]);
    locator
        .handle_answer(&addr_q("b.example.com"), answer, &mut rng)
        .unwrap();
    assert_eq!(locator.poll_target(), Some(peer(Udp, "192.0.2.2:5062")));
    assert_eq!(locator.poll_target(), None);
    assert!(locator.is_exhausted());
}

#[test]
fn failed_answers_skip_their_branch() {
    let naptr_failed = vec![
        (naptr_q("example.com"), Answer::Failed),
        (
            srv_q("_sip._udp.example.com"),
            Answer::Srv(vec![srv(0, 0, 5060, "u.example.com")]),
        ),
        (addr_q("u.example.com"), ips(&["192.0.2.1"])),
    ];
    let srv_failed = vec![
        (
            naptr_q("example.com"),
            Answer::Naptr(vec![
                naptr(10, 0, "SIP+D2T", "_sip._tcp.example.com"),
                naptr(20, 0, "SIP+D2U", "_sip._udp.example.com"),
            ]),
        ),
        (srv_q("_sip._tcp.example.com"), Answer::Failed),
        (
            srv_q("_sip._udp.example.com"),
            Answer::Srv(vec![srv(0, 0, 5060, "u.example.com")]),
        ),
        (addr_q("u.example.com"), ips(&["192.0.2.1"])),
    ];
    let address_failed = vec![
        (
            srv_q("_sip._udp.example.com"),
            Answer::Srv(vec![
                srv(0, 0, 5070, "down.example.com"),
                srv(1, 0, 5060, "u.example.com"),
            ]),
        ),
        (addr_q("down.example.com"), Answer::Failed),
        (addr_q("u.example.com"), ips(&["192.0.2.1"])),
    ];
    for (name, zone) in [
        ("NAPTR", naptr_failed),
        ("SRV", srv_failed),
        ("address", address_failed),
    ] {
        let (targets, _) = resolve("sip:example.com", &[Udp, Tcp], zone);
        assert_eq!(targets, [peer(Udp, "192.0.2.1:5060")], "{name} failed");
    }
}

#[test]
fn duplicate_targets_are_tried_once() {
    let zone = vec![
        (
            naptr_q("example.com"),
            Answer::Naptr(vec![
                naptr(10, 0, "SIP+D2U", "_sip._udp.example.com"),
                naptr(20, 0, "SIP+D2U", "_SIP._UDP.EXAMPLE.COM."),
            ]),
        ),
        (
            srv_q("_sip._udp.example.com"),
            Answer::Srv(vec![
                srv(0, 0, 5060, "a.example.com"),
                srv(1, 0, 5060, "b.example.com"),
                srv(2, 0, 5060, "A.example.com."),
            ]),
        ),
        (addr_q("a.example.com"), ips(&["192.0.2.1", "192.0.2.1"])),
        (addr_q("b.example.com"), ips(&["192.0.2.1", "192.0.2.2"])),
    ];
    let (targets, asked) = resolve("sip:example.com", &[Udp], zone);
    assert_eq!(
        targets,
        [peer(Udp, "192.0.2.1:5060"), peer(Udp, "192.0.2.2:5060")]
    );
    let expected = [
        naptr_q("example.com"),
        srv_q("_sip._udp.example.com"),
        addr_q("a.example.com"),
        addr_q("b.example.com"),
    ];
    assert_eq!(asked, expected);
}

#[test]
fn exhaustion() {
    // Pending queries keep the locator alive; when all fail, nothing is left.
    let mut locator = Locator::new(&uri("sip:example.com"), &ALL);
    assert!(!locator.is_exhausted());
    assert_eq!(locator.poll_target(), None);
    let (targets, asked) = resolve("sip:example.com", &ALL, Vec::new());
    assert!(targets.is_empty());
    assert_eq!(asked.len(), 5, "NAPTR, three SRV, one A/AAAA: {asked:?}");
    // RFC 2782: `.` alone means "not available": found, so no A/AAAA fallback either.
    let zone = vec![(
        srv_q("_sip._udp.example.com"),
        Answer::Srv(vec![srv(0, 0, 0, ".")]),
    )];
    let (targets, asked) = resolve("sip:example.com;transport=udp", &ALL, zone);
    assert!(targets.is_empty());
    assert_eq!(asked, [srv_q("_sip._udp.example.com")]);
}

#[test]
fn names_are_normalised_and_literal_srv_targets_skip_lookup() {
    let zone = vec![
        (
            naptr_q("example.com"),
            Answer::Naptr(vec![naptr(1, 1, "SIP+D2T", "_sip._tcp.Example.COM.")]),
        ),
        (
            srv_q("_sip._tcp.example.com"),
            Answer::Srv(vec![
                srv(0, 0, 5060, "192.0.2.9"),
                srv(1, 0, 5065, "Host.Example.com."),
            ]),
        ),
        (addr_q("host.example.com"), ips(&["192.0.2.8"])),
    ];
    let (targets, asked) = resolve("sip:alice@EXAMPLE.com.", &ALL, zone);
    assert_eq!(
        targets,
        [peer(Tcp, "192.0.2.9:5060"), peer(Tcp, "192.0.2.8:5065")]
    );
    let expected = [
        naptr_q("example.com"),
        srv_q("_sip._tcp.example.com"),
        addr_q("host.example.com"),
    ];
    assert_eq!(asked, expected);
    // TARGET is maddr when present (§4).
    let mut locator = Locator::new(&uri("sip:bob@example.com;maddr=proxy.example.net"), &ALL);
    assert_eq!(locator.poll_query(), Some(naptr_q("proxy.example.net")));
}

#[test]
fn misuse_is_an_error_and_changes_nothing() {
    let mut rng = rng();
    let mut locator = Locator::new(&uri("sip:example.com"), &ALL);
    let query = locator.poll_query().unwrap();
    let stranger = srv_q("_sip._udp.example.org");
    assert_eq!(
        locator.handle_answer(&stranger, Answer::NotFound, &mut rng),
        Err(LocateError::NotAsked(stranger.clone()))
    );
    assert_eq!(
        locator.handle_answer(&query, ips(&["192.0.2.1"]), &mut rng),
        Err(LocateError::WrongAnswer {
            query: query.clone(),
            answer: "address",
        })
    );
    assert_eq!(locator.poll_query(), None);
    assert_eq!(
        locator.handle_answer(&query, Answer::NotFound, &mut rng),
        Ok(())
    );
    assert_eq!(
        locator.handle_answer(&query, Answer::NotFound, &mut rng),
        Err(LocateError::NotAsked(query.clone()))
    );
    assert!(locator.poll_query().is_some());
}
