//! Calls in the UA core (RFC 3261 §13–15): outgoing INVITE with an SDP offer, provisional
//! responses and early media, 2xx → ACK (retransmitted 2xx re-ACKed, a second fork's 2xx
//! ACKed then BYE'd), 3xx followed, failures reported; CANCEL before an answer (deferred until
//! a provisional response, §9.1) including the race with 200; incoming INVITE → 180, then 200
//! with the answer (retransmitted by us until the ACK, RFC 6026 §7.1 / RFC 3261 §13.3.1.4) or a
//! rejection; BYE from either side; CANCEL received.

use super::{AccountId, Owner, UaEvent, UserAgent};
use crate::sip::call::{CallEvent, CallId, EndReason, end_reason_for};
use crate::sip::dialog::{Dialog, DialogState};
use crate::sip::digest::DigestSession;
use crate::sip::header::HeaderName;
use crate::sip::headers::{CSeq, NameAddr, Via};
use crate::sip::message::{Request, Response, StatusCode};
use crate::sip::method::Method;
use crate::sip::offer_answer::{LocalMedia, Negotiated, OfferAnswer, OfferAnswerError};
use crate::sip::sdp::SessionDescription;
use crate::sip::text::Text;
use crate::sip::transaction::{Peer, TransactionId, TransportKind, build_cancel};
use crate::sip::uri::{Host, SipUri, Uri};
use bytes::Bytes;
use std::time::{Duration, Instant};

mod incoming;
mod info;
mod outgoing;
mod reinvite;
mod timer;
pub(super) use timer::MIN_SE;

/// How long an incoming call rings before we answer 480 for the user (a missed call); below
/// the transaction layer's limit so that the caller always gets a final response.
pub const RING_TIMEOUT: Duration = Duration::from_secs(180);

/// How many 3xx redirects one call follows (RFC 3261 §8.1.3.4 asks for loop protection).
const MAX_REDIRECTS: u32 = 3;

/// Misuse of the call API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No call with this id.
    #[error("no call {0:?}")]
    UnknownCall(CallId),
    /// The id is already in use.
    #[error("call id {0:?} already in use")]
    DuplicateCall(CallId),
    /// The call is not in a state that allows this.
    #[error("call {0:?} cannot do that now")]
    WrongState(CallId),
    /// The media description could not be built.
    #[error("media: {0}")]
    Media(#[from] OfferAnswerError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Outgoing,
    Incoming,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// INVITE sent (or received), no provisional answer yet.
    Calling,
    /// A provisional answer was received (or 180 sent).
    Early,
    /// 2xx sent or received.
    Established,
}

/// Our 2xx to an incoming INVITE, resent until the ACK arrives.
#[derive(Debug)]
pub(super) struct Retransmit {
    /// The INVITE server transaction the 2xx answers (first INVITE or a re-INVITE).
    tx: TransactionId,
    response: Response,
    next: Instant,
    interval: Duration,
    until: Instant,
}

#[derive(Debug)]
pub(super) struct Call {
    pub(super) account: Option<AccountId>,
    role: Role,
    phase: Phase,
    peer: Peer,
    contact: SipUri,
    /// The INVITE as sent (with its Via) or as received.
    invite: Request,
    invite_tx: TransactionId,
    dialog: Option<Dialog>,
    /// Early dialogs from other forks of our INVITE (§12.1.2: one per To tag).
    forks: Vec<Dialog>,
    /// Remote tags of forks whose 2xx we ACKed and BYE'd (§13.2.2.4), so that their
    /// retransmitted 2xx get an ACK but no second BYE.
    ended_forks: Vec<Text>,
    media: OfferAnswer,
    local_media: LocalMedia,
    /// The peer's offer in an incoming INVITE, answered by `answer`.
    remote_offer: Option<SessionDescription>,
    negotiated: Option<Negotiated>,
    hangup_requested: bool,
    /// A provisional response (even 100) arrived, so a CANCEL may be sent (§9.1).
    provisional: bool,
    cancel_sent: bool,
    rang: bool,
    redirects: u32,
    /// Digest state for challenges to our INVITE (RFC 3261 §22.2, §22.3).
    digest: Option<DigestSession>,
    retransmit: Option<Retransmit>,
    /// Our re-INVITE in progress (hold, resume), RFC 3261 §14.1.
    reinvite: Option<reinvite::ReInvite>,
    /// When to retry a re-INVITE refused with 491 (§14.1 back-off).
    glare_retry: Option<Instant>,
    /// A hold or resume asked for while our 2xx still waited for its ACK: the re-INVITE
    /// goes out when the ACK arrives (§14.1: one INVITE transaction at a time).
    reinvite_after_ack: bool,
    /// The call was placed through an explicit next hop (`dial`'s peer or the account's
    /// outbound proxy), which then carries every request of the call (§8.1.2); otherwise
    /// in-dialog requests go to the dialog's own next hop.
    via_proxy: bool,
    /// RFC 4028 session timer, when one was negotiated.
    session_timer: Option<timer::SessionTimer>,
    /// When an unanswered incoming call stops ringing with 480 (a missed call).
    ring_deadline: Option<Instant>,
}

impl Retransmit {
    /// Our 2xx on transaction `tx`, first resent after T1 and given up after 64·T1
    /// (RFC 3261 §13.3.1.4).
    pub(super) fn new(tx: TransactionId, response: Response, now: Instant, t1: Duration) -> Self {
        Retransmit {
            tx,
            response,
            next: now + t1,
            interval: t1,
            until: now + 64 * t1,
        }
    }
}

impl Call {
    /// A call just created by its INVITE: an outgoing one is `Calling`, an incoming one
    /// `Early` (we send 180 at once); everything else starts empty.
    pub(super) fn new(
        role: Role,
        account: Option<AccountId>,
        peer: Peer,
        contact: SipUri,
        invite: Request,
        invite_tx: TransactionId,
        media: OfferAnswer,
    ) -> Self {
        Call {
            account,
            role,
            phase: if role == Role::Outgoing {
                Phase::Calling
            } else {
                Phase::Early
            },
            peer,
            contact,
            local_media: LocalMedia::new(peer.addr.ip(), 0, Vec::new()),
            invite,
            invite_tx,
            dialog: None,
            forks: Vec::new(),
            ended_forks: Vec::new(),
            media,
            remote_offer: None,
            negotiated: None,
            hangup_requested: false,
            provisional: false,
            cancel_sent: false,
            rang: role == Role::Incoming,
            redirects: 0,
            digest: None,
            retransmit: None,
            reinvite: None,
            glare_retry: None,
            reinvite_after_ack: false,
            session_timer: None,
            ring_deadline: None,
            via_proxy: false,
        }
    }

    /// Where an in-dialog request goes (§12.2.1.1 with §8.1.2): the first route, else the
    /// remote target, when that is an IP address; the call's peer when the call runs through
    /// an explicit proxy or the next hop is a name (locating it is not done here yet).
    pub(super) fn dialog_peer(&self, dialog: &Dialog) -> Peer {
        if self.via_proxy {
            return self.peer;
        }
        let uri = dialog
            .route_set
            .first()
            .map_or(&dialog.remote_target, |r| &r.uri);
        let Some(sip) = uri.as_sip() else {
            return self.peer;
        };
        let Some(ip) = sip.host.ip() else {
            return self.peer;
        };
        let transport = match sip.transport() {
            Some(t) if t.eq_ignore_ascii_case("udp") => TransportKind::Udp,
            Some(t) if t.eq_ignore_ascii_case("tcp") => TransportKind::Tcp,
            Some(t) if t.eq_ignore_ascii_case("tls") => TransportKind::Tls,
            _ if sip.scheme == crate::sip::uri::Scheme::Sips => TransportKind::Tls,
            _ => self.peer.transport,
        };
        let port = sip
            .port
            .unwrap_or(crate::sip::locate::default_port(transport));
        Peer {
            transport,
            addr: std::net::SocketAddr::new(ip, port),
        }
    }

    pub(super) fn early_dialogs(&self) -> usize {
        if self.phase == Phase::Established {
            return 0;
        }
        self.dialog.iter().count() + self.forks.len()
    }

    pub(super) fn next_deadline(&self) -> Option<Instant> {
        let rt = self.retransmit.as_ref().map(|r| r.next.min(r.until));
        let st = self.session_timer.map(|t| t.deadline);
        let ring = self.ring_deadline;
        rt.into_iter()
            .chain(self.glare_retry)
            .chain(st)
            .chain(ring)
            .min()
    }
}

impl UserAgent {
    /// Calls `target` through `peer` (a proxy, or the callee itself for a direct call),
    /// offering `media` (RFC 3261 §13.2.1).
    pub fn dial(
        &mut self,
        now: Instant,
        call: CallId,
        account: Option<AccountId>,
        target: Uri,
        peer: Peer,
        local_media: LocalMedia,
    ) -> Result<(), CallError> {
        self.place_call(now, call, account, target, peer, local_media, true)
    }

    /// [`UserAgent::dial`], saying whether `peer` is an explicit next hop for the whole call
    /// (`via_proxy`) or just where the first INVITE goes.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn place_call(
        &mut self,
        now: Instant,
        call: CallId,
        account: Option<AccountId>,
        target: Uri,
        peer: Peer,
        local_media: LocalMedia,
        via_proxy: bool,
    ) -> Result<(), CallError> {
        if self.calls.contains_key(&call) {
            return Err(CallError::DuplicateCall(call));
        }
        let (from_uri, contact) = self.identity(account, peer);
        let mut media = OfferAnswer::new("tincan", self.rng.next_u64() >> 2, 1)?;
        let offer = media.create_offer(&local_media)?;
        let mut invite = Request::new(Method::Invite, target.clone());
        let h = &mut invite.headers;
        if let Some(route) = self.outbound_route(account) {
            h.push(HeaderName::Route, route);
        }
        h.push(HeaderName::MaxForwards, "70");
        let mut from = NameAddr::new(Uri::Sip(from_uri));
        from.params.set("tag", Some(Text::from(self.rng.tag())));
        h.push(HeaderName::From, from.to_string());
        h.push(HeaderName::To, NameAddr::new(target).to_string());
        let host = contact.host.to_string();
        h.push(HeaderName::CallId, format!("{}@{host}", self.rng.hex(12)));
        let seq = (self.rng.next_u64() % 10_000) as u32 + 1;
        h.push(
            HeaderName::CSeq,
            CSeq {
                seq,
                method: Method::Invite,
            }
            .to_string(),
        );
        h.push(HeaderName::Contact, format!("<{contact}>"));
        h.push(HeaderName::Allow, super::allow_value());
        h.push(HeaderName::Supported, super::SUPPORTED.join(", "));
        if let Some(interval) = self.session_expires {
            h.push(HeaderName::SessionExpires, interval.to_string());
        }
        h.push(HeaderName::UserAgent, self.config.user_agent.as_str());
        invite.set_body(Some("application/sdp"), Bytes::from(offer.to_string()));
        let Some((tx, invite)) = self.send_tracked(now, Owner::Call(call), invite, peer) else {
            return Err(CallError::WrongState(call));
        };
        let mut record = Call::new(Role::Outgoing, account, peer, contact, invite, tx, media);
        record.local_media = local_media;
        record.via_proxy = via_proxy;
        self.calls.insert(call, record);
        Ok(())
    }

    /// Answers an incoming call with `media` (200 with the SDP answer, §13.3.1.4).
    pub fn answer(
        &mut self,
        now: Instant,
        id: CallId,
        local_media: LocalMedia,
    ) -> Result<(), CallError> {
        let t1 = self.config.timers.t1;
        let call = self.calls.get_mut(&id).ok_or(CallError::UnknownCall(id))?;
        if call.role != Role::Incoming || call.phase != Phase::Early {
            return Err(CallError::WrongState(id));
        }
        let sdp = match &call.remote_offer {
            Some(offer) => match call.media.process_offer(offer, &local_media) {
                Ok((answer, negotiated)) => {
                    call.negotiated = Some(negotiated);
                    answer
                }
                Err(e) => {
                    // RFC 3264 §6: nothing in the offer is acceptable: 488.
                    self.reject(now, id, 488)?;
                    return Err(CallError::Media(e));
                }
            },
            // RFC 3261 §13.3.1.4: no offer in the INVITE: ours goes in the 200, the answer
            // comes in the ACK.
            None => call.media.create_offer(&local_media)?,
        };
        call.local_media = local_media;
        let mut ok = self.dialog_response(id, 200);
        ok.set_body(Some("application/sdp"), Bytes::from(sdp.to_string()));
        let ask = self.calls.get(&id).map(|c| timer::asked(&c.invite.headers));
        if let Some(timer::Ask::Use(se)) = ask {
            self.apply_session_timer_uas(now, id, se, &mut ok);
        }
        let Some(call) = self.calls.get_mut(&id) else {
            return Err(CallError::UnknownCall(id));
        };
        call.phase = Phase::Established;
        call.ring_deadline = None;
        if let Some(d) = &mut call.dialog {
            d.state = DialogState::Confirmed;
        }
        call.retransmit = Some(Retransmit::new(call.invite_tx, ok.clone(), now, t1));
        let tx = call.invite_tx;
        let media = call.negotiated.clone();
        let _ = self.transactions.send_response(now, tx, ok);
        if let Some(media) = media {
            self.call_event(
                id,
                CallEvent::Answered {
                    media: Box::new(media),
                },
            );
        }
        Ok(())
    }

    /// Declines an incoming call with `code` (486 Busy Here, 603 Decline, 480...).
    pub fn reject(&mut self, now: Instant, id: CallId, code: u16) -> Result<(), CallError> {
        self.reject_with_reason(now, id, code, None)
    }

    /// Declines an incoming call with `code` and, when given, our own reason phrase (RFC 3261
    /// §21: the phrase is for people; `403 Identity key does not match From`).
    pub fn reject_with_reason(
        &mut self,
        now: Instant,
        id: CallId,
        code: u16,
        phrase: Option<&str>,
    ) -> Result<(), CallError> {
        let call = self.calls.get(&id).ok_or(CallError::UnknownCall(id))?;
        if call.role != Role::Incoming || call.phase == Phase::Established {
            return Err(CallError::WrongState(id));
        }
        let tx = call.invite_tx;
        let mut response = self.dialog_response(id, code);
        if let Some(phrase) = phrase {
            response.reason = crate::sip::text::Text::from(phrase);
        }
        let _ = self.transactions.send_response(now, tx, response);
        let reason = match phrase {
            Some(phrase) => phrase.to_owned(),
            None => StatusCode::new(code)
                .map_or("", |c| c.default_reason())
                .to_owned(),
        };
        self.end_call(id, end_reason_for(code, &reason));
        Ok(())
    }

    /// Hangs up: BYE when established, CANCEL while an outgoing call rings (deferred until a
    /// provisional response has arrived, §9.1), 603 for an incoming call not yet answered.
    pub fn hangup(&mut self, now: Instant, id: CallId) -> Result<(), CallError> {
        let call = self.calls.get_mut(&id).ok_or(CallError::UnknownCall(id))?;
        match (call.role, call.phase) {
            (Role::Incoming, Phase::Calling | Phase::Early) => self.reject(now, id, 603),
            (Role::Outgoing, Phase::Calling) => {
                call.hangup_requested = true;
                // §9.1: CANCEL only after a provisional response; else when one arrives.
                if call.provisional {
                    self.send_cancel(now, id);
                }
                Ok(())
            }
            (Role::Outgoing, Phase::Early) => {
                call.hangup_requested = true;
                self.send_cancel(now, id);
                Ok(())
            }
            (_, Phase::Established) => {
                self.send_in_dialog(now, id, Method::Bye);
                self.end_call(id, EndReason::Local);
                Ok(())
            }
        }
    }

    /// From URI and Contact for a call on `account` (or the local account for direct calls).
    fn identity(&self, account: Option<AccountId>, peer: Peer) -> (SipUri, SipUri) {
        if let Some(cfg) = account.and_then(|a| self.account_configs.get(&a)) {
            // The registration's Contact: fixed from Via when a NAT was seen (RFC 3581).
            let contact = account
                .and_then(|a| self.accounts.get(&a))
                .map_or_else(|| cfg.contact.clone(), |a| a.registration.contact().clone());
            return (cfg.aor.clone(), contact);
        }
        let local = self.local_addr_towards(peer);
        let uri = SipUri::new(Some("tincan"), Host::from(local.ip()), Some(local.port()));
        // Our P2P address is our From when we have one (proven by the TLS certificate over
        // TLS; over UDP and TCP the far end sees it unverified).
        let from = self.p2p_address.clone().unwrap_or_else(|| uri.clone());
        if peer.transport != TransportKind::Tls {
            return (from, uri);
        }
        // RFC 3263 §4.1: without the parameter the far end would send its in-dialog
        // requests over UDP, to our TLS port.
        let mut contact = uri;
        contact.params.set("transport", Some(Text::from("tls")));
        (from, contact)
    }

    fn outbound_route(&self, account: Option<AccountId>) -> Option<String> {
        let proxy = account
            .and_then(|a| self.account_configs.get(&a))
            .and_then(|c| c.outbound_proxy.clone())?;
        let mut route = proxy;
        route.params.set("lr", None);
        Some(format!("<{route}>"))
    }

    /// Adds a Via (fresh branch, rport) and starts a client transaction owned by `owner`;
    /// returns the transaction and the request as sent.
    pub(super) fn send_tracked(
        &mut self,
        now: Instant,
        owner: Owner,
        mut request: Request,
        peer: Peer,
    ) -> Option<(TransactionId, Request)> {
        self.add_via(&mut request, peer);
        match self.transactions.send_request(now, request.clone(), peer) {
            Ok(tx) => {
                self.owners.insert(tx, owner);
                Some((tx, request))
            }
            Err(e) => {
                let reason = format!("could not send {}: {e}", request.method);
                self.events.push_back(UaEvent::Rejected {
                    peer,
                    status: None,
                    reason,
                });
                None
            }
        }
    }

    pub(super) fn add_via(&mut self, request: &mut Request, peer: Peer) {
        let local = self.local_addr_towards(peer);
        let mut via = Via::new(
            super::transport_name(peer.transport),
            Host::from(local.ip()),
            Some(local.port()),
            &self.rng.branch(),
        );
        via.params.set("rport", None);
        request.headers.push_front(HeaderName::Via, via.to_string());
    }

    fn send_cancel(&mut self, now: Instant, id: CallId) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if call.cancel_sent {
            return;
        }
        call.cancel_sent = true;
        let cancel = build_cancel(&call.invite);
        let peer = call.peer;
        // The CANCEL carries the INVITE's Via already (§9.1): no new branch.
        if let Ok(tx) = self.transactions.send_request(now, cancel, peer) {
            self.owners.insert(tx, Owner::Call(id));
        }
    }

    /// Sends a new in-dialog request (BYE...) for the call's dialog.
    fn send_in_dialog(&mut self, now: Instant, id: CallId, method: Method) {
        if method == Method::Bye {
            self.cancel_reinvite(now, id);
        }
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let Some(dialog) = &mut call.dialog else {
            return;
        };
        let request = dialog.new_request(method, &call.contact);
        let peer = call
            .dialog
            .as_ref()
            .map_or(call.peer, |d| call.dialog_peer(d));
        let _ = self.send_tracked(now, Owner::Call(id), request, peer);
    }

    fn send_ack(&mut self, id: CallId, dialog: &Dialog) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let seq = call.invite.headers.cseq().map_or(1, |c| c.seq);
        let mut ack = dialog.ack(seq, &call.contact);
        let peer = call.dialog_peer(dialog);
        self.add_via(&mut ack, peer);
        self.transactions.send_stateless(ack, peer);
    }

    pub(super) fn call_event(&mut self, call: CallId, event: CallEvent) {
        self.events.push_back(UaEvent::Call { call, event });
    }

    pub(super) fn end_call(&mut self, id: CallId, reason: EndReason) {
        self.drop_lookups(id);
        if self.calls.remove(&id).is_some() {
            self.call_event(id, CallEvent::Ended { reason });
        }
    }
}

fn sdp_of(body: &[u8]) -> Option<SessionDescription> {
    if body.is_empty() {
        return None;
    }
    SessionDescription::parse_bytes(body).ok()
}
