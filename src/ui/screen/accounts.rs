//! The accounts: each one with its live registration state in plain words; add, edit,
//! remove, and which one is the default for calls.

pub mod form;

use super::{card, heading};
use crate::config::{AccountSettings, Config, Secret};
use crate::ui::i18n::I18n;
use crate::ui::status::RegStatus;
use crate::ui::tab_stop::button;
use form::{Form, Outcome};
use iced::widget::{column, row, text};
use iced::{Center, Element, Fill};
use std::collections::HashMap;

/// What the user does here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Open the form for a new account.
    Add,
    /// Open the form for this account.
    Edit(String),
    /// Ask to remove this account.
    Remove(String),
    /// Yes, remove it.
    ConfirmRemove(String),
    /// No, keep it.
    CancelRemove,
    /// Make this the account calls go out from.
    MakeDefault(String),
    /// Something in the form.
    Form(form::Message),
}

/// What the parent must do.
#[derive(Debug, Clone)]
pub enum Event {
    /// Save an account (new or edited); store the password, if any, in the keyring.
    Save {
        /// Its name before editing (`None`: new).
        original: Option<String>,
        /// The account.
        account: Box<AccountSettings>,
        /// A new password.
        password: Option<Secret>,
    },
    /// Remove this account (and its password).
    Remove(String),
    /// Make this account the default.
    MakeDefault(String),
}

/// What the running engine says about the accounts.
#[derive(Debug, Clone)]
pub struct Live<'a> {
    /// Registration states by account name.
    pub statuses: &'a HashMap<String, RegStatus>,
    /// Accounts that have no password.
    pub without_password: &'a [String],
    /// Why changes wait (calls in progress, a restart under way).
    pub note: Option<String>,
}

/// The accounts screen's state.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    form: Option<Form>,
    confirm_remove: Option<String>,
}

impl Accounts {
    /// Opens the form for a new account.
    pub fn open_new(&mut self) {
        self.form = Some(Form::new());
        self.confirm_remove = None;
    }

    /// Whether the form is open.
    pub fn editing(&self) -> bool {
        self.form.is_some()
    }

    /// The save went through: close the form.
    pub fn saved(&mut self) {
        self.form = None;
    }

    /// The save failed: keep the form open and say why, next to `ca_file` when the CA file
    /// is missing, else below the form.
    pub fn save_failed(&mut self, ca_file_missing: bool, problem: Option<String>) {
        if let Some(form) = &mut self.form {
            form.saving = false;
            if ca_file_missing {
                form.errors.ca_file = Some(crate::ui::i18n::k("form-error-ca-file-missing"));
            }
            form.errors.save = problem;
        }
    }

    /// Handles a message; `settings` holds the accounts as saved.
    pub fn update(&mut self, message: Message, settings: &Config) -> Option<Event> {
        match message {
            Message::Add => self.open_new(),
            Message::Edit(name) => {
                let account = settings.accounts.iter().find(|a| a.name == name)?;
                self.form = Some(Form::edit(account));
                self.confirm_remove = None;
            }
            Message::Remove(name) => self.confirm_remove = Some(name),
            Message::CancelRemove => self.confirm_remove = None,
            Message::ConfirmRemove(name) => {
                self.confirm_remove = None;
                return Some(Event::Remove(name));
            }
            Message::MakeDefault(name) => return Some(Event::MakeDefault(name)),
            Message::Form(message) => {
                let form = self.form.as_mut()?;
                let editing = form.original_name();
                let taken: Vec<String> = settings
                    .accounts
                    .iter()
                    .map(|a| a.name.clone())
                    .filter(|n| Some(n.as_str()) != editing)
                    .collect();
                match form.update(message, &taken)? {
                    Outcome::Cancel => self.form = None,
                    Outcome::Save {
                        original,
                        account,
                        password,
                    } => {
                        return Some(Event::Save {
                            original,
                            account,
                            password,
                        });
                    }
                }
            }
        }
        None
    }

    /// The accounts view: `settings` as saved, `live` as the engine sees them.
    pub fn view<'a>(
        &'a self,
        i18n: &I18n,
        settings: &'a Config,
        live: Live<'_>,
    ) -> Element<'a, Message> {
        if let Some(form) = &self.form {
            return form.view(i18n).map(Message::Form);
        }
        let count = settings.accounts.len() as i64;
        let mut col = column![
            row![
                heading(i18n.t("accounts-title")),
                iced::widget::space::horizontal(),
                button(text(i18n.t("accounts-add")))
                    .on_press(Message::Add)
                    .style(button::primary),
            ]
            .align_y(Center),
            text(i18n.tr("home-accounts-count", &[("count", count.into())])).size(14),
        ]
        .spacing(14);
        if let Some(note) = live.note {
            col = col.push(text(note).size(14));
        }
        if settings.accounts.is_empty() {
            col = col.push(text(i18n.t("accounts-empty")));
        }
        let default = settings.general.default_account.as_deref();
        for account in &settings.accounts {
            let status = status_of(account, live.statuses);
            let confirming = self.confirm_remove.as_deref() == Some(account.name.as_str());
            let no_password = live.without_password.contains(&account.name);
            col = col.push(entry(
                i18n,
                account,
                &status,
                no_password,
                default,
                confirming,
            ));
        }
        col.into()
    }
}

/// What to show for `account`: the engine's latest word, else what its settings imply.
fn status_of(account: &AccountSettings, statuses: &HashMap<String, RegStatus>) -> RegStatus {
    if !account.enabled {
        return RegStatus::Disabled;
    }
    if !account.register {
        return RegStatus::CallsOnly;
    }
    statuses.get(&account.name).cloned().unwrap_or_default()
}

/// One account: name, address, state, and its buttons.
fn entry<'a>(
    i18n: &I18n,
    account: &'a AccountSettings,
    status: &RegStatus,
    no_password: bool,
    default: Option<&str>,
    confirming: bool,
) -> Element<'a, Message> {
    let is_default = default == Some(account.name.as_str());
    let mut name = row![text(account.name.as_str()).size(18)]
        .spacing(8)
        .align_y(Center);
    if is_default {
        name = name.push(
            text(i18n.t("accounts-default"))
                .size(13)
                .style(text::primary),
        );
    }
    let status_text = text(status.words(i18n)).style(match status {
        RegStatus::Registered => text::success,
        s if s.is_failure() => text::danger,
        _ => text::secondary,
    });
    let mut col = column![name, text(account.aor.as_str()).size(14), status_text].spacing(4);
    if let Some(retry) = status.retry_words(i18n) {
        col = col.push(text(retry).size(12));
    }
    if no_password {
        col = col.push(
            text(i18n.t("accounts-no-password"))
                .size(13)
                .style(text::warning),
        );
    }
    let name = account.name.clone();
    let buttons = if confirming {
        row![
            text(i18n.tr(
                "accounts-remove-confirm",
                &[("name", account.name.as_str().into())]
            ))
            .width(Fill),
            button(text(i18n.t("accounts-remove")))
                .on_press(Message::ConfirmRemove(name))
                .style(button::danger),
            button(text(i18n.t("accounts-keep")))
                .on_press(Message::CancelRemove)
                .style(button::secondary),
        ]
    } else {
        let mut line = row![
            button(text(i18n.t("accounts-edit")))
                .on_press(Message::Edit(name.clone()))
                .style(button::secondary),
        ];
        if !is_default && account.enabled {
            line = line.push(
                button(text(i18n.t("accounts-make-default")))
                    .on_press(Message::MakeDefault(name.clone()))
                    .style(button::secondary),
            );
        }
        line.push(
            button(text(i18n.t("accounts-remove")))
                .on_press(Message::Remove(name))
                .style(button::danger),
        )
    };
    card(col.push(buttons.spacing(8).align_y(Center)).spacing(8))
}
