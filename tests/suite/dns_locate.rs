//! RFC 3263 server location through a real resolver (hickory) asking a DNS server the test
//! runs on 127.0.0.1: NAPTR → SRV → A, and failover to the next SRV target when the first
//! refuses the connection (§4.3). Also a name that does not exist.

use crate::support::dns::{DnsServer, Entry};
use crate::support::{Node, Scratch, free_ports};
use std::net::Ipv4Addr;

const LOCAL: Ipv4Addr = Ipv4Addr::LOCALHOST;

fn serve(name: &'static str, port: u16, extra: &[String], dir: &Scratch) -> Node {
    let mut args = vec![
        "--listen".to_owned(),
        format!("udp:127.0.0.1:{port}"),
        "--listen".to_owned(),
        format!("tcp:127.0.0.1:{port}"),
    ];
    args.extend(extra.iter().cloned());
    let mut node = Node::serve(name, &args, &dir.0);
    node.expect("started", |_| true);
    node
}

#[test]
fn naptr_srv_and_a_locate_the_callee_after_a_dead_first_target() {
    let dir = Scratch::new("dns-locate");
    let ports = free_ports(3);
    let (dead, callee_port, caller_port) = (ports[0], ports[1], ports[2]);
    let dns = DnsServer::start(vec![
        Entry::Naptr("example.test", 10, "SIP+D2T", "_sip._tcp.example.test"),
        Entry::Srv("_sip._tcp.example.test", 10, 0, dead, "a.example.test"),
        Entry::Srv(
            "_sip._tcp.example.test",
            20,
            0,
            callee_port,
            "b.example.test",
        ),
        Entry::A("a.example.test", LOCAL),
        Entry::A("b.example.test", LOCAL),
    ]);
    let mut callee = serve("callee", callee_port, &["--auto-answer".into()], &dir);
    let mut caller = serve(
        "caller",
        caller_port,
        &["--dns-server".into(), dns.addr.to_string()],
        &dir,
    );
    caller.send(r#"{"cmd":"dial","call":1,"target":"sip:bob@example.test"}"#);
    caller.expect("answered", |v| v["call"] == 1);
    let refused = format!("cannot reach TCP 127.0.0.1:{dead}");
    caller.expect_any_order("error", |v| {
        v["message"]
            .as_str()
            .is_some_and(|m| m.starts_with(&refused))
    });
    let incoming = callee.expect("incoming", |_| true);
    assert_eq!(incoming["to"], "sip:bob@example.test", "{incoming}");
    let asked = dns.asked();
    for q in [
        "NAPTR example.test",
        "SRV _sip._tcp.example.test",
        "A a.example.test",
        "A b.example.test",
    ] {
        assert!(asked.iter().any(|a| a == q), "{q} not asked: {asked:?}");
    }
    caller.send(r#"{"cmd":"hangup","call":1}"#);
    caller.expect("ended", |v| v["call"] == 1 && v["reason"] == "local");
    callee.expect("ended", |v| v["reason"] == "remote");
    caller.quit();
}

#[test]
fn a_domain_that_does_not_exist_ends_the_call_as_failed() {
    let dir = Scratch::new("dns-nx");
    let dns = DnsServer::start(Vec::new());
    let mut caller = serve(
        "caller",
        free_ports(1)[0],
        &["--dns-server".into(), dns.addr.to_string()],
        &dir,
    );
    caller.send(r#"{"cmd":"dial","call":7,"target":"sip:bob@nowhere.test"}"#);
    let ended = caller.expect("ended", |v| v["call"] == 7);
    assert_eq!(ended["reason"], "failed", "{ended}");
    assert!(!dns.asked().is_empty());
    caller.quit();
}
