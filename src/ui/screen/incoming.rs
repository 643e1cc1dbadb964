//! An incoming call, shown over everything else: the caller (display name and address),
//! the account it came in on, Answer (Enter) and Decline (Escape).

use super::labelled;
use crate::sip::call::CallId;
use crate::ui::calls::Call;
use crate::ui::i18n::I18n;
use crate::ui::tab_stop::button;
use iced::keyboard::{self, Key, key::Named};
use iced::widget::{column, container, row, text};
use iced::{Center, Element, Fill};

/// What the user does here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// Take the call.
    Answer(CallId),
    /// Refuse it.
    Decline(CallId),
}

/// What the parent must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Answer this call.
    Answer(CallId),
    /// Decline this call (603 Decline).
    Decline(CallId),
}

/// Handles a message.
pub fn update(message: Message) -> Event {
    match message {
        Message::Answer(call) => Event::Answer(call),
        Message::Decline(call) => Event::Decline(call),
    }
}

/// The shortcuts: Enter answers, Escape declines `call`.
pub fn key(event: &keyboard::Event, call: CallId) -> Option<Message> {
    let keyboard::Event::KeyPressed { key, .. } = event else {
        return None;
    };
    match key.as_ref() {
        Key::Named(Named::Enter) => Some(Message::Answer(call)),
        Key::Named(Named::Escape) => Some(Message::Decline(call)),
        _ => None,
    }
}

/// The incoming call view; `known` is the caller's name from the contacts, `account` names
/// the account it came in on (`None`: direct); `others` counts the other live calls (a
/// waiting call).
pub fn view<'a>(
    i18n: &I18n,
    call: &'a Call,
    known: Option<&'a str>,
    account: Option<&str>,
    others: usize,
) -> Element<'a, Message> {
    let via = match account {
        Some(name) => i18n.tr("incoming-via-account", &[("account", name.into())]),
        None => i18n.t("incoming-direct"),
    };
    let title = known.unwrap_or(call.title());
    let mut col = column![
        text(i18n.t("incoming-title")).size(20),
        text(title).size(super::call::title_size(title) + 4),
    ]
    .spacing(12)
    .align_x(Center);
    if known.is_some() || call.name.is_some() {
        col = col.push(text(call.address.as_str()).size(16));
    }
    col = col.push(text(via).size(15));
    col = col.push(super::call::security(i18n, call));
    if others > 0 {
        col = col.push(text(
            i18n.tr("incoming-others", &[("count", (others as i64).into())]),
        ));
    }
    let answer = button(labelled(i18n.t("incoming-answer"), i18n.t("key-enter")))
        .on_press(Message::Answer(call.id))
        .style(button::success)
        .padding(14)
        .width(Fill);
    let decline = button(labelled(i18n.t("incoming-decline"), i18n.t("key-escape")))
        .on_press(Message::Decline(call.id))
        .style(button::danger)
        .padding(14)
        .width(Fill);
    col = col.push(row![decline, answer].spacing(20).padding([30, 0]));
    container(col).center(Fill).padding(24).into()
}
