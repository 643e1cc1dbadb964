//! The codecs a session speaks: which one offer/answer chose ([`AudioCodec`]) and its
//! encoder/decoder state ([`Coder`]).

use super::super::g711;
use super::super::g722::{self, G722};
use super::super::opus::{self, OpusDecoder, OpusEncoder, OpusError, OpusParams};

/// The audio codecs this session speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioCodec {
    /// G.711 µ-law (static payload type 0).
    Pcmu,
    /// G.711 A-law (static payload type 8).
    Pcma,
    /// G.722 at 64 kbit/s (static payload type 9): 16 kHz audio on an 8 kHz RTP clock.
    G722,
    /// Opus (RFC 7587), with what the far end asked for in its `a=fmtp`.
    Opus(OpusParams),
}

impl AudioCodec {
    /// The codec for an SDP encoding name (`PCMU`, `PCMA`, `G722`, `opus` with default
    /// parameters), if we speak it.
    pub fn from_name(name: &str) -> Option<AudioCodec> {
        [
            ("PCMU", AudioCodec::Pcmu),
            ("PCMA", AudioCodec::Pcma),
            ("G722", AudioCodec::G722),
            ("opus", AudioCodec::Opus(OpusParams::default())),
        ]
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, c)| c)
    }

    /// The codec for an `a=rtpmap` (name, clock rate, channels) and the far end's `a=fmtp`
    /// value, if we speak it at that clock rate. Opus must be `opus/48000/2` (RFC 7587 §7);
    /// a channel count other than 2 is tolerated.
    pub fn from_codec(
        name: &str,
        clock_rate: u32,
        _channels: u16,
        fmtp: Option<&str>,
    ) -> Option<AudioCodec> {
        let codec = match AudioCodec::from_name(name)? {
            AudioCodec::Opus(_) => AudioCodec::Opus(OpusParams::from_fmtp(fmtp.unwrap_or(""))),
            other => other,
        };
        (codec.clock_rate() == clock_rate).then_some(codec)
    }

    /// The SDP encoding name.
    pub fn name(self) -> &'static str {
        match self {
            AudioCodec::Pcmu => "PCMU",
            AudioCodec::Pcma => "PCMA",
            AudioCodec::G722 => "G722",
            AudioCodec::Opus(_) => "opus",
        }
    }

    /// The RTP clock rate (timestamp units per second).
    pub fn clock_rate(self) -> u32 {
        match self {
            AudioCodec::Pcmu | AudioCodec::Pcma => 8000,
            AudioCodec::G722 => g722::CLOCK_RATE,
            AudioCodec::Opus(_) => opus::SAMPLE_RATE,
        }
    }

    /// The codec's own audio sampling rate (Opus: its highest; a session may encode and
    /// decode Opus at lower ones, see [`super::MediaSession::send_rate`]).
    pub fn sample_rate(self) -> u32 {
        match self {
            AudioCodec::Pcmu | AudioCodec::Pcma => 8000,
            AudioCodec::G722 => g722::SAMPLE_RATE,
            AudioCodec::Opus(_) => opus::SAMPLE_RATE,
        }
    }

    /// Whether the codec conceals a lost frame itself (else the session repeats and fades).
    pub fn has_concealment(self) -> bool {
        matches!(self, AudioCodec::Opus(_))
    }
}

/// One codec's encoder and decoder state.
#[derive(Debug)]
pub(super) enum Coder {
    /// G.711 is stateless.
    G711(AudioCodec),
    G722(Box<G722>),
    Opus {
        encoder: Box<OpusEncoder>,
        decoder: Box<OpusDecoder>,
    },
}

impl Coder {
    /// The coder for `codec`; Opus decodes at the Opus rate nearest above `device_rate`.
    pub(super) fn new(codec: AudioCodec, device_rate: u32) -> Result<Coder, OpusError> {
        Ok(match codec {
            AudioCodec::Pcmu | AudioCodec::Pcma => Coder::G711(codec),
            AudioCodec::G722 => Coder::G722(Box::default()),
            AudioCodec::Opus(params) => Coder::Opus {
                encoder: Box::new(OpusEncoder::new(params)?),
                decoder: Box::new(OpusDecoder::new(device_rate)?),
            },
        })
    }

    /// The rate of the samples [`Coder::encode`] takes.
    pub(super) fn send_rate(&self) -> u32 {
        match self {
            Coder::G711(_) => 8000,
            Coder::G722(_) => g722::SAMPLE_RATE,
            Coder::Opus { encoder, .. } => encoder.rate(),
        }
    }

    /// The rate of the samples [`Coder::decode`] gives.
    pub(super) fn play_rate(&self) -> u32 {
        match self {
            Coder::G711(_) => 8000,
            Coder::G722(_) => g722::SAMPLE_RATE,
            Coder::Opus { decoder, .. } => decoder.rate(),
        }
    }

    /// Encodes one frame into `out` (cleared first).
    pub(super) fn encode(&mut self, samples: &[i16], out: &mut Vec<u8>) -> Result<(), OpusError> {
        match self {
            Coder::G711(AudioCodec::Pcma) => g711::encode_into(samples, g711::alaw_encode, out),
            Coder::G711(_) => g711::encode_into(samples, g711::ulaw_encode, out),
            Coder::G722(c) => c.encode(samples, out),
            Coder::Opus { encoder, .. } => encoder.encode(samples, out)?,
        }
        Ok(())
    }

    /// Decodes one payload, appending to `out`.
    pub(super) fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), OpusError> {
        match self {
            Coder::G711(AudioCodec::Pcma) => g711::decode_into(payload, g711::alaw_decode, out),
            Coder::G711(_) => g711::decode_into(payload, g711::ulaw_decode, out),
            Coder::G722(c) => c.decode(payload, out),
            Coder::Opus { decoder, .. } => decoder.decode(payload, out)?,
        }
        Ok(())
    }

    /// The codec's own concealment of a lost frame of `samples`, from the FEC data in `next`
    /// (the packet after it) when there is one; `Ok(false)` for codecs without any.
    pub(super) fn conceal(
        &mut self,
        samples: usize,
        next: Option<&[u8]>,
        out: &mut Vec<i16>,
    ) -> Result<bool, OpusError> {
        match self {
            Coder::Opus { decoder, .. } => decoder.conceal(samples, next, out).map(|()| true),
            _ => Ok(false),
        }
    }

    /// The far end's reported loss, for codecs that adapt to it.
    pub(super) fn set_expected_loss(&mut self, percent: u8) -> Result<(), OpusError> {
        match self {
            Coder::Opus { encoder, .. } => encoder.set_expected_loss(percent),
            _ => Ok(()),
        }
    }

    /// Whether an encoded frame is a DTX frame not worth sending (RFC 7587 §3.1.3: the
    /// encoder's 1-2 byte "nothing to say" packets; only produced with DTX on).
    pub(super) fn is_dtx_silence(&self, payload: &[u8]) -> bool {
        matches!(self, Coder::Opus { encoder, .. } if encoder.params().dtx && payload.len() <= 2)
    }
}
