//! Contacts: search as you type (name and address), favourites first; a click (or Enter in
//! the search field) calls; add, edit and delete with the problems shown next to the fields;
//! each contact's recent calls; vCard import and export of a file named in a field.

use super::history::{direction_label, when};
use super::{card, field, heading};
use crate::sip::uri::Uri;
use crate::store::{Contact, ContactId, HistoryEntry};
use crate::ui::i18n::{I18n, k};
use crate::ui::tab_stop::{button, checkbox};
use iced::widget::{Id, column, row, text, text_input};
use iced::{Center, Element, Fill};
use std::path::PathBuf;

/// What the user does here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The search text changed.
    Query(String),
    /// Enter in the search field: call the first match.
    CallFirst,
    /// Call this address.
    Call(String),
    /// Open the form for a new contact.
    Add,
    /// Open the form for this contact.
    Edit(ContactId),
    /// Remove this contact.
    Delete(ContactId),
    /// The form's name field.
    Name(String),
    /// The form's addresses field (comma-separated).
    Uris(String),
    /// The form's favourite box.
    Favourite(bool),
    /// Save the form.
    Save,
    /// Close the form without saving.
    Cancel,
    /// The vCard file's path.
    File(String),
    /// Read contacts from the vCard file.
    Import,
    /// Write every contact to the vCard file.
    Export,
}

/// What the parent must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Call this address.
    Dial(String),
    /// Store this contact (new if it has no id).
    Save(Contact),
    /// Remove this contact.
    Delete(ContactId),
    /// Read contacts from this vCard file.
    Import(PathBuf),
    /// Write the contacts to this vCard file.
    Export(PathBuf),
}

/// The contact being added or edited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    id: Option<ContactId>,
    name: String,
    uris: String,
    favourite: bool,
    name_error: Option<&'static str>,
    uris_error: Option<(&'static str, String)>,
}

/// The screen's state.
#[derive(Debug, Clone, Default)]
pub struct Contacts {
    /// What is searched for.
    pub query: String,
    form: Option<Form>,
    file: String,
    file_error: Option<&'static str>,
}

/// The search field's id (focused when the screen opens).
pub fn search_id() -> Id {
    Id::new("contacts-search")
}

impl Contacts {
    /// Handles a message; `contacts` are the stored ones (favourites first).
    pub fn update(&mut self, message: Message, contacts: &[Contact]) -> Option<Event> {
        match message {
            Message::Query(query) => self.query = query,
            Message::CallFirst => {
                let first = contacts.iter().find(|c| c.matches(&self.query))?;
                return first.uris.first().cloned().map(Event::Dial);
            }
            Message::Call(uri) => return Some(Event::Dial(uri)),
            Message::Add => {
                self.form = Some(Form {
                    name: self.query.trim().to_owned(),
                    ..Form::default()
                });
            }
            Message::Edit(id) => {
                let contact = contacts.iter().find(|c| c.id == Some(id))?;
                self.form = Some(Form {
                    id: Some(id),
                    name: contact.name.clone(),
                    uris: contact.uris.join(", "),
                    favourite: contact.favourite,
                    ..Form::default()
                });
            }
            Message::Delete(id) => {
                self.form = None;
                return Some(Event::Delete(id));
            }
            Message::Name(name) => {
                let form = self.form.as_mut()?;
                form.name = name;
                form.name_error = None;
            }
            Message::Uris(uris) => {
                let form = self.form.as_mut()?;
                form.uris = uris;
                form.uris_error = None;
            }
            Message::Favourite(on) => self.form.as_mut()?.favourite = on,
            Message::Save => {
                let form = self.form.as_mut()?;
                let contact = form.check()?;
                self.form = None;
                return Some(Event::Save(contact));
            }
            Message::Cancel => self.form = None,
            Message::File(file) => {
                self.file = file;
                self.file_error = None;
            }
            Message::Import | Message::Export => {
                let path = self.file.trim();
                if path.is_empty() {
                    self.file_error = Some(k("contacts-error-no-file"));
                    return None;
                }
                let path = PathBuf::from(path);
                return Some(if message == Message::Import {
                    Event::Import(path)
                } else {
                    Event::Export(path)
                });
            }
        }
        None
    }

    /// The contacts view; `history` is the recent calls (newest first), `offset` the local
    /// time's offset from UTC in seconds.
    pub fn view<'a>(
        &'a self,
        i18n: &I18n,
        contacts: &'a [Contact],
        history: &'a [HistoryEntry],
        offset: i64,
    ) -> Element<'a, Message> {
        if let Some(form) = &self.form {
            return form.view(i18n);
        }
        let search = text_input(&i18n.t("contacts-search"), &self.query)
            .id(search_id())
            .on_input(Message::Query)
            .on_submit(Message::CallFirst)
            .padding(8);
        let mut col = column![
            row![
                heading(i18n.t("contacts-title")),
                iced::widget::space::horizontal(),
                button(text(i18n.t("contacts-add")))
                    .on_press(Message::Add)
                    .style(button::primary),
            ]
            .align_y(Center),
            search,
        ]
        .spacing(12);
        let matching: Vec<&Contact> = contacts.iter().filter(|c| c.matches(&self.query)).collect();
        if contacts.is_empty() {
            col = col.push(text(i18n.t("contacts-empty")));
        } else if matching.is_empty() {
            col = col.push(text(i18n.t("contacts-no-match")));
        }
        for contact in matching {
            col = col.push(contact_card(i18n, contact, history, offset));
        }
        col.push(self.vcard_view(i18n)).into()
    }

    fn vcard_view(&self, i18n: &I18n) -> Element<'_, Message> {
        let input = text_input(&i18n.t("contacts-vcard-placeholder"), &self.file)
            .on_input(Message::File)
            .padding(8);
        let error = self.file_error.map(|e| i18n.t(e));
        card(
            column![
                field(i18n.t("contacts-vcard-file"), input, error),
                row![
                    button(text(i18n.t("contacts-import")))
                        .on_press(Message::Import)
                        .style(button::secondary),
                    button(text(i18n.t("contacts-export")))
                        .on_press(Message::Export)
                        .style(button::secondary),
                ]
                .spacing(10),
            ]
            .spacing(10),
        )
    }
}

/// One contact: its name (a click calls the first address), each address (a click calls
/// it), the edit button, and its last calls.
fn contact_card<'a>(
    i18n: &I18n,
    contact: &'a Contact,
    history: &'a [HistoryEntry],
    offset: i64,
) -> Element<'a, Message> {
    let star = if contact.favourite { "★ " } else { "" };
    let mut name = button(text(format!("{star}{}", contact.name)).size(18)).style(button::text);
    if let Some(first) = contact.uris.first() {
        name = name.on_press(Message::Call(first.clone()));
    }
    let mut col = column![
        row![
            name.width(Fill),
            button(text(i18n.t("contacts-edit")))
                .on_press_maybe(contact.id.map(Message::Edit))
                .style(button::secondary),
        ]
        .align_y(Center)
    ]
    .spacing(4);
    for uri in &contact.uris {
        col = col.push(
            button(text(uri.as_str()).size(14))
                .on_press(Message::Call(uri.clone()))
                .style(button::text)
                .padding([2, 8]),
        );
    }
    let recent: Vec<&HistoryEntry> = history
        .iter()
        .filter(|h| contact.has_address(&h.remote))
        .take(3)
        .collect();
    for entry in recent {
        col = col.push(
            text(format!(
                "{} · {} · {}",
                direction_label(i18n, entry.direction),
                when(entry.start, offset),
                super::call::clock(std::time::Duration::from_secs(entry.duration)),
            ))
            .size(13),
        );
    }
    card(col)
}

impl Form {
    /// The contact, or `None` with the problems set next to the fields.
    fn check(&mut self) -> Option<Contact> {
        let name = self.name.trim();
        self.name_error = name.is_empty().then_some(k("contacts-error-name"));
        let uris: Vec<String> = self
            .uris
            .split([',', '\n'])
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .collect();
        self.uris_error = if uris.is_empty() {
            Some((k("contacts-error-no-address"), String::new()))
        } else {
            uris.iter()
                .find(|u| !is_callable(u))
                .map(|bad| (k("contacts-error-bad-address"), bad.clone()))
        };
        if self.name_error.is_some() || self.uris_error.is_some() {
            return None;
        }
        Some(Contact {
            id: self.id,
            name: name.to_owned(),
            uris,
            favourite: self.favourite,
        })
    }

    fn view(&self, i18n: &I18n) -> Element<'_, Message> {
        let name = text_input("", &self.name)
            .on_input(Message::Name)
            .on_submit(Message::Save)
            .padding(8);
        let uris = text_input(&i18n.t("contacts-addresses-placeholder"), &self.uris)
            .on_input(Message::Uris)
            .on_submit(Message::Save)
            .padding(8);
        let uris_error = self
            .uris_error
            .as_ref()
            .map(|(id, bad)| i18n.tr(id, &[("address", bad.as_str().into())]));
        let title = if self.id.is_some() {
            i18n.t("contacts-edit-title")
        } else {
            i18n.t("contacts-new-title")
        };
        let mut actions = row![
            button(text(i18n.t("contacts-save")))
                .on_press(Message::Save)
                .style(button::primary),
            button(text(i18n.t("contacts-cancel")))
                .on_press(Message::Cancel)
                .style(button::secondary),
        ]
        .spacing(10);
        if let Some(id) = self.id {
            actions = actions.push(iced::widget::space::horizontal()).push(
                button(text(i18n.t("contacts-delete")))
                    .on_press(Message::Delete(id))
                    .style(button::danger),
            );
        }
        column![
            heading(title),
            field(
                i18n.t("contacts-name"),
                name,
                self.name_error.map(|e| i18n.t(e))
            ),
            field(i18n.t("contacts-addresses"), uris, uris_error),
            checkbox(self.favourite)
                .label(i18n.t("contacts-favourite"))
                .on_toggle(Message::Favourite),
            actions,
        ]
        .spacing(14)
        .into()
    }
}

/// A `sip:`, `sips:` or `tel:` URI, or a number (digits with `+ - ( ) .` and spaces), or a
/// plain user name (called through an account).
pub fn is_callable(address: &str) -> bool {
    if address.contains(':') {
        return matches!(Uri::parse(address), Ok(Uri::Sip(_) | Uri::Tel(_)));
    }
    !address.is_empty()
        && address
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-().*#_ ".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bob() -> Contact {
        Contact {
            id: Some(ContactId(2)),
            name: "Bob".into(),
            uris: vec!["sip:bob@example.com".into(), "+4930123".into()],
            favourite: false,
        }
    }

    #[test]
    fn the_form_reports_problems_next_to_the_fields_and_saves_when_fixed() {
        let mut screen = Contacts::default();
        screen.update(Message::Add, &[]);
        assert_eq!(screen.update(Message::Save, &[]), None);
        let form = screen.form.clone().unwrap();
        assert_eq!(form.name_error, Some("contacts-error-name"));
        assert_eq!(
            form.uris_error,
            Some(("contacts-error-no-address", String::new()))
        );
        screen.update(Message::Name(" Carol ".into()), &[]);
        screen.update(Message::Uris("sip:carol@example.com, http://x".into()), &[]);
        assert_eq!(screen.update(Message::Save, &[]), None);
        let form = screen.form.clone().unwrap();
        assert_eq!(form.name_error, None);
        assert_eq!(
            form.uris_error,
            Some(("contacts-error-bad-address", "http://x".into()))
        );
        screen.update(
            Message::Uris("sip:carol@example.com, +1 555 0100".into()),
            &[],
        );
        screen.update(Message::Favourite(true), &[]);
        let saved = screen.update(Message::Save, &[]);
        assert_eq!(
            saved,
            Some(Event::Save(Contact {
                id: None,
                name: "Carol".into(),
                uris: vec!["sip:carol@example.com".into(), "+1 555 0100".into()],
                favourite: true,
            }))
        );
        assert!(screen.form.is_none());
    }

    #[test]
    fn editing_keeps_the_id_and_enter_calls_the_first_match() {
        let contacts = [bob()];
        let mut screen = Contacts::default();
        screen.update(Message::Edit(ContactId(2)), &contacts);
        screen.update(Message::Name("Robert".into()), &contacts);
        let Some(Event::Save(saved)) = screen.update(Message::Save, &contacts) else {
            panic!("not saved");
        };
        assert_eq!(saved.id, Some(ContactId(2)));
        assert_eq!(saved.uris, bob().uris);
        screen.update(Message::Query("4930".into()), &contacts);
        assert_eq!(
            screen.update(Message::CallFirst, &contacts),
            Some(Event::Dial("sip:bob@example.com".into()))
        );
        screen.update(Message::Query("nobody".into()), &contacts);
        assert_eq!(screen.update(Message::CallFirst, &contacts), None);
    }

    #[test]
    fn import_needs_a_file_name() {
        let mut screen = Contacts::default();
        assert_eq!(screen.update(Message::Import, &[]), None);
        assert_eq!(screen.file_error, Some("contacts-error-no-file"));
        screen.update(Message::File("/tmp/x.vcf".into()), &[]);
        assert_eq!(
            screen.update(Message::Export, &[]),
            Some(Event::Export("/tmp/x.vcf".into()))
        );
    }
}
