//! The SIP transaction layer, sans-IO: the four state machines of RFC 3261 §17 (INVITE and
//! non-INVITE client transactions §17.1.1, §17.1.2; INVITE and non-INVITE server transactions
//! §17.2.1, §17.2.2) with the "Accepted" states and Timers L and M of RFC 6026 §7, matching
//! of responses (§17.1.3) and requests (§17.2.3, including the RFC 2543 fallback), CANCEL
//! (§9.1, §9.2) and the parts of the transport layer a sans-IO core owns (§18.2.1 `received`
//! and RFC 3581 `rport` stamping, §18.2.2 where a response goes).
//!
//! Driving it (STYLE.md habit 2): feed [`TransactionLayer::handle_message`],
//! [`TransactionLayer::handle_timeout`] and friends, then drain
//! [`TransactionLayer::poll_transmit`] and [`TransactionLayer::poll_event`] until both are
//! empty, and wake up at [`TransactionLayer::poll_timeout`]. Time comes in as `now`; nothing
//! here reads the clock, opens a socket or draws a random number (branches are the caller's).
//!
//! Choices the RFCs leave open, documented here once:
//! - A server transaction whose request the TU never answers does not live forever: a
//!   non-INVITE one is dropped 64*T1 after it was created (the client's Timer F has fired by
//!   then, §17.1.2.2), an INVITE one after [`INVITE_ANSWER_LIMIT`] (longer than any sane
//!   ringing time and than a proxy's Timer C, §16.6 item 11). Either way the TU gets
//!   [`TransactionEvent::Timeout`] and then [`TransactionEvent::Terminated`]; no response is
//!   sent for it, since a final response would need a random To tag (§19.3) this layer cannot
//!   mint. The UA core is expected to answer long before.
//! - An INVITE client transaction in Proceeding waits for a final response as long as the
//!   server takes (§17.1.1.2 has no timer there), except that once a CANCEL for it is sent
//!   through [`TransactionLayer::send_request`], it gives up 64*T1 later with a Timeout
//!   (§9.1: "the client SHOULD then consider the original transaction cancelled").
//! - The INVITE server transaction sends 100 (Trying) 200 ms after the request arrived unless
//!   the TU has sent a response by then, and at once when the INVITE is retransmitted before
//!   that (§17.2.1).
//! - Responses from a server transaction go back to the address the request came from over a
//!   reliable transport, and for UDP to that address with the sent-by port (5060 if none), or
//!   to the source port when `rport` was asked for (§18.2.2, RFC 3581 §4). `maddr` (multicast)
//!   is not supported.
//! - A 2xx reaching an INVITE client transaction in Completed (after a non-2xx, from another
//!   fork) is passed to the TU, which must ACK and BYE it (§13.2.2.4); the transaction does not
//!   answer it with its non-2xx ACK.
//! - Requests without a parsable top Via (or, for the RFC 2543 fallback, without From, To,
//!   Call-ID and CSeq) cannot be matched and are dropped; the engine runs
//!   [`Message::validate`](crate::sip::Message::validate) first and answers 400 itself.

mod build;
mod client;
mod key;
mod layer;
mod route;
mod server;
#[cfg(test)]
mod tests;
mod timers;

pub use build::build_cancel;
pub use layer::TransactionLayer;
pub use timers::INVITE_ANSWER_LIMIT;

use super::message::{Message, Request, Response, StatusCode};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The base timer values of RFC 3261 §17.1.1.1 and Table 4 (Appendix A).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    /// T1, the round-trip time estimate (default 500 ms).
    pub t1: Duration,
    /// T2, the longest retransmit interval for non-INVITE requests and INVITE responses
    /// (default 4 s).
    pub t2: Duration,
    /// T4, the longest time a message stays in the network (default 5 s).
    pub t4: Duration,
}

impl Default for TimerConfig {
    /// RFC 3261 Table 4: T1 = 500 ms, T2 = 4 s, T4 = 5 s.
    fn default() -> Self {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

impl TimerConfig {
    /// The config with T1 at least 1 ms and T2 at least T1, so that no retransmit timer can
    /// be zero and spin.
    fn sanitized(self) -> TimerConfig {
        let t1 = self.t1.max(Duration::from_millis(1));
        TimerConfig {
            t1,
            t2: self.t2.max(t1),
            t4: self.t4,
        }
    }
}

/// The transport a message travels on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// UDP: unreliable, so the transaction layer retransmits (RFC 3261 §17.1.1.2).
    Udp,
    /// TCP: reliable.
    Tcp,
    /// TLS over TCP: reliable.
    Tls,
}

impl TransportKind {
    /// Whether the transport delivers reliably (no retransmissions, zero wait timers).
    pub fn is_reliable(self) -> bool {
        !matches!(self, TransportKind::Udp)
    }
}

/// The far end of a message: transport and socket address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Peer {
    /// The transport.
    pub transport: TransportKind,
    /// The remote address.
    pub addr: SocketAddr,
}

/// Identifies one transaction; minted by [`TransactionLayer`], never reused by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionId(u64);

impl TransactionId {
    /// The number inside (for logs).
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Where to.
    pub peer: Peer,
    /// What.
    pub message: Message,
}

/// What the transaction layer tells its user (the TU: dialog layer, UA core).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionEvent {
    /// A new request created server transaction `id` (any method but ACK, §17.2). Answer it
    /// with [`TransactionLayer::send_response`].
    Request {
        /// The new server transaction.
        id: TransactionId,
        /// The request, with `received`/`rport` stamped on its top Via (§18.2.1).
        request: Request,
        /// Where it came from.
        peer: Peer,
    },
    /// An ACK that no INVITE server transaction in Completed or Confirmed absorbed: the ACK
    /// for a 2xx (§17.2.3, §13.3.1.4, RFC 6026 §7.1), for the dialog layer.
    Ack {
        /// The ACK.
        request: Request,
        /// Where it came from.
        peer: Peer,
    },
    /// A response for client transaction `id`: provisional and final ones; in the RFC 6026
    /// Accepted state every further 2xx (retransmission or another fork) as well.
    Response {
        /// The client transaction.
        id: TransactionId,
        /// The response.
        response: Response,
    },
    /// A response that matched no client transaction (§18.1.2): a forked 2xx after the
    /// transaction ended, a late retransmission, or junk.
    StrayResponse {
        /// The response.
        response: Response,
        /// Where it came from.
        peer: Peer,
    },
    /// Transaction `id` timed out: Timer B or F (no final response), Timer H (the ACK never
    /// came), or a guard documented in the module docs. `Terminated` follows.
    Timeout {
        /// The transaction.
        id: TransactionId,
    },
    /// The transport failed to send for transaction `id` (§17.1.4, §17.2.4). A client
    /// transaction terminates; a server transaction stays in its state (RFC 6026 §8.8).
    TransportError {
        /// The transaction.
        id: TransactionId,
    },
    /// Transaction `id` ended and was removed; its id is now unknown to the layer.
    Terminated {
        /// The transaction.
        id: TransactionId,
    },
}

/// Misuse of the transaction layer API (protocol outcomes are [`TransactionEvent`]s).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    /// ACK has no client transaction (RFC 3261 §17.1); send it with `send_stateless`.
    #[error("ACK is not sent in a transaction; use send_stateless")]
    AckNotAllowed,
    /// The request has no top Via with an RFC 3261 branch (`z9hG4bK...`, §8.1.1.7).
    #[error("the request has no top Via with a branch starting with z9hG4bK")]
    MissingBranch,
    /// The request has no parsable CSeq, or its method differs from the request's (§8.1.1.5).
    #[error("the request has no valid CSeq with its own method")]
    BadCSeq,
    /// A live client transaction already uses this branch and method.
    #[error("a client transaction with this branch and method already exists")]
    DuplicateTransaction,
    /// No live transaction has this id (never minted, or already terminated).
    #[error("no live transaction {0:?}")]
    UnknownTransaction(TransactionId),
    /// The id names a client transaction where a server transaction was needed.
    #[error("transaction {0:?} is a client transaction")]
    NotServerTransaction(TransactionId),
    /// The server transaction's state does not allow this response (a second final response,
    /// or a provisional one after a final, §17.2.1, §17.2.2); it was discarded.
    #[error("transaction {id:?} cannot send a {status} response now")]
    ResponseNotAllowed {
        /// The transaction.
        id: TransactionId,
        /// The discarded response's status.
        status: StatusCode,
    },
}

/// Outputs queued for the driver.
#[derive(Debug, Default)]
struct Outputs {
    transmits: VecDeque<Transmit>,
    events: VecDeque<TransactionEvent>,
}

impl Outputs {
    fn transmit(&mut self, peer: Peer, message: impl Into<Message>) {
        self.transmits.push_back(Transmit {
            peer,
            message: message.into(),
        });
    }

    fn event(&mut self, event: TransactionEvent) {
        self.events.push_back(event);
    }
}

/// What a state machine needs while it handles one input.
#[derive(Debug)]
struct Cx<'a> {
    now: Instant,
    config: &'a TimerConfig,
    out: &'a mut Outputs,
}
