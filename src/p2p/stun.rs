//! STUN Binding (RFC 8489), sans-IO (STYLE.md habit 1): the request that asks a STUN
//! server which address our packets come from, and the parsing of its answer. The engine
//! sends and times it ([`crate::engine`]); the transaction id comes in as an argument.
//!
//! Only what a binding client needs: the 20-byte header (§5), XOR-MAPPED-ADDRESS (§14.2)
//! with MAPPED-ADDRESS (§14.1) as the fallback of old servers, ERROR-CODE (§14.8) and
//! FINGERPRINT (§14.7), which we send and check when present. No credentials:
//! MESSAGE-INTEGRITY is skipped (a public binding server asks for none).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// RFC 8489 §5: the magic cookie in every message.
pub const MAGIC_COOKIE: u32 = 0x2112_A442;
/// The header length (§5).
const HEADER: usize = 20;
/// Binding request, success and error response types (§5, §18.2).
const BINDING_REQUEST: u16 = 0x0001;
const BINDING_SUCCESS: u16 = 0x0101;
const BINDING_ERROR: u16 = 0x0111;
/// Attribute types (§18.3).
const MAPPED_ADDRESS: u16 = 0x0001;
const ERROR_CODE: u16 = 0x0009;
const XOR_MAPPED_ADDRESS: u16 = 0x0020;
const FINGERPRINT: u16 = 0x8028;
/// §14.7: the CRC-32 is XORed with this ("STUN").
const FINGERPRINT_XOR: u32 = 0x5354_554e;

/// A 96-bit transaction id (§5), chosen by the caller from a good random source.
pub type TransactionId = [u8; 12];

/// Why a datagram is not the answer we wait for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StunError {
    /// Too short, no magic cookie, top bits set, or a length that does not add up.
    #[error("not a STUN message")]
    NotStun,
    /// A STUN message, but for another transaction.
    #[error("a STUN answer to another transaction")]
    OtherTransaction,
    /// An attribute runs past the end of the message.
    #[error("malformed STUN attribute {0:#06x}")]
    Malformed(u16),
    /// The FINGERPRINT does not match the message.
    #[error("STUN FINGERPRINT mismatch")]
    Fingerprint,
    /// The server answered with an error (§14.8).
    #[error("STUN error {code} {reason}")]
    Server {
        /// 300..699.
        code: u16,
        /// The reason phrase.
        reason: String,
    },
    /// A success response without an address, or not a binding response at all.
    #[error("STUN answer without a mapped address")]
    NoAddress,
}

/// A Binding request with FINGERPRINT (§14.7, which lets a shared socket tell STUN apart).
pub fn binding_request(transaction: &TransactionId) -> Vec<u8> {
    let mut message = header(BINDING_REQUEST, 0, transaction);
    add_fingerprint(&mut message);
    message
}

fn header(kind: u16, length: u16, transaction: &TransactionId) -> Vec<u8> {
    let mut message = Vec::with_capacity(HEADER + 8);
    message.extend_from_slice(&kind.to_be_bytes());
    message.extend_from_slice(&length.to_be_bytes());
    message.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
    message.extend_from_slice(transaction);
    message
}

/// Appends FINGERPRINT: the length counts it before the CRC is taken (§14.7).
fn add_fingerprint(message: &mut Vec<u8>) {
    let length = u16::try_from(message.len() - HEADER + 8).unwrap_or(u16::MAX);
    message[2..4].copy_from_slice(&length.to_be_bytes());
    let crc = crc32(message) ^ FINGERPRINT_XOR;
    message.extend_from_slice(&FINGERPRINT.to_be_bytes());
    message.extend_from_slice(&4u16.to_be_bytes());
    message.extend_from_slice(&crc.to_be_bytes());
}

/// Whether `data` looks like a STUN message (§5: top two bits zero, the magic cookie, a
/// length that is a multiple of 4 and fits).
pub fn is_stun(data: &[u8]) -> bool {
    data.len() >= HEADER
        && data[0] & 0xc0 == 0
        && data[4..8] == MAGIC_COOKIE.to_be_bytes()
        && usize::from(u16::from_be_bytes([data[2], data[3]])) == data.len() - HEADER
        && data.len() % 4 == 0
}

/// The transaction id of a STUN message (`None` for anything else).
pub fn transaction_of(data: &[u8]) -> Option<TransactionId> {
    if !is_stun(data) {
        return None;
    }
    data[8..HEADER].try_into().ok()
}

/// The address the server saw, from its answer to `transaction`: XOR-MAPPED-ADDRESS, else
/// MAPPED-ADDRESS. An IPv4-mapped IPv6 address comes back as IPv4.
pub fn parse_binding_response(
    data: &[u8],
    transaction: &TransactionId,
) -> Result<SocketAddr, StunError> {
    if !is_stun(data) {
        return Err(StunError::NotStun);
    }
    if &data[8..HEADER] != transaction {
        return Err(StunError::OtherTransaction);
    }
    let kind = u16::from_be_bytes([data[0], data[1]]);
    let mut xor_mapped = None;
    let mut mapped = None;
    let mut error = None;
    let mut at = HEADER;
    while at < data.len() {
        let attribute = data.get(at..at + 4).ok_or(StunError::NotStun)?;
        let kind = u16::from_be_bytes([attribute[0], attribute[1]]);
        let length = usize::from(u16::from_be_bytes([attribute[2], attribute[3]]));
        let value = data
            .get(at + 4..at + 4 + length)
            .ok_or(StunError::Malformed(kind))?;
        match kind {
            XOR_MAPPED_ADDRESS => xor_mapped = Some(address(value, Some(transaction), kind)?),
            MAPPED_ADDRESS => mapped = Some(address(value, None, kind)?),
            ERROR_CODE => error = Some(error_code(value)?),
            FINGERPRINT => {
                let sent: Option<[u8; 4]> = value.try_into().ok();
                if sent.map(u32::from_be_bytes) != Some(crc32(&data[..at]) ^ FINGERPRINT_XOR) {
                    return Err(StunError::Fingerprint);
                }
            }
            _ => {}
        }
        // §14: values are padded to a multiple of 4 bytes.
        at += 4 + length.div_ceil(4) * 4;
    }
    match kind {
        BINDING_SUCCESS => xor_mapped.or(mapped).ok_or(StunError::NoAddress),
        BINDING_ERROR => Err(error.unwrap_or(StunError::Server {
            code: 0,
            reason: "no ERROR-CODE".into(),
        })),
        _ => Err(StunError::NoAddress),
    }
}

/// (XOR-)MAPPED-ADDRESS (§14.1, §14.2): family 1 is IPv4, 2 IPv6; the XOR form masks the
/// port with the cookie's top half and the address with the cookie (and the transaction id).
fn address(value: &[u8], xor: Option<&TransactionId>, kind: u16) -> Result<SocketAddr, StunError> {
    let malformed = || StunError::Malformed(kind);
    let family = *value.get(1).ok_or_else(malformed)?;
    let port_bytes: [u8; 2] = value
        .get(2..4)
        .and_then(|p| p.try_into().ok())
        .ok_or_else(malformed)?;
    let mut mask = MAGIC_COOKIE.to_be_bytes().to_vec();
    if let Some(transaction) = xor {
        mask.extend_from_slice(transaction);
    } else {
        mask = vec![0; 16];
    }
    let port = u16::from_be_bytes(port_bytes) ^ u16::from_be_bytes([mask[0], mask[1]]);
    let unmask =
        |bytes: &[u8]| -> Vec<u8> { bytes.iter().zip(&mask).map(|(b, m)| b ^ m).collect() };
    let ip = match (family, value.len()) {
        (1, 8) => {
            let b: [u8; 4] = unmask(&value[4..8]).try_into().map_err(|_| malformed())?;
            IpAddr::V4(Ipv4Addr::from(b))
        }
        (2, 20) => {
            let b: [u8; 16] = unmask(&value[4..20]).try_into().map_err(|_| malformed())?;
            let v6 = Ipv6Addr::from(b);
            v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)
        }
        _ => return Err(malformed()),
    };
    Ok(SocketAddr::new(ip, port))
}

/// ERROR-CODE (§14.8): class in the hundreds, number below, then a UTF-8 reason.
fn error_code(value: &[u8]) -> Result<StunError, StunError> {
    if value.len() < 4 {
        return Err(StunError::Malformed(ERROR_CODE));
    }
    let code = u16::from(value[2] & 0x07) * 100 + u16::from(value[3]);
    let reason = String::from_utf8_lossy(&value[4..]).trim().to_owned();
    Ok(StunError::Server { code, reason })
}

/// CRC-32 (ISO 3309, the one FINGERPRINT uses), bit by bit: messages are tiny.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests;
