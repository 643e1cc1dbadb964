//! Contacts, history, links and the keyboard help, through the real view and `update`.

use super::*;
use crate::store::{Contact, ContactId, Direction, Snapshot};
use crate::ui::app::Stored;
use crate::ui::screen::contacts;

fn contact(id: i64, name: &str, uris: &[&str], favourite: bool) -> Contact {
    Contact {
        id: Some(ContactId(id)),
        name: name.into(),
        uris: uris.iter().map(|u| (*u).to_owned()).collect(),
        favourite,
    }
}

/// The window with these contacts, as the store's thread would report them.
fn with_contacts(contacts: Vec<Contact>) -> (App, mpsc::Receiver<Command>) {
    let (mut app, rx) = running_app();
    let snapshot = Snapshot {
        contacts,
        ..Snapshot::default()
    };
    let _ = app.update(Message::Stored(Some(Stored {
        snapshot: Ok(snapshot),
        notice: None,
    })));
    (app, rx)
}

fn people() -> Vec<Contact> {
    vec![
        contact(3, "Zoe", &["sip:zoe@example.com"], true),
        contact(1, "Bob", &["sip:bob@127.0.0.1:5064", "+4930123"], false),
        contact(2, "Carol", &["sip:carol@example.com"], false),
    ]
}

/// Whether some text of the view contains `part`.
fn shows_part(app: &App, part: &str) -> bool {
    simulator(app)
        .find(
            |candidate: iced_test::selector::Candidate<'_>| match candidate {
                iced_test::selector::Candidate::Text { content, .. } if content.contains(part) => {
                    Some(())
                }
                _ => None,
            },
        )
        .is_ok()
}

fn ended(app: &mut App, id: CallId, reason: EndReason) {
    let event = CallEvent::Ended { reason };
    self::event(app, Event::Ua(UaEvent::Call { call: id, event }));
}

#[test]
fn clicking_a_contact_sends_the_dial_command() {
    let (mut app, mut rx) = with_contacts(people());
    click(&mut app, "Contacts");
    assert_eq!(app.tab, Tab::Contacts);
    click(&mut app, "Bob");
    assert_eq!(
        rx.try_recv(),
        Ok(Command::Dial {
            call: CallId(1),
            target: "sip:bob@127.0.0.1:5064".into(),
            account: Some(AccountId(2)),
        })
    );
    assert_eq!(app.tab, Tab::Call);
    assert!(shows(&app, "Bob"), "the call view names the contact");
    // A second address of the contact is called by clicking it.
    let _ = app.update(Message::Tab(Tab::Contacts));
    click(&mut app, "+4930123");
    assert!(matches!(
        rx.try_recv(),
        Ok(Command::Dial { target, .. }) if target == "+4930123"
    ));
}

#[test]
fn search_filters_as_you_type_and_enter_calls_the_first_match() {
    let (mut app, mut rx) = with_contacts(people());
    let _ = app.update(Message::Tab(Tab::Contacts));
    assert!(shows(&app, "★ Zoe") && shows(&app, "Bob") && shows(&app, "Carol"));
    let messages: Vec<Message> = {
        let mut ui = simulator(&app);
        ui.click(contacts::search_id()).unwrap();
        ui.typewrite("car");
        ui.into_messages().collect()
    };
    for message in messages {
        let _ = app.update(message);
    }
    assert_eq!(app.contacts_screen.query, "car");
    assert!(shows(&app, "Carol"));
    assert!(!shows(&app, "Bob") && !shows(&app, "★ Zoe"));
    let _ = app.update(Message::Contacts(contacts::Message::Query("NOBODY".into())));
    assert!(shows(&app, "No contact matches."));
    let _ = app.update(Message::Contacts(contacts::Message::Query(
        "example".into(),
    )));
    let _ = app.update(Message::Contacts(contacts::Message::CallFirst));
    assert!(
        matches!(
            rx.try_recv(),
            Ok(Command::Dial { target, .. }) if target == "sip:zoe@example.com"
        ),
        "favourites come first"
    );
}

#[test]
fn the_contact_form_shows_problems_next_to_the_fields() {
    let (mut app, _rx) = with_contacts(Vec::new());
    let _ = app.update(Message::Tab(Tab::Contacts));
    assert!(shows(&app, "No contacts yet."));
    click(&mut app, "Add contact");
    click(&mut app, "Save");
    assert!(shows(&app, "Give the contact a name."));
    assert!(shows(&app, "Give at least one address or number."));
    let _ = app.update(Message::Contacts(contacts::Message::Uris(
        "http://x".into(),
    )));
    click(&mut app, "Save");
    assert!(shows(
        &app,
        "“http://x” is not an address Tincan can call: use sip:, sips:, tel: or a number."
    ));
}

#[test]
fn an_ended_call_appears_in_history_and_a_missed_call_raises_the_badge() {
    let (mut app, mut rx) = with_contacts(people());
    // An answered incoming call from a contact: the incoming view names the contact.
    let id = CallId(CallId::INCOMING | 1);
    incoming_call(&mut app, id);
    assert!(shows(&app, "Carol"));
    assert_eq!(app.title(), "Incoming call from Carol — Tincan");
    key(&mut app, Named::Enter);
    assert_eq!(rx.try_recv(), Ok(Command::Answer { call: id }));
    answered(&mut app, id);
    ended(&mut app, id, EndReason::Remote);
    assert_eq!(app.history.len(), 1);
    assert_eq!(app.history[0].direction, Direction::Incoming);
    assert_eq!(app.history[0].account.as_deref(), Some("work"));
    assert_eq!(app.unseen_missed, 0);
    assert!(shows(&app, "History"));
    // Two calls nobody answered: the badge counts them.
    for n in 2..4 {
        let id = CallId(CallId::INCOMING | n);
        incoming_call(&mut app, id);
        ended(&mut app, id, EndReason::Cancelled);
    }
    assert_eq!(app.unseen_missed, 2);
    assert!(shows(&app, "History (2)"));
    click(&mut app, "History (2)");
    assert_eq!(app.tab, Tab::History);
    assert_eq!(app.unseen_missed, 0, "seen now");
    assert!(shows(&app, "2 missed calls"));
    assert!(shows(&app, "History"));
    assert!(!shows(&app, "History (2)"));
    assert!(shows(&app, "Missed"));
    assert!(shows(&app, "Incoming"));
    assert!(shows_part(&app, " · on work"), "the account is shown");
    // Call back dials the caller.
    let messages: Vec<Message> = {
        let mut ui = simulator(&app);
        ui.click("Call back").unwrap();
        ui.into_messages().collect()
    };
    for message in messages {
        let _ = app.update(message);
    }
    assert!(matches!(
        rx.try_recv(),
        Ok(Command::Dial { target, .. }) if target == "sip:carol@example.com"
    ));
    // An outgoing call goes to the history too, and the contact shows its recent calls.
    ended(&mut app, CallId(1), EndReason::Busy);
    assert_eq!(app.history[0].direction, Direction::Outgoing);
    let _ = app.update(Message::Tab(Tab::History));
    click(&mut app, "Clear");
    click(&mut app, "Forget every call");
    assert!(app.history.is_empty());
    assert!(shows(&app, "No calls yet."));
}

#[test]
fn a_declined_call_is_not_missed_and_contacts_show_their_last_calls() {
    let (mut app, mut rx) = with_contacts(people());
    let id = CallId(CallId::INCOMING | 1);
    incoming_call(&mut app, id);
    key(&mut app, Named::Escape);
    assert_eq!(
        rx.try_recv(),
        Ok(Command::Reject {
            call: id,
            code: 603
        })
    );
    ended(&mut app, id, EndReason::Declined);
    assert_eq!(app.history[0].direction, Direction::Incoming);
    assert_eq!(app.unseen_missed, 0);
    let _ = app.update(Message::Tab(Tab::Contacts));
    assert!(
        shows_part(&app, "Incoming · "),
        "Carol's card lists the call"
    );
}

#[test]
fn a_link_dials_now_or_once_the_engine_listens() {
    let (mut app, mut rx) = running_app();
    let _ = app.update(Message::Link("sip:dave@127.0.0.1:5070".into()));
    assert!(matches!(
        rx.try_recv(),
        Ok(Command::Dial { target, account: Some(AccountId(2)), .. }) if target == "sip:dave@127.0.0.1:5070"
    ));
    // Before the engine runs the link waits for it.
    let (mut app, _prepare) = App::new(None, settings(), &[], Lang::En);
    let _ = app.update(Message::Link("tel:+4930123".into()));
    assert_eq!(app.pending_dial.as_deref(), Some("tel:+4930123"));
    let config = setup::engine_config(&settings(), &HashMap::new(), &mut Vec::new());
    let _ = app.update(Message::Prepared(Some(Prepared {
        config: Arc::new(config),
        keyring_unavailable: None,
        without_password: Vec::new(),
        warnings: Vec::new(),
    })));
    let (tx, mut rx) = mpsc::channel(16);
    engine(
        &mut app,
        Output::Ready {
            generation: 1,
            controller: Controller::new(tx),
        },
    );
    let listen = vec![(TransportKind::Udp, "127.0.0.1:5062".parse().unwrap())];
    event(&mut app, Event::Started { listen });
    assert!(matches!(
        rx.try_recv(),
        Ok(Command::Dial { target, .. }) if target == "tel:+4930123"
    ));
    assert_eq!(app.pending_dial, None);
}

#[test]
fn f1_and_question_mark_show_the_keyboard_help_and_escape_closes_it() {
    let (mut app, mut rx) = running_app();
    key(&mut app, Named::F1);
    assert!(shows(&app, "Keyboard shortcuts"));
    assert!(shows(&app, "Hold or resume"));
    key(&mut app, Named::Escape);
    assert!(!shows(&app, "Keyboard shortcuts"));
    press(&mut app, Key::Character("?".into()));
    assert!(shows(&app, "Keyboard shortcuts"));
    click(&mut app, "Close");
    assert!(!app.help);
    // A call coming in closes the help: Escape then declines.
    key(&mut app, Named::F1);
    let id = CallId(CallId::INCOMING | 1);
    incoming_call(&mut app, id);
    assert!(!app.help);
    key(&mut app, Named::Escape);
    assert_eq!(
        rx.try_recv(),
        Ok(Command::Reject {
            call: id,
            code: 603
        })
    );
}

#[test]
fn a_database_problem_is_told_and_the_window_goes_on() {
    let (mut app, _rx) = running_app();
    let report = crate::store::worker::OpenReport::Warning("db.sqlite3: kept aside".into());
    let _ = app.update(Message::StoreOpened(report));
    assert!(shows(&app, "Contacts and history: db.sqlite3: kept aside"));
    let _ = app.update(Message::Stored(None));
    assert!(shows_part(&app, "could not be saved"));
    let _ = app.update(Message::Tab(Tab::Contacts));
    assert!(shows(&app, "No contacts yet."));
}

#[test]
fn an_incoming_call_notifies_the_desktop_only_when_the_window_is_not_in_front() {
    let (mut app, _rx) = running_app();
    let id = CallId(CallId::INCOMING | 1);
    let mut from = NameAddr::new(Uri::parse("sip:carol@example.com").unwrap());
    from.display = Some("Carol".into());
    let to = NameAddr::new(Uri::parse("sip:alice@work.example").unwrap());
    let incoming = |id| {
        Message::Engine(Output::Event {
            generation: 1,
            event: Event::Ua(UaEvent::Call {
                call: id,
                event: CallEvent::Incoming {
                    account: Some(AccountId(2)),
                    from: Box::new(from.clone()),
                    to: Box::new(to.clone()),
                    verified: None,
                    encrypted: false,
                },
            }),
        })
    };
    let task = app.update(incoming(id));
    assert_eq!(task.units(), 0, "focused: no notification");
    let _ = app.update(Message::Focused(false));
    let task = app.update(incoming(CallId(CallId::INCOMING | 2)));
    assert_eq!(task.units(), 1, "not focused: the notification is shown");
}

#[test]
fn the_window_takes_one_link_among_its_options() {
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let options =
        crate::ui::Options::parse(&args(&["--config", "c.toml", "callto:+4930123"])).unwrap();
    assert_eq!(options.dial.as_deref(), Some("tel:+4930123"));
    assert_eq!(options.config, Some("c.toml".into()));
    let options = crate::ui::Options::parse(&args(&["--database", "d.sqlite3"])).unwrap();
    assert_eq!(options.database, Some("d.sqlite3".into()));
    assert!(crate::ui::Options::parse(&args(&["sip:a@b", "sip:c@d"])).is_err());
    assert!(crate::ui::Options::parse(&args(&["http://x"])).is_err());
    let options = crate::ui::Options::parse(&args(&["--audio-out", "o.wav"])).unwrap();
    let audio = options.virtual_audio.expect("a virtual device");
    assert_eq!((audio.input, audio.output), (None, Some("o.wav".into())));
    assert!(crate::ui::Options::parse(&args(&["--audio-in"])).is_err());
}

#[test]
fn calls_the_engine_took_down_with_it_go_to_the_history() {
    let (mut app, _rx) = running_app();
    incoming_call(&mut app, CallId(CallId::INCOMING | 1));
    engine(
        &mut app,
        Output::Exited {
            generation: 1,
            error: Some("boom".into()),
            bind_failed: false,
        },
    );
    assert!(app.calls.all().is_empty());
    assert_eq!(app.history.len(), 1);
    assert_eq!(app.history[0].direction, Direction::Missed);
    assert_eq!(app.unseen_missed, 1);
    assert!(shows(&app, "The phone stopped: boom"));
}
