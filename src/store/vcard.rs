//! vCard 4.0 (RFC 6350) for contacts: a parser and a printer, pure (text in, text out).
//!
//! What is read: `FN` (the name), `N` (used when there is no `FN`), `TEL` (as a `tel:` URI
//! or free text), `IMPP` with `sip:`/`sips:` URIs, and `X-TINCAN-FAVOURITE`; everything else
//! is skipped. Lines may be folded (RFC 6350 §3.2), property names are case-insensitive and
//! may carry a group (`item1.TEL`), text values are unescaped (§3.4). vCard 3.0 files read the
//! same way. What is written is vCard 4.0 with CRLF line ends, lines folded at 75 octets.

use super::Contact;

/// What a file held: the contacts, and the cards that were skipped (with why).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// One contact per usable card, in file order.
    pub contacts: Vec<Contact>,
    /// Problems, in English, with their line numbers.
    pub problems: Vec<String>,
}

/// Reads every card of `text` (RFC 6350 §3.3: `BEGIN:VCARD` ... `END:VCARD`).
pub fn parse(text: &str) -> Parsed {
    // Some exporters start the file with a byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parsed = Parsed::default();
    let mut card: Option<(usize, Card)> = None;
    for (number, line) in unfold(text) {
        if line.trim().is_empty() {
            continue;
        }
        let Some((name, params, value)) = split_line(&line) else {
            parsed
                .problems
                .push(format!("line {number}: no ':' in {:?}", short(&line)));
            continue;
        };
        match (name.as_str(), &mut card) {
            ("BEGIN", None) if value.eq_ignore_ascii_case("VCARD") => {
                card = Some((number, Card::default()));
            }
            ("BEGIN", Some((start, _))) => {
                parsed.problems.push(format!(
                    "line {start}: card without END:VCARD (another begins at line {number})"
                ));
                card = Some((number, Card::default()));
            }
            ("END", Some(_)) if value.eq_ignore_ascii_case("VCARD") => {
                if let Some((start, done)) = card.take() {
                    match done.into_contact() {
                        Some(contact) => parsed.contacts.push(contact),
                        None => parsed
                            .problems
                            .push(format!("line {start}: card without a name (FN or N)")),
                    }
                }
            }
            (_, None) => parsed
                .problems
                .push(format!("line {number}: {name} outside a card")),
            (_, Some((_, current))) => current.take(&name, &params, &value),
        }
    }
    if let Some((start, _)) = card {
        parsed
            .problems
            .push(format!("line {start}: card without END:VCARD"));
    }
    parsed
}

/// Writes `contacts` as vCard 4.0.
pub fn print(contacts: &[Contact]) -> String {
    let mut out = String::new();
    for contact in contacts {
        push_line(&mut out, "BEGIN:VCARD");
        push_line(&mut out, "VERSION:4.0");
        push_line(&mut out, &format!("FN:{}", escape(&contact.name)));
        let (given, family) = match contact.name.trim().rsplit_once(' ') {
            Some((given, family)) => (given.trim(), family),
            None => ("", contact.name.trim()),
        };
        push_line(
            &mut out,
            &format!("N:{};{};;;", escape(family), escape(given)),
        );
        for uri in &contact.uris {
            let lower = uri.to_ascii_lowercase();
            if lower.starts_with("sip:") || lower.starts_with("sips:") {
                push_line(&mut out, &format!("IMPP:{uri}"));
            } else if lower.starts_with("tel:") {
                push_line(&mut out, &format!("TEL;VALUE=uri:{uri}"));
            } else {
                push_line(&mut out, &format!("TEL;VALUE=text:{}", escape(uri)));
            }
        }
        if contact.favourite {
            push_line(&mut out, "X-TINCAN-FAVOURITE:1");
        }
        push_line(&mut out, "END:VCARD");
    }
    out
}

/// One card being read.
#[derive(Debug, Default)]
struct Card {
    full_name: Option<String>,
    name: Option<String>,
    uris: Vec<String>,
    favourite: bool,
}

impl Card {
    fn take(&mut self, name: &str, params: &str, value: &str) {
        match name {
            "FN" if self.full_name.is_none() => self.full_name = Some(unescape(value)),
            "N" => {
                // family;given;additional;prefixes;suffixes (§6.2.2)
                let parts: Vec<String> = split_unescaped(value, ';')
                    .iter()
                    .map(|p| unescape(p).replace(',', " "))
                    .collect();
                let order = [3, 1, 2, 0, 4];
                let words: Vec<&str> = order
                    .iter()
                    .filter_map(|&i| parts.get(i))
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .collect();
                if !words.is_empty() {
                    self.name = Some(words.join(" "));
                }
            }
            "TEL" => {
                let value = if params.to_ascii_uppercase().contains("VALUE=URI")
                    || value.to_ascii_lowercase().starts_with("tel:")
                {
                    value.trim().to_owned()
                } else {
                    unescape(value).trim().to_owned()
                };
                if !value.is_empty() {
                    self.uris.push(value);
                }
            }
            "IMPP" => {
                let value = value.trim();
                let lower = value.to_ascii_lowercase();
                if lower.starts_with("sip:") || lower.starts_with("sips:") {
                    self.uris.push(value.to_owned());
                }
            }
            "X-TINCAN-FAVOURITE" => self.favourite = value.trim() == "1",
            _ => {}
        }
    }

    fn into_contact(self) -> Option<Contact> {
        let name = self
            .full_name
            .filter(|n| !n.trim().is_empty())
            .or(self.name)?;
        Some(Contact {
            id: None,
            name: name.trim().to_owned(),
            uris: self.uris,
            favourite: self.favourite,
        })
    }
}

/// Joins folded lines (a line break followed by a space or tab continues the line, §3.2);
/// yields each logical line with the number of its first physical line.
fn unfold(text: &str) -> Vec<(usize, String)> {
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match raw.strip_prefix([' ', '\t']) {
            Some(rest) if !lines.is_empty() => {
                if let Some((_, last)) = lines.last_mut() {
                    last.push_str(rest);
                }
            }
            _ => lines.push((i + 1, raw.to_owned())),
        }
    }
    lines
}

/// `[group.]NAME[;params]:value` → (upper-case name without group, params, value).
fn split_line(line: &str) -> Option<(String, String, String)> {
    let colon = colon_outside_quotes(line)?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let (name, params) = head.split_once(';').unwrap_or((head, ""));
    let name = name.rsplit('.').next().unwrap_or(name);
    Some((
        name.trim().to_ascii_uppercase(),
        params.to_owned(),
        value.to_owned(),
    ))
}

/// The first `:` not inside a quoted parameter value (`TYPE="a:b"`).
fn colon_outside_quotes(line: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// Splits at `sep` where it is not escaped by a backslash.
fn split_unescaped(value: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let last = parts.last_mut().expect("never empty");
            last.push(c);
            if let Some(next) = chars.next() {
                last.push(next);
            }
        } else if c == sep {
            parts.push(String::new());
        } else {
            parts.last_mut().expect("never empty").push(c);
        }
    }
    parts
}

/// Text value escapes (§3.4): `\\`, `\,`, `\;`, `\n`/`\N`.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded at 75 octets (never inside a UTF-8 character), with CRLF.
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    let mut first = true;
    for c in line.chars() {
        let limit = if first { 75 } else { 74 };
        if width + c.len_utf8() > limit {
            out.push_str("\r\n ");
            width = 0;
            first = false;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn short(line: &str) -> String {
    line.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(name: &str, uris: &[&str], favourite: bool) -> Contact {
        Contact {
            id: None,
            name: name.into(),
            uris: uris.iter().map(|u| (*u).to_owned()).collect(),
            favourite,
        }
    }

    #[test]
    fn reads_fn_tel_impp_with_groups_case_and_parameters() {
        let text = "BEGIN:VCARD\r\nVERSION:4.0\r\nfn:Alice Liddell\r\n\
            N:Liddell;Alice;;;\r\nitem1.TEL;VALUE=uri;TYPE=\"voice,cell\":tel:+1-555-555-0100\r\n\
            IMPP;PREF=1:sip:alice@example.com\r\nIMPP:xmpp:alice@example.com\r\n\
            EMAIL:alice@example.com\r\nEND:VCARD\r\n";
        let parsed = parse(text);
        assert_eq!(parsed.problems, Vec::<String>::new());
        assert_eq!(
            parsed.contacts,
            [contact(
                "Alice Liddell",
                &["tel:+1-555-555-0100", "sip:alice@example.com"],
                false
            )]
        );
    }

    #[test]
    fn folded_lines_are_joined_and_escapes_undone() {
        // RFC 6350 §3.2: a CRLF followed by one space or tab is removed.
        let text = "BEGIN:VCARD\nVERSION:4.0\nFN:Bob\\, the \\;\n  Builder\\\\\nTEL:+49 30\n\t123\nEND:VCARD\n";
        let parsed = parse(text);
        assert_eq!(
            parsed.contacts,
            [contact("Bob, the ; Builder\\", &["+49 30123"], false)]
        );
    }

    #[test]
    fn a_byte_order_mark_and_lower_case_begin_are_accepted() {
        let text = "\u{feff}begin:vcard\r\nFN:Eve\r\nend:VCARD\r\n";
        assert_eq!(parse(text).contacts, [contact("Eve", &[], false)]);
    }

    #[test]
    fn n_names_a_card_without_fn_and_version_3_reads_too() {
        let text =
            "BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jane;Q;Dr.;\nTEL;TYPE=work:+15550101\nEND:VCARD\n";
        assert_eq!(
            parse(text).contacts,
            [contact("Dr. Jane Q Doe", &["+15550101"], false)]
        );
    }

    #[test]
    fn broken_cards_are_reported_and_the_good_ones_kept() {
        let text = "FN:stray\nBEGIN:VCARD\nTEL:+1\nEND:VCARD\nBEGIN:VCARD\nFN:Ok\nnonsense\n\
            END:VCARD\nBEGIN:VCARD\nFN:Unended\n";
        let parsed = parse(text);
        assert_eq!(parsed.contacts, [contact("Ok", &[], false)]);
        assert_eq!(
            parsed.problems,
            [
                "line 1: FN outside a card",
                "line 2: card without a name (FN or N)",
                "line 7: no ':' in \"nonsense\"",
                "line 9: card without END:VCARD",
            ]
        );
    }

    #[test]
    fn printing_folds_long_lines_at_75_octets_and_escapes() {
        let name = "Ä".repeat(50); // 100 octets
        let out = print(&[contact(&name, &["sip:a@b"], false)]);
        for line in out.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        assert!(out.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:"));
        let escaped = print(&[contact("a,b;c\nd", &[], false)]);
        assert!(escaped.contains("FN:a\\,b\\;c\\nd\r\n"), "{escaped}");
    }

    #[test]
    fn print_then_parse_round_trips() {
        let contacts = [
            contact(
                "Zoë Ünicode-Long Name With Many Words, Esq.; and a semicolon",
                &[
                    "sip:zoe@example.com",
                    "sips:zoe@secure.example.com;transport=tls",
                    "tel:+4930123",
                    "+44 20 7946 0958",
                ],
                true,
            ),
            contact("Plain", &["sip:plain@127.0.0.1:5062"], false),
        ];
        let text = print(&contacts);
        let parsed = parse(&text);
        assert_eq!(parsed.problems, Vec::<String>::new());
        assert_eq!(parsed.contacts, contacts);
    }
}
