//! The call history: each call with its direction, who (the contact's name when known),
//! when, how long and on which account; call back; clear everything.

use super::{card, heading};
use crate::store::{Contact, Direction, HistoryEntry, contact_for};
use crate::ui::i18n::{I18n, k};
use crate::ui::tab_stop::button;
use iced::widget::{column, row, text};
use iced::{Center, Element, Fill};
use std::time::Duration;

/// What the user does here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Call this address back.
    CallBack(String),
    /// Ask to forget every call.
    Clear,
    /// Yes, forget them.
    ConfirmClear,
    /// No, keep them.
    CancelClear,
}

/// What the parent must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Call this address.
    Dial(String),
    /// Forget every call.
    Clear,
}

/// The screen's state.
#[derive(Debug, Clone, Default)]
pub struct History {
    confirming: bool,
}

impl History {
    /// Handles a message.
    pub fn update(&mut self, message: Message) -> Option<Event> {
        match message {
            Message::CallBack(address) => return Some(Event::Dial(address)),
            Message::Clear => self.confirming = true,
            Message::ConfirmClear => {
                self.confirming = false;
                return Some(Event::Clear);
            }
            Message::CancelClear => self.confirming = false,
        }
        None
    }

    /// The history view; `offset` is the local time's offset from UTC in seconds.
    pub fn view<'a>(
        &'a self,
        i18n: &I18n,
        history: &'a [HistoryEntry],
        contacts: &'a [Contact],
        offset: i64,
    ) -> Element<'a, Message> {
        let mut head = row![
            heading(i18n.t("history-title")),
            iced::widget::space::horizontal()
        ]
        .align_y(Center)
        .spacing(10);
        if self.confirming {
            head = head
                .push(
                    button(text(i18n.t("history-confirm-clear")))
                        .on_press(Message::ConfirmClear)
                        .style(button::danger),
                )
                .push(
                    button(text(i18n.t("history-keep")))
                        .on_press(Message::CancelClear)
                        .style(button::secondary),
                );
        } else if !history.is_empty() {
            head = head.push(
                button(text(i18n.t("history-clear")))
                    .on_press(Message::Clear)
                    .style(button::secondary),
            );
        }
        let mut col = column![head].spacing(10);
        if history.is_empty() {
            col = col.push(text(i18n.t("history-empty")));
        }
        for entry in history {
            col = col.push(entry_view(i18n, entry, contacts, offset));
        }
        col.into()
    }
}

fn entry_view<'a>(
    i18n: &I18n,
    entry: &'a HistoryEntry,
    contacts: &'a [Contact],
    offset: i64,
) -> Element<'a, Message> {
    let who = contact_for(contacts, &entry.remote)
        .map(|c| c.name.as_str())
        .or(entry.name.as_deref())
        .unwrap_or(&entry.remote);
    let direction = text(direction_label(i18n, entry.direction)).size(13);
    let direction = if entry.direction == Direction::Missed {
        direction.style(text::danger)
    } else {
        direction
    };
    let account = match &entry.account {
        Some(name) => i18n.tr("history-on-account", &[("account", name.as_str().into())]),
        None => i18n.t("history-direct"),
    };
    let details = format!(
        "{} · {} · {account}",
        when(entry.start, offset),
        super::call::clock(Duration::from_secs(entry.duration)),
    );
    let mut about = column![
        row![direction, text(who).size(16)]
            .spacing(8)
            .align_y(Center)
    ];
    if who != entry.remote {
        about = about.push(text(entry.remote.as_str()).size(13));
    }
    about = about.push(text(details).size(13));
    card(
        row![
            about.width(Fill).spacing(2),
            button(text(i18n.t("history-call-back")))
                .on_press(Message::CallBack(entry.remote.clone()))
                .style(button::success),
        ]
        .spacing(10)
        .align_y(Center),
    )
}

/// The direction in words.
pub fn direction_label(i18n: &I18n, direction: Direction) -> String {
    i18n.t(match direction {
        Direction::Incoming => k("history-incoming"),
        Direction::Outgoing => k("history-outgoing"),
        Direction::Missed => k("history-missed-call"),
    })
}

/// `YYYY-MM-DD HH:MM` of `unix` seconds shifted by `offset` seconds (the local time zone).
pub fn when(unix: i64, offset: i64) -> String {
    let t = unix + offset;
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Days to a civil date (Howard Hinnant's algorithm, proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        secs / 3600,
        secs / 60 % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_local_dates() {
        assert_eq!(when(0, 0), "1970-01-01 00:00");
        assert_eq!(when(1_709_210_096, 0), "2024-02-29 12:34");
        assert_eq!(when(1_709_210_096, 3600), "2024-02-29 13:34");
        assert_eq!(when(951_825_600, -7200), "2000-02-29 10:00");
        assert_eq!(when(-1, 0), "1969-12-31 23:59");
    }

    #[test]
    fn clearing_asks_first() {
        let mut screen = History::default();
        assert_eq!(screen.update(Message::Clear), None);
        assert_eq!(screen.update(Message::CancelClear), None);
        screen.update(Message::Clear);
        assert_eq!(screen.update(Message::ConfirmClear), Some(Event::Clear));
        assert_eq!(
            screen.update(Message::CallBack("sip:a@b".into())),
            Some(Event::Dial("sip:a@b".into()))
        );
    }
}
