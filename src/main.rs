//! The `tincan` binary. Until the window and the engine land, it explains what it can do and
//! offers `tincan parse FILE...`: parse SIP messages (one per file, as a datagram), check them
//! the way a UAS would, and print them back canonically.

use std::process::ExitCode;

const USAGE: &str = "\
Tincan, a SIP softphone (work in progress).

What works today is the SIP and SDP message layer. Commands:
  tincan parse FILE...   parse each file as one SIP message (as received in a UDP datagram),
                         report what a phone would answer to it, and print it canonically
  tincan help            this text

Registration, calls, audio, the window and serverless calling are being built.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("parse") if args.len() > 1 => parse_files(&args[1..]),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        None => {
            println!("{USAGE}");
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
            Ok(text) => println!("== {file}: valid\n{text}"),
            Err(text) => {
                println!("== {file}: {text}");
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
