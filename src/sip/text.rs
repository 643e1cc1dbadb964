//! `Text`: a cheap, shareable, immutable UTF-8 string.
//!
//! A parsed message keeps one buffer; every header value, URI part and parameter is a `Text`
//! that points into it (a reference-count bump, no copy). Values built by hand own their bytes.
//! This is what makes typed access cheap without tying every type to a lifetime.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// An immutable UTF-8 string; a slice of a shared buffer, so slicing a parsed message does
/// not copy.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared { buf: Arc<str>, start: u32, end: u32 },
}

impl Default for Text {
    fn default() -> Self {
        Text::new()
    }
}

impl Text {
    /// An empty text.
    pub const fn new() -> Self {
        Text(Repr::Static(""))
    }

    /// A text that borrows a static string (no allocation).
    pub const fn from_static(s: &'static str) -> Self {
        Text(Repr::Static(s))
    }

    /// A text owning the whole of `buf`; sub-slices of it share the allocation.
    pub fn from_shared(buf: Arc<str>) -> Self {
        let end = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        Text(Repr::Shared { buf, start: 0, end })
    }

    /// The string slice.
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(s) => s,
            Repr::Shared { buf, start, end } => &buf[*start as usize..*end as usize],
        }
    }

    /// `self[start..end]`, with one check of the range (not one for the text's own range
    /// and another for the sub-range).
    #[inline]
    pub(crate) fn get_range(&self, start: usize, end: usize) -> Option<&str> {
        match &self.0 {
            Repr::Static(s) => s.get(start..end),
            Repr::Shared {
                buf,
                start: s0,
                end: e0,
            } => {
                let (s0, e0) = (*s0 as usize, *e0 as usize);
                if end > e0 - s0 {
                    return None;
                }
                buf.get(s0 + start..s0 + end)
            }
        }
    }

    /// A `Text` for `sub`, which should be a slice of `self` (then it shares the buffer).
    /// Falls back to a copy when `sub` is not inside `self` (never wrong, only slower).
    #[inline]
    pub fn slice_ref(&self, sub: &str) -> Text {
        let p = sub.as_ptr() as usize;
        match &self.0 {
            Repr::Shared { buf, start, end } => {
                // Offsets into the whole buffer: no re-slicing (and its bounds checks) needed.
                let base = buf.as_ptr() as usize;
                let (start, end) = (*start as usize, *end as usize);
                if p >= base + start && p + sub.len() <= base + end && !sub.is_empty() {
                    let s = p - base;
                    return Text(Repr::Shared {
                        buf: Arc::clone(buf),
                        start: s as u32,
                        end: (s + sub.len()) as u32,
                    });
                }
            }
            Repr::Static(s) => {
                let base = s.as_ptr() as usize;
                if p >= base && p + sub.len() <= base + s.len() {
                    let off = p - base;
                    return Text(Repr::Static(&s[off..off + sub.len()]));
                }
            }
        }
        Text::copy_of(sub)
    }

    /// The fallback of [`Text::slice_ref`], kept out of line so the shared-slice path stays
    /// small enough to inline into the parsers.
    #[cold]
    #[inline(never)]
    fn copy_of(sub: &str) -> Text {
        if sub.is_empty() {
            Text::new()
        } else {
            Text::from(sub)
        }
    }
}

impl Text {
    /// Like [`Text::slice_ref`], but when `sub` is one of `common` (compared exactly) the
    /// result borrows that static string instead: no reference count to bump and drop for
    /// the words nearly every message repeats (`SIP`, `2.0`, `UDP`, `branch`, `tag`...).
    #[inline]
    pub fn slice_or_static(&self, sub: &str, common: &[&'static str]) -> Text {
        // Lengths first: most candidates differ in length, and no bytes are compared then.
        match common
            .iter()
            .find(|c| c.len() == sub.len() && c.as_bytes() == sub.as_bytes())
        {
            Some(c) => Text::from_static(c),
            None => self.slice_ref(sub),
        }
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        if s.is_empty() {
            return Text::new();
        }
        Text::from_shared(Arc::from(s))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        if s.is_empty() {
            return Text::new();
        }
        Text::from_shared(Arc::from(s))
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Self {
        Text::from(s.as_str())
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_ref_shares_and_falls_back() {
        let t = Text::from("Via: SIP/2.0/UDP host");
        let sub = t.slice_ref(&t[5..12]);
        assert_eq!(sub, "SIP/2.0");
        assert_eq!(sub.as_ptr(), t[5..].as_ptr());
        let subsub = sub.slice_ref(&sub[4..]);
        assert_eq!(subsub, "2.0");
        let other = t.slice_ref("elsewhere");
        assert_eq!(other, "elsewhere");
        assert_eq!(t.slice_ref(""), "");
        let st = Text::from_static("abc");
        assert_eq!(st.slice_ref(&st[1..]), "bc");
        assert_eq!(sub.get_range(4, 7), Some("2.0"));
        assert_eq!(sub.get_range(4, 8), None);
        assert_eq!(st.get_range(1, 3), Some("bc"));
        let multibyte = Text::from("h\u{e9}");
        assert_eq!(multibyte.get_range(1, 2), None);
    }
}
