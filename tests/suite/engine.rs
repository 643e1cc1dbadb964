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
    // B logs full SIP traces (a setting, at trace level); A logs at info with the setting on.
    let traced = dir.path("traced.toml");
    std::fs::write(&traced, "[general]\nsip_trace = true\n").expect("config");
    let traced = traced.display().to_string();
    let b_args = ["--auto-answer", "--config", &traced, "--log-level", "trace"];
    let mut b = spawn("B", port_b, &b_args, &dir);
    let mut a = spawn("A", port_a, &["--config", &traced], &dir);
    let b_listen = format!("127.0.0.1:{port_b}");
    b.expect("started", |v| v["listen"] == b_listen.as_str());
    a.expect("started", |_| true);

    a.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:bob@127.0.0.1:{port_b}"}}"#
    ));
    let answered = a.expect("answered", |v| v["call"] == 1);
    // Tincan offers Opus first.
    assert_eq!(answered["codec"], "opus", "{answered}");
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
    let log_of = |name: &str| {
        let dir = dir.path(&format!("{name}-logs"));
        std::fs::read_dir(&dir)
            .expect("a log directory")
            .flatten()
            .map(|f| std::fs::read_to_string(f.path()).unwrap_or_default())
            .collect::<String>()
    };
    let b_log = log_of("B");
    assert!(b_log.contains("tincan::sip_trace"), "{b_log}");
    assert!(b_log.contains(&format!("INVITE sip:bob@127.0.0.1:{port_b} SIP/2.0")));
    assert!(b_log.contains("SIP/2.0 200 OK"));
    let a_log = log_of("A");
    assert!(
        !a_log.contains("INVITE sip:"),
        "traces at info level: {a_log}"
    );
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

/// A registrar of our own on a UDP socket: answers every REGISTER with 200 OK and counts the
/// keep-alive datagrams (bare CRLFs) that arrive afterwards.
fn fake_registrar(socket: &std::net::UdpSocket, for_how_long: std::time::Duration) -> usize {
    let until = std::time::Instant::now() + for_how_long;
    let mut keepalives = 0;
    let mut buf = [0u8; 4096];
    socket
        .set_read_timeout(Some(std::time::Duration::from_millis(100)))
        .expect("timeout");
    while std::time::Instant::now() < until {
        let Ok((len, from)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let text = String::from_utf8_lossy(&buf[..len]).to_string();
        if text.trim_matches(['\r', '\n']).is_empty() {
            keepalives += 1;
            continue;
        }
        if !text.starts_with("REGISTER ") {
            continue;
        }
        let mut reply = String::from("SIP/2.0 200 OK\r\n");
        for line in text.split("\r\n") {
            let lower = line.to_ascii_lowercase();
            if ["via:", "from:", "call-id:", "cseq:", "contact:"]
                .iter()
                .any(|h| lower.starts_with(h))
            {
                reply.push_str(line);
                reply.push_str("\r\n");
            } else if lower.starts_with("to:") {
                reply.push_str(line);
                reply.push_str(";tag=fake\r\n");
            }
        }
        reply.push_str("Content-Length: 0\r\n\r\n");
        socket.send_to(reply.as_bytes(), from).expect("reply");
    }
    keepalives
}

#[test]
fn keepalives_go_to_the_registrar_while_registered() {
    let dir = Scratch::new("engine-keepalive");
    let registrar = std::net::UdpSocket::bind("127.0.0.1:0").expect("registrar socket");
    let port = registrar.local_addr().expect("addr").port();
    let config = dir.path("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nname = \"solo\"\naor = \"sip:solo@127.0.0.1\"\n\
             registrar = \"sip:127.0.0.1:{port}\"\nexpires = 600\n"
        ),
    )
    .expect("config");
    let mut a = spawn(
        "A",
        free_ports(1)[0],
        &[
            "--config",
            &config.display().to_string(),
            "--keepalive",
            "1",
        ],
        &dir,
    );
    let keepalives = fake_registrar(&registrar, std::time::Duration::from_millis(3500));
    a.expect_any_order("registration", |v| v["state"] == "registered");
    assert!(
        (2..=4).contains(&keepalives),
        "{keepalives} keep-alives in 3.5 s at 1 s"
    );
    a.send(r#"{"cmd":"quit"}"#);
    // The unregister gets no answer now; the quit is still bounded.
    a.expect_within(std::time::Duration::from_secs(8), "stopped", |_| true);
}

#[test]
fn two_engines_call_over_ipv6_and_quit_hangs_up_live_calls() {
    let dir = Scratch::new("engine-v6");
    let ports = free_ports(2);
    let listen = |p: u16| format!("udp:[::1]:{p}");
    let mut b = Node::serve(
        "B",
        &["--listen".into(), listen(ports[1]), "--auto-answer".into()],
        &dir.0,
    );
    let mut a = Node::serve("A", &["--listen".into(), listen(ports[0])], &dir.0);
    b.expect("started", |v| {
        v["listen"] == format!("[::1]:{}", ports[1]).as_str()
    });
    a.expect("started", |_| true);
    a.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:bob@[::1]:{}"}}"#,
        ports[1]
    ));
    let answered = a.expect("answered", |v| v["call"] == 1);
    let rtp = answered["remote_rtp"].as_str().unwrap_or_default();
    assert!(rtp.starts_with("[::1]:"), "{answered}");
    b.expect("answered", |_| true);
    // Quitting with the call up sends BYE before stopping.
    a.send(r#"{"cmd":"quit"}"#);
    a.expect("ended", |v| v["call"] == 1 && v["reason"] == "local");
    a.expect("stopped", |_| true);
    b.expect("ended", |v| v["reason"] == "remote");
    b.quit();
}
