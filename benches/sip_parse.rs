//! SIP parsing throughput: Tincan's parser against the `rsip` crate, in the same run, on an
//! 814-byte INVITE with SDP, a REGISTER and a 200 OK. Each iteration parses the message and
//! reads Via, From, To, CSeq, Call-ID and Contact typed. Prints messages per second.
//!
//! Run with `cargo bench --bench sip_parse` (or `make bench`).

use criterion::{Criterion, Throughput, black_box, criterion_group};
use rsip::headers::ToTypedHeader;
use rsip::message::HeadersExt;
use std::time::{Duration, Instant};

const MESSAGES: [(&str, &[u8]); 3] = [
    ("invite_sdp_814B", include_bytes!("data/invite.sip")),
    ("register", include_bytes!("data/register.sip")),
    ("ok_200", include_bytes!("data/ok.sip")),
];

/// Tincan: parse, then typed top Via (as rsip's `via_header` gives the first), From, To,
/// CSeq, Call-ID, Contact.
#[inline(never)]
fn tincan_typed(data: &[u8]) -> usize {
    let m = tincan::sip::parse_datagram(data).expect("tincan parses");
    let h = m.headers();
    let via = h.top_via().expect("via");
    let from = h.from().expect("from");
    let to = h.to().expect("to");
    let cseq = h.cseq().expect("cseq");
    let call_id = h.call_id().expect("call-id");
    let contact = h.contacts().expect("contact");
    via.params.len()
        + from.params.len()
        + to.params.len()
        + cseq.seq as usize
        + call_id.len()
        + matches!(contact, tincan::sip::Contacts::List(ref l) if !l.is_empty()) as usize
}

/// rsip: parse, then the same headers typed (rsip has no typed Call-ID; its value is read).
#[inline(never)]
fn rsip_typed(data: &[u8]) -> usize {
    let m = rsip::SipMessage::try_from(data).expect("rsip parses");
    let via = m.via_header().expect("via").typed().expect("via typed");
    let from = m.from_header().expect("from").typed().expect("from typed");
    let to = m.to_header().expect("to").typed().expect("to typed");
    let cseq = m.cseq_header().expect("cseq").typed().expect("cseq typed");
    let call_id = m.call_id_header().expect("call-id").to_string();
    let contact = m
        .contact_header()
        .expect("contact")
        .typed()
        .expect("contact typed");
    via.params.len()
        + from.params.len()
        + to.params.len()
        + cseq.seq as usize
        + call_id.len()
        + contact.params.len()
}

/// Tincan framing only (no typed access), for reference.
#[inline(never)]
fn tincan_untyped(data: &[u8]) -> usize {
    tincan::sip::parse_datagram(data)
        .expect("parses")
        .headers()
        .len()
}

#[inline(never)]
fn rsip_untyped(data: &[u8]) -> usize {
    match rsip::SipMessage::try_from(data).expect("parses") {
        rsip::SipMessage::Request(r) => r.headers.iter().count(),
        rsip::SipMessage::Response(r) => r.headers.iter().count(),
    }
}

type Parser = fn(&[u8]) -> usize;
const PARSERS: [(&str, Parser); 4] = [
    ("tincan_typed", tincan_typed),
    ("rsip_typed", rsip_typed),
    ("tincan_untyped", tincan_untyped),
    ("rsip_untyped", rsip_untyped),
];

fn bench(c: &mut Criterion) {
    for (name, data) in MESSAGES {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(1));
        for (pname, parse) in PARSERS {
            group.bench_function(pname, |b| b.iter(|| parse(black_box(data))));
        }
        group.finish();
    }
    print_rates();
}

/// A plain messages-per-second table (criterion's output shows time per message).
fn print_rates() {
    // `cargo test` runs this binary without `--bench`: criterion then only checks that each
    // benchmark runs once, and so do we.
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--profile-time") {
        return;
    }
    println!("\nmessages per second (median of 5 runs of 0.5 s each):");
    println!(
        "{:<18}{:>16}{:>16}{:>10}{:>16}{:>16}",
        "message", "tincan typed", "rsip typed", "ratio", "tincan untyped", "rsip untyped"
    );
    for (name, data) in MESSAGES {
        let rates: Vec<f64> = PARSERS.iter().map(|(_, p)| rate(*p, data)).collect();
        println!(
            "{:<18}{:>16.0}{:>16.0}{:>9.2}x{:>16.0}{:>16.0}",
            name,
            rates[0],
            rates[1],
            rates[0] / rates[1],
            rates[2],
            rates[3]
        );
    }
}

fn rate(parse: Parser, data: &[u8]) -> f64 {
    let mut runs: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let mut n = 0u64;
            while start.elapsed() < Duration::from_millis(500) {
                for _ in 0..100 {
                    black_box(parse(black_box(data)));
                }
                n += 100;
            }
            n as f64 / start.elapsed().as_secs_f64()
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[2]
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
/// `SIP_PARSE_ITERS=N` runs every parser N times on every message and exits: for
/// `valgrind --tool=callgrind --toggle-collect=...`, whose instruction counts do not depend on
/// the machine's load (see `scripts/bench-instructions.sh`).
fn main() {
    if let Some(n) = std::env::var("SIP_PARSE_ITERS")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
    {
        let only = std::env::var("SIP_PARSE_MESSAGE").unwrap_or_default();
        for (name, data) in MESSAGES {
            if !name.starts_with(&only) {
                continue;
            }
            for (_, parse) in PARSERS {
                for _ in 0..n {
                    black_box(parse(black_box(data)));
                }
            }
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
