//! baresip 1.0.0 as a peer registered at the test's Kamailio as bob (PEERS.md), from the
//! project's own configuration in `tests/peers/baresip/config`. Each instance gets its own
//! scratch directory and ports, is driven through the `cons` module (one command per UDP
//! datagram, the reply comes back to the sender), logs to `<scratch>/baresip.log`, quits by
//! itself after `-t` seconds and is stopped by its PID when dropped. A test that panics
//! prints the log.

use super::kamailio::Kamailio;
use super::{Scratch, free_port, stop_child, write_private};
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The configuration template, relative to the crate root.
const TEMPLATE: &str = "tests/peers/baresip/config";

/// How long a baresip may live at most (`-t`); every test here is much shorter.
const LIFETIME_SECS: u32 = 60;

/// The longest a log line or a registration is waited for.
const WAIT: Duration = Duration::from_secs(10);

/// What baresip does with an incoming call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerMode {
    /// Answers at once with 200.
    Auto,
    /// Rings until `/accept` (or `/hangup`, which rejects with 486).
    Manual,
}

/// Options for one baresip.
#[derive(Clone, Copy, Debug)]
pub struct Options<'a> {
    pub answer: AnswerMode,
    /// `udp` or `tcp`: how it registers and sends its requests to Kamailio.
    pub transport: &'a str,
    /// The accounts line's `audio_codecs`, e.g. `opus/48000/2,pcmu`.
    pub codecs: &'a str,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            answer: AnswerMode::Auto,
            transport: "udp",
            codecs: "opus/48000/2,pcmu,pcma",
        }
    }
}

/// A running baresip with the account bob/bobpw at a Kamailio.
pub struct Baresip {
    child: Child,
    /// Where it listens for SIP (UDP and TCP).
    pub sip_port: u16,
    /// The transport it registered with.
    transport: String,
    cons_port: u16,
    /// The socket commands are sent from, so the replies come back to it.
    cons: UdpSocket,
    log: PathBuf,
    snd: PathBuf,
    _scratch: Scratch,
}

impl Baresip {
    /// Writes the config dir and starts baresip registering as bob at `kamailio`. It does
    /// not wait for the registration: see [`Baresip::wait_registered`].
    pub fn start(kamailio: &Kamailio, options: &Options) -> Baresip {
        let answermode = match options.answer {
            AnswerMode::Auto => "auto",
            AnswerMode::Manual => "manual",
        };
        // The password is in this line: owner-only, like a password file.
        let account = format!(
            "<sip:bob@127.0.0.1:{};transport={}>;auth_user=bob;auth_pass=bobpw;regint=60;\
             answermode={answermode};audio_codecs={}\n",
            kamailio.port, options.transport, options.codecs
        );
        Baresip::launch(&account, options.transport)
    }

    /// Starts baresip with its own accounts line (no registrar), e.g. for direct calls with
    /// `;mediaenc=srtp-mand`.
    pub fn start_direct(account: &str) -> Baresip {
        Baresip::launch(&format!("{account}\n"), "udp")
    }

    fn launch(account: &str, transport: &str) -> Baresip {
        let scratch = Scratch::new("baresip");
        let sip_port = port_with_tls_neighbour();
        let cons_port = loop {
            let p = free_port();
            if p != sip_port && p != sip_port + 1 {
                break p;
            }
        };
        let template =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(TEMPLATE))
                .expect("read the baresip template");
        let config = template
            .replace("@SIP_PORT@", &sip_port.to_string())
            .replace("@CONS_PORT@", &cons_port.to_string())
            .replace("@MODULE_PATH@", module_path())
            .replace("@SND_PATH@", &scratch.path("snd").display().to_string());
        std::fs::create_dir_all(scratch.path("snd")).expect("create the recordings dir");
        std::fs::write(scratch.path("config"), config).expect("write baresip config");
        write_private(&scratch.path("accounts"), account);
        let log = scratch.path("baresip.log");
        let out = std::fs::File::create(&log).expect("create baresip log");
        let err = out.try_clone().expect("clone log handle");
        // baresip prints through stdio: fully buffered into a file, lines (e.g. "Call with …
        // terminated") would show up late or only at exit. stdbuf execs baresip, so the PID
        // stays baresip's own.
        let child = Command::new("stdbuf")
            .args(["-oL", "-eL"])
            .arg(baresip_binary())
            .arg("-v")
            .arg("-f")
            .arg(&scratch.0)
            .arg("-t")
            .arg(LIFETIME_SECS.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .expect("start baresip");
        let cons = UdpSocket::bind("127.0.0.1:0").expect("bind the cons client socket");
        let mut b = Baresip {
            child,
            sip_port,
            transport: transport.to_owned(),
            cons_port,
            cons,
            log,
            snd: scratch.path("snd"),
            _scratch: scratch,
        };
        b.wait_ready();
        b
    }

    fn wait_ready(&mut self) {
        let until = Instant::now() + WAIT;
        while Instant::now() < until {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("baresip exited ({status}):\n{}", self.log());
            }
            if self.log().contains("baresip is ready.") {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("baresip was not ready within {WAIT:?}:\n{}", self.log());
    }

    /// Waits (bounded) until Kamailio holds bob's contact at this baresip, and returns it.
    pub fn wait_registered(&self, kamailio: &Kamailio) -> String {
        let at = match self.transport.as_str() {
            "udp" => format!("@127.0.0.1:{}", self.sip_port),
            t => format!("@127.0.0.1:{};transport={t}", self.sip_port),
        };
        let until = Instant::now() + WAIT;
        while Instant::now() < until {
            if let Some(c) = kamailio
                .contacts("bob")
                .into_iter()
                .find(|c| c.ends_with(&at))
            {
                return c;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "baresip did not register as bob within {WAIT:?}\nbaresip:\n{}\nkamailio:\n{}",
            self.log(),
            kamailio.log()
        );
    }

    /// Sends one console command (`/dial sip:…`, `/hangup`, `/hold`, …) and returns what
    /// baresip answered, read until it has been quiet for a moment.
    pub fn command(&self, line: &str) -> String {
        self.cons
            .send_to(
                format!("{line}\n").as_bytes(),
                ("127.0.0.1", self.cons_port),
            )
            .expect("send a cons command");
        let mut reply = Vec::new();
        let mut buf = [0u8; 65536];
        let until = Instant::now() + Duration::from_secs(3);
        self.cons
            .set_read_timeout(Some(Duration::from_millis(300)))
            .expect("set cons timeout");
        while Instant::now() < until {
            match self.cons.recv(&mut buf) {
                Ok(n) => reply.extend_from_slice(&buf[..n]),
                Err(_) => break,
            }
        }
        String::from_utf8_lossy(&reply).into_owned()
    }

    /// Everything baresip wrote so far (stdout and stderr).
    /// What baresip received in its calls so far: its `sndfile` module's `*-dec.wav` files.
    pub fn received_recordings(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.snd)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.to_string_lossy().ends_with("-dec.wav"));
        files.sort();
        files
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// How many times `needle` occurs in the log.
    pub fn log_count(&self, needle: &str) -> usize {
        self.log().matches(needle).count()
    }

    /// Waits (bounded) until `needle` occurs `times` times in the log; panics with the log.
    pub fn expect_log(&self, needle: &str, times: usize) {
        let until = Instant::now() + WAIT;
        while Instant::now() < until {
            if self.log_count(needle) >= times {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "baresip's log does not show {needle:?} {times} time(s) within {WAIT:?}:\n{}",
            self.log()
        );
    }
}

impl Drop for Baresip {
    /// Quits politely (bob unregisters) and stops the process by its PID if it lingers;
    /// prints the log when the test failed.
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- baresip log ---\n{}--- end of baresip log ---",
                self.log()
            );
        }
        if let Ok(None) = self.child.try_wait() {
            let _ = self.cons.send_to(b"/quit\n", ("127.0.0.1", self.cons_port));
            let until = Instant::now() + Duration::from_secs(2);
            while Instant::now() < until {
                if let Ok(Some(_)) = self.child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        stop_child(&mut self.child, Duration::from_secs(2));
    }
}

/// A port free for UDP and TCP whose next port is free for TCP too (baresip's TLS).
fn port_with_tls_neighbour() -> u16 {
    loop {
        let p = free_port();
        if p < u16::MAX && TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return p;
        }
    }
}

fn baresip_binary() -> &'static str {
    ["/usr/bin/baresip", "/usr/local/bin/baresip"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("baresip is not installed: `scripts/setup.sh test` installs baresip-core")
}

fn module_path() -> &'static str {
    [
        "/usr/lib/baresip/modules",
        "/usr/lib/x86_64-linux-gnu/baresip/modules",
        "/usr/local/lib/baresip/modules",
    ]
    .into_iter()
    .find(|p| Path::new(p).join("cons.so").exists())
    .expect("baresip's modules (cons.so) are not installed: package baresip-core")
}
