//! Authentication headers (RFC 3261 §20.5, §20.27, §20.28, §20.44, §25.1; RFC 7616 §3.3,
//! §3.4): a scheme and comma-separated `auth-param`s. The digest arithmetic lives with the
//! core; this is only syntax.

use crate::sip::error::{ErrorKind, SyntaxError};
use crate::sip::grammar::{is_token, is_token_char, parse_quoted, split_list, write_quoted};
use crate::sip::text::Text;
use std::borrow::Cow;
use std::fmt;

/// One `auth-param`: a name and its value (unquoted), remembering whether it was quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthParam {
    /// Parameter name (`realm`, `nonce`, `qop`...).
    pub name: Text,
    /// Value with quotes and escapes removed.
    pub value: Text,
    /// Whether it was (and will be printed as) a quoted string.
    pub quoted: bool,
}

/// A challenge (`WWW-Authenticate`, `Proxy-Authenticate`) or credentials (`Authorization`,
/// `Proxy-Authorization`): `Digest realm="...", nonce="..."`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthValue {
    /// The scheme, usually `Digest`.
    pub scheme: Text,
    /// The parameters, in order.
    pub params: Vec<AuthParam>,
}

/// A `WWW-Authenticate` or `Proxy-Authenticate` value.
pub type Challenge = AuthValue;
/// An `Authorization` or `Proxy-Authorization` value.
pub type Credentials = AuthValue;

impl AuthValue {
    /// Parses `scheme LWS auth-param *(COMMA auth-param)`; `s` is a trimmed slice of `src`.
    pub fn parse_in(src: &Text, s: &str) -> Result<AuthValue, SyntaxError> {
        let b = s.as_bytes();
        let end = b.iter().position(|&c| !is_token_char(c)).unwrap_or(b.len());
        if end == 0 {
            return Err(SyntaxError::new(ErrorKind::Empty, 0));
        }
        let scheme = src.slice_ref(&s[..end]);
        let rest = &s[end..];
        if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
            let c = rest.as_bytes()[0] as char;
            return Err(SyntaxError::new(ErrorKind::UnexpectedChar(c), end));
        }
        let mut params = Vec::new();
        if !rest.trim().is_empty() {
            for (at, el) in split_list(rest).map_err(|e| SyntaxError::new(e.kind, end + e.at))? {
                let p = parse_auth_param(src, el)
                    .map_err(|e| SyntaxError::new(e.kind, end + at + e.at))?;
                params.push(p);
            }
        }
        Ok(AuthValue { scheme, params })
    }

    /// Parses a standalone value.
    pub fn parse(s: &str) -> Result<AuthValue, SyntaxError> {
        let t = Text::from(s);
        AuthValue::parse_in(&t, t.trim())
    }

    /// The value of parameter `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.value.as_str())
    }

    /// Whether the scheme is `Digest`.
    pub fn is_digest(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("Digest")
    }

    /// Appends a parameter.
    pub fn push(&mut self, name: &str, value: impl Into<Text>, quoted: bool) {
        self.params.push(AuthParam {
            name: Text::from(name),
            value: value.into(),
            quoted,
        });
    }
}

fn parse_auth_param(src: &Text, el: &str) -> Result<AuthParam, SyntaxError> {
    let (name, value) = el
        .split_once('=')
        .ok_or(SyntaxError::new(ErrorKind::UnexpectedEnd, el.len()))?;
    let name = name.trim_end();
    if !is_token(name) {
        return Err(SyntaxError::new(ErrorKind::BadHeaderLine, 0));
    }
    let v_off = el.len() - value.len();
    let value = value.trim_start();
    let v_off = v_off + (el.len() - v_off - value.len());
    let (value, quoted) = if value.starts_with('"') {
        let (v, used) = parse_quoted(value).map_err(|e| SyntaxError::new(e.kind, v_off + e.at))?;
        if used != value.len() {
            let c = value.as_bytes()[used] as char;
            return Err(SyntaxError::new(ErrorKind::UnexpectedChar(c), v_off + used));
        }
        let t = match v {
            Cow::Borrowed(v) => src.slice_ref(v),
            Cow::Owned(v) => Text::from(v),
        };
        (t, true)
    } else {
        if !is_token(value) {
            return Err(SyntaxError::new(ErrorKind::UnexpectedChar(' '), v_off));
        }
        (src.slice_ref(value), false)
    };
    Ok(AuthParam {
        name: src.slice_ref(name),
        value,
        quoted,
    })
}

impl fmt::Display for AuthValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scheme)?;
        for (i, p) in self.params.iter().enumerate() {
            f.write_str(if i == 0 { " " } else { ", " })?;
            write!(f, "{}=", p.name)?;
            // A value that is not a token must be quoted to parse back (RFC 3261 §25.1).
            if p.quoted || !is_token(&p.value) {
                write_quoted(f, &p.value)?;
            } else {
                f.write_str(&p.value)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_round_trip() {
        let s = r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;
        let c = AuthValue::parse(s).unwrap();
        assert!(c.is_digest());
        assert_eq!(c.get("realm"), Some("http-auth@example.org"));
        assert_eq!(c.get("QOP"), Some("auth, auth-int"));
        assert_eq!(c.get("algorithm"), Some("SHA-256"));
        assert_eq!(c.to_string(), s);
        assert_eq!(AuthValue::parse(&c.to_string()).unwrap(), c);
    }

    #[test]
    fn rejects() {
        assert!(AuthValue::parse(r#"Digest realm="x"#).is_err());
        assert!(AuthValue::parse("Digest realm").is_err());
        assert!(AuthValue::parse("Digest realm=a b").is_err());
        assert!(AuthValue::parse("Digest realm=\"a\",,nonce=\"b\"").is_err());
        assert!(AuthValue::parse("").is_err());
    }
}
