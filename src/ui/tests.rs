//! The window's main flows, headless: iced_test's simulator renders the real view (tiny-skia,
//! no display), clicks by visible text and collects the messages, which go through the real
//! `update`; the engine is replaced by the receiving end of the command channel, and its
//! events are fed in as the subscription would deliver them.

use super::app::{App, Message, Phase, Saved};
use super::bridge::{Controller, Output, Prepared};
use super::calls::CallState;
use super::i18n::Lang;
use super::screen::Tab;
use super::screen::accounts::{self, form};
use super::screen::{dialpad, settings};
use crate::config::{AccountSettings, Config};
use crate::engine::{Command, Event, setup};
use crate::sip::NameAddr;
use crate::sip::call::{CallEvent, CallId, EndReason};
use crate::sip::registration::RegistrationEvent;
use crate::sip::transaction::TransportKind;
use crate::sip::ua::{AccountId, UaEvent};
use crate::sip::uri::Uri;
use iced::keyboard::{self, Key, key::Named};
use iced_test::Simulator;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{self, error::TryRecvError};

/// Two accounts, `work` the default.
fn settings() -> Config {
    let mut config = Config::default();
    config.general.listen = vec!["udp:127.0.0.1:0".into()];
    config.general.default_account = Some("work".into());
    config
        .accounts
        .push(AccountSettings::new("home", "sip:alice@home.example"));
    config
        .accounts
        .push(AccountSettings::new("work", "sip:alice@work.example"));
    config
}

/// The window with an engine of generation 1 whose commands land in the returned receiver,
/// started and listening on 127.0.0.1:5062.
fn running_app() -> (App, mpsc::Receiver<Command>) {
    let settings = settings();
    let (mut app, _prepare) = App::new(None, settings.clone(), &[], Lang::En);
    let config = setup::engine_config(&settings, &HashMap::new(), &mut Vec::new());
    let _ = app.update(Message::Prepared(Some(Prepared {
        config: Arc::new(config),
        keyring_unavailable: None,
        without_password: Vec::new(),
        warnings: Vec::new(),
    })));
    let (tx, rx) = mpsc::channel(16);
    engine(
        &mut app,
        Output::Ready {
            generation: 1,
            controller: Controller::new(tx),
        },
    );
    let listen = vec![(TransportKind::Udp, "127.0.0.1:5062".parse().unwrap())];
    event(&mut app, Event::Started { listen });
    let _ = app.update(Message::OwnAddress(1, Some("sip:127.0.0.1:5062".into())));
    (app, rx)
}

fn engine(app: &mut App, output: Output) {
    let _ = app.update(Message::Engine(output));
}

fn event(app: &mut App, event: Event) {
    engine(
        app,
        Output::Event {
            generation: 1,
            event,
        },
    );
}

/// The view as the window would show it (at its opening size).
fn simulator(app: &App) -> Simulator<'_, Message> {
    Simulator::with_size(iced::Settings::default(), super::WINDOW_SIZE, app.view())
}

/// Clicks the widget showing `label` and runs the messages through `update`.
fn click(app: &mut App, label: &str) {
    click_in(app, label, super::WINDOW_SIZE);
}

/// [`click`] in a window of `size`.
fn click_in(app: &mut App, label: &str, size: (f32, f32)) {
    let messages: Vec<Message> = {
        let mut ui = Simulator::with_size(iced::Settings::default(), size, app.view());
        if let Err(e) = ui.click(label) {
            panic!("cannot click {label:?}: {e:?}");
        }
        ui.into_messages().collect()
    };
    assert!(!messages.is_empty(), "clicking {label:?} did nothing");
    for message in messages {
        let _ = app.update(message);
    }
}

/// Whether the view shows exactly this text somewhere.
fn shows(app: &App, text: &str) -> bool {
    simulator(app).find(text).is_ok()
}

fn key(app: &mut App, named: Named) {
    press(app, Key::Named(named));
}

fn press(app: &mut App, key: Key) {
    press_with(app, key, keyboard::Modifiers::default());
}

fn press_with(app: &mut App, key: Key, modifiers: keyboard::Modifiers) {
    let _ = app.update(Message::Key(keyboard::Event::KeyPressed {
        key: key.clone(),
        modified_key: key,
        physical_key: keyboard::key::Physical::Unidentified(
            keyboard::key::NativeCode::Unidentified,
        ),
        location: keyboard::Location::Standard,
        modifiers,
        text: None,
        repeat: false,
    }));
}

fn incoming_call(app: &mut App, id: CallId) {
    let mut from = NameAddr::new(Uri::parse("sip:carol@example.com").unwrap());
    from.display = Some("Carol".into());
    let to = NameAddr::new(Uri::parse("sip:alice@work.example").unwrap());
    let event = CallEvent::Incoming {
        account: Some(AccountId(2)),
        from: Box::new(from),
        to: Box::new(to),
        verified: None,
        encrypted: false,
    };
    self::event(app, Event::Ua(UaEvent::Call { call: id, event }));
}

fn answered(app: &mut App, id: CallId) {
    let media = Box::new(crate::ui::calls::tests::up_media());
    let event = CallEvent::Answered { media };
    self::event(app, Event::Ua(UaEvent::Call { call: id, event }));
}

/// An incoming call (id `INCOMING | 1`) answered with Enter: the answer command is checked
/// and the call is up.
fn call_up(app: &mut App, rx: &mut mpsc::Receiver<Command>) -> CallId {
    let id = CallId(CallId::INCOMING | 1);
    incoming_call(app, id);
    key(app, Named::Enter);
    assert_eq!(rx.try_recv(), Ok(Command::Answer { call: id }));
    answered(app, id);
    id
}

#[test]
fn first_run_shows_our_address_and_the_way_to_add_an_account() {
    let (mut app, _rx) = running_app();
    assert!(shows(&app, "sip:127.0.0.1:5062"));
    assert!(shows(&app, "Copy"));
    click(&mut app, "Add SIP account");
    assert_eq!(app.tab, Tab::Accounts);
    assert!(shows(&app, "New account"));
}

#[test]
fn clicking_call_on_the_dialpad_with_a_uri_sends_dial() {
    let (mut app, mut rx) = running_app();
    click(&mut app, "Dialpad");
    assert_eq!(app.tab, Tab::Dialpad);
    assert_eq!(
        app.dialpad.account.as_deref(),
        Some("work"),
        "the default account"
    );
    let typed = dialpad::Message::TargetChanged("sip:bob@127.0.0.1:5064".into());
    let _ = app.update(Message::Dialpad(typed));
    click(&mut app, "Call");
    assert_eq!(
        rx.try_recv(),
        Ok(Command::Dial {
            call: CallId(1),
            target: "sip:bob@127.0.0.1:5064".into(),
            account: Some(AccountId(2)),
        })
    );
    assert_eq!(app.tab, Tab::Call);
    assert!(shows(&app, "Calling…"));
    assert!(shows(&app, "sip:bob@127.0.0.1:5064"));
    assert!(!shows(&app, "Not encrypted"), "unknown until answered");
}

#[test]
fn enter_in_the_dialpad_field_calls_and_a_direct_call_needs_a_full_address() {
    let (mut app, mut rx) = running_app();
    let _ = app.update(Message::Tab(Tab::Dialpad));
    let direct = dialpad::Message::AccountPicked(dialpad::Choice::new(None, String::new()));
    let _ = app.update(Message::Dialpad(direct));
    let _ = app.update(Message::Dialpad(dialpad::Message::TargetChanged(
        "4930".into(),
    )));
    let messages: Vec<Message> = {
        let mut ui = simulator(&app);
        ui.click(dialpad::input_id()).unwrap();
        ui.tap_key(Key::Named(Named::Enter));
        ui.into_messages().collect()
    };
    for message in messages {
        let _ = app.update(message);
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(shows(
        &app,
        "Without an account, type a full address such as sip:bob@example.com."
    ));
    for digit in ['1', '2'] {
        let _ = app.update(Message::Dialpad(dialpad::Message::Digit(digit)));
    }
    assert_eq!(app.dialpad.target, "493012");
    let _ = app.update(Message::Dialpad(dialpad::Message::TargetChanged(
        "tel:+4930".into(),
    )));
    key(&mut app, Named::Enter);
    let Ok(Command::Dial {
        target, account, ..
    }) = rx.try_recv()
    else {
        panic!("no dial");
    };
    assert_eq!((target.as_str(), account), ("tel:+4930", None));
}

#[test]
fn an_incoming_call_shows_the_incoming_view_and_answer_sends_answer() {
    let (mut app, mut rx) = running_app();
    let id = CallId(CallId::INCOMING | 1);
    incoming_call(&mut app, id);
    assert!(shows(&app, "Incoming call"));
    assert!(shows(&app, "Carol"));
    assert!(shows(&app, "sip:carol@example.com"));
    assert!(shows(&app, "on your account work"));
    assert_eq!(app.title(), "Incoming call from Carol — Tincan");
    click(&mut app, "Answer");
    assert_eq!(rx.try_recv(), Ok(Command::Answer { call: id }));
    assert!(shows(&app, "Connecting…"));
    answered(&mut app, id);
    assert!(shows(&app, "0:00"));
    app.now += Duration::from_secs(75);
    assert!(shows(&app, "1:15"), "the duration follows the tick");
    click(&mut app, "Hold");
    assert_eq!(rx.try_recv(), Ok(Command::Hold { call: id }));
    click(&mut app, "5");
    assert_eq!(
        rx.try_recv(),
        Ok(Command::Dtmf {
            call: id,
            digits: "5".into()
        })
    );
    click(&mut app, "Hang up");
    assert_eq!(rx.try_recv(), Ok(Command::Hangup { call: id }));
    let ended = CallEvent::Ended {
        reason: EndReason::Local,
    };
    event(
        &mut app,
        Event::Ua(UaEvent::Call {
            call: id,
            event: ended,
        }),
    );
    assert!(shows(&app, "Call with Carol ended."));
}

#[test]
fn the_keyboard_answers_and_declines() {
    let (mut app, mut rx) = running_app();
    let first = CallId(CallId::INCOMING | 1);
    incoming_call(&mut app, first);
    key(&mut app, Named::Escape);
    assert_eq!(
        rx.try_recv(),
        Ok(Command::Reject {
            call: first,
            code: 603
        })
    );
    let declined = CallEvent::Ended {
        reason: EndReason::Declined,
    };
    let event = UaEvent::Call {
        call: first,
        event: declined,
    };
    self::event(&mut app, Event::Ua(event));
    assert!(shows(&app, "You declined the call from Carol."));
    let second = CallId(CallId::INCOMING | 2);
    incoming_call(&mut app, second);
    key(&mut app, Named::Enter);
    assert_eq!(rx.try_recv(), Ok(Command::Answer { call: second }));
    answered(&mut app, second);
    press(&mut app, Key::Character("7".into()));
    let seven = Command::Dtmf {
        call: second,
        digits: "7".into(),
    };
    assert_eq!(rx.try_recv(), Ok(seven));
    press(&mut app, Key::Character("h".into()));
    assert_eq!(rx.try_recv(), Ok(Command::Hold { call: second }));
    assert!(shows(&app, "Resume"));
    key(&mut app, Named::Escape);
    assert_eq!(rx.try_recv(), Ok(Command::Hangup { call: second }));
}

#[test]
fn ctrl_f_opens_the_contact_search_and_ctrl_d_the_dialpad_but_not_while_ringing() {
    let (mut app, _rx) = running_app();
    let ctrl = keyboard::Modifiers::CTRL;
    press_with(&mut app, Key::Character("f".into()), ctrl);
    assert_eq!(app.tab, Tab::Contacts);
    press_with(&mut app, Key::Character("d".into()), ctrl);
    assert_eq!(app.tab, Tab::Dialpad);
    // A plain "f" is no shortcut (it is typed into the field).
    app.tab = Tab::Home;
    press(&mut app, Key::Character("f".into()));
    assert_eq!(app.tab, Tab::Home);
    key(&mut app, Named::F1);
    assert!(shows(&app, "Ctrl+F"));
    assert!(shows(&app, "Search the contacts"));
    key(&mut app, Named::Escape);
    // While a call rings, the keyboard answers or declines; Ctrl+D does not leave the call.
    incoming_call(&mut app, CallId(CallId::INCOMING | 1));
    press_with(&mut app, Key::Character("d".into()), ctrl);
    assert!(shows(&app, "Answer"));
}

#[test]
fn switching_calls_holds_the_other_one() {
    let (mut app, mut rx) = running_app();
    let (a, b) = (CallId(CallId::INCOMING | 1), CallId(CallId::INCOMING | 2));
    incoming_call(&mut app, a);
    key(&mut app, Named::Enter);
    answered(&mut app, a);
    incoming_call(&mut app, b);
    assert!(shows(&app, "1 other call is waiting"));
    click(&mut app, "Answer");
    assert_eq!(rx.try_recv(), Ok(Command::Answer { call: a }));
    assert_eq!(rx.try_recv(), Ok(Command::Answer { call: b }));
    assert_eq!(
        rx.try_recv(),
        Ok(Command::Hold { call: a }),
        "answering holds the other"
    );
    answered(&mut app, b);
    assert!(shows(&app, "2 calls"));
    click(&mut app, "Switch");
    assert_eq!(rx.try_recv(), Ok(Command::Hold { call: b }));
    assert_eq!(rx.try_recv(), Ok(Command::Resume { call: a }));
    assert_eq!(app.calls.active().map(|c| c.id), Some(a));
    assert_eq!(
        app.calls.get(b).map(|c| c.state.clone()),
        Some(CallState::Up)
    );
}

#[test]
fn a_registration_failure_with_401_reads_wrong_password() {
    let (mut app, _rx) = running_app();
    let failed = RegistrationEvent::Failed {
        code: 401,
        reason: "Unauthorized".into(),
        retry_in: Duration::from_secs(30),
    };
    event(
        &mut app,
        Event::Ua(UaEvent::Registration {
            account: AccountId(2),
            event: failed,
        }),
    );
    event(
        &mut app,
        Event::Ua(UaEvent::Registration {
            account: AccountId(1),
            event: RegistrationEvent::Registered { expires: 600 },
        }),
    );
    click(&mut app, "Accounts");
    assert!(shows(&app, "Failed: wrong password (401)"));
    assert!(shows(&app, "retrying in 30 seconds"));
    assert!(shows(&app, "Registered"));
}

#[test]
fn a_refused_certificate_reads_as_such() {
    let (mut app, _rx) = running_app();
    app.settings.accounts[1].transport = crate::config::Transport::Tls;
    event(
        &mut app,
        Event::Error {
            call: None,
            message: "cannot reach TLS 127.0.0.1:5061: invalid peer certificate: UnknownIssuer"
                .into(),
        },
    );
    let failed = RegistrationEvent::Failed {
        code: 503,
        reason: "Service Unavailable: transport error".into(),
        retry_in: Duration::from_secs(30),
    };
    event(
        &mut app,
        Event::Ua(UaEvent::Registration {
            account: AccountId(2),
            event: failed,
        }),
    );
    let _ = app.update(Message::Tab(Tab::Accounts));
    assert!(shows(&app, "Failed: certificate not trusted"));
}

#[test]
fn the_account_form_shows_a_message_next_to_a_bad_address() {
    let (mut app, _rx) = running_app();
    let _ = app.update(Message::Tab(Tab::Accounts));
    click(&mut app, "Add account");
    let input = |field, value: &str| {
        Message::Accounts(accounts::Message::Form(form::Message::Input(
            field,
            value.into(),
        )))
    };
    let _ = app.update(input(form::Field::Name, "office"));
    let _ = app.update(input(form::Field::Aor, "alice at example.com"));
    click(&mut app, "Save");
    assert!(shows(
        &app,
        "This is not a SIP address: write it like sip:alice@example.com."
    ));
    let _ = app.update(input(form::Field::Aor, "sip:example.com"));
    let _ = app.update(input(form::Field::Name, "work"));
    click(&mut app, "Save");
    assert!(shows(
        &app,
        "The address needs a user part: sip:alice@example.com."
    ));
    assert!(shows(&app, "Another account already has this name."));
    assert!(app.accounts.editing(), "nothing was saved");
}

#[test]
fn switching_the_language_changes_the_visible_text() {
    let (mut app, _rx) = running_app();
    click(&mut app, "Settings");
    assert!(shows(&app, "Language") && shows(&app, "Dialpad"));
    let _ = app.update(Message::Settings(settings::Message::Language(Lang::De)));
    assert!(shows(&app, "Sprache"));
    assert!(shows(&app, "Wähltastatur"));
    assert!(!shows(&app, "Dialpad"));
    let _ = app.update(Message::Settings(settings::Message::Language(Lang::Fr)));
    click(&mut app, "Accueil");
    assert!(shows(&app, "Votre adresse"));
    assert_eq!(app.lang(), Lang::Fr);
}

#[test]
fn closing_the_window_quits_the_engine_and_waits_for_it() {
    let (mut app, mut rx) = running_app();
    let _ = app.update(Message::CloseRequested(iced::window::Id::unique()));
    assert_eq!(rx.try_recv(), Ok(Command::Quit));
    assert_eq!(app.engine.phase, Phase::Stopping { exit: true });
    assert!(shows(&app, "Closing… ending calls and signing out"));
}

#[test]
fn saved_accounts_go_to_the_running_engine_and_calls_stay_up() {
    let (mut app, mut rx) = running_app();
    let id = call_up(&mut app, &mut rx);
    let registered = RegistrationEvent::Registered { expires: 600 };
    let home = AccountId(0);
    event(
        &mut app,
        Event::Ua(UaEvent::Registration {
            account: home,
            event: registered,
        }),
    );
    // "home" is removed.
    let mut changed = settings();
    changed.accounts.remove(0);
    let done = Saved::Done {
        settings: Box::new(changed),
        warnings: Vec::new(),
        session_password: None,
    };
    let _ = app.update(Message::Saved(Some(done)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "nothing yet");
    // The accounts were read again (keyring) off the window's thread.
    let config = setup::engine_config(&app.settings, &HashMap::new(), &mut Vec::new());
    assert_eq!(config.accounts.len(), 1);
    let prepared = |config: &crate::engine::EngineConfig| Prepared {
        config: Arc::new(config.clone()),
        keyring_unavailable: None,
        without_password: vec!["work".into()],
        warnings: Vec::new(),
    };
    // One prepared for an engine that is gone changes nothing.
    let _ = app.update(Message::Reconfigured(7, Some(prepared(&config))));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let _ = app.update(Message::Reconfigured(1, Some(prepared(&config))));
    assert_eq!(
        rx.try_recv(),
        Ok(Command::Accounts(config.accounts)),
        "the running engine takes the new accounts; no quit, no restart"
    );
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let accounts = vec![(AccountId(1), "work".to_owned())];
    event(&mut app, Event::Accounts { accounts });
    assert_eq!(app.engine.generation, 1);
    assert!(app.calls.get(id).is_some(), "the call is still up");
    assert!(!app.registrations.contains_key("home"));
    assert_eq!(app.engine_account_names(), vec!["work".to_owned()]);
    let _ = app.update(Message::Tab(Tab::Accounts));
    assert!(shows(&app, "No password stored"));
}

#[test]
fn mute_button_and_m_key_send_mute_and_help_lists_m() {
    let (mut app, mut rx) = running_app();
    let id = call_up(&mut app, &mut rx);
    click(&mut app, "Mute");
    assert_eq!(
        rx.try_recv(),
        Ok(Command::Mute {
            call: id,
            mute: true
        })
    );
    assert!(shows(&app, "Microphone off"));
    assert!(shows(&app, "Unmute") && !shows(&app, "Mute"));
    press(&mut app, Key::Character("m".into()));
    assert_eq!(
        rx.try_recv(),
        Ok(Command::Mute {
            call: id,
            mute: false
        })
    );
    assert!(shows(&app, "Mute") && !shows(&app, "Microphone off"));
    press(&mut app, Key::Character("M".into()));
    assert_eq!(
        rx.try_recv(),
        Ok(Command::Mute {
            call: id,
            mute: true
        })
    );
    key(&mut app, Named::F1);
    assert!(shows(&app, "M (in a call)"));
    assert!(shows(&app, "Mute or unmute the microphone"));
}

#[test]
fn a_verified_encrypted_caller_is_marked_so_and_an_unverified_one_too() {
    let (mut app, _rx) = running_app();
    let id = CallId(CallId::INCOMING | 1);
    incoming_call(&mut app, id);
    assert!(shows(&app, "Unverified") && shows(&app, "Not encrypted"));
    assert!(!shows(&app, "Verified caller") && !shows(&app, "Encrypted"));
    let key_z = "yryyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy";
    let from = NameAddr::new(Uri::parse(&format!("sip:dave@{key_z}")).unwrap());
    let to = NameAddr::new(Uri::parse("sip:alice@127.0.0.1").unwrap());
    let second = CallId(CallId::INCOMING | 2);
    let _ = app.update(Message::Incoming(
        super::screen::incoming::Message::Decline(id),
    ));
    let ended = CallEvent::Ended {
        reason: EndReason::Declined,
    };
    event(
        &mut app,
        Event::Ua(UaEvent::Call {
            call: id,
            event: ended,
        }),
    );
    let incoming = CallEvent::Incoming {
        account: None,
        from: Box::new(from),
        to: Box::new(to),
        verified: Some(key_z.into()),
        encrypted: true,
    };
    event(
        &mut app,
        Event::Ua(UaEvent::Call {
            call: second,
            event: incoming,
        }),
    );
    assert!(shows(&app, "Verified caller") && shows(&app, "Encrypted"));
    assert!(!shows(&app, "Unverified") && !shows(&app, "Not encrypted"));
    key(&mut app, Named::Enter);
    let mut media = crate::ui::calls::tests::up_media();
    media.media_index = Some(0);
    media.srtp = Some(crate::ui::calls::tests::srtp_keys());
    let event_up = CallEvent::Answered {
        media: Box::new(media),
    };
    event(
        &mut app,
        Event::Ua(UaEvent::Call {
            call: second,
            event: event_up,
        }),
    );
    assert_eq!(app.tab, Tab::Call);
    assert!(shows(&app, "Verified caller") && shows(&app, "Encrypted"));
    let _ = app.update(Message::Settings(settings::Message::Language(Lang::De)));
    assert!(shows(&app, "Anrufer bestätigt") && shows(&app, "Verschlüsselt"));
}

#[test]
fn our_p2p_address_is_shown_and_copied_rather_than_the_direct_one() {
    let (mut app, _rx) = running_app();
    assert!(shows(&app, "sip:127.0.0.1:5062"));
    assert!(!shows(&app, "For ordinary SIP phones: sip:127.0.0.1:5062"));
    let address = "sip:alice@yryyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy";
    event(
        &mut app,
        Event::Identity {
            address: address.into(),
        },
    );
    assert!(shows(&app, address));
    assert!(!shows(&app, "sip:127.0.0.1:5062"), "not as our address");
    assert!(shows(&app, "For ordinary SIP phones: sip:127.0.0.1:5062"));
    let copy =
        super::screen::home::update(super::screen::home::Message::CopyAddress, Some(address));
    assert_eq!(copy, Some(super::screen::home::Event::Copy(address.into())));
    click(&mut app, "Copy");
    assert!(shows(&app, "Address copied."));
}

#[test]
fn call_statistics_show_the_codec_and_a_quality_word() {
    let (mut app, _rx) = running_app();
    let id = CallId(CallId::INCOMING | 1);
    incoming_call(&mut app, id);
    key(&mut app, Named::Enter);
    answered(&mut app, id);
    let mut stats = crate::engine::CallStats {
        codec: "opus".into(),
        bitrate: 24_000,
        packets_sent: 500,
        packets_received: 498,
        packets_lost: 2,
        loss_percent: 0,
        remote_loss_percent: Some(0),
        jitter_ms: 4,
        buffer_ms: 20,
        rtt_ms: Some(40),
    };
    event(
        &mut app,
        Event::CallStats {
            call: id,
            stats: stats.clone(),
        },
    );
    assert!(shows(&app, "Codec: opus"));
    assert!(shows(&app, "Good quality"));
    stats.jitter_ms = 45;
    event(
        &mut app,
        Event::CallStats {
            call: id,
            stats: stats.clone(),
        },
    );
    assert!(shows(&app, "Fair quality") && !shows(&app, "Good quality"));
    stats.jitter_ms = 4;
    stats.remote_loss_percent = Some(12);
    event(
        &mut app,
        Event::CallStats {
            call: id,
            stats: stats.clone(),
        },
    );
    assert!(shows(&app, "Poor quality"));
    stats.remote_loss_percent = None;
    stats.rtt_ms = Some(450);
    event(&mut app, Event::CallStats { call: id, stats });
    assert!(shows(&app, "Fair quality"));
}

#[test]
fn people_nearby_are_listed_on_home_with_a_call_button() {
    let (mut app, mut rx) = running_app();
    assert!(!shows(&app, "People nearby"));
    let key_z = "yryyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy";
    let nearby = |handle: &str, name: &str| Event::Nearby {
        address: format!("sip:{handle}@{key_z}"),
        name: name.into(),
        contacts: vec!["udp:192.168.1.7:5060".into()],
    };
    event(&mut app, nearby("bob", "Bob"));
    event(&mut app, nearby("bob", "Bobby"));
    assert!(shows(&app, "People nearby") && shows(&app, "Bobby"));
    assert!(!shows(&app, "Bob"), "the same key is updated, not added");
    click(&mut app, "Call");
    assert_eq!(
        rx.try_recv(),
        Ok(Command::Dial {
            call: CallId(1),
            target: format!("sip:bob@{key_z}"),
            account: None,
        })
    );
    assert_eq!(app.tab, Tab::Call);
    let _ = app.update(Message::Tab(Tab::Home));
    event(&mut app, nearby("robert", "Robert"));
    let carol = Event::Nearby {
        address: format!("sip:carol@{}", "x".repeat(52)),
        name: "Carol".into(),
        contacts: Vec::new(),
    };
    event(&mut app, carol);
    assert!(shows(&app, "Robert") && shows(&app, "Carol"));
    assert!(!shows(&app, "Bobby") && app.nearby.len() == 2);
    event(&mut app, Event::NearbyGone { key: key_z.into() });
    assert!(shows(&app, "Carol") && !shows(&app, "Robert"));
    event(
        &mut app,
        Event::NearbyGone {
            key: "x".repeat(52),
        },
    );
    assert!(!shows(&app, "People nearby"));
}

mod preferences;
mod records;
