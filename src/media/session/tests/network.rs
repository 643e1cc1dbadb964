//! Two sessions over a simulated network (seeded loss, delay and jitter) on virtual time,
//! millisecond by millisecond: Opus, G.722 and RTCP judged by what arrives.

use super::*;
use crate::media::opus::OpusParams;
use crate::media::rtcp::{RtcpPacket, parse_compound};
use crate::media::tone::level_dbfs;
use std::time::{SystemTime, UNIX_EPOCH};

const A: &str = "192.0.2.1:5000";
const B: &str = "192.0.2.2:4000";

/// One direction of the network: each datagram is lost with probability `loss`, else
/// arrives `delay_ms` ± up to `jitter_ms` later (uniform; larger jitter reorders).
#[derive(Debug, Clone, Copy)]
struct Impairment {
    delay_ms: u64,
    jitter_ms: u64,
    loss: f64,
}

const CLEAN: Impairment = Impairment {
    delay_ms: 20,
    jitter_ms: 0,
    loss: 0.0,
};

struct Path {
    impairment: Impairment,
    rng: Rng,
    in_flight: Vec<(Instant, usize, Transmit)>,
    sent: usize,
}

impl Path {
    fn new(impairment: Impairment, seed: u8) -> Path {
        Path {
            impairment,
            rng: Rng::from_seed([seed; 32]),
            in_flight: Vec::new(),
            sent: 0,
        }
    }

    fn send(&mut self, now: Instant, transmit: Transmit) {
        self.sent += 1;
        let Impairment {
            delay_ms,
            jitter_ms,
            loss,
        } = self.impairment;
        if self.rng.unit() < loss {
            return;
        }
        let spread = (self.rng.unit() * (2 * jitter_ms + 1) as f64) as u64;
        let at = now + Duration::from_millis(delay_ms + spread - jitter_ms);
        self.in_flight.push((at, self.sent, transmit));
    }

    /// What has arrived by `now`, in order of arrival.
    fn arrived(&mut self, now: Instant) -> Vec<(Instant, Transmit)> {
        let (mut due, rest): (Vec<_>, Vec<_>) =
            self.in_flight.drain(..).partition(|(at, ..)| *at <= now);
        self.in_flight = rest;
        due.sort_by_key(|(at, n, _)| (*at, *n));
        due.into_iter().map(|(at, _, t)| (at, t)).collect()
    }
}

/// One side of the call: its session, the tone it sends and what it played.
struct Side {
    session: MediaSession,
    tone: Sine,
    played: Vec<Vec<i16>>,
}

struct Call {
    a: Side,
    b: Side,
    ab: Path,
    ba: Path,
    start: Instant,
    now: Instant,
}

/// The wall clock at `now` in a run that started at `start`.
fn wall(start: Instant, now: Instant) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000) + (now - start)
}

impl Call {
    /// A calls B with `codec` (payload type `pt`); A sends 1 kHz, B 440 Hz.
    fn new(codec: AudioCodec, pt: u8, ab: Impairment, ba: Impairment, seed: u8) -> Call {
        Call::with_devices_at(48_000, codec, pt, ab, ba, seed)
    }

    /// The same, both sides' audio devices running at `device_rate`.
    fn with_devices_at(
        device_rate: u32,
        codec: AudioCodec,
        pt: u8,
        ab: Impairment,
        ba: Impairment,
        seed: u8,
    ) -> Call {
        let mut rng = Rng::from_seed([seed; 32]);
        let start = test_clock::origin();
        let side = |remote: &str, hz: f64, rng: &mut Rng| {
            let session = session(
                StreamConfig {
                    device_rate,
                    ..config(codec, pt, remote)
                },
                rng,
            );
            Side {
                tone: Sine::new(hz, session.send_rate(), 8000),
                session,
                played: Vec::new(),
            }
        };
        Call {
            a: side(B, 1000.0, &mut rng),
            b: side(A, 440.0, &mut rng),
            ab: Path::new(ab, seed.wrapping_add(1)),
            ba: Path::new(ba, seed.wrapping_add(2)),
            start,
            now: start,
        }
    }

    /// Runs for `duration` more, a frame every packet time on both sides.
    fn run(&mut self, duration: Duration) {
        let end = self.now + duration;
        let start = self.start;
        while self.now < end {
            let now = self.now;
            for (at, t) in self.ab.arrived(now) {
                let _ = self.b.session.handle_packet(at, &t.data, addr(A));
            }
            for (at, t) in self.ba.arrived(now) {
                let _ = self.a.session.handle_packet(at, &t.data, addr(B));
            }
            let ptime = self.a.session.ptime().as_millis();
            if (now - start).as_millis() % ptime == 0 {
                for (side, path) in [(&mut self.a, &mut self.ab), (&mut self.b, &mut self.ba)] {
                    let n = side.session.send_samples();
                    side.session.send_frame(now, &side.tone.samples(n));
                    side.session.handle_timeout(now, wall(start, now));
                    while let Some(t) = side.session.poll_transmit() {
                        path.send(now, t);
                    }
                    side.played.push(side.session.play_frame());
                }
            }
            self.now += Duration::from_millis(1);
        }
    }
}

/// The share of frames (from `skip` on) in which `hz` carries most of the power at a
/// level no more than 20 dB under the -15 dBFS sent.
fn tone_presence(frames: &[Vec<i16>], skip: usize, hz: f64, rate: u32) -> f64 {
    let judged = &frames[skip..];
    let heard = judged
        .iter()
        .filter(|f| power_share(f, hz, rate) > 0.5 && level_dbfs(f) > -35.0)
        .count();
    heard as f64 / judged.len() as f64
}

fn opus(fmtp: &str) -> AudioCodec {
    AudioCodec::Opus(OpusParams::from_fmtp(fmtp))
}

#[test]
fn opus_carries_a_tone_each_way_at_48_khz() {
    let mut call = Call::new(opus("useinbandfec=1"), 111, CLEAN, CLEAN, 1);
    assert_eq!(call.a.session.send_rate(), 48_000);
    assert_eq!(call.a.session.play_rate(), 48_000);
    assert_eq!(call.a.session.send_samples(), 960);
    call.run(Duration::from_secs(2));
    assert!(call.a.played.iter().all(|f| f.len() == 960));
    assert_eq!(tone_presence(&call.b.played, 5, 1000.0, 48_000), 1.0);
    assert_eq!(tone_presence(&call.a.played, 5, 440.0, 48_000), 1.0);
    let stats = call.a.session.stats();
    assert_eq!(stats.packets_sent, 100);
    // 32 kbit/s by default: 80 bytes a packet on average, give or take VBR.
    let average = stats.bytes_sent / stats.packets_sent;
    assert!((50..=110).contains(&average), "{average} bytes a packet");
}

#[test]
fn opus_codes_at_the_rates_the_device_and_the_far_end_need_on_the_48_khz_clock() {
    // An 8 kHz device, a far end that plays up to 16 kHz: the encoder takes 16 kHz (what
    // wideband needs), the decoder gives 8 kHz (what the device plays), and the RTP clock
    // still counts 960 a packet (RFC 7587 §4.1).
    let codec = opus("maxplaybackrate=16000");
    let mut call = Call::with_devices_at(8000, codec, 111, CLEAN, CLEAN, 7);
    assert_eq!(call.a.session.send_rate(), 16_000);
    assert_eq!(call.a.session.send_samples(), 320);
    assert_eq!(call.a.session.play_rate(), 8000);
    assert_eq!(call.a.session.play_samples(), 160);
    call.run(Duration::from_secs(2));
    assert!(call.a.played.iter().all(|f| f.len() == 160));
    assert_eq!(tone_presence(&call.b.played, 5, 1000.0, 8000), 1.0);
    assert_eq!(tone_presence(&call.a.played, 5, 440.0, 8000), 1.0);
    // A 44.1 kHz card decodes at 48 kHz, the nearest Opus rate above it.
    let card = Call::with_devices_at(44_100, opus(""), 111, CLEAN, CLEAN, 8);
    assert_eq!(
        (card.a.session.send_rate(), card.a.session.play_rate()),
        (48_000, 48_000)
    );
    let mut rng = Rng::from_seed([3; 32]);
    let narrow = StreamConfig {
        device_rate: 8000,
        ..config(codec, 111, B)
    };
    let mut a = session(narrow, &mut rng);
    let start = test_clock::origin();
    let stamps: Vec<u32> = (0..2u32)
        .map(|i| {
            a.send_frame(start + PTIME * i, &[0; 320]);
            RtpPacket::parse(&a.poll_transmit().unwrap().data)
                .unwrap()
                .timestamp
        })
        .collect();
    assert_eq!(stamps[1], stamps[0].wrapping_add(960));
}

#[test]
fn opus_timestamps_follow_the_48_khz_clock_and_the_bitrate_follows_the_far_end() {
    let mut rng = Rng::from_seed([2; 32]);
    let codec = opus("maxaveragebitrate=12000");
    let mut a = session(config(codec, 111, B), &mut rng);
    let start = test_clock::origin();
    let mut tone = Sine::new(1000.0, 48_000, 8000);
    let mut packets = Vec::new();
    for i in 0..100u32 {
        a.send_frame(start + PTIME * i, &tone.samples(960));
        packets.push(RtpPacket::parse(&a.poll_transmit().unwrap().data).unwrap());
    }
    assert!(
        packets
            .windows(2)
            .all(|w| w[1].timestamp == w[0].timestamp.wrapping_add(960))
    );
    let bytes: usize = packets.iter().map(|p| p.payload.len()).sum();
    // 12 kbit/s over 2 s is 3000 bytes.
    assert!((2000..=3600).contains(&bytes), "{bytes} bytes in 2 s");
}

/// 10% loss and ±30 ms of jitter (which reorders 20 ms packets) each way.
const IMPAIRED: Impairment = Impairment {
    delay_ms: 40,
    jitter_ms: 30,
    loss: 0.10,
};

impl Call {
    /// Both tones at peak `amplitude` instead of 8000.
    fn at_level(mut self, amplitude: i16) -> Call {
        let rate = self.a.session.send_rate();
        self.a.tone = Sine::new(1000.0, rate, amplitude);
        self.b.tone = Sine::new(440.0, rate, amplitude);
        self
    }
}

/// The acceptance test: through 10% loss and ±30 ms jitter the tone stays in at
/// least 90% of the 20 ms frames after the first second, in both directions, because lost
/// frames are rebuilt from the next packet's FEC data or concealed by Opus's PLC.
///
/// The tones are at -9 dBFS: libopus treats a steady tone at -15 dBFS as background noise
/// after about a second (see the next test), and then neither sends FEC for it nor conceals
/// it as a tone.
#[test]
fn opus_keeps_the_tone_through_loss_and_jitter() {
    let mut call = Call::new(opus("useinbandfec=1"), 111, IMPAIRED, IMPAIRED, 3).at_level(16_000);
    call.run(Duration::from_secs(20));
    let at_b = tone_presence(&call.b.played, 50, 1000.0, 48_000);
    let at_a = tone_presence(&call.a.played, 50, 440.0, 48_000);
    let (sa, sb) = (call.a.session.stats(), call.b.session.stats());
    assert!(
        at_b >= 0.9,
        "the 1 kHz tone in {at_b:.3} of B's frames; {sb:?}"
    );
    assert!(
        at_a >= 0.9,
        "the 440 Hz tone in {at_a:.3} of A's frames; {sa:?}"
    );
    // Most losses were rebuilt from FEC, not only concealed.
    for s in [sa, sb] {
        assert!(s.fec_recovered * 2 > s.jitter.concealed, "{s:?}");
    }
}

/// A steady tone at -15 dBFS: after about a second libopus's voice activity detection takes
/// it for background noise, sends no FEC for it and conceals a loss with noise. What
/// arrives is still heard (the tone is missing in about the lost 10% of frames, no more),
/// which speech, being far from steady, does not suffer.
#[test]
fn opus_conceals_a_quiet_steady_tone_as_noise() {
    let mut call = Call::new(opus("useinbandfec=1"), 111, IMPAIRED, IMPAIRED, 3);
    call.run(Duration::from_secs(20));
    let at_b = tone_presence(&call.b.played, 50, 1000.0, 48_000);
    let lost = 1.0 - call.b.session.stats().packets_received as f64 / 1000.0;
    assert!(at_b >= 1.0 - lost - 0.03, "{at_b:.3} with {lost:.3} lost");
}

#[test]
fn rtcp_reports_the_round_trip_and_the_loss_both_ways() {
    let ab = Impairment {
        delay_ms: 30,
        jitter_ms: 0,
        loss: 0.10,
    };
    let ba = Impairment { delay_ms: 50, ..ab };
    let mut call = Call::new(opus("useinbandfec=1"), 111, ab, ba, 4);
    call.run(Duration::from_secs(30));
    for side in [&call.a, &call.b] {
        let stats = side.session.stats();
        eprintln!("{stats:?}");
        let rtt = stats.rtt_ms.expect("a round trip measured");
        assert!((79..=81).contains(&rtt), "RTT {rtt} ms, simulated 80 ms");
        let loss = stats.remote_loss_fraction.unwrap();
        assert!((0.04..=0.18).contains(&loss), "the far end lost {loss}");
        let lost = stats.remote_packets_lost.unwrap();
        // 30 s of 50 packets/s at 10% loss: about 150, as of the last report.
        assert!((90..=190).contains(&lost), "{lost} lost");
        assert!(
            (4..=8).contains(&stats.rtcp_sent),
            "{} reports",
            stats.rtcp_sent
        );
        // The encoder's expected-loss hint follows what the far end reports.
        let Coder::Opus { encoder, .. } = &side.session.coder else {
            panic!("Opus");
        };
        let expected = (f32::from(encoder.expected_loss()) / 100.0 - loss).abs();
        assert!(
            expected < 0.01,
            "hint {} for {loss}",
            encoder.expected_loss()
        );
    }
    // What A counted as lost of B's stream is what B hears it lost (A.3 both ends).
    let (a, b) = (call.a.session.stats(), call.b.session.stats());
    assert!((a.packets_lost - i64::from(b.remote_packets_lost.unwrap())).abs() < 60);
}

#[test]
fn without_rtcp_mux_reports_go_to_the_rtcp_address_and_close_says_bye() {
    let mut rng = Rng::from_seed([5; 32]);
    let separate = |remote: &str, rtcp: &str| StreamConfig {
        remote_rtcp: Some(addr(rtcp)),
        rtcp_mux: false,
        ..config(AudioCodec::Pcmu, 0, remote)
    };
    let mut a = session(separate(B, "192.0.2.2:4001"), &mut rng);
    let mut b = session(separate(A, "192.0.2.1:5001"), &mut rng);
    let start = test_clock::origin();
    let mut rtcp_to = Vec::new();
    b.handle_timeout(start, wall(start, start));
    for i in 0..500u32 {
        let now = start + PTIME * i;
        a.send_frame(now, &[0; 160]);
        a.handle_timeout(now, wall(start, now));
        while let Some(t) = a.poll_transmit() {
            if t.rtcp {
                rtcp_to.push(t.to);
                // Sent from A's RTP port (the engine has one socket for now).
                b.handle_packet(now, &t.data, addr(A)).unwrap();
            } else {
                assert_eq!(t.to, addr(B));
            }
        }
    }
    // 10 s: the first report within 3.75 s, then about every 5 s.
    assert!((2..=4).contains(&rtcp_to.len()), "{rtcp_to:?}");
    assert!(rtcp_to.iter().all(|to| *to == addr("192.0.2.2:4001")));
    // B answers RTCP where A's came from (symmetric RTCP, RFC 4961).
    let now = start + Duration::from_secs(20);
    b.send_frame(now, &[0; 160]);
    b.handle_timeout(now, wall(start, now));
    let t = std::iter::from_fn(|| b.poll_transmit()).find(|t| t.rtcp);
    assert_eq!(t.map(|t| t.to), Some(addr(A)));
    // BYE: an RR, the CNAME, then BYE; reports stop.
    a.close();
    let bye = a.poll_transmit().unwrap();
    assert!(bye.rtcp);
    let packets = parse_compound(&bye.data).unwrap();
    assert!(matches!(packets[0], RtcpPacket::ReceiverReport { .. }));
    assert!(matches!(&packets[1], RtcpPacket::SourceDescription(c) if c[0].cname().is_some()));
    assert!(matches!(&packets[2], RtcpPacket::Goodbye { sources, .. } if sources.len() == 1));
    b.handle_packet(now, &bye.data, addr(A)).unwrap();
    assert!(b.stats().remote_left);
    a.handle_timeout(now + Duration::from_secs(60), wall(start, now));
    assert_eq!(a.poll_transmit(), None);
    assert_eq!(a.poll_timeout(), None);
    // A session that never sent anything leaves without a BYE (RFC 3550 §6.3.7).
    let mut silent = session(separate(B, "192.0.2.2:4001"), &mut rng);
    silent.close();
    assert_eq!(silent.poll_transmit(), None);
}

#[test]
fn a_side_that_does_not_send_still_reports_what_it_receives() {
    let mut call = Call::new(AudioCodec::Pcma, 8, CLEAN, CLEAN, 6);
    let mut listening = call.b.session.config().clone();
    listening.send = false;
    call.b.session.update(listening).unwrap();
    call.run(Duration::from_secs(12));
    // B sends only keep-alives, yet its reports tell A how A's stream arrives.
    let a = call.a.session.stats();
    assert_eq!(a.remote_loss_fraction, Some(0.0));
    assert_eq!(a.remote_packets_lost, Some(0));
    assert!(a.rtcp_received >= 2);
}

#[test]
fn g722_carries_16_khz_audio_on_an_8_khz_clock() {
    let mut call = Call::new(AudioCodec::G722, 9, CLEAN, CLEAN, 7);
    assert_eq!(call.a.session.send_rate(), 16_000);
    assert_eq!(call.a.session.play_samples(), 320);
    call.run(Duration::from_secs(1));
    assert_eq!(tone_presence(&call.b.played, 5, 1000.0, 16_000), 1.0);
    assert_eq!(tone_presence(&call.a.played, 5, 440.0, 16_000), 1.0);
    let mut rng = Rng::from_seed([7; 32]);
    let mut a = session(config(AudioCodec::G722, 9, B), &mut rng);
    let start = test_clock::origin();
    a.send_frame(start, &[0; 320]);
    a.send_frame(start + PTIME, &[0; 320]);
    let p: Vec<_> = std::iter::from_fn(|| a.poll_transmit())
        .map(|t| RtpPacket::parse(&t.data).unwrap())
        .collect();
    // RFC 3551 §4.5.2: 160 timestamp units and 160 bytes for 20 ms.
    assert_eq!(p[1].timestamp.wrapping_sub(p[0].timestamp), 160);
    assert_eq!(p[0].payload.len(), 160);
}

#[test]
fn opus_dtx_leaves_out_silence_only_when_the_far_end_asks() {
    for (fmtp, quiet) in [("usedtx=1", true), ("usedtx=0", false)] {
        let mut rng = Rng::from_seed([8; 32]);
        let mut a = session(config(opus(fmtp), 111, B), &mut rng);
        let start = test_clock::origin();
        let mut sent = 0;
        for i in 0..100u32 {
            a.send_frame(start + PTIME * i, &[0; 960]);
            sent += std::iter::from_fn(|| a.poll_transmit()).count();
        }
        assert_eq!(
            sent < 50,
            quiet,
            "{fmtp}: {sent} packets for 2 s of silence"
        );
        let mut tone = Sine::new(1000.0, 48_000, 8000);
        a.send_frame(start + PTIME * 100, &tone.samples(960));
        let speech = RtpPacket::parse(&a.poll_transmit().unwrap().data).unwrap();
        assert_eq!(
            speech.marker, quiet,
            "{fmtp}: speech after DTX starts a talkspurt"
        );
    }
}
