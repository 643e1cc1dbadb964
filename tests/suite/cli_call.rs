//! `tincan call`: one call from the command line, its events on stdout, and an exit status
//! that says whether it was answered and ended normally. The far end is a `tincan serve`
//! (auto-answering, or ringing without answer), or an address where nobody listens.

use crate::support::{Node, Scratch, free_port, free_ports, stop_child};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `tincan call ARGS...` to completion (bounded) and returns its exit code and events.
fn call(args: &[String], dir: &Scratch) -> (i32, Vec<Value>) {
    let out = dir.path("call.stdout");
    let err = dir.path("call.stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tincan"))
        .arg("call")
        .args(args)
        .arg("--config")
        .arg(dir.path("no-such-config.toml"))
        .arg("--no-log-file")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("spawn tincan call");
    let until = Instant::now() + Duration::from_secs(20);
    let code = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status.code().unwrap_or(-1);
        }
        if Instant::now() > until {
            stop_child(&mut child, Duration::from_secs(1));
            panic!("tincan call did not finish within 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let events = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    (code, events)
}

fn find<'a>(events: &'a [Value], name: &str) -> Option<&'a Value> {
    events.iter().find(|v| v["event"] == name)
}

#[test]
fn an_answered_call_hung_up_after_a_while_exits_zero() {
    let dir = Scratch::new("call-ok");
    let port = free_port();
    crate::audio::tone_file(&dir.path("440.wav"), 440.0, 1);
    let args = vec![
        "--listen".to_owned(),
        format!("udp:127.0.0.1:{port}"),
        "--auto-answer".to_owned(),
        "--audio-in".to_owned(),
        dir.path("440.wav").display().to_string(),
    ];
    let mut callee = Node::serve("callee", &args, &dir.0);
    callee.expect("started", |_| true);
    let started = Instant::now();
    let (code, events) = call(
        &[
            format!("sip:bob@127.0.0.1:{port}"),
            "--hangup-after".into(),
            "1.5".into(),
            "--audio-out".into(),
            dir.path("heard.wav").display().to_string(),
        ],
        &dir,
    );
    assert_eq!(code, 0, "{events:#?}");
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert!(find(&events, "answered").is_some(), "{events:#?}");
    assert_eq!(find(&events, "ended").expect("ended")["reason"], "local");
    // What the callee's microphone played arrived in our recording.
    let heard = tincan::audio::wav::read(&dir.path("heard.wav")).expect("the recording");
    let frames = crate::audio::frames_with(&heard, 440.0);
    let with_tone = crate::audio::count(&frames, 25..70);
    assert!(with_tone >= 43, "440 Hz in {with_tone} of 45 frames");
    callee.expect("ended", |v| v["reason"] == "remote");
    callee.quit();
}

#[test]
fn an_unanswered_call_is_cancelled_at_the_ring_timeout_and_exits_one() {
    let dir = Scratch::new("call-ring");
    let port = free_port();
    let args = vec!["--listen".to_owned(), format!("udp:127.0.0.1:{port}")];
    let mut callee = Node::serve("callee", &args, &dir.0);
    callee.expect("started", |_| true);
    let (code, events) = call(
        &[
            format!("sip:bob@127.0.0.1:{port}"),
            "--ring-timeout".into(),
            "1".into(),
        ],
        &dir,
    );
    assert_eq!(code, 1, "{events:#?}");
    assert!(find(&events, "ringing").is_some(), "{events:#?}");
    assert!(find(&events, "answered").is_none(), "{events:#?}");
    callee.expect("ended", |v| v["reason"] == "cancelled");
    callee.quit();
}

#[test]
fn a_call_nobody_takes_fails_and_bad_arguments_exit_two() {
    let dir = Scratch::new("call-fail");
    // Nobody listens there: the TCP connection is refused, which fails the INVITE at once
    // (RFC 3261 §18.4; over UDP only Timer B, 32 s, would tell).
    let nobody = free_ports(1)[0];
    let (code, events) = call(&[format!("sip:bob@127.0.0.1:{nobody};transport=tcp")], &dir);
    assert_eq!(code, 1, "{events:#?}");
    assert_eq!(find(&events, "ended").expect("ended")["reason"], "failed");
    let (code, _) = call(&["--hangup-after".into(), "x".into()], &dir);
    assert_eq!(code, 2);
    let (code, _) = call(&["bob".into(), "--account".into(), "nope".into()], &dir);
    assert_eq!(code, 2);
}
