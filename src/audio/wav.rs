//! WAV files (RIFF, PCM) for the virtual audio device: read 8-, 16-, 24- or 32-bit integer or
//! 32-bit float PCM of any rate and channel count into mono 16-bit samples; write mono 16-bit
//! PCM. Parsing is separate from the file system so it can be tested on bytes.

use std::io;
use std::path::Path;

/// Why a WAV file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WavError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: io::Error,
    },
    /// Not a RIFF/WAVE file, or a chunk runs past the end.
    #[error("not a WAV file: {0}")]
    Format(&'static str),
    /// A sample format we do not read.
    #[error("unsupported WAV sample format (format {format}, {bits} bits)")]
    Unsupported {
        /// The format tag (1 PCM, 3 float, 0xFFFE extensible).
        format: u16,
        /// Bits per sample.
        bits: u16,
    },
}

/// Mono audio at a sample rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mono {
    /// Samples per second.
    pub rate: u32,
    /// The samples.
    pub samples: Vec<i16>,
}

/// Reads a WAV file into mono 16-bit samples (channels averaged).
pub fn read(path: &Path) -> Result<Mono, WavError> {
    let bytes = std::fs::read(path).map_err(|source| WavError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&bytes)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Parses WAV bytes (see [`read`]).
pub fn parse(bytes: &[u8]) -> Result<Mono, WavError> {
    if bytes.get(0..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WAVE") {
        return Err(WavError::Format("no RIFF/WAVE header"));
    }
    let mut at = 12;
    let mut format = None;
    while let (Some(id), Some(len)) = (bytes.get(at..at + 4), u32_at(bytes, at + 4)) {
        let body = at + 8;
        let end = body + len as usize;
        match id {
            b"fmt " => {
                let tag = u16_at(bytes, body).ok_or(WavError::Format("short fmt chunk"))?;
                let channels = u16_at(bytes, body + 2).ok_or(WavError::Format("short fmt"))?;
                let rate = u32_at(bytes, body + 4).ok_or(WavError::Format("short fmt"))?;
                let bits = u16_at(bytes, body + 14).ok_or(WavError::Format("short fmt"))?;
                // WAVE_FORMAT_EXTENSIBLE: the real tag is the sub-format's first two bytes.
                let tag = if tag == 0xFFFE {
                    u16_at(bytes, body + 24).unwrap_or(tag)
                } else {
                    tag
                };
                format = Some((tag, channels.max(1), rate, bits));
            }
            b"data" => {
                let (tag, channels, rate, bits) =
                    format.ok_or(WavError::Format("data before fmt"))?;
                let data = bytes.get(body..end.min(bytes.len())).unwrap_or(&[]);
                let samples = decode(data, tag, channels, bits)?;
                return Ok(Mono { rate, samples });
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        at = end + (len as usize & 1);
    }
    Err(WavError::Format("no data chunk"))
}

/// Interleaved frames to mono 16-bit.
fn decode(data: &[u8], tag: u16, channels: u16, bits: u16) -> Result<Vec<i16>, WavError> {
    let width = usize::from(bits / 8);
    // Each sample on the 16-bit scale, exactly for 16-bit input.
    let sample = |b: &[u8]| -> i32 {
        match (tag, bits) {
            (1, 8) => (i32::from(b[0]) - 128) << 8,
            (1, 16) => i32::from(i16::from_le_bytes([b[0], b[1]])),
            (1, 24) => i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 16,
            (1, 32) => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) >> 16,
            (3, 32) => (f32::from_le_bytes([b[0], b[1], b[2], b[3]]) * 32767.0) as i32,
            _ => 0,
        }
    };
    if !matches!((tag, bits), (1, 8 | 16 | 24 | 32) | (3, 32)) {
        return Err(WavError::Unsupported { format: tag, bits });
    }
    let frame = width * usize::from(channels);
    Ok(data
        .chunks_exact(frame)
        .map(|f| {
            let sum: i32 = f.chunks_exact(width).map(sample).sum();
            (sum / i32::from(channels)).clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
        })
        .collect())
}

/// Mono 16-bit PCM as WAV bytes.
pub fn encode(audio: &Mono) -> Vec<u8> {
    let data_len = (audio.samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&audio.rate.to_le_bytes());
    out.extend_from_slice(&(audio.rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in &audio.samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// Writes mono 16-bit PCM to a WAV file (through a temporary file and a rename).
pub fn write(path: &Path, audio: &Mono) -> Result<(), WavError> {
    let err = |source| WavError::Io {
        path: path.display().to_string(),
        source,
    };
    let tmp = path.with_extension(format!("wav.tmp-{}", std::process::id()));
    std::fs::write(&tmp, encode(audio)).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// Linear-interpolation resampling (enough for test tones and the virtual device; the real
/// devices get a proper resampler).
pub fn resample(samples: &[i16], from: u32, to: u32) -> Vec<i16> {
    if from == to || samples.is_empty() {
        return samples.to_vec();
    }
    let out_len = (samples.len() as u64 * u64::from(to) / u64::from(from)) as usize;
    (0..out_len)
        .map(|i| {
            let pos = i as f64 * f64::from(from) / f64::from(to);
            let at = pos as usize;
            let frac = pos - at as f64;
            let a = f64::from(samples[at.min(samples.len() - 1)]);
            let b = f64::from(samples[(at + 1).min(samples.len() - 1)]);
            (a + (b - a) * frac) as i16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::tone::{Sine, power_share};

    #[test]
    fn written_wav_reads_back() {
        let audio = Mono {
            rate: 8000,
            samples: vec![0, 1, -1, i16::MAX, i16::MIN + 1],
        };
        assert_eq!(parse(&encode(&audio)).unwrap(), audio);
    }

    #[test]
    fn stereo_48k_becomes_mono_8k_keeping_the_tone() {
        let tone = Sine::new(1000.0, 48_000, 10_000).samples(4800);
        let mut stereo = Vec::new();
        for s in &tone {
            stereo.extend_from_slice(&[*s, *s]);
        }
        let mut bytes = encode(&Mono {
            rate: 48_000,
            samples: stereo,
        });
        bytes[22] = 2; // channels
        let audio = parse(&bytes).unwrap();
        assert_eq!(audio.rate, 48_000);
        assert_eq!(audio.samples.len(), 4800);
        let down = resample(&audio.samples, 48_000, 8000);
        assert_eq!(down.len(), 800);
        assert!(power_share(&down[..800], 1000.0, 8000) > 0.9);
    }

    #[test]
    fn junk_is_refused() {
        assert!(parse(b"hello").is_err());
        let mut bytes = encode(&Mono {
            rate: 8000,
            samples: vec![1; 4],
        });
        bytes[34] = 12; // 12 bits per sample
        assert!(matches!(parse(&bytes), Err(WavError::Unsupported { .. })));
    }
}
