//! DTMF over SIP INFO, for peers that offer no RFC 4733 telephone-event: the de-facto
//! `application/dtmf-relay` body (`Signal=5` and `Duration=160` lines, as Cisco and most
//! PBXs use it) and `application/dtmf` (the digit alone). INFO itself is RFC 6086's legacy
//! usage: no Info-Package. Received digits become [`CallEvent::Dtmf`]; other bodies get 415
//! with the types we accept.

use super::{CallError, Phase};
use crate::sip::call::{CallEvent, CallId};
use crate::sip::header::HeaderName;
use crate::sip::message::Request;
use crate::sip::method::Method;
use crate::sip::transaction::TransactionId;
use crate::sip::ua::{Owner, UaEvent, UserAgent};
use bytes::Bytes;
use std::time::Instant;

/// The body types we read and write.
const ACCEPTED: &str = "application/dtmf-relay, application/dtmf";
/// How long a digit lasts, in ms (the `Duration` line).
const DURATION_MS: u32 = 160;

/// Whether a character is a DTMF digit.
fn is_digit(c: char) -> bool {
    matches!(c.to_ascii_uppercase(), '0'..='9' | '*' | '#' | 'A'..='D')
}

/// The digit an INFO body carries, if its type is one we read and it holds one.
pub(crate) fn digit_in(content_type: &str, body: &[u8]) -> Result<Option<char>, ()> {
    let text = String::from_utf8_lossy(body);
    let ct = content_type.to_ascii_lowercase();
    let value = if ct == "application/dtmf-relay" {
        text.lines()
            .filter_map(|l| l.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("signal"))
            .map(|(_, v)| v.trim().to_owned())
    } else if ct == "application/dtmf" {
        Some(text.trim().to_owned())
    } else {
        return Err(());
    };
    // Some phones send event codes (10 for *, 11 for #) in Signal.
    Ok(value.and_then(|v| match v.as_str() {
        "10" => Some('*'),
        "11" => Some('#'),
        v if v.chars().count() == 1 => v.chars().next().filter(|c| is_digit(*c)),
        _ => None,
    }))
}

impl UserAgent {
    /// Sends each digit in its own INFO (`application/dtmf-relay`) inside the call's
    /// dialog. The call must be established.
    pub fn send_dtmf_info(
        &mut self,
        now: Instant,
        id: CallId,
        digits: &str,
    ) -> Result<(), CallError> {
        let call = self.calls.get(&id).ok_or(CallError::UnknownCall(id))?;
        if call.phase != Phase::Established || digits.chars().any(|c| !is_digit(c)) {
            return Err(CallError::WrongState(id));
        }
        for digit in digits.chars() {
            let Some(call) = self.calls.get_mut(&id) else {
                break;
            };
            let Some(dialog) = &mut call.dialog else {
                return Err(CallError::WrongState(id));
            };
            let mut request = dialog.new_request(Method::Info, &call.contact);
            let body = format!(
                "Signal={}\r\nDuration={DURATION_MS}\r\n",
                digit.to_ascii_uppercase()
            );
            request.set_body(Some("application/dtmf-relay"), Bytes::from(body));
            let peer = call
                .dialog
                .as_ref()
                .map_or(call.peer, |d| call.dialog_peer(d));
            let _ = self.send_tracked(now, Owner::Call(id), request, peer);
        }
        Ok(())
    }

    /// An INFO inside the dialog of call `id` (already checked by the dialog): answers it and
    /// reports the digit.
    pub(in crate::sip::ua) fn on_info(
        &mut self,
        now: Instant,
        id: CallId,
        tx: TransactionId,
        request: &Request,
    ) {
        let content_type = request
            .headers
            .content_type()
            .ok()
            .flatten()
            .map(|m| format!("{}/{}", m.kind, m.subtype))
            .unwrap_or_default();
        let (status, digit) = match digit_in(&content_type, &request.body) {
            Ok(digit) => (200, digit),
            // An empty INFO (a keep-alive some phones send) is fine too.
            Err(()) if request.body.is_empty() => (200, None),
            Err(()) => (415, None),
        };
        let mut response = self.response(request, status);
        if status == 415 {
            response.headers.push(HeaderName::Accept, ACCEPTED);
        }
        let _ = self.transactions.send_response(now, tx, response);
        if let Some(digit) = digit {
            self.events.push_back(UaEvent::Call {
                call: id,
                event: CallEvent::Dtmf { digit },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::digit_in;

    #[test]
    fn bodies_give_their_digit() {
        assert_eq!(
            digit_in("application/dtmf-relay", b"Signal=5\r\nDuration=160\r\n"),
            Ok(Some('5'))
        );
        assert_eq!(
            digit_in("application/dtmf-relay", b"Signal= #\r\n"),
            Ok(Some('#'))
        );
        assert_eq!(
            digit_in("application/dtmf-relay", b"Signal=11\r\n"),
            Ok(Some('#'))
        );
        assert_eq!(digit_in("application/dtmf", b"7"), Ok(Some('7')));
        assert_eq!(
            digit_in("application/dtmf-relay", b"Duration=160"),
            Ok(None)
        );
        assert_eq!(digit_in("application/dtmf-relay", b"Signal=x"), Ok(None));
        assert_eq!(digit_in("text/plain", b"5"), Err(()));
    }
}
