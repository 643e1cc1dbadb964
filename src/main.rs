//! The `tincan` binary. Until the window lands, it explains what it can do and offers:
//! - `tincan parse FILE...`: parse SIP messages (one per file, as a datagram), check them the
//!   way a UAS would, and print them back canonically;
//! - `tincan serve`: run the engine over UDP, driven by JSON lines on stdin and reporting JSON
//!   lines on stdout (the vocabulary is documented in `tincan::engine::json`).

use std::process::ExitCode;
use tincan::engine::json::AccountNames;
use tincan::engine::{self, Command, EngineConfig, Event, Listen, json};
use tincan::sip::transaction::TransportKind;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

const USAGE: &str = "\
Tincan, a SIP softphone (work in progress).

Commands:
  tincan parse FILE...   parse each file as one SIP message (as received in a UDP datagram),
                         report what a phone would answer to it, and print it canonically
  tincan serve [--listen udp:IP:PORT] [--auto-answer] [--rtp-port PORT]
                         run the phone engine over UDP (default udp:127.0.0.1:5062; no audio
                         yet, RTP port default 16384 is only advertised). It reads one JSON
                         command per line on stdin and writes one JSON event per line on
                         stdout, e.g.
                           {\"cmd\":\"dial\",\"call\":1,\"target\":\"sip:bob@127.0.0.1:5064\"}
                           {\"cmd\":\"answer\",\"call\":N}  {\"cmd\":\"reject\",\"call\":N,\"code\":486}
                           {\"cmd\":\"hangup\",\"call\":N}  {\"cmd\":\"hold\",\"call\":N}
                           {\"cmd\":\"resume\",\"call\":N}  {\"cmd\":\"quit\"}
                         Targets must be IP literals (no DNS yet). End of input quits.
  tincan help            this text

Registration, audio, the window and serverless calling are being built.";

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

/// The default `--listen` address of `tincan serve`.
const DEFAULT_LISTEN: &str = "127.0.0.1:5062";
/// The default `--rtp-port`: advertised in SDP, nothing listens there yet.
const DEFAULT_RTP_PORT: u16 = 16384;
/// Queue depth of the command and event channels (STYLE.md habit 7: bounded).
const CHANNEL_DEPTH: usize = 64;

/// `tincan serve`: the engine on a current-thread runtime, JSON lines in and out.
fn serve(args: &[String]) -> ExitCode {
    let config = match serve_config(args) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("tincan serve: {message}\n\n{USAGE}");
            return ExitCode::from(2);
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
    let code = runtime.block_on(serve_lines(config));
    // The stdin reader may sit in a blocking read on tokio's blocking pool; don't wait for it.
    runtime.shutdown_background();
    code
}

fn serve_config(args: &[String]) -> Result<EngineConfig, String> {
    let mut config = EngineConfig::new(Vec::new());
    config.rtp_port = DEFAULT_RTP_PORT;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--auto-answer" => config.auto_answer = true,
            "--listen" => {
                let value = args
                    .next()
                    .ok_or("--listen needs udp:IP:PORT or tcp:IP:PORT")?;
                config.listen.push(parse_listen(value)?);
            }
            "--rtp-port" => {
                let value = args.next().ok_or("--rtp-port needs a port")?;
                config.rtp_port = value
                    .parse()
                    .map_err(|_| format!("--rtp-port {value:?} is not a port"))?;
            }
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    if config.listen.is_empty() {
        for transport in [TransportKind::Udp, TransportKind::Tcp] {
            let addr = DEFAULT_LISTEN.parse().map_err(|e| format!("{e}"))?;
            config.listen.push(Listen { transport, addr });
        }
    }
    Ok(config)
}

/// `udp:IP:PORT`, `tcp:IP:PORT` (or just `IP:PORT`, meaning UDP); IPv6 as `udp:[::1]:5062`.
fn parse_listen(value: &str) -> Result<Listen, String> {
    let (transport, addr) = match value.split_once(':') {
        Some(("udp", rest)) => (TransportKind::Udp, rest),
        Some(("tcp", rest)) => (TransportKind::Tcp, rest),
        Some(("tls", _)) => {
            return Err(format!(
                "{value}: Tincan opens TLS connections but serves none (it has no certificate)"
            ));
        }
        _ => (TransportKind::Udp, value),
    };
    let addr = addr
        .parse()
        .map_err(|_| format!("--listen {value:?} is not udp:IP:PORT or tcp:IP:PORT"))?;
    Ok(Listen { transport, addr })
}

/// Runs the engine with stdin as its command source and stdout as its event sink.
async fn serve_lines(config: EngineConfig) -> ExitCode {
    let (command_tx, command_rx) = mpsc::channel(CHANNEL_DEPTH);
    let (event_tx, event_rx) = mpsc::channel(CHANNEL_DEPTH);
    let names = std::sync::Arc::new(AccountNames::new(
        config.accounts.iter().map(|a| (a.id, a.name.clone())),
    ));
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
