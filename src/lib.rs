//! Tincan: a desktop SIP softphone.
pub mod engine;
pub mod sip;
