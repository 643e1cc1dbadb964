//! `a=` lines (RFC 8866 §5.13): typed variants for what a softphone acts on, verbatim for the rest.

use std::fmt;
use std::str::FromStr;

use super::crypto::Crypto;
use super::ice::Candidate;
use super::parse::{digits, number, parse_connection, split_first_word};
use super::{Connection, SdpErrorKind};

/// One attribute, typed when we understand it.
///
/// Parsing is strict for `rtpmap` and `candidate`, whose errors would silently break
/// codec choice or ICE. Any other known attribute whose value does not fit its typed
/// form (e.g. `a=ptime:20.5`, legal per RFC 8866 §6.4 but not an integer) falls back to
/// [`Attribute::Other`], so nothing is lost and nothing fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attribute {
    /// `a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]` (RFC 8866 §6.6).
    RtpMap(RtpMap),
    /// `a=fmtp:<format> <params>` (RFC 8866 §6.15).
    Fmtp(Fmtp),
    /// `a=ptime:<ms>` (RFC 8866 §6.4), integer form only.
    Ptime(u32),
    /// `a=maxptime:<ms>` (RFC 8866 §6.5), integer form only.
    MaxPtime(u32),
    /// `a=sendrecv`, `a=sendonly`, `a=recvonly`, `a=inactive` (RFC 8866 §6.7).
    Direction(Direction),
    /// `a=rtcp:<port> [<nettype> <addrtype> <address>]` (RFC 3605 §2.1).
    Rtcp(Rtcp),
    /// `a=rtcp-mux` (RFC 5761 §5.1.1).
    RtcpMux,
    /// `a=crypto:...` (RFC 4568 §9.1).
    Crypto(Crypto),
    /// `a=ice-ufrag:<ufrag>` (RFC 8839 §5.4), verbatim.
    IceUfrag(String),
    /// `a=ice-pwd:<password>` (RFC 8839 §5.4), verbatim.
    IcePwd(String),
    /// `a=ice-options:<tag> ...` (RFC 8839 §5.6).
    IceOptions(Vec<String>),
    /// `a=candidate:...` (RFC 8839 §5.1, RFC 5245 §15.1).
    Candidate(Candidate),
    /// `a=end-of-candidates` (RFC 8840 §8.2).
    EndOfCandidates,
    /// `a=fingerprint:<hash-func> <fingerprint>` (RFC 8122 §5).
    Fingerprint(Fingerprint),
    /// `a=setup:<role>` (RFC 4145 §4).
    Setup(Setup),
    /// Any other attribute, verbatim: `a=<name>[:<value>]`.
    Other {
        /// Everything before the first `:`.
        name: String,
        /// Everything after the first `:`; `None` for a flag attribute without a colon.
        value: Option<String>,
    },
}

/// `a=rtpmap` (RFC 8866 §6.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    /// RTP payload type, 0..=127 (a 7-bit field).
    pub payload_type: u8,
    /// Encoding name such as "opus", "PCMU", "telephone-event".
    pub encoding: String,
    /// RTP clock rate in Hz.
    pub clock_rate: u32,
    /// Encoding parameters; the channel count for audio.
    pub channels: Option<u16>,
}

/// `a=fmtp` (RFC 8866 §6.15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fmtp {
    /// The format (payload type) the parameters apply to.
    pub format: String,
    /// The format-specific parameters, verbatim.
    pub params: String,
}

/// Media direction (RFC 8866 §6.7, RFC 3264 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Send and receive; the default.
    SendRecv,
    /// Send only.
    SendOnly,
    /// Receive only.
    RecvOnly,
    /// Neither; used for hold.
    Inactive,
}

/// `a=rtcp` (RFC 3605 §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rtcp {
    /// The RTCP port.
    pub port: u16,
    /// The RTCP address, when it differs from the media `c=`.
    pub connection: Option<Connection>,
}

/// `a=fingerprint` (RFC 8122 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Hash function such as "sha-256".
    pub hash_function: String,
    /// Colon-separated upper-case hex digest, verbatim.
    pub fingerprint: String,
}

/// `a=setup` connection role (RFC 4145 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setup {
    /// Will initiate the connection.
    Active,
    /// Will accept the connection.
    Passive,
    /// Either; offerers use this.
    ActPass,
    /// Do not connect yet.
    HoldConn,
}

impl Attribute {
    /// Parses the text after `a=`.
    pub fn parse(text: &str) -> Result<Self, SdpErrorKind> {
        // RFC 8866 §9: attribute = attribute-name ":" attribute-value / attribute-name
        let (name, value) = match text.split_once(':') {
            Some((name, value)) => (name, Some(value)),
            None => (text, None),
        };
        match name {
            "rtpmap" => return RtpMap::parse(value.unwrap_or("")).map(Self::RtpMap),
            "candidate" => return Candidate::parse(value.unwrap_or("")).map(Self::Candidate),
            _ => {}
        }
        Ok(
            Self::parse_lenient(name, value).unwrap_or_else(|| Self::Other {
                name: name.to_owned(),
                value: value.map(str::to_owned),
            }),
        )
    }

    /// Typed forms that fall back to `Other` when the value does not fit.
    fn parse_lenient(name: &str, value: Option<&str>) -> Option<Self> {
        let Some(value) = value else {
            return Self::parse_flag(name);
        };
        Some(match name {
            "fmtp" => Self::Fmtp(Fmtp::parse(value)?),
            "ptime" => Self::Ptime(digits(value)?),
            "maxptime" => Self::MaxPtime(digits(value)?),
            "rtcp" => Self::Rtcp(Rtcp::parse(value)?),
            "crypto" => Self::Crypto(Crypto::parse(value)?),
            "ice-ufrag" => Self::IceUfrag(value.to_owned()),
            "ice-pwd" => Self::IcePwd(value.to_owned()),
            "ice-options" => Self::IceOptions(parse_ice_options(value)?),
            "fingerprint" => Self::Fingerprint(Fingerprint::parse(value)?),
            "setup" => Self::Setup(Setup::from_token(value)?),
            _ => return None,
        })
    }

    /// Property attributes (RFC 8866 §5.13) that take no value.
    fn parse_flag(name: &str) -> Option<Self> {
        Some(match name {
            "sendrecv" => Self::Direction(Direction::SendRecv),
            "sendonly" => Self::Direction(Direction::SendOnly),
            "recvonly" => Self::Direction(Direction::RecvOnly),
            "inactive" => Self::Direction(Direction::Inactive),
            "rtcp-mux" => Self::RtcpMux,
            "end-of-candidates" => Self::EndOfCandidates,
            _ => return None,
        })
    }

    /// The attribute name as it appears after `a=`.
    pub fn name(&self) -> &str {
        match self {
            Self::RtpMap(_) => "rtpmap",
            Self::Fmtp(_) => "fmtp",
            Self::Ptime(_) => "ptime",
            Self::MaxPtime(_) => "maxptime",
            Self::Direction(d) => d.as_str(),
            Self::Rtcp(_) => "rtcp",
            Self::RtcpMux => "rtcp-mux",
            Self::Crypto(_) => "crypto",
            Self::IceUfrag(_) => "ice-ufrag",
            Self::IcePwd(_) => "ice-pwd",
            Self::IceOptions(_) => "ice-options",
            Self::Candidate(_) => "candidate",
            Self::EndOfCandidates => "end-of-candidates",
            Self::Fingerprint(_) => "fingerprint",
            Self::Setup(_) => "setup",
            Self::Other { name, .. } => name,
        }
    }
}

/// RFC 8839 §5.6: `ice-options = ice-option-tag *(SP ice-option-tag)`; an empty list is not valid.
fn parse_ice_options(value: &str) -> Option<Vec<String>> {
    let tags: Vec<String> = value.split_whitespace().map(str::to_owned).collect();
    (!tags.is_empty()).then_some(tags)
}

impl FromStr for Attribute {
    type Err = SdpErrorKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Prints the text after `a=`.
impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name();
        match self {
            Self::RtpMap(m) => write!(f, "{name}:{m}"),
            Self::Fmtp(m) => write!(f, "{name}:{m}"),
            Self::Ptime(ms) | Self::MaxPtime(ms) => write!(f, "{name}:{ms}"),
            Self::Rtcp(r) => write!(f, "{name}:{r}"),
            Self::Crypto(c) => write!(f, "{name}:{c}"),
            Self::IceUfrag(v) | Self::IcePwd(v) => write!(f, "{name}:{v}"),
            Self::IceOptions(tags) => write!(f, "{name}:{}", tags.join(" ")),
            Self::Candidate(c) => write!(f, "{name}:{c}"),
            Self::Fingerprint(fp) => write!(f, "{name}:{fp}"),
            Self::Setup(s) => write!(f, "{name}:{}", s.as_str()),
            Self::Other { value: Some(v), .. } => write!(f, "{name}:{v}"),
            Self::Direction(_) | Self::RtcpMux | Self::EndOfCandidates | Self::Other { .. } => {
                f.write_str(name)
            }
        }
    }
}

impl RtpMap {
    /// Parses `<pt> <encoding>/<clock rate>[/<channels>]` strictly.
    pub fn parse(value: &str) -> Result<Self, SdpErrorKind> {
        let (pt, rest) = split_first_word(value);
        if pt.is_empty() {
            return Err(SdpErrorKind::MissingField {
                field: "rtpmap payload type",
            });
        }
        // RFC 8866 §6.6: "the payload type number is indicated in a 7-bit field".
        let payload_type = number::<u8>(pt, "rtpmap payload type", "0..=127")
            .ok()
            .filter(|&pt| pt <= 127)
            .ok_or_else(|| SdpErrorKind::InvalidNumber {
                field: "rtpmap payload type",
                value: pt.to_owned(),
                range: "0..=127",
            })?;
        let mut parts = rest.split('/');
        let encoding = parts.next().filter(|e| !e.is_empty());
        let encoding = encoding.ok_or(SdpErrorKind::MissingField {
            field: "rtpmap encoding name",
        })?;
        let clock = parts.next().filter(|c| !c.is_empty());
        let clock = clock.ok_or(SdpErrorKind::MissingField {
            field: "rtpmap clock rate",
        })?;
        let clock_rate = number(clock, "rtpmap clock rate", "0..=4294967295")?;
        let channels = parts
            .next()
            .map(|c| number(c, "rtpmap channels", "0..=65535"))
            .transpose()?;
        if parts.next().is_some() {
            return Err(SdpErrorKind::InvalidValue {
                field: "rtpmap",
                value: value.to_owned(),
                reason: "has more than <encoding>/<clock rate>/<channels>",
            });
        }
        Ok(Self {
            payload_type,
            encoding: encoding.to_owned(),
            clock_rate,
            channels,
        })
    }
}

impl fmt::Display for RtpMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}/{}",
            self.payload_type, self.encoding, self.clock_rate
        )?;
        match self.channels {
            Some(ch) => write!(f, "/{ch}"),
            None => Ok(()),
        }
    }
}

impl Fmtp {
    /// Parses `<format> <params>`; params may be empty.
    fn parse(value: &str) -> Option<Self> {
        let (format, params) = split_first_word(value);
        (!format.is_empty()).then(|| Self {
            format: format.to_owned(),
            params: params.to_owned(),
        })
    }

    /// The `;`-separated parameters as `(name, value)`; `value` is `None` for entries
    /// without `=` such as the RFC 4733 event list `0-16`. Blanks around entries are trimmed.
    pub fn params(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.params
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (p, None),
            })
    }

    /// The value of parameter `name` (compared ASCII case-insensitively, as media type
    /// parameter names are), if present with a value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v)
    }
}

impl fmt::Display for Fmtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format)?;
        if self.params.is_empty() {
            Ok(())
        } else {
            write!(f, " {}", self.params)
        }
    }
}

impl Direction {
    /// The attribute name: "sendrecv", "sendonly", "recvonly" or "inactive".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SendRecv => "sendrecv",
            Self::SendOnly => "sendonly",
            Self::RecvOnly => "recvonly",
            Self::Inactive => "inactive",
        }
    }

    /// The direction an answerer mirrors back for this offered one (RFC 3264 §6.1).
    pub fn reversed(self) -> Self {
        match self {
            Self::SendOnly => Self::RecvOnly,
            Self::RecvOnly => Self::SendOnly,
            other => other,
        }
    }
}

impl Rtcp {
    /// RFC 3605 §2.1: `port [nettype SP addrtype SP connection-address]`.
    fn parse(value: &str) -> Option<Self> {
        let fields: Vec<&str> = value.split_whitespace().collect();
        let (port, connection) = match fields.as_slice() {
            [port] => (port, None),
            [port, nettype, addrtype, address] => (
                port,
                Some(parse_connection(nettype, addrtype, address).ok()?),
            ),
            _ => return None,
        };
        Some(Self {
            port: digits(port)?,
            connection,
        })
    }
}

impl fmt::Display for Rtcp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.port)?;
        match &self.connection {
            Some(c) => write!(f, " {c}"),
            None => Ok(()),
        }
    }
}

impl Fingerprint {
    /// RFC 8122 §5: `hash-func SP fingerprint`.
    fn parse(value: &str) -> Option<Self> {
        let (hash, fp) = split_first_word(value);
        (!hash.is_empty() && !fp.is_empty()).then(|| Self {
            hash_function: hash.to_owned(),
            fingerprint: fp.to_owned(),
        })
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.hash_function, self.fingerprint)
    }
}

impl Setup {
    /// The attribute value: "active", "passive", "actpass" or "holdconn".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Passive => "passive",
            Self::ActPass => "actpass",
            Self::HoldConn => "holdconn",
        }
    }

    /// RFC 4145 §4: `role = "active" / "passive" / "actpass" / "holdconn"`.
    fn from_token(value: &str) -> Option<Self> {
        Some(match value {
            "active" => Self::Active,
            "passive" => Self::Passive,
            "actpass" => Self::ActPass,
            "holdconn" => Self::HoldConn,
            _ => return None,
        })
    }
}
