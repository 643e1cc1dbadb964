//! Call vocabulary shared by the UA core and the application: ids, events and end reasons
//! (RFC 3261 §13–15). The state machine itself lives in the UA core (`ua/calls.rs`), which
//! owns the transactions and dialogs a call uses.

use super::headers::NameAddr;
use super::offer_answer::Negotiated;
use super::ua::AccountId;

/// Identifies a call. The application mints ids for the calls it places; the core mints
/// ids for incoming calls with the top bit set, so the two never collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u64);

impl CallId {
    /// The bit that marks ids minted by the core for incoming calls.
    pub const INCOMING: u64 = 1 << 63;

    /// Whether the core minted this id (an incoming call).
    pub fn is_incoming(self) -> bool {
        self.0 & Self::INCOMING != 0
    }
}

/// Why a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// We hung up (BYE sent, or CANCEL before an answer).
    Local,
    /// The other side hung up (BYE received).
    Remote,
    /// The caller gave up before we answered (CANCEL received).
    Cancelled,
    /// 486 Busy Here or 600 Busy Everywhere.
    Busy,
    /// 603 Decline (or we declined an incoming call).
    Declined,
    /// No answer in time: Timer B, or no ACK for our 2xx (RFC 3261 §13.3.1.4).
    Timeout,
    /// Any other final failure.
    Failed {
        /// Status code (or 503 for a transport error).
        code: u16,
        /// Reason phrase.
        reason: String,
    },
}

/// What happens to a call, for the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    /// Someone calls us (RFC 3261 §13.3.1): we have sent 180 Ringing.
    Incoming {
        /// The account the call was addressed to, if it matches one.
        account: Option<AccountId>,
        /// The caller (From).
        from: Box<NameAddr>,
        /// Who was called (To).
        to: Box<NameAddr>,
        /// The caller's P2P identity key (z-base32) when its TLS connection proved the key
        /// its From host names; filled in by the engine, which sees the connection.
        verified: Option<String>,
        /// Whether the call's media will be encrypted (SRTP keyed over TLS); filled in by
        /// the engine.
        encrypted: bool,
    },
    /// The callee's phone rings (180 without media).
    Ringing,
    /// The callee sends early media (183 with SDP); play it instead of ringback.
    EarlyMedia {
        /// Where and how media flows.
        media: Box<Negotiated>,
    },
    /// The call is up.
    Answered {
        /// Where and how media flows.
        media: Box<Negotiated>,
    },
    /// The session changed after a re-INVITE (hold or resume by either side, RFC 3261 §14):
    /// `media.local_direction` and `media.remote_direction` say who holds.
    MediaUpdated {
        /// Where and how media flows now.
        media: Box<Negotiated>,
    },
    /// A DTMF digit arrived in a SIP INFO (RTP telephone events are the engine's).
    Dtmf {
        /// The digit: 0-9, *, #, A-D.
        digit: char,
    },
    /// The call is over.
    Ended {
        /// Why.
        reason: EndReason,
    },
}

/// The reason for a failure status, per RFC 3261 §21.
pub fn end_reason_for(code: u16, reason: &str) -> EndReason {
    match code {
        486 | 600 => EndReason::Busy,
        603 => EndReason::Declined,
        408 => EndReason::Timeout,
        _ => EndReason::Failed {
            code,
            reason: reason.to_owned(),
        },
    }
}
