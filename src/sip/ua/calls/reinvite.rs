//! Session changes inside a call (RFC 3261 §14, RFC 3264 §8, RFC 6337 §5.3): hold and resume
//! by re-INVITE in both directions, and glare — a re-INVITE that crosses ours gets 491, and a
//! 491 to ours is retried after the randomized wait of §14.1.

use super::super::UserAgent;
use super::{CallError, Phase, Retransmit, Role, sdp_of};
use crate::sip::call::{CallEvent, CallId, EndReason};
use crate::sip::header::HeaderName;
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::sip::offer_answer::{hold_direction, resume_direction};
use crate::sip::sdp::{Direction, SessionDescription};
use crate::sip::transaction::TransactionId;
use bytes::Bytes;
use std::time::{Duration, Instant};

/// Our re-INVITE in progress.
#[derive(Debug)]
pub(in crate::sip::ua) struct ReInvite {
    pub(super) tx: TransactionId,
    /// The re-INVITE as sent, for a CANCEL if the call ends before it is answered.
    request: Request,
    /// Its CSeq number, for the ACK of its 2xx (§13.2.2.4).
    cseq: u32,
    /// The direction before it, restored if it is refused (§14.1: the session stays as it was).
    previous: Direction,
    /// A 2xx arrived (retransmissions of it are only re-ACKed).
    answered: bool,
}

impl ReInvite {
    /// Whether a 2xx to it arrived.
    pub(super) fn is_answered(&self) -> bool {
        self.answered
    }
}

impl UserAgent {
    /// §9.1: a re-INVITE still unanswered when the call ends is cancelled, so that its
    /// transaction does not wait for a final response for ever.
    pub(super) fn cancel_reinvite(&mut self, now: Instant, id: CallId) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let Some(re) = call.reinvite.take_if(|r| !r.answered) else {
            return;
        };
        let cancel = crate::sip::transaction::build_cancel(&re.request);
        let peer = call
            .dialog
            .as_ref()
            .map_or(call.peer, |d| call.dialog_peer(d));
        if let Ok(tx) = self.transactions.send_request(now, cancel, peer) {
            self.owners.insert(tx, super::super::Owner::Call(id));
        }
    }

    /// Puts the call on hold: a re-INVITE offering `sendonly` (or `inactive` when the peer
    /// already holds us), RFC 6337 §5.3.
    pub fn hold(&mut self, now: Instant, id: CallId) -> Result<(), CallError> {
        self.change_direction(now, id, hold_direction)
    }

    /// Takes the call off hold: a re-INVITE offering `sendrecv` (or `recvonly`).
    pub fn resume(&mut self, now: Instant, id: CallId) -> Result<(), CallError> {
        self.change_direction(now, id, resume_direction)
    }

    /// Changes the offered direction and re-INVITEs; while our 2xx to the peer's last INVITE
    /// waits for its ACK, the re-INVITE waits too (§14.1 allows one INVITE transaction at a
    /// time, and a peer following §14.2 would answer it 500) and goes out with the ACK.
    fn change_direction(
        &mut self,
        now: Instant,
        id: CallId,
        change: fn(Direction) -> Direction,
    ) -> Result<(), CallError> {
        let call = self.calls.get_mut(&id).ok_or(CallError::UnknownCall(id))?;
        let busy = call.reinvite.as_ref().is_some_and(|r| !r.answered)
            || call.glare_retry.is_some()
            || call.reinvite_after_ack;
        if call.phase != Phase::Established || busy {
            return Err(CallError::WrongState(id));
        }
        call.local_media.direction = change(call.local_media.direction);
        if call.retransmit.is_some() {
            call.reinvite_after_ack = true;
            return Ok(());
        }
        self.send_reinvite(now, id)
    }

    /// Sends a re-INVITE offering the call's current `local_media` (§14.1).
    pub(super) fn send_reinvite(&mut self, now: Instant, id: CallId) -> Result<(), CallError> {
        self.send_reinvite_with(now, id, &[])
    }

    /// Like [`UserAgent::send_reinvite`], with extra headers (a session refresh's
    /// Session-Expires, RFC 4028 §7.4).
    pub(super) fn send_reinvite_with(
        &mut self,
        now: Instant,
        id: CallId,
        extra: &[(HeaderName, String)],
    ) -> Result<(), CallError> {
        let call = self.calls.get_mut(&id).ok_or(CallError::UnknownCall(id))?;
        let previous = call
            .negotiated
            .as_ref()
            .map_or(Direction::SendRecv, |n| n.local_direction);
        let offer = call.media.create_offer(&call.local_media)?;
        let peer = call
            .dialog
            .as_ref()
            .map_or(call.peer, |d| call.dialog_peer(d));
        let dialog = call.dialog.as_mut().ok_or(CallError::WrongState(id))?;
        let mut request = with_sdp(dialog.new_request(Method::Invite, &call.contact), &offer);
        for (name, value) in extra {
            request.headers.push(name.clone(), value.as_str());
        }
        let cseq = dialog.local_seq;
        let Some((tx, request)) =
            self.send_tracked(now, super::super::Owner::Call(id), request, peer)
        else {
            if let Some(call) = self.calls.get_mut(&id) {
                call.media.cancel_offer();
            }
            return Err(CallError::WrongState(id));
        };
        if let Some(call) = self.calls.get_mut(&id) {
            call.reinvite = Some(ReInvite {
                tx,
                request,
                cseq,
                previous,
                answered: false,
            });
        }
        Ok(())
    }

    /// A response to our re-INVITE.
    pub(super) fn on_reinvite_response(&mut self, now: Instant, id: CallId, response: &Response) {
        let code = response.status.as_u16();
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let Some(re) = call.reinvite.as_mut() else {
            return;
        };
        match code {
            100..=199 => {}
            200..=299 => {
                let first = !re.answered;
                re.answered = true;
                let cseq = re.cseq;
                if let Some(dialog) = call.dialog.as_mut() {
                    let _ = dialog.handle_response(&Method::Invite, response);
                }
                let media = first
                    .then(|| sdp_of(&response.body))
                    .flatten()
                    .and_then(|sdp| call.media.process_answer(&sdp).ok());
                if let Some(dialog) = call.dialog.clone() {
                    self.send_ack_with_cseq(id, &dialog, cseq);
                }
                if first {
                    self.apply_session_timer_uac(now, id, &response.headers);
                }
                if let (Some(media), Some(call)) = (media, self.calls.get_mut(&id)) {
                    call.negotiated = Some(media.clone());
                    let media = Box::new(media);
                    self.call_event(id, CallEvent::MediaUpdated { media });
                }
            }
            491 => {
                // §14.1: glare. The owner of the Call-ID (the caller) waits 2.1–4 s, the
                // other side 0–2 s, in units of 10 ms, then tries again.
                let (base, span) = if call.role == Role::Outgoing {
                    (210, 190)
                } else {
                    (0, 200)
                };
                let units = base + (self.rng.next_u64() % (span + 1));
                if let Some(call) = self.calls.get_mut(&id) {
                    call.media.cancel_offer();
                    call.reinvite = None;
                    call.glare_retry = Some(now + Duration::from_millis(units * 10));
                }
            }
            408 | 481 => {
                // §14.1: the dialog is gone or unreachable: end the call.
                call.media.cancel_offer();
                self.send_in_dialog(now, id, Method::Bye);
                let reason = response.reason.to_string();
                self.end_call(id, EndReason::Failed { code, reason });
            }
            _ => {
                // §14.1: a refused re-INVITE leaves the session as it was.
                call.media.cancel_offer();
                call.local_media.direction = re.previous;
                call.reinvite = None;
            }
        }
    }

    /// A re-INVITE from the peer (§14.2): 491 while ours is pending, else 200 with our
    /// answer (or our offer when it carried none), resent until the ACK.
    pub(super) fn on_reinvite_request(
        &mut self,
        now: Instant,
        id: CallId,
        tx: TransactionId,
        request: &Request,
    ) {
        let t1 = self.config.timers.t1;
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let ours_pending = call.reinvite.as_ref().is_some_and(|r| !r.answered)
            || call.media.pending_offer().is_some();
        if ours_pending {
            let r = self.response(request, 491);
            let _ = self.transactions.send_response(now, tx, r);
            return;
        }
        if call.retransmit.is_some() {
            // §14.2: our 2xx to the previous INVITE is not acknowledged yet.
            let mut r = self.response(request, 500);
            r.headers.push(
                HeaderName::RetryAfter,
                (self.rng.next_u64() % 11).to_string(),
            );
            let _ = self.transactions.send_response(now, tx, r);
            return;
        }
        let result = match sdp_of(&request.body) {
            Some(offer) => call
                .media
                .process_offer(&offer, &call.local_media)
                .map(|(answer, media)| (answer, Some(media))),
            None => call
                .media
                .create_offer(&call.local_media)
                .map(|offer| (offer, None)),
        };
        let Ok((sdp, media)) = result else {
            // RFC 3264 §6 / RFC 3261 §14.2: not acceptable; the session stays as it was.
            let r = self.response(request, 488);
            let _ = self.transactions.send_response(now, tx, r);
            return;
        };
        let mut ok = self.response(request, 200);
        ok.headers
            .push(HeaderName::Contact, format!("<{}>", call_contact(self, id)));
        let mut ok = with_sdp_response(ok, &sdp);
        // RFC 4028 §10: a re-INVITE is a refresh; it may also renegotiate the timer.
        match super::timer::asked(&request.headers) {
            super::timer::Ask::Use(se) => self.apply_session_timer_uas(now, id, se, &mut ok),
            _ => self.session_refreshed(now, id),
        }
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        call.retransmit = Some(Retransmit::new(tx, ok.clone(), now, t1));
        if let Some(media) = &media {
            call.negotiated = Some(media.clone());
        }
        let _ = self.transactions.send_response(now, tx, ok);
        if let Some(media) = media {
            self.call_event(
                id,
                CallEvent::MediaUpdated {
                    media: Box::new(media),
                },
            );
        }
    }

    fn send_ack_with_cseq(&mut self, id: CallId, dialog: &crate::sip::dialog::Dialog, cseq: u32) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let mut ack = dialog.ack(cseq, &call.contact);
        let peer = call.dialog_peer(dialog);
        self.add_via(&mut ack, peer);
        self.transactions.send_stateless(ack, peer);
    }
}

fn call_contact(ua: &UserAgent, id: CallId) -> String {
    ua.calls
        .get(&id)
        .map(|c| c.contact.to_string())
        .unwrap_or_default()
}

/// `request` with `sdp` as its body (Content-Type and Content-Length set).
pub(super) fn with_sdp(mut request: Request, sdp: &SessionDescription) -> Request {
    request.set_body(Some("application/sdp"), Bytes::from(sdp.to_string()));
    request
}

fn with_sdp_response(mut response: Response, sdp: &SessionDescription) -> Response {
    response.set_body(Some("application/sdp"), Bytes::from(sdp.to_string()));
    response
}
