//! `a=candidate` (RFC 8839 §5.1, RFC 5245 §15.1): one ICE candidate.

use std::fmt;

use super::SdpErrorKind;
use super::parse::number;

/// An ICE candidate:
/// `<foundation> <component> <transport> <priority> <address> <port> typ <type>
/// [raddr <addr>] [rport <port>] *(<ext-name> <ext-value>)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Foundation, 1–32 ice-chars.
    pub foundation: String,
    /// Component: 1 for RTP, 2 for RTCP.
    pub component: u16,
    /// Transport, "UDP" (case-insensitive) or an extension such as "TCP".
    pub transport: String,
    /// Priority, 1..2^31-1 in practice.
    pub priority: u32,
    /// IP address or FQDN (an mDNS `.local` name in browsers).
    pub address: String,
    /// Port.
    pub port: u16,
    /// Candidate type: "host", "srflx", "prflx", "relay" or an extension token.
    pub typ: String,
    /// Related address (`raddr`), for reflexive and relayed candidates.
    pub raddr: Option<String>,
    /// Related port (`rport`).
    pub rport: Option<u16>,
    /// Further `name value` pairs (e.g. `generation 0`, `tcptype passive`) in order.
    pub extensions: Vec<(String, String)>,
}

impl Candidate {
    /// Parses the value after `a=candidate:` strictly.
    pub fn parse(value: &str) -> Result<Self, SdpErrorKind> {
        let fields: Vec<&str> = value.split_whitespace().collect();
        // RFC 5245 §15.1: eight fixed fields, then only name/value pairs.
        if fields.len() < 8 || fields.len() % 2 != 0 {
            return Err(SdpErrorKind::FieldCount {
                field: "candidate",
                expected: "8 plus name/value pairs",
                found: fields.len(),
            });
        }
        if fields[6] != "typ" {
            return Err(SdpErrorKind::InvalidValue {
                field: "candidate",
                value: fields[6].to_owned(),
                reason: "must be the keyword \"typ\" before the candidate type",
            });
        }
        let mut candidate = Self {
            foundation: fields[0].to_owned(),
            component: number(fields[1], "candidate component", "0..=65535")?,
            transport: fields[2].to_owned(),
            priority: number(fields[3], "candidate priority", "0..=4294967295")?,
            address: fields[4].to_owned(),
            port: number(fields[5], "candidate port", "0..=65535")?,
            typ: fields[7].to_owned(),
            raddr: None,
            rport: None,
            extensions: Vec::new(),
        };
        for pair in fields[8..].chunks_exact(2) {
            candidate.push_pair(pair[0], pair[1])?;
        }
        Ok(candidate)
    }

    /// Files one trailing pair; raddr/rport may come in any order among the extensions.
    fn push_pair(&mut self, name: &str, value: &str) -> Result<(), SdpErrorKind> {
        match name {
            "raddr" if self.raddr.is_none() => self.raddr = Some(value.to_owned()),
            "rport" if self.rport.is_none() => {
                self.rport = Some(number(value, "candidate rport", "0..=65535")?);
            }
            _ => self.extensions.push((name.to_owned(), value.to_owned())),
        }
        Ok(())
    }
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {} typ {}",
            self.foundation,
            self.component,
            self.transport,
            self.priority,
            self.address,
            self.port,
            self.typ
        )?;
        if let Some(raddr) = &self.raddr {
            write!(f, " raddr {raddr}")?;
        }
        if let Some(rport) = self.rport {
            write!(f, " rport {rport}")?;
        }
        for (name, value) in &self.extensions {
            write!(f, " {name} {value}")?;
        }
        Ok(())
    }
}
