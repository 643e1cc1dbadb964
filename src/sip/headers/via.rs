//! The Via header (RFC 3261 §20.42, §18.2.1, grammar §25.1; `rport` RFC 3581).

use crate::sip::error::{ErrorKind, SyntaxError};
use crate::sip::grammar::{
    ParamSyntax, Params, class, parse_params_checked, parse_u32, scan_class, skip_wsp, unquote,
};
use crate::sip::text::Text;
use crate::sip::uri::{Host, host_chars};
use std::fmt;
use std::net::IpAddr;

/// The magic cookie that marks an RFC 3261 branch (§8.1.1.7).
pub const BRANCH_MAGIC_COOKIE: &str = "z9hG4bK";

/// One `via-parm`: sent-protocol, sent-by and parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Via {
    /// Protocol name, `SIP`.
    pub protocol: Text,
    /// Protocol version, `2.0`.
    pub version: Text,
    /// Transport: `UDP`, `TCP`, `TLS`, `SCTP`, `WS`... as written.
    pub transport: Text,
    /// The sent-by host.
    pub host: Host,
    /// The sent-by port, when written.
    pub port: Option<u16>,
    /// Parameters (`branch`, `received`, `rport`, `maddr`, `ttl`, others).
    pub params: Params,
}

impl Via {
    /// A `SIP/2.0/<transport>` Via with a branch.
    pub fn new(transport: &str, host: Host, port: Option<u16>, branch: &str) -> Via {
        let mut params = Params::new();
        params.set("branch", Some(Text::from(branch)));
        Via {
            protocol: Text::from_static("SIP"),
            version: Text::from_static("2.0"),
            transport: Text::from(transport),
            host,
            port,
            params,
        }
    }

    /// Parses one `via-parm`; `s` is a trimmed slice of `src`.
    pub fn parse_in(src: &Text, s: &str) -> Result<Via, SyntaxError> {
        let b = s.as_bytes();
        // Nearly every Via starts with exactly `SIP/2.0/`: what the general path below
        // would make of it, without scanning two tokens and two slashes.
        let (protocol, version, i) = if b.starts_with(b"SIP/2.0/") {
            (Text::from_static("SIP"), Text::from_static("2.0"), 8)
        } else {
            let (protocol, i) = token_at(src, s, 0)?;
            let i = slash(b, i)?;
            let (version, i) = token_at(src, s, i)?;
            (protocol, version, slash(b, i)?)
        };
        let (transport, i) = token_at(src, s, i)?;
        // LWS between sent-protocol and sent-by is mandatory.
        let j = skip_wsp(b, i);
        if j == i {
            return Err(SyntaxError::new(ErrorKind::UnexpectedEnd, i));
        }
        let (host, port, i) = sent_by(src, s, j)?;
        let mut seen = 0u8;
        let (params, used) = parse_params_checked(src, &s[i..], ParamSyntax::Header, |n, v| {
            check_param(&mut seen, n, v)
        })
        .map_err(|e| SyntaxError::new(e.kind, i + e.at))?;
        let end = i + used;
        if end < b.len() {
            return Err(SyntaxError::new(
                ErrorKind::UnexpectedChar(b[end] as char),
                end,
            ));
        }
        Ok(Via {
            protocol,
            version,
            transport,
            host,
            port,
            params,
        })
    }

    /// Parses a standalone value.
    pub fn parse(s: &str) -> Result<Via, SyntaxError> {
        let t = Text::from(s);
        Via::parse_in(&t, t.trim())
    }

    /// The `branch` parameter.
    pub fn branch(&self) -> Option<&str> {
        self.params.value("branch")
    }

    /// The `received` parameter as an address.
    pub fn received(&self) -> Option<IpAddr> {
        let r = self.params.value("received")?;
        r.trim_start_matches('[').trim_end_matches(']').parse().ok()
    }

    /// `rport` (RFC 3581): `None` absent, `Some(None)` requested, `Some(Some(p))` filled in.
    pub fn rport(&self) -> Option<Option<u16>> {
        let v = self.params.find("rport")?;
        Some(v.and_then(|v| v.parse().ok()))
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&str> {
        self.params.value("maddr")
    }

    /// The `ttl` parameter.
    pub fn ttl(&self) -> Option<u8> {
        self.params.value("ttl").and_then(|t| t.parse().ok())
    }
}

/// RFC 3261 §25.1: `ttl` is 0..=255, `received` an IP address, `rport` (RFC 3581) a port.
/// Checks the first parameter of each of those names (what the getters read); `seen` marks
/// the names met so far.
fn check_param(seen: &mut u8, name: &str, value: Option<&str>) -> Result<(), SyntaxError> {
    let (bit, limit) = match name.len() {
        3 if name.eq_ignore_ascii_case("ttl") => (1, 255),
        5 if name.eq_ignore_ascii_case("rport") => (2, 65535),
        8 if name.eq_ignore_ascii_case("received") => (4, 0),
        _ => return Ok(()),
    };
    if *seen & bit != 0 {
        return Ok(());
    }
    *seen |= bit;
    let Some(v) = value.map(unquote) else {
        return Ok(());
    };
    if bit == 4 {
        let r = v.trim_start_matches('[').trim_end_matches(']');
        r.parse::<IpAddr>()
            .map_err(|_| SyntaxError::new(ErrorKind::BadHost, 0))?;
        return Ok(());
    }
    parse_u32(v)
        .filter(|n| *n <= limit)
        .ok_or(SyntaxError::new(ErrorKind::BadNumber, 0))?;
    Ok(())
}

fn token_at(src: &Text, s: &str, from: usize) -> Result<(Text, usize), SyntaxError> {
    let b = s.as_bytes();
    let start = skip_wsp(b, from);
    let i = scan_class(b, start, class::TOKEN);
    if i == start {
        return Err(match b.get(i) {
            Some(&c) => SyntaxError::new(ErrorKind::UnexpectedChar(c as char), i),
            None => SyntaxError::new(ErrorKind::UnexpectedEnd, i),
        });
    }
    const COMMON: [&str; 6] = ["SIP", "2.0", "UDP", "TCP", "TLS", "WS"];
    Ok((src.slice_or_static(&s[start..i], &COMMON), i))
}

/// `SLASH = SWS "/" SWS`
fn slash(b: &[u8], i: usize) -> Result<usize, SyntaxError> {
    let i = skip_wsp(b, i);
    match b.get(i) {
        Some(b'/') => Ok(skip_wsp(b, i + 1)),
        Some(&c) => Err(SyntaxError::new(ErrorKind::UnexpectedChar(c as char), i)),
        None => Err(SyntaxError::new(ErrorKind::UnexpectedEnd, i)),
    }
}

/// `sent-by = host [ COLON port ]`, `COLON = SWS ":" SWS`.
fn sent_by(src: &Text, s: &str, from: usize) -> Result<(Host, Option<u16>, usize), SyntaxError> {
    let b = s.as_bytes();
    // Fast path: hostname characters up to a delimiter (or the end), checked in one scan.
    let k = host_chars(&b[from..]).map_or(b.len(), |k| from + k);
    let fast = k > from
        && b.get(k)
            .is_none_or(|c| matches!(c, b':' | b';' | b' ' | b'\t' | b','));
    let end = if fast {
        k
    } else if b.get(from) == Some(&b'[') {
        s[from..]
            .find(']')
            .map(|i| from + i + 1)
            .ok_or(SyntaxError::new(ErrorKind::BadHost, from))?
    } else {
        b[from..]
            .iter()
            .position(|&c| matches!(c, b':' | b';' | b' ' | b'\t' | b','))
            .map_or(b.len(), |i| from + i)
    };
    let host = if fast {
        Host::from_host_chars(src, &s[from..end])
    } else {
        Host::parse_in(src, &s[from..end]).map_err(|e| SyntaxError::new(e.kind, from + e.at))?
    };
    let i = skip_wsp(b, end);
    if b.get(i) != Some(&b':') {
        return Ok((host, None, end));
    }
    let p_start = skip_wsp(b, i + 1);
    let p_end = b[p_start..]
        .iter()
        .position(|c| !c.is_ascii_digit())
        .map_or(b.len(), |k| p_start + k);
    let port = parse_u32(&s[p_start..p_end])
        .and_then(|p| u16::try_from(p).ok())
        .ok_or(SyntaxError::new(ErrorKind::BadPort, p_start))?;
    Ok((host, Some(port), p_end))
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{} {}",
            self.protocol, self.version, self.transport, self.host
        )?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let v = Via::parse(
            "SIP / 2.0 / UDP  [2001:db8::9:1] : 5061 ;branch=z9hG4bKx;rport;received=192.0.2.1",
        )
        .unwrap();
        assert_eq!(v.transport, "UDP");
        assert_eq!(v.host, Host::V6("2001:db8::9:1".parse().unwrap()));
        assert_eq!(v.port, Some(5061));
        assert_eq!(v.branch(), Some("z9hG4bKx"));
        assert_eq!(v.rport(), Some(None));
        assert_eq!(v.received(), Some("192.0.2.1".parse().unwrap()));
        let printed = v.to_string();
        assert_eq!(
            printed,
            "SIP/2.0/UDP [2001:db8::9:1]:5061;branch=z9hG4bKx;rport;received=192.0.2.1"
        );
        assert_eq!(Via::parse(&printed).unwrap(), v);
        let v =
            Via::parse("SIP/2.0/TCP host.example.com;rport=5070;ttl=16;maddr=224.2.0.1").unwrap();
        assert_eq!(v.rport(), Some(Some(5070)));
        assert_eq!(v.ttl(), Some(16));
        assert_eq!(v.maddr(), Some("224.2.0.1"));
    }

    #[test]
    fn rejects() {
        for bad in [
            "SIP/2.0/UDP",
            "SIP/2.0 host",
            "SIP/2.0/UDPhost",
            "SIP/2.0/UDP host:70000",
            "SIP/2.0/UDP host;ttl=256",
            "SIP/2.0/UDP host;received=notanip",
            "SIP/2.0/UDP host;;branch=1",
            "SIP/2.0/UDP host;branch=1;",
        ] {
            assert!(Via::parse(bad).is_err(), "{bad}");
        }
    }
}
