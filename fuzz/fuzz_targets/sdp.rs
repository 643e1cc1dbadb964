//! SDP parser and printer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tincan::sip::sdp::SessionDescription;

fuzz_target!(|data: &[u8]| {
    if let Ok(sd) = SessionDescription::parse_bytes(data) {
        let printed = sd.to_string();
        let again = SessionDescription::parse(&printed).expect("printed SDP parses");
        assert_eq!(again.to_string(), printed);
    }
});
