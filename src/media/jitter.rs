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
    /// Frames left waiting after each pop that played, in all, and how many pops.
    held: u64,
    held_pops: u64,
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
            held: 0,
            held_pops: 0,
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

    /// The source whose packets it holds.
    pub fn ssrc(&self) -> Option<Ssrc> {
        self.ssrc
    }

    /// How long a frame waited here on average, from its tick's arrival to being played:
    /// the frames left waiting after each pop, in time.
    pub fn mean_held(&self) -> Option<Duration> {
        let pops = u32::try_from(self.held_pops).ok().filter(|n| *n > 0)?;
        Some(self.frame * u32::try_from(self.held).unwrap_or(u32::MAX) / pops)
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
        self.held += self.frames.len() as u64;
        self.held_pops += 1;
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

/// The latest arrival of a window should come this long before the playout tick that reads
/// it (a fifth of the period when that is less). Every packet counts: one that misses the
/// tick costs a concealed frame and a frame more of delay until the jitter buffer sheds it,
/// far more than the tick waiting a little longer for the latest packets.
const AIM: Duration = Duration::from_millis(1);
/// Packets per window in which arrivals are judged.
const WINDOW: usize = 50;
/// Windows in a row that must find the packets waiting too long before the tick moves
/// earlier (one that finds them too close moves it later at once): late packets now and
/// then, when a busy machine delays the far end, must not swing the tick back and forth.
/// The first move, to where the arrivals are at the start, takes one window.
const EARLY_WINDOWS: u32 = 3;
/// Periods shorter than this have too little to gain.
const MIN_PERIOD: Duration = Duration::from_millis(5);

/// Where the far end's packets arrive within the period of our playout clock, and where
/// that clock should tick. The engine reads the network once a playout tick, so a packet
/// waits in the socket from its arrival to the next tick: half a packet time on average
/// when the two are unrelated, a whole one when the packets arrive just as the clock ticks
/// (and then the jitter buffer alternately runs dry and holds a frame). The playout clock
/// is not the capture clock that sends (the far end's playout does not chase it), so it
/// can follow the arrivals: [`ArrivalPhase::observe`] judges a window of arrivals and says
/// when and by how much to move the playout tick so that they land a little before it.
#[derive(Debug, Default)]
pub struct ArrivalPhase {
    /// What the packets of this window waited, in µs.
    window: Vec<i64>,
    /// Windows in a row that found the packets waiting too long, and the least of their
    /// late edges.
    early: u32,
    least: i64,
    /// The tick moved at least once.
    moved: bool,
    /// What the packets waited to be read since the last change, in all, and how many.
    waited: Duration,
    count: u32,
}

/// How [`ArrivalPhase::observe`] wants the playout tick moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseChange {
    /// Tick this much earlier from now on: packets wait too long.
    Earlier(Duration),
    /// Tick this much later from now on: packets arrive too close to the tick, or after it.
    Later(Duration),
}

impl ArrivalPhase {
    /// A packet was read `waited` after it arrived, by a playout clock ticking every
    /// `period`.
    pub fn observe(&mut self, waited: Duration, period: Duration) -> Option<PhaseChange> {
        let change = self.change(waited, period);
        if change.is_some() {
            (self.waited, self.count) = (Duration::ZERO, 0);
        } else {
            self.waited += waited;
            self.count += 1;
        }
        change
    }

    /// How long packets waited to be read on average since the clock last moved: the
    /// share of the mouth-to-ear delay that comes from reading the network once a tick.
    pub fn mean_wait(&self) -> Option<Duration> {
        (self.count > 0).then(|| self.waited / self.count)
    }

    fn change(&mut self, waited: Duration, period: Duration) -> Option<PhaseChange> {
        if period < MIN_PERIOD {
            self.window.clear();
            return None;
        }
        let t = i64::try_from(period.as_micros()).unwrap_or(i64::MAX);
        self.window.push(
            i64::try_from(waited.as_micros())
                .unwrap_or(i64::MAX)
                .min(t - 1),
        );
        if self.window.len() < WINDOW {
            return None;
        }
        let late = late_edge(&mut self.window, t);
        self.window.clear();
        let aim = i64::try_from(AIM.min(period / 5).as_micros()).unwrap_or(0);
        // Slack above the aim, so that timing noise does not move the clock every window.
        let slack = (t / 10).max(1000);
        let by = |us: i64| Duration::from_micros(us.unsigned_abs());
        if late <= aim + slack {
            self.early = 0;
            if late >= aim / 2 {
                return None;
            }
            self.moved = true;
            return Some(PhaseChange::Later(by(aim - late)));
        }
        self.least = if self.early == 0 {
            late
        } else {
            self.least.min(late)
        };
        self.early += 1;
        if self.early < EARLY_WINDOWS && self.moved {
            return None;
        }
        (self.early, self.moved) = (0, true);
        Some(PhaseChange::Earlier(by(self.least - aim)))
    }
}

/// The wait, in µs, of the latest arrival among `waits` (each in `0..period`). Arrivals cluster on the circle of the period;
/// a packet that came just after a tick waited almost a whole period, but it was late, not
/// early: the largest gap between the sorted waits (the wrap-around one too) marks where
/// the cluster starts, and what lies above it counts a period less (negative: after the
/// tick).
fn late_edge(waits: &mut [i64], period: i64) -> i64 {
    waits.sort_unstable();
    let n = waits.len();
    let wrap_gap = waits[0] + period - waits[n - 1];
    let (gap, at) = waits
        .windows(2)
        .enumerate()
        .map(|(i, w)| (w[1] - w[0], i + 1))
        .max()
        .unwrap_or((0, n));
    if gap > wrap_gap {
        for w in &mut waits[at..] {
            *w -= period;
        }
        waits.rotate_left(at);
    }
    waits[0]
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
        // Until then a frame waited after each pop: a third of a frame on average.
        let held = b.mean_held().unwrap();
        let pops = played.len() as u32;
        assert!(
            (FRAME * skipped as u32 / pops..=FRAME * (skipped as u32 + 1) / pops).contains(&held),
            "{held:?}"
        );
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

    fn ms_(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn arrivals_long_before_the_tick_move_it_earlier_and_close_ones_leave_it() {
        let (period, us) = (FRAME, Duration::from_micros);
        let mut p = ArrivalPhase::default();
        // A couple of milliseconds before the tick, with noise: never.
        for i in 0..500u64 {
            assert_eq!(p.observe(us(2000 + (i * 397) % 1500), period), None);
        }
        // 12-12.4 ms before the tick: the first move comes at the end of the window, 11 ms
        // earlier, so that the latest land 1 ms before it; later ones after three.
        let moves: Vec<_> = (0..200u64)
            .filter_map(|i| {
                p.observe(us(12_000 + (i * 131) % 400), period)
                    .map(|m| (i, m))
            })
            .collect();
        let earlier = |i, d| (i, PhaseChange::Earlier(us(d)));
        assert_eq!(moves, vec![earlier(49, 11_000), earlier(199, 11_001)]);
        // At 10 ms: the same aim, a slack of a millisecond.
        let first = (0..200).find_map(|_| p.observe(us(2_500), ms_(10)));
        assert_eq!(first, Some(PhaseChange::Earlier(us(1_500))));
        // Too short a period to gain anything.
        assert_eq!((0..500).find_map(|_| p.observe(us(4_000), ms_(4))), None);
    }

    #[test]
    fn arrivals_on_or_after_the_tick_move_it_later() {
        let (period, us) = (FRAME, Duration::from_micros);
        let mut p = ArrivalPhase::default();
        // Alternately just before and just after the tick (waiting almost a period): the
        // latest came 100 µs after it, so 1.1 ms later, at the end of the window.
        let moves: Vec<_> = [us(100), us(19_900)]
            .into_iter()
            .cycle()
            .take(50)
            .filter_map(|w| p.observe(w, period))
            .collect();
        assert_eq!(moves, vec![PhaseChange::Later(us(1_100))]);
        // 0.3 ms before it: too close.
        let moves: Vec<_> = (0..50).filter_map(|_| p.observe(us(300), period)).collect();
        assert_eq!(moves, vec![PhaseChange::Later(us(700))]);
        // All 0.5 ms after the tick, that is 19.5 ms before the next: no different from
        // packets that wait long, so after three windows 18.5 ms earlier (the same place
        // as 1.5 ms later, a frame sooner).
        let moves: Vec<_> = (0..150)
            .filter_map(|_| p.observe(us(19_500), period))
            .collect();
        assert_eq!(moves, vec![PhaseChange::Earlier(us(18_500))]);
    }

    #[test]
    fn packets_read_late_by_a_busy_machine_leave_the_tick_alone() {
        let (period, us) = (FRAME, Duration::from_micros);
        let mut p = ArrivalPhase::default();
        for i in 0..1000 {
            // Every third packet read 8 ms late: the tick came late, the packet did not.
            let waited = if i % 3 == 0 { us(10_500) } else { us(2_500) };
            assert_eq!(p.observe(waited, period), None, "packet {i}");
        }
        assert_eq!(p.mean_wait(), Some(us(5_172)));
    }

    #[test]
    fn the_tick_moves_later_at_once_for_late_packets_and_back_only_after_three_calm_windows() {
        let (period, us) = (FRAME, Duration::from_micros);
        let mut p = ArrivalPhase::default();
        // Usual packets come 1.5 ms before the tick we started with, `shift` is how much
        // later we tick since.
        let mut shift = 0i64;
        let window = |p: &mut ArrivalPhase, shift: &mut i64, late: usize| {
            let mut moves = Vec::new();
            for i in 0..50 {
                // `late` packets a window come 1 ms after the tick we started with.
                let w = if i < late { -1000 } else { 1500 } + *shift;
                let waited = us(w.rem_euclid(20_000) as u64);
                if let Some(m) = p.observe(waited, period) {
                    *shift += match m {
                        PhaseChange::Later(d) => d.as_micros() as i64,
                        PhaseChange::Earlier(d) => -(d.as_micros() as i64),
                    };
                    moves.push(m);
                }
            }
            moves
        };
        assert_eq!(window(&mut p, &mut shift, 0), vec![]);
        assert_eq!(
            window(&mut p, &mut shift, 3),
            vec![PhaseChange::Later(us(2000))]
        );
        assert_eq!(window(&mut p, &mut shift, 0), vec![]);
        assert_eq!(window(&mut p, &mut shift, 0), vec![]);
        assert_eq!(
            window(&mut p, &mut shift, 0),
            vec![PhaseChange::Earlier(us(2500))]
        );
        // Late packets every other window: the tick stays where it covers them.
        let moves: Vec<_> = (0..20)
            .flat_map(|i| window(&mut p, &mut shift, if i % 2 == 0 { 3 } else { 0 }))
            .collect();
        assert_eq!(moves, vec![PhaseChange::Later(us(2500))]);
    }

    #[test]
    fn the_playout_clock_follows_a_far_end_whatever_its_phase() {
        // The far end sends every period from phase `phi`; packets arrive 50 µs later,
        // plus up to 1 ms of jitter, and one in a thousand 4 ms late. Our playout clock
        // starts at phase 0 and follows. The packets must end up waiting little, whatever
        // the phase, and only the rare late ones miss the tick.
        for period_ms in [10u64, 20] {
            let period = ms_(period_ms);
            let t = period_ms as i64 * 1000;
            for seed in 0..20u8 {
                let mut rng = crate::sip::rng::Rng::from_seed([seed; 32]);
                let phi = (rng.unit() * t as f64) as i64;
                let mut p = ArrivalPhase::default();
                let (mut psi, mut moves) = (0i64, 0);
                let mut waits = Vec::new();
                for k in 0..4000i64 {
                    let late = if k % 1000 == 777 { 4000 } else { 0 };
                    let arrival = phi + k * t + 50 + (rng.unit() * 1000.0) as i64 + late;
                    let waited = (psi - arrival).rem_euclid(t);
                    waits.push(waited);
                    match p.observe(Duration::from_micros(waited as u64), period) {
                        Some(PhaseChange::Earlier(d)) => psi -= d.as_micros() as i64,
                        Some(PhaseChange::Later(d)) => psi += d.as_micros() as i64,
                        None => continue,
                    }
                    moves += 1;
                }
                // Up to two to settle, then for each late packet one later and one back.
                assert!(moves <= 10, "{period_ms} ms, seed {seed}: {moves} moves");
                let tail = &waits[1000..];
                let mean = tail.iter().sum::<i64>() / tail.len() as i64;
                // The latest land 1 ms before the tick, or up to the slack (2 ms at 20 ms,
                // 1 ms at 10 ms) more; the others up to the 1 ms of jitter more; for three
                // windows after a late packet, 4 ms more.
                let bound = 1000 + (t / 10).max(1000) + 1000 + 600;
                assert!(mean < bound, "{period_ms} ms, seed {seed}: {mean} µs");
                // A packet that missed the tick waited almost a period (a late one, 3 ms
                // after the tick, waits the period less 3 ms).
                let missed = tail.iter().filter(|w| **w > t - 4000).count();
                assert!(missed <= 3, "{period_ms} ms, seed {seed}: {missed} missed");
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
