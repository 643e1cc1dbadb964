//! DTMF as RTP telephone events (RFC 4733): the payload (§2.3), a sender that turns digits
//! into event packets (§2.5.1.2: one timestamp per event, the marker on its first packet, the
//! duration growing every packet time, the final packet with the E bit sent three times,
//! §2.5.1.4), and a receiver that reports each event once however many of its packets arrive
//! (§2.5.2: a new event is a new timestamp). Pure.

use std::collections::VecDeque;

/// How long each digit lasts (ITU-T Q.24 asks for at least 40 ms; 100 ms is common).
pub const DIGIT_MS: u32 = 100;
/// The silence between two digits.
pub const GAP_MS: u32 = 60;
/// The volume field: -10 dBm0 (§2.3.4: 0 to -63; DTMF senders use about -10).
const VOLUME: u8 = 10;

/// The event code of a DTMF digit (§3.2: 0–9, `*` 10, `#` 11, A–D 12–15).
pub fn event_code(digit: char) -> Option<u8> {
    match digit.to_ascii_uppercase() {
        d @ '0'..='9' => Some(d as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        d @ 'A'..='D' => Some(d as u8 - b'A' + 12),
        _ => None,
    }
}

/// The digit of an event code, if it is one.
pub fn digit(code: u8) -> Option<char> {
    match code {
        0..=9 => Some((b'0' + code) as char),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some((b'A' + code - 12) as char),
        _ => None,
    }
}

/// One telephone-event payload (§2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPayload {
    /// The event code.
    pub event: u8,
    /// The E bit: the event has ended.
    pub end: bool,
    /// The volume in -dBm0.
    pub volume: u8,
    /// The duration so far, in timestamp units.
    pub duration: u16,
}

impl EventPayload {
    /// Parses the first (or only) event of a payload.
    pub fn parse(payload: &[u8]) -> Option<EventPayload> {
        let b = payload.get(..4)?;
        Some(EventPayload {
            event: b[0],
            end: b[1] & 0x80 != 0,
            volume: b[1] & 0x3f,
            duration: u16::from_be_bytes([b[2], b[3]]),
        })
    }

    /// The four bytes.
    pub fn to_bytes(self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [
            self.event,
            u8::from(self.end) << 7 | (self.volume & 0x3f),
            d[0],
            d[1],
        ]
    }
}

/// One packet the sender wants sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPacket {
    /// The payload.
    pub payload: EventPayload,
    /// The marker bit (the event's first packet; its timestamp is the event's for all of
    /// its packets, §2.5.1.2).
    pub marker: bool,
}

/// What the sender does in one packet time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendStep {
    /// No digit is being sent: send audio.
    Audio,
    /// Send this event packet (instead of audio).
    Event(EventPacket),
    /// Between digits: send nothing (the silence between digits).
    Pause,
}

/// Turns digits into event packets, one step per packet time.
#[derive(Debug)]
pub struct DtmfSender {
    queue: VecDeque<u8>,
    /// The digit being sent: its code, elapsed packet times, and its start timestamp.
    current: Option<(u8, u32)>,
    end_sent: u32,
    pause_left: u32,
    clock_rate: u32,
    ptime_ms: u32,
}

impl DtmfSender {
    /// A sender for a stream of this clock rate (8000 for telephone-event/8000) and ptime.
    pub fn new(clock_rate: u32, ptime_ms: u32) -> DtmfSender {
        DtmfSender {
            queue: VecDeque::new(),
            current: None,
            end_sent: 0,
            pause_left: 0,
            clock_rate,
            ptime_ms: ptime_ms.max(5),
        }
    }

    /// Queues digits; characters that are not DTMF digits are refused (all or nothing).
    pub fn queue(&mut self, digits: &str) -> Result<(), char> {
        let codes: Vec<u8> = digits
            .chars()
            .map(|c| event_code(c).ok_or(c))
            .collect::<Result<_, _>>()?;
        self.queue.extend(codes);
        Ok(())
    }

    /// Whether digits are being sent or wait.
    pub fn is_busy(&self) -> bool {
        self.current.is_some() || !self.queue.is_empty() || self.pause_left > 0
    }

    /// The step for the next packet time.
    pub fn step(&mut self) -> SendStep {
        if self.pause_left > 0 {
            self.pause_left -= 1;
            return SendStep::Pause;
        }
        let (code, ticks) = match self.current {
            Some(c) => c,
            None => match self.queue.pop_front() {
                Some(code) => (code, 0),
                None => return SendStep::Audio,
            },
        };
        let per_tick = self.clock_rate * self.ptime_ms / 1000;
        let total_ticks = DIGIT_MS.div_ceil(self.ptime_ms);
        let ticks = ticks + 1;
        let ended = ticks >= total_ticks;
        let duration = (per_tick * ticks.min(total_ticks)).min(u32::from(u16::MAX)) as u16;
        let packet = EventPacket {
            payload: EventPayload {
                event: code,
                end: ended,
                volume: VOLUME,
                duration,
            },
            marker: ticks == 1,
        };
        if ended {
            self.end_sent += 1;
            if self.end_sent >= 3 {
                // §2.5.1.4: the final packet went out three times; then the gap.
                self.current = None;
                self.end_sent = 0;
                self.pause_left = GAP_MS.div_ceil(self.ptime_ms);
            } else {
                self.current = Some((code, ticks - 1));
            }
        } else {
            self.current = Some((code, ticks));
        }
        SendStep::Event(packet)
    }
}

/// Reports each received event once.
#[derive(Debug, Default)]
pub struct DtmfReceiver {
    /// The timestamp of the last event reported (a new event has a new timestamp, §2.5.2.2).
    last: Option<u32>,
}

impl DtmfReceiver {
    /// A telephone-event packet arrived: returns the digit when it starts a new event.
    pub fn receive(&mut self, timestamp: u32, payload: &[u8]) -> Option<char> {
        let event = EventPayload::parse(payload)?;
        if self.last == Some(timestamp) {
            return None;
        }
        self.last = Some(timestamp);
        digit(event.event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_payloads_round_trip() {
        for (c, code) in [
            ('0', 0),
            ('9', 9),
            ('*', 10),
            ('#', 11),
            ('a', 12),
            ('D', 15),
        ] {
            assert_eq!(event_code(c), Some(code));
            assert_eq!(digit(code), Some(c.to_ascii_uppercase()));
        }
        assert_eq!(event_code('x'), None);
        let p = EventPayload {
            event: 11,
            end: true,
            volume: 10,
            duration: 800,
        };
        assert_eq!(p.to_bytes(), [11, 0x8a, 0x03, 0x20]);
        assert_eq!(EventPayload::parse(&p.to_bytes()), Some(p));
    }

    #[test]
    fn a_digit_is_five_packets_then_the_end_three_times_then_a_gap() {
        let mut s = DtmfSender::new(8000, 20);
        s.queue("5").unwrap();
        let steps: Vec<SendStep> = (0..12).map(|_| s.step()).collect();
        let events: Vec<EventPacket> = steps
            .iter()
            .filter_map(|s| match s {
                SendStep::Event(p) => Some(*p),
                _ => None,
            })
            .collect();
        assert_eq!(events.len(), 7, "{steps:?}");
        assert!(events[0].marker && events[1..].iter().all(|p| !p.marker));
        let durations: Vec<u16> = events.iter().map(|p| p.payload.duration).collect();
        assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800]);
        let ends: Vec<bool> = events.iter().map(|p| p.payload.end).collect();
        assert_eq!(ends, [false, false, false, false, true, true, true]);
        assert_eq!(&steps[7..10], &[SendStep::Pause; 3]);
        assert_eq!(steps[10], SendStep::Audio);
        assert!(!s.is_busy());
    }

    #[test]
    fn bad_digits_queue_nothing() {
        let mut s = DtmfSender::new(8000, 20);
        assert_eq!(s.queue("12x"), Err('x'));
        assert!(!s.is_busy());
    }

    #[test]
    fn the_receiver_reports_each_event_once() {
        let mut r = DtmfReceiver::default();
        let p = |event, end| {
            EventPayload {
                event,
                end,
                volume: 10,
                duration: 160,
            }
            .to_bytes()
        };
        assert_eq!(r.receive(1000, &p(1, false)), Some('1'));
        assert_eq!(r.receive(1000, &p(1, false)), None);
        assert_eq!(r.receive(1000, &p(1, true)), None);
        assert_eq!(r.receive(1000, &p(1, true)), None);
        assert_eq!(
            r.receive(2600, &p(1, false)),
            Some('1'),
            "the same digit again"
        );
        assert_eq!(
            r.receive(4000, &p(11, true)),
            Some('#'),
            "first packet lost"
        );
        assert_eq!(r.receive(5000, &[1, 2]), None, "too short");
    }
}
