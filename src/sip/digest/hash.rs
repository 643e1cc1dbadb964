//! The hash functions behind the Digest algorithms (RFC 7616 §3.3 `H(data)` and
//! `KD(secret, data)`; RFC 8760 §2.1) and their lowercase hex form (RFC 7616 §3.2,
//! RFC 8760 §2.2).

use md5::Md5;
use sha2::{Digest, Sha256, Sha512_256};

/// The unkeyed hash `H` of an algorithm; `-sess` variants share their base's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashFn {
    Md5,
    Sha256,
    Sha512_256,
}

impl HashFn {
    /// `H(p0 ":" p1 ":" ... )` in lowercase hex. Feeding the parts one by one means the
    /// password is never copied into a joined string.
    pub(crate) fn hex(self, parts: &[&[u8]]) -> String {
        match self {
            HashFn::Md5 => joined_hex::<Md5>(parts),
            HashFn::Sha256 => joined_hex::<Sha256>(parts),
            HashFn::Sha512_256 => joined_hex::<Sha512_256>(parts),
        }
    }
}

fn joined_hex<D: Digest>(parts: &[&[u8]]) -> String {
    let mut d = D::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            d.update(b":");
        }
        d.update(part);
    }
    to_hex(&d.finalize())
}

/// RFC 7616 §3.2: most significant nibble first, digits `0123456789abcdef`.
fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_body_hashes() {
        // RFC 3261 §22.4 item 7 and RFC 8760 §2.6 item 7: H("") for an empty body.
        assert_eq!(HashFn::Md5.hex(&[b""]), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            HashFn::Sha256.hex(&[b""]),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn parts_are_joined_with_colons() {
        assert_eq!(HashFn::Md5.hex(&[b"a", b"b"]), HashFn::Md5.hex(&[b"a:b"]));
        assert_eq!(HashFn::Md5.hex(&[]), HashFn::Md5.hex(&[b""]));
    }

    #[test]
    fn sha512_256_is_the_truncated_variant() {
        // SHA-512/256("abc"), FIPS 180-4 example; cross-checked with
        // python3 -c "import hashlib; print(hashlib.new('sha512_256', b'abc').hexdigest())"
        assert_eq!(
            HashFn::Sha512_256.hex(&[b"abc"]),
            "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"
        );
    }
}
