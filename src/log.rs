//! Logging through `tracing`: to stderr and to a daily rolling file, plus [`Redacted`] for
//! user identifiers.
//!
//! [`init`] installs the process-wide subscriber once, at start-up. Full SIP messages are
//! logged under the target [`SIP_TRACE_TARGET`] and are only kept when the options ask for
//! SIP traces *and* the level is `trace`. User identifiers (SIP URIs, phone numbers, IP
//! addresses) go through [`redact`]: at `info` and above they are masked, at `debug` and
//! `trace` (an explicit choice to diagnose) they are shown in full (STYLE.md, "logs").

#[cfg(test)]
mod tests;

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::Subscriber;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, InitError, Rotation};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt as format;
use tracing_subscriber::layer::SubscriberExt;

/// The target of events that carry whole SIP messages.
pub const SIP_TRACE_TARGET: &str = "tincan::sip_trace";
/// How many daily log files are kept; older ones are deleted on rotation.
pub const MAX_LOG_FILES: usize = 7;

/// Whether [`Redacted`] shows values in full; set by [`init`], redacting until then.
static SHOW_IDENTIFIERS: AtomicBool = AtomicBool::new(false);

/// What [`init`] sets up.
#[derive(Debug, Clone, PartialEq)]
pub struct LogOptions {
    /// The most verbose level kept.
    pub level: LevelFilter,
    /// Keep full SIP messages (only effective at [`LevelFilter::TRACE`]).
    pub sip_trace: bool,
    /// Where the daily `tincan.<date>.log` files go; `None` for no file.
    pub file_dir: Option<PathBuf>,
    /// Also write to standard error.
    pub stderr: bool,
}

impl Default for LogOptions {
    /// `info`, no SIP traces, stderr only.
    fn default() -> Self {
        Self {
            level: LevelFilter::INFO,
            sip_trace: false,
            file_dir: None,
            stderr: true,
        }
    }
}

/// Keeps the file writer alive; drop it last (at exit) so buffered lines are flushed.
#[derive(Debug)]
pub struct LogGuard {
    _file: Option<WorkerGuard>,
}

/// Why [`init`] failed.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The log directory could not be created.
    #[error("cannot create the log directory {}: {source}", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The log directory or file cannot be created.
    #[error("cannot open a log file in {}: {source}", dir.display())]
    File {
        /// The log directory.
        dir: PathBuf,
        /// What the appender said.
        #[source]
        source: InitError,
    },
    /// Another global subscriber was installed first.
    #[error("cannot install the logger: {source}")]
    AlreadyInstalled {
        /// What `tracing` said.
        #[source]
        source: tracing::subscriber::SetGlobalDefaultError,
    },
}

/// The level named `error`, `warn`, `info`, `debug` or `trace` (any case), as in the
/// settings file's `general.log_level`.
pub fn parse_level(name: &str) -> Option<LevelFilter> {
    match name.to_ascii_lowercase().as_str() {
        "error" => Some(LevelFilter::ERROR),
        "warn" => Some(LevelFilter::WARN),
        "info" => Some(LevelFilter::INFO),
        "debug" => Some(LevelFilter::DEBUG),
        "trace" => Some(LevelFilter::TRACE),
        _ => None,
    }
}

/// The usual log directory (`~/.local/share/tincan/logs` on Linux), if the platform has a
/// home directory.
pub fn default_log_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("org", "Tincan", "tincan")?;
    Some(dirs.data_local_dir().join("logs"))
}

/// Installs the process-wide subscriber. Call once; keep the guard until exit.
pub fn init(options: &LogOptions) -> Result<LogGuard, LogError> {
    let (subscriber, file) = build(options)?;
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|source| LogError::AlreadyInstalled { source })?;
    SHOW_IDENTIFIERS.store(options.level >= LevelFilter::DEBUG, Ordering::Relaxed);
    Ok(LogGuard { _file: file })
}

/// Builds the subscriber [`init`] installs, without installing it (tests use it with
/// `tracing::subscriber::with_default`).
fn build(
    options: &LogOptions,
) -> Result<(impl Subscriber + Send + Sync + 'static, Option<WorkerGuard>), LogError> {
    let sip_trace = if options.sip_trace && options.level == LevelFilter::TRACE {
        LevelFilter::TRACE
    } else {
        LevelFilter::OFF
    };
    // The DHT crate logs our public address at info, unmasked: below debug, only its
    // warnings and errors pass.
    let dht = if options.level >= LevelFilter::DEBUG {
        options.level
    } else {
        options.level.min(LevelFilter::WARN)
    };
    let filter = Targets::new()
        .with_default(options.level)
        .with_target(SIP_TRACE_TARGET, sip_trace)
        .with_target("mainline", dht);
    let stderr = options
        .stderr
        .then(|| format::layer().with_writer(std::io::stderr));
    let (file, guard) = match &options.file_dir {
        Some(dir) => {
            // The appender's clean-up of old files complains when the directory is missing.
            std::fs::create_dir_all(dir).map_err(|source| LogError::CreateDir {
                dir: dir.clone(),
                source,
            })?;
            let appender = Builder::new()
                .rotation(Rotation::DAILY)
                .filename_prefix("tincan")
                .filename_suffix("log")
                .max_log_files(MAX_LOG_FILES)
                .build(dir)
                .map_err(|source| LogError::File {
                    dir: dir.clone(),
                    source,
                })?;
            let (writer, guard) = tracing_appender::non_blocking(appender);
            (
                Some(format::layer().with_ansi(false).with_writer(writer)),
                Some(guard),
            )
        }
        None => (None, None),
    };
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        .with(stderr)
        .with(file);
    Ok((subscriber, guard))
}

/// A user identifier in a log line: shown in full at `debug` and `trace`, masked otherwise
/// (see [`redacted_form`]). `Debug` prints the same as `Display`.
pub struct Redacted<T: fmt::Display>(pub T);

/// Wraps `value` so it is masked in logs at `info` and above.
pub fn redact<T: fmt::Display>(value: T) -> Redacted<T> {
    Redacted(value)
}

impl<T: fmt::Display> fmt::Display for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if SHOW_IDENTIFIERS.load(Ordering::Relaxed) {
            self.0.fmt(f)
        } else {
            f.write_str(&redacted_form(&self.0.to_string()))
        }
    }
}

impl<T: fmt::Display> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The masked form of an identifier: `sip:a***@e***` for a SIP URI (scheme kept, first
/// character of user and host kept), `<ip>` or `<ip>:5060` for an IP or socket address, and
/// `***(N)` (N characters) for anything else, phone numbers included.
pub fn redacted_form(s: &str) -> String {
    let trimmed = s.trim();
    if let Ok(address) = trimmed.parse::<SocketAddr>() {
        return format!("<ip>:{}", address.port());
    }
    if trimmed.parse::<IpAddr>().is_ok() {
        return "<ip>".to_owned();
    }
    if let Some((scheme, rest)) = trimmed.split_once(':') {
        if scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips") {
            return match rest.split_once('@') {
                Some((user, host)) => format!("{scheme}:{}@{}", first_char(user), first_char(host)),
                None => format!("{scheme}:{}", first_char(rest)),
            };
        }
    }
    format!("***({})", s.chars().count())
}

/// The first character followed by `***` (just `***` when empty).
fn first_char(s: &str) -> String {
    s.chars()
        .next()
        .map_or_else(|| "***".to_owned(), |c| format!("{c}***"))
}

/// A free-text message with every identifier in it masked (see [`redacted_form`]) unless the
/// log level shows identifiers: for messages built elsewhere (errors of lower layers, the
/// core's warnings) that may name URIs, numbers or addresses anywhere.
pub fn scrub(text: &str) -> std::borrow::Cow<'_, str> {
    if SHOW_IDENTIFIERS.load(Ordering::Relaxed) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(scrubbed_form(text))
    }
}

/// [`scrub`]'s masking, whatever the level: each word (split at white space) that is, once
/// quotes, angle brackets, parentheses and trailing punctuation are set aside, a SIP or tel URI, an IP or socket
/// address, or a number of five digits or more (a phone number) is replaced.
pub fn scrubbed_form(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let core_start = word
            .find(|c: char| !matches!(c, '"' | '\'' | '<' | '(' | '{'))
            .unwrap_or(word.len());
        let core_end = word
            .rfind(|c: char| !matches!(c, '"' | '\'' | '>' | ')' | '}' | ',' | ';' | ':' | '.'))
            .map_or(core_start, |e| e + 1)
            .max(core_start);
        let core = &word[core_start..core_end];
        out.push_str(&word[..core_start]);
        if is_identifier(core) {
            out.push_str(&redacted_form(core));
        } else {
            out.push_str(core);
        }
        out.push_str(&word[core_end..]);
    }
    out
}

/// Whether a word names someone or somewhere.
fn is_identifier(word: &str) -> bool {
    let unbracketed = word.trim_start_matches('[').trim_end_matches(']');
    if word.parse::<SocketAddr>().is_ok() || unbracketed.parse::<IpAddr>().is_ok() {
        return true;
    }
    let lower = word.to_ascii_lowercase();
    if ["sip:", "sips:", "tel:"]
        .iter()
        .any(|s| lower.starts_with(s))
    {
        return true;
    }
    let digits = word.strip_prefix('+').unwrap_or(word);
    digits.len() >= 5
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'-')
        && digits.bytes().filter(u8::is_ascii_digit).count() >= 5
}
