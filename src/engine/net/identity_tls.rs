//! TLS that proves P2P identities (issue 7): both ends present the self-signed certificate of
//! their ed25519 identity key ([`crate::p2p::certificate`]) and sign the TLS 1.3 handshake
//! with it (RFC 8446 §4.4.3), so a connection to `sip:<handle>@<key>` reaches the holder of
//! that key and nobody else.
//!
//! - As a client (calls to a P2P address) the server name is the z-base32 key; [`KeyVerifier`]
//!   accepts exactly the certificate whose key equals it, and checks the handshake signature
//!   against that key. We present our own identity certificate (mutual TLS).
//! - As a server (our TLS listener) we present our certificate; [`AnyIdentity`] asks for a
//!   client certificate without requiring one (ordinary phones have none), accepts any
//!   self-signed ed25519 one, and the connection then carries the key it proved.
//!
//! Only TLS 1.3 and no session resumption: every connection is a full handshake, so every
//! connection proves its key afresh.

use crate::p2p::certificate::{self, CertificateError};
use crate::p2p::record;
use pkarr::{Keypair, PublicKey};
use std::sync::Arc;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::crypto::{
    CryptoProvider, WebPkiSupportedAlgorithms, verify_tls13_signature_with_raw_key,
};
use tokio_rustls::rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, SubjectPublicKeyInfoDer,
    UnixTime,
};
use tokio_rustls::rustls::server::NoServerSessionStorage;
use tokio_rustls::rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use tokio_rustls::rustls::{
    self, CertificateError as TlsCertificateError, ClientConfig, DigitallySignedStruct,
    DistinguishedName, OtherError, ServerConfig, SignatureScheme,
};

/// The reason a call to a P2P address fails when the far end holds another key.
pub const KEY_MISMATCH: &str = "peer's identity key does not match the address";

/// Why the far end's certificate was refused.
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error("{KEY_MISMATCH}")]
    Mismatch,
    #[error("the server name is not a P2P key")]
    NotAKey,
    #[error("{0}")]
    Certificate(#[from] CertificateError),
}

fn refuse(why: Refused) -> rustls::Error {
    rustls::Error::InvalidCertificate(TlsCertificateError::Other(OtherError(Arc::new(why))))
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Checks a TLS 1.3 handshake signature against the key in `cert`.
fn verify_signature(
    algorithms: &WebPkiSupportedAlgorithms,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    let key = certificate::key_of(cert).map_err(|e| refuse(e.into()))?;
    let spki = SubjectPublicKeyInfoDer::from(certificate::spki(&key));
    verify_tls13_signature_with_raw_key(message, &spki, dss, algorithms)
}

/// Our certificate and its signing key, for rustls.
fn our_certificate(keypair: &Keypair) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let cert = CertificateDer::from(certificate::self_signed(keypair));
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certificate::pkcs8(keypair)));
    (vec![cert], key)
}

/// The client configuration for connections to P2P addresses: the server must prove the
/// key named as server name; we prove ours when we have one.
pub fn client_config(identity: Option<&Keypair>) -> Result<ClientConfig, rustls::Error> {
    let provider = provider();
    let verifier = KeyVerifier {
        algorithms: provider.signature_verification_algorithms,
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let mut config = match identity {
        Some(keypair) => {
            let (chain, key) = our_certificate(keypair);
            builder.with_client_auth_cert(chain, key)?
        }
        None => builder.with_no_client_auth(),
    };
    config.resumption = rustls::client::Resumption::disabled();
    Ok(config)
}

/// The server configuration of our TLS listener: our identity certificate; client
/// certificates optional, any self-signed ed25519 one accepted.
pub fn server_config(identity: &Keypair) -> Result<ServerConfig, rustls::Error> {
    let provider = provider();
    let verifier = AnyIdentity {
        algorithms: provider.signature_verification_algorithms,
    };
    let (chain, key) = our_certificate(identity);
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(chain, key)?;
    config.session_storage = Arc::new(NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    Ok(config)
}

/// A failed TLS handshake in words: our own refusals (a key that does not match the
/// address) as we wrote them, anything else as rustls says it.
pub fn describe(error: &std::io::Error) -> String {
    let inner = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    match inner {
        Some(rustls::Error::InvalidCertificate(TlsCertificateError::Other(other))) => {
            other.0.to_string()
        }
        _ => error.to_string(),
    }
}

/// The identity key a connection's peer proved (its first certificate's), if any.
pub fn peer_key(certificates: Option<&[CertificateDer<'_>]>) -> Option<PublicKey> {
    let first = certificates?.first()?;
    certificate::key_of(first).ok()
}

/// Accepts exactly the certificate of the key named as server name (see the module docs).
#[derive(Debug)]
struct KeyVerifier {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for KeyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let ServerName::DnsName(name) = server_name else {
            return Err(refuse(Refused::NotAKey));
        };
        let expected = record::key_of_name(name.as_ref()).ok_or(refuse(Refused::NotAKey))?;
        let presented = certificate::key_of(end_entity).map_err(|e| refuse(e.into()))?;
        if presented != expected {
            tracing::warn!("TLS: {KEY_MISMATCH}: expected {expected}, got {presented}");
            return Err(refuse(Refused::Mismatch));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        // The configuration allows TLS 1.3 only.
        Err(rustls::Error::General("TLS 1.2 is not used for P2P".into()))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_signature(&self.algorithms, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }
}

/// Accepts any self-signed ed25519 client certificate, or none (see the module docs).
#[derive(Debug)]
struct AnyIdentity {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnyIdentity {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        certificate::key_of(end_entity)
            .map(|_| ClientCertVerified::assertion())
            .map_err(|e| {
                tracing::warn!("TLS: refused a client certificate: {e}");
                refuse(e.into())
            })
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("TLS 1.2 is not used for P2P".into()))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_signature(&self.algorithms, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }
}
