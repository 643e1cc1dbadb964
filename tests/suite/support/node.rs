//! One `tincan serve` child: JSON commands in through stdin, JSON events out through a reader
//! thread, stderr kept in a file and shown when an expectation fails.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// The longest any single expectation waits by default.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A running `tincan serve`.
pub struct Node {
    pub name: &'static str,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    /// Every event seen so far, for failure messages and later checks.
    pub seen: Vec<Value>,
    stderr: PathBuf,
}

impl Node {
    /// A P2P phone on 127.0.0.1:`port` with its own identity file (`<dir>/<name>.key`) and
    /// `args` (how it is found: a DHT bootstrap, an mDNS port); returns it once started, with
    /// its P2P address.
    pub fn serve_p2p(
        name: &'static str,
        port: u16,
        dir: &crate::support::Scratch,
        args: &[String],
    ) -> (Node, String) {
        let mut all = vec![
            "--listen".to_owned(),
            format!("udp:127.0.0.1:{port}"),
            "--identity-file".to_owned(),
            dir.path(&format!("{name}.key")).display().to_string(),
        ];
        all.extend(args.iter().cloned());
        let mut node = Node::serve(name, &all, &dir.0);
        node.expect("started", |_| true);
        let address = node.expect("identity", |_| true)["address"]
            .as_str()
            .expect("address")
            .to_owned();
        (node, address)
    }

    /// Starts `tincan serve ARGS...` with `dir` for its log files and stderr
    /// (`<dir>/<name>.stderr`); without `--config` in `args` it reads no settings file (a
    /// path in `dir` that does not exist), so the user's own settings never leak in; without
    /// `--dht-bootstrap` it runs with `--no-dht`, without `--mdns-port` with `--no-mdns`;
    /// without `PULSE_SERVER` in `env` (a sound server of the test's own) with
    /// `--no-sound-card`, so the machine's sound never matters.
    pub fn serve(name: &'static str, args: &[String], dir: &std::path::Path) -> Node {
        Node::serve_env(name, args, dir, &[])
    }

    /// [`Node::serve`] with extra environment variables.
    pub fn serve_env(
        name: &'static str,
        args: &[String],
        dir: &std::path::Path,
        env: &[(String, String)],
    ) -> Node {
        let stderr = dir.join(format!("{name}.stderr"));
        let err_file = std::fs::File::create(&stderr).expect("create stderr file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_tincan"));
        command
            .arg("serve")
            .arg("--log-dir")
            .arg(dir.join(format!("{name}-logs")));
        if !args.iter().any(|a| a == "--config") {
            command.arg("--config").arg(dir.join("no-such-config.toml"));
        }
        // Tests never reach the public DHT (nor the user's keyring for an identity): the P2P
        // tests name their own testnet.
        if !args.iter().any(|a| a == "--dht-bootstrap") {
            command.arg("--no-dht");
        }
        if !env.iter().any(|(k, _)| k == "PULSE_SERVER") {
            command.arg("--no-sound-card");
        }
        // Nor the local network's mDNS port: the LAN tests name a port of their own.
        if !args.iter().any(|a| a == "--mdns-port") {
            command.arg("--no-mdns");
        }
        let mut child = command
            .envs(env.iter().map(|(k, v)| (k, v)))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(err_file))
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
            stderr,
        }
    }

    /// The child's process id (to read its CPU time from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one command line.
    pub fn send(&mut self, command: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{command}").expect("write command");
        stdin.flush().expect("flush command");
    }

    /// Closes stdin (end of input means quit).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits for the first event named `event` that `accept`s, skipping others.
    pub fn expect(&mut self, event: &str, accept: impl Fn(&Value) -> bool) -> Value {
        self.expect_within(DEADLINE, event, accept)
    }

    /// [`Node::expect`] with another deadline.
    pub fn expect_within(
        &mut self,
        deadline: Duration,
        event: &str,
        accept: impl Fn(&Value) -> bool,
    ) -> Value {
        match self.wait_for(deadline, event, accept) {
            Ok(v) => v,
            Err(why) => panic!(
                "{}: {why} {event:?}; saw {:#?}\nstderr:\n{}",
                self.name,
                self.seen,
                self.stderr_tail()
            ),
        }
    }

    /// Asks the engine to quit and waits for its last event (`stopped`).
    pub fn quit(&mut self) {
        self.send(r#"{"cmd":"quit"}"#);
        self.expect("stopped", |_| true);
    }

    /// Like [`Node::expect`], but an event already seen (and skipped by an earlier
    /// expectation) counts too: for events whose order does not matter.
    pub fn expect_any_order(&mut self, event: &str, accept: impl Fn(&Value) -> bool) -> Value {
        if let Some(v) = self.seen.iter().find(|v| v["event"] == event && accept(v)) {
            return v.clone();
        }
        self.expect(event, accept)
    }

    /// Collects events for `period` (for checking that something does NOT happen).
    pub fn collect_for(&mut self, period: Duration) -> Vec<Value> {
        let until = Instant::now() + period;
        let mut got = Vec::new();
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let value = self.parse(&line);
                    got.push(value);
                }
                Err(_) => return got,
            }
        }
    }

    fn wait_for(
        &mut self,
        deadline: Duration,
        event: &str,
        accept: impl Fn(&Value) -> bool,
    ) -> Result<Value, &'static str> {
        let until = Instant::now() + deadline;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let value = self.parse(&line);
                    if value["event"] == event && accept(&value) {
                        return Ok(value);
                    }
                }
                Err(RecvTimeoutError::Timeout) => return Err("timed out waiting for"),
                Err(RecvTimeoutError::Disconnected) => return Err("exited before"),
            }
        }
    }

    fn parse(&mut self, line: &str) -> Value {
        let value: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {line}", self.name));
        self.seen.push(value.clone());
        value
    }

    /// The last lines the child wrote to stderr.
    pub fn stderr_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Everything the child wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Waits (bounded) for the process to exit and returns whether it succeeded.
    pub fn wait_success(&mut self) -> bool {
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
    /// Stops a child still running (a failed test) by its PID.
    fn drop(&mut self) {
        super::stop_child(&mut self.child, Duration::from_secs(2));
    }
}
