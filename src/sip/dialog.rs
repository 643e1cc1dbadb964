//! Dialogs (RFC 3261 §12): the state two user agents share for the length of a call.
//!
//! - Creation on both sides: the UAS from the request it answers (§12.1.1), the UAC from a
//!   1xx with a To tag (an early dialog) or a 2xx (§12.1.2, §13.2.2.4); an early dialog turns
//!   confirmed on a 2xx, which recomputes the UAC's route set (§13.2.2.4).
//! - Requests inside the dialog (§12.2.1.1): To/From/Call-ID from the dialog state, CSeq
//!   increasing by one, Request-URI and Route from the route set by loose or strict routing
//!   (§16.12.1.2 walks a strict router through), and the ACK for a 2xx (§13.2.2.4).
//! - Incoming requests (§12.2.2): CSeq ordering and target refresh (re-INVITE, §14; UPDATE,
//!   RFC 3311 §5.1); responses to our target refresh requests (§12.2.1.2).
//! - Matching messages to dialogs by Call-ID and tags (§12, §12.2.2).
//!
//! Sans-IO and passive: a [`Dialog`] only reads messages and builds requests. Transactions,
//! Via branches, retransmitting the 2xx and its ACK (§13.3.1.4, §13.2.2.4) and terminating
//! the dialog (§12.3, §15) belong to the UA core. The built requests carry no Via: the caller
//! adds one with a fresh branch (§8.1.1.7).
//!
//! Choices the RFC leaves open, documented here once:
//! - A null tag (RFC 2543 peers, §12.1.1, §12.1.2) is the empty [`Text`]; To and From
//!   headers built for the dialog then carry no `tag` parameter (§12.2.1.1). A 1xx without a
//!   To tag creates no dialog (§12.1 asks for one), a tagless 2xx does.
//! - A 1xx without a Contact still creates the early dialog, with the Request-URI of the
//!   INVITE as the remote target until a Contact arrives; a 2xx must carry one.
//! - A Contact must hold exactly one SIP or SIPS URI (§8.1.1.8). The parts of it a
//!   Request-URI may not carry (URI headers, the `method` parameter, §19.1.1 Table 1) are
//!   dropped, as elements "SHOULD ignore any disallowed components".
//! - A request with the same CSeq number as the last one is out of order too: §12.2.1.1
//!   demands strictly increasing numbers, and a retransmission never reaches the dialog (the
//!   server transaction absorbs it). ACK and CANCEL carry the number of the request they
//!   acknowledge or cancel, so they are not checked (§12.2.1.1).
//! - Target refresh requests are INVITE and UPDATE, the ones for INVITE dialogs (§12.2,
//!   RFC 3311 §5.1). [`Dialog::handle_request`] applies a new target at once; a UAS that
//!   then rejects the re-INVITE restores a clone it kept (§12.2.2: a rejected request changes
//!   no state).

mod build;
#[cfg(test)]
mod tests;

use super::error::{ErrorKind, ParseError};
use super::header::Headers;
use super::headers::{Contacts, NameAddr};
use super::message::{Request, Response, StatusCode};
use super::method::Method;
use super::rng::Rng;
use super::text::Text;
use super::uri::{Scheme, Uri};

/// The identity of a dialog at one UA (RFC 3261 §12): the Call-ID and the two tags. The
/// peer holds the same Call-ID with the tags swapped. A null tag is empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DialogId {
    /// The Call-ID.
    pub call_id: Text,
    /// Our tag: the From tag of the requests we send.
    pub local_tag: Text,
    /// The peer's tag: the To tag of the requests we send.
    pub remote_tag: Text,
}

/// Whether the dialog was created by a provisional or a final response (RFC 3261 §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogState {
    /// Created by a 1xx with a To tag; ends with any non-2xx final response (§12.3).
    Early,
    /// A 2xx was sent or received.
    Confirmed,
}

/// Which side of the dialog-creating transaction this UA was (RFC 3261 §12.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogRole {
    /// We sent the request (§12.1.2).
    Uac,
    /// We answered it (§12.1.1).
    Uas,
}

/// The state of one dialog (RFC 3261 §12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    /// Call-ID and tags.
    pub id: DialogId,
    /// Early or confirmed.
    pub state: DialogState,
    /// Which side created it.
    pub role: DialogRole,
    /// The CSeq number of the last request we sent (the next one uses one more).
    pub local_seq: u32,
    /// The CSeq number of the last request the peer sent; `None` until it sends one.
    pub remote_seq: Option<u32>,
    /// Our address: the From of our requests, with our tag (the "local URI").
    pub local: NameAddr,
    /// The peer's address: the To of our requests, with its tag (the "remote URI").
    pub remote: NameAddr,
    /// Where requests go: the peer's Contact (the Request-URI with loose routing).
    pub remote_target: Uri,
    /// The proxies our requests traverse, first hop first, with all their parameters.
    pub route_set: Vec<NameAddr>,
    /// Whether the dialog must stay on TLS with SIPS URIs (§12.1.1, §12.1.2).
    pub secure: bool,
}

/// What went wrong building or updating a dialog. These are misuse or malformed input: the
/// UA core answers a request that caused one with the status [`DialogError::status_code`]
/// gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialogError {
    /// A header the dialog needs is absent.
    #[error("the message has no {0} header")]
    MissingHeader(&'static str),
    /// A header the dialog needs does not parse.
    #[error("the {0} header does not parse")]
    BadHeader(&'static str),
    /// No tag where the dialog needs one: a 1xx without a To tag (§12.1), or an empty local
    /// tag for a UAS (§12.1.1).
    #[error("a tag needed to identify the dialog is missing")]
    MissingTag,
    /// A 2xx, or a request creating a dialog, without a Contact (§8.1.1.8, §12.1.1).
    #[error("the message has no Contact for the remote target")]
    MissingContact,
    /// A Contact that is not exactly one SIP or SIPS URI (§8.1.1.8).
    #[error("the Contact is not exactly one SIP or SIPS URI")]
    BadContact,
    /// A request whose CSeq number is not above the last one the peer sent (§12.2.2).
    #[error("CSeq {got} is not above the last remote CSeq {last}")]
    OutOfOrder {
        /// The request's CSeq number.
        got: u32,
        /// The last CSeq number accepted from the peer.
        last: u32,
    },
    /// [`Dialog::confirm`] on a dialog that is already confirmed.
    #[error("the dialog is not early")]
    NotEarly,
    /// A response whose status does not fit: 100 or a final non-2xx creates no dialog
    /// (§12.1), only a 2xx confirms one (§13.2.2.4).
    #[error("a {0} response cannot create or confirm this dialog")]
    UnexpectedStatus(StatusCode),
    /// The message belongs to another dialog or transaction (Call-ID, tags or CSeq differ).
    #[error("the message does not belong to this dialog")]
    Mismatch,
}

impl DialogError {
    /// The status a UAS answers a request with when handling it failed: 500 for an
    /// out-of-order request (§12.2.2), 481 for one of another dialog (§12.2.2), 400 else.
    pub fn status_code(&self) -> u16 {
        match self {
            DialogError::OutOfOrder { .. } => 500,
            DialogError::Mismatch => 481,
            _ => 400,
        }
    }
}

/// RFC 3261 §8.1.1.5: the first CSeq number of a sequence is below 2^31. The UAS's local
/// sequence starts one below it, so its first request still is.
const CSEQ_LIMIT: u64 = (1 << 31) - 1;

impl Dialog {
    /// The UAC side (RFC 3261 §12.1.2): from the `request` we sent and a `response` to it,
    /// a 101..=199 with a To tag (an early dialog) or a 2xx (a confirmed one). `secure` says
    /// whether the request went over TLS; the dialog is secure when it did and the
    /// Request-URI is a SIPS URI. The method is not checked: INVITE creates dialogs here,
    /// extensions (SUBSCRIBE, REFER) may too (§12.1).
    pub fn from_uac(
        request: &Request,
        response: &Response,
        secure: bool,
    ) -> Result<Dialog, DialogError> {
        let state = state_for(response.status)?;
        let req = &request.headers;
        let resp = &response.headers;
        let call_id = header(req.call_id(), "Call-ID")?;
        let local = header(req.from(), "From")?;
        let cseq = header(req.cseq(), "CSeq")?;
        let remote = header(resp.to(), "To")?;
        let answers = header(resp.call_id(), "Call-ID")? == call_id
            && tag_of(&header(resp.from(), "From")?) == tag_of(&local)
            && header(resp.cseq(), "CSeq")? == cseq;
        if !answers {
            return Err(DialogError::Mismatch);
        }
        // RFC 3261 §12.1: only a 1xx "with a To tag" creates an early dialog; a tagless 2xx
        // comes from an RFC 2543 peer and gets a null tag (§12.1.2).
        if state == DialogState::Early && tag(&remote).is_none() {
            return Err(DialogError::MissingTag);
        }
        let remote_target = match contact_target(resp)? {
            Some(target) => target,
            None if state == DialogState::Early => request.uri.clone(),
            None => return Err(DialogError::MissingContact),
        };
        Ok(Dialog {
            id: DialogId {
                call_id,
                local_tag: tag_of(&local),
                remote_tag: tag_of(&remote),
            },
            state,
            role: DialogRole::Uac,
            local_seq: cseq.seq,
            remote_seq: None,
            local,
            remote,
            remote_target,
            route_set: uac_route_set(resp)?,
            secure: secure && is_sips(&request.uri),
        })
    }

    /// The UAS side (RFC 3261 §12.1.1): from the `request` we answer and the To tag
    /// `local_tag` our response carries. The dialog starts early; [`Dialog::confirm`] with
    /// the 2xx we send confirms it. `secure` says whether the request came over TLS. Our
    /// CSeq sequence starts at a random number below 2^31 (§8.1.1.5).
    pub fn from_uas(
        request: &Request,
        local_tag: &str,
        secure: bool,
        rng: &mut Rng,
    ) -> Result<Dialog, DialogError> {
        if local_tag.is_empty() {
            return Err(DialogError::MissingTag);
        }
        let h = &request.headers;
        let call_id = header(h.call_id(), "Call-ID")?;
        let remote = header(h.from(), "From")?;
        let mut local = header(h.to(), "To")?;
        let cseq = header(h.cseq(), "CSeq")?;
        let remote_target = contact_target(h)?.ok_or(DialogError::MissingContact)?;
        let local_tag = Text::from(local_tag);
        local.params.set("tag", Some(local_tag.clone()));
        // RFC 3261 §12.1.1: the route set is the Record-Route of the request, in order.
        let route_set = header(h.record_route(), "Record-Route")?;
        Ok(Dialog {
            id: DialogId {
                call_id,
                local_tag,
                remote_tag: tag_of(&remote),
            },
            state: DialogState::Early,
            role: DialogRole::Uas,
            local_seq: (rng.next_u64() % CSEQ_LIMIT) as u32,
            remote_seq: Some(cseq.seq),
            local,
            remote,
            remote_target,
            route_set,
            secure: secure && is_sips(&request.uri),
        })
    }

    /// Confirms an early dialog with a 2xx (RFC 3261 §13.2.2.4). For the UAC, the 2xx it
    /// received: its Contact becomes the remote target (the INVITE is a target refresh
    /// request, §12.2.1.2) and its Record-Route, reversed, the route set. For the UAS, the
    /// 2xx it sends: only the state changes, since its route set came from the request
    /// (§12.1.1). Nothing changes on error.
    pub fn confirm(&mut self, response: &Response) -> Result<(), DialogError> {
        if self.state != DialogState::Early {
            return Err(DialogError::NotEarly);
        }
        if !response.status.is_success() {
            return Err(DialogError::UnexpectedStatus(response.status));
        }
        match self.role {
            DialogRole::Uac => {
                if !self.matches_response(response) {
                    return Err(DialogError::Mismatch);
                }
                let h = &response.headers;
                let target = contact_target(h)?.ok_or(DialogError::MissingContact)?;
                self.route_set = uac_route_set(h)?;
                self.remote_target = target;
            }
            DialogRole::Uas => {
                // The response we send: our tag in its To, the dialog's Call-ID.
                let ours = header(response.headers.call_id(), "Call-ID")? == self.id.call_id
                    && tag_of(&header(response.headers.to(), "To")?) == self.id.local_tag;
                if !ours {
                    return Err(DialogError::Mismatch);
                }
            }
        }
        self.state = DialogState::Confirmed;
        Ok(())
    }

    /// Checks an incoming request of this dialog (RFC 3261 §12.2.2) and applies it: the
    /// remote CSeq number advances, and a target refresh request (re-INVITE, UPDATE) with a
    /// Contact replaces the remote target. ACK and CANCEL carry the number of the request
    /// they belong to and change nothing. Errors change nothing; the UA core answers
    /// [`DialogError::status_code`] (500 for [`DialogError::OutOfOrder`]).
    pub fn handle_request(&mut self, request: &Request) -> Result<(), DialogError> {
        if !self.matches_request(request) {
            return Err(DialogError::Mismatch);
        }
        let h = &request.headers;
        let seq = header(h.cseq(), "CSeq")?.seq;
        // RFC 3261 §12.2.1.1: "excepting ACK and CANCEL of course".
        if matches!(request.method, Method::Ack | Method::Cancel) {
            return Ok(());
        }
        if let Some(last) = self.remote_seq.filter(|&last| seq <= last) {
            return Err(DialogError::OutOfOrder { got: seq, last });
        }
        let target = if is_target_refresh(&request.method) {
            contact_target(h)?
        } else {
            None
        };
        self.remote_seq = Some(seq);
        if let Some(target) = target {
            self.remote_target = target;
        }
        Ok(())
    }

    /// A response to a `method` request we sent in this dialog (RFC 3261 §12.2.1.2): a 2xx
    /// to a target refresh request replaces the remote target with its Contact, if any.
    /// Anything else changes nothing. An early dialog's 2xx goes to [`Dialog::confirm`].
    pub fn handle_response(
        &mut self,
        method: &Method,
        response: &Response,
    ) -> Result<(), DialogError> {
        if !response.status.is_success() || !is_target_refresh(method) {
            return Ok(());
        }
        if !self.matches_response(response) {
            return Err(DialogError::Mismatch);
        }
        if let Some(target) = contact_target(&response.headers)? {
            self.remote_target = target;
        }
        Ok(())
    }

    /// Whether an incoming request belongs to this dialog (RFC 3261 §12.2.2): same Call-ID,
    /// To tag = our tag, From tag = the peer's (absent for a null tag).
    pub fn matches_request(&self, request: &Request) -> bool {
        let h = &request.headers;
        self.id.call_id_is(h)
            && h.to()
                .is_ok_and(|to| tag(&to).as_ref() == Some(&self.id.local_tag))
            && h.from()
                .is_ok_and(|from| tag_of(&from) == self.id.remote_tag)
    }

    /// Whether an incoming response belongs to this dialog (RFC 3261 §12, §12.1.2): same
    /// Call-ID, From tag = our tag, To tag = the peer's (absent for a null tag).
    pub fn matches_response(&self, response: &Response) -> bool {
        let h = &response.headers;
        self.id.call_id_is(h)
            && h.from()
                .is_ok_and(|from| tag_of(&from) == self.id.local_tag)
            && h.to().is_ok_and(|to| tag_of(&to) == self.id.remote_tag)
    }
}

impl DialogId {
    fn call_id_is(&self, h: &Headers) -> bool {
        // RFC 3261 §20.8: Call-IDs compare byte by byte.
        h.call_id().is_ok_and(|c| c == self.call_id)
    }
}

/// The id of the dialog an incoming request belongs to, as its UAS sees it (RFC 3261 §12):
/// local tag from To, remote tag from From. `None` without a To tag (an out-of-dialog
/// request, §12.2.2) or when Call-ID, From or To does not parse.
pub fn request_dialog_id(request: &Request) -> Option<DialogId> {
    let h = &request.headers;
    let to = h.to().ok()?;
    Some(DialogId {
        call_id: h.call_id().ok()?,
        local_tag: tag(&to)?,
        remote_tag: tag_of(&h.from().ok()?),
    })
}

/// The id of the dialog an incoming response belongs to, as its UAC sees it (RFC 3261 §12):
/// local tag from From, remote tag from To. `None` without a To tag (a response that
/// creates no dialog, such as 100) or when Call-ID, From or To does not parse.
pub fn response_dialog_id(response: &Response) -> Option<DialogId> {
    let h = &response.headers;
    let to = h.to().ok()?;
    Some(DialogId {
        call_id: h.call_id().ok()?,
        local_tag: tag_of(&h.from().ok()?),
        remote_tag: tag(&to)?,
    })
}

/// RFC 3261 §12.1: 101..=199 creates an early dialog, 2xx a confirmed one.
fn state_for(status: StatusCode) -> Result<DialogState, DialogError> {
    match status.as_u16() {
        101..=199 => Ok(DialogState::Early),
        200..=299 => Ok(DialogState::Confirmed),
        _ => Err(DialogError::UnexpectedStatus(status)),
    }
}

/// RFC 3261 §12.2 (INVITE dialogs: re-INVITE), RFC 3311 §5.1 (UPDATE).
fn is_target_refresh(method: &Method) -> bool {
    matches!(method, Method::Invite | Method::Update)
}

/// The `tag` parameter as written (RFC 3261 §19.3).
fn tag(addr: &NameAddr) -> Option<Text> {
    addr.params.get("tag").and_then(|p| p.value)
}

/// The tag parameter, empty when absent (a null tag, RFC 3261 §12.1.1, §12.1.2).
fn tag_of(addr: &NameAddr) -> Text {
    tag(addr).unwrap_or_default()
}

fn is_sips(uri: &Uri) -> bool {
    uri.as_sip().is_some_and(|u| u.scheme == Scheme::Sips)
}

/// Maps a header read to the dialog's error: absent or malformed.
fn header<T>(read: Result<T, ParseError>, name: &'static str) -> Result<T, DialogError> {
    read.map_err(|e| match e.kind() {
        ErrorKind::MissingHeader => DialogError::MissingHeader(name),
        _ => DialogError::BadHeader(name),
    })
}

/// RFC 3261 §12.1.2: the Record-Route of the response, in reverse order.
fn uac_route_set(h: &Headers) -> Result<Vec<NameAddr>, DialogError> {
    let mut routes = header(h.record_route(), "Record-Route")?;
    routes.reverse();
    Ok(routes)
}

/// The remote target a message's Contact names (RFC 3261 §8.1.1.8: exactly one SIP or SIPS
/// URI); `None` without a Contact. The parts a Request-URI may not carry are dropped
/// (§19.1.1 Table 1).
fn contact_target(h: &Headers) -> Result<Option<Uri>, DialogError> {
    let contacts = match h.contacts() {
        Ok(Contacts::List(list)) => list,
        Ok(Contacts::Wildcard) | Err(_) => return Err(DialogError::BadContact),
    };
    match contacts.as_slice() {
        [] => Ok(None),
        [one] if one.uri.as_sip().is_some() => Ok(Some(build::request_uri(&one.uri))),
        _ => Err(DialogError::BadContact),
    }
}
