//! The desktop side: links handed from a second `tincan` process to the first (to a test
//! listener speaking the protocol, and to the real window under Xvfb, which then calls a
//! `tincan serve`), and the packaging files checked by the freedesktop validators.

use crate::support::{Node, Scratch, free_port, stop_child};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `tincan ARGS` with `XDG_RUNTIME_DIR` (where the link socket lives) in `dir`; returns
/// its exit code and output, bounded to 15 s.
fn tincan_with_runtime_dir(args: &[&str], dir: &Scratch) -> (i32, String) {
    let out = dir.path("second.out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tincan"))
        .args(args)
        .env("XDG_RUNTIME_DIR", &dir.0)
        .env("HOME", dir.path("home"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn tincan");
    let code = wait_bounded(&mut child, Duration::from_secs(15), "the second tincan");
    (code, std::fs::read_to_string(&out).unwrap_or_default())
}

fn wait_bounded(child: &mut Child, limit: Duration, what: &str) -> i32 {
    let until = Instant::now() + limit;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code().unwrap_or(-1);
        }
        if Instant::now() > until {
            stop_child(child, Duration::from_secs(1));
            panic!("{what} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_tincan_hands_its_link_to_the_listening_one_and_exits() {
    let dir = Scratch::new("link-listener");
    let listener = UnixListener::bind(dir.path("tincan.sock")).expect("bind the link socket");
    // The test plays the first window: one line in, `ok` out.
    let first = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("a connection");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut line = String::new();
        BufReader::new(&stream).read_line(&mut line).unwrap();
        (&stream).write_all(b"ok\n").unwrap();
        line
    });
    let (code, out) = tincan_with_runtime_dir(&["callto:alice@example.com"], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("handed to the running window"), "{out}");
    assert_eq!(first.join().unwrap(), "dial sip:alice@example.com\n");
    // Not a link, not an option: refused before anything is opened.
    let (code, _) = tincan_with_runtime_dir(&["http://example.com"], &dir);
    assert_eq!(code, 2);
}

/// An X server of our own on a free display, stopped when dropped.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        let mut n = 140;
        while Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            || Path::new(&format!("/tmp/.X{n}-lock")).exists()
        {
            n += 1;
        }
        let display = format!(":{n}");
        let child = Command::new("timeout")
            .args([
                "60",
                "Xvfb",
                &display,
                "-screen",
                "0",
                "800x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (package xvfb) is needed for this test");
        let until = Instant::now() + Duration::from_secs(10);
        while !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
            assert!(Instant::now() < until, "Xvfb did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        Xvfb { child, display }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        stop_child(&mut self.child, Duration::from_secs(2));
    }
}

#[test]
fn the_running_window_takes_a_link_from_a_second_process_and_calls_it() {
    let dir = Scratch::new("link-window");
    // The callee: a headless tincan that reports the incoming call.
    let callee_port = free_port();
    let args = vec![
        "--listen".to_owned(),
        format!("udp:127.0.0.1:{callee_port}"),
    ];
    let mut callee = Node::serve("callee", &args, &dir.0);
    callee.expect("started", |_| true);
    // The window, with its own settings, database and runtime directory.
    let window_port = free_port();
    std::fs::write(
        dir.path("config.toml"),
        format!("[general]\nlisten = [\"udp:127.0.0.1:{window_port}\"]\n"),
    )
    .unwrap();
    let xvfb = Xvfb::start();
    let mut window = Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_tincan"))
        .arg("--config")
        .arg(dir.path("config.toml"))
        .arg("--database")
        .arg(dir.path("tincan.sqlite3"))
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
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path("window.log")).unwrap())
        .spawn()
        .expect("spawn the window");
    // The window takes links once its socket accepts connections.
    let socket = dir.path("tincan.sock");
    let until = Instant::now() + Duration::from_secs(30);
    while std::os::unix::net::UnixStream::connect(&socket).is_err() {
        if Instant::now() > until || matches!(window.try_wait(), Ok(Some(_))) {
            stop_child(&mut window, Duration::from_secs(2));
            panic!(
                "the window never took links; its log:\n{}",
                std::fs::read_to_string(dir.path("window.log")).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let target = format!("sip:bob@127.0.0.1:{callee_port}");
    let (code, out) = tincan_with_runtime_dir(&[&target], &dir);
    assert_eq!(code, 0, "{out}");
    // The window calls: the callee sees the call come in from the window's port.
    let incoming = callee.expect("incoming", |_| true);
    let from = incoming.to_string();
    assert!(from.contains(&window_port.to_string()), "{from}");
    // The database was made where it was told.
    assert!(dir.path("tincan.sqlite3").exists());
    stop_child(&mut window, Duration::from_secs(8));
    callee.quit();
    drop(xvfb);
}

/// The window started from settings that say do not disturb, start minimized, German and
/// dark: its engine declines a real call with 486 Busy Here, and the window records it as
/// missed in its database.
#[test]
fn the_window_applies_its_saved_settings_at_start_and_dnd_declines_a_call_as_missed() {
    let dir = Scratch::new("window-settings");
    let window_port = free_port();
    std::fs::write(
        dir.path("config.toml"),
        format!(
            "[general]\nlisten = [\"udp:127.0.0.1:{window_port}\"]\ndo_not_disturb = true\n\
             [ui]\nlanguage = \"de\"\ntheme = \"dark\"\nstart_minimized = true\n"
        ),
    )
    .unwrap();
    let xvfb = Xvfb::start();
    let mut window = Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_tincan"))
        .arg("--config")
        .arg(dir.path("config.toml"))
        .arg("--database")
        .arg(dir.path("tincan.sqlite3"))
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
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path("window.log")).unwrap())
        .spawn()
        .expect("spawn the window");
    let caller_port = free_port();
    let args = vec![
        "--listen".to_owned(),
        format!("udp:127.0.0.1:{caller_port}"),
    ];
    let mut caller = Node::serve("caller", &args, &dir.0);
    caller.expect("started", |_| true);
    // UDP retransmissions carry the INVITE until the window's engine listens.
    caller.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:alice@127.0.0.1:{window_port}"}}"#
    ));
    let ended = caller.expect_within(Duration::from_secs(30), "ended", |v| v["call"] == 1);
    let log = || std::fs::read_to_string(dir.path("window.log")).unwrap_or_default();
    assert_eq!(ended["reason"], "busy", "{ended}\n{}", log());
    // The history is written on the database's thread: wait for it, then close.
    let until = Instant::now() + Duration::from_secs(10);
    let missed = loop {
        let history = tincan::store::Store::open(&dir.path("tincan.sqlite3"))
            .and_then(|opened| opened.store.history(10))
            .unwrap_or_default();
        if !history.is_empty() || Instant::now() > until {
            break history;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    stop_child(&mut window, Duration::from_secs(8));
    caller.quit();
    drop(xvfb);
    assert_eq!(missed.len(), 1, "{missed:?}\n{}", log());
    assert_eq!(missed[0].direction, tincan::store::Direction::Missed);
    let log = log();
    assert!(!log.contains("no window to minimize"), "{log}");
    assert!(!log.contains("ERROR"), "{log}");
}

/// Width and height of a PNG file (its IHDR chunk).
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

#[test]
fn packaging_files_pass_the_freedesktop_validators_and_icons_have_their_sizes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let desktop = root.join("packaging/linux/io.github.tincan.Tincan.desktop");
    let output = Command::new("desktop-file-validate")
        .arg(&desktop)
        .output()
        .expect("desktop-file-validate (package desktop-file-utils) is needed");
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success() && said.trim().is_empty(), "{said}");
    let text = std::fs::read_to_string(&desktop).unwrap();
    for scheme in ["sip", "sips", "tel", "callto"] {
        assert!(
            text.contains(&format!("x-scheme-handler/{scheme};")),
            "{scheme} is not handled"
        );
    }
    assert!(text.contains("Exec=tincan %u"));
    let metainfo = root.join("packaging/linux/io.github.tincan.Tincan.metainfo.xml");
    let output = Command::new("appstreamcli")
        .args(["validate", "--no-net"])
        .arg(&metainfo)
        .output()
        .expect("appstreamcli (package appstream) is needed");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for size in [48, 128, 256] {
        let png = root.join(format!("assets/tincan-{size}.png"));
        assert_eq!(png_size(&png), (size, size), "{}", png.display());
    }
    let svg = std::fs::read_to_string(root.join("assets/tincan.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("viewBox=\"0 0 256 256\""));
}
