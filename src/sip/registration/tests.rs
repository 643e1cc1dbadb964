//! Virtual-time tests of the registration client: challenge, refresh, 423, back-off,
//! failures and unregistering.

use super::*;

use crate::sip::StatusCode;
use crate::sip::digest::DigestCredentials;
use crate::sip::test_clock as clock;

fn config(password: Option<&str>) -> RegistrationConfig {
    RegistrationConfig {
        aor: SipUri::parse("sip:alice@example.com").unwrap(),
        registrar: SipUri::parse("sip:example.com").unwrap(),
        contact: SipUri::parse("sip:alice@192.0.2.10:5062").unwrap(),
        expires: 3600,
        credentials: password.map(|p| DigestCredentials::new("alice", p)),
        outbound_proxy: None,
        user_agent: Some("Tincan test".to_owned()),
    }
}

struct Fixture {
    reg: Registration,
    rng: Rng,
    now: Instant,
}

impl Fixture {
    fn new(password: Option<&str>) -> Self {
        let mut rng = Rng::from_seed([1; 32]);
        let reg = Registration::new(config(password), &mut rng);
        Fixture {
            reg,
            rng,
            now: clock::origin(),
        }
    }

    fn request(&mut self) -> Request {
        let r = self.reg.poll_request().expect("a REGISTER");
        assert!(self.reg.poll_request().is_none(), "one REGISTER at a time");
        r
    }

    fn events(&mut self) -> Vec<RegistrationEvent> {
        std::iter::from_fn(|| self.reg.poll_event()).collect()
    }

    fn answer(&mut self, req: &Request, code: u16, extra: &[(HeaderName, &str)]) {
        let mut resp = Response::new(StatusCode::new(code).unwrap());
        for name in [HeaderName::From, HeaderName::CallId, HeaderName::CSeq] {
            resp.headers
                .push(name.clone(), req.headers.get(&name).unwrap());
        }
        let to = format!(
            "{};tag=registrar",
            req.headers.get(&HeaderName::To).unwrap()
        );
        resp.headers.push(HeaderName::To, to);
        for (name, value) in extra {
            resp.headers.push(name.clone(), *value);
        }
        let now = self.now;
        self.reg.handle_response(now, &resp, &mut self.rng);
    }

    /// Jumps to the next deadline and fires it.
    fn advance(&mut self) -> Duration {
        let at = self.reg.poll_timeout().expect("a timer");
        let waited = at - self.now;
        self.now = at;
        let now = self.now;
        self.reg.handle_timeout(now, &mut self.rng);
        waited
    }
}

fn header<'a>(r: &'a Request, name: &HeaderName) -> &'a str {
    r.headers.get(name).unwrap_or("")
}

const CHALLENGE: &str = r#"Digest realm="example.com", nonce="abc123", qop="auth", algorithm=MD5"#;

#[test]
fn register_challenge_register_refresh() {
    let mut f = Fixture::new(Some("secret"));
    let now = f.now;
    f.reg.start(now, &mut f.rng);
    let first = f.request();
    assert_eq!(first.method, Method::Register);
    assert_eq!(first.uri.to_string(), "sip:example.com");
    assert_eq!(
        header(&first, &HeaderName::Contact),
        "<sip:alice@192.0.2.10:5062>;expires=3600"
    );
    assert_eq!(header(&first, &HeaderName::Expires), "3600");
    assert_eq!(header(&first, &HeaderName::To), "<sip:alice@example.com>");
    assert!(header(&first, &HeaderName::From).contains(";tag="));
    assert!(!first.headers.contains(&HeaderName::Authorization));
    assert_eq!(f.events(), vec![RegistrationEvent::Registering]);
    assert_eq!(f.reg.state(), RegistrationState::Registering);

    f.answer(&first, 401, &[(HeaderName::WwwAuthenticate, CHALLENGE)]);
    let second = f.request();
    let c1 = first.headers.cseq().unwrap().seq;
    assert_eq!(
        second.headers.cseq().unwrap().seq,
        c1 + 1,
        "§22.2: new CSeq"
    );
    assert_eq!(
        header(&second, &HeaderName::CallId),
        header(&first, &HeaderName::CallId)
    );
    let auth = &second.headers.authorization().unwrap()[0];
    assert_eq!(auth.get("username"), Some("alice"));
    assert_eq!(auth.get("nc"), Some("00000001"));
    assert_eq!(auth.get("uri"), Some("sip:example.com"));

    f.answer(
        &second,
        200,
        &[(
            HeaderName::Contact,
            "<sip:alice@192.0.2.10:5062>;expires=600",
        )],
    );
    assert_eq!(
        f.events(),
        vec![RegistrationEvent::Registered { expires: 600 }]
    );
    assert!(matches!(
        f.reg.state(),
        RegistrationState::Registered { .. }
    ));

    // The registrar granted 600 s: refresh 30 s before the end, with the same Call-ID.
    assert_eq!(f.advance(), Duration::from_secs(570));
    let refresh = f.request();
    assert_eq!(
        header(&refresh, &HeaderName::CallId),
        header(&first, &HeaderName::CallId)
    );
    assert_eq!(
        refresh.headers.authorization().unwrap()[0].get("nc"),
        Some("00000002")
    );
    assert_eq!(f.events(), vec![RegistrationEvent::Registering]);
    f.answer(&refresh, 200, &[(HeaderName::Expires, "90")]);
    assert_eq!(
        f.events(),
        vec![RegistrationEvent::Registered { expires: 90 }]
    );
    // Short bindings refresh half-way.
    assert_eq!(f.advance(), Duration::from_secs(45));
}

#[test]
fn interval_too_brief_uses_min_expires() {
    let mut f = Fixture::new(None);
    let now = f.now;
    f.reg.start(now, &mut f.rng);
    let first = f.request();
    f.answer(&first, 423, &[(HeaderName::MinExpires, "7200")]);
    let second = f.request();
    assert_eq!(header(&second, &HeaderName::Expires), "7200");
    assert!(header(&second, &HeaderName::Contact).ends_with(";expires=7200"));
    f.answer(&second, 200, &[]);
    let ev = f.events();
    assert_eq!(
        ev.last(),
        Some(&RegistrationEvent::Registered { expires: 7200 })
    );
}

#[test]
fn failures_back_off_with_jitter_and_retry_after() {
    let mut f = Fixture::new(None);
    let now = f.now;
    f.reg.start(now, &mut f.rng);
    let mut waits = Vec::new();
    for _ in 0..8 {
        let req = f.request();
        f.answer(&req, 500, &[]);
        let Some(RegistrationEvent::Failed { code, retry_in, .. }) = f.events().pop() else {
            panic!("expected a failure event");
        };
        assert_eq!(code, 500);
        assert_eq!(f.reg.state(), RegistrationState::Failed);
        assert_eq!(f.advance(), retry_in);
        waits.push(retry_in.as_secs_f64());
    }
    // RFC 5626 §4.5: 30 s · 2^n, capped at 1800 s, each scaled into 50–100 %.
    for (n, w) in waits.iter().enumerate() {
        let upper = (30.0 * 2f64.powi(n as i32)).min(1800.0);
        assert!(
            *w >= upper / 2.0 && *w <= upper,
            "retry {n}: {w} not in [{}, {upper}]",
            upper / 2.0
        );
    }
    // A 503 with Retry-After is honoured exactly.
    let req = f.request();
    f.answer(&req, 503, &[(HeaderName::RetryAfter, "120")]);
    assert_eq!(f.advance(), Duration::from_secs(120));
    // Success resets the back-off.
    let req = f.request();
    f.answer(&req, 200, &[]);
    assert_eq!(
        f.events().pop(),
        Some(RegistrationEvent::Registered { expires: 3600 })
    );
}

#[test]
fn timeout_and_transport_error_are_failures() {
    let mut f = Fixture::new(None);
    let now = f.now;
    f.reg.start(now, &mut f.rng);
    let _ = f.request();
    f.reg
        .handle_failure(now, TransactionFailure::Timeout, &mut f.rng);
    assert!(matches!(
        f.events().pop(),
        Some(RegistrationEvent::Failed { code: 408, .. })
    ));
    f.advance();
    let _ = f.request();
    let now = f.now;
    f.reg
        .handle_failure(now, TransactionFailure::TransportError, &mut f.rng);
    assert!(matches!(
        f.events().pop(),
        Some(RegistrationEvent::Failed { code: 503, .. })
    ));
    // A failure report with nothing pending changes nothing.
    f.reg
        .handle_failure(now, TransactionFailure::Timeout, &mut f.rng);
    assert!(f.events().is_empty());
}

#[test]
fn wrong_password_fails_without_looping() {
    let mut f = Fixture::new(Some("wrong"));
    let now = f.now;
    f.reg.start(now, &mut f.rng);
    let first = f.request();
    f.answer(&first, 401, &[(HeaderName::WwwAuthenticate, CHALLENGE)]);
    let second = f.request();
    assert!(second.headers.contains(&HeaderName::Authorization));
    // The same realm challenges again without stale=true: the password is wrong.
    f.answer(&second, 401, &[(HeaderName::WwwAuthenticate, CHALLENGE)]);
    assert!(
        f.reg.poll_request().is_none(),
        "no third attempt with the same credentials"
    );
    let ev = f.events();
    assert!(
        matches!(ev.last(), Some(RegistrationEvent::Failed { code: 401, .. })),
        "{ev:?}"
    );
    // A new password is used at the next retry, answering the last challenge at once.
    f.reg
        .set_credentials(DigestCredentials::new("alice", "right"));
    f.advance();
    let retry = f.request();
    assert!(retry.headers.contains(&HeaderName::Authorization));
    f.answer(&retry, 200, &[]);
    assert!(matches!(
        f.events().pop(),
        Some(RegistrationEvent::Registered { .. })
    ));
}

#[test]
fn stale_nonce_is_retried_once_silently() {
    let mut f = Fixture::new(Some("secret"));
    let now = f.now;
    f.reg.start(now, &mut f.rng);
    let first = f.request();
    f.answer(&first, 401, &[(HeaderName::WwwAuthenticate, CHALLENGE)]);
    let second = f.request();
    let stale = r#"Digest realm="example.com", nonce="fresh", qop="auth", stale=true"#;
    f.answer(&second, 401, &[(HeaderName::WwwAuthenticate, stale)]);
    let third = f.request();
    assert_eq!(
        third.headers.authorization().unwrap()[0].get("nonce"),
        Some("fresh")
    );
    f.answer(&third, 200, &[]);
    assert!(matches!(
        f.events().pop(),
        Some(RegistrationEvent::Registered { .. })
    ));
}

#[test]
fn proxy_challenge_and_outbound_proxy_route() {
    let mut cfg = config(Some("secret"));
    cfg.outbound_proxy = Some(SipUri::parse("sip:proxy.example.com:5070").unwrap());
    let mut rng = Rng::from_seed([2; 32]);
    let mut reg = Registration::new(cfg, &mut rng);
    let now = clock::origin();
    reg.start(now, &mut rng);
    let first = reg.poll_request().unwrap();
    assert_eq!(
        header(&first, &HeaderName::Route),
        "<sip:proxy.example.com:5070;lr>"
    );
    let mut resp = Response::new(StatusCode::new(407).unwrap());
    resp.headers.push(
        HeaderName::CSeq,
        first.headers.get(&HeaderName::CSeq).unwrap(),
    );
    resp.headers.push(HeaderName::ProxyAuthenticate, CHALLENGE);
    reg.handle_response(now, &resp, &mut rng);
    let second = reg.poll_request().unwrap();
    assert_eq!(second.headers.proxy_authorization().unwrap().len(), 1);
    assert!(second.headers.authorization().unwrap().is_empty());
}

#[test]
fn unregister_sends_expires_zero() {
    let mut f = Fixture::new(None);
    let now = f.now;
    f.reg.start(now, &mut f.rng);
    let req = f.request();
    f.answer(&req, 200, &[]);
    f.events();
    f.reg.stop(now, &mut f.rng);
    let bye = f.request();
    assert_eq!(header(&bye, &HeaderName::Expires), "0");
    assert!(header(&bye, &HeaderName::Contact).ends_with(";expires=0"));
    assert_eq!(f.reg.poll_timeout(), None, "no refresh while unregistering");
    f.answer(&bye, 200, &[]);
    assert_eq!(f.events(), vec![RegistrationEvent::Unregistered]);
    assert_eq!(f.reg.state(), RegistrationState::Idle);
    // Stopping an idle registration sends nothing.
    f.reg.stop(now, &mut f.rng);
    assert!(f.reg.poll_request().is_none());
}

#[test]
fn late_and_provisional_responses_are_ignored() {
    let mut f = Fixture::new(None);
    let now = f.now;
    f.reg.start(now, &mut f.rng);
    let first = f.request();
    f.answer(&first, 100, &[]);
    assert_eq!(f.reg.state(), RegistrationState::Registering);
    f.reg
        .handle_failure(now, TransactionFailure::Timeout, &mut f.rng);
    f.events();
    // The 200 to the timed-out attempt arrives late: ignored.
    f.answer(&first, 200, &[]);
    assert!(f.events().is_empty());
    assert_eq!(f.reg.state(), RegistrationState::Failed);
}

#[test]
fn registrations_are_independent() {
    let mut rng = Rng::from_seed([3; 32]);
    let a = Registration::new(config(None), &mut rng);
    let b = Registration::new(config(None), &mut rng);
    assert_ne!(a.call_id(), b.call_id());
}

fn via(received: &str, rport: u16) -> String {
    format!("SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKnat;received={received};rport={rport}")
}

#[test]
fn contact_is_fixed_from_received_and_rport_and_the_old_binding_removed() {
    let mut f = Fixture::new(None);
    let now = f.now;
    f.reg.start(now, &mut f.rng);
    let first = f.request();
    let seen = via("203.0.113.7", 40000);
    f.answer(&first, 200, &[(HeaderName::Via, &seen)]);
    assert_eq!(
        f.events(),
        [
            RegistrationEvent::Registering,
            RegistrationEvent::Registering
        ]
    );
    let second = f.request();
    let contacts: Vec<_> = second.headers.get_all(&HeaderName::Contact).collect();
    assert_eq!(contacts.len(), 2, "{contacts:?}");
    assert_eq!(contacts[0], "<sip:alice@203.0.113.7:40000>;expires=3600");
    assert_eq!(contacts[1], "<sip:alice@192.0.2.10:5062>;expires=0");
    f.answer(&second, 200, &[(HeaderName::Via, &seen)]);
    assert_eq!(
        f.events(),
        [RegistrationEvent::Registered { expires: 3600 }]
    );
    assert_eq!(f.reg.contact().to_string(), "sip:alice@203.0.113.7:40000");
    // The refresh carries only the new Contact.
    f.advance();
    let refresh = f.request();
    let contacts: Vec<_> = refresh.headers.get_all(&HeaderName::Contact).collect();
    assert_eq!(contacts.len(), 1, "{contacts:?}");
}

#[test]
fn contact_stays_when_seen_from_where_it_says_or_on_streams() {
    // Seen from our own address: nothing to fix.
    let mut f = Fixture::new(None);
    let now = f.now;
    f.reg.start(now, &mut f.rng);
    let r = f.request();
    f.answer(&r, 200, &[(HeaderName::Via, &via("192.0.2.10", 5062))]);
    assert_eq!(
        f.events()[1..],
        [RegistrationEvent::Registered { expires: 3600 }]
    );
    assert!(f.reg.poll_request().is_none());

    // TCP: the source port is the connection's; the Contact stays.
    let mut rng = Rng::from_seed([2; 32]);
    let mut cfg = config(None);
    cfg.contact = SipUri::parse("sip:alice@192.0.2.10:5062;transport=tcp").unwrap();
    let mut f = Fixture {
        reg: Registration::new(cfg, &mut rng),
        rng,
        now: clock::origin(),
    };
    f.reg.start(now, &mut f.rng);
    let r = f.request();
    f.answer(&r, 200, &[(HeaderName::Via, &via("203.0.113.7", 40000))]);
    assert_eq!(
        f.events()[1..],
        [RegistrationEvent::Registered { expires: 3600 }]
    );
    assert_eq!(f.reg.contact().port, Some(5062));
}

#[test]
fn a_nat_that_maps_every_request_anew_does_not_loop() {
    let mut f = Fixture::new(None);
    let now = f.now;
    f.reg.start(now, &mut f.rng);
    for port in 40000..40010 {
        let Some(r) = f.reg.poll_request() else {
            break;
        };
        f.answer(&r, 200, &[(HeaderName::Via, &via("203.0.113.7", port))]);
    }
    let events = f.events();
    assert_eq!(
        events.last(),
        Some(&RegistrationEvent::Registered { expires: 3600 }),
        "{events:?}"
    );
    let registers = events
        .iter()
        .filter(|e| **e == RegistrationEvent::Registering)
        .count();
    assert_eq!(registers, 1 + MAX_CONTACT_FIXES as usize, "{events:?}");
}
