//! Links (`tincan sip:alice@example.com`, also `sips:`, `tel:` and `callto:`) and the single
//! window: the first window listens on a Unix socket in the runtime directory
//! (`$XDG_RUNTIME_DIR/tincan.sock`, else a private directory under the temp dir); a second
//! `tincan <link>` hands the link over and exits, and the first one dials it.
//!
//! The protocol is one line each way: `dial <uri>\n`, answered `ok\n` (or `error <why>\n`).

use iced::Subscription;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The longest line accepted on the socket.
const MAX_LINE: usize = 4096;

/// How long a second instance waits for the first one.
pub const FORWARD_TIMEOUT: Duration = Duration::from_secs(3);

/// The address to call for a link, or `None` if `arg` is not one: `sip:`/`sips:`/`tel:` as
/// they are, `callto:` (Skype-style) as `sip:` for an address with `@` and as `tel:` for a
/// number; a `//` after the scheme (as some browsers write it) is dropped.
pub fn target(arg: &str) -> Option<String> {
    let arg = arg.trim();
    let (scheme, rest) = arg.split_once(':')?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    if rest.is_empty() || rest.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    match scheme.to_ascii_lowercase().as_str() {
        "sip" | "sips" | "tel" => Some(format!("{}:{rest}", scheme.to_ascii_lowercase())),
        "callto" if rest.contains('@') => Some(format!("sip:{rest}")),
        "callto" => Some(format!("tel:{rest}")),
        _ => None,
    }
}

/// Where the first window listens.
pub fn socket_path() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("tincan.sock"),
        None => {
            let user = std::env::var("USER").unwrap_or_else(|_| "user".into());
            std::env::temp_dir()
                .join(format!("tincan-{user}"))
                .join("tincan.sock")
        }
    }
}

/// Why a link could not be handed over.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// No window listens (no socket, or a stale one).
    #[error("no Tincan window is running")]
    NotRunning,
    /// The window answered with an error, or not in time.
    #[error("the running window did not take the link: {0}")]
    Refused(String),
}

/// Hands `target` to the window listening at `path` (blocking, bounded by
/// [`FORWARD_TIMEOUT`]).
#[cfg(unix)]
pub fn forward(path: &Path, target: &str) -> Result<(), ForwardError> {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::os::unix::net::UnixStream;
    let stream = UnixStream::connect(path).map_err(|e| {
        tracing::debug!("{}: {e}", path.display());
        ForwardError::NotRunning
    })?;
    let refused = |e: io::Error| ForwardError::Refused(e.to_string());
    stream
        .set_read_timeout(Some(FORWARD_TIMEOUT))
        .map_err(refused)?;
    stream
        .set_write_timeout(Some(FORWARD_TIMEOUT))
        .map_err(refused)?;
    (&stream)
        .write_all(format!("dial {target}\n").as_bytes())
        .map_err(refused)?;
    let mut answer = String::new();
    BufReader::new((&stream).take(MAX_LINE as u64))
        .read_line(&mut answer)
        .map_err(refused)?;
    match answer.trim_end() {
        "ok" => Ok(()),
        other => Err(ForwardError::Refused(other.to_owned())),
    }
}

/// Without Unix sockets every window stands alone.
#[cfg(not(unix))]
pub fn forward(_path: &Path, _target: &str) -> Result<(), ForwardError> {
    Err(ForwardError::NotRunning)
}

/// The links other `tincan` processes hand over, while the window runs.
pub fn subscription() -> Subscription<String> {
    Subscription::run_with(socket_path(), |path| listen(path.clone()))
}

/// Listens at `path` (a stale socket of a window that died is replaced; a live one is left
/// alone and nothing is received) and yields each target handed over.
#[cfg(unix)]
pub fn listen(path: PathBuf) -> impl iced::futures::Stream<Item = String> {
    use iced::futures::SinkExt;
    iced::stream::channel(8, async move |mut output| {
        let listener = match bind(&path) {
            Ok(listener) => listener,
            Err(e) => {
                tracing::warn!(
                    "links from other tincan processes are off: {}: {e}",
                    path.display()
                );
                return;
            }
        };
        tracing::info!("taking links on {}", path.display());
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!("link socket: {e}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            };
            match tokio::time::timeout(FORWARD_TIMEOUT, serve(stream)).await {
                Ok(Ok(target)) => {
                    if output.send(target).await.is_err() {
                        return;
                    }
                }
                Ok(Err(e)) => tracing::warn!("a link was not taken: {e}"),
                Err(_) => tracing::warn!("a link sender went quiet"),
            }
        }
    })
}

#[cfg(not(unix))]
pub fn listen(_path: PathBuf) -> impl iced::futures::Stream<Item = String> {
    iced::futures::stream::empty()
}

#[cfg(unix)]
fn bind(path: &Path) -> io::Result<tokio::net::UnixListener> {
    if let Some(dir) = path.parent() {
        if !dir.exists() {
            use std::os::unix::fs::DirBuilderExt;
            // Only we may talk to our window.
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
    }
    match tokio::net::UnixListener::bind(path) {
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    "another Tincan window takes the links",
                ));
            }
            tracing::info!("{}: replacing a stale socket", path.display());
            std::fs::remove_file(path)?;
            tokio::net::UnixListener::bind(path)
        }
        other => other,
    }
}

/// Reads one `dial <uri>` line and answers it.
#[cfg(unix)]
async fn serve(stream: tokio::net::UnixStream) -> io::Result<String> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read.take(MAX_LINE as u64))
        .read_line(&mut line)
        .await?;
    let taken = line.trim_end().strip_prefix("dial ").and_then(target);
    match taken {
        Some(target) => {
            write.write_all(b"ok\n").await?;
            Ok(target)
        }
        None => {
            write.write_all(b"error not a link\n").await?;
            Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "not a link: {:?}",
                    line.chars().take(80).collect::<String>()
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_become_targets() {
        assert_eq!(
            target("sip:alice@example.com").as_deref(),
            Some("sip:alice@example.com")
        );
        assert_eq!(
            target("SIPS:bob@example.com").as_deref(),
            Some("sips:bob@example.com")
        );
        assert_eq!(target("tel:+4930123").as_deref(), Some("tel:+4930123"));
        assert_eq!(
            target("callto:alice@example.com").as_deref(),
            Some("sip:alice@example.com")
        );
        assert_eq!(target("callto://+4930123").as_deref(), Some("tel:+4930123"));
        assert_eq!(target("http://example.com"), None);
        assert_eq!(target("sip:"), None);
        assert_eq!(target("sip:a b@c"), None);
        assert_eq!(target("--config"), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_second_process_hands_its_link_to_the_listening_window() {
        use iced::futures::StreamExt;
        let dir = std::env::temp_dir().join(format!("tincan-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("sub").join("tincan.sock");
        assert!(matches!(
            forward(&path, "sip:a@b"),
            Err(ForwardError::NotRunning)
        ));
        // A stale socket file (a window that died) is replaced.
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut links = Box::pin(listen(path.clone()));
            let sender = {
                let path = path.clone();
                tokio::task::spawn_blocking(move || {
                    // Until the listener is up, the socket is stale.
                    for _ in 0..100 {
                        match forward(&path, "callto:bob@example.com") {
                            Err(ForwardError::NotRunning) => {
                                std::thread::sleep(Duration::from_millis(20));
                            }
                            other => return other,
                        }
                    }
                    Err(ForwardError::NotRunning)
                })
            };
            let got = tokio::time::timeout(Duration::from_secs(5), links.next())
                .await
                .unwrap();
            assert_eq!(got.as_deref(), Some("sip:bob@example.com"));
            sender.await.unwrap().unwrap();
        });
        let _ = std::fs::remove_dir_all(&dir);
    }
}
