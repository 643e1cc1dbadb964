//! Account passwords and the P2P identity in the OS keyring (STYLE.md habit 10: secrets live only there): the
//! Secret Service on Linux and the BSDs (gnome-keyring, KWallet, KeePassXC, through the
//! pure-Rust zbus store), the Keychain on macOS, the Credential Manager on Windows.
//!
//! Every call talks to the keyring synchronously (a D-Bus round trip on Linux): call these
//! before the engine runs or on a blocking thread, never on the engine task.
//!
//! Each password is stored under the service `tincan` and the account's name as the user; the
//! P2P identity's secret key under the same service and the user [`IDENTITY_USER`].

use crate::config::Secret;
use keyring_core::{Entry, Error};
use std::sync::{Arc, OnceLock};

/// The keyring service name under which Tincan keeps its passwords.
pub const SERVICE: &str = "tincan";
/// The keyring user name under which the P2P identity's secret key is kept (no account may
/// have this name: `tincan password` refuses it).
pub const IDENTITY_USER: &str = "identity";

/// Why the keyring could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// No keyring on this system, or it cannot be reached (no Secret Service on the session
    /// bus, a locked keychain).
    #[error("the OS keyring is not available: {0}")]
    Unavailable(String),
    /// The keyring answered with an error.
    #[error("the OS keyring refused: {0}")]
    Failed(String),
}

/// The platform store, set up once per process (the first use pays for connecting).
fn store() -> Result<(), SecretsError> {
    static STORE: OnceLock<Result<(), String>> = OnceLock::new();
    STORE
        .get_or_init(|| {
            let store = platform_store().map_err(|e| e.to_string())?;
            keyring_core::set_default_store(store);
            Ok(())
        })
        .clone()
        .map_err(SecretsError::Unavailable)
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(target_os = "windows")]
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

#[cfg(not(any(
    all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ),
    target_os = "macos",
    target_os = "windows"
)))]
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Err(Error::NotSupportedByStore(
        "no keyring support for this platform".into(),
    ))
}

fn entry(account: &str) -> Result<Entry, SecretsError> {
    store()?;
    Entry::new(SERVICE, account).map_err(classify)
}

/// Maps keyring errors to ours; "cannot reach the store" is told apart from "it refused".
fn classify(e: Error) -> SecretsError {
    match e {
        Error::NoStorageAccess(_) | Error::NoDefaultStore | Error::PlatformFailure(_) => {
            SecretsError::Unavailable(e.to_string())
        }
        other => SecretsError::Failed(other.to_string()),
    }
}

/// The password of `account`, or `None` when the keyring holds none for it.
pub fn get(account: &str) -> Result<Option<Secret>, SecretsError> {
    get_secret(account)
}

/// Stores (or replaces) the password of `account`.
pub fn set(account: &str, password: &Secret) -> Result<(), SecretsError> {
    set_secret(account, password)
}

/// Removes the password of `account`; `Ok(false)` when there was none.
pub fn delete(account: &str) -> Result<bool, SecretsError> {
    delete_secret(account)
}

/// The secret stored under `user` (an account's name, or [`IDENTITY_USER`]), or `None` when
/// the keyring holds none.
pub fn get_secret(user: &str) -> Result<Option<Secret>, SecretsError> {
    match entry(user)?.get_password() {
        Ok(p) => Ok(Some(Secret::new(p))),
        Err(Error::NoEntry) => Ok(None),
        Err(e) => Err(classify(e)),
    }
}

/// Stores (or replaces) the secret under `user`.
pub fn set_secret(user: &str, secret: &Secret) -> Result<(), SecretsError> {
    entry(user)?.set_password(secret.expose()).map_err(classify)
}

/// Removes the secret under `user`; `Ok(false)` when there was none.
pub fn delete_secret(user: &str) -> Result<bool, SecretsError> {
    match entry(user)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(Error::NoEntry) => Ok(false),
        Err(e) => Err(classify(e)),
    }
}
