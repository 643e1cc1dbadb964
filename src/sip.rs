//! The SIP protocol layer, sans-IO: message syntax (RFC 3261 §7, §19, §20, §25), URIs
//! (RFC 3261 §19, RFC 3966) and SDP (RFC 8866).
//!
//! Nothing in this module opens a socket, reads the clock, sleeps or spawns a thread.
//! Parsing is split from handling: [`parse_datagram`] and [`parse_stream`] frame a message
//! and keep header values raw; typed accessors on [`Headers`] parse a header when asked.

pub mod call;
pub mod dialog;
pub mod digest;
pub mod error;
pub mod grammar;
pub mod header;
pub mod headers;
pub mod locate;
pub mod message;
pub mod method;
pub mod offer_answer;
pub mod parse;
pub mod registration;
pub mod rng;
pub mod sdp;
pub mod text;
pub mod transaction;
pub mod ua;
pub mod uri;

/// The one wall-clock read of the unit tests (an origin for virtual time), kept outside
/// `src/sip` so the sans-IO check can forbid clock reads in every file here.
#[cfg(test)]
#[path = "../tests/support/clock.rs"]
pub(crate) mod test_clock;

pub use error::{ErrorKind, Location, ParseError, SyntaxError};
pub use grammar::{Param, Params};
pub use header::{Header, HeaderName, Headers};
pub use headers::{AuthValue, CSeq, Contacts, MediaType, NameAddr, RetryAfter, Via, Warning};
pub use message::{Message, Request, Response, StatusCode, Version};
pub use method::Method;
pub use parse::{Framed, parse_datagram, parse_stream};
pub use text::Text;
pub use uri::{Host, Scheme, SipUri, TelUri, Uri};
