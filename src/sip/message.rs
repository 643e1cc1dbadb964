//! SIP messages (RFC 3261 §7): requests and responses, their canonical printing, and the
//! syntax checks a UAS applies before handling a request (§8.2: mandatory headers, CSeq
//! method, version).

use super::error::{ErrorKind, ParseError, SyntaxError};
use super::header::{HeaderName, Headers};
use super::method::Method;
use super::text::Text;
use super::uri::Uri;
use bytes::Bytes;
use std::fmt;

/// The protocol version of a start line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Version {
    /// `SIP/2.0`, the only version Tincan speaks.
    #[default]
    Sip20,
    /// Anything else, as written (a request carrying it gets 505, RFC 4475 §3.1.2.16).
    Other(Text),
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Sip20 => f.write_str("SIP/2.0"),
            Version::Other(t) => f.write_str(t),
        }
    }
}

/// A status code, 100..=699 (RFC 3261 §7.2, §21).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusCode(u16);

impl StatusCode {
    /// 500 Server Internal Error, the fallback answer.
    pub const SERVER_INTERNAL_ERROR: StatusCode = StatusCode(500);

    /// A status code when `code` is in 100..=699.
    pub const fn new(code: u16) -> Option<StatusCode> {
        if code >= 100 && code <= 699 {
            Some(StatusCode(code))
        } else {
            None
        }
    }

    /// The number.
    pub const fn as_u16(self) -> u16 {
        self.0
    }

    /// 1xx.
    pub const fn is_provisional(self) -> bool {
        self.0 < 200
    }

    /// 2xx.
    pub const fn is_success(self) -> bool {
        self.0 >= 200 && self.0 < 300
    }

    /// The RFC 3261 §21 reason phrase for well-known codes.
    pub fn default_reason(self) -> &'static str {
        match self.0 {
            100 => "Trying",
            180 => "Ringing",
            181 => "Call Is Being Forwarded",
            182 => "Queued",
            183 => "Session Progress",
            200 => "OK",
            202 => "Accepted",
            300 => "Multiple Choices",
            301 => "Moved Permanently",
            302 => "Moved Temporarily",
            305 => "Use Proxy",
            380 => "Alternative Service",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            407 => "Proxy Authentication Required",
            408 => "Request Timeout",
            410 => "Gone",
            413 => "Request Entity Too Large",
            415 => "Unsupported Media Type",
            416 => "Unsupported URI Scheme",
            420 => "Bad Extension",
            421 => "Extension Required",
            422 => "Session Interval Too Small",
            423 => "Interval Too Brief",
            480 => "Temporarily Unavailable",
            481 => "Call/Transaction Does Not Exist",
            482 => "Loop Detected",
            483 => "Too Many Hops",
            484 => "Address Incomplete",
            485 => "Ambiguous",
            486 => "Busy Here",
            487 => "Request Terminated",
            488 => "Not Acceptable Here",
            491 => "Request Pending",
            493 => "Undecipherable",
            500 => "Server Internal Error",
            501 => "Not Implemented",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            504 => "Server Time-out",
            505 => "Version Not Supported",
            513 => "Message Too Large",
            600 => "Busy Everywhere",
            603 => "Decline",
            604 => "Does Not Exist Anywhere",
            606 => "Not Acceptable",
            _ => "",
        }
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A SIP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The Request-URI.
    pub uri: Uri,
    /// The version on the request line.
    pub version: Version,
    /// Header fields in order.
    pub headers: Headers,
    /// The body (may be empty).
    pub body: Bytes,
}

/// A SIP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: StatusCode,
    /// The reason phrase as written (may be empty, RFC 4475 §3.1.1.13).
    pub reason: Text,
    /// The version on the status line.
    pub version: Version,
    /// Header fields in order.
    pub headers: Headers,
    /// The body (may be empty).
    pub body: Bytes,
}

/// A request or a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

/// Sets a body with its Content-Type (none for an empty body) and Content-Length.
fn set_body_parts(
    headers: &mut Headers,
    slot: &mut Bytes,
    content_type: Option<&str>,
    body: Bytes,
) {
    match content_type {
        Some(ct) => headers.set(HeaderName::ContentType, ct),
        None => headers.remove(&HeaderName::ContentType),
    }
    headers.set(HeaderName::ContentLength, body.len().to_string());
    *slot = body;
}

impl Request {
    /// Sets the body with its Content-Type and Content-Length.
    pub fn set_body(&mut self, content_type: Option<&str>, body: Bytes) {
        set_body_parts(&mut self.headers, &mut self.body, content_type, body);
    }

    /// A request with no headers and no body.
    pub fn new(method: Method, uri: Uri) -> Request {
        Request {
            method,
            uri,
            version: Version::Sip20,
            headers: Headers::new(),
            body: Bytes::new(),
        }
    }
}

impl Request {
    /// The request-line checks of [`Message::validate`]: the version (505 otherwise,
    /// RFC 3261 §21.5.6, RFC 4475 §3.1.2.16), and no URI headers in the Request-URI
    /// (RFC 3261 §19.1.1 Table 1 does not allow them there; RFC 4475 §3.1.2.11 lets a UAS
    /// answer 400 rather than guess).
    fn check_request_line(&self) -> Result<(), ParseError> {
        if self.version != Version::Sip20 {
            return Err(ParseError::start_line(ErrorKind::UnsupportedVersion, 0));
        }
        if self.uri.as_sip().is_some_and(|u| !u.headers.is_empty()) {
            let at = self.method.as_str().len() + 1 + self.uri.to_string().find('?').unwrap_or(0);
            return Err(ParseError::start_line(ErrorKind::BadUri, at));
        }
        Ok(())
    }
}

impl Response {
    /// Sets the body with its Content-Type and Content-Length.
    pub fn set_body(&mut self, content_type: Option<&str>, body: Bytes) {
        set_body_parts(&mut self.headers, &mut self.body, content_type, body);
    }

    /// A response with the default reason phrase, no headers and no body.
    pub fn new(status: StatusCode) -> Response {
        Response {
            status,
            reason: Text::from_static(status.default_reason()),
            version: Version::Sip20,
            headers: Headers::new(),
            body: Bytes::new(),
        }
    }
}

impl Message {
    /// The headers.
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    /// The headers, mutably.
    pub fn headers_mut(&mut self) -> &mut Headers {
        match self {
            Message::Request(r) => &mut r.headers,
            Message::Response(r) => &mut r.headers,
        }
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        match self {
            Message::Request(r) => &r.body,
            Message::Response(r) => &r.body,
        }
    }

    /// Sets the body with its Content-Type (or none for an empty body) and Content-Length.
    pub fn set_body(&mut self, content_type: Option<&str>, body: Bytes) {
        match self {
            Message::Request(r) => r.set_body(content_type, body),
            Message::Response(r) => r.set_body(content_type, body),
        }
    }

    /// The request, if this is one.
    pub fn as_request(&self) -> Option<&Request> {
        match self {
            Message::Request(r) => Some(r),
            Message::Response(_) => None,
        }
    }

    /// The response, if this is one.
    pub fn as_response(&self) -> Option<&Response> {
        match self {
            Message::Response(r) => Some(r),
            Message::Request(_) => None,
        }
    }

    /// The wire form: start line, headers with canonical names, a blank line, the body.
    /// Content-Length always states the body's real length (added when missing, RFC 3261
    /// §18.3: mandatory on streams, harmless on datagrams).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = String::with_capacity(512);
        self.write_head(&mut head).unwrap_or_default();
        let mut out = head.into_bytes();
        out.extend_from_slice(self.body());
        out
    }

    fn write_head(&self, out: &mut impl fmt::Write) -> fmt::Result {
        match self {
            Message::Request(r) => write!(out, "{} {} {}\r\n", r.method, r.uri, r.version)?,
            Message::Response(r) => {
                write!(out, "{} {} ", r.version, r.status)?;
                write_line_safe(out, &r.reason)?;
                out.write_str("\r\n")?;
            }
        }
        let mut wrote_length = false;
        for h in self.headers().iter() {
            if *h.name == HeaderName::ContentLength {
                if wrote_length {
                    continue;
                }
                wrote_length = true;
                write!(out, "Content-Length: {}\r\n", self.body().len())?;
            } else {
                write!(out, "{}: ", h.name)?;
                write_line_safe(out, h.value)?;
                out.write_str("\r\n")?;
            }
        }
        if !wrote_length {
            write!(out, "Content-Length: {}\r\n", self.body().len())?;
        }
        out.write_str("\r\n")
    }

    /// The syntax checks of RFC 3261 §8.1.1 and §8.2 that need no state: version, the
    /// mandatory headers (Via, From, To, Call-ID, CSeq), the CSeq method of a request, and the
    /// headers every request is routed or framed by (Max-Forwards, Contact, Route,
    /// Record-Route, Content-Length, Content-Type, Require, Proxy-Require). Other headers
    /// report their errors when read, so one sloppy optional header (a Warning without an
    /// agent, an RFC 2543 date in Expires) does not cost a whole message (RFC 4475 §3.1.2.4
    /// allows ignoring bad values a UA does not need).
    pub fn validate(&self) -> Result<(), ParseError> {
        let h = self.headers();
        if let Message::Request(r) = self {
            r.check_request_line()?;
        }
        h.via()?.first().ok_or_else(|| {
            ParseError::header("Via", SyntaxError::new(ErrorKind::MissingHeader, 0))
        })?;
        h.from()?;
        h.to()?;
        h.call_id()?;
        let cseq = h.cseq()?;
        if let Message::Request(r) = self {
            if cseq.method != r.method {
                let e = SyntaxError::new(ErrorKind::MethodMismatch, 0);
                return Err(ParseError::header("CSeq", e));
            }
        }
        h.max_forwards()?;
        h.contacts()?;
        h.route()?;
        h.record_route()?;
        h.content_length()?;
        h.content_type()?;
        h.require()?;
        h.proxy_require()?;
        Ok(())
    }
}

/// Writes `s` with any CR or LF turned into a space: a value built in code must not be able
/// to end its line early and inject a header (parsed values never hold them).
fn write_line_safe(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    if !s.contains(['\r', '\n']) {
        return out.write_str(s);
    }
    for c in s.chars() {
        out.write_char(if c == '\r' || c == '\n' { ' ' } else { c })?;
    }
    Ok(())
}

impl fmt::Display for Message {
    /// The wire form; a body that is not UTF-8 is shown lossily.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_head(f)?;
        f.write_str(&String::from_utf8_lossy(self.body()))
    }
}

impl From<Request> for Message {
    fn from(r: Request) -> Self {
        Message::Request(r)
    }
}

impl From<Response> for Message {
    fn from(r: Response) -> Self {
        Message::Response(r)
    }
}
