//! SRTP and SRTCP (RFC 3711) with the default transforms, sans-IO: AES-128 in counter mode
//! (§4.1.1) and HMAC-SHA1 (§4.2.1), as the SDES suites `AES_CM_128_HMAC_SHA1_80` and
//! `AES_CM_128_HMAC_SHA1_32` (RFC 4568 §6.2) name them.
//!
//! - Session keys come from the master key and salt by the AES-CM PRF with a key derivation
//!   rate of zero (§4.3.1, §4.3.3): derived once.
//! - The packet index of SRTP is ROC·2¹⁶ + SEQ (§3.3.1); the receiver estimates the ROC of
//!   each packet with Appendix A's rule and moves its ROC and highest SEQ only after the
//!   packet authenticated. The sender counts its own wraps.
//! - Replay protection (§3.3.2): a sliding window of 64 indices per SSRC (and one for SRTCP);
//!   a packet older than the window, or one seen, is refused.
//! - SRTCP (§3.4): everything after the first 8 octets is encrypted; the E flag and the 31-bit
//!   SRTCP index follow the payload and are authenticated. The `_32` suite shortens the SRTP
//!   tag only: SRTCP keeps its 80-bit tag (RFC 4568 §6.2.2, RFC 3711 §5.2).
//!
//! One [`SrtpContext`] protects one direction: ours with our master key, theirs with the key
//! the far end sent. Nothing here reads the clock or a random source: keys come in as bytes.

use aes::Aes128;
use aes::cipher::{KeyIvInit, StreamCipher, generic_array::GenericArray};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use std::collections::HashMap;

type Aes128Ctr = ctr::Ctr128BE<Aes128>;
type HmacSha1 = Hmac<Sha1>;

/// Master key length (AES-128), octets.
pub const MASTER_KEY_LEN: usize = 16;
/// Master salt length (112 bits), octets.
pub const MASTER_SALT_LEN: usize = 14;
/// Key and salt together, as SDES carries them (RFC 4568 §6.1).
pub const MASTER_LEN: usize = MASTER_KEY_LEN + MASTER_SALT_LEN;
/// The session authentication key length for HMAC-SHA1 (§4.2.1: n_a = 160 bits).
const AUTH_KEY_LEN: usize = 20;
/// The SRTCP tag length, whatever the suite (80 bits).
const SRTCP_TAG_LEN: usize = 10;
/// The replay window (§3.3.2: at least 64).
const WINDOW: u64 = 64;
/// The E flag of the SRTCP index word (§3.4).
const E_FLAG: u32 = 0x8000_0000;

/// The crypto suites we offer and accept (RFC 4568 §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suite {
    /// AES-CM-128 with an 80-bit HMAC-SHA1 tag.
    AesCm128HmacSha1_80,
    /// AES-CM-128 with a 32-bit HMAC-SHA1 tag on SRTP (80 on SRTCP).
    AesCm128HmacSha1_32,
}

impl Suite {
    /// Every suite, in our order of preference.
    pub const ALL: [Suite; 2] = [Suite::AesCm128HmacSha1_80, Suite::AesCm128HmacSha1_32];

    /// The SDES name.
    pub fn name(self) -> &'static str {
        match self {
            Suite::AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            Suite::AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
        }
    }

    /// The suite an SDES name means (names are case-sensitive, RFC 4568 §9.2).
    pub fn from_name(name: &str) -> Option<Suite> {
        Suite::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The SRTP authentication tag length, octets.
    pub fn tag_len(self) -> usize {
        match self {
            Suite::AesCm128HmacSha1_80 => 10,
            Suite::AesCm128HmacSha1_32 => 4,
        }
    }
}

/// Why a packet could not be protected or unprotected. Such packets are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SrtpError {
    /// Too short for its header (and tag).
    #[error("packet too short")]
    TooShort,
    /// The authentication tag does not match: forged, corrupted, or another key.
    #[error("authentication failed")]
    Authentication,
    /// Seen already, or older than the replay window.
    #[error("replayed or too old")]
    Replay,
    /// An SRTCP packet that says it is not encrypted (we always encrypt).
    #[error("unencrypted SRTCP refused")]
    Unencrypted,
}

/// Session keys for one of SRTP or SRTCP (§4.3.1).
#[derive(Clone)]
struct SessionKeys {
    cipher: [u8; 16],
    salt: [u8; MASTER_SALT_LEN],
    auth: [u8; AUTH_KEY_LEN],
}

impl SessionKeys {
    /// Derives with labels `first` (cipher), `first + 1` (auth), `first + 2` (salt).
    fn derive(master: &[u8; MASTER_LEN], first: u8) -> SessionKeys {
        let (key, salt) = master.split_at(MASTER_KEY_LEN);
        let mut keys = SessionKeys {
            cipher: [0; 16],
            salt: [0; MASTER_SALT_LEN],
            auth: [0; AUTH_KEY_LEN],
        };
        prf(key, salt, first, &mut keys.cipher);
        prf(key, salt, first + 1, &mut keys.auth);
        prf(key, salt, first + 2, &mut keys.salt);
        keys
    }
}

/// §4.3.1, §4.3.3: the AES-CM PRF, keystream for x·2¹⁶ with x = (label ‖ r) XOR salt, r = 0
/// (key derivation rate zero); the label lands 7 octets from the salt's end.
fn prf(master_key: &[u8], master_salt: &[u8], label: u8, out: &mut [u8]) {
    let mut iv = [0u8; 16];
    iv[..MASTER_SALT_LEN].copy_from_slice(master_salt);
    iv[7] ^= label;
    out.fill(0);
    let mut cipher = Aes128Ctr::new(
        GenericArray::from_slice(master_key),
        GenericArray::from_slice(&iv),
    );
    cipher.apply_keystream(out);
}

/// §4.1.1: IV = (salt·2¹⁶) XOR (SSRC·2⁶⁴) XOR (index·2¹⁶); encrypts or decrypts in place.
fn aes_cm(keys: &SessionKeys, ssrc: u32, index: u64, data: &mut [u8]) {
    let mut iv = [0u8; 16];
    iv[..MASTER_SALT_LEN].copy_from_slice(&keys.salt);
    for (i, b) in ssrc.to_be_bytes().iter().enumerate() {
        iv[4 + i] ^= b;
    }
    for (i, b) in index.to_be_bytes()[2..].iter().enumerate() {
        iv[8 + i] ^= b;
    }
    let mut cipher = Aes128Ctr::new(
        GenericArray::from_slice(&keys.cipher),
        GenericArray::from_slice(&iv),
    );
    cipher.apply_keystream(data);
}

/// §4.2.1: HMAC-SHA1 over `parts`, truncated to `len` octets.
fn tag(keys: &SessionKeys, parts: &[&[u8]], len: usize) -> Vec<u8> {
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = <HmacSha1 as Mac>::new_from_slice(&keys.auth).expect("HMAC key");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes()[..len].to_vec()
}

/// Compares tags in constant time (no early exit on the first differing octet).
fn same_tag(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A 64-index sliding replay window (§3.3.2).
#[derive(Debug, Clone, Default)]
struct ReplayWindow {
    /// The highest index accepted, if any.
    top: Option<u64>,
    /// Bit `n` set: index `top - n` was accepted.
    seen: u64,
}

impl ReplayWindow {
    fn check(&self, index: u64) -> Result<(), SrtpError> {
        match self.top {
            None => Ok(()),
            Some(top) if index > top => Ok(()),
            Some(top) if top - index >= WINDOW => Err(SrtpError::Replay),
            Some(top) if self.seen & (1 << (top - index)) != 0 => Err(SrtpError::Replay),
            Some(_) => Ok(()),
        }
    }

    fn accept(&mut self, index: u64) {
        match self.top {
            Some(top) if index <= top => self.seen |= 1 << (top - index),
            Some(top) => {
                let shift = index - top;
                self.seen = if shift >= WINDOW {
                    0
                } else {
                    self.seen << shift
                };
                self.seen |= 1;
                self.top = Some(index);
            }
            None => {
                self.seen = 1;
                self.top = Some(index);
            }
        }
    }
}

/// Per-SSRC SRTP state: the rollover counter and the highest sequence number (§3.2.1).
#[derive(Debug, Clone, Default)]
struct StreamState {
    /// ROC and s_l, once a packet was seen.
    last: Option<(u32, u16)>,
    window: ReplayWindow,
}

impl StreamState {
    /// Appendix A: the index of `seq`, guessing its ROC from ours and s_l.
    fn estimate(&self, seq: u16) -> u64 {
        let Some((roc, s_l)) = self.last else {
            return u64::from(seq);
        };
        let v = if s_l < 0x8000 {
            if i32::from(seq) - i32::from(s_l) > 0x8000 {
                roc.wrapping_sub(1)
            } else {
                roc
            }
        } else if i32::from(s_l) - 0x8000 > i32::from(seq) {
            roc.wrapping_add(1)
        } else {
            roc
        };
        (u64::from(v) << 16) | u64::from(seq)
    }

    /// §3.3.1: after a packet with `index` was accepted, ROC and s_l move forward.
    fn update(&mut self, index: u64) {
        let roc = (index >> 16) as u32;
        let seq = index as u16;
        match self.last {
            Some((r, s)) if (u64::from(r) << 16 | u64::from(s)) >= index => {}
            _ => self.last = Some((roc, seq)),
        }
    }
}

/// The length of an RTP header with its CSRCs and extension (RFC 3550 §5.1, §5.3.1).
fn rtp_header_len(packet: &[u8]) -> Result<usize, SrtpError> {
    if packet.len() < 12 {
        return Err(SrtpError::TooShort);
    }
    let csrcs = usize::from(packet[0] & 0x0f);
    let mut len = 12 + 4 * csrcs;
    if packet[0] & 0x10 != 0 {
        let ext = packet.get(len + 2..len + 4).ok_or(SrtpError::TooShort)?;
        len += 4 + 4 * usize::from(u16::from_be_bytes([ext[0], ext[1]]));
    }
    if packet.len() < len {
        return Err(SrtpError::TooShort);
    }
    Ok(len)
}

/// One direction's SRTP and SRTCP state under one master key.
#[derive(Clone)]
pub struct SrtpContext {
    suite: Suite,
    rtp: SessionKeys,
    rtcp: SessionKeys,
    streams: HashMap<u32, StreamState>,
    /// The next SRTCP index we send (31 bits).
    rtcp_index: u32,
    /// Received SRTCP indices, per SSRC.
    rtcp_windows: HashMap<u32, ReplayWindow>,
}

impl std::fmt::Debug for SrtpContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys.
        f.debug_struct("SrtpContext")
            .field("suite", &self.suite)
            .field("streams", &self.streams.len())
            .finish_non_exhaustive()
    }
}

impl SrtpContext {
    /// A context for `suite` under `master` (key ‖ salt, as SDES sends it).
    pub fn new(suite: Suite, master: &[u8; MASTER_LEN]) -> SrtpContext {
        SrtpContext {
            suite,
            rtp: SessionKeys::derive(master, 0),
            rtcp: SessionKeys::derive(master, 3),
            streams: HashMap::new(),
            rtcp_index: 0,
            rtcp_windows: HashMap::new(),
        }
    }

    /// The suite.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// §3.3: encrypts an RTP packet's payload and appends the tag.
    pub fn protect_rtp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        let header = rtp_header_len(packet)?;
        let seq = u16::from_be_bytes([packet[2], packet[3]]);
        let ssrc = u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]);
        let stream = self.streams.entry(ssrc).or_default();
        let index = stream.estimate(seq);
        stream.update(index);
        let mut out = packet.to_vec();
        aes_cm(&self.rtp, ssrc, index, &mut out[header..]);
        let roc = ((index >> 16) as u32).to_be_bytes();
        let tag = tag(&self.rtp, &[&out, &roc], self.suite.tag_len());
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// §3.3: checks an SRTP packet's tag and replay window, then decrypts it.
    pub fn unprotect_rtp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        let tag_len = self.suite.tag_len();
        let body_len = packet
            .len()
            .checked_sub(tag_len)
            .ok_or(SrtpError::TooShort)?;
        let (body, received) = packet.split_at(body_len);
        let header = rtp_header_len(body)?;
        let seq = u16::from_be_bytes([body[2], body[3]]);
        let ssrc = u32::from_be_bytes([body[8], body[9], body[10], body[11]]);
        let stream = self.streams.entry(ssrc).or_default();
        let index = stream.estimate(seq);
        stream.window.check(index)?;
        let roc = ((index >> 16) as u32).to_be_bytes();
        if !same_tag(&tag(&self.rtp, &[body, &roc], tag_len), received) {
            return Err(SrtpError::Authentication);
        }
        stream.window.accept(index);
        stream.update(index);
        let mut out = body.to_vec();
        aes_cm(&self.rtp, ssrc, index, &mut out[header..]);
        Ok(out)
    }

    /// §3.4: encrypts an RTCP compound packet after its first 8 octets, appends E ‖ index
    /// and the 80-bit tag.
    pub fn protect_rtcp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        if packet.len() < 8 {
            return Err(SrtpError::TooShort);
        }
        let ssrc = u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
        let index = self.rtcp_index;
        self.rtcp_index = (self.rtcp_index + 1) & !E_FLAG;
        let mut out = packet.to_vec();
        aes_cm(&self.rtcp, ssrc, u64::from(index), &mut out[8..]);
        out.extend_from_slice(&(index | E_FLAG).to_be_bytes());
        let tag = tag(&self.rtcp, &[&out], SRTCP_TAG_LEN);
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// §3.4: checks an SRTCP packet's tag and replay window, then decrypts it.
    pub fn unprotect_rtcp(&mut self, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
        if packet.len() < 8 + 4 + SRTCP_TAG_LEN {
            return Err(SrtpError::TooShort);
        }
        let (body, received) = packet.split_at(packet.len() - SRTCP_TAG_LEN);
        if !same_tag(&tag(&self.rtcp, &[body], SRTCP_TAG_LEN), received) {
            return Err(SrtpError::Authentication);
        }
        let (rtcp, word) = body.split_at(body.len() - 4);
        let word = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        if word & E_FLAG == 0 {
            return Err(SrtpError::Unencrypted);
        }
        let index = u64::from(word & !E_FLAG);
        let ssrc = u32::from_be_bytes([rtcp[4], rtcp[5], rtcp[6], rtcp[7]]);
        let window = self.rtcp_windows.entry(ssrc).or_default();
        window.check(index)?;
        window.accept(index);
        let mut out = rtcp.to_vec();
        aes_cm(&self.rtcp, ssrc, index, &mut out[8..]);
        Ok(out)
    }
}

/// The AES block function alone, for the RFC 3711 B.2 test (counter blocks in, keystream out).
#[cfg(test)]
fn aes_block(key: &[u8; 16], block: &[u8; 16]) -> [u8; 16] {
    use aes::cipher::{BlockEncrypt, KeyInit};
    let cipher = Aes128::new(GenericArray::from_slice(key));
    let mut b = GenericArray::clone_from_slice(block);
    cipher.encrypt_block(&mut b);
    b.into()
}

#[cfg(test)]
mod tests;
