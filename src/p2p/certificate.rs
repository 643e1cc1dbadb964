//! The X.509 certificate that proves our P2P identity over TLS, sans-IO (STYLE.md habit 1).
//!
//! A P2P address names an ed25519 public key; a TLS peer proves it holds that key by signing
//! the handshake with it (TLS 1.3 CertificateVerify, RFC 8446 §4.4.3). The certificate that
//! carries the key is self-signed, with the identity key as its subject public key (RFC 8410
//! §4) and as its signing key (RFC 8410 §6): nothing in it but the key is trusted. It is built
//! here from the key pair in memory at start-up and never written anywhere.
//!
//! [`key_of`] reads the key back from a peer's certificate with a strict DER walk of the
//! RFC 5280 §4.1 structure (no search for byte patterns: a key hidden in an extension must not
//! count) and checks the self-signature; the TLS layer then checks the handshake signature
//! against exactly that key.

use pkarr::{Keypair, PublicKey};

/// `id-Ed25519` (RFC 8410 §3), as a DER AlgorithmIdentifier: `SEQUENCE { OID 1.3.101.112 }`.
const ED25519_ALGORITHM: [u8; 7] = [0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];
/// The DER SubjectPublicKeyInfo of an ed25519 key up to the 32 key bytes (RFC 8410 §4).
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
/// The PKCS #8 v1 OneAsymmetricKey of an ed25519 secret up to its 32 bytes (RFC 8410 §7).
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];
/// The common name of issuer and subject (any name would do: only the key is trusted).
const COMMON_NAME: &str = "tincan p2p identity";

/// Why a peer's certificate proves no identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The DER does not have the shape of an X.509 certificate.
    #[error("not a well-formed X.509 certificate ({0})")]
    Malformed(&'static str),
    /// Its key or signature is not ed25519.
    #[error("the certificate's key is not an ed25519 key")]
    NotEd25519,
    /// It is not signed by its own key.
    #[error("the certificate is not self-signed by its key")]
    BadSignature,
}

/// Our self-signed certificate (DER) for `keypair`. Deterministic: the same key always
/// gives the same certificate (ed25519 signatures are deterministic, RFC 8032 §5.1.6).
pub fn self_signed(keypair: &Keypair) -> Vec<u8> {
    let key = keypair.public_key().to_bytes();
    let tbs = tbs_certificate(&key);
    let signature = keypair.sign(&tbs).to_bytes();
    let mut bits = vec![0u8]; // no unused bits
    bits.extend_from_slice(&signature);
    let mut body = tbs;
    body.extend_from_slice(&ED25519_ALGORITHM);
    body.extend(der(0x03, &bits));
    der(0x30, &body)
}

/// The secret key as PKCS #8 v1 DER, what rustls' ring provider loads for signing. The
/// caller keeps it in memory only.
pub fn pkcs8(keypair: &Keypair) -> Vec<u8> {
    let mut out = PKCS8_PREFIX.to_vec();
    out.extend_from_slice(&keypair.secret_key());
    out
}

/// The DER SubjectPublicKeyInfo of `key` (what a raw-key signature check takes).
pub fn spki(key: &PublicKey) -> Vec<u8> {
    let mut out = SPKI_PREFIX.to_vec();
    out.extend_from_slice(key.as_bytes());
    out
}

/// RFC 5280 §4.1.1.1: tbsCertificate, version 3, no extensions.
fn tbs_certificate(key: &[u8; 32]) -> Vec<u8> {
    let name = {
        let attribute = [
            der(0x06, &[0x55, 0x04, 0x03]),
            der(0x0c, COMMON_NAME.as_bytes()),
        ];
        der(0x30, &der(0x31, &der(0x30, &attribute.concat())))
    };
    // §4.1.2.2: a positive serial of at most 20 octets; taken from the key so it is stable.
    let mut serial = key[..8].to_vec();
    serial[0] = (serial[0] & 0x7f) | 0x40;
    // §4.1.2.5: UTCTime through 2049, GeneralizedTime 99991231235959Z for "no end".
    let validity = [der(0x17, b"250101000000Z"), der(0x18, b"99991231235959Z")].concat();
    let mut spki = SPKI_PREFIX.to_vec();
    spki.extend_from_slice(key);
    let body = [
        der(0xa0, &der(0x02, &[2])),
        der(0x02, &serial),
        ED25519_ALGORITHM.to_vec(),
        name.clone(),
        der(0x30, &validity),
        name,
        spki,
    ]
    .concat();
    der(0x30, &body)
}

/// One DER TLV with a definite length (X.690 §8.1.3).
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// A DER reader over one level of a structure.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// The next TLV: its tag, its content and the whole encoding.
    fn next(&mut self) -> Result<(u8, &'a [u8], &'a [u8]), CertificateError> {
        let bad = CertificateError::Malformed;
        let all = self.rest;
        let [tag, first, ..] = *all else {
            return Err(bad("truncated"));
        };
        let (len, header) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || all.len() < 2 + count {
                return Err(bad("bad length"));
            }
            let len = all[2..2 + count]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, 2 + count)
        };
        let end = header.checked_add(len).ok_or(bad("bad length"))?;
        if all.len() < end {
            return Err(bad("truncated"));
        }
        self.rest = &all[end..];
        Ok((tag, &all[header..end], &all[..end]))
    }

    /// The next TLV, which must have `tag`; returns its content and whole encoding.
    fn expect(
        &mut self,
        tag: u8,
        what: &'static str,
    ) -> Result<(&'a [u8], &'a [u8]), CertificateError> {
        match self.next()? {
            (t, content, whole) if t == tag => Ok((content, whole)),
            _ => Err(CertificateError::Malformed(what)),
        }
    }
}

/// The ed25519 key of a self-signed certificate (RFC 5280 §4.1, RFC 8410), after checking
/// that the key signed it.
pub fn key_of(certificate: &[u8]) -> Result<PublicKey, CertificateError> {
    let (outer, _) = Reader { rest: certificate }.expect(0x30, "certificate")?;
    let mut cert = Reader { rest: outer };
    let (tbs, tbs_whole) = cert.expect(0x30, "tbsCertificate")?;
    let (_, algorithm) = cert.expect(0x30, "signatureAlgorithm")?;
    let (bits, _) = cert.expect(0x03, "signatureValue")?;
    let mut fields = Reader { rest: tbs };
    let (mut tag, _, _) = fields.next()?;
    if tag == 0xa0 {
        tag = fields.next()?.0; // the explicit version; then the serial
    }
    if tag != 0x02 {
        return Err(CertificateError::Malformed("serialNumber"));
    }
    let (_, inner_algorithm) = fields.expect(0x30, "signature")?;
    fields.expect(0x30, "issuer")?;
    fields.expect(0x30, "validity")?;
    fields.expect(0x30, "subject")?;
    let (_, spki) = fields.expect(0x30, "subjectPublicKeyInfo")?;
    if algorithm != ED25519_ALGORITHM
        || inner_algorithm != ED25519_ALGORITHM
        || spki.len() != SPKI_PREFIX.len() + 32
        || spki[..SPKI_PREFIX.len()] != SPKI_PREFIX
    {
        return Err(CertificateError::NotEd25519);
    }
    let key = &spki[SPKI_PREFIX.len()..];
    let [0, signature @ ..] = bits else {
        return Err(CertificateError::Malformed("signatureValue"));
    };
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, key)
        .verify(tbs_whole, signature)
        .map_err(|_| CertificateError::BadSignature)?;
    PublicKey::try_from(key).map_err(|_| CertificateError::NotEd25519)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keypair(seed: u8) -> Keypair {
        Keypair::from_secret_key(&[seed; 32])
    }

    #[test]
    fn our_certificate_gives_back_our_key() {
        let me = keypair(1);
        let cert = self_signed(&me);
        assert_eq!(key_of(&cert), Ok(me.public_key()));
        assert_eq!(self_signed(&me), cert, "deterministic");
        assert_ne!(key_of(&self_signed(&keypair(2))), Ok(me.public_key()));
    }

    #[test]
    fn the_certificate_parses_as_x509_for_webpki() {
        let me = keypair(3);
        let der = rustls::pki_types::CertificateDer::from(self_signed(&me));
        let parsed = rustls::server::ParsedCertificate::try_from(&der)
            .expect("rustls-webpki parses our certificate");
        assert_eq!(
            parsed.subject_public_key_info().as_ref(),
            &spki(&me.public_key())[..]
        );
    }

    #[test]
    fn a_tampered_certificate_is_refused() {
        let me = keypair(4);
        let other = keypair(5).public_key();
        let mut cert = self_signed(&me);
        // Swap the key for another one: the self-signature no longer holds.
        let at = cert
            .windows(32)
            .position(|w| w == me.public_key().as_bytes())
            .expect("key in certificate");
        cert[at..at + 32].copy_from_slice(other.as_bytes());
        assert_eq!(key_of(&cert), Err(CertificateError::BadSignature));
        // Garbage and truncation: errors, never a panic.
        let good = self_signed(&me);
        for len in 0..good.len() {
            assert!(key_of(&good[..len]).is_err(), "truncated to {len}");
        }
        assert!(key_of(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
    }

    #[test]
    fn pkcs8_loads_in_rustls() {
        let me = keypair(6);
        let der = rustls::pki_types::PrivatePkcs8KeyDer::from(pkcs8(&me));
        let key = rustls::crypto::ring::sign::any_eddsa_type(&der).expect("an ed25519 key");
        assert_eq!(key.algorithm(), rustls::SignatureAlgorithm::ED25519);
        assert_eq!(spki(&me.public_key()).len(), 44);
    }
}
