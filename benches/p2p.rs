//! Serverless calling on a local Mainline testnet: how long publishing our records takes,
//! how long resolving someone's key takes (p50/p95, as the engine's resolver sees it: first
//! valid packet plus up to `NEWER_GRACE` for a newer one), how many UDP datagrams one resolve
//! costs, and the call set-up time (resolve + INVITE to 200 OK) between two engines.
//! Figures only, never pass/fail: `scripts/bench-p2p.sh` runs it, with and without added
//! latency (netem in a network namespace of its own).
//!
//!   p2p --bench [--nodes 100] [--keys 30] [--calls 10] [--ip 127.0.0.1]
//!
//! `--ip` is the address every node and engine binds to (the script routes one through a
//! delay line to add latency).
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it does a small smoke run.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tincan::engine::{self, Command, EngineConfig, Event, Listen, P2pConfig};
use tincan::p2p::dht::Dht;
use tincan::p2p::identity::{self, Identity};
use tincan::p2p::record::{self, Contact, RECORD_TTL};
use tincan::sip::call::{CallEvent, CallId};
use tincan::sip::locate::{Answer, Query};
use tincan::sip::transaction::TransportKind;
use tincan::sip::ua::UaEvent;
use tokio::sync::mpsc;

/// How long any one step may take before the run gives up.
const STEP_LIMIT: Duration = Duration::from_secs(30);
/// How long a resolve's background completion is given before the next one starts.
const SETTLE: Duration = Duration::from_secs(2);

struct Options {
    nodes: usize,
    keys: usize,
    calls: usize,
    ip: Ipv4Addr,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    let mut o = if bench {
        Options {
            nodes: 100,
            keys: 30,
            calls: 10,
            ip: Ipv4Addr::LOCALHOST,
        }
    } else {
        Options {
            nodes: 20,
            keys: 3,
            calls: 1,
            ip: Ipv4Addr::LOCALHOST,
        }
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut number = || -> usize {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{arg} needs a number"))
        };
        match arg.as_str() {
            "--nodes" => o.nodes = number(),
            "--keys" => o.keys = number(),
            "--calls" => o.calls = number(),
            "--ip" => {
                o.ip = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("--ip needs an IPv4 address"));
            }
            _ => {}
        }
    }
    o
}

fn main() {
    let o = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let started = Instant::now();
    let testnet = mainline::Testnet::builder(o.nodes)
        .bind_address(o.ip)
        .build()
        .expect("a testnet");
    println!(
        "testnet: {} nodes on {}, built in {} ms",
        o.nodes,
        o.ip,
        started.elapsed().as_millis()
    );
    let bootstrap = testnet.bootstrap.clone();
    runtime.block_on(async move {
        let published = publish_and_resolve(&bootstrap, o.keys).await;
        assert!(published > 0, "nothing could be published");
        calls(&bootstrap, o.calls, o.ip).await;
    });
    drop(testnet);
}

/// Publishes `keys` records from one client, resolves each from another (each key once,
/// so nothing comes from the cache); prints the figures. Returns how many were published.
async fn publish_and_resolve(bootstrap: &[String], keys: usize) -> usize {
    let publisher = Dht::start(Some(bootstrap)).expect("a DHT client");
    let resolver = Dht::start(Some(bootstrap)).expect("a DHT client");
    let contact = Contact {
        udp: Some(5060),
        tcp: None,
        tls: None,
        addresses: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
    };
    let mut publish_ms = Vec::new();
    let mut published = Vec::new();
    for _ in 0..keys {
        let keypair = identity::generate().expect("a key");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(0));
        let packet = record::build(&keypair, &contact, now, RECORD_TTL).expect("a packet");
        let t = Instant::now();
        match tokio::time::timeout(STEP_LIMIT, publisher.publish(&packet)).await {
            Ok(Ok(_nodes)) => {
                publish_ms.push(ms(t.elapsed()));
                published.push(keypair.public_key());
            }
            other => println!("publish failed: {other:?}"),
        }
    }
    let mut resolve_ms = Vec::new();
    let mut datagrams = Vec::new();
    for key in &published {
        let query = Query::Address { name: key.to_z32() };
        let before = udp_out_datagrams();
        let t = Instant::now();
        let answer = tokio::time::timeout(STEP_LIMIT, resolver.answer(&query, key.clone())).await;
        let took = t.elapsed();
        // The lookup goes on in the background after the answer (for a newer packet): count
        // its datagrams too, then start the next one on a quiet network.
        tokio::time::sleep(SETTLE).await;
        let after = udp_out_datagrams();
        match answer {
            Ok((Answer::Address(_), _)) => {
                resolve_ms.push(ms(took));
                if let (Some(b), Some(a)) = (before, after) {
                    datagrams.push(a.saturating_sub(b) as f64);
                }
            }
            other => println!("resolve failed: {other:?}"),
        }
    }
    // What the idle testnet sends on its own in as long as one count lasts.
    let idle_window = SETTLE + Duration::from_millis(percentile(&resolve_ms, 50.0) as u64);
    let before = udp_out_datagrams();
    tokio::time::sleep(idle_window).await;
    let idle = match (before, udp_out_datagrams()) {
        (Some(b), Some(a)) => Some(a.saturating_sub(b)),
        _ => None,
    };
    println!(
        "publish: {} of {keys} keys, p50 {:.0} ms, p95 {:.0} ms",
        publish_ms.len(),
        percentile(&publish_ms, 50.0),
        percentile(&publish_ms, 95.0)
    );
    println!(
        "resolve (first packet + up to {} ms for a newer one): {} of {}, p50 {:.0} ms, p95 {:.0} ms",
        tincan::p2p::dht::NEWER_GRACE.as_millis(),
        resolve_ms.len(),
        published.len(),
        percentile(&resolve_ms, 50.0),
        percentile(&resolve_ms, 95.0)
    );
    if datagrams.is_empty() {
        println!("DHT queries per resolve: not observable (no /proc/net/snmp)");
    } else {
        println!(
            "UDP datagrams in this network namespace per resolve, its background completion \
             included: p50 {:.0} (requests and responses, so about {:.0} DHT queries; the idle \
             testnet sent {} in {} ms)",
            percentile(&datagrams, 50.0),
            percentile(&datagrams, 50.0) / 2.0,
            idle.map_or_else(|| "?".to_owned(), |i| i.to_string()),
            idle_window.as_millis()
        );
    }
    published.len()
}

/// Call set-up between two engines: B publishes and answers at once; each time a new A (so
/// B's record is not cached) publishes, then dials B's P2P address; the time from the dial
/// to the 200 OK.
async fn calls(bootstrap: &[String], calls: usize, ip: Ipv4Addr) {
    let (b_commands, b_events, b_address) = start_engine(bootstrap, true, 16500, ip).await;
    let mut setup_ms = Vec::new();
    for i in 0..calls {
        let rtp = 16600 + u16::try_from(i % 50).unwrap_or(0) * 2;
        let (a_commands, mut a_events, _) = start_engine(bootstrap, false, rtp, ip).await;
        let call = CallId(1);
        let t = Instant::now();
        let _ = a_commands
            .send(Command::Dial {
                call,
                target: b_address.clone(),
                account: None,
            })
            .await;
        let answered = wait_for(&mut a_events, |e| {
            matches!(e, Event::Ua(UaEvent::Call { call: c, event: CallEvent::Answered { .. } }) if *c == call)
                .then_some(())
        })
        .await;
        match answered {
            Some(()) => setup_ms.push(ms(t.elapsed())),
            None => println!("call {i} was not answered"),
        }
        let _ = a_commands.send(Command::Quit).await;
        wait_for(&mut a_events, |e| matches!(e, Event::Stopped).then_some(())).await;
    }
    let _ = b_commands.send(Command::Quit).await;
    let mut b_events = b_events;
    wait_for(&mut b_events, |e| matches!(e, Event::Stopped).then_some(())).await;
    println!(
        "call set-up (resolve + INVITE to 200 OK): {} of {calls}, p50 {:.0} ms, p95 {:.0} ms",
        setup_ms.len(),
        percentile(&setup_ms, 50.0),
        percentile(&setup_ms, 95.0)
    );
}

/// Starts an engine with a fresh identity on the testnet and waits until it has published;
/// returns its command sender, its events and its P2P address.
async fn start_engine(
    bootstrap: &[String],
    auto_answer: bool,
    rtp: u16,
    ip: Ipv4Addr,
) -> (mpsc::Sender<Command>, mpsc::Receiver<Event>, String) {
    let listen = Listen {
        transport: TransportKind::Udp,
        addr: SocketAddr::from((ip, 0)),
    };
    let mut config = EngineConfig::new(vec![listen]);
    config.auto_answer = auto_answer;
    config.rtp_ports = (rtp, rtp + 1);
    config.keepalive = None;
    config.stop_grace = Duration::from_millis(500);
    let identity = Identity::new(identity::generate().expect("a key"), "bench");
    config.p2p = Some(P2pConfig {
        identity: Some(identity.clone()),
        bootstrap: Some(bootstrap.to_vec()),
        mdns: None,
        ..P2pConfig::default()
    });
    let (command_tx, command_rx) = mpsc::channel(16);
    let (event_tx, mut event_rx) = mpsc::channel(64);
    // The engine is not Send (codec state): a thread and a runtime of its own, as in the CLI.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        if let Err(e) = runtime.block_on(engine::run(config, command_rx, event_tx)) {
            println!("engine failed: {e}");
        }
    });
    wait_for(&mut event_rx, |e| {
        matches!(e, Event::Published { .. }).then_some(())
    })
    .await
    .expect("the engine published its records");
    (command_tx, event_rx, identity.address())
}

/// The first event `pick` takes, within [`STEP_LIMIT`].
async fn wait_for<T>(
    events: &mut mpsc::Receiver<Event>,
    pick: impl Fn(&Event) -> Option<T>,
) -> Option<T> {
    let deadline = tokio::time::Instant::now() + STEP_LIMIT;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(event)) => {
                if let Some(found) = pick(&event) {
                    return Some(found);
                }
            }
            _ => return None,
        }
    }
}

/// `Udp: OutDatagrams` of this network namespace (Linux).
fn udp_out_datagrams() -> Option<u64> {
    let snmp = std::fs::read_to_string("/proc/net/snmp").ok()?;
    let mut lines = snmp.lines().filter(|l| l.starts_with("Udp:"));
    let names = lines.next()?;
    let values = lines.next()?;
    let at = names.split_whitespace().position(|n| n == "OutDatagrams")?;
    values.split_whitespace().nth(at)?.parse().ok()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `p`th percentile (nearest rank); 0 for none.
fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
