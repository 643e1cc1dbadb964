//! G.711 (ITU-T G.711; RTP payload types 0 PCMU and 8 PCMA, RFC 3551 §4.5.14): µ-law and A-law
//! companding of 16-bit linear samples, one byte per sample at 8 kHz. Pure.

/// µ-law bias (G.711: 33 in the 14-bit domain, shifted to 16 bits).
const ULAW_BIAS: i32 = 0x84;
/// The largest magnitude µ-law encodes before clipping.
const ULAW_CLIP: i32 = 32635;
/// A-law segment end points in the 13-bit magnitude domain.
const ALAW_SEGMENT_END: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];

/// One linear sample to µ-law.
pub fn ulaw_encode(sample: i16) -> u8 {
    let mut s = i32::from(sample);
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    s = s.min(ULAW_CLIP) + ULAW_BIAS;
    // The exponent is the position of the highest set bit above bit 7.
    let exponent = (0..8).rev().find(|e| s & (0x80 << e) != 0).unwrap_or(0);
    let mantissa = (s >> (exponent + 3)) & 0x0f;
    !(sign | (exponent << 4) | mantissa) as u8
}

/// One µ-law byte to a linear sample.
pub fn ulaw_decode(byte: u8) -> i16 {
    let u = !byte;
    let exponent = (u >> 4) & 0x07;
    let mantissa = i32::from(u & 0x0f);
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    let s = if u & 0x80 != 0 { -magnitude } else { magnitude };
    s as i16
}

/// One linear sample to A-law.
pub fn alaw_encode(sample: i16) -> u8 {
    let mut s = i32::from(sample) >> 3;
    let mask = if s >= 0 {
        0xD5
    } else {
        s = -s - 1;
        0x55
    };
    let Some(segment) = ALAW_SEGMENT_END.iter().position(|end| s <= *end) else {
        return (0x7F ^ mask) as u8;
    };
    let shift = if segment < 2 { 1 } else { segment };
    let value = ((segment as i32) << 4) | ((s >> shift) & 0x0f);
    (value ^ mask) as u8
}

/// One A-law byte to a linear sample.
pub fn alaw_decode(byte: u8) -> i16 {
    let a = byte ^ 0x55;
    let mut t = i32::from(a & 0x0f) << 4;
    let segment = i32::from((a & 0x70) >> 4);
    match segment {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= segment - 1;
        }
    }
    let s = if a & 0x80 != 0 { t } else { -t };
    s as i16
}

/// Encodes samples with `encode` into `out` (cleared first).
pub fn encode_into(samples: &[i16], encode: fn(i16) -> u8, out: &mut Vec<u8>) {
    out.clear();
    out.extend(samples.iter().map(|s| encode(*s)));
}

/// Decodes bytes with `decode` into `out` (cleared first).
pub fn decode_into(bytes: &[u8], decode: fn(u8) -> i16, out: &mut Vec<i16>) {
    out.clear();
    out.extend(bytes.iter().map(|b| decode(*b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_and_extremes() {
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x7F), 0);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(ulaw_decode(ulaw_encode(i16::MAX)), 32124);
        assert_eq!(ulaw_decode(ulaw_encode(i16::MIN)), -32124);
        assert_eq!(alaw_decode(alaw_encode(i16::MAX)), 32256);
        assert_eq!(alaw_decode(alaw_encode(i16::MIN)), -32256);
    }

    #[test]
    fn every_code_decodes_and_reencodes_to_itself() {
        for byte in 0..=255u8 {
            let u = ulaw_decode(byte);
            // 0x7F and 0xFF both mean zero; everything else is its own code.
            if byte != 0x7F {
                assert_eq!(ulaw_encode(u), byte, "µ-law {byte:#04x} -> {u}");
            }
            let a = alaw_decode(byte);
            assert_eq!(alaw_encode(a), byte, "A-law {byte:#04x} -> {a}");
        }
    }

    #[test]
    fn quantization_error_stays_within_the_segment_step() {
        for s in (i16::MIN..=i16::MAX).step_by(7) {
            let x = i32::from(s);
            // Each segment doubles the step; the error is at most half a step (plus clipping).
            let bound = (x.abs() / 16).max(16) + 1;
            let u = i32::from(ulaw_decode(ulaw_encode(s)));
            let a = i32::from(alaw_decode(alaw_encode(s)));
            if x.abs() < 32000 {
                assert!((u - x).abs() <= bound, "µ-law {s} -> {u}");
                assert!((a - x).abs() <= bound, "A-law {s} -> {a}");
            }
        }
    }
}
