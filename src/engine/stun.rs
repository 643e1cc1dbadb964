//! The STUN binding client for the engine: asks the configured server which address our
//! packets come from ([`crate::p2p::stun`] builds and reads the messages), at start and then
//! every [`STUN_REFRESH`], on a task of its own; each outcome reaches the engine's `select!`.
//!
//! The request goes from a socket of its own bound to the address SIP listens on (so the
//! same interface and NAT), retransmitted as RFC 8489 §6.2.1 says for UDP: RTO 500 ms,
//! doubling, at most [`ATTEMPTS`] requests, and a final wait of 16 × RTO is cut to
//! [`LAST_WAIT`].

use crate::p2p::stun::{self, StunError};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// How often the public address is asked again (NAT mappings and addresses change).
pub const STUN_REFRESH: Duration = Duration::from_secs(5 * 60);
/// RFC 8489 §6.2.1: the first retransmission timeout.
const RTO: Duration = Duration::from_millis(500);
/// How many requests one query sends.
const ATTEMPTS: u32 = 5;
/// How long to wait for an answer after the last request.
const LAST_WAIT: Duration = Duration::from_secs(2);

/// One query's outcome, for the engine.
#[derive(Debug)]
pub struct StunOutcome {
    /// The server as configured.
    pub server: String,
    /// The address it saw, or why there is none.
    pub result: Result<SocketAddr, String>,
}

/// Queries `server` (`HOST:PORT`) now and every [`STUN_REFRESH`], from `bind` (our SIP
/// address; unspecified for any); outcomes go to `outcomes`. Stops when they are no longer
/// read.
pub fn spawn(server: String, bind: IpAddr, outcomes: mpsc::Sender<StunOutcome>) {
    tokio::spawn(async move {
        loop {
            let result = query(&server, bind).await;
            let outcome = StunOutcome {
                server: server.clone(),
                result,
            };
            if outcomes.send(outcome).await.is_err() {
                return;
            }
            tokio::time::sleep(STUN_REFRESH).await;
        }
    });
}

/// One binding transaction.
async fn query(server: &str, bind: IpAddr) -> Result<SocketAddr, String> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(server)
        .await
        .map_err(|e| format!("cannot resolve {server}: {e}"))?
        .collect();
    // The server's family must be the socket's.
    let target = addrs
        .iter()
        .find(|a| bind.is_unspecified() || a.is_ipv4() == bind.is_ipv4())
        .copied()
        .ok_or_else(|| format!("{server} has no address of our family"))?;
    let local = match (bind.is_unspecified(), target) {
        (false, _) => SocketAddr::new(bind, 0),
        (true, SocketAddr::V4(_)) => "0.0.0.0:0".parse().map_err(|_| "bind")?,
        (true, SocketAddr::V6(_)) => "[::]:0".parse().map_err(|_| "bind")?,
    };
    let socket = UdpSocket::bind(local)
        .await
        .map_err(|e| format!("cannot open a socket for STUN: {e}"))?;
    let mut transaction = [0u8; 12];
    getrandom::fill(&mut transaction).map_err(|e| e.to_string())?;
    let request = stun::binding_request(&transaction);
    let mut wait = RTO;
    let mut buf = [0u8; 1500];
    for attempt in 1..=ATTEMPTS {
        socket
            .send_to(&request, target)
            .await
            .map_err(|e| format!("cannot send to {target}: {e}"))?;
        let window = if attempt == ATTEMPTS { LAST_WAIT } else { wait };
        let deadline = tokio::time::Instant::now() + window;
        loop {
            let received = tokio::time::timeout_at(deadline, socket.recv_from(&mut buf)).await;
            let Ok(received) = received else { break };
            let (n, from) = received.map_err(|e| format!("STUN socket: {e}"))?;
            if from != target {
                continue;
            }
            match stun::parse_binding_response(&buf[..n], &transaction) {
                Ok(mapped) => return Ok(mapped),
                Err(StunError::NotStun | StunError::OtherTransaction) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        wait *= 2;
    }
    Err(format!("no answer from {server} after {ATTEMPTS} requests"))
}
