//! The `tincan` binary. Until the window lands, it explains what it can do and offers:
//! - `tincan parse FILE...`: parse SIP messages (one per file, as a datagram), check them the
//!   way a UAS would, and print them back canonically;
//! - `tincan serve`: run the engine over UDP, driven by JSON lines on stdin and reporting JSON
//!   lines on stdout (the vocabulary is documented in `tincan::engine::json`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use tincan::engine::json::AccountNames;
use tincan::engine::{self, Command, EngineConfig, Event, Listen, json, setup};
use tincan::{config, log};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

const USAGE: &str = "\
Tincan, a SIP softphone (work in progress).

Commands:
  tincan parse FILE...   parse each file as one SIP message (as received in a UDP datagram),
                         report what a phone would answer to it, and print it canonically
  tincan serve [OPTIONS] run the phone engine without a window: the accounts of the settings
                         file register, one JSON command per line is read on stdin and one
                         JSON event per line is written on stdout, e.g.
                           {\"cmd\":\"dial\",\"call\":1,\"target\":\"sip:bob@127.0.0.1:5064\"}
                           {\"cmd\":\"dial\",\"call\":2,\"target\":\"bob\",\"account\":\"work\"}
                           {\"cmd\":\"answer\",\"call\":N}  {\"cmd\":\"reject\",\"call\":N,\"code\":486}
                           {\"cmd\":\"hangup\",\"call\":N}  {\"cmd\":\"hold\",\"call\":N}
                           {\"cmd\":\"resume\",\"call\":N}  {\"cmd\":\"quit\"}
                         End of input quits (calls are hung up, accounts unregistered).
    --config FILE        the settings file (default: config.toml in the OS config directory)
    --listen T:IP:PORT   where to listen, repeatable: udp:127.0.0.1:5062, tcp:[::1]:5062
                         (default: [general] listen of the settings file)
    --auto-answer        answer every incoming call
    --rtp-port PORT      the RTP port advertised in SDP (no audio flows yet)
    --password-stdin NAME  read account NAME's password from the first line of stdin
                         (otherwise from the account's password_file; never from arguments)
    --log-level LEVEL    error, warn, info (default), debug or trace
    --log-dir DIR        where the daily log files go (default: the OS data directory)
    --no-log-file        log to stderr only
  tincan help            this text

Audio, the window and serverless calling are being built.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("parse") if args.len() > 1 => parse_files(&args[1..]),
        Some("serve") => serve(&args[1..]),
        Some("help" | "--help" | "-h") => {
            out(USAGE);
            ExitCode::SUCCESS
        }
        None => {
            out(USAGE);
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("tincan: unknown command {other:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn parse_files(files: &[String]) -> ExitCode {
    let mut failed = false;
    for file in files {
        let data = match std::fs::read(file) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{file}: cannot read: {e}");
                failed = true;
                continue;
            }
        };
        match describe(&data) {
            Ok(text) => out(&format!("== {file}: valid\n{text}")),
            Err(text) => {
                out(&format!("== {file}: {text}"));
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The canonical form of a valid message, or what a phone does with an invalid one.
fn describe(data: &[u8]) -> Result<String, String> {
    use tincan::sip::{Message, parse_datagram};
    let message = parse_datagram(data).map_err(|e| format!("dropped: {e}"))?;
    if let Err(e) = message.validate() {
        return Err(match message {
            Message::Request(_) => {
                format!("answered {} {}: {e}", e.status_code(), e.reason_phrase())
            }
            Message::Response(_) => format!("dropped: {e}"),
        });
    }
    Ok(message.to_string())
}

/// Queue depth of the command and event channels (STYLE.md habit 7: bounded).
const CHANNEL_DEPTH: usize = 64;

/// `tincan serve`: the engine on a current-thread runtime, JSON lines in and out.
fn serve(args: &[String]) -> ExitCode {
    let options = match ServeOptions::parse(args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("tincan serve: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (config, warnings, _log) = match options.prepare() {
        Ok(prepared) => prepared,
        Err(message) => {
            eprintln!("tincan serve: {message}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tincan serve: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(serve_lines(config, warnings));
    // The stdin reader may sit in a blocking read on tokio's blocking pool; don't wait for it.
    runtime.shutdown_background();
    code
}

/// The options of `tincan serve`.
#[derive(Default)]
struct ServeOptions {
    config: Option<PathBuf>,
    listen: Vec<Listen>,
    auto_answer: bool,
    rtp_port: Option<u16>,
    log_dir: Option<PathBuf>,
    no_log_file: bool,
    log_level: Option<String>,
    password_stdin: Option<String>,
}

impl ServeOptions {
    fn parse(args: &[String]) -> Result<ServeOptions, String> {
        let mut o = ServeOptions::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |what: &str| {
                args.next()
                    .cloned()
                    .ok_or_else(|| format!("{arg} needs {what}"))
            };
            match arg.as_str() {
                "--auto-answer" => o.auto_answer = true,
                "--no-log-file" => o.no_log_file = true,
                "--config" => o.config = Some(value("a file")?.into()),
                "--log-dir" => o.log_dir = Some(value("a directory")?.into()),
                "--log-level" => o.log_level = Some(value("error|warn|info|debug|trace")?),
                "--password-stdin" => o.password_stdin = Some(value("an account name")?),
                "--listen" => {
                    let v = value("udp:IP:PORT or tcp:IP:PORT")?;
                    o.listen.push(setup::parse_listen(&v)?);
                }
                "--rtp-port" => {
                    let v = value("a port")?;
                    let port = v
                        .parse()
                        .map_err(|_| format!("--rtp-port {v:?} is not a port"))?;
                    o.rtp_port = Some(port);
                }
                "--password" => {
                    return Err("passwords are never taken on the command line (they would \
                                show in the process list): use --password-stdin NAME or a \
                                password_file"
                        .into());
                }
                other => return Err(format!("unknown option {other:?}")),
            }
        }
        Ok(o)
    }

    /// Loads the settings, starts logging and reads passwords: everything that touches files
    /// happens here, before the engine runs. Returns the engine's config, the warnings to
    /// report, and the log guard to keep until exit.
    fn prepare(self) -> Result<(EngineConfig, Vec<String>, Option<log::LogGuard>), String> {
        let path = self.config.clone().or_else(config::default_path);
        let loaded = match &path {
            Some(p) => config::load(p),
            None => config::Loaded {
                config: config::Config::default(),
                warnings: vec!["no configuration directory on this system: using defaults".into()],
                kept_aside: None,
            },
        };
        let mut warnings = loaded.warnings;
        if let (Some(aside), Some(p)) = (&loaded.kept_aside, &path) {
            warnings.push(format!(
                "{} could not be read and was kept aside as {}; using defaults",
                p.display(),
                aside.display()
            ));
        }
        let settings = loaded.config;
        let level_name = self
            .log_level
            .as_deref()
            .unwrap_or(&settings.general.log_level);
        let level = log::parse_level(level_name).ok_or_else(|| {
            format!("log level {level_name:?} is not error|warn|info|debug|trace")
        })?;
        let file_dir = if self.no_log_file {
            None
        } else {
            self.log_dir.clone().or_else(log::default_log_dir)
        };
        let log_options = log::LogOptions {
            level,
            sip_trace: settings.general.sip_trace,
            file_dir,
            stderr: true,
        };
        let guard = match log::init(&log_options) {
            Ok(g) => Some(g),
            Err(e) => {
                warnings.push(format!("logging to a file is off: {e}"));
                None
            }
        };
        let mut passwords = HashMap::new();
        if let Some(name) = &self.password_stdin {
            let secret = config::read_password_line(std::io::stdin().lock())
                .map_err(|e| format!("--password-stdin {name}: {e}"))?;
            passwords.insert(name.clone(), secret);
        }
        let mut engine = EngineConfig::new(if self.listen.is_empty() {
            setup::listen_from(&settings, &mut warnings)
        } else {
            self.listen
        });
        engine.accounts = setup::accounts_from(&settings, &passwords, &mut warnings);
        engine.auto_answer = self.auto_answer || settings.general.auto_answer;
        engine.rtp_port = self.rtp_port.unwrap_or(settings.general.rtp_port_min);
        for w in &warnings {
            tracing::warn!("{w}");
        }
        Ok((engine, warnings, guard))
    }
}

/// Runs the engine with stdin as its command source and stdout as its event sink.
async fn serve_lines(config: EngineConfig, warnings: Vec<String>) -> ExitCode {
    let (command_tx, command_rx) = mpsc::channel(CHANNEL_DEPTH);
    let (event_tx, event_rx) = mpsc::channel(CHANNEL_DEPTH);
    let names = std::sync::Arc::new(AccountNames::new(
        config.accounts.iter().map(|a| (a.id, a.name.clone())),
    ));
    for message in warnings {
        // The receiver is drained by the printer started below; the channel holds these.
        let _ = event_tx.try_send(Event::Warning { message });
    }
    let reader = tokio::spawn(read_commands(command_tx, event_tx.clone(), names.clone()));
    let printer = tokio::spawn(print_events(event_rx, names.clone()));
    let result = engine::run(config, command_rx, event_tx).await;
    // The engine is done: stop reading, and let the printer flush what is queued.
    reader.abort();
    let _ = reader.await;
    let _ = printer.await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let event = Event::Error {
                call: None,
                message: e.to_string(),
            };
            println!("{}", json::event_line(&event, &names));
            eprintln!("tincan serve: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Forwards stdin's command lines; a bad line becomes an `error` event, end of input a quit.
async fn read_commands(
    commands: mpsc::Sender<Command>,
    events: mpsc::Sender<Event>,
    names: std::sync::Arc<AccountNames>,
) {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        let command = match lines.next_line().await {
            Ok(Some(line)) if line.trim().is_empty() => continue,
            Ok(Some(line)) => match json::parse_command(&line, &names) {
                Ok(command) => command,
                Err(e) => {
                    let message = format!("{e} (line: {line:?})");
                    let event = Event::Error {
                        call: None,
                        message,
                    };
                    if events.send(event).await.is_err() {
                        return;
                    }
                    continue;
                }
            },
            Ok(None) => Command::Quit,
            Err(e) => {
                let message = format!("cannot read stdin, quitting: {e}");
                let _ = events
                    .send(Event::Error {
                        call: None,
                        message,
                    })
                    .await;
                Command::Quit
            }
        };
        let quit = command == Command::Quit;
        if commands.send(command).await.is_err() || quit {
            return;
        }
    }
}

/// Writes each event as one JSON line, flushed at once.
async fn print_events(mut events: mpsc::Receiver<Event>, names: std::sync::Arc<AccountNames>) {
    let mut stdout = tokio::io::stdout();
    while let Some(event) = events.recv().await {
        let mut line = json::event_line(&event, &names);
        line.push('\n');
        if stdout.write_all(line.as_bytes()).await.is_err() || stdout.flush().await.is_err() {
            // Nobody reads our output any more; keep draining so the engine is not blocked.
            continue;
        }
    }
}

/// Writes a line to stdout; a closed pipe (`tincan help | head`) is not an error worth a panic.
fn out(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}
