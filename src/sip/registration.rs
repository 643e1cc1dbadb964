//! The registration client (RFC 3261 §10.2): REGISTER with Contact and Expires, refresh
//! before expiry (§10.2.4), 423 → retry with Min-Expires (§10.2.8, §10.3 step 7), digest
//! challenges (§22, via [`DigestSession`]), failures retried with growing back-off and jitter
//! (the RFC 5626 §4.5 formula, so a server outage does not cause a storm), and unregistering
//! with `Expires: 0` (§10.2.2).
//!
//! Sans-IO: [`Registration::poll_request`] yields REGISTER requests without a Via (the UA core
//! adds the Via with its branch and sends it in a client transaction); the core feeds back the
//! final responses and transaction failures. Time and randomness come in as arguments.

use super::digest::{ChallengeOutcome, DigestCredentials, DigestSession};
use super::header::HeaderName;
use super::headers::{CSeq, Contacts, NameAddr};
use super::message::{Request, Response};
use super::method::Method;
use super::rng::Rng;
use super::text::Text;
use super::uri::{Host, SipUri, Uri};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// What a registration needs to know about its account.
#[derive(Debug, Clone)]
pub struct RegistrationConfig {
    /// The address-of-record (To and From), e.g. `sip:alice@example.com`.
    pub aor: SipUri,
    /// The registrar's URI (the Request-URI), e.g. `sip:example.com`.
    pub registrar: SipUri,
    /// Our contact address.
    pub contact: SipUri,
    /// The expiry we ask for, in seconds.
    pub expires: u32,
    /// Digest credentials, when the account has a password.
    pub credentials: Option<DigestCredentials>,
    /// An outbound proxy to route through (a loose route, RFC 3261 §8.1.2).
    pub outbound_proxy: Option<SipUri>,
    /// The User-Agent header value.
    pub user_agent: Option<String>,
}

/// Where the registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationState {
    /// Not registered and not trying.
    Idle,
    /// A REGISTER is on its way.
    Registering,
    /// Registered until the given instant.
    Registered {
        /// When the binding expires at the registrar.
        until: Instant,
    },
    /// The last attempt failed; a retry is scheduled.
    Failed,
    /// An unregister (Expires: 0) is on its way.
    Unregistering,
}

/// What the registration reports to the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationEvent {
    /// A REGISTER went out (first attempt, refresh or retry).
    Registering,
    /// The registrar accepted the binding for `expires` seconds.
    Registered {
        /// The expiry the registrar granted.
        expires: u32,
    },
    /// The attempt failed; `code` is the final status (408 for a timeout, 503 for a
    /// transport error) and `retry_in` when the next attempt is scheduled.
    Failed {
        /// Status code.
        code: u16,
        /// Reason phrase or description.
        reason: String,
        /// Delay before the automatic retry.
        retry_in: Duration,
    },
    /// The binding was removed (or the unregister finished, whatever its answer).
    Unregistered,
}

/// Why a REGISTER transaction ended without a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionFailure {
    /// Timer F fired (RFC 3261 §17.1.2.2): reported as 408.
    Timeout,
    /// The transport failed (§17.1.4): reported as 503.
    TransportError,
}

/// Retry back-off (RFC 5626 §4.5): `min(max, base * 2^failures)`, then a random 50–100 %.
const RETRY_BASE: Duration = Duration::from_secs(30);
const RETRY_MAX: Duration = Duration::from_secs(1800);
/// How many times in a row the Contact is fixed from Via before the registration settles for
/// what it has.
const MAX_CONTACT_FIXES: u32 = 2;
/// How many 423 answers in a row are followed before giving up (no loops with a broken
/// registrar).
const MAX_INTERVAL_RETRIES: u32 = 2;

/// One account's registration with one registrar.
#[derive(Debug)]
pub struct Registration {
    config: RegistrationConfig,
    digest: Option<DigestSession>,
    call_id: Text,
    from_tag: Text,
    cseq: u32,
    /// The expiry asked for next (raised by 423 Min-Expires).
    expires: u32,
    state: RegistrationState,
    /// CSeq of the REGISTER awaiting an answer.
    pending: Option<u32>,
    deadline: Option<Instant>,
    failures: u32,
    interval_retries: u32,
    /// A Contact replaced by [`Registration::fix_contact`], removed by the next REGISTER.
    stale_contact: Option<SipUri>,
    /// Contact fixes in a row without a stable answer (a NAT that maps every request anew
    /// must not make us re-register forever).
    contact_fixes: u32,
    requests: VecDeque<Request>,
    events: VecDeque<RegistrationEvent>,
}

impl Registration {
    /// A registration for `config`; `call_id_host` names this machine in the Call-ID.
    pub fn new(config: RegistrationConfig, rng: &mut Rng) -> Self {
        let digest = config.credentials.clone().map(DigestSession::new);
        let host = config.contact.host.to_string();
        Registration {
            expires: config.expires,
            call_id: Text::from(format!("{}@{}", rng.hex(12), host)),
            from_tag: Text::from(rng.tag()),
            cseq: (rng.next_u64() % 10_000) as u32 + 1,
            config,
            digest,
            state: RegistrationState::Idle,
            pending: None,
            deadline: None,
            failures: 0,
            interval_retries: 0,
            stale_contact: None,
            contact_fixes: 0,
            requests: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Where the registration stands.
    pub fn state(&self) -> RegistrationState {
        self.state
    }

    /// The Call-ID every REGISTER of this registration uses (§10.2.4: one per boot cycle).
    pub fn call_id(&self) -> &Text {
        &self.call_id
    }

    /// Starts registering now.
    pub fn start(&mut self, now: Instant, rng: &mut Rng) {
        self.failures = 0;
        self.send_register(now, self.expires, rng);
    }

    /// Removes our binding (`Expires: 0`); ends with [`RegistrationEvent::Unregistered`].
    pub fn stop(&mut self, now: Instant, rng: &mut Rng) {
        let _ = now;
        self.deadline = None;
        if matches!(self.state, RegistrationState::Idle) {
            // Nothing was ever bound (or it is gone already): done at once.
            self.events.push_back(RegistrationEvent::Unregistered);
            return;
        }
        self.state = RegistrationState::Unregistering;
        self.pending = Some(self.queue_register(0, rng));
    }

    /// Replaces the credentials (a new password): the next attempt starts afresh.
    pub fn set_credentials(&mut self, credentials: DigestCredentials) {
        match &mut self.digest {
            Some(d) => d.set_credentials(credentials),
            None => self.digest = Some(DigestSession::new(credentials)),
        }
    }

    /// A final response to the REGISTER whose CSeq number is `response`'s (others are
    /// ignored: a late answer to an older attempt).
    pub fn handle_response(&mut self, now: Instant, response: &Response, rng: &mut Rng) {
        let cseq = response.headers.cseq().ok().map(|c| c.seq);
        if cseq.is_none() || cseq != self.pending || response.status.is_provisional() {
            return;
        }
        self.pending = None;
        let code = response.status.as_u16();
        match code {
            200..=299 => self.on_success(now, response, rng),
            401 | 407 => self.on_challenge(now, response, code == 407, rng),
            423 => self.on_interval_too_brief(now, response, rng),
            _ => {
                let retry_after = response
                    .headers
                    .retry_after()
                    .ok()
                    .flatten()
                    .map(|r| Duration::from_secs(u64::from(r.seconds)));
                self.fail(now, code, response.reason.to_string(), retry_after, rng);
            }
        }
    }

    /// The REGISTER transaction ended with no response.
    pub fn handle_failure(&mut self, now: Instant, failure: TransactionFailure, rng: &mut Rng) {
        if self.pending.take().is_none() {
            return;
        }
        let (code, reason) = match failure {
            TransactionFailure::Timeout => (408, "Request Timeout: no answer from the registrar"),
            TransactionFailure::TransportError => (503, "Service Unavailable: transport error"),
        };
        self.fail(now, code, reason.to_owned(), None, rng);
    }

    /// Runs the refresh or retry timer when it is due (spurious calls are harmless).
    pub fn handle_timeout(&mut self, now: Instant, rng: &mut Rng) {
        if self.deadline.is_some_and(|d| d <= now) {
            self.deadline = None;
            self.send_register(now, self.expires, rng);
        }
    }

    /// The next REGISTER to send (without Via: the core adds it with a fresh branch).
    pub fn poll_request(&mut self) -> Option<Request> {
        self.requests.pop_front()
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<RegistrationEvent> {
        self.events.pop_front()
    }

    /// When [`Registration::handle_timeout`] should run next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    fn send_register(&mut self, _now: Instant, expires: u32, rng: &mut Rng) {
        if self.state == RegistrationState::Unregistering {
            return;
        }
        if !matches!(self.state, RegistrationState::Registered { .. }) {
            self.state = RegistrationState::Registering;
        }
        self.pending = Some(self.queue_register(expires, rng));
        self.events.push_back(RegistrationEvent::Registering);
    }

    /// Builds a REGISTER (§10.2) and queues it; returns its CSeq number.
    fn queue_register(&mut self, expires: u32, rng: &mut Rng) -> u32 {
        self.cseq = self.cseq.wrapping_add(1) % (1 << 31);
        let c = &self.config;
        let mut r = Request::new(Method::Register, Uri::Sip(c.registrar.clone()));
        let h = &mut r.headers;
        if let Some(proxy) = &c.outbound_proxy {
            let mut route = proxy.clone();
            route.params.set("lr", None);
            h.push(HeaderName::Route, format!("<{route}>"));
        }
        h.push(HeaderName::MaxForwards, "70");
        let mut from = NameAddr::new(Uri::Sip(c.aor.clone()));
        from.params.set("tag", Some(self.from_tag.clone()));
        h.push(HeaderName::From, from.to_string());
        h.push(
            HeaderName::To,
            NameAddr::new(Uri::Sip(c.aor.clone())).to_string(),
        );
        h.push(HeaderName::CallId, self.call_id.clone());
        let cseq = CSeq {
            seq: self.cseq,
            method: Method::Register,
        };
        h.push(HeaderName::CSeq, cseq.to_string());
        let mut contact = NameAddr::new(Uri::Sip(c.contact.clone()));
        contact
            .params
            .set("expires", Some(Text::from(expires.to_string())));
        h.push(HeaderName::Contact, contact.to_string());
        if let Some(stale) = self.stale_contact.take() {
            // §10.2.2: the binding our old Contact made goes away in the same request.
            let mut old = NameAddr::new(Uri::Sip(stale));
            old.params.set("expires", Some(Text::from("0")));
            h.push(HeaderName::Contact, old.to_string());
        }
        h.push(HeaderName::Expires, expires.to_string());
        if let Some(ua) = &c.user_agent {
            h.push(HeaderName::UserAgent, ua.as_str());
        }
        if let Some(digest) = &mut self.digest {
            let uri = r.uri.to_string();
            for (name, value) in digest.authorize_all("REGISTER", &uri, b"", &rng.hex(8)) {
                r.headers.push(name, value.to_string());
            }
        }
        r.headers.push(HeaderName::ContentLength, "0");
        self.requests.push_back(r);
        self.cseq
    }

    fn on_success(&mut self, now: Instant, response: &Response, rng: &mut Rng) {
        if let Some(d) = &mut self.digest {
            d.on_accepted();
        }
        self.failures = 0;
        self.interval_retries = 0;
        if self.state == RegistrationState::Unregistering {
            self.state = RegistrationState::Idle;
            self.events.push_back(RegistrationEvent::Unregistered);
            return;
        }
        if self.contact_fixes < MAX_CONTACT_FIXES && self.fix_contact(response) {
            self.contact_fixes += 1;
            // RFC 3581 §4 told us where we are seen from: bind that address instead.
            self.state = RegistrationState::Registering;
            self.send_register(now, self.expires, rng);
            return;
        }
        self.contact_fixes = 0;
        let granted = self.granted_expires(response);
        if granted == 0 {
            // A 200 that keeps no binding of ours: treat it as a failure and retry later.
            let reason = "registrar kept no binding".to_owned();
            return self.fail(now, 200, reason, None, rng);
        }
        let until = now + Duration::from_secs(u64::from(granted));
        self.state = RegistrationState::Registered { until };
        self.deadline = Some(now + refresh_delay(granted));
        self.events
            .push_back(RegistrationEvent::Registered { expires: granted });
    }

    /// NAT behaviour of a softphone (RFC 3581 §4, §9): when the registrar saw our UDP REGISTER
    /// come from another address than our Contact says (`received` and `rport` in the top
    /// Via), the Contact becomes that address, so that requests for us reach the NAT binding
    /// the REGISTER opened. The old binding is removed in the same REGISTER (`expires=0`).
    /// Stream transports are left alone (their source port is the connection's, not ours),
    /// and so is a Contact with a host name.
    /// Returns whether the Contact changed.
    fn fix_contact(&mut self, response: &Response) -> bool {
        let contact = &self.config.contact;
        let udp = contact
            .params
            .value("transport")
            .is_none_or(|t| t.eq_ignore_ascii_case("udp"));
        let Ok(via) = response.headers.top_via() else {
            return false;
        };
        let (received, rport) = (via.received(), via.rport().flatten());
        // A Contact with a host name was chosen by the user (or names a public host): keep it.
        let literal = !matches!(contact.host, Host::Name(_));
        if !udp || !literal || (received.is_none() && rport.is_none()) {
            return false;
        }
        let host = match received {
            Some(ip) => Host::from(ip),
            None => via.host.clone(),
        };
        let port = rport.or(via.port).unwrap_or(5060);
        if contact.host == host && contact.port.unwrap_or(5060) == port {
            return false;
        }
        let mut fixed = contact.clone();
        fixed.host = host;
        fixed.port = Some(port);
        self.stale_contact = Some(std::mem::replace(&mut self.config.contact, fixed));
        true
    }

    /// The Contact we register (fixed by [`Registration::fix_contact`] when NAT was seen).
    pub fn contact(&self) -> &SipUri {
        &self.config.contact
    }

    /// §10.2.4: our binding's `expires` parameter, else the Expires header, else what we
    /// asked for.
    fn granted_expires(&self, response: &Response) -> u32 {
        let ours = Uri::Sip(self.config.contact.clone());
        let binding = match response.headers.contacts() {
            Ok(Contacts::List(list)) => list.into_iter().find(|c| c.uri.equivalent(&ours)),
            _ => None,
        };
        binding
            .and_then(|b| b.expires())
            .or_else(|| response.headers.expires().ok().flatten())
            .unwrap_or(self.expires)
    }

    fn on_challenge(&mut self, now: Instant, response: &Response, proxy: bool, rng: &mut Rng) {
        let challenges = if proxy {
            response.headers.proxy_authenticate()
        } else {
            response.headers.www_authenticate()
        }
        .unwrap_or_default();
        let outcome = match &mut self.digest {
            Some(d) => d.on_challenge(&challenges, proxy),
            None => {
                let reason = "no password configured for this account".to_owned();
                return self.fail(now, response.status.as_u16(), reason, None, rng);
            }
        };
        match outcome {
            ChallengeOutcome::Respond | ChallengeOutcome::StaleRetry => {
                let expires = if self.state == RegistrationState::Unregistering {
                    0
                } else {
                    self.expires
                };
                self.pending = Some(self.queue_register(expires, rng));
            }
            ChallengeOutcome::Failed(why) => {
                let reason = format!("{}: {why:?}", response.reason);
                self.fail(now, response.status.as_u16(), reason, None, rng);
            }
        }
    }

    /// §10.2.8: retry with the registrar's Min-Expires.
    fn on_interval_too_brief(&mut self, now: Instant, response: &Response, rng: &mut Rng) {
        let min = response.headers.min_expires().ok().flatten();
        match min {
            Some(min) if min > self.expires && self.interval_retries < MAX_INTERVAL_RETRIES => {
                self.interval_retries += 1;
                self.expires = min;
                self.pending = Some(self.queue_register(min, rng));
            }
            _ => {
                let reason = "Interval Too Brief without a usable Min-Expires".to_owned();
                self.fail(now, 423, reason, None, rng);
            }
        }
    }

    fn fail(
        &mut self,
        now: Instant,
        code: u16,
        reason: String,
        after: Option<Duration>,
        rng: &mut Rng,
    ) {
        if self.state == RegistrationState::Unregistering {
            // Whatever went wrong, we are done with this binding.
            self.state = RegistrationState::Idle;
            self.events.push_back(RegistrationEvent::Unregistered);
            return;
        }
        let retry_in = after.unwrap_or_else(|| backoff(self.failures, rng));
        self.failures = self.failures.saturating_add(1);
        self.state = RegistrationState::Failed;
        self.deadline = Some(now + retry_in);
        self.events.push_back(RegistrationEvent::Failed {
            code,
            reason,
            retry_in,
        });
    }
}

/// When to refresh a binding that lasts `expires` seconds: half-way for short bindings,
/// otherwise 30 s before it ends, so that a lost refresh can still be retried in time.
pub fn refresh_delay(expires: u32) -> Duration {
    let e = u64::from(expires);
    let secs = if e <= 120 { e / 2 } else { e - 30 };
    Duration::from_secs(secs.max(1))
}

/// RFC 5626 §4.5: `min(RETRY_MAX, RETRY_BASE * 2^failures)`, scaled by a random 50–100 %.
pub fn backoff(failures: u32, rng: &mut Rng) -> Duration {
    let upper = RETRY_BASE
        .saturating_mul(1u32 << failures.min(10))
        .min(RETRY_MAX);
    upper.mul_f64(0.5 + 0.5 * rng.unit())
}

#[cfg(test)]
mod tests;
