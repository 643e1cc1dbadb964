//! Tincan: a desktop SIP softphone.
pub mod sip;
