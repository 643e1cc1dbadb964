//! Two `tincan serve` processes call each other over UDP on 127.0.0.1: dial, auto-answer,
//! hang up, quit. Every wait is bounded; a failing test kills its children.

use crate::support::{Node, Scratch, free_ports};

fn spawn(name: &'static str, port: u16, extra: &[&str], dir: &Scratch) -> Node {
    let mut args = vec!["--listen".to_owned(), format!("udp:127.0.0.1:{port}")];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    Node::serve(name, &args, &dir.0)
}

#[test]
fn two_engines_call_answer_and_hang_up() {
    let dir = Scratch::new("engine-two");
    let ports = free_ports(2);
    let (port_a, port_b) = (ports[0], ports[1]);
    let mut b = spawn("B", port_b, &["--auto-answer"], &dir);
    let mut a = spawn("A", port_a, &[], &dir);
    let b_listen = format!("127.0.0.1:{port_b}");
    b.expect("started", |v| v["listen"] == b_listen.as_str());
    a.expect("started", |_| true);

    a.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:bob@127.0.0.1:{port_b}"}}"#
    ));
    let answered = a.expect("answered", |v| v["call"] == 1);
    assert_eq!(answered["codec"], "PCMU", "{answered}");
    let incoming = b.expect("incoming", |_| true);
    let b_call = incoming["call"].as_u64().expect("call id");
    assert!(
        b_call >= 1 << 63,
        "incoming ids have the top bit: {incoming}"
    );
    let a_uri = format!("sip:tincan@127.0.0.1:{port_a}");
    assert_eq!(incoming["from"], a_uri.as_str(), "{incoming}");
    b.expect("answered", |v| v["call"] == b_call);

    a.send(r#"{"cmd":"hangup","call":1}"#);
    let ended = a.expect("ended", |v| v["call"] == 1);
    assert_eq!(ended["reason"], "local", "{ended}");
    let ended = b.expect("ended", |v| v["call"] == b_call);
    assert_eq!(ended["reason"], "remote", "{ended}");

    a.send(r#"{"cmd":"quit"}"#);
    b.send(r#"{"cmd":"quit"}"#);
    a.expect("stopped", |_| true);
    b.expect("stopped", |_| true);
    assert!(a.wait_success(), "A exit status");
    assert!(b.wait_success(), "B exit status");
}

#[test]
fn bad_lines_are_errors_and_end_of_input_quits() {
    let dir = Scratch::new("engine-bad");
    let mut a = spawn("A", free_ports(1)[0], &[], &dir);
    a.expect("started", |_| true);
    a.send("this is not json");
    a.expect("error", |v| v.get("call").is_none());
    a.send(r#"{"cmd":"dial","call":5,"target":"not a uri"}"#);
    a.expect("error", |v| v["call"] == 5);
    a.send(r#"{"cmd":"hangup","call":42}"#);
    a.expect("error", |v| v["call"] == 42);
    a.close_stdin();
    a.expect("stopped", |_| true);
    assert!(a.wait_success(), "A exit status");
}
