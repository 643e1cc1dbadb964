//! The real window under an Xvfb of its own, driven with xdotool (keys, typing, clicks).

use super::{Scratch, free_port, stop_child};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An X server of our own on a free display, stopped when dropped.
pub struct Xvfb {
    child: Child,
    pub display: String,
}

impl Xvfb {
    /// Xvfb picks a free display itself and writes its number to its standard output
    /// (`-displayfd 1`): tests starting servers at once cannot take the same one.
    pub fn start() -> Xvfb {
        let mut child = Command::new("timeout")
            .args([
                "60",
                "Xvfb",
                "-displayfd",
                "1",
                "-screen",
                "0",
                "800x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (package xvfb) is needed for this test");
        let stdout = child.stdout.take().expect("Xvfb's output");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
        let n: u32 = match line.trim().parse() {
            Ok(n) => n,
            Err(_) => {
                stop_child(&mut child, Duration::from_secs(2));
                panic!("Xvfb did not come up (it said {line:?})");
            }
        };
        let display = format!(":{n}");
        // Until the server answers (on a loaded machine that can take seconds).
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let answered = Command::new("xdotool")
                .arg("getdisplaygeometry")
                .env("DISPLAY", &display)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if answered {
                break;
            }
            if Instant::now() > until {
                stop_child(&mut child, Duration::from_secs(2));
                panic!("Xvfb on {display} did not answer within 30 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Xvfb { child, display }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        stop_child(&mut self.child, Duration::from_secs(2));
    }
}

/// The real window under an Xvfb of its own, with its own settings (only 127.0.0.1: no
/// mDNS, no DHT), database and runtime directory; driven with xdotool; stopped (SIGTERM, as
/// its close button) when dropped or by [`Window::close`].
pub struct Window {
    child: Option<Child>,
    dir: std::path::PathBuf,
    /// Where it listens for SIP (UDP on 127.0.0.1).
    pub port: u16,
    /// The X window's id, once looked up.
    id: String,
    xvfb: Xvfb,
}

impl Window {
    /// Starts it with `extra` arguments and waits (bounded) until it takes links and its
    /// engine listens.
    pub fn start(dir: &Scratch, extra: &[String]) -> Window {
        Window::start_with(dir, extra, &[])
    }

    /// [`Window::start`] with more environment variables (e.g. a keyring's D-Bus session).
    pub fn start_with(dir: &Scratch, extra: &[String], env: &[(String, String)]) -> Window {
        Window::start_config(dir, "", extra, env)
    }

    /// [`Window::start_with`] with more settings: `tail` follows the `[general]` lines of
    /// the settings file (more of them, then other tables).
    pub fn start_config(
        dir: &Scratch,
        tail: &str,
        extra: &[String],
        env: &[(String, String)],
    ) -> Window {
        let port = free_port();
        std::fs::write(
            dir.path("config.toml"),
            format!(
                "[general]\nlisten = [\"udp:127.0.0.1:{port}\"]\nmdns = false\ndht = false\n{tail}"
            ),
        )
        .unwrap();
        let xvfb = Xvfb::start();
        let child = Command::new("timeout")
            .arg("90")
            .arg(env!("CARGO_BIN_EXE_tincan"))
            .arg("--config")
            .arg(dir.path("config.toml"))
            .arg("--database")
            .arg(dir.path("tincan.sqlite3"))
            .args(extra)
            .env("DISPLAY", &xvfb.display)
            .env_remove("WAYLAND_DISPLAY")
            .env("ICED_BACKEND", "tiny-skia")
            .env("XDG_RUNTIME_DIR", &dir.0)
            .env("HOME", dir.path("home"))
            .env("XDG_DATA_HOME", dir.path("data"))
            .env("XDG_CONFIG_HOME", dir.path("config"))
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}", dir.path("no-bus").display()),
            )
            .env("LANG", "C.UTF-8")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path("window.log")).unwrap())
            .spawn()
            .expect("spawn the window");
        let mut window = Window {
            child: Some(child),
            dir: dir.0.clone(),
            port,
            id: String::new(),
            xvfb,
        };
        // The window takes links once its socket accepts connections; its engine runs once
        // the SIP port is taken.
        let socket = dir.path("tincan.sock");
        let until = Instant::now() + Duration::from_secs(30);
        while std::os::unix::net::UnixStream::connect(&socket).is_err()
            || std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok()
        {
            let exited = window
                .child
                .as_mut()
                .is_some_and(|c| matches!(c.try_wait(), Ok(Some(_))));
            if Instant::now() > until || exited {
                panic!("the window did not come up; its log:\n{}", window.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        window
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("window.log")).unwrap_or_default()
    }

    /// The X window's id (found by its title while nothing rings: "Tincan").
    pub fn id(&mut self) -> String {
        if self.id.is_empty() {
            let out = Command::new("timeout")
                .args([
                    "10",
                    "xdotool",
                    "search",
                    "--sync",
                    "--onlyvisible",
                    "--name",
                ])
                .arg("^Tincan$")
                .env("DISPLAY", &self.xvfb.display)
                .output()
                .expect("xdotool (package xdotool) is needed for this test");
            let found = String::from_utf8_lossy(&out.stdout);
            self.id = found.lines().next().unwrap_or_default().trim().to_owned();
            assert!(!self.id.is_empty(), "no Tincan window on the display");
        }
        self.id.clone()
    }

    /// Focuses the window and runs `xdotool ARGS` on it (keys, typing), bounded.
    pub fn xdotool(&mut self, args: &[&str]) {
        let id = self.id();
        let status = Command::new("timeout")
            .args(["10", "xdotool", "windowfocus", "--sync", &id])
            .args(args)
            .env("DISPLAY", &self.xvfb.display)
            .status()
            .expect("xdotool (package xdotool) is needed for this test");
        assert!(status.success(), "xdotool {args:?}: {status}");
        std::thread::sleep(Duration::from_millis(300));
    }

    /// Clicks at `x`,`y` inside the window.
    pub fn click(&mut self, x: u32, y: u32) {
        let id = self.id();
        let (x, y) = (x.to_string(), y.to_string());
        self.xdotool(&["mousemove", "--window", &id, &x, &y, "click", "1"]);
    }

    /// Saves a screenshot of the window's display as `path` (to see what a failing test saw).
    pub fn screenshot(&self, path: &Path) {
        let _ = Command::new("timeout")
            .args([
                "20",
                "import",
                "-display",
                &self.xvfb.display,
                "-window",
                "root",
            ])
            .arg(path)
            .status();
    }

    /// Closes it as its close button does (the engine stops, the virtual speaker's file is
    /// written) and waits for it, bounded.
    pub fn close(&mut self) {
        if let Some(mut child) = self.child.take() {
            stop_child(&mut child, Duration::from_secs(10));
        }
    }
}

impl Drop for Window {
    fn drop(&mut self) {
        self.close();
    }
}
