//! Settings: the sound devices (listed live, off the window's thread), a microphone test
//! with a level meter, a test sound, the microphone's processing, the codecs and their order,
//! how incoming calls are handled (auto-answer, do not disturb), the language, the theme and
//! whether the window starts minimized. Every change is applied at once and saved.

use super::{card, heading, level_meter};
use crate::config::{Config, ThemeChoice};
use crate::engine::Level;
use crate::sip::offer_answer::Codec;
use crate::ui::i18n::{I18n, Lang, k};
use crate::ui::tab_stop::{button, checkbox};
use iced::widget::{column, pick_list, row, text};
use iced::{Center, Element, Fill};

mod choices;

pub use choices::{Choice, DeviceChoice, codec_label, device_list, enable_codec, move_codec};

/// What the user does here.
#[derive(Debug, Clone)]
pub enum Message {
    /// A language was picked.
    Language(Lang),
    /// A theme was picked.
    Theme(Choice<ThemeChoice>),
    /// A microphone was picked.
    Input(DeviceChoice),
    /// A speaker was picked.
    Output(DeviceChoice),
    /// A ringer was picked.
    Ringer(DeviceChoice),
    /// Echo cancellation on or off.
    EchoCancellation(bool),
    /// Noise suppression on or off.
    NoiseSuppression(bool),
    /// Automatic gain control on or off.
    GainControl(bool),
    /// Auto-answer on or off.
    AutoAnswer(bool),
    /// Do not disturb on or off.
    DoNotDisturb(bool),
    /// Start minimized on or off.
    StartMinimized(bool),
    /// A codec was enabled (`true`) or disabled.
    Codec(&'static str, bool),
    /// Move a codec up (preferred sooner).
    CodecUp(&'static str),
    /// Move a codec down.
    CodecDown(&'static str),
    /// List the devices again.
    Refresh,
    /// Start (`true`) or stop the microphone test.
    TestMicrophone(bool),
    /// Play the test sound.
    TestSound,
}

/// What changed, for the parent to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The language.
    Language,
    /// The theme.
    Theme,
    /// `[audio]`: devices, processing, codecs.
    Audio,
    /// Auto-answer or do not disturb.
    Answering,
    /// How the window starts.
    Window,
}

/// What the parent must do.
#[derive(Debug, Clone)]
pub enum Event {
    /// Use and save these settings; `Change` says which part changed.
    Changed(Box<Config>, Change),
    /// List the sound devices (off the window's thread).
    Refresh,
    /// Start (`true`) or stop the microphone test.
    TestMicrophone(bool),
    /// Play the test sound.
    TestSound,
}

/// The sound devices the system lists, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Devices {
    /// Microphones.
    pub inputs: Vec<String>,
    /// Speakers.
    pub outputs: Vec<String>,
}

/// Where the device list stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Listing {
    /// Not asked yet.
    #[default]
    NotYet,
    /// Being listed.
    Listing,
    /// Listed.
    Listed(Devices),
    /// The sound system could not list them (in English, shown inside a translated line).
    Failed(String),
}

/// The settings screen's own state.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The devices.
    pub listing: Listing,
    /// The microphone test runs.
    pub mic_test: bool,
    /// The last codec was about to be disabled (refused, with a word why).
    codec_refused: bool,
}

impl Settings {
    /// Handles a message; `settings` are the ones in use.
    pub fn update(&mut self, message: Message, settings: &Config) -> Option<Event> {
        let mut new = settings.clone();
        self.codec_refused = false;
        let change = match message {
            Message::Refresh => {
                self.listing = Listing::Listing;
                return Some(Event::Refresh);
            }
            Message::TestMicrophone(on) => {
                self.mic_test = on;
                return Some(Event::TestMicrophone(on));
            }
            Message::TestSound => return Some(Event::TestSound),
            Message::Language(lang) => {
                new.ui.language = Some(lang.code().to_owned());
                Change::Language
            }
            Message::Theme(choice) => {
                new.ui.theme = choice.value;
                Change::Theme
            }
            Message::StartMinimized(on) => {
                new.ui.start_minimized = on;
                Change::Window
            }
            Message::AutoAnswer(on) => {
                new.general.auto_answer = on;
                Change::Answering
            }
            Message::DoNotDisturb(on) => {
                new.general.do_not_disturb = on;
                Change::Answering
            }
            Message::Input(choice) => {
                new.audio.input_device = choice.value;
                Change::Audio
            }
            Message::Output(choice) => {
                new.audio.output_device = choice.value;
                Change::Audio
            }
            Message::Ringer(choice) => {
                new.audio.ringer_device = choice.value;
                Change::Audio
            }
            Message::EchoCancellation(on) => {
                new.audio.echo_cancellation = on;
                Change::Audio
            }
            Message::NoiseSuppression(on) => {
                new.audio.noise_suppression = on;
                Change::Audio
            }
            Message::GainControl(on) => {
                new.audio.gain_control = on;
                Change::Audio
            }
            Message::Codec(name, on) => match enable_codec(&new.audio.codecs, name, on) {
                Some(codecs) => {
                    new.audio.codecs = codecs;
                    Change::Audio
                }
                None => {
                    self.codec_refused = true;
                    return None;
                }
            },
            Message::CodecUp(name) => {
                new.audio.codecs = move_codec(&new.audio.codecs, name, true);
                Change::Audio
            }
            Message::CodecDown(name) => {
                new.audio.codecs = move_codec(&new.audio.codecs, name, false);
                Change::Audio
            }
        };
        if new == *settings {
            return None;
        }
        Some(Event::Changed(Box::new(new), change))
    }

    /// The devices were listed (or not).
    pub fn listed(&mut self, result: Result<Devices, String>) {
        self.listing = match result {
            Ok(devices) => Listing::Listed(devices),
            Err(problem) => Listing::Failed(problem),
        };
    }

    /// The settings view; `microphone` is the last level the microphone test measured.
    pub fn view<'a>(
        &'a self,
        i18n: &I18n,
        settings: &'a Config,
        microphone: Option<Level>,
    ) -> Element<'a, Message> {
        column![
            heading(i18n.t("settings-title")),
            card(self.sound(i18n, settings, microphone)),
            card(processing(i18n, settings)),
            card(self.codecs(i18n, settings)),
            card(calls(i18n, settings)),
            card(looks(i18n, settings)),
        ]
        .spacing(16)
        .into()
    }

    /// Devices, the microphone test and the test sound.
    fn sound<'a>(
        &'a self,
        i18n: &I18n,
        settings: &'a Config,
        microphone: Option<Level>,
    ) -> Element<'a, Message> {
        let audio = &settings.audio;
        let devices = match &self.listing {
            Listing::Listed(d) => Some(d),
            _ => None,
        };
        let default = i18n.t("settings-device-default");
        let inputs = devices.map(|d| d.inputs.as_slice());
        let outputs = devices.map(|d| d.outputs.as_slice());
        let input = device_list(i18n, &default, inputs, audio.input_device.as_deref());
        let output = device_list(i18n, &default, outputs, audio.output_device.as_deref());
        let same = i18n.t("settings-ringer-same");
        let ringer = device_list(i18n, &same, outputs, audio.ringer_device.as_deref());
        let picker = |label: String, (options, selected): (Vec<_>, _), on: fn(_) -> Message| {
            column![
                text(label).size(14),
                pick_list(options, Some(selected), on).width(Fill)
            ]
            .spacing(4)
        };
        let status = match &self.listing {
            Listing::NotYet | Listing::Listed(_) => None,
            Listing::Listing => Some(i18n.t("settings-devices-listing")),
            Listing::Failed(problem) => Some(i18n.tr(
                "settings-devices-failed",
                &[("message", problem.as_str().into())],
            )),
        };
        let mut col = column![
            row![
                text(i18n.t("settings-sound")).size(18).width(Fill),
                button(text(i18n.t("settings-refresh")))
                    .on_press(Message::Refresh)
                    .style(button::secondary),
            ]
            .align_y(Center),
        ]
        .spacing(10);
        if let Some(status) = status {
            col = col.push(text(status).size(13));
        }
        let test_label = if self.mic_test {
            i18n.t("settings-mic-test-stop")
        } else {
            i18n.t("settings-mic-test")
        };
        let mut test = row![
            button(text(test_label))
                .on_press(Message::TestMicrophone(!self.mic_test))
                .style(button::secondary),
        ]
        .spacing(10)
        .align_y(Center);
        if self.mic_test {
            test = test.push(level_meter(i18n, microphone));
        }
        // A chosen device that is not connected: said in words too.
        let missing = [
            &audio.input_device,
            &audio.output_device,
            &audio.ringer_device,
        ];
        let listed = |name: &String| {
            devices.is_some_and(|d| d.inputs.contains(name) || d.outputs.contains(name))
        };
        for name in missing.into_iter().flatten() {
            if devices.is_some() && !listed(name) {
                let note = i18n.tr("settings-device-gone", &[("name", name.as_str().into())]);
                col = col.push(text(note).size(13).style(text::danger));
            }
        }
        col.push(picker(i18n.t("settings-input"), input, Message::Input))
            .push(test)
            .push(picker(i18n.t("settings-output"), output, Message::Output))
            .push(picker(i18n.t("settings-ringer"), ringer, Message::Ringer))
            .push(
                button(text(i18n.t("settings-test-sound")))
                    .on_press(Message::TestSound)
                    .style(button::secondary),
            )
            .into()
    }

    /// The codecs, enabled ones first in their order, each with up and down.
    fn codecs<'a>(&self, i18n: &I18n, settings: &Config) -> Element<'a, Message> {
        let enabled = &settings.audio.codecs;
        let mut col = column![text(i18n.t("settings-codecs")).size(18)].spacing(8);
        let ordered = enabled
            .iter()
            .filter_map(|n| Codec::NAMES.iter().find(|k| **k == n.as_str()))
            .chain(
                Codec::NAMES
                    .iter()
                    .filter(|k| !enabled.iter().any(|n| n == *k)),
            );
        for (i, &name) in ordered.enumerate() {
            let on = enabled.iter().any(|n| n == name);
            let mut line = row![
                checkbox(on)
                    .label(codec_label(name))
                    .on_toggle(move |on| Message::Codec(name, on))
                    .width(Fill),
            ]
            .spacing(6)
            .align_y(Center);
            if on {
                let up = (i > 0).then_some(Message::CodecUp(name));
                let down = (i + 1 < enabled.len()).then_some(Message::CodecDown(name));
                line = line
                    .push(
                        button(text(i18n.t("settings-codec-up")))
                            .on_press_maybe(up)
                            .style(button::secondary),
                    )
                    .push(
                        button(text(i18n.t("settings-codec-down")))
                            .on_press_maybe(down)
                            .style(button::secondary),
                    );
            }
            col = col.push(line);
        }
        if self.codec_refused {
            col = col.push(
                text(i18n.t("settings-codec-last"))
                    .size(13)
                    .style(text::danger),
            );
        }
        col.into()
    }
}

/// Echo cancellation, noise suppression, gain control.
fn processing<'a>(i18n: &I18n, settings: &Config) -> Element<'a, Message> {
    let audio = &settings.audio;
    column![
        text(i18n.t("settings-processing")).size(18),
        checkbox(audio.echo_cancellation)
            .label(i18n.t("settings-echo"))
            .on_toggle(Message::EchoCancellation),
        checkbox(audio.noise_suppression)
            .label(i18n.t("settings-noise"))
            .on_toggle(Message::NoiseSuppression),
        checkbox(audio.gain_control)
            .label(i18n.t("settings-gain"))
            .on_toggle(Message::GainControl),
    ]
    .spacing(10)
    .into()
}

/// Do not disturb and auto-answer.
fn calls<'a>(i18n: &I18n, settings: &Config) -> Element<'a, Message> {
    let general = &settings.general;
    column![
        text(i18n.t("settings-calls")).size(18),
        checkbox(general.do_not_disturb)
            .label(i18n.t("settings-dnd"))
            .on_toggle(Message::DoNotDisturb),
        checkbox(general.auto_answer)
            .label(i18n.t("settings-auto-answer"))
            .on_toggle(Message::AutoAnswer),
    ]
    .spacing(10)
    .into()
}

/// Language, theme, start minimized.
fn looks<'a>(i18n: &I18n, settings: &Config) -> Element<'a, Message> {
    let themes: Vec<Choice<ThemeChoice>> = ThemeChoice::ALL
        .iter()
        .map(|&(_, value)| Choice {
            value,
            label: theme_label(i18n, value),
        })
        .collect();
    let theme = Choice {
        value: settings.ui.theme,
        label: theme_label(i18n, settings.ui.theme),
    };
    column![
        text(i18n.t("settings-window")).size(18),
        text(i18n.t("settings-language")).size(14),
        pick_list(Lang::ALL, Some(i18n.lang()), Message::Language).width(Fill),
        text(i18n.t("settings-theme")).size(14),
        pick_list(themes, Some(theme), Message::Theme).width(Fill),
        checkbox(settings.ui.start_minimized)
            .label(i18n.t("settings-start-minimized"))
            .on_toggle(Message::StartMinimized),
    ]
    .spacing(8)
    .into()
}

fn theme_label(i18n: &I18n, theme: ThemeChoice) -> String {
    i18n.t(match theme {
        ThemeChoice::System => k("settings-theme-system"),
        ThemeChoice::Light => k("settings-theme-light"),
        ThemeChoice::Dark => k("settings-theme-dark"),
    })
}
