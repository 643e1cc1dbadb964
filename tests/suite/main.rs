//! The one integration-test crate: every module is a group of tests.

mod audio;
mod audio_devices;
mod call_tones;
mod cli_call;
mod desktop;
mod dns_locate;
mod engine;
mod engine_settings;
mod framing;
mod interop_baresip;
mod interop_kamailio;
mod interop_sipp;
mod keyring;
mod lan;
mod p2p;
mod p2p_secure;
mod rfc4475;
mod roundtrip;
mod support;
