//! Which local tones play, driven by call events: ringback while the far end rings (180
//! without early media), busy or error tone for about 3 s after an outgoing call fails, the
//! call-waiting tone when a call comes in during another, and the ringtone for incoming
//! calls. The tones themselves are [`crate::media::tone`]'s.
//!
//! Call-progress tones go to the speaker with the calls' audio. The ringtone is a separate
//! source ([`Tones::ringer`]): the engine plays it on the ringer device when one is chosen,
//! else on the same output.

use crate::media::tone::{ToneKind, TonePlayer};
use crate::sip::call::{CallEvent, CallId, EndReason};
use std::collections::{BTreeMap, BTreeSet};

/// How long the busy or error tone plays after a failed call.
pub(super) const END_TONE_MS: u64 = 3000;

/// How long the test sound plays (the ringtone's notes, without its pause).
pub(super) const TEST_SOUND_MS: u64 = 1200;

/// The tones in play.
#[derive(Debug, Default)]
pub(super) struct Tones {
    /// Call-progress tones per call, with the time (ms of play) they stop after, if any.
    progress: BTreeMap<CallId, (TonePlayer, Option<u64>)>,
    /// Incoming calls that ring.
    ringing: BTreeSet<CallId>,
    /// The ringtone, while some call rings.
    ringtone: Option<TonePlayer>,
    /// Outgoing calls that got early media (no ringback for them).
    early: BTreeSet<CallId>,
    /// The test sound, while it plays.
    test: Option<TonePlayer>,
    /// The rate the tones are made at.
    rate: u32,
}

impl Tones {
    /// Tones made at `rate` samples a second.
    pub(super) fn new(rate: u32) -> Tones {
        Tones {
            rate,
            ..Tones::default()
        }
    }

    /// Follows `call`'s `event`; `in_call` says whether another call carries audio now.
    pub(super) fn on_call_event(&mut self, call: CallId, event: &CallEvent, in_call: bool) {
        match event {
            CallEvent::Incoming { .. } if in_call => self.start(call, ToneKind::CallWaiting, None),
            CallEvent::Incoming { .. } => {
                self.ringing.insert(call);
            }
            CallEvent::Ringing if !self.early.contains(&call) => {
                self.start(call, ToneKind::Ringback, None);
            }
            CallEvent::Ringing | CallEvent::Dtmf { .. } | CallEvent::MediaUpdated { .. } => {}
            CallEvent::EarlyMedia { .. } => {
                // Early media replaces ringback (RFC 3960 §2): what arrives is played.
                self.early.insert(call);
                self.progress.remove(&call);
            }
            CallEvent::Answered { .. } => self.stop(call),
            CallEvent::Ended { reason } => {
                self.stop(call);
                self.early.remove(&call);
                if call.is_incoming() {
                    return;
                }
                match reason {
                    EndReason::Busy => self.start(call, ToneKind::Busy, Some(END_TONE_MS)),
                    EndReason::Declined | EndReason::Timeout | EndReason::Failed { .. } => {
                        self.start(call, ToneKind::Error, Some(END_TONE_MS));
                    }
                    _ => {}
                }
            }
        }
        if self.ringing.is_empty() {
            self.ringtone = None;
        } else if self.ringtone.is_none() {
            self.ringtone = Some(TonePlayer::new(ToneKind::Ringtone, self.rate));
        }
    }

    fn start(&mut self, call: CallId, kind: ToneKind, for_ms: Option<u64>) {
        tracing::debug!("call {}: {kind:?} tone", call.0);
        self.progress
            .insert(call, (TonePlayer::new(kind, self.rate), for_ms));
    }

    fn stop(&mut self, call: CallId) {
        self.progress.remove(&call);
        self.ringing.remove(&call);
    }

    /// Starts (or restarts) the test sound: the ringtone's notes, on the speaker.
    pub(super) fn start_test(&mut self) {
        self.test = Some(TonePlayer::new(ToneKind::Ringtone, self.rate));
    }

    /// Whether any tone plays (the media clock must run for it).
    pub(super) fn active(&self) -> bool {
        !self.progress.is_empty() || self.ringtone.is_some() || self.test.is_some()
    }

    /// Adds the next `out.len()` samples of every call-progress tone to `out`; tones whose
    /// time is up stop.
    pub(super) fn mix_progress(&mut self, out: &mut [i32]) {
        let n = out.len();
        self.progress.retain(|_, (player, until)| {
            for (o, s) in out.iter_mut().zip(player.samples(n)) {
                *o += i32::from(s);
            }
            until.is_none_or(|ms| player.elapsed_ms() < ms)
        });
        if let Some(player) = self.test.as_mut() {
            for (o, s) in out.iter_mut().zip(player.samples(n)) {
                *o += i32::from(s);
            }
            if player.elapsed_ms() >= TEST_SOUND_MS {
                self.test = None;
            }
        }
    }

    /// The ringtone's next `n` samples, while a call rings: the ringer's own source.
    pub(super) fn ringer(&mut self, n: usize) -> Option<Vec<i16>> {
        self.ringtone.as_mut().map(|r| r.samples(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::headers::NameAddr;
    use crate::sip::offer_answer::Negotiated;

    fn media() -> Box<Negotiated> {
        Box::new(Negotiated::none())
    }

    #[test]
    fn ringback_until_answer_none_with_early_media_busy_for_three_seconds() {
        let mut tones = Tones::new(8000);
        let out = CallId(1);
        tones.on_call_event(out, &CallEvent::Ringing, false);
        let mut frame = vec![0i32; 160];
        tones.mix_progress(&mut frame);
        assert!(frame.iter().any(|s| *s != 0) || tones.active());
        tones.on_call_event(out, &CallEvent::Answered { media: media() }, false);
        assert!(!tones.active());
        // 183 with SDP, then 180: what arrives plays, no ringback.
        let early = CallId(2);
        tones.on_call_event(early, &CallEvent::EarlyMedia { media: media() }, false);
        tones.on_call_event(early, &CallEvent::Ringing, false);
        assert!(!tones.active());
        let busy = CallId(3);
        let ended = |reason| CallEvent::Ended { reason };
        tones.on_call_event(busy, &ended(EndReason::Busy), false);
        let mut ticks = 0;
        while tones.active() {
            tones.mix_progress(&mut frame);
            ticks += 1;
        }
        assert_eq!(ticks, 150, "3 s of 20 ms frames");
        // An incoming call ends: no tone of ours.
        tones.on_call_event(CallId(CallId::INCOMING | 9), &ended(EndReason::Busy), false);
        assert!(!tones.active());
    }

    #[test]
    fn the_test_sound_plays_its_notes_then_stops() {
        let mut tones = Tones::new(8000);
        tones.start_test();
        let mut heard = Vec::new();
        while tones.active() {
            let mut frame = vec![0i32; 160];
            tones.mix_progress(&mut frame);
            heard.extend(frame.iter().map(|s| *s as i16));
        }
        assert_eq!(heard.len(), 8 * TEST_SOUND_MS as usize, "1.2 s at 8 kHz");
        // G5 (784 Hz) first, then E5 (659 Hz).
        let first = &heard[400..2000];
        assert!(crate::media::tone::power_share(first, 784.0, 8000) > 0.8);
        let second = &heard[2800..4400];
        assert!(crate::media::tone::power_share(second, 659.0, 8000) > 0.8);
    }

    #[test]
    fn ringtone_alone_call_waiting_during_a_call() {
        let mut tones = Tones::new(8000);
        let first = CallId(CallId::INCOMING | 1);
        let incoming = CallEvent::Incoming {
            account: None,
            from: Box::new(NameAddr::parse("<sip:a@127.0.0.1>").expect("name-addr")),
            to: Box::new(NameAddr::parse("<sip:b@127.0.0.1>").expect("name-addr")),
            verified: None,
            encrypted: false,
        };
        tones.on_call_event(first, &incoming, false);
        assert!(tones.ringer(160).is_some());
        tones.on_call_event(first, &CallEvent::Answered { media: media() }, false);
        assert!(tones.ringer(160).is_none());
        let second = CallId(CallId::INCOMING | 2);
        tones.on_call_event(second, &incoming, true);
        assert!(tones.ringer(160).is_none(), "no ringtone during a call");
        let mut frame = vec![0i32; 160];
        tones.mix_progress(&mut frame);
        assert!(frame.iter().any(|s| *s != 0), "call-waiting tone");
        tones.on_call_event(
            second,
            &CallEvent::Ended {
                reason: EndReason::Cancelled,
            },
            true,
        );
        assert!(!tones.active());
    }
}
