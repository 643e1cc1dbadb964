//! Tincan: a desktop SIP softphone.
pub mod audio;
pub mod cli;
pub mod config;
pub mod engine;
pub mod log;
pub mod media;
pub mod p2p;
pub mod secrets;
pub mod sip;
pub mod store;
pub mod ui;
