//! Header names (with the compact forms of RFC 3261 §7.3.3 and the SIP parameter registry)
//! and the ordered header list of a message. Values are kept as written (unfolded); typed
//! access parses them on demand (see [`super::headers`]).

use super::text::Text;
use std::fmt;

macro_rules! header_names {
    ($( $variant:ident => $name:literal, $lower:literal $(, $compact:literal)? ; )*) => {
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

            /// Every known name in lower case (long and compact forms), with its variant.
            const KNOWN: &'static [(&'static [u8], HeaderName)] = &[
                $(
                    ($lower, HeaderName::$variant),
                    $( (&[$compact], HeaderName::$variant), )?
                )*
            ];
        }
    };
}

header_names! {
    Accept => "Accept", b"accept";
    AcceptContact => "Accept-Contact", b"accept-contact", b'a';
    AcceptEncoding => "Accept-Encoding", b"accept-encoding";
    AcceptLanguage => "Accept-Language", b"accept-language";
    AlertInfo => "Alert-Info", b"alert-info";
    Allow => "Allow", b"allow";
    AllowEvents => "Allow-Events", b"allow-events", b'u';
    AuthenticationInfo => "Authentication-Info", b"authentication-info";
    Authorization => "Authorization", b"authorization";
    CallId => "Call-ID", b"call-id", b'i';
    CallInfo => "Call-Info", b"call-info";
    Contact => "Contact", b"contact", b'm';
    ContentDisposition => "Content-Disposition", b"content-disposition";
    ContentEncoding => "Content-Encoding", b"content-encoding", b'e';
    ContentLanguage => "Content-Language", b"content-language";
    ContentLength => "Content-Length", b"content-length", b'l';
    ContentType => "Content-Type", b"content-type", b'c';
    CSeq => "CSeq", b"cseq";
    Date => "Date", b"date";
    ErrorInfo => "Error-Info", b"error-info";
    Event => "Event", b"event", b'o';
    Expires => "Expires", b"expires";
    From => "From", b"from", b'f';
    Identity => "Identity", b"identity", b'y';
    InReplyTo => "In-Reply-To", b"in-reply-to";
    MaxForwards => "Max-Forwards", b"max-forwards";
    MimeVersion => "MIME-Version", b"mime-version";
    MinExpires => "Min-Expires", b"min-expires";
    MinSe => "Min-SE", b"min-se";
    Organization => "Organization", b"organization";
    Priority => "Priority", b"priority";
    ProxyAuthenticate => "Proxy-Authenticate", b"proxy-authenticate";
    ProxyAuthorization => "Proxy-Authorization", b"proxy-authorization";
    ProxyRequire => "Proxy-Require", b"proxy-require";
    RAck => "RAck", b"rack";
    RecordRoute => "Record-Route", b"record-route";
    ReferTo => "Refer-To", b"refer-to", b'r';
    ReferredBy => "Referred-By", b"referred-by", b'b';
    RejectContact => "Reject-Contact", b"reject-contact", b'j';
    Replaces => "Replaces", b"replaces";
    ReplyTo => "Reply-To", b"reply-to";
    RequestDisposition => "Request-Disposition", b"request-disposition", b'd';
    Require => "Require", b"require";
    RetryAfter => "Retry-After", b"retry-after";
    Route => "Route", b"route";
    RSeq => "RSeq", b"rseq";
    Server => "Server", b"server";
    SessionExpires => "Session-Expires", b"session-expires", b'x';
    Subject => "Subject", b"subject", b's';
    SubscriptionState => "Subscription-State", b"subscription-state";
    Supported => "Supported", b"supported", b'k';
    Timestamp => "Timestamp", b"timestamp";
    To => "To", b"to", b't';
    Unsupported => "Unsupported", b"unsupported";
    UserAgent => "User-Agent", b"user-agent";
    Via => "Via", b"via", b'v';
    Warning => "Warning", b"warning";
    WwwAuthenticate => "WWW-Authenticate", b"www-authenticate";
}

/// Slots of the name lookup table (a power of two, well above the number of known names so
/// probe chains stay short).
const SLOTS: usize = 256;

/// The lookup key of a name: its length and its first and last bytes, case-folded. Known
/// names hold only letters and `-`, and `c | 0x20` maps no other token character onto those.
#[inline]
const fn slot(len: usize, first: u8, last: u8) -> usize {
    (len.wrapping_mul(37) ^ ((first | 0x20) as usize).wrapping_mul(7) ^ (last | 0x20) as usize)
        % SLOTS
}

/// Open-addressing table: `index + 1` into [`HeaderName::KNOWN`], 0 for an empty slot.
static TABLE: [u8; SLOTS] = {
    let mut t = [0u8; SLOTS];
    let mut i = 0;
    while i < HeaderName::KNOWN.len() {
        let name = HeaderName::KNOWN[i].0;
        let mut at = slot(name.len(), name[0], name[name.len() - 1]);
        while t[at] != 0 {
            at = (at + 1) % SLOTS;
        }
        t[at] = (i + 1) as u8;
        i += 1;
    }
    t
};

/// Case-insensitive equality of a token against a known name (lower-case letters and `-`):
/// for a token character `c`, `c | 0x20` is a lower-case letter only for that letter in
/// either case, and `-` only for `-`. Eight bytes at a time.
#[inline]
fn eq_folded(name: &[u8], known: &[u8]) -> bool {
    const FOLD: u64 = 0x2020_2020_2020_2020;
    let n = name.len();
    if n != known.len() {
        return false;
    }
    if n < 8 {
        return name.iter().zip(known).all(|(&a, &b)| a | 0x20 == b);
    }
    let word = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap());
    let mut i = 0;
    while i + 8 < n {
        if word(name, i) | FOLD != word(known, i) {
            return false;
        }
        i += 8;
    }
    // The last (possibly overlapping) eight bytes.
    word(name, n - 8) | FOLD == word(known, n - 8)
}

impl HeaderName {
    /// Looks up `name` (a `token`, slice of `src`): compact forms and any casing map to the
    /// known variant; anything else is kept verbatim. One table probe on length and first and
    /// last byte, then one comparison, for a known name.
    pub fn parse_in(src: &Text, name: &str) -> HeaderName {
        match Self::known(name.as_bytes()) {
            Some(h) => h,
            None => HeaderName::Other(src.slice_ref(name)),
        }
    }

    /// The known header called `b` (any casing, compact forms too), if any. `b` must hold no
    /// CR (`-` is matched by folding case, and CR folds onto it); every other byte is fine,
    /// and a match means `b` is a token.
    #[inline]
    pub(crate) fn known(b: &[u8]) -> Option<HeaderName> {
        let (&first, &last) = (b.first()?, b.last()?);
        let mut at = slot(b.len(), first, last);
        loop {
            let i = TABLE[at] as usize;
            let (known, h) = Self::KNOWN.get(i.checked_sub(1)?)?;
            if eq_folded(b, known) {
                return Some(h.clone());
            }
            at = (at + 1) % SLOTS;
        }
    }

    /// Looks up a standalone name.
    pub fn from_name(name: &str) -> HeaderName {
        if !super::grammar::is_token(name) {
            return HeaderName::Other(Text::from(name));
        }
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
    #[inline(always)]
    fn eq(&self, other: &Self) -> bool {
        // Known names differ by variant alone; only two unknown ones compare their text.
        std::mem::discriminant(self) == std::mem::discriminant(other)
            && match (self, other) {
                (HeaderName::Other(a), HeaderName::Other(b)) => a.eq_ignore_ascii_case(b),
                _ => true,
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
