//! Line parser for SDP (RFC 8866 §5, §9): lenient on layout, strict on the fields a call needs.

use std::str::FromStr;

use super::{
    Attribute, Bandwidth, Connection, MediaDescription, Origin, OtherLine, SdpError, SdpErrorKind,
    SessionDescription, Timing,
};

/// One non-blank input line split at its first `=`.
struct Line<'a> {
    number: usize,
    key: &'a str,
    value: &'a str,
}

impl Line<'_> {
    fn error(&self, kind: SdpErrorKind) -> SdpError {
        let mut chars = self.key.chars();
        let line_type = chars.next().filter(|_| chars.next().is_none());
        SdpError::new(self.number, line_type, kind)
    }
}

/// Parses a decimal number made of ASCII digits only (`u32::from_str` would accept `+1`).
pub(super) fn digits<T: FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// [`digits`] with a structured error naming the field and its range.
pub(super) fn number<T: FromStr>(
    s: &str,
    field: &'static str,
    range: &'static str,
) -> Result<T, SdpErrorKind> {
    digits(s).ok_or_else(|| SdpErrorKind::InvalidNumber {
        field,
        value: s.to_owned(),
        range,
    })
}

/// Splits off the first blank-separated word; the rest has its leading blanks removed.
pub(super) fn split_first_word(s: &str) -> (&str, &str) {
    match s.split_once([' ', '\t']) {
        Some((first, rest)) => (first, rest.trim_start_matches([' ', '\t'])),
        None => (s, ""),
    }
}

/// Builds a [`Connection`] from the three `c=` fields (RFC 8866 §5.7), splitting the
/// multicast suffix for IP4 (`/ttl[/count]`) and IP6 (`/count`).
pub(super) fn parse_connection(
    nettype: &str,
    addrtype: &str,
    address: &str,
) -> Result<Connection, SdpErrorKind> {
    let mut connection = Connection {
        nettype: nettype.to_owned(),
        addrtype: addrtype.to_owned(),
        address: address.to_owned(),
        ttl: None,
        num_addresses: None,
    };
    if addrtype != "IP4" && addrtype != "IP6" {
        // Other address families define their own syntax; keep it whole.
        return Ok(connection);
    }
    let mut parts = address.split('/');
    connection.address = parts.next().unwrap_or_default().to_owned();
    let suffix: Vec<&str> = parts.collect();
    let count = |s| number(s, "connection address count", "0..=4294967295");
    match (addrtype, suffix.as_slice()) {
        (_, []) => {}
        ("IP4", [ttl, rest @ ..]) if rest.len() <= 1 => {
            connection.ttl = Some(number(ttl, "connection TTL", "0..=255")?);
            connection.num_addresses = rest.first().map(|n| count(n)).transpose()?;
        }
        ("IP6", [n]) => connection.num_addresses = Some(count(n)?),
        _ => {
            return Err(SdpErrorKind::InvalidValue {
                field: "connection address",
                value: address.to_owned(),
                reason: "has too many /-separated parts",
            });
        }
    }
    Ok(connection)
}

/// Non-blank lines, numbered from 1, trimmed of CR and surrounding blanks.
fn lines(text: &str) -> impl Iterator<Item = Result<Line<'_>, SdpError>> {
    text.split('\n').enumerate().filter_map(|(index, raw)| {
        // RFC 8866 §5: parsers SHOULD accept a bare LF; phones also leave trailing blanks.
        let trimmed = raw.trim_matches(['\r', ' ', '\t']);
        if trimmed.is_empty() {
            return None;
        }
        let number = index + 1;
        Some(match trimmed.split_once('=') {
            Some((key, value)) if !key.is_empty() && !key.contains([' ', '\t']) => {
                Ok(Line { number, key, value })
            }
            _ => Err(SdpError::new(
                number,
                None,
                SdpErrorKind::MalformedLine {
                    text: trimmed.to_owned(),
                },
            )),
        })
    })
}

/// Entry point behind [`SessionDescription::parse`].
pub(super) fn parse_session(text: &str) -> Result<SessionDescription, SdpError> {
    let mut lines = lines(text);
    check_version(lines.next().transpose()?)?;
    let mut state = SessionState::default();
    let mut media: Vec<MediaDescription> = Vec::new();
    let mut last_line = 1;
    for line in lines {
        let line = line?;
        last_line = line.number;
        if line.key == "m" {
            if media.is_empty() {
                state.media_start = Some(line.number);
            }
            media.push(parse_media_line(&line)?);
        } else if let Some(section) = media.last_mut() {
            apply_media_line(section, &line)?;
        } else {
            state.apply(&line)?;
        }
    }
    state.finish(media, last_line)
}

/// RFC 8866 §5.1: the description starts with `v=0`.
fn check_version(first: Option<Line<'_>>) -> Result<(), SdpError> {
    let Some(line) = first else {
        return Err(SdpError::new(1, None, SdpErrorKind::MissingVersion));
    };
    if line.key != "v" {
        return Err(line.error(SdpErrorKind::MissingVersion));
    }
    if line.value.trim() != "0" {
        let found = line.value.to_owned();
        return Err(line.error(SdpErrorKind::UnsupportedVersion { found }));
    }
    Ok(())
}

/// The session-level section while it is being read.
#[derive(Default)]
struct SessionState {
    origin: Option<Origin>,
    name: Option<String>,
    information: Option<String>,
    uri: Option<String>,
    emails: Vec<String>,
    phones: Vec<String>,
    connection: Option<Connection>,
    bandwidths: Vec<Bandwidth>,
    timing: Vec<Timing>,
    time_zones: Option<String>,
    encryption_key: Option<String>,
    attributes: Vec<Attribute>,
    other_lines: Vec<OtherLine>,
    media_start: Option<usize>,
}

impl SessionState {
    /// Files one session-level line. RFC 8866 §5 fixes the order, but phones do not
    /// always follow it and nothing depends on it, so any order is accepted.
    fn apply(&mut self, line: &Line<'_>) -> Result<(), SdpError> {
        match line.key {
            "v" => return Err(line.error(SdpErrorKind::DuplicateLine)),
            "o" => set_once(&mut self.origin, line, parse_origin(line)?)?,
            "s" => set_once(&mut self.name, line, line.value.to_owned())?,
            "i" => set_once(&mut self.information, line, line.value.to_owned())?,
            "u" => set_once(&mut self.uri, line, line.value.to_owned())?,
            "e" => self.emails.push(line.value.to_owned()),
            "p" => self.phones.push(line.value.to_owned()),
            "c" => set_once(&mut self.connection, line, parse_connection_line(line)?)?,
            "b" => self.bandwidths.push(parse_bandwidth(line)?),
            "t" => self.timing.push(parse_timing(line)?),
            "r" => match self.timing.last_mut() {
                Some(t) => t.repeats.push(line.value.to_owned()),
                None => {
                    let reason = "r= must follow a t= line (RFC 8866 §5.10)";
                    return Err(line.error(SdpErrorKind::MisplacedLine { reason }));
                }
            },
            "z" => set_once(&mut self.time_zones, line, line.value.to_owned())?,
            "k" => set_once(&mut self.encryption_key, line, line.value.to_owned())?,
            "a" => self.attributes.push(parse_attribute(line)?),
            _ => self.other_lines.push(other_line(line)),
        }
        Ok(())
    }

    fn finish(
        self,
        media: Vec<MediaDescription>,
        last_line: usize,
    ) -> Result<SessionDescription, SdpError> {
        let Some(origin) = self.origin else {
            let line = self.media_start.unwrap_or(last_line);
            return Err(SdpError::new(
                line,
                None,
                SdpErrorKind::MissingLine { expected: 'o' },
            ));
        };
        let mut timing = self.timing;
        if timing.is_empty() {
            // SIP phones often drop t=; RFC 3264 §5 says it SHOULD be "0 0" anyway.
            timing.push(Timing::unbounded());
        }
        Ok(SessionDescription {
            origin,
            // RFC 8866 §5.3 suggests "-" when there is no name; use it when s= is absent.
            session_name: self.name.unwrap_or_else(|| "-".to_owned()),
            information: self.information,
            uri: self.uri,
            emails: self.emails,
            phones: self.phones,
            connection: self.connection,
            bandwidths: self.bandwidths,
            timing,
            time_zones: self.time_zones,
            encryption_key: self.encryption_key,
            attributes: self.attributes,
            other_lines: self.other_lines,
            media,
        })
    }
}

/// Files one line inside an `m=` section (RFC 8866 §5: i c b k a). Session-only types
/// are kept as [`OtherLine`]s rather than rejected, since they harm nothing there.
fn apply_media_line(media: &mut MediaDescription, line: &Line<'_>) -> Result<(), SdpError> {
    match line.key {
        "v" => return Err(line.error(SdpErrorKind::DuplicateLine)),
        "i" => set_once(&mut media.title, line, line.value.to_owned())?,
        // RFC 8866 §5.7 allows several c= only for layered multicast, which a phone
        // never sends; the /count notation expresses the same thing.
        "c" => set_once(&mut media.connection, line, parse_connection_line(line)?)?,
        "b" => media.bandwidths.push(parse_bandwidth(line)?),
        "k" => set_once(&mut media.encryption_key, line, line.value.to_owned())?,
        "a" => media.attributes.push(parse_attribute(line)?),
        _ => media.other_lines.push(other_line(line)),
    }
    Ok(())
}

fn set_once<T>(slot: &mut Option<T>, line: &Line<'_>, value: T) -> Result<(), SdpError> {
    if slot.is_some() {
        return Err(line.error(SdpErrorKind::DuplicateLine));
    }
    *slot = Some(value);
    Ok(())
}

fn other_line(line: &Line<'_>) -> OtherLine {
    OtherLine {
        key: line.key.to_owned(),
        value: line.value.to_owned(),
    }
}

fn parse_attribute(line: &Line<'_>) -> Result<Attribute, SdpError> {
    Attribute::parse(line.value).map_err(|kind| line.error(kind))
}

/// Splits a structured line into exactly `N` blank-separated fields.
fn fields<'a, const N: usize>(
    line: &Line<'a>,
    field: &'static str,
    expected: &'static str,
) -> Result<[&'a str; N], SdpError> {
    let all: Vec<&str> = line.value.split_whitespace().collect();
    let found = all.len();
    all.try_into().map_err(|_| {
        line.error(SdpErrorKind::FieldCount {
            field,
            expected,
            found,
        })
    })
}

/// RFC 8866 §5.2: `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>`.
fn parse_origin(line: &Line<'_>) -> Result<Origin, SdpError> {
    let [username, id, version, nettype, addrtype, address] = fields(line, "o=", "6")?;
    let u64_range = "0..=18446744073709551615";
    let session_id = number(id, "sess-id", u64_range).map_err(|k| line.error(k))?;
    let session_version = number(version, "sess-version", u64_range).map_err(|k| line.error(k))?;
    Ok(Origin {
        username: username.to_owned(),
        session_id,
        session_version,
        nettype: nettype.to_owned(),
        addrtype: addrtype.to_owned(),
        address: address.to_owned(),
    })
}

/// RFC 8866 §5.7: `c=<nettype> <addrtype> <connection-address>`.
fn parse_connection_line(line: &Line<'_>) -> Result<Connection, SdpError> {
    let [nettype, addrtype, address] = fields(line, "c=", "3")?;
    parse_connection(nettype, addrtype, address).map_err(|k| line.error(k))
}

/// RFC 8866 §5.8: `b=<bwtype>:<bandwidth>`.
fn parse_bandwidth(line: &Line<'_>) -> Result<Bandwidth, SdpError> {
    let Some((bwtype, value)) = line.value.split_once(':').filter(|(t, _)| !t.is_empty()) else {
        return Err(line.error(SdpErrorKind::InvalidValue {
            field: "bandwidth",
            value: line.value.to_owned(),
            reason: "is not <bwtype>:<bandwidth>",
        }));
    };
    let value = number(value, "bandwidth", "0..=18446744073709551615");
    Ok(Bandwidth {
        bwtype: bwtype.to_owned(),
        value: value.map_err(|k| line.error(k))?,
    })
}

/// RFC 8866 §5.9: `t=<start-time> <stop-time>`.
fn parse_timing(line: &Line<'_>) -> Result<Timing, SdpError> {
    let [start, stop] = fields(line, "t=", "2")?;
    let range = "0..=18446744073709551615";
    let start = number(start, "start time", range).map_err(|k| line.error(k))?;
    let stop = number(stop, "stop time", range).map_err(|k| line.error(k))?;
    Ok(Timing {
        start,
        stop,
        repeats: Vec::new(),
    })
}

/// RFC 8866 §5.14: `m=<media> <port>[/<count>] <proto> <fmt> ...`.
fn parse_media_line(line: &Line<'_>) -> Result<MediaDescription, SdpError> {
    let all: Vec<&str> = line.value.split_whitespace().collect();
    let (media, port, proto, formats) = match all.as_slice() {
        [media, port, proto, formats @ ..] if !formats.is_empty() => (media, port, proto, formats),
        [_, _, _] => {
            return Err(line.error(SdpErrorKind::MissingField {
                field: "m= format list",
            }));
        }
        _ => {
            let (field, expected, found) = ("m=", "at least 4", all.len());
            return Err(line.error(SdpErrorKind::FieldCount {
                field,
                expected,
                found,
            }));
        }
    };
    let (port, count) = match port.split_once('/') {
        Some((port, count)) => (port, Some(count)),
        None => (*port, None),
    };
    let port = number(port, "port", "0..=65535").map_err(|k| line.error(k))?;
    let port_count = count
        .map(|c| number(c, "port count", "0..=65535"))
        .transpose()
        .map_err(|k| line.error(k))?;
    Ok(MediaDescription {
        media: (*media).to_owned(),
        port,
        port_count,
        proto: (*proto).to_owned(),
        formats: formats.iter().map(|f| (*f).to_owned()).collect(),
        title: None,
        connection: None,
        bandwidths: Vec::new(),
        encryption_key: None,
        attributes: Vec::new(),
        other_lines: Vec::new(),
    })
}
