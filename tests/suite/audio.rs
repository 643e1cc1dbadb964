//! Audio that really flows, judged by what arrives: two `tincan serve` processes call each
//! other with the virtual device, A's microphone a 1 kHz tone and B's a 440 Hz tone; each
//! recording must hold the other side's tone, at a sane level, from soon after the answer until
//! the hang-up. Hold silences what the held side receives.

use crate::support::{Node, Scratch, free_ports};
use std::path::Path;
use std::time::Duration;
use tincan::audio::wav::{self, Mono};
use tincan::media::tone::{Sine, level_dbfs, power_share};

/// Writes `seconds` of a tone at 8 kHz.
pub fn tone_file(path: &Path, hz: f64, seconds: u32) {
    tone_file_at(path, hz, seconds, 8000);
}

/// Writes `seconds` of a tone at `rate`.
pub fn tone_file_at(path: &Path, hz: f64, seconds: u32, rate: u32) {
    let samples = Sine::new(hz, rate, 8000).samples(rate as usize * seconds as usize);
    wav::write(path, &Mono { rate, samples }).expect("write tone");
}

/// How many of `frames[range]` carry the tone.
pub fn count(frames: &[bool], range: std::ops::Range<usize>) -> usize {
    frames[range].iter().filter(|f| **f).count()
}

/// The 20 ms frames of a recording that carry `hz` (power share above one half).
pub fn frames_with(recording: &Mono, hz: f64) -> Vec<bool> {
    let frame = recording.rate as usize / 50;
    recording
        .samples
        .chunks(frame)
        .map(|f| power_share(f, hz, recording.rate) > 0.5)
        .collect()
}

/// A hangs up call 1, both quit; their recordings (`a-heard.wav`, `b-heard.wav`).
fn hang_up(a: &mut Node, b: &mut Node, dir: &Scratch) -> (Mono, Mono) {
    a.send(r#"{"cmd":"hangup","call":1}"#);
    a.expect("ended", |v| v["call"] == 1);
    b.expect("ended", |_| true);
    finish(a, b, dir)
}

/// Quits both and reads their recordings (`a-heard.wav`, `b-heard.wav`).
pub fn finish(a: &mut Node, b: &mut Node, dir: &Scratch) -> (Mono, Mono) {
    a.send(r#"{"cmd":"quit"}"#);
    b.send(r#"{"cmd":"quit"}"#);
    a.expect("stopped", |_| true);
    b.expect("stopped", |_| true);
    let a_heard = wav::read(&dir.path("a-heard.wav")).expect("A's recording");
    let b_heard = wav::read(&dir.path("b-heard.wav")).expect("B's recording");
    (a_heard, b_heard)
}

/// `tincan serve` on 127.0.0.1:`port` with `extra` options, once it has started.
pub fn serve(name: &'static str, port: u16, dir: &Scratch, extra: &[String]) -> Node {
    let mut args = vec!["--listen".to_owned(), format!("udp:127.0.0.1:{port}")];
    args.extend(extra.iter().cloned());
    let mut node = Node::serve(name, &args, &dir.0);
    node.expect("started", |_| true);
    node
}

#[test]
fn each_side_hears_the_other_ones_tone_and_hold_silences_it() {
    let dir = Scratch::new("audio-two");
    tone_file(&dir.path("a.wav"), 1000.0, 1);
    tone_file(&dir.path("b.wav"), 440.0, 1);
    let ports = free_ports(2);
    let file = |name: &str| dir.path(name).display().to_string();
    let mut b = serve(
        "B",
        ports[1],
        &dir,
        &[
            "--auto-answer".into(),
            "--audio-in".into(),
            file("b.wav"),
            "--audio-out".into(),
            file("b-heard.wav"),
        ],
    );
    let mut a = serve(
        "A",
        ports[0],
        &dir,
        &[
            "--audio-in".into(),
            file("a.wav"),
            "--audio-out".into(),
            file("a-heard.wav"),
        ],
    );
    a.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:bob@127.0.0.1:{}"}}"#,
        ports[1]
    ));
    a.expect("answered", |v| v["call"] == 1);
    std::thread::sleep(Duration::from_millis(2000));
    // A holds: neither side sends its microphone (A keeps the line open, B answers
    // recvonly); then A resumes and both hear each other again.
    a.send(r#"{"cmd":"hold","call":1}"#);
    a.expect("media_updated", |v| v["local_direction"] == "sendonly");
    std::thread::sleep(Duration::from_millis(1500));
    a.send(r#"{"cmd":"resume","call":1}"#);
    a.expect("media_updated", |v| v["local_direction"] == "sendrecv");
    std::thread::sleep(Duration::from_millis(1500));
    let (a_heard, b_heard) = hang_up(&mut a, &mut b, &dir);
    let seconds = |m: &Mono| m.samples.len() as f64 / f64::from(m.rate);
    assert!(
        seconds(&a_heard) > 3.0,
        "A recorded {} s",
        seconds(&a_heard)
    );
    // From 0.5 s after the answer for 1.4 s (before the hold): the other side's tone in
    // every frame, and not one's own.
    let a_frames = frames_with(&a_heard, 440.0);
    let b_frames = frames_with(&b_heard, 1000.0);
    let window = 25..95;
    let a_ok = count(&a_frames, window.clone());
    let b_ok = count(&b_frames, window.clone());
    // 90%: a loaded 2-core CI machine stalls the 20 ms media clock now and then (the
    // impaired-network test uses the same bar); a missing or wrong tone fails by far.
    assert!(a_ok >= 63, "A heard 440 Hz in {a_ok} of 70 frames");
    assert!(b_ok >= 63, "B heard 1 kHz in {b_ok} of 70 frames");
    assert!(!frames_with(&a_heard, 1000.0)[window].iter().any(|f| *f));
    let level = level_dbfs(&a_heard.samples[8000..16000]);
    assert!((-22.0..-9.0).contains(&level), "A's level {level} dBFS");
    // The hold: from 2.5 s to 3.5 s after the answer, neither hears the other; after the
    // resume (from 4 s), both do again.
    assert_eq!(count(&a_frames, 125..175), 0, "A heard B while on hold");
    assert_eq!(count(&b_frames, 125..175), 0, "B heard A while on hold");
    let end = a_frames.len().min(b_frames.len()).saturating_sub(10);
    assert!(end > 230, "recordings too short: {end} frames");
    let after = 205..end;
    let n = after.len();
    assert!(
        count(&a_frames, after.clone()) * 10 >= n * 9,
        "A after resume"
    );
    assert!(count(&b_frames, after) * 10 >= n * 9, "B after resume");
}

/// A virtual device at 48 kHz carries what 8 kHz cannot: A sends a 7 kHz tone (above the
/// 4 kHz a narrowband call keeps) through Opus, B a 440 Hz one; each recording is made at
/// 48 kHz and holds the other side's tone.
#[test]
fn a_48_khz_virtual_device_carries_a_7_khz_tone_through_opus() {
    let dir = Scratch::new("audio-48k");
    tone_file_at(&dir.path("a.wav"), 7000.0, 1, 48000);
    tone_file_at(&dir.path("b.wav"), 440.0, 1, 48000);
    let ports = free_ports(2);
    let file = |name: &str| dir.path(name).display().to_string();
    let side = |input: &str, output: &str| -> Vec<String> {
        ["--audio-rate", "48000", "--codecs", "opus", "--audio-in"]
            .iter()
            .map(|s| (*s).to_owned())
            .chain([file(input), "--audio-out".into(), file(output)])
            .collect()
    };
    let mut b_args = side("b.wav", "b-heard.wav");
    b_args.push("--auto-answer".into());
    let mut b = serve("B", ports[1], &dir, &b_args);
    let mut a = serve("A", ports[0], &dir, &side("a.wav", "a-heard.wav"));
    a.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:bob@127.0.0.1:{}"}}"#,
        ports[1]
    ));
    a.expect("answered", |v| v["call"] == 1 && v["codec"] == "opus");
    std::thread::sleep(Duration::from_millis(2500));
    let (a_heard, b_heard) = hang_up(&mut a, &mut b, &dir);
    assert_eq!((a_heard.rate, b_heard.rate), (48000, 48000));
    let a_frames = frames_with(&a_heard, 440.0);
    let b_frames = frames_with(&b_heard, 7000.0);
    assert!(a_frames.len() > 110, "A recorded {} frames", a_frames.len());
    assert!(b_frames.len() > 110, "B recorded {} frames", b_frames.len());
    // From 0.5 s after the answer for 1.5 s; 90% as in the test above.
    let window = 25..100;
    let a_ok = count(&a_frames, window.clone());
    let b_ok = count(&b_frames, window);
    assert!(a_ok >= 68, "A heard 440 Hz in {a_ok} of 75 frames");
    assert!(b_ok >= 68, "B heard 7 kHz in {b_ok} of 75 frames");
    let level = level_dbfs(&b_heard.samples[48000..96000]);
    assert!((-22.0..-9.0).contains(&level), "B's level {level} dBFS");
}

#[test]
fn dtmf_digits_sent_by_one_side_arrive_as_events_at_the_other() {
    let dir = Scratch::new("audio-dtmf");
    let ports = free_ports(2);
    let mut b = serve("B", ports[1], &dir, &["--auto-answer".into()]);
    let mut a = serve("A", ports[0], &dir, &[]);
    a.send(&format!(
        r#"{{"cmd":"dial","call":1,"target":"sip:bob@127.0.0.1:{}"}}"#,
        ports[1]
    ));
    let answered = a.expect("answered", |v| v["call"] == 1);
    assert!(answered["telephone_event"].is_u64(), "{answered}");
    let call = b.expect("answered", |_| true)["call"].clone();
    a.send(r#"{"cmd":"dtmf","call":1,"digits":"19*#"}"#);
    a.send(r#"{"cmd":"dtmf","call":1,"digits":"5x"}"#);
    a.expect("error", |v| v["call"] == 1);
    let mut got = String::new();
    for _ in 0..4 {
        let v = b.expect("dtmf", |v| v["call"] == call);
        got.push_str(v["digit"].as_str().unwrap_or("?"));
    }
    assert_eq!(got, "19*#");
    // And the other way.
    b.send(&format!(r#"{{"cmd":"dtmf","call":{call},"digits":"0"}}"#));
    assert_eq!(a.expect("dtmf", |v| v["call"] == 1)["digit"], "0");
    a.quit();
    b.quit();
}
