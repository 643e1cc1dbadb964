//! Accounts as the engine knows them, and how each becomes the core's [`AccountConfig`]:
//! the registrar URI (from the AOR's domain unless given), the transport (a `transport`
//! parameter, or `sips:` for TLS, RFC 3263 §4.1), and the Contact (our address on that
//! transport, RFC 3261 §10.2.1).

use crate::sip::digest::DigestCredentials;
use crate::sip::registration::RegistrationConfig;
use crate::sip::text::Text;
use crate::sip::transaction::TransportKind;
use crate::sip::ua::{AccountConfig, AccountId};
use crate::sip::uri::{Host, Scheme, SipUri};
use std::net::SocketAddr;
use std::path::PathBuf;

/// One account, ready to use (its password already fetched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineAccount {
    /// The id events carry.
    pub id: AccountId,
    /// The user's name for it (`work`, `home`).
    pub name: String,
    /// Display name for From.
    pub display_name: Option<String>,
    /// The address-of-record, `sip:alice@example.com`.
    pub aor: SipUri,
    /// Digest credentials (user and password), if the server asks.
    pub credentials: Option<DigestCredentials>,
    /// The registrar; `None` uses the AOR's domain. When given, calls go through it too
    /// unless there is an outbound proxy.
    pub registrar: Option<SipUri>,
    /// A proxy every request goes through first (loose route).
    pub outbound_proxy: Option<SipUri>,
    /// The transport; `None` lets RFC 3263 choose (TLS for `sips:`).
    pub transport: Option<TransportKind>,
    /// A CA certificate file (PEM) to trust for TLS.
    pub ca_file: Option<PathBuf>,
    /// The registration expiry asked for, in seconds.
    pub expires: u32,
    /// Whether to register.
    pub register: bool,
}

impl EngineAccount {
    /// A registering account for `aor` with default settings and no credentials.
    pub fn new(id: AccountId, name: impl Into<String>, aor: SipUri) -> EngineAccount {
        EngineAccount {
            id,
            name: name.into(),
            display_name: None,
            aor,
            credentials: None,
            registrar: None,
            outbound_proxy: None,
            transport: None,
            ca_file: None,
            expires: 600,
            register: true,
        }
    }

    /// The transport this account's requests use when nothing else decides: the configured
    /// one, TLS for a `sips:` AOR, else UDP.
    pub fn preferred_transport(&self) -> TransportKind {
        match (self.transport, self.aor.scheme) {
            (Some(t), _) => t,
            (None, Scheme::Sips) => TransportKind::Tls,
            (None, Scheme::Sip) => TransportKind::Udp,
        }
    }

    /// The core's view of this account; `local` is our address per transport.
    pub fn core_config(
        &self,
        local: &[(TransportKind, SocketAddr)],
        user_agent: &str,
    ) -> AccountConfig {
        let transport = self.preferred_transport();
        let registrar = self.registrar.clone().unwrap_or_else(|| {
            let mut uri = SipUri::new(None, self.aor.host.clone(), self.aor.port);
            uri.scheme = self.aor.scheme;
            uri
        });
        let registrar = with_transport(registrar, self.transport);
        // A registrar given explicitly is the account's server: calls go through it too when
        // there is no outbound proxy (what users of Linphone's "SIP server" field expect).
        let outbound_proxy = self
            .outbound_proxy
            .clone()
            .map(|p| with_transport(p, self.transport))
            .or_else(|| self.registrar.as_ref().map(|_| registrar.clone()));
        AccountConfig {
            registration: RegistrationConfig {
                aor: self.aor.clone(),
                registrar,
                contact: self.contact(local, transport),
                expires: self.expires,
                credentials: self.credentials.clone(),
                outbound_proxy,
                user_agent: Some(user_agent.to_owned()),
            },
            registrar: None,
            register: self.register,
        }
    }

    /// Our Contact on `transport`: the AOR's user at our bound address, with a `transport`
    /// parameter for TCP and TLS (RFC 3261 §19.1.1; `sips:` for TLS would demand TLS end to
    /// end, which a phone behind a proxy cannot promise).
    fn contact(&self, local: &[(TransportKind, SocketAddr)], transport: TransportKind) -> SipUri {
        let addr = local
            .iter()
            .find(|(t, _)| *t == transport)
            .or(local.first())
            .map_or(SocketAddr::from(([127, 0, 0, 1], 5060)), |(_, a)| *a);
        let mut contact = SipUri::new(
            self.aor.user.as_deref(),
            Host::from(addr.ip()),
            Some(addr.port()),
        );
        match transport {
            TransportKind::Udp => {}
            TransportKind::Tcp => contact.params.set("transport", Some(Text::from("tcp"))),
            TransportKind::Tls => contact.params.set("transport", Some(Text::from("tls"))),
        }
        contact
    }
}

/// Adds a `transport` parameter when the account asks for one (`sips:` implies TLS already).
fn with_transport(mut uri: SipUri, transport: Option<TransportKind>) -> SipUri {
    let value = match transport {
        None => return uri,
        Some(TransportKind::Udp) => "udp",
        Some(TransportKind::Tcp) => "tcp",
        Some(TransportKind::Tls) if uri.scheme == Scheme::Sips => return uri,
        Some(TransportKind::Tls) => "tls",
    };
    uri.params.set("transport", Some(Text::from(value)));
    uri
}
