//! Framing and start-line/header-line parsing (RFC 3261 §7, §7.3.1 folding, §7.5 framing,
//! §18.3 Content-Length on streams). Header values are kept raw; typed parsing happens on
//! access. Knows nothing about transactions.

use super::error::{ErrorKind, ParseError};
use super::grammar::{find_byte, is_token_char, parse_u32, trim_wsp};
use super::header::{Header, HeaderName, Headers};
use super::message::{Message, Request, Response, StatusCode, Version};
use super::method::Method;
use super::text::Text;
use super::uri::Uri;
use bytes::Bytes;
use std::sync::Arc;

/// The largest message accepted (head and body), in bytes.
pub const MAX_MESSAGE_SIZE: usize = 256 * 1024;

/// What a stream buffer holds at its start.
// Returned once per message and destructured at once: boxing would add an allocation per
// message on the hot path for no gain.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Framed {
    /// A whole message that took `consumed` bytes (including skipped leading CRLFs).
    Message {
        /// The message.
        message: Message,
        /// Bytes to drop from the front of the buffer.
        consumed: usize,
    },
    /// Keep-alive CRLFs only (RFC 5626 §3.5.1): a double CRLF is a ping, a single one a pong.
    KeepAlive {
        /// Bytes to drop.
        consumed: usize,
        /// `true` for a ping (which wants a single-CRLF pong back).
        ping: bool,
    },
    /// The message is not complete yet; nothing was consumed.
    NeedMore,
}

/// Parses one datagram (UDP): the body runs to Content-Length when present (extra octets are
/// discarded, RFC 4475 §3.1.1.8) or to the end of the datagram.
pub fn parse_datagram(data: &[u8]) -> Result<Message, ParseError> {
    let start = skip_crlf(data);
    let data = &data[start..];
    if data.is_empty() {
        return Err(ParseError::framing(ErrorKind::Empty, start));
    }
    if data.len() > MAX_MESSAGE_SIZE {
        return Err(ParseError::framing(ErrorKind::TooLarge, 0));
    }
    let (head_len, body_start) =
        find_head_end(data).ok_or(ParseError::framing(ErrorKind::Incomplete, data.len()))?;
    let head = parse_head(&data[..head_len])?;
    let available = data.len() - body_start;
    let body_len = match content_length(&head.0)? {
        Some(cl) if cl > available => {
            return Err(ParseError::framing(ErrorKind::BodyTooShort, data.len()));
        }
        Some(cl) => cl,
        None => available,
    };
    let body = Bytes::copy_from_slice(&data[body_start..body_start + body_len]);
    Ok(head.into_message(body))
}

/// Parses the message at the start of a stream buffer (TCP, TLS). Leading CRLFs are skipped
/// (§7.5); a partial message gives [`Framed::NeedMore`] and consumes nothing; Content-Length
/// is mandatory (§18.3). An error means the stream's framing is lost: close the connection.
pub fn parse_stream(buf: &[u8]) -> Result<Framed, ParseError> {
    let start = skip_crlf(buf);
    // A ping (double CRLF) is reported even when a message follows in the same read, so the
    // pong is not lost (RFC 5626 §3.5.1).
    if start >= 4 || (start > 0 && start == buf.len()) {
        return Ok(Framed::KeepAlive {
            consumed: start,
            ping: start >= 4,
        });
    }
    if start == buf.len() {
        return Ok(Framed::NeedMore);
    }
    let data = &buf[start..];
    let Some((head_len, body_start)) = find_head_end(data) else {
        if data.len() > MAX_MESSAGE_SIZE {
            return Err(ParseError::framing(ErrorKind::TooLarge, 0));
        }
        return Ok(Framed::NeedMore);
    };
    let head = parse_head(&data[..head_len])?;
    let cl =
        content_length(&head.0)?.ok_or(ParseError::framing(ErrorKind::MissingContentLength, 0))?;
    let end = body_start
        .checked_add(cl)
        .filter(|&n| n <= MAX_MESSAGE_SIZE)
        .ok_or(ParseError::framing(ErrorKind::TooLarge, 0))?;
    if data.len() < end {
        return Ok(Framed::NeedMore);
    }
    let body = Bytes::copy_from_slice(&data[body_start..body_start + cl]);
    Ok(Framed::Message {
        message: head.into_message(body),
        consumed: start + body_start + cl,
    })
}

/// Whether a datagram is only a keep-alive (CRLFs, RFC 5626 §4.4.1).
pub fn is_keepalive(data: &[u8]) -> bool {
    !data.is_empty() && skip_crlf(data) == data.len()
}

fn skip_crlf(b: &[u8]) -> usize {
    b.iter()
        .position(|&c| c != b'\r' && c != b'\n')
        .unwrap_or(b.len())
}

/// Finds the blank line ending the head: returns (head length without the blank line,
/// index where the body starts). Bare LF line ends are tolerated.
fn find_head_end(b: &[u8]) -> Option<(usize, usize)> {
    for nl in memchr::memchr_iter(b'\n', b) {
        match b.get(nl + 1) {
            Some(b'\n') => return Some((nl + 1, nl + 2)),
            Some(b'\r') if b.get(nl + 2) == Some(&b'\n') => return Some((nl + 1, nl + 3)),
            _ => {}
        }
    }
    None
}

enum StartLine {
    Request(Method, Uri, Version),
    Response(Version, StatusCode, Text),
}

struct Head(Headers, StartLine);

impl Head {
    fn into_message(self, body: Bytes) -> Message {
        let Head(headers, start) = self;
        match start {
            StartLine::Request(method, uri, version) => Message::Request(Request {
                method,
                uri,
                version,
                headers,
                body,
            }),
            StartLine::Response(version, status, reason) => Message::Response(Response {
                status,
                reason,
                version,
                headers,
                body,
            }),
        }
    }
}

fn content_length(h: &Headers) -> Result<Option<usize>, ParseError> {
    Ok(h.content_length()?.map(|v| v as usize))
}

/// Parses the start line and the header lines (everything before the blank line).
fn parse_head(head: &[u8]) -> Result<Head, ParseError> {
    let text = std::str::from_utf8(head)
        .map_err(|e| ParseError::framing(ErrorKind::InvalidUtf8, e.valid_up_to()))?;
    let src = Text::from_shared(Arc::from(text));
    let s: &str = &src;
    let first_end = memchr::memchr(b'\n', s.as_bytes()).unwrap_or(s.len());
    let first = &s[..first_end];
    let start = parse_start_line(&src, first.strip_suffix('\r').unwrap_or(first))?;
    let mut headers: Vec<Header> = Vec::with_capacity(16);
    // The value of the header being folded, built once (not re-copied per continuation line).
    let mut folded: Option<String> = None;
    let mut pos = first_end + 1;
    while pos < s.len() {
        let end = memchr::memchr(b'\n', &s.as_bytes()[pos..]).map_or(s.len(), |i| pos + i);
        let line = s[pos..end].strip_suffix('\r').unwrap_or(&s[pos..end]);
        // A CR anywhere but before the LF is no line end the grammar knows (RFC 3261 §7.3.1);
        // keeping it would let the value break the line when printed.
        if let Some(i) = find_byte(line, b'\r') {
            return Err(ParseError::framing(
                ErrorKind::UnexpectedChar('\r'),
                pos + i,
            ));
        }
        if line.starts_with([' ', '\t']) {
            // RFC 3261 §7.3.1: a line starting with whitespace continues the previous one;
            // the fold and surrounding whitespace become a single SP.
            let prev = headers
                .last()
                .ok_or(ParseError::framing(ErrorKind::BadHeaderLine, pos))?;
            let cont = trim_wsp(line);
            if !cont.is_empty() {
                let value = folded.get_or_insert_with(|| prev.value.to_string());
                if !value.is_empty() {
                    value.push(' ');
                }
                value.push_str(cont);
            }
        } else if !line.is_empty() {
            flush_folded(&mut headers, &mut folded);
            headers.push(parse_header_line(&src, line, pos)?);
        }
        pos = end + 1;
    }
    flush_folded(&mut headers, &mut folded);
    Ok(Head(Headers(headers), start))
}

fn flush_folded(headers: &mut [Header], folded: &mut Option<String>) {
    if let (Some(value), Some(last)) = (folded.take(), headers.last_mut()) {
        last.value = Text::from(value);
    }
}

fn parse_header_line(src: &Text, line: &str, at: usize) -> Result<Header, ParseError> {
    let b = line.as_bytes();
    let name_end = b.iter().position(|&c| !is_token_char(c)).unwrap_or(b.len());
    // HCOLON = *( SP / HTAB ) ":" SWS
    let colon = name_end
        + b[name_end..]
            .iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count();
    if name_end == 0 || b.get(colon) != Some(&b':') {
        return Err(ParseError::framing(ErrorKind::BadHeaderLine, at));
    }
    let name = HeaderName::parse_in(src, &line[..name_end]);
    let value = trim_wsp(&line[colon + 1..]);
    Ok(Header {
        name,
        value: src.slice_ref(value),
    })
}

/// `Request-Line = Method SP Request-URI SP SIP-Version` or
/// `Status-Line = SIP-Version SP Status-Code SP Reason-Phrase`; exactly one SP between
/// elements (RFC 4475 §3.1.2.9, §3.1.2.10 are rejected).
fn parse_start_line(src: &Text, line: &str) -> Result<StartLine, ParseError> {
    let bad = |kind, at| Err(ParseError::start_line(kind, at));
    if let Some(i) = find_byte(line, b'\r') {
        return bad(ErrorKind::UnexpectedChar('\r'), i);
    }
    if line.len() > 4 && line.as_bytes()[..4].eq_ignore_ascii_case(b"SIP/") {
        let mut parts = line.splitn(3, ' ');
        let version = parse_version(src, parts.next().unwrap_or(""));
        let code = parts.next().unwrap_or("");
        let reason = parts.next().unwrap_or("");
        let status = (code.len() == 3)
            .then(|| parse_u32(code))
            .flatten()
            .and_then(|c| StatusCode::new(c as u16));
        let Some(status) = status else {
            return bad(ErrorKind::BadStatusCode, line.find(' ').unwrap_or(0) + 1);
        };
        if let Some(i) = reason.bytes().position(|c| c < 0x20 && c != b'\t') {
            return bad(ErrorKind::UnexpectedChar(reason.as_bytes()[i] as char), i);
        }
        return Ok(StartLine::Response(version, status, src.slice_ref(reason)));
    }
    let mut parts = line.split(' ');
    let (Some(m), Some(u), Some(v), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return bad(ErrorKind::BadStartLine, 0);
    };
    let Some(method) = Method::parse_in(src, m) else {
        return bad(ErrorKind::BadMethod, 0);
    };
    let uri =
        Uri::parse_in(src, u).map_err(|e| ParseError::start_line(e.kind, m.len() + 1 + e.at))?;
    if !(v.len() > 4 && v.as_bytes()[..4].eq_ignore_ascii_case(b"SIP/")) {
        return bad(ErrorKind::BadStartLine, m.len() + u.len() + 2);
    }
    Ok(StartLine::Request(method, uri, parse_version(src, v)))
}

fn parse_version(src: &Text, v: &str) -> Version {
    if v.eq_ignore_ascii_case("SIP/2.0") {
        Version::Sip20
    } else {
        Version::Other(src.slice_ref(v))
    }
}
