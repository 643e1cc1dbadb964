//! Serverless calling on a local Mainline DHT: a testnet of 20 nodes on 127.0.0.1 in the test
//! process (never the public DHT), and `tincan serve` processes with their own identity files
//! that share nothing but each other's P2P address. Each publishes its signed records; A
//! resolves B's key through the DHT and calls it; the audio judged by frequency as in the media
//! tests. Also: a forged and a replayed record for a key (refused by the DHT's nodes, and the
//! call still reaches the key's owner), unknown keys, the DHT switched off, and `tincan id`.

use crate::audio::{frames_with, tone_file};
use crate::support::{Node, Scratch, free_ports};
use mainline::{Dht, MutableItem, Testnet};
use pkarr::{Keypair, SignedPacket};
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tincan::audio::wav;
use tincan::p2p::record::{self, Contact, RECORD_TTL};

/// How long publishing or a P2P call set-up may take on the testnet (generous: two cores
/// shared with other builds).
pub(crate) const P2P_DEADLINE: Duration = Duration::from_secs(30);

/// A local DHT, and the `--dht-bootstrap` value that points at it.
pub(crate) fn testnet() -> (Testnet, String) {
    let testnet = Testnet::builder(20)
        .build()
        .expect("a 20-node testnet on 127.0.0.1");
    let bootstrap = testnet.bootstrap.join(",");
    assert!(bootstrap.starts_with("127.0.0.1:"), "{bootstrap}");
    (testnet, bootstrap)
}

/// Starts a P2P node on 127.0.0.1 with its own identity file; returns it with its address
/// once its records are published, and how long publishing took.
pub(crate) fn p2p_node(
    name: &'static str,
    port: u16,
    bootstrap: &str,
    dir: &Scratch,
    extra: &[String],
) -> (Node, String, u64) {
    let mut args = vec!["--dht-bootstrap".to_owned(), bootstrap.to_owned()];
    args.extend(extra.iter().cloned());
    let (mut node, address) = Node::serve_p2p(name, port, dir, &args);
    let published = node.expect_within(P2P_DEADLINE, "published", |_| true);
    assert_eq!(published["address"], address.as_str());
    assert!(published["nodes"].as_u64() > Some(0), "{published}");
    // UDP as asked, and TLS with the identity's certificate on a port of its own.
    let contacts = published["contacts"].as_array().expect("contacts");
    assert_eq!(contacts.len(), 2, "{published}");
    assert_eq!(contacts[0], format!("udp:127.0.0.1:{port}").as_str());
    let tls = contacts[1].as_str().expect("tls contact");
    assert!(tls.starts_with("tls:127.0.0.1:"), "{published}");
    let ms = published["ms"].as_u64().expect("ms");
    (node, address, ms)
}

/// The 52-character key of `sip:me@<key>`.
pub(crate) fn key_of(address: &str) -> &str {
    let key = address.strip_prefix("sip:me@").expect("sip:me@<key>");
    assert_eq!(key.len(), 52, "{address}");
    key
}

/// The secret in a key file: 64 hex digits.
fn secret(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("key file");
    let text = text.trim().to_owned();
    assert_eq!(text.len(), 64);
    text
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn two_phones_that_share_only_their_p2p_addresses_call_and_hear_each_other() {
    let (_testnet, bootstrap) = testnet();
    let dir = Scratch::new("p2p-call");
    tone_file(&dir.path("a.wav"), 1000.0, 1);
    tone_file(&dir.path("b.wav"), 440.0, 1);
    let file = |name: &str| dir.path(name).display().to_string();
    let ports = free_ports(2);
    let (mut b, b_address, b_ms) = p2p_node(
        "B",
        ports[1],
        &bootstrap,
        &dir,
        &[
            "--auto-answer".into(),
            "--audio-in".into(),
            file("b.wav"),
            "--audio-out".into(),
            file("b-heard.wav"),
        ],
    );
    let (mut a, a_address, a_ms) = p2p_node(
        "A",
        ports[0],
        &bootstrap,
        &dir,
        &[
            "--audio-in".into(),
            file("a.wav"),
            "--audio-out".into(),
            file("a-heard.wav"),
            "--log-level".into(),
            "debug".into(),
        ],
    );
    assert_ne!(key_of(&a_address), key_of(&b_address));

    // A knows nothing of B but its address: no port, no IP.
    let dialled = Instant::now();
    a.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"{b_address}"}}"#
    ));
    let answered = a.expect_within(P2P_DEADLINE, "answered", |v| v["call"] == 1);
    let setup = dialled.elapsed();
    // SDES over TLS: the media is SRTP.
    assert_eq!(answered["encrypted"], true, "{answered}");
    assert_eq!(
        answered["srtp_suite"], "AES_CM_128_HMAC_SHA1_80",
        "{answered}"
    );
    let incoming = b.expect_any_order("incoming", |_| true);
    assert_eq!(incoming["to"], b_address.as_str(), "{incoming}");
    // Over TLS, A proved the key its address names.
    assert_eq!(incoming["from"], a_address.as_str(), "{incoming}");
    assert_eq!(incoming["verified"], true, "{incoming}");
    assert_eq!(incoming["encrypted"], true, "{incoming}");
    let resolve = a
        .stderr()
        .lines()
        .find_map(|l| {
            l.split_once("DHT lookup of a key took ")
                .map(|(_, r)| r.to_owned())
        })
        .expect("A looked B's key up on the DHT");
    eprintln!(
        "p2p figures on a 20-node testnet: publish A {a_ms} ms, B {b_ms} ms; \
         resolve {resolve}; call set-up (resolve + INVITE to 200 OK) {} ms",
        setup.as_millis()
    );
    std::thread::sleep(Duration::from_millis(2000));
    a.send(r#"{"cmd":"hangup","call":1}"#);
    a.expect("ended", |v| v["call"] == 1);
    b.expect("ended", |_| true);
    for node in [&mut a, &mut b] {
        node.quit();
        assert!(node.wait_success(), "{} failed", node.name);
    }

    // Each side heard the other's tone from soon after the answer.
    let a_heard = wav::read(&dir.path("a-heard.wav")).expect("A's recording");
    let b_heard = wav::read(&dir.path("b-heard.wav")).expect("B's recording");
    let window = 25..90;
    let a_ok = crate::audio::count(&frames_with(&a_heard, 440.0), window.clone());
    let b_ok = crate::audio::count(&frames_with(&b_heard, 1000.0), window);
    let pattern = |heard: &tincan::audio::wav::Mono, hz| -> String {
        frames_with(heard, hz)
            .iter()
            .map(|f| if *f { '+' } else { '.' })
            .collect()
    };
    // 90% of frames (a loaded CI machine stalls the media clock now and then).
    assert!(
        a_ok >= 59,
        "A heard 440 Hz in {a_ok} of 65 frames: {}",
        pattern(&a_heard, 440.0)
    );
    assert!(
        b_ok >= 59,
        "B heard 1 kHz in {b_ok} of 65 frames: {}",
        pattern(&b_heard, 1000.0)
    );

    // The identity files are the owner's only, and no secret left them.
    for (node, key) in [(&a, "A.key"), (&b, "B.key")] {
        #[cfg(unix)]
        assert_eq!(mode(&dir.path(key)), 0o600, "{key}");
        let secret = secret(&dir.path(key));
        let events = serde_json::to_string(&node.seen).expect("events");
        assert!(!events.contains(&secret), "{key}'s secret in the events");
        assert!(!node.stderr().contains(&secret), "{key}'s secret in stderr");
    }
}

/// The key pair in a key file.
fn keypair_in(path: &Path) -> Keypair {
    let hex = secret(path);
    let mut bytes = [0u8; 32];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
    }
    Keypair::from_secret_key(&bytes)
}

/// `packet`'s records as a DHT item for `key`, with `signature` (BEP 44: the sequence number
/// is pkarr's timestamp).
pub(crate) fn item(key: &Keypair, packet: &SignedPacket, signature: [u8; 64]) -> MutableItem {
    MutableItem::new_signed_unchecked(
        key.public_key().to_bytes(),
        signature,
        &packet.encoded_packet(),
        i64::try_from(packet.timestamp().as_u64()).expect("seq"),
        None,
    )
}

#[test]
fn a_forged_or_replayed_record_is_refused_and_the_call_still_reaches_the_keys_owner() {
    let (testnet, bootstrap) = testnet();
    let dir = Scratch::new("p2p-forged");
    let ports = free_ports(3);
    let (mut b, b_address, _) =
        p2p_node("B", ports[1], &bootstrap, &dir, &["--auto-answer".into()]);
    let owner = keypair_in(&dir.path("B.key"));
    assert_eq!(owner.public_key().to_z32(), key_of(&b_address));
    // Records that would send B's callers to a port where nobody answers.
    let decoy = Contact {
        udp: Some(ports[2]),
        tcp: None,
        tls: Some(ports[2]),
        addresses: vec!["127.0.0.1".parse().expect("ip")],
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_micros() as u64;
    let hour = 3_600_000_000;
    let replayed = record::build(&owner, &decoy, now - hour, RECORD_TTL).expect("old packet");
    let forger = Keypair::from_secret_key(&[9; 32]);
    let forged = record::build(&forger, &decoy, now + hour, RECORD_TTL).expect("forged packet");

    let dht = Dht::builder()
        .bootstrap(&testnet.bootstrap)
        .bind_address(Ipv4Addr::LOCALHOST)
        .build()
        .expect("a DHT client")
        .as_async();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let forged_item = item(&owner, &forged, forged.signature().to_bytes());
    let old_item = item(&owner, &replayed, replayed.signature().to_bytes());
    let (forged_put, replayed_put, held) = runtime.block_on(async {
        (
            dht.put_mutable(forged_item, None).await,
            dht.put_mutable(old_item, None).await,
            dht.get_mutable_most_recent(owner.public_key().as_bytes(), None)
                .await,
        )
    });
    assert!(
        forged_put.is_err(),
        "a record signed by another key was stored for B's key: {forged_put:?}"
    );
    assert!(
        replayed_put.is_err(),
        "an older record replaced B's newer one: {replayed_put:?}"
    );
    let held = held.expect("B's record is on the DHT");
    let held_seq = u64::try_from(held.seq()).expect("seq");
    assert!(
        held_seq > now - hour && held_seq < now + hour,
        "the DHT holds seq {held_seq}"
    );

    let (mut a, _, _) = p2p_node("A", ports[0], &bootstrap, &dir, &[]);
    a.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"{b_address}"}}"#
    ));
    a.expect_within(P2P_DEADLINE, "answered", |v| v["call"] == 1);
    b.expect_any_order("incoming", |_| true);
    a.quit();
    b.quit();
}

#[test]
fn a_key_nobody_published_fails_the_call_without_hanging() {
    let (_testnet, bootstrap) = testnet();
    let dir = Scratch::new("p2p-unknown");
    let ports = free_ports(1);
    let (mut a, _, _) = p2p_node("A", ports[0], &bootstrap, &dir, &[]);
    // A valid key (from `tincan id` on a file nobody publishes).
    let nobody = tincan_id(&[
        "--identity-file",
        &dir.path("nobody.key").display().to_string(),
    ]);
    assert!(nobody.0, "tincan id");
    let target = nobody.1.trim().replace("sip:me@", "sip:nobody@");
    a.send(&format!(r#"{{"cmd":"dial","call":1,"target":"{target}"}}"#));
    let ended = a.expect_within(P2P_DEADLINE, "ended", |v| v["call"] == 1);
    assert_eq!(ended["reason"], "failed", "{ended}");
    a.quit();
}

#[test]
fn with_the_dht_off_a_p2p_address_fails_with_a_clear_error() {
    let dir = Scratch::new("p2p-off");
    let ports = free_ports(1);
    // Node adds --no-dht when no --dht-bootstrap is given.
    let args = vec!["--listen".to_owned(), format!("udp:127.0.0.1:{}", ports[0])];
    let mut a = Node::serve("A", &args, &dir.0);
    a.expect("started", |_| true);
    let key = "o4dksfbqk85ogzdb5osziw6befigbuxmuxkuxq8434q89uj56uyy";
    a.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:bob@{key}"}}"#
    ));
    a.expect_any_order("error", |v| {
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("the DHT is off"))
    });
    a.expect_any_order("ended", |v| v["call"] == 1 && v["reason"] == "failed");
    assert!(!a.seen.iter().any(|v| v["event"] == "identity"));
    a.quit();
}

#[test]
fn an_identity_file_others_may_read_is_refused_but_the_phone_runs() {
    let (_testnet, bootstrap) = testnet();
    let dir = Scratch::new("p2p-open-key");
    let key = dir.path("id.key");
    assert!(tincan_id(&["--identity-file", &key.display().to_string()]).0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    let ports = free_ports(1);
    let args = vec![
        "--listen".to_owned(),
        format!("udp:127.0.0.1:{}", ports[0]),
        "--identity-file".to_owned(),
        key.display().to_string(),
        "--dht-bootstrap".to_owned(),
        bootstrap,
    ];
    let mut a = Node::serve("A", &args, &dir.0);
    a.expect_any_order("warning", |v| {
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("no P2P identity") && m.contains("chmod 600"))
    });
    a.expect("started", |_| true);
    a.quit();
    assert!(
        !a.seen
            .iter()
            .any(|v| v["event"] == "identity" || v["event"] == "published")
    );
    assert!(!a.stderr().contains(&secret(&key)));
}

/// Runs `tincan id ARGS` (bounded); returns whether it succeeded, its stdout and stderr.
fn tincan_id(args: &[&str]) -> (bool, String, String) {
    let dir = Scratch::new("p2p-id-run");
    let out = dir.path("out");
    let err = dir.path("err");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tincan"))
        .arg("id")
        .args(args)
        .arg("--config")
        .arg(dir.path("no-such-config.toml"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("spawn tincan id");
    let until = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        if Instant::now() > until {
            crate::support::stop_child(&mut child, Duration::from_secs(1));
            panic!("tincan id did not finish within 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    (status.success(), read(&out), read(&err))
}

#[test]
fn tincan_id_shows_replaces_exports_and_imports_the_identity() {
    let dir = Scratch::new("p2p-id");
    let key = dir.path("id.key").display().to_string();
    let id = |extra: &[&str]| {
        let mut args = vec!["--identity-file", key.as_str()];
        args.extend_from_slice(extra);
        tincan_id(&args)
    };
    // First use makes it (0600); the second shows the same.
    let (ok, first, err) = id(&[]);
    assert!(ok, "{err}");
    assert!(err.contains("made a new identity"), "{err}");
    key_of(first.trim());
    #[cfg(unix)]
    assert_eq!(mode(Path::new(&key)), 0o600);
    let (ok, again, _) = id(&["show"]);
    assert!(ok);
    assert_eq!(again, first);

    // Export to a new 0600 file; never over an existing one.
    let backup = dir.path("backup.key").display().to_string();
    let (ok, shown, err) = id(&["export", &backup]);
    assert!(ok, "{err}");
    assert_eq!(shown, first);
    #[cfg(unix)]
    assert_eq!(mode(Path::new(&backup)), 0o600);
    assert_eq!(secret(Path::new(&backup)), secret(Path::new(&key)));
    assert!(!id(&["export", &backup]).0);

    // A new identity only with --yes.
    let (ok, _, err) = id(&["new"]);
    assert!(!ok);
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(id(&[]).1, first);
    let (ok, replaced, _) = id(&["new", "--yes"]);
    assert!(ok);
    assert_ne!(replaced, first);

    // Importing the backup brings the first one back (replacing needs --yes too).
    assert!(!id(&["import", &backup]).0);
    let (ok, imported, err) = id(&["import", &backup, "--yes"]);
    assert!(ok, "{err}");
    assert_eq!(imported, first);
    for text in [&first, &replaced, &err] {
        assert!(!text.contains(&secret(Path::new(&backup))));
    }
}
