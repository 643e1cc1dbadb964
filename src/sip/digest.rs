//! Digest authentication for a UAC: reading challenges, computing credentials and deciding
//! when to retry (RFC 3261 §22.2, §22.3, §22.4; RFC 7616 §3.3, §3.4; RFC 8760 §2).
//!
//! Pure arithmetic and bookkeeping over [`AuthValue`]s: the cnonce is supplied by the caller
//! (the engine owns the RNG), nothing here reads a clock or does I/O.
//!
//! - [`DigestChallenge`] is a parsed `WWW-Authenticate`/`Proxy-Authenticate` Digest value and
//!   [`select_challenge`] picks the strongest one we support (RFC 8760 §2.4).
//! - [`respond`] computes the `Authorization`/`Proxy-Authorization` value (RFC 7616 §3.4.1).
//! - [`DigestSession`] is the per-account state: last challenge per realm, nonce counts, and the
//!   "never loop on bad credentials" rule of RFC 3261 §22.2/§22.3 and RFC 7616 §3.3 (`stale`).

mod hash;
mod response;
mod session;

pub use response::{DigestCredentials, respond};
pub use session::{AuthFailure, ChallengeOutcome, DigestSession};

use crate::sip::headers::AuthValue;
use crate::sip::text::Text;
use hash::HashFn;
use std::fmt;
use std::str::FromStr;

/// Why a challenge cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// The scheme is not `Digest` (RFC 3261 §22.4 forbids Basic; others are unknown).
    #[error("authentication scheme {scheme:?} is not Digest")]
    NotDigest {
        /// The scheme as written.
        scheme: String,
    },
    /// A parameter the challenge must carry is absent (RFC 7616 §3.3).
    #[error("Digest challenge lacks the {name} parameter")]
    MissingParam {
        /// `realm` or `nonce`.
        name: &'static str,
    },
    /// The `algorithm` is not one we implement (RFC 7616 §3.3: ignore the challenge).
    #[error("unsupported Digest algorithm {algorithm:?}")]
    UnsupportedAlgorithm {
        /// The algorithm token as written.
        algorithm: String,
    },
    /// A `qop` was offered but none of its values is `auth` or `auth-int`.
    #[error("no supported qop in {qop:?}")]
    UnsupportedQop {
        /// The `qop` list as written.
        qop: String,
    },
    /// A `-sess` algorithm without `qop`: A1 needs a cnonce, which may only be sent with a
    /// qop (RFC 3261 §22.4 item 8).
    #[error("{algorithm} requires a qop, and the challenge offers none")]
    SessionWithoutQop {
        /// The `-sess` algorithm.
        algorithm: Algorithm,
    },
}

/// A Digest `algorithm` (RFC 7616 §3.3, RFC 8760 §2.1, §2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `MD5`, the default when the parameter is absent.
    Md5,
    /// `MD5-sess`.
    Md5Sess,
    /// `SHA-256`.
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
    /// `SHA-512-256` (SHA-512/256).
    Sha512_256,
    /// `SHA-512-256-sess`.
    Sha512_256Sess,
}

impl Algorithm {
    const ALL: [Algorithm; 6] = [
        Algorithm::Md5,
        Algorithm::Md5Sess,
        Algorithm::Sha256,
        Algorithm::Sha256Sess,
        Algorithm::Sha512_256,
        Algorithm::Sha512_256Sess,
    ];

    /// The registered name, as it is printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
            Algorithm::Sha512_256 => "SHA-512-256",
            Algorithm::Sha512_256Sess => "SHA-512-256-sess",
        }
    }

    /// Parses an `algorithm` token, case-insensitively; `None` for anything else.
    pub fn from_token(token: &str) -> Option<Algorithm> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(token))
    }

    /// Whether this is a `-sess` variant (A1 includes nonce and cnonce, RFC 7616 §3.4.2).
    pub fn is_session(self) -> bool {
        matches!(
            self,
            Algorithm::Md5Sess | Algorithm::Sha256Sess | Algorithm::Sha512_256Sess
        )
    }

    /// Preference rank, higher is stronger: SHA-512-256 > SHA-256 > MD5. A `-sess` variant
    /// ranks with its base, since the hash is what protects the password.
    pub fn strength(self) -> u8 {
        match self.hash_fn() {
            HashFn::Md5 => 1,
            HashFn::Sha256 => 2,
            HashFn::Sha512_256 => 3,
        }
    }

    fn hash_fn(self) -> HashFn {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => HashFn::Md5,
            Algorithm::Sha256 | Algorithm::Sha256Sess => HashFn::Sha256,
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => HashFn::Sha512_256,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::from_token(s).ok_or_else(|| DigestError::UnsupportedAlgorithm {
            algorithm: s.to_owned(),
        })
    }
}

/// A quality of protection (RFC 7616 §3.3 `qop`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Qop {
    /// `auth`: authentication only.
    Auth,
    /// `auth-int`: authentication and integrity of the body.
    AuthInt,
}

impl Qop {
    /// The token as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Qop::Auth => "auth",
            Qop::AuthInt => "auth-int",
        }
    }

    /// Parses a qop token, case-insensitively.
    pub fn from_token(token: &str) -> Option<Qop> {
        [Qop::Auth, Qop::AuthInt]
            .into_iter()
            .find(|q| q.as_str().eq_ignore_ascii_case(token))
    }
}

impl fmt::Display for Qop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Digest challenge we can answer (RFC 7616 §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestChallenge {
    /// The protection space; credentials are kept per realm.
    pub realm: Text,
    /// The server nonce.
    pub nonce: Text,
    /// Echoed back unchanged when present.
    pub opaque: Option<Text>,
    /// The algorithm (MD5 when the challenge names none).
    pub algorithm: Algorithm,
    /// Whether the challenge named the algorithm; then the response names it too.
    pub algorithm_named: bool,
    /// The supported qop values offered, in the server's order; empty when no `qop` was
    /// sent (the RFC 2069 compatibility form).
    pub qop: Vec<Qop>,
    /// `stale=true`: the nonce expired but the credentials were fine.
    pub stale: bool,
    /// `userhash=true`: send `H(username ":" realm)` instead of the username (§3.4.4).
    pub userhash: bool,
}

impl DigestChallenge {
    /// Reads a `WWW-Authenticate`/`Proxy-Authenticate` value.
    pub fn from_header(value: &AuthValue) -> Result<Self, DigestError> {
        if !value.is_digest() {
            return Err(DigestError::NotDigest {
                scheme: value.scheme.to_string(),
            });
        }
        let required =
            |name: &'static str| param(value, name).ok_or(DigestError::MissingParam { name });
        let realm = required("realm")?;
        let nonce = required("nonce")?;
        let algorithm = match value.get("algorithm") {
            Some(token) => token.parse::<Algorithm>()?,
            None => Algorithm::Md5,
        };
        let qop = match value.get("qop") {
            Some(list) => parse_qop_list(list)?,
            None => Vec::new(),
        };
        // RFC 3261 §22.4 item 8: a cnonce (which -sess needs) must not be sent without qop.
        if algorithm.is_session() && qop.is_empty() {
            return Err(DigestError::SessionWithoutQop { algorithm });
        }
        Ok(DigestChallenge {
            realm,
            nonce,
            opaque: param(value, "opaque"),
            algorithm,
            algorithm_named: value.get("algorithm").is_some(),
            qop,
            stale: flag(value, "stale"),
            userhash: flag(value, "userhash"),
        })
    }

    /// The qop we answer with: `auth` when offered, else `auth-int`, else none (RFC 2069
    /// form). `auth` is preferred because `auth-int` breaks as soon as a proxy rewrites the
    /// body, and the body is re-hashed on every request.
    ///
    /// With no qop offered we answer in the RFC 2069 form (RFC 3261 §22.4 item 8) rather than
    /// assume `auth` as RFC 8760 §2.6 item 8 suggests: RFC 7616 §3.4 only allows a qop the
    /// server offered, and servers that omit it are the old ones that check the 2069 form.
    pub fn chosen_qop(&self) -> Option<Qop> {
        if self.qop.contains(&Qop::Auth) {
            Some(Qop::Auth)
        } else {
            self.qop.first().copied()
        }
    }
}

/// The strongest Digest challenge we support among `challenges`, skipping other schemes and
/// unsupported algorithms. RFC 8760 §2.4 lets the UAC apply a local policy instead of taking
/// the topmost supported one; ours is strength first, then the server's order on ties.
pub fn select_challenge(challenges: &[AuthValue]) -> Option<DigestChallenge> {
    let mut best: Option<DigestChallenge> = None;
    for challenge in challenges
        .iter()
        .filter_map(|c| DigestChallenge::from_header(c).ok())
    {
        let stronger = best
            .as_ref()
            .is_none_or(|b| challenge.algorithm.strength() > b.algorithm.strength());
        if stronger {
            best = Some(challenge);
        }
    }
    best
}

/// The value of `name` as a `Text` sharing the challenge's buffer.
fn param(value: &AuthValue, name: &str) -> Option<Text> {
    value
        .params
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .map(|p| p.value.clone())
}

/// RFC 7616 §3.3: `stale` and `userhash` are true only when they say `true`.
fn flag(value: &AuthValue, name: &str) -> bool {
    value
        .get(name)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// RFC 7616 §3.3: a quoted comma list of tokens; unrecognised options are ignored.
fn parse_qop_list(list: &str) -> Result<Vec<Qop>, DigestError> {
    let mut out = Vec::new();
    for q in list.split(',').filter_map(|t| Qop::from_token(t.trim())) {
        if !out.contains(&q) {
            out.push(q);
        }
    }
    if out.is_empty() {
        return Err(DigestError::UnsupportedQop {
            qop: list.to_owned(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> AuthValue {
        AuthValue::parse(s).unwrap()
    }

    #[test]
    fn algorithm_tokens() {
        for (token, alg) in [
            ("MD5", Algorithm::Md5),
            ("md5", Algorithm::Md5),
            ("MD5-sess", Algorithm::Md5Sess),
            ("MD5-SESS", Algorithm::Md5Sess),
            ("SHA-256", Algorithm::Sha256),
            ("sha-256-Sess", Algorithm::Sha256Sess),
            ("SHA-512-256", Algorithm::Sha512_256),
            ("SHA-512-256-sess", Algorithm::Sha512_256Sess),
        ] {
            assert_eq!(Algorithm::from_token(token), Some(alg), "{token}");
            assert_eq!(Algorithm::from_token(alg.as_str()), Some(alg));
        }
        for token in ["", "SHA-1", "SHA256", "MD5 ", "AKAv1-MD5"] {
            assert_eq!(Algorithm::from_token(token), None, "{token:?}");
        }
        assert!(matches!(
            "SHA-1".parse::<Algorithm>(),
            Err(DigestError::UnsupportedAlgorithm { .. })
        ));
    }

    #[test]
    fn algorithm_strength_order() {
        use Algorithm::*;
        assert!(Sha512_256.strength() > Sha256.strength());
        assert!(Sha256.strength() > Md5.strength());
        assert_eq!(Md5Sess.strength(), Md5.strength());
        assert_eq!(Sha256Sess.strength(), Sha256.strength());
        assert_eq!(Sha512_256Sess.strength(), Sha512_256.strength());
        assert!(Md5Sess.is_session() && !Sha256.is_session());
    }

    #[test]
    fn challenge_fields() {
        let c = DigestChallenge::from_header(&parse(
            r#"Digest realm="biloxi.com", qop="auth-int, AUTH, auth-conf", nonce="abc", opaque="xyz", algorithm=sha-256, stale=TRUE, userhash=false"#,
        ))
        .unwrap();
        assert_eq!(c.realm, "biloxi.com");
        assert_eq!(c.nonce, "abc");
        assert_eq!(c.opaque.as_deref(), Some("xyz"));
        assert_eq!(c.algorithm, Algorithm::Sha256);
        assert!(c.algorithm_named);
        assert_eq!(c.qop, vec![Qop::AuthInt, Qop::Auth]);
        assert_eq!(c.chosen_qop(), Some(Qop::Auth));
        assert!(c.stale);
        assert!(!c.userhash);
    }

    #[test]
    fn challenge_defaults() {
        let c = DigestChallenge::from_header(&parse(r#"digest realm="r", nonce="n""#)).unwrap();
        assert_eq!(c.algorithm, Algorithm::Md5);
        assert!(!c.algorithm_named);
        assert!(c.qop.is_empty());
        assert_eq!(c.chosen_qop(), None);
        assert_eq!(c.opaque, None);
        assert!(!c.stale && !c.userhash);
        let c = DigestChallenge::from_header(&parse(
            r#"Digest realm="r", nonce="n", qop="auth-int", stale=false"#,
        ))
        .unwrap();
        assert_eq!(c.chosen_qop(), Some(Qop::AuthInt));
        assert!(!c.stale);
    }

    #[test]
    fn challenge_errors() {
        let cases: [(&str, DigestError); 6] = [
            (
                r#"Basic realm="r""#,
                DigestError::NotDigest {
                    scheme: "Basic".into(),
                },
            ),
            (
                r#"Digest nonce="n""#,
                DigestError::MissingParam { name: "realm" },
            ),
            (
                r#"Digest realm="r""#,
                DigestError::MissingParam { name: "nonce" },
            ),
            (
                r#"Digest realm="r", nonce="n", algorithm=SHA-1"#,
                DigestError::UnsupportedAlgorithm {
                    algorithm: "SHA-1".into(),
                },
            ),
            (
                r#"Digest realm="r", nonce="n", qop="auth-conf""#,
                DigestError::UnsupportedQop {
                    qop: "auth-conf".into(),
                },
            ),
            (
                r#"Digest realm="r", nonce="n", algorithm=MD5-sess"#,
                DigestError::SessionWithoutQop {
                    algorithm: Algorithm::Md5Sess,
                },
            ),
        ];
        for (s, want) in cases {
            assert_eq!(DigestChallenge::from_header(&parse(s)), Err(want), "{s}");
        }
    }

    #[test]
    fn select_prefers_strongest_supported() {
        let challenges = [
            parse(r#"Basic realm="r""#),
            parse(r#"Digest realm="r", nonce="n1", algorithm=MD5, qop="auth""#),
            parse(r#"Digest realm="r", nonce="n2", algorithm=SHA-1, qop="auth""#),
            parse(r#"Digest realm="r", nonce="n3", algorithm=SHA-256, qop="auth""#),
            parse(r#"Digest realm="r", nonce="n4", algorithm=SHA-256-sess, qop="auth""#),
            parse(r#"Digest realm="r""#),
        ];
        let c = select_challenge(&challenges).unwrap();
        assert_eq!(
            c.algorithm,
            Algorithm::Sha256,
            "first of equal strength wins"
        );
        assert_eq!(c.nonce, "n3");

        let c = select_challenge(&challenges[..3]).unwrap();
        assert_eq!(c.algorithm, Algorithm::Md5);

        let mut with_512 = challenges.to_vec();
        with_512.push(parse(
            r#"Digest realm="r", nonce="n5", algorithm=SHA-512-256, qop="auth""#,
        ));
        assert_eq!(
            select_challenge(&with_512).unwrap().algorithm,
            Algorithm::Sha512_256
        );
    }

    #[test]
    fn select_nothing_supported() {
        assert_eq!(select_challenge(&[]), None);
        let challenges = [
            parse(r#"Basic realm="r""#),
            parse(r#"Digest realm="r", nonce="n", algorithm=SHA-1"#),
            parse(r#"Bearer realm="r", nonce="n""#),
        ];
        assert_eq!(select_challenge(&challenges), None);
    }

    proptest::proptest! {
        /// Whatever a server sends, reading and answering it never panics.
        #[test]
        fn any_challenge_is_safe(
            realm in "[ -~]{0,12}",
            nonce in "[ -~]{0,12}",
            algorithm in "(MD5|md5-SESS|SHA-256|SHA-256-sess|SHA-512-256|SHA-512-256-sess|x)",
            qop in "(auth|auth-int|AUTH| |,|x){0,4}",
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
            nc in proptest::num::u32::ANY,
        ) {
            let mut v = AuthValue { scheme: Text::from("Digest"), params: Vec::new() };
            v.push("realm", realm, true);
            v.push("nonce", nonce, true);
            v.push("algorithm", algorithm, false);
            v.push("qop", qop, true);
            let parsed = AuthValue::parse(&v.to_string()).unwrap();
            if let Ok(c) = DigestChallenge::from_header(&parsed) {
                let creds = DigestCredentials::new("u\"s", "p");
                let out = respond(&c, &creds, "INVITE", "sip:x", &body, "c", nc);
                proptest::prop_assert_eq!(AuthValue::parse(&out.to_string()).unwrap(), out);
            }
        }
    }
}
