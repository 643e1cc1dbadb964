//! From the settings file to an [`EngineConfig`]: listen addresses, and accounts with their
//! passwords. Each problem is a warning that names the account and what was wrong; a broken
//! account is left out, never the whole configuration.
//!
//! Passwords come from a source given here (the keyring, a `password_file` with owner-only
//! permissions, or a line on stdin read by the CLI); never from the command line or the
//! settings file.

use super::EngineConfig;
use super::accounts::EngineAccount;
use super::net::Listen;
use crate::config::{self, AccountSettings, Config, Secret, Transport};
use crate::engine::P2pConfig;
use crate::p2p::identity::{self, Identity, KeyStore};
use crate::secrets;
use crate::sip::digest::DigestCredentials;
use crate::sip::transaction::TransportKind;
use crate::sip::ua::AccountId;
use crate::sip::uri::SipUri;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Reads the settings file at `path` (`None`: the system has no configuration directory) and
/// returns them with one warning per problem, including where a corrupt file was kept aside.
/// Never fails: whatever cannot be read takes its default.
pub fn load_settings(path: Option<&Path>) -> (Config, Vec<String>) {
    let Some(path) = path else {
        let warning = "no configuration directory on this system: using defaults".to_owned();
        return (Config::default(), vec![warning]);
    };
    let loaded = config::load(path);
    let mut warnings = loaded.warnings;
    if let Some(aside) = &loaded.kept_aside {
        warnings.push(format!(
            "{} could not be read and was kept aside as {}; using defaults",
            path.display(),
            aside.display()
        ));
    }
    (loaded.config, warnings)
}

/// Looks up, in the OS keyring, the password of every enabled account that has none in
/// `passwords` and no password file. Blocking (a D-Bus round trip on Linux): call it before
/// the engine runs or on a blocking thread. A keyring that cannot be reached is one warning,
/// not one per account.
pub fn keyring_passwords(
    settings: &Config,
    passwords: &mut HashMap<String, Secret>,
    warnings: &mut Vec<String>,
) {
    let wanted: Vec<_> = settings
        .accounts
        .iter()
        .filter(|a| a.enabled && a.password_file.is_none() && !passwords.contains_key(&a.name))
        .collect();
    for account in wanted {
        match secrets::get(&account.name) {
            Ok(Some(secret)) => {
                passwords.insert(account.name.clone(), secret);
            }
            Ok(None) => {}
            Err(e) => {
                warnings.push(format!(
                    "{e}; accounts without a password_file have no password \
                     (use a password_file or --password-stdin NAME)"
                ));
                return;
            }
        }
    }
}

/// The engine's configuration from the settings: `[general] listen`, auto-answer and the RTP
/// ports, the sound devices of `[audio]`, and the enabled accounts with the `passwords` found (by account name; accounts
/// with a password file read it here). What the command line or the window set on top
/// (listen addresses, audio files, DNS server) is theirs to change afterwards.
pub fn engine_config(
    settings: &Config,
    passwords: &HashMap<String, Secret>,
    warnings: &mut Vec<String>,
) -> EngineConfig {
    let mut engine = EngineConfig::new(listen_from(settings, warnings));
    engine.accounts = accounts_from(settings, passwords, warnings);
    engine.auto_answer = settings.general.auto_answer;
    engine.do_not_disturb = settings.general.do_not_disturb;
    engine.rtp_ports = (settings.general.rtp_port_min, settings.general.rtp_port_max);
    engine.sound = Some(settings.audio.sound());
    engine.codecs = codecs(&settings.audio.codecs);
    engine
}

/// The codecs `names` (settings names, checked when read) mean, in their order.
pub fn codecs(names: &[String]) -> Vec<crate::sip::offer_answer::Codec> {
    names
        .iter()
        .filter_map(|n| crate::sip::offer_answer::Codec::by_name(n))
        .collect()
}

/// Parses `udp:IP:PORT`, `tcp:IP:PORT` (or `IP:PORT`, meaning UDP); IPv6 as `udp:[::1]:5062`.
pub fn parse_listen(value: &str) -> Result<Listen, String> {
    let (transport, addr) = match value.split_once(':') {
        Some(("udp", rest)) => (TransportKind::Udp, rest),
        Some(("tcp", rest)) => (TransportKind::Tcp, rest),
        Some(("tls", _)) => {
            return Err(format!(
                "{value}: Tincan opens TLS connections but serves none (it has no certificate)"
            ));
        }
        _ => (TransportKind::Udp, value),
    };
    let addr = addr
        .parse()
        .map_err(|_| format!("{value:?} is not udp:IP:PORT or tcp:IP:PORT"))?;
    Ok(Listen { transport, addr })
}

/// The listen addresses of `[general] listen`; entries that do not parse (TLS, say) are
/// skipped with a warning.
pub fn listen_from(config: &Config, warnings: &mut Vec<String>) -> Vec<Listen> {
    let mut listen = Vec::new();
    for entry in &config.general.listen {
        match parse_listen(entry) {
            Ok(l) => listen.push(l),
            Err(e) => warnings.push(format!("general.listen: {e}; skipped")),
        }
    }
    listen
}

/// The enabled accounts of `config`, numbered from 1 in file order. `passwords` holds the
/// passwords found elsewhere (keyring, stdin), by account name; an account with a
/// `password_file` reads it here (at start-up, before the engine runs).
pub fn accounts_from(
    config: &Config,
    passwords: &HashMap<String, Secret>,
    warnings: &mut Vec<String>,
) -> Vec<EngineAccount> {
    let mut accounts = Vec::new();
    for (i, settings) in config.accounts.iter().enumerate() {
        if !settings.enabled {
            continue;
        }
        let id = AccountId(u32::try_from(i + 1).unwrap_or(u32::MAX));
        match account(id, settings, passwords.get(&settings.name)) {
            Ok((account, warning)) => {
                warnings.extend(warning);
                accounts.push(account);
            }
            Err(e) => warnings.push(format!("account {:?} left out: {e}", settings.name)),
        }
    }
    accounts
}

/// One account; the warning says when it has no password.
fn account(
    id: AccountId,
    s: &AccountSettings,
    password: Option<&Secret>,
) -> Result<(EngineAccount, Option<String>), String> {
    let uri = |field: &str, value: &str| {
        SipUri::parse(value).map_err(|e| format!("{field} {value:?} is not a SIP URI: {e}"))
    };
    let aor = uri("aor", &s.aor)?;
    let mut account = EngineAccount::new(id, s.name.clone(), aor);
    account.display_name.clone_from(&s.display_name);
    account.registrar = s
        .registrar
        .as_deref()
        .map(|r| uri("registrar", r))
        .transpose()?;
    account.outbound_proxy = s
        .outbound_proxy
        .as_deref()
        .map(|p| uri("outbound_proxy", p))
        .transpose()?;
    account.transport = match s.transport {
        Transport::Auto => None,
        Transport::Udp => Some(TransportKind::Udp),
        Transport::Tcp => Some(TransportKind::Tcp),
        Transport::Tls => Some(TransportKind::Tls),
    };
    account.ca_file.clone_from(&s.ca_file);
    account.expires = s.expires;
    account.register = s.register;
    let password = match (password, &s.password_file) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(file)) => Some(config::read_password_file(file).map_err(|e| e.to_string())?),
        (None, None) => None,
    };
    let user = s
        .auth_user
        .clone()
        .or_else(|| account.aor.user.as_ref().map(ToString::to_string))
        .unwrap_or_default();
    let warning = match password {
        Some(p) => {
            account.credentials = Some(DigestCredentials::new(user, p.expose()));
            None
        }
        None => Some(format!(
            "account {:?} has no password (give it a password_file, or --password-stdin); \
             it registers only if the server asks for none",
            s.name
        )),
    };
    Ok((account, warning))
}

/// The P2P options: those of `tincan serve` and `tincan call`, or none (the window): then
/// the settings alone decide.
#[derive(Debug, Default)]
pub struct P2pOptions {
    /// `--no-dht`.
    pub no_dht: bool,
    /// `--no-mdns`.
    pub no_mdns: bool,
    /// `--mdns-port` (tests, or a LAN that agreed on another port).
    pub mdns_port: Option<u16>,
    /// `--stun HOST:PORT`.
    pub stun: Option<String>,
    /// `--dht-bootstrap`.
    pub bootstrap: Option<Vec<String>>,
    /// `--identity-file`.
    pub identity_file: Option<PathBuf>,
    /// `--p2p-address`, repeatable.
    pub addresses: Vec<IpAddr>,
}

impl P2pOptions {
    /// The engine's P2P settings: DHT, mDNS (unless switched off here or in the settings),
    /// STUN, and the identity (made on first use) from the key file or the keyring. Without
    /// an identity, P2P addresses can still be called, but we are not published. `None`
    /// when the DHT and mDNS are both off and there is no STUN server.
    pub fn engine_config(self, settings: &Config, warnings: &mut Vec<String>) -> Option<P2pConfig> {
        let dht = !self.no_dht && settings.general.dht;
        let mdns = (!self.no_mdns && settings.general.mdns)
            .then(|| self.mdns_port.unwrap_or(crate::p2p::mdns::MDNS_PORT));
        let stun = self.stun.or_else(|| settings.general.stun.clone());
        if !dht && mdns.is_none() && stun.is_none() {
            return None;
        }
        let store = self.identity_file.map_or(KeyStore::Keyring, KeyStore::File);
        let identity = match identity::load_or_create(&store) {
            Ok((keypair, created)) => {
                if created {
                    tracing::info!("made a new P2P identity, kept in {store}");
                }
                Some(Identity::new(keypair, settings.general.handle.as_str()))
            }
            Err(e) => {
                warnings.push(format!(
                    "no P2P identity ({e}): P2P addresses can be called, but nobody can \
                     reach us at one (use --identity-file for headless use)"
                ));
                None
            }
        };
        Some(P2pConfig {
            identity,
            dht,
            bootstrap: self.bootstrap,
            addresses: self.addresses,
            mdns,
            display_name: settings.general.display_name.clone(),
            stun,
        })
    }
}
