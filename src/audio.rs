//! Audio devices, behind one type ([`AudioDevice`]) so that the engine does not care which:
//! - the virtual device: a WAV file as the microphone (looped) and a WAV file as the speaker,
//!   paced by the engine's media clock, so that calls can be automated and tests can hear what
//!   arrives. It works in mono at a rate of the user's choice (8 kHz, the G.711 rate, unless
//!   told otherwise); input files of any rate and channel count are converted when loaded;
//! - the sound card ([`sound`]): cpal streams on their own threads, 48 kHz towards the
//!   engine, with echo cancellation, noise suppression and gain control ([`processing`]).

mod capture;
pub mod drift;
pub mod processing;
pub mod resample;
pub mod sound;
pub mod wav;

pub use sound::{DeviceNotice, SoundDevice, SoundSettings};

use std::path::PathBuf;

/// The rate the virtual device runs at unless told otherwise.
pub const VIRTUAL_RATE: u32 = 8000;

/// The rates the virtual device can run at.
pub const VIRTUAL_RATES: std::ops::RangeInclusive<u32> = 8000..=48000;

/// A WAV microphone and a WAV speaker.
#[derive(Debug)]
pub struct VirtualDevice {
    rate: u32,
    input: Vec<i16>,
    position: usize,
    output: Option<(PathBuf, Vec<i16>)>,
}

impl VirtualDevice {
    /// Loads the input file (blocking file I/O: call it off the engine task) and notes where
    /// the output goes. Either may be absent: no input is silence, no output discards. The
    /// device runs at `rate` (clamped to [`VIRTUAL_RATES`]); the input is converted to it
    /// and the recording is made at it.
    pub fn open(
        input: Option<&std::path::Path>,
        output: Option<PathBuf>,
        rate: u32,
    ) -> Result<VirtualDevice, wav::WavError> {
        let rate = rate.clamp(*VIRTUAL_RATES.start(), *VIRTUAL_RATES.end());
        let input = match input {
            Some(path) => {
                let audio = wav::read(path)?;
                wav::resample(&audio.samples, audio.rate, rate)
            }
            None => Vec::new(),
        };
        Ok(VirtualDevice {
            rate,
            input,
            position: 0,
            output: output.map(|p| (p, Vec::new())),
        })
    }

    /// The next `n` captured samples (the input file, looped; silence without one).
    pub fn capture(&mut self, n: usize) -> Vec<i16> {
        if self.input.is_empty() {
            return vec![0; n];
        }
        (0..n)
            .map(|_| {
                let s = self.input[self.position];
                self.position = (self.position + 1) % self.input.len();
                s
            })
            .collect()
    }

    /// Plays `samples` (appends them to the recording).
    pub fn play(&mut self, samples: &[i16]) {
        if let Some((_, recording)) = &mut self.output {
            recording.extend_from_slice(samples);
        }
    }

    /// The recording so far and where it goes, leaving the device recording afresh.
    pub fn take_recording(&mut self) -> Option<(PathBuf, wav::Mono)> {
        let (path, samples) = self.output.as_mut()?;
        Some((
            path.clone(),
            wav::Mono {
                rate: self.rate,
                samples: std::mem::take(samples),
            },
        ))
    }
}

/// The audio device the engine drives: frames of [`AudioDevice::rate`] in and out.
#[derive(Debug)]
pub enum AudioDevice {
    /// WAV files.
    Virtual(VirtualDevice),
    /// The sound card.
    Sound(Box<SoundDevice>),
}

impl AudioDevice {
    /// The rate of the frames captured and played.
    pub fn rate(&self) -> u32 {
        match self {
            AudioDevice::Virtual(v) => v.rate,
            AudioDevice::Sound(_) => processing::PROCESSING_RATE,
        }
    }

    /// The ringer device, when the sound card has one chosen apart from the speaker.
    pub fn ringer(&self) -> Option<AudioDevice> {
        match self {
            AudioDevice::Virtual(_) => None,
            AudioDevice::Sound(s) => s.ringer().map(|r| AudioDevice::Sound(Box::new(r))),
        }
    }

    /// A call's audio starts: open what needs opening (returns at once).
    pub fn start(&mut self) {
        if let AudioDevice::Sound(s) = self {
            s.start();
        }
    }

    /// No call has audio any more: close what was opened.
    pub fn stop(&mut self) {
        if let AudioDevice::Sound(s) = self {
            s.stop();
        }
    }

    /// The next `n` captured samples.
    pub fn capture(&mut self, n: usize) -> Vec<i16> {
        match self {
            AudioDevice::Virtual(v) => v.capture(n),
            AudioDevice::Sound(s) => s.capture(n),
        }
    }

    /// Plays `samples`.
    pub fn play(&mut self, samples: &[i16]) {
        match self {
            AudioDevice::Virtual(v) => v.play(samples),
            AudioDevice::Sound(s) => s.play(samples),
        }
    }

    /// The virtual speaker's recording so far (`None` for a sound card).
    pub fn take_recording(&mut self) -> Option<(PathBuf, wav::Mono)> {
        match self {
            AudioDevice::Virtual(v) => v.take_recording(),
            AudioDevice::Sound(_) => None,
        }
    }

    /// What the user should know about the devices (opened, missing, lost).
    pub fn poll_notice(&mut self) -> Option<DeviceNotice> {
        match self {
            AudioDevice::Virtual(_) => None,
            AudioDevice::Sound(s) => s.poll_notice(),
        }
    }
}
