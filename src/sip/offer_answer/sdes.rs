//! SDES keying for SRTP (RFC 4568): our `a=crypto` lines in an offer (§6.1), picking one of
//! the offerer's lines for an answer (§6.1, §7.1.1) and reading the answer's (§7.1.2).
//!
//! Only the `inline:` key method with a 30-octet master key and salt, no MKI and no session
//! parameters are used; any other line is skipped as RFC 4568 §6.1 asks of lines an
//! answerer does not understand. The keys travel in clear SDP, so the caller offers SRTP
//! only when signalling is protected (TLS).

use crate::media::srtp::{MASTER_LEN, Suite};
use crate::sip::sdp::{Attribute, Crypto, MediaDescription};
use std::fmt;

/// The transport profile of SRTP (RFC 3711 §12).
pub(crate) const SECURE_PROFILE: &str = "RTP/SAVP";

/// A master key and salt (RFC 3711 §8.1). Its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey(pub [u8; MASTER_LEN]);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

/// What SDES settled for a stream: the suite, our key (we send with it) and the peer's
/// (it sends with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrtpKeys {
    /// The crypto suite.
    pub suite: Suite,
    /// Our master key and salt: protects what we send.
    pub local: MasterKey,
    /// The peer's: protects what it sends.
    pub remote: MasterKey,
}

/// Our `a=crypto` lines for an offer: each suite we support, in our order of preference,
/// tags from 1 (RFC 4568 §6.1). One master key serves every line: only one is used.
pub(crate) fn offer_lines(key: &MasterKey) -> Vec<Attribute> {
    Suite::ALL
        .iter()
        .zip(1u32..)
        .map(|(suite, tag)| Attribute::Crypto(line(tag, *suite, key)))
        .collect()
}

fn line(tag: u32, suite: Suite, key: &MasterKey) -> Crypto {
    Crypto {
        tag,
        suite: suite.name().to_owned(),
        key_params: vec![format!("inline:{}", base64_encode(&key.0))],
        session_params: Vec::new(),
    }
}

/// A line we can use: a suite we know, one inline key of the right length, no MKI, no
/// lifetime shorter than 2^31 packets, no session parameters.
fn usable(crypto: &Crypto) -> Option<(Suite, MasterKey)> {
    let suite = Suite::from_name(&crypto.suite)?;
    if !crypto.session_params.is_empty() || crypto.key_params.len() != 1 {
        return None;
    }
    let key = crypto.inline_keys().next()?;
    if key.mki.is_some()
        || key
            .lifetime
            .is_some_and(|_| key.lifetime_packets() < Some(1 << 31))
    {
        return None;
    }
    let bytes: [u8; MASTER_LEN] = base64_decode(key.key_salt)?.try_into().ok()?;
    Some((suite, MasterKey(bytes)))
}

fn crypto_lines(section: &MediaDescription) -> impl Iterator<Item = &Crypto> {
    section.attributes.iter().filter_map(|a| match a {
        Attribute::Crypto(c) => Some(c),
        _ => None,
    })
}

/// RFC 4568 §7.1.1: the first offered line we can use, answered with the same tag and
/// suite and our key; `None` when no line is usable (the stream must then be refused).
pub(crate) fn answer_line(
    offered: &MediaDescription,
    key: &MasterKey,
) -> Option<(Attribute, SrtpKeys)> {
    crypto_lines(offered).find_map(|c| {
        let (suite, remote) = usable(c)?;
        let keys = SrtpKeys {
            suite,
            local: key.clone(),
            remote,
        };
        Some((Attribute::Crypto(line(c.tag, suite, key)), keys))
    })
}

/// RFC 4568 §7.1.2: the answer's line must name one of our tags with its suite.
pub(crate) fn read_answer(answered: &MediaDescription, key: &MasterKey) -> Option<SrtpKeys> {
    crypto_lines(answered).find_map(|c| {
        let (suite, remote) = usable(c)?;
        let ours = Suite::ALL
            .iter()
            .zip(1u32..)
            .any(|(s, t)| *s == suite && t == c.tag);
        ours.then(|| SrtpKeys {
            suite,
            local: key.clone(),
            remote,
        })
    })
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// RFC 4648 §4 base64 with padding (RFC 4568 §6.1 keys).
pub(crate) fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes RFC 4648 §4 base64 (padding optional); `None` on any other character.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = BASE64.iter().position(|b| *b == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64_encode(plain.as_bytes()), encoded);
            assert_eq!(base64_decode(encoded).unwrap(), plain.as_bytes());
        }
        assert_eq!(base64_decode("Zm9v!"), None);
    }

    #[test]
    fn rfc_4568_example_key_is_usable() {
        // RFC 4568 §4's example line.
        let c = Crypto::parse(
            "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4",
        )
        .unwrap();
        // With an MKI: skipped.
        assert_eq!(usable(&c), None);
        let c = Crypto::parse(
            "1 AES_CM_128_HMAC_SHA1_32 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
        )
        .unwrap();
        let (suite, key) = usable(&c).unwrap();
        assert_eq!(suite, Suite::AesCm128HmacSha1_32);
        assert_eq!(
            base64_encode(&key.0),
            "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
        );
        assert_eq!(format!("{key:?}"), "MasterKey(..)");
        for bad in [
            "1 F8_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
            "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVe",
            "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR UNENCRYPTED_SRTP",
        ] {
            assert_eq!(usable(&Crypto::parse(bad).unwrap()), None, "{bad}");
        }
    }
}
