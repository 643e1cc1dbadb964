//! An adaptive jitter buffer for audio (pure: the caller gives the time).
//!
//! Packets are ordered by their extended sequence number (RFC 3550 Appendix A.1), so
//! reordering, duplicates and sequence wrap-around are handled, and timestamp jumps (silence
//! suppression, a mixer) do not disturb playout. Playout is pulled once per frame by the
//! caller's clock: [`JitterBuffer::pop`] gives the next frame, says it is missing (for the
//! codec's concealment) or that nothing is playing yet.
//!
//! The target depth follows the measured interarrival jitter (RFC 3550 §6.4.1, Appendix A.8):
//! twice the jitter in whole frames (rounded) plus one frame. When it runs dry (the far end's
//! clock is slower, or a gap) playout pauses until the target is reached again. Delay the
//! target does not need is shed: a frame is dropped when the buffer is far too deep (a burst
//! after a stall), and also when, through a whole second, a frame or more more than the
//! target asks for was always waiting (the far end's clock is faster than ours, or a burst
//! at the start left a frame behind: without this, that frame would delay the whole call).
//! That absorbs clock drift between the two ends. A new SSRC starts the buffer afresh.

use super::rtp::{RtpPacket, Ssrc};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The deepest target, in frames (20 ms frames: 400 ms).
pub const MAX_TARGET: usize = 20;
/// More frames than this are never held (a burst after a long stall).
const CAPACITY: usize = 50;
/// How long surplus delay must last before a frame is shed, at first and at most.
const MIN_SHED_WINDOW: Duration = Duration::from_secs(1);
const MAX_SHED_WINDOW: Duration = Duration::from_secs(32);

/// Whole frames in `span`, at least one.
fn frames_in(frame: Duration, span: Duration) -> usize {
    (span.as_micros() / frame.as_micros().max(1)).max(1) as usize
}

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
    /// The fewest frames left waiting after a pop, through the current window of
    /// `window` pops (`pops` so far).
    floor: usize,
    pops: usize,
    window: usize,
    /// Pops since a frame was last shed that way: when the buffer runs dry soon after, the
    /// frame was needed after all (arrivals close to our clock's tick), and the window doubles.
    since_shed: Option<usize>,
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
            floor: usize::MAX,
            pops: 0,
            // One second of frames.
            window: frames_in(frame, MIN_SHED_WINDOW),
            since_shed: None,
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
            if self.since_shed.is_some_and(|n| n < 2 * self.window) {
                self.window = (2 * self.window).min(frames_in(self.frame, MAX_SHED_WINDOW));
                self.since_shed = None;
            }
            self.next = None;
            self.stats.underruns += 1;
            self.stats.concealed += 1;
            return Playout::Missing;
        }
        // Too deep: skip one frame per period to bring the delay back towards the target.
        let mut next = next;
        if self.frames.len() > self.target + 2 || self.lingering() {
            if let Some((seq, _)) = self.frames.pop_first() {
                self.stats.dropped += 1;
                next = next.max(seq + 1);
            }
        }
        self.next = Some(next + 1);
        let played = self.frames.remove(&next);
        self.floor = self.floor.min(self.frames.len());
        self.pops += 1;
        self.since_shed = self.since_shed.map(|n| n + 1);
        match played {
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

    /// The arrivals moved against the clock that pops (see [`ArrivalPhase`]): one of the
    /// two clocks moved, and a frame more may wait from now on. Shedding starts afresh, with
    /// its shortest window, so that frame goes within a second.
    pub fn arrivals_moved(&mut self) {
        self.floor = usize::MAX;
        self.pops = 0;
        self.window = frames_in(self.frame, MIN_SHED_WINDOW);
        self.since_shed = None;
    }

    /// A window of pops just ended in which at least `target` frames were always left
    /// waiting (the target keeps `target - 1` for the jitter): one can go. Starts the next
    /// window.
    fn lingering(&mut self) -> bool {
        if self.pops < self.window {
            return false;
        }
        let shed = self.floor >= self.target;
        self.floor = usize::MAX;
        self.pops = 0;
        if shed {
            self.since_shed = Some(0);
        }
        shed
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

/// Arrivals closer than this to the tick that reads them (either side) risk missing it; an
/// eighth of the period when that is less.
const EDGE: Duration = Duration::from_micros(2500);
/// Packets per window in which arrivals are judged: at least this, at most three times as
/// many (drawn at random, so that two ends doing this do not move at the same tick).
const WINDOW: u32 = 25;
/// Periods shorter than this have no edge worth avoiding.
const MIN_PERIOD: Duration = Duration::from_millis(5);

/// The edge for a clock ticking every `period`.
fn edge(period: Duration) -> Duration {
    EDGE.min(period / 8)
}

/// Where the far end's packets arrive within our media clock's period. The engine reads the
/// network once a tick, so packets that keep arriving within a couple of milliseconds of the
/// tick sometimes make it and sometimes wait a whole period: the jitter buffer then runs
/// dry now and then, or holds a frame more than it needs. Two ends whose clocks started at
/// the same moment (the answer) tick together like that. The cure is to move our clock,
/// once, so that packets arrive a little before the tick: [`ArrivalPhase::observe`] says
/// when and by how much, and also when the arrivals left the edge because the far end
/// moved its clock (the jitter buffer can then shed what the edge made it keep).
#[derive(Debug, Default)]
pub struct ArrivalPhase {
    /// Packets seen in this window, how many of them on the edge, and how many it takes.
    seen: u32,
    on_edge: u32,
    need: u32,
    /// The last window had a good share on the edge (without our moving).
    edgy: bool,
    /// What the last packet on the edge waited.
    edge_wait: Duration,
    /// What the packets waited to be read since the last change, in all, and how many.
    waited: Duration,
    count: u32,
}

/// What [`ArrivalPhase::observe`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseChange {
    /// Tick this much later from now on.
    Move(Duration),
    /// The arrivals left the edge without our moving (the far end's clock moved).
    Settled,
}

impl ArrivalPhase {
    /// A packet was read `waited` after it arrived, by a clock ticking every `period`.
    /// `unit` (random, 0..1, fresh each time) spreads when and how far the clock moves, so
    /// that two ends doing this do not land together again.
    pub fn observe(
        &mut self,
        waited: Duration,
        period: Duration,
        unit: f64,
    ) -> Option<PhaseChange> {
        let change = self.change(waited, period, unit);
        if change.is_some() {
            (self.waited, self.count) = (Duration::ZERO, 0);
        } else {
            self.waited += waited;
            self.count += 1;
        }
        change
    }

    /// How long packets waited to be read on average since the clock (ours or the far
    /// end's) last moved: the share of the mouth-to-ear delay that comes from reading the
    /// network once a tick.
    pub fn mean_wait(&self) -> Option<Duration> {
        (self.count > 0).then(|| self.waited / self.count)
    }

    fn change(&mut self, waited: Duration, period: Duration, unit: f64) -> Option<PhaseChange> {
        if period < MIN_PERIOD {
            return None;
        }
        let unit = unit.clamp(0.0, 1.0);
        let edge = edge(period);
        if self.seen == 0 {
            self.need = WINDOW + (unit * f64::from(2 * WINDOW)) as u32;
        }
        self.seen += 1;
        if waited < edge || waited + edge > period {
            self.on_edge += 1;
            self.edge_wait = waited;
        }
        if self.seen < self.need {
            return None;
        }
        // A window ends. Judged by shares, so that timing noise (a loaded machine) on a
        // few packets does not hide the pattern.
        let (seen, on_edge) = (self.seen, self.on_edge);
        (self.seen, self.on_edge) = (0, 0);
        let was_edgy = std::mem::replace(&mut self.edgy, 10 * on_edge >= 3 * seen);
        if 5 * on_edge >= 4 * seen {
            self.edgy = false;
            // Arrivals a millisecond beyond the edge (and up to a quarter period more)
            // before the tick.
            let aim = edge + Duration::from_millis(1) + period.mul_f64(0.25 * unit);
            let waited = self.edge_wait;
            return Some(PhaseChange::Move(if waited < aim {
                aim - waited
            } else {
                period.saturating_sub(waited) + aim
            }));
        }
        (was_edgy && 10 * on_edge <= seen).then_some(PhaseChange::Settled)
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

    /// One engine tick: the packets that arrived are pushed, then a frame is played.
    fn tick(b: &mut JitterBuffer, now: Instant, arrived: impl IntoIterator<Item = u16>) -> Playout {
        for seq in arrived {
            b.push(now, packet(seq, 1));
        }
        b.pop()
    }

    #[test]
    fn a_frame_of_delay_left_by_a_burst_at_the_start_is_shed_within_a_second() {
        let start = test_clock::origin();
        let mut b = JitterBuffer::new(8000, FRAME);
        // Two packets came before the first tick (the far end started earlier).
        assert_eq!(tick(&mut b, start, [0, 1]), Playout::Frame(vec![0]));
        let mut played = vec![0];
        for k in 1..150u16 {
            match tick(&mut b, start + FRAME * u32::from(k), [k + 1]) {
                Playout::Frame(p) => played.push(p[0]),
                other => panic!("tick {k}: {other:?}"),
            }
        }
        assert_eq!(b.stats().dropped, 1);
        // One frame skipped, within the first second and a bit; then each packet plays at
        // the tick it arrived for, with nothing left waiting.
        let skipped = played.windows(2).position(|w| w[1] != w[0] + 1).unwrap();
        assert!(skipped <= 51, "skipped at {skipped}");
        assert!(b.is_empty());
    }

    #[test]
    fn after_the_clock_moves_the_frame_it_left_behind_goes_within_a_second() {
        let start = test_clock::origin();
        let mut b = JitterBuffer::new(8000, FRAME);
        // Packets arriving on the edge of the tick ran the buffer dry twice, so shedding
        // waits longer than a second by now...
        let mut seq = 0u16;
        let mut k = 0u32;
        let mut step = |b: &mut JitterBuffer, arrived: Vec<u16>| {
            k += 1;
            tick(b, start + FRAME * k, arrived)
        };
        for round in 0..3 {
            for _ in 0..(40 + round * 10) {
                step(&mut b, vec![seq]);
                seq += 1;
            }
            step(&mut b, vec![]);
            step(&mut b, vec![seq, seq + 1]);
            seq += 2;
        }
        assert!(
            b.window > frames_in(FRAME, MIN_SHED_WINDOW),
            "window {}",
            b.window
        );
        // ...then the clock moved later: one tick read two packets.
        b.arrivals_moved();
        step(&mut b, vec![seq, seq + 1]);
        seq += 2;
        assert_eq!(b.len(), 2, "the edge left one frame, the move another");
        let dropped = b.stats().dropped;
        for second in 1..=2 {
            for _ in 0..50 {
                step(&mut b, vec![seq]);
                seq += 1;
            }
            assert_eq!(b.stats().dropped, dropped + second);
            assert_eq!(b.len(), 2 - second as usize);
        }
    }

    #[test]
    fn packets_that_come_just_in_time_are_never_shed() {
        let start = test_clock::origin();
        let mut b = JitterBuffer::new(8000, FRAME);
        for k in 0..500u16 {
            let got = tick(&mut b, start + FRAME * u32::from(k), [k]);
            assert_eq!(got, Playout::Frame(vec![k as u8]));
        }
        assert_eq!(b.stats().dropped, 0);
    }

    #[test]
    fn arrivals_on_the_edge_of_the_tick_back_the_shedding_off() {
        // The far end's packets arrive right at our tick: now and then one misses it and
        // comes with the next. A shed frame then runs the buffer dry: the second time that
        // happens shedding waits longer, so glitches stay rare.
        let start = test_clock::origin();
        let mut b = JitterBuffer::new(8000, FRAME);
        let mut pending = Vec::new();
        let minutes = 3;
        for k in 0..(minutes * 3000u32) {
            let seq = k as u16;
            pending.push(seq);
            // Every 137th packet is a tick late.
            let arrived: Vec<u16> = if k % 137 == 0 {
                pending.drain(..pending.len() - 1).collect()
            } else {
                std::mem::take(&mut pending)
            };
            tick(&mut b, start + FRAME * k, arrived);
        }
        let s = b.stats();
        assert!(s.dropped + s.underruns < 10, "{s:?}");
    }

    #[test]
    fn packets_on_the_edge_of_the_tick_move_the_clock_others_do_not() {
        let period = FRAME;
        let (ms, micros) = (Duration::from_millis, Duration::from_micros);
        let mut p = ArrivalPhase::default();
        // Comfortably between ticks: never.
        for waited in [ms(3), ms(10), ms(17)].into_iter().cycle().take(300) {
            assert_eq!(p.observe(waited, period, 0.5), None);
        }
        // Alternately just before and just after the tick: a window of 25 (+ 50 × the unit
        // drawn first) all on the edge, then a move that puts arrivals 3.5 ms (+ a quarter
        // period × the unit drawn last) before the tick.
        let edge = [micros(100), micros(19_900)];
        let moves: Vec<_> = edge
            .iter()
            .cycle()
            .take(50)
            .enumerate()
            .filter_map(|(i, w)| p.observe(*w, period, 0.0).map(|m| (i, m)))
            .collect();
        let moved = |d| PhaseChange::Move(micros(d));
        assert_eq!(moves, vec![(24, moved(3400)), (49, moved(3600))]);
        // Noise on a fifth of the packets (a loaded machine) does not hide the edge...
        let noisy = (1..=75).find_map(|i| {
            let waited = if i % 5 == 0 { ms(6) } else { edge[0] };
            p.observe(waited, period, 1.0).map(|m| (i, m))
        });
        assert_eq!(noisy, Some((75, moved(8400))));
        // ...but a third of the packets off the edge is no pattern to act on.
        for i in 1..=300 {
            let waited = if i % 3 == 0 { ms(6) } else { edge[0] };
            assert_eq!(p.observe(waited, period, 1.0), None);
        }
        // Too short a period to have an edge worth avoiding.
        assert_eq!(
            (0..100).find_map(|_| p.observe(Duration::ZERO, ms(4), 0.0)),
            None
        );
    }

    #[test]
    fn arrivals_that_leave_the_edge_on_their_own_are_reported_once() {
        let (period, ms) = (FRAME, Duration::from_millis);
        let mut p = ArrivalPhase::default();
        // Stray packets near the tick amid calm ones: nothing to report.
        for i in 0..500 {
            let waited = if i % 40 == 0 { ms(0) } else { ms(8) };
            assert_eq!(p.observe(waited, period, 1.0), None);
        }
        // Half a window on the edge (too little to move), then the far end moved its
        // clock: reported at the end of the next window, and once.
        let mut p = ArrivalPhase::default();
        let changes: Vec<_> = std::iter::repeat_n(ms(0), 40)
            .chain(std::iter::repeat_n(ms(6), 200))
            .enumerate()
            .filter_map(|(i, w)| p.observe(w, period, 1.0).map(|c| (i, c)))
            .collect();
        assert_eq!(changes, vec![(149, PhaseChange::Settled)]);
        // The mean counts from there.
        assert_eq!(p.mean_wait(), Some(ms(6)));
    }

    #[test]
    fn two_ends_that_tick_together_part_after_a_move_or_two() {
        // Two Tincans whose clocks started together: each reads the other's packets
        // (delivered 50 µs after the sender's tick) at its own tick. Both move their
        // clocks; they must part, not chase each other.
        let delivery = 50.0;
        for period_ms in [10u32, 20] {
            let t = f64::from(period_ms) * 1000.0;
            let period = Duration::from_millis(u64::from(period_ms));
            for seed in 0..20u8 {
                let mut rng = crate::sip::rng::Rng::from_seed([seed; 32]);
                let (mut a, mut b) = (ArrivalPhase::default(), ArrivalPhase::default());
                // B's ticks come `r` µs after A's.
                let mut r = 30.0;
                let mut moves = 0;
                let wait = |x: f64| Duration::from_micros((x - delivery).rem_euclid(t) as u64);
                for _ in 0..3000 {
                    let (wa, wb) = (wait(-r), wait(r));
                    if let Some(PhaseChange::Move(d)) = a.observe(wa, period, rng.unit()) {
                        r -= d.as_micros() as f64;
                        moves += 1;
                    }
                    if let Some(PhaseChange::Move(d)) = b.observe(wb, period, rng.unit()) {
                        r += d.as_micros() as f64;
                        moves += 1;
                    }
                }
                assert!(moves <= 6, "{period_ms} ms, seed {seed}: {moves} moves");
                for w in [wait(-r), wait(r)] {
                    assert!(
                        w >= edge(period) && w + edge(period) <= period,
                        "{period_ms} ms, seed {seed}: {w:?}"
                    );
                }
            }
        }
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
