//! Passwords for headless use: from a file only its owner can read, or one line of stdin.
//!
//! The secret is wrapped in [`Secret`] so it cannot end up in a log line or an error message
//! by accident: it has no `Display`, its `Debug` prints `Secret(***)`, and no error here
//! carries any of its bytes.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};

/// A password. Read it with [`Secret::expose`], only where it is used.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a password obtained elsewhere (the OS keyring, a dialog).
    pub fn new(password: String) -> Self {
        Self(password)
    }

    /// The password itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Why a password could not be read. No variant holds any part of the password.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The file is missing or cannot be read (or is not UTF-8).
    #[error("cannot read password file {}: {source}", path.display())]
    Read {
        /// The password file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// Other users may read or write the file.
    #[error(
        "password file {} is accessible to other users (mode {mode:03o}); run: chmod 600 {}",
        path.display(),
        path.display()
    )]
    TooOpen {
        /// The password file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file holds no password.
    #[error("password file {} is empty", path.display())]
    EmptyFile {
        /// The password file.
        path: PathBuf,
    },
    /// Standard input (or the given reader) failed.
    #[error("cannot read the password: {source}")]
    ReadLine {
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The line read was empty.
    #[error("the password is empty")]
    Empty,
}

/// Reads the password in `path`, which must be readable by its owner only on unix (mode
/// `0600` or stricter). One trailing `\n` or `\r\n` is removed; an empty password is refused.
pub fn read_password_file(path: &Path) -> Result<Secret, PasswordError> {
    let read_error = |source| PasswordError::Read {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(read_error)?;
    // The mode is checked on the open handle, so the file cannot be swapped in between.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata().map_err(read_error)?.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(PasswordError::TooOpen {
                path: path.to_owned(),
                mode,
            });
        }
    }
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(read_error)?;
    let password = strip_newline(text);
    if password.is_empty() {
        return Err(PasswordError::EmptyFile {
            path: path.to_owned(),
        });
    }
    Ok(Secret(password))
}

/// Reads one line (standard input, usually) as the password, with the same trimming as
/// [`read_password_file`]. An empty line or no input at all is refused.
pub fn read_password_line(mut reader: impl BufRead) -> Result<Secret, PasswordError> {
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .map_err(|source| PasswordError::ReadLine { source })?;
    let password = strip_newline(line);
    if password.is_empty() {
        return Err(PasswordError::Empty);
    }
    Ok(Secret(password))
}

/// Removes one trailing `\n` or `\r\n`, nothing else (spaces may belong to the password).
fn strip_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}
