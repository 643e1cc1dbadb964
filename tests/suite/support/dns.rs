//! A tiny authoritative DNS server on 127.0.0.1 for RFC 3263 tests: it answers NAPTR, SRV and
//! A queries from a fixed table and NXDOMAIN for anything else, on a thread that ends when the
//! server is dropped. It never forwards anything anywhere.

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, NAPTR, SRV};
use hickory_proto::rr::{Name, RData, Record};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// One record of the table.
#[derive(Clone, Debug)]
pub enum Entry {
    /// `name NAPTR order pref "s" service "" replacement`.
    Naptr(&'static str, u16, &'static str, &'static str),
    /// `name SRV priority weight port target`.
    Srv(&'static str, u16, u16, u16, &'static str),
    /// `name A address`.
    A(&'static str, Ipv4Addr),
}

/// The running server.
pub struct DnsServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// Every question asked, as "TYPE name", in order.
    pub asked: Arc<std::sync::Mutex<Vec<String>>>,
}

impl DnsServer {
    pub fn start(entries: Vec<Entry>) -> DnsServer {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind DNS socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        let addr = socket.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (stop2, asked2) = (stop.clone(), asked.clone());
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !stop2.load(Ordering::Relaxed) {
                let Ok((len, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                let Ok(query) = Message::from_vec(&buf[..len]) else {
                    continue;
                };
                let reply = answer(&query, &entries, &asked2);
                if let Ok(bytes) = reply.to_vec() {
                    let _ = socket.send_to(&bytes, from);
                }
            }
        });
        DnsServer {
            addr,
            stop,
            thread: Some(thread),
            asked,
        }
    }

    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn name(s: &str) -> Name {
    Name::from_str(&format!("{s}.")).expect("a DNS name")
}

fn answer(query: &Message, entries: &[Entry], asked: &std::sync::Mutex<Vec<String>>) -> Message {
    let mut reply = Message::new();
    reply
        .set_id(query.id())
        .set_message_type(MessageType::Response)
        .set_op_code(query.op_code())
        .set_authoritative(true)
        .set_recursion_desired(query.recursion_desired());
    let Some(q) = query.queries().first() else {
        reply.set_response_code(ResponseCode::FormErr);
        return reply;
    };
    reply.add_query(q.clone());
    let qname = q
        .name()
        .to_ascii()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if let Ok(mut a) = asked.lock() {
        a.push(format!("{} {qname}", q.query_type()));
    }
    let mut known = false;
    for e in entries {
        let (owner, record) = match e {
            Entry::Naptr(owner, order, service, replacement) => (
                *owner,
                RData::NAPTR(NAPTR::new(
                    *order,
                    10,
                    b"s".to_vec().into_boxed_slice(),
                    service.as_bytes().to_vec().into_boxed_slice(),
                    Vec::new().into_boxed_slice(),
                    name(replacement),
                )),
            ),
            Entry::Srv(owner, priority, weight, port, target) => (
                *owner,
                RData::SRV(SRV::new(*priority, *weight, *port, name(target))),
            ),
            Entry::A(owner, ip) => (*owner, RData::A(A(*ip))),
        };
        if owner != qname {
            continue;
        }
        known = true;
        if record.record_type() == q.query_type() {
            reply.add_answer(Record::from_rdata(name(owner), 60, record));
        }
    }
    if !known {
        reply.set_response_code(ResponseCode::NXDomain);
    }
    reply
}
