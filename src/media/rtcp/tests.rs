//! RTCP: round trips, the RFC's own figures, tolerance of what we do not know, and no panics
//! on whatever arrives.

use super::*;
use crate::sip::test_clock;
use proptest::prelude::*;

fn block(ssrc: u32, cumulative_lost: i32) -> ReportBlock {
    ReportBlock {
        ssrc: Ssrc(ssrc),
        fraction_lost: 25,
        cumulative_lost,
        highest_sequence: 0x0001_0005,
        jitter: 80,
        last_sr: 0xb705_2000,
        delay_since_last_sr: 0x0005_4000,
    }
}

fn compound() -> Vec<RtcpPacket> {
    vec![
        RtcpPacket::SenderReport {
            ssrc: Ssrc(0x1234_5678),
            info: SenderInfo {
                ntp: NtpTime(0xb44d_b705_2000_0000),
                rtp_timestamp: 160_000,
                packet_count: 1000,
                octet_count: 160_000,
            },
            reports: vec![block(7, 100), block(8, -3)],
        },
        RtcpPacket::SourceDescription(vec![SdesChunk {
            ssrc: Ssrc(0x1234_5678),
            items: vec![
                (SdesType::CNAME, "4f2a@tincan".into()),
                (SdesType(6), "Tincan".into()),
            ],
        }]),
        RtcpPacket::Goodbye {
            sources: vec![Ssrc(0x1234_5678)],
            reason: Some("hung up".into()),
        },
    ]
}

#[test]
fn a_compound_packet_round_trips() {
    let packets = compound();
    let bytes = to_bytes(&packets);
    assert_eq!(bytes.len() % 4, 0);
    // SR: header, SSRC, sender info, two blocks = 2 + 5 + 12 words, length field 18.
    assert_eq!(&bytes[..4], &[0x82, 200, 0, 18]);
    assert_eq!(parse_compound(&bytes).unwrap(), packets);
    let rr = vec![RtcpPacket::ReceiverReport {
        ssrc: Ssrc(9),
        reports: vec![],
    }];
    assert_eq!(to_bytes(&rr), [0x80, 201, 0, 1, 0, 0, 0, 9]);
    assert_eq!(parse_compound(&to_bytes(&rr)).unwrap(), rr);
}

#[test]
fn fields_sit_where_rfc_3550_puts_them() {
    let bytes = to_bytes(&[RtcpPacket::ReceiverReport {
        ssrc: Ssrc(1),
        reports: vec![block(2, -1)],
    }]);
    // §6.4.1: fraction lost 25, then -1 as 24-bit two's complement.
    assert_eq!(&bytes[12..16], &[25, 0xff, 0xff, 0xff]);
    assert_eq!(&bytes[16..20], &[0, 1, 0, 5]);
    assert_eq!(&bytes[24..28], &[0xb7, 0x05, 0x20, 0x00]);
    // Cumulative loss beyond 24 bits is clamped, not wrapped (Appendix A.3).
    let huge = to_bytes(&[RtcpPacket::ReceiverReport {
        ssrc: Ssrc(1),
        reports: vec![block(2, 1 << 30)],
    }]);
    let RtcpPacket::ReceiverReport { reports, .. } = &parse_compound(&huge).unwrap()[0] else {
        panic!("an RR");
    };
    assert_eq!(reports[0].cumulative_lost, 0x7f_ffff);
}

#[test]
fn unknown_packet_types_and_padding_are_skipped() {
    let mut bytes = to_bytes(&compound()[..1]);
    // APP (204) with a name and no data, XR (207) with one empty block, a transport-layer
    // feedback packet (205) with padding on it, as the last packet may have.
    bytes.extend_from_slice(&[0x80, 204, 0, 2, 0, 0, 0, 1, b'T', b'E', b'S', b'T']);
    bytes.extend_from_slice(&[0x80, 207, 0, 2, 0, 0, 0, 1, 4, 0, 0, 0]);
    bytes.extend_from_slice(&[0xa1, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4]);
    let packets = parse_compound(&bytes).unwrap();
    assert_eq!(packets.len(), 1);
    assert!(matches!(packets[0], RtcpPacket::SenderReport { .. }));
}

#[test]
fn broken_packets_are_refused() {
    let good = to_bytes(&compound());
    assert_eq!(parse_compound(&good[..3]), Err(RtcpError::TooShort(3)));
    assert_eq!(
        parse_compound(&good[..good.len() - 4]),
        Err(RtcpError::Length { packet_type: 203 })
    );
    let mut v1 = good.clone();
    v1[0] = 0x42;
    assert_eq!(parse_compound(&v1), Err(RtcpError::Version(1)));
    // An SR that claims three blocks but carries two.
    let mut counts = good.clone();
    counts[0] = 0x83;
    assert_eq!(
        parse_compound(&counts),
        Err(RtcpError::Malformed { packet_type: 200 })
    );
    // Padding larger than the packet.
    let rr = [0xa0, 201, 0, 1, 0, 0, 0, 9];
    assert_eq!(parse_compound(&rr), Err(RtcpError::Padding(9)));
    // Trailing bytes that are not a packet (the lengths must add up, Appendix A.2).
    let mut trailing = good;
    trailing.extend_from_slice(&[0x80, 201]);
    assert_eq!(parse_compound(&trailing), Err(RtcpError::TooShort(2)));
}

#[test]
fn every_mutation_of_a_valid_packet_parses_or_fails_cleanly() {
    let good = to_bytes(&compound());
    for cut in 0..good.len() {
        let _ = parse_compound(&good[..cut]);
    }
    for at in 0..good.len() {
        for value in [0x00, 0x01, 0x1f, 0x20, 0x7f, 0x80, 0xbf, 0xff] {
            let mut bad = good.clone();
            bad[at] = value;
            if let Ok(packets) = parse_compound(&bad) {
                // Whatever parsed writes out again and parses the same.
                assert_eq!(parse_compound(&to_bytes(&packets)).unwrap(), packets);
            }
        }
    }
}

prop_compose! {
    fn arb_block()(ssrc: u32, fraction_lost: u8, lost in -0x80_0000i32..=0x7f_ffff,
                   highest_sequence: u32, jitter: u32, last_sr: u32, dlsr: u32) -> ReportBlock {
        ReportBlock {
            ssrc: Ssrc(ssrc),
            fraction_lost,
            cumulative_lost: lost,
            highest_sequence,
            jitter,
            last_sr,
            delay_since_last_sr: dlsr,
        }
    }
}

fn arb_packet() -> impl Strategy<Value = RtcpPacket> {
    let blocks = || prop::collection::vec(arb_block(), 0..4);
    prop_oneof![
        (any::<u32>(), any::<u64>(), any::<[u32; 3]>(), blocks()).prop_map(
            |(ssrc, ntp, [rtp_timestamp, packet_count, octet_count], reports)| {
                RtcpPacket::SenderReport {
                    ssrc: Ssrc(ssrc),
                    info: SenderInfo {
                        ntp: NtpTime(ntp),
                        rtp_timestamp,
                        packet_count,
                        octet_count,
                    },
                    reports,
                }
            }
        ),
        (any::<u32>(), blocks()).prop_map(|(ssrc, reports)| RtcpPacket::ReceiverReport {
            ssrc: Ssrc(ssrc),
            reports
        }),
        prop::collection::vec(
            (
                any::<u32>(),
                prop::collection::vec((1u8..=8, "[ -~]{0,40}"), 0..3)
            ),
            0..3
        )
        .prop_map(|chunks| RtcpPacket::SourceDescription(
            chunks
                .into_iter()
                .map(|(ssrc, items)| SdesChunk {
                    ssrc: Ssrc(ssrc),
                    items: items.into_iter().map(|(t, v)| (SdesType(t), v)).collect(),
                })
                .collect()
        )),
        (
            prop::collection::vec(any::<u32>(), 0..4),
            prop::option::of("[ -~]{1,40}")
        )
            .prop_map(|(sources, reason)| RtcpPacket::Goodbye {
                sources: sources.into_iter().map(Ssrc).collect(),
                reason,
            }),
    ]
}

proptest! {
    #[test]
    fn written_compounds_parse_back(packets in prop::collection::vec(arb_packet(), 1..5)) {
        prop_assert_eq!(parse_compound(&to_bytes(&packets)).unwrap(), packets);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_compound(&bytes);
        // With a valid-looking first header, so that parsing goes deeper.
        let mut framed = vec![0x81, 200, 0, (bytes.len() / 4) as u8];
        framed.extend_from_slice(&bytes);
        let _ = parse_compound(&framed);
    }
}

#[test]
fn ntp_time_counts_from_1900() {
    let unix = NtpTime::from_system_time(UNIX_EPOCH);
    assert_eq!(unix.0, 2_208_988_800 << 32);
    let half = NtpTime::from_system_time(UNIX_EPOCH + Duration::from_millis(1500));
    assert_eq!(half.0 - unix.0, (1 << 32) + (1 << 31));
    // RFC 3550 Figure 2: ntp_sec 0xb44db705, ntp_frac 0x20000000 give LSR 0xb705:2000.
    assert_eq!(NtpTime(0xb44d_b705_2000_0000).middle(), 0xb705_2000);
    assert_eq!(to_dlsr_units(Duration::from_millis(5250)), 0x0005_4000);
}

#[test]
fn the_round_trip_is_rfc_3550_figure_2() {
    let t0 = test_clock::origin();
    let mut sent = SentReports::default();
    sent.sent(NtpTime(0xb44d_b705_2000_0000), t0);
    // A - LSR = 0xb710:8000 - 0xb705:2000 = 11.375 s; DLSR 5.25 s; delay 6.125 s.
    let rtt = sent.round_trip(&block(1, 0), t0 + Duration::from_millis(11_375));
    assert_eq!(rtt, Some(Duration::from_millis(6125)));
    let unknown = ReportBlock {
        last_sr: 0x1234_5678,
        ..block(1, 0)
    };
    assert_eq!(sent.round_trip(&unknown, t0), None);
    let none_yet = ReportBlock {
        last_sr: 0,
        ..block(1, 0)
    };
    assert_eq!(sent.round_trip(&none_yet, t0), None);
}

#[test]
fn loss_is_counted_across_the_wrap_with_reordering_and_duplicates() {
    let t0 = test_clock::origin();
    let mut stats = ReceptionStats::default();
    assert_eq!(stats.report_block(t0, 0), None, "nothing received");
    // 65530..=65535, 0..=9 minus 65533 and 4; 2 arrives after 3; 7 twice.
    let mut order: Vec<u16> = (65530..=65535).chain(0..=9).collect();
    order.retain(|s| *s != 65533 && *s != 4);
    order.swap(7, 8);
    order.push(7);
    for seq in order {
        stats.packet(Ssrc(5), seq);
    }
    assert_eq!(stats.expected(), 16);
    assert_eq!(stats.lost(), 16 - 15);
    let first = stats.report_block(t0, 40).unwrap();
    assert_eq!(first.ssrc, Ssrc(5));
    assert_eq!(first.highest_sequence, (1 << 16) | 9, "one cycle");
    assert_eq!(first.cumulative_lost, 1);
    // A.3: 1 lost of 16 expected in this interval: 16/256.
    assert_eq!(first.fraction_lost, 16);
    assert_eq!((first.last_sr, first.delay_since_last_sr), (0, 0));
    assert_eq!(stats.report_block(t0, 40), None, "nothing new since");
    // Next interval: 10..=19 with 15 and 16 lost, and an SR heard 2 s before the report.
    stats.sender_report(Ssrc(5), NtpTime(0xb44d_b705_2000_0000), t0);
    for seq in (10..20).filter(|s| *s != 15 && *s != 16) {
        stats.packet(Ssrc(5), seq);
    }
    let second = stats.report_block(t0 + Duration::from_secs(2), 40).unwrap();
    assert_eq!(second.fraction_lost, (2 * 256 / 10) as u8);
    assert_eq!(second.cumulative_lost, 3);
    assert_eq!(second.last_sr, 0xb705_2000);
    assert_eq!(second.delay_since_last_sr, 2 << 16);
    // A new SSRC starts afresh (§6.4.1).
    stats.packet(Ssrc(6), 100);
    assert_eq!((stats.expected(), stats.lost()), (1, 0));
}

#[test]
fn reports_are_spread_over_half_to_one_and_a_half_intervals() {
    assert_eq!(report_interval(true, 0.0), Duration::from_millis(1250));
    assert!(report_interval(true, 0.999_999) < Duration::from_millis(3750));
    assert_eq!(report_interval(false, 0.5), Duration::from_secs(5));
    assert_eq!(report_interval(false, 0.0), Duration::from_millis(2500));
}
