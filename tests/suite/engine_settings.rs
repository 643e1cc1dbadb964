//! Settings the window changes while the engine runs, through `tincan serve`'s commands:
//! do not disturb declines a real incoming call with 486 and auto-answer switches on live,
//! a new codec order is used for the next call, and the microphone test and the test sound
//! work without a call (judged by the level reported and by what the speaker played).

use crate::audio::serve;
use crate::audio::{count, frames_with, tone_file};
use crate::support::{Node, Scratch, free_ports};
use std::time::Duration;
use tincan::audio::wav;

/// Waits until `node` has handled every command sent before: commands are handled in order,
/// so the error about a call that does not exist comes after them.
fn barrier(node: &mut Node) {
    node.send(r#"{"cmd":"hangup","call":424242}"#);
    node.expect("error", |v| v["call"] == 424242);
}

#[test]
fn do_not_disturb_declines_busy_and_auto_answer_switches_on_live() {
    let dir = Scratch::new("settings-dnd");
    let ports = free_ports(2);
    let mut a = serve("A", ports[0], &dir, &[]);
    let mut b = serve("B", ports[1], &dir, &[]);
    b.send(r#"{"cmd":"answering","auto_answer":false,"do_not_disturb":true}"#);
    barrier(&mut b);
    let target = format!("sip:bob@127.0.0.1:{}", ports[1]);
    a.send(&format!(r#"{{"cmd":"dial","call":1,"target":"{target}"}}"#));
    let ended = a.expect("ended", |v| v["call"] == 1);
    assert_eq!(ended["reason"], "busy", "486 Busy Here: {ended}");
    // B saw the call (for its history) and declined it at once.
    let incoming = b.expect("incoming", |_| true);
    let ended = b.expect("ended", |v| v["call"] == incoming["call"]);
    assert_eq!(ended["reason"], "busy", "{ended}");
    // Do not disturb off, auto-answer on: the next call is answered.
    b.send(r#"{"cmd":"answering","auto_answer":true,"do_not_disturb":false}"#);
    barrier(&mut b);
    a.send(&format!(r#"{{"cmd":"dial","call":2,"target":"{target}"}}"#));
    a.expect("answered", |v| v["call"] == 2);
    a.send(r#"{"cmd":"hangup","call":2}"#);
    a.expect("ended", |v| v["call"] == 2);
    a.quit();
    b.quit();
    assert!(a.wait_success() && b.wait_success(), "exit status");
}

#[test]
fn a_new_codec_order_is_used_for_the_next_call() {
    let dir = Scratch::new("settings-codecs");
    let ports = free_ports(2);
    let mut a = serve("A", ports[0], &dir, &[]);
    let mut b = serve("B", ports[1], &dir, &["--auto-answer".to_owned()]);
    let target = format!("sip:bob@127.0.0.1:{}", ports[1]);
    a.send(&format!(r#"{{"cmd":"dial","call":1,"target":"{target}"}}"#));
    let answered = a.expect("answered", |v| v["call"] == 1);
    assert_eq!(answered["codec"], "opus", "{answered}");
    a.send(r#"{"cmd":"hangup","call":1}"#);
    a.expect("ended", |v| v["call"] == 1);
    a.send(r#"{"cmd":"audio","codecs":["pcma","opus"]}"#);
    barrier(&mut a);
    a.send(&format!(r#"{{"cmd":"dial","call":2,"target":"{target}"}}"#));
    let answered = a.expect("answered", |v| v["call"] == 2);
    assert_eq!(answered["codec"], "PCMA", "{answered}");
    a.send(r#"{"cmd":"hangup","call":2}"#);
    a.expect("ended", |v| v["call"] == 2);
    // No codec Tincan knows: a warning, and the order stays.
    a.send(r#"{"cmd":"audio","codecs":["speex"]}"#);
    a.expect("warning", |v| {
        v["message"].as_str().is_some_and(|m| m.contains("codec"))
    });
    a.send(&format!(r#"{{"cmd":"dial","call":3,"target":"{target}"}}"#));
    let answered = a.expect("answered", |v| v["call"] == 3);
    assert_eq!(answered["codec"], "PCMA", "{answered}");
    a.quit();
    b.quit();
    assert!(a.wait_success() && b.wait_success(), "exit status");
}

#[test]
fn the_microphone_test_reports_levels_without_a_call_and_the_test_sound_plays() {
    let dir = Scratch::new("settings-mic-test");
    // The microphone: a 1 kHz tone, amplitude 8000 (peak -12 dBFS, RMS -15 dBFS).
    let mic = dir.path("mic.wav");
    tone_file(&mic, 1000.0, 5);
    let out = dir.path("speaker.wav");
    let args = [
        "--levels".to_owned(),
        "--audio-in".to_owned(),
        mic.display().to_string(),
        "--audio-out".to_owned(),
        out.display().to_string(),
    ];
    let mut a = serve("A", free_ports(1)[0], &dir, &args);
    // No call, no test: no levels.
    let quiet = a.collect_for(Duration::from_millis(400));
    assert!(quiet.iter().all(|v| v["event"] != "levels"), "{quiet:?}");
    a.send(r#"{"cmd":"test_microphone","on":true}"#);
    for _ in 0..5 {
        let levels = a.expect("levels", |_| true);
        // The first window may start mid-way; later ones are whole.
        let rms = levels["mic"]["rms"].as_i64().expect("rms");
        let peak = levels["mic"]["peak"].as_i64().expect("peak");
        assert!((-16..=-14).contains(&rms), "{levels}");
        assert!((-13..=-11).contains(&peak), "{levels}");
    }
    a.send(r#"{"cmd":"test_microphone","on":false}"#);
    // The clock stops: levels stop (a last one may be on its way).
    let _ = a.collect_for(Duration::from_millis(300));
    let after = a.collect_for(Duration::from_millis(500));
    assert!(after.iter().all(|v| v["event"] != "levels"), "{after:?}");
    a.send(r#"{"cmd":"test_sound"}"#);
    std::thread::sleep(Duration::from_millis(1600));
    a.quit();
    assert!(a.wait_success(), "exit status");
    // The speaker played the ringtone's notes, G5 then E5, and nothing of the microphone.
    let played = wav::read(&out).expect("the speaker's recording");
    let g5 = frames_with(&played, 784.0);
    let e5 = frames_with(&played, 659.0);
    let mic_heard = frames_with(&played, 1000.0);
    let all = 0..g5.len();
    assert!(count(&g5, all.clone()) >= 20, "600 ms of 784 Hz: {g5:?}");
    assert!(count(&e5, all.clone()) >= 20, "600 ms of 659 Hz");
    assert_eq!(count(&mic_heard, all), 0, "the microphone is not played");
}

/// The frames of `m` that carry the ringtone's notes (784 or 659 Hz).
fn notes(m: &wav::Mono) -> usize {
    let high = frames_with(m, 784.0);
    let low = frames_with(m, 659.25);
    high.iter().zip(&low).filter(|(h, l)| **h || **l).count()
}

#[test]
fn a_new_speaker_is_opened_at_once_and_the_test_sound_plays_there() {
    let dir = Scratch::new("settings-switch");
    let pulse = crate::support::pulse::Pulse::start(&dir.0);
    // An ALSA device `ringer` playing into the daemon's `ringer` sink.
    let env = pulse.env_with_ringer(&dir.0);
    let args = [
        "--listen".to_owned(),
        format!("udp:127.0.0.1:{}", free_ports(1)[0]),
        "--levels".to_owned(),
    ];
    let mut a = Node::serve_env("A", &args, &dir.0, &env);
    a.expect("started", |_| true);
    let speaker = pulse.record_speaker(&dir.path("speaker.raw"));
    let ringer = pulse.record_monitor("ringer", &dir.path("ringer.raw"));
    // The microphone test keeps the devices open (a stream through ALSA's pulse plugin takes
    // its first samples only after about 1.5 s); its level is the daemon's 1 kHz sine.
    a.send(r#"{"cmd":"test_microphone","on":true}"#);
    a.expect("audio_device", |v| {
        v["state"] == "opened" && v["direction"] == "output"
    });
    let heard = a.expect_within(Duration::from_secs(5), "levels", |v| {
        v["mic"]["rms"].as_i64().is_some_and(|rms| rms > -40)
    });
    println!("microphone: {heard}");
    std::thread::sleep(Duration::from_millis(1500));
    a.send(r#"{"cmd":"test_sound"}"#);
    std::thread::sleep(Duration::from_millis(1800));
    // The speaker is now the `ringer` device: reopened at once, the test goes on.
    a.send(r#"{"cmd":"audio","output_device":"ringer"}"#);
    a.expect("audio_device", |v| {
        v["state"] == "opened" && v["direction"] == "output" && v["message"] == "ringer"
    });
    std::thread::sleep(Duration::from_millis(2000));
    let split = std::fs::metadata(dir.path("speaker.raw")).map_or(0, |m| m.len());
    a.send(r#"{"cmd":"test_sound"}"#);
    std::thread::sleep(Duration::from_millis(1800));
    a.send(r#"{"cmd":"test_microphone","on":false}"#);
    a.quit();
    assert!(a.wait_success(), "exit status");
    let on_speaker = speaker.finish();
    let on_ringer = wav::Mono {
        rate: 8000,
        samples: ringer.finish(),
    };
    let before = wav::Mono {
        rate: 8000,
        samples: on_speaker[..(split as usize / 2).min(on_speaker.len())].to_vec(),
    };
    let after = wav::Mono {
        rate: 8000,
        samples: on_speaker[(split as usize / 2).min(on_speaker.len())..].to_vec(),
    };
    println!(
        "note frames: speaker before {}, new device {}, speaker after {}",
        notes(&before),
        notes(&on_ringer),
        notes(&after)
    );
    // 1.2 s of notes: 60 frames; most of them arrive.
    assert!(notes(&before) >= 40, "first test sound on the speaker");
    assert!(
        notes(&on_ringer) >= 40,
        "second test sound on the new device"
    );
    assert!(notes(&after) <= 2, "nothing of it on the old speaker");
}

#[test]
fn a_ringer_chosen_while_running_rings_the_next_call() {
    let dir = Scratch::new("settings-ringer");
    let pulse = crate::support::pulse::Pulse::start(&dir.0);
    // An ALSA device `ringer` playing into the daemon's `ringer` sink.
    let env = pulse.env_with_ringer(&dir.0);
    let ports = free_ports(2);
    let args = ["--listen".to_owned(), format!("udp:127.0.0.1:{}", ports[0])];
    let mut a = Node::serve_env("A", &args, &dir.0, &env);
    a.expect("started", |_| true);
    let mut b = serve("B", ports[1], &dir, &[]);
    // Started without a ringer: the ringtone would join the speaker. Now one is chosen.
    a.send(r#"{"cmd":"audio","ringer_device":"ringer"}"#);
    barrier(&mut a);
    let ringer = pulse.record_monitor("ringer", &dir.path("ringer.raw"));
    b.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:alice@127.0.0.1:{}"}}"#,
        ports[0]
    ));
    let incoming = a.expect("incoming", |_| true);
    let call = incoming["call"].as_u64().expect("call id");
    a.expect_any_order("audio_device", |v| {
        v["state"] == "opened" && v["direction"] == "output" && v["message"] == "ringer"
    });
    // Two periods of the ringtone (3.35 s each; the first samples of a stream through ALSA's
    // pulse plugin come after about 1.5 s).
    std::thread::sleep(Duration::from_millis(5500));
    a.send(&format!(r#"{{"cmd":"hangup","call":{call}}}"#));
    a.expect("ended", |v| v["call"] == call);
    b.expect("ended", |v| v["call"] == 1);
    let on_ringer = wav::Mono {
        rate: 8000,
        samples: ringer.finish(),
    };
    a.quit();
    b.quit();
    assert!(a.wait_success() && b.wait_success(), "exit status");
    let heard = notes(&on_ringer);
    println!("ringtone frames on the new ringer: {heard}");
    assert!(
        heard >= 30,
        "the ringtone on the ringer chosen live: {heard} frames"
    );
}
