//! Requests and responses the transaction layer builds itself: the ACK for a non-2xx final
//! response (RFC 3261 §17.1.1.3), CANCEL (§9.1) and 100 (Trying) (§17.2.1, §8.2.6).

use crate::sip::grammar::split_list;
use crate::sip::header::{HeaderName, Headers};
use crate::sip::message::{Request, Response, StatusCode};
use crate::sip::method::Method;
use crate::sip::text::Text;

const TRYING: StatusCode = match StatusCode::new(100) {
    Some(s) => s,
    None => panic!("100 is a status code"),
};

/// Builds the CANCEL for `invite` (RFC 3261 §9.1): the same Request-URI, Call-ID, To, From
/// (tags included) and CSeq number with the method CANCEL, a single Via equal to the
/// INVITE's top Via, the INVITE's Route headers and its Max-Forwards (70 if it had none). No
/// Require or Proxy-Require. Headers missing from `invite` are missing from the CANCEL.
///
/// Send it with [`TransactionLayer::send_request`](super::TransactionLayer::send_request) to
/// the same peer as the INVITE, once a provisional response has arrived (§9.1).
pub fn build_cancel(invite: &Request) -> Request {
    derived_request(invite, &Method::Cancel, None)
}

/// Builds the ACK for a non-2xx final `response` to `invite` (RFC 3261 §17.1.1.3): like
/// CANCEL, but To comes from the response (it carries the UAS's tag).
pub(super) fn build_ack(invite: &Request, response: &Response) -> Request {
    derived_request(
        invite,
        &Method::Ack,
        response.headers.get_text(&HeaderName::To),
    )
}

/// The request shape shared by §9.1 and §17.1.1.3.
fn derived_request(original: &Request, method: &Method, to: Option<Text>) -> Request {
    let h = &original.headers;
    let mut out = Request::new(method.clone(), original.uri.clone());
    if let Some(via) = top_via_element(h) {
        out.headers.push(HeaderName::Via, via);
    }
    for route in h.all(&HeaderName::Route) {
        out.headers.push(HeaderName::Route, route.value_text());
    }
    let max_forwards = h.get_text(&HeaderName::MaxForwards);
    out.headers.push(
        HeaderName::MaxForwards,
        max_forwards.unwrap_or(Text::from_static("70")),
    );
    copy(h, &mut out.headers, HeaderName::From);
    match to {
        Some(to) => out.headers.push(HeaderName::To, to),
        None => copy(h, &mut out.headers, HeaderName::To),
    }
    copy(h, &mut out.headers, HeaderName::CallId);
    if let Ok(cseq) = h.cseq() {
        out.headers
            .push(HeaderName::CSeq, format!("{} {}", cseq.seq, method));
    }
    out
}

/// Copies the first `name` header of `from`, if any.
fn copy(from: &Headers, to: &mut Headers, name: HeaderName) {
    if let Some(value) = from.get_text(&name) {
        to.push(name, value);
    }
}

/// Builds 100 (Trying) for `request` (RFC 3261 §8.2.6): every Via in order, From, To (no tag
/// added, §17.2.1), Call-ID, CSeq and Timestamp copied.
pub(super) fn build_trying(request: &Request) -> Response {
    let mut out = Response::new(TRYING);
    for name in [
        HeaderName::Via,
        HeaderName::From,
        HeaderName::To,
        HeaderName::CallId,
        HeaderName::CSeq,
        HeaderName::Timestamp,
    ] {
        for h in request.headers.all(&name) {
            out.headers.push(name.clone(), h.value_text());
        }
    }
    out
}

/// The first element of the first Via line, as written.
fn top_via_element(headers: &Headers) -> Option<Text> {
    let line = headers.first(&HeaderName::Via)?;
    let elements = split_list(line.value).ok()?;
    let (_, first) = elements.first()?;
    Some(line.src().slice_ref(first))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::parse_datagram;

    const INVITE: &str = "INVITE sip:bob@biloxi.com SIP/2.0\r\n\
        Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKkjshdyff, SIP/2.0/UDP p.example.com;branch=z9hG4bKp\r\n\
        Route: <sip:p1.example.com;lr>\r\n\
        Route: <sip:p2.example.com;lr>\r\n\
        To: Bob <sip:bob@biloxi.com>\r\n\
        From: Alice <sip:alice@atlanta.com>;tag=88sja8x\r\n\
        Max-Forwards: 69\r\n\
        Require: 100rel\r\n\
        Call-ID: 987asjd97y7atg\r\n\
        CSeq: 986759 INVITE\r\n\
        Timestamp: 54\r\n\
        Content-Length: 0\r\n\r\n";

    fn invite() -> Request {
        parse_datagram(INVITE.as_bytes())
            .unwrap()
            .as_request()
            .unwrap()
            .clone()
    }

    #[test]
    fn cancel_follows_section_9_1() {
        let cancel = build_cancel(&invite());
        let text = crate::sip::Message::from(cancel).to_string();
        assert_eq!(
            text,
            "CANCEL sip:bob@biloxi.com SIP/2.0\r\n\
             Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKkjshdyff\r\n\
             Route: <sip:p1.example.com;lr>\r\n\
             Route: <sip:p2.example.com;lr>\r\n\
             Max-Forwards: 69\r\n\
             From: Alice <sip:alice@atlanta.com>;tag=88sja8x\r\n\
             To: Bob <sip:bob@biloxi.com>\r\n\
             Call-ID: 987asjd97y7atg\r\n\
             CSeq: 986759 CANCEL\r\n\
             Content-Length: 0\r\n\r\n"
        );
    }

    #[test]
    fn ack_takes_to_from_the_response() {
        let mut response = Response::new(StatusCode::new(486).unwrap());
        response
            .headers
            .push(HeaderName::To, "Bob <sip:bob@biloxi.com>;tag=99sa0xk");
        let ack = build_ack(&invite(), &response);
        assert_eq!(ack.method, Method::Ack);
        assert_eq!(ack.headers.via().unwrap().len(), 1);
        assert_eq!(ack.headers.to().unwrap().tag(), Some("99sa0xk"));
        assert_eq!(ack.headers.cseq().unwrap().to_string(), "986759 ACK");
        assert_eq!(ack.headers.route().unwrap().len(), 2);
        assert!(!ack.headers.contains(&HeaderName::Require));
        crate::sip::Message::from(ack).validate().unwrap();
    }

    #[test]
    fn trying_copies_section_8_2_6_headers() {
        let trying = build_trying(&invite());
        assert_eq!(trying.status.as_u16(), 100);
        assert_eq!(trying.headers.via().unwrap().len(), 2);
        assert_eq!(trying.headers.to().unwrap().tag(), None);
        assert_eq!(trying.headers.get(&HeaderName::Timestamp).unwrap(), "54");
        assert!(!trying.headers.contains(&HeaderName::Route));
        crate::sip::Message::from(trying).validate().unwrap();
    }

    #[test]
    fn builders_tolerate_missing_headers() {
        let bare = Request::new(Method::Invite, invite().uri);
        let cancel = build_cancel(&bare);
        assert_eq!(cancel.headers.len(), 1); // only Max-Forwards
        assert_eq!(build_trying(&bare).headers.len(), 0);
    }
}
