//! Local tones, early media, mute, levels and call statistics, judged by what the virtual
//! speakers recorded: two `tincan serve` processes, the callee answering late or refusing,
//! and SIPp sending early media.

use crate::audio::{count, finish, frames_with, serve, tone_file};
use crate::support::sipp::Sipp;
use crate::support::{Node, Scratch, free_ports};
use std::time::Duration;
use tincan::audio::wav;

/// Two nodes, A (440 Hz microphone) and B (1 kHz), each recording what it plays.
fn pair(dir: &Scratch, a_extra: &[&str]) -> (Node, Node, u16) {
    tone_file(&dir.path("a.wav"), 440.0, 1);
    tone_file(&dir.path("b.wav"), 1000.0, 1);
    let ports = free_ports(2);
    let file = |name: &str| dir.path(name).display().to_string();
    let b = serve(
        "B",
        ports[1],
        dir,
        &[
            "--audio-in".into(),
            file("b.wav"),
            "--audio-out".into(),
            file("b-heard.wav"),
        ],
    );
    let mut a_args = vec![
        "--audio-in".to_owned(),
        file("a.wav"),
        "--audio-out".into(),
        file("a-heard.wav"),
    ];
    a_args.extend(a_extra.iter().map(|s| (*s).to_owned()));
    let a = serve("A", ports[0], dir, &a_args);
    (a, b, ports[1])
}

#[test]
fn ringback_before_a_late_answer_then_the_callee_and_mute_silences_the_caller() {
    let dir = Scratch::new("tones-ringback");
    let (mut a, mut b, b_port) = pair(&dir, &["--levels"]);
    a.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:bob@127.0.0.1:{b_port}"}}"#
    ));
    let call = b.expect("incoming", |_| true)["call"].clone();
    a.expect("ringing", |v| v["call"] == 1);
    // B lets it ring for 2.5 s: A hears ringback, B its ringtone.
    std::thread::sleep(Duration::from_millis(2500));
    b.send(&format!(r#"{{"cmd":"answer","call":{call}}}"#));
    let answered = a.expect("answered", |v| v["call"] == 1);
    assert_eq!(answered["rtcp_mux"], true, "{answered}");
    assert_eq!(answered["codec"], "opus", "{answered}");
    assert!(answered["telephone_event"].is_u64(), "{answered}");
    // Levels and statistics come while the call runs.
    let levels = a.expect("levels", |v| {
        v["calls"][0]["call"] == 1 && v["calls"][0]["rms"].as_i64().is_some_and(|l| l > -40)
    });
    assert!(
        levels["mic"]["peak"]
            .as_i64()
            .is_some_and(|p| p > -20 && p <= 0),
        "{levels}"
    );
    let stats = a.expect("call_stats", |v| {
        v["call"] == 1 && v["packets_received"].as_u64().is_some_and(|p| p > 10)
    });
    assert_eq!(stats["codec"], "opus", "{stats}");
    assert!(
        stats["bitrate"].as_u64().is_some_and(|b| b > 4000),
        "{stats}"
    );
    std::thread::sleep(Duration::from_millis(300));
    a.send(r#"{"cmd":"mute","call":1}"#);
    std::thread::sleep(Duration::from_millis(1000));
    a.send(r#"{"cmd":"unmute","call":1}"#);
    std::thread::sleep(Duration::from_millis(1200));
    a.send(r#"{"cmd":"hangup","call":1}"#);
    a.expect("ended", |v| v["call"] == 1);
    b.expect("ended", |_| true);
    let (a_heard, b_heard) = finish(&mut a, &mut b, &dir);

    // A: 425 Hz for the first second of each five (ringback), then B's 1 kHz.
    let ringback = frames_with(&a_heard, 425.0);
    let callee = frames_with(&a_heard, 1000.0);
    let answer = callee.iter().position(|f| *f).expect("A never heard B");
    assert!((110..150).contains(&answer), "B heard from frame {answer}");
    assert!(count(&ringback, 1..48) >= 46, "ringback's first second");
    assert_eq!(count(&ringback, 52..answer - 1), 0, "ringback's pause");
    let after = answer + 10..answer + 60;
    assert!(count(&callee, after.clone()) >= 48, "B after the answer");
    assert_eq!(count(&ringback, after), 0, "ringback after the answer");

    // B: its ringtone (784 and 659 Hz) until it answered, then A's 440 Hz, except while
    // A was muted.
    let g5 = frames_with(&b_heard, 784.0);
    let e5 = frames_with(&b_heard, 659.25);
    assert!(
        count(&g5, 0..40) >= 8 && count(&e5, 0..40) >= 8,
        "B's ringtone"
    );
    let caller = frames_with(&b_heard, 440.0);
    let heard = caller.iter().position(|f| *f).expect("B never heard A");
    assert!((110..150).contains(&heard), "A heard from frame {heard}");
    assert_eq!(
        count(&g5, heard + 5..heard + 50),
        0,
        "ringtone after the answer"
    );
    // Muted from about 0.4 s after the answer for 1 s: a silent stretch of 40 frames or
    // more, with A's tone on both sides of it.
    let end = caller.len() - 5;
    let (mut longest, mut run, mut run_end) = (0, 0, 0);
    for (i, f) in caller.iter().enumerate().take(end).skip(heard) {
        run = if *f { 0 } else { run + 1 };
        if run > longest {
            (longest, run_end) = (run, i);
        }
    }
    assert!((40..60).contains(&longest), "silence of {longest} frames");
    assert!(
        count(&caller, heard + 2..run_end - longest) >= 10,
        "A before mute"
    );
    assert!(count(&caller, run_end + 5..end) >= 40, "A after unmute");
}

#[test]
fn a_busy_callee_gives_the_caller_three_seconds_of_busy_tone() {
    let dir = Scratch::new("tones-busy");
    let (mut a, mut b, b_port) = pair(&dir, &[]);
    a.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:bob@127.0.0.1:{b_port}"}}"#
    ));
    let call = b.expect("incoming", |_| true)["call"].clone();
    b.send(&format!(r#"{{"cmd":"reject","call":{call},"code":486}}"#));
    a.expect("ended", |v| v["call"] == 1 && v["reason"] == "busy");
    std::thread::sleep(Duration::from_millis(3600));
    let (a_heard, _) = finish(&mut a, &mut b, &dir);
    let busy = frames_with(&a_heard, 425.0);
    // Ringback may have sounded for a moment before the 486; the busy tone is the last
    // 3 s: 0.5 s on, 0.5 s off.
    assert!(
        (150..250).contains(&busy.len()),
        "recorded {} frames",
        busy.len()
    );
    let tail = &busy[busy.len() - 150..];
    for period in 0..3 {
        let on = count(tail, period * 50 + 2..period * 50 + 23);
        let off = count(tail, period * 50 + 27..period * 50 + 48);
        assert_eq!((on, off), (21, 0), "busy period {period}: {tail:?}");
    }
}

/// Writes one second of a 1 kHz tone as a µ-law WAV (format 7), which SIPp streams as PCMU.
fn ulaw_tone_file(path: &std::path::Path) {
    let samples = tincan::media::tone::Sine::new(1000.0, 8000, 8000).samples(8000);
    let mut data = Vec::new();
    tincan::media::g711::encode_into(&samples, tincan::media::g711::ulaw_encode, &mut data);
    let mut wav = b"RIFF".to_vec();
    wav.extend_from_slice(&(4 + 26 + 8 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    // fmt: size 18, µ-law, mono, 8000 Hz, 8000 bytes/s, block 1, 8 bits, no extra.
    for (value, bytes) in [
        (18u32, 4),
        (7, 2),
        (1, 2),
        (8000, 4),
        (8000, 4),
        (1, 2),
        (8, 2),
        (0, 2),
    ] {
        wav.extend_from_slice(&value.to_le_bytes()[..bytes]);
    }
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    std::fs::write(path, wav).expect("write the µ-law tone");
}

#[test]
fn ringback_on_180_then_early_media_on_183_is_played_instead() {
    // SIPp rings for 1.5 s, then sends 183 with SDP and streams a 1 kHz tone for 2 s before
    // answering: ringback first, then what arrives, and no ringback over it.
    let dir = Scratch::new("tones-early-media");
    ulaw_tone_file(&dir.path("tone-ulaw.wav"));
    let mut uas = Sipp::scenario("early", "uas_early_media.xml", &dir.0).spawn();
    uas.wait_listening();
    let args = [
        "--listen".to_owned(),
        format!("udp:127.0.0.1:{}", free_ports(1)[0]),
        "--audio-out".to_owned(),
        dir.path("heard.wav").display().to_string(),
    ];
    let mut node = Node::serve("tincan", &args, &dir.0);
    node.expect("started", |_| true);
    node.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:service@127.0.0.1:{}"}}"#,
        uas.port()
    ));
    node.expect("ringing", |v| v["call"] == 1);
    let early = node.expect("early_media", |v| v["call"] == 1);
    assert_eq!(early["codec"], "PCMU", "{early}");
    node.expect("answered", |v| v["call"] == 1);
    std::thread::sleep(Duration::from_millis(1000));
    node.send(r#"{"cmd":"hangup","call":1}"#);
    node.expect("ended", |v| v["call"] == 1);
    uas.finish().assert_passed();
    node.quit();

    let heard = wav::read(&dir.path("heard.wav")).expect("the recording");
    let ringback = frames_with(&heard, 425.0);
    let media = frames_with(&heard, 1000.0);
    let first = media.iter().position(|f| *f).expect("no early media heard");
    assert!((65..100).contains(&first), "early media from frame {first}");
    assert!(count(&ringback, 1..48) >= 46, "ringback before the 183");
    assert_eq!(
        count(&ringback, first..ringback.len()),
        0,
        "ringback over media"
    );
    // SIPp's stream pauses briefly each time its 1 s file loops.
    let end = media.len() - 5;
    let n = end - (first + 5);
    assert!(
        count(&media, first + 5..end) * 10 >= n * 9,
        "early media and then the call"
    );
    assert!(
        end > first + 100,
        "early media and the call last 3 s: {end}"
    );
}

#[test]
fn a_second_call_during_a_call_gives_the_call_waiting_tone() {
    let dir = Scratch::new("tones-waiting");
    let ports = free_ports(3);
    let file = |name: &str| dir.path(name).display().to_string();
    let mut b = serve("B", ports[1], &dir, &["--auto-answer".into()]);
    let mut c = serve("C", ports[2], &dir, &[]);
    let mut a = serve(
        "A",
        ports[0],
        &dir,
        &["--audio-out".into(), file("a-heard.wav")],
    );
    a.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:b@127.0.0.1:{}"}}"#,
        ports[1]
    ));
    a.expect("answered", |v| v["call"] == 1);
    std::thread::sleep(Duration::from_millis(1000));
    c.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:a@127.0.0.1:{}"}}"#,
        ports[0]
    ));
    a.expect("incoming", |_| true);
    // One period of the call-waiting tone (two 200 ms bursts, then 5.2 s of quiet) and a bit.
    std::thread::sleep(Duration::from_millis(2000));
    c.send(r#"{"cmd":"hangup","call":1}"#);
    a.expect("ended", |v| v["reason"] == "cancelled");
    std::thread::sleep(Duration::from_millis(500));
    a.send(r#"{"cmd":"hangup","call":1}"#);
    a.expect("ended", |v| v["call"] == 1);
    c.quit();
    a.send(r#"{"cmd":"quit"}"#);
    b.send(r#"{"cmd":"quit"}"#);
    a.expect("stopped", |_| true);
    b.expect("stopped", |_| true);
    let a_heard = wav::read(&dir.path("a-heard.wav")).expect("A's recording");
    let tone = frames_with(&a_heard, 425.0);
    let first = tone
        .iter()
        .enumerate()
        .skip(10)
        .find(|(_, f)| **f)
        .map(|(i, _)| i)
        .expect("no call-waiting tone");
    assert!((45..80).contains(&first), "the tone from frame {first}");
    // 200 ms on, 200 ms off, 200 ms on, then quiet.
    assert!(count(&tone, first..first + 9) >= 8, "first burst");
    assert_eq!(count(&tone, first + 11..first + 19), 0, "the gap");
    assert!(count(&tone, first + 20..first + 29) >= 8, "second burst");
    assert_eq!(count(&tone, first + 31..tone.len()), 0, "quiet after");
}
