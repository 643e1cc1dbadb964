//! Home, and the first run: our own address (where others can call us directly: the P2P
//! one when we have an identity) with a copy button, the people nearby with a Call button
//! each, and the way to add a SIP account.

use super::{card, heading};
use crate::ui::i18n::I18n;
use crate::ui::tab_stop::button;
use iced::widget::{column, row, text};
use iced::{Center, Element, Fill};

/// What the user does here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Copy our address to the clipboard.
    CopyAddress,
    /// Open the account form.
    AddAccount,
    /// Open the dialpad.
    OpenDialpad,
    /// Call someone nearby at this address.
    Call(String),
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
    /// Call this address (directly, without an account).
    Call(String),
}

/// Someone on the local network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nearby {
    /// Their P2P address, `sip:<handle>@<key>`.
    pub address: String,
    /// The name they show.
    pub name: String,
}

impl Nearby {
    /// Their key (z-base32): the host of their address.
    pub fn key(&self) -> &str {
        key_of(&self.address)
    }

    /// Whether their address names this key (as `NearbyGone` gives it).
    pub fn has_key(&self, key: &str) -> bool {
        self.key().eq_ignore_ascii_case(key)
    }
}

/// The key in a P2P address `sip:<handle>@<key>` (the whole text when it has no `@`).
pub fn key_of(address: &str) -> &str {
    address.rsplit_once('@').map_or(address, |(_, host)| host)
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
        Message::Call(address) => Some(Event::Call(address)),
    }
}

/// The home view; `direct` is our direct-IP address when `own` shows the P2P one,
/// `accounts` is how many accounts are set up, `nearby` who is on the local network.
pub fn view<'a>(
    i18n: &I18n,
    own: Address<'a>,
    direct: Option<&str>,
    accounts: usize,
    nearby: &'a [Nearby],
) -> Element<'a, Message> {
    let address: Element<'a, Message> = match own {
        Address::At(uri) => row![
            // A P2P address is long and has nothing to wrap at: smaller letters.
            text(uri)
                .size(if uri.chars().count() > 32 { 14 } else { 18 })
                .width(Fill),
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
    let mut own_col = column![text(i18n.t("home-your-address")).size(14), address].spacing(8);
    if let Some(direct) = direct {
        own_col = own_col
            .push(text(i18n.tr("home-direct-address", &[("address", direct.into())])).size(13));
    }
    let own_card = card(own_col.push(text(i18n.t("home-address-hint")).size(13)));
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
    let mut people = column![text(i18n.t("home-nearby")).size(14)].spacing(8);
    for someone in nearby {
        people = people.push(
            row![
                column![
                    text(someone.name.as_str()),
                    text(someone.address.as_str()).size(12),
                ]
                .width(Fill),
                button(text(i18n.t("home-call")))
                    .on_press(Message::Call(someone.address.clone()))
                    .style(button::success),
            ]
            .spacing(10)
            .align_y(Center),
        );
    }
    let mut page = column![heading(i18n.t("home-title")), own_card].spacing(16);
    if !nearby.is_empty() {
        page = page.push(card(people));
    }
    page.push(account_card)
        .push(
            button(text(i18n.t("home-open-dialpad")))
                .on_press(Message::OpenDialpad)
                .style(button::secondary),
        )
        .into()
}
