//! The callee's side of a call (RFC 3261 §13.3): a new INVITE gets 180 and an early dialog,
//! CANCEL gets 200 and the INVITE 487 (§9.2), in-dialog requests are checked against the
//! dialog (§12.2.2), and our 2xx is resent until the ACK arrives (§13.3.1.4, RFC 6026 §7.1).

use super::super::{AccountId, UserAgent};
use super::{Call, Phase, Role, sdp_of};
use crate::sip::call::{CallEvent, CallId, EndReason};
use crate::sip::dialog::Dialog;
use crate::sip::header::HeaderName;
use crate::sip::message::{Request, Response, StatusCode};
use crate::sip::method::Method;
use crate::sip::offer_answer::OfferAnswer;
use crate::sip::text::Text;
use crate::sip::transaction::{Peer, TransactionId};
use crate::sip::uri::Uri;
use std::time::Instant;

impl UserAgent {
    /// A new INVITE (no To tag): 180 with our tag and an early dialog, then `Incoming`.
    pub(in crate::sip::ua) fn on_incoming_invite(
        &mut self,
        now: Instant,
        tx: TransactionId,
        request: &Request,
        peer: Peer,
    ) {
        // RFC 4028 §9: a session interval below our minimum gets 422 with Min-SE.
        if matches!(
            super::timer::asked(&request.headers),
            super::timer::Ask::TooSmall
        ) {
            let mut r = self.response(request, 422);
            r.reason = Text::from_static("Session Interval Too Small");
            r.headers
                .push(HeaderName::MinSe, super::timer::MIN_SE.to_string());
            let _ = self.transactions.send_response(now, tx, r);
            return;
        }
        let id = CallId(CallId::INCOMING | self.next_incoming);
        self.next_incoming += 1;
        let account = self.account_for(&request.uri);
        let (_, contact) = self.identity(account, peer);
        let tag = self.rng.tag();
        let dialog = match Dialog::from_uas(request, &tag, false, &mut self.rng) {
            Ok(d) => Some(d),
            Err(e) => {
                // §8.1.1.8, §12.1.1: an INVITE must give us a Contact to build a dialog on.
                let mut r = self.response(request, e.status_code());
                r.reason = Text::from(format!("Bad Request ({e})"));
                let _ = self.transactions.send_response(now, tx, r);
                return;
            }
        };
        let Ok(media) = OfferAnswer::new("tincan", self.rng.next_u64() >> 2, 1) else {
            return;
        };
        let remote_offer = sdp_of(&request.body);
        if !request.body.is_empty() && remote_offer.is_none() {
            let mut r = self.response(request, 400);
            r.reason = Text::from("Bad Request (SDP does not parse)");
            let _ = self.transactions.send_response(now, tx, r);
            return;
        }
        let (Ok(from), Ok(to)) = (request.headers.from(), request.headers.to()) else {
            return;
        };
        let to_tagged = {
            let mut t = to.clone();
            t.params.set("tag", Some(Text::from(tag.as_str())));
            t
        };
        let invite = request.clone();
        let mut record = Call::new(Role::Incoming, account, peer, contact, invite, tx, media);
        record.dialog = dialog;
        record.remote_offer = remote_offer;
        record.ring_deadline = Some(now + super::RING_TIMEOUT);
        self.calls.insert(id, record);
        let mut ringing = self.dialog_response(id, 180);
        ringing.headers.set(HeaderName::To, to_tagged.to_string());
        let _ = self.transactions.send_response(now, tx, ringing);
        self.call_event(
            id,
            CallEvent::Incoming {
                account,
                from: Box::new(from),
                to: Box::new(to),
                verified: None,
                encrypted: false,
            },
        );
    }

    /// A response to the call's INVITE: To with our dialog tag, Contact, no body.
    pub(in crate::sip::ua) fn dialog_response(&mut self, id: CallId, code: u16) -> Response {
        let Some(call) = self.calls.get(&id) else {
            return Response::new(StatusCode::SERVER_INTERNAL_ERROR);
        };
        let invite = call.invite.clone();
        let contact = call.contact.clone();
        let tag = call.dialog.as_ref().map(|d| d.id.local_tag.clone());
        let mut r = self.response(&invite, code);
        if let Some(tag) = tag {
            if let Ok(mut to) = invite.headers.to() {
                to.params.set("tag", Some(tag));
                r.headers.set(HeaderName::To, to.to_string());
            }
        }
        if code < 300 {
            // §12.1.1: responses that create the dialog carry the Record-Route of the request.
            for rr in invite.headers.all(&HeaderName::RecordRoute) {
                r.headers.push(HeaderName::RecordRoute, rr.value_text());
            }
            r.headers.push(HeaderName::Contact, format!("<{contact}>"));
        }
        r
    }

    /// The account whose AOR or contact user matches the Request-URI user.
    pub(in crate::sip::ua) fn account_for(&self, uri: &Uri) -> Option<AccountId> {
        let user = uri.as_sip()?.user.as_deref()?;
        self.account_configs
            .iter()
            .find(|(_, c)| {
                c.aor.user.as_deref() == Some(user) || c.contact.user.as_deref() == Some(user)
            })
            .map(|(id, _)| *id)
    }

    /// CANCEL for one of our incoming calls (§9.2): 200 for the CANCEL, and 487 for the INVITE
    /// unless it was answered already.
    pub(in crate::sip::ua) fn on_cancel(
        &mut self,
        now: Instant,
        tx: TransactionId,
        request: &Request,
    ) {
        let invite_tx = self.transactions.invite_for_cancel(request);
        let call = invite_tx.and_then(|itx| {
            self.calls
                .iter()
                .find(|(_, c)| c.invite_tx == itx && c.phase != Phase::Established)
                .map(|(id, _)| *id)
        });
        // §9.2: 200 whenever the INVITE's transaction exists, even if it was already answered
        // (then the CANCEL has no effect); 481 when there is none.
        let status = if invite_tx.is_some() { 200 } else { 481 };
        let mut response = self.response(request, status);
        // §9.2: the 200 to the CANCEL carries the same To tag as the INVITE's responses.
        let tag = call
            .and_then(|id| self.calls.get(&id))
            .and_then(|c| c.dialog.as_ref());
        if let (Some(dialog), Ok(mut to)) = (tag, request.headers.to()) {
            to.params.set("tag", Some(dialog.id.local_tag.clone()));
            response.headers.set(HeaderName::To, to.to_string());
        }
        let _ = self.transactions.send_response(now, tx, response);
        if let (Some(id), Some(itx)) = (call, invite_tx) {
            let terminated = self.dialog_response(id, 487);
            let _ = self.transactions.send_response(now, itx, terminated);
            self.end_call(id, EndReason::Cancelled);
        }
    }

    /// A request inside one of our dialogs; `false` when no call has that dialog.
    pub(in crate::sip::ua) fn on_in_dialog_request(
        &mut self,
        now: Instant,
        tx: TransactionId,
        request: &Request,
    ) -> bool {
        let Some((&id, call)) = self.calls.iter_mut().find(|(_, c)| {
            c.dialog
                .as_ref()
                .is_some_and(|d| d.matches_request(request))
        }) else {
            return false;
        };
        let checked = call.dialog.as_mut().map(|d| d.handle_request(request));
        let status = match (checked, &request.method) {
            (Some(Err(e)), _) => e.status_code(),
            (_, Method::Invite) => {
                self.on_reinvite_request(now, id, tx, request);
                return true;
            }
            (_, Method::Info) => {
                self.on_info(now, id, tx, request);
                return true;
            }
            _ => 200,
        };
        let response = self.response(request, status);
        let _ = self.transactions.send_response(now, tx, response);
        if request.method == Method::Bye && status == 200 {
            self.cancel_reinvite(now, id);
            self.end_call(id, EndReason::Remote);
        }
        true
    }

    /// An ACK for our 2xx (§13.3.1.4): stop retransmitting; take the answer if we offered
    /// in the 200; send the re-INVITE that waited for it.
    pub(in crate::sip::ua) fn on_ack(&mut self, now: Instant, request: &Request) {
        let Some((&id, call)) = self.calls.iter_mut().find(|(_, c)| {
            c.dialog
                .as_ref()
                .is_some_and(|d| d.matches_request(request))
        }) else {
            return;
        };
        if call.retransmit.take().is_none() {
            return;
        }
        let reinvite = std::mem::take(&mut call.reinvite_after_ack);
        self.take_answer_from_ack(now, id, request);
        if reinvite && self.calls.contains_key(&id) {
            let _ = self.send_reinvite(now, id);
        }
    }

    /// §13.3.1.4 / §14.2: when our 2xx carried an offer, the ACK carries the answer; a
    /// missing answer ends the call.
    fn take_answer_from_ack(&mut self, now: Instant, id: CallId, request: &Request) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if call.media.pending_offer().is_none() {
            return;
        }
        let first = call.negotiated.is_none();
        let media = sdp_of(&request.body).and_then(|sdp| call.media.process_answer(&sdp).ok());
        match media {
            Some(media) => {
                call.negotiated = Some(media.clone());
                let media = Box::new(media);
                let event = if first {
                    CallEvent::Answered { media }
                } else {
                    CallEvent::MediaUpdated { media }
                };
                self.call_event(id, event);
            }
            None => {
                self.send_in_dialog(now, id, Method::Bye);
                let reason = "no SDP answer in the ACK".into();
                self.end_call(id, EndReason::Failed { code: 488, reason });
            }
        }
    }

    /// Resends our 2xx until the ACK (T1 doubling to T2), and gives up after 64·T1 with a BYE.
    pub(in crate::sip::ua) fn call_timers(&mut self, now: Instant) {
        let t2 = self.config.timers.t2;
        let due: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, c)| c.next_deadline().is_some_and(|d| d <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            let Some(call) = self.calls.get_mut(&id) else {
                continue;
            };
            if call.ring_deadline.is_some_and(|t| t <= now) {
                // Nobody answered: 480 to the caller, a missed call here.
                call.ring_deadline = None;
                let tx = call.invite_tx;
                let r = self.dialog_response(id, 480);
                let _ = self.transactions.send_response(now, tx, r);
                self.end_call(id, EndReason::Timeout);
                continue;
            }
            if call.session_timer.is_some_and(|t| t.deadline <= now) {
                self.session_timer_fired(now, id);
                continue;
            }
            if call.glare_retry.is_some_and(|t| t <= now) {
                call.glare_retry = None;
                let _ = self.send_reinvite(now, id);
                continue;
            }
            let Some(rt) = &mut call.retransmit else {
                continue;
            };
            if rt.until <= now {
                call.retransmit = None;
                self.send_in_dialog(now, id, Method::Bye);
                self.end_call(id, EndReason::Timeout);
                continue;
            }
            rt.interval = (rt.interval * 2).min(t2);
            rt.next = now + rt.interval;
            let (tx, response) = (rt.tx, rt.response.clone());
            let _ = self.transactions.send_response(now, tx, response);
        }
    }
}

impl UserAgent {
    /// A server transaction timed out or failed (no owner): an incoming call still ringing on
    /// it is over.
    pub(in crate::sip::ua) fn on_server_failure(&mut self, tx: TransactionId) {
        let ringing = self
            .calls
            .iter()
            .find(|(_, c)| c.invite_tx == tx && c.phase != Phase::Established)
            .map(|(id, _)| *id);
        if let Some(id) = ringing {
            self.end_call(id, EndReason::Timeout);
        }
    }
}
