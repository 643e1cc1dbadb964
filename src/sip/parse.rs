//! Framing and start-line/header-line parsing (RFC 3261 §7, §7.3.1 folding, §7.5 framing,
//! §18.3 Content-Length on streams). Header values are kept raw; typed parsing happens on
//! access. Knows nothing about transactions.

use super::error::{ErrorKind, ParseError};
use super::grammar::{
    class, find_byte, is_token_char, is_wsp, parse_u32, scan_class, skip_wsp, trim_wsp,
};
use super::header::{HeaderName, Headers};
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
    let Parsed {
        head,
        body_start,
        content_length,
    } = head_of(data)?.ok_or(ParseError::framing(ErrorKind::Incomplete, data.len()))?;
    let available = data.len() - body_start;
    let body_len = match content_length {
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
    let Some(Parsed {
        head,
        body_start,
        content_length,
    }) = head_of(data)?
    else {
        if data.len() > MAX_MESSAGE_SIZE {
            return Err(ParseError::framing(ErrorKind::TooLarge, 0));
        }
        return Ok(Framed::NeedMore);
    };
    let cl = content_length.ok_or(ParseError::framing(ErrorKind::MissingContentLength, 0))?;
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

/// The head at the start of `data` and where the body starts; `None` when the blank line
/// ending the head has not arrived yet. Heads of the usual shape take one scan
/// ([`scan_common`]); anything else (folded lines, bare LFs, stray CRs, a bad line) takes the
/// general path, which also gives the errors.
#[inline]
fn head_of(data: &[u8]) -> Result<Option<Parsed>, ParseError> {
    let mut headers = Headers::with_head(Text::new(), 16);
    let mut unknown = UnknownNames::default();
    if let Some(common) = scan_common(data, &mut headers, &mut unknown) {
        if let Ok(text) = simdutf8::basic::from_utf8(&data[..common.head_len]) {
            let src = Text::from_shared(Arc::from(text));
            let start = parse_start_line(&src, &src[..common.first_end])?;
            for &(index, from, to) in &unknown.spans[..unknown.len] {
                let name = HeaderName::Other(src.slice_ref(&src[from as usize..to as usize]));
                headers.set_name_at(index as usize, name);
            }
            headers.set_head(src);
            // The one Content-Length value, read here; anything unusual is read typed below
            // (which gives the error).
            let content_length = match common.content_length {
                (1, from, to) => headers
                    .get_span(from, to)
                    .and_then(parse_u32)
                    .map(|v| v as usize),
                _ => None,
            };
            let content_length = match (content_length, common.content_length.0) {
                (Some(v), _) => Some(v),
                (None, 0) => None,
                (None, _) => content_length_of(&headers)?,
            };
            return Ok(Some(Parsed {
                head: Head(headers, start),
                body_start: common.body_start,
                content_length,
            }));
        }
    }
    let mut lines = Lines::default();
    let Some((head_len, body_start)) = lines.scan(data) else {
        return Ok(None);
    };
    let head = parse_head(&data[..head_len], &lines)?;
    let content_length = content_length_of(&head.0)?;
    Ok(Some(Parsed {
        head,
        body_start,
        content_length,
    }))
}

/// A parsed head, where the body starts, and the Content-Length (RFC 3261 §20.14).
struct Parsed {
    head: Head,
    body_start: usize,
    content_length: Option<usize>,
}

/// What [`scan_common`] found: where the start line ends, where the head ends (before the
/// blank line) and where the body starts.
struct Common {
    first_end: usize,
    head_len: usize,
    body_start: usize,
    /// How many Content-Length lines, and where the value of the last one is.
    content_length: (u32, usize, usize),
}

/// How many headers of unknown names [`scan_common`] takes; a head with more takes the
/// general path.
const UNKNOWN_NAMES: usize = 8;

/// `(field index, name start, name end)` of the fields whose names are not known, named once
/// the head's text exists.
#[derive(Default)]
struct UnknownNames {
    spans: [(u16, u32, u32); UNKNOWN_NAMES],
    len: usize,
}

/// One scan of a head of the usual shape: every line ends in CRLF, and every header line is
/// `token *WSP ":" value` with no folding (RFC 3261 §7.3.1). The fields go into `headers` as
/// spans of `b` (unknown names as placeholders, listed in `unknown`). `None` for anything
/// else, including a head not complete yet: the general path decides.
fn scan_common(b: &[u8], headers: &mut Headers, unknown: &mut UnknownNames) -> Option<Common> {
    let crlf_at = |i: usize| b.get(i) == Some(&b'\r') && b.get(i + 1) == Some(&b'\n');
    let first_end = find_cr_or_lf(b, 0)?;
    if !crlf_at(first_end) {
        return None;
    }
    let mut i = first_end + 2;
    let mut content_length = (0, 0, 0);
    let content_length_id = HeaderName::ContentLength.id();
    loop {
        let name_start = i;
        i = scan_class(b, i, class::TOKEN);
        if i == name_start {
            // The blank line ends the head; anything else is no header line.
            return crlf_at(i).then_some(Common {
                first_end,
                head_len: i,
                body_start: i + 2,
                content_length,
            });
        }
        let name_end = i;
        i = skip_wsp(b, i);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_wsp(b, i + 1);
        let line_end = find_cr_or_lf(b, start)?;
        // A continuation line (starting with whitespace) folds into this one.
        if !crlf_at(line_end) || matches!(b.get(line_end + 2), Some(b' ' | b'\t')) {
            return None;
        }
        let mut end = line_end;
        while end > start && is_wsp(b[end - 1]) {
            end -= 1;
        }
        match HeaderName::known_with_id(&b[name_start..name_end]) {
            Some((name, id)) => {
                if id == content_length_id {
                    content_length = (content_length.0 + 1, start, end);
                }
                headers.push_span(name, id, start, end);
            }
            None => {
                let slot = unknown.spans.get_mut(unknown.len)?;
                // MAX_MESSAGE_SIZE keeps offsets far below u32::MAX.
                *slot = (
                    u16::try_from(headers.len()).ok()?,
                    name_start as u32,
                    name_end as u32,
                );
                unknown.len += 1;
                let name = HeaderName::Other(Text::new());
                let id = name.id();
                headers.push_span(name, id, start, end);
            }
        }
        i = line_end + 2;
    }
}

fn skip_crlf(b: &[u8]) -> usize {
    b.iter()
        .position(|&c| c != b'\r' && c != b'\n')
        .unwrap_or(b.len())
}

/// The lines of a head, found by one scan of the buffer (before any of it is parsed): where
/// each line's content ends and where the next line starts, and the first CR that does not
/// end a line.
struct Lines {
    /// `(content end, next line start)` of the first lines, without allocating.
    inline: [(u32, u32); INLINE_LINES],
    /// The rest, for heads of many lines.
    spill: Vec<(u32, u32)>,
    len: usize,
    /// The first CR not followed by LF: no line end the grammar knows (RFC 3261 §7.3.1).
    lone_cr: Option<usize>,
}

const INLINE_LINES: usize = 40;

impl Default for Lines {
    fn default() -> Self {
        Lines {
            inline: [(0, 0); INLINE_LINES],
            spill: Vec::new(),
            len: 0,
            lone_cr: None,
        }
    }
}

impl Lines {
    fn push(&mut self, end: usize, next: usize) {
        // MAX_MESSAGE_SIZE keeps offsets far below u32::MAX.
        let e = (end as u32, next as u32);
        match self.inline.get_mut(self.len) {
            Some(slot) => *slot = e,
            None => self.spill.push(e),
        }
        self.len += 1;
    }

    fn get(&self, i: usize) -> (usize, usize) {
        let (e, n) = match self.inline.get(i) {
            Some(e) => *e,
            None => self.spill[i - INLINE_LINES],
        };
        (e as usize, n as usize)
    }

    /// Scans `b` up to the blank line ending the head; returns (head length without the
    /// blank line, index where the body starts), or `None` when there is no blank line yet.
    /// Line ends are CRLF or a bare LF (tolerated).
    fn scan(&mut self, b: &[u8]) -> Option<(usize, usize)> {
        let mut line_start = 0;
        let mut i = 0;
        loop {
            i = find_cr_or_lf(b, i)?;
            let next = if b[i] == b'\n' {
                i + 1
            } else if b.get(i + 1) == Some(&b'\n') {
                i + 2
            } else {
                if i + 1 >= b.len() {
                    return None;
                }
                self.lone_cr.get_or_insert(i);
                i += 1;
                continue;
            };
            if i == line_start && line_start > 0 {
                return Some((line_start, next));
            }
            self.push(i, next);
            line_start = next;
            i = next;
        }
    }
}

/// The index of the first CR or LF at or after `from`.
#[inline]
fn find_cr_or_lf(b: &[u8], from: usize) -> Option<usize> {
    memchr::memchr2(b'\r', b'\n', b.get(from..)?).map(|k| from + k)
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

fn content_length_of(h: &Headers) -> Result<Option<usize>, ParseError> {
    Ok(h.content_length()?.map(|v| v as usize))
}

/// Parses the start line and the header lines (everything before the blank line), whose
/// ends `lines` has found.
fn parse_head(head: &[u8], lines: &Lines) -> Result<Head, ParseError> {
    // The SIMD check says only whether the head is UTF-8; std's says where it stops being.
    let text = simdutf8::basic::from_utf8(head).or_else(|_| {
        std::str::from_utf8(head)
            .map_err(|e| ParseError::framing(ErrorKind::InvalidUtf8, e.valid_up_to()))
    })?;
    let src = Text::from_shared(Arc::from(text));
    let s: &str = &src;
    let (first_end, mut pos) = lines.get(0);
    if let Some(cr) = lines.lone_cr.filter(|&cr| cr < first_end) {
        return Err(ParseError::start_line(ErrorKind::UnexpectedChar('\r'), cr));
    }
    let start = parse_start_line(&src, &s[..first_end])?;
    let mut headers = Headers::with_head(src.clone(), lines.len.max(16));
    // The value of the header being folded, built once (not re-copied per continuation line).
    let mut folded: Option<String> = None;
    for n in 1..lines.len {
        let (end, next) = lines.get(n);
        let line = &s[pos..end];
        // A CR anywhere but before the LF is no line end the grammar knows (RFC 3261 §7.3.1);
        // keeping it would let the value break the line when printed.
        if let Some(cr) = lines.lone_cr.filter(|&cr| cr < end) {
            return Err(ParseError::framing(ErrorKind::UnexpectedChar('\r'), cr));
        }
        if line.starts_with([' ', '\t']) {
            // RFC 3261 §7.3.1: a line starting with whitespace continues the previous one;
            // the fold and surrounding whitespace become a single SP.
            let prev = headers
                .iter()
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
            let (name, id, start, end) = parse_header_line(&src, line, pos)?;
            headers.push_span(name, id, start, end);
        }
        pos = next;
    }
    flush_folded(&mut headers, &mut folded);
    Ok(Head(headers, start))
}

fn flush_folded(headers: &mut Headers, folded: &mut Option<String>) {
    if let Some(value) = folded.take() {
        headers.set_at(headers.len().wrapping_sub(1), value);
    }
}

/// Parses `name HCOLON value`; `line` holds no CR and starts at `at` in `src`. Returns the
/// name and where the value starts and ends in `src`.
fn parse_header_line(
    src: &Text,
    line: &str,
    at: usize,
) -> Result<(HeaderName, u8, usize, usize), ParseError> {
    let span = |value: &str| {
        let start = at + (value.as_ptr() as usize - line.as_ptr() as usize);
        (start, start + value.len())
    };
    let b = line.as_bytes();
    // Fast path: a known name right before the colon (it is a token then, so nothing more
    // to check).
    if let Some(colon) = find_byte(line, b':') {
        if let Some((name, id)) = HeaderName::known_with_id(&b[..colon]) {
            let (start, end) = span(trim_wsp(&line[colon + 1..]));
            return Ok((name, id, start, end));
        }
    }
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
    let id = name.id();
    let (start, end) = span(trim_wsp(&line[colon + 1..]));
    Ok((name, id, start, end))
}

/// `Request-Line = Method SP Request-URI SP SIP-Version` or
/// `Status-Line = SIP-Version SP Status-Code SP Reason-Phrase`; exactly one SP between
/// elements (RFC 4475 §3.1.2.9, §3.1.2.10 are rejected).
fn parse_start_line(src: &Text, line: &str) -> Result<StartLine, ParseError> {
    let bad = |kind, at| Err(ParseError::start_line(kind, at));
    if line.len() > 4 && line.as_bytes()[..4].eq_ignore_ascii_case(b"SIP/") {
        let (v, rest) = split_sp(line);
        let version = parse_version(src, v);
        let (code, reason) = split_sp(rest.unwrap_or(""));
        let reason = reason.unwrap_or("");
        let status = (code.len() == 3)
            .then(|| parse_u32(code))
            .flatten()
            .and_then(|c| StatusCode::new(c as u16));
        let Some(status) = status else {
            return bad(
                ErrorKind::BadStatusCode,
                find_byte(line, b' ').unwrap_or(0) + 1,
            );
        };
        if let Some(i) = reason.bytes().position(|c| c < 0x20 && c != b'\t') {
            return bad(ErrorKind::UnexpectedChar(reason.as_bytes()[i] as char), i);
        }
        return Ok(StartLine::Response(version, status, src.slice_ref(reason)));
    }
    let (m, rest) = split_sp(line);
    let (u, v) = split_sp(rest.unwrap_or(""));
    // Exactly one SP between the three elements.
    let (Some(_), Some(v)) = (rest, v) else {
        return bad(ErrorKind::BadStartLine, 0);
    };
    if find_byte(v, b' ').is_some() {
        return bad(ErrorKind::BadStartLine, 0);
    }
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

/// Splits at the first SP: what comes before, and what comes after (if there is an SP).
fn split_sp(s: &str) -> (&str, Option<&str>) {
    match find_byte(s, b' ') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

fn parse_version(src: &Text, v: &str) -> Version {
    if v.eq_ignore_ascii_case("SIP/2.0") {
        Version::Sip20
    } else {
        Version::Other(src.slice_ref(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head as the general path alone parses it.
    fn general(data: &[u8]) -> Result<(Message, Option<usize>), ParseError> {
        let mut lines = Lines::default();
        let (head_len, _) = lines.scan(data).expect("complete head");
        let head = parse_head(&data[..head_len], &lines)?;
        let cl = content_length_of(&head.0)?;
        Ok((head.into_message(Bytes::new()), cl))
    }

    /// Whether the one scan took `data` (rather than handing it to the general path).
    fn common(data: &[u8]) -> bool {
        let mut headers = Headers::new();
        scan_common(data, &mut headers, &mut UnknownNames::default()).is_some()
    }

    /// Both paths give the same message, Content-Length and errors; the usual shapes take the
    /// one scan and the unusual ones the general path.
    #[test]
    fn one_scan_agrees_with_the_general_path() {
        let unknown: String = (0..UNKNOWN_NAMES + 1)
            .map(|i| format!("X-{i}: v{i}\r\n"))
            .collect();
        let cases: [(String, bool); 9] = [
            ("Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:b@h>\r\nX-A :  x  \r\nContent-Length: 0\r\n".into(), true),
            ("v:SIP/2.0/UDP h\r\nl: 5\r\nCONTENT-LENGTH:5\r\n".into(), true),
            ("Content-Length: abc\r\n".into(), true),
            ("Empty:\r\nX-A: caf\u{e9}\r\n".into(), true),
            (unknown, false),
            ("Subject: a\r\n b\r\n".into(), false),
            ("Subject: a\nTo: <sip:b@h>\r\n".into(), false),
            ("Subject: a\rb\r\n".into(), false),
            ("Bad line\r\n".into(), false),
        ];
        for (lines, takes_common) in cases {
            let data = format!("OPTIONS sip:h SIP/2.0\r\n{lines}\r\n");
            let data = data.as_bytes();
            assert_eq!(common(data), takes_common, "{lines:?}");
            let Parsed {
                head,
                content_length,
                ..
            } = match head_of(data) {
                Ok(parsed) => parsed.expect("complete head"),
                Err(e) => {
                    assert_eq!(Err(e), general(data).map(|_| ()), "{lines:?}");
                    continue;
                }
            };
            let (message, cl) = general(data).expect("the general path parses it too");
            assert_eq!(head.into_message(Bytes::new()), message, "{lines:?}");
            assert_eq!(content_length, cl, "{lines:?}");
        }
    }

    /// A head without its blank line is not complete on either path.
    #[test]
    fn incomplete_head_waits() {
        for data in [
            "OPTIONS sip:h SIP/2.0\r\nTo: <sip:b@h>\r\n",
            "OPTIONS sip:h SIP/2.0\r\nTo",
        ] {
            assert!(matches!(head_of(data.as_bytes()), Ok(None)), "{data:?}");
        }
    }
}
