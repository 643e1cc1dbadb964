//! The settings file (`config.toml`), shared by the command-line engine and the window.
//!
//! Loading is tolerant (STYLE.md habit 10, the way sniffnet's `deserialize_or_default` is):
//! every field is read on its own, a missing field takes its default silently, and a field of
//! the wrong type or with an invalid value takes its default with a warning naming its path
//! (`accounts[1].transport`). A file that is not TOML at all is kept aside as
//! `<name>.corrupt-<unix seconds>`, never overwritten or deleted, and the defaults are used.
//! Saving is atomic: a temporary file in the same directory, fsync, then rename.
//!
//! Passwords are never read from this file (a `password` key only earns a warning): they live
//! in the OS keyring or, headless, in a `password_file` readable by its owner only
//! ([`read_password_file`]).

mod password;
mod read;
#[cfg(test)]
mod tests;

pub use password::{PasswordError, Secret, read_password_file, read_password_line};

use serde::Serialize;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The whole settings file.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Config {
    /// The `[general]` table.
    pub general: General,
    /// The `[audio]` table.
    pub audio: AudioSettings,
    /// The `[ui]` table (the window only).
    pub ui: UiSettings,
    /// The `[[accounts]]` tables, in file order, names unique.
    pub accounts: Vec<AccountSettings>,
}

/// Settings that are not tied to an account (`[general]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct General {
    /// Where to listen, as `transport:ip:port` (`udp:0.0.0.0:5060`, `tcp:[::]:5060`).
    pub listen: Vec<String>,
    /// Answer incoming calls without asking.
    pub auto_answer: bool,
    /// Do not disturb: incoming calls are declined with 486 Busy Here (and recorded as
    /// missed), without ringing.
    pub do_not_disturb: bool,
    /// Log full SIP messages (target `tincan::sip_trace`) when the log level is `trace`.
    pub sip_trace: bool,
    /// One of `error`, `warn`, `info`, `debug`, `trace` (always lower case).
    pub log_level: String,
    /// The lowest local RTP port (inclusive).
    pub rtp_port_min: u16,
    /// The highest local RTP port (inclusive); never below [`General::rtp_port_min`].
    pub rtp_port_max: u16,
    /// The name of the account used for outgoing calls when none is chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_account: Option<String>,
    /// The user part of our P2P address, `sip:<handle>@<key>` (a free name; the key is
    /// what identifies us).
    pub handle: String,
    /// The name people nearby see (`None`: the handle).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Advertise us and find people nearby on the local network (mDNS).
    pub mdns: bool,
    /// Publish our P2P address on the Mainline DHT and look others up there.
    pub dht: bool,
    /// A STUN server, `host:port`, that tells us our public address to publish.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stun: Option<String>,
}

impl Default for General {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN.iter().map(|s| (*s).to_owned()).collect(),
            auto_answer: false,
            do_not_disturb: false,
            sip_trace: false,
            log_level: "info".to_owned(),
            rtp_port_min: DEFAULT_RTP_PORTS.0,
            rtp_port_max: DEFAULT_RTP_PORTS.1,
            default_account: None,
            handle: DEFAULT_HANDLE.to_owned(),
            display_name: None,
            mdns: true,
            dht: true,
            stun: None,
        }
    }
}

/// Sound devices and processing (`[audio]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AudioSettings {
    /// The microphone, by name (`tincan devices` lists them); `None`: the system default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_device: Option<String>,
    /// The speaker, by name; `None`: the system default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_device: Option<String>,
    /// Where incoming calls ring, by name; `None`: the output device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ringer_device: Option<String>,
    /// Echo cancellation on the microphone.
    pub echo_cancellation: bool,
    /// Noise suppression on the microphone.
    pub noise_suppression: bool,
    /// Automatic gain control on the microphone.
    pub gain_control: bool,
    /// The audio codecs offered, in order of preference (`opus`, `g722`, `pcmu`, `pcma`).
    pub codecs: Vec<String>,
}

/// The codecs offered when the settings name none: Opus first, G.711 for every phone.
pub const DEFAULT_CODECS: [&str; 3] = ["opus", "pcmu", "pcma"];

impl Default for AudioSettings {
    fn default() -> Self {
        AudioSettings {
            input_device: None,
            output_device: None,
            ringer_device: None,
            echo_cancellation: true,
            noise_suppression: true,
            gain_control: true,
            codecs: DEFAULT_CODECS.iter().map(|c| (*c).to_owned()).collect(),
        }
    }
}

impl AudioSettings {
    /// The sound-card settings these describe.
    pub fn sound(&self) -> crate::audio::SoundSettings {
        crate::audio::SoundSettings {
            input: self.input_device.clone(),
            output: self.output_device.clone(),
            ringer: self.ringer_device.clone(),
            processing: crate::audio::processing::ProcessingSettings {
                echo_cancellation: self.echo_cancellation,
                noise_suppression: self.noise_suppression,
                gain_control: self.gain_control,
            },
            playback_only: false,
        }
    }
}

/// The window's own settings (`[ui]`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct UiSettings {
    /// The language's code (`en`, `de`, `fr`, `es`); `None`: the one of the environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Light, dark, or whatever the desktop prefers.
    pub theme: ThemeChoice,
    /// The window opens minimized.
    pub start_minimized: bool,
}

/// The window's looks (TOML strings `system`, `light`, `dark`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeChoice {
    /// Follow the desktop's preference (the XDG desktop portal's `color-scheme` on Linux;
    /// light when there is none).
    #[default]
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

impl ThemeChoice {
    /// Every choice, with its TOML name.
    pub const ALL: [(&'static str, ThemeChoice); 3] = [
        ("system", ThemeChoice::System),
        ("light", ThemeChoice::Light),
        ("dark", ThemeChoice::Dark),
    ];
}

/// The languages `ui.language` accepts (the window's translations).
pub const LANGUAGES: [&str; 4] = ["en", "de", "fr", "es"];

/// The default `general.listen`.
pub const DEFAULT_LISTEN: [&str; 2] = ["udp:0.0.0.0:5060", "tcp:0.0.0.0:5060"];
/// The default `general.handle`.
pub const DEFAULT_HANDLE: &str = "me";
/// The default RTP port range, inclusive.
pub const DEFAULT_RTP_PORTS: (u16, u16) = (16384, 16483);
/// The default registration lifetime, in seconds.
pub const DEFAULT_EXPIRES: u32 = 600;
/// The accepted registration lifetimes, in seconds; values outside are clamped.
pub const EXPIRES_RANGE: std::ops::RangeInclusive<u32> = 60..=86400;

/// One SIP account (`[[accounts]]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountSettings {
    /// The account's unique name (what the user picks it by).
    pub name: String,
    /// Whether the account is used at all.
    pub enabled: bool,
    /// The display name put in From headers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The address of record: a `sip:`/`sips:` URI with a user part, as written.
    pub aor: String,
    /// The digest user name; `None` means the AOR's user part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_user: Option<String>,
    /// The registrar URI; `None` means the engine derives it from the AOR's host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registrar: Option<String>,
    /// A `sip:`/`sips:` URI every request is sent through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbound_proxy: Option<String>,
    /// The transport to reach the provider with.
    pub transport: Transport,
    /// An extra CA certificate (PEM) to trust for TLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// The registration lifetime asked for, in seconds (within [`EXPIRES_RANGE`]).
    pub expires: u32,
    /// Whether to register; `false` means outgoing calls only.
    pub register: bool,
    /// Headless use: a file holding the password, readable by its owner only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
}

impl AccountSettings {
    /// An account with the given name and AOR and every other field at its default.
    pub fn new(name: impl Into<String>, aor: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            enabled: true,
            display_name: None,
            aor: aor.into(),
            auth_user: None,
            registrar: None,
            outbound_proxy: None,
            transport: Transport::Auto,
            ca_file: None,
            expires: DEFAULT_EXPIRES,
            register: true,
            password_file: None,
        }
    }
}

/// The transport an account uses (TOML strings `auto`, `udp`, `tcp`, `tls`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Whatever the provider's DNS records (RFC 3263) or the URI scheme say.
    #[default]
    Auto,
    /// UDP.
    Udp,
    /// TCP.
    Tcp,
    /// TLS over TCP.
    Tls,
}

impl Transport {
    /// Every transport, with its TOML name.
    pub const ALL: [(&'static str, Transport); 4] = [
        ("auto", Transport::Auto),
        ("udp", Transport::Udp),
        ("tcp", Transport::Tcp),
        ("tls", Transport::Tls),
    ];

    /// The TOML name.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Auto => "auto",
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
        }
    }
}

/// What [`load`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The settings, with defaults wherever the file was missing, wrong or unreadable.
    pub config: Config,
    /// One line per problem, for the caller to log once logging is up (none for a missing file).
    pub warnings: Vec<String>,
    /// Where an unreadable or corrupt file was moved to.
    pub kept_aside: Option<PathBuf>,
}

/// Why [`save`] failed. The file at the target path is unchanged in every case.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The settings cannot be written as TOML (a path that is not UTF-8, say).
    #[error("cannot write the settings for {}: {source}", path.display())]
    Serialize {
        /// The file that was to be written.
        path: PathBuf,
        /// What the TOML writer said.
        #[source]
        source: toml::ser::Error,
    },
    /// The directory cannot be created.
    #[error("cannot create directory {}: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The temporary file cannot be written or flushed to disk.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The temporary file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The temporary file cannot be renamed over the target.
    #[error("cannot replace {}: {source}", path.display())]
    Replace {
        /// The target file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

/// The usual place of the settings file (`~/.config/tincan/config.toml` on Linux), if the
/// platform has a home directory.
pub fn default_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("org", "Tincan", "tincan")?;
    Some(dirs.config_dir().join("config.toml"))
}

/// Reads the settings at `path`; never fails (see the module docs for what happens when the
/// file is missing, unreadable, corrupt or partly wrong).
pub fn load(path: &Path) -> Loaded {
    let text = match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let (line, column) = line_column(e.as_bytes(), at);
            format!("not valid UTF-8 at line {line}, column {column}")
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Loaded {
                config: Config::default(),
                warnings: Vec::new(),
                kept_aside: None,
            };
        }
        Err(e) => Err(format!("cannot be read ({e})")),
    };
    let table = text.and_then(|text| {
        text.parse::<toml::Table>().map_err(|e| {
            let (line, column) = line_column(text.as_bytes(), e.span().map_or(0, |s| s.start));
            format!(
                "not valid TOML at line {line}, column {column}: {}",
                e.message().trim()
            )
        })
    });
    match table {
        Ok(table) => {
            let mut warnings = Vec::new();
            let config = read::config(&table, &mut warnings);
            Loaded {
                config,
                warnings,
                kept_aside: None,
            }
        }
        Err(problem) => corrupt(path, &problem),
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `bytes`.
fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Moves a file that cannot be used out of the way, and returns the defaults.
fn corrupt(path: &Path, problem: &str) -> Loaded {
    let shown = path.display();
    match keep_aside(path) {
        Ok(aside) => Loaded {
            config: Config::default(),
            warnings: vec![format!(
                "{shown}: {problem}; kept aside as {}; using the default settings",
                aside.display()
            )],
            kept_aside: Some(aside),
        },
        Err(e) => Loaded {
            config: Config::default(),
            warnings: vec![format!(
                "{shown}: {problem}; it could not be kept aside ({e}) and is left as it is; \
                 using the default settings"
            )],
            kept_aside: None,
        },
    }
}

/// Renames `path` to `<name>.corrupt-<unix seconds>` (with `-2`, `-3`... if that is taken).
pub(crate) fn keep_aside(path: &Path) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or(io::ErrorKind::InvalidInput)?
        .to_string_lossy();
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    for n in 1..=100u32 {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let aside = path.with_file_name(format!("{name}.corrupt-{seconds}{suffix}"));
        // `rename` silently replaces an existing file, so look first: a kept-aside file is
        // never overwritten.
        if fs::symlink_metadata(&aside).is_ok() {
            continue;
        }
        fs::rename(path, &aside)?;
        return Ok(aside);
    }
    Err(io::ErrorKind::AlreadyExists.into())
}

/// Writes `config` to `path` atomically (temporary file in the same directory, fsync, rename),
/// creating the directory if needed. Fields that are `None` are left out.
pub fn save(path: &Path, config: &Config) -> Result<(), ConfigError> {
    let text = toml::to_string(config).map_err(|source| ConfigError::Serialize {
        path: path.to_owned(),
        source,
    })?;
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|source| ConfigError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
    }
    let name = path
        .file_name()
        .map_or_else(|| "config".into(), |n| n.to_string_lossy());
    // Unique per save, so that two saves at once (the accounts, the settings screen) never
    // write the same temporary file.
    static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_file_name(format!("{name}.tmp-{}-{n}", std::process::id()));
    let written = write_synced(&tmp, text.as_bytes());
    if let Err(source) = written {
        let _ = fs::remove_file(&tmp);
        return Err(ConfigError::Write { path: tmp, source });
    }
    if let Err(source) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(ConfigError::Replace {
            path: path.to_owned(),
            source,
        });
    }
    sync_dir(path);
    Ok(())
}

/// Creates (or truncates) `path`, writes `bytes` and waits until they are on disk.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Flushes the directory entry of a rename to disk where the platform allows it (best effort:
/// the data itself is already synced).
fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(handle) = File::open(dir) {
            let _ = handle.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
