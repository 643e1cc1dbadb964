//! Tones: a sine generator, the call-progress and alerting tones a phone plays locally
//! ([`ToneKind`], [`TonePlayer`]; all synthesized, no sound files) and a Goertzel detector
//! that says how much of a signal's power sits at one frequency (for tests that judge audio
//! by what arrives). Pure.
//!
//! The call-progress tones follow ITU-T E.180 and its supplement 2 as most of Europe uses
//! them (CEPT, ETSI TR 101 041): 425 Hz, with the cadences below. The error tone is the
//! special information tone of ITU-T E.180 §6 (950, 1400, 1800 Hz, 330 ms each).

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

/// The tones a phone plays by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToneKind {
    /// Ringing tone (ITU-T E.180, CEPT): 425 Hz, 1 s on, 4 s off. Played to the caller
    /// while the far end rings (180 without early media).
    Ringback,
    /// Busy tone (CEPT): 425 Hz, 0.5 s on, 0.5 s off. After 486 or 600.
    Busy,
    /// Special information tone (ITU-T E.180 §6): 950, 1400 and 1800 Hz, 330 ms each,
    /// then 1 s of silence. After a call fails for another reason.
    Error,
    /// Call-waiting tone (CEPT, as in Germany): 425 Hz, 200 ms on, 200 ms off, 200 ms on,
    /// then 5 s off. A second call comes in during a call.
    CallWaiting,
    /// Our ringtone for incoming calls: two soft notes, G5 then E5 (784 and 659 Hz,
    /// 300 ms each), twice, then 2 s of silence.
    Ringtone,
}

/// One piece of a cadence: the frequencies sounding (none: silence) for `ms`.
#[derive(Debug, Clone, Copy)]
struct Segment {
    hz: &'static [f64],
    ms: u32,
}

const fn on(hz: &'static [f64], ms: u32) -> Segment {
    Segment { hz, ms }
}

const fn off(ms: u32) -> Segment {
    Segment { hz: &[], ms }
}

const RINGBACK: &[Segment] = &[on(&[425.0], 1000), off(4000)];
const BUSY: &[Segment] = &[on(&[425.0], 500), off(500)];
const ERROR: &[Segment] = &[
    on(&[950.0], 330),
    on(&[1400.0], 330),
    on(&[1800.0], 330),
    off(1000),
];
const CALL_WAITING: &[Segment] = &[on(&[425.0], 200), off(200), on(&[425.0], 200), off(5000)];
const RINGTONE: &[Segment] = &[
    on(&[784.0], 300),
    on(&[659.25], 300),
    off(150),
    on(&[784.0], 300),
    on(&[659.25], 300),
    off(2000),
];

/// Fade in and out over this long at each segment's edges, so that tones do not click.
const RAMP_MS: f64 = 8.0;

impl ToneKind {
    fn cadence(self) -> &'static [Segment] {
        match self {
            ToneKind::Ringback => RINGBACK,
            ToneKind::Busy => BUSY,
            ToneKind::Error => ERROR,
            ToneKind::CallWaiting => CALL_WAITING,
            ToneKind::Ringtone => RINGTONE,
        }
    }

    /// One period of the cadence, in milliseconds.
    pub fn period_ms(self) -> u32 {
        self.cadence().iter().map(|s| s.ms).sum()
    }

    /// The frequencies sounding `ms` milliseconds into a period (empty: silence).
    pub fn frequencies_at(self, ms: u32) -> &'static [f64] {
        let mut t = ms % self.period_ms();
        for segment in self.cadence() {
            if t < segment.ms {
                return segment.hz;
            }
            t -= segment.ms;
        }
        &[]
    }
}

/// Plays one [`ToneKind`] from its start, cadence repeating, at a given sample rate.
#[derive(Debug, Clone)]
pub struct TonePlayer {
    kind: ToneKind,
    rate: u32,
    amplitude: f64,
    /// Samples played since the start.
    position: u64,
}

impl TonePlayer {
    /// `kind` at `rate` samples per second, about -16 dBFS (peak 5000).
    pub fn new(kind: ToneKind, rate: u32) -> TonePlayer {
        TonePlayer {
            kind,
            rate: rate.max(1),
            amplitude: 5000.0,
            position: 0,
        }
    }

    /// Which tone this is.
    pub fn kind(&self) -> ToneKind {
        self.kind
    }

    /// How long it has played, in milliseconds.
    pub fn elapsed_ms(&self) -> u64 {
        self.position * 1000 / u64::from(self.rate)
    }

    /// The next `n` samples.
    pub fn samples(&mut self, n: usize) -> Vec<i16> {
        let rate = f64::from(self.rate);
        let period = u64::from(self.kind.period_ms()) * u64::from(self.rate) / 1000;
        (0..n)
            .map(|_| {
                let at = self.position % period.max(1);
                self.position += 1;
                let t = at as f64 / rate;
                self.sample_at(t, self.position as f64 / rate)
            })
            .collect()
    }

    /// The sample `t` seconds into the period; `absolute` seconds since the start keeps
    /// each frequency's phase continuous across segments.
    fn sample_at(&self, t: f64, absolute: f64) -> i16 {
        let mut start = 0.0;
        for segment in self.kind.cadence() {
            let length = f64::from(segment.ms) / 1000.0;
            if t < start + length {
                if segment.hz.is_empty() {
                    return 0;
                }
                let into = t - start;
                let ramp = RAMP_MS / 1000.0;
                let envelope = (into / ramp).min((length - into) / ramp).clamp(0.0, 1.0);
                let each = self.amplitude / segment.hz.len() as f64;
                let sum: f64 = segment
                    .hz
                    .iter()
                    .map(|hz| each * (2.0 * PI * hz * absolute).sin())
                    .sum();
                return (sum * envelope) as i16;
            }
            start += length;
        }
        0
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

    /// Which 20 ms frames of `samples` (at 8 kHz) carry `hz`.
    fn frames_with(samples: &[i16], hz: f64) -> Vec<bool> {
        samples
            .chunks(160)
            .map(|f| power_share(f, hz, 8000) > 0.5)
            .collect()
    }

    #[test]
    fn ringback_is_425_hz_one_second_in_five() {
        let mut player = TonePlayer::new(ToneKind::Ringback, 8000);
        let tone = player.samples(8000 * 10);
        let frames = frames_with(&tone, 425.0);
        assert_eq!(frames.len(), 500);
        for (i, on) in frames.iter().enumerate() {
            let in_period = i % 250;
            // The frames at the edges carry the fades.
            if in_period == 0 || in_period == 49 {
                continue;
            }
            assert_eq!(*on, in_period < 50, "frame {i}");
        }
        assert_eq!(player.elapsed_ms(), 10_000);
        let level = level_dbfs(&tone[800..7200]);
        assert!((-20.0..-14.0).contains(&level), "{level}");
    }

    #[test]
    fn busy_error_waiting_and_ringtone_cadences() {
        let busy = TonePlayer::new(ToneKind::Busy, 8000).samples(8000 * 2);
        let frames = frames_with(&busy, 425.0);
        assert!(frames[1..24].iter().all(|f| *f) && !frames[26..49].iter().any(|f| *f));
        assert!(frames[51..74].iter().all(|f| *f));
        let error = TonePlayer::new(ToneKind::Error, 8000).samples(8000 * 2);
        for (hz, range) in [(950.0, 1..15), (1400.0, 18..32), (1800.0, 35..48)] {
            assert!(frames_with(&error, hz)[range].iter().all(|f| *f), "{hz} Hz");
        }
        assert!(!error[8000..15_000].iter().any(|s| *s != 0), "the pause");
        let waiting = TonePlayer::new(ToneKind::CallWaiting, 8000).samples(8000 * 5);
        let on: usize = frames_with(&waiting, 425.0).iter().filter(|f| **f).count();
        assert!(
            (16..=20).contains(&on),
            "{on} frames of call waiting in 5 s"
        );
        let ring = TonePlayer::new(ToneKind::Ringtone, 16_000).samples(16_000 * 2);
        assert!(power_share(&ring[1000..4000], 784.0, 16_000) > 0.9);
        assert!(power_share(&ring[5800..8800], 659.25, 16_000) > 0.9);
        assert_eq!(ToneKind::Ringtone.frequencies_at(2500), &[] as &[f64]);
        assert_eq!(ToneKind::Ringtone.period_ms(), 3350);
    }

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
