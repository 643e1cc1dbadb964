//! Matching addresses: which contact a call is with, whatever the URI's form.

use super::Contact;

/// What identifies an address for matching a call to a contact: a phone number's digits
/// (with a leading `+`), else `user@host` in lower case; scheme, port and parameters dropped.
pub fn address_key(address: &str) -> String {
    let mut rest = address.trim();
    if let (Some(open), Some(close)) = (rest.find('<'), rest.rfind('>')) {
        if open < close {
            rest = &rest[open + 1..close];
        }
    }
    let lower = rest.to_ascii_lowercase();
    let mut rest = lower.as_str();
    for scheme in ["sips:", "sip:", "tel:", "callto:"] {
        if let Some(r) = rest.strip_prefix(scheme) {
            rest = r;
            break;
        }
    }
    let rest = rest.split([';', '?']).next().unwrap_or_default();
    let (user, host) = match rest.split_once('@') {
        Some((user, host)) => (user, Some(host)),
        None => (rest, None),
    };
    let number: String = user
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let is_number = !number.is_empty()
        && number
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == '+'));
    if is_number {
        return number;
    }
    match host {
        Some(host) => {
            // `[::1]:5060` keeps its brackets; `example.com:5060` loses the port.
            let host = match host.split_once(']') {
                Some((v6, _)) => &host[..=v6.len()],
                None => host.split(':').next().unwrap_or(host),
            };
            format!("{user}@{host}")
        }
        None => user.to_owned(),
    }
}

impl Contact {
    /// Whether the contact matches a search (case-insensitive, in the name or an address).
    pub fn matches(&self, query: &str) -> bool {
        let query = query.trim().to_lowercase();
        query.is_empty()
            || self.name.to_lowercase().contains(&query)
            || self.uris.iter().any(|u| u.to_lowercase().contains(&query))
    }

    /// Whether one of the contact's addresses is `address`.
    pub fn has_address(&self, address: &str) -> bool {
        let key = address_key(address);
        !key.is_empty() && self.uris.iter().any(|u| address_key(u) == key)
    }
}

/// The contact reached at `address`, if any.
pub fn contact_for<'a>(contacts: &'a [Contact], address: &str) -> Option<&'a Contact> {
    contacts.iter().find(|c| c.has_address(address))
}
