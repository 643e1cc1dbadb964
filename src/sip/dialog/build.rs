//! Requests inside a dialog (RFC 3261 §12.2.1.1) and the ACK for a 2xx (§13.2.2.4): the
//! headers from the dialog state, the Request-URI and Route by loose or strict routing.

use super::Dialog;
use crate::sip::header::HeaderName;
use crate::sip::headers::{CSeq, NameAddr};
use crate::sip::message::Request;
use crate::sip::method::Method;
use crate::sip::text::Text;
use crate::sip::uri::{Scheme, SipUri, Uri};

/// RFC 3261 §8.1.1.6: the Max-Forwards a UAC starts with.
const MAX_FORWARDS: &str = "70";

impl Dialog {
    /// A new request in this dialog (RFC 3261 §12.2.1.1): BYE, re-INVITE, INFO, UPDATE,
    /// REFER, NOTIFY... The CSeq number is one above the last one we sent; To, From and
    /// Call-ID come from the dialog; Request-URI and Route follow the route set; `contact` is
    /// our Contact (a SIPS URI on a secure dialog, §12.2.1.1). No Via: the caller adds one
    /// with a fresh branch. Not for ACK ([`Dialog::ack`]) nor CANCEL, which reuse the number
    /// of the request they belong to.
    pub fn new_request(&mut self, method: Method, contact: &SipUri) -> Request {
        // Wrapping is 2^31 requests away (§8.1.1.5 starts below 2^31) and never panics.
        self.local_seq = self.local_seq.wrapping_add(1);
        self.build(method, self.local_seq, contact)
    }

    /// The ACK for a 2xx to the INVITE (or re-INVITE) with CSeq number `invite_cseq`
    /// (RFC 3261 §13.2.2.4): built like [`Dialog::new_request`] but with the INVITE's number
    /// and without using up a new one. The caller adds the Via (a new branch), the INVITE's
    /// credentials and, when the 2xx carried an offer, the answer.
    pub fn ack(&self, invite_cseq: u32, contact: &SipUri) -> Request {
        self.build(Method::Ack, invite_cseq, contact)
    }

    fn build(&self, method: Method, seq: u32, contact: &SipUri) -> Request {
        let (uri, routes) = self.request_target();
        let mut request = Request::new(method.clone(), uri);
        let h = &mut request.headers;
        h.push(HeaderName::MaxForwards, MAX_FORWARDS);
        for route in &routes {
            h.push(HeaderName::Route, route.to_string());
        }
        // RFC 3261 §12.2.1.1: To = remote URI and tag, From = local URI and tag.
        let to = with_tag(&self.remote, &self.id.remote_tag);
        let from = with_tag(&self.local, &self.id.local_tag);
        h.push(HeaderName::To, to.to_string());
        h.push(HeaderName::From, from.to_string());
        h.push(HeaderName::CallId, self.id.call_id.clone());
        h.push(HeaderName::CSeq, CSeq { seq, method }.to_string());
        let mut contact = contact.clone();
        if self.secure {
            // RFC 3261 §12.2.1.1: "If the "secure" flag is true, that URI MUST be a SIPS URI."
            contact.scheme = Scheme::Sips;
        }
        h.push(
            HeaderName::Contact,
            NameAddr::new(Uri::Sip(contact)).to_string(),
        );
        request
    }

    /// The Request-URI and Route values (RFC 3261 §12.2.1.1). No route set: the remote
    /// target and no Route. A loose first route (`lr`): the remote target and the whole route
    /// set. A strict first route: that route's URI (without what a Request-URI may not
    /// carry), then the rest of the route set and the remote target as the last Route.
    fn request_target(&self) -> (Uri, Vec<NameAddr>) {
        let Some((first, rest)) = self.route_set.split_first() else {
            return (self.remote_target.clone(), Vec::new());
        };
        if first.uri.as_sip().is_some_and(SipUri::is_loose_router) {
            return (self.remote_target.clone(), self.route_set.clone());
        }
        // RFC 3261 §12.2.1.1, §16.12.1.2: the strict router rewrites the Request-URI from
        // the Route values, so the remote target travels as the last one.
        let mut routes = rest.to_vec();
        routes.push(NameAddr::new(self.remote_target.clone()));
        (request_uri(&first.uri), routes)
    }
}

/// `uri` without the components a Request-URI may not carry: URI headers and the `method`
/// parameter (RFC 3261 §19.1.1 Table 1, as §12.2.1.1 asks for a strict route).
pub(super) fn request_uri(uri: &Uri) -> Uri {
    match uri {
        Uri::Sip(sip) => {
            let mut sip = sip.clone();
            sip.headers.clear();
            sip.params.remove("method");
            Uri::Sip(sip)
        }
        other => other.clone(),
    }
}

/// `addr` with `tag` as its tag parameter, or none for a null tag (RFC 3261 §12.2.1.1).
fn with_tag(addr: &NameAddr, tag: &Text) -> NameAddr {
    let mut addr = addr.clone();
    if tag.is_empty() {
        addr.params.remove("tag");
    } else {
        addr.params.set("tag", Some(tag.clone()));
    }
    addr
}
