//! STUN binding responses (RFC 8489) and DNS-SD instances for the people-nearby list: nothing
//! panics, whatever arrives.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tincan::p2p::nearby::{Instance, Nearby};
use tincan::p2p::stun;
use tincan::sip::transaction::TransportKind;

fuzz_target!(|data: &[u8]| {
    let transaction: stun::TransactionId = [7; 12];
    let _ = stun::parse_binding_response(data, &transaction);
    if data.len() >= 20 {
        let mut theirs = [0u8; 12];
        theirs.copy_from_slice(&data[8..20]);
        let _ = stun::parse_binding_response(data, &theirs);
    }
    let _ = stun::transaction_of(data);
    // The same bytes as an advertisement: a key, a port and addresses.
    let text = String::from_utf8_lossy(data);
    let mut nearby = Nearby::new(None);
    let instance = Instance {
        fullname: text.to_string(),
        transport: TransportKind::Udp,
        key: text.chars().take(52).collect(),
        user: None,
        name: Some(text.to_string()),
        addrs: Some(text.to_string()),
        sig: Some(text.chars().rev().take(128).collect()),
        port: u16::from_be_bytes([
            data.first().copied().unwrap_or(0),
            data.get(1).copied().unwrap_or(0),
        ]),
        addresses: data
            .chunks(4)
            .filter_map(|c| <[u8; 4]>::try_from(c).ok())
            .map(std::net::IpAddr::from)
            .collect(),
    };
    let _ = nearby.found(instance);
    let _ = nearby.removed(&text);
});
