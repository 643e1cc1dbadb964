//! The settings screen through the real view and `update`: what each change sends to the
//! engine, what is written to the settings file, do not disturb, and the level meters.

use super::*;
use crate::config::ThemeChoice;
use crate::engine::Level;
use crate::store::Direction;
use crate::ui::screen::settings::{Choice, Devices};

/// The settings page is long: a window tall enough to show all of it.
const TALL: (f32, f32) = (620.0, 2400.0);

fn tall(app: &App) -> Simulator<'_, Message> {
    Simulator::with_size(iced::Settings::default(), TALL, app.view())
}

/// Clicks `label` on the whole settings page.
fn click_tall(app: &mut App, label: &str) {
    click_in(app, label, TALL);
}

fn shows_tall(app: &App, text: &str) -> bool {
    tall(app).find(text).is_ok()
}

fn set(app: &mut App, message: settings::Message) {
    let _ = app.update(Message::Settings(message));
}

/// The settings screen of a running window, its device list read.
fn settings_screen() -> (App, mpsc::Receiver<Command>) {
    let (mut app, rx) = running_app();
    click(&mut app, "Settings");
    let devices = Devices {
        inputs: vec!["Headset Mic".into(), "Built-in Mic".into()],
        outputs: vec!["Headset".into(), "Speakers".into()],
    };
    let _ = app.update(Message::DevicesListed(Some(Ok(devices))));
    (app, rx)
}

fn audio_command(rx: &mut mpsc::Receiver<Command>) -> crate::config::AudioSettings {
    match rx.try_recv() {
        Ok(Command::Audio(audio)) => audio,
        other => panic!("expected Command::Audio, got {other:?}"),
    }
}

fn level(rms_dbfs: i16) -> Level {
    Level {
        peak_dbfs: rms_dbfs + 3,
        rms_dbfs,
    }
}

#[test]
fn toggling_echo_cancellation_and_picking_a_device_send_the_audio_settings() {
    let (mut app, mut rx) = settings_screen();
    click_tall(&mut app, "Echo cancellation");
    let audio = audio_command(&mut rx);
    assert!(!audio.echo_cancellation);
    assert!(audio.noise_suppression, "the rest stays as it was");
    assert!(!app.settings.audio.echo_cancellation);
    let pick = Choice {
        value: Some("Headset Mic".to_owned()),
        label: "Headset Mic".to_owned(),
    };
    set(&mut app, settings::Message::Input(pick));
    let audio = audio_command(&mut rx);
    assert_eq!(audio.input_device.as_deref(), Some("Headset Mic"));
    assert!(!audio.echo_cancellation);
    // Picking what is already chosen sends nothing.
    let same = Choice {
        value: Some("Headset Mic".to_owned()),
        label: "Headset Mic".to_owned(),
    };
    set(&mut app, settings::Message::Input(same));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    // A configured speaker that is gone shows as such.
    app.settings.audio.output_device = Some("USB Speaker".into());
    assert!(shows_tall(
        &app,
        "USB Speaker is not connected: the system default is used until it is back."
    ));
    // Refresh lists again (off the window's thread: the screen says it is looking).
    click_tall(&mut app, "Refresh");
    assert!(shows_tall(&app, "Looking for sound devices…"));
    let failed = Err("no sound server".to_owned());
    let _ = app.update(Message::DevicesListed(Some(failed)));
    assert!(shows_tall(
        &app,
        "The sound devices cannot be listed: no sound server"
    ));
}

#[test]
fn codecs_move_up_and_down_and_the_last_one_cannot_be_disabled() {
    let (mut app, mut rx) = settings_screen();
    assert_eq!(app.settings.audio.codecs, ["opus", "pcmu", "pcma"]);
    set(&mut app, settings::Message::CodecUp("pcmu"));
    assert_eq!(audio_command(&mut rx).codecs, ["pcmu", "opus", "pcma"]);
    set(&mut app, settings::Message::CodecDown("pcmu"));
    assert_eq!(audio_command(&mut rx).codecs, ["opus", "pcmu", "pcma"]);
    // G.722 is off: ticking it adds it last.
    click_tall(&mut app, "G.722");
    assert_eq!(
        audio_command(&mut rx).codecs,
        ["opus", "pcmu", "pcma", "g722"]
    );
    for name in ["Opus", "G.711 µ-law (PCMU)", "G.711 A-law (PCMA)"] {
        click_tall(&mut app, name);
        let _ = audio_command(&mut rx);
    }
    assert_eq!(app.settings.audio.codecs, ["g722"]);
    let _ = app.update(Message::Settings(settings::Message::Codec("g722", false)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "nothing sent");
    assert_eq!(app.settings.audio.codecs, ["g722"]);
    assert!(shows_tall(&app, "At least one codec must stay enabled."));
}

#[test]
fn settings_are_saved_to_the_file_and_read_back() {
    let dir = std::env::temp_dir().join(format!("tincan-ui-settings-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("config.toml");
    let (mut app, mut rx) = settings_screen();
    app.path = Some(path.clone());
    click_tall(&mut app, "Start minimized");
    assert!(app.settings_saving.0, "a save runs");
    click_tall(&mut app, "Answer calls automatically");
    assert_eq!(
        rx.try_recv(),
        Ok(Command::Answering {
            auto_answer: true,
            do_not_disturb: false
        })
    );
    assert!(app.settings_saving.1, "a second save waits for the first");
    let dark = Choice {
        value: ThemeChoice::Dark,
        label: String::new(),
    };
    set(&mut app, settings::Message::Theme(dark));
    assert_eq!(app.theme(), Some(iced::Theme::Dark));
    set(&mut app, settings::Message::Language(Lang::Es));
    assert!(shows_tall(&app, "Ajustes"), "Spanish at once");
    set(&mut app, settings::Message::CodecUp("pcma"));
    let _ = audio_command(&mut rx);
    // What the save thread does (the same function), and its report back.
    let written = crate::config::save(&path, &app.settings).map_err(|e| e.to_string());
    let _ = app.update(Message::SettingsSaved(Some(written)));
    assert!(app.settings_saving.0, "the waiting save starts");
    let _ = app.update(Message::SettingsSaved(Some(Ok(()))));
    assert_eq!(app.settings_saving, (false, false));
    let loaded = crate::config::load(&path);
    assert_eq!(loaded.warnings, Vec::<String>::new());
    assert_eq!(loaded.config, app.settings);
    let ui = &loaded.config.ui;
    assert_eq!(
        (ui.language.as_deref(), ui.theme, ui.start_minimized),
        (Some("es"), ThemeChoice::Dark, true)
    );
    assert!(loaded.config.general.auto_answer);
    assert_eq!(loaded.config.audio.codecs, ["opus", "pcma", "pcmu"]);
    // The accounts are still there.
    assert_eq!(loaded.config.accounts.len(), 2);
    // A theme Tincan does not know: the default, with a warning.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("theme = \"dark\"", "theme = \"sepia\"")).unwrap();
    let loaded = crate::config::load(&path);
    assert_eq!(loaded.config.ui.theme, ThemeChoice::System);
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert!(loaded.warnings[0].starts_with("ui.theme:"));
    // A save that fails says so.
    let _ = app.update(Message::SettingsSaved(Some(Err("disk full".into()))));
    assert!(app.notice.as_ref().is_some_and(|n| n.error));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn do_not_disturb_neither_shows_nor_notifies_an_incoming_call_and_records_it_missed() {
    let (mut app, mut rx) = settings_screen();
    click_tall(
        &mut app,
        "Do not disturb (decline calls as busy, record them as missed)",
    );
    assert_eq!(
        rx.try_recv(),
        Ok(Command::Answering {
            auto_answer: false,
            do_not_disturb: true
        })
    );
    let id = CallId(CallId::INCOMING | 7);
    incoming_call(&mut app, id);
    assert!(!shows(&app, "Incoming call"));
    assert!(app.ringing().is_none());
    assert_eq!(app.title(), "Tincan");
    // The engine declines it (486); the window sends nothing.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let event = CallEvent::Ended {
        reason: EndReason::Busy,
    };
    self::event(&mut app, Event::Ua(UaEvent::Call { call: id, event }));
    assert_eq!(app.history[0].direction, Direction::Missed);
    assert_eq!(app.unseen_missed, 1);
    assert!(shows(&app, "Missed call from Carol (do not disturb)."));
    // Off again: calls ring.
    click_tall(
        &mut app,
        "Do not disturb (decline calls as busy, record them as missed)",
    );
    let _ = rx.try_recv();
    incoming_call(&mut app, CallId(CallId::INCOMING | 8));
    assert!(shows(&app, "Incoming call"));
}

#[test]
fn the_microphone_test_shows_its_level_and_stops_with_the_screen() {
    let (mut app, mut rx) = settings_screen();
    click(&mut app, "Test microphone");
    assert_eq!(rx.try_recv(), Ok(Command::TestMicrophone(true)));
    assert!(shows(&app, "Stop the test"));
    assert!(shows(&app, "–"), "nothing measured yet");
    event(
        &mut app,
        Event::Levels {
            microphone: level(-23),
            calls: Vec::new(),
        },
    );
    assert!(shows(&app, "-23 dB"));
    assert!((crate::ui::screen::meter_fill(Some(level(-23))) - 37.0 / 60.0).abs() < 1e-6);
    assert_eq!(crate::ui::screen::meter_fill(Some(level(-100))), 0.0);
    click(&mut app, "Play test sound");
    assert_eq!(rx.try_recv(), Ok(Command::TestSound));
    click(&mut app, "Home");
    assert_eq!(rx.try_recv(), Ok(Command::TestMicrophone(false)));
}

#[test]
fn the_call_view_shows_microphone_and_speaker_levels() {
    let (mut app, _rx) = running_app();
    let id = CallId(CallId::INCOMING | 1);
    incoming_call(&mut app, id);
    answered(&mut app, id);
    let _ = app.update(Message::Tab(Tab::Call));
    assert!(shows(&app, "Microphone"));
    assert!(shows(&app, "Speaker"));
    event(
        &mut app,
        Event::Levels {
            microphone: level(-18),
            calls: vec![(id, level(-31))],
        },
    );
    assert!(shows(&app, "-18 dB"));
    assert!(shows(&app, "-31 dB"));
}

#[test]
fn an_account_saved_meanwhile_keeps_the_settings_changed_and_writes_them_again() {
    let (mut app, mut rx) = settings_screen();
    app.path = Some(std::env::temp_dir().join("tincan-ui-never-written.toml"));
    // An account save started before do not disturb was switched on...
    let mut written = app.settings.clone();
    written.general.default_account = Some("home".into());
    click_tall(
        &mut app,
        "Do not disturb (decline calls as busy, record them as missed)",
    );
    let _ = rx.try_recv();
    let _ = app.update(Message::SettingsSaved(Some(Ok(()))));
    assert_eq!(app.settings_saving, (false, false));
    // ...finishes: its default account is taken, do not disturb stays, and is saved again.
    let done = Saved::Done {
        settings: Box::new(written),
        warnings: Vec::new(),
        session_password: None,
    };
    let _ = app.update(Message::Saved(Some(done)));
    assert!(app.settings.general.do_not_disturb);
    assert_eq!(
        app.settings.general.default_account.as_deref(),
        Some("home")
    );
    assert!(app.settings_saving.0, "the settings are written again");
}

#[test]
fn the_settings_file_knows_every_language_the_window_speaks() {
    let codes: Vec<&str> = Lang::ALL.iter().map(|l| l.code()).collect();
    assert_eq!(codes, crate::config::LANGUAGES);
}
