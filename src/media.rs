//! Media: what carries the voice. The packet parts are pure like the SIP core (sans-IO, no
//! clock, no sockets): RTP ([`rtp`]) and RTCP ([`rtcp`]), DTMF as telephone events
//! ([`dtmf`]), the codecs (G.711 [`g711`], G.722 [`g722`], Opus [`opus`] over libopus, which
//! does no I/O either), the jitter buffer ([`jitter`]), one call's audio stream ([`session`])
//! and tones ([`tone`]). Devices and the engine's media sockets live outside this module.

pub mod dtmf;
pub mod g711;
pub mod g722;
pub mod jitter;
pub mod opus;
pub mod rtcp;
pub mod rtp;
pub mod session;
pub mod srtp;
pub mod tone;
