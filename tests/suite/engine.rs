//! Two `tincan serve` processes call each other over UDP on 127.0.0.1: dial, auto-answer,
//! hang up, quit. Every wait is bounded; a failing test kills its children.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::UdpSocket;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// The longest any single expectation may wait.
const DEADLINE: Duration = Duration::from_secs(10);

/// One `tincan serve` child: JSON lines in through stdin, JSON lines out through a thread.
struct Node {
    name: &'static str,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    /// Every event seen so far, for failure messages.
    seen: Vec<Value>,
}

impl Node {
    fn spawn(name: &'static str, port: u16, extra: &[&str]) -> Node {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tincan"))
            .arg("serve")
            .arg("--listen")
            .arg(format!("udp:127.0.0.1:{port}"))
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn tincan serve");
        let stdout = child.stdout.take().expect("stdout piped");
        let stdin = child.stdin.take();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Node {
            name,
            child,
            stdin,
            lines,
            seen: Vec::new(),
        }
    }

    fn send(&mut self, command: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{command}").expect("write command");
        stdin.flush().expect("flush command");
    }

    /// Waits for the first event named `event` that `accept`s, skipping others.
    fn expect(&mut self, event: &str, accept: impl Fn(&Value) -> bool) -> Value {
        let until = Instant::now() + DEADLINE;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let value: Value = serde_json::from_str(&line)
                        .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {line}", self.name));
                    self.seen.push(value.clone());
                    if value["event"] == event && accept(&value) {
                        return value;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "{}: no {event:?} within {DEADLINE:?}; saw {:?}",
                        self.name, self.seen
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!(
                        "{}: exited before {event:?}; saw {:?}",
                        self.name, self.seen
                    )
                }
            }
        }
    }

    /// Waits (bounded) for the process to exit and returns whether it succeeded.
    fn wait_success(&mut self) -> bool {
        self.stdin = None; // EOF too, in case the quit line was missed
        let until = Instant::now() + DEADLINE;
        while Instant::now() < until {
            match self.child.try_wait() {
                Ok(Some(status)) => return status.success(),
                Ok(None) => thread::sleep(Duration::from_millis(20)),
                Err(e) => panic!("{}: wait failed: {e}", self.name),
            }
        }
        panic!("{}: did not exit within {DEADLINE:?}", self.name)
    }
}

impl Drop for Node {
    /// Kills a child still running (a failed test), by its own handle.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A UDP port that was free a moment ago on 127.0.0.1.
fn free_port() -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a free port");
    socket.local_addr().expect("local addr").port()
}

fn two_ports() -> (u16, u16) {
    let a = free_port();
    loop {
        let b = free_port();
        if b != a {
            return (a, b);
        }
    }
}

#[test]
fn two_engines_call_answer_and_hang_up() {
    let (port_a, port_b) = two_ports();
    let mut b = Node::spawn("B", port_b, &["--auto-answer"]);
    let mut a = Node::spawn("A", port_a, &[]);
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
    let mut a = Node::spawn("A", free_port(), &[]);
    a.expect("started", |_| true);
    a.send("this is not json");
    a.expect("error", |v| v.get("call").is_none());
    a.send(r#"{"cmd":"dial","call":5,"target":"not a uri"}"#);
    a.expect("error", |v| v["call"] == 5);
    a.send(r#"{"cmd":"hangup","call":42}"#);
    a.expect("error", |v| v["call"] == 42);
    a.stdin = None;
    a.expect("stopped", |_| true);
    assert!(a.wait_success(), "A exit status");
}
