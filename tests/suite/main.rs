//! The one integration-test crate: every module is a group of tests.

mod framing;
mod rfc4475;
mod roundtrip;
