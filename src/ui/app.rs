//! The application: its state, the top-level `update` (which only dispatches to the screens
//! and to the handlers of their events), the frame around the screens, and the
//! subscriptions (the engine, the keyboard, the window's close button, a 1 s tick while a
//! call is up).

mod actions;
mod engine;
mod frame;
mod preferences;
mod records;
mod save;

pub use records::Stored;
pub use save::Saved;

use super::bridge::{self, Controller, Output, Prepared, Spec};
use super::calls::Calls;
use super::i18n::{I18n, Lang};
use super::screen::accounts::{self, Accounts};
use super::screen::call::{self, InCall};
use super::screen::contacts::{self, Contacts};
use super::screen::dialpad::{self, Dialpad};
use super::screen::history::{self, History};
use super::screen::settings;
use super::screen::{Tab, help, home, incoming};
use super::status::RegStatus;
use crate::config::{Config, Secret, ThemeChoice};
use crate::engine::Level;
use crate::sip::call::CallId;
use crate::sip::ua::AccountId;
use crate::store::{Contact, HistoryEntry, worker::OpenReport, worker::Worker};
use iced::keyboard;
use iced::widget::{column, container, scrollable, text};
use iced::{Element, Fill, Subscription, Task, Theme, window};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Everything that happens to the window.
#[derive(Debug, Clone)]
pub enum Message {
    /// An engine configuration was prepared (`None`: the preparing thread failed).
    Prepared(Option<Prepared>),
    /// The accounts were prepared again (passwords from the keyring) for the running
    /// engine of this generation.
    Reconfigured(u64, Option<Prepared>),
    /// The engine said something.
    Engine(Output),
    /// Our own address, for the engine of this generation.
    OwnAddress(u64, Option<String>),
    /// A navigation button.
    Tab(Tab),
    /// The home screen.
    Home(home::Message),
    /// The dialpad.
    Dialpad(dialpad::Message),
    /// The incoming call view.
    Incoming(incoming::Message),
    /// The call view.
    Call(call::Message),
    /// The accounts screen.
    Accounts(accounts::Message),
    /// The settings screen.
    Settings(settings::Message),
    /// The contacts screen.
    Contacts(contacts::Message),
    /// The history screen.
    History(history::Message),
    /// The database was opened (how it went).
    StoreOpened(OpenReport),
    /// A database job finished (`None`: the store's thread is gone).
    Stored(Option<Stored>),
    /// Another `tincan` process handed over a link to call.
    Link(String),
    /// The window gained (`true`) or lost the keyboard focus.
    Focused(bool),
    /// Open (`true`) or close the keyboard help.
    Help(bool),
    /// A background job that reports nothing finished.
    Done,
    /// An account change was saved (or not).
    Saved(Option<Saved>),
    /// A key nobody else took.
    Key(keyboard::Event),
    /// A second passed (only while a call is up).
    Tick(Instant),
    /// The window's close button.
    CloseRequested(window::Id),
    /// SIGINT or SIGTERM: close as with the button.
    Interrupted,
    /// The engine took too long to stop: close anyway.
    QuitTimeout,
    /// Hide the notice.
    DismissNotice,
    /// Start the engine again after it failed.
    RetryEngine,
    /// The sound devices were listed (`None`: the listing thread failed).
    DevicesListed(Option<Result<settings::Devices, String>>),
    /// The settings were written (or not: why, in English).
    SettingsSaved(Option<Result<(), String>>),
}

/// A line shown above the screens, translated when shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The message id.
    pub id: &'static str,
    /// Its arguments.
    pub args: Vec<(&'static str, String)>,
    /// Shown as an error (else as information).
    pub error: bool,
}

/// Where the engine stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Reading passwords and settings for it.
    Preparing,
    /// Its thread runs; no sockets yet.
    Starting,
    /// Listening.
    Running,
    /// Asked to quit; what comes next.
    Stopping {
        /// Close the window (else start a new engine).
        exit: bool,
    },
    /// Not running.
    Stopped,
}

/// The engine as the window sees it.
#[derive(Debug)]
pub(crate) struct EngineLink {
    pub(crate) generation: u64,
    pub(crate) spec: Option<Spec>,
    pub(crate) controller: Option<Controller>,
    pub(crate) phase: Phase,
    /// The running engine's accounts, by id.
    pub(crate) accounts: Vec<(AccountId, String)>,
    /// The accounts changed while calls were up: restart when they end.
    pub(crate) restart_pending: bool,
}

/// The whole window's state.
#[derive(Debug)]
pub struct App {
    pub(crate) i18n: I18n,
    pub(crate) tab: Tab,
    pub(crate) path: Option<PathBuf>,
    pub(crate) settings: Config,
    /// Passwords the keyring could not keep, for this session only (never written).
    pub(crate) session_passwords: HashMap<String, Secret>,
    /// Accounts the running engine has no password for.
    pub(crate) without_password: Vec<String>,
    pub(crate) engine: EngineLink,
    /// Our direct-IP address (`sip:192.0.2.7:5062`).
    pub(crate) own_address: Option<String>,
    /// Our P2P address (`sip:<handle>@<key>`), once the engine has an identity.
    pub(crate) p2p_address: Option<String>,
    /// People on the local network (mDNS), in the order they appeared.
    pub(crate) nearby: Vec<home::Nearby>,
    /// Registration states by account name.
    pub(crate) registrations: HashMap<String, RegStatus>,
    /// The engine just refused a TLS certificate: the next 503 of a TLS account is that.
    pub(crate) certificate_hint: bool,
    pub(crate) calls: Calls,
    pub(crate) now: Instant,
    pub(crate) notice: Option<Notice>,
    pub(crate) dialpad: Dialpad,
    pub(crate) in_call: InCall,
    pub(crate) accounts: Accounts,
    /// The database's thread (`None` until opened, and in tests that feed snapshots).
    pub(crate) store: Option<Worker>,
    /// The stored contacts, favourites first.
    pub(crate) contacts: Vec<Contact>,
    /// The latest calls, newest first.
    pub(crate) history: Vec<HistoryEntry>,
    /// Missed calls not seen yet (the History tab's badge).
    pub(crate) unseen_missed: u32,
    /// The local time's offset from UTC, in seconds (for showing call times).
    pub(crate) utc_offset: i64,
    /// When each live call began, in seconds since 1970 (for the history).
    pub(crate) call_started: HashMap<CallId, i64>,
    pub(crate) contacts_screen: Contacts,
    pub(crate) history_screen: History,
    /// A link to call once the engine runs.
    pub(crate) pending_dial: Option<String>,
    /// WAV files in place of the sound card (`--audio-in`, `--audio-out`), if given.
    pub(crate) virtual_audio: Option<crate::ui::VirtualAudio>,
    /// Whether the window has the keyboard focus (else incoming calls notify).
    pub(crate) focused: bool,
    /// The keyboard help is shown.
    pub(crate) help: bool,
    /// The settings screen.
    pub(crate) settings_screen: settings::Settings,
    /// The last levels the engine measured (microphone, and per call what was played).
    pub(crate) levels: Option<(Level, Vec<(CallId, Level)>)>,
    /// Incoming calls that do not disturb declined (never shown as ringing).
    pub(crate) declined: HashSet<CallId>,
    /// A settings save runs; `.1`: the settings changed meanwhile, save again after it.
    pub(crate) settings_saving: (bool, bool),
}

/// How long closing waits for the engine (its own grace, plus a margin).
pub const QUIT_WAIT: Duration = Duration::from_secs(6);

impl App {
    /// The window's state with the settings from `path`, and the task preparing the engine.
    pub fn new(
        path: Option<PathBuf>,
        settings: Config,
        warnings: &[String],
        lang: Lang,
    ) -> (App, Task<Message>) {
        let mut app = App {
            i18n: I18n::new(lang),
            tab: Tab::Home,
            path,
            settings,
            session_passwords: HashMap::new(),
            without_password: Vec::new(),
            engine: EngineLink {
                generation: 0,
                spec: None,
                controller: None,
                phase: Phase::Preparing,
                accounts: Vec::new(),
                restart_pending: false,
            },
            own_address: None,
            p2p_address: None,
            nearby: Vec::new(),
            registrations: HashMap::new(),
            certificate_hint: false,
            calls: Calls::default(),
            now: Instant::now(),
            notice: None,
            dialpad: Dialpad::default(),
            in_call: InCall::default(),
            accounts: Accounts::default(),
            store: None,
            contacts: Vec::new(),
            history: Vec::new(),
            unseen_missed: 0,
            utc_offset: 0,
            call_started: HashMap::new(),
            contacts_screen: Contacts::default(),
            history_screen: History::default(),
            pending_dial: None,
            virtual_audio: None,
            focused: true,
            help: false,
            settings_screen: settings::Settings::default(),
            levels: None,
            declined: HashSet::new(),
            settings_saving: (false, false),
        };
        if let Some(w) = warnings.last() {
            app.notice = Some(Notice::warning(w));
        }
        let task = app.prepare();
        (app, task)
    }

    /// Dispatches a message to the screen it belongs to, then to the handler of what that
    /// screen asks for.
    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Prepared(prepared) => self.start_engine(prepared),
            Message::Reconfigured(generation, prepared) => self.reconfigured(generation, prepared),
            Message::Engine(output) => self.on_engine(output),
            Message::OwnAddress(generation, address) => self.on_own_address(generation, address),
            Message::Tab(tab) => self.show(tab),
            Message::Home(m) => match home::update(m, self.shown_address()) {
                Some(event) => self.on_home(event),
                None => Task::none(),
            },
            Message::Dialpad(m) => match self.dialpad.update(m) {
                Some(event) => self.on_dial(event),
                None => Task::none(),
            },
            Message::Incoming(m) => self.on_incoming(incoming::update(m)),
            Message::Call(m) => {
                let event = self.in_call.update(m);
                self.on_call(event)
            }
            Message::Accounts(m) => {
                let was_editing = self.accounts.editing();
                match self.accounts.update(m, &self.settings) {
                    Some(event) => self.on_accounts(event),
                    // A form just opened: the keyboard goes to its first field.
                    None if !was_editing && self.accounts.editing() => {
                        iced::widget::operation::focus(accounts::form::first_field_id())
                    }
                    None => Task::none(),
                }
            }
            Message::Settings(m) => match self.settings_screen.update(m, &self.settings) {
                Some(event) => self.on_settings(event),
                None => Task::none(),
            },
            Message::Contacts(m) => match self.contacts_screen.update(m, &self.contacts) {
                Some(event) => self.on_contacts(event),
                None => Task::none(),
            },
            Message::History(m) => match self.history_screen.update(m) {
                Some(event) => self.on_history(event),
                None => Task::none(),
            },
            Message::StoreOpened(report) => self.on_store_opened(report),
            Message::Stored(stored) => self.on_stored(stored),
            Message::Link(target) => self.on_link(target),
            Message::Focused(focused) => {
                self.focused = focused;
                Task::none()
            }
            Message::Help(shown) => {
                self.help = shown;
                Task::none()
            }
            Message::Done => Task::none(),
            Message::Saved(saved) => self.on_saved(saved),
            Message::Key(event) => self.on_key(&event),
            Message::Tick(now) => {
                self.now = now;
                Task::none()
            }
            Message::CloseRequested(_) => self.quit(true),
            Message::Interrupted => self.quit(false),
            Message::QuitTimeout => {
                tracing::warn!("the engine did not stop in time; closing anyway");
                iced::exit()
            }
            Message::DismissNotice => {
                self.notice = None;
                Task::none()
            }
            Message::RetryEngine => self.restart(),
            Message::DevicesListed(listed) => {
                let result = listed.unwrap_or_else(|| Err("the listing thread failed".into()));
                if let Err(problem) = &result {
                    tracing::warn!("sound devices: {problem}");
                }
                self.settings_screen.listed(result);
                Task::none()
            }
            Message::SettingsSaved(saved) => self.on_settings_saved(saved),
        }
    }

    /// The window's title.
    pub fn title(&self) -> String {
        match self.ringing() {
            Some(call) => self
                .i18n
                .tr("title-incoming", &[("name", self.caller_name(call).into())]),
            None => self.i18n.t("app-title"),
        }
    }

    /// Light or dark; `None` lets iced follow the desktop's preference (on Linux the XDG
    /// desktop portal's `color-scheme`, read and watched by iced's `linux-theme-detection`;
    /// light when the desktop says nothing).
    pub fn theme(&self) -> Option<Theme> {
        match self.settings.ui.theme {
            ThemeChoice::System => None,
            ThemeChoice::Light => Some(Theme::Light),
            ThemeChoice::Dark => Some(Theme::Dark),
        }
    }

    /// What the window listens to.
    pub fn subscription(&self) -> Subscription<Message> {
        let mut subscriptions = vec![
            keyboard::listen().map(Message::Key),
            window::close_requests().map(Message::CloseRequested),
            bridge::interrupts().map(|()| Message::Interrupted),
            super::link::subscription().map(Message::Link),
            iced::event::listen_with(|event, _, _| match event {
                iced::Event::Window(window::Event::Focused) => Some(Message::Focused(true)),
                iced::Event::Window(window::Event::Unfocused) => Some(Message::Focused(false)),
                _ => None,
            }),
        ];
        if let Some(spec) = &self.engine.spec {
            subscriptions.push(bridge::subscription(spec).map(Message::Engine));
        }
        if self.calls.any_up() {
            subscriptions.push(iced::time::every(Duration::from_secs(1)).map(Message::Tick));
        }
        Subscription::batch(subscriptions)
    }

    /// The window: an incoming call over everything, else the navigation bar, the notice
    /// and the current screen.
    pub fn view(&self) -> Element<'_, Message> {
        let i18n = &self.i18n;
        if matches!(self.engine.phase, Phase::Stopping { exit: true }) {
            return container(text(i18n.t("app-closing")).size(18))
                .center(Fill)
                .into();
        }
        if let Some(call) = self.ringing() {
            let account = call.account.and_then(|id| self.account_name(id));
            let others = self.calls.all().len() - 1;
            let known = crate::store::contact_for(&self.contacts, &call.address);
            return incoming::view(i18n, call, known.map(|c| c.name.as_str()), account, others)
                .map(Message::Incoming);
        }
        let screen = match self.tab {
            Tab::Home => home::view(
                i18n,
                self.home_address(),
                self.p2p_address.as_ref().and(self.own_address.as_deref()),
                self.settings.accounts.len(),
                &self.nearby,
            )
            .map(Message::Home),
            Tab::Dialpad => self
                .dialpad
                .view(i18n, &self.engine_account_names())
                .map(Message::Dialpad),
            Tab::Call => self
                .in_call
                .view(i18n, &self.calls, self.now, self.levels.as_ref())
                .map(Message::Call),
            Tab::Accounts => self
                .accounts
                .view(
                    i18n,
                    &self.settings,
                    accounts::Live {
                        statuses: &self.registrations,
                        without_password: &self.without_password,
                        note: self.accounts_note(),
                    },
                )
                .map(Message::Accounts),
            Tab::Settings => self
                .settings_screen
                .view(i18n, &self.settings, self.levels.as_ref().map(|l| l.0))
                .map(Message::Settings),
            Tab::Contacts => self
                .contacts_screen
                .view(i18n, &self.contacts, &self.history, self.utc_offset)
                .map(Message::Contacts),
            Tab::History => self
                .history_screen
                .view(i18n, &self.history, &self.contacts, self.utc_offset)
                .map(Message::History),
        };
        let screen = if self.help {
            help::view(i18n, Message::Help(false))
        } else {
            screen
        };
        let mut page = column![self.navigation()];
        if let Some(notice) = self.notice_bar() {
            page = page.push(notice);
        }
        page.push(scrollable(container(screen).padding(20)).height(Fill))
            .into()
    }

    /// The incoming call to show, unless do not disturb declined it.
    pub(crate) fn ringing(&self) -> Option<&super::calls::Call> {
        self.calls
            .ringing()
            .filter(|c| !self.declined.contains(&c.id))
    }

    /// The name of a running engine's account.
    pub(crate) fn account_name(&self, id: AccountId) -> Option<&str> {
        self.engine
            .accounts
            .iter()
            .find(|(a, _)| *a == id)
            .map(|(_, name)| name.as_str())
    }

    /// The names of the running engine's accounts (what calls can go out from).
    pub(crate) fn engine_account_names(&self) -> Vec<String> {
        self.engine
            .accounts
            .iter()
            .map(|(_, n)| n.clone())
            .collect()
    }

    /// The address others reach us at: the P2P one, else the direct-IP one.
    fn shown_address(&self) -> Option<&str> {
        self.p2p_address.as_deref().or(self.own_address.as_deref())
    }

    fn home_address(&self) -> home::Address<'_> {
        match (self.shown_address(), &self.engine.phase) {
            (Some(address), _) => home::Address::At(address),
            (None, Phase::Stopped) => home::Address::Offline,
            (None, _) => home::Address::Starting,
        }
    }

    fn accounts_note(&self) -> Option<String> {
        if self.engine.restart_pending {
            Some(self.i18n.t("accounts-note-after-calls"))
        } else if matches!(
            self.engine.phase,
            Phase::Stopping { exit: false } | Phase::Preparing
        ) {
            Some(self.i18n.t("accounts-note-applying"))
        } else {
            None
        }
    }

    /// The language in use.
    pub fn lang(&self) -> Lang {
        self.i18n.lang()
    }
}

impl Notice {
    /// Information, with arguments.
    pub fn info(id: &'static str, args: Vec<(&'static str, String)>) -> Notice {
        Notice {
            id,
            args,
            error: false,
        }
    }

    /// An error, with arguments.
    pub fn error(id: &'static str, args: Vec<(&'static str, String)>) -> Notice {
        Notice {
            id,
            args,
            error: true,
        }
    }

    /// A warning whose text comes from elsewhere (the engine, the settings file).
    pub fn warning(message: &str) -> Notice {
        Notice::info(
            super::i18n::k("notice-warning"),
            vec![("message", message.to_owned())],
        )
    }
}

/// What `Arc<str>` errors look like in a notice.
fn message_arg(message: &Arc<str>) -> Vec<(&'static str, String)> {
    vec![("message", message.to_string())]
}
