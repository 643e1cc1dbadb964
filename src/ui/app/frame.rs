//! The frame around the screens: the navigation bar (with the count of calls and the
//! History tab's missed-call badge) and the notice line.

use super::{App, Message};
use crate::ui::screen::Tab;
use crate::ui::tab_stop::button;
use iced::widget::{container, row, text, tooltip};
use iced::{Center, Element, Fill};

impl App {
    pub(super) fn navigation(&self) -> Element<'_, Message> {
        let i18n = &self.i18n;
        let mut tabs = vec![
            (Tab::Home, i18n.t("nav-home")),
            (Tab::Dialpad, i18n.t("nav-dialpad")),
            (Tab::Contacts, i18n.t("nav-contacts")),
            (
                Tab::History,
                i18n.tr(
                    "nav-history",
                    &[("count", i64::from(self.unseen_missed).into())],
                ),
            ),
        ];
        if !self.calls.all().is_empty() {
            let count = self.calls.all().len() as i64;
            tabs.push((Tab::Call, i18n.tr("nav-calls", &[("count", count.into())])));
        }
        tabs.push((Tab::Accounts, i18n.t("nav-accounts")));
        tabs.push((Tab::Settings, i18n.t("nav-settings")));
        let missed = self.unseen_missed;
        let buttons = tabs.into_iter().map(|(tab, label)| {
            let badge = tab == Tab::History && missed > 0;
            let style = if tab == self.tab {
                button::primary
            } else if badge {
                // The missed calls stand out until the history is looked at.
                button::danger
            } else {
                button::text
            };
            let button = button(text(label).size(15))
                .on_press(Message::Tab(tab))
                .style(style);
            if badge {
                let count = i64::from(missed);
                let tip = i18n.tr("history-missed-count", &[("count", count.into())]);
                tooltip(
                    button,
                    container(text(tip).size(14))
                        .padding(6)
                        .style(container::rounded_box),
                    tooltip::Position::Bottom,
                )
                .into()
            } else {
                button.into()
            }
        });
        container(row(buttons).spacing(4).padding(8))
            .width(Fill)
            .style(container::bordered_box)
            .into()
    }

    pub(super) fn notice_bar(&self) -> Option<Element<'_, Message>> {
        let notice = self.notice.as_ref()?;
        let args: Vec<_> = notice
            .args
            .iter()
            .map(|(name, value)| {
                // Counts select plural forms only as numbers.
                let value = if matches!(*name, "count" | "skipped") {
                    fluent_bundle::FluentValue::try_number(value.as_str())
                } else {
                    value.as_str().into()
                };
                (*name, value)
            })
            .collect();
        let words = text(self.i18n.tr(notice.id, &args)).width(Fill);
        let words = if notice.error {
            words.style(text::danger)
        } else {
            words
        };
        let mut line = row![words].spacing(8).align_y(Center);
        if notice.id == "notice-engine-failed" {
            line = line.push(
                button(text(self.i18n.t("notice-retry")))
                    .on_press(Message::RetryEngine)
                    .style(button::secondary),
            );
        }
        line = line.push(
            button(text(self.i18n.t("notice-dismiss")))
                .on_press(Message::DismissNotice)
                .style(button::text),
        );
        Some(
            container(line.padding([6, 16]))
                .width(Fill)
                .style(container::rounded_box)
                .into(),
        )
    }
}
