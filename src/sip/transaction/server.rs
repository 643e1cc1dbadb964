//! Server transactions: the INVITE server transaction (RFC 3261 §17.2.1 with the "Accepted"
//! state and Timer L of RFC 6026 §7.1) and the non-INVITE server transaction (§17.2.2), with
//! transport errors per §17.2.4 as amended by RFC 6026 §8.8 (inform the TU, keep the state).

use super::build::build_trying;
use super::timers::{TimerKind, Timers, backoff};
use super::{Cx, Peer, TransactionError, TransactionEvent, TransactionId};
use crate::sip::message::{Request, Response};
use std::time::Duration;

/// States of the INVITE server transaction (RFC 6026 Figure 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InviteState {
    Proceeding,
    Completed,
    Confirmed,
    Accepted,
    Terminated,
}

/// The INVITE server transaction.
#[derive(Debug)]
pub(super) struct InviteServer {
    id: TransactionId,
    state: InviteState,
    /// Kept to build the 100 (Trying) and for RFC 2543 ACK matching.
    request: Request,
    reply_to: Peer,
    last_provisional: Option<Response>,
    last_final: Option<Response>,
    timers: Timers,
    interval_g: Duration,
}

impl InviteServer {
    /// Enters Proceeding (RFC 3261 §17.2.1); the layer has passed the request to the TU.
    pub(super) fn start(id: TransactionId, request: Request, reply_to: Peer, cx: &mut Cx) -> Self {
        let mut timers = Timers::default();
        let transport = reply_to.transport;
        timers.start_initial(TimerKind::Trying, cx.now, cx.config, transport);
        timers.start_initial(TimerKind::InviteAnswerGuard, cx.now, cx.config, transport);
        InviteServer {
            id,
            state: InviteState::Proceeding,
            request,
            reply_to,
            last_provisional: None,
            last_final: None,
            timers,
            interval_g: Duration::ZERO,
        }
    }

    /// The INVITE was retransmitted (RFC 3261 §17.2.1, RFC 6026 §7.1).
    pub(super) fn on_retransmission(&mut self, cx: &mut Cx) {
        match self.state {
            InviteState::Proceeding => {
                // The most recent provisional response; 100 (Trying) now if there is none.
                if self.last_provisional.is_none() {
                    self.send_trying(cx);
                } else if let Some(r) = &self.last_provisional {
                    cx.out.transmit(self.reply_to, r.clone());
                }
            }
            InviteState::Completed => {
                if let Some(r) = &self.last_final {
                    cx.out.transmit(self.reply_to, r.clone());
                }
            }
            // Confirmed and Accepted absorb retransmissions.
            _ => {}
        }
    }

    /// An ACK matched this transaction; returns whether it was absorbed. An ACK that is not
    /// absorbed (Accepted: the ACK for the 2xx, RFC 6026 §7.1) goes to the TU.
    pub(super) fn on_ack(&mut self, cx: &mut Cx) -> bool {
        match self.state {
            // RFC 3261 §17.2.1: Completed -> Confirmed, Timer G and H stop, Timer I starts.
            InviteState::Completed => {
                self.state = InviteState::Confirmed;
                self.timers.stop_all();
                self.timers
                    .start_initial(TimerKind::I, cx.now, cx.config, self.reply_to.transport);
                true
            }
            InviteState::Confirmed => true,
            _ => false,
        }
    }

    /// The TU answers (RFC 3261 §17.2.1, RFC 6026 §7.1).
    pub(super) fn send_response(
        &mut self,
        response: Response,
        cx: &mut Cx,
    ) -> Result<(), TransactionError> {
        let status = response.status;
        match self.state {
            InviteState::Proceeding if status.is_provisional() => {
                self.timers.stop(TimerKind::Trying);
                cx.out.transmit(self.reply_to, response.clone());
                self.last_provisional = Some(response);
            }
            InviteState::Proceeding if status.is_success() => {
                // RFC 6026 §7.1: Accepted with Timer L; the TU retransmits the 2xx.
                self.state = InviteState::Accepted;
                self.timers.stop_all();
                self.timers
                    .start_initial(TimerKind::L, cx.now, cx.config, self.reply_to.transport);
                cx.out.transmit(self.reply_to, response);
            }
            InviteState::Proceeding => {
                // RFC 3261 §17.2.1: 300-699 -> Completed, Timer G (unreliable) and Timer H.
                self.state = InviteState::Completed;
                self.timers.stop_all();
                let transport = self.reply_to.transport;
                self.interval_g = self
                    .timers
                    .start_initial(TimerKind::G, cx.now, cx.config, transport)
                    .unwrap_or_default();
                self.timers
                    .start_initial(TimerKind::H, cx.now, cx.config, transport);
                cx.out.transmit(self.reply_to, response.clone());
                self.last_final = Some(response);
            }
            // RFC 6026 §7.1: 2xx retransmissions from the TU are sent in Accepted.
            InviteState::Accepted if status.is_success() => {
                cx.out.transmit(self.reply_to, response);
            }
            _ => {
                return Err(TransactionError::ResponseNotAllowed {
                    id: self.id,
                    status,
                });
            }
        }
        Ok(())
    }

    fn send_trying(&mut self, cx: &mut Cx) {
        self.timers.stop(TimerKind::Trying);
        let trying = build_trying(&self.request);
        cx.out.transmit(self.reply_to, trying.clone());
        self.last_provisional = Some(trying);
    }

    /// `kind` fired.
    pub(super) fn on_timer(&mut self, kind: TimerKind, cx: &mut Cx) {
        match (self.state, kind) {
            // RFC 3261 §17.2.1: 100 (Trying) unless the TU answered within 200 ms.
            (InviteState::Proceeding, TimerKind::Trying) if self.last_provisional.is_none() => {
                self.send_trying(cx);
            }
            // The TU never answered (module docs): give up without a response.
            (InviteState::Proceeding, TimerKind::InviteAnswerGuard)
            // RFC 3261 §17.2.1: Timer H, the ACK never came.
            | (InviteState::Completed, TimerKind::H) => {
                cx.out.event(TransactionEvent::Timeout { id: self.id });
                self.terminate();
            }
            // RFC 3261 §17.2.1: retransmit, doubling up to T2.
            (InviteState::Completed, TimerKind::G) => {
                if let Some(r) = &self.last_final {
                    cx.out.transmit(self.reply_to, r.clone());
                }
                self.interval_g = backoff(self.interval_g, Some(cx.config.t2));
                self.timers.start(TimerKind::G, cx.now, self.interval_g);
            }
            // RFC 3261 §17.2.1 (I), RFC 6026 §7.1 (L).
            (InviteState::Confirmed, TimerKind::I) | (InviteState::Accepted, TimerKind::L) => {
                self.terminate();
            }
            _ => {}
        }
    }

    /// RFC 3261 §17.2.4 as amended by RFC 6026 §8.8: inform the TU, stay in the state; the
    /// timers end the transaction.
    pub(super) fn on_transport_error(&mut self, cx: &mut Cx) {
        cx.out
            .event(TransactionEvent::TransportError { id: self.id });
    }

    /// The To tag an RFC 2543 ACK must carry to match (§17.2.3): the one of the final
    /// response sent, else the request's.
    pub(super) fn ack_to_tag(&self) -> Option<String> {
        let headers = match &self.last_final {
            Some(r) => &r.headers,
            None => &self.request.headers,
        };
        headers.to().ok().and_then(|to| to.tag().map(str::to_owned))
    }

    fn terminate(&mut self) {
        self.state = InviteState::Terminated;
        self.timers.stop_all();
    }

    pub(super) fn is_terminated(&self) -> bool {
        self.state == InviteState::Terminated
    }

    pub(super) fn timers(&self) -> &Timers {
        &self.timers
    }

    pub(super) fn timers_mut(&mut self) -> &mut Timers {
        &mut self.timers
    }
}

/// States of the non-INVITE server transaction (RFC 3261 Figure 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NonInviteState {
    Trying,
    Proceeding,
    Completed,
    Terminated,
}

/// The non-INVITE server transaction.
#[derive(Debug)]
pub(super) struct NonInviteServer {
    id: TransactionId,
    state: NonInviteState,
    reply_to: Peer,
    last_response: Option<Response>,
    timers: Timers,
}

impl NonInviteServer {
    /// Enters Trying (RFC 3261 §17.2.2); the layer has passed the request to the TU.
    pub(super) fn start(id: TransactionId, reply_to: Peer, cx: &mut Cx) -> Self {
        let mut timers = Timers::default();
        timers.start_initial(
            TimerKind::AnswerGuard,
            cx.now,
            cx.config,
            reply_to.transport,
        );
        NonInviteServer {
            id,
            state: NonInviteState::Trying,
            reply_to,
            last_response: None,
            timers,
        }
    }

    /// The request was retransmitted: Trying discards it, Proceeding and Completed resend the
    /// last response (RFC 3261 §17.2.2).
    pub(super) fn on_retransmission(&mut self, cx: &mut Cx) {
        if let Some(r) = &self.last_response {
            cx.out.transmit(self.reply_to, r.clone());
        }
    }

    /// The TU answers (RFC 3261 §17.2.2).
    pub(super) fn send_response(
        &mut self,
        response: Response,
        cx: &mut Cx,
    ) -> Result<(), TransactionError> {
        if !matches!(
            self.state,
            NonInviteState::Trying | NonInviteState::Proceeding
        ) {
            // RFC 3261 §17.2.2: other responses in Completed are discarded.
            let status = response.status;
            return Err(TransactionError::ResponseNotAllowed {
                id: self.id,
                status,
            });
        }
        if response.status.is_provisional() {
            self.state = NonInviteState::Proceeding;
        } else {
            // RFC 3261 §17.2.2: Completed, Timer J (zero on reliable transports).
            self.state = NonInviteState::Completed;
            self.timers.stop_all();
            self.timers
                .start_initial(TimerKind::J, cx.now, cx.config, self.reply_to.transport);
        }
        cx.out.transmit(self.reply_to, response.clone());
        self.last_response = Some(response);
        Ok(())
    }

    /// `kind` fired.
    pub(super) fn on_timer(&mut self, kind: TimerKind, cx: &mut Cx) {
        match (self.state, kind) {
            // The TU never answered (module docs): the client's Timer F has fired by now.
            (NonInviteState::Trying | NonInviteState::Proceeding, TimerKind::AnswerGuard) => {
                cx.out.event(TransactionEvent::Timeout { id: self.id });
                self.terminate();
            }
            (NonInviteState::Completed, TimerKind::J) => self.terminate(),
            _ => {}
        }
    }

    /// RFC 3261 §17.2.4 as amended by RFC 6026 §8.8: inform the TU, stay in the state.
    pub(super) fn on_transport_error(&mut self, cx: &mut Cx) {
        cx.out
            .event(TransactionEvent::TransportError { id: self.id });
    }

    fn terminate(&mut self) {
        self.state = NonInviteState::Terminated;
        self.timers.stop_all();
    }

    pub(super) fn is_terminated(&self) -> bool {
        self.state == NonInviteState::Terminated
    }

    pub(super) fn timers(&self) -> &Timers {
        &self.timers
    }

    pub(super) fn timers_mut(&mut self) -> &mut Timers {
        &mut self.timers
    }
}
