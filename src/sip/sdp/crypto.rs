//! `a=crypto` (RFC 4568 §9): SDES keying for SRTP.

use std::fmt;

use super::parse::digits;

/// `a=crypto:<tag> <crypto-suite> <key-params> [<session-param> ...]` (RFC 4568 §9.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crypto {
    /// Tag the answerer echoes to say which offered line it accepted (RFC 4568 §6.1).
    pub tag: u32,
    /// Suite such as "AES_CM_128_HMAC_SHA1_80".
    pub suite: String,
    /// The `;`-separated key-params, each verbatim (`inline:<key||salt>[|lifetime][|mki:len]`).
    pub key_params: Vec<String>,
    /// Session parameters such as "KDR=1" or "UNENCRYPTED_SRTCP", verbatim.
    pub session_params: Vec<String>,
}

/// The parts of an `inline:` key-param (RFC 4568 §9.2: `key-salt ["|" lifetime] ["|" mki]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InlineKey<'a> {
    /// Base64 of the concatenated master key and salt.
    pub key_salt: &'a str,
    /// Master key lifetime, e.g. "2^20" or "1048576".
    pub lifetime: Option<&'a str>,
    /// Master key identifier.
    pub mki: Option<Mki<'a>>,
}

/// `mki = mki-value ":" mki-length` (RFC 4568 §9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mki<'a> {
    /// The MKI value, decimal.
    pub value: &'a str,
    /// Its length in bytes on the wire, decimal 1..=128.
    pub length: &'a str,
}

impl Crypto {
    /// RFC 4568 §9.1; `None` when the value does not fit, so the caller keeps it verbatim.
    pub(crate) fn parse(value: &str) -> Option<Self> {
        // RFC 4568 §9.1 separates fields by 1*WSP, so any run of blanks will do.
        let mut fields = value.split_whitespace();
        let tag = digits(fields.next()?)?;
        let suite = fields.next()?.to_owned();
        let key_params = fields.next()?.split(';').map(str::to_owned).collect();
        let session_params = fields.map(str::to_owned).collect();
        Some(Self {
            tag,
            suite,
            key_params,
            session_params,
        })
    }

    /// The `inline:` key-params, split into key, lifetime and MKI.
    pub fn inline_keys(&self) -> impl Iterator<Item = InlineKey<'_>> {
        self.key_params.iter().filter_map(|p| InlineKey::parse(p))
    }
}

impl fmt::Display for Crypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.tag,
            self.suite,
            self.key_params.join(";")
        )?;
        for param in &self.session_params {
            write!(f, " {param}")?;
        }
        Ok(())
    }
}

impl<'a> InlineKey<'a> {
    /// Splits one key-param; `None` unless it uses the `inline` method with a non-empty key.
    pub fn parse(key_param: &'a str) -> Option<Self> {
        let info = key_param.strip_prefix("inline:")?;
        let mut parts = info.split('|');
        let key_salt = parts.next().filter(|k| !k.is_empty())?;
        let mut key = Self {
            key_salt,
            lifetime: None,
            mki: None,
        };
        // Lifetime and MKI are both optional; only the MKI contains a colon, which is how
        // RFC 4568 §9.2 keeps `key|mki` apart from `key|lifetime`.
        for part in parts {
            match part.split_once(':') {
                Some((value, length)) if key.mki.is_none() => key.mki = Some(Mki { value, length }),
                None if key.lifetime.is_none() && key.mki.is_none() => key.lifetime = Some(part),
                _ => return None,
            }
        }
        Some(key)
    }

    /// The lifetime in packets, expanding the `2^n` form (RFC 4568 §6.1); `None` if absent
    /// or unrepresentable.
    pub fn lifetime_packets(&self) -> Option<u64> {
        let lifetime = self.lifetime?;
        match lifetime.strip_prefix("2^") {
            Some(exp) => 1u64.checked_shl(digits(exp)?),
            None => digits(lifetime),
        }
    }
}
