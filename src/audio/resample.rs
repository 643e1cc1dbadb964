//! Streaming sample-rate conversion for mono audio, band-limited (with an anti-aliasing
//! low-pass, unlike linear interpolation, which folds everything above the lower Nyquist
//! frequency back into the band), behind a push/pull FIFO so that callers can feed and take
//! frames of any size.
//!
//! - Rates in a small whole-number ratio (8, 16, 24, 32 and 48 kHz among themselves: what
//!   codecs and most sound cards use) go through a polyphase FIR filter of our own
//!   ([`Polyphase`]): about 2 ms of delay when one side is 8 kHz, 1 ms at 16 kHz, and only
//!   the products the output needs are computed.
//! - Other ratios (44.1 kHz against the rest) go through rubato's FFT resampler, which adds
//!   about 5 ms.
//!
//! Used between a sound card's rate and the engine's 48 kHz, and between the engine's rate
//! and a codec's (48 kHz to 8 kHz for G.711).

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _};
use std::collections::VecDeque;

/// How much converted audio may wait before the oldest is dropped (one second): a consumer
/// that stops pulling must not make memory grow.
const MAX_BACKLOG_SECONDS: usize = 1;

/// A stateful converter from one rate to another (mono). Push input as it comes, pull
/// output as needed; a pull that finds too little is padded with silence.
#[derive(Debug)]
pub struct Converter {
    from: u32,
    to: u32,
    kind: Kind,
    output: VecDeque<f32>,
}

/// The rates cannot be converted (zero, or a ratio the resampler refuses).
#[derive(Debug, thiserror::Error)]
#[error("cannot convert {from} Hz to {to} Hz: {reason}")]
pub struct ConvertError {
    from: u32,
    to: u32,
    reason: String,
}

impl Converter {
    /// A converter from `from` Hz to `to` Hz working on 10 ms chunks of input.
    pub fn new(from: u32, to: u32) -> Result<Converter, ConvertError> {
        let error = |reason: String| ConvertError { from, to, reason };
        if from == 0 || to == 0 {
            return Err(error("a rate of zero".into()));
        }
        let kind = if from == to {
            Kind::Same
        } else if let Some(filter) = Polyphase::new(from, to) {
            Kind::Polyphase(Box::new(filter))
        } else {
            let chunk = (from as usize / 100).max(1);
            let fft = Fft::<f32>::new(from as usize, to as usize, chunk, 1, FixedSync::Input)
                .map_err(|e| error(e.to_string()))?;
            Kind::Fft(Box::new(FftStage {
                fft,
                pending: Vec::new(),
                scratch: Vec::new(),
            }))
        };
        Ok(Converter {
            from,
            to,
            kind,
            output: VecDeque::new(),
        })
    }

    /// The input rate.
    pub fn from_rate(&self) -> u32 {
        self.from
    }

    /// The output rate.
    pub fn to_rate(&self) -> u32 {
        self.to
    }

    /// Feeds input samples (in -1.0..1.0).
    pub fn push(&mut self, input: &[f32]) {
        match &mut self.kind {
            Kind::Same => self.output.extend(input),
            Kind::Polyphase(filter) => filter.process(input, &mut self.output),
            Kind::Fft(stage) => stage.process(input, &mut self.output),
        }
        self.bound();
    }

    /// Feeds 16-bit input samples.
    pub fn push_i16(&mut self, input: &[i16]) {
        let floats: Vec<f32> = input.iter().map(|&s| to_f32(s)).collect();
        self.push(&floats);
    }

    /// How many converted samples are waiting.
    pub fn available(&self) -> usize {
        self.output.len()
    }

    /// Drops converted samples so that at most `keep` wait (to bound latency).
    pub fn trim_to(&mut self, keep: usize) {
        let excess = self.output.len().saturating_sub(keep);
        self.output.drain(..excess);
    }

    /// Takes `n` converted samples, padding with silence when fewer are ready.
    pub fn pull(&mut self, n: usize) -> Vec<f32> {
        let take = n.min(self.output.len());
        let mut out: Vec<f32> = self.output.drain(..take).collect();
        out.resize(n, 0.0);
        out
    }

    /// [`Self::pull`] as 16-bit samples.
    pub fn pull_i16(&mut self, n: usize) -> Vec<i16> {
        self.pull(n).into_iter().map(to_i16).collect()
    }

    fn bound(&mut self) {
        self.trim_to(self.to as usize * MAX_BACKLOG_SECONDS);
    }
}

/// How a [`Converter`] converts.
#[derive(Debug)]
enum Kind {
    /// Both rates are equal: samples pass through.
    Same,
    Polyphase(Box<Polyphase>),
    Fft(Box<FftStage>),
}

/// rubato's FFT resampler, which takes fixed chunks: input waits in `pending` until a chunk
/// is complete.
#[derive(Debug)]
struct FftStage {
    fft: Fft<f32>,
    pending: Vec<f32>,
    scratch: Vec<f32>,
}

impl FftStage {
    /// Converts `input`, appending what it gives to `output`.
    fn process(&mut self, input: &[f32], output: &mut VecDeque<f32>) {
        self.pending.extend_from_slice(input);
        loop {
            let need = self.fft.input_frames_next();
            if self.pending.len() < need {
                break;
            }
            self.scratch.resize(self.fft.output_frames_next(), 0.0);
            let frames_out = self.scratch.len();
            let fft = &mut self.fft;
            let converted = InterleavedSlice::new(&self.pending[..need], 1, need)
                .ok()
                .zip(InterleavedSlice::new_mut(&mut self.scratch, 1, frames_out).ok())
                .map(|(input, mut out)| fft.process_into_buffer(&input, &mut out, None));
            match converted {
                Some(Ok((_, written))) => output.extend(&self.scratch[..written]),
                Some(Err(e)) => tracing::warn!("resampling failed, dropped a chunk: {e}"),
                None => tracing::warn!("resampling: bad buffer sizes, dropped a chunk"),
            }
            self.pending.drain(..need);
        }
    }
}

/// The largest up- or down-sampling factor (after reducing the ratio) the polyphase filter
/// takes: 48 kHz against 8 kHz is 6; 44.1 kHz against 48 kHz (147/160) goes to rubato.
const MAX_FACTOR: usize = 12;

/// Stopband attenuation of the polyphase filter (dB): below what 16-bit audio at speech
/// levels carries above the noise.
const ATTENUATION_DB: f64 = 70.0;

/// A rational-ratio resampler: conceptually, `up` - 1 zeros after every input sample, a
/// low-pass at the lower rate's Nyquist frequency, then every `down`-th sample kept. Only
/// the kept samples are computed, each from one phase of the filter (`taps` coefficients).
/// The filter is a Kaiser-windowed sinc (Oppenheim & Schafer's design formulas) whose
/// transition band spans ±15% around the lower Nyquist frequency: 3.4..4.6 kHz when one
/// side is 8 kHz, so the telephone band (to 3.4 kHz) passes untouched and what folds back
/// lands above it.
#[derive(Debug)]
struct Polyphase {
    up: usize,
    down: usize,
    /// Coefficients per phase, a multiple of 8 (padded with zeros at the old end).
    taps: usize,
    /// `up` phases of `taps` coefficients each, oldest sample's coefficient first.
    phases: Vec<f32>,
    /// Input history: the last `taps - 1` samples before the unconsumed ones, then those.
    history: Vec<f32>,
    /// Position of the next output on the upsampled grid, counted from `history[0]`.
    at: usize,
}

impl Polyphase {
    /// A filter for `from` Hz to `to` Hz, or `None` when their ratio is not small.
    fn new(from: u32, to: u32) -> Option<Polyphase> {
        let g = gcd(from, to);
        let (up, down) = ((to / g) as usize, (from / g) as usize);
        if up > MAX_FACTOR || down > MAX_FACTOR {
            return None;
        }
        let upsampled = f64::from(from) * up as f64;
        let nyquist = f64::from(from.min(to)) / 2.0;
        let transition = 0.3 * nyquist;
        // Kaiser: length from the attenuation and the transition width, beta from the
        // attenuation.
        let width = 2.0 * std::f64::consts::PI * transition / upsampled;
        let length = ((ATTENUATION_DB - 8.0) / (2.285 * width)).ceil() as usize + 1;
        let taps = length.div_ceil(up).next_multiple_of(8);
        let length = taps * up;
        let beta = 0.1102 * (ATTENUATION_DB - 8.7);
        let centre = (length - 1) as f64 / 2.0;
        let cutoff = nyquist / upsampled; // cycles per upsampled sample
        let coefficient = |n: usize| {
            let x = n as f64 - centre;
            let sinc = if x == 0.0 {
                2.0 * cutoff
            } else {
                (2.0 * std::f64::consts::PI * cutoff * x).sin() / (std::f64::consts::PI * x)
            };
            let r = x / centre;
            let window = bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / bessel_i0(beta);
            // Gain `up`: the zeros stuffed between samples take that much energy.
            sinc * window * up as f64
        };
        // Output at upsampled position t uses input samples i - k (i = t / up) with
        // coefficient h[t % up + k * up]; stored oldest first for a forward dot product.
        let mut phases = vec![0.0f32; up * taps];
        for p in 0..up {
            for k in 0..taps {
                phases[p * taps + taps - 1 - k] = coefficient(p + k * up) as f32;
            }
        }
        Some(Polyphase {
            up,
            down,
            taps,
            phases,
            history: vec![0.0; taps - 1],
            at: 0,
        })
    }

    /// Converts `input`, appending what it gives to `output`.
    fn process(&mut self, input: &[f32], output: &mut VecDeque<f32>) {
        self.history.extend_from_slice(input);
        loop {
            let start = self.at / self.up;
            let Some(window) = self.history.get(start..start + self.taps) else {
                break;
            };
            let phase = self.at % self.up;
            let coefficients = &self.phases[phase * self.taps..(phase + 1) * self.taps];
            output.push_back(dot(window, coefficients));
            self.at += self.down;
        }
        let consumed = (self.at / self.up).min(self.history.len());
        self.history.drain(..consumed);
        self.at -= consumed * self.up;
    }
}

/// `a · b` for slices whose length is a multiple of 8, in eight lanes (which the compiler
/// turns into vector instructions; one running sum would have to stay in order).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum()
}

/// The modified Bessel function of the first kind, order 0 (its power series).
fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term, mut k) = (1.0, 1.0, 1.0);
    while term > sum * 1e-12 {
        term *= (x / (2.0 * k)) * (x / (2.0 * k));
        sum += term;
        k += 1.0;
    }
    sum
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// A 16-bit sample as a float in -1.0..1.0.
pub fn to_f32(s: i16) -> f32 {
    f32::from(s) / 32768.0
}

/// A float sample as 16 bits, clipped.
pub fn to_i16(s: f32) -> i16 {
    (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// Converts one frame at `from` Hz to `to` Hz with the converter kept in `slot`, made (or
/// remade, when the rates changed) as needed. The result has exactly the length `frame`
/// has in time at `to` Hz. Without a usable converter the frame is silence.
pub fn convert_frame(slot: &mut Option<Converter>, frame: &[i16], from: u32, to: u32) -> Vec<i16> {
    if from == to {
        return frame.to_vec();
    }
    let n = frame.len() * to as usize / from.max(1) as usize;
    if slot
        .as_ref()
        .is_none_or(|c| c.from_rate() != from || c.to_rate() != to)
    {
        *slot = match Converter::new(from, to) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!("{e}");
                None
            }
        };
    }
    let Some(converter) = slot.as_mut() else {
        return vec![0; n];
    };
    converter.push_i16(frame);
    converter.pull_i16(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, hz: f32, n: usize, amplitude: f32) -> Vec<f32> {
        (0..n)
            .map(|i| amplitude * (2.0 * std::f32::consts::PI * hz * i as f32 / rate as f32).sin())
            .collect()
    }

    /// The power of `samples` at `hz` (Goertzel), relative to the total power.
    fn power_at(samples: &[f32], rate: u32, hz: f32) -> f32 {
        let w = 2.0 * std::f32::consts::PI * hz / rate as f32;
        let coeff = 2.0 * w.cos();
        let (mut s1, mut s2) = (0.0f32, 0.0f32);
        for &x in samples {
            let s = x + coeff * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        let p = s1 * s1 + s2 * s2 - coeff * s1 * s2;
        let total: f32 = samples.iter().map(|x| x * x).sum();
        2.0 * p / (samples.len() as f32 * total.max(1e-12))
    }

    fn rms(samples: &[f32]) -> f32 {
        (samples.iter().map(|x| x * x).sum::<f32>() / samples.len() as f32).sqrt()
    }

    /// Converts `input` in 20 ms frames, the way the engine does.
    fn run(from: u32, to: u32, input: &[f32]) -> Vec<f32> {
        let mut c = Converter::new(from, to).unwrap();
        let (n_in, n_out) = (from as usize / 50, to as usize / 50);
        let mut out = Vec::new();
        for frame in input.chunks(n_in) {
            c.push(frame);
            out.extend(c.pull(n_out));
        }
        out
    }

    #[test]
    fn keeps_a_tone_in_band_at_every_usual_ratio() {
        for (from, to) in [
            (48000, 8000),
            (8000, 48000),
            (44100, 48000),
            (48000, 44100),
            (16000, 48000),
            (48000, 48000),
        ] {
            let out = run(from, to, &sine(from, 1000.0, from as usize, 0.5));
            let settled = &out[out.len() / 4..];
            let fraction = power_at(settled, to, 1000.0);
            assert!(fraction > 0.95, "{from}->{to}: 1 kHz holds {fraction}");
            let level = rms(settled);
            assert!((0.3..0.4).contains(&level), "{from}->{to}: rms {level}");
        }
    }

    #[test]
    fn filters_what_the_lower_rate_cannot_carry() {
        // 5 kHz is above 8 kHz's Nyquist frequency: linear resampling would fold it to
        // 3 kHz at nearly full level; a band-limited converter removes it.
        let out = run(48000, 8000, &sine(48000, 5000.0, 48000, 0.5));
        let level = rms(&out[out.len() / 4..]);
        assert!(level < 0.01, "5 kHz leaked through at rms {level}");
    }

    #[test]
    fn adds_little_delay() {
        // A click at the start of a 20 ms frame comes out within a few milliseconds: the
        // engine converts every frame twice (device to codec, codec to device).
        for (from, to) in [(48000, 8000), (8000, 48000), (44100, 48000), (48000, 16000)] {
            let mut input = vec![0.0; from as usize / 5];
            input[from as usize / 10] = 1.0;
            let out = run(from, to, &input);
            let peak = out
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .map_or(0, |(i, _)| i);
            let delay_ms = (peak as f64 / f64::from(to) - 0.1) * 1000.0;
            assert!(
                (0.0..8.0).contains(&delay_ms),
                "{from}->{to}: {delay_ms:.2} ms"
            );
        }
    }

    /// Where the largest sample of `out` is, in ms after `at_ms`.
    fn peak_delay_ms(out: &[f32], rate: u32, at_ms: f64) -> f64 {
        let peak = out
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map_or(0, |(i, _)| i);
        peak as f64 * 1000.0 / f64::from(rate) - at_ms
    }

    #[test]
    fn small_ratios_take_the_polyphase_filter_and_delay_under_2_5_ms() {
        for (from, to) in [
            (8000, 16000),
            (16000, 8000),
            (48000, 8000),
            (8000, 48000),
            (48000, 16000),
            (16000, 48000),
            (32000, 48000),
            (24000, 8000),
        ] {
            let c = Converter::new(from, to).unwrap();
            assert!(matches!(c.kind, Kind::Polyphase(_)), "{from}->{to}");
            let mut input = vec![0.0; from as usize / 5];
            input[from as usize / 10] = 1.0;
            let delay = peak_delay_ms(&run(from, to, &input), to, 100.0);
            assert!((0.0..2.5).contains(&delay), "{from}->{to}: {delay:.2} ms");
        }
        let c = Converter::new(44100, 48000).unwrap();
        assert!(matches!(c.kind, Kind::Fft(_)));
    }

    #[test]
    fn the_telephone_band_passes_flat_and_what_would_fold_back_is_removed() {
        let full = 0.5 / 2f32.sqrt();
        // Down to 8 kHz: 3.3 kHz keeps its level; 4.7 kHz, which would land on 3.3 kHz, goes.
        let kept = run(48000, 8000, &sine(48000, 3300.0, 48000, 0.5));
        let level = rms(&kept[4000..]);
        assert!((level / full - 1.0).abs() < 0.01, "3.3 kHz at {level}");
        let folded = run(48000, 8000, &sine(48000, 4700.0, 48000, 0.5));
        let level = rms(&folded[4000..]);
        assert!(level < full * 1e-3, "4.7 kHz leaked at {level}");
        // Up from 8 kHz: the image of 3.3 kHz at 4.7 kHz is removed.
        let up = run(8000, 16000, &sine(8000, 3300.0, 8000, 0.5));
        let settled = &up[8000..];
        assert!((rms(settled) / full - 1.0).abs() < 0.01);
        let image = power_at(settled, 16000, 4700.0);
        assert!(image < 1e-6, "image at 4.7 kHz holds {image} of the power");
    }

    #[test]
    fn the_output_does_not_depend_on_how_the_input_is_cut() {
        let input: Vec<f32> = (0..9600)
            .map(|i| ((i * 7919) % 2001) as f32 / 1000.0 - 1.0)
            .collect();
        for (from, to) in [(48000, 8000), (8000, 48000), (32000, 48000)] {
            let mut whole = Converter::new(from, to).unwrap();
            whole.push(&input);
            let want = whole.pull(whole.available());
            for cut in [1, 7, 13, 960] {
                let mut pieces = Converter::new(from, to).unwrap();
                for chunk in input.chunks(cut) {
                    pieces.push(chunk);
                }
                assert_eq!(
                    pieces.pull(pieces.available()),
                    want,
                    "{from}->{to} in {cut}s"
                );
            }
        }
    }

    #[test]
    fn pads_with_silence_and_bounds_its_backlog() {
        let mut c = Converter::new(48000, 8000).unwrap();
        assert_eq!(c.pull(160), vec![0.0; 160]);
        for _ in 0..200 {
            c.push(&[0.1; 960]);
        }
        assert!(c.available() <= 8000);
        assert!(Converter::new(0, 8000).is_err());
    }

    #[test]
    fn converts_frames_and_remakes_the_converter_when_rates_change() {
        let mut slot = None;
        assert_eq!(convert_frame(&mut slot, &[0; 960], 48000, 8000).len(), 160);
        assert_eq!(convert_frame(&mut slot, &[0; 960], 48000, 16000).len(), 320);
        assert_eq!(slot.as_ref().map(Converter::to_rate), Some(16000));
        assert_eq!((to_i16(2.0), to_i16(-2.0)), (i16::MAX, i16::MIN));
        assert_eq!(to_i16(to_f32(1234)), 1234);
    }
}
