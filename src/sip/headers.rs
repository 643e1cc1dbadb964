//! Typed access to header values (RFC 3261 §20). Values are parsed on demand from the raw
//! text; errors name the header and the offset inside its value. List headers
//! (RFC 3261 §7.3.1) are read across every line of that name, split at top-level commas.

pub mod auth;
pub mod name_addr;
pub mod values;
pub mod via;

pub use auth::{AuthParam, AuthValue, Challenge, Credentials};
pub use name_addr::{Contacts, NameAddr, parse_qvalue};
pub use values::{CSeq, MediaType, RetryAfter, Warning};
pub use via::{BRANCH_MAGIC_COOKIE, Via};

use super::error::{ErrorKind, ParseError, SyntaxError};
use super::grammar::{find_byte, for_each_element, parse_u32, skip_wsp, trim_wsp};
use super::header::{HeaderName, Headers};
use super::method::Method;
use super::text::Text;

type Parser<T> = fn(&Text, &str) -> Result<T, SyntaxError>;

impl Headers {
    /// Parses the only `name` header; `Ok(None)` when absent, an error when it appears twice
    /// or does not parse.
    pub fn typed<T>(&self, name: &HeaderName, parse: Parser<T>) -> Result<Option<T>, ParseError> {
        self.only(name, parse).map(Some).or_else(|e| match e {
            Only::Absent => Ok(None),
            Only::Error(e) => Err(e),
        })
    }

    /// Like [`Headers::typed`], but absence is an error (a mandatory header, §8.1.1).
    pub fn required<T>(&self, name: &HeaderName, parse: Parser<T>) -> Result<T, ParseError> {
        self.only(name, parse).map_err(|e| match e {
            Only::Absent => {
                ParseError::header(name.as_str(), SyntaxError::new(ErrorKind::MissingHeader, 0))
            }
            Only::Error(e) => e,
        })
    }

    /// Parses the only `name` header: the value is built in place (no `Option` around it to
    /// move through), then the remaining headers are checked for a second one.
    #[inline]
    fn only<T>(&self, name: &HeaderName, parse: Parser<T>) -> Result<T, Only> {
        let (h, more) = self.first_and_more(name).ok_or(Only::Absent)?;
        let value = parse(h.src(), trim_wsp(h.value))
            .map_err(|e| Only::Error(ParseError::header(name.as_str(), e)))?;
        if more {
            return Err(Only::Error(ParseError::header(
                name.as_str(),
                SyntaxError::new(ErrorKind::DuplicateHeader, 0),
            )));
        }
        Ok(value)
    }

    /// Parses every element of the list header `name`, across all its lines.
    pub fn list<T>(&self, name: &HeaderName, parse: Parser<T>) -> Result<Vec<T>, ParseError> {
        let mut out = Vec::new();
        for h in self.all(name) {
            for_each_element(h.value, |at, el| {
                out.push(parse(h.src(), el).map_err(|e| SyntaxError::new(e.kind, at + e.at))?);
                Ok(())
            })
            .map_err(|e| ParseError::header(name.as_str(), e))?;
        }
        Ok(out)
    }

    /// Like [`Headers::list`] but an empty value is an empty list (`Supported:` with nothing,
    /// RFC 3261 §25.1 allows `[option-tag *(COMMA option-tag)]`).
    fn optional_list<T>(&self, name: &HeaderName, parse: Parser<T>) -> Result<Vec<T>, ParseError> {
        if self.get_all(name).all(|v| v.trim().is_empty()) {
            return Ok(Vec::new());
        }
        self.list(name, parse)
    }

    /// Every Via, top first.
    pub fn via(&self) -> Result<Vec<Via>, ParseError> {
        self.list(&HeaderName::Via, Via::parse_in)
    }

    /// The top Via only (cheaper than [`Headers::via`]); an error when there is none.
    pub fn top_via(&self) -> Result<Via, ParseError> {
        let name = HeaderName::Via;
        let h = self.first(&name).ok_or_else(|| {
            ParseError::header("Via", SyntaxError::new(ErrorKind::MissingHeader, 0))
        })?;
        let (src, h) = (h.src(), h.value);
        // One element (the usual case): parse it directly, as `for_each_element` would hand
        // it over, without a closure and an `Option` to move the value through.
        if find_byte(h, b',').is_none() {
            let lead = skip_wsp(h.as_bytes(), 0);
            let el = trim_wsp(h);
            if el.is_empty() {
                return Err(ParseError::header(
                    "Via",
                    SyntaxError::new(ErrorKind::EmptyElement, 0),
                ));
            }
            return Via::parse_in(src, el)
                .map_err(|e| ParseError::header("Via", SyntaxError::new(e.kind, lead + e.at)));
        }
        let mut first = None;
        for_each_element(h, |at, el| {
            if first.is_none() {
                first =
                    Some(Via::parse_in(src, el).map_err(|e| SyntaxError::new(e.kind, at + e.at))?);
            }
            Ok(())
        })
        .map_err(|e| ParseError::header("Via", e))?;
        first.ok_or_else(|| ParseError::header("Via", SyntaxError::new(ErrorKind::Empty, 0)))
    }

    /// From (mandatory).
    pub fn from(&self) -> Result<NameAddr, ParseError> {
        self.required(&HeaderName::From, NameAddr::parse_in)
    }

    /// To (mandatory).
    pub fn to(&self) -> Result<NameAddr, ParseError> {
        self.required(&HeaderName::To, NameAddr::parse_in)
    }

    /// Call-ID (mandatory), checked against `callid = word [ "@" word ]`.
    pub fn call_id(&self) -> Result<Text, ParseError> {
        self.required(&HeaderName::CallId, |src, s| {
            values::check_call_id(s)?;
            Ok(src.slice_ref(s))
        })
    }

    /// CSeq (mandatory).
    pub fn cseq(&self) -> Result<CSeq, ParseError> {
        self.required(&HeaderName::CSeq, CSeq::parse_in)
    }

    /// Max-Forwards (0..=255).
    pub fn max_forwards(&self) -> Result<Option<u8>, ParseError> {
        self.typed(&HeaderName::MaxForwards, |_, s| {
            parse_u32(s)
                .and_then(|v| u8::try_from(v).ok())
                .ok_or(SyntaxError::new(ErrorKind::BadNumber, 0))
        })
    }

    /// Contact: `*` or every address across all Contact lines.
    pub fn contacts(&self) -> Result<Contacts, ParseError> {
        let name = HeaderName::Contact;
        // One pass over the lines: `*` is looked for as they come, and only when one turns
        // up (or a line fails) are the others looked at again.
        let wildcard = || {
            if self.get_all(&name).count() > 1 {
                let e = SyntaxError::new(ErrorKind::DuplicateHeader, 0);
                return Err(ParseError::header("Contact", e));
            }
            Ok(Contacts::Wildcard)
        };
        let mut out = Vec::new();
        for h in self.all(&name) {
            if h.value.trim() == "*" {
                return wildcard();
            }
            let parsed = for_each_element(h.value, |at, el| {
                let na = NameAddr::parse_in(h.src(), el)
                    .map_err(|e| SyntaxError::new(e.kind, at + e.at))?;
                if out.capacity() == 0 {
                    // Nearly always one address: room for it without the growth path.
                    out.reserve_exact(1);
                }
                out.push(na);
                Ok(())
            });
            if let Err(e) = parsed {
                if self.get_all(&name).any(|v| v.trim() == "*") {
                    return wildcard();
                }
                return Err(ParseError::header("Contact", e));
            }
        }
        Ok(Contacts::List(out))
    }

    /// Route, in order.
    pub fn route(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.list(&HeaderName::Route, NameAddr::parse_in)
    }

    /// Record-Route, in order.
    pub fn record_route(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.list(&HeaderName::RecordRoute, NameAddr::parse_in)
    }

    /// Expires (delta-seconds).
    pub fn expires(&self) -> Result<Option<u32>, ParseError> {
        self.typed(&HeaderName::Expires, number)
    }

    /// Min-Expires (delta-seconds).
    pub fn min_expires(&self) -> Result<Option<u32>, ParseError> {
        self.typed(&HeaderName::MinExpires, number)
    }

    /// Content-Length; a negative or non-numeric value is an error (RFC 4475 §3.1.2.3).
    pub fn content_length(&self) -> Result<Option<u32>, ParseError> {
        self.typed(&HeaderName::ContentLength, |_, s| {
            parse_u32(s).ok_or(SyntaxError::new(ErrorKind::BadContentLength, 0))
        })
    }

    /// Content-Type.
    pub fn content_type(&self) -> Result<Option<MediaType>, ParseError> {
        self.typed(&HeaderName::ContentType, MediaType::parse_in)
    }

    /// Accept (an empty Accept is an empty list).
    pub fn accept(&self) -> Result<Vec<MediaType>, ParseError> {
        self.optional_list(&HeaderName::Accept, MediaType::parse_in)
    }

    /// Allow: the methods, in order.
    pub fn allow(&self) -> Result<Vec<Method>, ParseError> {
        self.optional_list(&HeaderName::Allow, |src, s| {
            Method::parse_in(src, s).ok_or(SyntaxError::new(ErrorKind::BadMethod, 0))
        })
    }

    /// Supported option tags.
    pub fn supported(&self) -> Result<Vec<Text>, ParseError> {
        self.optional_list(&HeaderName::Supported, option_tag)
    }

    /// Require option tags.
    pub fn require(&self) -> Result<Vec<Text>, ParseError> {
        self.list(&HeaderName::Require, option_tag)
    }

    /// Proxy-Require option tags.
    pub fn proxy_require(&self) -> Result<Vec<Text>, ParseError> {
        self.list(&HeaderName::ProxyRequire, option_tag)
    }

    /// Unsupported option tags.
    pub fn unsupported(&self) -> Result<Vec<Text>, ParseError> {
        self.list(&HeaderName::Unsupported, option_tag)
    }

    /// WWW-Authenticate challenges (one per line).
    pub fn www_authenticate(&self) -> Result<Vec<Challenge>, ParseError> {
        self.each(&HeaderName::WwwAuthenticate, AuthValue::parse_in)
    }

    /// Proxy-Authenticate challenges (one per line).
    pub fn proxy_authenticate(&self) -> Result<Vec<Challenge>, ParseError> {
        self.each(&HeaderName::ProxyAuthenticate, AuthValue::parse_in)
    }

    /// Authorization credentials (one per line).
    pub fn authorization(&self) -> Result<Vec<Credentials>, ParseError> {
        self.each(&HeaderName::Authorization, AuthValue::parse_in)
    }

    /// Proxy-Authorization credentials (one per line).
    pub fn proxy_authorization(&self) -> Result<Vec<Credentials>, ParseError> {
        self.each(&HeaderName::ProxyAuthorization, AuthValue::parse_in)
    }

    /// Retry-After.
    pub fn retry_after(&self) -> Result<Option<RetryAfter>, ParseError> {
        self.typed(&HeaderName::RetryAfter, RetryAfter::parse_in)
    }

    /// Warning values.
    pub fn warning(&self) -> Result<Vec<Warning>, ParseError> {
        self.list(&HeaderName::Warning, Warning::parse_in)
    }

    /// Date, checked against `rfc1123-date` with GMT only.
    pub fn date(&self) -> Result<Option<Text>, ParseError> {
        self.typed(&HeaderName::Date, |src, s| {
            values::check_date(s)?;
            Ok(src.slice_ref(s))
        })
    }

    /// User-Agent, as written.
    pub fn user_agent(&self) -> Option<&str> {
        self.get(&HeaderName::UserAgent)
    }

    /// Server, as written.
    pub fn server(&self) -> Option<&str> {
        self.get(&HeaderName::Server)
    }

    /// Parses each line of `name` as one value (headers whose values contain commas but are
    /// not lists, like the authentication headers).
    fn each<T>(&self, name: &HeaderName, parse: Parser<T>) -> Result<Vec<T>, ParseError> {
        self.all(name)
            .map(|h| {
                parse(h.src(), trim_wsp(h.value)).map_err(|e| ParseError::header(name.as_str(), e))
            })
            .collect()
    }
}

/// Why [`Headers::only`] found no value.
enum Only {
    Absent,
    Error(ParseError),
}

fn number(_: &Text, s: &str) -> Result<u32, SyntaxError> {
    parse_u32(s).ok_or(SyntaxError::new(ErrorKind::BadNumber, 0))
}

fn option_tag(src: &Text, s: &str) -> Result<Text, SyntaxError> {
    values::check_token(s)?;
    Ok(src.slice_ref(s))
}
