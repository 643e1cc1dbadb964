//! Level meters and call statistics for the application: the microphone's and each call's
//! level over 100 ms windows ([`Event::Levels`], at most ten a second, when asked for) and
//! each call's figures about once a second ([`Event::CallStats`]), from counters the media
//! sessions keep anyway.

use super::{CallStats, Event, Level};
use crate::media::session::{MediaSession, MediaStats};
use crate::sip::call::CallId;
use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

/// How often levels are reported at most.
pub(super) const LEVEL_INTERVAL: Duration = Duration::from_millis(100);
/// How often call statistics are reported.
pub(super) const STATS_INTERVAL: Duration = Duration::from_secs(1);

/// Peak and energy of the samples seen in one window.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    peak: u16,
    energy: f64,
    count: usize,
}

impl Window {
    fn add(&mut self, samples: &[i16]) {
        for s in samples {
            self.peak = self.peak.max(s.unsigned_abs());
            self.energy += f64::from(*s).powi(2);
        }
        self.count += samples.len();
    }

    fn level(&self) -> Level {
        let db = |ratio: f64| {
            if ratio <= 0.0 {
                -100
            } else {
                (20.0 * ratio.log10()).round().max(-100.0) as i16
            }
        };
        let full = f64::from(i16::MAX);
        let rms = if self.count == 0 {
            0.0
        } else {
            (self.energy / self.count as f64).sqrt()
        };
        Level {
            peak_dbfs: db(f64::from(self.peak) / full).min(0),
            rms_dbfs: db(rms / full).min(0),
        }
    }
}

/// The meters of the media clock.
#[derive(Debug)]
pub(super) struct Meters {
    levels: bool,
    microphone: Window,
    calls: BTreeMap<CallId, Window>,
    next_levels: Option<Instant>,
    /// Per call: when the last figures were made and the counters then.
    last_stats: BTreeMap<CallId, (Instant, MediaStats)>,
    events: VecDeque<Event>,
}

impl Meters {
    /// Meters that report levels only if `levels`; statistics always.
    pub(super) fn new(levels: bool) -> Meters {
        Meters {
            levels,
            microphone: Window::default(),
            calls: BTreeMap::new(),
            next_levels: None,
            last_stats: BTreeMap::new(),
            events: VecDeque::new(),
        }
    }

    /// What the microphone captured in this tick.
    pub(super) fn microphone(&mut self, samples: &[i16]) {
        if self.levels {
            self.microphone.add(samples);
        }
    }

    /// What `call` played in this tick.
    pub(super) fn played(&mut self, call: CallId, samples: &[i16]) {
        if self.levels {
            self.calls.entry(call).or_default().add(samples);
        }
    }

    /// After a tick at `now`: levels when their window is over, figures for each session
    /// whose second is over.
    pub(super) fn after_tick<'a>(
        &mut self,
        now: Instant,
        sessions: impl Iterator<Item = (CallId, &'a MediaSession)>,
    ) {
        if self.levels && *self.next_levels.get_or_insert(now + LEVEL_INTERVAL) <= now {
            self.next_levels = Some(now + LEVEL_INTERVAL);
            let microphone = std::mem::take(&mut self.microphone).level();
            let calls = std::mem::take(&mut self.calls)
                .into_iter()
                .map(|(call, w)| (call, w.level()))
                .collect();
            self.events.push_back(Event::Levels { microphone, calls });
        }
        for (call, session) in sessions {
            let current = session.stats();
            let Some((then, before)) = self.last_stats.get(&call).copied() else {
                self.last_stats.insert(call, (now, current));
                continue;
            };
            let elapsed = now.saturating_duration_since(then);
            if elapsed < STATS_INTERVAL {
                continue;
            }
            self.last_stats.insert(call, (now, current));
            let stats = figures(session, &before, &current, elapsed);
            self.events.push_back(Event::CallStats { call, stats });
        }
    }

    /// The call ended: no more figures for it.
    pub(super) fn forget(&mut self, call: CallId) {
        self.last_stats.remove(&call);
        self.calls.remove(&call);
    }

    /// The next event to hand out.
    pub(super) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}

/// The figures of one interval.
fn figures(
    session: &MediaSession,
    before: &MediaStats,
    now: &MediaStats,
    elapsed: Duration,
) -> CallStats {
    let bytes = now.bytes_sent.saturating_sub(before.bytes_sent);
    let bitrate = (bytes as f64 * 8.0 / elapsed.as_secs_f64().max(0.001)).round() as u32;
    let received = now.packets_received.saturating_sub(before.packets_received) as f64;
    let lost = (now.packets_lost - before.packets_lost).max(0) as f64;
    let loss_percent = if received + lost > 0.0 {
        (100.0 * lost / (received + lost)).round() as u8
    } else {
        0
    };
    CallStats {
        codec: session.config().codec.name().to_owned(),
        bitrate,
        packets_sent: now.packets_sent,
        packets_received: now.packets_received,
        packets_lost: now.packets_lost,
        loss_percent,
        remote_loss_percent: now
            .remote_loss_fraction
            .map(|f| (f * 100.0).round().clamp(0.0, 100.0) as u8),
        jitter_ms: now.jitter_ms,
        buffer_ms: now.buffer_ms,
        rtt_ms: now.rtt_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_in_dbfs() {
        let mut w = Window::default();
        assert_eq!(w.level().peak_dbfs, -100);
        w.add(&[16384, -16384]);
        let level = w.level();
        assert_eq!((level.peak_dbfs, level.rms_dbfs), (-6, -6));
        let mut sine = Window::default();
        sine.add(&crate::media::tone::Sine::new(1000.0, 8000, 32767).samples(800));
        let level = sine.level();
        assert_eq!((level.peak_dbfs, level.rms_dbfs), (0, -3));
    }

    #[test]
    fn levels_at_most_ten_a_second() {
        let mut meters = Meters::new(true);
        let start = Instant::now();
        for i in 0..50u32 {
            meters.microphone(&[1000; 160]);
            meters.after_tick(start + Duration::from_millis(20) * i, std::iter::empty());
        }
        let events: Vec<Event> = std::iter::from_fn(|| meters.poll_event()).collect();
        assert_eq!(events.len(), 9, "{events:?}");
        let off = Meters::new(false).poll_event();
        assert!(off.is_none());
    }
}
