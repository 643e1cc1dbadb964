//! URI and name-addr parsers: sip, sips, tel and other schemes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tincan::sip::{NameAddr, Uri, Via};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(u) = Uri::parse(s) {
        let printed = u.to_string();
        let again = Uri::parse(&printed).expect("printed URI parses");
        assert!(again.equivalent(&u) || !u.equivalent(&u));
    }
    if let Ok(na) = NameAddr::parse(s) {
        let again = NameAddr::parse(&na.to_string()).expect("printed name-addr parses");
        assert_eq!(again, na);
    }
    let _ = Via::parse(s);
});
