//! The desktop side: links handed from a second `tincan` process to the first (to a test
//! listener speaking the protocol, and to the real window under Xvfb, which then calls a
//! `tincan serve`), and the packaging files checked by the freedesktop validators.

use crate::support::baresip::Baresip;
use crate::support::window::Window;
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
    let mut window = Window::start(&dir, &[]);
    let target = format!("sip:bob@127.0.0.1:{callee_port}");
    let (code, out) = tincan_with_runtime_dir(&[&target], &dir);
    assert_eq!(code, 0, "{out}");
    // The window calls: the callee sees the call come in from the window's port.
    let incoming = callee.expect("incoming", |_| true);
    let from = incoming.to_string();
    assert!(from.contains(&window.port.to_string()), "{from}");
    // The database was made where it was told.
    assert!(dir.path("tincan.sqlite3").exists());
    window.close();
    callee.quit();
}

/// In how many of the 20 ms frames from the 1st to the 3rd second `got` holds `hz`, and of
/// how many frames (fewer when the recording is shorter).
fn heard(got: &tincan::audio::wav::Mono, hz: f64) -> (usize, usize) {
    let frames = crate::audio::frames_with(got, hz);
    let window = 50..frames.len().min(150);
    (crate::audio::count(&frames, window.clone()), window.len())
}

/// Issue 6's end-to-end flow: the real window (virtual audio device: a 1 kHz microphone)
/// calls a baresip contact by the keyboard (Ctrl+F, the name, Enter), baresip hears the
/// tone; then baresip calls the window, which is answered from the incoming view (Enter),
/// and the window hears baresip's 440 Hz.
#[test]
fn the_window_calls_a_baresip_contact_and_answers_its_call_from_the_incoming_view() {
    let dir = Scratch::new("window-baresip");
    crate::audio::tone_file(&dir.path("mic.wav"), 1000.0, 2);
    let bob = Baresip::start_direct(
        "<sip:bob@127.0.0.1>;regint=0;answermode=auto;audio_codecs=opus/48000/2,pcmu",
    );
    // The contact, in the window's own database.
    let mut opened = tincan::store::Store::open(&dir.path("tincan.sqlite3")).expect("database");
    let contact = tincan::store::Contact {
        id: None,
        name: "Bob Baresip".into(),
        uris: vec![format!("sip:bob@127.0.0.1:{}", bob.sip_port)],
        favourite: false,
    };
    opened
        .store
        .save_contact(&contact)
        .expect("save the contact");
    drop(opened);
    let extra = [
        "--audio-in".to_owned(),
        dir.path("mic.wav").display().to_string(),
        "--audio-out".to_owned(),
        dir.path("heard.wav").display().to_string(),
    ];
    let mut window = Window::start(&dir, &extra);

    // Ctrl+F opens the contacts with the search focused; the name finds Bob; Enter calls.
    window.xdotool(&["key", "ctrl+f"]);
    window.xdotool(&["type", "--delay", "40", "Baresip"]);
    window.xdotool(&["key", "Return"]);
    bob.expect_log("Call established: sip:", 1);
    std::thread::sleep(Duration::from_secs(4));
    // Escape hangs up in the call screen.
    window.xdotool(&["key", "Escape"]);
    bob.expect_log("terminated", 1);
    let files = bob.received_recordings();
    let file = files
        .last()
        .unwrap_or_else(|| panic!("no baresip recording:\n{}", bob.log()));
    let got = tincan::audio::wav::read(file).expect("baresip's recording");
    let (with_tone, of) = heard(&got, 1000.0);
    assert!(
        of > 80 && with_tone * 10 >= of * 9,
        "baresip heard 1 kHz in {with_tone} of {of} frames"
    );

    // baresip calls the window: it rings (baresip sees 180), Enter answers.
    bob.command(&format!("/dial sip:alice@127.0.0.1:{}", window.port));
    bob.expect_log("180 Ringing", 1);
    std::thread::sleep(Duration::from_millis(700));
    window.xdotool(&["key", "Return"]);
    bob.expect_log("Call established: sip:", 2);
    std::thread::sleep(Duration::from_secs(4));
    bob.command("/hangup");
    bob.expect_log("terminated", 2);
    window.close();
    let log = window.log();
    assert!(log.contains("the engine stopped"), "{log}");
    // The window's speaker: silence during the first call, then baresip's 440 Hz.
    let got = tincan::audio::wav::read(&dir.path("heard.wav"))
        .unwrap_or_else(|e| panic!("the window's recording: {e}\n{log}"));
    let frames = crate::audio::frames_with(&got, 440.0);
    let with_tone = crate::audio::count(&frames, 0..frames.len());
    assert!(
        with_tone >= 150,
        "the window heard 440 Hz in only {with_tone} of {} frames",
        frames.len()
    );
}

/// The window started from settings that say do not disturb, start minimized, German and
/// dark: its engine declines a real call with 486 Busy Here, and the window records it as
/// missed in its database.
#[test]
fn the_window_applies_its_saved_settings_at_start_and_dnd_declines_a_call_as_missed() {
    let dir = Scratch::new("window-settings");
    let tail = "do_not_disturb = true\n\
                [ui]\nlanguage = \"de\"\ntheme = \"dark\"\nstart_minimized = true\n";
    let mut window = Window::start_config(&dir, tail, &[], &[]);
    let window_port = window.port;
    let caller_port = free_port();
    let args = vec![
        "--listen".to_owned(),
        format!("udp:127.0.0.1:{caller_port}"),
    ];
    let mut caller = Node::serve("caller", &args, &dir.0);
    caller.expect("started", |_| true);
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
    window.close();
    caller.quit();
    assert_eq!(missed.len(), 1, "{missed:?}\n{}", log());
    assert_eq!(missed[0].direction, tincan::store::Direction::Missed);
    let log = log();
    assert!(!log.contains("no window to minimize"), "{log}");
    assert!(!log.contains("ERROR"), "{log}");
}

#[test]
fn without_a_display_the_window_says_so_instead_of_crashing() {
    let dir = Scratch::new("no-display");
    let out = Command::new("timeout")
        .arg("20")
        .arg(env!("CARGO_BIN_EXE_tincan"))
        .arg("--config")
        .arg(dir.path("config.toml"))
        .env("XDG_RUNTIME_DIR", &dir.0)
        .env("HOME", dir.path("home"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run tincan");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("no display to open the window on"), "{said}");
    assert!(!said.contains("panicked"), "{said}");
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

/// The number of distinct colours in a picture (ImageMagick's `identify -format %k`).
fn colours(png: &Path) -> u32 {
    let out = Command::new("timeout")
        .args(["20", "identify", "-format", "%k"])
        .arg(png)
        .output()
        .expect("identify (package imagemagick) is needed for this test");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// Issue 6: screenshots of every main screen, light and dark, made by the test run (under
/// the test target's temporary directory, never committed) with `scripts/ui-screenshots.sh`,
/// which drives the real window under Xvfb. Each must show something (many colours: text,
/// icons, anti-aliasing), differ from every other screen, and differ between the themes.
#[test]
fn screenshots_of_every_screen_in_both_themes_show_something_and_differ() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-screenshots");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/ui-screenshots.sh");
    // Per theme: each screen's name and PNG bytes.
    type Pictures = Vec<(String, Vec<u8>)>;
    let mut shots: Vec<(String, Pictures)> = Vec::new();
    for theme in ["light", "dark"] {
        let dir = root.join(theme);
        let _ = std::fs::remove_dir_all(&dir);
        let out = Command::new("timeout")
            .arg("150")
            .arg(&script)
            .arg(&dir)
            .env("THEME", theme)
            .env("TINCAN", env!("CARGO_BIN_EXE_tincan"))
            .output()
            .expect("run scripts/ui-screenshots.sh");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "ui-screenshots.sh ({theme}):\n{said}");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("the screenshots")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .collect();
        files.sort();
        assert!(
            files.len() >= 12,
            "only {} screenshots:\n{said}",
            files.len()
        );
        let mut pictures = Vec::new();
        for file in files {
            let name = file.file_stem().unwrap().to_string_lossy().into_owned();
            let n = colours(&file);
            assert!(n >= 32, "{theme} {name}: {n} colours, blank or nearly");
            // The same pixels encode to the same PNG bytes; any difference shows.
            pictures.push((name, std::fs::read(&file).unwrap()));
        }
        for (i, (a, pa)) in pictures.iter().enumerate() {
            for (b, pb) in &pictures[i + 1..] {
                assert!(pa != pb, "{theme}: {a} and {b} are the same picture");
            }
        }
        eprintln!(
            "{theme}: {} screenshots in {}",
            pictures.len(),
            dir.display()
        );
        shots.push((theme.to_owned(), pictures));
    }
    for (name, light) in &shots[0].1 {
        let dark = shots[1].1.iter().find(|(n, _)| n == name);
        let dark = dark.unwrap_or_else(|| panic!("no dark {name}"));
        assert!(*light != dark.1, "{name} looks the same in both themes");
    }
}
