//! Echo cancellation, noise suppression and automatic gain control for the sound-card path,
//! by sonora (the pure-Rust port of WebRTC's audio processing module). The microphone goes
//! through [`Processing::capture`]; what the speaker plays is the far-end reference, given to
//! [`Processing::render`] (AEC3 finds the delay between the two itself).
//!
//! Everything runs at the engine's rate, 48 kHz mono, in 10 ms chunks.

use sonora::config::{EchoCanceller, GainController2, HighPassFilter, NoiseSuppression};
use sonora::{AudioProcessing, Config, StreamConfig};

/// The rate processing runs at.
pub const PROCESSING_RATE: u32 = 48000;
/// Samples in one 10 ms chunk at [`PROCESSING_RATE`].
const CHUNK: usize = PROCESSING_RATE as usize / 100;

/// Which stages are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessingSettings {
    /// Echo cancellation (AEC3).
    pub echo_cancellation: bool,
    /// Noise suppression.
    pub noise_suppression: bool,
    /// Automatic gain control (AGC2, adaptive digital).
    pub gain_control: bool,
}

impl Default for ProcessingSettings {
    fn default() -> Self {
        ProcessingSettings {
            echo_cancellation: true,
            noise_suppression: true,
            gain_control: true,
        }
    }
}

impl ProcessingSettings {
    /// Whether any stage is on.
    pub fn any(self) -> bool {
        self.echo_cancellation || self.noise_suppression || self.gain_control
    }
}

/// The processing chain; `None` inside when every stage is off (audio passes untouched).
pub struct Processing {
    apm: Option<Box<AudioProcessing>>,
    scratch: Vec<i16>,
}

impl std::fmt::Debug for Processing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Processing")
            .field("on", &self.apm.is_some())
            .finish()
    }
}

impl Processing {
    /// A chain with the stages `settings` turns on.
    pub fn new(settings: ProcessingSettings) -> Processing {
        let apm = settings.any().then(|| {
            let config = Config {
                echo_canceller: settings.echo_cancellation.then(EchoCanceller::default),
                noise_suppression: settings.noise_suppression.then(NoiseSuppression::default),
                gain_controller2: settings.gain_control.then(|| GainController2 {
                    adaptive_digital: Some(Default::default()),
                    ..Default::default()
                }),
                high_pass_filter: Some(HighPassFilter::default()),
                ..Default::default()
            };
            let stream = StreamConfig::new(PROCESSING_RATE, 1);
            Box::new(
                AudioProcessing::builder()
                    .config(config)
                    .capture_config(stream)
                    .render_config(stream)
                    .build(),
            )
        });
        Processing {
            apm,
            scratch: vec![0; CHUNK],
        }
    }

    /// Processes captured audio in place (whole 10 ms chunks; a remainder passes untouched).
    pub fn capture(&mut self, samples: &mut [i16]) {
        let Some(apm) = self.apm.as_mut() else {
            return;
        };
        for chunk in samples.chunks_exact_mut(CHUNK) {
            match apm.process_capture_i16(chunk, &mut self.scratch) {
                Ok(()) => chunk.copy_from_slice(&self.scratch),
                Err(e) => tracing::warn!("audio processing (capture) failed: {e:?}"),
            }
        }
    }

    /// Gives the chain what is about to be played (the echo canceller's reference).
    pub fn render(&mut self, samples: &[i16]) {
        let Some(apm) = self.apm.as_mut() else {
            return;
        };
        for chunk in samples.chunks_exact(CHUNK) {
            if let Err(e) = apm.process_render_i16(chunk, &mut self.scratch) {
                tracing::warn!("audio processing (render) failed: {e:?}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(hz: f32, n: usize, amplitude: f32, phase: usize) -> Vec<i16> {
        (phase..phase + n)
            .map(|i| {
                let t = i as f32 / PROCESSING_RATE as f32;
                (amplitude * (2.0 * std::f32::consts::PI * hz * t).sin()) as i16
            })
            .collect()
    }

    fn rms(s: &[i16]) -> f64 {
        (s.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / s.len() as f64).sqrt()
    }

    #[test]
    fn off_passes_audio_untouched() {
        let mut p = Processing::new(ProcessingSettings {
            echo_cancellation: false,
            noise_suppression: false,
            gain_control: false,
        });
        let original = sine(1000.0, 960, 8000.0, 0);
        let mut frame = original.clone();
        p.render(&original);
        p.capture(&mut frame);
        assert_eq!(frame, original);
    }

    #[test]
    fn echo_of_the_far_end_is_cancelled() {
        // The microphone hears only the speaker (an echo 10 ms late at half level): after
        // the canceller converged, what is sent is much quieter than what was heard.
        let mut p = Processing::new(ProcessingSettings {
            echo_cancellation: true,
            noise_suppression: false,
            gain_control: false,
        });
        let far: Vec<i16> = (0..300 * 960)
            .map(|i| {
                // A far end that talks: a sweep of tones, not a steady sine.
                let t = i as f32 / PROCESSING_RATE as f32;
                let hz = 300.0 + 200.0 * (t * 1.3).sin() + 150.0 * (t * 3.1).cos();
                (6000.0 * (2.0 * std::f32::consts::PI * hz * t).sin()) as i16
            })
            .collect();
        let (mut heard, mut sent) = (0.0, 0.0);
        for k in 1..300 {
            let render = &far[k * 960..(k + 1) * 960];
            let mut mic: Vec<i16> = far[k * 960 - 480..(k + 1) * 960 - 480]
                .iter()
                .map(|&s| s / 2)
                .collect();
            p.render(render);
            let before = rms(&mic);
            p.capture(&mut mic);
            if k >= 250 {
                heard += before;
                sent += rms(&mic);
            }
        }
        assert!(sent < heard / 4.0, "echo {heard:.0} -> {sent:.0}");
    }

    #[test]
    fn a_remainder_shorter_than_a_chunk_passes() {
        let mut p = Processing::new(ProcessingSettings::default());
        let mut frame = sine(1000.0, 100, 8000.0, 0);
        let original = frame.clone();
        p.capture(&mut frame);
        assert_eq!(frame, original);
    }
}
