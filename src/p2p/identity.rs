//! Our P2P identity: an ed25519 key pair (pkarr's [`Keypair`], which signs our records
//! directly). Its public key, in z-base32, is the host of our P2P address
//! `sip:<handle>@<key>`.
//!
//! The secret key is kept in the OS keyring (service `tincan`, user
//! [`IDENTITY_USER`](crate::secrets::IDENTITY_USER)), or for headless use in a key file that
//! only its owner may read (mode `0600`, created so when missing; a group- or world-readable
//! one is refused, as password files are). Both hold the 32 secret bytes as 64 hex digits,
//! pkarr's own key-file format. The secret never appears in logs, events or errors: only
//! [`Identity::address`] and the public key are shown.
//!
//! Everything here touches files or the keyring synchronously: call it before the engine
//! runs, or on a blocking thread.

use crate::config::{self, PasswordError, Secret};
use crate::secrets::{self, SecretsError};
use pkarr::{Keypair, PublicKey};
use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Our key pair and the handle shown in our address.
#[derive(Clone)]
pub struct Identity {
    keypair: Keypair,
    handle: String,
}

impl Identity {
    /// An identity from its key pair and the handle (the user part of the address).
    pub fn new(keypair: Keypair, handle: impl Into<String>) -> Identity {
        Identity {
            keypair,
            handle: handle.into(),
        }
    }

    /// The key pair that signs our records.
    pub fn keypair(&self) -> &Keypair {
        &self.keypair
    }

    /// Our public key.
    pub fn public_key(&self) -> PublicKey {
        self.keypair.public_key()
    }

    /// The user part of our address.
    pub fn handle(&self) -> &str {
        &self.handle
    }

    /// Our P2P address, `sip:<handle>@<52-character z-base32 key>`.
    pub fn address(&self) -> String {
        format!("sip:{}@{}", self.handle, self.keypair.public_key().to_z32())
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identity({})", self.address())
    }
}

/// Where the secret key lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStore {
    /// The OS keyring.
    Keyring,
    /// A key file readable by its owner only.
    File(PathBuf),
}

impl fmt::Display for KeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyStore::Keyring => f.write_str("the OS keyring"),
            KeyStore::File(path) => write!(f, "key file {}", path.display()),
        }
    }
}

/// Why the identity could not be read or written. No variant holds any part of the secret.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The keyring could not be used.
    #[error(transparent)]
    Keyring(#[from] SecretsError),
    /// A key file could not be read.
    #[error("cannot read key file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// Other users may read or write the key file.
    #[error(
        "key file {} is accessible to other users (mode {mode:03o}); run: chmod 600 {}",
        path.display(),
        path.display()
    )]
    TooOpen {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A key file could not be written.
    #[error("cannot write key file {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// An export would overwrite a file.
    #[error("{} exists already; pick a new file name", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// What is stored is not a secret key.
    #[error("{store} does not hold an ed25519 secret key (64 hex digits)")]
    Corrupt {
        /// Where it was read.
        store: String,
    },
    /// The OS random source failed.
    #[error("cannot read OS randomness: {0}")]
    Random(getrandom::Error),
}

/// A fresh key pair from the OS random source.
pub fn generate() -> Result<Keypair, IdentityError> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(IdentityError::Random)?;
    Ok(Keypair::from_secret_key(&secret))
}

/// The key pair in `store`, or `None` when there is none yet.
pub fn load(store: &KeyStore) -> Result<Option<Keypair>, IdentityError> {
    let secret = match store {
        KeyStore::Keyring => secrets::get_secret(secrets::IDENTITY_USER)?,
        KeyStore::File(path) => read_key_file(path)?,
    };
    secret
        .map(|s| {
            decode(&s).ok_or_else(|| IdentityError::Corrupt {
                store: store.to_string(),
            })
        })
        .transpose()
}

/// The key pair in `store`, made and stored there first if there is none. The flag says
/// whether it was just made.
pub fn load_or_create(store: &KeyStore) -> Result<(Keypair, bool), IdentityError> {
    if let Some(keypair) = load(store)? {
        return Ok((keypair, false));
    }
    let keypair = generate()?;
    save(store, &keypair)?;
    Ok((keypair, true))
}

/// Stores `keypair` in `store`, replacing what was there (a key file is replaced atomically
/// and is `0600` from its first byte).
pub fn save(store: &KeyStore, keypair: &Keypair) -> Result<(), IdentityError> {
    let secret = encode(keypair);
    match store {
        KeyStore::Keyring => Ok(secrets::set_secret(secrets::IDENTITY_USER, &secret)?),
        KeyStore::File(path) => {
            let name = path
                .file_name()
                .map_or_else(|| "identity".into(), |n| n.to_string_lossy());
            let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
            let _ = fs::remove_file(&tmp);
            let written = write_private(&tmp, &secret).and_then(|()| fs::rename(&tmp, path));
            written.map_err(|source| {
                let _ = fs::remove_file(&tmp);
                IdentityError::Write {
                    path: path.clone(),
                    source,
                }
            })
        }
    }
}

/// Writes the secret key to a new file `path` (mode `0600`) for moving it to another machine;
/// an existing file is never overwritten.
pub fn export(keypair: &Keypair, path: &Path) -> Result<(), IdentityError> {
    if fs::symlink_metadata(path).is_ok() {
        return Err(IdentityError::Exists {
            path: path.to_owned(),
        });
    }
    write_private(path, &encode(keypair)).map_err(|source| IdentityError::Write {
        path: path.to_owned(),
        source,
    })
}

/// Reads a key pair exported with [`export`] (the file must be readable by its owner only).
pub fn import(path: &Path) -> Result<Keypair, IdentityError> {
    let secret = read_key_file(path)?.ok_or_else(|| IdentityError::Read {
        path: path.to_owned(),
        source: io::ErrorKind::NotFound.into(),
    })?;
    decode(&secret).ok_or_else(|| IdentityError::Corrupt {
        store: format!("key file {}", path.display()),
    })
}

/// The secret in a key file (the owner-only check of password files), or `None` when the
/// file does not exist.
fn read_key_file(path: &Path) -> Result<Option<Secret>, IdentityError> {
    match config::read_password_file(path) {
        Ok(secret) => Ok(Some(secret)),
        Err(PasswordError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
            Ok(None)
        }
        Err(PasswordError::Read { path, source }) => Err(IdentityError::Read { path, source }),
        Err(PasswordError::TooOpen { path, mode }) => Err(IdentityError::TooOpen { path, mode }),
        // Empty: as good as corrupt.
        Err(_) => Err(IdentityError::Corrupt {
            store: format!("key file {}", path.display()),
        }),
    }
}

/// Creates `path` (which must not exist) with mode `0600` and writes the secret, synced.
fn write_private(path: &Path, secret: &Secret) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(secret.expose().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

/// The secret key as 64 hex digits.
fn encode(keypair: &Keypair) -> Secret {
    let hex: String = keypair
        .secret_key()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Secret::new(hex)
}

/// The key pair from 64 hex digits (surrounding whitespace allowed).
fn decode(secret: &Secret) -> Option<Keypair> {
    let text = secret.expose().trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(Keypair::from_secret_key(&bytes))
}

#[cfg(test)]
mod tests;
