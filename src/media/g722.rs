//! G.722 (ITU-T G.722, 64 kbit/s) for RTP (RFC 3551 §4.5.2): 16 kHz audio, one byte per two
//! samples, while the RTP clock runs at 8000 Hz "for historical reasons". The codec itself
//! is `ezk-g722`'s pure-Rust translation of the public-domain spandsp/libg722 code; this
//! wrapper only fixes the mode and gives it a `Debug`. Pure.

use ezk_g722::libg722::{Bitrate, decoder::Decoder, encoder::Encoder};
use std::fmt;

/// The audio sampling rate (RFC 3551 §4.5.2).
pub const SAMPLE_RATE: u32 = 16_000;
/// The RTP clock rate (RFC 3551 §4.5.2, Table 4).
pub const CLOCK_RATE: u32 = 8000;

/// A G.722 encoder and decoder pair at 64 kbit/s (mode 1, unpacked).
pub struct G722 {
    encoder: Encoder,
    decoder: Decoder,
}

impl fmt::Debug for G722 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("G722 { 64 kbit/s }")
    }
}

impl Default for G722 {
    fn default() -> Self {
        G722 {
            encoder: Encoder::new(Bitrate::Mode1_64000, false, false),
            decoder: Decoder::new(Bitrate::Mode1_64000, false, false),
        }
    }
}

impl G722 {
    /// Encodes 16 kHz samples (an even count) into `out` (cleared first).
    pub fn encode(&mut self, samples: &[i16], out: &mut Vec<u8>) {
        out.clear();
        out.extend(self.encoder.encode(samples));
    }

    /// Decodes a payload, appending two 16 kHz samples per byte to `out`.
    pub fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) {
        out.extend(self.decoder.decode(payload));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::tone::{Sine, power_share};

    #[test]
    fn a_tone_survives_a_round_trip() {
        let mut codec = G722::default();
        let mut tone = Sine::new(1000.0, SAMPLE_RATE, 8000);
        let mut payload = Vec::new();
        let mut out = Vec::new();
        for _ in 0..50 {
            codec.encode(&tone.samples(320), &mut payload);
            assert_eq!(payload.len(), 160, "20 ms is 160 bytes at 64 kbit/s");
            codec.decode(&payload, &mut out);
        }
        assert_eq!(out.len(), 50 * 320);
        for frame in out[320 * 2..].chunks(320) {
            assert!(power_share(frame, 1000.0, SAMPLE_RATE) > 0.95);
        }
        // A 7 kHz tone is in band too (G.722 is wideband, 50-7000 Hz).
        let mut high = Sine::new(6000.0, SAMPLE_RATE, 8000);
        let mut out = Vec::new();
        for _ in 0..10 {
            codec.encode(&high.samples(320), &mut payload);
            codec.decode(&payload, &mut out);
        }
        assert!(power_share(&out[320 * 5..], 6000.0, SAMPLE_RATE) > 0.8);
    }

    #[test]
    fn any_bytes_decode_without_panicking() {
        let mut codec = G722::default();
        let mut out = Vec::new();
        let mut x: u32 = 1;
        for _ in 0..200 {
            let payload: Vec<u8> = (0..160)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (x >> 16) as u8
                })
                .collect();
            codec.decode(&payload, &mut out);
        }
        assert_eq!(out.len(), 200 * 320);
    }
}
