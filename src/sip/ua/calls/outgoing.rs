//! The caller's side of a call (RFC 3261 §13.2): provisional responses and early dialogs
//! (one per fork, §12.1.2), the 2xx and its ACK (§13.2.2.4, a late fork's 2xx ACKed and
//! BYE'd), challenges (§22.2), 3xx redirects (§8.1.3.4), failures, and failover to the next
//! located target (RFC 3263 §4.3).

use super::super::{Owner, UserAgent};
use super::{MAX_REDIRECTS, Phase, sdp_of};
use crate::sip::call::{CallEvent, CallId, EndReason, end_reason_for};
use crate::sip::dialog::Dialog;
use crate::sip::digest::{AuthFailure, ChallengeOutcome, DigestSession};
use crate::sip::header::HeaderName;
use crate::sip::headers::{CSeq, Contacts};
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::sip::transaction::{Peer, TransactionId};
use std::time::Instant;

impl UserAgent {
    /// A response for a client transaction owned by call `id`.
    pub(in crate::sip::ua) fn on_call_response(
        &mut self,
        now: Instant,
        id: CallId,
        tx: TransactionId,
        response: &Response,
    ) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        if call.reinvite.as_ref().is_some_and(|r| r.tx == tx) {
            return self.on_reinvite_response(now, id, response);
        }
        if tx != call.invite_tx {
            return; // BYE or CANCEL answers need nothing from us.
        }
        let code = response.status.as_u16();
        match code {
            100 => self.on_trying(now, id),
            101..=199 => self.on_provisional(now, id, response),
            200..=299 => self.on_invite_success(now, id, response),
            300..=399 => self.on_redirect(now, id, response),
            503 if self.fail_over(now, id, end_reason_for(503, &response.reason)) => {}
            401 | 407 if !self.calls.get(&id).is_some_and(|c| c.cancel_sent) => {
                self.on_invite_challenge(now, id, response);
            }
            _ => {
                let call = self.calls.get(&id);
                let reason = if call.is_some_and(|c| c.cancel_sent) && code == 487 {
                    EndReason::Local
                } else {
                    end_reason_for(code, &response.reason)
                };
                self.end_call(id, reason);
            }
        }
    }

    /// §9.1: once any provisional response (100 included) arrived, a pending hang-up can
    /// send its CANCEL.
    fn on_trying(&mut self, now: Instant, id: CallId) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        call.provisional = true;
        if call.hangup_requested {
            self.send_cancel(now, id);
        }
    }

    fn on_provisional(&mut self, now: Instant, id: CallId, response: &Response) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        call.phase = Phase::Early;
        call.provisional = true;
        if response.headers.to().is_ok_and(|t| t.tag().is_some()) {
            if let Ok(early) = Dialog::from_uac(&call.invite, response, false) {
                let known = call
                    .dialog
                    .iter()
                    .chain(&call.forks)
                    .any(|d| d.id == early.id);
                match &call.dialog {
                    None => call.dialog = Some(early),
                    Some(_) if !known => call.forks.push(early),
                    Some(_) => {}
                }
            }
        }
        let mut event = None;
        if let Some(sdp) = sdp_of(&response.body) {
            if let Ok(media) = call.media.process_answer(&sdp) {
                call.negotiated = Some(media.clone());
                event = Some(CallEvent::EarlyMedia {
                    media: Box::new(media),
                });
            }
        } else if response.status.as_u16() == 180 && !call.rang {
            call.rang = true;
            event = Some(CallEvent::Ringing);
        }
        let cancel = call.hangup_requested;
        if let Some(event) = event {
            self.call_event(id, event);
        }
        if cancel {
            self.send_cancel(now, id);
        }
    }

    fn on_invite_success(&mut self, now: Instant, id: CallId, response: &Response) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let fresh = match Dialog::from_uac(&call.invite, response, false) {
            Ok(d) => d,
            // A 2xx we cannot build a dialog from (no Contact, another Call-ID): we cannot ACK
            // or BYE it, so the call has failed; the INVITE transaction ends by itself.
            Err(e) if call.phase != Phase::Established => {
                let code = response.status.as_u16();
                let reason = format!("unusable {code} response: {e}");
                return self.end_call(id, EndReason::Failed { code, reason });
            }
            Err(_) => return,
        };
        let same = call.dialog.as_ref().is_some_and(|d| d.id == fresh.id);
        if call.phase == Phase::Established {
            // A retransmitted 2xx re-gets its ACK; another fork's 2xx is ACKed and ended
            // (§13.2.2.4), once.
            let tag = fresh.id.remote_tag.clone();
            let first_time = !same && !call.ended_forks.contains(&tag);
            if first_time {
                call.ended_forks.push(tag);
            }
            self.send_ack(id, &fresh);
            if first_time {
                self.bye_stray_fork(now, id, fresh);
            }
            return;
        }
        // The 2xx picks its dialog among the early ones (§13.2.2.4); the rest are dropped.
        if !same {
            if let Some(i) = call.forks.iter().position(|d| d.id == fresh.id) {
                let chosen = call.forks.swap_remove(i);
                call.dialog = Some(chosen);
            }
        }
        call.forks.clear();
        let dialog = match call.dialog.take() {
            Some(mut d) if d.id == fresh.id => {
                let _ = d.confirm(response);
                d
            }
            _ => fresh,
        };
        if let Some(sdp) = sdp_of(&response.body) {
            if let Ok(media) = call.media.process_answer(&sdp) {
                call.negotiated = Some(media);
            }
        }
        call.phase = Phase::Established;
        call.dialog = Some(dialog.clone());
        self.drop_lookups(id);
        self.apply_session_timer_uac(now, id, &response.headers);
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let hang_up = call.hangup_requested;
        let media = call.negotiated.clone();
        self.send_ack(id, &dialog);
        if hang_up {
            // The 200 crossed our CANCEL (§9.1): ACK it, then BYE.
            self.send_in_dialog(now, id, Method::Bye);
            self.end_call(id, EndReason::Local);
            return;
        }
        match media {
            Some(media) => self.call_event(
                id,
                CallEvent::Answered {
                    media: Box::new(media),
                },
            ),
            None => {
                self.send_in_dialog(now, id, Method::Bye);
                let reason = "no usable SDP answer".to_owned();
                self.end_call(id, EndReason::Failed { code: 488, reason });
            }
        }
    }

    /// Sends BYE on a dialog created by a second 2xx that we do not want.
    fn bye_stray_fork(&mut self, now: Instant, id: CallId, mut dialog: Dialog) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let peer = call.dialog_peer(&dialog);
        let request = dialog.new_request(Method::Bye, &call.contact);
        let _ = self.send_tracked(now, Owner::Call(id), request, peer);
    }

    /// §22.2/§22.3: a 401/407 to our INVITE: answer the challenge with the account's
    /// credentials in a new INVITE (same Call-ID and From tag, CSeq + 1), once per nonce.
    fn on_invite_challenge(&mut self, now: Instant, id: CallId, response: &Response) {
        let proxy = response.status.as_u16() == 407;
        let creds = self
            .calls
            .get(&id)
            .and_then(|c| c.account)
            .and_then(|a| self.account_configs.get(&a))
            .and_then(|c| c.credentials.clone());
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let challenges = if proxy {
            response.headers.proxy_authenticate()
        } else {
            response.headers.www_authenticate()
        }
        .unwrap_or_default();
        let outcome = match (&mut call.digest, creds) {
            (Some(d), _) => d.on_challenge(&challenges, proxy),
            (None, Some(creds)) => call
                .digest
                .insert(DigestSession::new(creds))
                .on_challenge(&challenges, proxy),
            (None, None) => ChallengeOutcome::Failed(AuthFailure::NoUsableChallenge),
        };
        if let ChallengeOutcome::Failed(why) = outcome {
            let code = response.status.as_u16();
            let reason = format!("{}: {why:?}", response.reason);
            return self.end_call(id, EndReason::Failed { code, reason });
        }
        let mut invite = call.invite.clone();
        let h = &mut invite.headers;
        h.remove(&HeaderName::Via);
        h.remove(&HeaderName::Authorization);
        h.remove(&HeaderName::ProxyAuthorization);
        let seq = h.cseq().map_or(1, |c| c.seq).wrapping_add(1);
        h.set(
            HeaderName::CSeq,
            CSeq {
                seq,
                method: Method::Invite,
            }
            .to_string(),
        );
        let uri = invite.uri.to_string();
        let cnonce = self.rng.hex(8);
        if let Some(digest) = self.calls.get_mut(&id).and_then(|c| c.digest.as_mut()) {
            for (name, value) in digest.authorize_all("INVITE", &uri, &invite.body, &cnonce) {
                invite.headers.push(name, value.to_string());
            }
        }
        self.resend_invite(now, id, invite);
    }

    /// Moves the call to its next located target (RFC 3263 §4.3); `false` when there is
    /// no lookup to fail over with (or the call is past ringing or being cancelled).
    fn fail_over(&mut self, now: Instant, id: CallId, reason: EndReason) -> bool {
        let eligible = self
            .calls
            .get(&id)
            .is_some_and(|c| c.phase == Phase::Calling && !c.hangup_requested);
        eligible && self.request_failover(now, id, reason)
    }

    /// Resends the call's INVITE to `peer` in a new transaction (CSeq + 1).
    pub(in crate::sip::ua) fn resend_to(&mut self, now: Instant, id: CallId, peer: Peer) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        call.peer = peer;
        let mut invite = call.invite.clone();
        invite.headers.remove(&HeaderName::Via);
        let seq = invite.headers.cseq().map_or(1, |c| c.seq).wrapping_add(1);
        invite.headers.set(
            HeaderName::CSeq,
            CSeq {
                seq,
                method: Method::Invite,
            }
            .to_string(),
        );
        self.resend_invite(now, id, invite);
    }

    /// Sends a replacement INVITE for the call (after a challenge or a redirect).
    fn resend_invite(&mut self, now: Instant, id: CallId, invite: Request) {
        let Some(peer) = self.calls.get(&id).map(|c| c.peer) else {
            return;
        };
        match self.send_tracked(now, Owner::Call(id), invite, peer) {
            Some((tx, invite)) => {
                if let Some(call) = self.calls.get_mut(&id) {
                    call.invite_tx = tx;
                    call.invite = invite;
                    call.phase = Phase::Calling;
                    call.provisional = false;
                    call.dialog = None;
                }
            }
            None => {
                let reason = "could not resend the INVITE".into();
                self.end_call(id, EndReason::Failed { code: 500, reason });
            }
        }
    }

    /// §8.1.3.4: follow the first Contact of a 3xx with a new INVITE (same Call-ID and From).
    fn on_redirect(&mut self, now: Instant, id: CallId, response: &Response) {
        let target = match response.headers.contacts() {
            Ok(Contacts::List(list)) => list.into_iter().next().map(|c| c.uri),
            _ => None,
        };
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let (Some(target), true) = (target, call.redirects < MAX_REDIRECTS) else {
            let reason = end_reason_for(response.status.as_u16(), &response.reason);
            return self.end_call(id, reason);
        };
        call.redirects += 1;
        if !call.via_proxy {
            // No proxy carries this call: the new target is located like a new call.
            let Some(uri) = target.as_sip().cloned() else {
                let reason = end_reason_for(response.status.as_u16(), &response.reason);
                return self.end_call(id, reason);
            };
            call.invite.uri = target;
            call.phase = super::Phase::Calling;
            call.provisional = false;
            call.dialog = None;
            let reason = end_reason_for(response.status.as_u16(), &response.reason);
            return self.relocate(now, id, &uri, reason);
        }
        let mut invite = call.invite.clone();
        invite.headers.remove(&HeaderName::Via);
        invite.uri = target;
        let cseq = invite.headers.cseq().map_or(1, |c| c.seq) + 1;
        invite.headers.set(
            HeaderName::CSeq,
            CSeq {
                seq: cseq,
                method: Method::Invite,
            }
            .to_string(),
        );
        self.resend_invite(now, id, invite);
    }

    /// The INVITE transaction ended without a final response (Timer B) or failed.
    pub(in crate::sip::ua) fn on_call_failure(
        &mut self,
        now: Instant,
        id: CallId,
        tx: TransactionId,
        timeout: bool,
    ) {
        if self
            .calls
            .get(&id)
            .is_some_and(|c| c.reinvite.as_ref().is_some_and(|r| r.tx == tx))
        {
            // §14.1: a re-INVITE that gets no answer ends the dialog.
            self.send_in_dialog(now, id, Method::Bye);
            let reason = "re-INVITE got no answer".to_owned();
            return self.end_call(id, EndReason::Failed { code: 408, reason });
        }
        if self
            .calls
            .get(&id)
            .is_some_and(|c| c.invite_tx == tx && c.phase != Phase::Established)
        {
            let reason = if timeout {
                EndReason::Timeout
            } else {
                EndReason::Failed {
                    code: 503,
                    reason: "transport error".into(),
                }
            };
            // RFC 3263 §4.3: a timeout or transport error moves on to the next target.
            if !self.fail_over(now, id, reason.clone()) {
                self.end_call(id, reason);
            }
        }
    }
}
