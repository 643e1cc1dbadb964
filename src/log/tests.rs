//! Tests for the log set-up and the redaction of identifiers.

use super::*;
use std::fs;
use std::path::Path;

#[test]
fn redacted_forms() {
    let cases = [
        ("sip:alice@example.com", "sip:a***@e***"),
        ("sips:bob@10.0.0.1:5061;transport=tls", "sips:b***@1***"),
        ("SIP:+15551234567@carrier.example", "SIP:+***@c***"),
        ("sip:example.com", "sip:e***"),
        ("sip:@example.com", "sip:***@e***"),
        ("192.0.2.7", "<ip>"),
        ("2001:db8::1", "<ip>"),
        ("192.0.2.7:5060", "<ip>:5060"),
        ("[2001:db8::1]:5061", "<ip>:5061"),
        ("+15551234567", "***(12)"),
        ("tel:+15551234567", "***(16)"),
        ("Alice", "***(5)"),
        ("", "***(0)"),
    ];
    for (input, want) in cases {
        assert_eq!(redacted_form(input), want, "{input}");
    }
}

#[test]
fn redacted_debug_matches_display() {
    let r = redact("sip:alice@example.com");
    assert_eq!(format!("{r:?}"), format!("{r}"));
}

#[test]
fn levels_parse() {
    assert_eq!(parse_level("WARN"), Some(LevelFilter::WARN));
    assert_eq!(parse_level("trace"), Some(LevelFilter::TRACE));
    assert_eq!(parse_level("loud"), None);
    assert_eq!(parse_level("off"), None);
}

/// Logs a warning, a debug line and a SIP trace with `options` into a fresh directory, and
/// returns everything the log files hold.
fn log_into(name: &str, level: LevelFilter, sip_trace: bool) -> String {
    let dir = std::env::temp_dir().join(format!("tincan-log-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let options = LogOptions {
        level,
        sip_trace,
        file_dir: Some(dir.clone()),
        stderr: false,
    };
    let (subscriber, guard) = build(&options).unwrap();
    tracing::subscriber::with_default(subscriber, || {
        tracing::warn!("disk almost full");
        tracing::debug!("a debug line");
        tracing::trace!(target: SIP_TRACE_TARGET, "INVITE sip:bob@example.com SIP/2.0");
    });
    drop(guard);
    let text = read_logs(&dir);
    fs::remove_dir_all(&dir).unwrap();
    text
}

fn read_logs(dir: &Path) -> String {
    let mut text = String::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("tincan") && name.ends_with(".log"),
            "{name}"
        );
        text += &fs::read_to_string(&path).unwrap();
    }
    text
}

#[test]
fn file_gets_the_warning_and_not_the_filtered_lines() {
    let text = log_into("info", LevelFilter::INFO, true);
    assert!(
        text.lines()
            .any(|l| l.contains("WARN") && l.contains("disk almost full")),
        "{text}"
    );
    assert!(!text.contains("a debug line"), "{text}");
    assert!(!text.contains("INVITE"), "{text}");
    assert!(!text.contains('\x1b'), "no colours in files: {text}");
}

#[test]
fn sip_trace_needs_the_option_and_the_trace_level() {
    assert!(log_into("trace-on", LevelFilter::TRACE, true).contains("INVITE"));
    let without = log_into("trace-off", LevelFilter::TRACE, false);
    assert!(
        without.contains("a debug line") && !without.contains("INVITE"),
        "{without}"
    );
    assert!(!log_into("debug-on", LevelFilter::DEBUG, true).contains("INVITE"));
}

#[test]
fn free_text_is_scrubbed_of_uris_addresses_and_numbers() {
    let cases = [
        (
            "cannot reach TLS 127.0.0.1:5061: handshake failed",
            "cannot reach TLS <ip>:5061: handshake failed",
        ),
        (
            "call to <sip:bob@example.com> failed",
            "call to <sip:b***@e***> failed",
        ),
        ("lost [::1]:5060, retrying", "lost <ip>:5060, retrying"),
        ("dialled +4930123456.", "dialled ***(11)."),
        (
            "DNS lookup of \"example.com\" failed",
            "DNS lookup of \"example.com\" failed",
        ),
        ("code 503 after 32 s", "code 503 after 32 s"),
        ("tel:+1-555-0100 busy", "***(15) busy"),
    ];
    for (text, want) in cases {
        assert_eq!(super::scrubbed_form(text), want, "{text}");
    }
}
