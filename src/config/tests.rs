//! Tests for loading, saving and password reading.

use super::*;
use std::path::Path;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tincan-config-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn load_str(name: &str, text: &str) -> Loaded {
    let dir = TempDir::new(name);
    load(&dir.file("config.toml", text))
}

fn full_config() -> Config {
    let mut work = AccountSettings::new("work", "sips:alice@example.com");
    work.display_name = Some("Alice".into());
    work.auth_user = Some("alice01".into());
    work.registrar = Some("sips:registrar.example.com".into());
    work.outbound_proxy = Some("sip:proxy.example.com;lr".into());
    work.transport = Transport::Tls;
    work.ca_file = Some(PathBuf::from("/etc/tincan/ca.pem"));
    work.expires = 3600;
    work.password_file = Some(PathBuf::from("/run/secrets/work"));
    let mut home = AccountSettings::new("home", "sip:1234@voip.example.net");
    home.enabled = false;
    home.register = false;
    let general = General {
        listen: vec!["udp:[::]:5070".into()],
        auto_answer: true,
        do_not_disturb: true,
        sip_trace: true,
        log_level: "trace".into(),
        rtp_port_min: 20000,
        rtp_port_max: 20099,
        default_account: Some("home".into()),
        handle: "alice".into(),
        display_name: Some("Alice A.".into()),
        mdns: false,
        dht: false,
        stun: Some("stun.example.net:3478".into()),
    };
    let audio = AudioSettings {
        input_device: Some("USB Headset".into()),
        output_device: Some("pulse".into()),
        ringer_device: Some("Speakers".into()),
        echo_cancellation: false,
        noise_suppression: true,
        gain_control: false,
        codecs: vec!["g722".into(), "pcma".into()],
    };
    let ui = UiSettings {
        language: Some("fr".into()),
        theme: ThemeChoice::Dark,
        start_minimized: true,
    };
    Config {
        general,
        audio,
        ui,
        accounts: vec![work, home],
    }
}

#[test]
fn save_then_load_round_trips() {
    let dir = TempDir::new("round-trip");
    let path = dir.0.join("nested").join("config.toml");
    for config in [full_config(), Config::default()] {
        save(&path, &config).unwrap();
        let loaded = load(&path);
        assert_eq!(loaded.warnings, Vec::<String>::new());
        assert_eq!(loaded.config, config);
    }
    let names: Vec<_> = fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["config.toml"], "no temporary file left behind");
}

#[test]
fn none_fields_are_not_written() {
    let dir = TempDir::new("none-omitted");
    let path = dir.0.join("config.toml");
    let mut config = Config::default();
    config
        .accounts
        .push(AccountSettings::new("a", "sip:a@example.com"));
    save(&path, &config).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    for key in [
        "default_account",
        "registrar",
        "outbound_proxy",
        "ca_file",
        "password_file",
        "auth_user",
    ] {
        assert!(!text.contains(key), "{key} in {text}");
    }
}

#[test]
fn missing_file_gives_defaults_silently() {
    let dir = TempDir::new("missing");
    let loaded = load(&dir.0.join("config.toml"));
    assert_eq!(
        loaded,
        Loaded {
            config: Config::default(),
            warnings: vec![],
            kept_aside: None
        }
    );
}

#[test]
fn missing_fields_take_defaults() {
    let loaded = load_str(
        "missing-fields",
        "[general]\nauto_answer = true\n\n[[accounts]]\nname = \"a\"\naor = \"sip:a@example.com\"\n",
    );
    assert_eq!(loaded.warnings, Vec::<String>::new());
    let mut want = Config::default();
    want.general.auto_answer = true;
    want.accounts
        .push(AccountSettings::new("a", "sip:a@example.com"));
    assert_eq!(loaded.config, want);
}

#[test]
fn wrong_fields_warn_and_default() {
    let text = r#"
        [general]
        auto_answer = "yes"
        log_level = "LOUD"
        rtp_port_min = 70000
        listen = ["udp:0.0.0.0:5080", "carrier-pigeon", 5]
        colour = "blue"
        handle = "al ice"

        [[accounts]]
        name = "a"
        aor = "sip:a@example.com"

        [[accounts]]
        name = "b"
        aor = "sip:b@example.com"
        transport = "sctp"
        expires = 5
        registrar = "http://example.com"
        enabled = 1
    "#;
    let loaded = load_str("wrong-fields", text);
    let want = [
        "general.colour: unknown key ignored",
        "general.listen[1]: expected udp:IP:PORT, tcp:IP:PORT or tls:IP:PORT; ignored",
        "general.listen[2]: expected a string, found integer 5; ignored",
        "general.auto_answer: expected a boolean, found a string; using false",
        "general.log_level: expected one of error, warn, info, debug, trace, found \"LOUD\"; using info",
        "general.rtp_port_min: expected a port number (0 to 65535), found 70000; using 16384",
        "general.handle: expected 1 to 64 letters, digits or -_.!~*'()+; using me",
        "accounts[1].registrar: expected a sip: or sips: URI; ignored",
        "accounts[1].transport: expected one of auto, udp, tcp, tls, found \"sctp\"; using auto",
        "accounts[1].expires: 5 is outside 60..=86400; using 60",
        "accounts[1].enabled: expected a boolean, found integer 1; using true",
    ];
    for w in want {
        assert!(
            loaded.warnings.iter().any(|x| x == w),
            "missing {w:?} in {:#?}",
            loaded.warnings
        );
    }
    assert_eq!(loaded.warnings.len(), want.len(), "{:#?}", loaded.warnings);
    let g = &loaded.config.general;
    assert_eq!(
        (g.auto_answer, g.log_level.as_str(), g.rtp_port_min),
        (false, "info", 16384)
    );
    assert_eq!(g.listen, ["udp:0.0.0.0:5080"]);
    let b = &loaded.config.accounts[1];
    assert_eq!(
        (b.transport, b.expires, b.registrar.as_deref(), b.enabled),
        (Transport::Auto, 60, None, true)
    );
}

#[test]
fn inverted_rtp_range_and_unknown_default_account_fall_back() {
    let text =
        "[general]\nrtp_port_min = 30000\nrtp_port_max = 20000\ndefault_account = \"nope\"\n";
    let loaded = load_str("rtp-range", text);
    assert_eq!(loaded.warnings.len(), 2, "{:#?}", loaded.warnings);
    assert_eq!(loaded.config.general, General::default());
}

#[test]
fn wrong_top_level_shapes_warn() {
    let loaded = load_str("top-level", "general = 3\naccounts = \"none\"\n");
    assert_eq!(
        loaded.warnings,
        [
            "general: expected a table, found integer 3; using the defaults",
            "accounts: expected an array of tables, found a string; no accounts",
        ]
    );
    assert_eq!(loaded.config, Config::default());
}

#[test]
fn bad_accounts_are_skipped() {
    let text = r#"
        [[accounts]]
        name = "a"
        aor = "sip:a@example.com"

        [[accounts]]
        name = "a"
        aor = "sip:other@example.com"

        [[accounts]]
        name = "no-user"
        aor = "sip:example.com"

        [[accounts]]
        name = "not-sip"
        aor = "mailto:a@example.com"

        [[accounts]]
        aor = "sip:c@example.com"

        [[accounts]]
        name = "  "
        aor = "sip:d@example.com"
    "#;
    let loaded = load_str("bad-accounts", text);
    assert_eq!(
        loaded.warnings,
        [
            "accounts[1]: an earlier account is already named \"a\"; account skipped",
            "accounts[2].aor: expected a sip: or sips: URI with a user part; account skipped",
            "accounts[3].aor: expected a sip: or sips: URI; account skipped",
            "accounts[4]: no name; account skipped",
            "accounts[5].name: must not be empty; account skipped",
        ]
    );
    assert_eq!(
        loaded.config.accounts,
        [AccountSettings::new("a", "sip:a@example.com")]
    );
}

#[test]
fn password_keys_warn_without_the_value() {
    let text = r#"
        [[accounts]]
        name = "a"
        aor = "sip:a@example.com"
        password = "hunter2-secret"

        [[accounts]]
        name = "b"
        aor = "sip:b:hunter3-secret@example.com"
    "#;
    let loaded = load_str("password-key", text);
    assert_eq!(loaded.warnings.len(), 2, "{:#?}", loaded.warnings);
    assert!(loaded.warnings[0].starts_with("accounts[0].password: passwords are never read"));
    assert!(loaded.warnings[1].starts_with("accounts[1].aor: holds a password"));
    for w in &loaded.warnings {
        assert!(!w.contains("hunter"), "{w}");
    }
    assert_eq!(loaded.config.accounts.len(), 1);
    assert!(!format!("{:?}", loaded.config).contains("hunter"));
}

#[test]
fn corrupt_file_is_kept_aside_and_never_clobbered() {
    let dir = TempDir::new("corrupt");
    let first = "[general\nauto_answer = true\n";
    let path = dir.file("config.toml", first);
    let loaded = load(&path);
    assert_eq!(loaded.config, Config::default());
    let aside = loaded.kept_aside.clone().unwrap();
    assert!(!path.exists());
    assert_eq!(fs::read_to_string(&aside).unwrap(), first);
    assert_eq!(loaded.warnings.len(), 1);
    assert!(
        loaded.warnings[0].contains("not valid TOML at line 1, column"),
        "{}",
        loaded.warnings[0]
    );
    assert!(
        aside
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("config.toml.corrupt-")
    );

    let second = "x = = 1\n";
    dir.file("config.toml", second);
    let again = load(&path);
    let aside2 = again.kept_aside.unwrap();
    assert_ne!(aside, aside2);
    assert_eq!(fs::read_to_string(&aside).unwrap(), first);
    assert_eq!(fs::read_to_string(&aside2).unwrap(), second);
}

#[test]
fn non_utf8_file_is_kept_aside() {
    let dir = TempDir::new("not-utf8");
    let path = dir.0.join("config.toml");
    fs::write(&path, b"[general]\nlog_level = \"\xff\"\n").unwrap();
    let loaded = load(&path);
    assert!(
        loaded.warnings[0].contains("not valid UTF-8 at line 2, column 14"),
        "{}",
        loaded.warnings[0]
    );
    assert_eq!(
        fs::read(loaded.kept_aside.unwrap()).unwrap(),
        b"[general]\nlog_level = \"\xff\"\n"
    );
}

#[test]
fn secret_never_prints() {
    let secret = Secret::new("hunter2".into());
    assert_eq!(format!("{secret:?}"), "Secret(***)");
    assert_eq!(secret.expose(), "hunter2");
}

#[cfg(unix)]
fn password_file(dir: &TempDir, contents: &str, mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.file("password", contents);
    fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    path
}

#[cfg(unix)]
#[test]
fn password_file_must_be_private() {
    let dir = TempDir::new("password-file");
    let path = password_file(&dir, "hunter2\n", 0o644);
    let err = read_password_file(&path).unwrap_err();
    assert!(
        matches!(err, PasswordError::TooOpen { mode: 0o644, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("chmod 600") && !message.contains("hunter2"),
        "{message}"
    );

    let path = password_file(&dir, "hunter2\r\n", 0o600);
    assert_eq!(read_password_file(&path).unwrap().expose(), "hunter2");
    let path = password_file(&dir, "two\n\n", 0o400);
    assert_eq!(read_password_file(&path).unwrap().expose(), "two\n");
    let path = password_file(&dir, "\n", 0o600);
    assert!(matches!(
        read_password_file(&path),
        Err(PasswordError::EmptyFile { .. })
    ));
    let missing = dir.0.join("nope");
    assert!(matches!(
        read_password_file(&missing),
        Err(PasswordError::Read { .. })
    ));
}

#[test]
fn password_line_is_trimmed_once() {
    let read = |s: &str| read_password_line(s.as_bytes()).map(|s| s.expose().to_owned());
    assert_eq!(read("hunter2\nnext line\n").unwrap(), "hunter2");
    assert_eq!(read(" spaced \r\n").unwrap(), " spaced ");
    assert_eq!(read("no newline").unwrap(), "no newline");
    assert!(matches!(read("\n"), Err(PasswordError::Empty)));
    assert!(matches!(read(""), Err(PasswordError::Empty)));
}

#[test]
fn default_path_ends_in_config_toml() {
    if let Some(path) = default_path() {
        assert!(
            path.ends_with(Path::new("tincan").join("config.toml")),
            "{}",
            path.display()
        );
    }
}

#[test]
fn audio_settings_take_their_defaults_when_wrong() {
    let text = "[audio]\ninput_device = \"\"\necho_cancellation = \"yes\"\n\
                gain_control = false\nvolume = 3\n";
    let loaded = load_str("audio", text);
    let audio = &loaded.config.audio;
    assert_eq!(audio.input_device, None);
    assert!(audio.echo_cancellation && audio.noise_suppression && !audio.gain_control);
    assert_eq!(loaded.warnings.len(), 3, "{:?}", loaded.warnings);
    let sound = audio.sound();
    assert!(!sound.processing.gain_control && sound.processing.echo_cancellation);
}

#[test]
fn codecs_are_read_in_order_and_a_bad_list_keeps_the_default() {
    let loaded = load_str(
        "codecs",
        "[audio]\ncodecs = [\"PCMA\", \"g722\", \"pcma\"]\n",
    );
    assert_eq!(loaded.config.audio.codecs, ["pcma", "g722"]);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let codecs = crate::engine::setup::codecs(&loaded.config.audio.codecs);
    let names: Vec<&str> = codecs.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["PCMA", "G722"]);

    for bad in ["codecs = [\"speex\"]", "codecs = []", "codecs = \"opus\""] {
        let loaded = load_str("codecs", &format!("[audio]\n{bad}\n"));
        assert_eq!(
            loaded.config.audio.codecs,
            ["opus", "pcmu", "pcma"],
            "{bad}"
        );
        assert_eq!(loaded.warnings.len(), 1, "{bad}: {:?}", loaded.warnings);
        assert!(
            loaded.warnings[0].contains("codecs"),
            "{:?}",
            loaded.warnings
        );
    }
}

/// `[ui]` round-trips; a theme or language Tincan does not know falls back to its default
/// with a warning naming the key and the choices, the rest of the table is kept.
#[test]
fn ui_settings_load_tolerantly() {
    let loaded = load_str(
        "ui",
        "[general]\ndo_not_disturb = true\n[ui]\ntheme = \"purple\"\nlanguage = \"DE\"\n\
         start_minimized = true\n",
    );
    assert_eq!(loaded.config.ui.theme, ThemeChoice::System);
    assert_eq!(loaded.config.ui.language.as_deref(), Some("de"));
    assert!(loaded.config.ui.start_minimized);
    assert!(loaded.config.general.do_not_disturb);
    assert_eq!(
        loaded.warnings,
        ["ui.theme: expected one of system, light, dark, found \"purple\"; using system"]
    );
    let loaded = load_str("ui-lang", "[ui]\nlanguage = \"xx\"\ntheme = \"dark\"\n");
    assert_eq!(loaded.config.ui.language, None);
    assert_eq!(loaded.config.ui.theme, ThemeChoice::Dark);
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert!(loaded.warnings[0].starts_with("ui.language: expected one of en, de, fr, es"));
}
