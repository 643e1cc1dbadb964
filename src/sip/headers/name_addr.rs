//! `name-addr` / `addr-spec` values with header parameters: From, To, Contact, Route,
//! Record-Route, Reply-To (RFC 3261 §20.10, §20.20, §20.39, §20.34, §20.30, grammar §25.1).

use crate::sip::error::{ErrorKind, SyntaxError};
use crate::sip::grammar::{
    ParamSyntax, Params, find_byte, is_token_char, is_wsp, parse_params, parse_quoted, parse_u32,
    skip_wsp, trim_wsp, write_quoted,
};
use crate::sip::text::Text;
use crate::sip::uri::Uri;
use std::borrow::Cow;
use std::fmt;

/// An address with an optional display name and header parameters (`tag`, `expires`, `q`...).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NameAddr {
    /// The display name, unquoted and unescaped.
    pub display: Option<Text>,
    /// The address.
    pub uri: Uri,
    /// Header parameters after the address.
    pub params: Params,
}

impl NameAddr {
    /// An address with no display name and no parameters.
    pub fn new(uri: Uri) -> Self {
        NameAddr {
            display: None,
            uri,
            params: Params::new(),
        }
    }

    /// Parses one element (already split from a list and trimmed); `s` is a slice of `src`.
    pub fn parse_in(src: &Text, s: &str) -> Result<NameAddr, SyntaxError> {
        let b = s.as_bytes();
        if b.is_empty() {
            return Err(SyntaxError::new(ErrorKind::Empty, 0));
        }
        if b[0] == b'"' {
            let (name, used) = parse_quoted(s)?;
            let display = match name {
                Cow::Borrowed(n) => src.slice_ref(n),
                Cow::Owned(n) => Text::from(n),
            };
            let lt = skip_wsp(b, used);
            if b.get(lt) != Some(&b'<') {
                return Err(SyntaxError::new(ErrorKind::UnexpectedEnd, lt));
            }
            return Self::parse_angle(src, s, lt, Some(display));
        }
        // A `<` before any `;` starts a name-addr; otherwise it is an addr-spec.
        match b.iter().position(|&c| c == b'<' || c == b';') {
            Some(lt) if b[lt] == b'<' => {
                let name = trim_wsp(&s[..lt]);
                if let Some(i) = name.bytes().position(|c| !(is_token_char(c) || is_wsp(c))) {
                    return Err(SyntaxError::new(ErrorKind::BadDisplayName, i));
                }
                let display = (!name.is_empty()).then(|| src.slice_ref(name));
                Self::parse_angle(src, s, lt, display)
            }
            _ => Self::parse_addr_spec(src, s),
        }
    }

    #[inline]
    fn parse_angle(
        src: &Text,
        s: &str,
        lt: usize,
        display: Option<Text>,
    ) -> Result<NameAddr, SyntaxError> {
        let gt = find_byte(&s[lt..], b'>')
            .map(|i| lt + i)
            .ok_or(SyntaxError::new(ErrorKind::UnterminatedAngle, lt))?;
        // Built in place: the URI is not moved through a local first.
        Ok(NameAddr {
            display,
            uri: Uri::parse_in(src, &s[lt + 1..gt])
                .map_err(|e| SyntaxError::new(e.kind, lt + 1 + e.at))?,
            params: Self::parse_tail(src, s, gt + 1)?,
        })
    }

    /// RFC 3261 §20.10: without angle brackets, `;` starts header parameters and the URI may
    /// hold no `;`, `?` or `,` (RFC 4475 §3.1.2.13).
    fn parse_addr_spec(src: &Text, s: &str) -> Result<NameAddr, SyntaxError> {
        let end = find_byte(s, b';').unwrap_or(s.len());
        let spec = trim_wsp(&s[..end]);
        if let Some(i) = spec
            .bytes()
            .position(|c| matches!(c, b'?' | b' ' | b'\t' | b'>' | b'"'))
        {
            let c = spec.as_bytes()[i] as char;
            return Err(SyntaxError::new(ErrorKind::UnexpectedChar(c), i));
        }
        let uri = Uri::parse_in(src, spec)?;
        let params = Self::parse_tail(src, s, end)?;
        Ok(NameAddr {
            display: None,
            uri,
            params,
        })
    }

    fn parse_tail(src: &Text, s: &str, from: usize) -> Result<Params, SyntaxError> {
        let (params, used) = parse_params(src, &s[from..], ParamSyntax::Header)
            .map_err(|e| SyntaxError::new(e.kind, from + e.at))?;
        let end = from + used;
        if end < s.len() {
            let c = s.as_bytes()[end] as char;
            return Err(SyntaxError::new(ErrorKind::UnexpectedChar(c), end));
        }
        Ok(params)
    }

    /// Parses a standalone value.
    pub fn parse(s: &str) -> Result<NameAddr, SyntaxError> {
        let t = Text::from(s);
        NameAddr::parse_in(&t, trim_wsp(&t))
    }

    /// The `tag` parameter (From/To, RFC 3261 §19.3).
    pub fn tag(&self) -> Option<&str> {
        self.params.value("tag")
    }

    /// The `expires` parameter of a Contact (RFC 3261 §20.10), when it is a valid number.
    pub fn expires(&self) -> Option<u32> {
        self.params.value("expires").and_then(parse_u32)
    }

    /// The `q` parameter of a Contact, in thousandths (`q=0.5` is 500), when valid
    /// (`qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`).
    pub fn q(&self) -> Option<u16> {
        parse_qvalue(self.params.value("q")?)
    }
}

/// Parses a `qvalue` (RFC 3261 §25.1) into thousandths.
pub fn parse_qvalue(s: &str) -> Option<u16> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths = 0u16;
    for (i, d) in frac.bytes().enumerate() {
        thousandths += u16::from(d - b'0') * [100, 10, 1][i];
    }
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

impl fmt::Display for NameAddr {
    /// Canonical form: a quoted display name (when present), the URI in angle brackets, then
    /// the parameters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display {
            write_quoted(f, d)?;
            f.write_str(" ")?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

/// The value of a Contact header: `*` (only in a REGISTER removing all bindings, RFC 3261
/// §10.2.2) or a list of addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contacts {
    /// `Contact: *`
    Wildcard,
    /// The addresses, from every Contact line in order.
    List(Vec<NameAddr>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let cases = [
            (
                r#""Alice \"A\"" <sip:alice@a.com>;tag=1"#,
                Some(r#"Alice "A""#),
                "1",
            ),
            (
                "Bob Smith <sip:bob@b.com;transport=tcp>;tag=x",
                Some("Bob Smith"),
                "x",
            ),
            ("<sip:c@c.com>;tag=y", None, "y"),
            ("sip:d@d.com;tag=z", None, "z"),
            ("\"caller\"<sip:e@e.com> ;tag=w", Some("caller"), "w"),
        ];
        for (input, display, tag) in cases {
            let na = NameAddr::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(na.display.as_deref(), display, "{input}");
            assert_eq!(na.tag(), Some(tag), "{input}");
            let again = NameAddr::parse(&na.to_string()).unwrap();
            assert_eq!(again, na, "{input}");
        }
        let bare = NameAddr::parse("sip:d@d.com;tag=z").unwrap();
        assert!(bare.uri.as_sip().unwrap().params.is_empty());
        let angle = NameAddr::parse("<sip:d@d.com;lr>").unwrap();
        assert!(angle.uri.as_sip().unwrap().is_loose_router());
    }

    #[test]
    fn errors() {
        let cases = [
            ("\"unterminated <sip:a@b>", ErrorKind::UnterminatedQuote),
            ("<sip:a@b", ErrorKind::UnterminatedAngle),
            ("Bell, Alexander <sip:a@b>", ErrorKind::BadDisplayName),
            (
                "sip:user@example.com?Route=%3Csip:x%3E",
                ErrorKind::UnexpectedChar('?'),
            ),
            ("<sip:a@b>;tag=1;;", ErrorKind::EmptyElement),
            ("<sip:a@b> junk", ErrorKind::UnexpectedChar('j')),
        ];
        for (input, kind) in cases {
            assert_eq!(NameAddr::parse(input).unwrap_err().kind, kind, "{input}");
        }
    }

    #[test]
    fn contact_params() {
        let c = NameAddr::parse("<sip:a@b>;expires=0600;q=0.7").unwrap();
        assert_eq!(c.expires(), Some(600));
        assert_eq!(c.q(), Some(700));
        assert_eq!(parse_qvalue("1.000"), Some(1000));
        assert_eq!(parse_qvalue("1.5"), None);
        assert_eq!(parse_qvalue("0.1234"), None);
    }
}
