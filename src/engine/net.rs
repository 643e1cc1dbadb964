//! The engine's transports (RFC 3261 §18): UDP sockets, TCP listeners and stream connections
//! (TCP and TLS), IPv4 and IPv6.
//!
//! Readers run as small tasks that only move bytes: a UDP reader forwards datagrams, a stream
//! connection frames messages with [`parse_stream`] and answers keep-alive pings (RFC 5626
//! §3.5.1). Everything they learn reaches the engine's one `select!` as a [`NetInput`] on a
//! bounded channel, so the SIP core is still driven from one place. Sending is done by the
//! engine through [`Net::send`], which never waits for a connection: a message to a peer with
//! no connection opens one and waits in that connection's queue (§18.1.1 connection reuse:
//! requests and responses to the same peer share one connection, whoever opened it).

pub mod identity_tls;
mod stream;
pub mod tls;

use crate::sip::Message;
use crate::sip::transaction::{Peer, TransportKind};
use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::mpsc;
use tokio_rustls::rustls;

/// The largest datagram we accept (the UDP maximum; RFC 3261 §18.1.1 leaves size to the path).
const MAX_DATAGRAM: usize = 65_535;
/// Depth of the channel from the readers to the engine, and of each connection's send queue.
const QUEUE_DEPTH: usize = 256;
/// How long opening a TCP connection (and its TLS handshake) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Something the transports tell the engine.
#[derive(Debug)]
pub enum NetInput {
    /// A datagram from `peer`.
    Datagram {
        /// Who sent it.
        peer: Peer,
        /// The message bytes.
        data: Vec<u8>,
    },
    /// One framed message from a stream connection (TCP/TLS).
    Stream {
        /// Who sent it.
        peer: Peer,
        /// The message (boxed: a message is large and datagrams are the common case).
        message: Box<Message>,
    },
    /// A stream connection was accepted: replies to `peer` go into `queue`.
    Accepted {
        /// The far end.
        peer: Peer,
        /// The connection's send queue.
        queue: mpsc::Sender<Vec<u8>>,
        /// The P2P identity key the TLS client proved (mutual TLS), if it presented one.
        identity: Option<pkarr::PublicKey>,
    },
    /// A stream connection we opened is up (TCP connected, TLS handshake done).
    Connected {
        /// The far end.
        peer: Peer,
    },
    /// A stream connection could not be opened, broke or was closed; `error` says why when it
    /// was not a clean close by the far end.
    Closed {
        /// The far end.
        peer: Peer,
        /// What went wrong, if anything.
        error: Option<String>,
        /// Whether the connection was never established (connect or handshake failed).
        never_opened: bool,
    },
    /// A UDP socket or TCP listener failed for good.
    Fatal {
        /// Our address.
        local: SocketAddr,
        /// The transport.
        transport: TransportKind,
        /// Why.
        error: io::Error,
    },
}

/// A transport and address to listen on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listen {
    /// UDP, TCP or TLS (a TLS listener needs our P2P identity, whose certificate it serves;
    /// without one a TLS entry listens on TCP, and TLS connections are only opened by us).
    pub transport: TransportKind,
    /// The address; port 0 picks a free one.
    pub addr: SocketAddr,
}

/// Why a socket could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {transport:?} {addr}: {source}")]
pub struct BindError {
    /// The transport.
    pub transport: TransportKind,
    /// The address asked for.
    pub addr: SocketAddr,
    /// Why.
    pub source: io::Error,
}

/// One open (or opening) stream connection: its send queue.
#[derive(Debug)]
struct Connection {
    queue: mpsc::Sender<Vec<u8>>,
}

/// The sockets and connections; owned by the engine task.
#[derive(Debug)]
pub struct Net {
    udp: Vec<(SocketAddr, Arc<UdpSocket>)>,
    /// Bound addresses, per transport, in the order they were asked for.
    local: Vec<(TransportKind, SocketAddr)>,
    connections: HashMap<Peer, Connection>,
    inputs: mpsc::Sender<NetInput>,
    tls: tls::TlsClient,
}

impl Net {
    /// Binds every listen address and starts its reader; returns the transports and the
    /// channel their input arrives on.
    pub async fn bind(
        listen: &[Listen],
        tls: tls::TlsClient,
        server: Option<Arc<rustls::ServerConfig>>,
    ) -> Result<(Net, mpsc::Receiver<NetInput>), BindError> {
        let (inputs, rx) = mpsc::channel(QUEUE_DEPTH);
        let mut net = Net {
            udp: Vec::new(),
            local: Vec::new(),
            connections: HashMap::new(),
            inputs,
            tls,
        };
        for l in listen {
            let err = |source| BindError {
                transport: l.transport,
                addr: l.addr,
                source,
            };
            match l.transport {
                TransportKind::Udp => {
                    let socket = Arc::new(UdpSocket::bind(l.addr).await.map_err(err)?);
                    let local = socket.local_addr().map_err(err)?;
                    tokio::spawn(read_udp(socket.clone(), local, net.inputs.clone()));
                    net.udp.push((local, socket));
                    net.local.push((TransportKind::Udp, local));
                }
                TransportKind::Tls if server.is_some() => {
                    net.listen_tls(l.addr, server.clone()).await.map_err(err)?;
                }
                TransportKind::Tcp | TransportKind::Tls => {
                    let listener = TcpListener::bind(l.addr).await.map_err(err)?;
                    let local = listener.local_addr().map_err(err)?;
                    tokio::spawn(accept_tcp(listener, local, None, net.inputs.clone()));
                    net.local.push((TransportKind::Tcp, local));
                }
            }
        }
        let has = |net: &Net, kind| net.local.iter().any(|(t, _)| *t == kind);
        // With an identity we serve TLS (P2P calls use it): on a free port of the first
        // address we listen on, unless a TLS address was given.
        if server.is_some() && !has(&net, TransportKind::Tls) {
            if let Some(&(_, first)) = net.local.first() {
                let addr = SocketAddr::new(first.ip(), 0);
                let err = |source| BindError {
                    transport: TransportKind::Tls,
                    addr,
                    source,
                };
                net.listen_tls(addr, server.clone()).await.map_err(err)?;
            }
        }
        // Without a TLS listener we can still open TLS connections whenever we listen on
        // TCP; Via sent-by uses that port.
        if !has(&net, TransportKind::Tls) {
            if let Some((_, tcp)) = net.local.iter().find(|(t, _)| *t == TransportKind::Tcp) {
                let tcp = *tcp;
                net.local.push((TransportKind::Tls, tcp));
            }
        }
        Ok((net, rx))
    }

    /// Binds a TLS listener serving `server` on `addr`.
    async fn listen_tls(
        &mut self,
        addr: SocketAddr,
        server: Option<Arc<rustls::ServerConfig>>,
    ) -> io::Result<()> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let acceptor = server.map(tokio_rustls::TlsAcceptor::from);
        tokio::spawn(accept_tcp(listener, local, acceptor, self.inputs.clone()));
        self.local.push((TransportKind::Tls, local));
        Ok(())
    }

    /// A sender for the input channel (media sockets feed it too).
    pub fn inputs(&self) -> mpsc::Sender<NetInput> {
        self.inputs.clone()
    }

    /// Our address per transport (what the SIP core writes into Via and Contact).
    pub fn local(&self) -> &[(TransportKind, SocketAddr)] {
        &self.local
    }

    /// Sends one message's bytes to `peer`. UDP goes out at once; a stream message joins the
    /// connection's queue, opening the connection first if there is none. An `Err` means the
    /// message could not be handed over (the core should treat the peer as unreachable).
    pub async fn send(
        &mut self,
        peer: Peer,
        data: Vec<u8>,
        server_name: Option<&str>,
    ) -> io::Result<()> {
        match peer.transport {
            TransportKind::Udp => {
                let socket = self.udp_for(peer.addr).ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::AddrNotAvailable,
                        "no UDP socket of that address family is open",
                    )
                })?;
                socket.send_to(&data, peer.addr).await.map(|_| ())
            }
            TransportKind::Tcp | TransportKind::Tls => self.send_stream(peer, data, server_name),
        }
    }

    fn send_stream(
        &mut self,
        peer: Peer,
        data: Vec<u8>,
        server_name: Option<&str>,
    ) -> io::Result<()> {
        if let Some(c) = self.connections.get(&peer) {
            match c.queue.try_send(data) {
                Ok(()) => return Ok(()),
                Err(mpsc::error::TrySendError::Full(_)) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WouldBlock,
                        "the connection's send queue is full",
                    ));
                }
                // The connection task ended; open a new one below.
                Err(mpsc::error::TrySendError::Closed(d)) => {
                    return self.open(peer, d, server_name);
                }
            }
        }
        self.open(peer, data, server_name)
    }

    fn open(&mut self, peer: Peer, data: Vec<u8>, server_name: Option<&str>) -> io::Result<()> {
        let (queue, outgoing) = mpsc::channel(QUEUE_DEPTH);
        queue
            .try_send(data)
            .map_err(|_| io::Error::other("cannot queue on a new connection"))?;
        let tls = match peer.transport {
            TransportKind::Tls => Some(self.tls.connector(peer.addr, server_name)?),
            _ => None,
        };
        tokio::spawn(stream::connect(peer, tls, outgoing, self.inputs.clone()));
        self.connections.insert(peer, Connection { queue });
        Ok(())
    }

    /// Registers an accepted connection's send queue (so replies and requests reuse it).
    pub fn adopt(&mut self, peer: Peer, queue: mpsc::Sender<Vec<u8>>) {
        self.connections.insert(peer, Connection { queue });
    }

    /// Forgets a connection that closed (its task has ended).
    pub fn forget(&mut self, peer: Peer) {
        if let Some(c) = self.connections.get(&peer) {
            if c.queue.is_closed() {
                self.connections.remove(&peer);
            }
        }
    }

    /// How many stream connections are open or opening.
    pub fn connections(&self) -> usize {
        self.connections.len()
    }

    /// The UDP socket to send to `to` from: the same address family, loopback preferred for
    /// loopback destinations.
    fn udp_for(&self, to: SocketAddr) -> Option<&Arc<UdpSocket>> {
        let same_family = |a: &SocketAddr| a.is_ipv4() == to.is_ipv4();
        self.udp
            .iter()
            .filter(|(a, _)| same_family(a))
            .find(|(a, _)| a.ip().is_loopback() == to.ip().is_loopback() || a.ip().is_unspecified())
            .or_else(|| self.udp.iter().find(|(a, _)| same_family(a)))
            .map(|(_, s)| s)
    }
}

/// Reads datagrams from `socket` and forwards what `wrap` makes of each (`None` skips one),
/// ignoring the ICMP errors some systems report on UDP sockets (they concern one peer, not
/// the socket). Returns the error that ended the socket, or `None` when the engine is gone.
pub(super) async fn read_datagrams(
    socket: &UdpSocket,
    max: usize,
    inputs: &mpsc::Sender<NetInput>,
    wrap: impl Fn(SocketAddr, &[u8]) -> Option<NetInput>,
) -> Option<io::Error> {
    let mut buf = vec![0u8; max];
    loop {
        match socket.recv_from(&mut buf).await {
            Ok((len, from)) => {
                let Some(input) = wrap(from, &buf[..len]) else {
                    continue;
                };
                if inputs.send(input).await.is_err() {
                    return None;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset
                        | io::ErrorKind::ConnectionRefused
                        | io::ErrorKind::Interrupted
                ) =>
            {
                tracing::debug!("UDP: receive error ignored: {e}");
            }
            Err(error) => return Some(error),
        }
    }
}

/// Reads SIP datagrams until the socket fails for good.
async fn read_udp(socket: Arc<UdpSocket>, local: SocketAddr, inputs: mpsc::Sender<NetInput>) {
    let sip = |from, data: &[u8]| {
        // RFC 5626 §4.4.1 keep-alive CRLFs carry no message.
        if data.iter().all(|b| matches!(b, b'\r' | b'\n')) {
            return None;
        }
        let peer = Peer {
            transport: TransportKind::Udp,
            addr: from,
        };
        Some(NetInput::Datagram {
            peer,
            data: data.to_vec(),
        })
    };
    if let Some(error) = read_datagrams(&socket, MAX_DATAGRAM, &inputs, sip).await {
        let _ = inputs
            .send(NetInput::Fatal {
                local,
                transport: TransportKind::Udp,
                error,
            })
            .await;
    }
}

/// Accepts TCP connections (TLS ones with `tls`) until the listener fails for good.
async fn accept_tcp(
    listener: TcpListener,
    local: SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
    inputs: mpsc::Sender<NetInput>,
) {
    let transport = if tls.is_some() {
        TransportKind::Tls
    } else {
        TransportKind::Tcp
    };
    loop {
        match listener.accept().await {
            Ok((stream, from)) => {
                let peer = Peer {
                    transport,
                    addr: from,
                };
                if let Some(acceptor) = &tls {
                    let acceptor = acceptor.clone();
                    tokio::spawn(stream::serve_tls(stream, peer, acceptor, inputs.clone()));
                    continue;
                }
                let _ = stream.set_nodelay(true);
                let (queue, outgoing) = mpsc::channel(QUEUE_DEPTH);
                let serve = stream::serve(stream, peer, None, queue, outgoing, inputs.clone());
                tokio::spawn(serve);
            }
            Err(e) if is_transient_accept_error(&e) => {
                tracing::warn!(
                    "TCP {}: accept failed (retrying): {e}",
                    crate::log::redact(local)
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => {
                let _ = inputs
                    .send(NetInput::Fatal {
                        local,
                        transport,
                        error,
                    })
                    .await;
                return;
            }
        }
    }
}

/// Errors after which a listener still works (a peer gave up, or we ran out of descriptors
/// for a moment).
fn is_transient_accept_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    ) || e.raw_os_error() == Some(24)
}
