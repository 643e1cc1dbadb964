//! The call view: the other party, where the call stands and for how long, hold and resume,
//! a DTMF keypad (typed digits are sent too), hang up (Escape). With several calls, a list
//! to switch between them; the parent holds the call switched away from.

use super::{card, keypad, labelled, level_meter};
use crate::engine::Level;
use crate::sip::call::CallId;
use crate::ui::calls::{Call, CallState, Calls, Quality};
use crate::ui::i18n::I18n;
use crate::ui::tab_stop::button;
use iced::keyboard::{self, Key, key::Named};
use iced::widget::{column, container, row, text};
use iced::{Center, Element, Fill};
use std::time::{Duration, Instant};

/// What the user does here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// Put the call on hold.
    Hold(CallId),
    /// Take it off hold.
    Resume(CallId),
    /// End it.
    Hangup(CallId),
    /// Turn the microphone off (`true`) or on again for it.
    Mute(CallId, bool),
    /// Send a DTMF digit on it.
    Dtmf(CallId, char),
    /// Show this call (holding the one shown).
    Switch(CallId),
}

/// What the parent must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Hold this call.
    Hold(CallId),
    /// Resume this call.
    Resume(CallId),
    /// Hang up this call.
    Hangup(CallId),
    /// Mute (`true`) or unmute this call.
    Mute(CallId, bool),
    /// Send one DTMF digit.
    Dtmf(CallId, char),
    /// Make this call the shown one, holding the other.
    Switch(CallId),
}

/// The call view's state: the digits sent on the shown call.
#[derive(Debug, Clone, Default)]
pub struct InCall {
    sent: Option<(CallId, String)>,
}

impl InCall {
    /// Handles a message.
    pub fn update(&mut self, message: Message) -> Event {
        match message {
            Message::Hold(call) => Event::Hold(call),
            Message::Resume(call) => Event::Resume(call),
            Message::Hangup(call) => Event::Hangup(call),
            Message::Switch(call) => Event::Switch(call),
            Message::Mute(call, mute) => Event::Mute(call, mute),
            Message::Dtmf(call, digit) => {
                match &mut self.sent {
                    Some((id, digits)) if *id == call => digits.push(digit),
                    _ => self.sent = Some((call, digit.to_string())),
                }
                Event::Dtmf(call, digit)
            }
        }
    }

    /// The call view at `now`.
    /// `levels` are the engine's last: the microphone's, and what each call played.
    pub fn view<'a>(
        &'a self,
        i18n: &I18n,
        calls: &'a Calls,
        now: Instant,
        levels: Option<&(Level, Vec<(CallId, Level)>)>,
    ) -> Element<'a, Message> {
        let Some(active) = calls.active() else {
            return column![text(i18n.t("call-none")).size(18)].into();
        };
        let mut col = column![].spacing(16);
        if calls.all().len() > 1 {
            col = col.push(list(i18n, calls, active.id, now));
        }
        col = col.push(details(i18n, active, now));
        if active.state == CallState::Up {
            let microphone = levels.map(|l| l.0);
            let speaker = levels.and_then(|l| l.1.iter().find(|(c, _)| *c == active.id));
            col = col.push(meters(i18n, microphone, speaker.map(|(_, l)| *l)));
            col = col.push(container(keypad(move |d| Message::Dtmf(active.id, d))).center_x(Fill));
            if let Some((_, digits)) = self.sent.as_ref().filter(|(id, _)| *id == active.id) {
                col = col.push(text(
                    i18n.tr("call-sent-digits", &[("digits", digits.as_str().into())]),
                ));
            }
        }
        col.push(controls(i18n, active)).into()
    }
}

/// The microphone's and the speaker's level meters.
fn meters<'a>(
    i18n: &I18n,
    microphone: Option<Level>,
    speaker: Option<Level>,
) -> Element<'a, Message> {
    let line = |label: String, level| {
        row![text(label).size(13).width(110), level_meter(i18n, level)]
            .spacing(8)
            .align_y(Center)
    };
    column![
        line(i18n.t("call-meter-microphone"), microphone),
        line(i18n.t("call-meter-speaker"), speaker),
    ]
    .spacing(4)
    .into()
}

/// The list of live calls, with a Switch button on each one not shown.
fn list<'a>(i18n: &I18n, calls: &'a Calls, shown: CallId, now: Instant) -> Element<'a, Message> {
    let count = calls.all().len() as i64;
    let mut col =
        column![text(i18n.tr("calls-count", &[("count", count.into())])).size(14)].spacing(6);
    for call in calls.all() {
        let mut line = row![
            text(call.title()).width(Fill),
            text(state_words(i18n, call, now)).size(13),
        ]
        .spacing(10)
        .align_y(Center);
        if call.id != shown && call.state != CallState::Incoming {
            line = line.push(
                button(text(i18n.t("call-switch")))
                    .on_press(Message::Switch(call.id))
                    .style(button::secondary),
            );
        }
        col = col.push(line);
    }
    card(col)
}

/// The shown call: who, where it stands, the codec, digits received.
fn details<'a>(i18n: &I18n, call: &'a Call, now: Instant) -> Element<'a, Message> {
    let mut col = column![text(call.title()).size(title_size(call.title()))]
        .spacing(6)
        .align_x(Center)
        .width(Fill);
    if call.name.is_some() {
        col = col.push(text(call.address.as_str()).size(15));
    }
    col = col.push(text(state_words(i18n, call, now)).size(20));
    // An outgoing call's encryption is known once answered.
    if call.is_incoming() || call.state == CallState::Up {
        col = col.push(security(i18n, call));
    }
    if let Some(codec) = &call.codec {
        let mut line =
            row![text(i18n.tr("call-codec", &[("name", codec.as_str().into())])).size(13)]
                .spacing(12);
        if let Some(quality) = call.quality {
            line = line.push(text(quality_words(i18n, quality)).size(13));
        }
        col = col.push(line);
    }
    if call.muted {
        col = col.push(text(i18n.t("call-muted")).size(15));
    }
    if !call.received_digits.is_empty() {
        let digits = call.received_digits.as_str();
        col = col.push(text(
            i18n.tr("call-received-digits", &[("digits", digits.into())]),
        ));
    }
    card(col)
}

/// Whether the caller proved who they are (incoming calls), and whether the media is
/// encrypted.
pub fn security<'a, M: 'a>(i18n: &I18n, call: &Call) -> Element<'a, M> {
    let mut line = row![].spacing(12);
    if call.is_incoming() {
        line = line.push(match call.verified {
            Some(_) => text(i18n.t("call-verified")).size(14).style(text::success),
            None => text(i18n.t("call-unverified")).size(14),
        });
    }
    line.push(if call.encrypted {
        text(i18n.t("call-encrypted")).size(14).style(text::success)
    } else {
        text(i18n.t("call-not-encrypted")).size(14)
    })
    .into()
}

/// How the call sounds, in a word.
fn quality_words(i18n: &I18n, quality: Quality) -> String {
    match quality {
        Quality::Good => i18n.t("call-quality-good"),
        Quality::Fair => i18n.t("call-quality-fair"),
        Quality::Poor => i18n.t("call-quality-poor"),
    }
}

/// Mute or unmute and hold or resume (once the call is up), and hang up.
fn controls<'a>(i18n: &I18n, call: &Call) -> Element<'a, Message> {
    let mut line = row![].spacing(12);
    if call.state == CallState::Up {
        let label = if call.muted {
            i18n.t("call-unmute")
        } else {
            i18n.t("call-mute")
        };
        line = line.push(
            button(labelled(label, i18n.t("key-mute")))
                .on_press(Message::Mute(call.id, !call.muted))
                .style(button::secondary)
                .padding(12)
                .width(Fill),
        );
        let (label, message) = if call.held_by_us {
            (i18n.t("call-resume"), Message::Resume(call.id))
        } else {
            (i18n.t("call-hold"), Message::Hold(call.id))
        };
        line = line.push(
            button(labelled(label, i18n.t("key-hold")))
                .on_press(message)
                .style(button::secondary)
                .padding(12)
                .width(Fill),
        );
    }
    line.push(
        button(labelled(i18n.t("call-hangup"), i18n.t("key-escape")))
            .on_press(Message::Hangup(call.id))
            .style(button::danger)
            .padding(12)
            .width(Fill),
    )
    .into()
}

/// Where a call stands, in words, with its duration once up.
pub fn state_words(i18n: &I18n, call: &Call, now: Instant) -> String {
    let duration = clock(call.duration(now));
    let duration = ("duration", duration.as_str().into());
    match call.state {
        CallState::Dialing => i18n.t("call-state-dialing"),
        CallState::Ringing => i18n.t("call-state-ringing"),
        CallState::Incoming => i18n.t("call-state-incoming"),
        CallState::Answering => i18n.t("call-state-connecting"),
        CallState::Up if call.held_by_us => i18n.tr("call-state-held", &[duration]),
        CallState::Up if call.held_by_remote => i18n.tr("call-state-held-remote", &[duration]),
        CallState::Up => i18n.tr("call-state-up", &[duration]),
    }
}

/// A name in big letters, smaller when long (an address has no spaces to wrap at).
pub fn title_size(title: &str) -> u32 {
    match title.chars().count() {
        0..=16 => 32,
        17..=24 => 26,
        _ => 20,
    }
}

/// `m:ss`, or `h:mm:ss` from an hour on.
pub fn clock(duration: Duration) -> String {
    let s = duration.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// The call view's shortcuts on the shown call: digits, `*` and `#` send DTMF, H holds or
/// resumes, M mutes or unmutes, Escape hangs up.
pub fn key(event: &keyboard::Event, call: &Call) -> Option<Message> {
    let keyboard::Event::KeyPressed { key, modifiers, .. } = event else {
        return None;
    };
    if modifiers.control() || modifiers.alt() || modifiers.logo() {
        return None;
    }
    match key.as_ref() {
        Key::Named(Named::Escape) => Some(Message::Hangup(call.id)),
        Key::Character(c) if call.state == CallState::Up => {
            let mut chars = c.chars();
            match (chars.next(), chars.next()) {
                (Some(d), None) if d.is_ascii_digit() || d == '*' || d == '#' => {
                    Some(Message::Dtmf(call.id, d))
                }
                (Some('h' | 'H'), None) if call.held_by_us => Some(Message::Resume(call.id)),
                (Some('h' | 'H'), None) => Some(Message::Hold(call.id)),
                (Some('m' | 'M'), None) => Some(Message::Mute(call.id, !call.muted)),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!(clock(Duration::from_secs(5)), "0:05");
        assert_eq!(clock(Duration::from_secs(754)), "12:34");
        assert_eq!(clock(Duration::from_secs(3723)), "1:02:03");
    }

    #[test]
    fn digits_sent_are_remembered_per_call() {
        let mut view = InCall::default();
        let (a, b) = (CallId(1), CallId(2));
        assert_eq!(view.update(Message::Dtmf(a, '1')), Event::Dtmf(a, '1'));
        view.update(Message::Dtmf(a, '#'));
        assert_eq!(view.sent, Some((a, "1#".into())));
        view.update(Message::Dtmf(b, '9'));
        assert_eq!(view.sent, Some((b, "9".into())));
    }
}
