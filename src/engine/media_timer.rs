//! The media clock's alarm: a kernel timer (`timerfd`) that wakes the engine at the tick's
//! deadline and not before.
//!
//! tokio's timer wheel would do, but a deadline 20 ms away that crosses one of the wheel's
//! 64 ms slot boundaries first wakes the loop at the boundary, to move the entry down a
//! level, then again at the deadline: about a third of the ticks cost two wake-ups (and a
//! fresh sleep registered each tick costs a self-wake besides). A wake-up from idle is most
//! of what a call costs beyond the codec, so the media clock has its own timer; the
//! protocol's timers (seconds apart) stay on tokio's.

use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};
use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::time::{Duration, Instant};
use tokio::io::unix::AsyncFd;

/// A one-shot alarm on the monotonic clock (the clock `Instant` reads).
#[derive(Debug)]
pub(super) struct MediaTimer {
    fd: AsyncFd<Alarm>,
    /// The deadline the kernel timer is set to, if any.
    armed: Option<Instant>,
}

/// The kernel timer, as the reactor needs it.
#[derive(Debug)]
struct Alarm(TimerFd);

impl AsRawFd for Alarm {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

impl MediaTimer {
    /// A disarmed timer, registered with the runtime's reactor (call it on the runtime).
    pub(super) fn new() -> io::Result<MediaTimer> {
        let timer = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )?;
        // `AsyncFd::new` is deprecated because a wrapper might hand out a descriptor it does
        // not own; `Alarm` owns its descriptor (an `OwnedFd` inside `TimerFd`) for as long as
        // the `AsyncFd` lives, which is what the `unsafe` `register` would ask us to promise.
        #[allow(deprecated)]
        let fd = AsyncFd::new(Alarm(timer))?;
        Ok(MediaTimer { fd, armed: None })
    }

    /// Sets the alarm to `at` (or clears it); nothing happens when it is set there already.
    pub(super) fn arm(&mut self, at: Option<Instant>) -> io::Result<()> {
        if at == self.armed {
            return Ok(());
        }
        match at {
            Some(at) => {
                // A zero time would disarm the timer: a deadline already past fires at once.
                let wait = at
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_nanos(1));
                self.fd.get_ref().0.set(
                    Expiration::OneShot(TimeSpec::from_duration(wait)),
                    TimerSetTimeFlags::empty(),
                )?;
            }
            None => self.fd.get_ref().0.unset()?,
        }
        self.armed = at;
        Ok(())
    }

    /// Waits until the alarm goes off (for ever when it is not set). Cancel-safe: dropped
    /// before it returns, the alarm stays set.
    pub(super) async fn fired(&mut self) -> io::Result<()> {
        loop {
            let mut ready = self.fd.readable().await?;
            // Reading takes the expiration count (8 bytes) and re-arms readiness.
            match ready.try_io(|fd| {
                nix::unistd::read(&fd.get_ref().0, &mut [0u8; 8]).map_err(io::Error::from)
            }) {
                Ok(Ok(_)) => {
                    // One-shot: nothing more comes until it is set again (saves a read that
                    // would only find the timer empty).
                    ready.clear_ready();
                    self.armed = None;
                    return Ok(());
                }
                Ok(Err(e)) => return Err(e),
                // Not due yet (a spurious readiness): wait again.
                Err(_would_block) => continue,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The alarm goes off at its deadline, not before and not much after; re-arming moves
    /// it; a cleared alarm never goes off.
    #[tokio::test(flavor = "current_thread")]
    async fn the_alarm_goes_off_at_its_deadline_and_can_be_moved_or_cleared() {
        let mut timer = MediaTimer::new().expect("timerfd");
        let start = Instant::now();
        timer.arm(Some(start + Duration::from_millis(200))).unwrap();
        // Moved earlier: the new deadline counts.
        timer.arm(Some(start + Duration::from_millis(30))).unwrap();
        timer.fired().await.unwrap();
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(30), "fired after {took:?}");
        assert!(took < Duration::from_millis(190), "fired after {took:?}");
        // A deadline already past fires at once.
        timer
            .arm(Some(Instant::now() - Duration::from_millis(5)))
            .unwrap();
        tokio::time::timeout(Duration::from_secs(2), timer.fired())
            .await
            .expect("a past deadline fires")
            .unwrap();
        // Cleared: nothing within 100 ms.
        timer
            .arm(Some(Instant::now() + Duration::from_millis(20)))
            .unwrap();
        timer.arm(None).unwrap();
        let waited = tokio::time::timeout(Duration::from_millis(100), timer.fired()).await;
        assert!(waited.is_err(), "a cleared alarm went off");
    }
}
