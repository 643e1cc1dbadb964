//! The window's screens. Each owns its `Message`, the `Event`s its parent acts on, a small
//! `update`, a `view`, and (where it has shortcuts) a `key` function mapping a keyboard event
//! to one of its messages.

pub mod accounts;
pub mod call;
pub mod contacts;
pub mod dialpad;
pub mod help;
pub mod history;
pub mod home;
pub mod incoming;
pub mod settings;

use crate::ui::tab_stop::button;
use iced::widget::{column, container, row, text};
use iced::{Center, Element, Fill};

/// The screens the navigation bar offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    /// Our address, and where to start.
    #[default]
    Home,
    /// Typing a number or address to call.
    Dialpad,
    /// The address book.
    Contacts,
    /// The calls that were.
    History,
    /// The live calls.
    Call,
    /// The SIP accounts.
    Accounts,
    /// Sound devices, codecs, incoming calls, language and looks.
    Settings,
}

/// The keys of a phone's keypad, row by row.
pub const KEYPAD: [[char; 3]; 4] = [
    ['1', '2', '3'],
    ['4', '5', '6'],
    ['7', '8', '9'],
    ['*', '0', '#'],
];

/// A 4×3 keypad; each key produces `on_key(digit)`.
pub fn keypad<'a, M: Clone + 'a>(on_key: impl Fn(char) -> M) -> Element<'a, M> {
    let rows = KEYPAD.iter().map(|keys| {
        row(keys.iter().map(|&key| {
            button(text(key.to_string()).size(22).width(Fill).align_x(Center))
                .on_press(on_key(key))
                .style(button::secondary)
                .width(72)
                .padding(10)
                .into()
        }))
        .spacing(10)
        .into()
    });
    column(rows).spacing(10).align_x(Center).into()
}

/// A button label with its keyboard shortcut under it, smaller ("Answer" / "Enter").
pub fn labelled<'a, M: 'a>(label: String, shortcut: String) -> Element<'a, M> {
    column![text(label).size(18), text(shortcut).size(12)]
        .align_x(Center)
        .width(Fill)
        .into()
}

/// A form field: its label, the input, and the validation message next to it (if any).
pub fn field<'a, M: 'a>(
    label: String,
    input: impl Into<Element<'a, M>>,
    error: Option<String>,
) -> Element<'a, M> {
    let mut col = column![text(label).size(14), input.into()].spacing(4);
    if let Some(error) = error {
        col = col.push(text(error).size(13).style(text::danger));
    }
    col.into()
}

/// A boxed section.
pub fn card<'a, M: 'a>(content: impl Into<Element<'a, M>>) -> Element<'a, M> {
    container(content)
        .padding(16)
        .width(Fill)
        .style(container::rounded_box)
        .into()
}

/// A heading.
pub fn heading<'a, M: 'a>(title: String) -> Element<'a, M> {
    text(title).size(24).into()
}

/// The share of a level meter that lights up for `level` (its RMS; -60 dBFS and below show
/// nothing, 0 dBFS everything).
pub fn meter_fill(level: Option<crate::engine::Level>) -> f32 {
    let Some(level) = level else { return 0.0 };
    ((f32::from(level.rms_dbfs) + 60.0) / 60.0).clamp(0.0, 1.0)
}

/// A level meter: a bar, and the level in dB next to it (nothing measured yet: empty).
pub fn level_meter<'a, M: 'a>(
    i18n: &crate::ui::i18n::I18n,
    level: Option<crate::engine::Level>,
) -> Element<'a, M> {
    let words = match level {
        Some(level) => i18n.tr("level-db", &[("db", i64::from(level.rms_dbfs).into())]),
        None => i18n.t("level-none"),
    };
    row![
        iced::widget::progress_bar(0.0..=1.0, meter_fill(level))
            .length(Fill)
            .girth(10),
        text(words).size(13).width(64),
    ]
    .spacing(8)
    .align_y(Center)
    .width(Fill)
    .into()
}
