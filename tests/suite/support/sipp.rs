//! SIPp 3.6 (PEERS.md): its built-in scenarios or the project's own in `tests/peers/sipp/`.
//! Every run gets its own SIP, media and control ports on 127.0.0.1 (so runs go in parallel
//! and twice in a row), a bound on its calls (`-m`) and on its time (`-timeout`, which fails
//! the run when reached, and a wall-clock limit here), and is stopped by its PID. Its error
//! and message traces go to the test's scratch directory and are printed when it fails.

use super::{free_port, stop_child};
use std::fmt::Write as _;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The project's own scenarios, relative to the crate root.
const SCENARIOS: &str = "tests/peers/sipp";

/// How many calls a run places or takes before SIPp exits (`-m`).
const CALLS: u32 = 1;

/// SIPp's own time limit (`-timeout`, with `-timeout_error` so that reaching it fails).
const SIPP_TIMEOUT: &str = "20s";

/// How long a run may take on the wall clock before it is stopped and the test fails.
pub const LIMIT: Duration = Duration::from_secs(30);

/// The SIPp binary.
pub fn binary() -> &'static str {
    ["/usr/bin/sipp", "/usr/local/bin/sipp"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("SIPp is not installed: `scripts/setup.sh test` installs sip-tester")
}

/// A port `p` with `p` and `p + 2` free for UDP: SIPp binds its RTP echo sockets on both
/// (audio and video).
fn free_media_port() -> u16 {
    loop {
        let p = free_port();
        if p < u16::MAX - 2 && UdpSocket::bind(("127.0.0.1", p + 2)).is_ok() {
            return p;
        }
    }
}

/// One SIPp run to be started.
pub struct Sipp {
    /// A short name for messages and trace files.
    pub name: &'static str,
    /// The SIP port SIPp listens on and sends from.
    pub port: u16,
    /// The media port (`-mp`), which is what its SDP announces (`[media_port]`).
    pub media_port: u16,
    scenario: Vec<String>,
    extra: Vec<String>,
    target: Option<String>,
    dir: PathBuf,
}

impl Sipp {
    /// SIPp's built-in scenario `builtin` (`uac`, `uas`, ...), writing its traces into `dir`.
    pub fn builtin(name: &'static str, builtin: &str, dir: &Path) -> Sipp {
        Sipp::new(name, vec!["-sn".into(), builtin.into()], dir)
    }

    /// The scenario file `tests/peers/sipp/<file>`.
    pub fn scenario(name: &'static str, file: &str, dir: &Path) -> Sipp {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(SCENARIOS)
            .join(file);
        assert!(path.exists(), "no scenario {}", path.display());
        Sipp::new(name, vec!["-sf".into(), path.display().to_string()], dir)
    }

    fn new(name: &'static str, scenario: Vec<String>, dir: &Path) -> Sipp {
        let port = free_port();
        let media_port = loop {
            let p = free_media_port();
            if p != port && p + 2 != port {
                break p;
            }
        };
        Sipp {
            name,
            port,
            media_port,
            scenario,
            extra: Vec::new(),
            target: None,
            dir: dir.to_path_buf(),
        }
    }

    /// The remote `ip:port` a UAC scenario calls.
    pub fn target(mut self, addr: impl Into<String>) -> Sipp {
        self.target = Some(addr.into());
        self
    }

    /// More arguments, e.g. `["-t", "t1"]` or `["-key", "name", "value"]`.
    pub fn args(mut self, args: &[&str]) -> Sipp {
        self.extra.extend(args.iter().map(|a| (*a).to_owned()));
        self
    }

    fn trace(&self, what: &str) -> PathBuf {
        self.dir.join(format!("sipp-{}-{what}.log", self.name))
    }

    /// Starts SIPp in the background; [`Running::finish`] waits for it.
    pub fn spawn(self) -> Running {
        let taken = [self.port, self.media_port, self.media_port + 2];
        let control = loop {
            let p = free_port();
            if !taken.contains(&p) {
                break p;
            }
        };
        let mut cmd = Command::new(binary());
        cmd.args(&self.scenario);
        if let Some(target) = &self.target {
            cmd.arg(target);
        }
        cmd.args(["-nostdin", "-timeout", SIPP_TIMEOUT, "-timeout_error"])
            .args(["-m", &CALLS.to_string()])
            .args(["-i", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-mp", &self.media_port.to_string()])
            .args(["-ci", "127.0.0.1", "-cp", &control.to_string()])
            .args(["-trace_err", "-error_file"])
            .arg(self.trace("errors"))
            .args(["-trace_msg", "-message_file"])
            .arg(self.trace("messages"))
            .args(&self.extra);
        let stdout = std::fs::File::create(self.trace("screen")).expect("create SIPp screen log");
        let stderr = stdout.try_clone().expect("clone SIPp screen log");
        let child = cmd
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(stdout))
            .stderr(Stdio::from(stderr))
            .spawn()
            .expect("start SIPp");
        Running {
            sipp: self,
            child,
            started: Instant::now(),
        }
    }

    /// Runs SIPp to the end (bounded by [`LIMIT`]).
    pub fn run(self) -> Outcome {
        self.spawn().finish()
    }
}

/// A SIPp that is running; stopped by its PID if dropped before it ends.
pub struct Running {
    sipp: Sipp,
    child: Child,
    started: Instant,
}

impl Running {
    /// The SIP port it listens on.
    pub fn port(&self) -> u16 {
        self.sipp.port
    }

    /// The media port its SDP announces.
    pub fn media_port(&self) -> u16 {
        self.sipp.media_port
    }

    /// Waits (bounded) until SIPp has bound its SIP port over UDP, i.e. it is listening.
    pub fn wait_listening(&mut self) {
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if UdpSocket::bind(("127.0.0.1", self.sipp.port)).is_err() {
                return;
            }
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        stop_child(&mut self.child, Duration::from_secs(2));
        panic!("{}", self.outcome(None).report("never listened"));
    }

    /// Waits until SIPp exits, at most [`LIMIT`] after it started; past that it is stopped
    /// and the test fails with its traces.
    pub fn finish(mut self) -> Outcome {
        let until = self.started + LIMIT;
        while Instant::now() < until {
            match self.child.try_wait() {
                Ok(Some(status)) => return self.outcome(Some(status)),
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => panic!("SIPp {}: wait failed: {e}", self.sipp.name),
            }
        }
        stop_child(&mut self.child, Duration::from_secs(2));
        panic!(
            "{}",
            self.outcome(None).report("did not finish within the limit")
        );
    }

    fn outcome(&self, status: Option<ExitStatus>) -> Outcome {
        let read = |what| std::fs::read_to_string(self.sipp.trace(what)).unwrap_or_default();
        Outcome {
            name: self.sipp.name,
            status,
            errors: read("errors"),
            messages: read("messages"),
            screen: read("screen"),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        stop_child(&mut self.child, Duration::from_secs(2));
    }
}

/// How a SIPp run ended, with its traces.
pub struct Outcome {
    name: &'static str,
    /// The exit status (`None` when it had to be stopped).
    pub status: Option<ExitStatus>,
    /// Unexpected messages (`-trace_err`).
    pub errors: String,
    /// Every message sent and received (`-trace_msg`).
    pub messages: String,
    /// Its screen output and stderr.
    pub screen: String,
}

impl Outcome {
    /// Whether SIPp exited with 0: every call passed its scenario.
    pub fn passed(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// Panics with the traces unless every call passed.
    pub fn assert_passed(&self) {
        assert!(self.passed(), "{}", self.report("failed"));
    }

    /// The messages SIPp received whose first line starts with `start_line` and that have
    /// the header line `header` (e.g. `"SIP/2.0 200"` and `"CSeq: 1 INVITE"`; `""` for any),
    /// in order.
    pub fn received(&self, start_line: &str, header: &str) -> Vec<&str> {
        self.traced("message received", start_line, header)
    }

    /// Like [`Outcome::received`], for the messages SIPp sent.
    pub fn sent(&self, start_line: &str, header: &str) -> Vec<&str> {
        self.traced("message sent", start_line, header)
    }

    /// The messages of the `-trace_msg` log whose entry heading contains `heading`.
    fn traced(&self, heading: &str, start_line: &str, header: &str) -> Vec<&str> {
        self.messages
            .split("-----------------------------------------------")
            .filter_map(|entry| {
                let (head, sip) = entry.split_once(":\n\n")?;
                let first = sip.lines().next()?;
                let has = header.is_empty() || sip.lines().any(|l| l.trim_end() == header);
                (head.contains(heading) && first.starts_with(start_line) && has).then_some(sip)
            })
            .collect()
    }

    /// A failure message with the exit status and the traces.
    pub fn report(&self, what: &str) -> String {
        let mut text = format!("SIPp {} {what} (status {:?})", self.name, self.status);
        for (title, body) in [
            ("errors", &self.errors),
            ("screen", &self.screen),
            ("messages", &self.messages),
        ] {
            let _ = write!(text, "\n--- {title} ---\n{}", tail(body, 150));
        }
        text
    }
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
