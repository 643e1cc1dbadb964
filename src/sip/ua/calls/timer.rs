//! Session timers (RFC 4028), honoured when the peer asks: an incoming INVITE with
//! Session-Expires gets it back in our 2xx with a refresher (§9, Table 2), 422 with Min-SE when
//! the interval is below our minimum; a Session-Expires in the 2xx to our INVITE is obeyed
//! (§7.2). The refresher re-INVITEs at half the interval (§9, §10); the other side sends BYE
//! `min(32 s, interval/3)` before the expiration if no refresh came (§10).

use super::super::UserAgent;
use super::Phase;
use crate::sip::call::{CallId, EndReason};
use crate::sip::grammar::{ParamSyntax, parse_params, parse_u32, trim_wsp};
use crate::sip::header::{HeaderName, Headers};
use crate::sip::method::Method;
use std::time::{Duration, Instant};

/// The smallest session interval we accept (RFC 4028 §4: at least 90 s).
pub const MIN_SE: u32 = 90;

/// Who refreshes the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::sip::ua) enum Refresher {
    Uac,
    Uas,
}

/// A parsed Session-Expires value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::sip::ua) struct SessionExpires {
    pub(in crate::sip::ua) interval: u32,
    pub(in crate::sip::ua) refresher: Option<Refresher>,
}

/// `Session-Expires = delta-seconds *(SEMI se-params)` (RFC 4028 §4).
pub(in crate::sip::ua) fn session_expires(headers: &Headers) -> Option<SessionExpires> {
    let h = headers.first(&HeaderName::SessionExpires)?;
    let v = trim_wsp(h.value);
    let end = v.find(';').unwrap_or(v.len());
    let interval = parse_u32(trim_wsp(&v[..end]))?;
    let (params, _) = parse_params(h.src(), &v[end..], ParamSyntax::Header).ok()?;
    let refresher = match params.value("refresher") {
        Some(r) if r.eq_ignore_ascii_case("uac") => Some(Refresher::Uac),
        Some(r) if r.eq_ignore_ascii_case("uas") => Some(Refresher::Uas),
        _ => None,
    };
    Some(SessionExpires {
        interval,
        refresher,
    })
}

fn supports_timer(headers: &Headers) -> bool {
    headers
        .supported()
        .is_ok_and(|tags| tags.iter().any(|t| t.eq_ignore_ascii_case("timer")))
}

/// The session timer state of one call (RFC 4028 §9: bound to the dialog).
#[derive(Debug, Clone, Copy)]
pub(in crate::sip::ua) struct SessionTimer {
    interval: u32,
    we_refresh: bool,
    /// When to refresh (refresher) or to give up with BYE (the other side).
    pub(in crate::sip::ua) deadline: Instant,
}

impl SessionTimer {
    fn new(now: Instant, interval: u32, we_refresh: bool) -> Self {
        let secs = u64::from(interval);
        let wait = if we_refresh {
            secs / 2
        } else {
            secs - (secs / 3).min(32)
        };
        SessionTimer {
            interval,
            we_refresh,
            deadline: now + Duration::from_secs(wait.max(1)),
        }
    }

    fn header(&self, we_are_uac: bool) -> String {
        let refresher = if self.we_refresh == we_are_uac {
            "uac"
        } else {
            "uas"
        };
        format!("{};refresher={refresher}", self.interval)
    }
}

/// What the UAS answers to a request for a session timer.
pub(in crate::sip::ua) enum Ask {
    /// No timer requested.
    None,
    /// The interval is below [`MIN_SE`]: 422 with Min-SE.
    TooSmall,
    /// Use this timer; put these headers in the 2xx.
    Use(SessionExpires),
}

/// RFC 4028 §9: what the peer's INVITE (or refresh) asks for.
pub(in crate::sip::ua) fn asked(headers: &Headers) -> Ask {
    let Some(se) = session_expires(headers) else {
        return Ask::None;
    };
    if se.interval < MIN_SE {
        return Ask::TooSmall;
    }
    // Table 2: the UAC's choice stands; with none, a UAC that supports timers refreshes,
    // otherwise we do.
    let refresher = match (se.refresher, supports_timer(headers)) {
        (Some(r), true) => r,
        (None, true) => Refresher::Uac,
        (_, false) => Refresher::Uas,
    };
    Ask::Use(SessionExpires {
        interval: se.interval,
        refresher: Some(refresher),
    })
}

impl UserAgent {
    /// Adds Session-Expires (and Require: timer) to our 2xx and starts the timer (§9).
    pub(in crate::sip::ua) fn apply_session_timer_uas(
        &mut self,
        now: Instant,
        id: CallId,
        se: SessionExpires,
        response: &mut crate::sip::message::Response,
    ) {
        let we_refresh = se.refresher == Some(Refresher::Uas);
        let timer = SessionTimer::new(now, se.interval, we_refresh);
        let we_are_uac = self
            .calls
            .get(&id)
            .is_some_and(|c| c.role == super::Role::Outgoing);
        response
            .headers
            .push(HeaderName::SessionExpires, timer.header(we_are_uac));
        response.headers.push(HeaderName::Require, "timer");
        if let Some(call) = self.calls.get_mut(&id) {
            call.session_timer = Some(timer);
        }
    }

    /// §7.2: a Session-Expires in the 2xx to our INVITE (or refresh) starts or resets the timer.
    pub(in crate::sip::ua) fn apply_session_timer_uac(
        &mut self,
        now: Instant,
        id: CallId,
        headers: &Headers,
    ) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let we_are_uac = call.role == super::Role::Outgoing;
        call.session_timer = session_expires(headers).map(|se| {
            // §7.2: no refresher in the 2xx means the UAC (the one who sent the request).
            let refresher = se.refresher.unwrap_or(Refresher::Uac);
            let we_refresh = (refresher == Refresher::Uac) == we_are_uac;
            SessionTimer::new(now, se.interval, we_refresh)
        });
    }

    /// A refresh arrived from the peer: the session lives on (§10).
    pub(in crate::sip::ua) fn session_refreshed(&mut self, now: Instant, id: CallId) {
        if let Some(timer) = self
            .calls
            .get_mut(&id)
            .and_then(|c| c.session_timer.as_mut())
        {
            *timer = SessionTimer::new(now, timer.interval, timer.we_refresh);
        }
    }

    /// The session timer fired: refresh (re-INVITE with the same session) or end with BYE.
    pub(in crate::sip::ua) fn session_timer_fired(&mut self, now: Instant, id: CallId) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let Some(timer) = call.session_timer.take() else {
            return;
        };
        if call.phase != Phase::Established {
            return;
        }
        if !timer.we_refresh {
            self.send_in_dialog(now, id, Method::Bye);
            let reason = "the session was not refreshed (RFC 4028)".to_owned();
            return self.end_call(id, EndReason::Failed { code: 408, reason });
        }
        // Try again a little later if another re-INVITE is under way.
        let busy =
            call.reinvite.as_ref().is_some_and(|r| !r.is_answered()) || call.retransmit.is_some();
        let we_are_uac = call.role == super::Role::Outgoing;
        if busy {
            call.session_timer = Some(SessionTimer {
                deadline: now + Duration::from_secs(2),
                ..timer
            });
            return;
        }
        call.session_timer = Some(SessionTimer {
            deadline: now + Duration::from_secs(u64::from(timer.interval)),
            ..timer
        });
        let extra = vec![
            (HeaderName::SessionExpires, timer.header(we_are_uac)),
            (HeaderName::Supported, "timer".to_owned()),
        ];
        let _ = self.send_reinvite_with(now, id, &extra);
    }
}
