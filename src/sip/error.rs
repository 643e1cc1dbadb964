//! Structured parse errors: what was wrong, in which part of the message, and where.
//!
//! A UAS turns these into a `400 Bad Request` whose reason phrase says what was wrong
//! (RFC 3261 §8.2), a `505` for an unknown SIP version (§8.2.? / RFC 4475 §3.1.2.16), or drops
//! a malformed response (§18.1.2).

use std::fmt;

/// What was wrong with a piece of SIP syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Nothing but whitespace where a message or value was expected.
    Empty,
    /// The message head is not valid UTF-8.
    InvalidUtf8,
    /// The head has no blank line ending it (datagram) or is cut short.
    Incomplete,
    /// A line that should be `name: value` has no colon or a bad name.
    BadHeaderLine,
    /// The start line is not `Method SP Request-URI SP SIP-Version` or
    /// `SIP-Version SP Status-Code SP Reason-Phrase`.
    BadStartLine,
    /// A SIP version other than `SIP/2.0` (answer 505).
    UnsupportedVersion,
    /// The method is not a token.
    BadMethod,
    /// The status code is not three digits in 100..=699.
    BadStatusCode,
    /// A character not allowed at this position.
    UnexpectedChar(char),
    /// The input ended where more was required.
    UnexpectedEnd,
    /// A quoted string with no closing quote.
    UnterminatedQuote,
    /// A `<` with no matching `>`.
    UnterminatedAngle,
    /// `;;`, `;` at the end, or `,,`: a separator with nothing after it.
    EmptyElement,
    /// A number that does not parse or does not fit its range.
    BadNumber,
    /// A URI that does not follow its scheme's grammar.
    BadUri,
    /// A host that is neither a host name, an IPv4 address nor an IPv6 reference.
    BadHost,
    /// A port outside 0..=65535.
    BadPort,
    /// A `%` escape that is not followed by two hex digits where one is required.
    BadEscape,
    /// A header required in every message (RFC 3261 §8.1.1) is missing.
    MissingHeader,
    /// A header that must appear at most once appears more often.
    DuplicateHeader,
    /// The CSeq method differs from the request method (RFC 3261 §8.1.1.5).
    MethodMismatch,
    /// Content-Length is negative or not a number (RFC 4475 §3.1.2.3).
    BadContentLength,
    /// Content-Length says more bytes than the datagram holds (RFC 4475 §3.1.2.2).
    BodyTooShort,
    /// A stream message has no Content-Length (RFC 3261 §18.3: mandatory on streams).
    MissingContentLength,
    /// The message exceeds the configured size limit.
    TooLarge,
    /// A display name with characters that need quoting (RFC 4475 §3.1.2.15).
    BadDisplayName,
}

impl ErrorKind {
    /// A short English description, suitable for a reason phrase.
    pub fn describe(self) -> &'static str {
        use ErrorKind::*;
        match self {
            Empty => "empty",
            InvalidUtf8 => "not valid UTF-8",
            Incomplete => "incomplete message",
            BadHeaderLine => "malformed header line",
            BadStartLine => "malformed start line",
            UnsupportedVersion => "unsupported SIP version",
            BadMethod => "malformed method",
            BadStatusCode => "malformed status code",
            UnexpectedChar(_) => "unexpected character",
            UnexpectedEnd => "unexpected end",
            UnterminatedQuote => "unterminated quoted string",
            UnterminatedAngle => "unterminated <",
            EmptyElement => "empty parameter or list element",
            BadNumber => "number malformed or out of range",
            BadUri => "malformed URI",
            BadHost => "malformed host",
            BadPort => "malformed port",
            BadEscape => "malformed % escape",
            MissingHeader => "missing mandatory header",
            DuplicateHeader => "header must appear once",
            MethodMismatch => "CSeq method does not match the request method",
            BadContentLength => "malformed Content-Length",
            BodyTooShort => "body shorter than Content-Length",
            MissingContentLength => "Content-Length required on stream transports",
            TooLarge => "message too large",
            BadDisplayName => "display name needs quotes",
        }
    }
}

/// An error inside one value (a URI, a header value, a parameter), with the byte offset
/// into that value where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub struct SyntaxError {
    /// What was wrong.
    pub kind: ErrorKind,
    /// Byte offset into the value being parsed.
    pub at: usize,
}

impl SyntaxError {
    /// An error of `kind` at offset `at`.
    pub const fn new(kind: ErrorKind, at: usize) -> Self {
        SyntaxError { kind, at }
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::UnexpectedChar(c) => {
                write!(f, "unexpected character {c:?} at offset {}", self.at)
            }
            k => write!(f, "{} at offset {}", k.describe(), self.at),
        }
    }
}

/// Where in a message an error was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The request or status line.
    StartLine,
    /// A header, by its canonical name.
    Header(String),
    /// The framing of the message as a whole (blank line, Content-Length, body).
    Framing,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::StartLine => f.write_str("start line"),
            Location::Header(h) => f.write_str(h),
            Location::Framing => f.write_str("message"),
        }
    }
}

/// A message-level error: what, where, and the byte offset inside that place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {error}")]
pub struct ParseError {
    /// The part of the message at fault.
    pub location: Location,
    /// The error inside it.
    pub error: SyntaxError,
}

impl ParseError {
    /// An error in the start line.
    pub fn start_line(kind: ErrorKind, at: usize) -> Self {
        ParseError {
            location: Location::StartLine,
            error: SyntaxError::new(kind, at),
        }
    }

    /// An error in the message framing.
    pub fn framing(kind: ErrorKind, at: usize) -> Self {
        ParseError {
            location: Location::Framing,
            error: SyntaxError::new(kind, at),
        }
    }

    /// An error inside the header called `name`.
    pub fn header(name: &str, error: SyntaxError) -> Self {
        ParseError {
            location: Location::Header(name.to_owned()),
            error,
        }
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.error.kind
    }

    /// The status a UAS answers a request with this error (RFC 3261 §8.2, §21.5.6).
    pub fn status_code(&self) -> u16 {
        match self.error.kind {
            ErrorKind::UnsupportedVersion => 505,
            ErrorKind::TooLarge => 513,
            _ => 400,
        }
    }

    /// A reason phrase naming the fault, e.g. `Bad Request (CSeq: number malformed...)`.
    pub fn reason_phrase(&self) -> String {
        match self.error.kind {
            ErrorKind::UnsupportedVersion => "Version Not Supported".to_owned(),
            ErrorKind::TooLarge => "Message Too Large".to_owned(),
            k => format!("Bad Request ({}: {})", self.location, k.describe()),
        }
    }
}
