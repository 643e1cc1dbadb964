//! One stream connection (TCP or TLS, RFC 3261 §18.3): framing by Content-Length, keep-alive
//! pongs (RFC 5626 §3.5.1), and a send queue. A connection that cannot be framed any more
//! (a message without a valid Content-Length, §18.3) is closed: the stream has lost sync.

use super::{CONNECT_TIMEOUT, NetInput};
use crate::sip::parse::{Framed, parse_stream};
use crate::sip::transaction::Peer;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;

/// How much one read takes from the socket.
const READ_CHUNK: usize = 16 * 1024;

/// What is needed to open a TLS session on a new connection.
pub struct TlsStart {
    /// The client configuration (trusted roots).
    pub connector: TlsConnector,
    /// The name the certificate must carry (and SNI when it is a DNS name).
    pub server_name: ServerName<'static>,
}

impl std::fmt::Debug for TlsStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsStart")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

/// Opens a connection to `peer` (TLS when `tls` is given), then serves it.
pub async fn connect(
    peer: Peer,
    tls: Option<TlsStart>,
    outgoing: mpsc::Receiver<Vec<u8>>,
    inputs: mpsc::Sender<NetInput>,
) {
    let closed = |error: String| NetInput::Closed {
        peer,
        error: Some(error),
        never_opened: true,
    };
    let tcp = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(peer.addr)).await {
        Ok(Ok(tcp)) => tcp,
        Ok(Err(e)) => {
            let _ = inputs.send(closed(format!("cannot connect: {e}"))).await;
            return;
        }
        Err(_) => {
            let message = format!("cannot connect: no answer within {CONNECT_TIMEOUT:?}");
            let _ = inputs.send(closed(message)).await;
            return;
        }
    };
    let _ = tcp.set_nodelay(true);
    let Some(TlsStart {
        connector,
        server_name,
    }) = tls
    else {
        if inputs.send(NetInput::Connected { peer }).await.is_ok() {
            run(tcp, peer, outgoing, inputs).await;
        }
        return;
    };
    let handshake = connector.connect(server_name.clone(), tcp);
    match tokio::time::timeout(CONNECT_TIMEOUT, handshake).await {
        Ok(Ok(tls)) => {
            if inputs.send(NetInput::Connected { peer }).await.is_ok() {
                run(tls, peer, outgoing, inputs).await;
            }
        }
        Ok(Err(e)) => {
            let name = server_name.to_str();
            let why = super::identity_tls::describe(&e);
            let message = format!("TLS handshake with {name} failed: {why}");
            let _ = inputs.send(closed(message)).await;
        }
        Err(_) => {
            let message = format!("TLS handshake: no answer within {CONNECT_TIMEOUT:?}");
            let _ = inputs.send(closed(message)).await;
        }
    }
}

/// Serves an accepted connection: announces its send queue (and the identity key its TLS
/// client proved, if any), then runs it.
pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    peer: Peer,
    identity: Option<pkarr::PublicKey>,
    queue: mpsc::Sender<Vec<u8>>,
    outgoing: mpsc::Receiver<Vec<u8>>,
    inputs: mpsc::Sender<NetInput>,
) {
    let accepted = NetInput::Accepted {
        peer,
        queue,
        identity,
    };
    if inputs.send(accepted).await.is_ok() {
        run(stream, peer, outgoing, inputs).await;
    }
}

/// Runs the TLS handshake of an accepted connection (bounded by [`CONNECT_TIMEOUT`]), then
/// serves it. A failed handshake is logged and the connection dropped: nothing reached the
/// engine yet.
pub async fn serve_tls(
    tcp: TcpStream,
    peer: Peer,
    acceptor: tokio_rustls::TlsAcceptor,
    inputs: mpsc::Sender<NetInput>,
) {
    let _ = tcp.set_nodelay(true);
    let tls = match tokio::time::timeout(CONNECT_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            tracing::warn!(
                "TLS handshake from {} failed: {e}",
                crate::log::redact(peer.addr)
            );
            return;
        }
        Err(_) => {
            tracing::warn!(
                "TLS handshake from {}: no answer within {CONNECT_TIMEOUT:?}",
                crate::log::redact(peer.addr)
            );
            return;
        }
    };
    let identity = super::identity_tls::peer_key(tls.get_ref().1.peer_certificates());
    let (queue, outgoing) = mpsc::channel(super::QUEUE_DEPTH);
    serve(tls, peer, identity, queue, outgoing, inputs).await;
}

/// Moves bytes both ways until either side ends; then tells the engine.
async fn run<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    peer: Peer,
    mut outgoing: mpsc::Receiver<Vec<u8>>,
    inputs: mpsc::Sender<NetInput>,
) {
    let (mut reader, mut writer) = tokio::io::split(stream);
    let mut buf: Vec<u8> = Vec::with_capacity(READ_CHUNK);
    let mut chunk = vec![0u8; READ_CHUNK];
    let error = loop {
        tokio::select! {
            read = reader.read(&mut chunk) => match read {
                Ok(0) => break None,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    match deliver(&mut buf, peer, &inputs).await {
                        Ok(Some(pong)) => {
                            if let Err(e) = writer.write_all(pong).await {
                                break Some(format!("write failed: {e}"));
                            }
                        }
                        Ok(None) => {}
                        Err(e) => break Some(e),
                    }
                }
                Err(e) => break Some(format!("read failed: {e}")),
            },
            data = outgoing.recv() => match data {
                Some(data) => {
                    if let Err(e) = writer.write_all(&data).await {
                        break Some(format!("write failed: {e}"));
                    }
                }
                // The engine dropped the connection.
                None => break None,
            },
        }
    };
    outgoing.close();
    let _ = writer.shutdown().await;
    let _ = inputs
        .send(NetInput::Closed {
            peer,
            error,
            never_opened: false,
        })
        .await;
}

/// Frames every whole message in `buf` and hands it to the engine. Returns the pong to send
/// when a ping arrived, or an error that ends the connection.
async fn deliver(
    buf: &mut Vec<u8>,
    peer: Peer,
    inputs: &mpsc::Sender<NetInput>,
) -> Result<Option<&'static [u8]>, String> {
    let mut pong = None;
    loop {
        match parse_stream(buf) {
            Ok(Framed::NeedMore) => return Ok(pong),
            Ok(Framed::KeepAlive { consumed, ping }) => {
                buf.drain(..consumed);
                if ping {
                    pong = Some(&b"\r\n"[..]);
                }
            }
            Ok(Framed::Message { message, consumed }) => {
                buf.drain(..consumed);
                if inputs
                    .send(NetInput::Stream {
                        peer,
                        message: Box::new(message),
                    })
                    .await
                    .is_err()
                {
                    return Err("the engine stopped".to_owned());
                }
            }
            Err(e) => return Err(format!("cannot frame the stream, closing: {e}")),
        }
    }
}
