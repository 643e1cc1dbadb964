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

            /// A number of its own for each known name, [`OTHER_ID`] for any other: what
            /// [`Headers`] searches when looking a name up.
            #[inline]
            pub(crate) fn id(&self) -> u8 {
                match self {
                    $( HeaderName::$variant => Numbered::$variant as u8, )*
                    HeaderName::Other(_) => OTHER_ID,
                }
            }

            /// Every known name in lower case (long and compact forms), with its variant
            /// and its id.
            const KNOWN: &'static [(&'static [u8], HeaderName, u8)] = &[
                $(
                    ($lower, HeaderName::$variant, Numbered::$variant as u8),
                    $( (&[$compact], HeaderName::$variant, Numbered::$variant as u8), )?
                )*
            ];
        }

        /// The known names, numbered in order (see [`HeaderName::id`]).
        #[repr(u8)]
        enum Numbered { $( $variant, )* }
        const _: () = assert!(0 $( + { let _ = Numbered::$variant; 1 } )* < OTHER_ID as usize);
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

/// [`HeaderName::id`] of a name that is not known.
const OTHER_ID: u8 = u8::MAX;

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
    if n < 4 {
        return name.iter().zip(known).all(|(&a, &b)| a | 0x20 == b);
    }
    if n < 8 {
        // The first and the last (possibly overlapping) four bytes.
        const FOLD4: u32 = 0x2020_2020;
        let word = |s: &[u8], i: usize| u32::from_le_bytes(s[i..i + 4].try_into().unwrap());
        return word(name, 0) | FOLD4 == word(known, 0)
            && word(name, n - 4) | FOLD4 == word(known, n - 4);
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
        Self::known_with_id(b).map(|(h, _)| h)
    }

    /// [`HeaderName::known`], with the name's [`HeaderName::id`].
    #[inline]
    pub(crate) fn known_with_id(b: &[u8]) -> Option<(HeaderName, u8)> {
        let (&first, &last) = (b.first()?, b.last()?);
        let mut at = slot(b.len(), first, last);
        loop {
            let i = TABLE[at] as usize;
            let (known, h, id) = Self::KNOWN.get(i.checked_sub(1)?)?;
            if eq_folded(b, known) {
                return Some((h.clone(), *id));
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

/// One header field: its name and its value as written (folding removed, ends trimmed),
/// borrowed from the message.
#[derive(Clone, Copy)]
pub struct Header<'a> {
    /// The name.
    pub name: &'a HeaderName,
    /// The raw value.
    pub value: &'a str,
    /// The text `value` is a slice of.
    src: &'a Text,
}

impl<'a> Header<'a> {
    /// The value as an owned [`Text`] (a parsed value shares the message buffer: no copy).
    pub fn value_text(&self) -> Text {
        self.src.slice_ref(self.value)
    }

    /// The text the value is a slice of, for parsers that keep slices of it.
    pub(crate) fn src(&self) -> &'a Text {
        self.src
    }
}

impl fmt::Debug for Header<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {:?}", self.name, self.value)
    }
}

/// A header field as stored: a parsed value is a span of the head it was parsed from (no
/// reference to count per header); values set in code own their text.
#[derive(Clone)]
struct Field {
    name: HeaderName,
    value: Value,
}

#[derive(Clone)]
enum Value {
    /// `head[start..end]`.
    Span(u32, u32),
    Owned(Text),
}

/// How many fields [`Headers`] keeps a one-byte id of.
const IDS: usize = 32;

/// The header fields of a message, in order.
#[derive(Clone, Default)]
pub struct Headers {
    /// The head the message was parsed from (empty for one built in code).
    head: Text,
    fields: Vec<Field>,
    /// `ids[i]` is the [`HeaderName::id`] of `fields[i]`, for the first [`IDS`] fields: a
    /// known name is looked up by searching these bytes eight at a time, not by walking the
    /// fields (heads of more fields walk them).
    ids: [u8; IDS],
}

impl Headers {
    /// No headers.
    pub const fn new() -> Self {
        Headers {
            head: Text::new(),
            fields: Vec::new(),
            ids: [0; IDS],
        }
    }

    /// No headers yet, for a message parsed from `head`: see [`Headers::push_span`].
    pub(crate) fn with_head(head: Text, capacity: usize) -> Self {
        Headers {
            head,
            fields: Vec::with_capacity(capacity),
            ids: [0; IDS],
        }
    }

    /// Appends a field whose name has `id`, keeping `ids` up to date.
    #[inline(always)]
    fn append(&mut self, field: Field, id: u8) {
        if let Some(slot) = self.ids.get_mut(self.fields.len()) {
            *slot = id;
        }
        self.fields.push(field);
    }

    /// Recomputes `ids` after fields were inserted or removed.
    fn reindex(&mut self) {
        for (slot, f) in self.ids.iter_mut().zip(&self.fields) {
            *slot = f.name.id();
        }
    }

    /// Where the fields called `name` are, when `ids` can tell: bit `i` set for each such
    /// field `i`. `None` for an unknown name or a head of more than [`IDS`] fields (then the
    /// fields are walked).
    #[inline]
    fn id_mask(&self, name: &HeaderName) -> Option<u32> {
        const LO: u64 = 0x0101_0101_0101_0101;
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        let id = name.id();
        let n = self.fields.len();
        if id == OTHER_ID || n > IDS {
            return None;
        }
        let pattern = LO * u64::from(id);
        let mut mask = 0u32;
        // Only the chunks that hold fields.
        for (k, chunk) in self.ids.chunks_exact(8).take(n.div_ceil(8)).enumerate() {
            let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])) ^ pattern;
            // Exactly the zero bytes of `x` (no borrow from one byte to the next): 1 in the
            // low bit of each, gathered into one byte.
            let zero = (!(((x & LOW7) + LOW7) | x | LOW7)) >> 7;
            mask |= ((zero.wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32) << (k * 8);
        }
        // Ids past the last field are stale.
        Some(mask & u32::MAX.checked_shr(IDS as u32 - n as u32).unwrap_or(0))
    }

    /// Appends a header whose value is `head[start..end]` (`head` as given to
    /// [`Headers::with_head`]; the range must lie on char boundaries inside it).
    pub(crate) fn push_span(&mut self, name: HeaderName, id: u8, start: usize, end: usize) {
        // MAX_MESSAGE_SIZE keeps offsets far below u32::MAX.
        self.append(
            Field {
                name,
                value: Value::Span(start as u32, end as u32),
            },
            id,
        );
    }

    /// Sets the head the spans of [`Headers::push_span`] point into (for a head whose fields
    /// were found before its text was made).
    pub(crate) fn set_head(&mut self, head: Text) {
        self.head = head;
    }

    /// `head[start..end]`, as given to [`Headers::push_span`].
    pub(crate) fn get_span(&self, start: usize, end: usize) -> Option<&str> {
        self.head.get_range(start, end)
    }

    /// Renames the field at `index` to `name`, of the same [`HeaderName::id`].
    pub(crate) fn set_name_at(&mut self, index: usize, name: HeaderName) {
        if let Some(f) = self.fields.get_mut(index) {
            debug_assert_eq!(f.name.id(), name.id());
            f.name = name;
        }
    }

    /// The header at `field`.
    #[inline]
    fn view<'a>(&'a self, field: &'a Field) -> Header<'a> {
        let (src, value) = match &field.value {
            Value::Span(start, end) => (
                &self.head,
                self.head
                    .get_range(*start as usize, *end as usize)
                    .unwrap_or(""),
            ),
            Value::Owned(t) => (t, t.as_str()),
        };
        Header {
            name: &field.name,
            value,
            src,
        }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &HeaderName) -> Option<&str> {
        self.first(name).map(|h| h.value)
    }

    /// The first value of `name` as an owned [`Text`] (sharing the message buffer).
    pub fn get_text(&self, name: &HeaderName) -> Option<Text> {
        self.first(name).map(|h| h.value_text())
    }

    /// The first header called `name`.
    #[inline]
    pub(crate) fn first<'a>(&'a self, name: &HeaderName) -> Option<Header<'a>> {
        self.all(name).next()
    }

    /// The first header called `name`, and whether another one follows it.
    #[inline]
    pub(crate) fn first_and_more<'a>(&'a self, name: &HeaderName) -> Option<(Header<'a>, bool)> {
        if let Some(mask) = self.id_mask(name) {
            let field = self.fields.get(mask.trailing_zeros() as usize)?;
            return Some((self.view(field), mask & mask.wrapping_sub(1) != 0));
        }
        let mut all = self.all(name);
        let first = all.next()?;
        Some((first, all.fields.any(|f| f.name == *name)))
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        self.all(name).map(|h| h.value)
    }

    /// Every header called `name`, in order.
    #[inline]
    pub(crate) fn all<'a, 'n>(&'a self, name: &'n HeaderName) -> Named<'a, 'n> {
        Named {
            headers: self,
            fields: self.fields.iter(),
            name,
            mask: self.id_mask(name),
        }
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &HeaderName) -> bool {
        self.all(name).next().is_some()
    }

    /// Appends a header.
    pub fn push(&mut self, name: HeaderName, value: impl Into<Text>) {
        let id = name.id();
        self.append(
            Field {
                name,
                value: Value::Owned(value.into()),
            },
            id,
        );
    }

    /// Inserts a header before every other (a new top Via, RFC 3261 §8.1.1.7).
    pub fn push_front(&mut self, name: HeaderName, value: impl Into<Text>) {
        self.fields.insert(
            0,
            Field {
                name,
                value: Value::Owned(value.into()),
            },
        );
        self.reindex();
    }

    /// Replaces the value of the header at `index` (in [`Headers::iter`] order); nothing
    /// happens when there is no such header.
    pub fn set_at(&mut self, index: usize, value: impl Into<Text>) {
        if let Some(f) = self.fields.get_mut(index) {
            f.value = Value::Owned(value.into());
        }
    }

    /// Replaces every `name` header with one holding `value`, at the first one's place.
    pub fn set(&mut self, name: HeaderName, value: impl Into<Text>) {
        let value = value.into();
        match self.fields.iter().position(|f| f.name == name) {
            Some(i) => {
                self.fields[i].value = Value::Owned(value);
                let mut seen = 0;
                self.fields.retain(|f| {
                    if f.name == name {
                        seen += 1;
                        seen == 1
                    } else {
                        true
                    }
                });
                self.reindex();
            }
            None => self.push(name, value),
        }
    }

    /// Removes every `name` header.
    pub fn remove(&mut self, name: &HeaderName) {
        self.fields.retain(|f| f.name != *name);
        self.reindex();
    }

    /// Iterates all headers in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Header<'_>> + ExactSizeIterator + '_ {
        self.fields.iter().map(|f| self.view(f))
    }

    /// The number of header lines.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// The headers of one name (see [`Headers::all`]).
pub(crate) struct Named<'a, 'n> {
    headers: &'a Headers,
    fields: std::slice::Iter<'a, Field>,
    name: &'n HeaderName,
    /// When the ids tell where the fields of that name are: those not given yet (bit `i`
    /// for field `i`), and `fields` is not walked.
    mask: Option<u32>,
}

impl<'a> Iterator for Named<'a, '_> {
    type Item = Header<'a>;

    #[inline]
    fn next(&mut self) -> Option<Header<'a>> {
        if let Some(mask) = &mut self.mask {
            let i = mask.trailing_zeros() as usize;
            *mask &= mask.wrapping_sub(1);
            let f = self.headers.fields.get(i)?;
            return Some(self.headers.view(f));
        }
        for f in self.fields.by_ref() {
            if f.name == *self.name {
                return Some(self.headers.view(f));
            }
        }
        None
    }
}

impl PartialEq for Headers {
    /// The same names and values in the same order, wherever the values are stored.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .zip(other.iter())
                .all(|(a, b)| a.name == b.name && a.value == b.value)
    }
}
impl Eq for Headers {}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
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

    /// The id search gives what walking the fields gives, below and above [`IDS`] fields and
    /// after fields are inserted and removed.
    #[test]
    fn lookups_agree_with_a_walk() {
        let names = [
            HeaderName::Via,
            HeaderName::To,
            HeaderName::from_name("X-A"),
            HeaderName::CSeq,
            HeaderName::Via,
            HeaderName::Warning,
        ];
        let check = |h: &Headers| {
            for name in names
                .iter()
                .chain([&HeaderName::From, &HeaderName::from_name("x-b")])
            {
                let walk: Vec<&str> = h
                    .iter()
                    .filter(|f| f.name == name)
                    .map(|f| f.value)
                    .collect();
                assert_eq!(h.get_all(name).collect::<Vec<_>>(), walk, "{name} in {h:?}");
                let first = h.first_and_more(name).map(|(f, more)| (f.value, more));
                assert_eq!(first, walk.first().map(|v| (*v, walk.len() > 1)), "{name}");
                assert_eq!(h.contains(name), !walk.is_empty());
            }
        };
        let mut h = Headers::new();
        for i in 0..45 {
            h.push(names[i * 7 % names.len()].clone(), i.to_string());
            check(&h);
        }
        h.push_front(HeaderName::From, "front");
        check(&h);
        h.remove(&HeaderName::Via);
        check(&h);
        h.set(HeaderName::To, "one");
        check(&h);
    }

    #[test]
    fn set_replaces_in_place() {
        let mut h = Headers::new();
        h.push(HeaderName::Via, "a");
        h.push(HeaderName::To, "b");
        h.push(HeaderName::Via, "c");
        h.set(HeaderName::Via, "z");
        assert_eq!(h.len(), 2);
        assert_eq!(h.iter().next().unwrap().value, "z");
        h.push_front(HeaderName::Via, "top");
        assert_eq!(h.get(&HeaderName::Via).unwrap(), "top");
        h.remove(&HeaderName::Via);
        assert_eq!(h.len(), 1);
    }
}
