//! Transaction timers as data: the values of RFC 3261 Table 4 (Appendix A; §17.1.1.2,
//! §17.1.2.2, §17.2.1, §17.2.2) plus Timers L and M (RFC 6026 §8.11), with their
//! reliable-transport variants, and a per-transaction table of deadlines keyed by
//! [`TimerKind`].

use super::{TimerConfig, TransportKind};
use std::time::{Duration, Instant};

/// How long an INVITE server transaction waits for the TU's final response before it is
/// dropped with a Timeout (see the module docs of [`super`]): five minutes, longer than a
/// proxy's Timer C minimum of three (RFC 3261 §16.6 item 11).
pub const INVITE_ANSWER_LIMIT: Duration = Duration::from_secs(300);

/// RFC 3261 §17.2.1: the TU gets 200 ms to answer before the server sends 100 (Trying).
const TRYING_DELAY: Duration = Duration::from_millis(200);

/// RFC 3261 §17.1.1.2: Timer D is "at least 32 seconds" on unreliable transports.
const TIMER_D_MIN: Duration = Duration::from_secs(32);

/// One timer of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TimerKind {
    /// INVITE request retransmit (client, Calling, unreliable only).
    A,
    /// INVITE transaction timeout (client, Calling).
    B,
    /// Wait for response retransmits (INVITE client, Completed).
    D,
    /// Non-INVITE request retransmit (client, unreliable only).
    E,
    /// Non-INVITE transaction timeout (client).
    F,
    /// INVITE response retransmit (server, Completed, unreliable only).
    G,
    /// Wait for ACK receipt (INVITE server, Completed).
    H,
    /// Wait for ACK retransmits (INVITE server, Confirmed).
    I,
    /// Wait for non-INVITE request retransmits (server, Completed).
    J,
    /// Wait for response retransmits (non-INVITE client, Completed).
    K,
    /// Wait for accepted INVITE request retransmits (server, Accepted; RFC 6026).
    L,
    /// Wait for 2xx retransmits and other forks' 2xx (INVITE client, Accepted; RFC 6026).
    M,
    /// Not an RFC timer: send 100 (Trying) if the TU has not answered (§17.2.1).
    Trying,
    /// Not an RFC timer: give up on a cancelled INVITE with no final response (§9.1).
    CancelGuard,
    /// Not an RFC timer: drop a non-INVITE server transaction the TU never answered.
    AnswerGuard,
    /// Not an RFC timer: drop an INVITE server transaction the TU never answered.
    InviteAnswerGuard,
}

const COUNT: usize = 16;

const ALL: [TimerKind; COUNT] = [
    TimerKind::A,
    TimerKind::B,
    TimerKind::D,
    TimerKind::E,
    TimerKind::F,
    TimerKind::G,
    TimerKind::H,
    TimerKind::I,
    TimerKind::J,
    TimerKind::K,
    TimerKind::L,
    TimerKind::M,
    TimerKind::Trying,
    TimerKind::CancelGuard,
    TimerKind::AnswerGuard,
    TimerKind::InviteAnswerGuard,
];

impl TimerKind {
    /// The initial value of this timer on `transport`; `None` when the timer is not used
    /// there (A, E and G on reliable transports). Reliable transports get zero for D, I, J, K.
    pub(super) fn initial(
        self,
        config: &TimerConfig,
        transport: TransportKind,
    ) -> Option<Duration> {
        use TimerKind::*;
        let reliable = transport.is_reliable();
        let t64 = config.t1.saturating_mul(64);
        let unreliable_only = |d| (!reliable).then_some(d);
        let zero_if_reliable = |d| Some(if reliable { Duration::ZERO } else { d });
        match self {
            // RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1: start at T1, unreliable only.
            A | E | G => unreliable_only(config.t1),
            // RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1; RFC 6026 §8.11: 64*T1 on any transport.
            B | F | H | L | M => Some(t64),
            // RFC 3261 §17.1.1.2: at least 32 s on unreliable transports, zero on reliable.
            D => zero_if_reliable(t64.max(TIMER_D_MIN)),
            // RFC 3261 §17.2.1 (I), §17.1.2.2 (K): T4, zero on reliable.
            I | K => zero_if_reliable(config.t4),
            // RFC 3261 §17.2.2: 64*T1, zero on reliable.
            J => zero_if_reliable(t64),
            Trying => Some(TRYING_DELAY),
            CancelGuard | AnswerGuard => Some(t64),
            InviteAnswerGuard => Some(INVITE_ANSWER_LIMIT.max(t64)),
        }
    }
}

/// The next retransmit interval: double `interval`, capped at `cap` when given (Timer A has
/// no cap; E and G cap at T2, RFC 3261 §17.1.2.2, §17.2.1).
pub(super) fn backoff(interval: Duration, cap: Option<Duration>) -> Duration {
    let doubled = interval.saturating_mul(2);
    cap.map_or(doubled, |c| doubled.min(c))
}

/// The running timers of one transaction: a deadline per [`TimerKind`].
#[derive(Debug, Clone, Default)]
pub(super) struct Timers {
    at: [Option<Instant>; COUNT],
}

impl Timers {
    /// Starts (or restarts) `kind` to fire `after` from `now`. A deadline beyond what
    /// `Instant` can hold means the timer never fires.
    pub(super) fn start(&mut self, kind: TimerKind, now: Instant, after: Duration) {
        self.at[kind as usize] = now.checked_add(after);
    }

    /// Starts `kind` with its initial value from the table; returns that value, or `None`
    /// (and leaves the timer stopped) when the timer is not used on `transport`.
    pub(super) fn start_initial(
        &mut self,
        kind: TimerKind,
        now: Instant,
        config: &TimerConfig,
        transport: TransportKind,
    ) -> Option<Duration> {
        let after = kind.initial(config, transport)?;
        self.start(kind, now, after);
        Some(after)
    }

    /// Stops `kind`.
    pub(super) fn stop(&mut self, kind: TimerKind) {
        self.at[kind as usize] = None;
    }

    /// Stops every timer.
    pub(super) fn stop_all(&mut self) {
        self.at = [None; COUNT];
    }

    /// Whether `kind` is running.
    pub(super) fn is_running(&self, kind: TimerKind) -> bool {
        self.at[kind as usize].is_some()
    }

    /// The earliest deadline.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.at.iter().flatten().min().copied()
    }

    /// Takes the earliest timer due at `now` (stopping it), if any.
    pub(super) fn pop_due(&mut self, now: Instant) -> Option<TimerKind> {
        let (i, _) = self
            .at
            .iter()
            .enumerate()
            .filter_map(|(i, at)| at.filter(|at| *at <= now).map(|at| (i, at)))
            .min_by_key(|(_, at)| *at)?;
        self.at[i] = None;
        Some(ALL[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_follows_rfc3261_table_4() {
        let c = TimerConfig::default();
        let udp = TransportKind::Udp;
        let tcp = TransportKind::Tcp;
        let s = Duration::from_secs;
        use TimerKind::*;
        let cases = [
            (A, Some(Duration::from_millis(500)), None),
            (B, Some(s(32)), Some(s(32))),
            (D, Some(s(32)), Some(s(0))),
            (E, Some(Duration::from_millis(500)), None),
            (F, Some(s(32)), Some(s(32))),
            (G, Some(Duration::from_millis(500)), None),
            (H, Some(s(32)), Some(s(32))),
            (I, Some(s(5)), Some(s(0))),
            (J, Some(s(32)), Some(s(0))),
            (K, Some(s(5)), Some(s(0))),
            (L, Some(s(32)), Some(s(32))),
            (M, Some(s(32)), Some(s(32))),
        ];
        for (kind, on_udp, on_tcp) in cases {
            assert_eq!(kind.initial(&c, udp), on_udp, "{kind:?} udp");
            assert_eq!(kind.initial(&c, tcp), on_tcp, "{kind:?} tcp");
        }
        assert!(ALL.iter().enumerate().all(|(i, k)| *k as usize == i));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let ms = Duration::from_millis;
        assert_eq!(backoff(ms(500), None), ms(1000));
        assert_eq!(backoff(ms(16000), None), ms(32000));
        assert_eq!(backoff(ms(2000), Some(ms(4000))), ms(4000));
        assert_eq!(backoff(ms(4000), Some(ms(4000))), ms(4000));
        assert_eq!(backoff(Duration::MAX, None), Duration::MAX);
    }

    #[test]
    fn pop_due_takes_earliest_first() {
        let base = crate::sip::test_clock::origin();
        let mut t = Timers::default();
        t.start(TimerKind::B, base, Duration::from_secs(32));
        t.start(TimerKind::A, base, Duration::from_millis(500));
        assert_eq!(t.next_deadline(), Some(base + Duration::from_millis(500)));
        assert_eq!(t.pop_due(base), None);
        let late = base + Duration::from_secs(40);
        assert_eq!(t.pop_due(late), Some(TimerKind::A));
        assert_eq!(t.pop_due(late), Some(TimerKind::B));
        assert_eq!(t.pop_due(late), None);
        t.start(TimerKind::H, base, Duration::MAX);
        assert!(!t.is_running(TimerKind::H));
    }
}
