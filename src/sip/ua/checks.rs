//! The UAS checks of RFC 3261 §8.2 that every incoming request goes through, in the RFC's
//! order (400/505 for syntax, 405 with Allow, 416, 420 with Unsupported, 406, 415 with Accept,
//! 481, 482 for merged requests), the routing of a request to its handler, OPTIONS (§11.2), and
//! building responses (§8.2.6).

use super::{ALLOWED, SUPPORTED, UaEvent, UserAgent, allow_value};
use crate::sip::header::HeaderName;
use crate::sip::headers::NameAddr;
use crate::sip::message::{Message, Request, Response, StatusCode};
use crate::sip::method::Method;
use crate::sip::text::Text;
use crate::sip::transaction::{Peer, TransactionId};
use crate::sip::uri::Uri;
use std::time::Instant;

/// A refusal: status, an optional reason phrase, extra headers.
type Refusal = (u16, Option<String>, Vec<(HeaderName, String)>);

/// §8.2.2.2: the From tag, Call-ID and CSeq that identify a request across forks.
pub(super) type MergeKey = (String, String, u32, String);

fn merge_key(request: &Request) -> Option<MergeKey> {
    let from = request.headers.from().ok()?;
    let call_id = request.headers.call_id().ok()?;
    let cseq = request.headers.cseq().ok()?;
    // The CSeq method counts: a CANCEL shares the INVITE's number but is not a merge.
    let method = cseq.method.as_str().to_owned();
    Some((
        from.tag()?.to_owned(),
        call_id.to_string(),
        cseq.seq,
        method,
    ))
}

impl UserAgent {
    /// RFC 3261 §8.2: the checks every incoming request goes through, in the RFC's order,
    /// then the request goes to its handler.
    pub(super) fn handle_request(
        &mut self,
        now: Instant,
        id: TransactionId,
        request: &Request,
        peer: Peer,
    ) {
        if let Err((status, reason, extra)) = self
            .check_merged(id, request)
            .and_then(|()| self.check_request(request))
        {
            let mut r = self.response(request, status);
            if let Some(reason) = &reason {
                r.reason = Text::from(reason.as_str());
            }
            for (name, value) in extra {
                r.headers.push(name, value);
            }
            let reason = reason.unwrap_or_else(|| r.reason.to_string());
            self.events.push_back(UaEvent::Rejected {
                peer,
                status: Some(status),
                reason,
            });
            let _ = self.transactions.send_response(now, id, r);
            return;
        }
        let to_tagged = request.headers.to().is_ok_and(|t| t.tag().is_some());
        match &request.method {
            Method::Cancel => self.on_cancel(now, id, request),
            _ if to_tagged => {
                // §12.2.2: inside a dialog we know, or 481 (§8.2.2.1).
                if !self.on_in_dialog_request(now, id, request) {
                    let r = self.response(request, 481);
                    let _ = self.transactions.send_response(now, id, r);
                }
            }
            Method::Invite => self.on_incoming_invite(now, id, request, peer),
            Method::Options => {
                let r = self.answer_options(request);
                let _ = self.transactions.send_response(now, id, r);
            }
            _ => {
                let r = self.response(request, 481);
                let _ = self.transactions.send_response(now, id, r);
            }
        }
    }

    /// §8.2.2.2: a request without To tag whose From tag, Call-ID and CSeq equal those of a
    /// live server transaction it does not belong to arrived over a second path: 482.
    fn check_merged(&mut self, id: TransactionId, request: &Request) -> Result<(), Refusal> {
        let to_tagged = request.headers.to().ok().is_some_and(|t| t.tag().is_some());
        let Some(key) = merge_key(request).filter(|_| !to_tagged) else {
            return Ok(());
        };
        match self.merge_keys.get(&key) {
            Some(other) if *other != id => Err((482, None, Vec::new())),
            _ => {
                self.merge_keys.insert(key.clone(), id);
                self.merge_keys_by_tx.insert(id, key);
                Ok(())
            }
        }
    }

    fn check_request(&self, request: &Request) -> Result<(), Refusal> {
        // §8.2 before all: the syntax (400, or 505 for another version).
        if let Err(e) = Message::Request(request.clone()).validate() {
            return Err((e.status_code(), Some(e.reason_phrase()), Vec::new()));
        }
        // §8.2.1: methods we do not handle get 405 with Allow.
        if !ALLOWED.contains(&request.method) {
            return Err((405, None, vec![(HeaderName::Allow, allow_value())]));
        }
        // §8.2.2.1: schemes we do not understand: 416.
        if matches!(request.uri, Uri::Other(_)) {
            return Err((416, None, Vec::new()));
        }
        // §8.2.2.3: option tags in Require we do not support: 420 with Unsupported.
        let required = request.headers.require().unwrap_or_default();
        let unsupported: Vec<String> = required
            .iter()
            .filter(|t| !SUPPORTED.contains(&t.as_str()))
            .map(|t| t.to_string())
            .collect();
        if !unsupported.is_empty() {
            return Err((
                420,
                None,
                vec![(HeaderName::Unsupported, unsupported.join(", "))],
            ));
        }
        // §8.2.3 / RFC 4475 §3.3.15: an INVITE or OPTIONS whose Accept rules out SDP wants a
        // body we cannot produce: 406.
        if matches!(request.method, Method::Invite | Method::Options) {
            if let Ok(accept) = request.headers.accept() {
                let sdp_ok = accept.is_empty()
                    || accept.iter().any(|m| {
                        (m.kind.as_str() == "*" || m.kind.eq_ignore_ascii_case("application"))
                            && (m.subtype.as_str() == "*" || m.subtype.eq_ignore_ascii_case("sdp"))
                    });
                if !sdp_ok {
                    let accept = (HeaderName::Accept, "application/sdp".into());
                    return Err((406, None, vec![accept]));
                }
            }
        }
        // §8.2.3: a body we cannot read: 415 with Accept.
        if let Ok(Some(ct)) = request.headers.content_type() {
            // INFO carries DTMF bodies (calls/info.rs), which reads and answers them.
            let info_body = request.method == Method::Info
                && (ct.is("application", "dtmf-relay") || ct.is("application", "dtmf"));
            if !request.body.is_empty() && !ct.is("application", "sdp") && !info_body {
                return Err((
                    415,
                    None,
                    vec![(HeaderName::Accept, "application/sdp".into())],
                ));
            }
        }
        Ok(())
    }

    /// §11.2: OPTIONS gets 200 with Allow, Accept and Supported.
    fn answer_options(&mut self, request: &Request) -> Response {
        let mut r = self.response(request, 200);
        r.headers.push(HeaderName::Allow, allow_value());
        r.headers.push(HeaderName::Accept, "application/sdp");
        r.headers.push(HeaderName::Supported, SUPPORTED.join(", "));
        r
    }

    /// §8.2.6.2: Via, From, Call-ID and CSeq copied, To copied with our tag added.
    pub(super) fn response(&mut self, request: &Request, status: u16) -> Response {
        let code = StatusCode::new(status).unwrap_or(StatusCode::SERVER_INTERNAL_ERROR);
        let mut r = Response::new(code);
        for h in request.headers.iter() {
            if matches!(
                h.name,
                HeaderName::Via | HeaderName::From | HeaderName::CallId | HeaderName::CSeq
            ) {
                r.headers.push(h.name.clone(), h.value_text());
            }
        }
        if let Some(to) = request.headers.get(&HeaderName::To) {
            let value = match NameAddr::parse(to) {
                Ok(mut na) if na.tag().is_none() && status > 100 => {
                    na.params.set("tag", Some(Text::from(self.rng.tag())));
                    na.to_string()
                }
                _ => to.to_string(),
            };
            r.headers.push(HeaderName::To, value);
        }
        r.headers
            .push(HeaderName::Server, self.config.user_agent.as_str());
        r.headers.push(HeaderName::ContentLength, "0");
        r
    }
}
