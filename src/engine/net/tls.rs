//! TLS for SIP (RFC 3261 §26.3.1, RFC 5922 §7.1): rustls with the system's roots plus the CA
//! files accounts name, server certificates checked against the name we meant to reach (the
//! URI's host, or the IP address of an IP-literal URI), SNI for DNS names.
//!
//! One client configuration serves every account: a CA file an account names is trusted for
//! the engine's TLS connections as a whole (documented in the README).

use super::stream::TlsStart;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

/// The TLS client side: trusted roots, ready to open sessions.
#[derive(Clone)]
pub struct TlsClient {
    config: Arc<ClientConfig>,
    /// For P2P addresses: the server proves the key in the address, we prove ours.
    p2p: Arc<ClientConfig>,
}

impl std::fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsClient").finish_non_exhaustive()
    }
}

/// What loading the trusted roots found.
#[derive(Debug)]
pub struct Loaded {
    /// The client.
    pub client: TlsClient,
    /// How many roots came from the system.
    pub system_roots: usize,
    /// Problems worth a warning (unreadable CA file, system store errors); none is fatal.
    pub warnings: Vec<String>,
}

impl TlsClient {
    /// Loads the system's roots and each CA file (PEM). Blocking file I/O: call it from
    /// `spawn_blocking`, never on the engine task. `Err` only if the crypto provider cannot
    /// build a configuration at all.
    pub fn load(ca_files: &[PathBuf], system: bool) -> Result<Loaded, rustls::Error> {
        let mut roots = RootCertStore::empty();
        let mut warnings = Vec::new();
        let mut system_roots = 0;
        if system {
            let found = rustls_native_certs::load_native_certs();
            for e in found.errors {
                warnings.push(format!("system certificate store: {e}"));
            }
            let (added, ignored) = roots.add_parsable_certificates(found.certs);
            system_roots = added;
            if ignored > 0 {
                warnings.push(format!("{ignored} system certificates could not be used"));
            }
        }
        for path in ca_files {
            match load_pem(path) {
                Ok(certs) if certs.is_empty() => {
                    warnings.push(format!("CA file {}: no certificate in it", path.display()));
                }
                Ok(certs) => {
                    let (_, ignored) = roots.add_parsable_certificates(certs);
                    if ignored > 0 {
                        let file = path.display();
                        warnings.push(format!("CA file {file}: {ignored} certificates unusable"));
                    }
                }
                Err(e) => warnings.push(format!("CA file {}: {e}", path.display())),
            }
        }
        let config =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()?
                .with_root_certificates(roots)
                .with_no_client_auth();
        Ok(Loaded {
            client: TlsClient {
                config: Arc::new(config),
                p2p: Arc::new(super::identity_tls::client_config(None)?),
            },
            system_roots,
            warnings,
        })
    }

    /// Presents `keypair`'s identity certificate on connections to P2P addresses.
    pub fn with_identity(mut self, keypair: &pkarr::Keypair) -> Result<TlsClient, rustls::Error> {
        self.p2p = Arc::new(super::identity_tls::client_config(Some(keypair))?);
        Ok(self)
    }

    /// What a new connection to `addr` needs: the name to check (the host we meant, or the
    /// address itself).
    pub(super) fn connector(&self, addr: SocketAddr, name: Option<&str>) -> io::Result<TlsStart> {
        let server_name = match name {
            Some(name) => ServerName::try_from(name.to_owned()).map_err(|e| {
                io::Error::new(io::ErrorKind::InvalidInput, format!("{name:?}: {e}"))
            })?,
            None => ServerName::IpAddress(addr.ip().into()),
        };
        // A P2P address: the certificate must hold the key the name spells.
        let config = match name.and_then(crate::p2p::record::key_of_name) {
            Some(_) => self.p2p.clone(),
            None => self.config.clone(),
        };
        Ok(TlsStart {
            connector: TlsConnector::from(config),
            server_name,
        })
    }
}

/// Reads every certificate of a PEM file.
fn load_pem(path: &PathBuf) -> Result<Vec<CertificateDer<'static>>, String> {
    let iter = CertificateDer::pem_file_iter(path).map_err(|e| e.to_string())?;
    iter.collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
}
