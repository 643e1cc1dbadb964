use super::*;

fn hex(text: &str) -> Vec<u8> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn array<const N: usize>(text: &str) -> [u8; N] {
    hex(text).try_into().unwrap()
}

/// RFC 3711 B.3's master key and salt.
fn rfc_master() -> [u8; MASTER_LEN] {
    array("E1F97A0D3E018BE0D64FA32C06DE4139 0EC675AD498AFEEBB6960B3AABE6")
}

#[test]
fn rfc_3711_b2_aes_cm_keystream() {
    let key = array("2B7E151628AED2A6ABF7158809CF4F3C");
    let counter = |n: u16| {
        let mut c = array::<16>("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");
        c[14..].copy_from_slice(&n.to_be_bytes());
        c
    };
    let cases = [
        (0x0000, "E03EAD0935C95E80E166B16DD92B4EB4"),
        (0x0001, "D23513162B02D0F72A43A2FE4A5F97AB"),
        (0x0002, "41E95B3BB0A2E8DD477901E4FCA894C0"),
        (0xFEFF, "EC8CDF7398607CB0F2D21675EA9EA1E4"),
        (0xFF00, "362B7C3C6773516318A077D7FC5073AE"),
    ];
    for (n, keystream) in cases {
        assert_eq!(
            aes_block(&key, &counter(n)).to_vec(),
            hex(keystream),
            "{n:04x}"
        );
    }
    // The same keystream through the SRTP cipher: salt F0..FD, SSRC 0, index 0.
    let keys = SessionKeys {
        cipher: key,
        salt: array("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"),
        auth: [0; AUTH_KEY_LEN],
    };
    let mut data = vec![0u8; 48];
    aes_cm(&keys, 0, 0, &mut data);
    assert_eq!(
        data,
        hex(
            "E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB
             41E95B3BB0A2E8DD477901E4FCA894C0"
        )
    );
}

#[test]
fn rfc_3711_b3_key_derivation() {
    let keys = SessionKeys::derive(&rfc_master(), 0);
    assert_eq!(
        keys.cipher.to_vec(),
        hex("C61E7A93744F39EE10734AFE3FF7A087")
    );
    assert_eq!(keys.salt.to_vec(), hex("30CBBC08863D8C85D49DB34A9AE1"));
    // The first 160 bits of B.3's auth key (HMAC-SHA1 takes n_a = 160).
    assert_eq!(
        keys.auth.to_vec(),
        hex("CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA4")
    );
}

fn rtp(seq: u16, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 8];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&1234u32.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

#[test]
fn rtp_round_trips_and_hides_the_payload() {
    for suite in Suite::ALL {
        let mut tx = SrtpContext::new(suite, &rfc_master());
        let mut rx = SrtpContext::new(suite, &rfc_master());
        let plain = rtp(7, 0xdecafbad, &[0xab; 160]);
        let sent = tx.protect_rtp(&plain).unwrap();
        assert_eq!(sent.len(), plain.len() + suite.tag_len());
        assert_eq!(sent[..12], plain[..12], "the header stays readable");
        assert_ne!(sent[12..172], plain[12..], "the payload is encrypted");
        assert_eq!(rx.unprotect_rtp(&sent).unwrap(), plain);
        // Replayed: refused. Tampered: refused. Another key: refused.
        assert_eq!(rx.unprotect_rtp(&sent), Err(SrtpError::Replay));
        let mut bad = tx.protect_rtp(&rtp(8, 0xdecafbad, &[1; 20])).unwrap();
        bad[20] ^= 1;
        assert_eq!(rx.unprotect_rtp(&bad), Err(SrtpError::Authentication));
        let mut other = SrtpContext::new(suite, &[9; MASTER_LEN]);
        let sent = tx.protect_rtp(&rtp(9, 0xdecafbad, &[2; 20])).unwrap();
        assert_eq!(other.unprotect_rtp(&sent), Err(SrtpError::Authentication));
        assert_eq!(rx.unprotect_rtp(&sent[..5]), Err(SrtpError::TooShort));
    }
}

#[test]
fn the_rollover_counter_follows_sequence_wraps_and_reordering() {
    let mut tx = SrtpContext::new(Suite::AesCm128HmacSha1_80, &rfc_master());
    let mut rx = SrtpContext::new(Suite::AesCm128HmacSha1_80, &rfc_master());
    let seqs: Vec<u16> = (0xfff0..=0xffff).chain(0..0x20).collect();
    let sent: Vec<Vec<u8>> = seqs
        .iter()
        .map(|s| tx.protect_rtp(&rtp(*s, 1, &s.to_be_bytes())).unwrap())
        .collect();
    // Delivered with a late packet from before the wrap after the wrap.
    let mut order: Vec<usize> = (0..sent.len()).collect();
    order.swap(15, 17);
    for i in order {
        let plain = rx.unprotect_rtp(&sent[i]).unwrap();
        assert_eq!(plain[12..], seqs[i].to_be_bytes(), "packet {i}");
    }
    // After the wrap the ROC is 1 on both sides.
    assert_eq!(rx.streams[&1].last, Some((1, 0x1f)));
    assert_eq!(tx.streams[&1].last, Some((1, 0x1f)));
}

#[test]
fn the_replay_window_keeps_64_packets() {
    let mut tx = SrtpContext::new(Suite::AesCm128HmacSha1_32, &rfc_master());
    let mut rx = SrtpContext::new(Suite::AesCm128HmacSha1_32, &rfc_master());
    let sent: Vec<Vec<u8>> = (0..200u16)
        .map(|s| tx.protect_rtp(&rtp(s, 5, &[0; 4])).unwrap())
        .collect();
    rx.unprotect_rtp(&sent[199]).unwrap();
    // 63 behind the top: still inside; 64 behind: too old.
    assert!(rx.unprotect_rtp(&sent[136]).is_ok());
    assert_eq!(rx.unprotect_rtp(&sent[135]), Err(SrtpError::Replay));
    assert_eq!(rx.unprotect_rtp(&sent[136]), Err(SrtpError::Replay));
}

#[test]
fn srtcp_carries_its_index_and_an_80_bit_tag() {
    for suite in Suite::ALL {
        let mut tx = SrtpContext::new(suite, &rfc_master());
        let mut rx = SrtpContext::new(suite, &rfc_master());
        // A receiver report with one block.
        let mut rr = vec![0x81, 201, 0, 7];
        rr.extend_from_slice(&0x1122_3344u32.to_be_bytes());
        rr.extend_from_slice(&[0x55; 24]);
        let first = tx.protect_rtcp(&rr).unwrap();
        let second = tx.protect_rtcp(&rr).unwrap();
        assert_eq!(first.len(), rr.len() + 4 + 10);
        assert_eq!(first[..8], rr[..8]);
        assert_ne!(first[8..32], rr[8..]);
        assert_eq!(first[32..36], [0x80, 0, 0, 0], "E flag, index 0");
        assert_eq!(second[32..36], [0x80, 0, 0, 1], "index 1");
        assert_ne!(first[8..32], second[8..32], "a fresh keystream per index");
        assert_eq!(rx.unprotect_rtcp(&second).unwrap(), rr);
        assert_eq!(rx.unprotect_rtcp(&first).unwrap(), rr);
        assert_eq!(rx.unprotect_rtcp(&first), Err(SrtpError::Replay));
        let mut bad = tx.protect_rtcp(&rr).unwrap();
        bad[10] ^= 0x80;
        assert_eq!(rx.unprotect_rtcp(&bad), Err(SrtpError::Authentication));
        assert_eq!(rx.unprotect_rtcp(&rr), Err(SrtpError::Authentication));
        assert_eq!(rx.unprotect_rtcp(&rr[..20]), Err(SrtpError::TooShort));
    }
}

#[test]
fn suites_by_name() {
    assert_eq!(
        Suite::from_name("AES_CM_128_HMAC_SHA1_80"),
        Some(Suite::AesCm128HmacSha1_80)
    );
    assert_eq!(
        Suite::from_name("AES_CM_128_HMAC_SHA1_32"),
        Some(Suite::AesCm128HmacSha1_32)
    );
    assert_eq!(Suite::from_name("F8_128_HMAC_SHA1_80"), None);
    assert_eq!(Suite::from_name("aes_cm_128_hmac_sha1_80"), None);
}

#[test]
fn garbage_never_panics() {
    let mut rx = SrtpContext::new(Suite::AesCm128HmacSha1_80, &rfc_master());
    for len in 0..64 {
        let junk: Vec<u8> = (0..len).map(|i| (i * 37 + 0x91) as u8).collect();
        assert!(rx.unprotect_rtp(&junk).is_err());
        assert!(rx.unprotect_rtcp(&junk).is_err());
    }
    // A header claiming a long extension.
    let mut p = rtp(1, 1, &[0; 4]);
    p[0] |= 0x10;
    assert!(rx.unprotect_rtp(&p).is_err());
}

#[test]
fn a_known_srtp_packet_under_the_rfc_3711_b3_keys() {
    // The widely used known answer (libsrtp's driver): B.3's master key and salt, SSRC
    // cafebabe, SEQ 1234, ROC 0, sixteen 0xab octets.
    let mut plain = hex("800f1234 decafbad cafebabe");
    plain.extend_from_slice(&[0xab; 16]);
    let expected = hex(
        "800f1234 decafbad cafebabe 4e55dc4c e79978d8 8ca4d215 949d2402
         b78d6acc 99ea179b 8dbb",
    );
    let mut tx = SrtpContext::new(Suite::AesCm128HmacSha1_80, &rfc_master());
    assert_eq!(tx.protect_rtp(&plain).unwrap(), expected);
    let mut rx = SrtpContext::new(Suite::AesCm128HmacSha1_80, &rfc_master());
    assert_eq!(rx.unprotect_rtp(&expected).unwrap(), plain);
}
