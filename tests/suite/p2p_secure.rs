//! Verified and encrypted P2P calls (issue 7) on the local Mainline testnet of [`crate::p2p`]:
//! TLS whose certificates carry the identity keys, both ways. A caller whose certificate
//! holds another key than its From host is refused with 403; a call to a key whose records
//! lead to someone else's TLS listener fails with a clear error and never falls back to UDP.

use crate::audio::tone_file;
use crate::p2p::{P2P_DEADLINE, item, key_of, p2p_node, testnet};
use crate::support::{Node, Scratch, free_ports, stop_child};
use mainline::{Dht, Testnet};
use pkarr::Keypair;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tincan::p2p::record::{self, Contact, RECORD_TTL};

/// The TLS port a node published (`tls:127.0.0.1:PORT`).
fn tls_port(node: &Node) -> u16 {
    let published = node
        .seen
        .iter()
        .find(|v| v["event"] == "published")
        .expect("published");
    let contacts = published["contacts"].as_array().expect("contacts");
    let tls = contacts
        .iter()
        .filter_map(Value::as_str)
        .find_map(|c| c.strip_prefix("tls:127.0.0.1:"))
        .expect("a TLS contact");
    tls.parse().expect("port")
}

/// Puts `keypair`'s records for `contact` on the testnet (as its owner would).
fn publish(testnet: &Testnet, keypair: &Keypair, contact: &Contact) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_micros() as u64;
    let packet = record::build(keypair, contact, now, RECORD_TTL).expect("packet");
    let dht = Dht::builder()
        .bootstrap(&testnet.bootstrap)
        .bind_address(Ipv4Addr::LOCALHOST)
        .build()
        .expect("a DHT client")
        .as_async();
    let signed = item(keypair, &packet, packet.signature().to_bytes());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime
        .block_on(dht.put_mutable(signed, None))
        .expect("stored on the testnet");
}

/// A raw TLS client with `identity`'s certificate, connected to a P2P node whose key is
/// `server_key`; sends `request` and returns what came back until `until` appears (or 10 s).
fn tls_exchange(
    port: u16,
    server_key: &str,
    identity: &Keypair,
    request: &str,
    until: &str,
) -> String {
    let config = tincan::engine::net::identity_tls::client_config(Some(identity)).expect("config");
    let name = rustls::pki_types::ServerName::try_from(server_key.to_owned()).expect("name");
    let connection = rustls::ClientConnection::new(Arc::new(config), name).expect("client");
    let tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let mut tls = rustls::StreamOwned::new(connection, tcp);
    tls.write_all(request.as_bytes()).expect("send the INVITE");
    let mut seen = String::new();
    let until_at = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 4096];
    while !seen.contains(until) && Instant::now() < until_at {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("TLS read failed: {e}; so far: {seen}"),
        }
    }
    seen
}

/// An INVITE from `sip:me@<from_key>` to `sip:me@<to_key>`, over TLS.
fn invite(from_key: &str, to_key: &str, call_id: &str) -> String {
    format!(
        "INVITE sip:me@{to_key} SIP/2.0\r\n\
         Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-{call_id}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:me@{from_key}>;tag=t-{call_id}\r\n\
         To: <sip:me@{to_key}>\r\n\
         Call-ID: {call_id}@test\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:me@127.0.0.1:5999;transport=tls>\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

#[test]
fn a_caller_whose_certificate_key_is_not_its_from_host_is_refused_with_403() {
    let (_testnet, bootstrap) = testnet();
    let dir = Scratch::new("p2p-wrong-client");
    let ports = free_ports(1);
    let (mut b, b_address, _) = p2p_node("B", ports[0], &bootstrap, &dir, &[]);
    let b_key = key_of(&b_address).to_owned();
    let port = tls_port(&b);
    let x = Keypair::from_secret_key(&[7; 32]);
    let y = Keypair::from_secret_key(&[8; 32]);

    // Certificate of X, From Y: refused, with the reason in the status line.
    let refused = tls_exchange(
        port,
        &b_key,
        &x,
        &invite(&y.public_key().to_z32(), &b_key, "wrong"),
        "SIP/2.0 403",
    );
    assert!(
        refused.contains("SIP/2.0 403 Identity key does not match From\r\n"),
        "{refused}"
    );
    let warning = b.expect_any_order("warning", |v| {
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("403 Identity key does not match From"))
    });
    assert!(
        warning["message"]
            .as_str()
            .is_some_and(|m| m.contains(&x.public_key().to_z32())),
        "{warning}"
    );

    // Certificate of X, From X: rings, and B sees a verified caller.
    let ringing = tls_exchange(
        port,
        &b_key,
        &x,
        &invite(&x.public_key().to_z32(), &b_key, "right"),
        "SIP/2.0 180",
    );
    assert!(ringing.contains("SIP/2.0 180 Ringing\r\n"), "{ringing}");
    let incoming = b.expect_any_order("incoming", |_| true);
    assert_eq!(incoming["verified"], true, "{incoming}");
    assert!(
        !b.seen.iter().any(|v| v["event"] == "incoming"
            && v["from"]
                .as_str()
                .is_some_and(|f| f.contains(&y.public_key().to_z32()))),
        "the refused call was announced"
    );
    b.quit();
    // Nor is its end: every ended call is one that was announced.
    let announced: Vec<_> = b
        .seen
        .iter()
        .filter(|v| v["event"] == "incoming")
        .map(|v| v["call"].clone())
        .collect();
    for ended in b.seen.iter().filter(|v| v["event"] == "ended") {
        assert!(
            announced.contains(&ended["call"]),
            "an unannounced call ended: {ended}"
        );
    }
}

#[test]
fn a_call_to_a_key_whose_records_lead_to_someone_else_fails_with_a_clear_error() {
    let (testnet, bootstrap) = testnet();
    let dir = Scratch::new("p2p-wrong-server");
    let ports = free_ports(2);
    let (mut b, _, _) = p2p_node("B", ports[1], &bootstrap, &dir, &["--auto-answer".into()]);
    // Records signed by K that send K's callers to B (UDP and TLS).
    let k = Keypair::from_secret_key(&[11; 32]);
    let decoy = Contact {
        udp: Some(ports[1]),
        tcp: None,
        tls: Some(tls_port(&b)),
        addresses: vec!["127.0.0.1".parse().expect("ip")],
    };
    publish(&testnet, &k, &decoy);

    let (mut a, _, _) = p2p_node("A", ports[0], &bootstrap, &dir, &[]);
    let target = format!("sip:me@{}", k.public_key().to_z32());
    a.send(&format!(r#"{{"cmd":"dial","call":1,"target":"{target}"}}"#));
    let error = a.expect_within(P2P_DEADLINE, "error", |v| {
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("peer's identity key does not match the address"))
    });
    eprintln!("the mismatch as A reports it: {}", error["message"]);
    let ended = a.expect_within(P2P_DEADLINE, "ended", |v| v["call"] == 1);
    assert_eq!(ended["reason"], "failed", "{ended}");
    // B never saw a call (no fallback to its UDP port).
    let quiet = b.collect_for(Duration::from_millis(500));
    assert!(
        !b.seen
            .iter()
            .chain(&quiet)
            .any(|v| v["event"] == "incoming"),
        "B got a call"
    );
    a.quit();
    b.quit();
}

/// A bounded tshark capture of the loopback interface (`timeout` and `-a duration` bound it;
/// it is stopped by its PID).
struct Capture {
    child: Child,
    file: PathBuf,
}

impl Capture {
    /// Starts capturing TCP and UDP on `lo`; returns once tshark says it is capturing.
    fn start(dir: &Scratch, name: &str) -> Capture {
        let file = dir.path(&format!("{name}.pcapng"));
        let err = dir.path(&format!("{name}.tshark.stderr"));
        let child = Command::new("timeout")
            .args([
                "60",
                "tshark",
                "-i",
                "lo",
                "-f",
                "tcp or udp",
                "-a",
                "duration:50",
                "-w",
            ])
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&err).expect("stderr file"))
            .spawn()
            .expect("tshark (TEST_PKGS in scripts/setup.sh)");
        let mut capture = Capture { child, file };
        let until = Instant::now() + Duration::from_secs(15);
        loop {
            let said = std::fs::read_to_string(&err).unwrap_or_default();
            if said.contains("Capturing on") {
                // tshark says so a moment before its capture process sees packets.
                std::thread::sleep(Duration::from_secs(1));
                return capture;
            }
            if Instant::now() > until || matches!(capture.child.try_wait(), Ok(Some(_))) {
                stop_child(&mut capture.child, Duration::from_secs(2));
                panic!("tshark cannot capture on lo here: {said}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the capture (by PID) and returns the file.
    fn finish(mut self) -> PathBuf {
        // Let the last packets reach the file.
        std::thread::sleep(Duration::from_millis(500));
        stop_child(&mut self.child, Duration::from_secs(5));
        self.file.clone()
    }
}

/// The payloads tshark decodes as RTP sent to `port` (bounded).
fn rtp_payloads(file: &Path, port: u16) -> Vec<Vec<u8>> {
    let out = Command::new("timeout")
        .args(["30", "tshark", "-r"])
        .arg(file)
        .args(["-d", &format!("udp.port=={port},rtp")])
        .args(["-Y", &format!("rtp && udp.dstport=={port}")])
        .args(["-T", "fields", "-e", "rtp.payload"])
        .stderr(Stdio::null())
        .output()
        .expect("tshark -r");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let hex: String = l.chars().filter(char::is_ascii_hexdigit).collect();
            (0..hex.len() / 2)
                .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
                .collect()
        })
        .filter(|p: &Vec<u8>| !p.is_empty())
        .collect()
}

/// How many of `payloads`, decoded as `codec`, carry the 1 kHz tone.
fn tone_packets(payloads: &[Vec<u8>], codec: &str) -> usize {
    use tincan::media::{g711, opus::OpusDecoder, tone::power_share};
    let mut opus = OpusDecoder::new(48_000).expect("opus decoder");
    payloads
        .iter()
        .filter(|p| {
            let mut pcm = Vec::new();
            let rate = match codec {
                "opus" => {
                    if opus.decode(p, &mut pcm).is_err() {
                        return false;
                    }
                    48_000
                }
                "PCMA" => {
                    g711::decode_into(p, g711::alaw_decode, &mut pcm);
                    8_000
                }
                _ => {
                    g711::decode_into(p, g711::ulaw_decode, &mut pcm);
                    8_000
                }
            };
            power_share(&pcm, 1000.0, rate) > 0.5
        })
        .count()
}

/// One call from A to `target` under capture: A sends a 1 kHz tone for two seconds, then
/// `hangs_up` does. Returns the capture, A's `answered` event and B's `incoming` event.
fn captured_call(
    dir: &Scratch,
    name: &str,
    a: &mut Node,
    b: &mut Node,
    target: &str,
    call: u64,
    callee_hangs_up: bool,
) -> (PathBuf, Vec<u8>, Value, Value) {
    let capture = Capture::start(dir, name);
    a.send(&format!(
        r#"{{"cmd":"dial","call":{call},"target":"{target}"}}"#
    ));
    let answered = a.expect_within(P2P_DEADLINE, "answered", |v| v["call"] == call);
    let incoming = b.expect_any_order("incoming", |v| v["to"] == target);
    let b_answered = b.expect_any_order("answered", |v| v["call"] == incoming["call"]);
    std::thread::sleep(Duration::from_secs(2));
    if callee_hangs_up {
        // B's BYE goes to A's Contact over a new TLS connection that must prove A's key.
        let theirs = incoming["call"].as_u64().expect("call id");
        b.send(&format!(r#"{{"cmd":"hangup","call":{theirs}}}"#));
        let ended = a.expect_within(P2P_DEADLINE, "ended", |v| v["call"] == call);
        assert_eq!(ended["reason"], "remote", "{ended}");
    } else {
        a.send(&format!(r#"{{"cmd":"hangup","call":{call}}}"#));
        a.expect("ended", |v| v["call"] == call);
    }
    b.expect_any_order("ended", |_| true);
    // Only this call's packets: other tests share the loopback interface.
    let mut ports = vec![rtp_port(&answered), rtp_port(&b_answered)];
    for node in [&*a, &*b] {
        ports.push(udp_port(node));
        ports.push(tls_port(node));
    }
    let file = capture.finish();
    let bytes = only_ports(dir, &file, &ports);
    (file, bytes, answered, incoming)
}

/// The RTP port in an `answered` event's `remote_rtp`.
fn rtp_port(answered: &Value) -> u16 {
    answered["remote_rtp"]
        .as_str()
        .and_then(|a| a.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .expect("remote_rtp")
}

/// The UDP port a node published (`udp:127.0.0.1:PORT`).
fn udp_port(node: &Node) -> u16 {
    let published = node
        .seen
        .iter()
        .find(|v| v["event"] == "published")
        .expect("published");
    published["contacts"][0]
        .as_str()
        .and_then(|c| c.strip_prefix("udp:127.0.0.1:"))
        .and_then(|p| p.parse().ok())
        .expect("a UDP contact")
}

/// The bytes of the captured packets to or from `ports` (a pcapng file tshark writes; bounded).
fn only_ports(dir: &Scratch, file: &Path, ports: &[u16]) -> Vec<u8> {
    let filter = ports
        .iter()
        .map(|p| format!("tcp.port == {p} or udp.port == {p}"))
        .collect::<Vec<_>>()
        .join(" or ");
    let out = dir.path(&format!(
        "{}.filtered.pcapng",
        file.file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("capture")
    ));
    let status = Command::new("timeout")
        .args(["30", "tshark", "-r"])
        .arg(file)
        .args(["-Y", &filter, "-w"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("tshark -r");
    assert!(status.success(), "tshark could not filter the capture");
    std::fs::read(&out).expect("filtered capture")
}

#[test]
fn on_the_wire_a_p2p_call_shows_no_sip_and_no_audio_while_a_plain_call_shows_both() {
    let (_testnet, bootstrap) = testnet();
    let dir = Scratch::new("p2p-wire");
    tone_file(&dir.path("a.wav"), 1000.0, 1);
    let ports = free_ports(2);
    let (mut b, b_address, _) =
        p2p_node("B", ports[1], &bootstrap, &dir, &["--auto-answer".into()]);
    let audio = [
        "--audio-in".to_owned(),
        dir.path("a.wav").display().to_string(),
    ];
    let (mut a, _, _) = p2p_node("A", ports[0], &bootstrap, &dir, &audio);

    // The P2P call: TLS signalling, SRTP media.
    let (secure, bytes, answered, incoming) =
        captured_call(&dir, "p2p", &mut a, &mut b, &b_address, 1, true);
    assert_eq!(answered["encrypted"], true, "{answered}");
    assert_eq!(
        (incoming["verified"].clone(), incoming["encrypted"].clone()),
        (true.into(), true.into()),
        "{incoming}"
    );
    let codec = answered["codec"].as_str().expect("codec").to_owned();
    let b_rtp = rtp_port(&answered);
    for clear in ["INVITE", "SIP/2.0", "a=crypto", "BYE sip:", "m=audio"] {
        assert!(
            !bytes.windows(clear.len()).any(|w| w == clear.as_bytes()),
            "{clear:?} in clear on the wire of the P2P call"
        );
    }
    let payloads = rtp_payloads(&secure, b_rtp);
    let heard = tone_packets(&payloads, &codec);
    eprintln!(
        "P2P call ({codec}, SRTP): {} packets to B's RTP port captured, {heard} decode to the tone",
        payloads.len()
    );
    assert!(
        payloads.len() >= 50,
        "only {} RTP packets captured",
        payloads.len()
    );
    assert!(
        heard * 20 < payloads.len(),
        "{heard} of {} packets decode to the tone",
        payloads.len()
    );

    // The same phones, a plain call to B's IP address: the same checks see SIP and the tone
    // (so the capture and the decoding work).
    let plain_target = format!("sip:me@127.0.0.1:{}", ports[1]);
    let (plain, bytes, answered, incoming) =
        captured_call(&dir, "plain", &mut a, &mut b, &plain_target, 2, false);
    assert_eq!(answered["encrypted"], false, "{answered}");
    assert_eq!(
        (incoming["verified"].clone(), incoming["encrypted"].clone()),
        (false.into(), false.into()),
        "{incoming}"
    );
    assert!(
        bytes.windows(6).any(|w| w == b"INVITE"),
        "no INVITE seen in the plain capture"
    );
    let codec = answered["codec"].as_str().expect("codec").to_owned();
    let b_rtp = rtp_port(&answered);
    let payloads = rtp_payloads(&plain, b_rtp);
    let heard = tone_packets(&payloads, &codec);
    eprintln!(
        "plain call ({codec}): {} packets, {heard} decode to the tone",
        payloads.len()
    );
    assert!(
        heard * 2 > payloads.len() && payloads.len() >= 50,
        "{heard} of {}",
        payloads.len()
    );

    a.quit();
    b.quit();
}

#[test]
fn an_ordinary_udp_call_from_sipp_is_answered_unverified_and_unencrypted() {
    let (_testnet, bootstrap) = testnet();
    let dir = Scratch::new("p2p-sipp");
    let ports = free_ports(1);
    let (mut b, _, _) = p2p_node("B", ports[0], &bootstrap, &dir, &["--auto-answer".into()]);
    let sipp = crate::support::sipp::Sipp::builtin("uac", "uac", &dir.0)
        .target(format!("127.0.0.1:{}", ports[0]));
    sipp.run().assert_passed();
    let incoming = b.expect_any_order("incoming", |_| true);
    assert_eq!(incoming["verified"], false, "{incoming}");
    assert_eq!(incoming["encrypted"], false, "{incoming}");
    let answered = b.expect_any_order("answered", |v| v["call"] == incoming["call"]);
    assert_eq!(answered["encrypted"], false, "{answered}");
    assert_eq!(answered["codec"], "PCMU", "{answered}");
    b.quit();
}

#[test]
fn baresip_calls_over_tls_with_mandatory_srtp_and_both_sides_hear_each_other() {
    use crate::support::baresip::Baresip;
    let (_testnet, bootstrap) = testnet();
    let dir = Scratch::new("p2p-baresip-srtp");
    tone_file(&dir.path("b.wav"), 1000.0, 1);
    let ports = free_ports(1);
    let args = [
        "--auto-answer".to_owned(),
        "--audio-in".to_owned(),
        dir.path("b.wav").display().to_string(),
        "--audio-out".to_owned(),
        dir.path("b-heard.wav").display().to_string(),
    ];
    let (mut b, _, _) = p2p_node("B", ports[0], &bootstrap, &dir, &args);
    let tls = tls_port(&b);
    // baresip (a third-party SIP, TLS, SDES and SRTP implementation: libre) calls B's TLS
    // listener and insists on SRTP; its microphone is a 440 Hz sine.
    let bob = Baresip::start_direct(
        "<sip:bob@127.0.0.1;transport=tls>;regint=0;answermode=auto;\
         mediaenc=srtp-mand;audio_codecs=pcma",
    );
    bob.command(&format!("/dial sip:me@127.0.0.1:{tls};transport=tls"));
    let incoming = b.expect_any_order("incoming", |_| true);
    assert_eq!(incoming["verified"], false, "{incoming}");
    assert_eq!(incoming["encrypted"], true, "{incoming}");
    let answered = b.expect_any_order("answered", |v| v["call"] == incoming["call"]);
    assert_eq!(answered["encrypted"], true, "{answered}");
    eprintln!(
        "baresip's SRTP suite as B answered it: {}",
        answered["srtp_suite"]
    );
    std::thread::sleep(Duration::from_secs(3));
    bob.command("/hangup");
    b.expect_any_order("ended", |v| v["call"] == incoming["call"]);
    b.quit();

    // Each side decrypted the other's audio: B heard 440 Hz, baresip 1 kHz.
    let heard = tincan::audio::wav::read(&dir.path("b-heard.wav")).expect("B's recording");
    let frames = crate::audio::frames_with(&heard, 440.0);
    let window = 50..frames.len().min(120);
    let with_tone = crate::audio::count(&frames, window.clone());
    assert!(
        window.len() > 40 && with_tone * 10 >= window.len() * 9,
        "B heard 440 Hz in {with_tone} of {} frames",
        window.len()
    );
    let files = bob.received_recordings();
    let file = files
        .last()
        .unwrap_or_else(|| panic!("no baresip recording:\n{}", bob.log()));
    let got = tincan::audio::wav::read(file).expect("baresip's recording");
    let frames = crate::audio::frames_with(&got, 1000.0);
    let window = 50..frames.len().min(120);
    let with_tone = crate::audio::count(&frames, window.clone());
    assert!(
        window.len() > 40 && with_tone * 10 >= window.len() * 9,
        "baresip heard 1 kHz in {with_tone} of {} frames",
        window.len()
    );
}
