//! The dialpad: a number or address (`sip:`, `sips:`, `tel:` links accepted), the account to
//! call from (the default one preselected, or a direct call), digit keys, Call. Enter calls;
//! typed digits land in the field even when it is not focused.

use super::{heading, keypad};
use crate::sip::uri::Uri;
use crate::ui::i18n::{I18n, k};
use crate::ui::tab_stop::button;
use iced::keyboard::{self, Key, key::Named};
use iced::widget::{Id, column, container, pick_list, row, text, text_input};
use iced::{Center, Element, Fill};
use std::fmt;

/// The dialpad's text field.
pub fn input_id() -> Id {
    Id::new("dialpad-target")
}

/// What the user does here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The field changed.
    TargetChanged(String),
    /// An account (or a direct call) was chosen.
    AccountPicked(Choice),
    /// A digit key was pressed (on screen or on the keyboard).
    Digit(char),
    /// Remove the last character.
    Backspace,
    /// Call what is typed.
    Call,
}

/// What the parent must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Place a call.
    Dial {
        /// What to call, as typed (trimmed).
        target: String,
        /// The account to call from, by name (`None`: a direct call).
        account: Option<String>,
    },
}

/// An entry of the account picker.
#[derive(Debug, Clone, Eq)]
pub struct Choice {
    /// The account's name, `None` for a direct call.
    pub account: Option<String>,
    label: String,
}

impl Choice {
    /// An entry: `account` (`None`: a direct call) shown as `label`.
    pub fn new(account: Option<String>, label: String) -> Choice {
        Choice { account, label }
    }
}

impl PartialEq for Choice {
    fn eq(&self, other: &Self) -> bool {
        self.account == other.account
    }
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// The dialpad's state.
#[derive(Debug, Clone, Default)]
pub struct Dialpad {
    /// What is typed.
    pub target: String,
    /// The account chosen (`None`: a direct call).
    pub account: Option<String>,
    /// Why the last Call was refused (a message id).
    error: Option<&'static str>,
}

impl Dialpad {
    /// Keeps the chosen account valid when the accounts change: the default account, else
    /// the first one, else a direct call.
    pub fn preselect(&mut self, accounts: &[String], default: Option<&str>) {
        if self.account.as_ref().is_some_and(|a| accounts.contains(a)) {
            return;
        }
        self.account = default
            .filter(|d| accounts.iter().any(|a| a == d))
            .map(str::to_owned)
            .or_else(|| accounts.first().cloned());
    }

    /// Handles a message.
    pub fn update(&mut self, message: Message) -> Option<Event> {
        match message {
            Message::TargetChanged(target) => {
                self.target = target;
                self.error = None;
            }
            Message::AccountPicked(choice) => {
                self.account = choice.account;
                self.error = None;
            }
            Message::Digit(digit) => {
                self.target.push(digit);
                self.error = None;
            }
            Message::Backspace => {
                self.target.pop();
            }
            Message::Call => match check(&self.target, self.account.is_some()) {
                Ok(target) => {
                    self.target.clear();
                    self.error = None;
                    return Some(Event::Dial {
                        target,
                        account: self.account.clone(),
                    });
                }
                Err(id) => self.error = Some(id),
            },
        }
        None
    }

    /// The dialpad view; `accounts` are the accounts one may call from.
    pub fn view<'a>(&'a self, i18n: &I18n, accounts: &[String]) -> Element<'a, Message> {
        let direct = Choice {
            account: None,
            label: i18n.t("dialpad-direct"),
        };
        let mut choices = vec![direct];
        choices.extend(accounts.iter().map(|name| Choice {
            account: Some(name.clone()),
            label: name.clone(),
        }));
        let selected = choices.iter().find(|c| c.account == self.account).cloned();
        let input = text_input(&i18n.t("dialpad-placeholder"), &self.target)
            .id(input_id())
            .on_input(Message::TargetChanged)
            .on_submit(Message::Call)
            .size(20)
            .padding(10);
        let mut col = column![heading(i18n.t("dialpad-title")), input,].spacing(14);
        if let Some(error) = self.error {
            col = col.push(text(i18n.t(error)).style(text::danger));
        }
        let picker = row![
            text(i18n.t("dialpad-from")),
            pick_list(choices, selected, Message::AccountPicked).width(Fill),
        ]
        .spacing(10)
        .align_y(Center);
        let actions = row![
            button(text(i18n.t("dialpad-backspace")))
                .on_press(Message::Backspace)
                .style(button::secondary),
            button(
                text(i18n.t("dialpad-call"))
                    .size(18)
                    .width(Fill)
                    .align_x(Center)
            )
            .on_press(Message::Call)
            .style(button::success)
            .width(Fill)
            .padding(10),
        ]
        .spacing(10)
        .align_y(Center);
        col.push(picker)
            .push(container(keypad(Message::Digit)).center_x(Fill))
            .push(actions)
            .into()
    }
}

/// The dialpad's keyboard shortcuts (keys the focused field did not take): digits, `*`,
/// `#`, `+` add to the number, Backspace removes, Enter calls.
pub fn key(event: &keyboard::Event) -> Option<Message> {
    let keyboard::Event::KeyPressed { key, modifiers, .. } = event else {
        return None;
    };
    if modifiers.control() || modifiers.alt() || modifiers.logo() {
        return None;
    }
    match key.as_ref() {
        Key::Named(Named::Enter) => Some(Message::Call),
        Key::Named(Named::Backspace) => Some(Message::Backspace),
        Key::Character(c) => {
            let mut chars = c.chars();
            match (chars.next(), chars.next()) {
                (Some(d), None) if d.is_ascii_digit() || "*#+".contains(d) => {
                    Some(Message::Digit(d))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// What may be called: with an account, a number or user; without, a full `sip:`, `sips:`
/// or `tel:` URI. Returns the trimmed target or the message id of the problem.
pub(crate) fn check(target: &str, with_account: bool) -> Result<String, &'static str> {
    let target = target.trim();
    if target.is_empty() {
        return Err(k("dialpad-error-empty"));
    }
    if target.contains(':') {
        return match Uri::parse(target) {
            Ok(Uri::Sip(_) | Uri::Tel(_)) => Ok(target.to_owned()),
            _ => Err(k("dialpad-error-bad-address")),
        };
    }
    if !with_account {
        return Err(k("dialpad-error-need-uri"));
    }
    Ok(target.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_may_be_called() {
        assert_eq!(
            check(" sip:bob@example.com ", false),
            Ok("sip:bob@example.com".into())
        );
        assert_eq!(
            check("sips:bob@example.com", false),
            Ok("sips:bob@example.com".into())
        );
        assert_eq!(check("tel:+4930123", true), Ok("tel:+4930123".into()));
        assert_eq!(check("+4930123", true), Ok("+4930123".into()));
        assert_eq!(check("+4930123", false), Err("dialpad-error-need-uri"));
        assert_eq!(check("http:x", false), Err("dialpad-error-bad-address"));
        assert_eq!(check("  ", true), Err("dialpad-error-empty"));
    }

    #[test]
    fn the_default_account_is_preselected_and_a_removed_one_replaced() {
        let mut pad = Dialpad::default();
        let accounts = vec!["home".to_owned(), "work".to_owned()];
        pad.preselect(&accounts, Some("work"));
        assert_eq!(pad.account.as_deref(), Some("work"));
        pad.preselect(&accounts[..1], Some("work"));
        assert_eq!(pad.account.as_deref(), Some("home"));
        pad.preselect(&[], None);
        assert_eq!(pad.account, None);
    }

    #[test]
    fn digits_typed_and_enter_calls() {
        let mut pad = Dialpad::default();
        pad.preselect(&["work".to_owned()], None);
        for d in "123".chars() {
            assert_eq!(pad.update(Message::Digit(d)), None);
        }
        pad.update(Message::Backspace);
        let event = pad.update(Message::Call);
        assert_eq!(
            event,
            Some(Event::Dial {
                target: "12".into(),
                account: Some("work".into())
            })
        );
        assert!(pad.target.is_empty());
    }
}
