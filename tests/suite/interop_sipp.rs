//! Interop with SIPp 3.6 (a third-party SIP implementation, `sip-tester` on Debian), as UAC
//! and as UAS: its built-in `uac` calls `tincan serve --auto-answer` over UDP and TCP, Tincan
//! calls its built-in `uas`, and the project's own scenarios in `tests/peers/sipp/` play a
//! retransmitted INVITE, a lost ACK, a CANCEL while ringing and a 302 redirect. Each test passes
//! only if SIPp's own checks pass (exit code 0) and Tincan reports the call's events; where the
//! point is what went over the wire, SIPp's message trace is checked too. Everything runs on
//! 127.0.0.1 with fresh ports; every process is bounded in time and stopped by its PID
//! (support::sipp, support::Node).

use crate::support::sipp::{Outcome, Sipp};
use crate::support::{Node, Scratch, free_port};
use serde_json::Value;
use std::time::{Duration, Instant};

/// `tincan serve` on `udp:127.0.0.1:port` (and TCP on the same port with `tcp`), started.
fn tincan(dir: &Scratch, port: u16, auto_answer: bool, tcp: bool) -> Node {
    let mut args = vec!["--listen".to_owned(), format!("udp:127.0.0.1:{port}")];
    if tcp {
        args.extend(["--listen".to_owned(), format!("tcp:127.0.0.1:{port}")]);
    }
    if auto_answer {
        args.push("--auto-answer".to_owned());
    }
    let mut node = Node::serve("tincan", &args, &dir.0);
    node.expect("started", |_| true);
    node
}

/// Quits Tincan and checks that it stopped cleanly.
fn quit(mut node: Node) -> Vec<Value> {
    node.quit();
    assert!(node.wait_success(), "tincan exited with an error");
    node.seen.clone()
}

/// How many events named `name` were seen.
fn count(seen: &[Value], name: &str) -> usize {
    seen.iter().filter(|v| v["event"] == name).count()
}

/// The `tag` parameter of a traced message's To header.
fn to_tag(message: &str) -> Option<&str> {
    let to = message
        .lines()
        .find(|l| l.starts_with("To:") || l.starts_with("t:"))?;
    let tag = to.split(";tag=").nth(1)?;
    Some(tag.split([';', ' ', '\r']).next().unwrap_or(tag))
}

/// SIPp's built-in `uac` calls Tincan once and checks the 180/200/ACK/BYE exchange.
fn builtin_uac_calls_tincan(tcp: bool) {
    let dir = Scratch::new("sipp-uac");
    let port = free_port();
    let mut node = tincan(&dir, port, true, tcp);
    let mut sipp = Sipp::builtin("uac", "uac", &dir.0).target(format!("127.0.0.1:{port}"));
    if tcp {
        sipp = sipp.args(&["-t", "t1"]);
    }
    let media_port = sipp.media_port;
    sipp.run().assert_passed();
    let incoming = node.expect("incoming", |_| true);
    // No TLS, no identity, no SRTP: said so.
    assert_eq!(incoming["verified"], false, "{incoming}");
    assert_eq!(incoming["encrypted"], false, "{incoming}");
    let call = incoming["call"].as_u64().expect("call id");
    let answered = node.expect("answered", |v| v["call"] == call);
    assert_eq!(answered["codec"], "PCMU", "{answered}");
    assert_eq!(answered["encrypted"], false, "{answered}");
    assert_eq!(
        answered["remote_rtp"],
        format!("127.0.0.1:{media_port}"),
        "{answered}"
    );
    let ended = node.expect("ended", |v| v["call"] == call);
    assert_eq!(ended["reason"], "remote", "{ended}");
    quit(node);
}

#[test]
fn sipp_calls_tincan() {
    builtin_uac_calls_tincan(false);
}

#[test]
fn sipp_calls_tincan_over_tcp() {
    builtin_uac_calls_tincan(true);
}

/// Tincan calls `sip:service@127.0.0.1:<port>`, checks the answer's media is at
/// `media_port`, hangs up.
fn call_and_hang_up(node: &mut Node, port: u16, media_port: u16) {
    node.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:service@127.0.0.1:{port}"}}"#
    ));
    let answered = node.expect("answered", |v| v["call"] == 1);
    assert_eq!(
        answered["remote_rtp"],
        format!("127.0.0.1:{media_port}"),
        "answered by someone else: {answered}"
    );
    node.send(r#"{"cmd":"hangup","call":1}"#);
    let ended = node.expect("ended", |v| v["call"] == 1);
    assert_eq!(ended["reason"], "local", "{ended}");
}

#[test]
fn tincan_calls_sipp() {
    let dir = Scratch::new("sipp-uas");
    let mut uas = Sipp::builtin("uas", "uas", &dir.0).spawn();
    uas.wait_listening();
    let mut node = tincan(&dir, free_port(), false, false);
    call_and_hang_up(&mut node, uas.port(), uas.media_port());
    uas.finish().assert_passed();
    quit(node);
}

/// Runs one of the project's UAC scenarios against Tincan and returns SIPp's outcome.
fn scenario_calls_tincan(node_port: u16, dir: &Scratch, file: &str, extra: &[&str]) -> Outcome {
    let outcome = Sipp::scenario("uac", file, &dir.0)
        .target(format!("127.0.0.1:{node_port}"))
        .args(extra)
        .run();
    outcome.assert_passed();
    outcome
}

/// The INVITEs SIPp sent are one request sent again: all with the same Via (branch), and
/// `n` of them.
fn assert_retransmissions(outcome: &Outcome, n: usize) {
    let invites = outcome.sent("INVITE ", "CSeq: 1 INVITE");
    assert_eq!(invites.len(), n, "{}", outcome.report("sent"));
    assert!(
        invites.iter().all(|m| *m == invites[0]),
        "{}",
        outcome.report("sent different INVITEs")
    );
}

/// Every response SIPp received to the INVITE is a 1xx or 2xx in one dialog (one To tag).
fn assert_one_dialog(outcome: &Outcome) {
    let responses = outcome.received("SIP/2.0 ", "CSeq: 1 INVITE");
    assert!(
        !responses.is_empty(),
        "{}",
        outcome.report("got no response")
    );
    for r in &responses {
        let status: u16 = r
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        assert!((100..300).contains(&status), "a retransmission got:\n{r}");
        assert_eq!(to_tag(r), to_tag(responses[0]), "a second dialog:\n{r}");
    }
}

/// RFC 3261 §17.2.3 and RFC 6026 §7.1: the same INVITE again after the 200 OK and after the
/// ACK is absorbed by the "Accepted" transaction (or answered with the same 200): still one
/// call, no error response, no second dialog.
#[test]
fn retransmitted_invite_is_one_call() {
    let dir = Scratch::new("sipp-retrans");
    let port = free_port();
    let mut node = tincan(&dir, port, true, false);
    let outcome = scenario_calls_tincan(port, &dir, "uac_retransmitted_invite.xml", &[]);
    assert_retransmissions(&outcome, 3);
    assert_one_dialog(&outcome);

    let incoming = node.expect("incoming", |_| true);
    let call = incoming["call"].as_u64().expect("call id");
    node.expect("answered", |v| v["call"] == call);
    let ended = node.expect("ended", |v| v["call"] == call);
    assert_eq!(ended["reason"], "remote", "{ended}");
    let seen = quit(node);
    assert_eq!(count(&seen, "incoming"), 1, "{seen:#?}");
    assert_eq!(count(&seen, "answered"), 1, "{seen:#?}");
    assert_eq!(count(&seen, "rejected"), 0, "{seen:#?}");
}

/// RFC 3261 §17.2.1: the same INVITE again while Tincan rings is answered with the 180 again
/// (the scenario expects it) and is still one call; Tincan is told to answer only after that.
#[test]
fn retransmitted_invite_while_ringing_gets_the_180_again() {
    let dir = Scratch::new("sipp-retrans-ringing");
    let port = free_port();
    let mut node = tincan(&dir, port, false, false);
    let sipp = Sipp::scenario("uac", "uac_retransmitted_invite_ringing.xml", &dir.0)
        .target(format!("127.0.0.1:{port}"))
        .args(&["-nr"])
        .spawn();
    let incoming = node.expect("incoming", |_| true);
    let call = incoming["call"].as_u64().expect("call id");
    // SIPp makes this file once it has the second 180.
    let marker = dir.path("ringing-twice");
    let until = Instant::now() + Duration::from_secs(10);
    while !marker.exists() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    if !marker.exists() {
        panic!("{}", sipp.finish().report("never had the second 180"));
    }
    node.send(&format!(r#"{{"cmd":"answer","call":{call}}}"#));
    let outcome = sipp.finish();
    outcome.assert_passed();
    assert_retransmissions(&outcome, 2);
    assert_one_dialog(&outcome);
    assert_eq!(outcome.received("SIP/2.0 180", "CSeq: 1 INVITE").len(), 2);

    node.expect("answered", |v| v["call"] == call);
    let ended = node.expect("ended", |v| v["call"] == call);
    assert_eq!(ended["reason"], "remote", "{ended}");
    let seen = quit(node);
    assert_eq!(count(&seen, "incoming"), 1, "{seen:#?}");
}

/// RFC 3261 §13.3.1.4: while the ACK is missing, the 2xx is retransmitted at T1 and 2*T1
/// (the scenario checks the spacing); once the ACK arrives, it stops.
#[test]
fn lost_ack_gets_the_200_retransmitted() {
    let dir = Scratch::new("sipp-lost-ack");
    let port = free_port();
    let mut node = tincan(&dir, port, true, false);
    let outcome = scenario_calls_tincan(port, &dir, "uac_lost_ack.xml", &["-nr"]);

    // Three 200s (the first and two retransmissions) and none after the ACK, although the
    // scenario waits past the time the next one would have been due.
    let oks = outcome.received("SIP/2.0 200", "CSeq: 1 INVITE");
    assert_eq!(oks.len(), 3, "{}", outcome.report("received"));
    assert!(oks.iter().all(|m| to_tag(m) == to_tag(oks[0])));

    let incoming = node.expect("incoming", |_| true);
    let call = incoming["call"].as_u64().expect("call id");
    node.expect("answered", |v| v["call"] == call);
    let ended = node.expect("ended", |v| v["call"] == call);
    assert_eq!(ended["reason"], "remote", "{ended}");
    let seen = quit(node);
    assert_eq!(count(&seen, "incoming"), 1, "{seen:#?}");
}

/// RFC 3261 §9.2: a CANCEL while ringing gets 200, the INVITE 487, and the ACK for the 487
/// ends it (no 487 retransmission follows).
#[test]
fn early_cancel_ends_the_ringing_call() {
    let dir = Scratch::new("sipp-cancel");
    let port = free_port();
    let mut node = tincan(&dir, port, false, false);
    let outcome = scenario_calls_tincan(port, &dir, "uac_early_cancel.xml", &[]);

    let final_responses = outcome.received("SIP/2.0 487", "CSeq: 1 INVITE");
    assert_eq!(final_responses.len(), 1, "{}", outcome.report("received"));

    let incoming = node.expect("incoming", |_| true);
    let call = incoming["call"].as_u64().expect("call id");
    let ended = node.expect("ended", |v| v["call"] == call);
    assert_eq!(ended["reason"], "cancelled", "{ended}");
    let seen = quit(node);
    assert_eq!(count(&seen, "answered"), 0, "{seen:#?}");
    assert_eq!(count(&seen, "incoming"), 1, "{seen:#?}");
}

/// RFC 3261 §8.1.3.4: Tincan calls SIPp A, which redirects with 302 to SIPp B (the built-in
/// `uas`); Tincan ACKs the 302 (A checks it), calls B and is answered by B (its SDP), then
/// hangs up.
#[test]
fn redirect_is_followed() {
    let dir = Scratch::new("sipp-redirect");
    let mut b = Sipp::builtin("uas-b", "uas", &dir.0).spawn();
    b.wait_listening();
    let redirect_port = b.port().to_string();
    let mut a = Sipp::scenario("redirect-a", "uas_redirect.xml", &dir.0)
        .args(&["-key", "redirect_port", &redirect_port])
        .spawn();
    a.wait_listening();

    let mut node = tincan(&dir, free_port(), false, false);
    // Answered by B (its media port), after A's 302.
    call_and_hang_up(&mut node, a.port(), b.media_port());

    a.finish().assert_passed();
    let b = b.finish();
    b.assert_passed();
    // B got the INVITE at the 302's Contact.
    let at_contact = format!("INVITE sip:service@127.0.0.1:{redirect_port} SIP/2.0");
    assert_eq!(
        b.received(&at_contact, "").len(),
        1,
        "{}",
        b.report("received")
    );
    let seen = quit(node);
    assert_eq!(count(&seen, "ended"), 1, "{seen:#?}");
}

#[test]
fn dtmf_goes_by_sip_info_to_a_phone_without_telephone_events() {
    let dir = Scratch::new("sipp-info");
    let mut uas = Sipp::scenario("info", "uas_info_dtmf.xml", &dir.0).spawn();
    uas.wait_listening();
    let mut node = tincan(&dir, free_port(), false, false);
    node.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:service@127.0.0.1:{}"}}"#,
        uas.port()
    ));
    let answered = node.expect("answered", |v| v["call"] == 1);
    assert!(answered.get("telephone_event").is_none(), "{answered}");
    node.send(r#"{"cmd":"dtmf","call":1,"digits":"4#"}"#);
    std::thread::sleep(Duration::from_millis(300));
    node.send(r#"{"cmd":"hangup","call":1}"#);
    node.expect("ended", |v| v["call"] == 1);
    uas.finish().assert_passed();
    quit(node);
}
