//! Two UA cores calling each other through a simulated network on virtual time: every
//! message is printed to bytes and parsed again, as on a real wire. The network can drop and
//! duplicate and reorder messages with a seeded RNG; whatever happens, both sides must end
//! the call. The same flows run over UDP and TCP (whose timers differ, RFC 3261 §17).

use super::*;
use crate::sip::call::{CallEvent, CallId, EndReason};
use crate::sip::offer_answer::{Codec, LocalMedia};
use crate::sip::test_clock;
use crate::sip::uri::Uri;
use std::time::Duration;

const A: &str = "127.0.0.1:5062";
const B: &str = "127.0.0.1:5064";

fn peer_on(transport: TransportKind, addr: &str) -> Peer {
    Peer {
        transport,
        addr: addr.parse().unwrap(),
    }
}

fn core(addr: &str, seed: u8) -> UserAgent {
    let config = UaConfig {
        user_agent: format!("Tincan {addr}"),
        timers: TimerConfig::default(),
        local: vec![
            (TransportKind::Udp, addr.parse().unwrap()),
            (TransportKind::Tcp, addr.parse().unwrap()),
        ],
    };
    UserAgent::new(config, [seed; 32])
}

fn media(port: u16) -> LocalMedia {
    LocalMedia::new(
        "127.0.0.1".parse().unwrap(),
        port,
        vec![Codec::opus(), Codec::pcmu(), Codec::telephone_event()],
    )
}

/// Two cores and the wire between them.
struct Net {
    a: UserAgent,
    b: UserAgent,
    now: Instant,
    events_a: Vec<(CallId, CallEvent)>,
    events_b: Vec<(CallId, CallEvent)>,
    /// Per-message fate: (drop probability, duplicate probability).
    loss: (f64, f64),
    rng: Rng,
    /// Drop everything A sends (a dead caller) or B sends (a dead callee).
    mute_a: bool,
    mute_b: bool,
    /// Drop A's ACKs only.
    drop_acks: bool,
    /// Status codes of every response carried, in order.
    statuses: Vec<u16>,
    /// The transport both sides use.
    transport: TransportKind,
    /// Deliver each batch of messages in a random order.
    reorder: bool,
}

impl Net {
    fn new() -> Self {
        Net {
            a: core(A, 1),
            b: core(B, 2),
            now: test_clock::origin(),
            events_a: Vec::new(),
            events_b: Vec::new(),
            loss: (0.0, 0.0),
            rng: Rng::from_seed([42; 32]),
            mute_a: false,
            mute_b: false,
            drop_acks: false,
            statuses: Vec::new(),
            transport: TransportKind::Udp,
            reorder: false,
        }
    }

    /// Delivers messages until neither side has anything to send.
    fn settle(&mut self) {
        for _ in 0..1000 {
            let from_a: Vec<Transmit> = std::iter::from_fn(|| self.a.poll_transmit()).collect();
            let from_b: Vec<Transmit> = std::iter::from_fn(|| self.b.poll_transmit()).collect();
            self.collect_events();
            if from_a.is_empty() && from_b.is_empty() {
                return;
            }
            for t in from_a.iter().chain(&from_b) {
                if let Some(r) = t.message.as_response() {
                    self.statuses.push(r.status.as_u16());
                }
            }
            let (mut from_a, mut from_b) = (from_a, from_b);
            if self.reorder {
                self.shuffle(&mut from_a);
                self.shuffle(&mut from_b);
            }
            let (pa, pb) = (peer_on(self.transport, A), peer_on(self.transport, B));
            for t in from_a {
                let is_ack = t
                    .message
                    .as_request()
                    .is_some_and(|r| r.method == Method::Ack);
                if self.mute_a || (self.drop_acks && is_ack) {
                    continue;
                }
                assert_eq!(t.peer, pb);
                for _ in 0..self.copies() {
                    let now = self.now;
                    self.b.handle_datagram(now, &t.message.to_bytes(), pa);
                }
            }
            for t in from_b {
                if self.mute_b {
                    continue;
                }
                assert_eq!(t.peer, pa);
                for _ in 0..self.copies() {
                    let now = self.now;
                    self.a.handle_datagram(now, &t.message.to_bytes(), pb);
                }
            }
        }
        panic!("the network never settled");
    }

    fn shuffle(&mut self, batch: &mut [Transmit]) {
        for i in (1..batch.len()).rev() {
            let j = (self.rng.next_u64() % (i as u64 + 1)) as usize;
            batch.swap(i, j);
        }
    }

    fn copies(&mut self) -> usize {
        let (drop, dup) = self.loss;
        if self.rng.unit() < drop {
            0
        } else if self.rng.unit() < dup {
            2
        } else {
            1
        }
    }

    fn collect_events(&mut self) {
        for (ua, out) in [
            (&mut self.a, &mut self.events_a),
            (&mut self.b, &mut self.events_b),
        ] {
            while let Some(e) = ua.poll_event() {
                match e {
                    UaEvent::Call { call, event } => out.push((call, event)),
                    other => eprintln!("event: {other:?}"),
                }
            }
        }
    }

    /// Jumps to the earlier of the two cores' deadlines, if it is not after `until`, and
    /// runs it.
    fn tick(&mut self, until: Instant) -> bool {
        let next = [self.a.poll_timeout(), self.b.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let Some(at) = next.filter(|&at| at <= until) else {
            return false;
        };
        self.now = self.now.max(at);
        let now = self.now;
        self.a.handle_timeout(now);
        self.b.handle_timeout(now);
        self.settle();
        true
    }

    /// Runs timers for `limit` of virtual time, or until both cores are idle.
    fn run_out(&mut self, limit: Duration) {
        let until = self.now + limit;
        while self.tick(until) {}
        if self.a.poll_timeout().is_some() || self.b.poll_timeout().is_some() {
            self.now = self.now.max(until);
        }
    }

    fn incoming_call(&self) -> CallId {
        self.events_b
            .iter()
            .find_map(|(id, e)| matches!(e, CallEvent::Incoming { .. }).then_some(*id))
            .expect("B saw an incoming call")
    }

    fn ended(events: &[(CallId, CallEvent)]) -> Option<EndReason> {
        events.iter().find_map(|(_, e)| match e {
            CallEvent::Ended { reason } => Some(reason.clone()),
            _ => None,
        })
    }

    fn dial(&mut self) -> CallId {
        let id = CallId(1);
        let now = self.now;
        self.a
            .dial(
                now,
                id,
                None,
                Uri::parse("sip:bob@127.0.0.1:5064").unwrap(),
                peer_on(self.transport, B),
                media(40000),
            )
            .unwrap();
        self.settle();
        id
    }
}

#[test]
fn call_answer_hang_up_and_nothing_leaks() {
    let mut net = Net::new();
    let call = net.dial();
    assert!(net.events_a.contains(&(call, CallEvent::Ringing)));
    let incoming = net.incoming_call();
    assert!(incoming.is_incoming());
    let CallEvent::Incoming { from, .. } = &net.events_b[0].1 else {
        panic!("expected Incoming first");
    };
    assert_eq!(from.uri.to_string(), "sip:tincan@127.0.0.1:5062");

    let now = net.now;
    net.b.answer(now, incoming, media(50000)).unwrap();
    net.settle();
    let answered_a = net.events_a.iter().find_map(|(_, e)| match e {
        CallEvent::Answered { media } => Some(media.clone()),
        _ => None,
    });
    let media_a = answered_a.expect("A answered");
    assert_eq!(media_a.remote_rtp, Some("127.0.0.1:50000".parse().unwrap()));
    assert_eq!(media_a.send_codec.as_ref().unwrap().codec.name, "opus");
    assert!(
        net.events_b
            .iter()
            .any(|(_, e)| matches!(e, CallEvent::Answered { .. }))
    );

    let now = net.now;
    net.a.hangup(now, call).unwrap();
    net.settle();
    assert_eq!(Net::ended(&net.events_a), Some(EndReason::Local));
    assert_eq!(Net::ended(&net.events_b), Some(EndReason::Remote));
    net.run_out(Duration::from_secs(120));
    assert_eq!((net.a.calls(), net.b.calls()), (0, 0));
    assert_eq!(
        (net.a.transactions(), net.b.transactions()),
        (0, 0),
        "transactions leak"
    );
    assert!(net.a.poll_timeout().is_none() && net.b.poll_timeout().is_none());
}

#[test]
fn callee_hangs_up() {
    let mut net = Net::new();
    net.dial();
    let incoming = net.incoming_call();
    let now = net.now;
    net.b.answer(now, incoming, media(50000)).unwrap();
    net.settle();
    net.b.hangup(now, incoming).unwrap();
    net.settle();
    assert_eq!(Net::ended(&net.events_a), Some(EndReason::Remote));
    assert_eq!(Net::ended(&net.events_b), Some(EndReason::Local));
}

#[test]
fn busy_and_declined() {
    for (code, reason) in [(486, EndReason::Busy), (603, EndReason::Declined)] {
        let mut net = Net::new();
        net.dial();
        let incoming = net.incoming_call();
        let now = net.now;
        net.b.reject(now, incoming, code).unwrap();
        net.settle();
        assert_eq!(Net::ended(&net.events_a), Some(reason.clone()), "{code}");
        net.run_out(Duration::from_secs(120));
        assert_eq!((net.a.transactions(), net.b.transactions()), (0, 0));
    }
}

#[test]
fn caller_cancels_while_ringing() {
    let mut net = Net::new();
    let call = net.dial();
    let now = net.now;
    net.a.hangup(now, call).unwrap();
    net.settle();
    assert_eq!(Net::ended(&net.events_b), Some(EndReason::Cancelled));
    assert_eq!(Net::ended(&net.events_a), Some(EndReason::Local));
    net.run_out(Duration::from_secs(120));
    assert_eq!((net.a.transactions(), net.b.transactions()), (0, 0));
}

#[test]
fn cancel_crossing_the_200_ends_with_ack_and_bye() {
    let mut net = Net::new();
    let call = net.dial();
    let incoming = net.incoming_call();
    let now = net.now;
    // Both act before either hears from the other.
    net.b.answer(now, incoming, media(50000)).unwrap();
    net.a.hangup(now, call).unwrap();
    net.settle();
    assert_eq!(Net::ended(&net.events_a), Some(EndReason::Local));
    assert_eq!(
        Net::ended(&net.events_b),
        Some(EndReason::Remote),
        "B got the BYE"
    );
    net.run_out(Duration::from_secs(120));
    assert_eq!((net.a.calls(), net.b.calls()), (0, 0));
}

#[test]
fn no_answer_times_out_with_timer_b() {
    let mut net = Net::new();
    net.mute_b = true;
    let start = net.now;
    net.dial();
    net.run_out(Duration::from_secs(60));
    assert_eq!(Net::ended(&net.events_a), Some(EndReason::Timeout));
    assert!(net.now - start >= Duration::from_secs(32));
}

#[test]
fn lost_acks_make_the_callee_give_up_with_bye() {
    let mut net = Net::new();
    net.drop_acks = true;
    net.dial();
    let incoming = net.incoming_call();
    let now = net.now;
    net.b.answer(now, incoming, media(50000)).unwrap();
    net.settle();
    net.run_out(Duration::from_secs(60));
    assert_eq!(Net::ended(&net.events_b), Some(EndReason::Timeout));
    assert_eq!(Net::ended(&net.events_a), Some(EndReason::Remote));
}

#[test]
fn lossy_network_calls_end_consistently() {
    for seed in 0..20u8 {
        let mut net = Net::new();
        net.rng = Rng::from_seed([seed; 32]);
        net.loss = (0.2, 0.1);
        net.reorder = true;
        let call = net.dial();
        net.run_out(Duration::from_secs(1));
        let Some(incoming) = net
            .events_b
            .iter()
            .find_map(|(id, e)| matches!(e, CallEvent::Incoming { .. }).then_some(*id))
        else {
            // The INVITE never got through: the caller must time out.
            net.run_out(Duration::from_secs(120));
            assert_eq!(
                Net::ended(&net.events_a),
                Some(EndReason::Timeout),
                "seed {seed}"
            );
            continue;
        };
        let now = net.now;
        net.b.answer(now, incoming, media(50000)).unwrap();
        net.run_out(Duration::from_secs(2));
        let now = net.now;
        let _ = net.a.hangup(now, call);
        net.run_out(Duration::from_secs(300));
        let (ea, eb) = (Net::ended(&net.events_a), Net::ended(&net.events_b));
        assert!(ea.is_some() && eb.is_some(), "seed {seed}: {ea:?} / {eb:?}");
        assert_eq!((net.a.calls(), net.b.calls()), (0, 0), "seed {seed}");
        assert_eq!(
            (net.a.transactions(), net.b.transactions()),
            (0, 0),
            "seed {seed}"
        );
    }
}

fn established() -> (Net, CallId, CallId) {
    let mut net = Net::new();
    let call = net.dial();
    let incoming = net.incoming_call();
    let now = net.now;
    net.b.answer(now, incoming, media(50000)).unwrap();
    net.settle();
    net.events_a.clear();
    net.events_b.clear();
    (net, call, incoming)
}

fn last_media(events: &[(CallId, CallEvent)]) -> Option<Negotiated> {
    events.iter().rev().find_map(|(_, e)| match e {
        CallEvent::MediaUpdated { media } => Some((**media).clone()),
        _ => None,
    })
}

use crate::sip::offer_answer::Negotiated;
use crate::sip::sdp::Direction;

#[test]
fn hold_and_resume_from_either_side() {
    let (mut net, call, incoming) = established();
    let now = net.now;
    net.a.hold(now, call).unwrap();
    net.settle();
    let a = last_media(&net.events_a).expect("A saw the answer to its hold");
    let b = last_media(&net.events_b).expect("B saw the hold");
    assert_eq!(
        (a.local_direction, a.remote_direction),
        (Direction::SendOnly, Direction::RecvOnly)
    );
    assert_eq!(
        (b.local_direction, b.remote_direction),
        (Direction::RecvOnly, Direction::SendOnly)
    );
    // A second re-INVITE while the first is answered and ACKed is fine.
    net.a.resume(now, call).unwrap();
    net.settle();
    let a = last_media(&net.events_a).unwrap();
    assert_eq!(a.local_direction, Direction::SendRecv);
    // Now the callee holds.
    net.b.hold(now, incoming).unwrap();
    net.settle();
    let a = last_media(&net.events_a).unwrap();
    let b = last_media(&net.events_b).unwrap();
    assert_eq!(b.local_direction, Direction::SendOnly);
    assert_eq!(a.local_direction, Direction::RecvOnly);
    assert!(
        net.events_a
            .iter()
            .all(|(_, e)| !matches!(e, CallEvent::Ended { .. }))
    );
    net.run_out(Duration::from_secs(120));
    assert_eq!((net.a.calls(), net.b.calls()), (1, 1));
    assert_eq!((net.a.transactions(), net.b.transactions()), (0, 0));
}

#[test]
fn crossing_reinvites_get_491_and_are_retried_after_back_off() {
    let (mut net, call, incoming) = established();
    let now = net.now;
    // Both hold at once: each re-INVITE meets the other (RFC 3261 §14.1/§14.2).
    net.a.hold(now, call).unwrap();
    net.b.hold(now, incoming).unwrap();
    net.settle();
    assert_eq!(
        net.statuses.iter().filter(|&&s| s == 491).count(),
        2,
        "{:?}",
        net.statuses
    );
    assert!(last_media(&net.events_a).is_none() && last_media(&net.events_b).is_none());
    let before = net.now;
    net.run_out(Duration::from_secs(10));
    // B (not the Call-ID owner) retries within 2 s, A after 2.1–4 s; both succeed.
    let a = last_media(&net.events_a).expect("A's hold eventually went through");
    let b = last_media(&net.events_b).expect("B's hold eventually went through");
    // Both asked for hold: neither ends up sending to the other.
    assert_ne!(a.local_direction, Direction::SendRecv);
    assert_ne!(b.local_direction, Direction::SendRecv);
    assert!(!a.can_receive() || !b.can_send(), "{a:?} / {b:?}");
    assert!(net.now - before >= Duration::from_millis(2100));
    assert_eq!((net.a.calls(), net.b.calls()), (1, 1));
}

#[test]
fn hold_needs_an_established_call() {
    let mut net = Net::new();
    let call = net.dial();
    let now = net.now;
    assert_eq!(net.a.hold(now, call), Err(CallError::WrongState(call)));
    assert_eq!(
        net.a.hold(now, CallId(99)),
        Err(CallError::UnknownCall(CallId(99)))
    );
}

/// The callee holds at once after answering, before the caller's ACK is in (found against
/// baresip behind Kamailio): the re-INVITE is not refused but waits for the ACK (§14.1, one
/// INVITE transaction at a time) and then goes through, without a 500 or 491.
#[test]
fn hold_right_after_answering_waits_for_the_ack() {
    let mut net = Net::new();
    net.dial();
    let incoming = net.incoming_call();
    let now = net.now;
    net.b.answer(now, incoming, media(50000)).unwrap();
    // The 200 is not even on the wire yet.
    net.b.hold(now, incoming).unwrap();
    // One change waits at a time, like one re-INVITE is in flight at a time.
    assert_eq!(
        net.b.resume(now, incoming),
        Err(CallError::WrongState(incoming))
    );
    net.settle();
    let b = last_media(&net.events_b).expect("B's hold went out after the ACK");
    let a = last_media(&net.events_a).expect("A saw the hold");
    assert_eq!(
        (b.local_direction, b.remote_direction),
        (Direction::SendOnly, Direction::RecvOnly)
    );
    assert_eq!(
        (a.local_direction, a.remote_direction),
        (Direction::RecvOnly, Direction::SendOnly)
    );
    assert!(
        !net.statuses.iter().any(|&s| s == 500 || s == 491),
        "{:?}",
        net.statuses
    );
    net.run_out(Duration::from_secs(120));
    assert_eq!((net.a.calls(), net.b.calls()), (1, 1));
    assert_eq!((net.a.transactions(), net.b.transactions()), (0, 0));
}

/// RFC 4028: A asks for a 90 s session timer; B (supporting timers) makes A the refresher
/// (§9 Table 2); A re-INVITEs every 45 s and the call lives on.
#[test]
fn session_timer_refreshes_keep_the_call() {
    let mut net = Net::new();
    net.a.request_session_timer(Some(90));
    let call = net.dial();
    let incoming = net.incoming_call();
    let now = net.now;
    net.b.answer(now, incoming, media(50000)).unwrap();
    net.settle();
    let start = net.now;
    let before = net.statuses.iter().filter(|&&s| s == 200).count();
    net.run_out(Duration::from_secs(600));
    assert!(
        net.now - start >= Duration::from_secs(590),
        "timers keep running"
    );
    let refreshes = net.statuses.iter().filter(|&&s| s == 200).count() - before;
    assert!(
        (12..=14).contains(&refreshes),
        "one refresh every 45 s: {refreshes}"
    );
    assert!(Net::ended(&net.events_a).is_none() && Net::ended(&net.events_b).is_none());
    let now = net.now;
    net.a.hangup(now, call).unwrap();
    net.settle();
    assert_eq!(Net::ended(&net.events_b), Some(EndReason::Remote));
}

/// RFC 4028 §10: without refreshes the other side sends BYE before the session expires.
#[test]
fn missing_refreshes_end_the_session() {
    let mut net = Net::new();
    net.a.request_session_timer(Some(90));
    net.dial();
    let incoming = net.incoming_call();
    let now = net.now;
    net.b.answer(now, incoming, media(50000)).unwrap();
    net.settle();
    net.mute_a = true; // A's refreshes are lost
    let start = net.now;
    net.run_out(Duration::from_secs(120));
    let ended_b = Net::ended(&net.events_b);
    assert!(
        matches!(ended_b, Some(EndReason::Failed { code: 408, .. })),
        "{ended_b:?}"
    );
    assert!(net.now - start >= Duration::from_secs(60));
    assert_eq!(
        Net::ended(&net.events_a),
        Some(EndReason::Remote),
        "B's BYE reached A"
    );
}

/// The main flows again over TCP: no retransmissions, zero wait timers (RFC 3261 §17,
/// Table 4), and nothing left behind.
#[test]
fn flows_over_tcp() {
    // Answer and hang up.
    let mut net = Net::new();
    net.transport = TransportKind::Tcp;
    let call = net.dial();
    let incoming = net.incoming_call();
    let now = net.now;
    net.b.answer(now, incoming, media(50000)).unwrap();
    net.settle();
    net.a.hold(now, call).unwrap();
    net.settle();
    assert!(last_media(&net.events_b).is_some(), "hold over TCP");
    net.a.hangup(now, call).unwrap();
    net.settle();
    assert_eq!(Net::ended(&net.events_b), Some(EndReason::Remote));
    // Reliable transports skip the wait states (Timers D, J, K, I are zero); only RFC 6026's
    // Timers L and M (64·T1 on every transport) keep the INVITE transactions a while.
    let start = net.now;
    net.run_out(Duration::from_secs(120));
    assert!(
        net.now - start <= Duration::from_secs(32),
        "{:?}",
        net.now - start
    );
    assert_eq!((net.a.transactions(), net.b.transactions()), (0, 0));
    // Cancel while ringing.
    let mut net = Net::new();
    net.transport = TransportKind::Tcp;
    let call = net.dial();
    let now = net.now;
    net.a.hangup(now, call).unwrap();
    net.settle();
    assert_eq!(Net::ended(&net.events_b), Some(EndReason::Cancelled));
    assert_eq!(Net::ended(&net.events_a), Some(EndReason::Local));
    // No answer: Timer B still applies on TCP.
    let mut net = Net::new();
    net.transport = TransportKind::Tcp;
    net.mute_b = true;
    net.dial();
    net.run_out(Duration::from_secs(60));
    assert_eq!(Net::ended(&net.events_a), Some(EndReason::Timeout));
}

#[test]
fn dtmf_digits_go_by_sip_info_and_arrive_as_events() {
    let (mut net, call, incoming) = established();
    let now = net.now;
    net.a.send_dtmf_info(now, call, "4#").unwrap();
    assert!(net.a.send_dtmf_info(now, call, "x").is_err());
    net.settle();
    let digits: Vec<char> = net
        .events_b
        .iter()
        .filter_map(|(c, e)| match e {
            CallEvent::Dtmf { digit } if *c == incoming => Some(*digit),
            _ => None,
        })
        .collect();
    assert_eq!(digits, ['4', '#']);
    assert!(net.statuses.iter().filter(|s| **s == 200).count() >= 2);
    net.run_out(Duration::from_secs(60));
    assert_eq!((net.a.transactions(), net.b.transactions()), (0, 0));
}
