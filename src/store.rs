//! Contacts and call history, kept in an SQLite database in the OS data directory
//! (`~/.local/share/tincan/tincan.sqlite3` on Linux).
//!
//! The schema grows by numbered migrations recorded in SQLite's `user_version`; a database
//! made by a newer Tincan (a higher version) is refused rather than changed. A file that is
//! not a usable database is kept aside (`<name>.corrupt-<unix seconds>`, never overwritten)
//! and a fresh one is made, with a warning for the user. Everything here blocks: the window
//! runs it on the store's own thread ([`worker`]). [`vcard`] reads and writes contacts as
//! vCard 4.0 (RFC 6350).

mod address;
pub mod vcard;
pub mod worker;

pub use address::{address_key, contact_for};

#[cfg(test)]
mod tests;

use rusqlite::{Connection, OptionalExtension, params};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The migrations, in order; after the n-th, `user_version` is n.
const MIGRATIONS: [&str; 1] = ["
    CREATE TABLE contacts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        favourite INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE contact_uris (
        contact INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        uri TEXT NOT NULL
    );
    CREATE INDEX contact_uris_contact ON contact_uris(contact);
    CREATE TABLE history (
        id INTEGER PRIMARY KEY,
        direction TEXT NOT NULL,
        remote TEXT NOT NULL,
        name TEXT,
        account TEXT,
        start INTEGER NOT NULL,
        duration INTEGER NOT NULL,
        seen INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX history_start ON history(start);
"];

/// How many history entries the window keeps in view.
pub const HISTORY_LIMIT: usize = 500;

/// What can go wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The directory could not be made or the file moved.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The database was made by a newer Tincan.
    #[error("the database has schema version {found}; this Tincan knows up to {known}")]
    TooNew {
        /// Its version.
        found: i64,
        /// Ours.
        known: i64,
    },
}

/// A contact's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContactId(pub i64);

/// A person and the addresses they are reached at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    /// `None` for a contact not saved yet.
    pub id: Option<ContactId>,
    /// The name shown.
    pub name: String,
    /// SIP URIs (`sip:`, `sips:`), `tel:` URIs or plain numbers, the first one called by default.
    pub uris: Vec<String>,
    /// Shown first.
    pub favourite: bool,
}

/// Which way a call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Someone called us and we took (or declined) it.
    Incoming,
    /// We called.
    Outgoing,
    /// Someone called and nobody answered.
    Missed,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Incoming => "incoming",
            Direction::Outgoing => "outgoing",
            Direction::Missed => "missed",
        }
    }

    fn parse(text: &str) -> Direction {
        match text {
            "outgoing" => Direction::Outgoing,
            "missed" => Direction::Missed,
            _ => Direction::Incoming,
        }
    }
}

/// One finished call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Its row id (0 until stored).
    pub id: i64,
    /// Which way.
    pub direction: Direction,
    /// The other party's URI (or what was dialled).
    pub remote: String,
    /// Their display name, when known.
    pub name: Option<String>,
    /// The account it ran on (`None`: a direct call).
    pub account: Option<String>,
    /// When it started, in seconds since 1970 (UTC).
    pub start: i64,
    /// How long it was up, in seconds.
    pub duration: u64,
}

/// What the window shows of the database, read in one go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Every contact, favourites first, then by name.
    pub contacts: Vec<Contact>,
    /// The latest calls, newest first (at most [`HISTORY_LIMIT`]).
    pub history: Vec<HistoryEntry>,
    /// Missed calls not yet seen in the history screen.
    pub unseen_missed: u32,
    /// The local time's offset from UTC now, in seconds (SQLite knows the time zone).
    pub utc_offset: i64,
}

/// The open database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

/// A database just opened, and what the user should hear about it.
#[derive(Debug)]
pub struct Opened {
    /// The store.
    pub store: Store,
    /// A corrupt file was kept aside here (a fresh database is used).
    pub kept_aside: Option<PathBuf>,
    /// What to tell the user (in English; the window wraps it in a translated notice).
    pub warning: Option<String>,
}

/// The usual place of the database, if the platform has a home directory.
pub fn default_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("org", "Tincan", "tincan")?;
    Some(dirs.data_dir().join("tincan.sqlite3"))
}

impl Store {
    /// Opens (or makes) the database at `path` and brings its schema up to date. A file that
    /// is not a usable database is kept aside and replaced by a fresh one.
    pub fn open(path: &Path) -> Result<Opened, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        match Store::open_checked(path) {
            Ok(store) => Ok(Opened {
                store,
                kept_aside: None,
                warning: None,
            }),
            Err(StoreError::Sqlite(e)) if is_corrupt(&e) => {
                tracing::warn!("{}: not a usable database ({e})", path.display());
                let aside = keep_aside(path).map_err(|source| StoreError::Io {
                    path: path.to_owned(),
                    source,
                })?;
                let store = Store::open_checked(path)?;
                let warning = format!(
                    "{}: not a usable database ({e}); kept aside as {}; starting with empty \
                     contacts and history",
                    path.display(),
                    aside.display()
                );
                Ok(Opened {
                    store,
                    kept_aside: Some(aside),
                    warning: Some(warning),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// A database in memory (when the file cannot be used; and for tests).
    pub fn in_memory() -> Result<Store, StoreError> {
        let mut store = Store {
            conn: Connection::open_in_memory()?,
        };
        store.migrate()?;
        Ok(store)
    }

    fn open_checked(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        let mut store = Store { conn };
        // The first read is where SQLite notices a file that is not a database.
        store.conn.query_row("PRAGMA quick_check", [], |row| {
            let result: String = row.get(0)?;
            if result == "ok" {
                Ok(())
            } else {
                Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                    Some(result),
                ))
            }
        })?;
        store.migrate()?;
        Ok(store)
    }

    /// The schema version (`user_version`).
    pub fn version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    /// Runs the migrations this database has not had yet, each in a transaction.
    fn migrate(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("PRAGMA foreign_keys = ON")?;
        let known = MIGRATIONS.len() as i64;
        let found = self.version()?;
        if found > known {
            return Err(StoreError::TooNew { found, known });
        }
        for (at, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", at as i64 + 1)?;
            tx.commit()?;
            tracing::info!("database schema migrated to version {}", at + 1);
        }
        Ok(())
    }

    /// Every contact, favourites first, then by name (case-insensitive).
    pub fn contacts(&self) -> Result<Vec<Contact>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT id, name, favourite FROM contacts ORDER BY favourite DESC, name COLLATE NOCASE, id",
        )?;
        let mut contacts: Vec<Contact> = statement
            .query_map([], |row| {
                Ok(Contact {
                    id: Some(ContactId(row.get(0)?)),
                    name: row.get(1)?,
                    favourite: row.get(2)?,
                    uris: Vec::new(),
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut uris = self
            .conn
            .prepare("SELECT uri FROM contact_uris WHERE contact = ?1 ORDER BY position")?;
        for contact in &mut contacts {
            let id = contact.id.map_or(0, |c| c.0);
            contact.uris = uris
                .query_map([id], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
        }
        Ok(contacts)
    }

    /// Adds a contact (no id) or replaces the one with its id; returns the id.
    pub fn save_contact(&mut self, contact: &Contact) -> Result<ContactId, StoreError> {
        let tx = self.conn.transaction()?;
        let id = match contact.id {
            Some(id) => {
                tx.execute(
                    "UPDATE contacts SET name = ?1, favourite = ?2 WHERE id = ?3",
                    params![contact.name, contact.favourite, id.0],
                )?;
                tx.execute("DELETE FROM contact_uris WHERE contact = ?1", [id.0])?;
                id
            }
            None => {
                tx.execute(
                    "INSERT INTO contacts (name, favourite) VALUES (?1, ?2)",
                    params![contact.name, contact.favourite],
                )?;
                ContactId(tx.last_insert_rowid())
            }
        };
        for (position, uri) in contact.uris.iter().enumerate() {
            tx.execute(
                "INSERT INTO contact_uris (contact, position, uri) VALUES (?1, ?2, ?3)",
                params![id.0, position as i64, uri],
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// Removes a contact (and its addresses).
    pub fn delete_contact(&mut self, id: ContactId) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM contacts WHERE id = ?1", [id.0])?;
        Ok(())
    }

    /// Records a finished call.
    pub fn add_call(&mut self, entry: &HistoryEntry) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO history (direction, remote, name, account, start, duration)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                entry.direction.as_str(),
                entry.remote,
                entry.name,
                entry.account,
                entry.start,
                entry.duration as i64
            ],
        )?;
        Ok(())
    }

    /// The latest calls, newest first.
    pub fn history(&self, limit: usize) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT id, direction, remote, name, account, start, duration FROM history
             ORDER BY start DESC, id DESC LIMIT ?1",
        )?;
        let entries = statement
            .query_map([limit as i64], |row| {
                let direction: String = row.get(1)?;
                let duration: i64 = row.get(6)?;
                Ok(HistoryEntry {
                    id: row.get(0)?,
                    direction: Direction::parse(&direction),
                    remote: row.get(2)?,
                    name: row.get(3)?,
                    account: row.get(4)?,
                    start: row.get(5)?,
                    duration: duration.max(0) as u64,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(entries)
    }

    /// Forgets every call.
    pub fn clear_history(&mut self) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM history", [])?;
        Ok(())
    }

    /// How many missed calls the user has not seen yet.
    pub fn unseen_missed(&self) -> Result<u32, StoreError> {
        let count: Option<i64> = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM history WHERE direction = 'missed' AND seen = 0",
                [],
                |row| row.get(0),
            )
            .optional()?;
        Ok(count.unwrap_or(0) as u32)
    }

    /// The user looked at the history: no missed call is new any more.
    pub fn mark_missed_seen(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE history SET seen = 1 WHERE seen = 0", [])?;
        Ok(())
    }

    /// The local time's offset from UTC now, in seconds.
    pub fn utc_offset(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT CAST(strftime('%s', 'now', 'localtime') AS INTEGER)
                  - CAST(strftime('%s', 'now') AS INTEGER)",
            [],
            |row| row.get(0),
        )?)
    }

    /// Everything the window shows.
    pub fn snapshot(&self) -> Result<Snapshot, StoreError> {
        Ok(Snapshot {
            contacts: self.contacts()?,
            history: self.history(HISTORY_LIMIT)?,
            unseen_missed: self.unseen_missed()?,
            utc_offset: self.utc_offset()?,
        })
    }
}

/// Whether SQLite says the file is not a database, or a damaged one.
fn is_corrupt(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

/// Keeps the damaged file aside as the settings do (`<name>.corrupt-<unix seconds>`), and
/// its journal with it: left in place, it would be applied to the fresh database.
fn keep_aside(path: &Path) -> io::Result<PathBuf> {
    let aside = crate::config::keep_aside(path)?;
    let mut journal = path.as_os_str().to_owned();
    journal.push("-journal");
    let journal = PathBuf::from(journal);
    if fs::symlink_metadata(&journal).is_ok() {
        let mut kept = aside.clone().into_os_string();
        kept.push("-journal");
        if let Err(e) = fs::rename(&journal, &kept) {
            tracing::warn!("cannot keep the damaged database's journal aside: {e}");
        }
    }
    Ok(aside)
}
