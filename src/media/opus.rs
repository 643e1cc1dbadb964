//! Opus (RFC 6716) for RTP (RFC 7587): the `a=fmtp` parameters the far end gave, and an
//! encoder and a decoder over libopus (through `audiopus`). libopus is C, but it does no I/O
//! and reads no clock, so this module stays with the pure media code.
//!
//! - Mono, `OPUS_APPLICATION_VOIP`. The RTP clock is 48 kHz whatever the audio bandwidth
//!   (RFC 7587 §4.1), but libopus takes and gives samples at 8, 12, 16, 24 or 48 kHz
//!   (RFC 6716 §2): the encoder takes the lowest rate that carries the bandwidth sent
//!   ([`OpusParams::encode_rate`]) and the decoder gives the rate the caller plays at, so no
//!   audio is resampled up to 48 kHz and back down again. We encode mono even when the far end says `stereo=1`:
//!   the parameter is a preference, and mono is always allowed (RFC 7587 §7.1).
//! - Bitrate: the far end's `maxaveragebitrate` (RFC 7587 §6.1), else 32 kbit/s (the
//!   full-band speech sweet spot, §3.1.1), clamped to Opus's 6-510 kbit/s (§3.1).
//! - In-band FEC when the far end says `useinbandfec=1` (§3.3: it SHOULD NOT be sent to a
//!   decoder that cannot use it); the expected-loss hint that makes the encoder spend bits on
//!   it comes from RTCP reports ([`OpusEncoder::set_expected_loss`]).
//! - DTX only with `usedtx=1` (§3.1.3), CBR only with `cbr=1` (§3.1.2), the audio bandwidth
//!   capped by `maxplaybackrate` (§7.1).
//! - Decoding: a packet; a lost frame concealed (PLC, decoding "no packet"); or a lost frame
//!   rebuilt from the FEC data carried in the packet after it (RFC 6716 §2.1.7, RFC 7587 §3.3).

use audiopus::coder::{Decoder, Encoder};
use audiopus::{Application, Bandwidth, Bitrate, Channels, SampleRate, Signal};

/// The Opus RTP clock (RFC 7587 §4.1), and its highest audio sampling rate.
pub const SAMPLE_RATE: u32 = 48_000;
/// The audio sampling rates libopus encodes from and decodes to (RFC 6716 §2).
const RATES: [u32; 5] = [8_000, 12_000, 16_000, 24_000, SAMPLE_RATE];

/// The lowest Opus sampling rate at or above `rate` (48 kHz above it).
pub fn rate_at_least(rate: u32) -> u32 {
    RATES
        .into_iter()
        .find(|r| *r >= rate)
        .unwrap_or(SAMPLE_RATE)
}

fn sample_rate(rate: u32) -> SampleRate {
    match rate_at_least(rate) {
        8_000 => SampleRate::Hz8000,
        12_000 => SampleRate::Hz12000,
        16_000 => SampleRate::Hz16000,
        24_000 => SampleRate::Hz24000,
        _ => SampleRate::Hz48000,
    }
}
/// The bitrate when the far end names none (RFC 7587 §3.1.1: 28-40 kbit/s for FB speech).
pub const DEFAULT_BITRATE: u32 = 32_000;
/// The expected loss (percent) the encoder assumes until an RTCP report says better.
pub const INITIAL_LOSS_HINT: u8 = 5;
/// The largest packet we produce (libopus recommends 4000 bytes of room).
const MAX_PACKET: usize = 4000;
/// The longest Opus packet, 120 ms at 48 kHz (RFC 6716 §3.2.5).
const MAX_FRAME: usize = 5760;

/// What the far end asked for in its `a=fmtp` line (RFC 7587 §6.1); the defaults are the
/// RFC's for absent parameters, except the bitrate (see [`DEFAULT_BITRATE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusParams {
    /// `maxaveragebitrate`, already clamped to 6000..=510000 bit/s.
    pub bitrate: u32,
    /// `maxplaybackrate` in Hz.
    pub max_playback_rate: u32,
    /// `stereo=1`: the far end prefers stereo (we still send mono).
    pub stereo: bool,
    /// `useinbandfec=1`: the far end's decoder uses in-band FEC.
    pub inband_fec: bool,
    /// `usedtx=1`: the far end wants discontinuous transmission.
    pub dtx: bool,
    /// `cbr=1`: the far end wants a constant bitrate.
    pub cbr: bool,
}

impl Default for OpusParams {
    fn default() -> Self {
        OpusParams {
            bitrate: DEFAULT_BITRATE,
            max_playback_rate: SAMPLE_RATE,
            stereo: false,
            inband_fec: false,
            dtx: false,
            cbr: false,
        }
    }
}

impl OpusParams {
    /// The parameters of an `a=fmtp` value such as `maxaveragebitrate=20000; useinbandfec=1`.
    /// Unknown parameters are ignored (RFC 7587 §7.1), and so are unparsable values.
    pub fn from_fmtp(fmtp: &str) -> OpusParams {
        let mut params = OpusParams::default();
        for (name, value) in fmtp.split(';').filter_map(|p| p.split_once('=')) {
            let (name, value) = (name.trim(), value.trim());
            let flag = value == "1";
            let number = value.parse::<u32>().ok();
            match name.to_ascii_lowercase().as_str() {
                "maxaveragebitrate" => {
                    if let Some(n) = number {
                        params.bitrate = n.clamp(6_000, 510_000);
                    }
                }
                "maxplaybackrate" => {
                    if let Some(n) = number {
                        params.max_playback_rate = n.clamp(8_000, SAMPLE_RATE);
                    }
                }
                "stereo" => params.stereo = flag,
                "useinbandfec" => params.inband_fec = flag,
                "usedtx" => params.dtx = flag,
                "cbr" => params.cbr = flag,
                _ => {}
            }
        }
        params
    }

    /// The widest audio bandwidth worth sending for `maxplaybackrate` (RFC 7587 §7.1;
    /// RFC 6716 §2 Table 1).
    fn max_bandwidth(self) -> Bandwidth {
        match self.max_playback_rate {
            0..=8_000 => Bandwidth::Narrowband,
            8_001..=12_000 => Bandwidth::Mediumband,
            12_001..=16_000 => Bandwidth::Wideband,
            16_001..=24_000 => Bandwidth::Superwideband,
            _ => Bandwidth::Fullband,
        }
    }

    /// The sampling rate the encoder takes: the lowest Opus rate at or above the far end's
    /// `maxplaybackrate`, which carries the widest bandwidth worth sending (RFC 7587 §7.1).
    pub fn encode_rate(self) -> u32 {
        rate_at_least(self.max_playback_rate)
    }
}

/// What went wrong inside libopus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OpusError {
    /// The encoder or decoder could not be created or configured.
    #[error("cannot set up the Opus {part} ({setting}): {source}")]
    Setup {
        /// "encoder" or "decoder".
        part: &'static str,
        /// What was being done.
        setting: &'static str,
        /// libopus's answer.
        source: audiopus::Error,
    },
    /// A frame could not be encoded (a frame size Opus does not have, 2.5-60 ms).
    #[error("Opus cannot encode a frame of {samples} samples: {source}")]
    Encode {
        /// The frame's length.
        samples: usize,
        /// libopus's answer.
        source: audiopus::Error,
    },
    /// A packet could not be decoded (corrupt).
    #[error("Opus cannot decode a packet of {bytes} bytes: {source}")]
    Decode {
        /// The packet's length.
        bytes: usize,
        /// libopus's answer.
        source: audiopus::Error,
    },
}

fn setup(part: &'static str, setting: &'static str) -> impl Fn(audiopus::Error) -> OpusError {
    move |source| OpusError::Setup {
        part,
        setting,
        source,
    }
}

/// The encoder's complexity (0..=10) for an encode rate. Measured with
/// `scripts/bench-opus-quality.py` (PESQ-WB of synthesized speech in four voices, our
/// settings: 32 kbit/s, FEC, voice):
///
/// | encode rate | 1 | 3 | 5 | 6 | 8 | 10 |
/// |---|---|---|---|---|---|---|
/// | 16 kHz (SILK) | 3.50, 59 µs | 3.03, 140 µs | 3.55, 171 µs | 3.76, 258 µs | 3.92, 372 µs | 3.92 |
/// | 48 kHz (hybrid) | 2.96, 90 µs | 3.05, 135 µs | 3.68, 158 µs | 3.87, 200 µs | 3.70, 401 µs | 3.70 |
///
/// (µs: encoding one 20 ms frame here.) Wideband SILK at complexity 1 scores as 5 does for a
/// third of the time, so it is 1 there; full band keeps 5 (PJSIP's default), far better than
/// 1-3 and close to the best.
fn complexity(encode_rate: u32) -> u8 {
    if encode_rate <= 16_000 { 1 } else { 5 }
}

/// An Opus encoder set up for what the far end asked.
#[derive(Debug)]
pub struct OpusEncoder {
    encoder: Encoder,
    params: OpusParams,
    loss: u8,
    buffer: Vec<u8>,
}

impl OpusEncoder {
    /// A mono VoIP encoder for `params`, taking samples at [`OpusParams::encode_rate`].
    pub fn new(params: OpusParams) -> Result<OpusEncoder, OpusError> {
        let e = "encoder";
        let rate = sample_rate(params.encode_rate());
        let mut encoder =
            Encoder::new(rate, Channels::Mono, Application::Voip).map_err(setup(e, "create"))?;
        let bitrate = i32::try_from(params.bitrate).unwrap_or(i32::MAX);
        encoder
            .set_bitrate(Bitrate::BitsPerSecond(bitrate))
            .map_err(setup(e, "bitrate"))?;
        encoder
            .set_inband_fec(params.inband_fec)
            .map_err(setup(e, "in-band FEC"))?;
        encoder.set_vbr(!params.cbr).map_err(setup(e, "VBR"))?;
        encoder
            .set_max_bandwidth(params.max_bandwidth())
            .map_err(setup(e, "maximum bandwidth"))?;
        encoder
            .set_signal(Signal::Voice)
            .map_err(setup(e, "signal"))?;
        encoder
            .set_complexity(complexity(params.encode_rate()))
            .map_err(setup(e, "complexity"))?;
        encoder
            .set_encoder_ctl_request(audiopus::ffi::OPUS_SET_DTX_REQUEST, i32::from(params.dtx))
            .map_err(setup(e, "DTX"))?;
        let mut this = OpusEncoder {
            encoder,
            params,
            loss: 0,
            buffer: vec![0; MAX_PACKET],
        };
        this.set_expected_loss(INITIAL_LOSS_HINT)?;
        Ok(this)
    }

    /// The parameters in force.
    pub fn params(&self) -> OpusParams {
        self.params
    }

    /// The expected packet loss in percent, as the far end's RTCP reports it: with in-band
    /// FEC on, the encoder spends more of the bitrate on FEC the higher it is.
    pub fn set_expected_loss(&mut self, percent: u8) -> Result<(), OpusError> {
        let percent = percent.min(100);
        if percent != self.loss {
            self.encoder
                .set_packet_loss_perc(percent)
                .map_err(setup("encoder", "expected loss"))?;
            self.loss = percent;
        }
        Ok(())
    }

    /// The expected loss in force, in percent.
    pub fn expected_loss(&self) -> u8 {
        self.loss
    }

    /// The rate of the samples [`OpusEncoder::encode`] takes.
    pub fn rate(&self) -> u32 {
        self.params.encode_rate()
    }

    /// Encodes one frame (2.5, 5, 10, 20, 40 or 60 ms at [`OpusEncoder::rate`]) into `out`
    /// (cleared first).
    /// With DTX on, a frame of silence may come out as 1-2 bytes: not worth sending
    /// (RFC 7587 §3.1.3).
    pub fn encode(&mut self, samples: &[i16], out: &mut Vec<u8>) -> Result<(), OpusError> {
        let n = self
            .encoder
            .encode(samples, &mut self.buffer)
            .map_err(|source| OpusError::Encode {
                samples: samples.len(),
                source,
            })?;
        out.clear();
        out.extend_from_slice(&self.buffer[..n]);
        Ok(())
    }
}

/// A mono Opus decoder (a stereo stream is downmixed by libopus, RFC 7587 §3.4).
#[derive(Debug)]
pub struct OpusDecoder {
    decoder: Decoder,
    rate: u32,
    buffer: Vec<i16>,
}

impl OpusDecoder {
    /// A decoder giving samples at the lowest Opus rate at or above `rate`. Whatever the
    /// far end encoded from, any stream decodes at any of the rates (RFC 6716 §2).
    pub fn new(rate: u32) -> Result<OpusDecoder, OpusError> {
        let rate = rate_at_least(rate);
        let decoder =
            Decoder::new(sample_rate(rate), Channels::Mono).map_err(setup("decoder", "create"))?;
        Ok(OpusDecoder {
            decoder,
            rate,
            buffer: vec![0; MAX_FRAME],
        })
    }

    /// The rate of the samples it gives.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Decodes a packet, appending its samples to `out`.
    pub fn decode(&mut self, packet: &[u8], out: &mut Vec<i16>) -> Result<(), OpusError> {
        let n = self
            .decoder
            .decode(Some(packet), &mut self.buffer[..], false)
            .map_err(|source| OpusError::Decode {
                bytes: packet.len(),
                source,
            })?;
        out.extend_from_slice(&self.buffer[..n]);
        Ok(())
    }

    /// Conceals a lost frame of `samples` samples (libopus's PLC), appending to `out`.
    /// With `next`, the packet that follows the lost one, the frame is rebuilt from the FEC
    /// data it carries instead (libopus falls back to PLC when it carries none).
    pub fn conceal(
        &mut self,
        samples: usize,
        next: Option<&[u8]>,
        out: &mut Vec<i16>,
    ) -> Result<(), OpusError> {
        let samples = samples.min(MAX_FRAME);
        let next = next.filter(|p| !p.is_empty());
        let n = self
            .decoder
            .decode(next, &mut self.buffer[..samples], next.is_some())
            .map_err(|source| OpusError::Decode {
                bytes: next.map_or(0, <[u8]>::len),
                source,
            })?;
        out.extend_from_slice(&self.buffer[..n]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::tone::{Sine, power_share};

    #[test]
    fn fmtp_parameters_are_read_and_clamped() {
        let p = OpusParams::from_fmtp(
            "maxplaybackrate=16000; sprop-maxcapturerate=16000; maxaveragebitrate=20000; \
             stereo=1; useinbandfec=1; usedtx=0",
        );
        assert_eq!(p.bitrate, 20_000);
        assert_eq!(p.max_playback_rate, 16_000);
        assert!(p.stereo && p.inband_fec && !p.dtx && !p.cbr);
        assert_eq!(p.max_bandwidth(), Bandwidth::Wideband);
        assert_eq!(
            OpusParams::from_fmtp("maxaveragebitrate=1000").bitrate,
            6_000
        );
        assert_eq!(
            OpusParams::from_fmtp("MaxAverageBitrate=9000000").bitrate,
            510_000
        );
        assert!(OpusParams::from_fmtp("usedtx=1;cbr=1;x=y;junk").dtx);
        assert_eq!(OpusParams::from_fmtp(""), OpusParams::default());
        assert_eq!(OpusParams::default().bitrate, 32_000);
    }

    #[test]
    fn the_encoder_rate_and_complexity_follow_the_far_ends_playback_rate() {
        let cases = [("", 48_000, 5), ("maxplaybackrate=16000", 16_000, 1)];
        for (fmtp, rate, complexity) in cases {
            let params = OpusParams::from_fmtp(fmtp);
            let encoder = OpusEncoder::new(params).unwrap();
            assert_eq!(encoder.rate(), rate, "{fmtp}");
            assert_eq!(encoder.encoder.complexity().unwrap(), complexity, "{fmtp}");
        }
        // Between Opus rates, the next one up: 11.025 kHz is coded at 12 kHz.
        assert_eq!(
            OpusParams::from_fmtp("maxplaybackrate=11025").encode_rate(),
            12_000
        );
        assert_eq!(rate_at_least(44_100), 48_000);
    }

    #[test]
    fn a_tone_survives_encoding_and_a_lost_frame_is_rebuilt_from_fec() {
        let params = OpusParams {
            inband_fec: true,
            ..OpusParams::default()
        };
        let mut encoder = OpusEncoder::new(params).unwrap();
        encoder.set_expected_loss(20).unwrap();
        let mut decoder = OpusDecoder::new(SAMPLE_RATE).unwrap();
        let mut tone = Sine::new(1000.0, SAMPLE_RATE, 8000);
        let packets: Vec<Vec<u8>> = (0..50)
            .map(|_| {
                let mut p = Vec::new();
                encoder.encode(&tone.samples(960), &mut p).unwrap();
                p
            })
            .collect();
        let average = packets.iter().map(Vec::len).sum::<usize>() / packets.len();
        // 32 kbit/s at 50 packets/s is 80 bytes a packet on average.
        assert!((40..=120).contains(&average), "{average} bytes a packet");
        let mut out = Vec::new();
        for (i, packet) in packets.iter().enumerate() {
            let start = out.len();
            if i == 30 {
                decoder
                    .conceal(960, packets.get(31).map(Vec::as_slice), &mut out)
                    .unwrap();
            } else {
                decoder.decode(packet, &mut out).unwrap();
            }
            assert_eq!(out.len() - start, 960);
            if i >= 5 {
                let share = power_share(&out[start..], 1000.0, SAMPLE_RATE);
                assert!(share > 0.8, "frame {i}: {share}");
            }
        }
        // Plain concealment of a frame without any packet still gives a frame.
        let start = out.len();
        decoder.conceal(960, None, &mut out).unwrap();
        assert_eq!(out.len() - start, 960);
    }

    #[test]
    fn a_bad_frame_size_is_an_error_not_a_panic() {
        let mut encoder = OpusEncoder::new(OpusParams::default()).unwrap();
        let mut out = Vec::new();
        assert!(matches!(
            encoder.encode(&[0; 1000], &mut out),
            Err(OpusError::Encode { samples: 1000, .. })
        ));
        let mut decoder = OpusDecoder::new(SAMPLE_RATE).unwrap();
        let mut samples = Vec::new();
        // A TOC byte announcing a code-3 packet with no frame count: corrupt.
        assert!(decoder.decode(&[0x03], &mut samples).is_err());
    }
}
