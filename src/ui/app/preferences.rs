//! The settings screen's requests: a change is applied at once (the language, the theme, an
//! engine command for sound and incoming calls) and saved to the settings file on a
//! background thread (atomically, by `config::save`), one save at a time; the device list is
//! read off the window's thread.

use super::{App, Message, Notice};
use crate::config::{self, Config};
use crate::engine::Command;
use crate::ui::bridge::background;
use crate::ui::i18n::{Lang, k};
use crate::ui::screen::settings::{self, Change, Devices};
use iced::Task;

impl App {
    pub(crate) fn on_settings(&mut self, event: settings::Event) -> Task<Message> {
        match event {
            settings::Event::Changed(new, change) => {
                self.settings = *new;
                self.apply(change);
                self.save_settings()
            }
            settings::Event::Refresh => self.list_devices(),
            settings::Event::TestMicrophone(on) => {
                // Nothing measured yet (or any more).
                self.levels = None;
                if !self.send(Command::TestMicrophone(on)) {
                    self.settings_screen.mic_test = false;
                }
                Task::none()
            }
            settings::Event::TestSound => {
                self.send(Command::TestSound);
                Task::none()
            }
        }
    }

    /// Puts a changed setting to use.
    fn apply(&mut self, change: Change) {
        match change {
            Change::Language => {
                let lang = self.settings.ui.language.as_deref();
                self.i18n
                    .set_lang(lang.and_then(Lang::from_locale).unwrap_or_default());
            }
            // `theme` reads the settings; how the window starts matters next time.
            Change::Theme | Change::Window => {}
            Change::Audio => {
                let audio = self.settings.audio.clone();
                self.send_if_running(Command::Audio(audio));
            }
            Change::Answering => {
                let general = &self.settings.general;
                let command = Command::Answering {
                    auto_answer: general.auto_answer,
                    do_not_disturb: general.do_not_disturb,
                };
                self.send_if_running(command);
            }
        }
    }

    /// Sends `command` when an engine runs (one that starts later reads the settings).
    fn send_if_running(&mut self, command: Command) {
        if self.engine.controller.is_some() {
            self.send(command);
        }
    }

    /// Lists the sound devices on a background thread.
    pub(crate) fn list_devices(&mut self) -> Task<Message> {
        self.settings_screen.listing = settings::Listing::Listing;
        Task::perform(background(list), Message::DevicesListed)
    }

    /// Saves the settings in use, unless a save runs (it saves again when done).
    pub(crate) fn save_settings(&mut self) -> Task<Message> {
        if self.settings_saving.0 {
            self.settings_saving.1 = true;
            return Task::none();
        }
        let Some(path) = self.path.clone() else {
            tracing::warn!("settings not saved: this system has no configuration directory");
            self.notice = Some(Notice::error(
                k("notice-save-failed"),
                vec![("message", "no configuration directory".to_owned())],
            ));
            return Task::none();
        };
        self.settings_saving = (true, false);
        let settings: Config = self.settings.clone();
        Task::perform(
            background(move || config::save(&path, &settings).map_err(|e| e.to_string())),
            Message::SettingsSaved,
        )
    }

    pub(crate) fn on_settings_saved(&mut self, saved: Option<Result<(), String>>) -> Task<Message> {
        let again = self.settings_saving.1;
        self.settings_saving = (false, false);
        match saved.unwrap_or_else(|| Err("the saving thread failed".to_owned())) {
            Ok(()) => {}
            Err(message) => {
                tracing::warn!("settings not saved: {message}");
                self.notice = Some(Notice::error(
                    k("notice-save-failed"),
                    vec![("message", message)],
                ));
            }
        }
        if again {
            return self.save_settings();
        }
        Task::none()
    }
}

/// The input and output devices, by name (blocking: it asks the sound system).
fn list() -> Result<Devices, String> {
    let list = crate::audio::sound::list_devices()?;
    let names = |direction| {
        list.iter()
            .filter(|d| d.direction == direction)
            .map(|d| d.name.clone())
            .collect()
    };
    Ok(Devices {
        inputs: names(crate::audio::sound::Direction::Input),
        outputs: names(crate::audio::sound::Direction::Output),
    })
}
