//! Tones: a sine generator (for ringback, busy and test tones, ITU-T E.180 style, all
//! synthesized) and a Goertzel detector that says how much of a signal's power sits at one
//! frequency (for tests that judge audio by what arrives). Pure.

use std::f64::consts::PI;

/// A sine oscillator at a fixed frequency and amplitude.
#[derive(Debug, Clone)]
pub struct Sine {
    phase: f64,
    step: f64,
    amplitude: f64,
}

impl Sine {
    /// `hz` at `rate` samples per second, peak `amplitude` (0..=32767).
    pub fn new(hz: f64, rate: u32, amplitude: i16) -> Sine {
        Sine {
            phase: 0.0,
            step: 2.0 * PI * hz / f64::from(rate),
            amplitude: f64::from(amplitude),
        }
    }

    /// The next `n` samples.
    pub fn samples(&mut self, n: usize) -> Vec<i16> {
        (0..n)
            .map(|_| {
                let s = self.amplitude * self.phase.sin();
                self.phase = (self.phase + self.step) % (2.0 * PI);
                s as i16
            })
            .collect()
    }
}

/// The share (0..=1) of the power of `samples` that lies at `hz` (Goertzel's algorithm,
/// normalized by the total power). A clean tone gives close to 1, silence 0.
pub fn power_share(samples: &[i16], hz: f64, rate: u32) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let n = samples.len() as f64;
    let coeff = 2.0 * (2.0 * PI * hz / f64::from(rate)).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mut total = 0.0;
    for x in samples {
        let x = f64::from(*x);
        total += x * x;
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    if total == 0.0 {
        return 0.0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    // A pure tone of amplitude A over N samples gives power (A N / 2)^2 and total A^2 N / 2.
    (2.0 * power / (n * total)).min(1.0)
}

/// The RMS level of `samples` in dBFS (silence: -inf).
pub fn level_dbfs(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return f64::NEG_INFINITY;
    }
    let mean = samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / samples.len() as f64;
    10.0 * (mean / f64::from(i16::MAX).powi(2)).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tone_is_found_at_its_frequency_only() {
        let tone = Sine::new(1000.0, 8000, 8000).samples(160);
        assert!(power_share(&tone, 1000.0, 8000) > 0.95);
        assert!(power_share(&tone, 440.0, 8000) < 0.05);
        assert_eq!(power_share(&[0; 160], 1000.0, 8000), 0.0);
        let level = level_dbfs(&tone);
        assert!((level - (-15.2)).abs() < 0.5, "{level}");
    }
}
