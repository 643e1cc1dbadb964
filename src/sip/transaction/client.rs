//! Client transactions: the INVITE client transaction (RFC 3261 §17.1.1 with the "Accepted"
//! state and Timer M of RFC 6026 §7.2) and the non-INVITE client transaction (§17.1.2), with
//! transport errors per §17.1.4.

use super::build::build_ack;
use super::timers::{TimerKind, Timers, backoff};
use super::{Cx, Peer, TransactionEvent, TransactionId};
use crate::sip::message::{Request, Response};
use std::time::Duration;

/// States of the INVITE client transaction (RFC 3261 Figure 5, RFC 6026 Figure 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InviteState {
    Calling,
    Proceeding,
    Completed,
    Accepted,
    Terminated,
}

/// The INVITE client transaction.
#[derive(Debug)]
pub(super) struct InviteClient {
    id: TransactionId,
    state: InviteState,
    request: Request,
    peer: Peer,
    /// The ACK for the non-2xx final response, kept to answer its retransmissions.
    ack: Option<Request>,
    timers: Timers,
    interval_a: Duration,
}

impl InviteClient {
    /// Enters Calling: sends the INVITE, starts Timer A (unreliable only) and Timer B
    /// (RFC 3261 §17.1.1.2).
    pub(super) fn start(id: TransactionId, request: Request, peer: Peer, cx: &mut Cx) -> Self {
        let mut timers = Timers::default();
        let interval_a = timers
            .start_initial(TimerKind::A, cx.now, cx.config, peer.transport)
            .unwrap_or_default();
        timers.start_initial(TimerKind::B, cx.now, cx.config, peer.transport);
        cx.out.transmit(peer, request.clone());
        InviteClient {
            id,
            state: InviteState::Calling,
            request,
            peer,
            ack: None,
            timers,
            interval_a,
        }
    }

    /// A response matched this transaction (§17.1.3).
    pub(super) fn on_response(&mut self, response: Response, cx: &mut Cx) {
        let status = response.status;
        match self.state {
            InviteState::Calling | InviteState::Proceeding => self.on_first_response(response, cx),
            // RFC 3261 §17.1.1.2: a retransmitted final response gets the ACK again and is
            // not passed up.
            InviteState::Completed if !status.is_provisional() && !status.is_success() => {
                if let Some(ack) = &self.ack {
                    cx.out.transmit(self.peer, ack.clone());
                }
            }
            // A 2xx from another fork after a non-2xx: the TU must ACK and BYE it
            // (§13.2.2.4); the non-2xx ACK would be wrong for it.
            InviteState::Completed if status.is_success() => self.pass_up(response, cx),
            // RFC 6026 §7.2: every 2xx in Accepted goes to the TU, which ACKs it.
            InviteState::Accepted if status.is_success() => self.pass_up(response, cx),
            _ => {}
        }
    }

    fn on_first_response(&mut self, response: Response, cx: &mut Cx) {
        let status = response.status;
        if status.is_provisional() {
            // RFC 3261 §17.1.1.2: 1xx moves to Proceeding and stops retransmissions; Timer B
            // only covers Calling.
            self.state = InviteState::Proceeding;
            self.timers.stop(TimerKind::A);
            self.timers.stop(TimerKind::B);
        } else if status.is_success() {
            // RFC 6026 §7.2: 2xx moves to Accepted with Timer M; no ACK from us.
            self.state = InviteState::Accepted;
            self.timers.stop_all();
            self.timers
                .start_initial(TimerKind::M, cx.now, cx.config, self.peer.transport);
        } else {
            // RFC 3261 §17.1.1.2: 300-699 moves to Completed; the ACK goes to the same peer
            // even on reliable transports (§17.1.1.3), Timer D starts.
            self.state = InviteState::Completed;
            self.timers.stop_all();
            let ack = build_ack(&self.request, &response);
            cx.out.transmit(self.peer, ack.clone());
            self.ack = Some(ack);
            self.timers
                .start_initial(TimerKind::D, cx.now, cx.config, self.peer.transport);
        }
        self.pass_up(response, cx);
    }

    fn pass_up(&self, response: Response, cx: &mut Cx) {
        cx.out.event(TransactionEvent::Response {
            id: self.id,
            response,
        });
    }

    /// `kind` fired.
    pub(super) fn on_timer(&mut self, kind: TimerKind, cx: &mut Cx) {
        match (self.state, kind) {
            // RFC 3261 §17.1.1.2: retransmit and double the interval (no cap for Timer A).
            (InviteState::Calling, TimerKind::A) => {
                cx.out.transmit(self.peer, self.request.clone());
                self.interval_a = backoff(self.interval_a, None);
                self.timers.start(TimerKind::A, cx.now, self.interval_a);
            }
            // RFC 3261 §17.1.1.2 (B), §9.1 (the cancelled INVITE never got a final response).
            (InviteState::Calling, TimerKind::B)
            | (InviteState::Calling | InviteState::Proceeding, TimerKind::CancelGuard) => {
                cx.out.event(TransactionEvent::Timeout { id: self.id });
                self.terminate();
            }
            // RFC 3261 §17.1.1.2 (D), RFC 6026 §7.2 (M).
            (InviteState::Completed, TimerKind::D) | (InviteState::Accepted, TimerKind::M) => {
                self.terminate();
            }
            _ => {}
        }
    }

    /// A CANCEL for this INVITE was sent (RFC 3261 §9.1): without a final response within
    /// 64*T1 the transaction is considered cancelled and destroyed.
    pub(super) fn on_cancel_sent(&mut self, cx: &mut Cx) {
        let pending = matches!(self.state, InviteState::Calling | InviteState::Proceeding);
        if pending && !self.timers.is_running(TimerKind::CancelGuard) {
            self.timers.start_initial(
                TimerKind::CancelGuard,
                cx.now,
                cx.config,
                self.peer.transport,
            );
        }
    }

    /// RFC 3261 §17.1.4: inform the TU and terminate.
    pub(super) fn on_transport_error(&mut self, cx: &mut Cx) {
        cx.out
            .event(TransactionEvent::TransportError { id: self.id });
        self.terminate();
    }

    fn terminate(&mut self) {
        self.state = InviteState::Terminated;
        self.timers.stop_all();
    }

    pub(super) fn is_terminated(&self) -> bool {
        self.state == InviteState::Terminated
    }

    /// Where this transaction sends its request.
    pub(super) fn peer(&self) -> Peer {
        self.peer
    }

    pub(super) fn timers(&self) -> &Timers {
        &self.timers
    }

    pub(super) fn timers_mut(&mut self) -> &mut Timers {
        &mut self.timers
    }
}

/// States of the non-INVITE client transaction (RFC 3261 Figure 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NonInviteState {
    Trying,
    Proceeding,
    Completed,
    Terminated,
}

/// The non-INVITE client transaction.
#[derive(Debug)]
pub(super) struct NonInviteClient {
    id: TransactionId,
    state: NonInviteState,
    request: Request,
    peer: Peer,
    timers: Timers,
    interval_e: Duration,
}

impl NonInviteClient {
    /// Enters Trying: sends the request, starts Timer F and (unreliable only) Timer E
    /// (RFC 3261 §17.1.2.2).
    pub(super) fn start(id: TransactionId, request: Request, peer: Peer, cx: &mut Cx) -> Self {
        let mut timers = Timers::default();
        timers.start_initial(TimerKind::F, cx.now, cx.config, peer.transport);
        let interval_e = timers
            .start_initial(TimerKind::E, cx.now, cx.config, peer.transport)
            .unwrap_or_default();
        cx.out.transmit(peer, request.clone());
        NonInviteClient {
            id,
            state: NonInviteState::Trying,
            request,
            peer,
            timers,
            interval_e,
        }
    }

    /// A response matched this transaction (§17.1.3).
    pub(super) fn on_response(&mut self, response: Response, cx: &mut Cx) {
        if !matches!(
            self.state,
            NonInviteState::Trying | NonInviteState::Proceeding
        ) {
            // RFC 3261 §17.1.2.2: Completed buffers response retransmissions.
            return;
        }
        if response.status.is_provisional() {
            self.state = NonInviteState::Proceeding;
        } else {
            // RFC 3261 §17.1.2.2: a final response moves to Completed; Timer K starts.
            self.state = NonInviteState::Completed;
            self.timers.stop_all();
            self.timers
                .start_initial(TimerKind::K, cx.now, cx.config, self.peer.transport);
        }
        cx.out.event(TransactionEvent::Response {
            id: self.id,
            response,
        });
    }

    /// `kind` fired.
    pub(super) fn on_timer(&mut self, kind: TimerKind, cx: &mut Cx) {
        let live = matches!(
            self.state,
            NonInviteState::Trying | NonInviteState::Proceeding
        );
        match kind {
            TimerKind::E if live => {
                // RFC 3261 §17.1.2.2: doubling capped at T2 in Trying, T2 in Proceeding.
                cx.out.transmit(self.peer, self.request.clone());
                self.interval_e = match self.state {
                    NonInviteState::Proceeding => cx.config.t2,
                    _ => backoff(self.interval_e, Some(cx.config.t2)),
                };
                self.timers.start(TimerKind::E, cx.now, self.interval_e);
            }
            TimerKind::F if live => {
                cx.out.event(TransactionEvent::Timeout { id: self.id });
                self.terminate();
            }
            TimerKind::K if self.state == NonInviteState::Completed => self.terminate(),
            _ => {}
        }
    }

    /// RFC 3261 §17.1.4: inform the TU and terminate.
    pub(super) fn on_transport_error(&mut self, cx: &mut Cx) {
        cx.out
            .event(TransactionEvent::TransportError { id: self.id });
        self.terminate();
    }

    fn terminate(&mut self) {
        self.state = NonInviteState::Terminated;
        self.timers.stop_all();
    }

    pub(super) fn is_terminated(&self) -> bool {
        self.state == NonInviteState::Terminated
    }

    /// Where this transaction sends its request.
    pub(super) fn peer(&self) -> Peer {
        self.peer
    }

    pub(super) fn timers(&self) -> &Timers {
        &self.timers
    }

    pub(super) fn timers_mut(&mut self) -> &mut Timers {
        &mut self.timers
    }
}
