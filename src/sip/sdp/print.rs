//! Canonical SDP output: RFC 8866 §5 line order, single spaces, CRLF line ends.

use std::fmt::{self, Display, Formatter};

use super::{
    Attribute, Bandwidth, Connection, MediaDescription, Origin, OtherLine, SessionDescription,
    Timing,
};

/// Writes `<key>=<value>` and the CRLF RFC 8866 §5 requires.
fn line(f: &mut Formatter<'_>, key: &str, value: impl Display) -> fmt::Result {
    write!(f, "{key}={value}\r\n")
}

fn lines<T: Display>(f: &mut Formatter<'_>, key: &str, values: &[T]) -> fmt::Result {
    values.iter().try_for_each(|v| line(f, key, v))
}

fn optional(f: &mut Formatter<'_>, key: &str, value: Option<&String>) -> fmt::Result {
    value.map_or(Ok(()), |v| line(f, key, v))
}

/// Attributes, then unknown lines: the tail every section shares.
fn section_tail(
    f: &mut Formatter<'_>,
    attributes: &[Attribute],
    other: &[OtherLine],
) -> fmt::Result {
    lines(f, "a", attributes)?;
    other.iter().try_for_each(|o| line(f, &o.key, &o.value))
}

/// The whole description, RFC 8866 §5 order: v o s i u e p c b t r z k a, then each m=.
impl Display for SessionDescription {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        line(f, "v", 0)?;
        line(f, "o", &self.origin)?;
        line(f, "s", &self.session_name)?;
        optional(f, "i", self.information.as_ref())?;
        optional(f, "u", self.uri.as_ref())?;
        lines(f, "e", &self.emails)?;
        lines(f, "p", &self.phones)?;
        if let Some(c) = &self.connection {
            line(f, "c", c)?;
        }
        lines(f, "b", &self.bandwidths)?;
        if self.timing.is_empty() {
            // RFC 8866 §9 requires at least one time description.
            line(f, "t", Timing::unbounded())?;
        }
        for timing in &self.timing {
            line(f, "t", timing)?;
            lines(f, "r", &timing.repeats)?;
        }
        optional(f, "z", self.time_zones.as_ref())?;
        optional(f, "k", self.encryption_key.as_ref())?;
        section_tail(f, &self.attributes, &self.other_lines)?;
        self.media.iter().try_for_each(|m| m.fmt(f))
    }
}

/// One media section, RFC 8866 §5 order: m i c b k a.
impl Display for MediaDescription {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "m={} {}", self.media, self.port)?;
        if let Some(count) = self.port_count {
            write!(f, "/{count}")?;
        }
        write!(f, " {}", self.proto)?;
        self.formats
            .iter()
            .try_for_each(|fmt| write!(f, " {fmt}"))?;
        f.write_str("\r\n")?;
        optional(f, "i", self.title.as_ref())?;
        if let Some(c) = &self.connection {
            line(f, "c", c)?;
        }
        lines(f, "b", &self.bandwidths)?;
        optional(f, "k", self.encryption_key.as_ref())?;
        section_tail(f, &self.attributes, &self.other_lines)
    }
}

/// The value of an `o=` line.
impl Display for Origin {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {}",
            self.username,
            self.session_id,
            self.session_version,
            self.nettype,
            self.addrtype,
            self.address
        )
    }
}

/// The value of a `c=` line, with the multicast suffix RFC 8866 §5.7 allows for the address type.
impl Display for Connection {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.nettype, self.addrtype, self.address)?;
        match (self.addrtype.as_str(), self.ttl, self.num_addresses) {
            ("IP4", Some(ttl), Some(n)) => write!(f, "/{ttl}/{n}"),
            ("IP4", Some(ttl), None) => write!(f, "/{ttl}"),
            // IP6 multicast has no TTL (RFC 8866 §5.7).
            ("IP6", _, Some(n)) => write!(f, "/{n}"),
            _ => Ok(()),
        }
    }
}

/// The value of a `b=` line.
impl Display for Bandwidth {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.bwtype, self.value)
    }
}

/// The value of a `t=` line (its `r=` lines are printed by the session).
impl Display for Timing {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.start, self.stop)
    }
}
