//! The keyboard help (F1 or `?`): every shortcut, shown over the current screen until
//! closed (Escape, F1, `?` or the button).

use super::{card, heading};
use crate::ui::i18n::{I18n, k};
use crate::ui::tab_stop::button;
use iced::keyboard::{self, Key, key::Named};
use iced::widget::{column, row, text};
use iced::{Element, Fill};

/// The shortcuts, as (keys, what they do) message ids.
pub const SHORTCUTS: [(&str, &str); 13] = [
    (k("help-keys-help"), k("help-does-help")),
    (k("help-keys-search"), k("help-does-search")),
    (k("help-keys-dial"), k("help-does-dial")),
    (k("help-keys-tab"), k("help-does-tab")),
    (k("help-keys-digits"), k("help-does-digits")),
    (k("help-keys-enter-dialpad"), k("help-does-enter-dialpad")),
    (k("help-keys-enter-incoming"), k("help-does-enter-incoming")),
    (
        k("help-keys-escape-incoming"),
        k("help-does-escape-incoming"),
    ),
    (k("help-keys-dtmf"), k("help-does-dtmf")),
    (k("help-keys-hold"), k("help-does-hold")),
    (k("help-keys-mute"), k("help-does-mute")),
    (k("help-keys-escape-call"), k("help-does-escape-call")),
    (k("help-keys-enter-contacts"), k("help-does-enter-contacts")),
];

/// Whether `event` opens or closes the help: F1 or `?`.
pub fn toggles(event: &keyboard::Event) -> bool {
    let keyboard::Event::KeyPressed { key, modifiers, .. } = event else {
        return false;
    };
    if modifiers.control() || modifiers.alt() || modifiers.logo() {
        return false;
    }
    match key.as_ref() {
        Key::Named(Named::F1) => true,
        Key::Character(c) => c == "?",
        _ => false,
    }
}

/// Where a window-wide shortcut goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jump {
    /// Ctrl+F: the contacts, their search field focused.
    Search,
    /// Ctrl+D: the dialpad, its field focused.
    Dial,
    /// Tab: the next field.
    Next,
    /// Shift+Tab: the previous field.
    Previous,
}

/// The window-wide shortcut `event` is, if any.
pub fn jump(event: &keyboard::Event) -> Option<Jump> {
    let keyboard::Event::KeyPressed { key, modifiers, .. } = event else {
        return None;
    };
    if modifiers.alt() || modifiers.logo() {
        return None;
    }
    match key.as_ref() {
        Key::Named(Named::Tab) if modifiers.control() => None,
        Key::Named(Named::Tab) if modifiers.shift() => Some(Jump::Previous),
        Key::Named(Named::Tab) => Some(Jump::Next),
        Key::Character(c) if modifiers.control() && c.eq_ignore_ascii_case("f") => {
            Some(Jump::Search)
        }
        Key::Character(c) if modifiers.control() && c.eq_ignore_ascii_case("d") => Some(Jump::Dial),
        _ => None,
    }
}

/// Whether `event` is Escape (which closes the help).
pub fn closes(event: &keyboard::Event) -> bool {
    matches!(
        event,
        keyboard::Event::KeyPressed {
            key: Key::Named(Named::Escape),
            ..
        }
    )
}

/// The help; `close` is the message of its Close button.
pub fn view<'a, M: Clone + 'a>(i18n: &I18n, close: M) -> Element<'a, M> {
    let lines = SHORTCUTS.iter().map(|(keys, does)| {
        row![
            text(i18n.t(keys)).width(200).size(15),
            text(i18n.t(does)).width(Fill).size(15),
        ]
        .spacing(10)
        .into()
    });
    column![
        heading(i18n.t("help-title")),
        card(column(lines).spacing(8)),
        button(text(i18n.t("help-close")))
            .on_press(close)
            .style(button::primary),
    ]
    .spacing(16)
    .into()
}
