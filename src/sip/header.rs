//! Header names (with the compact forms of RFC 3261 §7.3.3 and the SIP parameter registry)
//! and the ordered header list of a message. Values are kept as written (unfolded); typed
//! access parses them on demand (see [`super::headers`]).

use super::text::Text;
use std::fmt;

macro_rules! header_names {
    ($( $variant:ident => $name:literal $(, $compact:literal)? ; )*) => {
        /// A header field name. Known names compare by variant; others case-insensitively.
        #[derive(Clone, Debug)]
        pub enum HeaderName {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
            /// Any other header, with its name as written.
            Other(Text),
        }

        impl HeaderName {
            /// The canonical (long) name.
            pub fn as_str(&self) -> &str {
                match self {
                    $( HeaderName::$variant => $name, )*
                    HeaderName::Other(t) => t,
                }
            }

            fn known_long(lower: &[u8]) -> Option<HeaderName> {
                $(
                    if lower == &const { const_lower::<{ $name.len() }>($name) }[..] {
                        return Some(HeaderName::$variant);
                    }
                )*
                None
            }

            fn known_compact(c: u8) -> Option<HeaderName> {
                match c.to_ascii_lowercase() {
                    $( $( x if x == $compact => Some(HeaderName::$variant), )? )*
                    _ => None,
                }
            }
        }
    };
}

const fn const_lower<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = b[i].to_ascii_lowercase();
        i += 1;
    }
    out
}

header_names! {
    Accept => "Accept";
    AcceptContact => "Accept-Contact", b'a';
    AcceptEncoding => "Accept-Encoding";
    AcceptLanguage => "Accept-Language";
    AlertInfo => "Alert-Info";
    Allow => "Allow";
    AllowEvents => "Allow-Events", b'u';
    AuthenticationInfo => "Authentication-Info";
    Authorization => "Authorization";
    CallId => "Call-ID", b'i';
    CallInfo => "Call-Info";
    Contact => "Contact", b'm';
    ContentDisposition => "Content-Disposition";
    ContentEncoding => "Content-Encoding", b'e';
    ContentLanguage => "Content-Language";
    ContentLength => "Content-Length", b'l';
    ContentType => "Content-Type", b'c';
    CSeq => "CSeq";
    Date => "Date";
    ErrorInfo => "Error-Info";
    Event => "Event", b'o';
    Expires => "Expires";
    From => "From", b'f';
    Identity => "Identity", b'y';
    InReplyTo => "In-Reply-To";
    MaxForwards => "Max-Forwards";
    MimeVersion => "MIME-Version";
    MinExpires => "Min-Expires";
    MinSe => "Min-SE";
    Organization => "Organization";
    Priority => "Priority";
    ProxyAuthenticate => "Proxy-Authenticate";
    ProxyAuthorization => "Proxy-Authorization";
    ProxyRequire => "Proxy-Require";
    RAck => "RAck";
    RecordRoute => "Record-Route";
    ReferTo => "Refer-To", b'r';
    ReferredBy => "Referred-By", b'b';
    RejectContact => "Reject-Contact", b'j';
    Replaces => "Replaces";
    ReplyTo => "Reply-To";
    RequestDisposition => "Request-Disposition", b'd';
    Require => "Require";
    RetryAfter => "Retry-After";
    Route => "Route";
    RSeq => "RSeq";
    Server => "Server";
    SessionExpires => "Session-Expires", b'x';
    Subject => "Subject", b's';
    SubscriptionState => "Subscription-State";
    Supported => "Supported", b'k';
    Timestamp => "Timestamp";
    To => "To", b't';
    Unsupported => "Unsupported";
    UserAgent => "User-Agent";
    Via => "Via", b'v';
    Warning => "Warning";
    WwwAuthenticate => "WWW-Authenticate";
}

impl HeaderName {
    /// Looks up `name` (a slice of `src`): compact forms and any casing map to the known
    /// variant; anything else is kept verbatim.
    pub fn parse_in(src: &Text, name: &str) -> HeaderName {
        let b = name.as_bytes();
        if b.len() == 1 {
            if let Some(h) = HeaderName::known_compact(b[0]) {
                return h;
            }
        } else if b.len() <= 24 {
            let mut buf = [0u8; 24];
            for (d, s) in buf.iter_mut().zip(b) {
                *d = s.to_ascii_lowercase();
            }
            if let Some(h) = HeaderName::known_long(&buf[..b.len()]) {
                return h;
            }
        }
        HeaderName::Other(src.slice_ref(name))
    }

    /// Looks up a standalone name.
    pub fn from_name(name: &str) -> HeaderName {
        HeaderName::parse_in(&Text::from(name), name)
    }

    /// Whether the header's grammar is a comma-separated list (RFC 3261 §7.3.1), so that
    /// several header lines and one line with commas mean the same.
    pub fn is_list(&self) -> bool {
        use HeaderName::*;
        matches!(
            self,
            Accept
                | AcceptContact
                | AcceptEncoding
                | AcceptLanguage
                | AlertInfo
                | Allow
                | AllowEvents
                | CallInfo
                | Contact
                | ContentEncoding
                | ContentLanguage
                | ErrorInfo
                | InReplyTo
                | ProxyRequire
                | RecordRoute
                | RejectContact
                | Require
                | Route
                | Supported
                | Unsupported
                | Via
                | Warning
        )
    }
}

impl PartialEq for HeaderName {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (HeaderName::Other(a), HeaderName::Other(b)) => a.eq_ignore_ascii_case(b),
            (HeaderName::Other(_), _) | (_, HeaderName::Other(_)) => false,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}
impl Eq for HeaderName {}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One header field: its name and its value as written (folding removed, ends trimmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The name.
    pub name: HeaderName,
    /// The raw value.
    pub value: Text,
}

/// The header fields of a message, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<Header>);

impl Headers {
    /// No headers.
    pub const fn new() -> Self {
        Headers(Vec::new())
    }

    /// The first value of `name`.
    pub fn get(&self, name: &HeaderName) -> Option<&Text> {
        self.0.iter().find(|h| h.name == *name).map(|h| &h.value)
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a Text> + 'a {
        self.0
            .iter()
            .filter(move |h| h.name == *name)
            .map(|h| &h.value)
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &HeaderName) -> bool {
        self.get(name).is_some()
    }

    /// Appends a header.
    pub fn push(&mut self, name: HeaderName, value: impl Into<Text>) {
        self.0.push(Header {
            name,
            value: value.into(),
        });
    }

    /// Inserts a header before every other (a new top Via, RFC 3261 §8.1.1.7).
    pub fn push_front(&mut self, name: HeaderName, value: impl Into<Text>) {
        self.0.insert(
            0,
            Header {
                name,
                value: value.into(),
            },
        );
    }

    /// Replaces every `name` header with one holding `value`, at the first one's place.
    pub fn set(&mut self, name: HeaderName, value: impl Into<Text>) {
        let value = value.into();
        match self.0.iter().position(|h| h.name == name) {
            Some(i) => {
                self.0[i].value = value;
                let mut seen = 0;
                self.0.retain(|h| {
                    if h.name == name {
                        seen += 1;
                        seen == 1
                    } else {
                        true
                    }
                });
            }
            None => self.push(name, value),
        }
    }

    /// Removes every `name` header.
    pub fn remove(&mut self, name: &HeaderName) {
        self.0.retain(|h| h.name != *name);
    }

    /// Iterates all headers in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Header> {
        self.0.iter()
    }

    /// The number of header lines.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_with_compact_forms() {
        let cases = [
            ("v", "Via"),
            ("V", "Via"),
            ("i", "Call-ID"),
            ("m", "Contact"),
            ("e", "Content-Encoding"),
            ("l", "Content-Length"),
            ("f", "From"),
            ("s", "Subject"),
            ("k", "Supported"),
            ("t", "To"),
            ("c", "Content-Type"),
            ("o", "Event"),
            ("u", "Allow-Events"),
            ("r", "Refer-To"),
            ("b", "Referred-By"),
            ("x", "Session-Expires"),
            ("y", "Identity"),
            ("cALL-iD", "Call-ID"),
            ("www-authenticate", "WWW-Authenticate"),
            ("CSEQ", "CSeq"),
        ];
        for (input, canonical) in cases {
            let h = HeaderName::from_name(input);
            assert!(!matches!(h, HeaderName::Other(_)), "{input}");
            assert_eq!(h.as_str(), canonical);
        }
        let other = HeaderName::from_name("X-Custom-Thing");
        assert_eq!(other.as_str(), "X-Custom-Thing");
        assert_eq!(other, HeaderName::from_name("x-custom-thing"));
        assert_ne!(other, HeaderName::Via);
        assert!(matches!(HeaderName::from_name("q"), HeaderName::Other(_)));
    }

    #[test]
    fn set_replaces_in_place() {
        let mut h = Headers::new();
        h.push(HeaderName::Via, "a");
        h.push(HeaderName::To, "b");
        h.push(HeaderName::Via, "c");
        h.set(HeaderName::Via, "z");
        assert_eq!(h.len(), 2);
        assert_eq!(h.0[0].value, "z");
        h.push_front(HeaderName::Via, "top");
        assert_eq!(h.get(&HeaderName::Via).unwrap(), "top");
        h.remove(&HeaderName::Via);
        assert_eq!(h.len(), 1);
    }
}
