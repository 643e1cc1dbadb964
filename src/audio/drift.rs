//! Clock drift between the engine and a sound card. The engine hands the speaker a frame
//! every packet time by its own clock; the card plays by its crystal, a little faster or
//! slower (a few hundred ppm is common, 0.5% happens). The ring between them would slowly
//! run dry (gaps) or fill up (latency, then dropped chunks, which click). [`DriftCompensator`]
//! instead resamples the engine's audio by a ratio a hair away from one, steered so that the
//! ring's fill stays at a target: a proportional-integral controller on the smoothed fill,
//! and a cubic (Catmull-Rom) interpolator, which for speech at 48 kHz is far below the
//! codec's own noise and costs a few operations a sample. Pure: the fill comes in as an
//! argument.

use std::collections::VecDeque;

/// The ratio never moves further than this from one (1%: twice the worst drift expected).
const MAX_CORRECTION: f64 = 0.01;
/// Proportional gain: ratio change per second of fill error (a time constant of about five
/// seconds, critically damped with the integral gain `KP² / 4`).
const KP: f64 = 0.4;
/// Weight of one measurement in the smoothed fill (the card takes whole periods, so the
/// raw fill is a sawtooth; about a second of history evens it out).
const SMOOTHING: f64 = 0.02;

/// Resamples a mono stream by a ratio steered towards a target fill of the ring it feeds.
#[derive(Debug, Clone)]
pub struct DriftCompensator {
    rate: f64,
    /// Proportional and integral gains.
    kp: f64,
    ki: f64,
    target: f64,
    /// Output samples per input sample.
    ratio: f64,
    integral: f64,
    smoothed: Option<f64>,
    /// Input not yet fully used, with one sample of history before `position`.
    input: VecDeque<f32>,
    /// Where the next output sample is read, in input samples from `input[0]`.
    position: f64,
}

impl DriftCompensator {
    /// A compensator for a stream at `rate` Hz keeping `target` samples queued.
    pub fn new(rate: u32, target: usize) -> DriftCompensator {
        DriftCompensator::with_gain(rate, target, KP)
    }

    /// The same, steering with proportional gain `kp` (per second of fill error; the time
    /// constant is about `2 / kp` seconds). A fill that is measured in coarse steps (whole
    /// device periods arriving between two reads) wants a gentle hand: a step of 20 ms
    /// moves the pitch by `kp × 2%`.
    pub fn with_gain(rate: u32, target: usize, kp: f64) -> DriftCompensator {
        DriftCompensator {
            rate: f64::from(rate.max(1)),
            kp,
            ki: kp * kp / 4.0,
            target: target as f64,
            ratio: 1.0,
            integral: 0.0,
            smoothed: None,
            input: VecDeque::from([0.0]),
            position: 1.0,
        }
    }

    /// The current ratio (output samples per input sample).
    pub fn ratio(&self) -> f64 {
        self.ratio
    }

    /// The smoothed fill, in samples (`None` before the first measurement).
    pub fn smoothed_fill(&self) -> Option<f64> {
        self.smoothed
    }

    /// Forgets the history of the fill (after the ring was emptied or refilled at once).
    pub fn reset_fill(&mut self) {
        self.smoothed = None;
    }

    /// Resamples `input` into `out` (appended), after steering the ratio by `fill`, the
    /// samples queued in the ring now, one measurement every `input.len()` samples.
    pub fn process(&mut self, input: &[f32], fill: usize, out: &mut Vec<f32>) {
        self.steer(fill as f64, input.len() as f64 / self.rate);
        self.input.extend(input);
        let step = 1.0 / self.ratio;
        // Catmull-Rom needs one sample before and two after the read position.
        while self.position + 2.0 < self.input.len() as f64 {
            let i = self.position as usize;
            let t = (self.position - i as f64) as f32;
            let (p0, p1, p2, p3) = (
                self.input[i - 1],
                self.input[i],
                self.input[i + 1],
                self.input[i + 2],
            );
            let a = -0.5 * p0 + 1.5 * p1 - 1.5 * p2 + 0.5 * p3;
            let b = p0 - 2.5 * p1 + 2.0 * p2 - 0.5 * p3;
            let c = -0.5 * p0 + 0.5 * p2;
            out.push(((a * t + b) * t + c) * t + p1);
            self.position += step;
        }
        // Keep one sample of history before the read position.
        let used = (self.position as usize).saturating_sub(1);
        self.input.drain(..used);
        self.position -= used as f64;
    }

    /// One fill measurement, `elapsed` seconds after the previous one.
    fn steer(&mut self, fill: f64, elapsed: f64) {
        let first = self.smoothed.is_none();
        let smoothed = match self.smoothed {
            Some(s) => s + SMOOTHING * (fill - s),
            None => fill,
        };
        self.smoothed = Some(smoothed);
        // Seconds of audio too many (positive: the card is slower than the engine).
        let error = (smoothed - self.target) / self.rate;
        if first {
            // Start from the ratio in use rather than jump: the fill is brought to the
            // target gently (a start-up fill off by 20 ms moves the pitch by a few 0.1%).
            self.integral = ((1.0 - self.ratio) - self.kp * error) / self.ki;
        }
        self.integral = (self.integral + error * elapsed)
            .clamp(-MAX_CORRECTION / self.ki, MAX_CORRECTION / self.ki);
        let correction =
            (self.kp * error + self.ki * self.integral).clamp(-MAX_CORRECTION, MAX_CORRECTION);
        self.ratio = 1.0 - correction;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 48_000;
    const BLOCK: usize = 960;
    const TARGET: usize = RATE as usize * 60 / 1000;
    const RING: usize = RATE as usize * 250 / 1000;
    const PRIME: usize = RATE as usize * 40 / 1000;

    /// What a simulated run saw.
    struct Run {
        played: Vec<f32>,
        fills: Vec<usize>,
        overflows: usize,
        underruns: usize,
    }

    /// The engine pushes a 1 kHz tone in 20 ms blocks by its clock for `seconds`; the card
    /// takes 20 ms periods by a clock `drift` faster (negative: slower), once primed.
    fn simulate(drift: f64, seconds: usize) -> Run {
        let mut compensator = DriftCompensator::new(RATE, TARGET);
        let mut ring: VecDeque<f32> = VecDeque::new();
        let mut run = Run {
            played: Vec::new(),
            fills: Vec::new(),
            overflows: 0,
            underruns: 0,
        };
        let mut phase = 0u64;
        let (mut next_push, mut next_pull) = (0.0f64, 0.0f64);
        let push_every = BLOCK as f64 / f64::from(RATE);
        let pull_every = push_every / (1.0 + drift);
        let mut playing = false;
        let mut out = Vec::new();
        while next_push < seconds as f64 {
            if next_push <= next_pull {
                let block: Vec<f32> = (0..BLOCK as u64)
                    .map(|k| {
                        let n = (phase + k) as f64;
                        (0.5 * (2.0 * std::f64::consts::PI * 1000.0 * n / f64::from(RATE)).sin())
                            as f32
                    })
                    .collect();
                phase += BLOCK as u64;
                run.fills.push(ring.len());
                out.clear();
                compensator.process(&block, ring.len(), &mut out);
                for s in &out {
                    if ring.len() >= RING {
                        run.overflows += 1;
                    } else {
                        ring.push_back(*s);
                    }
                }
                next_push += push_every;
            } else {
                playing |= ring.len() >= PRIME;
                if playing {
                    if ring.len() < BLOCK {
                        run.underruns += 1;
                    }
                    let take = BLOCK.min(ring.len());
                    run.played.extend(ring.drain(..take));
                }
                next_pull += pull_every;
            }
        }
        run
    }

    /// The tone's frequency in `samples` played at `rate` Hz (rising zero crossings,
    /// interpolated).
    fn frequency(samples: &[f32], rate: f64) -> f64 {
        let crossings: Vec<f64> = samples
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[0] < 0.0 && w[1] >= 0.0)
            .map(|(i, w)| i as f64 + f64::from(w[0] / (w[0] - w[1])))
            .collect();
        let (first, last) = (crossings[0], crossings[crossings.len() - 1]);
        (crossings.len() - 1) as f64 * rate / (last - first)
    }

    fn check(drift: f64) {
        let run = simulate(drift, 60);
        assert_eq!(run.overflows, 0, "drift {drift}: samples dropped");
        assert_eq!(run.underruns, 0, "drift {drift}: the card ran dry");
        // After ten seconds the fill stays near the target (within two periods).
        let settled = &run.fills[500..];
        let (low, high) = (
            settled.iter().min().copied().unwrap_or(0),
            settled.iter().max().copied().unwrap_or(0),
        );
        assert!(
            low + 2 * BLOCK >= TARGET && high <= TARGET + 2 * BLOCK,
            "drift {drift}: fill {low}..{high} for a target of {TARGET}"
        );
        // The card plays at RATE × (1 + drift) real samples a second: the tone, measured in
        // real time over the last twenty seconds, is still 1 kHz.
        let tail = &run.played[run.played.len() - 20 * RATE as usize..];
        let hz = frequency(tail, f64::from(RATE) * (1.0 + drift));
        assert!((hz - 1000.0).abs() <= 2.0, "drift {drift}: {hz:.2} Hz");
        // No discontinuity anywhere: the second difference of a 1 kHz sine of amplitude 0.5
        // at 48 kHz is at most 0.5 × (2π·1000/48000)² ≈ 0.0086; a dropped or repeated chunk
        // jumps far above that.
        let skip = run.played.iter().position(|s| s.abs() > 0.1).unwrap_or(0);
        let worst = run.played[skip..]
            .windows(3)
            .map(|w| (w[0] - 2.0 * w[1] + w[2]).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 0.012, "drift {drift}: a jump of {worst}");
    }

    #[test]
    fn a_card_half_a_percent_fast_gets_more_samples_and_the_tone_keeps_its_pitch() {
        check(0.005);
    }

    #[test]
    fn a_card_half_a_percent_slow_gets_fewer_samples_and_the_tone_keeps_its_pitch() {
        check(-0.005);
    }

    #[test]
    fn equal_clocks_pass_the_audio_unchanged_in_length() {
        check(0.0);
        let mut compensator = DriftCompensator::new(RATE, 0);
        let mut out = Vec::new();
        for _ in 0..50 {
            compensator.process(&[0.25; BLOCK], 0, &mut out);
        }
        // The fill is at the target: the ratio is one, every sample comes out (two are
        // held back for the interpolator).
        assert_eq!(compensator.ratio(), 1.0);
        assert_eq!(out.len(), 50 * BLOCK - 2);
    }
}
