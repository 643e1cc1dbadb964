//! Settings (a first few): the language, switched at once, and light or dark looks.

use super::{card, heading};
use crate::ui::i18n::{I18n, Lang};
use iced::widget::{column, pick_list, text, toggler};
use iced::{Element, Fill};

/// What the user does here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// A language was picked.
    Language(Lang),
    /// The dark theme was switched on or off.
    Dark(bool),
}

/// What the parent must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Speak this language from now on.
    Language(Lang),
    /// Use the dark theme (or not).
    Dark(bool),
}

/// Handles a message.
pub fn update(message: Message) -> Event {
    match message {
        Message::Language(lang) => Event::Language(lang),
        Message::Dark(dark) => Event::Dark(dark),
    }
}

/// The settings view.
pub fn view<'a>(i18n: &I18n, dark: bool) -> Element<'a, Message> {
    let language = column![
        text(i18n.t("settings-language")).size(14),
        pick_list(Lang::ALL, Some(i18n.lang()), Message::Language).width(Fill),
    ]
    .spacing(6);
    let looks = toggler(dark)
        .label(i18n.t("settings-dark"))
        .on_toggle(Message::Dark);
    column![
        heading(i18n.t("settings-title")),
        card(column![language, looks].spacing(16)),
        text(i18n.t("settings-more-later")).size(13),
    ]
    .spacing(16)
    .into()
}
