//! The sound-card path (cpal through ALSA's PulseAudio plugin) against a PulseAudio daemon of
//! our own (support::pulse): its microphone is a 1 kHz sine, its speaker a null sink we
//! record. A Tincan on the sound card calls a Tincan on the virtual device (WAV files), and
//! audio is judged by what arrives: frequency and level. Then the sound server dies
//! mid-call, and then there is none at all: the call stays up and an `audio_device` event
//! says why.

use crate::audio::{count, frames_with, tone_file};
use crate::support::pulse::{Pulse, cpu_time};
use crate::support::{Node, Scratch, free_ports};
use serde_json::Value;
use std::time::{Duration, Instant};
use tincan::audio::wav;
use tincan::media::tone::{level_dbfs, power_share};

/// Starts `tincan serve` on `port` with `extra` options and `env`.
fn serve(
    name: &'static str,
    port: u16,
    dir: &Scratch,
    extra: &[String],
    env: &[(String, String)],
) -> Node {
    let mut args = vec!["--listen".to_owned(), format!("udp:127.0.0.1:{port}")];
    args.extend(extra.iter().cloned());
    let mut node = Node::serve_env(name, &args, &dir.0, env);
    node.expect("started", |_| true);
    node
}

/// B: the virtual device, answering at once, playing 440 Hz and recording to `b-heard.wav`.
fn virtual_peer(port: u16, dir: &Scratch) -> Node {
    tone_file(&dir.path("b.wav"), 440.0, 1);
    let file = |name: &str| dir.path(name).display().to_string();
    let extra = [
        "--auto-answer".to_owned(),
        "--audio-in".into(),
        file("b.wav"),
        "--audio-out".into(),
        file("b-heard.wav"),
    ];
    serve("B", port, dir, &extra, &[])
}

fn dial(a: &mut Node, port: u16) {
    a.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:bob@127.0.0.1:{port}"}}"#
    ));
    a.expect("answered", |v| v["call"] == 1);
}

/// Hangs up from A and stops both; B's recording.
fn hang_up(mut a: Node, mut b: Node, dir: &Scratch) -> wav::Mono {
    a.send(r#"{"cmd":"hangup","call":1}"#);
    a.expect("ended", |v| v["call"] == 1 && v["reason"] == "local");
    b.expect("ended", |v| v["reason"] == "remote");
    a.send(r#"{"cmd":"quit"}"#);
    b.send(r#"{"cmd":"quit"}"#);
    a.expect("stopped", |_| true);
    b.expect("stopped", |_| true);
    assert!(a.wait_success(), "A exited with an error");
    assert!(b.wait_success(), "B exited with an error");
    wav::read(&dir.path("b-heard.wav")).expect("B's recording")
}

/// The index of the 20 ms frame of a recording started at `start` that holds `at`.
fn frame_at(start: Instant, at: Instant) -> usize {
    (at.saturating_duration_since(start).as_millis() / 20) as usize
}

/// How long after `at` the first frame with the tone came (`None`: never).
fn onset_after(frames: &[bool], start: Instant, at: Instant) -> Option<Duration> {
    let first = frame_at(start, at);
    let index = frames.iter().skip(first).position(|f| *f)?;
    Some(Duration::from_millis(index as u64 * 20))
}

fn audio_device(state: &'static str, direction: &'static str) -> impl Fn(&Value) -> bool {
    move |v| v["state"] == state && v["direction"] == direction
}

/// DTMF from A arriving at B proves A's RTP still flows.
fn dtmf_arrives(a: &mut Node, b: &mut Node, digits: &str) {
    a.send(&format!(r#"{{"cmd":"dtmf","call":1,"digits":"{digits}"}}"#));
    for digit in digits.chars() {
        let digit = digit.to_string();
        b.expect("dtmf", |v| v["digit"] == digit.as_str());
    }
}

#[test]
fn the_sound_card_carries_a_call_both_ways() {
    let dir = Scratch::new("devices-call");
    let pulse = Pulse::start(&dir.0);
    let ports = free_ports(2);
    let b = virtual_peer(ports[1], &dir);
    // An unknown microphone falls back to the default, saying so; so does a speaker that
    // exists but cannot be opened (ALSA's OSS plugin, without /dev/dsp).
    let extra = [
        "--input-device".to_owned(),
        "no-such-microphone".into(),
        "--output-device".into(),
        "oss".into(),
    ];
    let mut a = serve("A", ports[0], &dir, &extra, &pulse.env());
    let speaker = pulse.record_speaker(&dir.path("speaker.raw"));
    let recording_start = speaker.wait_flowing();
    dial(&mut a, ports[1]);
    let answered = Instant::now();
    a.expect_any_order("audio_device", audio_device("fallback", "input"));
    let fallback = a.expect_any_order("audio_device", audio_device("fallback", "output"));
    println!("A said: {fallback}");
    a.expect_any_order("audio_device", audio_device("opened", "input"));
    a.expect_any_order("audio_device", audio_device("opened", "output"));
    // Both processes' CPU over 10 s of the call (figures, with a generous sanity bound).
    std::thread::sleep(Duration::from_secs(2));
    let start = (Instant::now(), cpu_time(a.pid()), cpu_time(b.pid()));
    std::thread::sleep(Duration::from_secs(10));
    let wall = start.0.elapsed().as_secs_f64();
    let a_cpu = (cpu_time(a.pid()) - start.1).as_secs_f64() / wall * 100.0;
    let b_cpu = (cpu_time(b.pid()) - start.2).as_secs_f64() / wall * 100.0;
    println!(
        "CPU during a 10 s call: A (sound card, AEC/NS/AGC on) {a_cpu:.1}% of a core, \
         B (virtual device) {b_cpu:.1}%"
    );
    let heard_on_speaker = speaker.finish();
    let b_heard = hang_up(a, b, &dir);
    assert!(
        a_cpu < 50.0 && b_cpu < 50.0,
        "CPU A {a_cpu:.1}% B {b_cpu:.1}%"
    );

    // A's microphone (1 kHz) at B: from 3 s after the answer on, in at least 90% of the
    // frames, at a sane level (the gain control aims at about -18 dBFS).
    let frames = frames_with(&b_heard, 1000.0);
    assert!(frames.len() > 580, "B recorded {} frames", frames.len());
    let window = &frames[150..580];
    let with = window.iter().filter(|f| **f).count();
    assert!(with >= 387, "B heard 1 kHz in {with} of 430 frames");
    let level = level_dbfs(&b_heard.samples[8000 * 4..8000 * 11]);
    println!("B heard 1 kHz in {with} of 430 frames, at {level:.1} dBFS");
    assert!(
        (-35.0..-3.0).contains(&level),
        "B heard A at {level:.1} dBFS"
    );

    // B's 440 Hz played on A's speaker (recorded from the null sink's monitor): from at most
    // half a second after the answer on, steadily.
    let speaker_frames = frames_with(
        &wav::Mono {
            rate: 8000,
            samples: heard_on_speaker.clone(),
        },
        440.0,
    );
    let onset = onset_after(&speaker_frames, recording_start, answered);
    println!("the speaker played 440 Hz from {onset:?} after the answer");
    assert!(
        onset.is_some_and(|d| d <= Duration::from_millis(500)),
        "the speaker played 440 Hz only {onset:?} after the answer"
    );
    let at = frame_at(recording_start, answered);
    let early = count(&speaker_frames, at + 25..at + 75);
    assert!(
        early >= 45,
        "the speaker played 440 Hz in {early} of the 50 frames 0.5-1.5 s after the answer"
    );
    let settled = &heard_on_speaker[8000 * 4..heard_on_speaker.len().min(8000 * 11)];
    let chunks: Vec<bool> = settled
        .chunks(160)
        .map(|f| power_share(f, 440.0, 8000) > 0.5)
        .collect();
    let with = chunks.iter().filter(|f| **f).count();
    assert!(
        with * 10 >= chunks.len() * 9,
        "the speaker played 440 Hz in {with} of {} frames",
        chunks.len()
    );
    let level = level_dbfs(settled);
    println!(
        "the speaker played 440 Hz in {with} of {} frames, at {level:.1} dBFS",
        chunks.len()
    );
    assert!(
        (-30.0..-3.0).contains(&level),
        "speaker level {level:.1} dBFS"
    );
    drop(pulse);
}

#[test]
fn a_sound_server_dying_mid_call_leaves_the_call_up_and_its_return_brings_the_sound_back() {
    let dir = Scratch::new("devices-lost");
    let mut pulse = Pulse::start(&dir.0);
    let ports = free_ports(2);
    let mut b = virtual_peer(ports[1], &dir);
    let mut a = serve("A", ports[0], &dir, &[], &pulse.env());
    dial(&mut a, ports[1]);
    a.expect_any_order("audio_device", audio_device("opened", "input"));
    std::thread::sleep(Duration::from_secs(5));
    pulse.kill();
    let lost = a.expect("audio_device", |v| v["state"] == "lost");
    println!("A said: {lost}");
    assert!(
        lost["message"]
            .as_str()
            .is_some_and(|m| m.contains("failed"))
    );
    // Reopening the default fails too (there is no server any more): said in plain words.
    let missing = a.expect("audio_device", |v| v["state"] == "unavailable");
    assert!(
        missing["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot be opened") && m.contains("continues")),
        "{missing}"
    );
    // The call is up: A's RTP still reaches B (telephone events).
    dtmf_arrives(&mut a, &mut b, "42");
    // The server comes back: the retry opens the default again and B hears A again.
    drop(pulse);
    let _pulse = Pulse::start(&dir.0);
    a.expect_within(
        Duration::from_secs(10),
        "audio_device",
        audio_device("opened", "input"),
    );
    std::thread::sleep(Duration::from_secs(4));
    let b_heard = hang_up(a, b, &dir);
    // B heard A's microphone before the server died (from 3 s to 4.6 s after the answer).
    let frames = frames_with(&b_heard, 1000.0);
    let with = frames[150..230].iter().filter(|f| **f).count();
    assert!(with >= 64, "B heard 1 kHz in {with} of 80 frames");
    // And in the last two seconds, after the microphone was back.
    let end = frames.len().saturating_sub(5);
    let with = frames[end - 100..end].iter().filter(|f| **f).count();
    println!("after the server came back, B heard 1 kHz in {with} of the last 100 frames");
    assert!(with >= 80, "B heard 1 kHz in {with} of the last 100 frames");
}

#[test]
fn without_a_sound_server_the_call_is_silent_and_says_why() {
    let dir = Scratch::new("devices-none");
    let ports = free_ports(2);
    let mut b = virtual_peer(ports[1], &dir);
    // A server address where nothing listens (and no autospawn of one).
    let nowhere = format!("unix:{}/no-pulse/native", dir.0.display());
    let env = [("PULSE_SERVER".to_owned(), nowhere)];
    let mut a = serve("A", ports[0], &dir, &[], &env);
    dial(&mut a, ports[1]);
    for direction in ["input", "output"] {
        let event = a.expect_any_order("audio_device", audio_device("unavailable", direction));
        let message = event["message"].as_str().unwrap_or_default().to_owned();
        assert!(
            message.contains("cannot be opened") || message.starts_with("no "),
            "{message}"
        );
        assert!(message.contains("continues"), "{message}");
    }
    dtmf_arrives(&mut a, &mut b, "7");
    let b_heard = hang_up(a, b, &dir);
    // Silence, not noise, went out.
    let level = level_dbfs(&b_heard.samples);
    assert!(level < -60.0, "B heard {level:.1} dBFS from a silent A");
}

#[test]
fn devices_are_listed_with_the_defaults() {
    let dir = Scratch::new("devices-list");
    let pulse = Pulse::start(&dir.0);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tincan"))
        .args(["devices", "--json"])
        .envs(pulse.env())
        .output()
        .expect("run tincan devices");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    for direction in ["input", "output"] {
        assert!(
            lines
                .iter()
                .any(|d| d["direction"] == direction && d["name"] == "pulse"),
            "no {direction} named pulse in {lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|d| d["direction"] == direction && d["default"] == true),
            "no default {direction} in {lines:?}"
        );
    }
    let text = std::process::Command::new(env!("CARGO_BIN_EXE_tincan"))
        .args(["devices", "--bogus"])
        .output()
        .expect("run tincan devices");
    assert_eq!(text.status.code(), Some(2));
}

#[test]
fn an_incoming_call_rings_on_the_ringer_device_not_on_the_speaker() {
    let dir = Scratch::new("devices-ringer");
    let pulse = Pulse::start(&dir.0);
    // An ALSA device `ringer` playing into the daemon's `ringer` sink.
    let env = pulse.env_with_ringer(&dir.0);
    let ports = free_ports(2);
    let extra = ["--ringer-device".to_owned(), "ringer".into()];
    let mut a = serve("A", ports[0], &dir, &extra, &env);
    let mut b = serve("B", ports[1], &dir, &["--no-sound-card".to_owned()], &[]);
    let ringer = pulse.record_monitor("ringer", &dir.path("ringer.raw"));
    let speaker = pulse.record_speaker(&dir.path("speaker.raw"));
    let ringer_start = ringer.wait_flowing();
    speaker.wait_flowing();

    b.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:alice@127.0.0.1:{}"}}"#,
        ports[0]
    ));
    let incoming = a.expect("incoming", |_| true);
    let rang = Instant::now();
    let call = incoming["call"].as_u64().expect("call id");
    let opened = a.expect_any_order("audio_device", |v| {
        v["state"] == "opened" && v["direction"] == "output" && v["message"] == "ringer"
    });
    println!("A said: {opened}");
    // Two periods of the ringtone (3.35 s each).
    std::thread::sleep(Duration::from_millis(5500));
    a.send(&format!(r#"{{"cmd":"hangup","call":{call}}}"#));
    a.expect("ended", |v| v["call"] == call);
    b.expect("ended", |v| v["call"] == 1);
    std::thread::sleep(Duration::from_millis(300));
    let on_ringer = wav::Mono {
        rate: 8000,
        samples: ringer.finish(),
    };
    let on_speaker = wav::Mono {
        rate: 8000,
        samples: speaker.finish(),
    };
    a.quit();
    b.quit();
    assert!(a.wait_success() && b.wait_success(), "an engine failed");

    // The ringtone's notes (784 and 659 Hz, 300 ms each, twice a period) on the ringer,
    // none of it on the speaker.
    let count = |m: &wav::Mono, hz: f64| frames_with(m, hz).iter().filter(|f| **f).count();
    let (high, low) = (count(&on_ringer, 784.0), count(&on_ringer, 659.25));
    let high_frames = frames_with(&on_ringer, 784.0);
    let low_frames = frames_with(&on_ringer, 659.25);
    let pattern: String = high_frames
        .iter()
        .zip(&low_frames)
        .map(|(h, l)| match (h, l) {
            (true, _) => 'H',
            (_, true) => 'L',
            _ => '.',
        })
        .collect();
    assert!(
        high >= 15 && low >= 15,
        "ringer: 784 Hz in {high} frames, 659 Hz in {low} (of {}): {pattern}",
        on_ringer.samples.len() / 160
    );
    // It rings at once: the first note within half a second of the incoming call.
    let notes: Vec<bool> = high_frames
        .iter()
        .zip(&low_frames)
        .map(|(h, l)| *h || *l)
        .collect();
    let onset = onset_after(&notes, ringer_start, rang);
    println!("the ringer rang from {onset:?} after the incoming call");
    assert!(
        onset.is_some_and(|d| d <= Duration::from_millis(500)),
        "the ringer rang only {onset:?} after the incoming call: {pattern}"
    );
    let (high, low) = (count(&on_speaker, 784.0), count(&on_speaker, 659.25));
    assert!(
        high + low <= 2,
        "the speaker rang too: {high} + {low} frames"
    );
}
