use super::*;
use crate::sip::test_clock as clock;

/// A fixed key pair per seed (no randomness in pure tests).
fn keypair(seed: u8) -> Keypair {
    Keypair::from_secret_key(&[seed; 32])
}

/// 2026-01-01 in Unix microseconds: a plausible signing time.
const T: u64 = 1_767_225_600_000_000;

fn contact() -> Contact {
    Contact {
        udp: Some(5062),
        tcp: Some(5063),
        tls: Some(5064),
        addresses: vec!["192.0.2.7".parse().unwrap(), "2001:db8::7".parse().unwrap()],
    }
}

fn srv(name: String) -> Query {
    Query::Srv { name }
}

fn address(name: String) -> Query {
    Query::Address { name }
}

#[test]
fn records_answer_the_locator_the_rfc_3263_way() {
    let kp = keypair(1);
    let key = kp.public_key().to_z32();
    let packet = build(&kp, &contact(), T, RECORD_TTL).unwrap();
    let target = |port| SrvRecord {
        priority: 0,
        weight: 0,
        port,
        target: key.clone(),
    };
    let cases = [
        (Query::Naptr { name: key.clone() }, Answer::NotFound),
        (
            srv(format!("_sip._udp.{key}")),
            Answer::Srv(vec![target(5062)]),
        ),
        (
            srv(format!("_sip._tcp.{key}")),
            Answer::Srv(vec![target(5063)]),
        ),
        // Names compare without case and without the trailing dot.
        (
            srv(format!("_SIP._UDP.{}.", key.to_uppercase())),
            Answer::Srv(vec![target(5062)]),
        ),
        // TLS that proves the key (RFC 3263 §4.2: "_sips._tcp" for TLS).
        (
            srv(format!("_sips._tcp.{key}")),
            Answer::Srv(vec![target(5064)]),
        ),
        // Names nobody publishes: RFC 3263 §4.1 moves on to the next transport.
        (srv(format!("_sip._sctp.{key}")), Answer::NotFound),
        (address(key.clone()), Answer::Address(contact().addresses)),
        (
            address(format!("{key}.")),
            Answer::Address(contact().addresses),
        ),
        (address(format!("other.{key}")), Answer::NotFound),
    ];
    for (query, expected) in cases {
        assert_eq!(answer(&packet, &query), expected, "{query:?}");
    }
}

#[test]
fn a_contact_with_only_udp_publishes_no_tcp_srv() {
    let kp = keypair(2);
    let key = kp.public_key().to_z32();
    let only_udp = Contact {
        tcp: None,
        tls: None,
        ..contact()
    };
    let packet = build(&kp, &only_udp, T, RECORD_TTL).unwrap();
    assert_eq!(
        answer(&packet, &srv(format!("_sip._tcp.{key}"))),
        Answer::NotFound
    );
    assert!(matches!(
        answer(&packet, &srv(format!("_sip._udp.{key}"))),
        Answer::Srv(_)
    ));
}

#[test]
fn nothing_to_publish_is_an_error() {
    let kp = keypair(3);
    let no_address = Contact {
        addresses: Vec::new(),
        ..contact()
    };
    assert_eq!(
        build(&kp, &no_address, T, RECORD_TTL).err(),
        Some(RecordError::Empty("no address"))
    );
    let no_port = Contact {
        udp: None,
        tcp: None,
        tls: None,
        ..contact()
    };
    assert!(build(&kp, &no_port, T, RECORD_TTL).is_err());
}

#[test]
fn contact_addresses_follow_the_sockets() {
    let sock = |t, s: &str| (t, s.parse::<SocketAddr>().unwrap());
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    let udp = TransportKind::Udp;
    let tcp = TransportKind::Tcp;
    // Loopback only: published as it is (two phones on one machine).
    let c = Contact::new(&[sock(udp, "127.0.0.1:5062")], &[], &[]);
    assert_eq!(c.addresses, vec![ip("127.0.0.1")]);
    assert_eq!((c.udp, c.tcp), (Some(5062), None));
    // A wildcard stands for the interfaces of its family; loopback is then left out.
    let c = Contact::new(
        &[sock(udp, "0.0.0.0:5060"), sock(tcp, "0.0.0.0:5061")],
        &[],
        &[ip("127.0.0.1"), ip("192.0.2.7"), ip("2001:db8::7")],
    );
    assert_eq!(c.addresses, vec![ip("192.0.2.7")]);
    assert_eq!((c.udp, c.tcp), (Some(5060), Some(5061)));
    // Specific addresses are kept, each once, loopback dropped when others exist.
    let c = Contact::new(
        &[
            sock(udp, "192.0.2.7:5060"),
            sock(tcp, "192.0.2.7:5060"),
            sock(udp, "[2001:db8::7]:5060"),
            sock(udp, "127.0.0.1:5060"),
        ],
        &[],
        &[],
    );
    assert_eq!(c.addresses, vec![ip("192.0.2.7"), ip("2001:db8::7")]);
    // A wildcard with no interface found falls back to loopback.
    let c = Contact::new(&[sock(udp, "[::]:5060")], &[], &[]);
    assert_eq!(c.addresses, vec![ip("::1")]);
    // The user's addresses replace everything.
    let c = Contact::new(
        &[sock(udp, "0.0.0.0:5060")],
        &[ip("203.0.113.9")],
        &[ip("192.0.2.7")],
    );
    assert_eq!(c.addresses, vec![ip("203.0.113.9")]);
    assert_eq!(c.describe(), vec!["udp:203.0.113.9:5060".to_owned()]);
}

#[test]
fn names_under_a_key_are_recognised() {
    let key = keypair(4).public_key();
    let z = key.to_z32();
    assert_eq!(z.len(), KEY_LENGTH);
    for name in [
        z.clone(),
        format!("{z}."),
        format!("_sip._udp.{z}"),
        z.to_uppercase(),
    ] {
        assert_eq!(key_of_name(&name).as_ref(), Some(&key), "{name}");
    }
    for name in [
        "example.com".to_owned(),
        format!("{z}.example.com"),
        z[..51].to_owned(),
        format!("{z}y"),
        // 'l' and 'v' are not in the z-base32 alphabet.
        format!("l{}", &z[1..]),
        format!("v{}", &z[1..]),
        "127.0.0.1".to_owned(),
    ] {
        assert_eq!(key_of_name(&name), None, "{name}");
    }
}

#[test]
fn a_packet_verifies_only_against_the_key_that_signed_it() {
    let owner = keypair(5);
    let forger = keypair(6);
    let genuine = build(&owner, &contact(), T, RECORD_TTL).unwrap();
    let payload = genuine.to_relay_payload();
    let parsed = verify(&owner.public_key(), &payload).unwrap();
    assert!(parsed.is_same_as(&genuine));
    // The forger signs records that point to itself and presents them for the owner's key.
    let forged = build(&forger, &contact(), T + 1, RECORD_TTL).unwrap();
    assert!(matches!(
        verify(&owner.public_key(), &forged.to_relay_payload()),
        Err(RecordError::Invalid(_))
    ));
    // A genuine packet with one bit of its records flipped fails too.
    let mut tampered = payload.to_vec();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(verify(&owner.public_key(), &tampered).is_err());
    assert!(verify(&owner.public_key(), b"short").is_err());
}

#[test]
fn an_older_packet_never_replaces_a_newer_one() {
    let kp = keypair(7);
    let now = clock::origin();
    let old = build(&kp, &contact(), T, RECORD_TTL).unwrap();
    let moved = Contact {
        addresses: vec!["198.51.100.1".parse().unwrap()],
        ..contact()
    };
    let new = build(&kp, &moved, T + 1_000_000, RECORD_TTL).unwrap();
    let mut cache = RecordCache::new();
    assert_eq!(cache.insert(new.clone(), now), Inserted::New);
    // The replay of the older packet loses, whatever order they arrive in.
    assert_eq!(cache.insert(old.clone(), now), Inserted::Older);
    assert!(cache.newest(&kp.public_key()).unwrap().is_same_as(&new));
    assert_eq!(cache.insert(new.clone(), now), Inserted::Same);

    let mut cache = RecordCache::new();
    assert_eq!(cache.insert(old, now), Inserted::New);
    assert_eq!(cache.insert(new, now), Inserted::Replaced);
    let fresh = cache.fresh(&kp.public_key(), now).unwrap();
    assert_eq!(
        answer(fresh, &address(kp.public_key().to_z32())),
        Answer::Address(vec!["198.51.100.1".parse().unwrap()])
    );
}

#[test]
fn cached_packets_are_fresh_for_their_ttl() {
    let kp = keypair(8);
    let key = kp.public_key();
    let t0 = clock::origin();
    let mut cache = RecordCache::new();
    cache.insert(build(&kp, &contact(), T, 120).unwrap(), t0);
    assert!(cache.fresh(&key, t0 + Duration::from_secs(119)).is_some());
    assert!(cache.fresh(&key, t0 + Duration::from_secs(120)).is_none());
    // Stale but still known: the floor for the next lookup.
    assert!(cache.newest(&key).is_some());
    // A tiny TTL is stretched to the minimum, a huge one cut to the maximum.
    cache.insert(build(&kp, &contact(), T + 1, 1).unwrap(), t0);
    assert!(cache.fresh(&key, t0 + Duration::from_secs(29)).is_some());
    cache.insert(build(&kp, &contact(), T + 2, 86_400).unwrap(), t0);
    let max = Duration::from_secs(MAX_CACHE_TTL.into());
    assert!(cache.fresh(&key, t0 + max).is_none());
    assert!(cache.fresh(&keypair(9).public_key(), t0).is_none());
}

#[test]
fn timestamps_always_grow() {
    assert_eq!(next_timestamp(T, None), T);
    assert_eq!(next_timestamp(T, Some(T - 5)), T);
    // The clock stepped back: still after the last packet.
    assert_eq!(next_timestamp(T, Some(T + 10)), T + 11);
    assert_eq!(next_timestamp(T, Some(T)), T + 1);
}
