//! The microphone's side of the engine: the ring from the card's capture thread, the
//! conversion to the engine's 48 kHz, and the compensation of the two clocks' drift.
//!
//! The card captures by its crystal, the engine takes a frame every packet time by its own
//! clock. Taking what is there and padding or trimming the rest would click now and then
//! (and let the latency wander up to the trim point); instead the audio is resampled by a
//! ratio a hair away from one ([`DriftCompensator`]), steered so that what waits for the
//! engine stays at a target: the frame the engine takes plus one and a half device periods,
//! so that a period arriving just after a tick never leaves the engine short.

use super::drift::DriftCompensator;
use super::resample::{ConvertError, Converter, to_i16};
use std::collections::VecDeque;

/// The card's capture period (the streams are opened with 20 ms periods).
const DEVICE_PERIOD_MS: usize = 20;
/// More than this waiting beyond the target (a stall of the engine): the excess goes.
const MAX_EXCESS_MS: usize = 200;
/// The drift controller's gain: a time constant of about a minute. The fill is known only in
/// whole periods (the card's periods and the engine's frames are both 20 ms, so a period
/// more or less shows up all at once, every 40 s at 500 ppm); a faster hand would turn each
/// such step into a pitch change of a few tenths of a percent.
const DRIFT_GAIN: f64 = 0.033;

/// Captured audio on its way to the engine.
#[derive(Debug)]
pub(super) struct Capture {
    ring: rtrb::Consumer<f32>,
    converter: Converter,
    /// Steers towards the frame size it was made for (`None` until the first frame).
    drift: Option<(usize, DriftCompensator)>,
    /// Compensated audio waiting for the engine (48 kHz).
    waiting: VecDeque<f32>,
    /// Still filling up to the target at the start.
    priming: bool,
    /// Reused buffers.
    input: Vec<f32>,
    out: Vec<f32>,
    /// Frames taken, frames that came up short (padded with silence) and samples dropped
    /// after a stall.
    frames: u64,
    short: u64,
    dropped: u64,
}

impl Capture {
    /// Audio from `ring` at `rate` Hz, delivered at `to` Hz (the engine's rate).
    pub(super) fn new(
        ring: rtrb::Consumer<f32>,
        rate: u32,
        to: u32,
    ) -> Result<Capture, ConvertError> {
        Ok(Capture {
            ring,
            converter: Converter::new(rate, to)?,
            drift: None,
            waiting: VecDeque::new(),
            priming: true,
            input: Vec::new(),
            out: Vec::new(),
            frames: 0,
            short: 0,
            dropped: 0,
        })
    }

    /// The next `n` samples, silence while the microphone's audio has not arrived yet.
    pub(super) fn take(&mut self, n: usize) -> Vec<i16> {
        let rate = self.converter.to_rate() as usize;
        let target = n + rate * DEVICE_PERIOD_MS * 3 / 2000;
        self.input.clear();
        while let Ok(s) = self.ring.pop() {
            self.input.push(s);
        }
        self.converter.push(&self.input);
        let converted = self.converter.pull(self.converter.available());
        let drift = match &mut self.drift {
            Some((made_for, drift)) if *made_for == n => drift,
            slot => {
                let drift = DriftCompensator::with_gain(rate as u32, target, DRIFT_GAIN);
                &mut slot.insert((n, drift)).1
            }
        };
        // Everything captured and not yet taken, measured before this frame goes.
        let fill = self.waiting.len() + converted.len();
        self.out.clear();
        drift.process(&converted, fill, &mut self.out);
        self.waiting.extend(&self.out);
        let excess = self
            .waiting
            .len()
            .saturating_sub(target + rate * MAX_EXCESS_MS / 1000);
        if excess > 0 {
            // The engine stalled: what is that old is latency, not audio worth sending.
            let drop = self.waiting.len() - target;
            self.waiting.drain(..drop);
            self.dropped += drop as u64;
            drift.reset_fill();
            tracing::debug!(
                "microphone: dropped {} ms after a stall",
                drop * 1000 / rate
            );
        }
        self.frames += 1;
        if self.frames % 500 == 0 {
            tracing::debug!(
                "microphone: {} ms waiting, drift ratio {:.5}, {} frames short, {} samples dropped",
                self.waiting.len() * 1000 / rate,
                drift.ratio(),
                self.short,
                self.dropped
            );
        }
        if self.priming {
            if self.waiting.len() < target {
                return vec![0; n];
            }
            self.priming = false;
        }
        let take = n.min(self.waiting.len());
        let mut frame: Vec<i16> = self.waiting.drain(..take).map(to_i16).collect();
        if take < n {
            // Ran dry (the card stalled, or the drift is still being learnt): the rest is
            // silence; the controller, which saw the fill fall, refills.
            self.short += 1;
            tracing::debug!("microphone: {} of {n} samples arrived in time", take);
            frame.resize(n, 0);
        }
        frame
    }

    /// Frames that came up short so far, and samples dropped after stalls.
    #[cfg(test)]
    fn trouble(&self) -> (u64, u64) {
        (self.short, self.dropped)
    }

    /// What waits for the engine now, in samples.
    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::tone::power_share;

    /// A card whose clock runs `ppm` fast (or slow) delivers a 440 Hz tone in 20 ms periods;
    /// the engine takes 20 ms frames by its own clock for six minutes. Once the controller
    /// has learnt the drift (three minutes; its time constant is one) no frame comes up short
    /// and nothing is dropped, what waits stays within a period of the target (a frame and a
    /// half period after a frame was taken), and the tone stays clean: trimming and padding
    /// instead fails the first, a controller as quick as the speaker's the last.
    fn follows(ppm: f64, device_rate: u32) {
        let (mut producer, consumer) = rtrb::RingBuffer::new(device_rate as usize / 4);
        let mut capture = Capture::new(consumer, device_rate, 48000).unwrap();
        let device_hz = f64::from(device_rate) * (1.0 + ppm * 1e-6);
        let period = device_rate as usize / 50;
        let n = 960;
        let (mut phase, mut next_period, mut next_tick) = (0.0f64, 0.0f64, 0.003f64);
        let mut taken: Vec<i16> = Vec::new();
        let mut waiting = Vec::new();
        let mut settled = None;
        while next_tick < 360.0 {
            if next_period <= next_tick {
                for _ in 0..period {
                    let s = 0.25 * (2.0 * std::f64::consts::PI * phase).sin();
                    phase = (phase + 440.0 / f64::from(device_rate)).fract();
                    producer.push(s as f32).unwrap();
                }
                // The card's periods come by its own clock.
                next_period += period as f64 / device_hz;
            } else {
                taken.extend(capture.take(n));
                if next_tick > 180.0 {
                    settled.get_or_insert(capture.trouble());
                    waiting.push(capture.waiting());
                }
                next_tick += 0.020;
            }
        }
        assert_eq!(
            capture.trouble(),
            settled.unwrap(),
            "short frames or drops after 3 minutes"
        );
        let (least, most) = (waiting.iter().min().unwrap(), waiting.iter().max().unwrap());
        assert!(
            *least >= 100 && *most <= 2200,
            "waiting {least}..{most} samples"
        );
        let tail = &taken[taken.len() - 48000 * 60..];
        let worst = tail
            .chunks(4800)
            .map(|c| power_share(c, 440.0, 48000))
            .fold(1.0, f64::min);
        assert!(worst > 0.95, "the tone broke up ({ppm} ppm)");
    }

    #[test]
    fn a_microphone_clock_faster_or_slower_than_the_engines_is_followed_without_gaps() {
        follows(500.0, 48000);
        follows(-500.0, 48000);
        follows(-300.0, 44100);
    }
}
