//! Low-level SIP grammar (RFC 3261 §25.1): character classes, linear white space, quoted
//! strings, comma-separated lists that respect quotes and angle brackets, and generic
//! parameters (`*( SEMI generic-param )`).
//!
//! Every function works on a `&str` that is a slice of a [`Text`], so parsed pieces are
//! cheap sub-slices of the message buffer.

use super::error::{ErrorKind, SyntaxError};
use super::text::Text;
use std::borrow::Cow;
use std::fmt;

/// Character classes of RFC 3261 §25.1, one bit each in [`CLASS`]: a parser tests a byte
/// against one (or several) with a single table lookup, and scans a run of a class with
/// [`scan_class`].
pub(crate) mod class {
    /// `token`: alphanum and `-.!%*_+`'~`.
    pub const TOKEN: u16 = 1;
    /// `unreserved = alphanum / mark`, mark `-_.!~*'()`.
    pub const UNRESERVED: u16 = 2;
    /// A header parameter's unquoted value (`gen-value` = token / host): token and `[]:`.
    pub const GEN_VALUE: u16 = 4;
    /// A URI parameter's value: `paramchar` (unreserved, `[]/:&+$`) and `%` for escapes.
    pub const URI_PARAM: u16 = 8;
    /// A URI parameter's name: [`URI_PARAM`] without `&`.
    pub const URI_PNAME: u16 = 16;
    /// The user part of a SIP URI: unreserved, `user-unreserved` (`&=+$,;?/`) and `%`.
    pub const USER: u16 = 32;
    /// The password of a SIP URI: unreserved, `&=+$,` and `%`.
    pub const PASSWORD: u16 = 64;
    /// `hostname` characters (alphanum, `-`, `.`) and `_` (seen in SRV-derived names).
    pub const HOST: u16 = 128;
    /// `word` (Call-ID): alphanum and `-.!%*_+`'~()<>:\"/[]?{}`.
    pub const WORD: u16 = 256;
}

/// Sets `bit` in `t` for alphanumerics (when `alnum`) and for each byte of `extra`.
const fn mark(mut t: [u16; 256], bit: u16, alnum: bool, extra: &[u8]) -> [u16; 256] {
    let mut c = 0;
    while c < 256 {
        if alnum && (c as u8).is_ascii_alphanumeric() {
            t[c] |= bit;
        }
        c += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] |= bit;
        i += 1;
    }
    t
}

/// The [`class`] bits of every byte.
pub(crate) static CLASS: [u16; 256] = {
    const MARK: &[u8] = b"-_.!~*'()";
    let t = mark([0; 256], class::TOKEN, true, b"-.!%*_+`'~");
    let t = mark(t, class::UNRESERVED, true, MARK);
    let t = mark(t, class::GEN_VALUE, true, b"-.!%*_+`'~[]:");
    let t = mark(t, class::URI_PARAM, true, MARK);
    let t = mark(t, class::URI_PARAM, false, b"[]/:&+$%");
    let t = mark(t, class::URI_PNAME, true, MARK);
    let t = mark(t, class::URI_PNAME, false, b"[]/:+$%");
    let t = mark(t, class::USER, true, MARK);
    let t = mark(t, class::USER, false, b"&=+$,;?/%");
    let t = mark(t, class::PASSWORD, true, MARK);
    let t = mark(t, class::PASSWORD, false, b"&=+$,%");
    let t = mark(t, class::WORD, true, b"-.!%*_+`'~()<>:\\\"/[]?{}");
    mark(t, class::HOST, true, b"-._")
};

/// Whether `b` is in any of the classes of `mask`.
#[inline(always)]
pub(crate) fn in_class(b: u8, mask: u16) -> bool {
    CLASS[b as usize] & mask != 0
}

/// The end of the run of bytes in a class of `mask` that starts at `i` (`i` itself when
/// `b[i]` is not in one, or past the end).
#[inline(always)]
pub(crate) fn scan_class(b: &[u8], mut i: usize, mask: u16) -> usize {
    while let Some(&c) = b.get(i) {
        if CLASS[c as usize] & mask == 0 {
            break;
        }
        i += 1;
    }
    i
}

/// `token` characters (RFC 3261 §25.1): alphanum and `-.!%*_+`'~`.
#[inline]
pub fn is_token_char(b: u8) -> bool {
    in_class(b, class::TOKEN)
}

/// Whether `s` is a non-empty `token`.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_char)
}

/// `WSP`: space or horizontal tab. Folding is removed before values reach these parsers.
#[inline]
pub fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The index of the first byte `b` in `s` (`b` must be ASCII so the index is a char
/// boundary).
#[inline]
pub fn find_byte(s: &str, b: u8) -> Option<usize> {
    // memchr's vector set-up costs more than it saves on the short strings of a header.
    if s.len() < 64 {
        find_byte_swar(s.as_bytes(), b)
    } else {
        memchr::memchr(b, s.as_bytes())
    }
}

/// `find_byte` eight bytes at a time: the lowest byte flagged by the zero-byte test is exact
/// (borrows only run towards higher bytes).
#[inline]
fn find_byte_swar(s: &[u8], b: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO * u64::from(b);
    let mut i = 0;
    while let Some(chunk) = s.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])) ^ pattern;
        let hit = w.wrapping_sub(LO) & !w & HI;
        if hit != 0 {
            return Some(i + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s[i..].iter().position(|&c| c == b).map(|k| i + k)
}

/// Trims `SP`/`HTAB` from both ends.
#[inline]
pub fn trim_wsp(s: &str) -> &str {
    let b = s.as_bytes();
    let start = b.iter().position(|&c| !is_wsp(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|&c| !is_wsp(c)).map_or(start, |i| i + 1);
    // Both ends sit next to ASCII bytes, so they are char boundaries.
    &s[start..end]
}

/// Index of the first non-WSP byte at or after `i`.
#[inline]
pub fn skip_wsp(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && is_wsp(s[i]) {
        i += 1;
    }
    i
}

/// Parses a quoted string starting at `s[0] == '"'` (RFC 3261 §25.1 `quoted-string`).
/// Returns the contents with escapes removed and the byte length consumed (with both quotes).
pub fn parse_quoted(s: &str) -> Result<(Cow<'_, str>, usize), SyntaxError> {
    let b = s.as_bytes();
    debug_assert_eq!(b.first(), Some(&b'"'));
    let mut i = 1;
    let mut escaped = false;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let inner = &s[1..i];
                let text = if escaped {
                    Cow::Owned(unescape_quoted(inner))
                } else {
                    Cow::Borrowed(inner)
                };
                return Ok((text, i + 1));
            }
            // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
            b'\\' => {
                escaped = true;
                match b.get(i + 1) {
                    Some(&c) if c != b'\r' && c != b'\n' && c < 0x80 => i += 2,
                    Some(&c) => {
                        return Err(SyntaxError::new(
                            ErrorKind::UnexpectedChar(c as char),
                            i + 1,
                        ));
                    }
                    None => return Err(SyntaxError::new(ErrorKind::UnterminatedQuote, 0)),
                }
            }
            b'\r' | b'\n' => {
                return Err(SyntaxError::new(ErrorKind::UnexpectedChar(b[i] as char), i));
            }
            _ => i += 1,
        }
    }
    Err(SyntaxError::new(ErrorKind::UnterminatedQuote, 0))
}

fn unescape_quoted(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Writes `s` as a quoted string, escaping `"`, `\` and the control characters `qdtext`
/// does not allow (RFC 3261 §25.1: `quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)`).
/// CR and LF cannot be quoted at all and are written as SP, so a value never breaks a line.
pub fn write_quoted(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '\r' | '\n' => f.write_char(' ')?,
            '"' | '\\' | '\0'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f' | '\x7f' => {
                f.write_char('\\')?;
                f.write_char(c)?;
            }
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

/// Splits a header value into its comma-separated elements, never inside a quoted string or
/// angle brackets (RFC 3261 §7.3.1). Elements are trimmed; the offset of each is returned too.
/// An empty element (`a,,b` or a trailing comma) is an error.
pub fn split_list(s: &str) -> Result<Vec<(usize, &str)>, SyntaxError> {
    let mut out = Vec::new();
    for_each_element(s, |at, el| {
        out.push((at, el));
        Ok(())
    })?;
    Ok(out)
}

/// Calls `f(offset, element)` for each comma-separated element of `s` (see [`split_list`]).
pub fn for_each_element<'a>(
    s: &'a str,
    mut f: impl FnMut(usize, &'a str) -> Result<(), SyntaxError>,
) -> Result<(), SyntaxError> {
    let b = s.as_bytes();
    // Most values are a single element: with no comma at all there is nothing to split.
    if find_byte(s, b',').is_none() {
        return emit(s, 0, b.len(), &mut f);
    }
    let mut start = 0;
    let mut i = 0;
    let mut in_quote = false;
    let mut in_angle = false;
    while i < b.len() {
        match b[i] {
            b'\\' if in_quote => i += 1,
            b'"' if !in_angle => in_quote = !in_quote,
            b'<' if !in_quote => in_angle = true,
            b'>' if !in_quote => in_angle = false,
            b',' if !in_quote && !in_angle => {
                emit(s, start, i, &mut f)?;
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    emit(s, start, b.len(), &mut f)
}

fn emit<'a>(
    s: &'a str,
    start: usize,
    end: usize,
    f: &mut impl FnMut(usize, &'a str) -> Result<(), SyntaxError>,
) -> Result<(), SyntaxError> {
    let raw = &s[start..end];
    let lead = skip_wsp(raw.as_bytes(), 0);
    let el = trim_wsp(raw);
    if el.is_empty() {
        return Err(SyntaxError::new(ErrorKind::EmptyElement, start));
    }
    f(start + lead, el)
}

/// One `generic-param` (RFC 3261 §25.1): a name and an optional value, both kept exactly as
/// written (a quoted value keeps its quotes) so that unknown parameters print back verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Param {
    /// The parameter name as written.
    pub name: Text,
    /// The value as written, `None` for a flag parameter such as `lr`.
    pub value: Option<Text>,
}

impl Param {
    /// A parameter `name=value` or, with `None`, a flag.
    pub fn new(name: impl Into<Text>, value: Option<Text>) -> Self {
        Param {
            name: name.into(),
            value,
        }
    }

    /// The value with surrounding quotes removed (escapes are left as written).
    pub fn unquoted(&self) -> Option<&str> {
        self.value.as_deref().map(unquote)
    }
}

/// `v` without surrounding double quotes, if it has them.
pub(crate) fn unquote(v: &str) -> &str {
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_param(f, &self.name, self.value.as_deref())
    }
}

fn write_param(f: &mut fmt::Formatter<'_>, name: &str, value: Option<&str>) -> fmt::Result {
    f.write_str(name)?;
    if let Some(v) = value {
        f.write_str("=")?;
        f.write_str(v)?;
    }
    Ok(())
}

/// An ordered list of parameters; lookups ignore the case of names (RFC 3261 §7.3.1).
///
/// Parsed parameters stay the (already checked) text they were written as, and lookups scan
/// it: no list to allocate for the one or two parameters a value usually carries. The first
/// change turns them into a list.
#[derive(Clone, Default)]
pub struct Params(Repr);

#[derive(Clone)]
enum Repr {
    /// `*( SEMI param )` as written, checked by [`parse_params`] with this syntax; and how
    /// many parameters it holds.
    Raw(Text, ParamSyntax, u32),
    /// Parameters built or changed in code.
    List(Vec<Param>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::List(Vec::new())
    }
}

impl Params {
    /// No parameters.
    pub const fn new() -> Self {
        Params(Repr::List(Vec::new()))
    }

    /// Name and value (as written) of each parameter, borrowed, in order.
    pub(crate) fn pairs(&self) -> Pairs<'_> {
        match &self.0 {
            Repr::Raw(t, syntax, _) => Pairs::Raw {
                s: t,
                i: 0,
                syntax: *syntax,
            },
            Repr::List(v) => Pairs::List(v.iter()),
        }
    }

    /// The unquoted value of the first parameter called `name`: `None` when absent,
    /// `Some(None)` for a flag.
    pub(crate) fn find(&self, name: &str) -> Option<Option<&str>> {
        self.pairs()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.map(unquote))
    }

    /// The first parameter called `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<Param> {
        self.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Whether a parameter called `name` is present (with or without a value).
    pub fn contains(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// The unquoted value of `name`; `None` when absent or a flag.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.find(name).flatten()
    }

    /// The parameters as a list, to change them.
    fn list_mut(&mut self) -> &mut Vec<Param> {
        if let Repr::Raw(..) = self.0 {
            let list = self.iter().collect();
            self.0 = Repr::List(list);
        }
        match &mut self.0 {
            Repr::List(v) => v,
            Repr::Raw(..) => unreachable!("turned into a list above"),
        }
    }

    /// Appends a parameter (even when one of that name exists).
    pub fn push(&mut self, param: Param) {
        let list = self.list_mut();
        if list.capacity() == 0 {
            // Most values carry one or two parameters: one allocation sized for them, not
            // the growth path.
            list.reserve_exact(2);
        }
        list.push(param);
    }

    /// Sets `name` to `value`, replacing an existing parameter of that name in place.
    pub fn set(&mut self, name: &str, value: Option<Text>) {
        match self
            .list_mut()
            .iter_mut()
            .find(|p| p.name.eq_ignore_ascii_case(name))
        {
            Some(p) => p.value = value,
            None => self.push(Param::new(Text::from(name), value)),
        }
    }

    /// Removes every parameter called `name`.
    pub fn remove(&mut self, name: &str) {
        self.list_mut()
            .retain(|p| !p.name.eq_ignore_ascii_case(name));
    }

    /// Iterates the parameters in order.
    pub fn iter(&self) -> ParamIter<'_> {
        match &self.0 {
            Repr::Raw(t, ..) => ParamIter(IterRepr::Raw(t, self.pairs())),
            Repr::List(v) => ParamIter(IterRepr::List(v.iter())),
        }
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Raw(_, _, n) => *n as usize,
            Repr::List(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Borrowed name and value of each parameter (see [`Params::pairs`]).
#[derive(Debug)]
pub(crate) enum Pairs<'a> {
    Raw {
        s: &'a str,
        i: usize,
        syntax: ParamSyntax,
    },
    List(std::slice::Iter<'a, Param>),
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a str, Option<&'a str>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Pairs::Raw { s, i, syntax } => {
                let s: &'a str = s;
                let (name, value, next) = next_checked_param(s, *i, *syntax)?;
                *i = next;
                Some((name, value))
            }
            Pairs::List(it) => it.next().map(|p| (p.name.as_str(), p.value.as_deref())),
        }
    }
}

/// The parameter of `s` at `i` (after optional whitespace, its `;`), in text that
/// [`parse_params`] has checked: only the delimiters are looked for. Returns name, value and
/// where the parameter ends.
fn next_checked_param(
    s: &str,
    i: usize,
    syntax: ParamSyntax,
) -> Option<(&str, Option<&str>, usize)> {
    let b = s.as_bytes();
    let header = syntax == ParamSyntax::Header;
    let skip = |at: usize| if header { skip_wsp(b, at) } else { at };
    let at = skip(i);
    if b.get(at) != Some(&b';') {
        return None;
    }
    let start = skip(at + 1);
    let mut end = start;
    while end < b.len() && !matches!(b[end], b'=' | b';' | b' ' | b'\t') {
        end += 1;
    }
    let name = s.get(start..end)?;
    let eq = skip(end);
    if b.get(eq) != Some(&b'=') {
        return Some((name, None, end));
    }
    let v_start = skip(eq + 1);
    let mut j = v_start;
    if header && b.get(j) == Some(&b'"') {
        j += 1;
        while j < b.len() {
            match b[j] {
                b'\\' => j += 2,
                b'"' => {
                    j += 1;
                    break;
                }
                _ => j += 1,
            }
        }
        j = j.min(b.len());
    } else {
        while j < b.len() && !matches!(b[j], b';' | b' ' | b'\t') {
            j += 1;
        }
    }
    Some((name, Some(s.get(v_start..j)?), j))
}

/// The parameters of a [`Params`] in order (owned: parsed ones share the message buffer).
#[derive(Debug)]
pub struct ParamIter<'a>(IterRepr<'a>);

#[derive(Debug)]
enum IterRepr<'a> {
    Raw(&'a Text, Pairs<'a>),
    List(std::slice::Iter<'a, Param>),
}

impl Iterator for ParamIter<'_> {
    type Item = Param;

    fn next(&mut self) -> Option<Param> {
        match &mut self.0 {
            IterRepr::Raw(src, pairs) => {
                let (name, value) = pairs.next()?;
                Some(Param {
                    name: src.slice_or_static(name, &COMMON_PARAMS),
                    value: value.map(|v| src.slice_ref(v)),
                })
            }
            IterRepr::List(it) => it.next().cloned(),
        }
    }
}

impl PartialEq for Params {
    /// The same parameters (names and values exactly as written) in the same order.
    fn eq(&self, other: &Self) -> bool {
        self.pairs().eq(other.pairs())
    }
}
impl Eq for Params {}

impl std::hash::Hash for Params {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for pair in self.pairs() {
            pair.hash(state);
        }
    }
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.pairs()).finish()
    }
}

impl FromIterator<Param> for Params {
    fn from_iter<I: IntoIterator<Item = Param>>(iter: I) -> Self {
        let mut params = Params::new();
        for p in iter {
            params.push(p);
        }
        params
    }
}

impl<'a> IntoIterator for &'a Params {
    type Item = Param;
    type IntoIter = ParamIter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl fmt::Display for Params {
    /// Prints `;name=value` for each parameter.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in self.pairs() {
            f.write_str(";")?;
            write_param(f, name, value)?;
        }
        Ok(())
    }
}

/// Which characters may appear unquoted in a parameter value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamSyntax {
    /// Header parameters: `gen-value = token / host / quoted-string` (RFC 3261 §25.1).
    Header,
    /// URI parameters: `paramchar` (unreserved, escaped, `[]/:&+$`).
    Uri,
}

/// `paramchar` of RFC 3261 §25.1, plus `%` for escapes.
pub fn is_uri_param_char(b: u8) -> bool {
    in_class(b, class::URI_PARAM)
}

/// `unreserved = alphanum / mark` (RFC 3261 §25.1).
#[inline]
pub fn is_unreserved(b: u8) -> bool {
    in_class(b, class::UNRESERVED)
}

/// Parses `*( SEMI param )` at the start of `s` (a slice of `src`), stopping at the first
/// byte that cannot continue a parameter list. Returns the parameters and the bytes consumed.
#[inline]
pub fn parse_params(
    src: &Text,
    s: &str,
    syntax: ParamSyntax,
) -> Result<(Params, usize), SyntaxError> {
    // Most URIs and many header values carry no parameters: no call needed to find none.
    match s.as_bytes().first() {
        Some(b';') => {}
        Some(b' ' | b'\t') if syntax == ParamSyntax::Header => {}
        _ => return Ok((Params::new(), 0)),
    }
    parse_params_checked(src, s, syntax, |_, _| Ok(()))
}

/// [`parse_params`], calling `check(name, value)` on each parameter as it is found (an
/// error from it is the parse error).
pub(crate) fn parse_params_checked(
    src: &Text,
    s: &str,
    syntax: ParamSyntax,
    mut check: impl FnMut(&str, Option<&str>) -> Result<(), SyntaxError>,
) -> Result<(Params, usize), SyntaxError> {
    let b = s.as_bytes();
    let header = syntax == ParamSyntax::Header;
    let mut i = if header { skip_wsp(b, 0) } else { 0 };
    let mut end = 0;
    let mut count = 0u32;
    while i < b.len() && b[i] == b';' {
        let p = scan_param(s, i + 1, syntax)?;
        let value = p.value.map(|(a, z)| &s[a..z]);
        check(&s[p.name.0..p.name.1], value).map_err(|e| SyntaxError::new(e.kind, i + e.at))?;
        i = p.next;
        end = i;
        // A value is at most MAX_MESSAGE_SIZE long: the count cannot overflow.
        count = count.saturating_add(1);
        if header {
            i = skip_wsp(b, i);
        }
    }
    let params = if end == 0 {
        Params::new()
    } else {
        Params(Repr::Raw(src.slice_ref(&s[..end]), syntax, count))
    };
    Ok((params, i))
}

/// Parameter names nearly every message repeats: iterating gives them as static strings.
const COMMON_PARAMS: [&str; 7] = [
    "tag",
    "branch",
    "rport",
    "received",
    "transport",
    "lr",
    "expires",
];

/// Where one parameter's name and value (if any) are, and where the parameter ends.
struct ParamSpan {
    name: (usize, usize),
    value: Option<(usize, usize)>,
    next: usize,
}

/// Checks one `param` of `s` starting at `start` (just after its `;`).
fn scan_param(s: &str, start: usize, syntax: ParamSyntax) -> Result<ParamSpan, SyntaxError> {
    let b = s.as_bytes();
    let header = syntax == ParamSyntax::Header;
    let (name_class, value_class) = if header {
        (class::TOKEN, class::GEN_VALUE)
    } else {
        (class::URI_PNAME, class::URI_PARAM)
    };
    let name_start = if header { skip_wsp(b, start) } else { start };
    let i = scan_class(b, name_start, name_class);
    if i == name_start {
        return Err(SyntaxError::new(
            ErrorKind::EmptyElement,
            start.saturating_sub(1),
        ));
    }
    let name = (name_start, i);
    let mut j = if header { skip_wsp(b, i) } else { i };
    if j >= b.len() || b[j] != b'=' {
        return Ok(ParamSpan {
            name,
            value: None,
            next: i,
        });
    }
    j += 1;
    if header {
        j = skip_wsp(b, j);
    }
    let v_start = j;
    if header && b.get(j) == Some(&b'"') {
        let (_, len) = parse_quoted(&s[j..]).map_err(|e| SyntaxError::new(e.kind, j + e.at))?;
        j += len;
    } else {
        j = scan_class(b, j, value_class);
        if j == v_start {
            return Err(SyntaxError::new(ErrorKind::EmptyElement, v_start));
        }
    }
    Ok(ParamSpan {
        name,
        value: Some((v_start, j)),
        next: j,
    })
}

/// Decodes every `%HH` escape (RFC 3261 §19.1.2); a `%` not followed by two hex digits is
/// kept as is (RFC 4475 §3.1.1.5).
pub fn percent_decode(s: &str) -> Cow<'_, [u8]> {
    decode(s, false)
}

/// The form URIs are compared in (RFC 3261 §19.1.4): characters other than the reserved set
/// equal their escapes, so those are decoded; an escaped reserved character stays escaped, in
/// upper case, so `a%3Bb` never equals `a;b`.
pub fn comparison_form(s: &str) -> Cow<'_, [u8]> {
    decode(s, true)
}

fn decode(s: &str, keep_reserved: bool) -> Cow<'_, [u8]> {
    if !s.contains('%') {
        return Cow::Borrowed(s.as_bytes());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let escape = (b[i] == b'%' && i + 2 < b.len())
            .then(|| Some(hex(b[i + 1])? * 16 + hex(b[i + 2])?))
            .flatten();
        match escape {
            Some(c) if keep_reserved && b";/?:@&=+$,".contains(&c) => {
                out.extend_from_slice(&[
                    b'%',
                    b[i + 1].to_ascii_uppercase(),
                    b[i + 2].to_ascii_uppercase(),
                ]);
                i += 3;
            }
            Some(c) => {
                out.push(c);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Parses a decimal number with optional leading zeros into `u64`, rejecting overflow and
/// anything that is not a digit (RFC 4475 §3.1.2.4 overlarge values).
pub fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u64, |v, c| {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v.checked_mul(10)?.checked_add(u64::from(d))
    })
}

/// Parses a decimal number that must fit `u32`.
pub fn parse_u32(s: &str) -> Option<u32> {
    parse_u64(s).and_then(|v| u32::try_from(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lists_outside_quotes_and_angles() {
        let s = r#""a,b" <sip:x@y;p=1,2>;q=0.5 , <sip:z@w>,sip:q@r"#;
        let items: Vec<_> = split_list(s).unwrap().into_iter().map(|(_, e)| e).collect();
        assert_eq!(
            items,
            vec![r#""a,b" <sip:x@y;p=1,2>;q=0.5"#, "<sip:z@w>", "sip:q@r"]
        );
        assert_eq!(
            split_list("a,,b").unwrap_err().kind,
            ErrorKind::EmptyElement
        );
        assert_eq!(split_list("a, ").unwrap_err().kind, ErrorKind::EmptyElement);
        let quoted_escape = r#""x\",y", z"#;
        assert_eq!(split_list(quoted_escape).unwrap().len(), 2);
    }

    #[test]
    fn quoted_strings_unescape() {
        let (v, n) = parse_quoted(r#""a \"b\" \\c" rest"#).unwrap();
        assert_eq!(v, r#"a "b" \c"#);
        assert_eq!(n, 13);
        assert_eq!(
            parse_quoted("\"abc").unwrap_err().kind,
            ErrorKind::UnterminatedQuote
        );
        let mut out = String::new();
        write_quoted(&mut out, r#"a "b" \c"#).unwrap();
        assert_eq!(out, r#""a \"b\" \\c""#);
        let mut out = String::new();
        write_quoted(&mut out, "\x07\0\x7f\tx\r\n").unwrap();
        assert_eq!(out, "\"\\\x07\\\0\\\x7f\tx  \"");
        assert_eq!(parse_quoted(&out).unwrap().0, "\x07\0\x7f\tx  ");
    }

    #[test]
    fn params_header_and_uri() {
        let t = Text::from(" ; branch=z9hG4bK1 ;rport; received=[::1] ;x=\"q;,\"> tail");
        let (p, n) = parse_params(&t, &t, ParamSyntax::Header).unwrap();
        assert_eq!(p.value("BRANCH"), Some("z9hG4bK1"));
        assert!(p.contains("rport") && p.get("rport").unwrap().value.is_none());
        assert_eq!(p.value("received"), Some("[::1]"));
        assert_eq!(p.value("x"), Some("q;,"));
        assert_eq!(&t[n..], "> tail");
        assert_eq!(
            p.to_string(),
            ";branch=z9hG4bK1;rport;received=[::1];x=\"q;,\""
        );
        let t = Text::from(";a=1;;b");
        assert_eq!(
            parse_params(&t, &t, ParamSyntax::Header).unwrap_err().kind,
            ErrorKind::EmptyElement
        );
        let t = Text::from(";transport=tcp;lr;maddr=[2001:db8::1]?h=v");
        let (p, n) = parse_params(&t, &t, ParamSyntax::Uri).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(&t[n..], "?h=v");
    }

    #[test]
    fn numbers_and_escapes() {
        assert_eq!(parse_u32("000070"), Some(70));
        assert_eq!(parse_u32("4294967296"), None);
        assert_eq!(parse_u32("-1"), None);
        assert_eq!(parse_u64("36893488147419103232"), None);
        assert_eq!(&*percent_decode("%61lice%2"), b"alice%2");
    }
}
