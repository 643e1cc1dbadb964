//! Smaller typed values: CSeq (§20.16), Call-ID (§20.8), media types for Content-Type and
//! Accept (§20.15, §20.1), Retry-After (§20.33), Warning (§20.43), Date (§20.17) and numbers
//! (Expires, Min-Expires, Max-Forwards, Content-Length). Grammar from RFC 3261 §25.1.

use crate::sip::error::{ErrorKind, SyntaxError};
use crate::sip::grammar::{
    ParamSyntax, Params, class, in_class, is_token, is_token_char, parse_params, parse_u32,
    scan_class, skip_wsp,
};
use crate::sip::method::Method;
use crate::sip::text::Text;
use std::fmt;

/// `CSeq: 4711 INVITE`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CSeq {
    /// The sequence number (RFC 3261 §8.1.1.5: a 32-bit unsigned integer).
    pub seq: u32,
    /// The method.
    pub method: Method,
}

impl CSeq {
    /// Parses `1*DIGIT LWS Method`; `s` is a trimmed slice of `src`.
    pub fn parse_in(src: &Text, s: &str) -> Result<CSeq, SyntaxError> {
        let b = s.as_bytes();
        let digits = b
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(b.len());
        let seq = parse_u32(&s[..digits]).ok_or(SyntaxError::new(ErrorKind::BadNumber, 0))?;
        let m = skip_wsp(b, digits);
        if m == digits {
            return Err(SyntaxError::new(ErrorKind::UnexpectedEnd, digits));
        }
        let method =
            Method::parse_in(src, &s[m..]).ok_or(SyntaxError::new(ErrorKind::BadMethod, m))?;
        Ok(CSeq { seq, method })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

/// Checks a Call-ID: `word [ "@" word ]` (RFC 3261 §25.1).
pub fn check_call_id(s: &str) -> Result<(), SyntaxError> {
    if s.is_empty() {
        return Err(SyntaxError::new(ErrorKind::Empty, 0));
    }
    // Usually word characters, and at most one `@` between two runs of them: one scan.
    let b = s.as_bytes();
    let k = scan_class(b, 0, class::WORD);
    if k == b.len() {
        return Ok(());
    }
    if k > 0 && b[k] == b'@' {
        let j = scan_class(b, k + 1, class::WORD);
        if j == b.len() && j > k + 1 {
            return Ok(());
        }
    }
    // Something else: find what and where.
    let mut ats = 0;
    for (i, c) in s.bytes().enumerate() {
        if c == b'@' {
            ats += 1;
            if ats > 1 || i == 0 || i + 1 == s.len() {
                return Err(SyntaxError::new(ErrorKind::UnexpectedChar('@'), i));
            }
        } else if !in_class(c, class::WORD) {
            return Err(SyntaxError::new(ErrorKind::UnexpectedChar(c as char), i));
        }
    }
    Ok(())
}

/// A media type with parameters: `application/sdp`, `multipart/mixed;boundary=x`, or an
/// Accept media-range such as `*/*` or `text/*;q=0.5`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType {
    /// Type, e.g. `application`.
    pub kind: Text,
    /// Subtype, e.g. `sdp`.
    pub subtype: Text,
    /// Parameters.
    pub params: Params,
}

impl MediaType {
    /// `type/subtype` with no parameters.
    pub fn new(kind: &str, subtype: &str) -> MediaType {
        MediaType {
            kind: Text::from(kind),
            subtype: Text::from(subtype),
            params: Params::new(),
        }
    }

    /// Parses `m-type SLASH m-subtype *(SEMI m-parameter)`; `s` is a trimmed slice of `src`.
    pub fn parse_in(src: &Text, s: &str) -> Result<MediaType, SyntaxError> {
        let b = s.as_bytes();
        let tok_end = |from: usize| {
            b[from..]
                .iter()
                .position(|&c| !is_token_char(c))
                .map_or(b.len(), |i| from + i)
        };
        let k_end = tok_end(0);
        let slash = skip_wsp(b, k_end);
        if k_end == 0 || b.get(slash) != Some(&b'/') {
            return Err(SyntaxError::new(ErrorKind::UnexpectedEnd, slash));
        }
        let st = skip_wsp(b, slash + 1);
        let st_end = tok_end(st);
        if st_end == st {
            return Err(SyntaxError::new(ErrorKind::UnexpectedEnd, st));
        }
        let (params, used) = parse_params(src, &s[st_end..], ParamSyntax::Header)
            .map_err(|e| SyntaxError::new(e.kind, st_end + e.at))?;
        if st_end + used != b.len() {
            let at = st_end + used;
            return Err(SyntaxError::new(
                ErrorKind::UnexpectedChar(b[at] as char),
                at,
            ));
        }
        Ok(MediaType {
            kind: src.slice_ref(&s[..k_end]),
            subtype: src.slice_ref(&s[st..st_end]),
            params,
        })
    }

    /// Whether this is `kind/subtype` (case-insensitive).
    pub fn is(&self, kind: &str, subtype: &str) -> bool {
        self.kind.eq_ignore_ascii_case(kind) && self.subtype.eq_ignore_ascii_case(subtype)
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}{}", self.kind, self.subtype, self.params)
    }
}

/// `Retry-After: 120 (I'm in a meeting);duration=3600`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryAfter {
    /// Delta-seconds.
    pub seconds: u32,
    /// The comment, without its parentheses.
    pub comment: Option<Text>,
    /// Parameters (`duration`, others).
    pub params: Params,
}

impl RetryAfter {
    /// Parses `delta-seconds [ comment ] *( SEMI retry-param )`.
    pub fn parse_in(src: &Text, s: &str) -> Result<RetryAfter, SyntaxError> {
        let b = s.as_bytes();
        let d_end = b
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(b.len());
        let seconds = parse_u32(&s[..d_end]).ok_or(SyntaxError::new(ErrorKind::BadNumber, 0))?;
        let mut i = skip_wsp(b, d_end);
        let mut comment = None;
        if b.get(i) == Some(&b'(') {
            let close = comment_end(b, i)?;
            comment = Some(src.slice_ref(&s[i + 1..close]));
            i = close + 1;
        }
        let (params, used) = parse_params(src, &s[i..], ParamSyntax::Header)
            .map_err(|e| SyntaxError::new(e.kind, i + e.at))?;
        if i + used != b.len() {
            let at = i + used;
            return Err(SyntaxError::new(
                ErrorKind::UnexpectedChar(b[at] as char),
                at,
            ));
        }
        if let Some(d) = params.value("duration") {
            parse_u32(d).ok_or(SyntaxError::new(ErrorKind::BadNumber, i))?;
        }
        Ok(RetryAfter {
            seconds,
            comment,
            params,
        })
    }
}

/// The index of the `)` closing the comment that opens at `b[open]` (comments nest).
fn comment_end(b: &[u8], open: usize) -> Result<usize, SyntaxError> {
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Err(SyntaxError::new(ErrorKind::UnexpectedEnd, b.len()))
}

impl fmt::Display for RetryAfter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.seconds)?;
        if let Some(c) = &self.comment {
            write!(f, " ({c})")?;
        }
        write!(f, "{}", self.params)
    }
}

/// `Warning: 370 devnull "Choose a bigger pipe"`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Three-digit warn-code.
    pub code: u16,
    /// The warn-agent (host[:port] or pseudonym).
    pub agent: Text,
    /// The warn-text, as written (a quoted string, quotes included).
    pub text: Text,
}

impl Warning {
    /// Parses `warn-code SP warn-agent SP warn-text`.
    pub fn parse_in(src: &Text, s: &str) -> Result<Warning, SyntaxError> {
        let mut parts = s.splitn(3, ' ');
        let code = parts.next().unwrap_or("");
        if code.len() != 3 || !code.bytes().all(|c| c.is_ascii_digit()) {
            return Err(SyntaxError::new(ErrorKind::BadNumber, 0));
        }
        let agent = parts
            .next()
            .ok_or(SyntaxError::new(ErrorKind::UnexpectedEnd, 3))?;
        let text = parts
            .next()
            .ok_or(SyntaxError::new(ErrorKind::UnexpectedEnd, s.len()))?;
        if !(text.len() >= 2 && text.starts_with('"') && text.ends_with('"')) {
            return Err(SyntaxError::new(
                ErrorKind::UnterminatedQuote,
                s.len() - text.len(),
            ));
        }
        Ok(Warning {
            code: code.parse().unwrap_or(0),
            agent: src.slice_ref(agent),
            text: src.slice_ref(text),
        })
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03} {} {}", self.code, self.agent, self.text)
    }
}

/// Checks an `option-tag` list element (Supported, Require, Proxy-Require, Unsupported).
pub fn check_token(s: &str) -> Result<(), SyntaxError> {
    if is_token(s) {
        Ok(())
    } else {
        let i = s.bytes().position(|c| !is_token_char(c)).unwrap_or(0);
        let c = s.as_bytes().get(i).copied().unwrap_or(b' ') as char;
        Err(SyntaxError::new(ErrorKind::UnexpectedChar(c), i))
    }
}

/// Checks an `rfc1123-date` (RFC 3261 §20.17): `Sat, 13 Nov 2010 23:29:00 GMT`; only `GMT` is
/// a valid zone (RFC 4475 §3.1.2.12).
pub fn check_date(s: &str) -> Result<(), SyntaxError> {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let bad = |at| SyntaxError::new(ErrorKind::BadNumber, at);
    let parts: Vec<&str> = s.split(' ').collect();
    if parts.len() != 6 {
        return Err(bad(0));
    }
    let day_ok = parts[0]
        .strip_suffix(',')
        .is_some_and(|d| DAYS.contains(&d));
    let num = |p: &str, n: usize| p.len() == n && p.bytes().all(|c| c.is_ascii_digit());
    let time_ok = {
        let t: Vec<&str> = parts[4].split(':').collect();
        t.len() == 3 && t.iter().all(|x| num(x, 2))
    };
    if !day_ok || !num(parts[1], 2) || !MONTHS.contains(&parts[2]) || !num(parts[3], 4) || !time_ok
    {
        return Err(bad(0));
    }
    if parts[5] != "GMT" {
        return Err(bad(s.len() - parts[5].len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Text {
        Text::from(s)
    }

    #[test]
    fn cseq() {
        let s = t("0009 INVITE");
        let c = CSeq::parse_in(&s, &s).unwrap();
        assert_eq!((c.seq, c.method.clone()), (9, Method::Invite));
        assert_eq!(c.to_string(), "9 INVITE");
        for bad in [
            "INVITE",
            "1INVITE",
            "36893488147419103232 INVITE",
            "1 IN VITE",
            "-1 ACK",
        ] {
            let s = t(bad);
            assert!(CSeq::parse_in(&s, &s).is_err(), "{bad}");
        }
    }

    #[test]
    fn media_types() {
        let s = t("multipart/mixed ; boundary=\"unique-boundary-1\"");
        let m = MediaType::parse_in(&s, &s).unwrap();
        assert!(m.is("Multipart", "MIXED"));
        assert_eq!(m.params.value("boundary"), Some("unique-boundary-1"));
        let s = t("*/*");
        assert!(MediaType::parse_in(&s, &s).is_ok());
        let s = t("application");
        assert!(MediaType::parse_in(&s, &s).is_err());
    }

    #[test]
    fn retry_after_warning_date_callid() {
        let s = t("18000 (a (nested) comment);duration=3600");
        let r = RetryAfter::parse_in(&s, &s).unwrap();
        assert_eq!(r.seconds, 18000);
        assert_eq!(r.comment.as_deref(), Some("a (nested) comment"));
        assert_eq!(r.params.value("duration"), Some("3600"));
        let s = t("949302838503028349304023988");
        assert!(RetryAfter::parse_in(&s, &s).is_err());
        let s = t("370 devnull \"Choose a bigger pipe\"");
        assert_eq!(Warning::parse_in(&s, &s).unwrap().code, 370);
        let s = t("1812 overture \"Ceci n'est pas une pipe\"");
        assert!(Warning::parse_in(&s, &s).is_err());
        assert!(check_date("Sat, 13 Nov 2010 23:29:00 GMT").is_ok());
        assert!(check_date("Fri, 01 Jan 2010 16:00:00 EST").is_err());
        assert!(check_call_id("a84b4c76e66710@pc33.atlanta.com").is_ok());
        assert!(check_call_id("bad id").is_err());
        assert!(check_call_id("a@b@c").is_err());
    }
}
