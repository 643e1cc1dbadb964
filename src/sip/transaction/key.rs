//! Transaction matching: responses to client transactions by top-Via branch and CSeq method
//! (RFC 3261 §17.1.3), requests to server transactions by branch, sent-by and method with ACK
//! matching INVITE (§17.2.3), and the RFC 2543 fallback for branches without the magic cookie
//! (Request-URI, To tag, From tag, Call-ID, CSeq, top Via; §17.2.3).
//!
//! Branches are compared case-insensitively: parameter values are case-insensitive unless a
//! header says otherwise (RFC 3261 §7.3.1), and Via does not.

use super::TransactionError;
use crate::sip::headers::{BRANCH_MAGIC_COOKIE, Via};
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::sip::text::Text;
use crate::sip::uri::Uri;

/// The branch when it carries the RFC 3261 magic cookie (§8.1.1.7), lower-cased.
fn rfc3261_branch(via: &Via) -> Option<String> {
    via.branch()
        .filter(|b| b.starts_with(BRANCH_MAGIC_COOKIE))
        .map(str::to_ascii_lowercase)
}

/// What identifies a client transaction (RFC 3261 §17.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct ClientKey {
    branch: String,
    method: Method,
}

impl ClientKey {
    /// The key of a request the TU wants to send; checks what the layer relies on: a top Via
    /// with an RFC 3261 branch and a CSeq carrying the request's method.
    pub(super) fn for_request(request: &Request) -> Result<ClientKey, TransactionError> {
        let via = request
            .headers
            .top_via()
            .map_err(|_| TransactionError::MissingBranch)?;
        let branch = rfc3261_branch(&via).ok_or(TransactionError::MissingBranch)?;
        let cseq = request
            .headers
            .cseq()
            .map_err(|_| TransactionError::BadCSeq)?;
        if cseq.method != request.method {
            return Err(TransactionError::BadCSeq);
        }
        Ok(ClientKey {
            branch,
            method: request.method.clone(),
        })
    }

    /// The key a response belongs to: its top Via branch and its CSeq method.
    pub(super) fn for_response(response: &Response) -> Option<ClientKey> {
        let via = response.headers.top_via().ok()?;
        let branch = via.branch()?.to_ascii_lowercase();
        let method = response.headers.cseq().ok()?.method;
        Some(ClientKey { branch, method })
    }

    /// The key of the transaction with the same branch and another method (a CANCEL's INVITE).
    pub(super) fn with_method(&self, method: Method) -> ClientKey {
        ClientKey {
            branch: self.branch.clone(),
            method,
        }
    }
}

/// What identifies a server transaction created by an RFC 3261 client (§17.2.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct ServerKey {
    branch: String,
    /// The sent-by host, lower-cased (host names compare case-insensitively).
    host: String,
    port: Option<u16>,
    method: Method,
}

/// What identifies a server transaction created by an RFC 2543 client (§17.2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LegacyKey {
    uri: Uri,
    to_tag: Option<String>,
    from_tag: Option<String>,
    call_id: Text,
    seq: u32,
    method: Method,
    via: Via,
}

impl LegacyKey {
    /// Everything of §17.2.3 but the To tag, which the caller compares (an ACK's To tag is the
    /// one of the response, not of the INVITE).
    pub(super) fn same_except_to_tag(&self, other: &LegacyKey) -> bool {
        self.method == other.method
            && self.seq == other.seq
            && self.call_id == other.call_id
            && tags_equal(self.from_tag.as_deref(), other.from_tag.as_deref())
            && self.via == other.via
            && self.uri.equivalent(&other.uri)
    }

    /// The To tag of the request this key was made from.
    pub(super) fn to_tag(&self) -> Option<&str> {
        self.to_tag.as_deref()
    }
}

/// Tags are tokens, which compare case-insensitively (RFC 3261 §7.3.1).
pub(super) fn tags_equal(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    }
}

/// How a request finds its server transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ServerMatch {
    /// By branch, sent-by and method.
    Branch(ServerKey),
    /// By the RFC 2543 header comparison (boxed: rare and large).
    Legacy(Box<LegacyKey>),
}

impl ServerMatch {
    /// The key under which `request` looks for a transaction of `method`: the request's own
    /// method, INVITE for an ACK (§17.2.3) or for the INVITE a CANCEL targets (§9.2). `None`
    /// when the request lacks what matching needs.
    pub(super) fn of(request: &Request, method: Method) -> Option<ServerMatch> {
        let via = request.headers.top_via().ok()?;
        if let Some(branch) = rfc3261_branch(&via) {
            return Some(ServerMatch::Branch(ServerKey {
                branch,
                host: via.host.to_string().to_ascii_lowercase(),
                port: via.port,
                method,
            }));
        }
        let h = &request.headers;
        let tag = |addr: crate::sip::NameAddr| addr.tag().map(str::to_owned);
        Some(ServerMatch::Legacy(Box::new(LegacyKey {
            uri: request.uri.clone(),
            to_tag: tag(h.to().ok()?),
            from_tag: tag(h.from().ok()?),
            call_id: h.call_id().ok()?,
            seq: h.cseq().ok()?.seq,
            method,
            via,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::parse_datagram;

    fn request(via: &str, method: &str, to_tag: &str) -> Request {
        let text = format!(
            "{method} sip:bob@example.com SIP/2.0\r\nVia: {via}\r\n\
             From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>{to_tag}\r\n\
             Call-ID: c1\r\nCSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n"
        );
        parse_datagram(text.as_bytes())
            .unwrap()
            .as_request()
            .unwrap()
            .clone()
    }

    #[test]
    fn branch_keys_use_branch_sent_by_and_method() {
        let key = |via, method| ServerMatch::of(&request(via, "INVITE", ""), method).unwrap();
        let a = key(
            "SIP/2.0/UDP Host.example.com:5060;branch=z9hG4bKabc",
            Method::Invite,
        );
        let b = key(
            "SIP/2.0/UDP host.example.com:5060;branch=z9hG4bKABC",
            Method::Invite,
        );
        assert_eq!(a, b);
        let other_port = key(
            "SIP/2.0/UDP host.example.com;branch=z9hG4bKabc",
            Method::Invite,
        );
        assert_ne!(a, other_port);
        let cancel = key(
            "SIP/2.0/UDP host.example.com:5060;branch=z9hG4bKabc",
            Method::Cancel,
        );
        assert_ne!(a, cancel);
    }

    #[test]
    fn legacy_keys_compare_headers() {
        let via = "SIP/2.0/UDP host.example.com;branch=1234";
        let Some(ServerMatch::Legacy(a)) =
            ServerMatch::of(&request(via, "INVITE", ""), Method::Invite)
        else {
            panic!("legacy key expected");
        };
        let Some(ServerMatch::Legacy(ack)) =
            ServerMatch::of(&request(via, "ACK", ";tag=x"), Method::Invite)
        else {
            panic!("legacy key expected");
        };
        assert!(a.same_except_to_tag(&ack));
        assert_eq!(ack.to_tag(), Some("x"));
        let Some(ServerMatch::Legacy(other)) = ServerMatch::of(
            &request("SIP/2.0/UDP other.example.com", "INVITE", ""),
            Method::Invite,
        ) else {
            panic!("legacy key expected");
        };
        assert!(!a.same_except_to_tag(&other));
    }

    #[test]
    fn client_keys_need_a_cookie_and_a_matching_cseq() {
        let ok = request("SIP/2.0/UDP h;branch=z9hG4bK1", "OPTIONS", "");
        assert!(ClientKey::for_request(&ok).is_ok());
        let legacy = request("SIP/2.0/UDP h;branch=1", "OPTIONS", "");
        assert_eq!(
            ClientKey::for_request(&legacy),
            Err(TransactionError::MissingBranch)
        );
        let mut bad = ok;
        bad.method = Method::Info;
        assert_eq!(ClientKey::for_request(&bad), Err(TransactionError::BadCSeq));
    }
}
