//! Home, and the first run: our own address (where others can call us directly) with a copy
//! button, and the way to add a SIP account.

use super::{card, heading};
use crate::ui::i18n::I18n;
use iced::widget::{button, column, row, text};
use iced::{Center, Element, Fill};

/// What the user does here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// Copy our address to the clipboard.
    CopyAddress,
    /// Open the account form.
    AddAccount,
    /// Open the dialpad.
    OpenDialpad,
}

/// What the parent must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Put this text on the clipboard.
    Copy(String),
    /// Show the account form for a new account.
    AddAccount,
    /// Show the dialpad.
    OpenDialpad,
}

/// Where our address stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Address<'a> {
    /// The engine is starting.
    Starting,
    /// Reachable here.
    At(&'a str),
    /// The engine is not running.
    Offline,
}

/// Handles a message; `own` is our address once known.
pub fn update(message: Message, own: Option<&str>) -> Option<Event> {
    match message {
        Message::CopyAddress => own.map(|a| Event::Copy(a.to_owned())),
        Message::AddAccount => Some(Event::AddAccount),
        Message::OpenDialpad => Some(Event::OpenDialpad),
    }
}

/// The home view; `accounts` is how many accounts are set up.
pub fn view<'a>(i18n: &I18n, own: Address<'a>, accounts: usize) -> Element<'a, Message> {
    let address: Element<'a, Message> = match own {
        Address::At(uri) => row![
            text(uri).size(18).width(Fill),
            button(text(i18n.t("home-copy")))
                .on_press(Message::CopyAddress)
                .style(button::secondary),
        ]
        .spacing(10)
        .align_y(Center)
        .into(),
        Address::Starting => text(i18n.t("home-address-starting")).into(),
        Address::Offline => text(i18n.t("home-address-offline"))
            .style(text::danger)
            .into(),
    };
    let own_card = card(
        column![
            text(i18n.t("home-your-address")).size(14),
            address,
            text(i18n.t("home-address-hint")).size(13),
        ]
        .spacing(8),
    );
    let accounts_text = if accounts == 0 {
        i18n.t("home-no-accounts")
    } else {
        i18n.tr(
            "home-accounts-count",
            &[("count", (accounts as i64).into())],
        )
    };
    let account_card = card(
        column![
            text(accounts_text),
            button(text(i18n.t("home-add-account")))
                .on_press(Message::AddAccount)
                .style(button::primary),
        ]
        .spacing(10),
    );
    column![
        heading(i18n.t("home-title")),
        own_card,
        account_card,
        button(text(i18n.t("home-open-dialpad")))
            .on_press(Message::OpenDialpad)
            .style(button::secondary),
    ]
    .spacing(16)
    .into()
}
