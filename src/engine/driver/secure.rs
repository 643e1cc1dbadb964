//! Verified and encrypted calls in the engine loop (issue 7): which calls go over TLS to a
//! P2P key, whether an incoming call's TLS key is its From host (else 403), and the SRTP
//! master keys of calls whose signalling is TLS (SDES, RFC 4568).

use super::Engine;
use crate::log::redact;
use crate::media::srtp::{MASTER_LEN, Suite};
use crate::p2p::record::key_of_name;
use crate::sip::call::{CallEvent, CallId};
use crate::sip::message::Message;
use crate::sip::method::Method;
use crate::sip::offer_answer::MasterKey;
use crate::sip::sdp::{Attribute, SessionDescription};
use crate::sip::transaction::TransportKind;
use crate::sip::ua::UaEvent;
use crate::sip::uri::{Host, SipUri, Uri};
use pkarr::PublicKey;
use std::time::Instant;

/// The reason phrase of the 403 that refuses a caller whose TLS key is not its From host.
pub const IDENTITY_MISMATCH: &str = "Identity key does not match From";

/// Where a message came from, as the engine saw it.
#[derive(Debug, Clone)]
pub(super) struct Arrival {
    /// The transport it came over.
    pub transport: TransportKind,
    /// The identity key its TLS connection proved, if any.
    pub key: Option<PublicKey>,
    /// It is an INVITE offering SRTP we can use (RTP/SAVP with a crypto line we know).
    pub offers_srtp: bool,
}

impl Engine {
    /// A call to a P2P address goes over TLS, which proves the far end holds the key (and
    /// ours to it), when we have an identity and a TLS listener: the locator then asks only
    /// `_sips._tcp.<key>` (RFC 3263 §4.1), so a failed proof never falls back to plain UDP.
    /// A URI that names its transport keeps it.
    pub(super) fn p2p_transport(&self, uri: &Uri) -> Option<TransportKind> {
        let tls = self
            .net
            .local()
            .iter()
            .any(|(t, _)| *t == TransportKind::Tls);
        let named = uri.as_sip().is_some_and(|s| s.transport().is_some());
        (self.identity.is_some() && tls && !named && p2p_key(uri).is_some())
            .then_some(TransportKind::Tls)
    }

    /// Our SRTP master key for `call`, from the OS random source on first use.
    pub(super) fn srtp_key(&mut self, call: CallId) -> Result<MasterKey, String> {
        if let Some(key) = self.srtp_keys.get(&call) {
            return Ok(key.clone());
        }
        let mut bytes = [0u8; MASTER_LEN];
        getrandom::fill(&mut bytes).map_err(|e| format!("no SRTP key: {e}"))?;
        let key = MasterKey(bytes);
        self.srtp_keys.insert(call, key.clone());
        Ok(key)
    }

    /// Forgets the SRTP marking of a call that never started (when this dial made it).
    pub(super) fn unmark(&mut self, call: CallId, marked: bool) {
        if marked {
            self.secure.remove(&call);
            self.srtp_keys.remove(&call);
        }
    }

    /// Fills in an incoming call's `verified` and `encrypted` from the connection it came
    /// on. A caller whose TLS certificate holds another key than its From host claims is
    /// refused with `403 Identity key does not match From`; the returned message says so
    /// (the call is then not announced).
    pub(super) fn vet_incoming(&mut self, event: &mut UaEvent) -> Option<String> {
        let UaEvent::Call {
            call,
            event:
                CallEvent::Incoming {
                    from,
                    verified,
                    encrypted,
                    ..
                },
        } = event
        else {
            return None;
        };
        let arrival = self.arriving.clone()?;
        tracing::debug!("incoming call over {:?}", arrival.transport);
        // Over TLS we answer an SRTP offer with SRTP: the media will be encrypted.
        if arrival.transport == TransportKind::Tls {
            self.secure.insert(*call);
            *encrypted = arrival.offers_srtp;
        }
        let (key, claimed) = (arrival.key?, p2p_key(&from.uri)?);
        if key.to_z32() == claimed {
            *verified = Some(claimed);
            return None;
        }
        let mut message = format!(
            "refused a call whose TLS certificate holds key {} but whose From claims {}: \
             403 {IDENTITY_MISMATCH}",
            key.to_z32(),
            redact(&from.uri)
        );
        let refused =
            self.ua
                .reject_with_reason(Instant::now(), *call, 403, Some(IDENTITY_MISMATCH));
        if let Err(e) = refused {
            message.push_str(&format!(" (the 403 could not be sent: {e})"));
        }
        tracing::warn!("{message}");
        Some(message)
    }
}

/// Whether `message` is an INVITE whose offer asks for SRTP we can do: an RTP/SAVP audio
/// stream with an `a=crypto` line of a suite we know (RFC 4568).
pub(super) fn offers_srtp(message: &Message) -> bool {
    let Message::Request(r) = message else {
        return false;
    };
    if r.method != Method::Invite || r.body.is_empty() {
        return false;
    }
    let Ok(sdp) = SessionDescription::parse_bytes(&r.body) else {
        return false;
    };
    sdp.media.iter().any(|m| {
        m.port != 0
            && m.proto.eq_ignore_ascii_case("RTP/SAVP")
            && m.attributes
                .iter()
                .any(|a| matches!(a, Attribute::Crypto(c) if Suite::from_name(&c.suite).is_some()))
    })
}

/// `text` (a SIP message for the trace) with every SDES key (`inline:<key||salt>`, RFC 4568
/// §9.2) replaced: SRTP keys are secrets and never reach a log.
pub(super) fn hide_keys(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("inline:") {
        let start = at + "inline:".len();
        out.push_str(&rest[..start]);
        out.push_str("<hidden>");
        rest = &rest[start..];
        let end = rest
            .find(|c: char| c == '|' || c == ';' || c.is_whitespace())
            .unwrap_or(rest.len());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The P2P identity key (z-base32, lower case) a `sip:` URI's host spells, if it is one.
pub(super) fn p2p_key(uri: &Uri) -> Option<String> {
    match uri {
        Uri::Sip(SipUri {
            host: Host::Name(name),
            ..
        }) => key_of_name(name).map(|k| k.to_z32()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sdes_keys_never_reach_the_trace() {
        let sdp = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20\r\n\
                   a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0\r\n";
        let hidden = super::hide_keys(sdp);
        assert_eq!(
            hidden,
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<hidden>|2^20\r\n\
             a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:<hidden>\r\n"
        );
        assert_eq!(super::hide_keys("no keys"), "no keys");
    }
}
