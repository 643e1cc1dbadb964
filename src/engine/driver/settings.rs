//! Settings the application changes while the engine runs: sound devices, processing and
//! codecs ([`Command::Audio`](crate::engine::Command::Audio)), and how incoming calls are
//! handled (auto-answer, do not disturb).

use super::Engine;
use crate::audio::{AudioDevice, SoundDevice};
use crate::config::AudioSettings;
use crate::engine::{EngineError, Event, setup};
use crate::sip::call::{CallEvent, CallId};
use crate::sip::ua::UaEvent;

impl Engine {
    /// Takes new sound settings: the codecs for the next offer or answer, and (with the
    /// sound card) the devices and processing at once.
    pub(super) async fn apply_audio(
        &mut self,
        settings: &AudioSettings,
    ) -> Result<(), EngineError> {
        let codecs = setup::codecs(&settings.codecs);
        if codecs.is_empty() {
            let message = "no codec Tincan knows in the new settings; the codecs stay as they were";
            tracing::warn!("{message}");
            self.emit(Event::Warning {
                message: message.to_owned(),
            })
            .await?;
        } else {
            self.config.codecs = codecs;
        }
        let sound = settings.sound();
        match &self.config.sound {
            // The virtual device (WAV files) is the command line's choice: it stays.
            None => {}
            Some(current) if *current == sound => {}
            Some(_) => {
                tracing::info!("sound settings changed: reopening the devices");
                self.config.sound = Some(sound.clone());
                let device = AudioDevice::Sound(Box::new(SoundDevice::new(sound)));
                self.media.replace_device(device);
            }
        }
        Ok(())
    }

    /// Auto-answer and do not disturb, from now on.
    pub(super) fn set_answering(&mut self, auto_answer: bool, do_not_disturb: bool) {
        tracing::info!("auto-answer {auto_answer}, do not disturb {do_not_disturb}");
        self.config.auto_answer = auto_answer;
        self.config.do_not_disturb = do_not_disturb;
    }

    /// The incoming call `event` announces, when do not disturb declines it (it does not
    /// ring then).
    pub(super) fn declined_for_dnd(&self, event: &UaEvent) -> Option<CallId> {
        match event {
            UaEvent::Call {
                call,
                event: CallEvent::Incoming { .. },
            } if self.config.do_not_disturb => {
                tracing::info!("call {}: declined (do not disturb)", call.0);
                Some(*call)
            }
            _ => None,
        }
    }
}
