//! The UAC side of a Digest exchange as a small pure state machine (RFC 3261 §22.2, §22.3;
//! RFC 7616 §3.3 `stale`, §3.4 `nc`; RFC 8760 §2.4).
//!
//! One [`DigestSession`] belongs to an account (or a dialog, for proxy credentials that must
//! not be cached across dialogs, RFC 3261 §22.3). It remembers the last challenge per realm
//! and counts the requests sent with each nonce, and it refuses to answer a realm again once
//! the credentials it sent there were rejected, so a wrong password never loops.

use super::{DigestChallenge, DigestCredentials, respond, select_challenge};
use crate::sip::header::HeaderName;
use crate::sip::headers::AuthValue;
use crate::sip::text::Text;

/// What to do after a 401/407.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChallengeOutcome {
    /// Re-send the request (new CSeq, RFC 3261 §22.2) with [`DigestSession::authorize`].
    Respond,
    /// The nonce was stale but the credentials were good (RFC 7616 §3.3): re-send without
    /// asking the user. Allowed once in a row per realm.
    StaleRetry,
    /// Give up on this request; a new password is needed (or nothing can be answered).
    Failed(AuthFailure),
}

/// Why a challenge ends the attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// No challenge is a Digest challenge we support (RFC 8760 §2.4: abandon the request).
    NoUsableChallenge,
    /// Credentials sent to this realm were refused (a challenge without `stale=true`), or were
    /// refused before and have not been replaced since.
    Rejected {
        /// The realm that refused them.
        realm: Text,
    },
    /// `stale=true` again right after a stale retry: the server keeps refusing.
    StaleAgain {
        /// The realm that keeps answering `stale=true`.
        realm: Text,
    },
}

/// Where one realm's credentials stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    /// Challenged; no request has carried an answer yet.
    Pending,
    /// An answer was sent and no verdict came back yet.
    Sent,
    /// A request carrying an answer succeeded ([`DigestSession::on_accepted`]).
    Accepted,
    /// The answer was refused; nothing is sent until the credentials change.
    Failed,
}

#[derive(Debug, Clone)]
struct RealmState {
    /// Whether the challenge came in `Proxy-Authenticate` (answered in `Proxy-Authorization`).
    proxy: bool,
    challenge: DigestChallenge,
    /// Requests sent so far with `challenge.nonce` (RFC 7616 §3.4 `nc`).
    nc: u32,
    /// For `-sess`: the cnonce of the first request after the challenge (cnonce-prime of
    /// RFC 7616 §3.4.2), reused while the nonce lasts so A1 stays the same session key.
    session_cnonce: Option<String>,
    attempt: Attempt,
    /// A stale retry was already spent since the last success.
    stale_retried: bool,
}

impl RealmState {
    fn new(challenge: DigestChallenge, proxy: bool) -> Self {
        RealmState {
            proxy,
            challenge,
            nc: 0,
            session_cnonce: None,
            attempt: Attempt::Pending,
            stale_retried: false,
        }
    }

    /// Takes a new challenge; `nc` and the session cnonce restart only with a new nonce.
    fn replace(&mut self, challenge: DigestChallenge) {
        if challenge.nonce != self.challenge.nonce {
            self.nc = 0;
            self.session_cnonce = None;
        }
        self.challenge = challenge;
        self.attempt = Attempt::Pending;
    }

    fn authorize(
        &mut self,
        creds: &DigestCredentials,
        method: &str,
        uri: &str,
        body: &[u8],
        cnonce: &str,
    ) -> (HeaderName, AuthValue) {
        // RFC 7616 §3.4 `nc`: the count includes this request.
        self.nc = self.nc.saturating_add(1);
        let cnonce = if self.challenge.algorithm.is_session() {
            self.session_cnonce
                .get_or_insert_with(|| cnonce.to_owned())
                .as_str()
        } else {
            cnonce
        };
        let value = respond(&self.challenge, creds, method, uri, body, cnonce, self.nc);
        if self.attempt == Attempt::Pending {
            self.attempt = Attempt::Sent;
        }
        let name = if self.proxy {
            HeaderName::ProxyAuthorization
        } else {
            HeaderName::Authorization
        };
        (name, value)
    }
}

/// Digest state for one account: the last challenge of each realm and its nonce count.
#[derive(Debug, Clone)]
pub struct DigestSession {
    credentials: DigestCredentials,
    /// Keyed by (realm, proxy), most recently challenged last. Rarely more than two.
    realms: Vec<RealmState>,
}

impl DigestSession {
    /// A session answering with `credentials`.
    pub fn new(credentials: DigestCredentials) -> Self {
        DigestSession {
            credentials,
            realms: Vec::new(),
        }
    }

    /// The credentials in use.
    pub fn credentials(&self) -> &DigestCredentials {
        &self.credentials
    }

    /// Replaces the credentials (the user typed a new password): realms that refused the old
    /// ones may be answered again, with their last challenge.
    pub fn set_credentials(&mut self, credentials: DigestCredentials) {
        self.credentials = credentials;
        for st in &mut self.realms {
            st.attempt = Attempt::Pending;
            st.stale_retried = false;
        }
    }

    /// Feeds the challenges of a 401 (`proxy == false`, `WWW-Authenticate`) or a 407
    /// (`proxy == true`, `Proxy-Authenticate`) and says whether to re-send.
    ///
    /// The strongest supported challenge is taken ([`select_challenge`]). A realm we never
    /// answered, or whose answer was last accepted, is answered (RFC 3261 §22.2). A realm
    /// that has just refused our answer fails, unless it says `stale=true`, which is retried
    /// once without asking the user (RFC 7616 §3.3).
    pub fn on_challenge(&mut self, challenges: &[AuthValue], proxy: bool) -> ChallengeOutcome {
        let Some(challenge) = select_challenge(challenges) else {
            return ChallengeOutcome::Failed(AuthFailure::NoUsableChallenge);
        };
        let found = self
            .realms
            .iter()
            .position(|st| st.proxy == proxy && st.challenge.realm == challenge.realm);
        let Some(i) = found else {
            self.realms.push(RealmState::new(challenge, proxy));
            return ChallengeOutcome::Respond;
        };
        let st = &mut self.realms[i];
        let realm = challenge.realm.clone();
        let outcome = match (st.attempt, challenge.stale) {
            // No new credentials since they were refused: asking again would loop.
            (Attempt::Failed, _) | (Attempt::Sent, false) => {
                ChallengeOutcome::Failed(AuthFailure::Rejected { realm })
            }
            (Attempt::Sent, true) if st.stale_retried => {
                ChallengeOutcome::Failed(AuthFailure::StaleAgain { realm })
            }
            (Attempt::Sent | Attempt::Accepted, true) => {
                st.stale_retried = true;
                ChallengeOutcome::StaleRetry
            }
            // Nothing sent yet, or a server that rotates nonces without `stale=true` after a
            // success: one fresh answer (a second refusal finds the realm `Sent`).
            (Attempt::Pending, _) | (Attempt::Accepted, false) => ChallengeOutcome::Respond,
        };
        // Even a refusal brings the nonce that new credentials should answer.
        st.replace(challenge);
        if matches!(outcome, ChallengeOutcome::Failed(_)) {
            st.attempt = Attempt::Failed;
        }
        let st = self.realms.remove(i);
        self.realms.push(st);
        outcome
    }

    /// Call when a request that carried credentials got a final response other than
    /// 401/407: the credentials work, so a later challenge starts afresh.
    pub fn on_accepted(&mut self) {
        for st in &mut self.realms {
            if st.attempt == Attempt::Sent {
                st.attempt = Attempt::Accepted;
                st.stale_retried = false;
            }
        }
    }

    /// The `Authorization` (401) or `Proxy-Authorization` (407) header for the next request,
    /// answering the most recently challenged realm that has not failed; `None` when there
    /// is none. Each call counts as one request for `nc`. `uri` is the Request-URI as
    /// printed, `body` the message body, `cnonce` a fresh random token from the caller.
    ///
    /// When several realms are active (a proxy and a registrar), use
    /// [`DigestSession::authorize_all`] so every one of them gets its header.
    pub fn authorize(
        &mut self,
        method: &str,
        uri: &str,
        body: &[u8],
        cnonce: &str,
    ) -> Option<(HeaderName, AuthValue)> {
        let creds = &self.credentials;
        self.realms
            .iter_mut()
            .rev()
            .find(|st| st.attempt != Attempt::Failed)
            .map(|st| st.authorize(creds, method, uri, body, cnonce))
    }

    /// One header per realm that has not failed, oldest challenge first (RFC 3261 §22.3: a
    /// request may carry several `Authorization`/`Proxy-Authorization` values).
    pub fn authorize_all(
        &mut self,
        method: &str,
        uri: &str,
        body: &[u8],
        cnonce: &str,
    ) -> Vec<(HeaderName, AuthValue)> {
        let creds = &self.credentials;
        self.realms
            .iter_mut()
            .filter(|st| st.attempt != Attempt::Failed)
            .map(|st| st.authorize(creds, method, uri, body, cnonce))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> DigestSession {
        DigestSession::new(DigestCredentials::new("bob", "zanzibar"))
    }

    fn challenge(realm: &str, nonce: &str, extra: &str) -> Vec<AuthValue> {
        let s = format!(r#"Digest realm="{realm}", nonce="{nonce}", qop="auth"{extra}"#);
        vec![AuthValue::parse(&s).unwrap()]
    }

    fn register(s: &mut DigestSession) -> (HeaderName, AuthValue) {
        s.authorize("REGISTER", "sip:biloxi.com", b"", "c0ffee")
            .unwrap()
    }

    fn rejected(realm: &str) -> ChallengeOutcome {
        ChallengeOutcome::Failed(AuthFailure::Rejected {
            realm: Text::from(realm),
        })
    }

    #[test]
    fn nothing_to_send_before_a_challenge() {
        let mut s = session();
        assert_eq!(s.authorize("REGISTER", "sip:biloxi.com", b"", "c"), None);
        assert!(
            s.authorize_all("REGISTER", "sip:biloxi.com", b"", "c")
                .is_empty()
        );
    }

    #[test]
    fn challenge_then_respond() {
        let mut s = session();
        let out = s.on_challenge(&challenge("biloxi.com", "n1", ""), false);
        assert_eq!(out, ChallengeOutcome::Respond);
        let (name, v) = register(&mut s);
        assert!(matches!(name, HeaderName::Authorization));
        assert_eq!(v.get("realm"), Some("biloxi.com"));
        assert_eq!(v.get("username"), Some("bob"));
        assert_eq!(v.get("nc"), Some("00000001"));
    }

    #[test]
    fn second_challenge_without_stale_fails() {
        let mut s = session();
        s.on_challenge(&challenge("biloxi.com", "n1", ""), false);
        register(&mut s);
        let out = s.on_challenge(&challenge("biloxi.com", "n2", ""), false);
        assert_eq!(out, rejected("biloxi.com"));
        // Known-bad credentials are not sent again, and a later challenge does not revive them.
        assert_eq!(s.authorize("REGISTER", "sip:biloxi.com", b"", "c"), None);
        let out = s.on_challenge(&challenge("biloxi.com", "n3", ""), false);
        assert_eq!(out, rejected("biloxi.com"));
        // New credentials answer the latest challenge.
        s.set_credentials(DigestCredentials::new("bob", "new password"));
        let (_, v) = register(&mut s);
        assert_eq!(v.get("nonce"), Some("n3"));
        assert_eq!(v.get("nc"), Some("00000001"));
    }

    #[test]
    fn stale_retried_once() {
        let mut s = session();
        s.on_challenge(&challenge("biloxi.com", "n1", ""), false);
        register(&mut s);
        let out = s.on_challenge(&challenge("biloxi.com", "n2", ", stale=TRUE"), false);
        assert_eq!(out, ChallengeOutcome::StaleRetry);
        let (_, v) = register(&mut s);
        assert_eq!(v.get("nonce"), Some("n2"));
        assert_eq!(v.get("nc"), Some("00000001"));
        let out = s.on_challenge(&challenge("biloxi.com", "n3", ", stale=true"), false);
        assert_eq!(
            out,
            ChallengeOutcome::Failed(AuthFailure::StaleAgain {
                realm: Text::from("biloxi.com")
            })
        );
    }

    #[test]
    fn stale_then_plain_refusal_fails() {
        let mut s = session();
        s.on_challenge(&challenge("biloxi.com", "n1", ""), false);
        register(&mut s);
        let stale = s.on_challenge(&challenge("biloxi.com", "n2", ", stale=true"), false);
        assert_eq!(stale, ChallengeOutcome::StaleRetry);
        register(&mut s);
        let out = s.on_challenge(&challenge("biloxi.com", "n3", ""), false);
        assert_eq!(out, rejected("biloxi.com"));
    }

    #[test]
    fn success_resets_the_stale_allowance() {
        // A registration refreshed every hour meets an expired nonce every hour.
        let mut s = session();
        s.on_challenge(&challenge("biloxi.com", "n1", ""), false);
        for hour in 2..5 {
            register(&mut s);
            s.on_accepted();
            let nonce = format!("n{hour}");
            let out = s.on_challenge(&challenge("biloxi.com", &nonce, ", stale=true"), false);
            assert_eq!(out, ChallengeOutcome::StaleRetry, "hour {hour}");
        }
        // A server that rotates nonces without stale=true gets one fresh answer, then fails.
        register(&mut s);
        s.on_accepted();
        let out = s.on_challenge(&challenge("biloxi.com", "n9", ""), false);
        assert_eq!(out, ChallengeOutcome::Respond);
        register(&mut s);
        let out = s.on_challenge(&challenge("biloxi.com", "n10", ""), false);
        assert_eq!(out, rejected("biloxi.com"));
    }

    #[test]
    fn nonce_count_increments_and_resets() {
        let mut s = session();
        s.on_challenge(&challenge("biloxi.com", "n1", ""), false);
        let nc = |s: &mut DigestSession| register(s).1.get("nc").map(str::to_owned);
        assert_eq!(nc(&mut s).as_deref(), Some("00000001"));
        s.on_accepted();
        assert_eq!(nc(&mut s).as_deref(), Some("00000002"));
        assert_eq!(nc(&mut s).as_deref(), Some("00000003"));
        // Same nonce again: the count goes on (a repeated nc would look like a replay).
        s.on_challenge(&challenge("biloxi.com", "n1", ""), false);
        assert_eq!(nc(&mut s).as_deref(), Some("00000004"));
        s.on_accepted();
        // New nonce: back to 1.
        s.on_challenge(&challenge("biloxi.com", "n2", ", stale=true"), false);
        assert_eq!(nc(&mut s).as_deref(), Some("00000001"));
        assert_eq!(nc(&mut s).as_deref(), Some("00000002"));
    }

    #[test]
    fn proxy_challenge_gives_proxy_authorization() {
        let mut s = session();
        let out = s.on_challenge(&challenge("atlanta.com", "p1", ""), true);
        assert_eq!(out, ChallengeOutcome::Respond);
        let (name, v) = s
            .authorize("INVITE", "sip:alice@atlanta.com", b"", "c")
            .unwrap();
        assert!(matches!(name, HeaderName::ProxyAuthorization));
        assert_eq!(v.get("realm"), Some("atlanta.com"));
    }

    #[test]
    fn proxy_and_registrar_realms() {
        let mut s = session();
        assert_eq!(
            s.on_challenge(&challenge("proxy.example", "p1", ""), true),
            ChallengeOutcome::Respond
        );
        s.authorize_all("REGISTER", "sip:example", b"", "c");
        // The proxy let it through; now the registrar challenges.
        assert_eq!(
            s.on_challenge(&challenge("example", "r1", ""), false),
            ChallengeOutcome::Respond
        );
        let all = s.authorize_all("REGISTER", "sip:example", b"", "c");
        let names: Vec<(&str, Option<&str>, Option<&str>)> = all
            .iter()
            .map(|(n, v)| (n.as_str(), v.get("realm"), v.get("nc")))
            .collect();
        assert_eq!(
            names,
            [
                (
                    "Proxy-Authorization",
                    Some("proxy.example"),
                    Some("00000002")
                ),
                ("Authorization", Some("example"), Some("00000001")),
            ]
        );
        // `authorize` answers the latest realm only.
        let (name, _) = s.authorize("REGISTER", "sip:example", b"", "c").unwrap();
        assert!(matches!(name, HeaderName::Authorization));
    }

    #[test]
    fn unusable_challenges_fail() {
        let mut s = session();
        let basic = vec![AuthValue::parse(r#"Basic realm="r""#).unwrap()];
        assert_eq!(
            s.on_challenge(&basic, false),
            ChallengeOutcome::Failed(AuthFailure::NoUsableChallenge)
        );
        assert_eq!(
            s.on_challenge(&[], true),
            ChallengeOutcome::Failed(AuthFailure::NoUsableChallenge)
        );
    }

    #[test]
    fn session_algorithms_keep_the_first_cnonce() {
        let mut s = session();
        let c = vec![
            AuthValue::parse(r#"Digest realm="r", nonce="n", qop="auth", algorithm=MD5-sess"#)
                .unwrap(),
        ];
        s.on_challenge(&c, false);
        let (_, first) = s.authorize("OPTIONS", "sip:r", b"", "first").unwrap();
        s.on_accepted();
        let (_, second) = s.authorize("OPTIONS", "sip:r", b"", "second").unwrap();
        assert_eq!(first.get("cnonce"), Some("first"));
        assert_eq!(second.get("cnonce"), Some("first"));
        assert_eq!(second.get("nc"), Some("00000002"));
    }

    #[test]
    fn debug_does_not_leak_the_password() {
        let mut s = DigestSession::new(DigestCredentials::new("bob", "s3cr3t-pass"));
        s.on_challenge(&challenge("biloxi.com", "n1", ""), false);
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("s3cr3t-pass"), "{dbg}");
    }
}
