//! Kamailio 5.6 as registrar and proxy with digest auth (PEERS.md), from the project's own
//! configuration in `tests/peers/kamailio/kamailio.cfg`. Each instance gets its own ports and
//! run directory, so tests run in parallel and twice in a row; it is stopped by its PID.

use super::{Scratch, free_ports, stop_child};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The configuration template, relative to the crate root.
const TEMPLATE: &str = "tests/peers/kamailio/kamailio.cfg";

/// A TLS certificate authority made for one test, and a server certificate it signed.
pub struct TestCa {
    /// The CA certificate (PEM) a client must trust.
    pub ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
}

impl TestCa {
    /// Makes a CA and a certificate for 127.0.0.1 with openssl.
    pub fn new(dir: &Path) -> TestCa {
        let run = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(dir)
                .output()
                .expect("openssl runs (package openssl)");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Tincan Test CA",
        ]);
        run(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .expect("write ext.cnf");
        run(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ]);
        TestCa {
            ca: dir.join("ca.pem"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server.key"),
        }
    }
}

/// Options for one Kamailio.
#[derive(Default)]
pub struct Options<'a> {
    /// Serve TLS with this CA's server certificate.
    pub tls: Option<&'a TestCa>,
    /// `-A` defines, e.g. `NO_INVITE_AUTH`.
    pub defines: &'a [&'a str],
}

/// A running Kamailio.
pub struct Kamailio {
    child: Child,
    /// UDP and TCP port.
    pub port: u16,
    /// TLS port (only listened on with [`Options::tls`]).
    pub tls_port: u16,
    rundir: PathBuf,
    _scratch: Scratch,
}

impl Kamailio {
    /// Starts Kamailio and waits (bounded) until it accepts TCP connections.
    pub fn start(options: &Options) -> Kamailio {
        let scratch = Scratch::new("kamailio");
        let rundir = scratch.0.clone();
        let ports = free_ports(3);
        let (port, tls_port, echo_port) = (ports[0], ports[1], ports[2]);
        let template =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(TEMPLATE))
                .expect("read the Kamailio template");
        let cfg = template
            .replace("@RUNDIR@", &rundir.display().to_string())
            .replace("@TLS_PORT@", &tls_port.to_string())
            .replace("@ECHO_PORT@", &echo_port.to_string())
            .replace("@PORT@", &port.to_string());
        let cfg_path = rundir.join("kamailio.cfg");
        std::fs::write(&cfg_path, cfg).expect("write kamailio.cfg");
        let mut args: Vec<String> = Vec::new();
        if let Some(ca) = options.tls {
            let tls_cfg = format!(
                "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\n\
                 require_certificate = no\nprivate_key = {}\ncertificate = {}\n\n\
                 [client:default]\nmethod = TLSv1.2+\nverify_certificate = no\n\
                 require_certificate = no\n",
                ca.server_key.display(),
                ca.server_cert.display()
            );
            std::fs::write(rundir.join("tls.cfg"), tls_cfg).expect("write tls.cfg");
            args.extend(["-A".into(), "WITH_TLS".into()]);
        }
        for d in options.defines {
            args.extend(["-A".into(), (*d).to_owned()]);
        }
        let log = std::fs::File::create(rundir.join("kamailio.log")).expect("kamailio log");
        let child = Command::new(kamailio_binary())
            .arg("-f")
            .arg(&cfg_path)
            .args(["-DD", "-E", "-m", "64", "-M", "8", "-Y"])
            .arg(&rundir)
            .arg("-P")
            .arg(rundir.join("kamailio.pid"))
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start kamailio");
        let mut k = Kamailio {
            child,
            port,
            tls_port,
            rundir,
            _scratch: scratch,
        };
        k.wait_up(options.tls.is_some());
        k
    }

    fn wait_up(&mut self, tls: bool) {
        let until = Instant::now() + Duration::from_secs(10);
        let ports: Vec<u16> = if tls {
            vec![self.port, self.tls_port]
        } else {
            vec![self.port]
        };
        while Instant::now() < until {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("kamailio exited ({status}):\n{}", self.log());
            }
            let up = ports
                .iter()
                .all(|p| TcpStream::connect(("127.0.0.1", *p)).is_ok());
            if up && self.rundir.join("kamailio_ctl").exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("kamailio did not come up within 10 s:\n{}", self.log());
    }

    /// Kamailio's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.rundir.join("kamailio.log")).unwrap_or_default()
    }

    /// The contacts registered for `user` (from `kamcmd ul.dump`), e.g.
    /// `["sip:alice@127.0.0.1:5062"]`.
    pub fn contacts(&self, user: &str) -> Vec<String> {
        let out = Command::new("timeout")
            .args(["5", "kamcmd", "-s"])
            .arg(format!(
                "unix:{}",
                self.rundir.join("kamailio_ctl").display()
            ))
            .args(["ul.lookup", "location", user])
            .output()
            .expect("run kamcmd");
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("Address: "))
            .map(str::to_owned)
            .collect()
    }

    /// How many contacts the whole location table holds.
    pub fn registrations(&self) -> usize {
        let out = Command::new("timeout")
            .args(["5", "kamcmd", "-s"])
            .arg(format!(
                "unix:{}",
                self.rundir.join("kamailio_ctl").display()
            ))
            .args(["ul.dump"])
            .output()
            .expect("run kamcmd");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.trim().starts_with("Address: "))
            .count()
    }

    /// How many REGISTER requests Kamailio has logged so far.
    pub fn registers_seen(&self) -> usize {
        self.log().matches("REQ REGISTER").count()
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        stop_child(&mut self.child, Duration::from_secs(3));
    }
}

fn kamailio_binary() -> &'static str {
    ["/usr/sbin/kamailio", "/usr/local/sbin/kamailio"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("Kamailio is not installed: `scripts/setup.sh test` installs kamailio")
}
