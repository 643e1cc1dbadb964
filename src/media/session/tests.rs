//! Two sessions over a simulated network on virtual time: audio judged by what arrives.

mod network;

use super::*;
use crate::media::dtmf::EventPayload;
use crate::media::tone::{Sine, power_share};
use crate::sip::test_clock;

const PTIME: Duration = Duration::from_millis(20);

fn config(codec: AudioCodec, pt: u8, remote: &str) -> StreamConfig {
    StreamConfig {
        codec,
        payload_type: PayloadType(pt),
        receive_payload_type: PayloadType(pt),
        telephone_event: Some((PayloadType(101), PayloadType(101))),
        event_rate: None,
        ptime: PTIME,
        remote: Some(remote.parse().unwrap()),
        remote_rtcp: None,
        rtcp_mux: true,
        send: true,
        receive: true,
        srtp: None,
        device_rate: 48_000,
    }
}

fn session(config: StreamConfig, rng: &mut Rng) -> MediaSession {
    MediaSession::new(config, rng).unwrap()
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// Runs `periods` frame periods: A sends a tone to B; packets whose index `drop` says are
/// lost. Returns what B played.
fn run(
    a: &mut MediaSession,
    b: &mut MediaSession,
    periods: u32,
    drop: impl Fn(u32) -> bool,
) -> Vec<i16> {
    let start = test_clock::origin();
    let mut tone = Sine::new(1000.0, 8000, 8000);
    let mut played = Vec::new();
    for i in 0..periods {
        let now = start + PTIME * i;
        a.send_frame(now, &tone.samples(160));
        while let Some(Transmit { to, data, .. }) = a.poll_transmit() {
            assert_eq!(to, addr("192.0.2.2:4000"));
            if !drop(i) {
                b.handle_packet(now, &data, addr("192.0.2.1:5000")).unwrap();
            }
        }
        played.extend(b.play_frame());
    }
    played
}

#[test]
fn a_tone_sent_by_one_side_is_heard_by_the_other() {
    let mut rng = Rng::from_seed([3; 32]);
    for (codec, pt) in [(AudioCodec::Pcmu, 0), (AudioCodec::Pcma, 8)] {
        let mut a = session(config(codec, pt, "192.0.2.2:4000"), &mut rng);
        let mut b = session(config(codec, pt, "192.0.2.1:5000"), &mut rng);
        let played = run(&mut a, &mut b, 50, |_| false);
        // After the buffer filled (a few frames), every frame carries the tone.
        for frame in played[160 * 5..].chunks(160) {
            assert!(power_share(frame, 1000.0, 8000) > 0.9, "{codec:?}");
        }
        assert_eq!(a.stats().packets_sent, 50);
        assert_eq!(b.stats().packets_received, 50);
    }
}

#[test]
fn with_srtp_the_tone_arrives_and_plain_or_forged_packets_do_not() {
    use crate::media::srtp::Suite;
    use crate::sip::offer_answer::{MasterKey, SrtpKeys};
    let mut rng = Rng::from_seed([6; 32]);
    let keys = |local: u8, remote: u8| SrtpKeys {
        suite: Suite::AesCm128HmacSha1_32,
        local: MasterKey([local; 30]),
        remote: MasterKey([remote; 30]),
    };
    let secure = |remote: &str, k: SrtpKeys| StreamConfig {
        srtp: Some(k),
        ..config(AudioCodec::Pcma, 8, remote)
    };
    let mut a = session(secure("192.0.2.2:4000", keys(1, 2)), &mut rng);
    let mut b = session(secure("192.0.2.1:5000", keys(2, 1)), &mut rng);
    let played = run(&mut a, &mut b, 50, |_| false);
    for frame in played[160 * 5..].chunks(160) {
        assert!(power_share(frame, 1000.0, 8000) > 0.9);
    }
    // What went on the wire was not the PCMA of the tone: 172 octets + a 4-octet tag.
    a.send_frame(
        test_clock::origin(),
        &Sine::new(1000.0, 8000, 8000).samples(160),
    );
    let wire = a.poll_transmit().unwrap().data;
    assert_eq!(wire.len(), 12 + 160 + 4);
    let mut plain = session(config(AudioCodec::Pcma, 8, "192.0.2.2:4000"), &mut rng);
    plain.send_frame(
        test_clock::origin(),
        &Sine::new(1000.0, 8000, 8000).samples(160),
    );
    let clear = plain.poll_transmit().unwrap().data;
    assert_ne!(wire[12..172], clear[12..]);
    // Plain RTP, or SRTP under another key, is refused and counted.
    let now = test_clock::origin();
    assert!(matches!(
        b.handle_packet(now, &clear, addr("192.0.2.1:5000")),
        Err(PacketError::Srtp(_))
    ));
    let mut stranger = session(secure("192.0.2.2:4000", keys(9, 2)), &mut rng);
    stranger.send_frame(now, &[0; 160]);
    let forged = stranger.poll_transmit().unwrap().data;
    assert!(
        b.handle_packet(now, &forged, addr("192.0.2.1:5000"))
            .is_err()
    );
    assert_eq!(b.stats().invalid, 2);
}

#[test]
fn losses_are_concealed_and_counted() {
    let mut rng = Rng::from_seed([4; 32]);
    let mut a = session(config(AudioCodec::Pcmu, 0, "192.0.2.2:4000"), &mut rng);
    let mut b = session(config(AudioCodec::Pcmu, 0, "192.0.2.1:5000"), &mut rng);
    // Every tenth packet lost: the repeated frame keeps the tone.
    let played = run(&mut a, &mut b, 100, |i| i % 10 == 5);
    let with_tone = played[160 * 5..]
        .chunks(160)
        .filter(|f| power_share(f, 1000.0, 8000) > 0.5)
        .count();
    assert!(with_tone >= 90, "{with_tone} of 95 frames kept the tone");
    assert!(b.stats().jitter.concealed >= 9, "{:?}", b.stats());
}

#[test]
fn symmetric_rtp_answers_where_packets_come_from() {
    let mut rng = Rng::from_seed([5; 32]);
    // The SDP says 10.0.0.7 (a private address); packets come from the NAT's public side.
    let mut b = session(config(AudioCodec::Pcmu, 0, "10.0.0.7:4000"), &mut rng);
    let mut a = session(config(AudioCodec::Pcmu, 0, "192.0.2.2:4000"), &mut rng);
    let now = test_clock::origin();
    a.send_frame(now, &[0; 160]);
    let bytes = a.poll_transmit().unwrap().data;
    b.handle_packet(now, &bytes, addr("203.0.113.9:61000"))
        .unwrap();
    b.send_frame(now, &[0; 160]);
    assert_eq!(b.poll_transmit().unwrap().to, addr("203.0.113.9:61000"));
}

#[test]
fn hold_sends_only_keepalives_and_resume_starts_a_talkspurt() {
    let mut rng = Rng::from_seed([6; 32]);
    let mut a = session(config(AudioCodec::Pcmu, 0, "192.0.2.2:4000"), &mut rng);
    let start = test_clock::origin();
    a.send_frame(start, &[100; 160]);
    let first = RtpPacket::parse(&a.poll_transmit().unwrap().data).unwrap();
    assert!(first.marker, "the first packet starts a talkspurt");
    let mut held = a.config().clone();
    held.send = false;
    a.update(held.clone()).unwrap();
    let mut sent = 0;
    for i in 1..=500u32 {
        a.send_frame(start + PTIME * i, &[100; 160]);
        while a.poll_transmit().is_some() {
            sent += 1;
        }
    }
    // 10 s of hold: a keep-alive every 5 s.
    assert_eq!(sent, 2);
    held.send = true;
    a.update(held).unwrap();
    a.send_frame(start + PTIME * 501, &[100; 160]);
    let resumed = RtpPacket::parse(&a.poll_transmit().unwrap().data).unwrap();
    assert!(resumed.marker, "resuming starts a talkspurt");
    assert_eq!(resumed.timestamp, first.timestamp.wrapping_add(160 * 501));
}

#[test]
fn garbage_is_counted_and_rtcp_is_read() {
    let mut rng = Rng::from_seed([7; 32]);
    let mut b = session(config(AudioCodec::Pcmu, 0, "192.0.2.1:5000"), &mut rng);
    let now = test_clock::origin();
    assert!(
        b.handle_packet(now, b"hello", addr("192.0.2.1:5000"))
            .is_err()
    );
    let rtcp = [0x80, 201, 0, 1, 0, 0, 0, 1];
    assert!(b.handle_packet(now, &rtcp, addr("192.0.2.1:5001")).is_ok());
    assert_eq!(b.stats().invalid, 1);
    assert_eq!(b.stats().packets_received, 0);
    assert_eq!(b.stats().rtcp_received, 1);
    // RTCP that does not parse is counted too.
    assert!(
        b.handle_packet(now, &[0x80, 201, 0, 9], addr("192.0.2.1:5001"))
            .is_err()
    );
    assert_eq!(b.stats().invalid, 2);
}

#[test]
fn dtmf_digits_arrive_in_order_once_each_and_audio_pauses_meanwhile() {
    let mut rng = Rng::from_seed([8; 32]);
    let mut a = session(config(AudioCodec::Pcmu, 0, "192.0.2.2:4000"), &mut rng);
    let mut b = session(config(AudioCodec::Pcmu, 0, "192.0.2.1:5000"), &mut rng);
    a.send_dtmf("12#").unwrap();
    assert_eq!(a.send_dtmf("9x"), Err(DtmfError::BadDigit('x')));
    let start = test_clock::origin();
    let mut audio_packets = 0;
    for i in 0..60u32 {
        let now = start + PTIME * i;
        a.send_frame(now, &[1000; 160]);
        while let Some(Transmit { data: bytes, .. }) = a.poll_transmit() {
            let p = RtpPacket::parse(&bytes).unwrap();
            if p.payload_type == PayloadType(0) {
                audio_packets += 1;
            }
            b.handle_packet(now, &bytes, addr("192.0.2.1:5000"))
                .unwrap();
        }
    }
    let digits: String = std::iter::from_fn(|| b.poll_dtmf()).collect();
    assert_eq!(digits, "12#");
    // Three digits of 7 packets and a 3-frame gap each: 30 frames without audio.
    assert_eq!(audio_packets, 30);
    let mut plain = session(
        StreamConfig {
            telephone_event: None,
            event_rate: None,
            ..config(AudioCodec::Pcmu, 0, "192.0.2.2:4000")
        },
        &mut rng,
    );
    assert_eq!(plain.send_dtmf("1"), Err(DtmfError::NotNegotiated));
}

#[test]
fn dtmf_durations_follow_the_event_clock() {
    // RFC 4733 §2.1: the duration counts in the event format's clock units.
    let mut rng = Rng::from_seed([9; 32]);
    let final_duration = |codec: AudioCodec, event_rate: Option<u32>, rng: &mut Rng| {
        let mut a = session(
            StreamConfig {
                event_rate,
                ..config(codec, 96, "192.0.2.2:4000")
            },
            rng,
        );
        a.send_dtmf("5").unwrap();
        let start = test_clock::origin();
        let mut last = 0;
        for i in 0..10u32 {
            a.send_frame(start + PTIME * i, &vec![0; a.send_samples()]);
            while let Some(t) = a.poll_transmit() {
                let p = RtpPacket::parse(&t.data).unwrap();
                if p.payload_type == PayloadType(101) {
                    last = EventPayload::parse(&p.payload).unwrap().duration;
                }
            }
        }
        last
    };
    let opus = AudioCodec::from_name("opus").unwrap();
    let at_48k = final_duration(opus, Some(48_000), &mut rng);
    let at_8k = final_duration(opus, Some(8000), &mut rng);
    assert!(at_48k > 0 && at_8k > 0);
    assert_eq!(at_48k, at_8k * 6, "{at_48k} vs {at_8k}");
    assert_eq!(final_duration(opus, None, &mut rng), at_48k);
}

#[test]
fn of_two_ends_exactly_one_sends_with_its_playout_once_packets_flow() {
    for seed in 0..20u8 {
        let mut rng = Rng::from_seed([seed; 32]);
        let config = |remote| config(AudioCodec::Pcmu, 0, remote);
        let mut a = session(config("192.0.2.2:4000"), &mut rng);
        let mut b = session(config("192.0.2.1:5000"), &mut rng);
        // Before anything arrived, neither knows the other's SSRC.
        assert!(!a.sends_with_playout() && !b.sends_with_playout());
        run(&mut a, &mut b, 3, |_| false);
        let now = test_clock::origin();
        b.send_frame(now, &[0; 160]);
        while let Some(Transmit { data, .. }) = b.poll_transmit() {
            a.handle_packet(now, &data, addr("192.0.2.2:4000")).unwrap();
        }
        assert!(
            a.sends_with_playout() != b.sends_with_playout(),
            "seed {seed}: {:?} {:?}",
            a.ssrc,
            b.ssrc
        );
    }
}
