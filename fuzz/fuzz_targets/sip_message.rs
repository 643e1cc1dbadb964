//! SIP message parser: datagram and stream framing, every typed accessor, printing.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tincan::sip::{Framed, parse_datagram, parse_stream};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = parse_datagram(data) {
        let _ = m.validate();
        let _ = m.headers().top_via();
        let _ = m.headers().date();
        // Printing a parsed message and parsing it again must work and be stable.
        let printed = m.to_bytes();
        let again = parse_datagram(&printed).expect("printed message parses");
        assert_eq!(again.to_bytes(), printed);
    }
    let mut rest = data;
    while let Ok(Framed::Message { consumed, .. } | Framed::KeepAlive { consumed, .. }) =
        parse_stream(rest)
    {
        assert!(consumed > 0 && consumed <= rest.len());
        rest = &rest[consumed..];
    }
});
