//! URIs: `sip:` and `sips:` (RFC 3261 §19.1, grammar §25.1), `tel:` (RFC 3966), and any other
//! `absoluteURI` kept verbatim. Parsing, canonical printing and the comparison rules of
//! RFC 3261 §19.1.4 and RFC 3966 §4.

use super::error::{ErrorKind, SyntaxError};
use super::grammar::{
    ParamSyntax, Params, class, comparison_form, find_byte, in_class, is_unreserved, parse_params,
    scan_class,
};
use super::text::Text;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Any URI a SIP message may carry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Uri {
    /// A `sip:` or `sips:` URI.
    Sip(SipUri),
    /// A `tel:` URI.
    Tel(TelUri),
    /// Any other absolute URI (`mailto:`, `http:`, `urn:`...), kept as written.
    Other(Text),
}

impl Uri {
    /// Parses a URI from `s`, a slice of `src`.
    #[inline]
    pub fn parse_in(src: &Text, s: &str) -> Result<Uri, SyntaxError> {
        let colon = find_byte(s, b':').ok_or(SyntaxError::new(ErrorKind::BadUri, 0))?;
        let scheme = &s[..colon];
        if scheme.eq_ignore_ascii_case("sip") {
            SipUri::parse_after_scheme(src, s, Scheme::Sip, colon)
        } else if scheme.eq_ignore_ascii_case("sips") {
            SipUri::parse_after_scheme(src, s, Scheme::Sips, colon)
        } else if scheme.eq_ignore_ascii_case("tel") {
            TelUri::parse_in(src, s).map(Uri::Tel)
        } else {
            check_absolute_uri(s)?;
            Ok(Uri::Other(src.slice_ref(s)))
        }
    }

    /// Parses a standalone URI string.
    pub fn parse(s: &str) -> Result<Uri, SyntaxError> {
        let t = Text::from(s);
        Uri::parse_in(&t, &t)
    }

    /// The SIP URI inside, if this is one.
    pub fn as_sip(&self) -> Option<&SipUri> {
        match self {
            Uri::Sip(u) => Some(u),
            _ => None,
        }
    }

    /// Equivalence per RFC 3261 §19.1.4 (sip/sips), RFC 3966 §4 (tel), or exact
    /// case-insensitive scheme and verbatim rest for other schemes.
    pub fn equivalent(&self, other: &Uri) -> bool {
        match (self, other) {
            (Uri::Sip(a), Uri::Sip(b)) => a.equivalent(b),
            (Uri::Tel(a), Uri::Tel(b)) => a.equivalent(b),
            (Uri::Other(a), Uri::Other(b)) => a == b,
            _ => false,
        }
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Uri::Sip(u) => u.fmt(f),
            Uri::Tel(u) => u.fmt(f),
            Uri::Other(t) => f.write_str(t),
        }
    }
}

/// `absoluteURI` (RFC 2396): a scheme and then URI characters, nothing else.
fn check_absolute_uri(s: &str) -> Result<(), SyntaxError> {
    let colon = find_byte(s, b':').unwrap_or(0);
    let scheme = &s.as_bytes()[..colon];
    let scheme_ok = scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok || colon + 1 >= s.len() {
        return Err(SyntaxError::new(ErrorKind::BadUri, 0));
    }
    for (i, b) in s.bytes().enumerate().skip(colon + 1) {
        let reserved = b";/?:@&=+$,#[]".contains(&b);
        if !(is_unreserved(b) || reserved || b == b'%') {
            return Err(SyntaxError::new(ErrorKind::UnexpectedChar(b as char), i));
        }
    }
    Ok(())
}

/// `sip:` or `sips:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `sip:`
    Sip,
    /// `sips:` (TLS on every hop, RFC 3261 §19.1).
    Sips,
}

/// The index of the first byte of `b` that is no hostname character (alphanum, `-`, `.`;
/// `_` tolerated, seen in the wild in SRV-derived names).
#[inline]
pub(crate) fn host_chars(b: &[u8]) -> Option<usize> {
    let k = scan_class(b, 0, class::HOST);
    (k < b.len()).then_some(k)
}

/// The host part of a SIP URI or Via.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A host name as written (compared case-insensitively).
    Name(Text),
    /// An IPv4 address.
    V4(Ipv4Addr),
    /// An IPv6 address (written as a `[...]` reference).
    V6(Ipv6Addr),
}

impl Host {
    /// Parses `hostname / IPv4address / IPv6reference` (RFC 3261 §25.1); `s` is the whole host.
    pub fn parse_in(src: &Text, s: &str) -> Result<Host, SyntaxError> {
        let b = s.as_bytes();
        if b.first() == Some(&b'[') {
            if b.last() != Some(&b']') {
                return Err(SyntaxError::new(ErrorKind::BadHost, 0));
            }
            return s[1..s.len() - 1]
                .parse()
                .map(Host::V6)
                .map_err(|_| SyntaxError::new(ErrorKind::BadHost, 0));
        }
        if b.is_empty() {
            return Err(SyntaxError::new(ErrorKind::BadHost, 0));
        }
        if let Some(i) = host_chars(b) {
            return Err(SyntaxError::new(ErrorKind::UnexpectedChar(b[i] as char), i));
        }
        Ok(Host::from_host_chars(src, s))
    }

    /// The host `s` (a slice of `src`), non-empty and of hostname characters only: an IPv4
    /// address or a name.
    pub(crate) fn from_host_chars(src: &Text, s: &str) -> Host {
        let b = s.as_bytes();
        // An IPv4 address starts with a digit (a host name may too: `1and1.example`).
        if b[0].is_ascii_digit() && b.iter().all(|c| c.is_ascii_digit() || *c == b'.') {
            if let Ok(ip) = s.parse() {
                return Host::V4(ip);
            }
        }
        Host::Name(src.slice_ref(s))
    }

    /// The IP address, when the host is one.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Host::V4(a) => Some(IpAddr::V4(*a)),
            Host::V6(a) => Some(IpAddr::V6(*a)),
            Host::Name(_) => None,
        }
    }

    fn same(&self, other: &Host) -> bool {
        match (self, other) {
            (Host::Name(a), Host::Name(b)) => a.eq_ignore_ascii_case(b),
            _ => self == other,
        }
    }
}

impl From<IpAddr> for Host {
    fn from(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(a) => Host::V4(a),
            IpAddr::V6(a) => Host::V6(a),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(n) => f.write_str(n),
            Host::V4(a) => a.fmt(f),
            Host::V6(a) => write!(f, "[{a}]"),
        }
    }
}

/// A `hname=hvalue` URI header (RFC 3261 §19.1.1), kept escaped as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UriHeader {
    /// The header name, escaped as written.
    pub name: Text,
    /// The value, escaped as written.
    pub value: Text,
}

/// A `sip:` or `sips:` URI (RFC 3261 §19.1.1). User and password are kept escaped as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SipUri {
    /// `sip` or `sips`.
    pub scheme: Scheme,
    /// The user part (escaped as written; may hold `;` parameters of a telephone-subscriber).
    pub user: Option<Text>,
    /// The password (deprecated by RFC 3261 §19.1.1, still parsed).
    pub password: Option<Text>,
    /// The host.
    pub host: Host,
    /// The port, when written.
    pub port: Option<u16>,
    /// URI parameters (`transport`, `user`, `method`, `ttl`, `maddr`, `lr`, others).
    pub params: Params,
    /// URI headers after `?`.
    pub headers: Vec<UriHeader>,
}

/// `hnv-unreserved / unreserved / escaped`: the characters of a URI header's name or value.
fn is_header_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'[' | b']' | b'/' | b'?' | b':' | b'+' | b'$' | b'%')
}

fn check_chars(s: &str, base: usize, ok: impl Fn(u8) -> bool) -> Result<(), SyntaxError> {
    match s.bytes().position(|b| !ok(b)) {
        Some(i) => Err(SyntaxError::new(
            ErrorKind::UnexpectedChar(s.as_bytes()[i] as char),
            base + i,
        )),
        None => Ok(()),
    }
}

impl SipUri {
    /// Parses a `sip:`/`sips:` URI occupying all of `s` (a slice of `src`).
    pub fn parse_in(src: &Text, s: &str) -> Result<SipUri, SyntaxError> {
        let colon = find_byte(s, b':').ok_or(SyntaxError::new(ErrorKind::BadUri, 0))?;
        let scheme = match &s[..colon] {
            x if x.eq_ignore_ascii_case("sip") => Scheme::Sip,
            x if x.eq_ignore_ascii_case("sips") => Scheme::Sips,
            _ => return Err(SyntaxError::new(ErrorKind::BadUri, 0)),
        };
        match Self::parse_after_scheme(src, s, scheme, colon)? {
            Uri::Sip(u) => Ok(u),
            _ => Err(SyntaxError::new(ErrorKind::BadUri, 0)),
        }
    }

    /// The rest of [`SipUri::parse_in`], once the scheme (ending at `colon`) is known; the
    /// [`Uri`] is built in place (not moved into one afterwards).
    #[inline]
    fn parse_after_scheme(
        src: &Text,
        s: &str,
        scheme: Scheme,
        colon: usize,
    ) -> Result<Uri, SyntaxError> {
        let mut pos = colon + 1;
        // Usually the user part is user characters right up to the `@`: then that is the
        // userinfo the general search would find (those characters hold no `@` or `:`).
        let user_end = scan_class(s.as_bytes(), pos, class::USER);
        let (user, password) = if user_end > pos && s.as_bytes().get(user_end) == Some(&b'@') {
            let user = src.slice_ref(&s[pos..user_end]);
            pos = user_end + 1;
            (Some(user), None)
        } else {
            parse_userinfo(src, s, &mut pos)?
        };
        let (host, port, used) = parse_hostport(src, &s[pos..], pos)?;
        pos += used;
        let (params, used) = parse_params(src, &s[pos..], ParamSyntax::Uri)
            .map_err(|e| SyntaxError::new(e.kind, pos + e.at))?;
        pos += used;
        let headers = if s.as_bytes().get(pos) == Some(&b'?') {
            parse_uri_headers(src, &s[pos + 1..], pos + 1)?
        } else if pos < s.len() {
            let c = s.as_bytes()[pos] as char;
            return Err(SyntaxError::new(ErrorKind::UnexpectedChar(c), pos));
        } else {
            Vec::new()
        };
        Ok(Uri::Sip(SipUri {
            scheme,
            user,
            password,
            host,
            port,
            params,
            headers,
        }))
    }

    /// Parses a standalone SIP URI string.
    pub fn parse(s: &str) -> Result<SipUri, SyntaxError> {
        let t = Text::from(s);
        SipUri::parse_in(&t, &t)
    }

    /// A `sip:` URI for `user@host` (user may be empty for a host-only URI).
    pub fn new(user: Option<&str>, host: Host, port: Option<u16>) -> SipUri {
        SipUri {
            scheme: Scheme::Sip,
            user: user.filter(|u| !u.is_empty()).map(Text::from),
            password: None,
            host,
            port,
            params: Params::new(),
            headers: Vec::new(),
        }
    }

    /// The `transport` parameter, if any.
    pub fn transport(&self) -> Option<&str> {
        self.params.value("transport")
    }

    /// Whether the `lr` parameter marks a loose router (RFC 3261 §16.12.1.1).
    pub fn is_loose_router(&self) -> bool {
        self.params.contains("lr")
    }

    /// Equivalence per RFC 3261 §19.1.4.
    pub fn equivalent(&self, other: &SipUri) -> bool {
        self.scheme == other.scheme
            && opt_eq_decoded(&self.user, &other.user)
            && opt_eq_decoded(&self.password, &other.password)
            && self.host.same(&other.host)
            && self.port == other.port
            && params_equivalent(&self.params, &other.params)
            && headers_equivalent(&self.headers, &other.headers)
    }
}

/// `[ userinfo "@" ]` of `s` at `*pos` (just after the scheme): user and password, with
/// `*pos` moved past the `@`.
fn parse_userinfo(
    src: &Text,
    s: &str,
    pos: &mut usize,
) -> Result<(Option<Text>, Option<Text>), SyntaxError> {
    let rest = &s[*pos..];
    let Some(at) = find_byte(rest, b'@') else {
        return Ok((None, None));
    };
    let userinfo = &rest[..at];
    let (u, p) = match find_byte(userinfo, b':') {
        Some(c) => (&userinfo[..c], Some(&userinfo[c + 1..])),
        None => (userinfo, None),
    };
    check_chars(u, *pos, |c| in_class(c, class::USER))?;
    if u.is_empty() {
        return Err(SyntaxError::new(ErrorKind::BadUri, *pos));
    }
    if let Some(p) = p {
        check_chars(p, *pos + u.len() + 1, |c| in_class(c, class::PASSWORD))?;
    }
    *pos += at + 1;
    Ok((Some(src.slice_ref(u)), p.map(|p| src.slice_ref(p))))
}

fn parse_hostport(
    src: &Text,
    s: &str,
    base: usize,
) -> Result<(Host, Option<u16>, usize), SyntaxError> {
    let b = s.as_bytes();
    // Fast path: hostname characters up to a delimiter (or the end), checked in one scan.
    let k = host_chars(b).unwrap_or(b.len());
    let (host, host_end) = if k > 0 && b.get(k).is_none_or(|c| matches!(c, b':' | b';' | b'?')) {
        (Host::from_host_chars(src, &s[..k]), k)
    } else {
        let host_end = if b.first() == Some(&b'[') {
            find_byte(s, b']')
                .map(|i| i + 1)
                .ok_or(SyntaxError::new(ErrorKind::BadHost, base))?
        } else {
            b.iter()
                .position(|&c| matches!(c, b':' | b';' | b'?'))
                .unwrap_or(b.len())
        };
        let host = Host::parse_in(src, &s[..host_end])
            .map_err(|e| SyntaxError::new(e.kind, base + e.at))?;
        (host, host_end)
    };
    if b.get(host_end) != Some(&b':') {
        return Ok((host, None, host_end));
    }
    let p_start = host_end + 1;
    let p_end = b[p_start..]
        .iter()
        .position(|c| !c.is_ascii_digit())
        .map_or(b.len(), |i| p_start + i);
    let port = super::grammar::parse_u32(&s[p_start..p_end])
        .and_then(|p| u16::try_from(p).ok())
        .ok_or(SyntaxError::new(ErrorKind::BadPort, base + p_start))?;
    Ok((host, Some(port), p_end))
}

fn parse_uri_headers(src: &Text, s: &str, base: usize) -> Result<Vec<UriHeader>, SyntaxError> {
    let mut out = Vec::new();
    let mut off = base;
    for part in s.split('&') {
        let eq = part
            .find('=')
            .ok_or(SyntaxError::new(ErrorKind::BadUri, off))?;
        let (n, v) = (&part[..eq], &part[eq + 1..]);
        if n.is_empty() {
            return Err(SyntaxError::new(ErrorKind::EmptyElement, off));
        }
        check_chars(n, off, is_header_char)?;
        check_chars(v, off + eq + 1, is_header_char)?;
        out.push(UriHeader {
            name: src.slice_ref(n),
            value: src.slice_ref(v),
        });
        off += part.len() + 1;
    }
    Ok(out)
}

fn opt_eq_decoded(a: &Option<Text>, b: &Option<Text>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => comparison_form(a) == comparison_form(b),
        _ => false,
    }
}

fn decoded_eq_ignore_case(a: &str, b: &str) -> bool {
    comparison_form(a).eq_ignore_ascii_case(&comparison_form(b))
}

/// RFC 3261 §19.1.4: parameters in both must match; `user`, `ttl`, `method`, `maddr` and
/// `transport` in only one never match; other one-sided parameters are ignored. Names are
/// matched after unescaping too (`n%61me` is `name`, RFC 4475 §3.1.1.3).
fn params_equivalent(a: &Params, b: &Params) -> bool {
    const STRICT: [&str; 5] = ["user", "ttl", "method", "maddr", "transport"];
    let one_sided = |x: &Params, y: &Params| {
        x.pairs().any(|(name, value)| {
            let mut named = y
                .pairs()
                .filter(|(n, _)| decoded_eq_ignore_case(n, name))
                .peekable();
            if named.peek().is_none() {
                return STRICT.iter().any(|s| decoded_eq_ignore_case(name, s));
            }
            // A repeated parameter matches when any same-named one has the same value.
            !named.any(|(_, v)| decoded_eq_ignore_case(value.unwrap_or(""), v.unwrap_or("")))
        })
    };
    !one_sided(a, b) && !one_sided(b, a)
}

fn headers_equivalent(a: &[UriHeader], b: &[UriHeader]) -> bool {
    let covered = |x: &[UriHeader], y: &[UriHeader]| {
        x.iter().all(|h| {
            y.iter().any(|g| {
                decoded_eq_ignore_case(&h.name, &g.name)
                    && comparison_form(&h.value) == comparison_form(&g.value)
            })
        })
    };
    covered(a, b) && covered(b, a)
}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.scheme {
            Scheme::Sip => "sip:",
            Scheme::Sips => "sips:",
        })?;
        if let Some(u) = &self.user {
            f.write_str(u)?;
            if let Some(p) = &self.password {
                write!(f, ":{p}")?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}", self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)?;
        for (i, h) in self.headers.iter().enumerate() {
            let sep = if i == 0 { '?' } else { '&' };
            write!(f, "{sep}{}={}", h.name, h.value)?;
        }
        Ok(())
    }
}

/// A `tel:` URI (RFC 3966): a global (`+...`) or local number and its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TelUri {
    /// The number as written, with visual separators and a leading `+` when global.
    pub number: Text,
    /// Parameters such as `ext`, `isub`, `phone-context`.
    pub params: Params,
}

impl TelUri {
    /// Parses a `tel:` URI occupying all of `s` (a slice of `src`).
    pub fn parse_in(src: &Text, s: &str) -> Result<TelUri, SyntaxError> {
        let body = s.get(4..).ok_or(SyntaxError::new(ErrorKind::BadUri, 0))?;
        let end = find_byte(body, b';').unwrap_or(body.len());
        let number = &body[..end];
        let digits = number.strip_prefix('+').unwrap_or(number);
        let global = number.starts_with('+');
        let ok = |b: u8| {
            b.is_ascii_digit()
                || matches!(b, b'-' | b'.' | b'(' | b')')
                || (!global && (b.is_ascii_hexdigit() || b == b'*' || b == b'#'))
        };
        if !digits
            .bytes()
            .any(|b| b.is_ascii_hexdigit() || b == b'*' || b == b'#')
        {
            return Err(SyntaxError::new(ErrorKind::BadUri, 4));
        }
        check_chars(digits, 4 + usize::from(global), ok)?;
        let (params, used) = parse_params(src, &body[end..], ParamSyntax::Uri)
            .map_err(|e| SyntaxError::new(e.kind, 4 + end + e.at))?;
        if end + used != body.len() {
            let at = end + used;
            let c = body.as_bytes()[at] as char;
            return Err(SyntaxError::new(ErrorKind::UnexpectedChar(c), 4 + at));
        }
        if !global && !params.contains("phone-context") {
            // RFC 3966 §5.1.5: a local number MUST carry phone-context; tolerated, as many
            // phones send bare local numbers, but the caller can check `is_global`.
        }
        Ok(TelUri {
            number: src.slice_ref(number),
            params,
        })
    }

    /// Whether the number is global (`+` and E.164 digits).
    pub fn is_global(&self) -> bool {
        self.number.starts_with('+')
    }

    /// The number without visual separators (`-`, `.`, `(`, `)`).
    pub fn digits(&self) -> String {
        self.number
            .chars()
            .filter(|c| !matches!(c, '-' | '.' | '(' | ')'))
            .collect()
    }

    /// Equivalence per RFC 3966 §4: same digits, same parameters in any order
    /// (names and values compared case-insensitively).
    pub fn equivalent(&self, other: &TelUri) -> bool {
        // Visual separators do not count, in the number or in phone-context (RFC 3966 §4).
        let norm = |v: &str| -> String {
            v.chars()
                .filter(|c| !matches!(c, '-' | '.' | '(' | ')'))
                .flat_map(char::to_lowercase)
                .collect()
        };
        let covered = |x: &Params, y: &Params| {
            x.iter().all(|p| {
                let pv = norm(p.value.as_deref().unwrap_or(""));
                y.iter().any(|q| {
                    q.name.eq_ignore_ascii_case(&p.name)
                        && norm(q.value.as_deref().unwrap_or("")) == pv
                })
            })
        };
        norm(&self.number) == norm(&other.number)
            && covered(&self.params, &other.params)
            && covered(&other.params, &self.params)
    }
}

impl fmt::Display for TelUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tel:{}{}", self.number, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sip(s: &str) -> SipUri {
        SipUri::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_parts() {
        let u =
            sip("sips:alice:secret@[2001:db8::10]:5061;transport=tls;lr?subject=hi%20there&x=y");
        assert_eq!(u.scheme, Scheme::Sips);
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert_eq!(u.password.as_deref(), Some("secret"));
        assert_eq!(u.host, Host::V6("2001:db8::10".parse().unwrap()));
        assert_eq!(u.port, Some(5061));
        assert_eq!(u.transport(), Some("tls"));
        assert!(u.is_loose_router());
        assert_eq!(u.headers.len(), 2);
        assert_eq!(u.headers[0].value, "hi%20there");
        let u = sip("sip:user;par=u%40example.net@example.com");
        assert_eq!(u.user.as_deref(), Some("user;par=u%40example.net"));
        assert_eq!(u.host, Host::Name(Text::from("example.com")));
        let u = sip("SIP:192.0.2.1:05060");
        assert_eq!(u.host, Host::V4(Ipv4Addr::new(192, 0, 2, 1)));
        assert_eq!(u.port, Some(5060));
        assert_eq!(u.user, None);
    }

    #[test]
    fn rejects_bad_uris() {
        for bad in [
            "sip:",
            "sip:@host",
            "sip:user@",
            "sip:user@host:99999",
            "sip:user@host:",
            "sip:user@ho st",
            "sip:user@[::1",
            "sip:user@host;;x",
            "sip:user@host?bad",
            "sip:us<er@host",
            "tel:",
            "tel:+1-2x",
        ] {
            assert!(Uri::parse(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn prints_canonically() {
        for (input, want) in [
            (
                "SIP:alice@Example.com;Transport=TCP",
                "sip:alice@Example.com;Transport=TCP",
            ),
            ("sip:[::1]:5060", "sip:[::1]:5060"),
            (
                "sips:bob@example.com?a=b&c=d",
                "sips:bob@example.com?a=b&c=d",
            ),
            ("tel:+1-201-555-0123;ext=42", "tel:+1-201-555-0123;ext=42"),
            ("urn:service:sos", "urn:service:sos"),
        ] {
            assert_eq!(Uri::parse(input).unwrap().to_string(), want);
        }
    }

    // RFC 3261 §19.1.4: the equivalent and non-equivalent sets, verbatim.
    #[test]
    fn rfc3261_comparison_examples() {
        let same = [
            (
                "sip:%61lice@atlanta.com;transport=TCP",
                "sip:alice@AtLanTa.CoM;Transport=tcp",
            ),
            ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
            ("sip:c@h;n%61me=v%61lue%2541", "sip:c@h;name=value%2541"),
            ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"),
            (
                "sip:carol@chicago.com;newparam=5",
                "sip:carol@chicago.com;security=on",
            ),
            (
                "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
                "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
            ),
            (
                "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
                "sip:alice@atlanta.com?priority=urgent&subject=project%20x",
            ),
        ];
        for (a, b) in same {
            assert!(sip(a).equivalent(&sip(b)), "{a} == {b}");
            assert!(sip(b).equivalent(&sip(a)), "{b} == {a}");
        }
        let different = [
            (
                "SIP:ALICE@AtLanTa.CoM;Transport=udp",
                "sip:alice@AtLanTa.CoM;Transport=UDP",
            ),
            ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"),
            ("sip:c@h;n%61me=v%61lue%2541", "sip:c@h;name=valueA"),
            ("sip:c@h;%74ransport=tcp", "sip:c@h"),
            ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),
            (
                "sip:bob@biloxi.com",
                "sip:bob@biloxi.com:6000;transport=tcp",
            ),
            (
                "sip:carol@chicago.com",
                "sip:carol@chicago.com?Subject=next%20meeting",
            ),
            ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),
            ("sip:alice@atlanta.com", "sips:alice@atlanta.com"),
            (
                "sip:alice@atlanta.com;maddr=1.2.3.4",
                "sip:alice@atlanta.com",
            ),
        ];
        for (a, b) in different {
            assert!(!sip(a).equivalent(&sip(b)), "{a} != {b}");
            assert!(!sip(b).equivalent(&sip(a)), "{b} != {a}");
        }
    }

    #[test]
    fn comparison_edge_cases() {
        // A repeated parameter still matches itself.
        let u = sip("sip:h;x=1;x=2");
        assert!(u.equivalent(&u));
        // An escaped reserved character is not the character itself (§19.1.4).
        assert!(!sip("sip:a%3Bb@h").equivalent(&sip("sip:a;b@h")));
        assert!(sip("sip:a%3bb@h").equivalent(&sip("sip:a%3Bb@h")));
        // An empty user given to the builder means no user part.
        let built = SipUri::new(Some(""), Host::Name(Text::from("h")), None);
        assert_eq!(SipUri::parse(&built.to_string()).unwrap(), built);
        // tel: comparison is symmetric and ignores separators in phone-context.
        let a = Uri::parse("tel:1;a=1;a=1").unwrap();
        let b = Uri::parse("tel:1;a=1;b=2").unwrap();
        assert!(!a.equivalent(&b) && !b.equivalent(&a));
        let c = Uri::parse("tel:7042;phone-context=+1-201").unwrap();
        let d = Uri::parse("tel:7042;phone-context=+1201").unwrap();
        assert!(c.equivalent(&d));
    }

    #[test]
    fn tel_uris() {
        let Uri::Tel(t) = Uri::parse("tel:+1-201-555-0123;ext=42").unwrap() else {
            panic!("not tel")
        };
        assert!(t.is_global());
        assert_eq!(t.digits(), "+12015550123");
        assert_eq!(t.params.value("ext"), Some("42"));
        let Uri::Tel(u) = Uri::parse("tel:+1.201.555.0123;EXT=42").unwrap() else {
            panic!("not tel")
        };
        assert!(t.equivalent(&u));
        let Uri::Tel(l) = Uri::parse("tel:7042;phone-context=example.com").unwrap() else {
            panic!("not tel")
        };
        assert!(!l.is_global());
        assert!(!l.equivalent(&t));
    }
}
