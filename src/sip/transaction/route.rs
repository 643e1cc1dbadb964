//! The part of the server transport a sans-IO core owns: stamping `received` (RFC 3261
//! §18.2.1) and `rport` (RFC 3581 §4) on the top Via of a request, and choosing where its
//! responses go (RFC 3261 §18.2.2, RFC 3581 §4).

use super::Peer;
use crate::sip::grammar::split_list;
use crate::sip::header::HeaderName;
use crate::sip::headers::Via;
use crate::sip::message::Request;
use crate::sip::text::Text;
use std::net::SocketAddr;

/// RFC 3261 §18.2.1: the default port for a sent-by without one (§18.2.2 uses it for UDP).
const DEFAULT_PORT: u16 = 5060;

/// Adds `received` to the top Via when its sent-by host is not the address the request came
/// from (RFC 3261 §18.2.1), and fills in an empty `rport` with the source port, adding
/// `received` then too (RFC 3581 §4). A top Via that does not parse is left alone.
pub(super) fn stamp_received(request: &mut Request, source: SocketAddr) {
    let headers = &mut request.headers;
    let Some(index) = headers.iter().position(|h| *h.name == HeaderName::Via) else {
        return;
    };
    let Some(line) = headers.iter().nth(index).map(|h| h.value_text()) else {
        return;
    };
    let Ok(elements) = split_list(&line) else {
        return;
    };
    let Some(&(at, first)) = elements.first() else {
        return;
    };
    let Ok(mut via) = Via::parse_in(&line, first) else {
        return;
    };
    let ip = source.ip().to_canonical();
    let rport_asked = via.rport() == Some(None);
    if via.host.ip() == Some(ip) && !rport_asked {
        return;
    }
    via.params.set("received", Some(Text::from(ip.to_string())));
    if rport_asked {
        via.params
            .set("rport", Some(Text::from(source.port().to_string())));
    }
    let end = at + first.len();
    let rewritten = format!("{}{}{}", &line[..at], via, &line[end..]);
    headers.set_at(index, rewritten);
}

/// Where the responses of a server transaction for `request`, received from `source`, go
/// (RFC 3261 §18.2.2): back over the same connection on reliable transports; for UDP to the
/// source address at the sent-by port (5060 if none), or at the source port when `rport` was
/// asked for (RFC 3581 §4). `maddr` (multicast) is not supported and is ignored.
pub(super) fn response_peer(request: &Request, source: Peer) -> Peer {
    if source.transport.is_reliable() {
        return source;
    }
    let Ok(via) = request.headers.top_via() else {
        return source;
    };
    if via.rport().is_some() {
        return source;
    }
    let port = via.port.unwrap_or(DEFAULT_PORT);
    Peer {
        transport: source.transport,
        addr: SocketAddr::new(source.addr.ip(), port),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::parse_datagram;
    use crate::sip::transaction::TransportKind;

    fn request(via: &str) -> Request {
        let text = format!(
            "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: {via}\r\n\
             From: <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n\
             Call-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n"
        );
        parse_datagram(text.as_bytes())
            .unwrap()
            .as_request()
            .unwrap()
            .clone()
    }

    fn top_via_line(r: &Request) -> String {
        r.headers.get(&HeaderName::Via).unwrap().to_string()
    }

    #[test]
    fn received_and_rport_are_stamped_on_the_top_via_only() {
        let source: SocketAddr = "192.0.2.4:40000".parse().unwrap();
        let mut r = request("SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bK1, SIP/2.0/UDP x");
        stamp_received(&mut r, source);
        assert_eq!(
            top_via_line(&r),
            "SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bK1;received=192.0.2.4, SIP/2.0/UDP x"
        );
        let mut r = request("SIP/2.0/UDP 192.0.2.4:5060;rport;branch=z9hG4bK1");
        stamp_received(&mut r, source);
        assert_eq!(
            top_via_line(&r),
            "SIP/2.0/UDP 192.0.2.4:5060;rport=40000;branch=z9hG4bK1;received=192.0.2.4"
        );
        let mut r = request("SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK1");
        let before = r.clone();
        stamp_received(&mut r, source);
        assert_eq!(r, before);
    }

    #[test]
    fn responses_follow_section_18_2_2() {
        let udp = Peer {
            transport: TransportKind::Udp,
            addr: "192.0.2.4:40000".parse().unwrap(),
        };
        let to = |via, peer| response_peer(&request(via), peer).addr.to_string();
        assert_eq!(
            to("SIP/2.0/UDP h.example.com:5070;branch=z9hG4bK1", udp),
            "192.0.2.4:5070"
        );
        assert_eq!(
            to("SIP/2.0/UDP h.example.com;branch=z9hG4bK1", udp),
            "192.0.2.4:5060"
        );
        assert_eq!(
            to("SIP/2.0/UDP h.example.com;rport;branch=z9hG4bK1", udp),
            "192.0.2.4:40000"
        );
        let tcp = Peer {
            transport: TransportKind::Tcp,
            ..udp
        };
        assert_eq!(
            to("SIP/2.0/TCP h.example.com:5070;branch=z9hG4bK1", tcp),
            "192.0.2.4:40000"
        );
    }
}
