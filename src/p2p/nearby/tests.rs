use super::*;
use pkarr::Keypair;

fn key(n: u8) -> String {
    Keypair::from_secret_key(&[n; 32]).public_key().to_z32()
}

fn instance(key: &str, transport: TransportKind, port: u16, ips: &[&str]) -> Instance {
    let ty = SERVICE_TYPES
        .iter()
        .find(|(t, _)| *t == transport)
        .map(|(_, ty)| *ty)
        .unwrap();
    Instance {
        fullname: format!("{key}.{ty}"),
        transport,
        key: key.to_owned(),
        user: Some("bob".into()),
        name: Some("Bob B".into()),
        port,
        addresses: ips.iter().map(|s| s.parse().unwrap()).collect(),
    }
}

#[test]
fn instances_of_one_key_merge_into_one_peer() {
    let (k, own) = (key(1), key(2));
    let mut nearby = Nearby::new(Some(own));
    let udp = instance(&k, TransportKind::Udp, 5060, &["fe80::1", "192.168.1.7"]);
    let Ok(Some(Change::Appeared(peer))) = nearby.found(udp.clone()) else {
        panic!("first instance appears")
    };
    assert_eq!(peer.address(), format!("sip:bob@{k}"));
    assert_eq!(peer.name, "Bob B");
    assert_eq!(peer.contacts(), vec!["udp:192.168.1.7:5060"]);
    // The same advertisement again changes nothing.
    assert_eq!(nearby.found(udp.clone()), Ok(None));
    let tcp = instance(
        &k,
        TransportKind::Tcp,
        5070,
        &["192.168.1.7", "2001:db8::7"],
    );
    let Ok(Some(Change::Appeared(peer))) = nearby.found(tcp.clone()) else {
        panic!("a second transport updates the peer")
    };
    assert_eq!(
        peer.contacts(),
        vec![
            "udp:192.168.1.7:5060",
            "udp:[2001:db8::7]:5060",
            "tcp:192.168.1.7:5070",
            "tcp:[2001:db8::7]:5070"
        ]
    );
    assert_eq!(nearby.peers().len(), 1);
    assert!(matches!(
        nearby.removed(&udp.fullname),
        Some(Change::Appeared(_))
    ));
    assert_eq!(nearby.removed(&tcp.fullname), Some(Change::Gone { key: k }));
    assert_eq!(nearby.removed(&tcp.fullname), None);
    assert!(nearby.peers().is_empty());
}

#[test]
fn bad_keys_our_own_and_unusable_addresses_are_refused() {
    let own = key(2);
    let mut nearby = Nearby::new(Some(own.to_ascii_uppercase()));
    let mut bad = instance(&key(1), TransportKind::Udp, 5060, &["10.0.0.1"]);
    bad.key = "not-a-key".into();
    assert!(matches!(nearby.found(bad), Err(NearbyError::BadKey(_))));
    let ours = instance(&own, TransportKind::Udp, 5060, &["10.0.0.1"]);
    assert_eq!(nearby.found(ours), Err(NearbyError::Ours));
    let link_local = instance(&key(3), TransportKind::Udp, 5060, &["fe80::2", "0.0.0.0"]);
    assert_eq!(nearby.found(link_local), Err(NearbyError::NoAddress));
    assert!(nearby.peers().is_empty());
}

#[test]
fn a_nearby_key_answers_the_locator_like_its_dht_records() {
    let k = key(1);
    let mut nearby = Nearby::new(None);
    nearby
        .found(instance(&k, TransportKind::Udp, 5062, &["127.0.0.1"]))
        .unwrap();
    let srv = |name: &str| Query::Srv { name: name.into() };
    assert_eq!(
        nearby.answer(&srv(&format!("_sip._udp.{}", k.to_ascii_uppercase()))),
        Some(Answer::Srv(vec![SrvRecord {
            priority: 0,
            weight: 0,
            port: 5062,
            target: k.clone(),
        }]))
    );
    assert_eq!(
        nearby.answer(&srv(&format!("_sip._tcp.{k}"))),
        Some(Answer::NotFound)
    );
    assert_eq!(
        nearby.answer(&Query::Naptr { name: k.clone() }),
        Some(Answer::NotFound)
    );
    assert_eq!(
        nearby.answer(&Query::Address {
            name: format!("{k}.")
        }),
        Some(Answer::Address(vec!["127.0.0.1".parse().unwrap()]))
    );
    assert_eq!(nearby.answer(&Query::Address { name: key(4) }), None);
    assert_eq!(
        nearby.answer(&Query::Address {
            name: "example.com".into()
        }),
        None
    );
}

#[test]
fn an_instance_that_moves_to_another_key_leaves_the_old_one() {
    let (k1, k2) = (key(1), key(5));
    let mut nearby = Nearby::new(None);
    let first = instance(&k1, TransportKind::Udp, 5060, &["10.0.0.1"]);
    nearby.found(first.clone()).unwrap();
    let mut moved = instance(&k2, TransportKind::Udp, 5060, &["10.0.0.1"]);
    moved.fullname = first.fullname;
    assert!(matches!(nearby.found(moved), Ok(Some(Change::Appeared(p))) if p.key == k2));
    let keys: Vec<String> = nearby.peers().into_iter().map(|p| p.key).collect();
    assert_eq!(keys, vec![k2]);
}

#[test]
fn the_list_is_bounded() {
    let mut nearby = Nearby::new(None);
    for n in 0..MAX_PEERS {
        let secret = [
            u8::try_from(n % 256).unwrap(),
            7,
            u8::try_from(n / 256).unwrap(),
        ];
        let mut bytes = [1u8; 32];
        bytes[..3].copy_from_slice(&secret);
        let k = Keypair::from_secret_key(&bytes).public_key().to_z32();
        nearby
            .found(instance(&k, TransportKind::Udp, 5060, &["10.0.0.1"]))
            .unwrap();
    }
    let extra = instance(&key(200), TransportKind::Udp, 5060, &["10.0.0.1"]);
    assert_eq!(nearby.found(extra), Err(NearbyError::Full));
    // Someone already listed may still update.
    let listed = nearby.peers()[0].key.clone();
    assert!(
        nearby
            .found(instance(&listed, TransportKind::Tcp, 5061, &["10.0.0.2"]))
            .is_ok()
    );
}
