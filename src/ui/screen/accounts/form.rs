//! The account form: every field of an account, checked on Save with the message next to
//! the field. The password is handed to the parent as a [`Secret`] for the keyring; it is
//! never part of the settings.

use crate::config::{AccountSettings, Secret, Transport};
use crate::sip::uri::SipUri;
use crate::ui::i18n::{I18n, k};
use crate::ui::screen::{field, heading};
use crate::ui::tab_stop::{button, checkbox};
use iced::widget::{TextInput, column, pick_list, row, space, text, text_input};
use iced::{Center, Element, Fill};
use std::fmt;
use std::path::PathBuf;

/// The text fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The account's name.
    Name,
    /// The display name.
    DisplayName,
    /// The SIP address (AOR).
    Aor,
    /// The digest user name.
    AuthUser,
    /// The password.
    Password,
    /// The registrar URI.
    Registrar,
    /// The outbound proxy URI.
    Proxy,
    /// The CA certificate file.
    CaFile,
}

/// Text typed into a field. Its `Debug` shows only the length, so that a password never
/// ends up in a log through a message or the form's state.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Typed(pub String);

impl fmt::Debug for Typed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Typed({} chars)", self.0.chars().count())
    }
}

impl From<&str> for Typed {
    fn from(text: &str) -> Typed {
        Typed(text.to_owned())
    }
}

/// What the user does in the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text field changed.
    Input(Field, Typed),
    /// A transport was picked.
    Transport(TransportChoice),
    /// "Register" was switched.
    Register(bool),
    /// "Enabled" was switched.
    Enabled(bool),
    /// Check and save.
    Save,
    /// Close without saving.
    Cancel,
}

/// What the form asks of its parent.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Save this account (replacing `original`, by name, when editing); store `password` in
    /// the keyring when given.
    Save {
        /// The account's name before editing (`None`: a new account).
        original: Option<String>,
        /// The account as it is to be saved.
        account: Box<AccountSettings>,
        /// A new password, if one was typed.
        password: Option<Secret>,
    },
    /// Close the form.
    Cancel,
}

/// A transport in the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportChoice {
    /// The transport.
    pub transport: Transport,
    label: String,
}

impl fmt::Display for TransportChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// Validation messages (message ids), one per field that can be wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Errors {
    /// About the name.
    pub name: Option<&'static str>,
    /// About the SIP address.
    pub aor: Option<&'static str>,
    /// About the registrar.
    pub registrar: Option<&'static str>,
    /// About the outbound proxy.
    pub proxy: Option<&'static str>,
    /// About the CA file.
    pub ca_file: Option<&'static str>,
    /// About the whole save (keyring, disk), already in words.
    pub save: Option<String>,
}

impl Errors {
    fn any_field(&self) -> bool {
        self.name.is_some()
            || self.aor.is_some()
            || self.registrar.is_some()
            || self.proxy.is_some()
            || self.ca_file.is_some()
    }
}

/// The form's state.
#[derive(Debug, Clone)]
pub struct Form {
    original: Option<AccountSettings>,
    name: String,
    display_name: String,
    aor: String,
    auth_user: String,
    password: Typed,
    registrar: String,
    proxy: String,
    transport: Transport,
    ca_file: String,
    register: bool,
    enabled: bool,
    /// What is wrong, after a Save.
    pub errors: Errors,
    /// A save is under way.
    pub saving: bool,
}

impl Form {
    /// An empty form for a new account.
    pub fn new() -> Form {
        Form::from_settings(None)
    }

    /// A form to edit `account`.
    pub fn edit(account: &AccountSettings) -> Form {
        Form::from_settings(Some(account.clone()))
    }

    /// The name of the account being edited (`None`: a new one).
    pub fn original_name(&self) -> Option<&str> {
        self.original.as_ref().map(|a| a.name.as_str())
    }

    fn from_settings(original: Option<AccountSettings>) -> Form {
        let blank = AccountSettings::new("", "");
        let a = original.as_ref().unwrap_or(&blank);
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Form {
            name: a.name.clone(),
            display_name: text(&a.display_name),
            aor: a.aor.clone(),
            auth_user: text(&a.auth_user),
            password: Typed::default(),
            registrar: text(&a.registrar),
            proxy: text(&a.outbound_proxy),
            transport: a.transport,
            ca_file: a
                .ca_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            register: a.register,
            enabled: a.enabled,
            errors: Errors::default(),
            saving: false,
            original,
        }
    }

    /// Handles a message; `taken` are the names of the other accounts.
    pub fn update(&mut self, message: Message, taken: &[String]) -> Option<Outcome> {
        match message {
            Message::Input(field, value) => *self.text_mut(field) = value.0,
            Message::Transport(choice) => self.transport = choice.transport,
            Message::Register(on) => self.register = on,
            Message::Enabled(on) => self.enabled = on,
            Message::Cancel => return Some(Outcome::Cancel),
            Message::Save => {
                let (account, errors) = self.check(taken);
                self.errors = errors;
                if self.errors.any_field() || self.saving {
                    return None;
                }
                self.saving = true;
                let password = (!self.password.0.is_empty())
                    .then(|| Secret::new(std::mem::take(&mut self.password.0)));
                return Some(Outcome::Save {
                    original: self.original.as_ref().map(|a| a.name.clone()),
                    account: Box::new(account),
                    password,
                });
            }
        }
        None
    }

    fn text_mut(&mut self, field: Field) -> &mut String {
        match field {
            Field::Name => &mut self.name,
            Field::DisplayName => &mut self.display_name,
            Field::Aor => &mut self.aor,
            Field::AuthUser => &mut self.auth_user,
            Field::Password => &mut self.password.0,
            Field::Registrar => &mut self.registrar,
            Field::Proxy => &mut self.proxy,
            Field::CaFile => &mut self.ca_file,
        }
    }

    /// The account the fields describe, and what is wrong with them.
    fn check(&self, taken: &[String]) -> (AccountSettings, Errors) {
        let mut errors = Errors::default();
        let name = self.name.trim();
        if name.is_empty() {
            errors.name = Some(k("form-error-name-empty"));
        } else if taken.iter().any(|t| t == name) {
            errors.name = Some(k("form-error-name-taken"));
        }
        let aor = self.aor.trim();
        errors.aor = match SipUri::parse(aor) {
            _ if aor.is_empty() => Some(k("form-error-aor-empty")),
            Err(_) => Some(k("form-error-aor-parse")),
            Ok(uri) if uri.user.is_none() => Some(k("form-error-aor-user")),
            Ok(_) => None,
        };
        let optional_uri = |value: &str| {
            let value = value.trim();
            (!value.is_empty() && SipUri::parse(value).is_err()).then_some(k("form-error-uri"))
        };
        errors.registrar = optional_uri(&self.registrar);
        errors.proxy = optional_uri(&self.proxy);
        let optional = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        let mut account = self
            .original
            .clone()
            .unwrap_or_else(|| AccountSettings::new("", ""));
        account.name = name.to_owned();
        account.aor = aor.to_owned();
        account.display_name = optional(&self.display_name);
        account.auth_user = optional(&self.auth_user);
        account.registrar = optional(&self.registrar);
        account.outbound_proxy = optional(&self.proxy);
        account.transport = self.transport;
        account.ca_file = optional(&self.ca_file).map(PathBuf::from);
        account.register = self.register;
        account.enabled = self.enabled;
        (account, errors)
    }

    /// The form view: Save and Cancel at the top (visible whatever the window's height),
    /// then the fields, each with its message.
    pub fn view<'a>(&'a self, i18n: &I18n) -> Element<'a, Message> {
        let title = match &self.original {
            Some(a) => i18n.tr("form-title-edit", &[("name", a.name.as_str().into())]),
            None => i18n.t("form-title-new"),
        };
        let save = if self.saving {
            button(text(i18n.t("form-saving"))).style(button::primary)
        } else {
            button(text(i18n.t("form-save")))
                .on_press(Message::Save)
                .style(button::primary)
        };
        let cancel = button(text(i18n.t("form-cancel")))
            .on_press(Message::Cancel)
            .style(button::secondary);
        let header = row![heading(title), space::horizontal(), cancel, save]
            .spacing(10)
            .align_y(Center);
        let mut col = column![header].spacing(12);
        if let Some(problem) = &self.errors.save {
            col = col.push(text(problem.as_str()).style(text::danger));
        }
        col.extend(self.identity_fields(i18n))
            .extend(self.server_fields(i18n))
            .push(
                checkbox(self.register)
                    .label(i18n.t("form-register"))
                    .on_toggle(Message::Register),
            )
            .push(
                checkbox(self.enabled)
                    .label(i18n.t("form-enabled"))
                    .on_toggle(Message::Enabled),
            )
            .into()
    }

    /// Who: name, address, display name, user and password.
    fn identity_fields<'a>(&'a self, i18n: &I18n) -> Vec<Element<'a, Message>> {
        let error = |id: Option<&'static str>| id.map(|id| i18n.t(id));
        let password_hint = if self.original.is_some() {
            i18n.t("form-password-unchanged")
        } else {
            i18n.t("form-password-placeholder")
        };
        vec![
            field(
                i18n.t("form-name"),
                input(Field::Name, &self.name, &i18n.t("form-name-placeholder")),
                error(self.errors.name),
            ),
            field(
                i18n.t("form-aor"),
                input(Field::Aor, &self.aor, &i18n.t("form-aor-placeholder")),
                error(self.errors.aor),
            ),
            field(
                i18n.t("form-display-name"),
                input(
                    Field::DisplayName,
                    &self.display_name,
                    &i18n.t("form-optional"),
                ),
                None,
            ),
            field(
                i18n.t("form-auth-user"),
                input(
                    Field::AuthUser,
                    &self.auth_user,
                    &i18n.t("form-auth-user-placeholder"),
                ),
                None,
            ),
            field(
                i18n.t("form-password"),
                input(Field::Password, &self.password.0, &password_hint).secure(true),
                None,
            ),
        ]
    }

    /// Where: registrar, proxy, transport, CA file.
    fn server_fields<'a>(&'a self, i18n: &I18n) -> Vec<Element<'a, Message>> {
        let error = |id: Option<&'static str>| id.map(|id| i18n.t(id));
        let transports: Vec<TransportChoice> = Transport::ALL
            .iter()
            .map(|&(_, transport)| TransportChoice {
                transport,
                label: transport_label(i18n, transport),
            })
            .collect();
        let selected = transports
            .iter()
            .find(|c| c.transport == self.transport)
            .cloned();
        vec![
            field(
                i18n.t("form-registrar"),
                input(
                    Field::Registrar,
                    &self.registrar,
                    &i18n.t("form-uri-placeholder"),
                ),
                error(self.errors.registrar),
            ),
            field(
                i18n.t("form-proxy"),
                input(Field::Proxy, &self.proxy, &i18n.t("form-uri-placeholder")),
                error(self.errors.proxy),
            ),
            field(
                i18n.t("form-transport"),
                pick_list(transports, selected, Message::Transport).width(Fill),
                None,
            ),
            field(
                i18n.t("form-ca-file"),
                input(
                    Field::CaFile,
                    &self.ca_file,
                    &i18n.t("form-ca-file-placeholder"),
                ),
                error(self.errors.ca_file),
            ),
        ]
    }
}

/// The first field's id (focused when the form opens).
pub fn first_field_id() -> iced::widget::Id {
    iced::widget::Id::new("account-form-name")
}

/// A text field of the form; Enter saves.
fn input<'a>(field: Field, value: &'a str, placeholder: &str) -> TextInput<'a, Message> {
    let input = text_input(placeholder, value);
    let input = if field == Field::Name {
        input.id(first_field_id())
    } else {
        input
    };
    input
        .on_input(move |v| Message::Input(field, Typed(v)))
        .on_submit(Message::Save)
        .padding(8)
}

impl Default for Form {
    fn default() -> Self {
        Form::new()
    }
}

/// A transport in words.
pub fn transport_label(i18n: &I18n, transport: Transport) -> String {
    match transport {
        Transport::Auto => i18n.t("transport-auto"),
        Transport::Udp => i18n.t("transport-udp"),
        Transport::Tcp => i18n.t("transport-tcp"),
        Transport::Tls => i18n.t("transport-tls"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(form: &mut Form, field: Field, value: &str) {
        form.update(Message::Input(field, value.into()), &[]);
    }

    #[test]
    fn each_wrong_field_gets_its_message_and_nothing_is_saved() {
        let mut form = Form::new();
        typed(&mut form, Field::Name, "work");
        typed(&mut form, Field::Aor, "alice@example.com");
        typed(&mut form, Field::Registrar, "not a uri");
        assert!(form.update(Message::Save, &["work".into()]).is_none());
        assert_eq!(form.errors.name, Some("form-error-name-taken"));
        assert_eq!(form.errors.aor, Some("form-error-aor-parse"));
        assert_eq!(form.errors.registrar, Some("form-error-uri"));
        assert_eq!(form.errors.proxy, None);
        typed(&mut form, Field::Aor, "sip:example.com");
        form.update(Message::Save, &[]);
        assert_eq!(form.errors.aor, Some("form-error-aor-user"));
        assert!(!form.saving);
    }

    #[test]
    fn a_valid_form_saves_the_account_and_hands_over_the_password() {
        let mut original = AccountSettings::new("work", "sip:alice@example.com");
        original.expires = 300;
        let mut form = Form::edit(&original);
        typed(&mut form, Field::Name, " office ");
        typed(&mut form, Field::Password, "s3cret");
        typed(&mut form, Field::Proxy, "sip:proxy.example.com;lr");
        form.update(
            Message::Transport(TransportChoice {
                transport: Transport::Tls,
                label: String::new(),
            }),
            &[],
        );
        let Some(Outcome::Save {
            original,
            account,
            password,
        }) = form.update(Message::Save, &["home".into()])
        else {
            panic!("not saved: {:?}", form.errors);
        };
        assert_eq!(original.as_deref(), Some("work"));
        assert_eq!(account.name, "office");
        assert_eq!(
            account.expires, 300,
            "fields the form does not show are kept"
        );
        assert_eq!(account.transport, Transport::Tls);
        assert_eq!(
            account.outbound_proxy.as_deref(),
            Some("sip:proxy.example.com;lr")
        );
        assert_eq!(
            password.map(|p| p.expose().to_owned()).as_deref(),
            Some("s3cret")
        );
        assert!(
            form.password.0.is_empty(),
            "the typed password is not kept in the form"
        );
        assert!(form.saving);
    }

    #[test]
    fn a_typed_password_never_shows_in_debug_output() {
        let mut form = Form::new();
        let message = Message::Input(Field::Password, "hunter2".into());
        assert!(!format!("{message:?}").contains("hunter2"));
        form.update(message, &[]);
        assert!(!format!("{form:?}").contains("hunter2"));
    }
}
