//! Tincan against baresip 1.0.0, both registered at Kamailio 5.6 (digest auth on REGISTER and
//! INVITE, record-routing): Tincan (alice) calls baresip (bob) and hangs up; baresip calls
//! Tincan over TCP, Tincan holds and resumes as the callee, baresip hangs up; baresip cancels
//! before Tincan answers; 486 Busy Here in both directions; hold and resume with re-INVITEs
//! from each side over TCP. baresip is driven through its console (`/dial`, `/hangup`,
//! `/hold`, `/resume`) and checked through its log and `/listcalls`.

use crate::support::baresip::{AnswerMode, Baresip, Options};
use crate::support::kamailio::{self, Kamailio};
use crate::support::{Node, Scratch, free_port, write_private};
use serde_json::Value;

/// What baresip 1.0.0 logs when a BYE ends its call (libre reports it as ECONNRESET). Its
/// "Call with … terminated" summary is no use here: it is left out for calls under a second.
const BYE_RECEIVED: &str = "sip:alice@127.0.0.1: session closed: Connection reset by peer";

/// The config file with one account, alice at `kamailio` over `transport`; returns its path.
fn alice_config(dir: &Scratch, kamailio: &Kamailio, transport: &str) -> String {
    let pw = dir.path("alice.password");
    write_private(&pw, "alicepw\n");
    let toml = format!(
        "[general]\nlog_level = \"debug\"\n\n[[accounts]]\nname = \"alice\"\n\
         aor = \"sip:alice@127.0.0.1\"\nregistrar = \"sip:127.0.0.1:{}\"\n\
         transport = \"{transport}\"\nexpires = 120\npassword_file = \"{}\"\n",
        kamailio.port,
        pw.display()
    );
    let path = dir.path("config.toml");
    std::fs::write(&path, toml).expect("write config");
    path.display().to_string()
}

/// `tincan serve` as alice over `transport` (listening on UDP and TCP at one port), waiting
/// until alice is registered.
fn alice(dir: &Scratch, kamailio: &Kamailio, transport: &str) -> Node {
    alice_with(dir, kamailio, transport, &[])
}

/// [`alice`] with extra arguments for `tincan serve`.
fn alice_with(dir: &Scratch, kamailio: &Kamailio, transport: &str, extra: &[String]) -> Node {
    let config = alice_config(dir, kamailio, transport);
    let port = free_port();
    let mut args: Vec<String> = vec![
        "--config".into(),
        config,
        "--listen".into(),
        format!("udp:127.0.0.1:{port}"),
        "--listen".into(),
        format!("tcp:127.0.0.1:{port}"),
    ];
    args.extend(extra.iter().cloned());
    let mut node = Node::serve("tincan", &args, &dir.0);
    node.expect("started", |_| true);
    node.expect("registration", |v| {
        v["account"] == "alice" && v["state"] == "registered"
    });
    node
}

/// Kamailio, and baresip registered there as bob.
fn kamailio_and_bob(options: &Options) -> (Kamailio, Baresip) {
    let kamailio = Kamailio::start(&kamailio::Options::default());
    let bob = Baresip::start(&kamailio, options);
    bob.wait_registered(&kamailio);
    (kamailio, bob)
}

/// baresip dials alice through Kamailio; returns the incoming call's id at Tincan.
fn bob_dials_alice(bob: &Baresip, kamailio: &Kamailio, node: &mut Node) -> u64 {
    bob.command(&format!("/dial sip:alice@127.0.0.1:{}", kamailio.port));
    let incoming = node.expect("incoming", |_| true);
    assert_eq!(incoming["account"], "alice", "{incoming}");
    let from = incoming["from"].as_str().unwrap_or_default();
    assert!(from.starts_with("sip:bob@127.0.0.1"), "{incoming}");
    incoming["call"].as_u64().expect("call id")
}

/// The next `media_updated` of `call` with these directions.
fn media_updated(node: &mut Node, call: u64, local: &str, remote: &str) -> Value {
    node.expect("media_updated", |v| {
        v["call"] == call && v["local_direction"] == local && v["remote_direction"] == remote
    })
}

/// Quits Tincan; along the way it must not have refused a command or a message.
fn quit(mut node: Node) {
    node.quit();
    let trouble: Vec<&Value> = node
        .seen
        .iter()
        .filter(|v| matches!(v["event"].as_str(), Some("error" | "warning" | "rejected")))
        .collect();
    assert!(trouble.is_empty(), "{trouble:#?}\n{}", node.stderr_tail());
    assert!(node.wait_success(), "exit status");
}

#[test]
fn tincan_calls_baresip_and_each_hears_the_other_ones_tone() {
    // baresip may only use PCMA: the answer must settle on it, not on Tincan's first (Opus).
    tincan_calls_baresip_with("pcma", "PCMA", Some(8), "bs-out", &[]);
}

#[test]
fn tincan_calls_baresip_over_opus_and_each_hears_the_other_ones_tone() {
    // Opus both ways (48 kHz; Tincan resamples from and to its 8 kHz virtual device).
    tincan_calls_baresip_with("opus/48000/2", "opus", None, "bs-out-opus", &[]);
}

#[test]
fn tincan_offering_only_pcmu_calls_baresip_and_each_hears_the_other_ones_tone() {
    // baresip prefers Opus; Tincan's --codecs leaves it PCMU only.
    tincan_calls_baresip_with(
        "opus/48000/2,pcmu,pcma",
        "PCMU",
        Some(0),
        "bs-out-pcmu",
        &["--codecs", "pcmu"],
    );
}

/// Tincan calls baresip, which may use only `codecs`; the answer settles on `codec` (with
/// `payload_type`, when given); each side records the other's tone.
fn tincan_calls_baresip_with(
    codecs: &str,
    codec: &str,
    payload_type: Option<u8>,
    scratch: &str,
    tincan_args: &[&str],
) {
    let (kamailio, bob) = kamailio_and_bob(&Options {
        codecs,
        ..Options::default()
    });
    let dir = Scratch::new(scratch);
    crate::audio::tone_file(&dir.path("1k.wav"), 1000.0, 1);
    let mut args = vec![
        "--audio-in".to_owned(),
        dir.path("1k.wav").display().to_string(),
        "--audio-out".to_owned(),
        dir.path("heard.wav").display().to_string(),
    ];
    args.extend(tincan_args.iter().map(|a| (*a).to_owned()));
    let mut node = alice_with(&dir, &kamailio, "udp", &args);

    node.send(r#"{"cmd":"dial","call":1,"target":"bob","account":"alice"}"#);
    let answered = node.expect("answered", |v| v["call"] == 1);
    assert_eq!(answered["codec"], codec, "{answered}");
    if let Some(pt) = payload_type {
        assert_eq!(answered["payload_type"], pt, "{answered}");
    }
    assert_eq!(answered["local_direction"], "sendrecv", "{answered}");
    assert_eq!(answered["remote_direction"], "sendrecv", "{answered}");
    let rtp = answered["remote_rtp"].as_str().unwrap_or_default();
    assert!(rtp.starts_with("127.0.0.1:"), "{answered}");
    bob.expect_log("Call established: sip:alice@127.0.0.1", 1);
    assert!(bob.command("/listcalls").contains("ESTABLISHED"));
    std::thread::sleep(std::time::Duration::from_millis(2500));

    node.send(r#"{"cmd":"hangup","call":1}"#);
    let ended = node.expect("ended", |v| v["call"] == 1);
    assert_eq!(ended["reason"], "local", "{ended}");
    bob.expect_log(BYE_RECEIVED, 1);
    assert!(bob.command("/listcalls").contains("Active calls (0)"));
    quit(node);

    // Tincan heard baresip's 440 Hz from soon after the answer to the hang-up.
    let heard = tincan::audio::wav::read(&dir.path("heard.wav")).expect("Tincan's recording");
    let frames = crate::audio::frames_with(&heard, 440.0);
    let window = 50..frames.len().min(120);
    let with_tone = crate::audio::count(&frames, window.clone());
    assert!(
        with_tone * 10 >= window.len() * 9,
        "Tincan heard 440 Hz in {with_tone} of {} frames",
        window.len()
    );
    // baresip heard Tincan's 1 kHz.
    let files = bob.received_recordings();
    let file = files
        .last()
        .unwrap_or_else(|| panic!("no baresip recording:\n{}", bob.log()));
    let got = tincan::audio::wav::read(file).expect("baresip's recording");
    let frames = crate::audio::frames_with(&got, 1000.0);
    let window = 50..frames.len().min(110);
    let with_tone = crate::audio::count(&frames, window.clone());
    assert!(
        window.len() > 40,
        "baresip recorded {} frames",
        frames.len()
    );
    assert!(
        with_tone * 10 >= window.len() * 9,
        "baresip heard 1 kHz in {with_tone} of {} frames",
        window.len()
    );
}

#[test]
fn baresip_calls_tincan_over_tcp_tincan_holds_as_callee_and_baresip_hangs_up() {
    // alice over TCP, bob over UDP: Kamailio bridges the two, in both directions.
    let (kamailio, bob) = kamailio_and_bob(&Options::default());
    let dir = Scratch::new("bs-in-tcp");
    let mut node = alice(&dir, &kamailio, "tcp");

    let call = bob_dials_alice(&bob, &kamailio, &mut node);
    bob.expect_log("180 Ringing", 1);
    node.send(&format!(r#"{{"cmd":"answer","call":{call}}}"#));
    let answered = node.expect("answered", |v| v["call"] == call);
    // baresip offers Opus first, and Tincan plays it.
    assert_eq!(answered["codec"], "opus", "{answered}");
    bob.expect_log("Call established: sip:alice@", 1);

    // The callee's re-INVITEs follow the record-routed dialog back to baresip.
    node.send(&format!(r#"{{"cmd":"hold","call":{call}}}"#));
    media_updated(&mut node, call, "sendonly", "recvonly");
    bob.expect_log("call: got re-INVITE (SDP Offer)", 1);
    node.send(&format!(r#"{{"cmd":"resume","call":{call}}}"#));
    media_updated(&mut node, call, "sendrecv", "sendrecv");
    bob.expect_log("call: got re-INVITE (SDP Offer)", 2);
    assert!(bob.command("/listcalls").contains("ESTABLISHED"));

    bob.command("/hangup");
    let ended = node.expect("ended", |v| v["call"] == call);
    assert_eq!(ended["reason"], "remote", "{ended}");
    bob.expect_log("call: terminate call", 1);
    quit(node);
}

#[test]
fn baresip_cancels_before_tincan_answers() {
    let (kamailio, bob) = kamailio_and_bob(&Options::default());
    let dir = Scratch::new("bs-cancel");
    let mut node = alice(&dir, &kamailio, "udp");

    let call = bob_dials_alice(&bob, &kamailio, &mut node);
    bob.expect_log("180 Ringing", 1);
    bob.command("/hangup");
    let ended = node.expect("ended", |v| v["call"] == call);
    assert_eq!(ended["reason"], "cancelled", "{ended}");
    assert!(
        !node
            .seen
            .iter()
            .any(|v| v["event"] == "answered" && v["call"] == call),
        "answered a cancelled call: {:?}",
        node.seen
    );
    assert!(bob.command("/listcalls").contains("Active calls (0)"));
    assert_eq!(bob.log_count("Call established"), 0, "{}", bob.log());
    quit(node);
}

#[test]
fn busy_here_in_both_directions() {
    let (kamailio, bob) = kamailio_and_bob(&Options {
        answer: AnswerMode::Manual,
        ..Options::default()
    });
    let dir = Scratch::new("bs-busy");
    let mut node = alice(&dir, &kamailio, "udp");

    // baresip calls, Tincan rejects with 486.
    let call = bob_dials_alice(&bob, &kamailio, &mut node);
    node.send(&format!(r#"{{"cmd":"reject","call":{call},"code":486}}"#));
    let ended = node.expect("ended", |v| v["call"] == call);
    assert_eq!(ended["reason"], "busy", "{ended}");
    bob.expect_log("session closed: 486 Busy Here", 1);

    // Tincan calls, baresip (manual answer) rings, then `/hangup` rejects with 486.
    node.send(r#"{"cmd":"dial","call":1,"target":"bob","account":"alice"}"#);
    node.expect("ringing", |v| v["call"] == 1);
    bob.expect_log("Incoming call from:  sip:alice@127.0.0.1", 1);
    bob.command("/hangup");
    bob.expect_log("rejecting incoming call from sip:alice@127.0.0.1 (486", 1);
    let ended = node.expect("ended", |v| v["call"] == 1);
    assert_eq!(ended["reason"], "busy", "{ended}");
    assert!(
        !node.seen.iter().any(|v| v["event"] == "answered"),
        "{:?}",
        node.seen
    );
    quit(node);
}

#[test]
fn hold_and_resume_from_each_side_over_tcp() {
    let (kamailio, bob) = kamailio_and_bob(&Options {
        transport: "tcp",
        ..Options::default()
    });
    let dir = Scratch::new("bs-hold");
    let mut node = alice(&dir, &kamailio, "tcp");

    node.send(r#"{"cmd":"dial","call":1,"target":"bob","account":"alice"}"#);
    let answered = node.expect("answered", |v| v["call"] == 1);
    assert_eq!(answered["local_direction"], "sendrecv", "{answered}");
    bob.expect_log("Call established: sip:alice@127.0.0.1", 1);

    // Tincan holds: its offer says sendonly, baresip's answer recvonly (RFC 3264 §8.4).
    node.send(r#"{"cmd":"hold","call":1}"#);
    media_updated(&mut node, 1, "sendonly", "recvonly");
    bob.expect_log("call: got re-INVITE (SDP Offer)", 1);
    node.send(r#"{"cmd":"resume","call":1}"#);
    media_updated(&mut node, 1, "sendrecv", "sendrecv");
    bob.expect_log("call: got re-INVITE (SDP Offer)", 2);

    // baresip holds: Tincan answers its sendonly offer with recvonly, then resumes. baresip
    // refuses to start a re-INVITE while ours is not ACKed on its side yet (RFC 3261 §14.1),
    // which a loaded machine can delay: give the ACK a moment to land.
    std::thread::sleep(std::time::Duration::from_millis(300));
    bob.command("/hold");
    media_updated(&mut node, 1, "recvonly", "sendonly");
    bob.expect_log("call: got SDP answer", 1);
    bob.command("/resume");
    media_updated(&mut node, 1, "sendrecv", "sendrecv");
    bob.expect_log("call: got SDP answer", 2);
    assert!(bob.command("/listcalls").contains("ESTABLISHED"));

    node.send(r#"{"cmd":"hangup","call":1}"#);
    let ended = node.expect("ended", |v| v["call"] == 1);
    assert_eq!(ended["reason"], "local", "{ended}");
    bob.expect_log(BYE_RECEIVED, 1);
    quit(node);
}

#[test]
fn without_rtcp_mux_reports_flow_both_ways_over_the_odd_port() {
    // baresip does not take rtcp-mux here: Tincan keeps the port above its RTP port for
    // RTCP (RFC 3550 §11) and reports flow both ways: baresip's receiver reports answer our
    // sender reports with the round trip and its view of our loss.
    let (kamailio, bob) = kamailio_and_bob(&Options::default());
    let dir = Scratch::new("bs-rtcp");
    crate::audio::tone_file(&dir.path("1k.wav"), 1000.0, 1);
    let rtp = free_port() & !1;
    let audio = [
        "--audio-in".to_owned(),
        dir.path("1k.wav").display().to_string(),
        "--rtp-port".to_owned(),
        rtp.to_string(),
    ];
    let mut node = alice_with(&dir, &kamailio, "udp", &audio);
    node.send(r#"{"cmd":"dial","call":1,"target":"bob","account":"alice"}"#);
    let answered = node.expect("answered", |v| v["call"] == 1);
    assert_eq!(answered["rtcp_mux"], false, "{answered}");
    let odd = std::net::UdpSocket::bind(("127.0.0.1", rtp + 1));
    assert!(odd.is_err(), "Tincan holds no RTCP port at {}", rtp + 1);
    let stats = node.expect_within(std::time::Duration::from_secs(20), "call_stats", |v| {
        v["call"] == 1 && v["rtt_ms"].is_u64()
    });
    assert!(stats["remote_loss_percent"] == 0, "{stats}");
    assert!(
        stats["rtt_ms"].as_u64().is_some_and(|ms| ms < 100),
        "{stats}"
    );
    node.send(r#"{"cmd":"hangup","call":1}"#);
    node.expect("ended", |v| v["call"] == 1);
    bob.expect_log(BYE_RECEIVED, 1);
    quit(node);
}
