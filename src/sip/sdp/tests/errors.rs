//! Strict rules: each error kind with the line, line type and field it names.

use super::*;

const HEAD: &str = "v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n";

/// One strict rule: input, expected line, line type and kind.
type Case = (String, usize, Option<char>, SdpErrorKind);

fn with_head(rest: &str) -> String {
    format!("{HEAD}{rest}")
}

fn number(field: &'static str, value: &str, range: &'static str) -> SdpErrorKind {
    SdpErrorKind::InvalidNumber {
        field,
        value: value.into(),
        range,
    }
}

fn count(field: &'static str, expected: &'static str, found: usize) -> SdpErrorKind {
    SdpErrorKind::FieldCount {
        field,
        expected,
        found,
    }
}

/// v=, o=, c=, b=, t=, r= and line-shape errors.
fn session_cases() -> Vec<Case> {
    use SdpErrorKind as K;
    vec![
        (String::new(), 1, None, K::MissingVersion),
        (
            "o=- 1 2 IN IP4 h\r\n".into(),
            1,
            Some('o'),
            K::MissingVersion,
        ),
        (
            "v=1\r\n".into(),
            1,
            Some('v'),
            K::UnsupportedVersion { found: "1".into() },
        ),
        (
            "v=0\r\ngarbage\r\n".into(),
            2,
            None,
            K::MalformedLine {
                text: "garbage".into(),
            },
        ),
        (
            "v=0\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n".into(),
            4,
            None,
            K::MissingLine { expected: 'o' },
        ),
        (
            "v=0\r\no=- 1 2 IN IP4\r\n".into(),
            2,
            Some('o'),
            count("o=", "6", 5),
        ),
        (
            "v=0\r\no=- x 2 IN IP4 h\r\n".into(),
            2,
            Some('o'),
            number("sess-id", "x", "0..=18446744073709551615"),
        ),
        (
            "v=0\r\no=- 1 -2 IN IP4 h\r\n".into(),
            2,
            Some('o'),
            number("sess-version", "-2", "0..=18446744073709551615"),
        ),
        (
            with_head("o=- 1 2 IN IP4 h\r\n"),
            5,
            Some('o'),
            K::DuplicateLine,
        ),
        (with_head("v=0\r\n"), 5, Some('v'), K::DuplicateLine),
        (with_head("c=IN IP4\r\n"), 5, Some('c'), count("c=", "3", 2)),
        (
            with_head("c=IN IP4 224.2.1.1/ttl\r\n"),
            5,
            Some('c'),
            number("connection TTL", "ttl", "0..=255"),
        ),
        (
            with_head("b=AS\r\n"),
            5,
            Some('b'),
            K::InvalidValue {
                field: "bandwidth",
                value: "AS".into(),
                reason: "is not <bwtype>:<bandwidth>",
            },
        ),
        (with_head("t=0\r\n"), 5, Some('t'), count("t=", "2", 1)),
        (
            "v=0\r\no=- 1 2 IN IP4 h\r\nr=7d 1h 0\r\n".into(),
            3,
            Some('r'),
            K::MisplacedLine {
                reason: "r= must follow a t= line (RFC 8866 §5.10)",
            },
        ),
    ]
}

/// m= line and media-section errors.
fn media_cases() -> Vec<Case> {
    use SdpErrorKind as K;
    vec![
        (
            with_head("m=audio 99999 RTP/AVP 0\r\n"),
            5,
            Some('m'),
            number("port", "99999", "0..=65535"),
        ),
        (
            with_head("m=audio x RTP/AVP 0\r\n"),
            5,
            Some('m'),
            number("port", "x", "0..=65535"),
        ),
        (
            with_head("m=audio 4000/x RTP/AVP 0\r\n"),
            5,
            Some('m'),
            number("port count", "x", "0..=65535"),
        ),
        (
            with_head("m=audio 4000 RTP/AVP\r\n"),
            5,
            Some('m'),
            K::MissingField {
                field: "m= format list",
            },
        ),
        (
            with_head("m=audio 4000\r\n"),
            5,
            Some('m'),
            count("m=", "at least 4", 2),
        ),
        (
            with_head("m=audio 4000 RTP/AVP 0\r\nc=IN IP4 a\r\nc=IN IP4 b\r\n"),
            7,
            Some('c'),
            K::DuplicateLine,
        ),
    ]
}

/// Strict attributes: rtpmap (RFC 8866 §6.6) and candidate (RFC 8839 §5.1).
fn attribute_cases() -> Vec<Case> {
    use SdpErrorKind as K;
    vec![
        (
            with_head("m=audio 4000 RTP/AVP 0\r\na=rtpmap:128 foo/8000\r\n"),
            6,
            Some('a'),
            number("rtpmap payload type", "128", "0..=127"),
        ),
        (
            with_head("a=rtpmap:96 opus\r\n"),
            5,
            Some('a'),
            K::MissingField {
                field: "rtpmap clock rate",
            },
        ),
        (
            with_head("a=rtpmap:96\r\n"),
            5,
            Some('a'),
            K::MissingField {
                field: "rtpmap encoding name",
            },
        ),
        (
            with_head("a=rtpmap:96 opus/fast\r\n"),
            5,
            Some('a'),
            number("rtpmap clock rate", "fast", "0..=4294967295"),
        ),
        (
            with_head("a=candidate:1 1 UDP 1 h 5 typ\r\n"),
            5,
            Some('a'),
            count("candidate", "8 plus name/value pairs", 7),
        ),
        (
            with_head("a=candidate:1 x UDP 1 h 5 typ host\r\n"),
            5,
            Some('a'),
            number("candidate component", "x", "0..=65535"),
        ),
        (
            with_head("a=candidate:1 1 UDP 1 h 70000 typ host\r\n"),
            5,
            Some('a'),
            number("candidate port", "70000", "0..=65535"),
        ),
        (
            with_head("a=candidate:1 1 UDP high h 5 typ host\r\n"),
            5,
            Some('a'),
            number("candidate priority", "high", "0..=4294967295"),
        ),
        (
            with_head("a=candidate:1 1 UDP 1 h 5 type host\r\n"),
            5,
            Some('a'),
            K::InvalidValue {
                field: "candidate",
                value: "type".into(),
                reason: "must be the keyword \"typ\" before the candidate type",
            },
        ),
    ]
}

#[test]
fn strict_errors_name_line_and_field() {
    let cases = session_cases()
        .into_iter()
        .chain(media_cases())
        .chain(attribute_cases());
    for (input, line, line_type, kind) in cases {
        let err = SessionDescription::parse(&input).expect_err(&input);
        assert_eq!(
            err,
            SdpError {
                line,
                line_type,
                kind
            },
            "{input:?}"
        );
    }
}

#[test]
fn error_messages_are_readable() {
    let err = SessionDescription::parse(&format!("{HEAD}m=audio 99999 RTP/AVP 0\r\n")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 5 (m=): port \"99999\" is not a number in 0..=65535"
    );
    let err = SessionDescription::parse("v=0\n\nbroken\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 3: \"broken\" is not of the form <type>=<value>"
    );
}
