//! The engine: the one async task that drives the sans-IO UA core (STYLE.md habits 2 and 6).
//!
//! [`run`] owns a UDP socket and a [`UserAgent`], and loops over one `select!`: datagrams from
//! the socket, [`Command`]s from the application, and a sleep until the core's next deadline.
//! After every input it drains the core (`poll_transmit`, `poll_resolve`, `poll_event`) until
//! nothing is left, and reports what happened as [`Event`]s. It is the only place that reads
//! the clock or the OS random source; nothing in it blocks.
//!
//! This first slice speaks UDP only, has no DNS resolver (targets must be IP literals) and no
//! audio: the SDP advertises [`EngineConfig::rtp_port`] but nothing listens there yet.

mod driver;
pub mod json;

use crate::sip::call::CallId;
use crate::sip::transaction::{TimerConfig, TransportKind};
use crate::sip::ua::{UaConfig, UaEvent, UserAgent};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// How long [`Command::Quit`] lets hang-ups and retransmissions settle before stopping.
pub const STOP_GRACE: Duration = Duration::from_secs(2);

/// How the engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The UDP address to bind; port 0 picks a free one ([`Event::Started`] tells which).
    pub listen: SocketAddr,
    /// The User-Agent / Server header value.
    pub user_agent: String,
    /// Answer every incoming call at once (for tests and unattended peers).
    pub auto_answer: bool,
    /// The RTP port written into our SDP.
    pub rtp_port: u16,
}

/// What the application asks of the engine. Call ids of outgoing calls are minted by the
/// application (without [`CallId::INCOMING`]); incoming ones come from [`Event::Ua`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Call `target`, a SIP URI such as `sip:bob@192.0.2.7:5060`.
    Dial {
        /// The id for the new call.
        call: CallId,
        /// The URI to call.
        target: String,
    },
    /// Answer an incoming call.
    Answer {
        /// Which call.
        call: CallId,
    },
    /// Decline an incoming call with a 4xx..6xx status.
    Reject {
        /// Which call.
        call: CallId,
        /// The status to answer with (486 Busy Here, 603 Decline, ...).
        code: u16,
    },
    /// Hang up (BYE, CANCEL, or decline while ringing).
    Hangup {
        /// Which call.
        call: CallId,
    },
    /// Put a call on hold (re-INVITE with sendonly).
    Hold {
        /// Which call.
        call: CallId,
    },
    /// Take a call off hold.
    Resume {
        /// Which call.
        call: CallId,
    },
    /// Hang up every call, let that settle (at most [`STOP_GRACE`]) and stop.
    Quit,
}

/// What the engine tells the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The socket is bound; always the first event.
    Started {
        /// The bound address.
        listen: SocketAddr,
    },
    /// Something the UA core reported (calls, registrations, warnings, refused messages).
    Ua(UaEvent),
    /// A command could not be carried out, or a message could not be sent; nothing stops.
    Error {
        /// The call concerned, if any.
        call: Option<CallId>,
        /// What went wrong.
        message: String,
    },
    /// The engine stopped after [`Command::Quit`]; always the last event.
    Stopped,
}

/// Why the engine could not start or had to stop (protocol outcomes are [`Event`]s instead).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The UDP socket could not be bound.
    #[error("cannot bind UDP {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The bound socket's address could not be read.
    #[error("cannot read the bound UDP address: {0}")]
    LocalAddr(#[source] io::Error),
    /// The OS random source failed (the core's seed comes from it).
    #[error("cannot read OS randomness: {0}")]
    Seed(getrandom::Error),
    /// Receiving on the socket failed for good.
    #[error("receiving on UDP {addr} failed: {source}")]
    Receive {
        /// Our address.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The application dropped its event receiver, so nobody listens any more.
    #[error("the application stopped listening to engine events")]
    EventsClosed,
}

/// Runs the engine until [`Command::Quit`] (or until `commands` is closed, which means the
/// same). Returns `Err` only when it cannot start or cannot go on; see [`EngineError`].
pub async fn run(
    config: EngineConfig,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<Event>,
) -> Result<(), EngineError> {
    let socket = UdpSocket::bind(config.listen)
        .await
        .map_err(|source| EngineError::Bind {
            addr: config.listen,
            source,
        })?;
    let local = socket.local_addr().map_err(EngineError::LocalAddr)?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(EngineError::Seed)?;
    let ua_config = UaConfig {
        local: vec![(TransportKind::Udp, local)],
        timers: TimerConfig::default(),
        user_agent: config.user_agent.clone(),
    };
    let ua = UserAgent::new(ua_config, seed);
    driver::Engine::new(ua, socket, local, config, events)
        .run(commands)
        .await
}
