//! Passwords in a real OS keyring: gnome-keyring's Secret Service in a private D-Bus session
//! the test starts. `tincan password set` stores an account's password, a new `tincan serve`
//! reads it back and registers at Kamailio with it, the password is found in no file under
//! Tincan's config and log directories, and after `tincan password delete` it is gone.

use crate::support::kamailio::{Kamailio, Options};
use crate::support::window::Window;
use crate::support::{Node, Scratch, free_port, stop_child};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

/// A private session bus with gnome-keyring's secrets component, unlocked.
struct KeyringSession {
    child: Child,
    stdin: Option<ChildStdin>,
    env: Vec<(String, String)>,
}

const SESSION: &str = r#"
printf 'keyring-test-login' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
K=$!
trap 'kill $K 2>/dev/null' EXIT
for i in $(seq 100); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break
  sleep 0.1
done
echo "BUS=$DBUS_SESSION_BUS_ADDRESS"
read _
"#;

impl KeyringSession {
    fn start(home: &Scratch) -> KeyringSession {
        let env = vec![
            ("HOME".to_owned(), home.0.display().to_string()),
            (
                "XDG_DATA_HOME".to_owned(),
                home.path("data").display().to_string(),
            ),
            (
                "XDG_CONFIG_HOME".to_owned(),
                home.path("config").display().to_string(),
            ),
        ];
        let mut child = Command::new("timeout")
            .args(["120", "dbus-run-session", "--", "sh", "-c", SESSION])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-run-session runs (packages dbus, gnome-keyring)");
        let stdin = child.stdin.take();
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the session says its bus");
        let bus = line
            .trim()
            .strip_prefix("BUS=")
            .unwrap_or_else(|| panic!("no bus address: {line:?}"))
            .to_owned();
        let mut env = env;
        env.push(("DBUS_SESSION_BUS_ADDRESS".to_owned(), bus));
        KeyringSession { child, stdin, env }
    }

    /// Runs `tincan password ARGS` in the session with `input` on stdin; returns its status.
    fn password(&self, args: &[&str], input: &str) -> bool {
        let mut all = vec!["password"];
        all.extend_from_slice(args);
        self.tincan(&all, input).0
    }

    /// Runs `tincan ARGS` in the session with `input` on stdin; returns its status and
    /// stdout.
    fn tincan(&self, args: &[&str], input: &str) -> (bool, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tincan"))
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("tincan");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(input.as_bytes()).expect("write stdin");
        drop(stdin);
        let until = std::time::Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Ok(Some(status)) = child.try_wait() {
                break status;
            }
            assert!(std::time::Instant::now() < until, "tincan {args:?} hangs");
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut out = String::new();
        let _ = std::io::Read::read_to_string(&mut child.stdout.take().expect("stdout"), &mut out);
        (status.success(), out)
    }
}

impl Drop for KeyringSession {
    fn drop(&mut self) {
        self.stdin = None; // the script ends, its trap stops the keyring daemon
        stop_child(&mut self.child, Duration::from_secs(3));
    }
}

/// Every file under `dir`, recursively.
fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Fails if any file under `dir` holds `secret`.
fn assert_in_no_file(dir: &std::path::Path, secret: &[u8]) {
    for file in files(dir) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret),
            "the password is in {}",
            file.display()
        );
    }
}

#[test]
fn a_password_in_the_keyring_registers_and_is_in_no_file() {
    let kamailio = Kamailio::start(&Options::default());
    let home = Scratch::new("keyring-home");
    let session = KeyringSession::start(&home);
    let work = Scratch::new("keyring-work");
    let config = work.path("config/config.toml");
    std::fs::create_dir_all(work.path("config")).expect("config dir");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nname = \"alice\"\naor = \"sip:alice@127.0.0.1\"\n\
             registrar = \"sip:127.0.0.1:{}\"\nexpires = 60\n",
            kamailio.port
        ),
    )
    .expect("write config");
    assert!(
        session.password(&["set", "alice"], "alicepw\n"),
        "password set"
    );

    let args = |port: u16| {
        vec![
            "--config".to_owned(),
            config.display().to_string(),
            "--listen".to_owned(),
            format!("udp:127.0.0.1:{port}"),
            "--log-level".to_owned(),
            "debug".to_owned(),
        ]
    };
    let mut node = Node::serve_env("tincan", &args(free_port()), &work.0, &session.env);
    node.expect("registration", |v| v["state"] == "registered");
    node.quit();
    assert!(node.wait_success());
    assert_in_no_file(&work.0, b"alicepw");

    assert!(
        session.password(&["delete", "alice"], ""),
        "password delete"
    );
    let mut node = Node::serve_env("tincan2", &args(free_port()), &work.0, &session.env);
    node.expect("warning", |v| {
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("has no password"))
    });
    let failed = node.expect("registration", |v| v["state"] == "failed");
    assert_eq!(failed["code"], 401, "{failed}");
    node.quit();
}

#[test]
fn without_a_keyring_the_user_is_told_and_nothing_crashes() {
    let work = Scratch::new("keyring-none");
    let config = work.path("config.toml");
    std::fs::write(
        &config,
        "[[accounts]]\nname = \"alice\"\naor = \"sip:alice@127.0.0.1\"\nregister = false\n",
    )
    .expect("write config");
    let env = vec![
        // A bus address where nothing listens.
        (
            "DBUS_SESSION_BUS_ADDRESS".to_owned(),
            format!("unix:path={}", work.path("no-bus").display()),
        ),
    ];
    let args = vec![
        "--config".to_owned(),
        config.display().to_string(),
        "--listen".to_owned(),
        format!("udp:127.0.0.1:{}", free_port()),
    ];
    let mut node = Node::serve_env("tincan", &args, &work.0, &env);
    node.expect_any_order("warning", |v| {
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("keyring is not available"))
    });
    node.quit();
    assert!(node.wait_success());
}

#[test]
fn the_p2p_identity_is_made_in_the_keyring_once_and_kept_out_of_files() {
    let home = Scratch::new("keyring-id-home");
    let session = KeyringSession::start(&home);
    let work = Scratch::new("keyring-id-work");
    let config = work.path("config.toml");
    std::fs::write(&config, "[general]\nhandle = \"alice\"\n").expect("write config");
    let config = config.display().to_string();
    let (ok, first) = session.tincan(&["id", "--config", &config], "");
    assert!(ok, "tincan id");
    assert!(first.starts_with("sip:alice@"), "{first}");
    let (ok, again) = session.tincan(&["id", "show", "--config", &config], "");
    assert!(ok);
    assert_eq!(again, first, "the keyring keeps one identity");
    // The account-password command cannot overwrite it.
    assert!(!session.password(&["set", "identity"], "x\n"));
    assert_eq!(session.tincan(&["id", "--config", &config], "").1, first);
    // Only an export writes the secret to a file.
    let backup = work.path("backup.key");
    let backup_arg = backup.display().to_string();
    assert!(session.tincan(&["id", "export", &backup_arg], "").0);
    let secret = std::fs::read_to_string(&backup)
        .expect("backup")
        .trim()
        .to_owned();
    assert_eq!(secret.len(), 64);
    for file in files(&work.0).into_iter().chain(files(&home.0)) {
        if file == backup {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap_or_default()).into_owned();
        assert!(
            !text.contains(&secret),
            "the secret is in {}",
            file.display()
        );
    }
}

/// Issue 6 through the window: the user adds an account in the real window (under Xvfb,
/// typed with the keyboard); its password goes to the keyring of the session (never to a
/// file), the account registers at Kamailio with it, a new process (`tincan serve`) reads it
/// back and registers too; removing the account in the window removes its password.
#[test]
fn a_password_typed_in_the_window_goes_to_the_keyring_and_registers() {
    let kamailio = Kamailio::start(&Options::default());
    let home = Scratch::new("keyring-window-home");
    let session = KeyringSession::start(&home);
    let bus: Vec<(String, String)> = session
        .env
        .iter()
        .filter(|(k, _)| k == "DBUS_SESSION_BUS_ADDRESS")
        .cloned()
        .collect();
    let work = Scratch::new("keyring-window");
    let mut window = Window::start_with(&work, &[], &bus);
    let shot = |window: &Window, name: &str| {
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("keyring-window-{name}.png"));
        window.screenshot(&path);
        path.display().to_string()
    };
    // Home, first run with a keyring, all by keyboard: "Add SIP account" opens the form; Tab
    // reaches each field in turn (name, address, display name, user, password, registrar);
    // Enter saves.
    // Tab walks the six tabs, Copy, then "Add SIP account"; Enter presses it; the form
    // opens with its first field focused.
    window.xdotool(&[
        "key", "--delay", "60", "Tab", "Tab", "Tab", "Tab", "Tab", "Tab", "Tab", "Tab",
    ]);
    window.xdotool(&["key", "Return"]);
    window.xdotool(&["type", "--delay", "30", "work"]);
    window.xdotool(&["key", "Tab"]);
    window.xdotool(&["type", "--delay", "30", "sip:alice@127.0.0.1"]);
    window.xdotool(&["key", "Tab", "Tab", "Tab"]);
    window.xdotool(&["type", "--delay", "30", "alicepw"]);
    window.xdotool(&["key", "Tab"]);
    let registrar = format!("sip:127.0.0.1:{}", kamailio.port);
    window.xdotool(&["type", "--delay", "30", &registrar]);
    let form = shot(&window, "form");
    window.xdotool(&["key", "Return"]);
    // The engine restarts with the account, which registers from the window's port.
    let at = format!("@127.0.0.1:{}", window.port);
    let until = std::time::Instant::now() + Duration::from_secs(20);
    while !kamailio.contacts("alice").iter().any(|c| c.contains(&at)) {
        if std::time::Instant::now() > until {
            let after = shot(&window, "after");
            panic!(
                "alice did not register from the window (screenshots {form}, {after});\n\
                 window log:\n{}\nkamailio:\n{}",
                window.log(),
                kamailio.log()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // The keyring has it: a headless engine of the same settings registers with it.
    let settings = work.path("config.toml");
    let config = std::fs::read_to_string(&settings).expect("the settings");
    assert!(config.contains("sip:alice@127.0.0.1"), "{config}");
    let serve = |name: &'static str, settings: &std::path::Path| {
        let args = vec![
            "--config".to_owned(),
            settings.display().to_string(),
            "--listen".to_owned(),
            format!("udp:127.0.0.1:{}", free_port()),
        ];
        Node::serve_env(name, &args, &work.0, &session.env)
    };
    let mut node = serve("reader", &settings);
    node.expect("registration", |v| v["state"] == "registered");
    node.quit();
    // Removing the account in the window (Accounts, Remove, confirm) removes its password.
    std::fs::write(work.path("copy.toml"), &config).expect("keep a copy of the settings");
    window.click(369, 24);
    window.click(269, 303);
    window.click(472, 303);
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while std::fs::read_to_string(&settings).is_ok_and(|c| c.contains("alice")) {
        assert!(
            std::time::Instant::now() < until,
            "the account was not removed; window log:\n{}",
            window.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    window.close();
    // No file under the window's config, data and runtime directories has the password.
    assert_in_no_file(&work.0, b"alicepw");
    let mut node = serve("after", &work.path("copy.toml"));
    node.expect("warning", |v| {
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("has no password"))
    });
    node.quit();
}
