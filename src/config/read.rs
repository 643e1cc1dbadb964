//! Tolerant reading of a parsed settings table, field by field (STYLE.md habit 10).
//!
//! Each field is converted on its own; a wrong one falls back to its default and adds a
//! warning naming its path (`accounts[1].transport`). Warnings never quote free-form string
//! values (they may hold addresses, numbers or secrets): only the choice of an enumerated field
//! (`transport`, `log_level`) and account names are shown.

use super::{
    AccountSettings, AudioSettings, Config, DEFAULT_EXPIRES, DEFAULT_LISTEN, DEFAULT_RTP_PORTS,
    EXPIRES_RANGE, General, LANGUAGES, ThemeChoice, Transport, UiSettings,
};
use crate::sip::uri::SipUri;
use std::fmt::Display;
use std::net::SocketAddr;
use std::path::PathBuf;
use toml::{Table, Value};

/// The log levels `general.log_level` accepts.
const LOG_LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];

const GENERAL_KEYS: [&str; 13] = [
    "listen",
    "auto_answer",
    "do_not_disturb",
    "sip_trace",
    "log_level",
    "rtp_port_min",
    "rtp_port_max",
    "default_account",
    "handle",
    "display_name",
    "mdns",
    "dht",
    "stun",
];

const AUDIO_KEYS: [&str; 7] = [
    "codecs",
    "input_device",
    "output_device",
    "ringer_device",
    "echo_cancellation",
    "noise_suppression",
    "gain_control",
];

const UI_KEYS: [&str; 3] = ["language", "theme", "start_minimized"];

const ACCOUNT_KEYS: [&str; 12] = [
    "name",
    "enabled",
    "display_name",
    "aor",
    "auth_user",
    "registrar",
    "outbound_proxy",
    "transport",
    "ca_file",
    "expires",
    "register",
    "password_file",
];

const PASSWORD_WARNING: &str = "passwords are never read from the config file (use the OS \
                                keyring or password_file); ignored";

/// Reads the whole document; every problem becomes one line in `warnings`.
pub(super) fn config(table: &Table, warnings: &mut Vec<String>) -> Config {
    find_passwords(table, "", warnings);
    let mut top = Fields {
        table,
        path: String::new(),
        warnings,
    };
    top.unknown_keys(&["general", "audio", "ui", "accounts"]);
    let empty = Table::new();
    let general = top
        .take("general", "using the defaults", |v| as_table(v))
        .unwrap_or(&empty);
    let audio = top
        .take("audio", "using the defaults", |v| as_table(v))
        .unwrap_or(&empty);
    let ui = top
        .take("ui", "using the defaults", |v| as_table(v))
        .unwrap_or(&empty);
    let accounts = top.take("accounts", "no accounts", |v| {
        v.as_array()
            .ok_or_else(|| expected("an array of tables", v))
    });
    let mut general = self::general(general, warnings);
    let audio = self::audio(audio, warnings);
    let ui = self::ui(ui, warnings);
    let accounts = self::accounts(accounts.map_or(&[][..], Vec::as_slice), warnings);
    if let Some(name) = &general.default_account {
        if !accounts.iter().any(|a| &a.name == name) {
            warnings.push(format!(
                "general.default_account: no account named {name:?}; ignored"
            ));
            general.default_account = None;
        }
    }
    Config {
        general,
        audio,
        ui,
        accounts,
    }
}

/// Reads `[ui]`.
fn ui(table: &Table, warnings: &mut Vec<String>) -> UiSettings {
    let d = UiSettings::default();
    let mut f = Fields {
        table,
        path: "ui".to_owned(),
        warnings,
    };
    f.unknown_keys(&UI_KEYS);
    UiSettings {
        language: f.take("language", "using the environment's", language),
        theme: f.take("theme", "using system", theme).unwrap_or(d.theme),
        start_minimized: f.or("start_minimized", d.start_minimized, boolean),
    }
}

/// Reads `[audio]`.
fn audio(table: &Table, warnings: &mut Vec<String>) -> AudioSettings {
    let d = AudioSettings::default();
    let mut f = Fields {
        table,
        path: "audio".to_owned(),
        warnings,
    };
    f.unknown_keys(&AUDIO_KEYS);
    AudioSettings {
        input_device: f.take("input_device", "using the default", non_empty),
        output_device: f.take("output_device", "using the default", non_empty),
        ringer_device: f.take("ringer_device", "using the default", non_empty),
        echo_cancellation: f.or("echo_cancellation", d.echo_cancellation, boolean),
        noise_suppression: f.or("noise_suppression", d.noise_suppression, boolean),
        gain_control: f.or("gain_control", d.gain_control, boolean),
        codecs: f
            .take("codecs", "using opus, pcmu, pcma", codecs)
            .unwrap_or(d.codecs),
    }
}

/// Reads `[general]`.
fn general(table: &Table, warnings: &mut Vec<String>) -> General {
    let d = General::default();
    let mut f = Fields {
        table,
        path: "general".to_owned(),
        warnings,
    };
    f.unknown_keys(&GENERAL_KEYS);
    let mut general = General {
        listen: listen(&mut f).unwrap_or(d.listen),
        auto_answer: f.or("auto_answer", d.auto_answer, boolean),
        do_not_disturb: f.or("do_not_disturb", d.do_not_disturb, boolean),
        sip_trace: f.or("sip_trace", d.sip_trace, boolean),
        log_level: f.or("log_level", d.log_level, log_level),
        rtp_port_min: f.or("rtp_port_min", d.rtp_port_min, port),
        rtp_port_max: f.or("rtp_port_max", d.rtp_port_max, port),
        default_account: f.take("default_account", "ignored", string),
        handle: f.or("handle", d.handle, handle),
        display_name: f.take("display_name", "ignored", string),
        mdns: f.or("mdns", d.mdns, boolean),
        dht: f.or("dht", d.dht, boolean),
        stun: f.take("stun", "ignored", host_port),
    };
    if general.rtp_port_min > general.rtp_port_max {
        let (min, max) = DEFAULT_RTP_PORTS;
        f.warnings.push(format!(
            "general.rtp_port_min: {} is above rtp_port_max {}; using {min}..={max}",
            general.rtp_port_min, general.rtp_port_max
        ));
        (general.rtp_port_min, general.rtp_port_max) = DEFAULT_RTP_PORTS;
    }
    general
}

/// Reads `general.listen`, dropping entries that are not `udp|tcp|tls:ip:port`.
fn listen(f: &mut Fields<'_, '_>) -> Option<Vec<String>> {
    let shown = DEFAULT_LISTEN.join(", ");
    let fallback = format!("using {shown}");
    let entries = f.take("listen", &fallback, |v| {
        v.as_array()
            .ok_or_else(|| expected("an array of strings", v))
    })?;
    let mut listen = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        match entry.as_str() {
            Some(s) if is_listen_address(s) => listen.push(s.to_owned()),
            Some(_) => f.warn(
                &format!("listen[{i}]"),
                "expected udp:IP:PORT, tcp:IP:PORT or tls:IP:PORT; ignored",
            ),
            None => f.warn(
                &format!("listen[{i}]"),
                format!("{}; ignored", expected("a string", entry)),
            ),
        }
    }
    if listen.is_empty() {
        f.warn("listen", format!("no usable address; {fallback}"));
        return None;
    }
    Some(listen)
}

/// Whether `s` is `transport:socket-address` with a transport the engine knows.
fn is_listen_address(s: &str) -> bool {
    let Some((transport, address)) = s.split_once(':') else {
        return false;
    };
    ["udp", "tcp", "tls"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(transport))
        && address.parse::<SocketAddr>().is_ok()
}

/// Reads `[[accounts]]`, skipping invalid entries and later duplicates.
fn accounts(values: &[Value], warnings: &mut Vec<String>) -> Vec<AccountSettings> {
    let mut accounts: Vec<AccountSettings> = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let path = format!("accounts[{i}]");
        let Some(table) = value.as_table() else {
            warnings.push(format!(
                "{path}: {}; account skipped",
                expected("a table", value)
            ));
            continue;
        };
        let Some(account) = account(table, path.clone(), warnings) else {
            continue;
        };
        if accounts.iter().any(|a| a.name == account.name) {
            warnings.push(format!(
                "{path}: an earlier account is already named {:?}; account skipped",
                account.name
            ));
            continue;
        }
        accounts.push(account);
    }
    accounts
}

/// Reads one account; `None` (with a warning) when its name or AOR is missing or invalid.
fn account(table: &Table, path: String, warnings: &mut Vec<String>) -> Option<AccountSettings> {
    let mut f = Fields {
        table,
        path,
        warnings,
    };
    f.unknown_keys(&ACCOUNT_KEYS);
    let name = f.take("name", "account skipped", non_empty);
    let aor = f.take("aor", "account skipped", aor);
    let (Some(name), Some(aor)) = (name, aor) else {
        f.missing("name");
        f.missing("aor");
        return None;
    };
    let d = AccountSettings::new(name, aor);
    Some(AccountSettings {
        enabled: f.or("enabled", d.enabled, boolean),
        display_name: f.take("display_name", "ignored", string),
        auth_user: f.take("auth_user", "ignored", non_empty),
        registrar: f.take("registrar", "ignored", proxy_uri),
        outbound_proxy: f.take("outbound_proxy", "ignored", proxy_uri),
        transport: f
            .take("transport", "using auto", transport)
            .unwrap_or(d.transport),
        ca_file: f.take("ca_file", "ignored", file_path),
        expires: expires(&mut f),
        register: f.or("register", d.register, boolean),
        password_file: f.take("password_file", "ignored", file_path),
        ..d
    })
}

/// Reads `expires`, clamping it into [`EXPIRES_RANGE`].
fn expires(f: &mut Fields<'_, '_>) -> u32 {
    let seconds = f.or("expires", i64::from(DEFAULT_EXPIRES), integer);
    let (min, max) = (*EXPIRES_RANGE.start(), *EXPIRES_RANGE.end());
    let clamped = seconds.clamp(i64::from(min), i64::from(max));
    if clamped != seconds {
        f.warn(
            "expires",
            format!("{seconds} is outside {min}..={max}; using {clamped}"),
        );
    }
    u32::try_from(clamped).unwrap_or(DEFAULT_EXPIRES)
}

/// Warns about every key named `password` (any case), wherever it is. The value is never
/// looked at.
fn find_passwords(table: &Table, path: &str, warnings: &mut Vec<String>) {
    for (key, value) in table {
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        if key.eq_ignore_ascii_case("password") {
            warnings.push(format!("{here}: {PASSWORD_WARNING}"));
            continue;
        }
        match value {
            Value::Table(inner) => find_passwords(inner, &here, warnings),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Value::Table(inner) = item {
                        find_passwords(inner, &format!("{here}[{i}]"), warnings);
                    }
                }
            }
            _ => {}
        }
    }
}

/// One table being read, with the path its warnings are reported under.
struct Fields<'t, 'w> {
    table: &'t Table,
    path: String,
    warnings: &'w mut Vec<String>,
}

impl<'t> Fields<'t, '_> {
    /// Records a warning about `key` of this table.
    fn warn(&mut self, key: &str, message: impl Display) {
        let path = if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        };
        self.warnings.push(format!("{path}: {message}"));
    }

    /// The converted value of `key`: `None` silently when absent, `None` with a warning
    /// ending in `fallback` when `convert` rejects it.
    fn take<T>(
        &mut self,
        key: &str,
        fallback: &str,
        convert: impl FnOnce(&'t Value) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.table.get(key)?;
        convert(value)
            .map_err(|problem| self.warn(key, format!("{problem}; {fallback}")))
            .ok()
    }

    /// The converted value of `key`, or `default` (with a warning when it was wrong).
    fn or<T: Display>(
        &mut self,
        key: &str,
        default: T,
        convert: impl FnOnce(&'t Value) -> Result<T, String>,
    ) -> T {
        let fallback = format!("using {default}");
        self.take(key, &fallback, convert).unwrap_or(default)
    }

    /// Warns that a required `key` is absent, if it is (`take` warns when it is wrong).
    fn missing(&mut self, key: &str) {
        if !self.table.contains_key(key) {
            self.warnings
                .push(format!("{}: no {key}; account skipped", self.path));
        }
    }

    /// Warns about keys this table does not have (passwords are warned about elsewhere).
    fn unknown_keys(&mut self, known: &[&str]) {
        let table = self.table;
        for key in table.keys() {
            if !known.contains(&key.as_str()) && !key.eq_ignore_ascii_case("password") {
                self.warn(key, "unknown key ignored");
            }
        }
    }
}

/// `expected <what>, found <kind of value>`, never quoting a string's contents.
fn expected(what: &str, found: &Value) -> String {
    let found = match found {
        Value::String(_) => "a string".to_owned(),
        Value::Integer(i) => format!("integer {i}"),
        Value::Float(x) => format!("float {x}"),
        Value::Boolean(b) => format!("boolean {b}"),
        Value::Datetime(_) => "a date-time".to_owned(),
        Value::Array(_) => "an array".to_owned(),
        Value::Table(_) => "a table".to_owned(),
    };
    format!("expected {what}, found {found}")
}

fn as_table(v: &Value) -> Result<&Table, String> {
    v.as_table().ok_or_else(|| expected("a table", v))
}

/// A list of codec names, each known, at least one.
fn codecs(v: &Value) -> Result<Vec<String>, String> {
    let list = v.as_array().ok_or("not a list of codec names")?;
    let mut names = Vec::new();
    for item in list {
        let name = item.as_str().ok_or("not a list of codec names")?;
        let name = name.to_ascii_lowercase();
        if crate::sip::offer_answer::Codec::by_name(&name).is_none() {
            return Err(format!(
                "{name:?} is no codec Tincan knows ({})",
                crate::sip::offer_answer::Codec::NAMES.join(", ")
            ));
        }
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.is_empty() {
        return Err("no codec named".to_owned());
    }
    Ok(names)
}

fn boolean(v: &Value) -> Result<bool, String> {
    v.as_bool().ok_or_else(|| expected("a boolean", v))
}

fn integer(v: &Value) -> Result<i64, String> {
    v.as_integer().ok_or_else(|| expected("an integer", v))
}

fn string(v: &Value) -> Result<String, String> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| expected("a string", v))
}

fn non_empty(v: &Value) -> Result<String, String> {
    match v.as_str() {
        Some(s) if s.trim().is_empty() => Err("must not be empty".to_owned()),
        _ => string(v),
    }
}

fn file_path(v: &Value) -> Result<PathBuf, String> {
    non_empty(v).map(PathBuf::from)
}

fn port(v: &Value) -> Result<u16, String> {
    let wide = integer(v)?;
    u16::try_from(wide).map_err(|_| format!("expected a port number (0 to 65535), found {wide}"))
}

fn log_level(v: &Value) -> Result<String, String> {
    let s = string(v)?;
    let lower = s.to_ascii_lowercase();
    if LOG_LEVELS.contains(&lower.as_str()) {
        return Ok(lower);
    }
    Err(format!(
        "expected one of {}, found {s:?}",
        LOG_LEVELS.join(", ")
    ))
}

/// `host:port` with a port (a STUN server).
fn host_port(v: &Value) -> Result<String, String> {
    let s = string(v)?;
    match s.rsplit_once(':').map(|(h, p)| (h, p.parse::<u16>())) {
        Some((host, Ok(port))) if !host.is_empty() && port != 0 => Ok(s),
        _ => Err(format!("expected host:port, found {s:?}")),
    }
}

/// A SIP user part without escapes (RFC 3261 §25.1 `unreserved`, plus `+` for numbers).
fn handle(v: &Value) -> Result<String, String> {
    let s = string(v)?;
    let ok = |c: char| c.is_ascii_alphanumeric() || "-_.!~*'()+".contains(c);
    if !s.is_empty() && s.len() <= 64 && s.chars().all(ok) {
        return Ok(s);
    }
    Err("expected 1 to 64 letters, digits or -_.!~*'()+".to_owned())
}

fn language(v: &Value) -> Result<String, String> {
    let s = string(v)?;
    let lower = s.to_ascii_lowercase();
    if LANGUAGES.contains(&lower.as_str()) {
        return Ok(lower);
    }
    Err(format!(
        "expected one of {}, found {s:?}",
        LANGUAGES.join(", ")
    ))
}

fn theme(v: &Value) -> Result<ThemeChoice, String> {
    let s = string(v)?;
    if let Some((_, t)) = ThemeChoice::ALL
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(&s))
    {
        return Ok(*t);
    }
    let names: Vec<&str> = ThemeChoice::ALL.iter().map(|(name, _)| *name).collect();
    Err(format!("expected one of {}, found {s:?}", names.join(", ")))
}

fn transport(v: &Value) -> Result<Transport, String> {
    let s = string(v)?;
    if let Some((_, t)) = Transport::ALL
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(&s))
    {
        return Ok(*t);
    }
    let names: Vec<&str> = Transport::ALL.iter().map(|(name, _)| *name).collect();
    Err(format!("expected one of {}, found {s:?}", names.join(", ")))
}

/// A `sip:`/`sips:` URI, without a password in it.
fn sip_uri(v: &Value) -> Result<(String, SipUri), String> {
    let s = string(v)?;
    let uri = SipUri::parse(&s).map_err(|_| "expected a sip: or sips: URI".to_owned())?;
    if uri.password.is_some() {
        return Err(format!(
            "holds a password; {}",
            PASSWORD_WARNING.trim_end_matches("; ignored")
        ));
    }
    Ok((s, uri))
}

fn proxy_uri(v: &Value) -> Result<String, String> {
    sip_uri(v).map(|(s, _)| s)
}

fn aor(v: &Value) -> Result<String, String> {
    let (s, uri) = sip_uri(v)?;
    match uri.user {
        Some(user) if !user.is_empty() => Ok(s),
        _ => Err("expected a sip: or sips: URI with a user part".to_owned()),
    }
}
