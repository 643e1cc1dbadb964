//! Serverless calling (issue 7): a user is reachable at `sip:<handle>@<public key>` with no
//! provider. [`identity`] holds our ed25519 key pair; [`record`] builds and checks the signed
//! DNS records (pkarr packets) that say where a key's owner can be reached, sans-IO;
//! [`dht`] publishes ours on the Mainline DHT and resolves others' for the engine, whose
//! RFC 3263 locator then picks transport and address as for any domain. On the local
//! network, [`mdns`] advertises us and keeps the people nearby ([`nearby`], sans-IO), who are
//! reached without the DHT; [`stun`] learns our public address (RFC 8489) for the records.
//!
//! [`certificate`] makes the self-signed X.509 certificate that carries our identity key for
//! TLS and reads the key back from a peer's (the TLS side is the engine's
//! `net::identity_tls`; SRTP keyed over that TLS is the media layer's).

pub mod certificate;
pub mod dht;
pub mod identity;
pub mod mdns;
pub mod nearby;
pub mod record;
pub mod stun;
