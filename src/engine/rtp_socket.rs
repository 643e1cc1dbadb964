//! A call's RTP (or RTCP) socket, read at the media clock's tick rather than on every
//! packet: one wake-up per packet time instead of one per packet time and one per packet.
//! Each datagram keeps the time it arrived, stamped by the kernel (`SO_TIMESTAMPNS`), so the
//! jitter estimate (RFC 3550 §6.4.1) sees the network's jitter, not the tick's.

use nix::sys::socket::{
    ControlMessageOwned, MsgFlags, SockaddrStorage, recvmsg, setsockopt, sockopt,
};
use std::io::{self, IoSliceMut};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant, SystemTime};

/// The largest datagram read; longer ones are cut (and then fail to parse).
const MAX_DATAGRAM: usize = 2048;

/// A non-blocking UDP socket with arrival times.
#[derive(Debug)]
pub(super) struct RtpSocket {
    socket: UdpSocket,
    buffer: Vec<u8>,
    control: Vec<u8>,
    /// A read failed for good: said once, not at every tick.
    failed: bool,
}

/// One datagram read.
pub(super) struct Datagram<'a> {
    pub data: &'a [u8],
    pub from: SocketAddr,
    /// When it arrived.
    pub at: Instant,
}

impl RtpSocket {
    /// Wraps a bound socket: made non-blocking, arrivals stamped when the kernel can.
    pub(super) fn new(socket: UdpSocket) -> io::Result<RtpSocket> {
        socket.set_nonblocking(true)?;
        // Without stamps no control message arrives, and the time of reading stands in.
        if let Err(e) = setsockopt(&socket, sockopt::ReceiveTimestampns, &true) {
            tracing::warn!(
                "RTP socket: no kernel arrival times ({e}); the jitter estimate uses read times"
            );
        }
        Ok(RtpSocket {
            socket,
            buffer: vec![0; MAX_DATAGRAM],
            control: nix::cmsg_space!(nix::sys::time::TimeSpec),
            failed: false,
        })
    }

    pub(super) fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Sends without waiting (a full send buffer drops the datagram, as the network might).
    pub(super) fn send_to(&self, data: &[u8], to: SocketAddr) -> io::Result<usize> {
        self.socket.send_to(data, to)
    }

    /// The next datagram waiting, if any. `now` and `wall` are the same moment on the
    /// monotonic and the wall clock (the kernel stamps with the wall clock). A datagram
    /// from a non-IP address is skipped; an ICMP error left by an earlier send (port
    /// unreachable) is skipped too; any other error is logged once and ends reading.
    pub(super) fn recv(&mut self, now: Instant, wall: SystemTime) -> Option<Datagram<'_>> {
        if self.failed {
            return None;
        }
        loop {
            let read = {
                let mut iov = [IoSliceMut::new(&mut self.buffer)];
                recvmsg::<SockaddrStorage>(
                    self.socket.as_raw_fd(),
                    &mut iov,
                    Some(&mut self.control),
                    MsgFlags::empty(),
                )
                .map(|m| {
                    let stamp = m.cmsgs().ok().and_then(|mut c| {
                        c.find_map(|c| match c {
                            ControlMessageOwned::ScmTimestampns(t) => Some(t),
                            _ => None,
                        })
                    });
                    (m.bytes, m.address, stamp)
                })
            };
            match read {
                Ok((len, address, stamp)) => {
                    let Some(from) = address.as_ref().and_then(socket_addr) else {
                        continue;
                    };
                    let at = stamp.map_or(now, |t| arrival(now, wall, t));
                    return Some(Datagram {
                        data: &self.buffer[..len],
                        from,
                        at,
                    });
                }
                Err(nix::errno::Errno::EAGAIN) => return None,
                Err(
                    nix::errno::Errno::ECONNREFUSED
                    | nix::errno::Errno::ECONNRESET
                    | nix::errno::Errno::EINTR,
                ) => {}
                Err(e) => {
                    tracing::warn!(
                        "RTP socket {}: reading failed, no more audio arrives: {e}",
                        self.local_addr().map_or("?".into(), |a| a.to_string())
                    );
                    self.failed = true;
                    return None;
                }
            }
        }
    }
}

fn socket_addr(address: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = address.as_sockaddr_in() {
        return Some(SocketAddr::V4((*v4).into()));
    }
    address
        .as_sockaddr_in6()
        .map(|v6| SocketAddr::V6((*v6).into()))
}

/// The monotonic time of a kernel wall-clock stamp, given one moment on both clocks; never
/// after `now`.
fn arrival(now: Instant, wall: SystemTime, stamp: nix::sys::time::TimeSpec) -> Instant {
    let stamp = Duration::new(
        u64::try_from(stamp.tv_sec()).unwrap_or(0),
        u32::try_from(stamp.tv_nsec()).unwrap_or(0),
    );
    let wall = wall
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    now.checked_sub(wall.saturating_sub(stamp)).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagrams_keep_the_time_they_arrived_not_the_time_they_were_read() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = socket.local_addr().unwrap();
        let mut rtp = RtpSocket::new(socket).unwrap();
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        assert!(rtp.recv(Instant::now(), SystemTime::now()).is_none());
        // The kernel turns arrival stamps on for the whole stack lazily (a deferred static
        // key): until then a datagram is stamped when it is read. Wait for that first.
        let stamping = (0..100).any(|_| {
            sender.send_to(b"warm-up", to).unwrap();
            std::thread::sleep(Duration::from_millis(10));
            let now = Instant::now();
            let at = rtp.recv(now, SystemTime::now()).map(|d| d.at);
            at.is_some_and(|at| now.duration_since(at) >= Duration::from_millis(5))
        });
        assert!(stamping, "the kernel never stamped a datagram on arrival");
        let sent = Instant::now();
        sender.send_to(b"one", to).unwrap();
        std::thread::sleep(Duration::from_millis(60));
        sender.send_to(b"two", to).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        let (now, wall) = (Instant::now(), SystemTime::now());
        let first = rtp.recv(now, wall).unwrap();
        assert_eq!(first.data, b"one");
        assert_eq!(first.from, sender.local_addr().unwrap());
        let one = first.at;
        let two = rtp.recv(now, wall).unwrap().at;
        assert!(rtp.recv(now, wall).is_none());
        // Read together, but stamped at least the 60 ms sleep apart (read times would be
        // equal), and both within the test's own span.
        let apart = two.duration_since(one);
        assert!(apart >= Duration::from_millis(55), "{apart:?}");
        assert!(one + Duration::from_millis(5) >= sent && two <= now);
        assert!(one + Duration::from_millis(75) <= now, "{:?}", now - one);
    }
}
