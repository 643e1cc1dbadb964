//! An adaptive jitter buffer for audio (pure: the caller gives the time).
//!
//! Packets are ordered by their extended sequence number (RFC 3550 Appendix A.1), so
//! reordering, duplicates and sequence wrap-around are handled, and timestamp jumps (silence
//! suppression, a mixer) do not disturb playout. Playout is pulled once per frame by the
//! caller's clock: [`JitterBuffer::pop`] gives the next frame, says it is missing (for the
//! codec's concealment) or that nothing is playing yet.
//!
//! The target depth follows the measured interarrival jitter (RFC 3550 §6.4.1, Appendix A.8):
//! twice the jitter in whole frames (rounded) plus one frame. When the buffer holds more than the target (the far
//! end's clock is faster than ours, or a burst arrived) one frame is dropped; when it runs dry
//! (the far end's clock is slower, or a gap) playout pauses until the target is reached again.
//! That absorbs clock drift between the two ends. A new SSRC starts the buffer afresh.

use super::rtp::{RtpPacket, Ssrc};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The deepest target, in frames (20 ms frames: 400 ms).
pub const MAX_TARGET: usize = 20;
/// More frames than this are never held (a burst after a long stall).
const CAPACITY: usize = 50;

/// What the buffer gives for one frame period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout {
    /// The next frame's payload.
    Frame(Vec<u8>),
    /// The next frame is missing (lost or late): conceal it.
    Missing,
    /// Not playing (nothing received yet, or refilling after running dry): play silence.
    Idle,
}

/// Counters for statistics (RFC 3550 §6.4.1 terms where they apply).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JitterStats {
    /// Packets accepted into the buffer.
    pub received: u64,
    /// Frames played as missing.
    pub concealed: u64,
    /// Packets that arrived after their turn.
    pub late: u64,
    /// Packets received twice.
    pub duplicates: u64,
    /// Frames dropped to shorten the buffer.
    pub dropped: u64,
    /// Times playout ran dry and refilled.
    pub underruns: u64,
}

/// The buffer for one incoming stream.
#[derive(Debug)]
pub struct JitterBuffer {
    clock_rate: u32,
    frame: Duration,
    frames: BTreeMap<u64, Vec<u8>>,
    ssrc: Option<Ssrc>,
    /// The highest extended sequence number seen.
    highest: Option<u64>,
    /// The next extended sequence number to play, while playing.
    next: Option<u64>,
    target: usize,
    /// RFC 3550 A.8: interarrival jitter in timestamp units, times 16.
    jitter_x16: u64,
    /// Arrival of the previous packet and its transit time (in timestamp units).
    last_transit: Option<i64>,
    origin: Option<Instant>,
    stats: JitterStats,
}

impl JitterBuffer {
    /// A buffer for a stream with this clock rate and frame duration.
    pub fn new(clock_rate: u32, frame: Duration) -> JitterBuffer {
        JitterBuffer {
            clock_rate,
            frame,
            frames: BTreeMap::new(),
            ssrc: None,
            highest: None,
            next: None,
            target: 2,
            jitter_x16: 0,
            last_transit: None,
            origin: None,
            stats: JitterStats::default(),
        }
    }

    /// The interarrival jitter estimate (RFC 3550 §6.4.1), in timestamp units.
    pub fn jitter(&self) -> u32 {
        u32::try_from(self.jitter_x16 / 16).unwrap_or(u32::MAX)
    }

    /// The current target depth in frames.
    pub fn target(&self) -> usize {
        self.target
    }

    /// How many frames are held.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether no frame is held.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The counters.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// The highest extended sequence number seen (for RTCP's "highest received").
    pub fn highest(&self) -> Option<u64> {
        self.highest
    }

    /// Adds a packet that arrived at `now`.
    pub fn push(&mut self, now: Instant, packet: RtpPacket) {
        if self.ssrc != Some(packet.ssrc) {
            // A new source (a transfer, a restart): nothing of the old one applies.
            *self = JitterBuffer::new(self.clock_rate, self.frame);
            self.ssrc = Some(packet.ssrc);
        }
        let seq = self.extend(packet.sequence);
        self.update_jitter(now, packet.timestamp);
        if self.next.is_some_and(|n| seq < n) {
            self.stats.late += 1;
            return;
        }
        if self.frames.insert(seq, packet.payload).is_some() {
            self.stats.duplicates += 1;
            return;
        }
        self.stats.received += 1;
        while self.frames.len() > CAPACITY {
            self.frames.pop_first();
            self.stats.dropped += 1;
        }
        self.highest = Some(self.highest.map_or(seq, |h| h.max(seq)));
    }

    /// The frame for the next period.
    pub fn pop(&mut self) -> Playout {
        let Some(next) = self.next else {
            if self.frames.len() < self.target {
                return Playout::Idle;
            }
            let Some((&first, _)) = self.frames.first_key_value() else {
                return Playout::Idle;
            };
            self.next = Some(first);
            return self.pop();
        };
        if self.frames.is_empty() {
            // Ran dry: refill to the target before playing again.
            self.next = None;
            self.stats.underruns += 1;
            self.stats.concealed += 1;
            return Playout::Missing;
        }
        // Too deep: skip one frame per period to bring the delay back towards the target.
        let mut next = next;
        if self.frames.len() > self.target + 2 {
            if let Some((seq, _)) = self.frames.pop_first() {
                self.stats.dropped += 1;
                next = next.max(seq + 1);
            }
        }
        self.next = Some(next + 1);
        match self.frames.remove(&next) {
            Some(payload) => {
                // Anything older than what plays now is of no use any more.
                while self
                    .frames
                    .first_key_value()
                    .is_some_and(|(s, _)| *s < next)
                {
                    self.frames.pop_first();
                }
                Playout::Frame(payload)
            }
            None => {
                self.stats.concealed += 1;
                Playout::Missing
            }
        }
    }

    /// The payload the next [`JitterBuffer::pop`] would play, if it is here already (while
    /// playing). Right after `pop` said [`Playout::Missing`] this is the packet that
    /// follows the missing one: Opus can rebuild the lost frame from its FEC data
    /// (RFC 7587 §3.3).
    pub fn peek(&self) -> Option<&[u8]> {
        self.frames.get(&self.next?).map(Vec::as_slice)
    }

    /// RFC 3550 Appendix A.1: the 16-bit sequence number extended with a cycle count.
    fn extend(&self, seq: u16) -> u64 {
        let Some(h) = self.highest else {
            // Start well above zero so that earlier packets (reordered) still fit.
            return (1 << 16) + u64::from(seq);
        };
        let delta = i64::from(seq.wrapping_sub(h as u16) as i16);
        u64::try_from(h as i64 + delta).unwrap_or(0)
    }

    /// RFC 3550 Appendix A.8, and the target that follows from it.
    fn update_jitter(&mut self, now: Instant, timestamp: u32) {
        let origin = *self.origin.get_or_insert(now);
        let arrival = (now - origin).as_micros() as i64 * i64::from(self.clock_rate) / 1_000_000;
        let transit = arrival - i64::from(timestamp);
        if let Some(last) = self.last_transit {
            let d = (transit - last).unsigned_abs();
            // J += (|D| - J) / 16, kept times 16.
            self.jitter_x16 =
                self.jitter_x16 + d - self.jitter_x16.div_ceil(16).min(self.jitter_x16);
        }
        self.last_transit = Some(transit);
        let frame_units = self.frame.as_secs_f64() * f64::from(self.clock_rate);
        let jitter_frames = 2.0 * f64::from(self.jitter()) / frame_units.max(1.0);
        // Rounded, not rounded up: a jitter of a fraction of a millisecond (any real
        // network, loopback too) must not hold a whole extra frame (20 ms of delay). A
        // packet that then comes too late runs the buffer dry once, and the refill moves
        // playout a frame later, where it fits.
        self.target = (jitter_frames.round() as usize + 1).clamp(1, MAX_TARGET);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::rtp::PayloadType;
    use crate::sip::test_clock;

    const FRAME: Duration = Duration::from_millis(20);

    fn packet(seq: u16, ssrc: u32) -> RtpPacket {
        let ts = u32::from(seq).wrapping_mul(160);
        RtpPacket::new(PayloadType(0), seq, ts, Ssrc(ssrc), vec![seq as u8])
    }

    fn frames(buffer: &mut JitterBuffer, n: usize) -> Vec<Playout> {
        (0..n).map(|_| buffer.pop()).collect()
    }

    #[test]
    fn reordered_and_duplicated_packets_play_in_order() {
        let now = test_clock::origin();
        let mut b = JitterBuffer::new(8000, FRAME);
        for seq in [10, 12, 11, 11, 13] {
            b.push(now, packet(seq, 1));
        }
        assert_eq!(b.stats().duplicates, 1);
        let got = frames(&mut b, 4);
        let want: Vec<_> = [10u8, 11, 12, 13]
            .iter()
            .map(|s| Playout::Frame(vec![*s]))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_lost_packet_is_concealed_and_a_late_one_discarded() {
        let now = test_clock::origin();
        let at = |seq: u16| now + FRAME * u32::from(seq);
        let mut b = JitterBuffer::new(8000, FRAME);
        b.push(at(1), packet(1, 1));
        assert_eq!(b.pop(), Playout::Frame(vec![1]));
        b.push(at(2), packet(2, 1));
        assert_eq!(b.pop(), Playout::Frame(vec![2]));
        // 3 is lost on the way; 4 is here on time.
        b.push(at(4), packet(4, 1));
        assert_eq!(b.pop(), Playout::Missing);
        b.push(at(5), packet(3, 1));
        assert_eq!(b.stats().late, 1);
        assert_eq!(b.pop(), Playout::Frame(vec![4]));
    }

    #[test]
    fn after_a_missing_frame_the_next_one_can_be_peeked() {
        let now = test_clock::origin();
        let at = |seq: u16| now + FRAME * u32::from(seq);
        let mut b = JitterBuffer::new(8000, FRAME);
        assert_eq!(b.peek(), None, "not playing yet");
        b.push(at(1), packet(1, 1));
        b.push(at(2), packet(2, 1));
        assert_eq!(b.pop(), Playout::Frame(vec![1]));
        assert_eq!(b.peek(), Some(&[2u8][..]));
        assert_eq!(b.pop(), Playout::Frame(vec![2]));
        // 3 is lost; 4 came early enough to rebuild 3 from its FEC data.
        b.push(at(3), packet(4, 1));
        assert_eq!(b.pop(), Playout::Missing);
        assert_eq!(b.peek(), Some(&[4u8][..]), "the packet after the lost one");
        assert_eq!(b.pop(), Playout::Frame(vec![4]), "peeking does not consume");
    }

    #[test]
    fn sequence_numbers_wrap() {
        let now = test_clock::origin();
        let mut b = JitterBuffer::new(8000, FRAME);
        let mut got = Vec::new();
        for (i, seq) in [65534u16, 65535, 0, 1].into_iter().enumerate() {
            let mut p = packet(seq, 1);
            p.timestamp = 160 * i as u32;
            b.push(now + FRAME * i as u32, p);
            got.push(b.pop());
        }
        let want: Vec<_> = [254u8, 255, 0, 1]
            .iter()
            .map(|s| Playout::Frame(vec![*s]))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_new_ssrc_starts_afresh() {
        let now = test_clock::origin();
        let mut b = JitterBuffer::new(8000, FRAME);
        b.push(now, packet(100, 1));
        b.push(now, packet(101, 1));
        b.push(now, packet(5, 2));
        b.push(now, packet(6, 2));
        assert_eq!(b.len(), 2);
        assert_eq!(b.pop(), Playout::Frame(vec![5]));
    }

    #[test]
    fn jitter_raises_the_target_and_a_steady_stream_keeps_it_low() {
        let start = test_clock::origin();
        let mut steady = JitterBuffer::new(8000, FRAME);
        let mut jittery = JitterBuffer::new(8000, FRAME);
        let mut slightly = JitterBuffer::new(8000, FRAME);
        for i in 0..200u16 {
            let on_time = start + FRAME * u32::from(i);
            steady.push(on_time, packet(i, 1));
            // What loopback or a LAN shows: a fraction of a millisecond.
            let off = Duration::from_micros(if i % 2 == 0 { 0 } else { 800 });
            slightly.push(on_time + off, packet(i, 1));
            // ±30 ms of alternating delay.
            let late = on_time + Duration::from_millis(if i % 2 == 0 { 0 } else { 30 });
            jittery.push(late, packet(i, 1));
        }
        assert_eq!(steady.target(), 1);
        // No extra frame (20 ms more delay) for it.
        assert!(slightly.jitter() > 0);
        assert_eq!(slightly.target(), 1, "jitter {}", slightly.jitter());
        assert!(jittery.target() >= 4, "jittery target {}", jittery.target());
        assert!(jittery.jitter() >= 160, "jitter {}", jittery.jitter());
    }

    #[test]
    fn a_fast_sender_is_trimmed_and_a_slow_one_refills() {
        let now = test_clock::origin();
        let mut b = JitterBuffer::new(8000, FRAME);
        for seq in 0..10 {
            b.push(now, packet(seq, 1));
        }
        let played = frames(&mut b, 4);
        assert!(played.iter().all(|p| matches!(p, Playout::Frame(_))));
        assert!(b.len() <= b.target() + 2, "trimmed to {}", b.len());
        assert!(b.stats().dropped > 0);
        while let Playout::Frame(_) = b.pop() {}
        assert_eq!(b.stats().underruns, 1);
        assert_eq!(b.pop(), Playout::Idle);
    }
}
