//! Typed SDP parse errors: which line, which line type, which field, what was wrong.

use thiserror::Error;

/// A parse failure at a given line of the description.
///
/// Displays as e.g. `line 5 (m=): port "99999" is not a number in 0..=65535`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}{}: {kind}", type_label(.line_type))]
pub struct SdpError {
    /// 1-based line number in the input, counting blank lines.
    pub line: usize,
    /// The type letter of the offending line (`'m'` for `m=`), when it has one.
    pub line_type: Option<char>,
    /// What was wrong.
    pub kind: SdpErrorKind,
}

impl SdpError {
    /// Builds an error for `line` of type `line_type`.
    pub fn new(line: usize, line_type: Option<char>, kind: SdpErrorKind) -> Self {
        Self {
            line,
            line_type,
            kind,
        }
    }
}

fn type_label(line_type: &Option<char>) -> String {
    line_type.map(|c| format!(" ({c}=)")).unwrap_or_default()
}

/// What made a description unparseable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SdpErrorKind {
    /// The input bytes are not UTF-8 (RFC 8866 §5: text is UTF-8 unless `a=charset` says otherwise).
    #[error("input is not valid UTF-8 after byte {valid_up_to}")]
    NotUtf8 {
        /// Length of the valid UTF-8 prefix.
        valid_up_to: usize,
    },
    /// The first line is not `v=` (RFC 8866 §5.1), or the input is empty.
    #[error("a session description must start with a v= line")]
    MissingVersion,
    /// `v=` carries something other than 0.
    #[error("protocol version {found:?} is not 0")]
    UnsupportedVersion {
        /// The value found after `v=`.
        found: String,
    },
    /// A line that is not `<type>=<value>`.
    #[error("{text:?} is not of the form <type>=<value>")]
    MalformedLine {
        /// The offending line, trimmed.
        text: String,
    },
    /// A line that may appear only once in its section appeared again.
    #[error("this line may appear only once in its section")]
    DuplicateLine,
    /// A mandatory line is absent.
    #[error("the mandatory {expected}= line is missing")]
    MissingLine {
        /// The type letter of the missing line.
        expected: char,
    },
    /// A line appears where its section does not allow it.
    #[error("misplaced line: {reason}")]
    MisplacedLine {
        /// Why it cannot be here.
        reason: &'static str,
    },
    /// A line or attribute has the wrong number of space-separated fields.
    #[error("{field} has {found} fields, expected {expected}")]
    FieldCount {
        /// Which line or attribute.
        field: &'static str,
        /// How many fields are allowed.
        expected: &'static str,
        /// How many were found.
        found: usize,
    },
    /// A numeric field is not a decimal number in range.
    #[error("{field} {value:?} is not a number in {range}")]
    InvalidNumber {
        /// Which field.
        field: &'static str,
        /// The text found.
        value: String,
        /// The accepted range.
        range: &'static str,
    },
    /// A required field is absent.
    #[error("{field} is missing")]
    MissingField {
        /// Which field.
        field: &'static str,
    },
    /// A field has a value of the wrong shape.
    #[error("{field} {value:?} {reason}")]
    InvalidValue {
        /// Which field.
        field: &'static str,
        /// The text found.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}
