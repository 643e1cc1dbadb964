//! RTP parsing and printing, the jitter buffer fed with what parses, and the telephone-event
//! payload: nothing panics, and what parses prints back to something that parses the same.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant};
use tincan::media::dtmf::EventPayload;
use tincan::media::jitter::JitterBuffer;
use tincan::media::rtp::RtpPacket;

fuzz_target!(|data: &[u8]| {
    let mut buffer = JitterBuffer::new(8000, Duration::from_millis(20));
    // One clock reading per input is fine here: the fuzz target is not protocol code.
    let start = Instant::now();
    // Cut the input into datagrams at 0xFF 0xFF markers so one input is a stream of packets.
    for (i, chunk) in data.split(|b| *b == 0xFF).enumerate() {
        if let Ok(packet) = RtpPacket::parse(chunk) {
            let again = RtpPacket::parse(&packet.to_bytes()).expect("printed RTP parses");
            assert_eq!(again, packet);
            let _ = EventPayload::parse(&packet.payload);
            buffer.push(start + Duration::from_millis(20 * i as u64), packet);
            let _ = buffer.pop();
        }
    }
    // Play out for a while: no panics, whatever was pushed.
    for _ in 0..200 {
        let _ = buffer.pop();
    }
});
