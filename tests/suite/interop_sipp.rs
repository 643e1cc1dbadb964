//! Interop with SIPp 3.6 (a third-party SIP implementation, `sip-tester` on Debian): SIPp's
//! built-in `uac` calls `tincan serve --auto-answer`, and Tincan calls SIPp's built-in `uas`.
//! Each scenario passes only if SIPp's own checks pass (exit code 0) and Tincan reports the
//! call's events. Everything runs on 127.0.0.1; every process is bounded in time and killed
//! by its handle.

use std::io::{BufRead, BufReader, Write};
use std::net::UdpSocket;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// A child process that is killed when the test ends, whatever happens.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn sipp() -> Command {
    let path = ["/usr/bin/sipp", "/usr/local/bin/sipp"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("SIPp is not installed: `scripts/setup.sh test` installs sip-tester");
    Command::new(path)
}

/// `tincan serve` with its JSON event lines on a channel.
struct Tincan {
    child: Guard,
    stdin: ChildStdin,
    lines: Receiver<serde_json::Value>,
    seen: Vec<serde_json::Value>,
}

impl Tincan {
    fn start(port: u16, auto_answer: bool) -> Tincan {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tincan"));
        cmd.args(["serve", "--listen", &format!("udp:127.0.0.1:{port}")]);
        if auto_answer {
            cmd.arg("--auto-answer");
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("tincan starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str(&line) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
            }
        });
        let mut t = Tincan {
            child: Guard(child),
            stdin,
            lines,
            seen: Vec::new(),
        };
        t.wait_for("started", Duration::from_secs(10));
        t
    }

    fn send(&mut self, command: &serde_json::Value) {
        writeln!(self.stdin, "{command}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Waits for an event named `name`, keeping everything seen.
    fn wait_for(&mut self, name: &str, limit: Duration) -> serde_json::Value {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(v) = self.seen.iter().find(|v| v["event"] == name) {
                return v.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) => self.seen.push(v),
                Err(_) => panic!("no {name:?} event within {limit:?}; saw {:?}", self.seen),
            }
        }
    }

    fn quit(mut self) {
        self.send(&serde_json::json!({"cmd": "quit"}));
        self.wait_for("stopped", Duration::from_secs(10));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.0.try_wait() {
                assert!(status.success(), "tincan exited with {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("tincan did not exit after quit");
    }
}

/// Runs SIPp to completion (bounded) and returns whether all its calls passed.
fn run_sipp(mut cmd: Command, limit: Duration) -> bool {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut guard = Guard(child);
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = guard.0.try_wait() {
            return status.success();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("SIPp did not finish within {limit:?}");
}

fn sipp_common(cmd: &mut Command, sip_port: u16) {
    cmd.args(["-nostdin", "-m", "1", "-timeout", "20s", "-i", "127.0.0.1"])
        .args(["-p", &sip_port.to_string()])
        .args(["-mp", &free_udp_port().to_string()])
        .args(["-ci", "127.0.0.1", "-cp", &free_udp_port().to_string()]);
}

#[test]
fn sipp_calls_tincan() {
    let port = free_udp_port();
    let mut tincan = Tincan::start(port, true);
    let mut cmd = sipp();
    cmd.args(["-sn", "uac", &format!("127.0.0.1:{port}")]);
    sipp_common(&mut cmd, free_udp_port());
    assert!(
        run_sipp(cmd, Duration::from_secs(30)),
        "SIPp's uac scenario failed"
    );
    tincan.wait_for("incoming", Duration::from_secs(5));
    let answered = tincan.wait_for("answered", Duration::from_secs(5));
    assert_eq!(answered["codec"], "PCMU", "{answered}");
    let ended = tincan.wait_for("ended", Duration::from_secs(5));
    assert_eq!(ended["reason"], "remote", "{ended}");
    tincan.quit();
}

#[test]
fn tincan_calls_sipp() {
    let sipp_port = free_udp_port();
    let mut cmd = sipp();
    cmd.args(["-sn", "uas"]);
    sipp_common(&mut cmd, sipp_port);
    let sipp_thread = std::thread::spawn(move || run_sipp(cmd, Duration::from_secs(30)));
    std::thread::sleep(Duration::from_millis(300));
    let mut tincan = Tincan::start(free_udp_port(), false);
    tincan.send(&serde_json::json!({
        "cmd": "dial", "call": 1, "target": format!("sip:service@127.0.0.1:{sipp_port}")
    }));
    let answered = tincan.wait_for("answered", Duration::from_secs(10));
    assert_eq!(answered["call"], 1, "{answered}");
    tincan.send(&serde_json::json!({"cmd": "hangup", "call": 1}));
    let ended = tincan.wait_for("ended", Duration::from_secs(10));
    assert_eq!(ended["reason"], "local", "{ended}");
    assert!(sipp_thread.join().unwrap(), "SIPp's uas scenario failed");
    tincan.quit();
}
