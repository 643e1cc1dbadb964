use super::*;
use pkarr::Keypair;
use std::net::IpAddr;

fn pair(n: u8) -> Keypair {
    Keypair::from_secret_key(&[n; 32])
}

fn key(n: u8) -> String {
    pair(n).public_key().to_z32()
}

/// An instance of `keypair`'s, signed over `ips`.
fn signed(keypair: &Keypair, transport: TransportKind, port: u16, ips: &[&str]) -> Instance {
    let key = keypair.public_key().to_z32();
    let addresses: Vec<IpAddr> = ips.iter().map(|s| s.parse().unwrap()).collect();
    let addrs = addrs_text(&addresses);
    let ty = service_type(transport);
    let text = signed_text(ty, &key, "bob", "Bob B", port, &addrs);
    let sig: String = keypair
        .sign(text.as_bytes())
        .to_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Instance {
        fullname: format!("{key}.{ty}"),
        transport,
        key,
        user: Some("bob".into()),
        name: Some("Bob B".into()),
        addrs: Some(addrs),
        sig: Some(sig),
        port,
        addresses,
    }
}

/// An instance of key `n`'s.
fn instance(n: u8, transport: TransportKind, port: u16, ips: &[&str]) -> Instance {
    signed(&pair(n), transport, port, ips)
}

#[test]
fn instances_of_one_key_merge_into_one_peer() {
    let k = key(1);
    let mut nearby = Nearby::new(Some(key(2)));
    let udp = instance(1, TransportKind::Udp, 5060, &["fe80::1", "192.168.1.7"]);
    let Ok(Some(Change::Appeared(peer))) = nearby.found(udp.clone()) else {
        panic!("first instance appears")
    };
    assert_eq!(peer.address(), format!("sip:bob@{k}"));
    assert_eq!(peer.name, "Bob B");
    assert_eq!(peer.contacts(), vec!["udp:192.168.1.7:5060"]);
    // The same advertisement again changes nothing.
    assert_eq!(nearby.found(udp.clone()), Ok(None));
    let tcp = instance(1, TransportKind::Tcp, 5070, &["192.168.1.7", "2001:db8::7"]);
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
    let mut bad = instance(1, TransportKind::Udp, 5060, &["10.0.0.1"]);
    bad.key = "not-a-key".into();
    assert!(matches!(nearby.found(bad), Err(NearbyError::BadKey(_))));
    let ours = instance(2, TransportKind::Udp, 5060, &["10.0.0.1"]);
    assert_eq!(nearby.found(ours), Err(NearbyError::Ours));
    let link_local = instance(3, TransportKind::Udp, 5060, &["fe80::2", "0.0.0.0"]);
    assert_eq!(nearby.found(link_local), Err(NearbyError::NoAddress));
    assert!(nearby.peers().is_empty());
}

#[test]
fn a_nearby_key_answers_the_locator_like_its_dht_records() {
    let k = key(1);
    let mut nearby = Nearby::new(None);
    nearby
        .found(instance(1, TransportKind::Udp, 5062, &["127.0.0.1"]))
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
    let k2 = key(5);
    let mut nearby = Nearby::new(None);
    let first = instance(1, TransportKind::Udp, 5060, &["10.0.0.1"]);
    nearby.found(first.clone()).unwrap();
    let mut moved = instance(5, TransportKind::Udp, 5060, &["10.0.0.1"]);
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
        let keypair = Keypair::from_secret_key(&bytes);
        nearby
            .found(signed(&keypair, TransportKind::Udp, 5060, &["10.0.0.1"]))
            .unwrap();
    }
    let extra = instance(200, TransportKind::Udp, 5060, &["10.0.0.1"]);
    assert_eq!(nearby.found(extra), Err(NearbyError::Full));
    // Someone already listed may still update.
    let first = Keypair::from_secret_key(&{
        let mut bytes = [1u8; 32];
        bytes[..3].copy_from_slice(&[0, 7, 0]);
        bytes
    });
    assert!(
        nearby
            .found(signed(&first, TransportKind::Tcp, 5061, &["10.0.0.2"]))
            .is_ok()
    );
}

#[test]
fn unsigned_forged_or_redirected_advertisements_are_refused() {
    let mut nearby = Nearby::new(None);
    let genuine = instance(1, TransportKind::Udp, 5060, &["192.168.1.7"]);
    let mut unsigned = genuine.clone();
    unsigned.sig = None;
    assert_eq!(nearby.found(unsigned), Err(NearbyError::BadSignature));
    // Someone else's key signing for key 1.
    let mut forged = signed(&pair(9), TransportKind::Udp, 5060, &["192.168.1.66"]);
    forged.key = key(1);
    assert_eq!(nearby.found(forged), Err(NearbyError::BadSignature));
    // Key 1's own advertisement replayed with another port, or another address list.
    let mut port = genuine.clone();
    port.port = 5099;
    assert_eq!(nearby.found(port), Err(NearbyError::BadSignature));
    let mut listed = genuine.clone();
    listed.addrs = Some("192.168.1.66".into());
    assert_eq!(nearby.found(listed), Err(NearbyError::BadSignature));
    // Replayed as is but with the attacker's A record: the address is not taken.
    let mut redirected = genuine.clone();
    redirected.addresses = vec!["192.168.1.66".parse().unwrap()];
    assert_eq!(nearby.found(redirected), Err(NearbyError::NoAddress));
    let mut mixed = genuine;
    mixed.addresses.push("192.168.1.66".parse().unwrap());
    let Ok(Some(Change::Appeared(peer))) = nearby.found(mixed) else {
        panic!("the genuine address is kept")
    };
    assert_eq!(peer.contacts(), vec!["udp:192.168.1.7:5060"]);
}
