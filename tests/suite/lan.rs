//! Serverless calling without the internet: phones on one network find each other by mDNS
//! (real multicast on the loopback interface, on an mDNS port of the test's own so that
//! parallel runs and the machine's own responder stay apart) and call with the DHT off; the
//! audio judged by frequency. Also `tincan nearby`, `tincan call` to a key nearby, the From
//! and Via of a direct call listening on 0.0.0.0, and the STUN client against a real STUN
//! server (coturn's `turnserver --stun-only`) on 127.0.0.1, and the address a registrar (SIPp)
//! reports behind a pretended NAT, published as well.

use crate::audio::{frames_with, tone_file};
use crate::support::sipp::Sipp;
use crate::support::{Node, Scratch, free_port, free_ports, stop_child};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tincan::audio::wav;

/// How long discovery may take (mDNS answers within a second; two cores under load).
const FOUND_DEADLINE: Duration = Duration::from_secs(15);

/// A phone on 127.0.0.1:`port` with its own identity file, mDNS on `mdns_port`, no DHT;
/// returns it with its P2P address.
fn lan_node(
    name: &'static str,
    port: u16,
    mdns_port: u16,
    dir: &Scratch,
    extra: &[String],
) -> (Node, String) {
    let mut args = vec!["--mdns-port".to_owned(), mdns_port.to_string()];
    args.extend(extra.iter().cloned());
    Node::serve_p2p(name, port, dir, &args)
}

/// The key of `sip:me@<key>`.
fn key_of(address: &str) -> String {
    address
        .strip_prefix("sip:me@")
        .expect("sip:me@<key>")
        .to_owned()
}

/// Runs a `tincan` command to completion (bounded by `limit`); exit code, stdout, stderr.
fn run_tincan(args: &[String], limit: Duration) -> (i32, String, String) {
    let scratch = Scratch::new("lan-run");
    let (out, err) = (scratch.path("stdout"), scratch.path("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_tincan"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("spawn tincan");
    let until = Instant::now() + limit;
    let code = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status.code().unwrap_or(-1);
        }
        if Instant::now() > until {
            stop_child(&mut child, Duration::from_secs(1));
            panic!("tincan {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |p| std::fs::read_to_string(p).unwrap_or_default();
    (code, read(&out), read(&err))
}

#[test]
fn two_phones_on_one_network_find_each_other_and_call_with_the_dht_off() {
    let dir = Scratch::new("lan-call");
    tone_file(&dir.path("a.wav"), 1000.0, 1);
    tone_file(&dir.path("b.wav"), 440.0, 1);
    let file = |name: &str| dir.path(name).display().to_string();
    let ports = free_ports(2);
    let mdns = free_port();
    let (mut b, b_address) = lan_node(
        "B",
        ports[1],
        mdns,
        &dir,
        &[
            "--auto-answer".into(),
            "--audio-in".into(),
            file("b.wav"),
            "--audio-out".into(),
            file("b-heard.wav"),
        ],
    );
    let (mut a, a_address) = lan_node(
        "A",
        ports[0],
        mdns,
        &dir,
        &[
            "--audio-in".into(),
            file("a.wav"),
            "--audio-out".into(),
            file("a-heard.wav"),
        ],
    );
    // Each sees the other (never itself), with where it listens: its UDP port and its TLS
    // listener (announced one service at a time, in no set order: wait for both).
    let udp = format!("udp:127.0.0.1:{}", ports[1]);
    let found = a.expect_within(FOUND_DEADLINE, "nearby", |v| {
        let contacts = v["contacts"].as_array().map_or(&[][..], Vec::as_slice);
        v["address"] == b_address
            && contacts.iter().any(|c| *c == udp.as_str())
            && contacts
                .iter()
                .any(|c| c.as_str().is_some_and(|c| c.starts_with("tls:127.0.0.1:")))
    });
    assert_eq!(
        found["contacts"].as_array().map(Vec::len),
        Some(2),
        "{found}"
    );
    assert_eq!(found["name"], "me");
    b.expect_within(FOUND_DEADLINE, "nearby", |v| v["address"] == a_address);
    assert!(
        !a.seen
            .iter()
            .any(|v| v["address"] == a_address.as_str() && v["event"] == "nearby")
    );

    // A knows B by its key alone; no DHT, no DNS.
    let dialled = Instant::now();
    a.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"{b_address}"}}"#
    ));
    a.expect_within(FOUND_DEADLINE, "answered", |v| v["call"] == 1);
    eprintln!(
        "LAN call set-up (mDNS lookup + INVITE to 200 OK): {} ms",
        dialled.elapsed().as_millis()
    );
    let incoming = b.expect_any_order("incoming", |_| true);
    assert_eq!(incoming["to"], b_address.as_str(), "{incoming}");
    // A direct call comes from the caller's own P2P address.
    assert_eq!(incoming["from"], a_address.as_str(), "{incoming}");
    std::thread::sleep(Duration::from_millis(2000));
    a.send(r#"{"cmd":"hangup","call":1}"#);
    a.expect("ended", |v| v["call"] == 1);
    b.expect("ended", |_| true);

    // B leaves: its goodbye takes it off A's list.
    b.quit();
    assert!(b.wait_success(), "B failed");
    let b_key = key_of(&b_address);
    a.expect_within(FOUND_DEADLINE, "nearby_gone", |v| {
        v["key"] == b_key.as_str()
    });
    a.quit();
    assert!(a.wait_success(), "A failed");

    let a_heard = wav::read(&dir.path("a-heard.wav")).expect("A's recording");
    let b_heard = wav::read(&dir.path("b-heard.wav")).expect("B's recording");
    let window = 25..90;
    let a_ok = crate::audio::count(&frames_with(&a_heard, 440.0), window.clone());
    let b_ok = crate::audio::count(&frames_with(&b_heard, 1000.0), window);
    assert!(a_ok >= 59, "A heard 440 Hz in {a_ok} of 65 frames");
    assert!(b_ok >= 59, "B heard 1 kHz in {b_ok} of 65 frames");
}

#[test]
fn tincan_nearby_lists_the_phones_on_the_network_and_tincan_call_reaches_one_by_key() {
    let dir = Scratch::new("lan-cli");
    let ports = free_ports(2);
    let mdns = free_port();
    let (mut b, b_address) = lan_node("B", ports[1], mdns, &dir, &["--auto-answer".into()]);

    let nearby = |extra: &[&str]| {
        let mut args: Vec<String> = ["nearby", "--mdns-port", &mdns.to_string()]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        run_tincan(&args, Duration::from_secs(20))
    };
    let (code, out, err) = nearby(&["--seconds", "2", "--json"]);
    assert_eq!(code, 0, "{err}");
    let peers: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let listed = peers
        .iter()
        .find(|p| p["address"] == b_address.as_str())
        .unwrap_or_else(|| panic!("B not listed: {out}\n{err}"));
    // Its UDP listener and the TLS listener that proves its key (a port of its own).
    let contacts: Vec<&str> = listed["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(contacts.len(), 2, "{contacts:?}");
    let udp = format!("udp:127.0.0.1:{}", ports[1]);
    assert!(contacts.contains(&udp.as_str()), "{contacts:?}");
    assert!(
        contacts.iter().any(|c| c.starts_with("tls:127.0.0.1:")),
        "{contacts:?}"
    );
    let (code, out, _) = nearby(&["--seconds", "2"]);
    assert_eq!(code, 0);
    assert!(out.contains(&b_address), "{out}");
    // On another mDNS port nobody is found.
    let (code, out, err) = run_tincan(
        &[
            "nearby".into(),
            "--mdns-port".into(),
            free_port().to_string(),
            "--seconds".into(),
            "1".into(),
        ],
        Duration::from_secs(20),
    );
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(err.contains("nobody found"), "{err}");

    // `tincan call` to B's key, the DHT off: found nearby, answered, hung up, exit 0.
    let a_key = dir.path("A.key").display().to_string();
    let (code, out, err) = run_tincan(
        &[
            "call".into(),
            b_address.clone(),
            "--no-dht".into(),
            "--mdns-port".into(),
            mdns.to_string(),
            "--identity-file".into(),
            a_key,
            "--listen".into(),
            format!("udp:127.0.0.1:{}", ports[0]),
            "--hangup-after".into(),
            "0.5".into(),
            "--config".into(),
            dir.path("no-such-config.toml").display().to_string(),
            "--no-log-file".into(),
        ],
        Duration::from_secs(30),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let a_address = out
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["event"] == "identity")
        .and_then(|v| v["address"].as_str().map(str::to_owned))
        .expect("the caller's identity");
    let incoming = b.expect_any_order("incoming", |_| true);
    assert_eq!(incoming["from"], a_address.as_str(), "{incoming}");
    b.expect("ended", |v| v["reason"] == "remote");
    b.quit();
}

#[test]
fn a_direct_call_from_a_wildcard_address_names_the_routes_address_not_0_0_0_0() {
    let dir = Scratch::new("lan-from");
    let port = free_port();
    let args = vec![
        "--listen".to_owned(),
        format!("udp:127.0.0.1:{port}"),
        "--auto-answer".to_owned(),
    ];
    let mut callee = Node::serve("callee", &args, &dir.0);
    callee.expect("started", |_| true);
    // No account, no DHT, no identity: From and Contact are our address towards the callee.
    let (code, out, err) = run_tincan(
        &[
            "call".into(),
            format!("sip:bob@127.0.0.1:{port}"),
            "--listen".into(),
            "udp:0.0.0.0:0".into(),
            "--hangup-after".into(),
            "0.3".into(),
            "--config".into(),
            dir.path("no-such-config.toml").display().to_string(),
            "--no-log-file".into(),
        ],
        Duration::from_secs(20),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let incoming = callee.expect_any_order("incoming", |_| true);
    let from = incoming["from"].as_str().expect("from");
    assert!(from.starts_with("sip:tincan@127.0.0.1:"), "{incoming}");
    assert!(!out.contains("0.0.0.0:0"), "{out}");
    callee.expect("ended", |v| v["reason"] == "remote");
    callee.quit();
}

/// coturn as a plain STUN server on 127.0.0.1:`port`, killed (by PID) when dropped.
struct StunServer(std::process::Child);

impl StunServer {
    fn start(port: u16, dir: &Scratch) -> StunServer {
        let child = Command::new("turnserver")
            .args(["-n", "--stun-only", "--no-cli", "--no-tls", "--no-dtls"])
            .args(["--listening-ip", "127.0.0.1", "--listening-port"])
            .arg(port.to_string())
            .args(["--log-file", "stdout", "--simple-log", "--pidfile"])
            .arg(dir.path("turnserver.pid"))
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.path("turnserver.log")).expect("log file"))
            .stderr(Stdio::null())
            .spawn()
            .expect("turnserver (coturn) is installed: scripts/setup.sh test");
        StunServer(child)
    }
}

impl Drop for StunServer {
    fn drop(&mut self) {
        stop_child(&mut self.0, Duration::from_secs(2));
    }
}

#[test]
fn a_stun_server_tells_the_phone_its_address_which_is_then_published() {
    let dir = Scratch::new("lan-stun");
    let stun_port = free_port();
    let _server = StunServer::start(stun_port, &dir);
    let testnet = mainline::Testnet::builder(10)
        .build()
        .expect("a 10-node testnet on 127.0.0.1");
    let port = free_port();
    let args = vec![
        // A wildcard address: what is published is the route's address (not loopback) and
        // what the STUN server saw, which on this machine is 127.0.0.1.
        "--listen".to_owned(),
        format!("udp:0.0.0.0:{port}"),
        "--identity-file".to_owned(),
        dir.path("A.key").display().to_string(),
        "--dht-bootstrap".to_owned(),
        testnet.bootstrap.join(","),
        "--stun".to_owned(),
        format!("127.0.0.1:{stun_port}"),
    ];
    let mut a = Node::serve("A", &args, &dir.0);
    a.expect("started", |_| true);
    // coturn may take a moment to open its socket: the client retransmits meanwhile.
    let public = a.expect_within(FOUND_DEADLINE, "public_address", |_| true);
    assert_eq!(public["server"], format!("127.0.0.1:{stun_port}"));
    let seen: std::net::SocketAddr = public["address"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("an address");
    assert_eq!(seen.ip().to_string(), "127.0.0.1", "{public}");
    assert_ne!(seen.port(), 0);
    let wanted = format!("udp:127.0.0.1:{port}");
    let published = a.expect_within(Duration::from_secs(30), "published", |v| {
        v["contacts"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c == wanted.as_str()))
    });
    assert!(published["nodes"].as_u64() > Some(0), "{published}");
    a.quit();

    // A STUN server that does not answer is a warning, not a failure.
    let silent = free_port();
    let args = vec![
        "--listen".to_owned(),
        "udp:127.0.0.1:0".to_owned(),
        "--identity-file".to_owned(),
        dir.path("B.key").display().to_string(),
        "--stun".to_owned(),
        format!("127.0.0.1:{silent}"),
    ];
    let mut b = Node::serve("B", &args, &dir.0);
    b.expect("started", |_| true);
    let warning = b.expect_within(FOUND_DEADLINE, "warning", |v| {
        v["message"].as_str().is_some_and(|m| m.contains("STUN"))
    });
    assert!(
        warning["message"]
            .as_str()
            .is_some_and(|m| m.contains(&silent.to_string())),
        "{warning}"
    );
    b.quit();
}

#[test]
fn an_address_a_registrar_saw_behind_a_nat_is_published_too() {
    let dir = Scratch::new("lan-nat");
    // SIPp as a registrar that reports our REGISTER as coming from 198.51.100.7 (RFC 3581).
    let mut registrar = Sipp::scenario("registrar", "uas_register_nat.xml", &dir.0).spawn();
    registrar.wait_listening();
    let testnet = mainline::Testnet::builder(10)
        .build()
        .expect("a 10-node testnet on 127.0.0.1");
    let config = dir.path("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nname = \"alice\"\naor = \"sip:alice@127.0.0.1\"\n\
             registrar = \"sip:127.0.0.1:{}\"\nexpires = 600\n",
            registrar.port()
        ),
    )
    .expect("config");
    let port = free_port();
    let args = vec![
        "--config".to_owned(),
        config.display().to_string(),
        "--listen".to_owned(),
        format!("udp:127.0.0.1:{port}"),
        "--identity-file".to_owned(),
        dir.path("A.key").display().to_string(),
        "--dht-bootstrap".to_owned(),
        testnet.bootstrap.join(","),
    ];
    let mut a = Node::serve("A", &args, &dir.0);
    a.expect("started", |_| true);
    a.expect_within(FOUND_DEADLINE, "registration", |v| {
        v["state"] == "registered"
    });
    let wanted = format!("udp:198.51.100.7:{port}");
    let published = a.expect_within(Duration::from_secs(30), "published", |v| {
        v["contacts"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c == wanted.as_str()))
    });
    // Our own address stays published besides it.
    assert!(
        published["contacts"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| *c == format!("udp:127.0.0.1:{port}"))),
        "{published}"
    );
    registrar.finish().assert_passed();
    a.quit();
}
