//! What the window does when a screen asks for something: calls become engine commands
//! (sent with `try_send`, never waiting), switching calls holds the other one, the keyboard
//! goes to the screen in front.

use super::{App, Message, Notice};
use crate::engine::Command;
use crate::sip::call::{CallEvent, CallId, EndReason};
use crate::ui::bridge::SendError;
use crate::ui::calls::{CallState, Change};
use crate::ui::i18n::k;
use crate::ui::screen::{Tab, call, contacts, dialpad, help, home, incoming};
use iced::{Task, keyboard};
use std::time::Instant;

impl App {
    /// Shows a screen (the dialpad with its field focused).
    pub(crate) fn show(&mut self, tab: Tab) -> Task<Message> {
        if tab != Tab::Settings && self.settings_screen.mic_test {
            // The microphone test ends with the screen.
            self.settings_screen.mic_test = false;
            self.send(Command::TestMicrophone(false));
        }
        self.tab = tab;
        self.help = false;
        match tab {
            Tab::Settings => self.list_devices(),
            Tab::Dialpad => iced::widget::operation::focus(dialpad::input_id()),
            Tab::Contacts => iced::widget::operation::focus(contacts::search_id()),
            Tab::History => self.history_viewed(),
            _ => Task::none(),
        }
    }

    /// Sends a command to the engine; tells the user when it cannot.
    pub(crate) fn send(&mut self, command: Command) -> bool {
        let result = match &self.engine.controller {
            Some(controller) => controller.send(command),
            None => Err(SendError::Stopped),
        };
        match result {
            Ok(()) => true,
            Err(SendError::Busy) => {
                self.notice = Some(Notice::error(k("notice-engine-busy"), Vec::new()));
                false
            }
            Err(SendError::Stopped) => {
                self.notice = Some(Notice::error(k("notice-engine-not-running"), Vec::new()));
                false
            }
        }
    }

    pub(crate) fn on_home(&mut self, event: home::Event) -> Task<Message> {
        match event {
            home::Event::Copy(address) => {
                self.notice = Some(Notice::info(k("notice-copied"), Vec::new()));
                iced::clipboard::write(address)
            }
            home::Event::AddAccount => {
                self.accounts.open_new();
                let _ = self.show(Tab::Accounts);
                iced::widget::operation::focus(crate::ui::screen::accounts::form::first_field_id())
            }
            home::Event::OpenDialpad => self.show(Tab::Dialpad),
            // A nearby phone is called at its P2P address, without an account.
            home::Event::Call(address) => self.on_dial(dialpad::Event::Dial {
                target: address,
                account: None,
            }),
        }
    }

    pub(crate) fn on_dial(&mut self, event: dialpad::Event) -> Task<Message> {
        let dialpad::Event::Dial { target, account } = event;
        let account_id = match &account {
            Some(name) => match self.engine.accounts.iter().find(|(_, n)| n == name) {
                Some((id, _)) => Some(*id),
                None => {
                    let args = vec![("name", name.clone())];
                    self.notice = Some(Notice::error(k("notice-no-such-account"), args));
                    return Task::none();
                }
            },
            None => None,
        };
        let call = self.calls.mint_id();
        let command = Command::Dial {
            call,
            target: target.clone(),
            account: account_id,
        };
        if self.send(command) {
            self.hold_others(call);
            self.call_started.insert(call, super::records::unix_now());
            let known = crate::store::contact_for(&self.contacts, &target).map(|c| c.name.clone());
            self.calls.dialled(call, target, account_id);
            if let Some(name) = known {
                self.calls.set_name(call, name);
            }
            self.tab = Tab::Call;
        }
        Task::none()
    }

    pub(crate) fn on_incoming(&mut self, event: incoming::Event) -> Task<Message> {
        match event {
            incoming::Event::Answer(call) => {
                if self.send(Command::Answer { call }) {
                    self.hold_others(call);
                    self.calls.answering(call);
                    self.tab = Tab::Call;
                }
            }
            incoming::Event::Decline(call) => {
                // 603 Decline (RFC 3261 §21.6.2): the user does not want this call.
                self.send(Command::Reject { call, code: 603 });
            }
        }
        Task::none()
    }

    pub(crate) fn on_call(&mut self, event: call::Event) -> Task<Message> {
        match event {
            call::Event::Hold(call) => {
                if self.send(Command::Hold { call }) {
                    self.calls.set_held(call, true);
                }
            }
            call::Event::Resume(call) => self.resume(call),
            call::Event::Mute(call, mute) => {
                if self.send(Command::Mute { call, mute }) {
                    self.calls.set_muted(call, mute);
                }
            }
            call::Event::Hangup(call) => {
                self.send(Command::Hangup { call });
            }
            call::Event::Dtmf(call, digit) => {
                self.send(Command::Dtmf {
                    call,
                    digits: digit.to_string(),
                });
            }
            call::Event::Switch(call) => {
                self.hold_others(call);
                self.calls.set_active(call);
                if self.calls.get(call).is_some_and(|c| c.held_by_us) {
                    self.resume(call);
                }
            }
        }
        Task::none()
    }

    fn resume(&mut self, call: CallId) {
        self.hold_others(call);
        if self.send(Command::Resume { call }) {
            self.calls.set_held(call, false);
        }
    }

    /// Holds every call that is up, not held and not `keep` (one call talks at a time).
    fn hold_others(&mut self, keep: CallId) {
        let others: Vec<CallId> = self
            .calls
            .all()
            .iter()
            .filter(|c| c.id != keep && c.state == CallState::Up && !c.held_by_us)
            .map(|c| c.id)
            .collect();
        for call in others {
            if self.send(Command::Hold { call }) {
                self.calls.set_held(call, true);
            }
        }
    }

    /// A call event from the engine.
    pub(crate) fn on_call_event(&mut self, call: CallId, event: CallEvent) -> Task<Message> {
        let now = Instant::now();
        self.now = now;
        let before = match &event {
            CallEvent::Ended { .. } => self.calls.get(call).cloned(),
            _ => None,
        };
        let mut task = Task::none();
        match self.calls.apply(call, event, now) {
            Change::None => {}
            // Do not disturb: the engine declines it; it neither shows nor notifies.
            Change::Incoming(id) if self.settings.general.do_not_disturb => {
                self.call_started.insert(id, super::records::unix_now());
                self.declined.insert(id);
            }
            Change::Incoming(id) => task = self.call_came_in(id),
            Change::Answered(_) => self.tab = Tab::Call,
            Change::Ended {
                title,
                incoming,
                reason,
            } => {
                if let Some(ended) = &before {
                    self.declined.remove(&ended.id);
                    task = self.record_call(ended, &reason, now);
                }
                self.notice = Some(ended_notice(title, incoming, &reason));
                if self.calls.all().is_empty() {
                    if self.tab == Tab::Call {
                        self.tab = Tab::Dialpad;
                    }
                    if self.engine.restart_pending {
                        return Task::batch([task, self.restart()]);
                    }
                }
            }
        }
        task
    }

    /// A key no widget took goes to the screen in front.
    pub(crate) fn on_key(&mut self, event: &keyboard::Event) -> Task<Message> {
        if help::toggles(event) || (self.help && help::closes(event)) {
            self.help = !self.help;
            return Task::none();
        }
        // Ringing takes the keyboard for Answer/Decline; otherwise the window-wide shortcuts.
        if self.ringing().is_none() {
            match help::jump(event) {
                Some(help::Jump::Search) => return self.show(Tab::Contacts),
                Some(help::Jump::Dial) => return self.show(Tab::Dialpad),
                Some(help::Jump::Next) => return iced::widget::operation::focus_next(),
                Some(help::Jump::Previous) => return iced::widget::operation::focus_previous(),
                None => {}
            }
        }
        let message = match self.ringing() {
            Some(call) => incoming::key(event, call.id).map(Message::Incoming),
            None => match self.tab {
                Tab::Dialpad => dialpad::key(event).map(Message::Dialpad),
                Tab::Call => self
                    .calls
                    .active()
                    .and_then(|c| call::key(event, c))
                    .map(Message::Call),
                Tab::Home | Tab::Accounts | Tab::Settings | Tab::Contacts | Tab::History => None,
            },
        };
        match message {
            Some(message) => self.update(message),
            None => Task::none(),
        }
    }
}

/// Why a call ended, in words.
fn ended_notice(name: String, incoming: bool, reason: &EndReason) -> Notice {
    let name = ("name", name);
    match reason {
        EndReason::Declined if incoming => Notice::info(k("ended-you-declined"), vec![name]),
        EndReason::Local => Notice::info(k("ended-local"), vec![name]),
        EndReason::Remote => Notice::info(k("ended-remote"), vec![name]),
        EndReason::Cancelled => Notice::info(k("ended-missed"), vec![name]),
        // We answer 486 only when do not disturb declines a call.
        EndReason::Busy if incoming => Notice::info(k("ended-missed-dnd"), vec![name]),
        EndReason::Busy => Notice::info(k("ended-busy"), vec![name]),
        EndReason::Declined => Notice::info(k("ended-declined"), vec![name]),
        EndReason::Timeout => Notice::info(k("ended-timeout"), vec![name]),
        EndReason::Failed { code, reason } => Notice::error(
            k("ended-failed"),
            vec![name, ("code", code.to_string()), ("reason", reason.clone())],
        ),
    }
}
