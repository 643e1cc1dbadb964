//! Account changes: the password goes to the keyring only, the settings to the TOML file
//! (atomically, by `config::save`), both on a background thread. Then the running engine
//! takes the new accounts (`Command::Accounts`: only added, changed and removed ones
//! register or unregister; calls stay up); an engine that is not running starts with them.

use super::{App, Message, Notice};
use crate::config::{self, Config, Secret};
use crate::secrets;
use crate::ui::bridge::background;
use crate::ui::i18n::k;
use crate::ui::screen::accounts;
use iced::Task;
use std::path::PathBuf;

/// How a save went.
#[derive(Debug, Clone)]
pub enum Saved {
    /// Written; `warnings` (a keyring that could not keep the password) to show.
    Done {
        /// The settings now on disk.
        settings: Box<Config>,
        /// What went wrong on the way, in English (shown inside a translated notice).
        warnings: Vec<String>,
        /// A password the keyring could not keep, for this session only.
        session_password: Option<(String, Secret)>,
    },
    /// The CA file does not exist; nothing was written.
    CaFileMissing,
    /// The settings could not be written.
    Failed(String),
}

/// One save, carried out off the window's thread.
#[derive(Debug)]
struct SaveJob {
    path: Option<PathBuf>,
    settings: Config,
    /// Store this password for this account.
    password: Option<(String, Secret)>,
    /// The account was renamed from the first to the second name: move its password.
    renamed: Option<(String, String)>,
    /// The account was removed: delete its password.
    removed: Option<String>,
    /// Check that this CA file exists first.
    ca_file: Option<PathBuf>,
}

impl App {
    pub(crate) fn on_accounts(&mut self, event: accounts::Event) -> Task<Message> {
        let mut settings = self.settings.clone();
        let mut job = SaveJob {
            path: self.path.clone(),
            settings: Config::default(),
            password: None,
            renamed: None,
            removed: None,
            ca_file: None,
        };
        match event {
            accounts::Event::Save {
                original,
                account,
                password,
            } => {
                let name = account.name.clone();
                job.ca_file.clone_from(&account.ca_file);
                let at = original
                    .as_ref()
                    .and_then(|o| settings.accounts.iter().position(|a| &a.name == o));
                match at {
                    Some(i) => settings.accounts[i] = *account,
                    None => settings.accounts.push(*account),
                }
                if let Some(old) = original.filter(|o| *o != name) {
                    if settings.general.default_account.as_ref() == Some(&old) {
                        settings.general.default_account = Some(name.clone());
                    }
                    job.renamed = Some((old, name.clone()));
                }
                job.password = password.map(|p| (name, p));
            }
            accounts::Event::Remove(name) => {
                settings.accounts.retain(|a| a.name != name);
                if settings.general.default_account.as_ref() == Some(&name) {
                    settings.general.default_account = None;
                }
                self.session_passwords.remove(&name);
                job.removed = Some(name);
            }
            accounts::Event::MakeDefault(name) => settings.general.default_account = Some(name),
        }
        job.settings = settings;
        Task::perform(background(move || job.run()), Message::Saved)
    }

    pub(crate) fn on_saved(&mut self, saved: Option<Saved>) -> Task<Message> {
        match saved {
            Some(Saved::Done {
                settings,
                warnings,
                session_password,
            }) => {
                let default_only = settings.accounts == self.settings.accounts;
                // Only the accounts (and the default one) came from this save: settings
                // changed meanwhile on the settings screen stay, and are written again.
                let written = *settings;
                self.settings.accounts.clone_from(&written.accounts);
                self.settings
                    .general
                    .default_account
                    .clone_from(&written.general.default_account);
                let resave = if self.settings == written {
                    Task::none()
                } else {
                    self.save_settings()
                };
                if let Some((name, secret)) = session_password {
                    self.session_passwords.insert(name, secret);
                }
                self.accounts.saved();
                self.notice = Some(match warnings.last() {
                    Some(w) => Notice::warning(w),
                    None => Notice::info(k("notice-saved"), Vec::new()),
                });
                if default_only {
                    let names = self.engine_account_names();
                    let default = self.settings.general.default_account.clone();
                    self.dialpad.account = None;
                    self.dialpad.preselect(&names, default.as_deref());
                    return resave;
                }
                Task::batch([resave, self.reconfigure()])
            }
            Some(Saved::CaFileMissing) => {
                self.accounts.save_failed(true, None);
                Task::none()
            }
            Some(Saved::Failed(message)) => {
                let problem = self
                    .i18n
                    .tr("notice-save-failed", &[("message", message.into())]);
                self.accounts.save_failed(false, Some(problem));
                Task::none()
            }
            None => {
                let problem = self
                    .i18n
                    .tr("notice-save-failed", &[("message", "?".into())]);
                self.accounts.save_failed(false, Some(problem));
                Task::none()
            }
        }
    }
}

impl SaveJob {
    /// Blocking: the keyring (D-Bus) and the settings file.
    fn run(self) -> Saved {
        if let Some(ca) = &self.ca_file
            && !ca.is_file()
        {
            return Saved::CaFileMissing;
        }
        let Some(path) = &self.path else {
            return Saved::Failed("this system has no configuration directory".into());
        };
        let mut warnings = Vec::new();
        let mut session_password = None;
        // Whether the account's password is safe under its (new) name.
        let mut stored = true;
        if let Some((name, secret)) = self.password {
            if let Err(e) = secrets::set(&name, &secret) {
                tracing::warn!("keyring: {e}");
                warnings.push(format!("{e}: the password is kept for this session only"));
                session_password = Some((name, secret));
                stored = false;
            }
        } else if let Some((old, new)) = &self.renamed {
            // No new password: the old one moves to the new name.
            if let Err(e) = move_password(old, new) {
                tracing::warn!("keyring: {e}");
                warnings.push(e.to_string());
                stored = false;
            }
        }
        if let Some((old, _)) = &self.renamed
            && stored
        {
            let _ = secrets::delete(old);
        }
        if let Some(name) = &self.removed
            && let Err(e) = secrets::delete(name)
        {
            tracing::warn!("keyring: {e}");
            warnings.push(e.to_string());
        }
        match config::save(path, &self.settings) {
            Ok(()) => Saved::Done {
                settings: Box::new(self.settings),
                warnings,
                session_password,
            },
            Err(e) => {
                tracing::warn!("{e}");
                Saved::Failed(e.to_string())
            }
        }
    }
}

fn move_password(old: &str, new: &str) -> Result<(), secrets::SecretsError> {
    if let Some(secret) = secrets::get(old)? {
        secrets::set(new, &secret)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AccountSettings;

    fn job(dir: &std::path::Path) -> SaveJob {
        let mut settings = Config::default();
        settings
            .accounts
            .push(AccountSettings::new("work", "sip:alice@example.com"));
        settings.general.default_account = Some("work".into());
        SaveJob {
            path: Some(dir.join("config.toml")),
            settings,
            password: None,
            renamed: None,
            removed: None,
            ca_file: None,
        }
    }

    /// No password changes: the keyring is not touched, the file is written atomically and
    /// holds no secret.
    #[test]
    fn settings_are_written_and_read_back() {
        let dir = std::env::temp_dir().join(format!("tincan-ui-save-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let Saved::Done { warnings, .. } = job(&dir).run() else {
            panic!("not saved");
        };
        assert!(warnings.is_empty(), "{warnings:?}");
        let loaded = config::load(&dir.join("config.toml"));
        assert_eq!(
            loaded.config.general.default_account.as_deref(),
            Some("work")
        );
        assert_eq!(loaded.config.accounts[0].aor, "sip:alice@example.com");
        let mut missing = job(&dir);
        missing.ca_file = Some(dir.join("no-such-ca.pem"));
        assert!(matches!(missing.run(), Saved::CaFileMissing));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
