//! Computing Digest credentials (RFC 7616 §3.4, §3.4.1–§3.4.5; RFC 3261 §22.4; RFC 8760
//! §2.6): the `response` value and the `Authorization`/`Proxy-Authorization` parameters.

use super::{DigestChallenge, Qop};
use crate::sip::headers::AuthValue;
use crate::sip::text::Text;
use std::fmt;

/// A username and password for one account. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DigestCredentials {
    /// The user's name in the realm (RFC 7616 §3.4 `username`).
    pub username: String,
    password: String,
}

impl DigestCredentials {
    /// Credentials from a username and a password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        DigestCredentials {
            username: username.into(),
            password: password.into(),
        }
    }

    /// RFC 3261 §22.2: the `anonymous` user with an empty password, for a realm we have no
    /// credentials for.
    pub fn anonymous() -> Self {
        DigestCredentials::new("anonymous", "")
    }
}

impl fmt::Debug for DigestCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Computes the credentials answering `challenge` for one request (RFC 7616 §3.4).
///
/// `method` is the request's method and `digest_uri` its Request-URI as printed (RFC 3261
/// §22.4 items 2–3); `body` is hashed only for `qop=auth-int`. `cnonce` is the client nonce
/// (random, chosen by the caller) and `nc` the count of requests sent with this nonce,
/// starting at 1. Both are sent only when the challenge offered a qop (RFC 3261 §22.4 item 8).
///
/// Parameters are printed in the conventional order, quoted exactly where RFC 7616 §3.4
/// requires: `username realm nonce uri response algorithm cnonce opaque qop nc`, then
/// `userhash=true` when the username was hashed.
pub fn respond(
    challenge: &DigestChallenge,
    creds: &DigestCredentials,
    method: &str,
    digest_uri: &str,
    body: &[u8],
    cnonce: &str,
    nc: u32,
) -> AuthValue {
    let qop = challenge.chosen_qop();
    let nc_hex = format!("{nc:08x}");
    let response = response_digest(challenge, creds, method, digest_uri, body, cnonce, &nc_hex);

    let hash = challenge.algorithm.hash_fn();
    let username = if challenge.userhash {
        // RFC 7616 §3.4.4: hashed after every other computation, which used the plain name.
        hash.hex(&[creds.username.as_bytes(), challenge.realm.as_bytes()])
    } else {
        creds.username.clone()
    };
    // A -sess A1 needs the cnonce even in the (non-conforming) case of no qop, or the
    // server could not check the response.
    let send_cnonce = qop.is_some() || challenge.algorithm.is_session();

    let mut v = AuthValue {
        scheme: Text::from_static("Digest"),
        params: Vec::with_capacity(11),
    };
    v.push("username", username, true);
    v.push("realm", challenge.realm.clone(), true);
    v.push("nonce", challenge.nonce.clone(), true);
    // RFC 3261 §22.4 item 2: `uri` is always quoted in SIP.
    v.push("uri", digest_uri, true);
    v.push("response", response, true);
    // RFC 7616 §3.4: algorithm is echoed as a token. An unnamed algorithm means MD5, so
    // anything else is printed even if a hand-built challenge forgot to say it was named.
    if challenge.algorithm_named || challenge.algorithm != super::Algorithm::Md5 {
        v.push(
            "algorithm",
            Text::from_static(challenge.algorithm.as_str()),
            false,
        );
    }
    if send_cnonce {
        v.push("cnonce", cnonce, true);
    }
    if let Some(opaque) = &challenge.opaque {
        v.push("opaque", opaque.clone(), true);
    }
    if let Some(q) = qop {
        // RFC 7616 §3.4: qop and nc are never quoted.
        v.push("qop", Text::from_static(q.as_str()), false);
        v.push("nc", nc_hex, false);
    }
    if challenge.userhash {
        v.push("userhash", Text::from_static("true"), false);
    }
    v
}

/// The `response` hex string: RFC 7616 §3.4.1 with qop, RFC 2069 `KD(H(A1), nonce:H(A2))`
/// without.
fn response_digest(
    challenge: &DigestChallenge,
    creds: &DigestCredentials,
    method: &str,
    digest_uri: &str,
    body: &[u8],
    cnonce: &str,
    nc_hex: &str,
) -> String {
    let hash = challenge.algorithm.hash_fn();
    let nonce = challenge.nonce.as_bytes();

    // RFC 7616 §3.4.2: A1 = username:realm:passwd, and for -sess
    // A1 = H(username:realm:passwd):nonce-prime:cnonce-prime.
    let mut ha1 = hash.hex(&[
        creds.username.as_bytes(),
        challenge.realm.as_bytes(),
        creds.password.as_bytes(),
    ]);
    if challenge.algorithm.is_session() {
        ha1 = hash.hex(&[ha1.as_bytes(), nonce, cnonce.as_bytes()]);
    }

    // RFC 7616 §3.4.3: A2 = Method:request-uri, plus :H(entity-body) for auth-int; an empty
    // body hashes as H("") (RFC 8760 §2.6 item 7).
    let qop = challenge.chosen_qop();
    let ha2 = match qop {
        Some(Qop::AuthInt) => {
            let body_hash = hash.hex(&[body]);
            hash.hex(&[
                method.as_bytes(),
                digest_uri.as_bytes(),
                body_hash.as_bytes(),
            ])
        }
        Some(Qop::Auth) | None => hash.hex(&[method.as_bytes(), digest_uri.as_bytes()]),
    };

    // RFC 7616 §3.4.1: KD(H(A1), nonce:nc:cnonce:qop:H(A2)) where KD(s, d) = H(s:d).
    match qop {
        Some(q) => hash.hex(&[
            ha1.as_bytes(),
            nonce,
            nc_hex.as_bytes(),
            cnonce.as_bytes(),
            q.as_str().as_bytes(),
            ha2.as_bytes(),
        ]),
        None => hash.hex(&[ha1.as_bytes(), nonce, ha2.as_bytes()]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::digest::Algorithm;

    const RFC7616_NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    const RFC7616_OPAQUE: &str = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";

    fn challenge(s: &str) -> DigestChallenge {
        DigestChallenge::from_header(&AuthValue::parse(s).unwrap()).unwrap()
    }

    /// The RFC 7616 §3.9.1 challenge with the given algorithm token.
    fn rfc7616_challenge(algorithm: &str) -> DigestChallenge {
        challenge(&format!(
            r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={algorithm}, nonce="{RFC7616_NONCE}", opaque="{RFC7616_OPAQUE}""#
        ))
    }

    fn mufasa() -> DigestCredentials {
        DigestCredentials::new("Mufasa", "Circle of Life")
    }

    fn rfc7616_respond(c: &DigestChallenge) -> AuthValue {
        respond(
            c,
            &mufasa(),
            "GET",
            "/dir/index.html",
            b"",
            RFC7616_CNONCE,
            1,
        )
    }

    #[test]
    fn rfc7616_md5_example() {
        // RFC 7616 §3.9.1, MD5.
        let v = rfc7616_respond(&rfc7616_challenge("MD5"));
        assert_eq!(v.get("response"), Some("8ca523f5e9506fed4657c9700eebdbec"));
        assert_eq!(
            v.to_string(),
            format!(
                r#"Digest username="Mufasa", realm="http-auth@example.org", nonce="{RFC7616_NONCE}", uri="/dir/index.html", response="8ca523f5e9506fed4657c9700eebdbec", algorithm=MD5, cnonce="{RFC7616_CNONCE}", opaque="{RFC7616_OPAQUE}", qop=auth, nc=00000001"#
            )
        );
    }

    #[test]
    fn rfc7616_sha256_example() {
        // RFC 7616 §3.9.1, SHA-256.
        let v = rfc7616_respond(&rfc7616_challenge("SHA-256"));
        assert_eq!(
            v.get("response"),
            Some("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
        );
        assert_eq!(v.get("algorithm"), Some("SHA-256"));
    }

    #[test]
    fn rfc2617_example() {
        // RFC 2617 §3.5 (also the response in RFC 3261 §22.2's Authorization example).
        let c = challenge(
            r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        );
        let creds = DigestCredentials::new("Mufasa", "Circle Of Life");
        let v = respond(&c, &creds, "GET", "/dir/index.html", b"", "0a4f113b", 1);
        assert_eq!(
            v.to_string(),
            r#"Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", response="6629fae49393a05397450978507c4ef1", cnonce="0a4f113b", opaque="5ccc069c403ebaf9f0171e9517f40e41", qop=auth, nc=00000001"#
        );
    }

    #[test]
    fn sha512_256_example_inputs() {
        // The RFC 7616 §3.9.2 inputs (UTF-8 username "Jäsøn Doe"). The response and userhash
        // printed in the RFC are known to be wrong (errata), so the expected values were
        // computed independently with python3's hashlib:
        //   H = lambda s: hashlib.new('sha512_256', s.encode()).hexdigest()
        //   ha1 = H('J\u00e4s\u00f8n Doe:api@example.org:Secret, or not?')
        //   ha2 = H('GET:/doe.json')
        //   H(':'.join([ha1, nonce, '00000001', cnonce, 'auth', ha2]))
        //   H('J\u00e4s\u00f8n Doe:api@example.org')   # the userhash
        let c = challenge(
            r#"Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true"#,
        );
        let creds = DigestCredentials::new("J\u{e4}s\u{f8}n Doe", "Secret, or not?");
        let v = respond(
            &c,
            &creds,
            "GET",
            "/doe.json",
            b"",
            "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
            1,
        );
        assert_eq!(
            v.get("response"),
            Some("3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5")
        );
        assert_eq!(
            v.get("username"),
            Some("793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b")
        );
        assert_eq!(v.get("userhash"), Some("true"));
        assert_eq!(v.get("algorithm"), Some("SHA-512-256"));
    }

    #[test]
    fn session_variants() {
        // Expected values from python3 hashlib (h = md5 or sha256 hexdigest of the string):
        //   ha1 = h(h('Mufasa:http-auth@example.org:Circle of Life') + ':' + nonce + ':' + cnonce)
        //   ha2 = h('GET:/dir/index.html')
        //   h(':'.join([ha1, nonce, '00000001', cnonce, 'auth', ha2]))
        let cases = [
            ("MD5-sess", "e783283f46242139c486a698fec7211d"),
            (
                "SHA-256-sess",
                "2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7",
            ),
        ];
        for (token, want) in cases {
            let c = rfc7616_challenge(token);
            assert!(c.algorithm.is_session());
            let v = rfc7616_respond(&c);
            assert_eq!(v.get("response"), Some(want), "{token}");
            assert_eq!(v.get("algorithm"), Some(token));
            assert_eq!(v.get("cnonce"), Some(RFC7616_CNONCE));
        }
    }

    #[test]
    fn auth_int_hashes_the_body() {
        // python3: ha1 = md5('bob:biloxi.com:zanzibar'), ha2 = md5('INVITE:sip:bob@biloxi.com:'
        // + md5(body)), md5(':'.join([ha1, 'n0nce', '0000002a', 'c0ffee', 'auth-int', ha2]))
        let c = challenge(r#"Digest realm="biloxi.com", nonce="n0nce", qop="auth-int""#);
        let creds = DigestCredentials::new("bob", "zanzibar");
        let body = b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n";
        let v = respond(
            &c,
            &creds,
            "INVITE",
            "sip:bob@biloxi.com",
            body,
            "c0ffee",
            42,
        );
        assert_eq!(v.get("qop"), Some("auth-int"));
        assert_eq!(v.get("nc"), Some("0000002a"));
        assert_eq!(v.get("response"), Some("4ae1d9f190f6da0450e80294273e2b06"));
        let other = respond(
            &c,
            &creds,
            "INVITE",
            "sip:bob@biloxi.com",
            b"",
            "c0ffee",
            42,
        );
        assert_ne!(other.get("response"), v.get("response"));
    }

    #[test]
    fn no_qop_is_rfc2069_form() {
        // python3: md5(md5('bob:biloxi.com:zanzibar') + ':n0nce:' + md5('REGISTER:sip:biloxi.com'))
        let c = challenge(r#"Digest realm="biloxi.com", nonce="n0nce""#);
        let creds = DigestCredentials::new("bob", "zanzibar");
        let v = respond(&c, &creds, "REGISTER", "sip:biloxi.com", b"", "unused", 1);
        assert_eq!(
            v.to_string(),
            r#"Digest username="bob", realm="biloxi.com", nonce="n0nce", uri="sip:biloxi.com", response="37fae8348496fc5e30041da3980b7ab1""#
        );
    }

    #[test]
    fn algorithm_printed_only_when_named_or_not_md5() {
        let mut c = challenge(r#"Digest realm="r", nonce="n", qop="auth""#);
        let creds = DigestCredentials::new("u", "p");
        assert_eq!(
            respond(&c, &creds, "GET", "/", b"", "c", 1).get("algorithm"),
            None
        );
        c.algorithm = Algorithm::Sha256;
        let v = respond(&c, &creds, "GET", "/", b"", "c", 1);
        assert_eq!(v.get("algorithm"), Some("SHA-256"));
    }

    #[test]
    fn round_trip_through_parser() {
        let c = rfc7616_challenge("SHA-256");
        let creds = DigestCredentials::new(r#"we"ird\user"#, "pw");
        let v = respond(
            &c,
            &creds,
            "INVITE",
            "sip:bob@example.org;transport=tcp",
            b"",
            "c",
            7,
        );
        let printed = v.to_string();
        let back = AuthValue::parse(&printed).unwrap();
        assert_eq!(back, v);
        assert_eq!(back.to_string(), printed);
        assert_eq!(back.get("username"), Some(r#"we"ird\user"#));
        let quoted: Vec<(&str, bool)> = back
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.quoted))
            .collect();
        assert_eq!(
            quoted,
            [
                ("username", true),
                ("realm", true),
                ("nonce", true),
                ("uri", true),
                ("response", true),
                ("algorithm", false),
                ("cnonce", true),
                ("opaque", true),
                ("qop", false),
                ("nc", false),
            ]
        );
    }

    #[test]
    fn debug_redacts_password() {
        let creds = DigestCredentials::new("alice", "hunter2-secret");
        let dbg = format!("{creds:?} {creds:#?}");
        assert!(!dbg.contains("hunter2-secret"), "{dbg}");
        assert!(dbg.contains("alice"));
        assert!(dbg.contains("redacted"));
    }
}
